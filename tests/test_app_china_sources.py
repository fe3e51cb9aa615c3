"""The app on the simulator with the China sources, driven with Pilot at 80x24 and 120x40: the Hong Kong lunch
break, a Shanghai session and a New York session. The China side is real time (no +15m, 0 s old in session)
while Yahoo's copy of the same listing is 15 minutes old; a lagging source is labelled by what it lags; the status
line names each source; with Yahoo unreachable the China side stays live and the app says what is missing."""

from __future__ import annotations

import pytest
from e2e_support import US_OPEN, china_loaded, demo_runtime, loaded, wait_for

from tui.app import AiwatchApp
from tui.core.clock import Clock, parse_instant
from tui.runtime import Runtime
from tui.screens.symbol import SymbolScreen
from tui.watchlists import load_all
from tui.widgets.board import QuoteBoard
from tui.widgets.pairs import PairsPanel
from tui.widgets.status import StatusLine

HK_LUNCH = "2026-11-25T04:30:00Z"  # Hong Kong and Shanghai 12:30: both at lunch
SHANGHAI_SESSION = "2026-11-25T02:45:00Z"  # Shanghai (and Hong Kong) 10:45, New York closed
SIZES = [(80, 24), (120, 40)]


@pytest.fixture(autouse=True)
def _no_user_config(tmp_path, monkeypatch):
    monkeypatch.setenv("AIWATCH_CONFIG_DIR", str(tmp_path))


def row(app, symbol: str) -> str:
    board = app.query_one(QuoteBoard)
    return next(board.row_text(i) for i, inst in enumerate(board.instruments) if inst.symbol == symbol)


def side(app, pair: str) -> str:
    lines = app.query_one(PairsPanel).plain.splitlines()
    return lines[lines.index(next(x for x in lines if x.startswith(pair))) + 1]


async def ready(app) -> None:
    runtime = app.runtime
    await wait_for(lambda: runtime.feed is not None and loaded(runtime, app.watchlist.symbols), timeout=30)
    await wait_for(lambda: runtime.status().state == "live", timeout=30)
    start = app.refreshes
    await wait_for(lambda: app.refreshes >= start + 3)
    await wait_for(lambda: "Nvidia vs SMIC" in app.query_one(PairsPanel).plain)
    await wait_for(lambda: app.query_one(StatusLine).plain.startswith("yahoo live"))  # drawn once a second


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
async def test_app_china_real_time_in_a_shanghai_session(size):
    app = AiwatchApp(demo_runtime(SHANGHAI_SESSION), load_all(), initial="chips")
    async with app.run_test(size=size) as pilot:
        await ready(app)
        store = app.runtime.store
        for symbol in ("0981.HK", "688981.SS"):
            text = row(app, symbol)
            assert "+15m" not in text and "stale" not in text, text
            assert " 0s" in text, text  # real time: the price of this instant
            shown = store.quotes[symbol]
            assert (shown.source_name, shown.delay_minutes) == ("tencent", 0)
            yahoo = store.quote_from(symbol, "yahoo")  # Yahoo's copy of the same listing: 15 minutes old
            assert yahoo.delay_minutes == 15 and app.runtime.clock.now() - yahoo.time >= 900
        cn = side(app, "Nvidia vs SMIC").split("│")[1]
        assert "+15m" not in cn and "stale" not in cn
        status = app.query_one(StatusLine).plain
        assert status.startswith("yahoo live · tencent 0s · sina idle"), status
        if size == (120, 40):  # the symbol screen says where the price came from (the demo's simulator, speaking
            # Tencent's protocol: a simulated price never reads as a real source's), and Yahoo's copy
            board = app.query_one(QuoteBoard)
            board.cursor = next(i for i, inst in enumerate(board.instruments) if inst.symbol == "0981.HK")
            await pilot.press("enter")
            await wait_for(lambda: isinstance(app.screen, SymbolScreen))
            await wait_for(lambda: "From demo" in str(app.screen.query_one("#symbol-facts").render()))
            facts = " ".join(str(app.screen.query_one("#symbol-facts").render()).split())
            assert "From demo simulator (Tencent's protocol) · poll, real time, measured" in facts
            also = "also demo simulator (Yahoo's protocol)"
            assert also in facts and "+15m" in facts.split(also)[1]
            assert "From tencent" not in facts and "also yahoo" not in facts
        await pilot.press("q")


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
async def test_app_china_in_the_hong_kong_lunch_break(size):
    app = AiwatchApp(demo_runtime(HK_LUNCH), load_all(), initial="chips")
    async with app.run_test(size=size) as pilot:
        await ready(app)
        for symbol in ("0981.HK", "1347.HK", "688981.SS"):
            text = row(app, symbol)
            # the morning's last trade (12:00 in Hong Kong, 11:30 in Shanghai), real time, not stale at lunch
            assert "+15m" not in text and "stale" not in text, text
            assert app.runtime.store.quotes[symbol].source_name == "tencent"
        assert " 30m" in row(app, "0981.HK") and " 1h" in row(app, "688981.SS")
        assert "+15m" not in side(app, "Nvidia vs SMIC").split("│")[1]
        # polled once a minute at lunch, on time: "live", not an age ticking every second on an idle screen
        assert app.query_one(StatusLine).plain.startswith("yahoo live · tencent live · sina idle")
        await pilot.press("q")


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
async def test_app_china_in_a_new_york_session(size):
    app = AiwatchApp(demo_runtime(US_OPEN), load_all(), initial="chips")
    async with app.run_test(size=size) as pilot:
        await ready(app)
        nvda = row(app, "NVDA")
        assert " 0s" in nvda and "+15m" not in nvda  # New York live from Yahoo's stream
        assert app.runtime.store.quotes["NVDA"].source_name == "yahoo"
        smic = row(app, "0981.HK")  # Hong Kong closed: Tencent's closing quote, not delayed
        assert "+15m" not in smic and "stale" not in smic and "h" in smic.split("HKD")[1]
        assert app.runtime.store.quotes["0981.HK"].source_name == "tencent"
        status = app.query_one(StatusLine).plain
        assert status.startswith("yahoo live · tencent live · sina idle"), status
        await pilot.press("q")


async def test_app_china_a_lagging_source_shows_its_lag():
    runtime = Runtime(demo=True, clock=Clock(at=parse_instant(SHANGHAI_SESSION), speed=0.0), rate=50.0,
                      faults="tencent_lag=15m")
    app = AiwatchApp(runtime, load_all(), initial="chips")
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(app)
        await wait_for(lambda: "+15m" in row(app, "0981.HK"))
        assert runtime.store.quotes["0981.HK"].delay_measured
        assert "+15m" in side(app, "Nvidia vs SMIC").split("│")[1]
        await pilot.press("q")


async def test_app_china_with_yahoo_unreachable_says_what_is_missing():
    import socket

    from tui.sim.server import Simulator

    clock = Clock(at=parse_instant(SHANGHAI_SESSION), speed=0.0)
    sim = Simulator(clock, rate=0)
    await sim.start()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = s.getsockname()[1]
    runtime = Runtime(demo=False, clock=clock, yahoo_url=f"http://127.0.0.1:{dead}",
                      stream_url=f"ws://127.0.0.1:{dead}/streamer/", tencent_url=sim.base_url, sina_url=sim.base_url)
    app = AiwatchApp(runtime, load_all(), initial="chips")
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for(lambda: runtime.feed is not None and china_loaded(runtime, app.watchlist.symbols))
            runtime.feed.unreachable_after = 0.0  # the app waits 15 s before it calls Yahoo unreachable
            await wait_for(lambda: "Yahoo unreachable" in app.query_one(StatusLine).plain)
            status = app.query_one(StatusLine).plain
            assert status.startswith("yahoo unreachable · tencent 0s"), status
            await wait_for(lambda: any("Yahoo unreachable" in n.message for n in app._notifications))
            note = next(n.message for n in app._notifications if "Yahoo unreachable" in n.message)
            assert "US quotes" in note and "fundamentals" in note and "history" in note and "proxy" in note
            smic = row(app, "0981.HK")
            assert "HKD" in smic and " 0s" in smic and "+15m" not in smic  # live from the quote page
            assert "USD" not in row(app, "NVDA")  # no US price at all: never a made-up one
            await pilot.press("q")
    finally:
        await sim.stop()


def test_the_sources_line_names_a_real_source_and_the_demo_simulator_as_such():
    from tui.core.store import MarketStore
    from tui.model import Quote, QuoteSource
    from tui.screens.symbol import _sources_line

    store = MarketStore()
    store.apply_quote(Quote(symbol="NVDA", price=168.66, time=1000.0, source=QuoteSource.REST, received=1000.0,
                            currency="USD", source_name="yahoo"))
    q = store.quotes["NVDA"]
    assert _sources_line(store, q, 1000.0).startswith("From yahoo (rest, real time")
    demo = _sources_line(store, q, 1000.0, simulated=True)
    assert demo.startswith("From demo simulator (Yahoo's protocol) · rest, real time") and "From yahoo" not in demo
