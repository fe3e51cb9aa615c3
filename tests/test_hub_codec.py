"""The hub's codec: every model object survives the trip through JSON; what Redis holds is outside data, so
malformed entries are rejected and counted, and escape sequences never reach the store."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from tui.core.statements import Point, Statements
from tui.core.store import MarketStore
from tui.hub import codec
from tui.model import Bar, Fundamentals, MarketState, Quote, QuoteSource


def _quote(**kw) -> Quote:
    base = dict(symbol="0700.HK", price=512.5, time=1_795_000_000.0, source=QuoteSource.POLL, received=1_795_000_001.5,  # noqa: C408
                currency="HKD", change=-3.5, change_pct=-0.68, previous_close=516.0, volume=12_345_678,
                exchange="HKG", market_state=MarketState.REGULAR, short_name="TENCENT", delay_minutes=0,
                source_name="tencent", delay_measured=True, ext_session="post", ext_price=513.0, ext_time=1.0)
    return Quote(**{**base, **kw})


def test_quote_round_trip_keeps_every_label():
    q = _quote()
    back, sim = codec.quote_from_data(json.loads(codec.dumps(codec.quote_to_data(q, simulated=True))))
    assert back == q and sim is True
    plain, sim = codec.quote_from_data(codec.quote_to_data(_quote(source_name="yahoo", delay_minutes=15)))
    assert plain.delay_minutes == 15 and plain.source_name == "yahoo" and sim is False


def test_fundamentals_history_and_statements_round_trip():
    f = Fundamentals("NVDA", as_of=1.0, currency="USD", shares_outstanding=2.4e10, eps_ttm=2.5, long_name="NVIDIA",
                     extra={"beta": 1.7, "sector": "Tech", "none": None})
    assert codec.fundamentals_from_data(json.loads(codec.dumps(codec.fundamentals_to_data(f)))) == f
    bars = [Bar(1.0, 1.0, 2.0, 0.5, 1.5, 10), Bar(2.0, None, None, None, 1.6, None)]
    assert codec.history_from_data(json.loads(codec.dumps(codec.history_to_data("NVDA", bars)))) == ("NVDA", bars)
    st = Statements("NVDA", {("quarterly", "capex"): (Point(dt.date(2025, 6, 30), -1.2e9, "USD"),)}, fetched_at=3.0)
    back = codec.statements_from_wire(json.loads(codec.dumps(codec.statements_to_wire(st))))
    assert back.points("quarterly", "capex") == st.points("quarterly", "capex") and back.fetched_at == 3.0


HOSTILE = [
    b"not json",
    b'{"q": "not a list"}',
    b'[{"s": "NVDA"}]',  # nothing but a symbol
    b'[{"s": "NV DA", "p": 1, "t": 1, "r": 1, "via": "rest", "src": "yahoo"}]',  # not a symbol
    b'[{"s": "NVDA", "p": "1", "t": 1, "r": 1, "via": "rest", "src": "yahoo"}]',  # a price that is text
    b'[{"s": "NVDA", "p": -1, "t": 1, "r": 1, "via": "rest", "src": "yahoo"}]',
    b'[{"s": "NVDA", "p": 1, "t": 1, "r": 1, "via": "pigeon", "src": "yahoo"}]',
    b'[{"s": "NVDA", "p": 1, "t": 1, "r": 1, "via": "rest", "src": "yahoo", "v": 1.5}]',
    b'[{"s": "NVDA", "p": 1, "t": 1, "r": 1, "via": "rest", "src": "yahoo", "cur": "\\u001b[31m"}]',
    b'[{"s": "NVDA", "p": 1, "t": 1, "r": 1, "via": "rest", "src": "yahoo", "dm": "yes"}]',
    b'[{"s": "NVDA", "p": 1, "t": 1, "r": 1, "via": "rest", "src": "yahoo", "ms": "PARTY"}]',
    b'[{"s": "NVDA", "p": 1e999, "t": 1, "r": 1, "via": "rest", "src": "yahoo"}]',
]


@pytest.mark.parametrize("raw", HOSTILE)
def test_malformed_quotes_are_rejected_and_counted(raw):
    rejects = codec.Rejects()
    assert codec.decode_quotes(raw, rejects) == []
    assert rejects.count == 1 and rejects.last


def test_escape_sequences_from_redis_never_reach_the_store():
    rejects = codec.Rejects()
    raw = codec.dumps([{"s": "NVDA", "p": 1.0, "t": 1.0, "r": 1.0, "via": "rest", "src": "yahoo\x1b]0;pwned\x07",
                        "n": "NVIDIA\x1b[2J\x1b[31m\u202eCorp", "x": "NMS\x9b1m"},
                       {"s": "AMD", "p": 2.0, "t": 1.0, "r": 1.0, "via": "rest", "src": "yahoo", "n": "ok"}])
    quotes = codec.decode_quotes(raw, rejects)
    assert [q.symbol for q, _ in quotes] == ["NVDA", "AMD"] and rejects.count == 0
    store = MarketStore()
    for q, _ in quotes:
        store.apply_quote(q)
    for q in store.quotes.values():
        for text in (q.short_name, q.exchange, q.source_name):
            assert text is None or (text.isprintable() and "\x1b" not in text and "\u202e" not in text), text
    f = codec.fundamentals_from_data({"s": "NVDA", "as_of": 1, "long_name": "\x1b[31mEvil\x07",
                                      "extra": {"\x1b[1mk": "\x1b]8;;http://x\x07v"}})
    assert f.long_name == "Evil" and all("\x1b" not in k + str(v) for k, v in f.extra.items())
    with pytest.raises(codec.Malformed):
        codec.history_from_data({"s": "NVDA", "bars": [[1, "x", 1, 1, 1, 1]]})
    with pytest.raises(codec.Malformed):
        codec.statements_from_wire({"symbol": "NVDA", "series": [["quarterly", "\x1b[31m", []]]})
