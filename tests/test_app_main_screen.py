"""Pilot tests of the app against a StaticRuntime (hand-made quotes, a hand-moved clock)."""

from __future__ import annotations

import logging

import pytest
from textual.command import CommandList, CommandPalette
from ui_support import StaticRuntime, wait_for, watchlists

from tui.app import AiwatchApp
from tui.screens.help import HelpScreen
from tui.widgets.board import QuoteBoard
from tui.widgets.concentration import ConcentrationPanel
from tui.widgets.header import WatchHeader
from tui.widgets.pairs import PairsPanel
from tui.widgets.status import StatusLine

SIZES = [(80, 24), (120, 40)]


def board_lines(app: AiwatchApp) -> list[str]:
    """The board's lines as drawn on screen now (through render_line, the Line API path)."""
    board = app.query_one(QuoteBoard)
    return [board.render_line(y).text for y in range(board.size.height)]


def row_of(app: AiwatchApp, symbol: str) -> str:
    board = app.query_one(QuoteBoard)
    index = [i.symbol for i in board.instruments].index(symbol)
    return board.row_text(index)


def screen_text(app: AiwatchApp) -> str:
    return app.export_screenshot()


async def started(app: AiwatchApp, pilot) -> None:
    await wait_for(pilot, lambda: app.refreshes >= 2 and app.runtime.started)


@pytest.mark.parametrize("size", SIZES)
async def test_board_fills_with_every_symbol(size):
    runtime = StaticRuntime()
    app = AiwatchApp(runtime, watchlists())
    async with app.run_test(size=size) as pilot:
        await started(app, pilot)
        wl = app.watchlists[0]
        board = app.query_one(QuoteBoard)
        assert [i.symbol for i in board.instruments] == list(wl.symbols)
        assert runtime.symbol_sets[-1] == wl.symbols
        lines = board_lines(app)
        assert lines[0].startswith("Symbol")
        for n, symbol in enumerate(wl.symbols[: board.size.height - 1]):
            assert lines[n + 1].startswith(symbol)
        assert all(len(line) == board.scrollable_content_region.width for line in lines)
        # at 80 columns the name column goes rather than wrap; at 120 it is there
        assert ("Name" in lines[0]) == (size[0] >= 120)
        nvda = row_of(app, "NVDA")
        assert "180.00 USD" in nvda and "+1.12%" in nvda and "4.37T" in nvda and "59.9" in nvda
        assert "+15m" in row_of(app, "0981.HK")  # Hong Kong is delayed and says so
        assert "+15m" not in nvda
        assert "not found" in row_of(app, "ZZZZ")
        header = app.query_one(WatchHeader)
        assert "DEMO · SIMULATED DATA" in str(header.query_one("#source-badge").render())
        clocks = header.query_one("#clocks").plain
        assert "10:00 open" in clocks and "23:00 closed" in clocks
        status = app.query_one(StatusLine).plain
        assert "feed live" in status and "last msg 2s ago" in status and "3 req/min" in status


async def test_yahoo_source_is_not_labelled_demo():
    app = AiwatchApp(StaticRuntime(simulated=False), watchlists())
    async with app.run_test(size=(120, 40)) as pilot:
        await started(app, pilot)
        badge = str(app.query_one("#source-badge").render())
        assert badge == "Yahoo Finance"
        assert "DEMO" not in screen_text(app)


async def test_loss_maker_pe_is_not_meaningful_and_missing_data_is_a_dash():
    runtime = StaticRuntime()
    del runtime.store.fundamentals["TSLA"]
    app = AiwatchApp(runtime, watchlists())
    async with app.run_test(size=(120, 40)) as pilot:
        await started(app, pilot)
        nio = row_of(app, "NIO").split()
        assert "n/m" in nio and "—" not in nio
        assert "n/m" not in row_of(app, "TSLA") and "—" in row_of(app, "TSLA")
        pairs = app.query_one(PairsPanel).plain.splitlines()
        # the basket's China side has a loss-maker in it but positive total earnings: a number, not n/m
        assert "CN +0.26% P/E 66.3" in pairs[pairs.index(next(p for p in pairs if "Leaders" in p)) + 1]
        nio_pair = next(p for p in pairs if p.startswith("Nvidia vs NIO"))
        assert "P/E US/CN n/m" in nio_pair and "EY US−CN +30.8pp" in nio_pair
        # NVDA EY 73e9 / (180 × 24.3e9) = 1.67 %; NIO −22e9 CNY / 7.2 / (5 × 2.1e9) = −29.1 %
        evs = next(p for p in pairs if p.startswith("EVs"))
        assert "P/E US/CN —" in evs  # Tesla's earnings are not in yet: no data, not "not meaningful"


@pytest.mark.parametrize("size", SIZES)
async def test_keys_switch_watchlists_and_every_panel_follows(size):
    runtime = StaticRuntime()
    app = AiwatchApp(runtime, watchlists())
    async with app.run_test(size=size) as pilot:
        await started(app, pilot)
        board = app.query_one(QuoteBoard)
        pairs = app.query_one(PairsPanel)
        conc = app.query_one(ConcentrationPanel)
        assert "AI chips" in pairs.plain and conc.value is not None and conc.value.n_companies == 5

        await pilot.press("2")
        assert app.current == 1
        assert [i.symbol for i in board.instruments] == ["NVDA", "AMD", "0981.HK", "688981.SS"]
        assert runtime.symbol_sets[-1] == ("NVDA", "AMD", "0981.HK", "688981.SS")
        assert "Nvidia vs SMIC A" in pairs.plain and "AI chips" not in pairs.plain
        # SMIC H and A are one company: counted once
        assert conc.value is not None and conc.value.n_companies == 3
        assert "3 companies" in conc.border_title
        assert "Chips" in str(app.query_one("#watchlist-title").render())
        assert board_lines(app)[2].startswith("AMD")

        await pilot.press("tab")
        assert app.current == 2 and board.instruments[0].symbol == "SYM00"
        assert "no pairs" in pairs.plain
        await pilot.press("tab")  # wraps round
        assert app.current == 0 and board.instruments[0].symbol == "NVDA"
        await pilot.press("shift+tab")
        assert app.current == 2
        await pilot.press("shift+tab")
        assert app.current == 1
        await pilot.press("9")  # no ninth list: nothing happens
        assert app.current == 1
        await pilot.press("1")
        assert app.current == 0 and "AI chips" in pairs.plain


async def test_initial_watchlist_by_name():
    app = AiwatchApp(StaticRuntime(), watchlists(), initial="chips")
    async with app.run_test(size=(80, 24)) as pilot:
        await started(app, pilot)
        assert app.current == 1
        assert app.query_one(QuoteBoard).instruments[1].symbol == "AMD"


async def test_help_opens_lists_every_key_and_closes():
    app = AiwatchApp(StaticRuntime(), watchlists())
    async with app.run_test(size=(80, 24)) as pilot:
        await started(app, pilot)
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        help_screen = app.screen
        keys = str(help_screen.query_one("#help-keys").render())
        for label in ("Quit", "Next watchlist", "Previous watchlist", "Jump to watchlist 1–9", "Cursor up", "Cursor down",
                      "Command palette", "Help: every key"):
            assert label in keys
        assert "1–9" in keys and "Shift+Tab" in keys and "Ctrl+P" in keys and "↓ / j" in keys
        assert "+15m" in str(help_screen.query_one("#help-legend").render())
        assert "DEMO · SIMULATED DATA" in str(help_screen.query_one("#help-badge").render())
        await pilot.press("tab")  # the list behind does not change while help is open
        assert app.current == 0
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, HelpScreen))
        await pilot.press("tab")
        assert app.current == 1


async def test_cursor_moves_with_j_k_and_arrows_and_the_board_scrolls():
    app = AiwatchApp(StaticRuntime(), watchlists(), initial="long")
    async with app.run_test(size=(80, 24)) as pilot:
        await started(app, pilot)
        board = app.query_one(QuoteBoard)
        assert board.cursor == 0
        await pilot.press("j", "j", "down")
        assert board.cursor == 3 and board.cursor_symbol == "SYM03"
        await pilot.press("k", "up")
        assert board.cursor == 1
        await pilot.press("k", "k")  # stops at the top
        assert board.cursor == 0
        assert board_lines(app)[1].startswith("SYM00")
        await pilot.press("end")
        await pilot.pause()
        assert board.cursor == 39
        assert board.scroll_y > 0
        lines = board_lines(app)
        assert lines[0].startswith("Symbol")  # the header stays put
        assert lines[-1].startswith("SYM39")
        await pilot.press("home")
        await pilot.pause()
        assert board.scroll_y == 0 and board_lines(app)[1].startswith("SYM00")


async def test_palette_offers_switch_commands():
    app = AiwatchApp(StaticRuntime(), watchlists())
    async with app.run_test(size=(120, 40)) as pilot:
        await started(app, pilot)
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*"switch watchlist")
        commands = app.screen.query_one(CommandList)

        def prompts() -> list[str]:
            return [str(commands.get_option_at_index(i).prompt) for i in range(commands.option_count)]

        await wait_for(pilot, lambda: sum("Switch watchlist" in p for p in prompts()) == 3)
        texts = " | ".join(prompts())
        for title in ("AI rivals", "Chips", "Long list"):
            assert f"Switch watchlist: {title}" in texts
        await pilot.press(*": chips")
        await wait_for(pilot, lambda: prompts() and "Chips" in prompts()[0])
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.current == 1)
        assert app.query_one(QuoteBoard).instruments[1].symbol == "AMD"


async def test_a_quote_that_goes_stale_is_marked_stale():
    runtime = StaticRuntime()
    app = AiwatchApp(runtime, watchlists(), stale_after=60.0)
    async with app.run_test(size=(80, 24)) as pilot:
        await started(app, pilot)
        assert "stale" not in row_of(app, "NVDA")
        runtime.clock.advance(30)  # 35 s old: not yet
        seen = app.refreshes
        await wait_for(pilot, lambda: app.refreshes > seen + 1)
        assert "stale" not in row_of(app, "NVDA") and "35s" in row_of(app, "NVDA")
        runtime.clock.advance(30)  # 65 s old, New York open, no delay: stale
        await wait_for(pilot, lambda: "stale" in row_of(app, "NVDA"))
        assert app.query_one(QuoteBoard).views[0].stale
        # Hong Kong is closed at this hour: an old quote there is not called stale
        assert "stale" not in row_of(app, "0981.HK")
        runtime.tick("NVDA", 181.0)  # a fresh trade clears it
        await wait_for(pilot, lambda: "stale" not in row_of(app, "NVDA"))
        assert "181.00 USD" in row_of(app, "NVDA")


async def test_a_tick_repaints_only_its_row_and_updates_the_panels():
    runtime = StaticRuntime()
    app = AiwatchApp(runtime, watchlists())
    async with app.run_test(size=(120, 40)) as pilot:
        await started(app, pilot)
        board = app.query_one(QuoteBoard)
        pairs = app.query_one(PairsPanel)
        await pilot.pause()
        before_rebuilt = board.rows_rebuilt
        before_pairs = pairs.plain
        seen = app.refreshes
        await wait_for(pilot, lambda: app.refreshes > seen + 2)
        assert board.rows_rebuilt == before_rebuilt  # nothing changed: nothing rebuilt
        runtime.tick("TSLA", 450.0)
        await wait_for(pilot, lambda: "450.00 USD" in board_lines(app)[3])
        assert board.rows_rebuilt == before_rebuilt + 1
        assert pairs.plain != before_pairs and "+8.43%" in pairs.plain  # TSLA 415 -> 450


async def test_watchlist_problems_are_shown_as_a_warning():
    result = watchlists()
    result.problems.append("/cfg/watchlists/broken.toml:3: unknown key 'symbl' (did you mean 'symbol'?)")
    app = AiwatchApp(StaticRuntime(), result)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await started(app, pilot)
        # a toast that fits the screen says how many and where to read them; the header keeps the count
        await wait_for(pilot, lambda: any(n.message.startswith("1 problem in your config or watchlist files")
                                          and n.severity == "warning" for n in app._notifications))
        assert "⚠ 1 problem (?)" in str(app.query_one("#problems-badge").render())
        assert app.query_one(QuoteBoard).instruments  # the rest still runs


async def test_a_failing_refresh_is_logged_not_fatal(monkeypatch, caplog):
    runtime = StaticRuntime()
    app = AiwatchApp(runtime, watchlists())
    calls = {"n": 0}
    original = QuoteBoard.sync

    def flaky(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("boom in refresh")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(QuoteBoard, "sync", flaky)
    with caplog.at_level(logging.ERROR, logger="tui.app"):
        async with app.run_test(size=(80, 24)) as pilot:
            # with nothing new and the clock pinned the board is not synced at all: quotes keep coming
            n = 0
            while calls["n"] < 4:
                n += 1
                runtime.tick("AMD", 100.0 + n)
                await pilot.pause(0.05)
                assert n < 400, "the board was never synced"
            assert app.is_running
            await wait_for(pilot, lambda: any("refresh failed" in str(n.message) for n in app._notifications))
            runtime.tick("NVDA", 190.0)
            await wait_for(pilot, lambda: "190.00 USD" in row_of(app, "NVDA"))
    assert any("boom in refresh" in (r.exc_text or "") or r.exc_info for r in caplog.records)


async def test_a_runtime_that_fails_to_start_is_reported():
    app = AiwatchApp(StaticRuntime(fail_start=True), watchlists())
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: any("failed to start" in n.message for n in app._notifications))
        assert app.is_running


async def test_q_quits_and_awaits_runtime_stop():
    runtime = StaticRuntime()
    app = AiwatchApp(runtime, watchlists())
    async with app.run_test(size=(80, 24)) as pilot:
        await started(app, pilot)
        assert not runtime.stopped
        await pilot.press("q")
        await wait_for(pilot, lambda: runtime.stopped)
    assert runtime.stop_calls == 1
    assert app.return_code == 0


async def test_rows_take_their_colours_from_the_theme():
    app = AiwatchApp(StaticRuntime(), watchlists())
    async with app.run_test(size=(120, 40)) as pilot:
        await started(app, pilot)

        def change_colour(y: int) -> object:
            strip = app.query_one(QuoteBoard).render_line(y)
            # the board sends a row's coloured cells as one run: find the run holding the change
            return next(seg.style.color for seg in strip if "+1.12%" in seg.text)

        up_dark = change_colour(1)  # NVDA is up
        down_dark = next(seg.style.color for seg in app.query_one(QuoteBoard).render_line(2)
                         if "-1.41%" in seg.text)
        assert up_dark != down_dark
        app.theme = "nord"
        await pilot.pause()
        await pilot.pause()
        assert change_colour(1) != up_dark  # $success of the new theme, not a cached strip


# -- the clocks change once a minute unless asked for seconds -----------------------------------------------
async def test_clocks_without_seconds_are_not_redrawn_within_the_minute():
    runtime = StaticRuntime()
    app = AiwatchApp(runtime, watchlists())
    async with app.run_test(size=(120, 40)) as pilot:
        await started(app, pilot)
        clocks = app.query_one(WatchHeader).query_one("#clocks")
        assert "10:00 open" in clocks.plain
        drawn = clocks.lines_drawn
        runtime.clock.advance(30)  # 10:00:30: the same minute
        app._tick_clock()
        await pilot.pause()
        assert "10:00 open" in clocks.plain and clocks.lines_drawn == drawn
        runtime.clock.advance(30)  # 10:01:00
        app._tick_clock()
        await pilot.pause()
        assert "10:01 open" in clocks.plain and clocks.lines_drawn == drawn + 1


async def test_clock_seconds_from_the_config():
    from tui.config import Config

    runtime = StaticRuntime()
    app = AiwatchApp(runtime, watchlists(), config=Config(clock_seconds=True))
    async with app.run_test(size=(120, 40)) as pilot:
        await started(app, pilot)
        assert "10:00:00 open" in app.query_one(WatchHeader).query_one("#clocks").plain
        runtime.clock.advance(1)
        app._tick_clock()
        assert "10:00:01 open" in app.query_one(WatchHeader).query_one("#clocks").plain
