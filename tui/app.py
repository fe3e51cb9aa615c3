"""AiwatchApp: the Textual app. It pulls from the runtime's store on a 5 Hz timer; feeds never touch widgets."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, ClassVar, Protocol

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Footer

from tui.core.store import FX_SYMBOLS, MarketStore
from tui.model import Watchlist
from tui.screens.commands import WatchlistCommands
from tui.screens.help import HelpScreen, key_rows
from tui.widgets.board import QuoteBoard
from tui.widgets.concentration import ConcentrationPanel
from tui.widgets.header import WatchHeader
from tui.widgets.pairs import PairsPanel
from tui.widgets.status import FeedStatusLike, StatusLine

if TYPE_CHECKING:
    from collections.abc import Iterable

    from tui.core.clock import Clock

log = logging.getLogger(__name__)

REFRESH_SECONDS = 0.2  # the screen is redrawn at most 5 times a second, however fast ticks arrive
CLOCK_SECONDS = 1.0
_FX = frozenset(FX_SYMBOLS.values())


class RuntimeLike(Protocol):
    store: MarketStore
    clock: Clock
    source: str
    simulated: bool

    async def start(self) -> None: ...
    async def stop(self) -> None: ...
    def set_symbols(self, symbols: Iterable[str]) -> None: ...
    def status(self) -> FeedStatusLike: ...


class LoadResultLike(Protocol):
    watchlists: dict[str, Watchlist]
    problems: list


class AiwatchApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "aiwatch"
    COMMANDS: ClassVar = App.COMMANDS | {WatchlistCommands}
    ENABLE_COMMAND_PALETTE = True
    VERTICAL_BREAKPOINTS: ClassVar = [(0, "-short"), (30, "-tall")]

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", key_display="q", tooltip="Quit (stops the feed first)", id="app.quit"),
        Binding("question_mark", "help", "Help", key_display="?", tooltip="This help", id="app.help"),
        Binding("tab", "next_watchlist", "Next", key_display="Tab", priority=True,
                tooltip="Next watchlist", id="app.next_watchlist"),
        Binding("shift+tab", "previous_watchlist", "Prev", key_display="Shift+Tab", priority=True,
                tooltip="Previous watchlist", id="app.previous_watchlist"),
        Binding("1", "watchlist(0)", "Lists", key_display="1–9", tooltip="Jump to watchlist 1–9",
                id="app.watchlist_1"),
        *(Binding(str(n), f"watchlist({n - 1})", f"Watchlist {n}", show=False, id=f"app.watchlist_{n}")
          for n in range(2, 10)),
    ]

    def __init__(self, runtime: RuntimeLike, watchlists: LoadResultLike, *, initial: str | None = None,
                 stale_after: float = 60.0) -> None:
        super().__init__()
        self.runtime = runtime
        self.load_result = watchlists
        self.watchlists: list[Watchlist] = list(watchlists.watchlists.values())
        self.stale_after = stale_after
        self.current = 0
        self._initial = initial
        self._seq = 0
        self._stopped = False
        self._refresh_failures = 0
        self.refreshes = 0  # completed 5 Hz refreshes (tests wait on this)
        if initial is not None and initial in watchlists.watchlists:
            self.current = list(watchlists.watchlists).index(initial)

    # -- layout ----------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield WatchHeader(simulated=self.runtime.simulated, id="header")
        yield QuoteBoard(stale_after=self.stale_after, id="board")
        yield PairsPanel(id="pairs")
        yield ConcentrationPanel(id="concentration")
        yield StatusLine(id="status")
        yield Footer()

    @property
    def watchlist(self) -> Watchlist | None:
        return self.watchlists[self.current] if self.watchlists else None

    async def on_mount(self) -> None:
        for problem in self.load_result.problems:
            log.warning("watchlist problem: %s", problem)
        if self.load_result.problems:
            self.notify("\n".join(str(p) for p in self.load_result.problems), title="Watchlist problems",
                        severity="warning", timeout=15)
        if self._initial is not None and self._initial not in self.load_result.watchlists:
            self.notify(f"no watchlist named {self._initial!r}: showing the first one", severity="warning")
        if not self.watchlists:
            self.notify("no watchlist could be loaded", severity="error", timeout=30)
        self.query_one(QuoteBoard).focus()
        self._show(self.current)
        self._tick_clock()
        self.set_interval(REFRESH_SECONDS, self._refresh)
        self.set_interval(CLOCK_SECONDS, self._tick_clock)
        self.run_worker(self._start_runtime(), name="runtime-start", exit_on_error=False)

    async def _start_runtime(self) -> None:
        try:
            await self.runtime.start()
        except Exception as exc:
            log.exception("runtime failed to start")
            self.notify(f"the feed failed to start: {exc}", severity="error", timeout=30)

    # -- watchlists ------------------------------------------------------------------------
    def _show(self, index: int) -> None:
        """Put watchlist `index` on screen: the feed, the board and both panels follow at once."""
        if not self.watchlists:
            return
        self.current = index % len(self.watchlists)
        wl = self.watchlists[self.current]
        self.runtime.set_symbols(wl.symbols)
        now = self.runtime.clock.now()
        self.query_one(WatchHeader).set_watchlist(self.current + 1, len(self.watchlists), wl.title)
        self._seq = self.runtime.store.seq
        self.query_one(QuoteBoard).set_rows(wl.instruments, self.runtime.store, now)
        self._recompute_panels(wl)
        self.sub_title = wl.title

    def switch_watchlist(self, index: int) -> None:
        if 0 <= index < len(self.watchlists) and index != self.current:
            self._show(index)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # keys that act on the main screen do nothing while help or the palette is open
        if action in ("next_watchlist", "previous_watchlist", "watchlist", "help"):
            return len(self.screen_stack) <= 1
        return True

    def action_watchlist(self, index: int) -> None:
        self.switch_watchlist(index)

    def action_next_watchlist(self) -> None:
        if self.watchlists:
            self._show(self.current + 1)

    def action_previous_watchlist(self) -> None:
        if self.watchlists:
            self._show(self.current - 1)

    def action_help(self) -> None:
        own = [b for b in self.BINDINGS if isinstance(b, Binding) and b.show]
        keys = key_rows([*own, *QuoteBoard.BINDINGS,
                         Binding("ctrl+p", "command_palette", "Palette", key_display="Ctrl+P",
                                 tooltip="Command palette: switch watchlist by name")])
        self.push_screen(HelpScreen(keys, simulated=self.runtime.simulated))

    async def action_quit(self) -> None:
        await self._stop_runtime()
        self.exit()

    async def _stop_runtime(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        try:
            await self.runtime.stop()
        except Exception:
            log.exception("runtime failed to stop")

    async def on_unmount(self) -> None:
        await self._stop_runtime()

    def on_resize(self) -> None:
        if self.watchlist is not None and self.is_mounted:
            self.call_after_refresh(self._recompute_panels, self.watchlist)

    # -- periodic refresh ------------------------------------------------------------------
    def _recompute_panels(self, wl: Watchlist) -> None:
        store = self.runtime.store
        self.query_one(PairsPanel).show(store, wl)
        self.query_one(ConcentrationPanel).show(store, wl, compact=self.size.height < 30)

    def _refresh(self) -> None:
        """Pull what changed since the last refresh; repaint only the rows and panels it touches."""
        try:
            wl = self.watchlist
            store = self.runtime.store
            changed = store.changed_since(self._seq)
            self._seq = store.seq
            if wl is not None:
                now = self.runtime.clock.now()
                self.query_one(QuoteBoard).sync(store, changed, now)
                if not changed.isdisjoint(wl.symbols) or not changed.isdisjoint(_FX):
                    self._recompute_panels(wl)
            self.refreshes += 1
            self._refresh_failures = 0
        except Exception:
            log.exception("screen refresh failed")
            self._refresh_failures += 1
            if self._refresh_failures == 1:
                self.notify("a screen refresh failed; details in the log", severity="error")

    def _tick_clock(self) -> None:
        try:
            now = self.runtime.clock.now()
            self.query_one(WatchHeader).set_time(now)
            self.query_one(StatusLine).show(self.runtime.status(), now)
        except Exception:
            log.exception("clock refresh failed")
