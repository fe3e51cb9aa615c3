"""The real aiwatch app (AiwatchApp, Runtime, Upstream: Yahoo and the China quote pages — what `aiwatch` runs)
pointed at the benchmark's simulator, with its clock aligned to the simulator's. The simulator serves Tencent's and
Sina's quote pages on the same port as Yahoo's protocols: the app's China poller asks it, never the real hosts.

`aiwatch --at/--speed` need `--demo`, which would start a second simulator inside the app's process; the
benchmark runs the simulator as a separate process instead, so this entry point does what `tui.cli.cmd_run`
does with a clock that read `--at` at wall time `--at-wall` (the simulator's start), so that both clocks agree
to the millisecond even at `--speed 1000`.

    python -m bench.run_app --yahoo-url URL --stream-url URL --at POSIX --at-wall POSIX --speed X [--watchlist bench]
    python -m bench.run_app --hub redis://… --at POSIX --at-wall POSIX      # a client of a hub (what
                                                                             # `aiwatch --hub URL` runs)
"""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.run_app")
    p.add_argument("--yahoo-url")
    p.add_argument("--stream-url")
    p.add_argument("--hub", metavar="URL", help="a client of the hub on this Redis: no source of its own")
    p.add_argument("--at", type=float, required=True, help="POSIX seconds the simulator's clock started at")
    p.add_argument("--at-wall", type=float, required=True, help="wall time (time.time()) when it did")
    p.add_argument("--speed", type=float, default=1.0)
    p.add_argument("--watchlist", default="bench")
    args = p.parse_args(argv)

    from tui.logs import setup_logging

    setup_logging("WARNING")
    import os

    from bench.ablate import ENV, apply, parse_parts

    apply(parse_parts(os.environ.get(ENV, "")))  # `python -m bench --ablate PART`: parts switched off
    from tui.app import AiwatchApp
    from tui.core.clock import Clock
    from tui.runtime import Runtime
    from tui.watchlists import load_all

    result = load_all()
    clock = Clock.aligned(args.at, args.at_wall, args.speed)
    if args.hub:
        runtime = Runtime(demo=False, clock=clock, hub_url=args.hub)
    else:
        if not (args.yahoo_url and args.stream_url):
            p.error("--yahoo-url and --stream-url, or --hub")
        runtime = Runtime(demo=False, clock=clock, yahoo_url=args.yahoo_url, stream_url=args.stream_url,
                          tencent_url=args.yahoo_url, sina_url=args.yahoo_url)
    import inspect

    extra = {"handle_signals": True} if "handle_signals" in inspect.signature(AiwatchApp).parameters else {}
    app = AiwatchApp(runtime, result, initial=args.watchlist, **extra)
    app.run()
    return app.return_code or 0


if __name__ == "__main__":
    sys.exit(main())
