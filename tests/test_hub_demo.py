"""A demo hub and several clients: every client gets quotes, the upstream is opened once whatever the number of
clients, the data says it is simulated, and a snapshot through the hub at a frozen clock has the direct one's
prices."""

from __future__ import annotations

import asyncio

from hub_support import AT, HK, US, RunningHub, clients, wait_until
from redis_support import redis_server  # noqa: F401 - the fixture


async def test_several_clients_share_one_upstream(redis_server):  # noqa: F811
    async with RunningHub(redis_server.url) as hub:
        async with clients(redis_server.url, 1, symbols=(*US, *HK)) as [first]:
            await wait_until(lambda: all(s in first.store.quotes for s in (*US, *HK)), what="the first client's quotes")
            sim = hub.runtime.sim
            await wait_until(lambda: hub.hub.union and set(US) <= set(hub.hub.union), what="the hub's union")
            await asyncio.sleep(0)
            requests_with_one = sim.requests
            async with clients(redis_server.url, 4, symbols=(*US, *HK)) as more:
                for rt in more:
                    await wait_until(lambda rt=rt: all(s in rt.store.quotes for s in (*US, *HK)),
                                     what="every client's quotes")
                    # the hub's quotes are labelled simulated, and so is the client's runtime
                    assert rt.feed.simulated is True and rt.simulated is True and rt.source == "demo"
                    q = rt.store.quotes["0700.HK"]
                    assert q.source_name in ("tencent", "sina", "yahoo") and q.time > 0
                await wait_until(lambda: hub.hub.clients == 5, what="five leases")
                assert sim.streams_opened == 1  # one websocket for five clients
                # the new clients' symbols were the hub's already: nothing more was asked upstream for them than
                # the hub's own steady polling would (no cold start per client)
                assert sim.requests - requests_with_one < 30
                await wait_until(lambda: more[0].feed.status().sources[0].clients == 5, what="the hub's status")
                status = more[0].feed.status()
                assert status.sources[0].name == "hub" and status.sources[0].state == "live"
                assert [s.name for s in status.sources[1:3]] == ["yahoo", "tencent"]


async def test_snapshot_through_the_hub_equals_the_direct_one_at_a_frozen_clock(redis_server):  # noqa: F811
    from hub_support import client_runtime, demo_runtime

    direct = demo_runtime(speed=0.0)
    direct.set_symbols(US)
    await direct.start()
    try:
        assert not await direct.wait_until_quoted(US, 20)
        want = {s: direct.store.quotes[s].price for s in US}
    finally:
        await direct.stop()
    async with RunningHub(redis_server.url, speed=0.0):
        rt = client_runtime(redis_server.url, speed=0.0)
        rt.set_symbols(US)
        await rt.start()
        try:
            assert not await rt.wait_until_quoted(US, 20)
            got = {s: rt.store.quotes[s].price for s in US}
            assert rt.clock.now() == AT.timestamp()
        finally:
            await rt.stop()
    assert got == want


async def test_a_client_on_real_time_runs_on_a_demo_hubs_simulated_clock(redis_server):  # noqa: F811
    # `aiwatch --hub URL` has no --at: its clock is today's; a demo hub's quotes are of another day, which would
    # make every one of them days stale. The client takes the hub's clock (a real hub's is never taken)
    from tui.core.clock import Clock
    from tui.runtime import Runtime

    async with RunningHub(redis_server.url) as hub:
        rt = Runtime(demo=False, clock=Clock(), hub_url=redis_server.url)
        rt.set_symbols(US)
        await rt.start()
        try:
            assert not await rt.wait_until_quoted(US, 20)
            assert abs(rt.clock.now() - hub.runtime.clock.now()) < 1.5
            assert abs(rt.clock.now() - AT.timestamp()) < 120  # the hub's pinned day, not today
        finally:
            await rt.stop()
