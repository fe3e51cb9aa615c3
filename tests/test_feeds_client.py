"""YahooRest and YahooStream against a fake Yahoo on loopback (recorded bodies, scripted websocket)."""

from __future__ import annotations

import asyncio
import itertools
import random
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from feeds_fake_yahoo import FakeYahoo, make_frame, recorded_frames, wait_for

from tui.core.clock import Clock
from tui.feeds.endpoints import Endpoints
from tui.feeds.yahoo_parse import NotFound
from tui.feeds.yahoo_rest import AuthError, RateLimited, YahooRest
from tui.feeds.yahoo_stream import YahooStream
from tui.model import Quote, QuoteSource


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 3, 2, 15, 0, tzinfo=UTC), speed=1.0)


@pytest.fixture
async def rest(fake: FakeYahoo, clock: Clock) -> AsyncIterator[YahooRest]:
    client = YahooRest(Endpoints.from_env(fake.base_url, fake.stream_url), clock, min_interval=0.0)
    yield client
    await client.close()


# -- endpoints ---------------------------------------------------------------------------------------------


def test_endpoints_defaults_env_and_explicit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AIWATCH_YAHOO_URL", raising=False)
    monkeypatch.delenv("AIWATCH_STREAM_URL", raising=False)
    real = Endpoints.from_env()
    assert real.cookie_url == "https://fc.yahoo.com"
    assert real.crumb_url == "https://query1.finance.yahoo.com/v1/test/getcrumb"
    assert real.quote_url == "https://query2.finance.yahoo.com/v7/finance/quote"
    assert real.summary("^GSPC") == "https://query2.finance.yahoo.com/v10/finance/quoteSummary/%5EGSPC"
    assert real.chart("0700.HK") == "https://query2.finance.yahoo.com/v8/finance/chart/0700.HK"
    assert real.stream_url == "wss://streamer.finance.yahoo.com/?version=2"
    assert not real.is_local
    monkeypatch.setenv("AIWATCH_YAHOO_URL", "http://127.0.0.1:9999/")
    monkeypatch.setenv("AIWATCH_STREAM_URL", "ws://127.0.0.1:9999/streamer/?version=2")
    env = Endpoints.from_env()
    assert env.crumb_url == "http://127.0.0.1:9999/v1/test/getcrumb"
    assert env.summary("HKD=X") == "http://127.0.0.1:9999/v10/finance/quoteSummary/HKD=X"
    assert env.stream_url == "ws://127.0.0.1:9999/streamer/?version=2" and env.is_local
    explicit = Endpoints.from_env("http://localhost:1", "ws://localhost:1/s")
    assert (
        explicit.quote_url == "http://localhost:1/v7/finance/quote"
        and explicit.stream_url == "ws://localhost:1/s"
    )


# -- REST ----------------------------------------------------------------------------------------------------


async def test_auth_then_quote(fake: FakeYahoo, rest: YahooRest) -> None:
    quotes, funds, missing = await rest.quote(["AAPL", "BABA", "NOPE.HK"])
    assert fake.paths() == ["/", "/v1/test/getcrumb", "/v7/finance/quote"]
    assert fake.cookie_seen == [False, True, True]  # the cookie from 127.0.0.1 was kept and sent
    assert fake.log[-1][2]["crumb"] == "crumbA"
    assert fake.log[-1][2]["symbols"] == "AAPL,BABA,NOPE.HK"
    by = {q.symbol: q for q in quotes}
    assert set(by) == {"AAPL", "BABA"} and missing == {"NOPE.HK"}
    assert by["BABA"].source is QuoteSource.REST and by["BABA"].currency == "USD"
    assert {f.symbol: f.financial_currency for f in funds}["BABA"] == "CNY"
    # a second call reuses cookie and crumb
    await rest.quote(["MSFT"])
    assert fake.paths().count("/v1/test/getcrumb") == 1
    assert rest.requests_last_minute() == 4


async def test_quote_batches_of_fifty(fake: FakeYahoo, rest: YahooRest) -> None:
    symbols = ["AAPL", *[f"S{i:03d}" for i in range(119)]]
    quotes, _, missing = await rest.quote(symbols)
    batches = [q["symbols"].split(",") for _, p, q in fake.log if p == "/v7/finance/quote"]
    assert [len(b) for b in batches] == [50, 50, 20]
    assert [q.symbol for q in quotes] == ["AAPL"] and len(missing) == 119


async def test_401_renews_crumb_once(fake: FakeYahoo, rest: YahooRest) -> None:
    await rest.quote(["AAPL"])
    fake.crumb = "crumbB"  # Yahoo invalidates the crumb
    quotes, _, _ = await rest.quote(["AAPL"])
    assert [q.symbol for q in quotes] == ["AAPL"]
    assert fake.paths().count("/v1/test/getcrumb") == 2
    assert fake.log[-1][2]["crumb"] == "crumbB"


async def test_401_twice_is_an_auth_error(fake: FakeYahoo, rest: YahooRest) -> None:
    await rest.ensure_auth()
    fake.crumb_handed = "stale"  # the crumb endpoint hands out a crumb the quote endpoint refuses
    fake.crumb = "moving-target"
    with pytest.raises(AuthError):
        await rest.quote(["AAPL"])
    assert fake.paths().count("/v1/test/getcrumb") == 2  # renewed once, not forever


async def test_429_sets_backoff_in_minutes(fake: FakeYahoo, rest: YahooRest, clock: Clock) -> None:
    await rest.ensure_auth()
    fake.force_429 = 1
    with pytest.raises(RateLimited) as err:
        await rest.quote(["AAPL"])
    assert err.value.retry_in == pytest.approx(120.0, abs=1.0)
    until = rest.rate_limited_until
    assert until is not None and until == pytest.approx(clock.now() + 120.0, abs=2.0)
    sent = len(fake.log)
    with pytest.raises(RateLimited):
        await rest.quote(["AAPL"])  # inside the back-off: nothing is sent
    assert len(fake.log) == sent


async def test_429_retry_after_and_growth(fake: FakeYahoo, clock: Clock) -> None:
    client = YahooRest(Endpoints.from_env(fake.base_url), clock, min_interval=0.0, rate_limit_backoff=0.05)
    try:
        await client.ensure_auth()
        fake.force_429 = 2
        with pytest.raises(RateLimited) as first:
            await client.quote(["AAPL"])
        await wait_for(lambda: client.rate_limit_left() == 0, 2.0, "back-off end")
        with pytest.raises(RateLimited) as second:
            await client.quote(["AAPL"])
        assert second.value.retry_in == pytest.approx(2 * first.value.retry_in, rel=0.01)  # grows
        await wait_for(lambda: client.rate_limit_left() == 0, 2.0, "back-off end")
        quotes, _, _ = await client.quote(["AAPL"])
        assert quotes and client.rate_limited_until is None
        fake.force_429, fake.retry_after = 1, "600"
        with pytest.raises(RateLimited) as third:
            await client.quote(["AAPL"])
        assert third.value.retry_in == pytest.approx(600.0)  # Retry-After honoured (strikes reset by success)
    finally:
        await client.close()


async def test_floor_between_requests(fake: FakeYahoo, clock: Clock) -> None:
    client = YahooRest(Endpoints.from_env(fake.base_url), clock, min_interval=0.15)
    try:
        await asyncio.gather(client.quote(["AAPL"]), client.quote(["MSFT"]), client.quote(["BABA"]))
    finally:
        await client.close()
    stamps = [t for t, _, _ in fake.log]
    assert len(stamps) == 5  # cookie, crumb, three quotes: one at a time
    gaps = [b - a for a, b in itertools.pairwise(stamps)]
    assert min(gaps) >= 0.14


async def test_quote_summary_and_chart(fake: FakeYahoo, rest: YahooRest) -> None:
    f = await rest.quote_summary("BABA")
    assert (f.currency, f.financial_currency, f.revenue_ttm) == ("USD", "CNY", 981767028736)
    q = fake.log[-1][2]
    assert q["modules"].split(",") == ["price", "summaryDetail", "defaultKeyStatistics", "financialData"]
    with pytest.raises(NotFound):
        await rest.quote_summary("ZZZZ")
    bars = await rest.chart("0700.HK")
    assert len(bars) == 5 and bars[-1].close == 478.8


# -- stream ----------------------------------------------------------------------------------------------------


def _stream(fake: FakeYahoo, clock: Clock, got: list[Quote], **kw) -> YahooStream:
    kw.setdefault("backoff_min", 0.05)
    kw.setdefault("rng", random.Random(7))
    return YahooStream(fake.stream_url, got.append, clock, **kw)


async def _run(stream: YahooStream) -> asyncio.Task[None]:
    return asyncio.create_task(stream.run())


async def _finish(stream: YahooStream, task: asyncio.Task[None]) -> None:
    stream.stop()
    await asyncio.wait_for(task, 5)
    assert stream.state == "stopped"


async def test_stream_reconnects_after_abrupt_drop_and_clean_close(fake: FakeYahoo, clock: Clock) -> None:
    fake.ws_script = ["abrupt", "clean", "hold"]
    fake.frames = recorded_frames()
    got: list[Quote] = []
    stream = _stream(fake, clock, got)
    stream.set_symbols(["DKNG", "BTC-USD"])
    task = await _run(stream)
    try:
        await wait_for(lambda: len(fake.connections) == 3 and fake.subscriptions(2), 10, "third connection")
        for i in range(3):
            assert fake.subscriptions(i)[0] == ["DKNG", "BTC-USD"]  # re-subscribed after each reconnect
        await wait_for(lambda: len(got) >= 6, 5, "frames from all three connections")
        assert stream.connects == 3 and stream.reconnects == 2
        assert stream.state == "live"
        assert {q.symbol for q in got} == {"DKNG", "BTC-USD"}
        assert stream.last_message_time is not None
    finally:
        await _finish(stream, task)


async def test_stream_does_not_spin_when_server_closes_at_once(fake: FakeYahoo, clock: Clock) -> None:
    fake.ws_script = ["immediate"]
    stream = _stream(fake, clock, [], backoff_min=0.2)
    stream.set_symbols(["NVDA"])
    cpu0 = time.process_time()
    task = await _run(stream)
    await asyncio.sleep(2.0)  # the observation window itself: count attempts in it
    attempts = len(fake.ws_attempts)
    cpu = time.process_time() - cpu0
    await _finish(stream, task)
    # back-off 0.2, 0.4, 0.8 (±20 %) → at most 4-5 attempts in 2 s; a spinning client makes hundreds.
    # Only the upper bound is the property; a stalled machine may let fewer attempts through.
    assert 1 <= attempts <= 5, attempts
    assert cpu < 1.0
    # every attempt after the first is a reconnection (give a late-counted one its due)
    assert stream.reconnects in (attempts - 1, attempts), (stream.reconnects, attempts)


async def test_stream_backs_off_when_nothing_listens(clock: Clock) -> None:
    import socket

    with socket.socket() as s:  # a port with nothing behind it
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    stream = YahooStream(
        f"ws://127.0.0.1:{port}/streamer/?version=2",
        lambda q: None,
        clock,
        backoff_min=0.2,
        rng=random.Random(1),
    )
    stream.set_symbols(["NVDA"])
    task = asyncio.create_task(stream.run())
    states: set[str] = set()
    loop = asyncio.get_running_loop()
    end = loop.time() + 1.5
    while loop.time() < end:
        states.add(stream.state)
        await asyncio.sleep(0.02)
    await _finish(stream, task)
    assert stream.connects == 0
    assert any(s.startswith("reconnecting in ") for s in states)
    assert stream.last_error is not None


async def test_set_symbols_changes_subscription_without_reconnect(fake: FakeYahoo, clock: Clock) -> None:
    fake.ws_script = ["hold"]
    stream = _stream(fake, clock, [])
    stream.set_symbols(["NVDA", "0981.HK"])
    task = await _run(stream)
    try:
        await wait_for(lambda: fake.connections and fake.subscriptions(0), 5, "first subscription")
        stream.set_symbols(["0981.HK", "TSLA"])
        await wait_for(lambda: len(fake.connections[0].received) >= 3, 5, "new subscription")
        msgs = fake.connections[0].received
        assert msgs[1] == {"unsubscribe": ["NVDA"]}
        assert msgs[2] == {"subscribe": ["0981.HK", "TSLA"]}
        assert len(fake.connections) == 1 and stream.connects == 1 and stream.reconnects == 0
    finally:
        await _finish(stream, task)


async def test_heartbeat_resends_subscription(fake: FakeYahoo, clock: Clock) -> None:
    stream = _stream(fake, clock, [], heartbeat=0.05)
    stream.set_symbols(["NVDA"])
    task = await _run(stream)
    try:
        await wait_for(lambda: fake.connections and len(fake.subscriptions(0)) >= 3, 5, "heartbeats")
        assert all(s == ["NVDA"] for s in fake.subscriptions(0))
        assert len(fake.connections) == 1
    finally:
        await _finish(stream, task)


async def test_bad_frames_are_counted_and_the_connection_stays(fake: FakeYahoo, clock: Clock) -> None:
    fake.frames = [
        "garbage",
        '{"type":"pricing","message":"@@@"}',
        make_frame("NVDA", 181.25, 1_772_463_600_000, market_hours=1),
    ]
    rejects: list[str] = []
    got: list[Quote] = []
    stream = _stream(fake, clock, got, on_reject=rejects.append)
    stream.set_symbols(["NVDA"])
    task = await _run(stream)
    try:
        await wait_for(lambda: got, 5, "the good frame")
        assert stream.rejected == 2 and len(rejects) == 2 and "bad base64" in rejects[1]
        assert got[0].price == 181.25 and got[0].time == 1_772_463_600.0
        assert stream.connects == 1 and stream.state == "live"
    finally:
        await _finish(stream, task)
