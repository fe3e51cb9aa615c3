"""The problems screen: what was wrong in the config and watchlist files at start, as text, for as long as the app
runs (the palette's "Problems" and the help screen open it again; the header says how many there are).

Each problem is shown with its file on a line of its own, then what is wrong, indented: a path is never broken in
the middle of a word, and a message is text, never markup (`write each instrument as [[instrument]] … not
[instrument]` keeps its brackets).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Static

from tui.screens.steady import SteadyModalScreen
from tui.widgets.plain import plain

# "<file>:<line>: <message>" or "<file>: <message>", where the file is a config or watchlist file
_WHERE = re.compile(r"^(?P<file>.+?\.toml)(?::(?P<line>\d+))?: (?P<message>.*)$", re.DOTALL)


def split_problem(problem: object) -> tuple[str, str]:
    """(where, what): `/path/x.toml:3` and the message; ("", text) when it names no file."""
    path, line, message = (getattr(problem, k, None) for k in ("path", "line", "message"))
    if path is not None and message is not None:
        return (f"{path}:{line}" if line is not None else str(path)), str(message)
    text = str(problem)
    m = _WHERE.match(text)
    if m is None:
        return "", text
    where = m["file"] + (f":{m['line']}" if m["line"] else "")
    return where, m["message"]


class ProblemsList(Vertical):
    """Every problem as text: its file (muted, on its own line), then the problem, indented (wrapped lines too)."""

    DEFAULT_CSS = """
    ProblemsList { height: auto; }
    ProblemsList .problem-where { color: $text-muted; height: auto; }
    ProblemsList .problem-what { padding-left: 2; margin-bottom: 1; height: auto; }
    """

    def __init__(self, problems: Sequence[object], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.problems = list(problems)

    def compose(self) -> ComposeResult:
        if not self.problems:
            yield Static("no problems found in your files", classes="problem-what")
        for problem in self.problems:
            where, what = split_problem(problem)
            if where:
                yield Static(plain(where), classes="problem-where")
            yield Static(plain(what), classes="problem-what")

    @property
    def plain(self) -> str:
        """The problems as shown, one a line: `file:line: what is wrong` (tests)."""
        lines = []
        for problem in self.problems:
            where, what = split_problem(problem)
            lines.append(plain(f"{where}: {what}" if where else what).plain)
        return "\n".join(lines)


def problems_summary(problems: Sequence[object]) -> str:
    """For a short toast: `2 problems in your config or watchlist files: ? shows them`."""
    n = len(problems)
    return f"{n} problem{'' if n == 1 else 's'} in your config or watchlist files: ? shows them"


class ProblemsScreen(SteadyModalScreen[None]):
    """Escape, q or ? closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q", "close", "Close", id="problems.close")]
    DEFAULT_CSS = """
    ProblemsScreen { align: center middle; }
    #problems-box { width: 100%; max-width: 110; height: 100%; max-height: 40; border: round $warning;
                    background: $surface; padding: 0 1; }
    #problems-scroll { height: 1fr; }
    #problems-title { text-style: bold; color: $warning; }
    """

    def __init__(self, problems: Iterable[object]) -> None:
        super().__init__()
        self.problems = list(problems)

    def compose(self) -> ComposeResult:
        n = len(self.problems)
        with Vertical(id="problems-box"):
            yield Static(Content(f"{n} problem{'' if n == 1 else 's'} found in your files at start (each file's "
                                 "other settings and lists still load)"), id="problems-title")
            with VerticalScroll(id="problems-scroll"):
                yield ProblemsList(self.problems, id="problems-text")
            yield Static("Escape closes · fix a file and start aiwatch again to check it", classes="dialog-hint")

    def action_close(self) -> None:
        self.dismiss(None)
