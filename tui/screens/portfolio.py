"""The book screen (`b`): one row a position, the totals, the exposure with bars like the concentration panel, the
pair trades, and every caveat (missing prices, approximate FX, unverified corporate actions). Tab / Shift+Tab
and 1-9 switch books as they switch watchlists on the main screen; Escape (or b) goes back.

It reads the app's `Books` (tui/portfolio/live.py) on a timer, like the pair detail screen: the valuation is
computed again only when the store changed or a clock second passed.
"""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from tui.core.concentration import HHI_THRESHOLDS_2010, hhi_label
from tui.format import NO_DATA, clip_words, fmt_price
from tui.portfolio.live import Books, Valued
from tui.screens.steady import SteadyScreen
from tui.widgets.concentration import bar
from tui.widgets.footer import Footer
from tui.widgets.header import DEMO_BADGE
from tui.widgets.lines import flow_content, flow_lines
from tui.widgets.plain import plain
from tui.widgets.portfolio_line import money, pnl_style

log = logging.getLogger(__name__)

REFRESH_SECONDS = 0.5
WIDE = 110  # from this width the table shows average cost, last price, the price / FX split and realized P&L
Part = tuple[str, str] | str


def _signed(x: Decimal | None, width: int) -> tuple[str, str]:
    return money(x, sign=True).rjust(width), pnl_style(x)


def totals_lines(v: Valued, width: int) -> list[Content]:
    bv = v.value
    ratio = (lambda r: "" if r is None else f" ({r:.2f}x NAV)")
    lines = [
        Content.assemble(("NAV ", "$text-muted"), (f"{money(bv.nav)} {bv.base}", "bold"),
                         ("  cash ", "$text-muted"), money(bv.cash),
                         ("  long ", "$text-muted"), money(bv.long_value),
                         ("  short ", "$text-muted"), money(bv.short_value)),
        Content.assemble(("gross ", "$text-muted"), money(bv.gross), (ratio(bv.gross_ratio), "$text-muted"),
                         ("  net ", "$text-muted"), money(bv.net, sign=True), (ratio(bv.net_ratio), "$text-muted")),
        Content.assemble(("day ", "$text-muted"), (money(bv.day_pnl, sign=True), f"bold {pnl_style(bv.day_pnl)}"),
                         ("  unrealized ", "$text-muted"), (money(bv.unrealized, sign=True), pnl_style(bv.unrealized)),
                         (" (price ", "$text-muted"), money(bv.pnl_price, sign=True),
                         (" · FX ", "$text-muted"), money(bv.pnl_fx, sign=True), (")", "$text-muted")),
        Content.assemble(("realized ", "$text-muted"), (money(bv.realized, sign=True), pnl_style(bv.realized)),
                         ("  dividends ", "$text-muted"), money(bv.dividends, sign=True),
                         ("  total ", "$text-muted"), (money(bv.total_pnl, sign=True),
                                                       f"bold {pnl_style(bv.total_pnl)}")),
    ]
    if all(a.cell_length + 3 + b.cell_length <= width for a, b in ((lines[0], lines[1]), (lines[2], lines[3]))):
        lines = [lines[0] + Content("   ") + lines[1], lines[2] + Content("   ") + lines[3]]  # two where there is room
    return flow_lines(lines, width, "  ")  # a label stays with its figure


def _count(q: Decimal) -> str:
    """A share count with thousands separators and no trailing zeros: 5,000 / -1,200 / 12.5."""
    return format(q.normalize(), ",f")


def _whole(x: Decimal | None) -> Decimal | None:
    return None if x is None else x.quantize(Decimal(1))


def _flags(p) -> str:
    return ("~" if p.approximate else "") + ("S" if p.stale else "") + ("U" if p.unverified else "")


# The table's columns, in the order shown: (key, header, least width, rank). A column's width is its least or
# its widest cell and a space, whichever is more (a number never touches its neighbour nor loses a digit); when
# the row does not fit the screen whole columns give way, the lowest rank first, never a number's digits. The
# symbol and the quantity stay.
COLUMNS = (
    ("symbol", "Symbol", 10, 99), ("qty", "Qty", 10, 99), ("avg", "Avg cost", 11, 4), ("ccy", "Ccy", 4, 4),
    ("last", "Last", 10, 3), ("value", "Value", 11, 9), ("day", "Day P&L", 10, 6), ("unrealized", "Unrealzd", 10, 7),
    ("price", "of price", 10, 1), ("fx", "of FX", 9, 2), ("realized", "Realized", 10, 5), ("weight", "Wt%", 7, 8),
)
NARROW = ("symbol", "qty", "value", "day", "unrealized", "weight")


def _position_cells(p, wide: bool) -> dict[str, Part]:
    cells: dict[str, Part] = {"symbol": (p.symbol, "bold" if p.is_open else "$text-muted"), "qty": _count(p.quantity)}
    if wide:
        cells["avg"] = NO_DATA if p.avg_cost is None else f"{p.avg_cost:,.2f}"
        cells["ccy"] = p.currency
        cells["last"] = fmt_price(float(p.price)) if p.price is not None else NO_DATA
    if p.is_open:
        cells["value"] = money(p.value)
        cells["unrealized"] = (money(p.unrealized, sign=True), pnl_style(p.unrealized))
    else:
        cells["value"], cells["unrealized"] = ("closed", "$text-muted"), ""
    cells["day"] = (money(p.day_pnl, sign=True), pnl_style(p.day_pnl))
    if wide:  # the price effect shown is the unrealized less the FX effect as shown: the columns add up
        shown_price = (_whole(p.unrealized) - _whole(p.pnl_fx) if p.unrealized is not None
                       and p.pnl_fx is not None else None)
        cells["price"] = money(shown_price, sign=True) if p.is_open else ""
        cells["fx"] = money(p.pnl_fx, sign=True) if p.is_open else ""
        cells["realized"] = (money(p.realized, sign=True), pnl_style(p.realized))
    cells["weight"] = "" if p.weight is None else f"{p.weight * 100:.1f}"
    return cells


def _text(part: Part) -> str:
    return part if isinstance(part, str) else part[0]


def positions_lines(v: Valued, width: int, screen_width: int | None = None) -> list[Content]:
    """A header and one row a position (open ones by size, then those closed out, dimmed), in `width` cells: on
    a screen WIDE columns wide or more every column, else symbol, quantity, value, day P&L, unrealized P&L and
    weight with realized P&L appended as `r+…`; whatever does not fit gives way a whole column at a time."""
    wide = (screen_width or width) >= WIDE
    positions = v.value.positions
    rows = [_position_cells(p, wide) for p in positions]
    flags = [_flags(p) for p in positions]
    realized = [f" r{money(p.realized, sign=True)}" if not wide and p.realized else "" for p in positions]
    widths = {key: max(least, len(header) + 1, *(len(_text(r[key])) + 1 for r in rows))
              for key, header, least, _ in COLUMNS if wide or key in NARROW}
    flags_w = max((len(f) + 1 for f in flags if f), default=0)  # the flags qualify the figures: they always stay
    realized_w = max(map(len, realized), default=0)
    shown = [key for key, *_ in COLUMNS if key in widths]
    ranks = {key: rank for key, _, _, rank in COLUMNS}
    if sum(widths[k] for k in shown) + flags_w + realized_w > width:
        realized_w = 0  # the appended realized P&L goes first
        realized = [""] * len(realized)
    for key in sorted(shown, key=lambda k: ranks[k]):
        if sum(widths[k] for k in shown) + flags_w <= width or ranks[key] >= 99:
            break
        if key not in shown:
            continue
        shown.remove(key)
        if key == "avg":
            shown = [k for k in shown if k != "ccy"]  # the currency goes with the average cost
    headers = {key: header for key, header, *_ in COLUMNS}

    def cell(key: str, part: Part) -> Part:
        text = _text(part)
        text = text.ljust(widths[key]) if key in ("symbol", "ccy") else text.rjust(widths[key])
        if key == "ccy":
            text = " " + text[:-1]
        return text if isinstance(part, str) else (text, part[1])

    head = "".join(_text(cell(k, headers[k])) for k in shown)
    lines = [Content.assemble((head.rstrip(), "bold $text-muted"))]
    for row, flag, r, p in zip(rows, flags, realized, positions, strict=True):
        parts: list[Part] = [cell(k, row[k]) for k in shown]
        if flag:
            parts.append((f" {flag}", "bold $warning"))
        if r:
            parts.append((r, pnl_style(p.realized)))
        lines.append(Content.assemble(*parts))
    return lines


def _exposure_bars(title: str, items: list[tuple[str, Decimal]], nav: Decimal | None, bar_w: int, label_w: int,
                   width: int, limit: int | None = None) -> list[Content]:
    """One bar a key: its length the key's share of the largest in the group, its figure the signed net value and
    that as a percent of NAV (long green, short red)."""
    lines = [Content.assemble((clip_words(title, width), "bold $accent"))]
    shown = items if limit is None else items[:limit]
    largest = max((abs(net) for _, net in items), default=Decimal(0))
    for key, net in shown:
        fraction = float(abs(net) / largest) if largest > 0 else 0.0
        style = "$success" if net > 0 else "$error"
        of_nav = f" {float(net / nav) * 100:+6.1f}% NAV" if nav is not None and nav > 0 else ""
        lines.append(Content.assemble(f"{key[:label_w]:<{label_w}}", *bar(fraction, bar_w, style),
                                      (f" {money(net, sign=True):>11}", style), (of_nav, "bold")))
    if limit is not None and len(items) > limit:
        lines.append(Content.assemble((f"{'':<{label_w}}… and {len(items) - limit} more", "$text-muted")))
    return lines


def exposure_lines(v: Valued, width: int) -> list[Content]:
    e = v.exposure
    if e is None:
        missing = "; ".join(v.value.missing) or "waiting for prices"
        return [Content.assemble(("exposure: not known while a position has no value (", "$text-muted"),
                                 (missing, "$warning"), (")", "$text-muted"))]
    nav = v.value.nav
    label_w = 12
    # a bar line is the label, the bar, " +1,234,567" and " +100.0% NAV"; the HHI's, the label, the bar, " 2,448"
    # and " moderately concentrated": the bar gives them room
    bar_w = max(10, min(30, width - label_w - 30))
    names = {"us": "US", "cn": "China", "other": "other"}
    lines = _exposure_bars("By side (net value; a short counts against)",
                           [(names.get(k, k), x) for k, x in e.by_side.items()], nav, bar_w, label_w, width)
    lines += _exposure_bars("By currency", list(e.by_currency.items()), nav, bar_w, label_w, width)
    companies = [(c.company, c.net) for c in e.by_company]
    lines += _exposure_bars("By company (listings folded in; ADRs by their ratio)", companies, nav,
                            bar_w, label_w, width, limit=8)
    for c in e.by_company:
        if len(c.symbols) > 1:
            fold = (f"{c.company}: {', '.join(c.symbols)} = {_count(c.shares)} {c.local_symbol} shares net")
            indent = " " * (label_w if label_w + len(fold) <= width else 2)
            lines.append(Content.assemble((indent + fold, "$text-muted")))
    if e.hhi is not None:
        (moderate, _), (high, _) = HHI_THRESHOLDS_2010
        lines.append(Content.assemble(f"{'HHI':<{label_w}}",
                                      *bar(e.hhi / 10_000, bar_w, "$accent", (moderate / 10_000, high / 10_000)),
                                      (f" {e.hhi:,.0f}", "bold"), f" {hhi_label(e.hhi)}",
                                      " · ", ((f"eff. N {e.effective_n:.1f} of {len(e.by_company)} (on absolute "
                                               "company exposure)"), "$text-muted")))
    beta: list[Part] = [f"{'β$ to NVDA':<{label_w}}", (money(e.beta_dollars, sign=True), "bold"),
                        " · ", ("NVDA -10% implies ", "$text-muted"),
                        (money(e.nvda_down_10, sign=True), f"bold {pnl_style(e.nvda_down_10)}")]
    if e.beta_missing:
        beta += [" · ", (f"no beta yet: {', '.join(e.beta_missing)}", "$warning")]
    lines.append(Content.assemble(*beta))
    return flow_lines(lines, width, indent=" " * min(label_w, 2))  # broken at its " · " marks, never in a figure


def pairs_lines(v: Valued, width: int) -> list[Content]:
    if not v.pairs:
        return [Content.assemble(("no pair trades (lots with a `pair` name form one)", "$text-muted"))]
    lines = []
    for t in v.pairs:
        hedge: list[Part] = []
        if t.hedge_entry is not None and t.hedge_now is not None:
            drift = float(t.drift) * 100 if t.drift is not None else None
            hedge = [" · ", ("hedge ", "$text-muted"), f"{t.hedge_entry:.3f} → {t.hedge_now:.3f}",
                     (f" ({drift:+.1f}%)" if drift is not None else "", "bold $warning"
                      if drift is not None and abs(drift) >= 10 else "")]
        lines.append(Content.assemble((t.name, "bold"), ("  P&L ", "$text-muted"),
                                      (money(t.pnl, sign=True), f"bold {pnl_style(t.pnl)}"),
                                      ("  gross ", "$text-muted"), money(t.gross),
                                      ("  net ", "$text-muted"), money(t.net, sign=True), *hedge))
        legs = "  ".join(f"{leg.symbol} {_count(leg.quantity)}: {money(leg.pnl, sign=True)}" for leg in t.legs)
        lines.append(Content.assemble(("  legs ", "$text-muted"), legs))
    # a long line breaks between its parts, never in one: a pair's line before " · hedge", its legs' line
    # between two legs
    out: list[Content] = []
    for line in lines:
        legs = line.plain.startswith(" ")
        out += flow_content(line, width, "  " if legs else " · ", "    " if legs else "  ")
    return out


def notes_lines(v: Valued) -> list[Content]:
    bv = v.value
    lines = [Content.assemble(("not known: ", "bold $warning"), m) for m in bv.missing]
    lines += [Content.assemble(("~ approximate: ", "bold $warning"), a) for a in bv.approximate]
    lines += [Content.assemble(("U unverified: ", "bold $warning"), f"{u} (applied; not confirmed from a primary "
                               "source: tui/data/corporate_actions.toml)") for u in bv.unverified]
    if any(p.stale for p in bv.open_positions):
        stale = ", ".join(p.symbol for p in bv.open_positions if p.stale)
        lines.append(Content.assemble(("S stale: ", "bold $warning"), f"no new price while its market is open: {stale}"))
    lines.append(Content.assemble((
        ("Cost at the trade date's FX rate (the file's fx, else that day's FX close); value at the live rate. "
        "Unrealized = price effect + FX effect, exactly. Weights are value / NAV, signed."), "$text-muted")))
    return lines


class PortfolioScreen(SteadyScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", key_display="Esc", tooltip="Back to the watchlist", id="book.back"),
        Binding("b,q", "back", "Back", show=False, id="book.back_keys"),
        Binding("tab", "next_book", "Next book", key_display="Tab", priority=True, id="book.next"),
        Binding("shift+tab", "previous_book", "Prev book", key_display="Shift+Tab", priority=True, id="book.previous"),
        *(Binding(str(n), f"book({n - 1})", f"Book {n}", show=False, id=f"book.book_{n}") for n in range(1, 10)),
    ]
    DEFAULT_CSS = """
    PortfolioScreen { layout: vertical; }
    PortfolioScreen #book-badge { height: 1; padding: 0 1; background: $panel; }
    PortfolioScreen #book-badge.-demo { background: $warning; color: $background; text-style: bold; }
    PortfolioScreen #book-body { height: 1fr; padding: 0 1; }
    PortfolioScreen .book-heading { margin-top: 1; color: $accent; text-style: bold; }
    PortfolioScreen Static { width: 100%; }
    PortfolioScreen #book-positions { text-wrap: nowrap; text-overflow: ellipsis; }
    """

    def __init__(self, books: Books) -> None:
        super().__init__()
        self.books = books
        self._drawn: tuple | None = None
        self.renders = 0  # completed redraws (tests wait on this)

    @property
    def _runtime(self):
        return self.app.runtime  # type: ignore[attr-defined]

    def compose(self) -> ComposeResult:
        yield Static(id="book-badge")
        with VerticalScroll(id="book-body"):
            yield Static(id="book-totals")
            yield Static("Positions", classes="book-heading")
            yield Static(id="book-positions")
            yield Static("Exposure", classes="book-heading")
            yield Static(id="book-exposure")
            yield Static("Pair trades", classes="book-heading")
            yield Static(id="book-pairs")
            yield Static("Notes", classes="book-heading")
            yield Static(id="book-notes")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#book-body").focus()
        self.redraw()
        self.set_interval(REFRESH_SECONDS, self._tick)

    def on_resize(self) -> None:
        self._drawn = None
        self.redraw()

    def _tick(self) -> None:
        self.redraw()

    def redraw(self) -> None:
        try:
            self._redraw()
        except Exception:
            log.exception("book screen redraw failed")

    def _redraw(self) -> None:
        store, now = self._runtime.store, self._runtime.clock.now()
        valued = self.books.valued(store, now)
        screen_width = self.size.width or 100
        # the body's width inside its padding and scrollbar: what every line is fitted to
        width = self.query_one("#book-body").scrollable_content_region.width or max(20, screen_width - 4)
        key = (id(valued), self.books.current, width, screen_width)
        if valued is None or key == self._drawn:
            return
        self._drawn = key
        book = valued.value.book
        demo = bool(getattr(self._runtime, "simulated", False)) or book.demo
        badge = self.query_one("#book-badge", Static)
        count = f" ({self.books.current + 1}/{len(self.books)})" if len(self.books) > 1 else ""
        # the badge is one line: the book's title gives way (whole words, then "…"), never the count or the currency
        before, after = (f"{DEMO_BADGE} · Book: " if demo else "Book: "), f"{count} · {book.base_currency}"
        title = clip_words(book.title, max(1, screen_width - 2 - len(before) - len(after)))
        badge.update(plain(before + title + after))  # a title is the user's text: never markup
        badge.set_class(demo, "-demo")
        self.query_one("#book-totals", Static).update(Content("\n").join(totals_lines(valued, width)))
        self.query_one("#book-positions", Static).update(
            Content("\n").join(positions_lines(valued, width, screen_width)))
        self.query_one("#book-exposure", Static).update(Content("\n").join(exposure_lines(valued, width)))
        self.query_one("#book-pairs", Static).update(Content("\n").join(pairs_lines(valued, width)))
        self.query_one("#book-notes", Static).update(Content("\n").join(notes_lines(valued)))
        self.renders += 1

    def show_book(self, index: int) -> None:
        if 0 <= index < len(self.books) and index != self.books.current:
            self.books.switch(index)
            self._drawn = None
            self.redraw()

    def action_next_book(self) -> None:
        if len(self.books) > 1:
            self.show_book((self.books.current + 1) % len(self.books))

    def action_previous_book(self) -> None:
        if len(self.books) > 1:
            self.show_book((self.books.current - 1) % len(self.books))

    def action_book(self, index: int) -> None:
        self.show_book(index)

    def action_back(self) -> None:
        self.dismiss(None)  # the app's callback puts the book now current on the main screen's summary
