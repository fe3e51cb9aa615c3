"""Nvidia dependency: NVDA's weight in the US AI basket, and each name's beta and correlation to NVDA.

Returns are weekly (the last USD close of each ISO week, by each market's own local date), over the last
52 weeks: New York and Asia do not trade at the same hours, so daily close-to-close co-movements between
them are biased low. Each return is simple, in USD (closes converted as in tui.core.history). The weeks come
from pandas' resampling (Monday to Sunday); the results are memoised per daily history in `store.memo`.

    beta_i = cov(r_i, r_NVDA) / var(r_NVDA)        corr_i = cov(r_i, r_NVDA) / (sd(r_i) sd(r_NVDA))
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tui.core.history import usd_close_parts
from tui.core.spreads import company_groups, pick_listing
from tui.core.store import MarketStore
from tui.core.valuation import valuation
from tui.model import Side, Watchlist

if TYPE_CHECKING:  # pandas is imported inside the functions that use it: the app's start-up does not wait for it
    import pandas as pd

ANCHOR = "NVDA"
WEEKS = 52
MIN_WEEKS = 12  # fewer common weekly returns: no beta
FLAT = 1e-20  # a sum of squared deviations of returns below this is a flat series: no beta, no correlation


@dataclass(frozen=True, slots=True)
class Sensitivity:
    symbol: str
    company: str
    beta: float | None
    corr: float | None
    weeks: int  # common weekly returns used


@dataclass(frozen=True, slots=True)
class Dependency:
    anchor: str
    weight: float | None  # anchor's share of the US side's USD market cap (each company once)
    us_companies: int  # US companies with a cap in that sum
    sensitivities: tuple[Sensitivity, ...]  # every other equity company with history, largest |beta| first

    def of(self, symbol: str) -> Sensitivity | None:
        return next((s for s in self.sensitivities if s.symbol == symbol), None)


def weekly_returns(closes: Mapping[dt.date, float] | pd.Series) -> dict[tuple[int, int], float]:
    """Simple returns between consecutive ISO weeks' last closes, by (ISO year, ISO week) of the later week."""
    import pandas as pd

    if not isinstance(closes, pd.Series):
        closes = pd.Series(closes, dtype="float64")
        closes.index = pd.to_datetime(closes.index)
    returns = _weekly_returns(closes.sort_index())
    return {_iso_week(sunday): float(r) for sunday, r in returns.items()}


def _weekly_returns(closes: pd.Series) -> pd.Series:
    """Returns between consecutive weeks' last closes (weeks Monday to Sunday, labelled by their Sunday).

    A week without a close breaks the chain: the week after it has no return rather than one spanning two weeks."""
    last = closes.resample("W-SUN").last()  # a week with no close is NaN
    before = last.shift(1)
    return (last / before - 1.0)[before > 0].dropna()


def _iso_week(sunday: pd.Timestamp) -> tuple[int, int]:
    iso = sunday.isocalendar()
    return iso[0], iso[1]


def _usd_weekly_returns(store: MarketStore, symbol: str) -> pd.Series | None:
    got = usd_close_parts(store, symbol)
    if got is None:
        return None
    closes = got[0]  # times a constant factor (today's rate) when converted at it: the same returns
    return store.memoised(("weekly returns", symbol), (closes,), lambda: _weekly_returns(closes))


def beta_corr(y: Sequence[float], x: Sequence[float]) -> tuple[float | None, float | None]:
    """Beta of y on x and their correlation (None when x or y is flat or shorter than two points)."""
    n = len(x)
    if n != len(y) or n < 2:
        return None, None
    mx, my = math.fsum(x) / n, math.fsum(y) / n
    sxx = math.fsum((a - mx) ** 2 for a in x)
    syy = math.fsum((b - my) ** 2 for b in y)
    sxy = math.fsum((a - mx) * (b - my) for a, b in zip(x, y, strict=True))
    if sxx <= FLAT:
        return None, None
    beta = sxy / sxx
    corr = sxy / (math.sqrt(sxx) * math.sqrt(syy)) if syy > FLAT else None
    if corr is not None:
        corr = max(-1.0, min(1.0, corr))
    return beta, corr


def sensitivity_to(
    store: MarketStore, symbol: str, anchor: str = ANCHOR, weeks: int = WEEKS, min_weeks: int = MIN_WEEKS
) -> tuple[float | None, float | None, int]:
    """(beta, corr, weeks used) of `symbol`'s weekly USD returns on `anchor`'s over the last `weeks` weeks."""
    ra, rs = _usd_weekly_returns(store, anchor), _usd_weekly_returns(store, symbol)
    if ra is None or rs is None:
        return None, None, 0
    return store.memoised(("beta", f"{symbol} on {anchor}"), (rs, ra, weeks, min_weeks),
                          lambda: _beta_on(rs, ra, weeks, min_weeks))


def _beta_on(returns: pd.Series, anchor: pd.Series, weeks: int, min_weeks: int):
    returns, anchor = returns.align(anchor, join="inner")  # the weeks both have a return
    returns, anchor = returns.iloc[-weeks:], anchor.iloc[-weeks:]
    if len(returns) < min_weeks:
        return None, None, len(returns)
    beta, corr = beta_corr(returns.tolist(), anchor.tolist())
    return beta, corr, len(returns)


def anchor_weight(store: MarketStore, watchlist: Watchlist, anchor: str = ANCHOR) -> tuple[float | None, int]:
    """The anchor company's share of the US side's USD market cap (each company once), and the companies counted."""
    anchor_inst = watchlist.instrument(anchor)
    if anchor_inst is None:
        return None, 0
    equities = [i.symbol for i in watchlist.instruments if i.kind == "equity" and i.side == Side.US]
    us_caps: dict[str, float] = {}
    for company, members in company_groups(watchlist, equities):
        v = pick_listing([valuation(store, s) for s in members])
        if v is not None and v.market_cap_usd is not None:
            us_caps[company] = v.market_cap_usd
    total = sum(us_caps.values())
    if total <= 0 or anchor_inst.company not in us_caps:
        return None, len(us_caps)
    return us_caps[anchor_inst.company] / total, len(us_caps)


def sensitivities(store: MarketStore, watchlist: Watchlist, anchor: str = ANCHOR) -> tuple[Sensitivity, ...]:
    """Every other equity company's beta and correlation to the anchor, largest |beta| first (needs history)."""
    anchor_inst = watchlist.instrument(anchor)
    if anchor_inst is None:
        return ()
    equities = [i.symbol for i in watchlist.instruments if i.kind == "equity"]
    sens: list[Sensitivity] = []
    for company, members in company_groups(watchlist, equities):
        if company == anchor_inst.company:
            continue
        # the listing with the longest history represents the company
        with_history = [s for s in members if store.history.get(s)]
        if not with_history:
            continue
        sym = max(with_history, key=lambda s: len(store.history[s]))
        beta, corr, n = sensitivity_to(store, sym, anchor)
        sens.append(Sensitivity(sym, company, beta, corr, n))
    sens.sort(key=lambda s: (s.beta is None, -abs(s.beta or 0.0)))
    return tuple(sens)


def dependency(store: MarketStore, watchlist: Watchlist, anchor: str = ANCHOR,
               sens: tuple[Sensitivity, ...] | None = None) -> Dependency | None:
    """NVDA's weight on the US side and every other company's beta and correlation to it; None without NVDA.

    `sens`: sensitivities computed before (they change only when the daily history does)."""
    if watchlist.instrument(anchor) is None:
        return None
    weight, n = anchor_weight(store, watchlist, anchor)
    if sens is None:
        sens = sensitivities(store, watchlist, anchor)
    return Dependency(anchor=anchor, weight=weight, us_companies=n, sensitivities=sens)
