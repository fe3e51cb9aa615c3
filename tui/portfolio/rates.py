"""FX for a book: every rate in Yahoo's convention, units of a currency per one unit of the base currency
(HKD=X quotes HKD per USD; for a book in HKD, a USD amount's rate is USD per HKD).

Three kinds of rate, each said with its basis:
- "same": the currency is the base (1);
- "file": the rate written in the book (a lot's `fx`);
- "daily": the FX daily close of that date, from the chart history (the last close at most MAX_GAP_DAYS
  before it, over a weekend or a holiday);
- "today": the live rate, for a trade of today;
- "current": today's live rate standing in for an earlier date's: an approximation, flagged on screen.

Daily closes are kept here as they are seen in the store (`FxHistory.update`), merged across fetches: a longer
history fetched for old trades is not lost when the app's one-year refresh replaces the store's bars.
"""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from tui.core.history import fx_bar_date
from tui.core.store import FX_SYMBOLS, MarketStore
from tui.portfolio.money import ONE, RATE_DIGITS, dec, divide

MAX_GAP_DAYS = 5  # a date's daily close may be the last one up to this many days before it

SAME, FILE, DAILY, TODAY, CURRENT = "same", "file", "daily", "today", "current"


@dataclass(frozen=True, slots=True)
class Rate:
    value: Decimal | None  # units of the currency per base unit; None: no rate at all
    basis: str  # SAME, FILE, DAILY or CURRENT

    @property
    def approximate(self) -> bool:
        return self.basis == CURRENT


class FxHistory:
    """Daily FX closes (units per USD) by currency and date, merged from every chart history the store held."""

    def __init__(self) -> None:
        self.closes: dict[str, dict[dt.date, Decimal]] = {}
        self._sorted: dict[str, list[dt.date]] = {}
        self._seen: dict[str, int] = {}

    def update(self, store: MarketStore) -> bool:
        """Take in any FX history the store holds that was not seen yet; True when something was new."""
        changed = False
        for ccy, sym in FX_SYMBOLS.items():
            bars = store.history.get(sym)
            if not bars or self._seen.get(sym) == id(bars):
                continue
            self._seen[sym] = id(bars)
            got = self.closes.setdefault(ccy, {})
            for bar in bars:
                value = dec(bar.close)
                if value is not None and value > 0:
                    got[fx_bar_date(bar.time)] = value
            self._sorted[ccy] = sorted(got)
            changed = True
        return changed

    def add(self, currency: str, closes: dict[dt.date, Decimal]) -> None:
        """Closes from elsewhere (tests, a cache)."""
        got = self.closes.setdefault(currency, {})
        got.update(closes)
        self._sorted[currency] = sorted(got)

    def per_usd(self, currency: str, day: dt.date) -> Decimal | None:
        if currency == "USD":
            return ONE
        days = self._sorted.get(currency)
        if not days:
            return None
        i = bisect.bisect_right(days, day) - 1
        if i < 0 or (day - days[i]).days > MAX_GAP_DAYS:
            return None
        return self.closes[currency][days[i]]

    def earliest(self, currency: str) -> dt.date | None:
        days = self._sorted.get(currency)
        return days[0] if days else None


def live_per_usd(store: MarketStore, currency: str) -> Decimal | None:
    """Units of `currency` per USD from the live FX quote (HKD=X's price)."""
    if currency == "USD":
        return ONE
    sym = FX_SYMBOLS.get(currency)
    q = store.quotes.get(sym) if sym else None
    value = dec(q.price) if q is not None else None
    return value if value is not None and value > 0 else None


def previous_per_usd(store: MarketStore, currency: str) -> Decimal | None:
    """Units of `currency` per USD at the FX quote's previous close."""
    if currency == "USD":
        return ONE
    sym = FX_SYMBOLS.get(currency)
    q = store.quotes.get(sym) if sym else None
    value = dec(q.previous_close) if q is not None else None
    return value if value is not None and value > 0 else None


def cross(per_usd_ccy: Decimal | None, per_usd_base: Decimal | None) -> Decimal | None:
    """Units of the currency per base unit from both rates per USD."""
    if per_usd_ccy is None or per_usd_base is None:
        return None
    if per_usd_base == ONE:
        return per_usd_ccy
    return divide(per_usd_ccy, per_usd_base, RATE_DIGITS)


class Rates:
    """A book's rates at one instant: live, at the previous close, and on a date."""

    def __init__(self, store: MarketStore, base: str, history: FxHistory | None = None,
                 today: dt.date | None = None) -> None:
        self.store, self.base = store, base
        self.history = history if history is not None else FxHistory()
        self.today = today
        self._live: dict[str, Decimal | None] = {}

    def now(self, currency: str) -> Decimal | None:
        if currency == self.base:
            return ONE
        if currency not in self._live:
            self._live[currency] = cross(live_per_usd(self.store, currency), live_per_usd(self.store, self.base))
        return self._live[currency]

    def previous(self, currency: str, before: dt.date | None = None) -> Rate:
        """The rate at the previous close: the FX quotes' previous closes, else the daily close before `before`,
        else today's rate (CURRENT)."""
        if currency == self.base:
            return Rate(ONE, SAME)
        value = cross(previous_per_usd(self.store, currency), previous_per_usd(self.store, self.base))
        if value is not None:
            return Rate(value, DAILY)
        if before is not None:
            day = before - dt.timedelta(days=1)
            value = cross(self.history.per_usd(currency, day), self.history.per_usd(self.base, day))
            if value is not None:
                return Rate(value, DAILY)
        return Rate(self.now(currency), CURRENT)

    def on(self, currency: str, day: dt.date, written: Decimal | None = None, today: dt.date | None = None) -> Rate:
        """The rate of a trade (or dividend) on `day`: the one written in the book, else today's live rate for a
        trade of today (TODAY), else the daily close of that date, else today's rate (CURRENT, an
        approximation). `today`: the session date of the listing traded (default: the book's today)."""
        if currency == self.base:
            return Rate(ONE, SAME)
        if written is not None:
            return Rate(written, FILE)
        today = today or self.today
        if today is not None and day >= today:
            return Rate(self.now(currency), TODAY)
        value = cross(self.history.per_usd(currency, day), self.history.per_usd(self.base, day))
        if value is not None:
            return Rate(value, DAILY)
        return Rate(self.now(currency), CURRENT)
