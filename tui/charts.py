"""Text charts without Textual: one-line sparklines and a few-line block chart (board and symbol screen)."""

from __future__ import annotations

from collections.abc import Sequence

BLOCKS = "▁▂▃▄▅▆▇█"


def _resample(values: Sequence[float], width: int) -> list[float]:
    """`width` values: the last of each of `width` equal slices (or the values themselves when fewer)."""
    n = len(values)
    if n <= width:
        return list(values)
    return [values[min(n - 1, int((i + 1) * n / width) - 1)] for i in range(width)]


def sparkline(values: Sequence[float], width: int) -> str:
    """A one-line chart of `values` in at most `width` cells, scaled from their low to their high."""
    vals = [v for v in values if v is not None]
    if width <= 0 or not vals:
        return ""
    pts = _resample(vals, width)
    lo, hi = min(pts), max(pts)
    if hi - lo <= 1e-12 * max(1.0, abs(hi)):
        return BLOCKS[3] * len(pts)
    top = len(BLOCKS) - 1
    return "".join(BLOCKS[round((v - lo) / (hi - lo) * top)] for v in pts)


def sparkline_cells(values: Sequence[float | None]) -> str:
    """One cell per value, scaled from the values' low to their high; None is a blank cell (a slice of time with
    no price yet)."""
    known = [v for v in values if v is not None]
    if not known:
        return " " * len(values)
    lo, hi = min(known), max(known)
    flat = hi - lo <= 1e-12 * max(1.0, abs(hi))
    top = len(BLOCKS) - 1
    return "".join(" " if v is None else BLOCKS[3] if flat else BLOCKS[round((v - lo) / (hi - lo) * top)]
                   for v in values)


def block_chart(values: Sequence[float], width: int, height: int) -> list[str]:
    """A `height`-line chart (top line first) of `values` in `width` columns, eighths of a cell per step."""
    vals = [v for v in values if v is not None]
    if width <= 0 or height <= 0 or not vals:
        return []
    pts = _resample(vals, width)
    lo, hi = min(pts), max(pts)
    span = hi - lo
    levels = height * 8
    heights = [levels // 2 if span <= 0 else max(1, round((v - lo) / span * (levels - 1)) + 1) for v in pts]
    rows = []
    for r in range(height - 1, -1, -1):
        base = r * 8
        line = []
        for h in heights:
            fill = h - base
            line.append(" " if fill <= 0 else "█" if fill >= 8 else BLOCKS[fill - 1])
        rows.append("".join(line))
    return rows


def spark_slots(values: Sequence[float | None], gap: str = "·") -> str:
    """One cell per value, scaled from their low to their high; a missing value (None) is `gap`, in its place (a
    quarter not reported shows as a hole in the trend, not as a shorter trend)."""
    held = [v for v in values if v is not None]
    if not held:
        return gap * len(values)
    lo, hi = min(held), max(held)
    top = len(BLOCKS) - 1
    flat = hi - lo <= 1e-12 * max(1.0, abs(hi))
    return "".join(gap if v is None else BLOCKS[3] if flat else BLOCKS[round((v - lo) / (hi - lo) * top)]
                   for v in values)
