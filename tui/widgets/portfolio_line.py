"""The main screen's one-line summary of the current book: NAV, day P&L and total P&L in its base currency."""

from __future__ import annotations

from decimal import Decimal

from textual.content import Content

from tui.format import NO_DATA, clip_words
from tui.widgets.lines import OneLine


def money(x: Decimal | None, *, sign: bool = False, places: int = 0) -> str:
    """An amount of the base currency: 190,161 / +2,555 / — when unknown (never 0)."""
    if x is None:
        return NO_DATA
    return f"{x:+,.{places}f}" if sign else f"{x:,.{places}f}"


def pnl_style(x: Decimal | None) -> str:
    if x is None or x == 0:
        return ""
    return "$success" if x > 0 else "$error"


def summary_content(valued, *, index: int, count: int, key: str = "b", width: int | None = None) -> Content:
    """`Book: NAV 190,161 USD · day +2,555 · total +41,976 · b · DEMO book (1/2)` (the title last: in `width`
    cells it drops whole words, with "…", then goes with its count; never a figure)."""
    bv = valued.value
    parts: list[tuple[str, str] | str] = [
        ("Book: NAV ", "$text-muted"), (money(bv.nav), "bold"), f" {bv.base}",
        (" · day ", "$text-muted"), (money(bv.day_pnl, sign=True), f"bold {pnl_style(bv.day_pnl)}".strip()),
        (" · total ", "$text-muted"), (money(bv.total_pnl, sign=True), f"bold {pnl_style(bv.total_pnl)}".strip())]
    if bv.missing:
        waiting = all("no price yet" in m or "rate yet" in m for m in bv.missing)
        parts.append((" · waiting for prices" if waiting else " · incomplete", "$warning"))
    if bv.approximate:
        parts.append((" · ≈FX", "$warning"))
    if any(p.stale for p in bv.open_positions):
        parts.append((" · stale", "bold $warning"))
    parts.append((f" · {key}", "bold $accent"))
    counted = f" ({index + 1}/{count})" if count > 1 else ""
    title = bv.book.title
    if width is not None:
        room = width - Content.assemble(*parts).cell_length - len(" · ") - len(counted)
        title = clip_words(title, room) if room >= 4 else ""
        if title in ("", "…") or len(title) > room:
            return Content.assemble(*parts)  # the title and its count go whole
    parts += [(" · ", "$text-muted"), title]
    if counted:
        parts.append((counted, "$text-muted"))
    return Content.assemble(*parts)


class PortfolioLine(OneLine):
    """Drawn again only when its text changes; hidden when there is no book."""

    _shown: tuple | None = None

    def show(self, valued, *, index: int, count: int) -> None:
        self._shown = (valued, index, count)
        width = self.scrollable_content_region.width
        self.show_line(summary_content(valued, index=index, count=count, width=width if width > 0 else None))

    def on_resize(self) -> None:  # Textual calls LinesView's handler too
        if self._shown is not None:  # fitted again to the new width (the figures may not have changed)
            valued, index, count = self._shown
            self.show(valued, index=index, count=count)
