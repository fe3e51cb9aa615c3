"""The simulator's market model: deterministic in (seed, instant), market hours, Yahoo's delays, consistency."""

import datetime as dt
import itertools
import math

import pytest

from tui.core import sessions
from tui.core.clock import parse_instant
from tui.sim.market import SimMarket


def at(text: str) -> float:
    return parse_instant(text).timestamp()


INSTANTS = [at(s) for s in ("2026-11-24T15:00:00Z", "2026-11-24T02:15:00Z", "2025-11-21T20:00:00Z",
                            "2026-03-02T14:31:07Z", "2026-11-20T06:59:30Z")]
SYMBOLS = ["NVDA", "0981.HK", "688981.SS", "002594.SZ", "9984.T", "HKD=X", "^GSPC", "BABA"]


def test_same_seed_same_prices_whatever_the_order():
    a, b = SimMarket(seed=7), SimMarket(seed=7)
    forward = {(s, t): a.price_at(s, t) for t in INSTANTS for s in SYMBOLS}
    backward = {(s, t): b.price_at(s, t) for t in reversed(INSTANTS) for s in reversed(SYMBOLS)}
    assert forward == backward


def test_history_does_not_change_when_the_range_grows():
    fresh = SimMarket(seed=7)
    grown = SimMarket(seed=7)
    grown.price_at("NVDA", at("2029-06-01T15:00:00Z"))  # extends the daily walk by years
    day = dt.date(2026, 6, 1)
    assert fresh.close_on("NVDA", day) == grown.close_on("NVDA", day)
    assert fresh.price_at("MSFT", INSTANTS[0]) == grown.price_at("MSFT", INSTANTS[0])


def test_a_different_seed_differs():
    a, b = SimMarket(seed=7), SimMarket(seed=8)
    assert a.price_at("NVDA", INSTANTS[0]) != b.price_at("NVDA", INSTANTS[0])


def test_anchored_at_the_baseline(market):
    for symbol, listing in market.listings.items():
        if listing.listed is None:
            assert math.isclose(market.close_on(symbol, market.as_of), listing.price, rel_tol=1e-12), symbol


def test_hong_kong_lunch_break_holds_the_price(market):
    # 2026-11-24 is a Tuesday; HK lunch 12:00-13:00 HKT = 04:00-05:00Z
    lunch = [market.price_at("0700.HK", at("2026-11-24T04:00:00Z") + k * 300) for k in range(12)]
    assert len(set(lunch)) == 1
    morning = [market.price_at("0700.HK", at("2026-11-24T02:00:00Z") + k * 60) for k in range(20)]
    assert len(set(morning)) > 5  # moves during the session


def test_weekend_and_holiday_hold_the_price(market):
    weekend = [market.price_at("NVDA", at("2026-11-21T12:00:00Z") + k * 3600) for k in range(30)]
    assert len(set(weekend)) == 1
    # Thanksgiving 2026-11-26: NYSE closed all day
    assert not sessions.is_trading_day("US", dt.date(2026, 11, 26))
    holiday = [market.price_at("NVDA", at("2026-11-26T14:30:00Z") + k * 600) for k in range(30)]
    assert len(set(holiday)) == 1


def test_delayed_markets_are_served_fifteen_minutes_late(market):
    t = at("2026-11-24T02:30:00Z")  # 10:30 HKT
    view = market.view("0981.HK", t)
    assert view.time <= t - 15 * 60
    assert view.price == market.price_at("0981.HK", t - 15 * 60)
    assert view.price != market.price_at("0981.HK", t)
    tick = market.tick("9984.T", at("2026-11-24T01:00:00Z"))  # 10:00 JST: Tokyo is 20 minutes late
    assert tick is not None and tick.time == at("2026-11-24T01:00:00Z") - 20 * 60
    assert market.view("NVDA", at("2026-11-24T15:00:00Z")).time > at("2026-11-24T14:59:00Z")


def test_no_ticks_when_the_market_is_closed(market):
    assert market.tick("0700.HK", at("2026-11-24T15:00:00Z")) is None  # 23:00 HKT
    assert market.tick("NVDA", at("2026-11-24T15:00:00Z")).session == "regular"
    assert market.tick("NVDA", at("2026-11-24T12:00:00Z")).session == "pre"  # 07:00 ET
    assert market.tick("NVDA", at("2026-11-24T22:00:00Z")).session == "post"  # 17:00 ET
    assert market.tick("NVDA", at("2026-11-25T02:00:00Z")) is None  # 21:00 ET
    assert market.tick("HKD=X", at("2026-11-22T12:00:00Z")) is None  # Sunday morning
    assert market.tick("HKD=X", at("2026-11-23T00:00:00Z")) is not None  # Sunday 19:00 New York


def test_intraday_path_meets_the_daily_bar(market):
    day = dt.date(2026, 11, 24)
    bar = market.bar("MSFT", day)
    end = sessions.regular_segments("US", day)[-1][1]
    view = market.view("MSFT", end - 1)
    assert math.isclose(view.high, bar.high, rel_tol=1e-9)
    assert math.isclose(view.low, bar.low, rel_tol=1e-9)
    assert math.isclose(view.open, bar.open, rel_tol=1e-12)
    assert math.isclose(market.view("MSFT", end + 1).price, bar.close, rel_tol=1e-12)
    assert view.previous_close == pytest.approx(market.close_on("MSFT", day - dt.timedelta(days=1)))
    assert 0 < view.volume <= bar.volume


def test_running_high_low_and_volume_grow(market):
    t0 = at("2026-11-24T14:40:00Z")
    views = [market.view("AMD", t0 + k * 600) for k in range(30)]
    for a, b in itertools.pairwise(views):
        assert b.high >= a.high and b.low <= a.low and b.volume >= a.volume
        assert a.low <= a.price <= a.high


def test_names_are_correlated(market):
    import numpy as np

    days = market.trading_days("NVDA", dt.date(2025, 1, 1), dt.date(2026, 11, 1))
    def returns(sym):
        closes = np.array([market.close_on(sym, d) for d in days])
        return np.diff(np.log(closes))
    nvda, amd, fx = returns("NVDA"), returns("AMD"), returns("JPY=X")
    assert np.corrcoef(nvda, amd)[0, 1] > 0.4
    assert abs(np.corrcoef(nvda, fx)[0, 1]) < 0.3


def test_eps_and_pe_consistency(market):
    eps = market.eps_ttm("BABA")  # CNY income over ADSs at the baseline USD/CNY
    li = market.listing("BABA")
    assert eps == pytest.approx(li.net_income_ttm / market.baseline.fx_rate("CNY") / li.shares, abs=1e-4)
    assert market.eps_ttm("CRWV") < 0
    assert market.eps_ttm("^GSPC") is None


def test_later_listings_are_unknown_before_they_list(market):
    assert not market.is_listed("2513.HK", at("2025-12-01T03:00:00Z"))
    assert market.is_listed("2513.HK", at("2026-01-08T03:00:00Z"))
    assert market.tick("2513.HK", at("2025-12-01T03:00:00Z")) is None
    first = market.daily_bars("0100.HK", dt.date(2025, 12, 1), dt.date(2026, 2, 1), at("2026-02-01T00:00:00Z"))
    assert first and first[0].day >= dt.date(2026, 1, 9)
