"""The key bar at the bottom of every screen: Textual's footer, tightened under 80 columns, showing whole keys."""

from __future__ import annotations

from textual import events
from textual.geometry import Size
from textual.widgets import Footer as TextualFooter

COMPACT_BELOW = 80  # columns: narrower, the keys' labels keep their words, closer together
PALETTE = ".-command-palette"


class Footer(TextualFooter):
    """Textual's footer, which (1) goes compact under `COMPACT_BELOW` columns by itself, on whichever screen it is
    (a pair's detail, the portfolio, capex opened on a narrow terminal are tight from their first frame), and (2)
    shows only the keys that fit whole before the palette key: Textual lets the last ones run under it, so a key
    showed without its label (`p▏^p palette`) or a letter of it came out after the palette's (`▏^p palettet`).
    app.tcss keeps the palette key flush with the right edge when compact."""

    def on_resize(self, event: events.Resize) -> None:
        self.compact = self.app.size.width < COMPACT_BELOW
        self.call_after_refresh(self.fit_keys)

    async def recompose(self) -> None:  # the screen's bindings changed: new keys
        await super().recompose()
        self.call_after_refresh(self.fit_keys)

    def watch_compact(self, compact: bool) -> None:
        self.call_after_refresh(self.fit_keys)

    def fit_keys(self) -> None:
        """Hide the keys, in order, from the first that does not fit whole beside the palette key."""
        if not self.is_attached or self.size.width == 0:
            return
        size = self.size
        room = size.width
        palettes = [w for w in self.children if w.has_class(PALETTE[1:])]
        for palette in palettes:
            room -= self._outer_width(palette, size)
        used, fits = 0, True
        for child in self.children:
            if child in palettes:
                continue
            used += self._outer_width(child, size)
            fits = fits and used <= room
            child.display = fits

    @staticmethod
    def _outer_width(widget, size: Size) -> int:
        styles = widget.styles
        return widget.get_content_width(size, size) + styles.gutter.width + styles.margin.width
