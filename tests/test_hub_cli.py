"""`aiwatch hub --demo` in its own process and `aiwatch snapshot --hub URL --format json` against it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from redis_support import redis_server  # noqa: F401 - the fixture

ROOT = Path(__file__).resolve().parent.parent
AT = "2026-11-24T15:00:00Z"


def _env(tmp_path) -> dict:
    env = dict(os.environ)
    env.update(AIWATCH_CONFIG_DIR=str(tmp_path / "config"), AIWATCH_LOG_DIR=str(tmp_path / "log"),
               AIWATCH_DATA_DIR=str(tmp_path / "data"))
    return env


def test_snapshot_through_a_running_demo_hub(redis_server, tmp_path):  # noqa: F811
    env = _env(tmp_path)
    hub = subprocess.Popen([sys.executable, "-m", "tui", "hub", "--demo", "--redis", redis_server.url, "--at", AT,
                            "--speed", "0"], cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)
    try:
        first = hub.stderr.readline()
        assert first.startswith("aiwatch hub: simulated data (--demo) on redis://127.0.0.1:"), first
        proc = subprocess.run([sys.executable, "-m", "tui", "snapshot", "--hub", redis_server.url, "--format", "json",
                               "--watchlist", "chips", "--at", AT, "--speed", "0", "--timeout", "30"],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)
        assert proc.returncode == 0, proc.stderr[-2000:]
        doc = json.loads(proc.stdout)
        assert doc["simulated"] is True and doc["source"] == "demo"
        rows = {r["symbol"]: r for r in doc["quotes"]}
        assert rows["NVDA"]["price"] > 0
        bad = subprocess.run([sys.executable, "-m", "tui", "snapshot", "--hub", "http://nope", "--format", "json"],
                             cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False)
        assert bad.returncode == 2 and "--hub" in bad.stderr
    finally:
        hub.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 20
        while hub.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        if hub.poll() is None:
            hub.kill()
    assert hub.returncode == 0, hub.stderr.read()[-2000:]
