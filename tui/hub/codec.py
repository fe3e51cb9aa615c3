"""The model's objects as compact JSON for Redis, and back.

Encoding is ours; decoding reads what any process with write access to Redis may have put there, so it is a
parser of outside data like the feeds' (tui/feeds/yahoo_parse.py): every field is type-checked, a malformed entry
is rejected whole and counted (`Rejects`), and every string passes tui/sanitize.py on the way in. A quote keeps
every label it had at the hub: its provider (`source_name`), its path, its delay (declared or measured), its
exchange time (staleness is judged from it on the client, as for a direct feed) and whether it is simulated.

A quote is an object of short keys (`QUOTE_FIELDS`), defaults left out: ~120 bytes of JSON.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from collections.abc import Mapping
from typing import Any

from tui.core.statements import Statements, statements_from_data, statements_to_data
from tui.core.store import INTRADAY_POINTS
from tui.model import Bar, Fundamentals, MarketState, Quote, QuoteSource
from tui.sanitize import clean_name

# Yahoo's symbols and the simulator's: NVDA, BRK-B, 0981.HK, ^GSPC, HKD=X, ES=F (no space, no control, short)
SYMBOL = re.compile(r"^[A-Za-z0-9^][A-Za-z0-9.\-=^]{0,23}$")
CURRENCY = re.compile(r"^[A-Za-z]{3}$")

# short key -> (Quote field, kind). Kinds: f float, i int, s str (cleaned), b bool, src/ms enums
QUOTE_FIELDS: dict[str, tuple[str, str]] = {
    "p": ("price", "f"), "t": ("time", "f"), "r": ("received", "f"), "via": ("source", "src"),
    "cur": ("currency", "cur"), "ch": ("change", "f"), "chp": ("change_pct", "f"), "pc": ("previous_close", "f"),
    "o": ("open", "f"), "hi": ("day_high", "f"), "lo": ("day_low", "f"), "v": ("volume", "i"),
    "x": ("exchange", "s"), "ms": ("market_state", "ms"), "n": ("short_name", "s"), "d": ("delay_minutes", "i"),
    "src": ("source_name", "s"), "dm": ("delay_measured", "b"), "nt": ("no_trade", "b"),
    "es": ("ext_session", "s"), "ep": ("ext_price", "f"), "ech": ("ext_change", "f"),
    "echp": ("ext_change_pct", "f"), "et": ("ext_time", "f"), "eo": ("extended_only", "b"),
}
REQUIRED = ("p", "t", "r", "via", "src")
_QUOTE_DEFAULTS = {name: Quote.__dataclass_fields__[name].default for name, _ in QUOTE_FIELDS.values()
                   if name not in ("symbol", "price", "time", "source", "received")}

FUNDAMENTAL_FIELDS: dict[str, str] = {
    "as_of": "f", "currency": "cur", "financial_currency": "cur", "shares_outstanding": "f", "market_cap": "f",
    "eps_ttm": "f", "eps_forward": "f", "net_income_ttm": "f", "revenue_ttm": "f", "ebitda": "f", "total_debt": "f",
    "total_cash": "f", "long_name": "s", "exchange": "s", "delay_minutes": "i",
}
MAX_BARS = 20_000
MAX_EXTRA = 200


class Malformed(ValueError):
    """An entry from Redis that is not what it claims to be."""


class Rejects:
    """Malformed entries read from Redis, by kind (shown as the client's rejected count)."""

    def __init__(self) -> None:
        self.count = 0
        self.by_kind: dict[str, int] = {}
        self.last: str | None = None

    def add(self, kind: str, why: object) -> None:
        self.count += 1
        self.by_kind[kind] = self.by_kind.get(kind, 0) + 1
        self.last = clean_name(f"{kind}: {why}")


def dumps(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":"), allow_nan=False).encode()


def loads(raw: bytes | str) -> Any:
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise Malformed(f"not JSON ({exc.__class__.__name__})") from None


# -- checks ---------------------------------------------------------------------------------------------------
def _value(kind: str, v: Any, where: str) -> Any:
    if v is None:
        return None
    if kind == "f":
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise Malformed(f"{where}: not a number")
        return float(v)
    if kind == "i":
        if isinstance(v, bool) or not isinstance(v, int):
            raise Malformed(f"{where}: not an integer")
        return v
    if kind == "b":
        if not isinstance(v, bool):
            raise Malformed(f"{where}: not true/false")
        return v
    if kind == "s":
        if not isinstance(v, str):
            raise Malformed(f"{where}: not a string")
        return clean_name(v)
    if kind == "cur":
        if not isinstance(v, str) or not CURRENCY.match(v):
            raise Malformed(f"{where}: not a currency code")
        return v.upper()
    if kind == "src":
        try:
            return QuoteSource(v)
        except ValueError:
            raise Malformed(f"{where}: unknown path") from None
    if kind == "ms":
        try:
            return MarketState(v)
        except ValueError:
            raise Malformed(f"{where}: unknown market state") from None
    raise AssertionError(kind)


def symbol_of(v: Any) -> str:
    if not isinstance(v, str) or not SYMBOL.match(v):
        raise Malformed("not a symbol")
    return v


# -- quotes ---------------------------------------------------------------------------------------------------
def quote_to_data(q: Quote, simulated: bool = False) -> dict:
    out: dict[str, Any] = {"s": q.symbol}
    for short, (name, kind) in QUOTE_FIELDS.items():
        v = getattr(q, name)
        if short not in REQUIRED and v == _QUOTE_DEFAULTS.get(name):
            continue
        if kind in ("f",) and v is not None and not math.isfinite(v):
            continue  # JSON has no NaN; absent reads as None
        out[short] = v.value if kind in ("src", "ms") and v is not None else v
    if simulated:
        out["sim"] = True
    return out


def quote_from_data(d: Any) -> tuple[Quote, bool]:
    """(Quote, simulated) from quote_to_data's object; Malformed on anything else."""
    if not isinstance(d, dict):
        raise Malformed("quote: not an object")
    kw: dict[str, Any] = {"symbol": symbol_of(d.get("s"))}
    for short in REQUIRED:
        if d.get(short) is None:
            raise Malformed(f"quote {kw['symbol']}: no {short}")
    for short, v in d.items():
        if short in ("s", "sim"):
            continue
        spec = QUOTE_FIELDS.get(short)
        if spec is None:
            continue  # a newer hub's field: ignored
        name, kind = spec
        value = _value(kind, v, f"quote {kw['symbol']}.{short}")
        if value is None and name in _QUOTE_DEFAULTS and _QUOTE_DEFAULTS[name] is not None:
            continue
        kw[name] = value
    if kw["price"] <= 0:
        raise Malformed(f"quote {kw['symbol']}: price not positive")
    if not kw["source_name"]:
        raise Malformed(f"quote {kw['symbol']}: no source name")
    sim = d.get("sim", False)
    if not isinstance(sim, bool):
        raise Malformed(f"quote {kw['symbol']}: sim not true/false")
    return Quote(**kw), sim


# -- fundamentals ---------------------------------------------------------------------------------------------
def fundamentals_to_data(f: Fundamentals) -> dict:
    out: dict[str, Any] = {"s": f.symbol}
    for name in FUNDAMENTAL_FIELDS:
        v = getattr(f, name)
        if isinstance(v, float) and not math.isfinite(v):
            continue
        if v is not None:
            out[name] = v
    extra = {k: v for k, v in f.extra.items()
             if isinstance(k, str) and (v is None or isinstance(v, str)
                                        or (isinstance(v, (int, float)) and not isinstance(v, bool)
                                            and math.isfinite(v)))}
    if extra:
        out["extra"] = extra
    return out


def fundamentals_from_data(d: Any) -> Fundamentals:
    if not isinstance(d, dict):
        raise Malformed("fundamentals: not an object")
    kw: dict[str, Any] = {"symbol": symbol_of(d.get("s"))}
    for name, kind in FUNDAMENTAL_FIELDS.items():
        if name in d:
            v = _value(kind, d[name], f"fundamentals {kw['symbol']}.{name}")
            if v is not None:
                kw[name] = v
    if "as_of" not in kw:
        raise Malformed(f"fundamentals {kw['symbol']}: no as_of")
    extra = d.get("extra") or {}
    if not isinstance(extra, dict) or len(extra) > MAX_EXTRA:
        raise Malformed(f"fundamentals {kw['symbol']}: extra not an object")
    clean_extra: dict[str, float | str | None] = {}
    for k, v in extra.items():
        if isinstance(v, str):
            clean_extra[clean_name(k)] = clean_name(v)
        elif v is None or (isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)):
            clean_extra[clean_name(k)] = v
        else:
            raise Malformed(f"fundamentals {kw['symbol']}: extra {clean_name(k)!r} not a number or text")
    kw["extra"] = clean_extra
    return Fundamentals(**kw)


# -- daily history --------------------------------------------------------------------------------------------
def history_to_data(symbol: str, bars: list[Bar]) -> dict:
    return {"s": symbol, "bars": [[b.time, b.open, b.high, b.low, b.close, b.volume] for b in bars
                                  if all(v is None or math.isfinite(v) for v in (b.time, b.open, b.high, b.low,
                                                                                  b.close))]}


def history_from_data(d: Any) -> tuple[str, list[Bar]]:
    if not isinstance(d, dict):
        raise Malformed("history: not an object")
    symbol = symbol_of(d.get("s"))
    rows = d.get("bars")
    if not isinstance(rows, list) or len(rows) > MAX_BARS:
        raise Malformed(f"history {symbol}: bars not a list")
    bars = []
    for row in rows:
        if not isinstance(row, list) or len(row) != 6:
            raise Malformed(f"history {symbol}: a bar is not [t, o, h, l, c, v]")
        t = _value("f", row[0], f"history {symbol}.time")
        if t is None:
            raise Malformed(f"history {symbol}: a bar without time")
        o, h, lo, c = (_value("f", v, f"history {symbol}.price") for v in row[1:5])
        bars.append(Bar(t, o, h, lo, c, _value("i", row[5], f"history {symbol}.volume")))
    if any(b.time < a.time for a, b in itertools.pairwise(bars)):
        raise Malformed(f"history {symbol}: bars out of order")
    return symbol, bars


# -- the intraday line ---------------------------------------------------------------------------------------
def intraday_to_data(symbol: str, points) -> dict:
    """`{"s": symbol, "p": [[time, price], …]}`, oldest first (the store's order, sorted in case a late point was
    appended out of order)."""
    return {"s": symbol, "p": sorted(([t, p] for t, p in points if math.isfinite(t) and math.isfinite(p) and p > 0),
                                     key=lambda point: point[0])}


def intraday_from_data(d: Any) -> tuple[str, list[tuple[float, float]]]:
    if not isinstance(d, dict):
        raise Malformed("intraday: not an object")
    symbol = symbol_of(d.get("s"))
    rows = d.get("p")
    if not isinstance(rows, list) or len(rows) > INTRADAY_POINTS:
        raise Malformed(f"intraday {symbol}: points not a list of at most {INTRADAY_POINTS}")
    points = []
    for row in rows:
        if not isinstance(row, list) or len(row) != 2:
            raise Malformed(f"intraday {symbol}: a point is not [time, price]")
        t, p = (_value("f", v, f"intraday {symbol}.point") for v in row)
        if t is None or p is None or p <= 0:
            raise Malformed(f"intraday {symbol}: a point without time or positive price")
        points.append((t, p))
    if any(b[0] < a[0] for a, b in itertools.pairwise(points)):
        raise Malformed(f"intraday {symbol}: points out of order")
    return symbol, points


# -- statements -----------------------------------------------------------------------------------------------
def statements_to_wire(st: Statements) -> dict:
    return statements_to_data(st)


def statements_from_wire(d: Any) -> Statements:
    if not isinstance(d, dict):
        raise Malformed("statements: not an object")
    symbol_of(d.get("symbol"))
    try:
        return statements_from_data(d)  # periods, lines and currencies checked against known sets there
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise Malformed(f"statements: {clean_name(exc)}") from None


# -- status ---------------------------------------------------------------------------------------------------
def text_or_none(v: Any, limit_name: bool = True) -> str | None:
    if v is None:
        return None
    if not isinstance(v, str):
        raise Malformed("not a string")
    from tui.sanitize import clean_message

    return clean_name(v) if limit_name else clean_message(v)


def decode_quotes(raw: bytes | str | None, rejects: Rejects) -> list[tuple[Quote, bool]]:
    """The quotes of one `{p}q:` key or one tick batch's list; malformed ones counted and left out."""
    if raw is None:
        return []
    try:
        items = loads(raw)
    except Malformed as exc:
        rejects.add("quote", exc)
        return []
    if isinstance(items, Mapping):
        items = items.get("q")
    if not isinstance(items, list):
        rejects.add("quote", "not a list")
        return []
    out = []
    for item in items:
        try:
            out.append(quote_from_data(item))
        except Malformed as exc:
            rejects.add("quote", exc)
    return out
