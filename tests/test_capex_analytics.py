"""Capex, cash flow and debt, computed by hand on eight quarters: TTM from four consecutive quarters (never three),
Yahoo's trailing point first, growth only with a year-earlier TTM, ratios, USD at the live FX rate for a company
reporting in CNY, and the sides' totals with each company once."""

from __future__ import annotations

import datetime as dt

import pytest
from capex_support import quarter_ends, statements

from tui.core.capex import capex_view, company_capex, complete_quarter, quarter_rows, ttm
from tui.core.statements import Point, Statements, merge_statements
from tui.core.store import MarketStore
from tui.model import Instrument, Quote, QuoteSource, Side, Watchlist

Q = quarter_ends(dt.date(2023, 12, 31), 9)  # 2023-12-31 … 2025-12-31; Q[0..7] are the eight quarters
B = 1e9

US_LINES = {  # billions, as reported: capex negative
    "capex": [-10, -11, -12, -13, -14, -15, -16, -17],
    "revenue": [100, 100, 100, 100, 110, 120, 130, 140],
    "ocf": [30, 30, 30, 30, 35, 40, 45, 50],
    "ebitda": [40] * 8,
    "ebit": [30] * 8,
    "interest_expense": [2] * 8,
    "total_debt": [90, 90, 90, 90, 95, 95, 100, 100],
    "cash": [30, 30, 30, 30, 25, 25, 20, 20],
}
CN_LINES = {  # billions of CNY
    "capex": [-70, -70, -70, -70, -120, -120, -120, -120],
    "revenue": [700, 700, 700, 700, 800, 800, 800, 800],
    "ocf": [200] * 8,
    "ebitda": [150] * 8,
    "ebit": [100] * 8,
    "interest_expense": [5] * 8,
    "total_debt": [300] * 8,
    "cash": [400] * 8,
}


def _scaled(lines: dict[str, list], drop: set[int] = frozenset()) -> dict[str, list]:
    return {k: [None if i in drop else v * B for i, v in enumerate(vals)] for k, vals in lines.items()}


def _fx(store: MarketStore, symbol: str, price: float, t: float = 1.0) -> None:
    store.apply_quote(Quote(symbol=symbol, price=price, time=t, source=QuoteSource.REST, received=t))


def test_capex_ttm_growth_and_ratios_on_eight_quarters_by_hand() -> None:
    store = MarketStore()
    store.apply_statements(statements("US1", "USD", Q[:8], _scaled(US_LINES)))
    c = company_capex(store, "US1")
    assert c.latest_quarter == Q[7] == dt.date(2025, 9, 30) and c.partial_quarter is None
    assert c.ttm_basis["capex"] == "4 quarters"
    # TTM = Q5..Q8: capex 14+15+16+17 = 62 spent; revenue 500; OCF 170; FCF = OCF + reported capex = 108
    assert c.capex == pytest.approx(62 * B) and c.revenue == pytest.approx(500 * B) and c.ocf == pytest.approx(170 * B)
    assert c.fcf == pytest.approx(108 * B)
    assert c.capex_usd == pytest.approx(62 * B) and c.fcf_usd == pytest.approx(108 * B)
    assert c.capex_to_revenue == pytest.approx(62 / 500) and c.fcf_margin == pytest.approx(108 / 500)
    # a year earlier, Q1..Q4: capex 46, revenue 400
    assert c.capex_growth == pytest.approx(62 / 46 - 1) and c.revenue_growth == pytest.approx(500 / 400 - 1)
    # net debt at the latest balance sheet: 100 - 20 = 80; EBITDA TTM 160; coverage: EBIT 120 / interest 8
    assert c.net_debt == pytest.approx(80 * B) and c.net_debt_basis == "total debt − cash"
    assert c.balance_as_of == Q[7]
    assert c.net_debt_to_ebitda == pytest.approx(0.5) and c.interest_coverage == pytest.approx(15.0)
    assert c.interest_reported is True
    assert [q.capex for q in c.quarters] == pytest.approx([v * B for v in (10, 11, 12, 13, 14, 15, 16, 17)])
    assert [q.fcf for q in c.quarters] == pytest.approx([v * B for v in (20, 19, 18, 17, 21, 25, 29, 33)])


def test_capex_a_missing_quarter_outside_the_window_leaves_ttm_but_takes_growth() -> None:
    """Q3 missing (every line): the TTM to Q8 (Q5..Q8) is whole, the TTM a year earlier (Q1..Q4) is not: growth
    is n/a, never a year-earlier TTM made of three quarters."""
    store = MarketStore()
    store.apply_statements(statements("US1", "USD", Q[:8], _scaled(US_LINES, drop={2})))
    c = company_capex(store, "US1")
    assert c.capex == pytest.approx(62 * B) and c.revenue == pytest.approx(500 * B)
    assert c.capex_growth is None and c.revenue_growth is None
    # the trend shows the gap as a quarter of nothing, at its own quarter end
    assert [q.as_of for q in c.quarters] == Q[:8]
    gap = c.quarters[2]
    assert gap.as_of == dt.date(2024, 6, 30) and (gap.capex, gap.ocf, gap.fcf, gap.revenue) == (None,) * 4


def test_capex_a_missing_quarter_inside_the_window_is_na_unless_yahoo_gives_the_trailing_point() -> None:
    lines = _scaled(US_LINES, drop={6})  # Q7 missing
    store = MarketStore()
    store.apply_statements(statements("US1", "USD", Q[:8], lines))
    c = company_capex(store, "US1")
    assert c.latest_quarter == Q[7]
    # Q5, Q6 and Q8 are three quarters, not a TTM: n/a everywhere it is needed
    assert (c.capex, c.revenue, c.ocf, c.fcf, c.capex_to_revenue, c.fcf_margin) == (None,) * 6
    assert c.capex_usd is None and c.net_debt_to_ebitda is None and c.interest_coverage is None
    assert ttm(store.statements["US1"], "capex", Q[7]) is None
    # Yahoo's trailing point to Q8 fills it, and growth on Q1..Q4 follows
    trailing = {"capex": (Q[7], -62 * B), "revenue": (Q[7], 500 * B), "ocf": (Q[7], 170 * B)}
    store.apply_statements(statements("US1", "USD", Q[:8], lines, trailing=trailing))
    c = company_capex(store, "US1")
    assert c.ttm_basis["capex"] == "trailing" and c.ttm_basis["ebitda"] is None
    assert c.capex == pytest.approx(62 * B) and c.fcf == pytest.approx(108 * B)
    assert c.capex_growth == pytest.approx(62 / 46 - 1)
    assert c.net_debt_to_ebitda is None  # EBITDA has no trailing point and a gap: not made up


def test_capex_trailing_point_wins_over_the_sum_and_annual_fills_a_fiscal_year_end() -> None:
    st = statements("US1", "USD", Q[:8], _scaled(US_LINES), trailing={"capex": (Q[7], -63 * B)})
    assert ttm(st, "capex", Q[7]).value == -63 * B  # Yahoo's own TTM, as given
    assert ttm(st, "revenue", Q[7]).basis == "4 quarters"
    annual = Statements("Y", {("annual", "capex"): (Point(dt.date(2024, 9, 30), -9.4 * B, "USD"),)})
    got = ttm(annual, "capex", dt.date(2024, 9, 30))
    assert got is not None and got.basis == "annual" and got.value == -9.4 * B
    assert ttm(annual, "capex", dt.date(2024, 12, 31)) is None


def test_capex_cny_company_in_usd_at_the_live_rate() -> None:
    store = MarketStore()
    store.apply_statements(statements("CN1", "CNY", Q[:8], _scaled(CN_LINES)))
    c = company_capex(store, "CN1")
    assert c.statement_currency == "CNY"
    # ratios need no FX; USD figures wait for the rate
    assert c.capex_to_revenue == pytest.approx(480 / 3200) and c.capex_usd is None and c.fcf_usd is None
    assert c.capex_growth == pytest.approx(480 / 280 - 1) and c.revenue_growth == pytest.approx(3200 / 2800 - 1)
    _fx(store, "CNY=X", 7.0)
    c = company_capex(store, "CN1")
    assert c.usd_per == pytest.approx(1 / 7)
    assert c.capex_usd == pytest.approx(480 * B / 7) and c.revenue_usd == pytest.approx(3200 * B / 7)
    assert c.fcf_usd == pytest.approx((800 - 480) * B / 7)
    # net cash: debt 300 - cash 400 = -100, a negative net debt / EBITDA (-100 / 600), not a missing one
    assert c.net_debt_usd == pytest.approx(-100 * B / 7) and c.net_debt_to_ebitda == pytest.approx(-100 / 600)
    # a new rate changes the USD figures at once (the memo follows the FX quote)
    _fx(store, "CNY=X", 8.0, t=2.0)
    assert company_capex(store, "CN1").capex_usd == pytest.approx(480 * B / 8)


def test_capex_sides_count_each_company_once_and_say_who_is_left_out() -> None:
    store = MarketStore()
    store.apply_statements(statements("US1", "USD", Q[:8], _scaled(US_LINES)))
    for listing in ("CN1", "CN1.HK"):  # two listings of one company: counted once
        store.apply_statements(statements(listing, "CNY", Q[:8], _scaled(CN_LINES)))
    _fx(store, "CNY=X", 8.0)
    wl = Watchlist("t", "Test", (
        Instrument("US1", "US One", Side.US, "us1"),
        Instrument("US2", "US Two", Side.US, "us2"),  # no statements
        Instrument("CN1", "CN One (ADR)", Side.CN, "cn1"),
        Instrument("CN1.HK", "CN One (H)", Side.CN, "cn1"),
        Instrument("^GSPC", "S&P 500", Side.US, "sp500", kind="index"),
    ))
    view = capex_view(store, wl)
    assert [c.company for c in view.companies] == ["us1", "us2", "cn1"]
    us, cn = view.sides[Side.US], view.sides[Side.CN]
    assert (us.companies, us.with_data, us.left_out) == (2, 1, ("US Two",))
    assert us.capex_usd == pytest.approx(62 * B) and us.capex_to_revenue == pytest.approx(62 / 500)
    assert us.fcf_usd == pytest.approx(108 * B)
    assert (cn.companies, cn.with_data) == (1, 1)
    assert cn.capex_usd == pytest.approx(480 * B / 8) and cn.revenue_usd == pytest.approx(3200 * B / 8)
    assert cn.ocf_usd == pytest.approx(800 * B / 8) and cn.fcf_usd == pytest.approx(320 * B / 8)
    assert cn.capex_to_revenue == pytest.approx(480 / 3200)
    assert us.newest_quarter == cn.newest_quarter == Q[7]


def test_capex_side_totals_wait_for_the_fx_rate_rather_than_mix_currencies() -> None:
    store = MarketStore()
    store.apply_statements(statements("CN1", "CNY", Q[:8], _scaled(CN_LINES)))
    wl = Watchlist("t", "Test", (Instrument("CN1", "CN One", Side.CN, "cn1"),))
    cn = capex_view(store, wl).sides[Side.CN]
    assert cn.with_data == 0 and cn.capex_usd is None and cn.capex_to_revenue is None


def test_capex_partial_quarter_is_shown_not_summed() -> None:
    lines = _scaled(US_LINES)
    dates = Q[:9]
    lines = {k: [*v, (150 * B if k == "revenue" else None)] for k, v in lines.items()}  # Q9: revenue only
    store = MarketStore()
    store.apply_statements(statements("US1", "USD", dates, lines))
    c = company_capex(store, "US1")
    assert c.latest_quarter == Q[7] and c.revenue == pytest.approx(500 * B)  # the TTM stays on complete quarters
    assert c.partial_quarter == Q[8] and c.partial_lines == ("revenue",)
    assert c.quarters[-1].as_of == Q[8] and c.quarters[-1].revenue == 150 * B and c.quarters[-1].capex is None
    assert len(c.quarters) == 8  # the last eight quarter slots: Q2..Q9


def test_capex_merge_keeps_every_quarter_yahoo_stops_returning() -> None:
    """Yahoo returns about five quarters: an older fetch's quarters stay, a newer fetch wins for the same one."""
    lines = _scaled(US_LINES)
    first = statements("US1", "USD", Q[:5], {k: v[:5] for k, v in lines.items()}, fetched_at=1.0)
    second = statements("US1", "USD", Q[3:8], {k: v[3:8] for k, v in lines.items()}, fetched_at=2.0)
    restated = {**second.series, ("quarterly", "capex"): (*second.points("quarterly", "capex")[:-1],
                                                           Point(Q[7], -18 * B, "USD"))}
    second = Statements("US1", restated, frozenset({("quarterly", "fcf")}), 2.0)
    merged = merge_statements(first, second)
    assert [p.as_of for p in merged.points("quarterly", "revenue")] == Q[:8]
    assert merged.points("quarterly", "capex")[-1].value == -18 * B
    assert merged.fetched_at == 2.0 and merged.not_reported == {("quarterly", "fcf")}
    store = MarketStore()
    store.apply_statements(first)
    assert company_capex(store, "US1").capex_growth is None  # five quarters: no year-earlier TTM
    store.apply_statements(second)
    c = company_capex(store, "US1")
    assert c.capex == pytest.approx(63 * B) and c.capex_growth == pytest.approx(63 / 46 - 1)


def test_capex_no_statements_is_all_unknown_never_zero() -> None:
    store = MarketStore()
    c = company_capex(store, "NONE")
    assert not c.has_statements and c.quarters == () and c.latest_quarter is None
    assert all(getattr(c, f) is None for f in ("capex", "revenue", "fcf", "capex_usd", "net_debt",
                                                 "net_debt_to_ebitda", "interest_coverage", "capex_growth"))
    store.apply_statements(Statements("EMPTY", {}, frozenset({("quarterly", "capex")}), 5.0))
    assert not company_capex(store, "EMPTY").has_statements


def test_capex_not_meaningful_ratios_are_none() -> None:
    lines = _scaled(US_LINES)
    lines["ebitda"] = [-1 * B] * 8  # losses: net debt / EBITDA is not meaningful
    lines["interest_expense"] = [0.0] * 8  # zero interest: no coverage ratio
    lines["revenue"] = [0.0] * 4 + [1 * B] * 4  # no revenue a year earlier: no revenue growth
    store = MarketStore()
    store.apply_statements(statements("US1", "USD", Q[:8], lines))
    c = company_capex(store, "US1")
    assert c.net_debt_to_ebitda is None and c.interest_coverage is None and c.revenue_growth is None
    assert c.interest_reported is True  # reported as zero: not "n/a", just no ratio


def test_capex_complete_quarter_falls_back_to_fiscal_years_for_companies_without_quarters() -> None:
    d = dt.date(2024, 12, 31)
    st = Statements("H", {("annual", line): (Point(d, v, "CNY"),)
                          for line, v in (("capex", -5.0), ("revenue", 50.0), ("ocf", 9.0))})
    assert complete_quarter(st) == d
    store = MarketStore()
    store.apply_statements(st)
    c = company_capex(store, "H")
    assert c.capex == 5.0 and c.ttm_basis["capex"] == "annual" and c.capex_to_revenue == pytest.approx(0.1)
    assert quarter_rows(st) == ()
