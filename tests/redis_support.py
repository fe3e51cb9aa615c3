"""A real redis-server for the hub's tests: on a free loopback port, in a temporary directory, no persistence.

    def test_x(redis_server):            # the fixture (tests/conftest.py imports it from here)
        redis_server.url                 # redis://127.0.0.1:PORT/0
        redis_server.stop(); redis_server.start()   # the same port again: a Redis restarted mid-run

Skips with the reason when /usr/bin/redis-server is missing (.ci/run installs it).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisServer:
    def __init__(self, tmp: Path, port: int | None = None, extra: tuple[str, ...] = ()) -> None:
        self.tmp, self.port, self.extra = tmp, port or free_port(), extra
        self.proc: subprocess.Popen | None = None
        self.started_once = False  # then the port is the clients': a restart must come back on it

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def url_for(self, user: str, password: str) -> str:
        return f"redis://{user}:{password}@127.0.0.1:{self.port}/0"

    def start(self) -> None:
        """Start redis-server on this port and wait until it answers. Answered by another process's server (a free
        port taken by a concurrent run between our choice and our bind): ours exited, so a fresh port is tried,
        unless the port is fixed because this is a restart (tests that restart Redis on the same address)."""
        for _ in range(5):
            if self._start_once():
                self.started_once = True
                return
            if self.started_once:
                raise RuntimeError(f"redis-server could not bind port {self.port} again")
            self.port = free_port()
        raise RuntimeError("redis-server could not bind a free loopback port in 5 tries")

    def _start_once(self) -> bool:
        self.proc = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.tmp), *self.extra],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False  # could not bind: the port was taken
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as s:
                    s.sendall(b"INFO server\r\n")
                    answer = s.recv(65536)
                if answer.startswith(b"-NOAUTH"):
                    return self.proc.poll() is None
                if f"process_id:{self.proc.pid}\r".encode() in answer:
                    return True
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError("redis-server did not answer within 10 s")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def cli(self, *args: str) -> str:
        import redis

        r = redis.Redis(host="127.0.0.1", port=self.port, decode_responses=True)
        try:
            return r.execute_command(*args)
        finally:
            r.close()


def needs_redis() -> None:
    if not Path(REDIS_SERVER).exists():
        pytest.skip("no redis-server here (.ci/run installs Debian's redis-server)")


@pytest.fixture
def redis_server(tmp_path):
    needs_redis()
    server = RedisServer(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()
