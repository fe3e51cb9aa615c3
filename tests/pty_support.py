"""A real `python -m tui …` on a pseudo-terminal, for tests that need the bytes a terminal receives (signals,
hang-ups, colour systems, hostile names)."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import struct
import sys
import termios
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
AT = "2026-11-24T15:00:00Z"  # New York open, frozen clock
EXIT_ALT_SCREEN = b"\x1b[?1049l"
ENTER_ALT_SCREEN = b"\x1b[?1049h"
SHOW_CURSOR = b"\x1b[?25h"


class PtyApp:
    """`python -m tui ARGS` on a pseudo-terminal of `size`; collects every byte it writes."""

    def __init__(self, tmp: Path, *args: str, size: tuple[int, int] = (100, 30)) -> None:
        self.log_dir = tmp / "log"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AIWATCH_", "TEXTUAL"))}
        env.update(TERM="xterm-256color", AIWATCH_CONFIG_DIR=str(tmp / "config"), AIWATCH_CACHE_DIR=str(tmp / "cache"),
                   AIWATCH_LOG_DIR=str(self.log_dir), AIWATCH_DATA_DIR=str(tmp / "data"), PYTHONPATH=str(ROOT))
        self.out = b""
        self.status: int | None = None
        pid, fd = pty.fork()
        if pid == 0:  # the child: never returns
            try:
                os.chdir(ROOT)
                os.execve(sys.executable, [sys.executable, "-m", "tui", *args], env)
            finally:
                os._exit(127)
        self.pid, self.fd = pid, fd
        cols, rows = size
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))

    def pump(self, seconds: float = 0.05) -> None:
        if self.fd < 0:
            time.sleep(seconds)
            return
        r, _, _ = select.select([self.fd], [], [], seconds)
        if r:
            try:
                self.out += os.read(self.fd, 1 << 16)
            except OSError:
                pass

    def log_text(self) -> str:
        path = self.log_dir / "aiwatch.log"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""

    def wait_ready(self, timeout: float = 30.0) -> None:
        """Until the screen is up and the stream connected (the feed is running)."""
        deadline = time.monotonic() + timeout
        while not (ENTER_ALT_SCREEN in self.out and b"DEMO" in self.out and "stream connected" in self.log_text()):
            if time.monotonic() > deadline:
                self.kill()
                raise AssertionError(f"the app did not come up; log:\n{self.log_text()[-2000:]}")
            self.pump(0.1)

    def wait_exit(self, timeout: float = 10.0) -> int | None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.pump(0.05)
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.status = os.waitstatus_to_exitcode(status)
                for _ in range(20):  # what is left in the pty
                    before = len(self.out)
                    self.pump(0.02)
                    if len(self.out) == before:
                        break
                return self.status
        return None

    def kill(self) -> None:
        if self.status is None:
            try:
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
        self.close()

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1
