"""The symbol screen (Enter on a board row): intraday and one-year charts, and the symbol's fundamentals.

Charts come from the data source's chart endpoint (intraday: 1 day of 5-minute bars; one year: daily closes),
fetched when the screen opens; until then (or if that fails) the intraday chart uses the points the board
collected. Every figure says where it comes from; DEMO data says so.
"""

from __future__ import annotations

import textwrap
from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Static

from tui.charts import block_chart
from tui.format import flow, fmt_cap, fmt_multiple, fmt_periods
from tui.model import Bar, Instrument, change_pct_of
from tui.sanitize import clean_message
from tui.screens.pair_detail import last_session, session_label
from tui.screens.steady import SteadyModalScreen
from tui.widgets.plain import plain


def _fmt(x: float | None, digits: int = 2) -> str:
    return "—" if x is None else f"{x:,.{digits}f}"


def _fmt_signed(x: float | None, digits: int = 2) -> str:
    return "—" if x is None else f"{x:+,.{digits}f}"


def _money(x: float | None, currency: str | None, *, big: bool = False) -> str:
    """A money figure with its currency (`?` when the source did not say which): 1.23 HKD, 4.97B USD."""
    if x is None:
        return "—"
    return f"{fmt_cap(x) if big else _fmt(x)} {currency or '?'}"


def _market_time(symbol: str, t: float | None) -> str:
    """`17:00 New York`: a time in the symbol's market's own zone."""
    if t is None:
        return "—"
    from datetime import datetime

    from tui.core.sessions import market_of

    market = market_of(symbol)
    return f"{datetime.fromtimestamp(t, market.tz):%H:%M} {market.name}"


def _closes(bars: list[Bar]) -> list[float]:
    return [b.close for b in bars if b.close is not None]


class SymbolScreen(SteadyModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q,enter", "close", "Close", id="symbol.close")]
    DEFAULT_CSS = """
    SymbolScreen { align: center middle; }
    #symbol-box { width: 100%; max-width: 110; height: 100%; max-height: 40; border: round $accent;
                  background: $surface; padding: 0 1; }
    #symbol-scroll { scrollbar-size-vertical: 1; }
    .chart-title { color: $text-muted; text-style: bold; }
    .chart { height: auto; color: $accent; text-wrap: nowrap; text-overflow: clip; }
    #symbol-facts { height: auto; }
    """

    def __init__(self, runtime, instrument: Instrument, *, stale_after: float = 60.0) -> None:
        super().__init__()
        self.runtime = runtime
        self.instrument = instrument
        self.stale_after = stale_after
        self.intraday: list[tuple[float, float]] | None = None  # (time, close) of today's 5-minute bars
        self.year: list[float] | None = None
        self.loaded = False  # both chart requests answered (tests wait on this)
        self.errors: list[str] = []

    def compose(self) -> ComposeResult:
        inst = self.instrument
        demo = " · DEMO (simulated data)" if getattr(self.runtime, "simulated", False) else ""
        with Vertical(id="symbol-box"):
            facts = f"  {inst.side.value.upper()} · {inst.kind}{demo}"
            yield Static(Content.assemble((f"{inst.symbol}  {inst.name}", "bold"), (facts, "$text-muted")),
                         id="symbol-title")
            with VerticalScroll(id="symbol-scroll"):
                yield Static("Intraday", classes="chart-title", id="intraday-title")
                yield Static("loading…", classes="chart", id="intraday-chart")
                yield Static("One year (daily closes)", classes="chart-title", id="year-title")
                yield Static("loading…", classes="chart", id="year-chart")
                yield Static("", id="symbol-facts")
            yield Static("Escape closes", classes="dialog-hint")

    def on_mount(self) -> None:
        self._draw()
        self._load()
        # price, age and the stale mark keep moving while the screen covers the board
        self.set_interval(1.0, self._refresh_facts)

    def on_resize(self) -> None:
        self._draw()

    def _refresh_facts(self) -> None:
        if self.is_mounted:
            self.query_one("#symbol-facts", Static).update(plain(self._facts()))

    @work(exclusive=True, group="symbol-charts")
    async def _load(self) -> None:
        feed = getattr(self.runtime, "feed", None)
        rest = getattr(feed, "rest", None)
        sym = self.instrument.symbol
        if rest is None:
            self.errors.append("this data source has no charts")
        else:
            try:
                self.intraday = [(b.time, b.close) for b in await rest.chart(sym, "1d", "5m") if b.close is not None]
            except Exception as exc:  # noqa: BLE001 - show what failed, keep the screen
                self.errors.append(clean_message(f"intraday chart: {exc}"))
            try:
                bars = await rest.chart(sym, "1y", "1d")
                self.year = _closes(bars)
                self.runtime.store.apply_history(sym, bars)
            except Exception as exc:  # noqa: BLE001
                self.errors.append(clean_message(f"one-year chart: {exc}"))
        self.loaded = True
        self._draw()

    def _chart(self, values: list[float] | None, height: int, what: str) -> str:
        if not values or len(values) < 2:
            return f"no {what} data" + ("" if self.loaded else " yet")
        # the room inside the scroll (its scrollbar aside) less the 11-cell labels: a chart never wraps
        width = max(10, self._width() - 12)
        lines = block_chart(values, width, height)
        hi, lo = max(values), min(values)
        labels = [f"{hi:>10,.2f} " if i == 0 else f"{lo:>10,.2f} " if i == len(lines) - 1 else " " * 11
                  for i in range(len(lines))]
        first, last = values[0], values[-1]
        change = f"{(last / first - 1) * 100:+.2f}% over the span" if first else ""
        return "\n".join(lab + line for lab, line in zip(labels, lines, strict=True)) + f"\n{' ' * 11}{change}"

    def _width(self) -> int:
        """Cells a line has inside the scroll area (before the first layout: the box's, less a scrollbar)."""
        scroll = self.query_one("#symbol-scroll", VerticalScroll)
        width = scroll.scrollable_content_region.width
        return width - 1 if width else max(0, self.query_one("#symbol-box").content_region.width - 1)

    def _draw(self) -> None:
        if not self.is_mounted:
            return
        store = self.runtime.store
        sym = self.instrument.symbol
        small = self.app.size.height < 30
        points = self.intraday or list(store.intraday.get(sym, ()))
        # only the last session held, and its date: a closed market's chart is not today's (never unlabelled)
        points = last_session(sym, points)
        title = "Intraday"
        if points:
            title += f", {session_label(sym, points[-1][0], self.runtime.clock.now())}"
        self.query_one("#intraday-title", Static).update(title)
        intraday = [p for _, p in points] or None
        self.query_one("#intraday-chart", Static).update(self._chart(intraday, 3 if small else 6, "intraday"))
        self.query_one("#year-chart", Static).update(self._chart(self.year, 3 if small else 6, "one-year"))
        self.query_one("#symbol-facts", Static).update(plain(self._facts()))

    def _facts(self) -> str:
        from tui.core.freshness import age_seconds, delay_minutes, format_age, is_stale
        from tui.core.valuation import valuation

        store = self.runtime.store
        sym = self.instrument.symbol
        now = self.runtime.clock.now()
        q = store.quotes.get(sym)
        f = store.fundamentals.get(sym)
        lines = []
        if q is None:
            lines.append("not found" if sym in store.unknown else "no quote yet")
        else:
            # an index is a level, not a price: no currency (Yahoo labels ^GSPC "USD")
            ccy = "" if self.instrument.kind == "index" else (q.currency or store.currency_of(sym) or "")
            unit = f" {ccy}" if ccy else ""
            stale = " STALE" if is_stale(q, now, stale_after=self.stale_after) else ""
            delay = delay_minutes(q)
            pct = change_pct_of(q)
            lines.append(f"Last {_fmt(q.price)}{unit}   day's change {_fmt_signed(q.change)} "
                         f"({_fmt_signed(pct)}%) vs previous close   "
                         f"age {format_age(age_seconds(q, now))}{f' (+{delay}m delayed market)' if delay else ''}"
                         f"{stale}")
            if q.ext_price is not None and q.ext_session is not None:
                what = {"pre": "Pre-market", "post": "Post-market", "overnight": "Overnight"}.get(
                    q.ext_session, q.ext_session)
                lines.append(f"{what} {_fmt(q.ext_price)}{unit}   {_fmt_signed(q.ext_change)} "
                             f"({_fmt_signed(q.ext_change_pct)}%) vs the last close   at "
                             f"{_market_time(sym, q.ext_time)}")
            lines.append(f"{f'In {ccy}: open' if ccy else 'Open'} {_fmt(q.open)}   high {_fmt(q.day_high)}   "
                         f"low {_fmt(q.day_low)}   previous close {_fmt(q.previous_close)}   "
                         f"volume {_fmt(q.volume, 0)}")
            lines.append(_sources_line(store, q, now, simulated=bool(getattr(self.runtime, "simulated", False))))
        if self.instrument.kind == "equity":
            v = valuation(store, sym)
            if v is not None:
                pe = fmt_multiple(v.pe_ttm, meaningful_data=v.ey is not None)
                fpe = fmt_multiple(v.pe_fwd, meaningful_data=v.forward_earnings_usd is not None
                                   and v.market_cap_usd is not None)
                ps = "—" if v.ps_ttm is None else f"{v.ps_ttm:.2f}"
                ey = "—" if v.ey is None else f"{v.ey * 100:.2f}%"
                lines.append(f"Cap USD {fmt_cap(v.market_cap_usd)}   P/E ttm {pe}   P/E fwd (est.) {fpe}   P/S {ps}   "
                             f"earnings yield {ey}")
            if f is not None:
                from datetime import UTC, datetime

                when = datetime.fromtimestamp(f.as_of, UTC).strftime("%Y-%m-%d %H:%M UTC")
                # every money figure with its currency: per-share figures are in the price currency, statement
                # figures in the reporting currency (SMIC: EPS in HKD, net income in USD)
                lines.append(f"Shares {_fmt(f.shares_outstanding, 0)}   EPS ttm {_money(f.eps_ttm, f.currency)}   "
                             f"(fundamentals fetched {when})")
                lines += fundamentals_lines(f)
        # each line's fields (three spaces apart, or " · " within one too long) flowed to the width: a label is never
        # parted from its figure
        width = self._width() or 100
        out = [piece for line in lines for part in flow(line.split("   "), width, indent="  ")
               for piece in (flow(part.split(" · "), width, sep=" · ", indent="  ") if len(part) > width else [part])]
        # prose, wrapped between words: a chart's error first, under the charts it is about and in view on a short
        # terminal whatever the length of the figures; the instrument's note last
        errors = [piece for text in self.errors for piece in textwrap.wrap(text, width)]
        note = textwrap.wrap(self.instrument.note, width) if self.instrument.note else []
        return "\n".join([*errors, *out, *note])

    def action_close(self) -> None:
        self.dismiss(None)


def fundamentals_lines(f) -> list[str]:
    """The statement figures of quoteSummary, each with the period it is of: `revenue 165.2B USD (TTM to
    2025-07-31)`, `debt 10.6B USD (at 2025-07-31)`. The capex screen's figures come from the fundamentals time series,
    which may run to a later quarter: a figure says its own, so two periods never read as one. Yahoo's totalCash
    holds short-term investments ("cash & short-term inv."), the time series' cash does not: the words say which."""
    ttm, at = fmt_periods(f.quarter_end)
    ccy = f.financial_currency

    def figure(label: str, x: float | None, period: str) -> str:
        return f"{label} {_money(x, ccy, big=True)}" + (f" ({period})" if x is not None else "")

    return ["   ".join((figure("revenue", f.revenue_ttm, ttm), figure("net income", f.net_income_ttm, ttm),
                        figure("EBITDA", f.ebitda, ttm))),
            "   ".join((figure("debt", f.total_debt, at),
                        figure("cash & short-term inv.", f.total_cash, at)))]  # 60 columns: one line


_SOURCE_NAMES = {"yahoo": "Yahoo", "tencent": "Tencent", "sina": "Sina"}


def _sources_line(store, q, now: float, *, simulated: bool = False) -> str:
    """Where the price shown came from, and each other source's latest copy of it: `From tencent (poll, real
    time) · also yahoo 80.12 at 09:55:00, +15m`. In the demo every source is the simulator speaking that source's
    protocol, and says so: `From demo simulator (Yahoo's protocol) · rest, real time · also demo simulator
    (Tencent's protocol) …`; a simulated price never reads as Yahoo's."""
    from datetime import datetime

    from tui.core.freshness import delay_minutes
    from tui.core.sessions import market_of

    tz = market_of(q.symbol).tz
    delay = delay_minutes(q)
    how = f"{delay} min late" if delay else "real time"

    def named(source: str) -> str:
        return f"demo simulator ({_SOURCE_NAMES.get(source, source)}'s protocol)" if simulated else source

    details = f"{q.source}, {how}{', measured' if q.delay_measured else ''}"
    text = f"From {named(q.source_name)} · {details}" if simulated else f"From {q.source_name} ({details})"
    if q.no_trade:
        text += " · no trade today or halted: the previous close"
    for name, other in sorted(store.by_source.get(q.symbol, {}).items()):
        if name == q.source_name:
            continue
        d = delay_minutes(other)
        text += (f" · also {named(name)} {_fmt(other.price)} at {datetime.fromtimestamp(other.time, tz):%H:%M:%S}"
                 f"{f', +{d}m' if d else ''}")
    return text
