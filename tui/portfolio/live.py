"""Books against a live store: what they need from the data source, the snapshot's `portfolio` object, and the
app's `Books` (which books it shows, which one is current, their valuations, recomputed only when the store
changed or a clock second passed).

What a book needs:
- quotes: its listings and the FX symbols of its currencies (subscribed whether or not a watchlist on screen
  shows them);
- daily history: the FX closes of the trade dates it gives no rate for (a range reaching back to the oldest
  such date), and a year of its listings, NVDA and their FX for the betas to NVDA.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tui.core.store import FX_SYMBOLS, MarketStore
from tui.model import Watchlist
from tui.portfolio.listings import Listings
from tui.portfolio.model import Book, listing_currency
from tui.portfolio.rates import FxHistory

if TYPE_CHECKING:
    from tui.portfolio.exposure import Exposure
    from tui.portfolio.pairs import PairTrade
    from tui.portfolio.valuation import BookValue

# the valuation, exposure and document modules are imported when a book is first valued, not when the app
# starts (its launch time is measured)
ANCHOR = "NVDA"  # tui.core.dependency.ANCHOR: the beta-dollars' anchor, whose history the betas need

log = logging.getLogger(__name__)

# Yahoo's chart ranges, and the days back each reaches (a little less than its length, to be safe)
RANGES = (("1y", 360), ("2y", 725), ("5y", 1820), ("10y", 3650))


def quote_symbols(books: Iterable[Book]) -> list[str]:
    """Every listing the books name and the FX symbols of their currencies."""
    out: list[str] = []
    for book in books:
        out += [*book.symbols, *book.fx_symbols]
    return list(dict.fromkeys(out))


def chart_range(first: dt.date, today: dt.date) -> str:
    days = (today - first).days
    return next((name for name, reach in RANGES if days <= reach), "max")


def history_plan(book: Book, today: dt.date) -> list[tuple[str, str]]:
    """(symbol, range) of the daily history the book's valuation and exposure use, the longest range once."""
    plan: dict[str, str] = {}
    order = [name for name, _ in RANGES] + ["max"]

    def want(symbol: str, range_: str) -> None:
        if symbol not in plan or order.index(range_) > order.index(plan[symbol]):
            plan[symbol] = range_

    undated: dict[str, dt.date] = {}  # currency -> the oldest date it needs a rate for
    for row in (*book.lots, *book.closes, *book.dividends):
        if row.fx is None and row.currency != book.base_currency:
            undated[row.currency] = min(undated.get(row.currency, row.date), row.date)
    for ccy, first in undated.items():
        for c in (ccy, book.base_currency):
            if c in FX_SYMBOLS:
                want(FX_SYMBOLS[c], chart_range(first, today))
    for symbol in (*book.symbols, ANCHOR):
        want(symbol, "1y")
        ccy = listing_currency(symbol)
        if ccy in FX_SYMBOLS:
            want(FX_SYMBOLS[ccy], "1y")
    return list(plan.items())


async def fetch_history(feed, plan: Sequence[tuple[str, str]], requested: set[tuple[str, str]], *,
                        background: bool = False) -> list[str]:
    """Fetch each (symbol, range) not asked for before, one chart request each, in order; failures are logged
    (a missing history makes a rate approximate or a beta unknown, said on screen), never raised. `background`:
    keep to the feed's per-minute budget for background work (the app), as its own history refresh does."""
    import asyncio

    budget = getattr(getattr(feed, "rest", None), "background_wait", None) if background else None
    fetched = []
    for symbol, range_ in plan:
        if (symbol, range_) in requested:
            continue
        while budget is not None and (wait := budget()) > 0:
            await asyncio.sleep(wait)
        requested.add((symbol, range_))
        try:
            await feed.fetch_history(symbol, range_, "1d")
            fetched.append(symbol)
        except Exception as exc:  # noqa: BLE001 - YahooError, network, parse: log and go on
            log.info("no daily history for %s (%s): %s", symbol, range_, exc)
    return fetched


def build_portfolio(book: Book, store: MarketStore, *, now: float, watchlists: Iterable[Watchlist] = (),
                    history: FxHistory | None = None, stale_after: float = 60.0,
                    simulated: bool | None = None) -> dict:
    """The snapshot's `portfolio` object for `book` at `now`."""
    from tui.portfolio.document import portfolio_doc
    from tui.portfolio.exposure import exposure
    from tui.portfolio.pairs import pair_trades
    from tui.portfolio.valuation import value_book

    history = history if history is not None else FxHistory()
    history.update(store)
    listings = Listings(watchlists)
    bv = value_book(book, store, now=now, listings=listings, history=history, stale_after=stale_after)
    return portfolio_doc(bv, exposure(bv, store, listings), pair_trades(bv), simulated=simulated)


@dataclass(frozen=True, slots=True)
class Valued:
    """One book valued at one instant, with its exposure and pair trades."""

    value: BookValue
    exposure: Exposure | None
    pairs: list[PairTrade]


class Books:
    """The books an app shows (or a served app was allowed to), which one is current, and their valuations,
    computed again only when the store or the clock's second moved."""

    def __init__(self, books: Iterable[Book], watchlists: Iterable[Watchlist] = (), *, stale_after: float = 60.0,
                 initial: str | None = None) -> None:
        self.books: list[Book] = list(books)
        self.listings = Listings(watchlists)
        self.history = FxHistory()
        self.stale_after = stale_after
        self.current = 0
        names = [b.name for b in self.books]
        if initial in names:
            self.current = names.index(initial)
        self._cache: dict[int, tuple[tuple, Valued]] = {}
        self.requested: set[tuple[str, str]] = set()  # (symbol, range) of the chart history asked for

    def __len__(self) -> int:
        return len(self.books)

    @property
    def book(self) -> Book | None:
        return self.books[self.current] if self.books else None

    def switch(self, index: int) -> None:
        if self.books:
            self.current = index % len(self.books)

    def symbols(self) -> list[str]:
        """What the feed must quote for every book: listings and FX (whether on the watchlist shown or not)."""
        return quote_symbols(self.books)

    def symbol_set(self) -> frozenset[str]:
        return frozenset(self.symbols())

    def valued(self, store: MarketStore, now: float, index: int | None = None) -> Valued | None:
        index = self.current if index is None else index
        if not 0 <= index < len(self.books):
            return None
        key = (store.seq, int(now), len(self.history.closes), sum(map(len, self.history.closes.values())))
        held = self._cache.get(index)
        if held is not None and held[0] == key:
            return held[1]
        from tui.portfolio.exposure import exposure
        from tui.portfolio.pairs import pair_trades
        from tui.portfolio.valuation import value_book

        self.history.update(store)
        key = (store.seq, int(now), len(self.history.closes), sum(map(len, self.history.closes.values())))
        bv = value_book(self.books[index], store, now=now, listings=self.listings, history=self.history,
                        stale_after=self.stale_after)
        valued = Valued(bv, exposure(bv, store, self.listings), pair_trades(bv))
        self._cache[index] = (key, valued)
        return valued

    def all_values(self, store: MarketStore, now: float) -> dict[str, BookValue]:
        """Every book's valuation, by name (the pnl alerts watch them all)."""
        out = {}
        for n, book in enumerate(self.books):
            v = self.valued(store, now, n)
            if v is not None:
                out[book.name] = v.value
        return out

    async def fetch_history(self, feed, today: dt.date) -> list[str]:
        """Each book's chart history (trade-date FX closes, a year for the betas), once per (symbol, range)."""
        fetched = []
        for book in self.books:
            fetched += await fetch_history(feed, history_plan(book, today), self.requested, background=True)
        return fetched
