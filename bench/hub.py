"""`python -m bench --hub`: what one hub costs for N clients, N = 1, 10, 50.

One demo-like hub (bench/sim.py's simulator, 60 symbols at 200 ticks/s, in its own process; the hub in another:
tui/hub/server.py on a Runtime pointed at it), a real redis-server on a free loopback port, and N headless
clients: HubFeed instances (tui/hub/client.py) each with its own store and Redis connection, all N in ONE process
(per-client CPU is that process's CPU / N: no app, no screen; what the feed side of a client costs). Measured over
a window after a warm-up:

  upstream       websockets the simulator accepted and REST requests per minute (the hub's own count): must not
                 grow with N
  cpu            CPU seconds per wall second of the hub's process, of redis-server, and per client
  p50/p99        from the hub's PUBLISH of a batch to its quotes applied in a client's store (the batching adds up
                 to 50 ms before that)
  redis memory   used_memory after the window
  new client     a fresh client's time from start() to every one of the 60 symbols in its store

    python -m bench --hub                 # N = 1, 10, 50, 20 s windows (~2 min)
    python -m bench.hub --clients 1,3 --window 2 --warmup 1   # tiny (the test runs this)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TRADING = "2026-11-24T15:00:00Z"
RATE = 200.0
COUNTS = (1, 10, 50)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _wait_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


# -- the child processes' entries -------------------------------------------------------------------------
async def _serve_hub(url: str, sim: dict) -> None:
    import signal

    from tui.core.clock import Clock
    from tui.hub.server import Hub
    from tui.runtime import Runtime

    at = sim["at"] + (time.time() - sim["at_wall"]) * sim["speed"]
    from datetime import UTC, datetime

    runtime = Runtime(demo=False, clock=Clock(at=datetime.fromtimestamp(at, UTC), speed=sim["speed"]),
                      yahoo_url=sim["base_url"], stream_url=sim["stream_url"], tencent_url=sim["base_url"],
                      sina_url=sim["base_url"], history_range="1y", statements=True)
    hub = Hub(url, runtime)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, hub.stop)
    await hub.run()


async def _run_clients(url: str, n: int, seconds: float, warmup: float) -> dict:
    from bench.universe import symbols
    from tui.core.clock import Clock
    from tui.core.store import MarketStore
    from tui.hub.client import HubFeed

    syms = symbols()
    feeds = [HubFeed(MarketStore(), Clock(), url) for _ in range(n)]
    for f in feeds:
        f.set_symbols(syms)
        await f.start()
    deadline = time.monotonic() + 60
    while not all(all(s in f.store.quotes for s in syms) for f in feeds) and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    await asyncio.sleep(warmup)
    for f in feeds:
        f.latencies.clear()
        f.record_latency = True
    pid = os.getpid()
    c0, t0 = cpu_seconds(pid), time.monotonic()
    print(json.dumps({"window_start": True}), flush=True)
    await asyncio.sleep(seconds)
    cpu = (cpu_seconds(pid) - c0) / (time.monotonic() - t0)
    lat = sorted(x for f in feeds for x in f.latencies)
    batches = sum(f.received_batches for f in feeds) / n
    # a new client: start to every symbol in its store
    fresh = HubFeed(MarketStore(), Clock(), url)
    fresh.set_symbols(syms)
    s0 = time.monotonic()
    await fresh.start()
    while not all(s in fresh.store.quotes for s in syms) and time.monotonic() - s0 < 30:
        await asyncio.sleep(0.005)
    new_client_s = time.monotonic() - s0
    await fresh.stop()
    for f in feeds:
        await f.stop()

    def pct(q: float) -> float | None:
        return lat[min(len(lat) - 1, int(q * len(lat)))] * 1000 if lat else None

    return {"clients": n, "cpu_process": cpu, "cpu_per_client": cpu / n, "p50_ms": pct(0.50), "p99_ms": pct(0.99),
            "batches_per_client": batches, "new_client_s": new_client_s}


# -- one run ----------------------------------------------------------------------------------------------
def run_one(n: int, tmp: Path, *, window: float, warmup: float, rate: float = RATE) -> dict:
    port = _free_port()
    url = f"redis://127.0.0.1:{port}/0"
    rdir = tmp / f"redis-{n}"
    rdir.mkdir(parents=True, exist_ok=True)
    procs: list[subprocess.Popen] = []
    env = dict(os.environ, AIWATCH_LOG_DIR=str(tmp / "log"), AIWATCH_CONFIG_DIR=str(tmp / "config"),
               AIWATCH_CACHE_DIR=str(tmp / "cache"))
    try:
        redis = subprocess.Popen([shutil.which("redis-server") or "/usr/bin/redis-server", "--port", str(port),
                                  "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(rdir)],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        procs.append(redis)
        _wait_port(port)
        sim = subprocess.Popen([sys.executable, "-m", "bench.sim", "--port", "0", "--rate", str(rate), "--seed", "7",
                                "--at", TRADING, "--speed", "1"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                               cwd=ROOT, text=True, env=env)
        procs.append(sim)
        info = json.loads(sim.stdout.readline())
        hub = subprocess.Popen([sys.executable, "-m", "bench.hub", "--serve-hub", url, "--sim", json.dumps(info)],
                               cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=open(tmp / f"hub-{n}.err", "ab"))
        procs.append(hub)
        clients = subprocess.Popen([sys.executable, "-m", "bench.hub", "--run-clients", url, "--n", str(n),
                                    "--window", str(window), "--warmup", str(warmup)],
                                   cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=open(tmp / f"cl-{n}.err", "ab"),
                                   text=True)
        procs.append(clients)
        line = clients.stdout.readline()  # the window starts
        if not line:
            raise RuntimeError(f"the clients did not start: {(tmp / f'cl-{n}.err').read_text()[-2000:]}")
        h0, r0, t0 = cpu_seconds(hub.pid), cpu_seconds(redis.pid), time.monotonic()
        out, _ = clients.communicate(timeout=window + 120)
        wall = time.monotonic() - t0
        hub_cpu, redis_cpu = cpu_seconds(hub.pid) - h0, cpu_seconds(redis.pid) - r0
        result = json.loads(out.strip().splitlines()[-1])
        import redis as redis_py

        r = redis_py.Redis(host="127.0.0.1", port=port)
        status = json.loads(r.get("aiwatch:status") or b"{}")
        memory = r.info("memory")["used_memory"]
        r.close()
        hub.terminate()
        hub.wait(20)
        sim.terminate()
        counts = json.loads(sim.communicate(timeout=20)[0].strip().splitlines()[-1])
        # the window ends when the clients measured theirs: the hub's and Redis's CPU over the clients' window
        result.update({"hub_cpu": hub_cpu / wall, "redis_cpu": redis_cpu / wall, "redis_memory_mb": memory / 2**20,
                       "upstream_websockets": counts.get("streams_opened"), "upstream_requests_total":
                       counts.get("requests"), "upstream_req_per_min": status.get("req_min"),
                       "ticks_per_s_upstream": rate})
        return result
    finally:
        for p in reversed(procs):
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()


def bench_hub(counts=COUNTS, *, window: float = 20.0, warmup: float = 4.0, tmp: Path | None = None) -> dict:
    own = tmp is None
    tmp = tmp or Path(tempfile.mkdtemp(prefix="aiwatch-bench-hub-"))
    try:
        runs = {str(n): run_one(n, tmp, window=window, warmup=warmup) for n in counts}
    finally:
        if own:
            shutil.rmtree(tmp, ignore_errors=True)
    return {"rate": RATE, "symbols": 60, "window_s": window, "clients_in_one_process": True, "runs": runs}


def render(doc: dict) -> str:
    def f(v, spec):
        return "—" if v is None else format(v, spec)

    lines = [f"the hub: 60 symbols at {doc['rate']:g} ticks/s, N headless HubFeed clients in one process, "
             f"{doc['window_s']:g} s windows",
             "   N  websockets  req/min  hub CPU%  redis CPU%  CPU%/client  p50 ms  p99 ms  redis MB  new client s"]
    for n, r in doc["runs"].items():
        lines.append(f"{n:>4}  {f(r['upstream_websockets'], 'd'):>10}  {f(r['upstream_req_per_min'], 'd'):>7}  "
                     f"{r['hub_cpu'] * 100:8.1f}  {r['redis_cpu'] * 100:10.1f}  {r['cpu_per_client'] * 100:11.2f}  "
                     f"{f(r['p50_ms'], '.1f'):>6}  {f(r['p99_ms'], '.1f'):>6}  {r['redis_memory_mb']:8.2f}  "
                     f"{r['new_client_s']:12.3f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.hub")
    p.add_argument("--clients", default="1,10,50", help="client counts, comma-separated")
    p.add_argument("--window", type=float, default=20.0)
    p.add_argument("--warmup", type=float, default=4.0)
    p.add_argument("--json", metavar="PATH")
    p.add_argument("--serve-hub", metavar="URL", help=argparse.SUPPRESS)
    p.add_argument("--sim", help=argparse.SUPPRESS)
    p.add_argument("--run-clients", metavar="URL", help=argparse.SUPPRESS)
    p.add_argument("--n", type=int, default=1, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.serve_hub:
        asyncio.run(_serve_hub(args.serve_hub, json.loads(args.sim)))
        return 0
    if args.run_clients:
        print(json.dumps(asyncio.run(_run_clients(args.run_clients, args.n, args.window, args.warmup))), flush=True)
        return 0
    if not shutil.which("redis-server") and not Path("/usr/bin/redis-server").exists():
        print("python -m bench.hub needs redis-server", file=sys.stderr)
        return 2
    doc = bench_hub(tuple(int(x) for x in args.clients.split(",") if x.strip()), window=args.window,
                    warmup=args.warmup)
    print(render(doc))
    if args.json:
        Path(args.json).write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
