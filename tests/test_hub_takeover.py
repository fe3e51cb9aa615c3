"""A hub that dies without a word (SIGKILL: no lock released, no heartbeat deleted): its lock lapses, the hub that
was waiting takes over within the lock's lapse time, and a client says "down since" in between and then follows
the new hub. Both hubs are `aiwatch hub --demo` processes started through the CLI; a real redis-server."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import redis.asyncio as aioredis
from hub_support import US, client_runtime, wait_until
from redis_support import redis_server  # noqa: F401 - the fixture

from tui.hub.server import HOUSEKEEPING_SECONDS, LOCK_TTL

ROOT = Path(__file__).resolve().parent.parent
AT = "2026-11-24T15:00:00Z"  # the same instant as hub_support.AT: the US session is open
# the waiting hub's --at ten minutes earlier: as if the first had run ten minutes longer (a demo hub started with
# the same --at later is behind the one it takes over from by as long as that one ran)
AT_BEHIND = "2026-11-24T14:50:00Z"


def spawn_hub(url: str, home: Path, at: str = AT) -> subprocess.Popen:
    env = {**os.environ, "AIWATCH_CONFIG_DIR": str(home / "config"), "AIWATCH_LOG_DIR": str(home / "log"),
           "AIWATCH_DATA_DIR": str(home / "data")}
    proc = subprocess.Popen([sys.executable, "-m", "tui", "hub", "--demo", "--redis", url, "--at", at],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    line = proc.stderr.readline()
    assert line.startswith("aiwatch hub: simulated data (--demo)"), line
    return proc


def log_text(home: Path) -> str:
    path = home / "log" / "aiwatch.log"
    return path.read_text(errors="replace") if path.exists() else ""


def end(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.kill()
    proc.wait(10)


async def test_a_killed_hubs_lock_lapses_and_the_waiting_hub_takes_over(redis_server, tmp_path):  # noqa: F811
    r = aioredis.from_url(redis_server.url)
    first = spawn_hub(redis_server.url, tmp_path / "first")
    second = None
    rt = client_runtime(redis_server.url, hub_options={"down_after": 1.5})
    rt.set_symbols(US)
    await rt.start()
    try:
        await wait_until(lambda: rt.feed.hub_live() and all(s in rt.store.quotes for s in US), timeout=60,
                         what="the client live on the first hub")
        first_token = await r.get("aiwatch:lock")
        assert first_token
        second = spawn_hub(redis_server.url, tmp_path / "second", AT_BEHIND)
        await wait_until(lambda: "waiting to take over" in log_text(tmp_path / "second"), timeout=60,
                         what="the second hub waiting")
        last_time = rt.store.quotes["NVDA"].time

        first.send_signal(signal.SIGKILL)
        killed = time.monotonic()
        first.wait(10)
        await wait_until(lambda: rt.feed.status().sources[0].state.startswith("down since"), timeout=LOCK_TTL,
                         what="the client saying down")
        assert "down since" in rt.feed.trouble_text()
        assert await r.get("aiwatch:lock") == first_token  # not lapsed yet: the client said so before the takeover

        # the lock lapses LOCK_TTL after the dead hub's last renewal; the waiting hub looks every second at most
        deadline = killed + LOCK_TTL + HOUSEKEEPING_SECONDS + 3.0
        token = first_token
        while token in (None, first_token) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
            token = await r.get("aiwatch:lock")
        took = time.monotonic() - killed
        assert token not in (None, first_token), f"no takeover {took:.1f} s after the kill"
        assert took <= LOCK_TTL + HOUSEKEEPING_SECONDS + 1.0, took

        await wait_until(lambda: rt.feed.hub_live(), timeout=20, what="the client live on the second hub")
        assert rt.feed.status().sources[0].state == "live"
        # quotes resume, newer than the dead hub's last: the new demo hub went on from the other's simulated time
        await wait_until(lambda: rt.store.quotes["NVDA"].time > last_time, timeout=20, what="newer quotes")
        assert "going on from the previous demo hub's time" in log_text(tmp_path / "second")
        assert second.poll() is None
    finally:
        await rt.stop()
        await r.aclose()
        end(first)
        if second is not None:
            second.send_signal(signal.SIGTERM)
            try:
                second.wait(20)
            finally:
                end(second)
