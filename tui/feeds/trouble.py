"""Why a feed has no data: a small model of a source's failures, which the status line and `aiwatch snapshot` render.

Each channel of a source (REST, the stream) holds at most one `Trouble`: what went wrong (its `Cause`), whom it
concerns (the source's name, the host asked), since when (app clock, the first failure of the run) and when the
next try is. The REST client and the stream client record a trouble where a request or a connection fails and clear
it when an answer is read; the feed hands the most telling one to its status. The app's status line shows
`Trouble.describe()`, and `aiwatch snapshot` prints the same words before the symbols it is missing and exits
with the cause's own status (`EXIT_STATUS`, listed by `aiwatch snapshot --help`):

    rate-limited by Yahoo (HTTP 429) since 14:02; next try 14:04
    cannot connect to 127.0.0.1:8765: connection refused since 14:02; next try 14:03
    cannot resolve query2.finance.yahoo.com (DNS failure) since 14:02; next try 14:03

`classify` turns an exception of the HTTP and websocket clients (aiohttp, curl_cffi through
tui/feeds/transport_curl.py, ssl, socket) into a Cause. Every detail is the server's or the library's words,
cleaned (tui/sanitize.py). Nothing here does I/O.
"""

from __future__ import annotations

import socket
import ssl
import time
from dataclasses import dataclass, replace
from enum import StrEnum
from urllib.parse import urlsplit

from tui.sanitize import clean_message, clean_name


class Cause(StrEnum):
    RATE_LIMITED = "rate-limited"  # HTTP 429, or inside the back-off it started
    REFUSED = "refused"  # nothing listens on the host's port
    DNS = "dns"  # the host's name does not resolve
    TIMEOUT = "timeout"  # no answer in time
    NETWORK = "network"  # the connection broke: reset, unreachable, closed mid-answer
    TLS = "tls"  # the TLS handshake or the certificate failed
    PROXY = "proxy"  # the proxy cannot be reached or would not connect us
    AUTH = "auth"  # the cookie or the crumb was refused
    GARBAGE = "garbage"  # the answer is not what the protocol says (not JSON, unreadable frames)
    SERVER = "server"  # an HTTP error status or an error document


# `aiwatch snapshot`'s exit status when quotes are missing, by the cause it names (3: missing, no failure seen).
EXIT_MISSING = 3
EXIT_STATUS: dict[Cause, int] = {
    Cause.RATE_LIMITED: 4,
    Cause.REFUSED: 5,
    Cause.DNS: 5,
    Cause.TIMEOUT: 5,
    Cause.NETWORK: 5,
    Cause.TLS: 6,
    Cause.PROXY: 7,
    Cause.AUTH: 8,
    Cause.GARBAGE: 9,
    Cause.SERVER: 10,
}
EXIT_HELP = (
    "exit status: 0 every quote printed; 2 bad usage or unknown watchlist; 3 quotes missing at the timeout, no "
    "failure seen; when quotes are missing because the source failed: 4 rate-limited (HTTP 429), 5 cannot reach "
    "the host (connection refused, DNS failure, timeout, connection broken), 6 TLS failure, 7 proxy failure, "
    "8 cookie or crumb refused, 9 the source answers garbage, 10 the source answers an HTTP error; 1 anything "
    "else (details in the log)"
)


def clock_time(t: float | None) -> str:
    """HH:MM in local time, as the header's clocks and the status line show times."""
    return "?" if t is None else time.strftime("%H:%M", time.localtime(t))


def host_of(url: str) -> str:
    """`host:port` of a URL (as typed: no user, no password), cleaned; the URL itself when it has none."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return clean_name(url)
    if not host:
        return clean_name(url)
    host = f"[{host}]" if ":" in host else host
    return clean_name(f"{host}:{port}" if port else host)


def source_name_of(url: str) -> str:
    """What a failure calls the source at `url`: "Yahoo" for Yahoo's own hosts, else its host."""
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        host = ""
    if host == "yahoo.com" or host.endswith(".yahoo.com"):
        return "Yahoo"
    return host_of(url)


@dataclass(frozen=True, slots=True)
class Trouble:
    cause: Cause
    source: str  # "Yahoo", "the demo simulator", or the host of another server
    host: str  # the host (or proxy) the failed request went to, host:port
    detail: str = ""  # the library's or the server's words, cleaned: "HTTP 503", "certificate verify failed"
    status: int | None = None  # the HTTP status, when there was one
    since: float | None = None  # app clock: the first failure of this run
    next_try: float | None = None  # app clock
    channel: str = "REST"  # "REST" or "stream"

    def __post_init__(self) -> None:
        object.__setattr__(self, "detail", clean_message(self.detail))
        object.__setattr__(self, "source", clean_name(self.source))
        object.__setattr__(self, "host", clean_name(self.host))

    @property
    def exit_status(self) -> int:
        return EXIT_STATUS[self.cause]

    def what(self) -> str:
        """What went wrong, without the times."""
        c, detail = self.cause, self.detail
        status = f"HTTP {self.status}" if self.status else ""
        if c is Cause.RATE_LIMITED:
            return f"rate-limited by {self.source} ({status or 'HTTP 429'})"
        if c is Cause.REFUSED:
            return f"cannot connect to {self.host}: connection refused"
        if c is Cause.DNS:
            return f"cannot resolve {self.host} (DNS failure)"
        if c is Cause.TIMEOUT:
            return f"no answer from {self.host} (timed out)"
        if c is Cause.NETWORK:
            return f"connection to {self.host} failed" + (f": {detail}" if detail else "")
        if c is Cause.TLS:
            return f"TLS failure with {self.host}" + (f": {detail}" if detail else "")
        if c is Cause.PROXY:
            return f"proxy failure ({self.host})" + (f": {detail}" if detail else "")
        if c is Cause.AUTH:
            return f"{self.source} refused the cookie or crumb" + (f" ({status})" if status else "")
        if c is Cause.GARBAGE:
            return f"{self.source} answers garbage" + (f": {detail}" if detail else "")
        return f"{self.source} answers an error" + (f": {detail or status}" if detail or status else "")

    def describe(self) -> str:
        """One line: what went wrong, since when, when the next try is. The stream's troubles say so."""
        text = self.what()
        if self.channel != "REST":
            text = f"{self.channel}: {text}"
        if self.since is not None:
            text += f" since {clock_time(self.since)}"
        if self.next_try is not None:
            text += f"; next try {clock_time(self.next_try)}"
        return text


class TroubleSlot:
    """One channel's current trouble: a failure of the same cause keeps the time the run of failures began."""

    def __init__(self) -> None:
        self.current: Trouble | None = None

    def failed(self, trouble: Trouble, now: float) -> Trouble:
        held = self.current
        since = held.since if held is not None and held.cause is trouble.cause else now
        self.current = replace(trouble, since=since)
        return self.current

    def next_try(self, when: float | None) -> None:
        if self.current is not None:
            self.current = replace(self.current, next_try=when)

    def clear(self) -> None:
        self.current = None


def combined(*troubles: Trouble | None) -> str | None:
    """The troubles in order, each cause said once (REST's first: the quotes come that way first)."""
    seen: set[Cause] = set()
    parts = []
    for t in troubles:
        if t is not None and t.cause not in seen:
            seen.add(t.cause)
            parts.append(t.describe())
    return "; ".join(parts) or None


# -- what an exception says ---------------------------------------------------------------------------------------

_TLS_WORDS = ("ssl", "tls", "certificate", "handshake")
_DNS_WORDS = ("name or service not known", "nodename nor servname", "temporary failure in name resolution",
              "no address associated", "could not resolve", "getaddrinfo")
_PROXY_WORDS = ("proxy", "connect tunnel")


def _short(exc: BaseException) -> str:
    """The words of `exc` worth showing: the TLS library's reason, the OS's error, else its first line."""
    inner = getattr(exc, "certificate_error", None) or getattr(exc, "os_error", None) or exc
    if isinstance(inner, ssl.SSLError | ssl.CertificateError):
        reason = getattr(inner, "verify_message", None) or getattr(inner, "reason", None)
        if reason:
            return clean_message(str(reason).replace("_", " ").lower())
    if inner is not exc and isinstance(inner, OSError) and (inner.errno or inner.strerror):
        import os

        return clean_message((os.strerror(inner.errno) if inner.errno else inner.strerror).lower())
    text = str(exc)
    return clean_message(text.splitlines()[0] if text else type(exc).__name__)


def classify(exc: BaseException, *, url: str, source: str, proxy: str | None = None,
             channel: str = "REST") -> Trouble:
    """The Trouble an exception raised while asking `url` (through `proxy`) stands for."""
    host = host_of(url)
    proxy_host = host_of(proxy) if proxy else host
    cause = _cause_of(exc, proxied=bool(proxy))
    status = getattr(exc, "status", None)
    if not isinstance(status, int):
        status = None
    if cause is Cause.PROXY:
        host = proxy_host
    detail = _short(exc)
    if cause is Cause.SERVER and status == 429:
        cause = Cause.RATE_LIMITED
    return Trouble(cause, source, host, detail=detail, status=status, channel=channel)


def _cause_of(exc: BaseException, *, proxied: bool) -> Cause:
    import aiohttp

    given = getattr(exc, "trouble_cause", None)  # set by the transports that know better (curl's error codes)
    if isinstance(given, Cause):
        return given
    if isinstance(exc, (aiohttp.ClientProxyConnectionError, aiohttp.ClientHttpProxyError)):
        return Cause.PROXY
    if isinstance(exc, aiohttp.ClientConnectorDNSError):
        return Cause.DNS
    if isinstance(exc, (aiohttp.ClientSSLError, ssl.SSLError, ssl.CertificateError)):
        return Cause.TLS
    if isinstance(exc, aiohttp.WSServerHandshakeError):
        return Cause.RATE_LIMITED if exc.status == 429 else Cause.SERVER
    if isinstance(exc, aiohttp.ClientResponseError):
        return Cause.RATE_LIMITED if exc.status == 429 else Cause.SERVER
    if isinstance(exc, aiohttp.ClientConnectorError):
        inner = exc.os_error
        if isinstance(inner, socket.gaierror):
            return Cause.DNS
        if isinstance(inner, ssl.SSLError):
            return Cause.TLS
        if isinstance(inner, ConnectionRefusedError):
            return Cause.PROXY if proxied else Cause.REFUSED
        if isinstance(inner, TimeoutError):
            return Cause.PROXY if proxied else Cause.TIMEOUT
        return Cause.PROXY if proxied else Cause.NETWORK
    if isinstance(exc, socket.gaierror):
        return Cause.DNS
    if isinstance(exc, ConnectionRefusedError):
        return Cause.PROXY if proxied else Cause.REFUSED
    if isinstance(exc, TimeoutError):  # aiohttp's ServerTimeoutError and asyncio's are TimeoutErrors
        return Cause.TIMEOUT
    if isinstance(exc, aiohttp.InvalidURL):
        return Cause.NETWORK
    if isinstance(exc, aiohttp.ClientPayloadError | UnicodeDecodeError | ValueError):  # a body that cannot be read
        return Cause.GARBAGE
    text = str(exc).lower()
    if proxied and any(w in text for w in _PROXY_WORDS):
        return Cause.PROXY
    if any(w in text for w in _TLS_WORDS):
        return Cause.TLS
    if any(w in text for w in _DNS_WORDS):
        return Cause.DNS
    if "refused" in text:
        return Cause.PROXY if proxied else Cause.REFUSED
    return Cause.NETWORK


def app_time_in(clock, seconds: float) -> float:
    """The app clock's reading `seconds` of real time from now (a clock running at `speed`, or frozen)."""
    speed = getattr(clock, "speed", 1.0)
    return clock.now() + seconds * speed if speed else clock.now()
