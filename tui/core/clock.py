"""The program's clock: real time, or a pinned start (`--at`) running at `--speed`.

The demo's simulator and the app share one Clock, so market states, quote ages and prices agree.
`speed=0` freezes time at `at`, which is what snapshot tests use.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime


def parse_instant(text: str) -> datetime:
    """Parse an ISO 8601 instant; a naive one is taken as UTC."""
    try:
        dt = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValueError(f"not an ISO 8601 instant: {text!r} (try 2026-11-24T14:30:00Z)") from exc
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)


class Clock:
    def __init__(self, at: datetime | None = None, speed: float = 1.0) -> None:
        if speed < 0:
            raise ValueError("speed must be >= 0")
        self.speed = speed
        self._mono0 = time.monotonic()
        self._start = at.timestamp() if at is not None else time.time()
        self.pinned = at is not None or speed != 1.0

    def now(self) -> float:
        """POSIX seconds on this clock."""
        if not self.pinned:
            return time.time()
        return self._start + (time.monotonic() - self._mono0) * self.speed

    def now_dt(self) -> datetime:
        return datetime.fromtimestamp(self.now(), UTC)

    def wall_seconds(self, clock_seconds: float) -> float:
        """How long `clock_seconds` of this clock's time take in real time (inf when frozen)."""
        if self.speed == 0:
            return float("inf")
        return clock_seconds / self.speed
