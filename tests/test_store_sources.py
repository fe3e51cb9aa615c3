"""The store with several sources per symbol: each source's latest quote kept, the newest shown, every quote stamped
with its source's delay as measured against the clock while its market trades, and two sources that disagree by
more than 1 % at one instant logged."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from tui.core.delay import DelayMeter, effective_delay
from tui.core.freshness import delay_minutes, is_stale
from tui.core.sessions import MARKETS
from tui.core.store import MarketStore
from tui.model import Quote, QuoteSource

HK = MARKETS["HK"]
SESSION = datetime(2026, 11, 25, 2, 30, tzinfo=UTC).timestamp()  # Hong Kong 10:30
OPEN = datetime(2026, 11, 25, 1, 30, tzinfo=UTC).timestamp()  # Hong Kong 09:30
CLOSED = datetime(2026, 11, 25, 12, 0, tzinfo=UTC).timestamp()  # Hong Kong 20:00


def quote(price: float, time: float, received: float, source: str = "tencent", symbol: str = "0981.HK",
          delay: int = 0) -> Quote:
    path = QuoteSource.POLL if source != "yahoo" else QuoteSource.STREAM
    return Quote(symbol, price, time, path, received, currency="HKD", source_name=source, delay_minutes=delay)


# -- the measured delay ------------------------------------------------------------------------------------------

def test_delay_a_source_in_session_is_real_time_within_two_minutes_and_delayed_beyond():
    meter = DelayMeter()
    assert meter.sample("tencent", HK, SESSION - 3, SESSION) == 0
    assert meter.sample("yahoo", HK, SESSION - 15 * 60 - 2, SESSION) == 15
    assert meter.sample("sina", HK, SESSION - 119, SESSION) == 0  # two minutes is still real time
    assert meter.measured("yahoo", "0700.HK") == 15 and meter.measured("sina", HK) == 0
    assert meter.all() == {("tencent", "HK"): 0, ("yahoo", "HK"): 15, ("sina", "HK"): 0}


def test_delay_the_freshest_listing_says_how_late_a_source_is():
    meter = DelayMeter()
    meter.sample("tencent", HK, SESSION - 2, SESSION)
    # an illiquid listing's last trade 10 minutes ago, from the same source at the same moment: not a delay
    assert meter.sample("tencent", HK, SESSION - 600, SESSION + 1) == 0


def test_delay_is_not_measured_out_of_session_nor_from_quotes_before_the_bell():
    meter = DelayMeter()
    assert meter.sample("yahoo", HK, CLOSED - 4 * 3600, CLOSED) is None  # closed: nothing to tell
    # five minutes after the open a 15-minute-late source still shows yesterday: that says nothing of its delay
    yesterday_close = OPEN - 17.5 * 3600
    assert meter.sample("yahoo", HK, yesterday_close, OPEN + 300) is None
    assert meter.sample("yahoo", HK, OPEN + 10, OPEN + 15 * 60 + 12) == 15  # once it shows the session


def test_delay_follows_a_source_that_falls_behind_once_the_minute_has_passed():
    meter = DelayMeter()
    assert meter.sample("tencent", HK, SESSION - 1, SESSION) == 0
    assert meter.sample("tencent", HK, SESSION + 30 - 900, SESSION + 30) == 0  # the last minute's best still counts
    assert meter.sample("tencent", HK, SESSION + 90 - 900, SESSION + 90) == 15  # a minute later: 15 behind
    assert meter.sample("tencent", HK, SESSION + 95, SESSION + 96) == 0  # and back at once


def test_delay_declared_until_measured():
    yahoo_frame = quote(70.0, CLOSED - 3600, CLOSED, source="yahoo")  # a stream frame declares nothing
    assert effective_delay(yahoo_frame) == 15 == delay_minutes(yahoo_frame)  # Yahoo's usual for Hong Kong
    assert delay_minutes(quote(70.0, CLOSED - 3600, CLOSED)) == 0  # Tencent's r_hk key: declared real time
    assert delay_minutes(quote(70.0, CLOSED - 3600, CLOSED, source="sina", delay=15)) == 15  # Sina's hk key


# -- several sources in the store ---------------------------------------------------------------------------------

def test_store_keeps_each_source_and_shows_the_newest():
    store = MarketStore()
    assert store.apply_quote(quote(70.0, SESSION - 2, SESSION))
    yahoo = quote(69.0, SESSION - 902, SESSION, source="yahoo")
    assert not store.apply_quote(yahoo)  # held, not shown: 15 minutes older than Tencent's
    shown = store.quotes["0981.HK"]
    assert shown.source_name == "tencent" and shown.price == 70.0
    assert (shown.delay_minutes, shown.delay_measured) == (0, True)
    held = store.quote_from("0981.HK", "yahoo")
    assert held.price == 69.0 and (held.delay_minutes, held.delay_measured) == (15, True)
    assert not is_stale(shown, SESSION) and not is_stale(held, SESSION)
    # Tencent stops; Sina's newer prices take over; Tencent's older ones do not come back
    assert store.apply_quote(quote(70.5, SESSION + 60, SESSION + 61, source="sina"))
    assert not store.apply_quote(quote(70.1, SESSION + 30, SESSION + 62))
    assert store.quotes["0981.HK"].source_name == "sina"
    assert [p for _, p in store.intraday["0981.HK"]] == [70.0, 70.5]  # the line follows what is shown


def test_store_equal_times_go_to_the_less_delayed_source_whatever_the_order():
    for order in ((0, 1), (1, 0)):
        store = MarketStore()
        close = CLOSED - 4 * 3600  # 16:00 in Hong Kong: both serve the close, stamped alike
        pair = (quote(70.0, close, CLOSED, source="yahoo"), quote(70.0, close, CLOSED))
        for i in order:
            store.apply_quote(pair[i])
        assert store.quotes["0981.HK"].source_name == "tencent", order


def test_store_logs_two_sources_that_disagree_at_one_instant(caplog):
    store = MarketStore()
    caplog.set_level(logging.WARNING, logger="tui.core.store")
    store.apply_quote(quote(70.0, SESSION - 900, SESSION - 898))
    store.apply_quote(quote(70.1, SESSION - 897, SESSION - 895))
    store.apply_quote(quote(71.0, SESSION - 902, SESSION, source="yahoo"))  # the second source: tracing starts
    assert not store.disagreements
    store.apply_quote(quote(70.05, SESSION - 880, SESSION + 20))  # Tencent, later
    store.apply_quote(quote(70.7, SESSION - 880, SESSION + 21))
    store.apply_quote(quote(70.4, SESSION - 879, SESSION + 20 + 900, source="yahoo"))  # +0.5 %: agrees
    assert not store.disagreements
    store.apply_quote(quote(72.0, SESSION - 860, SESSION + 40))  # Tencent says 72.00 at this instant...
    store.apply_quote(quote(70.9, SESSION - 859, SESSION + 40 + 900, source="yahoo"))  # ...Yahoo 70.90: -1.5 %
    (d,) = store.disagreements
    assert (d.symbol, d.source, d.other_source, d.other_price) == ("0981.HK", "yahoo", "tencent", 72.0)
    assert round(d.pct, 2) == -1.53
    assert "sources disagree on 0981.HK: yahoo 70.9 vs tencent 72" in caplog.text
    store.apply_quote(quote(72.0, SESSION - 850, SESSION + 50))
    store.apply_quote(quote(70.0, SESSION - 849, SESSION + 50 + 900, source="yahoo"))
    assert len(store.disagreements) == 2 and caplog.text.count("sources disagree") == 1  # logged once in 10 min


def test_store_sources_at_different_instants_are_not_compared():
    store = MarketStore()
    store.apply_quote(quote(70.0, SESSION - 2, SESSION))
    store.apply_quote(quote(60.0, SESSION - 902, SESSION, source="yahoo"))  # 15 minutes apart: no instant shared
    store.apply_quote(quote(80.0, SESSION + 1, SESSION + 3))
    assert not store.disagreements
