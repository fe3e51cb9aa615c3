"""The alerts screen (`l`): every rule, switched on or off and deleted here, and the alerts log, newest last.

What a rule's switch or deletion does to the config file is the app's (tui/main_actions.py): this screen asks for
it through `AlertsScreen.Edit` and shows what came back. On the demo (`simulated`) a DEMO badge says its alerts are
on simulated prices; their log lines start with DEMO.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from tui.format import short_path
from tui.screens.steady import SteadyModalScreen
from tui.widgets.plain import plain

if TYPE_CHECKING:
    from tui.alerts import AlertEngine, Rule

# (rule, on) -> a sentence saying what was done; (rule, None) deletes it
RuleEditor = Callable[["Rule", "bool | None"], str]


def rule_prompt(rule: Rule, fired: int = 0, last: float | None = None) -> Content:
    """`● on   NVDA crosses above 200 · fired 2× (last 15:02 UTC)`; a rule switched off reads `○ off`."""
    mark = ("● on  ", "bold $success") if rule.enabled else ("○ off ", "$text-muted")
    what = plain(rule.describe())  # names from the user's files: text, never markup
    parts: list[tuple[str, str] | str | Content] = [mark, what if rule.enabled else what.stylize("$text-muted")]
    if rule.note:
        parts.append(plain(f" · {rule.note}").stylize("$text-muted"))
    if fired:
        when = datetime.fromtimestamp(last, UTC).strftime("%H:%M UTC") if last is not None else ""
        parts.append((f" · fired {fired}× this session" + (f" (last {when})" if when else ""), "$text-muted"))
    return Content.assemble(*parts)


class AlertsScreen(SteadyModalScreen[None]):
    """↑↓ pick a rule, Space switches it on or off, Delete (or x) deletes it after a y/n question; Escape closes."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,l", "close", "Close", id="alerts.close"),
        Binding("space", "toggle", "On/off", tooltip="Switch the rule under the cursor on or off", id="alerts.toggle"),
        Binding("delete,x", "delete", "Delete", key_display="Del / x", tooltip="Delete the rule under the cursor",
                id="alerts.delete"),
    ]
    DEFAULT_CSS = """
    AlertsScreen { align: center middle; }
    #alerts-box { width: 100%; max-width: 110; height: 100%; max-height: 40; border: round $accent;
                  background: $surface; padding: 0 1; }
    #alerts-badge.-demo { background: $warning; color: $background; text-style: bold; width: auto; }
    #alerts-rules { height: auto; max-height: 40%; border: none; padding: 0; background: $surface; }
    #alerts-rules:focus { border: none; }
    #alerts-scroll { height: 1fr; }
    .alerts-heading { text-style: bold; color: $accent; }
    #alerts-said { color: $text-muted; height: auto; }
    """
    MAX_LINES = 500

    def __init__(self, engine: AlertEngine, edit: RuleEditor, *, simulated: bool = False) -> None:
        super().__init__()
        self.engine = engine
        self.edit = edit
        self.path: Path | None = engine.log_path
        self.simulated = simulated

    # -- what is shown ---------------------------------------------------------------------------------
    def _fired(self, rule: Rule) -> tuple[int, float | None]:
        table = rule.switched_on.to_table()
        times = [a.time for a in self.engine.fired if {**a.rule, "enabled": True} == {**table, "enabled": True}]
        return len(times), (max(times) if times else None)

    def _options(self) -> list[Option]:
        return [Option(rule_prompt(rule, *self._fired(rule)), id=str(n)) for n, rule in enumerate(self.engine.rules)]

    def log_text(self) -> str:
        if self.path is None:
            return "(no alerts log)"
        try:
            lines = self.path.read_text(encoding="utf-8", errors="replace").splitlines()[-self.MAX_LINES:]
        except FileNotFoundError:
            return "(no alert has fired yet)"
        except OSError as exc:
            return f"cannot read {self.path}: {exc}"
        return "\n".join(lines) or "(no alert has fired yet)"

    def compose(self) -> ComposeResult:
        with Vertical(id="alerts-box"):
            yield Static(Content.assemble(("Alerts", "bold $accent")))
            if self.simulated:
                from tui.widgets.header import DEMO_BADGE

                yield Static(f"{DEMO_BADGE}: alerts on simulated prices", id="alerts-badge", classes="-demo",
                             markup=False)
            yield Static(Content.assemble(("Rules ", "bold $accent"),
                                          ("Space on/off · Del or x deletes · ! on the board adds", "$text-muted")),
                         classes="alerts-heading", id="alerts-rules-heading")
            yield OptionList(*self._options(), id="alerts-rules")
            yield Static(Content(self._empty_text()), id="alerts-empty")
            yield Static("", id="alerts-said")
            yield Static(Content.assemble(("Log ", "bold $accent"), (short_path(self.path or "", 100), "$text-muted")),
                         classes="alerts-heading")
            with VerticalScroll(id="alerts-scroll"):
                yield Static(plain(self.log_text()), id="alerts-text")
            yield Static("Escape closes", classes="dialog-hint")

    def _empty_text(self) -> str:
        return "" if self.engine.rules else "(no rules: add them with ! on the board, or in config.toml)"

    def on_mount(self) -> None:
        self.query_one("#alerts-scroll", VerticalScroll).scroll_end(animate=False)
        rules = self.query_one("#alerts-rules", OptionList)
        rules.display = bool(self.engine.rules)
        self.query_one("#alerts-empty", Static).display = not self.engine.rules
        if self.engine.rules:
            rules.highlighted = 0
            rules.focus()

    def _redraw(self, keep: int) -> None:
        rules = self.query_one("#alerts-rules", OptionList)
        rules.clear_options()
        rules.add_options(self._options())
        rules.display = bool(self.engine.rules)
        empty = self.query_one("#alerts-empty", Static)
        empty.update(Content(self._empty_text()))
        empty.display = not self.engine.rules
        if self.engine.rules:
            rules.highlighted = max(0, min(keep, len(self.engine.rules) - 1))

    def _said(self, text: str) -> None:
        self.query_one("#alerts-said", Static).update(Content(text))

    # -- keys ------------------------------------------------------------------------------------------
    def _current(self) -> tuple[int, Rule] | None:
        index = self.query_one("#alerts-rules", OptionList).highlighted
        if index is None or not 0 <= index < len(self.engine.rules):
            return None
        return index, self.engine.rules[index]

    def action_toggle(self) -> None:
        current = self._current()
        if current is None:
            return
        index, rule = current
        self._said(self.edit(rule, not rule.enabled))
        self._redraw(index)

    def action_delete(self) -> None:
        from tui.screens.dialogs import ConfirmScreen

        current = self._current()
        if current is None:
            return
        index, rule = current

        def answered(yes: bool | None) -> None:
            if yes:
                self._said(self.edit(rule, None))
                self._redraw(index)

        self.app.push_screen(ConfirmScreen(f"Delete the alert rule\n  {rule.describe()}\n(from the config file too)?"),
                             answered)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()  # Enter does nothing to a rule: Space and Delete say what they do

    def action_close(self) -> None:
        self.dismiss(None)
