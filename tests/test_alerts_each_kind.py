"""Each kind of alert rule, on a store moved by hand: already true when first seen, it fires once and says
"already"; a value jittering around its threshold fires once, and again only after it went back past the re-arm
margin; a deleted rule never fires again and leaves the config file, whose comments stay."""

from __future__ import annotations

import pytest
from ui_support import StaticRuntime, watchlists

from tui.alerts import REARM, AlertEngine, parse_rule
from tui.config import DEFAULT_TEXT, append_alert, load_config, update_alert
from tui.core.concentration import concentration

WL = watchlists().watchlists["ai-rivals"]


class Driver:
    """Moves one rule's watched value to a level, through the store (or the z-score it reads)."""

    def __init__(self, kind: str, monkeypatch) -> None:
        self.kind = kind
        self.rt = StaticRuntime()
        self.z = {"AI chips": 0.0}
        if kind == "zscore":
            from tui.core import history

            monkeypatch.setattr(history, "relative_performance",
                                lambda store, w, pair, now=None: type("R", (), {"z": self.z.get(pair.name)})())
            # the z-score set by hand stands for the settled one: every input of the pair taken as in
            monkeypatch.setattr(history, "pair_inputs_pending", lambda store, w, pair, settled=None: [])

    def value(self) -> float:
        rt = self.rt
        if self.kind == "price":
            return rt.store.price("NVDA")
        if self.kind == "move":
            q = rt.store.quotes["NVDA"]
            return (q.price / q.previous_close - 1) * 100
        if self.kind == "zscore":
            return self.z["AI chips"]
        return concentration(rt.store, WL).hhi

    def set(self, target: float) -> float:
        """Bring the value to `target` (within a part in a million); returns it."""
        rt = self.rt
        rt.clock.advance(1)
        if self.kind == "price":
            rt.tick("NVDA", target)
        elif self.kind == "move":
            rt.tick("NVDA", rt.store.quotes["NVDA"].previous_close * (1 + target / 100))
        elif self.kind == "zscore":
            self.z["AI chips"] = target
        else:  # the HHI rises with NVDA's price while it is the largest company (from 100): bisect the price
            lo, hi = 100.0, 5_000.0
            for _ in range(80):
                mid = (lo + hi) / 2
                rt.tick("NVDA", mid)
                lo, hi = (mid, hi) if concentration(rt.store, WL).hhi < target else (lo, mid)
            rt.tick("NVDA", (lo + hi) / 2)
        assert self.value() == pytest.approx(target, rel=1e-6)
        return self.value()

    def check(self, engine: AlertEngine) -> list[str]:
        return [a.message for a in engine.check(self.rt.store, WL, self.rt.clock.now())]


RULES = {
    "price": ({"kind": "price", "symbol": "NVDA", "above": 169.0}, 169.0),
    "move": ({"kind": "move", "symbol": "NVDA", "pct": 1.5}, 1.5),
    "zscore": ({"kind": "zscore", "pair": "AI chips", "beyond": 2.0}, 2.0),
    "concentration": ({"kind": "concentration", "gauge": "hhi", "above": 8030.0}, 8030.0),
}
ALREADY = {
    "price": "NVDA already above 169: 172.00 USD",
    "move": "NVDA already +2.00% today (the day's change vs the previous close), more than 1.5%",
    "zscore": "AI chips: spread z-score already beyond ±2: +2.50",
    "concentration": "AI rivals: HHI already above 8,030: 8,100.0",
}
START = {"price": 172.0, "move": 2.0, "zscore": 2.5, "concentration": 8100.0}


@pytest.mark.parametrize("kind", list(RULES))
def test_a_rule_already_true_when_first_seen_fires_once_saying_already(kind, monkeypatch, tmp_path):
    table, _ = RULES[kind]
    d = Driver(kind, monkeypatch)
    d.set(START[kind])
    engine = AlertEngine([parse_rule(table)], log_path=tmp_path / "alerts.log")
    assert d.check(engine) == [ALREADY[kind]]
    assert d.check(engine) == []  # still true: once
    assert ALREADY[kind] in (tmp_path / "alerts.log").read_text()  # the log is written from the first alert


@pytest.mark.parametrize("kind", list(RULES))
def test_a_value_jittering_around_its_threshold_fires_once_until_past_the_margin(kind, monkeypatch):
    table, threshold = RULES[kind]
    d = Driver(kind, monkeypatch)
    d.set(threshold * 0.95)
    engine = AlertEngine([parse_rule(table)])
    assert d.check(engine) == []  # below: armed
    margin = threshold * REARM[kind]
    fired: list[str] = []
    # three minutes of a value a tenth of the margin either side of the threshold, every ten seconds
    for step in range(18):
        d.set(threshold + (margin / 10 if step % 2 == 0 else -margin / 10))
        fired += d.check(engine)
    assert len(fired) == 1, fired
    # the messages never print the value as the threshold it passed: "NVDA rose above 169: 169.0845 USD"
    assert f"{threshold:,.2f}" not in fired[0].split(":")[-1] or kind == "zscore"
    d.set(threshold - margin * 1.01)  # back past the margin: re-armed
    assert d.check(engine) == []
    d.set(threshold + margin / 10)
    assert len(d.check(engine)) == 1


@pytest.mark.parametrize("kind", list(RULES))
def test_a_deleted_rule_never_fires_again_and_leaves_the_config_with_its_comments(kind, monkeypatch, tmp_path):
    table, threshold = RULES[kind]
    cfg = tmp_path / "config.toml"
    cfg.write_text(DEFAULT_TEXT + '\n# mine, kept\n[[alerts]]  # a rule of my own\nkind = "move"\npct = 9\n')
    append_alert(parse_rule(table).to_table(), cfg)
    rule = parse_rule(table)
    d = Driver(kind, monkeypatch)
    d.set(threshold * 0.95)
    engine = AlertEngine([rule])
    d.check(engine)
    # switched off: not checked; switched on again: starts afresh
    engine.set_enabled(rule, False)
    assert update_alert(rule.to_table(), cfg, enabled=False) == cfg
    assert load_config(cfg)[0].alerts[-1].get("enabled") is False
    d.set(threshold * 1.05)
    assert d.check(engine) == []
    engine.set_enabled(rule, True)
    assert update_alert(rule.to_table(), cfg, enabled=True) == cfg
    assert "enabled" not in load_config(cfg)[0].alerts[-1]
    assert len(d.check(engine)) == 1
    # deleted: never again, whatever the value does
    engine.remove(rule)
    assert update_alert(rule.to_table(), cfg, delete=True) == cfg
    for x in (0.9, 1.1, 0.8, 1.2):
        d.set(threshold * x)
        assert d.check(engine) == []
    text = cfg.read_text()
    assert text.startswith(DEFAULT_TEXT.split("\n[keys]")[0])  # every comment of the defaults is still there
    assert "# mine, kept" in text and "# a rule of my own" in text
    config, problems = load_config(cfg)
    assert problems == [] and list(config.alerts) == [{"kind": "move", "pct": 9}]
    assert update_alert(rule.to_table(), cfg, delete=True) is None  # not in the file (any more): nothing written


def test_a_duplicate_rule_is_refused():
    engine = AlertEngine([parse_rule({"kind": "price", "symbol": "NVDA", "above": 200})])
    with pytest.raises(ValueError, match="already a rule: NVDA \\(regular-session price\\) crosses above 200"):
        engine.add(parse_rule({"kind": "price", "symbol": "NVDA", "above": 200.0, "enabled": False}))
