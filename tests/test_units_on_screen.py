"""Every money figure carries its currency, and an index level none: on the symbol screen per-share figures are in
the price currency and statement figures in the reporting currency (SMIC: EPS in HKD, net income in USD; BYD: net
income in CNY), and an index (^GSPC) is a level on the board, the symbol screen and in the snapshot, never
"6,520.63 USD". On the demo (the seeded simulator, frozen clock) with Pilot."""

from __future__ import annotations

import pytest
from e2e_support import demo_app, until_ready, wait_for

from tui.screens.symbol import SymbolScreen
from tui.widgets.board import QuoteBoard

pytestmark = pytest.mark.usefixtures("user_dirs")


async def _facts(app, symbol: str) -> str:
    inst = app.watchlist.instrument(symbol)
    app.push_screen(SymbolScreen(app.runtime, inst))
    await wait_for(lambda: isinstance(app.screen, SymbolScreen) and app.screen.loaded, timeout=20)
    text = str(app.screen.query_one("#symbol-facts").render())
    app.pop_screen()
    await wait_for(lambda: not isinstance(app.screen, SymbolScreen))
    return text


def _money(text: str, label: str) -> tuple[str, str]:
    """(figure, currency) after `label` in the facts: `EPS ttm 0.84 HKD` -> ("0.84", "HKD")."""
    figure, currency = text.split(label + " ", 1)[1].split()[:2]
    return figure, currency


async def test_the_symbol_screen_says_each_figure_s_currency():
    app = demo_app("ai-rivals")
    async with app.run_test(size=(120, 40)) as pilot:
        await until_ready(app)
        store = app.runtime.store
        smic = await _facts(app, "0981.HK")
        f = store.fundamentals["0981.HK"]
        assert (f.currency, f.financial_currency) == ("HKD", "USD")
        assert _money(smic, "EPS ttm") == (f"{f.eps_ttm:,.2f}", "HKD"), smic
        assert _money(smic, "net income")[1] == "USD" and _money(smic, "revenue")[1] == "USD", smic
        assert "Last 7" in smic and " HKD   day's change" in smic and "In HKD: open" in smic, smic
        byd = await _facts(app, "1211.HK")
        assert _money(byd, "net income")[1] == "CNY" and _money(byd, "EPS ttm")[1] == "HKD", byd
        await pilot.press("q")


async def test_an_index_level_carries_no_currency():
    app = demo_app("mag7")
    async with app.run_test(size=(120, 40)) as pilot:
        await until_ready(app)
        board = app.query_one(QuoteBoard)
        row = board.row_text(next(n for n, i in enumerate(board.instruments) if i.symbol == "^GSPC"))
        level = app.runtime.store.quotes["^GSPC"].price
        assert f"{level:,.2f}" in row and f"{level:,.2f} USD" not in row, row
        aapl = board.row_text(next(n for n, i in enumerate(board.instruments) if i.symbol == "AAPL"))
        assert " USD " in aapl  # a share price keeps its currency
        facts = await _facts(app, "^GSPC")
        assert f"Last {level:,.2f}   day's change" in facts and "USD" not in facts.splitlines()[0], facts
        assert "In USD" not in facts, facts
        await pilot.press("q")
