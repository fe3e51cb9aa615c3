"""A child process in a pseudo-terminal of a fixed size; every byte it writes is read and counted, nothing
is answered (Textual's terminal queries go unanswered, as on a dumb terminal). CPU time and resident memory
come from /proc/PID (Linux)."""

from __future__ import annotations

import fcntl
import os
import signal
import struct
import subprocess
import termios
import threading
import time

CLK_TCK = os.sysconf("SC_CLK_TCK")


class PtyProcess:
    def __init__(self, argv: list[str], env: dict[str, str], *, cols: int = 120, rows: int = 40,
                 cwd: str | None = None, keep: int = 1 << 20) -> None:
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self.spawn_wall = time.time()
        self.spawn_mono = time.monotonic()
        self.proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env, cwd=cwd,
                                     start_new_session=True, close_fds=True)
        os.close(slave)
        self.master = master
        self.pid = self.proc.pid
        self.total = 0  # bytes read from the terminal so far
        self.first_byte_mono: float | None = None
        self._keep = keep
        self.tail = bytearray()  # the last `keep` bytes (for error reports)
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, name=f"pty-{self.pid}", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                data = os.read(self.master, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not data:
                break
            with self._lock:
                if self.first_byte_mono is None:
                    self.first_byte_mono = time.monotonic()
                self.total += len(data)
                self.tail += data
                if len(self.tail) > self._keep:
                    del self.tail[: len(self.tail) - self._keep]

    def bytes_written(self) -> int:
        with self._lock:
            return self.total

    def cpu_seconds(self) -> float:
        """user + system CPU seconds of the process (all its threads) so far."""
        with open(f"/proc/{self.pid}/stat", encoding="ascii") as fh:
            rest = fh.read().rsplit(")", 1)[1].split()
        return (int(rest[11]) + int(rest[12])) / CLK_TCK

    def rss_bytes(self) -> int:
        with open(f"/proc/{self.pid}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        return 0

    def alive(self) -> bool:
        return self.proc.poll() is None

    def text_tail(self, n: int = 4000) -> str:
        with self._lock:
            return bytes(self.tail[-n:]).decode("utf-8", "replace")

    def quit(self, key: bytes = b"q", timeout: float = 8.0) -> int | None:
        """Press `key`, then SIGTERM, then SIGKILL; returns the exit status."""
        if self.alive():
            try:
                os.write(self.master, key)
            except OSError:
                pass
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.send_signal(signal.SIGTERM)
                try:
                    self.proc.wait(3)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait(3)
        self._reader.join(2)
        try:
            os.close(self.master)
        except OSError:
            pass
        return self.proc.returncode
