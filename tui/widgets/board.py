"""The quote board: a Line-API widget with one cached Strip per row.

Only rows whose view changed (their symbol moved in the store, FX moved, or the age text / stale flag
flipped) are rebuilt, and only their lines are refreshed — never the whole table per tick.

What the board is showing is on its top border, while it applies: the sort (`sort chg% ▼`), the filter with how
many rows match (`filter "cn" 12/21`), and which rows are in view (`rows 7–12 of 22`). It draws no scrollbar: a
one-cell thumb in partial blocks read as a stray sparkline cell, and once scrolled it was drawn beside the column
titles. The cursor row is always in view: after a move, an edit of the list, a filter or a resize; a new sort
shows the board from its top (the cursor on the first row), while quotes that re-sort the rows keep the cursor on
its symbol.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import ClassVar

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tui.core.store import FX_SYMBOLS, MarketStore
from tui.format import EXT_SHORT_WIDTH, clip
from tui.model import Instrument, change_pct_of
from tui.sanitize import clean
from tui.widgets.rows import RowView, row_view, with_age

log = logging.getLogger(__name__)

_FX = frozenset(FX_SYMBOLS.values())
_MOVE_COLS = frozenset({"price", "change", "change_pct"})  # the cells coloured by the day's move


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
    Column("spark", "Intraday", 12),  # only where the width allows (dropped first)
)
_DROP_ORDER = ("spark", "name", "change", "cap", "pe", "change_pct")  # what goes first when the room shrinks
NAME_MIN, NAME_MAX = 8, 34
SPARK_NAME_MIN = 16
# While some row has an extended-hours trade (US pre- and post-market), its column comes beside the day's change:
# `post 168.92 +0.15%` where the room allows, else `post +0.15%`. It goes before the P/E and the day's change %.
EXT_WIDE = Column("ext", "Pre/post", 20)
EXT_NARROW = Column("ext", "Pre/post", EXT_SHORT_WIDTH)
_DROP_ORDER_EXT = ("spark", "name", "change", "cap", "ext", "pe", "change_pct")


def _with_ext(ext: Column) -> tuple[Column, ...]:
    at = next(n for n, c in enumerate(_COLUMNS) if c.key == "change_pct") + 1
    return (*_COLUMNS[:at], ext, *_COLUMNS[at:])


def fx_dependent(store: MarketStore, symbol: str) -> bool:
    """Whether a row's figures use an FX rate (a price or reporting currency other than USD, or unknown)."""
    if store.currency_of(symbol) != "USD":
        return True
    fund = store.fundamentals.get(symbol)
    return fund is not None and fund.financial_currency not in (None, "USD")


@lru_cache(maxsize=128)
def layout(width: int, ext: bool = False) -> tuple[Column, ...]:
    """The columns that fit in `width` cells, the name column sized to the room left (cached: every row drawn
    and every cell repainted asks for it). With `ext`, the extended-hours column too: the wide form, else the
    narrow one, with every other column; then the same without the sparkline; then the wide one without the name;
    else the narrow one with whatever else must go."""
    if not ext:
        return tuple(_layout(width, _COLUMNS, _DROP_ORDER))
    wide, narrow = _with_ext(EXT_WIDE), _with_ext(EXT_NARROW)
    for cols, drops in ((wide, 0), (narrow, 0), (wide, 1), (narrow, 1), (wide, 2)):
        got = _layout(width, cols, _DROP_ORDER_EXT, drops)
        if got is not None:
            return tuple(got)
    return tuple(_layout(width, narrow, _DROP_ORDER_EXT))


def _layout(width: int, columns: tuple[Column, ...], drop_order: tuple[str, ...],
            max_drops: int | None = None) -> list[Column] | None:
    """`columns` less the fewest of `drop_order` (at most `max_drops` of them, else None) that fit `width`."""
    cols = list(columns)
    for step, drop in enumerate((None, *drop_order)):
        if max_drops is not None and step > max_drops:
            return None
        if drop is not None:
            cols = [c for c in cols if c.key != drop]
        fixed = sum(c.width for c in cols if c.key != "name") + len(cols) - 1
        if any(c.key == "name" for c in cols):
            room = width - fixed
            if room >= NAME_MIN:
                if drop is None and room < SPARK_NAME_MIN:
                    continue  # the sparkline only when the name keeps a useful width
                return [Column(c.key, c.title, min(room, NAME_MAX)) if c.key == "name" else c for c in cols]
            continue
        if fixed <= width:
            return cols
    return _fit_whole(cols, width) if max_drops is None else None


AGE_MIN = 9  # "  5s +15m": the age and the delay whole (a stale row is dimmed as well as tagged)


def _fit_whole(cols: list[Column], width: int) -> list[Column]:
    """Narrower than the narrowest layout: only columns that fit whole, since a price cut short reads
    as another price; the symbol and the age column may narrow (text, not numbers)."""
    kept: list[Column] = []
    used = 0
    for c in cols:
        sep = 1 if kept else 0
        room = width - used - sep
        if c.width <= room:
            kept.append(c)
            used += sep + c.width
        elif (c.key == "symbol" and room >= 1) or (c.key == "age" and room >= AGE_MIN):
            kept.append(Column(c.key, c.title, room, c.right))
            break
        else:
            break
    return kept


def _put(runs: list[list], text: str, style: Style) -> None:
    """Append `text` in `style` to `runs`, extending the last run when its style is the same."""
    if runs and (runs[-1][1] is style or runs[-1][1] == style):
        runs[-1][0] += text
    else:
        runs.append([text, style])


def _strip_of(runs: list[list], width: int, base: Style) -> Strip:
    """One Strip of `runs`, exactly `width` cells (padded in `base`, or cut). A row holding anything a terminal
    would act on (the loaders clean names first; this is the second line) is drawn with its runs cleaned."""
    text = "".join(t for t, _ in runs)
    if not text.isprintable():
        runs = [[clean(t, None), st] for t, st in runs]
        text = "".join(t for t, _ in runs)
    segments = [Segment(text, style) for text, style in runs if text]
    length = len(text) if text.isascii() else cell_len(text)
    if length == width:
        return Strip(segments, width)
    if length < width:
        if segments and segments[-1].style == base:
            segments[-1] = Segment(segments[-1].text + " " * (width - length), base)
        else:
            segments.append(Segment(" " * (width - length), base))
        return Strip(segments, width)
    return Strip(segments, length).crop(0, width)


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
        "quote-board--cursor-tag",
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
        self._source: tuple[Instrument, ...] = ()  # the watchlist's instruments, in list order
        self.sort_key = "list"
        self.filter_text = ""
        self._sparks: dict[str, str] = {}
        self.has_ext = False  # some row has an extended-hours trade: the board shows that column

    # -- data ------------------------------------------------------------------------------
    def set_rows(self, instruments: Sequence[Instrument], store: MarketStore, now: float) -> None:
        """Show a new list of instruments (a watchlist switch): everything is redrawn once."""
        self._source = tuple(instruments)
        self.instruments = arrange(self._source, store, self.sort_key, self.filter_text)
        self.views = [row_view(store, inst, now, self.stale_after) for inst in self.instruments]
        self.has_ext = any(v.ext for v in self.views)
        self._header = None
        self._sparks = {i.symbol: spark_text(store, i.symbol) for i in self.instruments}
        self.cursor = 0
        self._strips.clear()
        self.virtual_size = Size(self.size.width, len(self.views) + 1)
        self.scroll_to(y=0, animate=False)
        self.refresh()
        self.show_state()

    def sync(self, store: MarketStore, changed: set[str], now: float) -> int:
        """Bring rows up to date; refresh only the lines whose text or flags changed. Returns that count."""
        fx_moved = not changed.isdisjoint(_FX)
        if self.sort_key != "list" and (changed or fx_moved):
            order = arrange(self._source, store, self.sort_key, self.filter_text)
            if order != self.instruments:
                self.rearrange(store, now, order)
                return len(order)
        refreshed = 0
        self._sync_ctx = (store, now)
        region = self.scrollable_content_region
        top, shown = round(self.scroll_y), max(0, region.height - 1)
        self._batch = ((top, region.height, region.width), [])
        try:
            refreshed = self._sync_rows(store, changed, now, fx_moved, top, shown)
        finally:
            regions, self._batch = self._batch[1], None
            if regions:
                self.refresh(*regions)
        has_ext = any(v.ext for v in self.views)
        if has_ext != self.has_ext:  # an extended-hours column comes or goes (twice a day): every line anew
            self.has_ext = has_ext
            self._strips.clear()
            self._header = None
            self.refresh()
        return refreshed

    _batch: tuple[tuple[int, int, int], list[Region]] | None = None

    def _sync_rows(self, store: MarketStore, changed: set[str], now: float, fx_moved: bool, top: int,
                   shown: int) -> int:
        refreshed = 0
        deferred = self._deferred_symbols()
        for i, inst in enumerate(self.instruments):
            old = self.views[i]
            if not top <= i < top + shown:  # off screen, brought up to date when it scrolls into view
                if inst.symbol in changed or old.quoted or (fx_moved and fx_dependent(store, inst.symbol)):
                    deferred.add(inst.symbol)
                    self._strips.pop(i, None)
                continue
            if inst.symbol in deferred:
                deferred.discard(inst.symbol)
                changed = changed | {inst.symbol}
            if inst.symbol in changed:
                spark = spark_text(store, inst.symbol)
                if spark != self._sparks.get(inst.symbol):
                    self._sparks[inst.symbol] = spark
                    self._invalidate(i)
            if inst.symbol in changed or (fx_moved and fx_dependent(store, inst.symbol)):
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

    # -- rows off screen cost nothing until they scroll into view ----------------------------------------
    # `views[i]` of a row off screen may lag behind the store; `render_line` and `row_text` catch it up first.
    def _deferred_symbols(self) -> set[str]:
        return self.__dict__.setdefault("_deferred", set())

    def _catch_up(self, index: int) -> None:
        """Bring a row whose updates were deferred while it was off screen up to date (no repaint asked)."""
        deferred = self.__dict__.get("_deferred")
        ctx = self.__dict__.get("_sync_ctx")
        if not deferred or ctx is None or not 0 <= index < len(self.instruments):
            return
        inst = self.instruments[index]
        if inst.symbol not in deferred:
            return
        deferred.discard(inst.symbol)
        store, now = ctx
        self.views[index] = row_view(store, inst, now, self.stale_after)
        self._sparks[inst.symbol] = spark_text(store, inst.symbol)
        self._strips.pop(index, None)

    def _invalidate(self, index: int) -> None:
        """Drop row `index`'s cached strip and repaint its line.

        The whole line, not only the cells that changed: Textual writes a partly changed
        line from its start anyway, so cell regions saved few bytes, and each cost a Strip crop per line and
        frame, about an eighth of the app's CPU while quotes stream. A row off screen is not repainted
        (Textual would repaint whatever lies below the board instead); its strip is rebuilt when it scrolls
        into view."""
        self._strips.pop(index, None)
        batch = self._batch
        if batch is not None:  # inside sync(): the view's geometry was read once, the repaints go out at once
            top, height, width = batch[0]
        else:
            region = self.scrollable_content_region
            top, height, width = round(self.scroll_y), region.height, region.width
        if not top <= index < top + max(0, height - 1):
            return
        line = Region(0, index + 1 - top, width, 1)
        if batch is not None:
            batch[1].append(line)
        else:
            self.refresh(line)

    # -- cursor ----------------------------------------------------------------------------
    @property
    def cursor_symbol(self) -> str | None:
        return self.instruments[self.cursor].symbol if self.instruments else None

    def move_cursor(self, index: int) -> None:
        if not self.instruments:
            return
        index = max(0, min(index, len(self.instruments) - 1))
        if index != self.cursor:
            old, self.cursor = self.cursor, index
            self._invalidate(old)
            self._invalidate(index)
        self.scroll_to_cursor()  # also when it is already there: End on the last row brings it into view

    @property
    def rows_visible(self) -> int:
        """Rows of quotes the board has room for (its height less the column titles)."""
        return max(1, self.scrollable_content_region.height - 1)

    def scroll_to_cursor(self) -> None:
        """Scroll so that the cursor's row is in view (the least scroll that does it)."""
        self.virtual_size = Size(self.scrollable_content_region.width, len(self.views) + 1)
        rows, top = self.rows_visible, round(self.scroll_y)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False)
        elif self.cursor >= top + rows:
            self.scroll_to(y=self.cursor - rows + 1, animate=False)
        self.show_state()

    @property
    def allow_vertical_scroll(self) -> bool:
        """The mouse wheel scrolls the board although it draws no scrollbar (app.tcss: overflow-y hidden)."""
        return self.virtual_size.height > self.scrollable_content_region.height

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if round(old_value) != round(new_value):
            self.show_state()

    # -- what the board shows, on its border ---------------------------------------------------------
    def state_text(self) -> tuple[str, str]:
        """(what applies, where the view is): `sort chg% ▼ · filter "cn" 12/21`, `rows 7–12 of 22`."""
        parts = ["Quotes"]
        if self.sort_key != "list":
            parts.append(f"sort {SORT_SHORT[self.sort_key]}")
        if self.filter_text:
            parts.append(f'filter "{self.filter_text}" {len(self.instruments)}/{len(self._source)}')
        n = len(self.instruments)
        top = round(self.scroll_y)
        shown = min(self.rows_visible, max(0, n - top))
        if n and (top > 0 or shown < n):
            where = f"rows {top + 1}–{top + shown} of {n}"
        else:
            where = f"{n} row{'' if n == 1 else 's'}"
        return " · ".join(parts), where

    def show_state(self) -> None:
        """Put `state_text` on the top border: what applies on the left, the rows in view on the right."""
        if not self.is_mounted:
            return
        what, where = self.state_text()
        room = self.outer_size.width - 2  # the border's first and last cells stay lines
        gap = room - cell_len(what) - cell_len(where)
        if gap >= 2:
            text = Content.assemble(what, " " * gap, where)
        elif room >= cell_len(what) + 3 + cell_len(where):
            text = Content.assemble(what, " · ", where)
        else:
            text = Content(what)
        if text.plain != getattr(self, "_state_shown", None):
            self._state_shown = text.plain
            self.border_title = text

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
        self.scroll_to_cursor()  # a shorter board (the panels grew, the terminal shrank) keeps the cursor in view

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips.clear()
        self._header = None
        self.__dict__.pop("_cstyles", None)

    def _cstyle(self, name: str, partial: bool = False) -> Style:
        """`get_component_rich_style`, cached until the next style update (it was most of the cost
        of building a row; a 60-row board builds ~70 rows a second)."""
        cache = self.__dict__.setdefault("_cstyles", {})
        style = cache.get((name, partial))
        if style is None:
            style = cache[(name, partial)] = (self.rich_style if not name
                                              else self.get_component_rich_style(name, partial=partial))
        return style

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
            if index == 0 and self.filter_text:  # a filter matching nothing says so
                text = f"no rows match {self.filter_text!r} (/ then Enter on an empty line shows all)"
                return Strip([Segment(clip(text, width).ljust(width), self._cstyle(""))], width)
            return Strip.blank(width, self.rich_style)
        self._catch_up(index)
        strip = self._strips.get(index)
        if strip is None:
            strip = self._strips[index] = self._render_row(index, width)
            self.rows_rebuilt += 1
        return strip

    def _render_header(self, width: int) -> Strip:
        style = self._cstyle("") + self._cstyle("quote-board--header")
        segments = []
        for n, col in enumerate(layout(width, self.has_ext)):
            if n:
                segments.append(Segment(" ", style))
            text = clip(col.title, col.width)
            segments.append(Segment(text.rjust(col.width) if col.right else text.ljust(col.width), style))
        return Strip(segments).adjust_cell_length(width, style).simplify()

    def _render_row(self, index: int, width: int) -> Strip:
        view = self.views[index]
        base = self._cstyle("")
        if view.stale:
            base = base + self._cstyle("quote-board--stale")
        if index == self.cursor:
            base = base + self._cstyle("quote-board--cursor", partial=True)
            if getattr(self.app, "no_color", False):  # NO_COLOR sends no colours: reverse video instead
                base = base + Style(reverse=True)
        move = Style()
        if view.direction > 0:
            move = self._cstyle("quote-board--up", partial=True)
        elif view.direction < 0:
            move = self._cstyle("quote-board--down", partial=True)
        # runs of one style are sent as one segment (one SGR sequence); built as (text, style) runs
        # merged on the style's identity (rich caches style sums), with one Strip made at the end
        runs: list[list] = []
        moved = base + move
        prev = ""
        for n, col in enumerate(layout(width, self.has_ext)):
            if n:
                # a space between two coloured cells takes their colour, so the run is sent as one
                _put(runs, " ", moved if prev in _MOVE_COLS and col.key in _MOVE_COLS else base)
            for text, style in self._cell(view, col, base, move, index == self.cursor):
                _put(runs, text, style)
            prev = col.key
        return _strip_of(runs, width, base)

    def _cell(self, view: RowView, col: Column, base: Style, move: Style,
              cursor: bool = False) -> list[tuple[str, Style]]:
        w = col.width
        if col.key == "symbol":
            return [(clip(view.symbol, w).ljust(w), base + self._cstyle("quote-board--symbol", partial=True))]
        if col.key == "name":
            return [(clip(view.name, w).ljust(w), base)]
        if col.key == "spark":
            return [(self._sparks.get(view.symbol, "")[-w:].ljust(w), base + move)]
        if view.unknown:
            if col.key == "price":
                warn = base + self._cstyle("quote-board--unknown", partial=True)
                return [("not found".rjust(w), warn)]
            return [(" " * w, base)]
        if col.key == "age":
            return self._age_cell(view, w, base, cursor)
        if col.key == "ext":
            text = view.ext if len(view.ext) <= w else view.ext_short
            if view.ext_direction:
                ext_move = self._cstyle("quote-board--up" if view.ext_direction > 0 else "quote-board--down",
                                        partial=True)
                return [(clip(text, w).ljust(w), base + ext_move)]
            return [(clip(text, w).ljust(w), base)]
        text = getattr(view, col.key)
        style = base + move if col.key in _MOVE_COLS else base
        text = clip(text, w)
        return [(text.rjust(w) if col.right else text.ljust(w), style)]

    def _age_cell(self, view: RowView, w: int, base: Style, cursor: bool = False) -> list[tuple[str, Style]]:
        # on the cursor row the tags take the row's own text colour, in bold: the theme's warning colour can be its
        # accent, the cursor's background (Textual's dark theme), and "+15m" vanished under the cursor
        on_cursor = base + self._cstyle("quote-board--cursor-tag", partial=True) if cursor else None
        parts = [(view.age.rjust(4), base)]
        used = 4
        if view.delay:
            delay_style = on_cursor or base + self._cstyle("quote-board--delay", partial=True)
            parts += [(" ", base), (view.delay, delay_style)]
            used += 1 + len(view.delay)
        if view.stale:
            tag = on_cursor or base + self._cstyle("quote-board--stale-tag", partial=True)
            parts += [(" ", base), ("stale", tag)]
            used += 6
        if used > w:
            return [(seg.text, seg.style) for seg in Strip([Segment(t, st) for t, st in parts]).crop(0, w)]
        parts.append((" " * (w - used), base))
        return parts

    def row_text(self, index: int) -> str:
        """The plain text of a row as drawn at the current width (for tests and the snapshot)."""
        self._catch_up(index)
        return self._render_row(index, self.scrollable_content_region.width).text

    def header_text(self) -> str:
        return self._render_header(self.scrollable_content_region.width).text

    # -- sort and filter -----------------------------------------------------------------------
    def rearrange(self, store: MarketStore, now: float, order: tuple[Instrument, ...] | None = None, *,
                  to_top: bool = False) -> None:
        """Show the rows in a new order or filter; the cursor stays on its symbol when it is still shown (new
        quotes re-sorting the rows, a filter), or goes to the first row with `to_top` (a new sort: its leaders)."""
        keep = None if to_top else self.cursor_symbol
        self.instruments = order if order is not None else arrange(self._source, store, self.sort_key,
                                                                   self.filter_text)
        self.views = [row_view(store, inst, now, self.stale_after) for inst in self.instruments]
        self.has_ext = any(v.ext for v in self.views)
        self._header = None
        self._sparks = {i.symbol: spark_text(store, i.symbol) for i in self.instruments}
        symbols = [i.symbol for i in self.instruments]
        self.cursor = symbols.index(keep) if keep in symbols else 0
        self._strips.clear()
        self.virtual_size = Size(self.scrollable_content_region.width, len(self.views) + 1)
        self.refresh()
        self.scroll_to_cursor()

    def cycle_sort(self, store: MarketStore, now: float) -> str:
        """The next sort, shown from its top: the cursor on the first row, as ticker and mop do."""
        self.sort_key = SORTS[(SORTS.index(self.sort_key) + 1) % len(SORTS)]
        self.rearrange(store, now, to_top=True)
        return self.sort_key

    def set_filter(self, text: str, store: MarketStore, now: float) -> None:
        self.filter_text = text.strip()
        self.rearrange(store, now)


# -- sort, filter and sparklines -----------------------------------------------------------------------

SORTS = ("list", "change_pct", "cap", "pe", "symbol")
SORT_LABELS = {"list": "list order", "change_pct": "change % (largest first)", "cap": "market cap (largest first)",
               "pe": "P/E (lowest first; n/m last)", "symbol": "symbol (A–Z)"}
SORT_SHORT = {"list": "list order", "change_pct": "chg% ▼", "cap": "cap ▼", "pe": "P/E ▲", "symbol": "symbol A–Z"}
SPARK_POINTS = 60


def _sort_value(store: MarketStore, inst: Instrument, key: str) -> float | str | None:
    if key == "symbol":
        return inst.symbol
    if key == "change_pct":
        q = store.quotes.get(inst.symbol)
        return change_pct_of(q) if q is not None else None
    if inst.kind != "equity":
        return None
    from tui.core.valuation import valuation

    val = valuation(store, inst.symbol)
    if val is None:
        return None
    return val.market_cap_usd if key == "cap" else val.pe_ttm


def matches(inst: Instrument, text: str) -> bool:
    """The board's filter: part of the symbol or name, case-insensitive; "us" or "cn" alone picks a side."""
    t = text.strip().lower()
    if not t:
        return True
    if t in ("us", "cn"):
        return inst.side.value == t
    return t in inst.symbol.lower() or t in inst.name.lower()


def arrange(instruments: Sequence[Instrument], store: MarketStore, sort_key: str, filter_text: str
            ) -> tuple[Instrument, ...]:
    """The rows to show: those matching the filter, in the order `sort_key` asks (no data always last)."""
    rows = [i for i in instruments if matches(i, filter_text)]
    if sort_key == "list":
        return tuple(rows)
    keyed = [(i, _sort_value(store, i, sort_key)) for i in rows]
    have = [(i, v) for i, v in keyed if v is not None]
    lack = [i for i, v in keyed if v is None]
    descending = sort_key in ("change_pct", "cap")
    have.sort(key=lambda iv: iv[1], reverse=descending)  # type: ignore[arg-type, return-value]
    return tuple([i for i, _ in have] + lack)


def spark_text(store: MarketStore, symbol: str, width: int = 12) -> str:
    """The intraday cell: the last session from its open to its close in `width` fixed slices, whatever points
    (live minutes, seeded 5-minute bars) the store holds (tui/core/intraday.py); the last points as they are
    when they fall on no session."""
    from tui.charts import sparkline, sparkline_cells
    from tui.core.intraday import session_cells

    points = store.intraday.get(symbol)
    if not points:
        return ""
    cells = session_cells(symbol, points, width)
    if cells is not None:
        return sparkline_cells(cells)
    if len(points) < 2:
        return ""
    return sparkline([p for _, p in list(points)[-SPARK_POINTS:]], width)



# -- sparklines seeded from the chart endpoint -----------------------------------------------------
def board_shows_spark(board: QuoteBoard) -> bool:
    """Whether the board is wide enough for its intraday column."""
    return any(c.key == "spark" for c in layout(board.scrollable_content_region.width, board.has_ext))


def refresh_sparks(board: QuoteBoard, store: MarketStore, symbols: set[str] | frozenset[str]) -> int:
    """Redraw the sparkline cells of `symbols` from the store's intraday points (after they were seeded);
    returns how many changed."""
    n = 0
    for i, inst in enumerate(board.instruments):
        if inst.symbol in symbols:
            spark = spark_text(store, inst.symbol)
            if spark != board._sparks.get(inst.symbol):
                board._sparks[inst.symbol] = spark
                board._invalidate(i)
                n += 1
    return n
