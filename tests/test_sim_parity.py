"""Format parity: every key a recorded real Yahoo response has, the simulator's has too, with the same JSON type."""

import base64
import json
import re
from pathlib import Path

import pytest

from tui.core.clock import parse_instant
from tui.feeds.pricing import PricingData
from tui.sim import payloads
from tui.sim.frames import pricing_message

RECORDED = Path(__file__).resolve().parents[1].parent / "shared" / "yahoo-recorded"

# Deliberate differences, each with its reason.
EXCEPTIONS = {
    "events": "the simulator models no dividends or splits, so its charts carry no `events`",
}


def load(name: str):
    path = RECORDED / name
    if not path.is_file():
        pytest.skip(f"recorded Yahoo responses not found at {RECORDED} (needs ../shared/yahoo-recorded)")
    if name.endswith(".jsonl"):
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    doc = json.loads(path.read_text())
    return doc["body"] if "body" in doc and "status" in doc else doc


def kind(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "str"
    if isinstance(value, list):
        return "list"
    return "object"


# Fields Yahoo always sends as integers: the simulator must too.
INT_FIELD = re.compile(r"(Time|time|Date|date|Timestamp|Milliseconds|Volume|volume|Size|[sS]hares|marketCap|"
                       r"maxAge|priceHint|DelayedBy|gmtOffSet|gmtoffset|Interval|enterpriseValue|totalCash$|"
                       r"totalDebt|totalRevenue|ebitda$|grossProfits|Cashflow|netIncome|numberOf|firstTrade)")


def compatible(key: str, real, sim) -> bool:
    a, b = kind(real), kind(sim)
    if a == b:
        return True
    if a == "null":  # Yahoo's null placeholders: the simulator may fill them
        return True
    if a == "int" and b == "float":
        # Yahoo prints whole-valued doubles without ".0" (AAPL regularMarketDayLow 241, bid 0): fine for prices
        # and ratios, never for the fields that are integers
        return not INT_FIELD.search(key)
    return False


def assert_parity(real: dict, sim: dict, where: str) -> None:
    missing = [k for k in real if k not in sim and k not in EXCEPTIONS]
    assert not missing, f"{where}: simulator lacks {missing}"
    for key, value in real.items():
        if key not in sim:
            continue
        assert compatible(key, value, sim[key]), f"{where}.{key}: Yahoo {kind(value)} {value!r}, simulator {kind(sim[key])} {sim[key]!r}"
        if isinstance(value, dict) and isinstance(sim[key], dict) and value:
            assert_parity(value, sim[key], f"{where}.{key}")


def t(text: str) -> float:
    return parse_instant(text).timestamp()


def test_v7_quote_us_equity_post_market(market):
    real = load("quote_v7_MSFT.json")["quoteResponse"]["result"][0]
    assert real["marketState"] == "POSTPOST"
    sim = payloads.v7_quote(market, "MSFT", t("2026-11-25T02:00:00Z"))  # 21:00 New York: POSTPOST
    assert sim["marketState"] == "POSTPOST"
    assert_parity(real, sim, "MSFT")
    assert list(sim)[-1] == "symbol"


def test_v7_quote_adr_reporting_in_cny_closed(market):
    real = load("quote-BABA.json")["quoteResponse"]["result"][0]
    sim = payloads.v7_quote(market, "BABA", t("2026-11-21T18:00:00Z"))  # Saturday
    assert sim["marketState"] == "CLOSED" == real["marketState"]
    assert_parity(real, sim, "BABA")
    assert sim["financialCurrency"] == "CNY" and sim["currency"] == "USD"


def test_v7_quote_two_symbols(market):
    real = load("quote-AAPL-BABA.json")["quoteResponse"]["result"]
    for q in real:
        sim = payloads.v7_quote(market, q["symbol"], t("2026-11-21T18:00:00Z"))
        assert_parity(q, sim, q["symbol"])


def test_v7_quote_currency_pair(market):
    real = load("quote-EURUSD=X.json")["quoteResponse"]["result"][0]
    sim = payloads.v7_quote(market, "HKD=X", t("2026-11-24T15:00:00Z"))
    assert_parity(real, sim, "HKD=X")
    assert sim["exchange"] == "CCY" and sim["quoteType"] == "CURRENCY" and sim["marketState"] == "REGULAR"


@pytest.mark.parametrize("module", ["price", "summaryDetail", "defaultKeyStatistics", "financialData"])
def test_quote_summary_modules(market, module):
    real = load(f"quoteSummary-{module}-BABA.json")["quoteSummary"]["result"][0][module]
    # the recording's price module was taken in PRE (it carries pre- and post-market fields)
    sim = payloads.summary_modules(market, "BABA", t("2026-11-24T13:00:00Z"), [module])[module]
    assert_parity(real, sim, module)


def test_chart_daily(market):
    real = load("history_chart_MSFT.json")["chart"]["result"][0]
    bars = market.daily_bars("MSFT", parse_instant("2026-05-24").date(), parse_instant("2026-11-24").date(),
                             t("2026-11-24T21:00:01Z"))
    sim = payloads.chart_result(market, "MSFT", t("2026-11-24T21:00:01Z"), bars, granularity="1d",
                                range_="6mo", daily=True, previous_close=None)
    assert_parity(real, sim, "chart")
    assert set(real["indicators"]) == set(sim["indicators"])
    assert set(real["indicators"]["quote"][0]) == set(sim["indicators"]["quote"][0])
    for key in ("open", "close", "volume"):
        assert kind(real["indicators"]["quote"][0][key][0]) == kind(sim["indicators"]["quote"][0][key][0])


def test_chart_hong_kong(market):
    real = load("chart-0700.HK-5d.json")["chart"]["result"][0]
    day = parse_instant("2026-11-24").date()
    now = t("2026-11-24T09:00:00Z")
    bars = market.daily_bars("0700.HK", day.replace(day=17), day, now)
    sim = payloads.chart_result(market, "0700.HK", now, bars, granularity="1d", range_="5d", daily=True,
                                previous_close=None)
    assert_parity(real, sim, "0700.HK")
    meta = sim["meta"]
    assert (meta["currency"], meta["exchangeName"], meta["timezone"], meta["exchangeTimezoneName"]) == (
        "HKD", "HKG", "HKT", "Asia/Hong_Kong")


def test_chart_currency(market):
    real = load("chart-EURUSD=X-2020-01-01-to-2020-01-03.json")["chart"]["result"][0]
    day = parse_instant("2026-11-24").date()
    now = t("2026-11-24T15:00:00Z")
    bars = market.daily_bars("JPY=X", day.replace(day=18), day, now)
    sim = payloads.chart_result(market, "JPY=X", now, bars, granularity="1d", range_="", daily=True,
                                previous_close=None)
    assert_parity(real, sim, "JPY=X")


def test_stream_frame_fields(market):
    frames = load("stream-frames.jsonl")
    real = PricingData()
    real.ParseFromString(base64.b64decode(frames[1]["message"]))
    assert real.id == "DKNG"
    real_fields = {f.name for f, _ in real.ListFields()}
    tick = market.tick("NVDA", t("2026-11-24T15:00:00Z"))
    frame = {"type": "pricing", "message": pricing_message(market.listing("NVDA"), tick)}
    assert set(frame) == set(frames[1])
    sim = PricingData()
    sim.ParseFromString(base64.b64decode(frame["message"]))
    sim_fields = {f.name for f, _ in sim.ListFields()}
    assert real_fields <= sim_fields
    assert "currency" not in sim_fields  # no currency on equities, like DKNG's frame
    pre = market.tick("NVDA", t("2026-11-24T12:00:00Z"))
    pre_msg = PricingData()
    pre_msg.ParseFromString(base64.b64decode(pricing_message(market.listing("NVDA"), pre)))
    assert "market_hours" not in {f.name for f, _ in pre_msg.ListFields()}  # 0 (pre-market) is dropped
