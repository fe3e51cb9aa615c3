"""Command palette provider: "Switch watchlist: <title>" for each watchlist."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider

if TYPE_CHECKING:
    from tui.app import AiwatchApp


class WatchlistCommands(Provider):
    def _entries(self) -> list[tuple[str, str, int]]:
        app = cast("AiwatchApp", self.app)
        return [(f"Switch watchlist: {wl.title}", wl.description or wl.name, n)
                for n, wl in enumerate(app.watchlists)]

    async def discover(self) -> Hits:
        app = cast("AiwatchApp", self.app)
        for text, help_text, n in self._entries():
            yield DiscoveryHit(text, partial(app.switch_watchlist, n), help=help_text)

    async def search(self, query: str) -> Hits:
        app = cast("AiwatchApp", self.app)
        matcher = self.matcher(query)
        for text, help_text, n in self._entries():
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, matcher.highlight(text), partial(app.switch_watchlist, n), help=help_text)
