"""Tencent's quote page, `qt.gtimg.cn`: one GET for many keys, parsed by field index.

    GET https://qt.gtimg.cn/q=r_hk00981,sh688981,sz002594,whUSDCNY,whHKDCNY

The reply (GBK) holds one `v_KEY="f0~f1~…~fN";` per key it knows and `v_pv_none_match="1";` when it knows none of
some. Fields (../shared/asia-recorded/README.md):

- common: 1 name, 2 code, 3 last, 4 previous close, 5 open, 6 volume, 30 time, 31 change, 32 change %, 33 high,
  34 low; a quote needs at least 35 fields, never an exact count (the Hong Kong layout grew from 60 to 78).
- A-shares (market id 1 Shanghai, 51 Shenzhen): volume in lots of 100 shares; time `YYYYMMDDHHMMSS` in
  Asia/Shanghai; 82 currency.
- Hong Kong (market id 100): volume in shares; time `YYYY/MM/DD HH:MM:SS` in Asia/Hong_Kong; 46 English short
  name; 75 currency. The Hang Seng record is shorter, same core positions.
- FX (`whUSDCNY`, market id 310): 3 price, 5 time `YYYYMMDDHHMMSS` (Asia/Shanghai), 6 previous close, 12 change,
  13 change %.

`r_hk` keys are real-time, plain `hk` keys 15 minutes late (declared so here; tui/core/delay.py measures it).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from tui.feeds.china_fields import (
    HONG_KONG,
    SHANGHAI,
    Fields,
    ParseError,
    currency_code,
    decode_body,
    parse_local,
    quote_of,
)
from tui.feeds.china_keys import symbol_of
from tui.model import Quote, QuoteSource

SOURCE = "tencent"
BASE_URL = "https://qt.gtimg.cn"
MIN_FIELDS = 35
FX_MIN_FIELDS = 14
NONE_MATCH = "pv_none_match"
_RECORD = re.compile(r'v_([A-Za-z0-9_]+)="([^"]*)"')
_A_TIME = ("%Y%m%d%H%M%S",)
_HK_TIME = ("%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M")


def quote_url(base: str, keys: list[str]) -> str:
    """The GET for `keys` on `base` (Tencent's host, or another base URL keeping the path)."""
    return f"{base.rstrip('/')}/q={','.join(keys)}"


@dataclass
class TencentReply:
    quotes: list[Quote] = field(default_factory=list)
    keys: set[str] = field(default_factory=set)  # every key the reply has a record for
    none_match: bool = False  # the reply says it knows none of some keys
    rejected: dict[str, str] = field(default_factory=dict)  # key -> why its record was not a quote
    records: int = 0


def split_records(text: str) -> list[tuple[str, str]]:
    """(key, value) of each `v_KEY="…"` assignment, in order."""
    return _RECORD.findall(text)


def parse_reply(body: bytes | str, received: float, symbols: Mapping[str, str] | None = None) -> TencentReply:
    """Every quote in a reply. `symbols` maps the keys asked for to Yahoo symbols (else the key says which);
    keys of listings aiwatch does not know are skipped. A record that cannot be a quote is listed in `rejected`."""
    reply = TencentReply()
    fx: dict[str, Fields] = {}
    for key, value in split_records(decode_body(body)):
        reply.records += 1
        if key == NONE_MATCH:
            reply.none_match = True
            continue
        reply.keys.add(key)
        fields = Fields(key, value.split("~"))
        if key.startswith("wh"):
            fx[key] = fields
            continue
        symbol = (symbols or {}).get(key) or symbol_of(key)
        if symbol is None:
            continue
        try:
            reply.quotes.append(parse_stock(symbol, fields, received))
        except ParseError as exc:
            reply.rejected[key] = str(exc)
    reply.quotes.extend(_fx_quotes(fx, received, reply.rejected))
    return reply


def parse_stock(symbol: str, f: Fields, received: float) -> Quote:
    """One Hong Kong, Shanghai or Shenzhen record (a stock or an index) as a Quote."""
    if len(f) < MIN_FIELDS:
        raise ParseError(f"{len(f)} fields, at least {MIN_FIELDS} needed")
    market_id = f.text(0)
    hong_kong = market_id == "100" or f.key.startswith(("r_hk", "hk"))
    if hong_kong:
        time = parse_local(f.text(30), _HK_TIME, HONG_KONG)
        volume = f.num(6)
        name = f.name(46)  # the English short name (TENCENT), where the record reaches it
        currency = currency_code(f.text(75))
        delay = 15 if f.key.startswith("hk") else 0
    else:
        time = parse_local(f.text(30), _A_TIME, SHANGHAI)
        lots = f.num(6)
        volume = lots * 100 if lots is not None else None
        name = None
        currency = currency_code(f.text(82))
        delay = 0
    is_index = symbol.startswith("^") or symbol == "000001.SS" or f.key.endswith("HSI")
    return quote_of(
        symbol,
        source_name=SOURCE,
        received=received,
        last=f.num(3),
        previous_close=f.positive(4),
        time=time,
        volume=volume,
        open_=f.positive(5),
        high=f.positive(33),
        low=f.positive(34),
        change=f.num(31),
        change_pct=f.num(32),
        name=name or f.name(1),
        currency=currency,
        delay_minutes=delay,
        is_index=is_index,
    )


def _fx_quote(symbol: str, f: Fields, received: float) -> Quote:
    if len(f) < FX_MIN_FIELDS:
        raise ParseError(f"{len(f)} fields, at least {FX_MIN_FIELDS} needed for an FX record")
    price = f.positive(3)
    time = parse_local(f.text(5), _A_TIME, SHANGHAI)
    if price is None or time is None:
        raise ParseError("no price or time in an FX record")
    return Quote(symbol=symbol, price=price, time=time, source=QuoteSource.POLL, received=received,
                 currency=symbol[:3], change=f.num(12), change_pct=f.num(13), previous_close=f.positive(6),
                 exchange="CCY", short_name=f.name(1), source_name=SOURCE)


def _fx_quotes(fx: dict[str, Fields], received: float, rejected: dict[str, str]) -> list[Quote]:
    """CNY=X from whUSDCNY (CNY per USD), and HKD=X (HKD per USD) = whUSDCNY / whHKDCNY (CNY per HKD)."""
    out: list[Quote] = []
    usd = hkd = None
    for key, f in fx.items():
        try:
            if key == "whUSDCNY":
                usd = _fx_quote("CNY=X", f, received)
                out.append(usd)
            elif key == "whHKDCNY":
                hkd = _fx_quote("HKD=X", f, received)  # as CNY per HKD here: only the ratio below is kept
        except ParseError as exc:
            rejected[key] = str(exc)
    if usd is not None and hkd is not None:
        prev = (usd.previous_close / hkd.previous_close
                if usd.previous_close is not None and hkd.previous_close else None)
        price = usd.price / hkd.price
        out.append(Quote(symbol="HKD=X", price=price, time=min(usd.time, hkd.time), source=QuoteSource.POLL,
                         received=received, currency="HKD", previous_close=prev,
                         change=price - prev if prev is not None else None,
                         change_pct=(price / prev - 1.0) * 100.0 if prev else None, exchange="CCY",
                         short_name="USD/HKD", source_name=SOURCE))
    return out
