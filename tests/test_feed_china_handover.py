"""The China poller and the upstream object against the simulator, its faults switched on and off while it runs:
Tencent first, Sina once Tencent has failed for longer than the hand-over time, Yahoo once both have, and back to
Tencent as soon as it answers again; empty bodies are refusals waited out; the proxy carries the polls; a source
that lags is labelled delayed by what it lags; with Yahoo unreachable the China side stays live and the app is
told which figures are missing. The snapshot's source_name and delay_minutes follow every step."""

from __future__ import annotations

import asyncio
import socket
import time
from datetime import UTC, datetime

import pytest
from feeds_proxy import TinyProxy
from ui_support import ManualClock

from tui.core.snapshot import build_snapshot
from tui.core.store import MarketStore
from tui.feeds.china_feed import ChinaFeed
from tui.feeds.endpoints import ChinaEndpoints
from tui.model import Instrument, Side, Watchlist
from tui.runtime import Runtime
from tui.sim.server import Simulator

HK_SESSION = datetime(2026, 11, 25, 2, 30, tzinfo=UTC)  # Hong Kong and Shanghai 10:30
CHINA = ["0981.HK", "688981.SS", "002594.SZ"]
# hand-over after 1 s of failures instead of 60, probes every 0.3 s instead of 30: the same code, sooner
FAST = {"open_interval": 0.1, "closed_interval": 0.1, "fail_over_after": 1.0, "probe_every": 0.3,
        "backoff_min": 0.05, "backoff_max": 0.2}


async def until(condition, timeout: float = 30.0, *, step: float = 0.02, tick=None) -> None:
    """Wait for `condition()`; `tick()` runs at every step (moving a hand-held clock, say)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        if tick is not None:
            tick()
        await asyncio.sleep(step)


def free_dead_port() -> int:
    """A loopback port nothing listens on (connections refused): an unreachable host, without a network."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
async def sim():
    server = Simulator(ManualClock(HK_SESSION), seed=7, rate=40)
    await server.start()
    yield server
    await server.stop()


def china_feed(sim: Simulator, store: MarketStore | None = None, **options) -> ChinaFeed:
    feed = ChinaFeed(store or MarketStore(), sim.clock, ChinaEndpoints.with_base(sim.base_url), **{**FAST, **options})
    feed.set_symbols(["NVDA", *CHINA])
    return feed


async def test_feed_china_tencent_then_sina_then_yahoo_and_back(sim):
    feed = china_feed(sim)
    store = feed.store
    try:
        await feed.start()
        await until(lambda: all(store.quote_from(s, "tencent") for s in CHINA))
        assert [feed.active(g) for g in ("hk", "cn")] == ["tencent", "tencent"]
        assert {s.name: s.state for s in feed.status()} == {"tencent": "live", "sina": "idle"}
        assert sim.china_requests["sina"] == 0  # the fallback is not asked while Tencent answers
        assert "NVDA" not in store.quotes  # a US listing is Yahoo's alone

        sim.faults.tencent = "down"
        failing_at = time.monotonic()
        await until(lambda: feed.status()[0].state == "failing")
        assert feed.active("hk") == "tencent"  # failing, not yet for longer than the hand-over time
        await until(lambda: feed.active("hk") == "sina")
        assert time.monotonic() - failing_at >= FAST["fail_over_after"]
        sim.clock.advance(5)  # the market moves on: Sina's prices are newer than Tencent's last
        await until(lambda: all(store.quotes[s].source_name == "sina" for s in CHINA))
        assert {s.name: s.state for s in feed.status()} == {"tencent": "down", "sina": "live"}
        assert "HTTP 502" in feed.status()[0].last_error

        sim.faults.sina = "empty"
        await until(lambda: feed.active("hk") == "yahoo" and feed.active("cn") == "yahoo")
        assert {s.name: s.state for s in feed.status()} == {"tencent": "down", "sina": "down"}
        assert "empty answer" in feed.status()[1].last_error

        asked = sim.china_requests["tencent"]
        sim.faults.tencent = "ok"
        await until(lambda: feed.active("hk") == "tencent")  # a probe found it answering
        assert sim.china_requests["tencent"] > asked
        sim.clock.advance(5)
        await until(lambda: all(store.quotes[s].source_name == "tencent" for s in CHINA))
        assert feed.status()[0].state == "live"
    finally:
        await feed.stop()


async def test_feed_china_empty_answers_are_waited_out_not_hammered(sim):
    sim.faults.tencent = "empty"
    feed = china_feed(sim, backoff_min=0.2, backoff_max=1.6, fail_over_after=3.0)
    try:
        await feed.start()
        started = time.monotonic()
        await until(lambda: feed.active("hk") == "sina", timeout=30)
        took = time.monotonic() - started
        # back-off 0.2, 0.4, 0.8, 1.6 s...: a handful of tries in 3 s, where a poll every 0.1 s would be 30
        assert sim.china_requests["tencent"] <= 2 + took / 0.2 / 2, sim.china_requests
        assert sim.china_requests["tencent"] < 10
        assert feed.health["tencent"].failures >= 2
    finally:
        await feed.stop()


async def test_feed_china_sina_first_when_chosen_and_nothing_when_yahoo(sim):
    feed = china_feed(sim, choice={"hk": "sina", "cn": "yahoo"})
    try:
        await feed.start()
        await until(lambda: feed.store.quote_from("0981.HK", "sina") is not None)
        assert feed.symbols == ("0981.HK",)  # the mainland listings are left to Yahoo
        assert sim.china_requests["tencent"] == 0
        assert {s.name: s.state for s in feed.status()} == {"tencent": "idle", "sina": "live"}
    finally:
        await feed.stop()
    with pytest.raises(ValueError, match="bing"):
        ChinaFeed(MarketStore(), sim.clock, ChinaEndpoints(), choice={"hk": "bing"})


async def test_feed_china_polls_go_through_the_proxy(sim):
    proxy = await TinyProxy().start()
    feed = ChinaFeed(MarketStore(), sim.clock, ChinaEndpoints.with_base(sim.base_url), proxy=proxy.url, **FAST)
    feed.set_symbols(CHINA)
    try:
        await feed.start()
        await until(lambda: all(feed.store.quote_from(s, "tencent") for s in CHINA))
        assert proxy.saw("/q=r_hk00981"), proxy.requests
    finally:
        await feed.stop()
        await proxy.stop()


def _watchlist() -> Watchlist:
    return Watchlist("china", "China", tuple(Instrument(s, s, Side.CN, s) for s in CHINA))


def _snapshot_quote(rt: Runtime, symbol: str) -> dict:
    doc = build_snapshot(rt.store, _watchlist(), now=rt.clock.now(), source=rt.source, sources=rt.sources_info())
    return next(q for q in doc["quotes"] if q["symbol"] == symbol)


async def test_feed_china_upstream_hands_over_and_the_snapshot_follows():
    clock = ManualClock(HK_SESSION)
    rt = Runtime(demo=True, clock=clock, rate=40, china_options=FAST)
    rt.set_symbols(CHINA)
    try:
        await rt.start()
        assert await rt.feed.wait_until_quoted(CHINA, 30) == set()
        await until(lambda: rt.store.quote_from("0981.HK", "yahoo") is not None)
        q = _snapshot_quote(rt, "0981.HK")
        assert (q["source_name"], q["source"], q["delay_minutes"], q["delay_measured"]) == ("tencent", "poll", 0, True)
        yahoo = rt.store.quote_from("0981.HK", "yahoo")  # Yahoo's copy of the same listing: 15 minutes old
        assert yahoo.delay_minutes == 15 and yahoo.delay_measured and clock.now() - yahoo.time >= 15 * 60

        rt.sim.faults.tencent = "down"
        await until(lambda: rt.store.quotes["0981.HK"].source_name == "sina", tick=lambda: clock.advance(0.05))
        q = _snapshot_quote(rt, "0981.HK")
        assert (q["source_name"], q["delay_minutes"]) == ("sina", 0)

        rt.sim.faults.sina = "down"
        await until(lambda: rt.feed.china.active("hk") == "yahoo")
        clock.advance(16 * 60)  # Yahoo's copy, 15 minutes late, catches up with the last real-time price
        await until(lambda: all(rt.store.quotes[s].source_name == "yahoo" for s in CHINA),
                    tick=lambda: clock.advance(0.05))
        q = _snapshot_quote(rt, "0981.HK")
        assert (q["source_name"], q["delay_minutes"], q["delay_measured"]) == ("yahoo", 15, True)
        sources = {s["name"]: s for s in
                   build_snapshot(rt.store, _watchlist(), now=clock.now(), source=rt.source,
                                  sources=rt.sources_info())["sources"]}
        assert sources["yahoo"]["quotes"] == 3 and sources["tencent"]["quotes"] == 0

        rt.sim.faults.tencent = "ok"
        await until(lambda: rt.store.quotes["0981.HK"].source_name == "tencent", tick=lambda: clock.advance(0.05))
        q = _snapshot_quote(rt, "0981.HK")
        assert (q["source_name"], q["delay_minutes"]) == ("tencent", 0)
        states = {s.name: s.state for s in rt.status().sources}
        assert states["yahoo"] == "live" and states["tencent"] == "live"
    finally:
        await rt.stop()


async def test_feed_china_a_lagging_source_is_labelled_delayed_by_what_it_lags():
    rt = Runtime(demo=True, clock=ManualClock(HK_SESSION), faults="tencent_lag=15m", china_options=FAST)
    rt.set_symbols(CHINA)
    try:
        await rt.start()
        await until(lambda: all(rt.store.quote_from(s, "tencent") for s in CHINA))
        lagging = rt.store.quote_from("0981.HK", "tencent")
        assert lagging.delay_minutes == 15 and lagging.delay_measured  # promised real time; measured 15 late
        q = _snapshot_quote(rt, "0981.HK")
        assert q["delay_minutes"] == 15
    finally:
        await rt.stop()


async def test_feed_china_with_yahoo_unreachable_the_china_side_is_live_and_the_gap_is_named(sim):
    dead = free_dead_port()
    rt = Runtime(demo=False, clock=sim.clock, yahoo_url=f"http://127.0.0.1:{dead}",
                 stream_url=f"ws://127.0.0.1:{dead}/streamer/", tencent_url=sim.base_url, sina_url=sim.base_url,
                 china_options=FAST)
    rt.set_symbols(["NVDA", *CHINA])
    try:
        await rt.start()
        missing = await rt.feed.wait_until_quoted(["NVDA", *CHINA], 3)
        assert missing == {"NVDA"}  # the US side is Yahoo's alone
        assert all(rt.store.quotes[s].source_name == "tencent" for s in CHINA)
        rt.feed.unreachable_after = 0.0
        await until(lambda: rt.status().notice is not None)
        status = rt.status()
        assert "Yahoo unreachable" in status.notice and "US quotes" in status.notice
        assert "fundamentals" in status.notice and "history" in status.notice and "proxy" in status.notice
        assert {s.name: s.state for s in status.sources}["yahoo"] == "unreachable"
        assert {s.name: s.state for s in status.sources}["tencent"] == "live"
        # checking a symbol still works for a China listing: its quote page answers
        quote = await rt.lookup("1211.HK")
        assert quote is not None and quote.source_name == "tencent"
        with pytest.raises(Exception):  # noqa: B017 - a US symbol has nobody to ask
            await rt.lookup("AAPL")
        # the snapshot's header says where each part came from: other servers, named
        info = {s["name"]: s for s in rt.sources_info()}
        assert info["tencent"]["source"] == "other" and info["tencent"]["source_url"] == sim.base_url
        assert rt.source == "other"
    finally:
        await rt.stop()


async def test_feed_china_snapshot_without_yahoo_says_what_is_missing_and_where_the_rest_came_from(tmp_path):
    import json
    import os
    import sys
    from pathlib import Path

    from tui.core.clock import Clock

    root = Path(__file__).resolve().parents[1]
    server = Simulator(Clock(), seed=7, rate=0)  # real time: without --demo the CLI runs on the real clock
    await server.start()
    dead = free_dead_port()
    try:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tui", "snapshot", "-w", "chips", "--format", "json", "--timeout", "4",
            "--yahoo-url", f"http://127.0.0.1:{dead}", "--stream-url", f"ws://127.0.0.1:{dead}/streamer/",
            "--tencent-url", server.base_url, "--sina-url", server.base_url,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, cwd=root,
            env={**os.environ, "PYTHONPATH": str(root), "AIWATCH_CONFIG_DIR": str(tmp_path)})
        out, err = await asyncio.wait_for(proc.communicate(), 90)
    finally:
        await server.stop()
    # the exit status and the message say why the US quotes are missing: Yahoo's host refused the connection
    assert proc.returncode == 5, err.decode()
    assert f"cannot connect to 127.0.0.1:{dead}: connection refused" in err.decode()
    doc = json.loads(out)
    quotes = {q["symbol"]: q for q in doc["quotes"]}
    for symbol in ("0981.HK", "688981.SS", "1347.HK"):
        assert quotes[symbol]["source_name"] == "tencent" and quotes[symbol]["source"] == "poll"
    assert "NVDA" in doc["missing"] and "NVDA" not in quotes
    assert doc["notice"].startswith("Yahoo unreachable: US quotes")
    sources = {s["name"]: s for s in doc["sources"]}
    assert sources["tencent"]["source"] == "other" and sources["tencent"]["source_url"] == server.base_url
    assert sources["tencent"]["quotes"] == len(quotes) and sources["yahoo"]["quotes"] == 0
    assert doc["source"] == "other" and doc["simulated"] is None  # another server's prices: not called real
    assert "NVDA" in err.decode()  # stderr lists what is missing
