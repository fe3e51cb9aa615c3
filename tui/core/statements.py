"""Reported statement lines of one listing, kept as dated points: what the capex analytics is computed from.

Yahoo's fundamentals time series give each line (capex, operating cash flow, revenue, debt, …) as points, one per
period end, in three periods: `quarterly` (3 months), `annual` (12 months, fiscal years) and `trailing` (the
trailing twelve months to the latest quarter; income and cash-flow lines only). Yahoo returns only about five
quarters, so the points of every fetch are merged into what was held before (`merge_statements`): a quarter,
once seen, stays, and an eight-quarter trend builds up over time. A later fetch wins for the same period end
(restatements).

Values are as reported, in the statement currency of each point (`Point.currency`): capex is negative (a cash
outflow), as Yahoo gives it. Nothing here converts, sums or divides: tui/core/capex.py does.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

PERIODS = ("quarterly", "annual", "trailing")
# line -> Yahoo's type name (without the period prefix)
LINE_TYPES = {
    "capex": "CapitalExpenditure",
    "ocf": "OperatingCashFlow",
    "fcf": "FreeCashFlow",
    "revenue": "TotalRevenue",
    "ebitda": "EBITDA",
    "ebit": "EBIT",
    "interest_expense": "InterestExpense",
    "total_debt": "TotalDebt",
    "cash": "CashAndCashEquivalents",
    "net_debt": "NetDebt",
}
LINES = tuple(LINE_TYPES)
FLOW_LINES = ("capex", "ocf", "fcf", "revenue", "ebitda", "ebit", "interest_expense")  # summed over periods
BALANCE_LINES = ("total_debt", "cash", "net_debt")  # a position at the period end: never summed
# Yahoo's `trailing…` types exist for income and cash-flow lines only
PERIOD_LINES = {"quarterly": LINES, "annual": LINES, "trailing": FLOW_LINES}
# the periodType a point of each period must carry (a 6-month point in a quarterly series is not a quarter)
PERIOD_TYPES = {"quarterly": "3M", "annual": "12M", "trailing": "TTM"}
MAX_POINTS = 80  # per series: twenty years of quarters, a bound on the cache file, not a trend length


@dataclass(frozen=True, slots=True)
class Point:
    """One reported value: the period it ends (Yahoo's `asOfDate`, a month end) and its currency."""

    as_of: dt.date
    value: float
    currency: str | None


Series = tuple[Point, ...]  # oldest first, one point per period end


@dataclass(frozen=True, slots=True)
class Statements:
    """Every statement point held for one listing.

    `series[(period, line)]` holds the points, oldest first. `not_reported` lists the (period, line) pairs the
    latest fetch asked for and got back as meta only: Yahoo has nothing for them (Apple's interest expense from
    FY2024), which is "not reported", never zero. `fetched_at` is when the latest fetch was made (app clock,
    POSIX seconds; kept in the disk cache, so a restart knows how old its statements are)."""

    symbol: str
    series: Mapping[tuple[str, str], Series] = field(default_factory=dict)
    not_reported: frozenset[tuple[str, str]] = frozenset()
    fetched_at: float | None = None

    def points(self, period: str, line: str) -> Series:
        return self.series.get((period, line), ())

    @property
    def currency(self) -> str | None:
        """The statement currency: the one most points of the newest period end carry (monetary series only;
        Yahoo mislabels per-share and share-count series, which are not kept here)."""
        newest: dict[str, int] = {}
        best_date: dt.date | None = None
        for pts in self.series.values():
            for p in pts:
                if p.currency is None:
                    continue
                if best_date is None or p.as_of > best_date:
                    best_date, newest = p.as_of, {}
                if p.as_of == best_date:
                    newest[p.currency] = newest.get(p.currency, 0) + 1
        if not newest:
            return None
        return max(sorted(newest), key=lambda c: newest[c])

    @property
    def quarter_ends(self) -> tuple[dt.date, ...]:
        """Every quarter end any quarterly line has a point for, oldest first."""
        return tuple(sorted({p.as_of for (period, _), pts in self.series.items() if period == "quarterly"
                             for p in pts}))

    def is_empty(self) -> bool:
        return not any(self.series.values())


def _merge_series(old: Iterable[Point], new: Iterable[Point]) -> Series:
    by_date = {p.as_of: p for p in old}
    by_date.update({p.as_of: p for p in new})  # the newer fetch wins for a period end it also has
    return tuple(by_date[d] for d in sorted(by_date))[-MAX_POINTS:]


def merge_statements(old: Statements | None, new: Statements) -> Statements:
    """`new` over `old`: every period end held before is kept; `new`'s points replace old ones for the same
    period end; `not_reported` and `fetched_at` are the newer fetch's (fetched_at: the later one known)."""
    if old is None or old.symbol != new.symbol:
        return new
    keys = list(dict.fromkeys([*old.series, *new.series]))
    series = {k: _merge_series(old.series.get(k, ()), new.series.get(k, ())) for k in keys}
    fetched = [t for t in (old.fetched_at, new.fetched_at) if t is not None]
    return Statements(
        symbol=new.symbol,
        series={k: v for k, v in series.items() if v},
        not_reported=new.not_reported if new.fetched_at is not None else old.not_reported,
        fetched_at=max(fetched) if fetched else None,
    )


# -- plain data for the disk cache ----------------------------------------------------------------------------


def statements_to_data(st: Statements) -> dict:
    """JSON-ready: {"symbol", "fetched_at", "not_reported": [[period, line]], "series": [[period, line,
    [[iso date, value, currency], …]], …]}."""
    return {
        "symbol": st.symbol,
        "fetched_at": st.fetched_at,
        "not_reported": sorted([list(k) for k in st.not_reported]),
        "series": [
            [period, line, [[p.as_of.isoformat(), p.value, p.currency] for p in pts]]
            for (period, line), pts in sorted(st.series.items())
        ],
    }


def statements_from_data(data: Mapping) -> Statements:
    """The inverse of statements_to_data; ValueError (or TypeError, KeyError) on anything else."""
    symbol = data["symbol"]
    if not isinstance(symbol, str) or not symbol:
        raise ValueError("no symbol")
    fetched = data.get("fetched_at")
    if fetched is not None and (isinstance(fetched, bool) or not isinstance(fetched, (int, float))):
        raise ValueError("fetched_at is not a number")
    series: dict[tuple[str, str], Series] = {}
    for period, line, rows in data["series"]:
        if period not in PERIODS or line not in PERIOD_LINES[period]:
            raise ValueError(f"unknown series {period}/{line}")
        pts = []
        for iso, value, currency in rows:
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise ValueError(f"{period}/{line}: not a number: {value!r}")
            if currency is not None and not (isinstance(currency, str) and len(currency) == 3
                                             and currency.isascii() and currency.isalpha() and currency.isupper()):
                raise ValueError(f"{period}/{line}: bad currency {currency!r}")
            pts.append(Point(dt.date.fromisoformat(iso), float(value), currency))
        series[(period, line)] = _merge_series((), pts)
    not_reported = set()
    for period, line in data.get("not_reported") or ():
        if period in PERIODS and line in LINES:
            not_reported.add((period, line))
    return Statements(symbol=symbol, series=series, not_reported=frozenset(not_reported),
                      fetched_at=float(fetched) if fetched is not None else None)
