"""Files: watchlist, config and cache writes are atomic (a reader — or a crash — sees the old file or the whole
new one, never half; a failed write leaves the old file and no temporary behind); a corrupt cache file is
discarded and rebuilt, never fatal; two instances on one machine writing the same files do not corrupt them.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import tomllib
from pathlib import Path

import pytest

from tui.config import atomic_write_text, load_config
from tui.feeds.cache import DiskCache
from tui.model import Bar, Fundamentals
from tui.watchlist_edit import save_atomic
from tui.watchlists import load_file

NOW = 1795532400.0
ROOT = Path(__file__).resolve().parents[1]


def _watchlist_text(n: int) -> str:
    """A valid watchlist whose size depends on n (so a torn write would show as a short or mixed file)."""
    syms = ["NVDA", "AMD", "AVGO", "MRVL", "INTC", "MSFT", "ORCL", "AAPL"][: 1 + n % 8]
    body = "".join(f'\n[[instrument]]\nsymbol = "{s}"\nname = "{s} {"x" * (n % 50)}"\nside = "us"\n' for s in syms)
    return f'title = "Test {n}"\n{body}'


def _config_text(n: int) -> str:
    return f"# written by writer {n}\nstale_after = {60 + n % 100}\n" + "".join(
        f"# padding line {i} {'y' * 60}\n" for i in range(n % 40))


def _fundamentals(symbol: str, n: int) -> Fundamentals:
    return Fundamentals(symbol=symbol, as_of=NOW, currency="USD", financial_currency="USD",
                        shares_outstanding=1e9 + n, eps_ttm=1.0 + n, revenue_ttm=1e10 * (1 + n % 7),
                        long_name="x" * (n % 300))


# -- a failed write leaves the old file and nothing else -----------------------------------------------------

def _boom(*_a, **_k):
    raise OSError(28, "No space left on device")


@pytest.mark.parametrize("kind", ["config", "watchlist"])
def test_failed_write_keeps_the_old_file(tmp_path, monkeypatch, kind):
    path = tmp_path / ("config.toml" if kind == "config" else "mine.toml")
    old = _config_text(1) if kind == "config" else _watchlist_text(1)
    path.write_text(old, encoding="utf-8")
    monkeypatch.setattr(os, "replace", _boom)
    with pytest.raises(OSError):
        if kind == "config":
            atomic_write_text(path, _config_text(2))
        else:
            save_atomic(path, _watchlist_text(2))
    assert path.read_text(encoding="utf-8") == old
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]  # no temporary left


def test_failed_cache_write_is_not_fatal(tmp_path, monkeypatch):
    cache = DiskCache(tmp_path)
    cache.put_fundamentals(_fundamentals("NVDA", 1), NOW)
    monkeypatch.setattr(os, "replace", _boom)
    cache.put_fundamentals(_fundamentals("NVDA", 2), NOW)  # no exception
    assert cache.write_errors == 1
    monkeypatch.undo()
    f = cache.get_fundamentals("NVDA", NOW)
    assert f is not None and f.eps_ttm == 2.0  # the first write's data (n=1), whole
    assert not [p for p in cache.path("fundamentals", "NVDA").parent.iterdir() if p.suffix == ".tmp"]


# -- corrupt cache files --------------------------------------------------------------------------------------

CORRUPT = {
    "empty": b"",
    "truncated": b'{"version":1,"kind":"fundamentals","symbol":"NVDA","fetched_at":1795532400.0,"data":{"sym',
    "binary": b"\x00\xff\xfe\x00garbage",
    "not-an-object": b"[1,2,3]",
    "wrong-symbol": json.dumps({"version": 1, "kind": "fundamentals", "symbol": "AMD", "fetched_at": NOW,
                                "data": {"symbol": "AMD", "as_of": NOW}}).encode(),
    "bad-data": json.dumps({"version": 1, "kind": "fundamentals", "symbol": "NVDA", "fetched_at": NOW,
                            "data": {"symbol": "NVDA", "as_of": "yesterday", "eps_ttm": [1]}}).encode(),
    "nan-time": b'{"version":1,"kind":"fundamentals","symbol":"NVDA","fetched_at":NaN,"data":{}}',
    "future-version": json.dumps({"version": 99, "kind": "fundamentals", "symbol": "NVDA", "fetched_at": NOW,
                                  "data": {"symbol": "NVDA", "as_of": NOW}}).encode(),
    "data-not-a-dict": json.dumps({"version": 1, "kind": "fundamentals", "symbol": "NVDA", "fetched_at": NOW,
                                   "data": [1, 2]}).encode(),
}


@pytest.mark.parametrize("name", list(CORRUPT))
def test_corrupt_cache_file_is_discarded_and_rebuilt(tmp_path, name):
    cache = DiskCache(tmp_path)
    path = cache.path("fundamentals", "NVDA")
    path.parent.mkdir(parents=True)
    path.write_bytes(CORRUPT[name])
    assert cache.get_fundamentals("NVDA", NOW) is None  # a miss, not an exception
    assert not path.exists() or name == "future-version"
    cache.put_fundamentals(_fundamentals("NVDA", 3), NOW)
    again = DiskCache(tmp_path).get_fundamentals("NVDA", NOW)
    assert again is not None and again.eps_ttm == 4.0


@pytest.mark.parametrize("name", ["truncated", "binary", "rows-not-bars"])
def test_corrupt_history_file_is_discarded(tmp_path, name):
    cache = DiskCache(tmp_path)
    path = cache.path("history", "NVDA@1y-1d")
    path.parent.mkdir(parents=True)
    data = CORRUPT.get(name) or json.dumps({"version": 1, "kind": "history", "symbol": "NVDA", "fetched_at": NOW,
                                            "data": [["x"], 5, {"a": 1}]}).encode()
    path.write_bytes(data)
    assert cache.get_history("NVDA", "1y", "1d", NOW) is None
    cache.put_history("NVDA", "1y", "1d", [Bar(NOW - 86400, 1.0, 2.0, 0.5, 1.5, 100)], NOW)
    bars, fetched = cache.get_history("NVDA", "1y", "1d", NOW)
    assert fetched == NOW and bars[0].close == 1.5


def test_a_directory_where_a_cache_file_should_be_is_not_fatal(tmp_path):
    cache = DiskCache(tmp_path)
    cache.path("fundamentals", "NVDA").mkdir(parents=True)
    assert cache.get_fundamentals("NVDA", NOW) is None
    cache.put_fundamentals(_fundamentals("NVDA", 1), NOW)  # cannot replace a directory: counted, not raised
    assert cache.write_errors == 1


def test_unwritable_cache_dir_is_not_fatal(tmp_path):
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the cache dir should be")
    cache = DiskCache(blocker)
    cache.put_fundamentals(_fundamentals("NVDA", 1), NOW)
    assert cache.get_fundamentals("NVDA", NOW) is None
    assert cache.write_errors == 1


def test_corrupt_config_is_reported_not_fatal(tmp_path):
    path = tmp_path / "config.toml"
    path.write_bytes(b"stale_after = [\n\xff")
    cfg, problems = load_config(path)
    assert cfg is not None and problems and str(path) in problems[0]


# -- two instances on one machine -----------------------------------------------------------------------------

def _hammer(kind: str, path: str, writer: int, rounds: int) -> None:
    p = Path(path)
    for i in range(rounds):
        n = writer * 1000 + i
        if kind == "config":
            atomic_write_text(p, _config_text(n))
        elif kind == "watchlist":
            save_atomic(p, _watchlist_text(n))
        else:
            cache = DiskCache(p)
            for symbol in ("NVDA", "0981.HK", "^GSPC"):
                cache.put_fundamentals(_fundamentals(symbol, n), NOW)
                got = cache.get_fundamentals(symbol, NOW)
                if got is None:
                    raise AssertionError(f"writer {writer} lost {symbol} at round {i}")


def _read_whole(kind: str, path: Path) -> None:
    if kind == "config":
        text = path.read_text(encoding="utf-8")
        doc = tomllib.loads(text)
        n = int(text.split("writer ", 1)[1].split("\n", 1)[0])
        assert text == _config_text(n) and doc["stale_after"] == 60 + n % 100
    elif kind == "watchlist":
        text = path.read_text(encoding="utf-8")
        n = int(text.split('"Test ', 1)[1].split('"', 1)[0])
        assert text == _watchlist_text(n)
        wl, problems = load_file(path)  # whichever version is there now loads whole
        assert wl is not None and not problems, problems
    else:
        for symbol in ("NVDA", "0981.HK", "^GSPC"):
            f = DiskCache(path).get_fundamentals(symbol, NOW)
            assert f is None or (f.symbol == symbol and f.revenue_ttm and f.shares_outstanding)


@pytest.mark.parametrize("kind", ["config", "watchlist", "cache"])
def test_two_instances_never_tear_a_file(tmp_path, kind):
    """Two processes (two aiwatch on one server) write the same file over and over while a third reads it."""
    path = tmp_path / {"config": "config.toml", "watchlist": "mine.toml", "cache": "cache"}[kind]
    if kind == "config":
        path.write_text(_config_text(0), encoding="utf-8")
    elif kind == "watchlist":
        path.write_text(_watchlist_text(0), encoding="utf-8")
    ctx = mp.get_context("spawn")
    rounds = 60 if kind != "watchlist" else 40
    writers = [ctx.Process(target=_hammer, args=(kind, str(path), w, rounds)) for w in (1, 2)]
    for w in writers:
        w.start()
    reads = 0
    while any(w.is_alive() for w in writers) or reads < 20:
        _read_whole(kind, path)
        reads += 1
    for w in writers:
        w.join(60)
        assert w.exitcode == 0
    _read_whole(kind, path)
    leftovers = [p for p in path.parent.rglob("*.tmp")]
    assert not leftovers, leftovers
