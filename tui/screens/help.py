"""The help screen: every key, what the board's marks mean, and the data source badge."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Static

from tui.screens.steady import SteadyModalScreen
from tui.widgets.header import DEMO_BADGE, YAHOO_BADGE

LEGEND = (
    ("+15m", "the price's source is this many minutes late, as measured in session, also after the close (Yahoo: "
             "Tokyo 20m; Hong Kong, Shanghai, Shenzhen 15m, real time from Tencent or Sina); in the pairs panel, "
             "after a side with such a listing"),
    ("stale", "no new quote for longer than the delay plus the stale limit while its market is open; row dimmed; "
              "in the pairs panel, after a side with a stale price or FX rate"),
    ("Chg, Chg%", "the day's change against the previous session's close; after the close, until the next "
                  "session opens, that session's"),
    ("Pre/post", "the latest pre- or post-market (or overnight) trade since the last close and its move against "
                 "that close, e.g. post 168.92 +0.15%; shown while a row has one"),
    ("Intraday", "the board's sparkline: the last session from its open to its close in 12 fixed slices of "
                 "trading time (lunch left out), each the last price in its slice; blank slices are still to come"),
    ("open?", "after a clock's state: assumed from plain weekday hours, that market's dated holiday data has "
              "run out (the note names them where there is room; Shanghai and Shenzhen share one calendar)"),
    ("n/m", "not meaningful: P/E on losses or near-zero earnings (see EY, P/S instead)"),
    ("—", "no data yet"),
    ("not found", "the data source says the symbol does not exist"),
    ("Cap USD", "market cap converted to US dollars at the live FX rate"),
    ("ratio ×", "US multiple divided by China multiple; premium % = ratio − 1"),
    ("EY US−CN", "earnings-yield difference in percentage points (defined on losses too)"),
    ("k/n with data", "basket members with fundamentals, of all members"),
    ("HHI", "Herfindahl–Hirschman index on 0–10,000; ┃ marks 1,500 and 2,500 (2010 US merger guidelines)"),
    ("1y ▂▃▅ z", "the pair's relative performance (FX-adjusted log price ratio US/CN) over a year of daily "
                 "closes, and today's z-score against that year; |z| ≥ 2 is highlighted"),
    ("β/ρ", "beta and correlation of each name's weekly USD returns to NVDA over a year (weekly, because "
            "New York and Asia do not trade at the same hours)"),
    ("est.", "an estimate, with the date of its reference figure (Mag-7 share of the S&P 500)"),
    ("n/a", "capex screen: not reported by the company (interest cover without interest expense)"),
    ("8q ▂▅·█", "capex screen: eight quarters of capex or free cash flow, a cell each; · a quarter not reported"),
    ("Ctrl+C", "quit, like q (so do SIGTERM and a dropped SSH connection)"),
)


def _key_label(binding: Binding) -> str:
    if binding.key_display:
        return binding.key_display
    return ", ".join(k.replace("question_mark", "?").replace("shift+tab", "Shift+Tab").replace("tab", "Tab")
                     for k in binding.key.split(","))


def key_rows(bindings: Iterable[BindingType]) -> list[tuple[str, str, str]]:
    """(keys, what they do, binding id) for every Binding, in order: the tooltip when it has one, else the
    description; the id is what `[keys]` in config.toml remaps ("" when it has none)."""
    rows: list[tuple[str, str, str]] = []
    seen: set[str] = set()
    for b in bindings:
        if not isinstance(b, Binding):
            continue
        text = b.tooltip or b.description
        if text in seen:
            continue
        seen.add(text)
        rows.append((_key_label(b), text, b.id or ""))
    return rows


class HangingRows(Static):
    """Rows of (label, text): the labels in a column, each text wrapped beside its label with its continuation
    lines indented under the text, so a wrapped line never reads as a new key. `content` keeps the rows unwrapped;
    what is drawn is wrapped to the width the widget has."""

    DEFAULT_CSS = "HangingRows { height: auto; }"
    MIN_TEXT = 16  # columns the text keeps, however wide the labels

    def __init__(self, rows: Sequence[tuple[Content, Content]], **kwargs) -> None:
        self.rows = list(rows)
        self.label_width = max((label.cell_length for label, _ in self.rows), default=0) + 2
        super().__init__(Content("\n").join(Content.assemble(label.pad_right(self.label_width - label.cell_length),
                                                               text) for label, text in self.rows), **kwargs)

    def wrapped(self, width: int) -> Content:
        text_width = max(width - self.label_width, self.MIN_TEXT)
        indent = Content(" " * self.label_width)
        lines: list[Content] = []
        for label, text in self.rows:
            parts = text.wrap(text_width) or [Content("")]
            lines.append(Content.assemble(label.pad_right(self.label_width - label.cell_length), parts[0]))
            lines.extend(Content.assemble(indent, part) for part in parts[1:])
        return Content("\n").join(lines)

    def render(self) -> Content:
        return self.wrapped(self.size.width) if self.size.width else self.content

    def get_content_height(self, container, viewport, width: int) -> int:
        return len(self.wrapped(width).split("\n"))


class HelpScreen(SteadyModalScreen[None]):
    """Escape, ? or q closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "close", "Close help", id="help.close"),
    ]

    def __init__(self, keys: list[tuple[str, str, str]], *, simulated: bool, problems: Sequence[object] = ()) -> None:
        super().__init__()
        self.keys = keys
        self.simulated = simulated
        self.problems = list(problems)

    def compose(self) -> ComposeResult:
        with Vertical(id="help-box"):
            badge = Static(DEMO_BADGE if self.simulated else f"Data: {YAHOO_BADGE}", id="help-badge")
            badge.set_class(self.simulated, "-demo")
            yield badge
            with VerticalScroll(id="help-body"):
                if self.problems:
                    from tui.screens.problems import ProblemsList

                    n = len(self.problems)
                    yield Static(Content.assemble((f"Problems found in your files at start ({n})", "bold $warning")),
                                 classes="help-heading", id="help-problems-heading")
                    yield ProblemsList(self.problems, id="help-problems")
                yield Static(Content.assemble(("Keys", "bold $accent"),
                                              (("  (the name after each: its id, to remap it under [keys] in "
                                                "config.toml)"), "$text-muted")), classes="help-heading")
                yield HangingRows([(Content.styled(k, "bold"),
                                    Content.assemble(d, (f"  {i}" if i else "", "$text-muted")))
                                   for k, d, i in self.keys], id="help-keys")
                yield Static(Content.assemble(("Marks on the board and panels", "bold $accent")),
                             classes="help-heading")
                yield HangingRows([(Content.styled(m, "bold"), Content(d)) for m, d in LEGEND], id="help-legend")
            yield Static(Content.assemble(("Escape", "bold"), " closes this screen"), id="help-footer")

    def action_close(self) -> None:
        self.dismiss(None)
