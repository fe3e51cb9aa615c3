"""`aiwatch serve`: the app in a browser through textual-serve (each browser tab runs its own aiwatch).

Bound to 127.0.0.1 unless a host is given. textual-serve has no login: anyone who can reach the port gets the
app (and can run its alert command, if one is configured), so a host beyond loopback gets a warning.
"""

from __future__ import annotations

import ipaddress
import logging
import shlex
import sys

log = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
WARNING = ("aiwatch serve: WARNING: bound to {host}, beyond loopback. textual-serve has no login: anyone who can "
           "reach port {port} gets the app. Put it behind an SSH tunnel or an authenticating proxy instead.")


def is_loopback(host: str) -> bool:
    if host.lower() in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def app_command(args: list[str]) -> str:
    """The shell command textual-serve runs for each browser session: this Python, this package, `args`."""
    return " ".join(shlex.quote(a) for a in [sys.executable, "-m", "tui", *args])


def make_server(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, app_args: list[str] | None = None):
    from textual_serve.server import Server

    class _Server(Server):
        def initialize_logging(self) -> None:  # aiwatch logs to its file, never to the screen
            pass

    return _Server(app_command(app_args or []), host=host, port=port, title="aiwatch")


def run_serve(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, app_args: list[str] | None = None) -> int:
    if not is_loopback(host):
        print(WARNING.format(host=host, port=port), file=sys.stderr)
        log.warning("serve bound beyond loopback: %s:%s", host, port)
    server = make_server(host, port, app_args)
    print(f"aiwatch serve: open {server.public_url} in a browser (Ctrl+C stops)", file=sys.stderr)
    log.info("serving %r on %s:%s", server.command, host, port)
    server.serve()
    return 0
