"""The app through a hub, driven with Pilot at 80×24: the board fills from the hub, the header says the data is
simulated, and the status line starts with the hub and fits the 80 columns (parts give way whole)."""

from __future__ import annotations

from e2e_support import wait_for
from hub_support import RunningHub, client_runtime
from redis_support import redis_server  # noqa: F401 - the fixture

from tui.app import AiwatchApp
from tui.watchlists import load_all
from tui.widgets.board import QuoteBoard
from tui.widgets.header import DEMO_BADGE
from tui.widgets.status import StatusLine


def board_text(app) -> str:
    board = app.query_one(QuoteBoard)
    return "\n".join(board.row_text(i) for i in range(len(board.views)))


def status_text(app) -> str:
    line = app.query_one(StatusLine)
    return line._shown and line.render_line(0).text or ""


async def test_the_app_fills_from_the_hub_and_says_so_in_80_columns(redis_server, tmp_path, monkeypatch):  # noqa: F811
    monkeypatch.setenv("AIWATCH_CONFIG_DIR", str(tmp_path))
    async with RunningHub(redis_server.url) as hub:
        runtime = client_runtime(redis_server.url)
        app = AiwatchApp(runtime, load_all(), initial="chips")
        async with app.run_test(size=(80, 24)) as pilot:
            wl = app.watchlist
            await wait_for(lambda: all(s in runtime.store.quotes or s in runtime.store.unknown for s in wl.symbols))
            await wait_for(lambda: app.refreshes > 2 and "NVDA" in board_text(app))
            assert runtime.sim is None and runtime.sim_process is None  # no simulator on the client's side
            assert hub.runtime.sim.streams_opened == 1
            await wait_for(lambda: str(app.query_one("#source-badge").render()) == DEMO_BADGE)
            want = f"hub redis://127.0.0.1:{redis_server.port}"
            await wait_for(lambda: status_text(app).startswith(want), timeout=10)
            await pilot.pause()
            text = status_text(app).rstrip()
            assert len(text) <= 80, text
            assert "yahoo" in text
