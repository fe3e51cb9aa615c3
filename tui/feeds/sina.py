"""Sina's quote page, `hq.sinajs.cn`: the fallback when Tencent fails. One GET for many keys, by field index.

    GET https://hq.sinajs.cn/list=rt_hk00981,sh688981,sz002594
    Referer: https://finance.sina.com.cn/       (required since January 2022: else HTTP 403 "Kinsoku jikou desu!")

The reply (GBK) holds one `var hq_str_KEY="v0,v1,…";` per key; an empty value means no data for that key.
Fields (../shared/asia-recorded/README.md), each source's own order:

- A-shares and their indexes (`sh…`, `sz…`, 33 fields and sometimes a trailing empty one): 0 name, 1 open,
  2 previous close, 3 last, 4 high, 5 low, 8 volume (shares), 9 turnover, 30 date `YYYY-MM-DD`, 31 time
  `HH:MM:SS`, Asia/Shanghai.
- Hong Kong (`rt_hk…` real-time, `hk…` 15 minutes late; the Hang Seng is `rt_hkHSI`): 0 English name,
  1 Chinese name, 2 open, 3 previous close, 4 high, 5 low, 6 last, 7 change, 8 change %, 11 turnover,
  12 volume, 17 date `YYYY/MM/DD`, 18 time `HH:MM:SS` (`HH:MM` on the delayed keys), Asia/Hong_Kong.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from tui.feeds.china_fields import HONG_KONG, SHANGHAI, Fields, ParseError, decode_body, parse_local, quote_of
from tui.feeds.china_keys import symbol_of
from tui.model import Quote

SOURCE = "sina"
BASE_URL = "https://hq.sinajs.cn"
REFERER = "https://finance.sina.com.cn/"
A_MIN_FIELDS = 32
HK_MIN_FIELDS = 19
_RECORD = re.compile(r'hq_str_([A-Za-z0-9_]+)="([^"]*)"')
_A_TIME = ("%Y-%m-%d %H:%M:%S",)
_HK_TIME = ("%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M")


def quote_url(base: str, keys: list[str]) -> str:
    return f"{base.rstrip('/')}/list={','.join(keys)}"


@dataclass
class SinaReply:
    quotes: list[Quote] = field(default_factory=list)
    keys: set[str] = field(default_factory=set)  # keys with a non-empty record
    empty: set[str] = field(default_factory=set)  # keys answered with an empty record (no such listing, no data)
    rejected: dict[str, str] = field(default_factory=dict)
    records: int = 0


def split_records(text: str) -> list[tuple[str, str]]:
    return _RECORD.findall(text)


def parse_reply(body: bytes | str, received: float, symbols: Mapping[str, str] | None = None) -> SinaReply:
    reply = SinaReply()
    for key, value in split_records(decode_body(body)):
        reply.records += 1
        if not value.strip():
            reply.empty.add(key)
            continue
        reply.keys.add(key)
        symbol = (symbols or {}).get(key) or symbol_of(key)
        if symbol is None:
            continue
        fields = Fields(key, value.split(","))
        try:
            if key.startswith(("rt_hk", "hk")):
                reply.quotes.append(parse_hk(symbol, fields, received))
            else:
                reply.quotes.append(parse_a_share(symbol, fields, received))
        except ParseError as exc:
            reply.rejected[key] = str(exc)
    return reply


def parse_a_share(symbol: str, f: Fields, received: float) -> Quote:
    if len(f) < A_MIN_FIELDS:
        raise ParseError(f"{len(f)} fields, at least {A_MIN_FIELDS} needed")
    date, clock = f.text(30), f.text(31)
    time = parse_local(f"{date} {clock}" if date and clock else None, _A_TIME, SHANGHAI)
    return quote_of(symbol, source_name=SOURCE, received=received, last=f.num(3), previous_close=f.positive(2),
                    time=time, volume=f.num(8), open_=f.positive(1), high=f.positive(4), low=f.positive(5),
                    name=f.name(0), is_index=symbol == "000001.SS" or symbol.startswith("^"))


def parse_hk(symbol: str, f: Fields, received: float) -> Quote:
    if len(f) < HK_MIN_FIELDS:
        raise ParseError(f"{len(f)} fields, at least {HK_MIN_FIELDS} needed")
    date, clock = f.text(17), f.text(18)
    time = parse_local(f"{date} {clock}" if date and clock else None, _HK_TIME, HONG_KONG)
    return quote_of(symbol, source_name=SOURCE, received=received, last=f.num(6), previous_close=f.positive(3),
                    time=time, volume=f.num(12), open_=f.positive(2), high=f.positive(4), low=f.positive(5),
                    change=f.num(7), change_pct=f.num(8), name=f.name(0) or f.name(1),
                    delay_minutes=15 if f.key.startswith("hk") else 0, is_index=f.key.endswith("HSI"))
