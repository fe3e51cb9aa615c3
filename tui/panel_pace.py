"""When the pairs and concentration panels are redrawn: at a steady pace, not at every refresh.

The board follows every 5 Hz refresh. The pairs panel (valuation multiples and basket moves: their inputs change
with every tick, but a ratio to three figures redrawn five times a second is flicker, not news) is redrawn at most
every PAIRS_SECONDS; the concentration panel (market-cap aggregates shown to 0.1 %, the costliest to compute:
every member's valuation, the NVDA dependency, the Mag-7 share) at most once per CONCENTRATION_SECONDS. A
watchlist switch or a new size redraws both at once.

A side of a pair turns "stale" with no new quote at all (a silent feed), so once per clock second the stale set of
the pairs' symbols is compared with the one last drawn.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tui.core.store import MarketStore
    from tui.model import Watchlist

CONCENTRATION_SECONDS = 1.0
PAIRS_SECONDS = 0.35  # every other 5 Hz refresh at most
STALE_CHECK_SECONDS = 1.0


class PanelPace:
    """The panels' redraw schedule. `widget(cls)` returns the main screen's widget of that class."""

    def __init__(self, widget: Callable[[type], Any], screen_size: Callable[[], Any]) -> None:
        from tui.widgets.concentration import ConcentrationPanel
        from tui.widgets.pairs import PairsPanel

        self._pairs = lambda: widget(PairsPanel)
        self._concentration = lambda: widget(ConcentrationPanel)
        self._screen_size = screen_size
        self.due = False  # the pairs panel's inputs changed since it was drawn
        self._concentration_due = False
        self._pairs_at = self._concentration_at = -1e18
        self.pairs_seq = self.concentration_seq = -1  # the store's change number each panel was last drawn at
        self._sizes: tuple = ()
        self._concentration_sizes: tuple = ()
        self._stale_second: int | None = None
        self._stale_key: tuple | None = None

    @property
    def pending(self) -> bool:
        """A redraw is due that the pace has held back."""
        return self.due or self._concentration_due

    def _compact(self) -> bool:
        return self._screen_size().height < 30

    def sizes_changed(self) -> bool:
        """The panels draw to their own width: after a resize (whose layout settles after `on_resize`), redraw."""
        pairs, concentration = self._pairs(), self._concentration()
        sizes = (pairs.size, concentration.size, self._screen_size())
        if sizes == self._sizes:
            return False
        self._sizes = sizes
        for panel in (pairs, concentration):
            panel.refresh(layout=True)  # their auto height was measured at the old width: measure again
        return True

    def draw_now(self, store: MarketStore, wl: Watchlist) -> None:
        """Both panels, at once (a watchlist switch, a resize)."""
        self._pairs().show(store, wl)
        self._concentration().show(store, wl, compact=self._compact())
        self.pairs_seq = self.concentration_seq = store.seq

    def draw_due(self, store: MarketStore, wl: Watchlist) -> None:
        """The panels whose turn has come; a new size is drawn at once, never paced."""
        mono = time.monotonic()
        resized = self._concentration_sizes != self._sizes
        if self.due and (resized or mono - self._pairs_at >= PAIRS_SECONDS):
            self.due = False
            self._concentration_due = True
            self._pairs_at = mono
            self.pairs_seq = store.seq
            self._pairs().show(store, wl)
        if self._concentration_due and (resized or mono - self._concentration_at >= CONCENTRATION_SECONDS):
            self._concentration_due = False
            self._concentration_at = mono
            self._concentration_sizes = self._sizes
            self.concentration_seq = store.seq
            self._concentration().show(store, wl, compact=self._compact())

    def staleness_changed(self, store: MarketStore, wl: Watchlist, now: float, stale_after: float) -> bool:
        """Once per clock second: whether the stale set of the pairs' inputs differs from the one drawn."""
        from tui.widgets.pairs import stale_key

        second = int(now // STALE_CHECK_SECONDS)
        if second == self._stale_second:
            return False
        self._stale_second = second
        key = (wl.name, stale_key(store, wl, now, stale_after))
        if key == self._stale_key:
            return False
        self._stale_key = key
        return True

    def drawn_since(self, seq: int, refreshed_seq: int) -> bool:
        """Both panels show the store as of its change `seq` or later: either both were drawn at `seq` or later,
        or the refresh has taken in change `seq` (`refreshed_seq`) and no redraw is pending (nothing since
        touched the panels' symbols)."""
        if min(self.pairs_seq, self.concentration_seq) >= seq:
            return True
        return refreshed_seq >= seq and not self.pending
