"""Parts of the app switched off, to measure what each costs (`python -m bench --ablate PART`).

The app process reads ``AIWATCH_BENCH_ABLATE`` (comma-separated parts) in `bench/run_app.py` before it builds
the app. Only for the benchmark: nothing in `tui/` knows of it.

    refresh   the 5 Hz screen refresh does nothing: the feed, the store and the clocks still run
    parse     stream frames are received and dropped unparsed (no quote reaches the store from the stream)
    none      nothing switched off (the same run without the latency instrumentation, for comparison)
"""

from __future__ import annotations

ENV = "AIWATCH_BENCH_ABLATE"
PARTS = ("none", "refresh", "parse")


def parse_parts(text: str) -> tuple[str, ...]:
    parts = tuple(p.strip() for p in text.split(",") if p.strip())
    unknown = [p for p in parts if p not in PARTS]
    if unknown:
        raise ValueError(f"unknown part(s) {', '.join(unknown)}; known: {', '.join(PARTS)}")
    return parts


def apply(parts: tuple[str, ...]) -> None:
    if "refresh" in parts:
        from tui.app import AiwatchApp

        AiwatchApp._refresh = lambda self: None  # type: ignore[method-assign]
    if "parse" in parts:
        from tui.feeds.yahoo_stream import YahooStream

        YahooStream._on_frame = lambda self, data: None  # type: ignore[method-assign]
