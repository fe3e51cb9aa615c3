"""One run's moving parts: the store, the clock, the upstream sources and, with --demo, the simulator.

The sources (tui/feeds/upstream.py): Yahoo for everything, and Tencent's quote page (Sina's as its fallback) for
the Hong Kong, Shanghai and Shenzhen listings in real time; `china_sources` picks per market group
(config `[sources]`, `--china-source`).

The demo starts the simulator on a free loopback port and points the very same clients at it (it speaks Yahoo's,
Tencent's and Sina's protocols): the demo exercises the real code path, not a shortcut. Two ways to run that
simulator:

- in this process (`sim_process=False`, the default; tests reach it as `runtime.sim`);
- in a child process (`sim_process=True`, or a `tui.sim.process.SimProcess` the CLI started before importing
  Textual so that its start-up overlaps the app's on the other core: launch time). The child's clock
  is this runtime's clock; if it dies it is restarted once on the same port (the feed reconnects by itself),
  and the user is told, in a notification and on the status line.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from tui.core.clock import Clock
from tui.core.store import MarketStore

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StartingStatus:
    state: str = "starting"
    last_message: float | None = None
    reconnects: int = 0
    rejected_frames: int = 0
    requests_last_minute: int = 0
    rate_limited_until: float | None = None
    last_error: str | None = None


class Runtime:
    def __init__(
        self,
        *,
        demo: bool,
        clock: Clock | None = None,
        seed: int = 7,
        rate: float = 20.0,
        yahoo_url: str | None = None,
        stream_url: str | None = None,
        faults: str | None = None,
        proxy: str | None = None,
        history_range: str | None = None,
        sim_process: Any = False,
        sim_log_level: str = "INFO",
        sim_command: Sequence[str] | None = None,
        sim_restarts: int = 1,
        statements: bool = False,
        tencent_url: str | None = None,
        sina_url: str | None = None,
        china_sources: dict[str, str] | None = None,
        china_options: dict | None = None,
        hub_url: str | None = None,
        hub_prefix: str = "aiwatch:",
        hub_fallback: str = "none",
        hub_options: dict | None = None,
    ) -> None:
        from tui.feeds.china_keys import DEFAULT_CHOICE, GROUPS

        self.store = MarketStore()
        self.clock = clock or Clock()
        self.simulated = demo
        self.china_sources = {g: (china_sources or {}).get(g, DEFAULT_CHOICE[g]) for g in GROUPS}
        self._tencent_url, self._sina_url = tencent_url, sina_url
        self._china_options = china_options
        # "demo", "yahoo", or "other" with the base URL when a source's host was pointed elsewhere: the snapshot
        # and exports say what the header badge says (never "yahoo" for another server)
        self.source, self.source_url = data_source(yahoo_url, demo=demo, stream_url=stream_url)
        self.source_label = source_label(yahoo_url, stream_url)
        if not demo and self.source == "yahoo":
            for name, base in self._redirected_china():
                self.source, self.source_url = "other", _public_url(base)
                break
        for name, base in [] if demo else self._redirected_china():
            from urllib.parse import urlsplit

            self.source_label += f" · not {name.title()}: {urlsplit(_public_url(base)).netloc or base}"
        self._seed, self._rate, self._faults = seed, rate, faults
        self._yahoo_url, self._stream_url, self._proxy = yahoo_url, stream_url, proxy
        self._symbols: tuple[str, ...] = ()
        self.sim = None
        self.feed = None
        self.history_range: str | None = history_range  # daily bars of the symbols on screen
        self.statements = statements  # each equity's statement lines (capex screen, snapshot --capex)
        # the demo's simulator in a child process (True: started by start(); or one already started)
        self.sim_process = sim_process if sim_process not in (True, False) else None
        # a client of a hub (tui/hub): the hub's Redis, never an upstream (nor, with --demo, a simulator) of its own;
        # whether its data is simulated is what the hub's quotes say (known once start() has read them)
        self.hub_url, self.hub_prefix, self.hub_fallback = hub_url, hub_prefix, hub_fallback
        self._hub_options = dict(hub_options or {})
        if hub_url:
            from tui.hub.connect import public_url

            self.source_label = f"hub: {public_url(hub_url)}"
        self._sim_in_child = demo and sim_process is not False and not hub_url
        self._sim_log_level, self._sim_command, self._sim_restarts = sim_log_level, sim_command, sim_restarts
        self._sim_state: str | None = "starting simulator" if self._sim_in_child else None
        self._sim_error: str | None = None
        self._sim_watch: asyncio.Task | None = None
        self._stopping = False
        self.on_notice: Callable[[str, str], None] | None = None  # the app's notify(message, severity)

    async def start(self) -> None:
        from tui.feeds.endpoints import ChinaEndpoints, Endpoints
        from tui.feeds.upstream import Upstream

        if self.hub_url:
            await self._start_hub_client()
            return
        if self._sim_in_child:
            # the feed's modules were imported above, on this core, while the child finished starting on the other
            endpoints = await self._start_sim_process()
            if endpoints is None or self._stopping:  # stopped while it started
                return
            china = ChinaEndpoints.with_base(self.sim_process.urls.base_url)
        elif self.simulated:
            from tui.sim.server import Simulator

            self.sim = Simulator(self.clock, seed=self._seed, rate=self._rate, faults=self._faults)
            await self.sim.start()
            endpoints = Endpoints.from_env(self.sim.base_url, self.sim.stream_url)
            china = ChinaEndpoints.with_base(self.sim.base_url)  # the simulator speaks Tencent's and Sina's too
            log.info("demo: simulator on %s", self.sim.base_url)
        else:
            endpoints = Endpoints.from_env(self._yahoo_url, self._stream_url)
            china = ChinaEndpoints.from_env(self._tencent_url, self._sina_url)
        kwargs: dict = {"proxy": self._proxy} if self._proxy else {}
        if self.simulated:  # what a failure calls the source ("rate-limited by the demo simulator (HTTP 429)")
            kwargs["source_name"] = "the demo simulator"
        kwargs.update(_feed_extras(endpoints, self.history_range))  # disk cache, daily history
        if self.statements:
            kwargs["statements"] = True
        self.feed = Upstream(self.store, self.clock, endpoints, china, china_sources=self.china_sources,
                             china_options=self._china_options, **kwargs)
        if self._symbols:
            self.feed.set_symbols(self._symbols)
        await self.feed.start()

    async def _start_hub_client(self) -> None:
        from tui.hub.client import HubFeed

        fallback = self._direct_upstream if self.hub_fallback == "direct" else None
        self.feed = HubFeed(self.store, self.clock, self.hub_url, prefix=self.hub_prefix, fallback=fallback,
                            **self._hub_options)
        if self._symbols:
            self.feed.set_symbols(self._symbols)
        await self.feed.start()
        self._take_hub_labels()

    def _take_hub_labels(self) -> None:
        """What the data is, as the hub says: simulated (the header's DEMO badge, the snapshot's "demo") or the
        hub's own source."""
        feed = self.feed
        if feed is None or not self.hub_url:
            return
        if feed.simulated:
            self.simulated, self.source, self.source_url = True, "demo", None
        elif feed.simulated is False:
            from tui.sanitize import clean_name

            self.simulated = False
            hub = feed.hub
            if hub.get("source") in ("yahoo", "other", "demo"):
                self.source = hub["source"]
                url = hub.get("source_url")
                self.source_url = clean_name(url) if isinstance(url, str) else None
            label = hub.get("source_label")
            if isinstance(label, str) and label:
                from tui.hub.connect import public_url

                self.source_label = f"{clean_name(label)} via hub {public_url(self.hub_url)}"

    def _direct_upstream(self):
        """This client's own Upstream (hub_fallback = "direct"), on its own endpoints, into the same store."""
        from tui.feeds.endpoints import ChinaEndpoints, Endpoints
        from tui.feeds.upstream import Upstream

        endpoints = Endpoints.from_env(self._yahoo_url, self._stream_url)
        china = ChinaEndpoints.from_env(self._tencent_url, self._sina_url)
        kwargs: dict = {"proxy": self._proxy} if self._proxy else {}
        kwargs.update(_feed_extras(endpoints, self.history_range))
        if self.statements:
            kwargs["statements"] = True
        return Upstream(self.store, self.clock, endpoints, china, china_sources=self.china_sources,
                        china_options=self._china_options, **kwargs)

    def _redirected_china(self) -> list[tuple[str, str]]:
        """(name, base URL) of each quote page in use whose host was pointed elsewhere."""
        from tui.feeds.china_keys import chain_for
        from tui.feeds.endpoints import ChinaEndpoints

        china = ChinaEndpoints.from_env(self._tencent_url, self._sina_url)
        used = {name for choice in self.china_sources.values() for name in chain_for(choice)}
        return [(name, china.base(name)) for name in ("tencent", "sina") if name in used and china.redirected(name)]

    def sources_info(self) -> list[dict]:
        """Each source of the run, for the snapshot's header: its name, base URL (None for the demo's simulator,
        on a port of the moment), what it is (`source`: demo, its own name on its real host, or other with
        `source_url`, as for the whole document) and the market groups it is used for."""
        from tui.feeds.china_keys import chain_for
        from tui.feeds.endpoints import ChinaEndpoints, Endpoints
        from tui.feeds.upstream import yahoo_base

        if self.hub_url:
            return self.feed.sources_info() if self.feed is not None else []
        if self.feed is not None:
            yahoo_url, china = yahoo_base(self.feed.endpoints), self.feed.china_endpoints
        else:
            yahoo_url = yahoo_base(Endpoints.from_env(self._yahoo_url, self._stream_url))
            china = ChinaEndpoints.from_env(self._tencent_url, self._sina_url)
        used_china = {name: [g for g, c in self.china_sources.items() if name in chain_for(c)]
                      for name in ("tencent", "sina")}
        out = []
        for name, base, used_for in (("yahoo", yahoo_url, ["all"]), ("tencent", china.tencent, used_china["tencent"]),
                                     ("sina", china.sina, used_china["sina"])):
            if not used_for:
                continue
            if self.simulated:
                kind, url = "demo", None
            elif name == "yahoo":
                kind, url = self.yahoo_source()
            elif china.redirected(name):
                kind, url = "other", _public_url(base)
            else:
                kind, url = name, None
            out.append({"name": name, "base_url": None if self.simulated else _public_url(base), "source": kind,
                        "source_url": url, "markets": used_for})
        return out

    def notice(self) -> str | None:
        """What the sources cannot give now and why (Yahoo unreachable: which figures are missing), judged now
        (a snapshot that waited its whole timeout without one answer from Yahoo says so)."""
        return self.feed.notice(after=0.0) if self.feed is not None else None

    def yahoo_source(self) -> tuple[str, str | None]:
        return data_source(self._yahoo_url, demo=self.simulated, stream_url=self._stream_url)

    def set_symbols(self, symbols: Iterable[str]) -> None:
        self._symbols = tuple(dict.fromkeys(symbols))
        if self.feed is not None:
            self.feed.set_symbols(self._symbols)

    async def lookup(self, symbol: str):
        """Ask the data source for one quote of `symbol` (checking a symbol before it is saved).

        Returns the Quote, or None when the source says it does not exist; raises when the source fails."""
        if self.feed is None:
            raise RuntimeError("the feed has not started yet")
        return await self.feed.lookup(symbol)

    def status(self):
        if self.feed is None:
            if self._sim_state is not None:
                return StartingStatus(state=self._sim_state, last_error=self._sim_error)
            return StartingStatus()
        status = self.feed.status()
        if self._sim_state is not None:  # the simulator is down: that is the feed's state, whatever the stream says
            return dataclasses.replace(status, state=self._sim_state, last_error=self._sim_error or status.last_error,
                                       sources=())
        return status

    # -- the demo's simulator as a child process --------------------------------------------------------
    def _notice(self, message: str, severity: str) -> None:
        {"error": log.error, "warning": log.warning}.get(severity, log.info)("demo simulator: %s", message)
        if self.on_notice is not None:
            try:
                self.on_notice(message, severity)
            except Exception:  # noqa: BLE001 - a notice must never break the runtime
                log.exception("notice failed")

    def _spawn_sim(self, port: int = 0):
        from tui.sim.process import SimProcess

        return SimProcess.spawn(self.clock, seed=self._seed, rate=self._rate, faults=self._faults,
                                log_level=self._sim_log_level, port=port, command=self._sim_command)

    async def _start_sim_process(self):
        """The child's URLs (started here unless the CLI already did; restarted once if it fails to start)."""
        from tui.feeds.endpoints import Endpoints
        from tui.sim.process import SimulatorFailed

        if self.sim_process is None:
            self.sim_process = self._spawn_sim()
        while True:
            try:
                urls = await self.sim_process.ready()
                break
            except SimulatorFailed as exc:
                if self._stopping:
                    return None
                log.error("%s; its stderr:\n%s", exc, self.sim_process.stderr_tail() or "(nothing)")
                if self._sim_restarts <= 0:
                    self._sim_state, self._sim_error = "simulator failed", str(exc)
                    raise SimulatorFailed(f"{exc} — details in the log") from None
                self._sim_restarts -= 1
                log.warning("demo simulator: starting it again")
                self.sim_process = self._spawn_sim()
        self._sim_state = self._sim_error = None
        log.info("demo: simulator process %s on %s", urls.pid, urls.base_url)
        self._sim_watch = asyncio.create_task(self._watch_sim(), name="sim-watch")
        return Endpoints.from_env(urls.base_url, urls.stream_url)

    async def _watch_sim(self) -> None:
        """When the child dies under us: say so, start it again once on the same port, or say it stopped."""
        from tui.sim.process import SimulatorFailed

        while True:
            proc = self.sim_process
            code = await proc.exited()
            if self._stopping or proc.stopping:
                return
            why = proc.describe_exit(code)
            log.error("demo simulator process %s exited (%s); its stderr:\n%s", proc.pid, why,
                      proc.stderr_tail() or "(nothing)")
            if self._sim_restarts <= 0:
                self._sim_state, self._sim_error = "simulator stopped", f"simulator: {why}"
                self._notice(f"the demo simulator stopped ({why}). No more simulated quotes: quit and run "
                             "aiwatch --demo again.", "error")
                return
            self._sim_restarts -= 1
            self._sim_state, self._sim_error = "simulator restarting", f"simulator: {why}"
            self._notice(f"the demo simulator stopped ({why}): restarting it", "warning")
            port = proc.urls.port if proc.urls is not None else 0
            self.sim_process = self._spawn_sim(port=port)
            try:
                urls = await self.sim_process.ready()
            except SimulatorFailed as exc:
                log.error("%s; its stderr:\n%s", exc, self.sim_process.stderr_tail() or "(nothing)")
                self._sim_state, self._sim_error = "simulator stopped", str(exc)
                self._notice(f"the demo simulator could not be restarted ({exc}). No more simulated quotes: "
                             "quit and run aiwatch --demo again.", "error")
                return
            if self._stopping:
                return
            self._sim_state = self._sim_error = None
            log.info("demo: simulator restarted, process %s on %s", urls.pid, urls.base_url)
            self._notice("the demo simulator was restarted: quotes resume", "information")

    async def wait_until_quoted(self, symbols: Iterable[str], timeout: float) -> set[str]:
        """Wait for a quote of every symbol, and fundamentals of every equity quoted; return what is missing."""
        wanted = set(symbols)
        deadline = time.monotonic() + timeout
        assert self.feed is not None
        missing = await self.feed.wait_until_quoted(wanted, timeout)
        # fundamentals (quoteSummary) arrive after the first quote: give them the rest of the time
        while time.monotonic() < deadline:
            pending = [
                s for s in wanted - missing - self.store.unknown
                if s in self.store.quotes and self.feed.is_equity(s) and not _has_statements(self.store, s)
            ]
            if not pending:
                break
            await asyncio.sleep(0.05)
        return {s for s in wanted if s not in self.store.quotes}

    async def wait_for_statements(self, symbols: Iterable[str], timeout: float) -> set[str]:
        """Wait until every quoted equity of `symbols` has had its statement lines fetched (or refused by Yahoo);
        return the equities still without them at the timeout."""
        deadline = time.monotonic() + timeout
        feed = self.feed
        assert feed is not None
        while True:
            pending = {s for s in symbols if s in self.store.quotes and s not in self.store.unknown
                       and feed.is_equity(s) and not feed.statements_tried(s)}
            if not pending or time.monotonic() >= deadline:
                return pending
            await asyncio.sleep(0.05)

    async def stop(self) -> None:
        self._stopping = True
        if self.feed is not None:
            try:
                await self.feed.stop()
            except Exception:  # noqa: BLE001 - shutting down: log and go on
                log.exception("feed stop failed")
        if self.sim is not None:
            try:
                await self.sim.stop()
            except Exception:  # noqa: BLE001
                log.exception("simulator stop failed")
        if self._sim_watch is not None:
            self._sim_watch.cancel()
        if self.sim_process is not None:
            try:
                await self.sim_process.stop()
            except Exception:  # noqa: BLE001
                log.exception("simulator process stop failed")


def _feed_extras(endpoints, history_range: str | None) -> dict:
    """The disk cache for Yahoo (not for loopback: the simulator's data must never land in it),
    and the range of daily history the feed keeps for every symbol on screen."""
    extras: dict = {"history_range": history_range}
    if not endpoints.is_local:
        from tui.feeds.cache import DiskCache

        extras["cache"] = DiskCache.for_endpoints(endpoints)
    return extras


def _has_statements(store: MarketStore, symbol: str) -> bool:
    f = store.fundamentals.get(symbol)
    return f is not None and f.revenue_ttm is not None


def _redirected_base(yahoo_url: str | None, stream_url: str | None = None) -> str | None:
    """The base URL that replaces Yahoo's REST hosts (`--yahoo-url`, else $AIWATCH_YAHOO_URL), else the one that
    replaces its streamer (`--stream-url`, else $AIWATCH_STREAM_URL: live prices from elsewhere are not Yahoo's
    either); None when both are Yahoo's."""
    import os

    return (yahoo_url or os.environ.get("AIWATCH_YAHOO_URL") or stream_url or os.environ.get("AIWATCH_STREAM_URL")
            or None)


def source_label(yahoo_url: str | None, stream_url: str | None = None) -> str:
    """What the header calls the data source: Yahoo, unless its REST hosts were pointed elsewhere.

    `aiwatch simulate` tells users to point plain aiwatch at it with AIWATCH_YAHOO_URL: that data is simulated
    and must not be badged as Yahoo's.
    """
    from urllib.parse import urlsplit

    base = _redirected_base(yahoo_url, stream_url)
    if not base:
        return "Yahoo Finance"
    return f"not Yahoo: {urlsplit(base).netloc or base}"


def data_source(yahoo_url: str | None, *, demo: bool = False, stream_url: str | None = None
                ) -> tuple[str, str | None]:
    """What the snapshot and exports call the data source, and its URL: ("demo", None) for the built-in
    simulator, ("yahoo", None) for Yahoo's own hosts, ("other", base URL) when they were pointed elsewhere (the
    header's "not Yahoo: host"). The URL is given without user:password or query."""
    if demo:
        return "demo", None
    base = _redirected_base(yahoo_url, stream_url)
    if not base:
        return "yahoo", None
    return "other", _public_url(base)


def _public_url(base: str) -> str:
    """A base URL fit to print: without user:password, query or fragment."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(base)
    try:
        port = parts.port
    except ValueError:  # not a number: the URL could not be used anyway; say where it pointed
        port = None
    if not parts.scheme or not parts.hostname:
        return base
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    netloc = f"{host}:{port}" if port is not None else host
    return urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))
