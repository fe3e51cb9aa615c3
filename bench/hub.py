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
APP_TARGETS = {"p99_ms": 300.0, "first_data_s": 0.5}  # a client through the hub (and: CPU ≤ a direct app's)
PER_PROCESS = 5  # headless clients per process: the figures measure the hub and Redis, not one shared event loop


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


async def _run_clients(url: str, n: int, seconds: float, fresh_client: bool) -> dict:
    """N headless clients in this process: fill, say ready, wait for "go" on stdin (every process's window starts
    together), measure `seconds`, and (one process only) time a fresh client's fill after the window."""
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
    print(json.dumps({"ready": True}), flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)  # "go"
    for f in feeds:
        f.latencies.clear()
        f.record_latency = True
        f.received_batches = 0
    pid = os.getpid()
    c0, t0 = cpu_seconds(pid), time.monotonic()
    await asyncio.sleep(seconds)
    cpu = (cpu_seconds(pid) - c0) / (time.monotonic() - t0)
    for f in feeds:
        f.record_latency = False
    lat = [round(x * 1000, 3) for f in feeds for x in f.latencies]
    batches = sum(f.received_batches for f in feeds)
    new_client_s = None
    if fresh_client:  # a new client: start to every symbol in its store
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
    return {"clients": n, "cpu_process": cpu, "latencies_ms": lat, "batches": batches, "new_client_s": new_client_s}


def pct(values: list[float], q: float) -> float | None:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] if values else None


def start_redis(port: int, rdir: Path) -> subprocess.Popen:
    rdir.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen([shutil.which("redis-server") or "/usr/bin/redis-server", "--port", str(port),
                             "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(rdir)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _wait_port(port)
    return proc


def start_sim(rate: float, env: dict) -> tuple[subprocess.Popen, dict]:
    sim = subprocess.Popen([sys.executable, "-m", "bench.sim", "--port", "0", "--rate", str(rate), "--seed", "7",
                            "--at", TRADING, "--speed", "1"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                           cwd=ROOT, text=True, env=env)
    return sim, json.loads(sim.stdout.readline())


def start_hub(url: str, info: dict, env: dict, err: Path) -> subprocess.Popen:
    with open(err, "ab") as fh:
        return subprocess.Popen([sys.executable, "-m", "bench.hub", "--serve-hub", url, "--sim", json.dumps(info)],
                                cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=fh)


def stop_all(procs: list[subprocess.Popen]) -> None:
    for p in reversed(procs):
        if p.poll() is None:
            p.terminate()
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()


# -- one run ----------------------------------------------------------------------------------------------
def run_one(n: int, tmp: Path, *, window: float, warmup: float, rate: float = RATE,
            per_process: int = PER_PROCESS) -> dict:
    port = _free_port()
    url = f"redis://127.0.0.1:{port}/0"
    procs: list[subprocess.Popen] = []
    env = dict(os.environ, AIWATCH_LOG_DIR=str(tmp / "log"), AIWATCH_CONFIG_DIR=str(tmp / "config"),
               AIWATCH_CACHE_DIR=str(tmp / "cache"))
    try:
        redis = start_redis(port, tmp / f"redis-{n}")
        procs.append(redis)
        sim, info = start_sim(rate, env)
        procs.append(sim)
        hub = start_hub(url, info, env, tmp / f"hub-{n}.err")
        procs.append(hub)
        sizes = [min(per_process, n - i) for i in range(0, n, per_process)]
        groups = []
        for k, size in enumerate(sizes):
            with open(tmp / f"cl-{n}-{k}.err", "ab") as err:
                groups.append(subprocess.Popen(
                    [sys.executable, "-m", "bench.hub", "--run-clients", url, "--n", str(size), "--window",
                     str(window), *(["--fresh-client"] if k == 0 else [])],
                    cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err, text=True))
        procs += groups
        for k, g in enumerate(groups):  # every client filled
            if not g.stdout.readline():
                raise RuntimeError(f"clients did not start: {(tmp / f'cl-{n}-{k}.err').read_text()[-2000:]}")
        time.sleep(warmup)
        h0, r0, t0 = cpu_seconds(hub.pid), cpu_seconds(redis.pid), time.monotonic()
        for g in groups:
            g.stdin.write("go\n")
            g.stdin.flush()
        time.sleep(window)
        wall = time.monotonic() - t0
        hub_cpu, redis_cpu = cpu_seconds(hub.pid) - h0, cpu_seconds(redis.pid) - r0
        parts = [json.loads(g.communicate(timeout=window + 120)[0].strip().splitlines()[-1]) for g in groups]
        import redis as redis_py

        r = redis_py.Redis(host="127.0.0.1", port=port)
        status = json.loads(r.get("aiwatch:status") or b"{}")
        memory = r.info("memory")["used_memory"]
        r.close()
        hub.terminate()
        hub.wait(20)
        sim.terminate()
        counts = json.loads(sim.communicate(timeout=20)[0].strip().splitlines()[-1])
        lat = [x for part in parts for x in part["latencies_ms"]]
        cpu = sum(part["cpu_process"] for part in parts)
        return {"clients": n, "client_processes": len(groups), "cpu_clients": cpu, "cpu_per_client": cpu / n,
                "p50_ms": pct(lat, 0.50), "p99_ms": pct(lat, 0.99), "max_ms": max(lat) if lat else None,
                "p99_ms_by_process": [pct(part["latencies_ms"], 0.99) for part in parts],
                "cpu_by_process": [part["cpu_process"] for part in parts],
                "batches_per_client_per_s": sum(part["batches"] for part in parts) / n / window,
                "new_client_s": parts[0]["new_client_s"],
                "hub_cpu": hub_cpu / wall, "redis_cpu": redis_cpu / wall, "redis_memory_mb": memory / 2**20,
                "upstream_websockets": counts.get("streams_opened"),
                "upstream_requests_total": counts.get("requests"), "upstream_req_per_min": status.get("req_min"),
                "ticks_per_s_upstream": rate}
    finally:
        stop_all(procs)


def bench_apps(tmp: Path, *, window: float, warmup: float, repeat: int = 1, rate: float = RATE) -> dict:
    """The real app (bench/run_app.py: AiwatchApp, what `aiwatch` runs) in a 120×40 pty twice on ONE simulator:
    direct (its own Yahoo stream and REST, the quote pages) and as a client of a hub on that same simulator
    (`--hub`: no source of its own). The hub already serves the bench's 60 symbols (a lease held by this
    process, as another user's aiwatch would), as on a server where a user starts one more aiwatch. Measured as
    `python -m bench` measures the app: CPU over the window, tick-to-screen p50/p99 (tui/latency.py; the hub
    client's counted from the hub's receipt of each quote) and spawn to the first frame showing data."""
    from bench import main as bm
    from bench.universe import symbols, write_config

    bm.compile_bytecode()
    write_config(tmp / "config")
    port = _free_port()
    url = f"redis://127.0.0.1:{port}/0"
    procs: list[subprocess.Popen] = []
    sim = bm.SimProcess(rate=rate, at=TRADING, speed=1.0, tmp=tmp)
    import redis as redis_py

    r = None
    try:
        procs.append(start_redis(port, tmp / "redis-apps"))
        env = bm.child_env(tmp, truecolor=False, latency=None)
        hub = start_hub(url, sim.info, env, tmp / "hub-apps.err")
        procs.append(hub)
        r = redis_py.Redis(host="127.0.0.1", port=port)
        syms = symbols()
        r.set("aiwatch:lease:bench", json.dumps(syms), ex=3600)
        deadline = time.monotonic() + 60
        while not all(r.mget([f"aiwatch:q:{s}" for s in syms])) and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(warmup)  # the hub's cold start (fundamentals, history, intraday seeds) behind it
        runs: dict[str, list[dict]] = {"direct": [], "hub_client": []}
        for k in range(repeat):
            order = ("direct", "hub_client") if k % 2 == 0 else ("hub_client", "direct")
            for kind in order:
                bm.log(f"the app {kind.replace('_', ' ')} (run {k + 1}/{repeat})…")
                extra = ("--hub", url) if kind == "hub_client" else ()
                runs[kind].append(bm.run_one("app", sim, tmp, warmup=warmup, window=window, truecolor=False,
                                             tag=f"hubapps-{k}", extra=extra))
        hub_cpu_status = json.loads(r.get("aiwatch:status") or b"{}")
    finally:
        if r is not None:
            r.close()
        stop_all(procs)
        sim_stats = sim.stop()
    keep = ("cpu", "cpu_median_1s", "p50_ms", "p99_ms", "first_data_s", "bytes_per_s", "frames_per_s",
            "rss_end_mb", "window_s")
    out = {kind: {key: bm.median_of(rs).get(key) for key in keep} for kind, rs in runs.items()}
    out["repeat"] = repeat
    out["upstream_websockets"] = sim_stats.get("streams_opened")  # the direct app's and the hub's: 2 per repeat
    out["hub_req_per_min"] = hub_cpu_status.get("req_min")
    d, h = out["direct"], out["hub_client"]
    out["checks"] = {
        "cpu_no_more_than_direct": _check(h["cpu"], d["cpu"], h["cpu"] is not None and d["cpu"] is not None
                                          and h["cpu"] <= d["cpu"]),
        "p99_ms": _check(h["p99_ms"], APP_TARGETS["p99_ms"],
                         h["p99_ms"] is not None and h["p99_ms"] <= APP_TARGETS["p99_ms"]),
        "first_data_s": _check(h["first_data_s"], APP_TARGETS["first_data_s"],
                               h["first_data_s"] is not None and h["first_data_s"] <= APP_TARGETS["first_data_s"]),
        "first_data_faster_than_direct": _check(h["first_data_s"], d["first_data_s"],
                                                h["first_data_s"] is not None and d["first_data_s"] is not None
                                                and h["first_data_s"] < d["first_data_s"]),
    }
    return out


def _check(value, target, ok: bool) -> dict:
    return {"value": value, "target": target, "ok": None if value is None else bool(ok)}


def bench_hub(counts=COUNTS, *, window: float = 20.0, warmup: float = 4.0, tmp: Path | None = None,
              apps: bool = True, app_repeat: int = 1) -> dict:
    own = tmp is None
    tmp = tmp or Path(tempfile.mkdtemp(prefix="aiwatch-bench-hub-"))
    try:
        runs = {}
        for n in counts:
            print(f"hub: {n} headless clients…", file=sys.stderr, flush=True)
            runs[str(n)] = run_one(n, tmp, window=window, warmup=warmup)
        app_runs = bench_apps(tmp, window=window, warmup=warmup, repeat=app_repeat) if apps else None
    finally:
        if own:
            shutil.rmtree(tmp, ignore_errors=True)
    try:
        load = os.getloadavg()
    except OSError:
        load = None
    return {"date": time.strftime("%Y-%m-%d %H:%M %Z"), "nproc": os.cpu_count(), "loadavg_at_end": load,
            "rate": RATE, "symbols": 60, "window_s": window, "clients_per_process": PER_PROCESS, "runs": runs,
            "apps": app_runs, "targets": APP_TARGETS}


def render(doc: dict) -> str:
    def f(v, spec):
        return "—" if v is None else format(v, spec)

    lines = [(f"the hub: 60 symbols at {doc['rate']:g} ticks/s, N headless HubFeed clients "
              f"({doc['clients_per_process']} per process), {doc['window_s']:g} s windows"),
             "   N  websockets  req/min  hub CPU%  redis CPU%  CPU%/client  p50 ms  p99 ms  redis MB  new client s"]
    for n, r in doc["runs"].items():
        lines.append(f"{n:>4}  {f(r['upstream_websockets'], 'd'):>10}  {f(r['upstream_req_per_min'], 'd'):>7}  "
                     f"{r['hub_cpu'] * 100:8.1f}  {r['redis_cpu'] * 100:10.1f}  {r['cpu_per_client'] * 100:11.2f}  "
                     f"{f(r['p50_ms'], '.1f'):>6}  {f(r['p99_ms'], '.1f'):>6}  {r['redis_memory_mb']:8.2f}  "
                     f"{f(r['new_client_s'], '12.3f')}")
    apps = doc.get("apps")
    if apps:
        lines += ["", "the app in a 120x40 pty on the same simulator: direct, and through the hub",
                  "              CPU%  p50 ms  p99 ms  first data s"]
        for kind in ("direct", "hub_client"):
            a = apps[kind]
            lines.append(f"{kind:<12} {f(a['cpu'] and a['cpu'] * 100, '5.1f'):>5}  {f(a['p50_ms'], '.0f'):>6}  "
                         f"{f(a['p99_ms'], '.0f'):>6}  {f(a['first_data_s'], '.2f'):>12}")
        for name, c in apps["checks"].items():
            ok = "—" if c["ok"] is None else ("held" if c["ok"] else "NOT held")
            lines.append(f"  {name}: {f(c['value'], '.3g')} vs {f(c['target'], '.3g')}: {ok}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.hub")
    p.add_argument("--clients", default="1,10,50", help="client counts, comma-separated")
    p.add_argument("--window", type=float, default=20.0)
    p.add_argument("--warmup", type=float, default=4.0)
    p.add_argument("--json", metavar="PATH")
    p.add_argument("--no-apps", action="store_true", help="headless clients only (no app in a pty)")
    p.add_argument("--app-repeat", type=int, default=1, help="runs of each app (direct, through the hub)")
    p.add_argument("--serve-hub", metavar="URL", help=argparse.SUPPRESS)
    p.add_argument("--sim", help=argparse.SUPPRESS)
    p.add_argument("--run-clients", metavar="URL", help=argparse.SUPPRESS)
    p.add_argument("--n", type=int, default=1, help=argparse.SUPPRESS)
    p.add_argument("--fresh-client", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.serve_hub:
        asyncio.run(_serve_hub(args.serve_hub, json.loads(args.sim)))
        return 0
    if args.run_clients:
        print(json.dumps(asyncio.run(_run_clients(args.run_clients, args.n, args.window, args.fresh_client))),
              flush=True)
        return 0
    if not shutil.which("redis-server") and not Path("/usr/bin/redis-server").exists():
        print("python -m bench.hub needs redis-server", file=sys.stderr)
        return 2
    doc = bench_hub(tuple(int(x) for x in args.clients.split(",") if x.strip()), window=args.window,
                    warmup=args.warmup, apps=not args.no_apps, app_repeat=args.app_repeat)
    print(render(doc))
    if args.json:
        Path(args.json).write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
