"""The terminal grows while the app runs, then the user quits: the shell's screen holds nothing of the app's.

tmux (3.3) copies every line of the alternate screen that is wider than the terminal was when the app started
into the shell's scrollback as it switches back, so up to a dozen board lines were left above the prompt. The app
now empties the alternate screen before leaving it (tui/terminal.py). One test drives a real tmux; the other reads
the bytes a pseudo-terminal receives, so the rule holds where tmux is not installed.
"""

from __future__ import annotations

import fcntl
import os
import re
import shlex
import shutil
import struct
import subprocess
import sys
import termios
import time

import pytest
from pty_support import AT, EXIT_ALT_SCREEN, ROOT, PtyApp

from tui.terminal import CLEAR_ALT_SCREEN

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX pseudo-terminals")

BEFORE, AFTER = "before the app", "after the app"
WIDE = "New York"  # the header names markets in full from 100 columns: the app has drawn at the grown size


def _wait(condition, timeout: float, what: str, detail=lambda: ""):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}\n{detail()}")
        time.sleep(0.1)


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
@pytest.mark.parametrize("grown", [(100, 30), (120, 40)], ids=["100x30", "120x40"])
@pytest.mark.parametrize("key", ["q", "C-c"])
def test_tmux_main_screen_is_clean_after_the_window_grew(tmp_path, grown, key):
    socket = f"aiwatch-test-{os.getpid()}-{key}-{grown[0]}"
    env = {"AIWATCH_CONFIG_DIR": tmp_path / "config", "AIWATCH_CACHE_DIR": tmp_path / "cache",
           "AIWATCH_DATA_DIR": tmp_path / "data", "AIWATCH_LOG_DIR": tmp_path / "log",
           "PYTHONPATH": ROOT, "TERM": "tmux-256color"}
    app = " ".join(shlex.quote(str(a)) for a in [sys.executable, "-m", "tui", "--demo", "--at", AT, "--speed", "0"])
    assignments = " ".join(f"{k}={shlex.quote(str(v))}" for k, v in env.items())
    script = (f"cd {shlex.quote(str(ROOT))}; echo {shlex.quote(BEFORE)}; env {assignments} {app}; "
              f"echo {shlex.quote(AFTER)}; exec sleep 600")

    # The server's panes inherit this environment: no COLUMNS/LINES (set under pytest), which would pin the app's
    # size whatever the window's, and none of the suite's aiwatch or Textual settings.
    server_env = {k: v for k, v in os.environ.items()
                  if k not in ("COLUMNS", "LINES", "TMUX") and not k.startswith(("AIWATCH_", "TEXTUAL"))}

    def tmux(*args: str) -> str:
        return subprocess.run(["tmux", "-L", socket, "-f", "/dev/null", *args], check=True, env=server_env,
                              capture_output=True, text=True, timeout=10).stdout

    def pane(history: bool = False) -> str:
        return tmux("capture-pane", "-p", "-t", "t", *(["-S", "-"] if history else []))

    tmux("new-session", "-d", "-s", "t", "-x", "80", "-y", "24", "sh", "-c", script)
    try:
        _wait(lambda: "DEMO" in pane() and "USD" in pane(), 60, "the board", pane)
        tmux("resize-window", "-t", "t", "-x", str(grown[0]), "-y", str(grown[1]))
        _wait(lambda: WIDE in pane(), 30, f"a frame at {grown[0]}x{grown[1]}", pane)
        tmux("send-keys", "-t", "t", key)
        _wait(lambda: AFTER in pane(), 30, "the app to exit", pane)
        lines = [line.rstrip() for line in pane(history=True).splitlines() if line.strip()]
        assert lines == [BEFORE, AFTER], "the app's lines were left on the shell's screen:\n" + "\n".join(lines)
    finally:
        subprocess.run(["tmux", "-L", socket, "kill-server"], check=False, env=server_env, capture_output=True, timeout=10)


def test_the_alternate_screen_is_emptied_before_it_is_left(tmp_path):
    """On any terminal: after the last frame, the screen is cleared, then the alternate screen is left."""
    app = PtyApp(tmp_path, "--demo", "--at", AT, "--speed", "0", size=(80, 24))
    try:
        app.wait_ready()
        mark = len(app.out)
        fcntl.ioctl(app.fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))  # the kernel sends SIGWINCH
        deadline = time.monotonic() + 30
        while WIDE.encode() not in app.out[mark:]:
            assert time.monotonic() < deadline, "no frame at the grown size"
            app.pump(0.1)
        os.write(app.fd, b"q")
        assert app.wait_exit() == 0, app.log_text()[-1500:]
        leave = app.out.rindex(EXIT_ALT_SCREEN)
        clear = app.out.rfind(CLEAR_ALT_SCREEN.encode(), 0, leave)
        assert clear > mark, "the alternate screen was left without being emptied"
        between = re.sub(rb"\x1b\[[?<>=]?[0-9;]*[a-zA-Z]", b"", app.out[clear:leave])
        assert between == b"", f"drawn after the screen was emptied: {between[:200]!r}"
    finally:
        app.kill()
