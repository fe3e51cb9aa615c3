"""The quote board: a Line-API widget with one cached Strip per row.

Only rows whose view changed (their symbol moved in the store, FX moved, or the age text / stale flag
flipped) are rebuilt, and only their lines are refreshed — never the whole table per tick.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tui.core.store import FX_SYMBOLS, MarketStore
from tui.format import clip
from tui.model import Instrument
from tui.widgets.rows import RowView, row_view, with_age

log = logging.getLogger(__name__)

_FX = frozenset(FX_SYMBOLS.values())


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    title: str
    width: int
    right: bool = False


# in display order; "name" takes the room that is left
_COLUMNS = (
    Column("symbol", "Symbol", 10),
    Column("name", "Name", 0),
    Column("price", "Last", 15, right=True),
    Column("change", "Chg", 9, right=True),
    Column("change_pct", "Chg%", 8, right=True),
    Column("cap", "Cap USD", 8, right=True),
    Column("pe", "P/E", 6, right=True),
    Column("age", "Age +delay", 15),
)
_DROP_ORDER = ("name", "change", "cap", "pe", "change_pct")  # what goes first when the room shrinks
NAME_MIN, NAME_MAX = 8, 34


def layout(width: int) -> list[Column]:
    """The columns that fit in `width` cells, the name column sized to the room left."""
    cols = list(_COLUMNS)
    for drop in (None, *_DROP_ORDER):
        if drop is not None:
            cols = [c for c in cols if c.key != drop]
        fixed = sum(c.width for c in cols if c.key != "name") + len(cols) - 1
        if any(c.key == "name" for c in cols):
            room = width - fixed
            if room >= NAME_MIN:
                return [Column(c.key, c.title, min(room, NAME_MAX)) if c.key == "name" else c for c in cols]
            continue
        if fixed <= width:
            return cols
    return cols


class QuoteBoard(ScrollView, can_focus=True):
    """Symbol, name, last, change, change %, USD cap, P/E, age — one cached line per symbol."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor_up", "Cursor up", key_display="↑ / k", show=False, id="board.up"),
        Binding("down,j", "cursor_down", "Cursor down", key_display="↓ / j", show=False, id="board.down"),
        Binding("pageup", "page_up", "Page up", key_display="PgUp", show=False, id="board.page_up"),
        Binding("pagedown", "page_down", "Page down", key_display="PgDn", show=False, id="board.page_down"),
        Binding("home", "cursor_home", "First row", key_display="Home", show=False, id="board.home"),
        Binding("end", "cursor_end", "Last row", key_display="End", show=False, id="board.end"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "quote-board--header",
        "quote-board--up",
        "quote-board--down",
        "quote-board--stale",
        "quote-board--stale-tag",
        "quote-board--delay",
        "quote-board--unknown",
        "quote-board--cursor",
        "quote-board--symbol",
    }

    def __init__(self, *, stale_after: float = 60.0, name: str | None = None, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.stale_after = stale_after
        self.instruments: tuple[Instrument, ...] = ()
        self.views: list[RowView] = []
        self.cursor = 0
        self._strips: dict[int, Strip] = {}
        self._header: Strip | None = None
        self._width = 0
        self.rows_rebuilt = 0  # rows whose strip was rebuilt since mount (for tests and benchmarks)

    # -- data ------------------------------------------------------------------------------
    def set_rows(self, instruments: Sequence[Instrument], store: MarketStore, now: float) -> None:
        """Show a new list of instruments (a watchlist switch): everything is redrawn once."""
        self.instruments = tuple(instruments)
        self.views = [row_view(store, inst, now, self.stale_after) for inst in self.instruments]
        self.cursor = 0
        self._strips.clear()
        self.virtual_size = Size(self.size.width, len(self.views) + 1)
        self.scroll_to(y=0, animate=False)
        self.refresh()

    def sync(self, store: MarketStore, changed: set[str], now: float) -> int:
        """Bring rows up to date; refresh only the lines whose text or flags changed. Returns that count."""
        fx_moved = not changed.isdisjoint(_FX)
        refreshed = 0
        for i, inst in enumerate(self.instruments):
            old = self.views[i]
            if inst.symbol in changed or fx_moved:
                view = row_view(store, inst, now, self.stale_after)
            elif old.quoted:
                view = with_age(old, store, now, self.stale_after)
            else:
                continue
            if view != old:
                self.views[i] = view
                self._invalidate(i)
                refreshed += 1
        return refreshed

    def _invalidate(self, index: int) -> None:
        self._strips.pop(index, None)
        self.refresh_line(index + 1)

    # -- cursor ----------------------------------------------------------------------------
    @property
    def cursor_symbol(self) -> str | None:
        return self.instruments[self.cursor].symbol if self.instruments else None

    def move_cursor(self, index: int) -> None:
        if not self.instruments:
            return
        index = max(0, min(index, len(self.instruments) - 1))
        if index == self.cursor:
            return
        old, self.cursor = self.cursor, index
        self._invalidate(old)
        self._invalidate(index)
        rows_visible = max(1, self.scrollable_content_region.height - 1)
        top = round(self.scroll_y)
        if index < top:
            self.scroll_to(y=index, animate=False)
        elif index >= top + rows_visible:
            self.scroll_to(y=index - rows_visible + 1, animate=False)

    def action_cursor_up(self) -> None:
        self.move_cursor(self.cursor - 1)

    def action_cursor_down(self) -> None:
        self.move_cursor(self.cursor + 1)

    def action_page_up(self) -> None:
        self.move_cursor(self.cursor - max(1, self.scrollable_content_region.height - 2))

    def action_page_down(self) -> None:
        self.move_cursor(self.cursor + max(1, self.scrollable_content_region.height - 2))

    def action_cursor_home(self) -> None:
        self.move_cursor(0)

    def action_cursor_end(self) -> None:
        self.move_cursor(len(self.instruments) - 1)

    # -- rendering -------------------------------------------------------------------------
    def on_resize(self) -> None:
        self.virtual_size = Size(self.scrollable_content_region.width, len(self.views) + 1)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips.clear()
        self._header = None

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        if width != self._width:
            self._width = width
            self._strips.clear()
            self._header = None
        if y == 0:
            if self._header is None:
                self._header = self._render_header(width)
            return self._header
        index = round(self.scroll_y) + y - 1
        if index >= len(self.views):
            return Strip.blank(width, self.rich_style)
        strip = self._strips.get(index)
        if strip is None:
            strip = self._strips[index] = self._render_row(index, width)
            self.rows_rebuilt += 1
        return strip

    def _render_header(self, width: int) -> Strip:
        style = self.rich_style + self.get_component_rich_style("quote-board--header")
        segments = []
        for n, col in enumerate(layout(width)):
            if n:
                segments.append(Segment(" ", style))
            text = clip(col.title, col.width)
            segments.append(Segment(text.rjust(col.width) if col.right else text.ljust(col.width), style))
        return Strip(segments).adjust_cell_length(width, style)

    def _render_row(self, index: int, width: int) -> Strip:
        view = self.views[index]
        base = self.rich_style
        if view.stale:
            base = base + self.get_component_rich_style("quote-board--stale")
        if index == self.cursor:
            base = base + self.get_component_rich_style("quote-board--cursor", partial=True)
        move = Style()
        if view.direction > 0:
            move = self.get_component_rich_style("quote-board--up", partial=True)
        elif view.direction < 0:
            move = self.get_component_rich_style("quote-board--down", partial=True)
        segments: list[Segment] = []
        for n, col in enumerate(layout(width)):
            if n:
                segments.append(Segment(" ", base))
            segments.extend(self._cell(view, col, base, move))
        return Strip(segments).adjust_cell_length(width, base)

    def _cell(self, view: RowView, col: Column, base: Style, move: Style) -> list[Segment]:
        w = col.width
        if col.key == "symbol":
            return [Segment(clip(view.symbol, w).ljust(w), base + self.get_component_rich_style(
                "quote-board--symbol", partial=True))]
        if col.key == "name":
            return [Segment(clip(view.name, w).ljust(w), base)]
        if view.unknown:
            if col.key == "price":
                warn = base + self.get_component_rich_style("quote-board--unknown", partial=True)
                return [Segment("not found".rjust(w), warn)]
            return [Segment(" " * w, base)]
        if col.key == "age":
            return self._age_cell(view, w, base)
        text = getattr(view, col.key)
        style = base + move if col.key in ("change", "change_pct", "price") else base
        text = clip(text, w)
        return [Segment(text.rjust(w) if col.right else text.ljust(w), style)]

    def _age_cell(self, view: RowView, w: int, base: Style) -> list[Segment]:
        parts = [Segment(view.age.rjust(4), base)]
        used = 4
        if view.delay:
            delay_style = base + self.get_component_rich_style("quote-board--delay", partial=True)
            parts += [Segment(" ", base), Segment(view.delay, delay_style)]
            used += 1 + len(view.delay)
        if view.stale:
            tag = base + self.get_component_rich_style("quote-board--stale-tag", partial=True)
            parts += [Segment(" ", base), Segment("stale", tag)]
            used += 6
        if used > w:
            return list(Strip(parts).crop(0, w))
        parts.append(Segment(" " * (w - used), base))
        return parts

    def row_text(self, index: int) -> str:
        """The plain text of a row as drawn at the current width (for tests and the snapshot)."""
        return self._render_row(index, self.scrollable_content_region.width).text

    def header_text(self) -> str:
        return self._render_header(self.scrollable_content_region.width).text
