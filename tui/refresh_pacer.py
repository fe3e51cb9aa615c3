"""Idle: the 5 Hz screen refresh sleeps while there is nothing to draw and nothing is expected.

An app left open over a weekend on a shared server should cost next to nothing. Every wake-up of Textual's event
loop costs about 0.3 ms of CPU on a small server (measured: a bare Textual app with one 5 Hz timer uses 0.15 %
of a core more than without it), so an idle app must not wake five times a second to find nothing new.

The rule: after QUIET_TICKS refreshes in a row found nothing new *and* every market of the watchlist is closed,
the refresh timer is paused. The app's once-a-second clock tick then runs the refresh itself (ages and stale
marks move by the second), and the first change to the store, or a resize, resumes the 5 Hz timer at once:
a quote that arrives while paused reaches the screen as fast as one that arrives while running.

While any market of the watchlist is open the timer never pauses: quotes are expected at any moment.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Protocol

log = logging.getLogger(__name__)

QUIET_TICKS = 5  # one second of 5 Hz refreshes with nothing new


class PausableTimer(Protocol):
    def pause(self) -> None: ...
    def resume(self) -> None: ...


class WakeSource(Protocol):
    """The store: it calls `on_next_change` (once, then clears it) at its next change."""

    on_next_change: Callable[[], None] | None


class RefreshPacer:
    """Pauses and resumes the refresh timer; the app reports each refresh as quiet or busy."""

    def __init__(self, timer: PausableTimer, store: WakeSource, quiet_ticks: int = QUIET_TICKS) -> None:
        self._timer = timer
        self._store = store
        self._quiet_ticks = quiet_ticks
        self._quiet = 0
        self.paused = False
        self.pauses = 0  # how many times the timer was paused (for tests and the log)

    def busy(self) -> None:
        """A refresh found something new."""
        self._quiet = 0

    def quiet(self, all_closed: Callable[[], bool]) -> None:
        """A refresh found nothing new; after enough of them, with every market closed, pause the timer."""
        if self.paused:
            return
        self._quiet += 1
        if self._quiet >= self._quiet_ticks and all_closed():
            self.paused = True
            self.pauses += 1
            self._store.on_next_change = self.wake
            self._timer.pause()
            log.debug("refresh paused: nothing new and every market closed")

    def wake(self) -> None:
        """Resume the 5 Hz refresh (a store change, a resize); its next tick comes at once."""
        self._quiet = 0
        if not self.paused:
            return
        self.paused = False
        if self._store.on_next_change == self.wake:
            self._store.on_next_change = None
        self._timer.resume()
        log.debug("refresh resumed")
