"""aiwatch benchmarks: `python -m bench` (see bench/main.py and docs/performance.md)."""
