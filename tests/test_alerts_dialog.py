"""Alerts added from the `!` dialog, with Pilot on the demo (seeded simulator, frozen clock): a pair z-score rule
(the pair marked in the pairs panel) and a concentration rule, saved to the config file like the others; the
dialog's short forms."""

from __future__ import annotations

import pytest
from e2e_support import demo_app, type_into, until_ready, wait_for

from tui.alerts import Rule, parse_rule, parse_rule_text
from tui.config import load_config
from tui.screens.dialogs import AlertScreen
from tui.widgets.pairs import PairsPanel

pytestmark = pytest.mark.usefixtures("user_dirs")


def test_short_forms_for_pairs_and_concentration():
    assert parse_rule_text("z 2", "NVDA", "US vs CN GPUs") == Rule("zscore", pair="US vs CN GPUs", beyond=2.0)
    assert parse_rule_text("zscore ±1.5", None, "X") == Rule("zscore", pair="X", beyond=1.5)
    assert parse_rule_text("hhi 2500", None, None, "chips") == Rule("concentration", gauge="hhi", above=2500.0,
                                                                      watchlist="chips")
    assert parse_rule_text("top1 40%", None) == Rule("concentration", gauge="top1", above=40.0)
    with pytest.raises(ValueError, match="no pair"):
        parse_rule_text("z 2", "NVDA", None)
    with pytest.raises(ValueError, match="no symbol"):
        parse_rule_text("above 2", None, "X")
    assert "on chips" in parse_rule_text("top3 70", None, None, "chips").describe()


async def _add_alert(app, pilot, text: str) -> None:
    await pilot.press("exclamation_mark")
    await wait_for(lambda: isinstance(app.screen, AlertScreen))
    await type_into(pilot, text)
    await pilot.press("enter")
    await wait_for(lambda: not isinstance(app.screen, AlertScreen))


async def test_alert_dialog_adds_pair_zscore_and_concentration_rules(tmp_path):
    config, _ = load_config()
    app = demo_app(config=config, history=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await until_ready(app)
        wl = app.watchlist
        assert len(wl.pairs) >= 2, "the chips list has several pairs"
        # mark the second pair in the pairs panel (p focuses it, ↓ moves the mark), back to the board
        await pilot.press("p")
        await pilot.press("down")
        await wait_for(lambda: app.query_one(PairsPanel).selected == 1)
        await pilot.press("escape")
        pair = wl.pairs[1].name
        await pilot.press("exclamation_mark")
        await wait_for(lambda: isinstance(app.screen, AlertScreen))
        hint = str(app.screen.query_one("#prompt-hint").render())
        assert pair in hint and "z N" in hint and "hhi N" in hint
        await pilot.press("escape")
        await wait_for(lambda: not isinstance(app.screen, AlertScreen))

        await _add_alert(app, pilot, "z 0.0001")
        await _add_alert(app, pilot, "hhi 1")
        await wait_for(lambda: len(app.alerts.rules) == 2)
        z_rule, c_rule = app.alerts.rules
        assert z_rule == Rule("zscore", pair=pair, beyond=0.0001)
        assert c_rule == Rule("concentration", gauge="hhi", above=1.0, watchlist=wl.name)
        # both are checked on the simulator (a z-score beyond 0.0001 once the year's history is in; any HHI above
        # 1): already true at their first look, so each fires once, saying "already"
        await wait_for(lambda: app.alerts.state(c_rule, wl.name) == "fired", timeout=20)
        await wait_for(lambda: app.alerts.state(z_rule, f"{wl.name}/{pair}") == "fired", timeout=30)
        assert {k[1] for k in app.alerts._state if k[0] == z_rule} == {f"{wl.name}/{pair}"}  # only the marked pair
        messages = sorted(a.message for a in app.alerts_fired)
        assert len(messages) == 2 and all("already" in m for m in messages), messages
        assert any(m.startswith(f"DEMO · {wl.title}: HHI already above 1: ") for m in messages), messages
        # a z rule with nothing sensible: the dialog stays open with the text and the reason; nothing is added
        await pilot.press("exclamation_mark")
        await wait_for(lambda: isinstance(app.screen, AlertScreen))
        dialog = app.screen
        await type_into(pilot, "z many")
        await pilot.press("enter")
        await wait_for(lambda: "not a number" in str(dialog.query_one("#prompt-error").render()))
        assert app.screen is dialog and dialog.query_one("#filter-input").value == "z many"
        assert len(app.alerts.rules) == 2
        await pilot.press("escape")
        await pilot.press("q")
    saved, problems = load_config()
    assert problems == []
    assert list(saved.alerts[-2:]) == [{"kind": "zscore", "pair": pair, "beyond": 0.0001},
                                 {"kind": "concentration", "gauge": "hhi", "above": 1.0, "watchlist": wl.name}]
    for table in saved.alerts[-2:]:
        parse_rule(table)
