"""The baseline: a plain Textual DataTable board that calls `update_cell` for every tick, as most Textual
tickers do — fed by the same YahooFeed client, against the same simulator, in the same pseudo-terminal.

One row per symbol (symbol, name, last, change, change %, time); each quote that enters the store updates the
row's last, change, change % and time cells with `update_cell` at once (the name once, with the first quote). Nothing else (no panels, no header
clocks): the baseline is the cheapest honest DataTable ticker. With AIWATCH_BENCH_LATENCY set it records
tick-to-screen latency the same way as the app (tui/latency.py): arrival in `apply_quote`, shown at the
next frame written after its `update_cell`.

    python -m bench.baseline_app --yahoo-url URL --stream-url URL --at POSIX --at-wall POSIX --speed X [--symbols N]
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from typing import ClassVar


def _fmt(x: float | None, spec: str) -> str:
    return "—" if x is None else format(x, spec)


def build_app(args):
    from textual.app import App, ComposeResult
    from textual.binding import Binding
    from textual.widgets import DataTable

    from bench.feed_app import FeedParts

    class BaselineApp(App[None]):
        BINDINGS: ClassVar = [Binding("q", "quit", "Quit")]

        def __init__(self) -> None:
            super().__init__()
            self.parts = FeedParts(args, self.on_quote)
            self.rec = self.parts.rec
            self.named: set[str] = set()
            if self.rec is not None:
                self.rec.wrap_display(self)

        def compose(self) -> ComposeResult:
            yield DataTable(id="table", cursor_type="row")

        async def on_mount(self) -> None:
            table = self.query_one(DataTable)
            table.add_column("Symbol", key="symbol")
            table.add_column("Name", key="name")
            table.add_column("Last", key="last", width=12)
            table.add_column("Chg", key="chg", width=9)
            table.add_column("Chg%", key="pct", width=8)
            table.add_column("Time", key="time", width=8)
            for sym in self.parts.symbols:
                table.add_row(sym, "", "—", "—", "—", "", key=sym)
            self.table = table
            await self.parts.start()

        def on_quote(self, q) -> None:
            rec = self.rec
            if rec is not None:
                rec.arrived(q.symbol)
            t = self.table
            if q.symbol not in self.named and q.short_name:
                self.named.add(q.symbol)
                t.update_cell(q.symbol, "name", q.short_name)
            t.update_cell(q.symbol, "last", _fmt(q.price, ",.2f"))
            t.update_cell(q.symbol, "chg", _fmt(q.change, "+,.2f"))
            t.update_cell(q.symbol, "pct", _fmt(q.change_pct, "+.2f"))
            t.update_cell(q.symbol, "time", datetime.fromtimestamp(q.time, UTC).strftime("%H:%M:%S"))
            if rec is not None:
                rec.begin_refresh()
                rec.repainted(q.symbol)
                rec.end_refresh()

        async def action_quit(self) -> None:
            await self.parts.feed.stop()
            self.exit()

    return BaselineApp()


def main(argv: list[str] | None = None) -> int:
    from bench.feed_app import run

    return run(build_app, "python -m bench.baseline_app", argv)


if __name__ == "__main__":
    sys.exit(main())
