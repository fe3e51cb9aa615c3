"""YahooFeed (the real client code) against the project's market simulator on loopback."""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from feeds_fake_yahoo import wait_for

from tui.core.clock import Clock
from tui.core.store import MarketStore
from tui.feeds.endpoints import Endpoints
from tui.feeds.yahoo_feed import YahooFeed
from tui.model import QuoteSource

# 10:30 in Hong Kong and Shanghai (both open), 21:30 the evening before in New York (closed)
T0 = datetime(2026, 3, 3, 2, 30, tzinfo=UTC)
US = ["NVDA", "TSLA", "BABA"]
HK = ["0981.HK", "1211.HK"]
SS = ["688981.SS"]
EQUITIES = US + HK + SS


def _simulator_class() -> Any:
    for name in ("tui.sim", "tui.sim.server"):
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        if hasattr(module, "Simulator"):
            return module.Simulator
    pytest.skip("tui.sim.Simulator is not available")


@contextlib.asynccontextmanager
async def _running(faults: str | None = None) -> AsyncIterator[tuple[YahooFeed, MarketStore]]:
    simulator = _simulator_class()
    clock = Clock(T0, speed=1.0)
    sim = simulator(clock, seed=7, faults=faults) if faults else simulator(clock, seed=7)
    await sim.start()
    store = MarketStore()
    feed = YahooFeed(store, clock, Endpoints.from_env(sim.base_url, sim.stream_url), poll_interval=1.0)
    feed.set_symbols(EQUITIES)
    await feed.start()
    try:
        yield feed, store
    finally:
        await feed.stop()
        await sim.stop()


@pytest.fixture
async def sim_feed() -> AsyncIterator[tuple[YahooFeed, MarketStore]]:
    async with _running() as running:
        yield running


async def test_feed_fills_store_from_simulator(sim_feed: tuple[YahooFeed, MarketStore]) -> None:
    feed, store = sim_feed
    missing = await feed.wait_until_quoted([*EQUITIES, "HKD=X", "CNY=X", "JPY=X"], timeout=15)
    assert missing == set(), feed.status()
    assert {s: store.currency_of(s) for s in ["NVDA", "0981.HK", "688981.SS"]} == {
        "NVDA": "USD",
        "0981.HK": "HKD",
        "688981.SS": "CNY",
    }
    assert 0.11 < (store.usd_per("HKD") or 0) < 0.14
    assert 0.12 < (store.usd_per("CNY") or 0) < 0.16
    for symbol in EQUITIES:
        q = store.quotes[symbol]
        assert q.price > 0 and q.time > 0
    assert store.quotes["0981.HK"].delay_minutes == 15  # Yahoo delays Hong Kong; the simulator says so too

    await wait_for(
        lambda: all(store.fundamentals.get(s) and store.fundamentals[s].revenue_ttm for s in EQUITIES),
        15,
        "quoteSummary fundamentals for every equity",
    )
    for symbol in EQUITIES:
        f = store.fundamentals[symbol]
        assert f.currency == store.currency_of(symbol)
        assert f.financial_currency and f.shares_outstanding and f.shares_outstanding > 0
    assert store.fundamentals["BABA"].financial_currency == "CNY"


async def test_open_markets_stream_from_simulator(sim_feed: tuple[YahooFeed, MarketStore]) -> None:
    feed, store = sim_feed
    await wait_for(
        lambda: all(s in store.quotes and store.quotes[s].source is QuoteSource.STREAM for s in HK + SS),
        20,
        "stream quotes for the open Hong Kong and Shanghai listings",
    )
    status = feed.status()
    assert status.state == "live" and status.connects >= 1 and status.rejected_frames == 0


async def test_feed_survives_simulator_faults() -> None:
    """Dropped and closed sockets, garbage frames (bad, unknown symbol, far-future time) and HTTP 500s."""
    async with _running("drop=1s,close=1.7s,garbage=0.2,http500=0.2") as (feed, store):
        missing = await feed.wait_until_quoted(EQUITIES, timeout=20)
        assert missing == set(), feed.status()
        await wait_for(
            lambda: feed.status().reconnects >= 2 and store.rejected_frames >= 3, 20, "faults seen"
        )
        await wait_for(lambda: feed.status().state == "live", 20, "live again")
        now = feed.clock.now()
        assert set(store.quotes) <= set(feed.symbols)  # no "NOSUCH.ZZ" from garbage frames
        assert all(q.time <= now + 300 for q in store.quotes.values())  # no far-future frame kept
        assert all(q.price > 0 for q in store.quotes.values())


async def test_stream_runs_while_rest_is_rate_limited() -> None:
    async with _running("http429=1") as (feed, store):
        await wait_for(lambda: feed.status().rate_limited_until is not None, 10, "the 429")
        await wait_for(lambda: all(s in store.quotes for s in HK + SS), 20, "streamed quotes")
        assert all(store.quotes[s].source is QuoteSource.STREAM for s in HK + SS)
        assert "NVDA" not in store.quotes  # New York is closed: only REST could quote it, and REST waits
        assert feed.status().rate_limited_until > feed.clock.now() + 60
