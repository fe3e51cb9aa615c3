"""Pair trades: the lots of a book that share a `pair` name, valued together.

For each pair: each leg's (listing's) open quantity, value, unrealized and realized P&L in the pair's lots; the
spread's P&L (the legs' sum); gross (sum of absolute values) and net (sum of values); and the hedge ratio, the
short legs' notional over the long legs', at entry (open quantity x trade price at the trade-date rate) and now
(at market), with its drift: now / entry - 1. A pair without both a long and a short leg open has no hedge
ratio.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from tui.portfolio.money import ZERO, divide, exact, inverse
from tui.portfolio.valuation import BookValue


@dataclass(frozen=True, slots=True)
class PairLeg:
    symbol: str
    quantity: Decimal  # open, today's units
    value: Decimal | None
    unrealized: Decimal | None
    realized: Decimal | None
    pnl: Decimal | None
    entry_notional: Decimal | None  # signed


@dataclass(frozen=True, slots=True)
class PairTrade:
    name: str
    legs: tuple[PairLeg, ...]
    pnl: Decimal | None  # the spread's P&L: the legs' sum
    gross: Decimal | None
    net: Decimal | None
    hedge_entry: Decimal | None  # short notional / long notional at entry
    hedge_now: Decimal | None
    drift: Decimal | None  # hedge_now / hedge_entry - 1


def _sum(values) -> Decimal | None:
    values = list(values)
    if any(v is None for v in values):
        return None
    with exact():
        return sum(values, ZERO)


def pair_trades(bv: BookValue) -> list[PairTrade]:
    """The book's pair trades, in the order their names first appear in the file."""
    legs: dict[str, dict[str, dict[str, list]]] = {}
    order = list(dict.fromkeys(lot.pair for lot in bv.book.lots if lot.pair))
    for p in bv.positions:
        for lv in p.lots:
            if lv.held.lot.pair:
                legs.setdefault(lv.held.lot.pair, {}).setdefault(p.symbol, {"open": [], "closed": []})["open"].append(lv)
        for rv in p.closed:
            if rv.match.lot.pair:
                legs.setdefault(rv.match.lot.pair, {}).setdefault(p.symbol, {"open": [], "closed": []})[
                    "closed"].append(rv)
    out = []
    for name in order:
        if name not in legs:
            continue
        pair_legs = []
        for symbol, parts in legs[name].items():
            lots, closed = parts["open"], parts["closed"]
            with exact():
                quantity = sum((lv.held.open for lv in lots), ZERO)
            notional = []
            for lv in lots:
                if lv.rate.value is None:
                    notional.append(None)
                else:
                    with exact():
                        notional.append(lv.held.open * lv.held.price * inverse(lv.rate.value))
            unrealized = _sum(lv.unrealized for lv in lots)
            realized = _sum(rv.realized for rv in closed)
            pair_legs.append(PairLeg(symbol, quantity, _sum(lv.value for lv in lots), unrealized, realized,
                                     _sum([unrealized, realized]), _sum(notional)))
        values = [leg.value for leg in pair_legs if leg.quantity != 0]
        gross = net = None
        if None not in values:
            with exact():
                gross = sum((abs(v) for v in values), ZERO)
                net = sum(values, ZERO)
        entry = _hedge([leg.entry_notional for leg in pair_legs if leg.quantity != 0])
        now = _hedge(values)
        drift = None
        if entry is not None and now is not None and entry != 0:
            with exact():
                drift = divide(now, entry, 28) - 1
        out.append(PairTrade(name, tuple(pair_legs), _sum(leg.pnl for leg in pair_legs), gross, net, entry, now,
                             drift))
    return out


def _hedge(notionals: list[Decimal | None]) -> Decimal | None:
    if not notionals or None in notionals:
        return None
    with exact():
        long = sum((n for n in notionals if n > 0), ZERO)
        short = -sum((n for n in notionals if n < 0), ZERO)
    if long <= 0 or short <= 0:
        return None
    return divide(short, long, 28)
