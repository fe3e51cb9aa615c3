"""Helpers for end-to-end tests: the real demo runtime (simulator + Yahoo client) on a frozen clock."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from tui.core.clock import Clock, parse_instant
from tui.runtime import Runtime

ROOT = Path(__file__).resolve().parents[1]
# Tuesday 2026-11-24 15:00 UTC: New York open (10:00 EST), Hong Kong and Shanghai closed (23:00)
US_OPEN = "2026-11-24T15:00:00Z"
# Wednesday 2026-11-25 02:10 UTC: Hong Kong and Shanghai open (10:10), New York closed
ASIA_OPEN = "2026-11-25T02:10:00Z"


def demo_runtime(at: str = US_OPEN, *, seed: int = 7, rate: float = 50.0, speed: float = 0.0) -> Runtime:
    return Runtime(demo=True, clock=Clock(at=parse_instant(at), speed=speed), seed=seed, rate=rate)


async def wait_for(condition: Callable[[], bool], timeout: float = 20.0, step: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s: {condition}")
        await asyncio.sleep(step)


def loaded(runtime: Runtime, symbols) -> bool:
    """Every symbol quoted (or known unknown) and every equity's statements in."""
    store = runtime.store
    for s in symbols:
        if s in store.unknown:
            continue
        if s not in store.quotes:
            return False
        if not (s.startswith("^") or s.endswith("=X")):
            f = store.fundamentals.get(s)
            if f is None or f.revenue_ttm is None:
                return False
    if not all(fx in store.quotes for fx in ("HKD=X", "CNY=X", "JPY=X")):
        return False
    return china_loaded(runtime, symbols)


def china_loaded(runtime: Runtime, symbols) -> bool:
    """Every Hong Kong and mainland listing quoted by the quote page first used for its market, and the FX
    cross-check in from Tencent when Tencent is used (the screen is then the same whatever came first)."""
    from tui.feeds.china_keys import chain_for, group_of

    store = runtime.store
    firsts = {g: chain_for(c)[0] for g, c in runtime.china_sources.items() if chain_for(c)}
    for s in symbols:
        g = group_of(s)
        if g in firsts and s not in store.unknown and store.quote_from(s, firsts[g]) is None:
            return False
    if "tencent" in firsts.values() and any(group_of(s) in firsts for s in symbols):
        return all(store.quote_from(fx, "tencent") is not None for fx in ("HKD=X", "CNY=X"))
    return True


def demo_app(watchlist: str = "chips", config=None, *, at: str = US_OPEN, history: bool = False):
    """The app on the demo runtime (seeded simulator in this process, frozen clock); `history`: a year of daily
    bars per symbol, as the CLI runs it (the pairs' z-scores need it)."""
    from tui.app import AiwatchApp
    from tui.watchlists import load_all

    runtime = demo_runtime(at)
    if history:
        runtime.history_range = "1y"
    return AiwatchApp(runtime, load_all(), initial=watchlist, config=config)


async def until_ready(app) -> None:
    """Every symbol of the list on screen loaded, and two refreshes since."""
    await wait_for(lambda: app.runtime.feed is not None and loaded(app.runtime, app.watchlist.symbols), timeout=30)
    start = app.refreshes
    await wait_for(lambda: app.refreshes >= start + 2)


async def type_into(pilot, text: str) -> None:
    for ch in text:
        await pilot.press(ch)


def aiwatch(*args: str, env: dict | None = None, timeout: float = 90.0) -> subprocess.CompletedProcess:
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "tui", *args], capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT, env=full_env)
