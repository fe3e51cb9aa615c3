"""Properties of the book's arithmetic, over random lots, prices and FX rates (hypothesis):

- a lot opened and closed whole at the same price and the same rate leaves only its fees as P&L;
- a short is the mirror of a long: swapping the sign of every lot flips the sign of every P&L (fees aside);
- the price effect and the FX effect add up to the unrealized P&L exactly, position by position and in total.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from portfolio_support import ASIA_CLOSE, NOW, quote

from tui.core.store import FX_SYMBOLS, MarketStore
from tui.portfolio.model import Book, Close, Lot
from tui.portfolio.money import ZERO, exact, inverse
from tui.portfolio.valuation import value_book

SYMBOL = {"USD": "NVDA", "HKD": "0700.HK", "CNY": "688981.SS"}
quantities = st.decimals(min_value=Decimal("0.0001"), max_value=Decimal(1000000), places=4)
prices = st.decimals(min_value=Decimal("0.01"), max_value=Decimal(50000), places=4)
fees = st.decimals(min_value=Decimal(0), max_value=Decimal(500), places=2)
rates = st.decimals(min_value=Decimal("0.05"), max_value=Decimal(200), places=6)
currencies = st.sampled_from(["USD", "HKD", "CNY"])
dates = st.dates(min_value=dt.date(2023, 1, 2), max_value=dt.date(2026, 11, 20))
PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def market(prices_now: dict[str, tuple[Decimal, Decimal]], fx_now: dict[str, tuple[Decimal, Decimal]]
           ) -> MarketStore:
    """Quotes for each symbol (last, previous close) and each FX rate (units per USD now, at the previous close)."""
    store = MarketStore()
    for symbol, (last, prev) in prices_now.items():
        ccy = next(c for c, s in SYMBOL.items() if s == symbol)
        store.apply_quote(quote(symbol, float(last), float(prev), ccy, NOW if ccy == "USD" else ASIA_CLOSE))
    for ccy, (now, prev) in fx_now.items():
        store.apply_quote(quote(FX_SYMBOLS[ccy], float(now), float(prev), ccy))
    return store


def book(lots=(), closes=(), base="USD") -> Book:
    return Book(name="prop", title="property", base_currency=base, lots=tuple(lots), closes=tuple(closes))


@PROPERTY
@given(ccy=currencies, base=st.sampled_from(["USD", "HKD"]), q=quantities, p=prices, f_open=fees, f_close=fees,
       x=rates, x_now=rates, short=st.booleans(), opened=dates, held_days=st.integers(0, 300),
       last=prices)
def test_portfolio_open_and_close_at_the_same_price_and_rate_leaves_only_the_fees(
        ccy, base, q, p, f_open, f_close, x, x_now, short, opened, held_days, last):
    closed = min(opened + dt.timedelta(days=held_days), dt.date(2026, 11, 20))
    rate = None if ccy == base else x  # the rate written on both trades
    symbol = SYMBOL[ccy]
    lot = Lot(symbol, opened, -q if short else q, p, ccy, f_open, fx=rate, id="a")
    # across NVIDIA's 10-for-1 split (2024-06-10) the whole lot is ten times the shares at a tenth of the price
    split = 10 if symbol == "NVDA" and opened < dt.date(2024, 6, 10) <= closed else 1
    close = Close(symbol, closed, q * split, p / split, ccy, f_close, fx=rate)
    fx = {c: (x_now, x_now) for c in {ccy, base} - {"USD"}}
    bv = value_book(book([lot], [close], base), market({symbol: (last, last)}, fx), now=NOW)
    position = bv.position(symbol)
    a = Decimal(1) if ccy == base else inverse(x)
    with exact():
        assert position.realized == -(f_open + f_close) * a
    assert position.quantity == 0 and position.value == 0 and position.unrealized == 0
    assert position.day_pnl == 0  # closed before today
    with exact():
        assert bv.total_pnl == -(f_open + f_close) * a


def mirrored(lots: list[Lot]) -> list[Lot]:
    return [Lot(t.symbol, t.date, -t.quantity, t.price, t.currency, t.fees, t.fx, t.id) for t in lots]


@PROPERTY
@given(ccy=currencies, q=quantities, p=prices, last=prices, prev=prices, x0=rates, x_now=rates, x_prev=rates,
       part=st.integers(0, 100), close_price=prices, x_close=rates, f=fees, opened=dates)
def test_portfolio_swapping_long_and_short_flips_the_sign_of_pnl(
        ccy, q, p, last, prev, x0, x_now, x_prev, part, close_price, x_close, f, opened):
    symbol = SYMBOL[ccy]
    foreign = ccy != "USD"
    k = (q * part / 100).quantize(Decimal("0.0001"))
    lots = [Lot(symbol, opened, q, p, ccy, f, fx=x0 if foreign else None, id="a")]
    closes = [Close(symbol, dt.date(2026, 11, 21), k, close_price, ccy, f, fx=x_close if foreign else None)] \
        if k > 0 else []
    store = market({symbol: (last, prev)}, {ccy: (x_now, x_prev)} if foreign else {})
    long = value_book(book(lots, closes), store, now=NOW).position(symbol)
    short = value_book(book(mirrored(lots), closes), store, now=NOW).position(symbol)
    a0 = inverse(x0) if foreign else Decimal(1)
    ac = inverse(x_close) if foreign else Decimal(1)
    with exact():  # (even a negation rounds outside it)
        assert short.quantity == -long.quantity
        assert short.value == -long.value
        assert short.pnl_fx == -long.pnl_fx
        assert short.day_pnl == -long.day_pnl
        # the fees cost a long and a short alike: without them, every P&L flips its sign
        open_fees = long.lots[0].held.open_fees * a0 if long.lots else ZERO
        assert short.unrealized + open_fees == -(long.unrealized + open_fees)
        assert short.pnl_price + open_fees == -(long.pnl_price + open_fees)
        if k:
            closed_fees = (f - (long.lots[0].held.open_fees if long.lots else ZERO)) * a0 + f * ac
            assert short.realized + closed_fees == -(long.realized + closed_fees)


@PROPERTY
@given(rows=st.lists(st.tuples(currencies, quantities, st.booleans(), prices, fees, dates, st.one_of(st.none(), rates)),
                min_size=1, max_size=6),
       prices_now=st.fixed_dictionaries({c: st.tuples(prices, prices) for c in SYMBOL}),
       fx_now=st.fixed_dictionaries({c: st.tuples(rates, rates) for c in ("HKD", "CNY")}),
       history_rate=rates)
def test_portfolio_price_and_fx_effects_add_up_to_unrealized_exactly(rows, prices_now, fx_now, history_rate):
    from tui.portfolio.rates import FxHistory

    lots = []
    for n, (ccy, q, short, p, f, day, rate) in enumerate(rows):
        lots.append(Lot(SYMBOL[ccy], day, -q if short else q, p, ccy, f, fx=rate if ccy != "USD" else None,
                        id=f"l{n}", index=n))
    # the NVDA lots from before 2024-06-10 are read through the 10-for-1 split; the rest of the rates come from a
    # daily history or, before it, today's rate
    history = FxHistory()
    for ccy in ("HKD", "CNY"):
        history.add(ccy, {dt.date(2024, 1, 2) + dt.timedelta(days=i): history_rate for i in range(0, 1100, 7)})
    symbols = {SYMBOL[c] for c, *_ in rows}
    # a listing held both long and short is two books' worth of trouble: keep one sign per listing
    signs: dict[str, bool] = {}
    lots = [t for t in lots if signs.setdefault(t.symbol, t.quantity > 0) == (t.quantity > 0)]
    store = market({SYMBOL[c]: v for c, v in prices_now.items() if SYMBOL[c] in symbols}, fx_now)
    bv = value_book(book(lots), store, now=NOW, history=history)
    with exact():
        for position in bv.open_positions:
            assert position.pnl_price + position.pnl_fx == position.unrealized, position.symbol
            for lv in position.lots:
                assert lv.pnl_price + lv.pnl_fx == lv.unrealized
            if position.currency == "USD":
                assert position.pnl_fx == ZERO
        assert bv.pnl_price + bv.pnl_fx == bv.unrealized
