"""How old a quote is, and whether it is stale: too old for a market that is trading right now."""

from __future__ import annotations

from collections.abc import Iterable

from tui.core.delay import effective_delay
from tui.core.sessions import market_of, segment_start, state_at
from tui.core.store import MarketStore, fx_symbol
from tui.model import MarketState, Quote

DEFAULT_STALE_AFTER = 60.0  # seconds beyond the market's delay


def age_seconds(quote: Quote, now: float) -> float:
    """Seconds since the quote's exchange time (0 when the quote is stamped in the future)."""
    return max(0.0, now - quote.time)


def delay_minutes(quote: Quote) -> int:
    """How late the quote is, in minutes: measured in session, else declared (tui/core/delay.py)."""
    return effective_delay(quote)


def is_stale(quote: Quote, now: float, *, stale_after: float = DEFAULT_STALE_AFTER) -> bool:
    """Only while its market is REGULAR: more than `stale_after` seconds older than the newest quote its feed
    can show by now.

    A feed delayed by `d` minutes shows the market as it was at `now - d`. Mid-session that is simply "older than
    the delay plus `stale_after`". Just after an open or a lunch break, `now - d` is still before the bell, so the
    last trade before the break is the newest quote there can be: not stale. From the bell on (as the feed shows
    it), a quote gets `stale_after` seconds to arrive, as mid-session.
    """
    delay = delay_minutes(quote) * 60.0
    if age_seconds(quote, now) <= delay + stale_after:  # the common case, decided without the calendar
        return False
    market = market_of(quote.symbol)
    if state_at(market, now) != MarketState.REGULAR:
        return False
    shown = now - delay  # the moment of the market the feed shows now
    start = segment_start(market, shown)
    if start is None:  # the feed still shows the break, or the night before the open
        return False
    return shown - max(quote.time, start) > stale_after


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
