"""`aiwatch --demo`'s simulator as a child process: `python -m tui.sim.child …` (started by tui.sim.process).

The demo's simulator (numpy, aiohttp.web, the seeded model: about a second of CPU) runs on the other core while
the app imports Textual and paints its first frame. It prints one JSON line on stdout once it serves —
``{"base_url": …, "stream_url": …, "pid": …}`` — then serves until any of:

- its stdin reaches end-of-file: the app closed its end of the pipe, or died however it died (even SIGKILL:
  the kernel closes a dead process's pipes);
- its parent dies (Linux: PR_SET_PDEATHSIG delivers SIGTERM);
- SIGTERM.

It runs in its own session (the app starts it so): signals meant for the terminal's foreground group (Ctrl+C,
a hang-up) reach the app, which stops it. It never writes to the terminal: stdout is the pipe above, stderr a
pipe the app logs on failure, and its own records go to the app's log file.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import sys
import threading

log = logging.getLogger("tui.sim.child")

PR_SET_PDEATHSIG = 1


def _die_with_parent(parent_pid: int | None) -> None:
    """Linux: SIGTERM when the parent dies. The parent may already be gone (it died before this ran): check."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        except (OSError, AttributeError):  # no libc prctl: stdin's end-of-file still ends us
            log.debug("PR_SET_PDEATHSIG not available")
    if parent_pid is not None and os.getppid() != parent_pid:
        sys.exit(0)


def _watch_stdin(loop: asyncio.AbstractEventLoop, stop: asyncio.Event) -> None:
    """Set `stop` when stdin reaches end-of-file (the app has gone)."""

    def run() -> None:
        try:  # the raw descriptor: a thread blocked in sys.stdin's buffered reader aborts the interpreter's exit
            while os.read(0, 4096):
                pass
        except OSError:
            pass
        loop.call_soon_threadsafe(stop.set)

    threading.Thread(target=run, name="stdin-eof", daemon=True).start()


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m tui.sim.child")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--rate", type=float, default=20.0)
    p.add_argument("--faults", default=None)
    p.add_argument("--at", type=float, default=None, help="POSIX seconds the app's clock read at --at-wall")
    p.add_argument("--at-wall", type=float, default=None, help="time.time() when it did")
    p.add_argument("--speed", type=float, default=1.0)
    p.add_argument("--parent-pid", type=int, default=None)
    p.add_argument("--log-level", default="INFO")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _die_with_parent(args.parent_pid)
    from tui.logs import setup_logging

    setup_logging(args.log_level)
    from tui.core.clock import Clock

    if args.at is not None:
        clock = Clock.aligned(args.at, args.at_wall if args.at_wall is not None else args.at, args.speed)
    else:
        clock = Clock(speed=args.speed)
    try:
        return asyncio.run(_serve(args, clock))
    except KeyboardInterrupt:
        return 0
    except Exception as exc:  # noqa: BLE001 - say why on stderr (the app logs it) and in the log file
        log.exception("demo simulator failed")
        print(f"{exc.__class__.__name__}: {exc}", file=sys.stderr, flush=True)
        return 1


async def _serve(args, clock) -> int:
    from tui.sim.server import Simulator

    sim = Simulator(clock, seed=args.seed, rate=args.rate, faults=args.faults)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    _watch_stdin(loop, stop)
    await sim.start(port=args.port)
    line = {"base_url": sim.base_url, "stream_url": sim.stream_url, "port": sim.port, "pid": os.getpid()}
    sys.stdout.write(json.dumps(line) + "\n")
    sys.stdout.flush()
    log.info("demo simulator process %s serving on %s", os.getpid(), sim.base_url)
    try:
        await stop.wait()
    finally:
        await sim.stop()
    log.info("demo simulator process %s stopped", os.getpid())
    return 0


if __name__ == "__main__":
    sys.exit(main())
