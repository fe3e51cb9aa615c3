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

    assert check() == []  # the first look: neither past its level (day P&L 1,244.82, TSLA -1,002)
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
    assert engine.check(store, None, NOW, books={"hand": bv}) == []  # first seen known (1,244.82): not below
    store.apply_quote(quote("NVDA", 170.0, 175.0, "USD", NOW + 1))
    bv = value_book(book, store, now=NOW + 1, history=hand_fx_history())
    (alert,) = engine.check(store, None, NOW + 1, books={"hand": bv})
    assert alert.simulated and alert.message.startswith("DEMO · hand: day P&L +944.82 USD")


def test_portfolio_pnl_rule_already_past_fires_re_arms_past_the_margin_and_deleted_is_silent(tmp_path):
    """As every rule: past its level the first time it is seen fires, saying "already"; after firing it re-arms only
    5 % of the level back (below 1,300 re-arms over 1,365); a deleted rule never fires again."""
    book = load_book(tmp_path, HAND_BOOK)
    store = hand_market()
    rule = parse_rule({"kind": "pnl", "below": 1300})  # the day P&L is 1,244.82: already below
    engine = AlertEngine([rule])
    t = [NOW]

    def day_pnl_after(nvda: float | None = None) -> list[str]:
        t[0] += 1
        if nvda is not None:
            store.apply_quote(quote("NVDA", nvda, 175.0, "USD", t[0]))  # 30 NVDA: 1 USD moves the day P&L by 30
        bv = value_book(book, store, now=t[0], history=hand_fx_history())
        return [a.message for a in engine.check(store, None, t[0], books={"hand": bv})]

    assert day_pnl_after() == ["hand: day P&L +1,244.82 USD, already below +1,300.00"]
    assert day_pnl_after(182.0) == []  # 1,304.82: back over, inside the margin (1,365): not re-armed
    assert day_pnl_after(179.0) == []  # 1,214.82: below again, but not re-armed: no repeat
    assert day_pnl_after(183.0) == []  # 1,334.82: still inside
    assert day_pnl_after(185.0) == []  # 1,394.82: past the margin: re-armed
    assert day_pnl_after(180.0) == ["hand: day P&L +1,244.82 USD, below +1,300.00"]
    engine.remove(rule)
    assert day_pnl_after(200.0) == [] and day_pnl_after(150.0) == []
