"""The fundamentals time series parser over every recorded real answer in ../shared/yahoo-recorded/ (and broken
input): read by type, currency from each monetary point, meta-only types "not reported", never zero."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from capex_support import RECORDED, recorded_body, recorded_files
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tui.core.capex import company_capex, ttm
from tui.core.statements import LINE_TYPES, Statements
from tui.core.store import MarketStore
from tui.feeds.yahoo_parse import YahooError
from tui.feeds.yahoo_timeseries import parse_timeseries, timeseries_params, timeseries_types

FILES = recorded_files("timeseries-*.json")
_recorded = recorded_body


def _raw_series(body: dict) -> dict[str, list]:
    """type -> its points, straight from the JSON (the parser's answer is checked against this)."""
    out = {}
    for item in body["timeseries"]["result"]:
        kind = item["meta"]["type"][0]
        out[kind] = item.get(kind)
    return out


def _params():
    if not FILES:
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"no timeseries-*.json in {RECORDED}"))]
    return [pytest.param(f.name, id=f.name) for f in FILES]


@pytest.mark.parametrize("name", _params())
def test_capex_parser_reads_every_recorded_series_by_type(name: str) -> None:
    body = _recorded(name)
    symbol = name.split("-")[1]
    st = parse_timeseries(body, symbol, 100.0)
    assert st.symbol == symbol and st.fetched_at == 100.0
    raw = _raw_series(body)
    by_type = {f"{period}{LINE_TYPES[line]}": pts for (period, line), pts in st.series.items()}
    for kind, points in raw.items():
        if kind in by_type:
            # every point of the JSON is there, same date, value and currency, whatever the order of the items
            want = [(p["asOfDate"], p["reportedValue"]["raw"], p["currencyCode"]) for p in points]
            got = [(p.as_of.isoformat(), p.value, p.currency) for p in by_type[kind]]
            assert got == sorted(want)
        elif points is None:
            prefix = next(p for p in ("quarterly", "annual", "trailing") if kind.startswith(p))
            line = next((ln for ln, t in LINE_TYPES.items() if kind == prefix + t), None)
            if line is not None:  # a type this program reads that came back meta only: "not reported"
                assert (prefix, line) in st.not_reported and (prefix, line) not in st.series
    # the parser keeps only the lines the capex analytics reads, never a zero for a missing one
    for pts in st.series.values():
        assert pts and all(math.isfinite(p.value) for p in pts)


def test_capex_aapl_capex_is_negative_and_fcf_is_ocf_plus_capex() -> None:
    st = parse_timeseries(_recorded("timeseries-AAPL-cash-flow-quarterly.json"), "AAPL", 0.0)
    capex, ocf, fcf = (st.points("quarterly", line) for line in ("capex", "ocf", "fcf"))
    assert [p.as_of for p in capex] == [dt.date(2024, 3, 31), dt.date(2024, 6, 30), dt.date(2024, 9, 30),
                                        dt.date(2024, 12, 31)]
    assert capex[0].value == -1_996_000_000 and all(p.value < 0 for p in capex)
    for c, o, f in zip(capex, ocf, fcf, strict=True):
        assert c.as_of == o.as_of == f.as_of
        assert o.value + c.value == f.value  # 22,690M + (-1,996M) = 20,694M: Yahoo's own definition
    assert st.currency == "USD"
    assert ("quarterly", "capex") not in st.not_reported
    # the capex analytics computes FCF from the parts and gets Yahoo's figure, capex as a positive amount spent
    store = MarketStore()
    store.apply_statements(st)
    store.apply_statements(parse_timeseries(_recorded("timeseries-AAPL-income-quarterly.json"), "AAPL", 0.0))
    c = company_capex(store, "AAPL")
    assert c.latest_quarter == dt.date(2024, 12, 31)
    assert c.capex == 1_996e6 + 2_151e6 + 2_908e6 + 2_940e6
    assert c.fcf == sum(p.value for p in fcf) == 98_299e6
    assert [q.fcf for q in c.quarters] == [p.value for p in fcf]
    assert [q.capex for q in c.quarters] == [-p.value for p in capex]


def test_capex_aapl_interest_expense_meta_only_is_not_reported_and_coverage_na() -> None:
    st = parse_timeseries(_recorded("timeseries-AAPL-income-quarterly.json"), "AAPL", 0.0)
    assert ("quarterly", "interest_expense") in st.not_reported
    assert st.points("quarterly", "interest_expense") == ()
    store = MarketStore()
    store.apply_statements(st)
    store.apply_statements(parse_timeseries(_recorded("timeseries-AAPL-cash-flow-quarterly.json"), "AAPL", 0.0))
    c = company_capex(store, "AAPL")
    assert c.interest_coverage is None and c.interest_reported is False
    assert c.ebit == 27_900e6 + 25_352e6 + 29_591e6 + 42_832e6  # EBIT is there: only the interest is missing


def test_capex_aapl_net_debt_from_yahoo_netdebt_when_cash_is_absent() -> None:
    """The trimmed balance-sheet file has total debt and NetDebt but not cash and equivalents: net debt is
    Yahoo's NetDebt, and says so (96,799M - 30,299M = 66,500M per the recording's note)."""
    store = MarketStore()
    for name in ("balance-sheet-quarterly", "income-quarterly", "cash-flow-quarterly"):
        store.apply_statements(parse_timeseries(_recorded(f"timeseries-AAPL-{name}.json"), "AAPL", 0.0))
    c = company_capex(store, "AAPL")
    assert c.net_debt == 66_500e6 and c.net_debt_basis == "Yahoo NetDebt"
    assert c.balance_as_of == dt.date(2024, 12, 31) and c.total_debt == 96_799e6 and c.cash is None
    ebitda = 30_736e6 + 28_202e6 + 32_502e6 + 45_912e6
    assert c.net_debt_to_ebitda == pytest.approx(66_500e6 / ebitda)


def test_capex_aapl_annual_points_are_twelve_months() -> None:
    st = parse_timeseries(_recorded("timeseries-AAPL-cash-flow-annual.json"), "AAPL", 0.0)
    capex = st.points("annual", "capex")
    assert [(p.as_of, p.value) for p in capex][-1] == (dt.date(2024, 9, 30), -9_447_000_000)
    # a fiscal year ending at a quarter end is that quarter's TTM
    t = ttm(st, "capex", dt.date(2024, 9, 30))
    assert t is not None and t.value == -9_447_000_000 and t.basis == "annual"
    income = parse_timeseries(_recorded("timeseries-AAPL-income-annual.json"), "AAPL", 0.0)
    # interest expense stops at FY2023 (Apple): FY2024 has no point, not a zero
    assert [p.as_of.year for p in income.points("annual", "interest_expense")] == [2022, 2023]


def test_capex_baba_lines_are_cny_and_per_share_series_are_left_out() -> None:
    body = _recorded("timeseries-BABA-income-quarterly.json")
    st = parse_timeseries(body, "BABA", 0.0)
    assert st.currency == "CNY"
    for pts in st.series.values():
        assert {p.currency for p in pts} == {"CNY"}
    assert [p.value for p in st.points("quarterly", "revenue")] == [234_156e6, 224_790e6, 260_348e6]
    assert [p.value for p in st.points("quarterly", "interest_expense")][-1] == 5_632e6
    # the diluted EPS and share count (labelled USD though they are RMB per ADS) are not statement lines here
    assert "quarterlyDilutedEPS" in _raw_series(body)
    assert all(line in LINE_TYPES for _, line in st.series)


def test_capex_abbv_gaps_give_no_ttm_from_three_quarters() -> None:
    st = parse_timeseries(_recorded("timeseries-ABBV-income-quarterly-sparse.json"), "ABBV", 0.0)
    rev = st.points("quarterly", "revenue")
    assert [p.as_of for p in rev] == [dt.date(2023, 6, 30), dt.date(2023, 9, 30), dt.date(2023, 12, 31)]
    assert ttm(st, "revenue", dt.date(2023, 12, 31)) is None  # three quarters are not a TTM
    store = MarketStore()
    store.apply_statements(st)
    c = company_capex(store, "ABBV")
    assert c.revenue is None and c.revenue_usd is None and c.capex_to_revenue is None
    # revenue alone at the newest quarter: a partial quarter, shown, not summed
    assert c.partial_quarter == dt.date(2023, 12, 31) and c.partial_lines == ("revenue",)
    assert [q.revenue for q in c.quarters] == [13_865e6, 13_927e6, 14_301e6]
    assert all(q.capex is None and q.fcf is None for q in c.quarters)


# -- what the client asks for --------------------------------------------------------------------------------


def test_capex_request_asks_every_line_in_each_period_and_trailing_only_for_flows() -> None:
    types = timeseries_types()
    assert "quarterlyCapitalExpenditure" in types and "annualTotalDebt" in types
    assert "trailingFreeCashFlow" in types and "trailingTotalDebt" not in types  # Yahoo has no trailing balances
    assert len(types) == len(set(types)) == 27  # one request: yfinance splits at 60
    params = timeseries_params(1_795_532_400.0)
    assert params["type"].split(",") == types
    assert int(params["period1"]) < 1_795_532_400 - 5 * 365 * 86400 < int(params["period2"])


# -- broken input --------------------------------------------------------------------------------------------


def test_capex_parser_raises_yahoo_error_on_envelopes_and_non_documents() -> None:
    with pytest.raises(YahooError):
        parse_timeseries({"timeseries": {"result": None, "error": {"code": "Bad Request", "description": "x"}}},
                         "AAPL", 0.0)
    with pytest.raises(YahooError):
        parse_timeseries({"finance": {"error": {"code": "Unauthorized", "description": "Invalid Crumb"}}}, "A", 0.0)
    with pytest.raises(YahooError):
        parse_timeseries([], "AAPL", 0.0)
    with pytest.raises(YahooError):
        parse_timeseries({"timeseries": {"result": {"a": 1}, "error": None}}, "AAPL", 0.0)


def test_capex_parser_skips_nulls_half_years_bad_values_and_other_symbols() -> None:
    def item(kind, points, symbol="X"):
        return {"meta": {"symbol": [symbol], "type": [kind]}, "timestamp": [0] * len(points), kind: points}

    def point(day, value, period="3M", ccy="USD"):
        return {"asOfDate": day, "periodType": period, "currencyCode": ccy, "reportedValue": {"raw": value}}

    doc = {"timeseries": {"error": None, "result": [
        item("quarterlyCapitalExpenditure", [None, point("2024-03-31", -5), point("2024-06-30", -6, "6M"),
                                             point("2024-09-30", "lots"), point("bad", -1),
                                             point("2024-12-31", float("nan")), point("2025-03-31", True)]),
        item("quarterlyTotalRevenue", [point("2024-03-31", 50, ccy="\x1b]0;pwned\x07usd"),
                                       point("2024-06-30", 51, ccy="\x1b[2Jyuan")]),
        item("quarterlyOperatingCashFlow", [point("2024-03-31", 9)], symbol="OTHER"),
        item("quarterlyDilutedEPS", [point("2024-03-31", 1.5)]),
        {"meta": {"symbol": ["X"], "type": ["quarterlyEBITDA"]}},
        {"no": "meta"}, None, 7,
    ]}}
    st = parse_timeseries(doc, "X", 0.0)
    assert [(p.as_of, p.value) for p in st.points("quarterly", "capex")] == [(dt.date(2024, 3, 31), -5.0)]
    rev = st.points("quarterly", "revenue")
    # the escape sequence is cleaned away (what is left is a code); a word is not a currency code
    assert [(p.value, p.currency) for p in rev] == [(50.0, "USD"), (51.0, None)]
    assert st.points("quarterly", "ocf") == ()  # another symbol's item
    assert st.not_reported == frozenset({("quarterly", "ebitda")})
    assert set(st.series) == {("quarterly", "capex"), ("quarterly", "revenue")}


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=12),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=25,
)
_point = st.fixed_dictionaries({
    "asOfDate": st.sampled_from(["2024-03-31", "2024-06-30", "x", None]) | st.text(max_size=10),
    "periodType": st.sampled_from(["3M", "12M", "TTM", "6M"]) | _json,
    "currencyCode": st.sampled_from(["USD", "CNY", "", None]) | st.text(max_size=5),
    "reportedValue": st.fixed_dictionaries({"raw": st.integers() | st.floats() | _json}) | _json,
})
_item = st.fixed_dictionaries({
    "meta": st.fixed_dictionaries({"symbol": st.just(["X"]) | _json,
                                   "type": st.sampled_from([[f"{p}{t}"] for p in ("quarterly", "annual", "trailing")
                                                            for t in LINE_TYPES.values()]) | _json}),
}) | _json


@settings(max_examples=200, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(_item, st.lists(_point | _json, max_size=4)), max_size=6))
def test_capex_parser_never_fails_otherwise_than_with_its_own_error(items) -> None:
    result = []
    for item, points in items:
        if isinstance(item, dict) and isinstance(item.get("meta"), dict):
            kinds = item["meta"].get("type")
            if isinstance(kinds, list) and kinds and isinstance(kinds[0], str):
                item = {**item, kinds[0]: points}
        result.append(item)
    try:
        parsed = parse_timeseries({"timeseries": {"result": result, "error": None}}, "X", 0.0)
    except YahooError:
        return
    assert isinstance(parsed, Statements)
    for pts in parsed.series.values():
        for p in pts:
            assert math.isfinite(p.value) and (p.currency is None or (len(p.currency) == 3 and p.currency.isupper()))
