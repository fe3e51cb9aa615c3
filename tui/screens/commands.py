"""Command palette provider: "Switch watchlist: <title>" for each watchlist.

Textual's palette reads a hit's prompt and help as markup: titles and descriptions come from files, so the prompt
is given as literal Content (highlighted here) and the help escaped (tui/widgets/plain.py)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Protocol, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content

from tui.model import Watchlist
from tui.widgets.plain import markup_literal, plain


class WatchlistHolder(Protocol):
    """What the palette needs of the app: its watchlists and a way to show one."""

    watchlists: Sequence[Watchlist]

    def switch_watchlist(self, index: int) -> None: ...


class WatchlistCommands(Provider):
    def _entries(self) -> list[tuple[str, str, int]]:
        app = cast(WatchlistHolder, self.app)
        return [(plain(f"Switch watchlist: {wl.title}").plain, markup_literal(wl.description or wl.name), n)
                for n, wl in enumerate(app.watchlists)]

    async def discover(self) -> Hits:
        app = cast(WatchlistHolder, self.app)
        for text, help_text, n in self._entries():
            yield DiscoveryHit(Content(text), partial(app.switch_watchlist, n), text=text, help=help_text)

    async def search(self, query: str) -> Hits:
        app = cast(WatchlistHolder, self.app)
        matcher = self.matcher(query)
        for text, help_text, n in self._entries():
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, highlight_match(matcher, text), partial(app.switch_watchlist, n), text=text,
                          help=help_text)


def highlight_match(matcher, text: str) -> Content:
    """`text` as literal Content with the letters the query matched highlighted (Textual's own
    `Matcher.highlight` reads the candidate as markup)."""
    content = Content(text)
    score, offsets = matcher.fuzzy_search.match(matcher.query, text)
    if score:
        for offset in offsets:
            if not text[offset].isspace():
                content = content.stylize(matcher.match_style, offset, offset + 1)
    return content
