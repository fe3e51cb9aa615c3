"""The seeded market model: daily closes from a factor walk, intraday Brownian bridges between them.

Deterministic in (seed, instant): a symbol's price at POSIX time t never depends on how the clock moved or
what was asked before. Every random stream is seeded by (seed, stable hash of its name[, day]) and drawn
sequentially, so adding a symbol or extending the date range leaves the other values as they were.

- Daily: for each calendar day from `as_of - 400 days` on, a factor draw (global AI factor, a region factor)
  and five per-symbol draws (idiosyncratic return, opening gap, high, low, volume). On the symbol's market's
  trading days the log level follows a mean-reverting walk anchored at the baseline price on the anchor day
  (the `as_of` close, or the listing day for later listings). Open, high, low and volume of every day come
  from the daily draws alone, so a 1-year chart is cheap.
- Intraday, per (market, local day): a correlated Brownian bridge in log price over the regular segments
  (lunch excluded) on a 0.5 s grid from the day's open to its close, scaled so that its maximum and minimum
  are exactly the day's high and low. US pre-market bridges the previous close to the open; post-market
  wanders off from the close (its last trade stands through the night). Paths are cached (bounded).
- Yahoo delays Hong Kong, Shanghai, Shenzhen (15 min) and Tokyo (20 min): `view`/`tick` price such symbols
  as of t - delay, with that time stamp. `view(symbol, t, delay=0)` is the same market in real time, as
  Tencent and Sina serve it: one instant has one price whichever protocol asks.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tui.core import sessions
from tui.core.sessions import Market
from tui.sim.baseline import Baseline, Listing, load_baseline, stable_hash

HISTORY_DAYS = 400  # daily history before `as_of`
HORIZON_DAYS = 30  # generated beyond the latest day asked for
CACHE_DAYS = 12  # (market, day) intraday paths kept
DT_REGULAR = {"FX": 2.0}  # grid step (s) of the regular session; 0.5 s elsewhere
DT_EXTENDED = 2.0  # grid step of US pre/post-market
GAP_SHARE = 0.35  # share of a day's return that happens overnight (the opening gap)
_VOLUME_U = 0.6  # U-shaped intraday volume: intensity 1 + a*cos(2*pi*x)

SESSION_PRE = "pre"
SESSION_REGULAR = "regular"
SESSION_POST = "post"


@dataclass(frozen=True, slots=True)
class DayBar:
    day: dt.date
    start: float  # POSIX start of the regular session (Yahoo stamps daily bars with it)
    open: float
    high: float
    low: float
    close: float
    volume: int


@dataclass(frozen=True, slots=True)
class View:
    """A symbol's regular-session state at an instant (what the v7 quote's regularMarket* fields say)."""

    symbol: str
    time: float  # time of the last regular trade (delayed markets: at most t - delay)
    price: float
    previous_close: float
    open: float
    high: float
    low: float
    volume: int
    day: dt.date  # the trading day these figures belong to
    in_session: bool  # the regular session of `day` is running at the (delayed) instant
    pre_price: float | None = None  # US: the running pre-market's last trade
    pre_time: float | None = None
    post_price: float | None = None  # US: the last post-market trade after `day`'s close
    post_time: float | None = None

    @property
    def change(self) -> float:
        return self.price - self.previous_close

    @property
    def change_pct(self) -> float:
        return (self.price / self.previous_close - 1.0) * 100.0 if self.previous_close else 0.0


@dataclass(frozen=True, slots=True)
class Tick:
    """What one stream frame says: the last trade in the running session."""

    symbol: str
    price: float
    time: float
    session: str  # "pre" | "regular" | "post"
    change: float
    change_pct: float
    previous_close: float
    open: float | None
    high: float | None
    low: float | None
    volume: int


class _Daily:
    """Per-symbol daily arrays over calendar days [start, start + n)."""

    def __init__(self, n: int) -> None:
        self.trading = np.zeros(n, dtype=bool)
        self.log_close = np.zeros(n)  # carried over non-trading days
        self.log_ret = np.zeros(n)
        self.open = np.zeros(n)
        self.high = np.zeros(n)
        self.low = np.zeros(n)
        self.volume = np.zeros(n, dtype=np.int64)


@dataclass(slots=True)
class _Segment:
    start: float
    end: float
    dt: float
    offset: int  # index of the segment's first grid point in the day's regular path
    steps: int


class _DayPaths:
    """One market's intraday paths on one local day."""

    def __init__(self, market: Market, day: dt.date, segments: list[_Segment], pre: _Segment | None,
                 post: _Segment | None) -> None:
        self.market = market
        self.day = day
        self.segments = segments
        self.pre = pre
        self.post = post
        self.steps = segments[-1].offset + segments[-1].steps
        self.regular: dict[str, np.ndarray] = {}
        self.pre_path: dict[str, np.ndarray] = {}
        self.post_path: dict[str, np.ndarray] = {}
        self.total_volume: dict[str, int] = {}

    @property
    def start(self) -> float:
        return self.segments[0].start

    @property
    def end(self) -> float:
        return self.segments[-1].end

    def regular_index(self, t: float) -> int:
        """Grid index of the last regular trade at or before t (clamped to the session)."""
        if t <= self.start:
            return 0
        for seg in self.segments:
            if t < seg.end:
                if t < seg.start:  # in a break: the value at the break
                    return seg.offset
                return seg.offset + min(seg.steps, int((t - seg.start) / seg.dt))
        return self.steps

    def index_time(self, k: int) -> float:
        for seg in self.segments:
            if k <= seg.offset + seg.steps:
                return seg.start + (k - seg.offset) * seg.dt
        return self.end

    def elapsed_fraction(self, t: float) -> float:
        return self.regular_index(t) / self.steps if self.steps else 1.0


def _volume_share(x: float) -> float:
    """Cumulative share of a day's volume traded by fraction x of the session (U-shaped intensity)."""
    x = min(1.0, max(0.0, x))
    return x + _VOLUME_U * math.sin(2.0 * math.pi * x) / (2.0 * math.pi)


def _bridge(rng: np.random.Generator, steps: int, common: np.ndarray | None, loadings: tuple[float, float],
            region: np.ndarray | None) -> np.ndarray:
    """A standard Brownian bridge on steps+1 points (0 at both ends), correlated through the factors."""
    a, b = loadings
    c = math.sqrt(max(0.0, 1.0 - a * a - b * b))
    z = c * rng.standard_normal(steps)
    if common is not None and a:
        z += a * common
    if region is not None and b:
        z += b * region
    w = np.empty(steps + 1)
    w[0] = 0.0
    np.cumsum(z, out=w[1:])
    k = np.arange(steps + 1) / steps
    return w - k * w[-1]


def _fit_to_range(log_open: float, log_close: float, log_high: float, log_low: float,
                  bridge: np.ndarray) -> np.ndarray:
    """Open→close line plus the bridge, scaled so the path's max is exactly log_high and min log_low."""
    steps = len(bridge) - 1
    line = log_open + (log_close - log_open) * (np.arange(steps + 1) / steps)
    up = bridge > 0
    down = bridge < 0
    s_up = float(np.min((log_high - line[up]) / bridge[up])) if up.any() else 0.0
    s_down = float(np.min((line[down] - log_low) / -bridge[down])) if down.any() else 0.0
    path = line + np.where(up, max(s_up, 0.0) * bridge, max(s_down, 0.0) * bridge)
    path[0], path[-1] = log_open, log_close
    return path


class SimMarket:
    """The seeded model behind the simulator. Times are POSIX seconds; prices in each listing's currency."""

    def __init__(self, seed: int = 7, baseline: Baseline | Path | None = None) -> None:
        self.seed = int(seed)
        self.baseline = baseline if isinstance(baseline, Baseline) else load_baseline(baseline)
        self.listings: dict[str, Listing] = self.baseline.listings
        self.as_of = self.baseline.as_of
        self.start = self.as_of - dt.timedelta(days=HISTORY_DAYS)
        self._n = 0
        self._daily: dict[str, _Daily] = {}
        self._anchor: dict[str, int] = {}
        self._paths: OrderedDict[tuple[str, dt.date], _DayPaths] = OrderedDict()
        self._session_day_cache: dict[tuple[str, int], dt.date | None] = {}
        self._ensure(max(self.as_of, dt.date.today()) + dt.timedelta(days=HORIZON_DAYS))

    # -- symbols and fundamentals ----------------------------------------------------------------
    def knows(self, symbol: str) -> bool:
        return symbol in self.listings

    def listing(self, symbol: str) -> Listing:
        return self.listings[symbol]

    def is_listed(self, symbol: str, t: float) -> bool:
        """Known, and had its first regular session by t (Zhipu and MiniMax list after the baseline date)."""
        listing = self.listings.get(symbol)
        if listing is None:
            return False
        if listing.listed is None:
            return True
        return self.session_day(listing.market, t, regular=True) >= listing.listed

    def delay_seconds(self, symbol: str) -> float:
        return self.listings[symbol].market.delay_minutes * 60.0

    def eps_ttm(self, symbol: str) -> float | None:
        """Trailing EPS in the price currency: TTM net income at baseline FX over shares (None if not equity)."""
        li = self.listings[symbol]
        if not li.is_equity or li.net_income_ttm is None or not li.shares:
            return None
        income = self.baseline.convert(li.net_income_ttm, li.financial_currency or li.currency, li.currency)
        return round(income / li.shares, 4)

    # -- daily model -----------------------------------------------------------------------------
    def _day_index(self, day: dt.date) -> int:
        return (day - self.start).days

    def _ensure(self, day: dt.date) -> None:
        """Make sure the daily arrays reach `day` (regenerated whole: the draws are sequential)."""
        need = self._day_index(day) + 1
        if need <= self._n:
            return
        n = need + HORIZON_DAYS
        days = [self.start + dt.timedelta(days=i) for i in range(n)]
        trading = {code: np.array([sessions.is_trading_day(code, d) for d in days])
                   for code in {li.market.code for li in self.listings.values()}}
        factors: dict[str, np.ndarray] = {}

        def factor(name: str) -> np.ndarray:
            if name not in factors:
                factors[name] = np.random.default_rng([self.seed, stable_hash("factor:" + name)]).standard_normal(n)
            return factors[name]

        for li in self.listings.values():
            self._daily[li.symbol], self._anchor[li.symbol] = self._walk(li, n, days, trading[li.market.code],
                                                                          factor("ai"), factor(li.region))
        self._n = n

    def _walk(self, li: Listing, n: int, days: list[dt.date], trading: np.ndarray, f_ai: np.ndarray,
              f_region: np.ndarray) -> tuple[_Daily, int]:
        draws = np.random.default_rng([self.seed, li.stream_key]).standard_normal((n, 5))
        a, b = li.ai, li.region_beta
        c = math.sqrt(max(0.0, 1.0 - a * a - b * b))
        z = a * f_ai + b * f_region + c * draws[:, 0]
        sigma, keep = li.daily_vol, 1.0 - li.reversion
        mask = trading.copy()
        if li.listed is not None:
            mask &= np.array([d >= li.listed for d in days])
        # the anchor: the baseline date's close (or the first session of a later listing)
        anchor_day = max(self.as_of, li.listed) if li.listed else self.as_of
        idx = self._day_index(anchor_day)
        if li.listed is not None and li.listed > self.as_of:
            while idx < n - 1 and not mask[idx]:
                idx += 1
        else:
            while idx > 0 and not mask[idx]:
                idx -= 1
        level = np.zeros(n)
        # forward from the anchor: mean-reverting walk toward the baseline level
        x = 0.0
        for i in range(idx + 1, n):
            if mask[i]:
                x = keep * x + sigma * z[i]
            level[i] = x
        # backward from the anchor (the reversed walk is again mean-reverting)
        x = 0.0
        for i in range(idx, 0, -1):
            level[i] = x
            if mask[i]:
                x = keep * x - sigma * z[i]
        level[0] = x
        d = _Daily(n)
        d.trading = mask
        d.log_close = math.log(li.price) + level
        prev = np.concatenate([[d.log_close[0]], d.log_close[:-1]])
        d.log_ret = d.log_close - prev
        gap = GAP_SHARE * d.log_ret + 0.25 * sigma * draws[:, 1]
        d.open = prev + gap
        top = np.maximum(d.open, d.log_close)
        bottom = np.minimum(d.open, d.log_close)
        d.high = top + sigma * (0.15 + 0.35 * np.abs(draws[:, 2]))
        d.low = bottom - sigma * (0.15 + 0.35 * np.abs(draws[:, 3]))
        move = np.abs(d.log_ret) / sigma if sigma > 0 else np.zeros(n)
        vol = li.avg_volume * np.exp(0.3 * draws[:, 4] - 0.045) * (0.75 + 0.3 * np.minimum(move, 3.0))
        d.volume = np.where(mask, np.round(vol), 0).astype(np.int64)
        return d, idx

    def _daily_for(self, symbol: str, day: dt.date) -> tuple[_Daily, int]:
        self._ensure(day)
        i = self._day_index(day)
        if i < 0:
            raise ValueError(f"{day} is before the simulated history (from {self.start})")
        return self._daily[symbol], i

    def close_on(self, symbol: str, day: dt.date) -> float:
        """The close of the last trading day on or before `day`."""
        d, i = self._daily_for(symbol, day)
        return math.exp(d.log_close[i])

    def previous_close(self, symbol: str, day: dt.date) -> float:
        return self.close_on(symbol, day - dt.timedelta(days=1))

    def bar(self, symbol: str, day: dt.date) -> DayBar | None:
        """The complete daily bar of `day` (None when the symbol did not trade that day)."""
        d, i = self._daily_for(symbol, day)
        if not d.trading[i]:
            return None
        segs = sessions.regular_segments(self.listings[symbol].market, day)
        return DayBar(day, segs[0][0], math.exp(d.open[i]), math.exp(d.high[i]), math.exp(d.low[i]),
                      math.exp(d.log_close[i]), int(d.volume[i]))

    def trading_days(self, symbol: str, first: dt.date, last: dt.date) -> list[dt.date]:
        first = max(first, self.start + dt.timedelta(days=1))
        if last < first:
            return []
        d, i0 = self._daily_for(symbol, first)
        i1 = self._day_index(last)
        self._ensure(last)
        d = self._daily[symbol]
        return [first + dt.timedelta(days=int(k)) for k in np.nonzero(d.trading[i0:i1 + 1])[0]]

    # -- sessions --------------------------------------------------------------------------------
    def _session_start(self, market: Market, day: dt.date) -> float | None:
        segs = sessions.regular_segments(market, day)
        if not segs:
            return None
        if market.code == "US" and market.pre_open is not None:
            return dt.datetime.combine(day, market.pre_open, tzinfo=market.tz).timestamp()
        return segs[0][0]

    def session_day(self, market: Market, t: float, *, regular: bool = False) -> dt.date:
        """The latest trading day whose session (US: pre-market; `regular`: regular session) began by t."""
        key = (market.code + ("R" if regular else ""), int(t // 60))
        hit = self._session_day_cache.get(key)
        if hit is not None:
            return hit
        day = sessions.local_date(market, t) + dt.timedelta(days=1)
        for _ in range(40):
            if sessions.is_trading_day(market, day):
                start = sessions.regular_segments(market, day)[0][0] if regular else self._session_start(market, day)
                if start is not None and start <= (key[1] * 60):
                    break
            day -= dt.timedelta(days=1)
        if len(self._session_day_cache) > 4096:
            self._session_day_cache.clear()
        self._session_day_cache[key] = day
        return day

    # -- intraday paths --------------------------------------------------------------------------
    def _paths_for(self, market: Market, day: dt.date) -> _DayPaths:
        key = (market.code, day)
        entry = self._paths.get(key)
        if entry is not None:
            self._paths.move_to_end(key)
            return entry
        entry = self._build_paths(market, day)
        self._paths[key] = entry
        while len(self._paths) > CACHE_DAYS:
            self._paths.popitem(last=False)
        return entry

    def _build_paths(self, market: Market, day: dt.date) -> _DayPaths:
        step = DT_REGULAR.get(market.code, 0.5)
        segments: list[_Segment] = []
        offset = 0
        for a, b in sessions.regular_segments(market, day):
            n = max(1, round((b - a) / step))
            segments.append(_Segment(a, b, (b - a) / n, offset, n))
            offset += n
        pre = post = None
        if market.code == "US":
            pre_start = dt.datetime.combine(day, market.pre_open, tzinfo=market.tz).timestamp()
            early = segments[-1].end < dt.datetime.combine(day, market.close, tzinfo=market.tz).timestamp()
            post_t = market.early_close_post if early else market.post_close
            post_end = dt.datetime.combine(day, post_t, tzinfo=market.tz).timestamp()
            n = max(1, round((segments[0].start - pre_start) / DT_EXTENDED))
            pre = _Segment(pre_start, segments[0].start, (segments[0].start - pre_start) / n, 0, n)
            n = max(1, round((post_end - segments[-1].end) / DT_EXTENDED))
            post = _Segment(segments[-1].end, post_end, (post_end - segments[-1].end) / n, 0, n)
        paths = _DayPaths(market, day, segments, pre, post)
        steps = paths.steps
        ordinal = day.toordinal()

        def factor(name: str, n: int, part: int) -> np.ndarray:
            rng = np.random.default_rng([self.seed, stable_hash("factor:" + name), ordinal, part])
            return rng.standard_normal(n)

        f_ai = factor("ai", steps, 0)
        f_region: dict[str, np.ndarray] = {}
        for li in self.listings.values():
            if li.market.code != market.code:
                continue
            d, i = self._daily_for(li.symbol, day)
            if not d.trading[i]:
                continue
            if li.region not in f_region:
                f_region[li.region] = factor(li.region, steps, 0)
            rng = np.random.default_rng([self.seed, li.stream_key, ordinal])
            bridge = _bridge(rng, steps, f_ai, (li.ai, li.region_beta), f_region[li.region])
            log_path = _fit_to_range(d.open[i], d.log_close[i], d.high[i], d.low[i], bridge)
            paths.regular[li.symbol] = np.exp(log_path)
            paths.total_volume[li.symbol] = int(d.volume[i])
            if pre is not None and post is not None:
                prev = d.log_close[i - 1]
                b_pre = _bridge(rng, pre.steps, None, (0.0, 0.0), None)
                line = prev + (d.open[i] - prev) * (np.arange(pre.steps + 1) / pre.steps)
                paths.pre_path[li.symbol] = np.exp(line + 0.15 * li.daily_vol * b_pre / math.sqrt(pre.steps))
                # a walk from the close, not pinned back to it: the last post-market trade (Yahoo's postMarketPrice
                # through the night) is as far from the close as the evening took it
                walk = np.concatenate([[0.0], np.cumsum(rng.standard_normal(post.steps))])
                paths.post_path[li.symbol] = np.exp(d.log_close[i] + 0.1 * li.daily_vol * walk
                                                    / math.sqrt(post.steps))
        return paths

    # -- what the server serves ------------------------------------------------------------------
    def price_at(self, symbol: str, t: float) -> float:
        """The last trade at exactly t (any session, no Yahoo delay applied)."""
        tick = self._last_trade(symbol, t)
        return tick[0]

    def _last_trade(self, symbol: str, t: float) -> tuple[float, float, str | None]:
        """(price, trade time, session) of the last trade at or before t; session None when none runs."""
        li = self.listings[symbol]
        market = li.market
        day = self.session_day(market, t)
        d, i = self._daily_for(symbol, day)
        if not d.trading[i]:  # not yet listed
            return math.exp(d.log_close[i]), t, None
        paths = self._paths_for(market, day)
        if symbol not in paths.regular:
            return math.exp(d.log_close[i]), t, None
        if paths.pre is not None and t < paths.start:
            seg = paths.pre
            k = min(seg.steps, int((t - seg.start) / seg.dt))
            return float(paths.pre_path[symbol][k]), seg.start + k * seg.dt, SESSION_PRE
        if t < paths.end:
            k = paths.regular_index(t)
            in_seg = any(s.start <= t < s.end for s in paths.segments)
            return (float(paths.regular[symbol][k]), paths.index_time(k),
                    SESSION_REGULAR if in_seg else None)
        if paths.post is not None and t < paths.post.end:
            seg = paths.post
            k = min(seg.steps, int((t - seg.start) / seg.dt))
            return float(paths.post_path[symbol][k]), seg.start + k * seg.dt, SESSION_POST
        return float(paths.regular[symbol][-1]), paths.end, None

    def view(self, symbol: str, t: float, delay: float | None = None) -> View:
        """Regular-session figures at t, as Yahoo would serve them (delayed markets: as of t - delay). `delay`
        (seconds) replaces Yahoo's: 0 is what a real-time source (Tencent, Sina) serves at t."""
        li = self.listings[symbol]
        market = li.market
        td = t - (self.delay_seconds(symbol) if delay is None else delay)
        day = self.session_day(market, td, regular=True)
        d, i = self._daily_for(symbol, day)
        if not d.trading[i]:
            raise LookupError(f"{symbol} is not listed at {td}")
        prev_close = math.exp(d.log_close[i - 1])
        paths = self._paths_for(market, day)
        if td < paths.end:
            k = paths.regular_index(td)
            path = paths.regular[symbol]
            price = float(path[k])
            high = float(path[: k + 1].max())
            low = float(path[: k + 1].min())
            volume = round(paths.total_volume[symbol] * _volume_share(k / paths.steps))
            when = float(int(paths.index_time(k)))
            in_session = any(s.start <= td < s.end for s in paths.segments)
            open_ = float(path[0])
        else:
            bar = self.bar(symbol, day)
            assert bar is not None
            price, high, low, volume, open_ = bar.close, bar.high, bar.low, bar.volume, bar.open
            when = float(int(paths.end))
            in_session = False
        pre_price = pre_time = post_price = post_time = None
        if paths.post is not None and td >= paths.end:
            seg = paths.post
            k = min(seg.steps, int((td - seg.start) / seg.dt))
            post_price, post_time = float(paths.post_path[symbol][k]), seg.start + k * seg.dt
        if market.code == "US":
            price_pre, time_pre, session_pre = self._last_trade(symbol, td)
            if session_pre == SESSION_PRE:
                pre_price, pre_time = price_pre, time_pre
        return View(symbol, when, price, prev_close, open_, high, low, volume, day, in_session,
                    pre_price, pre_time, post_price, post_time)

    def tick(self, symbol: str, t: float) -> Tick | None:
        """The stream frame's content at t; None when the symbol's market has no session running then."""
        li = self.listings.get(symbol)
        if li is None or not self.is_listed(symbol, t - self.delay_seconds(symbol)):
            return None
        td = t - self.delay_seconds(symbol)
        price, _when, session = self._last_trade(symbol, td)
        if session is None:
            return None
        if session == SESSION_REGULAR:
            v = self.view(symbol, t)
            return Tick(symbol, price, td, session, v.change, v.change_pct, v.previous_close, v.open, v.high,
                        v.low, v.volume)
        if not li.is_equity:  # an index or a rate has no pre- or post-market trades
            return None
        # extended hours: the frame's price is the extended trade, its change measured from the latest regular close
        reg_day = self.session_day(li.market, td, regular=True)
        base = self.close_on(symbol, reg_day)
        return Tick(symbol, price, td, session, price - base, (price / base - 1.0) * 100.0, base, None, None,
                    None, 0)

    def daily_bars(self, symbol: str, first: dt.date, last: dt.date, t: float) -> list[DayBar]:
        """Daily bars from `first` to `last` (local dates) as known at t: the running day is partial."""
        li = self.listings[symbol]
        v = self.view(symbol, t)
        out: list[DayBar] = []
        for day in self.trading_days(symbol, first, min(last, v.day)):
            if day == v.day:
                start = sessions.regular_segments(li.market, day)[0][0]
                out.append(DayBar(day, start, v.open, v.high, v.low, v.price, v.volume))
            else:
                bar = self.bar(symbol, day)
                if bar is not None:
                    out.append(bar)
        return out

    def intraday_bars(self, symbol: str, day: dt.date, interval: float, t: float) -> list[DayBar]:
        """Bars of `interval` seconds over `day`'s regular session, up to the (delayed) instant t."""
        li = self.listings[symbol]
        td = t - self.delay_seconds(symbol)
        d, i = self._daily_for(symbol, day)
        if not d.trading[i]:
            return []
        paths = self._paths_for(li.market, day)
        path = paths.regular.get(symbol)
        if path is None:
            return []
        total = paths.total_volume[symbol]
        out: list[DayBar] = []
        for seg in paths.segments:
            b0 = seg.start
            while b0 < seg.end and b0 <= td:
                b1 = min(seg.end, b0 + interval)
                k0 = paths.regular_index(b0)
                k1 = paths.regular_index(min(b1, td))
                chunk = path[k0:k1 + 1]
                v0 = _volume_share(k0 / paths.steps)
                v1 = _volume_share(k1 / paths.steps)
                out.append(DayBar(day, b0, float(chunk[0]), float(chunk.max()), float(chunk.min()),
                                  float(chunk[-1]), round(total * (v1 - v0))))
                b0 = b1
        return out

    def fifty_two_week(self, symbol: str, t: float) -> tuple[float, float]:
        v = self.view(symbol, t)
        d, i = self._daily_for(symbol, v.day)
        lo_i = max(0, i - 365)
        m = d.trading[lo_i:i]
        highs = np.exp(d.high[lo_i:i][m])
        lows = np.exp(d.low[lo_i:i][m])
        hi = max([v.high, *highs.tolist()])
        lo = min([v.low, *lows.tolist()])
        return lo, hi

    def averages(self, symbol: str, t: float) -> dict[str, float]:
        """50/200-day average closes and 10-day / 3-month average volumes up to the day before t's day."""
        v = self.view(symbol, t)
        d, i = self._daily_for(symbol, v.day)
        idx = np.nonzero(d.trading[max(0, i - 400):i])[0] + max(0, i - 400)
        closes = np.exp(d.log_close[idx])
        vols = d.volume[idx]

        def mean(a: np.ndarray, n: int, fallback: float) -> float:
            return float(a[-n:].mean()) if len(a) else fallback

        return {
            "fifty_day": mean(closes, 50, v.price),
            "two_hundred_day": mean(closes, 200, v.price),
            "volume_10d": mean(vols, 10, 0.0),
            "volume_3m": mean(vols, 63, 0.0),
            "change_52w": float(v.price / closes[-252] - 1.0) if len(closes) >= 252 else 0.0,
        }

    def next_earnings(self, symbol: str, t: float) -> dt.date | None:
        """The baseline's last report date rolled forward by quarters (13 weeks) to the first on or after t."""
        li = self.listings[symbol]
        if li.earnings is None:
            return None
        today = sessions.local_date(li.market, t)
        day = li.earnings
        while day < today:
            day += dt.timedelta(weeks=13)
        return day
