"""Time: market states across US daylight-saving changes, Hong Kong and Shanghai lunch breaks, holidays
(Thanksgiving in New York while Hong Kong trades), early closes, and past the end of the Shanghai calendar's
holiday data (weekday hours, a visible "holidays unknown" note) — pinned instants, in the app (the demo
runtime, simulator included, on one clock) and in `aiwatch snapshot --demo --at ... --speed 0`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from ui_support import ManualClock, wait_for

from tui.app import AiwatchApp
from tui.core.clock import parse_instant
from tui.runtime import Runtime
from tui.watchlists import load_all
from tui.widgets.header import WatchHeader

ROOT = Path(__file__).resolve().parents[1]

# instant (UTC) → expected header: (New York, Hong Kong, Shanghai) local time and state, and the unknown note
# (Tokyo's clock is checked in test_status_line.py)
HEADER_CASES = [
    # US switches to daylight time on Sunday 2026-03-08: the open moves from 14:30 to 13:30 UTC
    ("2026-03-06T14:29:00Z", ("09:29 pre-market", "22:29 closed", "22:29 closed"), None),
    ("2026-03-06T14:31:00Z", ("09:31 open", "22:31 closed", "22:31 closed"), None),
    ("2026-03-09T13:29:00Z", ("09:29 pre-market", "21:29 closed", "21:29 closed"), None),
    ("2026-03-09T13:31:00Z", ("09:31 open", "21:31 closed", "21:31 closed"), None),
    # and back to standard time on Sunday 2026-11-01
    ("2026-10-30T13:31:00Z", ("09:31 open", "21:31 closed", "21:31 closed"), None),
    ("2026-11-02T13:31:00Z", ("08:31 pre-market", "21:31 closed", "21:31 closed"), None),
    ("2026-11-02T14:31:00Z", ("09:31 open", "22:31 closed", "22:31 closed"), None),
    # Hong Kong lunch 12:00–13:00, Shanghai lunch 11:30–13:00
    ("2026-11-25T03:45:00Z", ("22:45 closed", "11:45 open", "11:45 lunch break"), None),
    ("2026-11-25T04:30:00Z", ("23:30 closed", "12:30 lunch break", "12:30 lunch break"), None),
    ("2026-11-25T05:15:00Z", ("00:15 closed", "13:15 open", "13:15 open"), None),
    # Thanksgiving: Hong Kong trades while it is Thanksgiving in New York; New York shut at 09:00 (not pre-market)
    ("2026-11-26T07:00:00Z", ("02:00 closed", "15:00 open", "15:00 closed"), None),
    ("2026-11-26T14:00:00Z", ("09:00 closed", "22:00 closed", "22:00 closed"), None),
    # the day after: New York closes at 13:00, post-market to 17:00
    ("2026-11-27T17:59:00Z", ("12:59 open", "01:59 closed", "01:59 closed"), None),
    ("2026-11-27T18:30:00Z", ("13:30 post-market", "02:30 closed", "02:30 closed"), None),
    ("2026-11-27T22:30:00Z", ("17:30 closed", "06:30 closed", "06:30 closed"), None),
    # Hong Kong's Christmas Eve: the morning only
    ("2026-12-24T03:00:00Z", ("22:00 closed", "11:00 open", "11:00 open"), None),
    ("2026-12-24T05:30:00Z", ("00:30 closed", "13:30 closed", "13:30 open"), None),
    # past XSHG's data (2026-12-31): plain weekday hours, lunch included, and the note
    ("2027-01-04T02:00:00Z", ("21:00 closed", "10:00 open", "10:00 open"), "holidays unknown: Shanghai"),
    ("2027-01-04T04:00:00Z", ("23:00 closed", "12:00 lunch break", "12:00 lunch break"),
     "holidays unknown: Shanghai"),
    ("2027-01-09T02:00:00Z", ("21:00 closed", "10:00 closed", "10:00 closed"), "holidays unknown: Shanghai"),
]


async def test_header_states_on_the_demo_runtime():
    """One app on the demo runtime (simulator and client on one movable, frozen clock), moved instant by
    instant: the header shows each market's right state, and the app keeps running throughout."""
    clock = ManualClock(parse_instant(HEADER_CASES[0][0]))
    runtime = Runtime(demo=True, clock=clock, rate=50.0)
    result = load_all()
    app = AiwatchApp(runtime, result, initial="ai-rivals")
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_for(pilot, lambda: "NVDA" in runtime.store.quotes, timeout=20)
        for instant, (ny, hk, sh), note in HEADER_CASES:
            clock._t = parse_instant(instant).timestamp()
            n = app.refreshes
            app._tick_clock()
            await wait_for(pilot, lambda n=n: app.refreshes >= n + 1)
            clocks = app.query_one(WatchHeader).query_one("#clocks").plain
            assert f"New York {ny}" in clocks, (instant, clocks)
            assert f"Hong Kong {hk}" in clocks, (instant, clocks)
            assert f"Shanghai {sh}" in clocks, (instant, clocks)
            if note is None:
                assert "holidays unknown" not in clocks, (instant, clocks)
            else:
                assert note in clocks, (instant, clocks)
        assert app._refresh_failures == 0
        assert app.is_running


@pytest.mark.parametrize(("size", "says"), [((80, 24), "SH 10:00 open?"), ((100, 30), "holidays unknown: SH, SZ")])
async def test_narrow_header_still_says_holidays_unknown(size, says):
    """Four clocks leave no room at 80 columns for the note: the assumed state says it with its `?` (help says
    what it means); from 100 columns the note names Shanghai and Shenzhen."""
    clock = ManualClock(parse_instant("2027-01-04T02:00:00Z"))
    runtime = Runtime(demo=True, clock=clock, rate=50.0)
    app = AiwatchApp(runtime, load_all(), initial="chips")
    async with app.run_test(size=size) as pilot:
        await wait_for(pilot, lambda: app.refreshes >= 2)
        clocks = app.query_one(WatchHeader).query_one("#clocks").plain
        assert "SH 10:00 open?" in clocks and "TK 11:00 open" in clocks and says in clocks, clocks


# -- snapshot, as a user runs it ------------------------------------------------------------------------------

# instant, watchlist → {symbol: (market_state, holidays_known)}
SNAPSHOT_CASES = {
    "thanksgiving": ("2026-11-26T07:00:00Z", "ai-rivals",
                     {"NVDA": ("CLOSED", True), "0981.HK": ("REGULAR", True), "1211.HK": ("REGULAR", True)}),
    "lunch": ("2026-11-25T04:30:00Z", "chips",
              {"0981.HK": ("BREAK", True), "688981.SS": ("BREAK", True), "NVDA": ("CLOSED", True)}),
    "early-close": ("2026-11-27T18:30:00Z", "chips", {"NVDA": ("POST", True), "0981.HK": ("CLOSED", True)}),
    "past-calendar": ("2027-01-04T02:00:00Z", "chips",
                      {"688981.SS": ("REGULAR", False), "688256.SS": ("REGULAR", False),
                       "0981.HK": ("REGULAR", True), "NVDA": ("CLOSED", True)}),
    # 09:40 in Hong Kong and Shanghai: open, but their feeds (15 minutes late) still show the pre-open
    "asia-just-open": ("2026-11-24T01:40:00Z", "ai-rivals",
                       {"0700.HK": ("REGULAR", True), "688256.SS": ("REGULAR", True)}),
    # 12:40 in Tokyo: open again, but its feed (20 minutes late) still shows the lunch break
    "tokyo-after-lunch": ("2026-11-26T03:40:00Z", "ai-rivals", {"9984.T": ("REGULAR", True)}),
}


@pytest.fixture(scope="module")
def snapshots(tmp_path_factory):
    """Every case's `aiwatch snapshot` run at once (they are independent processes): name → (rc, doc, stderr)."""
    tmp = tmp_path_factory.mktemp("snap")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIWATCH_")}
    env.update(AIWATCH_CONFIG_DIR=str(tmp / "config"), AIWATCH_LOG_DIR=str(tmp / "log"),
               AIWATCH_CACHE_DIR=str(tmp / "cache"), AIWATCH_DATA_DIR=str(tmp / "data"))
    procs = {
        name: subprocess.Popen(
            [sys.executable, "-m", "tui", "snapshot", "--demo", "--at", at, "--speed", "0", "--watchlist", wl,
             "--format", "json", "--timeout", "60"],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for name, (at, wl, _) in SNAPSHOT_CASES.items()
    }
    out = {}
    for name, p in procs.items():
        stdout, stderr = p.communicate(timeout=120)
        out[name] = (p.returncode, json.loads(stdout) if p.returncode in (0, 3) and stdout.strip() else None, stderr)
    return out


@pytest.mark.parametrize("case", list(SNAPSHOT_CASES))
def test_snapshot_market_states(snapshots, case):
    rc, doc, stderr = snapshots[case]
    assert rc == 0, stderr
    at, _, expected = SNAPSHOT_CASES[case]
    assert doc["as_of"] == at
    by_symbol = {q["symbol"]: q for q in doc["quotes"]}
    for symbol, (state, known) in expected.items():
        q = by_symbol[symbol]
        assert (q["market_state"], q["holidays_known"]) == (state, known), (case, symbol, q)
    assert "Traceback" not in stderr


@pytest.mark.parametrize("case", list(SNAPSHOT_CASES))
def test_no_demo_quote_is_stale(snapshots, case):
    """The simulator serves every quote as fresh as its market's feed can be, so none may be marked stale: the
    app marked Hong Kong, Shanghai and Shenzhen stale for the first 15 minutes of every session, and Tokyo for 20,
    as the delayed feed could not yet show anything after the bell."""
    rc, doc, stderr = snapshots[case]
    assert rc == 0, stderr
    stale = [(q["symbol"], q["market_state"], q["quote_time"]) for q in doc["quotes"] if q["stale"]]
    assert not stale, (case, stale)
