"""Quote age and staleness, by the market's own session and delay."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

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


def _at(tz: str, y: int, mo: int, d: int, h: int, mi: int, s: int = 0) -> float:
    return datetime(y, mo, d, h, mi, s, tzinfo=ZoneInfo(tz)).timestamp()


def _tokyo(h: int, mi: int, s: int = 0) -> float:
    return _at("Asia/Tokyo", 2026, 11, 26, h, mi, s)  # a Thursday


def test_a_delayed_quote_is_not_stale_while_its_feed_still_shows_the_lunch_break():
    # Tokyo breaks 11:30-12:30 and Yahoo shows it 20 minutes late: at 12:40 the feed shows 12:20, still lunch, so
    # the trade of 11:30 is the newest there can be. The demo marked SoftBank stale here, in an open market.
    q = quote("9984.T", 14076.0, "JPY", time=_tokyo(11, 30))
    assert delay_minutes(q) == 20
    assert not is_stale(q, _tokyo(12, 40))
    assert not is_stale(q, _tokyo(12, 50))  # the feed shows 12:30, the bell
    assert not is_stale(q, _tokyo(12, 51))  # a minute for the first trade, as mid-session
    assert is_stale(q, _tokyo(12, 51, 1))


def test_a_delayed_quote_is_not_stale_in_the_first_minutes_after_the_open():
    # yesterday's close, Hong Kong (15 minutes late) and Shanghai (15): until the feed shows the 09:30 bell
    for symbol, tz in (("0700.HK", "Asia/Hong_Kong"), ("688256.SS", "Asia/Shanghai")):
        q = quote(symbol, 1.0, "HKD", time=_at(tz, 2026, 11, 25, 16, 0))
        assert not is_stale(q, _at(tz, 2026, 11, 26, 9, 40)), symbol  # was stale every morning, 09:30-09:45
        assert not is_stale(q, _at(tz, 2026, 11, 26, 9, 46)), symbol
        assert is_stale(q, _at(tz, 2026, 11, 26, 9, 46, 1)), symbol


def test_shanghai_after_its_lunch_break():
    q = quote("688256.SS", 1381.0, "CNY", time=_at("Asia/Shanghai", 2026, 11, 26, 11, 30))
    assert not is_stale(q, _at("Asia/Shanghai", 2026, 11, 26, 13, 10))
    assert is_stale(q, _at("Asia/Shanghai", 2026, 11, 26, 13, 16, 1))


def test_a_real_time_market_gets_a_minute_after_its_bell():
    ny = "America/New_York"
    for then in (_at(ny, 2026, 11, 23, 16, 0), _at(ny, 2026, 11, 24, 9, 29)):  # Monday's close; pre-market
        q = quote("NVDA", 180.0, time=then)
        assert not is_stale(q, _at(ny, 2026, 11, 24, 9, 30, 30))  # Tuesday
        assert not is_stale(q, _at(ny, 2026, 11, 24, 9, 31))
        assert is_stale(q, _at(ny, 2026, 11, 24, 9, 31, 1))


def test_fx_days_run_into_each_other_with_no_grace_at_midnight():
    ny = "America/New_York"
    q = quote("HKD=X", 0.1285, None, time=_at(ny, 2026, 11, 24, 23, 58, 30))
    assert not is_stale(q, _at(ny, 2026, 11, 24, 23, 59, 30))
    assert is_stale(q, _at(ny, 2026, 11, 25, 0, 0, 31))  # 121 s old, though Wednesday's session began 31 s ago


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
