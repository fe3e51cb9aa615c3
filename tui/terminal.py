"""The terminal as the app writes to it: output that survives a dropped SSH connection or a dead web server.

A terminal can go away under a running app: the SSH connection drops (writes fail with EIO), the pty's other end
is closed without a SIGHUP reaching us, or textual-serve's server dies under a browser tab (writes fail with
EPIPE). Textual's writer gives up on the first failed write in ways that hang or crash the app; these wrappers
drop failed writes instead and remember it, and `terminal_hung_up` tells the app's once-a-second tick that it is
time to stop the feed and exit as after a hang-up (status 129). The same driver empties the alternate screen as
the app leaves it, so nothing of the app's is copied into the shell's scrollback (`CLEAR_ALT_SCREEN`).
"""

from __future__ import annotations

import select


class Severable:
    """Output that survives its reader going away: calls pass through until one fails, then every later call
    is dropped, and `broken` says so (read by `terminal_hung_up`)."""

    broken = False

    def _through(self, call, *args, dropped=None):
        if not self.broken:
            try:
                return call(*args)
            except (OSError, ValueError):
                self.broken = True
        return dropped


class HangupSafeFile(Severable):
    """The terminal as Textual's writer thread sees it, surviving a hang-up.

    When an SSH connection drops, writes to the terminal fail (EIO). Textual's writer thread dies on the first
    failure, its bounded queue fills, and the app blocks forever while shutting down. Writes that fail are
    dropped instead, so the app still stops its feed and exits.
    """

    def __init__(self, file) -> None:
        self._file = file

    def write(self, text: str) -> int:
        return self._through(self._file.write, text, dropped=len(text))

    def flush(self) -> None:
        self._through(self._file.flush)

    def __getattr__(self, name: str):
        return getattr(self._file, name)


class HangupSafeWrite(Severable):
    """The web driver's raw write to textual-serve's pipe, surviving the server going away.

    Textual's WebDriver writes each frame with `os.write` on the app's own thread. When the server dies under an
    open tab, that write raises BrokenPipeError inside Textual's screen update: the app panicked, tore its screens
    down while its timers still ran, and ended with a traceback in the log. Writes that fail are dropped instead,
    and `terminal_hung_up` sees `broken`, so the app stops its feed and exits as after a hang-up.
    """

    def __init__(self, write) -> None:
        self._write = write

    def __call__(self, data: bytes) -> int:
        return self._through(self._write, data, dropped=len(data))


# Home and erase the whole screen. Written as the app leaves, while the alternate screen is still on: tmux (3.3)
# copies a line of the alternate screen that is wider than the terminal was when the app started into the shell's
# scrollback as it switches back, so a terminal grown while the app ran kept up to a dozen board lines above the
# prompt. An empty alternate screen leaves nothing to copy, on every terminal. Home, then erase to the end: the
# whole screen, written as CSI J rather than CSI 2J so that the app's own bytes never hold the clear-screen sequence
# a hostile name could carry (tests/test_hostile_source.py scans a run's terminal bytes for it).
CLEAR_ALT_SCREEN = "\x1b[H\x1b[J"


def hangup_safe_driver(driver_class):
    """`driver_class` with its output wrapped: a terminal's file in HangupSafeFile, the web driver's pipe write
    in HangupSafeWrite (a driver with neither is left alone); a terminal's alternate screen is emptied on exit."""

    class HangupSafeDriver(driver_class):  # type: ignore[misc, valid-type]
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            if getattr(self, "_file", None) is not None:
                self._file = HangupSafeFile(self._file)
            elif getattr(self, "is_web", False) and callable(getattr(self, "_write", None)):
                self._write = HangupSafeWrite(self._write)

        def start_application_mode(self) -> None:
            super().start_application_mode()
            if getattr(self, "is_web", False):
                self._resend_size()

        def stop_application_mode(self) -> None:
            if getattr(self, "_file", None) is not None:
                self.write(CLEAR_ALT_SCREEN)  # before Textual leaves the alternate screen
            super().stop_application_mode()

        def _resend_size(self) -> None:
            """The web driver posts its start-up size from another thread, and it may arrive after the browser's
            first resize: the app would stay at the page's first size. Post the size the browser gave last, after
            it (the app ignores a Resize of the size it already has)."""
            import asyncio

            from textual import events
            from textual.geometry import Size

            app = self._app

            async def latest() -> None:
                size = getattr(self, "_size", None)
                if size:
                    await app._post_message(events.Resize(Size(*size), Size(*size)))

            asyncio.run_coroutine_threadsafe(latest(), asyncio.get_running_loop())

    HangupSafeDriver.__name__ = HangupSafeDriver.__qualname__ = f"HangupSafe{driver_class.__name__}"
    return HangupSafeDriver


_HANGUP = select.POLLHUP | select.POLLERR | select.POLLNVAL


def terminal_hung_up(driver) -> bool:
    """Whether the terminal behind `driver` is gone: a write failed, or its input reports a hang-up.

    A terminal can vanish without a SIGHUP reaching us (no controlling tty: a pty whose other end was closed
    by a dying parent). Textual's input thread then sees end-of-file at once, every time, and spins a core;
    this check lets the app notice and leave.
    """
    if any(isinstance(out, Severable) and out.broken
           for out in (getattr(driver, "_file", None), getattr(driver, "_write", None))):
        return True
    fd = getattr(driver, "fileno", None)
    if not isinstance(fd, int):
        return False
    try:
        poller = select.poll()
        poller.register(fd, _HANGUP)
        return any(events & _HANGUP for _, events in poller.poll(0))
    except (OSError, ValueError):
        return False
