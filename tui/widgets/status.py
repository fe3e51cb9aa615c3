"""The feed status line: state, why data is missing (the feed's trouble: tui/feeds/trouble.py), last message age,
reconnects, rejected frames, requests per minute."""

from __future__ import annotations

from typing import Protocol

from textual.content import Content

from tui.core.freshness import format_age
from tui.widgets.lines import OneLine


class FeedStatusLike(Protocol):
    """The runtime's status; the last message time may be named `last_message` or `last_message_time`."""

    state: str
    reconnects: int
    rejected_frames: int
    requests_last_minute: int
    rate_limited_until: float | None
    last_error: str | None


def _state_style(state: str) -> str:
    s = state.lower()
    if s.startswith(("live", "polling")):
        return "bold $success"
    if any(w in s for w in ("reconnect", "stopped", "error", "rate", "fail", "down")):
        return "bold $error"
    return "bold $warning"


def status_content(status: FeedStatusLike, now: float) -> Content:
    """One line describing the feed; the parts in the order a user scans them."""
    last_time = getattr(status, "last_message", None)
    if last_time is None:
        last_time = getattr(status, "last_message_time", None)
    if last_time is None:
        last = "no message yet"
    else:
        last = f"last msg {format_age(max(0.0, now - last_time))} ago"
    parts: list[tuple[str, str] | str] = ["feed ", (status.state, _state_style(status.state))]
    # why data is missing comes right after the state, before the counters a narrow terminal cuts first: the
    # feed's words (`aiwatch snapshot` prints the same), which say a rate limit with its next try
    if (status.rate_limited_until is not None and status.rate_limited_until > now
            and "rate-limited" not in (status.last_error or "")):
        parts.append((f" · rate-limited {format_age(status.rate_limited_until - now)} more", "bold $error"))
    if status.last_error:
        parts.append((f" · {status.last_error}", "$error"))
    parts += [f" · {last} · reconnects {status.reconnects} · rejected {status.rejected_frames}",
              f" · {status.requests_last_minute} req/min"]
    polled = getattr(status, "polled_symbols", 0)
    if polled:
        parts.append((f" · {polled} polled (REST)", "$warning"))
    return Content.assemble(*parts)


class StatusLine(OneLine):
    """The feed's status, drawn again only when its text changes."""

    def show(self, status: FeedStatusLike, now: float) -> None:
        self.show_line(status_content(status, now))  # height 1 (app.tcss); unchanged text: no repaint
