"""What Tencent's and Sina's quote parsers share: bounds-checked fields, each market's time formats, GBK bodies,
the no-trade / halted rule, and building the Quote.

Both sources answer one record per key, its fields at fixed positions that have grown over the years, so a field
is read by index and a missing or unreadable one is None, never an error and never 0.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from tui.core.sessions import market_of
from tui.model import Quote, QuoteSource
from tui.sanitize import clean_name

SHANGHAI = ZoneInfo("Asia/Shanghai")
HONG_KONG = ZoneInfo("Asia/Hong_Kong")
CURRENCY_OF_MARKET = {"HK": "HKD", "SS": "CNY", "SZ": "CNY", "FX": None}
EXCHANGE_OF_MARKET = {"HK": "HKG", "SS": "SHH", "SZ": "SHZ", "FX": "CCY"}  # Yahoo's codes, as on the board


class ParseError(ValueError):
    """A record that cannot be a quote; the message says why (for the log)."""


def decode_body(body: bytes | str) -> str:
    """A reply as text: both sources answer in GBK (gb18030 is its superset, so every byte sequence GBK allows
    decodes); a byte that is not GBK becomes U+FFFD rather than failing the whole reply."""
    if isinstance(body, str):
        return body
    return body.decode("gb18030", errors="replace")


class Fields:
    """One record's fields with bounds-checked, typed access."""

    __slots__ = ("key", "values")

    def __init__(self, key: str, values: Sequence[str]) -> None:
        self.key = key
        self.values = values

    def __len__(self) -> int:
        return len(self.values)

    def text(self, i: int) -> str | None:
        if 0 <= i < len(self.values):
            v = self.values[i].strip()
            return v or None
        return None

    def num(self, i: int) -> float | None:
        """A finite number at `i`, else None (absent, empty, not a number, NaN or infinite)."""
        v = self.text(i)
        if v is None:
            return None
        try:
            f = float(v)
        except ValueError:
            return None
        return f if math.isfinite(f) else None

    def positive(self, i: int) -> float | None:
        f = self.num(i)
        return f if f is not None and f > 0 else None

    def name(self, i: int) -> str | None:
        v = self.text(i)
        if v is None or v.upper() == "NULL":
            return None
        return clean_name(v) or None


def parse_local(text: str | None, formats: Sequence[str], tz: ZoneInfo) -> float | None:
    """POSIX seconds of a local date-time in one of `formats`, None when it is not one."""
    if not text:
        return None
    for fmt in formats:
        try:
            local = dt.datetime.strptime(text.strip(), fmt)
        except ValueError:
            continue
        return local.replace(tzinfo=tz).timestamp()
    return None


def quote_of(symbol: str, *, source_name: str, received: float, last: float | None, previous_close: float | None,
             time: float | None, volume: float | None, open_: float | None = None, high: float | None = None,
             low: float | None = None, change: float | None = None, change_pct: float | None = None,
             name: str | None = None, currency: str | None = None, delay_minutes: int = 0,
             is_index: bool = False) -> Quote:
    """The Quote a record says, with the no-trade / halted rule: when nothing traded today (volume 0 and the last
    price 0 or equal to the previous close) or the last price is missing, the price shown is the previous close,
    marked `no_trade`, and the day's change and range are unknown (None), never a fake -100 %."""
    if time is None:
        raise ParseError("no readable time")
    traded = last is not None and last > 0
    idle = volume is not None and volume <= 0 and not is_index
    no_trade = not traded or (idle and (previous_close is not None and last == previous_close))
    if no_trade:
        if previous_close is None or previous_close <= 0:
            raise ParseError("neither a last price nor a previous close")
        price = previous_close
        change = change_pct = None
        open_ = high = low = None
        volume = 0 if volume is not None else None
    else:
        price = last
        if change is None and previous_close:
            change = price - previous_close
        if change_pct is None and change is not None and previous_close:
            change_pct = change / previous_close * 100.0
    market = market_of(symbol)
    return Quote(
        symbol=symbol,
        price=float(price),
        time=time,
        source=QuoteSource.POLL,
        received=received,
        currency=currency or CURRENCY_OF_MARKET.get(market.code),
        change=change,
        change_pct=change_pct,
        previous_close=previous_close,
        open=open_ if open_ and open_ > 0 else None,
        day_high=high if high and high > 0 else None,
        day_low=low if low and low > 0 else None,
        volume=int(volume) if volume is not None and volume >= 0 else None,
        exchange=EXCHANGE_OF_MARKET.get(market.code),
        short_name=name,
        delay_minutes=delay_minutes,
        source_name=source_name,
        no_trade=no_trade,
    )


def currency_code(text: str | None) -> str | None:
    """A three-letter currency code, or None (the field holds something else in an older layout)."""
    if text and len(text) == 3 and text.isascii() and text.isalpha() and text.isupper():
        return text
    return None
