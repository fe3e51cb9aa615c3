"""Alert rules: parsing with messages naming the key, edge-triggered firing, the log line, the command's stdin."""

from __future__ import annotations

import json
import sys

import pytest
from ui_support import StaticRuntime, watchlists

from tui.alerts import AlertEngine, Rule, parse_rule, parse_rule_text


def test_parse_errors_name_the_key():
    cases = [({"kind": "x"}, "kind"), ({"kind": "price", "symbol": "NVDA"}, "above/below"),
             ({"kind": "price", "above": 1}, "symbol"), ({"kind": "move", "pct": -1}, "pct"),
             ({"kind": "move", "pct": "5"}, "pct"), ({"kind": "zscore"}, "beyond"),
             ({"kind": "concentration", "gauge": "gini", "above": 1}, "gauge"),
             ({"kind": "price", "symbol": "NVDA", "above": 1, "colour": "red"}, "colour")]
    for table, key in cases:
        with pytest.raises(ValueError, match=key):
            parse_rule(table)
    assert parse_rule_text("above 200", "NVDA") == Rule("price", symbol="NVDA", above=200.0)
    assert parse_rule_text("move 5%", "NVDA") == Rule("move", symbol="NVDA", pct=5.0)
    with pytest.raises(ValueError):
        parse_rule_text("sideways 3", "NVDA")


def test_price_fires_once_per_crossing(tmp_path):
    rt = StaticRuntime()
    wl = watchlists().watchlists["ai-rivals"]
    log = tmp_path / "alerts.log"
    engine = AlertEngine([parse_rule({"kind": "price", "symbol": "NVDA", "above": 181, "below": 170})], log_path=log)
    now = rt.clock.now()
    assert engine.check(rt.store, wl, now) == []  # 180: neither
    rt.clock.advance(1)
    rt.tick("NVDA", 181.5)
    fired = engine.check(rt.store, wl, rt.clock.now())
    assert [a.message for a in fired] == ["NVDA at 181.50 crossed above 181.00"]
    rt.clock.advance(1)
    rt.tick("NVDA", 182.0)
    assert engine.check(rt.store, wl, rt.clock.now()) == []  # still above: no repeat
    rt.clock.advance(1)
    rt.tick("NVDA", 175.0)
    assert engine.check(rt.store, wl, rt.clock.now()) == []  # back between: re-armed
    rt.clock.advance(1)
    rt.tick("NVDA", 169.0)
    rt.clock.advance(1)
    assert [a.threshold for a in engine.check(rt.store, wl, rt.clock.now())] == [170.0]
    rt.tick("NVDA", 190.0)
    assert [a.threshold for a in engine.check(rt.store, wl, rt.clock.now())] == [181.0]
    lines = log.read_text().splitlines()
    assert len(lines) == 3 and "UTC" in lines[0] and "crossed above 181.00" in lines[0]


def test_move_wildcard_and_concentration():
    rt = StaticRuntime()
    wl = watchlists().watchlists["ai-rivals"]
    engine = AlertEngine([parse_rule({"kind": "move", "symbol": "*", "pct": 1.3}),
                          parse_rule({"kind": "concentration", "gauge": "top1", "above": 50})])
    fired = engine.check(rt.store, wl, rt.clock.now())
    moves = sorted(a.subject for a in fired if a.kind == "move")
    # NVDA +1.12%, 0981.HK -1.41%, TSLA +1.20%, 1211.HK +1.52%, NIO -1.96%: more than 1.3% either way
    assert moves == ["0981.HK", "1211.HK", "NIO"]
    assert [a.subject for a in fired if a.kind == "concentration"] == ["top1"]


def test_zscore_rule(monkeypatch):
    import tui.core.history as history

    rt = StaticRuntime()
    wl = watchlists().watchlists["ai-rivals"]
    z = {"AI chips": 2.5, "EVs": -1.0}
    monkeypatch.setattr(history, "relative_performance",
                        lambda store, w, pair, now=None: type("R", (), {"z": z.get(pair.name)})())
    engine = AlertEngine([parse_rule({"kind": "zscore", "pair": "*", "beyond": 2})])
    fired = engine.check(rt.store, wl, rt.clock.now())
    assert [a.subject for a in fired] == ["AI chips"]
    z["EVs"] = -3.0
    assert [a.subject for a in engine.check(rt.store, wl, rt.clock.now())] == ["EVs"]
    one = AlertEngine([parse_rule({"kind": "zscore", "pair": "ai-chips", "beyond": 2})])
    assert [a.subject for a in one.check(rt.store, wl, rt.clock.now())] == ["AI chips"]


async def test_command_gets_the_alert_as_json_on_stdin(tmp_path):
    out = tmp_path / "got.json"
    hook = tmp_path / "hook.py"
    hook.write_text(f"import sys, pathlib; pathlib.Path({str(out)!r}).write_text(sys.stdin.read())\n")
    rt = StaticRuntime()
    wl = watchlists().watchlists["ai-rivals"]
    engine = AlertEngine([parse_rule({"kind": "price", "symbol": "NVDA", "below": 200})],
                         command=f"{sys.executable} {hook}")
    fired = engine.check(rt.store, wl, rt.clock.now())
    await engine.drain()
    doc = json.loads(out.read_text())
    assert doc["subject"] == "NVDA" and doc["message"] == fired[0].message and doc["rule"]["below"] == 200.0
    quiet = AlertEngine([parse_rule({"kind": "price", "symbol": "NVDA", "below": 200})])
    quiet.check(rt.store, wl, rt.clock.now())
    assert not quiet._tasks  # no command configured: none run
