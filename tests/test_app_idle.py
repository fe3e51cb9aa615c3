"""Idle: what an app left open with nothing moving still does (the board only when a clock second
passes, a slower REST poll while every market is closed)."""

from __future__ import annotations

from datetime import UTC, datetime

from ui_support import ManualClock, StaticRuntime, make_quote, wait_for, watchlists

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


# -- the refresh pauses while nothing moves and every market is closed (tui/refresh_pacer.py) ------------------
# Sunday 2026-11-22 12:00 UTC: New York, Hong Kong, Shanghai and FX all closed
SUNDAY = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


class _Timer:
    def __init__(self) -> None:
        self.running = True

    def pause(self) -> None:
        self.running = False

    def resume(self) -> None:
        self.running = True


def test_the_pacer_pauses_only_after_quiet_ticks_with_every_market_closed_and_wakes_on_a_change():
    from tui.refresh_pacer import RefreshPacer

    store, timer = MarketStore(), _Timer()
    pacer = RefreshPacer(timer, store, quiet_ticks=3)
    for _ in range(10):
        pacer.quiet(lambda: False)  # a market is open: never paused
    assert timer.running and not pacer.paused
    pacer.busy()  # something new: the count starts again
    pacer.quiet(lambda: True)
    pacer.quiet(lambda: True)
    pacer.busy()
    pacer.quiet(lambda: True)
    pacer.quiet(lambda: True)
    assert timer.running
    pacer.quiet(lambda: True)
    assert not timer.running and pacer.paused and store.on_next_change is not None
    store.apply_quote(make_quote("NVDA", 190.0, SUNDAY.timestamp()))  # the first change wakes it, once
    assert timer.running and not pacer.paused and store.on_next_change is None
    for _ in range(3):
        pacer.quiet(lambda: True)
    assert pacer.paused
    pacer.wake()  # a resize
    assert timer.running and store.on_next_change is None


async def test_an_idle_app_on_a_sunday_pauses_its_refresh_and_a_quote_wakes_it():
    runtime = StaticRuntime(clock=ManualClock(SUNDAY))
    app = AiwatchApp(runtime, watchlists())
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app._pacer.paused and app.runtime.started)
        board = app.query_one(QuoteBoard)
        seen = app.refreshes
        runtime.clock.advance(1)  # while paused, the clock tick still refreshes once a second (ages move)
        await wait_for(pilot, lambda: app.refreshes > seen, timeout=3)
        assert app._pacer.paused
        runtime.tick("NVDA", 191.25)
        assert not app._pacer.paused  # woken at once by the store, not at the next clock tick
        row = [i.symbol for i in board.instruments].index("NVDA")
        await wait_for(pilot, lambda: "191.25" in board.row_text(row), timeout=1)
        await wait_for(pilot, lambda: app._pacer.paused)  # quiet again: paused again
        assert app._pacer.pauses >= 2


async def test_the_refresh_never_pauses_while_a_market_is_open():
    runtime = StaticRuntime()  # Wednesday, New York open
    app = AiwatchApp(runtime, watchlists())
    async with app.run_test(size=(100, 30)) as pilot:
        seen = app.refreshes
        await wait_for(pilot, lambda: app.refreshes >= seen + 10)  # two seconds with nothing new
        assert not app._pacer.paused and app._pacer.pauses == 0
