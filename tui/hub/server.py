"""`Hub`: one upstream (tui/runtime.py's Runtime: Yahoo, Tencent, Sina, or the demo's simulator) for every client
on a server, published through Redis.

    take the lock ({p}lock, SET NX PX with this hub's token; while another hub holds it, wait: it takes over when
    the other's lapses) → start the upstream → every ~50 ms: what the store changed since the last batch goes out,
    SET under the latest keys and PUBLISHed (one tick message per batch) → every second: heartbeat, status, lock
    renewed, the union of the live leases becomes the upstream's symbols (a symbol no lease holds any more is
    dropped).

Redis lost: the upstream keeps running (its store stays current), the hub reconnects with back-off, and fills every
key again from the store when Redis is back (a restarted Redis has none); for LEASE_GRACE seconds after, symbols
are kept even when no lease holds them yet (the clients are registering theirs again). If another hub took the lock
while this one was cut off, this one stops its upstream and ends: two hubs never poll the sources at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
import uuid
from typing import Any

from tui.hub import codec
from tui.hub.connect import Backoff, client, public_url, redis_errors
from tui.hub.keys import DEFAULT_PREFIX, QUOTE_TTL, UNKNOWN_TTL, Keys

log = logging.getLogger(__name__)

BATCH_SECONDS = 0.05  # quotes published at most this often: one message per batch, not one per tick
HOUSEKEEPING_SECONDS = 1.0  # heartbeat, status, lock, leases
LOCK_TTL = 5.0  # seconds the lock outlives the hub's last renewal
HEARTBEAT_TTL = 30.0  # the heartbeat key's TTL (clients judge the hub by the heartbeat's age: 10 s)
LEASE_GRACE = 20.0  # seconds after a reconnect during which symbols stay without a lease
INTRADAY_REFRESH = 60.0  # a symbol's intraday key is written again at most this often (a point a minute)
INTRADAY_RETRY = 600.0  # seconds before a failed intraday seed (network, 429) is tried again

_RENEW = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end"
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"


class LockLost(Exception):
    """Another hub holds the lock now."""


class Hub:
    def __init__(self, url: str, runtime: Any, *, prefix: str = DEFAULT_PREFIX, batch_seconds: float = BATCH_SECONDS,
                 housekeeping_seconds: float = HOUSEKEEPING_SECONDS, lock_ttl: float = LOCK_TTL,
                 lease_grace: float = LEASE_GRACE) -> None:
        self.url = url
        self.public_url = public_url(url)
        self.runtime = runtime
        self.keys = Keys(prefix)
        self.token = uuid.uuid4().hex
        self.batch_seconds, self.housekeeping_seconds = batch_seconds, housekeeping_seconds
        self.lock_ttl, self.lease_grace = lock_ttl, lease_grace
        self.state = "starting"  # waiting for the lock, running, redis unreachable, stopped, took over
        self.has_lock = False
        self.union: tuple[str, ...] = ()
        self.clients = 0
        self.batches = 0  # tick messages published
        self.quotes_published = 0
        self.refills = 0  # times every key was written again (after Redis came back)
        self.redis_lost_since: float | None = None
        self._stop = asyncio.Event()
        self._r = None
        self._seq = 0
        self._sent: dict[tuple[str, str], object] = {}  # (symbol, source) -> the quote object last published
        self._sent_other: dict[tuple[str, str], object] = {}  # (kind, symbol) -> fundamentals / bars / statements
        self._seen: dict[str, float] = {}  # symbol -> monotonic time a lease last held it
        self._grace_until = 0.0
        self._started = False
        # the intraday line: each symbol's day's 5-minute closes asked once a day (hub clock), as the app's board
        # does (tui/spark_seeder.py), then the store's line written to {p}i:{SYM} at most once a minute
        self.intraday_seeded: dict[str, int] = {}  # symbol -> UTC day (hub clock) it was seeded
        self._intraday_retry: dict[str, float] = {}  # symbol -> monotonic time a failed seed may be tried again
        self._intraday_fresh: set[str] = set()  # seeded since the last write: written and published at once
        self._intraday_tried: set[str] = set()  # seeded, or its seed failed: its line goes out from then on
        self._intraday_written: dict[str, tuple[float, tuple]] = {}  # symbol -> (monotonic, what was written)
        self._seeder: asyncio.Task | None = None

    # -- lifecycle ------------------------------------------------------------------------------------------
    def stop(self) -> None:
        self._stop.set()

    async def run(self) -> str:
        """Until stop(): wait for the lock, run the upstream, publish. Returns why it ended ("stopped", or "taken
        over" when another hub took the lock while this one was cut off from Redis)."""
        self._r = client(self.url)
        why = "stopped"
        try:
            if not await self._acquire():
                return why
            await self._continue_simulated_time()
            union = await self._read_leases_quietly()
            with contextlib.suppress(*redis_errors()):  # alive, its upstream starting: clients do not call it down
                await self._beat()
            self.runtime.set_symbols(union)
            self.union = union
            await self.runtime.start()
            self._started = True
            self.state = "running"
            log.info("hub %s: upstream started (%s), %d symbols", self.public_url,
                     "simulated" if self.runtime.simulated else self.runtime.source, len(union))
            self._seeder = asyncio.create_task(self._seed_intraday(), name="hub-intraday")
            try:
                await self._serve()
            except LockLost:
                why = self.state = "taken over"
                log.warning("hub %s: another hub holds the lock now; stopping this one's upstream", self.public_url)
        finally:
            if self._seeder is not None:
                self._seeder.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await self._seeder
            await self._shutdown(release=why == "stopped")
        return why

    async def _shutdown(self, *, release: bool) -> None:
        if self._started:
            with contextlib.suppress(Exception):
                await self.runtime.stop()
        if release and self.has_lock and self._r is not None:
            try:
                await self._r.eval(_RELEASE, 1, self.keys.lock, self.token)
                # the status too: a demo hub started after a clean stop runs on its own --at, not on this one's time
                # (which a hub taking over from one that died carries on, from the status it left)
                await self._r.delete(self.keys.heartbeat, self.keys.status)
            except redis_errors() as exc:
                log.info("hub: could not release the lock (%s); it lapses in %.0f s", exc, self.lock_ttl)
        self.has_lock = False
        if self.state != "taken over":
            self.state = "stopped"
        if self._r is not None:
            with contextlib.suppress(Exception):
                await self._r.aclose()

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop.wait(), seconds)

    async def _continue_simulated_time(self) -> None:
        """A demo hub taking over from another demo hub goes on from the other's simulated time (its status says
        where it was): started with the same `--at` later, its clock is behind, and every client would hold the
        newer quotes it already has and show no tick again until the new hub's clock caught up (never, at the
        same speed)."""
        clock = self.runtime.clock
        if not self.runtime.simulated or not clock.pinned:
            return
        try:
            raw = await self._r.get(self.keys.status)
            d = codec.loads(raw) if raw is not None else None
        except (codec.Malformed, *redis_errors()):
            return
        if not isinstance(d, dict) or d.get("simulated") is not True:
            return
        at, wall = d.get("clock"), d.get("wall")
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in (at, wall)):
            return
        mine = clock.now()
        if at + (time.time() - wall) * clock.speed > mine:
            clock.align(at, wall)
            log.info("hub %s: going on from the previous demo hub's time (%+.0f s)", self.public_url,
                     clock.now() - mine)

    async def _acquire(self) -> bool:
        """Take the lock, waiting while another hub holds it; False when stopped first."""
        backoff = Backoff()
        told = None
        while not self._stop.is_set():
            try:
                if await self._r.set(self.keys.lock, self.token, nx=True, px=int(self.lock_ttl * 1000)):
                    self.has_lock = True
                    log.info("hub %s: lock taken", self.public_url)
                    return True
                self.state = "waiting for the lock"
                backoff.reset()
                wait = min(1.0, self.lock_ttl / 4)
            except redis_errors() as exc:
                self.state = "redis unreachable"
                wait = backoff()
                if told != "down":
                    log.warning("hub %s: Redis unreachable (%s); retrying", self.public_url, exc)
                told = "down"
            else:
                if told != "wait":
                    log.info("hub %s: another hub holds the lock; waiting to take over", self.public_url)
                told = "wait"
            await self._sleep(wait)
        return False

    # -- the loop -------------------------------------------------------------------------------------------
    async def _serve(self) -> None:
        backoff = Backoff()
        next_house = 0.0
        while not self._stop.is_set():
            try:
                if self.redis_lost_since is not None:
                    await self._reconnected()
                    backoff.reset()
                if time.monotonic() >= next_house:
                    next_house = time.monotonic() + self.housekeeping_seconds
                    await self._housekeeping()
                    await self._write_intraday()
                await self._publish()
            except redis_errors() as exc:
                if self.redis_lost_since is None:
                    self.redis_lost_since = time.time()
                    self.state = "redis unreachable"
                    log.warning("hub %s: Redis lost (%s); the upstream keeps running, reconnecting",
                                self.public_url, exc)
                await self._sleep(backoff())
                continue
            await self._sleep(self.batch_seconds)

    async def _reconnected(self) -> None:
        """Redis answers again: check the lock (a restarted Redis lost it: take it again; another hub's: stop),
        then write every key again from the store."""
        await self._r.ping()
        await self._renew_lock()
        log.info("hub %s: Redis is back after %.1f s; filling every key again", self.public_url,
                 time.time() - (self.redis_lost_since or time.time()))
        self.redis_lost_since = None
        self.state = "running"
        self._grace_until = time.monotonic() + self.lease_grace
        self._sent.clear()
        self._sent_other.clear()
        self._intraday_written.clear()
        self._seq = 0
        self.refills += 1

    async def _renew_lock(self) -> None:
        ms = int(self.lock_ttl * 1000)
        if await self._r.eval(_RENEW, 1, self.keys.lock, self.token, ms):
            return
        if await self._r.set(self.keys.lock, self.token, nx=True, px=ms):  # lapsed (or Redis restarted empty)
            log.warning("hub %s: the lock had lapsed; taken again", self.public_url)
            return
        self.has_lock = False
        raise LockLost

    async def _read_leases(self) -> tuple[tuple[str, ...], int]:
        names = [k async for k in self._r.scan_iter(match=self.keys.lease_pattern, count=1000)]
        values = await self._r.mget(names) if names else []
        union: dict[str, None] = {}
        clients = 0
        for raw in values:
            if raw is None:
                continue
            try:
                symbols = codec.loads(raw)
                if not isinstance(symbols, list):
                    raise codec.Malformed("a lease is not a list")
                ok = [codec.symbol_of(s) for s in symbols[:2000]]
            except codec.Malformed as exc:
                log.info("hub: a malformed lease ignored: %s", exc)
                continue
            clients += 1
            union.update(dict.fromkeys(ok))
        return tuple(union), clients

    async def _read_leases_quietly(self) -> tuple[str, ...]:
        try:
            union, self.clients = await self._read_leases()
            return union
        except redis_errors():
            return ()

    async def _housekeeping(self) -> None:
        await self._renew_lock()
        union, self.clients = await self._read_leases()
        now = time.monotonic()
        for s in union:
            self._seen[s] = now
        if now < self._grace_until:  # just reconnected: clients are registering their leases again
            union = tuple(dict.fromkeys([*union, *self.union]))
        if union != self.union:
            gone = set(self.union) - set(union)
            added = set(union) - set(self.union)
            log.info("hub: %d symbols from %d clients (+%d -%d)", len(union), self.clients, len(added), len(gone))
            self.union = union
            self.runtime.set_symbols(union)
        await self._beat()

    # -- the intraday line --------------------------------------------------------------------------------
    async def _seed_intraday(self) -> None:
        """Once a day per leased symbol with a quote: the day's 5-minute closes put in front of the live points
        (feed.seed_intraday, one chart request), minding the REST budget as the app's seeder does."""
        from tui.feeds.yahoo_parse import YahooError

        while not self._stop.is_set():
            feed = self.runtime.feed
            store = self.runtime.store
            day = int(self.runtime.clock.now() // 86400)
            mono = time.monotonic()
            due = [s for s in self.union if s in store.quotes and self.intraday_seeded.get(s) != day
                   and self._intraday_retry.get(s, 0.0) <= mono] if feed is not None else []
            for symbol in due:
                rest = getattr(feed, "rest", None)
                if rest is not None and rest.background_wait() > 0:
                    break  # the per-minute budget is spent: the next round goes on
                try:
                    await feed.seed_intraday(symbol)
                except YahooError as exc:  # the source has no intraday bars of it today
                    log.info("hub: no intraday bars for %s: %s", symbol, exc)
                except Exception as exc:  # noqa: BLE001 - network, 429: tried again later, the live points go out
                    log.info("hub: intraday seed for %s failed: %s", symbol, exc)
                    self._intraday_retry[symbol] = time.monotonic() + INTRADAY_RETRY
                    if symbol not in self._intraday_tried:
                        self._intraday_tried.add(symbol)
                        self._intraday_fresh.add(symbol)
                    continue
                self.intraday_seeded[symbol] = day
                self._intraday_tried.add(symbol)
                self._intraday_fresh.add(symbol)
            await self._sleep(1.0)

    async def _write_intraday(self) -> None:
        """{p}i:{SYM} for each leased symbol once it was seeded (or its seed failed): at once and published after a
        seed, so the clients following see it; then at most once a minute, for clients that join later."""
        store = self.runtime.store
        now = time.monotonic()
        pipe = self._r.pipeline(transaction=False)
        written: list[tuple[str, tuple]] = []
        for symbol in self.union:
            points = store.intraday.get(symbol)
            if not points or symbol not in self._intraday_tried:
                continue
            mark = (len(points), points[0], points[-1])
            fresh = symbol in self._intraday_fresh
            last = self._intraday_written.get(symbol)
            if not fresh and last is not None and (now - last[0] < INTRADAY_REFRESH or last[1] == mark):
                continue
            data = codec.dumps(codec.intraday_to_data(symbol, points))
            pipe.set(self.keys.intraday(symbol), data, ex=QUOTE_TTL)
            if fresh or last is None:
                pipe.publish(self.keys.updates, b'{"k":"i","d":' + data + b"}")
            written.append((symbol, mark))
        if written:
            await pipe.execute()
        for symbol, mark in written:  # only once Redis took them
            self._intraday_written[symbol] = (now, mark)
            self._intraday_fresh.discard(symbol)

    async def _beat(self) -> None:
        pipe = self._r.pipeline(transaction=False)
        pipe.set(self.keys.heartbeat, codec.dumps({"wall": time.time(), "clock": self.runtime.clock.now()}),
                 px=int(HEARTBEAT_TTL * 1000))
        pipe.set(self.keys.status, codec.dumps(self.status_data()), px=int(HEARTBEAT_TTL * 1000))
        await pipe.execute()

    def status_data(self) -> dict:
        """What `{p}status` says: the hub's own upstream, as each client's status line shows it."""
        rt = self.runtime
        feed = rt.feed
        out: dict[str, Any] = {"wall": time.time(), "clock": rt.clock.now(), "speed": rt.clock.speed,
                               "simulated": bool(rt.simulated),
                               "clients": self.clients, "symbols": len(self.union), "source": rt.source,
                               "source_url": rt.source_url, "source_label": rt.source_label,
                               "batches": self.batches, "quotes": self.quotes_published}
        if feed is None:
            return {**out, "state": "starting", "sources": []}
        st = feed.status()
        trouble = feed.trouble()
        out.update({
            "state": st.state, "req_min": st.requests_last_minute, "reconnects": st.reconnects,
            "rejected": st.rejected_frames, "last_message": st.last_message_time, "last_error": st.last_error,
            "notice": st.notice, "trouble_text": feed.trouble_text(),
            "trouble": None if trouble is None else {
                "cause": trouble.cause.value, "source": trouble.source, "host": trouble.host,
                "detail": trouble.detail, "status": trouble.status, "since": trouble.since,
                "next_try": trouble.next_try, "channel": trouble.channel},
            "sources": [{"name": s.name, "state": s.state, "base_url": s.base_url, "last_ok": s.last_ok,
                         "last_error": s.last_error, "req_min": s.requests_last_minute, "serving": list(s.serving),
                         "interval": s.interval} for s in st.sources],
            "tried": [s for s in self.union if feed.statements_tried(s)],
            # daily histories the source refused: a client's z-score alerts wait for no more of them
            "history_refused": [s for s in self.union if feed.history_settled(s) and s not in rt.store.history],
            "sources_info": rt.sources_info(),
        })
        return out

    async def _publish(self) -> None:
        """What changed in the store since the last batch: the latest keys SET, then one tick message and one
        update message per fundamentals, history or statements that changed."""
        store = self.runtime.store
        if store.seq == self._seq:
            return
        changed = store.changed_since(self._seq)
        seq = store.seq
        sim = bool(self.runtime.simulated)
        pipe = self._r.pipeline(transaction=False)
        batch: list[dict] = []
        updates: list[bytes] = []
        sent: list[tuple[dict, tuple, object]] = []
        for sym in changed:
            mine = store.by_source.get(sym)
            if mine:
                fresh = [q for name, q in mine.items() if self._sent.get((sym, name)) is not q]
                if fresh:
                    pipe.set(self.keys.quote(sym), codec.dumps([codec.quote_to_data(q, sim) for q in mine.values()]),
                             ex=QUOTE_TTL)
                    batch += [codec.quote_to_data(q, sim) for q in fresh]
                    sent += [(self._sent, (sym, q.source_name), q) for q in fresh]
            for kind, obj, key, encode in (
                    ("f", store.fundamentals.get(sym), self.keys.fundamentals(sym), codec.fundamentals_to_data),
                    ("h", store.history.get(sym), self.keys.history(sym),
                     lambda bars, s=sym: codec.history_to_data(s, bars)),
                    ("s", store.statements.get(sym), self.keys.statements(sym), codec.statements_to_wire)):
                if obj is None or self._sent_other.get((kind, sym)) is obj:
                    continue
                data = codec.dumps(encode(obj))
                pipe.set(key, data, ex=QUOTE_TTL)
                updates.append(b'{"k":"%s","d":' % kind.encode() + data + b"}")
                sent.append((self._sent_other, (kind, sym), obj))
            if sym in store.unknown and self._sent_other.get(("u", sym)) is None:
                pipe.set(self.keys.unknown(sym), b"1", ex=UNKNOWN_TTL)
                updates.append(codec.dumps({"k": "u", "s": sym}))
                sent.append((self._sent_other, ("u", sym), True))
        if batch:
            pipe.publish(self.keys.ticks, codec.dumps({"w": time.time(), "q": batch}))
        for message in updates:
            pipe.publish(self.keys.updates, message)
        if batch or updates:
            await pipe.execute()
        for table, key, obj in sent:  # only once Redis took them: a failed batch is sent again in full
            table[key] = obj
        self._seq = seq
        if batch:
            self.batches += 1
            self.quotes_published += len(batch)
