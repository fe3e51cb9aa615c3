"""Markets and their hours: which session each market is in at any instant.

Holidays and early closes come from `tui/data/calendars.toml` (dated, generated from exchange-calendars).
Past a calendar's `valid_through` a market runs on plain weekday hours and `holidays_known` says so.
Times are POSIX seconds; days are the market's local dates.
"""

from __future__ import annotations

import datetime as dt
import math
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

from tui.model import MarketState
from tui.paths import data_dir

T = dt.time


@dataclass(frozen=True)
class Market:
    code: str  # US, HK, SS, SZ, JP, FX
    name: str  # the city shown on the header clock
    tz: ZoneInfo
    regular: tuple[tuple[dt.time, dt.time], ...]  # trading segments, local time; gaps between are breaks
    pre_open: dt.time | None  # pre-market / opening auction starts
    post_close: dt.time | None  # post-market ends (None: closed right after the close)
    delay_minutes: int  # Yahoo's usual quote delay for this market
    yahoo_exchanges: tuple[str, ...]
    early_close_post: dt.time | None = None  # post-market end on an early-close day

    @property
    def close(self) -> dt.time:
        return self.regular[-1][1]


_NY = ZoneInfo("America/New_York")
MARKETS: dict[str, Market] = {
    "US": Market("US", "New York", _NY, ((T(9, 30), T(16, 0)),), T(4, 0), T(20, 0), 0,
                 ("NMS", "NYQ", "NGM", "NCM", "ASE", "PCX", "BTS", "SNP", "NIM"), early_close_post=T(17, 0)),
    "HK": Market("HK", "Hong Kong", ZoneInfo("Asia/Hong_Kong"), ((T(9, 30), T(12, 0)), (T(13, 0), T(16, 0))),
                 T(9, 0), T(16, 10), 15, ("HKG",)),
    "SS": Market("SS", "Shanghai", ZoneInfo("Asia/Shanghai"), ((T(9, 30), T(11, 30)), (T(13, 0), T(15, 0))),
                 T(9, 15), None, 15, ("SHH",)),
    "SZ": Market("SZ", "Shenzhen", ZoneInfo("Asia/Shanghai"), ((T(9, 30), T(11, 30)), (T(13, 0), T(15, 0))),
                 T(9, 15), None, 15, ("SHZ",)),
    "JP": Market("JP", "Tokyo", ZoneInfo("Asia/Tokyo"), ((T(9, 0), T(11, 30)), (T(12, 30), T(15, 30))),
                 T(8, 0), None, 20, ("JPX",)),
    # FX trades round the clock from Sunday 17:00 to Friday 17:00 New York time
    "FX": Market("FX", "FX", _NY, ((T(0, 0), T(23, 59, 59)),), None, None, 0, ("CCY",)),
}

_SUFFIX = {".HK": "HK", ".SS": "SS", ".SZ": "SZ", ".T": "JP"}


@lru_cache(maxsize=4096)
def market_of(symbol: str) -> Market:
    s = symbol.upper()
    if s.endswith("=X"):
        return MARKETS["FX"]
    if s == "^HSI":
        return MARKETS["HK"]
    if s in ("000001.SS", "^SSEC"):
        return MARKETS["SS"]
    for suffix, code in _SUFFIX.items():
        if s.endswith(suffix):
            return MARKETS[code]
    return MARKETS["US"]


def _as_market(market: Market | str) -> Market:
    return MARKETS[market] if isinstance(market, str) else market


@dataclass(frozen=True)
class _Calendar:
    valid_from: dt.date
    valid_through: dt.date
    holidays: frozenset[dt.date]
    early_closes: dict[dt.date, dt.time]


@lru_cache(maxsize=1)
def _calendars() -> dict[str, _Calendar]:
    path = data_dir() / "calendars.toml"
    with open(path, "rb") as fh:
        doc = tomllib.load(fh)
    out = {}
    for code, table in doc.items():
        if not isinstance(table, dict):
            continue
        out[code] = _Calendar(
            valid_from=table["valid_from"],
            valid_through=table["valid_through"],
            holidays=frozenset(table.get("holidays", [])),
            early_closes={
                dt.date.fromisoformat(d): dt.time.fromisoformat(t) for d, t in table.get("early_closes", {}).items()
            },
        )
    return out


def holidays_known(market: Market | str, day: dt.date) -> bool:
    m = _as_market(market)
    if m.code == "FX":
        return True
    cal = _calendars().get(m.code)
    return cal is not None and cal.valid_from <= day <= cal.valid_through


def calendar_valid_through(market: Market | str) -> dt.date | None:
    cal = _calendars().get(_as_market(market).code)
    return cal.valid_through if cal else None


def is_trading_day(market: Market | str, day: dt.date) -> bool:
    m = _as_market(market)
    if m.code == "FX":
        return day.weekday() < 5
    if day.weekday() >= 5:
        return False
    cal = _calendars().get(m.code)
    if cal is not None and cal.valid_from <= day <= cal.valid_through:
        return day not in cal.holidays
    return True  # past the data: plain weekday hours


def _early_close(m: Market, day: dt.date) -> dt.time | None:
    cal = _calendars().get(m.code)
    return cal.early_closes.get(day) if cal is not None else None


@lru_cache(maxsize=4096)
def _local_schedule(code: str, day: dt.date) -> tuple[tuple[float, float], ...] | None:
    """(pre_start, segments..., post_end) as POSIX seconds, or None on a non-trading day.

    Returned as a tuple: ((pre, pre), seg1, seg2, ..., (post, post)).
    """
    m = MARKETS[code]
    if not is_trading_day(m, day):
        return None

    def at(t: dt.time) -> float:
        return dt.datetime.combine(day, t, tzinfo=m.tz).timestamp()

    if m.code == "FX":
        start = at(T(0, 0))
        end = start + 86400.0
        if day.weekday() == 0:  # opens Sunday 17:00 New York
            start -= 7 * 3600.0
        if day.weekday() == 4:  # closes Friday 17:00 New York
            end = at(T(17, 0))
        elif day.weekday() < 4:
            pass
        return ((start, start), (start, end), (end, end))
    early = _early_close(m, day)
    segments = []
    for a, b in m.regular:
        if early is not None and a >= early:
            break
        segments.append((at(a), at(min(b, early)) if early is not None else at(b)))
    pre = at(m.pre_open) if m.pre_open else segments[0][0]
    if early is not None and m.early_close_post is not None:
        post = at(m.early_close_post)
    elif m.post_close is not None and early is None:
        post = at(m.post_close)
    else:
        post = segments[-1][1]
    return ((pre, pre), *segments, (post, post))


def regular_segments(market: Market | str, day: dt.date) -> list[tuple[float, float]]:
    sched = _local_schedule(_as_market(market).code, day)
    return [] if sched is None else list(sched[1:-1])


def local_date(market: Market | str, t: float) -> dt.date:
    return dt.datetime.fromtimestamp(t, _as_market(market).tz).date()


def state_at(market: Market | str, t: float) -> MarketState:
    """The market's state at POSIX time `t` (remembered per whole second: every session edge is on one)."""
    return _state_in_second(_as_market(market).code, math.floor(t))


@lru_cache(maxsize=4096)  # every board row and pair side asks, every refresh
def _state_in_second(code: str, second: int) -> MarketState:
    return _state_at(MARKETS[code], second)


def segment_start(market: Market | str, t: float) -> float | None:
    """When the regular trading that POSIX time `t` falls in began: the open, or the end of a lunch break; None
    outside regular hours. Days that run into each other (FX from Sunday evening to Friday) count as one."""
    return _segment_start_in_second(_as_market(market).code, math.floor(t))


@lru_cache(maxsize=4096)  # asked for every old quote of an open market, every refresh
def _segment_start_in_second(code: str, second: int) -> float | None:
    m = MARKETS[code]
    if _state_in_second(code, second) is not MarketState.REGULAR:
        return None
    start = None
    day = local_date(m, second)
    for d in (day - dt.timedelta(days=1), day, day + dt.timedelta(days=1)):  # FX: Monday's starts on Sunday
        for a, b in regular_segments(m, d):
            if a <= second < b:
                start = a
    for _ in range(7):  # back over the days that end exactly where the next begins
        before = [a for a, b in regular_segments(m, local_date(m, start - 1.0)) if b == start] if start else []
        if not before:
            break
        start = before[0]
    return start


def all_closed(symbols: Iterable[str], t: float) -> bool:
    """Whether every market of `symbols` is closed at `t` (False for no symbols): nothing of theirs trades, so
    an idle app may wake less (the REST poll and the screen refresh)."""
    markets = {market_of(s).code for s in symbols}
    return bool(markets) and all(state_at(m, t) is MarketState.CLOSED for m in markets)


def _state_at(m: Market, t: float) -> MarketState:
    day = local_date(m, t)
    sched = _local_schedule(m.code, day)
    if m.code == "FX":
        # Monday's schedule starts on Sunday evening New York time
        for d in (day, day + dt.timedelta(days=1)):
            s = _local_schedule(m.code, d)
            if s is not None and s[1][0] <= t < s[1][1]:
                return MarketState.REGULAR
        return MarketState.CLOSED
    if sched is None:
        return MarketState.CLOSED
    pre, post = sched[0][0], sched[-1][0]
    segments = sched[1:-1]
    if t < pre or t >= post:
        return MarketState.CLOSED
    if t < segments[0][0]:
        return MarketState.PRE
    for a, b in segments:
        if a <= t < b:
            return MarketState.REGULAR
    if t < segments[-1][1]:
        return MarketState.BREAK
    return MarketState.POST


def next_change(market: Market | str, t: float) -> tuple[float, MarketState]:
    """When the market's state next changes after `t`, and to what (looks up to three weeks ahead)."""
    m = _as_market(market)
    now = state_at(m, t)
    day = local_date(m, t) - dt.timedelta(days=1)
    for _ in range(22):
        sched = _local_schedule(m.code, day)
        if sched is not None:
            points = sorted({p for seg in sched for p in seg})
            for p in points:
                if p > t:
                    s = state_at(m, p)
                    if s != now:
                        return p, s
        day += dt.timedelta(days=1)
    return t + 86400.0, now


def previous_trading_day(market: Market | str, day: dt.date) -> dt.date:
    m = _as_market(market)
    d = day - dt.timedelta(days=1)
    while not is_trading_day(m, d):
        d -= dt.timedelta(days=1)
    return d
