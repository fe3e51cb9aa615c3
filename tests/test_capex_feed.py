"""Statement lines through the real client against the simulator: on the session (cookie and crumb), after the
quotes and quoteSummary, at most every 12 hours per equity, through 500s and 429s, and kept on disk so that an
eight-quarter trend builds up across runs although only five quarters come back each time."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from feeds_fake_yahoo import wait_for

from tui.core.capex import company_capex
from tui.core.clock import Clock
from tui.core.store import MarketStore
from tui.feeds.cache import DiskCache
from tui.feeds.endpoints import Endpoints
from tui.feeds.yahoo_feed import YahooFeed
from tui.feeds.yahoo_rest import HttpError, RateLimited, YahooRest
from tui.sim.server import Simulator

TIMESERIES = "/ws/fundamentals-timeseries/v1/finance/timeseries/"
SYMBOLS = ["MSFT", "BABA", "9988.HK", "NIO", "^GSPC"]
LATE_2026 = dt.datetime(2026, 11, 24, 15, 0, tzinfo=dt.UTC)


@contextlib.asynccontextmanager
async def _running(at: dt.datetime, *, cache: DiskCache | None = None, faults: str | None = None,
                   max_quarters: int | None = None, symbols=SYMBOLS,
                   **feed_kwargs) -> AsyncIterator[tuple[YahooFeed, MarketStore, Simulator]]:
    clock = Clock(at, speed=0)
    sim = Simulator(clock, seed=7, rate=0, faults=faults)
    sim.timeseries_max_quarters = max_quarters
    await sim.start()
    store = MarketStore()
    feed = YahooFeed(store, clock, Endpoints.from_env(sim.base_url, sim.stream_url), poll_interval=1.0,
                     statements=True, cache=cache, **feed_kwargs)
    feed.set_symbols(symbols)
    await feed.start()
    try:
        yield feed, store, sim
    finally:
        await feed.stop()
        await sim.stop()


def _timeseries_paths(sim: Simulator) -> list[str]:
    return [p.removeprefix(TIMESERIES) for p in sim.paths if p.startswith(TIMESERIES)]


async def test_capex_feed_fetches_each_equity_once_after_quotes_and_summaries() -> None:
    async with _running(LATE_2026) as (feed, store, sim):
        await wait_for(lambda: all(feed.statements_tried(s) for s in ("MSFT", "BABA", "9988.HK", "NIO")), 20,
                       "statements of every equity")
        # the simulator refuses a request without the session's cookie and crumb: these came through it
        assert store.statements["MSFT"].currency == "USD" and store.statements["BABA"].currency == "CNY"
        msft = company_capex(store, "MSFT")
        assert msft.latest_quarter == dt.date(2025, 9, 30) and len(msft.quarters) == 8
        assert msft.capex_growth is not None  # the simulator serves eight quarters
        # NIO: every type meta only (no figures in the simulator's file): fetched, held as "not reported"
        assert store.statements["NIO"].is_empty() and ("quarterly", "capex") in store.statements["NIO"].not_reported
        assert not company_capex(store, "NIO").has_statements
        assert "^GSPC" not in store.statements and "CNY=X" not in store.statements  # not equities
        paths = list(sim.paths)
        first_ts = next(i for i, p in enumerate(paths) if p.startswith(TIMESERIES))
        assert paths.index("/v7/finance/quote") < first_ts
        assert all(i < first_ts for i, p in enumerate(paths) if p.startswith("/v10/finance/quoteSummary/"))
        assert sorted(_timeseries_paths(sim)) == ["9988.HK", "BABA", "MSFT", "NIO"]
        # polls go on; no statement is asked again within 12 hours
        polls = paths.count("/v7/finance/quote")
        await wait_for(lambda: list(sim.paths).count("/v7/finance/quote") >= polls + 2, 10, "two more polls")
        assert sorted(_timeseries_paths(sim)) == ["9988.HK", "BABA", "MSFT", "NIO"]


async def test_capex_feed_statements_wait_for_the_background_budget_while_polls_go_on() -> None:
    """With a budget of 8 requests a minute: session (2), quote (1), four quoteSummary (4) and one statement fetch
    spend it; the other statements wait for the minute to pass while the price poll goes on."""
    clock = Clock(LATE_2026, speed=0)
    sim = Simulator(clock, seed=7, rate=0)
    await sim.start()
    endpoints = Endpoints.from_env(sim.base_url, sim.stream_url)
    rest = YahooRest(endpoints, clock, background_per_minute=8)
    feed = YahooFeed(MarketStore(), clock, endpoints, poll_interval=0.5, statements=True, rest=rest)
    feed.set_symbols(["MSFT", "BABA", "AAPL", "TSLA"])
    await feed.start()
    try:
        await wait_for(lambda: len(_timeseries_paths(sim)) == 1, 10, "the first statement fetch")
        polls = list(sim.paths).count("/v7/finance/quote")
        await wait_for(lambda: list(sim.paths).count("/v7/finance/quote") >= polls + 3, 10, "three more polls")
        assert len(_timeseries_paths(sim)) == 1
        assert [p for p in sim.paths if p.startswith("/v10/")] == [
            f"/v10/finance/quoteSummary/{s}" for s in ("MSFT", "BABA", "AAPL", "TSLA")]  # fundamentals came first
    finally:
        await feed.stop()
        await sim.stop()


async def test_capex_feed_statements_come_after_a_rate_limit_backoff() -> None:
    async with _running(LATE_2026, faults="http429=2", symbols=["BABA", "AAPL"]) as (feed, store, sim):
        feed.rest.rate_limit_backoff = 0.2  # the simulator's 429s are a test's: back off briefly
        await wait_for(lambda: all(s in store.statements for s in ("BABA", "AAPL")), 20, "statements after 429s")
        assert list(sim.paths)[:2] == ["/", "/"]  # the two 429s, then the session, quotes, summaries, statements
        assert not any(store.statements[s].is_empty() for s in ("BABA", "AAPL"))
        assert company_capex(store, "AAPL").interest_reported is False  # meta only in the simulator, as at Yahoo


async def test_capex_rest_timeseries_429_backs_off_and_500_is_a_server_error() -> None:
    clock = Clock(LATE_2026, speed=0)
    sim = Simulator(clock, seed=7, rate=0)
    await sim.start()
    rest = YahooRest(Endpoints.from_env(sim.base_url, sim.stream_url), clock, rate_limit_backoff=1.0)
    try:
        await rest.ensure_auth()
        sim.faults.http429_first = sim.faults.rest_requests + 1  # the next request is refused with a 429
        with pytest.raises(RateLimited):
            await rest.timeseries("MSFT")
        sent = len(sim.paths)
        with pytest.raises(RateLimited):  # inside the back-off nothing is sent
            await rest.timeseries("MSFT")
        assert len(sim.paths) == sent and rest.rate_limit_left() > 0
        await wait_for(lambda: rest.rate_limit_left() == 0, 5, "the end of the back-off")
        sim.faults.http500 = 1.0
        with pytest.raises(HttpError):  # transient: the feed tries again next round, not in 30 minutes
            await rest.timeseries("MSFT")
        sim.faults.http500 = 0.0
        assert (await rest.timeseries("MSFT")).currency == "USD"
    finally:
        await rest.close()
        await sim.stop()


async def test_capex_cache_builds_eight_quarters_from_two_runs_of_five(tmp_path: Path) -> None:
    """Run 1 in March 2025 sees five quarters to 2024-12; run 2 in November 2025 sees five to 2025-09: together,
    eight. Run 3 an hour later takes them from the disk and asks nothing."""
    cache_root = tmp_path / "cache"
    syms = ["MSFT", "BABA"]
    async with _running(dt.datetime(2025, 3, 14, 15, 0, tzinfo=dt.UTC), cache=DiskCache(cache_root, "sim"),
                        max_quarters=5, symbols=syms) as (feed, store, sim):
        await wait_for(lambda: all(feed.statements_tried(s) for s in syms), 20, "first run's statements")
        assert [q.as_of for q in company_capex(store, "MSFT").quarters][-1] == dt.date(2024, 12, 31)
        assert len(store.statements["MSFT"].points("quarterly", "capex")) == 5
        assert company_capex(store, "MSFT").capex_growth is None
    later = dt.datetime(2025, 11, 20, 15, 0, tzinfo=dt.UTC)
    async with _running(later, cache=DiskCache(cache_root, "sim"), max_quarters=5, symbols=syms) as (feed, store,
                                                                                                    sim):
        # at start, straight from the disk: the old quarters are there before any fetch, and being eight months
        # old they are fetched again (a snapshot waits for that)
        assert len(store.statements["MSFT"].points("quarterly", "capex")) == 5
        assert not feed.statements_tried("MSFT")
        await wait_for(lambda: _timeseries_paths(sim) == ["MSFT", "BABA"] and all(
            len(store.statements[s].points("quarterly", "capex")) >= 7 for s in syms), 20, "second run's fetch")
        msft = company_capex(store, "MSFT")
        assert [q.as_of.isoformat() for q in msft.quarters] == [
            "2023-12-31", "2024-03-31", "2024-06-30", "2024-09-30", "2024-12-31", "2025-03-31", "2025-06-30",
            "2025-09-30"]
        assert msft.capex_growth is not None and msft.revenue_growth is not None
        # BABA reports eight weeks after its quarter ends: on 2025-11-20 its September quarter is not out yet
        assert company_capex(store, "BABA").latest_quarter == dt.date(2025, 6, 30)
    async with _running(later + dt.timedelta(hours=1), cache=DiskCache(cache_root, "sim"), max_quarters=5,
                        symbols=syms) as (feed, store, sim):
        assert all(feed.statements_tried(s) for s in syms)  # an hour old: as fresh as it gets, from the disk
        assert len(company_capex(store, "MSFT").quarters) == 8
        await wait_for(lambda: list(sim.paths).count("/v7/finance/quote") >= 2, 10, "a poll")
        assert _timeseries_paths(sim) == []  # fetched an hour ago: nothing asked


async def test_capex_cache_file_that_is_broken_is_dropped_and_refetched(tmp_path: Path) -> None:
    cache = DiskCache(tmp_path, "sim")
    path = cache.path("statements", "MSFT")
    path.parent.mkdir(parents=True)
    path.write_text('{"version": 1, "kind": "statements", "symbol": "MSFT", "fetched_at": 1, "data": {"symbol": '
                    '"MSFT", "series": [["quarterly", "capex", [["not a date", 1, "USD"]]]]}}')
    async with _running(LATE_2026, cache=cache, symbols=["MSFT"]) as (_feed, store, sim):
        await wait_for(lambda: "MSFT" in _timeseries_paths(sim) and "MSFT" in store.statements, 20, "a refetch")
        assert cache.discarded == 1
        assert len(cache.get_statements("MSFT").points("quarterly", "capex")) == 8


async def test_capex_rest_timeseries_is_one_request_on_the_session() -> None:
    clock = Clock(LATE_2026, speed=0)
    sim = Simulator(clock, seed=7, rate=0)
    await sim.start()
    rest = YahooRest(Endpoints.from_env(sim.base_url, sim.stream_url), clock)
    try:
        st = await rest.timeseries("0700.HK")
        assert list(sim.paths) == ["/", "/v1/test/getcrumb", TIMESERIES + "0700.HK"]
        assert st.currency == "CNY" and st.fetched_at == clock.now()
        tencent = company_capex(MarketStore(), "0700.HK")
        assert not tencent.has_statements
        store = MarketStore()
        store.apply_statements(st)
        c = company_capex(store, "0700.HK")
        assert c.ttm_basis["capex"] == "trailing" and c.capex is not None and c.capex > 0
        # Yahoo's free cash flow as served equals the client's OCF + capex, quarter by quarter
        fcf = {p.as_of: p.value for p in st.points("quarterly", "fcf")}
        assert [q.fcf for q in c.quarters] == [fcf[q.as_of] for q in c.quarters]
    finally:
        await rest.close()
        await sim.stop()


def test_capex_cache_round_trip_merges_and_refuses_a_tampered_file(tmp_path: Path) -> None:
    from capex_support import quarter_ends, statements

    cache = DiskCache(tmp_path, "yahoo-test")
    q = quarter_ends(dt.date(2023, 12, 31), 8)
    lines = {"capex": [-1e9 * (i + 1) for i in range(8)]}
    cache.put_statements(statements("MSFT", "USD", q[:5], {"capex": lines["capex"][:5]}, fetched_at=10.0))
    merged = cache.put_statements(statements("MSFT", "USD", q[3:], {"capex": lines["capex"][3:]}, fetched_at=20.0))
    got = cache.get_statements("MSFT")
    assert got == merged and got.fetched_at == 20.0
    assert [p.value for p in got.points("quarterly", "capex")] == lines["capex"]
    path = cache.path("statements", "MSFT")
    path.write_text(path.read_text().replace('"USD"', '"\\u001b[2J"'))  # a currency that is a control sequence
    assert cache.get_statements("MSFT") is None and not path.exists() and cache.discarded == 1
