"""The Yahoo client against the simulator with faults switched on, and with the server gone and back:
it keeps running, says it is rate-limited and until when, recovers within seconds of the server's return with
every subscription, and stays light on the CPU while nothing answers."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime

from feeds_fake_yahoo import wait_for

from tui.core.clock import Clock
from tui.core.store import MarketStore
from tui.feeds.endpoints import Endpoints
from tui.feeds.yahoo_feed import YahooFeed
from tui.feeds.yahoo_rest import YahooRest
from tui.model import QuoteSource
from tui.sim.server import Simulator

# 10:30 in Hong Kong and Shanghai (open, streaming), 21:30 the evening before in New York (closed: polled)
T0 = datetime(2026, 3, 3, 2, 30, tzinfo=UTC)
STREAMING = ["0981.HK", "1211.HK", "0700.HK", "688981.SS", "002594.SZ"]
POLLED = ["NVDA", "TSLA", "BABA"]
SYMBOLS = STREAMING + POLLED
FAULTS = "drop=2s,close=3s,http429=3,http500=0.1,slow=0.05,garbage=0.05"


def _feed(sim: Simulator, clock: Clock, **rest_kw) -> tuple[YahooFeed, MarketStore]:
    endpoints = Endpoints.from_env(sim.base_url, sim.stream_url)
    rest_kw.setdefault("min_interval", 0.02)
    rest = YahooRest(endpoints, clock, **rest_kw)
    store = MarketStore()
    feed = YahooFeed(store, clock, endpoints, rest=rest, poll_interval=1.0, history_range="1y")
    feed.stream.backoff_max = 4.0  # the app's cap, pinned here so the test holds if the default changes
    feed.set_symbols(SYMBOLS)
    return feed, store


async def test_every_fault_at_once() -> None:
    clock = Clock(T0, speed=1.0)
    sim = Simulator(clock, seed=11, rate=40, faults=FAULTS)
    await sim.start()
    # 429 back-off of 0.6 s doubling (1.2, 2.4): seconds, where Yahoo's real one is minutes
    feed, store = _feed(sim, clock, rate_limit_backoff=0.6)
    states: list[str] = []
    try:
        await feed.start()
        await wait_for(lambda: states.append(feed.status().last_error or "") or "rate-limited" in states[-1], 10,
                       "the 429 said as the feed's trouble")
        assert re.match(r"rate-limited by 127\.0\.0\.1:\d+ \(HTTP 429\) since \d\d:\d\d; next try \d\d:\d\d",
                        states[-1]), states[-1]
        assert feed.status().rate_limited_until is not None
        # quotes arrive anyway: streamed for the open markets while REST waits, then polled for New York
        assert await feed.wait_until_quoted(SYMBOLS, 20) == set(), feed.status()
        await wait_for(lambda: feed.status().reconnects >= 3 and store.rejected_frames >= 2, 20,
                       "dropped and closed sockets, malformed frames")
        # fundamentals and a year of daily bars despite 500s and slow answers
        await wait_for(lambda: all(store.fundamentals.get(s) and store.fundamentals[s].revenue_ttm
                                   for s in SYMBOLS), 30, "every quoteSummary")
        await wait_for(lambda: all(len(store.history.get(s, ())) > 200 for s in SYMBOLS), 30, "daily history")
        await wait_for(lambda: feed.status().state == "live", 10, "live again")
        # between drops the open markets stream (REST covers a symbol only while the stream is silent on it)
        await wait_for(lambda: all(store.quotes[s].source is QuoteSource.STREAM for s in STREAMING), 15,
                       "every open-market symbol streaming")
        assert set(store.quotes) <= set(feed.symbols)  # garbage frames with unknown symbols kept out
        assert all(q.price > 0 for q in store.quotes.values())
        assert feed.status().requests_last_minute > 0
    finally:
        await feed.stop()
        await sim.stop()


async def test_server_gone_then_back() -> None:
    clock = Clock(T0, speed=1.0)
    sim = Simulator(clock, seed=7, rate=40)
    await sim.start()
    port = sim.port
    feed, store = _feed(sim, clock)
    try:
        await feed.start()
        assert await feed.wait_until_quoted(SYMBOLS, 15) == set(), feed.status()
        await wait_for(lambda: all(store.quotes[s].source is QuoteSource.STREAM for s in STREAMING), 15,
                       "streaming")
        await sim.stop()  # every connection closed; from now on connections are refused
        await wait_for(lambda: feed.status().state.startswith("reconnecting"), 5, "the stream noticing")

        # down: the client waits between attempts instead of spinning
        cpu0, wall0 = time.process_time(), time.monotonic()
        attempts0 = feed.stream.connects + feed.stream.reconnects
        await _idle(3.0)
        cpu, wall = time.process_time() - cpu0, time.monotonic() - wall0
        assert cpu < 0.15 * wall, f"{cpu:.2f} s of CPU in {wall:.1f} s while the server was down"
        assert feed.status().last_error
        assert feed.stream.connects + feed.stream.reconnects == attempts0  # nothing connected meanwhile

        # back on the same port: live within seconds, every symbol streaming or polled again
        back = Simulator(clock, seed=7, rate=40)
        await back.start(port=port)
        returned = clock.now()
        try:
            await wait_for(lambda: feed.status().state == "live", 8, "reconnected")
            await wait_for(lambda: all(store.quotes[s].received > returned and
                                       store.quotes[s].source is QuoteSource.STREAM for s in STREAMING),
                           8, "every subscription streaming again")
            await wait_for(lambda: all(store.quotes[s].received > returned for s in POLLED), 8,
                           "the closed market polled again")
            assert feed.stream._sent == set(feed.symbols)  # the whole subscription re-sent
        finally:
            await feed.stop()
            await back.stop()
    finally:
        await feed.stop()


async def _idle(seconds: float) -> None:
    """Let the event loop run (the feed retrying) for `seconds`: the measurement window, not a wait for a state."""
    import asyncio

    await asyncio.sleep(seconds)


async def test_status_line_says_rate_limited_and_the_next_try_once() -> None:
    """A 429 is the feed's trouble: "rate-limited by HOST (HTTP 429) since HH:MM; next try HH:MM", on the status
    line once."""
    from tui.widgets.status import status_content

    clock = Clock(T0, speed=1.0)
    sim = Simulator(clock, seed=7, rate=0, faults="http429=1")
    await sim.start()
    feed, _store = _feed(sim, clock, rate_limit_backoff=120.0)
    try:
        await feed.start()
        await wait_for(lambda: feed.status().rate_limited_until is not None, 10, "the 429")
        status = feed.status()
        next_try = time.strftime("%H:%M", time.localtime(status.rate_limited_until))
        assert status.trouble is not None and status.trouble.cause == "rate-limited"
        assert abs(status.trouble.next_try - status.rate_limited_until) < 1  # both: the back-off's end
        assert 110 < status.rate_limited_until - clock.now() <= 121
        text = status_content(status, clock.now()).plain
        assert text.count("rate-limited") == 1 and "rate limited" not in text, text
        assert f"rate-limited by {sim.base_url.split('//')[1]} (HTTP 429) since " in text
        assert f"; next try {next_try}" in text
    finally:
        await feed.stop()
        await sim.stop()
