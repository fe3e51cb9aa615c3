"""Regenerate docs/screenshot.svg, the README's picture: `python docs/screenshot.py` from the checkout.

It is what `aiwatch --demo --at 2026-11-24T15:00:00Z --speed 0` shows in a 120x40 terminal (the built-in
simulator with its default seed and rate, a year of daily history for the pairs' z-scores and the statements
for the capex gauge, the clock frozen at 10:00 in New York), drawn by Textual's own screenshot once every quote,
statement, sparkline and daily history is in. The status line is hidden: its request counters follow the wall clock, not the frozen one.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
AT = "2026-11-24T15:00:00Z"
SIZE = (120, 40)


async def until(condition, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"the demo did not settle within {timeout:.0f}s")
        await asyncio.sleep(0.05)


async def main() -> None:
    from tui.app import AiwatchApp
    from tui.core.clock import Clock, parse_instant
    from tui.core.history import relative_performance
    from tui.runtime import Runtime
    from tui.watchlists import load_all

    runtime = Runtime(demo=True, clock=Clock(at=parse_instant(AT), speed=0.0), seed=7, rate=20.0,
                      history_range="1y", statements=True)
    app = AiwatchApp(runtime, load_all(), initial="ai-rivals")
    async with app.run_test(size=SIZE) as pilot:
        store, wl = runtime.store, app.watchlist
        await until(lambda: runtime.feed is not None and runtime.status().state == "live")
        await until(lambda: all(s in store.quotes for s in wl.symbols)
                    and all(relative_performance(store, wl, p) is not None for p in wl.pairs))
        if await runtime.wait_for_statements(wl.symbols, 60):
            raise SystemExit("the demo's statements did not come in")
        await until(app.sparklines_settled)
        start = app.refreshes
        await until(lambda: app.refreshes >= start + 3)
        seq = store.seq
        await until(lambda: app.panels_drawn_since(seq))
        app.query_one("#status").display = False
        await pilot.pause()
        path = app.save_screenshot(filename="screenshot.svg", path=str(ROOT / "docs"))
    print(path)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    with tempfile.TemporaryDirectory(prefix="aiwatch-screenshot-") as home:
        # no settings, watchlists or data of this machine's user in the picture
        for var in ("AIWATCH_CONFIG_DIR", "AIWATCH_DATA_DIR", "AIWATCH_CACHE_DIR", "AIWATCH_LOG_DIR"):
            os.environ[var] = str(Path(home) / var.lower())
        asyncio.run(main())
