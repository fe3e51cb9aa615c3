"""`aiwatch serve` as a browser uses it: the page loads, and its websocket streams the running app."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_served_page_and_websocket_show_the_demo_app():
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "tui", "serve", "--port", str(port), "--demo", "--at", "2026-11-24T15:00:00Z",
         "--speed", "0"],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    try:
        async with aiohttp.ClientSession() as session:
            deadline = time.monotonic() + 30
            page = None
            while page is None:
                try:
                    async with session.get(f"http://127.0.0.1:{port}/") as r:
                        assert r.status == 200
                        page = await r.text()
                except aiohttp.ClientConnectionError:
                    assert time.monotonic() < deadline, "serve never answered"
                    await asyncio.sleep(0.2)
            assert f"ws://127.0.0.1:{port}/ws" in page
            async with session.ws_connect(f"ws://127.0.0.1:{port}/ws") as ws:
                await ws.send_str(json.dumps(["resize", {"width": 100, "height": 30}]))
                seen = b""
                while not (b"NVDA" in seen and b"DEMO" in seen):
                    assert time.monotonic() < deadline + 30, f"no board within the time: {seen[-300:]!r}"
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
    finally:
        proc.terminate()
        proc.wait(timeout=15)
