"""`HubFeed`: the runtime's feed (the interface of tui/feeds/upstream.py's Upstream) over a hub's Redis.

    start: lease the symbols ({p}lease:{id}, a TTL, renewed), subscribe, fill the store at once from the latest
    keys (quotes first, with one MGET; fundamentals, statements and daily history after, never before a quote),
    then follow the tick and update channels. It never opens an upstream connection of its own, unless
    `fallback` is given (config hub_fallback = "direct"): then, while the hub is down or Redis unreachable, it runs
    its own Upstream into the same store, and stops it when the hub's heartbeat is back.

Redis unreachable: the last values stay (they go stale by their exchange time as any quote does), the status
says "hub unreachable since 14:32", and it reconnects with back-off (lease, subscription and keys again).
Heartbeat older than `down_after`: "hub down since 14:32".
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import math
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from tui.core.clock import Clock
from tui.core.store import MarketStore
from tui.feeds.yahoo_feed import FX_EXTRA, FeedStatus
from tui.hub import codec
from tui.hub.connect import Backoff, client, public_url, redis_errors
from tui.hub.keys import DEFAULT_PREFIX, Keys
from tui.model import Quote
from tui.sanitize import clean_message, clean_name

log = logging.getLogger(__name__)

LEASE_TTL = 15.0
DOWN_AFTER = 10.0  # seconds without a heartbeat before the hub is called down
LOOKUP_TIMEOUT = 10.0
HISTORY_WAIT = 15.0
MGET_CHUNK = 200
FUTURE_SLACK = 60.0  # seconds past a demo hub's clock a quote may be stamped (a frame's time leads the poll's)
CLOCK_SLACK = 1.0  # seconds a client's clock may be off a demo hub's before it is set to the hub's again
MAX_SPEED = 1e6


@dataclass(frozen=True)
class RemoteSource:
    """One of the hub's upstream sources, read from {p}status (the SourceStatus fields the status line uses)."""

    name: str
    state: str
    base_url: str
    last_ok: float | None = None
    last_error: str | None = None
    requests_last_minute: int = 0
    serving: tuple[str, ...] = ()
    interval: float | None = None


@dataclass(frozen=True)
class HubSourceStatus(RemoteSource):
    """The hub as the first part of the status line: `hub redis://host:6379 · 12 clients` (its state: live,
    connecting, "unreachable since 14:32", "down since 14:32")."""

    clients: int | None = None


def _hhmm(t: float) -> str:
    return time.strftime("%H:%M", time.localtime(t))


class HubFeed:
    def __init__(self, store: MarketStore, clock: Clock, url: str, *, prefix: str = DEFAULT_PREFIX,
                 lease_ttl: float = LEASE_TTL, down_after: float = DOWN_AFTER,
                 fallback: Callable[[], Any] | None = None, client_id: str | None = None) -> None:
        self.store, self.clock, self.url = store, clock, url
        self.public_url = public_url(url)
        self.keys = Keys(prefix)
        self.client_id = client_id or uuid.uuid4().hex[:16]
        self.lease_ttl, self.down_after = lease_ttl, down_after
        self.fallback = fallback
        self.direct = None  # the Upstream of the fallback while it runs
        self.endpoints = None  # no upstream endpoints here: the hub's are in its status (sources_info)
        self.china_endpoints = None
        self.simulated: bool | None = None  # what the hub's quotes say (None until one is read)
        self.rejects = codec.Rejects()
        self.connected = False
        self.connects = 0
        self.reconnects = 0
        # after Redis came back (restarted: empty), the hub's heartbeat is missing until the hub has reconnected
        # too; it is not "down" for that until down_after seconds have passed with none
        self._no_beat_grace_until = 0.0
        self._refill = False  # the clock went back: the latest keys are read again
        self.unreachable_since: float | None = None  # client clock
        self.down_since: float | None = None
        self.hub: dict = {}  # the hub's last status
        self.last_message: float | None = None  # client clock: the last tick batch
        self.received_batches = 0
        self.latencies: list[float] = []  # wall seconds from the hub's publish to this store (bench reads it)
        self.record_latency = False
        self._symbols: tuple[str, ...] = ()
        self._lookups: set[str] = set()
        self._wanted: frozenset[str] = frozenset(FX_EXTRA)
        self._changed = asyncio.Event()
        self._r = None
        self._tasks: list[asyncio.Task] = []
        self._stopped = False
        self._lease_dirty = asyncio.Event()
        self._first_fill = asyncio.Event()
        self._direct_task: asyncio.Task | None = None
        self._clock_followed = False

    # -- the runtime's interface -------------------------------------------------------------------------
    async def start(self) -> None:
        """Connect, lease, fill the quotes; returns once the first fill was tried (a snapshot goes on from there
        whether the hub answered or not: the status says which)."""
        self._r = client(self.url)
        self._tasks = [asyncio.create_task(self._run(), name="hub-client"),
                       asyncio.create_task(self._watch(), name="hub-watch")]
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._first_fill.wait(), 5.0)

    async def stop(self) -> None:
        self._stopped = True
        for t in self._tasks:
            t.cancel()
        for t in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await t
        await self._stop_direct()
        if self._r is not None:
            with contextlib.suppress(Exception):  # leaving: a lease not deleted lapses by itself
                await asyncio.wait_for(self._r.delete(self.keys.lease(self.client_id)), 1.0)
            with contextlib.suppress(Exception):
                await self._r.aclose()

    def set_symbols(self, symbols: Iterable[str]) -> None:
        self._symbols = tuple(dict.fromkeys(s for s in symbols if s))
        self._update_wanted()
        if self.direct is not None:
            self.direct.set_symbols(self._symbols)

    def _update_wanted(self) -> None:
        old = self._wanted
        self._wanted = frozenset([*self._symbols, *FX_EXTRA, *self._lookups])
        if self._wanted != old:
            self._lease_dirty.set()

    def is_equity(self, symbol: str) -> bool:
        """Whether `symbol` has statements to wait for: an index (`^GSPC`) or an FX rate (`HKD=X`) has none, even
        when the hub published what quoteSummary says of it."""
        if symbol.startswith("^") or "=" in symbol:
            return False
        q = self.store.quotes.get(symbol)
        return q is None or q.exchange != "CCY"

    def statements_tried(self, symbol: str) -> bool:
        return symbol in self.store.statements or symbol in set(self.hub.get("tried") or ())

    def history_settled(self, symbol: str) -> bool:
        """Whether `symbol`'s daily history is here, or the hub's source refused it: no more of it will come."""
        return (symbol in self.store.history or symbol in self.store.unknown
                or symbol in set(self.hub.get("history_refused") or ()))

    async def fetch_history(self, symbol: str, range_: str = "1y", interval: str = "1d") -> None:
        """The hub's daily history of `symbol` (the hub fetches a year for every leased symbol): from its key, or
        when it arrives, for up to HISTORY_WAIT seconds."""
        if symbol in self.store.history:
            return
        if symbol not in self._wanted:
            self._lookups.add(symbol)
            self._update_wanted()
        with contextlib.suppress(*redis_errors()):
            if self._r is not None:
                self._apply_other("h", await self._r.get(self.keys.history(symbol)))
        deadline = time.monotonic() + HISTORY_WAIT
        while symbol not in self.store.history and time.monotonic() < deadline and not self._stopped:
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), 0.5)

    async def seed_intraday(self, symbol: str) -> int:
        """The hub's intraday line of `symbol` ({p}i:{SYM}: the day's 5-minute closes it seeded, then its points a
        minute) put in front of this client's live points, as a direct app seeds its board from the chart
        endpoint. The start's fill and the updates channel bring it too; this reads the key once more (the board
        asks for the rows on screen). Returns the number of points added (0 before the hub has seeded it: its
        update message brings the line when it does)."""
        if self._r is None or not self.connected:
            return 0
        with contextlib.suppress(*redis_errors()):
            return self._apply_intraday(await self._r.get(self.keys.intraday(symbol)))
        return 0

    async def lookup(self, symbol: str) -> Quote | None:
        """One quote of `symbol` through the hub: leased, then read from its key or its first tick. None when the
        hub's source says there is no such symbol; ConnectionError when the hub does not answer in time."""
        symbol = codec.symbol_of(symbol) if codec.SYMBOL.match(symbol or "") else None
        if symbol is None:
            return None
        self._lookups.add(symbol)
        self._update_wanted()
        try:
            deadline = time.monotonic() + LOOKUP_TIMEOUT
            while time.monotonic() < deadline and not self._stopped:
                if symbol in self.store.quotes:
                    return self.store.quotes[symbol]
                if symbol in self.store.unknown:
                    return None
                if self.connected and self._r is not None:
                    with contextlib.suppress(*redis_errors()):
                        self._apply_quotes(await self._r.get(self.keys.quote(symbol)))
                        if await self._r.get(self.keys.unknown(symbol)) is not None:
                            self.store.mark_unknown([symbol])
                self._changed.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), 0.25)
            raise ConnectionError(f"the hub ({self.public_url}) gave no quote of {symbol} within "
                                  f"{LOOKUP_TIMEOUT:g} s")
        finally:
            if symbol not in self._symbols:
                self._lookups.discard(symbol)
                self._update_wanted()

    async def wait_until_quoted(self, symbols: Iterable[str], timeout: float) -> set[str]:
        wanted = set(symbols)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            missing = {s for s in wanted if s not in self.store.quotes}
            if not (missing - self.store.unknown):
                return missing
            left = deadline - loop.time()
            if left <= 0:
                return missing
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), min(left, 0.5))

    # -- status -------------------------------------------------------------------------------------------
    def hub_state(self) -> str:
        if self.unreachable_since is not None:
            return f"unreachable since {_hhmm(self.unreachable_since)}"
        if self.down_since is not None:
            return f"down since {_hhmm(self.down_since)}"
        return "live" if self.connected and self.hub else "connecting"

    def hub_live(self) -> bool:
        return self.connected and self.unreachable_since is None and self.down_since is None and bool(self.hub)

    def _remote_sources(self) -> tuple[RemoteSource, ...]:
        out = []
        now = self.clock.now()
        hub_clock = self.hub.get("clock")
        for s in self.hub.get("sources") or ():
            last_ok = s.get("last_ok")
            if isinstance(last_ok, (int, float)) and isinstance(hub_clock, (int, float)):
                last_ok = now - max(0.0, hub_clock - last_ok)  # the age the hub saw, on this client's clock
            else:
                last_ok = None
            serving = tuple(clean_name(x) for x in s.get("serving") or () if isinstance(x, str))
            interval = s.get("interval") if isinstance(s.get("interval"), (int, float)) else None
            req = s.get("req_min") if isinstance(s.get("req_min"), int) else 0
            out.append(RemoteSource(clean_name(s.get("name")), clean_name(s.get("state")), clean_name(s.get("base_url")),
                                    last_ok, _text(s.get("last_error")), req, serving, interval))
        return tuple(out)

    def status(self) -> FeedStatus:
        live = self.hub_live()
        clients = self.hub.get("clients") if live and isinstance(self.hub.get("clients"), int) else None
        hub = HubSourceStatus("hub", self.hub_state(), self.public_url, self.last_message, None, 0, (), None, clients)
        if self.direct is not None:
            st = self.direct.status()
            return dataclasses.replace(st, sources=(hub, *st.sources), notice=st.notice)
        sources = self._remote_sources() if live else ()
        req = self.hub.get("req_min") if live and isinstance(self.hub.get("req_min"), int) else 0
        return FeedStatus(state=hub.state, last_message_time=self.last_message, reconnects=self.reconnects,
                          rejected_frames=self.rejects.count, requests_last_minute=req, rate_limited_until=None,
                          last_error=_text(self.hub.get("last_error"), message=True) if live else None,
                          connects=self.connects, sources=(hub, *sources), notice=self.notice())

    def notice(self, after: float | None = None) -> str | None:
        if self.direct is not None:
            return self.direct.notice(after)
        if not self.hub_live():
            return None
        return _text(self.hub.get("notice"), message=True)

    def trouble(self):
        if self.direct is not None:
            return self.direct.trouble()
        t = self.hub.get("trouble") if self.hub_live() else None
        if not isinstance(t, dict):
            return None
        from tui.feeds.trouble import Cause, Trouble

        try:
            return Trouble(Cause(t["cause"]), str(t.get("source") or ""), str(t.get("host") or ""),
                           str(t.get("detail") or ""), t.get("status") if isinstance(t.get("status"), int) else None,
                           _num(t.get("since")), _num(t.get("next_try")), clean_name(t.get("channel") or "REST"))
        except (KeyError, ValueError, TypeError):
            return None

    def trouble_text(self) -> str | None:
        if self.direct is not None:
            return self.direct.trouble_text()
        if self.unreachable_since is not None:
            return f"the hub's Redis ({self.public_url}) is unreachable since {_hhmm(self.unreachable_since)}"
        if self.down_since is not None:
            return f"the hub ({self.public_url}) is down since {_hhmm(self.down_since)}: no heartbeat"
        return _text(self.hub.get("trouble_text"), message=True)

    def sources_info(self) -> list[dict]:
        """The hub's sources as the snapshot's header lists them."""
        out = []
        for s in self.hub.get("sources_info") or ():
            if not isinstance(s, dict):
                continue
            out.append({k: (clean_name(v) if isinstance(v, str) else
                            [clean_name(x) for x in v if isinstance(x, str)] if isinstance(v, list) else None)
                        for k, v in s.items() if k in ("name", "base_url", "source", "source_url", "markets")})
        return out

    # -- the connection -----------------------------------------------------------------------------------
    async def _run(self) -> None:
        backoff = Backoff(0.1, 5.0)
        while not self._stopped:
            pubsub = None
            try:
                pubsub = self._r.pubsub(ignore_subscribe_messages=True)
                await pubsub.subscribe(self.keys.ticks, self.keys.updates)
                if self.unreachable_since is not None:
                    self._no_beat_grace_until = time.monotonic() + self.down_after
                await self._renew_lease()
                await self._read_status()
                self.connects += 1
                if self.unreachable_since is not None:
                    self.reconnects += 1
                    log.info("hub %s: reachable again", self.public_url)
                self.connected, self.unreachable_since = True, None
                backoff.reset()
                await self._fill_quotes(self._wanted)
                self._first_fill.set()
                rest = asyncio.create_task(self._fill_rest(self._wanted))
                try:
                    await self._follow(pubsub)
                finally:
                    rest.cancel()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if not isinstance(exc, redis_errors()):
                    log.exception("hub client: unexpected failure")
                if self.connected or self.unreachable_since is None:
                    self.unreachable_since = self.clock.now()
                    log.warning("hub %s unreachable: %s", self.public_url, clean_message(exc))
                self.connected = False
                self._first_fill.set()
                self._changed.set()
                await asyncio.sleep(backoff())
            finally:
                if pubsub is not None:
                    with contextlib.suppress(Exception):
                        await pubsub.aclose()

    async def _follow(self, pubsub) -> None:
        next_house = time.monotonic() + 1.0
        next_lease = time.monotonic() + self.lease_ttl / 3
        while not self._stopped:
            msg = await pubsub.get_message(ignore_subscribe_messages=True, timeout=0.2)
            while msg is not None:
                self._on_message(msg)
                msg = await pubsub.get_message(ignore_subscribe_messages=True, timeout=0.0)
            now = time.monotonic()
            if self._lease_dirty.is_set() or now >= next_lease:
                added = await self._renew_lease()
                next_lease = now + self.lease_ttl / 3
                if added:
                    await self._fill_quotes(added)
                    await self._fill_rest(added)
            if now >= next_house:
                next_house = now + 1.0
                await self._read_status()

    def _on_message(self, msg: dict) -> None:
        channel = msg.get("channel")
        data = msg.get("data")
        if not isinstance(data, (bytes, str)):
            return
        if isinstance(channel, bytes):
            channel = channel.decode(errors="replace")
        if channel == self.keys.ticks:
            wall = time.time()
            self._apply_quotes(data)
            self.last_message = self.clock.now()
            self.received_batches += 1
            if self.record_latency:
                with contextlib.suppress(codec.Malformed):
                    sent = codec.loads(data).get("w")
                    if isinstance(sent, (int, float)):
                        self.latencies.append(wall - sent)
        elif channel == self.keys.updates:
            try:
                d = codec.loads(data)
            except codec.Malformed as exc:
                self.rejects.add("update", exc)
                return
            if not isinstance(d, dict) or d.get("k") not in ("f", "h", "s", "i", "u"):
                self.rejects.add("update", "unknown kind")
                return
            if d["k"] == "u":
                sym = d.get("s")
                if isinstance(sym, str) and sym in self._wanted:
                    self.store.mark_unknown([sym])
                    self._changed.set()
                return
            self._apply_decoded(d["k"], d.get("d"))

    def _apply_quotes(self, raw) -> None:
        wanted = self._wanted
        any_applied = False
        for q, sim in codec.decode_quotes(raw, self.rejects):
            if sim:
                self.simulated = True
            elif self.simulated is None:
                self.simulated = False
            if q.symbol not in wanted:
                continue
            if self._clock_followed and q.time > self.clock.now() + FUTURE_SLACK:
                # a demo hub's quote from after the hub's clock: left in Redis by a hub that ran at a later
                # instant (its keys outlive it); shown, it would stay the newest for ever
                continue
            self.store.apply_quote(q)
            any_applied = True
        if any_applied:
            self._changed.set()

    def _apply_other(self, kind: str, raw) -> None:
        if raw is None:
            return
        try:
            self._apply_decoded(kind, codec.loads(raw))
        except codec.Malformed as exc:
            self.rejects.add(kind, exc)

    def _apply_intraday(self, raw) -> int:
        if raw is None:
            return 0
        try:
            return self._apply_intraday_data(codec.loads(raw))
        except codec.Malformed as exc:
            self.rejects.add("intraday", exc)
            return 0

    def _apply_intraday_data(self, d: Any) -> int:
        symbol, points = codec.intraday_from_data(d)
        if symbol not in self._wanted:
            return 0
        added = self.store.prepend_intraday(symbol, points)
        if added:
            self._changed.set()
        return added

    def _apply_decoded(self, kind: str, d: Any) -> None:
        try:
            if kind == "i":
                self._apply_intraday_data(d)
                return
            if kind == "f":
                f = codec.fundamentals_from_data(d)
                if f.symbol in self._wanted:
                    self.store.apply_fundamentals(f)
            elif kind == "h":
                symbol, bars = codec.history_from_data(d)
                if symbol in self._wanted:
                    self.store.apply_history(symbol, bars)
            elif kind == "s":
                st = codec.statements_from_wire(d)
                if st.symbol in self._wanted:
                    self.store.apply_statements(st)
        except codec.Malformed as exc:
            self.rejects.add(kind, exc)
            return
        self._changed.set()

    async def _renew_lease(self) -> set[str]:
        """Write this client's lease; returns the symbols added since the last write (to fill from the keys)."""
        self._lease_dirty.clear()
        symbols = sorted(self._wanted)
        await self._r.set(self.keys.lease(self.client_id), codec.dumps(symbols), px=int(self.lease_ttl * 1000))
        added = set(symbols) - getattr(self, "_leased", set())
        self._leased = set(symbols)
        return added

    async def _fill_quotes(self, symbols: Iterable[str]) -> None:
        symbols = sorted(symbols)
        for i in range(0, len(symbols), MGET_CHUNK):
            chunk = symbols[i:i + MGET_CHUNK]
            values = await self._r.mget([self.keys.quote(s) for s in chunk])
            for raw in values:
                self._apply_quotes(raw)
            unknown = await self._r.mget([self.keys.unknown(s) for s in chunk])
            gone = [s for s, u in zip(chunk, unknown, strict=True) if u is not None and s not in self.store.quotes]
            if gone:
                self.store.mark_unknown(gone)
                self._changed.set()

    async def _fill_rest(self, symbols: Iterable[str]) -> None:
        """The intraday lines (the board's), fundamentals, statements, then daily history: after the quotes, a chunk
        at a time."""
        symbols = sorted(symbols)
        for kind, key in (("i", self.keys.intraday), ("f", self.keys.fundamentals), ("s", self.keys.statements),
                          ("h", self.keys.history)):
            for i in range(0, len(symbols), 50):
                chunk = symbols[i:i + 50]
                for raw in await self._r.mget([key(s) for s in chunk]):
                    self._apply_other(kind, raw)
                await asyncio.sleep(0)  # ticks are not held up by a long history

    async def _read_status(self) -> None:
        raw_status, raw_beat = await self._r.mget([self.keys.status, self.keys.heartbeat])
        beat = None
        with contextlib.suppress(codec.Malformed):
            beat = codec.loads(raw_beat) if raw_beat is not None else None
        wall = beat.get("wall") if isinstance(beat, dict) else None
        fresh = isinstance(wall, (int, float)) and time.time() - wall <= self.down_after
        if fresh:
            if self.down_since is not None:
                log.info("hub %s: heartbeat back", self.public_url)
            self.down_since = None
        elif raw_beat is None and time.monotonic() < self._no_beat_grace_until:
            pass  # Redis just came back: the hub has not written its heartbeat again yet
        elif self.down_since is None and (self.hub or raw_beat is not None or self.connects > 0):
            self.down_since = self.clock.now()
            log.warning("hub %s: no heartbeat for %g s: the hub is down", self.public_url, self.down_after)
        status = None
        if raw_status is not None:
            try:
                status = codec.loads(raw_status)
            except codec.Malformed as exc:
                self.rejects.add("status", exc)
        if isinstance(status, dict):
            self.hub = status
            if isinstance(status.get("simulated"), bool):
                self.simulated = status["simulated"]
            if status.get("simulated") is True:
                self._follow_simulated_clock(status)
        if self._refill:  # the latest keys again, for what the clock going back dropped
            self._refill = False
            await self._fill_quotes(self._wanted)

    def _follow_simulated_clock(self, status: dict) -> None:
        """A client of a demo hub runs on the hub's simulated clock (`aiwatch hub --demo --at …` publishes another
        day than today): market states, ages and staleness are then judged on the time the quotes were made in,
        not on this machine's date (which would call every quote days stale). A real hub's clock is never
        followed: both run on real time."""
        at, wall, speed = status.get("clock"), status.get("wall"), status.get("speed", self.clock.speed)
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
                   for v in (at, wall, speed)) or not 0 <= speed <= MAX_SPEED:
            return
        hub_now = at + (time.time() - wall) * speed
        if abs(self.clock.now() - hub_now) > CLOCK_SLACK or speed != self.clock.speed:
            if not self._clock_followed:
                log.info("hub %s: simulated data; this client runs on the hub's clock (%+.0f s)", self.public_url,
                         hub_now - self.clock.now())
            went_back = hub_now < self.clock.now() - CLOCK_SLACK
            self._clock_followed = True
            self.clock.speed = float(speed)
            self.clock.align(at, wall)
            if went_back:  # another demo hub, started at an earlier instant: what came after it is not this data
                forgotten = self.store.forget_after(self.clock.now() + CLOCK_SLACK)
                if forgotten:
                    log.info("hub %s: the hub's simulated clock went back; %d symbols' later quotes dropped",
                             self.public_url, len(forgotten))
                    self._refill = True

    # -- the fallback -------------------------------------------------------------------------------------
    async def _watch(self) -> None:
        """Every half second: whether the hub is there; with a fallback, its own upstream while it is not."""
        while not self._stopped:
            await asyncio.sleep(0.5)
            if self.connected and not self._stopped:
                with contextlib.suppress(*redis_errors()):
                    await self._read_status()
            if self.fallback is None:
                continue
            if not self.hub_live() and self.direct is None and (self.unreachable_since is not None
                                                                 or self.down_since is not None):
                log.warning("hub %s is %s: running this client's own upstream (hub_fallback = direct)",
                            self.public_url, self.hub_state())
                self.direct = self.fallback()
                self.direct.set_symbols(self._symbols)
                self._direct_task = asyncio.create_task(self.direct.start(), name="hub-fallback")
            elif self.hub_live() and self.direct is not None:
                log.info("hub %s is back: stopping this client's own upstream", self.public_url)
                await self._stop_direct()

    async def _stop_direct(self) -> None:
        direct, self.direct = self.direct, None
        if direct is None:
            return
        if self._direct_task is not None and not self._direct_task.done():
            self._direct_task.cancel()
        with contextlib.suppress(Exception, asyncio.CancelledError):
            await direct.stop()


def _text(v: Any, message: bool = False) -> str | None:
    if not isinstance(v, str) or not v:
        return None
    return clean_message(v) if message else clean_name(v)


def _num(v: Any) -> float | None:
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None
