"""AiwatchApp: the Textual app. It composes the main screen and pulls from the runtime's store on its own timer;
feeds never touch widgets.

Around it: `tui/terminal.py` keeps the terminal's output safe from a hang-up, `tui/main_actions.py` does what the
editing, sort / filter, export and alert keys ask, `tui/panel_pace.py` paces the panels, `tui/refresh_pacer.py`
pauses the refresh while nothing can change, and `tui/spark_seeder.py` seeds the board's sparklines.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import time
from typing import TYPE_CHECKING, ClassVar, Protocol, TypeVar

from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.widget import Widget

from tui import main_actions
from tui.core.sessions import all_closed
from tui.core.store import FX_SYMBOLS, MarketStore
from tui.model import Watchlist
from tui.panel_pace import PanelPace
from tui.refresh_pacer import RefreshPacer
from tui.screens.book_commands import BookCommands
from tui.screens.commands import WatchlistCommands, key_commands
from tui.screens.help import HelpScreen, key_rows
from tui.screens.steady import SteadyScreen
from tui.spark_seeder import SparkSeeder
from tui.terminal import hangup_safe_driver, terminal_hung_up
from tui.widgets.board import QuoteBoard
from tui.widgets.concentration import ConcentrationPanel
from tui.widgets.footer import Footer
from tui.widgets.header import WatchHeader
from tui.widgets.pairs import PairsPanel
from tui.widgets.portfolio_line import PortfolioLine
from tui.widgets.status import FeedStatusLike, StatusLine

if TYPE_CHECKING:
    from collections.abc import Iterable

    from tui.core.clock import Clock
    from tui.portfolio.live import Books

log = logging.getLogger(__name__)
_W = TypeVar("_W", bound=Widget)

REFRESH_SECONDS = 0.2  # the screen is redrawn at most 5 times a second, however fast ticks arrive
CLOCK_SECONDS = 1.0
IDLE_BOARD_SECONDS = 1.0  # with no new quote, the board's ages are checked once a clock second
FIRST_QUOTES_WAIT = 10.0  # seconds the app watches for the first quotes, to show them the moment they arrive
EXIT_SIGNALS = ("SIGTERM", "SIGHUP", "SIGINT")
EXIT_STOP_TIMEOUT = 3.0  # seconds the feed gets to stop after a signal before the app exits anyway
BOOK_SECONDS = 1.0  # the main screen's book summary is valued again at most once a second
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


def unknown_binding_ids(config, known: set[str]) -> list[str]:
    """A problem for each `[keys]` remap whose binding id no binding has (Textual would ignore it silently)."""
    where = str(config.path) if config.path else "config"
    return [f"{where}: keys.{bid.removeprefix('app.') if bid.startswith('app.') else bid}: no key has the id "
            f"{bid!r}; remap ignored (? lists each key's id)" for bid in config.keys if bid not in known]


class AiwatchApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "aiwatch"
    COMMANDS: ClassVar = App.COMMANDS | {WatchlistCommands, BookCommands}
    ENABLE_COMMAND_PALETTE = True
    VERTICAL_BREAKPOINTS: ClassVar = [(0, "-short"), (30, "-tall")]

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", key_display="q", tooltip="Quit (stops the feed first)", id="app.quit"),
        Binding("question_mark", "help", "Help", key_display="?",
                tooltip="Help: every key, what the marks mean, problems found in your files", id="app.help"),
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
        *main_actions.BINDINGS,
        Binding("p", "pairs", "Pairs", key_display="p",
                tooltip="Pairs panel: ↑↓ pick a pair, Enter opens its detail (multiples, parts, 1y chart), Esc back",
                id="app.pairs"),
        Binding("c", "capex", "Capex", show=False, key_display="c",
                tooltip="Capex screen: capex, free cash flow and debt per company (TTM, 8 quarters), the sides' "
                        "totals, the deals of the company under the cursor", id="app.capex"),
        Binding("b", "portfolio", "Book", key_display="b", show=False,
                tooltip="Your book: positions, P&L in its base currency, exposure and pair trades (Tab / 1–9: "
                        "another book, Esc back)", id="app.portfolio"),
    ]
    # bindings the help lists although the footer does not show them
    HELP_ONLY = ("app.capex", "app.portfolio")
    # keys that act on the main screen, and do nothing while another screen (help, a dialog, the palette) is open
    MAIN_SCREEN_ACTIONS = ("next_watchlist", "previous_watchlist", "watchlist", "help", "capex", "portfolio",
                           *main_actions.ACTIONS)

    def __init__(self, runtime: RuntimeLike, watchlists: LoadResultLike, *, initial: str | None = None,
                 stale_after: float = 60.0, handle_signals: bool = False, config=None,
                 config_problems: Iterable[str] = (), books: Books | None = None,
                 book_problems: Iterable[object] = (), books_hidden: str | None = None) -> None:
        from tui.alerts import AlertEngine, alerts_log_path
        from tui.config import Config

        super().__init__()
        self.config = config if config is not None else Config()
        # the dated reference overrides ([reference]) of the config the app runs with; none without a config
        self.reference_overrides = dict(config.reference) if config is not None else None
        self.config_problems = list(config_problems)
        self._honour_no_color()
        self.refresh_seconds = 1.0 / self.config.fps if config is not None else REFRESH_SECONDS
        self.alerts, alert_problems = AlertEngine.from_config(self.config, alerts_log_path())
        self.config_problems += alert_problems
        self.alerts_fired: list = []
        self.last_export: tuple | None = None
        self.actions = main_actions.MainActions(self)
        self.spark_seeder = SparkSeeder(self)
        self.panel_pace = PanelPace(self.main_widget, lambda: self.size)
        self._handle_signals = handle_signals  # SIGTERM/SIGHUP/SIGINT end the app cleanly (the CLI asks)
        self._quitting = False
        self._notice_told: str | None = None  # the last source notice shown as a notification
        if handle_signals:
            self.driver_class = hangup_safe_driver(self.driver_class)
        self.runtime = runtime
        self.alerts.simulated = bool(getattr(runtime, "simulated", False))  # demo alerts say DEMO (tui.alerts)
        self.alerts.history_settled = self._history_settled  # a z-score rule waits for every history it reads
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
        self.refreshes = 0  # completed refreshes (tests wait on this)
        if initial is None and self.watchlists:
            # the config's default_watchlist; one that does not load (a typo, a list of the user's that broke
            # since) is reported with the config's problems and ai-rivals opens: a bad setting never locks anyone out
            from tui.watchlists import configured_watchlist

            initial, problem = configured_watchlist(watchlists, self.config.default_watchlist,
                                                    str(self.config.path or "config"))
            if problem:
                self.config_problems.append(problem)
        if initial is not None and initial in watchlists.watchlists:
            self.current = list(watchlists.watchlists).index(initial)
        # the user's books (tui/portfolio): None when there is none, or when they are not to be shown here
        # (`books_hidden` says why: a served app without --portfolio)
        self.books = books if books else None
        self.book_problems = list(book_problems)
        self.books_hidden = books_hidden
        self._book_symbols: frozenset[str] = books.symbol_set() if self.books else frozenset()
        # the summary line is valued again when one of the books' symbols changed, at most once a second of wall
        # time (`_book_due` until then), and each second of the app's clock (a quote goes stale with no news)
        self._book_due = True
        self._book_drawn_wall = float("-inf")
        self._book_drawn_second: int | None = None

    def notify(self, message: str, *, title: str = "", severity="information", timeout: float | None = None,
               markup: bool = False) -> None:
        """Every notification of the app (and of its widgets and screens, which come here): messages quote
        outside text (a source's errors, file problems, names), so they are shown as plain text, never as
        markup, each line cleaned (tui/sanitize.py). `markup` is accepted and ignored."""
        from tui.sanitize import clean_lines, clean_name

        super().notify("\n".join(clean_lines(message)), title=clean_name(title), severity=severity,
                       timeout=timeout)

    def _honour_no_color(self) -> None:
        """NO_COLOR (no-color.org): Textual only turns colours grey (still 256/truecolor sequences); send none.
        The board marks its cursor row in reverse video instead (QuoteBoard._render_row)."""
        from textual.filter import Monochrome, NoColor

        if self.no_color:
            self._filters = [NoColor() if isinstance(f, Monochrome) else f for f in self._filters]

    # -- layout ----------------------------------------------------------------------------
    def get_default_screen(self) -> SteadyScreen:
        """The main screen, laid out only at the app's current size (tui/screens/steady.py: a browser tab's
        start-up resize once set Textual's screen flipping between two sizes for ever, spinning a core)."""
        return SteadyScreen(id="_default")

    def compose(self) -> ComposeResult:
        yield WatchHeader(simulated=self.runtime.simulated, source_label=getattr(self.runtime, "source_label", None),
                          clock_seconds=self.config.clock_seconds,
                          id="header")
        yield QuoteBoard(stale_after=self.stale_after, id="board")
        yield PairsPanel(id="pairs")
        yield ConcentrationPanel(id="concentration", reference_overrides=self.reference_overrides)
        line = PortfolioLine(id="portfolio-summary")
        line.display = self.books is not None
        yield line
        yield StatusLine(id="status")
        yield Footer()

    def main_widget(self, cls: type[_W]) -> _W:
        """The main screen's one widget of `cls`, looked up once: `query_one` walks the DOM, and each refresh
        asks for several."""
        cache = self.__dict__.setdefault("_main_widgets", {})
        widget = cache.get(cls)
        if widget is None or not widget.is_attached:
            widget = cache[cls] = self.query_one(cls)
        return widget

    @property
    def watchlist(self) -> Watchlist | None:
        return self.watchlists[self.current] if self.watchlists else None

    async def on_mount(self) -> None:
        if os.environ.get("AIWATCH_BENCH_LATENCY"):  # the benchmark's instrumentation, off unless asked
            from tui.latency import install_from_env

            install_from_env(self)
        if self._initial is not None and self._initial not in self.load_result.watchlists:
            self.notify(f"no watchlist named {self._initial!r}: showing the first one", severity="warning")
        if not self.watchlists:
            self.notify("no watchlist could be loaded", severity="error", timeout=30)
        for problem in self.book_problems:
            log.warning("portfolio problem: %s", problem)
        if self.book_problems:
            self.notify("\n".join(str(p) for p in self.book_problems), title="Portfolio problems",
                        severity="warning", timeout=15)
        if self._handle_signals:
            self._install_signal_handlers()
        self._apply_config()
        self.main_widget(QuoteBoard).focus()
        self._show(self.current)
        self._tick_clock()
        # the refresh pauses while nothing moves and every market is closed (tui/refresh_pacer.py)
        self._pacer = RefreshPacer(self.set_interval(self.refresh_seconds, self._refresh), self.runtime.store)
        self.set_interval(CLOCK_SECONDS, self._tick_second)
        if hasattr(self.runtime, "on_notice"):  # e.g. the demo simulator's process died
            self.runtime.on_notice = self._runtime_notice
        # the feed (and the demo's simulator) starts once the first frame is on screen: its imports would
        # otherwise hold up the first paint
        self.call_after_refresh(self._launch_runtime)

    def _apply_config(self) -> None:
        """Theme and key remaps from the config; its problems, with any found here, told to the user."""
        if self.config.theme != "dark":
            if self.config.textual_theme in self.available_themes:
                self.theme = self.config.textual_theme
            else:
                self.config_problems.append(f"theme: unknown theme {self.config.theme!r} (try \"dark\" or "
                                            "\"light\"); using 'dark'")
        self._use_16_colours()
        if self.config.keys:
            self.config_problems += unknown_binding_ids(self.config, self._binding_ids())
            self.set_keymap(dict(self.config.keys))
        self._tell_problems()

    def _binding_ids(self) -> set[str]:
        """Every binding id a user can remap: the app's, and those of every screen and widget of the app (each
        module of tui/screens is imported for it: a new screen's keys count without a list kept here)."""
        import importlib
        import pkgutil

        from textual.dom import DOMNode

        import tui.screens

        for module in pkgutil.iter_modules(tui.screens.__path__):
            importlib.import_module(f"tui.screens.{module.name}")
        classes, todo = [type(self)], [DOMNode]
        while todo:
            for sub in todo.pop().__subclasses__():
                todo.append(sub)
                if sub.__module__.startswith("tui."):
                    classes.append(sub)
        return {b.id for cls in classes for b in getattr(cls, "BINDINGS", ()) if isinstance(b, Binding) and b.id}

    def _use_16_colours(self) -> None:
        """With 16 colours, the theme's variant whose accent and warning are not the loss colour (tui/theme16.py)."""
        from tui.theme16 import sixteen_colour_theme, uses_16_colours

        if uses_16_colours(self):
            variant = sixteen_colour_theme(self.current_theme)
            self.register_theme(variant)
            self.theme = variant.name

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
        self._show_source()
        # the first quotes go on screen when they arrive, not at the next refresh tick
        feed, wl = getattr(self.runtime, "feed", None), self.watchlist
        if wl is not None and hasattr(feed, "wait_until_quoted"):
            await feed.wait_until_quoted(wl.symbols, FIRST_QUOTES_WAIT)
            if not self._stopped:
                self._refresh()
        # the books' trade-date FX closes and betas: background work, once the first quotes are on screen
        if self.books is not None and hasattr(feed, "fetch_history") and not self._stopped:
            self.run_worker(self._fetch_book_history(feed), name="book-history", exit_on_error=False)

    def _show_source(self) -> None:
        """The header's badge and the alerts' label as the runtime says after its start: a hub's client knows only
        then whether the hub's data is simulated."""
        simulated = bool(getattr(self.runtime, "simulated", False))
        label = getattr(self.runtime, "source_label", None)
        header = self.main_widget(WatchHeader)
        if (header.simulated, header.source_label) != (simulated, label or header.source_label):
            header.set_source(simulated, label)
            self.alerts.simulated = simulated
            if isinstance(getattr(self.runtime, "source", None), str):
                self.alerts.data_source = (self.runtime.source, getattr(self.runtime, "source_url", None))

    async def _fetch_book_history(self, feed) -> None:
        from datetime import datetime

        today = datetime.fromtimestamp(self.runtime.clock.now()).date()
        await self.books.fetch_history(feed, today)
        self._book_due = True  # the rates of old trades may have come in: value the book again

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
        # the books' listings and FX are quoted whichever watchlist is on screen
        self.runtime.set_symbols([*wl.symbols, *self._book_symbols])
        now = self.runtime.clock.now()
        self.main_widget(WatchHeader).set_watchlist(self.current + 1, len(self.watchlists), wl.title)
        self._seq = self.runtime.store.seq
        self.main_widget(QuoteBoard).set_rows(wl.instruments, self.runtime.store, now)
        self.panel_pace.draw_now(self.runtime.store, wl)
        self.fit_panels()
        self.sub_title = wl.title
        self.check_alerts_now()  # what the store holds already is checked now, not at the next new quote

    def switch_watchlist(self, index: int) -> None:
        if 0 <= index < len(self.watchlists) and index != self.current:
            self._show(index)

    def replace_watchlist(self, new: Watchlist, *, cursor: str | None = None) -> None:
        """Put an edited (or new) watchlist in place of the old one, on screen, with the cursor on `cursor`."""
        names = [w.name for w in self.watchlists]
        if new.name in names:
            self.watchlists[names.index(new.name)] = new
            index = names.index(new.name)
        else:
            self.watchlists.append(new)
            index = len(self.watchlists) - 1
        self.load_result.watchlists[new.name] = new
        self._show(index)
        board = self.main_widget(QuoteBoard)
        symbols = [i.symbol for i in board.instruments]
        if cursor in symbols:
            board.move_cursor(symbols.index(cursor))

    # -- the command palette: every key's action, each watchlist (tui/screens/commands.py), the problems -------
    def get_system_commands(self, screen):
        yield from super().get_system_commands(screen)
        if screen is self.screen_stack[0]:  # the main screen's keys, when the palette was opened on it
            yield from key_commands(self.BINDINGS, self._run_from_palette)
        n = len(self.problems)
        yield SystemCommand(f"Problems found in your config and watchlist files ({n})",
                            "what was wrong at start, as text", self.action_problems)

    async def _run_from_palette(self, action: str) -> None:
        await self.run_action(action)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in self.MAIN_SCREEN_ACTIONS:
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

    # -- the main screen's keys, done by tui/main_actions.py ----------------------------------------------------
    def action_add_symbol(self) -> None:
        self.actions.add_symbol()

    def action_remove_symbol(self) -> None:
        self.actions.remove_symbol()

    def action_new_watchlist(self) -> None:
        self.actions.new_watchlist()

    def action_sort(self) -> None:
        self.actions.sort()

    def action_filter(self) -> None:
        self.actions.filter()

    def action_open_symbol(self) -> None:
        self.actions.open_symbol()

    def action_export(self) -> None:
        self.actions.export()

    def action_add_alert(self) -> None:
        self.actions.add_alert()

    def action_alerts_log(self) -> None:
        self.actions.alerts_log()

    # -- pairs panel focus and the pair detail screen ------------------------------------------
    def action_pairs(self) -> None:
        """`p`: focus the pairs panel (its marked pair opens with Enter); pressed again, open the marked pair."""
        if len(self.screen_stack) > 1:
            return
        panel = self.main_widget(PairsPanel)
        if panel.has_focus:
            panel.action_open()
        else:
            panel.focus()

    def action_capex(self) -> None:
        """`c`: the capex screen of the watchlist on screen."""
        from tui.screens.capex import CapexScreen

        if len(self.screen_stack) <= 1 and self.watchlist is not None:
            self.push_screen(CapexScreen(self.watchlist))

    def on_pairs_panel_selected(self, message: PairsPanel.Selected) -> None:
        from tui.screens.pair_detail import PairDetailScreen

        if len(self.screen_stack) <= 1:
            self.push_screen(PairDetailScreen(message.pair, message.watchlist, stale_after=self.stale_after))

    def action_portfolio(self) -> None:
        """`b`: the book screen, or why there is none."""
        if len(self.screen_stack) > 1:
            return
        if self.books is None:
            from tui.portfolio.loader import user_portfolios_dir

            self.notify(self.books_hidden or (f"no portfolio yet: write one in {user_portfolios_dir()}/NAME.toml "
                                              "(docs/portfolio.md) or run: aiwatch portfolio import FILE.csv"),
                        title="Book", severity="warning", timeout=10)
            return
        from tui.screens.portfolio import PortfolioScreen

        self.push_screen(PortfolioScreen(self.books), callback=lambda _: self._book_redraw())

    def open_book(self, index: int) -> None:
        """Show book `index` on the book screen (the command palette's "Open book")."""
        from tui.screens.portfolio import PortfolioScreen

        if self.books is None:
            return
        if isinstance(self.screen, PortfolioScreen):
            self.screen.show_book(index)
            return
        self.books.switch(index)
        self.action_portfolio()

    def _book_redraw(self) -> None:
        """Back from the book screen (maybe on another book): the summary shows the book now current."""
        self._book_due, self._book_drawn_wall = True, float("-inf")
        if self.books is not None:
            self._draw_book_line(self.runtime.store, self.runtime.clock.now())

    def action_help(self) -> None:
        own = [b for b in self.BINDINGS if isinstance(b, Binding)
               and (b.show or b in main_actions.BINDINGS or b.id in self.HELP_ONLY)]
        keys = key_rows([*own, *QuoteBoard.BINDINGS,
                         Binding("ctrl+p", "command_palette", "Palette", key_display="Ctrl+P",
                                 tooltip="Command palette: what every key does, switch watchlist by name, problems")])
        self.push_screen(HelpScreen(keys, simulated=self.runtime.simulated, problems=self.problems))

    # -- problems found in the user's files ---------------------------------------------------------------
    @property
    def problems(self) -> list:
        """Everything wrong in the watchlist and config files (and key remaps), as found at start."""
        return [*self.load_result.problems, *self.config_problems]

    def action_problems(self) -> None:
        from tui.screens.problems import ProblemsScreen

        self.push_screen(ProblemsScreen(self.problems))

    def _tell_problems(self) -> None:
        """Log each problem; say in a short toast how many there are and where to read them; the header keeps
        the count in view (the problems screen has the text)."""
        from tui.screens.problems import problems_summary

        problems = self.problems
        for p in self.load_result.problems:
            log.warning("watchlist problem: %s", p)
        for p in self.config_problems:
            log.warning("config problem: %s", p)
        self.main_widget(WatchHeader).set_problems(len(problems))
        if problems:
            self.notify(problems_summary(problems), title="Problems", severity="warning", timeout=15)

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

    def on_resize(self, event) -> None:
        pacer = self.__dict__.get("_pacer")  # a resize can come before on_mount
        if pacer is not None:
            pacer.wake()  # the new layout settles over the next refreshes
        if self.watchlist is not None and self.is_mounted:
            self.call_after_refresh(self._redraw_panels)

    def _redraw_panels(self) -> None:
        if self.watchlist is not None:
            self.panel_pace.draw_now(self.runtime.store, self.watchlist)
            self.fit_panels()

    _fitted: tuple | None = None

    def fit_panels(self) -> None:
        """Share the height between the board and the panels (tui/screen_fit.py): the status line stays, the
        panels give way first. Applied only when the inputs changed (a resize, a list switch, a panel's length)."""
        from tui.screen_fit import fit

        pairs, concentration = self.main_widget(PairsPanel), self.main_widget(ConcentrationPanel)
        fixed = sum(w.outer_size.height for w in (self.main_widget(WatchHeader), self.main_widget(PortfolioLine),
                                                  self.main_widget(StatusLine), self.main_widget(Footer)))
        rows = self.screen_stack[0].size.height - fixed
        key = (rows, len(self.main_widget(QuoteBoard).instruments), len(pairs.wrapped_lines),
               len(concentration.wrapped_lines))
        if key == self._fitted or rows <= 0:
            return
        self._fitted = key
        plan = fit(*key, short=self.screen_stack[0].size.height < 30)
        for panel, height in ((pairs, plan.pairs), (concentration, plan.concentration)):
            panel.display = height > 0
            panel.styles.height = max(height, 1)

    def panels_drawn_since(self, seq: int) -> bool:
        """For tests and snapshots: both panels show the store as of its change `seq` or later (they are paced,
        so they may lag the board by up to a second)."""
        return self.panel_pace.drawn_since(seq, self._seq)

    def sparklines_settled(self) -> bool:
        """For tests and snapshots: no sparkline seed due or running (one due is started)."""
        return self.spark_seeder.settled()

    # -- periodic refresh ------------------------------------------------------------------
    # When no quote arrived since the last refresh, the board has nothing to redraw but the quotes' ages (whole
    # seconds, and the stale mark after `stale_after` seconds): they can only change when the runtime clock enters
    # another second, so the board is checked then, not at every refresh (never while the clock is pinned).
    _board_synced_second: int | None = None
    _idle_second: int | None = None

    def _board_age_due(self, now: float) -> bool:
        second = int(now // IDLE_BOARD_SECONDS)
        if second == self._board_synced_second:
            return False
        self._board_synced_second = second
        return True

    def _refresh(self) -> None:
        """Pull what changed since the last refresh; repaint only the rows and panels it touches."""
        try:
            wl = self.watchlist
            store = self.runtime.store
            pace = self.panel_pace
            now = self.runtime.clock.now()
            resized = pace.sizes_changed()
            nothing_new = store.seq == self._seq and not resized
            if nothing_new:
                self._pacer.quiet(lambda: wl is None or all_closed(wl.symbols, now))
            else:
                self._pacer.busy()
            if nothing_new and int(now) == self._idle_second and not pace.pending:
                self.refreshes += 1  # nothing new, same second: nothing can have changed on screen
                return
            self._idle_second = int(now)
            changed = store.changed_since(self._seq)
            self._seq = store.seq
            if wl is not None:
                if changed or self._board_age_due(now):  # nothing new: ages move once a second
                    self.main_widget(QuoteBoard).sync(store, changed, now)
                if (not changed.isdisjoint(wl.symbols) or not changed.isdisjoint(_FX)
                        or resized or pace.staleness_changed(store, wl, now, self.stale_after)):
                    pace.due = True
                pace.draw_due(store, wl)
                self.fit_panels()
                if changed:
                    self._check_alerts(wl, now)
            if self.books is not None:
                if not changed.isdisjoint(self._book_symbols):
                    self._book_due = True
                self._draw_book_line(store, now)
            self.refreshes += 1
            self._refresh_failures = 0
        except Exception:
            log.exception("screen refresh failed")
            self._refresh_failures += 1
            if self._refresh_failures == 1:
                self.notify("a screen refresh failed; details in the log", severity="error")

    def _draw_book_line(self, store: MarketStore, now: float) -> None:
        """The book summary, valued again when it is due (see `_book_due`) and a second has passed since."""
        if self._book_drawn_second != int(now):
            self._book_due = True
        wall = time.monotonic()
        if not self._book_due or wall - self._book_drawn_wall < BOOK_SECONDS:
            return
        self._book_due, self._book_drawn_wall, self._book_drawn_second = False, wall, int(now)
        books = self.books
        valued = books.valued(store, now)
        if valued is not None:
            self.main_widget(PortfolioLine).show(valued, index=books.current, count=len(books))

    def _check_alerts(self, wl: Watchlist, now: float) -> None:
        if not self.alerts.rules:
            return
        book_values = None
        if self.books is not None and any(r.kind == "pnl" for r in self.alerts.rules):
            book_values = self.books.all_values(self.runtime.store, now)
        for alert in self.alerts.check(self.runtime.store, wl, now, books=book_values):
            self.alerts_fired.append(alert)
            self.notify(alert.message, title="Alert", severity="warning", timeout=10)
            if self.config.alert_bell:
                self.bell()

    def _history_settled(self, symbol: str) -> bool:
        """Whether the feed will bring no more of `symbol`'s daily history (held, or refused by the source)."""
        settled = getattr(getattr(self.runtime, "feed", None), "history_settled", None)
        return symbol in self.runtime.store.history if settled is None else bool(settled(symbol))

    def check_alerts_now(self) -> None:
        """Check the rules at once (one just added or switched on), not at the next new quote: a rule already true
        says so now, even on a market that is shut."""
        if self.watchlist is not None:
            self._check_alerts(self.watchlist, self.runtime.clock.now())

    def _tick_second(self) -> None:
        """Once a second: the clocks and status line, sparklines to seed, and the refresh while it is paused
        (one timer, not three: every wake-up of the event loop costs CPU)."""
        self._tick_clock()
        if self._quitting:
            return
        try:
            self.spark_seeder.tick()
        except Exception:  # a background nicety: never take the app down
            log.exception("sparkline seeding failed")
        if self.books is not None and len(self.screen_stack) <= 1:
            try:  # a change held back by the once-a-second pace is drawn now, whatever the refresh does
                self._draw_book_line(self.runtime.store, self.runtime.clock.now())
            except Exception:
                log.exception("book summary refresh failed")
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
            self.main_widget(WatchHeader).set_time(now)
            status = self.runtime.status()
            self.main_widget(StatusLine).show(status, now)
            self._tell_notice(getattr(status, "notice", None))
        except Exception:
            log.exception("clock refresh failed")

    def _tell_notice(self, notice: str | None) -> None:
        """A source's notice (Yahoo unreachable: which figures are missing) as a notification, once each time it
        appears; the status line keeps saying it meanwhile."""
        if notice and notice != self._notice_told:
            self.notify(notice, title="Sources", severity="warning", timeout=30)
        self._notice_told = notice
