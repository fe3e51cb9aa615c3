"""Alert rules and the engine that checks them against the store. Nothing here imports Textual.

Rules (config `[[alerts]]` tables, or added in the app):
    price          symbol, above and/or below: the regular-session price crosses the level (in the quote's
                   currency); pre- and post-market trades do not count
    move           symbol (or "*": every equity on screen), pct: |the day's change| (against the previous
                   session's close, as on the board) is more than pct percent; never the extended-hours move
    zscore         pair (its name, or "*"), beyond: |z| of the pair's FX-adjusted log price ratio (1y window)
    concentration  gauge "hhi" | "top1" | "top3", above: HHI (0-10,000) or the share in percent; watchlist
                   (name, default "*": the one on screen)
    capex          symbol (or "*": every company on screen, once each), metric "intensity" (capex / revenue,
                   TTM, in percent) | "net_debt_ebitda" (net debt / TTM EBITDA, times), above and/or below: checked
                   only when a company's statements run to a new quarter (tui/core/capex.py)
    pnl            above and/or below, in the book's base currency: a portfolio's P&L passes the level; measure
                   "day" (default), "unrealized" or "total"; symbol (optional): that position's instead of the
                   book's; portfolio (its name, default "*": every book loaded)

A rule fires when its condition becomes true and fires again only after it was seen false: no repeat every
refresh. The first evaluation of each rule (per symbol, pair or list) only records the state: a level already
passed at start did not "cross" anything. A move rule is evaluated only while the symbol's market is in its
regular session or lunch break: before the open the day's change is still the last session's (no alert on Sunday,
or in Monday's pre-market, from Friday's change). When one fires the engine
writes a line to the alerts log and, only when `alert_command` is set, runs that command (through the shell)
with the alert as JSON on stdin; the app adds the notification and the bell.

On simulated prices (`aiwatch --demo`, `simulated=True`) the message starts with "DEMO · ", the log line starts
with "DEMO", the JSON says `"simulated": true, "source": "simulator"`, and the command is not run unless
`alert_command_in_demo` is true.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from tui.core.sessions import MarketState, market_of, state_at
from tui.core.store import MarketStore
from tui.model import Watchlist, change_pct_of

log = logging.getLogger(__name__)

KINDS = ("price", "move", "zscore", "concentration", "capex", "pnl")
PNL_MEASURES = ("day", "unrealized", "total")
GAUGES = ("hhi", "top1", "top3")
CAPEX_METRICS = ("intensity", "net_debt_ebitda")
_FIELDS = {
    "price": ("symbol", "above", "below", "note"),
    "move": ("symbol", "pct", "note"),
    "zscore": ("pair", "beyond", "note"),
    "concentration": ("gauge", "above", "watchlist", "note"),
    "capex": ("symbol", "metric", "above", "below", "note"),
    "pnl": ("portfolio", "measure", "symbol", "above", "below", "note"),
}
COMMAND_TIMEOUT = 10.0
DEMO_PREFIX = "DEMO · "
_MOVE_STATES = (MarketState.REGULAR, MarketState.BREAK)


@dataclass(frozen=True)
class Rule:
    kind: str
    symbol: str = ""
    above: float | None = None
    below: float | None = None
    pct: float | None = None
    pair: str = ""
    beyond: float | None = None
    gauge: str = ""
    watchlist: str = "*"
    note: str = ""
    metric: str = ""
    portfolio: str = "*"
    measure: str = ""

    def describe(self) -> str:
        if self.kind == "price":
            parts = []
            if self.above is not None:
                parts.append(f"above {self.above:g}")
            if self.below is not None:
                parts.append(f"below {self.below:g}")
            return f"{self.symbol} (regular-session price) crosses " + " or ".join(parts)
        if self.kind == "move":
            who = "any symbol" if self.symbol == "*" else self.symbol
            return f"{who}: the day's change beyond ±{self.pct:g}% (vs the previous close)"
        if self.kind == "zscore":
            who = "any pair" if self.pair == "*" else self.pair
            return f"{who}: spread z-score beyond ±{self.beyond:g}"
        if self.kind == "capex":
            who = "any company" if self.symbol == "*" else self.symbol
            what, unit = (("capex / revenue", "%") if self.metric == "intensity" else ("net debt / EBITDA", "×"))
            levels = [f"{word} {v:g}{unit}" for word, v in (("above", self.above), ("below", self.below))
                      if v is not None]
            return f"{who}: {what} {' or '.join(levels)} (checked at each new quarter)"
        if self.kind == "pnl":
            levels = " or ".join(f"{word} {level:+,g}" for word, level in (("above", self.above),
                                                                          ("below", self.below)) if level is not None)
            what = f"{self.symbol}'s {self.measure} P&L" if self.symbol else f"{self.measure} P&L"
            book = "any book" if self.portfolio == "*" else self.portfolio
            return f"{book}: {what} {levels}"
        unit = "" if self.gauge == "hhi" else "%"
        where = "" if self.watchlist == "*" else f" on {self.watchlist}"
        return f"concentration {self.gauge.upper()} above {self.above:g}{unit}{where}"

    def to_table(self) -> dict:
        out: dict = {"kind": self.kind}
        for key in _FIELDS[self.kind]:
            v = getattr(self, key)
            if v is not None and v != "" and not (key in ("watchlist", "portfolio") and v == "*"):
                out[key] = v
        return out


def _num(d: dict, key: str, *, positive: bool = False) -> float | None:
    if key not in d:
        return None
    v = d[key]
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise ValueError(f"{key}: expected a number, got {v!r}")
    if positive and v <= 0:
        raise ValueError(f"{key}: must be more than 0, got {v!r}")
    return float(v)


def _str(d: dict, key: str, default: str = "") -> str:
    v = d.get(key, default)
    if not isinstance(v, str):
        raise ValueError(f"{key}: expected a string, got {v!r}")  # noqa: TRY004 - a config message
    return v.strip()


def parse_rule(d: dict) -> Rule:
    """A Rule from a config table; ValueError naming the key when something is wrong."""
    kind = d.get("kind")
    if kind not in KINDS:
        raise ValueError(f"kind: expected one of {', '.join(KINDS)}, got {kind!r}")
    unknown = sorted(set(d) - {"kind", *_FIELDS[kind]})
    if unknown:
        raise ValueError(f"{unknown[0]}: not a key of a {kind!r} rule (keys: {', '.join(_FIELDS[kind])})")
    note = _str(d, "note")
    if kind == "price":
        symbol = _str(d, "symbol").upper()
        if not symbol or symbol == "*":
            raise ValueError("symbol: a price rule needs one symbol")
        above, below = _num(d, "above"), _num(d, "below")
        if above is None and below is None:
            raise ValueError("above/below: a price rule needs a level above, below or both")
        return Rule(kind, symbol=symbol, above=above, below=below, note=note)
    if kind == "move":
        symbol = _str(d, "symbol", "*").upper() or "*"
        pct = _num(d, "pct", positive=True)
        if pct is None:
            raise ValueError("pct: a move rule needs pct, the percent move today")
        return Rule(kind, symbol=symbol, pct=pct, note=note)
    if kind == "zscore":
        pair = _str(d, "pair", "*") or "*"
        beyond = _num(d, "beyond", positive=True)
        if beyond is None:
            raise ValueError("beyond: a zscore rule needs beyond, e.g. 2")
        return Rule(kind, pair=pair, beyond=beyond, note=note)
    if kind == "capex":
        symbol = _str(d, "symbol", "*").upper() or "*"
        metric = _str(d, "metric", "intensity").lower()
        if metric not in CAPEX_METRICS:
            raise ValueError(f"metric: expected one of {', '.join(CAPEX_METRICS)}, got {metric!r}")
        above, below = _num(d, "above"), _num(d, "below")
        if above is None and below is None:
            raise ValueError("above/below: a capex rule needs a level above, below or both")
        return Rule(kind, symbol=symbol, metric=metric, above=above, below=below, note=note)
    if kind == "pnl":
        above, below = _num(d, "above"), _num(d, "below")
        if above is None and below is None:
            raise ValueError("above/below: a pnl rule needs a level above, below or both (base currency)")
        measure = _str(d, "measure", "day").lower() or "day"
        if measure not in PNL_MEASURES:
            raise ValueError(f"measure: expected one of {', '.join(PNL_MEASURES)}, got {measure!r}")
        return Rule(kind, symbol=_str(d, "symbol").upper(), above=above, below=below, note=note,
                    portfolio=_str(d, "portfolio", "*") or "*", measure=measure)
    gauge = _str(d, "gauge", "hhi").lower()
    if gauge not in GAUGES:
        raise ValueError(f"gauge: expected one of {', '.join(GAUGES)}, got {gauge!r}")
    above = _num(d, "above", positive=True)
    if above is None:
        raise ValueError("above: a concentration rule needs above (HHI 0-10,000, or a share in percent)")
    return Rule(kind, gauge=gauge, above=above, watchlist=_str(d, "watchlist", "*") or "*", note=note)


TEXT_WORDS = ("above", "below", "move", "z", "hhi", "top1", "top3", "capex", "leverage")


def parse_rule_text(text: str, symbol: str | None, pair: str | None = None, watchlist: str = "*") -> Rule:
    """The in-app short form (the `!` dialog).

    On the symbol under the cursor: "above 200", "below 150", "move 5" (percent today). On the pair marked in the
    pairs panel: "z 2" (|spread z-score| beyond 2). On the concentration gauges of `watchlist`: "hhi 2500",
    "top1 40" or "top3 70" (a share in percent). On the company under the cursor, at each new quarter: "capex 25"
    (capex / revenue above 25 %), "leverage 3" (net debt / EBITDA above 3×)."""
    words = text.lower().replace("%", " ").replace("±", " ").split()
    if words and words[0] == "zscore":
        words[0] = "z"
    if len(words) != 2 or words[0] not in TEXT_WORDS:
        raise ValueError('type "above 200", "below 150", "move 5" (percent today), "z 2" (the marked pair), '
                         '"hhi 2500" or "top1 40" (concentration), "capex 25" or "leverage 3" (at each new quarter)')
    try:
        value = float(words[1])
    except ValueError:
        raise ValueError(f"not a number: {words[1]!r}") from None
    word = words[0]
    if word == "z":
        if not pair:
            raise ValueError("no pair to watch: this watchlist has no pairs")
        return parse_rule({"kind": "zscore", "pair": pair, "beyond": value})
    if word in GAUGES:
        return parse_rule({"kind": "concentration", "gauge": word, "above": value, "watchlist": watchlist or "*"})
    if not symbol:
        raise ValueError("no symbol under the cursor")
    if word in ("capex", "leverage"):
        metric = "intensity" if word == "capex" else "net_debt_ebitda"
        return parse_rule({"kind": "capex", "symbol": symbol, "metric": metric, "above": value})
    if word == "move":
        return parse_rule({"kind": "move", "symbol": symbol, "pct": value})
    return parse_rule({"kind": "price", "symbol": symbol, word: value})


@dataclass(frozen=True)
class Alert:
    kind: str
    subject: str  # symbol, pair name or gauge
    message: str
    value: float
    threshold: float
    time: float  # app clock, POSIX seconds
    rule: dict = field(default_factory=dict)
    simulated: bool = False  # fired on the built-in simulator's prices (aiwatch --demo), not market data
    data_source: str = "yahoo"  # "yahoo", or "other" when Yahoo's URL was pointed elsewhere (tui.runtime)
    source_url: str | None = None  # with "other": where the prices came from

    @property
    def source(self) -> str:
        return "simulator" if self.simulated else self.data_source

    def to_json(self) -> str:
        d = asdict(self)
        del d["data_source"]
        d["source"] = self.source
        d["time_iso"] = datetime.fromtimestamp(self.time, UTC).isoformat(timespec="seconds")
        return json.dumps(d, sort_keys=True)

    def log_line(self) -> str:
        stamp = datetime.fromtimestamp(self.time, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        if self.simulated:
            return f"DEMO {stamp}  {self.kind:<13} {self.message.removeprefix(DEMO_PREFIX)}"
        return f"{stamp}  {self.kind:<13} {self.message}"


def _pct(store: MarketStore, symbol: str) -> float | None:
    q = store.quotes.get(symbol)
    return change_pct_of(q, from_price=True) if q is not None else None


class AlertEngine:
    """Checks rules on each refresh; returns what fired; keeps the log; runs the command if configured."""

    def __init__(self, rules: list[Rule] | tuple[Rule, ...], *, log_path: Path | None = None,
                 command: str = "", simulated: bool = False, command_in_demo: bool = False) -> None:
        self.rules = list(rules)
        self.log_path = log_path
        self.command = command
        self.simulated = simulated  # prices come from the simulator: alerts are marked DEMO
        self.data_source: tuple[str, str | None] = ("yahoo", None)  # (source, url): see tui.runtime.data_source
        self.command_in_demo = command_in_demo  # run `command` on simulated alerts too
        self._state: dict[tuple[int, str], bool] = {}
        self._quarters: dict[tuple[int, str], object] = {}  # capex rules: the quarter end last checked
        self.fired: list[Alert] = []
        self._tasks: set[asyncio.Task] = set()

    @classmethod
    def from_config(cls, config, log_path: Path | None = None, *,
                    simulated: bool = False) -> tuple[AlertEngine, list[str]]:
        rules, problems = [], []
        for n, table in enumerate(config.alerts, 1):
            try:
                rules.append(parse_rule(table))
            except ValueError as exc:
                problems.append(f"alerts[{n}]: {exc}")
        return cls(rules, log_path=log_path, command=config.alert_command, simulated=simulated,
                   command_in_demo=bool(getattr(config, "alert_command_in_demo", False))), problems

    def add(self, rule: Rule) -> None:
        self.rules.append(rule)

    # -- checking ------------------------------------------------------------------------------------
    def _edge(self, key: tuple[int, str], now_true: bool) -> bool:
        if key not in self._state:  # first look: record only (nothing was seen to cross)
            self._state[key] = now_true
            return False
        was = self._state[key]
        self._state[key] = now_true
        return now_true and not was

    def check(self, store: MarketStore, watchlist: Watchlist | None, now: float,
              books: Mapping[str, object] | None = None) -> list[Alert]:
        """Rules against the store; `books`: each portfolio's valuation (tui.portfolio.valuation.BookValue) by
        name, for the pnl rules (without it they are not checked)."""
        out: list[Alert] = []
        for n, rule in enumerate(self.rules):
            try:
                if rule.kind == "pnl":
                    out.extend(self._check_pnl(n, rule, books or {}, now))
                    continue
                out.extend(self._check(n, rule, store, watchlist, now))
            except Exception:
                log.exception("alert rule %s failed", rule)
        if self.simulated:
            out = [replace(a, message=DEMO_PREFIX + a.message, simulated=True) for a in out]
        elif self.data_source[0] != "yahoo":  # never call another server's prices Yahoo's
            out = [replace(a, data_source=self.data_source[0], source_url=self.data_source[1]) for a in out]
        for alert in out:
            self._record(alert)
        return out

    def _check(self, n: int, rule: Rule, store: MarketStore, wl: Watchlist | None, now: float) -> list[Alert]:
        table = rule.to_table()
        if rule.kind == "price":
            price = store.price(rule.symbol)
            if price is None:
                return []
            out = []
            if rule.above is not None and self._edge((n, "above"), price >= rule.above):
                out.append(Alert("price", rule.symbol, f"{rule.symbol} at {price:,.2f} crossed above "
                                 f"{rule.above:,.2f}", price, rule.above, now, table))
            if rule.below is not None and self._edge((n, "below"), price <= rule.below):
                out.append(Alert("price", rule.symbol, f"{rule.symbol} at {price:,.2f} crossed below "
                                 f"{rule.below:,.2f}", price, rule.below, now, table))
            return out
        if rule.kind == "move":
            if rule.symbol == "*":
                symbols = [i.symbol for i in wl.instruments if i.kind == "equity"] if wl else []
            else:
                symbols = [rule.symbol]
            out = []
            for s in symbols:
                if state_at(market_of(s), now) not in _MOVE_STATES:
                    continue  # market shut: the change is the last session's, not a move now
                pct = _pct(store, s)
                if pct is None:
                    continue
                if self._edge((n, s), abs(pct) > rule.pct):
                    out.append(Alert("move", s, f"{s} {pct:+.2f}% today (the day's change vs the previous "
                                     f"close), more than {rule.pct:g}%", pct, rule.pct, now, table))
            return out
        if rule.kind == "zscore":
            return self._check_zscore(n, rule, store, wl, now, table)
        if rule.kind == "capex":
            return self._check_capex(n, rule, store, wl, now, table)
        return self._check_concentration(n, rule, store, wl, now, table)

    def _check_zscore(self, n, rule, store, wl, now, table) -> list[Alert]:
        if wl is None:
            return []
        try:
            from tui.core.history import relative_performance
        except ImportError:  # the z-score module is not there: nothing to check
            return []
        out = []
        for pair in wl.pairs:
            if rule.pair != "*" and rule.pair.lower() not in (pair.name.lower(), _slug(pair.name)):
                continue
            rp = relative_performance(store, wl, pair, now=now)
            z = rp.z if rp is not None else None
            if z is None:
                continue
            if self._edge((n, f"{wl.name}/{pair.name}"), abs(z) > rule.beyond):
                out.append(Alert("zscore", pair.name, f"{pair.name}: spread z-score {z:+.2f}, beyond "
                                 f"±{rule.beyond:g}", z, rule.beyond, now, table))
        return out

    def _check_capex(self, n, rule, store, wl, now, table) -> list[Alert]:
        """Evaluated when a company's TTM figures run to a quarter not checked before (the first one seen is only
        recorded): a new quarter's capex intensity or leverage passing the level fires once."""
        from tui.core.capex import capex_view, company_capex

        if rule.symbol == "*":
            rows = list(capex_view(store, wl).companies) if wl is not None else []
        else:
            inst = wl.instrument(rule.symbol) if wl is not None else None
            rows = [company_capex(store, rule.symbol, company=inst.company if inst else rule.symbol,
                                  name=inst.name if inst else rule.symbol)]
        out = []
        for c in rows:
            value = c.capex_to_revenue if rule.metric == "intensity" else c.net_debt_to_ebitda
            if value is None or c.latest_quarter is None:
                continue
            if rule.metric == "intensity":
                value *= 100.0
            key = (n, c.company)
            if self._quarters.get(key) == c.latest_quarter:
                continue  # no new quarter since the last look
            self._quarters[key] = c.latest_quarter
            what, unit = ("capex / revenue", "%") if rule.metric == "intensity" else ("net debt / EBITDA", "×")
            for word, level in (("above", rule.above), ("below", rule.below)):
                if level is None:
                    continue
                crossed = value > level if word == "above" else value < level
                if self._edge((n, f"{c.company}/{word}"), crossed):
                    out.append(Alert("capex", c.symbol, f"{c.symbol} {what} {value:,.1f}{unit} (TTM to "
                                     f"{c.latest_quarter.isoformat()}) {word} {level:g}{unit}", value, level, now,
                                     table))
        return out

    def _check_concentration(self, n, rule, store, wl, now, table) -> list[Alert]:
        if wl is None or (rule.watchlist != "*" and rule.watchlist != wl.name):
            return []
        from tui.core.concentration import concentration

        c = concentration(store, wl)
        if c is None:
            return []
        value = {"hhi": c.hhi, "top1": c.top1_share * 100, "top3": c.top3_share * 100}[rule.gauge]
        if not self._edge((n, wl.name), value > rule.above):
            return []
        unit = "" if rule.gauge == "hhi" else "%"
        return [Alert("concentration", rule.gauge, f"{wl.title}: {rule.gauge.upper()} {value:,.1f}{unit} above "
                      f"{rule.above:g}{unit}", value, rule.above, now, table)]

    def _check_pnl(self, n: int, rule: Rule, books: Mapping[str, object], now: float) -> list[Alert]:
        out = []
        table = rule.to_table()
        for name, bv in books.items():
            if rule.portfolio not in ("*", name):
                continue
            holder = bv.position(rule.symbol) if rule.symbol else bv  # type: ignore[attr-defined]
            if holder is None:
                continue
            attr = {"day": "day_pnl", "unrealized": "unrealized", "total": "total_pnl"}[rule.measure]
            value = getattr(holder, attr, None)
            if value is None:
                continue  # not known (a price or a rate missing): never compared as 0
            v = float(value)
            base = bv.base  # type: ignore[attr-defined]
            who = f"{name}: {rule.symbol} {rule.measure} P&L" if rule.symbol else f"{name}: {rule.measure} P&L"
            if rule.above is not None and self._edge((n, f"{name}/{rule.symbol}/above"), v >= rule.above):
                out.append(Alert("pnl", f"{name}/{rule.symbol}" if rule.symbol else name,
                                 f"{who} {v:+,.2f} {base}, above {rule.above:+,.2f}", v, rule.above, now, table))
            if rule.below is not None and self._edge((n, f"{name}/{rule.symbol}/below"), v <= rule.below):
                out.append(Alert("pnl", f"{name}/{rule.symbol}" if rule.symbol else name,
                                 f"{who} {v:+,.2f} {base}, below {rule.below:+,.2f}", v, rule.below, now, table))
        return out

    # -- on fire -----------------------------------------------------------------------------------
    def _record(self, alert: Alert) -> None:
        self.fired.append(alert)
        log.info("alert: %s", alert.message)
        if self.log_path is not None:
            try:
                self.log_path.parent.mkdir(parents=True, exist_ok=True)
                with self.log_path.open("a", encoding="utf-8") as f:
                    f.write(alert.log_line() + "\n")
            except OSError:
                log.exception("cannot write the alerts log %s", self.log_path)
        if self.command and (not alert.simulated or self.command_in_demo):
            try:
                task = asyncio.get_running_loop().create_task(run_command(self.command, alert))
            except RuntimeError:  # no loop (a plain call): run it here
                asyncio.run(run_command(self.command, alert))
            else:
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)

    async def drain(self, timeout: float = COMMAND_TIMEOUT) -> None:
        """Wait for running alert commands (tests; shutdown)."""
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=timeout)


async def run_command(command: str, alert: Alert) -> int | None:
    """Run `command` through the shell with the alert as JSON on stdin; its output goes to the log."""
    started = time.monotonic()
    try:
        proc = await asyncio.create_subprocess_shell(
            command, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        out, err = await asyncio.wait_for(proc.communicate(alert.to_json().encode() + b"\n"), COMMAND_TIMEOUT)
    except TimeoutError:
        log.warning("alert command timed out after %ss: %s", COMMAND_TIMEOUT, command)
        try:
            proc.kill()
        except (ProcessLookupError, UnboundLocalError):
            pass
        return None
    except OSError:
        log.exception("alert command failed to start: %s", command)
        return None
    log.info("alert command exited %s in %.2fs%s%s", proc.returncode, time.monotonic() - started,
             f"; stdout: {out.decode(errors='replace')[:500]!r}" if out else "",
             f"; stderr: {err.decode(errors='replace')[:500]!r}" if err else "")
    return proc.returncode


def _slug(name: str) -> str:
    return "-".join("".join(ch.lower() if ch.isalnum() else " " for ch in name).split())


def alerts_log_path() -> Path:
    from tui.paths import user_data_dir

    return user_data_dir() / "alerts.log"
