"""SVG snapshots in the three colour modes a terminal gives the app: default (truecolor), 16 colours
(TEXTUAL_COLOR_SYSTEM=standard) and NO_COLOR, on the demo (seeded simulator, frozen clock).

Textual exports a screenshot in truecolor whatever the terminal: in 16-colour mode the app runs as it does in such a
terminal (its console says "standard", so it picks its 16-colour theme) and `SixteenColours` turns each colour of
the screen into the one of the 16 the terminal is sent (rich's own downgrade), so the SVG shows those 16 as a
terminal's palette draws them. Under NO_COLOR the app's own filters remove every colour, and the SVG shows that.
"""

from __future__ import annotations

from functools import lru_cache

import pytest
from e2e_support import US_OPEN, demo_runtime, loaded, wait_for
from rich._palettes import STANDARD_PALETTE
from rich.color import Color, ColorSystem
from rich.segment import Segment
from rich.style import Style
from textual.filter import LineFilter

MODES = ("default", "16-colours", "no-color")
SIZES = {"60x20": (60, 20), "80x24": (80, 24), "120x40": (120, 40)}


def _vga(color: Color | None) -> Color | None:
    """The colour a 16-colour terminal shows for `color`: the number rich sends, drawn in the VGA palette rich
    matches against (an SVG drawn in rich's own export palette shows bright green as a dark green)."""
    if color is None or color.is_default:
        return color
    number = color.downgrade(ColorSystem.STANDARD).number
    return Color.from_triplet(STANDARD_PALETTE[number]) if number is not None else color


@lru_cache(1024)
def _standard(style: Style) -> Style:
    return style + Style.from_color(_vga(style.color), _vga(style.bgcolor))


class SixteenColours(LineFilter):
    """Each colour as the one of a 16-colour terminal's that rich sends to it."""

    def apply(self, segments: list[Segment], background) -> list[Segment]:
        return [Segment(text, None if style is None else _standard(style), control)
                for text, style, control in segments]


def set_colour_mode(mode: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Before the app is made: the environment a terminal of this colour mode gives it."""
    import textual.constants

    monkeypatch.delenv("NO_COLOR", raising=False)
    if mode == "16-colours":
        monkeypatch.setattr(textual.constants, "COLOR_SYSTEM", "standard")
    elif mode == "no-color":
        monkeypatch.setenv("NO_COLOR", "1")


def in_colour_mode(app, mode: str):
    """The app, drawing as a terminal of `mode` shows it (after `set_colour_mode`)."""
    if mode == "16-colours":
        assert app.console.color_system == "standard"
        app._filters.append(SixteenColours())
    return app


def make_app(watchlist: str = "ai-rivals", at: str = US_OPEN, config=None):
    from tui.app import AiwatchApp
    from tui.watchlists import load_all

    return AiwatchApp(demo_runtime(at), load_all(), initial=watchlist, config=config)


PINNED_REQUESTS = 24  # the status line's requests a minute, pinned: the real count follows wall time


async def settle(pilot) -> None:
    """Every quote and statement in, the stream live, the sparklines seeded, both panels drawn since. The status
    line stays (it is part of the layout under test) with its two wall-time counters pinned: requests in the last
    minute of wall time and symbols polled meanwhile depend on how long the machine took, not on the frozen clock."""
    import dataclasses

    app = pilot.app
    await wait_for(lambda: loaded(app.runtime, app.watchlist.symbols), timeout=30)
    await wait_for(lambda: app.runtime.status().state == "live", timeout=30)
    start = app.refreshes
    await wait_for(lambda: app.refreshes >= start + 3)
    await wait_for(app.sparklines_settled)
    seq = app.runtime.store.seq
    await wait_for(lambda: app.panels_drawn_since(seq))
    pinned = dataclasses.replace(app.runtime.status(), requests_last_minute=PINNED_REQUESTS, polled_symbols=0)
    app.runtime.status = lambda: pinned
    app._tick_clock()
    app.clear_notifications()
    await pilot.pause()
