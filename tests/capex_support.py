"""Helpers for the capex tests (not a test module): where the recorded Yahoo answers are, and statement lines
built by hand."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from tui.core.statements import Point, Statements

# ../shared/yahoo-recorded from the project root, as every test finds it
RECORDED = Path(__file__).resolve().parents[1].parent / "shared" / "yahoo-recorded"


def recorded_files(pattern: str) -> list[Path]:
    return sorted(RECORDED.glob(pattern)) if RECORDED.is_dir() else []


def recorded_body(name: str) -> dict:
    """The body of one recorded answer; skips the test when the folder is absent."""
    path = RECORDED / name
    if not path.is_file():
        pytest.skip(f"recorded Yahoo responses not found at {RECORDED}")
    doc = json.loads(path.read_text())
    assert doc["status"] == 200
    return doc["body"]


def quarter_ends(first: dt.date, n: int) -> list[dt.date]:
    """`n` month-end quarter ends from `first` (a month end), three months apart."""
    out = []
    y, m = first.year, first.month
    for _ in range(n):
        nxt = dt.date(y + m // 12, m % 12 + 1, 1)
        out.append(nxt - dt.timedelta(days=1))
        m += 3
        y, m = y + (m - 1) // 12, (m - 1) % 12 + 1
    return out


def statements(symbol: str, currency: str, dates: list[dt.date], lines: dict[str, list[float | None]],
               *, trailing: dict[str, tuple[dt.date, float]] | None = None,
               fetched_at: float | None = 0.0) -> Statements:
    """Quarterly points of each line (None leaves that quarter out), plus optional trailing points."""
    series = {}
    for line, values in lines.items():
        pts = tuple(Point(d, float(v), currency) for d, v in zip(dates, values, strict=True) if v is not None)
        if pts:
            series[("quarterly", line)] = pts
    for line, (day, value) in (trailing or {}).items():
        series[("trailing", line)] = (Point(day, float(value), currency),)
    return Statements(symbol=symbol, series=series, fetched_at=fetched_at)
