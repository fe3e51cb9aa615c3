"""A small fake Yahoo for the feed tests: recorded REST bodies, a scriptable streamer websocket.

Helper for tests/test_feeds_*.py (not a test module itself). It serves what ../shared/yahoo-recorded/ holds;
tests using it skip when that folder is absent.
"""

from __future__ import annotations

import asyncio
import base64
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp import WSMsgType, web
from aiohttp.test_utils import TestServer

from tui.feeds.pricing import PricingData

RECORDED = Path(__file__).resolve().parents[1].parent / "shared" / "yahoo-recorded"


def need_recorded() -> None:
    if not RECORDED.is_dir():
        pytest.skip(f"recorded Yahoo responses not found at {RECORDED}")


def _body(path: Path) -> dict[str, Any]:
    doc = json.loads(path.read_text())
    return doc["body"] if "body" in doc and "status" in doc else doc


def recorded_v7_results() -> dict[str, dict[str, Any]]:
    """Every recorded v7 quote result, by symbol (later files win)."""
    out: dict[str, dict[str, Any]] = {}
    for path in sorted([*RECORDED.glob("quote-*.json"), *RECORDED.glob("quote_*.json")]):
        for item in _body(path)["quoteResponse"]["result"]:
            out[item["symbol"]] = item
    return out


def recorded_summary_baba() -> dict[str, Any]:
    modules: dict[str, Any] = {}
    for path in sorted(RECORDED.glob("quoteSummary-*-BABA.json")):
        modules.update(_body(path)["quoteSummary"]["result"][0])
    return modules


def recorded_frames() -> list[str]:
    return [ln for ln in (RECORDED / "stream-frames.jsonl").read_text().splitlines() if ln.strip()]


def make_frame(symbol: str, price: float, time_ms: int, **fields: Any) -> str:
    msg = PricingData(id=symbol, price=price, time=time_ms, **fields)
    return json.dumps({"type": "pricing", "message": base64.b64encode(msg.SerializeToString()).decode()})


@dataclass
class Connection:
    received: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class FakeYahoo:
    """Modes per websocket connection, taken in order from `ws_script` (the last one repeats):
    "hold" (send frames, stay open), "clean" (send frames, close cleanly), "abrupt" (send frames, drop the
    TCP connection), "immediate" (close at once)."""

    crumb: str = "crumbA"
    crumb_handed: str | None = None  # what /getcrumb hands out, when not `crumb`
    ws_script: list[str] = field(default_factory=lambda: ["hold"])
    frames: list[str] = field(default_factory=list)
    force_429: int = 0  # answer this many requests with 429
    retry_after: str | None = None
    v7: dict[str, dict[str, Any]] = field(default_factory=dict)
    summaries: dict[str, dict[str, Any]] = field(default_factory=dict)
    log: list[tuple[float, str, dict[str, str]]] = field(default_factory=list)  # (monotonic, path, query)
    cookie_seen: list[bool] = field(default_factory=list)
    connections: list[Connection] = field(default_factory=list)
    ws_attempts: list[float] = field(default_factory=list)
    server: TestServer | None = None
    _open_ws: list[web.WebSocketResponse] = field(default_factory=list)

    # -- life cycle ---------------------------------------------------------------------------------------
    async def start(self) -> FakeYahoo:
        app = web.Application()
        app.router.add_get("/", self._cookie)
        app.router.add_get("/v1/test/getcrumb", self._getcrumb)
        app.router.add_get("/v7/finance/quote", self._quote)
        app.router.add_get("/v10/finance/quoteSummary/{symbol}", self._summary)
        app.router.add_get("/v8/finance/chart/{symbol}", self._chart)
        app.router.add_get("/streamer/", self._ws)
        self.server = TestServer(app, host="127.0.0.1")
        await self.server.start_server()
        return self

    async def stop(self) -> None:
        for ws in list(self._open_ws):
            await ws.close()
        if self.server is not None:
            await self.server.close()

    @property
    def base_url(self) -> str:
        assert self.server is not None
        return str(self.server.make_url("")).rstrip("/")

    @property
    def stream_url(self) -> str:
        assert self.server is not None
        return str(self.server.make_url("/streamer/")).replace("http://", "ws://") + "?version=2"

    def paths(self) -> list[str]:
        return [p for _, p, _ in self.log]

    # -- REST ---------------------------------------------------------------------------------------------
    def _record(self, request: web.Request) -> web.Response | None:
        self.log.append((time.monotonic(), request.path, dict(request.query)))
        self.cookie_seen.append("A3" in request.cookies)
        if self.force_429 > 0:
            self.force_429 -= 1
            headers = {"Retry-After": self.retry_after} if self.retry_after else {}
            return web.Response(status=429, text="Too Many Requests", headers=headers)
        return None

    def _auth_failed(self, request: web.Request) -> web.Response | None:
        if "A3" not in request.cookies or request.query.get("crumb") != self.crumb:
            return web.json_response(
                {
                    "finance": {
                        "result": None,
                        "error": {"code": "Unauthorized", "description": "Invalid Crumb"},
                    }
                },
                status=401,
            )
        return None

    async def _cookie(self, request: web.Request) -> web.Response:
        if (r := self._record(request)) is not None:
            return r
        resp = web.Response(status=404, text="Not Found")
        resp.set_cookie("A3", "d=fake&S=fake", path="/", httponly=True)
        return resp

    async def _getcrumb(self, request: web.Request) -> web.Response:
        if (r := self._record(request)) is not None:
            return r
        if "A3" not in request.cookies:
            return web.Response(status=401, text="")
        return web.Response(text=self.crumb_handed or self.crumb, content_type="text/plain")

    async def _quote(self, request: web.Request) -> web.Response:
        if (r := self._record(request) or self._auth_failed(request)) is not None:
            return r
        symbols = [s for s in request.query.get("symbols", "").split(",") if s]
        result = [self.v7[s] for s in symbols if s in self.v7]
        return web.json_response({"quoteResponse": {"result": result, "error": None}})

    async def _summary(self, request: web.Request) -> web.Response:
        if (r := self._record(request) or self._auth_failed(request)) is not None:
            return r
        symbol = request.match_info["symbol"]
        if symbol not in self.summaries:
            return web.json_response(
                {
                    "quoteSummary": {
                        "result": None,
                        "error": {
                            "code": "Not Found",
                            "description": f"Quote not found for symbol: {symbol}",
                        },
                    }
                },
                status=404,
            )
        return web.json_response({"quoteSummary": {"result": [self.summaries[symbol]], "error": None}})

    async def _chart(self, request: web.Request) -> web.Response:
        if (r := self._record(request) or self._auth_failed(request)) is not None:
            return r
        return web.json_response(_body(RECORDED / "chart-0700.HK-5d.json"))

    # -- streamer -----------------------------------------------------------------------------------------
    async def _ws(self, request: web.Request) -> web.StreamResponse:
        index = len(self.ws_attempts)
        self.ws_attempts.append(time.monotonic())
        mode = self.ws_script[min(index, len(self.ws_script) - 1)]
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        conn = Connection()
        self.connections.append(conn)
        if mode == "immediate":
            await ws.close()
            return ws
        self._open_ws.append(ws)
        try:
            # wait for the first subscription, then answer with the frames
            msg = await ws.receive(timeout=5)
            if msg.type == WSMsgType.TEXT:
                conn.received.append(json.loads(msg.data))
            for frame in self.frames:
                await ws.send_str(frame)
            if mode == "clean":
                await ws.close()
                return ws
            if mode == "abrupt":
                assert request.transport is not None
                request.transport.abort()
                return ws
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    conn.received.append(json.loads(msg.data))
        except (TimeoutError, ConnectionError):
            pass
        finally:
            if ws in self._open_ws:
                self._open_ws.remove(ws)
        return ws

    def subscriptions(self, index: int) -> list[list[str]]:
        return [m["subscribe"] for m in self.connections[index].received if "subscribe" in m]


async def wait_for(predicate, timeout: float = 5.0, what: str = "condition") -> None:
    """Poll `predicate` until true; fail the test after `timeout` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)
