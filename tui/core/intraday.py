"""The board's intraday sparkline on one time scale: the last session, open to close, in fixed slices.

Each of `cells` slices covers the same share of the session's regular trading time (lunch breaks left out), so a
cell always stands for the same hours of the day: at 10:00 in New York the first cell of twelve is drawn, at the
close all twelve. A cell is the last price held in its slice (the store's live minute points and the day's
5-minute bars it was seeded with alike); a slice with no point after one that has carries the price on; the slices
still to come, and any before the first point held, are None (drawn blank). Nothing here imports Textual.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from tui.core.sessions import local_date, market_of, regular_segments


def session_segments(symbol: str, t: float) -> tuple[tuple[float, float], ...] | None:
    """The regular trading segments (POSIX start, end) of the session of `symbol`'s market that `t` belongs to:
    that of `t`'s local date, or the next date's (FX: Monday's session starts on Sunday evening); None when `t`
    is on no trading day's session."""
    market = market_of(symbol)
    day = local_date(market, t)
    for d in (day, day + dt.timedelta(days=1)):
        segments = regular_segments(market, d)
        if segments and segments[0][0] <= t <= segments[-1][1]:
            return tuple(segments)
    segments = regular_segments(market, day)
    return tuple(segments) if segments else None


def session_cells(symbol: str, points: Sequence[tuple[float, float]], cells: int) -> list[float | None] | None:
    """`cells` fixed slices of the session of the last point in `points` ((time, price), oldest first): the last
    price of each slice, carried on over slices with no point, None before the first point and after the last.
    None when the last point is on no session (the caller draws the points as they are)."""
    if not points or cells <= 0:
        return None
    segments = session_segments(symbol, points[-1][0])
    if segments is None:
        return None
    total = sum(b - a for a, b in segments)
    if total <= 0:
        return None
    start = segments[0][0]
    values: list[float | None] = [None] * cells
    for t, price in reversed(points):  # newest first: the first point seen in a slice is its last price
        if t < start:
            break  # the session before
        elapsed = 0.0
        for a, b in segments:
            if t < b:
                elapsed += max(0.0, t - a)
                break
            elapsed += b - a
        k = min(cells - 1, int(elapsed / total * cells))
        if values[k] is None:
            values[k] = price
    last_filled = max((k for k, v in enumerate(values) if v is not None), default=-1)
    held = None
    for k in range(last_filled + 1):
        if values[k] is None:
            values[k] = held
        else:
            held = values[k]
    return values
