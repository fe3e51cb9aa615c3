"""MarketStore: the latest state of every symbol, fed by the feeds, read by the UI on its own clock.

Feeds push (`apply_quote`, `apply_fundamentals`); readers pull what changed since the sequence number
they last saw (`changed_since`). Everything runs on one event loop: no locks.

Several sources may quote one symbol (Yahoo, and Tencent or Sina for the Hong Kong and mainland listings). The
store keeps each source's latest quote (`by_source`); "the" quote of a symbol (`quotes`) is the one with the
newest exchange time, whichever source it came from (at equal times, the less delayed source's): a real-time source's price wins over Yahoo's copy of 15
minutes ago, and a source that stops is overtaken by the next one's newer prices. Every quote is stamped with
its source's measured delay (tui/core/delay.py). When two sources' prices of one symbol at the same instant
(within DISAGREE_WITHIN seconds) differ by more than DISAGREE_PCT, it is logged and kept in `disagreements`.
"""

from __future__ import annotations

import bisect
import logging
import math
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

from tui.core.delay import DelayMeter, effective_delay
from tui.core.sessions import market_of
from tui.core.statements import Statements, merge_statements
from tui.model import Bar, Fundamentals, Quote

T = TypeVar("T")
_BY_VALUE = (str, int, float, tuple, type(None))  # memo inputs compared by value; anything else by identity
log = logging.getLogger(__name__)

# Yahoo's FX symbols: "HKD=X" is USD→HKD, i.e. HKD per USD.
FX_SYMBOLS = {"HKD": "HKD=X", "CNY": "CNY=X", "JPY": "JPY=X", "EUR": "EUR=X", "GBP": "GBP=X", "TWD": "TWD=X"}
INTRADAY_POINTS = 480  # bounded intraday history per symbol (a point a minute: a whole US session and its seeds)
DISAGREE_PCT = 1.0  # two sources' prices of one instant further apart than this (percent) are logged
DISAGREE_WITHIN = 5.0  # seconds between two quotes' exchange times that still count as one instant
DISAGREE_LOG_EVERY = 600.0  # seconds (arrival clock) between two log lines for one symbol and pair of sources
# per symbol and source, once a symbol has two sources: (time, price) at most every 4 s over 20 minutes, enough to
# meet Yahoo's copy 15 minutes later
_TRACE_POINTS = 300
_TRACE_STEP = 4.0


@dataclass(frozen=True, slots=True)
class Disagreement:
    """Two sources' prices of `symbol` at (nearly) one instant, more than DISAGREE_PCT apart."""

    symbol: str
    time: float  # the exchange time of the later quote
    source: str
    price: float
    other_source: str
    other_price: float
    other_time: float

    @property
    def pct(self) -> float:
        return (self.price / self.other_price - 1.0) * 100.0


def fx_symbol(currency: str) -> str | None:
    return FX_SYMBOLS.get(currency.upper())


class MarketStore:
    def __init__(self) -> None:
        self.quotes: dict[str, Quote] = {}  # the newest quote of each symbol, whichever source it came from
        self.by_source: dict[str, dict[str, Quote]] = {}  # symbol -> source name -> that source's latest quote
        self.delays = DelayMeter()
        self.disagreements: deque[Disagreement] = deque(maxlen=100)
        self._traces: dict[str, dict[str, deque[tuple[float, float]]]] = {}  # symbol -> source -> (time, price)
        self._disagree_logged: dict[tuple[str, str, str], float] = {}
        self.fundamentals: dict[str, Fundamentals] = {}
        self.history: dict[str, list[Bar]] = {}  # daily bars, oldest first
        self.statements: dict[str, Statements] = {}  # reported statement lines per listing (capex, cash, debt)
        self.intraday: dict[str, deque[tuple[float, float]]] = {}  # (time, price)
        self.unknown: set[str] = set()  # symbols the source says do not exist
        self.seq = 0
        self._changed: dict[str, int] = {}
        self.rejected_frames = 0
        self._day_spans: dict[str, tuple[float, float]] = {}  # symbol -> POSIX span of its last quote's local day
        # derived values cached by readers (one valuation per symbol and update, however many panels
        # read it), each entry keyed by the identities of the immutable inputs it was computed from
        self.memo: dict[tuple[str, str], tuple[tuple, object]] = {}
        # called once at the next change, then cleared (the paused screen refresh waits on it)
        self.on_next_change: Callable[[], None] | None = None

    # -- writers (feeds) -------------------------------------------------------------------
    def _touch(self, symbol: str) -> None:
        self.seq += 1
        self._changed[symbol] = self.seq
        wake = self.on_next_change
        if wake is not None:
            self.on_next_change = None
            wake()

    def apply_quote(self, quote: Quote) -> bool:
        """Merge `quote` into its source's latest (see `merge_quote`: the regular session's figures and the latest
        extended-hours trade are kept apart, so an extended-hours frame changes only the latter and the day's change
        stays the headline after the close), unless that source already gave everything newer; make it the symbol's
        quote when it is at least as new as the one shown. Returns whether it is now the symbol's quote."""
        symbol = quote.symbol
        name = quote.source_name
        mine = self.by_source.get(symbol)
        if mine is None:
            mine = self.by_source[symbol] = {}
        old = mine.get(name)
        if old is not None:
            merged = merge_quote(quote, old, self._same_day(symbol, old.time, quote.time))
            if merged is None:
                return False
            quote = merged
        quote = self._stamp_delay(quote)
        mine[name] = quote
        if len(mine) > 1:
            self._cross_check(quote)
        shown = self.quotes.get(symbol)
        if shown is not None and shown.source_name != name and (
                quote.time < shown.time
                or (quote.time == shown.time and effective_delay(quote) >= effective_delay(shown))):
            # another source's price is newer (Yahoo's copy of a real-time listing), or as new and no later a
            # source (a close both serve): held, not shown; whatever order they came in, the same one is shown
            return False
        self.quotes[symbol] = quote
        self.unknown.discard(symbol)
        # the regular session moved (an extended-hours trade, or a price derived from one, is no intraday point)
        if not quote.extended_only and (shown is None or quote.time != shown.time or quote.price != shown.price):
            points = self.intraday.get(symbol)
            if points is None:
                points = self.intraday[symbol] = deque(maxlen=INTRADAY_POINTS)
            when = quote.time
            if not points or when - points[-1][0] >= 60 or when < points[-1][0]:
                points.append((when, quote.price))
            else:
                points[-1] = (points[-1][0], quote.price)
        self._touch(symbol)
        return True

    def forget_after(self, t: float) -> set[str]:
        """Drop every quote made after `t`, and the intraday points after it: the data's clock went back (a demo
        hub started again at an earlier simulated instant), and a quote "from the future" would be shown for ever
        as the newest, its age 0 s, while the new prices queue behind it. Returns the symbols changed."""
        changed: set[str] = set()
        for symbol, mine in self.by_source.items():
            for name in [n for n, q in mine.items() if q.time > t]:
                del mine[name]
                changed.add(symbol)
        for symbol in [s for s, q in self.quotes.items() if q.time > t]:
            del self.quotes[symbol]
            rest = self.by_source.get(symbol) or {}
            if rest:  # the newest of what is left, as apply_quote would have shown it
                self.quotes[symbol] = max(rest.values(), key=lambda q: (q.time, -effective_delay(q)))
            changed.add(symbol)
        for symbol, points in self.intraday.items():
            if points and points[-1][0] > t:
                kept = [p for p in points if p[0] <= t]
                points.clear()
                points.extend(kept)
                changed.add(symbol)
        for symbol in changed:
            self._touch(symbol)
        return changed

    def _stamp_delay(self, quote: Quote) -> Quote:
        """`quote` with its source's delay as measured in its market (unchanged when never measured)."""
        measured = self.delays.sample(quote.source_name, market_of(quote.symbol), quote.time, quote.received)
        if measured is None or (quote.delay_measured and quote.delay_minutes == measured):
            return quote
        return _with_delay(quote, measured)

    def _cross_check(self, quote: Quote) -> None:
        """Trace each source's prices of a symbol quoted by several; compare `quote` with the others at its time."""
        traces = self._traces.get(quote.symbol)
        if traces is None:
            traces = self._traces[quote.symbol] = {}
        trace = traces.get(quote.source_name)
        if trace is None:
            trace = traces[quote.source_name] = deque(maxlen=_TRACE_POINTS)
        t, price = quote.time, quote.price
        if not (math.isfinite(t) and math.isfinite(price) and price > 0) or quote.no_trade:
            return
        if not trace or t - trace[-1][0] >= _TRACE_STEP:  # one point per step: enough to compare instants
            trace.append((t, price))
        for other_name, other in traces.items():
            if other_name == quote.source_name or not other:
                continue
            if t > other[-1][0] + DISAGREE_WITHIN or t < other[0][0] - DISAGREE_WITHIN:
                continue  # the other source has not reached this instant yet (or has forgotten it)
            i = bisect.bisect_left(other, (t, -math.inf))
            near = [other[j] for j in (i - 1, i) if 0 <= j < len(other)]
            ot, op = min(near, key=lambda p: abs(p[0] - t))
            if abs(ot - t) > DISAGREE_WITHIN or op <= 0:
                continue
            if abs(price / op - 1.0) * 100.0 > DISAGREE_PCT:
                d = Disagreement(quote.symbol, t, quote.source_name, price, other_name, op, ot)
                self.disagreements.append(d)
                key = (quote.symbol, *sorted((quote.source_name, other_name)))
                last = self._disagree_logged.get(key)
                if last is None or abs(quote.received - last) >= DISAGREE_LOG_EVERY:
                    self._disagree_logged[key] = quote.received
                    log.warning("sources disagree on %s: %s %.6g vs %s %.6g (%+.2f%%) at %.0f", quote.symbol,
                                quote.source_name, price, other_name, op, d.pct, t)

    def quote_from(self, symbol: str, source_name: str) -> Quote | None:
        """`source_name`'s latest quote of `symbol` (which may not be the one shown)."""
        return self.by_source.get(symbol, {}).get(source_name)

    def _same_day(self, symbol: str, t0: float, t1: float) -> bool:
        """Whether t0 and t1 fall on one local date of `symbol`'s market (its day's figures carry over)."""
        span = self._day_spans.get(symbol)
        if span is None or not span[0] <= t0 < span[1]:
            span = self._day_spans[symbol] = _local_day_span(symbol, t0)
        return span[0] <= t1 < span[1]

    def apply_fundamentals(self, fundamentals: Fundamentals) -> None:
        self.fundamentals[fundamentals.symbol] = fundamentals
        self._touch(fundamentals.symbol)

    def apply_history(self, symbol: str, bars: list[Bar]) -> None:
        self.history[symbol] = bars
        self._touch(symbol)

    def prepend_intraday(self, symbol: str, points: Iterable[tuple[float, float]]) -> int:
        """Earlier (time, price) points of `symbol`'s intraday line (a chart's 5-minute closes, or a hub's line) put
        in front of the live points held: those at or after the first point held are left out, so asking again
        adds nothing. Returns the number of points added."""
        live = list(self.intraday.get(symbol, ()))
        first = live[0][0] if live else math.inf
        earlier = [(t, p) for t, p in points if t < first]
        if earlier:
            self.intraday[symbol] = deque([*earlier, *live], maxlen=INTRADAY_POINTS)
            self._touch(symbol)
        return len(earlier)

    def apply_statements(self, statements: Statements) -> Statements:
        """Merge `statements` into what is held for its symbol (every period end seen is kept; a newer fetch
        wins for the same one); returns the merged Statements, a new object (readers memoise on identity)."""
        merged = merge_statements(self.statements.get(statements.symbol), statements)
        self.statements[statements.symbol] = merged
        self._touch(statements.symbol)
        return merged

    def mark_unknown(self, symbols: Iterable[str]) -> None:
        for symbol in symbols:
            if symbol not in self.quotes:
                self.unknown.add(symbol)
                self._touch(symbol)

    # -- readers (UI, snapshot, analytics) -------------------------------------------------
    def memoised(self, key: tuple[str, str], inputs: tuple, compute: Callable[[], T]) -> T:
        """`compute()`, remembered under `key` until one of `inputs` changes.

        Objects (quotes, fundamentals, bar lists, series computed from them) are compared by identity: the store
        replaces them, never changes them. Strings, numbers and tuples of them are compared by value."""
        held = self.memo.get(key)
        if held is not None and _same(held[0], inputs):
            return held[1]  # type: ignore[return-value]
        value = compute()
        self.memo[key] = (inputs, value)
        return value

    def changed_since(self, seq: int) -> set[str]:
        if seq >= self.seq:
            return set()
        return {symbol for symbol, s in self._changed.items() if s > seq}

    def price(self, symbol: str) -> float | None:
        q = self.quotes.get(symbol)
        return q.price if q is not None else None

    def usd_per(self, currency: str | None) -> float | None:
        """USD for one unit of `currency`, from the live FX quote; None when not known yet."""
        if currency is None:
            return None
        if currency.upper() == "USD":
            return 1.0
        sym = fx_symbol(currency)
        rate = self.price(sym) if sym is not None else None
        if rate is None or rate <= 0:
            return None
        return 1.0 / rate

    def currency_of(self, symbol: str) -> str | None:
        q = self.quotes.get(symbol)
        if q is not None and q.currency:
            return q.currency
        f = self.fundamentals.get(symbol)
        return f.currency if f is not None else None


def _same(old: tuple, new: tuple) -> bool:
    return len(old) == len(new) and all(
        a is b or (isinstance(a, _BY_VALUE) and type(a) is type(b) and a == b) for a, b in zip(old, new, strict=True)
    )


def _local_day_span(symbol: str, t: float) -> tuple[float, float]:
    """[start, end) in POSIX seconds of the local date, in `symbol`'s market, that `t` falls on."""
    import datetime as dt

    tz = market_of(symbol).tz
    day = dt.datetime.fromtimestamp(t, tz).date()
    start = dt.datetime.combine(day, dt.time(0), tzinfo=tz).timestamp()
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=tz).timestamp()
    return start, end


def merge_quote(new: Quote, old: Quote, same_day: bool = True) -> Quote | None:
    """What the store holds after `new` arrives on top of `old`; None when `new` brings nothing newer.

    - Regular figures (price, time, change, previous close, day figures) come from the newer of the two (`new` on a
      tie). `new` never replaces them when it is an extended-hours frame (`extended_only`), and always does when
      `old`'s were only derived from one.
    - The extended-hours trade (ext_*) is the newer of the two, and is dropped once a regular trade is newer than
      it (the session has begun). Its move, when the frame left it out (protobuf drops zeros), is measured
      against the regular price held.
    - Stream frames drop zero and unchanged fields: descriptive ones (currency, exchange, short_name, the delay)
      are carried over; the day's figures (previous_close, open, high, low, volume) only from the same local day
      (`same_day`), so a new session never shows the last one's previous close. A change the frame left out is
      worked out from the previous close.
    """
    if new.extended_only:
        if new.ext_time is None or (old.ext_time is not None and new.ext_time < old.ext_time):
            return None
        if old.extended_only:
            regular = new
        elif new.ext_time < old.time:  # older than the regular trade held
            return None
        else:
            regular = old
        ext = new
    else:
        if old.extended_only or new.time >= old.time:
            regular = new
        else:
            regular = old
        ext = new if new.ext_time is not None else old
        if old.ext_time is not None and (new.ext_time is None or old.ext_time > new.ext_time):
            ext = old
        if regular is old and ext is old:
            return None
    if ext.ext_time is None or (ext.ext_time < regular.time and not regular.extended_only):
        ext = None
    if regular is new and (ext is new or (ext is None and new.ext_time is None)) and not _lacks_carried(
            new, old, same_day):
        return new
    fill = regular is new and not old.extended_only
    day = fill and same_day
    currency = regular.currency if regular.currency is not None else (new.currency or old.currency)
    previous_close = regular.previous_close
    open_, high, low, volume = regular.open, regular.day_high, regular.day_low, regular.volume
    if day:
        if previous_close is None:
            previous_close = old.previous_close
        if open_ is None:
            open_ = old.open
        if high is None and old.day_high is not None:
            high = max(old.day_high, regular.price)
        if low is None and old.day_low is not None:
            low = min(old.day_low, regular.price)
        if volume is None:
            volume = old.volume
    change, change_pct = regular.change, regular.change_pct
    if change is None and change_pct is None and previous_close and not regular.extended_only:
        change = regular.price - previous_close
        change_pct = change / previous_close * 100.0
    ext_session = ext_price = ext_change = ext_change_pct = ext_time = None
    if ext is not None:
        ext_session, ext_price, ext_time = ext.ext_session, ext.ext_price, ext.ext_time
        ext_change, ext_change_pct = ext.ext_change, ext.ext_change_pct
        base = regular.price
        if ext_price is not None:
            if ext_change is None and ext_change_pct is None:
                if base:
                    ext_change, ext_change_pct = ext_price - base, (ext_price / base - 1.0) * 100.0
            elif ext_change is None:
                if ext_change_pct > -100:
                    ext_change = ext_price - ext_price / (1.0 + ext_change_pct / 100.0)
            elif ext_change_pct is None and ext_price - ext_change > 0:
                ext_change_pct = ext_change / (ext_price - ext_change) * 100.0
    if regular is new:  # stream frames carry no delay: the one this source declared before holds
        carry_delay = new.delay_minutes == 0 and old.delay_minutes and not new.delay_measured
        delay = old.delay_minutes if carry_delay else new.delay_minutes
        measured = new.delay_measured
    else:
        delay, measured = old.delay_minutes, old.delay_measured
    return Quote(
        symbol=new.symbol,
        price=regular.price,
        time=regular.time,
        source=regular.source,
        received=new.received,
        currency=currency,
        change=change,
        change_pct=change_pct,
        previous_close=previous_close,
        open=open_,
        day_high=high,
        day_low=low,
        volume=volume,
        exchange=regular.exchange or new.exchange or old.exchange,
        market_state=new.market_state if new.market_state is not None else old.market_state,
        short_name=regular.short_name or new.short_name or old.short_name,
        delay_minutes=delay,
        source_name=new.source_name,
        delay_measured=measured,
        no_trade=regular.no_trade,
        ext_session=ext_session,
        ext_price=ext_price,
        ext_change=ext_change,
        ext_change_pct=ext_change_pct,
        ext_time=ext_time,
        extended_only=regular.extended_only,
    )


def _lacks_carried(new: Quote, old: Quote, same_day: bool) -> bool:
    """Whether `new`, taken whole, would leave out something `old` knows or that can be worked out."""
    if ((new.delay_minutes == 0 and old.delay_minutes and not new.delay_measured)
            or (new.currency is None and old.currency is not None)
            or (new.exchange is None and old.exchange is not None)
            or (new.short_name is None and old.short_name is not None)):
        return True
    if (new.change is None and new.change_pct is None and not new.extended_only
            and (new.previous_close or (same_day and old.previous_close))):
        return True
    if new.ext_price is not None and (new.ext_change is None or new.ext_change_pct is None):
        return True
    return same_day and (
        (new.previous_close is None and old.previous_close is not None)
        or (new.open is None and old.open is not None)
        or (new.day_high is None and old.day_high is not None)
        or (new.day_low is None and old.day_low is not None)
        or (new.volume is None and old.volume is not None))


def _with_delay(q: Quote, minutes: int) -> Quote:
    """`q` stamped with a measured delay (built directly: `dataclasses.replace` costs about twice as much)."""
    return Quote(q.symbol, q.price, q.time, q.source, q.received, q.currency, q.change, q.change_pct,
                 q.previous_close, q.open, q.day_high, q.day_low, q.volume, q.exchange, q.market_state,
                 q.short_name, minutes, q.source_name, True, q.no_trade, q.ext_session, q.ext_price, q.ext_change,
                 q.ext_change_pct, q.ext_time, q.extended_only)
