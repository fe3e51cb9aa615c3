"""HTTP transports for YahooRest, and which one a run uses.

Yahoo throttles clients whose TLS handshake does not look like a browser's (2025; yfinance moved to
curl_cffi for that reason). So against Yahoo's real hosts the REST client speaks through curl_cffi with
browser impersonation (the library yfinance itself depends on), natively async: nothing blocks the event
loop. Against loopback (the simulator, test servers) plain aiohttp is used: there is no fingerprint to
match, and it keeps the demo free of libcurl. `$AIWATCH_TRANSPORT` (`curl` or `aiohttp`) overrides the
choice, for a user whose curl_cffi build misbehaves.

The proxy given here applies to every REST request; the websocket (tui/feeds/yahoo_stream.py) takes the
same proxy URL.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Any

from tui.feeds.endpoints import Endpoints
from tui.feeds.http import USER_AGENT, AiohttpTransport, Response, Transport

log = logging.getLogger(__name__)

ENV_TRANSPORT = "AIWATCH_TRANSPORT"
IMPERSONATE = "chrome"  # curl_cffi's alias for its newest Chrome fingerprint


class CurlTransport:
    """curl_cffi's AsyncSession, impersonating Chrome; cookies kept in the session between calls.

    Errors come out as the built-in exceptions the REST client and the feed already expect:
    `TimeoutError` for timeouts and `ConnectionError` (an OSError) for everything else libcurl reports, each
    carrying the cause libcurl's error code names (`trouble_cause`, read by tui/feeds/trouble.py).
    """

    def __init__(
        self, *, proxy: str | None = None, timeout: float = 20.0, impersonate: str = IMPERSONATE
    ) -> None:
        self.proxy = proxy or None
        self.timeout = timeout
        self.impersonate = impersonate
        self._session: Any = None
        self._closed = False

    def _get_session(self) -> Any:
        if self._closed:  # closing is final, as for AiohttpTransport
            raise ConnectionError("the REST transport is closed")
        if self._session is None:
            from curl_cffi.requests import AsyncSession  # imported lazily: the demo never needs libcurl

            self._session = AsyncSession(
                impersonate=self.impersonate,
                timeout=self.timeout,
                proxy=self.proxy,
                # the impersonated browser's own User-Agent and header order are kept; JSON preferred
                headers={"Accept": "application/json,text/plain,*/*", "Accept-Language": "en-US,en;q=0.9"},
            )
        return self._session

    async def get(self, url: str, params: Mapping[str, str] | None = None) -> Response:
        from curl_cffi.curl import CurlError
        from curl_cffi.requests.exceptions import RequestException, Timeout

        session = self._get_session()
        try:
            resp = await session.get(url, params=dict(params) if params else None, allow_redirects=True)
        except Timeout as exc:
            err: OSError = TimeoutError(f"timed out: {_short(exc)}")
            err.trouble_cause = curl_cause(getattr(exc, "code", None), proxied=bool(self.proxy),  # type: ignore[attr-defined]
                                           text=str(exc))
            raise err from None
        except (RequestException, CurlError) as exc:
            err = ConnectionError(_short(exc))
            err.trouble_cause = curl_cause(getattr(exc, "code", None), proxied=bool(self.proxy),  # type: ignore[attr-defined]
                                           text=str(exc))
            raise err from None
        return Response(resp.status_code, dict(resp.headers.items()), bytes(resp.content))

    async def close(self) -> None:
        self._closed = True
        session, self._session = self._session, None
        if session is not None:
            try:
                await session.close()
            except Exception:  # closing: nothing left to save
                log.debug("curl session close failed", exc_info=True)


# libcurl's error codes (curl.h, CURLcode) by the cause they stand for
_CURL_TLS = {35, 51, 53, 54, 58, 59, 60, 64, 66, 77, 80, 82, 83, 90, 91, 98}
_CURL_NETWORK = {52, 55, 56}  # nothing answered, send or receive failed mid-way


def curl_cause(code: object, *, proxied: bool, text: str = ""):
    """The trouble.Cause a libcurl error code stands for (through a proxy, failures to connect are the proxy's)."""
    from tui.feeds.trouble import Cause

    try:
        code = int(code)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        code = -1
    lowered = text.lower()
    if code in (5, 97) or (proxied and ("proxy" in lowered or "connect tunnel" in lowered)):
        return Cause.PROXY
    if code == 6:
        return Cause.DNS
    if code == 7:
        return Cause.PROXY if proxied else Cause.REFUSED
    if code == 28:
        return Cause.TIMEOUT
    if code in _CURL_TLS:
        return Cause.TLS
    if code in _CURL_NETWORK:
        return Cause.NETWORK
    return Cause.NETWORK


def _short(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:200]


def transport_kind(endpoints: Endpoints) -> str:
    """"curl" for Yahoo's real hosts (or any non-loopback URL), "aiohttp" for loopback; $AIWATCH_TRANSPORT wins."""
    forced = os.environ.get(ENV_TRANSPORT, "").strip().lower()
    if forced in ("curl", "aiohttp"):
        return forced
    if forced:
        log.warning("%s=%r not understood (curl or aiohttp): choosing by host", ENV_TRANSPORT, forced)
    return "aiohttp" if endpoints.is_local else "curl"


def make_transport(endpoints: Endpoints, *, proxy: str | None = None, timeout: float = 20.0) -> Transport:
    kind = transport_kind(endpoints)
    if kind == "curl":
        try:
            import curl_cffi  # noqa: F401
        except ImportError:
            log.warning("curl_cffi is not installed: falling back to aiohttp (Yahoo may throttle it)")
            kind = "aiohttp"
    log.info("REST transport: %s%s", kind, " via proxy" if proxy else "")
    if kind == "curl":
        return CurlTransport(proxy=proxy, timeout=timeout)
    return AiohttpTransport(proxy=proxy, timeout=timeout, user_agent=USER_AGENT)
