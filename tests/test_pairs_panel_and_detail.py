"""The pairs panel's pick, the pair detail screen (Enter on a pair; Escape back), sparklines and gauges."""

from __future__ import annotations

import math
from collections import deque
from datetime import UTC, datetime

import pytest
from textual.widgets import Static
from ui_support import T0, ManualClock, StaticRuntime, fill, wait_for, watchlists

from tui.app import AiwatchApp
from tui.model import Bar
from tui.screens.pair_detail import PairDetailScreen
from tui.widgets.concentration import ConcentrationPanel
from tui.widgets.pairs import PairsPanel

DAY = 86400.0


def _history(runtime: StaticRuntime, symbol: str, last: float, n: int = 260, wiggle: float = 0.01,
             hour_offset: float = 0.0) -> None:
    """`n` daily closes ending a day before T0 at `last`, with a deterministic wiggle."""
    t0 = T0.timestamp() - DAY + hour_offset
    bars = [Bar(t0 - (n - 1 - i) * DAY, None, None, None, last * math.exp(wiggle * math.sin(i / 7.0)))
            for i in range(n)]
    runtime.store.apply_history(symbol, bars)


def _runtime_with_history() -> StaticRuntime:
    rt = StaticRuntime()
    _history(rt, "NVDA", 178.0)
    _history(rt, "0981.HK", 71.0, wiggle=0.02, hour_offset=-13 * 3600)
    _history(rt, "HKD=X", 7.8, wiggle=0.0)
    return rt


async def _open_first_pair(app: AiwatchApp, pilot) -> PairDetailScreen:
    await wait_for(pilot, lambda: app.refreshes >= 2 and app.runtime.started)
    await pilot.press("p")
    panel = app.query_one(PairsPanel)
    await wait_for(pilot, lambda: panel.has_focus and "▸ AI chips" in panel.plain)
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, PairDetailScreen) and app.screen.renders >= 1)
    return app.screen


def _text(screen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_enter_on_a_pair_opens_its_detail_and_escape_goes_back(size):
    app = AiwatchApp(_runtime_with_history(), watchlists())
    async with app.run_test(size=size) as pilot:
        screen = await _open_first_pair(app, pilot)
        assert screen.pair.name == "AI chips"
        multiples = _text(screen, "#pair-multiples")
        # NVDA: 180 x 24.3e9 / 73e9 = 59.92; SMIC: 70 HKD x 7.98e9 / 7.8 = 71.6e9 USD over 0.5e9 = 143.2
        assert "59.9" in multiples and "143" in multiples
        assert "×0.42" in multiples and "-58%" in multiples  # 59.92 / 143.23 = 0.418
        assert "US−CN +1.0pp" in multiples  # EY 1.669 % - 0.698 % = 0.97 pp
        parts = _text(screen, "#pair-parts")
        assert "HKD: 7.8000 per USD (HKD=X" in parts and "delayed 15m" in parts
        assert "fundamentals: simulator (DEMO)" in parts and "cap basis shares" in parts
        history = _text(screen, "#pair-history")
        assert "z-score today" in history and "over 252 days" in history and "each day's FX close" in history
        intraday = _text(screen, "#pair-intraday")
        assert intraday.startswith("NVDA") and "0981.HK" in intraday
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, PairDetailScreen))
        assert app.query_one(PairsPanel).has_focus
        await pilot.press("escape")  # the panel gives the focus back to the board
        await wait_for(pilot, lambda: not app.query_one(PairsPanel).has_focus)
        assert "▸" not in app.query_one(PairsPanel).plain


async def test_arrows_pick_another_pair_and_the_detail_follows_ticks():
    rt = _runtime_with_history()
    app = AiwatchApp(rt, watchlists())
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.refreshes >= 2 and rt.started)
        await pilot.press("p", "down")
        panel = app.query_one(PairsPanel)
        await wait_for(pilot, lambda: "▸ EVs" in panel.plain)
        await pilot.press("p")  # `p` again opens the marked pair
        await wait_for(pilot, lambda: isinstance(app.screen, PairDetailScreen))
        screen = app.screen
        assert screen.pair.name == "EVs"
        # TSLA 420 x 3.2e9 / 5e9 = 268.8
        await wait_for(pilot, lambda: "269" in _text(screen, "#pair-multiples"))
        rt.tick("TSLA", 210.0)  # half the price: P/E 134.4 (EPS held until fundamentals refresh)
        await wait_for(pilot, lambda: "134" in _text(screen, "#pair-multiples"))
        assert "no history" not in _text(screen, "#pair-history")
        assert "daily history: not held yet" in _text(screen, "#pair-history")  # no TSLA/BYD history, no feed


async def test_pairs_panel_sparkline_z_and_fundamentals_age():
    rt = _runtime_with_history()
    app = AiwatchApp(rt, watchlists())
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.refreshes >= 2)
        panel = app.query_one(PairsPanel)
        lines = panel.plain.splitlines()
        chips_sides = lines[lines.index(next(x for x in lines if x.startswith("AI chips"))) + 1]
        assert "│  1y " in chips_sides and " z " in chips_sides
        assert any(c in chips_sides for c in "▁▂▃▄▅▆▇█")
        evs_sides = lines[lines.index(next(x for x in lines if x.startswith("EVs"))) + 1]
        assert "1y" not in evs_sides  # no history held for TSLA and BYD: no sparkline, not a made-up one
        assert "fundamentals <1m old" in panel.border_title  # to the minute: statements change once a quarter


async def test_concentration_panel_shows_top3_nvda_dependency():
    rt = _runtime_with_history()
    app = AiwatchApp(rt, watchlists())
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.refreshes >= 2)
        conc = app.query_one(ConcentrationPanel)
        assert "top 3" in conc.plain
        dep_line = next(x for x in conc.plain.splitlines() if x.startswith("NVDA dep"))
        # US side: NVDA 180 x 24.3e9 = 4.374e12, TSLA 420 x 3.2e9 = 1.344e12 -> 76.5 %
        assert "76.5% of US side's cap (2 co.)" in dep_line
        assert conc.dependency is not None and conc.dependency.weight == pytest.approx(4.374 / 5.718, rel=1e-4)
        # SMIC has history: a weekly beta to NVDA is shown
        assert "β/ρ weekly 1y" in dep_line and "SMIC" in dep_line


async def test_p_key_is_in_the_footer_and_help():
    app = AiwatchApp(StaticRuntime(), watchlists())
    async with app.run_test(size=(160, 40)) as pilot:
        await wait_for(pilot, lambda: app.refreshes >= 2)
        assert "p" in {b.binding.key for b in app.active_bindings.values()}
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: len(app.screen_stack) > 1)
        help_text = str(app.screen.query_one("#help-keys", Static).render())
        assert "Enter opens its detail" in help_text


# -- review finding: the intraday charts say which session they show ---------------------------------------------

def _bars(symbol: str, start: datetime, n: int, price: float) -> list[tuple[float, float]]:
    """`n` 5-minute points from `start` (UTC), rising by 0.1 each."""
    return [(start.timestamp() + 300 * i, price + 0.1 * i) for i in range(n)]


def _with_bars(at: datetime, bars: dict[str, list[tuple[float, float]]]) -> StaticRuntime:
    rt = StaticRuntime(clock=ManualClock(at))
    for symbol, pts in bars.items():
        rt.store.intraday[symbol] = deque(pts, maxlen=390)
    return rt


async def _detail(rt: StaticRuntime) -> tuple[PairDetailScreen, str, str]:
    app = AiwatchApp(rt, watchlists())
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _open_first_pair(app, pilot)
        return screen, _text(screen, "#pair-intraday-heading"), _text(screen, "#pair-intraday")


async def test_a_closed_market_s_chart_is_dated_not_today():
    # Saturday 2026-01-17 15:00 UTC, every market closed: the bars are Friday's sessions
    fri_ny = _bars("NVDA", datetime(2026, 1, 16, 14, 30, tzinfo=UTC), 78, 180.0)  # 09:30-16:00 New York
    fri_hk = _bars("0981.HK", datetime(2026, 1, 16, 1, 30, tzinfo=UTC), 60, 70.0)  # 09:30-14:25 Hong Kong
    rt = _with_bars(datetime(2026, 1, 17, 15, 0, tzinfo=UTC), {"NVDA": fri_ny, "0981.HK": fri_hk})
    _screen, heading, lines = await _detail(rt)
    assert heading == "Intraday, Fri 2026-01-16"
    assert "today" not in heading.lower() and "today" not in lines.lower()
    nvda = next(x for x in lines.splitlines() if x.startswith("NVDA"))
    assert "Fri 2026-01-16" in nvda and "180.00 → 187.70" in nvda


async def test_today_only_on_the_market_s_own_date_and_one_session_charted():
    # 2026-01-15 03:00 UTC: New York 22:00 on Wed the 14th (its session today), Hong Kong 11:00 on Thu the 15th
    wed_ny = _bars("NVDA", datetime(2026, 1, 14, 14, 30, tzinfo=UTC), 78, 180.0)
    tue_ny = _bars("NVDA", datetime(2026, 1, 13, 14, 30, tzinfo=UTC), 3, 150.0)  # the day before: not charted
    thu_hk = _bars("0981.HK", datetime(2026, 1, 15, 1, 30, tzinfo=UTC), 12, 70.0)
    rt = _with_bars(datetime(2026, 1, 15, 3, 0, tzinfo=UTC), {"NVDA": tue_ny + wed_ny, "0981.HK": thu_hk})
    _screen, heading, lines = await _detail(rt)
    assert heading == "Intraday, each listing's last session"  # two dates: each line says its own
    nvda = next(x for x in lines.splitlines() if x.startswith("NVDA"))
    smic = next(x for x in lines.splitlines() if x.startswith("0981.HK"))
    assert "today (Wed 2026-01-14)" in nvda and "180.00 → 187.70" in nvda and "150" not in nvda
    assert "today (Thu 2026-01-15)" in smic


# -- review finding: the pairs panel and the pair detail say when a side's prices are delayed or stale ------------

HK_OPEN = datetime(2026, 1, 14, 3, 0, tzinfo=UTC)  # Hong Kong 11:00 (open), New York 22:00 (closed)


def _runtime_at_hk_open() -> StaticRuntime:
    """The store of `_runtime_with_history` at Hong Kong's open, its quotes as a delayed feed shows them: 5 s
    old, plus 15 minutes for Hong Kong's (the store measures the delay from that while Hong Kong trades)."""
    rt = StaticRuntime(clock=ManualClock(HK_OPEN), filled=False)
    fill(rt.store, rt.clock.now(), as_delayed=True)
    _history(rt, "NVDA", 178.0)
    _history(rt, "0981.HK", 71.0, wiggle=0.02, hour_offset=-13 * 3600)
    _history(rt, "HKD=X", 7.8, wiggle=0.0)
    return rt


def _sides(plain: str, pair_name: str) -> str:
    lines = plain.splitlines()
    return lines[lines.index(next(x for x in lines if x.startswith(pair_name))) + 1]


def test_pairs_content_tags_each_side_and_fits_80_columns():
    from tui.widgets.pairs import pairs_content

    rt = _runtime_at_hk_open()
    wl = watchlists().watchlists["ai-rivals"]
    fill_now = HK_OPEN.timestamp()
    for width, later in ((78, 0), (78, 1200), (60, 1200), (118, 1200)):
        now = fill_now + later
        content = pairs_content(rt.store, wl, width, now=now)
        for line in content.plain.splitlines():
            assert len(line) <= width and "…" not in line, (width, line)
        chips = _sides(content.plain, "AI chips")
        us, cn = chips.split("│")[:2]
        assert "+15m" in cn and "+15m" not in us  # Hong Kong is delayed; New York here is not
        # 20 minutes without a quote while Hong Kong trades: past 15 min + 60 s, the China side is stale
        assert ("stale" in cn) == (later > 0) and "stale" not in us, (width, chips)
        assert "P/E 143" in cn and "P/E 59.9" in us  # the figures are whole, tags or not
        if later and width == 118:
            z = chips.rsplit(" z ", 1)[-1]
            assert z.strip().startswith(("+", "-")), chips  # the z-score survives the tags where there is room
    # the tags are styled as the board's: the delay in the warning colour, "stale" bold warning
    line = pairs_content(rt.store, wl, 78, now=fill_now + 1200).split()[1]
    styles = {line.plain[s.start:s.end]: str(s.style) for s in line.spans}
    assert styles["+15m"] == "$warning" and styles["stale"] == "bold $warning"


async def test_the_panel_turns_stale_with_no_new_quote_and_the_detail_says_so():
    rt = _runtime_at_hk_open()
    app = AiwatchApp(rt, watchlists())
    async with app.run_test(size=(80, 24)) as pilot:
        panel = app.query_one(PairsPanel)
        await wait_for(pilot, lambda: app.refreshes >= 2 and "+15m" in panel.plain)
        assert "stale" not in panel.plain
        rt.clock.advance(1200)  # the feed falls silent for 20 minutes: no quote arrives, the clock moves
        await wait_for(pilot, lambda: "stale" in _sides(panel.plain, "AI chips"))
        assert "stale" not in _sides(panel.plain, "AI chips").split("│")[0]  # New York is closed: not stale
        await pilot.press("p")
        await wait_for(pilot, lambda: panel.has_focus)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, PairDetailScreen) and app.screen.renders >= 1)
        screen = app.screen
        parts = _text(screen, "#pair-parts")
        smic = next(x for x in parts.splitlines() if x.strip().startswith("price 70.00"))
        assert "delayed 15m" in smic and "STALE" in smic
        nvda = next(x for x in parts.splitlines() if x.strip().startswith("price 180.00"))
        assert "STALE" not in nvda
        multiples = _text(screen, "#pair-multiples")
        assert "STALE: 0981.HK" in multiples
        assert "STALE" not in next(x for x in multiples.splitlines() if x.startswith("US side"))


# -- the z-score's highlight: on the value the user reads -----------------------------------------------------------
def _z_with_nvda_at(rt: StaticRuntime, wl, target: float) -> float:
    """Move NVDA's live price until the AI chips pair's z-score is `target` (to 1e-6); returns the z."""
    from tui.core.history import relative_performance

    pair = wl.pairs[0]
    lo, hi = 100.0, 300.0
    for _ in range(80):
        mid = (lo + hi) / 2
        rt.tick("NVDA", mid)
        rt.clock.advance(1)
        z = relative_performance(rt.store, wl, pair, now=rt.clock.now()).z
        if abs(z - target) < 1e-6:
            return z
        lo, hi = (mid, hi) if z < target else (lo, mid)
    return z


@pytest.mark.parametrize(("target", "shown", "highlighted"),
                         [(1.975, "z +1.97", False), (-1.9965, "z -1.99", False), (2.03, "z +2.0", True),
                          (1.94, "z +1.9", False), (-2.01, "z -2.0", True)])
def test_the_z_highlight_agrees_with_the_z_shown(target, shown, highlighted):
    """Help promises a highlight for |z| ≥ 2: a z of 1.97 once printed `z +2.0` without it. Just under the
    threshold the panel shows one more decimal, cut, and the highlight goes with the value, as the detail's and
    the alerts' do."""
    from tui.screens.pair_detail import history_lines
    from tui.widgets.pairs import pairs_content

    rt = _runtime_with_history()
    wl = watchlists().watchlists["ai-rivals"]
    z = _z_with_nvda_at(rt, wl, target)
    line = pairs_content(rt.store, wl, 118, now=rt.clock.now()).split()[1]
    assert line.plain.rstrip().endswith(shown), line.plain
    z_span = next(s for s in line.spans if line.plain[s.start:s.end] == shown.split()[1])
    assert ("$warning" in str(z_span.style)) == highlighted
    from tui.core.history import relative_performance

    detail = history_lines(relative_performance(rt.store, wl, wl.pairs[0], now=rt.clock.now()), 100, "")
    z_line = next(c for c in detail if "z-score today" in c.plain)
    z_text = z_line.plain.split("z-score today ")[1].split()[0]
    assert (abs(float(z_text)) >= 2) == highlighted == (abs(z) >= 2)
    span = next(s for s in z_line.spans if z_line.plain[s.start:s.end] == z_text)
    assert ("$warning" in str(span.style)) == highlighted
