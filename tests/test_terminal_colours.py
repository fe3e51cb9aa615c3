"""Over SSH: a real `python -m tui --demo` in an 80×24 pseudo-terminal with 256 colours, 16 colours
(TEXTUAL_COLOR_SYSTEM=standard) and NO_COLOR shows quotes, writes only the colour sequences that terminal
takes (none at all under NO_COLOR), and `q` exits 0.

The pty driver is tests/pty_support.py's PtyApp. It builds the child's environment
itself and drops TEXTUAL_* variables, so the colour setting is added to the environment handed to execve.
"""

from __future__ import annotations

import os
import re
import sys
import time

import pytest
from pty_support import AT, PtyApp

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX pseudo-terminals")

SGR = re.compile(rb"\x1b\[([0-9;:]*)m")


def colour_kinds(out: bytes) -> set[str]:
    """Which colour encodings the SGR sequences in `out` use: "truecolor" (38;2 / 48;2), "256" (38;5 / 48;5),
    "16" (30–37, 40–47, 90–97, 100–107, 39/49 defaults excluded)."""
    kinds: set[str] = set()
    for m in SGR.finditer(out):
        params = [p for p in re.split(rb"[;:]", m.group(1)) if p != b""]
        i = 0
        while i < len(params):
            p = int(params[i])
            if p in (38, 48, 58) and i + 1 < len(params):
                mode = int(params[i + 1])
                kinds.add("truecolor" if mode == 2 else "256")
                i += 5 if mode == 2 else 3
                continue
            if 30 <= p <= 37 or 40 <= p <= 47 or 90 <= p <= 97 or 100 <= p <= 107:
                kinds.add("16")
            i += 1
    return kinds


def test_colour_kinds_reads_sgr():
    assert colour_kinds(b"\x1b[1;38;2;10;20;30mx\x1b[0m") == {"truecolor"}
    assert colour_kinds(b"\x1b[38;5;208;48;5;16mx") == {"256"}
    assert colour_kinds(b"\x1b[1;31;104mx\x1b[39;49m") == {"16"}
    assert colour_kinds(b"\x1b[1;4;7mx\x1b[0m\x1b[m") == set()


@pytest.fixture
def launch(tmp_path, monkeypatch):
    apps: list[PtyApp] = []

    def start(extra_env: dict[str, str]) -> PtyApp:
        real_execve = os.execve

        def execve(path, args, env):  # runs in the forked child only
            return real_execve(path, args, {**env, **extra_env})

        monkeypatch.setattr(os, "execve", execve)
        try:
            app = PtyApp(tmp_path, "--demo", "--at", AT, "--speed", "0", size=(80, 24))
        finally:
            monkeypatch.setattr(os, "execve", real_execve)
        apps.append(app)
        app.wait_ready()
        return app

    yield start
    for app in apps:
        app.kill()


def _wait_for_bytes(app: PtyApp, *needles: bytes, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not all(n in app.out for n in needles):
        if time.monotonic() > deadline:
            tail = app.out[-3000:]
            raise AssertionError(f"{needles} not on screen; last bytes: {tail!r}; log:\n{app.log_text()[-1500:]}")
        app.pump(0.1)


@pytest.mark.parametrize("env, allowed, expected", [
    ({"TEXTUAL_COLOR_SYSTEM": "256"}, {"256", "16"}, "256"),
    ({"TEXTUAL_COLOR_SYSTEM": "standard"}, {"16"}, "16"),
    ({"NO_COLOR": "1"}, set(), None),
], ids=["256-colours", "16-colours", "no-color"])
def test_renders_in_a_real_terminal_at_80x24(launch, env, allowed, expected):
    app = launch(env)
    _wait_for_bytes(app, b"NVDA", b"DEMO", b"Last")  # a quote row, the DEMO label, the board's header
    # prices arrive after the first frame and are painted cell by cell: a price after the symbol
    deadline = time.monotonic() + 20
    while not re.search(rb"\d+\.\d\d", app.out[app.out.index(b"NVDA"):]):
        assert time.monotonic() < deadline, "no price on screen"
        app.pump(0.1)
    kinds = colour_kinds(app.out)
    assert kinds <= allowed, f"{env}: colour sequences {kinds - allowed} written, only {allowed or 'none'} allowed"
    if expected is not None:
        assert expected in kinds, f"{env}: no {expected}-colour sequence at all"
    mark = len(app.out)
    os.write(app.fd, b"q")
    status = app.wait_exit()
    assert status == 0, f"{env}: exit status {status}; log:\n{app.log_text()[-1500:]}"
    assert b"\x1b[?1049l" in app.out[mark:], "the alternate screen was not left"


def _sgr_before(out: bytes, text: bytes) -> set[int]:
    """The SGR parameters in force where `text` is first written (those of the last SGR sequences before it, back
    to a reset)."""
    at = out.index(text)
    params: set[int] = set()
    for m in reversed(list(SGR.finditer(out, 0, at))):
        values = [int(p) for p in re.split(rb"[;:]", m.group(1)) if p != b""] or [0]
        params.update(values)
        if 0 in values:
            break
    return params


RED = {31, 91, 41, 101}


def test_16_colours_keep_the_accent_and_the_warnings_off_the_loss_colour(launch):
    """TEXTUAL_COLOR_SYSTEM=standard: the DEMO badge, the delay marks (Tokyo's +20m: the demo's Chinese listings
    come from a real-time source) and the cursor row are not the red of a fall."""
    app = launch({"TEXTUAL_COLOR_SYSTEM": "standard"})
    _wait_for_bytes(app, b"DEMO \xc2\xb7 SIMULATED DATA", b"+20m", b"NVDA")
    deadline = time.monotonic() + 20
    while not re.search(rb"\d+\.\d\d", app.out[app.out.index(b"NVDA"):]):
        assert time.monotonic() < deadline, "no price on screen"
        app.pump(0.1)
    badge = _sgr_before(app.out, b"DEMO \xc2\xb7 SIMULATED DATA")
    assert badge & {43, 103} and not badge & RED, f"the DEMO badge is drawn with {badge}"
    delay = _sgr_before(app.out, b"+20m")
    assert delay & {33, 93} and not delay & RED, f"+20m is drawn with {delay}"
    cursor = _sgr_before(app.out, b"NVDA")  # the first row: the cursor's
    assert not cursor & RED, f"the cursor row is drawn with {cursor}"
    os.write(app.fd, b"q")
    assert app.wait_exit() == 0


def test_no_color_still_splits_us_from_china(launch):
    """NO_COLOR: the US | CN bar draws China's share in another glyph, so the split shows without colour."""
    app = launch({"NO_COLOR": "1"})
    _wait_for_bytes(app, b"US | CN", "▒".encode(), timeout=30)
    os.write(app.fd, b"q")
    assert app.wait_exit() == 0
