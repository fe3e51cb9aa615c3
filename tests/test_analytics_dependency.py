"""Nvidia dependency: NVDA's weight on the US side, betas and correlations on weekly USD returns."""

from __future__ import annotations

import datetime as dt

import pytest
from analytics_support import fundamentals, inst, quote, store_with, watchlist
from hypothesis import given, settings
from hypothesis import strategies as st

from tui.core.dependency import anchor_weight, beta_corr, dependency, weekly_returns
from tui.model import Bar, Side

US, CN = Side.US, Side.CN
MON = dt.date(2024, 12, 2)  # a Monday


def _t(day: dt.date, hour: int = 15) -> float:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=dt.UTC).timestamp()


def weekly_bars(closes, hour: int = 15, weekday: int = 4) -> list[Bar]:
    """One bar a week (on `weekday`) with `closes`, plus a Monday bar at a flat 1.0 that the week's last
    close must override."""
    out = []
    for n, c in enumerate(closes):
        monday = MON + dt.timedelta(weeks=n)
        out.append(Bar(_t(monday, hour), 1.0, 1.0, 1.0, 1.0))
        day = monday + dt.timedelta(days=weekday)
        out.append(Bar(_t(day, hour), c, c, c, c))
    return out


def _prices(returns, start=100.0):
    out = [start]
    for r in returns:
        out.append(out[-1] * (1 + r))
    return out


def test_weekly_returns_use_each_weeks_last_close():
    closes = {MON: 50.0, MON + dt.timedelta(days=4): 100.0, MON + dt.timedelta(days=7): 70.0,
              MON + dt.timedelta(days=11): 110.0, MON + dt.timedelta(days=25): 121.0}  # week 4 skips week 3
    r = weekly_returns(closes)
    assert list(r.values()) == pytest.approx([0.10])  # week 2 over week 1; week 4 has no week 3 before it


def test_beta_and_correlation_hand_computed():
    # x = 1, 2, 3, 4; y = 2x: beta 2, corr 1. y = -x + noise-free: beta -1, corr -1
    assert beta_corr([2, 4, 6, 8], [1, 2, 3, 4]) == (pytest.approx(2.0), pytest.approx(1.0))
    assert beta_corr([4, 3, 2, 1], [1, 2, 3, 4]) == (pytest.approx(-1.0), pytest.approx(-1.0))
    # x = 1, 2, 3; y = 1, 3, 2: cov = 0.5 (sum 1.0), var x = 1 (sum 2.0): beta 0.5; corr = 1 / sqrt(2 x 2) = 0.5
    assert beta_corr([1, 3, 2], [1, 2, 3]) == (pytest.approx(0.5), pytest.approx(0.5))
    assert beta_corr([1, 2], [3, 3]) == (None, None)  # flat x


def test_nvda_weight_counts_us_companies_once():
    # NVDA 4e12; Microsoft 3e12; SMIC (China side) left out: 4 / 7
    store = store_with(
        [quote("NVDA", 160.0), quote("MSFT", 400.0), quote("0981.HK", 78.0, "HKD")],
        [fundamentals("NVDA", shares_outstanding=25e9), fundamentals("MSFT", shares_outstanding=7.5e9),
         fundamentals("0981.HK", "HKD", "USD", shares_outstanding=8e9)],
        fx={"HKD": 7.8},
    )
    wl = watchlist([inst("NVDA", US, "nvidia"), inst("MSFT", US, "microsoft"), inst("0981.HK", CN, "smic")])
    assert anchor_weight(store, wl) == (pytest.approx(4 / 7), 2)


def test_betas_on_weekly_usd_returns_over_52_weeks():
    nvda_r = [0.02 * ((-1) ** n) + 0.001 * n for n in range(60)]
    amd_r = [2 * r for r in nvda_r]  # beta 2, corr 1
    smic_r = [-0.5 * r for r in nvda_r]  # in USD: beta -0.5, corr -1 (its HKD closes are converted)
    store = store_with([quote("NVDA", 100.0), quote("AMD", 100.0), quote("0981.HK", 78.0, "HKD")],
                       [fundamentals("NVDA", shares_outstanding=1e9), fundamentals("AMD", shares_outstanding=1e9)],
                       fx={"HKD": 7.8})
    store.apply_history("NVDA", weekly_bars(_prices(nvda_r)))
    store.apply_history("AMD", weekly_bars(_prices(amd_r)))
    store.apply_history("0981.HK", weekly_bars([p * 7.8 for p in _prices(smic_r)], hour=2))
    wl = watchlist([inst("NVDA", US, "nvidia"), inst("AMD", US, "amd"), inst("0981.HK", CN, "smic")])
    dep = dependency(store, wl)
    assert dep.weight == pytest.approx(0.5)
    amd, smic = dep.of("AMD"), dep.of("0981.HK")
    assert amd.weeks == 52 and amd.beta == pytest.approx(2.0) and amd.corr == pytest.approx(1.0)
    assert smic.beta == pytest.approx(-0.5) and smic.corr == pytest.approx(-1.0)
    assert [s.symbol for s in dep.sensitivities] == ["AMD", "0981.HK"]  # largest |beta| first


def test_too_few_weeks_no_beta_and_no_nvda_no_dependency():
    store = store_with([quote("NVDA", 100.0), quote("AMD", 100.0)])
    store.apply_history("NVDA", weekly_bars(_prices([0.01, -0.02, 0.03])))
    store.apply_history("AMD", weekly_bars(_prices([0.02, -0.01, 0.01])))
    wl = watchlist([inst("NVDA", US), inst("AMD", US)])
    amd = dependency(store, wl).of("AMD")
    assert amd.beta is None and amd.corr is None and amd.weeks == 3
    assert dependency(store, watchlist([inst("AMD", US)])) is None


returns = st.lists(st.floats(min_value=-0.2, max_value=0.2, allow_nan=False), min_size=3, max_size=30)


@settings(max_examples=60, deadline=None)
@given(returns, returns)
def test_correlation_bounded_and_beta_on_itself_is_one(x, y):
    n = min(len(x), len(y))
    x, y = x[:n], y[:n]
    _beta, corr = beta_corr(y, x)
    if corr is not None:
        assert -1.0 <= corr <= 1.0
    b_self, c_self = beta_corr(x, x)
    if b_self is not None:
        assert b_self == pytest.approx(1.0)
        assert c_self == pytest.approx(1.0)
