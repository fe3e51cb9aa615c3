"""Yahoo parsers over every recorded real response in ../shared/yahoo-recorded/ (and broken input)."""

from __future__ import annotations

import base64
import json
import math
import struct
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui.feeds.pricing import PricingData
from tui.feeds.yahoo_parse import (
    FrameError,
    NotFound,
    YahooError,
    merge_fundamentals,
    parse_chart,
    parse_quote_summary,
    parse_stream_frame,
    parse_v7_quote,
    shortest_f32,
)
from tui.model import Fundamentals, MarketState, QuoteSource

RECORDED = Path(__file__).resolve().parents[1].parent / "shared" / "yahoo-recorded"


def _files(pattern: str) -> list[Path]:
    if not RECORDED.is_dir():
        return []
    return sorted(RECORDED.glob(pattern))


def _need_recorded() -> None:
    if not RECORDED.is_dir():
        pytest.skip(f"recorded Yahoo responses not found at {RECORDED}")


def _body(path: Path) -> dict:
    """The recorder sometimes wraps the body as {"url", "status", "body"}: unwrap it here, not in the parser."""
    doc = json.loads(path.read_text())
    if "body" in doc and "status" in doc:
        assert doc["status"] == 200
        return doc["body"]
    return doc


def _params(pattern: str):
    files = _files(pattern)
    if not files:
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"no {pattern} in {RECORDED}"))]
    return [pytest.param(f, id=f.name) for f in files]


def _f32(x: float) -> float:
    return struct.unpack("<f", struct.pack("<f", x))[0]


# -- streamer frames -------------------------------------------------------------------------------------


def _frames() -> list[str]:
    _need_recorded()
    path = RECORDED / "stream-frames.jsonl"
    if not path.is_file():
        pytest.skip(f"{path} absent")
    return [line for line in path.read_text().splitlines() if line.strip()]


def test_every_recorded_frame_parses() -> None:
    frames = _frames()
    assert len(frames) >= 2
    quotes = {q.symbol: q for q in (parse_stream_frame(f, 123.0) for f in frames)}
    for q in quotes.values():
        assert q.source is QuoteSource.STREAM
        assert q.received == 123.0
        assert q.price > 0 and math.isfinite(q.price)
        assert 1.6e9 < q.time < 2.0e9  # seconds, not milliseconds
        assert isinstance(q.time, float)
    assert set(quotes) >= {"BTC-USD", "DKNG"}


def test_dkng_frame_real_values() -> None:
    dkng = next(q for q in (parse_stream_frame(f, 0.0) for f in _frames()) if q.symbol == "DKNG")
    assert dkng.price == 24.535  # float32 24.53499984… shown as the decimal Yahoo sent
    assert _f32(dkng.price) == _f32(24.535)
    assert dkng.currency is None  # this frame carries no currency
    assert dkng.market_state is MarketState.REGULAR
    assert dkng.exchange == "NMS"
    assert dkng.volume == 6719763 and isinstance(dkng.volume, int)
    assert dkng.time == 1788377229.0
    assert dkng.day_high is None and dkng.previous_close is None  # missing fields are not zeros
    assert dkng.change_pct == pytest.approx(4.6715, abs=1e-4)


def test_btc_frame_real_values() -> None:
    btc = next(q for q in (parse_stream_frame(f, 0.0) for f in _frames()) if q.symbol == "BTC-USD")
    assert btc.time == 1761785160.0
    assert btc.currency == "USD"
    assert btc.exchange == "CCC"
    assert btc.price == pytest.approx(110429.42, abs=0.01)
    assert btc.volume == 62560296960  # a 64-bit int stays an int (MessageToDict would give a string)
    assert btc.change == pytest.approx(-2207.38, abs=0.01)
    assert btc.change_pct == pytest.approx(-1.96, abs=0.01)


def _frame(**fields) -> str:
    msg = PricingData(**fields)
    return json.dumps({"type": "pricing", "message": base64.b64encode(msg.SerializeToString()).decode()})


def test_missing_market_hours_means_pre_market() -> None:
    q = parse_stream_frame(_frame(id="NVDA", price=180.5, time=1_761_000_000_000), 0.0)
    assert q.market_state is MarketState.PRE


@pytest.mark.parametrize(
    ("hours", "state"), [(1, MarketState.REGULAR), (2, MarketState.POST), (3, MarketState.CLOSED)]
)
def test_market_hours_map(hours: int, state: MarketState) -> None:
    q = parse_stream_frame(_frame(id="NVDA", price=180.5, time=1_761_000_000_000, market_hours=hours), 0.0)
    assert q.market_state is state


@pytest.mark.parametrize(("hours", "session"), [(0, "pre"), (2, "post"), (3, "overnight")])
def test_an_extended_hours_frame_is_the_extended_trade_never_the_day(hours: int, session: str) -> None:
    """Outside the regular session a frame's price and change are the extended-hours trade and its move against
    the last regular close (Yahoo's post-market frames): they go to ext_*, never to the day's change, and the
    close the move is measured from is not the previous close."""
    q = parse_stream_frame(_frame(id="NVDA", price=168.92, time=1_764_021_600_000, market_hours=hours,
                                  quote_type=8, change=0.26, change_percent=0.154, previous_close=168.66,
                                  price_hint=2), 0.0)
    assert q.extended_only and q.ext_session == session
    assert (q.ext_price, q.ext_change, q.ext_change_pct, q.ext_time) == (168.92, 0.26, 0.154, 1_764_021_600.0)
    assert q.change is None and q.change_pct is None and q.previous_close is None
    assert q.price == 168.66  # the close the move is measured from, derived (to the price hint's decimals)
    assert (q.day_high, q.day_low, q.volume, q.open) == (None,) * 4


def test_an_extended_frame_without_a_move_is_a_trade_at_the_close() -> None:
    """Protobuf drops a zero: the first post-market frame, at the close price, carries no change at all."""
    q = parse_stream_frame(_frame(id="NVDA", price=168.66, time=1_764_021_600_000, market_hours=2, quote_type=8),
                           0.0)
    assert q.extended_only and q.price == 168.66 and q.ext_price == 168.66
    assert q.ext_change is None and q.change is None  # the store works the move out against its regular close


def test_a_frame_without_market_hours_inside_the_session_is_regular() -> None:
    """A missing market_hours reads as 0, pre-market: inside the market's regular hours (its calendar says so)
    the trade is a regular one all the same; outside them, a pre-market one."""
    in_session = 1_795_572_000_000  # 2026-11-25 02:00 UTC: 10:00 in Hong Kong
    q = parse_stream_frame(_frame(id="0700.HK", price=476.8, time=in_session, quote_type=8, change=4.8), 0.0)
    assert not q.extended_only and q.change == pytest.approx(4.8)
    pre = 1_795_597_200_000  # 2026-11-25 09:00 UTC: 04:00 in New York, pre-market
    q = parse_stream_frame(_frame(id="NVDA", price=168.5, time=pre, quote_type=8, change=-0.16), 0.0)
    assert q.extended_only and q.ext_session == "pre"


@pytest.mark.parametrize("quote_type", [9, 14, 18, 41])
def test_instruments_without_an_extended_session_always_stream_regular(quote_type: int) -> None:
    q = parse_stream_frame(_frame(id="HKD=X", price=7.78, time=1_764_021_600_000, quote_type=quote_type,
                                  change=0.01), 0.0)
    assert not q.extended_only and q.price == pytest.approx(7.78) and q.change == pytest.approx(0.01)


def test_v7_post_market_fields_are_the_extended_trade() -> None:
    """The recorded AAPL answer (marketState POSTPOST): the day's change stays regularMarket*; the after-hours
    trade and its move against the close are the Quote's ext_*."""
    _need_recorded()
    doc = json.loads((RECORDED / "quote_v7_AAPL-MSFT.json").read_text())
    quotes, _ = parse_v7_quote(doc, 0.0)
    aapl = next(q for q in quotes if q.symbol == "AAPL")
    assert (aapl.price, aapl.change, aapl.previous_close) == (269.7, 0.700012, 269.0)
    assert aapl.change_pct == pytest.approx(0.260228)
    assert (aapl.ext_session, aapl.ext_price, aapl.ext_time) == ("post", 270.75, 1761782396.0)
    assert aapl.ext_change_pct == pytest.approx(0.38931692)


def test_v7_extended_fields_older_than_the_regular_trade_are_left_out() -> None:
    item = {"symbol": "NVDA", "regularMarketPrice": 170.0, "regularMarketTime": 1_764_000_000,
            "preMarketPrice": 167.0, "preMarketTime": 1_763_990_000, "preMarketChangePercent": 0.9,
            "postMarketPrice": 166.0, "postMarketTime": 1_763_950_000}
    quotes, _ = parse_v7_quote({"quoteResponse": {"result": [item]}}, 0.0)
    assert quotes[0].ext_price is None and quotes[0].ext_session is None
    item.update(regularMarketTime=1_763_940_000)  # the close before: this morning's pre-market is the latest
    quotes, _ = parse_v7_quote({"quoteResponse": {"result": [item]}}, 0.0)
    assert (quotes[0].ext_session, quotes[0].ext_price, quotes[0].ext_change_pct) == ("pre", 167.0, 0.9)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("not json", "not JSON"),
        ("[1, 2]", "not a pricing envelope"),
        ('{"type": "pricing"}', "not a pricing envelope"),
        ('{"type": "heartbeat", "message": "AA=="}', "not a pricing envelope"),
        ('{"type": "pricing", "message": "!!!notbase64"}', "bad base64"),
        ('{"type": "pricing", "message": "/////w=="}', "bad protobuf"),
        (_frame(price=10.0, time=1_761_000_000_000), "no id"),
        (_frame(id="X", price=float("nan"), time=1_761_000_000_000), "bad price"),
        (_frame(id="X", price=float("inf"), time=1_761_000_000_000), "bad price"),
        (_frame(id="X", price=-3.0, time=1_761_000_000_000), "bad price"),
        (_frame(id="X", time=1_761_000_000_000), "bad price"),  # zero price = missing
        (_frame(id="X", price=10.0), "no time"),
    ],
)
def test_bad_frames_raise_frame_error(text: str, reason: str) -> None:
    with pytest.raises(FrameError) as err:
        parse_stream_frame(text, 0.0)
    assert reason in err.value.reason


def test_future_frame_rejected_only_when_asked() -> None:
    text = _frame(id="NVDA", price=180.5, time=1_761_003_600_000, market_hours=1)
    assert parse_stream_frame(text, 1_761_000_000.0).time == 1_761_003_600.0
    assert parse_stream_frame(text, 1_761_000_000.0, max_ahead=3600.0).symbol == "NVDA"
    with pytest.raises(FrameError, match="future"):
        parse_stream_frame(text, 1_761_000_000.0, max_ahead=300.0)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), st.binary()))
def test_random_input_gives_frame_error_only(data) -> None:
    try:
        parse_stream_frame(data, 0.0)
    except FrameError:
        pass


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=80))
def test_random_protobuf_payload_gives_frame_error_or_valid_quote(payload: bytes) -> None:
    text = json.dumps({"type": "pricing", "message": base64.b64encode(payload).decode()})
    try:
        q = parse_stream_frame(text, 0.0)
    except FrameError:
        return
    assert q.symbol and q.price > 0 and math.isfinite(q.price) and q.time > 0


def test_every_field_lands_in_its_own_quote_field() -> None:
    q = parse_stream_frame(
        _frame(id=" NVDA ", price=180.25, time=1_761_000_000_000, currency=" USD", exchange="NMS ",
               short_name=" NVIDIA ", market_hours=1, change=1.5, change_percent=0.75, previous_close=178.75,
               open_price=179.5, day_high=181.0, day_low=177.25, day_volume=2**40),
        received=5.0,
    )
    assert (q.symbol, q.price, q.time, q.source, q.received) == (
        "NVDA", 180.25, 1_761_000_000.0, QuoteSource.STREAM, 5.0)
    assert (q.currency, q.exchange, q.short_name, q.market_state) == ("USD", "NMS", "NVIDIA", MarketState.REGULAR)
    assert not q.extended_only and q.ext_price is None
    assert (q.change, q.change_pct, q.previous_close, q.open, q.day_high, q.day_low) == (
        1.5, 0.75, 178.75, 179.5, 181.0, 177.25)
    assert q.volume == 2**40 and isinstance(q.volume, int)
    assert q.delay_minutes == 0


@pytest.mark.parametrize("value", [0.0, -0.0, float("nan"), float("inf"), -float("inf")])
def test_zero_and_non_finite_float_fields_are_absent(value: float) -> None:
    names = ("change", "change_percent", "previous_close", "open_price", "day_high", "day_low")
    for _ in range(2):  # also once the parser has seen every other value of the frame
        q = parse_stream_frame(_frame(id="X", price=10.5, time=1_761_000_000_000, change=0.5, market_hours=1,
                                      **dict.fromkeys(names[1:], value)), 0.0)
        assert q.change == 0.5
        assert (q.change_pct, q.previous_close, q.open, q.day_high, q.day_low) == (None,) * 5
    with pytest.raises(FrameError, match="bad price"):
        parse_stream_frame(_frame(id="X", price=value, time=1_761_000_000_000), 0.0)


def test_every_spelling_of_an_envelope_parses_alike() -> None:
    """Yahoo's compact spelling is read without json.loads: any other spelling must give the same quote."""
    message = base64.b64encode(PricingData(id="NVDA", price=180.5, time=1_761_000_000_000, market_hours=1,
                                           change=-1.25).SerializeToString()).decode()
    compact = f'{{"type":"pricing","message":"{message}"}}'
    spellings = [
        compact,
        compact.encode(),
        bytearray(compact.encode()),
        json.dumps({"type": "pricing", "message": message}),  # with spaces
        json.dumps({"message": message, "type": "pricing"}),  # other key order
        json.dumps({"message": message}),  # no type: a pricing frame
        compact.replace(f'"{message}"', f'"\\u{ord(message[0]):04x}{message[1:]}"'),  # an escaped character
        f" {compact}\n",
    ]
    expected = parse_stream_frame(compact, 1.0)
    for text in spellings:
        assert parse_stream_frame(text, 1.0) == expected, text
    for text, reason in [
        (compact.replace('"pricing"', '"heartbeat"'), "not a pricing envelope"),
        (compact[:-1], "not JSON"),
        (compact.replace(message, message[:-1] + "!"), "bad base64"),
        (compact.replace(message, message[:-2]), "bad base64"),
        (compact.encode() + b"\xff", "not JSON"),
    ]:
        with pytest.raises(FrameError) as err:
            parse_stream_frame(text, 1.0)
        assert reason in err.value.reason, text


def test_shortest_f32() -> None:
    assert shortest_f32(_f32(24.535)) == 24.535
    assert shortest_f32(_f32(0.1)) == 0.1
    assert shortest_f32(_f32(110429.42)) == 110429.42


# -- v7 quote ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", _params("quote-*.json") + _params("quote_*.json"))
def test_every_recorded_v7_quote(path: Path) -> None:
    doc = _body(path)
    quotes, funds = parse_v7_quote(doc, 1000.0)
    results = doc["quoteResponse"]["result"]
    assert len(quotes) == len(results) == len(funds)
    for q, raw in zip(quotes, results, strict=True):
        assert q.symbol == raw["symbol"]
        assert q.price == raw["regularMarketPrice"]
        assert q.time == raw["regularMarketTime"]
        assert q.currency == raw["currency"]
        assert q.source is QuoteSource.REST
        assert q.received == 1000.0
        assert q.market_state in (MarketState.CLOSED, MarketState.PRE, MarketState.REGULAR, MarketState.POST)
        assert q.delay_minutes == raw.get("exchangeDataDelayedBy", 0)
    for f, raw in zip(funds, results, strict=True):
        assert f.currency == raw["currency"]
        assert f.financial_currency == raw.get("financialCurrency")
        assert f.market_cap == raw.get("marketCap")
        assert f.shares_outstanding == raw.get("sharesOutstanding")
        assert f.eps_ttm == raw.get("epsTrailingTwelveMonths")


def test_v7_baba_currencies() -> None:
    _need_recorded()
    quotes, funds = parse_v7_quote(_body(RECORDED / "quote-BABA.json"), 0.0)
    assert quotes[0].currency == "USD"
    assert funds[0].currency == "USD" and funds[0].financial_currency == "CNY"
    assert quotes[0].market_state is MarketState.CLOSED
    assert quotes[0].price == 124.73 and quotes[0].time == 1739566802
    assert funds[0].shares_outstanding == 2375950080


def test_v7_postpost_and_prepre_are_closed_and_use_regular_price() -> None:
    _need_recorded()
    quotes, _ = parse_v7_quote(_body(RECORDED / "quote_v7_AAPL-MSFT.json"), 0.0)
    msft = next(q for q in quotes if q.symbol == "MSFT")
    assert msft.market_state is MarketState.CLOSED  # POSTPOST
    assert msft.price == 541.55  # the regular close, not the post-market 520.0
    de, _ = parse_v7_quote(_body(RECORDED / "quote_v7_GS2C.DE.json"), 0.0)
    assert de[0].market_state is MarketState.CLOSED  # PREPRE
    assert de[0].currency == "EUR" and de[0].delay_minutes == 15


def test_v7_fx_pair() -> None:
    _need_recorded()
    quotes, funds = parse_v7_quote(_body(RECORDED / "quote-EURUSD=X.json"), 0.0)
    assert quotes[0].symbol == "EURUSD=X" and quotes[0].exchange == "CCY"
    assert quotes[0].market_state is MarketState.REGULAR
    assert funds[0].extra["quote_type"] == "CURRENCY" and funds[0].market_cap is None


def test_v7_result_without_price_gives_no_quote() -> None:
    doc = {"quoteResponse": {"result": [{"symbol": "ZZZZ", "currency": "USD"}], "error": None}}
    quotes, funds = parse_v7_quote(doc, 0.0)
    assert quotes == [] and funds[0].symbol == "ZZZZ"


def test_v7_error_envelopes() -> None:
    with pytest.raises(YahooError):
        parse_v7_quote(
            {"finance": {"result": None, "error": {"code": "Unauthorized", "description": "Invalid Crumb"}}},
            0,
        )
    with pytest.raises(YahooError):
        parse_v7_quote({"quoteResponse": {"result": None, "error": {"code": "Bad Request"}}}, 0)
    with pytest.raises(YahooError):
        parse_v7_quote({"something": 1}, 0)


# -- quoteSummary ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", _params("quoteSummary-*.json"))
def test_every_recorded_quote_summary(path: Path) -> None:
    doc = _body(path)
    f = parse_quote_summary(doc, "BABA", 50.0)
    assert f.symbol == "BABA" and f.as_of == 50.0
    module = path.name.split("-")[1]
    body = doc["quoteSummary"]["result"][0][module]
    checks = {
        "price": lambda: (
            (f.currency, f.market_cap, f.long_name) == ("USD", body["marketCap"], body["longName"])
        ),
        "summaryDetail": lambda: f.currency == "USD" and f.market_cap == 341542830080,
        "defaultKeyStatistics": lambda: (
            (f.shares_outstanding, f.net_income_ttm, f.eps_ttm, f.eps_forward)
            == (2375950080, 120358002688, 6.87, 9.87)
        ),
        "financialData": lambda: (
            (f.revenue_ttm, f.financial_currency, f.ebitda, f.total_debt, f.total_cash)
            == (981767028736, "CNY", 179009994752, 264301002752, 453278007296)
        ),
    }
    assert checks[module]()


def test_quote_summary_all_modules_merged_and_raw_fmt_values() -> None:
    _need_recorded()
    merged: dict = {}
    for path in _files("quoteSummary-*-BABA.json"):
        merged.update(_body(path)["quoteSummary"]["result"][0])
    if len(merged) < 4:
        pytest.skip("not all four BABA modules recorded")

    def wrap(v):
        return {"raw": v, "fmt": str(v)} if isinstance(v, (int, float)) and not isinstance(v, bool) else v

    wrapped = {m: {k: wrap(v) for k, v in body.items()} for m, body in merged.items()}
    for modules in (merged, wrapped):
        f = parse_quote_summary({"quoteSummary": {"result": [modules], "error": None}}, "BABA", 1.0)
        assert f.currency == "USD" and f.financial_currency == "CNY"
        assert f.revenue_ttm == 981767028736
        assert f.net_income_ttm == 120358002688
        assert f.shares_outstanding == 2375950080
        assert f.market_cap == 341542830080
        assert f.exchange == "NYQ"


def test_quote_summary_error_envelope() -> None:
    doc = {
        "quoteSummary": {
            "result": None,
            "error": {"code": "Not Found", "description": "Quote not found for symbol: ZZZZ"},
        }
    }
    with pytest.raises(NotFound, match="ZZZZ"):
        parse_quote_summary(doc, "ZZZZ", 0.0)
    with pytest.raises(YahooError):
        parse_quote_summary({"quoteSummary": {"result": [{}], "error": None}}, "X", 0.0)


def test_merge_fundamentals_keeps_old_where_new_is_silent() -> None:
    old = Fundamentals(
        "BABA", 1.0, currency="USD", revenue_ttm=9.0, eps_ttm=1.0, delay_minutes=15, extra={"a": 1}
    )
    new = Fundamentals("BABA", 2.0, currency="USD", eps_ttm=2.0, extra={"b": 2})
    m = merge_fundamentals(old, new)
    assert (m.as_of, m.eps_ttm, m.revenue_ttm, m.delay_minutes, m.extra) == (
        2.0,
        2.0,
        9.0,
        15,
        {"a": 1, "b": 2},
    )


# -- chart -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", _params("chart*.json") + _params("history_chart*.json"))
def test_every_recorded_chart(path: Path) -> None:
    doc = _body(path)
    meta, bars = parse_chart(doc)
    raw = doc["chart"]["result"][0]
    assert meta["symbol"] == raw["meta"]["symbol"]
    assert len(bars) == sum(c is not None for c in raw["indicators"]["quote"][0]["close"])
    assert [b.time for b in bars] == sorted(b.time for b in bars)
    for bar, raw_close in zip(
        bars, [c for c in raw["indicators"]["quote"][0]["close"] if c is not None], strict=True
    ):
        assert bar.close == pytest.approx(raw_close, rel=1e-6)
        assert bar.low <= bar.close <= bar.high


def test_chart_hk_values() -> None:
    _need_recorded()
    meta, bars = parse_chart(_body(RECORDED / "chart-0700.HK-5d.json"))
    assert meta["currency"] == "HKD" and meta["exchangeTimezoneName"] == "Asia/Hong_Kong"
    assert len(bars) == 5
    assert bars[0].close == 490.4  # float32 490.39999389… cleaned
    assert bars[-1].volume == 16320039


def test_chart_null_closes_skipped_and_errors() -> None:
    doc = {
        "chart": {
            "result": [
                {
                    "meta": {"symbol": "X"},
                    "timestamp": [1, 2, 3],
                    "indicators": {
                        "quote": [
                            {
                                "close": [1.5, None, 2.5],
                                "open": [1, None, 2],
                                "high": [2, None, 3],
                                "low": [1, None, 2],
                                "volume": [10, None, 30],
                            }
                        ]
                    },
                }
            ],
            "error": None,
        }
    }
    _, bars = parse_chart(doc)
    assert [b.time for b in bars] == [1, 3] and [b.close for b in bars] == [1.5, 2.5]
    with pytest.raises(NotFound):
        parse_chart(
            {"chart": {"result": None, "error": {"code": "Not Found", "description": "No data found"}}}
        )
