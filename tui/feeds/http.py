"""HTTP for the REST clients: the response they read, the transport protocol they speak through, and the aiohttp
transport (loopback servers, the China quote sources; `tui/feeds/transport_curl.py` adds curl_cffi for Yahoo).

After `close()`, a transport refuses every request (ConnectionError) instead of opening a new session: a request
still on its way at shutdown must not leave a session nobody will close.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import aiohttp
from yarl import URL

USER_AGENT = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    headers: Mapping[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


class Transport(Protocol):
    """What a REST client needs from HTTP: GET with params, cookies kept between calls; after `close()`, every GET
    raises ConnectionError."""

    async def get(self, url: str, params: Mapping[str, str] | None = None) -> Response: ...

    async def close(self) -> None: ...


class AiohttpTransport:
    """aiohttp with a cookie jar that also keeps cookies from IP hosts (the simulator on 127.0.0.1)."""

    def __init__(
        self, *, proxy: str | None = None, timeout: float = 20.0, user_agent: str = USER_AGENT,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self._proxy = proxy
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._headers = {
            "User-Agent": user_agent,
            "Accept": "application/json,text/plain,*/*",
            "Accept-Language": "en-US,en;q=0.9",
            **(headers or {}),  # e.g. Sina's Referer
        }
        self._session: aiohttp.ClientSession | None = None
        self._closed = False

    def _get_session(self) -> aiohttp.ClientSession:
        # closing is final: a request still on its way at shutdown (a worker between two symbols) must not open
        # a session nobody will close
        if self._closed:
            raise ConnectionError("the REST transport is closed")
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                cookie_jar=aiohttp.CookieJar(unsafe=True), headers=self._headers, timeout=self._timeout
            )
        return self._session

    async def get(self, url: str, params: Mapping[str, str] | None = None) -> Response:
        session = self._get_session()
        async with session.get(URL(url, encoded=True), params=params, proxy=self._proxy) as resp:
            body = await resp.read()
            return Response(resp.status, dict(resp.headers), body)

    async def close(self) -> None:
        self._closed = True
        session, self._session = self._session, None
        if session is not None and not session.closed:
            await session.close()
