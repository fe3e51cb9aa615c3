"""Issue 6 follow-up, with Pilot on the demo (seeded simulator, frozen clock):

- the board's intraday column is drawn from the start on a frozen clock: each symbol's 5-minute bars are fetched
  once (chart endpoint, interval 5m, range 1d) when the board is wide enough, never when it is not;
- the `!` dialog adds a pair z-score rule (the pair marked in the pairs panel) and a concentration rule, saved
  to the config file like the others.
"""

from __future__ import annotations

from collections import Counter, deque

import pytest
from e2e_support import US_OPEN, demo_runtime, loaded, wait_for

from tui.alerts import Rule, parse_rule, parse_rule_text
from tui.app import AiwatchApp
from tui.config import load_config
from tui.core.store import MarketStore
from tui.feeds.yahoo_feed import YahooFeed
from tui.feeds.yahoo_rest import YahooRest
from tui.model import Bar
from tui.screens.dialogs import AlertScreen
from tui.watchlists import load_all
from tui.widgets.board import QuoteBoard, board_shows_spark, layout
from tui.widgets.pairs import PairsPanel


@pytest.fixture(autouse=True)
def _dirs(tmp_path, monkeypatch):
    monkeypatch.setenv("AIWATCH_CONFIG_DIR", str(tmp_path / "cfg"))
    monkeypatch.setenv("AIWATCH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("AIWATCH_LOG_DIR", str(tmp_path / "log"))


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


def make_app(config=None, watchlist: str = "chips", history: bool = False) -> AiwatchApp:
    runtime = demo_runtime(US_OPEN)
    if history:
        runtime.history_range = "1y"  # as the CLI runs it: a year of daily bars, for the pairs' z-scores
    return AiwatchApp(runtime, load_all(), initial=watchlist, config=config)


async def ready(app: AiwatchApp) -> None:
    await wait_for(lambda: app.runtime.feed is not None and loaded(app.runtime, app.watchlist.symbols), timeout=30)
    start = app.refreshes
    await wait_for(lambda: app.refreshes >= start + 2)


def spark_cell(board: QuoteBoard, index: int) -> str:
    """The text of row `index`'s intraday cell, found from the board's column layout (one space between columns)."""
    x = 0
    for col in layout(board.scrollable_content_region.width):
        if col.key == "spark":
            return board.row_text(index)[x:x + col.width].strip()
        x += col.width + 1
    return ""


# -- sparklines ---------------------------------------------------------------------------------------------
async def test_sparklines_are_seeded_once_per_symbol_on_a_frozen_clock(charts):
    app = make_app()
    async with app.run_test(size=(160, 40)) as pilot:
        await ready(app)
        board = app.query_one(QuoteBoard)
        assert board_shows_spark(board) and board.header_text().rstrip().endswith("Intraday")
        symbols = [i.symbol for i in board.instruments]
        # the clock is frozen: the stream adds no points, so only the seeded bars can draw the column
        await wait_for(lambda: all(spark_cell(board, n) for n in range(len(symbols))), timeout=20)
        for n, sym in enumerate(symbols):
            assert len(app.runtime.store.intraday[sym]) > 2, sym
            times = [t for t, _ in app.runtime.store.intraday[sym]]
            assert times == sorted(times), f"{sym}: seeded points out of order"
            assert set(spark_cell(board, n)) <= set("▁▂▃▄▅▆▇█"), board.row_text(n)
        # once per symbol: more seed ticks (the timer, and by hand) send nothing more
        app._seed_sparklines()
        start = app.refreshes
        await wait_for(lambda: app.refreshes >= start + 8)
        await wait_for(lambda: not app._spark_seeding)
        seeds = {k: v for k, v in charts.items() if k[1:] == ("1d", "5m")}
        assert set(seeds) == {(s, "1d", "5m") for s in symbols}
        assert all(v == 1 for v in seeds.values()), seeds
        await pilot.press("q")


async def test_no_seed_request_when_the_board_is_too_narrow_for_sparklines(charts):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(app)
        board = app.query_one(QuoteBoard)
        assert not board_shows_spark(board)
        app._seed_sparklines()
        assert not app._spark_seeding
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


# -- alerts from the `!` dialog --------------------------------------------------------------------------------
def test_short_forms_for_pairs_and_concentration():
    assert parse_rule_text("z 2", "NVDA", "US vs CN GPUs") == Rule("zscore", pair="US vs CN GPUs", beyond=2.0)
    assert parse_rule_text("zscore ±1.5", None, "X") == Rule("zscore", pair="X", beyond=1.5)
    assert parse_rule_text("hhi 2500", None, None, "chips") == Rule("concentration", gauge="hhi", above=2500.0,
                                                                      watchlist="chips")
    assert parse_rule_text("top1 40%", None) == Rule("concentration", gauge="top1", above=40.0)
    with pytest.raises(ValueError, match="no pair"):
        parse_rule_text("z 2", "NVDA", None)
    with pytest.raises(ValueError, match="no symbol"):
        parse_rule_text("above 2", None, "X")
    assert "on chips" in parse_rule_text("top3 70", None, None, "chips").describe()


async def _add_alert(app, pilot, text: str) -> None:
    await pilot.press("exclamation_mark")
    await wait_for(lambda: isinstance(app.screen, AlertScreen))
    for ch in text:
        await pilot.press(ch)
    await pilot.press("enter")
    await wait_for(lambda: not isinstance(app.screen, AlertScreen))


async def test_alert_dialog_adds_pair_zscore_and_concentration_rules(tmp_path):
    config, _ = load_config()
    app = make_app(config=config, history=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app)
        wl = app.watchlist
        assert len(wl.pairs) >= 2, "the chips list has several pairs"
        # mark the second pair in the pairs panel (p focuses it, ↓ moves the mark), back to the board
        await pilot.press("p")
        await pilot.press("down")
        await wait_for(lambda: app.query_one(PairsPanel).selected == 1)
        await pilot.press("escape")
        pair = wl.pairs[1].name
        await pilot.press("exclamation_mark")
        await wait_for(lambda: isinstance(app.screen, AlertScreen))
        hint = str(app.screen.query_one("#prompt-hint").render())
        assert pair in hint and "z N" in hint and "hhi N" in hint
        await pilot.press("escape")
        await wait_for(lambda: not isinstance(app.screen, AlertScreen))

        await _add_alert(app, pilot, "z 0.0001")
        await _add_alert(app, pilot, "hhi 1")
        await wait_for(lambda: len(app.alerts.rules) == 2)
        z_rule, c_rule = app.alerts.rules
        assert z_rule == Rule("zscore", pair=pair, beyond=0.0001)
        assert c_rule == Rule("concentration", gauge="hhi", above=1.0, watchlist=wl.name)
        # both are checked on the simulator (a z-score beyond 0.0001 once the year's history is in; any HHI above
        # 1): already true at their first look, so that is recorded, not fired (nothing crossed)
        await wait_for(lambda: app.alerts._state.get((1, wl.name)) is True, timeout=20)
        await wait_for(lambda: app.alerts._state.get((0, f"{wl.name}/{pair}")) is True, timeout=30)
        assert [k for k in app.alerts._state if k[0] == 0] == [(0, f"{wl.name}/{pair}")]  # only the marked pair
        assert not app.alerts_fired
        # a z rule with nothing sensible: an error, nothing added
        await _add_alert(app, pilot, "z many")
        assert len(app.alerts.rules) == 2
        await pilot.press("q")
    saved, problems = load_config()
    assert problems == []
    assert list(saved.alerts[-2:]) == [{"kind": "zscore", "pair": pair, "beyond": 0.0001},
                                 {"kind": "concentration", "gauge": "hhi", "above": 1.0, "watchlist": wl.name}]
    for table in saved.alerts[-2:]:
        parse_rule(table)
