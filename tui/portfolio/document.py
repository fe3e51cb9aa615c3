"""The snapshot's `portfolio` object (`aiwatch snapshot --portfolio NAME`), and its table and CSV renderings.

Amounts in the base currency are rounded to cents; each position's `pnl_price` is its rounded unrealized P&L
less its rounded `pnl_fx`, so that `pnl_price + pnl_fx == unrealized_pnl` holds in the document exactly as in
the computation (read the JSON with decimals to see it to the cent). A value that is not known is null, never 0.
docs/portfolio.md lists every field.
"""

from __future__ import annotations

import csv
import io
import textwrap
from datetime import UTC, datetime
from decimal import Decimal

from tui.portfolio.exposure import Exposure
from tui.portfolio.ledger import qty_text
from tui.portfolio.money import as_float, round_money
from tui.portfolio.pairs import PairTrade
from tui.portfolio.valuation import BookValue, Position
from tui.sanitize import csv_cell

SIX = 6  # decimals of a weight, a ratio, a native price


def _money(x: Decimal | None) -> float | None:
    return as_float(round_money(x))


def _fine(x: Decimal | None, places: int = SIX) -> float | None:
    return as_float(round_money(x, places))


def _split(unrealized: Decimal | None, fx: Decimal | None) -> tuple[float | None, float | None, float | None]:
    """(unrealized, price effect, FX effect) rounded so that the two effects add up to the unrealized P&L."""
    u, f = round_money(unrealized), round_money(fx)
    price = u - f if u is not None and f is not None else None
    return as_float(u), as_float(price), as_float(f)


def _quantity(q: Decimal) -> float | int:
    return int(q) if q == q.to_integral_value() else float(q)


def _iso(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).isoformat().replace("+00:00", "Z")


def position_doc(p: Position) -> dict:
    unrealized, pnl_price, pnl_fx = _split(p.unrealized, p.pnl_fx) if p.is_open else (0.0, 0.0, 0.0)
    return {
        "symbol": p.symbol,
        "name": p.name,
        "company": p.company,
        "side": p.side,
        "quantity": _quantity(p.quantity),
        "avg_cost": _fine(p.avg_cost),
        "currency": p.currency,
        "price": as_float(p.price),
        "value": _money(p.value),
        "unrealized_pnl": unrealized,
        "pnl_price": pnl_price,
        "pnl_fx": pnl_fx,
        "day_pnl": _money(p.day_pnl),
        "realized_pnl": _money(p.realized),
        "dividends": _money(p.dividends),
        "weight": _fine(p.weight),
        "cost_basis": _money(p.cost) if p.is_open else 0.0,
        "approximate": p.approximate,
        "stale": p.stale,
        "delay_minutes": p.delay_minutes,
        "unverified_actions": list(p.unverified),
        "missing": p.missing,
    }


def exposure_doc(e: Exposure | None) -> dict | None:
    if e is None:
        return None
    return {
        "by_side": {k: _money(v) for k, v in e.by_side.items()},
        "by_currency": {k: _money(v) for k, v in e.by_currency.items()},
        "by_company": {c.company: _money(c.net) for c in e.by_company},
        "companies": [{"company": c.company, "net": _money(c.net), "gross": _money(c.gross),
                       "symbols": list(c.symbols), "local_symbol": c.local_symbol,
                       "local_shares": _quantity(c.shares)} for c in e.by_company],
        "hhi": None if e.hhi is None else round(e.hhi, 1),
        "effective_n": None if e.effective_n is None else round(e.effective_n, 3),
        "hhi_basis": "absolute net exposure of each company / their sum",
        "nvda_beta_dollars": _money(e.beta_dollars),
        "nvda_down_10pct_pnl": _money(e.nvda_down_10),
        "betas": {k: None if v is None else round(v, 4) for k, v in e.betas.items()},
        "beta_missing": list(e.beta_missing),
        "beta_basis": "weekly USD returns, last 52 weeks, against NVDA (NVDA itself 1.0)",
    }


def pair_doc(t: PairTrade) -> dict:
    return {
        "name": t.name,
        "legs": [{"symbol": leg.symbol, "quantity": _quantity(leg.quantity), "value": _money(leg.value),
                  "unrealized_pnl": _money(leg.unrealized), "realized_pnl": _money(leg.realized),
                  "pnl": _money(leg.pnl), "entry_notional": _money(leg.entry_notional)} for leg in t.legs],
        "spread_pnl": _money(t.pnl),
        "gross": _money(t.gross),
        "net": _money(t.net),
        "hedge_ratio_entry": _fine(t.hedge_entry),
        "hedge_ratio_now": _fine(t.hedge_now),
        "hedge_drift": _fine(t.drift),
    }


def portfolio_doc(bv: BookValue, e: Exposure | None, pairs: list[PairTrade], *, simulated: bool | None) -> dict:
    """The snapshot's `portfolio` object."""
    unrealized, pnl_price, pnl_fx = _split(bv.unrealized, bv.pnl_fx)
    return {
        "name": bv.book.name,
        "title": bv.book.title,
        "demo_book": bv.book.demo,
        "simulated": simulated,
        "base_currency": bv.base,
        "as_of": _iso(bv.as_of),
        "nav": _money(bv.nav),
        "cash": _money(bv.cash),
        "cash_by_currency": {k: as_float(v) for k, v in bv.cash_by_currency.items()},
        "long_value": _money(bv.long_value),
        "short_value": _money(bv.short_value),
        "gross": _money(bv.gross),
        "net": _money(bv.net),
        "gross_to_nav": _fine(bv.gross_ratio),
        "net_to_nav": _fine(bv.net_ratio),
        "day_pnl": _money(bv.day_pnl),
        "unrealized_pnl": unrealized,
        "pnl_price": pnl_price,
        "pnl_fx": pnl_fx,
        "realized_pnl": _money(bv.realized),
        "dividends": _money(bv.dividends),
        "total_pnl": _money(bv.total_pnl),
        "positions": [position_doc(p) for p in bv.positions],
        "exposure": exposure_doc(e),
        "pairs": [pair_doc(t) for t in pairs],
        "missing": list(bv.missing),
        "approximate": list(bv.approximate),
        "unverified_actions": list(bv.unverified),
    }


# -- renderings ----------------------------------------------------------------------------------------------

CSV_COLUMNS = ("portfolio", "base_currency", "as_of", "symbol", "name", "company", "side", "currency", "quantity",
               "avg_cost", "price", "value", "unrealized_pnl", "pnl_price", "pnl_fx", "day_pnl", "realized_pnl",
               "dividends", "weight", "approximate", "stale", "unverified_actions", "data_source",
               "data_source_url")


def render_csv(doc: dict) -> str:
    """One row per position, then CASH and TOTAL rows (in the base currency); empty cells for null."""
    pf = doc["portfolio"]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    common = {"portfolio": pf["name"], "base_currency": pf["base_currency"], "as_of": pf["as_of"],
              "data_source": doc.get("source"), "data_source_url": doc.get("source_url")}
    for p in pf["positions"]:
        row = {**common, **p, "unverified_actions": "; ".join(p["unverified_actions"])}
        writer.writerow([_cell(row.get(c)) for c in CSV_COLUMNS])
    writer.writerow([_cell({**common, "symbol": "CASH", "currency": pf["base_currency"], "value": pf["cash"]}.get(c))
                     for c in CSV_COLUMNS])
    total = {**common, "symbol": "TOTAL", "currency": pf["base_currency"], "value": pf["nav"],
             "unrealized_pnl": pf["unrealized_pnl"], "pnl_price": pf["pnl_price"], "pnl_fx": pf["pnl_fx"],
             "day_pnl": pf["day_pnl"], "realized_pnl": pf["realized_pnl"], "dividends": pf["dividends"]}
    writer.writerow([_cell(total.get(c)) for c in CSV_COLUMNS])
    return out.getvalue()


def _cell(v: object) -> object:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    return csv_cell(v)


def amount(x: float | Decimal | None, *, sign: bool = False, places: int = 2) -> str:
    if x is None:
        return "—"
    return f"{x:+,.{places}f}" if sign else f"{x:,.{places}f}"


def render_table(doc: dict) -> str:
    """The portfolio part of `aiwatch snapshot --format table`, at most 100 columns wide."""
    pf = doc["portfolio"]
    base = pf["base_currency"]
    top = [f"portfolio {pf['name']} ({pf['title']})  base {base}  {pf['as_of']}"]
    if pf["demo_book"]:
        top.append("DEMO: a made-up book on simulated prices")
    top.append(f"NAV {amount(pf['nav'])}  cash {amount(pf['cash'])}  long {amount(pf['long_value'])}  "
               f"short {amount(pf['short_value'])}")
    ratio = "" if pf["gross_to_nav"] is None else f" ({pf['gross_to_nav']:.2f}x NAV)"
    net_ratio = "" if pf["net_to_nav"] is None else f" ({pf['net_to_nav']:.2f}x NAV)"
    top.append(f"gross {amount(pf['gross'])}{ratio}  net {amount(pf['net'])}{net_ratio}")
    top.append(f"day P&L {amount(pf['day_pnl'], sign=True)}  unrealized {amount(pf['unrealized_pnl'], sign=True)} "
               f"(price {amount(pf['pnl_price'], sign=True)}, FX {amount(pf['pnl_fx'], sign=True)})  "
               f"realized {amount(pf['realized_pnl'], sign=True)}  dividends {amount(pf['dividends'], sign=True)}  "
               f"total {amount(pf['total_pnl'], sign=True)}")
    table = ["", (f"{'symbol':<9} {'qty':>8} {'avg cost':>9} {'ccy':<3} {'last':>8} {'value':>9} {'day P&L':>8} "
                 f"{'unrealzd':>9} {'of FX':>7} {'realized':>8} {'wt%':>6} flags"), "-" * 100]
    for p in pf["positions"]:
        flags = ("~" if p["approximate"] else "") + ("S" if p["stale"] else "") + \
                ("U" if p["unverified_actions"] else "")
        weight = "" if p["weight"] is None else f"{p['weight'] * 100:.1f}"
        table.append(
            f"{p['symbol'][:9]:<9} {qty_text(Decimal(str(p['quantity']))):>8} "
            f"{amount(p['avg_cost']) if p['quantity'] else '':>9} {p['currency']:<3} {amount(p['price']):>8} "
            f"{amount(p['value'], places=0):>9} {amount(p['day_pnl'], sign=True, places=0):>8} "
            f"{amount(p['unrealized_pnl'], sign=True, places=0):>9} {amount(p['pnl_fx'], sign=True, places=0):>7} "
            f"{amount(p['realized_pnl'], sign=True, places=0):>8} {weight:>6} {flags}".rstrip())
    bottom = ["flags: ~ cost at today's FX rate (approximate), S stale price, U unverified corporate action"]
    e = pf["exposure"]
    if e:
        bottom.append("")
        bottom.append("exposure by side: " + ", ".join(f"{k} {amount(v, sign=True, places=0)}"
                                                       for k, v in e["by_side"].items()))
        bottom.append("by currency: " + ", ".join(f"{k} {amount(v, sign=True, places=0)}"
                                                  for k, v in e["by_currency"].items()))
        bottom.append("by company: " + ", ".join(f"{k} {amount(v, sign=True, places=0)}"
                                                 for k, v in e["by_company"].items()))
        if e["hhi"] is not None:
            bottom.append(f"HHI {e['hhi']:,.0f} on absolute company exposure; effective number of companies "
                          f"{e['effective_n']:.1f}")
        beta = (f"beta-dollars to NVDA {amount(e['nvda_beta_dollars'], sign=True, places=0)}; NVDA -10% implies "
                f"{amount(e['nvda_down_10pct_pnl'], sign=True, places=0)}")
        if e["beta_missing"]:
            beta += f" (no beta yet: {', '.join(e['beta_missing'])})"
        bottom.append(beta)
    for t in pf["pairs"]:
        hedge = ""
        if t["hedge_ratio_entry"] is not None and t["hedge_ratio_now"] is not None:
            hedge = (f"; hedge {t['hedge_ratio_entry']:.3f} at entry, {t['hedge_ratio_now']:.3f} now "
                     f"({t['hedge_drift'] * 100:+.1f}%)")
        bottom.append(f"pair {t['name']}: P&L {amount(t['spread_pnl'], sign=True)}, gross {amount(t['gross'])}, "
                      f"net {amount(t['net'], sign=True)}{hedge}")
    bottom += [f"not known: {m}" for m in pf["missing"]]
    bottom += [f"approximate (~): {a}" for a in pf["approximate"]]
    bottom += [f"unverified corporate action applied (U): {u}" for u in pf["unverified_actions"]]
    return "\n".join([*_wrap(top), *table, *_wrap(bottom)]) + "\n"


def _wrap(lines: list[str]) -> list[str]:
    out = []
    for line in lines:
        out += textwrap.wrap(line, 100, subsequent_indent="  ", break_long_words=False,
                             break_on_hyphens=False) or [""]
    return out
