"""The benchmark's simulator process: tui.sim's server over the shipped baseline plus the clones of
bench/universe.py. It prints one JSON line (URLs, and the wall time at which its clock read `--at`), then serves
until SIGTERM/SIGINT.

Two changes to the stream, for the benchmark only, so that trades of the 60 symbols do not arrive in step, as
real ones do not. The shipped simulator moves every symbol on the same half-second instants of its price grid,
and sends its subscriptions round-robin in the order they came, which is the board's order; so one 200 ms
refresh saw every row on screen move and the next saw none, and frames/s measured the simulator, not the app.
Here each symbol's trades fall at a phase of its own within the grid, and each batch goes through the
subscriptions in a fixed scrambled order (by a hash of the symbol).

    python -m bench.sim --port 0 --rate 200 --seed 7 --at 2026-11-24T15:00:00Z --speed 1
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
import time

from bench.universe import bench_baseline
from tui.core.clock import Clock, parse_instant
from tui.sim.baseline import stable_hash
from tui.sim.market import DT_REGULAR, SimMarket
from tui.sim.server import Simulator

GRID_SECONDS = DT_REGULAR.get("US", 0.5)  # how often a US listing's simulated price moves


def trade_phase(symbol: str) -> float:
    """Seconds (0 to one grid step) by which `symbol`'s trades lag the grid: fixed per symbol."""
    return (stable_hash(symbol) % 1000) / 1000 * GRID_SECONDS


class Scrambled:
    """A live view of one connection's subscriptions that iterates them in a fixed scrambled order."""

    def __init__(self, subscribed: dict[str, None]) -> None:
        self.subscribed = subscribed

    def __len__(self) -> int:
        return len(self.subscribed)

    def __contains__(self, symbol: object) -> bool:
        return symbol in self.subscribed

    def __iter__(self):
        return iter(sorted(self.subscribed, key=stable_hash))


class PhasedSimulator(Simulator):
    """tui.sim's server whose symbols trade out of step (see the module's docstring)."""

    def _message(self, symbol: str, t: float) -> str | None:
        return super()._message(symbol, t - trade_phase(symbol))

    async def _send_loop(self, ws, request, subscribed) -> None:
        await super()._send_loop(ws, request, Scrambled(subscribed))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.sim")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--rate", type=float, default=200.0)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--at", required=True)
    p.add_argument("--speed", type=float, default=1.0)
    args = p.parse_args(argv)

    async def run() -> None:
        market = SimMarket(seed=args.seed, baseline=bench_baseline())
        at = parse_instant(args.at)
        clock = Clock(at=at, speed=args.speed)
        wall0 = time.time()
        sim = PhasedSimulator(clock, seed=args.seed, rate=args.rate)
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
            print(json.dumps({"frames_sent": sim.frames_sent, "requests": sim.requests,
                              "streams_opened": sim.streams_opened}), flush=True)
            await sim.stop()

    asyncio.run(run())
    return 0


if __name__ == "__main__":
    sys.exit(main())
