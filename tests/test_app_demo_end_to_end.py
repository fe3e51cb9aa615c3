"""The whole app on the demo: the real simulator and the real Yahoo client, driven with Pilot."""

from __future__ import annotations

from e2e_support import US_OPEN, demo_runtime, loaded, wait_for

from tui.app import AiwatchApp
from tui.watchlists import load_all
from tui.widgets.board import QuoteBoard
from tui.widgets.concentration import ConcentrationPanel
from tui.widgets.pairs import PairsPanel


def board_text(app) -> str:
    board = app.query_one(QuoteBoard)
    return "\n".join(board.row_text(i) for i in range(len(board.views)))


async def test_demo_fills_every_panel_switches_and_quits(tmp_path, monkeypatch):
    monkeypatch.setenv("AIWATCH_CONFIG_DIR", str(tmp_path))
    runtime = demo_runtime(US_OPEN)
    result = load_all()
    app = AiwatchApp(runtime, result, initial="ai-rivals")
    async with app.run_test(size=(120, 40)) as pilot:
        wl = app.watchlist
        await wait_for(lambda: loaded(runtime, wl.symbols))
        await wait_for(lambda: app.refreshes > 2 and "NVDA" in board_text(app))
        await pilot.pause()
        text = board_text(app)
        for symbol in wl.symbols:
            assert symbol in text
        # every row shows a price: no "—" placeholder left in the Last column of a quoted symbol
        nvda = next(line for line in text.splitlines() if line.startswith("NVDA"))
        assert "USD" in nvda and "—" not in nvda.split("USD")[0]
        pairs = app.query_one(PairsPanel).plain
        assert "AI chips" in pairs and "P/E" in pairs
        # the concentration panel is recomputed at most once a second: wait for its first figures
        await wait_for(lambda: "HHI" in app.query_one(ConcentrationPanel).plain)
        assert "2010 US merger guidelines" in app.query_one(ConcentrationPanel).plain

        # key 2 jumps to the second watchlist; the feed subscribes to it and every panel follows
        await pilot.press("2")
        second = app.watchlist
        assert second.name == list(result.watchlists)[1]
        await wait_for(lambda: loaded(runtime, second.symbols))
        await wait_for(lambda: all(s in board_text(app) for s in second.symbols))
        assert app.query_one(PairsPanel).plain != pairs

        await pilot.press("tab")
        assert app.watchlist.name == list(result.watchlists)[2]
        await pilot.press("shift+tab", "shift+tab")
        assert app.watchlist.name == "ai-rivals"

        await pilot.press("q")
        await pilot.pause()
    assert runtime.feed is not None and runtime.feed.status().state == "stopped"
    assert app.return_code in (0, None)


async def test_broken_user_watchlist_shows_a_notice_and_the_rest_runs(tmp_path, monkeypatch):
    monkeypatch.setenv("AIWATCH_CONFIG_DIR", str(tmp_path))
    (tmp_path / "watchlists").mkdir()
    bad = tmp_path / "watchlists" / "mine.toml"
    bad.write_text('title = "Mine"\n[[instrument]]\nsymbol = "NVDA"\nname = "Nvidia"\nside = "usa"\n'
                   'company = "nvidia"\n', encoding="utf-8")
    runtime = demo_runtime(US_OPEN)
    result = load_all()
    assert any(str(bad) in str(p) for p in result.problems)
    app = AiwatchApp(runtime, result)
    async with app.run_test(size=(80, 24)) as pilot:
        # a short notice says there is a problem; the problems (the help, the palette) say which and where
        await wait_for(lambda: any(n.message.startswith("1 problem in your config or watchlist files")
                                   for n in app._notifications))
        assert any(str(bad) in str(p) and "side must be" in str(p) for p in app.problems)
        assert app.watchlist.name == "ai-rivals"
        await wait_for(lambda: loaded(runtime, app.watchlist.symbols))
        await pilot.press("q")


def test_a_redirected_yahoo_url_is_never_badged_as_yahoo(monkeypatch):
    from tui.runtime import source_label

    monkeypatch.delenv("AIWATCH_YAHOO_URL", raising=False)
    monkeypatch.delenv("AIWATCH_STREAM_URL", raising=False)
    assert source_label(None) == "Yahoo Finance"
    assert source_label("http://127.0.0.1:8765") == "not Yahoo: 127.0.0.1:8765"
    # live prices from another streamer are not Yahoo's either, even with Yahoo's REST hosts
    assert source_label(None, "ws://127.0.0.1:7777/") == "not Yahoo: 127.0.0.1:7777"
    monkeypatch.setenv("AIWATCH_STREAM_URL", "ws://127.0.0.1:7778/")
    assert source_label(None) == "not Yahoo: 127.0.0.1:7778"
    monkeypatch.setenv("AIWATCH_YAHOO_URL", "http://127.0.0.1:9999")
    assert source_label(None) == "not Yahoo: 127.0.0.1:9999"
