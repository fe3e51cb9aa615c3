"""Helpers of the hub's tests: a demo hub in this process on the seeded simulator at a pinned clock, HubFeed
clients, and waiting on conditions (never fixed sleeps)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from datetime import UTC, datetime

from tui.core.clock import Clock

AT = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)  # a Tuesday, 10:00 in New York: the US session and FX trade
US = ("NVDA", "AMD", "MSFT")
HK = ("0700.HK", "0981.HK")


async def wait_until(pred, timeout: float = 20.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


def demo_runtime(speed: float = 1.0, at: datetime = AT, **kw):
    from tui.runtime import Runtime

    return Runtime(demo=True, clock=Clock(at=at, speed=speed), seed=7, rate=50.0, history_range="1y",
                   statements=True, **kw)


class RunningHub:
    """A Hub on a demo Runtime, run as a task of the test's loop."""

    def __init__(self, url: str, *, speed: float = 1.0, prefix: str = "aiwatch:", at: datetime = AT,
                 **hub_kw) -> None:
        from tui.hub.server import Hub

        self.runtime = demo_runtime(speed, at)
        self.hub = Hub(url, self.runtime, prefix=prefix, **hub_kw)
        self.task: asyncio.Task | None = None

    async def __aenter__(self) -> RunningHub:
        self.task = asyncio.create_task(self.hub.run())
        return self

    async def __aexit__(self, *exc) -> None:
        await self.stop()

    async def stop(self) -> str | None:
        if self.task is None:
            return None
        self.hub.stop()
        try:
            return await asyncio.wait_for(self.task, 15)
        finally:
            self.task = None


def client_runtime(url: str, *, speed: float = 1.0, prefix: str = "aiwatch:", fallback: str = "none",
                   hub_options: dict | None = None, **kw):
    from tui.runtime import Runtime

    return Runtime(demo=False, clock=Clock(at=AT, speed=speed), hub_url=url, hub_prefix=prefix,
                   hub_fallback=fallback, hub_options=hub_options, history_range="1y", statements=True, **kw)


@contextlib.asynccontextmanager
async def clients(url: str, n: int, symbols=US, **kw):
    rts = [client_runtime(url, **kw) for _ in range(n)]
    try:
        for rt in rts:
            rt.set_symbols(symbols)
            await rt.start()
        yield rts
    finally:
        for rt in rts:
            await rt.stop()
