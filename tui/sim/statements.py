"""The simulator's fundamentals time series: statement lines from `tui/data/statements.toml`, served in the shape of
Yahoo's `/ws/fundamentals-timeseries/v1/finance/timeseries/{symbol}` (see ../shared/yahoo-recorded/timeseries-*.json).

As Yahoo does: one item per requested type, `{"meta": {"symbol": [S], "type": [T]}, "timestamp": [...], T: [...]}`,
points with `dataId`, `asOfDate` (a month end), `periodType` ("3M", "12M", "TTM"), `currencyCode` and
`reportedValue` `{"raw", "fmt"}`; capex negative; free cash flow = operating cash flow + capex; a type with no data
comes back as its meta alone; items in another order than asked (sorted by type). A quarter is served once its
`reported_after` days have passed at the simulated time, within period1..period2. Unlike Yahoo, which returns
about five quarters, every quarter of the file is served (`max_quarters` caps it, as the tests that check the
client's own eight-quarter memory do): the demo shows eight-quarter trends without a cache.
"""

from __future__ import annotations

import datetime as dt
import math
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import Any

from tui.paths import data_dir
from tui.sim.baseline import stable_hash
from tui.sim.market import SimMarket

# Yahoo's type names (without the period prefix) -> the file's line; FreeCashFlow is derived
TYPE_LINES = {
    "CapitalExpenditure": "capex",
    "OperatingCashFlow": "ocf",
    "FreeCashFlow": "fcf",
    "TotalRevenue": "revenue",
    "EBITDA": "ebitda",
    "EBIT": "ebit",
    "InterestExpense": "interest_expense",
    "TotalDebt": "total_debt",
    "CashAndCashEquivalents": "cash",
    "NetDebt": "net_debt",
}
FLOW = {"capex", "ocf", "fcf", "revenue", "ebitda", "ebit", "interest_expense"}
FILE_LINES = ("capex", "ocf", "revenue", "ebitda", "ebit", "interest_expense", "total_debt", "cash")
_PREFIXES = ("quarterly", "annual", "trailing")


@dataclass(frozen=True, slots=True)
class CompanyLines:
    company: str
    currency: str
    fiscal_year_end: int
    reported_after: int
    quarters: tuple[dt.date, ...]
    lines: dict[str, tuple[float | None, ...]]  # in currency units; capex as Yahoo reports it (negative)

    def value(self, line: str, i: int) -> float | None:
        if line == "fcf":
            ocf, capex = self.value("ocf", i), self.value("capex", i)
            return ocf + capex if ocf is not None and capex is not None else None
        if line == "net_debt":
            debt, cash = self.value("total_debt", i), self.value("cash", i)
            # Yahoo leaves NetDebt out when cash exceeds debt (a net cash position)
            return debt - cash if debt is not None and cash is not None and debt > cash else None
        values = self.lines.get(line)
        return values[i] if values is not None else None

    def has(self, line: str) -> bool:
        if line == "fcf":
            return "ocf" in self.lines and "capex" in self.lines
        if line == "net_debt":
            return "total_debt" in self.lines and "cash" in self.lines
        return line in self.lines


@dataclass(frozen=True, slots=True)
class StatementsFile:
    as_of: dt.date
    companies: dict[str, CompanyLines]


@lru_cache(maxsize=4)
def load_statements(path: Path | None = None) -> StatementsFile:
    path = path or data_dir() / "statements.toml"
    with open(path, "rb") as fh:
        doc = tomllib.load(fh)
    scale = float(doc.get("scale", 1.0))
    companies = {}
    for company, row in doc.get("company", {}).items():
        quarters = tuple(row["quarters"])
        lines: dict[str, tuple[float | None, ...]] = {}
        for line in FILE_LINES:
            if line not in row:
                continue
            values = row[line]
            if len(values) != len(quarters):
                raise ValueError(f"{path}: {company}.{line} has {len(values)} values for {len(quarters)} quarters")
            sign = -1.0 if line == "capex" else 1.0  # the file holds capex spent; Yahoo reports it negative
            lines[line] = tuple(None if math.isnan(float(v)) else sign * float(v) * scale for v in values)
        companies[company] = CompanyLines(company, row["currency"], int(row["fiscal_year_end"]),
                                          int(row["reported_after"]), quarters, lines)
    return StatementsFile(doc["as_of"], companies)


def _ts(day: dt.date) -> int:
    return int(dt.datetime.combine(day, dt.time(0), tzinfo=dt.UTC).timestamp())


def _fmt(x: float) -> str:
    for div, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(x) >= div:
            return f"{x / div:.2f}{suffix}"
    return f"{x:.2f}"


def _months(a: dt.date, b: dt.date) -> int:
    return (b.year * 12 + b.month) - (a.year * 12 + a.month)


def _sum4(cl: CompanyLines, line: str, i: int, served: list[int]) -> float | None:
    """The sum of the four quarters ending at index i, when all are served, consecutive and reported."""
    if i not in served or served.index(i) < 3:
        return None
    window = served[served.index(i) - 3: served.index(i) + 1]
    if any(_months(cl.quarters[a], cl.quarters[b]) != 3 for a, b in pairwise(window)):
        return None
    values = [cl.value(line, k) for k in window]
    return math.fsum(values) if all(v is not None for v in values) else None  # type: ignore[arg-type]


def timeseries_result(market: SimMarket, symbol: str, types: list[str], t: float, period1: float, period2: float,
                      *, max_quarters: int | None = None, statements: StatementsFile | None = None) -> list[dict]:
    """The `timeseries.result` list for `symbol` at simulated time `t`."""
    statements = statements or load_statements()
    cl = None
    currency = "USD"
    factor = 1.0
    if market.knows(symbol):
        li = market.listing(symbol)
        cl = statements.companies.get(li.company) if li.is_equity else None
        if cl is not None:
            currency = li.financial_currency or cl.currency
            factor = market.baseline.convert(1.0, cl.currency, currency)
    served: list[int] = []
    if cl is not None:
        today = dt.datetime.fromtimestamp(t, dt.UTC).date()
        served = [i for i, q in enumerate(cl.quarters)
                  if q + dt.timedelta(days=cl.reported_after) <= today and period1 <= _ts(q) <= period2]
        if max_quarters is not None:
            served = served[-max_quarters:] if max_quarters > 0 else []
    out = []
    for kind in sorted(dict.fromkeys(types)):
        item: dict[str, Any] = {"meta": {"symbol": [symbol], "type": [kind]}}
        prefix = next((p for p in _PREFIXES if kind.startswith(p)), None)
        line = TYPE_LINES.get(kind[len(prefix):]) if prefix else None
        points: list[tuple[dt.date, str, float]] = []
        if cl is not None and line is not None and cl.has(line) and served:
            if prefix == "quarterly":
                points = [(cl.quarters[i], "3M", v) for i in served if (v := cl.value(line, i)) is not None]
            elif prefix == "annual":
                for i in served:
                    if cl.quarters[i].month != cl.fiscal_year_end:
                        continue
                    v = _sum4(cl, line, i, served) if line in FLOW else cl.value(line, i)
                    if v is not None:
                        points.append((cl.quarters[i], "12M", v))
            elif prefix == "trailing" and line in FLOW:
                v = _sum4(cl, line, served[-1], served)
                if v is not None:
                    points.append((cl.quarters[served[-1]], "TTM", v))
        if points:
            data_id = 20000 + stable_hash(kind) % 10000
            item["timestamp"] = [_ts(d) for d, _, _ in points]
            item[kind] = [
                {"dataId": data_id, "asOfDate": d.isoformat(), "periodType": pt, "currencyCode": currency,
                 "reportedValue": {"raw": round(v * factor), "fmt": _fmt(v * factor)}}
                for d, pt, v in points
            ]
        out.append(item)
    return out
