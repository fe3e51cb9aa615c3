"""The board's intraday column, with Pilot on the demo (seeded simulator, frozen clock): drawn from the start on a
frozen clock, each symbol's 5-minute bars fetched once (chart endpoint, interval 5m, range 1d) when the board is
wide enough, never when it is not; and on one time scale, the session from its open to its close in fixed slices,
whether its points are seeded bars or live minutes."""

from __future__ import annotations

from collections import Counter, deque

import pytest
from e2e_support import US_OPEN, demo_app, until_ready, wait_for

from tui.core.store import MarketStore
from tui.feeds.yahoo_feed import YahooFeed
from tui.feeds.yahoo_rest import YahooRest
from tui.model import Bar
from tui.widgets.board import QuoteBoard, board_shows_spark, layout

pytestmark = pytest.mark.usefixtures("user_dirs")


@pytest.fixture
def charts(monkeypatch) -> Counter:
    """Every chart request the app sends, as (symbol, range, interval)."""
    asked: Counter = Counter()
    real = YahooRest.chart

    async def counting(self, symbol, range_="1y", interval="1d"):
        asked[(symbol, range_, interval)] += 1
        return await real(self, symbol, range_, interval)

    monkeypatch.setattr(YahooRest, "chart", counting)
    return asked


def spark_cell(board: QuoteBoard, index: int) -> str:
    """The text of row `index`'s intraday cell, found from the board's column layout (one space between columns)."""
    x = 0
    for col in layout(board.scrollable_content_region.width):
        if col.key == "spark":
            return board.row_text(index)[x:x + col.width].strip()
        x += col.width + 1
    return ""


async def test_sparklines_are_seeded_once_per_symbol_on_a_frozen_clock(charts):
    app = demo_app()
    async with app.run_test(size=(160, 40)) as pilot:
        await until_ready(app)
        board = app.query_one(QuoteBoard)
        assert board_shows_spark(board) and board.header_text().rstrip().endswith("Intraday")
        symbols = [i.symbol for i in board.instruments]
        # the clock is frozen: the stream adds no new points, so only the seeded bars can draw the column
        await wait_for(lambda: all(len(app.runtime.store.intraday.get(s, ())) > 2 for s in symbols), timeout=20)
        await wait_for(lambda: all(spark_cell(board, n) for n in range(len(symbols))), timeout=20)
        for n, sym in enumerate(symbols):
            assert len(app.runtime.store.intraday[sym]) > 2, sym
            times = [t for t, _ in app.runtime.store.intraday[sym]]
            assert times == sorted(times), f"{sym}: seeded points out of order"
            assert set(spark_cell(board, n)) <= set("▁▂▃▄▅▆▇█"), board.row_text(n)
        # once per symbol: more seed ticks (the timer, and by hand) send nothing more
        app.spark_seeder.tick()
        start = app.refreshes
        await wait_for(lambda: app.refreshes >= start + 8)
        await wait_for(lambda: not app.spark_seeder.running)
        seeds = {k: v for k, v in charts.items() if k[1:] == ("1d", "5m")}
        assert set(seeds) == {(s, "1d", "5m") for s in symbols}
        assert all(v == 1 for v in seeds.values()), seeds
        await pilot.press("q")


async def test_no_seed_request_when_the_board_is_too_narrow_for_sparklines(charts):
    app = demo_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await until_ready(app)
        board = app.query_one(QuoteBoard)
        assert not board_shows_spark(board)
        app.spark_seeder.tick()
        assert not app.spark_seeder.running
        start = app.refreshes
        await wait_for(lambda: app.refreshes >= start + 6)  # a seed tick (1 s) has passed
        assert not [k for k in charts if k[1:] == ("1d", "5m")]
        # widened: now it seeds
        await pilot.resize_terminal(160, 40)
        await wait_for(lambda: any(k[1:] == ("1d", "5m") for k in charts), timeout=10)
        await pilot.press("q")


class _FakeRest:
    def __init__(self, bars):
        self.bars = bars
        self.calls = 0

    async def chart(self, symbol, range_, interval):
        assert (range_, interval) == ("1d", "5m")
        self.calls += 1
        return self.bars


async def test_seed_intraday_puts_bars_before_the_live_points():
    from tui.core.clock import Clock, parse_instant
    from tui.feeds.endpoints import Endpoints

    store = MarketStore()
    at = parse_instant(US_OPEN)
    t0 = at.timestamp()
    store.intraday["NVDA"] = deque([(t0, 180.0), (t0 + 60, 181.0)], maxlen=390)
    bars = [Bar(t0 - 600, 1, 1, 1, 170.0), Bar(t0 - 300, 1, 1, 1, None), Bar(t0 - 300, 1, 1, 1, 175.0),
            Bar(t0, 1, 1, 1, 999.0), Bar(t0 + 300, 1, 1, 1, 999.0)]
    rest = _FakeRest(bars)
    feed = YahooFeed(store, Clock(at=at, speed=0), Endpoints.with_base("http://127.0.0.1:9"), rest=rest)  # type: ignore[arg-type]
    assert await feed.seed_intraday("NVDA") == 2
    assert list(store.intraday["NVDA"]) == [(t0 - 600, 170.0), (t0 - 300, 175.0), (t0, 180.0), (t0 + 60, 181.0)]
    assert rest.calls == 1
    # a symbol without live points yet: all the bars
    assert await feed.seed_intraday("AMD") == 4
    assert len(store.intraday["AMD"]) == 4


# -- one time scale: the session, open to close, in fixed slices ------------------------------------------------
def _session_points(start: float, minutes: range, step: int, price) -> list[tuple[float, float]]:
    return [(start + m * 60.0, price(m)) for m in minutes[::step]]


def test_the_sparkline_keeps_its_scale_as_live_minutes_follow_the_seeded_bars():
    """The column once showed the day's 5-minute bars, then, as live points came in, only the last 60 minutes:
    its time scale changed while the app ran. Each cell is now a fixed twelfth of the session's trading time."""
    from tui.core.clock import parse_instant
    from tui.core.intraday import session_cells
    from tui.widgets.board import spark_text

    open_ = parse_instant("2026-11-24T14:30:00Z").timestamp()  # 09:30 in New York; a slice is 32.5 minutes
    price = lambda m: 100.0 + m / 10  # noqa: E731 - a steady climb: slice k ends near 100 + 3.25 (k + 1)
    seeded = _session_points(open_, range(0, 120), 5, price)  # the seeded 5-minute bars to 11:30
    store = MarketStore()
    store.intraday["NVDA"] = deque(seeded, maxlen=480)
    early = session_cells("NVDA", list(store.intraday["NVDA"]), 12)
    assert [v is not None for v in early] == [True] * 4 + [False] * 8  # 2 h of 6.5 h: four slices of twelve
    assert spark_text(store, "NVDA").endswith(" " * 8)
    # ninety live minutes later (more than the 60 points the column used to show)
    store.intraday["NVDA"].extend(_session_points(open_, range(120, 210), 1, price))
    later = session_cells("NVDA", list(store.intraday["NVDA"]), 12)
    assert later[:3] == early[:3]  # the finished slices stand where they were
    assert [v is not None for v in later] == [True] * 7 + [False] * 5
    assert later[6] == price(209)
    text = spark_text(store, "NVDA")
    assert len(text) == 12 and text[7:] == " " * 5
    assert text[0] == "▁" and text[6] == "█" and list(text[:7]) == sorted(text[:7])  # the climb, left to right
    # the close: every slice drawn; the next morning, before the open, still that session
    store.intraday["NVDA"].extend(_session_points(open_, range(210, 391), 1, price))
    assert None not in session_cells("NVDA", list(store.intraday["NVDA"]), 12)


def test_a_lunch_break_is_left_out_of_the_slices():
    from tui.core.clock import parse_instant
    from tui.core.intraday import session_cells

    morning = parse_instant("2026-11-25T01:30:00Z").timestamp()  # 09:30 Hong Kong; trading 09:30-12:00, 13:00-16:00
    points = [(morning + m * 60.0, float(m)) for m in range(0, 151)]  # the whole morning: 150 of 330 minutes
    cells = session_cells("0981.HK", points, 12)
    assert sum(v is not None for v in cells) == 6  # 150/330 of twelve slices: five and a bit
    afternoon = morning + 210 * 60.0  # 13:00
    cells = session_cells("0981.HK", [*points, (afternoon + 60.0, 999.0)], 12)
    assert sum(v is not None for v in cells) == 6 and cells[5] == 999.0  # 13:01 is just past 151 trading minutes
