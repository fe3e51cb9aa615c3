"""Quitting leaves no HTTP session open: a request in flight when the feed closes, or one a worker asks for just
after, opens no session that nobody will close.

CI once failed on this (stop 12): the soak test logged asyncio's "Unclosed client session", raised when the garbage
collector met a session leaked by an earlier test that had pressed q while the sparkline worker was between two
chart requests. The worker's next request opened a fresh session on the transport the feed had just closed.
"""

from __future__ import annotations

import asyncio
import gc
import logging

import pytest
from e2e_support import US_OPEN, wait_for

from tui.app import AiwatchApp
from tui.core.clock import Clock, parse_instant
from tui.feeds.http import AiohttpTransport
from tui.feeds.transport_curl import CurlTransport
from tui.runtime import Runtime
from tui.sim.server import Simulator
from tui.watchlists import load_all

# every REST request waits 2 s at the simulator: long enough to be caught in flight
SLOW = "slow=1,slow_delay=2s"


def _unclosed(caplog: pytest.LogCaptureFixture) -> list[str]:
    gc.collect()  # aiohttp reports a leaked session when it is collected
    return [r.getMessage() for r in caplog.records if "Unclosed" in r.getMessage()]


def _make_transport(kind: str):
    if kind == "curl":
        pytest.importorskip("curl_cffi", reason="curl_cffi (yfinance's HTTP library) is not installed")
        return CurlTransport(timeout=10)
    return AiohttpTransport(timeout=10)


@pytest.mark.parametrize("kind", ["aiohttp", "curl"])
async def test_a_closed_transport_refuses_requests_and_opens_no_session(kind: str, caplog) -> None:
    caplog.set_level(logging.WARNING)
    sim = Simulator(Clock(at=parse_instant(US_OPEN), speed=0), seed=7, rate=20, faults=SLOW)
    await sim.start()
    try:
        transport = _make_transport(kind)
        in_flight = asyncio.create_task(transport.get(sim.base_url + "/"))
        await wait_for(lambda: sim.requests >= 1, timeout=10)
        await transport.close()  # the feed stops while that request waits at the server
        with pytest.raises(ConnectionError, match="closed"):
            await transport.get(sim.base_url + "/")
        await asyncio.gather(in_flight, return_exceptions=True)
        assert sim.requests == 1  # nothing went out after close
        assert transport._session is None
        del transport, in_flight
        assert not _unclosed(caplog)
    finally:
        await sim.stop()


async def test_quitting_while_sparklines_are_fetched_leaves_no_session_open(tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("AIWATCH_CONFIG_DIR", str(tmp_path))
    caplog.set_level(logging.WARNING)
    runtime = Runtime(demo=True, clock=Clock(at=parse_instant(US_OPEN), speed=0), seed=7, rate=50.0, faults=SLOW)
    app = AiwatchApp(runtime, load_all(), initial="ai-rivals")
    async with app.run_test(size=(160, 40)) as pilot:
        # the board is wide enough for the intraday column: the seed worker fetches charts, 2 s each
        await wait_for(lambda: app.spark_seeder.running, timeout=30)
        sim = runtime.sim
        assert sim is not None
        before = sim.requests
        await wait_for(lambda: sim.requests > before, timeout=10)  # a chart request is at the server now
        seeding = [w for w in app.workers if w.name == "spark-seed"]
        assert seeding
        await pilot.press("q")
        # the worker was stopped before the feed closed, not left to find the transport closed
        assert all(w.is_cancelled for w in seeding), [w.state for w in seeding]
        assert runtime.feed is not None and runtime.feed.rest.transport._session is None
    assert not _unclosed(caplog)  # nor was one dropped unclosed along the way
