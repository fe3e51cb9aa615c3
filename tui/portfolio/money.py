"""Exact decimal money: every amount of a book is a `decimal.Decimal`, never a float.

Prices and FX rates reach the store as floats (parsed from JSON text); `dec` turns them back into the decimal
they were written as (`repr`, the shortest text that reads back as the same float). An FX rate is used through
its reciprocal, rounded once to RATE_DIGITS significant digits; everything after that (products and sums) is
computed in the EXACT context, whose precision no book comes near, so identities such as
`price effect + FX effect == unrealized P&L` hold to the last digit. Amounts are rounded only for display and
for the snapshot (`round_money`).
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_EVEN, Context, Decimal, localcontext

RATE_DIGITS = 34  # significant digits of 1 / rate
ADJUST_DIGITS = 40  # significant digits of a price divided by a split ratio that does not divide it
# Quantities and prices are capped by the loader (MAX_DIGITS); reciprocals have RATE_DIGITS: a product of three
# has well under 200 digits, a sum of them well under 400.
EXACT = Context(prec=400, Emax=10**6, Emin=-(10**6))
MONEY_PLACES = 2  # the snapshot's and the screen's amounts in the base currency: cents
MAX_DIGITS = 24  # significant digits a number in a portfolio file may have
MAX_MAGNITUDE = Decimal(10) ** 15  # no quantity, price or amount is this large

ZERO = Decimal(0)
ONE = Decimal(1)


def dec(x: object) -> Decimal | None:
    """`x` as a Decimal: floats through their shortest repr; None for None, bools, NaN and infinities."""
    if x is None or isinstance(x, bool):
        return None
    if isinstance(x, Decimal):
        return x if x.is_finite() else None
    if isinstance(x, int):
        return Decimal(x)
    if isinstance(x, float):
        return Decimal(repr(x)) if math.isfinite(x) else None
    return None


def inverse(x: Decimal) -> Decimal:
    """1 / x to RATE_DIGITS significant digits (x is a positive FX rate)."""
    with localcontext(Context(prec=RATE_DIGITS)):
        return ONE / x


def exact():
    """The context every sum and product of a valuation runs in: `with exact(): ...`."""
    return localcontext(EXACT)


def divide(x: Decimal, y: Decimal, digits: int = ADJUST_DIGITS) -> Decimal:
    """x / y to `digits` significant digits (exact when y divides x within them)."""
    with localcontext(Context(prec=digits)):
        return x / y


def round_money(x: Decimal | None, places: int = MONEY_PLACES) -> Decimal | None:
    """`x` rounded half-even to `places` decimals (None stays None)."""
    if x is None:
        return None
    with exact():
        return x.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)


def as_float(x: Decimal | None) -> float | None:
    """A JSON number: a rounded Decimal's float reads back as the same short decimal text."""
    return None if x is None else float(x)
