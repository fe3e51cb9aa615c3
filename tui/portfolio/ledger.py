"""Closes matched to the lots they close: the named lot (`lot = "id"`), else first in, first out.

Everything is in the valuation date's share units (tui/portfolio/actions.py): a lot of 10 NVDA bought before the
10-for-1 split is a lot of 100, at a tenth of the price, and a close of 50 after the split takes half of it.
Closes are taken in date order (file order within a date); a close can match lots traded on or before its date.

A listing is held on one side at a time: at the end of every day its open lots are all long or all short. A lot
that would leave a listing long and short at once (a short sale while shares are held, a purchase while a short
is open) is a problem that asks for a [[close]]; aiwatch never nets it into the position on its own, which would
show a quantity and an average cost the trades do not have.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from tui.portfolio.actions import Actions, Adjustment
from tui.portfolio.model import Book, Close, Lot
from tui.portfolio.money import ZERO, divide, exact

FEE_DIGITS = 34  # significant digits of a share of a trade's fees


def _share(fees: Decimal, part: Decimal, whole: Decimal) -> Decimal:
    """The fees that go with `part` of `whole` shares (to FEE_DIGITS significant digits; exact for the whole)."""
    if part == whole:
        return fees
    with exact():
        numerator = fees * part
    return divide(numerator, whole, FEE_DIGITS)


def qty_text(q: Decimal) -> str:
    """A quantity as people write it: 100, 12.5 (no exponent, no trailing zeros)."""
    text = format(q.normalize(), "f")
    return text


@dataclass(frozen=True, slots=True)
class HeldLot:
    """A lot in today's units and what of it is still open."""

    lot: Lot
    quantity: Decimal  # the whole lot, signed
    price: Decimal  # per share in today's units, in the lot's currency
    open: Decimal  # still open, signed like `quantity`; 0 when closed
    adjustment: Adjustment
    open_fees: Decimal  # the lot's fees of its open part (fees are spread per share)


@dataclass(frozen=True, slots=True)
class Match:
    """`quantity` shares of `lot` closed by `close` (both in today's units)."""

    close: Close
    lot: Lot
    quantity: Decimal  # > 0
    lot_quantity: Decimal  # the whole lot, signed
    lot_price: Decimal
    close_quantity: Decimal  # the whole close
    close_price: Decimal
    close_adjustment: Adjustment
    lot_fees: Decimal  # the part of the lot's fees that goes with the matched shares
    close_fees: Decimal  # the part of the close's fees that goes with them

    @property
    def sign(self) -> int:
        return -1 if self.lot_quantity < 0 else 1


@dataclass(slots=True)
class Ledger:
    held: list[HeldLot] = field(default_factory=list)  # every lot, in the file's order
    matches: list[Match] = field(default_factory=list)
    problems: list[tuple[int | None, str]] = field(default_factory=list)  # (line, message)

    def open_lots(self, symbol: str | None = None) -> list[HeldLot]:
        return [h for h in self.held if h.open != 0 and (symbol is None or h.lot.symbol == symbol)]


def build_ledger(book: Book, actions: Actions, as_of: dt.date | Mapping[str, dt.date] | None = None) -> Ledger:
    """Match every close of `book` to its lots; a close that cannot be matched is a problem and is left out.

    `as_of`: the valuation date, or one per symbol (the session date of its price: an action takes effect with
    the first price on the adjusted basis); None applies every action."""
    ledger = Ledger()
    state: list[list] = []  # per lot: [lot, quantity, price, open, adjustment, fees of the open part]
    for lot in book.lots:
        adj = actions.adjustment(lot.symbol, lot.date, _date_for(as_of, lot.symbol))
        q = adj.quantity(lot.quantity)
        state.append([lot, q, adj.price(lot.price), q, adj, lot.fees])
    by_id = {s[0].id: s for s in state}
    fifo: dict[str, list[list]] = {}
    for s in sorted(state, key=lambda s: (s[0].date, s[0].index)):
        fifo.setdefault(s[0].symbol, []).append(s)

    for close in sorted(book.closes, key=lambda c: (c.date, c.index)):
        cadj = actions.adjustment(close.symbol, close.date, _date_for(as_of, close.symbol))
        cq, cp = cadj.quantity(close.quantity), cadj.price(close.price)
        what = f"close of {qty_text(close.quantity)} {close.symbol} on {close.date.isoformat()}"
        if cadj.actions:
            what += f" ({qty_text(cq)} in today's shares)"
        problem = _close_problem(close, what, cq, cadj, by_id, fifo)
        if isinstance(problem, str):
            ledger.problems.append((close.line, problem))
            continue
        if close.lot:
            portions = [(by_id[close.lot], cq)]
        else:
            eligible = problem
            portions, left = [], cq
            for s in eligible:
                if left <= 0:
                    break
                take = min(abs(s[3]), left)
                portions.append((s, take))
                with exact():
                    left -= take
        close_fees_left = close.fees
        for n, (s, take) in enumerate(portions):
            # each part of a fee is its share of the shares, and the last part the rest: the parts add up to it
            lot_fees = s[5] if take == abs(s[3]) else _share(s[0].fees, take, abs(s[1]))
            close_fees = close_fees_left if n == len(portions) - 1 else _share(close.fees, take, cq)
            with exact():
                s[3] = s[3] - take if s[3] > 0 else s[3] + take
                s[5] -= lot_fees
                close_fees_left -= close_fees
            ledger.matches.append(Match(close, s[0], take, s[1], s[2], cq, cp, cadj, lot_fees, close_fees))
    ledger.held = [HeldLot(s[0], s[1], s[2], s[3], s[4], s[5]) for s in state]
    ledger.problems += _both_sides_problems(state, ledger.matches)
    return ledger


def _both_sides_problems(state: list[list], matches: list[Match]) -> list[tuple[int | None, str]]:
    """A problem for each lot that leaves its listing long and short at once at the end of its trade date.

    Closes only shrink lots, so a listing can only come to hold both sides on a day a lot is opened: checking
    at the end of each lot's date (after that day's closes) finds every case, and a flip written as a close and
    a lot of the other side on the same day is fine."""
    closed_by: dict[int, list[Match]] = {}
    for m in matches:
        closed_by.setdefault(id(m.lot), []).append(m)
    by_symbol: dict[str, list[list]] = {}
    for s in sorted(state, key=lambda s: (s[0].date, s[0].index)):
        by_symbol.setdefault(s[0].symbol, []).append(s)
    out: list[tuple[int | None, str]] = []
    for lots in by_symbol.values():
        for n, s in enumerate(lots):
            lot, day = s[0], s[0].date
            open_then = []  # (state, quantity still open at the end of `day`, signed) of the lots before this one
            for t in lots[:n]:
                with exact():
                    gone = sum((m.quantity for m in closed_by.get(id(t[0]), ()) if m.close.date <= day), ZERO)
                    left = abs(t[1]) - gone
                if left > 0:
                    open_then.append((t, left if t[1] > 0 else -left))
            with exact():
                own_gone = sum((m.quantity for m in closed_by.get(id(lot), ()) if m.close.date <= day), ZERO)
            other = [(t, q) for t, q in open_then if (q > 0) != (s[1] > 0)]
            if not other or own_gone >= abs(s[1]):
                continue  # same side as what is open, or itself closed by the end of its day
            with exact():
                held = sum((q for _, q in other), ZERO)
            out.append((lot.line, _both_sides_message(lot, s[1], held, s[4])))
    return out


def _both_sides_message(lot: Lot, quantity: Decimal, held: Decimal, adj: Adjustment) -> str:
    """What is wrong with a lot opened against an open position of its listing, and what to write instead."""
    n, symbol, day = qty_text(abs(quantity)), lot.symbol, lot.date.isoformat()
    have = qty_text(abs(held))
    if quantity < 0:
        trade, position, close = f"a short sale of {n}", f"{have} {symbol} are held long", "a sale of shares held"
    else:
        trade, position, close = f"a purchase of {n}", f"{have} {symbol} are sold short", "a purchase covering a short"
    if abs(quantity) > abs(held):
        rest = qty_text(abs(quantity) - abs(held))
        rest_q = f"-{rest}" if quantity < 0 else rest
        fix = (f"write a [[close]] of {have} and a [[lot]] of quantity = {rest_q} for the rest, both dated {day}")
    else:
        fix = f"write it as a [[close]] of {n} dated {day} (first in, first out, or name the lot)"
    units = _units_note([adj])
    return (f"lot {lot.index + 1} ({symbol}) on {day}: {trade} while {position}{units}: one listing is held on one side at a "
            f"time and {close} is a [[close]]: {fix}")


def _close_problem(close: Close, what: str, cq: Decimal, cadj: Adjustment, by_id: dict[str, list],
                   fifo: dict[str, list[list]]) -> str | list[list]:
    """Why `close` cannot be matched, or (without a lot id) the open lots it may take from, oldest first."""
    if close.lot:
        s = by_id.get(close.lot)
        if s is None:
            return f"{what}: no lot with id {close.lot!r}"
        lot = s[0]
        if lot.symbol != close.symbol:
            return f"{what}: lot {close.lot!r} is a lot of {lot.symbol}"
        if lot.date > close.date:
            return f"{what}: lot {close.lot!r} was traded later, on {lot.date.isoformat()}"
        if abs(s[3]) < cq:
            still = qty_text(abs(s[3]))
            return f"{what} is larger than the {still} still open in lot {close.lot!r}{_units_note([s[4], cadj])}"
        return [s]
    eligible = [s for s in fifo.get(close.symbol, ()) if s[0].date <= close.date and s[3] != 0]
    if not eligible:
        return f"{what}: no lot of {close.symbol} is open on or before that date"
    if len({s[3] > 0 for s in eligible}) > 1:
        # a close on the day a position flips (a close and a lot of the other side on one date) closes the side
        # that was open before that day
        before = [s for s in eligible if s[0].date < close.date]
        if before and len({s[3] > 0 for s in before}) == 1:
            eligible = before
    if len({s[3] > 0 for s in eligible}) > 1:
        return f'{what}: {close.symbol} has long and short lots open then: name the lot it closes with lot = "id"'
    with exact():
        held = sum((abs(s[3]) for s in eligible), ZERO)
    if held < cq:
        units = _units_note([s[4] for s in eligible] + [cadj])
        return f"{what} is larger than the open quantity, {qty_text(held)}{units}"
    return eligible


def _date_for(as_of: dt.date | Mapping[str, dt.date] | None, symbol: str) -> dt.date | None:
    if as_of is None or isinstance(as_of, dt.date):
        return as_of
    return as_of.get(symbol)


def _units_note(adjustments: list[Adjustment]) -> str:
    """Which corporate actions the quantities of a message were adjusted for, if any."""
    acts = list(dict.fromkeys(a for adj in adjustments for a in adj.actions))
    if not acts:
        return ""
    return f" (in today's shares, after the {'; '.join(a.describe() for a in acts)})"
