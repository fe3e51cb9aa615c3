"""Concentration of a watchlist's equities by USD market cap: HHI, effective number of names, top shares.

Each company counts once (its market cap from one listing), however many listings the watchlist holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tui.core.spreads import company_groups, pick_listing
from tui.core.store import MarketStore
from tui.core.valuation import valuation
from tui.model import Side, Watchlist

# HHI on the 0-10,000 scale. 2010 US Horizontal Merger Guidelines: below 1,500 unconcentrated,
# 1,500-2,500 moderately, above 2,500 highly concentrated. (The 2023 guidelines use above 1,800 as highly.)
HHI_THRESHOLDS_2010 = ((1500, "moderately concentrated"), (2500, "highly concentrated"))
HHI_THRESHOLDS_SOURCE = "2010 US Horizontal Merger Guidelines"


@dataclass(frozen=True, slots=True)
class Concentration:
    hhi: float  # 0-10,000
    effective_n: float
    n_companies: int
    top1_company: str
    top1_symbol: str
    top1_share: float  # 0-1
    top3_share: float
    us_share: float
    cn_share: float
    weights: tuple[tuple[str, str, float], ...]  # (company, representative symbol, share), largest first
    missing: tuple[str, ...]  # equities of companies without a market cap yet

    @property
    def label(self) -> str:
        return hhi_label(self.hhi)


def _shares(weights: Sequence[float]) -> list[float]:
    ws = [float(w) for w in weights]
    if not ws or any(w < 0 for w in ws):
        raise ValueError("weights must be a non-empty sequence of non-negative numbers")
    total = sum(ws)
    if total <= 0:
        raise ValueError("weights must not all be zero")
    return [w / total for w in ws]


def hhi(weights: Sequence[float]) -> float:
    """Herfindahl-Hirschman index on the 0-10,000 scale; weights are normalised to sum to 1."""
    return 10_000.0 * sum(w * w for w in _shares(weights))


def effective_n(weights: Sequence[float]) -> float:
    """The effective number of names, 1 / sum of squared shares."""
    return 1.0 / sum(w * w for w in _shares(weights))


def hhi_label(value: float) -> str:
    """The 2010 US Horizontal Merger Guidelines' band for an HHI."""
    (moderate, moderate_name), (high, high_name) = HHI_THRESHOLDS_2010
    if value > high:
        return high_name
    if value >= moderate:
        return moderate_name
    return "unconcentrated"


def concentration(store: MarketStore, watchlist: Watchlist) -> Concentration | None:
    """Concentration of the watchlist's equities; None when no company has a market cap yet."""
    equities = [i.symbol for i in watchlist.instruments if i.kind == "equity"]
    caps: list[tuple[str, str, float]] = []
    missing: list[str] = []
    for company, members in company_groups(watchlist, equities):
        v = pick_listing([valuation(store, s) for s in members])
        if v is None or v.market_cap_usd is None:
            missing.extend(members)
        else:
            caps.append((company, v.symbol, v.market_cap_usd))
    if not caps:
        return None
    caps.sort(key=lambda c: c[2], reverse=True)
    shares = _shares([c[2] for c in caps])
    weights = tuple((company, sym, w) for (company, sym, _), w in zip(caps, shares, strict=True))

    def side_share(side: Side) -> float:
        total = 0.0
        for _company, sym, w in weights:
            inst = watchlist.instrument(sym)
            if inst is not None and inst.side == side:
                total += w
        return total

    return Concentration(
        hhi=hhi(shares),
        effective_n=effective_n(shares),
        n_companies=len(weights),
        top1_company=weights[0][0],
        top1_symbol=weights[0][1],
        top1_share=weights[0][2],
        top3_share=sum(w for _, _, w in weights[:3]),
        us_share=side_share(Side.US),
        cn_share=side_share(Side.CN),
        weights=weights,
        missing=tuple(missing),
    )
