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

    @classmethod
    def aligned(cls, at: float, at_wall: float, speed: float) -> Clock:
        """A clock that read `at` (POSIX seconds) at wall time `at_wall` (time.time()) and runs at `speed`.

        How a second process (the demo's simulator) gets the very clock of the process that started it: the
        parent sends `reading()`; with `speed=0` both read exactly `at`."""
        clock = cls(speed=speed)
        clock._start = at + (time.time() - at_wall) * speed
        clock.pinned = True
        return clock

    def align(self, at: float, at_wall: float) -> None:
        """Go on from another clock that read `at` at wall time `at_wall`, at this clock's speed (a demo hub taking
        over from one that died continues its simulated time instead of starting its `--at` again)."""
        self._mono0 = time.monotonic()
        self._start = at + (time.time() - at_wall) * self.speed
        self.pinned = True

    def reading(self) -> tuple[float, float]:
        """(now on this clock, time.time()) taken together: what `Clock.aligned` needs."""
        return self.now(), time.time()

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
