"""Waiting until the store holds a quote of each symbol asked for: what `aiwatch snapshot` and a symbol's check
before it is saved wait on, whichever feed fills the store."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable

from tui.core.store import MarketStore


async def wait_until_quoted(store: MarketStore, symbols: Iterable[str], timeout: float,
                            changed: asyncio.Event) -> set[str]:
    """Wait until every symbol has a quote from any source, or is known not to exist, or `timeout` seconds have
    passed; returns the symbols without a quote. `changed` is set by the feed whenever the store changes."""
    wanted = set(symbols)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        missing = {s for s in wanted if s not in store.quotes}
        if not (missing - store.unknown):
            return missing
        left = deadline - loop.time()
        if left <= 0:
            return missing
        changed.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(changed.wait(), left)
