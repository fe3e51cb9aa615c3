"""The simulator's fundamentals time series speaks Yahoo's format (checked against the recorded answers) and serves
its dated statement file faithfully: quarters once reported, within the asked window, capex negative, FCF = OCF +
capex, meta only for what it has no figures for, CNY converted for a listing that reports in another currency."""

from __future__ import annotations

import datetime as dt
import json
import tomllib

import pytest
from capex_support import recorded_body, recorded_files

from tui.core.clock import parse_instant
from tui.feeds.yahoo_timeseries import parse_timeseries, timeseries_types
from tui.paths import data_dir
from tui.sim.market import SimMarket
from tui.sim.statements import load_statements, timeseries_result

T = parse_instant("2026-11-24T15:00:00Z").timestamp()


def _kind(v) -> str:
    return type(v).__name__ if v is not None else "null"


@pytest.fixture(scope="module")
def market() -> SimMarket:
    return SimMarket(seed=7)


def test_capex_sim_timeseries_has_every_key_of_the_recorded_answers(market: SimMarket) -> None:
    files = recorded_files("timeseries-*.json")
    if not files:
        pytest.skip("recorded Yahoo responses not found")
    sim = timeseries_result(market, "MSFT", timeseries_types(), T, 0, T)
    sim_items = {item["meta"]["type"][0]: item for item in sim}
    for path in files:
        for item in recorded_body(path.name)["timeseries"]["result"]:
            kind = item["meta"]["type"][0]
            mine = sim_items.get(kind)
            if mine is None:
                continue  # a type the client never asks for
            assert set(item["meta"]) == set(mine["meta"])
            if kind not in item:
                continue
            assert set(item) == set(mine), kind  # meta, timestamp, the type's points
            real, got = item[kind][0], mine[kind][0]
            assert set(real) == set(got), kind
            for key in real:
                assert _kind(real[key]) == _kind(got[key]), (kind, key)
            assert set(real["reportedValue"]) == set(got["reportedValue"]) and isinstance(got["reportedValue"]["raw"],
                                                                                         int)
            assert len(mine["timestamp"]) == len(mine[kind])
            assert [dt.datetime.fromtimestamp(t, dt.UTC).date().isoformat() for t in mine["timestamp"]] == [
                p["asOfDate"] for p in mine[kind]]


def test_capex_sim_serves_the_statement_file(market: SimMarket) -> None:
    doc = tomllib.loads((data_dir() / "statements.toml").read_text(encoding="utf-8"))
    types = timeseries_types()
    result = timeseries_result(market, "MSFT", types, T, 0, T)
    assert [i["meta"]["type"][0] for i in result] == sorted(types) != types  # in another order than asked
    st = parse_timeseries({"timeseries": {"result": result, "error": None}}, "MSFT", T)
    ms = doc["company"]["microsoft"]
    assert [p.value for p in st.points("quarterly", "capex")] == [round(-v * 1e9) for v in ms["capex"]]
    for c, o, f in zip(*(st.points("quarterly", x) for x in ("capex", "ocf", "fcf")), strict=True):
        assert f.value == pytest.approx(o.value + c.value, abs=1)
    trailing = st.points("trailing", "revenue")
    assert len(trailing) == 1 and trailing[0].as_of == dt.date(2025, 9, 30)
    assert trailing[0].value == pytest.approx(sum(ms["revenue"][-4:]) * 1e9, abs=1)
    # Microsoft's fiscal year ends in June: one full year in the file, dated 2025-06-30
    assert [p.as_of for p in st.points("annual", "capex")] == [dt.date(2025, 6, 30)]
    assert ("trailing", "total_debt") not in st.series  # Yahoo has no trailing balances


def test_capex_sim_window_report_lag_and_meta_only(market: SimMarket) -> None:
    types = timeseries_types()
    # 2025-11-20: Alibaba's September quarter (reported 56 days after) is not out yet
    t = parse_instant("2025-11-20T15:00:00Z").timestamp()
    st = parse_timeseries({"timeseries": {"result": timeseries_result(market, "BABA", types, t, 0, t),
                                          "error": None}}, "BABA", t)
    assert st.points("quarterly", "revenue")[-1].as_of == dt.date(2025, 6, 30)
    # period1 cuts the older quarters
    p1 = dt.datetime(2025, 1, 1, tzinfo=dt.UTC).timestamp()
    st = parse_timeseries({"timeseries": {"result": timeseries_result(market, "MSFT", types, T, p1, T),
                                          "error": None}}, "MSFT", T)
    assert [p.as_of.month for p in st.points("quarterly", "capex")] == [3, 6, 9]
    # Apple: no interest expense in the file: meta only, as Yahoo answers
    result = timeseries_result(market, "AAPL", types, T, 0, T)
    item = next(i for i in result if i["meta"]["type"][0] == "quarterlyInterestExpense")
    assert set(item) == {"meta"}
    # a listing without figures, an index and an unknown symbol: every type meta only
    for symbol in ("NIO", "^GSPC", "NOPE"):
        assert all(set(i) == {"meta"} for i in timeseries_result(market, symbol, types, T, 0, T))
    # a capped answer keeps the newest quarters, as Yahoo's five
    capped = timeseries_result(market, "MSFT", types, T, 0, T, max_quarters=5)
    q = next(i for i in capped if i["meta"]["type"][0] == "quarterlyCapitalExpenditure")
    assert [p["asOfDate"] for p in q["quarterlyCapitalExpenditure"]][0] == "2024-09-30"


def test_capex_sim_listings_of_one_company_serve_its_statements_in_their_reporting_currency(
        market: SimMarket) -> None:
    types = ["quarterlyTotalRevenue"]
    adr = timeseries_result(market, "BABA", types, T, 0, T)[0]["quarterlyTotalRevenue"]
    h = timeseries_result(market, "9988.HK", types, T, 0, T)[0]["quarterlyTotalRevenue"]
    assert adr == h and {p["currencyCode"] for p in adr} == {"CNY"}
    smic_a = timeseries_result(market, "688981.SS", types, T, 0, T)[0]["quarterlyTotalRevenue"]
    assert {p["currencyCode"] for p in smic_a} == {market.listing("688981.SS").financial_currency}
    json.dumps(adr)  # plain JSON


def test_capex_sim_statement_file_is_dated_and_whole() -> None:
    doc = tomllib.loads((data_dir() / "statements.toml").read_text(encoding="utf-8"))
    assert isinstance(doc["as_of"], dt.date)
    data = load_statements()
    for name, company in data.companies.items():
        assert len(company.quarters) >= 7, name
        assert list(company.quarters) == sorted(company.quarters), name
        assert all(q <= doc["as_of"] for q in company.quarters), name
        assert all(values[i] is None or values[i] <= 0 for values in (company.lines["capex"],)
                   for i in range(len(company.quarters))), name  # served negative
