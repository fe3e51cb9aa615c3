"""The pairs panel: each pair's move today, P/E and P/S per side, the US/CN ratio and the EY spread, and a
sparkline of the pair's one-year relative performance with today's z-score.

It takes focus (`p`, or a click): ↑/↓ pick a pair, Enter opens its detail screen, Escape gives focus back.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.content import Content
from textual.message import Message

from tui.charts import sparkline
from tui.core.freshness import (
    DEFAULT_STALE_AFTER,
    delay_minutes,
    format_age,
    is_stale,
    price_inputs,
    stale_inputs,
)
from tui.core.history import RelativePerformance, relative_performance
from tui.core.spreads import MetricSpread, PairSpread, SideAggregate, pair_spread
from tui.core.store import MarketStore
from tui.format import NO_DATA, NOT_MEANINGFUL, fmt_multiple, fmt_pct, fmt_pp, fmt_premium, fmt_ratio
from tui.model import Pair, Watchlist
from tui.widgets.lines import LinesView
from tui.widgets.repaint import set_border_title

SPARK_WIDTH = 16

Part = tuple[str, str] | str


def _move_style(pct: float | None) -> str:
    if pct is None or pct == 0:
        return ""
    return "$success" if pct > 0 else "$error"


def _sides_label(pair: Pair) -> str:
    if not pair.is_basket:
        return f"{pair.us[0]} vs {pair.cn[0]}"
    us = pair.us[0] if len(pair.us) == 1 else str(len(pair.us))
    cn = pair.cn[0] if len(pair.cn) == 1 else str(len(pair.cn))
    return f"{us} vs {cn} names"


@dataclass(frozen=True, slots=True)
class SideFreshness:
    """How fresh one side's price inputs are: its listings' quotes and the FX rates that convert them."""

    delay: int = 0  # minutes: the longest delay among the side's listings ("+15m"); 0 for real time
    stale: tuple[str, ...] = ()  # symbols (listings or FX) whose quote is stale (tui.core.freshness.is_stale)

    def tags(self) -> list[Part]:
        """` +15m stale`, as the board marks a row: the delay, then the stale mark in the warning style."""
        parts: list[Part] = []
        if self.delay:
            parts += [" ", (f"+{self.delay}m", "$warning")]
        if self.stale:
            parts += [" ", ("stale", "bold $warning")]
        return parts


FRESH = SideFreshness()


def side_freshness(store: MarketStore, symbols: Sequence[str], now: float | None,
                   stale_after: float = DEFAULT_STALE_AFTER) -> SideFreshness:
    """The delay and the stale inputs of the listings `symbols` (a side's representative listings) at `now`."""
    delay = 0
    stale: list[str] = []
    for sym in price_inputs(store, symbols):
        q = store.quotes.get(sym)
        if q is None:
            continue
        if sym in symbols:
            delay = max(delay, delay_minutes(q))
        if now is not None and is_stale(q, now, stale_after=stale_after):
            stale.append(sym)
    return SideFreshness(delay, tuple(stale))


def stale_key(store: MarketStore, watchlist: Watchlist, now: float,
              stale_after: float = DEFAULT_STALE_AFTER) -> tuple[str, ...]:
    """The pairs' symbols (and their FX) that are stale at `now`: the panel's stale tags change only when this
    does, so the app can redraw the panel then, with no new quote (a silent feed is when quotes go stale)."""
    return stale_inputs(store, [s for pair in watchlist.pairs for s in (*pair.us, *pair.cn)], now, stale_after)


def side_parts(tag: str, side: SideAggregate, basket: bool, wide: bool = True, *,
               fresh: SideFreshness = FRESH, ps: bool = True, counts: bool = True) -> list[Part]:
    """`US +1.23% P/E 52.1 P/S 25.3 3/7 with data +15m stale`.

    Narrower forms leave out P/S (`ps=False`) or a basket's count when every member has data (`counts=False`);
    the delay and stale tags are never left out."""
    parts: list[Part] = [(tag, "bold"), " ", (fmt_pct(side.change_pct), _move_style(side.change_pct))]
    parts.append(f" P/E {fmt_multiple(side.pe_ttm, meaningful_data=side.ey is not None)}")
    if ps:
        parts.append(f" P/S {fmt_multiple(side.ps_ttm, meaningful_data=side.revenue_usd is not None)}")
    if basket and (counts or side.with_data < side.total):
        parts.append((f" {side.with_data}/{side.total}" + (" with data" if wide else ""), "$text-muted"))
    parts += fresh.tags()
    return parts


def _ratio_text(metric: MetricSpread | None, us_data: bool, cn_data: bool, premium: bool) -> str:
    """×2.15 (+115%); "—" while a side has no figures yet; "n/m" when they exist but make no ratio."""
    if metric is not None and metric.ratio is not None:
        return f"{fmt_ratio(metric.ratio)} ({fmt_premium(metric.premium_pct)})" if premium else fmt_ratio(metric.ratio)
    return NOT_MEANINGFUL if us_data and cn_data else NO_DATA


Z_HIGHLIGHT = 2.0  # |z| at or beyond this is highlighted (help: "|z| ≥ 2 is highlighted")


def z_highlighted(z: float | None) -> bool:
    return z is not None and abs(z) >= Z_HIGHLIGHT


def fmt_z(z: float | None, decimals: int = 1) -> str:
    """`+1.2`. Just under the highlight threshold, where rounding would print the threshold itself, one more
    decimal, cut rather than rounded: 1.97 is `+1.97` and 1.996 `+1.99`, never `+2.0` without the highlight."""
    if z is None:
        return NO_DATA
    text = f"{z:+.{decimals}f}"
    if z_highlighted(z) or abs(float(text)) < Z_HIGHLIGHT:
        return text
    d = decimals + 1
    cut = int(abs(z) * 10**d + 1e-9) / 10**d
    return f"{math.copysign(cut, z):+.{d}f}"


def history_parts(rp: RelativePerformance | None, wide: bool = True, spark_width: int | None = None) -> list[Part]:
    """`│ 1y ▂▃▅▇ z -1.2`: relative performance US/CN over the year held, and today's z-score.

    `spark_width` 0 leaves the sparkline out (`│ 1y z -1.2`); None: 16 cells wide, 8 narrow."""
    if rp is None or len(rp.log_ratio) < 2:
        return []
    label = "1y" if len(rp.log_ratio) >= 200 else f"{len(rp.log_ratio)}d"
    parts: list[Part] = [("  │  " if wide else " │ ", "$text-muted"), (label, "$text-muted")]
    spark_width = (SPARK_WIDTH if wide else SPARK_WIDTH // 2) if spark_width is None else spark_width
    if spark_width > 0:
        parts += [" ", (sparkline(rp.log_ratio, spark_width), "$accent")]
    parts.append((" z ", "$text-muted"))
    z_style = "bold $warning" if z_highlighted(rp.z) else "bold"
    parts.append((fmt_z(rp.z), z_style))
    return parts


@dataclass(frozen=True, slots=True)
class SidesForm:
    """One way to draw a pair's second line, from the widest to the narrowest (see `SIDES_FORMS`)."""

    wide: bool = False
    spark: int | None = None  # sparkline cells; 0: none; None: the default for `wide`
    history: bool = True  # the `│ 1y … z` part
    indent: str = "  "
    counts: bool = True  # a basket's k/n even when every member has data
    ps: bool = True  # each side's P/S


# tried in order until the line fits the panel: the sparkline, the indent, the z-score, complete baskets' counts
# and the sides' P/S go before any number would be cut; the sides' P/E and moves and their delay / stale tags stay
SIDES_FORMS = (
    SidesForm(),
    SidesForm(spark=0),
    SidesForm(spark=0, indent=""),
    SidesForm(history=False, indent=""),
    SidesForm(history=False, indent="", counts=False),
    SidesForm(history=False, indent="", counts=False, ps=False),
)
WIDE_FORM = SidesForm(wide=True)


def sides_line(spread: PairSpread, form: SidesForm = WIDE_FORM, history: RelativePerformance | None = None,
               fresh: tuple[SideFreshness, SideFreshness] = (FRESH, FRESH)) -> list[Part]:
    """A pair's second line: both sides, each with its delay / stale tags, then the relative performance."""
    pair, wide = spread.pair, form.wide
    line: list[Part] = [form.indent] if form.indent else []
    line += side_parts("US", spread.us, len(pair.us) > 1, wide, fresh=fresh[0], ps=form.ps, counts=form.counts)
    line.append(("  │  " if wide else " │ ", "$text-muted"))
    line += side_parts("CN", spread.cn, len(pair.cn) > 1, wide, fresh=fresh[1], ps=form.ps, counts=form.counts)
    if form.history:
        line += history_parts(history, wide, form.spark)
    return line


def pair_head(spread: PairSpread, wide: bool = True, with_sides: bool = True, *, ps: bool = True,
              ey: bool = True) -> list[Part]:
    """A pair's first line: its name, its sides (unless `with_sides` is False) and the spreads of its multiples
    (`ps`: the P/S ratio, `ey`: the earnings-yield spread; the second line, both sides, is `fitted_sides_line`)."""
    pair: Pair = spread.pair
    us, cn = spread.us, spread.cn
    pe = spread.metrics.get("pe_ttm")
    ps_metric = spread.metrics.get("ps_ttm")
    first: list[Part] = [(pair.name, "bold"), f"  {_sides_label(pair)}  " if with_sides else "  "]
    first.append(("P/E US/CN " if wide else "P/E ", "$text-muted"))
    first.append((_ratio_text(pe, us.ey is not None, cn.ey is not None, True), "bold"))
    if ps:
        first.append((" · P/S ", "$text-muted"))
        first.append(_ratio_text(ps_metric, us.revenue_usd is not None, cn.revenue_usd is not None, False))
    if ey:
        first.append((" · EY US−CN " if wide else " · EY ", "$text-muted"))
        first.append(fmt_pp(pe.ey_spread_pp if pe is not None else None))
    return first


# a pair's first line, from the widest to the narrowest: its sides, then the EY spread, then the P/S ratio give way
# before a figure would be cut (the P/E ratio and the pair's name stay)
HEAD_FORMS = ({"with_sides": True}, {"with_sides": False}, {"with_sides": False, "ey": False},
              {"with_sides": False, "ey": False, "ps": False})


def fitted_head(spread: PairSpread, width: int, wide: bool, mark: list[Part]) -> Content:
    """The widest form of a pair's first line that fits `width` (after the `mark` of the pair picked)."""
    for form in HEAD_FORMS:
        line = Content.assemble(*mark, *pair_head(spread, wide, **form))
        if line.cell_length <= width:
            return line
    return line


def fitted_sides_line(spread: PairSpread, width: int, history: RelativePerformance | None = None,
                      fresh: tuple[SideFreshness, SideFreshness] = (FRESH, FRESH)) -> Content:
    """The widest form of the sides line that fits `width` cells (the narrowest when none does)."""
    forms = (WIDE_FORM, *SIDES_FORMS) if width >= 100 else SIDES_FORMS
    for form in forms:
        line = Content.assemble(*sides_line(spread, form, history, fresh))
        if line.cell_length <= width:
            return line
    return line


PAIRS_TITLE = "Pairs · ratio = US / China · EY = earnings yield"


def pairs_title(width: int, age: str = "", first: int = 0, shown: int = 0, total: int = 0) -> str:
    """The panel's title in `width` cells: `Pairs 1–2 of 3` when not all are in view, the fundamentals' age, and the
    key to the figures when there is room (the key goes first; the age and the pairs in view are never cut)."""
    head = f"Pairs {first + 1}–{first + shown} of {total}" if 0 < shown < total else "Pairs"
    key = " · ratio = US / China · EY = earnings yield"
    tail = f" · {age}" if age else ""
    for text in (head + key + tail, head + " · ratio = US / CN" + tail, head + tail, head):
        if len(text) <= width:
            return text
    return head


def fundamentals_age(spreads: list[PairSpread], now: float | None) -> str:
    """`fundamentals 5m old`, `2m–3h old` when the members' refreshes differ, `up to 1m old` when the newest is
    under a minute; "" when none is held."""
    stamps = [t for ps in spreads for side in (ps.us, ps.cn)
              for t in (side.fundamentals_oldest, side.fundamentals_newest) if t is not None]
    if not stamps or now is None:
        return ""
    newest, oldest = _minutes_age(now - max(stamps)), _minutes_age(now - min(stamps))
    if newest == oldest:
        return f"fundamentals {newest} old"
    if newest == "<1m":  # not "<1m–1m old"
        return f"fundamentals up to {oldest} old"
    return f"fundamentals {newest}–{oldest} old"


def _minutes_age(seconds: float) -> str:
    """`format_age` to the minute: statements change once a quarter, and a title counting seconds repainted the
    whole panel every second."""
    return "<1m" if seconds < 60 else format_age(seconds)


def pairs_content(store: MarketStore, watchlist: Watchlist, width: int = 120, **kwargs) -> Content:
    """The panel's lines (`pairs_panel_lines`, same arguments) as one Content."""
    return Content("\n").join(pairs_panel_lines(store, watchlist, width, **kwargs))


def pairs_panel_lines(store: MarketStore, watchlist: Watchlist, width: int = 120, *, selected: int | None = None,
                      now: float | None = None, spreads: list[PairSpread] | None = None,
                      stale_after: float = DEFAULT_STALE_AFTER) -> list[Content]:
    """Two lines per pair (the panel's title, on its border, says what the figures are); `selected` marks one.

    Each side says when its prices come late (`+15m`, Hong Kong, Shanghai, Shenzhen) and when one of its price
    inputs (a listing or the FX rate converting it) is stale at `now` (`stale`, after `stale_after` seconds past
    the delay while its market is open), as the board does."""
    if not watchlist.pairs:
        return [Content.assemble(("this watchlist has no pairs", "$text-muted"))]
    wide = width >= 100
    lines: list[Content] = []
    spreads = spreads if spreads is not None else [pair_spread(store, watchlist, p) for p in watchlist.pairs]
    for n, (pair, spread) in enumerate(zip(watchlist.pairs, spreads, strict=True)):
        history = relative_performance(store, watchlist, pair, now=now)
        fresh = (side_freshness(store, spread.us.symbols, now, stale_after),
                 side_freshness(store, spread.cn.symbols, now, stale_after))
        mark: list[Part] = [("▸ ", "bold $accent")] if selected == n else []
        line = fitted_head(spread, width, wide, mark)
        if selected == n:
            line = line.stylize("reverse", 0, len(mark[0][0]) + len(pair.name))
        lines.append(line)
        lines.append(fitted_sides_line(spread, width, history, fresh))
    return lines


class PairsPanel(LinesView, can_focus=True):
    """Recomputed by the app only when a symbol of the watchlist (or FX) changed.

    Focused, it marks one pair: ↑/↓ (j/k) move the mark, Enter (or a click) posts `PairsPanel.Selected`.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Open pair", tooltip="Open the marked pair's detail screen", id="pairs.open"),
        Binding("down,j", "move(1)", "Next pair", show=False, id="pairs.down"),
        Binding("up,k", "move(-1)", "Previous pair", show=False, id="pairs.up"),
        Binding("escape", "leave", "Back to board", tooltip="Give the focus back to the quote board",
                id="pairs.leave"),
    ]

    class Selected(Message):
        """A pair was chosen (Enter or a click): the app opens its detail screen."""

        def __init__(self, pair: Pair, watchlist: Watchlist) -> None:
            super().__init__()
            self.pair = pair
            self.watchlist = watchlist

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.border_title = PAIRS_TITLE
        self.selected = 0
        self.watchlist: Watchlist | None = None
        self._store: MarketStore | None = None

    def _now(self) -> float | None:
        runtime = getattr(self.app, "runtime", None)
        clock = getattr(runtime, "clock", None)
        return clock.now() if clock is not None else None

    def show(self, store: MarketStore, watchlist: Watchlist) -> None:
        if watchlist is not self.watchlist:
            self.selected = 0
        self.watchlist, self._store = watchlist, store
        if watchlist.pairs:
            self.selected = max(0, min(self.selected, len(watchlist.pairs) - 1))
        now = self._now()
        spreads = [pair_spread(store, watchlist, p) for p in watchlist.pairs]
        self._age = fundamentals_age(spreads, now)
        lines = pairs_panel_lines(store, watchlist, self.size.width or 80,
                                selected=self.selected if self.has_focus else None, now=now, spreads=spreads,
                                stale_after=getattr(self.app, "stale_after", DEFAULT_STALE_AFTER))
        self.set_lines(lines)  # only the lines that changed are drawn again
        self.show_title()

    _age = ""

    def show_title(self) -> None:
        """The title on the border, with the pairs in view when the panel is too short for all of them."""
        total = len(self.watchlist.pairs) if self.watchlist is not None else 0
        shown = self.size.height // 2 if self.size.height else total
        first = min(round(self.scroll_y) // 2, max(0, total - shown))
        set_border_title(self, pairs_title(max(10, self.outer_size.width - 2) if self.outer_size.width else 200,
                                           self._age, first, shown, total))

    def on_resize(self) -> None:  # LinesView.on_resize runs too (Textual calls each class's handler)
        self.show_title()

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if round(old_value) != round(new_value):
            self.show_title()

    @property
    def allow_vertical_scroll(self) -> bool:
        """The mouse wheel scrolls the panel although it draws no scrollbar (app.tcss: overflow-y hidden)."""
        return self.virtual_size.height > self.scrollable_content_region.height

    def _redraw(self) -> None:
        if self.watchlist is not None and self._store is not None:
            self.show(self._store, self.watchlist)
            self.scroll_to(y=self.selected * 2, animate=False)

    # Widget._on_focus / _on_blur set has_focus after these handlers run: redraw once they have
    def on_focus(self) -> None:
        self.call_later(self._redraw)

    def on_blur(self) -> None:
        self.call_later(self._redraw)

    def action_move(self, step: int) -> None:
        if self.watchlist is not None and self.watchlist.pairs:
            self.selected = (self.selected + step) % len(self.watchlist.pairs)
            self._redraw()

    def action_open(self) -> None:
        if self.watchlist is not None and self.watchlist.pairs:
            self.post_message(self.Selected(self.watchlist.pairs[self.selected], self.watchlist))

    def action_leave(self) -> None:
        board = self.screen.query("#board")
        if board:
            board.first().focus()

    def on_click(self, event) -> None:
        if self.watchlist is None or not self.watchlist.pairs:
            return
        row = event.y + self.scroll_offset.y
        self.selected = max(0, min(row // 2, len(self.watchlist.pairs) - 1))
        self.focus()
        self.action_open()
