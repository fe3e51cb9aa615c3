"""A book valued in its base currency at one instant: positions, P&L split into price and FX, day P&L, NAV.

For an open lot of q shares (today's units; negative for a short) at trade price p, with fees f of its open part,
trade-date rate x0 and live rate x1 (units of the lot's currency per base unit), last price L:

    cost        = (q p + f) / x0                      a short's cost is negative: proceeds less fees
    value       = q L / x1
    unrealized  = value - cost
                = q (L - p) / x1 - f / x0             price effect
                + q p (1 / x1 - 1 / x0)               FX effect

Division by a rate is multiplication by its reciprocal (tui/portfolio/money.py), so the two effects add up to
the unrealized P&L exactly. For k shares of that lot closed at price c and rate xc, with closing fees g (the
close's fees spread per share):

    realized    = s k c / xc - g / xc - (s k p + f_k) / x0     s = +1 (a long sold), -1 (a short covered)

Day P&L of a lot opened before today is q (L / x1 - P / xp), P the previous close and xp the FX rate at the
previous close; of a lot opened today it is its unrealized P&L (from the trade price, fees included). Shares
closed today count too: from the previous close to the closing price, less the closing fees. "Today" is the
session date of the listing's latest price.

A value that cannot be told (no price yet, no FX rate) is None, and so is every total it is part of: a
missing number is never 0. A trade-date rate that had to be today's is flagged (`approximate`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from decimal import Decimal

from tui.core.freshness import DEFAULT_STALE_AFTER, is_stale
from tui.core.sessions import MARKETS, local_date, market_of
from tui.core.store import MarketStore
from tui.portfolio.actions import Actions, load_actions
from tui.portfolio.ledger import HeldLot, Ledger, Match, build_ledger
from tui.portfolio.listings import Listings
from tui.portfolio.model import Book
from tui.portfolio.money import ZERO, dec, divide, exact, inverse
from tui.portfolio.rates import FxHistory, Rate, Rates

RATIO_DIGITS = 28  # significant digits of a weight, a ratio to NAV, an average cost


@dataclass(frozen=True, slots=True)
class LotValue:
    held: HeldLot
    rate: Rate  # the trade date's
    cost: Decimal | None
    value: Decimal | None
    unrealized: Decimal | None
    pnl_price: Decimal | None
    pnl_fx: Decimal | None
    day_pnl: Decimal | None


@dataclass(frozen=True, slots=True)
class RealizedValue:
    match: Match
    open_rate: Rate
    close_rate: Rate
    cost: Decimal | None  # the matched shares' cost, fees included
    proceeds: Decimal | None  # signed: a cover pays (negative)
    close_fees: Decimal | None
    realized: Decimal | None
    day_pnl: Decimal | None  # when closed today; None otherwise or when unknown
    today: bool


@dataclass(frozen=True, slots=True)
class Position:
    symbol: str
    name: str
    company: str
    side: str  # "us", "cn", "other"
    currency: str
    quantity: Decimal  # open, today's units (0: closed out)
    avg_cost: Decimal | None  # per share in `currency`, fees included; None when closed out
    price: Decimal | None  # last
    previous_close: Decimal | None
    value: Decimal | None
    cost: Decimal | None
    unrealized: Decimal | None
    pnl_price: Decimal | None
    pnl_fx: Decimal | None
    day_pnl: Decimal | None
    realized: Decimal | None
    dividends: Decimal | None
    weight: Decimal | None  # value / NAV, signed
    approximate: bool  # a trade-date rate was today's
    stale: bool
    delay_minutes: int
    unverified: tuple[str, ...]  # unverified corporate actions applied to its lots
    missing: str | None  # why its value is not known
    lots: tuple[LotValue, ...] = ()
    closed: tuple[RealizedValue, ...] = ()

    @property
    def is_open(self) -> bool:
        return self.quantity != 0

    @property
    def total_pnl(self) -> Decimal | None:
        parts = (self.unrealized if self.is_open else ZERO, self.realized, self.dividends)
        if any(p is None for p in parts):
            return None
        with exact():
            return sum(parts, ZERO)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class BookValue:
    book: Book
    as_of: float  # POSIX seconds
    base: str
    positions: tuple[Position, ...]  # open ones by size, then the closed-out ones
    cash: Decimal | None
    cash_by_currency: dict[str, Decimal]  # in each currency
    nav: Decimal | None
    long_value: Decimal | None
    short_value: Decimal | None  # a positive magnitude
    gross: Decimal | None
    net: Decimal | None
    gross_ratio: Decimal | None  # gross / NAV
    net_ratio: Decimal | None
    day_pnl: Decimal | None
    unrealized: Decimal | None
    pnl_price: Decimal | None
    pnl_fx: Decimal | None
    realized: Decimal | None
    dividends: Decimal | None
    total_pnl: Decimal | None
    missing: tuple[str, ...] = ()  # why totals are unknown
    approximate: tuple[str, ...] = ()  # what was converted at today's rate instead of its date's
    unverified: tuple[str, ...] = ()
    ledger: Ledger | None = field(default=None, compare=False)

    @property
    def open_positions(self) -> tuple[Position, ...]:
        return tuple(p for p in self.positions if p.is_open)

    def position(self, symbol: str) -> Position | None:
        return next((p for p in self.positions if p.symbol == symbol), None)


def _sum(values) -> Decimal | None:
    values = list(values)
    if any(v is None for v in values):
        return None
    with exact():
        return sum(values, ZERO)


def book_as_of(book: Book, day: dt.date) -> Book:
    """`book` without what it records after `day` (a clock set in the past: `--demo --at`). Tokyo's date is the
    first to turn: nothing traded anywhere by `now` is left out."""
    def kept(rows):
        return tuple(r for r in rows if r.date is None or r.date <= day)

    if all(r.date is None or r.date <= day for r in (*book.lots, *book.closes, *book.dividends, *book.cash)):
        return book
    return replace(book, lots=kept(book.lots), closes=kept(book.closes), dividends=kept(book.dividends),
                   cash=kept(book.cash))


def session_date(store: MarketStore, symbol: str, now: float) -> dt.date:
    """The date of the session `symbol`'s latest price belongs to (its market's local date)."""
    q = store.quotes.get(symbol)
    market = market_of(symbol)
    return local_date(market, q.time if q is not None else now)


def value_book(book: Book, store: MarketStore, *, now: float, listings: Listings | None = None,
               actions: Actions | None = None, history: FxHistory | None = None,
               stale_after: float = DEFAULT_STALE_AFTER) -> BookValue:
    """Value `book` at `now` (POSIX seconds) from what `store` holds."""
    listings = listings if listings is not None else Listings()
    actions = actions if actions is not None else load_actions()
    book = book_as_of(book, local_date(MARKETS["JP"], now))
    sessions = {sym: session_date(store, sym, now) for sym in book.symbols}
    ledger = build_ledger(book, actions, sessions)
    rates = Rates(store, book.base_currency, history)

    held_by_symbol: dict[str, list[HeldLot]] = {}
    for h in ledger.held:
        held_by_symbol.setdefault(h.lot.symbol, []).append(h)
    matches_by_symbol: dict[str, list[Match]] = {}
    for m in ledger.matches:
        matches_by_symbol.setdefault(m.lot.symbol, []).append(m)

    positions: list[Position] = []
    approximate: list[str] = []
    for symbol in book.symbols:
        if symbol not in held_by_symbol:
            continue  # a dividend of a symbol with no lot: counted in the book's dividends below
        pos, approx = _position(book, store, symbol, held_by_symbol[symbol], matches_by_symbol.get(symbol, []),
                                rates, sessions[symbol], listings, now, stale_after)
        positions.append(pos)
        approximate += approx

    # dividends, by symbol
    dividend_parts: dict[str, list[Decimal | None]] = {}
    for d in book.dividends:
        rate = rates.on(d.currency, d.date, d.fx, today=sessions.get(d.symbol))
        if rate.approximate:
            approximate.append(f"dividend of {d.symbol} on {d.date.isoformat()}: at today's {d.currency} rate")
        amount = None
        if rate.value is not None:
            with exact():
                amount = d.amount * inverse(rate.value)
        dividend_parts.setdefault(d.symbol, []).append(amount)
    dividends = {sym: _sum(parts) for sym, parts in dividend_parts.items()}
    positions = [_with(p, dividends=dividends.get(p.symbol, ZERO)) for p in positions]

    cash_by_currency: dict[str, Decimal] = {}
    for c in book.cash:
        with exact():
            cash_by_currency[c.currency] = cash_by_currency.get(c.currency, ZERO) + c.amount
    cash_parts = []
    missing: list[str] = []
    for ccy, amount in cash_by_currency.items():
        x1 = rates.now(ccy)
        if x1 is None:
            missing.append(f"no {ccy} rate yet (cash)")
            cash_parts.append(None)
        else:
            with exact():
                cash_parts.append(amount * inverse(x1))
    cash = _sum(cash_parts)

    open_pos = [p for p in positions if p.is_open]
    missing += [f"{p.symbol}: {p.missing}" for p in open_pos if p.missing]
    values = [p.value for p in open_pos]
    long_value = _sum(v for v in values if v is None or v > 0) if None not in values else None
    short_value = None
    if None not in values:
        with exact():
            short_value = -sum((v for v in values if v < 0), ZERO)  # type: ignore[operator]
    nav = _sum([*values, cash])
    gross = net = gross_ratio = net_ratio = None
    if long_value is not None and short_value is not None:
        with exact():
            gross, net = long_value + short_value, long_value - short_value
            if nav is not None and nav > 0:
                gross_ratio, net_ratio = divide(gross, nav, RATIO_DIGITS), divide(net, nav, RATIO_DIGITS)
    if nav is not None and nav > 0:
        positions = [_with(p, weight=divide(p.value, nav, RATIO_DIGITS) if p.is_open and p.value is not None
                           else None) for p in positions]
    extra_dividends = [v for s, v in dividends.items() if s not in held_by_symbol]
    div_total = _sum([*(p.dividends for p in positions), *extra_dividends])
    unrealized = _sum(p.unrealized for p in open_pos)
    realized = _sum(p.realized for p in positions)
    total = _sum([unrealized, realized, div_total])
    open_sorted = sorted((p for p in positions if p.is_open),
                         key=lambda p: (p.value is None, -abs(p.value or ZERO), p.symbol))
    closed_sorted = sorted((p for p in positions if not p.is_open), key=lambda p: p.symbol)
    unverified = tuple(dict.fromkeys(u for p in positions for u in p.unverified))
    return BookValue(
        book=book, as_of=now, base=book.base_currency, positions=tuple(open_sorted + closed_sorted), cash=cash,
        cash_by_currency=cash_by_currency, nav=nav, long_value=long_value, short_value=short_value, gross=gross,
        net=net, gross_ratio=gross_ratio, net_ratio=net_ratio,
        day_pnl=_sum(p.day_pnl for p in positions),
        unrealized=unrealized, pnl_price=_sum(p.pnl_price for p in open_pos),
        pnl_fx=_sum(p.pnl_fx for p in open_pos), realized=realized, dividends=div_total, total_pnl=total,
        missing=tuple(dict.fromkeys(missing)), approximate=tuple(dict.fromkeys(approximate)), unverified=unverified,
        ledger=ledger,
    )


def _with(p: Position, **changes) -> Position:
    return replace(p, **changes)


def _position(book: Book, store: MarketStore, symbol: str, held: list[HeldLot], matches: list[Match], rates: Rates,
              session: dt.date, listings: Listings, now: float, stale_after: float) -> tuple[Position, list[str]]:
    q = store.quotes.get(symbol)
    currency = held[0].lot.currency
    info = listings.info(symbol, q.short_name if q is not None else None)
    price = dec(q.price) if q is not None else None
    if price is not None and price <= 0:
        price = None
    prev = dec(q.previous_close) if q is not None else None
    if prev is not None and prev <= 0:
        prev = None
    quoted_ccy = store.currency_of(symbol)
    missing = None
    if q is None:
        missing = "not found by the data source" if symbol in store.unknown else "no price yet"
    elif quoted_ccy is not None and quoted_ccy.upper() != currency:
        missing = f"priced in {quoted_ccy} by the data source, its lots are in {currency}"
        price = None
    x1 = rates.now(currency)
    if x1 is None and missing is None:
        missing = f"no {currency} rate yet"
    a1 = inverse(x1) if x1 is not None else None
    approx: list[str] = []

    prev_rate = rates.previous(currency, session)
    ap = inverse(prev_rate.value) if prev_rate.value is not None else None

    lots: list[LotValue] = []
    for h in held:
        if h.open == 0:
            continue
        lot = h.lot
        r0 = rates.on(currency, lot.date, lot.fx, today=session)
        if r0.approximate:
            approx.append(f"{symbol} lot {lot.id} of {lot.date.isoformat()}: cost at today's {currency} rate")
        cost = value = unrealized = pnl_price = pnl_fx = day = None
        with exact():
            f = h.open_fees
            a0 = inverse(r0.value) if r0.value is not None else None
            if a0 is not None:
                cost = (h.open * h.price + f) * a0
            if price is not None and a1 is not None:
                value = h.open * price * a1
                if a0 is not None:
                    unrealized = value - cost
                    pnl_fx = h.open * h.price * (a1 - a0)
                    pnl_price = h.open * (price - h.price) * a1 - f * a0
            if lot.date >= session:
                day = unrealized
            elif price is not None and a1 is not None and prev is not None and ap is not None:
                day = h.open * (price * a1 - prev * ap)
        lots.append(LotValue(h, r0, cost, value, unrealized, pnl_price, pnl_fx, day))

    closed: list[RealizedValue] = []
    for m in matches:
        r0 = rates.on(currency, m.lot.date, m.lot.fx, today=session)
        rc = rates.on(currency, m.close.date, m.close.fx, today=session)
        for r, what in ((r0, f"lot {m.lot.id} of {m.lot.date.isoformat()}"),
                        (rc, f"close of {m.close.date.isoformat()}")):
            if r.approximate:
                approx.append(f"{symbol} {what}: realized P&L at today's {currency} rate")
        cost = proceeds = fees = realized = day = None
        today = m.close.date >= session
        with exact():
            s, k = m.sign, m.quantity
            if r0.value is not None:
                cost = (s * k * m.lot_price + m.lot_fees) * inverse(r0.value)
            if rc.value is not None:
                ac = inverse(rc.value)
                proceeds = s * k * m.close_price * ac
                fees = m.close_fees * ac
                if cost is not None:
                    realized = proceeds - fees - cost
                if today:
                    if m.lot.date >= session:
                        day = realized
                    elif prev is not None and ap is not None:
                        day = s * k * (m.close_price * ac - prev * ap) - fees
        closed.append(RealizedValue(m, r0, rc, cost, proceeds, fees, realized, day, today))

    with exact():
        quantity = sum((h.open for h in held), ZERO)
        avg_cost = None
        if quantity != 0:
            avg_cost = divide(sum((h.open * h.price + h.open_fees for h in held if h.open != 0), ZERO), quantity,
                              RATIO_DIGITS)
    day_parts = [lv.day_pnl for lv in lots] + [rv.day_pnl for rv in closed if rv.today]
    unverified = tuple(dict.fromkeys(a.describe() for h in held for a in h.adjustment.unverified))
    unverified += tuple(a.describe() for m in matches for a in m.close_adjustment.unverified
                        if a.describe() not in unverified)
    position = Position(
        symbol=symbol, name=info.name, company=info.company, side=info.side, currency=currency, quantity=quantity,
        avg_cost=avg_cost, price=price, previous_close=prev,
        value=_sum(lv.value for lv in lots) if lots else ZERO,
        cost=_sum(lv.cost for lv in lots) if lots else ZERO,
        unrealized=_sum(lv.unrealized for lv in lots) if lots else ZERO,
        pnl_price=_sum(lv.pnl_price for lv in lots) if lots else ZERO,
        pnl_fx=_sum(lv.pnl_fx for lv in lots) if lots else ZERO,
        day_pnl=_sum(day_parts), realized=_sum(rv.realized for rv in closed), dividends=ZERO, weight=None,
        approximate=bool(approx), stale=bool(q is not None and is_stale(q, now, stale_after=stale_after)),
        delay_minutes=q.delay_minutes if q is not None else 0, unverified=unverified,
        missing=missing if lots else None, lots=tuple(lots), closed=tuple(closed))
    if len({lv.held.open > 0 for lv in lots}) > 1:
        # long and short lots open at once: the loader refuses such a book (tui/portfolio/ledger.py); one built
        # some other way shows no netted quantity's average cost nor a value that hides a short in a long
        position = _with(position, avg_cost=None, value=None, cost=None, unrealized=None, pnl_price=None,
                         pnl_fx=None, missing="long and short lots open at once: `aiwatch check` says what to write")
    return position, approx
