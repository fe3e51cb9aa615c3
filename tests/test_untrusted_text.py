"""Outside text stays data where it enters the model: every parser of the Yahoo client, the watchlist and config
loaders, the snapshot's renderers and exports, and the app's own writers (markup included)."""

from __future__ import annotations

import base64
import csv
import io
import json

import pytest
from hostile_support import CONTROL_MARKERS, MARKERS, TEXT_MARKERS, hostile_watchlist, traces

from tui.feeds.pricing import PricingData
from tui.feeds.yahoo_parse import (
    FrameError,
    NotFound,
    YahooError,
    parse_chart,
    parse_quote_summary,
    parse_stream_frame,
    parse_v7_quote,
)
from tui.sanitize import MESSAGE_MAX, NAME_MAX, clean_name
from tui.sim.faults import HOSTILE_MESSAGE, HOSTILE_NAMES

NOW = 1_764_000_000.0


def _frame(**fields) -> str:
    msg = PricingData(id="NVDA", price=183.25, time=int(NOW * 1000), **fields)
    return json.dumps({"type": "pricing", "message": base64.b64encode(msg.SerializeToString()).decode()})


def _clean(text: str | None, limit: int = NAME_MAX, markers=TEXT_MARKERS) -> None:
    assert text is not None
    assert not traces(text, markers), (traces(text, markers), text[:120])
    assert len(text) <= limit


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_stream_frame_names_are_cleaned_as_they_enter(name):
    quote = parse_stream_frame(_frame(short_name=name, exchange=name, currency="USD"), NOW)
    _clean(quote.short_name)
    _clean(quote.exchange)
    assert quote.short_name == clean_name(name)  # the text around the sequences is kept
    again = parse_stream_frame(_frame(short_name=name), NOW)  # the second time from the memory: the same
    assert again.short_name == quote.short_name


def test_stream_frame_with_an_escape_in_its_id_is_rejected_with_a_clean_reason():
    msg = PricingData(id="\x1b]0;PWNED\x07NVDA", price=1.0, time=int(NOW * 1000))
    frame = json.dumps({"type": "pricing", "message": base64.b64encode(msg.SerializeToString()).decode()})
    with pytest.raises(FrameError) as err:
        parse_stream_frame(frame, NOW)
    _clean(err.value.reason, MESSAGE_MAX)
    with pytest.raises(FrameError) as err:
        parse_stream_frame(json.dumps({"type": "\x1b[2J" + "x" * 10_000, "message": ""}), NOW)
    _clean(err.value.reason, MESSAGE_MAX)


def test_v7_quote_names_codes_and_errors_are_cleaned():
    name = HOSTILE_NAMES[0]
    doc = {"quoteResponse": {"result": [{
        "symbol": "NVDA", "regularMarketPrice": 183.0, "regularMarketTime": NOW, "currency": "USD",
        "shortName": name, "longName": HOSTILE_NAMES[5], "exchange": HOSTILE_NAMES[2],
        "fullExchangeName": HOSTILE_MESSAGE, "quoteType": "EQUITY\x9b2J"}], "error": None}}
    quotes, funds = parse_v7_quote(doc, NOW)
    _clean(quotes[0].short_name)
    _clean(quotes[0].exchange)
    _clean(funds[0].long_name)
    assert len(funds[0].long_name) == NAME_MAX and funds[0].long_name.endswith("…")
    assert funds[0].extra["quote_type"] == "EQUITY"  # C1 CSI "2J" went whole
    _clean(funds[0].extra["exchange_name"])
    with pytest.raises(YahooError) as err:
        parse_v7_quote({"quoteResponse": {"result": None, "error": {"code": "Bad Request\x1b[2J",
                                                                    "description": HOSTILE_MESSAGE}}}, NOW)
    _clean(str(err.value), MESSAGE_MAX + NAME_MAX + 2)
    _clean(err.value.description, MESSAGE_MAX)
    assert err.value.code == "Bad Request"
    with pytest.raises(YahooError) as err:  # auth and rate errors come as {"finance": {"error": ...}}
        parse_v7_quote({"finance": {"error": {"code": "Unauthorized", "description": HOSTILE_MESSAGE}}}, NOW)
    _clean(err.value.description, MESSAGE_MAX)


def test_quote_summary_names_are_cleaned():
    doc = {"quoteSummary": {"result": [{"price": {"symbol": "NVDA", "longName": HOSTILE_NAMES[3],
                                                  "shortName": HOSTILE_NAMES[4], "currency": "USD",
                                                  "exchange": "NMS\x00"}}], "error": None}}
    f = parse_quote_summary(doc, "NVDA", NOW)
    _clean(f.long_name)
    assert f.long_name == "@EvilNul plc" and f.exchange == "NMS"
    with pytest.raises(NotFound) as err:
        parse_quote_summary({"quoteSummary": {"result": None, "error": {"code": "Not Found",
                                                                        "description": HOSTILE_MESSAGE}}}, "X", NOW)
    _clean(err.value.description, MESSAGE_MAX)


def test_chart_errors_are_cleaned():
    with pytest.raises(YahooError) as err:
        parse_chart({"chart": {"result": None, "error": {"code": "Bad Request\x9b2J", "description": HOSTILE_MESSAGE}}})
    _clean(str(err.value), MESSAGE_MAX + NAME_MAX + 2)
    assert "Bad symbol" in str(err.value)  # the words are kept, the sequences go


# -- files ------------------------------------------------------------------------------------------------------

def test_watchlist_fields_are_cleaned_and_capped(tmp_path):
    from tui.watchlists import load_file

    wl, problems = load_file(hostile_watchlist(tmp_path))
    assert problems == [] and wl is not None
    for text in (wl.title, wl.description, *(i.name for i in wl.instruments), *(i.note for i in wl.instruments),
                 *(i.company for i in wl.instruments), *(p.name for p in wl.pairs)):
        _clean(text, MESSAGE_MAX)
    names = {i.symbol: i.name for i in wl.instruments}
    assert names["NVDA"] == '=HYPERLINK("http://evil.example/","x")'
    assert len(names["0981.HK"]) == NAME_MAX and len(wl.description) == MESSAGE_MAX
    assert wl.title == "Chips evil" and wl.pairs[0].name == "AI chips"


def test_watchlist_problems_quote_the_file_cleaned(tmp_path):
    from tui.watchlists import load_file

    path = tmp_path / "bad.toml"
    path.write_text('title = "x"\n"\\u001b]0;PWNED\\u0007' + "k" * 5_000 + '" = 1\n[[instrument]]\n'
                    'symbol = "\\u009b6n"\nname = "\\u0000"\nside = "us"\n', encoding="utf-8")
    _wl, problems = load_file(path)
    assert problems
    for p in problems:  # a problem may show the key as repr() does ('\x1b]0;…'): text, not control
        _clean(str(p), MESSAGE_MAX + len(str(path)) + 10, CONTROL_MARKERS)


def test_a_watchlist_file_named_with_an_escape_is_refused_and_the_others_load(tmp_path):
    from tui.watchlists import load_all

    user = tmp_path / "user"
    hostile_watchlist(user, "ok")
    (user / "x\x1b]0;PWNED\x07.toml").write_text((user / "ok.toml").read_text(encoding="utf-8"), encoding="utf-8")
    result = load_all(user_dir=user)
    assert "ok" in result.watchlists and not any("\x1b" in n for n in result.watchlists)
    assert any("control characters" in p.message for p in result.problems)
    assert not any(traces(str(p), TEXT_MARKERS) for p in result.problems)


def test_config_strings_and_problems_are_cleaned(tmp_path):
    from tui.config import load_config

    path = tmp_path / "config.toml"
    path.write_text('theme = "nord\\u001b]0;PWNED\\u0007"\nalert_command = "printf \'a\\tb\'"\n'
                    '"\\u001b[2Junknown" = 1\nfps = "\\u009b6n' + "9" * 3_000 + '"\n'
                    '[reference]\nsp500_total_cap = { value = 5e13, as_of = 2025-09-30, source = "x\\u202ey" }\n',
                    encoding="utf-8")
    config, problems = load_config(path)
    assert config.theme == "nord"
    assert config.alert_command == "printf 'a\tb'"  # run, never shown: as written
    assert config.reference["sp500_total_cap"]["source"] == "xy"
    assert len(problems) == 2
    for p in problems:
        _clean(p, MESSAGE_MAX)


# -- what goes out: snapshot renderers, exports ------------------------------------------------------------------

def _hostile_store_and_watchlist(tmp_path):
    from tui.core.store import MarketStore
    from tui.model import Quote, QuoteSource
    from tui.watchlists import load_file

    wl, _ = load_file(hostile_watchlist(tmp_path))
    store = MarketStore()
    for inst in wl.instruments:
        store.apply_quote(Quote(symbol=inst.symbol, price=100.0, time=NOW, source=QuoteSource.REST, received=NOW,
                                currency="USD", change=-1.5, change_pct=-1.5, short_name=HOSTILE_NAMES[0]))
    return store, wl


def test_snapshot_csv_neutralises_formulas_and_keeps_numbers(tmp_path):
    from tui.core.snapshot import build_snapshot, render_csv

    store, wl = _hostile_store_and_watchlist(tmp_path)
    # a name that reached the document uncleaned (a future source forgetting the sanitizer): still neutral
    doc = build_snapshot(store, wl, now=NOW, source="other", source_url="=cmd|' /C calc'!A0")
    doc["quotes"][1]["name"] = "\t@SUM(1+1)\x1b]0;PWNED\x07"
    text = render_csv(doc)
    assert not traces(text, {**MARKERS, "ESC": b"\x1b", "TAB": b"\t"})
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows[0]["name"].startswith("'=HYPERLINK(")
    assert rows[1]["name"] == "' @SUM(1+1)"
    assert all(r["data_source_url"].startswith("'=") for r in rows)
    assert rows[0]["change"] == "-1.5" and rows[0]["price"] == "100.0"  # numbers stay numbers


def test_snapshot_table_and_json_hold_nothing_a_terminal_acts_on(tmp_path):
    from tui.core.snapshot import build_snapshot, render_json, render_table

    store, wl = _hostile_store_and_watchlist(tmp_path)
    doc = build_snapshot(store, wl, now=NOW, source="demo")
    doc["quotes"][0]["name"] = HOSTILE_NAMES[3]  # uncleaned in the document: the renderers are the second line
    doc["title"] = HOSTILE_MESSAGE
    assert not traces(render_table(doc), TEXT_MARKERS)
    text = render_json(doc)
    assert not traces(text, CONTROL_MARKERS)  # written as \u escapes
    assert json.loads(text)["quotes"][0]["name"] == HOSTILE_NAMES[3]  # the JSON still says what the data says


def test_exports_neutralise_formulas(tmp_path):
    from tui.export import export_csv

    store, wl = _hostile_store_and_watchlist(tmp_path)
    board, spreads = export_csv(store, wl, now=NOW, source="demo", out_dir=tmp_path / "out")
    for path in (board, spreads):
        raw = path.read_bytes()
        assert not traces(raw, {**MARKERS, "ESC": b"\x1b"}), path
    rows = list(csv.DictReader(io.StringIO(board.read_text(encoding="utf-8"))))
    assert rows[0]["name"].startswith("'=HYPERLINK(") and rows[1]["name"].startswith("'-WWW")
    assert float(rows[0]["change"]) == -1.5


def test_the_log_file_holds_no_control_sequence(tmp_path, monkeypatch):
    import logging

    from tui.logs import setup_logging

    monkeypatch.setenv("AIWATCH_LOG_DIR", str(tmp_path))
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        setup_logging("INFO")
        logging.getLogger("tui.test").warning("name %s, message %s", HOSTILE_NAMES[0], HOSTILE_MESSAGE)
        for h in root.handlers:
            h.flush()
    finally:
        for h in list(root.handlers):
            root.removeHandler(h)
            h.close()
        for h in handlers:
            root.addHandler(h)
        root.setLevel(level)
    text = (tmp_path / "aiwatch.log").read_bytes()
    assert b"Bad symbol" in text and not traces(text, TEXT_MARKERS)


# -- the app's writers: markup is control too -------------------------------------------------------------------

async def test_markup_in_titles_names_and_messages_is_shown_as_text(tmp_path, monkeypatch):
    """A watchlist titled `[/x]` used to raise MarkupError in the palette and the notifications; `[@click=…]`
    made a button. Here they are shown as the text they are, and the app keeps running."""
    from textual.widgets import Static
    from ui_support import StaticRuntime

    from tui.app import AiwatchApp
    from tui.screens.dialogs import ConfirmScreen
    from tui.watchlists import load_file

    user = tmp_path / "wl"
    user.mkdir()
    (user / "marks.toml").write_text(
        'title = "[/x] [@click=app.quit]Quit[/] [link=\\"http://evil.example\\"]here[/link] [$accent]"\n'
        'description = "[/broken] \\u001b]0;PWNED\\u0007"\n'
        '[[instrument]]\nsymbol = "NVDA"\nname = "[bold]Nvidia[/bold] [/nope]"\nside = "us"\n', encoding="utf-8")
    wl, problems = load_file(user / "marks.toml")
    assert not problems

    from tui.watchlists import LoadResult

    app = AiwatchApp(StaticRuntime(), LoadResult(watchlists={"marks": wl}), initial="marks")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        app.notify(f"{wl.title}: {HOSTILE_MESSAGE}", title="[/t]")
        app.push_screen(ConfirmScreen(f"Remove NVDA ({wl.instruments[0].name}) from {wl.title}?"))
        await pilot.pause()
        question = app.screen.query_one("#confirm-question", Static)
        assert "[@click=app.quit]Quit[/]" in str(question.render())
        await pilot.press("escape")
        await pilot.press("ctrl+p")
        await pilot.pause()
        for ch in "marks":
            await pilot.press(ch)
        await pilot.pause(0.5)
        await pilot.press("escape")
        await pilot.pause()
        assert app.is_running
    assert app.return_code in (None, 0)
