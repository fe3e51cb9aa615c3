"""The main screen's keys with Pilot on the demo (seeded simulator, frozen clock): a, d, n, s, /, Enter, e, !, l."""

from __future__ import annotations

import csv
import json

import pytest
from e2e_support import demo_app, demo_runtime, type_into, until_ready, wait_for

from tui.alerts import parse_rule
from tui.app import AiwatchApp
from tui.config import Config, load_config
from tui.screens.alerts import AlertsScreen
from tui.screens.dialogs import AddSymbolScreen, ConfirmScreen, FilterScreen, NewWatchlistScreen
from tui.screens.help import HelpScreen
from tui.screens.symbol import SymbolScreen
from tui.watchlists import load_all
from tui.widgets.board import QuoteBoard

pytestmark = pytest.mark.usefixtures("user_dirs")


def board(app) -> QuoteBoard:
    return app.query_one(QuoteBoard)


async def add_via_dialog(app, pilot, symbol: str) -> None:
    await pilot.press("a")
    await wait_for(lambda: isinstance(app.screen, AddSymbolScreen))
    await type_into(pilot, symbol)
    await pilot.press("enter")


async def test_add_and_remove_a_symbol_on_disk_and_after_restart(tmp_path):
    app = demo_app()
    user_file = tmp_path / "cfg" / "watchlists" / "chips.toml"
    async with app.run_test(size=(120, 40)) as pilot:
        await until_ready(app)
        # a symbol the data source does not know is refused, the dialog stays open and nothing is written
        await add_via_dialog(app, pilot, "ZZZZQ")
        screen = app.screen
        await wait_for(lambda: "not found" in str(screen.query_one("#add-error").render()))
        assert isinstance(app.screen, AddSymbolScreen) and not user_file.exists()
        await pilot.press("escape")
        # a real one is checked, saved to the user's copy and shown at once
        await add_via_dialog(app, pilot, "9984.T")
        await wait_for(lambda: "9984.T" in app.watchlist.symbols)
        assert board(app).cursor_symbol == "9984.T"
        assert 'symbol = "9984.T"' in user_file.read_text()
        assert app.runtime.feed.symbols[: len(app.watchlist.symbols)] == app.watchlist.symbols
        # d asks first; n keeps it
        await pilot.press("d")
        await wait_for(lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("n")
        await wait_for(lambda: not isinstance(app.screen, ConfirmScreen))
        assert "9984.T" in app.watchlist.symbols
        # move to NVDA and remove it with y
        board(app).move_cursor(list(app.watchlist.symbols).index("NVDA"))
        await pilot.press("d")
        await wait_for(lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(lambda: "NVDA" not in app.watchlist.symbols)
        await pilot.press("q")
    text = user_file.read_text()
    assert 'symbol = "9984.T"' in text and 'symbol = "NVDA"' not in text
    # a restart loads the user's copy
    again = demo_app()
    async with again.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert "9984.T" in again.watchlist.symbols and "NVDA" not in again.watchlist.symbols
        assert [i.symbol for i in board(again).instruments] == list(again.watchlist.symbols)
        await pilot.press("q")


async def test_new_watchlist(tmp_path):
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await until_ready(app)
        await pilot.press("n")
        await wait_for(lambda: isinstance(app.screen, NewWatchlistScreen))
        await type_into(pilot, "mine")
        await pilot.press("tab")
        await type_into(pilot, "Mine")
        await pilot.press("tab")
        await type_into(pilot, "AMD")
        await pilot.press("enter")
        await wait_for(lambda: app.watchlist.name == "mine")
        assert app.watchlist.symbols == ("AMD",)
        assert (tmp_path / "cfg" / "watchlists" / "mine.toml").exists()
        await pilot.press("q")
    assert load_all().watchlists["mine"].title == "Mine"


async def test_sort_cycles_and_filter():
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await until_ready(app)
        store = app.runtime.store
        listed = [i.symbol for i in board(app).instruments]
        assert listed == list(app.watchlist.symbols)

        def pct(s):
            q = store.quotes[s]
            return q.change_pct

        await pilot.press("s")  # change %, largest first
        shown = [i.symbol for i in board(app).instruments]
        assert board(app).sort_key == "change_pct"
        values = [pct(s) for s in shown if pct(s) is not None]
        assert values == sorted(values, reverse=True) and sorted(shown) == sorted(listed)
        assert board(app).row_text(0).startswith(shown[0])
        await pilot.press("s")  # market cap
        assert board(app).sort_key == "cap"
        await pilot.press("s")  # P/E
        assert board(app).sort_key == "pe"
        await pilot.press("s")  # symbol
        assert [i.symbol for i in board(app).instruments] == sorted(listed)
        await pilot.press("s")  # back to the list's order
        assert [i.symbol for i in board(app).instruments] == listed

        await pilot.press("slash")
        await wait_for(lambda: isinstance(app.screen, FilterScreen))
        await type_into(pilot, "smic")
        await pilot.press("enter")
        await wait_for(lambda: not isinstance(app.screen, FilterScreen))
        shown = [i.symbol for i in board(app).instruments]
        assert shown and all("smic" in i.name.lower() or "smic" in i.symbol.lower() for i in board(app).instruments)
        assert len(shown) < len(listed)
        assert board(app).render_line(1).text.startswith(shown[0])
        await pilot.press("slash")
        await wait_for(lambda: isinstance(app.screen, FilterScreen))
        await pilot.press("ctrl+u", "c", "n", "enter")  # a side alone
        await wait_for(lambda: board(app).filter_text == "cn")
        assert all(i.side.value == "cn" for i in board(app).instruments)
        await pilot.press("slash")
        await wait_for(lambda: isinstance(app.screen, FilterScreen))
        await pilot.press("ctrl+u", "enter")  # empty: everything again
        await wait_for(lambda: board(app).filter_text == "")
        assert [i.symbol for i in board(app).instruments] == listed
        await pilot.press("q")


async def test_an_alert_fires_on_the_simulator(tmp_path):
    # NVDA trades near 170 on this seeded day: the first look fires, saying it is already above 100; the test then
    # moves it below and back above with later quotes: that fires once more ("rose above"), marked DEMO
    rules = ({"kind": "price", "symbol": "NVDA", "above": 100.0}, {"kind": "move", "symbol": "AMD", "pct": 0.01},
             {"kind": "concentration", "gauge": "hhi", "above": 100.0})
    script = tmp_path / "hook.py"
    out = tmp_path / "alert.json"
    # one append per alert (several fire at once: the move rule covers every equity)
    script.write_text(f"import sys\nwith open({str(out)!r}, 'a') as f:\n    f.write(sys.stdin.readline())\n")
    import sys

    config = Config(alerts=rules, alert_command=f"{sys.executable} {script}", alert_command_in_demo=True)
    app = demo_app(config=config)
    bells = []
    async with app.run_test(size=(120, 40)) as pilot:
        app.bell = lambda: bells.append(1)
        await until_ready(app)
        nvda, _, hhi = app.alerts.rules
        await wait_for(lambda: app.alerts.state(nvda, "NVDA/above") == "fired" and app.alerts.state(hhi, "chips"))
        # already past at start: said so, not claimed as a crossing
        price = [a for a in app.alerts_fired if a.kind == "price"]
        assert len(price) == 1 and price[0].message.startswith("DEMO · NVDA already above 100: ")
        from dataclasses import replace

        store = app.runtime.store
        q = store.quotes["NVDA"]
        store.apply_quote(replace(q, price=90.0, time=q.time + 60))
        await wait_for(lambda: app.alerts.state(nvda, "NVDA/above") == "armed")
        store.apply_quote(replace(q, price=175.0, time=q.time + 120))
        await wait_for(lambda: len([a for a in app.alerts_fired if a.kind == "price"]) == 2)
        price = [a for a in app.alerts_fired if a.kind == "price"]
        assert price[1].message == "DEMO · NVDA rose above 100: 175.00 USD"
        assert price[1].simulated
        assert bells
        # notify() posts a message: the toast is in the list once the app has handled it, not at once
        await wait_for(lambda: any(n.title == "Alert" and n.message.startswith("DEMO") and "NVDA" in n.message
                                   for n in app._notifications))
        # edge-triggered: more refreshes do not fire it again
        start = app.refreshes
        await wait_for(lambda: app.refreshes >= start + 3)
        assert len([a for a in app.alerts_fired if a.kind == "price"]) == 2
        await app.alerts.drain()
        await wait_for(lambda: out.exists() and '"kind": "price"' in out.read_text())
        docs = [json.loads(line) for line in out.read_text().splitlines() if line.endswith("}")]
        doc = next(d for d in docs if d["kind"] == "price")
        assert {"kind", "subject", "message", "value", "threshold", "time_iso", "rule"} <= set(doc)
        assert doc["subject"] == "NVDA" and doc["threshold"] == 100.0
        assert doc["simulated"] is True and doc["source"] == "simulator"  # alert_command_in_demo = true
        log_file = tmp_path / "data" / "alerts.log"
        assert log_file.read_text().startswith("DEMO ") and "NVDA" in log_file.read_text()
        with log_file.open("ab") as f:
            f.write(b"\xff\xfe not utf-8\n")  # a damaged line does not stop the screen
        await pilot.press("l")
        await wait_for(lambda: isinstance(app.screen, AlertsScreen))
        assert "rose above 100: 175.00 USD" in str(app.screen.query_one("#alerts-text").render())
        assert "DEMO" in str(app.screen.query_one("#alerts-badge").render())
        await pilot.press("escape")
        await pilot.press("q")


async def test_add_alert_from_the_app_saves_to_config(tmp_path):
    config, _ = load_config()
    app = demo_app(config=config)
    async with app.run_test(size=(120, 40)) as pilot:
        await until_ready(app)
        board(app).move_cursor(0)
        symbol = board(app).cursor_symbol
        await pilot.press("exclamation_mark")
        await wait_for(lambda: app.screen.query("#filter-input"))
        await type_into(pilot, "move 0.001")
        await pilot.press("enter")
        await wait_for(lambda: any(r.kind == "move" for r in app.alerts.rules))
        rule = app.alerts.rules[-1]
        # checked at once (US_OPEN: market open), and true: it fires, saying "already"
        await wait_for(lambda: app.alerts.state(rule, symbol) == "fired", timeout=10)
        first = next(a.message for a in app.alerts_fired if a.subject == symbol)
        assert first.startswith(f"DEMO · {symbol} already ")
        await wait_for(lambda: any("alert added" in m.message for m in app._notifications))
        await pilot.press("q")
    saved, problems = load_config()
    assert problems == [] and saved.alerts[-1] == {"kind": "move", "symbol": symbol, "pct": 0.001}
    parse_rule(saved.alerts[-1])


async def test_enter_opens_the_symbol_screen_with_charts_and_fundamentals():
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await until_ready(app)
        await pilot.press("enter")
        await wait_for(lambda: isinstance(app.screen, SymbolScreen))
        screen = app.screen
        await wait_for(lambda: screen.loaded, timeout=20)
        assert screen.year and len(screen.year) > 200 and screen.intraday
        text = str(screen.query_one("#symbol-facts").render())
        assert "P/E ttm" in text and "Cap USD" in text and "fundamentals fetched" in text
        assert "DEMO" in str(screen.query_one("#symbol-title").render())
        assert "█" in str(screen.query_one("#year-chart").render())
        # the facts keep up with the market while the screen covers the board
        from dataclasses import replace

        sym = screen.instrument.symbol
        held = app.runtime.store.quotes[sym]
        app.runtime.store.apply_quote(replace(held, price=987.65, time=held.time + 1))
        await wait_for(lambda: "987.65" in str(screen.query_one("#symbol-facts").render()), timeout=5)
        await pilot.press("escape")
        await wait_for(lambda: not isinstance(app.screen, SymbolScreen))
        await pilot.press("q")


async def test_export_writes_board_and_spreads(tmp_path):
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await until_ready(app)
        await pilot.press("e")
        await wait_for(lambda: app.last_export is not None)
        board_path, spreads_path = app.last_export
        assert board_path.parent == tmp_path / "data" / "exports"
        await wait_for(lambda: any(board_path.name in n.message and spreads_path.name in n.message
                                   for n in app._notifications))
        rows = list(csv.DictReader(board_path.open()))
        assert {r["symbol"] for r in rows} == set(app.watchlist.symbols)
        assert all(r["data_source"] == "demo" for r in rows)
        spreads = list(csv.DictReader(spreads_path.open()))
        assert {r["pair"] for r in spreads} == {p.name for p in app.watchlist.pairs}
        assert all(r["data_source"] == "demo" for r in spreads)
        await pilot.press("q")


async def test_help_lists_every_key_and_keys_remap():
    config = Config(keys={"app.sort": "o"})
    app = demo_app(config=config)
    async with app.run_test(size=(120, 40)) as pilot:
        await until_ready(app)
        await pilot.press("question_mark")
        await wait_for(lambda: isinstance(app.screen, HelpScreen))
        keys = {k: d for k, d, _ in app.screen.keys}
        for label, words in (("a", "Add a symbol"), ("d", "Remove"), ("n", "new watchlist"), ("s", "Sort"),
                             ("/", "Filter"), ("Enter", "Symbol screen"), ("e", "Export"), ("!", "alert"),
                             ("l", "alerts log")):
            assert any(words.lower() in v.lower() for v in keys.values()), words
        await pilot.press("escape")
        await pilot.press("o")  # the remapped key sorts
        assert board(app).sort_key == "change_pct"
        await pilot.press("q")


async def test_add_alert_with_a_broken_config_stays_for_the_session(tmp_path):
    from tui.config import append_alert

    cfg = tmp_path / "cfg" / "config.toml"
    cfg.parent.mkdir(parents=True, exist_ok=True)
    table_file = tmp_path / "table.toml"
    table_file.write_text('[alerts]\nkind = "price"\n')  # a table, not [[alerts]]
    with pytest.raises(ValueError, match="not a list of"):
        append_alert({"kind": "move", "symbol": "NVDA", "pct": 5.0}, table_file)
    for text in ("this is = = not toml\n", '[alerts]\nkind = "price"\n'):
        cfg.write_text(text)
        app = demo_app(config=Config(path=cfg))
        async with app.run_test(size=(120, 40)) as pilot:
            await until_ready(app)
            board(app).move_cursor(0)
            await pilot.press("exclamation_mark")
            await wait_for(lambda: app.screen.query("#filter-input"))
            await type_into(pilot, "move 5")
            await pilot.press("enter")
            await wait_for(lambda: any("session only" in m.message for m in app._notifications))
            assert app.is_running and any(r.kind == "move" for r in app.alerts.rules)
            await pilot.press("q")
        assert cfg.read_text() == text  # left as it was


async def test_symbol_screen_dates_a_closed_markets_intraday_chart():
    """Saturday: the intraday chart is Friday's session and says so, never "today"."""
    app = AiwatchApp(demo_runtime("2026-11-21T15:00:00Z"), load_all(), initial="chips")
    async with app.run_test(size=(120, 40)) as pilot:
        await until_ready(app)
        await pilot.press("enter")  # the first row: a US listing
        await wait_for(lambda: isinstance(app.screen, SymbolScreen))
        screen = app.screen
        await wait_for(lambda: screen.loaded, timeout=20)
        assert screen.instrument.symbol == "NVDA"
        title = str(screen.query_one("#intraday-title").render())
        assert title == "Intraday, Fri 2026-11-20", title
        await pilot.press("escape")
