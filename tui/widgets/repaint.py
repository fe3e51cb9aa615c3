"""Repaint only what changed (issue 8: every repaint is bytes sent to the user's terminal, often over SSH).

Textual behaviours these helpers work around, measured with `python -m bench`:
- assigning `widget.border_title` refreshes the whole widget even when the title is unchanged;
- `Static.update(content)` asks for a layout pass of the whole screen by default, and repaints every line of
  the widget even when one number on one line changed.

`update_static` keeps Static's own `update` (so the widget's content stays what Static holds) but, when the
number of lines is unchanged, narrows the refresh to the lines whose text changed.
"""

from __future__ import annotations

from typing import Any

from textual.geometry import Region


def set_border_title(widget: Any, title: str) -> None:
    """Set `widget.border_title` only when it changes (each assignment repaints the whole widget)."""
    if getattr(widget, "_aiwatch_border_title", None) != title:
        widget._aiwatch_border_title = title
        widget.border_title = title


def changed_lines(old_plain: str, new_plain: str) -> list[int] | None:
    """Indexes of the lines that differ; None when the line count changed (the height may change)."""
    old, new = old_plain.split("\n"), new_plain.split("\n")
    if not old_plain or len(old) != len(new):
        return None
    return [i for i, (a, b) in enumerate(zip(old, new, strict=True)) if a != b]


def update_static(widget: Any, content: Any, old_plain: str) -> None:
    """`Static.update(content)`, repainting only the lines whose text changed when the line count holds.

    A style-only change on an unchanged line is not repainted (callers compare plain text already)."""
    new_plain = content.plain if hasattr(content, "plain") else str(content)
    lines = changed_lines(old_plain, new_plain)
    scrolled = getattr(widget, "scroll_offset", None)
    if lines is None or (scrolled is not None and scrolled.y) or not widget.is_mounted:
        widget.update(content)  # height may change (or scrolled): the whole widget, with a layout pass
        return
    width = widget.size.width
    regions = [Region(0, y, width, 1) for y in lines]
    refresh = widget.refresh

    def _narrow(*_regions: Region, **_kwargs: Any) -> Any:
        return refresh(*regions) if regions else widget

    widget.refresh = _narrow  # Static.update calls self.refresh(layout=...): send only the changed lines
    try:
        widget.update(content, layout=False)
    finally:
        del widget.refresh
