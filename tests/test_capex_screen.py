"""The capex screen (`c`) and the main screen's capex gauge, driven with Pilot on the demo (simulator in this
process, frozen clock) at 80×24 and 120×40."""

from __future__ import annotations

import tomllib

import pytest
from e2e_support import demo_app, until_ready, wait_for

from tui.paths import data_dir
from tui.screens.capex import CapexScreen
from tui.screens.help import HelpScreen

SIZES = [(80, 24), (120, 40)]


def _statements(company: str) -> dict:
    return tomllib.loads((data_dir() / "statements.toml").read_text(encoding="utf-8"))["company"][company]


async def _ready(app) -> None:
    await until_ready(app)
    feed = app.runtime.feed
    equities = [s for s in app.watchlist.symbols if feed.is_equity(s)]
    await wait_for(lambda: all(feed.statements_tried(s) for s in equities), timeout=30)
    start = app.refreshes
    await wait_for(lambda: app.refreshes >= start + 2)


def _app(watchlist: str):
    app = demo_app(watchlist)
    app.runtime.statements = True  # as the CLI runs the app
    return app


async def _open(app, pilot) -> CapexScreen:
    await pilot.press("c")
    await wait_for(lambda: isinstance(app.screen, CapexScreen) and app.screen.renders >= 1)
    return app.screen


def _row(screen: CapexScreen, name: str) -> str:
    return next(line for line in screen.query_one("#capex-table").plain.splitlines() if line.startswith(name))


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
async def test_capex_screen_rows_sides_and_deals(size: tuple[int, int]) -> None:
    app = _app("openai-vs-deepseek")
    async with app.run_test(size=size) as pilot:
        await _ready(app)
        screen = await _open(app, pilot)
        assert "DEMO · SIMULATED DATA" in str(screen.query_one("#capex-badge").render())
        table = screen.query_one("#capex-table")
        lines = table.plain.splitlines()
        width = table.scrollable_content_region.width
        assert all(len(line) <= width for line in lines), (width, lines)
        head = lines[0]
        assert "Capex" in head and "Cap/Rev" in head and "FCF" in head and "ND/EBITDA" in head and "8q" in head
        assert ("Capex Δ" in head and "Cover" in head) == (size[0] >= 110)  # dropped first when narrow
        ms = _statements("microsoft")
        msft = _row(screen, "Microsoft")
        assert "2025-09" in msft and f"${sum(ms['capex'][-4:]):.1f}B" in msft
        assert f"{sum(ms['capex'][-4:]) / sum(ms['revenue'][-4:]) * 100:.0f}%" in msft
        assert any(ch in msft for ch in "▁▂▃▄▅▆▇█")  # the 8-quarter sparkline
        cambricon = _row(screen, "Cambricon")
        assert "none" in cambricon and "$" not in cambricon  # nothing reported: no number, never a zero
        sides = screen.query_one("#capex-sides").plain.splitlines()
        assert sides[0].startswith("US Σ capex $") and sides[1].startswith("CN Σ capex $")
        assert "OpenAI's commitments ≥ $610.4B = 71×" in sides[2]
        # the cursor starts on the first company; its details and deals below
        detail = screen.query_one("#capex-detail").plain
        assert detail.startswith("Microsoft (MSFT)") and "TTM to 2025-09-30" in detail
        assert "2025-10-28 announced openai → microsoft · compute contract · $250.0B" in detail
        assert "source: Microsoft/OpenAI announcements" in detail and "as of 2026-01-31" in detail
        await pilot.press("down")  # Oracle: the $300B contract, reported, and the bond
        await wait_for(lambda: screen.query_one("#capex-detail").plain.startswith("Oracle (ORCL)"))
        detail = screen.query_one("#capex-detail").plain
        assert "2025-09-10 reported  openai → oracle · compute contract · $300.0B" in detail
        assert "2025-09-26 confirmed bond investors → oracle · bond · $18.0B" in detail
        assert "money in $300.0B" in detail and "bonds $18.0B" in detail
        assert "remaining performance obligations Q1 FY26: $455.0B" in detail
        await pilot.press("escape")
        await wait_for(lambda: not isinstance(app.screen, CapexScreen))


async def test_capex_screen_says_na_for_unreported_interest_and_marks_old_quarters() -> None:
    app = _app("mag7")
    async with app.run_test(size=(120, 40)) as pilot:
        await _ready(app)
        screen = await _open(app, pilot)
        assert _row(screen, "Apple").rstrip().split()[-3] == "n/a"  # cover: Apple reports no interest expense
        names = [line.split("  ")[0] for line in screen.query_one("#capex-table").plain.splitlines()[1:]]
        await pilot.press(*["down"] * names.index("Apple"))
        await wait_for(lambda: screen.query_one("#capex-detail").plain.startswith("Apple (AAPL)"))
        detail = screen.query_one("#capex-detail").plain
        assert "interest cover n/a (EBIT / interest expense; n/a: not reported)" in detail
        # the simulator's figures end in 2025; on 2026-11-24 that is old, and the screen says so
        assert "OLD: more than 200 days ago" in detail
        await pilot.press("c")  # c again goes back
        await wait_for(lambda: not isinstance(app.screen, CapexScreen))


async def test_capex_gauge_on_the_main_screen_where_it_fits() -> None:
    app = _app("ai-rivals")
    async with app.run_test(size=(120, 40)) as pilot:
        await _ready(app)
        panel = app.query_one("#concentration")
        await wait_for(lambda: "Capex" in panel.plain, timeout=10)
        gauge = next(line for line in panel.plain.splitlines() if line.startswith("Capex"))
        assert "US " in gauge and "% of revenue · FCF after capex $" in gauge and "│  CN " in gauge
        await pilot.resize_terminal(80, 24)  # a short screen: the gauge gives way
        await wait_for(lambda: app.size.height == 24 and "Capex" not in panel.plain, timeout=10)


async def test_capex_key_is_listed_in_help_and_idle_under_another_screen() -> None:
    app = _app("chips")
    async with app.run_test(size=(80, 24)) as pilot:
        await _ready(app)
        await pilot.press("question_mark")
        await wait_for(lambda: isinstance(app.screen, HelpScreen))
        text = " ".join(" ".join(str(w.render()).split()) for w in app.screen.query("Static"))  # wrapped lines joined
        assert "Capex screen: capex, free cash flow and debt per company" in text
        await pilot.press("c")  # under the help, `c` does nothing
        await pilot.pause(0.2)
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await wait_for(lambda: not isinstance(app.screen, HelpScreen))
        screen = await _open(app, pilot)
        assert screen.query_one("#capex-table").plain.splitlines()[1].startswith("Nvidia")


def test_eight_quarter_trends_keep_the_newest_quarter_in_the_last_cell():
    """A company with seven quarters held (CoreWeave listed in 2025): its capex and FCF charts are both eight cells,
    blank before the first quarter held, the newest quarter in the last cell of each; a quarter missing between two
    held ones is `·` in its place."""
    from tui.screens.capex import _trend

    capex = _trend([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0])
    fcf = _trend([None, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0])  # the oldest held quarter without cash flow
    assert len(capex) == len(fcf) == 8
    assert capex[0] == " " and capex[-1] == "█" and fcf[0] == " " and fcf[1] == "·" and fcf[-1] == "█"
    assert _trend([1.0, None, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0])[1] == "·"
    assert _trend([]) == ""
