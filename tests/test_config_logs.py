"""The log file after a demo run: written, and never holding a cookie or a crumb."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_demo_run_logs_no_cookie_or_crumb(tmp_path):
    env = {**os.environ, "AIWATCH_CONFIG_DIR": str(tmp_path / "cfg"), "AIWATCH_LOG_DIR": str(tmp_path / "log"),
           "AIWATCH_DATA_DIR": str(tmp_path / "data"), "PYTHONPATH": str(ROOT)}
    env.pop("AIWATCH_YAHOO_URL", None)
    env.pop("AIWATCH_STREAM_URL", None)
    proc = subprocess.run([sys.executable, "-m", "tui", "snapshot", "--demo", "--at", "2026-11-24T15:00:00Z",
                           "--speed", "0", "--format", "json", "--log-level", "DEBUG", "-w", "chips"],
                          env=env, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    log = (tmp_path / "log" / "aiwatch.log").read_text()
    assert "DEBUG" in log  # the run did log, at the level asked
    # the simulator hands out a cookie and a crumb like Yahoo's: neither value may reach the log
    from tui.core.clock import Clock
    from tui.sim.server import Simulator

    sim = Simulator(Clock(speed=0), seed=7)  # the run's seed (default 7): the same cookie and crumb
    secrets = [sim.crumb, sim.cookie, sim.cookie.split("&")[0]]
    lowered = log.lower()
    for word in ("set-cookie", "cookie:", "crumb="):
        assert word not in lowered
    for secret in secrets:
        assert secret not in log
    assert (tmp_path / "cfg" / "config.toml").exists()  # first run wrote the defaults
