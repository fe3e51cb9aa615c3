"""The capex screen (`c`): can the capex pay? Per company of the watchlist, TTM capex, its share of revenue and its
growth, free cash flow after it, leverage and interest cover, with eight-quarter sparklines of capex and free cash
flow; each side's totals; the deals of the company under the cursor; OpenAI's commitments against its revenue.

Every figure comes from tui/core/capex.py (reported parts, USD at the live FX rate) and tui/core/deals.py (the dated
deals file); every line says what it is as of: each company's TTM end, its balance-sheet date, when its statements
were fetched, the deals file's date. The screen reads the store on a timer, like the main screen; ↑/↓ move the
cursor, Escape (or `c`) goes back.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.widgets import Static

from tui.charts import spark_slots
from tui.core import deals as deals_mod
from tui.core.capex import TREND_QUARTERS, CapexView, CompanyCapex, SideCapex, capex_view
from tui.core.store import MarketStore, fx_symbol
from tui.format import NO_DATA, clip, fit_parts
from tui.model import Side, Watchlist
from tui.screens.steady import SteadyScreen
from tui.widgets.footer import Footer
from tui.widgets.header import DEMO_BADGE
from tui.widgets.lines import LinesView

log = logging.getLogger(__name__)

REFRESH_SECONDS = 1.0
OLD_AFTER_DAYS = 200  # a TTM ending longer ago than this is shown as old (a quarter plus a late report and more)
WIDE = 110  # from this width on, every column is shown
LINE_LABELS = {"capex": "capex", "revenue": "revenue", "ocf": "operating cash flow"}

# (key, title, width, right-aligned); the company column takes what is left
COLUMNS = (
    ("name", "Company", 0, False),
    ("ccy", "Ccy", 3, False),
    ("asof", "TTM to", 7, False),
    ("capex", "Capex", 7, True),
    ("intensity", "Cap/Rev", 7, True),
    ("capex_g", "Capex Δ", 7, True),
    ("rev_g", "Rev Δ", 6, True),
    ("fcf", "FCF", 7, True),
    ("margin", "FCF mgn", 7, True),
    ("lev", "ND/EBITDA", 9, True),
    ("cover", "Cover", 6, True),
    ("spark_capex", "Capex 8q", 8, False),
    ("spark_fcf", "FCF 8q", 8, False),
)
DROP_ORDER = ("rev_g", "cover", "margin", "capex_g", "ccy", "spark_fcf")  # what goes first when the room shrinks
NAME_MIN, NAME_MAX = 8, 22


# -- formatting ------------------------------------------------------------------------------------------------


def usd(x: float | None) -> str:
    """$69.0B, $950M, -$6.0B, $1.23T; "—" when not known."""
    if x is None or not math.isfinite(x):
        return NO_DATA
    sign, a = ("-" if x < 0 else ""), abs(x)
    if a >= 1e12:
        return f"{sign}${a / 1e12:.2f}T"
    if a >= 1e9:
        return f"{sign}${a / 1e9:.1f}B"
    return f"{sign}${a / 1e6:.0f}M"


def pct(x: float | None, *, signed: bool = False) -> str:
    if x is None or not math.isfinite(x):
        return NO_DATA
    if signed:
        return f"{x * 100:+.0f}%" if abs(x) >= 0.1 else f"{x * 100:+.1f}%"
    return f"{x * 100:.0f}%" if abs(x) >= 0.1 else f"{x * 100:.1f}%"


def times(x: float | None) -> str:
    if x is None or not math.isfinite(x):
        return NO_DATA
    return f"{x:.0f}×" if abs(x) >= 100 else f"{x:.1f}×"


def leverage(c: CompanyCapex) -> str:
    """Net debt / EBITDA; "net cash" when cash exceeds debt; n/m when EBITDA is not above zero."""
    if c.net_debt_to_ebitda is not None:
        return "net cash" if c.net_debt_to_ebitda < 0 else times(c.net_debt_to_ebitda)
    if c.net_debt is not None and c.ebitda is not None and c.ebitda <= 0:
        return "n/m"
    return NO_DATA


def cover(c: CompanyCapex) -> str:
    """EBIT / interest expense; "n/a" when the company reports no interest expense (Apple from FY2024)."""
    if c.interest_coverage is not None:
        return times(c.interest_coverage)
    if c.has_statements and c.latest_quarter is not None and not c.interest_reported:
        return "n/a"
    return NO_DATA


def month(d: dt.date | None) -> str:
    return d.strftime("%Y-%m") if d is not None else NO_DATA


def is_old(d: dt.date | None, now: float) -> bool:
    if d is None:
        return False
    today = dt.datetime.fromtimestamp(now, dt.UTC).date()
    return (today - d).days > OLD_AFTER_DAYS


def _time(t: float | None) -> str:
    if t is None or not math.isfinite(t):
        return NO_DATA
    return dt.datetime.fromtimestamp(t, dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


# -- the table ---------------------------------------------------------------------------------------------------


def columns_for(width: int) -> list[tuple[str, str, int, bool]]:
    """The columns that fit `width` cells (one space between columns), the company column sized to the rest."""
    cols = list(COLUMNS)
    drop = list(DROP_ORDER)

    def fixed() -> int:
        return sum(w for _, _, w, _ in cols) + len(cols) - 1

    while width - fixed() < NAME_MIN and drop:
        key = drop.pop(0)
        cols = [c for c in cols if c[0] != key]
    name_w = max(NAME_MIN, min(NAME_MAX, width - fixed()))
    return [(k, t, name_w if k == "name" else w, r) for k, t, w, r in cols]


def _trend(values: list[float | None]) -> str:
    """Eight cells, the newest quarter always in the last: the slots before the first quarter held are blank (not
    known, not a gap: `·` marks a quarter missing between two held), so two charts of one company line up."""
    return spark_slots(values).rjust(TREND_QUARTERS) if values else ""


def _cells(c: CompanyCapex, now: float) -> dict[str, tuple[str, str]]:
    """Each column's text and style for one company."""
    fcf_q = [q.fcf for q in c.quarters]
    last_fcf = next((v for v in reversed(fcf_q) if v is not None), None)
    old = is_old(c.latest_quarter, now)
    asof = month(c.latest_quarter) if c.has_statements else ("none" if c.fetched_at is not None else NO_DATA)
    return {
        "name": (f"{c.name}", "bold"),
        "ccy": (c.statement_currency or NO_DATA, "$text-muted"),
        "asof": (asof, "$warning" if old or c.partial_quarter else "$text-muted"),
        "capex": (usd(c.capex_usd), ""),
        "intensity": (pct(c.capex_to_revenue), "bold"),
        "capex_g": (pct(c.capex_growth, signed=True), ""),
        "rev_g": (pct(c.revenue_growth, signed=True), ""),
        "fcf": (usd(c.fcf_usd), "$error" if c.fcf_usd is not None and c.fcf_usd < 0 else ""),
        "margin": (pct(c.fcf_margin), ""),
        "lev": (leverage(c), ""),
        "cover": (cover(c), "$text-muted" if cover(c) == "n/a" else ""),
        "spark_capex": (_trend([q.capex for q in c.quarters]), "$accent"),
        "spark_fcf": (_trend(fcf_q),
                      "$error" if last_fcf is not None and last_fcf < 0 else "$success"),
    }


def table_lines(view: CapexView, width: int, now: float, *, cursor: int | None = None) -> list[Content]:
    """The header and one line per company (the cursor's line in reverse video)."""
    cols = columns_for(width)

    def fit(text: str, w: int, right: bool) -> str:
        text = clip(text, w)
        return text.rjust(w) if right else text.ljust(w)

    head = " ".join(fit(t, w, r) for _, t, w, r in cols)
    lines = [Content.assemble((head, "bold $text-muted"))]
    for n, c in enumerate(view.companies):
        cells = _cells(c, now)
        parts: list[tuple[str, str] | str] = []
        for i, (key, _, w, right) in enumerate(cols):
            text, style = cells[key]
            if i:
                parts.append(" ")
            parts.append((fit(text, w, right), style) if style else fit(text, w, right))
        line = Content.assemble(*parts)
        if n == cursor:
            line = line.stylize("reverse", 0, line.cell_length)
        lines.append(line)
    if not view.companies:
        lines.append(Content.assemble(("no equities on this watchlist", "$text-muted")))
    return lines


def _fit_parts(width: int, base: list, *optional: list) -> Content:
    """`base`, then each optional group of parts in order while the line still fits `width` cells."""
    return _fit_together(width, [base], *[[group] for group in optional])[0]


def _fit_together(width: int, bases: list[list], *optional: list[list]) -> list[Content]:
    """Several lines built alike: each optional group (one part list per line) is added to every line, or to none,
    so that the lines keep the same fields."""
    lines = [list(b) for b in bases]
    for groups in optional:
        if all(Content.assemble(*line, *group).cell_length <= width for line, group in zip(lines, groups,
                                                                                           strict=True)):
            for line, group in zip(lines, groups, strict=True):
                line += group
    return [Content.assemble(*line) for line in lines]


def _side_parts(s: SideCapex) -> tuple[list, list[list]]:
    tag = "US" if s.side == Side.US else "CN"
    style = "bold $primary" if s.side == Side.US else "bold $secondary"
    if s.with_data == 0:
        why = "no company with TTM capex, revenue and cash flow in USD yet"
        return [(f"{tag} ", style), (f"{why} ({s.companies} companies)", "$text-muted")], [[], [], [], []]
    span = month(s.oldest_quarter) if s.oldest_quarter == s.newest_quarter else (
        f"{month(s.oldest_quarter)}..{month(s.newest_quarter)}")
    base = [(f"{tag} ", style), "Σ capex ", (usd(s.capex_usd), "bold"), " = ", (pct(s.capex_to_revenue), "bold"),
            " of revenue", " · FCF after capex ", (usd(s.fcf_usd), "bold")]
    return base, [
        [(f" · {s.with_data}/{s.companies} cos", "$text-muted")],
        [(f" · TTM to {span}", "$text-muted")],
        [(f" · revenue {usd(s.revenue_usd)} · OCF {usd(s.ocf_usd)}", "")],
        [(f" · left out: {', '.join(s.left_out)}" if s.left_out else "", "$text-muted")],
    ]


def side_lines(us: SideCapex, cn: SideCapex, width: int) -> list[Content]:
    """`US Σ capex $113.5B = 18% of revenue · FCF after capex $171.3B · 6/7 cos · TTM to 2025-07..2025-10` and the
    same for China, with revenue, operating cash flow and who is left out where the width allows both."""
    (ub, uo), (cb, co) = _side_parts(us), _side_parts(cn)
    return _fit_together(width, [ub, cb], *[[u, c] for u, c in zip(uo, co, strict=True)])


def circle_line(data: deals_mod.DealsData, width: int = 200) -> Content:
    """OpenAI's commitments against its reported revenue: one number, dated."""
    c = deals_mod.commitments(data, "openai")
    if not c.deals:
        return Content.assemble(("OpenAI's commitments: none in the deals file", "$text-muted"))
    base: list = ["OpenAI's commitments ≥ ", (usd(c.flow.low), "bold")]
    ratio: list = []
    if c.ratio is not None and c.revenue is not None:
        ratio = [" = ", (f"{c.ratio:.0f}×", "bold $warning"), " annualised revenue (est.)"]
    return _fit_parts(
        width, base + ratio,
        [(f" (+{c.flow.undisclosed} undisclosed)" if c.flow.undisclosed else "", "$text-muted")],
        [(f" · deals as of {data.as_of.isoformat() if data.as_of else NO_DATA}", "$text-muted")],
        [(f" · revenue {usd(c.revenue_annualised_usd)} a year from {c.revenue.period} {usd(c.revenue.amount_min)}, "
          f"{c.revenue.status}" if ratio and c.revenue else "", "$text-muted")],
    )


# -- the company under the cursor ---------------------------------------------------------------------------------


def _flow_text(flow: deals_mod.Flow) -> str:
    if not flow.rows:
        return "none"
    amount = usd(flow.low) if flow.low == flow.high else f"{usd(flow.low)}–{usd(flow.high)}"
    return amount + (f" (+{flow.undisclosed} undisclosed)" if flow.undisclosed else "")


def _size(deal: deals_mod.Deal, store: MarketStore) -> str:
    if deal.shares is not None and deal.share_symbol:
        price = store.price(deal.share_symbol)
        rate = store.usd_per(store.currency_of(deal.share_symbol))
        value = deals_mod.warrant_value_usd(deal, price * rate if price is not None and rate is not None else None)
        shares = f"{deal.shares / 1e6:,.0f}M {deal.share_symbol} shares"
        return f"{shares} ≈ {usd(value)} at today's price" if value is not None else shares
    if deal.size_usd is not None:
        text = usd(deal.size_usd)
    elif deal.size_usd_min is not None and deal.size_usd_max is not None:
        text = f"{usd(deal.size_usd_min)}–{usd(deal.size_usd_max)}"
    elif deal.size_usd_max is not None:
        text = f"up to {usd(deal.size_usd_max)}"
    elif deal.size_usd_min is not None:
        text = f"at least {usd(deal.size_usd_min)}"
    else:
        return "undisclosed"
    return text if deal.money else f"{text} (value)"


METRIC_LABELS = {"revenue": "revenue", "net_loss": "net loss", "rpo": "remaining performance obligations",
                 "capex_guidance": "capex guidance", "capex": "capex"}
STATUS_STYLE = {"confirmed": "bold $success", "announced": "bold", "reported": "bold $warning",
                "stalled": "bold $error"}


def deal_lines(data: deals_mod.DealsData, company: str, store: MarketStore) -> list[Content]:
    rows = data.of(company)
    lines = [Content.assemble(
        ("Deals ", "bold $accent"), (f"(tui/data/deals.toml, as of {data.as_of or NO_DATA}) ", "$text-muted"),
        "money in ", (_flow_text(deals_mod.money_in(data, company)), "bold"),
        " · out ", (_flow_text(deals_mod.money_out(data, company)), "bold"),
        " · bonds ", (_flow_text(deals_mod.bonds(data, company)), "bold"),
        (" (stalled deals and values are not summed)", "$text-muted"))]
    if not rows:
        lines.append(Content.assemble(("  no deal of this company in the file", "$text-muted")))
    for d in rows:
        lines.append(Content.assemble(
            f"  {d.date_text:<10} ", (f"{d.status:<9}", STATUS_STYLE.get(d.status, "")),
            f" {d.payer} → {d.payee} · {d.kind} · ", (_size(d, store), "bold"),
            f" · {d.what}" if d.what else ""))
        lines.append(Content.assemble((f"             {d.note + ' · ' if d.note else ''}source: {d.source}",
                                       "$text-muted")))
    for f in data.figures_of(company):
        if f.amount_min is None and f.amount_max is None:
            continue
        amount = f.amount_min if f.amount_min == f.amount_max else None
        if f.currency == "USD":
            text = usd(amount) if amount is not None else (
                f"{usd(f.amount_min)}–{usd(f.amount_max)}" if f.amount_min is not None and f.amount_max is not None
                else f"at least {usd(f.amount_min)}" if f.amount_min is not None else f"up to {usd(f.amount_max)}")
        else:
            rate = store.usd_per(f.currency)
            low = f.amount_min if f.amount_min is not None else f.amount_max
            text = (f"{low / 1e9:,.0f}B {f.currency}" + (f" ≈ {usd(low * rate)}" if rate and low else "")
                    + (" or more" if f.amount_max is None else ""))
        lines.append(Content.assemble(
            f"  {METRIC_LABELS.get(f.metric, f.metric.replace('_', ' '))} {f.period}: ", (text, "bold"),
            (f" · {f.status} {f.date_text} · {f.source}", "$text-muted")))
    return lines


def detail_lines(c: CompanyCapex | None, data: deals_mod.DealsData | None, store: MarketStore, now: float,
                 demo: bool) -> list[Content]:
    if c is None:
        return [Content.assemble(("no company selected", "$text-muted"))]
    lines = [Content.assemble((f"{c.name} ({c.symbol})", "bold $accent"),
                              (f" · company {c.company}", "$text-muted"))]
    if not c.has_statements:
        state = ("no statements reported by the data source" if c.fetched_at is not None
                 else "statements not fetched yet (the feed fetches them after quotes, fundamentals and history)")
        lines.append(Content.assemble((f"  {state}", "$text-muted")))
    else:
        basis = c.ttm_basis.get("capex")
        source = "simulator (DEMO)" if demo else "Yahoo fundamentals time series"
        head = [f"  statements in {c.statement_currency or '?'} · TTM to ",
                (c.latest_quarter.isoformat() if c.latest_quarter else NO_DATA,
                 "bold $warning" if is_old(c.latest_quarter, now) else "bold"),
                (f" ({basis})" if basis else " (no TTM: fewer than four consecutive quarters)", "$text-muted"),
                (f" · {source}, fetched {_time(c.fetched_at)}", "$text-muted")]
        if is_old(c.latest_quarter, now):
            head.append((f" · OLD: more than {OLD_AFTER_DAYS} days ago", "bold $warning"))
        lines.append(Content.assemble(*head))
        lines.append(Content.assemble(
            "  capex ", (usd(c.capex_usd), "bold"), f" ({pct(c.capex_growth, signed=True)} on a year earlier)",
            " · revenue ", usd(c.revenue_usd), f" ({pct(c.revenue_growth, signed=True)})",
            " · capex / revenue ", (pct(c.capex_to_revenue), "bold"),
            " · OCF ", usd(c.ocf_usd), " · FCF ", (usd(c.fcf_usd), "bold"), f" ({pct(c.fcf_margin)})",
            " · EBITDA ", usd(c.ebitda_usd)))
        if c.net_debt is not None and c.net_debt < 0:
            net = ["  net cash ", (usd(-c.net_debt_usd) if c.net_debt_usd is not None else NO_DATA, "bold")]
        else:
            net = ["  net debt ", (usd(c.net_debt_usd), "bold")]
        if c.net_debt_basis:
            net.append((f" ({c.net_debt_basis}, {c.balance_as_of})", "$text-muted"))
        if c.net_debt is None or c.net_debt >= 0:
            net += [" = ", (leverage(c), "bold"), " EBITDA"]
        net += [" · interest cover ", (cover(c), "bold")]
        net.append((" (EBIT / interest expense; n/a: not reported)" if cover(c) == "n/a"
                    else " (EBIT / interest expense)", "$text-muted"))
        lines.append(Content.assemble(*net))
        if c.partial_quarter is not None:
            have = ", ".join(LINE_LABELS[x] for x in c.partial_lines)
            text = f"  partial quarter {c.partial_quarter}: only {have} reported so far; not in the TTM"
            lines.append(Content.assemble((text, "$warning")))
        if c.statement_currency and c.statement_currency != "USD":
            sym = fx_symbol(c.statement_currency)
            q = store.quotes.get(sym) if sym else None
            fx = (f"{q.price:.4f} {c.statement_currency} per USD ({sym}, {_time(q.time)})" if q is not None
                  else f"no {sym or c.statement_currency} rate yet: USD figures unknown")
            lines.append(Content.assemble(("  FX: ", "$text-muted"), fx))
        if c.quarters:
            ccy = c.statement_currency or ""
            qs = " ".join(f"{q.as_of:%y-%m} {_b(q.capex)}/{_b(q.fcf)}" for q in c.quarters)
            lines.append(Content.assemble((f"  quarters, capex/FCF in B {ccy}: ", "$text-muted"), qs))
    if data is not None:
        lines += deal_lines(data, c.company, store)
    return lines


def _b(x: float | None) -> str:
    return NO_DATA if x is None else f"{x / 1e9:.1f}"


# -- widgets and the screen -----------------------------------------------------------------------------------------


class CapexTable(LinesView, can_focus=True):
    """The companies, one line each, with a cursor (↑/↓, j/k)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down,j", "move(1)", "Next", show=False, id="capex.down"),
        Binding("up,k", "move(-1)", "Previous", show=False, id="capex.up"),
        Binding("home", "move(-1000)", "First", show=False, id="capex.first"),
        Binding("end", "move(1000)", "Last", show=False, id="capex.last"),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.cursor = 0
        self.rows = 0

    def action_move(self, step: int) -> None:
        if self.rows:
            self.cursor = max(0, min(self.rows - 1, self.cursor + step))
            screen = self.screen
            if isinstance(screen, CapexScreen):
                screen.redraw()
            self.scroll_to(y=max(0, self.cursor + 1 - (self.size.height - 1)), animate=False)


class CapexScreen(SteadyScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", key_display="Esc", tooltip="Back to the watchlist", id="capex.back"),
        Binding("c,q", "back", "Back", show=False, id="capex.back_keys"),
        Binding("pagedown", "detail(1)", "Deals ↓", key_display="PgDn", tooltip="Scroll the company's details",
                id="capex.detail_down"),
        Binding("pageup", "detail(-1)", "Deals ↑", show=False, id="capex.detail_up"),
    ]
    DEFAULT_CSS = """
    CapexScreen { layout: vertical; }
    CapexScreen #capex-badge { height: 1; padding: 0 1; background: $panel; }
    CapexScreen #capex-badge.-demo { background: $warning; color: $background; text-style: bold; }
    CapexScreen #capex-title { height: 1; padding: 0 1; color: $text-muted; }
    CapexScreen #capex-table { height: auto; max-height: 45%; padding: 0 1; text-wrap: nowrap;
                               text-overflow: ellipsis; scrollbar-size-vertical: 1; }
    CapexScreen #capex-sides { height: auto; padding: 0 1; border-top: solid $primary 40%; }
    CapexScreen #capex-detail { height: 1fr; padding: 0 1; border-top: solid $primary 40%; overflow-y: auto; }
    """

    def __init__(self, watchlist: Watchlist, *, deals: deals_mod.DealsData | None = None) -> None:
        super().__init__()
        self.watchlist = watchlist
        self.deals = deals
        self.view: CapexView | None = None
        self._key: tuple | None = None
        self.renders = 0  # completed redraws (tests wait on this)

    @property
    def _runtime(self):
        return getattr(self.app, "runtime", None)

    @property
    def store(self) -> MarketStore:
        return self._runtime.store

    def _now(self) -> float:
        return self._runtime.clock.now()

    @property
    def demo(self) -> bool:
        return bool(getattr(self._runtime, "simulated", False))

    def compose(self) -> ComposeResult:
        badge = Static(f"{DEMO_BADGE} · capex, cash flow and debt" if self.demo
                       else "Capex, cash flow and debt · Yahoo Finance", id="capex-badge")
        badge.set_class(self.demo, "-demo")
        yield badge
        yield Static(id="capex-title")
        yield CapexTable(id="capex-table")
        yield LinesView(id="capex-sides")
        yield LinesView(id="capex-detail")
        yield Footer()

    def on_mount(self) -> None:
        if self.deals is None:
            self.deals = deals_mod.load_deals()
            if self.deals.problems:
                self.notify("\n".join(str(p) for p in self.deals.problems[:5]), title="Deals file problems",
                            severity="warning", timeout=15)
        self.query_one(CapexTable).focus()
        self.redraw()
        self.set_interval(REFRESH_SECONDS, self._tick)

    def on_resize(self) -> None:
        self._key = None
        self.call_after_refresh(self.redraw)

    def _tick(self) -> None:
        key = (self.store.seq, self.query_one(CapexTable).cursor, self.size)
        if key != self._key:
            self.redraw()

    @property
    def company(self) -> CompanyCapex | None:
        if self.view is None or not self.view.companies:
            return None
        table = self.query_one(CapexTable)
        return self.view.companies[min(table.cursor, len(self.view.companies) - 1)]

    def redraw(self) -> None:
        try:
            self._redraw()
        except Exception:
            log.exception("capex screen redraw failed")

    def _redraw(self) -> None:
        store, now = self.store, self._now()
        table = self.query_one(CapexTable)
        self._key = (store.seq, table.cursor, self.size)
        self.view = view = capex_view(store, self.watchlist)
        table.rows = len(view.companies)
        table.cursor = max(0, min(table.cursor, table.rows - 1)) if table.rows else 0
        width = max(40, (self.size.width or 80) - 2)
        # the table's own width: its scroll bar takes cells when the companies outnumber its lines
        table_w = table.scrollable_content_region.width or width
        # whole phrases give way at a narrow width, the last first; what the figures are comes first
        title_line = self.query_one("#capex-title", Static)
        title = fit_parts([self.watchlist.title, "TTM, reported", "USD at live FX rates", "each company once",
                           "↑↓ company", "PgDn details"], title_line.content_region.width or width)
        title_line.update(Content.assemble((title, "$text-muted")))
        table.set_lines(table_lines(view, min(width, table_w), now, cursor=table.cursor))
        sides = side_lines(view.sides[Side.US], view.sides[Side.CN], width)
        if self.deals is not None:
            sides.append(circle_line(self.deals, width))
        self.query_one("#capex-sides", LinesView).set_lines(sides)
        self.query_one("#capex-detail", LinesView).set_lines(
            detail_lines(self.company, self.deals, store, now, self.demo))
        self.renders += 1

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_detail(self, direction: int) -> None:
        detail = self.query_one("#capex-detail", LinesView)
        detail.scroll_relative(y=direction * max(1, detail.size.height - 1), animate=False)
