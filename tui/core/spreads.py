"""Valuation spreads between the US side and the Chinese side of a pair, single names or baskets.

A side's multiple is an aggregate: sum of market caps over sum of earnings (a cap-weighted harmonic mean),
with losses counted in the sum; never an average of ratios. Each company counts once, however many of
its listings are in the basket (Alibaba's ADR and H share are one company).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from tui.core.store import MarketStore
from tui.core.valuation import Valuation, pe_from, valuation
from tui.model import Pair, Watchlist, change_pct_of

METRICS = ("pe_ttm", "pe_fwd", "ps_ttm", "ev_sales", "ev_ebitda")


@dataclass(frozen=True, slots=True)
class SideAggregate:
    symbols: tuple[str, ...]  # the representative listing of each company that has a market cap
    companies: int  # companies with a market cap (counted in market_cap_usd)
    with_data: int  # companies with a market cap and fundamentals (earnings or revenue)
    total: int  # companies on this side
    market_cap_usd: float | None
    earnings_usd: float | None
    revenue_usd: float | None
    ebitda_usd: float | None
    ev_usd: float | None
    change_pct: float | None  # cap-weighted move today, percent (local-currency moves)
    pe_ttm: float | None
    ps_ttm: float | None
    ev_sales: float | None
    ey: float | None
    pe_fwd: float | None = None
    ev_ebitda: float | None = None  # sum of EV / sum of EBITDA over members with both; None when that is <= 0
    fundamentals_oldest: float | None = None  # as_of of the members' fundamentals (POSIX seconds)
    fundamentals_newest: float | None = None
    forward_earnings_usd: float | None = None  # next-twelve-month earnings, summed like earnings_usd


@dataclass(frozen=True, slots=True)
class MetricSpread:
    us: float | None
    cn: float | None
    ratio: float | None  # US / CN
    log_ratio: float | None  # ln(US / CN)
    premium_pct: float | None  # (ratio - 1) x 100
    ey_spread_pp: float | None = None  # pe only: US EY - CN EY, percentage points


@dataclass(frozen=True, slots=True)
class PairSpread:
    pair: Pair
    us: SideAggregate
    cn: SideAggregate
    metrics: dict[str, MetricSpread] = field(default_factory=dict)


def company_groups(watchlist: Watchlist, symbols: Sequence[str]) -> list[tuple[str, list[str]]]:
    """Equity symbols grouped by company, in first-listed order.

    Symbols not in the watchlist are their own company; indices and FX are left out.
    """
    groups: dict[str, list[str]] = {}
    for sym in symbols:
        inst = watchlist.instrument(sym)
        if inst is not None and inst.kind != "equity":
            continue
        company = inst.company if inst is not None else sym
        members = groups.setdefault(company, [])
        if sym not in members:
            members.append(sym)
    return list(groups.items())


def pick_listing(vals: Sequence[Valuation | None]) -> Valuation | None:
    """One listing per company: the first with a market cap and fundamentals, else the first with a cap."""
    capped = [v for v in vals if v is not None and v.market_cap_usd is not None and v.market_cap_usd > 0]
    for v in capped:
        if v.earnings_usd is not None or v.revenue_usd is not None:
            return v
    return capped[0] if capped else None


def _sum_pairs(vals: Sequence[Valuation], num: str, den: str) -> tuple[float, float] | None:
    """Sums of `num` and `den` over members that have both, or None when none has."""
    both = [
        (getattr(v, num), getattr(v, den))
        for v in vals
        if getattr(v, num) is not None and getattr(v, den) is not None
    ]
    if not both:
        return None
    return sum(a for a, _ in both), sum(b for _, b in both)


def _sum(vals: Sequence[Valuation], attr: str) -> float | None:
    xs = [getattr(v, attr) for v in vals if getattr(v, attr) is not None]
    return sum(xs) if xs else None


def _ratio_pos(pair: tuple[float, float] | None) -> float | None:
    if pair is None or pair[1] <= 0:
        return None
    return pair[0] / pair[1]


def side_aggregate(store: MarketStore, watchlist: Watchlist, symbols: Sequence[str]) -> SideAggregate:
    groups = company_groups(watchlist, symbols)
    chosen: list[Valuation] = []
    for _company, members in groups:
        v = pick_listing([valuation(store, s) for s in members])
        if v is not None:
            chosen.append(v)
    with_data = sum(1 for v in chosen if v.earnings_usd is not None or v.revenue_usd is not None)

    pe_parts = _sum_pairs(chosen, "market_cap_usd", "earnings_usd")
    ey = None
    pe = None
    if pe_parts is not None and pe_parts[0] > 0:
        ey = pe_parts[1] / pe_parts[0]
        pe = pe_from(*pe_parts)
    fwd_parts = _sum_pairs(chosen, "market_cap_usd", "forward_earnings_usd")
    pe_fwd = pe_from(*fwd_parts) if fwd_parts is not None else None

    return SideAggregate(
        symbols=tuple(v.symbol for v in chosen),
        companies=len(chosen),
        with_data=with_data,
        total=len(groups),
        market_cap_usd=_sum(chosen, "market_cap_usd"),
        earnings_usd=_sum(chosen, "earnings_usd"),
        revenue_usd=_sum(chosen, "revenue_usd"),
        ebitda_usd=_sum(chosen, "ebitda_usd"),
        ev_usd=_sum(chosen, "ev_usd"),
        change_pct=_weighted_change(store, chosen),
        pe_ttm=pe,
        ps_ttm=_ratio_pos(_sum_pairs(chosen, "market_cap_usd", "revenue_usd")),
        ev_sales=_ratio_pos(_sum_pairs(chosen, "ev_usd", "revenue_usd")),
        ey=ey,
        pe_fwd=pe_fwd,
        ev_ebitda=_ratio_pos(_sum_pairs(chosen, "ev_usd", "ebitda_usd")),
        fundamentals_oldest=min(as_of) if (as_of := _as_of(chosen)) else None,
        fundamentals_newest=max(as_of) if as_of else None,
        forward_earnings_usd=_sum(chosen, "forward_earnings_usd"),
    )


def _as_of(chosen: Sequence[Valuation]) -> list[float]:
    return [v.fundamentals_as_of for v in chosen if v.fundamentals_as_of is not None]


def _weighted_change(store: MarketStore, chosen: Sequence[Valuation]) -> float | None:
    """The move of the members' combined market cap since the previous close, in percent: the day's change of
    each (the last session's after its close), never an extended-hours move."""
    now_total = prev_total = 0.0
    for v in chosen:
        q = store.quotes.get(v.symbol)
        pct = change_pct_of(q) if q is not None else None
        if pct is None or v.market_cap_usd is None or pct <= -100:
            continue
        now_total += v.market_cap_usd
        prev_total += v.market_cap_usd / (1 + pct / 100)
    if prev_total <= 0:
        return None
    return (now_total / prev_total - 1) * 100


def metric_spread(
    us: float | None,
    cn: float | None,
    *,
    us_ey: float | None = None,
    cn_ey: float | None = None,
    with_ey: bool = False,
) -> MetricSpread:
    ratio = log_ratio = premium = None
    if us is not None and cn is not None and us > 0 and cn > 0:
        ratio = us / cn
        log_ratio = math.log(us) - math.log(cn)
        premium = (ratio - 1) * 100
    ey_pp = None
    if with_ey and us_ey is not None and cn_ey is not None:
        ey_pp = (us_ey - cn_ey) * 100
    return MetricSpread(us, cn, ratio, log_ratio, premium, ey_pp)


def spreads_between(us: SideAggregate, cn: SideAggregate) -> dict[str, MetricSpread]:
    return {
        "pe_ttm": metric_spread(us.pe_ttm, cn.pe_ttm, us_ey=us.ey, cn_ey=cn.ey, with_ey=True),
        "ps_ttm": metric_spread(us.ps_ttm, cn.ps_ttm),
        "ev_sales": metric_spread(us.ev_sales, cn.ev_sales),
        "pe_fwd": metric_spread(us.pe_fwd, cn.pe_fwd),
        "ev_ebitda": metric_spread(us.ev_ebitda, cn.ev_ebitda),
    }


def pair_spread(store: MarketStore, watchlist: Watchlist, pair: Pair) -> PairSpread:
    us = side_aggregate(store, watchlist, pair.us)
    cn = side_aggregate(store, watchlist, pair.cn)
    return PairSpread(pair=pair, us=us, cn=cn, metrics=spreads_between(us, cn))
