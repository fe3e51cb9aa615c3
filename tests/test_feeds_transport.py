"""REST transports: curl_cffi (browser impersonation) for Yahoo's hosts, aiohttp for loopback; the proxy option
reaching both REST and the websocket."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from feeds_fake_yahoo import FakeYahoo, make_frame, need_recorded, recorded_v7_results, wait_for
from feeds_proxy import TinyProxy

from tui.core.clock import Clock
from tui.core.store import MarketStore
from tui.feeds.endpoints import Endpoints
from tui.feeds.http import AiohttpTransport
from tui.feeds.transport_curl import CurlTransport, make_transport, transport_kind
from tui.feeds.yahoo_feed import YahooFeed
from tui.feeds.yahoo_rest import RateLimited, YahooRest
from tui.model import QuoteSource

T0 = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)

pytest.importorskip("curl_cffi", reason="curl_cffi (yfinance's HTTP library) is not installed")


@pytest.fixture
async def fake() -> AsyncIterator[FakeYahoo]:
    need_recorded()
    server = FakeYahoo(v7=recorded_v7_results())
    await server.start()
    yield server
    await server.stop()


def test_real_hosts_get_curl_loopback_gets_aiohttp(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AIWATCH_TRANSPORT", raising=False)
    monkeypatch.delenv("AIWATCH_YAHOO_URL", raising=False)
    real = Endpoints.from_env()
    local = Endpoints.with_base("http://127.0.0.1:8765")
    assert transport_kind(real) == "curl" and transport_kind(local) == "aiohttp"
    assert isinstance(make_transport(real, proxy="http://127.0.0.1:9"), CurlTransport)
    assert isinstance(make_transport(local), AiohttpTransport)
    assert transport_kind(Endpoints.with_base("https://yahoo-mirror.example.net")) == "curl"
    monkeypatch.setenv("AIWATCH_TRANSPORT", "aiohttp")
    assert transport_kind(real) == "aiohttp"
    monkeypatch.setenv("AIWATCH_TRANSPORT", "curl")
    assert transport_kind(local) == "curl"
    # the default REST client for Yahoo's hosts impersonates a browser, with the proxy given
    monkeypatch.delenv("AIWATCH_TRANSPORT")
    rest = YahooRest(real, Clock(T0, speed=0), proxy="http://127.0.0.1:9")
    assert isinstance(rest.transport, CurlTransport) and rest.transport.proxy == "http://127.0.0.1:9"
    assert rest.transport.impersonate.startswith("chrome")


async def test_curl_transport_speaks_cookie_crumb_quote_and_429(fake: FakeYahoo) -> None:
    endpoints = Endpoints.from_env(fake.base_url, fake.stream_url)
    rest = YahooRest(endpoints, Clock(T0, speed=1.0), transport=CurlTransport(), min_interval=0.0,
                     rate_limit_backoff=60.0)
    try:
        quotes, _funds, missing = await rest.quote(["AAPL", "^GSPC", "BABA"])
        assert {q.symbol for q in quotes} == {"AAPL", "BABA"} and missing == {"^GSPC"}
        assert fake.cookie_seen[-1], "the cookie from the first answer went back with the quote"
        quote_query = [q for _, p, q in fake.log if p == "/v7/finance/quote"][-1]
        assert quote_query["symbols"] == "AAPL,^GSPC,BABA" and quote_query["crumb"] == "crumbA"
        # the crumb changes on the server: one 401, a renewal, and the answer
        fake.crumb = "crumbB"
        quotes, _f, _m = await rest.quote(["MSFT"])
        assert [q.symbol for q in quotes] == ["MSFT"]
        fake.force_429 = 1
        with pytest.raises(RateLimited):
            await rest.quote(["AAPL"])
        assert rest.rate_limit_left() > 50
    finally:
        await rest.close()


async def test_curl_transport_errors_are_oserrors() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    transport = CurlTransport(timeout=5)
    try:
        with pytest.raises(OSError):
            await transport.get(f"http://127.0.0.1:{port}/v7/finance/quote", {"symbols": "AAPL"})
    finally:
        await transport.close()


@pytest.mark.parametrize("transport", ["aiohttp", "curl"])
async def test_proxy_carries_rest_and_the_stream(fake: FakeYahoo, transport: str,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIWATCH_TRANSPORT", transport)
    proxy = await TinyProxy().start()
    fake.frames = [make_frame("AAPL", 250.5, int(T0.timestamp() * 1000), market_hours=1)]
    store = MarketStore()
    feed = YahooFeed(store, Clock(T0, speed=1.0), Endpoints.from_env(fake.base_url, fake.stream_url),
                     poll_interval=30.0, min_interval=0.0, extra_symbols=(), proxy=proxy.url)
    try:
        feed.set_symbols(["AAPL", "MSFT"])
        await feed.start()
        assert await feed.wait_until_quoted(["AAPL", "MSFT"], timeout=10) == set()
        await wait_for(lambda: store.quotes["AAPL"].source is QuoteSource.STREAM, 10, "a streamed quote")
        assert proxy.saw("/v1/test/getcrumb") and proxy.saw("/v7/finance/quote?")
        assert proxy.saw("/streamer/"), proxy.requests
        assert fake.subscriptions(0)[0] == ["AAPL", "MSFT"]
    finally:
        await feed.stop()
        await proxy.stop()
