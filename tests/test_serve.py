"""`aiwatch serve`: textual-serve bound to loopback unless a host is given, with a warning beyond loopback."""

from __future__ import annotations

import ipaddress
import shlex
import sys

import pytest

pytest.importorskip("textual_serve", reason="textual-serve is not installed")

from aiohttp import web

from tui import serve
from tui.cli import build_parser, serve_app_args


def test_cli_defaults_to_loopback():
    args = build_parser().parse_args(["serve"])
    assert args.host == "127.0.0.1" and args.port == 8000


async def test_server_binds_to_loopback_by_default():
    server = serve.make_server(port=0, app_args=["--demo"])
    assert server.host == "127.0.0.1"
    runner = web.AppRunner(await server._make_app())
    await runner.setup()
    site = web.TCPSite(runner, host=server.host, port=0)
    await site.start()
    try:
        addrs = [s.getsockname()[0] for s in site._server.sockets]
        assert addrs and all(ipaddress.ip_address(a).is_loopback for a in addrs)
    finally:
        await runner.cleanup()


def test_command_runs_this_python_with_the_options():
    args = build_parser().parse_args(["serve", "--demo", "--seed", "3", "-w", "chips", "--at", "2026-11-24T15:00:00Z",
                                      "--speed", "0"])
    words = shlex.split(serve.app_command(serve_app_args(args)))
    assert words[:3] == [sys.executable, "-m", "tui"]
    assert "--demo" in words and words[words.index("--seed") + 1] == "3" and "chips" in words
    assert "--host" not in words and "--port" not in words


@pytest.mark.parametrize(("host", "warned"), [("127.0.0.1", False), ("localhost", False), ("::1", False),
                                              ("0.0.0.0", True), ("192.168.1.5", True), ("example.org", True)])
def test_warning_beyond_loopback(monkeypatch, capsys, host, warned):
    served = []
    monkeypatch.setattr(serve, "make_server", lambda h, p, a: type("S", (), {
        "public_url": f"http://{h}:{p}", "command": "x", "serve": lambda self: served.append(h)})())
    assert serve.run_serve(host, 8000, []) == 0
    err = capsys.readouterr().err
    assert served == [host]
    assert ("WARNING" in err and "no login" in err) == warned
