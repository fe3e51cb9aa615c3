"""Why a feed has no data: the failures of the HTTP and websocket clients named by their cause, kept with since
when and the next try, and said in the same words by the status line and `aiwatch snapshot`."""

from __future__ import annotations

import base64
import json
import re
import socket
import ssl

import aiohttp
import pytest
from hostile_support import Server, garbage

from tui.core.clock import Clock
from tui.feeds.pricing import PricingData
from tui.feeds.transport_curl import CurlTransport, curl_cause
from tui.feeds.trouble import Cause, Trouble, TroubleSlot, classify, combined, source_name_of
from tui.feeds.yahoo_stream import GARBAGE_RUN, YahooStream

YAHOO = "https://query2.finance.yahoo.com/v7/finance/quote"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize(("exc", "cause"), [
    (socket.gaierror(-2, "Name or service not known"), Cause.DNS),
    (ConnectionRefusedError(111, "Connection refused"), Cause.REFUSED),
    (TimeoutError(), Cause.TIMEOUT),
    (ssl.SSLCertVerificationError(1, "certificate verify failed"), Cause.TLS),
    (ValueError("Expecting value: line 1 column 1"), Cause.GARBAGE),
    (ConnectionResetError(104, "Connection reset by peer"), Cause.NETWORK),
])
def test_exceptions_are_named_by_their_cause(exc, cause):
    trouble = classify(exc, url=YAHOO, source="Yahoo")
    assert trouble.cause is cause
    assert trouble.host == "query2.finance.yahoo.com"


def test_through_a_proxy_a_refused_connection_is_the_proxys():
    trouble = classify(ConnectionRefusedError(111, "Connection refused"), url=YAHOO, source="Yahoo",
                       proxy="http://user:secret@10.0.0.7:7890")
    assert trouble.cause is Cause.PROXY and trouble.host == "10.0.0.7:7890"  # no user, no password
    assert "secret" not in trouble.describe()


@pytest.mark.parametrize(("code", "proxied", "cause"), [
    (6, False, Cause.DNS), (7, False, Cause.REFUSED), (7, True, Cause.PROXY), (5, True, Cause.PROXY),
    (97, False, Cause.PROXY), (28, False, Cause.TIMEOUT), (35, False, Cause.TLS), (60, False, Cause.TLS),
    (56, False, Cause.NETWORK), (None, False, Cause.NETWORK),
])
def test_libcurl_error_codes_are_named_by_their_cause(code, proxied, cause):
    assert curl_cause(code, proxied=proxied) is cause


def test_the_words_name_the_cause_the_host_since_when_and_the_next_try():
    t = Trouble(Cause.RATE_LIMITED, "Yahoo", "query2.finance.yahoo.com", status=429, since=0.0, next_try=120.0)
    assert re.fullmatch(r"rate-limited by Yahoo \(HTTP 429\) since \d\d:\d\d; next try \d\d:\d\d", t.describe())
    dns = Trouble(Cause.DNS, "Yahoo", "query2.finance.yahoo.com", channel="stream")
    assert dns.describe() == "stream: cannot resolve query2.finance.yahoo.com (DNS failure)"
    refused = Trouble(Cause.REFUSED, "x", "127.0.0.1:9")
    assert refused.what() == "cannot connect to 127.0.0.1:9: connection refused"
    assert combined(refused, Trouble(Cause.REFUSED, "x", "127.0.0.1:9", channel="stream")) == refused.describe()
    assert combined(None, None) is None
    assert source_name_of(YAHOO) == "Yahoo" and source_name_of("http://127.0.0.1:8765") == "127.0.0.1:8765"


def test_a_run_of_failures_keeps_the_time_it_began():
    slot = TroubleSlot()
    first = slot.failed(Trouble(Cause.REFUSED, "x", "h"), now=100.0)
    again = slot.failed(Trouble(Cause.REFUSED, "x", "h"), now=160.0)
    assert first.since == again.since == 100.0
    other = slot.failed(Trouble(Cause.DNS, "x", "h"), now=200.0)
    assert other.since == 200.0
    slot.clear()
    assert slot.current is None


def test_server_text_in_a_trouble_is_cleaned():
    t = classify(ConnectionResetError(104, "reset \x1b]0;PWNED\x07" + "x" * 10_000), url=YAHOO,
                 source="Yahoo\x9b2J")
    assert "\x1b" not in t.describe() and "PWNED" not in t.describe() and len(t.detail) <= 500
    assert t.source == "Yahoo"


async def test_aiohttp_refused_connection_is_named_refused():
    port = _free_port()
    async with aiohttp.ClientSession() as session:
        with pytest.raises(aiohttp.ClientError) as err:
            await session.get(f"http://127.0.0.1:{port}/")
    t = classify(err.value, url=f"http://127.0.0.1:{port}/", source="here")
    assert t.cause is Cause.REFUSED and t.what() == f"cannot connect to 127.0.0.1:{port}: connection refused"


async def test_curl_refused_and_tls_failures_are_named():
    pytest.importorskip("curl_cffi")
    transport = CurlTransport(timeout=5)
    try:
        port = _free_port()
        with pytest.raises(ConnectionError) as err:
            await transport.get(f"http://127.0.0.1:{port}/")
        assert classify(err.value, url=f"http://127.0.0.1:{port}/", source="x").cause is Cause.REFUSED
        server = Server(garbage())
        try:
            with pytest.raises(ConnectionError) as err:
                await transport.get(f"https://127.0.0.1:{server.port}/")
        finally:
            server.stop()
        assert classify(err.value, url=f"https://127.0.0.1:{server.port}/", source="x").cause is Cause.TLS
    finally:
        await transport.close()


def _frame(symbol: str = "NVDA") -> str:
    msg = PricingData(id=symbol, price=10.0, time=1_764_000_000_000)
    return json.dumps({"type": "pricing", "message": base64.b64encode(msg.SerializeToString()).decode()})


def test_a_run_of_unreadable_frames_is_the_streams_garbage_until_a_good_one():
    quotes = []
    stream = YahooStream("ws://127.0.0.1:9/streamer/", quotes.append, Clock(), source_name="here")
    for _ in range(GARBAGE_RUN - 1):
        stream._on_frame("<html>")
    assert stream.trouble is None  # a few bad frames are not an outage
    stream._on_frame("<html>")
    assert stream.trouble is not None and stream.trouble.cause is Cause.GARBAGE
    assert stream.trouble.describe().startswith("stream: here answers garbage: stream frames cannot be read (not JSON")
    stream._on_frame(_frame())
    assert stream.trouble is None and len(quotes) == 1
