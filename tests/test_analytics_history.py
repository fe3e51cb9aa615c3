"""Relative performance of a pair: FX-adjusted log price ratio over daily closes, its z-score."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from analytics_support import US_OPEN, fundamentals, inst, pair, quote, store_with, watchlist
from hypothesis import given, settings
from hypothesis import strategies as st

from tui.core.history import (
    history_symbols,
    mean_std,
    relative_performance,
    rolling_zscore,
    side_series,
    usd_closes,
    zscore,
)
from tui.model import Bar, Side

US, CN = Side.US, Side.CN
D0 = dt.date(2025, 11, 17)  # a Monday


def _t(day: dt.date, hour_utc: int) -> float:
    return dt.datetime(day.year, day.month, day.day, hour_utc, 0, tzinfo=dt.UTC).timestamp()


def bars(closes, *, start: dt.date = D0, hour_utc: int = 15, days: list[dt.date] | None = None) -> list[Bar]:
    """Daily bars on consecutive weekdays from `start` (or on `days`), stamped `hour_utc` (a local-day time)."""
    if days is None:
        days, d = [], start
        while len(days) < len(closes):
            if d.weekday() < 5:
                days.append(d)
            d += dt.timedelta(days=1)
    return [Bar(_t(day, hour_utc), c, c, c, c) for day, c in zip(days, closes, strict=True)]


def _chips(hkd_history=None, us=(100.0, 110.0, 121.0), hk=(78.0, 78.0, 85.8)):
    store = store_with([quote("NVDA", us[-1]), quote("0981.HK", hk[-1], "HKD")], fx={"HKD": 7.8})
    store.apply_history("NVDA", bars(us))  # 15:00 UTC = 10:00 New York, same date
    store.apply_history("0981.HK", bars(hk, hour_utc=2))  # 02:00 UTC = 10:00 Hong Kong, same date
    if hkd_history is not None:
        store.apply_history("HKD=X", bars(hkd_history, hour_utc=12))
    wl = watchlist([inst("NVDA", US, "Nvidia"), inst("0981.HK", CN, "SMIC")], [pair("chips", ["NVDA"], ["0981.HK"])])
    return store, wl


def test_log_ratio_across_hkd_and_usd_with_daily_fx():
    # SMIC in USD: 78 / 7.8 = 10, 78 / 7.8 = 10, 85.8 / 8.58 = 10; NVDA 100, 110, 121
    # x = ln(10), ln(11), ln(12.1); relative performance +21 %
    store, wl = _chips(hkd_history=(7.8, 7.8, 8.58))
    store.apply_quote(quote("HKD=X", 8.58, "HKD", time=US_OPEN + 1))  # the live rate, for the live last point
    rp = relative_performance(store, wl, wl.pairs[0], now=_t(D0 + dt.timedelta(days=2), 16))
    assert rp.dates == (D0, D0 + dt.timedelta(days=1), D0 + dt.timedelta(days=2))
    assert rp.log_ratio == pytest.approx((math.log(10), math.log(11), math.log(12.1)))
    assert rp.fx_basis == "daily" and rp.live
    assert rp.change == pytest.approx(0.21)
    assert rp.rel_series == pytest.approx([0.0, 10.0, 21.0])
    assert rp.z is None  # three points are too few for a z-score


def test_without_fx_history_today_rate_is_used_and_said():
    # every close at 7.8: SMIC USD 10, 10, 11 -> ratio 10, 11, 11: +10 %
    store, wl = _chips(hkd_history=None)
    rp = relative_performance(store, wl, wl.pairs[0])
    assert rp.fx_basis == "current"
    assert rp.change == pytest.approx(0.10)


def test_live_point_replaces_today_and_is_appended_on_a_new_day():
    store, wl = _chips(hkd_history=(7.8, 7.8, 7.8))
    store.apply_quote(quote("NVDA", 132.0, time=US_OPEN + 1))
    # today (day 2): the last close is replaced by the live ratio 132 / 11 = 12
    rp = relative_performance(store, wl, wl.pairs[0], now=_t(D0 + dt.timedelta(days=2), 16))
    assert len(rp.log_ratio) == 3 and rp.log_ratio[-1] == pytest.approx(math.log(12))
    # the next day, before any bar of it: the live ratio is a fourth point
    rp = relative_performance(store, wl, wl.pairs[0], now=_t(D0 + dt.timedelta(days=3), 16))
    assert rp.dates[-1] == D0 + dt.timedelta(days=3) and rp.log_ratio[-2] == pytest.approx(math.log(11))


def test_holidays_carry_the_last_close_forward():
    # Hong Kong trades on day 3 when New York does not: NVDA's day-2 close is carried to day 3
    store = store_with([], fx={"HKD": 7.8})
    days_us = [D0, D0 + dt.timedelta(days=1), D0 + dt.timedelta(days=2)]
    days_hk = [D0, D0 + dt.timedelta(days=2), D0 + dt.timedelta(days=3)]
    store.apply_history("NVDA", bars((100.0, 110.0, 120.0), days=days_us))
    store.apply_history("0981.HK", bars((78.0, 78.0, 39.0), days=days_hk, hour_utc=2))
    store.apply_quote(quote("0981.HK", 39.0, "HKD"))
    store.apply_quote(quote("NVDA", 120.0))
    wl = watchlist([inst("NVDA", US), inst("0981.HK", CN)], [pair("p", ["NVDA"], ["0981.HK"])])
    rp = relative_performance(store, wl, wl.pairs[0], now=_t(D0 + dt.timedelta(days=3), 16))
    # day 0: 100/10; day 1: 110/10; day 2: 120/10; day 3: 120/5
    assert rp.log_ratio == pytest.approx([math.log(x) for x in (10, 11, 12, 24)])


def test_closes_are_dated_by_their_markets_calendar_and_fx_by_date():
    # Hong Kong: two bars on D0's Hong Kong date (02:00 and 07:00 UTC): the later wins; a bar at 17:00 UTC is
    # 01:00 the next day in Hong Kong: D1's. HKD=X has closes on D1 and D3 only: D0 (before the FX history)
    # takes its first rate, D2 (an FX holiday) carries D1's.
    store = store_with([quote("0981.HK", 80.0, "HKD")], fx={"HKD": 8.0})
    day0 = dt.datetime(D0.year, D0.month, D0.day, tzinfo=dt.UTC).timestamp()
    store.apply_history("0981.HK", [Bar(day0 + 2 * 3600, 70, 70, 70, 70), Bar(day0 + 7 * 3600, 78, 78, 78, 78),
                                    Bar(day0 + 17 * 3600, 80, 80, 80, 80),
                                    Bar(day0 + 2 * 86400 + 7 * 3600, 82, 82, 82, 82),
                                    Bar(day0 + 3 * 86400 + 7 * 3600, 90, 90, 90, 90)])
    store.apply_history("HKD=X", bars((7.8, 9.0), days=[D0 + dt.timedelta(days=1), D0 + dt.timedelta(days=3)],
                                      hour_utc=12))
    closes, basis = usd_closes(store, "0981.HK")
    assert basis == "daily"
    assert list(closes.index.date) == [D0 + dt.timedelta(days=n) for n in range(4)]
    assert closes.tolist() == pytest.approx([78 / 7.8, 80 / 7.8, 82 / 7.8, 90 / 9.0])


def test_basket_level_is_usd_cap_at_todays_shares():
    # A: 1e9 shares at 10 then 20; B: 2e9 shares at 5 then 5 -> 20e9, 30e9; C (CN, one company): 1, 1 USD
    store = store_with(
        [quote("A", 20.0), quote("B", 5.0), quote("C", 1.0)],
        [fundamentals("A", shares_outstanding=1e9), fundamentals("B", shares_outstanding=2e9)],
    )
    for sym, closes in (("A", (10.0, 20.0)), ("B", (5.0, 5.0)), ("C", (1.0, 1.0))):
        store.apply_history(sym, bars(closes))
    wl = watchlist([inst("A", US), inst("B", US), inst("C", CN)], [pair("basket", ["A", "B"], ["C"])])
    us = side_series(store, wl, ["A", "B"])
    assert us.basket and us.values == pytest.approx((20e9, 30e9)) and us.live == pytest.approx(30e9)
    rp = relative_performance(store, wl, wl.pairs[0])
    assert rp.change == pytest.approx(0.5)


def test_basket_member_listed_later_is_left_out():
    store = store_with([quote("A", 10.0), quote("NEW", 5.0), quote("C", 1.0)],
                       [fundamentals("A", shares_outstanding=1e9), fundamentals("NEW", shares_outstanding=1e9)])
    store.apply_history("A", bars([10.0] * 30))
    store.apply_history("NEW", bars([5.0] * 5, start=D0 + dt.timedelta(days=35)))
    store.apply_history("C", bars([1.0] * 30))
    wl = watchlist([inst("A", US), inst("NEW", US), inst("C", CN)])
    s = side_series(store, wl, ["A", "NEW"])
    assert s.symbols == ("A",) and s.left_out == ("NEW",) and len(s.values) == 30


def test_no_history_no_relative_performance():
    store, wl = _chips()
    store.history.pop("0981.HK")
    assert relative_performance(store, wl, wl.pairs[0]) is None


def test_usd_closes_need_a_currency_and_some_fx():
    store = store_with([quote("0981.HK", 78.0, "HKD")])
    store.apply_history("0981.HK", bars((78.0,), hour_utc=2))
    assert usd_closes(store, "0981.HK") is None  # no HKD rate at all: no USD figure, never a mixed one


def test_zscore_hand_computed():
    # 0..19: mean 9.5, sample variance 665 / 19 = 35 -> z = 9.5 / sqrt(35) = 1.605793
    assert zscore(list(range(20))) == pytest.approx(1.605793, rel=1e-6)
    assert mean_std([1.0, 3.0]) == (2.0, pytest.approx(math.sqrt(2)))
    assert zscore(list(range(19))) is None  # fewer than 20 points
    assert zscore([5.0] * 30) is None  # flat: no z-score
    # the window: only the last 20 of 0..99 -> again 1.605793
    assert zscore(list(range(100)), window=20) == pytest.approx(1.605793, rel=1e-6)
    rz = rolling_zscore(list(range(25)), 20)
    assert rz[:19] == [None] * 19 and rz[19] == pytest.approx(1.605793, rel=1e-6)


def test_year_of_history_gives_todays_z():
    # a year of closes: NVDA flat at 100; SMIC at 10 USD, except today at 8 -> today's ratio is high
    n = 260
    store, wl = _chips(hkd_history=None, us=tuple([100.0] * n), hk=tuple([78.0 + (i % 2) * 0.78 for i in range(n - 1)]
                                                                         + [62.4]))
    rp = relative_performance(store, wl, wl.pairs[0])
    assert rp.window == 252 and len(rp.log_ratio) == n
    xs = rp.log_ratio[-252:]
    m = sum(xs) / 252
    s = math.sqrt(sum((x - m) ** 2 for x in xs) / 251)
    assert rp.z == pytest.approx((xs[-1] - m) / s)
    assert rp.z > 5


def test_history_symbols_include_fx():
    store, wl = _chips()
    assert history_symbols(wl, wl.pairs[0], store) == ["NVDA", "0981.HK", "HKD=X"]


closes = st.lists(st.floats(min_value=0.5, max_value=500.0, allow_nan=False), min_size=25, max_size=40)


@settings(max_examples=40, deadline=None)
@given(closes, closes)
def test_swapping_sides_negates_log_ratio_and_z(a, b):
    n = min(len(a), len(b))
    store = store_with([quote("X", a[n - 1]), quote("Y", b[n - 1])])
    store.apply_history("X", bars(a[:n]))
    store.apply_history("Y", bars(b[:n]))
    wl = watchlist([inst("X", US), inst("Y", CN)])
    xy = relative_performance(store, wl, pair("xy", ["X"], ["Y"]))
    yx = relative_performance(store, wl, pair("yx", ["Y"], ["X"]))
    assert [round(v, 9) for v in xy.log_ratio] == [round(-v, 9) for v in yx.log_ratio]
    if xy.z is not None:
        assert xy.z == pytest.approx(-yx.z, abs=1e-6)


def test_fx_daily_closes_are_dated_as_yahoo_stamps_them():
    """Yahoo stamps an FX daily bar with 00:00 London (recorded EURUSD=X): the pairs' daily FX must take each as
    that day's close. Read by New York's clock they were a day early, every HKD and CNY close converted at the
    day before's rate."""
    import json

    from analytics_support import RECORDED
    from feeds_fake_yahoo import need_recorded

    from tui.core.history import daily_closes
    from tui.feeds.yahoo_parse import parse_chart

    need_recorded()
    doc = json.loads((RECORDED / "chart-EURUSD=X-2020-01-01-to-2020-01-03.json").read_text())
    _meta, recorded = parse_chart(doc["body"])
    store = store_with([quote("EURUSD=X", 1.12, "USD")])
    store.apply_history("EURUSD=X", recorded)
    closes = daily_closes(store, "EURUSD=X")
    assert [d.isoformat() for d in closes.index.date] == ["2020-01-01", "2020-01-02", "2020-01-03"]
    assert closes.tolist() == [b.close for b in recorded]
    # British summer time: 00:00 London is 23:00 UTC the evening before
    summer = [Bar(dt.datetime(2025, 6, 1, 23, tzinfo=dt.UTC).timestamp(), 7.8, 7.8, 7.8, 7.8)]
    store.apply_history("HKD=X", summer)
    assert list(daily_closes(store, "HKD=X").index.date) == [dt.date(2025, 6, 2)]
