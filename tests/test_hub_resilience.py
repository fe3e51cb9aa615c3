"""Leases, a Redis killed and restarted under a running hub and its clients, a hub stopped and another one taking
over, and the direct fallback: each on a real redis-server, waiting on conditions."""

from __future__ import annotations

from datetime import UTC, datetime

import redis.asyncio as aioredis
from hub_support import US, RunningHub, client_runtime, clients, wait_until
from redis_support import redis_server  # noqa: F401 - the fixture

from tui.core.clock import Clock


async def test_a_client_that_quits_loses_its_symbols_after_the_lease_ttl(redis_server):  # noqa: F811
    async with RunningHub(redis_server.url) as hub:
        async with clients(redis_server.url, 1, symbols=("NVDA", "MSFT"), hub_options={"lease_ttl": 1.5}):
            async with clients(redis_server.url, 1, symbols=("AMD",), hub_options={"lease_ttl": 1.5}) as [b]:
                await wait_until(lambda: "AMD" in hub.hub.union and "NVDA" in hub.hub.union, what="the union")
                await wait_until(lambda: "AMD" in hub.runtime.feed.symbols, what="the upstream's symbols")
                for t in b.feed._tasks:  # the client dies without a word: its lease is not deleted
                    t.cancel()
                b.feed._r = None
                await wait_until(lambda: "AMD" not in hub.hub.union, timeout=10, what="AMD leaving the union")
                assert "NVDA" in hub.hub.union
                await wait_until(lambda: "AMD" not in hub.runtime.feed.symbols, what="AMD dropped upstream")


async def test_redis_restarted_mid_run_clients_recover_and_keys_are_filled_again(redis_server):  # noqa: F811
    async with RunningHub(redis_server.url) as hub:
        async with clients(redis_server.url, 2, symbols=US) as rts:
            await wait_until(lambda: all(all(s in rt.store.quotes for s in US) for rt in rts), what="quotes")
            redis_server.stop()
            for rt in rts:
                await wait_until(lambda rt=rt: rt.feed.status().sources[0].state.startswith("unreachable since"),
                                 what="the client saying unreachable")
                assert rt.store.quotes["NVDA"].price > 0  # the last values are kept
            await wait_until(lambda: hub.hub.redis_lost_since is not None, what="the hub noticing")
            assert hub.runtime.feed is not None and hub.runtime.sim.streams_opened == 1  # the upstream kept running
            redis_server.start()
            # from unreachable straight to live: a restarted Redis holds no heartbeat until the hub has reconnected
            # too, and that is not the hub being down
            seen: list[str] = []

            def live_again(rt) -> bool:
                state = rt.feed.status().sources[0].state
                seen.append(state)
                return state == "live"

            for rt in rts:
                await wait_until(lambda rt=rt: live_again(rt), timeout=30, what="the client live again")
            assert not [s for s in seen if s.startswith("down")], sorted(set(seen))
            await wait_until(lambda: hub.hub.refills >= 1, what="the hub filling the keys again")
            r = aioredis.from_url(redis_server.url)
            try:
                await wait_until(lambda: hub.hub.clients == 2, what="both leases registered again")
                assert await r.get("aiwatch:q:NVDA") is not None
                assert len([k async for k in r.scan_iter(match="aiwatch:lease:*")]) == 2
                assert await r.get("aiwatch:lock") == hub.hub.token.encode()
            finally:
                await r.aclose()
            before = rts[0].feed.received_batches
            await wait_until(lambda: rts[0].feed.received_batches > before, what="ticks again")
            assert hub.runtime.sim.streams_opened == 1


async def test_a_stopped_hub_is_down_and_a_waiting_hub_takes_over(redis_server):  # noqa: F811
    first = RunningHub(redis_server.url)
    await first.__aenter__()
    second = RunningHub(redis_server.url)
    try:
        async with clients(redis_server.url, 1, symbols=US, hub_options={"down_after": 1.5}) as [rt]:
            await wait_until(lambda: rt.feed.hub_live(), what="the client live")
            await second.__aenter__()
            await wait_until(lambda: second.hub.state == "waiting for the lock", what="the second hub waiting")
            assert second.runtime.feed is None  # no upstream while it waits
            assert await first.stop() == "stopped"
            await wait_until(lambda: rt.feed.status().sources[0].state.startswith("down since")
                             or second.hub.has_lock, what="the client saying down, or the takeover")
            await wait_until(lambda: second.hub.has_lock and second.hub.state == "running", what="the takeover")
            await wait_until(lambda: rt.feed.hub_live(), what="the client live on the second hub")
            before = rt.feed.received_batches
            await wait_until(lambda: rt.feed.received_batches > before, what="ticks from the second hub")
            # and with no hub at all the client says so
            await second.stop()
            await wait_until(lambda: rt.feed.status().sources[0].state.startswith("down since"),
                             what="the client saying down")
            assert "down since" in rt.feed.trouble_text()
    finally:
        await first.stop()
        await second.stop()


async def test_direct_fallback_runs_its_own_upstream_while_the_hub_is_down(redis_server):  # noqa: F811
    from tui.sim.server import Simulator

    own = Simulator(Clock(at=datetime(2026, 11, 24, 15, 0, tzinfo=UTC)), seed=7, rate=20.0)
    await own.start()
    try:
        hub = RunningHub(redis_server.url)
        await hub.__aenter__()
        rt = client_runtime(redis_server.url, fallback="direct", hub_options={"down_after": 1.5},
                            yahoo_url=own.base_url, stream_url=own.stream_url, tencent_url=own.base_url,
                            sina_url=own.base_url)
        rt.set_symbols(US)
        await rt.start()
        try:
            await wait_until(lambda: rt.feed.hub_live() and "NVDA" in rt.store.quotes, what="quotes via the hub")
            assert own.streams_opened == 0 and own.requests == 0  # nothing of its own while the hub runs
            await hub.stop()
            await wait_until(lambda: rt.feed.direct is not None, what="the fallback starting")
            await wait_until(lambda: own.streams_opened == 1, what="the client's own websocket")
            status = rt.feed.status()
            assert status.sources[0].name == "hub" and status.sources[0].state.startswith("down since")
            assert any(s.name == "yahoo" for s in status.sources[1:])
            hub = RunningHub(redis_server.url)
            await hub.__aenter__()
            await wait_until(lambda: rt.feed.direct is None, timeout=30, what="the hand-back to the hub")
            await wait_until(lambda: not own._sockets, what="the client's own websocket closed")
            assert rt.feed.hub_live()
        finally:
            await rt.stop()
            await hub.stop()
    finally:
        await own.stop()


async def test_a_hub_stopped_cleanly_leaves_no_clock_and_indices_are_not_waited_for(redis_server):  # noqa: F811
    """A clean stop removes the lock, the heartbeat and the status: a demo hub started next runs on its own --at
    (only a hub taking over from one that died carries on from the status it left). And a client never waits for
    statements of an index or an FX rate, though the hub publishes what quoteSummary says of them: `snapshot --hub`
    would otherwise wait out its whole timeout."""
    symbols = (*US, "^GSPC", "HKD=X")
    async with RunningHub(redis_server.url) as hub:
        async with clients(redis_server.url, 1, symbols=symbols) as (rt,):
            await wait_until(lambda: all(s in rt.store.quotes for s in symbols), what="quotes")
            await wait_until(lambda: "^GSPC" in rt.store.fundamentals, what="the index's quoteSummary")
            assert not rt.feed.is_equity("^GSPC") and not rt.feed.is_equity("HKD=X") and rt.feed.is_equity("NVDA")
            missing = await rt.wait_until_quoted(symbols, timeout=30)
            assert not missing
        await hub.stop()
    r = aioredis.from_url(redis_server.url)
    try:
        assert await r.get("aiwatch:status") is None and await r.get("aiwatch:heartbeat") is None
        assert await r.get("aiwatch:lock") is None
    finally:
        await r.aclose()


async def test_a_demo_hub_started_again_earlier_is_followed_not_hidden(redis_server):  # noqa: F811
    """A demo hub stopped and started again at an earlier simulated instant: a running client goes back with its
    clock and drops the quotes made after it, so the new hub's prices show (and age) instead of the old ones staying
    the newest for ever at 0 s."""
    from datetime import timedelta

    from hub_support import AT

    later = AT + timedelta(hours=1)
    async with RunningHub(redis_server.url, at=later) as first:
        async with clients(redis_server.url, 1, symbols=US) as (rt,):
            await wait_until(lambda: all(s in rt.store.quotes for s in US), what="quotes")
            assert rt.store.quotes["NVDA"].time >= later.timestamp() - 60
            await first.stop()
            async with RunningHub(redis_server.url, at=AT):
                await wait_until(lambda: rt.clock.now() < later.timestamp() - 600, what="the client's clock back")
                await wait_until(lambda: "NVDA" in rt.store.quotes
                                 and rt.store.quotes["NVDA"].time < later.timestamp() - 600,
                                 what="the new hub's NVDA shown")
                seen = rt.store.quotes["NVDA"].time
                await wait_until(lambda: rt.store.quotes["NVDA"].time > seen, what="its ticks followed")
