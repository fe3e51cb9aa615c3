"""`aiwatch serve` as a browser uses it: the page loads, and its websocket streams the running app; and when the
server goes away under an open tab, that tab's aiwatch exits by itself, cleanly."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import pytest

ROOT = Path(__file__).resolve().parents[1]
AT = "2026-11-24T15:00:00Z"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_serve(port: int, env: dict[str, str] | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "tui", "serve", "--port", str(port), "--demo", "--at", AT, "--speed", "0"],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def processes_with_env(key: str, value: str) -> list[int]:
    """Live processes (zombies have no environment left) with `key=value` in their environment (Linux /proc)."""
    wanted = f"{key}={value}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                env = (entry / "environ").read_bytes()
            except OSError:
                continue
            if wanted in env.split(b"\0"):
                found.append(int(entry.name))
    return found


async def open_page(session: aiohttp.ClientSession, port: int, deadline: float) -> str:
    while True:
        try:
            async with session.get(f"http://127.0.0.1:{port}/") as r:
                assert r.status == 200
                return await r.text()
        except aiohttp.ClientConnectionError:
            assert time.monotonic() < deadline, "serve never answered"
            await asyncio.sleep(0.2)


async def until_board(ws: aiohttp.ClientWebSocketResponse, deadline: float) -> None:
    await ws.send_str(json.dumps(["resize", {"width": 100, "height": 30}]))
    seen = b""
    while not (b"NVDA" in seen and b"DEMO" in seen):
        assert time.monotonic() < deadline, f"no board within the time: {seen[-300:]!r}"
        try:
            msg = await asyncio.wait_for(ws.receive(), 2)
        except TimeoutError:
            continue
        if msg.type == aiohttp.WSMsgType.BINARY:
            seen += msg.data
        elif msg.type == aiohttp.WSMsgType.TEXT:
            seen += msg.data.encode()
        else:
            raise AssertionError(f"websocket ended: {msg.type}")


async def test_served_page_and_websocket_show_the_demo_app():
    port = free_port()
    proc = start_serve(port)
    try:
        async with aiohttp.ClientSession() as session:
            deadline = time.monotonic() + 30
            page = await open_page(session, port, deadline)
            assert f"ws://127.0.0.1:{port}/ws" in page
            async with session.ws_connect(f"ws://127.0.0.1:{port}/ws") as ws:
                await until_board(ws, deadline + 30)
    finally:
        proc.terminate()
        proc.wait(timeout=15)


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="finds the orphaned app through Linux's /proc")
async def test_a_tab_whose_server_is_killed_exits_cleanly(tmp_path):
    """The server dies (SIGKILL: no goodbye) with a tab open. The tab's aiwatch finds its output gone (a broken
    pipe) and leaves as after a hang-up: it stops its feed and simulator and exits, with no error or traceback.
    Before, the failed write raised inside Textual's screen update: the app tore its screens down under its own
    timers ("screen refresh failed") and ended with a BrokenPipeError traceback in the log."""
    port = free_port()
    log_dir = tmp_path / "log"
    proc = start_serve(port, {"AIWATCH_LOG_DIR": str(log_dir)})
    log_file = log_dir / "aiwatch.log"
    try:
        async with aiohttp.ClientSession() as session:
            deadline = time.monotonic() + 30
            await open_page(session, port, deadline)
            async with session.ws_connect(f"ws://127.0.0.1:{port}/ws") as ws:
                await until_board(ws, deadline + 30)
                proc.send_signal(signal.SIGKILL)
                proc.wait(timeout=15)
        # the tab's aiwatch (the server's child, now orphaned) notices and exits on its own
        deadline = time.monotonic() + 30
        while processes_with_env("AIWATCH_LOG_DIR", str(log_dir)):
            assert time.monotonic() < deadline, log_file.read_text()[-3000:]
            await asyncio.sleep(0.2)
        text = log_file.read_text()
        assert "feed stopped" in text
        assert "the terminal hung up: quitting" in text
        assert " ERROR " not in text and "Traceback" not in text, text[-3000:]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=15)
