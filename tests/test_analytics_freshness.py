"""Quote age and staleness, by the market's own session and delay."""

from __future__ import annotations

from analytics_support import HK_OPEN, US_OPEN, quote

from tui.core.freshness import DEFAULT_STALE_AFTER, age_seconds, delay_minutes, format_age, is_stale


def test_us_quote_stale_after_a_minute_while_open():
    assert DEFAULT_STALE_AFTER == 60.0
    q = quote("NVDA", 200.0, time=US_OPEN - 60)
    assert age_seconds(q, US_OPEN) == 60.0
    assert not is_stale(q, US_OPEN)
    assert is_stale(q, US_OPEN + 1)
    assert not is_stale(q, US_OPEN + 1, stale_after=120)


def test_hk_quote_allows_the_markets_delay():
    q = quote("0700.HK", 600.0, "HKD", time=HK_OPEN - 15 * 60 - 30)  # no delay in the frame: market's 15 min
    assert delay_minutes(q) == 15
    assert not is_stale(q, HK_OPEN)
    assert is_stale(q, HK_OPEN + 31)


def test_not_stale_when_market_not_regular():
    old = quote("NVDA", 200.0, time=HK_OPEN - 7200)  # New York is closed at 02:00 UTC
    assert not is_stale(old, HK_OPEN)
    old_hk = quote("0700.HK", 600.0, "HKD", time=US_OPEN - 86400)  # Hong Kong closed at 23:00 HKT
    assert not is_stale(old_hk, US_OPEN)
    assert is_stale(old_hk, HK_OPEN)  # and stale once it trades again


def test_future_stamped_quote_has_zero_age():
    assert age_seconds(quote("NVDA", 1.0, time=US_OPEN + 5), US_OPEN) == 0.0


def test_format_age():
    assert [format_age(s) for s in (0, 3.9, 59, 60, 4 * 60 + 59, 3599, 7200, 86399, 3 * 86400, -5)] == [
        "0s",
        "3s",
        "59s",
        "1m",
        "4m",
        "59m",
        "2h",
        "23h",
        "3d",
        "0s",
    ]
