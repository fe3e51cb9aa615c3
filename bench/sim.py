"""The benchmark's simulator process: tui.sim's server, unchanged, over the shipped baseline plus the clones
of bench/universe.py. It prints one JSON line (URLs, and the wall time at which its clock read `--at`), then
serves until SIGTERM/SIGINT.

    python -m bench.sim --port 0 --rate 200 --seed 7 --at 2026-11-24T15:00:00Z --speed 1
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
import time


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.sim")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--rate", type=float, default=200.0)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--at", required=True)
    p.add_argument("--speed", type=float, default=1.0)
    args = p.parse_args(argv)

    from bench.universe import bench_baseline
    from tui.core.clock import Clock, parse_instant
    from tui.sim.market import SimMarket
    from tui.sim.server import Simulator

    async def run() -> None:
        market = SimMarket(seed=args.seed, baseline=bench_baseline())
        at = parse_instant(args.at)
        clock = Clock(at=at, speed=args.speed)
        wall0 = time.time()
        sim = Simulator(clock, seed=args.seed, rate=args.rate)
        sim.market = market
        await sim.start(port=args.port)
        print(json.dumps({"base_url": sim.base_url, "stream_url": sim.stream_url, "at": at.timestamp(),
                          "at_wall": wall0, "speed": args.speed, "pid": __import__("os").getpid()}), flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        try:
            await stop.wait()
        finally:
            print(json.dumps({"frames_sent": sim.frames_sent, "requests": sim.requests}), flush=True)
            await sim.stop()

    asyncio.run(run())
    return 0


if __name__ == "__main__":
    sys.exit(main())
