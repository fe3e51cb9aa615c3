"""Pair spreads and basket aggregates."""

from __future__ import annotations

import math

import pytest
from analytics_support import fundamentals, inst, pair, quote, store_with, watchlist
from hypothesis import given
from hypothesis import strategies as st

from tui.core.spreads import metric_spread, pair_spread, side_aggregate
from tui.model import Side

US, CN = Side.US, Side.CN


def _nvda_smic():
    # NVDA: 200 USD x 25e9 = 5e12 USD; NI 100e9 -> P/E 50; revenue 200e9 -> P/S 25
    # SMIC H: 78 HKD x 8e9 / 7.8 = 80e9 USD; NI 0.8e9 USD -> P/E 100; revenue 8e9 USD -> P/S 10
    store = store_with(
        [quote("NVDA", 200.0, change_pct=2.0), quote("0981.HK", 78.0, "HKD", change_pct=-1.0)],
        [
            fundamentals("NVDA", shares_outstanding=25e9, net_income_ttm=100e9, revenue_ttm=200e9),
            fundamentals(
                "0981.HK", "HKD", "USD", shares_outstanding=8e9, net_income_ttm=0.8e9, revenue_ttm=8e9
            ),
        ],
        fx={"HKD": 7.8},
    )
    wl = watchlist(
        [inst("NVDA", US, "Nvidia"), inst("0981.HK", CN, "SMIC")], [pair("chips", ["NVDA"], ["0981.HK"])]
    )
    return store, wl


def test_pair_across_hkd_and_usd():
    store, wl = _nvda_smic()
    ps = pair_spread(store, wl, wl.pairs[0])
    pe = ps.metrics["pe_ttm"]
    assert pe.us == pytest.approx(50.0) and pe.cn == pytest.approx(100.0)
    assert pe.ratio == pytest.approx(0.5)
    assert pe.log_ratio == pytest.approx(-0.693147, rel=1e-6)
    assert pe.premium_pct == pytest.approx(-50.0)
    assert pe.ey_spread_pp == pytest.approx(1.0)  # 2 % - 1 %
    ps_ = ps.metrics["ps_ttm"]
    assert (ps_.us, ps_.cn, ps_.ratio) == (pytest.approx(25.0), pytest.approx(10.0), pytest.approx(2.5))
    assert ps.us.change_pct == pytest.approx(2.0) and ps.cn.change_pct == pytest.approx(-1.0)
    assert ps.metrics["ev_sales"].ratio is None  # no debt/cash: EV unknown


def test_swapped_pair_flips_signs():
    store, wl = _nvda_smic()
    a = pair_spread(store, wl, pair("a", ["NVDA"], ["0981.HK"])).metrics["pe_ttm"]
    b = pair_spread(store, wl, pair("b", ["0981.HK"], ["NVDA"])).metrics["pe_ttm"]
    assert b.log_ratio == pytest.approx(-a.log_ratio)
    assert b.ey_spread_pp == pytest.approx(-a.ey_spread_pp)
    assert b.ratio == pytest.approx(1 / a.ratio)


def test_basket_member_missing_fundamentals():
    # MSFT 400 x 7.5e9 = 3e12, NI 100e9; ORCL has shares only (cap 200 x 2.5e9 = 0.5e12, no income);
    # CRWV has a quote but nothing else -> no cap
    store = store_with(
        [quote("MSFT", 400.0), quote("ORCL", 200.0), quote("CRWV", 100.0)],
        [
            fundamentals("MSFT", shares_outstanding=7.5e9, net_income_ttm=100e9, revenue_ttm=300e9),
            fundamentals("ORCL", shares_outstanding=2.5e9),
        ],
    )
    wl = watchlist([inst("MSFT", US), inst("ORCL", US), inst("CRWV", US)])
    side = side_aggregate(store, wl, ["MSFT", "ORCL", "CRWV"])
    assert (side.with_data, side.companies, side.total) == (1, 2, 3)
    assert side.market_cap_usd == pytest.approx(3.5e12)
    assert side.pe_ttm == pytest.approx(30.0)  # MSFT alone: ORCL's cap has no earnings to match
    assert side.ps_ttm == pytest.approx(10.0)


def test_alibaba_adr_and_h_share_counted_once():
    # BABA 160 USD x 2.3e9 = 368e9; 9988.HK 156 HKD x 18.4e9 / 7.8 = 368e9 (same company)
    # Tencent 0700.HK 624 HKD x 9.2e9 / 7.8 = 736e9 USD; NI 200e9 CNY / 7.2 = 27.78e9 USD
    store = store_with(
        [quote("BABA", 160.0), quote("9988.HK", 156.0, "HKD"), quote("0700.HK", 624.0, "HKD")],
        [
            fundamentals("BABA", "USD", "CNY", shares_outstanding=2.3e9, net_income_ttm=144e9),
            fundamentals("9988.HK", "HKD", "CNY", shares_outstanding=18.4e9, net_income_ttm=144e9),
            fundamentals("0700.HK", "HKD", "CNY", shares_outstanding=9.2e9, net_income_ttm=200e9),
        ],
        fx={"HKD": 7.8, "CNY": 7.2},
    )
    wl = watchlist(
        [inst("BABA", CN, "Alibaba"), inst("9988.HK", CN, "Alibaba"), inst("0700.HK", CN, "Tencent")]
    )
    side = side_aggregate(store, wl, ["BABA", "9988.HK", "0700.HK"])
    assert side.total == 2 and side.companies == 2
    assert side.symbols == ("BABA", "0700.HK")
    assert side.market_cap_usd == pytest.approx(368e9 + 736e9)
    # (368e9 + 736e9) / ((144e9 + 200e9) / 7.2) = 1104e9 / 47.78e9 = 23.107
    assert side.pe_ttm == pytest.approx(23.1070, rel=1e-4)


def test_h_share_represents_company_when_adr_lacks_fundamentals():
    store = store_with(
        [quote("BABA", 160.0), quote("9988.HK", 156.0, "HKD")],
        [fundamentals("9988.HK", "HKD", "CNY", shares_outstanding=18.4e9, net_income_ttm=144e9)],
        fx={"HKD": 7.8, "CNY": 7.2},
    )
    wl = watchlist([inst("BABA", CN, "Alibaba"), inst("9988.HK", CN, "Alibaba")])
    side = side_aggregate(store, wl, ["BABA", "9988.HK"])
    assert side.symbols == ("9988.HK",) and side.with_data == 1 and side.total == 1


def test_basket_losses_count_in_sum_and_change_is_cap_weighted():
    # A: cap 100e9, NI 10e9, +25 % today (prev cap 80e9); B: cap 100e9, NI -5e9, -50 % (prev cap 200e9)
    # P/E = 200 / 5 = 40 (not the average of 10 and n/m); move = 200 / 280 - 1 = -28.571 %
    store = store_with(
        [quote("A", 10.0, change_pct=25.0), quote("B", 10.0, change_pct=-50.0)],
        [
            fundamentals("A", shares_outstanding=10e9, net_income_ttm=10e9),
            fundamentals("B", shares_outstanding=10e9, net_income_ttm=-5e9),
        ],
    )
    wl = watchlist([inst("A", US), inst("B", US)])
    side = side_aggregate(store, wl, ["A", "B"])
    assert side.pe_ttm == pytest.approx(40.0)
    assert side.ey == pytest.approx(0.025)
    assert side.change_pct == pytest.approx(-28.5714, rel=1e-5)


def test_basket_net_loss_pe_nm_but_ey_spread_defined():
    store = store_with(
        [quote("A", 10.0), quote("B", 10.0), quote("C", 10.0)],
        [
            fundamentals("A", shares_outstanding=10e9, net_income_ttm=-10e9),
            fundamentals("B", shares_outstanding=10e9, net_income_ttm=5e9),
            fundamentals("C", shares_outstanding=10e9, net_income_ttm=5e9),
        ],
    )
    wl = watchlist([inst("A", US), inst("B", US), inst("C", CN)], [pair("p", ["A", "B"], ["C"])])
    ps = pair_spread(store, wl, wl.pairs[0])
    pe = ps.metrics["pe_ttm"]
    assert pe.us is None and pe.ratio is None and pe.log_ratio is None
    assert pe.cn == pytest.approx(20.0)
    # US EY = -5e9 / 200e9 = -2.5 %; CN EY = 5 %; spread = -7.5 pp
    assert pe.ey_spread_pp == pytest.approx(-7.5)


def test_indices_do_not_count():
    store = store_with(
        [quote("^GSPC", 6000.0), quote("A", 10.0)],
        [fundamentals("A", shares_outstanding=1e9, net_income_ttm=1e8)],
    )
    wl = watchlist([inst("^GSPC", US, kind="index"), inst("A", US)])
    side = side_aggregate(store, wl, ["^GSPC", "A"])
    assert side.total == 1 and side.symbols == ("A",)


positive = st.floats(min_value=1e-3, max_value=1e6, allow_nan=False, allow_infinity=False)
ey = st.floats(min_value=-1.0, max_value=1.0, allow_nan=False)


@given(positive, positive, ey, ey)
def test_metric_spread_flips_sign_when_swapped(a, b, ey_a, ey_b):
    ab = metric_spread(a, b, us_ey=ey_a, cn_ey=ey_b, with_ey=True)
    ba = metric_spread(b, a, us_ey=ey_b, cn_ey=ey_a, with_ey=True)
    assert ab.log_ratio == pytest.approx(-ba.log_ratio, abs=1e-9)
    assert ab.ey_spread_pp == pytest.approx(-ba.ey_spread_pp, abs=1e-9)
    assert ab.ratio * ba.ratio == pytest.approx(1.0)
    assert math.exp(ab.log_ratio) == pytest.approx(ab.ratio)


@given(st.one_of(st.none(), st.floats(max_value=0.0, allow_nan=False)), positive)
def test_metric_spread_none_when_a_side_is_not_positive(bad, good):
    for us, cn in ((bad, good), (good, bad)):
        m = metric_spread(us, cn)
        assert m.ratio is None and m.log_ratio is None and m.premium_pct is None


def test_basket_forward_losses_show_nm_not_a_blank():
    # A: cap 100e9, forward EPS 1 x 10e9 shares = +10e9; B: cap 100e9, forward EPS -2 x 10e9 = -20e9
    # forward earnings sum to -10e9: forward P/E is not meaningful, and the detail screen says "n/m"
    from tui.screens.pair_detail import side_value

    store = store_with(
        [quote("A", 10.0), quote("B", 10.0)],
        [
            fundamentals("A", shares_outstanding=10e9, net_income_ttm=5e9, eps_forward=1.0),
            fundamentals("B", shares_outstanding=10e9, net_income_ttm=5e9, eps_forward=-2.0),
        ],
    )
    wl = watchlist([inst("A", US), inst("B", US)])
    side = side_aggregate(store, wl, ["A", "B"])
    assert side.forward_earnings_usd == pytest.approx(-10e9)
    assert side.pe_fwd is None
    assert side_value(side, "pe_fwd") == "n/m"
    assert side_value(side, "pe_ttm") == "20.0"
