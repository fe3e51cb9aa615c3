"""How old a quote is, and whether it is stale: too old for a market that is trading right now."""

from __future__ import annotations

from collections.abc import Iterable

from tui.core.sessions import market_of, state_at
from tui.core.store import MarketStore, fx_symbol
from tui.model import MarketState, Quote

DEFAULT_STALE_AFTER = 60.0  # seconds beyond the market's delay


def age_seconds(quote: Quote, now: float) -> float:
    """Seconds since the quote's exchange time (0 when the quote is stamped in the future)."""
    return max(0.0, now - quote.time)


def delay_minutes(quote: Quote) -> int:
    """The quote's own delay when the source said so, else its market's usual Yahoo delay."""
    return quote.delay_minutes if quote.delay_minutes > 0 else market_of(quote.symbol).delay_minutes


def is_stale(quote: Quote, now: float, *, stale_after: float = DEFAULT_STALE_AFTER) -> bool:
    """Only while its market is REGULAR: older than the market's delay plus `stale_after` seconds."""
    if state_at(market_of(quote.symbol), now) != MarketState.REGULAR:
        return False
    return age_seconds(quote, now) > delay_minutes(quote) * 60.0 + stale_after


def price_inputs(store: MarketStore, symbols: Iterable[str]) -> list[str]:
    """The listings `symbols` and the FX rates (price and reporting currency) their USD figures are made of."""
    out = list(dict.fromkeys(symbols))
    for sym in list(out):
        f = store.fundamentals.get(sym)
        for ccy in (store.currency_of(sym), f.financial_currency if f is not None else None):
            fx = fx_symbol(ccy) if ccy and ccy.upper() != "USD" else None
            if fx is not None and fx not in out:
                out.append(fx)
    return out


def stale_inputs(store: MarketStore, symbols: Iterable[str], now: float,
                 stale_after: float = DEFAULT_STALE_AFTER) -> tuple[str, ...]:
    """Which of `symbols`, and of the FX rates converting them, have a stale quote at `now`."""
    return tuple(s for s in price_inputs(store, symbols)
                 if (q := store.quotes.get(s)) is not None and is_stale(q, now, stale_after=stale_after))


def format_age(seconds: float) -> str:
    """Compact age: 3s, 4m, 2h, 3d (truncated to the largest whole unit)."""
    s = max(0, int(seconds))
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m"
    if s < 86400:
        return f"{s // 3600}h"
    return f"{s // 86400}d"
