"""Relative performance of a pair: the FX-adjusted log price ratio over a year of daily closes, and its z-score.

Each side's level is its USD price (one company) or, for a basket, its USD market cap at today's share
counts: sum of shares x close x FX over the members (one listing per company). Each close is converted at
that day's FX close when the FX history is held ("daily"), else at today's rate ("current", said so).
Markets close at different hours and on different holidays: the two sides are joined on calendar dates
(their own local dates), each carrying its last close forward. The last point is live: today's prices and FX.

    x_t = ln(US_t) - ln(CN_t)          z = (x_today - mean(x)) / std(x)  over the window (sample std)

With earnings held, the log ratio of P/E moves exactly like x: its history is the P/E spread's history up to
a constant, which is why a z-score of x is the z-score of the valuation spread at today's earnings.

The calendar work (local dates, FX by date, joining on dates with the last close carried forward) is pandas',
imported inside the functions that need it: the app's start-up never pays for it, and the feed imports it in a
thread before it puts daily history in the store (`load_analytics`). Its results are memoised in `store.memo`
on the identities of the bar lists they come from (the store replaces a symbol's bars, never changes them), so a
refresh of the pairs panel only adds today's live point to what was computed when the history arrived.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import math
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tui.core.sessions import market_of
from tui.core.spreads import company_groups
from tui.core.store import MarketStore, fx_symbol
from tui.model import Bar, Pair, Watchlist

if TYPE_CHECKING:  # pandas is imported inside the functions that use it: the app's start-up does not wait for it
    import numpy as np
    import pandas as pd

_MARKET_CURRENCY = {"HK": "HKD", "SS": "CNY", "SZ": "CNY", "JP": "JPY"}  # a guess until the quote says
WINDOW = 252  # trading days in a year: the z-score's window
SHORT_WINDOW = 63  # about three months: the rolling z-score
MIN_POINTS = 20  # fewer points than this: no z-score
LATE_START_DAYS = 10  # a basket member whose history starts later than this after the others is left out
_FLAT = 1e-12  # a standard deviation this small relative to the mean (or to 1) is a flat series: no z-score


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


# -- pandas, loaded off the event loop ----------------------------------------------------------------
_PANDAS_LOADED = threading.Event()


def analytics_loaded() -> bool:
    """Whether `load_analytics` has run: pandas is imported and reading daily history costs no import."""
    return _PANDAS_LOADED.is_set()


async def load_analytics() -> None:
    """Import pandas, which the history analytics run on, in a thread: its first import takes 0.3–0.5 s, which
    the screen would otherwise stand still for. The feed awaits this before it puts daily history in the store."""
    if not _PANDAS_LOADED.is_set():
        await asyncio.to_thread(_import_pandas)


def _import_pandas() -> None:
    import pandas  # noqa: F401

    _PANDAS_LOADED.set()


# -- statistics --------------------------------------------------------------------------------------


def mean_std(values: Sequence[float]) -> tuple[float, float] | None:
    """Mean and sample standard deviation (n - 1), or None with fewer than two values."""
    if len(values) < 2:
        return None
    import pandas as pd

    s = pd.Series(values, dtype="float64")
    return float(s.mean()), float(s.std())


def zscore(values: Sequence[float], window: int | None = None, min_points: int = MIN_POINTS) -> float | None:
    """(last - mean) / sample std over the last `window` values (all when None), the last one included.

    None with fewer than `min_points` values or a flat series.
    """
    xs = values[-window:] if window else values
    if len(xs) < max(2, min_points):
        return None
    ms = mean_std(xs)
    if ms is None:
        return None
    m, s = ms
    if s <= _FLAT * max(1.0, abs(m)):
        return None
    return (xs[-1] - m) / s


def rolling_zscore(values: Sequence[float], window: int, min_points: int = MIN_POINTS) -> list[float | None]:
    """The z-score of each point against the `window` points ending with it (None until enough)."""
    import pandas as pd

    if window < max(2, min_points):
        return [None] * len(values)
    s = pd.Series(values, dtype="float64")
    rolling = s.rolling(window, min_periods=max(2, min_points))
    mean, std = rolling.mean(), rolling.std()
    z = (s - mean) / std
    usable = std > _FLAT * mean.abs().clip(lower=1.0)  # NaN (too few points) compares False
    return [float(v) if ok else None for v, ok in zip(z, usable, strict=True)]


# -- series ------------------------------------------------------------------------------------------
# Each symbol's closes are a pandas Series of floats indexed by calendar date (a DatetimeIndex at midnight,
# sorted, one point a date).


def daily_closes(store: MarketStore, symbol: str) -> pd.Series | None:
    """Daily closes by the symbol's own local date (the last bar of a date wins); None without history."""
    bars = store.history.get(symbol)
    if not bars:
        return None
    closes = store.memoised(("daily closes", symbol), (bars,), lambda: _closes_by_local_date(symbol, bars))
    return closes if len(closes) else None


FX_BAR_TZ = "Europe/London"  # Yahoo stamps FX daily bars with the start of their day in London


def fx_bar_date(t: float) -> dt.date:
    """The day an FX daily bar (HKD=X, CNY=X…) closes. Yahoo stamps it with the start of its day in London (00:00
    London: 23:00 UTC the evening before in summer) and the running day's bar with its last trade: both are that
    day in London. Read by New York's clock, as other US bars are, the start-of-day stamp would be the day before
    and every rate one day early. The FX week opens on Sunday evening (New York): a bar stamped on a Sunday is
    Monday's."""
    from zoneinfo import ZoneInfo

    day = dt.datetime.fromtimestamp(t, ZoneInfo(FX_BAR_TZ)).date()
    return day + dt.timedelta(days=1) if day.weekday() == 6 else day


def _closes_by_local_date(symbol: str, bars: Sequence[Bar]) -> pd.Series:
    import numpy as np
    import pandas as pd

    n = len(bars)
    times = np.fromiter((b.time for b in bars), dtype="float64", count=n)
    closes = np.fromiter((math.nan if b.close is None else b.close for b in bars), dtype="float64", count=n)
    keep = np.isfinite(times) & np.isfinite(closes) & (closes > 0)
    utc = pd.DatetimeIndex((times[keep].astype("int64") * 1_000_000_000).astype("datetime64[ns]"), tz="UTC")
    market = market_of(symbol)
    if market.code == "FX":  # dated in London, a Sunday's bar Monday's (fx_bar_date)
        dates = utc.tz_convert(FX_BAR_TZ).tz_localize(None).normalize()
        dates = dates + pd.to_timedelta((dates.weekday == 6).astype("int64"), unit="D")
    else:  # a bar's date is its market's calendar date: a Hong Kong close at 16:00 is that day's, whatever UTC says
        dates = utc.tz_convert(market.tz).tz_localize(None).normalize()
    series = pd.Series(closes[keep], index=dates)
    return series[~dates.duplicated(keep="last")].sort_index()


def usd_closes(store: MarketStore, symbol: str) -> tuple[pd.Series, str] | None:
    """Daily closes in USD and how they were converted; None without history or without any FX rate.

    "usd": no conversion; "daily": each close at the FX close of its date (the last before it over an FX
    holiday, the first one held before the FX history starts); "current": every close at today's live rate."""
    got = usd_close_parts(store, symbol)
    if got is None:
        return None
    closes, factor, basis = got
    return (closes * factor if basis == "current" else closes), basis


def usd_close_parts(store: MarketStore, symbol: str) -> tuple[pd.Series, float, str] | None:
    """(closes, factor, basis): the USD closes are `closes` x `factor`. With "current", `closes` are in the
    listing's currency and `factor` today's live rate, kept apart so that a new rate costs no pandas work."""
    closes = daily_closes(store, symbol)
    if closes is None:
        return None
    ccy = store.currency_of(symbol)
    if ccy is None:
        return None
    if ccy.upper() == "USD":
        return closes, 1.0, "usd"
    sym = fx_symbol(ccy)
    fx = daily_closes(store, sym) if sym is not None else None
    if fx is not None:
        return store.memoised(("usd closes", symbol), (closes, fx), lambda: _at_daily_fx(closes, fx)), 1.0, "daily"
    usd = store.usd_per(ccy)
    if usd is None:
        return None
    return closes, usd, "current"


def _at_daily_fx(closes: pd.Series, fx: pd.Series) -> pd.Series:
    """`closes` divided by the FX close (units per USD) of each date, or the last one before it."""
    rate = fx.reindex(closes.index, method="ffill").fillna(fx.iloc[0])
    return closes / rate


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


def _common_dates(indexes: Sequence[pd.DatetimeIndex]) -> tuple[pd.DatetimeIndex, list[np.ndarray]]:
    """Every date any of the series has, from the first date all of them have started on, and for each series
    the position of its value to use on each date: that date's, or its last one before (its market's holiday,
    a day it did not trade)."""
    dates = indexes[0]
    for other in indexes[1:]:
        dates = dates.union(other)
    dates = dates[dates >= max(index[0] for index in indexes)]
    return dates, [index.get_indexer(dates, method="ffill") for index in indexes]


@dataclass(frozen=True, slots=True)
class _Level:
    """One side's members on their common dates (the calendar work, done once per history): the level is
    Σ weight x factor x close, the factors being 1 except for members converted at today's live FX rate."""

    dates: tuple[dt.date, ...]
    index: pd.DatetimeIndex
    columns: tuple[np.ndarray, ...]  # each member's closes on `dates`, in member order
    weights: tuple[float, ...]
    unit: np.ndarray  # the level with every factor 1

    def at(self, factors: Sequence[float]) -> np.ndarray:
        if all(f == 1.0 for f in factors):
            return self.unit
        return _weighted_sum(self.columns, [w * f for w, f in zip(self.weights, factors, strict=True)])


def _weighted_sum(columns: Sequence[np.ndarray], weights: Sequence[float]) -> np.ndarray:
    total = columns[0] * weights[0]
    for column, weight in zip(columns[1:], weights[1:], strict=True):
        total = total + column * weight
    return total


def _level(members: Sequence[tuple[pd.Series, float]]) -> _Level:
    index, positions = _common_dates([closes.index for closes, _ in members])
    columns = tuple(closes.to_numpy()[pos] for (closes, _), pos in zip(members, positions, strict=True))
    weights = tuple(weight for _, weight in members)
    return _Level(tuple(index.date), index, columns, weights, _weighted_sum(columns, weights))


def _side(store: MarketStore, watchlist: Watchlist, symbols: Sequence[str]
          ) -> tuple[SideSeries, _Level, np.ndarray] | None:
    """The side's series, its calendar (memoised) and its level by date at today's factors."""
    groups = company_groups(watchlist, symbols)
    basket = len(groups) > 1
    members: list[tuple[str, pd.Series, float, str, float]] = []  # symbol, closes, factor, basis, weight
    left_out: list[str] = []
    for _company, listings in groups:
        chosen = None
        for sym in listings:
            parts = usd_close_parts(store, sym)
            weight = _shares(store, sym) if basket else 1.0
            if parts is not None and weight is not None:
                chosen = (sym, *parts, weight)
                break
        if chosen is None:
            left_out.append(listings[0])
        else:
            members.append(chosen)
    if not members:
        return None
    # members starting much later than the earliest (new listings) would cut the whole basket short
    starts = {m[0]: m[1].index[0] for m in members}
    first = min(starts.values())
    kept = [m for m in members if (starts[m[0]] - first).days <= LATE_START_DAYS]
    left_out += [m[0] for m in members if (starts[m[0]] - first).days > LATE_START_DAYS]
    kept_symbols = tuple(m[0] for m in kept)
    calendar = [(closes, weight) for _, closes, _, _, weight in kept]
    level = store.memoised(("side level", " ".join(kept_symbols)), tuple(x for part in calendar for x in part),
                           lambda: _level(calendar))
    values = level.at([factor for _, _, factor, _, _ in kept])
    live_parts = [_live_usd(store, sym) for sym in kept_symbols]
    live = (
        sum(m[4] * p for m, p in zip(kept, live_parts, strict=True))
        if all(p is not None for p in live_parts)
        else None
    )
    bases = {m[3] for m in kept} - {"usd"}
    basis = "usd" if not bases else ("current" if "current" in bases else "daily")
    side = SideSeries(symbols=kept_symbols, dates=level.dates, values=tuple(values.tolist()), fx_basis=basis,
                      live=live, basket=basket, left_out=tuple(left_out))
    return side, level, values


def side_series(store: MarketStore, watchlist: Watchlist, symbols: Sequence[str]) -> SideSeries | None:
    """The USD level of one side over its daily history; None when no member has history."""
    got = _side(store, watchlist, symbols)
    return got[0] if got is not None else None


@dataclass(frozen=True, slots=True)
class _Join:
    """The two sides on every date either has, each carrying its last close over the other's trading days."""

    index: pd.DatetimeIndex
    dates: tuple[dt.date, ...]
    us: np.ndarray  # positions in the US side's level
    cn: np.ndarray


def _join(us: _Level, cn: _Level) -> _Join:
    index, (us_pos, cn_pos) = _common_dates([us.index, cn.index])
    return _Join(index, tuple(index.date), us_pos, cn_pos)


@dataclass(frozen=True, slots=True)
class _Ratio:
    """ln(US / CN) by date over the daily history (the live point is added per refresh)."""

    dates: tuple[dt.date, ...]
    log_ratio: tuple[float, ...]
    array: np.ndarray
    _stats: dict[tuple[int, int], tuple[int, float, float]] = field(default_factory=dict)

    def window_before(self, end: int, window: int) -> tuple[int, float, float]:
        """Count, mean and sum of squared deviations of the `window - 1` points before position `end`: a window
        of `window` points ending with a point at `end` (today's live one, or the last close) holds them."""
        got = self._stats.get((end, window))
        if got is None:
            points = self.array[max(0, end - window + 1):end]
            mean = float(points.mean()) if len(points) else 0.0
            got = self._stats[(end, window)] = (len(points), mean, float(((points - mean) ** 2).sum()))
        return got


def _log_ratio(join: _Join, us: np.ndarray, cn: np.ndarray) -> _Ratio:
    import numpy as np

    a, b = us[join.us], cn[join.cn]
    usable = (a > 0) & (b > 0)  # a level of zero has no log
    if usable.all():
        x, dates = np.log(a) - np.log(b), join.dates
    else:
        x, dates = np.log(a[usable]) - np.log(b[usable]), tuple(join.index[usable].date)
    return _Ratio(dates, tuple(x.tolist()), x)


def _window_stats(ratio: _Ratio, end: int, last: float, window: int) -> tuple[int, float, float]:
    """Count, mean and sample standard deviation of the window of `window` points ending with `last` at position
    `end`: the history's part is computed once (cached with the ratio), the last point added to it here, so
    that a refresh with new prices costs a few operations, not a pass over a year of points."""
    n0, mean0, m2 = ratio.window_before(end, window)
    n = n0 + 1
    delta = last - mean0
    mean = mean0 + delta / n
    m2 += delta * (last - mean)
    return n, mean, math.sqrt(max(m2, 0.0) / (n - 1)) if n > 1 else 0.0


def relative_performance(
    store: MarketStore,
    watchlist: Watchlist,
    pair: Pair,
    *,
    now: float | None = None,
    window: int = WINDOW,
) -> RelativePerformance | None:
    """The pair's FX-adjusted log price ratio by day, the last point live; None without history on both sides.

    z, its window's mean and std are those of `zscore` and `mean_std` over the last `window` points (live one
    included); the history's part of them is computed once per daily history, not at every refresh."""
    us_side, cn_side = _side(store, watchlist, pair.us), _side(store, watchlist, pair.cn)
    if us_side is None or cn_side is None:
        return None
    (us, us_level, us_values), (cn, cn_level, cn_values) = us_side, cn_side
    name = f"{' '.join(us.symbols)} / {' '.join(cn.symbols)}"
    join = store.memoised(("join", name), (us_level, cn_level), lambda: _join(us_level, cn_level))
    # the same level arrays (every member in USD or at its dated FX): the same ratio; at today's rate: anew
    ratio = store.memoised(("log ratio", name), (join, us_values, cn_values),
                           lambda: _log_ratio(join, us_values, cn_values))
    dates, xs = ratio.dates, ratio.log_ratio
    if not xs:
        return None
    end = len(xs) - 1  # where the last point goes: over the last close, or after it on a new day
    live = us.live is not None and cn.live is not None and us.live > 0 and cn.live > 0
    if live:
        today = dt.datetime.fromtimestamp(now, dt.UTC).date() if now is not None else dates[-1]
        x_live = math.log(us.live) - math.log(cn.live)  # type: ignore[arg-type]
        if today <= dates[-1]:
            xs = (*xs[:-1], x_live)
        else:
            dates, xs, end = (*dates, today), (*xs, x_live), end + 1
    n, mean, std = _window_stats(ratio, end, xs[-1], window)
    return RelativePerformance(
        dates=dates,
        log_ratio=xs,
        z=_z(xs[-1], n, mean, std),
        mean=mean if n >= MIN_POINTS else None,
        std=std if n >= MIN_POINTS else None,
        window=n,
        z_short=_z(xs[-1], *_window_stats(ratio, end, xs[-1], SHORT_WINDOW)),
        change=math.expm1(xs[-1] - xs[0]) if len(xs) >= 2 else None,
        us=us,
        cn=cn,
        live=live,
    )


def _z(last: float, n: int, mean: float, std: float) -> float | None:
    """As `zscore`: None with fewer than MIN_POINTS points or a flat window."""
    if n < max(2, MIN_POINTS) or std <= _FLAT * max(1.0, abs(mean)):
        return None
    return (last - mean) / std


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


def pair_inputs_pending(store: MarketStore, watchlist: Watchlist, pair: Pair,
                        settled: Callable[[str], bool] | None = None) -> list[str]:
    """What the pair's z-score still waits for, as "SYMBOL history" or "SYMBOL price": the daily history of each
    of its listings and of their currencies' FX (each close at its date's rate), and each one's live price. Until
    every one is in, the z-score is that of part of a side, or of closes at today's FX rate instead of their own
    date's: not the one the pairs panel settles on once the feed has loaded them all.

    A symbol the source says does not exist (`store.unknown`) waits for nothing; `settled(symbol)` says whether its
    history is as complete as the source will make it (`Upstream.history_settled`: held, or refused), so that a
    listing the source has no chart for leaves its company out of the side rather than silencing the pair for ever.
    Without `settled`, a history counts as in only when the store holds it."""
    pending: list[str] = []
    for sym in history_symbols(watchlist, pair, store):
        if sym in store.unknown:
            continue
        if sym not in store.history and not (settled is not None and settled(sym)):
            pending.append(f"{sym} history")
        if store.price(sym) is None:
            pending.append(f"{sym} price")
    return pending


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
