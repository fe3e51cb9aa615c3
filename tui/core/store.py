"""MarketStore: the latest state of every symbol, fed by the feeds, read by the UI on its own clock.

Feeds push (`apply_quote`, `apply_fundamentals`); readers pull what changed since the sequence number
they last saw (`changed_since`). Everything runs on one event loop: no locks.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from typing import TypeVar

from tui.core.statements import Statements, merge_statements
from tui.model import Bar, Fundamentals, Quote

T = TypeVar("T")
_BY_VALUE = (str, int, float, tuple, type(None))  # memo inputs compared by value; anything else by identity

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
        self.statements: dict[str, Statements] = {}  # reported statement lines per listing (capex, cash, debt)
        self.intraday: dict[str, deque[tuple[float, float]]] = {}  # (time, price)
        self.unknown: set[str] = set()  # symbols the source says do not exist
        self.seq = 0
        self._changed: dict[str, int] = {}
        self.rejected_frames = 0
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
        """Keep `quote` unless an equal or newer one is already held. Returns whether it was kept."""
        symbol = quote.symbol
        old = self.quotes.get(symbol)
        if old is not None:
            if quote.time < old.time:
                return False
            # stream frames may omit the currency (and drop zero fields): keep what we knew
            quote = _fill_missing(quote, old)
        self.quotes[symbol] = quote
        self.unknown.discard(symbol)
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

    def apply_fundamentals(self, fundamentals: Fundamentals) -> None:
        self.fundamentals[fundamentals.symbol] = fundamentals
        self._touch(fundamentals.symbol)

    def apply_history(self, symbol: str, bars: list[Bar]) -> None:
        self.history[symbol] = bars
        self._touch(symbol)

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


def _fill_missing(new: Quote, old: Quote) -> Quote:
    """Stream frames drop zero and unchanged fields: carry over the descriptive ones we already know
    (previous_close, open, exchange, short_name, currency; delay_minutes when `new` says 0).

    `new` itself when there is nothing to carry over. Nearly every stream frame has something (frames never
    carry the delay or, for equities, the currency), so the Quote is built here directly:
    `dataclasses.replace` costs about twice as much.
    """
    carry_delay = new.delay_minutes == 0 and old.delay_minutes
    if not (
        carry_delay
        or (new.previous_close is None and old.previous_close is not None)
        or (new.open is None and old.open is not None)
        or (new.exchange is None and old.exchange is not None)
        or (new.short_name is None and old.short_name is not None)
        or (new.currency is None and old.currency is not None)
    ):
        return new
    return Quote(
        symbol=new.symbol,
        price=new.price,
        time=new.time,
        source=new.source,
        received=new.received,
        currency=new.currency if new.currency is not None else old.currency,
        change=new.change,
        change_pct=new.change_pct,
        previous_close=new.previous_close if new.previous_close is not None else old.previous_close,
        open=new.open if new.open is not None else old.open,
        day_high=new.day_high,
        day_low=new.day_low,
        volume=new.volume,
        exchange=new.exchange if new.exchange is not None else old.exchange,
        market_state=new.market_state,
        short_name=new.short_name if new.short_name is not None else old.short_name,
        delay_minutes=old.delay_minutes if carry_delay else new.delay_minutes,
    )
