"""Command palette provider: "Open book: <title>" for each of the user's books the app shows.

Kept apart from the book screen so that the app's start-up does not import the portfolio analytics."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider


class BookCommands(Provider):
    def _entries(self) -> list[tuple[str, str, int]]:
        books = getattr(self.app, "books", None)
        if not books:
            return []
        return [(f"Open book: {b.title}", b.description or b.name, n) for n, b in enumerate(books.books)]

    async def discover(self) -> Hits:
        for text, help_text, n in self._entries():
            yield DiscoveryHit(text, partial(self.app.open_book, n), help=help_text)  # type: ignore[attr-defined]

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for text, help_text, n in self._entries():
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, matcher.highlight(text), partial(self.app.open_book, n),  # type: ignore[attr-defined]
                          help=help_text)
