"""YahooFeed: keeps a MarketStore filled from Yahoo (or the simulator) for the symbols on screen.

Order of work after `start()`: cookie + crumb; one batched v7 quote for every symbol (quotes, basic
fundamentals, unknown symbols marked); the websocket stream (started right after that first quote, so prices
go live within seconds rather than after every quoteSummary); quoteSummary for each equity, spaced by the
REST floor. From then on, every `poll_interval` one batched v7 quote covers the symbols the stream has not
updated in that time with a regular-session trade (closed markets, extended hours, symbols Yahoo does not
stream), and fundamentals older than
`fundamentals_max_age` (app clock) are fetched again. Quote.source tells the board which path a price took.

Background work (quoteSummary, then a year of daily bars per symbol when `history_range` is set) goes one
request at a time, yields to the poll when it is due, and waits while the REST client's per-minute budget
is spent. With a `cache` (tui/feeds/cache.py) fresh fundamentals and history are taken from disk at start
and on every watchlist switch, and whatever is fetched is written back: a restart costs a batched quote,
not a quoteSummary and a chart per symbol. Why there is no data (a 429 back-off, a refused connection, garbage:
tui/feeds/trouble.py) is `trouble()`, which `status()` carries to the status line and `aiwatch snapshot` prints.

With `statements=True`, each equity's statement lines (capex, cash flow, revenue, EBITDA, debt: the fundamentals
time series) are fetched last in that background order, at most every `statements_max_age` (12 h) per symbol, and
merged into the store: Yahoo returns about five quarters, and the cache keeps every quarter ever seen, loaded at
start whatever its age, so the trend of eight quarters builds up across runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from tui.core.clock import Clock
from tui.core.history import analytics_loaded, load_analytics
from tui.core.sessions import all_closed
from tui.core.store import MarketStore
from tui.feeds.cache import HISTORY_MAX_AGE, DiskCache
from tui.feeds.endpoints import Endpoints
from tui.feeds.quoted import wait_until_quoted
from tui.feeds.trouble import Trouble, combined
from tui.feeds.yahoo_parse import YahooError, merge_fundamentals
from tui.feeds.yahoo_rest import RateLimited, YahooRest
from tui.feeds.yahoo_stream import YahooStream
from tui.model import Quote
from tui.sanitize import clean_message

log = logging.getLogger(__name__)

FX_EXTRA = ("HKD=X", "CNY=X", "JPY=X")
_RETRY_FAILED_SUMMARY = 1800.0  # app-clock seconds before a quoteSummary Yahoo refused is tried again
MAX_AHEAD = 300.0  # seconds a stream frame's time may be ahead of our clock
CLOSED_POLL_FACTOR = 4.0  # every market of the symbols closed: poll 4x less often (15 s -> 60 s)
STATEMENTS_MAX_AGE = 12 * 3600.0  # app-clock seconds between two statement fetches of one symbol


@dataclass(frozen=True, slots=True)
class FeedStatus:
    state: str  # the stream's: "connecting", "live", "reconnecting in 2.0s", "stopped", …
    last_message_time: float | None  # app clock, last websocket message
    reconnects: int
    rejected_frames: int
    requests_last_minute: int
    rate_limited_until: float | None  # app clock; None when not backing off
    last_error: str | None  # why there is no data, in words (every trouble's describe()), or another failure
    connects: int = 0
    streaming_symbols: int = 0  # symbols with a stream update within the poll interval
    polled_symbols: int = 0  # symbols the REST poll covers at the moment
    # well-formed frames for a symbol this feed subscribed to earlier but no longer wants: Yahoo keeps sending a
    # symbol for a moment after it is unsubscribed (and frames already on the way arrive anyway). Ordinary after
    # every watchlist switch, so not counted in `rejected_frames`, which is only for what was malformed.
    late_frames: int = 0
    trouble: Trouble | None = None  # the most telling trouble (REST's first), for its cause and times
    # every upstream source of the run (tui/feeds/upstream.py): yahoo, tencent, sina with their states
    sources: tuple = ()
    notice: str | None = None  # what is missing and why, e.g. the Yahoo-only figures while Yahoo is unreachable


def _is_equity_guess(symbol: str) -> bool:
    return not symbol.startswith("^") and not symbol.endswith("=X")


class YahooFeed:
    def __init__(
        self,
        store: MarketStore,
        clock: Clock,
        endpoints: Endpoints,
        *,
        poll_interval: float = 15.0,
        fundamentals_max_age: float = 6 * 3600,
        extra_symbols: Iterable[str] = FX_EXTRA,
        rest: YahooRest | None = None,
        stream: YahooStream | None = None,
        proxy: str | None = None,
        min_interval: float | None = None,
        heartbeat: float = 15.0,
        history_range: str | None = None,
        cache: DiskCache | None = None,
        history_max_age: float = HISTORY_MAX_AGE,
        statements: bool = False,
        statements_max_age: float = STATEMENTS_MAX_AGE,
        source_name: str | None = None,
        on_change: Callable[[], None] | None = None,
    ) -> None:
        self.store = store
        self.on_change = on_change  # called after quotes or figures went into the store (tui/feeds/upstream.py)
        self.clock = clock
        self.endpoints = endpoints
        self.poll_interval = poll_interval
        self.fundamentals_max_age = fundamentals_max_age
        self.extra_symbols = tuple(extra_symbols)
        self.history_range = history_range  # e.g. "1y": daily bars of every symbol on screen into the store
        self.history_max_age = history_max_age  # app-clock seconds before a symbol's daily bars are fetched again
        self.cache = cache
        self.statements = statements  # fetch each equity's statement lines (the capex screen, snapshot --capex)
        self.statements_max_age = statements_max_age
        self.rest = rest or YahooRest(endpoints, clock, proxy=proxy, min_interval=min_interval,
                                      source_name=source_name)
        self.stream = stream or YahooStream(
            endpoints.stream_url,
            self._on_stream_quote,
            clock,
            on_reject=self._on_reject,
            heartbeat=heartbeat,
            proxy=proxy,
            # frame times can be checked against our clock when both follow one time line: real time with
            # real Yahoo, or the simulator, which runs on the app's own clock
            max_ahead=MAX_AHEAD if (endpoints.is_local or not clock.pinned) else None,
            source_name=source_name,
        )
        self._symbols: tuple[str, ...] = self.extra_symbols
        self._symbol_set: frozenset[str] = frozenset(self._symbols)
        self._ever_subscribed: frozenset[str] = self._symbol_set  # every symbol asked for in this feed's life
        self.late_frames = 0  # frames for a symbol asked for earlier, no longer wanted (FeedStatus.late_frames)
        self._pending: set[str] = set()  # new symbols to quote at once
        self._last_stream: dict[str, float] = {}  # symbol -> monotonic time of its last stream quote
        self._summary_at: dict[str, float] = {}  # symbol -> app time of the last quoteSummary attempt
        self._summary_ok: set[str] = set()
        self._history_at: dict[str, float] = {}  # symbol -> app time its bars were fetched (or last tried)
        self._statements_at: dict[str, float] = {}  # symbol -> app time its statements were fetched (or tried)
        self._statements_ok: set[str] = set()  # fetched in this run, or held in the cache
        self._statements_failed: set[str] = set()  # Yahoo refused them (no such symbol, error envelope)
        self._history_refused: set[str] = set()  # Yahoo refused their daily chart (no data, error envelope)
        self._quote_types: dict[str, str] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._wake: asyncio.Event | None = None
        self._changed: asyncio.Event | None = None
        self._first_quote_done = False
        self.last_error: str | None = None

    # -- public API ------------------------------------------------------------------------------------
    @property
    def symbols(self) -> tuple[str, ...]:
        return self._symbols

    async def start(self) -> None:
        if self._tasks:
            return
        self._wake = asyncio.Event()
        self._changed = asyncio.Event()
        self._load_cached(self._symbols)
        self.stream.set_symbols(self._symbols)
        self._tasks.append(asyncio.create_task(self._rest_loop(), name="yahoo-rest"))

    def set_symbols(self, symbols: Iterable[str]) -> None:
        """The watchlist on screen (the FX symbols are added): new subscription, new symbols quoted at once."""
        wanted = tuple(dict.fromkeys([*(s.strip() for s in symbols if s and s.strip()), *self.extra_symbols]))
        added = set(wanted) - set(self._symbols)
        self._symbols = wanted
        self._symbol_set = frozenset(wanted)
        self._ever_subscribed |= self._symbol_set
        self.stream.set_symbols(wanted)
        if added and self._tasks:
            self._load_cached(added)
        if added and self._first_quote_done:
            self._pending |= added
        if self._wake is not None:
            self._wake.set()

    async def wait_until_quoted(self, symbols: Iterable[str], timeout: float) -> set[str]:
        """Wait until every symbol has a quote (or is known not to exist); returns those without a quote."""
        if self._changed is None:
            self._changed = asyncio.Event()
        return await wait_until_quoted(self.store, symbols, timeout, self._changed)

    def trouble(self) -> Trouble | None:
        """Why data is missing, REST's trouble first (quotes come that way first), else the stream's; None when
        both are answering."""
        return self.rest.trouble or self.stream.trouble

    def trouble_text(self) -> str | None:
        """Every trouble of the feed in words, each cause once: what the status line and the snapshot say."""
        return combined(self.rest.trouble, self.stream.trouble)

    def status(self) -> FeedStatus:
        recent = self._streaming_symbols()
        return FeedStatus(
            state=self.stream.state,
            last_message_time=self.stream.last_message_time,
            reconnects=self.stream.reconnects,
            rejected_frames=self.store.rejected_frames,
            requests_last_minute=self.rest.requests_last_minute(),
            rate_limited_until=self.rest.rate_limited_until,
            last_error=self.trouble_text() or self.last_error,
            connects=self.stream.connects,
            streaming_symbols=len(recent),
            polled_symbols=len(set(self._symbols) - recent),
            late_frames=self.late_frames,
            trouble=self.trouble(),
        )

    async def stop(self) -> None:
        self.stream.stop()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        await self.rest.close()

    async def fetch_history(self, symbol: str, range_: str = "1y", interval: str = "1d") -> None:
        """Daily bars into the store: from the disk cache while fresh, else one chart request (then cached).

        The analytics that read daily history run on pandas: its first import is done in a thread before any
        history goes into the store (`load_analytics`), so the screen's refresh never stands still for it."""
        now = self.clock.now()
        if self.cache is not None and interval == "1d":
            got = self.cache.get_history(symbol, range_, interval, now, self.history_max_age)
            if got is not None:
                await load_analytics()
                self.store.apply_history(symbol, got[0])
                if range_ == self.history_range:
                    self._history_at[symbol] = got[1]
                self._notify()
                return
        try:
            bars = await self.rest.chart(symbol, range_, interval)
        except YahooError:  # Yahoo's answer, not a network failure: there is no history to wait for
            if interval == "1d":
                self._history_refused.add(symbol)
                self._notify()
            raise
        await load_analytics()
        self.store.apply_history(symbol, bars)
        if interval == "1d":
            self._history_refused.discard(symbol)
        if interval == "1d" and range_ == self.history_range:
            self._history_at[symbol] = now
        if self.cache is not None and bars and interval == "1d":
            self.cache.put_history(symbol, range_, interval, bars, now)
        self._notify()

    async def seed_intraday(self, symbol: str) -> int:
        """Today's 5-minute closes (one chart request, interval 5m, range 1d) put in front of the live
        points the store keeps for `symbol`, so the board's sparkline is drawn from the start (and on a frozen
        clock). Points at or after the first live one are left out. The caller asks once per symbol and day and
        minds the request budget (`rest.background_wait()`). Returns the number of points added."""
        bars = await self.rest.chart(symbol, "1d", "5m")
        added = self.store.prepend_intraday(symbol, [(b.time, b.close) for b in bars if b.close is not None])
        if added:
            self._notify()
        return added

    # -- the disk cache --------------------------------------------------------------------------------
    def _load_cached(self, symbols: Iterable[str]) -> None:
        """Fresh fundamentals and daily bars from disk into the store; what is found is not fetched again."""
        if self.cache is None:
            return
        now = self.clock.now()
        loaded = 0
        for symbol in symbols:
            if symbol not in self._summary_ok:
                f = self.cache.get_fundamentals(symbol, now, self.fundamentals_max_age)
                if f is not None:
                    self.store.apply_fundamentals(merge_fundamentals(self.store.fundamentals.get(symbol), f))
                    self._summary_ok.add(symbol)
                    self._summary_at[symbol] = f.as_of
                    qt = f.extra.get("quote_type")
                    if isinstance(qt, str):
                        self._quote_types[symbol] = qt
                    loaded += 1
            if self.statements and symbol not in self._statements_at and _is_equity_guess(symbol):
                st = self.cache.get_statements(symbol)
                if st is not None:
                    self.store.apply_statements(st)
                    if st.fetched_at is not None:
                        self._statements_at[symbol] = st.fetched_at
                        self._statements_ok.add(symbol)
                    loaded += 1
            # history only once pandas is loaded (see fetch_history); until then the background loop takes it
            # from here, through fetch_history, without a request
            if self.history_range and symbol not in self._history_at and analytics_loaded():
                got = self.cache.get_history(symbol, self.history_range, "1d", now, self.history_max_age)
                if got is not None:
                    bars, fetched_at = got
                    self.store.apply_history(symbol, bars)
                    self._history_at[symbol] = fetched_at
                    loaded += 1
        if loaded:
            log.info("cache: %d fresh entries loaded", loaded)
            self._notify()

    # -- stream callbacks ------------------------------------------------------------------------------
    def _on_stream_quote(self, quote: Quote) -> None:
        if quote.symbol not in self._symbol_set:
            if quote.symbol in self._ever_subscribed:
                # a symbol of a watchlist just left: Yahoo still sends it for a moment. Dropped, and counted
                # apart from the malformed frames the status line's "rejected" counts
                self.late_frames += 1
                return
            self._on_reject(f"symbol never subscribed: {quote.symbol}")  # a symbol never asked for is garbage
            return
        if not quote.extended_only:
            # an extended-hours frame says nothing of the regular session (its close, high, low, volume): the
            # symbol stays on the v7 poll, which carries those, until the stream sends regular trades again
            self._last_stream[quote.symbol] = time.monotonic()
        self.store.apply_quote(quote)
        self._notify()

    def _on_reject(self, reason: str) -> None:
        self.store.rejected_frames += 1

    def _notify(self) -> None:
        if self._changed is not None:
            self._changed.set()
        if self.on_change is not None:
            self.on_change()

    def _streaming_symbols(self) -> set[str]:
        cutoff = time.monotonic() - self.poll_interval
        return {s for s in self._symbols if self._last_stream.get(s, -1e18) >= cutoff}

    # -- REST ------------------------------------------------------------------------------------------
    async def _rest_loop(self) -> None:
        last_poll = -1e18
        error_delay = 0.0  # grows on consecutive failures, so a dead server is not hammered
        while True:
            failed = False
            try:
                await self.rest.ensure_auth()
                if not self._first_quote_done:
                    await self._quote(self._symbols)
                    self._first_quote_done = True
                    last_poll = time.monotonic()
                    self._start_stream()
                if time.monotonic() - last_poll >= self._poll_every() * 0.98:
                    stale = set(self._symbols) - self._streaming_symbols() - self.store.unknown
                    last_poll = time.monotonic()
                    if stale:
                        await self._quote(sorted(stale))
                await self._quote_pending()
                await self._refresh_fundamentals(next_poll=last_poll + self._poll_every() * 0.98)
                self.last_error = None
                error_delay = 0.0
            except asyncio.CancelledError:
                raise
            except RateLimited:
                self.last_error = None  # the REST client's trouble says it, with the time of the next try
                if not self._first_quote_done:
                    self._start_stream()
            except Exception as exc:  # noqa: BLE001 - the loop must outlive any failure
                failed = True
                # the REST client's trouble names the cause; anything it did not see (a bug) is said as it is
                self.last_error = None if self.rest.trouble is not None else clean_message(
                    f"{type(exc).__name__}: {exc}")
                log.warning("%s REST: %s", self.rest.source_name,
                            self.rest.trouble.what() if self.rest.trouble is not None else self.last_error)
                if not self._first_quote_done:
                    self._start_stream()  # prices may still stream while REST is failing
            if failed:
                error_delay = min(max(1.0, error_delay * 2), max(self.poll_interval, 1.0) * 4)
                self.rest.set_next_try(error_delay)
            limited = self.rest.rate_limit_left()
            if limited > 0:
                wait = limited
            elif failed:
                wait = error_delay
            else:
                wait = max(0.05, self._poll_every() - (time.monotonic() - last_poll))
            await self._sleep(wait, early=not failed and limited <= 0)

    def _poll_every(self) -> float:
        """The poll interval, CLOSED_POLL_FACTOR times longer while every market of the symbols is
        closed (nothing trades: an idle app on a weekend wakes less; the stream still delivers the open)."""
        try:
            if all_closed(self._symbols, self.clock.now()):
                return self.poll_interval * CLOSED_POLL_FACTOR
        except Exception:
            log.debug("closed-market poll check failed", exc_info=True)
        return self.poll_interval

    async def _sleep(self, seconds: float, *, early: bool) -> None:
        """Sleep until the next poll; `set_symbols` wakes it (at once when `early`, new symbols queued)."""
        assert self._wake is not None
        self._wake.clear()
        if self._pending and early:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), seconds)

    def _start_stream(self) -> None:
        if not any(t.get_name() == "yahoo-stream" for t in self._tasks):
            self._tasks.append(asyncio.create_task(self.stream.run(), name="yahoo-stream"))

    async def _quote_pending(self) -> None:
        if self._pending:
            batch, self._pending = sorted(self._pending), set()
            try:
                await self._quote(batch)
            except BaseException:
                self._pending |= set(batch)
                raise

    async def _quote(self, symbols: Iterable[str]) -> None:
        symbols = list(symbols)
        if not symbols:
            return
        quotes, funds, missing = await self.rest.quote(symbols)
        for q in quotes:
            self.store.apply_quote(q)
        for f in funds:
            qt = f.extra.get("quote_type")
            if isinstance(qt, str):
                self._quote_types[f.symbol] = qt
            if f.symbol not in self._summary_ok:  # quoteSummary figures, once there, win over v7's
                self.store.apply_fundamentals(merge_fundamentals(self.store.fundamentals.get(f.symbol), f))
        if missing:
            log.info("Yahoo has no quote for %s", ", ".join(sorted(missing)))
            self.store.mark_unknown(missing)
        self._notify()

    def is_equity(self, symbol: str) -> bool:
        """Whether `symbol` has statements to fetch (quoteSummary): its quote type once known, else a guess."""
        qt = self._quote_types.get(symbol)
        return qt == "EQUITY" if qt is not None else _is_equity_guess(symbol)

    def _background_paused(self, next_poll: float) -> bool:
        """True when background fetching must wait: the poll is due, or the per-minute budget is spent."""
        return time.monotonic() >= next_poll or self.rest.background_wait() > 0

    async def _refresh_fundamentals(self, next_poll: float = float("inf")) -> None:
        now = self.clock.now()
        for symbol in list(self._symbols):
            if symbol not in self._symbols or symbol in self.store.unknown or not self.is_equity(symbol):
                continue
            tried = self._summary_at.get(symbol)
            max_age = self.fundamentals_max_age if symbol in self._summary_ok else _RETRY_FAILED_SUMMARY
            if tried is not None and now - tried < max_age:
                continue
            await self._quote_pending()  # new symbols on screen come first
            if self._background_paused(next_poll):
                return
            self._summary_at[symbol] = now
            try:
                fresh = await self.rest.quote_summary(symbol)
            except YahooError as exc:  # Yahoo's answer (no such module, not found): tried again in 30 min
                log.info("no quoteSummary for %s: %s", symbol, exc)
                continue
            except BaseException:  # 5xx, 429, network: tried again at the next round, not in 30 min
                _restore(self._summary_at, symbol, tried)
                raise
            self._summary_ok.add(symbol)
            # the summary wins; v7 fills what the summary lacks
            merged = merge_fundamentals(self.store.fundamentals.get(symbol), fresh)
            self.store.apply_fundamentals(merged)
            if self.cache is not None:
                qt = self._quote_types.get(symbol)
                extra = {**merged.extra, "quote_type": qt} if qt else merged.extra
                self.cache.put_fundamentals(replace(merged, extra=extra), merged.as_of)
            self._notify()
        if self.history_range:
            for symbol in list(self._symbols):
                if symbol not in self._symbols or symbol in self.store.unknown:
                    continue
                fetched = self._history_at.get(symbol)
                if fetched is not None and now - fetched < self.history_max_age:
                    continue
                await self._quote_pending()
                if self._background_paused(next_poll):
                    return
                self._history_at[symbol] = now
                try:
                    await self.fetch_history(symbol, self.history_range)
                except YahooError as exc:
                    log.info("no chart for %s: %s", symbol, exc)
                except BaseException:
                    _restore(self._history_at, symbol, fetched)
                    raise
        if self.statements:
            await self._refresh_statements(now, next_poll)

    def history_settled(self, symbol: str) -> bool:
        """Whether `symbol`'s daily history is as complete as this source will make it: held in the store, or
        refused by Yahoo (no such symbol, no chart). A request in flight, or one that failed on the network and is
        tried again, is not settled: what reads the history whole (a z-score alert) waits for it."""
        return symbol in self.store.history or symbol in self.store.unknown or symbol in self._history_refused

    def statements_tried(self, symbol: str) -> bool:
        """Whether `symbol`'s statements are as fresh as the feed will make them: fetched less than
        `statements_max_age` ago (in this run or, per the disk cache, an earlier one), or refused by Yahoo."""
        if symbol in self._statements_failed:
            return True
        fetched = self._statements_at.get(symbol)
        return (symbol in self._statements_ok and fetched is not None
                and self.clock.now() - fetched < self.statements_max_age)

    async def _refresh_statements(self, now: float, next_poll: float) -> None:
        """Statement lines of every equity on screen: fetched at most every `statements_max_age`, merged into the
        store (and the cache) so that no quarter once seen is lost."""
        for symbol in list(self._symbols):
            if symbol not in self._symbols or symbol in self.store.unknown or not self.is_equity(symbol):
                continue
            tried = self._statements_at.get(symbol)
            max_age = self.statements_max_age if symbol in self._statements_ok else _RETRY_FAILED_SUMMARY
            if tried is not None and now - tried < max_age:
                continue
            await self._quote_pending()
            if self._background_paused(next_poll):
                return
            self._statements_at[symbol] = now
            held = symbol in self._statements_ok
            self._statements_ok.discard(symbol)  # in flight: not "as fresh as it gets" until the answer is in
            try:
                fresh = await self.rest.timeseries(symbol)
            except YahooError as exc:  # Yahoo's answer: tried again in 30 min
                log.info("no statements for %s: %s", symbol, exc)
                self._statements_failed.add(symbol)
                self._notify()
                continue
            except BaseException:  # 5xx, 429, network: tried again at the next round
                _restore(self._statements_at, symbol, tried)
                if held:
                    self._statements_ok.add(symbol)
                raise
            if fresh.is_empty():
                log.info("Yahoo reports no statement lines for %s", symbol)
            merged = self.store.apply_statements(fresh)
            self._statements_ok.add(symbol)
            self._statements_failed.discard(symbol)
            if self.cache is not None:
                self.cache.put_statements(merged)
            self._notify()


def _restore(times: dict[str, float], symbol: str, previous: float | None) -> None:
    if previous is None:
        times.pop(symbol, None)
    else:
        times[symbol] = previous
