"""One parser for both: the simulator's answers and the recorded real Yahoo answers parse with the same code
into the same fields, with the same types."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from tui.core.clock import parse_instant
from tui.feeds.yahoo_parse import parse_quote_summary, parse_stream_frame, parse_v7_quote
from tui.sim import payloads
from tui.sim.frames import frame_text, pricing_message

RECORDED = Path(__file__).resolve().parents[1].parent / "shared" / "yahoo-recorded"
US_OPEN = parse_instant("2026-11-24T15:00:00Z").timestamp()
US_NIGHT = parse_instant("2026-11-25T01:30:00Z").timestamp()  # 20:30 in New York: the post-market is over


def recorded(name: str):
    path = RECORDED / name
    if not path.is_file():
        pytest.skip(f"recorded Yahoo responses not found at {RECORDED} (needs ../shared/yahoo-recorded)")
    doc = json.loads(path.read_text())
    return doc["body"] if "body" in doc and "status" in doc else doc


def filled(obj) -> dict[str, type]:
    """The fields a parser filled in, with their Python types."""
    return {f.name: type(getattr(obj, f.name)) for f in dataclasses.fields(obj)
            if getattr(obj, f.name) is not None and f.name != "extra"}


def test_v7_quote_parses_alike(market):
    """The real BABA answer was taken at night, after the post-market (marketState CLOSED, with postMarket*
    fields): the simulator's at such an instant fills the same Quote fields, the extended-hours trade included."""
    real_q, real_f = parse_v7_quote(recorded("quote-BABA.json"), received=0.0)
    doc = {"quoteResponse": {"result": [payloads.v7_quote(market, "BABA", US_NIGHT)], "error": None}}
    sim_q, sim_f = parse_v7_quote(json.loads(json.dumps(doc)), received=0.0)
    assert filled(sim_q[0]).items() >= filled(real_q[0]).items()
    assert sim_q[0].ext_session == real_q[0].ext_session == "post"
    doc = {"quoteResponse": {"result": [payloads.v7_quote(market, "BABA", US_OPEN)], "error": None}}
    sim_q, sim_f = parse_v7_quote(json.loads(json.dumps(doc)), received=0.0)
    assert sim_q[0].ext_session is None  # in the session: no extended trade
    assert filled(sim_q[0]).items() >= {k: v for k, v in filled(real_q[0]).items()
                                        if k != "market_state" and not k.startswith("ext_")}.items()
    assert filled(sim_f[0]) == filled(real_f[0])
    assert sim_f[0].currency == real_f[0].currency == "USD"
    assert sim_f[0].financial_currency == real_f[0].financial_currency == "CNY"


def test_quote_summary_parses_alike(market):
    modules = ("price", "summaryDetail", "defaultKeyStatistics", "financialData")
    merged = {}
    for m in modules:
        merged.update(recorded(f"quoteSummary-{m}-BABA.json")["quoteSummary"]["result"][0])
    real = parse_quote_summary({"quoteSummary": {"result": [merged], "error": None}}, "BABA", 0.0)
    sim_doc = {"quoteSummary": {"result": [payloads.summary_modules(market, "BABA", US_OPEN, list(modules))],
                                "error": None}}
    sim = parse_quote_summary(json.loads(json.dumps(sim_doc)), "BABA", 0.0)
    assert filled(sim) == filled(real)
    for name in ("revenue_ttm", "net_income_ttm", "shares_outstanding", "total_debt", "total_cash"):
        assert getattr(sim, name) > 0 and getattr(real, name) > 0, name


def test_stream_frames_parse_alike(market):
    path = RECORDED / "stream-frames.jsonl"
    if not path.is_file():
        pytest.skip(f"recorded Yahoo responses not found at {RECORDED}")
    dkng = parse_stream_frame(path.read_text().splitlines()[1], received=0.0)
    tick = market.tick("NVDA", US_OPEN)
    sim = parse_stream_frame(frame_text(pricing_message(market.listing("NVDA"), tick)), received=0.0)
    # an equity frame: no currency in either, the same fields filled
    assert dkng.currency is None and sim.currency is None
    assert set(filled(dkng)) <= set(filled(sim))
    assert sim.market_state == dkng.market_state
