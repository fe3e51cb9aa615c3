"""Snapshot tests of the main screen at 80x24 and 120x40: a seeded simulator on a frozen clock.

Regenerate after a deliberate change of the screen with `python -m pytest tests/test_ui_snapshots.py
--snapshot-update`, and look at the SVGs in tests/__snapshots__/ before committing them.
"""

from __future__ import annotations

import pytest
from e2e_support import ASIA_OPEN, US_OPEN, demo_runtime, loaded, wait_for

from tui.app import AiwatchApp
from tui.watchlists import load_all


def make_app(at: str, watchlist: str = "ai-rivals") -> AiwatchApp:
    return AiwatchApp(demo_runtime(at), load_all(), initial=watchlist)


async def settle(pilot) -> None:
    app = pilot.app
    await wait_for(lambda: loaded(app.runtime, app.watchlist.symbols), timeout=30)
    status = app.runtime.status
    # the first REST round is over and the stream has sent every symbol once
    await wait_for(lambda: status().state == "live", timeout=30)
    start = app.refreshes
    await wait_for(lambda: app.refreshes >= start + 3)
    await wait_for(app.sparklines_settled)  # the intraday column seeded from the chart endpoint
    # the panels are paced (the concentration panel at most once a second): one drawn before the last statements
    # came in still says "waiting for market caps", a shorter panel, and everything below the board moves
    seq = app.runtime.store.seq
    await wait_for(lambda: app.panels_drawn_since(seq))
    app.query_one("#status").display = False  # request counters depend on wall time, not the frozen clock
    await pilot.pause()


@pytest.fixture(autouse=True)
def _no_user_config(tmp_path, monkeypatch):
    monkeypatch.setenv("AIWATCH_CONFIG_DIR", str(tmp_path))


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_main_screen_new_york_open(snap_compare, size):
    assert snap_compare(make_app(US_OPEN), terminal_size=size, run_before=settle)


def test_main_screen_asia_open_chips(snap_compare):
    assert snap_compare(make_app(ASIA_OPEN, "chips"), terminal_size=(120, 40), run_before=settle)
