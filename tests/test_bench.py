"""The benchmark runs and writes its JSON (no thresholds: figures depend on the machine), and the
tick-to-screen instrumentation measures what it says."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tui.latency import LatencyRecorder

ROOT = Path(__file__).resolve().parent.parent


def test_recorder_times_a_tick_from_arrival_to_the_frame_that_shows_it(tmp_path, monkeypatch):
    clock = iter([10.0, 10.0, 10.05, 10.20, 10.20, 10.30, 10.31, 11.0, 11.0, 11.0]).__next__
    monkeypatch.setattr("tui.latency.time.monotonic", clock)
    path = tmp_path / "lat.jsonl"
    rec = LatencyRecorder(str(path))  # created at 10.0
    rec.arrived("NVDA")  # 10.0
    rec.arrived("NVDA")  # 10.05
    rec.arrived("AMD")  # 10.20: its row will not change
    rec.begin_refresh()
    rec.repainted("NVDA")
    rec.end_refresh()
    rec.frame()  # 10.20: both NVDA ticks shown by this frame
    rec.arrived("NVDA")  # 10.30: not yet consumed by a refresh
    rec.frame()  # 10.31: a clock frame, no tick in it
    rec.flush()  # 11.0
    lines = [json.loads(x) for x in path.read_text().splitlines()]
    assert len(lines) == 1
    line = lines[0]
    assert line["hist"] == {"150": 1, "200": 1}  # whole milliseconds, rounded up
    assert line["frames"] == 2
    assert line["unchanged"] == 1  # AMD
    assert line["first_data_wall"] is not None
    assert rec.pending == {"NVDA": [10.30]}


def test_recorder_is_off_unless_asked(monkeypatch):
    from tui.latency import install_from_env

    monkeypatch.delenv("AIWATCH_BENCH_LATENCY", raising=False)
    assert install_from_env(object()) is None


@pytest.mark.skipif(sys.platform != "linux", reason="the benchmark reads /proc and runs in a pty (Linux)")
def test_quick_benchmark_runs_and_writes_its_json(tmp_path):
    out = tmp_path / "bench.json"
    proc = subprocess.run([sys.executable, "-m", "bench", "--quick", "--json", str(out)], cwd=ROOT,
                          capture_output=True, text=True, timeout=420)
    assert proc.returncode == 0, proc.stderr[-3000:]
    doc = json.loads(out.read_text())
    from bench.main import SCHEMA_KEYS

    for key in SCHEMA_KEYS:
        assert key in doc, key
    assert doc["quick"] is True
    assert doc["machine"]["nproc"] >= 1
    r = doc["rates"]["200"]
    for side in ("app", "baseline", "prototype"):
        for key in ("cpu", "bytes_per_s", "p50_ms", "p99_ms", "rss_start_mb", "rss_end_mb", "frames_per_s",
                    "ticks_per_s"):
            assert key in r[side], (side, key)
        assert r[side]["bytes_per_s"] > 0 and r[side]["ticks_per_s"] > 0
    assert "cpu_ratio" in r and "bytes_ratio" in r
    assert r["cpu_ratio_prototype"] > 0 and r["bytes_ratio_prototype"] > 0
    ref = doc["reference"]  # both reference boards on the issue's own feed: 200 ticks/s over 20 symbols
    assert (ref["rate"], ref["symbols"]) == (200, 20)
    for side in ("baseline", "prototype"):
        assert ref[side]["today"]["ticks_per_s"] > 0 and ref[side]["recorded"]["cpu"] > 0
    assert ref["speed_factor"] == ref["prototype"]["cpu_factor"] > 0
    assert "Line API prototype" in proc.stdout
    assert doc["launch"]["first_data_s"] > 0
    assert doc["idle"]["cpu"] >= 0
    assert "growth_mb" in doc["memory_day"]
    assert "CPU % of a core" in proc.stdout


# -- `python -m bench --ablate PART`: what each part of the app costs ----------------------------------------
def test_ablate_parts_are_checked_by_name():
    from bench.ablate import parse_parts

    assert parse_parts("refresh, parse") == ("refresh", "parse")
    assert parse_parts("") == ()
    with pytest.raises(ValueError, match="unknown part"):
        parse_parts("board")


def test_ablate_refresh_and_parse_switch_those_parts_off(monkeypatch):
    from bench.ablate import apply
    from tui.app import AiwatchApp
    from tui.feeds.yahoo_stream import YahooStream

    monkeypatch.setattr(AiwatchApp, "_refresh", AiwatchApp._refresh)  # restored after the test
    monkeypatch.setattr(YahooStream, "_on_frame", YahooStream._on_frame)
    apply(("refresh", "parse"))

    class Stub:
        frames = 0

    assert AiwatchApp._refresh(Stub()) is None  # does nothing (the real one reads a watchlist)
    assert YahooStream._on_frame(Stub(), b"not a frame") is None and Stub.frames == 0


def test_bench_rejects_an_unknown_part():
    proc = subprocess.run([sys.executable, "-m", "bench", "--ablate", "nonsense"], cwd=ROOT, capture_output=True,
                          check=False, text=True, timeout=60)
    assert proc.returncode == 2 and "unknown part" in proc.stderr


@pytest.mark.skipif(sys.platform != "linux", reason="the benchmark reads /proc (Linux)")
def test_hub_benchmark_runs_at_a_tiny_size(tmp_path):
    import shutil

    if not shutil.which("redis-server") and not Path("/usr/bin/redis-server").exists():
        pytest.skip("no redis-server here (.ci/run installs it)")
    out = tmp_path / "hub.json"
    proc = subprocess.run([sys.executable, "-m", "bench.hub", "--clients", "1,6", "--window", "1", "--warmup", "0.5",
                           "--json", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    doc = json.loads(out.read_text())
    one, six = doc["runs"]["1"], doc["runs"]["6"]
    assert one["upstream_websockets"] == six["upstream_websockets"] == 1  # one upstream whatever the clients
    assert six["client_processes"] == 2  # five clients a process at most: no shared event loop to measure
    for r in (one, six):
        assert r["new_client_s"] > 0 and r["redis_memory_mb"] > 0 and r["p99_ms"] is not None
    apps = doc["apps"]  # the real app in a pty, direct and through the hub, on one simulator
    for kind in ("direct", "hub_client"):
        assert apps[kind]["cpu"] > 0 and apps[kind]["first_data_s"] > 0 and apps[kind]["p99_ms"] is not None
    assert set(apps["checks"]) == {"cpu_no_more_than_direct", "p99_ms", "first_data_s",
                                   "first_data_faster_than_direct"}
    assert "the hub: 60 symbols" in proc.stdout
