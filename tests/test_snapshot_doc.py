"""The snapshot document: keys, JSON round trip without NaN, CSV and the 100-column table."""

from __future__ import annotations

import csv
import io
import json

import pytest
from analytics_support import US_OPEN, fundamentals, inst, pair, quote, store_with, watchlist

from tui.core.snapshot import CSV_COLUMNS, build_snapshot, render_csv, render_json, render_table
from tui.model import MarketState, Side

QUOTE_KEYS = {
    "symbol",
    "name",
    "currency",
    "price",
    "change",
    "change_pct",
    "market_cap_usd",
    "pe_ttm",
    "ps_ttm",
    "market_state",
    "stale",
    "age_s",
    "delay_minutes",
    "quote_time",
    "source",
}


def _doc(source: str = "demo", source_url: str | None = None):
    store = store_with(
        [
            quote("NVDA", 200.0, change_pct=2.0, time=US_OPEN - 10, market_state=MarketState.CLOSED),
            quote(
                "NIO", 5.0, change_pct=float("nan"), time=US_OPEN - 600
            ),  # NaN from a bad source; 10 min old
            quote("0981.HK", 78.0, "HKD", change_pct=-1.0, time=US_OPEN - 20000, delay=15),
            quote("^GSPC", 6000.0, change_pct=0.5, time=US_OPEN - 5),
        ],
        [
            fundamentals("NVDA", shares_outstanding=25e9, net_income_ttm=100e9, revenue_ttm=200e9),
            fundamentals("NIO", shares_outstanding=2e9, net_income_ttm=-3e9, revenue_ttm=9e9),
            fundamentals(
                "0981.HK", "HKD", "USD", shares_outstanding=8e9, net_income_ttm=0.8e9, revenue_ttm=8e9
            ),
        ],
        fx={"HKD": 7.8},
    )
    wl = watchlist(
        [
            inst("NVDA", Side.US, "Nvidia", name="Nvidia"),
            inst("NIO", Side.CN, "NIO", name="NIO ADR"),
            inst("0981.HK", Side.CN, "SMIC", name="SMIC H"),
            inst("1211.HK", Side.CN, "BYD", name="BYD H"),
            inst("^GSPC", Side.US, kind="index", name="S&P 500"),
        ],
        [
            pair("AI chips: Nvidia vs SMIC", ["NVDA"], ["0981.HK"]),
            pair("chips vs EV loss", ["NVDA"], ["NIO"]),
        ],
    )
    return build_snapshot(store, wl, now=US_OPEN, source=source, missing=["BOGUS"], source_url=source_url)


def test_documented_keys_and_values():
    doc = _doc()
    assert {
        "as_of",
        "source",
        "watchlist",
        "simulated",
        "quotes",
        "pairs",
        "concentration",
        "fx",
        "inputs",
        "missing",
    } <= doc.keys()
    assert (
        doc["as_of"] == "2025-11-25T15:00:00Z"
        and doc["simulated"] is True
        and doc["watchlist"] == "test-list"
    )
    by_sym = {q["symbol"]: q for q in doc["quotes"]}
    assert set(by_sym) == {"NVDA", "NIO", "0981.HK", "^GSPC"}
    for q in doc["quotes"]:
        assert QUOTE_KEYS <= q.keys()
    nvda = by_sym["NVDA"]
    assert nvda["market_state"] == "REGULAR"  # the market's state, not the quote's CLOSED
    assert nvda["pe_ttm"] == pytest.approx(50.0) and nvda["market_cap_usd"] == pytest.approx(5e12)
    assert nvda["stale"] is False and nvda["age_s"] == 10.0 and nvda["quote_time"] == "2025-11-25T14:59:50Z"
    assert by_sym["NIO"]["stale"] is True  # 600 s old while New York is open
    assert by_sym["NIO"]["pe_ttm"] is None and by_sym["NIO"]["ey"] == pytest.approx(-0.3)
    assert by_sym["NIO"]["change_pct"] is None  # NaN never reaches the document
    smic = by_sym["0981.HK"]
    assert smic["market_state"] == "CLOSED" and smic["stale"] is False and smic["delay_minutes"] == 15
    assert smic["market_cap_usd"] == pytest.approx(80e9)
    assert by_sym["^GSPC"]["market_cap_usd"] is None
    chips = doc["pairs"][0]
    assert chips["us"] == ["NVDA"] and chips["cn"] == ["0981.HK"]
    assert chips["metrics"]["pe_ttm"]["ratio"] == pytest.approx(0.5)
    assert chips["metrics"]["pe_ttm"]["ey_spread_pp"] == pytest.approx(1.0)
    assert chips["metrics"]["ps_ttm"]["ratio"] == pytest.approx(2.5)
    assert chips["members"]["cn"]["with_data"] == 1 and chips["members"]["cn"]["total"] == 1
    loss = doc["pairs"][1]["metrics"]["pe_ttm"]
    assert loss["cn"] is None and loss["ratio"] is None
    assert loss["ey_spread_pp"] == pytest.approx(2.0 - -30.0)  # 2 % - (-30 %)
    assert doc["fx"] == {"HKD": pytest.approx(1 / 7.8)}
    assert doc["inputs"]["0981.HK"]["financial_currency"] == "USD"
    assert doc["inputs"]["0981.HK"]["shares"] == 8e9
    assert doc["missing"] == ["BOGUS", "1211.HK"]
    conc = doc["concentration"]
    assert conc["top1_symbol"] == "NVDA" and conc["n_companies"] == 3
    assert conc["us_share"] + conc["cn_share"] == pytest.approx(1.0)


def test_json_round_trip_without_nan():
    doc = _doc()
    text = render_json(doc)
    assert "NaN" not in text and "Infinity" not in text
    assert json.loads(text) == doc


def test_yahoo_source_is_not_simulated():
    assert _doc("yahoo")["simulated"] is False
    assert "DEMO" not in render_table(_doc("yahoo"))


def test_another_server_is_never_called_yahoo_in_json_csv_or_table():
    """Review finding: with AIWATCH_YAHOO_URL / --yahoo-url pointed elsewhere the header says "not Yahoo: host";
    the snapshot said "source": "yahoo". It says "other" and the URL, and does not claim to know whether the
    data is simulated."""
    doc = _doc("other", "http://127.0.0.1:1234")
    assert doc["source"] == "other" and doc["source_url"] == "http://127.0.0.1:1234"
    assert doc["simulated"] is None  # `aiwatch simulate` is one such server: not known
    assert json.loads(render_json(doc))["source_url"] == "http://127.0.0.1:1234"
    head, *body = list(csv.reader(io.StringIO(render_csv(doc))))
    rows = [dict(zip(head, row, strict=True)) for row in body]
    assert rows and all(row["data_source"] == "other" and row["data_source_url"] == "http://127.0.0.1:1234"
                        for row in rows)
    table = render_table(doc)
    assert "source: yahoo" not in table
    assert "source: other (http://127.0.0.1:1234)" in table.splitlines()[0]
    assert table.splitlines()[1].startswith("NOT YAHOO: data from http://127.0.0.1:1234")
    # Yahoo's own hosts and the demo carry no URL
    assert _doc("yahoo")["source_url"] is None and _doc("demo")["source_url"] is None


def test_exports_name_another_server_too(tmp_path):
    from tui.export import export_csv

    now = US_OPEN
    store = store_with([quote("NVDA", 200.0, time=now - 10)],
                       [fundamentals("NVDA", shares_outstanding=25e9, net_income_ttm=100e9, revenue_ttm=200e9)])
    wl = watchlist([inst("NVDA", Side.US, "Nvidia", name="Nvidia"), inst("NIO", Side.CN, "NIO", name="NIO")],
                   [pair("p", ["NVDA"], ["NIO"])])
    board, spreads = export_csv(store, wl, now=now, source="other", source_url="http://127.0.0.1:1234",
                                out_dir=tmp_path)
    for path in (board, spreads):
        rows = list(csv.DictReader(io.StringIO(path.read_text())))
        assert rows and all(r["data_source"] == "other" and r["data_source_url"] == "http://127.0.0.1:1234"
                            for r in rows), path.name


def test_data_source_follows_the_redirect(monkeypatch):
    from tui.runtime import data_source

    monkeypatch.delenv("AIWATCH_YAHOO_URL", raising=False)
    monkeypatch.delenv("AIWATCH_STREAM_URL", raising=False)
    assert data_source(None) == ("yahoo", None)
    assert data_source(None, stream_url="ws://127.0.0.1:7777/") == ("other", "ws://127.0.0.1:7777")
    assert data_source("http://127.0.0.1:8765/") == ("other", "http://127.0.0.1:8765")
    assert data_source("https://user:secret@mirror.example.net:8443/y?k=v") == (
        "other", "https://mirror.example.net:8443/y")  # never a password in a snapshot
    monkeypatch.setenv("AIWATCH_YAHOO_URL", "http://127.0.0.1:9999")
    assert data_source(None) == ("other", "http://127.0.0.1:9999")
    assert data_source(None, demo=True) == ("demo", None)  # the demo's own simulator, whatever the env says


def test_csv_one_row_per_quote():
    doc = _doc()
    rows = list(csv.reader(io.StringIO(render_csv(doc))))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert [r[0] for r in rows[1:]] == [q["symbol"] for q in doc["quotes"]]
    nio = dict(zip(rows[0], rows[2], strict=True))
    assert nio["pe_ttm"] == "" and nio["stale"] == "True"
    # every row says whether the data is simulated, and which path its price took
    assert {dict(zip(rows[0], r, strict=True))["data_source"] for r in rows[1:]} == {doc["source"]}
    assert {dict(zip(rows[0], r, strict=True))["data_source_url"] for r in rows[1:]} == {""}
    assert nio["quote_source"] == doc["quotes"][1]["source"]


def test_table_fits_100_columns_and_says_what_it_shows():
    text = render_table(_doc())
    lines = text.splitlines()
    assert all(len(line) <= 100 for line in lines), max(lines, key=len)
    assert "DEMO" in lines[1]
    assert any(line.startswith("symbol") and line.endswith("flags") for line in lines)  # headers not wrapped
    assert any(line.startswith("pair") and line.endswith("data") for line in lines)
    assert "AI chips: Nvidia vs S…" in text
    nio = next(line for line in lines if line.startswith("NIO "))
    assert "n/m" in nio and "STALE" in nio
    smic = next(line for line in lines if line.startswith("0981.HK"))
    assert "delay15m" in smic
    assert "1211.HK" in text and "highly concentrated" in text
