"""Tick-to-screen latency instrumentation for the benchmarks (`python -m bench`); off unless asked for.

Turned on by the environment variable ``AIWATCH_BENCH_LATENCY=PATH`` (read once, when the app mounts).
What is measured, precisely:

- **arrival**: ``time.monotonic()`` when a quote enters ``MarketStore.apply_quote`` (stream frames and REST
  quotes alike; the call happens right after the frame was parsed on the event loop);
- **shown**: ``time.monotonic()`` right after ``App._display`` handed the terminal bytes of the next frame
  written after the 5 Hz refresh that repainted that quote's board row to Textual's writer thread (which
  writes them to the terminal at once, unless the terminal blocks).

In a client of a hub (`aiwatch --hub`), a quote's arrival is taken back to the hub's receipt of it: the quote's
``received`` (the hub's clock) against this process's clock, so the figure holds the hub's batching, Redis and the
client's decoding too, as a direct app's holds its parsing. That needs both clocks to agree (the benchmark aligns
both to its simulator's); an age outside 0–10 s (clocks that do not) counts from the store as for a direct app.

A tick whose row did not change on screen (same price text, or the symbol is not a board row, like FX) is
counted as ``unchanged`` and has no latency. Latencies of the pairs/concentration panels are not measured
(they repaint in the same refresh as the board rows). Also recorded: frames written (every ``_display`` with
something to write, clock ticks included) and the wall time (``time.time()``) of the first frame showing a
quote, which the benchmark uses for launch-to-first-data.

Every ~0.5 s (and at exit) one JSON line is appended to PATH:
``{"mono": t, "pid": n, "frames": k, "unchanged": u, "hist": {"<ms>": count, ...}, "first_data_wall": w}``
with the latencies of that interval as a histogram in whole milliseconds (rounded up). CLOCK_MONOTONIC is
system-wide on Linux, so the benchmark can keep only the lines inside its measurement window.

The hooks wrap instance attributes (no class is changed): the cost when off is nothing, when on one
``monotonic()`` and a list append per tick.
"""

from __future__ import annotations

import atexit
import json
import math
import os
import time
from collections import Counter
from typing import Any

ENV = "AIWATCH_BENCH_LATENCY"
FLUSH_SECONDS = 0.5
MAX_HUB_AGE = 10.0  # seconds: an older `received` (or a newer one) is a clock that does not agree with the hub's


class LatencyRecorder:
    def __init__(self, path: str) -> None:
        self.path = path
        self.pending: dict[str, list[float]] = {}  # symbol -> arrivals not yet consumed by a refresh
        self.consumed: dict[str, list[float]] = {}  # arrivals the running refresh is consuming
        self.awaiting: list[float] = []  # arrivals whose row was repainted, waiting for the next frame
        self.hist: Counter[int] = Counter()
        self.frames = 0
        self.unchanged = 0
        self.first_data_wall: float | None = None
        self._last_flush = time.monotonic()
        atexit.register(self.flush)

    # -- events ----------------------------------------------------------------------------------------
    def arrived(self, symbol: str, age: float = 0.0) -> None:
        self.pending.setdefault(symbol, []).append(time.monotonic() - age)

    def begin_refresh(self) -> None:
        for symbol, times in self.pending.items():
            self.consumed.setdefault(symbol, []).extend(times)
        self.pending = {}

    def repainted(self, symbol: str) -> None:
        times = self.consumed.pop(symbol, None)
        if times:
            self.awaiting.extend(times)

    def end_refresh(self) -> None:
        self.unchanged += sum(len(t) for t in self.consumed.values())
        self.consumed = {}

    def frame(self) -> None:
        now = time.monotonic()
        self.frames += 1
        if self.awaiting:
            if self.first_data_wall is None:
                self.first_data_wall = time.time()
            for arrival in self.awaiting:
                self.hist[max(0, math.ceil((now - arrival) * 1000.0))] += 1
            self.awaiting = []
        if now - self._last_flush >= FLUSH_SECONDS:
            self.flush()

    def flush(self) -> None:
        now = time.monotonic()
        self._last_flush = now
        line = {"mono": now, "pid": os.getpid(), "frames": self.frames, "unchanged": self.unchanged,
                "hist": {str(k): v for k, v in sorted(self.hist.items())},
                "first_data_wall": self.first_data_wall}
        self.frames = self.unchanged = 0
        self.hist = Counter()
        try:
            with open(self.path, "a", encoding="utf-8") as fh:
                fh.write(json.dumps(line, separators=(",", ":")) + "\n")
        except OSError:
            pass

    # -- wiring ----------------------------------------------------------------------------------------
    def wrap_display(self, app: Any) -> None:
        """Count a frame each time the app writes one (``App._display`` with something to show)."""
        display = app._display

        def _display(screen: Any, renderable: Any) -> None:
            display(screen, renderable)
            if renderable is not None and not app._batch_count:
                self.frame()

        app._display = _display

    def wrap_store(self, store: Any, clock: Any = None) -> None:
        """`clock`: a hub's client's clock; each arrival is taken back to the hub's receipt (`quote.received`)."""
        apply_quote = store.apply_quote

        def _apply_quote(quote: Any) -> bool:
            age = 0.0
            if clock is not None:
                age = clock.now() - quote.received
                age = age if 0.0 <= age <= MAX_HUB_AGE else 0.0
            self.arrived(quote.symbol, age)
            return apply_quote(quote)

        store.apply_quote = _apply_quote


def install(app: Any, path: str) -> LatencyRecorder:
    """Instrument an AiwatchApp (called from its on_mount, before its timers start)."""
    from tui.widgets.board import QuoteBoard

    rec = LatencyRecorder(path)
    rec.wrap_store(app.runtime.store, app.runtime.clock if getattr(app.runtime, "hub_url", None) else None)
    rec.wrap_display(app)
    board = app.query_one(QuoteBoard)
    invalidate = board._invalidate

    def _invalidate(index: int, *args: Any, **kwargs: Any) -> None:
        if 0 <= index < len(board.instruments):
            rec.repainted(board.instruments[index].symbol)
        invalidate(index, *args, **kwargs)

    board._invalidate = _invalidate
    refresh = app._refresh

    def _refresh() -> None:
        rec.begin_refresh()
        try:
            refresh()
        finally:
            rec.end_refresh()

    app._refresh = _refresh
    return rec


def install_from_env(app: Any) -> LatencyRecorder | None:
    path = os.environ.get(ENV)
    return install(app, path) if path else None
