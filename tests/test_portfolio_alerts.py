"""Alerts on P&L (`kind = "pnl"`): a book's day P&L, or one position's unrealized P&L, passing a level in the
book's base currency fires once when it crosses, never on an unknown value, and is labelled DEMO on the demo."""

from __future__ import annotations

import pytest
from portfolio_support import HAND_BOOK, NOW, hand_fx_history, hand_market, load_book, quote

from tui.alerts import AlertEngine, parse_rule
from tui.config import parse_config
from tui.portfolio.valuation import value_book


def test_portfolio_pnl_rules_parse_and_say_what_is_wrong():
    rule = parse_rule({"kind": "pnl", "portfolio": "main", "below": -5000})
    assert (rule.portfolio, rule.measure, rule.symbol, rule.below) == ("main", "day", "", -5000)
    assert rule.describe() == "main: day P&L below -5,000"
    assert parse_rule({"kind": "pnl", "symbol": "nvda", "measure": "unrealized", "above": 1000}).symbol == "NVDA"
    with pytest.raises(ValueError, match="needs a level above, below or both"):
        parse_rule({"kind": "pnl"})
    with pytest.raises(ValueError, match="measure: expected one of day, unrealized, total"):
        parse_rule({"kind": "pnl", "measure": "weekly", "above": 1})
    _config, problems = parse_config({"alerts": [{"kind": "pnl", "above": "lots"}]})
    assert problems == ["config: alerts[1]: above: expected a number, got 'lots'; rule ignored"]


def test_portfolio_pnl_alert_fires_on_crossing_only(tmp_path):
    book = load_book(tmp_path, HAND_BOOK)
    store = hand_market()
    engine = AlertEngine([parse_rule({"kind": "pnl", "below": 1000}),  # the book's day P&L
                          parse_rule({"kind": "pnl", "symbol": "TSLA", "measure": "unrealized", "below": -2000})])

    def check():
        bv = value_book(book, store, now=NOW, history=hand_fx_history())
        return engine.check(store, None, NOW, books={"hand": bv})

    assert check() == []  # the first look only records: day P&L 1,244.82, TSLA -1,002
    store.apply_quote(quote("NVDA", 170.0, 175.0, "USD", NOW + 1))  # day P&L falls by 30 x 10
    (day,) = check()
    assert day.kind == "pnl" and day.subject == "hand" and day.value == pytest.approx(944.82, abs=0.01)
    assert day.message == "hand: day P&L +944.82 USD, below +1,000.00"
    assert check() == []  # still below: no repeat
    store.apply_quote(quote("TSLA", 345.0, 330.0, "USD", NOW + 2))  # the short loses: -50 x 45 - 2
    fired = check()
    assert [(a.subject, a.value) for a in fired] == [("hand/TSLA", -2252.0)]


def test_portfolio_pnl_alert_never_compares_an_unknown_value(tmp_path):
    book = load_book(tmp_path, HAND_BOOK)
    store = hand_market()
    engine = AlertEngine([parse_rule({"kind": "pnl", "below": 1000})], simulated=True)
    del store.quotes["0700.HK"]
    bv = value_book(book, store, now=NOW, history=hand_fx_history())
    assert bv.day_pnl is None
    assert engine.check(store, None, NOW, books={"hand": bv}) == []
    assert engine.check(store, None, NOW, books={"hand": bv}) == []  # unknown is not "below"
    store = hand_market()
    bv = value_book(book, store, now=NOW, history=hand_fx_history())
    assert engine.check(store, None, NOW, books={"hand": bv}) == []  # first seen known (1,244.82): recorded
    store.apply_quote(quote("NVDA", 170.0, 175.0, "USD", NOW + 1))
    bv = value_book(book, store, now=NOW + 1, history=hand_fx_history())
    (alert,) = engine.check(store, None, NOW + 1, books={"hand": bv})
    assert alert.simulated and alert.message.startswith("DEMO · hand: day P&L +944.82 USD")
