"""Fixtures shared by the test modules (helpers that are not fixtures live in the *_support.py and feeds_*.py
modules next to this file, importable because tests/ is on pytest's pythonpath)."""

from __future__ import annotations

import os
import shutil
import tempfile
import weakref
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiohttp
import pytest
from feeds_fake_yahoo import FakeYahoo, need_recorded, recorded_summary_baba, recorded_v7_results

# The suite never reads or writes the user's own aiwatch files. A user's config.toml (fps, theme, key remaps,
# alerts) would change what the tests see, and the app and the subprocesses tests start (serve, the simulator's
# child) logged into the user's real log file. Set before collection; a test that wants dirs of its own sets them
# with monkeypatch on top of these.
USER_DIRS = ("AIWATCH_CONFIG_DIR", "AIWATCH_CACHE_DIR", "AIWATCH_LOG_DIR", "AIWATCH_DATA_DIR")
_SUITE_HOME = pytest.StashKey[tuple[pytest.MonkeyPatch, str]]()


def pytest_configure(config: pytest.Config) -> None:
    home = tempfile.mkdtemp(prefix="aiwatch-tests-")
    env = pytest.MonkeyPatch()
    for key in USER_DIRS:
        env.setenv(key, os.path.join(home, key.removeprefix("AIWATCH_").removesuffix("_DIR").lower()))
    config.stash[_SUITE_HOME] = (env, home)


def pytest_unconfigure(config: pytest.Config) -> None:
    env, home = config.stash[_SUITE_HOME]
    env.undo()
    shutil.rmtree(home, ignore_errors=True)


@pytest.fixture
def user_dirs(tmp_path, monkeypatch) -> Path:
    """The test's own aiwatch config, data and log dirs, under its tmp_path (returned): what the app writes
    (config, watchlists, alerts log, exports) is the test's to read, and starts empty."""
    for key, sub in (("AIWATCH_CONFIG_DIR", "cfg"), ("AIWATCH_DATA_DIR", "data"), ("AIWATCH_LOG_DIR", "log")):
        monkeypatch.setenv(key, str(tmp_path / sub))
    return tmp_path


@pytest.fixture(scope="session")
def market():
    """The simulator's market model with the demo's seed: prices and fundamentals depend only on (seed, instant)."""
    from tui.sim.market import SimMarket

    return SimMarket(seed=7)


@pytest.fixture
async def fake() -> AsyncIterator[FakeYahoo]:
    """A fake Yahoo on loopback serving the recorded v7 quotes and BABA's quoteSummary (tests/test_feeds_*.py);
    skips the test when ../shared/yahoo-recorded is absent. A module may define its own `fake` to serve less."""
    need_recorded()
    server = FakeYahoo(v7=recorded_v7_results(), summaries={"BABA": recorded_summary_baba()})
    await server.start()
    yield server
    await server.stop()


@pytest.fixture(autouse=True)
def no_unclosed_http_session(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every aiohttp session a test (or the app it drives) opens is closed by the test's end.

    A session left open is reported by asyncio ("Unclosed client session", at ERROR) only when the garbage
    collector meets it, inside whatever test runs then: stop 12's CI failed the soak test that way, for a session
    another test had leaked. Checked here, the test that leaked it fails, and says so.
    """
    opened: weakref.WeakSet[aiohttp.ClientSession] = weakref.WeakSet()
    original = aiohttp.ClientSession.__init__

    def tracked(self: aiohttp.ClientSession, *args, **kwargs) -> None:
        original(self, *args, **kwargs)
        opened.add(self)

    monkeypatch.setattr(aiohttp.ClientSession, "__init__", tracked)
    yield
    left = [s for s in opened if not s.closed]
    assert not left, f"{len(left)} aiohttp session(s) left open by this test: {left}"
