"""Fuzzing what comes over the wire and what users write: the streamer frame decoder, the REST parsers
(v7 quote, v10 quoteSummary, v8 chart) and the config loader. Each input either parses into values that are
what they claim (finite, positive prices; real times) or gives the parser's own clear error — never another
exception. Derandomized, so a run repeats; sized to keep the whole file to a few seconds.
"""

from __future__ import annotations

import atexit
import base64
import json
import math
import shutil
import string
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from tui.feeds.pricing import PricingData
from tui.feeds.yahoo_parse import (
    FrameError,
    YahooError,
    parse_chart,
    parse_quote_summary,
    parse_stream_frame,
    parse_v7_quote,
)
from tui.model import Quote

NOW = 1795532400.0  # 2026-11-24T15:00:00Z

FAST = settings(max_examples=300, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
FEWER = settings(FAST, max_examples=150)


def _sane_quote(q: Quote) -> None:
    assert isinstance(q.symbol, str) and q.symbol.strip() == q.symbol and q.symbol
    assert isinstance(q.price, float) and math.isfinite(q.price) and q.price > 0, q
    assert math.isfinite(q.time) and q.time > 0, q
    for name in ("change", "change_pct", "previous_close", "open", "day_high", "day_low", "ext_price", "ext_change",
                 "ext_change_pct", "ext_time"):
        v = getattr(q, name)
        assert v is None or (isinstance(v, float) and math.isfinite(v)), (name, v)
    assert q.volume is None or (isinstance(q.volume, int) and q.volume >= 0)


# -- JSON-ish values ----------------------------------------------------------------------------------------

WORDS = ["symbol", "regularMarketPrice", "regularMarketTime", "price", "raw", "fmt", "result", "error",
         "quoteResponse", "quoteSummary", "chart", "meta", "timestamp", "indicators", "quote", "close", "open",
         "high", "low", "volume", "currency", "marketCap", "trailingEps", "summaryDetail", "financialData",
         "defaultKeyStatistics", "totalRevenue", "finance", "code", "description", "NVDA", "0981.HK"]
numbers = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, -1, 1e308, -0.0, 1795532400, 1795532400000, 180.5]),
)
scalars = st.one_of(st.none(), st.booleans(), numbers, st.text(max_size=12), st.sampled_from(WORDS),
                    st.sampled_from(["NaN", "inf", "-1", "1e999", "180.5", "REGULAR", "PREPRE", "USD"]))
keys = st.one_of(st.sampled_from(WORDS), st.text(max_size=6))
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=5), st.dictionaries(keys, inner, max_size=5)),
    max_leaves=10,
)


# -- streamer frames ----------------------------------------------------------------------------------------

def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


f32s = st.one_of(st.floats(width=32, allow_nan=True, allow_infinity=True), st.sampled_from([0.0, -1.0, 180.5]))


@st.composite
def pricing_frames(draw) -> str:
    """A JSON envelope around a PricingData with arbitrary field values (NaN, negative, huge, empty)."""
    msg = PricingData()
    msg.id = draw(st.one_of(st.sampled_from(["NVDA", "0981.HK", "", " ", "NOSUCH.ZZ"]), st.text(max_size=10)))
    msg.price = draw(f32s)
    msg.time = draw(st.one_of(st.integers(-(2**63), 2**63 - 1), st.sampled_from([0, int(NOW * 1000)])))
    msg.change = draw(f32s)
    msg.change_percent = draw(f32s)
    msg.previous_close = draw(f32s)
    msg.day_volume = draw(st.integers(-(2**63), 2**63 - 1))
    msg.market_hours = draw(st.integers(-(2**31), 2**31 - 1))
    msg.currency = draw(st.text(max_size=4))
    payload = msg.SerializeToString()
    if draw(st.booleans()):  # damage it: cut or flip bytes
        cut = draw(st.integers(0, len(payload)))
        payload = payload[:cut] + draw(st.binary(max_size=8))
    envelope = {"type": draw(st.sampled_from(["pricing", "pricing", "other", 1, None])), "message": _b64(payload)}
    if draw(st.integers(0, 9)) == 0:
        envelope = draw(json_values)
    return json.dumps(envelope)


frames = st.one_of(
    pricing_frames(),
    st.text(max_size=80),
    st.binary(max_size=80),
    st.builds(lambda v: json.dumps(v), json_values),
    st.builds(lambda b: json.dumps({"type": "pricing", "message": _b64(b)}), st.binary(max_size=60)),
    st.builds(lambda t: json.dumps({"type": "pricing", "message": t}),
              st.text(alphabet=string.ascii_letters + string.digits + "+/=!*", max_size=40)),
)


@FAST
@given(frame=frames, max_ahead=st.sampled_from([None, 300.0]))
@example(frame='{"type":"pricing","message":', max_ahead=None)
@example(frame="[" * 100_000, max_ahead=None)  # deep nesting: RecursionError inside json
@example(frame=b"\xff\xfe", max_ahead=None)
def test_stream_frame_parses_or_says_why(frame, max_ahead):
    try:
        q = parse_stream_frame(frame, NOW, max_ahead=max_ahead)
    except FrameError as exc:
        assert exc.reason and isinstance(exc.reason, str)
        return
    _sane_quote(q)
    if max_ahead is not None:
        assert q.time <= NOW + max_ahead


@FAST
@given(frame=pricing_frames())
def test_a_frame_that_parses_carries_what_the_wire_said(frame):
    try:
        q = parse_stream_frame(frame, NOW)
    except FrameError:
        return
    msg = PricingData()
    msg.ParseFromString(base64.b64decode(json.loads(frame)["message"]))
    assert q.symbol == msg.id.strip()
    # the float32 on the wire, as its short decimal: the regular price, or outside the session the extended trade
    assert math.isclose(q.ext_price if q.extended_only else q.price, msg.price, rel_tol=1e-6)
    assert q.time == msg.time / 1000.0


# -- REST documents -----------------------------------------------------------------------------------------

@st.composite
def v7_docs(draw):
    items = draw(st.lists(st.one_of(
        st.fixed_dictionaries({"symbol": st.sampled_from(["NVDA", "0981.HK", "", None, 3])},
                              optional={k: json_values | numbers for k in (
                                  "regularMarketPrice", "regularMarketTime", "regularMarketVolume", "currency",
                                  "marketCap", "sharesOutstanding", "epsTrailingTwelveMonths", "marketState",
                                  "exchangeDataDelayedBy", "regularMarketChange", "trailingPE")}),
        json_values), max_size=4))
    inner = draw(st.fixed_dictionaries({}, optional={"result": st.just(items) | json_values, "error": json_values}))
    return draw(st.sampled_from([{"quoteResponse": inner}, inner, {"finance": inner}])) if draw(
        st.booleans()) else {"quoteResponse": inner}


@FEWER
@given(doc=st.one_of(v7_docs(), json_values))
@example(doc={"quoteResponse": {"result": [{"symbol": "NVDA", "regularMarketPrice": float("nan"),
                                            "regularMarketTime": 1795532400}]}})
@example(doc={"finance": {"error": "rate limited"}})
def test_v7_quote_parses_or_says_why(doc):
    try:
        quotes, funds = parse_v7_quote(doc, NOW)
    except YahooError as exc:
        assert str(exc)
        return
    for q in quotes:
        _sane_quote(q)
    for f in funds:
        for name in ("shares_outstanding", "market_cap", "eps_ttm", "eps_forward"):
            v = getattr(f, name)
            assert v is None or math.isfinite(v)


@st.composite
def summary_docs(draw):
    module = st.dictionaries(st.sampled_from(["symbol", "currency", "marketCap", "trailingEps", "totalRevenue",
                                              "sharesOutstanding", "financialCurrency", "quoteType", "ebitda"]),
                             st.one_of(json_values, st.fixed_dictionaries({"raw": numbers, "fmt": st.text(max_size=5)})),
                             max_size=6)
    part = st.dictionaries(st.sampled_from(["price", "summaryDetail", "defaultKeyStatistics", "financialData",
                                            "other"]), st.one_of(module, json_values), max_size=4)
    result = draw(st.one_of(st.lists(st.one_of(part, json_values), max_size=3), json_values))
    return {"quoteSummary": draw(st.fixed_dictionaries({"result": st.just(result)}, optional={"error": json_values}))}


@FEWER
@given(doc=st.one_of(summary_docs(), json_values))
def test_quote_summary_parses_or_says_why(doc):
    try:
        f = parse_quote_summary(doc, "NVDA", NOW)
    except YahooError as exc:
        assert str(exc)
        return
    for name in ("shares_outstanding", "market_cap", "eps_ttm", "revenue_ttm", "net_income_ttm", "ebitda"):
        v = getattr(f, name)
        assert v is None or math.isfinite(v)
    assert isinstance(f.symbol, str) and f.symbol


@st.composite
def chart_docs(draw):
    n = draw(st.integers(0, 6))
    col = st.one_of(st.lists(st.one_of(st.none(), numbers, st.text(max_size=3)), min_size=0, max_size=n + 1),
                    json_values)
    quote = draw(st.fixed_dictionaries({}, optional={k: col for k in ("open", "high", "low", "close", "volume")}))
    res = draw(st.fixed_dictionaries({}, optional={
        "meta": st.one_of(st.dictionaries(st.sampled_from(WORDS), scalars, max_size=3), json_values),
        "timestamp": st.one_of(st.lists(st.one_of(numbers, st.none()), max_size=n), json_values),
        "indicators": st.one_of(st.just({"quote": [quote]}), st.just({"quote": quote}), json_values),
    }))
    result = draw(st.one_of(st.just([res]), json_values))
    return {"chart": draw(st.fixed_dictionaries({"result": st.just(result)}, optional={"error": json_values}))}


@FEWER
@given(doc=st.one_of(chart_docs(), json_values))
@example(doc={"chart": {"result": [{"meta": [1, 2], "timestamp": [1], "indicators": {"quote": [{"close": [1]}]}}]}})
@example(doc={"chart": {"result": [{"timestamp": 5, "indicators": []}]}})
@example(doc={"chart": {"result": [{"timestamp": [1, 2], "indicators": {"quote": [{"close": [1.5, 2.5],
                                                                                   "volume": [1e300, "x"]}]}}]}})
def test_chart_parses_or_says_why(doc):
    try:
        meta, bars = parse_chart(doc)
    except YahooError as exc:
        assert str(exc)
        return
    assert isinstance(meta, dict)
    assert [b.time for b in bars] == sorted(b.time for b in bars)
    for b in bars:
        assert math.isfinite(b.time) and math.isfinite(b.close)
        for v in (b.open, b.high, b.low):
            assert v is None or math.isfinite(v)


# -- the config loader --------------------------------------------------------------------------------------

config = pytest.importorskip("tui.config", reason="tui/config.py not there yet")

CONFIG_KEYS = ["theme", "watchlist", "stale_after", "refresh", "alerts", "reference", "keys", "symbol", "above",
               "below", "sp500_total_cap", "value", "as_of", "source", "quit", "help", "poll_interval", "proxy"]
toml_scalars = st.one_of(st.booleans(), st.integers(-(2**40), 2**40), st.floats(allow_nan=True),
                         st.text(max_size=10), st.dates(), st.sampled_from(["nord", "textual-dark", "NVDA", ""]))
toml_values = st.recursive(
    toml_scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(st.sampled_from(CONFIG_KEYS) | st.text(min_size=1, max_size=5), inner,
                                            max_size=4)),
    max_leaves=15,
)
config_docs = st.dictionaries(st.sampled_from(CONFIG_KEYS) | st.text(min_size=1, max_size=5), toml_values,
                              max_size=6)


def _toml(doc: dict) -> str | None:
    import tomlkit

    try:
        return tomlkit.dumps(doc)
    except Exception:  # noqa: BLE001 - tomlkit cannot write every drawn value (NaN keys etc.)
        return None


_CFG_DIR = Path(tempfile.mkdtemp(prefix="aiwatch-fuzz-config-"))
atexit.register(shutil.rmtree, _CFG_DIR, ignore_errors=True)


def _check_config(path) -> None:
    cfg, problems = config.load_config(path)
    assert isinstance(problems, list) and all(isinstance(p, str) and p for p in problems)
    assert cfg is not None


@FEWER
@given(doc=config_docs)
def test_config_loads_or_lists_problems(doc):
    text = _toml(doc)
    assume(text is not None)
    path = _CFG_DIR / "config.toml"
    path.write_text(text, encoding="utf-8")
    _check_config(path)


@FEWER
@given(data=st.one_of(st.binary(max_size=200), st.text(max_size=200).map(lambda t: t.encode("utf-8", "replace")),
                      st.sampled_from([b"[alerts\n", b"alerts = 3\n", b"[[alerts]]\nsymbol = 1\n", b"\xff\xfe",
                                       b"stale_after = nan\n", b"stale_after = 1e999\n", b"[reference]\nx = 1\n"])))
def test_config_bytes_load_or_list_problems(data):
    path = _CFG_DIR / "config.toml"
    path.write_bytes(data)
    _check_config(path)
