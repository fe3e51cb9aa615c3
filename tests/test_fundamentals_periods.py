"""The same company's statement figures on the symbol screen (and the pair detail), from Yahoo's quoteSummary, and on
the capex screen, from the fundamentals time series: one set in the simulator, each figure dated on screen.

quoteSummary's totalRevenue, ebitda, totalDebt and totalCash are as of its mostRecentQuarter; the time series runs to
its own latest quarter, which can be a later one. Where the two quarters are the same the figures agree (cash aside:
Yahoo's totalCash holds short-term investments, the time series' cash does not, and the words say so); where they
differ, each screen says its quarter, so two periods never read as one."""

from __future__ import annotations

import datetime as dt
import tomllib

import pytest
from e2e_support import demo_app, demo_runtime, until_ready, wait_for

from tui.model import Fundamentals
from tui.paths import data_dir
from tui.screens.capex import CapexScreen, detail_lines
from tui.screens.pair_detail import PairDetailScreen
from tui.screens.symbol import SymbolScreen, fundamentals_lines
from tui.watchlists import load_all

pytestmark = pytest.mark.usefixtures("user_dirs")

AT = "2026-11-24T22:00:00Z"  # the demo's pinned clock of the report: the time series run a quarter past some
BASELINE_DAY = "2025-11-21T22:00:00Z"  # the baseline's as_of: the time series run exactly to its quarters


def _toml(name: str) -> dict:
    return tomllib.loads((data_dir() / name).read_text(encoding="utf-8"))


def test_the_simulator_baseline_and_statements_are_one_dated_set():
    """For each equity with statements: `quarter` is the last quarter the time series serves by the baseline's day,
    and revenue, EBITDA (the four quarters to it) and debt (at it) are the statements'; the baseline's cash (Yahoo's
    totalCash, short-term investments in) is never less than the statements' cash and equivalents."""
    base, st = _toml("baseline.toml"), _toml("statements.toml")
    fx = {sym.removesuffix("=X"): row["price"] for sym, row in base["symbols"].items() if sym.endswith("=X")}
    checked = 0
    for sym, row in base["symbols"].items():
        if row["quote_type"] != "EQUITY":
            continue
        lines = st["company"].get(row["company"])
        if lines is None:
            assert "quarter" not in row, f"{sym}: a quarter without statements to date it by"
            continue
        rate = (fx.get(row["financial_currency"], 1.0) if row["financial_currency"] != "USD" else 1.0) / (
            fx.get(lines["currency"], 1.0) if lines["currency"] != "USD" else 1.0)
        served = [i for i, q in enumerate(lines["quarters"])
                  if q + dt.timedelta(days=lines["reported_after"]) <= base["as_of"]]
        i = served[-1]
        assert row["quarter"] == lines["quarters"][i], sym
        scale = st["scale"] * rate
        assert row["revenue_ttm"] == pytest.approx(sum(lines["revenue"][i - 3:i + 1]) * scale, rel=1e-9), sym
        assert row["ebitda"] == pytest.approx(sum(lines["ebitda"][i - 3:i + 1]) * scale, rel=1e-9), sym
        assert row["debt"] == pytest.approx(lines["total_debt"][i] * scale, rel=1e-9), sym
        assert row["cash"] >= lines["cash"][i] * scale * (1 - 1e-9), sym
        checked += 1
    assert checked >= 15


def _equities() -> list[str]:
    out: list[str] = []
    for wl in load_all().watchlists.values():
        out += [i.symbol for i in wl.instruments if i.kind == "equity"]
    return list(dict.fromkeys(out))


async def _both_screens(at: str) -> list[tuple[str, Fundamentals, object, str, str]]:
    """(symbol, fundamentals, capex figures, symbol screen's statement lines, capex detail) for every equity of
    the shipped watchlists with both, on the demo at `at`."""
    from tui.core.capex import company_capex

    symbols = _equities()
    runtime = demo_runtime(at)
    runtime.statements = True
    runtime.set_symbols(symbols)
    await runtime.start()
    try:
        await runtime.wait_until_quoted(symbols, 60)
        assert not await runtime.wait_for_statements(symbols, 60)
        store, now = runtime.store, runtime.clock.now()
        out = []
        for sym in symbols:
            f = store.fundamentals.get(sym)
            c = company_capex(store, sym, company=sym, name=sym)
            if f is None or f.revenue_ttm is None or not c.has_statements:
                continue
            detail = "\n".join(line.plain for line in detail_lines(c, None, store, now, True))
            out.append((sym, f, c, "\n".join(fundamentals_lines(f)), detail))
        return out
    finally:
        await runtime.stop()


def _assert_agree_or_dated(rows) -> tuple[int, int]:
    same = differ = 0
    for sym, f, c, symbol_text, capex_text in rows:
        assert f.financial_currency == c.statement_currency, sym
        ccy = f.financial_currency
        end = f.quarter_end
        assert end is not None, f"{sym}: the simulator dates every figure it has statements for"
        assert f"revenue {_b(f.revenue_ttm, ccy)} (TTM to {end})" in symbol_text, (sym, symbol_text)
        assert f"EBITDA {_b(f.ebitda, ccy)} (TTM to {end})" in symbol_text, (sym, symbol_text)
        assert f"debt {_b(f.total_debt, ccy)} (at {end})" in symbol_text, (sym, symbol_text)
        assert f"cash & short-term inv. {_b(f.total_cash, ccy)} (at {end})" in symbol_text, (sym, symbol_text)
        assert f"TTM to {c.latest_quarter}" in capex_text, (sym, capex_text)
        if end == c.latest_quarter:
            same += 1
            assert f.revenue_ttm == pytest.approx(c.revenue, rel=1e-6), sym
            assert f.ebitda == pytest.approx(c.ebitda, rel=1e-6), sym
            assert f.total_debt == pytest.approx(c.total_debt, rel=1e-6), sym
            assert f.total_cash >= c.cash * (1 - 1e-6), sym  # short-term investments in: never less
        else:
            differ += 1
            assert end < c.latest_quarter, sym  # the time series runs ahead, never behind
    return same, differ


def _b(x: float, ccy: str) -> str:
    """A statement figure as the symbol screen writes it: 165.2B USD."""
    from tui.format import fmt_cap

    return f"{fmt_cap(x)} {ccy}"


async def test_on_the_baseline_day_every_equity_reads_the_same_on_both_screens():
    same, differ = _assert_agree_or_dated(await _both_screens(BASELINE_DAY))
    assert differ == 0 and same >= 15


async def test_at_the_pinned_clock_figures_of_different_quarters_say_which():
    rows = await _both_screens(AT)
    same, differ = _assert_agree_or_dated(rows)
    assert same >= 10 and differ >= 1  # most end at the same quarter; Nvidia's time series runs one further
    nvda = next(r for r in rows if r[0] == "NVDA")
    assert (nvda[1].quarter_end, nvda[2].latest_quarter) == (dt.date(2025, 7, 31), dt.date(2025, 10, 31))


async def test_nvidia_on_the_symbol_screen_the_pair_detail_and_the_capex_screen_at_120x40():
    """The report's screens: each of Nvidia's figures with its period, 2025-07-31 on the first two, 2025-10-31 on
    the capex screen."""
    app = demo_app("ai-rivals", at=AT)
    app.runtime.statements = True
    async with app.run_test(size=(120, 40)) as pilot:
        await until_ready(app)
        feed = app.runtime.feed
        await wait_for(lambda: feed.statements_tried("NVDA"), timeout=30)
        assert app.watchlist.instruments[0].symbol == "NVDA"
        await pilot.press("enter")
        await wait_for(lambda: isinstance(app.screen, SymbolScreen) and app.screen.loaded)
        facts = app.screen._facts()
        assert "revenue 165.2B USD (TTM to 2025-07-31)" in facts and "EBITDA 98.4B USD (TTM to 2025-07-31)" in facts
        assert "debt 10.6B USD (at 2025-07-31)" in facts
        assert "cash & short-term inv. 56.8B USD (at 2025-07-31)" in facts
        await pilot.press("escape")
        await wait_for(lambda: not isinstance(app.screen, SymbolScreen))
        await pilot.press("p", "enter")
        await wait_for(lambda: isinstance(app.screen, PairDetailScreen) and app.screen.renders >= 2)
        text = "\n".join(w.plain for w in app.screen.query("LinesView") if hasattr(w, "plain"))
        text += "\n".join(str(w.render()) for w in app.screen.query("Static"))
        assert "TTM to 2025-07-31: net income 86.6B USD · revenue 165.2B USD · EBITDA 98.4B USD" in text
        assert "At 2025-07-31: debt 10.6B USD · cash and short-term investments 56.8B USD" in text
        await pilot.press("escape")
        await wait_for(lambda: not isinstance(app.screen, PairDetailScreen))
        await pilot.press("c")
        await wait_for(lambda: isinstance(app.screen, CapexScreen) and app.screen.renders >= 1)
        detail = app.screen.query_one("#capex-detail").plain
        assert detail.startswith("Nvidia (NVDA)") and "TTM to 2025-10-31" in detail
        assert "revenue $187.1B" in detail and "EBITDA $112.8B" in detail
