"""Problems in a user's TOML file, said with the file and line: the pieces every loader of such files shares
(watchlists, portfolio books, the deals file).

tomllib keeps no positions, so `Locator` finds the line of a key, a table or a value in the raw text; a problem's
message may quote the file, so it is cleaned (tui/sanitize.py) like any outside text.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tui.sanitize import clean, clean_message


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with one file (a watchlist, a book, the deals)."""

    path: Path
    line: int | None
    message: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "message", clean_message(self.message))  # it may quote the file

    def __str__(self) -> str:
        path = clean(str(self.path), None)  # a file name is outside text too
        if self.line is None:
            return f"{path}: {self.message}"
        return f"{path}:{self.line}: {self.message}"


_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$")
_KEY = re.compile(r"""^\s*("[^"]*"|'[^']*'|[A-Za-z0-9_\-]+)\s*(?:\.|=)""")


class Locator:
    """Finds the line of a key or a value in the raw TOML text (tomllib keeps no positions)."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        # (table, index) -> {key or "": line}; the top level is ("", 0)
        self.sections: dict[tuple[str, int], dict[str, int]] = {("", 0): {}}
        counts: dict[str, int] = {}
        current: tuple[str, int] = ("", 0)
        in_multiline: str | None = None
        for number, line in enumerate(self.lines, start=1):
            if in_multiline is not None:
                if line.count(in_multiline) % 2 == 1:
                    in_multiline = None
                continue
            header = _HEADER.match(line)
            if header:
                name = header.group(2).strip().strip("\"'")
                if header.group(1) == "[[":
                    index = counts.get(name, 0)
                    counts[name] = index + 1
                else:
                    index = 0
                current = (name, index)
                self.sections.setdefault(current, {})[""] = number
                continue
            key = _KEY.match(line)
            if key:
                self.sections.setdefault(current, {}).setdefault(key.group(1).strip("\"'"), number)
            for quote in ('"""', "'''"):
                if line.count(quote) % 2 == 1:
                    in_multiline = quote
                    break

    def top(self, key: str) -> int | None:
        return self.sections[("", 0)].get(key) or self._header_line(key)

    def _header_line(self, table: str) -> int | None:
        section = self.sections.get((table, 0))
        return section.get("") if section else None

    def item(self, table: str, index: int, key: str | None = None) -> int | None:
        """The line of `key` in the index-th [[table]], else of its header, else of `table =`."""
        section = self.sections.get((table, index))
        if section is not None:
            if key is not None and key in section:
                return section[key]
            return section.get("")
        return self.sections[("", 0)].get(table)

    def value(self, key: str, value: str, occurrence: int = 0) -> int | None:
        """The line of the occurrence-th `key = "value"` (also inside inline tables)."""
        pattern = re.compile(
            r"""(?:^|[\s{,])""" + re.escape(key) + r"""\s*=\s*(["'])""" + re.escape(value) + r"\1"
        )
        seen = 0
        for number, line in enumerate(self.lines, start=1):
            if pattern.search(line):
                if seen == occurrence:
                    return number
                seen += 1
        return None


def decode_error_line(err: tomllib.TOMLDecodeError) -> int | None:
    lineno = getattr(err, "lineno", None)
    if isinstance(lineno, int):
        return lineno
    m = re.search(r"at line (\d+)", str(err))
    return int(m.group(1)) if m else None


def did_you_mean(key: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(key, list(known), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def type_name(value: Any) -> str:
    return {
        str: "a string",
        int: "an integer",
        float: "a number",
        bool: "true/false",
        list: "a list",
        dict: "a table",
    }.get(type(value), type(value).__name__)
