"""The document `aiwatch snapshot` prints: quotes, pair spreads, concentration, FX and the raw inputs.

`build_snapshot` returns plain data (JSON-ready: floats, strings, bools, None; never NaN); `render_json`,
`render_csv` and `render_table` turn it into text. Nothing here prints.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from tui.core.concentration import HHI_THRESHOLDS_SOURCE, concentration, hhi_label
from tui.core.freshness import DEFAULT_STALE_AFTER, age_seconds, delay_minutes, format_age, is_stale
from tui.core.sessions import market_of, state_at
from tui.core.spreads import PairSpread, SideAggregate, pair_spread
from tui.core.store import FX_SYMBOLS, MarketStore
from tui.core.valuation import valuation
from tui.model import Watchlist

SCHEMA_VERSION = 1
CSV_COLUMNS = (
    "symbol",
    "name",
    "side",
    "kind",
    "currency",
    "price",
    "change",
    "change_pct",
    "market_cap_usd",
    "pe_ttm",
    "pe_fwd",
    "ps_ttm",
    "ev_sales",
    "ey",
    "market_state",
    "stale",
    "age_s",
    "delay_minutes",
    "quote_time",
    "source",
)


def _num(x: Any) -> float | None:
    """A plain finite float, or None."""
    if x is None or isinstance(x, bool):
        return None
    try:
        f = float(x)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def _iso(t: float | None) -> str | None:
    if t is None or not math.isfinite(t):
        return None
    return datetime.fromtimestamp(t, UTC).isoformat().replace("+00:00", "Z")


def build_snapshot(
    store: MarketStore,
    watchlist: Watchlist,
    *,
    now: float,
    source: str,
    missing: Iterable[str] = (),
    stale_after: float = DEFAULT_STALE_AFTER,
) -> dict:
    """The snapshot document of `watchlist` at `now` (POSIX seconds), from what `store` holds."""
    quotes = []
    inputs: dict[str, dict] = {}
    currencies: list[str] = []
    for inst in watchlist.instruments:
        q = store.quotes.get(inst.symbol)
        if q is None:
            continue
        v = valuation(store, inst.symbol) if inst.kind == "equity" else None
        f = store.fundamentals.get(inst.symbol)
        currency = store.currency_of(inst.symbol)
        market = market_of(inst.symbol)
        quotes.append(
            {
                "symbol": inst.symbol,
                "name": inst.name,
                "side": str(inst.side),
                "company": inst.company,
                "kind": inst.kind,
                "currency": currency,
                "price": _num(q.price),
                "price_usd": _num(q.price * u) if (u := store.usd_per(currency)) is not None else None,
                "change": _num(q.change),
                "change_pct": _num(q.change_pct),
                "market_cap_usd": _num(v.market_cap_usd) if v else None,
                "pe_ttm": _num(v.pe_ttm) if v else None,
                "pe_fwd": _num(v.pe_fwd) if v else None,
                "ps_ttm": _num(v.ps_ttm) if v else None,
                "ev_sales": _num(v.ev_sales) if v else None,
                "ey": _num(v.ey) if v else None,
                "market": market.code,
                "market_state": str(state_at(market, now)),
                "stale": is_stale(q, now, stale_after=stale_after),
                "age_s": _num(age_seconds(q, now)),
                "delay_minutes": delay_minutes(q),
                "quote_time": _iso(q.time),
                "source": str(q.source),
            }
        )
        for ccy in (currency, f.financial_currency if f else None):
            if ccy and ccy.upper() != "USD" and ccy not in currencies:
                currencies.append(ccy)
        if inst.kind == "equity":
            inputs[inst.symbol] = {
                "price": _num(q.price),
                "shares": _num(f.shares_outstanding) if f else None,
                "net_income_ttm": _num(f.net_income_ttm) if f else None,
                "revenue_ttm": _num(f.revenue_ttm) if f else None,
                "eps_ttm": _num(f.eps_ttm) if f else None,
                "eps_forward": _num(f.eps_forward) if f else None,
                "total_debt": _num(f.total_debt) if f else None,
                "total_cash": _num(f.total_cash) if f else None,
                "currency": currency,
                "financial_currency": f.financial_currency if f else None,
                "fundamentals_as_of": _iso(f.as_of) if f else None,
                "market_cap_basis": v.cap_basis if v else None,
            }
    for ccy in FX_SYMBOLS:
        if store.price(FX_SYMBOLS[ccy]) is not None and ccy not in currencies:
            currencies.append(ccy)

    missing_syms = list(dict.fromkeys([*missing, *(s for s in watchlist.symbols if s not in store.quotes)]))
    conc = concentration(store, watchlist)
    return {
        "schema": SCHEMA_VERSION,
        "as_of": _iso(now),
        "source": source,
        "watchlist": watchlist.name,
        "title": watchlist.title,
        "simulated": source == "demo",
        "quotes": quotes,
        "pairs": [_pair_doc(pair_spread(store, watchlist, p)) for p in watchlist.pairs],
        "concentration": _concentration_doc(conc),
        "fx": {ccy: _num(store.usd_per(ccy)) for ccy in currencies},
        "inputs": inputs,
        "missing": missing_syms,
    }


def _side_doc(side: SideAggregate) -> dict:
    return {
        "companies": side.companies,
        "with_data": side.with_data,
        "total": side.total,
        "symbols": list(side.symbols),
        "market_cap_usd": _num(side.market_cap_usd),
        "earnings_usd": _num(side.earnings_usd),
        "revenue_usd": _num(side.revenue_usd),
        "ey": _num(side.ey),
    }


def _pair_doc(ps: PairSpread) -> dict:
    metrics = {}
    for key, m in ps.metrics.items():
        entry = {
            "us": _num(m.us),
            "cn": _num(m.cn),
            "ratio": _num(m.ratio),
            "log_ratio": _num(m.log_ratio),
            "premium_pct": _num(m.premium_pct),
        }
        if key == "pe_ttm":
            entry["ey_spread_pp"] = _num(m.ey_spread_pp)
        metrics[key] = entry
    return {
        "name": ps.pair.name,
        "note": ps.pair.note,
        "us": list(ps.pair.us),
        "cn": list(ps.pair.cn),
        "metrics": metrics,
        "us_change_pct": _num(ps.us.change_pct),
        "cn_change_pct": _num(ps.cn.change_pct),
        "members": {"us": _side_doc(ps.us), "cn": _side_doc(ps.cn)},
    }


def _concentration_doc(c) -> dict | None:
    if c is None:
        return None
    return {
        "hhi": _num(c.hhi),
        "effective_n": _num(c.effective_n),
        "n_companies": c.n_companies,
        "label": hhi_label(c.hhi),
        "thresholds": HHI_THRESHOLDS_SOURCE,
        "top1_company": c.top1_company,
        "top1_symbol": c.top1_symbol,
        "top1_share": _num(c.top1_share),
        "top3_share": _num(c.top3_share),
        "us_share": _num(c.us_share),
        "cn_share": _num(c.cn_share),
        "weights": [{"company": co, "symbol": s, "share": _num(w)} for co, s, w in c.weights],
        "missing": list(c.missing),
    }


# -- renderers ---------------------------------------------------------------------------------


def render_json(doc: dict) -> str:
    return json.dumps(doc, indent=2, allow_nan=False, ensure_ascii=False) + "\n"


def render_csv(doc: dict) -> str:
    """One row per quote, the columns of CSV_COLUMNS; empty cells where the document has null."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for q in doc["quotes"]:
        writer.writerow(["" if q.get(c) is None else q.get(c) for c in CSV_COLUMNS])
    return out.getvalue()


def _fmt(x: float | None, digits: int = 2, *, none: str = "-") -> str:
    return none if x is None else f"{x:,.{digits}f}"


def _fmt_cap(x: float | None) -> str:
    if x is None:
        return "-"
    if abs(x) >= 1e12:
        return f"{x / 1e12:.2f}T"
    if abs(x) >= 1e9:
        return f"{x / 1e9:.1f}B"
    return f"{x / 1e6:.0f}M"


def _fmt_pe(pe: float | None, ey: float | None) -> str:
    """P/E, or n/m when earnings are known but negative or near zero, or - when unknown."""
    if pe is not None:
        return f"{pe:,.1f}"
    return "n/m" if ey is not None else "-"


def _fmt_pct(x: float | None) -> str:
    return "-" if x is None else f"{x:+.2f}%"


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def render_table(doc: dict) -> str:
    """Plain aligned text, at most 100 columns wide."""
    lines: list[str] = []
    lines.append(f"aiwatch snapshot  {doc['watchlist']}  {doc['as_of']}  source: {doc['source']}")
    if doc.get("simulated"):
        lines.append("DEMO: simulated data, not market prices")
    lines.append("")
    head = (
        f"{'symbol':<10} {'name':<14} {'ccy':<3} {'price':>10} {'chg%':>8} {'cap USD':>7} "
        f"{'P/E':>7} {'P/S':>6} {'state':<7} {'age':>4} flags"
    )
    lines.append(head)
    lines.append("-" * 100)
    for q in doc["quotes"]:
        flags = []
        if q["stale"]:
            flags.append("STALE")
        if q["delay_minutes"]:
            flags.append(f"delay{q['delay_minutes']}m")
        equity = q["kind"] == "equity"
        price_digits = 4 if q["kind"] == "fx" else 2
        lines.append(
            f"{_clip(q['symbol'], 10):<10} {_clip(q['name'], 14):<14} {(q['currency'] or '?')[:3]:<3} "
            f"{_fmt(q['price'], price_digits):>10} {_fmt_pct(q['change_pct']):>8} "
            f"{_fmt_cap(q['market_cap_usd']):>7} "
            f"{_fmt_pe(q['pe_ttm'], q['ey']) if equity else '':>7} "
            f"{_fmt(q['ps_ttm'], 1) if equity else '':>6} "
            f"{q['market_state']:<7} {format_age(q['age_s'] or 0):>4} {' '.join(flags)}".rstrip()
        )
    if doc["pairs"]:
        lines.append("")
        head = (
            f"{'pair':<22} {'P/E US':>7} {'P/E CN':>7} {'US/CN':>6} {'EY pp':>7} "
            f"{'P/S US':>6} {'P/S CN':>6} {'US/CN':>6} {'chg US':>7} {'chg CN':>7} data"
        )
        lines.append(head)
        lines.append("-" * 100)
        for p in doc["pairs"]:
            pe, ps = p["metrics"]["pe_ttm"], p["metrics"]["ps_ttm"]
            mu, mc = p["members"]["us"], p["members"]["cn"]
            ey_pp = pe.get("ey_spread_pp")
            lines.append(
                f"{_clip(p['name'], 22):<22} "
                f"{_fmt_pe(pe['us'], mu['ey']):>7} {_fmt_pe(pe['cn'], mc['ey']):>7} "
                f"{_fmt(pe['ratio'], 2):>6} {'-' if ey_pp is None else f'{ey_pp:+.2f}':>7} "
                f"{_fmt(ps['us'], 1):>6} {_fmt(ps['cn'], 1):>6} {_fmt(ps['ratio'], 2):>6} "
                f"{_fmt_pct(p['us_change_pct']):>7} {_fmt_pct(p['cn_change_pct']):>7} "
                f"{mu['with_data']}/{mu['total']}|{mc['with_data']}/{mc['total']}"
            )
    c = doc.get("concentration")
    if c:
        lines.append("")
        lines.append(
            f"concentration: HHI {c['hhi']:,.0f}, {c['label']} (2010 US merger guidelines); "
            f"effective n {c['effective_n']:.1f} of {c['n_companies']}"
        )
        lines.append(
            f"  top1 {c['top1_symbol']} {c['top1_share'] * 100:.1f}%, top3 {c['top3_share'] * 100:.1f}%, "
            f"US {c['us_share'] * 100:.1f}% / CN {c['cn_share'] * 100:.1f}%"
        )
    if doc["fx"]:
        fx = "  ".join(f"{ccy} {'-' if r is None else f'{1 / r:.4f}'}/USD" for ccy, r in doc["fx"].items())
        lines.append("")
        lines.append(f"fx: {fx}")
    if doc["missing"]:
        lines.append(f"no quote: {', '.join(doc['missing'])}")
    lines.append(
        "n/m: losses or near-zero earnings; -: not known; STALE: no update while its market is open;"
    )
    lines.append(
        "data: US|CN members with fundamentals / members; EY pp: US minus CN earnings yield; cap in USD"
    )
    return "\n".join(_wrap100(lines)) + "\n"


def _wrap100(lines: list[str]) -> list[str]:
    out = []
    for line in lines:
        while len(line) > 100:
            cut = line.rfind(" ", 0, 100)
            cut = cut if cut > 0 else 100
            out.append(line[:cut])
            line = "  " + line[cut:].lstrip()
        out.append(line)
    return out
