"""Yahoo's streamer websocket: subscribe, heartbeat, parse frames, reconnect with back-off, never spin.

Unlike yfinance's AsyncWebSocket, every way a connection can end (clean close, abrupt drop, refused connect,
error frame) leads to the same jittered exponential back-off before the next attempt, and the delay resets
only after a connection stayed healthy for a while. A connection that fails, or frames that cannot be read
(GARBAGE_RUN in a row), are recorded as the stream's `trouble` (tui/feeds/trouble.py), with the next try.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from collections.abc import Callable, Coroutine, Iterable

import aiohttp

from tui.core.clock import Clock
from tui.feeds.http import USER_AGENT
from tui.feeds.trouble import Cause, Trouble, TroubleSlot, app_time_in, classify, host_of, source_name_of
from tui.feeds.yahoo_parse import FrameError, parse_stream_frame
from tui.model import Quote
from tui.sanitize import clean_message

log = logging.getLogger(__name__)

GARBAGE_RUN = 20  # frames in a row that cannot be read before the stream is said to send garbage


class YahooStream:
    def __init__(
        self,
        url: str,
        on_quote: Callable[[Quote], None],
        clock: Clock,
        *,
        on_reject: Callable[[str], None] | None = None,
        heartbeat: float = 15.0,
        backoff_min: float = 0.5,
        backoff_max: float = 4.0,  # back within 5 s of the server's return; a try every <=4.8 s is cheap
        healthy_after: float = 60.0,
        proxy: str | None = None,
        rng: random.Random | None = None,
        max_ahead: float | None = None,
        source_name: str | None = None,
    ) -> None:
        self.url = url
        self.source_name = source_name or source_name_of(url)
        self._trouble = TroubleSlot()
        self._bad_run = 0  # frames rejected since the last good one
        self.on_quote = on_quote
        self.on_reject = on_reject
        self.clock = clock
        self.heartbeat = heartbeat
        self.backoff_min = backoff_min
        self.backoff_max = backoff_max
        self.healthy_after = healthy_after
        self.proxy = proxy
        self.max_ahead = max_ahead  # reject frames stamped further than this in the future (None: no check)
        self._rng = rng or random.Random()
        self._symbols: tuple[str, ...] = ()
        self._sent: set[str] = set()  # what the live connection is subscribed to
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._stopping = asyncio.Event()
        self._have_symbols = asyncio.Event()
        self._delay = backoff_min
        self._tasks: set[asyncio.Task[object]] = set()
        # counters
        self.connects = 0
        self.reconnects = 0
        self.rejected = 0
        self.frames = 0
        self.last_message_time: float | None = None  # app clock
        self.state = "stopped"
        self.last_error: str | None = None

    @property
    def trouble(self) -> Trouble | None:
        """Why the stream has no data (connection failed, frames unreadable), or None."""
        return self._trouble.current

    # -- subscription ----------------------------------------------------------------------------------
    @property
    def symbols(self) -> tuple[str, ...]:
        return self._symbols

    def set_symbols(self, symbols: Iterable[str]) -> None:
        """Change the subscription; a live connection is kept (unsubscribe removed, subscribe the whole set)."""
        self._symbols = tuple(dict.fromkeys(s for s in symbols if s))
        if self._symbols:
            self._have_symbols.set()
        else:
            self._have_symbols.clear()
        ws = self._ws
        if ws is not None and not ws.closed:
            self._spawn(self._send_subscription(ws))

    def _spawn(self, coro: Coroutine[object, object, object]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _send_subscription(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        wanted = set(self._symbols)
        removed = sorted(self._sent - wanted)
        try:
            if removed:
                await ws.send_str(json.dumps({"unsubscribe": removed}))
            if self._symbols:
                await ws.send_str(json.dumps({"subscribe": list(self._symbols)}))
            self._sent = wanted
        except (aiohttp.ClientError, ConnectionError, RuntimeError) as exc:
            log.debug("subscription not sent: %s", exc)

    # -- life cycle ------------------------------------------------------------------------------------
    def stop(self) -> None:
        self._stopping.set()
        ws = self._ws
        if ws is not None and not ws.closed:
            self._spawn(ws.close())

    async def run(self) -> None:
        """Connect, read, reconnect after any end, until `stop()`."""
        self._stopping.clear()
        attempts = 0
        headers = {"User-Agent": USER_AGENT, "Origin": "https://finance.yahoo.com"}
        try:
            async with aiohttp.ClientSession(headers=headers) as session:
                while not self._stopping.is_set():
                    if not self._symbols:
                        self.state = "idle (no symbols)"
                        if not await self._wait_any(self._have_symbols.wait()):
                            break
                        continue
                    self.state = "connecting"
                    attempts += 1
                    started = time.monotonic()
                    try:
                        await self._connect_once(session, attempts > 1)
                    except asyncio.CancelledError:
                        raise
                    except Exception as exc:  # noqa: BLE001 - every failure leads to the back-off below
                        self.last_error = clean_message(f"{type(exc).__name__}: {exc}")
                        log.info("stream connection ended: %s", self.last_error)
                        self._trouble.failed(classify(exc, url=self.url, source=self.source_name, proxy=self.proxy,
                                                      channel="stream"), self.clock.now())
                    finally:
                        self._ws = None
                        self._sent = set()
                    if self._stopping.is_set():
                        break
                    if time.monotonic() - started >= self.healthy_after:
                        self._delay = self.backoff_min
                    delay = self._delay * self._rng.uniform(0.8, 1.2)
                    self._delay = min(self.backoff_max, self._delay * 2)
                    self.state = f"reconnecting in {delay:.1f}s"
                    self._trouble.next_try(app_time_in(self.clock, delay))
                    await self._wait_any(asyncio.sleep(delay))
        finally:
            self._ws = None
            self.state = "stopped"

    async def _wait_any(self, aw: object) -> bool:
        """Wait for `aw` or stop(); True if `aw` finished first."""
        task = asyncio.ensure_future(aw)  # type: ignore[arg-type]
        stop = asyncio.ensure_future(self._stopping.wait())
        try:
            await asyncio.wait({task, stop}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for t in (task, stop):
                if not t.done():
                    t.cancel()
            await asyncio.gather(task, stop, return_exceptions=True)
        return not self._stopping.is_set()

    async def _connect_once(self, session: aiohttp.ClientSession, is_reconnect: bool) -> None:
        async with session.ws_connect(
            self.url,
            proxy=self.proxy,
            heartbeat=None,
            autoping=True,
            timeout=aiohttp.ClientWSTimeout(ws_close=5),
        ) as ws:
            self._ws = ws
            self.connects += 1
            if is_reconnect:
                self.reconnects += 1
            self.state = "live"
            self._trouble.clear()
            self._bad_run = 0
            log.info("stream connected (%s)", "reconnect" if is_reconnect else "first connect")
            await self._send_subscription(ws)
            beat = asyncio.create_task(self._heartbeat(ws))
            try:
                async for msg in ws:
                    if msg.type in (aiohttp.WSMsgType.TEXT, aiohttp.WSMsgType.BINARY):
                        self._on_frame(msg.data)
                    elif msg.type == aiohttp.WSMsgType.ERROR:
                        raise ConnectionError(f"websocket error: {ws.exception()}")
                    else:  # CLOSE / CLOSING / CLOSED
                        break
            finally:
                beat.cancel()
                await asyncio.gather(beat, return_exceptions=True)
            if not self._stopping.is_set():
                code = ws.close_code
                self.last_error = f"server closed the stream (code {code})"
                log.info("%s", self.last_error)
                self._trouble.failed(Trouble(Cause.NETWORK, self.source_name, host_of(self.url),
                                             detail=f"closed by the server (code {code})", channel="stream"),
                                     self.clock.now())

    async def _heartbeat(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        while not ws.closed:
            await asyncio.sleep(self.heartbeat)
            if ws.closed:
                return
            await self._send_subscription(ws)

    def _on_frame(self, data: str | bytes) -> None:
        now = self.clock.now()
        self.last_message_time = now
        try:
            quote = parse_stream_frame(data, now, max_ahead=self.max_ahead)
        except FrameError as exc:
            self.rejected += 1
            log.debug("frame rejected: %s", exc.reason)
            self._bad_run += 1
            if self._bad_run >= GARBAGE_RUN:
                held = self._trouble.current
                if held is None or held.cause is not Cause.GARBAGE:
                    log.warning("stream: %d frames in a row cannot be read (last: %s)", self._bad_run, exc.reason)
                self._trouble.failed(Trouble(Cause.GARBAGE, self.source_name, host_of(self.url),
                                             detail=f"stream frames cannot be read ({exc.reason})",
                                             channel="stream"), now)
            if self.on_reject is not None:
                self.on_reject(exc.reason)
            return
        if self._bad_run:
            self._bad_run = 0
            self._trouble.clear()
        self.frames += 1
        try:
            self.on_quote(quote)
        except Exception:
            log.exception("on_quote failed for %s", quote.symbol)
