"""The command palette offers what the keys do (sort, filter, export, alerts, add and remove a symbol, help, the
pairs), each watchlist and the problems; choosing one does what the key does. Pilot against a StaticRuntime."""

from __future__ import annotations

import pytest
from textual.command import CommandList, CommandPalette
from ui_support import StaticRuntime, wait_for, watchlists

from tui.app import AiwatchApp
from tui.screens.alerts import AlertsScreen
from tui.screens.dialogs import AddSymbolScreen, ConfirmScreen, FilterScreen
from tui.screens.help import HelpScreen
from tui.widgets.board import QuoteBoard

pytestmark = pytest.mark.usefixtures("user_dirs")


def prompts(app) -> list[str]:
    commands = app.screen.query_one(CommandList)
    return [str(commands.get_option_at_index(i).prompt) for i in range(commands.option_count)]


async def open_palette(app, pilot, query: str = "") -> None:
    await pilot.press("ctrl+p")
    await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))
    if query:
        await pilot.press(*query)


async def test_the_palette_lists_every_keys_action_each_watchlist_and_the_problems():
    app = AiwatchApp(StaticRuntime(), watchlists())
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.refreshes >= 2)
        await open_palette(app, pilot)
        await wait_for(pilot, lambda: len(prompts(app)) > 10)
        shown = "\n".join(prompts(app))
        for words in ("Sort:", "Filter the board", "Export the board", "Alerts: the rules", "Add a symbol",
                      "Remove the symbol", "Create a new watchlist", "Help: every key", "Pairs panel",
                      "Symbol screen", "Add an alert", "Switch watchlist: AI rivals", "Switch watchlist: Chips",
                      "Problems found in your config and watchlist files (0)"):
            assert words in shown, words
        await pilot.press("escape")


@pytest.mark.parametrize("query, check", [
    ("sort", lambda app: app.query_one(QuoteBoard).sort_key == "change_pct"),
    ("filter the board", lambda app: isinstance(app.screen, FilterScreen)),
    ("alerts: the rules", lambda app: isinstance(app.screen, AlertsScreen)),
    ("add a symbol", lambda app: isinstance(app.screen, AddSymbolScreen)),
    ("remove the symbol", lambda app: isinstance(app.screen, ConfirmScreen)),
    ("help: every key", lambda app: isinstance(app.screen, HelpScreen)),
    ("export the board", lambda app: app.last_export is not None),
    ("switch watchlist: chips", lambda app: app.watchlist.name == "chips"),
])
async def test_a_palette_command_does_what_its_key_does(query, check):
    app = AiwatchApp(StaticRuntime(), watchlists())
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.refreshes >= 2)
        await open_palette(app, pilot, query)
        await wait_for(pilot, lambda: prompts(app) and query.split(":")[0] in prompts(app)[0].lower())
        await pilot.press("enter")
        await wait_for(pilot, lambda: check(app))
