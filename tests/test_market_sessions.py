"""Market hours: lunch breaks, holidays, early closes, DST, and life past the calendar data."""

import datetime as dt

import pytest

from tui.core.clock import parse_instant
from tui.core.sessions import (
    MARKETS,
    calendar_valid_through,
    holidays_known,
    is_trading_day,
    market_of,
    next_change,
    regular_segments,
    state_at,
)
from tui.model import MarketState as S


def at(text: str) -> float:
    return parse_instant(text).timestamp()


@pytest.mark.parametrize(
    "symbol, code",
    [("NVDA", "US"), ("^GSPC", "US"), ("0981.HK", "HK"), ("688981.SS", "SS"), ("002594.SZ", "SZ"),
     ("9984.T", "JP"), ("HKD=X", "FX"), ("^HSI", "HK")],
)
def test_market_of(symbol, code):
    assert market_of(symbol).code == code


@pytest.mark.parametrize(
    "instant, code, state",
    [
        # New York, Wednesday 2026-11-25 (EST, UTC-5)
        ("2026-11-25T08:59:00Z", "US", S.CLOSED),
        ("2026-11-25T09:00:00Z", "US", S.PRE),
        ("2026-11-25T14:30:00Z", "US", S.REGULAR),
        ("2026-11-25T21:00:00Z", "US", S.POST),
        ("2026-11-26T01:00:00Z", "US", S.CLOSED),
        # Thanksgiving: New York shut while Hong Kong trades
        ("2026-11-26T16:00:00Z", "US", S.CLOSED),
        ("2026-11-26T02:00:00Z", "HK", S.REGULAR),
        # the day after Thanksgiving closes at 13:00 ET; post-market to 17:00
        ("2026-11-27T17:59:00Z", "US", S.REGULAR),
        ("2026-11-27T18:01:00Z", "US", S.POST),
        ("2026-11-27T22:01:00Z", "US", S.CLOSED),
        # summer (EDT, UTC-4): the open is 13:30 UTC
        ("2026-07-15T13:29:00Z", "US", S.PRE),
        ("2026-07-15T13:31:00Z", "US", S.REGULAR),
        # Hong Kong lunch 12:00-13:00 HKT (04:00-05:00 UTC), Shanghai lunch 11:30-13:00 CST
        ("2026-11-25T03:59:00Z", "HK", S.REGULAR),
        ("2026-11-25T04:30:00Z", "HK", S.BREAK),
        ("2026-11-25T05:01:00Z", "HK", S.REGULAR),
        ("2026-11-25T03:31:00Z", "SS", S.BREAK),
        ("2026-11-25T03:31:00Z", "HK", S.REGULAR),
        ("2026-11-25T07:01:00Z", "SS", S.CLOSED),
        ("2026-11-25T01:20:00Z", "SS", S.PRE),
        # Hong Kong's Christmas Eve: morning session only
        ("2026-12-24T03:00:00Z", "HK", S.REGULAR),
        ("2026-12-24T05:30:00Z", "HK", S.CLOSED),
        # Tokyo since 2024-11-05 closes 15:30 JST
        ("2026-11-25T06:20:00Z", "JP", S.REGULAR),
        # a Saturday
        ("2026-11-28T15:00:00Z", "US", S.CLOSED),
        ("2026-11-28T02:00:00Z", "HK", S.CLOSED),
        # FX: Sunday 17:00 New York to Friday 17:00
        ("2026-11-29T21:59:00Z", "FX", S.CLOSED),
        ("2026-11-29T22:01:00Z", "FX", S.REGULAR),
        ("2026-11-27T22:01:00Z", "FX", S.CLOSED),
    ],
)
def test_state_at(instant, code, state):
    assert state_at(MARKETS[code], at(instant)) is state


def test_dst_switch_moves_the_open_in_utc():
    # 2026-03-06 is before the US switch (EST), 2026-03-09 after (EDT)
    before = regular_segments("US", dt.date(2026, 3, 6))[0][0]
    after = regular_segments("US", dt.date(2026, 3, 9))[0][0]
    assert parse_instant("2026-03-06T14:30:00Z").timestamp() == before
    assert parse_instant("2026-03-09T13:30:00Z").timestamp() == after


def test_hong_kong_has_two_segments_and_shanghai_too():
    assert len(regular_segments("HK", dt.date(2026, 11, 25))) == 2
    assert len(regular_segments("SS", dt.date(2026, 11, 25))) == 2
    assert regular_segments("HK", dt.date(2026, 11, 28)) == []


def test_past_the_shanghai_calendar_runs_on_weekdays_and_says_so():
    end = calendar_valid_through("SS")
    assert end == dt.date(2026, 12, 31)
    later = dt.date(2027, 1, 4)
    assert not holidays_known("SS", later)
    assert holidays_known("US", later)
    assert is_trading_day("SS", later)  # plain weekday hours
    assert not is_trading_day("SS", dt.date(2027, 1, 9))  # a Saturday
    assert state_at("SS", at("2027-01-04T02:00:00Z")) is S.REGULAR
    # and nothing raises far past the data
    assert state_at("SZ", at("2031-06-02T02:00:00Z")) is S.REGULAR


def test_next_change_from_lunch_is_the_afternoon_open():
    t, state = next_change("HK", at("2026-11-25T04:30:00Z"))
    assert state is S.REGULAR
    assert t == at("2026-11-25T05:00:00Z")


def test_next_change_over_a_weekend():
    t, state = next_change("US", at("2026-11-28T15:00:00Z"))
    assert state is S.PRE
    assert t == at("2026-11-30T09:00:00Z")


def test_calendar_data_matches_exchange_calendars():
    xc = pytest.importorskip("exchange_calendars", reason="exchange-calendars not installed")
    for code, name in (("US", "XNYS"), ("HK", "XHKG"), ("SS", "XSHG")):
        cal = xc.get_calendar(name, start="2025-01-01", end="2026-12-31")
        sessions = {ts.date() for ts in cal.sessions}
        day = dt.date(2025, 1, 1)
        while day <= dt.date(2026, 12, 31):
            assert is_trading_day(code, day) == (day in sessions), (code, day)
            day += dt.timedelta(days=1)
