"""The disk cache of fundamentals and daily history: ages, corrupt files, atomic writes, two processes, and a
restart of the feed that does not refetch what is fresh."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from feeds_fake_yahoo import FakeYahoo, wait_for

from tui.core import history
from tui.core.clock import Clock
from tui.core.store import MarketStore
from tui.feeds.cache import DiskCache, namespace_for
from tui.feeds.endpoints import Endpoints
from tui.feeds.yahoo_feed import YahooFeed
from tui.model import Bar, Fundamentals

T0 = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
NOW = T0.timestamp()
FUND = Fundamentals(symbol="0981.HK", as_of=NOW - 60, currency="HKD", financial_currency="USD",
                    shares_outstanding=7.98e9, revenue_ttm=8.03e9, eps_ttm=0.17, extra={"quote_type": "EQUITY"})
BARS = [Bar(NOW - 86400 * (3 - i), 10.0 + i, 11.0 + i, 9.0 + i, 10.5 + i, 1000 * i) for i in range(3)]


def test_round_trip_and_max_age(tmp_path: Path) -> None:
    cache = DiskCache(tmp_path)
    assert cache.get_fundamentals("0981.HK", NOW) is None
    cache.put_fundamentals(FUND, FUND.as_of)
    cache.put_history("^GSPC", "1y", "1d", BARS, NOW)
    assert cache.get_fundamentals("0981.HK", NOW) == FUND
    assert cache.get_history("^GSPC", "1y", "1d", NOW) == (BARS, NOW)
    assert cache.get_history("^GSPC", "5d", "1d", NOW) is None  # another range is another entry
    # too old for the asker's maximum age: a miss, and the file stays for a more lenient reader
    assert cache.get_fundamentals("0981.HK", NOW + 3600, max_age=1800) is None
    assert cache.get_history("^GSPC", "1y", "1d", NOW + 7 * 3600, max_age=6 * 3600) is None
    assert cache.get_fundamentals("0981.HK", NOW + 3600, max_age=7200) == FUND
    # symbols become file names every platform takes
    names = {p.name for p in tmp_path.rglob("*.json")}
    assert names == {"0981.HK.json", "%5EGSPC@1y-1d.json"}
    assert not list(tmp_path.rglob("*.tmp")), "no temporary file left behind"


def test_sources_do_not_share_entries(tmp_path: Path) -> None:
    yahoo = Endpoints()
    sim = Endpoints.with_base("http://127.0.0.1:8765")
    other = Endpoints.with_base("http://127.0.0.1:8766")
    assert namespace_for(yahoo) == "finance.yahoo.com"
    assert len({namespace_for(yahoo), namespace_for(sim), namespace_for(other)}) == 3
    DiskCache.for_endpoints(sim, tmp_path).put_fundamentals(FUND, NOW)
    assert DiskCache.for_endpoints(yahoo, tmp_path).get_fundamentals("0981.HK", NOW) is None
    assert DiskCache.for_endpoints(sim, tmp_path).get_fundamentals("0981.HK", NOW) == FUND


@pytest.mark.parametrize("content", [b"", b"{not json", b"\xff\xfe\x00", b"[1, 2]",
                                     b'{"version": 1, "kind": "fundamentals", "symbol": "NVDA", "fetched_at": 1}',
                                     b'{"version": 1, "kind": "fundamentals", "symbol": "0981.HK", "data": {}}',
                                     (b'{"version": 1, "kind": "fundamentals", "symbol": "0981.HK", '
                                      b'"fetched_at": 1772463540, "data": {"symbol": "0981.HK", "bogus": 1}}')])
def test_corrupt_file_is_discarded_and_rebuilt(tmp_path: Path, content: bytes) -> None:
    cache = DiskCache(tmp_path)
    cache.put_fundamentals(FUND, NOW)
    path = cache.path("fundamentals", "0981.HK")
    path.write_bytes(content)
    assert cache.get_fundamentals("0981.HK", NOW) is None  # never an exception
    assert cache.discarded == 1 and not path.exists()
    cache.put_fundamentals(FUND, NOW)
    assert cache.get_fundamentals("0981.HK", NOW) == FUND


def test_corrupt_history_is_discarded(tmp_path: Path) -> None:
    cache = DiskCache(tmp_path)
    cache.put_history("NVDA", "1y", "1d", BARS, NOW)
    path = cache.path("history", "NVDA@1y-1d")
    doc = json.loads(path.read_text())
    doc["data"][1] = ["yesterday", 1]
    path.write_text(json.dumps(doc))
    assert cache.get_history("NVDA", "1y", "1d", NOW) is None and cache.discarded == 1


def test_unwritable_cache_dir_is_not_fatal(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    cache = DiskCache(blocker)
    cache.put_fundamentals(FUND, NOW)  # no exception
    assert cache.write_errors == 1 and cache.get_fundamentals("0981.HK", NOW) is None


WRITER = textwrap.dedent("""
    import sys
    from tui.feeds.cache import DiskCache
    from tui.model import Bar
    root, tag = sys.argv[1], int(sys.argv[2])
    cache = DiskCache(root)
    for i in range(150):
        bars = [Bar(float(d), 1.0, 2.0, 0.5, float(tag * 1000 + i), d) for d in range(300)]
        cache.put_history("NVDA", "1y", "1d", bars, 1e9 + i)
""")


def test_two_processes_writing_one_key_never_leave_a_broken_file(tmp_path: Path) -> None:
    """Two aiwatch instances on one machine: readers see a whole file, old or new, never half of one."""
    root = Path(__file__).resolve().parents[1]
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path), str(tag)], cwd=root)
             for tag in (1, 2)]
    reader = DiskCache(tmp_path)
    reads = 0
    while any(p.poll() is None for p in procs):
        got = reader.get_history("NVDA", "1y", "1d", 1e9 + 100, max_age=1e6)
        if got is not None:
            bars, _fetched = got
            assert len(bars) == 300 and len({b.close for b in bars}) == 1  # one writer's whole file
            reads += 1
    assert all(p.wait(30) == 0 for p in procs)
    assert reader.discarded == 0
    assert reader.get_history("NVDA", "1y", "1d", 1e9 + 100, max_age=1e6) is not None
    assert not list(tmp_path.rglob("*.tmp"))


# -- the feed with a cache: a restart does not refetch ---------------------------------------------------------
def _feed(fake: FakeYahoo, cache: DiskCache, at: datetime = T0) -> tuple[YahooFeed, MarketStore]:
    store = MarketStore()
    feed = YahooFeed(store, Clock(at, speed=0), Endpoints.from_env(fake.base_url, fake.stream_url),
                     poll_interval=30.0, min_interval=0.0, extra_symbols=(), history_range="1y", cache=cache)
    feed.set_symbols(["BABA", "AAPL"])
    return feed, store


def _requests(fake: FakeYahoo, prefix: str) -> list[str]:
    return [p for p in fake.paths() if p.startswith(prefix)]


async def test_restart_takes_fresh_fundamentals_and_history_from_disk(fake: FakeYahoo, tmp_path: Path) -> None:
    cache = DiskCache(tmp_path, "fake")
    feed, store = _feed(fake, cache)
    await feed.start()
    try:
        await wait_for(lambda: "BABA" in store.history and "AAPL" in store.history
                       and store.fundamentals.get("BABA") and store.fundamentals["BABA"].revenue_ttm,
                       10, "first run: summary and history")
    finally:
        await feed.stop()
    assert len(_requests(fake, "/v10/")) == 2 and len(_requests(fake, "/v8/")) == 2  # AAPL's summary: 404
    first_baba = store.fundamentals["BABA"]

    # a restart an hour later: the store is filled from disk before any request, and nothing is refetched
    fake.log.clear()
    feed2, store2 = _feed(fake, DiskCache(tmp_path, "fake"), datetime(2026, 3, 2, 16, 0, tzinfo=UTC))
    await feed2.start()
    try:
        assert store2.fundamentals["BABA"].revenue_ttm == first_baba.revenue_ttm
        assert store2.fundamentals["BABA"].as_of == first_baba.as_of  # says when it was fetched, not now
        assert store2.history["BABA"] == store.history["BABA"]
        assert await feed2.wait_until_quoted(["BABA", "AAPL"], 10) == set()
        await wait_for(lambda: _requests(fake, "/v10/finance/quoteSummary/AAPL"), 10, "AAPL's summary retried")
    finally:
        await feed2.stop()
    assert not _requests(fake, "/v8/"), "fresh history refetched"
    assert _requests(fake, "/v10/") == ["/v10/finance/quoteSummary/AAPL"], "only the summary not in the cache"

    # a day later both have aged out: fetched again
    fake.log.clear()
    feed3, _store3 = _feed(fake, DiskCache(tmp_path, "fake"), datetime(2026, 3, 3, 16, 0, tzinfo=UTC))
    await feed3.start()
    try:
        await wait_for(lambda: len(_requests(fake, "/v8/")) == 2 and len(_requests(fake, "/v10/")) == 2,
                       10, "stale entries refetched")
    finally:
        await feed3.stop()


async def test_cached_history_waits_for_pandas_then_comes_from_disk(fake: FakeYahoo, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """A process that has not imported pandas yet (the analytics reading daily history need it): the cached
    history is not put in the store at start, on the screen's thread, but after pandas is imported in a worker
    thread, and still without a chart request."""
    feed, store = _feed(fake, DiskCache(tmp_path, "fake"))
    await feed.start()
    try:
        await wait_for(lambda: "BABA" in store.history and "AAPL" in store.history, 10, "first run: history")
    finally:
        await feed.stop()

    monkeypatch.setattr(history, "_PANDAS_LOADED", threading.Event())  # as in a process just started
    fake.log.clear()
    feed2, store2 = _feed(fake, DiskCache(tmp_path, "fake"), datetime(2026, 3, 2, 16, 0, tzinfo=UTC))
    await feed2.start()
    try:
        assert store2.fundamentals["BABA"].revenue_ttm  # fundamentals from disk at once
        assert not store2.history  # history only once pandas is loaded
        await wait_for(lambda: "BABA" in store2.history and "AAPL" in store2.history, 10, "history from disk")
        assert history.analytics_loaded()
        assert store2.history["BABA"] == store.history["BABA"]
    finally:
        await feed2.stop()
    assert not _requests(fake, "/v8/"), "fresh history refetched"
