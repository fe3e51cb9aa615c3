"""Signals and terminals: a real `aiwatch --demo` in a pseudo-terminal ends cleanly on SIGTERM, SIGHUP, SIGINT,
Ctrl+C and q — terminal restored (alternate screen left, cursor shown), the exit status a shell expects
(128 + signal, 0 for q), and the feed stopped before exit. A dropped SSH connection (the pty master closed: the
kernel's SIGHUP, and every write to the terminal failing) ends it too, instead of hanging.
"""

from __future__ import annotations

import os
import signal
import sys

import pytest
from pty_support import AT, EXIT_ALT_SCREEN, SHOW_CURSOR, PtyApp

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX pseudo-terminals and signals")


@pytest.fixture
def demo(tmp_path):
    apps: list[PtyApp] = []

    def start(*extra: str, size: tuple[int, int] = (100, 30)) -> PtyApp:
        app = PtyApp(tmp_path, "--demo", "--at", AT, "--speed", "0", *extra, size=size)
        apps.append(app)
        app.wait_ready()
        return app

    yield start
    for app in apps:
        app.kill()


def _assert_clean_exit(app: PtyApp, mark: int, status: int | None, expected: int, what: str) -> None:
    assert status == expected, f"{what}: exit status {status}, expected {expected}; log:\n{app.log_text()[-1500:]}"
    tail = app.out[mark:]
    assert EXIT_ALT_SCREEN in tail, f"{what}: the alternate screen was not left"
    assert SHOW_CURSOR in tail[tail.rindex(EXIT_ALT_SCREEN):], f"{what}: the cursor was not shown again"
    log = app.log_text()
    assert "feed stopped" in log, f"{what}: the feed was not stopped before exit"


@pytest.mark.parametrize("signame, expected", [("SIGTERM", 143), ("SIGHUP", 129), ("SIGINT", 130)])
def test_signal_ends_the_app_cleanly(demo, signame, expected):
    app = demo()
    mark = len(app.out)
    os.kill(app.pid, getattr(signal, signame))
    status = app.wait_exit()
    _assert_clean_exit(app, mark, status, expected, signame)
    log = app.log_text()
    assert log.index(f"{signame} received") < log.rindex("feed stopped")


@pytest.mark.parametrize("key, expected", [(b"\x03", 130), (b"q", 0)], ids=["ctrl+c", "q"])
def test_keys_end_the_app_cleanly(demo, key, expected):
    app = demo()
    mark = len(app.out)
    os.write(app.fd, key)
    status = app.wait_exit()
    _assert_clean_exit(app, mark, status, expected, repr(key))


def test_dropped_connection_does_not_hang(demo):
    """The SSH connection drops: the pty master goes away, the kernel sends SIGHUP and writes fail (EIO)."""
    app = demo()
    app.close()
    status = app.wait_exit(timeout=10.0)
    assert status == 129, f"exit status {status} after the terminal went away; log:\n{app.log_text()[-1500:]}"
    log = app.log_text()
    assert "SIGHUP received" in log and "feed stopped" in log
    assert "Traceback" not in log
