"""A StaticRuntime for UI tests: the Runtime protocol over a store filled with hand-made quotes."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from tui.core.clock import Clock
from tui.core.store import MarketStore
from tui.model import Fundamentals, Instrument, Pair, Quote, QuoteSource, Side, Watchlist

# Wednesday 2026-01-14 15:00 UTC: New York 10:00 (open), Hong Kong and Shanghai 23:00 (closed)
T0 = datetime(2026, 1, 14, 15, 0, tzinfo=UTC)


class ManualClock(Clock):
    """A frozen clock that tests move by hand."""

    def __init__(self, at: datetime = T0) -> None:
        super().__init__(at=at, speed=0.0)
        self._t = at.timestamp()

    def now(self) -> float:
        return self._t

    def advance(self, seconds: float) -> None:
        self._t += seconds


@dataclass
class FeedStatus:
    state: str = "live"
    last_message: float | None = None
    reconnects: int = 0
    rejected_frames: int = 0
    requests_last_minute: int = 3
    rate_limited_until: float | None = None
    last_error: str | None = None


@dataclass
class LoadResult:
    watchlists: dict[str, Watchlist]
    problems: list = field(default_factory=list)


def _inst(symbol: str, name: str, side: Side, company: str, kind: str = "equity") -> Instrument:
    return Instrument(symbol, name, side, company, kind=kind)


US, CN = Side.US, Side.CN
INSTRUMENTS = {
    "NVDA": _inst("NVDA", "Nvidia", US, "nvidia"),
    "AMD": _inst("AMD", "Advanced Micro Devices", US, "amd"),
    "TSLA": _inst("TSLA", "Tesla", US, "tesla"),
    "0981.HK": _inst("0981.HK", "SMIC (H)", CN, "smic"),
    "688981.SS": _inst("688981.SS", "SMIC (A)", CN, "smic"),
    "1211.HK": _inst("1211.HK", "BYD (H)", CN, "byd"),
    "NIO": _inst("NIO", "NIO (ADR)", CN, "nio"),
    "ZZZZ": _inst("ZZZZ", "No such company", US, "zzzz"),
    "^GSPC": _inst("^GSPC", "S&P 500", US, "sp500", kind="index"),
}

# symbol: (price, currency, change, previous close, delay minutes)
QUOTES = {
    "NVDA": (180.0, "USD", 2.0, 178.0, 0),
    "AMD": (160.0, "USD", -3.0, 163.0, 0),
    "TSLA": (420.0, "USD", 5.0, 415.0, 0),
    "0981.HK": (70.0, "HKD", -1.0, 71.0, 15),
    "688981.SS": (120.0, "CNY", 1.2, 118.8, 15),
    "1211.HK": (100.0, "HKD", 1.5, 98.5, 15),
    "NIO": (5.0, "USD", -0.1, 5.1, 0),
    "^GSPC": (6900.0, "USD", 10.0, 6890.0, 0),
    "HKD=X": (7.8, "HKD", 0.0, 7.8, 0),
    "CNY=X": (7.2, "CNY", 0.0, 7.2, 0),
}

# symbol: (currency, financial currency, shares, eps ttm, net income ttm, revenue ttm)
FUNDAMENTALS = {
    "NVDA": ("USD", "USD", 24.3e9, 3.0, 73.0e9, 165.0e9),
    "AMD": ("USD", "USD", 1.62e9, 1.2, 1.9e9, 27.0e9),
    "TSLA": ("USD", "USD", 3.2e9, 1.6, 5.0e9, 95.0e9),
    "0981.HK": ("HKD", "USD", 7.98e9, 0.06, 0.5e9, 8.0e9),
    "688981.SS": ("CNY", "USD", 7.98e9, 0.06, 0.5e9, 8.0e9),
    "1211.HK": ("HKD", "CNY", 9.1e9, 4.4, 40.0e9, 780.0e9),
    "NIO": ("USD", "CNY", 2.1e9, -1.4, -22.0e9, 65.0e9),  # a loss-maker: P/E must be n/m
}


def make_quote(symbol: str, price: float, now: float, *, age: float = 5.0, change: float | None = None,
               previous_close: float | None = None, currency: str | None = None, delay: int = 0) -> Quote:
    pct = change / previous_close * 100 if change is not None and previous_close else None
    return Quote(symbol=symbol, price=price, time=now - age, source=QuoteSource.REST, received=now,
                 currency=currency, change=change, change_pct=pct, previous_close=previous_close,
                 delay_minutes=delay)


def fill(store: MarketStore, now: float, symbols: Iterable[str] | None = None, *, as_delayed: bool = False) -> None:
    """Quotes and fundamentals for `symbols` (default: every hand-made one), 5 s old at `now`; with `as_delayed`,
    a delayed listing's quote is as old as a delayed feed shows it (5 s plus its delay), which is what the store
    measures a source's delay by while its market trades."""
    for symbol, (price, ccy, change, prev, delay) in QUOTES.items():
        if symbols is None or symbol in symbols or symbol.endswith("=X"):
            store.apply_quote(make_quote(symbol, price, now, change=change, previous_close=prev,
                                         currency=ccy, delay=delay, age=5.0 + (delay * 60.0 if as_delayed else 0)))
    for symbol, (ccy, fccy, shares, eps, ni, rev) in FUNDAMENTALS.items():
        if symbols is None or symbol in symbols:
            store.apply_fundamentals(Fundamentals(symbol=symbol, as_of=now, currency=ccy, financial_currency=fccy,
                                                  shares_outstanding=shares, eps_ttm=eps, net_income_ttm=ni,
                                                  revenue_ttm=rev))
    store.mark_unknown(["ZZZZ"])


def long_list(n: int = 40) -> Watchlist:
    """A list longer than any test screen: synthetic US symbols with quotes but no fundamentals."""
    insts = tuple(_inst(f"SYM{i:02d}", f"Synthetic company {i:02d}", US, f"synthetic-{i:02d}") for i in range(n))
    return Watchlist(name="long", title="Long list", instruments=insts)


def watchlists() -> LoadResult:
    i = INSTRUMENTS
    ai = Watchlist(
        name="ai-rivals", title="AI rivals",
        instruments=(i["NVDA"], i["0981.HK"], i["TSLA"], i["1211.HK"], i["NIO"], i["ZZZZ"], i["^GSPC"]),
        pairs=(Pair("AI chips", ("NVDA",), ("0981.HK",)), Pair("EVs", ("TSLA",), ("1211.HK",)),
               Pair("Leaders vs rivals", ("NVDA", "TSLA"), ("0981.HK", "1211.HK", "NIO")),
               Pair("Nvidia vs NIO", ("NVDA",), ("NIO",))),
    )
    chips = Watchlist(
        name="chips", title="Chips",
        instruments=(i["NVDA"], i["AMD"], i["0981.HK"], i["688981.SS"]),
        pairs=(Pair("Nvidia vs SMIC A", ("NVDA",), ("688981.SS",)),),
    )
    return LoadResult({"ai-rivals": ai, "chips": chips, "long": long_list()})


class StaticRuntime:
    """The app's Runtime protocol without a feed: a filled store, a hand-moved clock, recorded calls."""

    def __init__(self, *, simulated: bool = True, clock: ManualClock | None = None, filled: bool = True,
                 fail_start: bool = False) -> None:
        self.store = MarketStore()
        self.clock = clock or ManualClock()
        self.simulated = simulated
        self.source = "demo" if simulated else "yahoo"
        self.feed_status = FeedStatus(last_message=self.clock.now() - 2)
        self.symbol_sets: list[tuple[str, ...]] = []
        self.started = False
        self.stopped = False
        self.stop_calls = 0
        self._fail_start = fail_start
        if filled:
            fill(self.store, self.clock.now())
            for n, inst in enumerate(long_list().instruments):
                self.store.apply_quote(make_quote(inst.symbol, 10.0 + n, self.clock.now(), change=0.1 * (n - 20),
                                                  previous_close=10.0 + n - 0.1 * (n - 20), currency="USD"))

    async def start(self) -> None:
        if self._fail_start:
            raise ConnectionError("no route to the data source")
        self.started = True

    async def stop(self) -> None:
        await asyncio.sleep(0)  # a real await: the app must await this before it exits
        self.stop_calls += 1
        self.stopped = True

    def set_symbols(self, symbols: Iterable[str]) -> None:
        self.symbol_sets.append(tuple(symbols))

    def status(self) -> FeedStatus:
        return self.feed_status

    def tick(self, symbol: str, price: float, *, age: float = 0.0) -> None:
        """A new trade of `symbol` at the clock's now (a later time than any held quote)."""
        old = self.store.quotes[symbol]
        prev = old.previous_close
        change = price - prev if prev is not None else None
        self.store.apply_quote(make_quote(symbol, price, self.clock.now(), age=age, change=change,
                                          previous_close=prev, currency=old.currency, delay=old.delay_minutes))


async def wait_for(pilot, condition: Callable[[], bool], timeout: float = 5.0) -> None:
    """Let the app run until `condition()` holds; fail after `timeout` seconds of wall time."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await pilot.pause(0.02)
