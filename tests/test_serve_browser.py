"""`aiwatch serve` with a real browser (Debian's headless Chromium): no tab's aiwatch outlives its browser or serve.

A browser that loads the page and goes away without closing its connection (killed, or frozen as by a closed
laptop lid, or a headless `chromium --screenshot` run that exits) must not leave its tab's aiwatch running: each
ends by itself within seconds, and all of them when serve stops. The processes and their CPU are read from /proc.
Before: the screenshot run left the tab's aiwatch at 99 % of a core (Textual's screen flipping between two sizes
for ever), deaf to SIGTERM, and still running after serve stopped.

Chromium is driven by Playwright's Python package with Debian's binary (`executable_path`); Playwright never
downloads a browser here. The tests skip, saying why, only where that chromium or Playwright cannot be had.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
AT = "2026-11-24T15:00:00Z"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
GONE_WITHIN = 30.0  # seconds: a frozen browser is noticed by serve's ping (4 s, 2 s to answer), then quit/TERM/KILL

pytestmark = [
    pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="processes and CPU are read from Linux's /proc"),
    pytest.mark.skipif(not os.access(CHROMIUM, os.X_OK),
                       reason="Debian's chromium is not installed (apt-get install chromium; .ci/run does it)"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Serve:
    """`aiwatch serve --demo` on a free port with its own dirs; every process it starts carries `tag` in its
    environment, which is how /proc tells them from anyone else's."""

    def __init__(self, tmp: Path) -> None:
        self.tag = uuid.uuid4().hex
        self.port = free_port()
        self.log = tmp / "log" / "aiwatch.log"
        env = {**os.environ, "PYTHONPATH": str(ROOT), "AIWATCH_TEST_TAG": self.tag,
               "AIWATCH_CONFIG_DIR": str(tmp / "config"), "AIWATCH_LOG_DIR": str(tmp / "log"),
               "AIWATCH_DATA_DIR": str(tmp / "data"), "AIWATCH_CACHE_DIR": str(tmp / "cache")}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tui", "serve", "--port", str(self.port), "--demo", "--at", AT, "--speed", "0"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.url = f"http://127.0.0.1:{self.port}/"

    def wait_listening(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), 0.5):
                return
            assert self.proc.poll() is None, "serve exited"
            assert time.monotonic() < deadline, "serve never listened"
            time.sleep(0.1)

    def children(self) -> dict[int, str]:
        """Live processes serve started, directly or not (tabs and their simulators): pid -> command line."""
        wanted = f"AIWATCH_TEST_TAG={self.tag}".encode()
        found = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit() or int(entry.name) == self.proc.pid:
                continue
            try:
                if wanted not in (entry / "environ").read_bytes().split(b"\0"):
                    continue
                cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
            except OSError:
                continue
            if state != "Z":
                found[int(entry.name)] = cmd
        return found

    def tabs(self) -> list[int]:
        return [pid for pid, cmd in self.children().items() if " -m tui " in f"{cmd} " and "tui.sim" not in cmd]

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for pid in self.children():  # never leave anything behind, whatever the test found
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def cpu_share(pids: list[int], seconds: float = 2.0) -> dict[int, float]:
    """Each process's share of one core over `seconds` (1.0: a whole core)."""
    before = {}
    for pid in pids:
        with contextlib.suppress(OSError):
            before[pid] = cpu_seconds(pid)
    time.sleep(seconds)
    share = {}
    for pid, used in before.items():
        with contextlib.suppress(OSError):
            share[pid] = (cpu_seconds(pid) - used) / seconds
    return share


def browser_pids(user_data_dir: Path) -> list[int]:
    """Chromium's processes for this profile (its --user-data-dir is on every one's command line)."""
    mark = str(user_data_dir).encode()
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if mark in (entry / "cmdline").read_bytes():
                    pids.append(int(entry.name))
    return pids


def wait_until(condition, timeout: float, what: str) -> float:
    """Poll `condition` until true; returns the seconds it took."""
    start = time.monotonic()
    while not condition():
        assert time.monotonic() - start < timeout, f"{what} not within {timeout}s"
        time.sleep(0.2)
    return time.monotonic() - start


@pytest.fixture
def serve(tmp_path):
    server = Serve(tmp_path)
    server.wait_listening()
    yield server
    server.stop()


async def open_page(playwright, serve: Serve, profile: Path):
    """A headless Chromium on the page until the board's frames arrive; returns (context, bytes received)."""
    context = await playwright.chromium.launch_persistent_context(
        str(profile), executable_path=CHROMIUM, args=FLAGS, headless=True, viewport={"width": 1200, "height": 700})
    page = context.pages[0] if context.pages else await context.new_page()
    received = [0]

    def on_socket(ws) -> None:
        ws.on("framereceived", lambda payload: received.__setitem__(0, received[0] + len(payload)))

    page.on("websocket", on_socket)
    await page.goto(serve.url)
    deadline = time.monotonic() + 60
    while received[0] < 20_000:  # the whole board drawn (the splash alone is a few hundred bytes)
        assert time.monotonic() < deadline, f"the board never reached the browser ({received[0]} bytes)"
        await asyncio.sleep(0.2)
    return context, received


def playwright_or_skip():
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        pytest.skip("Playwright's Python package is not installed (pip install '.[test]')")
    return async_playwright


@pytest.mark.parametrize("drop", ["killed", "frozen"])
async def test_a_browser_that_drops_the_page_leaves_no_process_running(serve, tmp_path, drop):
    """killed: the browser dies (SIGKILL: no websocket goodbye). frozen: it stops answering with its connection
    open (SIGSTOP: a closed laptop lid, a dead network). Either way the tab's aiwatch and its simulator end within
    seconds, by quitting (serve asks; the app is responsive enough to do it), while serve runs on."""
    async_playwright = playwright_or_skip()
    profile = tmp_path / "chromium-profile"
    async with async_playwright() as playwright:
        context, _ = await open_page(playwright, serve, profile)
        pids = browser_pids(profile)
        try:
            tabs = serve.tabs()
            assert len(tabs) == 1, serve.children()
            # an idle demo on a frozen clock: far from a core (the resize flip-flop took all of one)
            share = cpu_share(tabs)
            assert all(s < 0.5 for s in share.values()), f"the tab's aiwatch spins: {share}"
            for pid in pids:
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL if drop == "killed" else signal.SIGSTOP)
            took = wait_until(lambda: not serve.children(), GONE_WITHIN, "every tab process gone")
        finally:
            for pid in pids:
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(context.close(), 10)
    assert serve.proc.poll() is None, "serve itself must run on"
    # serve logs how the tab ended once it has reaped it, a moment after the process is gone from /proc
    wait_until(lambda: f"aiwatch process {tabs[0]} ended (" in serve.log_text(), 10, "the end logged")
    log = serve.log_text()
    assert f"aiwatch process {tabs[0]} ended (quit, status 0)" in log, log[-3000:]
    assert "Traceback" not in log
    print(f"{drop}: the tab's processes were gone {took:.1f}s after the browser")


async def test_serve_stopping_ends_every_tab(serve, tmp_path):
    """Two browser tabs, then serve gets SIGTERM: both tabs' aiwatch and simulators are gone when it has exited."""
    async_playwright = playwright_or_skip()
    async with async_playwright() as playwright:
        first, _ = await open_page(playwright, serve, tmp_path / "profile-1")
        second, _ = await open_page(playwright, serve, tmp_path / "profile-2")
        try:
            assert len(serve.tabs()) == 2, serve.children()
            serve.proc.terminate()
            serve.proc.wait(timeout=30)
            left = serve.children()
            assert not left, f"still running after serve stopped: {left}"
        finally:
            for context in (first, second):
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(context.close(), 10)
    log = serve.log_text()
    assert "serve stopping: ending 2 tab(s)" in log and log.count("ended (quit, status 0)") == 2, log[-3000:]


def test_a_headless_screenshot_run_leaves_nothing_running(serve, tmp_path):
    """The report's reproduction: `chromium --headless --screenshot` loads the page, resizes it, shoots and exits.
    Its tab's aiwatch used to spin a core for ever, deaf to SIGTERM, and outlive serve; now it quits at once."""
    shot = tmp_path / "shot.png"
    run = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'shot-profile'}", f"--screenshot={shot}",
                          "--window-size=1200,800", serve.url], capture_output=True, timeout=120, check=False)
    assert run.returncode == 0 and shot.exists(), run.stderr[-2000:]
    wait_until(lambda: "aiwatch process" in serve.log_text(), 30, "the tab started")
    wait_until(lambda: not serve.children(), GONE_WITHIN, "every tab process gone")
    # serve logs how the tab ended once it has reaped it, a moment after the process is gone from /proc
    wait_until(lambda: "aiwatch process" in serve.log_text() and " ended (" in serve.log_text(), 10, "the end logged")
    log = serve.log_text()
    assert "ended (quit, status 0)" in log, log[-3000:]  # by itself: not SIGTERM, not SIGKILL
    assert serve.proc.poll() is None
