"""The Magnificent Seven's share of the S&P 500: an estimate from a dated reference total (issue 5)."""

from __future__ import annotations

import datetime as dt

import pytest
from analytics_support import fundamentals, quote, store_with

from tui.core.mag7 import DEFAULT_MAG7, load_reference_file, mag7_for_watchlist, mag7_share, reference
from tui.model import Bar

SEVEN = DEFAULT_MAG7


def _store(gspc: float | None = 7000.0, skip: str | None = None):
    # each of the seven: 100 USD x 3e10 shares = 3e12 -> 21e12 in all
    quotes = [quote(s, 100.0) for s in SEVEN if s != skip]
    if gspc is not None:
        quotes.append(quote("^GSPC", gspc))
    return store_with(quotes, [fundamentals(s, shares_outstanding=3e10) for s in SEVEN])


def test_shipped_reference_is_dated_with_its_index_level():
    doc = load_reference_file()
    ref = reference({})
    assert ref.as_of == doc["sp500_total_cap"]["as_of"] and ref.gspc and ref.total_cap_usd > 1e13
    assert not ref.from_config
    assert tuple(doc["mag7"]["symbols"]) == SEVEN


def test_share_scaled_by_the_index_move_since_the_reference_date():
    # reference: 60e12 at ^GSPC 6000; now ^GSPC 7000 -> total est. 70e12; share 21 / 70 = 30 %
    ref = reference({"sp500_total_cap": {"value": 60e12, "as_of": dt.date(2025, 12, 1), "gspc": 6000.0}})
    assert ref.from_config
    m = mag7_share(_store(), ref=ref, members=SEVEN)
    assert m.total_est_usd == pytest.approx(70e12)
    assert m.mag7_cap_usd == pytest.approx(21e12)
    assert m.share == pytest.approx(0.30)
    assert m.label == "est., ref. 2025-12-01"


def test_reference_level_from_history_when_the_override_has_none():
    store = _store()
    t = dt.datetime(2025, 12, 1, 15, tzinfo=dt.UTC).timestamp()
    store.apply_history("^GSPC", [Bar(t - 86400 * 3, 5000, 5000, 5000, 5000), Bar(t, 5600, 5600, 5600, 5600)])
    ref = reference({"sp500_total_cap": {"value": 56e12, "as_of": dt.date(2025, 12, 1)}})
    m = mag7_share(store, ref=ref, members=SEVEN)
    assert m.total_est_usd == pytest.approx(70e12) and m.share == pytest.approx(0.30)


def test_no_number_without_every_cap_or_the_index():
    ref = reference({"sp500_total_cap": {"value": 60e12, "as_of": dt.date(2025, 12, 1), "gspc": 6000.0}})
    m = mag7_share(_store(skip="META"), ref=ref, members=SEVEN)
    assert m.share is None and m.missing == ("META",) and "META" in m.note
    m = mag7_share(_store(gspc=None), ref=ref, members=SEVEN)
    assert m.share is None and "^GSPC" in m.note


def test_bad_override_falls_back_to_the_shipped_figure():
    ref = reference({"sp500_total_cap": {"value": "lots", "as_of": dt.date(2025, 12, 1)}})
    assert not ref.from_config and ref == reference({})


def test_only_for_a_watchlist_holding_all_seven():
    store = _store()
    assert mag7_for_watchlist(store, ("NVDA", "MSFT"), overrides={}) is None
    m = mag7_for_watchlist(store, (*SEVEN, "^GSPC"), overrides={})
    assert m is not None and m.share is not None and m.label.startswith("est., ref. ")
