"""The board's intraday line through the hub: the hub seeds each leased symbol's day of 5-minute closes (as a
direct app does from the chart endpoint) and keeps its line under {p}i:{SYM}; a client joining mid-session draws
the same line, and a client already connected gets it on the updates channel. On a real redis-server, at a pinned
clock, waiting on conditions."""

from __future__ import annotations

import redis.asyncio as aioredis
from hub_support import HK, US, RunningHub, clients, wait_until
from redis_support import redis_server  # noqa: F401 - the fixture

from tui.hub import codec
from tui.widgets.board import spark_text

SYMBOLS = (*US, *HK)


async def test_a_client_joining_mid_session_gets_the_hubs_intraday_line(redis_server):  # noqa: F811
    # a frozen clock (10:00 in New York, 23:00 in Hong Kong: the US session half an hour old, Hong Kong's day
    # over): no tick moves a line while it is compared, so the client's line must be the hub's point for point
    async with RunningHub(redis_server.url, speed=0.0) as hub:
        async with clients(redis_server.url, 1, symbols=SYMBOLS, speed=0.0) as [first]:
            await wait_until(lambda: all(s in hub.hub.intraday_seeded for s in SYMBOLS), what="the hub's seeds")
            r = aioredis.from_url(redis_server.url)
            try:
                await wait_until(lambda: all(s in hub.hub._intraday_written for s in SYMBOLS), what="the keys")
                raw = await r.get("aiwatch:i:NVDA")
            finally:
                await r.aclose()
            symbol, points = codec.intraday_from_data(codec.loads(raw))
            assert symbol == "NVDA" and len(points) >= 6  # 9:30 to 10:00 in 5-minute closes, and the live point
            hub_lines = {s: list(hub.runtime.store.intraday[s]) for s in SYMBOLS}
            # the client connected while the hub seeded: the updates channel brought the lines
            await wait_until(lambda: all(list(first.store.intraday.get(s, ())) == hub_lines[s] for s in SYMBOLS),
                             what="the first client's lines")
            async with clients(redis_server.url, 1, symbols=SYMBOLS, speed=0.0) as [late]:
                # the late client reads the keys at its start, after the quotes: before its board asks
                await wait_until(lambda: all(list(late.store.intraday.get(s, ())) == hub_lines[s] for s in SYMBOLS),
                                 what="the late client's lines")
                for s in SYMBOLS:  # the board's intraday cell is the hub's, and not blank
                    assert spark_text(late.store, s) == spark_text(hub.runtime.store, s) != "", s
                    assert await late.feed.seed_intraday(s) == 0  # asking again adds nothing
                    assert list(late.store.intraday[s]) == hub_lines[s], s


async def test_on_a_running_clock_the_late_clients_line_is_the_hubs_up_to_its_join(redis_server):  # noqa: F811
    # the clock runs: the hub's key is at most a minute old (written again at most once a minute), and the
    # client's line goes on from its own ticks; so it is the hub's up to the key's last write, then its own points
    # a minute apart (at most one minute of the hub's points, the one the key had not yet got, is not in it)
    from tui.hub.server import INTRADAY_REFRESH

    async with RunningHub(redis_server.url) as hub:
        async with clients(redis_server.url, 1, symbols=US):
            await wait_until(lambda: all(s in hub.hub._intraday_written for s in US), what="the keys")
            joined = hub.runtime.clock.now()
            async with clients(redis_server.url, 1, symbols=US) as [late]:
                def same_start(s: str) -> bool:
                    old = [p for p in hub.runtime.store.intraday[s] if p[0] < joined - INTRADAY_REFRESH - 1]
                    return len(old) >= 6 and list(late.store.intraday.get(s, ()))[:len(old)] == old
                await wait_until(lambda: all(same_start(s) for s in US), what="the hub's line on the late client")
                for s in US:
                    hub_line, line = list(hub.runtime.store.intraday[s]), list(late.store.intraday[s])
                    assert abs(len(hub_line) - len(line)) <= 1, (s, hub_line[-3:], line[-3:])


async def test_a_malformed_intraday_key_is_rejected_and_counted(redis_server):  # noqa: F811
    r = aioredis.from_url(redis_server.url)
    try:
        await r.set("aiwatch:i:NVDA", codec.dumps({"s": "NVDA", "p": [[2.0, 10.0], [1.0, 11.0]]}))  # out of order
        await r.set("aiwatch:i:AMD", codec.dumps({"s": "AMD", "p": [[1.0, -3.0]]}))
        await r.set("aiwatch:i:MSFT", codec.dumps({"s": "MSFT", "p": [[1.0, 1.0]] * 10_000}))  # beyond the bound
        async with clients(redis_server.url, 1, symbols=US) as [rt]:
            await wait_until(lambda: rt.feed.rejects.by_kind.get("i", 0) >= 3, what="three rejects")
            assert not any(rt.store.intraday.get(s) for s in US)
    finally:
        await r.aclose()
