"""What a book's symbols are: display name, company, side (US / China), and ADRs with their dated ratios.

Sides and companies come from the watchlists (the theme's side: BABA is "cn", SoftBank "us"); a symbol on no
list takes its side from its listing's market (Hong Kong, Shanghai, Shenzhen: "cn"; New York: "us"; anywhere
else: "other") and is its own company, unless tui/data/adr.toml makes it an ADR of a local listing, whose
company it then shares.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from tui.core.sessions import market_of
from tui.model import Watchlist
from tui.paths import data_dir

_CN_MARKETS = ("HK", "SS", "SZ")


@dataclass(frozen=True, slots=True)
class AdrTerm:
    """One ADS = `shares` local shares from `since` (a row of tui/data/adr.toml)."""

    adr: str
    local: str
    company: str
    shares: Decimal
    since: dt.date
    verified: bool


@lru_cache(maxsize=4)
def load_adr_terms(path: Path | None = None) -> tuple[AdrTerm, ...]:
    with open(path or data_dir() / "adr.toml", "rb") as fh:
        doc = tomllib.load(fh, parse_float=Decimal)
    out = []
    for row in doc.get("adr", []):
        since = row["since"]
        since = since if isinstance(since, dt.date) else dt.date.fromisoformat(str(since))
        out.append(AdrTerm(row["adr"], row["local"], str(row.get("company", "")).lower(),
                           Decimal(str(row["shares_per_ads"])), since, bool(row.get("verified", False))))
    return tuple(sorted(out, key=lambda t: t.since))


@dataclass(frozen=True, slots=True)
class Info:
    symbol: str
    name: str
    company: str
    side: str  # "us", "cn" or "other"


class Listings:
    """Name, company and side of any symbol, from the watchlists and adr.toml."""

    def __init__(self, watchlists: Iterable[Watchlist] = (), adr_terms: tuple[AdrTerm, ...] | None = None) -> None:
        self._by_symbol: dict[str, tuple[str, str, str]] = {}
        for wl in watchlists:
            for inst in wl.instruments:
                self._by_symbol.setdefault(inst.symbol, (inst.name, inst.company, str(inst.side)))
        self.adr_terms = load_adr_terms() if adr_terms is None else adr_terms

    def adr_term(self, symbol: str, day: dt.date | None = None) -> AdrTerm | None:
        """The ratio of ADR `symbol` in effect on `day` (None: the latest)."""
        terms = [t for t in self.adr_terms if t.adr == symbol and (day is None or t.since <= day)]
        return terms[-1] if terms else None

    def info(self, symbol: str, short_name: str | None = None) -> Info:
        known = self._by_symbol.get(symbol)
        term = self.adr_term(symbol)
        local = self._by_symbol.get(term.local) if term is not None else None
        if known is not None:
            name, company, side = known
            if term is not None and local is not None and company == symbol:
                company = local[1]  # an ADR listed without a company key: its local listing's
        elif term is not None:
            name = short_name or symbol
            company = local[1] if local is not None else (term.company or term.local)
            side = local[2] if local is not None else self._market_side(term.local)
        else:
            name, company, side = short_name or symbol, symbol, self._market_side(symbol)
        return Info(symbol, name, company, side)

    @staticmethod
    def _market_side(symbol: str) -> str:
        code = market_of(symbol).code
        if code in _CN_MARKETS:
            return "cn"
        if code == "US" and "." not in symbol:
            return "us"
        return "other"
