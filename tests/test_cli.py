"""The command line as a user runs it: snapshot, check, help, simulate."""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time

import pytest
from e2e_support import ASIA_OPEN, ROOT, US_OPEN, aiwatch

from tui.watchlists import load_all

PINNED = ("--demo", "--at", US_OPEN, "--speed", "0")


@pytest.fixture(scope="module")
def snapshot_doc():
    run = aiwatch("snapshot", *PINNED, "--format", "json", env={"AIWATCH_CONFIG_DIR": "/nonexistent-aiwatch"})
    assert run.returncode == 0, run.stderr
    return run.stdout


def test_snapshot_json_has_every_quote_pair_and_gauge(snapshot_doc):
    doc = json.loads(snapshot_doc)
    wl = load_all().watchlists["ai-rivals"]
    assert doc["source"] == "demo" and doc["simulated"] is True and doc["watchlist"] == "ai-rivals"
    assert doc["as_of"].startswith("2026-11-24T15:00:00")
    quotes = {q["symbol"]: q for q in doc["quotes"]}
    assert set(quotes) == set(wl.symbols)
    assert doc["missing"] == []
    for q in quotes.values():
        for key in ("symbol", "name", "currency", "price", "change_pct", "market_cap_usd", "pe_ttm", "ps_ttm",
                    "market_state", "stale"):
            assert key in q, (q["symbol"], key)
        assert q["market_state"] in ("PRE", "REGULAR", "BREAK", "POST", "CLOSED")
        assert q["price"] > 0
    # New York is open at 10:00 EST; Hong Kong and Shanghai closed at 23:00
    assert quotes["NVDA"]["market_state"] == "REGULAR"
    assert quotes["0981.HK"]["market_state"] == "CLOSED"
    assert quotes["0981.HK"]["currency"] == "HKD"
    # a USD cap from an HKD price: price x shares x USD per HKD, as the inputs say
    inputs = doc["inputs"]["0981.HK"]
    usd_per_hkd = doc["fx"]["HKD"]
    assert math.isclose(quotes["0981.HK"]["market_cap_usd"], inputs["price"] * inputs["shares"] * usd_per_hkd,
                        rel_tol=1e-6)
    # CoreWeave loses money: P/E is not meaningful, and says so with null
    assert quotes["CRWV"]["pe_ttm"] is None

    pairs = {p["name"]: p for p in doc["pairs"]}
    assert {p.name for p in wl.pairs} == set(pairs)
    chips = pairs["AI chips"]
    assert chips["us"] == ["NVDA"] and chips["cn"] == ["0981.HK"]
    pe = chips["metrics"]["pe_ttm"]
    assert math.isclose(pe["ratio"], pe["us"] / pe["cn"], rel_tol=1e-9)
    assert math.isclose(pe["log_ratio"], math.log(pe["us"] / pe["cn"]), rel_tol=1e-9)
    assert math.isclose(pe["ey_spread_pp"], 100 / pe["us"] - 100 / pe["cn"], rel_tol=1e-6)
    assert quotes["NVDA"]["pe_ttm"] == pytest.approx(pe["us"])
    ps = chips["metrics"]["ps_ttm"]
    assert math.isclose(ps["ratio"], ps["us"] / ps["cn"], rel_tol=1e-9)

    conc = doc["concentration"]
    assert 0 < conc["hhi"] <= 10_000 and 1 <= conc["effective_n"]
    assert conc["top1_symbol"] == "NVDA" and 0 < conc["top1_share"] < 1 and 0 < conc["us_share"] < 1
    assert math.isclose(conc["effective_n"], 10_000 / conc["hhi"], rel_tol=1e-6)


def test_snapshot_repeats_exactly_on_a_seeded_frozen_clock(snapshot_doc):
    again = aiwatch("snapshot", *PINNED, "--format", "json", env={"AIWATCH_CONFIG_DIR": "/nonexistent-aiwatch"})
    assert again.returncode == 0, again.stderr
    assert again.stdout == snapshot_doc


def test_snapshot_another_seed_gives_other_prices(snapshot_doc):
    other = aiwatch("snapshot", "--demo", "--at", US_OPEN, "--speed", "0", "--seed", "8", "--format", "json")
    assert other.returncode == 0, other.stderr
    a = {q["symbol"]: q["price"] for q in json.loads(snapshot_doc)["quotes"]}
    b = {q["symbol"]: q["price"] for q in json.loads(other.stdout)["quotes"]}
    assert a != b


def test_snapshot_table_and_csv_label_simulated_data():
    table = aiwatch("snapshot", "--demo", "--at", ASIA_OPEN, "--speed", "0", "--watchlist", "chips")
    assert table.returncode == 0, table.stderr
    assert "DEMO" in table.stdout and "0981.HK" in table.stdout and "688981.SS" in table.stdout
    csv = aiwatch("snapshot", "--demo", "--at", ASIA_OPEN, "--speed", "0", "--format", "csv", "-w", "evs")
    assert csv.returncode == 0, csv.stderr
    header, *rows = csv.stdout.strip().splitlines()
    assert "symbol" in header and "market_cap_usd" in header
    assert any(r.startswith("1211.HK,") for r in rows)


def test_snapshot_unknown_watchlist_is_a_clear_error():
    run = aiwatch("snapshot", "--demo", "--at", US_OPEN, "--speed", "0", "--watchlist", "nope")
    assert run.returncode == 2
    assert "unknown watchlist 'nope'" in run.stderr and "ai-rivals" in run.stderr
    assert "Traceback" not in run.stderr


def test_snapshot_into_a_closed_pipe_exits_quietly(tmp_path):
    """`aiwatch snapshot | head` whose reader has left: exit status 141 (SIGPIPE's, as a shell expects), nothing on
    stderr, no error in the log. Before: "aiwatch: BrokenPipeError ..." on stderr, status 1, a traceback logged."""
    r, w = os.pipe()
    os.close(r)  # the reader is gone before anything is written
    env = {**os.environ, "PYTHONPATH": str(ROOT), "AIWATCH_LOG_DIR": str(tmp_path / "log")}
    try:
        run = subprocess.run([sys.executable, "-m", "tui", "snapshot", *PINNED, "--format", "csv"], check=False,
                             cwd=ROOT, env=env, stdout=w, stderr=subprocess.PIPE, text=True, timeout=120)
    finally:
        os.close(w)
    assert run.returncode == 141 and run.stderr == ""
    log = (tmp_path / "log" / "aiwatch.log").read_text()
    assert "its output went away (broken pipe)" in log and "Traceback" not in log and " ERROR " not in log


def test_snapshot_timeout_names_the_missing_symbols(tmp_path):
    wl = tmp_path / "watchlists"
    wl.mkdir()
    (wl / "odd.toml").write_text(
        'title = "Odd"\n[[instrument]]\nsymbol = "NVDA"\nname = "Nvidia"\nside = "us"\ncompany = "nvidia"\n'
        '[[instrument]]\nsymbol = "QQQQ"\nname = "Not listed"\nside = "us"\ncompany = "qqqq"\n', encoding="utf-8")
    run = aiwatch("snapshot", *PINNED, "--watchlist", "odd", "--timeout", "3", "--format", "json",
                  env={"AIWATCH_CONFIG_DIR": str(tmp_path)})
    assert run.returncode == 3
    assert "QQQQ" in run.stderr
    doc = json.loads(run.stdout)
    assert doc["missing"] == ["QQQQ"]
    assert [q["symbol"] for q in doc["quotes"] if q["price"] is not None] == ["NVDA"]


def test_at_without_demo_is_refused():
    run = aiwatch("--at", US_OPEN)
    assert run.returncode == 2 and "--demo" in run.stderr


def test_check_shipped_watchlists_pass(tmp_path):
    run = aiwatch("check", env={"AIWATCH_CONFIG_DIR": str(tmp_path)})
    assert run.returncode == 0, run.stdout + run.stderr


def test_check_broken_files_each_get_their_message(tmp_path):
    bad_toml = tmp_path / "bad.toml"
    bad_toml.write_text('title = "x"\n[[instrument]\nsymbol = "NVDA"\n', encoding="utf-8")
    dup = tmp_path / "dup.toml"
    dup.write_text(
        'title = "Dup"\n'
        '[[instrument]]\nsymbol = "NVDA"\nname = "Nvidia"\nside = "us"\ncompany = "nvidia"\n'
        '[[instrument]]\nsymbol = "NVDA"\nname = "Nvidia again"\nside = "us"\ncompany = "nvidia"\n',
        encoding="utf-8")
    good = ROOT / "watchlists" / "chips.toml"
    run = aiwatch("check", str(bad_toml), str(dup), str(good))
    assert run.returncode == 1
    out = run.stdout + run.stderr
    assert f"{bad_toml}:2" in out
    assert f"{dup}:" in out and "NVDA" in out and "duplicate" in out.lower()
    assert "Traceback" not in out


def test_help_of_every_command():
    for args in ((), ("snapshot",), ("simulate",), ("check",)):
        run = aiwatch(*args, "--help")
        assert run.returncode == 0 and "usage: aiwatch" in run.stdout


def test_simulate_serves_and_stops_on_sigterm():
    proc = subprocess.Popen([sys.executable, "-m", "tui", "simulate", "--port", "0", "--at", US_OPEN],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ})
    try:
        line = ""
        deadline = time.monotonic() + 30
        while "AIWATCH_YAHOO_URL" not in line and time.monotonic() < deadline:
            line = proc.stdout.readline()
        assert "AIWATCH_YAHOO_URL" in line
        base = line.split("=", 1)[1].strip().strip("'\"")
        import urllib.request

        with urllib.request.urlopen(base + "/v8/finance/chart/NVDA?range=5d&interval=1d", timeout=10) as r:
            body = json.load(r)
        assert body["chart"]["result"][0]["meta"]["symbol"] == "NVDA"
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)
    assert proc.returncode in (0, -signal.SIGTERM, 128 + signal.SIGTERM)
