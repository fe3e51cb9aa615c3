"""ChinaFeed: the Hong Kong, Shanghai and Shenzhen listings on screen in real time, from Tencent's quote page,
with Sina's as the fallback and Yahoo (always running beside it: tui/feeds/upstream.py) as the last one.

Every round is one batched GET per source in use, for every listing of the markets that are due (plus
`whUSDCNY` and `whHKDCNY` on Tencent, a cross-check of Yahoo's CNY=X and HKD=X): every OPEN_INTERVAL seconds
while a market is in its pre-open auction, its session or its closing auction, every CLOSED_INTERVAL seconds
otherwise (its lunch break included).

Politeness, as with Yahoo: one request at a time per host and at least MIN_INTERVAL apart; a failure (an
error, an HTTP error, a body that says nothing) waits BACKOFF_MIN seconds, doubling to BACKOFF_MAX, before that
source is asked again; an empty body is how Tencent turns a burst away, so it is a failure to wait out, not an
answer. A refusal (HTTP 403, 429) waits ten times as long.

Hand-over, per market group (`hk`: Hong Kong; `cn`: Shanghai and Shenzhen; config `[sources]`): the chosen
source (Tencent by default) is used until it has failed for longer than FAIL_OVER_AFTER; then the other one;
when both have, Yahoo alone (nothing is polled here but the probes). A source given up on is probed every
PROBE_EVERY seconds with the same request and taken back as soon as it answers: the chain goes back up by itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import aiohttp

from tui.core.clock import Clock
from tui.core.sessions import MARKETS, state_at
from tui.core.store import MarketStore
from tui.feeds import sina, tencent
from tui.feeds.china_keys import (
    CHOICES,
    DEFAULT_CHOICE,
    GROUP_OF_MARKET,
    GROUPS,
    chain_for,
    group_of,
    key_for,
)
from tui.feeds.endpoints import ChinaEndpoints
from tui.feeds.http import AiohttpTransport, Transport
from tui.model import MarketState, Quote
from tui.sanitize import clean_message

log = logging.getLogger(__name__)

SOURCES = ("tencent", "sina")
OPEN_INTERVAL = 3.0
CLOSED_INTERVAL = 60.0
FAIL_OVER_AFTER = 60.0
PROBE_EVERY = 30.0
BACKOFF_MIN = 3.0
BACKOFF_MAX = 60.0
REFUSED_FACTOR = 10.0  # HTTP 403 / 429: a refusal waits this many times longer
MIN_INTERVAL = 1.0  # seconds between two requests to one of the real hosts
MAX_KEYS = 60  # keys per GET: the URL's length is the real limit
MAX_AHEAD = 300.0  # seconds a quote's time may be ahead of our clock
TIMEOUT = 10.0
FX_KEYS = ("whUSDCNY", "whHKDCNY")
_ACTIVE = (MarketState.PRE, MarketState.REGULAR, MarketState.POST)
_MARKETS_OF_GROUP = {g: tuple(m for m, gg in GROUP_OF_MARKET.items() if gg == g) for g in GROUPS}


class SourceFailed(Exception):
    """One request to a quote page that did not give quotes; the message says why."""

    def __init__(self, message: str, *, refused: bool = False) -> None:
        super().__init__(message)
        self.refused = refused


@dataclass(frozen=True, slots=True)
class SourceStatus:
    """One source as the status line and the snapshot show it."""

    name: str  # yahoo, tencent, sina
    state: str  # live, idle, starting, failing, down, off (Yahoo: its stream's state, or unreachable)
    base_url: str
    last_ok: float | None = None  # app clock: the last good answer
    last_error: str | None = None
    requests_last_minute: int = 0
    serving: tuple[str, ...] = ()  # the market groups it quotes now: "hk", "cn" (Yahoo: "all")
    interval: float | None = None  # seconds between its polls now (None: not polled)


class _Health:
    """What one source has done lately: answers, failures, back-off (monotonic seconds)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.failing_since: float | None = None
        self.failures = 0
        self.retry_at = 0.0
        self.last_attempt = -math.inf
        self.last_request = -math.inf
        self.last_ok_app: float | None = None
        self.last_error: str | None = None
        self.recent: deque[float] = deque()

    def failed_over(self, now: float, after: float) -> bool:
        return self.failing_since is not None and now - self.failing_since > after

    def requests_last_minute(self, now: float) -> int:
        while self.recent and self.recent[0] < now - 60.0:
            self.recent.popleft()
        return len(self.recent)

    def ok(self, app_now: float) -> None:
        if self.failing_since is not None:
            log.info("%s answers again", self.name)
        self.failing_since = None
        self.failures = 0
        self.retry_at = 0.0
        self.last_error = None
        self.last_ok_app = app_now

    def fail(self, now: float, error: str, wait: float) -> None:
        if self.failing_since is None:
            self.failing_since = now
        self.failures += 1
        self.retry_at = now + wait
        self.last_error = clean_message(error)


class ChinaFeed:
    def __init__(
        self,
        store: MarketStore,
        clock: Clock,
        endpoints: ChinaEndpoints,
        *,
        choice: Mapping[str, str] | None = None,
        proxy: str | None = None,
        on_change: Callable[[], None] | None = None,
        open_interval: float = OPEN_INTERVAL,
        closed_interval: float = CLOSED_INTERVAL,
        fail_over_after: float = FAIL_OVER_AFTER,
        probe_every: float = PROBE_EVERY,
        backoff_min: float = BACKOFF_MIN,
        backoff_max: float = BACKOFF_MAX,
        min_interval: float | None = None,
        transports: Mapping[str, Transport] | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.endpoints = endpoints
        self.choice = {g: (choice or {}).get(g, DEFAULT_CHOICE[g]) for g in GROUPS}
        for g, c in self.choice.items():
            if c not in CHOICES:
                raise ValueError(f"source for {g}: {c!r} is not one of {', '.join(CHOICES)}")
        self.on_change = on_change
        self.open_interval = open_interval
        self.closed_interval = closed_interval
        self.fail_over_after = fail_over_after
        self.probe_every = probe_every
        self.backoff_min = backoff_min
        self.backoff_max = backoff_max
        self.min_interval = {
            s: (min_interval if min_interval is not None else (0.02 if endpoints.is_local(s) else MIN_INTERVAL))
            for s in SOURCES
        }
        self.transports: dict[str, Transport] = dict(transports or {})
        for s in SOURCES:
            if s not in self.transports:
                headers = {"Accept": "*/*"} | ({"Referer": sina.REFERER} if s == "sina" else {})
                self.transports[s] = AiohttpTransport(proxy=proxy, timeout=TIMEOUT, headers=headers)
        self.health = {s: _Health(s) for s in SOURCES}
        self._groups: dict[str, tuple[str, ...]] = {g: () for g in GROUPS}
        self._due = {g: 0.0 for g in GROUPS}  # monotonic time each group is next polled
        self._task: asyncio.Task[None] | None = None
        self._wake: asyncio.Event | None = None
        self._first_round = asyncio.Event()  # set once the first round has been tried (answered or not)
        self.rounds = 0
        self.rejected = 0

    # -- public API ------------------------------------------------------------------------------------
    @property
    def symbols(self) -> tuple[str, ...]:
        return tuple(s for g in GROUPS for s in self._groups[g])

    def set_symbols(self, symbols: Iterable[str]) -> None:
        """The listings on screen (others are ignored): those newly seen are polled at once."""
        wanted = list(dict.fromkeys(s.strip() for s in symbols if s and s.strip()))
        for g in GROUPS:
            new = tuple(s for s in wanted if group_of(s) == g) if chain_for(self.choice[g]) else ()
            if set(new) - set(self._groups[g]):
                self._due[g] = 0.0
            self._groups[g] = new
        if self._wake is not None:
            self._wake.set()

    async def start(self) -> None:
        if self._task is None:
            self._wake = asyncio.Event()
            self._task = asyncio.create_task(self._loop(), name="china-poll")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        for transport in self.transports.values():
            with contextlib.suppress(Exception):
                await transport.close()

    async def first_round(self, timeout: float) -> bool:
        """Wait (at most `timeout` seconds) until the first round of requests has been answered or has failed;
        True if it was."""
        try:
            await asyncio.wait_for(self._first_round.wait(), timeout)
        except TimeoutError:
            return False
        return True

    def active(self, group: str, now: float | None = None) -> str:
        """The source quoting `group` now: tencent, sina, or yahoo when both have failed for too long (or the
        config says yahoo)."""
        now = time.monotonic() if now is None else now
        for s in chain_for(self.choice[group]):
            if not self.health[s].failed_over(now, self.fail_over_after):
                return s
        return "yahoo"

    def status(self) -> tuple[SourceStatus, ...]:
        now = time.monotonic()
        serving: dict[str, list[str]] = {s: [] for s in SOURCES}
        for g in GROUPS:
            if self._groups[g] and (a := self.active(g, now)) in serving:
                serving[a].append(g)
        used = {s for g in GROUPS for s in chain_for(self.choice[g])}
        out = []
        for s in SOURCES:
            h = self.health[s]
            if s not in used:
                state = "off"
            elif h.failed_over(now, self.fail_over_after):
                state = "down"
            elif h.failures:
                state = "failing"
            elif serving[s]:
                state = "live" if h.last_ok_app is not None else "starting"
            else:
                state = "idle"
            interval = min((self._interval(g) for g in serving[s]), default=None)
            out.append(SourceStatus(s, state, self.endpoints.base(s), h.last_ok_app, h.last_error,
                                    h.requests_last_minute(now), tuple(serving[s]), interval))
        return tuple(out)

    async def lookup(self, symbol: str) -> Quote | None:
        """One listing asked of the source quoting its market now (checking a symbol when Yahoo cannot be
        reached). None when the source has no such listing; SourceFailed when no source answers."""
        g = group_of(symbol)
        if g is None:
            return None
        errors = []
        for s in chain_for(self.choice[g]):
            try:
                quotes = await self._request(s, [symbol], fx=False)
            except SourceFailed as exc:
                errors.append(f"{s}: {exc}")
                continue
            for q in quotes:
                if q.symbol == symbol:
                    return q
            return None
        raise SourceFailed("; ".join(errors) or "no quote page is used for this market")

    # -- the loop --------------------------------------------------------------------------------------
    def _interval(self, group: str) -> float:
        t = self.clock.now()
        trading = any(state_at(MARKETS[m], t) in _ACTIVE for m in _MARKETS_OF_GROUP[group])
        seconds = self.open_interval if trading else self.closed_interval
        local = all(self.endpoints.is_local(s) for s in SOURCES)
        if local and self.clock.speed > 1:  # the demo in fast-forward: the market moves faster, ask faster
            seconds = max(0.25 if trading else 2.0, seconds / self.clock.speed)
        return seconds

    def _plan(self, now: float) -> dict[str, set[str]]:
        """Which source to ask for which due groups now: the active source, and probes of those given up on."""
        plan: dict[str, set[str]] = {}
        for g in GROUPS:
            if not self._groups[g] or now < self._due[g]:
                continue
            active = self.active(g, now)
            for s in chain_for(self.choice[g]):
                h = self.health[s]
                if s == active:
                    if now >= h.retry_at:
                        plan.setdefault(s, set()).add(g)
                    break
                if now >= h.retry_at and now - h.last_attempt >= self.probe_every:  # given up on: a probe
                    plan.setdefault(s, set()).add(g)
        return plan

    async def _loop(self) -> None:
        assert self._wake is not None
        while True:
            now = time.monotonic()
            plan = self._plan(now)
            for source, groups in plan.items():
                symbols = [sym for g in GROUPS if g in groups for sym in self._groups[g]]
                try:
                    await self._request(source, symbols, fx=source == "tencent")
                except SourceFailed:
                    pass  # counted in its health; the next source takes over when this one fails long enough
                except asyncio.CancelledError:
                    raise
                except Exception:  # noqa: BLE001 - the loop must outlive any failure
                    log.exception("%s poll failed", source)
            now = time.monotonic()
            for g in GROUPS:
                if now >= self._due[g] and self._groups[g]:
                    active = self.active(g, now)
                    asked = any(g in groups for groups in plan.values())
                    if asked or active == "yahoo":
                        self._due[g] = now + self._interval(g)
            if plan:
                self.rounds += 1
            self._first_round.set()
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._next_wake(time.monotonic()))

    def _next_wake(self, now: float) -> float:
        """Seconds until something is due: a group's poll (once its source may be asked again), a probe of a
        source given up on, a hand-over."""
        times = []
        for g in GROUPS:
            if not self._groups[g]:
                continue
            active = self.active(g, now)
            for s in chain_for(self.choice[g]):
                h = self.health[s]
                if s == active:
                    times.append(max(self._due[g], h.retry_at))
                    break
                times.append(max(self._due[g], h.retry_at, h.last_attempt + self.probe_every))
            else:
                times.append(self._due[g])
        for h in self.health.values():
            if h.failing_since is not None and not h.failed_over(now, self.fail_over_after):
                times.append(h.failing_since + self.fail_over_after + 0.01)
        return max(0.05, min(times) - now) if times else 3600.0

    # -- one request -----------------------------------------------------------------------------------
    async def _request(self, source: str, symbols: list[str], *, fx: bool) -> list[Quote]:
        """Ask `source` for `symbols` (in chunks of MAX_KEYS keys): the quotes it gave, into the store."""
        keys = {}
        for sym in symbols:
            k = key_for(source, sym)
            if k is not None:
                keys[k] = sym
        wanted = list(keys)
        if fx and wanted:
            wanted += list(FX_KEYS)
        applied: list[Quote] = []
        for i in range(0, len(wanted), MAX_KEYS):
            applied += await self._request_chunk(source, wanted[i:i + MAX_KEYS], keys)
        return applied

    async def _request_chunk(self, source: str, keys: list[str], symbols: dict[str, str]) -> list[Quote]:
        h = self.health[source]
        wait = h.last_request + self.min_interval[source] - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        module = tencent if source == "tencent" else sina
        url = module.quote_url(self.endpoints.base(source), keys)
        now = time.monotonic()
        h.last_attempt = h.last_request = now
        h.recent.append(now)
        try:
            try:
                resp = await self.transports[source].get(url)
            except (TimeoutError, aiohttp.ClientError, OSError) as exc:
                raise SourceFailed(f"{type(exc).__name__}: {exc}"[:200]) from None
            finally:
                h.last_request = time.monotonic()
            if resp.status in (403, 429):
                raise SourceFailed(f"HTTP {resp.status} (refused)", refused=True)
            if resp.status >= 400:
                raise SourceFailed(f"HTTP {resp.status}")
            if not resp.body.strip():
                raise SourceFailed("empty answer (turned away)")
            received = self.clock.now()
            reply = module.parse_reply(resp.body, received, symbols)
            if not reply.records:
                raise SourceFailed("an answer with no quote records")
        except SourceFailed as exc:
            backoff = min(self.backoff_max, self.backoff_min * 2 ** min(h.failures, 16))
            if exc.refused:
                backoff *= REFUSED_FACTOR
            h.fail(time.monotonic(), str(exc), backoff)
            log.info("%s: %s; next try in %.0fs", source, h.last_error, backoff)
            raise
        h.ok(received)
        if reply.rejected:
            self.rejected += len(reply.rejected)
            log.debug("%s records not used: %s", source, reply.rejected)
        return self._apply(reply.quotes, set(symbols.values()), received)

    def _apply(self, quotes: list[Quote], symbols: set[str], received: float) -> list[Quote]:
        applied = []
        for q in quotes:
            if q.symbol not in symbols and not q.symbol.endswith("=X"):
                continue
            # a time far ahead of our clock is garbage, when both follow one time line (real time, or the
            # simulator on the app's own clock)
            comparable = self.endpoints.is_local(q.source_name) or not self.clock.pinned
            if comparable and q.time > received + MAX_AHEAD:
                self.rejected += 1
                log.debug("%s quote of %s is %.0fs in the future: dropped", q.source_name, q.symbol,
                          q.time - received)
                continue
            self.store.apply_quote(q)
            applied.append(q)
        if applied and self.on_change is not None:
            self.on_change()
        return applied
