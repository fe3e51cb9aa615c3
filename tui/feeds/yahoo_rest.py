"""Yahoo Finance REST: cookie + crumb, batched v7 quotes, v10 quoteSummary, v8 chart, fundamentals time series.

Polite by construction: one request at a time, a floor between requests, a back-off measured in minutes
after HTTP 429, the crumb renewed once on 401, and a per-minute budget that background fetches
(fundamentals, history, statements) respect. The transport sits behind a small protocol: curl_cffi with browser
impersonation for Yahoo's real hosts, aiohttp for loopback (tui/feeds/transport_curl.py chooses).
Cookies and crumbs are never logged.

Every failure is recorded as the client's `trouble` (tui/feeds/trouble.py: rate limit, connection refused, DNS,
TLS, proxy, crumb refused, garbage, HTTP error; since when, next try) and cleared by the next answer read: the
status line and `aiwatch snapshot` say why there is no data from it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Iterable, Mapping
from typing import Any

import aiohttp

from tui.core.clock import Clock
from tui.core.statements import Statements
from tui.feeds.endpoints import Endpoints
from tui.feeds.http import Response, Transport
from tui.feeds.transport_curl import make_transport
from tui.feeds.trouble import Cause, Trouble, TroubleSlot, app_time_in, classify, host_of, source_name_of
from tui.feeds.yahoo_parse import (
    SUMMARY_MODULES,
    NotFound,
    YahooError,
    parse_chart,
    parse_quote_summary,
    parse_v7_quote,
)
from tui.feeds.yahoo_timeseries import parse_timeseries, timeseries_params
from tui.model import Bar, Fundamentals, Quote

log = logging.getLogger(__name__)

BATCH = 50  # symbols per v7 request (Yahoo draws 429s somewhere past ~65-100)
BACKGROUND_PER_MINUTE = 20  # requests a minute beyond which fundamentals and history wait (docs/data-sources.md: budget)


class RateLimited(Exception):
    """Yahoo said 429, or we are still inside the back-off it asked for."""

    def __init__(self, retry_in: float) -> None:
        super().__init__(f"rate limited by Yahoo; retrying in {retry_in / 60:.1f} min")
        self.retry_in = retry_in


class AuthError(Exception):
    """No usable cookie/crumb (after one renewal)."""


class HttpError(Exception):
    def __init__(self, status: int, url: str) -> None:
        super().__init__(f"HTTP {status} from {url}")
        self.status = status


class YahooRest:
    def __init__(
        self,
        endpoints: Endpoints,
        clock: Clock,
        *,
        transport: Transport | None = None,
        proxy: str | None = None,
        min_interval: float | None = None,
        rate_limit_backoff: float = 120.0,
        rate_limit_max: float = 1800.0,
        background_per_minute: int | None = None,
        source_name: str | None = None,
    ) -> None:
        self.endpoints = endpoints
        self.clock = clock
        self.proxy = proxy or None
        self.source_name = source_name or source_name_of(endpoints.quote_url)  # what failures call the source
        self._trouble = TroubleSlot()
        if transport is None:
            transport = make_transport(endpoints, proxy=proxy)
        self.transport: Transport = transport
        # background work (quoteSummary, history) stops while this many requests went out in the last minute,
        # leaving the rest of Yahoo's tolerance (~30 a minute) to quotes; no cap against the simulator
        self.background_per_minute = (
            background_per_minute
            if background_per_minute is not None
            else (10_000 if endpoints.is_local else BACKGROUND_PER_MINUTE)
        )
        # a request every ~2 s is what users find safe with Yahoo; the simulator needs no floor to speak of
        self.min_interval = (
            min_interval if min_interval is not None else (0.02 if endpoints.is_local else 2.0)
        )
        self.rate_limit_backoff = rate_limit_backoff
        self.rate_limit_max = rate_limit_max
        self._crumb: str | None = None
        self._lock = asyncio.Lock()  # one request in flight at a time
        self._auth_lock = asyncio.Lock()
        self._last_request = -1e9  # monotonic
        self._recent: deque[float] = deque()  # monotonic times of requests sent
        self._limited_until_mono = 0.0
        self._strikes = 0  # consecutive 429s
        self.last_error: str | None = None
        self.last_ok: float | None = None  # monotonic: the last answer that was not an HTTP error (Yahoo reached)

    # -- state ---------------------------------------------------------------------------------------
    @property
    def has_crumb(self) -> bool:
        return self._crumb is not None

    @property
    def trouble(self) -> Trouble | None:
        """Why the last request failed, since when, and the next try (None once an answer was read)."""
        return self._trouble.current

    def set_next_try(self, seconds: float) -> None:
        """The caller retries in `seconds` of real time: the trouble says when (a 429 says it itself)."""
        held = self._trouble.current
        if held is not None and held.cause is not Cause.RATE_LIMITED:
            self._trouble.next_try(app_time_in(self.clock, seconds))

    def _failed(self, trouble: Trouble) -> Trouble:
        held = self._trouble.failed(trouble, self.clock.now())
        self.last_error = held.what()
        return held

    def _trouble_of(self, cause: Cause, url: str, detail: str = "", status: int | None = None) -> Trouble:
        return self._failed(Trouble(cause, self.source_name, host_of(url), detail=detail, status=status))

    def _answered(self) -> None:
        self._trouble.clear()
        self.last_error = None

    def requests_last_minute(self) -> int:
        cutoff = time.monotonic() - 60.0
        while self._recent and self._recent[0] < cutoff:
            self._recent.popleft()
        return len(self._recent)

    @property
    def rate_limited_until(self) -> float | None:
        """When the 429 back-off ends, on the app's clock (None when not backing off)."""
        left = self._limited_until_mono - time.monotonic()
        if left <= 0:
            return None
        return self.clock.now() + left * self.clock.speed if self.clock.speed else self.clock.now()

    def background_wait(self) -> float:
        """Real seconds until background work may send another request within its per-minute budget."""
        if self.requests_last_minute() < self.background_per_minute:
            return 0.0
        return max(0.05, self._recent[-self.background_per_minute] + 60.0 - time.monotonic())

    def rate_limit_left(self) -> float:
        """Real seconds until requests may be sent again (0 when free)."""
        return max(0.0, self._limited_until_mono - time.monotonic())

    # -- transport with the floor and the back-off ---------------------------------------------------
    async def _send(self, url: str, params: Mapping[str, str] | None) -> Response:
        async with self._lock:
            left = self.rate_limit_left()
            if left > 0:
                raise RateLimited(left)
            wait = self._last_request + self.min_interval - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            now = time.monotonic()
            self._last_request = now
            self._recent.append(now)
            try:
                resp = await self.transport.get(url, params)
            except (TimeoutError, aiohttp.ClientError, OSError, ValueError) as exc:
                self._failed(classify(exc, url=url, source=self.source_name, proxy=self.proxy))
                raise
            finally:
                self._last_request = time.monotonic()
            log.debug("GET %s -> %s (%d bytes)", url, resp.status, len(resp.body))
            if resp.status == 429:
                self._strikes += 1
                backoff = min(self.rate_limit_max, self.rate_limit_backoff * 2 ** (self._strikes - 1))
                retry_after = _retry_after(resp.headers)
                if retry_after is not None:
                    backoff = min(self.rate_limit_max, max(backoff, retry_after))
                self._limited_until_mono = time.monotonic() + backoff
                held = self._trouble_of(Cause.RATE_LIMITED, url, status=429)
                self._trouble.next_try(self.rate_limited_until)
                self.last_error = held.what()
                log.warning("%s answered 429 (rate limit); backing off %.0f s", self.source_name, backoff)
                raise RateLimited(backoff)
            if resp.status < 400:
                self._strikes = 0
                self.last_ok = time.monotonic()
            return resp

    async def ensure_auth(self, *, renew: bool = False) -> None:
        """Get the cookie (a 404 carrying Set-Cookie is normal at fc.yahoo.com), then the crumb."""
        async with self._auth_lock:
            if self._crumb is not None and not renew:
                return
            self._crumb = None
            cookie_resp = await self._send(self.endpoints.cookie_url, None)
            if cookie_resp.status >= 500:
                self._trouble_of(Cause.SERVER, self.endpoints.cookie_url, f"HTTP {cookie_resp.status} for the cookie",
                                 cookie_resp.status)
                raise AuthError(f"cookie request failed: HTTP {cookie_resp.status}")
            resp = await self._send(self.endpoints.crumb_url, None)
            crumb = resp.text().strip()
            if resp.status != 200 or not crumb or len(crumb) > 64 or "<" in crumb or " " in crumb:
                if resp.status >= 500:
                    self._trouble_of(Cause.SERVER, self.endpoints.crumb_url, f"HTTP {resp.status} for the crumb",
                                     resp.status)
                elif resp.status == 200:  # an answer, but not a crumb
                    self._trouble_of(Cause.GARBAGE, self.endpoints.crumb_url,
                                     "the answer to the crumb request is not a crumb")
                else:
                    self._trouble_of(Cause.AUTH, self.endpoints.crumb_url, status=resp.status)
                raise AuthError(f"no crumb from {self.source_name} (HTTP {resp.status})")
            self._crumb = crumb
            log.info("Yahoo session ready")

    async def _get_json(self, url: str, params: dict[str, str]) -> Any:
        """GET with the crumb; on 401/403 renew cookie + crumb once and retry."""
        for attempt in (0, 1):
            await self.ensure_auth(renew=attempt == 1)
            assert self._crumb is not None
            resp = await self._send(url, {**params, "crumb": self._crumb})
            if resp.status in (401, 403) and attempt == 0:
                log.info("Yahoo answered %d: renewing the crumb", resp.status)
                continue
            if resp.status in (401, 403):
                self._crumb = None
                self._trouble_of(Cause.AUTH, url, "refused again after renewing the crumb", resp.status)
                raise AuthError(f"HTTP {resp.status} after renewing the crumb")
            try:
                doc = resp.json()
            except (ValueError, RecursionError):
                if resp.status >= 400:
                    self._trouble_of(Cause.SERVER, url, status=resp.status)
                    raise HttpError(resp.status, url) from None
                self._trouble_of(Cause.GARBAGE, url, f"not JSON from {_path_of(url)}")
                raise YahooError("BadDocument", f"not JSON from {url}") from None
            if resp.status >= 500 or (resp.status >= 400 and not isinstance(doc, dict)):
                # a server error is transient whatever its envelope says: the caller retries soon, not in 30 min
                self._trouble_of(Cause.SERVER, url, status=resp.status)
                raise HttpError(resp.status, url)
            # on other 4xx Yahoo's error envelope is more telling than the status: the parsers raise it
            return doc
        raise AuthError("unreachable")  # pragma: no cover

    # -- endpoints -----------------------------------------------------------------------------------
    async def quote(self, symbols: Iterable[str]) -> tuple[list[Quote], list[Fundamentals], set[str]]:
        """Batched v7 quotes (≤ 50 symbols a request): quotes, their fundamentals, and symbols Yahoo lacks."""
        wanted = list(dict.fromkeys(s for s in symbols if s))
        quotes: list[Quote] = []
        funds: list[Fundamentals] = []
        for i in range(0, len(wanted), BATCH):
            chunk = wanted[i : i + BATCH]
            url = self.endpoints.quote_url
            doc = await self._get_json(url, {"symbols": ",".join(chunk)})
            q, f = self._parsed(url, parse_v7_quote, doc, self.clock.now())
            quotes.extend(q)
            funds.extend(f)
        got = {q.symbol.upper() for q in quotes}
        missing = {s for s in wanted if s.upper() not in got}
        return quotes, funds, missing

    async def quote_summary(self, symbol: str, modules: Iterable[str] = SUMMARY_MODULES) -> Fundamentals:
        url = self.endpoints.summary(symbol)
        doc = await self._get_json(url, {"modules": ",".join(modules), "formatted": "false"})
        return self._parsed(url, parse_quote_summary, doc, symbol, self.clock.now(), per_symbol=True)

    async def chart(self, symbol: str, range_: str = "1y", interval: str = "1d") -> list[Bar]:
        url = self.endpoints.chart(symbol)
        doc = await self._get_json(url, {"range": range_, "interval": interval, "includePrePost": "false"})
        return self._parsed(url, parse_chart, doc, per_symbol=True)[1]

    def _parsed(self, url: str, parse, doc, *args, per_symbol: bool = False):
        """`parse(doc, *args)`, recording what its failure says about the source: a document that is not what the
        protocol says is garbage; an error envelope on the batched quote is the server's error. A symbol the
        source does not know, or an error about one symbol's statements or chart, is an answer like any other."""
        try:
            out = parse(doc, *args)
        except NotFound:
            self._answered()
            raise
        except YahooError as exc:
            if exc.code == "BadDocument":
                self._trouble_of(Cause.GARBAGE, url, exc.description or "not the document expected")
            elif per_symbol:
                self._answered()
            else:
                self._trouble_of(Cause.SERVER, url, str(exc))
            raise
        self._answered()
        return out

    async def timeseries(self, symbol: str, types: list[str] | None = None) -> Statements:
        """Statement lines of `symbol` (capex, cash flow, revenue, EBITDA, EBIT, interest, debt, cash) from the
        fundamentals time series in one request: quarterly, annual and trailing, 27 types (yfinance splits at 60).
        Yahoo answered without a crumb in 2025; the session's cookie and crumb are sent all the same."""
        now = self.clock.now()
        url = self.endpoints.timeseries(symbol)
        doc = await self._get_json(url, {"symbol": symbol, **timeseries_params(now, types)})
        return self._parsed(url, parse_timeseries, doc, symbol, now, per_symbol=True)

    async def close(self) -> None:
        await self.transport.close()


def _path_of(url: str) -> str:
    from urllib.parse import urlsplit

    return urlsplit(url).path or url


def _retry_after(headers: Mapping[str, str]) -> float | None:
    for key, value in headers.items():
        if key.lower() == "retry-after":
            try:
                return max(0.0, float(value))
            except ValueError:
                return None
    return None
