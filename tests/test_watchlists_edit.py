"""Editing watchlist files: tomlkit keeps comments, shipped lists get a user copy, saves are atomic."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from tui.watchlist_edit import EditError, add_symbol, create_watchlist, remove_symbol, save_atomic
from tui.watchlists import load_all, load_file

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def user_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("AIWATCH_CONFIG_DIR", str(tmp_path))
    return tmp_path / "watchlists"


def test_add_to_shipped_list_writes_a_user_copy_with_comments(user_dir):
    shipped = load_all().watchlists["chips"]
    shipped_text = Path(shipped.path).read_text()
    new = add_symbol(shipped, "9984.T", "SoftBank", "us")
    assert new.path == user_dir / "chips.toml" and not new.shipped
    assert Path(shipped.path).read_text() == shipped_text  # the shipped file is never touched
    text = new.path.read_text()
    first_comment = next(line for line in shipped_text.splitlines() if line.startswith("#"))
    assert first_comment in text
    reloaded = load_all().watchlists["chips"]
    assert reloaded.symbols[-1] == "9984.T" and not reloaded.shipped
    assert reloaded.instruments[-1].name == "SoftBank"


def test_remove_drops_symbol_and_its_pairs(user_dir):
    wl = load_all().watchlists["chips"]
    assert any("NVDA" in p.us for p in wl.pairs)
    new = remove_symbol(wl, "NVDA")
    assert "NVDA" not in new.symbols
    assert all("NVDA" not in p.us for p in new.pairs)
    reloaded = load_all()
    assert reloaded.problems == []
    assert "NVDA" not in reloaded.watchlists["chips"].symbols


def test_refusals(user_dir):
    wl = load_all().watchlists["chips"]
    with pytest.raises(EditError, match="already"):
        add_symbol(wl, "NVDA", "Nvidia", "us")
    with pytest.raises(EditError):
        add_symbol(wl, "nv da", "x", "us")
    with pytest.raises(EditError, match="side"):
        add_symbol(wl, "IBM", "IBM", "eu")
    with pytest.raises(EditError, match="not on"):
        remove_symbol(wl, "IBM")
    one = create_watchlist("solo", "Solo", "AMD", "AMD", "us")
    with pytest.raises(EditError, match="at least one"):
        remove_symbol(one, "AMD")
    with pytest.raises(EditError, match="already"):
        create_watchlist("solo", "Solo", "AMD", "AMD", "us")
    with pytest.raises(EditError, match="lower case"):
        create_watchlist("Bad Name", "x", "AMD", "AMD", "us")


def test_create_then_load(user_dir):
    new = create_watchlist("my-list", "My list", "0700.HK", "Tencent", "cn")
    result = load_all()
    assert result.problems == []
    assert result.watchlists["my-list"].title == "My list"
    assert result.watchlists["my-list"].symbols == ("0700.HK",)
    assert new.path.read_text().startswith("# aiwatch watchlist created in the app")


def test_a_save_the_loader_rejects_leaves_the_old_file(user_dir):
    user_dir.mkdir(parents=True)
    target = user_dir / "x.toml"
    target.write_text('title = "X"\n[[instrument]]\nsymbol = "AMD"\nname = "AMD"\nside = "us"\n')
    before = target.read_text()
    with pytest.raises(EditError):
        save_atomic(target, 'title = "X"\n')  # no instrument: the loader refuses it
    assert target.read_text() == before
    assert sorted(p.name for p in user_dir.iterdir()) == ["x.toml"]  # no temp file left


@pytest.mark.parametrize("where", ["write", "replace"])
def test_a_write_killed_halfway_never_leaves_a_broken_watchlist(user_dir, tmp_path, where):
    """A process killed (SIGKILL) in the middle of saving: the file is the old one, whole; the next save works."""
    wl = load_all().watchlists["chips"]
    first = add_symbol(wl, "9984.T", "SoftBank", "us")
    before = first.path.read_text()
    marker = tmp_path / "ready"
    # the child hangs halfway: after writing half the text (where=write) or just before the rename (replace)
    script = textwrap.dedent(f"""
        import os, sys, time, pathlib
        import tui.atomic as atomic
        import tui.watchlist_edit as we
        from tui.watchlists import load_all
        marker = pathlib.Path({str(marker)!r})
        def hang(*a, **k):
            marker.write_text("1")
            time.sleep(60)
        if {where!r} == "write":
            real_fdopen = os.fdopen
            class Half:
                def __init__(self, f): self.f = f
                def __enter__(self): return self
                def __exit__(self, *a): return self.f.__exit__(*a)
                def write(self, text):
                    self.f.write(text[: len(text) // 2]); self.f.flush(); hang()
                def __getattr__(self, n): return getattr(self.f, n)
            atomic.os.fdopen = lambda *a, **k: Half(real_fdopen(*a, **k))
        else:
            atomic.os.replace = hang
        wl = load_all().watchlists["chips"]
        we.add_symbol(wl, "0700.HK", "Tencent", "cn")
    """)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", script], env=env)
    try:
        deadline = time.monotonic() + 30
        while not marker.exists():
            assert proc.poll() is None, "the child ended before it hung"
            assert time.monotonic() < deadline, "the child never reached the hang"
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert first.path.read_text() == before
    loaded, problems = load_file(first.path)
    assert loaded is not None and problems == []
    result = load_all()
    assert result.problems == [] and "0700.HK" not in result.watchlists["chips"].symbols
    again = add_symbol(result.watchlists["chips"], "0700.HK", "Tencent", "cn")  # a leftover temp file is harmless
    assert "0700.HK" in load_all().watchlists["chips"].symbols and again.path == first.path
