"""The shortcuts taken for speed must never show a stale or different number.

- `valuation()` is memoised on the identities of its inputs: any new quote, FX rate or fundamentals gives a new
  valuation, and the same inputs give the very same object;
- `shortest_f32` remembers values it has seen: the remembered answer is the computed one, also where a frame's
  float32 fields read the memory first;
- the store builds a stream quote's carried-over fields itself (not with `dataclasses.replace`): every field
  kept, the descriptive ones carried (the day's figures only within the day), the quote itself kept when nothing
  is missing;
- `LinesView` draws again only the lines that changed, wraps long lines (or cuts them with an ellipsis under
  `text-wrap: nowrap`), and its height follows the number of lines;
- the board's rows are exactly as wide as the board.
"""

from __future__ import annotations

import dataclasses
import math
import struct

import pytest
from analytics_support import US_OPEN, fundamentals, quote, store_with
from hypothesis import given
from hypothesis import strategies as st
from textual.app import App, ComposeResult
from textual.content import Content

from tui.core.store import MarketStore, merge_quote
from tui.core.valuation import valuation
from tui.feeds import yahoo_parse
from tui.feeds.yahoo_parse import _f32_field, _shortest_f32, shortest_f32
from tui.model import MarketState, Quote, QuoteSource
from tui.widgets.board import _strip_of
from tui.widgets.lines import LinesView


# -- valuation memo ------------------------------------------------------------------------------------------
def _hk_store():
    return store_with(
        quotes=[quote("0981.HK", 70.0, "HKD")],
        funds=[fundamentals("0981.HK", "HKD", "USD", shares_outstanding=8e9, net_income_ttm=5e8, revenue_ttm=8e9)],
        fx={"HKD": 7.8},
    )


def test_same_inputs_give_the_same_valuation_object():
    store = _hk_store()
    assert valuation(store, "0981.HK") is valuation(store, "0981.HK")


def test_a_new_fx_rate_gives_a_new_valuation():
    store = _hk_store()
    before = valuation(store, "0981.HK").market_cap_usd
    store.apply_quote(quote("HKD=X", 7.0, "HKD", time=US_OPEN + 1))
    after = valuation(store, "0981.HK").market_cap_usd
    assert after == pytest.approx(before * 7.8 / 7.0)


def test_a_new_price_and_new_fundamentals_give_new_valuations():
    store = _hk_store()
    cap = valuation(store, "0981.HK").market_cap_usd
    store.apply_quote(quote("0981.HK", 77.0, "HKD", time=US_OPEN + 1))
    assert valuation(store, "0981.HK").market_cap_usd == pytest.approx(cap * 1.1)
    store.apply_fundamentals(fundamentals("0981.HK", "HKD", "USD", shares_outstanding=4e9, net_income_ttm=-1e8,
                                          revenue_ttm=8e9))
    v = valuation(store, "0981.HK")
    assert v.market_cap_usd == pytest.approx(cap * 1.1 / 2)
    assert v.pe_ttm is None  # losses: n/m, at once


def test_a_symbol_that_loses_its_quote_has_no_valuation():
    store = _hk_store()
    assert valuation(store, "0981.HK") is not None
    del store.quotes["0981.HK"]
    assert valuation(store, "0981.HK") is None


# -- shortest_f32 memo ---------------------------------------------------------------------------------------
@given(st.floats(width=32, allow_nan=False, allow_infinity=False))
def test_remembered_float32_decimals_are_the_computed_ones(x):
    first = shortest_f32(x)
    assert first == _shortest_f32(x)
    assert shortest_f32(x) == first  # from memory the second time
    assert struct.pack("<f", first) == struct.pack("<f", x)


def test_zero_keeps_its_sign_and_nan_stays_nan():
    yahoo_parse._SHORTEST.clear()
    assert math.copysign(1.0, shortest_f32(0.0)) == 1.0
    assert math.copysign(1.0, shortest_f32(-0.0)) == -1.0
    assert math.isnan(shortest_f32(float("nan")))
    assert not yahoo_parse._SHORTEST


def test_the_memory_is_bounded(monkeypatch):
    monkeypatch.setattr(yahoo_parse, "_SHORTEST_MAX", 10)
    yahoo_parse._SHORTEST.clear()
    for n in range(1, 50):
        shortest_f32(float(n) + 0.5)
    assert len(yahoo_parse._SHORTEST) <= 10


@given(st.floats(width=32))
def test_a_frame_field_reads_the_memory_to_the_same_answer(x):
    expected = None if x == 0 or not math.isfinite(x) else _shortest_f32(x)
    for _ in range(2):  # computed, then remembered
        got = _f32_field(x)
        assert got == expected and type(got) is type(expected)


def test_absent_frame_fields_are_never_remembered():
    yahoo_parse._SHORTEST.clear()
    for v in (0.0, -0.0, float("nan"), float("inf"), -float("inf")):
        assert _f32_field(v) is None
    assert not yahoo_parse._SHORTEST
    assert math.copysign(1.0, shortest_f32(-0.0)) == -1.0  # and -0.0 keeps its sign after that


# -- the store's carried-over fields -------------------------------------------------------------------------
_DESCRIPTIVE = ("currency", "exchange", "short_name")
SATURDAY = US_OPEN + 4 * 86400  # every market of the test's symbol closed: no delay is measured
_DAY = ("previous_close", "open", "day_high", "day_low", "volume")
_NUMBERS = {"price": 10.0, "change": 0.5, "change_pct": 5.0, "previous_close": 9.5, "open": 9.6, "day_high": 10.5,
            "day_low": 9.4, "volume": 1000}


def _full_quote(tag: str, time: float, **changes) -> Quote:
    """A regular-session Quote with a distinct value in every field, then `changes`: one source (carrying happens
    within a source's own quotes), at a time its market is closed (no delay measured)."""
    values = {f.name: f"{tag}-{f.name}" for f in dataclasses.fields(Quote) if f.name in _DESCRIPTIVE}
    bump = 0.0 if tag == "old" else 1.0
    values.update({k: type(v)(v + bump) for k, v in _NUMBERS.items()})
    values.update(symbol="X", time=time, source=QuoteSource.STREAM, received=time,
                  delay_minutes=7 if tag == "old" else 3, market_state=MarketState.REGULAR, source_name="yahoo",
                  delay_measured=False, no_trade=False)
    values.update(changes)
    return Quote(**values)


@pytest.mark.parametrize("missing", [(), *((name,) for name in _DESCRIPTIVE + _DAY), _DESCRIPTIVE + _DAY])
@pytest.mark.parametrize("new_delay", [0, 3])
def test_a_newer_quote_keeps_its_fields_and_gets_the_missing_ones(missing, new_delay):
    old = _full_quote("old", SATURDAY + 100.0)
    new = _full_quote("new", SATURDAY + 101.0, delay_minutes=new_delay, **dict.fromkeys(missing))
    store = MarketStore()
    store.apply_quote(old)
    assert store.apply_quote(new)
    carried = {name: getattr(old, name) for name in missing}
    if "day_high" in missing:  # the day's high is at least the new trade
        carried["day_high"] = max(old.day_high, new.price)
    if "day_low" in missing:
        carried["day_low"] = min(old.day_low, new.price)
    expected = dataclasses.replace(
        new, **carried, **({"delay_minutes": old.delay_minutes} if new_delay == 0 else {}))
    assert store.quotes["X"] == expected
    assert (store.quotes["X"] is new) == (not missing and new_delay != 0)  # nothing to carry: the very quote


def test_the_day_figures_are_not_carried_into_the_next_day():
    """A frame of a new session without a previous close (real Yahoo frames often have none) must not show the
    last session's previous close: it is worked out from the frame's own change instead, or left unknown."""
    old = _full_quote("old", US_OPEN)
    new = _full_quote("new", US_OPEN + 86400.0, **dict.fromkeys(_DAY))
    merged = merge_quote(new, old, same_day=False)
    assert all(getattr(merged, name) is None for name in _DAY), merged
    assert merged.currency == new.currency and merged.change == new.change
    assert merge_quote(new, old, same_day=True).previous_close == old.previous_close


def test_a_change_left_out_is_worked_out_from_the_previous_close():
    old = _full_quote("old", US_OPEN)
    new = dataclasses.replace(_full_quote("new", US_OPEN + 1.0), change=None, change_pct=None, previous_close=None)
    merged = merge_quote(new, old, same_day=True)
    assert merged.change == pytest.approx(new.price - old.previous_close)
    assert merged.change_pct == pytest.approx((new.price / old.previous_close - 1) * 100)


def test_nothing_known_nothing_carried():
    old = Quote("X", 10.0, 100.0, QuoteSource.REST, 100.0)
    new = Quote("X", 11.0, 160.0, QuoteSource.STREAM, 160.0, market_state=MarketState.REGULAR)
    assert merge_quote(new, old) is new
    known = dataclasses.replace(old, delay_minutes=15, currency="HKD")
    filled = merge_quote(new, known)
    assert (filled.delay_minutes, filled.currency, filled.source, filled.price) == (15, "HKD", QuoteSource.STREAM,
                                                                                    11.0)
    assert merge_quote(dataclasses.replace(new, delay_minutes=5), old).delay_minutes == 5


def test_older_quotes_are_dropped_and_intraday_points_follow_the_minute():
    store = MarketStore()
    q = Quote("X", 10.0, 1000.0, QuoteSource.STREAM, 1000.0)
    assert store.apply_quote(q)
    seq = store.seq
    assert not store.apply_quote(dataclasses.replace(q, price=9.0, time=999.0))
    assert store.quotes["X"] is q and store.seq == seq
    assert store.apply_quote(dataclasses.replace(q, price=11.0))  # the same time is kept
    assert store.apply_quote(dataclasses.replace(q, price=12.0, time=1059.0))  # within the minute: replaces
    assert store.apply_quote(dataclasses.replace(q, price=13.0, time=1060.0))  # a minute on: a new point
    assert list(store.intraday["X"]) == [(1000.0, 12.0), (1060.0, 13.0)]
    assert store.seq == seq + 3 and store.changed_since(seq) == {"X"}


# -- LinesView -----------------------------------------------------------------------------------------------
class LinesApp(App):
    CSS = """
    #wrap { width: 20; }
    #cut { width: 20; text-wrap: nowrap; text-overflow: ellipsis; }
    """

    def compose(self) -> ComposeResult:
        yield LinesView(id="wrap")
        yield LinesView(id="cut")


def _texts(view: LinesView) -> list[str]:
    return [view.render_line(y).text for y in range(view.size.height)]


async def test_only_changed_lines_are_drawn_again():
    app = LinesApp()
    async with app.run_test(size=(40, 12)) as pilot:
        view = app.query_one("#wrap", LinesView)
        view.set_lines([Content("one"), Content("two"), Content("three")])
        await pilot.pause()
        assert view.size.height == 3
        assert [t.rstrip() for t in _texts(view)] == ["one", "two", "three"]
        drawn = view.lines_drawn
        assert view.set_lines([Content("one"), Content("TWO"), Content("three")]) == 1
        await pilot.pause()
        assert view.lines_drawn == drawn + 1
        assert _texts(view)[1].rstrip() == "TWO"
        # a change of style alone is a change
        assert view.set_lines([Content("one"), Content.styled("TWO", "bold"), Content("three")]) == 1
        # the same lines: nothing to draw
        assert view.set_lines([Content("one"), Content.styled("TWO", "bold"), Content("three")]) == 0


async def test_height_follows_the_lines_and_long_lines_wrap_or_are_cut():
    app = LinesApp()
    async with app.run_test(size=(40, 12)) as pilot:
        wrap, cut = app.query_one("#wrap", LinesView), app.query_one("#cut", LinesView)
        long = Content("top 3 share 93.3% of the market")
        wrap.set_lines([long])
        cut.set_lines([long])
        await pilot.pause()
        assert wrap.size.height == 2  # wrapped, nothing lost
        assert "".join(t.strip() + " " for t in _texts(wrap)).strip() == long.plain
        assert cut.size.height == 1
        assert _texts(cut)[0].endswith("…")  # cut, and says so
        assert all(len(t) == 20 for t in _texts(wrap) + _texts(cut))
        assert wrap.plain == long.plain
        wrap.set_lines([Content("a"), Content("b"), Content("c"), Content("d")])
        await pilot.pause()
        assert wrap.size.height == 4


# -- board rows ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["NVDA  Nvidia", "比亚迪 BYD", "x" * 30])
def test_board_strips_are_exactly_as_wide_as_the_board(text):
    from rich.style import Style

    base = Style(bold=True)
    strip = _strip_of([[text, base]], 20, base)
    assert strip.cell_length == 20
    assert sum(seg.cell_length for seg in strip) == 20


# -- repaints cover whole lines --------------------------------------------------------------------------------
# Textual writes a partly repainted line from the start of the widget's line anyway, after cropping it (a Strip
# built per line and frame: about an eighth of the app's CPU while quotes stream, measured). The board's rows
# and the panels' lines are repainted across the widget's whole width.
async def test_streaming_repaints_whole_lines_that_textual_need_not_crop(monkeypatch):
    from textual._compositor import Compositor
    from ui_support import StaticRuntime, wait_for, watchlists

    from tui.app import AiwatchApp
    from tui.widgets.pairs import PairsPanel

    partial: list[tuple] = []
    spans_seen: list[int] = []
    original = Compositor.render_partial_update

    def checking(self):
        update = original(self)
        if update is not None:
            for y, x1, x2 in update.spans:
                for end, (x, strip) in zip(update.chop_ends[y], update.chops[y].items(), strict=False):
                    if strip is not None and x < x2 and end > x1 and not (x1 <= x and end <= x2):
                        partial.append((y, x1, x2, x, end))
            spans_seen.append(len(update.spans))
        return update

    monkeypatch.setattr(Compositor, "render_partial_update", checking)
    runtime = StaticRuntime()
    app = AiwatchApp(runtime, watchlists())
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.refreshes >= 2 and app.runtime.started)
        await pilot.pause(0.3)
        pairs = app.query_one(PairsPanel)
        drawn, frames = pairs.lines_drawn, len(spans_seen)
        partial.clear()
        for n, symbol in enumerate(("NVDA", "0981.HK", "TSLA", "1211.HK")):
            runtime.tick(symbol, 100.0 + n)  # board rows and the pairs panel's lines change
            seen = app.refreshes
            await wait_for(pilot, lambda seen=seen: app.refreshes > seen + 1)
        await pilot.pause(0.3)
        assert pairs.lines_drawn > drawn and len(spans_seen) > frames  # lines did change on screen
        assert partial == []
