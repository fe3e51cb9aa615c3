"""Yahoo's fundamentals time series (`/ws/fundamentals-timeseries/v1/finance/timeseries/{symbol}`): the request's
types and the parser. No I/O.

The answer is `{"timeseries": {"result": [item, …], "error": null}}`, one item per requested type, in any order:
`{"meta": {"symbol": [S], "type": [T]}, "timestamp": [...], T: [point, …]}`, each point
`{"asOfDate": "2024-03-31", "periodType": "3M", "currencyCode": "USD", "reportedValue": {"raw": -1996000000}}`.
Read by type, never by position:
- an item without its data key (meta only) means Yahoo has nothing for that type: "not reported", never zero;
- a point may be null (Yahoo pads series with `padTimeSeries`) or lack a value: skipped;
- a point whose periodType is not its series' (a half-year in a quarterly series) is skipped: a half-year summed
  as a quarter would be a false TTM;
- the currency is each monetary point's own `currencyCode` (BABA's are CNY), cleaned and checked to be a code.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from typing import Any

from tui.core.statements import LINE_TYPES, PERIOD_LINES, PERIOD_TYPES, PERIODS, Point, Series, Statements
from tui.feeds.yahoo_parse import YahooError, _envelope
from tui.sanitize import clean_name

_TYPE_TO_LINE = {name: line for line, name in LINE_TYPES.items()}
_TYPE = re.compile(r"^(quarterly|annual|trailing)([A-Za-z]+)$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
YEARS_BACK = 6  # period1: far enough back for Yahoo's four fiscal years and five quarters (and the simulator's 8)


def timeseries_types() -> list[str]:
    """Every type the capex analytics reads: quarterly and annual for each line, trailing for flow lines."""
    return [f"{period}{LINE_TYPES[line]}" for period in PERIODS for line in PERIOD_LINES[period]]


def timeseries_params(now: float, types: list[str] | None = None) -> dict[str, str]:
    """The query (without the crumb): symbol, type list, and a window from YEARS_BACK years ago to now."""
    return {
        "type": ",".join(types or timeseries_types()),
        "period1": str(int(now - YEARS_BACK * 366 * 86400)),
        "period2": str(int(now) + 86400),
    }


def _value(point: Mapping[str, Any]) -> float | None:
    reported = point.get("reportedValue")
    raw = reported.get("raw") if isinstance(reported, Mapping) else None
    if isinstance(raw, bool) or not isinstance(raw, (int, float)):
        return None
    raw = float(raw)
    return raw if math.isfinite(raw) else None


def _date(text: Any) -> dt.date | None:
    if not isinstance(text, str):
        return None
    try:
        return dt.date.fromisoformat(text.strip()[:10])
    except ValueError:
        return None


def _currency(text: Any) -> str | None:
    if not isinstance(text, str):
        return None
    code = clean_name(text).upper()
    return code if _CURRENCY.match(code) else None


def parse_timeseries(doc: Any, symbol: str, fetched: float) -> Statements:
    """One timeseries answer → Statements of `symbol` (items for another symbol are ignored).

    Raises YahooError on an error envelope or a document that is not a timeseries answer."""
    result = _envelope(doc, "timeseries")
    if result is None:
        result = []
    if not isinstance(result, list):
        raise YahooError("BadDocument", "timeseries.result is not a list")
    series: dict[tuple[str, str], Series] = {}
    not_reported: set[tuple[str, str]] = set()
    for item in result:
        if not isinstance(item, Mapping):
            continue
        meta = item.get("meta")
        if not isinstance(meta, Mapping):
            continue
        types = meta.get("type")
        kind = types[0] if isinstance(types, list) and types and isinstance(types[0], str) else None
        syms = meta.get("symbol")
        item_symbol = syms[0] if isinstance(syms, list) and syms and isinstance(syms[0], str) else None
        if kind is None or (item_symbol is not None and item_symbol.upper() != symbol.upper()):
            continue
        m = _TYPE.match(kind)
        if m is None:
            continue
        period, line = m.group(1), _TYPE_TO_LINE.get(m.group(2))
        if line is None or line not in PERIOD_LINES[period]:
            continue  # a type this program does not read (Yahoo may send more than was asked)
        raw_points = item.get(kind)
        points: dict[dt.date, Point] = {}
        if isinstance(raw_points, list):
            for p in raw_points:
                if not isinstance(p, Mapping):
                    continue  # null padding
                period_type = p.get("periodType")
                if isinstance(period_type, str) and period_type != PERIOD_TYPES[period]:
                    continue
                as_of, value = _date(p.get("asOfDate")), _value(p)
                if as_of is None or value is None:
                    continue
                points[as_of] = Point(as_of, value, _currency(p.get("currencyCode")))
        if points:
            series[(period, line)] = tuple(points[d] for d in sorted(points))
        else:
            not_reported.add((period, line))
    return Statements(symbol=symbol, series=series, not_reported=frozenset(not_reported - set(series)),
                      fetched_at=fetched)

