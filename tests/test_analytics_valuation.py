"""Valuation of single listings: raw parts converted to USD, n/m P/E, missing FX."""

from __future__ import annotations

import json

import pytest
from analytics_support import RECORDED, fundamentals, quote, store_with

from tui.core.valuation import NEAR_ZERO_EY, AdrRatio, adr_premium, load_adr_ratios, valuation


def _module(name: str) -> dict:
    path = RECORDED / f"quoteSummary-{name}-BABA.json"
    if not path.exists():
        pytest.skip(f"recorded Yahoo responses not found at {RECORDED}")
    return json.loads(path.read_text())["body"]["quoteSummary"]["result"][0][name]


def _baba_store(cny_per_usd: float | None):
    price, stats, fin = _module("price"), _module("defaultKeyStatistics"), _module("financialData")
    q = quote("BABA", price["regularMarketPrice"], price["currency"])
    f = fundamentals(
        "BABA",
        currency=price["currency"],
        financial_currency=fin["financialCurrency"],
        shares_outstanding=stats["sharesOutstanding"],
        market_cap=price["marketCap"],
        eps_ttm=stats["trailingEps"],
        eps_forward=stats["forwardEps"],
        net_income_ttm=stats["netIncomeToCommon"],
        revenue_ttm=fin["totalRevenue"],
        ebitda=fin["ebitda"],
        total_debt=fin["totalDebt"],
        total_cash=fin["totalCash"],
    )
    return store_with([q], [f], fx={"CNY": cny_per_usd} if cny_per_usd else {})


def test_baba_recorded_multiples_in_usd():
    v = valuation(_baba_store(7.2), "BABA")
    assert v is not None and v.currency == "USD" and v.financial_currency == "CNY"
    # 143.75 USD x 2,375,950,080 ADS-equivalent shares = 341,542,824,000 (Yahoo's marketCap 341,542,830,080)
    assert v.market_cap_usd == pytest.approx(341_542_824_000.0)
    assert v.market_cap_usd == pytest.approx(_module("price")["marketCap"], rel=1e-7)
    # revenue 981,767,028,736 CNY / 7.2 = 136,356,531,769 USD -> P/S = 2.5048 (Yahoo's mixed figure: 0.348)
    assert v.revenue_usd == pytest.approx(136_356_531_769.0)
    assert v.ps_ttm == pytest.approx(2.50478, rel=1e-5)
    assert v.ps_ttm != pytest.approx(_module("summaryDetail")["priceToSalesTrailing12Months"], rel=0.5)
    # net income 120,358,002,688 CNY / 7.2 = 16,716,389,262 USD -> P/E 20.4316, EY 4.894 %
    assert v.pe_ttm == pytest.approx(20.43161, rel=1e-5)
    assert v.ey == pytest.approx(0.0489438, rel=1e-5)
    # EV = cap + (264,301,002,752 - 453,278,007,296) / 7.2 = 315,296,017,813
    assert v.ev_usd == pytest.approx(315_296_017_813.0)
    assert v.ev_sales == pytest.approx(2.312291, rel=1e-5)
    assert v.ev_ebitda == pytest.approx(12.68159, rel=1e-5)
    # forward: 143.75 / 9.87, both USD
    assert v.pe_fwd == pytest.approx(14.56434, rel=1e-5)
    assert v.usd_per_financial_ccy == pytest.approx(1 / 7.2)


def test_missing_fx_leaves_statement_metrics_unknown():
    v = valuation(_baba_store(None), "BABA")
    assert v is not None
    assert v.market_cap_usd == pytest.approx(341_542_824_000.0)  # USD price: no FX needed
    assert v.revenue_usd is None and v.ps_ttm is None and v.ev_usd is None and v.ev_sales is None
    # earnings fall back to EPS (price currency, USD) x shares: 143.75 / 6.87 = 20.92
    assert v.pe_ttm == pytest.approx(20.92431, rel=1e-5)


def test_missing_fx_and_no_eps_gives_no_pe():
    store = store_with(
        [quote("0981.HK", 78.0, "HKD")],
        [fundamentals("0981.HK", "HKD", "USD", shares_outstanding=8e9, net_income_ttm=8e8)],
    )
    v = valuation(store, "0981.HK")
    assert v is not None
    assert v.market_cap_usd is None and v.pe_ttm is None and v.ey is None


def test_hk_listing_reporting_in_usd():
    # 78 HKD x 8e9 shares / 7.8 = 80e9 USD; net income 0.8e9 USD -> P/E 100; revenue 8e9 USD -> P/S 10
    store = store_with(
        [quote("0981.HK", 78.0, "HKD")],
        [fundamentals("0981.HK", "HKD", "USD", shares_outstanding=8e9, net_income_ttm=8e8, revenue_ttm=8e9)],
        fx={"HKD": 7.8},
    )
    v = valuation(store, "0981.HK")
    assert v.market_cap_usd == pytest.approx(80e9)
    assert v.pe_ttm == pytest.approx(100.0)
    assert v.ps_ttm == pytest.approx(10.0)
    assert v.ey == pytest.approx(0.01)


def test_loss_maker_pe_is_nm_and_ey_negative():
    store = store_with(
        [quote("NIO", 10.0)],
        [
            fundamentals(
                "NIO",
                shares_outstanding=1e9,
                net_income_ttm=-5e8,
                revenue_ttm=2e9,
                ebitda=-1e8,
                total_debt=1e9,
                total_cash=5e8,
            )
        ],
    )
    v = valuation(store, "NIO")
    assert v.pe_ttm is None
    assert v.ey == pytest.approx(-0.05)
    assert v.ev_ebitda is None  # EBITDA <= 0
    assert v.ev_usd == pytest.approx(10.5e9)
    assert v.ps_ttm == pytest.approx(5.0)


def test_near_zero_earnings_pe_is_nm():
    # EY = 1e6 / 1e10 = 0.0001 < NEAR_ZERO_EY
    store = store_with([quote("X", 10.0)], [fundamentals("X", shares_outstanding=1e9, net_income_ttm=1e6)])
    v = valuation(store, "X")
    assert v.ey == pytest.approx(1e-4) and v.ey < NEAR_ZERO_EY
    assert v.pe_ttm is None
    # just above the threshold P/E is a number: EY 0.2 % -> P/E 500
    store.apply_fundamentals(fundamentals("X", shares_outstanding=1e9, net_income_ttm=2e7))
    assert valuation(store, "X").pe_ttm == pytest.approx(500.0)


def test_no_price_no_valuation():
    store = store_with([], [fundamentals("X", shares_outstanding=1e9, net_income_ttm=1e9)])
    assert valuation(store, "X") is None


def test_unknown_financial_currency_leaves_statements_unknown():
    store = store_with(
        [quote("X", 10.0)],
        [fundamentals("X", financial_currency=None, shares_outstanding=1e9, revenue_ttm=5e9)],
    )
    v = valuation(store, "X")
    assert v.market_cap_usd == pytest.approx(1e10)
    assert v.revenue_usd is None and v.ps_ttm is None


def test_market_cap_fallback_scales_yahoo_cap_by_price_move():
    f = fundamentals("X", "HKD", "HKD", market_cap=7.8e9, extra={"price": 10.0})
    store = store_with([quote("X", 11.0, "HKD")], [f], fx={"HKD": 7.8})
    v = valuation(store, "X")
    assert v.market_cap_usd == pytest.approx(1.1e9)
    assert v.cap_basis == "yahoo-scaled"


def test_adr_ratios_data_and_premium():
    ratios = load_adr_ratios()
    assert ratios["BABA"].local == "9988.HK" and ratios["BABA"].shares_per_ads == 8
    assert ratios["BABA"].since == "2019-07-30"
    assert ratios["BYDDY"].verified is False  # the 2025 corporate actions are not confirmed
    # parity = 140 HKD x 8 / 7.8 = 143.5897 USD; premium = 143.75 / 143.5897 - 1 = 0.1116 %
    store = store_with([quote("BABA", 143.75), quote("9988.HK", 140.0, "HKD")], fx={"HKD": 7.8})
    assert adr_premium(store, ratios["BABA"]) == pytest.approx(0.00111607, rel=1e-4)
    assert (
        adr_premium(store_with([quote("BABA", 143.75)]), AdrRatio("BABA", "9988.HK", 8, "2019-07-30", True))
        is None
    )
