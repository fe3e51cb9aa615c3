"""Can the capex pay? Capex, cash flow and debt per company and per side of a watchlist, from reported parts.

Every figure is computed from the statement lines the store holds (tui/core/statements.py), never taken from a
ratio Yahoo computed:

- TTM of a flow line at a quarter end = Yahoo's `trailing` point at that quarter end when there is one, else its
  annual (12-month) point ending there, else the sum of four consecutive quarters ending there (each three months
  after the one before, one currency), else None ("n/a"): never three quarters passed off as four.
- The TTM figures of a company all end at its latest *complete* quarter: the newest quarter end at which capex,
  revenue and operating cash flow are all reported. A newer quarter with only some of them (income lines often
  come before cash-flow lines) is `partial_quarter`, shown but not summed.
- Capex is a positive amount spent (Yahoo reports it negative); free cash flow = operating cash flow + reported
  capex (Yahoo's own definition); capex / revenue and FCF margin in the statement currency (currency-free).
- Growth = TTM / TTM a year earlier − 1, only when both exist (eight quarters held, or a year-old TTM point):
  else None. Not meaningful (None) when the earlier TTM is not above zero.
- Net debt = total debt − cash and cash equivalents at the latest balance-sheet date holding both (Yahoo's own
  NetDebt uses the same cash; without both parts, Yahoo's NetDebt is taken and `net_debt_basis` says so). Net
  debt / EBITDA uses TTM EBITDA (None unless EBITDA > 0; negative when cash exceeds debt). Interest coverage =
  TTM EBIT / TTM interest expense, None ("n/a") when interest expense is not reported or zero.
- USD figures: each amount times the live FX rate of its statement currency (store.usd_per); None while the rate
  is unknown. Ratios do not need it.
- Per side of a watchlist, each company once (the listing whose statements are newest): Σ capex, Σ revenue,
  Σ operating cash flow, Σ free cash flow over the companies whose TTM capex, revenue and operating cash flow are
  all known in USD, and capex intensity = Σ capex / Σ revenue over those same companies.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import pairwise

from tui.core.statements import Point, Statements
from tui.core.store import MarketStore, fx_symbol
from tui.model import Side, Watchlist

CORE_LINES = ("capex", "revenue", "ocf")  # a quarter with all three is complete
TTM_LINES = ("capex", "revenue", "ocf", "ebitda", "ebit", "interest_expense")
TREND_QUARTERS = 8


def _month(d: dt.date) -> int:
    return d.year * 12 + d.month


def _month_end(m: int) -> dt.date:
    """The last day of month index `m` (year * 12 + month)."""
    year, month = divmod(m - 1, 12)
    first_next = dt.date(year + (month + 1) // 12, (month + 1) % 12 + 1, 1)
    return first_next - dt.timedelta(days=1)


def _finite(x: float | None) -> float | None:
    return x if x is not None and math.isfinite(x) else None


def _div(num: float | None, den: float | None) -> float | None:
    if num is None or den is None or den == 0:
        return None
    return _finite(num / den)


@dataclass(frozen=True, slots=True)
class Ttm:
    """A trailing-twelve-month value as reported (capex negative), the quarter end it runs to, and how it was
    obtained: "trailing" (Yahoo's TTM point), "annual" (a fiscal year ending there) or "4 quarters" (summed)."""

    value: float
    end: dt.date
    basis: str
    currency: str | None


def _at(points: Iterable[Point], end: dt.date) -> Point | None:
    m = _month(end)
    for p in points:
        if _month(p.as_of) == m:
            return p
    return None


def ttm(st: Statements, line: str, end: dt.date) -> Ttm | None:
    """TTM of `line` to the quarter ending `end` (see the module docstring), or None."""
    p = _at(st.points("trailing", line), end)
    if p is not None:
        return Ttm(p.value, p.as_of, "trailing", p.currency)
    p = _at(st.points("annual", line), end)
    if p is not None:
        return Ttm(p.value, p.as_of, "annual", p.currency)
    quarters = st.points("quarterly", line)
    m = _month(end)
    idx = next((i for i, q in enumerate(quarters) if _month(q.as_of) == m), None)
    if idx is None or idx < 3:
        return None
    chain = quarters[idx - 3: idx + 1]
    if any(_month(b.as_of) - _month(a.as_of) != 3 for a, b in pairwise(chain)):
        return None  # a quarter is missing in the window
    currencies = {q.currency for q in chain}
    if len(currencies) != 1:
        return None
    return Ttm(math.fsum(q.value for q in chain), chain[-1].as_of, "4 quarters", chain[-1].currency)


def _has(st: Statements, line: str, end: dt.date) -> bool:
    return _at(st.points("quarterly", line), end) is not None or _at(st.points("trailing", line), end) is not None


def complete_quarter(st: Statements) -> dt.date | None:
    """The newest quarter end at which every core line (capex, revenue, operating cash flow) is reported; failing
    that, the newest fiscal year end with all three annual points (companies Yahoo has no quarters for)."""
    ends = sorted({p.as_of for (period, line), pts in st.series.items()
                   if period in ("quarterly", "trailing") and line in CORE_LINES for p in pts}, reverse=True)
    for end in ends:
        if all(_has(st, line, end) for line in CORE_LINES):
            return end
    years = sorted({p.as_of for line in CORE_LINES for p in st.points("annual", line)}, reverse=True)
    for end in years:
        if all(_at(st.points("annual", line), end) is not None for line in CORE_LINES):
            return end
    return None


@dataclass(frozen=True, slots=True)
class QuarterRow:
    """One quarter as reported, in the statement currency: capex spent (positive), operating cash flow, free cash
    flow (= operating cash flow − capex spent, None unless both are there), revenue. None: not reported."""

    as_of: dt.date  # the quarter end (for a quarter missing from what is held: its month end, every value None)
    capex: float | None
    ocf: float | None
    fcf: float | None
    revenue: float | None
    currency: str | None


def quarter_rows(st: Statements, n: int = TREND_QUARTERS) -> tuple[QuarterRow, ...]:
    """The last `n` quarter slots up to the newest quarter end held, oldest first, gaps as rows of None."""
    lines = {line: {_month(p.as_of): p for p in st.points("quarterly", line)} for line in CORE_LINES}
    months = set().union(*lines.values())
    if not months:
        return ()
    newest = max(months)
    rows = []
    for m in (newest - 3 * k for k in range(n - 1, -1, -1)):
        cap, ocf, rev = lines["capex"].get(m), lines["ocf"].get(m), lines["revenue"].get(m)
        held = [p for p in (cap, ocf, rev) if p is not None]
        if not held and m < min(months):
            continue  # before anything held: not a gap, just not known
        fcf = ocf.value + cap.value if cap is not None and ocf is not None and cap.currency == ocf.currency else None
        rows.append(QuarterRow(
            as_of=held[0].as_of if held else _month_end(m),
            capex=-cap.value if cap is not None else None,
            ocf=ocf.value if ocf is not None else None,
            fcf=fcf,
            revenue=rev.value if rev is not None else None,
            currency=held[0].currency if held else None,
        ))
    return tuple(rows)


@dataclass(frozen=True, slots=True)
class CompanyCapex:
    symbol: str  # the listing whose statements are used
    company: str
    name: str
    side: Side
    has_statements: bool = False
    statement_currency: str | None = None
    usd_per: float | None = None  # USD per unit of the statement currency, live
    latest_quarter: dt.date | None = None  # the quarter end the TTM figures run to (else the newest quarter end held)
    partial_quarter: dt.date | None = None  # a newer quarter with only some lines reported
    partial_lines: tuple[str, ...] = ()
    ttm_basis: dict[str, str | None] = field(default_factory=dict)
    capex: float | None = None  # TTM, statement currency, positive = spent
    revenue: float | None = None
    ocf: float | None = None
    fcf: float | None = None
    ebitda: float | None = None
    ebit: float | None = None
    interest_expense: float | None = None
    capex_usd: float | None = None
    revenue_usd: float | None = None
    ocf_usd: float | None = None
    fcf_usd: float | None = None
    ebitda_usd: float | None = None
    capex_to_revenue: float | None = None  # a fraction
    fcf_margin: float | None = None
    capex_growth: float | None = None  # a fraction: 0.5 = +50 % on the TTM a year earlier
    revenue_growth: float | None = None
    total_debt: float | None = None
    cash: float | None = None
    net_debt: float | None = None
    net_debt_basis: str | None = None  # "total debt − cash" or "Yahoo NetDebt"
    balance_as_of: dt.date | None = None
    net_debt_usd: float | None = None
    net_debt_to_ebitda: float | None = None
    interest_coverage: float | None = None
    interest_reported: bool = False  # False: no interest expense reported for the latest quarter (coverage "n/a")
    quarters: tuple[QuarterRow, ...] = ()
    fetched_at: float | None = None


def _usd(value: float | None, rate: float | None) -> float | None:
    return _finite(value * rate) if value is not None and rate is not None else None


def _growth(now: Ttm | None, before: Ttm | None) -> float | None:
    if now is None or before is None or now.currency != before.currency or before.value <= 0:
        return None
    return _finite(now.value / before.value - 1.0)


def _year_before(st: Statements, line: str, end: dt.date) -> Ttm | None:
    target = _month(end) - 12
    for period in ("trailing", "annual", "quarterly"):
        for p in st.points(period, line):
            if _month(p.as_of) == target:
                return ttm(st, line, p.as_of)
    return None


def _balance(st: Statements) -> tuple[float | None, float | None, float | None, str | None, dt.date | None,
                                      str | None]:
    """(total debt, cash, net debt, basis, as of, currency) at the newest balance-sheet date."""

    def by_date(line: str) -> dict[dt.date, Point]:
        out = {p.as_of: p for p in st.points("annual", line)}
        out.update({p.as_of: p for p in st.points("quarterly", line)})
        return out

    debt, cash, net = by_date("total_debt"), by_date("cash"), by_date("net_debt")
    dates = sorted(set(debt) | set(cash) | set(net), reverse=True)
    for d in dates:
        td, c, nd = debt.get(d), cash.get(d), net.get(d)
        if td is not None and c is not None and td.currency == c.currency:
            return td.value, c.value, td.value - c.value, "total debt − cash", d, td.currency
        if nd is not None:
            return (td.value if td else None), (c.value if c else None), nd.value, "Yahoo NetDebt", d, nd.currency
    return None, None, None, None, None, None


def company_capex(store: MarketStore, symbol: str, *, company: str = "", name: str = "",
                  side: Side = Side.US) -> CompanyCapex:
    """The capex figures of the listing `symbol` from the store (memoised on its statements and FX quote)."""
    st = store.statements.get(symbol)
    ccy = st.currency if st is not None else None
    fx = fx_symbol(ccy) if ccy else None
    inputs = (st, store.quotes.get(fx) if fx else None, company, name, side)
    key = ("capex", symbol)
    held = store.memo.get(key)
    if held is not None and all(a is b or a == b for a, b in zip(held[0], inputs, strict=True)):
        return held[1]  # type: ignore[return-value]
    value = _company(store, symbol, st, company or symbol, name or symbol, side)
    store.memo[key] = (inputs, value)
    return value


def _company(store: MarketStore, symbol: str, st: Statements | None, company: str, name: str,
             side: Side) -> CompanyCapex:
    if st is None or st.is_empty():
        return CompanyCapex(symbol, company, name, side, fetched_at=st.fetched_at if st is not None else None)
    ccy = st.currency
    rate = store.usd_per(ccy)
    end = complete_quarter(st)
    quarters = quarter_rows(st)
    newest = max(st.quarter_ends) if st.quarter_ends else None
    partial, partial_lines = None, ()
    if newest is not None and (end is None or newest > end):
        present = tuple(line for line in CORE_LINES if _has(st, line, newest))
        if present:
            partial, partial_lines = newest, present
    t = {line: (ttm(st, line, end) if end is not None else None) for line in TTM_LINES}

    def val(line: str) -> float | None:
        x = t[line]
        return x.value if x is not None else None

    cap_r, rev, ocf = val("capex"), val("revenue"), val("ocf")
    cap_ccy = {x.currency for x in (t["capex"], t["revenue"], t["ocf"]) if x is not None}
    one_ccy = len(cap_ccy) <= 1
    capex = -cap_r if cap_r is not None else None
    fcf = ocf + cap_r if ocf is not None and cap_r is not None and one_ccy else None
    ebitda, ebit, interest = val("ebitda"), val("ebit"), val("interest_expense")
    interest = abs(interest) if interest is not None else None
    td, cash, nd, basis, bal_date, bal_ccy = _balance(st)
    same_bal = bal_ccy == (t["ebitda"].currency if t["ebitda"] else bal_ccy)
    coverage = _div(ebit, interest) if interest else None
    return CompanyCapex(
        symbol=symbol, company=company, name=name, side=side, has_statements=True, statement_currency=ccy,
        usd_per=rate, latest_quarter=end or newest, partial_quarter=partial, partial_lines=partial_lines,
        ttm_basis={line: (x.basis if x is not None else None) for line, x in t.items()},
        capex=capex, revenue=rev, ocf=ocf, fcf=fcf, ebitda=ebitda, ebit=ebit, interest_expense=interest,
        capex_usd=_usd(capex, rate), revenue_usd=_usd(rev, rate), ocf_usd=_usd(ocf, rate),
        fcf_usd=_usd(fcf, rate), ebitda_usd=_usd(ebitda, rate),
        capex_to_revenue=_div(capex, rev) if one_ccy and rev and rev > 0 else None,
        fcf_margin=_div(fcf, rev) if rev and rev > 0 else None,
        capex_growth=_growth(_neg(t["capex"]), _neg(_year_before(st, "capex", end)) if end else None),
        revenue_growth=_growth(t["revenue"], _year_before(st, "revenue", end) if end else None),
        total_debt=td, cash=cash, net_debt=nd, net_debt_basis=basis, balance_as_of=bal_date,
        net_debt_usd=_usd(nd, store.usd_per(bal_ccy)) if nd is not None else None,
        net_debt_to_ebitda=_div(nd, ebitda) if ebitda is not None and ebitda > 0 and same_bal else None,
        interest_coverage=coverage,
        interest_reported=end is not None and (_has(st, "interest_expense", end)
                                               or _at(st.points("annual", "interest_expense"), end) is not None),
        quarters=quarters, fetched_at=st.fetched_at,
    )


def _neg(x: Ttm | None) -> Ttm | None:
    """Capex as spent (positive) for growth."""
    return Ttm(-x.value, x.end, x.basis, x.currency) if x is not None else None


# -- per side of a watchlist ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SideCapex:
    side: Side
    companies: int  # companies on this side (equities, each company once)
    with_data: int  # those counted: TTM capex, revenue and operating cash flow known in USD
    left_out: tuple[str, ...]  # names of the companies not counted
    capex_usd: float | None
    revenue_usd: float | None
    ocf_usd: float | None
    fcf_usd: float | None
    capex_to_revenue: float | None
    fcf_margin: float | None
    oldest_quarter: dt.date | None  # the spread of the counted companies' TTM ends
    newest_quarter: dt.date | None


def side_capex(side: Side, rows: Iterable[CompanyCapex]) -> SideCapex:
    rows = [r for r in rows if r.side == side]
    counted = [r for r in rows if r.capex_usd is not None and r.revenue_usd is not None and r.ocf_usd is not None]
    if not counted:
        return SideCapex(side, len(rows), 0, tuple(r.name for r in rows), None, None, None, None, None, None,
                         None, None)
    capex = math.fsum(r.capex_usd for r in counted)  # type: ignore[misc]
    revenue = math.fsum(r.revenue_usd for r in counted)  # type: ignore[misc]
    ocf = math.fsum(r.ocf_usd for r in counted)  # type: ignore[misc]
    fcf = ocf - capex
    ends = [r.latest_quarter for r in counted if r.latest_quarter is not None]
    return SideCapex(side, len(rows), len(counted), tuple(r.name for r in rows if r not in counted), capex, revenue,
                     ocf, fcf, _div(capex, revenue) if revenue > 0 else None, _div(fcf, revenue) if revenue > 0 else None,
                     min(ends) if ends else None, max(ends) if ends else None)


@dataclass(frozen=True, slots=True)
class CapexView:
    companies: tuple[CompanyCapex, ...]  # one per company, in watchlist order
    sides: dict[Side, SideCapex]


def _pick(store: MarketStore, symbols: list[str]) -> str:
    """The listing of a company whose statements run latest (ties: the first on the list)."""
    best, best_key = symbols[0], None
    for s in symbols:
        st = store.statements.get(s)
        if st is None or st.is_empty():
            continue
        end = complete_quarter(st)
        key = (end is not None, end or dt.date.min, max(st.quarter_ends, default=dt.date.min))
        if best_key is None or key > best_key:
            best, best_key = s, key
    return best


def capex_view(store: MarketStore, watchlist: Watchlist) -> CapexView:
    """Every company of `watchlist` (equities, each company once) and the two sides' totals."""
    by_company: dict[str, list] = {}
    for inst in watchlist.instruments:
        if inst.kind == "equity":
            by_company.setdefault(inst.company or inst.symbol, []).append(inst)
    rows = []
    for company, insts in by_company.items():
        symbol = _pick(store, [i.symbol for i in insts])
        inst = next(i for i in insts if i.symbol == symbol)
        rows.append(company_capex(store, symbol, company=company, name=inst.name, side=inst.side))
    return CapexView(tuple(rows), {side: side_capex(side, rows) for side in (Side.US, Side.CN)})


# -- the snapshot's `capex` object ------------------------------------------------------------------------------


def _n(x: float | None) -> float | None:
    return x if x is not None and math.isfinite(x) else None


def _day(d: dt.date | None) -> str | None:
    return d.isoformat() if d is not None else None


def deal_doc(deal, store: MarketStore | None = None) -> dict:
    """One deal as JSON; a warrant's shares valued at its listing's live price in USD (`value_usd`, else null)."""
    value = None
    if deal.shares is not None and deal.share_symbol and store is not None:
        from tui.core.deals import warrant_value_usd

        price = store.price(deal.share_symbol)
        rate = store.usd_per(store.currency_of(deal.share_symbol))
        value = warrant_value_usd(deal, price * rate if price is not None and rate is not None else None)
    return {
        "id": deal.id, "date": deal.date_text, "parties": list(deal.parties), "payer": deal.payer,
        "payee": deal.payee, "kind": deal.kind, "size_usd": _n(deal.size_usd), "size_usd_min": _n(deal.size_usd_min),
        "size_usd_max": _n(deal.size_usd_max), "money": deal.money, "shares": _n(deal.shares),
        "share_symbol": deal.share_symbol, "value_usd": _n(value), "status": deal.status, "source": deal.source,
        "what": deal.what, "note": deal.note,
    }


def _flow_doc(flow) -> dict:
    return {"low_usd": _n(flow.low), "high_usd": _n(flow.high), "undisclosed": flow.undisclosed, "deals": flow.rows}


def capex_snapshot(store: MarketStore, watchlist: Watchlist, deals=None, *, missing: Iterable[str] = ()) -> dict:
    """The `capex` object of `aiwatch snapshot --capex` (docs/capex.md): companies, sides, deals, the circle.
    Amounts in USD at the live FX rate unless a name says otherwise; a value not known is null, never 0."""
    from tui.core import deals as deals_mod

    data = deals if deals is not None else deals_mod.load_deals()
    view = capex_view(store, watchlist)
    companies = []
    for c in view.companies:
        companies.append({
            "symbol": c.symbol,
            "company": c.company,
            "name": c.name,
            "side": str(c.side),
            "statement_currency": c.statement_currency,
            "usd_per_statement_ccy": _n(c.usd_per),
            "latest_quarter": _day(c.latest_quarter),
            "partial_quarter": _day(c.partial_quarter),
            "partial_lines": list(c.partial_lines),
            "ttm": {
                "capex_usd": _n(c.capex_usd),
                "revenue_usd": _n(c.revenue_usd),
                "ocf_usd": _n(c.ocf_usd),
                "fcf_usd": _n(c.fcf_usd),
                "ebitda_usd": _n(c.ebitda_usd),
                "capex_to_revenue": _n(c.capex_to_revenue),
                "fcf_margin": _n(c.fcf_margin),
            },
            "ttm_basis": {k: v for k, v in c.ttm_basis.items()},
            "capex_growth": _n(c.capex_growth),
            "revenue_growth": _n(c.revenue_growth),
            "net_debt_usd": _n(c.net_debt_usd),
            "net_debt_basis": c.net_debt_basis,
            "balance_as_of": _day(c.balance_as_of),
            "net_debt_to_ebitda": _n(c.net_debt_to_ebitda),
            "interest_coverage": _n(c.interest_coverage),
            "interest_reported": c.interest_reported if c.has_statements else None,
            "quarters": [
                {"as_of": q.as_of.isoformat(), "capex": _n(q.capex), "ocf": _n(q.ocf), "fcf": _n(q.fcf),
                 "revenue": _n(q.revenue)}
                for q in c.quarters
            ],
            "statements_fetched_at": _iso(c.fetched_at),
            "deals": [d.id for d in data.of(c.company)],
            "money_in": _flow_doc(deals_mod.money_in(data, c.company)),
            "money_out": _flow_doc(deals_mod.money_out(data, c.company)),
            "bonds": _flow_doc(deals_mod.bonds(data, c.company)),
        })
    sides = {}
    for side, s in view.sides.items():
        sides[str(side)] = {
            "capex_usd": _n(s.capex_usd), "revenue_usd": _n(s.revenue_usd), "ocf_usd": _n(s.ocf_usd),
            "fcf_usd": _n(s.fcf_usd), "capex_to_revenue": _n(s.capex_to_revenue), "fcf_margin": _n(s.fcf_margin),
            "companies": s.companies, "with_data": s.with_data, "left_out": list(s.left_out),
            "oldest_quarter": _day(s.oldest_quarter), "newest_quarter": _day(s.newest_quarter),
        }
    circle = deals_mod.commitments(data, "openai")
    rev = circle.revenue
    return {
        "companies": companies,
        "sides": sides,
        "deals": [deal_doc(d, store) for d in sorted(data.deals, key=lambda d: (d.date, d.id), reverse=True)],
        "deals_as_of": _day(data.as_of),
        "deals_problems": [str(p) for p in data.problems],
        "openai_circle": {
            "commitments_usd_low": _n(circle.flow.low) if circle.flow.rows else None,
            "commitments_usd_high": _n(circle.flow.high) if circle.flow.rows else None,
            "undisclosed": circle.flow.undisclosed,
            "deals": [d.id for d in circle.deals],
            "revenue_usd": _n(rev.amount_min) if rev else None,
            "revenue_period": rev.period if rev else None,
            "revenue_date": rev.date_text if rev else None,
            "revenue_status": rev.status if rev else None,
            "revenue_source": rev.source if rev else None,
            "revenue_annualised_usd": _n(circle.revenue_annualised_usd),
            "commitments_to_revenue": _n(circle.ratio),
        },
        "missing": sorted(missing),
    }


def _iso(t: float | None) -> str | None:
    if t is None or not math.isfinite(t):
        return None
    return dt.datetime.fromtimestamp(t, dt.UTC).isoformat().replace("+00:00", "Z")


# -- the snapshot's table -----------------------------------------------------------------------------------------


def fmt_usd(x: float | None) -> str:
    """$1.23T, $45.6B, $789M; "—" when not known."""
    if x is None:
        return "—"
    sign = "-" if x < 0 else ""
    x = abs(x)
    if x >= 1e12:
        return f"{sign}${x / 1e12:.2f}T"
    if x >= 1e9:
        return f"{sign}${x / 1e9:.1f}B"
    return f"{sign}${x / 1e6:.0f}M"


def fmt_pct(x: float | None, *, signed: bool = False) -> str:
    if x is None:
        return "—"
    return f"{x * 100:+.0f}%" if signed else f"{x * 100:.0f}%"


def fmt_times(x: float | None, *, none: str = "—") -> str:
    return none if x is None else f"{x:.1f}×"


def render_capex_table(cx: dict) -> list[str]:
    """The snapshot's capex section as plain lines (at most 100 columns)."""
    lines = ["", "capex, cash flow and debt (TTM, USD at the live FX rate; growth on the TTM a year earlier)"]
    lines.append(f"{'symbol':<10} {'ccy':<3} {'TTM to':<10} {'capex':>8} {'cap/rev':>7} {'capex Δ':>7} "
                 f"{'rev Δ':>6} {'FCF':>8} {'FCF mgn':>7} {'ND/EBITDA':>9} {'cover':>6}")
    lines.append("-" * 100)
    for c in cx["companies"]:
        t = c["ttm"]
        cover = fmt_times(c["interest_coverage"], none="n/a" if c["interest_reported"] is False else "—")
        nd = c["net_debt_to_ebitda"]
        leverage = "net cash" if nd is not None and nd < 0 else fmt_times(nd)
        lines.append(
            f"{c['symbol'][:10]:<10} {(c['statement_currency'] or '?')[:3]:<3} {c['latest_quarter'] or '—':<10} "
            f"{fmt_usd(t['capex_usd']):>8} {fmt_pct(t['capex_to_revenue']):>7} "
            f"{fmt_pct(c['capex_growth'], signed=True):>7} {fmt_pct(c['revenue_growth'], signed=True):>6} "
            f"{fmt_usd(t['fcf_usd']):>8} {fmt_pct(t['fcf_margin']):>7} {leverage:>9} "
            f"{cover:>6}"
            + (f"  partial {c['partial_quarter']}" if c["partial_quarter"] else "")
        )
    for name, s in cx["sides"].items():
        lines.append(
            f"{name.upper()} side: capex {fmt_usd(s['capex_usd'])} on revenue {fmt_usd(s['revenue_usd'])} "
            f"({fmt_pct(s['capex_to_revenue'])}), FCF after capex {fmt_usd(s['fcf_usd'])}; "
            f"{s['with_data']}/{s['companies']} companies with data"
        )
    oc = cx["openai_circle"]
    if oc["commitments_usd_low"] is not None:
        ratio = oc["commitments_to_revenue"]
        lines.append(
            f"OpenAI's commitments: at least {fmt_usd(oc['commitments_usd_low'])}"
            + (f" (+{oc['undisclosed']} undisclosed)" if oc["undisclosed"] else "")
            + (f" = {ratio:.0f}× its annualised revenue ({fmt_usd(oc['revenue_annualised_usd'])}, est. from "
               f"{oc['revenue_period']} {fmt_usd(oc['revenue_usd'])}, {oc['revenue_status']})" if ratio else "")
        )
    lines.append(f"deals: {len(cx['deals'])} rows as of {cx['deals_as_of'] or '—'} (tui/data/deals.toml); "
                 "—: not known; n/a: not reported")
    if cx["missing"]:
        lines.append(f"no statements in time: {', '.join(cx['missing'])}")
    return lines
