"""The feed status line: each source and its state, why data is missing (the feed's trouble:
tui/feeds/trouble.py), last message age, reconnects, rejected frames, requests per minute.

    yahoo live · tencent 2s · sina idle · last msg 1s ago · reconnects 0 · rejected 0 · 8 req/min

A quote page (Tencent, Sina) in use shows the age of its last answer while its markets trade (`live` while they
are closed and it is polled once a minute on time: an idle screen stays still); one standing by says `idle`;
`failing` while it fails (the next one takes over after a minute), `down` once given up on (probed until it
answers).
"""

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
    if any(w in s for w in ("reconnect", "stopped", "error", "rate", "fail", "down", "unreachable")):
        return "bold $error"
    return "bold $warning"


STALE_ANSWER = 60.0  # seconds after which a quote page's last answer is shown as a warning
SLOW_POLL = 30.0  # a quote page polled this rarely (its markets closed) shows "live", not a ticking age


def _source_parts(sources, now: float, *, skip_idle: bool = False) -> list[tuple[str, str] | str]:
    """`yahoo live · tencent 2s · sina idle`: every source in use, in the order they are tried (`skip_idle`: those
    standing by left out, where the line has no room for them)."""
    parts: list[tuple[str, str] | str] = []
    for src in sources:
        if src.state == "off" or (skip_idle and src.state == "idle"):
            continue
        if parts:
            parts.append(" · ")
        text, style = src.state, _state_style(src.state)
        if src.name != "yahoo":
            if src.state == "live" and src.last_ok is not None:
                age = max(0.0, now - src.last_ok)
                text, style = format_age(age), "bold $success" if age <= STALE_ANSWER else "bold $warning"
                interval = getattr(src, "interval", None)
                if interval is not None and interval >= SLOW_POLL and age <= 2 * interval + 5:
                    # its markets are closed: polled once a minute, on time; an age ticking every second would
                    # redraw an idle screen for nothing
                    text = "live"
            elif src.state == "idle":
                style = "$text-muted"
            elif src.state == "starting":
                style = "$warning"
        parts += [f"{src.name} ", (text, style)]
    return parts


def _hub_groups(hub, more: bool, *, compact: bool = False) -> list:
    """`hub redis://host:6379 · 12 clients · ` (the count gives way first), or `hub redis://… down since 14:32`."""
    groups: list = []
    url = hub.base_url.split("://", 1)[-1] if compact else hub.base_url
    head: list = ["hub ", (url, "bold $success" if hub.state == "live" else _state_style(hub.state))]
    if hub.state != "live":
        head.append((f" {hub.state}", _state_style(hub.state)))
    groups.append((head, 0))
    clients = getattr(hub, "clients", None)
    if clients is not None:
        groups.append(([f" · {clients} client{'s' * (clients != 1)}"], 2))
    if more:
        groups.append(([" · "], 0))
    return groups


def status_content(status: FeedStatusLike, now: float, width: int | None = None) -> Content:
    """One line describing the feed; the parts in the order a user scans them. In `width` cells, whole parts give
    way (the request rate, the polled count, the reconnects, the rejected frames, the last message's age), never a
    part's number; the sources' states and what is missing and why stay."""
    last_time = getattr(status, "last_message", None)
    if last_time is None:
        last_time = getattr(status, "last_message_time", None)
    if last_time is None:
        last = "no message yet"
    else:
        last = f"last msg {format_age(max(0.0, now - last_time))} ago"
    sources = getattr(status, "sources", ())
    notice = getattr(status, "notice", None)
    Part = tuple[str, str] | str

    def build(compact: bool) -> list[tuple[list[Part], int]]:
        # (what, the order it gives way in: the highest first; 0 never). Compact, where even the parts that never
        # give way do not fit: the hub's URL without its scheme, the sources standing by left out
        groups: list[tuple[list[Part], int]] = []
        srcs = sources
        if srcs and srcs[0].name == "hub":  # a client of a hub (tui/hub): the hub first, then its upstream's
            hub, srcs = srcs[0], srcs[1:]
            groups += _hub_groups(hub, bool(srcs), compact=compact)
        if srcs or not groups:
            groups.append((_source_parts(srcs, now, skip_idle=compact) if srcs
                           else ["feed ", (status.state, _state_style(status.state))], 0))
        # what is missing and why comes right after the states, before the counters a narrow terminal drops first: the
        # feed's words (`aiwatch snapshot` prints the same), which say a rate limit with its next try
        if notice:
            groups.append(([(f" · {notice}", "bold $error")], 0))
        if (status.rate_limited_until is not None and status.rate_limited_until > now
                and "rate-limited" not in (status.last_error or "")):
            groups.append(([(f" · rate-limited {format_age(status.rate_limited_until - now)} more", "bold $error")], 0))
        if status.last_error:
            groups.append(([(f" · {status.last_error}", "$error")], 1))
        groups += [([f" · {last}"], 2), ([f" · reconnects {status.reconnects}"], 4),
                   ([f" · rejected {status.rejected_frames}"], 3), ([f" · {status.requests_last_minute} req/min"], 6)]
        polled = getattr(status, "polled_symbols", 0)
        if polled:
            groups.append(([(f" · {polled} polled (REST)", "$warning")], 5))
        return groups

    groups = build(False)
    if width is None:
        return Content.assemble(*(p for group, _ in groups for p in group))
    if sum(_cells(group) for group, rank in groups if rank == 0) > width:
        groups = build(True)
    return _fit(groups, width)


MIN_ERROR_CELLS = 16  # an error shortened to less than this says nothing; it is left out instead


def _cells(group) -> int:
    return sum(len(p if isinstance(p, str) else p[0]) for p in group)


def _fit(groups, width: int) -> Content:
    """The parts admitted in the order they give way (rank 0 always, then 1, 2, …), each whole where it fits, the
    others left out; shown in their own order. The error (rank 1) is the one part that may be shortened, with "…": it
    takes what is left after the last message's age and the rejected frames (ranks 2 and 3), so that a long error never
    pushes every counter off the line (the whole error is on the problems screen and in the log)."""
    kept: dict[int, list] = {}
    used = sum(_cells(group) for group, rank in groups if rank == 0)
    reserve = sum(_cells(group) for group, rank in groups if rank in (2, 3))
    for i in sorted(range(len(groups)), key=lambda i: groups[i][1]):
        group, rank = groups[i]
        size = _cells(group)
        if rank == 0:
            kept[i] = group
        elif rank == 1:
            room = width - used - reserve
            if size <= room:
                kept[i], used = group, used + size
            elif room >= MIN_ERROR_CELLS:
                text, style = group[0] if not isinstance(group[0], str) else (group[0], "")
                kept[i], used = [(text[:room - 1] + "…", style)], used + room
        elif used + size <= width:
            kept[i], used = group, used + size
    return Content.assemble(*(p for i in sorted(kept) for p in kept[i]))


class StatusLine(OneLine):
    """The feed's status, drawn again only when its text changes."""

    _shown: tuple[FeedStatusLike, float] | None = None

    def show(self, status: FeedStatusLike, now: float) -> None:
        # height 1 (app.tcss); unchanged text: no repaint
        self._shown = (status, now)
        self.show_line(status_content(status, now, self.size.width or None))

    def on_resize(self) -> None:  # the parts that fit the new width, at once (LinesView.on_resize runs too)
        if self._shown is not None:
            self.show(*self._shown)
