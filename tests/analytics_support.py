"""Builders shared by the analytics and snapshot tests (no tests here)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from tui.core.store import FX_SYMBOLS, MarketStore
from tui.model import Fundamentals, Instrument, Pair, Quote, QuoteSource, Side, Watchlist

RECORDED = Path(__file__).resolve().parents[1].parent / "shared" / "yahoo-recorded"

# Tuesday 2025-11-25, 15:00 UTC = 10:00 New York (open), 23:00 Hong Kong (closed)
US_OPEN = datetime(2025, 11, 25, 15, 0, tzinfo=UTC).timestamp()
# 02:00 UTC = 10:00 Hong Kong / Shanghai (open), 21:00 New York the day before (closed)
HK_OPEN = datetime(2025, 11, 25, 2, 0, tzinfo=UTC).timestamp()


def quote(
    symbol: str,
    price: float,
    currency: str | None = "USD",
    *,
    time: float = US_OPEN,
    change_pct: float | None = None,
    delay: int = 0,
    **kw,
) -> Quote:
    return Quote(
        symbol=symbol,
        price=price,
        time=time,
        source=QuoteSource.REST,
        received=time,
        currency=currency,
        change_pct=change_pct,
        delay_minutes=delay,
        **kw,
    )


def fundamentals(
    symbol: str, currency: str = "USD", financial_currency: str | None = "USD", **kw
) -> Fundamentals:
    return Fundamentals(
        symbol=symbol, as_of=US_OPEN - 300, currency=currency, financial_currency=financial_currency, **kw
    )


def store_with(
    quotes=(), funds=(), fx: dict[str, float] | None = None, fx_time: float = US_OPEN
) -> MarketStore:
    """A store holding `quotes`, `funds` and FX quotes (`fx`: currency -> units per USD)."""
    store = MarketStore()
    for ccy, per_usd in (fx or {}).items():
        store.apply_quote(quote(FX_SYMBOLS[ccy], per_usd, ccy, time=fx_time))
    for q in quotes:
        store.apply_quote(q)
    for f in funds:
        store.apply_fundamentals(f)
    return store


def inst(symbol: str, side: Side, company: str | None = None, kind: str = "equity", name: str | None = None):
    return Instrument(symbol=symbol, name=name or symbol, side=side, company=company or symbol, kind=kind)


def watchlist(instruments, pairs=()) -> Watchlist:
    return Watchlist(name="test-list", title="Test list", instruments=tuple(instruments), pairs=tuple(pairs))


def pair(name: str, us, cn) -> Pair:
    return Pair(name=name, us=tuple(us), cn=tuple(cn))
