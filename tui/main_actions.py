"""What the main screen's keys do to the user's data: edit watchlists, sort and filter, open a symbol, export,
add alerts, read the alerts log.

The app owns the screen and the refresh loop; it hands each of these keys to `MainActions`, which talks to the
dialogs, the watchlist editor, the exporter and the alert engine, and tells the user what happened. Every path
here ends in a notification: a key never does something silently.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from textual.binding import Binding

from tui.format import short_path

if TYPE_CHECKING:
    from tui.alerts import AlertEngine
    from tui.config import Config
    from tui.model import Watchlist

_W = TypeVar("_W")

log = logging.getLogger(__name__)

# The keys handled here, with the ids users remap under [keys] in config.toml. They act on the main screen only.
BINDINGS: list[Binding] = [
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
            tooltip="Add an alert: the symbol under the cursor (above N, below N, move N%; at each new quarter "
                    "capex N% of revenue, leverage N× net debt / EBITDA), the pair marked in the pairs panel (z N), "
                    "or concentration (hhi N, top1 N%)", id="app.add_alert"),
    Binding("l", "alerts_log", "Alerts", show=False,
            tooltip="Alerts: the rules (switch on and off, delete) and the alerts log", id="app.alerts_log"),
]
ACTIONS = tuple(b.action for b in BINDINGS)


class MainScreenHost(Protocol):
    """What these actions need of the app (tui.app.AiwatchApp)."""

    runtime: Any
    watchlists: Sequence[Watchlist]
    stale_after: float
    alerts: AlertEngine
    config: Config
    last_export: tuple | None
    size: Any

    @property
    def watchlist(self) -> Watchlist | None: ...
    def main_widget(self, cls: type[_W]) -> _W: ...
    def replace_watchlist(self, new: Watchlist, *, cursor: str | None = None) -> None: ...
    def push_screen(self, screen: Any, callback: Callable[[Any], Any] | None = None) -> Any: ...
    def notify(self, message: str, *, title: str = "", severity: Any = "information",
               timeout: float | None = None) -> None: ...
    def check_alerts_now(self) -> None: ...


class MainActions:
    """The main screen's editing, sort / filter, symbol, export and alert actions, for `app`."""

    def __init__(self, app: MainScreenHost) -> None:
        self.app = app

    def short(self, path) -> str:
        """`path` shortened to one line of a toast at the terminal's width (Textual's toasts are at most 60 cells
        wide and half the screen, less their border and padding)."""
        width = getattr(self.app.size, "width", 80) or 80
        return short_path(path, max(20, min(60, width // 2) - 4))

    # -- watchlist editing -----------------------------------------------------------------------------------
    async def lookup_symbol(self, symbol: str) -> str | None:
        """Ask the data source for `symbol`: its display name, or None when the source says "not found"."""
        lookup = getattr(self.app.runtime, "lookup", None)
        if lookup is None:
            raise RuntimeError("this data source cannot check symbols")
        from tui.sanitize import clean_name

        quote = await lookup(symbol)
        if quote is None:
            return None
        # the parsers clean a source's names; this is the second line for any source behind `lookup`
        return clean_name(getattr(quote, "short_name", None) or "") or symbol

    def add_symbol(self) -> None:
        from tui.screens.dialogs import AddSymbolScreen

        wl = self.app.watchlist
        if wl is None:
            return
        self.app.push_screen(AddSymbolScreen(self.lookup_symbol, title=f"Add a symbol to {wl.title}",
                                             known=set(wl.symbols)), self._symbol_added)

    def _symbol_added(self, result) -> None:
        from tui.watchlist_edit import EditError, add_symbol

        wl = self.app.watchlist
        if result is None or wl is None:
            return
        try:
            new = add_symbol(wl, result.symbol, result.name, result.side)
        except (EditError, OSError) as exc:
            self.app.notify(f"{result.symbol} not added: {exc}", severity="error", timeout=10)
            return
        copy = " (your copy of the shipped list)" if wl.shipped else ""
        self.app.replace_watchlist(new, cursor=result.symbol)
        self.app.notify(f"added {result.symbol} to {new.title}{copy}\nsaved to {self.short(new.path)}")

    def remove_symbol(self) -> None:
        from tui.screens.dialogs import ConfirmScreen
        from tui.watchlist_edit import target_path
        from tui.widgets.board import QuoteBoard

        wl = self.app.watchlist
        symbol = self.app.main_widget(QuoteBoard).cursor_symbol
        if wl is None or symbol is None:
            return
        name = next((i.name for i in wl.instruments if i.symbol == symbol), symbol)
        where = f"\n(saved to {target_path(wl)}: your copy of the shipped list)" if wl.shipped else ""
        self.app.push_screen(ConfirmScreen(f"Remove {symbol} ({name}) from {wl.title}?{where}"),
                             lambda yes: self._symbol_removed(wl, symbol, yes))

    def _symbol_removed(self, wl: Watchlist, symbol: str, yes: bool | None) -> None:
        from tui.watchlist_edit import EditError, remove_symbol

        if not yes:
            return
        try:
            new = remove_symbol(wl, symbol)
        except (EditError, OSError) as exc:
            self.app.notify(f"{symbol} not removed: {exc}", severity="error", timeout=10)
            return
        self.app.replace_watchlist(new)
        self.app.notify(f"removed {symbol} from {new.title}\nsaved to {self.short(new.path)}")

    def new_watchlist(self) -> None:
        from tui.screens.dialogs import NewWatchlistScreen

        existing = {w.name for w in self.app.watchlists}
        self.app.push_screen(NewWatchlistScreen(self.lookup_symbol, existing=existing), self._watchlist_created)

    def _watchlist_created(self, result) -> None:
        from tui.watchlist_edit import EditError, create_watchlist

        if result is None:
            return
        try:
            new = create_watchlist(result.name, result.title, result.first.symbol, result.first.name,
                                   result.first.side, existing={w.name for w in self.app.watchlists})
        except (EditError, OSError) as exc:
            self.app.notify(f"watchlist not created: {exc}", severity="error", timeout=10)
            return
        self.app.replace_watchlist(new)
        self.app.notify(f"created {new.title}; add symbols with a\nsaved to {self.short(new.path)}")

    # -- the board's order and rows ---------------------------------------------------------------------------
    def sort(self) -> None:
        from tui.widgets.board import SORT_LABELS, QuoteBoard

        board = self.app.main_widget(QuoteBoard)
        key = board.cycle_sort(self.app.runtime.store, self.app.runtime.clock.now())
        self.app.notify(f"sorted by {SORT_LABELS[key]}", timeout=3)

    def filter(self) -> None:
        from tui.screens.dialogs import FilterScreen
        from tui.widgets.board import QuoteBoard

        self.app.push_screen(FilterScreen(self.app.main_widget(QuoteBoard).filter_text), self._filtered)

    def _filtered(self, text: str | None) -> None:
        from tui.widgets.board import QuoteBoard

        if text is None:
            return
        board = self.app.main_widget(QuoteBoard)
        board.set_filter(text, self.app.runtime.store, self.app.runtime.clock.now())
        if text:
            self.app.notify(f"filter {text!r}: {len(board.instruments)} of {len(board._source)} shown "
                            "(/ then Enter on an empty line shows all)", timeout=5)
        else:
            self.app.notify("filter cleared", timeout=3)

    def open_symbol(self) -> None:
        from tui.screens.symbol import SymbolScreen
        from tui.widgets.board import QuoteBoard

        board = self.app.main_widget(QuoteBoard)
        if not board.instruments:
            return
        self.app.push_screen(SymbolScreen(self.app.runtime, board.instruments[board.cursor],
                                          stale_after=self.app.stale_after))

    # -- export ---------------------------------------------------------------------------------------------------
    def export(self) -> None:
        from tui.export import export_csv

        app, wl = self.app, self.app.watchlist
        if wl is None:
            return
        runtime = app.runtime
        try:
            sources_info = getattr(runtime, "sources_info", None)  # each row names its own source
            paths = export_csv(runtime.store, wl, now=runtime.clock.now(), source=runtime.source,
                               stale_after=app.stale_after, source_url=getattr(runtime, "source_url", None),
                               sources=sources_info() if sources_info is not None else None)
        except OSError as exc:
            app.notify(f"export failed: {exc}", severity="error", timeout=10)
            return
        app.last_export = paths
        # the folder, then each file on a line of its own: a path is never broken in the middle of a word
        app.notify(f"exported {wl.title} to {self.short(paths[0].parent)}/\n{paths[0].name}\n{paths[1].name}",
                   title="Export", timeout=10)

    # -- alerts -----------------------------------------------------------------------------------------------
    def _alert_pair(self) -> str | None:
        """The pair marked in the pairs panel (its first pair until one is picked), None without pairs."""
        from tui.widgets.pairs import PairsPanel

        wl = self.app.watchlist
        if wl is None or not wl.pairs:
            return None
        selected = self.app.main_widget(PairsPanel).selected
        return wl.pairs[max(0, min(selected, len(wl.pairs) - 1))].name

    def add_alert(self) -> None:
        from tui.alerts import parse_rule_text
        from tui.screens.dialogs import AlertScreen
        from tui.widgets.board import QuoteBoard

        wl = self.app.watchlist
        if wl is None:
            return
        symbol = self.app.main_widget(QuoteBoard).cursor_symbol
        pair = self._alert_pair()

        def parse(text: str):
            rule = parse_rule_text(text, symbol, pair, wl.name)
            held = self.app.alerts.find(rule)
            if held is not None:
                state = "" if held.enabled else " (switched off: l switches it on)"
                raise ValueError(f"already a rule: {held.describe()}{state}")
            return rule

        self.app.push_screen(AlertScreen(symbol, pair, wl.title, parse), self.alert_added)

    def alert_added(self, rule) -> None:
        """Add `rule` (from the `!` dialog, already checked there), save it to the config, check it at once: a rule
        already true says so now, not at the next quote."""
        from tui.config import append_alert

        app = self.app
        if rule is None:
            return
        try:
            app.alerts.add(rule)
        except ValueError as exc:
            app.notify(f"no alert added: {exc}", severity="warning")
            return
        try:
            path = append_alert(rule.to_table(), app.config.path)
        except (OSError, ValueError, TypeError) as exc:  # unwritable, broken TOML, `alerts` not [[alerts]]
            app.notify(f"alert on for this session only (config not saved: {exc})", severity="warning")
        else:
            app.notify(f"alert added: {rule.describe()}\nsaved to {self.short(path)}")
        app.check_alerts_now()

    def edit_rule(self, rule, on: bool | None) -> str:
        """Switch `rule` on or off (`on`), or delete it (`on` None), here and in the config file; says what was
        done (the alerts screen shows it)."""
        from tui.config import update_alert

        alerts = self.app.alerts
        if on is None:
            alerts.remove(rule)
            done = f"deleted: {rule.describe()}"
        else:
            rule = alerts.set_enabled(rule, on)
            done = f"{'on' if on else 'off'}: {rule.describe()}"
        try:
            path = update_alert(rule.to_table(), self.app.config.path, enabled=on, delete=on is None)
        except (OSError, ValueError, TypeError) as exc:
            return f"{done}, for this session only (config not saved: {exc})"
        if path is None:
            return f"{done} (not in the config file: a rule of this session only)"
        if on:
            self.app.check_alerts_now()
        return f"{done} · saved to {short_path(path, 60)}"

    def alerts_log(self) -> None:
        from tui.screens.alerts import AlertsScreen

        alerts = self.app.alerts
        self.app.push_screen(AlertsScreen(alerts, self.edit_rule, simulated=alerts.simulated))

