"""`aiwatch serve`: the app in a browser through textual-serve (each browser tab runs its own aiwatch).

Bound to 127.0.0.1 unless a host is given. textual-serve has no login: anyone who can reach the port gets the
app (and can run its alert command, if one is configured), so a host beyond loopback gets a warning.

Every tab's aiwatch ends soon after its browser goes, and all of them when `serve` stops; a shared server never
fills with orphans. `serve` keeps track of its tabs' processes (`TabProcess`):

- each runs in a session of its own (its process group), so that it and anything it starts can be ended as one;
- a browser that goes without closing its connection (a closed laptop lid, a dropped network, a headless browser
  that exits) is noticed by the websocket's ping: no answer within HEARTBEAT * 1.5 seconds and the tab is over;
- a tab that is over is asked to quit (what closing the page does); one that has not left QUIT_GRACE seconds
  after it was up (START_GRACE at most for that) gets SIGTERM, after TERM_GRACE more SIGKILL, to its whole
  process group;
- `serve` stopping (Ctrl+C, SIGTERM) ends every tab the same way before it exits.

A tab whose serve is gone (even killed with SIGKILL) notices it the way the terminal app notices a hang-up: its
pipes to serve are closed (tui/terminal.py), so it stops its feed and simulator and exits.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import os
import shlex
import signal
import sys

log = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
WARNING = ("aiwatch serve: WARNING: bound to {host}, beyond loopback. textual-serve has no login: anyone who can "
           "reach port {port} gets the app. Put it behind an SSH tunnel or an authenticating proxy instead.")
HEARTBEAT = 4.0  # seconds between websocket pings; textual-serve's 15 left a lid-closed tab running for 20+ s
START_GRACE = 30.0  # seconds a tab's aiwatch gets to start (imports, first frame) before it is asked to quit
QUIT_GRACE = 5.0  # seconds a started aiwatch gets to quit by itself (it stops its feed and simulator first)
TERM_GRACE = 5.0  # then SIGTERM to its process group; after this many more seconds, SIGKILL
SHUTDOWN_TIMEOUT = 5.0  # seconds aiohttp waits for open connections when serve stops (its default is 60)


def is_loopback(host: str) -> bool:
    if host.lower() in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def app_argv(args: list[str]) -> list[str]:
    """The command each browser session runs: this Python, this package, `args`."""
    return [sys.executable, "-m", "tui", *args]


def app_command(args: list[str]) -> str:
    """`app_argv` as one shell line (textual-serve's Server wants one; it is shown at start)."""
    return " ".join(shlex.quote(a) for a in app_argv(args))


def _signal_group(pid: int, sig: int) -> bool:
    """Send `sig` to the process group `pid` leads; False when none of it is left."""
    try:
        os.killpg(pid, sig)
    except ProcessLookupError:
        return False
    except PermissionError:  # pragma: no cover - same user
        return False
    return True


async def end_process(process: asyncio.subprocess.Process, started: asyncio.Event | None = None, *,
                      quit_grace: float = QUIT_GRACE, term_grace: float = TERM_GRACE) -> str:
    """Wait for a tab's process to leave by itself (`quit_grace` seconds from when it is `started`: one still
    importing cannot read the request yet), then SIGTERM its process group, then SIGKILL it; what is left of the
    group after the process ended (its simulator, say) gets SIGTERM. Returns how it ended, for the log."""
    how = "quit"
    if started is not None:
        exited = asyncio.ensure_future(process.wait())
        up = asyncio.ensure_future(started.wait())
        await asyncio.wait({exited, up}, timeout=START_GRACE, return_when=asyncio.FIRST_COMPLETED)
        up.cancel()
        exited.cancel()
    try:
        await asyncio.wait_for(process.wait(), quit_grace)
    except TimeoutError:
        how = "SIGTERM"
        _signal_group(process.pid, signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), term_grace)
        except TimeoutError:
            how = "SIGKILL"
            _signal_group(process.pid, signal.SIGKILL)
            await process.wait()
    _signal_group(process.pid, signal.SIGTERM)  # anything of the group still there (exits with its parent anyway)
    return how


def make_server(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, app_args: list[str] | None = None):
    from aiohttp import web
    from textual_serve.app_service import AppService
    from textual_serve.server import Server

    argv = app_argv(app_args or [])

    class TabProcess(AppService):
        """One browser tab's aiwatch, as textual-serve runs it, plus: started without a shell in a session of its
        own, and ended for sure (quit, then SIGTERM, then SIGKILL to its group) when its tab is over."""

        def __init__(self, *args, tabs: set, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            self._tabs = tabs
            self._ending: asyncio.Task | None = None
            self._started = asyncio.Event()  # the app is up: it sent its first frame

        async def on_data(self, payload: bytes) -> None:
            self._started.set()
            await super().on_data(payload)

        async def _open_app_process(self, width: int = 80, height: int = 24):
            env = self._build_environment(width=width, height=height)
            self._process = process = await asyncio.create_subprocess_exec(
                *argv, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE, env=env, start_new_session=True)
            self._stdin = process.stdin
            self._tabs.add(self)
            log.info("tab %s: aiwatch process %d started", self.app_service_id[:8], process.pid)
            return process

        async def stop(self) -> None:
            """Ask the tab's aiwatch to quit, make sure it ends, close the tab's websocket. Safe to call again
            (textual-serve does), and from serve's shutdown while the tab's own handler runs."""
            if self._ending is None:
                self._ending = asyncio.ensure_future(self._end())
            await asyncio.shield(self._ending)

        async def _end(self) -> None:
            try:
                process, task = self._process, self._task
                if process is None:
                    return
                with contextlib.suppress(Exception):
                    await self._download_manager.cancel_app_downloads(app_service_id=self.app_service_id)
                if process.returncode is None:
                    await self.send_meta({"type": "quit"})
                how = await end_process(process, self._started)
                log.info("tab %s: aiwatch process %d ended (%s, status %s)", self.app_service_id[:8], process.pid,
                         how, process.returncode)
                if task is not None:  # the reader of its output ends at its end of output
                    try:
                        await asyncio.wait_for(asyncio.shield(task), 2.0)
                    except TimeoutError:
                        task.cancel()
                    self._task = None
                with contextlib.suppress(Exception):
                    await self.remote_close()
            finally:
                self._tabs.discard(self)

    class _Server(Server):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            self.tabs: set[TabProcess] = set()

        def initialize_logging(self) -> None:  # aiwatch logs to its file, never to the screen
            pass

        async def on_shutdown(self, app) -> None:
            """serve is stopping: every tab's aiwatch ends (quit, then SIGTERM, then SIGKILL) before it exits."""
            if self.tabs:
                log.info("serve stopping: ending %d tab(s)", len(self.tabs))
                await asyncio.gather(*(tab.stop() for tab in list(self.tabs)), return_exceptions=True)

        async def handle_websocket(self, request):
            """textual-serve's handler with a faster ping (a silent browser is gone within seconds) and a
            TabProcess that ends for sure."""
            from textual_serve.server import to_int

            websocket = web.WebSocketResponse(heartbeat=HEARTBEAT)
            width = to_int(request.query.get("width", "80"), 80)
            height = to_int(request.query.get("height", "24"), 24)
            tab: TabProcess | None = None
            try:
                await websocket.prepare(request)
                tab = TabProcess(self.command, write_bytes=websocket.send_bytes, write_str=websocket.send_str,
                                 close=websocket.close, download_manager=self.download_manager, debug=self.debug,
                                 tabs=self.tabs)
                await tab.start(width, height)
                await self._process_messages(websocket, tab)
            except asyncio.CancelledError:
                with contextlib.suppress(Exception):
                    await websocket.close()
            except Exception:
                log.exception("browser tab failed")
            finally:
                if tab is not None:
                    await tab.stop()
            return websocket

        def serve(self, debug: bool = False) -> None:
            """textual-serve's serve(), stopping within seconds (its tabs ended first) instead of up to a minute."""
            from aiohttp.web_runner import GracefulExit

            def request_exit() -> None:
                raise GracefulExit()

            self.debug = debug
            loop = asyncio.new_event_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                with contextlib.suppress(NotImplementedError):
                    loop.add_signal_handler(sig, request_exit)
            web.run_app(self._make_app(), host=self.host, port=self.port, handle_signals=False, loop=loop,
                        print=lambda *args: None, shutdown_timeout=SHUTDOWN_TIMEOUT)

    return _Server(app_command(app_args or []), host=host, port=port, title="aiwatch")


def run_serve(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, app_args: list[str] | None = None) -> int:
    if not is_loopback(host):
        print(WARNING.format(host=host, port=port), file=sys.stderr)
        log.warning("serve bound beyond loopback: %s:%s", host, port)
    server = make_server(host, port, app_args)
    print(f"aiwatch serve: open {server.public_url} in a browser (Ctrl+C stops)", file=sys.stderr)
    log.info("serving %r on %s:%s", server.command, host, port)
    server.serve()
    log.info("serve stopped")
    return 0
