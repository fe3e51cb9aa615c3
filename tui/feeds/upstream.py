"""Upstream: every source of one run behind the one interface the runtime and the app use.

    Yahoo (stream + REST: tui/feeds/yahoo_feed.py)   every symbol; fundamentals, history, intraday bars, lookups
    ChinaFeed (tui/feeds/china_feed.py)              Hong Kong, Shanghai, Shenzhen in real time: Tencent, then Sina

Both write into one MarketStore; the store keeps each source's latest quote and shows the newest (Tencent's
real-time price over Yahoo's copy of 15 minutes ago), stamped with each source's measured delay. Yahoo keeps
quoting the China listings too: its copy is the last fallback, and the store compares the sources.

The interface (start, stop, set_symbols, status, wait_until_quoted, is_equity, statements_tried, history_settled,
fetch_history, seed_intraday, lookup, rest) is all a client of the sources needs: a process that does not own the
sources (a client of a hub that runs this object and publishes the store) offers the same methods over its own
transport.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Iterable, Mapping

from tui.core.clock import Clock
from tui.core.store import MarketStore
from tui.feeds.china_feed import ChinaFeed, SourceFailed, SourceStatus
from tui.feeds.china_keys import DEFAULT_CHOICE, GROUPS, chain_for, is_china_listing
from tui.feeds.endpoints import ChinaEndpoints, Endpoints
from tui.feeds.quoted import wait_until_quoted
from tui.feeds.yahoo_feed import FeedStatus, YahooFeed
from tui.model import Quote

log = logging.getLogger(__name__)

CHINA_FIRST_WAIT = 3.0  # seconds Yahoo's start waits for the quote pages' first answer
YAHOO_UNREACHABLE_AFTER = 15.0  # seconds of failures with no answer ever before Yahoo is called unreachable
YAHOO_ONLY = "US quotes, fundamentals (P/E, market caps), history and Yahoo's FX rates"


def yahoo_base(endpoints: Endpoints) -> str:
    """Yahoo's REST base as a user would name it: the quote URL without its path."""
    url = endpoints.quote_url
    return url[: url.index("/v7/")] if "/v7/" in url else url


class Upstream:
    def __init__(
        self,
        store: MarketStore,
        clock: Clock,
        endpoints: Endpoints,
        china_endpoints: ChinaEndpoints | None = None,
        *,
        china_sources: Mapping[str, str] | None = None,
        proxy: str | None = None,
        yahoo: YahooFeed | None = None,
        china_options: Mapping[str, object] | None = None,
        **yahoo_options,
    ) -> None:
        """`china_sources`: the quote page first used per market group ({"hk": "tencent", "cn": "sina"}; "yahoo"
        uses none); `yahoo_options` and `china_options` go to YahooFeed and ChinaFeed."""
        self.store = store
        self.clock = clock
        self.endpoints = endpoints
        self.china_endpoints = china_endpoints or ChinaEndpoints.from_env()
        self.china_sources = {g: (china_sources or {}).get(g, DEFAULT_CHOICE[g]) for g in GROUPS}
        self._changed = asyncio.Event()
        if proxy:
            yahoo_options.setdefault("proxy", proxy)
        self.yahoo = yahoo or YahooFeed(store, clock, endpoints, on_change=self._notify, **yahoo_options)
        if yahoo is not None:
            yahoo.on_change = self._notify
        self.china: ChinaFeed | None = None
        if any(chain_for(c) for c in self.china_sources.values()):
            self.china = ChinaFeed(store, clock, self.china_endpoints, choice=self.china_sources, proxy=proxy,
                                   on_change=self._notify, **dict(china_options or {}))
        self._started_mono: float | None = None
        self._stopped = False
        self.unreachable_after = YAHOO_UNREACHABLE_AFTER

    # -- what the runtime and the app use ---------------------------------------------------------------
    @property
    def rest(self):
        """Yahoo's REST client (lookups, the request budget the app's background work respects)."""
        return self.yahoo.rest

    @property
    def symbols(self) -> tuple[str, ...]:
        return self.yahoo.symbols

    @property
    def stream(self):
        """Yahoo's streamer client (its connection counters, for the status and the soak tests)."""
        return self.yahoo.stream

    def tasks_alive(self) -> bool:
        """Whether every background task of every source is still running (none died of an error)."""
        tasks = [*self.yahoo._tasks, *([self.china._task] if self.china is not None and self.china._task else [])]
        return bool(tasks) and all(not t.done() for t in tasks)

    async def start(self) -> None:
        """The quote pages first (one request), then Yahoo (cookie, crumb, quote, stream): the China listings
        appear at once in real time, never first as Yahoo's copy of 15 minutes ago (a flash of older prices, and
        an older point in the intraday line). The wait is bounded: a quote page that does not answer does not
        hold Yahoo up for long."""
        self._started_mono = time.monotonic()
        if self.china is not None:
            self.china.set_symbols(self.yahoo.symbols)
            await self.china.start()
            if self.china.symbols:
                await self.china.first_round(CHINA_FIRST_WAIT)
        await self.yahoo.start()

    async def stop(self) -> None:
        self._stopped = True
        results = await asyncio.gather(
            self.yahoo.stop(), *([self.china.stop()] if self.china is not None else []), return_exceptions=True)
        for r in results:
            if isinstance(r, BaseException):
                log.warning("stopping a source failed: %s", r)

    def set_symbols(self, symbols: Iterable[str]) -> None:
        symbols = list(symbols)
        self.yahoo.set_symbols(symbols)
        if self.china is not None:
            self.china.set_symbols(symbols)

    def is_equity(self, symbol: str) -> bool:
        return self.yahoo.is_equity(symbol)

    def statements_tried(self, symbol: str) -> bool:
        """Whether `symbol`'s statement lines (capex, cash flow, debt) were fetched or refused by Yahoo."""
        return self.yahoo.statements_tried(symbol)

    def history_settled(self, symbol: str) -> bool:
        """Whether `symbol`'s daily history is in the store, or Yahoo refused it: nothing more will come."""
        return self.yahoo.history_settled(symbol)

    async def fetch_history(self, symbol: str, range_: str = "1y", interval: str = "1d") -> None:
        await self.yahoo.fetch_history(symbol, range_, interval)

    async def seed_intraday(self, symbol: str) -> int:
        return await self.yahoo.seed_intraday(symbol)

    async def lookup(self, symbol: str) -> Quote | None:
        """One quote of `symbol` from Yahoo; when Yahoo cannot answer, a China listing is asked of its quote page.
        None when the source says there is no such symbol; raises when no source answers."""
        try:
            quotes, _funds, _missing = await self.yahoo.rest.quote([symbol])
        except Exception as exc:
            if self.china is None or not is_china_listing(symbol):
                raise
            log.info("lookup of %s: Yahoo failed (%s); asking the quote page", symbol, exc)
            try:
                return await self.china.lookup(symbol)
            except SourceFailed as china_exc:
                raise ConnectionError(f"Yahoo: {exc}; {china_exc}") from None
        for q in quotes:
            if q.symbol.upper() == symbol.upper():
                self.store.apply_quote(q)
                return q
        return None

    async def wait_until_quoted(self, symbols: Iterable[str], timeout: float) -> set[str]:
        """Wait until every symbol has a quote from any source (or is known not to exist); returns those
        without a quote."""
        return await wait_until_quoted(self.store, symbols, timeout, self._changed)

    def _notify(self) -> None:
        self._changed.set()

    # -- status ---------------------------------------------------------------------------------------
    def yahoo_reached(self) -> bool:
        return self.yahoo.rest.last_ok is not None or self.yahoo.stream.last_message_time is not None

    def yahoo_unreachable(self, after: float | None = None) -> bool:
        """No answer from Yahoo at all since the start, failures seen, for `after` seconds (default
        `unreachable_after`: a slow first connection is not called unreachable)."""
        if self.yahoo_reached() or self._started_mono is None:
            return False
        failed = self.yahoo.last_error or self.yahoo.rest.last_error or self.yahoo.stream.last_error
        wait = self.unreachable_after if after is None else after
        return bool(failed) and time.monotonic() - self._started_mono >= wait

    def sources(self, after: float | None = None) -> tuple[SourceStatus, ...]:
        """Yahoo, Tencent and Sina as the status line and the snapshot show them."""
        ys = self.yahoo.status()
        if self.yahoo_unreachable(after):
            state = "unreachable"
        elif ys.rate_limited_until is not None:
            state = "rate-limited"
        elif ys.state == "stopped" and self._started_mono is not None and not self._stopped:
            state = "starting"  # the stream starts after the first REST quote: not stopped, on its way
        else:
            state = ys.state
        yahoo = SourceStatus("yahoo", state, yahoo_base(self.endpoints), self.yahoo.stream.last_message_time,
                             ys.last_error, ys.requests_last_minute, ("all",))
        china = self.china.status() if self.china is not None else tuple(
            SourceStatus(name, "off", self.china_endpoints.base(name)) for name in ("tencent", "sina"))
        return (yahoo, *china)

    def notice(self, after: float | None = None) -> str | None:
        """What is missing and why: while Yahoo cannot be reached, the figures only Yahoo gives."""
        sources = self.sources(after)
        if sources[0].state != "unreachable":
            return None
        china_live = any(s.state == "live" for s in sources[1:])
        return (f"Yahoo unreachable: {YAHOO_ONLY} missing until it is reached (set a proxy: --proxy or proxy in "
                "config.toml)" + ("; Hong Kong and mainland quotes are live" if china_live else ""))

    def trouble(self):
        """Why Yahoo's data is missing (tui/feeds/trouble.py), for the snapshot's message and exit status; the quote
        pages' own failures show as their states (`failing`, `down`) and the hand-over to the next one."""
        return self.yahoo.trouble()

    def trouble_text(self) -> str | None:
        return self.yahoo.trouble_text()

    def status(self) -> FeedStatus:
        """Yahoo's feed status (its stream, REST, rejected frames), with every source's state and a notice of
        what is missing while Yahoo cannot be reached."""
        return dataclasses.replace(self.yahoo.status(), sources=self.sources(), notice=self.notice())
