"""Command palette provider: "Open book: <title>" for each of the user's books the app shows.

As for the watchlists (tui/screens/commands.py): a book's title and description are the user's text and the
palette reads markup, so the prompt is literal Content and the help escaped. Kept apart from the book screen so
that the app's start-up does not import the portfolio analytics."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content

from tui.screens.commands import highlight_match
from tui.widgets.plain import markup_literal, plain


class BookCommands(Provider):
    def _entries(self) -> list[tuple[str, str, int]]:
        books = getattr(self.app, "books", None)
        if not books:
            return []
        return [(plain(f"Open book: {b.title}").plain, markup_literal(b.description or b.name), n)
                for n, b in enumerate(books.books)]

    async def discover(self) -> Hits:
        for text, help_text, n in self._entries():
            yield DiscoveryHit(Content(text), partial(self.app.open_book, n), text=text,  # type: ignore[attr-defined]
                               help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for text, help_text, n in self._entries():
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, highlight_match(matcher, text), partial(self.app.open_book, n),  # type: ignore[attr-defined]
                          text=text, help=help_text)
