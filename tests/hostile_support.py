"""What a hostile data source leaves behind when it gets through, and small misbehaving servers (helper, not a test
module).

The simulator's `hostile` fault switch (tui/sim/faults.py) puts escape sequences, C1 controls, NUL, bidi overrides
and 10,000-character names in everything it names. `traces` lists what of them survives in some output: the
sequences' introducers, the bytes a terminal acts on, and the words that only exist *inside* an escape sequence
("PWNED", the OSC 52 payload), which survive only if a sequence was not removed whole.

`Server` runs a small aiohttp application on loopback in a thread of its own, for `aiwatch snapshot` run as a
subprocess: `all_429` answers 429 to every request (the websocket's upgrade too), `garbage` answers HTML where
JSON and crumbs are expected and unreadable websocket frames.
"""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from aiohttp import web

# what must never reach a terminal, a file or a log from a hostile source
MARKERS: dict[str, bytes] = {  # (Textual writes OSC 22, the pointer's shape, itself)
    "OSC 0 title": b"\x1b]0;",
    "OSC 52 clipboard": b"\x1b]52;",
    "OSC 8 hyperlink": b"\x1b]8;",
    "OSC 0 payload": b"PWNED",
    "OSC 52 payload": b"cHduZWQt",
    "CSI clear screen": b"\x1b[2J",
    "CSI cursor report": b"\x1b[6n",
    "CSI cursor move": b"\x1b[9;9;9H",
    "C1 CSI": "\x9b".encode(),
    "C1 OSC": "\x9d".encode(),
    "C1 ST": "\x9c".encode(),
    "NUL": b"\x00",
    "bidi override": "\u202e".encode(),
    "bidi pop": "\u202c".encode(),
    "bidi isolate": "\u2066".encode(),
}
# in text (a file, a log): no escape character at all, nor any other C0 control but newline
TEXT_MARKERS = {**MARKERS, "ESC": b"\x1b", "BEL": b"\x07", "CR": b"\r", "TAB": b"\t"}
# only the characters themselves: for text that shows a hostile value escaped (repr() in a file's problem,
# \u001b in JSON), where the words of the payload are harmless text
CONTROL_MARKERS = {k: v for k, v in TEXT_MARKERS.items() if "payload" not in k}


# A user's watchlist file as hostile as a source: escapes in the title, names, company, note, pair name; a
# description past 500 characters and a name of 10,000.
HOSTILE_TOML = """\
title = "Chips\\u001b]0;PWNED\\u0007 \\u202eevil"
description = "{desc}"
[[instrument]]
symbol = "NVDA"
name = "=HYPERLINK(\\"http://evil.example/\\",\\"x\\")\\u001b[2J"
side = "us"
company = "nvidia\\u0000"
note = "\\u009b31mred\\u009d0;PWNED\\u009c"
[[instrument]]
symbol = "0981.HK"
name = "{long}"
side = "cn"
[[pair]]
name = "AI chips\\u2066\\u2069\\u001b[6n"
us = "NVDA"
cn = "0981.HK"
"""


def hostile_watchlist(directory: Path, name: str = "evil") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.toml"
    path.write_text(HOSTILE_TOML.format(desc="\\u001b]52;c;cHduZWQtY2xpcGJvYXJk\\u0007" + "d" * 2_000,
                                        long="-" + "W" * 9_999), encoding="utf-8")
    return path


def traces(data: bytes | str, markers: dict[str, bytes] = MARKERS) -> list[str]:
    """The markers found in `data`."""
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    return [name for name, marker in markers.items() if marker in raw]


class Server:
    """An aiohttp application on 127.0.0.1 in a thread of its own (stop() ends it)."""

    def __init__(self, app: web.Application) -> None:
        self._app = app
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._runner: web.AppRunner | None = None
        self.port = 0
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the test server did not start")

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)

        async def start() -> None:
            self._runner = web.AppRunner(self._app, access_log=None)
            await self._runner.setup()
            site = web.TCPSite(self._runner, "127.0.0.1", 0)
            await site.start()
            self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
            self._ready.set()

        self._loop.run_until_complete(start())
        self._loop.run_forever()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def stream_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/streamer/?version=2"

    def stop(self) -> None:
        async def cleanup() -> None:
            if self._runner is not None:
                await self._runner.cleanup()

        asyncio.run_coroutine_threadsafe(cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)


def all_429() -> web.Application:
    """Every request, the websocket's upgrade included, answered 429 Too Many Requests."""

    async def handler(request: web.Request) -> web.Response:
        return web.Response(status=429, text="Too Many Requests\r\n", content_type="text/html")

    app = web.Application()
    app.router.add_route("GET", "/{tail:.*}", handler)
    return app


def garbage() -> web.Application:
    """A server that is not Yahoo: HTML for every REST request, websocket frames that are not pricing frames."""

    async def page(request: web.Request) -> web.Response:
        return web.Response(status=200, text="<html><body>Welcome to nginx!</body></html>", content_type="text/html")

    async def stream(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        async for _msg in ws:  # every subscription answered with frames nobody can read
            for _ in range(30):
                await ws.send_str("<html>not a frame</html>")
        return ws

    app = web.Application()
    app.router.add_get("/streamer/", stream)
    app.router.add_route("GET", "/{tail:.*}", page)
    return app
