"""What the command palette (Ctrl+P) offers: what every key of the main screen does, "Switch watchlist: <title>" for
each watchlist, and the problems found in the user's files.

Adding to it:
- a key: give its Binding (in the app's BINDINGS, e.g. through tui/main_actions.py) an `id` and a `tooltip`; it is
  offered as "<tooltip>" with its key (`key_commands`), and runs the binding's action as the key does;
- a list of things to open (each portfolio, say): a `Provider` like `WatchlistCommands` below, added to
  `AiwatchApp.COMMANDS`, with a Protocol saying what it needs of the app.

Textual's palette reads a hit's prompt and help as markup: titles and descriptions come from files, so the prompt
is given as literal Content (highlighted here) and the help escaped (tui/widgets/plain.py)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from functools import partial
from typing import Protocol, cast

from textual.app import SystemCommand
from textual.binding import Binding, BindingType
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content

from tui.model import Watchlist
from tui.widgets.plain import markup_literal, plain

# bindings the palette leaves out: its own Quit and the watchlists' own commands do them
_NOT_OFFERED = frozenset({"app.quit", "app.interrupt", "app.next_watchlist", "app.previous_watchlist"})


def _key_text(binding: Binding) -> str:
    return binding.key_display or binding.key.split(",")[0]


def key_commands(bindings: Iterable[BindingType], run) -> Iterator[SystemCommand]:
    """A palette command per binding with an id and a tooltip (the watchlist numbers, quit and Tab aside):
    its tooltip as the title, its key as the help, `run(action)` as what it does."""
    for b in bindings:
        if not isinstance(b, Binding) or not b.id or not b.tooltip or b.id in _NOT_OFFERED:
            continue
        if b.id.startswith("app.watchlist_"):
            continue
        yield SystemCommand(b.tooltip, f"key {_key_text(b)}", partial(run, b.action))


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
