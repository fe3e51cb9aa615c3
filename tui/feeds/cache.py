"""A disk cache for what Yahoo changes slowly: fundamentals (quoteSummary), daily history (chart) and statement
lines (fundamentals time series).

A restart should not refetch a quoteSummary fetched an hour ago, nor a year of daily bars: that is most of
the requests a cold start costs (docs/data-sources.md, "The request budget"). Files live in the
platform's cache dir (`tui.paths.cache_dir()`, `$AIWATCH_CACHE_DIR`), one JSON file per symbol and kind,
under a namespace per data source, so data from a test server or another base URL never mixes with Yahoo's:

    <cache>/yahoo/<namespace>/fundamentals/<symbol>.json
    <cache>/yahoo/<namespace>/history/<symbol>@<range>-<interval>.json
    <cache>/yahoo/<namespace>/statements/<symbol>.json

Statements are not a snapshot but a record: Yahoo returns only about five quarters, so each write merges the new
points into the file's (every quarter ever seen is kept, a newer fetch wins for the same quarter end), and a read
returns them whatever their age, with the time of the latest fetch: an eight-quarter trend builds up over months.

Each file says when it was fetched (`fetched_at`, POSIX seconds on the app's clock); a reader decides on the
maximum age. Writes go to a temporary file in the same directory and are moved into place with os.replace,
so a reader (this process, or a second aiwatch on the same machine) sees either the old file or the new one,
never half of one; two writers of one key simply leave the later file. A file that does not parse, or does
not hold what its name says, is deleted and counted as a miss: the data is fetched again. No cache error is
ever fatal: an unwritable cache dir just means no cache.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import logging
import math
from pathlib import Path
from typing import Any
from urllib.parse import quote as _quote
from urllib.parse import urlsplit

from tui.atomic import atomic_write_text
from tui.core.statements import Statements, merge_statements, statements_from_data, statements_to_data
from tui.feeds.endpoints import YAHOO_QUOTE_URL, Endpoints
from tui.model import Bar, Fundamentals

log = logging.getLogger(__name__)

VERSION = 1
FUNDAMENTALS_MAX_AGE = 6 * 3600.0  # seconds: statements change quarterly; shares and EPS estimates rarely
HISTORY_MAX_AGE = 6 * 3600.0  # seconds: a year of daily closes; today's move comes from the live quote

_FUND_FIELDS = {f.name for f in dataclasses.fields(Fundamentals)}


def namespace_for(endpoints: Endpoints) -> str:
    """"finance.yahoo.com" for Yahoo's own hosts, else the REST base URL's host and port plus a short hash."""
    if endpoints.quote_url == YAHOO_QUOTE_URL:
        return "finance.yahoo.com"
    parts = urlsplit(endpoints.quote_url)
    digest = hashlib.sha256(endpoints.quote_url.encode()).hexdigest()[:10]
    host = f"{parts.hostname or 'local'}_{parts.port or ''}".strip("_")
    return _safe(f"{host}-{digest}")


def _safe(name: str) -> str:
    """A symbol or key as a file name on every platform: ^GSPC -> %5EGSPC, HKD=X -> HKD%3DX."""
    return _quote(name, safe="-_.@")


class DiskCache:
    def __init__(self, root: Path, namespace: str = "finance.yahoo.com") -> None:
        self.root = Path(root) / "yahoo" / _safe(namespace)
        self.hits = 0
        self.misses = 0
        self.discarded = 0  # corrupt or mismatched files deleted
        self.write_errors = 0

    @classmethod
    def for_endpoints(cls, endpoints: Endpoints, root: Path | None = None) -> DiskCache:
        if root is None:
            from tui.paths import cache_dir

            root = cache_dir()
        return cls(root, namespace_for(endpoints))

    # -- fundamentals --------------------------------------------------------------------------------
    def get_fundamentals(self, symbol: str, now: float, max_age: float = FUNDAMENTALS_MAX_AGE) -> Fundamentals | None:
        doc = self._read("fundamentals", symbol, symbol, now, max_age)
        if doc is None:
            return None
        try:
            data = doc["data"]
            kwargs = {k: v for k, v in data.items() if k in _FUND_FIELDS}
            kwargs["extra"] = dict(kwargs.get("extra") or {})
            f = Fundamentals(**kwargs)
            if f.symbol != symbol or not isinstance(f.as_of, (int, float)):
                raise ValueError("symbol or as_of does not match")
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            self._discard("fundamentals", symbol, f"bad fundamentals: {exc}")
            return None
        return f

    def put_fundamentals(self, f: Fundamentals, now: float) -> None:
        data = dataclasses.asdict(f)
        self._write("fundamentals", f.symbol, f.symbol, now, data)

    # -- daily history -------------------------------------------------------------------------------
    def get_history(
        self, symbol: str, range_: str, interval: str, now: float, max_age: float = HISTORY_MAX_AGE
    ) -> tuple[list[Bar], float] | None:
        """(bars, fetched_at) when a fresh enough file is there."""
        key = f"{symbol}@{range_}-{interval}"
        doc = self._read("history", key, symbol, now, max_age)
        if doc is None:
            return None
        try:
            bars = [Bar(*row) for row in doc["data"]]
            if any(not isinstance(b.time, (int, float)) for b in bars):
                raise ValueError("a bar without a time")
        except (KeyError, TypeError, ValueError) as exc:
            self._discard("history", key, f"bad bars: {exc}")
            return None
        return bars, float(doc["fetched_at"])

    def put_history(self, symbol: str, range_: str, interval: str, bars: list[Bar], now: float) -> None:
        rows = [[b.time, b.open, b.high, b.low, b.close, b.volume] for b in bars]
        self._write("history", f"{symbol}@{range_}-{interval}", symbol, now, rows)

    # -- statement lines (kept, merged, whatever their age) -------------------------------------------
    def get_statements(self, symbol: str) -> Statements | None:
        """Every statement point held for `symbol`, with `fetched_at` the time of its latest fetch; None when
        there is no file (or a broken one, which is deleted)."""
        doc = self._read("statements", symbol, symbol, float("inf"), float("inf"))
        if doc is None:
            return None
        try:
            st = statements_from_data(doc["data"])
            if st.symbol != symbol:
                raise ValueError("symbol does not match")
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            self._discard("statements", symbol, f"bad statements: {exc}")
            return None
        return st

    def put_statements(self, st: Statements) -> Statements:
        """Merge `st` into the file (a second aiwatch may have written quarters this one never saw) and write it
        atomically; returns what was written."""
        held = self.get_statements(st.symbol) if self.path("statements", st.symbol).exists() else None
        merged = merge_statements(held, st)
        self._write("statements", st.symbol, st.symbol, merged.fetched_at or 0.0, statements_to_data(merged))
        return merged

    # -- files ---------------------------------------------------------------------------------------
    def path(self, kind: str, key: str) -> Path:
        return self.root / kind / f"{_safe(key)}.json"

    def _read(self, kind: str, key: str, symbol: str, now: float, max_age: float) -> dict[str, Any] | None:
        path = self.path(kind, key)
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            self.misses += 1
            return None
        except OSError as exc:
            log.info("cache: cannot read %s: %s", path, exc)
            self.misses += 1
            return None
        try:
            doc = json.loads(raw)
            if not isinstance(doc, dict):
                raise ValueError("not an object")
            if doc.get("version") != VERSION or doc.get("kind") != kind or doc.get("symbol") != symbol:
                raise ValueError("not this version, kind or symbol")
            fetched = doc.get("fetched_at")
            if not isinstance(fetched, (int, float)) or not math.isfinite(fetched):
                raise ValueError("no fetched_at")
        except ValueError as exc:  # json.JSONDecodeError and UnicodeDecodeError are ValueErrors
            self._discard(kind, key, str(exc))
            return None
        age = now - float(fetched)
        if age > max_age or age < -300.0:  # too old, or from a clock far ahead of ours
            self.misses += 1
            return None
        self.hits += 1
        return doc

    def _discard(self, kind: str, key: str, why: str) -> None:
        path = self.path(kind, key)
        log.warning("cache: discarding %s (%s)", path, why[:120])
        self.discarded += 1
        self.misses += 1
        with contextlib.suppress(OSError):
            path.unlink()

    def _write(self, kind: str, key: str, symbol: str, now: float, data: Any) -> None:
        path = self.path(kind, key)
        doc = {"version": VERSION, "kind": kind, "symbol": symbol, "fetched_at": now, "data": data}
        try:
            text = json.dumps(doc, separators=(",", ":"), allow_nan=False)
            atomic_write_text(path, text)
        except (OSError, ValueError, TypeError) as exc:
            self.write_errors += 1
            log.info("cache: cannot write %s: %s", path, exc)
