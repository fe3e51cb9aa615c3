"""What the benchmark's two reference boards share: their command line, a store that calls back on every
quote it keeps, and the YahooFeed that fills it — the same client the app uses, against the same simulator.

    python -m bench.baseline_app  --yahoo-url URL --stream-url URL --at POSIX --at-wall POSIX --speed X [--symbols N]
    python -m bench.prototype_app (the same arguments)
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from typing import Any


def parse_args(prog: str, argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog=prog)
    p.add_argument("--yahoo-url", required=True)
    p.add_argument("--stream-url", required=True)
    p.add_argument("--at", type=float, required=True)
    p.add_argument("--at-wall", type=float, required=True)
    p.add_argument("--speed", type=float, default=1.0)
    p.add_argument("--symbols", type=int, default=None,
                   help="subscribe to the first N of the benchmark's 60 symbols (default: all 60)")
    return p.parse_args(argv)


class FeedParts:
    """The store, clock, symbols, feed and latency recorder of one reference board.

    `on_quote(quote)` is called with the stored quote for every quote the store keeps of a watched symbol."""

    def __init__(self, args: argparse.Namespace, on_quote: Callable[[Any], None]) -> None:
        from bench.universe import symbols
        from tui.core.clock import Clock
        from tui.core.store import MarketStore
        from tui.feeds.endpoints import Endpoints
        from tui.feeds.yahoo_feed import YahooFeed
        from tui.latency import ENV, LatencyRecorder

        self.symbols = symbols()[: args.symbols] if args.symbols else symbols()
        watched = set(self.symbols)

        class TickStore(MarketStore):
            def apply_quote(self, quote) -> bool:
                kept = super().apply_quote(quote)
                if kept and quote.symbol in watched:
                    on_quote(self.quotes[quote.symbol])
                return kept

        self.store = TickStore()
        self.clock = Clock.aligned(args.at, args.at_wall, args.speed)
        self.feed = YahooFeed(self.store, self.clock, Endpoints.from_env(args.yahoo_url, args.stream_url))
        path = os.environ.get(ENV)
        self.rec = LatencyRecorder(path) if path else None

    async def start(self) -> None:
        self.feed.set_symbols(self.symbols)
        await self.feed.start()


def run(build: Callable[[argparse.Namespace], Any], prog: str, argv: list[str] | None) -> int:
    args = parse_args(prog, argv)
    from tui.logs import setup_logging

    setup_logging("WARNING")
    build(args).run()
    return 0
