"""Command palette provider: "Switch watchlist: <title>" for each watchlist."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Protocol, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider

from tui.model import Watchlist


class WatchlistHolder(Protocol):
    """What the palette needs of the app: its watchlists and a way to show one."""

    watchlists: Sequence[Watchlist]

    def switch_watchlist(self, index: int) -> None: ...


class WatchlistCommands(Provider):
    def _entries(self) -> list[tuple[str, str, int]]:
        app = cast(WatchlistHolder, self.app)
        return [(f"Switch watchlist: {wl.title}", wl.description or wl.name, n)
                for n, wl in enumerate(app.watchlists)]

    async def discover(self) -> Hits:
        app = cast(WatchlistHolder, self.app)
        for text, help_text, n in self._entries():
            yield DiscoveryHit(text, partial(app.switch_watchlist, n), help=help_text)

    async def search(self, query: str) -> Hits:
        app = cast(WatchlistHolder, self.app)
        matcher = self.matcher(query)
        for text, help_text, n in self._entries():
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, matcher.highlight(text), partial(app.switch_watchlist, n), help=help_text)
