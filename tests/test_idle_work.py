"""Issue 8, idle: what an app left open with nothing moving still does (the board only when a clock second
passes, a slower REST poll while every market is closed)."""

from __future__ import annotations

from datetime import UTC, datetime

from ui_support import StaticRuntime, wait_for, watchlists

from tui.app import AiwatchApp
from tui.core.clock import Clock
from tui.core.store import MarketStore
from tui.feeds.endpoints import Endpoints
from tui.feeds.yahoo_feed import CLOSED_POLL_FACTOR, YahooFeed
from tui.widgets.board import QuoteBoard


async def test_the_board_is_not_synced_while_nothing_moves():
    runtime = StaticRuntime()
    app = AiwatchApp(runtime, watchlists())
    calls = {"n": 0}
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.refreshes >= 2 and app.runtime.started)
        board = app.query_one(QuoteBoard)
        original = board.sync

        def counting(*args, **kwargs):
            calls["n"] += 1
            return original(*args, **kwargs)

        board.sync = counting
        seen = app.refreshes
        await wait_for(pilot, lambda: app.refreshes >= seen + 4)
        assert calls["n"] == 0  # pinned clock, no quote: nothing on the board can change
        runtime.clock.advance(1)  # another second: ages may change
        seen = app.refreshes
        await wait_for(pilot, lambda: app.refreshes >= seen + 3)
        assert calls["n"] == 1
        runtime.tick("NVDA", 190.0)  # a quote: synced at the next refresh
        await wait_for(pilot, lambda: calls["n"] == 2)


def _feed(at: str) -> YahooFeed:
    clock = Clock(at=datetime.fromisoformat(at).astimezone(UTC), speed=0)
    feed = YahooFeed(MarketStore(), clock, Endpoints.from_env("http://127.0.0.1:9", "ws://127.0.0.1:9/"),
                     poll_interval=15.0)
    feed.set_symbols(["NVDA", "0700.HK", "600519.SS", "HKD=X"])
    return feed


def test_the_poll_slows_down_only_while_every_market_is_closed():
    assert _feed("2026-11-22T12:00:00+00:00")._poll_every() == 15.0 * CLOSED_POLL_FACTOR  # a Sunday
    assert _feed("2026-11-24T15:00:00+00:00")._poll_every() == 15.0  # Tuesday, New York open
    assert _feed("2026-11-24T23:00:00+00:00")._poll_every() == 15.0  # New York post-market, FX trades
