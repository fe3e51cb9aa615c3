"""The simulator's aiohttp server on 127.0.0.1, speaking Yahoo Finance's protocols.

REST (every Yahoo host folded into one base URL, Yahoo's paths kept):
  GET /                                   fc.yahoo.com's cookie step: 404 + Set-Cookie A3
  GET /v1/test/getcrumb                   the crumb (needs the cookie)
  GET /v7/finance/quote?symbols=..        many symbols (needs cookie + crumb)
  GET /v10/finance/quoteSummary/{sym}     price, summaryDetail, defaultKeyStatistics, financialData
  GET /v8/finance/chart/{sym}             daily and intraday bars
  GET /ws/fundamentals-timeseries/v1/finance/timeseries/{sym}   statement lines (capex, cash flow, debt)
Streamer: websocket at /streamer/ (`?version=2`), JSON frames holding base64 protobuf PricingData.

And the two quote pages that serve Hong Kong, Shanghai and Shenzhen in real time (tui/sim/china_payloads.py):
  GET /q=KEY,KEY,…                        Tencent's qt.gtimg.cn (GBK; /utf8/q=… in UTF-8)
  GET /list=KEY,KEY,…                     Sina's hq.sinajs.cn (GBK; 403 "Kinsoku jikou desu!" without its Referer)
from the same seeded model at the same instant: Yahoo's copy of those listings is 15 minutes behind theirs.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import logging
import signal
import socket
from collections import OrderedDict, deque
from typing import Any

from aiohttp import WSMsgType, web

from tui.core.clock import Clock
from tui.sim import china_payloads, payloads
from tui.sim.faults import HOSTILE_MESSAGE, Faults, hostile_name, parse_faults
from tui.sim.frames import frame_text, pricing_message
from tui.sim.market import SimMarket

log = logging.getLogger(__name__)

JSON_TYPE = "application/json;charset=utf-8"
BATCH_SECONDS = 0.05  # the stream sends a batch of frames this often
FRAME_CACHE = 4096
RANGE_DAYS = {"1d": 1, "5d": 5, "1mo": 31, "3mo": 92, "6mo": 183, "1y": 366, "2y": 731, "5y": 1827,
              "10y": 3653}
INTRADAY = {"1m": 60, "2m": 120, "5m": 300, "15m": 900, "30m": 1800, "60m": 3600, "90m": 5400, "1h": 3600}
INTRADAY_MAX_DAYS = 7


def _dumps(body: Any) -> str:
    return json.dumps(body, separators=(",", ":"), allow_nan=False)


def _json(body: Any, status: int = 200) -> web.Response:
    return web.Response(text=_dumps(body), status=status, content_type="application/json", charset="utf-8")


def _finance_error(code: str, description: str, status: int) -> web.Response:
    return _json({"finance": {"result": None, "error": {"code": code, "description": description}}}, status)


class Simulator:
    """The market simulator: the seeded model behind a loopback server speaking Yahoo's protocols."""

    def __init__(self, clock: Clock, *, seed: int = 7, rate: float = 20.0, faults: str | None = None) -> None:
        if rate < 0:
            raise ValueError("rate must be >= 0")
        self.clock = clock
        self.seed = seed
        self.rate = float(rate)
        self.faults: Faults = parse_faults(faults, seed=seed)
        self.market = SimMarket(seed=seed)
        digest = hashlib.sha256(f"aiwatch-sim-{seed}".encode()).hexdigest()
        self.cookie = f"d=AQABBsim{digest[:24]}&S=AQAAA{digest[24:40]}"
        self.crumb = digest[40:51]
        self.base_url = ""
        self.stream_url = ""
        self.port = 0
        self.frames_sent = 0
        self.requests = 0
        self.streams_opened = 0  # websocket connections ever accepted (a hub's test counts its upstream by it)
        self.paths: deque[str] = deque(maxlen=10_000)  # the REST paths asked for, newest last (tests read it)
        self.china_requests = {"tencent": 0, "sina": 0}
        self._runner: web.AppRunner | None = None
        self._sockets: set[web.WebSocketResponse] = set()
        self._frame_cache: OrderedDict[tuple[str, int], str | None] = OrderedDict()
        # quarters served per timeseries answer: None serves every quarter of tui/data/statements.toml; Yahoo
        # serves about five (tests set 5 to check that the client keeps the rest)
        self.timeseries_max_quarters: int | None = None

    # -- lifecycle ---------------------------------------------------------------------------------
    def app(self) -> web.Application:
        app = web.Application(middlewares=[self._fault_middleware])
        app.router.add_get("/", self._cookie)
        app.router.add_get("/v1/test/getcrumb", self._getcrumb)
        app.router.add_get("/v7/finance/quote", self._quote)
        app.router.add_get("/v10/finance/quoteSummary/{symbol}", self._summary)
        app.router.add_get("/v8/finance/chart/{symbol}", self._chart)
        app.router.add_get("/ws/fundamentals-timeseries/v1/finance/timeseries/{symbol}", self._timeseries)
        app.router.add_get("/streamer/", self._stream)
        app.router.add_get("/streamer", self._stream)
        app.router.add_get("/q={keys}", self._tencent)
        app.router.add_get("/utf8/q={keys}", self._tencent_utf8)
        app.router.add_get("/list={keys}", self._sina)
        return app

    def _prewarm(self) -> None:
        """Build today's intraday paths of every market before serving (about 0.2 s, off the event loop)."""
        t = self._now()
        seen: set[str] = set()
        for symbol, listing in self.market.listings.items():
            if listing.market.code not in seen and self._listed(symbol, t):
                seen.add(listing.market.code)
                self.market.view(symbol, t)

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        await asyncio.to_thread(self._prewarm)
        self._runner = web.AppRunner(self.app(), access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        server = site._server
        sockets = getattr(server, "sockets", None) or []
        self.port = sockets[0].getsockname()[1] if sockets else port
        self.base_url = f"http://{host}:{self.port}"
        self.stream_url = f"ws://{host}:{self.port}/streamer/?version=2"
        log.info("simulator on %s (seed %s, %s frames/s)", self.base_url, self.seed, self.rate)

    async def stop(self) -> None:
        for ws in list(self._sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # -- REST --------------------------------------------------------------------------------------
    @web.middleware
    async def _fault_middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        if request.path.startswith(("/streamer", "/q=", "/utf8/q=", "/list=")):  # the quote pages: faults of their own
            return await handler(request)
        self.requests += 1
        self.paths.append(request.path)
        if self.faults.any:
            status, delay = self.faults.rest_fault()
            if delay:
                await asyncio.sleep(delay)
            if status == 429:
                return web.Response(text="Too Many Requests\r\n", status=429, content_type="text/html")
            if status == 500:
                return _finance_error("Internal Server Error", "simulated failure", 500)
        return await handler(request)

    def _has_cookie(self, request: web.Request) -> bool:
        return request.cookies.get("A3") == self.cookie

    def _authorized(self, request: web.Request) -> bool:
        return self._has_cookie(request) and request.query.get("crumb") == self.crumb

    async def _cookie(self, request: web.Request) -> web.Response:
        resp = web.Response(status=404, text="<html><body>Not Found</body></html>", content_type="text/html")
        # no Domain (so a jar sends it back to 127.0.0.1) and no Secure (plain http on loopback)
        resp.headers["Set-Cookie"] = f"A3={self.cookie}; Max-Age=31557600; Path=/; SameSite=Lax; HttpOnly"
        return resp

    async def _getcrumb(self, request: web.Request) -> web.Response:
        if not self._has_cookie(request):
            return _finance_error("Unauthorized", "Invalid Cookie", 401)
        return web.Response(text=self.crumb, content_type="text/plain")

    def _now(self) -> float:
        return self.clock.now()

    def _listed(self, symbol: str, t: float) -> bool:
        return self.market.knows(symbol) and self.market.is_listed(
            symbol, t - self.market.delay_seconds(symbol))

    async def _quote(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return _finance_error("Unauthorized", "Invalid Crumb", 401)
        if self.faults.hostile_error():
            return _json({"quoteResponse": {"result": None, "error": {"code": "Bad Request\x1b[2J",
                                                                      "description": HOSTILE_MESSAGE}}}, 400)
        t = self._now()
        wanted = [s.strip() for s in request.query.get("symbols", "").split(",") if s.strip()]
        result = [payloads.v7_quote(self.market, s, t) for s in dict.fromkeys(wanted) if self._listed(s, t)]
        if self.faults.hostile:
            for item in result:
                name = hostile_name(item["symbol"])
                item.update(shortName=name, longName=name, fullExchangeName=HOSTILE_MESSAGE, displayName=name)
        return _json({"quoteResponse": {"result": result, "error": None}})

    async def _summary(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return _finance_error("Unauthorized", "Invalid Crumb", 401)
        symbol = request.match_info["symbol"]
        t = self._now()
        if not self._listed(symbol, t):
            return _json({"quoteSummary": {"result": None, "error": {
                "code": "Not Found", "description": f"Quote not found for symbol: {symbol}"}}}, 404)
        modules = [m.strip() for m in request.query.get("modules", "price").split(",") if m.strip()]
        body = payloads.summary_modules(self.market, symbol, t, modules)
        if self.faults.hostile and "price" in body:
            body["price"].update(shortName=hostile_name(symbol), longName=hostile_name(symbol),
                                 exchangeName=HOSTILE_MESSAGE)
        if request.query.get("formatted", "true").lower() != "false":
            body = {name: payloads.format_module(module) for name, module in body.items()}
        return _json({"quoteSummary": {"result": [body], "error": None}})

    async def _chart(self, request: web.Request) -> web.Response:
        symbol = request.match_info["symbol"]
        t = self._now()
        if not self._listed(symbol, t):
            return _json({"chart": {"result": None, "error": {
                "code": "Not Found", "description": "No data found, symbol may be delisted"}}}, 404)
        if self.faults.hostile and request.query.get("range") == "1y":
            return _json({"chart": {"result": None, "error": {"code": "Bad Request\x9b2J",
                                                               "description": HOSTILE_MESSAGE}}}, 400)
        try:
            body = self._chart_body(symbol, request.query, t)
        except ValueError as exc:
            return _json({"chart": {"result": None, "error": {"code": "Unprocessable Entity",
                                                               "description": str(exc)}}}, 422)
        if self.faults.hostile:
            body["meta"].update(shortName=hostile_name(symbol), longName=hostile_name(symbol),
                                fullExchangeName=HOSTILE_MESSAGE)
        return _json({"chart": {"result": [body], "error": None}})

    async def _timeseries(self, request: web.Request) -> web.Response:
        from tui.sim.statements import timeseries_result

        # Yahoo answered a request without crumb in 2025; the simulator asks for the session all the same, so a
        # client that forgot it is caught here
        if not self._authorized(request):
            return _finance_error("Unauthorized", "Invalid Crumb", 401)
        symbol = request.match_info["symbol"]
        t = self._now()
        types = [s.strip() for s in request.query.get("type", "").split(",") if s.strip()]
        try:
            p1 = float(request.query.get("period1", 0))
            p2 = float(request.query.get("period2", t))
        except ValueError:
            return _json({"timeseries": {"result": None, "error": {
                "code": "Bad Request", "description": "period1 and period2 must be numbers"}}}, 400)
        result = timeseries_result(self.market, symbol, types, t, p1, p2, max_quarters=self.timeseries_max_quarters)
        return _json({"timeseries": {"result": result, "error": None}})

    def _chart_body(self, symbol: str, query: Any, t: float) -> dict[str, Any]:
        market = self.market
        li = market.listing(symbol)
        interval = query.get("interval", "1d")
        range_ = query.get("range", "")
        view = market.view(symbol, t)
        last_day = view.day
        if "period1" in query:
            try:
                p1 = float(query["period1"])
                p2 = float(query.get("period2", t))
            except ValueError:
                raise ValueError("Invalid input - period1 and period2 must be integers") from None
            from tui.core.sessions import local_date

            first_day, last_day = local_date(li.market, p1), min(last_day, local_date(li.market, min(p2, t)))
            range_ = ""
        else:
            range_ = range_ or "1mo"
            if range_ == "ytd":
                first_day = last_day.replace(month=1, day=1)
            elif range_ == "max":
                first_day = market.start
            elif range_ in RANGE_DAYS:
                first_day = None
            else:
                raise ValueError(f"Invalid range: {range_}")
        if interval in INTRADAY:
            n_days = RANGE_DAYS.get(range_, 1) if first_day is None else (last_day - first_day).days + 1
            if n_days > INTRADAY_MAX_DAYS:
                raise ValueError(f"{interval} data not available for this range: the requested range must be "
                                 f"within the last {INTRADAY_MAX_DAYS} days.")
            days = market.trading_days(symbol, last_day - dt.timedelta(days=14), last_day)
            days = days[-n_days:] if first_day is None else [d for d in days if d >= first_day]
            bars = [b for d in days for b in market.intraday_bars(symbol, d, INTRADAY[interval], t)]
            prev = market.previous_close(symbol, days[0]) if days else None
            return payloads.chart_result(market, symbol, t, bars, granularity=interval, range_=range_,
                                         daily=False, previous_close=prev)
        if interval not in ("1d", "5d", "1wk", "1mo", "3mo"):
            raise ValueError(f"Invalid interval: {interval}")
        if first_day is None:
            if range_ in ("1d", "5d"):
                days = market.trading_days(symbol, last_day - dt.timedelta(days=14), last_day)
                first_day = days[-RANGE_DAYS[range_]] if days else last_day
            else:
                first_day = last_day - dt.timedelta(days=RANGE_DAYS[range_] - 1)
        bars = market.daily_bars(symbol, first_day, last_day, t)
        if interval != "1d":
            bars = _aggregate(bars, interval)
        prev = market.previous_close(symbol, bars[0].day) if bars else None
        return payloads.chart_result(market, symbol, t, bars, granularity=interval, range_=range_, daily=True,
                                     previous_close=prev)

    # -- Tencent's and Sina's quote pages -----------------------------------------------------------
    def _china_fault(self, source: str) -> tuple[web.Response | None, float]:
        """The fault switched on for `source`: a response to send instead (or None), and its lag in seconds."""
        self.china_requests[source] += 1
        mode, lag = self.faults.china(source)
        if mode == "down":
            return web.Response(status=502, text="<html><body>502 Bad Gateway</body></html>",
                                content_type="text/html"), lag
        if mode == "empty":
            return web.Response(body=b"", content_type="text/html", charset="GBK"), lag
        return None, lag

    def _keys(self, request: web.Request) -> list[str]:
        return list(dict.fromkeys(k.strip() for k in request.match_info["keys"].split(",") if k.strip()))

    def _tencent_body(self, request: web.Request, lag: float) -> str:
        from tui.feeds.china_keys import symbol_of

        t = self._now()
        parts: list[str] = []
        unknown = False
        for key in self._keys(request):
            if key.startswith("wh"):
                record = china_payloads.tencent_fx_record(self.market, key[2:], t - lag)
            else:
                symbol = symbol_of(key)
                # only the keys aiwatch asks for: real-time r_hk, sh, sz (the delayed hk form is Yahoo's job here)
                record = (china_payloads.tencent_record(self.market, symbol, t, lag)
                          if symbol is not None and not key.startswith("hk") else None)
            if record is None:
                unknown = True
            else:
                parts.append(record)
        if unknown:
            parts.append('v_pv_none_match="1";')
        return "\n".join(parts) + "\n"

    async def _tencent(self, request: web.Request) -> web.Response:
        fault, lag = self._china_fault("tencent")
        if fault is not None:
            return fault
        body = self._tencent_body(request, lag).encode("gb18030")
        return web.Response(body=body, content_type="text/html", charset="GBK")

    async def _tencent_utf8(self, request: web.Request) -> web.Response:
        fault, lag = self._china_fault("tencent")
        if fault is not None:
            return fault
        return web.Response(text=self._tencent_body(request, lag), content_type="text/html", charset="utf-8")

    async def _sina(self, request: web.Request) -> web.Response:
        fault, lag = self._china_fault("sina")
        if fault is not None:
            return fault
        if not request.headers.get("Referer", "").startswith(("https://finance.sina.com.cn",
                                                              "http://finance.sina.com.cn")):
            return web.Response(status=403, text="Kinsoku jikou desu!", content_type="text/html")
        from tui.feeds.china_keys import symbol_of

        t = self._now()
        parts = []
        for key in self._keys(request):
            symbol = symbol_of(key)
            record = china_payloads.sina_record(self.market, symbol, t, lag) if symbol is not None else None
            parts.append(record if record is not None else f'var hq_str_{key}="";')
        body = ("\n".join(parts) + "\n").encode("gb18030")
        return web.Response(body=body, content_type="application/javascript", charset="GBK")

    # -- streamer ----------------------------------------------------------------------------------
    async def _stream(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(heartbeat=None, autoping=True)
        await ws.prepare(request)
        self.streams_opened += 1
        self._sockets.add(ws)
        subscribed: dict[str, None] = {}
        sender = asyncio.create_task(self._send_loop(ws, request, subscribed))
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                try:
                    data = json.loads(msg.data)
                except ValueError:
                    continue
                if not isinstance(data, dict):
                    continue
                for symbol in data.get("subscribe") or []:
                    if isinstance(symbol, str) and symbol not in subscribed:
                        subscribed[symbol] = None
                        message = self._message(symbol, self._now())
                        if message is not None and not ws.closed:
                            await ws.send_str(frame_text(message))
                            self.frames_sent += 1
                for symbol in data.get("unsubscribe") or []:
                    subscribed.pop(symbol, None)
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        finally:
            sender.cancel()
            self._sockets.discard(ws)
        return ws

    def _message(self, symbol: str, t: float) -> str | None:
        """The frame's base64 message for `symbol` at t, or None when it has nothing to say (unknown, closed, not listed)."""
        market = self.market
        if not market.knows(symbol):
            return None
        delay = market.delay_seconds(symbol)
        key = (symbol, int((t - delay) * 2.0))
        if key in self._frame_cache:
            return self._frame_cache[key]
        tick = market.tick(symbol, t)
        name = hostile_name(symbol) if self.faults.hostile else None
        text = None if tick is None else pricing_message(market.listing(symbol), tick, short_name=name)
        self._frame_cache[key] = text
        if len(self._frame_cache) > FRAME_CACHE:
            self._frame_cache.popitem(last=False)
        return text

    async def _send_loop(self, ws: web.WebSocketResponse, request: web.Request,
                         subscribed: dict[str, None]) -> None:
        loop = asyncio.get_running_loop()
        started = loop.time()
        next_drop = started + self.faults.drop_every if self.faults.drop_every else None
        next_close = started + self.faults.close_every if self.faults.close_every else None
        budget = 0.0
        cursor = 0
        try:
            while not ws.closed:
                await asyncio.sleep(BATCH_SECONDS)
                now_wall = loop.time()
                if next_drop is not None and now_wall >= next_drop:
                    log.info("fault: dropping a stream connection")
                    transport = request.transport
                    if transport is not None:
                        transport.abort()
                    return
                if next_close is not None and now_wall >= next_close:
                    log.info("fault: closing a stream connection")
                    await ws.close()
                    return
                if not subscribed or self.rate <= 0:
                    budget = 0.0
                    continue
                budget = min(budget + self.rate * BATCH_SECONDS, max(1.0, self.rate))
                symbols = list(subscribed)
                t = self._now()
                sent_any = False
                tried = 0
                cork = _Cork(request.transport)
                while budget >= 1.0 and tried < len(symbols):
                    symbol = symbols[cursor % len(symbols)]
                    cursor += 1
                    if symbol not in subscribed:  # unsubscribed while this batch was being sent
                        tried += 1
                        continue
                    message = self._message(symbol, t)
                    if message is None:
                        tried += 1
                        continue
                    tried = 0
                    bad = self.faults.garbage_frame(message, t) if self.faults.garbage else None
                    text = bad if bad is not None else frame_text(message)
                    await ws.send_str(text)
                    self.frames_sent += 1
                    budget -= 1.0
                    sent_any = True
                cork.release()
                if not sent_any:
                    budget = min(budget, 1.0)  # nothing in session: do not build up a burst
        except (ConnectionResetError, RuntimeError, asyncio.CancelledError):
            return
        except Exception:
            log.exception("stream sender failed")


def _aggregate(bars: list, interval: str) -> list:
    """Weekly / monthly bars from daily ones (keyed by ISO week or month)."""
    from tui.sim.market import DayBar

    def key(day: dt.date) -> tuple[int, ...]:
        if interval == "1wk":
            return tuple(day.isocalendar()[:2])
        if interval == "1mo":
            return (day.year, day.month)
        if interval == "3mo":
            return (day.year, (day.month - 1) // 3)
        return (day.toordinal() // 5,)

    out: list[DayBar] = []
    group: list[DayBar] = []
    for bar in bars + [None]:  # type: ignore[list-item]
        if group and (bar is None or key(bar.day) != key(group[0].day)):
            out.append(DayBar(group[0].day, group[0].start, group[0].open, max(b.high for b in group),
                              min(b.low for b in group), group[-1].close, sum(b.volume for b in group)))
            group = []
        if bar is not None:
            group.append(bar)
    return out


def run_simulate(port: int, rate: float, seed: int, at: dt.datetime | None, speed: float,
                 faults: str | None) -> int:
    """`aiwatch simulate`: serve until Ctrl+C / SIGTERM; prints the URLs to point a client at."""
    clock = Clock(at=at, speed=speed)
    sim = Simulator(clock, seed=seed, rate=rate, faults=faults)

    async def main() -> None:
        await sim.start(port=port)
        print(f"aiwatch simulator (SIMULATED DATA, seed {seed}) at {clock.now_dt():%Y-%m-%d %H:%M:%S} UTC")
        print(f"  REST:   {sim.base_url}  (Yahoo; Tencent /q=..., Sina /list=... on the same port)")
        print(f"  stream: {sim.stream_url}")
        print("export these to point aiwatch at it:")
        print(f"  export AIWATCH_YAHOO_URL={sim.base_url}")
        print(f"  export AIWATCH_STREAM_URL='{sim.stream_url}'")
        print(f"  export AIWATCH_TENCENT_URL={sim.base_url} AIWATCH_SINA_URL={sim.base_url}")
        print("Ctrl+C stops it.", flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.add_signal_handler(sig, stop.set)
            except (NotImplementedError, RuntimeError):
                pass
        try:
            await stop.wait()
        finally:
            await sim.stop()

    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
    except OSError as exc:
        raise ValueError(f"cannot serve on 127.0.0.1:{port}: {exc}") from exc
    return 0


class _Cork:
    """A batch of frames leaves in as few TCP segments as the kernel can make of it (Linux TCP_CORK).

    Without it every frame of a 50 ms batch is its own write and its own segment, and the client wakes up for
    each; a server that sends a burst, as Yahoo's streamer does when many symbols trade at once, fills segments.
    Elsewhere (no TCP_CORK) frames go out one by one as before."""

    def __init__(self, transport) -> None:
        self.sock = None
        if hasattr(socket, "TCP_CORK") and transport is not None:
            sock = transport.get_extra_info("socket")
            if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
                try:
                    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, 1)
                    self.sock = sock
                except OSError:
                    self.sock = None

    def release(self) -> None:
        if self.sock is not None:
            try:
                self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, 0)
            except OSError:
                pass
            self.sock = None
