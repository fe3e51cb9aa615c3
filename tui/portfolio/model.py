"""The book as its file says it: lots as traded, closes, cash, dividends; and the currencies a book may use.

Quantities, prices, fees, amounts and rates are Decimals, exactly as written in the file. Corporate actions are
never applied here (tui/portfolio/actions.py reads a lot in today's units when it is valued).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from tui.core.store import FX_SYMBOLS

# Currencies a book can hold and value: USD and every currency with a Yahoo FX symbol (HKD=X: HKD per USD).
CURRENCIES = ("USD", *FX_SYMBOLS)
# The price currency of a listing, from its Yahoo suffix; a symbol without a suffix trades in USD.
SUFFIX_CURRENCY = {"HK": "HKD", "SS": "CNY", "SZ": "CNY", "T": "JPY"}


def listing_currency(symbol: str) -> str | None:
    """The currency `symbol` trades in, told by its suffix (None: a suffix aiwatch does not know)."""
    if "." not in symbol:
        return "USD"
    return SUFFIX_CURRENCY.get(symbol.rsplit(".", 1)[1].upper())


@dataclass(frozen=True, slots=True)
class Lot:
    """One opening trade: a purchase (quantity > 0) or a short sale (quantity < 0)."""

    symbol: str
    date: dt.date
    quantity: Decimal  # shares as traded (before any later split); negative: a short sale
    price: Decimal  # per share as traded, in `currency`
    currency: str
    fees: Decimal  # in `currency`, part of the lot's cost (spread per share)
    fx: Decimal | None = None  # the trade date's rate: units of `currency` per one unit of the base currency
    id: str = ""  # the file's id, or "SYMBOL#n" (the n-th lot of the file)
    pair: str = ""  # the pair trade this lot is a leg of
    note: str = ""
    line: int | None = None  # where it is in its file
    index: int = 0  # its order in the file: ties of date keep it

    @property
    def is_short(self) -> bool:
        return self.quantity < 0


@dataclass(frozen=True, slots=True)
class Close:
    """A sale of shares held long, or a purchase covering a short: matched to lots by `lot`, else FIFO."""

    symbol: str
    date: dt.date
    quantity: Decimal  # > 0, as traded
    price: Decimal  # in `currency`
    currency: str
    fees: Decimal  # reduce the proceeds
    fx: Decimal | None = None
    lot: str = ""  # the id of the lot it closes; empty: first in, first out
    note: str = ""
    line: int | None = None
    index: int = 0


@dataclass(frozen=True, slots=True)
class Cash:
    """A cash balance (or a movement: rows of one currency add up) in `currency`."""

    currency: str
    amount: Decimal
    date: dt.date | None = None
    note: str = ""
    line: int | None = None


@dataclass(frozen=True, slots=True)
class Dividend:
    """A dividend received (amount > 0) or paid on a short (amount < 0), in total, after withholding."""

    symbol: str
    date: dt.date
    amount: Decimal
    currency: str
    fx: Decimal | None = None
    note: str = ""
    line: int | None = None


@dataclass(frozen=True, slots=True)
class Book:
    name: str  # the file's stem
    title: str
    base_currency: str
    lots: tuple[Lot, ...] = ()
    closes: tuple[Close, ...] = ()
    cash: tuple[Cash, ...] = ()
    dividends: tuple[Dividend, ...] = ()
    description: str = ""
    path: Path | None = None
    demo: bool = False  # the shipped demo book: made-up positions, shown only on simulated data

    @property
    def symbols(self) -> tuple[str, ...]:
        """Every listing the book names, in first-seen order."""
        seen = dict.fromkeys([*(x.symbol for x in self.lots), *(x.symbol for x in self.closes),
                              *(x.symbol for x in self.dividends)])
        return tuple(seen)

    @property
    def currencies(self) -> tuple[str, ...]:
        """Every currency the book holds or trades in, the base first."""
        seen = dict.fromkeys([self.base_currency, *(x.currency for x in self.lots), *(x.currency for x in self.cash),
                              *(x.currency for x in self.dividends)])
        return tuple(seen)

    @property
    def fx_symbols(self) -> tuple[str, ...]:
        """The Yahoo FX symbols its currencies need (HKD=X, CNY=X, ...); USD needs none."""
        return tuple(FX_SYMBOLS[c] for c in self.currencies if c in FX_SYMBOLS)

    def lot_by_id(self, lot_id: str) -> Lot | None:
        return next((lot for lot in self.lots if lot.id == lot_id), None)
