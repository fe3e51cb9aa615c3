"""The status line and header clocks, as plain functions."""

from __future__ import annotations

from datetime import UTC, datetime

from ui_support import FeedStatus

from tui.feeds.yahoo_feed import FeedStatus as RealFeedStatus
from tui.widgets.header import clocks_content
from tui.widgets.status import status_content

NOW = datetime(2026, 1, 14, 15, 0, tzinfo=UTC).timestamp()


def test_status_line_says_state_age_and_counts():
    text = status_content(FeedStatus(state="live", last_message=NOW - 125, reconnects=2, rejected_frames=1,
                                     requests_last_minute=7), NOW).plain
    assert text == "feed live · last msg 2m ago · reconnects 2 · rejected 1 · 7 req/min"


def test_status_line_with_the_feeds_own_status_type():
    status = RealFeedStatus(state="reconnecting in 2.0s", last_message_time=NOW - 3, reconnects=1,
                            rejected_frames=0, requests_last_minute=4, rate_limited_until=NOW + 90,
                            last_error="HTTP 429", polled_symbols=5)
    text = status_content(status, NOW).plain
    assert "feed reconnecting in 2.0s" in text and "last msg 3s ago" in text
    assert "rate-limited 1m more" in text and "HTTP 429" in text and "5 polled (REST)" in text


def test_status_line_before_any_message():
    assert "no message yet" in status_content(FeedStatus(last_message=None), NOW).plain


def test_clocks_show_local_time_and_state():
    narrow = clocks_content(NOW, 80).plain  # four clocks with seconds do not fit 80 columns: without them
    assert narrow == "NY 10:00 open │ HK 23:00 closed │ SH 23:00 closed │ TK 00:00 closed"
    wide = clocks_content(NOW, 120).plain
    assert "New York 10:00:00 open" in wide and "Hong Kong 23:00:00 closed" in wide and "Shanghai" in wide
    assert "Tokyo 00:00:00 closed" in wide
    # Hong Kong at 12:30 local is at lunch; Shanghai at 12:30 too
    lunch = datetime(2026, 1, 14, 4, 30, tzinfo=UTC).timestamp()
    assert clocks_content(lunch, 80).plain.count("lunch ") == 2  # "lunch" where "lunch break" does not fit
    assert clocks_content(lunch, 160).plain.count("lunch break") == 2


def test_clocks_say_when_holidays_are_unknown():
    far = datetime(2031, 3, 4, 15, 0, tzinfo=UTC).timestamp()  # past every shipped calendar
    text = clocks_content(far, 160).plain
    note = text.split("holidays unknown: ")[1].split(", ")
    assert {"SH", "SZ", "NY", "HK", "TK"} <= set(note), text  # Shenzhen has no clock, but a calendar of its own
    assert text.count("?") == 4


def test_the_clocks_fit_80_and_60_columns_and_say_which_holidays_are_unknown():
    """Four clocks (Tokyo's too: SoftBank is on the default list) in the widest form that fits, every minute of a
    week, in 2026 and past Shanghai's and Shenzhen's calendar data (2027), with and without seconds: never wider
    than the header's line (the width less its padding); the states assumed from weekday hours end in `?`, and
    the note names Shanghai and Shenzhen where it fits."""
    from tui.widgets.header import UNKNOWN_MARK

    for start in (datetime(2026, 11, 23, tzinfo=UTC), datetime(2027, 1, 4, tzinfo=UTC)):
        for minute in range(0, 7 * 24 * 60, 5):
            t = start.timestamp() + minute * 60
            for width in (60, 80, 100, 140):
                for seconds in (False, True):
                    text = clocks_content(t, width, seconds).plain
                    assert len(text) <= width - 2, (width, text)
                    for names in (("NY ", "New York "), ("HK ", "Hong Kong "), ("SH ", "Shanghai "),
                                  ("TK ", "Tokyo ")):
                        assert any(name in text for name in names), (width, text)
                    assert (UNKNOWN_MARK in text) == (start.year == 2027), text
    far = datetime(2027, 1, 4, 2, 0, tzinfo=UTC).timestamp()  # 10:00 in Shanghai and Hong Kong, 11:00 in Tokyo
    assert clocks_content(far, 80, False).plain == "NY 21:00 closed │ HK 10:00 open │ SH 10:00 open? │ TK 11:00 open"
    assert clocks_content(far, 100, False).plain.endswith("holidays unknown: SH, SZ")
    assert clocks_content(far, 160, False).plain.endswith("holidays unknown: Shanghai, Shenzhen")
    # Tokyo's own hours: its lunch 11:30-12:30 while Hong Kong trades
    tokyo_lunch = datetime(2026, 11, 25, 2, 45, tzinfo=UTC).timestamp()
    assert "Tokyo 11:45 lunch break" in clocks_content(tokyo_lunch, 160, False).plain


def _source(name: str, state: str, last_ok: float | None = None, interval: float | None = None):
    from tui.feeds.china_feed import SourceStatus

    return SourceStatus(name, state, f"https://{name}.example", last_ok=last_ok, interval=interval)


def test_status_line_names_each_source_and_its_state():
    from dataclasses import replace

    base = RealFeedStatus(state="live", last_message_time=NOW - 1, reconnects=0, rejected_frames=0,
                          requests_last_minute=8, rate_limited_until=None, last_error=None)
    status = replace(base, sources=(_source("yahoo", "live"), _source("tencent", "live", NOW - 2, 3.0),
                                    _source("sina", "idle")))
    text = status_content(status, NOW).plain
    assert text == "yahoo live · tencent 2s · sina idle · last msg 1s ago · reconnects 0 · rejected 0 · 8 req/min"
    # a quote page in use that fails, one given up on, one not in use at all
    status = replace(base, sources=(_source("yahoo", "live"), _source("tencent", "down"),
                                    _source("sina", "failing", NOW - 70, 3.0)))
    assert status_content(status, NOW).plain.startswith("yahoo live · tencent down · sina failing · ")
    status = replace(base, sources=(_source("yahoo", "live"), _source("tencent", "off"), _source("sina", "live",
                                                                                                 NOW - 75, 3.0)))
    line = status_content(status, NOW)
    assert line.plain.startswith("yahoo live · sina 1m · ")  # late: in the warning colour
    assert any(str(sp.style) == "bold $warning" for sp in line.spans if line.plain[sp.start:sp.end] == "1m")


def test_status_line_is_still_while_a_closed_market_is_polled_on_time():
    from dataclasses import replace

    base = RealFeedStatus(state="live", last_message_time=NOW - 200, reconnects=0, rejected_frames=0,
                          requests_last_minute=1, rate_limited_until=None, last_error=None)
    lines = {status_content(replace(base, sources=(_source("yahoo", "live"),
                                                   _source("tencent", "live", NOW - age, 60.0))), NOW).plain
             for age in range(60)}
    assert lines == {"yahoo live · tencent live · last msg 3m ago · reconnects 0 · rejected 0 · 1 req/min"}
    late = replace(base, sources=(_source("yahoo", "live"), _source("tencent", "live", NOW - 300, 60.0)))
    assert "tencent 5m" in status_content(late, NOW).plain  # not answered on time: its age says so


def test_status_line_puts_what_is_missing_before_the_counters():
    from dataclasses import replace

    base = RealFeedStatus(state="reconnecting in 4.0s", last_message_time=None, reconnects=3, rejected_frames=0,
                          requests_last_minute=2, rate_limited_until=None, last_error="ClientConnectorError")
    status = replace(base, sources=(_source("yahoo", "unreachable"), _source("tencent", "live", NOW, 3.0)),
                     notice="Yahoo unreachable: US quotes missing")
    line = status_content(status, NOW)
    assert line.plain.startswith("yahoo unreachable · tencent 0s · Yahoo unreachable: US quotes missing · "
                                 "ClientConnectorError · no message yet")
    assert any(str(sp.style) == "bold $error" for sp in line.spans if line.plain[sp.start:sp.end] == "unreachable")


def test_a_long_error_never_pushes_the_counters_off_the_line():
    """Three sources and a long error at 120 columns: the error is shortened with "…" into what the last message's
    age and the rejected frames leave; at 80 the counters stay and the error, too short to say anything, goes; wide
    enough, everything is whole. Whatever the width, the line fits it and numbers are never cut."""
    from dataclasses import replace

    error = "the demo simulator answered 429 (rate limit); backing off 120 s before the next request"
    base = RealFeedStatus(state="live", last_message_time=NOW - 1, reconnects=2, rejected_frames=52,
                          requests_last_minute=8, rate_limited_until=None, last_error=error)
    status = replace(base, sources=(_source("yahoo", "rate-limited"), _source("tencent", "failing", NOW - 70, 3.0),
                                    _source("sina", "idle")))
    at120 = status_content(status, NOW, 120).plain
    assert "rejected 52" in at120 and "last msg 1s ago" in at120 and "…" in at120 and len(at120) <= 120
    at80 = status_content(status, NOW, 80).plain
    assert "rejected 52" in at80 and error[:10] not in at80 and len(at80) <= 80
    assert status_content(status, NOW, 300).plain == status_content(status, NOW).plain
    for width in range(40, 301):
        text = status_content(status, NOW, width).plain
        assert len(text) <= max(width, len("yahoo rate-limited · tencent failing · sina idle")), (width, text)
        assert "rejected 5 " not in text + " " and "req/min" not in text or " 8 req/min" in text


def test_a_hub_clients_line_fits_60_columns():
    """Through a hub the parts that never give way (the hub, its upstream's states) are wider than 60 columns: the
    hub's URL loses its scheme and the sources standing by are left out, so the line fits and nothing is cut; at 80
    columns and wider the whole URL and every source show."""
    from dataclasses import replace

    from tui.hub.client import HubSourceStatus

    hub = HubSourceStatus("hub", "live", "redis://127.0.0.1:63790", clients=12)
    base = RealFeedStatus(state="live", last_message_time=NOW - 1, reconnects=0, rejected_frames=0,
                          requests_last_minute=8, rate_limited_until=None, last_error=None)
    status = replace(base, sources=(hub, _source("yahoo", "live"), _source("tencent", "live", NOW - 2, 3.0),
                                    _source("sina", "idle")))
    at60 = status_content(status, NOW, 60).plain
    assert at60.startswith("hub 127.0.0.1:63790 · ") and "yahoo live · tencent 2s" in at60, at60
    assert "sina" not in at60 and len(at60) <= 60 and not at60.endswith("…")
    at80 = status_content(status, NOW, 80).plain
    assert at80.startswith("hub redis://127.0.0.1:63790 · ") and "sina idle" in at80 and len(at80) <= 80, at80
    down = replace(status, sources=(replace(hub, state="down since 14:32"), *status.sources[1:]))
    assert "down since 14:32" in status_content(down, NOW, 60).plain
