"""The alerts screen (`l`) with Pilot against a StaticRuntime: every rule listed, Space switches one off and on,
Delete removes it after y; the config file follows, its comments kept; the `!` dialog keeps a rule with an error
open, with the text and the reason, so the next keys never reach the board."""

from __future__ import annotations

import pytest
from ui_support import StaticRuntime, wait_for, watchlists

from tui.app import AiwatchApp
from tui.config import DEFAULT_TEXT, load_config
from tui.screens.alerts import AlertsScreen
from tui.screens.dialogs import AddSymbolScreen, AlertScreen, ConfirmScreen
from tui.widgets.board import QuoteBoard

pytestmark = pytest.mark.usefixtures("user_dirs")

RULES = '''
# my alerts, by hand
[[alerts]]  # the big one
kind = "price"
symbol = "NVDA"
above = 200

[[alerts]]
kind = "concentration"
gauge = "top3"
above = 70
'''


def rules_text(screen: AlertsScreen) -> list[str]:
    from textual.widgets import OptionList

    options = screen.query_one("#alerts-rules", OptionList)
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


async def test_rules_are_listed_switched_off_and_on_and_deleted_with_the_config_kept(tmp_path):
    cfg = tmp_path / "cfg" / "config.toml"
    cfg.parent.mkdir(parents=True)
    cfg.write_text(DEFAULT_TEXT + RULES)
    config, problems = load_config(cfg)
    assert problems == []
    app = AiwatchApp(StaticRuntime(), watchlists(), config=config)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.refreshes >= 2)
        # top3 is 98.x % on this list: already true, it fired at the first check
        await wait_for(pilot, lambda: any("top-3 share already above 70%" in a.message for a in app.alerts_fired))
        await pilot.press("l")
        await wait_for(pilot, lambda: isinstance(app.screen, AlertsScreen))
        screen = app.screen
        shown = rules_text(screen)
        assert shown[0].startswith("● on") and "NVDA (regular-session price) crosses above 200" in shown[0]
        assert "top-3 share above 70%" in shown[1] and "fired 1× this session" in shown[1]
        await pilot.press("space")  # the first rule off
        await wait_for(pilot, lambda: rules_text(screen)[0].startswith("○ off"))
        assert not app.alerts.rules[0].enabled
        assert "off: NVDA (regular-session price) crosses above 200" in str(screen.query_one("#alerts-said").render())
        saved = load_config(cfg)[0].alerts
        assert saved[0] == {"kind": "price", "symbol": "NVDA", "above": 200, "enabled": False}
        await pilot.press("space")  # and on again
        await wait_for(pilot, lambda: rules_text(screen)[0].startswith("● on"))
        assert "enabled" not in load_config(cfg)[0].alerts[0]
        await pilot.press("down", "delete")  # delete the second: asks first
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(pilot, lambda: app.screen is screen and len(rules_text(screen)) == 1)
        assert [r.kind for r in app.alerts.rules] == ["price"]
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, AlertsScreen))
        await pilot.press("q")
    text = cfg.read_text()
    assert "# my alerts, by hand" in text and "# the big one" in text
    assert text.startswith(DEFAULT_TEXT.split("[keys]")[0])
    assert [dict(t) for t in load_config(cfg)[0].alerts] == [{"kind": "price", "symbol": "NVDA", "above": 200}]


@pytest.mark.parametrize("text, reason", [
    ("above -5", "above -5: a price level must be more than 0, got -5"),
    ("hhi 99999", "hhi 99999: an HHI runs from 0 to 10,000, got 99,999"),
    ("top1 150", "top1 150: a share is a percent more than 0 and at most 100, got 150"),
])
async def test_a_rule_with_an_error_keeps_the_dialog_open_and_the_next_keys_in_it(text, reason):
    app = AiwatchApp(StaticRuntime(), watchlists())
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.refreshes >= 2)
        await pilot.press("exclamation_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, AlertScreen))
        dialog = app.screen
        await pilot.press(*text, "enter")
        await wait_for(pilot, lambda: reason in str(dialog.query_one("#prompt-error").render()))
        assert app.screen is dialog and dialog.query_one("#filter-input").value == text
        # typing on: "above" would have been the board's `a` (add a symbol) had the dialog closed
        await pilot.press("ctrl+u", *"above 250", "enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, AlertScreen))
        assert not isinstance(app.screen, AddSymbolScreen)
        assert [r.describe() for r in app.alerts.rules] == ["NVDA (regular-session price) crosses above 250"]
        # the same rule again is refused in the dialog, which says so
        await pilot.press("exclamation_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, AlertScreen))
        dialog = app.screen
        await pilot.press(*"above 250", "enter")
        await wait_for(pilot, lambda: "already a rule: NVDA (regular-session price) crosses above 250" in
                       str(dialog.query_one("#prompt-error").render()))
        await pilot.press("escape")
        assert app.query_one(QuoteBoard).cursor_symbol == "NVDA"
