"""A tiny HTTP forward proxy on loopback, for the proxy tests (helper, not a test module).

It handles what aiwatch's clients send a proxy: absolute-form requests (`GET http://host:port/path`, also the
websocket upgrade of a `ws://` URL) and CONNECT tunnels. It records each request line, so a test can check
that REST and the stream both went through it. Only GETs without bodies are expected (that is all aiwatch sends).
"""

from __future__ import annotations

import asyncio
import contextlib
from urllib.parse import urlsplit


class TinyProxy:
    def __init__(self) -> None:
        self.requests: list[str] = []  # "GET http://127.0.0.1:1234/v7/finance/quote?..." or "CONNECT host:port"
        self._server: asyncio.AbstractServer | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()

    async def start(self) -> TinyProxy:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        return self

    @property
    def url(self) -> str:
        assert self._server is not None
        port = self._server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        """Close every connection, so each handler reads its end and returns. Cancelling them instead makes
        Python 3.11's stream callback log "Exception in callback ... CancelledError" at ERROR (fixed in 3.12)."""
        if self._server is not None:
            self._server.close()
        for w in list(self._writers):
            w.close()
        if self._tasks:
            _, stuck = await asyncio.wait(set(self._tasks), timeout=5)
            for t in stuck:
                t.cancel()
            await asyncio.gather(*stuck, return_exceptions=True)

    def saw(self, fragment: str) -> bool:
        return any(fragment in r for r in self.requests)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self._writers.add(writer)
        up_w: asyncio.StreamWriter | None = None
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            method, target, version, rest = _split(head)
            self.requests.append(f"{method} {target}")
            if method == "CONNECT":
                host, port = target.rsplit(":", 1)
                up_r, up_w = await asyncio.open_connection(host, int(port))
                self._writers.add(up_w)
                writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
                await writer.drain()
                await _pipe_both(reader, writer, up_r, up_w)
                return
            parts = urlsplit(target)
            up_r, up_w = await asyncio.open_connection(parts.hostname, parts.port or 80)
            self._writers.add(up_w)
            up_w.write(_origin_form(method, target, version) + rest)
            await up_w.drain()
            back = asyncio.ensure_future(_pipe(up_r, writer))
            try:
                if b"upgrade: websocket" in rest.lower():
                    await _pipe(reader, up_w)  # after the upgrade: websocket frames both ways
                else:
                    while True:  # keep-alive: further requests on this connection, each rewritten
                        head = await reader.readuntil(b"\r\n\r\n")
                        method, target, version, rest = _split(head)
                        self.requests.append(f"{method} {target}")
                        up_w.write(_origin_form(method, target, version) + rest)
                        await up_w.drain()
            except (asyncio.IncompleteReadError, ConnectionError):
                pass
            finally:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(back, 1.0)
        except (asyncio.IncompleteReadError, ConnectionError, OSError, asyncio.LimitOverrunError):
            pass
        finally:
            for w in (writer, up_w):
                if w is not None:
                    with contextlib.suppress(Exception):
                        w.close()
                    self._writers.discard(w)
            self._tasks.discard(task)


def _split(head: bytes) -> tuple[str, str, str, bytes]:
    line, _, rest = head.partition(b"\r\n")
    method, target, version = line.decode("latin-1").split(" ", 2)
    return method, target, version, rest


def _origin_form(method: str, target: str, version: str) -> bytes:
    parts = urlsplit(target)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return f"{method} {path} {version}\r\n".encode("latin-1")


async def _pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
    try:
        while data := await src.read(65536):
            dst.write(data)
            await dst.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        with contextlib.suppress(Exception):
            dst.close()


async def _pipe_both(a_r, a_w, b_r, b_w) -> None:
    await asyncio.gather(_pipe(a_r, b_w), _pipe(b_r, a_w))
