"""The app's side of the demo simulator's process (tui.sim.child): start it, read its URLs, watch it, stop it.

Light on purpose (no numpy, no aiohttp): the CLI imports it before Textual, so the child starts first and its
second of CPU overlaps the app's imports on the other core.

    proc = SimProcess.spawn(clock, seed=7, rate=20.0)     # returns at once
    urls = await proc.ready(timeout=30)                   # SimUrls, or SimulatorFailed saying why
    code = await proc.exited()                            # when it dies (or is stopped)
    await proc.stop()                                     # closes its stdin (it exits), then SIGTERM, SIGKILL

The child never outlives the app: it exits when its stdin pipe reaches end-of-file (the app closed it or died,
SIGKILL included) and, on Linux, when its parent dies (PR_SET_PDEATHSIG).
"""

from __future__ import annotations

import asyncio
import collections
import json
import logging
import os
import subprocess
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

STOP_GRACE = 2.0  # seconds the child gets to leave after its stdin closes, then SIGTERM, then SIGKILL
STDERR_LINES = 20  # the child's last stderr lines kept for the log and the failure message
# SSL_CERT_FILE / SSL_CERT_DIR for a process that makes no TLS connection: a path that does not exist, so OpenSSL
# loads no CA certificates (aiohttp reads the whole system bundle, twice, when imported)
NO_CA_CERTIFICATES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "no-ca-certificates")


class SimulatorFailed(RuntimeError):
    """The demo simulator did not start, or stopped; the message says why (for the user, no traceback)."""


@dataclass(frozen=True)
class SimUrls:
    base_url: str
    stream_url: str
    port: int
    pid: int


def child_command(clock: Any, *, seed: int, rate: float, faults: str | None, log_level: str,
                  port: int = 0) -> list[str]:
    """The child's command line: the same seed, rate and faults, and the app's clock (`Clock.reading()`)."""
    cmd = [sys.executable, "-m", "tui.sim.child", "--seed", str(seed), "--rate", repr(float(rate)),
           "--port", str(port), "--parent-pid", str(os.getpid()), "--log-level", log_level]
    if faults:
        cmd += ["--faults", faults]
    if clock is not None and getattr(clock, "pinned", False):
        at, at_wall = clock.reading()
        cmd += ["--at", repr(at), "--at-wall", repr(at_wall), "--speed", repr(float(clock.speed))]
    return cmd


def child_env() -> dict[str, str]:
    """The app's environment, and:

    - the `tui` this process runs, first on the child's path: the same code, wherever it was imported from;
    - no CA certificates: the simulator serves plain HTTP on loopback and makes no TLS connection, yet aiohttp
      builds a verified TLS context when imported, reading the system's CA bundle (about 0.1 s of start-up)."""
    import tui

    root = os.path.dirname(os.path.dirname(os.path.abspath(tui.__file__)))
    path = os.environ.get("PYTHONPATH")
    return {**os.environ, "PYTHONPATH": os.pathsep.join([root, path] if path else [root]),
            "PYTHONUNBUFFERED": "1", "SSL_CERT_FILE": NO_CA_CERTIFICATES, "SSL_CERT_DIR": NO_CA_CERTIFICATES}


class _Outcome:
    """A value set once by a thread, awaited by any number of tasks (on any loop)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._set = False
        self._value: Any = None
        self._waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Future]] = []

    def set(self, value: Any) -> None:
        with self._lock:
            self._value, self._set = value, True
            waiters, self._waiters = self._waiters, []
        for loop, fut in waiters:
            try:
                loop.call_soon_threadsafe(_resolve, fut, value)
            except RuntimeError:  # that loop has closed: nobody is waiting any more
                pass

    async def wait(self) -> Any:
        with self._lock:
            if self._set:
                return self._value
            fut = asyncio.get_running_loop().create_future()
            self._waiters.append((asyncio.get_running_loop(), fut))
        return await fut


def _resolve(fut: asyncio.Future, value: Any) -> None:
    if not fut.done():
        fut.set_result(value)


class SimProcess:
    """One child process running the simulator, watched from its start by two daemon threads (its stdout: the
    URLs, then its end; its stderr: the last lines, for the log)."""

    def __init__(self, popen: subprocess.Popen, command: Sequence[str]) -> None:
        self.popen = popen
        self.command = list(command)
        self.pid = popen.pid
        self.urls: SimUrls | None = None
        self.stopping = False
        self._stderr: collections.deque[str] = collections.deque(maxlen=STDERR_LINES)
        self._urls = _Outcome()  # SimUrls, None (it ended first) or a str (what was wrong with its line)
        self._exit = _Outcome()  # its exit status
        self._stderr_thread = threading.Thread(target=self._drain_stderr, name="sim-stderr", daemon=True)
        self._stderr_thread.start()
        threading.Thread(target=self._watch_stdout, name="sim-stdout", daemon=True).start()

    @classmethod
    def spawn(cls, clock: Any, *, seed: int = 7, rate: float = 20.0, faults: str | None = None,
              log_level: str = "INFO", port: int = 0, command: Sequence[str] | None = None) -> SimProcess:
        """Start the child (returns at once). `command` replaces the child's command line (tests)."""
        cmd = list(command) if command is not None else child_command(
            clock, seed=seed, rate=rate, faults=faults, log_level=log_level, port=port)
        popen = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 env=child_env(), start_new_session=True, close_fds=True)
        log.info("demo simulator: process %s started", popen.pid)
        return cls(popen, cmd)

    # -- the child's output (daemon threads) -----------------------------------------------------------
    def _drain_stderr(self) -> None:
        stream = self.popen.stderr
        if stream is None:
            return
        try:
            for raw in stream:
                line = raw.decode("utf-8", "replace").rstrip()
                if line:
                    self._stderr.append(line)
        except (OSError, ValueError):
            pass

    def _watch_stdout(self) -> None:
        """The first line (the URLs), then to end-of-file (the child ends), then its exit status."""
        stream = self.popen.stdout
        try:
            line = stream.readline() if stream is not None else b""
            if not line:
                self._urls.set(None)
            else:
                try:
                    doc = json.loads(line)
                    self._urls.set(SimUrls(doc["base_url"], doc["stream_url"], int(doc.get("port", 0)),
                                           int(doc.get("pid", self.pid))))
                except (ValueError, KeyError, TypeError) as exc:
                    self._urls.set(f"{exc.__class__.__name__}: {exc} in {line[:200]!r}")
            while stream is not None and stream.read(4096):
                pass
        except (OSError, ValueError):
            self._urls.set(None)
        code = self.popen.wait()
        self._stderr_thread.join(timeout=2.0)  # its last words, before anyone asks why it left
        self._exit.set(code)

    def stderr_tail(self) -> str:
        return "\n".join(self._stderr)

    # -- for the runtime ---------------------------------------------------------------------------
    async def ready(self, timeout: float = 30.0) -> SimUrls:
        """The child's URLs once it serves; SimulatorFailed if it exits first or takes longer than `timeout`."""
        try:
            urls = await asyncio.wait_for(self._urls.wait(), timeout)
        except TimeoutError:
            await self.stop()
            raise SimulatorFailed(f"the demo simulator did not start within {timeout:g}s") from None
        if isinstance(urls, str):
            await self.stop()
            raise SimulatorFailed(f"the demo simulator said something unexpected ({urls})")
        if urls is None:
            code = await self.exited()
            raise SimulatorFailed(f"the demo simulator did not start ({self.describe_exit(code)})")
        self.urls = urls
        return urls

    async def exited(self) -> int:
        """The child's exit status, once it has exited (negative: killed by that signal)."""
        return await self._exit.wait()

    def describe_exit(self, code: int) -> str:
        why = f"killed by signal {-code}" if code < 0 else f"exit status {code}"
        tail = self._stderr[-1] if self._stderr else ""
        return f"{why}: {tail}" if tail else why

    def running(self) -> bool:
        return self.popen.poll() is None

    async def stop(self) -> None:
        """Close its stdin (it leaves by itself), then SIGTERM, then SIGKILL; always reaped."""
        self.stopping = True
        if self.popen.stdin is not None and not self.popen.stdin.closed:
            try:
                self.popen.stdin.close()
            except OSError:
                pass
        for send in (None, self.popen.terminate, self.popen.kill):
            if send is not None and self.popen.poll() is None:
                try:
                    send()
                except OSError:
                    pass
            try:
                await asyncio.wait_for(self.exited(), STOP_GRACE)
                break
            except TimeoutError:
                continue
        if self.popen.poll() is not None:
            log.info("demo simulator: process %s stopped (%s)", self.pid, self.describe_exit(self.popen.returncode))

    def kill_now(self) -> None:
        """Synchronous last resort (no event loop): SIGKILL and reap."""
        self.stopping = True
        if self.popen.poll() is None:
            try:
                self.popen.kill()
                self.popen.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                pass
