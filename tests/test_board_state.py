"""The quote board says what it is doing, with Pilot against a StaticRuntime: its sort and filter on its border while
they apply, a filter matching nothing said in the rows, the filter shown on the next watchlist, the rows in view,
no scrollbar, the cursor row kept in view after End, an added symbol, a resize, and a new sort shown from its top."""

from __future__ import annotations

import pytest
from ui_support import StaticRuntime, wait_for, watchlists

from tui.app import AiwatchApp
from tui.widgets.board import QuoteBoard
from tui.widgets.pairs import PairsPanel


def border(app) -> str:
    board = app.query_one(QuoteBoard)
    return str(board.border_title.plain if hasattr(board.border_title, "plain") else board.border_title)


def rows_on_screen(app) -> list[str]:
    board = app.query_one(QuoteBoard)
    return [board.render_line(y).text for y in range(1, board.size.height)]


async def started(app, pilot) -> None:
    await wait_for(pilot, lambda: app.refreshes >= 2 and app.runtime.started)


async def test_sort_and_filter_show_on_the_border_while_they_apply():
    app = AiwatchApp(StaticRuntime(), watchlists())
    async with app.run_test(size=(80, 24)) as pilot:
        await started(app, pilot)
        assert border(app).startswith("Quotes") and "sort" not in border(app) and "filter" not in border(app)
        await pilot.press("s")
        await wait_for(pilot, lambda: "sort chg% ▼" in border(app))
        await pilot.press("slash", "c", "n", "enter")
        await wait_for(pilot, lambda: 'filter "cn" 3/7' in border(app))
        assert border(app).startswith('Quotes · sort chg% ▼ · filter "cn" 3/7')
        # a filter matching nothing says so where the rows would be
        await pilot.press("slash", "ctrl+u", *"qqq", "enter")
        await wait_for(pilot, lambda: 'filter "qqq" 0/7' in border(app))
        assert rows_on_screen(app)[0].startswith("no rows match 'qqq'")
        # the filter stays on the next list, and says so
        await pilot.press("slash", "ctrl+u", *"smic", "enter")
        await pilot.press("tab")
        await wait_for(pilot, lambda: app.watchlist.name == "chips")
        await wait_for(pilot, lambda: 'filter "smic" 2/4' in border(app))
        assert [r.split()[0] for r in rows_on_screen(app)[:2]] == ["688981.SS", "0981.HK"]  # sorted, by chg%
        # cleared: gone from the border
        await pilot.press("slash", "ctrl+u", "enter")
        await wait_for(pilot, lambda: "filter" not in border(app))
        await pilot.press("s", "s", "s", "s")  # back to list order
        await wait_for(pilot, lambda: "sort" not in border(app))


async def test_the_rows_in_view_are_on_the_border_and_no_scrollbar_is_drawn():
    app = AiwatchApp(StaticRuntime(), watchlists(), initial="long")
    async with app.run_test(size=(80, 24)) as pilot:
        await started(app, pilot)
        board = app.query_one(QuoteBoard)
        shown = board.rows_visible
        assert border(app).endswith(f"rows 1–{shown} of 40")
        assert not board.show_vertical_scrollbar and board.scrollbar_size_vertical == 0
        # every cell of the board is the board's: the right-hand column holds row text, never a thumb glyph
        assert all(len(line) == board.size.width and not line.endswith(("▁", "▂", "▃", "▄", "▅", "▆", "▇"))
                   for line in rows_on_screen(app))
        await pilot.press("end")
        await wait_for(pilot, lambda: border(app).endswith(f"rows {40 - shown + 1}–40 of 40"))
        assert rows_on_screen(app)[-1].startswith("SYM39") and board.cursor_symbol == "SYM39"
        await pilot.press("end")  # already there: still in view
        assert rows_on_screen(app)[-1].startswith("SYM39")
        await pilot.press("home")
        await wait_for(pilot, lambda: border(app).endswith(f"rows 1–{shown} of 40"))


@pytest.mark.parametrize("size", [(60, 20), (80, 24)])
async def test_the_cursor_row_stays_in_view_when_the_board_gets_shorter(size):
    app = AiwatchApp(StaticRuntime(), watchlists(), initial="long")
    async with app.run_test(size=(120, 40)) as pilot:
        await started(app, pilot)
        board = app.query_one(QuoteBoard)
        board.move_cursor(25)
        await pilot.resize_terminal(*size)
        await wait_for(pilot, lambda: app.size == size)
        await pilot.pause()
        top = round(board.scroll_y)
        assert top <= 25 < top + board.rows_visible
        assert any(line.startswith("SYM25") for line in rows_on_screen(app))


async def test_a_symbol_added_at_the_end_of_a_long_list_is_shown_and_selected():
    """What `a` does once the data source has found the symbol and the file is saved (tests/test_app_keys.py goes
    through the dialog on the demo): the list comes back one longer, the new row selected and in view at 80x24."""
    from dataclasses import replace

    from ui_support import INSTRUMENTS

    app = AiwatchApp(StaticRuntime(), watchlists(), initial="long")
    async with app.run_test(size=(80, 24)) as pilot:
        await started(app, pilot)
        longer = replace(app.watchlist, instruments=(*app.watchlist.instruments, INSTRUMENTS["NVDA"]))
        app.replace_watchlist(longer, cursor="NVDA")
        board = app.query_one(QuoteBoard)
        await wait_for(pilot, lambda: board.cursor_symbol == "NVDA")
        await pilot.pause()
        assert rows_on_screen(app)[board.rows_visible - 1].startswith("NVDA")
        assert border(app).endswith("–41 of 41")


async def test_the_pairs_panel_says_which_pairs_are_in_view():
    app = AiwatchApp(StaticRuntime(), watchlists())
    async with app.run_test(size=(60, 20)) as pilot:
        await started(app, pilot)
        panel = app.query_one(PairsPanel)
        await wait_for(pilot, lambda: "Pairs 1–" in str(panel.border_title))
        assert "of 4" in str(panel.border_title)
        await pilot.press("p", "up")  # the last pair: the panel scrolls to it and says so
        await wait_for(pilot, lambda: "–4 of 4" in str(panel.border_title))


async def test_a_new_sort_shows_its_leaders_and_new_quotes_keep_the_cursor_on_its_symbol():
    """`s` shows the board from its top, the cursor on the first row (ticker and mop do the same); when new quotes
    re-sort the rows, the cursor stays on its symbol wherever that row goes."""
    app = AiwatchApp(StaticRuntime(), watchlists(), initial="long")
    async with app.run_test(size=(80, 24)) as pilot:
        await started(app, pilot)
        board = app.query_one(QuoteBoard)
        shown = board.rows_visible
        board.move_cursor(25)
        await wait_for(pilot, lambda: not border(app).endswith(f"rows 1–{shown} of 40"))
        await pilot.press("s")
        await wait_for(pilot, lambda: "sort chg% ▼" in border(app))
        await pilot.pause()
        assert board.cursor == 0 and board.cursor_symbol == "SYM39"  # the day's leader: the largest change
        assert round(board.scroll_y) == 0 and border(app).endswith(f"rows 1–{shown} of 40")
        assert rows_on_screen(app)[0].startswith("SYM39")
        board.move_cursor(3)
        followed = board.cursor_symbol
        app.runtime.tick("SYM00", 30.0)  # the last by change % jumps to the top
        await wait_for(pilot, lambda: board.instruments[0].symbol == "SYM00")
        assert board.cursor_symbol == followed and board.cursor == 4
