"""AiwatchApp: the Textual app. It pulls from the runtime's store on a 5 Hz timer; feeds never touch widgets."""

from __future__ import annotations

import asyncio
import logging
import os
import select
import signal
import time
from typing import TYPE_CHECKING, ClassVar, Protocol, TypeVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.widget import Widget
from textual.widgets import Footer

from tui.core.sessions import all_closed
from tui.core.store import FX_SYMBOLS, MarketStore
from tui.model import Watchlist
from tui.refresh_pacer import RefreshPacer
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
_W = TypeVar("_W", bound=Widget)

REFRESH_SECONDS = 0.2  # the screen is redrawn at most 5 times a second, however fast ticks arrive
CLOCK_SECONDS = 1.0
CONCENTRATION_SECONDS = 1.0  # issue 8: the concentration panel is recomputed at most once a second
PAIRS_SECONDS = 0.35  # issue 8: the pairs panel every other 5 Hz refresh at most (the board keeps every one)
IDLE_BOARD_SECONDS = 1.0  # issue 8: with no new quote, the board's ages are checked once a clock second
FIRST_QUOTES_WAIT = 10.0  # issue 8: seconds the app watches for the first quotes to show them at once
EXIT_SIGNALS = ("SIGTERM", "SIGHUP", "SIGINT")
EXIT_STOP_TIMEOUT = 3.0  # seconds the feed gets to stop after a signal before the app exits anyway
_FX = frozenset(FX_SYMBOLS.values())
SPARK_RETRY_SECONDS = 600.0  # a failed seed (network, 429) is tried again after this long


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


class _Severable:
    """Output that survives its reader going away: calls pass through until one fails, then every later call
    is dropped, and `broken` says so (read by `terminal_hung_up`)."""

    broken = False

    def _through(self, call, *args, dropped=None):
        if not self.broken:
            try:
                return call(*args)
            except (OSError, ValueError):
                self.broken = True
        return dropped


class _HangupSafeFile(_Severable):
    """The terminal as Textual's writer thread sees it, surviving a hang-up.

    When an SSH connection drops, writes to the terminal fail (EIO). Textual's writer thread dies on the first
    failure, its bounded queue fills, and the app blocks forever while shutting down. Writes that fail are
    dropped instead, so the app still stops its feed and exits.
    """

    def __init__(self, file) -> None:
        self._file = file

    def write(self, text: str) -> int:
        return self._through(self._file.write, text, dropped=len(text))

    def flush(self) -> None:
        self._through(self._file.flush)

    def __getattr__(self, name: str):
        return getattr(self._file, name)


class _HangupSafeWrite(_Severable):
    """The web driver's raw write to textual-serve's pipe, surviving the server going away.

    Textual's WebDriver writes each frame with `os.write` on the app's own thread. When the server dies under an
    open tab, that write raises BrokenPipeError inside Textual's screen update: the app panicked, tore its screens
    down while its timers still ran, and ended with a traceback in the log. Writes that fail are dropped instead,
    and `terminal_hung_up` sees `broken`, so the app stops its feed and exits as after a hang-up.
    """

    def __init__(self, write) -> None:
        self._write = write

    def __call__(self, data: bytes) -> int:
        return self._through(self._write, data, dropped=len(data))


def hangup_safe_driver(driver_class):
    """`driver_class` with its output wrapped: a terminal's file in _HangupSafeFile, the web driver's pipe write
    in _HangupSafeWrite (a driver with neither is left alone)."""

    class HangupSafeDriver(driver_class):  # type: ignore[misc, valid-type]
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            if getattr(self, "_file", None) is not None:
                self._file = _HangupSafeFile(self._file)
            elif getattr(self, "is_web", False) and callable(getattr(self, "_write", None)):
                self._write = _HangupSafeWrite(self._write)

    HangupSafeDriver.__name__ = HangupSafeDriver.__qualname__ = f"HangupSafe{driver_class.__name__}"
    return HangupSafeDriver


_HANGUP = select.POLLHUP | select.POLLERR | select.POLLNVAL


def terminal_hung_up(driver) -> bool:
    """Whether the terminal behind `driver` is gone: a write failed, or its input reports a hang-up.

    A terminal can vanish without a SIGHUP reaching us (no controlling tty: a pty whose other end was closed
    by a dying parent). Textual's input thread then sees end-of-file at once, every time, and spins a core;
    this check lets the app notice and leave.
    """
    if any(isinstance(out, _Severable) and out.broken
           for out in (getattr(driver, "_file", None), getattr(driver, "_write", None))):
        return True
    fd = getattr(driver, "fileno", None)
    if not isinstance(fd, int):
        return False
    try:
        poller = select.poll()
        poller.register(fd, _HANGUP)
        return any(events & _HANGUP for _, events in poller.poll(0))
    except (OSError, ValueError):
        return False


# -- issue 6: editing, sort/filter, symbol screen, export, alerts ------------------------------------------
ISSUE6_BINDINGS: list[Binding] = [
    Binding("a", "add_symbol", "Add", show=False,
            tooltip="Add a symbol to this watchlist (checked with the data source)", id="app.add_symbol"),
    Binding("d", "remove_symbol", "Remove", show=False, tooltip="Remove the symbol under the cursor (asks first)",
            id="app.remove_symbol"),
    Binding("n", "new_watchlist", "New list", show=False, tooltip="Create a new watchlist", id="app.new_watchlist"),
    Binding("s", "sort", "Sort", show=False, tooltip="Sort: list order, change %, market cap, P/E, symbol",
            id="app.sort"),
    Binding("slash", "filter", "Filter", show=False, key_display="/",
            tooltip="Filter the board by symbol or name (us / cn: a side)", id="app.filter"),
    Binding("enter", "open_symbol", "Detail", show=False, key_display="Enter",
            tooltip="Symbol screen: intraday and one-year charts, fundamentals", id="app.open_symbol"),
    Binding("e", "export", "Export", show=False, tooltip="Export the board and spreads to CSV (data dir)",
            id="app.export"),
    Binding("exclamation_mark", "add_alert", "Alert", show=False, key_display="!",
            tooltip="Add an alert: the symbol under the cursor (above N, below N, move N%), the pair marked in "
                    "the pairs panel (z N), or concentration (hhi N, top1 N%)", id="app.add_alert"),
    Binding("l", "alerts_log", "Alerts", show=False, tooltip="Open the alerts log", id="app.alerts_log"),
]
ISSUE6_MAIN_ONLY = ("add_symbol", "remove_symbol", "new_watchlist", "sort", "filter", "open_symbol", "export",
                    "add_alert", "alerts_log")


# -- issue 5: the pair detail screen --------------------------------------------------------------------
ISSUE5_BINDINGS: list[Binding] = [
    Binding("p", "pairs", "Pairs", key_display="p",
            tooltip="Pairs panel: ↑↓ pick a pair, Enter opens its detail (multiples, parts, 1y chart), Esc back",
            id="app.pairs"),
]


class AiwatchApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "aiwatch"
    COMMANDS: ClassVar = App.COMMANDS | {WatchlistCommands}
    ENABLE_COMMAND_PALETTE = True
    VERTICAL_BREAKPOINTS: ClassVar = [(0, "-short"), (30, "-tall")]

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", key_display="q", tooltip="Quit (stops the feed first)", id="app.quit"),
        Binding("question_mark", "help", "Help", key_display="?", tooltip="This help", id="app.help"),
        Binding("ctrl+c", "interrupt", "Quit", show=False, priority=True, tooltip="Quit (exit status 130)",
                id="app.interrupt"),
        Binding("tab", "next_watchlist", "Next", key_display="Tab", priority=True,
                tooltip="Next watchlist", id="app.next_watchlist"),
        Binding("shift+tab", "previous_watchlist", "Prev", key_display="Shift+Tab", priority=True,
                tooltip="Previous watchlist", id="app.previous_watchlist"),
        Binding("1", "watchlist(0)", "Lists", key_display="1–9", tooltip="Jump to watchlist 1–9",
                id="app.watchlist_1"),
        *(Binding(str(n), f"watchlist({n - 1})", f"Watchlist {n}", show=False, id=f"app.watchlist_{n}")
          for n in range(2, 10)),
        *ISSUE6_BINDINGS,
        *ISSUE5_BINDINGS,
    ]

    def __init__(self, runtime: RuntimeLike, watchlists: LoadResultLike, *, initial: str | None = None,
                 stale_after: float = 60.0, handle_signals: bool = False, config=None,
                 config_problems: Iterable[str] = ()) -> None:
        super().__init__()
        self._init_issue6(config, config_problems)
        self._handle_signals = handle_signals  # SIGTERM/SIGHUP/SIGINT end the app cleanly (the CLI asks)
        self._quitting = False
        if handle_signals:
            self.driver_class = hangup_safe_driver(self.driver_class)
        self.runtime = runtime
        self.alerts.simulated = bool(getattr(runtime, "simulated", False))  # demo alerts say DEMO (tui.alerts)
        if isinstance(getattr(runtime, "source", None), str):  # another server's prices are not Yahoo's
            self.alerts.data_source = (runtime.source, getattr(runtime, "source_url", None))
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
        yield WatchHeader(simulated=self.runtime.simulated, source_label=getattr(self.runtime, "source_label", None),
                          clock_seconds=self.config.clock_seconds,
                          id="header")
        yield QuoteBoard(stale_after=self.stale_after, id="board")
        yield PairsPanel(id="pairs")
        yield ConcentrationPanel(id="concentration", reference_overrides=self.reference_overrides)
        yield StatusLine(id="status")
        yield Footer()

    def _main(self, cls: type[_W]) -> _W:
        """The main screen's one widget of `cls`, looked up once (issue 8: `query_one` walks the DOM, and the
        5 Hz refresh asked for five of them each time)."""
        cache = self.__dict__.setdefault("_main_widgets", {})
        widget = cache.get(cls)
        if widget is None or not widget.is_attached:
            widget = cache[cls] = self.query_one(cls)
        return widget

    @property
    def watchlist(self) -> Watchlist | None:
        return self.watchlists[self.current] if self.watchlists else None

    async def on_mount(self) -> None:
        if os.environ.get("AIWATCH_BENCH_LATENCY"):  # issue 8: benchmark instrumentation, off unless asked
            from tui.latency import install_from_env

            install_from_env(self)
        for problem in self.load_result.problems:
            log.warning("watchlist problem: %s", problem)
        if self.load_result.problems:
            self.notify("\n".join(str(p) for p in self.load_result.problems), title="Watchlist problems",
                        severity="warning", timeout=15)
        if self._initial is not None and self._initial not in self.load_result.watchlists:
            self.notify(f"no watchlist named {self._initial!r}: showing the first one", severity="warning")
        if not self.watchlists:
            self.notify("no watchlist could be loaded", severity="error", timeout=30)
        if self._handle_signals:
            self._install_signal_handlers()
        self._mount_issue6()
        self._main(QuoteBoard).focus()
        self._show(self.current)
        self._tick_clock()
        # issue 8: the refresh pauses while nothing moves and every market is closed (tui/refresh_pacer.py)
        self._pacer = RefreshPacer(self.set_interval(self.refresh_seconds, self._refresh), self.runtime.store)
        self.set_interval(CLOCK_SECONDS, self._tick_second)
        if hasattr(self.runtime, "on_notice"):  # issue 8: e.g. the demo simulator's process died
            self.runtime.on_notice = self._runtime_notice
        # issue 8: the feed (and the demo's simulator) starts once the first frame is on screen: its imports
        # would otherwise hold up the first paint
        self.call_after_refresh(self._launch_runtime)

    def _launch_runtime(self) -> None:
        if not self._stopped:
            self.run_worker(self._start_runtime(), name="runtime-start", exit_on_error=False)

    async def _start_runtime(self) -> None:
        try:
            await self.runtime.start()
        except Exception as exc:
            log.exception("runtime failed to start")
            self.notify(f"the feed failed to start: {exc}", severity="error", timeout=30)
            return
        # issue 8: the first quotes go on screen when they arrive, not at the next 5 Hz tick
        feed, wl = getattr(self.runtime, "feed", None), self.watchlist
        if wl is not None and hasattr(feed, "wait_until_quoted"):
            await feed.wait_until_quoted(wl.symbols, FIRST_QUOTES_WAIT)
            if not self._stopped:
                self._refresh()

    def _runtime_notice(self, message: str, severity: str) -> None:
        self.notify(message, title="DEMO simulator" if self.runtime.simulated else "Feed", severity=severity,
                    timeout=30 if severity == "error" else 10)

    # -- watchlists ------------------------------------------------------------------------
    def _show(self, index: int) -> None:
        """Put watchlist `index` on screen: the feed, the board and both panels follow at once."""
        if not self.watchlists:
            return
        self.current = index % len(self.watchlists)
        wl = self.watchlists[self.current]
        self.runtime.set_symbols(wl.symbols)
        now = self.runtime.clock.now()
        self._main(WatchHeader).set_watchlist(self.current + 1, len(self.watchlists), wl.title)
        self._seq = self.runtime.store.seq
        self._main(QuoteBoard).set_rows(wl.instruments, self.runtime.store, now)
        self._recompute_panels(wl)
        self.sub_title = wl.title

    def switch_watchlist(self, index: int) -> None:
        if 0 <= index < len(self.watchlists) and index != self.current:
            self._show(index)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # keys that act on the main screen do nothing while help or the palette is open
        if action in ("next_watchlist", "previous_watchlist", "watchlist", "help", *ISSUE6_MAIN_ONLY):
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

    # -- issue 5: pairs panel focus and the pair detail screen ----------------------------------
    def action_pairs(self) -> None:
        """`p`: focus the pairs panel (its marked pair opens with Enter); pressed again, open the marked pair."""
        if len(self.screen_stack) > 1:
            return
        panel = self._main(PairsPanel)
        if panel.has_focus:
            panel.action_open()
        else:
            panel.focus()

    def on_pairs_panel_selected(self, message: PairsPanel.Selected) -> None:
        from tui.screens.pair_detail import PairDetailScreen

        if len(self.screen_stack) <= 1:
            self.push_screen(PairDetailScreen(message.pair, message.watchlist, stale_after=self.stale_after))

    def action_help(self) -> None:
        own = [b for b in self.BINDINGS if isinstance(b, Binding) and (b.show or b in ISSUE6_BINDINGS)]
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
        self._cancel_fetches()
        try:
            await self.runtime.stop()
        except Exception:
            log.exception("runtime failed to stop")
        else:
            log.info("feed stopped")

    async def on_unmount(self) -> None:
        await self._stop_runtime()

    def _cancel_fetches(self) -> None:
        """Before the feed closes, the workers fetching through it (sparklines, history, charts) are cancelled,
        so none sends a request after "stopped"; the exit's own worker and the runtime's start go on."""
        for worker in list(self.workers):
            if worker.name not in ("graceful-exit", "runtime-start"):
                worker.cancel()

    # -- signals: SIGTERM, SIGHUP (SSH dropped), SIGINT and Ctrl+C end the app cleanly -------------
    # The feed is stopped (bounded by EXIT_STOP_TIMEOUT), Textual restores the terminal, and the exit status
    # is what a shell expects: 128 + the signal number (Ctrl+C: 130). A second signal exits at once.
    def _install_signal_handlers(self) -> None:
        loop = asyncio.get_running_loop()
        for name in EXIT_SIGNALS:
            sig = getattr(signal, name, None)
            if sig is None:
                continue
            try:
                loop.add_signal_handler(sig, self._on_exit_signal, sig)
            except (NotImplementedError, RuntimeError, ValueError):  # not the main thread, or Windows
                log.debug("cannot handle %s here", name)

    def _on_exit_signal(self, sig: signal.Signals) -> None:
        log.info("%s received: quitting", signal.Signals(sig).name)
        self.quit_with_status(128 + int(sig))

    def action_interrupt(self) -> None:
        self.quit_with_status(128 + int(signal.SIGINT))

    def quit_with_status(self, code: int) -> None:
        """Stop the feed, then exit with `code`; called again while stopping, exit at once."""
        if self._quitting:
            self.exit(return_code=code)
            return
        self._quitting = True
        self.run_worker(self._graceful_exit(code), name="graceful-exit", exit_on_error=False)

    async def _graceful_exit(self, code: int) -> None:
        try:
            await asyncio.wait_for(self._stop_runtime(), EXIT_STOP_TIMEOUT)
        except TimeoutError:
            log.warning("the feed did not stop within %ss: exiting anyway", EXIT_STOP_TIMEOUT)
        finally:
            self.exit(return_code=code)

    _panel_sizes: tuple = ()

    def _panel_sizes_changed(self) -> bool:
        """The panels draw to their own width: after a resize, whose layout settles after `on_resize`, redraw."""
        sizes = (self._main(PairsPanel).size, self._main(ConcentrationPanel).size, self.size)
        if sizes == self._panel_sizes:
            return False
        self._panel_sizes = sizes
        for panel in (self._main(PairsPanel), self._main(ConcentrationPanel)):
            panel.refresh(layout=True)  # their auto height was measured at the old width: measure again
        return True

    def on_resize(self) -> None:
        pacer = self.__dict__.get("_pacer")
        if pacer is not None:
            pacer.wake()  # the new layout settles over the next refreshes
        if self.watchlist is not None and self.is_mounted:
            self.call_after_refresh(self._recompute_panels, self.watchlist)

    # -- periodic refresh ------------------------------------------------------------------
    def _recompute_panels(self, wl: Watchlist) -> None:
        store = self.runtime.store
        self._main(PairsPanel).show(store, wl)
        self._main(ConcentrationPanel).show(store, wl, compact=self.size.height < 30)
        self._pairs_seq = self._concentration_seq = store.seq

    # -- issue 8: panels at a steady pace ----------------------------------------------------------------
    # The pairs panel (valuation multiples and basket moves: their inputs change with every tick, but a ratio to
    # three figures redrawn five times a second is flicker, not news) at most every PAIRS_SECONDS; the
    # concentration panel (market-cap aggregates shown to 0.1%, the costliest to compute: every member's
    # valuation, the NVDA dependency, the Mag-7 share) at most once per CONCENTRATION_SECONDS. Watchlist switches
    # and resizes still recompute both at once (_recompute_panels).
    _panels_due = False
    _concentration_due = False
    _concentration_at = -1e18
    _concentration_sizes: tuple = ()
    _pairs_at = -1e18
    _pairs_seq = -1  # the store's change number each panel was last drawn at
    _concentration_seq = -1

    def _recompute_panels_paced(self, wl: Watchlist) -> None:
        store = self.runtime.store
        mono = time.monotonic()
        resized = self._concentration_sizes != self._panel_sizes
        if self._panels_due and (resized or mono - self._pairs_at >= PAIRS_SECONDS):
            self._panels_due = False
            self._concentration_due = True
            self._pairs_at = mono
            self._pairs_seq = store.seq
            self._main(PairsPanel).show(store, wl)
        # a new size is drawn at once, never paced
        if self._concentration_due and (resized or mono - self._concentration_at >= CONCENTRATION_SECONDS):
            self._concentration_due = False
            self._concentration_at = mono
            self._concentration_sizes = self._panel_sizes
            self._concentration_seq = store.seq
            self._main(ConcentrationPanel).show(store, wl, compact=self.size.height < 30)

    def panels_drawn_since(self, seq: int) -> bool:
        """For tests and snapshots: both panels show the store as of its change `seq` or later.

        The panels are paced (above): they may lag the board by up to CONCENTRATION_SECONDS, so a snapshot taken
        when the board is up to date can still show the concentration panel's "waiting for market caps". Either
        both were drawn at `seq` or later, or the refresh has taken in change `seq` and no redraw is pending
        (nothing since touched the panels' symbols)."""
        if min(self._pairs_seq, self._concentration_seq) >= seq:
            return True
        return self._seq >= seq and not self._panels_due and not self._concentration_due

    # -- issue 8: idle refreshes --------------------------------------------------------------------------------
    # When no quote arrived since the last refresh, the board has nothing to redraw but the quotes' ages (whole
    # seconds, and the stale mark after `stale_after` seconds): they can only change when the runtime clock enters
    # another second, so the board is checked then, not five times a second (never while the clock is pinned).
    _board_synced_second: int | None = None

    def _board_age_due(self, now: float) -> bool:
        second = int(now // IDLE_BOARD_SECONDS)
        if second == self._board_synced_second:
            return False
        self._board_synced_second = second
        return True

    # The pairs panel tags a side "stale" when one of its quotes is: that happens with no new quote at all (a silent
    # feed), so once per clock second the stale set of the pairs' symbols is compared with the one last drawn.
    _pairs_stale_second: int | None = None
    _pairs_stale_key: tuple | None = None

    def _pairs_staleness_changed(self, wl: Watchlist, now: float) -> bool:
        from tui.widgets.pairs import stale_key

        second = int(now // IDLE_BOARD_SECONDS)
        if second == self._pairs_stale_second:
            return False
        self._pairs_stale_second = second
        key = (wl.name, stale_key(self.runtime.store, wl, now, self.stale_after))
        if key == self._pairs_stale_key:
            return False
        self._pairs_stale_key = key
        return True

    _idle_second: int | None = None

    def _refresh(self) -> None:
        """Pull what changed since the last refresh; repaint only the rows and panels it touches."""
        try:
            wl = self.watchlist
            store = self.runtime.store
            now = self.runtime.clock.now()
            resized = self._panel_sizes_changed()
            nothing_new = store.seq == self._seq and not resized
            if nothing_new:
                self._pacer.quiet(lambda: wl is None or all_closed(wl.symbols, now))
            else:
                self._pacer.busy()
            if (nothing_new and int(now) == self._idle_second and not self._panels_due
                    and not self._concentration_due):
                self.refreshes += 1  # issue 8: nothing new, same second: nothing can have changed on screen
                return
            self._idle_second = int(now)
            changed = store.changed_since(self._seq)
            self._seq = store.seq
            if wl is not None:
                if changed or self._board_age_due(now):  # issue 8: nothing new: ages move once a second
                    self._main(QuoteBoard).sync(store, changed, now)
                if (not changed.isdisjoint(wl.symbols) or not changed.isdisjoint(_FX)
                        or resized or self._pairs_staleness_changed(wl, now)):
                    self._panels_due = True
                self._recompute_panels_paced(wl)
                if changed:
                    self._check_alerts(wl, now)
            self.refreshes += 1
            self._refresh_failures = 0
        except Exception:
            log.exception("screen refresh failed")
            self._refresh_failures += 1
            if self._refresh_failures == 1:
                self.notify("a screen refresh failed; details in the log", severity="error")

    def _tick_second(self) -> None:
        """Once a second: the clocks and status line, sparklines to seed, and the refresh while it is paused
        (one timer, not three: every wake-up of the event loop costs CPU, issue 8)."""
        self._tick_clock()
        if self._quitting:
            return
        try:
            self._seed_sparklines()
        except Exception:  # a background nicety: never take the app down
            log.exception("sparkline seeding failed")
        if self._pacer.paused:
            self._refresh()

    def _tick_clock(self) -> None:
        if self._driver is not None and not self._quitting and terminal_hung_up(self._driver):
            log.warning("the terminal hung up: quitting")
            exit_event = getattr(self._driver, "exit_event", None)
            if exit_event is not None:
                exit_event.set()  # stops Textual's input thread, which spins on a closed terminal
            self.quit_with_status(128 + int(signal.SIGHUP))
            return
        try:
            now = self.runtime.clock.now()
            self._main(WatchHeader).set_time(now)
            self._main(StatusLine).show(self.runtime.status(), now)
        except Exception:
            log.exception("clock refresh failed")

    # -- issue 6: config, editing watchlists, sort/filter, symbol screen, export, alerts ---------------------
    def _init_issue6(self, config, problems: Iterable[str]) -> None:
        from tui.alerts import AlertEngine, alerts_log_path
        from tui.config import Config

        self.config = config if config is not None else Config()
        # dated reference overrides ([reference]) of the config given (the CLI's --config, or the default file it
        # loaded); None without one: tui.core.mag7 reads the default file itself
        self.reference_overrides = dict(config.reference) if config is not None else None
        self.config_problems = list(problems)
        self._honour_no_color()
        self.refresh_seconds = 1.0 / self.config.fps if config is not None else REFRESH_SECONDS
        self.alerts, alert_problems = AlertEngine.from_config(self.config, alerts_log_path())
        self.config_problems += alert_problems
        self.alerts_fired: list = []
        self.last_export: tuple | None = None
        self._spark_seeded: dict[str, int] = {}  # symbol -> UTC day (app clock) its intraday points were seeded
        self._spark_retry_at: dict[str, float] = {}  # symbol -> monotonic time a failed seed may be tried again
        self._spark_seeding = False

    def _honour_no_color(self) -> None:
        """NO_COLOR (no-color.org): Textual only turns colours grey (still 256/truecolor sequences); send none.
        The board marks its cursor row in reverse video instead (QuoteBoard._render_row)."""
        from textual.filter import Monochrome, NoColor

        if self.no_color:
            self._filters = [NoColor() if isinstance(f, Monochrome) else f for f in self._filters]

    def _mount_issue6(self) -> None:
        if self.config.theme != "dark":
            try:
                self.theme = self.config.textual_theme
            except Exception:  # noqa: BLE001 - an unknown theme keeps the default
                log.warning("unknown theme %r", self.config.theme)
        if self.config.keys:
            self.set_keymap(dict(self.config.keys))
        for p in self.config_problems:
            log.warning("config problem: %s", p)
        if self.config_problems:
            self.notify("\n".join(self.config_problems), title="Config problems", severity="warning", timeout=15)

    # -- issue 6 follow-up: the board's sparklines seeded from the chart endpoint -----------------------------
    # On a frozen clock, or just after start, the store holds one live point per symbol: the intraday column
    # would stay blank. Once per symbol on the board and day (app clock), and only while the board is wide
    # enough to show that column, the feed fetches today's 5-minute bars (one chart request) into the store.
    # Background budget: the worker stops when the REST client's per-minute budget is spent and goes on later.
    def _seed_sparklines(self) -> None:
        from tui.widgets.board import board_shows_spark

        feed = getattr(self.runtime, "feed", None)
        if self._spark_seeding or feed is None or not hasattr(feed, "seed_intraday"):
            return
        boards = self.query(QuoteBoard)  # none while the app shuts down
        board = boards.first() if boards else None
        if board is None or not board.is_mounted or not board_shows_spark(board):
            return
        store = self.runtime.store
        day = int(self.runtime.clock.now() // 86400)
        mono = time.monotonic()
        top = round(board.scroll_y)
        rows = [*board.instruments[top:], *board.instruments[:top]]  # the rows on screen first
        due = [i.symbol for i in rows if i.symbol in store.quotes and self._spark_seeded.get(i.symbol) != day
               and self._spark_retry_at.get(i.symbol, 0.0) <= mono]
        if due:
            self._spark_seeding = True
            self.run_worker(self._seed_worker(feed, due, day), name="spark-seed", group="spark-seed",
                            exit_on_error=False)

    def sparklines_settled(self) -> bool:
        """For tests and snapshots: no sparkline seed due or running (one due is started)."""
        self._seed_sparklines()
        return not self._spark_seeding

    async def _seed_worker(self, feed, symbols: list[str], day: int) -> None:
        from tui.feeds.yahoo_parse import YahooError
        from tui.widgets.board import refresh_sparks

        try:
            for symbol in symbols:
                rest = getattr(feed, "rest", None)
                if rest is not None and rest.background_wait() > 0:
                    return  # the per-minute budget is spent: the next tick goes on
                try:
                    added = await feed.seed_intraday(symbol)
                except YahooError as exc:  # Yahoo's answer: no intraday data for it today
                    log.info("no intraday bars for %s: %s", symbol, exc)
                    self._spark_seeded[symbol] = day
                    continue
                except Exception as exc:  # noqa: BLE001 - network, 429: tried again later
                    log.info("intraday seed for %s failed: %s", symbol, exc)
                    self._spark_retry_at[symbol] = time.monotonic() + SPARK_RETRY_SECONDS
                    return
                self._spark_seeded[symbol] = day
                boards = self.query(QuoteBoard)
                if added and boards:
                    refresh_sparks(boards.first(), self.runtime.store, {symbol})
        finally:
            self._spark_seeding = False

    def _board_now(self) -> tuple[QuoteBoard, float]:
        return self._main(QuoteBoard), self.runtime.clock.now()

    def _check_alerts(self, wl: Watchlist, now: float) -> None:
        if not self.alerts.rules:
            return
        for alert in self.alerts.check(self.runtime.store, wl, now):
            self.alerts_fired.append(alert)
            self.notify(alert.message, title="Alert", severity="warning", timeout=10)
            if self.config.alert_bell:
                self.bell()

    async def lookup_symbol(self, symbol: str) -> str | None:
        """Ask the data source for `symbol`: its display name, or None when the source says "not found"."""
        lookup = getattr(self.runtime, "lookup", None)
        if lookup is None:
            raise RuntimeError("this data source cannot check symbols")
        quote = await lookup(symbol)
        if quote is None:
            return None
        return getattr(quote, "short_name", None) or symbol

    def _replace_watchlist(self, new: Watchlist, *, cursor: str | None = None) -> None:
        names = [w.name for w in self.watchlists]
        if new.name in names:
            self.watchlists[names.index(new.name)] = new
            index = names.index(new.name)
        else:
            self.watchlists.append(new)
            index = len(self.watchlists) - 1
        self.load_result.watchlists[new.name] = new
        self._show(index)
        board = self._main(QuoteBoard)
        symbols = [i.symbol for i in board.instruments]
        if cursor in symbols:
            board.move_cursor(symbols.index(cursor))

    def action_add_symbol(self) -> None:
        from tui.screens.dialogs import AddSymbolScreen

        wl = self.watchlist
        if wl is None:
            return
        self.push_screen(AddSymbolScreen(self.lookup_symbol, title=f"Add a symbol to {wl.title}",
                                         known=set(wl.symbols)), self._symbol_added)

    def _symbol_added(self, result) -> None:
        from tui.watchlist_edit import EditError, add_symbol

        wl = self.watchlist
        if result is None or wl is None:
            return
        try:
            new = add_symbol(wl, result.symbol, result.name, result.side)
        except (EditError, OSError) as exc:
            self.notify(f"{result.symbol} not added: {exc}", severity="error", timeout=10)
            return
        copy = " (your copy of the shipped list)" if wl.shipped else ""
        self._replace_watchlist(new, cursor=result.symbol)
        self.notify(f"added {result.symbol} to {new.title}: saved to {new.path}{copy}")

    def action_remove_symbol(self) -> None:
        from tui.screens.dialogs import ConfirmScreen
        from tui.watchlist_edit import target_path

        wl = self.watchlist
        board = self._main(QuoteBoard)
        symbol = board.cursor_symbol
        if wl is None or symbol is None:
            return
        name = next((i.name for i in wl.instruments if i.symbol == symbol), symbol)
        where = f"\n(saved to {target_path(wl)}: your copy of the shipped list)" if wl.shipped else ""
        self.push_screen(ConfirmScreen(f"Remove {symbol} ({name}) from {wl.title}?{where}"),
                         lambda yes: self._symbol_removed(wl, symbol, yes))

    def _symbol_removed(self, wl: Watchlist, symbol: str, yes: bool | None) -> None:
        from tui.watchlist_edit import EditError, remove_symbol

        if not yes:
            return
        try:
            new = remove_symbol(wl, symbol)
        except (EditError, OSError) as exc:
            self.notify(f"{symbol} not removed: {exc}", severity="error", timeout=10)
            return
        self._replace_watchlist(new)
        self.notify(f"removed {symbol} from {new.title}: saved to {new.path}")

    def action_new_watchlist(self) -> None:
        from tui.screens.dialogs import NewWatchlistScreen

        self.push_screen(NewWatchlistScreen(self.lookup_symbol, existing={w.name for w in self.watchlists}),
                         self._watchlist_created)

    def _watchlist_created(self, result) -> None:
        from tui.watchlist_edit import EditError, create_watchlist

        if result is None:
            return
        try:
            new = create_watchlist(result.name, result.title, result.first.symbol, result.first.name,
                                   result.first.side, existing={w.name for w in self.watchlists})
        except (EditError, OSError) as exc:
            self.notify(f"watchlist not created: {exc}", severity="error", timeout=10)
            return
        self._replace_watchlist(new)
        self.notify(f"created {new.title}: saved to {new.path}; add symbols with a")

    def action_sort(self) -> None:
        from tui.widgets.board import SORT_LABELS

        board, now = self._board_now()
        key = board.cycle_sort(self.runtime.store, now)
        self.notify(f"sorted by {SORT_LABELS[key]}", timeout=3)

    def action_filter(self) -> None:
        from tui.screens.dialogs import FilterScreen

        self.push_screen(FilterScreen(self._main(QuoteBoard).filter_text), self._filtered)

    def _filtered(self, text: str | None) -> None:
        if text is None:
            return
        board, now = self._board_now()
        board.set_filter(text, self.runtime.store, now)
        if text:
            self.notify(f"filter {text!r}: {len(board.instruments)} of {len(board._source)} shown "
                        "(/ then Enter on an empty line shows all)", timeout=5)
        else:
            self.notify("filter cleared", timeout=3)

    def action_open_symbol(self) -> None:
        from tui.screens.symbol import SymbolScreen

        board = self._main(QuoteBoard)
        if not board.instruments:
            return
        self.push_screen(SymbolScreen(self.runtime, board.instruments[board.cursor], stale_after=self.stale_after))

    def action_export(self) -> None:
        from tui.export import export_csv

        wl = self.watchlist
        if wl is None:
            return
        try:
            paths = export_csv(self.runtime.store, wl, now=self.runtime.clock.now(), source=self.runtime.source,
                               stale_after=self.stale_after, source_url=getattr(self.runtime, "source_url", None))
        except OSError as exc:
            self.notify(f"export failed: {exc}", severity="error", timeout=10)
            return
        self.last_export = paths
        self.notify(f"exported {wl.title} to {paths[0]}\nand {paths[1].name}", title="Export", timeout=10)

    def _alert_pair(self) -> str | None:
        """The pair marked in the pairs panel (its first pair until one is picked), None without pairs."""
        wl = self.watchlist
        if wl is None or not wl.pairs:
            return None
        selected = self._main(PairsPanel).selected
        return wl.pairs[max(0, min(selected, len(wl.pairs) - 1))].name

    def action_add_alert(self) -> None:
        from tui.screens.dialogs import AlertScreen

        wl = self.watchlist
        if wl is None:
            return
        symbol = self._main(QuoteBoard).cursor_symbol
        pair = self._alert_pair()
        self.push_screen(AlertScreen(symbol, pair, wl.title),
                         lambda text: self._alert_added(symbol, text, pair=pair, watchlist=wl.name))

    def _alert_added(self, symbol: str | None, text: str | None, *, pair: str | None = None,
                     watchlist: str = "*") -> None:
        from tui.alerts import parse_rule_text
        from tui.config import append_alert

        if not text:
            return
        try:
            rule = parse_rule_text(text, symbol, pair, watchlist)
        except ValueError as exc:
            self.notify(f"no alert added: {exc}", severity="error", timeout=8)
            return
        self.alerts.add(rule)
        try:
            path = append_alert(rule.to_table(), self.config.path)
        except (OSError, ValueError, TypeError) as exc:  # unwritable, broken TOML, `alerts` not [[alerts]]
            self.notify(f"alert on for this session only (config not saved: {exc})", severity="warning")
            return
        self.notify(f"alert added: {rule.describe()} (saved to {path})")

    def action_alerts_log(self) -> None:
        from tui.screens.symbol import AlertsLogScreen

        self.push_screen(AlertsLogScreen(self.alerts.log_path, [r.describe() for r in self.alerts.rules],
                                         simulated=self.alerts.simulated))
