"""Redis URLs: connecting (redis://user:password@host:port/db, rediss:// for TLS), printing without the password,
and the back-off between reconnects."""

from __future__ import annotations

import random
from urllib.parse import urlsplit

DEFAULT_URL = "redis://127.0.0.1:6379/0"
SCHEMES = ("redis", "rediss", "unix")


def check_url(url: str) -> str | None:
    """Why `url` is not a Redis URL, or None."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError as exc:
        return f"not a Redis URL ({exc}): {public_url(url)!r}"
    if parts.scheme not in SCHEMES:
        return f"expected redis://host:port/db or rediss:// (TLS), got {public_url(url)!r}"
    if parts.scheme != "unix" and not parts.hostname:
        return f"no host in {public_url(url)!r}"
    return None


def public_url(url: str) -> str:
    """`url` fit to print and log: scheme, host, port and database, never the user's password."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return url.split("@")[-1] if "@" in url else url
    if parts.scheme == "unix":
        return f"unix://{parts.path}"
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = f"{host}:{port}" if port is not None else host
    path = parts.path if parts.path not in ("", "/", "/0") else ""
    return f"{parts.scheme}://{netloc}{path}"


def client(url: str, **kwargs):
    """An asyncio Redis client for `url` (not yet connected: the first command connects)."""
    import redis.asyncio as aioredis

    kwargs.setdefault("socket_connect_timeout", 2.0)
    kwargs.setdefault("socket_timeout", 5.0)
    kwargs.setdefault("health_check_interval", 0)
    return aioredis.from_url(url, decode_responses=False, **kwargs)


def redis_errors() -> tuple[type[BaseException], ...]:
    """What a lost or refused connection raises."""
    import redis.exceptions as rex

    return (rex.ConnectionError, rex.TimeoutError, ConnectionError, OSError, TimeoutError)


class Backoff:
    """Seconds to wait before the next reconnect: doubling from `first` to `cap`, with a little jitter."""

    def __init__(self, first: float = 0.2, cap: float = 5.0) -> None:
        self.first, self.cap = first, cap
        self.next = first

    def __call__(self) -> float:
        wait = self.next
        self.next = min(self.cap, self.next * 2)
        return wait * (0.9 + 0.2 * random.random())

    def reset(self) -> None:
        self.next = self.first
