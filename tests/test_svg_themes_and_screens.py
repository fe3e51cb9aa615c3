"""SVG snapshots of the all-day screens: the light theme (readable on white), and 80x24 with the symbol screen open.

Seeded simulator on a frozen clock. Regenerate after a deliberate change with
`python -m pytest tests/test_ui_snapshots_theme.py --snapshot-update` and look at the SVGs before committing.
"""

from __future__ import annotations

import pytest
from e2e_support import US_OPEN, demo_runtime, loaded, wait_for

from tui.app import AiwatchApp
from tui.config import Config
from tui.screens.symbol import SymbolScreen
from tui.watchlists import load_all

pytestmark = pytest.mark.usefixtures("user_dirs")


def make_app(theme: str = "dark", watchlist: str = "chips") -> AiwatchApp:
    return AiwatchApp(demo_runtime(US_OPEN), load_all(), initial=watchlist, config=Config(theme=theme))


async def settle(pilot) -> None:
    app = pilot.app
    await wait_for(lambda: loaded(app.runtime, app.watchlist.symbols), timeout=30)
    await wait_for(lambda: app.runtime.status().state == "live", timeout=30)
    start = app.refreshes
    await wait_for(lambda: app.refreshes >= start + 3)
    await wait_for(app.sparklines_settled)  # the intraday column seeded from the chart endpoint
    # the panels are paced (the concentration panel at most once a second): one drawn before the last statements
    # came in still says "waiting for market caps", a shorter panel, and everything below the board moves
    seq = app.runtime.store.seq
    await wait_for(lambda: app.panels_drawn_since(seq))
    app.query_one("#status").display = False  # request counters follow wall time, not the frozen clock
    await pilot.pause()


def test_light_theme(snap_compare):
    app = make_app("light")

    async def run_before(pilot):
        await settle(pilot)
        assert pilot.app.theme == "textual-light"

    assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)


def test_symbol_screen_80x24(snap_compare):
    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("enter")
        await wait_for(lambda: isinstance(pilot.app.screen, SymbolScreen))
        screen = pilot.app.screen
        await wait_for(lambda: screen.loaded, timeout=20)
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=run_before)


def test_sorted_and_filtered_80x24(snap_compare):
    async def run_before(pilot):
        await settle(pilot)
        app = pilot.app
        await pilot.press("s")
        board = app.query_one("#board")
        board.set_filter("us", app.runtime.store, app.runtime.clock.now())
        app.clear_notifications()
        await pilot.pause()

    assert snap_compare(make_app("dark", "ai-rivals"), terminal_size=(80, 24), run_before=run_before)
