"""The header: watchlist number and title, the data source badge, and the market clocks (New York, Hong Kong,
Shanghai for Shanghai and Shenzhen, Tokyo)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Static

from tui.core.sessions import MARKETS, holidays_known, state_at
from tui.model import MarketState
from tui.widgets.lines import OneLine
from tui.widgets.plain import plain

CLOCK_MARKETS = ("US", "HK", "SS", "JP")  # Shenzhen keeps Shanghai's hours and calendar: one clock for both
_SHORT = {"US": "NY", "HK": "HK", "SS": "SH", "SZ": "SZ", "JP": "TK"}
_STATE_STYLE = {
    MarketState.REGULAR: "bold $success",
    MarketState.PRE: "$warning",
    MarketState.POST: "$warning",
    MarketState.BREAK: "$warning",
    MarketState.CLOSED: "$text-muted",
}
_SHORT_STATE = {MarketState.PRE: "pre", MarketState.POST: "post", MarketState.BREAK: "lunch"}
_TINY_STATE = {**_SHORT_STATE, MarketState.CLOSED: "shut"}
# markets whose holidays the note names when their dated calendar has run out (the clocks' and Shenzhen's)
_CALENDAR_MARKETS = ("US", "HK", "SS", "SZ", "JP")
DEMO_BADGE = "DEMO · SIMULATED DATA"
YAHOO_BADGE = "Yahoo Finance"
UNKNOWN_MARK = "?"  # after a clock's state: assumed from plain weekday hours, the market's holiday data has run out


@dataclass(frozen=True)
class _Form:
    full_names: bool
    states: dict  # MarketState -> its label where not the full one
    sep: str
    seconds: bool  # False: never seconds; True: as the config says
    note: str  # "full" (city names), "short" (codes) or "" (the ? marks alone)


# widest first: the first that fits the line is drawn; every form keeps all four clocks and their states
_FORMS = (
    _Form(True, {}, "  │  ", True, "full"),
    _Form(True, {}, " │ ", True, "full"),
    _Form(True, {}, " │ ", True, "short"),
    _Form(False, {}, " │ ", True, "short"),
    _Form(False, _SHORT_STATE, " │ ", True, "short"),
    _Form(False, _SHORT_STATE, " │ ", False, "short"),
    _Form(False, _SHORT_STATE, " │ ", False, ""),
    _Form(False, _TINY_STATE, "│", False, ""),
)


def clocks_content(now: float, width: int, seconds: bool = True) -> Content:
    """New York, Hong Kong, Shanghai (and Shenzhen) and Tokyo: local HH:MM (HH:MM:SS with `seconds`) and market
    state, on the runtime clock, in the widest form that fits `width` (the header's, padding included). A state
    assumed from weekday hours past a market's dated holiday data ends in `?`, and the note names those markets
    ("holidays unknown: Shanghai, Shenzhen") where there is room."""
    room = width - 2
    unknown = [code for code in _CALENDAR_MARKETS
               if not holidays_known(MARKETS[code], datetime.fromtimestamp(now, MARKETS[code].tz).date())]
    content = Content("")
    for form in _FORMS:
        content = _clocks(now, form, seconds and form.seconds, unknown)
        if content.cell_length <= room:
            return content
    return content  # the narrowest form: OneLine cuts it with an ellipsis


def _clocks(now: float, form: _Form, seconds: bool, unknown: list[str]) -> Content:
    fmt = "%H:%M:%S" if seconds else "%H:%M"
    parts: list[tuple[str, str] | str] = []
    for n, code in enumerate(CLOCK_MARKETS):
        market = MARKETS[code]
        local = datetime.fromtimestamp(now, market.tz)
        state = state_at(market, now)
        if n:
            parts.append((form.sep, "$text-muted"))
        parts.append((f"{market.name if form.full_names else _SHORT[code]} ", "bold"))
        parts.append(f"{local.strftime(fmt)} ")
        parts.append((form.states.get(state, state.label), _STATE_STYLE[state]))
        if code in unknown:
            parts.append((UNKNOWN_MARK, "bold $warning"))
    if unknown and form.note:
        names = [MARKETS[c].name if form.note == "full" else _SHORT[c] for c in unknown]
        parts.append(("  holidays unknown: " + ", ".join(names), "$warning"))
    return Content.assemble(*parts)


class WatchHeader(Vertical):
    """Two lines: `n · title` with the source badge, then the clocks."""

    def __init__(self, *, simulated: bool, source_label: str | None = None, clock_seconds: bool = True,
                 id: str | None = None) -> None:
        super().__init__(id=id)
        self.clock_seconds = clock_seconds  # without seconds an idle screen sends nothing
        self.simulated = simulated
        self.source_label = source_label or YAHOO_BADGE  # never "Yahoo Finance" for another server
        self._clock_now: float | None = None

    def compose(self) -> ComposeResult:
        with Horizontal(id="header-top"):
            yield Static("", id="watchlist-title")
            problems = Static("", id="problems-badge")
            problems.display = False
            yield problems
            badge = Static(plain(DEMO_BADGE if self.simulated else self.source_label), id="source-badge")
            badge.set_class(self.simulated, "-demo")
            yield badge
        yield OneLine(id="clocks")  # drawn again only when its text changes

    def set_source(self, simulated: bool, source_label: str | None) -> None:
        """The badge again, once the data's source is known (a hub's client learns it from the hub)."""
        self.simulated = simulated
        self.source_label = source_label or YAHOO_BADGE
        if self.is_mounted:
            badge = self.query_one("#source-badge", Static)
            badge.update(plain(DEMO_BADGE if simulated else self.source_label))
            badge.set_class(simulated, "-demo")

    def set_watchlist(self, number: int, count: int, title: str) -> None:
        text = Content.assemble((f" {number} ", "reverse bold"), " ", (title, "bold"),
                                (f"  ({number}/{count})", "$text-muted"))
        self.query_one("#watchlist-title", Static).update(text)

    def set_problems(self, count: int) -> None:
        """`⚠ 2 problems ?`: how many problems were found in the user's files (the help and palette show them)."""
        badge = self.query_one("#problems-badge", Static)
        badge.display = count > 0
        badge.update(Content(f"⚠ {count} problem{'' if count == 1 else 's'} (?)"))

    def set_time(self, now: float) -> None:
        self._clock_now = now
        # one line of fixed height (app.tcss), drawn by LinesView: no layout pass, no Content re-render
        self.query_one("#clocks", OneLine).show_line(clocks_content(now, self.size.width or 80, self.clock_seconds))

    def on_resize(self) -> None:
        if self._clock_now is not None:
            self.set_time(self._clock_now)
