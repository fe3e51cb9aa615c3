"""The issue's prototype, rebuilt as the benchmark's second reference: a board on Textual's Line API.

`../shared/architecture.md` records it as "a 100-line board on the Line API (a `Widget` whose `render_line`
returns cached `Strip`s, with only the rows that changed invalidated and `refresh(Region(...))` called for them
on a 0.2 s timer)"; the issue set the app's absolute CPU target from its figure (2.0 % of a core, 14 KiB/s, on
200 ticks/s over 20 symbols). This is that board: the DataTable baseline's columns (symbol, name, last, change,
change %, time; change coloured), one cached `Strip` per row, the rows whose quote changed rebuilt and repainted
five times a second. Nothing else: no panels, no header, no valuation. Fed by the same YahooFeed, against the same
simulator, in the same pseudo-terminal as the app and the baseline; latency is recorded the same way (arrival in
`apply_quote`, shown at the next frame written after the refresh that repainted the row).

    python -m bench.prototype_app --yahoo-url URL --stream-url URL --at POSIX --at-wall POSIX --speed X [--symbols N]
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from typing import ClassVar

REFRESH_SECONDS = 0.2
COLUMNS = (("Symbol", 8, "<"), ("Name", 28, "<"), ("Last", 12, ">"), ("Chg", 9, ">"), ("Chg%", 8, ">"),
           ("Time", 9, ">"))


def _fmt(x: float | None, spec: str) -> str:
    return "—" if x is None else format(x, spec)


def row_cells(q) -> tuple[str, ...]:
    return (q.symbol, q.short_name or "", _fmt(q.price, ",.2f"), _fmt(q.change, "+,.2f"), _fmt(q.change_pct, "+.2f"),
            datetime.fromtimestamp(q.time, UTC).strftime("%H:%M:%S"))


def build_app(args):
    from rich.segment import Segment
    from rich.style import Style
    from textual.app import App, ComposeResult
    from textual.binding import Binding
    from textual.geometry import Region
    from textual.strip import Strip
    from textual.widget import Widget

    from bench.feed_app import FeedParts

    plain, head = Style(), Style(bold=True, underline=True)
    up, down = Style(color="green"), Style(color="red")

    def strip(cells: tuple[str, ...], width: int, style: Style, move: Style | None = None) -> Strip:
        segs = []
        for n, (text, (_, w, align)) in enumerate(zip(cells, COLUMNS, strict=True)):
            cell = f"{text[:w]:{align}{w}} "
            segs.append(Segment(cell, move if move is not None and n in (2, 3, 4) else style))
        return Strip(segs).adjust_cell_length(width)

    class LineBoard(Widget):
        DEFAULT_CSS = "LineBoard { height: 1fr; }"

        def __init__(self, symbols: list[str]) -> None:
            super().__init__()
            self.symbols = symbols
            self.row_of = {s: i + 1 for i, s in enumerate(symbols)}  # row 0 is the header
            self.quotes: dict = {}
            self.dirty: set[str] = set()
            self.lines: list[Strip | None] = [None] * (len(symbols) + 1)

        def _line(self, y: int) -> Strip:
            width = self.size.width
            if y == 0:
                return strip(tuple(c[0] for c in COLUMNS), width, head)
            sym = self.symbols[y - 1]
            q = self.quotes.get(sym)
            if q is None:
                return strip((sym, "", "—", "—", "—", ""), width, plain)
            return strip(row_cells(q), width, plain, up if (q.change or 0) >= 0 else down)

        def render_line(self, y: int) -> Strip:
            if y >= len(self.lines):
                return Strip.blank(self.size.width)
            line = self.lines[y]
            if line is None:
                line = self.lines[y] = self._line(y)
            return line

        def on_resize(self) -> None:
            self.lines = [None] * len(self.lines)

        def flush(self, rec) -> None:
            if not self.dirty:
                return
            if rec is not None:
                rec.begin_refresh()
            width, height = self.size
            for sym in self.dirty:
                y = self.row_of[sym]
                self.lines[y] = self._line(y)
                self.refresh(Region(0, y, width, 1))
                if rec is not None and y < height:  # a row below the screen is not shown: no latency
                    rec.repainted(sym)
            self.dirty.clear()
            if rec is not None:
                rec.end_refresh()

    class PrototypeApp(App[None]):
        BINDINGS: ClassVar = [Binding("q", "quit", "Quit")]

        def __init__(self) -> None:
            super().__init__()
            self.parts = FeedParts(args, self.on_quote)
            self.rec = self.parts.rec
            if self.rec is not None:
                self.rec.wrap_display(self)
            self.board = LineBoard(self.parts.symbols)

        def compose(self) -> ComposeResult:
            yield self.board

        async def on_mount(self) -> None:
            self.set_interval(REFRESH_SECONDS, lambda: self.board.flush(self.rec))
            await self.parts.start()

        def on_quote(self, q) -> None:
            if self.rec is not None:
                self.rec.arrived(q.symbol)
            self.board.quotes[q.symbol] = q
            self.board.dirty.add(q.symbol)

        async def action_quit(self) -> None:
            await self.parts.feed.stop()
            self.exit()

    return PrototypeApp()


def main(argv: list[str] | None = None) -> int:
    from bench.feed_app import run

    return run(build_app, "python -m bench.prototype_app", argv)


if __name__ == "__main__":
    sys.exit(main())
