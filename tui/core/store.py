"""MarketStore: the latest state of every symbol, fed by the feeds, read by the UI on its own clock.

Feeds push (`apply_quote`, `apply_fundamentals`); readers pull what changed since the sequence number
they last saw (`changed_since`). Everything runs on one event loop: no locks.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable

from tui.model import Bar, Fundamentals, Quote

# Yahoo's FX symbols: "HKD=X" is USD→HKD, i.e. HKD per USD.
FX_SYMBOLS = {"HKD": "HKD=X", "CNY": "CNY=X", "JPY": "JPY=X", "EUR": "EUR=X", "GBP": "GBP=X", "TWD": "TWD=X"}
INTRADAY_POINTS = 390  # bounded intraday history per symbol, for sparklines


def fx_symbol(currency: str) -> str | None:
    return FX_SYMBOLS.get(currency.upper())


class MarketStore:
    def __init__(self) -> None:
        self.quotes: dict[str, Quote] = {}
        self.fundamentals: dict[str, Fundamentals] = {}
        self.history: dict[str, list[Bar]] = {}  # daily bars, oldest first
        self.intraday: dict[str, deque[tuple[float, float]]] = {}  # (time, price)
        self.unknown: set[str] = set()  # symbols the source says do not exist
        self.seq = 0
        self._changed: dict[str, int] = {}
        self.rejected_frames = 0
        # derived values cached by readers (issue 8: one valuation per symbol and update, however many panels
        # read it), each entry keyed by the identities of the immutable inputs it was computed from
        self.memo: dict[tuple[str, str], tuple[tuple, object]] = {}
        # issue 8: called once at the next change, then cleared (the paused screen refresh waits on it)
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
        """Keep `quote` unless an equal or newer one is already held. Returns whether it was kept."""
        old = self.quotes.get(quote.symbol)
        if old is not None and quote.time < old.time:
            return False
        if old is not None:  # stream frames may omit the currency (and drop zero fields): keep what we knew
            quote = _fill_missing(quote, old)
        self.quotes[quote.symbol] = quote
        self.unknown.discard(quote.symbol)
        points = self.intraday.get(quote.symbol)
        if points is None:
            points = self.intraday[quote.symbol] = deque(maxlen=INTRADAY_POINTS)
        if not points or quote.time - points[-1][0] >= 60 or quote.time < points[-1][0]:
            points.append((quote.time, quote.price))
        else:
            points[-1] = (points[-1][0], quote.price)
        self._touch(quote.symbol)
        return True

    def apply_fundamentals(self, fundamentals: Fundamentals) -> None:
        self.fundamentals[fundamentals.symbol] = fundamentals
        self._touch(fundamentals.symbol)

    def apply_history(self, symbol: str, bars: list[Bar]) -> None:
        self.history[symbol] = bars
        self._touch(symbol)

    def mark_unknown(self, symbols: Iterable[str]) -> None:
        for symbol in symbols:
            if symbol not in self.quotes:
                self.unknown.add(symbol)
                self._touch(symbol)

    # -- readers (UI, snapshot, analytics) -------------------------------------------------
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


def _with(quote: Quote, **changes: object) -> Quote:
    from dataclasses import replace

    return replace(quote, **changes)


_KEEP_FIELDS = ("previous_close", "open", "exchange", "short_name", "currency")


def _fill_missing(new: Quote, old: Quote) -> Quote:
    """Stream frames drop zero and unchanged fields: carry over the descriptive ones we already know."""
    missing = {f: getattr(old, f) for f in _KEEP_FIELDS if getattr(new, f) is None and getattr(old, f) is not None}
    if new.delay_minutes == 0 and old.delay_minutes:
        missing["delay_minutes"] = old.delay_minutes
    return _with(new, **missing) if missing else new
