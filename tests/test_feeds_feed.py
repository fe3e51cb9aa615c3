"""YahooFeed against the fake Yahoo: the store fills, polling covers what the stream does not, clean stop."""

from __future__ import annotations

import gc
import warnings
from datetime import UTC, datetime

from feeds_fake_yahoo import FakeYahoo, make_frame, wait_for

from tui.core.clock import Clock
from tui.core.store import MarketStore
from tui.feeds.endpoints import Endpoints
from tui.feeds.yahoo_feed import YahooFeed
from tui.model import QuoteSource

T0 = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


def _feed(fake: FakeYahoo, store: MarketStore, **kw) -> YahooFeed:
    kw.setdefault("poll_interval", 0.3)
    kw.setdefault("min_interval", 0.0)
    kw.setdefault("extra_symbols", ())
    return YahooFeed(store, Clock(T0, speed=1.0), Endpoints.from_env(fake.base_url, fake.stream_url), **kw)


async def test_feed_fills_store_and_stops_cleanly(fake: FakeYahoo) -> None:
    fake.frames = [make_frame("AAPL", 250.5, int(T0.timestamp() * 1000), market_hours=1), "junk"]
    store = MarketStore()
    feed = _feed(fake, store)
    feed.set_symbols(["AAPL", "BABA", "NOPE.HK"])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        await feed.start()
        missing = await feed.wait_until_quoted(["AAPL", "BABA", "NOPE.HK"], timeout=5)
        assert missing == {"NOPE.HK"} and "NOPE.HK" in store.unknown
        await wait_for(
            lambda: store.fundamentals.get("BABA") and store.fundamentals["BABA"].revenue_ttm,
            5,
            "BABA quoteSummary",
        )
        baba = store.fundamentals["BABA"]
        assert (baba.currency, baba.financial_currency, baba.revenue_ttm) == ("USD", "CNY", 981767028736)
        assert baba.net_income_ttm == 120358002688 and baba.shares_outstanding == 2375950080
        assert store.currency_of("BABA") == "USD"
        await wait_for(lambda: store.quotes["AAPL"].source is QuoteSource.STREAM, 5, "AAPL from the stream")
        aapl = store.quotes["AAPL"]
        assert aapl.price == 250.5 and aapl.currency == "USD"  # the currency the REST quote gave is kept
        await wait_for(lambda: store.rejected_frames == 1, 5, "the junk frame counted")
        status = feed.status()
        assert status.state == "live" and status.rejected_frames == 1 and status.requests_last_minute >= 3
        assert status.rate_limited_until is None
        await feed.stop()
        del feed
        gc.collect()
    assert not [w for w in caught if "Unclosed" in str(w.message)], [str(w.message) for w in caught]
    assert fake.subscriptions(0)[0] == ["AAPL", "BABA", "NOPE.HK"]


async def test_polling_covers_symbols_the_stream_is_silent_on(fake: FakeYahoo) -> None:
    store = MarketStore()
    feed = _feed(fake, store, poll_interval=0.2)
    feed.set_symbols(["MSFT", "BABA"])
    await feed.start()
    try:
        await feed.wait_until_quoted(["MSFT", "BABA"], timeout=5)

        def polls() -> int:
            return sum(1 for _, p, q in fake.log if p == "/v7/finance/quote" and "MSFT" in q["symbols"])

        first = polls()
        await wait_for(lambda: polls() >= first + 2, 5, "two more polls of the silent symbols")
        assert store.quotes["MSFT"].source is QuoteSource.REST
        assert feed.status().polled_symbols == 2
    finally:
        await feed.stop()


async def test_set_symbols_quotes_new_symbols_at_once_and_keeps_the_connection(fake: FakeYahoo) -> None:
    store = MarketStore()
    feed = _feed(fake, store, poll_interval=60.0)  # no poll would come in time: only set_symbols can fetch
    feed.set_symbols(["MSFT"])
    await feed.start()
    try:
        assert await feed.wait_until_quoted(["MSFT"], timeout=5) == set()
        await wait_for(lambda: fake.connections and fake.subscriptions(0), 5, "stream subscription")
        feed.set_symbols(["MSFT", "AAPL"])
        assert await feed.wait_until_quoted(["AAPL"], timeout=5) == set()
        await wait_for(lambda: ["MSFT", "AAPL"] in fake.subscriptions(0), 5, "new subscription")
        assert len(fake.connections) == 1
        last = [q["symbols"] for _, p, q in fake.log if p == "/v7/finance/quote"][-1]
        assert last == "AAPL"  # only the new symbol was fetched
    finally:
        await feed.stop()


async def test_fx_symbols_are_added(fake: FakeYahoo) -> None:
    store = MarketStore()
    feed = _feed(fake, store, extra_symbols=("HKD=X", "CNY=X"))
    feed.set_symbols(["AAPL"])
    assert feed.symbols == ("AAPL", "HKD=X", "CNY=X")
    await feed.start()
    try:
        missing = await feed.wait_until_quoted(["AAPL", "HKD=X"], timeout=5)
        assert missing == {"HKD=X"}  # the recorded bodies hold no HKD=X: marked unknown, not invented
        assert {"HKD=X", "CNY=X"} <= store.unknown
    finally:
        await feed.stop()


async def test_rate_limit_reported_in_status(fake: FakeYahoo) -> None:
    fake.force_429 = 1
    store = MarketStore()
    feed = _feed(fake, store)
    feed.set_symbols(["AAPL"])
    await feed.start()
    try:
        await wait_for(lambda: feed.status().rate_limited_until is not None, 5, "the 429")
        status = feed.status()
        # the cause, since when and the next try: the status line and `aiwatch snapshot` say it
        assert status.last_error is not None and status.last_error.startswith("rate-limited by ")
        assert "(HTTP 429) since " in status.last_error and "; next try " in status.last_error
        assert status.rate_limited_until > feed.clock.now() + 60  # minutes, not seconds
        assert "AAPL" not in store.quotes
    finally:
        await feed.stop()
