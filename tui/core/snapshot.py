"""The document `aiwatch snapshot` prints: quotes, pair spreads, concentration, FX and the raw inputs.

`build_snapshot` returns plain data (JSON-ready: floats, strings, bools, None; never NaN); `render_json`,
`render_csv` and `render_table` turn it into text. Nothing here prints.

The document's text was cleaned where it entered the model (tui/sanitize.py); the renderers are the second line,
since their output goes to a terminal or a spreadsheet: every CSV cell passes `csv_cell` (a text cell that would
start a formula gets a leading `'`; numbers stay numbers), every table line `clean`, and the JSON is written with
`json_text` (anything a terminal acts on as a \\u escape).
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from tui.core.concentration import HHI_THRESHOLDS_SOURCE, concentration, hhi_label
from tui.core.dependency import dependency
from tui.core.freshness import DEFAULT_STALE_AFTER, age_seconds, delay_minutes, format_age, is_stale
from tui.core.history import RelativePerformance, relative_performance
from tui.core.mag7 import mag7_for_watchlist
from tui.core.sessions import holidays_known, local_date, market_of, state_at
from tui.core.spreads import PairSpread, SideAggregate, pair_spread
from tui.core.store import FX_SYMBOLS, MarketStore
from tui.core.valuation import listing_premiums, valuation
from tui.model import EXT_OVERNIGHT, EXT_POST, EXT_PRE, Watchlist
from tui.sanitize import clean, csv_cell, json_text

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
    "quote_source",  # the path this price took: stream, rest or poll
    "source_name",  # the provider of this price: yahoo, tencent or sina
    "data_source",  # demo (simulated), yahoo / tencent / sina (its real host), or other (pointed elsewhere)
    "data_source_url",  # with data_source "other": the base URL the data came from; empty otherwise
    "no_trade",  # no trade today or halted: the price is the previous close
    # added after the columns above, so that scripts reading them by position keep working
    "previous_close",  # the close of the session before the one `price` and `change` belong to
    "pre_price",  # the latest pre-market trade since the last close, and its move against that close
    "pre_change_pct",
    "post_price",  # the latest post-market trade after the last close, and its move against that close
    "post_change_pct",
    "extended_time",  # when that pre- or post-market (or overnight) trade was made
)
EXTENDED_SESSIONS = (EXT_PRE, EXT_POST, EXT_OVERNIGHT)


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
    source_url: str | None = None,
    reference_overrides: Mapping[str, Any] | None = None,
    capex: bool = False,
    deals: Any = None,
    capex_missing: Iterable[str] = (),
    sources: Iterable[Mapping[str, Any]] | None = None,
    notice: str | None = None,
) -> dict:
    """The snapshot document of `watchlist` at `now` (POSIX seconds), from what `store` holds.

    `source` is "demo" (the built-in simulator), "yahoo" (Yahoo's own hosts) or "other" (`--yahoo-url` /
    AIWATCH_YAHOO_URL pointed elsewhere), with that base URL as `source_url` (tui.runtime.data_source).
    `reference_overrides`: the [reference] table of the config in use (`--config`); None reads the default file.
    With `capex`, a `capex` object (tui.core.capex.capex_snapshot: statements, sides, deals; `deals` a loaded
    tui.core.deals.DealsData, None reads the files; `capex_missing`: equities whose statements did not come in time).
    `sources`: each upstream source of the run (tui.runtime.Runtime.sources_info: name, base_url, source,
    source_url, markets); each quote says which of them it came from (`source_name`), and each source how many
    of the document's quotes are its own. `notice`: what is missing and why (Yahoo unreachable)."""
    quotes = []
    inputs: dict[str, dict] = {}
    currencies: list[str] = []
    for inst in watchlist.instruments:
        q = store.quotes.get(inst.symbol)
        if q is None:
            continue
        v = valuation(store, inst.symbol) if inst.kind == "equity" else None
        f = store.fundamentals.get(inst.symbol)
        # an index is a level, not a price: no currency, no USD value (Yahoo labels ^GSPC "USD")
        currency = store.currency_of(inst.symbol) if inst.kind != "index" else None
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
                "ev_ebitda": _num(v.ev_ebitda) if v else None,
                "market": market.code,
                "market_state": str(state_at(market, now)),
                # False past the market's dated holiday data: the state assumes plain weekday hours
                "holidays_known": holidays_known(market, local_date(market, now)),
                "stale": is_stale(q, now, stale_after=stale_after),
                "age_s": _num(age_seconds(q, now)),
                "delay_minutes": delay_minutes(q),  # measured in session (delay_measured), else as declared
                "delay_measured": q.delay_measured,
                "quote_time": _iso(q.time),
                "source": str(q.source),  # the path: stream, rest, poll
                "source_name": q.source_name,  # the provider: yahoo, tencent, sina
                "no_trade": q.no_trade,  # no trade today or halted: `price` is the previous close
                "previous_close": _num(q.previous_close),
                **_extended_fields(q),
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
                "ebitda": _num(f.ebitda) if f else None,
                "usd_per_price_ccy": _num(v.usd_per_price_ccy) if v else None,
                "usd_per_financial_ccy": _num(v.usd_per_financial_ccy) if v else None,
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
    doc = {
        "schema": SCHEMA_VERSION,
        "as_of": _iso(now),
        "source": source,
        "source_url": source_url if source == "other" else None,
        "watchlist": watchlist.name,
        "title": watchlist.title,
        # another server may well be `aiwatch simulate`: whether its data is simulated is not known (null)
        "simulated": True if source == "demo" else (None if source == "other" else False),
        "sources": _sources_doc(sources, source, source_url, quotes),
        "notice": notice,
        "quotes": quotes,
        "pairs": [
            _pair_doc(pair_spread(store, watchlist, p), relative_performance(store, watchlist, p, now=now))
            for p in watchlist.pairs
        ],
        "concentration": _concentration_doc(conc),
        "dependency": _dependency_doc(store, watchlist),
        "mag7": _mag7_doc(store, watchlist, reference_overrides),
        "listing_premiums": _premiums_doc(store, watchlist),
        "fx": {ccy: _num(store.usd_per(ccy)) for ccy in currencies},
        "fx_quotes": _fx_quotes_doc(store, currencies),
        "inputs": inputs,
        "missing": missing_syms,
    }
    if capex:
        from tui.core.capex import capex_snapshot

        doc["capex"] = capex_snapshot(store, watchlist, deals, missing=capex_missing)
    return doc


def _sources_doc(sources: Iterable[Mapping[str, Any]] | None, source: str, source_url: str | None,
                 quotes: list[dict]) -> list[dict]:
    """Each source with the number of the document's quotes it gave (Yahoo alone, described as the document is,
    when the caller named none)."""
    if sources is None:
        sources = [{"name": "yahoo", "base_url": source_url, "source": source, "source_url": source_url,
                    "markets": ["all"]}]
    out = []
    for src in sources:
        entry = dict(src)
        entry["quotes"] = sum(1 for q in quotes if q["source_name"] == entry.get("name"))
        out.append(entry)
    return out


def _extended_fields(q) -> dict:
    """`pre_price`, `pre_change_pct`, `post_price`, `post_change_pct`, `overnight_price`, `overnight_change_pct`:
    the latest extended-hours trade since the last regular close, under its session's name (the others null),
    and `extended_time`. The day's change (`change`, `change_pct`) is never this move."""
    out: dict = {}
    for session in EXTENDED_SESSIONS:
        mine = q.ext_session == session and q.ext_price is not None
        out[f"{session}_price"] = _num(q.ext_price) if mine else None
        out[f"{session}_change_pct"] = _num(q.ext_change_pct) if mine else None
    out["extended_time"] = _iso(q.ext_time) if q.ext_price is not None else None
    return out


def _side_doc(side: SideAggregate) -> dict:
    return {
        "companies": side.companies,
        "with_data": side.with_data,
        "total": side.total,
        "symbols": list(side.symbols),
        "market_cap_usd": _num(side.market_cap_usd),
        "earnings_usd": _num(side.earnings_usd),
        "revenue_usd": _num(side.revenue_usd),
        "ebitda_usd": _num(side.ebitda_usd),
        "ev_usd": _num(side.ev_usd),
        "ey": _num(side.ey),
        "pe_ttm": _num(side.pe_ttm),
        "pe_fwd": _num(side.pe_fwd),
        "ps_ttm": _num(side.ps_ttm),
        "ev_sales": _num(side.ev_sales),
        "ev_ebitda": _num(side.ev_ebitda),
        "fundamentals_oldest": _iso(side.fundamentals_oldest),
        "fundamentals_newest": _iso(side.fundamentals_newest),
    }


def _pair_doc(ps: PairSpread, rp: RelativePerformance | None = None) -> dict:
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
        "history": _history_doc(rp),
    }


# -- relative performance, Nvidia dependency, Mag-7 share, listing premiums, FX used -------------


def _history_doc(rp: RelativePerformance | None) -> dict | None:
    """The pair's relative performance: FX-adjusted log price ratio US/CN by day, the last point live."""
    if rp is None:
        return None
    return {
        "measure": "ln(US level / CN level), levels in USD (one company: price; basket: cap at today's shares)",
        "start": rp.dates[0].isoformat(),
        "end": rp.dates[-1].isoformat(),
        "points": len(rp.log_ratio),
        "log_ratio": _num(rp.log_ratio[-1]),
        "change_pct": _num(rp.change * 100) if rp.change is not None else None,
        "z": _num(rp.z),
        "z_window": rp.window,
        "z_3m": _num(rp.z_short),
        "mean": _num(rp.mean),
        "std": _num(rp.std),
        "live": rp.live,
        "fx_basis": rp.fx_basis,
        "us_symbols": list(rp.us.symbols),
        "cn_symbols": list(rp.cn.symbols),
        "left_out": [*rp.us.left_out, *rp.cn.left_out],
        "series": [[d.isoformat(), _num(x)] for d, x in zip(rp.dates, rp.log_ratio, strict=True)],
    }


def _dependency_doc(store: MarketStore, watchlist: Watchlist) -> dict | None:
    dep = dependency(store, watchlist)
    if dep is None:
        return None
    return {
        "anchor": dep.anchor,
        "weight_in_us_side": _num(dep.weight),
        "us_companies": dep.us_companies,
        "returns": "weekly, USD, last 52 weeks",
        "names": [
            {"symbol": s.symbol, "company": s.company, "beta": _num(s.beta), "corr": _num(s.corr), "weeks": s.weeks}
            for s in dep.sensitivities
        ],
    }


def _mag7_doc(store: MarketStore, watchlist: Watchlist, overrides: Mapping[str, Any] | None = None) -> dict | None:
    m = mag7_for_watchlist(store, watchlist.symbols, overrides)
    if m is None:
        return None
    return {
        "share_est": _num(m.share),
        "label": m.label,
        "mag7_cap_usd": _num(m.mag7_cap_usd),
        "sp500_total_est_usd": _num(m.total_est_usd),
        "gspc_now": _num(m.gspc_now),
        "reference": {
            "total_cap_usd": _num(m.reference.total_cap_usd),
            "as_of": m.reference.as_of.isoformat(),
            "gspc": _num(m.reference.gspc),
            "source": m.reference.source,
            "from_config": m.reference.from_config,
        },
        "missing": list(m.missing),
        "note": m.note,
    }


def _premiums_doc(store: MarketStore, watchlist: Watchlist) -> list[dict]:
    return [
        {
            "kind": p.kind,
            "company": p.company,
            "symbol": p.symbol,
            "base": p.base,
            "premium_pct": _num(p.premium * 100) if p.premium is not None else None,
            "shares_per_unit": p.shares_per_unit,
            "ratio_since": p.since,
            "ratio_verified": p.verified,
            "note": p.note,
        }
        for p in listing_premiums(store, watchlist)
    ]


def _fx_quotes_doc(store: MarketStore, currencies: Iterable[str]) -> dict:
    """Each FX rate used: its Yahoo symbol, units per USD, and the quote's time."""
    out = {}
    for ccy in currencies:
        sym = FX_SYMBOLS.get(ccy)
        q = store.quotes.get(sym) if sym else None
        out[ccy] = {
            "symbol": sym,
            "per_usd": _num(q.price) if q else None,
            "usd_per": _num(store.usd_per(ccy)),
            "time": _iso(q.time) if q else None,
            "source": str(q.source) if q else None,
            "source_name": q.source_name if q else None,
        }
    return out


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
    return json_text(doc, indent=2, allow_nan=False) + "\n"


def render_csv(doc: dict) -> str:
    """One row per quote, the columns of CSV_COLUMNS; empty cells where the document has null."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for q in doc["quotes"]:
        writer.writerow(csv_cells(csv_row(doc, q)))
    return out.getvalue()


def csv_cells(values: Iterable[Any]) -> list:
    """A row as csv.writer should get it: None as an empty cell, text through `csv_cell` (no formulas, no control
    characters), numbers as they are."""
    return ["" if v is None else csv_cell(v) for v in values]


def csv_row(doc: dict, q: dict) -> list:
    """The CSV_COLUMNS values of quote `q` of snapshot `doc` (None where the document has null). `data_source`
    is that of the row's own provider (demo, yahoo, tencent, sina, or other with its URL)."""
    data_source, data_source_url = doc["source"], doc.get("source_url")
    for src in doc.get("sources") or ():
        if src.get("name") == q.get("source_name"):
            data_source, data_source_url = src.get("source") or data_source, src.get("source_url")
            break
    extra = {"quote_source": q.get("source"), "data_source": data_source, "data_source_url": data_source_url}
    return [extra[c] if c in extra else q.get(c) for c in CSV_COLUMNS]


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
    source = doc["source"] if not doc.get("source_url") else f"{doc['source']} ({doc['source_url']})"
    lines.append(f"aiwatch snapshot  {doc['watchlist']}  {doc['as_of']}  source: {source}")
    if len(doc.get("sources") or ()) > 1:
        lines.append("sources: " + ", ".join(
            f"{src['name']} {src.get('quotes', 0)}" + (f" ({src['source_url']})" if src.get("source_url") else "")
            for src in doc["sources"]) + " quotes")
    if doc.get("notice"):
        lines.append(f"NOTE: {doc['notice']}")
    if doc.get("simulated"):
        lines.append("DEMO: simulated data, not market prices")
    elif doc["source"] == "other":
        lines.append(f"NOT YAHOO: data from {doc.get('source_url') or 'another server'}, not Yahoo Finance "
                     "(it may be simulated)")
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
        if q.get("no_trade"):
            flags.append("no-trade")
        if q.get("source_name") and q["source_name"] != "yahoo":
            flags.append(q["source_name"])
        if q.get("holidays_known") is False:
            flags.append("holidays-unknown")
        for session in EXTENDED_SESSIONS:
            if q.get(f"{session}_price") is not None:  # the extended-hours move, labelled (its price: json, csv)
                flags.append(f"{session} {_fmt_pct(q[f'{session}_change_pct'])}")
        equity = q["kind"] == "equity"
        price_digits = 4 if q["kind"] == "fx" else 2
        lines.append(
            f"{_clip(q['symbol'], 10):<10} {_clip(q['name'], 14):<14} "
            f"{(q['currency'] or ('' if q['kind'] == 'index' else '?'))[:3]:<3} "
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
    if doc.get("capex"):
        from tui.core.capex import render_capex_table

        lines.extend(render_capex_table(doc["capex"]))
    if doc["fx"]:
        fx = "  ".join(f"{ccy} {'-' if r is None else f'{1 / r:.4f}'}/USD" for ccy, r in doc["fx"].items())
        lines.append("")
        lines.append(f"fx: {fx}")
    if doc["missing"]:
        lines.append(f"no quote: {', '.join(doc['missing'])}")
    lines.append(
        "chg%: the day's change against the previous session's close (after the close: that session's); "
        "pre/post: the latest extended-hours trade and its move against the last close"
    )
    lines.append(
        "n/m: losses or near-zero earnings; -: not known; STALE: no update while its market is open;"
    )
    lines.append(
        "delayNm: N minutes late (measured in session); no-trade: halted or no trade today, the previous close;"
        " tencent/sina: the price's source (else yahoo)"
    )
    lines.append(
        "data: US|CN members with fundamentals / members; EY pp: US minus CN earnings yield; cap in USD"
    )
    return "\n".join(clean(line, None) for line in _wrap100(lines)) + "\n"


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
