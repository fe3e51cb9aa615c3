"""Valuation of one listing, every part converted to USD at the live FX rate.

Multiples are computed from raw parts (price, shares, statement figures), never taken from Yahoo's own
ratios, which mix the price currency with the reporting currency (BABA: priced in USD, reports in CNY).
When the FX rate for a needed currency is not known, the metrics that need it are None: never a
mixed-currency number.
"""

from __future__ import annotations

import logging
import math
import tomllib
from dataclasses import dataclass
from pathlib import Path

from tui.core.store import MarketStore, fx_symbol
from tui.paths import data_dir

log = logging.getLogger(__name__)

NEAR_ZERO_EY = 0.001  # earnings yield below 0.1 %: P/E above 1,000 is "n/m", not a number to compare

# keys under Fundamentals.extra that may hold the price at the time the fundamentals were fetched
_FETCH_PRICE_KEYS = ("price", "regularMarketPrice", "currentPrice")


@dataclass(frozen=True, slots=True)
class Valuation:
    symbol: str
    price: float
    currency: str | None
    financial_currency: str | None
    usd_per_price_ccy: float | None  # the FX rates used
    usd_per_financial_ccy: float | None
    market_cap_usd: float | None
    earnings_usd: float | None  # TTM net income
    revenue_usd: float | None
    ebitda_usd: float | None
    debt_usd: float | None
    cash_usd: float | None
    ev_usd: float | None
    pe_ttm: float | None  # None ("n/m") on losses or near-zero earnings
    pe_fwd: float | None
    ps_ttm: float | None
    ev_sales: float | None
    ev_ebitda: float | None  # None when EBITDA <= 0
    ey: float | None  # earnings / market cap, a fraction; negative for losses
    fundamentals_as_of: float | None
    forward_earnings_usd: float | None = None  # eps_forward x shares, for basket forward P/E
    cap_basis: str | None = None  # "shares" (price x shares), "yahoo-scaled", "yahoo-at-fetch"


def _finite(x: float | None) -> float | None:
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def _mul(*parts: float | None) -> float | None:
    out = 1.0
    for p in parts:
        if p is None:
            return None
        out *= p
    return _finite(out)


def _div(num: float | None, den: float | None, *, positive_den: bool = True) -> float | None:
    if num is None or den is None or den == 0 or (positive_den and den < 0):
        return None
    return _finite(num / den)


def pe_from(cap: float | None, earnings: float | None) -> float | None:
    """Cap / earnings, or None ("n/m") when earnings are <= 0 or the earnings yield is below NEAR_ZERO_EY."""
    if cap is None or earnings is None or cap <= 0 or earnings <= 0:
        return None
    if earnings / cap < NEAR_ZERO_EY:
        return None
    return _finite(cap / earnings)


def valuation(store: MarketStore, symbol: str) -> Valuation | None:
    """The valuation of `symbol` from the store's quote, fundamentals and FX; None when there is no price.

    Memoised in `store.memo` on the identities of its inputs (quotes and fundamentals are immutable and
    replaced, never changed, by the store): the board, both panels and the alerts ask for the same symbol
    within one refresh."""
    quotes = store.quotes
    f = store.fundamentals.get(symbol)
    ccy, fin = store.currency_of(symbol), (f.financial_currency if f is not None else None)
    fx_px, fx_fin = (fx_symbol(c) if c else None for c in (ccy, fin))
    inputs = (quotes.get(symbol), f, quotes.get(fx_px) if fx_px else None, quotes.get(fx_fin) if fx_fin else None)
    key = ("valuation", symbol)
    held = store.memo.get(key)
    if held is not None and all(a is b for a, b in zip(held[0], inputs, strict=True)):
        return held[1]  # type: ignore[return-value]
    value = _valuation(store, symbol)
    store.memo[key] = (inputs, value)
    return value


def _valuation(store: MarketStore, symbol: str) -> Valuation | None:
    price = store.price(symbol)
    if price is None or not math.isfinite(price):
        return None
    f = store.fundamentals.get(symbol)
    currency = store.currency_of(symbol)
    # statement figures are in the reporting currency; unknown reporting currency means unknown figures
    fin_ccy = f.financial_currency if f is not None else None
    usd_px = store.usd_per(currency)
    usd_fin = store.usd_per(fin_ccy)

    shares = (
        f.shares_outstanding if f is not None and f.shares_outstanding and f.shares_outstanding > 0 else None
    )
    cap, basis = _market_cap(price, shares, f, usd_px)

    earnings = None
    if f is not None:
        earnings = _mul(f.net_income_ttm, usd_fin)
        if earnings is None and f.eps_ttm is not None:
            earnings = _mul(f.eps_ttm, shares, usd_px)
    fwd_earnings = _mul(f.eps_forward, shares, usd_px) if f is not None else None

    revenue = _mul(f.revenue_ttm, usd_fin) if f is not None else None
    ebitda = _mul(f.ebitda, usd_fin) if f is not None else None
    debt = _mul(f.total_debt, usd_fin) if f is not None else None
    cash = _mul(f.total_cash, usd_fin) if f is not None else None
    ev = cap + debt - cash if cap is not None and debt is not None and cash is not None else None

    pe_fwd = None
    if f is not None and f.eps_forward is not None and f.eps_forward > 0 and price > 0:
        # price and forward EPS are both in the price currency: currency-free
        pe_fwd = pe_from(price, f.eps_forward)

    return Valuation(
        symbol=symbol,
        price=price,
        currency=currency,
        financial_currency=fin_ccy,
        usd_per_price_ccy=usd_px,
        usd_per_financial_ccy=usd_fin,
        market_cap_usd=cap,
        earnings_usd=earnings,
        revenue_usd=revenue,
        ebitda_usd=ebitda,
        debt_usd=debt,
        cash_usd=cash,
        ev_usd=_finite(ev),
        pe_ttm=pe_from(cap, earnings),
        pe_fwd=pe_fwd,
        ps_ttm=_div(cap, revenue),
        ev_sales=_div(ev, revenue),
        ev_ebitda=_div(ev, ebitda),
        ey=_div(earnings, cap),
        fundamentals_as_of=f.as_of if f is not None else None,
        forward_earnings_usd=fwd_earnings,
        cap_basis=basis,
    )


def _market_cap(price, shares, f, usd_px) -> tuple[float | None, str | None]:
    if usd_px is None:
        return None, None
    if shares is not None:
        return _mul(price, shares, usd_px), "shares"
    if f is None or f.market_cap is None or f.market_cap <= 0:
        return None, None
    fetch_price = next(
        (float(v) for k in _FETCH_PRICE_KEYS if isinstance(v := f.extra.get(k), (int, float)) and v > 0), None
    )
    if fetch_price is not None:
        return _mul(f.market_cap, price / fetch_price, usd_px), "yahoo-scaled"
    log.debug("%s: no shares and no fetch price; using Yahoo's market cap as fetched", f.symbol)
    return _mul(f.market_cap, usd_px), "yahoo-at-fetch"


# -- ADR ratios (dated data in tui/data/adr.toml) -------------------------------------------------


@dataclass(frozen=True, slots=True)
class AdrRatio:
    adr: str
    local: str
    shares_per_ads: float
    since: str  # ISO date the ratio took effect
    verified: bool
    note: str = ""


def load_adr_ratios(path: Path | None = None) -> dict[str, AdrRatio]:
    """ADR symbol -> its dated ratio, from tui/data/adr.toml."""
    path = path or data_dir() / "adr.toml"
    with open(path, "rb") as fh:
        doc = tomllib.load(fh)
    out = {}
    for row in doc.get("adr", []):
        out[row["adr"]] = AdrRatio(
            row["adr"],
            row["local"],
            float(row["shares_per_ads"]),
            str(row["since"]),
            bool(row.get("verified", False)),
            row.get("note", ""),
        )
    return out


def adr_premium(store: MarketStore, ratio: AdrRatio) -> float | None:
    """ADR price / (local price x shares per ADS x FX) - 1, as a fraction; None without both prices and FX."""
    adr_px, local_px = store.price(ratio.adr), store.price(ratio.local)
    u_adr, u_local = (
        store.usd_per(store.currency_of(ratio.adr)),
        store.usd_per(store.currency_of(ratio.local)),
    )
    parity = _mul(local_px, ratio.shares_per_ads, u_local)
    adr_usd = _mul(adr_px, u_adr)
    if parity is None or adr_usd is None or parity <= 0:
        return None
    return adr_usd / parity - 1


# -- several listings of one company: A/H premium and ADR premium to parity ----------------------------

ADR_UNVERIFIED_TOLERANCE = 0.15  # an unconfirmed ADR ratio whose parity is off by more than this is not used
_A_SUFFIXES = (".SS", ".SZ")


def ah_premium(store: MarketStore, a_symbol: str, h_symbol: str) -> float | None:
    """A price x FX / (H price x FX) - 1, both in USD (one A share and one H share are the same claim)."""
    a_usd = _mul(store.price(a_symbol), store.usd_per(store.currency_of(a_symbol)))
    h_usd = _mul(store.price(h_symbol), store.usd_per(store.currency_of(h_symbol)))
    if a_usd is None or h_usd is None or h_usd <= 0 or a_usd <= 0:
        return None
    return a_usd / h_usd - 1


@dataclass(frozen=True, slots=True)
class ListingPremium:
    kind: str  # "A/H" or "ADR"
    company: str
    symbol: str  # the A share, or the ADR
    base: str  # the H share, or the local listing
    premium: float | None  # a fraction: 0.25 = the A share (ADR) 25 % dearer than the H share (parity)
    shares_per_unit: float = 1.0  # local shares per ADS (1 for A/H)
    since: str | None = None  # the ADR ratio's date
    verified: bool = True
    note: str = ""


def listing_premiums(store: MarketStore, watchlist, ratios: dict[str, AdrRatio] | None = None) -> list[ListingPremium]:
    """A/H premiums of companies with both listings on the list, and ADR premiums where both the ADR and its
    local listing are on it (ratios from tui/data/adr.toml, with their dates)."""
    ratios = load_adr_ratios() if ratios is None else ratios
    out: list[ListingPremium] = []
    by_company: dict[str, list[str]] = {}
    for inst in watchlist.instruments:
        if inst.kind == "equity":
            by_company.setdefault(inst.company, []).append(inst.symbol)
    for company, syms in by_company.items():
        a_shares = [s for s in syms if s.endswith(_A_SUFFIXES)]
        h_shares = [s for s in syms if s.endswith(".HK")]
        for a in a_shares:
            for h in h_shares:
                out.append(ListingPremium("A/H", company, a, h, ah_premium(store, a, h)))
        for sym in syms:
            ratio = ratios.get(sym)
            if ratio is None or ratio.local not in watchlist.symbols:
                continue
            prem = adr_premium(store, ratio)
            note = ratio.note
            if prem is not None and not ratio.verified and abs(prem) > ADR_UNVERIFIED_TOLERANCE:
                note = (f"ratio 1 ADS = {ratio.shares_per_ads:g} shares unconfirmed and parity is off by "
                        f"{prem * 100:+.0f}%: premium not shown")
                prem = None
            out.append(ListingPremium("ADR", company, sym, ratio.local, prem, ratio.shares_per_ads, ratio.since,
                                      ratio.verified, note))
    return out
