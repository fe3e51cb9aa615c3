"""Repaint only what changed: every repaint is bytes sent to the user's terminal, often over SSH.

Textual behaviour worked around here, measured with `python -m bench`: assigning `widget.border_title`
refreshes the whole widget even when the title is unchanged. (Panels whose lines change draw through
`tui.widgets.lines.LinesView`, which redraws only the lines that changed.)
"""

from __future__ import annotations

from typing import Any


def set_border_title(widget: Any, title: str) -> None:
    """Set `widget.border_title` only when it changes (each assignment repaints the whole widget)."""
    if getattr(widget, "_aiwatch_border_title", None) != title:
        widget._aiwatch_border_title = title
        widget.border_title = title
