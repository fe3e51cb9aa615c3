"""Switching watchlists while the stream runs never counts as a rejected frame.

Yahoo (and the simulator, whose frames already on the wire arrive after an unsubscribe) keeps sending a symbol for
a moment after the app unsubscribed from it. Those frames are well formed: the status line's `rejected N` is for
malformed frames only, so a user who switches lists all day does not see it climb. Late frames are dropped and
counted apart (`late_frames`); a symbol the feed never asked for is still garbage, and still counted.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime

from e2e_support import US_OPEN, demo_runtime, wait_for

from tui.app import AiwatchApp
from tui.core.clock import Clock
from tui.core.store import MarketStore
from tui.feeds.endpoints import Endpoints
from tui.feeds.yahoo_feed import YahooFeed
from tui.sim.faults import make_garbage
from tui.sim.frames import PricingData, frame_text
from tui.watchlists import load_all
from tui.widgets.status import StatusLine

US_CHIPS = ["NVDA", "AMD", "AVGO", "MSFT", "ORCL"]
US_CARS = ["TSLA", "BABA", "NIO", "XPEV", "LI"]


async def test_switching_watchlists_while_streaming_rejects_nothing(user_dirs):
    """The keys a user presses (1, 2, Tab) while the demo streams fast: late frames pile up, "rejected" stays 0."""
    runtime = demo_runtime(US_OPEN, rate=400.0, speed=1.0)
    app = AiwatchApp(runtime, load_all(), initial="ai-rivals")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(lambda: runtime.feed is not None and runtime.feed.status().state == "live")
        await wait_for(lambda: runtime.feed.stream.frames > 50)
        presses = 0
        while runtime.feed.status().late_frames < 5:  # until the switches provably left frames on the way
            assert presses < 400, "switching lists never left a late frame: the test proves nothing"
            await pilot.press("2" if presses % 2 == 0 else "1")
            presses += 1
            frames = runtime.feed.stream.frames
            await wait_for(lambda seen=frames: runtime.feed.stream.frames > seen)  # the stream ran between switches
        await pilot.press("tab", "shift+tab")
        status = runtime.feed.status()
        assert status.rejected_frames == 0, status
        app._tick_clock()  # the status line as the once-a-second tick draws it
        assert "rejected 0" in app.query_one(StatusLine).plain
        await pilot.press("q")


def test_a_symbol_never_subscribed_is_still_garbage():
    """Frames through the stream's own parser: a symbol this feed never asked for (the simulator's
    `unknown_symbol` garbage) is rejected; one it asked for before is late, not rejected."""
    clock = Clock(datetime(2026, 3, 3, 15, 30, tzinfo=UTC), speed=0.0)
    now = clock.now()
    store = MarketStore()
    feed = YahooFeed(store, clock, Endpoints.from_env("http://127.0.0.1:9", "ws://127.0.0.1:9/"))
    feed.set_symbols(US_CHIPS)
    feed.set_symbols(US_CARS)

    def message(symbol: str) -> str:
        msg = PricingData()
        msg.id, msg.price, msg.time = symbol, 180.0, int(now * 1000)
        return base64.b64encode(msg.SerializeToString()).decode()

    def frame(symbol: str) -> str:
        return frame_text(message(symbol))

    feed.stream._on_frame(frame("TSLA"))
    assert "TSLA" in store.quotes and store.rejected_frames == 0
    feed.stream._on_frame(frame("NVDA"))  # on the list just left: late
    assert feed.status().late_frames == 1 and store.rejected_frames == 0 and "NVDA" not in store.quotes
    feed.stream._on_frame(make_garbage("unknown_symbol", message("TSLA"), now))
    assert store.rejected_frames == 1 and "NOSUCH.ZZ" not in store.quotes
    feed.stream._on_frame('{"type":"pricing","message":')  # malformed JSON
    assert store.rejected_frames == 2 and feed.status().late_frames == 1
