"""The board's intraday sparklines, seeded from the chart endpoint so they are drawn from the start.

Just after start, or on a frozen clock, the store holds one live point per symbol: the board's intraday column
would stay blank for most of a session. Once per symbol on the board and day (app clock), and only while the board
is wide enough to show that column, the feed fetches the day's 5-minute bars (one chart request) into the store.
The rows on screen go first. Seeding is background work: it stops when the REST client's per-minute budget is
spent and goes on at a later tick; a symbol whose request failed (network, 429) is tried again after
RETRY_SECONDS; a symbol with no intraday data today is not asked again that day.
"""

from __future__ import annotations

import logging
import time
from typing import Any, Protocol

log = logging.getLogger(__name__)

RETRY_SECONDS = 600.0  # a failed seed (network, 429) is tried again after this long


class SeedingHost(Protocol):
    """What the seeder needs of the app (tui.app.AiwatchApp): its runtime, its widgets and its workers."""

    runtime: Any

    def query(self, selector: Any) -> Any: ...
    def run_worker(self, work: Any, *, name: str, group: str, exit_on_error: bool) -> Any: ...


class SparkSeeder:
    """Decides which symbols' intraday points to seed, and runs one worker at a time to fetch them."""

    def __init__(self, app: SeedingHost) -> None:
        self.app = app
        self.seeded: dict[str, int] = {}  # symbol -> UTC day (app clock) its intraday points were seeded
        self.retry_at: dict[str, float] = {}  # symbol -> monotonic time a failed seed may be tried again
        self.running = False

    def tick(self) -> None:
        """Start a worker for the symbols due, if any and none is running (called once a second)."""
        from tui.widgets.board import QuoteBoard, board_shows_spark

        app = self.app
        feed = getattr(app.runtime, "feed", None)
        if self.running or feed is None or not hasattr(feed, "seed_intraday"):
            return
        boards = app.query(QuoteBoard)  # none while the app shuts down
        board = boards.first() if boards else None
        if board is None or not board.is_mounted or not board_shows_spark(board):
            return
        store = app.runtime.store
        day = int(app.runtime.clock.now() // 86400)
        mono = time.monotonic()
        top = round(board.scroll_y)
        rows = [*board.instruments[top:], *board.instruments[:top]]  # the rows on screen first
        due = [i.symbol for i in rows if i.symbol in store.quotes and self.seeded.get(i.symbol) != day
               and self.retry_at.get(i.symbol, 0.0) <= mono]
        if due:
            self.running = True
            app.run_worker(self._seed(feed, due, day), name="spark-seed", group="spark-seed", exit_on_error=False)

    def settled(self) -> bool:
        """No seed due or running (one that is due is started first)."""
        self.tick()
        return not self.running

    async def _seed(self, feed, symbols: list[str], day: int) -> None:
        from tui.feeds.yahoo_parse import YahooError
        from tui.widgets.board import QuoteBoard, refresh_sparks

        try:
            for symbol in symbols:
                rest = getattr(feed, "rest", None)
                if rest is not None and rest.background_wait() > 0:
                    return  # the per-minute budget is spent: the next tick goes on
                try:
                    added = await feed.seed_intraday(symbol)
                except YahooError as exc:  # Yahoo's answer: no intraday data for it today
                    log.info("no intraday bars for %s: %s", symbol, exc)
                    self.seeded[symbol] = day
                    continue
                except Exception as exc:  # noqa: BLE001 - network, 429: tried again later
                    log.info("intraday seed for %s failed: %s", symbol, exc)
                    self.retry_at[symbol] = time.monotonic() + RETRY_SECONDS
                    return
                self.seeded[symbol] = day
                boards = self.app.query(QuoteBoard)
                if added and boards:
                    refresh_sparks(boards.first(), self.app.runtime.store, {symbol})
        finally:
            self.running = False
