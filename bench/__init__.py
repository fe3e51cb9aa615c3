"""aiwatch benchmarks: `python -m bench` (see bench/main.py and the README's "Performance" section)."""
