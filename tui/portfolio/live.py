"""What a book needs from the data source, and the snapshot's `portfolio` object built from a store.

- quotes: its listings and the FX symbols of its currencies (subscribed whether or not a watchlist on screen
  shows them);
- daily history: the FX closes of the trade dates it gives no rate for (a range reaching back to the oldest
  such date), and a year of its listings, NVDA and their FX for the betas to NVDA.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence

from tui.core.dependency import ANCHOR
from tui.core.store import FX_SYMBOLS, MarketStore
from tui.model import Watchlist
from tui.portfolio.document import portfolio_doc
from tui.portfolio.exposure import exposure
from tui.portfolio.listings import Listings
from tui.portfolio.model import Book, listing_currency
from tui.portfolio.pairs import pair_trades
from tui.portfolio.rates import FxHistory
from tui.portfolio.valuation import value_book

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


async def fetch_history(feed, plan: Sequence[tuple[str, str]], requested: set[tuple[str, str]]) -> list[str]:
    """Fetch each (symbol, range) not asked for before, one chart request each, in order; failures are logged
    (a missing history makes a rate approximate or a beta unknown, said on screen), never raised."""
    fetched = []
    for symbol, range_ in plan:
        if (symbol, range_) in requested:
            continue
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
    history = history if history is not None else FxHistory()
    history.update(store)
    listings = Listings(watchlists)
    bv = value_book(book, store, now=now, listings=listings, history=history, stale_after=stale_after)
    return portfolio_doc(bv, exposure(bv, store, listings), pair_trades(bv), simulated=simulated)
