"""What one quote-board row says, worked out from the store without Textual.

`row_view` turns a symbol's quote, fundamentals and valuation into the strings the board shows; the
board compares views to decide which rows to repaint.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from tui.core.freshness import age_seconds, delay_minutes, format_age, is_stale
from tui.core.store import MarketStore
from tui.core.valuation import valuation
from tui.format import NO_DATA, fmt_cap, fmt_change, fmt_extended, fmt_multiple, fmt_pct, fmt_price
from tui.model import Instrument, change_pct_of

NO_TRADE = "no trade"  # in the change % column: halted, or no trade yet today (the price is the previous close)


@dataclass(frozen=True, slots=True)
class RowView:
    """The text of one board row, and the flags that pick its colours."""

    symbol: str
    name: str
    price: str = NO_DATA
    change: str = NO_DATA
    change_pct: str = NO_DATA
    cap: str = NO_DATA
    pe: str = NO_DATA
    age: str = ""
    delay: str = ""  # "+15m": this quote's source is that late (measured in session, else as it declares)
    direction: int = 0  # +1 up, -1 down, 0 flat or unknown
    stale: bool = False
    unknown: bool = False  # the source says the symbol does not exist
    quoted: bool = False
    # the latest extended-hours trade since the last close, beside the day's change: `post 168.92 +0.15%`, and the
    # narrow form `post +0.15%`; "" when there is none
    ext: str = ""
    ext_short: str = ""
    ext_direction: int = 0


def row_view(store: MarketStore, inst: Instrument, now: float, stale_after: float) -> RowView:
    """The view of `inst` at `now`."""
    symbol = inst.symbol
    quote = store.quotes.get(symbol)
    if quote is None:
        return RowView(symbol, inst.name, unknown=symbol in store.unknown)
    # an index is a level, not a price: no currency (Yahoo labels ^GSPC "USD")
    currency = (quote.currency or store.currency_of(symbol)) if inst.kind != "index" else None
    change = quote.change
    pct = change_pct_of(quote)
    if change is None and quote.previous_close:
        change = quote.price - quote.previous_close
    basis = pct if pct is not None else change
    direction = 0 if basis is None or basis == 0 else (1 if basis > 0 else -1)
    cap = pe = ""
    if inst.kind == "equity":
        val = valuation(store, symbol)
        cap = fmt_cap(val.market_cap_usd if val is not None else None)
        # "n/m" only when earnings and cap are both known (so the earnings yield is): a missing FX rate or
        # statement is "—", never a claim that the company loses money
        pe = fmt_multiple(val.pe_ttm if val is not None else None, meaningful_data=val is not None and val.ey is not None)
    delay = delay_minutes(quote)
    if quote.no_trade:  # halted or nothing traded yet: the previous close, and no change to speak of
        change = pct = None
        direction = 0
    ext_pct = quote.ext_change_pct
    return RowView(
        symbol=symbol,
        name=inst.name,
        price=fmt_price(quote.price, currency),
        change=fmt_change(change),
        change_pct=NO_TRADE if quote.no_trade else fmt_pct(pct),
        cap=cap,
        pe=pe,
        age=format_age(age_seconds(quote, now)),
        delay=f"+{delay}m" if delay else "",
        direction=direction,
        stale=is_stale(quote, now, stale_after=stale_after),
        quoted=True,
        ext=fmt_extended(quote.ext_session, quote.ext_price, ext_pct),
        ext_short=fmt_extended(quote.ext_session, quote.ext_price, ext_pct, with_price=False),
        ext_direction=0 if ext_pct is None or round(ext_pct, 2) == 0 else (1 if ext_pct > 0 else -1),
    )


def with_age(view: RowView, store: MarketStore, now: float, stale_after: float) -> RowView:
    """`view` with its age text and stale flag brought to `now` (the quote itself unchanged)."""
    quote = store.quotes.get(view.symbol)
    if quote is None:
        return view
    age = format_age(age_seconds(quote, now))
    stale = is_stale(quote, now, stale_after=stale_after)
    if age == view.age and stale == view.stale:
        return view
    return replace(view, age=age, stale=stale)
