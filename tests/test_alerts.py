"""Alert rules: parsing with messages naming the key and refusing thresholds that cannot be, firing when true (the
first time it is seen too, saying "already"), re-arming only past a margin, the log line, the command's stdin."""

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
    assert parse_rule_text("hhi 2,500", None) == Rule("concentration", gauge="hhi", above=2500.0)
    with pytest.raises(ValueError):
        parse_rule_text("sideways 3", "NVDA")


@pytest.mark.parametrize("table, reason", [
    ({"kind": "price", "symbol": "NVDA", "above": -5}, "above: a price level must be more than 0, got -5"),
    ({"kind": "price", "symbol": "NVDA", "below": 0}, "below: a price level must be more than 0, got 0"),
    ({"kind": "move", "pct": 150}, "pct: a move is a percent more than 0 and at most 100, got 150"),
    ({"kind": "move", "pct": 0}, "pct: a move is a percent more than 0 and at most 100, got 0"),
    ({"kind": "zscore", "beyond": -2}, "beyond: a z-score threshold must be more than 0, got -2"),
    ({"kind": "concentration", "gauge": "hhi", "above": 99999}, "above: an HHI runs from 0 to 10,000, got 99,999"),
    ({"kind": "concentration", "gauge": "top1", "above": 150},
     "above: a share is a percent more than 0 and at most 100, got 150"),
    ({"kind": "concentration", "gauge": "top3", "above": -1},
     "above: a share is a percent more than 0 and at most 100, got -1"),
    ({"kind": "price", "symbol": "NVDA", "above": 1, "enabled": "no"}, "enabled: expected true or false"),
])
def test_thresholds_that_cannot_be_are_refused_with_the_reason(table, reason):
    with pytest.raises(ValueError) as err:
        parse_rule(table)
    assert str(err.value).startswith(reason)


@pytest.mark.parametrize("text, reason", [
    ("above -5", "above -5: a price level must be more than 0, got -5"),
    ("hhi 99999", "hhi 99999: an HHI runs from 0 to 10,000, got 99,999"),
    ("top1 150", "top1 150: a share is a percent more than 0 and at most 100, got 150"),
    ("move 101", "move 101: a move is a percent more than 0 and at most 100, got 101"),
    ("z 0", "z 0: a z-score threshold must be more than 0, got 0"),
    ("above nan", "above nan: not a number"),
    ("above many", "above many: not a number"),
])
def test_the_dialogs_short_forms_refuse_in_the_words_typed(text, reason):
    with pytest.raises(ValueError) as err:
        parse_rule_text(text, "NVDA", "AI chips", "chips")
    assert str(err.value) == reason


def test_boundaries_are_accepted():
    assert parse_rule_text("hhi 10000", None).above == 10_000
    assert parse_rule_text("top3 100", None).above == 100
    assert parse_rule_text("move 100", "NVDA").pct == 100
    assert parse_rule({"kind": "price", "symbol": "NVDA", "below": 0.01, "enabled": False}).enabled is False


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
    assert [a.message for a in fired] == ["NVDA rose above 181: 181.50 USD"]
    rt.clock.advance(1)
    rt.tick("NVDA", 182.0)
    assert engine.check(rt.store, wl, rt.clock.now()) == []  # still above: no repeat
    rt.clock.advance(1)
    rt.tick("NVDA", 175.0)
    assert engine.check(rt.store, wl, rt.clock.now()) == []  # back between, past the margin: re-armed
    rt.clock.advance(1)
    rt.tick("NVDA", 169.0)
    rt.clock.advance(1)
    assert [a.threshold for a in engine.check(rt.store, wl, rt.clock.now())] == [170.0]
    rt.tick("NVDA", 190.0)
    assert [a.threshold for a in engine.check(rt.store, wl, rt.clock.now())] == [181.0]
    lines = log.read_text().splitlines()
    assert len(lines) == 3 and "UTC" in lines[0] and "rose above 181: 181.50 USD" in lines[0]


def _flat(rt, symbols) -> dict[str, float]:
    """Every symbol back at its previous close (no move today); returns the prices it had."""
    was = {s: rt.store.quotes[s].price for s in symbols}
    for s in symbols:
        rt.tick(s, rt.store.quotes[s].previous_close)
    return was


def test_move_wildcard_and_concentration():
    rt = StaticRuntime()
    wl = watchlists().watchlists["ai-rivals"]
    engine = AlertEngine([parse_rule({"kind": "move", "symbol": "*", "pct": 1.3}),
                          parse_rule({"kind": "concentration", "gauge": "top1", "above": 50})])
    # the first look fires what is already true, and says so: NIO's move (New York is open) and the gauge
    first = engine.check(rt.store, wl, rt.clock.now())
    assert [a.message for a in first] == [
        "NIO already -1.96% today (the day's change vs the previous close), more than 1.3%",
        "AI rivals: largest share already above 50%: 73.9%"]
    equities = [i.symbol for i in wl.instruments if i.kind == "equity" and i.symbol in rt.store.quotes]
    was = _flat(rt, equities)
    rt.clock.advance(1)
    assert engine.check(rt.store, wl, rt.clock.now()) == []
    rt.clock.advance(1)
    for s, price in was.items():
        rt.tick(s, price)
    fired = engine.check(rt.store, wl, rt.clock.now())
    moves = sorted(a.subject for a in fired if a.kind == "move")
    # NVDA +1.12%, 0981.HK -1.41%, TSLA +1.20%, 1211.HK +1.52%, NIO -1.96%: more than 1.3% either way, but at
    # 15:00 UTC Hong Kong is shut: its symbols' changes are the last session's, not moves now
    assert moves == ["NIO"]
    assert [a.message for a in fired if a.kind == "move"] == [
        "NIO -1.96% today (the day's change vs the previous close), more than 1.3%"]
    assert [a.subject for a in fired if a.kind == "concentration"] == []  # still above: no repeat


def test_move_rules_only_while_the_market_trades():
    from datetime import UTC, datetime

    from ui_support import ManualClock

    rt = StaticRuntime()
    wl = watchlists().watchlists["ai-rivals"]
    # Sunday 2026-01-18 15:00 UTC: every market shut; Friday's changes are still on the quotes
    rt.clock = ManualClock(datetime(2026, 1, 18, 15, 0, tzinfo=UTC))
    equities = [i.symbol for i in wl.instruments if i.kind == "equity" and i.symbol in rt.store.quotes]
    was = _flat(rt, equities)
    engine = AlertEngine([parse_rule({"kind": "move", "symbol": "*", "pct": 1.3})])
    engine.check(rt.store, wl, rt.clock.now())
    for s, price in was.items():
        rt.clock.advance(1)
        rt.tick(s, price)
    assert engine.check(rt.store, wl, rt.clock.now()) == []  # Sunday: nothing
    # Monday 02:30 UTC: Hong Kong's morning session (10:30 local); New York shut
    rt.clock._t = datetime(2026, 1, 19, 2, 30, tzinfo=UTC).timestamp()
    # the first look in session: Friday's moves of Hong Kong's listings are today's until a trade says otherwise
    assert sorted(a.subject for a in engine.check(rt.store, wl, rt.clock.now())) == ["0981.HK", "1211.HK"]
    _flat(rt, ["0981.HK", "1211.HK"])
    engine.check(rt.store, wl, rt.clock.now())
    rt.clock.advance(1)
    for s in ("0981.HK", "1211.HK", "NIO"):
        rt.tick(s, was[s])
    assert sorted(a.subject for a in engine.check(rt.store, wl, rt.clock.now())) == ["0981.HK", "1211.HK"]


def test_price_already_past_when_first_seen_fires_saying_already():
    rt = StaticRuntime()
    wl = watchlists().watchlists["ai-rivals"]
    engine = AlertEngine([parse_rule({"kind": "price", "symbol": "NVDA", "above": 100})])
    # 180 at start: true the first time it is seen, as the README promises; it did not "cross" anything
    assert [a.message for a in engine.check(rt.store, wl, rt.clock.now())] == ["NVDA already above 100: 180.00 USD"]
    rt.clock.advance(1)
    rt.tick("NVDA", 90.0)
    assert engine.check(rt.store, wl, rt.clock.now()) == []
    rt.clock.advance(1)
    rt.tick("NVDA", 101.0)
    assert [a.message for a in engine.check(rt.store, wl, rt.clock.now())] == ["NVDA rose above 100: 101.00 USD"]


def test_zscore_rule(monkeypatch):
    import tui.core.history as history

    rt = StaticRuntime()
    wl = watchlists().watchlists["ai-rivals"]
    z = {"AI chips": 2.5, "EVs": -1.0}
    monkeypatch.setattr(history, "relative_performance",
                        lambda store, w, pair, now=None: type("R", (), {"z": z.get(pair.name)})())
    pending: list[str] = []  # every input of the pairs in: the z-scores set by hand are the settled ones
    monkeypatch.setattr(history, "pair_inputs_pending", lambda store, w, pair, settled=None: pending)
    engine = AlertEngine([parse_rule({"kind": "zscore", "pair": "*", "beyond": 2})])
    assert [a.message for a in engine.check(rt.store, wl, rt.clock.now())] == [
        "AI chips: spread z-score already beyond ±2: +2.50"]
    z["EVs"] = -3.0
    assert [a.subject for a in engine.check(rt.store, wl, rt.clock.now())] == ["EVs"]
    one = AlertEngine([parse_rule({"kind": "zscore", "pair": "ai-chips", "beyond": 2})])
    z["AI chips"] = 0.5
    assert one.check(rt.store, wl, rt.clock.now()) == []
    z["AI chips"] = 2.5
    assert [a.subject for a in one.check(rt.store, wl, rt.clock.now())] == ["AI chips"]
    # with an input still on its way the rule is not evaluated: no alert, and no change of state
    waiting = AlertEngine([parse_rule({"kind": "zscore", "pair": "ai-chips", "beyond": 2})])
    pending.append("688981.SS history")
    assert waiting.check(rt.store, wl, rt.clock.now()) == []
    assert waiting.state(waiting.rules[0], f"{wl.name}/AI chips") is None
    pending.clear()
    assert [a.subject for a in waiting.check(rt.store, wl, rt.clock.now())] == ["AI chips"]


async def test_command_gets_the_alert_as_json_on_stdin(tmp_path):
    out = tmp_path / "got.json"
    hook = tmp_path / "hook.py"
    hook.write_text(f"import sys, pathlib; pathlib.Path({str(out)!r}).write_text(sys.stdin.read())\n")
    rt = StaticRuntime()
    wl = watchlists().watchlists["ai-rivals"]
    engine = AlertEngine([parse_rule({"kind": "price", "symbol": "NVDA", "below": 200})],
                         command=f"{sys.executable} {hook}")
    quiet = AlertEngine([parse_rule({"kind": "price", "symbol": "NVDA", "below": 200})])
    rt.tick("NVDA", 210.0)
    assert engine.check(rt.store, wl, rt.clock.now()) == [] == quiet.check(rt.store, wl, rt.clock.now())
    rt.clock.advance(1)
    rt.tick("NVDA", 180.0)
    fired = engine.check(rt.store, wl, rt.clock.now())
    await engine.drain()
    doc = json.loads(out.read_text())
    assert doc["subject"] == "NVDA" and doc["message"] == fired[0].message and doc["rule"]["below"] == 200.0
    assert doc["simulated"] is False and doc["source"] == "yahoo"
    assert quiet.check(rt.store, wl, rt.clock.now()) and not quiet._tasks  # fired; no command configured


async def test_demo_alerts_are_marked_and_do_not_run_the_command_unless_asked(tmp_path):
    out = tmp_path / "got.json"
    hook = tmp_path / "hook.py"
    hook.write_text(f"import sys, pathlib; pathlib.Path({str(out)!r}).write_text(sys.stdin.read())\n")
    rt = StaticRuntime()
    wl = watchlists().watchlists["ai-rivals"]
    log = tmp_path / "alerts.log"
    rules = [parse_rule({"kind": "price", "symbol": "NVDA", "below": 200})]
    demo = AlertEngine(rules, log_path=log, command=f"{sys.executable} {hook}", simulated=True)
    asked = AlertEngine(rules, command=f"{sys.executable} {hook}", simulated=True, command_in_demo=True)
    rt.tick("NVDA", 210.0)
    demo.check(rt.store, wl, rt.clock.now())
    asked.check(rt.store, wl, rt.clock.now())
    rt.clock.advance(1)
    rt.tick("NVDA", 180.0)
    fired = demo.check(rt.store, wl, rt.clock.now())
    assert [a.message for a in fired] == ["DEMO · NVDA fell below 200: 180.00 USD"] and fired[0].simulated
    assert not demo._tasks and not out.exists()  # the user's command is not run on simulated prices
    line = log.read_text().splitlines()[0]
    assert line.startswith("DEMO ") and line.count("DEMO") == 1 and "fell below 200: 180.00 USD" in line
    asked.check(rt.store, wl, rt.clock.now())
    await asked.drain()
    doc = json.loads(out.read_text())
    assert doc["simulated"] is True and doc["source"] == "simulator"


def test_from_config_reads_alert_command_in_demo():
    from tui.config import Config

    engine, _ = AlertEngine.from_config(Config(alert_command="true", alert_command_in_demo=True), simulated=True)
    assert engine.simulated and engine.command_in_demo
    engine, _ = AlertEngine.from_config(Config(alert_command="true"))
    assert not engine.simulated and not engine.command_in_demo


def test_alerts_on_another_servers_prices_do_not_say_yahoo():
    rt = StaticRuntime()
    wl = watchlists().watchlists["ai-rivals"]
    engine = AlertEngine([parse_rule({"kind": "price", "symbol": "NVDA", "below": 200})])
    engine.data_source = ("other", "http://127.0.0.1:9999")
    rt.tick("NVDA", 210.0)
    engine.check(rt.store, wl, rt.clock.now())
    rt.clock.advance(1)
    rt.tick("NVDA", 180.0)
    (alert,) = engine.check(rt.store, wl, rt.clock.now())
    doc = json.loads(alert.to_json())
    assert doc["source"] == "other" and doc["source_url"] == "http://127.0.0.1:9999"
    assert doc["simulated"] is False and "data_source" not in doc


async def test_the_app_gives_its_alerts_the_runtimes_source(monkeypatch):
    from tui.app import AiwatchApp
    from tui.runtime import Runtime

    monkeypatch.delenv("AIWATCH_YAHOO_URL", raising=False)
    runtime = Runtime(demo=False, yahoo_url="http://127.0.0.1:9999")
    app = AiwatchApp(runtime, watchlists())
    assert app.alerts.data_source == ("other", "http://127.0.0.1:9999")
    assert AiwatchApp(Runtime(demo=False), watchlists()).alerts.data_source == ("yahoo", None)


def test_messages_never_print_the_value_as_the_threshold_it_passed():
    rt = StaticRuntime()
    wl = watchlists().watchlists["ai-rivals"]
    engine = AlertEngine([parse_rule({"kind": "price", "symbol": "NVDA", "above": 169})])
    rt.tick("NVDA", 168.0)
    engine.check(rt.store, wl, rt.clock.now())
    rt.clock.advance(1)
    rt.tick("NVDA", 169.004)
    assert [a.message for a in engine.check(rt.store, wl, rt.clock.now())] == ["NVDA rose above 169: 169.004 USD"]
    rt.clock.advance(1)
    rt.tick("NVDA", 160.0)
    engine.check(rt.store, wl, rt.clock.now())
    rt.clock.advance(1)
    rt.tick("NVDA", 169.0)
    assert [a.message for a in engine.check(rt.store, wl, rt.clock.now())] == ["NVDA reached 169 USD"]
