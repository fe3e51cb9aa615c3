"""The book on screen, driven with Pilot on the demo (the real simulator and Yahoo client, a frozen clock): the
summary line on the main screen, the book screen (`b`) at 60×20, 80×24 and 120×40 (no figure ever cut), switching books, and what a served
app without --portfolio shows instead."""

from __future__ import annotations

import argparse
import re
from decimal import Decimal
from pathlib import Path

import pytest
from e2e_support import US_OPEN, demo_runtime, loaded, wait_for
from portfolio_support import HAND_BOOK, write_book

from tui.alerts import parse_rule
from tui.app import AiwatchApp
from tui.cli import _app_books, build_parser, serve_app_args
from tui.portfolio.live import Books
from tui.portfolio.loader import load_all as load_books
from tui.watchlists import load_all
from tui.widgets.portfolio_line import PortfolioLine, money


def text_of(screen, selector: str) -> str:
    content = screen.query_one(selector).content
    return content if isinstance(content, str) else content.plain


def two_books(tmp_path: Path):
    """The shipped demo book and a user's book (the hand-computed one), as `aiwatch --demo` loads them."""
    write_book(tmp_path / "portfolios", HAND_BOOK, "hand")
    loaded_books = load_books(tmp_path / "portfolios", demo=True)
    assert list(loaded_books.books) == ["demo", "hand"] and not loaded_books.problems
    return loaded_books


async def until_valued(app, runtime, books: Books) -> None:
    """Every symbol of the books quoted and the summary showing a NAV."""
    await wait_for(lambda: runtime.feed is not None and loaded(runtime, books.symbols()), timeout=60)
    await wait_for(lambda: "NAV —" not in app.query_one(PortfolioLine).plain
                   and "NAV" in app.query_one(PortfolioLine).plain, timeout=30)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_portfolio_screen_shows_the_book_and_switches_books(tmp_path, size):
    watchlists = load_all()
    books = Books(two_books(tmp_path).books.values(), watchlists.watchlists.values())
    runtime = demo_runtime(US_OPEN)
    app = AiwatchApp(runtime, watchlists, initial="chips", books=books)
    async with app.run_test(size=size) as pilot:
        await until_valued(app, runtime, books)
        valued = books.valued(runtime.store, runtime.clock.now())
        line = app.query_one(PortfolioLine).plain
        # the figures on the main screen's line are the valuation's, and a narrow screen cuts the title, not them
        assert line.startswith(f"Book: NAV {money(valued.value.nav)} USD · day {money(valued.value.day_pnl, sign=True)}")
        assert f"total {money(valued.value.total_pnl, sign=True)}" in line
        # the books' listings are quoted although the list on screen (chips) has neither TSLA nor 9988.HK
        assert {"TSLA", "9988.HK"}.isdisjoint(app.watchlist.symbols)
        assert {"TSLA", "9988.HK"} <= set(runtime.store.quotes)

        await pilot.press("b")
        screen = app.screen
        await wait_for(lambda: getattr(screen, "renders", 0) > 0)
        badge = text_of(screen, "#book-badge")
        assert badge.startswith("DEMO · SIMULATED DATA · Book: DEMO book (made up) (1/2)")
        positions = text_of(screen, "#book-positions").splitlines()
        assert positions[0].split()[:2] == ["Symbol", "Qty"]
        assert [row.split()[0] for row in positions[1:]] == [p.symbol for p in valued.value.positions]
        wide = size[0] >= 110
        assert ("Avg cost" in positions[0]) is wide and ("of FX" in positions[0]) is wide
        assert max(len(row) for row in positions) <= size[0] - 2  # the table fits: columns give way
        nav = money(valued.value.nav)
        assert f"NAV {nav} USD" in text_of(screen, "#book-totals")
        tesla = next(row for row in positions if row.startswith("TSLA"))
        assert "-100" in tesla  # a short
        assert next(row for row in positions if row.startswith("1211.HK")).endswith(" U")  # unverified bonus
        exposure = text_of(screen, "#book-exposure")
        assert "China" in exposure and "HHI" in exposure and "NVDA -10% implies" in exposure
        assert "alibaba: 9988.HK, BABA = 0 9988.HK shares net" in exposure  # the ADR folded through its ratio
        pairs = text_of(screen, "#book-pairs")
        assert "BYD vs Tesla" in pairs and "hedge" in pairs
        assert "1211.HK 3-for-1 bonus issue" in text_of(screen, "#book-notes")

        await pilot.press("tab")  # the next book, as Tab is the next watchlist on the main screen
        await wait_for(lambda: "Hand-computed book (2/2)" in text_of(screen, "#book-badge"))
        assert app.watchlist.name == "chips"  # the watchlist stayed
        rows = text_of(screen, "#book-positions").splitlines()[1:]
        assert {row.split()[0] for row in rows} == {"NVDA", "0700.HK", "688981.SS", "TSLA"}
        await pilot.press("1")
        await wait_for(lambda: "DEMO book (made up) (1/2)" in text_of(screen, "#book-badge"))
        await pilot.press("2")
        await wait_for(lambda: "(2/2)" in text_of(screen, "#book-badge"))

        await pilot.press("escape")
        await wait_for(lambda: app.screen is not screen)
        await wait_for(lambda: "Hand-computed book (2/2)" in app.query_one(PortfolioLine).plain)


async def test_portfolio_summary_absent_without_books_and_b_says_why(tmp_path):
    runtime = demo_runtime(US_OPEN)
    app = AiwatchApp(runtime, load_all(), initial="chips")
    async with app.run_test(size=(80, 24)) as pilot:
        assert not app.query_one(PortfolioLine).display
        await pilot.press("b")
        await pilot.pause()
        assert len(app.screen_stack) == 1
        assert any("no portfolio yet" in n.message and "aiwatch portfolio import" in n.message
                   for n in app._notifications)
        await pilot.press("question_mark")
        await pilot.pause()
        keys = text_of(app.screen, "#help-keys")
        assert any(line.startswith("b ") and "Your book" in line for line in keys.splitlines())


def run_args(*argv: str) -> argparse.Namespace:
    args = build_parser().parse_args(list(argv))
    args.stale_after = 60.0
    return args


def test_portfolio_served_app_shows_no_book_unless_named(tmp_path, monkeypatch):
    monkeypatch.setenv("AIWATCH_CONFIG_DIR", str(tmp_path))
    write_book(tmp_path / "portfolios", HAND_BOOK, "hand")
    watchlists = load_all()
    serve = build_parser().parse_args(["serve", "--demo"])
    assert serve_app_args(serve)[-1] == "--no-portfolios"
    books, _problems, hidden, error = _app_books(run_args("--demo", "--no-portfolios"), watchlists)
    assert books is None and error is None and "--portfolio NAME" in hidden and "no login" in hidden
    serve = build_parser().parse_args(["serve", "--demo", "--portfolio", "hand"])
    app_args = serve_app_args(serve)
    assert app_args[-3:] == ["--portfolio", "hand", "--portfolio-only"]
    books, _problems, hidden, error = _app_books(run_args(*app_args), watchlists)
    assert [b.name for b in books.books] == ["hand"] and hidden is None  # that book only, not the demo's
    _books, _problems, _hidden, error = _app_books(run_args("--portfolio", "nope", "--portfolio-only"), watchlists)
    assert error.startswith("unknown portfolio 'nope'")
    books, _problems, _hidden, _error = _app_books(run_args("--demo"), watchlists)
    assert [b.name for b in books.books] == ["demo", "hand"]  # the app run directly: every book


async def test_portfolio_served_app_says_why_there_is_no_book():
    runtime = demo_runtime(US_OPEN)
    app = AiwatchApp(runtime, load_all(), initial="chips", books_hidden="no book in a served app unless ...")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("b")
        await pilot.pause()
        assert any(n.message == "no book in a served app unless ..." for n in app._notifications)


async def test_portfolio_pnl_alert_fires_in_the_app(tmp_path):
    watchlists = load_all()
    books = Books(two_books(tmp_path).books.values(), watchlists.watchlists.values())
    runtime = demo_runtime(US_OPEN)
    app = AiwatchApp(runtime, watchlists, initial="ai-rivals", books=books)
    async with app.run_test(size=(80, 24)):
        await until_valued(app, runtime, books)
        day = books.valued(runtime.store, runtime.clock.now()).value.day_pnl
        rule = parse_rule({"kind": "pnl", "portfolio": "demo", "below": float(day - 1000)})
        app.alerts.add(rule)
        # the rule's first look: not below yet, so it is armed (a level already passed would fire, saying "already")
        await wait_for(lambda: app.alerts.state(rule, "demo//below") == "armed")
        assert not any(a.kind == "pnl" for a in app.alerts_fired)
        nvda = runtime.store.quotes["NVDA"]
        from dataclasses import replace

        runtime.store.apply_quote(replace(nvda, price=nvda.price * 0.8, time=nvda.time + 1))  # NVDA -20 %
        await wait_for(lambda: any(a.kind == "pnl" for a in app.alerts_fired))
        alert = next(a for a in app.alerts_fired if a.kind == "pnl")
        assert alert.subject == "demo" and alert.message.startswith("DEMO · demo: day P&L")
        assert Decimal(str(alert.value)) < day - 1000


async def test_portfolio_command_palette_opens_a_book(tmp_path):
    from e2e_support import type_into

    from tui.screens.portfolio import PortfolioScreen

    watchlists = load_all()
    books = Books(two_books(tmp_path).books.values(), watchlists.watchlists.values())
    app = AiwatchApp(demo_runtime(US_OPEN), watchlists, initial="chips", books=books)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("ctrl+p")
        await type_into(pilot, "open book hand")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_for(lambda: isinstance(app.screen, PortfolioScreen))
        await wait_for(lambda: "Hand-computed book (2/2)" in text_of(app.screen, "#book-badge"))


async def test_portfolio_summary_follows_prices_on_a_frozen_clock(tmp_path):
    from dataclasses import replace

    watchlists = load_all()
    books = Books(two_books(tmp_path).books.values(), watchlists.watchlists.values())
    runtime = demo_runtime(US_OPEN)  # the clock never moves: only a new price can change the line
    app = AiwatchApp(runtime, watchlists, initial="chips", books=books)
    async with app.run_test(size=(100, 30)):
        await until_valued(app, runtime, books)
        before = app.query_one(PortfolioLine).plain
        tsla = runtime.store.quotes["TSLA"]  # not on the list on screen: the book's own subscription
        runtime.store.apply_quote(replace(tsla, price=tsla.price * 1.5, time=tsla.time + 1))
        nav = books.valued(runtime.store, runtime.clock.now()).value.nav
        await wait_for(lambda: f"NAV {money(nav)} USD" in app.query_one(PortfolioLine).plain)
        assert app.query_one(PortfolioLine).plain != before


async def test_portfolio_a_hostile_title_is_shown_as_text(tmp_path):
    """A book's title is the user's text: Textual markup in it is shown, never run; escape sequences are gone."""
    from e2e_support import type_into

    title = "[@click=app.quit]Mine[/] \\u001b]0;pwned\\u0007[b]bold"
    write_book(tmp_path / "portfolios", HAND_BOOK.replace('title = "Hand-computed book"', f'title = "{title}"'),
               "hostile")
    loaded_books = load_books(tmp_path / "portfolios")
    assert not loaded_books.problems
    watchlists = load_all()
    books = Books(loaded_books.books.values(), watchlists.watchlists.values())
    app = AiwatchApp(demo_runtime(US_OPEN), watchlists, initial="chips", books=books)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("b")
        screen = app.screen
        await wait_for(lambda: getattr(screen, "renders", 0) > 0)
        badge = text_of(screen, "#book-badge")
        assert "[@click=app.quit]Mine[/] [b]bold" in badge and "\x1b" not in badge
        await pilot.press("escape")
        await pilot.press("ctrl+p")
        await type_into(pilot, "open book")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_for(lambda: app.screen is not screen and getattr(app.screen, "renders", 0) > 0)
        assert app.is_running and "[@click=app.quit]Mine[/]" in text_of(app.screen, "#book-badge")


# a figure as the book screen formats it: 190,159 / +2,557 / -21.9 / 1.32x / +76.0% / 0.966
WHOLE_NUMBER = re.compile(r"[+-]?\d{1,3}(,\d{3})*(\.\d+)?[%x]?")
NOT_A_FIGURE = re.compile(r"\d+\.[A-Z]+|\d{4}-\d{2}-\d{2}|\d+-for-\d+|\d+/\d+")  # 0981.HK, a date, 3-for-1, 1/2


def shown_lines(widget) -> list[str]:
    """The rows `widget` draws, all of them (the book's body scrolls), as text."""
    from textual.geometry import Region

    return [strip.text.rstrip() for strip in widget.render_lines(Region(0, 0, widget.size.width,
                                                                        widget.size.height))]


@pytest.mark.parametrize("size", [(60, 20), (80, 24), (120, 40)])
async def test_portfolio_screen_never_cuts_a_figure_at_any_size(tmp_path, size):
    """Whole columns and words give way at narrow widths, never a number's digits: every token that starts like a
    number is a whole number as formatted, the table and the badge fit the screen, and the weights stay."""
    from textual.widgets import Static

    watchlists = load_all()
    books = Books(two_books(tmp_path).books.values(), watchlists.watchlists.values())
    runtime = demo_runtime(US_OPEN)
    app = AiwatchApp(runtime, watchlists, initial="chips", books=books)
    async with app.run_test(size=size) as pilot:
        await until_valued(app, runtime, books)
        # the main screen's line: the title gives way whole words at a time, then with its count; never a figure
        summary = app.query_one(PortfolioLine)
        line = summary.plain
        assert len(line) <= summary.scrollable_content_region.width, line
        assert line.endswith(("(1/2)", " · b")) and not re.search(r"\d…", line), line
        await pilot.press("b")
        screen = app.screen
        await wait_for(lambda: getattr(screen, "renders", 0) > 0)
        await pilot.pause()
        valued = books.valued(runtime.store, runtime.clock.now())
        body = screen.query_one("#book-body")
        width = body.scrollable_content_region.width
        for widget in screen.query(Static):
            assert widget.region.right <= size[0], widget.id
            for line in shown_lines(widget):
                assert len(line) <= size[0], line
                for token in line.split():
                    token = token.lstrip("(").rstrip("),:;")
                    if re.match(r"[+-]?\d", token) and not NOT_A_FIGURE.fullmatch(token):
                        assert WHOLE_NUMBER.fullmatch(token), (size, token, line)
        # the table never wraps nor ends in "…": whole columns went
        table = text_of(screen, "#book-positions").splitlines()
        assert all(len(row) <= width for row in table) and "…" not in "\n".join(table), table
        assert table[0].split()[-1] == "Wt%"
        for p, row in zip(valued.value.positions, table[1:], strict=True):
            assert row.split()[0] == p.symbol and money(p.value) in row.split()
        # the badge is one line: the title gives way, never the book's count or its currency
        badge = text_of(screen, "#book-badge")
        assert len(badge) <= size[0] - 2 and badge.endswith("(1/2) · USD"), badge
        # a heading too long for the screen drops whole words, with "…"
        exposure = shown_lines(screen.query_one("#book-exposure"))
        company = next(line for line in exposure if line.startswith("By company"))
        assert company == "By company (listings folded in; ADRs by their ratio)" or company.endswith("…")
        assert not any(line.startswith("ratio)") for line in exposure)
