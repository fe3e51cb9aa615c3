"""Outside text on screen as what it is: never Textual markup, never a control sequence.

Textual reads a `str` given to `Static`, `Label`, `notify` or the command palette as markup: a watchlist title
`[@click=app.quit]Chips[/]` would become a button that quits the app, `[link=…]` a terminal hyperlink, and a
stray `[/x]` raises MarkupError and takes the screen down. Text that comes from outside (a source's names and
messages, a user's files) is shown through these instead; it is cleaned again on the way (tui/sanitize.py), a
second line behind the parsers and loaders that cleaned it first.
"""

from __future__ import annotations

from textual.content import Content

from tui.sanitize import clean_lines


def plain(text: object) -> Content:
    """`text` as literal Content (no markup), every line cleaned, the lines kept."""
    return Content("\n".join(clean_lines(text, None)))


def markup_literal(text: object) -> str:
    """`text` cleaned and escaped so that Textual's markup parser shows it exactly (for the places that only take
    markup strings, such as a command palette hit's help). Every `[` is escaped: the parser then reads no tag, no
    `$variable` and leaves backslashes as they are."""
    return "\n".join(clean_lines(text, None)).replace("[", "\\[")
