"""A hostile data source, end to end: the simulator's `hostile` switch sends names and messages with escape
sequences, C1 controls, NUL, bidi overrides and 10,000 characters on the stream, v7, quoteSummary and chart.
What a user sees and keeps holds none of it: the bytes a real `python -m tui` writes to its terminal (80×24, a
symbol added with `a`, its symbol screen opened, an export), the exports, the log, and `aiwatch snapshot`'s table,
CSV and JSON. And when a source fails, `aiwatch snapshot` says why and exits with that cause's status."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import socket
import sys
import time
import tomllib

import pytest
from e2e_support import US_OPEN, aiwatch
from hostile_support import CONTROL_MARKERS, TEXT_MARKERS, Server, all_429, garbage, hostile_watchlist, traces
from pty_support import AT, PtyApp

from tui.feeds.trouble import EXIT_MISSING, EXIT_STATUS, Cause
from tui.sanitize import NAME_MAX, clean_name
from tui.sim.faults import HOSTILE_NAMES, hostile_name

HOSTILE = "hostile=1,hostile_errors=0.2"


def _until(app: PtyApp, predicate, what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout}s; last bytes {app.out[-1500:]!r}\n"
                                 f"log:\n{app.log_text()[-2000:]}")
        app.pump(0.05)


def _add_symbol(app: PtyApp, symbol: str, saved) -> None:
    """`a`, the symbol, Enter; again while the source answers an error (hostile_errors), until it is saved."""
    mark = len(app.out)
    os.write(app.fd, b"a")
    _until(app, lambda: b"Add a symbol" in app.out[mark:], "the add dialog")
    os.write(app.fd, symbol.encode())
    for _ in range(12):
        os.write(app.fd, b"\r")
        try:
            _until(app, lambda: symbol in saved(), f"{symbol} saved", timeout=3)
            return
        except AssertionError:
            continue
    raise AssertionError(f"{symbol} was never added; log:\n{app.log_text()[-2000:]}")


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX pseudo-terminals")
def test_hostile_source_reaches_no_terminal_file_or_log(tmp_path):
    app = PtyApp(tmp_path, "--demo", "--at", AT, "--speed", "0", "--faults", HOSTILE, size=(80, 24))
    try:
        app.wait_ready()
        user_list = tmp_path / "config" / "watchlists" / "ai-rivals.toml"

        def saved() -> str:
            return user_list.read_text(encoding="utf-8") if user_list.exists() else ""

        # AAPL's name is an OSC 0 behind a formula, INTC's 10,000 characters (tui/sim/faults.py)
        assert hostile_name("AAPL") == HOSTILE_NAMES[0] and hostile_name("INTC") == HOSTILE_NAMES[5]
        _add_symbol(app, "INTC", saved)
        _add_symbol(app, "AAPL", saved)  # the cursor lands on it
        mark = len(app.out)
        os.write(app.fd, b"\r")  # its symbol screen: name, quote, fundamentals, the chart's hostile error
        _until(app, lambda: b"one-year chart" in app.out[mark:], "the symbol screen with the one-year chart's error")
        _until(app, lambda: b"HYPERLINK" in app.out[mark:], "the source's name on the symbol screen")
        mark = len(app.out)
        os.write(app.fd, b"\x1b")
        # the main screen again (a key sent at once after ESC would be read as Alt+key)
        _until(app, lambda: b"Age +delay" in app.out[mark:], "the main screen again (the board's header)")
        os.write(app.fd, b"e")
        exports = tmp_path / "data" / "exports"
        _until(app, lambda: len(list(exports.glob("*.csv"))) == 2, "the export")
        os.write(app.fd, b"q")
        assert app.wait_exit(15) == 0
    finally:
        app.kill()

    # the terminal: the names were shown (cleaned), none of what they carried was written
    assert traces(app.out) == [], traces(app.out)
    assert b"Bad symbol" in app.out  # the hostile error message, shown as text
    # the watchlist file the name was saved to, the exports, the log
    names = [i["name"] for i in tomllib.loads(saved())["instrument"]]
    assert clean_name(HOSTILE_NAMES[0]) in names
    assert any(len(n) == NAME_MAX and n.startswith("-WWW") for n in names)
    assert traces(saved(), TEXT_MARKERS) == []
    board = next(exports.glob("*-board-*.csv"))
    for path in exports.glob("*.csv"):
        assert traces(path.read_bytes(), TEXT_MARKERS) == [], path
    rows = {r["symbol"]: r for r in csv.DictReader(io.StringIO(board.read_text(encoding="utf-8")))}
    assert rows["AAPL"]["name"].startswith("'=HYPERLINK(")  # a formula no more
    assert rows["INTC"]["name"].startswith("'-WWW")
    assert float(rows["AAPL"]["price"]) > 0  # numbers stay numbers
    log = app.log_text()
    assert "no chart" in log or "no daily history" in log or "one-year" in log or "Bad symbol" in log
    assert traces(log, TEXT_MARKERS) == []


def test_hostile_source_and_file_reach_no_snapshot(tmp_path):
    """`aiwatch snapshot` on the hostile simulator, with a user watchlist whose names are hostile too: the table,
    the CSV (formulas neutralised) and the JSON (escaped) hold nothing a terminal or a spreadsheet acts on."""
    hostile_watchlist(tmp_path / "watchlists", "evil")
    env = {"AIWATCH_CONFIG_DIR": str(tmp_path), "AIWATCH_LOG_DIR": str(tmp_path / "log")}
    base = ("snapshot", "--demo", "--at", US_OPEN, "--speed", "0", "--faults", HOSTILE, "-w", "evil",
            "--timeout", "20")
    table = aiwatch(*base, env=env)
    assert table.returncode == 0, table.stderr
    assert "HYPERLINK" in table.stdout and traces(table.stdout, TEXT_MARKERS) == []
    assert traces(table.stderr, TEXT_MARKERS) == []
    assert max(len(line) for line in table.stdout.splitlines()) <= 100
    rows = list(csv.DictReader(io.StringIO(aiwatch(*base, "--format", "csv", env=env).stdout)))
    assert [r["name"][:3] for r in rows] == ["'=H", "'-W"]
    assert all(traces(v, TEXT_MARKERS) == [] for r in rows for v in r.values())
    assert float(rows[0]["price"]) > 0
    text = aiwatch(*base, "--format", "json", env=env).stdout
    assert traces(text, CONTROL_MARKERS) == []
    doc = json.loads(text)
    assert doc["title"] == "Chips evil" and doc["quotes"][0]["name"].startswith("=HYPERLINK(")
    log = (tmp_path / "log" / "aiwatch.log").read_bytes()
    assert traces(log, TEXT_MARKERS) == []


# -- failures named by their cause -------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _snapshot(base: str, stream: str, *extra: str, tmp_path, timeout: str = "3"):
    return aiwatch("snapshot", "--yahoo-url", base, "--stream-url", stream, "-w", "chips", "--timeout", timeout,
                   *extra, env={"AIWATCH_CONFIG_DIR": str(tmp_path), "AIWATCH_CACHE_DIR": str(tmp_path / "cache"),
                                "AIWATCH_LOG_DIR": str(tmp_path / "log"), "AIWATCH_TRANSPORT": "aiohttp"})


WHEN = r" since \d\d:\d\d; next try \d\d:\d\d"


def test_snapshot_against_an_all_429_server_names_the_rate_limit(tmp_path):
    server = Server(all_429())
    try:
        run = _snapshot(server.base_url, server.stream_url, tmp_path=tmp_path)
    finally:
        server.stop()
    host = f"127.0.0.1:{server.port}"
    assert run.returncode == EXIT_STATUS[Cause.RATE_LIMITED] == 4, run.stderr
    assert re.search(rf"^aiwatch: rate-limited by {host} \(HTTP 429\){WHEN}; no quote within 3 s for: 0981\.HK, ",
                     run.stderr), run.stderr
    assert "Traceback" not in run.stderr


def test_snapshot_against_a_closed_port_names_the_host(tmp_path):
    port = _free_port()
    run = _snapshot(f"http://127.0.0.1:{port}", f"ws://127.0.0.1:{port}/streamer/", tmp_path=tmp_path)
    assert run.returncode == EXIT_STATUS[Cause.REFUSED] == 5, run.stderr
    assert re.search(rf"^aiwatch: cannot connect to 127\.0\.0\.1:{port}: connection refused{WHEN}; no quote",
                     run.stderr), run.stderr


def test_snapshot_against_a_garbage_server_says_so(tmp_path):
    server = Server(garbage())
    try:
        run = _snapshot(server.base_url, server.stream_url, tmp_path=tmp_path)
    finally:
        server.stop()
    assert run.returncode == EXIT_STATUS[Cause.GARBAGE] == 9, run.stderr
    assert re.search(rf"^aiwatch: 127\.0\.0\.1:{server.port} answers garbage: .+{WHEN}; no quote", run.stderr), \
        run.stderr


def test_snapshot_through_a_dead_proxy_names_the_proxy(tmp_path):
    port, proxy = _free_port(), _free_port()
    run = _snapshot(f"http://127.0.0.1:{port}", f"ws://127.0.0.1:{port}/streamer/", "--proxy",
                    f"http://127.0.0.1:{proxy}", tmp_path=tmp_path)
    assert run.returncode == EXIT_STATUS[Cause.PROXY] == 7, run.stderr
    assert re.search(rf"^aiwatch: proxy failure \(127\.0\.0\.1:{proxy}\): connection refused{WHEN}", run.stderr), \
        run.stderr


def test_snapshot_speaking_tls_to_a_plain_server_names_the_tls_failure(tmp_path):
    server = Server(garbage())
    try:
        run = _snapshot(f"https://127.0.0.1:{server.port}", f"wss://127.0.0.1:{server.port}/streamer/",
                        tmp_path=tmp_path)
    finally:
        server.stop()
    assert run.returncode == EXIT_STATUS[Cause.TLS] == 6, run.stderr
    assert re.search(rf"^aiwatch: TLS failure with 127\.0\.0\.1:{server.port}: .+{WHEN}", run.stderr), run.stderr


def test_snapshot_missing_symbols_without_a_failure_keep_their_status(tmp_path):
    """The source answers and knows nothing of a symbol: no cause to name, status 3 as before."""
    wl = tmp_path / "watchlists"
    wl.mkdir()
    (wl / "odd.toml").write_text(
        'title = "Odd"\n[[instrument]]\nsymbol = "NVDA"\nname = "Nvidia"\nside = "us"\n'
        '[[instrument]]\nsymbol = "QQQQ"\nname = "Not listed"\nside = "us"\n', encoding="utf-8")
    run = aiwatch("snapshot", "--demo", "--at", US_OPEN, "--speed", "0", "-w", "odd", "--timeout", "5",
                  env={"AIWATCH_CONFIG_DIR": str(tmp_path)})
    assert run.returncode == EXIT_MISSING == 3
    assert "the source does not know: QQQQ" in run.stderr


def test_snapshot_help_lists_the_exit_statuses():
    run = aiwatch("snapshot", "--help")
    text = " ".join(run.stdout.split())
    for words in ("3 quotes missing at the timeout", "4 rate-limited (HTTP 429)", "5 cannot reach the host",
                  "6 TLS failure", "7 proxy failure", "8 cookie or crumb refused", "9 the source answers garbage",
                  "10 the source answers an HTTP error"):
        assert words in text, words
