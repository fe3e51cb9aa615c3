"""The header: watchlist number and title, the data source badge, and the three market clocks."""

from __future__ import annotations

from datetime import datetime

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Static

from tui.core.sessions import MARKETS, holidays_known, state_at
from tui.model import MarketState
from tui.widgets.lines import OneLine
from tui.widgets.plain import plain

CLOCK_MARKETS = ("US", "HK", "SS")
_SHORT = {"US": "NY", "HK": "HK", "SS": "SH"}
_STATE_STYLE = {
    MarketState.REGULAR: "bold $success",
    MarketState.PRE: "$warning",
    MarketState.POST: "$warning",
    MarketState.BREAK: "$warning",
    MarketState.CLOSED: "$text-muted",
}
DEMO_BADGE = "DEMO · SIMULATED DATA"
YAHOO_BADGE = "Yahoo Finance"


def clocks_content(now: float, width: int, seconds: bool = True) -> Content:
    """New York, Hong Kong and Shanghai: local HH:MM (HH:MM:SS with `seconds`) and market state, on the runtime
    clock."""
    fmt = "%H:%M:%S" if seconds else "%H:%M"
    full = width >= 100
    parts: list[tuple[str, str] | str] = []
    unknown: list[str] = []
    for n, code in enumerate(CLOCK_MARKETS):
        market = MARKETS[code]
        local = datetime.fromtimestamp(now, market.tz)
        state = state_at(market, now)
        if n:
            parts.append(("  │  " if full else " │ ", "$text-muted"))
        parts.append((f"{market.name if full else _SHORT[code]} ", "bold"))
        parts.append(f"{local.strftime(fmt)} ")
        parts.append((state.label, _STATE_STYLE[state]))
        if not holidays_known(market, local.date()):
            unknown.append(market.name if full else _SHORT[code])
    if unknown:
        parts.append(("  holidays unknown: " + ", ".join(unknown), "$warning"))
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
            badge = Static(plain(DEMO_BADGE if self.simulated else self.source_label), id="source-badge")
            badge.set_class(self.simulated, "-demo")
            yield badge
        yield OneLine(id="clocks")  # drawn again only when its text changes

    def set_watchlist(self, number: int, count: int, title: str) -> None:
        text = Content.assemble((f" {number} ", "reverse bold"), " ", (title, "bold"),
                                (f"  ({number}/{count})", "$text-muted"))
        self.query_one("#watchlist-title", Static).update(text)

    def set_time(self, now: float) -> None:
        self._clock_now = now
        # one line of fixed height (app.tcss), drawn by LinesView: no layout pass, no Content re-render
        self.query_one("#clocks", OneLine).show_line(clocks_content(now, self.size.width or 80, self.clock_seconds))

    def on_resize(self) -> None:
        if self._clock_now is not None:
            self.set_time(self._clock_now)
