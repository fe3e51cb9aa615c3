"""Relative performance of a pair: the FX-adjusted log price ratio over a year of daily closes, and its z-score.

Each side's level is its USD price (one company) or, for a basket, its USD market cap at today's share
counts: sum of shares x close x FX over the members (one listing per company). Each close is converted at
that day's FX close when the FX history is held ("daily"), else at today's rate ("current", said so).
Markets close at different hours and on different holidays: the two sides are joined on calendar dates
(their own local dates), each carrying its last close forward. The last point is live: today's prices and FX.

    x_t = ln(US_t) - ln(CN_t)          z = (x_today - mean(x)) / std(x)  over the window (sample std)

With earnings held, the log ratio of P/E moves exactly like x: its history is the P/E spread's history up to
a constant, which is why a z-score of x is the z-score of the valuation spread at today's earnings.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

from tui.core.sessions import local_date, market_of
from tui.core.spreads import company_groups
from tui.core.store import MarketStore, fx_symbol
from tui.model import Pair, Watchlist

_MARKET_CURRENCY = {"HK": "HKD", "SS": "CNY", "SZ": "CNY", "JP": "JPY"}  # a guess until the quote says
WINDOW = 252  # trading days in a year: the z-score's window
SHORT_WINDOW = 63  # about three months: the rolling z-score
MIN_POINTS = 20  # fewer points than this: no z-score
LATE_START_DAYS = 10  # a basket member whose history starts later than this after the others is left out


@dataclass(frozen=True, slots=True)
class SideSeries:
    symbols: tuple[str, ...]  # the listings in the level
    dates: tuple[dt.date, ...]
    values: tuple[float, ...]  # USD price (one company) or USD cap at today's shares (basket)
    fx_basis: str  # "usd" (no conversion), "daily" (each day's FX close), "current" (today's rate)
    live: float | None  # the level at today's live prices and FX
    basket: bool
    left_out: tuple[str, ...] = ()  # companies' listings without history, shares or price


@dataclass(frozen=True, slots=True)
class RelativePerformance:
    dates: tuple[dt.date, ...]
    log_ratio: tuple[float, ...]  # ln(US / CN); the last point is live when `live`
    z: float | None  # today's z-score over the last `window` points
    mean: float | None
    std: float | None
    window: int  # points in the z-score's window
    z_short: float | None  # over the last SHORT_WINDOW points
    change: float | None  # exp(x_last - x_first) - 1: the US side's performance relative to CN over the span
    us: SideSeries
    cn: SideSeries
    live: bool

    @property
    def fx_basis(self) -> str:
        bases = {self.us.fx_basis, self.cn.fx_basis} - {"usd"}
        if not bases:
            return "usd"
        return "current" if "current" in bases else "daily"

    @property
    def rel_series(self) -> list[float]:
        """Relative performance since the first point, in percent: 100 x (exp(x_t - x_0) - 1)."""
        if not self.log_ratio:
            return []
        x0 = self.log_ratio[0]
        return [100.0 * math.expm1(x - x0) for x in self.log_ratio]


# -- statistics --------------------------------------------------------------------------------------


def mean_std(values: Sequence[float]) -> tuple[float, float] | None:
    """Mean and sample standard deviation (n - 1), or None with fewer than two values."""
    n = len(values)
    if n < 2:
        return None
    m = math.fsum(values) / n
    var = math.fsum((v - m) ** 2 for v in values) / (n - 1)
    return m, math.sqrt(var)


def zscore(values: Sequence[float], window: int | None = None, min_points: int = MIN_POINTS) -> float | None:
    """(last - mean) / sample std over the last `window` values (all when None), the last one included.

    None with fewer than `min_points` values or a flat series.
    """
    xs = list(values[-window:] if window else values)
    if len(xs) < max(2, min_points):
        return None
    ms = mean_std(xs)
    if ms is None:
        return None
    m, s = ms
    if s <= 1e-12 * max(1.0, abs(m)):
        return None
    return (xs[-1] - m) / s


def rolling_zscore(values: Sequence[float], window: int, min_points: int = MIN_POINTS) -> list[float | None]:
    """The z-score of each point against the `window` points ending with it (None until enough)."""
    return [zscore(values[: i + 1], window, min_points) for i in range(len(values))]


# -- series ------------------------------------------------------------------------------------------


def _asof(dates: list[dt.date], values: list[float], day: dt.date) -> float | None:
    i = bisect.bisect_right(dates, day) - 1
    return values[i] if i >= 0 else None


_CLOSES_CACHE: dict[tuple, dict[dt.date, float]] = {}


def daily_closes(store: MarketStore, symbol: str) -> dict[dt.date, float]:
    """Daily closes by the symbol's own local date (the last bar of a date wins). Cached per bar list."""
    bars = store.history.get(symbol) or []
    if not bars:
        return {}
    key = (symbol, id(bars), len(bars), bars[0].time, bars[-1].time, bars[-1].close)
    got = _CLOSES_CACHE.get(key)
    if got is None:
        market = market_of(symbol)
        got = {}
        for bar in bars:
            if bar.close is not None and math.isfinite(bar.close) and bar.close > 0:
                got[local_date(market, bar.time)] = float(bar.close)
        if len(_CLOSES_CACHE) > 512:
            _CLOSES_CACHE.clear()
        _CLOSES_CACHE[key] = got
    return dict(got)


def usd_closes(store: MarketStore, symbol: str) -> tuple[dict[dt.date, float], str] | None:
    """Daily closes in USD and how they were converted; None without history or without any FX rate."""
    closes = daily_closes(store, symbol)
    if not closes:
        return None
    ccy = store.currency_of(symbol)
    if ccy is None:
        return None
    if ccy.upper() == "USD":
        return closes, "usd"
    sym = fx_symbol(ccy)
    fx = daily_closes(store, sym) if sym is not None else {}
    if fx:
        fx_dates = sorted(fx)
        fx_vals = [fx[d] for d in fx_dates]
        out = {}
        for day, close in closes.items():
            rate = _asof(fx_dates, fx_vals, day)
            if rate is None:  # before the FX history starts: its first rate
                rate = fx_vals[0]
            out[day] = close / rate
        return out, "daily"
    usd = store.usd_per(ccy)
    if usd is None:
        return None
    return {day: close * usd for day, close in closes.items()}, "current"


def _live_usd(store: MarketStore, symbol: str) -> float | None:
    price = store.price(symbol)
    usd = store.usd_per(store.currency_of(symbol))
    if price is None or usd is None or not math.isfinite(price) or price <= 0:
        return None
    return price * usd


def _shares(store: MarketStore, symbol: str) -> float | None:
    f = store.fundamentals.get(symbol)
    if f is None or f.shares_outstanding is None or not f.shares_outstanding > 0:
        return None
    return float(f.shares_outstanding)


_LEVELS_CACHE: dict[tuple, tuple[list[dt.date], list[float]]] = {}


def _history_key(store: MarketStore, symbol: str) -> tuple:
    bars = store.history.get(symbol) or []
    return (symbol, id(bars), len(bars), bars[-1].time if bars else None, bars[-1].close if bars else None)


def _levels(store: MarketStore, kept) -> tuple[list[dt.date], list[float]]:
    """Σ weight x USD close by date from the latest start on (cached: it changes only with the daily history,
    and with today's FX rate for members converted at it)."""
    key_parts = []
    for sym, _closes, basis, weight in kept:
        ccy = store.currency_of(sym)
        fx = fx_symbol(ccy) if ccy else None
        key_parts.append((_history_key(store, sym), basis, weight, ccy,
                          _history_key(store, fx) if fx else None,
                          store.usd_per(ccy) if basis == "current" else None))
    key = tuple(key_parts)
    got = _LEVELS_CACHE.get(key)
    if got is None:
        start = max(min(closes) for _, closes, _, _ in kept)
        days = sorted({d for _, closes, _, _ in kept for d in closes if d >= start})
        columns = []
        for _sym, closes, _basis, _w in kept:
            ds = sorted(closes)
            columns.append((ds, [closes[d] for d in ds]))
        values = []
        for day in days:
            total = 0.0
            for (ds, vs), (_sym, _c, _b, weight) in zip(columns, kept, strict=True):
                v = _asof(ds, vs, day)
                assert v is not None  # every kept member has started by `start`
                total += weight * v
            values.append(total)
        if len(_LEVELS_CACHE) > 64:
            _LEVELS_CACHE.clear()
        got = _LEVELS_CACHE[key] = (days, values)
    return list(got[0]), list(got[1])


def side_series(store: MarketStore, watchlist: Watchlist, symbols: Sequence[str]) -> SideSeries | None:
    """The USD level of one side over its daily history; None when no member has history."""
    groups = company_groups(watchlist, symbols)
    basket = len(groups) > 1
    members: list[tuple[str, dict[dt.date, float], str, float]] = []  # symbol, usd closes, basis, weight
    left_out: list[str] = []
    for _company, listings in groups:
        chosen = None
        for sym in listings:
            closes = usd_closes(store, sym)
            weight = _shares(store, sym) if basket else 1.0
            if closes is not None and weight is not None:
                chosen = (sym, closes[0], closes[1], weight)
                break
        if chosen is None:
            left_out.append(listings[0])
        else:
            members.append(chosen)
    if not members:
        return None
    # members starting much later than the earliest (new listings) would cut the whole basket short
    starts = {sym: min(closes) for sym, closes, _, _ in members}
    first = min(starts.values())
    kept = [m for m in members if (starts[m[0]] - first).days <= LATE_START_DAYS]
    left_out += [m[0] for m in members if m not in kept]
    days, values = _levels(store, kept)
    live_parts = [_live_usd(store, sym) for sym, _, _, _ in kept]
    live = (
        sum(w * p for (_s, _c, _b, w), p in zip(kept, live_parts, strict=True))
        if all(p is not None for p in live_parts)
        else None
    )
    bases = {b for _, _, b, _ in kept} - {"usd"}
    basis = "usd" if not bases else ("current" if "current" in bases else "daily")
    return SideSeries(
        symbols=tuple(m[0] for m in kept),
        dates=tuple(days),
        values=tuple(values),
        fx_basis=basis,
        live=live,
        basket=basket,
        left_out=tuple(left_out),
    )


_JOIN_CACHE: dict[tuple, tuple[list[dt.date], list[float]]] = {}


def _joined(us: SideSeries, cn: SideSeries) -> tuple[list[dt.date], list[float]]:
    """The two sides' closes joined by date (cached: they change only with the daily history)."""
    key = (us.symbols, us.dates, us.values, cn.symbols, cn.dates, cn.values)
    got = _JOIN_CACHE.get(key)
    if got is None:
        start = max(us.dates[0], cn.dates[0])
        days = sorted({d for d in (*us.dates, *cn.dates) if d >= start})
        us_d, us_v = list(us.dates), list(us.values)
        cn_d, cn_v = list(cn.dates), list(cn.values)
        dates: list[dt.date] = []
        xs: list[float] = []
        for day in days:
            a, b = _asof(us_d, us_v, day), _asof(cn_d, cn_v, day)
            if a is None or b is None or a <= 0 or b <= 0:
                continue
            dates.append(day)
            xs.append(math.log(a) - math.log(b))
        if len(_JOIN_CACHE) > 64:
            _JOIN_CACHE.clear()
        got = _JOIN_CACHE[key] = (dates, xs)
    return list(got[0]), list(got[1])


def relative_performance(
    store: MarketStore,
    watchlist: Watchlist,
    pair: Pair,
    *,
    now: float | None = None,
    window: int = WINDOW,
) -> RelativePerformance | None:
    """The pair's FX-adjusted log price ratio by day, the last point live; None without history on both sides."""
    us = side_series(store, watchlist, pair.us)
    cn = side_series(store, watchlist, pair.cn)
    if us is None or cn is None or not us.dates or not cn.dates:
        return None
    dates, xs = _joined(us, cn)
    live = us.live is not None and cn.live is not None and us.live > 0 and cn.live > 0
    if live and dates:
        today = dt.datetime.fromtimestamp(now, dt.UTC).date() if now is not None else dates[-1]
        x_live = math.log(us.live) - math.log(cn.live)  # type: ignore[arg-type]
        if today <= dates[-1]:
            xs[-1] = x_live
        else:
            dates.append(today)
            xs.append(x_live)
    if not xs:
        return None
    tail = xs[-window:]
    ms = mean_std(tail) if len(tail) >= MIN_POINTS else None
    return RelativePerformance(
        dates=tuple(dates),
        log_ratio=tuple(xs),
        z=zscore(xs, window),
        mean=ms[0] if ms else None,
        std=ms[1] if ms else None,
        window=len(tail),
        z_short=zscore(xs, SHORT_WINDOW),
        change=math.expm1(xs[-1] - xs[0]) if len(xs) >= 2 else None,
        us=us,
        cn=cn,
        live=live,
    )


def history_symbols(watchlist: Watchlist, pair: Pair, store: MarketStore | None = None) -> list[str]:
    """The symbols whose daily history a pair's relative performance needs: its listings and their FX."""
    out: list[str] = []
    for sym in (*pair.us, *pair.cn):
        inst = watchlist.instrument(sym)
        if inst is not None and inst.kind != "equity":
            continue
        out.append(sym)
        ccy = store.currency_of(sym) if store is not None else None
        ccy = ccy or _MARKET_CURRENCY.get(market_of(sym).code)
        fx = fx_symbol(ccy) if ccy else None
        if fx is not None and fx not in out:
            out.append(fx)
    return list(dict.fromkeys(out))


def watchlist_history_symbols(watchlist: Watchlist, store: MarketStore | None = None) -> list[str]:
    """What the pairs' relative performance and the Nvidia dependency need: every pair's listings and their FX,
    NVDA and ^GSPC when on the list, and every other equity of the list (for its beta to NVDA)."""
    out: list[str] = []
    for pair in watchlist.pairs:
        out += history_symbols(watchlist, pair, store)
    out += history_symbols(watchlist, Pair("all", tuple(i.symbol for i in watchlist.instruments if i.kind == "equity"),
                                          ()), store)
    if watchlist.instrument("^GSPC") is not None:
        out.append("^GSPC")
    return list(dict.fromkeys(out))


async def ensure_history(feed, store: MarketStore, symbols: Sequence[str], requested: set[str],
                         range_: str = "1y") -> list[str]:
    """Fetch the daily history of each symbol not held and not asked for before (one request per symbol, in
    order, through `feed.fetch_history`); `requested` remembers what was asked, failures included.
    Returns the symbols fetched. Failures are logged, never raised: a chart is an extra, not a must."""
    import logging

    log = logging.getLogger(__name__)
    fetched = []
    for sym in symbols:
        if sym in requested or store.history.get(sym) or sym in store.unknown:
            continue
        requested.add(sym)
        try:
            await feed.fetch_history(sym, range_, "1d")
            fetched.append(sym)
        except Exception as exc:  # noqa: BLE001 - YahooError, network, parse: log and go on
            log.info("no daily history for %s: %s", sym, exc)
    return fetched
