"""Capex alerts: a company's capex intensity or net debt / EBITDA past a level, checked when a new quarter comes in
(already past at the first quarter seen: it fires, saying so), in the config and in the `!` dialog's short form."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from capex_support import quarter_ends, statements

from tui.alerts import AlertEngine, Rule, parse_rule, parse_rule_text
from tui.core.store import MarketStore
from tui.model import Instrument, Side, Watchlist

Q = quarter_ends(dt.date(2023, 12, 31), 10)
B = 1e9
WL = Watchlist("t", "Test", (Instrument("MSFT", "Microsoft", Side.US, "microsoft"),
                             Instrument("BABA", "Alibaba (ADR)", Side.CN, "alibaba"),
                             Instrument("9988.HK", "Alibaba (H)", Side.CN, "alibaba")))


def _lines(capex: list[float], n: int) -> dict[str, list[float]]:
    return {"capex": [-c * B for c in capex[:n]], "revenue": [100 * B] * n, "ocf": [40 * B] * n,
            "ebitda": [30 * B] * n, "total_debt": [50 * B] * n, "cash": [10 * B] * n}


def test_capex_rules_parse_and_name_the_key() -> None:
    assert parse_rule({"kind": "capex", "symbol": "msft", "above": 25}) == Rule(
        "capex", symbol="MSFT", metric="intensity", above=25.0)
    rule = parse_rule({"kind": "capex", "metric": "net_debt_ebitda", "below": 0.5, "above": 3})
    assert rule.symbol == "*" and rule.describe() == ("any company: net debt / EBITDA above 3× or below 0.5× "
                                                      "(checked at each new quarter)")
    assert parse_rule(rule.to_table()) == rule  # what the app writes back to config.toml reads the same
    for table, key in (({"kind": "capex", "symbol": "MSFT"}, "above/below"),
                       ({"kind": "capex", "metric": "gini", "above": 1}, "metric"),
                       ({"kind": "capex", "above": "lots"}, "above"),
                       ({"kind": "capex", "above": 1, "pair": "x"}, "pair")):
        with pytest.raises(ValueError, match=key):
            parse_rule(table)
    assert parse_rule_text("capex 25", "ORCL") == Rule("capex", symbol="ORCL", metric="intensity", above=25.0)
    assert parse_rule_text("leverage 3", "ORCL").metric == "net_debt_ebitda"
    with pytest.raises(ValueError, match="no symbol"):
        parse_rule_text("capex 25", None)


def test_capex_alert_fires_when_a_new_quarter_takes_intensity_past_the_level(tmp_path) -> None:
    capex = [10, 10, 10, 10, 10, 10, 10, 30, 30]  # TTM intensity: 10 %, then 15 %, then 20 %
    store = MarketStore()
    engine = AlertEngine([parse_rule({"kind": "capex", "symbol": "MSFT", "above": 12})],
                         log_path=tmp_path / "alerts.log")
    assert engine.check(store, WL, 1.0) == []  # no statements yet: nothing to record
    store.apply_statements(statements("MSFT", "USD", Q[:7], _lines(capex, 7)))
    assert engine.check(store, WL, 2.0) == []  # 10 %, the first quarter seen: under the level
    store.apply_statements(statements("MSFT", "USD", Q[:8], _lines(capex, 8)))
    fired = engine.check(store, WL, 3.0)
    assert [a.message for a in fired] == ["MSFT capex / revenue 15.0% (TTM to 2025-09-30) above 12%"]
    assert fired[0].kind == "capex" and fired[0].value == pytest.approx(15.0) and fired[0].threshold == 12.0
    assert engine.check(store, WL, 4.0) == []  # same quarter: not checked again
    store.apply_statements(statements("MSFT", "USD", Q[:9], _lines(capex, 9)))
    assert engine.check(store, WL, 5.0) == []  # a new quarter, still above: no repeat
    assert "MSFT capex / revenue 15.0%" in (tmp_path / "alerts.log").read_text()
    assert json.loads(fired[0].to_json())["rule"] == {"kind": "capex", "symbol": "MSFT", "metric": "intensity",
                                                      "above": 12.0}


def test_capex_alert_on_every_company_counts_each_once_and_watches_leverage() -> None:
    store = MarketStore()
    lines = _lines([10] * 8, 7)
    lines["cash"] = [45 * B] * 7  # net debt 5, EBITDA 120: 0.04×
    for listing in ("BABA", "9988.HK"):
        store.apply_statements(statements(listing, "CNY", Q[:7], lines))
    engine = AlertEngine([parse_rule({"kind": "capex", "metric": "net_debt_ebitda", "above": 1})], simulated=True)
    assert engine.check(store, WL, 1.0) == []
    more = _lines([10] * 8, 8)
    more["cash"] = [45 * B] * 7 + [-200 * B]  # a new quarter: net debt 250 on EBITDA 120
    for listing in ("BABA", "9988.HK"):
        store.apply_statements(statements(listing, "CNY", Q[:8], more))
    fired = engine.check(store, WL, 2.0)
    assert len(fired) == 1 and fired[0].simulated
    assert fired[0].message.startswith("DEMO · ") and "net debt / EBITDA 2.1× (TTM to 2025-09-30) above 1×" in \
        fired[0].message


def test_capex_rule_already_past_at_the_first_quarter_fires_and_re_arms_only_past_the_margin() -> None:
    """As every rule: true the first time it is seen fires, saying "already"; after firing it waits for a quarter
    back under the level by 5 % of it (12 % re-arms under 11.4 %)."""
    store = MarketStore()
    engine = AlertEngine([parse_rule({"kind": "capex", "symbol": "MSFT", "above": 12})])
    capex = [15.0] * 6  # quarterly capex, B, on 100 B of revenue a quarter
    ends = quarter_ends(dt.date(2023, 12, 31), 12)

    def quarter(intensity: float) -> list[str]:
        capex.append(intensity * 4 - sum(capex[-3:]))  # TTM capex / TTM revenue = intensity %
        n = len(capex)
        store.apply_statements(statements("MSFT", "USD", ends[:n], _lines(capex, n)))
        return [a.message for a in engine.check(store, WL, float(n))]

    assert quarter(15) == ["MSFT capex / revenue 15.0% (TTM to 2025-06-30) already above 12%"]
    assert quarter(11.8) == []  # under the level, inside the margin: not re-armed
    assert quarter(12.5) == []
    assert quarter(11.0) == []  # past the margin: re-armed
    assert quarter(12.5) == ["MSFT capex / revenue 12.5% (TTM to 2026-06-30) above 12%"]


def test_a_deleted_capex_rule_never_fires_again_and_leaves_the_config(tmp_path) -> None:
    from tui.config import DEFAULT_TEXT, append_alert, load_config, update_alert

    cfg = tmp_path / "config.toml"
    cfg.write_text(DEFAULT_TEXT)
    rule = parse_rule({"kind": "capex", "symbol": "MSFT", "above": 12})
    append_alert(rule.to_table(), cfg)
    store = MarketStore()
    engine = AlertEngine([rule])
    capex = [10.0] * 7
    store.apply_statements(statements("MSFT", "USD", Q[:7], _lines(capex, 7)))
    assert engine.check(store, WL, 1.0) == []
    engine.remove(rule)
    assert update_alert(rule.to_table(), cfg, delete=True) == cfg
    capex.append(40.0)  # a new quarter far past the level
    store.apply_statements(statements("MSFT", "USD", Q[:8], _lines(capex, 8)))
    assert engine.check(store, WL, 2.0) == []
    config, problems = load_config(cfg)
    assert problems == [] and config.alerts == () and cfg.read_text().startswith(DEFAULT_TEXT)
