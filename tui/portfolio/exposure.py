"""What the book is exposed to, in the base currency: by side (US / China), by currency, by company with every
listing of a company folded together, its concentration, and its dependency on Nvidia.

- by side, by currency, by company: the signed net value of the open positions (a short counts negative);
- concentration: HHI (0-10,000) and the effective number of companies over each company's absolute net
  exposure as a share of their sum (the gross of the company exposures): long BABA against short 9988.HK is
  one company, nearly flat, and weighs little;
- shares: a company's net position in its local listing's shares, an ADR counted through its ratio of the day
  (tui/data/adr.toml): +100 BABA and -800 9988.HK is 0 shares of Alibaba;
- beta-dollars to NVDA: the sum of value x the position's beta to NVDA (weekly USD returns over a year, as
  tui/core/dependency.py computes it; NVDA itself 1.0), and the P&L a 10 % fall of NVDA implies through it.
  A position without a beta yet (no history, too few weeks) is left out and named.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from tui.core.concentration import effective_n, hhi
from tui.core.dependency import ANCHOR, sensitivity_to
from tui.core.sessions import local_date, market_of
from tui.core.store import MarketStore, fx_symbol
from tui.portfolio.listings import Listings
from tui.portfolio.money import ONE, ZERO, dec, exact
from tui.portfolio.valuation import BookValue

NVDA_SHOCK = Decimal("-0.10")


@dataclass(frozen=True, slots=True)
class CompanyExposure:
    company: str
    net: Decimal  # signed, base currency
    gross: Decimal  # sum of the listings' absolute values
    symbols: tuple[str, ...]
    local_symbol: str  # the listing whose shares `shares` counts
    shares: Decimal  # net, in local shares (an ADR through its ratio of the day; A and H shares one each)


@dataclass(frozen=True, slots=True)
class Exposure:
    by_side: dict[str, Decimal]
    by_currency: dict[str, Decimal]
    by_company: tuple[CompanyExposure, ...]  # largest absolute net first
    hhi: float | None  # 0-10,000
    effective_n: float | None
    beta_dollars: Decimal | None  # over the positions with a beta
    nvda_down_10: Decimal | None  # the P&L implied by NVDA -10 %
    betas: dict[str, float | None]
    beta_missing: tuple[str, ...]  # positions left out of the beta-dollars


def position_beta(store: MarketStore, symbol: str) -> float | None:
    """`symbol`'s weekly beta to NVDA (1.0 for NVDA), memoised on the daily histories it is computed from."""
    if symbol == ANCHOR:
        return 1.0
    ccy = store.currency_of(symbol)
    fx = fx_symbol(ccy) if ccy else None
    inputs = (store.history.get(symbol), store.history.get(ANCHOR), store.history.get(fx) if fx else None, ccy)
    return store.memoised(("portfolio-beta", symbol), inputs, lambda: sensitivity_to(store, symbol, ANCHOR)[0])


def exposure(bv: BookValue, store: MarketStore, listings: Listings | None = None) -> Exposure | None:
    """The book's exposure; None while an open position's value is unknown. Sides and companies are the
    positions' (the Listings the book was valued with); `listings` gives the ADR ratios."""
    listings = listings if listings is not None else Listings()
    open_pos = bv.open_positions
    if any(p.value is None for p in open_pos):
        return None
    by_side: dict[str, Decimal] = {}
    by_currency: dict[str, Decimal] = {}
    companies: dict[str, list] = {}
    with exact():
        for p in open_pos:
            by_side[p.side] = by_side.get(p.side, ZERO) + p.value
            by_currency[p.currency] = by_currency.get(p.currency, ZERO) + p.value
            companies.setdefault(p.company, []).append(p)
    by_company = tuple(sorted((_company(c, ps, listings, store, bv.as_of) for c, ps in companies.items()),
                              key=lambda c: (-abs(c.net), c.company)))
    weights = [float(abs(c.net)) for c in by_company]
    h = n = None
    if weights and sum(weights) > 0:
        h, n = hhi(weights), effective_n(weights)

    betas: dict[str, float | None] = {}
    missing: list[str] = []
    parts = []
    for p in open_pos:
        beta = position_beta(store, p.symbol)
        betas[p.symbol] = beta
        b = dec(beta)
        if b is None:
            missing.append(p.symbol)
        else:
            with exact():
                parts.append(p.value * b)
    beta_dollars = shock = None
    if parts or not open_pos:
        with exact():
            beta_dollars = sum(parts, ZERO)
            shock = beta_dollars * NVDA_SHOCK
    return Exposure(by_side=dict(sorted(by_side.items(), key=lambda kv: -abs(kv[1]))),
                    by_currency=dict(sorted(by_currency.items(), key=lambda kv: -abs(kv[1]))),
                    by_company=by_company, hhi=h, effective_n=n, beta_dollars=beta_dollars, nvda_down_10=shock,
                    betas=betas, beta_missing=tuple(missing))


def _company(company: str, positions, listings: Listings, store: MarketStore, now: float) -> CompanyExposure:
    with exact():
        net = sum((p.value for p in positions), ZERO)
        gross = sum((abs(p.value) for p in positions), ZERO)
    symbols = tuple(p.symbol for p in positions)
    local = None
    units: dict[str, Decimal] = {}
    for p in positions:
        day = local_date(market_of(p.symbol), now)
        term = listings.adr_term(p.symbol, day)
        if term is not None:
            units[p.symbol] = term.shares
            local = local or term.local
        else:
            units[p.symbol] = ONE
    with exact():
        shares = sum((p.quantity * units[p.symbol] for p in positions), ZERO)
    return CompanyExposure(company, net, gross, symbols, local or symbols[0], shares)
