"""Alert rules and the engine that checks them against the store. Nothing here imports Textual.

Rules (config `[[alerts]]` tables, or added in the app):
    price          symbol, above and/or below: the regular-session price reaches the level (in the quote's
                   currency; more than 0); pre- and post-market trades do not count
    move           symbol (or "*": every equity on screen), pct: |the day's change| (against the previous
                   session's close, as on the board) is more than pct percent (0-100); never the extended-hours move
    zscore         pair (its name, or "*"), beyond: |z| of the pair's FX-adjusted log price ratio (1y window),
                   checked only once every listing's and FX rate's daily history and live price is in
    concentration  gauge "hhi" | "top1" | "top3", above: HHI (0-10,000) or the share in percent (0-100); watchlist
                   (name, default "*": the one on screen)
    capex          symbol (or "*": every company on screen, once each), metric "intensity" (capex / revenue,
                   TTM, in percent, more than 0) | "net_debt_ebitda" (net debt / TTM EBITDA, times), above and/or
                   below: checked only when a company's statements run to a new quarter (tui/core/capex.py)
    pnl            above and/or below, in the book's base currency: a portfolio's P&L passes the level; measure
                   "day" (default), "unrealized" or "total"; symbol (optional): that position's instead of the
                   book's; portfolio (its name, default "*": every book loaded)
Every rule may say `enabled = false` (kept in the file, not checked: the app's alerts screen switches it).

A rule fires when its condition becomes true, including the first time it is seen true (the message then says
"already": a level passed before the app looked was not seen crossing). After firing it re-arms only once the value
is back on the other side of the threshold by a margin (`REARM`), so a value jittering around its threshold fires
once, not at every wiggle. A move rule is evaluated only while the symbol's market is in its regular session or
lunch break: before the open the day's change is still the last session's (no alert on Sunday, or in Monday's
pre-market, from Friday's change). When one fires the engine writes a line to the
alerts log and, only when `alert_command` is set, runs that command (through the shell) with the alert as JSON on
stdin; the app adds the notification and the bell.

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
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from tui.core.sessions import MarketState, market_of, state_at
from tui.core.store import MarketStore
from tui.model import Watchlist, change_pct_of

log = logging.getLogger(__name__)

KINDS = ("price", "move", "zscore", "concentration", "capex", "pnl")
GAUGES = ("hhi", "top1", "top3")
CAPEX_METRICS = ("intensity", "net_debt_ebitda")
PNL_MEASURES = ("day", "unrealized", "total")
_FIELDS = {
    "price": ("symbol", "above", "below", "note", "enabled"),
    "move": ("symbol", "pct", "note", "enabled"),
    "zscore": ("pair", "beyond", "note", "enabled"),
    "concentration": ("gauge", "above", "watchlist", "note", "enabled"),
    "capex": ("symbol", "metric", "above", "below", "note", "enabled"),
    "pnl": ("portfolio", "measure", "symbol", "above", "below", "note", "enabled"),
}
COMMAND_TIMEOUT = 10.0
DEMO_PREFIX = "DEMO · "
_MOVE_STATES = (MarketState.REGULAR, MarketState.BREAK)
HHI_MAX = 10_000.0
# How far back past its threshold a value must go before a rule that fired can fire again, as a fraction of the
# threshold: a price 0.5 % (NVDA above 169 re-arms under 168.16), a move or a z-score 10 % (move 5 re-arms under
# 4.5 %), a concentration gauge 1 % (HHI above 2,030 re-arms under 2,009.7; top3 70 under 69.3 %), a capex figure
# 5 % (checked once a quarter: capex 25 re-arms under 23.75 %), a P&L level 5 % of it (below -5,000 re-arms over
# -4,750; a level of 0 re-arms as soon as it is passed back).
REARM = {"price": 0.005, "move": 0.10, "zscore": 0.10, "concentration": 0.01, "capex": 0.05, "pnl": 0.05}
GAUGE_LABELS = {"hhi": "HHI", "top1": "largest share", "top3": "top-3 share"}
CAPEX_WORDS = {"intensity": ("capex / revenue", "%"), "net_debt_ebitda": ("net debt / EBITDA", "×")}


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
    enabled: bool = True

    def describe(self) -> str:
        if self.kind == "price":
            parts = []
            if self.above is not None:
                parts.append(f"above {level(self.above)}")
            if self.below is not None:
                parts.append(f"below {level(self.below)}")
            return f"{self.symbol} (regular-session price) crosses " + " or ".join(parts)
        if self.kind == "move":
            who = "any symbol" if self.symbol == "*" else self.symbol
            return f"{who}: the day's change beyond ±{level(self.pct)}% (vs the previous close)"
        if self.kind == "zscore":
            who = "any pair" if self.pair == "*" else self.pair
            return f"{who}: spread z-score beyond ±{level(self.beyond)}"
        if self.kind == "capex":
            who = "any company" if self.symbol == "*" else self.symbol
            what, unit = CAPEX_WORDS[self.metric]
            levels = [f"{word} {level(v)}{unit}" for word, v in (("above", self.above), ("below", self.below))
                      if v is not None]
            return f"{who}: {what} {' or '.join(levels)} (checked at each new quarter)"
        if self.kind == "pnl":
            levels = " or ".join(f"{word} {v:+,g}" for word, v in (("above", self.above), ("below", self.below))
                                 if v is not None)
            what = f"{self.symbol}'s {self.measure} P&L" if self.symbol else f"{self.measure} P&L"
            book = "any book" if self.portfolio == "*" else self.portfolio
            return f"{book}: {what} {levels}"
        unit = "" if self.gauge == "hhi" else "%"
        where = "" if self.watchlist == "*" else f" on {self.watchlist}"
        return f"concentration {GAUGE_LABELS.get(self.gauge, self.gauge)} above {level(self.above)}{unit}{where}"

    def to_table(self) -> dict:
        """The rule as a config table (`enabled` only when off)."""
        out: dict = {"kind": self.kind}
        for key in _FIELDS[self.kind]:
            v = getattr(self, key)
            if key == "enabled":
                if not v:
                    out[key] = False
            elif v is not None and v != "" and not (key in ("watchlist", "portfolio") and v == "*"):
                out[key] = v
        return out

    @property
    def switched_on(self) -> Rule:
        return replace(self, enabled=True)

    def same_rule(self, other: Rule) -> bool:
        """The same condition, whether switched on or off."""
        return self.switched_on == other.switched_on


def level(x: float | None) -> str:
    """A threshold as people write it: 200, 2,500, 0.5, 169.25 (no trailing zeros)."""
    if x is None:
        return "—"
    if x == int(x) and abs(x) < 1e15:
        return f"{int(x):,}"
    return f"{x:,.6f}".rstrip("0").rstrip(".")


def _value(x: float, threshold: float, decimals: int = 2, *, sign: bool = False) -> str:
    """`x` with `decimals`, or more (up to 6) where fewer would print it equal to `threshold` while it is not:
    never "169.00 crossed above 169.00"."""
    fmt = "+,.{}f" if sign else ",.{}f"
    d = decimals
    while d < 6 and x != threshold and round(abs(x), d) == round(abs(threshold), d):
        d += 1
    return format(x, fmt.format(d))


def range_problem(kind: str, value: float, gauge: str = "") -> str | None:
    """Why `value` cannot be this rule's threshold, or None: a price above 0, a move in percent from 0 to 100, an
    HHI from 0 to 10,000, a share from 0 to 100 %, a z-score above 0, a capex intensity above 0 (net debt / EBITDA
    may be any number: below 0 is net cash). `gauge` is the concentration gauge or the capex metric."""
    if kind == "capex":
        if gauge == "intensity" and value <= 0:
            return f"capex / revenue is a percent more than 0, got {level(value)}"
        return None
    if kind == "pnl":  # a gain or a loss in the base currency: any number
        return None
    if kind == "price":
        return None if value > 0 else f"a price level must be more than 0, got {level(value)}"
    if kind == "move":
        return None if 0 < value <= 100 else f"a move is a percent more than 0 and at most 100, got {level(value)}"
    if kind == "zscore":
        return None if value > 0 else f"a z-score threshold must be more than 0, got {level(value)}"
    if gauge == "hhi":
        return None if 0 < value <= HHI_MAX else f"an HHI runs from 0 to 10,000, got {level(value)}"
    return None if 0 < value <= 100 else f"a share is a percent more than 0 and at most 100, got {level(value)}"


def _num(d: dict, key: str) -> float | None:
    if key not in d:
        return None
    v = d[key]
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise ValueError(f"{key}: expected a number, got {v!r}")
    return float(v)


def _checked(d: dict, key: str, kind: str, gauge: str = "") -> float | None:
    v = _num(d, key)
    if v is not None:
        problem = range_problem(kind, v, gauge)
        if problem:
            raise ValueError(f"{key}: {problem}")
    return v


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
    enabled = d.get("enabled", True)
    if not isinstance(enabled, bool):
        raise ValueError(f"enabled: expected true or false, got {enabled!r}")  # noqa: TRY004 - a config message
    if kind == "price":
        symbol = _str(d, "symbol").upper()
        if not symbol or symbol == "*":
            raise ValueError("symbol: a price rule needs one symbol")
        above, below = _checked(d, "above", kind), _checked(d, "below", kind)
        if above is None and below is None:
            raise ValueError("above/below: a price rule needs a level above, below or both")
        return Rule(kind, symbol=symbol, above=above, below=below, note=note, enabled=enabled)
    if kind == "move":
        symbol = _str(d, "symbol", "*").upper() or "*"
        pct = _checked(d, "pct", kind)
        if pct is None:
            raise ValueError("pct: a move rule needs pct, the percent move today")
        return Rule(kind, symbol=symbol, pct=pct, note=note, enabled=enabled)
    if kind == "zscore":
        pair = _str(d, "pair", "*") or "*"
        beyond = _checked(d, "beyond", kind)
        if beyond is None:
            raise ValueError("beyond: a zscore rule needs beyond, e.g. 2")
        return Rule(kind, pair=pair, beyond=beyond, note=note, enabled=enabled)
    if kind == "capex":
        symbol = _str(d, "symbol", "*").upper() or "*"
        metric = _str(d, "metric", "intensity").lower()
        if metric not in CAPEX_METRICS:
            raise ValueError(f"metric: expected one of {', '.join(CAPEX_METRICS)}, got {metric!r}")
        above, below = _checked(d, "above", kind, metric), _checked(d, "below", kind, metric)
        if above is None and below is None:
            raise ValueError("above/below: a capex rule needs a level above, below or both")
        return Rule(kind, symbol=symbol, metric=metric, above=above, below=below, note=note, enabled=enabled)
    if kind == "pnl":
        above, below = _checked(d, "above", kind), _checked(d, "below", kind)
        if above is None and below is None:
            raise ValueError("above/below: a pnl rule needs a level above, below or both (base currency)")
        measure = _str(d, "measure", "day").lower() or "day"
        if measure not in PNL_MEASURES:
            raise ValueError(f"measure: expected one of {', '.join(PNL_MEASURES)}, got {measure!r}")
        return Rule(kind, symbol=_str(d, "symbol").upper(), above=above, below=below, note=note,
                    portfolio=_str(d, "portfolio", "*") or "*", measure=measure, enabled=enabled)
    gauge = _str(d, "gauge", "hhi").lower()
    if gauge not in GAUGES:
        raise ValueError(f"gauge: expected one of {', '.join(GAUGES)}, got {gauge!r}")
    above = _checked(d, "above", kind, gauge)
    if above is None:
        raise ValueError("above: a concentration rule needs above (HHI 0-10,000, or a share in percent)")
    return Rule(kind, gauge=gauge, above=above, watchlist=_str(d, "watchlist", "*") or "*", note=note,
                enabled=enabled)


TEXT_WORDS = ("above", "below", "move", "z", "hhi", "top1", "top3", "capex", "leverage")
TEXT_HELP = ('type "above 200", "below 150", "move 5" (percent today), "z 2" (the marked pair), '
             '"hhi 2500" or "top1 40" (concentration), "capex 25" or "leverage 3" (at each new quarter)')


def parse_rule_text(text: str, symbol: str | None, pair: str | None = None, watchlist: str = "*") -> Rule:
    """The in-app short form (the `!` dialog).

    On the symbol under the cursor: "above 200", "below 150", "move 5" (percent today). On the pair marked in the
    pairs panel: "z 2" (|spread z-score| beyond 2). On the concentration gauges of `watchlist`: "hhi 2500",
    "top1 40" or "top3 70" (a share in percent). On the company under the cursor, at each new quarter: "capex 25"
    (capex / revenue above 25 %), "leverage 3" (net debt / EBITDA above 3×). A ValueError says what is wrong in the
    words typed."""
    words = text.lower().replace("%", " ").replace("±", " ").split()
    if words and words[0] == "zscore":
        words[0] = "z"
    if len(words) != 2 or words[0] not in TEXT_WORDS:
        raise ValueError(TEXT_HELP)
    word = words[0]
    try:
        value = float(words[1].replace(",", ""))
    except ValueError:
        raise ValueError(f"{word} {words[1]}: not a number") from None
    if not math.isfinite(value):
        raise ValueError(f"{word} {words[1]}: not a number")
    kind = {"above": "price", "below": "price", "move": "move", "z": "zscore", "capex": "capex",
            "leverage": "capex"}.get(word, "concentration")
    gauge = {"capex": "intensity", "leverage": "net_debt_ebitda"}.get(word, word if kind == "concentration" else "")
    problem = range_problem(kind, value, gauge)
    if problem:
        raise ValueError(f"{word} {words[1]}: {problem}")
    if word == "z":
        if not pair:
            raise ValueError("no pair to watch: this watchlist has no pairs")
        return parse_rule({"kind": "zscore", "pair": pair, "beyond": value})
    if word in GAUGES:
        return parse_rule({"kind": "concentration", "gauge": word, "above": value, "watchlist": watchlist or "*"})
    if not symbol:
        raise ValueError("no symbol under the cursor")
    if kind == "capex":
        return parse_rule({"kind": "capex", "symbol": symbol, "metric": gauge, "above": value})
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


# the state of one rule for one subject (a symbol, a pair, a list): never seen, armed (seen false), fired
_ARMED, _FIRED = "armed", "fired"
FIRST, CROSSED = "first", "crossed"


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
        # whether a symbol's daily history is as complete as the feed will make it (Upstream.history_settled); the
        # app sets it. Without it, only the history held in the store counts (tui.core.history.pair_inputs_pending)
        self.history_settled: Callable[[str], bool] | None = None
        self._state: dict[tuple[Rule, str], str] = {}
        self._quarters: dict[tuple[Rule, str], object] = {}  # capex rules: the quarter end last checked
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

    # -- the rules, as the app's alerts screen edits them -----------------------------------------------------
    def find(self, rule: Rule) -> Rule | None:
        """The rule held with the same condition as `rule` (switched on or off), or None."""
        return next((r for r in self.rules if r.same_rule(rule)), None)

    def add(self, rule: Rule) -> None:
        """Add `rule`; ValueError when the same condition is already a rule."""
        if self.find(rule) is not None:
            raise ValueError(f"already a rule: {rule.describe()}")
        self.rules.append(rule)

    def remove(self, rule: Rule) -> None:
        self.rules = [r for r in self.rules if not r.same_rule(rule)]
        self._forget(rule)

    def set_enabled(self, rule: Rule, on: bool) -> Rule:
        """Switch `rule` on or off; returns it as held now. Switched on again, it starts afresh (fires if true)."""
        new = replace(rule, enabled=on)
        self.rules = [new if r.same_rule(rule) else r for r in self.rules]
        self._forget(rule)
        return new

    def _forget(self, rule: Rule) -> None:
        for held in (self._state, self._quarters):
            for key in [k for k in held if k[0].same_rule(rule)]:
                del held[key]

    def state(self, rule: Rule, subject: str) -> str | None:
        """"armed", "fired" or None (not seen yet) for `rule` on `subject` (a symbol, `list/pair`, or a list)."""
        return self._state.get((rule, subject))

    # -- checking ------------------------------------------------------------------------------------
    def _edge(self, rule: Rule, subject: str, value: float, threshold: float, *, upward: bool = True,
              reach: bool = False) -> str | None:
        """FIRST (true the first time it is seen), CROSSED (became true after being seen false) or None.

        True means `value` above `threshold` (`upward`; at or above with `reach`), or below it. Once fired, the rule
        re-arms only when the value is back past the threshold by REARM[kind] of it."""
        margin = abs(threshold) * REARM[rule.kind]
        if upward:
            now_true = value >= threshold if reach else value > threshold
            rearmed = value < threshold - margin
        else:
            now_true = value <= threshold if reach else value < threshold
            rearmed = value > threshold + margin
        key = (rule, subject)
        was = self._state.get(key)
        if now_true and was != _FIRED:
            self._state[key] = _FIRED
            return FIRST if was is None else CROSSED
        if not now_true and (was is None or (was == _FIRED and rearmed)):
            self._state[key] = _ARMED
        return None

    def check(self, store: MarketStore, watchlist: Watchlist | None, now: float,
              books: Mapping[str, object] | None = None) -> list[Alert]:
        """Rules against the store; `books`: each portfolio's valuation (tui.portfolio.valuation.BookValue) by
        name, for the pnl rules (without it they are not checked)."""
        out: list[Alert] = []
        for rule in self.rules:
            if not rule.enabled:
                continue
            try:
                if rule.kind == "pnl":
                    out.extend(self._check_pnl(rule, books or {}, now))
                    continue
                out.extend(self._check(rule, store, watchlist, now))
            except Exception:
                log.exception("alert rule %s failed", rule)
        if self.simulated:
            out = [replace(a, message=DEMO_PREFIX + a.message, simulated=True) for a in out]
        elif self.data_source[0] != "yahoo":  # never call another server's prices Yahoo's
            out = [replace(a, data_source=self.data_source[0], source_url=self.data_source[1]) for a in out]
        for alert in out:
            self._record(alert)
        return out

    def _check(self, rule: Rule, store: MarketStore, wl: Watchlist | None, now: float) -> list[Alert]:
        table = rule.to_table()
        if rule.kind == "price":
            price = store.price(rule.symbol)
            if price is None:
                return []
            ccy = store.currency_of(rule.symbol) or ""
            out = []
            for word, threshold, upward in (("above", rule.above, True), ("below", rule.below, False)):
                if threshold is None:
                    continue
                edge = self._edge(rule, f"{rule.symbol}/{word}", price, threshold, upward=upward, reach=True)
                if edge:
                    out.append(Alert("price", rule.symbol, price_message(rule.symbol, price, ccy, word, threshold,
                                                                         edge), price, threshold, now, table))
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
                edge = self._edge(rule, s, abs(pct), rule.pct)
                if edge:
                    already = "already " if edge == FIRST else ""
                    out.append(Alert("move", s, f"{s} {already}{_value(pct, rule.pct, sign=True)}% today (the day's "
                                     f"change vs the previous close), more than {level(rule.pct)}%", pct, rule.pct,
                                     now, table))
            return out
        if rule.kind == "zscore":
            return self._check_zscore(rule, store, wl, now, table)
        if rule.kind == "capex":
            return self._check_capex(rule, store, wl, now, table)
        return self._check_concentration(rule, store, wl, now, table)

    def _check_zscore(self, rule, store, wl, now, table) -> list[Alert]:
        if wl is None:
            return []
        try:
            from tui.core import history
        except ImportError:  # the z-score module is not there: nothing to check
            return []
        out = []
        for pair in wl.pairs:
            if rule.pair != "*" and rule.pair.lower() not in (pair.name.lower(), _slug(pair.name)):
                continue
            # only the z-score of every input: with a listing's or an FX rate's history still on its way the z is
            # that of part of a side, or of closes at today's rate, and moves as each one comes in
            if history.pair_inputs_pending(store, wl, pair, self.history_settled):
                continue
            rp = history.relative_performance(store, wl, pair, now=now)
            z = rp.z if rp is not None else None
            if z is None:
                continue
            edge = self._edge(rule, f"{wl.name}/{pair.name}", abs(z), rule.beyond)
            if edge:
                already = "already " if edge == FIRST else ""
                out.append(Alert("zscore", pair.name, f"{pair.name}: spread z-score {already}beyond "
                                 f"±{level(rule.beyond)}: {_value(z, rule.beyond, sign=True)}", z, rule.beyond,
                                 now, table))
        return out

    def _check_capex(self, rule, store, wl, now, table) -> list[Alert]:
        """Evaluated when a company's TTM figures run to a quarter not checked before: the first quarter seen fires
        when it is already past the level (saying so), a new quarter that takes the figure past it fires once."""
        from tui.core.capex import capex_view, company_capex

        if rule.symbol == "*":
            rows = list(capex_view(store, wl).companies) if wl is not None else []
        else:
            inst = wl.instrument(rule.symbol) if wl is not None else None
            rows = [company_capex(store, rule.symbol, company=inst.company if inst else rule.symbol,
                                  name=inst.name if inst else rule.symbol)]
        out = []
        what, unit = CAPEX_WORDS[rule.metric]
        for c in rows:
            value = c.capex_to_revenue if rule.metric == "intensity" else c.net_debt_to_ebitda
            if value is None or c.latest_quarter is None:
                continue
            if rule.metric == "intensity":
                value *= 100.0
            key = (rule, c.company)
            if self._quarters.get(key) == c.latest_quarter:
                continue  # no new quarter since the last look
            self._quarters[key] = c.latest_quarter
            for word, threshold in (("above", rule.above), ("below", rule.below)):
                if threshold is None:
                    continue
                edge = self._edge(rule, f"{c.company}/{word}", value, threshold, upward=word == "above")
                if edge:
                    already = "already " if edge == FIRST else ""
                    out.append(Alert("capex", c.symbol, f"{c.symbol} {what} {_value(value, threshold, 1)}{unit} "
                                     f"(TTM to {c.latest_quarter.isoformat()}) {already}{word} {level(threshold)}{unit}",
                                     value, threshold, now, table))
        return out

    def _check_concentration(self, rule, store, wl, now, table) -> list[Alert]:
        if wl is None or (rule.watchlist != "*" and rule.watchlist != wl.name):
            return []
        from tui.core.concentration import concentration

        c = concentration(store, wl)
        if c is None:
            return []
        value = {"hhi": c.hhi, "top1": c.top1_share * 100, "top3": c.top3_share * 100}[rule.gauge]
        edge = self._edge(rule, wl.name, value, rule.above)
        if not edge:
            return []
        unit = "" if rule.gauge == "hhi" else "%"
        verb = "already above" if edge == FIRST else "rose above"
        return [Alert("concentration", rule.gauge, f"{wl.title}: {GAUGE_LABELS[rule.gauge]} {verb} "
                      f"{level(rule.above)}{unit}: {_value(value, rule.above, 1)}{unit}", value, rule.above, now,
                      table)]

    def _check_pnl(self, rule: Rule, books: Mapping[str, object], now: float) -> list[Alert]:
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
            for word, threshold in (("above", rule.above), ("below", rule.below)):
                if threshold is None:
                    continue
                edge = self._edge(rule, f"{name}/{rule.symbol}/{word}", v, threshold, upward=word == "above",
                                  reach=True)
                if edge:
                    already = "already " if edge == FIRST else ""
                    out.append(Alert("pnl", f"{name}/{rule.symbol}" if rule.symbol else name,
                                     f"{who} {_value(v, threshold, sign=True)} {base}, {already}{word} "
                                     f"{threshold:+,.2f}", v, threshold, now, table))
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


def price_message(symbol: str, price: float, currency: str, word: str, threshold: float, edge: str) -> str:
    """`NVDA rose above 169: 169.02 USD`, `NVDA already below 150: 148.10 USD`, `NVDA reached 169 USD`."""
    ccy = f" {currency}" if currency else ""
    if edge == FIRST:
        return f"{symbol} already {word} {level(threshold)}: {_value(price, threshold)}{ccy}"
    if price == threshold:
        return f"{symbol} reached {level(threshold)}{ccy}"
    verb = "rose above" if word == "above" else "fell below"
    return f"{symbol} {verb} {level(threshold)}: {_value(price, threshold)}{ccy}"


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
