"""Parsers for Yahoo Finance's answers: streamer frames, v7 quote, v10 quoteSummary, v8 chart. No I/O.

Choices kept here, so every caller agrees:
- A Quote's price, change and previous close are always the *regular session's*: the day's change against the
  previous session's close, from the open until the next session begins. v7 carries them as regularMarket*, also
  in pre- and post-market; its preMarket*/postMarket* fields (the move against the last regular close) become the
  Quote's ext_* fields, the later of the two when it is no older than the regular trade.
- Streamer frames outside the regular session (market_hours 0 pre, 2 post, 3 extended/overnight) carry the
  extended-hours trade and its move against the last regular close: they become `extended_only` Quotes, whose
  ext_* fields are the frame's and whose regular fields are only derived (the store keeps the regular figures it
  has). Their previous_close (the regular close the move is measured from) is never taken as the previous close.
  Currencies, crypto, indices and futures have no extended session: their frames are always regular.
- marketState PREPRE (before pre-market) and POSTPOST (after post-market) map to CLOSED: nothing trades then.
- Streamer market_hours: 0 pre (also what a missing field means), 1 regular, 2 post, 3 "extended" (overnight
  trading outside pre/post) → market_state CLOSED, since the exchange's sessions are all shut.
- Float32 numbers (every streamer price, chart bars) are turned into the shortest decimal that is the same
  float32 (24.5349998… → 24.535). `price_hint` is a display hint, not a rounding rule: 24.535 has hint 2.
- Chart bars with a null close are skipped.
- Every text taken from an answer (names, codes, error descriptions) goes through tui/sanitize.py here, where it
  enters the model: a name carrying an escape sequence or a bidi override never reaches the store, the screen, a
  file or the log. A stream frame's text is cleaned once per distinct value (a frame repeats its symbol's text).
"""

from __future__ import annotations

import binascii
import json
import math
import re
import struct
from collections.abc import Mapping
from dataclasses import fields, replace
from typing import Any

from tui.core.sessions import market_of, state_at
from tui.feeds.pricing import PricingData
from tui.model import EXT_OVERNIGHT, EXT_POST, EXT_PRE, Bar, Fundamentals, MarketState, Quote, QuoteSource
from tui.sanitize import clean_message, clean_name


class FrameError(ValueError):
    """A streamer frame that cannot be turned into a Quote; `reason` says why (cleaned: it may quote the frame)."""

    def __init__(self, reason: str) -> None:
        reason = clean_message(reason)
        super().__init__(reason)
        self.reason = reason


class YahooError(Exception):
    """Yahoo answered with an error envelope (or something that is not the expected document). The code and the
    description are the server's words, cleaned: they reach the status line, stderr and the log."""

    def __init__(self, code: str, description: str = "") -> None:
        code, description = clean_name(code), clean_message(description)
        super().__init__(f"{code}: {description}" if description else code)
        self.code = code
        self.description = description


class NotFound(YahooError):
    """Yahoo does not know the symbol."""


# -- numbers ---------------------------------------------------------------------------------------------

_F32 = struct.Struct("<f")
_f32_bits = _F32.pack
_SIGNIFICANT = (".6g", ".7g", ".8g", ".9g")  # the candidates _shortest_f32 tries, shortest first

_SHORTEST: dict[float, float] = {}  # a stream frame repeats most of its symbol's last values
_SHORTEST_MAX = 65_536


def shortest_f32(x: float) -> float:
    """The shortest decimal that is the same float32 as `x` (`x` is a float32 widened to a double)."""
    held = _SHORTEST.get(x)
    if held is not None:
        return held
    out = _shortest_f32(x)
    if x != 0 and math.isfinite(x):  # zeros keep their sign; NaN never equals itself
        if len(_SHORTEST) >= _SHORTEST_MAX:
            _SHORTEST.clear()
        _SHORTEST[x] = out
    return out


def _shortest_f32(x: float) -> float:
    if not math.isfinite(x) or x == 0:
        return x
    try:
        bits = _f32_bits(x)
    except OverflowError:
        return x
    for spec in _SIGNIFICANT:
        candidate = float(format(x, spec))
        if _f32_bits(candidate) == bits:
            return candidate
    return x


def _f32_field(v: float) -> float | None:
    """A streamer float32 field: None when zero (protobuf's "absent") or not finite, else shortest_f32(v)."""
    held = _SHORTEST.get(v)
    if held is not None:  # the memory holds finite non-zero values only: the common case, decided at once
        return held
    v = float(v)
    if v == 0 or not math.isfinite(v):
        return None
    return shortest_f32(v)


def _is_exact_f32(x: float) -> bool:
    try:
        return _F32.unpack(_F32.pack(x))[0] == x
    except OverflowError:
        return False


def _clean_f32(x: float) -> float:
    """Chart values: float32 widened to double become the short decimal; true doubles stay as they are."""
    return shortest_f32(x) if _is_exact_f32(x) else x


def _raw(value: Any) -> Any:
    """quoteSummary values come plain or as {"raw": 1.0, "fmt": "1.00"} (or {} for none)."""
    if isinstance(value, Mapping):
        return value.get("raw")
    return value


def _num(value: Any) -> float | None:
    value = _raw(value)
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        f = float(value)
        return f if math.isfinite(f) else None
    if isinstance(value, str):
        try:
            f = float(value)
        except ValueError:
            return None
        return f if math.isfinite(f) else None
    return None


def _int(value: Any) -> int | None:
    f = _num(value)
    return int(f) if f is not None else None


def _str(value: Any) -> str | None:
    """A text field (a name, a code): cleaned and stripped, None when absent or empty."""
    value = _raw(value)
    if isinstance(value, str):
        return clean_name(value) or None
    return None


_CLEANED: dict[str, str | None] = {}  # a stream frame's text field -> its cleaned value (None when empty)
_CLEANED_MAX = 4096
_CLEANED_LONGEST = 256  # longer text is cleaned every time rather than held (a hostile source could send many)


def _frame_text(value: str) -> str | None:
    """A stream frame's text field (short name, currency, exchange), cleaned: once per distinct value, since
    this runs for every frame and a symbol's frames repeat the same text."""
    held = _CLEANED.get(value, _CLEANED)
    if held is not _CLEANED:
        return held  # type: ignore[return-value]
    out = clean_name(value) or None
    if len(value) <= _CLEANED_LONGEST:
        if len(_CLEANED) >= _CLEANED_MAX:
            _CLEANED.clear()
        _CLEANED[value] = out
    return out


# -- market states ---------------------------------------------------------------------------------------

_V7_STATES = {
    "PREPRE": MarketState.CLOSED,
    "PRE": MarketState.PRE,
    "REGULAR": MarketState.REGULAR,
    "POST": MarketState.POST,
    "POSTPOST": MarketState.CLOSED,
    "CLOSED": MarketState.CLOSED,
}

_STREAM = QuoteSource.STREAM
_STREAM_STATES = {0: MarketState.PRE, 1: MarketState.REGULAR, 2: MarketState.POST, 3: MarketState.CLOSED}
_STREAM_EXTENDED = {0: EXT_PRE, 2: EXT_POST, 3: EXT_OVERNIGHT}
# Yahoo's QuoteType codes of instruments with no extended session (currency, index, future, crypto): their frames
# are regular whatever market_hours says (a missing field reads as 0, "pre")
_NO_EXTENDED_SESSION = frozenset({9, 14, 18, 41})


def market_state_of(text: str | None) -> MarketState | None:
    """Yahoo's v7/v10 marketState → MarketState (None when absent or unknown)."""
    if not text:
        return None
    return _V7_STATES.get(text.upper())


# -- streamer frames -------------------------------------------------------------------------------------


# How Yahoo (and the simulator) write every frame: the message is then taken as it stands, without json.loads,
# which costs several times as much. Any other spelling (spaces, key order, escapes) goes through
# json.loads, to the same result.
_PLAIN_FRAME = re.compile(r'\{"type":"pricing","message":"([A-Za-z0-9+/=]*)"\}')


def _frame_message(text: str | bytes) -> str:
    """The base64 message of a pricing envelope, or FrameError."""
    try:
        if isinstance(text, (bytes, bytearray)):
            text = text.decode("utf-8")
        plain = _PLAIN_FRAME.fullmatch(text)
        if plain is not None:
            return plain[1]
        envelope = json.loads(text)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise FrameError(f"not JSON: {type(exc).__name__}") from None
    message = envelope.get("message") if isinstance(envelope, dict) else None
    if not isinstance(message, str):
        raise FrameError("not a pricing envelope")
    kind = envelope.get("type", "pricing")
    if kind != "pricing":
        raise FrameError(f"not a pricing envelope: type {clean_name(str(kind))[:40]!r}")
    return message


def parse_stream_frame(text: str | bytes, received: float, *, max_ahead: float | None = None) -> Quote:
    """One streamer frame `{"type":"pricing","message":"<base64 PricingData>"}` → Quote, or FrameError.

    With `max_ahead`, a trade time more than that many seconds after `received` is rejected: one such frame
    would otherwise hide every real quote after it (the store keeps the newest time).
    """
    message = _frame_message(text)
    try:
        # what base64.b64decode(message, validate=True) does, without its Python-level wrapping
        payload = binascii.a2b_base64(message, strict_mode=True)
    except (binascii.Error, ValueError):
        raise FrameError("bad base64") from None
    try:
        msg = PricingData.FromString(payload)
    except Exception:  # noqa: BLE001 - protobuf's DecodeError and friends
        raise FrameError("bad protobuf") from None
    quote = quote_from_pricing(msg, received)
    if max_ahead is not None and quote.time > received + max_ahead:
        raise FrameError(f"time in the future for {quote.symbol}: {quote.time - received:.0f} s ahead")
    return quote


def quote_from_pricing(msg: Any, received: float) -> Quote:
    """A decoded PricingData → Quote. Fields are read from the message itself (64-bit ints stay ints)."""
    symbol = msg.id.strip()
    if not symbol:
        raise FrameError("no id")
    if not symbol.isprintable() or len(symbol) > 32:  # no symbol of any exchange looks like that
        raise FrameError(f"bad id {clean_name(symbol)[:40]!r}")
    price = float(msg.price)
    if not math.isfinite(price) or price <= 0:
        raise FrameError(f"bad price for {symbol}: {price!r}")
    when = msg.time
    if when <= 0:
        raise FrameError(f"no time for {symbol}")
    volume = msg.day_volume
    hours = int(msg.market_hours)
    if (hours in _STREAM_EXTENDED and int(msg.quote_type) not in _NO_EXTENDED_SESSION
            and not (hours == 0 and _in_regular_hours(symbol, when / 1000.0))):
        return _extended_quote(msg, symbol, shortest_f32(price), when / 1000.0, received, hours)
    # every field read once, float32 ones through _f32_field (this runs for every frame)
    return Quote(
        symbol=symbol,
        price=shortest_f32(price),
        time=when / 1000.0,
        source=_STREAM,
        received=received,
        currency=_frame_text(msg.currency),
        change=_f32_field(msg.change),
        change_pct=_f32_field(msg.change_percent),
        previous_close=_f32_field(msg.previous_close),
        open=_f32_field(msg.open_price),
        day_high=_f32_field(msg.day_high),
        day_low=_f32_field(msg.day_low),
        volume=int(volume) if volume > 0 else None,
        exchange=_frame_text(msg.exchange),
        market_state=_STREAM_STATES.get(int(msg.market_hours)),
        short_name=_frame_text(msg.short_name),
    )


def _in_regular_hours(symbol: str, t: float) -> bool:
    """Whether `t` is in (or at the lunch break of) the regular session of `symbol`'s market. A missing
    market_hours reads as 0, "pre": a trade stamped inside the session is a regular one all the same."""
    try:
        state = state_at(market_of(symbol), t)
    except (OverflowError, ValueError, OSError):  # a time no calendar holds (the frame is refused later)
        return False
    return state is MarketState.REGULAR or state is MarketState.BREAK


def _extended_quote(msg: Any, symbol: str, price: float, when: float, received: float, hours: int) -> Quote:
    """An extended-hours frame: the trade and its move (against the last regular close) go to ext_*; the regular
    price is derived as the trade less its move (the trade itself when the frame reports no move: protobuf drops
    a zero), with no change, previous close or day figures of its own."""
    change = _f32_field(msg.change)
    pct = _f32_field(msg.change_percent)
    if change is not None:
        base = price - change
    elif pct is not None and pct > -100:
        base = price / (1.0 + pct / 100.0)
    else:
        base = price
    if not math.isfinite(base) or base <= 0:
        base = price
    hint = int(msg.price_hint)
    if base != price and 0 < hint <= 6:  # the close as Yahoo printed it, not a float32 difference
        base = round(base, hint)
    return Quote(
        symbol=symbol,
        price=base,
        time=when,
        source=_STREAM,
        received=received,
        currency=_frame_text(msg.currency),
        exchange=_frame_text(msg.exchange),
        market_state=_STREAM_STATES.get(hours),
        short_name=_frame_text(msg.short_name),
        ext_session=_STREAM_EXTENDED[hours],
        ext_price=price,
        ext_change=change,
        ext_change_pct=pct,
        ext_time=when,
        extended_only=True,
    )


# -- v7 quote --------------------------------------------------------------------------------------------


def _envelope(doc: Any, key: str) -> Any:
    """The `result` of Yahoo's `{key: {"result": ..., "error": ...}}`, raising YahooError on error envelopes."""
    if not isinstance(doc, Mapping):
        raise YahooError("BadDocument", f"expected a JSON object with {key!r}")
    if key not in doc:
        # auth and rate errors come as {"finance": {"error": {...}}}
        err = doc.get("finance", {}).get("error") if isinstance(doc.get("finance"), Mapping) else None
        if isinstance(err, Mapping):
            raise YahooError(str(err.get("code") or "Error"), str(err.get("description") or ""))
        raise YahooError("BadDocument", f"no {key!r} in the answer")
    inner = doc[key]
    if not isinstance(inner, Mapping):
        raise YahooError("BadDocument", f"{key!r} is not an object")
    err = inner.get("error")
    if err:
        code = str(err.get("code") or "Error") if isinstance(err, Mapping) else "Error"
        desc = str(err.get("description") or "") if isinstance(err, Mapping) else str(err)
        cls = NotFound if code.lower().replace(" ", "") == "notfound" else YahooError
        raise cls(code, desc)
    return inner.get("result")


def parse_v7_quote(doc: Mapping[str, Any], received: float) -> tuple[list[Quote], list[Fundamentals]]:
    """`{"quoteResponse": {"result": [...]}}` → quotes and the fundamentals the quote carries.

    A result without a usable regularMarketPrice/regularMarketTime gives no Quote (the caller sees the
    symbol as missing) but may still give Fundamentals.
    """
    result = _envelope(doc, "quoteResponse")
    if result is None:
        return [], []
    if not isinstance(result, list):
        raise YahooError("BadDocument", "quoteResponse.result is not a list")
    quotes: list[Quote] = []
    funds: list[Fundamentals] = []
    for item in result:
        if not isinstance(item, Mapping):
            continue
        symbol = _str(item.get("symbol"))
        if symbol is None:
            continue
        q = _v7_quote(symbol, item, received)
        if q is not None:
            quotes.append(q)
        funds.append(_v7_fundamentals(symbol, item, received))
    return quotes, funds


def _v7_quote(symbol: str, item: Mapping[str, Any], received: float) -> Quote | None:
    price = _num(item.get("regularMarketPrice"))
    when = _num(item.get("regularMarketTime"))
    if price is None or price <= 0 or when is None or when <= 0:
        return None
    if when > 1e11:  # milliseconds slipped in somewhere
        when /= 1000.0
    volume = _int(item.get("regularMarketVolume"))
    ext = _v7_extended(item, when)
    return Quote(
        symbol=symbol,
        price=price,
        time=when,
        source=QuoteSource.REST,
        received=received,
        currency=_str(item.get("currency")),
        change=_num(item.get("regularMarketChange")),
        change_pct=_num(item.get("regularMarketChangePercent")),
        previous_close=_num(item.get("regularMarketPreviousClose")),
        open=_num(item.get("regularMarketOpen")),
        day_high=_num(item.get("regularMarketDayHigh")),
        day_low=_num(item.get("regularMarketDayLow")),
        volume=volume if volume is not None and volume >= 0 else None,
        exchange=_str(item.get("exchange")),
        market_state=market_state_of(_str(item.get("marketState"))),
        short_name=_str(item.get("shortName")) or _str(item.get("longName")),
        delay_minutes=_int(item.get("exchangeDataDelayedBy")) or 0,
        **ext,
    )


def _v7_extended(item: Mapping[str, Any], regular_time: float) -> dict[str, Any]:
    """The Quote's ext_* fields from v7's preMarket* / postMarket*: the later of the two trades, when it is no
    older than the regular trade (Yahoo keeps this morning's pre-market fields through the session)."""
    best: dict[str, Any] = {}
    for session, prefix in ((EXT_PRE, "preMarket"), (EXT_POST, "postMarket")):
        price = _num(item.get(prefix + "Price"))
        when = _num(item.get(prefix + "Time"))
        if price is None or price <= 0 or when is None or when <= 0:
            continue
        if when > 1e11:
            when /= 1000.0
        if when < regular_time or (best and when <= best["ext_time"]):
            continue
        best = {"ext_session": session, "ext_price": price, "ext_time": when,
                "ext_change": _num(item.get(prefix + "Change")),
                "ext_change_pct": _num(item.get(prefix + "ChangePercent"))}
    return best


def _v7_fundamentals(symbol: str, item: Mapping[str, Any], fetched: float) -> Fundamentals:
    extra: dict[str, float | str | None] = {}
    for key, name in (("quoteType", "quote_type"), ("fullExchangeName", "exchange_name")):
        if (v := _str(item.get(key))) is not None:
            extra[name] = v
    for key, name in (("trailingPE", "yahoo_trailing_pe"), ("forwardPE", "yahoo_forward_pe")):
        if (n := _num(item.get(key))) is not None:
            extra[name] = n
    return Fundamentals(
        symbol=symbol,
        as_of=fetched,
        currency=_str(item.get("currency")),
        financial_currency=_str(item.get("financialCurrency")),
        shares_outstanding=_num(item.get("sharesOutstanding")),
        market_cap=_num(item.get("marketCap")),
        eps_ttm=_num(item.get("epsTrailingTwelveMonths")),
        eps_forward=_num(item.get("epsForward")),
        long_name=_str(item.get("longName")) or _str(item.get("shortName")),
        exchange=_str(item.get("exchange")),
        delay_minutes=_int(item.get("exchangeDataDelayedBy")) or 0,
        extra=extra,
    )


# -- v10 quoteSummary ------------------------------------------------------------------------------------

SUMMARY_MODULES = ("price", "summaryDetail", "defaultKeyStatistics", "financialData")


def parse_quote_summary(doc: Mapping[str, Any], symbol: str, fetched: float) -> Fundamentals:
    """`{"quoteSummary": {"result": [{module: {...}}, ...]}}` → Fundamentals (modules merged)."""
    result = _envelope(doc, "quoteSummary")
    if not result:
        raise NotFound("Not Found", f"no quoteSummary result for {symbol}")
    if not isinstance(result, list):
        raise YahooError("BadDocument", "quoteSummary.result is not a list")
    mods: dict[str, Mapping[str, Any]] = {}
    for part in result:
        if isinstance(part, Mapping):
            for name, body in part.items():
                if isinstance(body, Mapping):
                    mods.setdefault(name, body)
    if not any(m in mods for m in SUMMARY_MODULES):
        raise YahooError(
            "BadDocument", f"quoteSummary for {symbol} holds none of {', '.join(SUMMARY_MODULES)}"
        )
    price = mods.get("price", {})
    detail = mods.get("summaryDetail", {})
    stats = mods.get("defaultKeyStatistics", {})
    fin = mods.get("financialData", {})

    def first(*pairs: tuple[Mapping[str, Any], str]) -> float | None:
        for module, key in pairs:
            if (v := _num(module.get(key))) is not None:
                return v
        return None

    def first_str(*pairs: tuple[Mapping[str, Any], str]) -> str | None:
        for module, key in pairs:
            if (v := _str(module.get(key))) is not None:
                return v
        return None

    extra: dict[str, float | str | None] = {}
    for module, key, name in (
        (stats, "impliedSharesOutstanding", "implied_shares_outstanding"),
        (stats, "floatShares", "float_shares"),
        (stats, "enterpriseValue", "yahoo_enterprise_value"),
        (stats, "bookValue", "book_value_per_share"),
        (detail, "trailingPE", "yahoo_trailing_pe"),
        (detail, "forwardPE", "yahoo_forward_pe"),
        (detail, "dividendYield", "dividend_yield"),
        (detail, "beta", "beta"),
        (fin, "grossProfits", "gross_profits"),
        (fin, "freeCashflow", "free_cashflow"),
        (fin, "operatingCashflow", "operating_cashflow"),
        (stats, "lastFiscalYearEnd", "last_fiscal_year_end"),
        (stats, "mostRecentQuarter", "most_recent_quarter"),
    ):
        if (v := _num(module.get(key))) is not None:
            extra[name] = v
    if (qt := first_str((price, "quoteType"))) is not None:
        extra["quote_type"] = qt
    if (ms := first_str((price, "marketState"))) is not None:
        extra["market_state"] = ms

    return Fundamentals(
        symbol=first_str((price, "symbol")) or symbol,
        as_of=fetched,
        currency=first_str((price, "currency"), (detail, "currency")),
        financial_currency=first_str((fin, "financialCurrency")),
        shares_outstanding=first((stats, "sharesOutstanding")),
        market_cap=first((price, "marketCap"), (detail, "marketCap")),
        eps_ttm=first((stats, "trailingEps")),
        eps_forward=first((stats, "forwardEps")),
        net_income_ttm=first((stats, "netIncomeToCommon")),
        revenue_ttm=first((fin, "totalRevenue")),
        ebitda=first((fin, "ebitda")),
        total_debt=first((fin, "totalDebt")),
        total_cash=first((fin, "totalCash")),
        long_name=first_str((price, "longName"), (price, "shortName")),
        exchange=first_str((price, "exchange")),
        delay_minutes=_int(price.get("exchangeDataDelayedBy")) or 0,
        extra=extra,
    )


def merge_fundamentals(old: Fundamentals | None, new: Fundamentals) -> Fundamentals:
    """`new` over `old`: fields `new` leaves None keep their old value (a v7 quote has no revenue)."""
    if old is None or old.symbol != new.symbol:
        return new
    changes: dict[str, Any] = {}
    for f in fields(Fundamentals):
        if f.name in ("symbol", "as_of", "extra", "delay_minutes"):
            continue
        if getattr(new, f.name) is None and getattr(old, f.name) is not None:
            changes[f.name] = getattr(old, f.name)
    if new.delay_minutes == 0 and old.delay_minutes:
        changes["delay_minutes"] = old.delay_minutes
    changes["extra"] = {**old.extra, **new.extra}
    return replace(new, **changes)


# -- v8 chart --------------------------------------------------------------------------------------------


def parse_chart(doc: Mapping[str, Any]) -> tuple[dict[str, Any], list[Bar]]:
    """`{"chart": {"result": [{meta, timestamp, indicators}]}}` → (meta, bars oldest first, null closes skipped)."""
    result = _envelope(doc, "chart")
    if not result or not isinstance(result, list) or not isinstance(result[0], Mapping):
        raise NotFound("Not Found", "no chart result")
    res = result[0]
    meta = res.get("meta")
    meta = dict(meta) if isinstance(meta, Mapping) else {}
    stamps = res.get("timestamp")
    if not isinstance(stamps, list):  # absent (no trades in the range) or not what Yahoo sends
        stamps = []
    indicators = res.get("indicators")
    quotes = indicators.get("quote") if isinstance(indicators, Mapping) else None
    q = quotes[0] if isinstance(quotes, list) and quotes and isinstance(quotes[0], Mapping) else {}

    def col(name: str) -> list[Any]:
        values = q.get(name)
        return list(values) if isinstance(values, list) else []

    opens, highs, lows, closes, vols = col("open"), col("high"), col("low"), col("close"), col("volume")

    def at(values: list[Any], i: int) -> float | None:
        if i >= len(values):
            return None
        v = _num(values[i])
        return _clean_f32(v) if v is not None else None

    bars: list[Bar] = []
    for i, stamp in enumerate(stamps):
        t = _num(stamp)
        close = at(closes, i)
        if t is None or close is None:
            continue
        vol = _int(vols[i]) if i < len(vols) else None
        bars.append(
            Bar(time=t, open=at(opens, i), high=at(highs, i), low=at(lows, i), close=close, volume=vol)
        )
    bars.sort(key=lambda b: b.time)
    return meta, bars
