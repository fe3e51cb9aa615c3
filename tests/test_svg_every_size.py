"""SVG snapshots of what the screen says it is doing, at 60x20, 80x24 and 120x40, in the default, 16-colour and
NO_COLOR modes (tests/svg_support.py): the board's sort, filter and rows in view on its border, the panels giving
way to it, the status line kept, the problems counted in the header, the US | CN split without colour; then the
screens that had to fit 60x20 (symbol, pair detail, the dialogs, problems, alerts) one by one.

Regenerate after a deliberate change of the screen with
`python -m pytest tests/test_svg_every_size.py --snapshot-update`, and look at the SVGs in
tests/__snapshots__/test_svg_every_size/ before committing them.
"""

from __future__ import annotations

import pytest
from e2e_support import wait_for
from svg_support import MODES, SIZES, in_colour_mode, make_app, set_colour_mode, settle

from tui.config import Config

pytestmark = pytest.mark.usefixtures("user_dirs")


def problem_config() -> tuple[Config, list[str]]:
    from pathlib import Path

    from tui.config import parse_config

    return parse_config({"fps": 99}, Path("/home/me/.config/aiwatch/config.toml"))


def app_with_a_problem(watchlist: str = "ai-rivals"):
    from e2e_support import US_OPEN, demo_runtime

    from tui.app import AiwatchApp
    from tui.watchlists import load_all

    config, problems = problem_config()
    return AiwatchApp(demo_runtime(US_OPEN), load_all(), initial=watchlist, config=config, config_problems=problems)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("size", list(SIZES))
def test_main_screen_sorted_and_filtered(snap_compare, monkeypatch, size, mode):
    """Sorted by change % and filtered to China's side: the border says both, with the rows in view; one problem in
    the config file is counted in the header."""
    set_colour_mode(mode, monkeypatch)
    app = in_colour_mode(app_with_a_problem(), mode)

    async def run_before(pilot):
        await settle(pilot)
        board = pilot.app.query_one("#board")
        await pilot.press("s")
        board.set_filter("cn", pilot.app.runtime.store, pilot.app.runtime.clock.now())
        pilot.app.clear_notifications()
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZES[size], run_before=run_before)


def test_filter_matching_nothing_60x20(snap_compare):
    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("slash", *"zzz", "enter")
        pilot.app.clear_notifications()
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=(60, 20), run_before=run_before)


def test_a_symbol_just_added_is_shown_and_selected_80x24(snap_compare):
    async def run_before(pilot):
        from tui.screens.dialogs import AddSymbolScreen

        await settle(pilot)
        app = pilot.app
        await pilot.press("a")
        await wait_for(lambda: isinstance(app.screen, AddSymbolScreen))
        await pilot.press(*"INTC", "enter")
        await wait_for(lambda: "INTC" in app.watchlist.symbols and not isinstance(app.screen, AddSymbolScreen))
        await wait_for(lambda: app.query_one("#board").cursor_symbol == "INTC")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=run_before)


def test_problems_toast_and_badge_80x24(snap_compare):
    """The toast is short, sits above the footer, leaves the DEMO badge and the problems' count in view."""
    async def run_before(pilot):
        await settle(pilot)
        pilot.app._tell_problems()  # settle cleared the one given at start: the same again, as the user saw it
        await pilot.pause()

    assert snap_compare(app_with_a_problem(), terminal_size=(80, 24), run_before=run_before)


def _opened(key_presses: tuple[str, ...], screen_name: str, wait=None):
    async def run_before(pilot):
        await settle(pilot)
        await pilot.press(*key_presses)
        await wait_for(lambda: type(pilot.app.screen).__name__ == screen_name)
        if wait is not None:
            await wait_for(lambda: wait(pilot.app.screen), timeout=20)
        await pilot.pause()

    return run_before


@pytest.mark.parametrize("mode", MODES)
def test_symbol_screen_60x20(snap_compare, monkeypatch, mode):
    set_colour_mode(mode, monkeypatch)
    app = in_colour_mode(make_app("chips"), mode)
    assert snap_compare(app, terminal_size=(60, 20),
                        run_before=_opened(("enter",), "SymbolScreen", lambda s: s.loaded))


def test_pair_detail_60x20(snap_compare):
    assert snap_compare(make_app(), terminal_size=(60, 20),
                        run_before=_opened(("p", "enter"), "PairDetailScreen", lambda s: s.renders >= 2))


def test_new_watchlist_dialog_60x20(snap_compare):
    assert snap_compare(make_app(), terminal_size=(60, 20), run_before=_opened(("n",), "NewWatchlistScreen"))


def test_alert_dialog_keeps_a_rule_with_an_error_60x20(snap_compare):
    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("exclamation_mark", *"hhi 99999", "enter")
        await wait_for(lambda: "HHI runs from" in str(pilot.app.screen.query_one("#prompt-error").render()))
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=(60, 20), run_before=run_before)


def test_problems_screen_60x20(snap_compare):
    async def run_before(pilot):  # the palette's "Problems found …" (tests/test_problems_screen.py opens it so)
        await settle(pilot)
        pilot.app.action_problems()
        await wait_for(lambda: type(pilot.app.screen).__name__ == "ProblemsScreen")
        await pilot.pause()

    assert snap_compare(app_with_a_problem(), terminal_size=(60, 20), run_before=run_before)


def test_alerts_screen_80x24(snap_compare, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))  # the log's path shows as ~/data/alerts.log, the same every run
    config = Config(alerts=({"kind": "price", "symbol": "NVDA", "above": 150.0},
                            {"kind": "concentration", "gauge": "top3", "above": 70.0, "enabled": False}))

    async def run_before(pilot):
        await settle(pilot)
        await wait_for(lambda: pilot.app.alerts_fired)  # NVDA is above 150: it fired, saying "already"
        await pilot.press("l")
        await wait_for(lambda: type(pilot.app.screen).__name__ == "AlertsScreen")
        await pilot.pause()

    assert snap_compare(make_app(config=config), terminal_size=(80, 24), run_before=run_before)
