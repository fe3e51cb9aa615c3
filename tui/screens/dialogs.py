"""Small modal screens: add a symbol, confirm, new watchlist, filter the board, add an alert.

Each keeps itself open with the text typed and the reason while what was typed cannot be done: keys pressed
next go to the dialog, never to the board as shortcuts."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Static

from tui.screens.steady import SteadyModalScreen
from tui.widgets.plain import plain

# check(symbol) -> (display name from the source or None when the source says "not found")
Checker = Callable[[str], Awaitable["str | None"]]


@dataclass(frozen=True)
class NewSymbol:
    symbol: str
    name: str
    side: str


@dataclass(frozen=True)
class NewList:
    name: str
    title: str
    first: NewSymbol


def _side_guess(symbol: str) -> str:
    from tui.watchlist_edit import guess_side

    return guess_side(symbol)


class _Dialog(SteadyModalScreen):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel", id="dialog.cancel")]
    DEFAULT_CSS = """
    _Dialog, AddSymbolScreen, ConfirmScreen, NewWatchlistScreen, FilterScreen, PromptScreen,
    AlertScreen { align: center middle; }
    .dialog-box { width: 64; max-width: 100%; height: auto; max-height: 100%; border: round $accent;
                  background: $surface; padding: 0 1; }
    .dialog-box Input { margin: 0; }
    /* under 30 rows the inputs lose their borders (one row each), so the longest dialog fits a 60x20 terminal */
    _Dialog.-short .dialog-box Input, AddSymbolScreen.-short .dialog-box Input,
    NewWatchlistScreen.-short .dialog-box Input, FilterScreen.-short .dialog-box Input,
    PromptScreen.-short .dialog-box Input, AlertScreen.-short .dialog-box Input {
        border: none; height: 1; padding: 0 1; margin-bottom: 1; background: $boost;
    }
    _Dialog.-short .dialog-box Input:focus, AddSymbolScreen.-short .dialog-box Input:focus,
    NewWatchlistScreen.-short .dialog-box Input:focus, FilterScreen.-short .dialog-box Input:focus,
    PromptScreen.-short .dialog-box Input:focus, AlertScreen.-short .dialog-box Input:focus {
        background: $accent 30%;
    }
    .dialog-error { color: $error; height: auto; }
    .dialog-hint { color: $text-muted; height: auto; }
    .dialog-buttons { height: auto; align-horizontal: right; }
    """

    def action_cancel(self) -> None:
        self.dismiss(None)


class AddSymbolScreen(_Dialog):
    """Symbol, side (us/cn, guessed from the suffix), display name (default: the source's name).

    The symbol is checked against the data source before the screen closes with a NewSymbol."""

    def __init__(self, check: Checker, *, title: str = "Add a symbol", known: set[str] | None = None) -> None:
        super().__init__()
        self.check = check
        self.heading = title
        self.known = known or set()
        self.busy = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box", id="add-box"):
            yield Label(plain(self.heading), classes="help-heading")
            yield Input(placeholder="Yahoo symbol, e.g. AMD, 0700.HK, 688256.SS", id="add-symbol")
            yield Input(placeholder="side: us or cn (default from the suffix)", id="add-side")
            yield Input(placeholder="name (default: the data source's)", id="add-name")
            yield Static("", classes="dialog-error", id="add-error")
            yield Static("Enter: check with the data source and add · Escape: cancel", classes="dialog-hint")

    FIRST = "#add-symbol"  # the input focused on opening

    def on_mount(self) -> None:
        self.query_one(self.FIRST, Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.submit()

    def _error(self, text: str) -> None:
        self.query_one("#add-error", Static).update(plain(text))  # it may quote the source's error

    def submit(self) -> None:
        if self.busy:
            return
        from tui.watchlists import symbol_problem

        symbol = self.query_one("#add-symbol", Input).value.strip().upper()
        if not symbol:
            self._error("type a symbol")
            return
        problem = symbol_problem(symbol)
        if problem:
            self._error(problem)
            return
        if symbol in self.known:
            self._error(f"{symbol} is already on this list")
            return
        side = self.query_one("#add-side", Input).value.strip().lower() or _side_guess(symbol)
        if side not in ("us", "cn"):
            self._error('side must be "us" or "cn"')
            return
        self.busy = True
        self._error(f"checking {symbol} with the data source…")
        self._check(symbol, side, self.query_one("#add-name", Input).value.strip())

    @work(exclusive=True, group="check")
    async def _check(self, symbol: str, side: str, name: str) -> None:
        try:
            found = await self.check(symbol)
        except Exception as exc:  # noqa: BLE001 - say it, keep the dialog open
            self._error(f"could not check {symbol}: {exc}")
            self.busy = False
            return
        self.busy = False
        if found is None:
            self._error(f"not found: the data source has no symbol {symbol}")
            return
        self.dismiss(NewSymbol(symbol, name or found or symbol, side))


class NewWatchlistScreen(AddSymbolScreen):
    """A new user watchlist: its file name, its title and a first symbol (a list holds at least one)."""

    def __init__(self, check: Checker, *, existing: set[str]) -> None:
        super().__init__(check, title="New watchlist")
        self.existing = existing

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box", id="new-box"):
            yield Label(plain(self.heading), classes="help-heading")
            yield Input(placeholder="name (file name): lower case, e.g. my-chips", id="new-name")
            yield Input(placeholder="title, e.g. My chips", id="new-title")
            yield Input(placeholder="first symbol, e.g. NVDA", id="add-symbol")
            yield Input(placeholder="side: us or cn (default from the suffix)", id="add-side")
            yield Input(placeholder="name of the symbol (default: the data source's)", id="add-name")
            yield Static("", classes="dialog-error", id="add-error")
            yield Static("Enter: check the symbol and create · Escape: cancel", classes="dialog-hint")

    FIRST = "#new-name"

    def submit(self) -> None:
        from tui.watchlist_edit import NAME_RE

        name = self.query_one("#new-name", Input).value.strip().lower()
        if not NAME_RE.match(name):
            self._error("the name is lower case letters, digits, - or _ (it becomes the file name)")
            return
        if name in self.existing:
            self._error(f"there is already a watchlist named {name!r}")
            return
        super().submit()

    def dismiss(self, result=None):  # type: ignore[override]
        if isinstance(result, NewSymbol):
            name = self.query_one("#new-name", Input).value.strip().lower()
            title = self.query_one("#new-title", Input).value.strip() or name
            result = NewList(name, title, result)
        return super().dismiss(result)


class ConfirmScreen(_Dialog):
    """A yes/no question: y or Enter confirms, n or Escape cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "yes", "Yes", id="confirm.yes"),
        Binding("n,escape", "cancel", "No", id="confirm.no"),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box", id="confirm-box"):
            yield Static(plain(self.question), id="confirm-question")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Yes (y)", id="confirm-yes", variant="error")
                yield Button("No (n)", id="confirm-no")

    def on_mount(self) -> None:
        self.query_one("#confirm-no", Button).focus()

    @on(Button.Pressed, "#confirm-yes")
    def action_yes(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#confirm-no")
    def action_cancel(self) -> None:
        self.dismiss(False)


class FilterScreen(_Dialog):
    """Text to filter the board by (symbol or name, case-insensitive); empty clears the filter."""

    def __init__(self, current: str = "") -> None:
        super().__init__()
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box", id="filter-box"):
            yield Input(value=self.current, placeholder="filter: part of a symbol or name (empty: show all)",
                        id="filter-input")
            yield Static("Enter: apply · Escape: cancel · us / cn: one side only", classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one("#filter-input", Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.submit_text(event.value.strip())

    def submit_text(self, text: str) -> None:
        self.dismiss(text)


class PromptScreen(FilterScreen):
    """One line of text with a hint; Enter returns it, Escape returns None."""

    def __init__(self, hint: str, placeholder: str, value: str = "") -> None:
        super().__init__(value)
        self.hint = hint
        self.placeholder = placeholder

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box", id="prompt-box"):
            yield Static(plain(self.hint), id="prompt-hint")
            yield Input(value=self.current, placeholder=self.placeholder, id="filter-input")
            yield Static("", classes="dialog-error", id="prompt-error")


class AlertScreen(PromptScreen):
    """The `!` dialog: one line adds a rule on the symbol under the cursor, the pair marked in the pairs panel,
    or the concentration gauges of the watchlist on screen.

    `parse(text)` (tui/alerts.py parse_rule_text, with what the rule is about) turns the line into a rule or raises
    ValueError with the reason; the dialog then stays open with the text and the reason, and closes with the rule
    only when it is one."""

    def __init__(self, symbol: str | None, pair: str | None, watchlist_title: str,
                 parse: Callable[[str], object] | None = None) -> None:
        lines = ["Add an alert (saved to the config file):"]
        if symbol:
            lines.append(f"  {symbol}: above N · below N (price) · move N (% today)")
            lines.append(f"  {symbol}, at each new quarter: capex N (% of revenue) · leverage N (net debt / EBITDA)")
        if pair:
            lines.append(f"  pair {pair} (marked in the pairs panel, p): z N (|spread z-score| beyond N)")
        lines.append(f"  {watchlist_title}: hhi N (HHI 0–10,000) · top1 N · top3 N (share, %)")
        super().__init__("\n".join(lines), "e.g. above 200, z 2, hhi 2500")
        self.symbol = symbol
        self.pair = pair
        self.parse = parse

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box", id="prompt-box"):
            yield Static(plain(self.hint), id="prompt-hint")
            yield Input(value=self.current, placeholder=self.placeholder, id="filter-input")
            yield Static("", classes="dialog-error", id="prompt-error")
            yield Static("Enter: add · Escape: cancel", classes="dialog-hint")

    def submit_text(self, text: str) -> None:
        if not text:
            self.dismiss(None)
            return
        if self.parse is None:
            self.dismiss(text)
            return
        try:
            rule = self.parse(text)
        except ValueError as exc:
            self.query_one("#prompt-error", Static).update(plain(f"not added: {exc}"))
            return
        self.dismiss(rule)
