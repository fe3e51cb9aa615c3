"""The day's numbers after the bell: the headline change is the day's change against the previous session's
close from the open until the next session begins, never null and never the after-hours move; the pre- and
post-market trade is shown beside it, labelled, with its move against the last close; "previous close" is only
ever the previous session's close.

Through the real feed on the simulator (which streams extended-hours frames and answers v7 as Yahoo does), at
15:00Z, 20:59Z, 21:00Z, 22:00Z on Tuesday 2026-11-24 and 01:30Z the next day (New York: 10:00, 15:59, the close,
17:00 post-market, 20:30 after it), then 10:00Z (05:00, pre-market): in `aiwatch snapshot`, on the board, on the
symbol screen, in the pairs panel and the pair detail. The store's merging rules are pinned on hand-made quotes.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from ui_support import ManualClock, wait_for

from tui.core.clock import parse_instant
from tui.core.store import MarketStore
from tui.format import fmt_change, fmt_pct
from tui.model import EXT_POST, EXT_PRE, MarketState, Quote, QuoteSource

ROOT = Path(__file__).resolve().parents[1]
SESSION = dt.date(2026, 11, 24)
OPEN, BEFORE_CLOSE, CLOSE, POST, NIGHT, PRE_NEXT = (
    "2026-11-24T15:00:00Z", "2026-11-24T20:59:00Z", "2026-11-24T21:00:00Z", "2026-11-24T22:00:00Z",
    "2026-11-25T01:30:00Z", "2026-11-25T10:00:00Z")
INSTANTS = (OPEN, BEFORE_CLOSE, CLOSE, POST, NIGHT, PRE_NEXT)
AFTER_THE_CLOSE = (CLOSE, POST, NIGHT, PRE_NEXT)


def _ts(at: str) -> float:
    return parse_instant(at).timestamp()


def _day(market) -> tuple[float, float, float]:
    """NVDA's close on the session day, the close before it and the day's change in percent, as Yahoo serves them
    (prices rounded to two decimals)."""
    close = round(market.close_on("NVDA", SESSION), 2)
    prev = round(market.previous_close("NVDA", SESSION), 2)
    return close, prev, (close / prev - 1) * 100


# -- aiwatch snapshot ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def snapshots(tmp_path_factory):
    """`aiwatch snapshot --demo --at <instant> --speed 0 --format json` at every instant (run at once)."""
    tmp = tmp_path_factory.mktemp("snap")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIWATCH_")}
    env.update(AIWATCH_CONFIG_DIR=str(tmp / "config"), AIWATCH_LOG_DIR=str(tmp / "log"),
               AIWATCH_CACHE_DIR=str(tmp / "cache"), AIWATCH_DATA_DIR=str(tmp / "data"))
    procs = {at: subprocess.Popen(
        [sys.executable, "-m", "tui", "snapshot", "--demo", "--at", at, "--speed", "0", "--watchlist", "ai-rivals",
         "--format", "json", "--timeout", "60"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for at in INSTANTS}
    out = {}
    for at, p in procs.items():
        stdout, stderr = p.communicate(timeout=180)
        assert p.returncode == 0, (at, stderr)
        out[at] = {q["symbol"]: q for q in json.loads(stdout)["quotes"]}
    return out


def test_snapshot_day_change_holds_from_the_close_to_the_next_pre_market(snapshots, market):
    close, prev, pct = _day(market)
    for at in INSTANTS:
        q = snapshots[at]["NVDA"]
        assert q["change"] is not None and q["change_pct"] is not None, (at, q)
        # README: only while its market is open may a quote be stale; the close's is not, however old
        assert not any(x["stale"] for x in snapshots[at].values()), at
    for at in (OPEN, BEFORE_CLOSE):  # in the session: the day's change so far
        q = snapshots[at]["NVDA"]
        view = market.view("NVDA", _ts(at))
        assert q["change_pct"] == pytest.approx(view.change_pct, abs=0.01), at
        assert q["previous_close"] == prev
        assert q["post_price"] is None and q["pre_price"] is None
    after = [snapshots[at]["NVDA"] for at in AFTER_THE_CLOSE]
    for at, q in zip(AFTER_THE_CLOSE, after, strict=True):  # one number, the day's, from the close on
        assert (q["price"], q["previous_close"]) == (close, prev), at
        assert q["change"] == pytest.approx(close - prev, abs=1e-6), at
        assert q["change_pct"] == pytest.approx(pct, abs=1e-6), at
        assert q["quote_time"] == CLOSE, at
    assert len({(q["change"], q["change_pct"]) for q in after}) == 1


def test_snapshot_shows_the_extended_hours_trade_beside_the_day(snapshots, market):
    close, _, _ = _day(market)
    q = snapshots[POST]["NVDA"]
    post = round(market.price_at("NVDA", _ts(POST)), 2)
    assert q["post_price"] == post and q["extended_time"] == POST
    assert q["post_change_pct"] == pytest.approx((post / close - 1) * 100, abs=0.005)
    assert q["pre_price"] is None and q["pre_change_pct"] is None
    night = snapshots[NIGHT]["NVDA"]  # after the post-market: its last trade, at 20:00 New York
    assert night["post_price"] == round(market.view("NVDA", _ts(NIGHT)).post_price, 2)
    assert night["extended_time"] == "2026-11-25T01:00:00Z"
    pre = snapshots[PRE_NEXT]["NVDA"]
    assert pre["pre_price"] == round(market.price_at("NVDA", _ts(PRE_NEXT)), 2) and pre["post_price"] is None
    assert pre["pre_change_pct"] == pytest.approx((pre["pre_price"] / close - 1) * 100, abs=0.005)
    # an index has no extended session, and a level carries no currency
    gspc = snapshots[POST]["^GSPC"]
    assert gspc["post_price"] is None and gspc["currency"] is None and gspc["price_usd"] is None
    assert gspc["quote_time"] == CLOSE


# -- the app: board, symbol screen, pairs panel, pair detail --------------------------------------------------------
async def test_board_and_screens_keep_the_day_change_through_the_close(market):
    from tui.app import AiwatchApp
    from tui.runtime import Runtime
    from tui.screens.pair_detail import parts_lines
    from tui.screens.symbol import SymbolScreen
    from tui.watchlists import load_all
    from tui.widgets.board import QuoteBoard
    from tui.widgets.pairs import PairsPanel

    clock = ManualClock(parse_instant(OPEN))
    runtime = Runtime(demo=True, clock=clock, rate=50.0)
    app = AiwatchApp(runtime, load_all(), initial="ai-rivals")
    close, prev, day_pct = _day(market)
    async with app.run_test(size=(130, 40)) as pilot:
        await wait_for(pilot, lambda: runtime.feed is not None and "NVDA" in runtime.store.quotes, timeout=30)
        yahoo = getattr(runtime.feed, "yahoo", runtime.feed)  # the Yahoo feed, behind the sources' upstream
        yahoo.poll_interval = 0.5  # the v7 poll carries the close: no need to wait 15 s for it here
        board = app.query_one(QuoteBoard)
        store = runtime.store

        def nvda_row() -> str:
            return board.row_text(next(n for n, i in enumerate(board.instruments) if i.symbol == "NVDA"))

        for at in INSTANTS:
            clock._t = _ts(at)
            view = market.view("NVDA", clock._t)
            ext_at = None if at in (OPEN, BEFORE_CLOSE) else (
                "2026-11-25T01:00:00Z" if at == NIGHT else at)
            # wait until the feed has caught up with the instant: the last regular trade, and the extended one
            await wait_for(pilot, lambda v=view, e=ext_at: (
                (q := store.quotes.get("NVDA")) is not None and q.time == v.time
                and (q.ext_time == (_ts(e) if e else None))), timeout=20)
            q = store.quotes["NVDA"]
            pct = ((round(view.price, 2) / round(view.previous_close, 2) - 1) * 100 if at in (OPEN, BEFORE_CLOSE)
                   else day_pct)
            n = app.refreshes
            await wait_for(pilot, lambda n=n: app.refreshes >= n + 2)
            row = nvda_row()
            assert fmt_pct(pct) in row, (at, row)
            if at in AFTER_THE_CLOSE:
                assert fmt_change(close - prev) in row and f"{close:,.2f} USD" in row, (at, row)
                label = "pre" if at == PRE_NEXT else "post"
                ext_text = f"{label} {q.ext_price:,.2f} {fmt_pct(q.ext_change_pct)}"
                assert ext_text in row, (at, row)
                assert q.ext_change_pct == pytest.approx((q.ext_price / close - 1) * 100, abs=0.005)
                assert "Pre/post" in board.header_text()
            else:
                assert "post" not in row and "Pre/post" not in board.header_text(), (at, row)
            # the pairs panel's move today is the day's change of NVDA, the AI chips pair's US side
            def chips() -> str:
                lines = app.query_one(PairsPanel).plain.splitlines()
                return lines[lines.index(next(x for x in lines if "AI chips" in x)) + 1]

            # (a side's figures wait for its fundamentals, fetched at start)
            await wait_for(pilot, lambda p=pct: f"US {fmt_pct(p)}" in chips(), timeout=20)
            # the pair detail's parts: the day's change and, after the close, the labelled extended trade
            parts = "\n".join(c.plain for c in parts_lines(store, None, "NVDA", "Nvidia", True, clock._t))
            assert f"day {fmt_pct(pct)}" in parts, (at, parts)
            if at in AFTER_THE_CLOSE:
                assert f"{'pre' if at == PRE_NEXT else 'post'} {q.ext_price:,.2f}" in parts, (at, parts)
            else:
                assert "post " not in parts and "pre " not in parts, (at, parts)

            if at == POST:
                # the symbol screen: today's close is the last price, the previous session's the previous close,
                # with the day's high, low and volume; the post-market trade on its own labelled line
                await pilot.press("enter")
                await wait_for(pilot, lambda: isinstance(app.screen, SymbolScreen))
                facts = str(app.screen.query_one("#symbol-facts").render())
                assert f"Last {close:,.2f} USD" in facts and f"({fmt_pct(day_pct)[:-1]}%)" in facts, facts
                assert f"previous close {prev:,.2f}" in facts, facts
                assert f"Post-market {q.ext_price:,.2f} USD" in facts and "vs the last close" in facts, facts
                assert "high —" not in facts and "low —" not in facts and "volume —" not in facts, facts
                assert f"high {round(view.high, 2):,.2f}" in facts, facts
                await pilot.press("escape")
                await wait_for(pilot, lambda: not isinstance(app.screen, SymbolScreen))
                # 80 columns: the narrow form, the move without the price, and the day's change still there
                await pilot.resize_terminal(80, 24)
                await wait_for(pilot, lambda: f"post {fmt_pct(q.ext_change_pct)}" in nvda_row())
                assert fmt_pct(day_pct) in nvda_row()
                await pilot.resize_terminal(130, 40)
        assert app._refresh_failures == 0


# -- the store's merging rules ------------------------------------------------------------------------------------
T_CLOSE = _ts(CLOSE)


def _regular(price: float, time: float, **kw) -> Quote:
    fields = {"change": price - 165.46, "change_pct": (price / 165.46 - 1) * 100, "previous_close": 165.46,
              "open": 166.0, "day_high": 169.0, "day_low": 165.0, "volume": 1000, "currency": "USD",
              "market_state": MarketState.REGULAR, **kw}
    return Quote("NVDA", price, time, QuoteSource.REST, time, **fields)


def _post_frame(price: float, time: float, **kw) -> Quote:
    fields = {"ext_session": EXT_POST, "ext_price": price, "ext_change": None, "ext_change_pct": None,
              "ext_time": time, "extended_only": True, "market_state": MarketState.POST, **kw}
    return Quote("NVDA", price, time, QuoteSource.STREAM, time, **fields)


def test_a_post_market_frame_changes_only_the_extended_trade():
    store = MarketStore()
    store.apply_quote(_regular(168.66, T_CLOSE))
    seq = store.seq
    assert store.apply_quote(_post_frame(168.92, T_CLOSE + 3600, ext_change=0.26, ext_change_pct=0.154))
    q = store.quotes["NVDA"]
    assert (q.price, q.time, q.previous_close, q.day_high, q.volume) == (168.66, T_CLOSE, 165.46, 169.0, 1000)
    assert q.change == pytest.approx(3.2) and q.change_pct == pytest.approx(1.934, abs=1e-3)
    assert (q.ext_session, q.ext_price, q.ext_change_pct) == (EXT_POST, 168.92, 0.154)
    assert store.seq == seq + 1 and list(store.intraday["NVDA"]) == [(T_CLOSE, 168.66)]  # no intraday point


def test_a_frame_at_the_close_price_has_no_move_left_out():
    """The first post-market frame, at the close, comes without a change (protobuf drops zeros): the move is
    worked out against the close held, 0.00 %, and the day's change is untouched (it was null here)."""
    store = MarketStore()
    store.apply_quote(_regular(168.66, T_CLOSE))
    store.apply_quote(_post_frame(168.66, T_CLOSE))
    q = store.quotes["NVDA"]
    assert q.ext_change_pct == 0.0 and q.ext_change == 0.0 and q.change_pct == pytest.approx(1.934, abs=1e-3)


def test_extended_trades_keep_their_own_order_and_give_way_to_the_session():
    store = MarketStore()
    store.apply_quote(_regular(168.66, T_CLOSE))
    store.apply_quote(_post_frame(168.92, T_CLOSE + 3600))
    assert not store.apply_quote(_post_frame(168.80, T_CLOSE + 1800))  # older than the one held
    # a v7 answer with the same close and an older post-market trade keeps the newer one from the stream
    store.apply_quote(_regular(168.66, T_CLOSE, ext_session=EXT_POST, ext_price=168.70, ext_time=T_CLOSE + 600,
                               ext_change_pct=0.02))
    assert store.quotes["NVDA"].ext_price == 168.92
    # the next morning's pre-market replaces it; the day's change is still the last session's
    morning = T_CLOSE + 13 * 3600
    store.apply_quote(_post_frame(169.50, morning, ext_session=EXT_PRE, market_state=MarketState.PRE))
    q = store.quotes["NVDA"]
    assert (q.ext_session, q.ext_price, q.price, q.previous_close) == (EXT_PRE, 169.50, 168.66, 165.46)
    # the open: a regular trade newer than the pre-market one ends it; a new day's frame without a previous close
    # does not inherit the last session's
    opened = morning + 5 * 3600
    store.apply_quote(replace(_regular(170.0, opened), source=QuoteSource.STREAM, previous_close=None, open=None,
                              day_high=None, day_low=None, volume=None, change=1.34, change_pct=0.794))
    q = store.quotes["NVDA"]
    assert q.ext_price is None and q.ext_session is None and q.price == 170.0
    assert q.previous_close is None and q.day_high is None and q.change == 1.34


def test_an_extended_frame_alone_gives_no_day_change():
    """Before any regular figure (the v7 answer failed), an extended frame's price is only derived: the day's
    change is unknown ("—"), never its move; the first regular figures replace it whatever their time."""
    store = MarketStore()
    store.apply_quote(_post_frame(168.66, T_CLOSE + 3600, ext_change=0.26, ext_change_pct=0.154))
    q = store.quotes["NVDA"]
    assert q.extended_only and q.change is None and q.change_pct is None and "NVDA" not in store.intraday
    assert store.apply_quote(_regular(168.66, T_CLOSE))
    q = store.quotes["NVDA"]
    assert not q.extended_only and q.change == pytest.approx(3.2) and q.ext_price == 168.66


# -- alerts -------------------------------------------------------------------------------------------------------
def test_move_alerts_watch_the_day_change_and_say_so():
    """A move rule watches the day's change against the previous close while the market trades: not the last
    session's change in the next pre-market, nor the pre-market move; price rules say they watch the regular price."""
    from tui.alerts import AlertEngine, parse_rule

    move = parse_rule({"kind": "move", "symbol": "NVDA", "pct": 5})
    assert "the day's change" in move.describe() and "previous close" in move.describe()
    assert "regular-session price" in parse_rule({"kind": "price", "symbol": "NVDA", "above": 200}).describe()
    engine = AlertEngine([move])
    store = MarketStore()
    pre = _ts(PRE_NEXT)  # 05:00 in New York: the day's change is still Tuesday's, +6 %
    store.apply_quote(_regular(175.39, T_CLOSE))
    store.apply_quote(_post_frame(175.60, pre, ext_session=EXT_PRE, market_state=MarketState.PRE,
                                  ext_change_pct=7.5))
    assert engine.check(store, None, pre) == [] and engine.check(store, None, pre + 60) == []
    opened = _ts("2026-11-25T14:31:00Z")
    store.apply_quote(_regular(175.9, opened, previous_close=175.39, change=0.51, change_pct=0.29))
    assert engine.check(store, None, opened) == []
    store.apply_quote(_regular(185.0, opened + 60, previous_close=175.39, change=9.61, change_pct=5.48))
    fired = engine.check(store, None, opened + 60)
    assert [a.value for a in fired] == [5.48]
    assert "the day's change vs the previous close" in fired[0].message
