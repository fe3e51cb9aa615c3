"""A panel drawn line by line: each line of text is cached as a Strip and only the lines that changed
are drawn again.

A `Static` holding the same lines renders all of them again whenever any one changes (and its update asks for
a layout pass unless told otherwise); the pairs panel changes a line or two at every refresh while quotes move,
so that was most of what the panels cost. Here `set_lines` compares each new line with the one on screen and
refreshes only those that differ; a change in the number of lines (the panel's height) lays the screen out again.
"""

from __future__ import annotations

from bisect import insort
from collections.abc import Sequence
from itertools import pairwise

from rich.segment import Segment
from rich.style import Style as RichStyle
from textual.content import Content
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tui.sanitize import clean


class LinesView(ScrollView):
    """Lines of `Content`, as tall as they are (up to the CSS max-height, then it scrolls)."""

    DEFAULT_CSS = """
    LinesView {
        height: auto;
        overflow-x: hidden;
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._source: list[Content] = []  # the lines as given
        self._lines: list[Content] = []  # as shown: long lines wrapped (unless CSS says `text-wrap: nowrap`)
        self._strips: dict[int, Strip] = {}
        self._styles: dict[tuple, RichStyle] = {}  # span styles laid over the widget's -> rich Style
        self._width = -1
        self.lines_drawn = 0  # lines rendered since mount (tests and benchmarks)

    @property
    def plain(self) -> str:
        """The panel's text, a line per line."""
        return "\n".join(line.plain for line in self._source)

    @property
    def lines(self) -> list[Content]:
        return list(self._source)

    @property
    def wrapped_lines(self) -> list[Content]:
        """The lines as shown, wrapped to the width (one per row of the panel's content)."""
        return self._lines

    def set_lines(self, lines: Sequence[Content]) -> int:
        """Show `lines`; redraw only those that differ from what is shown. Returns how many were redrawn."""
        self._source = list(lines)
        return self._show(self._wrapped(self._source))

    def _wrapped(self, lines: list[Content]) -> list[Content]:
        width = self.scrollable_content_region.width
        if width <= 0 or self.styles.text_wrap == "nowrap":
            return lines
        out: list[Content] = []
        for line in lines:
            out.extend(line.wrap(width) if line.cell_length > width else (line,))
        return out

    def _show(self, new: list[Content]) -> int:
        old = self._lines
        self._lines = new
        if len(new) != len(old):
            self._strips.clear()
            self.virtual_size = Size(self.scrollable_content_region.width, len(new))
            self.refresh(layout=True)
            return len(new)
        changed = [y for y, (a, b) in enumerate(zip(old, new, strict=True)) if not _same(a, b)]
        top, width, left = round(self.scroll_y), self.outer_size.width, self.styles.gutter.left
        for y in changed:
            self._strips.pop(y, None)
            # the line across the widget's whole width, its padding and borders included: Textual crops a line
            # repainted in part (a Strip built per line and frame), then writes it from the line's start anyway
            self.refresh(Region(-left, y - top, width, 1))
        return len(changed)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._lines)

    def on_resize(self) -> None:
        self._show(self._wrapped(self._source))
        self.virtual_size = Size(self.scrollable_content_region.width, len(self._lines))

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips.clear()
        self._styles.clear()

    def _rich_style(self, key: tuple) -> RichStyle:
        """The widget's style with the span styles of `key` laid over it, in order (cached until a theme or CSS
        change): Textual's own Content rendering parses and combines them again for every line it draws."""
        styles = self._styles
        style = styles.get(key)
        if style is None:
            visual = self.visual_style
            parse = self.app.stylesheet.parse_style
            for s in key:
                visual = visual + (parse(s) if isinstance(s, str) else s)
            style = styles[key] = visual.rich_style
        return style

    def _render_content_line(self, line: Content, width: int) -> Strip:
        """One line of Content as a Strip `width` cells wide, cut with an ellipsis when too long.

        A line holding anything a terminal would act on (which the parsers and loaders should have cleaned
        already) is drawn cleaned and unstyled: the panels and the status line never write a control sequence."""
        text = line.plain
        if not text.isprintable():
            line = Content(clean(text, None))
            text = line.plain
        spans = [sp for sp in line.spans if sp.end > sp.start]
        if not spans:
            segments = [Segment(text, self._rich_style(()))]
        else:
            starts: dict[int, list[int]] = {}
            ends: dict[int, list[int]] = {}
            for i, sp in enumerate(spans):
                starts.setdefault(sp.start, []).append(i)
                ends.setdefault(sp.end, []).append(i)
            cuts = sorted({0, len(text), *starts, *ends})
            segments = []
            active: list[int] = []  # the spans over the current piece, in the order they were laid
            for a, b in pairwise(cuts):
                if a >= len(text):
                    break
                for i in ends.get(a, ()):
                    active.remove(i)
                for i in starts.get(a, ()):
                    insort(active, i)
                key = tuple(spans[i].style for i in active)
                segments.append(Segment(text[a:b], self._rich_style(key)))
        strip = Strip(segments)
        base = self._rich_style(())
        if strip.cell_length > width:
            strip = Strip([*strip.crop(0, max(0, width - 1)), Segment("…", base)]) if width > 0 else Strip([])
        return strip.adjust_cell_length(width, base).simplify()

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        if width != self._width:
            self._width = width
            self._strips.clear()
        index = round(self.scroll_y) + y
        strip = self._strips.get(index)
        if strip is None:
            if 0 <= index < len(self._lines):
                strip = self._render_content_line(self._lines[index], width)
                self.lines_drawn += 1
            else:
                strip = Strip.blank(width, self.visual_style.rich_style)
            self._strips[index] = strip
        return strip


def _same(a: Content, b: Content) -> bool:
    """Same text and same styles (Content's own equality compares the text only)."""
    return a.plain == b.plain and a.spans == b.spans


class OneLine(LinesView):
    """A single line that never wraps: cut with an ellipsis when the terminal is too narrow (the clocks, the
    status line)."""

    DEFAULT_CSS = """
    OneLine {
        overflow: hidden hidden;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    """

    def show_line(self, content: Content) -> None:
        """Show `content`; nothing is drawn again when it is unchanged."""
        self.set_lines([content])


def flow_content(line: Content, width: int, sep: str = " · ", indent: str = "  ") -> list[Content]:
    """`line` as it is when it fits `width` cells; else broken into lines at its `sep` marks only (a label stays
    with its figure), the later lines indented. A piece longer than a line is left to wrap on its own."""
    if width <= 0 or line.cell_length <= width:
        return [line]
    pieces = line.split(sep)
    out: list[Content] = []
    current: Content | None = None
    for piece in pieces:
        if current is None:
            current = piece
        elif current.cell_length + len(sep) + piece.cell_length <= width:
            current = Content.assemble(current, sep, piece)
        else:
            out.append(current)
            current = Content.assemble(indent, piece)
    if current is not None:
        out.append(current)
    return out


def flow_lines(lines: Sequence[Content], width: int, sep: str = " · ", indent: str = "  ") -> list[Content]:
    """Every line of `lines` through `flow_content`."""
    return [part for line in lines for part in flow_content(line, width, sep, indent)]
