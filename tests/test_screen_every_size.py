"""Every size, with Pilot against a StaticRuntime (the symbol screen's charts on the demo): at 60x20 the status line
stays, the board keeps its rows and the panels give way; no panel line is cut or wrapped into the next one; the pair
detail's table drops columns; the dialogs fit; the wording keeps its numbers and its grammar."""

from __future__ import annotations

import pytest
from textual.widgets import Footer, Input, Static
from ui_support import StaticRuntime, wait_for, watchlists

from tui.app import AiwatchApp
from tui.format import short_path
from tui.screen_fit import BOARD_MIN_ROWS, Fit, fit
from tui.widgets.board import QuoteBoard
from tui.widgets.concentration import ConcentrationPanel
from tui.widgets.pairs import PairsPanel, fundamentals_age
from tui.widgets.status import StatusLine

SIZES = [(60, 20), (80, 24), (120, 40)]


# -- how the height is shared --------------------------------------------------------------------------------
def test_the_board_keeps_its_minimum_and_the_panels_give_way_first():
    # 80x24: 20 rows between the header and the status line; a 21-row list, 3 pairs, 5 lines of concentration
    assert fit(20, 21, 6, 5, short=True) == Fit(pairs=7, concentration=6, board=7)
    # 60x20: 16 rows: whole pairs go, then the concentration's last lines
    assert fit(16, 21, 6, 5, short=True) == Fit(pairs=5, concentration=4, board=7)
    # shorter: the concentration goes, then the pairs, never the board's minimum
    assert fit(11, 21, 6, 5, short=True) == Fit(pairs=3, concentration=0, board=8)
    assert fit(8, 21, 6, 5, short=True) == Fit(pairs=0, concentration=0, board=8)
    # a tall screen: every panel whole, the board the rest; a short list does not hold rows it cannot fill
    assert fit(36, 21, 6, 7) == Fit(pairs=7, concentration=8, board=21)
    assert fit(16, 3, 6, 5, short=True).board >= 2 + 3
    for rows in range(40):
        plan = fit(rows, 21, 12, 7, short=rows < 26)
        assert plan.pairs + plan.concentration + plan.board == max(rows, plan.pairs + plan.concentration)
        assert plan.pairs in (0, 3, 5, 7, 9, 11, 13)  # whole pairs
        if rows >= 2 + BOARD_MIN_ROWS:
            assert plan.board >= 2 + BOARD_MIN_ROWS


@pytest.mark.parametrize("size", [(60, 20), (80, 24), (40, 12)])
async def test_the_status_line_and_the_footer_stay_and_the_board_keeps_its_rows(size):
    app = AiwatchApp(StaticRuntime(), watchlists(), initial="long")
    async with app.run_test(size=size) as pilot:
        await wait_for(pilot, lambda: app.refreshes >= 2)
        await pilot.pause()
        height = size[1]
        status, footer = app.query_one(StatusLine), app.query_one(Footer)
        assert status.region.y == height - 2 and status.region.height == 1 and "feed live" in status.plain
        assert footer.region.y == height - 1
        board = app.query_one(QuoteBoard)
        assert board.rows_visible >= BOARD_MIN_ROWS
        pairs, conc = app.query_one(PairsPanel), app.query_one(ConcentrationPanel)
        for panel in (pairs, conc):  # a panel is shown whole lines, inside the screen, or not at all
            assert not panel.display or panel.region.bottom <= status.region.y
        if size == (40, 12):
            assert not pairs.display and not conc.display


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("name", ["ai-rivals", "chips"])
async def test_no_panel_line_is_cut_or_wrapped(size, name):
    """Words give way before numbers: every line of both panels fits its width whole (no "…", no second line)."""
    app = AiwatchApp(StaticRuntime(), watchlists(), initial=name)
    async with app.run_test(size=size) as pilot:
        await wait_for(pilot, lambda: app.refreshes >= 2)
        await pilot.pause()
        for panel in (app.query_one(PairsPanel), app.query_one(ConcentrationPanel)):
            width = panel.scrollable_content_region.width
            assert len(panel.wrapped_lines) == len(panel.lines), panel.plain
            for line in panel.lines:
                assert line.cell_length <= width and "…" not in line.plain, (width, line.plain)
            title = str(panel.border_title)
            assert len(title) <= panel.outer_size.width - 2 and "…" not in title, title
        assert "…" not in app.query_one(StatusLine).plain


def footer_line(app: AiwatchApp) -> str:
    return app.screen._compositor.render_strips()[-1].text


async def test_the_footer_at_60x20_shows_whole_keys_and_ends_with_the_palette_key():
    """Under 80 columns the footer is compact on every screen, shows the keys that fit whole and the palette key
    flush with the right edge. Textual let the keys that did not fit run under the palette key: one showed
    without its label (`p▏^p palette`), a letter of another after the palette's (`▏^p palettet`)."""
    from test_pairs_panel_and_detail import _open_first_pair, _runtime_with_history

    app = AiwatchApp(_runtime_with_history(), watchlists())
    async with app.run_test(size=(60, 20)) as pilot:
        await wait_for(pilot, lambda: app.refreshes >= 2)
        await wait_for(pilot, lambda: footer_line(app).endswith("▏^p palette"))
        assert footer_line(app) == "Tab Next Shift+Tab Prev q Quit ? Help 1–9 Lists  ▏^p palette"
        await pilot.press("p")
        await wait_for(pilot, lambda: "Open pair" in footer_line(app))
        await pilot.pause()
        assert footer_line(app) == "⏎ Open pair esc Back to board Tab Next           ▏^p palette"
        await pilot.press("escape")
        await _open_first_pair(app, pilot)  # a screen opened at 60 columns is compact from its first frame
        await pilot.pause()
        assert app.screen.query_one(Footer).compact
        assert footer_line(app).startswith("Esc Back p Pairs ") and footer_line(app).endswith("▏^p palette")
        await pilot.resize_terminal(80, 24)  # wider: the keys that fit again, in the roomier style
        await wait_for(pilot, lambda: footer_line(app).startswith(" Esc Back  p Pairs "))
        await pilot.pause()
        assert footer_line(app).startswith(" Esc Back  p Pairs ") and footer_line(app).endswith("▏^p palette ")


async def test_the_pair_detail_drops_columns_rather_than_wrap_at_60x20():
    from test_pairs_panel_and_detail import _open_first_pair, _runtime_with_history

    app = AiwatchApp(_runtime_with_history(), watchlists())
    async with app.run_test(size=(60, 20)) as pilot:
        screen = await _open_first_pair(app, pilot)
        table = str(screen.query_one("#pair-multiples", Static).render())
        width = screen.query_one("#pair-body").scrollable_content_region.width
        head = table.splitlines()[0]
        assert "premium" in head and "ln ratio" not in head
        assert all(len(line) <= width for line in table.splitlines()), table
        assert any(line.startswith("P/E (TTM)") and "×0.42" in line for line in table.splitlines())


@pytest.mark.parametrize("key, screen_name", [("n", "NewWatchlistScreen"), ("a", "AddSymbolScreen"),
                                              ("exclamation_mark", "AlertScreen")])
async def test_the_dialogs_fit_60x20(key, screen_name):
    app = AiwatchApp(StaticRuntime(), watchlists())
    async with app.run_test(size=(60, 20)) as pilot:
        await wait_for(pilot, lambda: app.refreshes >= 2)
        await pilot.press(key)
        await wait_for(pilot, lambda: type(app.screen).__name__ == screen_name)
        await pilot.pause()
        screen = app.screen
        box = screen.query_one(".dialog-box")
        assert box.region.bottom <= 20 and box.region.right <= 60
        for widget in [*screen.query(Input), *screen.query(".dialog-hint")]:
            assert widget.region.height >= 1 and box.region.contains_region(widget.region), widget


async def test_the_symbol_screens_charts_fit_their_width_at_60x20():
    from e2e_support import demo_app, until_ready

    from tui.screens.symbol import SymbolScreen

    app = demo_app()
    async with app.run_test(size=(60, 20)) as pilot:
        await until_ready(app)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, SymbolScreen))
        screen = app.screen
        await wait_for(pilot, lambda: screen.loaded, timeout=20)
        await pilot.pause()
        for chart in ("#intraday-chart", "#year-chart", "#symbol-facts"):
            widget = screen.query_one(chart, Static)
            lines = str(widget.render()).splitlines()
            assert all(len(line) <= widget.content_region.width for line in lines), (chart, widget.content_region.width, [ln for ln in lines if len(ln) > widget.content_region.width])
            assert widget.region.height == len(lines)  # nothing wrapped into a line of its own
        await pilot.press("escape")


# -- wording -------------------------------------------------------------------------------------------------
def test_counts_and_ages_read_well():
    from tui.core.concentration import Concentration
    from tui.widgets.concentration import concentration_title

    one = Concentration(hhi=10_000, effective_n=1, n_companies=1, top1_company="x", top1_symbol="X", top1_share=1,
                        top3_share=1, us_share=1, cn_share=0, weights=(), missing=("Y",))
    assert concentration_title(one) == "Concentration · 1 company by USD market cap · 1 listing without a cap yet"

    class Side:
        def __init__(self, t):
            self.fundamentals_oldest = self.fundamentals_newest = t

    class Spread:
        def __init__(self, a, b):
            self.us, self.cn = Side(a), Side(b)

    now = 10_000.0
    assert fundamentals_age([Spread(now - 10, now - 70)], now) == "fundamentals up to 1m old"
    assert fundamentals_age([Spread(now - 130, now - 3 * 3600)], now) == "fundamentals 2m–3h old"
    assert fundamentals_age([Spread(now - 10, now - 20)], now) == "fundamentals <1m old"


def test_paths_are_shortened_from_the_left_never_broken_in_a_word(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    path = tmp_path / ".local" / "share" / "aiwatch" / "exports" / "ai-rivals-board-20261124T150000Z.csv"
    assert short_path(path, 80) == "~/.local/share/aiwatch/exports/ai-rivals-board-20261124T150000Z.csv"
    assert short_path(path.parent, 20) == "…/aiwatch/exports"
    assert short_path("/a/b.toml", 30) == "/a/b.toml"


@pytest.mark.parametrize("size", [(60, 20), (80, 24)])
async def test_the_help_wraps_a_long_line_under_its_text_never_under_the_keys(size):
    """A key's text that wraps goes on under the text (a hanging indent): a continuation never reads as a new key
    (`source)  app.add_symbol` was one). Nothing is lost and no line is wider than the box."""
    from tui.screens.help import HangingRows, HelpScreen

    app = AiwatchApp(StaticRuntime(), watchlists())
    async with app.run_test(size=size) as pilot:
        await wait_for(pilot, lambda: app.refreshes >= 2)
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        await pilot.pause()
        for selector in ("#help-keys", "#help-legend"):
            rows = app.screen.query_one(selector, HangingRows)
            lines = [rows.render_line(y).text.rstrip() for y in range(rows.size.height)]
            labels = [label.plain for label, _ in rows.rows]
            indent = rows.label_width
            assert indent < rows.size.width - HangingRows.MIN_TEXT
            assert all(len(line) <= rows.size.width for line in lines), lines
            continued = 0
            texts: list[str] = []
            for line in lines:
                head, text = line[:indent], line[indent:]
                if head.strip():
                    assert head.rstrip() == labels[len(texts)], line  # a new row starts with the next label
                    texts.append(text)
                else:
                    assert head == " " * indent and text[:1] not in ("", " "), line  # under the text
                    texts[-1] += " " + text
                    continued += 1
            assert continued > 0  # there was something to wrap at this width
            assert [" ".join(t.split()) for t in texts] == [" ".join(t.plain.split()) for _, t in rows.rows]
