"""The pair detail screen: both sides' multiples side by side with every part they are made of, the pair's
one-year relative performance with its z-score, and each listing's intraday chart. Escape goes back.

Opened by Enter on a pair in the pairs panel (or `p`, then Enter). It asks the feed, once per symbol, for the
daily history it needs (the pair's listings and their FX) when the store does not hold it yet, and for each
listing's 5-minute bars of the day; everything else it reads from the store on a timer, like the main screen.
"""

from __future__ import annotations

import logging
import math
import weakref
from datetime import UTC, datetime
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from tui.charts import block_chart, sparkline
from tui.core.freshness import DEFAULT_STALE_AFTER, delay_minutes, format_age, is_stale, stale_inputs
from tui.core.history import RelativePerformance, ensure_history, history_symbols, relative_performance
from tui.core.sessions import local_date, market_of
from tui.core.spreads import MetricSpread, PairSpread, SideAggregate, company_groups, pair_spread
from tui.core.store import MarketStore, fx_symbol
from tui.core.valuation import Valuation, listing_premiums, valuation
from tui.format import (
    NO_DATA,
    NOT_MEANINGFUL,
    fmt_cap,
    fmt_extended,
    fmt_multiple,
    fmt_pct,
    fmt_periods,
    fmt_pp,
    fmt_premium,
    fmt_price,
    fmt_ratio,
)
from tui.model import Pair, Watchlist, change_pct_of
from tui.screens.steady import SteadyScreen
from tui.widgets.footer import Footer
from tui.widgets.header import DEMO_BADGE
from tui.widgets.lines import flow_lines
from tui.widgets.pairs import fmt_z, z_highlighted

log = logging.getLogger(__name__)

REFRESH_SECONDS = 0.5
INTRADAY_MAX_AGE = 300.0  # app-clock seconds before a listing's 5-minute bars are asked for again
CHART_HEIGHT = 6

# per store: symbols whose daily history was asked for (so a failed one is not asked again and again), and
# 5-minute bars fetched: symbol -> (app time fetched, [(time, close)])
_HISTORY_ASKED: weakref.WeakKeyDictionary[MarketStore, set[str]] = weakref.WeakKeyDictionary()
_INTRADAY: weakref.WeakKeyDictionary[MarketStore, dict[str, tuple[float, list[tuple[float, float]]]]] = (
    weakref.WeakKeyDictionary()
)

ROWS = (
    ("P/E (TTM)", "pe_ttm"),
    ("P/E fwd est", "pe_fwd"),  # forward EPS is analysts' consensus: an estimate
    ("P/S (TTM)", "ps_ttm"),
    ("EV/Sales", "ev_sales"),
    ("EV/EBITDA", "ev_ebitda"),
)


def _time(t: float | None) -> str:
    if t is None or not math.isfinite(t):
        return NO_DATA
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%d %H:%M UTC")


def _num(x: float | None, digits: int = 2) -> str:
    return NO_DATA if x is None or not math.isfinite(x) else f"{x:,.{digits}f}"


def _big(x: float | None, ccy: str | None) -> str:
    """A statement figure in its own currency, compact: 981.8B CNY."""
    if x is None:
        return NO_DATA
    return f"{fmt_cap(x)} {ccy or '?'}"


def _money(x: float | None, ccy: str | None) -> str:
    """A per-share figure in its own currency: 3.56 USD (the price currency)."""
    return NO_DATA if x is None or not math.isfinite(x) else f"{x:,.2f} {ccy or '?'}"


def side_value(side: SideAggregate, key: str) -> str:
    value = getattr(side, key)
    if key == "pe_ttm":
        return fmt_multiple(value, meaningful_data=side.ey is not None)
    if key == "ev_ebitda":
        return fmt_multiple(value, meaningful_data=side.ebitda_usd is not None and side.ev_usd is not None)
    if key == "pe_fwd":  # negative or near-zero forward earnings: n/m, as for trailing P/E
        return fmt_multiple(value, meaningful_data=side.forward_earnings_usd is not None
                            and side.market_cap_usd is not None)
    return fmt_multiple(value, meaningful_data=False)


# the table's columns after the metric's name, and their widths: in a narrow terminal the last ones go first
TABLE_COLUMNS = (("US", 10), ("China", 10), ("US/CN", 9), ("premium", 9), ("ln ratio", 10))
LABEL_WIDTH = 11


def table_columns(width: int | None) -> int:
    """How many of TABLE_COLUMNS fit `width` cells (US and China always)."""
    if width is None:
        return len(TABLE_COLUMNS)
    n, used = 0, LABEL_WIDTH
    for _, w in TABLE_COLUMNS:
        if used + w > width and n >= 2:
            break
        n, used = n + 1, used + w
    return n


def multiples_table(spread: PairSpread, stale: tuple[tuple[str, ...], tuple[str, ...]] = ((), ()),
                    width: int | None = None) -> Content:
    """Metric | US | China | US/CN | premium | log ratio, then the earnings yields and their spread; each side's
    summary line names the price inputs that are stale (`stale`: US symbols, China symbols). In `width` cells the
    columns on the right go (log ratio, then premium, then the ratio) rather than wrap into the next row."""
    us, cn = spread.us, spread.cn
    cols = TABLE_COLUMNS[:table_columns(width)]
    head = f"{'':<{LABEL_WIDTH}}" + "".join(f"{title:>{w}}" for title, w in cols)
    lines = [Content.assemble((head, "bold $text-muted"))]
    for label, key in ROWS:
        m: MetricSpread | None = spread.metrics.get(key)
        us_t, cn_t = side_value(us, key), side_value(cn, key)
        has_both = us_t not in (NO_DATA,) and cn_t not in (NO_DATA,)
        ratio = fmt_ratio(m.ratio) if m is not None and m.ratio is not None else (NOT_MEANINGFUL if has_both
                                                                                   else NO_DATA)
        prem = fmt_premium(m.premium_pct) if m is not None and m.ratio is not None else ratio
        logr = f"{m.log_ratio:+.3f}" if m is not None and m.log_ratio is not None else ratio
        cells = (us_t, cn_t, ratio, prem, logr)
        lines.append(Content.assemble((f"{label:<{LABEL_WIDTH}}", "bold"),
                                      "".join(f"{cell:>{w}}" for cell, (_, w) in zip(cells, cols, strict=False))))
    pe = spread.metrics.get("pe_ttm")
    ey_us = NO_DATA if us.ey is None else f"{us.ey * 100:.2f}%"
    ey_cn = NO_DATA if cn.ey is None else f"{cn.ey * 100:.2f}%"
    lines.append(Content.assemble((f"{'EY':<11}", "bold"), f"{ey_us:>10}{ey_cn:>10}",
                                  ("  US−CN ", "$text-muted"), fmt_pp(pe.ey_spread_pp if pe else None)))
    for tag, side, stale_syms in (("US", us, stale[0]), ("China", cn, stale[1])):
        lines.append(Content.assemble(
            (f"{tag} side: ", "$text-muted"),
            f"in USD: cap {fmt_cap(side.market_cap_usd)} · earnings {fmt_cap(side.earnings_usd)} · revenue "
            f"{fmt_cap(side.revenue_usd)} · EBITDA {fmt_cap(side.ebitda_usd)} · EV {fmt_cap(side.ev_usd)}",
            (f" · {side.with_data}/{side.total} with data", "$text-muted"),
            (f" · STALE: {', '.join(stale_syms)}" if stale_syms else "", "bold $warning")))
    return Content("\n").join(flow_lines(lines, width) if width else lines)


def _fx_line(store: MarketStore, ccy: str | None, now: float | None = None,
             stale_after: float = DEFAULT_STALE_AFTER) -> str:
    if ccy is None:
        return "currency unknown"
    if ccy.upper() == "USD":
        return "USD (no conversion)"
    sym = fx_symbol(ccy)
    q = store.quotes.get(sym) if sym else None
    if q is None:
        return f"{ccy}: no FX rate yet ({sym}) — USD figures unknown"
    stale = " STALE" if now is not None and is_stale(q, now, stale_after=stale_after) else ""
    return f"{ccy}: {q.price:.4f} per USD ({sym}, {q.source}, {_time(q.time)}){stale}"


def parts_lines(store: MarketStore, v: Valuation | None, symbol: str, name: str, demo: bool, now: float,
                stale_after: float = DEFAULT_STALE_AFTER) -> list[Content]:
    """One listing's parts: price (source, time, delay, STALE), shares, EPS, statements in their currency, FX,
    as-of."""
    q = store.quotes.get(symbol)
    f = store.fundamentals.get(symbol)
    lines = [Content.assemble((f"{symbol}", "bold $accent"), f"  {name}")]
    if q is None:
        lines.append(Content.assemble(("  no quote yet", "$text-muted")))
        return lines
    delay = delay_minutes(q)
    # the price, its day's change and the extended-hours trade, then its marks, then where and when it came from (a
    # narrow screen breaks the line at a " · ")
    price: list = [f"  price {fmt_price(q.price, q.currency)} ", ("day ", "$text-muted"), fmt_pct(change_pct_of(q))]
    if q.ext_price is not None:  # the extended-hours trade, labelled, beside the day's change
        price.append(f" · {fmt_extended(q.ext_session, q.ext_price, q.ext_change_pct)}")
        price.append((" vs the last close", "$text-muted"))
    if delay:
        price.append((f" · delayed {delay}m", "$warning"))
    if q.no_trade:
        price.append((" · no trade today or halted (previous close)", "$warning"))
    if is_stale(q, now, stale_after=stale_after):  # as on the board and the symbol screen
        price.append((" · STALE", "bold $warning"))
    price += [" · ", (f"{q.source_name} {q.source} · {_time(q.time)}", "$text-muted"),
              (f" ({format_age(now - q.time)} ago)", "$text-muted")]
    lines.append(Content.assemble(*price))
    src = "simulator (DEMO)" if demo else "Yahoo quoteSummary / quote"
    if f is None:
        lines.append(Content.assemble(("  no fundamentals yet", "$text-muted")))
    else:
        fin = f.financial_currency
        lines.append(Content.assemble(
            f"  shares {fmt_cap(f.shares_outstanding).rstrip()} · EPS TTM {_money(f.eps_ttm, f.currency)} · fwd est. "
            f"{_money(f.eps_forward, f.currency)} · ",
            (f"cap basis {v.cap_basis if v and v.cap_basis else NO_DATA}", "$text-muted")))
        # each group says its period: the capex screen's time series may run to another quarter
        ttm, at = fmt_periods(f.quarter_end)
        lines.append(Content.assemble(
            f"  {ttm}: net income {_big(f.net_income_ttm, fin)} · revenue {_big(f.revenue_ttm, fin)} · EBITDA "
            f"{_big(f.ebitda, fin)}"))
        lines.append(Content.assemble(
            f"  {at[0].upper()}{at[1:]}: debt {_big(f.total_debt, fin)} · cash and short-term investments "
            f"{_big(f.total_cash, fin)}"))
        lines.append(Content.assemble(("  fundamentals: ", "$text-muted"), f"{src}, fetched {_time(f.as_of)}",
                                      (f" ({format_age(now - f.as_of)} ago)", "$text-muted")))
    ccys = list(dict.fromkeys(c for c in (q.currency, f.financial_currency if f else None) if c))
    lines.append(Content.assemble(("  FX used: ", "$text-muted"),
                                  " · ".join(_fx_line(store, c, now, stale_after) for c in ccys)
                                  or "currency unknown"))
    if v is not None:
        lines.append(Content.assemble(
            ("  in USD: ", "$text-muted"),
            f"cap {fmt_cap(v.market_cap_usd)} · earnings {fmt_cap(v.earnings_usd)} · revenue "
            f"{fmt_cap(v.revenue_usd)} · P/E {fmt_multiple(v.pe_ttm, meaningful_data=v.ey is not None)}"
            f" · P/S {fmt_multiple(v.ps_ttm, meaningful_data=False)}"
            f" · EY {NO_DATA if v.ey is None else f'{v.ey * 100:.2f}%'}"))
    return lines


def history_lines(rp: RelativePerformance | None, width: int, state: str) -> list[Content]:
    """The relative-performance chart (percent since the first day) with its dates, z-scores and FX basis."""
    if rp is None or len(rp.log_ratio) < 2:
        return [Content.assemble((state, "$text-muted"))]
    rel = rp.rel_series
    chart_w = max(20, min(width - 12, 120))
    rows = block_chart(rel, chart_w, CHART_HEIGHT)
    hi, lo = max(rel), min(rel)
    out = []
    for n, row in enumerate(rows):
        label = f"{hi:+6.1f}% " if n == 0 else f"{lo:+6.1f}% " if n == len(rows) - 1 else " " * 8
        out.append(Content.assemble((label, "$text-muted"), (row, "$accent")))
    out.append(Content.assemble(" " * 8, (f"{rp.dates[0].isoformat()}", "$text-muted"),
                                " " * max(1, chart_w - 20), (f"{rp.dates[-1].isoformat()}", "$text-muted")))
    z_style = "bold $warning" if z_highlighted(rp.z) else "bold"
    fx = {"daily": "each day's FX close", "current": ("today's FX rate (no FX history held)"),
          "usd": "all in USD"}[rp.fx_basis]
    out.append(Content.assemble(
        "US vs China since ", rp.dates[0].isoformat(), ": ",
        (NO_DATA if rp.change is None else f"{rp.change * 100:+.1f}%", "bold"),
        ("  · z-score today ", "$text-muted"), (fmt_z(rp.z, 2), z_style),
        (f" over {rp.window} days", "$text-muted"),
        ("  · 3-month z ", "$text-muted"), NO_DATA if rp.z_short is None else f"{rp.z_short:+.2f}"))
    last = "last point live (today's prices and FX)" if rp.live else "last point the last close"
    out.append(Content.assemble(((
        f"x = ln(US level / China level) in USD, {len(rp.log_ratio)} daily closes joined by date, converted at "
        f"{fx}; {last}"), "$text-muted")))
    if rp.us.left_out or rp.cn.left_out:
        out.append(Content.assemble(((f"left out (no history, shares or price, or listed later): "
                                      f"{', '.join((*rp.us.left_out, *rp.cn.left_out))}"), "$warning")))
    return out


def intraday_points(store: MarketStore, symbol: str) -> list[tuple[float, float]]:
    """Today's 5-minute closes fetched for the screen, extended by the live points the store keeps."""
    fetched = _INTRADAY.get(store, {}).get(symbol)
    points = list(fetched[1]) if fetched else []
    last = points[-1][0] if points else float("-inf")
    points += [(t, p) for t, p in store.intraday.get(symbol, ()) if t > last]
    return points


def last_session(symbol: str, points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """The points of the last session held: those on the market-local date of the last point (the store keeps
    live points across days, so a closed market's chart would otherwise run on from the session before)."""
    if not points:
        return []
    market = market_of(symbol)
    day = local_date(market, points[-1][0])
    return [(t, p) for t, p in points if local_date(market, t) == day]


def session_label(symbol: str, t: float, now: float | None) -> str:
    """The session date of a point at `t`, in its market's own timezone: `Fri 2026-11-20`, or
    `today (Mon 2026-11-23)` when that is the market's date on the app clock now."""
    market = market_of(symbol)
    day = local_date(market, t)
    text = f"{day:%a} {day.isoformat()}"
    return f"today ({text})" if now is not None and local_date(market, now) == day else text


def intraday_heading(store: MarketStore, symbols: list[str], now: float | None) -> str:
    """`Intraday, Fri 2026-11-20` when every chart is of one session date; else the lines say theirs."""
    labels = {session_label(s, pts[-1][0], now) for s in symbols
              if len(pts := last_session(s, intraday_points(store, s))) >= 2}
    if len(labels) == 1:
        return f"Intraday, {labels.pop()}"
    return "Intraday, each listing's last session" if labels else "Intraday"


def intraday_line(store: MarketStore, symbol: str, width: int, now: float | None = None) -> Content:
    """One listing's 5-minute chart of its last session, labelled with that session's date (market time)."""
    pts = last_session(symbol, intraday_points(store, symbol))
    q = store.quotes.get(symbol)
    if len(pts) < 2:
        return Content.assemble((f"{symbol:<10}", "bold"), ("no intraday points yet", "$text-muted"))
    prices = [p for _, p in pts]
    label = session_label(symbol, pts[-1][0], now)
    w = max(10, min(width - 52 - len(label), 80))
    move = prices[-1] / prices[0] - 1 if prices[0] else 0.0
    delay = delay_minutes(q) if q is not None else market_of(symbol).delay_minutes
    return Content.assemble(
        (f"{symbol:<10}", "bold"), (f"{label}  ", "bold" if label.startswith("today") else "bold $warning"),
        (sparkline(prices, w), "$success" if move >= 0 else "$error"),
        f"  {fmt_price(prices[0])} → {fmt_price(prices[-1], q.currency if q else None)} ({move * 100:+.2f}%)",
        (f"  {datetime.fromtimestamp(pts[0][0], UTC):%H:%M}–{datetime.fromtimestamp(pts[-1][0], UTC):%H:%M} UTC",
         "$text-muted"),
        (f" · delayed {delay}m" if delay else "", "$warning"))


class PairDetailScreen(SteadyScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", key_display="Esc", tooltip="Back to the watchlist", id="pair.back"),
        Binding("q", "back", "Back", show=False, id="pair.back_q"),
    ]
    DEFAULT_CSS = """
    PairDetailScreen { layout: vertical; }
    PairDetailScreen #pair-badge { height: 1; padding: 0 1; background: $panel; }
    PairDetailScreen #pair-badge.-demo { background: $warning; color: $background; text-style: bold; }
    PairDetailScreen #pair-body { height: 1fr; padding: 0 1; }
    PairDetailScreen .pair-heading { margin-top: 1; color: $accent; text-style: bold; }
    PairDetailScreen Static { width: 100%; }
    """

    def __init__(self, pair: Pair, watchlist: Watchlist, *, stale_after: float = DEFAULT_STALE_AFTER) -> None:
        super().__init__()
        self.pair = pair
        self.watchlist = watchlist
        self.stale_after = stale_after
        self._stale_drawn: tuple = ()  # the stale inputs last drawn: a quote goes stale with no new quote
        self.history_state = "daily history: asking the data source…"
        self._seq = -1
        self.renders = 0  # completed redraws (tests wait on this)

    # -- the app's runtime, when there is one ---------------------------------------------------------
    @property
    def _runtime(self):
        return getattr(self.app, "runtime", None)

    @property
    def store(self) -> MarketStore:
        return self._runtime.store

    def _now(self) -> float:
        return self._runtime.clock.now()

    def compose(self) -> ComposeResult:
        demo = bool(getattr(self._runtime, "simulated", False))
        badge = Static(f"{DEMO_BADGE} · pair detail" if demo else "Pair detail · Yahoo Finance", id="pair-badge")
        badge.set_class(demo, "-demo")
        yield badge
        with VerticalScroll(id="pair-body"):
            yield Static(id="pair-title")
            yield Static("Multiples in USD, each side's aggregate (Σ cap / Σ earnings, each company once)",
                         classes="pair-heading")
            yield Static(id="pair-multiples")
            yield Static("Relative performance, one year (FX-adjusted log price ratio)", classes="pair-heading")
            yield Static(id="pair-history")
            yield Static("Intraday", id="pair-intraday-heading", classes="pair-heading")
            yield Static(id="pair-intraday")
            yield Static("The parts: price, shares, EPS, statements, FX — source and time of each",
                         classes="pair-heading")
            yield Static(id="pair-parts")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#pair-body").focus()
        self.redraw()
        self.set_interval(REFRESH_SECONDS, self._tick)
        feed = getattr(self._runtime, "feed", None)
        if feed is not None:
            self.run_worker(self._fetch(feed), name="pair-history", exit_on_error=False)
        else:
            self._set_history_state()

    def _set_history_state(self, failed: bool = False) -> None:
        self.history_state = ("daily history: not available from the data source" if failed
                              else "daily history: not held yet (it arrives with the feed's background fetch)")

    async def _fetch(self, feed) -> None:
        store = self.store
        asked = _HISTORY_ASKED.setdefault(store, set())
        needed = history_symbols(self.watchlist, self.pair, store)
        try:
            await ensure_history(feed, store, needed, asked)
        finally:
            missing = [s for s in needed if not store.history.get(s)]
            self.history_state = (f"daily history: not available for {', '.join(missing)}" if missing
                                  else "daily history: held")
            self._seq = -1
        rest = getattr(feed, "rest", None)
        if rest is None:
            return
        cache = _INTRADAY.setdefault(store, {})
        for sym in self._listings():
            got = cache.get(sym)
            if got is not None and self._now() - got[0] < INTRADAY_MAX_AGE:
                continue
            try:
                bars = await rest.chart(sym, "1d", "5m")
            except Exception as exc:  # noqa: BLE001 - an extra chart: log and go on
                log.info("no intraday bars for %s: %s", sym, exc)
                cache[sym] = (self._now(), [])
                continue
            cache[sym] = (self._now(), [(b.time, b.close) for b in bars if b.close is not None])
            self._seq = -1

    def _listings(self) -> list[str]:
        out = []
        for side in (self.pair.us, self.pair.cn):
            for _company, members in company_groups(self.watchlist, side):
                out += members
        return out

    def _stale_now(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        now, store = self._now(), self.store
        return tuple(stale_inputs(store, [s for _c, members in company_groups(self.watchlist, side) for s in members],
                                  now, self.stale_after) for side in (self.pair.us, self.pair.cn))

    def on_resize(self) -> None:
        self._seq = -1  # drawn again at the new width on the next tick

    def _tick(self) -> None:
        if self.store.seq != self._seq or self._stale_now() != self._stale_drawn:
            self.redraw()

    def redraw(self) -> None:
        try:
            self._redraw()
        except Exception:
            log.exception("pair detail redraw failed")

    def _redraw(self) -> None:
        store, now = self.store, self._now()
        self._seq = store.seq
        # the room a line has inside the body (its padding and scrollbar aside); before the first layout, a guess
        width = self.query_one("#pair-body").scrollable_content_region.width or max(20, (self.size.width or 100) - 4)
        pair, wl = self.pair, self.watchlist
        spread = pair_spread(store, wl, pair)
        rp = relative_performance(store, wl, pair, now=now)
        title = [(pair.name, "bold"), f"   US {', '.join(pair.us)}  vs  China {', '.join(pair.cn)}"]
        if pair.note:
            title.append((f"\n{pair.note}", "$text-muted"))
        ages = [t for s in (spread.us, spread.cn) for t in (s.fundamentals_oldest,) if t is not None]
        if ages:
            title.append(((f"\nfundamentals last refreshed {_time(max(ages))}; oldest {_time(min(ages))} — "
                           "EPS and revenue are held until the next refresh, prices move live"), "$text-muted"))
        self.query_one("#pair-title", Static).update(Content.assemble(*title))
        self._stale_drawn = stale = self._stale_now()
        self.query_one("#pair-multiples", Static).update(multiples_table(spread, stale, width))
        self.query_one("#pair-history", Static).update(
            Content("\n").join(history_lines(rp, width, self.history_state)))
        listings = self._listings()
        self.query_one("#pair-intraday-heading", Static).update(intraday_heading(store, listings, now))
        self.query_one("#pair-intraday", Static).update(
            Content("\n").join(flow_lines([intraday_line(store, s, width, now) for s in listings], width, "  ")))
        demo = bool(getattr(self._runtime, "simulated", False))
        parts: list[Content] = []
        for sym in listings:
            inst = wl.instrument(sym)
            parts += parts_lines(store, valuation(store, sym), sym, inst.name if inst else sym, demo, now,
                                 self.stale_after)
        prem = [p for p in listing_premiums(store, wl) if p.symbol in listings or p.base in listings]
        for p in prem:
            text = NO_DATA if p.premium is None else f"{p.premium * 100:+.1f}%"
            what = (f"A/H premium {p.symbol} over {p.base}" if p.kind == "A/H" else
                    f"ADR premium {p.symbol} to parity ({p.shares_per_unit:g} × {p.base}, ratio since {p.since}"
                    f"{'' if p.verified else ', unconfirmed'})")
            parts.append(Content.assemble((f"{what}: ", "bold"), text, (f"  {p.note}" if p.note else "", "$warning")))
        self.query_one("#pair-parts", Static).update(Content("\n").join(flow_lines(parts, width)))
        self.renders += 1

    def action_back(self) -> None:
        self.app.pop_screen()
