"""Shrinking the terminal to 40×12 (and smaller) and back never crashes the app, and the layout comes back."""

from __future__ import annotations

import pytest
from ui_support import StaticRuntime, wait_for, watchlists

from tui.app import AiwatchApp
from tui.widgets.board import QuoteBoard, layout
from tui.widgets.header import WatchHeader
from tui.widgets.status import StatusLine

BIG = (120, 40)
SHRINK = [(80, 24), (40, 12), (20, 6), (10, 3), (1, 1), (40, 12), (100, 13), (39, 40)]


def screen_layout(app: AiwatchApp) -> dict:
    """What a user sees of the layout: every region, the board's lines, the clocks, the status line."""
    board = app.query_one(QuoteBoard)
    return {
        "regions": {w.id: tuple(w.region) for w in app.screen.query("*") if w.id},
        "board": [board.render_line(y).text for y in range(board.size.height)],
        "clocks": app.query_one(WatchHeader).query_one("#clocks").plain,
        "status": app.query_one(StatusLine).plain,
        "screen": app.export_screenshot(),
    }


async def _settle(app: AiwatchApp, pilot) -> None:
    n = app.refreshes
    await wait_for(pilot, lambda: app.refreshes >= n + 2)
    await pilot.pause()


@pytest.mark.parametrize("index", [0, 1], ids=["ai-rivals", "chips"])
async def test_shrink_and_back_keeps_the_layout(index):
    runtime = StaticRuntime()
    app = AiwatchApp(runtime, watchlists())
    async with app.run_test(size=BIG) as pilot:
        await wait_for(pilot, lambda: app.refreshes >= 2 and runtime.started)
        app.switch_watchlist(index)
        await _settle(app, pilot)
        before = screen_layout(app)
        for size in SHRINK:
            await pilot.resize_terminal(*size)
            await _settle(app, pilot)
            assert app.size == size
            assert app.query_one(QuoteBoard).size.width <= size[0]
            app.export_screenshot()  # the whole screen renders at this size
            # keys still work at any size
            await pilot.press("down", "up")
        await pilot.resize_terminal(*BIG)
        # the layout settles over a few refreshes (the panels measure their height at the new width)
        await wait_for(pilot, lambda: screen_layout(app)["regions"] == before["regions"], timeout=5)
        await _settle(app, pilot)
        after = screen_layout(app)
        assert after["regions"] == before["regions"]
        assert after["board"] == before["board"]
        assert after["clocks"] == before["clocks"]
        assert after["status"] == before["status"]
        assert after["screen"] == before["screen"]
        assert app._refresh_failures == 0
        assert app.is_running
    assert app.return_code in (None, 0)


async def test_resize_while_quotes_tick():
    """Resizes interleaved with new quotes: the board keeps every row current at every size, and never shows
    part of a number (at 20 columns "183.00 USD" cut to "1" would read as a price of 1)."""
    runtime = StaticRuntime()
    app = AiwatchApp(runtime, watchlists())
    async with app.run_test(size=BIG) as pilot:
        await wait_for(pilot, lambda: app.refreshes >= 2 and runtime.started)
        price = 180.0
        for n, size in enumerate([*SHRINK, BIG]):
            price += 1.0
            runtime.clock.advance(1.0)
            runtime.tick("NVDA", price)
            await pilot.resize_terminal(*size)
            await _settle(app, pilot)
            board = app.query_one(QuoteBoard)
            index = [i.symbol for i in board.instruments].index("NVDA")
            row = board.row_text(index)
            if "price" in [c.key for c in layout(board.scrollable_content_region.width)]:
                assert f"{price:.2f} USD" in row, (n, size, row)
            else:  # too narrow for the price: none of it, rather than a number cut short
                assert not any(ch.isdigit() for ch in row), (n, size, row)
        assert app._refresh_failures == 0
        lines = [app.query_one(QuoteBoard).render_line(y).text for y in range(5)]
        assert lines[0].startswith("Symbol") and lines[1].startswith("NVDA")


@pytest.mark.parametrize("width", range(1, 130))
def test_columns_fit_whole_at_every_width(width):
    cols = layout(width)
    assert sum(c.width for c in cols) + max(0, len(cols) - 1) <= width
    numeric = [c for c in cols if c.key in ("price", "change", "change_pct", "cap", "pe")]
    full = {c.key: c.width for c in layout(200)}
    assert all(c.width == full[c.key] for c in numeric)  # numbers are never narrowed


async def test_a_stale_resize_never_lays_the_screen_out_at_a_size_the_app_no_longer_has():
    """A Resize of a size the app has left (a browser tab's start-up size arriving after the page's first resize)
    is dropped by every screen. Textual laid the screen out at it and posted itself another: with two such in its
    queue the screen flipped between two sizes for ever, a core at 100 % and no timer or signal handled
    (tests/test_serve_browser.py shows it with a real browser)."""
    from textual import events
    from textual.geometry import Size

    from tui.screens.help import HelpScreen

    runtime = StaticRuntime()
    app = AiwatchApp(runtime, watchlists())
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.refreshes >= 2 and runtime.started)
        for screen in (app.screen, HelpScreen([], simulated=True)):
            if screen is not app.screen:
                await app.push_screen(screen)
                await pilot.pause()
            regions = {w.id: tuple(w.region) for w in screen.query("*") if w.id}
            stale = Size(100, 44)
            screen.post_message(events.Resize(stale, stale))
            screen.call_later(lambda: None)
            screen.post_message(events.Resize(stale, stale))
            await pilot.pause()
            await pilot.pause()
            assert screen.size == Size(100, 30) == app.size
            assert {w.id: tuple(w.region) for w in screen.query("*") if w.id} == regions


def test_every_screen_of_the_app_drops_stale_resizes():
    """New screens too (a portfolio screen, …): each derives from tui.screens.steady's bases."""
    import importlib
    import pkgutil

    from textual.screen import Screen

    import tui.screens
    from tui.screens.steady import SteadyResize

    for info in pkgutil.iter_modules(tui.screens.__path__):
        importlib.import_module(f"tui.screens.{info.name}")
    screens = set()
    todo = [Screen]
    while todo:
        for sub in todo.pop().__subclasses__():
            todo.append(sub)
            if sub.__module__.startswith("tui."):
                screens.add(sub)
    assert screens, "no screens found"
    plain = sorted(f"{c.__module__}.{c.__qualname__}" for c in screens if not issubclass(c, SteadyResize))
    assert not plain, f"screens that would lay out at a stale size: {plain} (derive from SteadyScreen/SteadyModalScreen)"
    assert issubclass(type(AiwatchApp(StaticRuntime(), watchlists()).get_default_screen()), SteadyResize)
