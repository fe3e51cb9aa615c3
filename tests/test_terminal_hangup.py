"""A terminal that vanishes without a SIGHUP (its other end closed by a dying parent, no controlling tty):
the app must notice, stop, and exit 129 — not spin a core for ever on end-of-file, as Textual's input thread
does on its own."""

from __future__ import annotations

import fcntl
import os
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(sys.platform != "linux", reason="pseudo-terminal semantics checked on Linux")
def test_app_leaves_when_its_terminal_vanishes_without_a_sighup():
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "tui", "--demo", "--at", "2026-11-24T15:00:00Z", "--speed", "0"],
        stdin=slave, stdout=slave, stderr=slave, cwd=ROOT, env=env, start_new_session=True,
    )
    os.close(slave)
    try:
        seen = b""
        deadline = time.monotonic() + 30
        while b"NVDA" not in seen and time.monotonic() < deadline:
            try:
                seen += os.read(master, 65536)
            except OSError:
                break
        assert b"NVDA" in seen, "the app never drew its board"
        os.close(master)  # the terminal is gone; nobody sends SIGHUP
        closed_at = time.monotonic()
        code = proc.wait(timeout=20)
        elapsed = time.monotonic() - closed_at
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    # before the fix it never left, its input thread burning a whole core on end-of-file
    assert code == 129
    assert elapsed < 15
