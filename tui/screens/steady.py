"""Screens that lay out only at the app's current size.

Textual (8.2) can keep a screen resizing for ever. A screen lays itself out at the size a Resize event carries
and, when its own size changed, posts itself a Resize of that size. With two Resize events of different sizes
queued at once, other messages between them, each one lays the screen out again and posts itself again: the
screen flips between the two sizes without end, and its message loop never yields to the event loop, so no
timer, signal handler or hang-up check runs again. A browser tab does this at start: textual-serve starts the app
at the page's first size and the page resizes a moment later, before the app's own start-up Resize (carrying
the first size) is handled (a headless `chromium --screenshot` run, every time). The tab's aiwatch then spun a
core and ignored SIGTERM, long after its browser had gone.

The app always knows the newest size (it takes it as soon as the terminal or the browser reports it, before
passing it on to the screen), so a Resize of any other size is stale, and dropped here: the flip-flop cannot start.
Every screen of the app (main screen, dialogs, symbol, pair detail, help) derives from these.
"""

from __future__ import annotations

from typing import Generic

from textual import events
from textual.screen import ModalScreen, Screen, ScreenResultType


class SteadyResize:
    """Mixin for a Screen: a Resize whose size is not the app's current size is stale and is not laid out."""

    def _on_resize(self, event: events.Resize) -> None:
        if event.size != self.app.size:  # type: ignore[attr-defined]
            event.prevent_default()  # Screen._on_resize (a layout at the stale size, then a Resize to itself)
            event.stop()


class SteadyScreen(SteadyResize, Screen[ScreenResultType], Generic[ScreenResultType]):
    """Screen, laid out only at the app's current size."""


class SteadyModalScreen(SteadyResize, ModalScreen[ScreenResultType], Generic[ScreenResultType]):
    """ModalScreen, laid out only at the app's current size."""
