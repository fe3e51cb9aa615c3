"""Launch time: `aiwatch --demo` runs its simulator in a child process (tui.sim.process, tui.sim.child).

- the app, driven with Pilot, reaches quotes through the child, on the same clock and seed as the in-process
  simulator (the same prices at a frozen instant), labelled DEMO;
- the child never outlives the app: SIGKILL, SIGTERM, SIGHUP to `aiwatch --demo` in a pseudo-terminal, and q;
- a child that fails to start is reported in the app (no traceback), the log says why, the status line says so;
- a child that dies is restarted once on its port (the feed comes back by itself), then declared stopped.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import signal
import sys
import time
from pathlib import Path

import pytest
from e2e_support import US_OPEN, loaded, wait_for

from tui.app import AiwatchApp
from tui.core.clock import Clock, parse_instant
from tui.runtime import Runtime
from tui.sim.process import SimProcess, SimulatorFailed
from tui.watchlists import load_all
from tui.widgets.board import QuoteBoard
from tui.widgets.status import StatusLine

ROOT = Path(__file__).resolve().parents[1]
FAILING_CHILD = [sys.executable, "-c", "import sys; sys.stderr.write('boom: no simulator here\\n'); sys.exit(3)"]

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX processes and signals")


def frozen() -> Clock:
    return Clock(at=parse_instant(US_OPEN), speed=0.0)


def gone(pid: int) -> bool:
    """No such process, or a zombie nobody has reaped yet (it has exited all the same)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        return False


def wait_until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout}s: {what}")
        time.sleep(0.05)


def demo_badge(app) -> bool:
    return "DEMO · SIMULATED DATA" in str(app.query_one("#source-badge").render())


def board_text(app) -> str:
    board = app.query_one(QuoteBoard)
    return "\n".join(board.row_text(i) for i in range(len(board.views)))


# -- the clock ------------------------------------------------------------------------------------------


def test_aligned_clock_reads_what_the_parent_read():
    parent = Clock(at=parse_instant(US_OPEN), speed=0.0)
    at, wall = parent.reading()
    assert Clock.aligned(at, wall, 0.0).now() == parent.now()  # frozen: exactly
    fast = Clock(at=parse_instant(US_OPEN), speed=60.0)
    at, wall = fast.reading()
    child = Clock.aligned(at, wall, 60.0)
    assert abs(child.now() - fast.now()) < 0.5  # 60x: within a few ms of wall time, i.e. well under a second


# -- the app through the child --------------------------------------------------------------------------


async def _quotes(runtime: Runtime, symbols) -> dict[str, float]:
    runtime.set_symbols(symbols)
    await runtime.start()
    try:
        assert not await runtime.wait_until_quoted(symbols, 30)
        return {s: runtime.store.quotes[s].price for s in symbols}
    finally:
        await runtime.stop()


async def test_process_demo_serves_the_same_prices_as_the_in_process_simulator():
    symbols = ["NVDA", "0981.HK", "TSLA"]
    inproc = await _quotes(Runtime(demo=True, clock=frozen(), seed=11, rate=20.0), symbols)
    child_rt = Runtime(demo=True, clock=frozen(), seed=11, rate=20.0, sim_process=True)
    child = await _quotes(child_rt, symbols)
    assert child == inproc  # same seed, same instant: the clocks agree
    assert child_rt.sim is None and child_rt.simulated
    assert not child_rt.sim_process.running()


async def test_app_reaches_quotes_through_the_child_process(tmp_path, monkeypatch):
    monkeypatch.setenv("AIWATCH_CONFIG_DIR", str(tmp_path))
    runtime = Runtime(demo=True, clock=frozen(), seed=7, rate=50.0, sim_process=True)
    app = AiwatchApp(runtime, load_all(), initial="ai-rivals")
    async with app.run_test(size=(120, 40)) as pilot:
        assert demo_badge(app)  # labelled before any data arrives
        wl = app.watchlist
        await wait_for(lambda: loaded(runtime, wl.symbols), timeout=60)
        await wait_for(lambda: "NVDA" in board_text(app) and "USD" in board_text(app))
        await wait_for(lambda: "live" in app.query_one(StatusLine).plain)
        proc = runtime.sim_process
        assert proc is not None and proc.running() and runtime.sim is None
        assert runtime.simulated and demo_badge(app)
        await pilot.press("q")
        await pilot.pause()
    assert not proc.running()  # q stops the child


async def test_a_child_that_fails_to_start_is_reported_in_the_app(tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("AIWATCH_CONFIG_DIR", str(tmp_path))
    runtime = Runtime(demo=True, clock=frozen(), sim_process=True, sim_command=FAILING_CHILD)
    app = AiwatchApp(runtime, load_all(), initial="ai-rivals")
    with caplog.at_level(logging.INFO):
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_for(lambda: any("did not start" in n.message for n in app._notifications))
            note = next(n.message for n in app._notifications if "did not start" in n.message)
            assert "exit status 3: boom: no simulator here" in note and "Traceback" not in note
            await wait_for(lambda: "simulator failed" in app.query_one(StatusLine).plain)
            assert app.is_running and demo_badge(app)
            await pilot.press("q")
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "starting it again" in logged  # one more try
    assert logged.count("boom: no simulator here") >= 2  # the log says why, each time


async def test_a_child_that_dies_is_restarted_once_then_declared_stopped(tmp_path, monkeypatch):
    monkeypatch.setenv("AIWATCH_CONFIG_DIR", str(tmp_path))
    runtime = Runtime(demo=True, clock=Clock(at=parse_instant(US_OPEN), speed=1.0), seed=7, rate=50.0,
                      sim_process=True)
    app = AiwatchApp(runtime, load_all(), initial="ai-rivals")
    status = lambda: app.query_one(StatusLine).plain  # noqa: E731
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(lambda: runtime.sim_process is not None and runtime.sim_process.urls is not None, 60)
        await wait_for(lambda: "live" in status(), 30)
        first = runtime.sim_process
        port = first.urls.port
        # counted before the kill: the stream's back-off may reach the new child before the app has read its URLs
        # and said "was restarted" (counted after that, its reconnection could already be in the count)
        connects = runtime.feed.status().connects
        os.kill(first.pid, signal.SIGKILL)
        await wait_for(lambda: any("restarting it" in n.message for n in app._notifications))
        await wait_for(lambda: any("was restarted" in n.message for n in app._notifications), 60)
        second = runtime.sim_process
        assert second is not first and second.running() and second.urls.port == port

        def back_live() -> bool:  # connected again (the first child is gone: to the second), and the status line,
            feed = runtime.feed.status()  # drawn since (it counts that reconnection), says so
            line = status()
            return feed.connects > connects and "yahoo live" in line and f"reconnects {feed.reconnects} ·" in line

        await wait_for(back_live, 30)

        os.kill(second.pid, signal.SIGKILL)
        await wait_for(lambda: any("stopped" in n.message and "quit and run" in n.message
                                   for n in app._notifications))
        await wait_for(lambda: "simulator stopped" in status())
        assert "killed by signal 9" in status()
        assert app.is_running
        await pilot.press("q")
        await pilot.pause()


async def test_ready_times_out_and_the_child_is_stopped():
    proc = SimProcess.spawn(None, command=[sys.executable, "-c", "import sys, time; sys.stdin.read()"])
    with pytest.raises(SimulatorFailed, match="did not start within"):
        await proc.ready(timeout=0.5)
    assert not proc.running()


async def test_child_leaves_when_its_stdin_closes():
    proc = SimProcess.spawn(frozen(), seed=7, rate=5.0)
    await proc.ready(timeout=60)
    proc.popen.stdin.close()  # what the kernel does when the app dies however it dies
    code = await asyncio.wait_for(proc.exited(), 20)
    assert code == 0


# -- the CLI: the child never outlives the app ----------------------------------------------------------


class DemoInPty:
    """`python -m tui --demo` on a pseudo-terminal; the child's pid read from the app's log."""

    def __init__(self, tmp: Path, entry: tuple[str, ...] = ("-m", "tui")) -> None:
        import fcntl
        import pty
        import struct
        import termios

        self.log = tmp / "log" / "aiwatch.log"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AIWATCH_", "TEXTUAL"))}
        env.update(TERM="xterm-256color", AIWATCH_CONFIG_DIR=str(tmp / "config"), AIWATCH_LOG_DIR=str(tmp / "log"),
                   AIWATCH_CACHE_DIR=str(tmp / "cache"), AIWATCH_DATA_DIR=str(tmp / "data"), PYTHONPATH=str(ROOT))
        pid, fd = pty.fork()
        if pid == 0:
            try:
                os.chdir(ROOT)
                os.execve(sys.executable, [sys.executable, *entry, "--demo", "--at", US_OPEN, "--speed", "0"], env)
            finally:
                os._exit(127)
        self.pid, self.fd = pid, fd
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
        self.out = b""
        self.status: int | None = None

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""

    def pump(self) -> None:
        import select

        r, _, _ = select.select([self.fd], [], [], 0.05)
        if r:
            try:
                self.out += os.read(self.fd, 1 << 16)
            except OSError:
                time.sleep(0.05)

    def child_pid(self, timeout: float = 60.0) -> int:
        """Once the app shows quotes from its simulator: the simulator's pid."""
        deadline = time.monotonic() + timeout
        while True:
            m = re.search(r"demo: simulator process (\d+) on", self.log_text())
            if m and "stream connected" in self.log_text() and b"NVDA" in self.out:
                return int(m.group(1))
            if time.monotonic() > deadline:
                self.kill()
                raise AssertionError(f"the demo did not come up; log:\n{self.log_text()[-2000:]}")
            self.pump()

    def pump_until(self, condition, timeout: float, what: str) -> None:
        """Read the terminal (so that the app never blocks on a full pty) until `condition()`."""
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"not within {timeout}s: {what}; log:\n{self.log_text()[-2000:]}")
            self.pump()

    def wait_exit(self, timeout: float = 15.0) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.pump()
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.status = status
                return os.waitstatus_to_exitcode(status)
        self.kill()
        raise AssertionError("the app did not exit")

    def kill(self) -> None:
        if self.status is None:
            try:
                os.kill(self.pid, signal.SIGKILL)
                _, self.status = os.waitpid(self.pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
        try:
            os.close(self.fd)
        except OSError:
            pass


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc and pseudo-terminals checked on Linux")
@pytest.mark.parametrize("how", ["SIGKILL", "SIGTERM", "SIGHUP", "q"])
def test_the_simulator_process_never_outlives_the_app(tmp_path, how):
    app = DemoInPty(tmp_path)
    try:
        child = app.child_pid()
        assert not gone(child)
        if how == "q":
            os.write(app.fd, b"q")
        else:
            os.kill(app.pid, getattr(signal, how))
        code = app.wait_exit()
        expected = {"SIGKILL": -9, "SIGTERM": 143, "SIGHUP": 129, "q": 0}[how]
        assert code == expected
        wait_until(lambda: gone(child), 10, f"simulator process {child} gone after {how} to the app")
    finally:
        app.kill()
        try:
            if "child" in locals() and not gone(child):
                os.kill(child, signal.SIGKILL)
        except ProcessLookupError:
            pass


# The app's process, run by these tests as `python -c MODULES_PROBE --demo ...`: SIGUSR1 writes the modules imported
# so far; the first daily history put in the store writes whether pandas was imported by then, and on which thread
# pandas was imported (a meta path finder sees the import begin).
MODULES_PROBE = """
import os, signal, sys, threading
out = sys.argv.pop(1)
seen = {}
def write(path, text):
    with open(path + ".tmp", "w") as f:
        f.write(text)
    os.replace(path + ".tmp", path)
class Watch:
    def find_spec(self, name, path=None, target=None):
        if name == "pandas":
            seen.setdefault("threads", []).append(threading.current_thread().name)
        return None
sys.meta_path.insert(0, Watch())
signal.signal(signal.SIGUSR1, lambda *_: write(out + ".first", " ".join(list(sys.modules))))
from tui.core.store import MarketStore
apply = MarketStore.apply_history
def apply_history(self, symbol, bars):
    if "history" not in seen:
        seen["history"] = "pandas" in sys.modules and hasattr(sys.modules["pandas"], "Series")
        write(out + ".history", f"{seen['history']} {','.join(seen.get('threads', []))}")
    return apply(self, symbol, bars)
MarketStore.apply_history = apply_history
from tui.cli import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="pseudo-terminals checked on Linux")
def test_the_app_process_never_imports_the_simulators_heavy_modules(tmp_path):
    """numpy, aiohttp.web and pandas are not imported in the app's process when its first frame with quotes is on
    screen: the first frame does not wait for them (the simulator's are its child's; pandas comes later, with
    the daily history, see below)."""
    probe = tmp_path / "modules"
    app = DemoInPty(tmp_path, ("-c", MODULES_PROBE, str(probe)))
    try:
        app.child_pid()  # quotes on screen
        os.kill(app.pid, signal.SIGUSR1)
        first = Path(f"{probe}.first")
        app.pump_until(first.exists, 10, "the app wrote its modules")
        os.write(app.fd, b"q")
        assert app.wait_exit() == 0
    finally:
        app.kill()
    imported = set(first.read_text().split())
    assert "textual.app" in imported and "aiohttp.client" in imported  # the list is the app's, after quotes
    assert not {"numpy", "aiohttp.web", "pandas", "tui.sim.server", "tui.sim.market"} & imported


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="pseudo-terminals checked on Linux")
def test_daily_history_waits_for_pandas_imported_off_the_event_loop(tmp_path):
    """The pairs' and the Nvidia dependency's analytics read daily history with pandas, whose first import takes
    0.3-0.5 s: the feed imports it in a worker thread and puts history in the store only after, so the screen's
    refresh (on the event loop's thread) never stands still for it."""
    probe = tmp_path / "modules"
    app = DemoInPty(tmp_path, ("-c", MODULES_PROBE, str(probe)))
    history = Path(f"{probe}.history")
    try:
        app.child_pid()
        app.pump_until(history.exists, 30, "daily history in the store")
        os.write(app.fd, b"q")
        assert app.wait_exit() == 0
    finally:
        app.kill()
    loaded, threads = history.read_text().split(" ")
    assert loaded == "True", "history reached the store before pandas was imported"
    assert threads and "MainThread" not in threads.split(","), f"pandas imported on {threads}"


PARENT_DIES = """
import os, subprocess, sys
from tui.core.clock import Clock
from tui.sim.process import child_command, child_env
p = subprocess.Popen(child_command(Clock(), seed=7, rate=5.0, faults=None, log_level="INFO"), stdin=subprocess.PIPE,
                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=child_env(), start_new_session=True)
assert p.stdout.readline().startswith(b"{")
os.set_inheritable(p.stdin.fileno(), True)  # someone else holds the pipe open: no end-of-file for the child
holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"], pass_fds=[p.stdin.fileno()],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
print(p.pid, holder.pid, flush=True)
os._exit(0)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_child_leaves_when_its_parent_dies_even_if_its_stdin_stays_open():
    import subprocess

    out = subprocess.run([sys.executable, "-c", PARENT_DIES], capture_output=True, text=True, timeout=90, cwd=ROOT,
                         env={**os.environ, "PYTHONPATH": str(ROOT)}, check=True)
    child, holder = (int(x) for x in out.stdout.split())
    try:
        wait_until(lambda: gone(child), 10, "the simulator gone after its parent died")
    finally:
        os.kill(holder, signal.SIGKILL)
        if not gone(child):
            os.kill(child, signal.SIGKILL)
