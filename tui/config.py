"""The user's settings: `config.toml` in the config dir (`$AIWATCH_CONFIG_DIR`, default platformdirs'), or `--config`.

`load_config()` never raises on a bad file: every problem comes back as a message naming the key, and that key
keeps its default. On first run (no file at the default place) the file is written with every key commented.
The file is outside text: every key and string in it is cleaned as it is read (tui/sanitize.py), but
`alert_command`, which is run, not shown; and so is every problem message, which may quote the file.
Nothing here imports Textual.

    from tui.config import load_config
    config, problems = load_config()          # or load_config(Path("my.toml"))
    config.proxy        # "" or "http://host:port"
    config.reference    # {"sp500_total_cap": {"value": 5.7e13, "as_of": date(2025, 11, 21), ...}, ...}
"""

from __future__ import annotations

import logging
import math
import re
import tomllib
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any

from tui.atomic import NotOverwritten, atomic_write_text, read_bytes_or_none
from tui.paths import config_dir
from tui.sanitize import clean, clean_message

log = logging.getLogger(__name__)

CONFIG_NAME = "config.toml"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
# aiwatch's names for Textual's two default themes; any other Textual theme name is accepted as it is
THEME_ALIASES = {"dark": "textual-dark", "light": "textual-light"}
ALERT_KINDS = ("price", "move", "zscore", "concentration", "capex", "pnl")
SOURCE_GROUPS = ("hk", "cn")
SOURCE_CHOICES = ("tencent", "sina", "yahoo")
SOURCE_DEFAULTS = {"hk": "tencent", "cn": "tencent"}
HUB_FALLBACKS = ("none", "direct")
HUB_PREFIX = re.compile(r"^[A-Za-z0-9:_.\-]{1,64}$")


@dataclass(frozen=True)
class Config:
    default_watchlist: str = "ai-rivals"
    fps: float = 5.0                      # screen refreshes per second (1-30)
    stale_after: float = 60.0             # seconds past a market's usual delay before a quote is marked stale
    clock_seconds: bool = False           # HH:MM:SS on the market clocks (a redraw every second) instead of HH:MM
    theme: str = "dark"                   # "dark", "light" or a Textual theme name
    keys: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))  # binding id -> key(s)
    proxy: str = ""                       # HTTP(S) proxy for Yahoo; "" for none
    alerts: tuple[dict, ...] = ()         # rule tables as written (kind + fields), checked by tui.alerts
    alert_command: str = ""               # run with each fired alert as JSON on stdin; "" for none
    alert_bell: bool = True               # ring the terminal bell when an alert fires
    alert_command_in_demo: bool = False   # run alert_command on the demo's simulated prices too
    reference: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))  # name -> {value, as_of, ...}
    # the quote page first used per market group: hk (Hong Kong), cn (Shanghai, Shenzhen) -> tencent, sina, yahoo
    sources: MappingProxyType = field(default_factory=lambda: MappingProxyType(dict(SOURCE_DEFAULTS)))
    log_level: str = "INFO"
    hub: str = ""                         # a hub's Redis URL (docs/hub.md); "" runs this aiwatch's own sources
    hub_fallback: str = "none"            # "direct": while the hub is down, run this aiwatch's own sources
    hub_prefix: str = "aiwatch:"          # the hub's key and channel prefix in Redis
    path: Path | None = None              # the file these settings came from (None: defaults only)

    @property
    def textual_theme(self) -> str:
        return THEME_ALIASES.get(self.theme, self.theme)


DEFAULTS = Config()

DEFAULT_TEXT = """\
# aiwatch settings. Uncomment a line to change it; a bad value is reported (naming the key) and its default used.
# Every key is described in the README, section "Configuration".

# The watchlist opened at start (a file name in the shipped or your watchlists/ dir, without .toml).
# default_watchlist = "ai-rivals"

# How many times a second the board is repainted (1-30). Lower it over a slow SSH link.
# fps = 5

# Seconds past a market's usual data delay after which an open market's quote is marked stale.
# stale_after = 60

# Seconds on the header's market clocks. Off, the clocks change once a minute and an idle screen (every market
# closed) sends nothing to the terminal; on, the header is redrawn every second (~400 bytes/s over SSH).
# clock_seconds = false

# "dark", "light" (readable on a white terminal) or any Textual theme name, e.g. "nord", "gruvbox".
# theme = "dark"

# Log file level: DEBUG, INFO, WARNING or ERROR (the file is in the platform's log dir).
# log_level = "INFO"

# HTTP(S) proxy for every source: Yahoo Finance (which cannot be reached from mainland-China networks without
# one), and Tencent's and Sina's quote pages.
# proxy = "http://127.0.0.1:7890"

# A hub's Redis (docs/hub.md): every aiwatch on a server shares one upstream that `aiwatch hub` runs. Empty: this
# aiwatch connects to the sources itself. `aiwatch hub` uses it too. rediss:// for TLS; user:password@ for an ACL.
# hub = "redis://127.0.0.1:6379/0"

# While the hub is down: "none" (keep the last values, marked stale as they age) or "direct" (connect to the
# sources directly until the hub is back).
# hub_fallback = "none"

# The prefix of the hub's keys and channels (several hubs can share one Redis under different prefixes).
# hub_prefix = "aiwatch:"

# A command run when an alert fires, with the alert as one JSON object on its stdin. Empty: none.
# alert_command = "notify-send aiwatch"

# Ring the terminal bell when an alert fires.
# alert_bell = true

# Run alert_command for alerts on the demo's simulated prices too (aiwatch --demo); they say "simulated": true.
# alert_command_in_demo = false

# Key remaps: binding id = key (Textual key names; several keys separated by commas). Ids are listed by `?`
# in the app; "quit" is short for "app.quit".
[keys]
# quit = "ctrl+q"
# sort = "o"

# Alert rules. kind = "price" (symbol, above and/or below), "move" (symbol or "*", pct: |change today| beyond),
# "zscore" (pair: its name, beyond: |z| of the pair's spread), "concentration" (watchlist or "*", gauge = "hhi",
# "top1" or "top3", above: HHI on 0-10,000 or a share in percent), "pnl" (portfolio or "*", measure = "day",
# "unrealized" or "total", optional symbol, above and/or below in the book's base currency). Any rule may say
# enabled = false: kept here, not checked (`l` in the app lists the rules, switches them on and off, deletes them).
# [[alerts]]
# kind = "price"
# symbol = "NVDA"
# above = 200
#
# [[alerts]]
# kind = "move"
# symbol = "*"
# pct = 5
#
# [[alerts]]
# kind = "zscore"
# pair = "Nvidia vs SMIC"   # a pair's name as its watchlist writes it (or nvidia-vs-smic); "*": any pair
# beyond = 2
#
# [[alerts]]
# kind = "concentration"
# gauge = "hhi"
# above = 2500

# Where Hong Kong (hk) and Shanghai / Shenzhen (cn) quotes come from in real time: "tencent" (Tencent's quote
# page, Sina's when it fails), "sina" (the other way round) or "yahoo" (Yahoo only: 15 minutes late). Yahoo
# quotes them too in any case, and stays the source of US quotes, fundamentals and history.
[sources]
# hk = "tencent"
# cn = "tencent"

# Overrides of dated reference data: each a table with a number `value` and the date `as_of` it was true;
# `source` optional. Shown with its date wherever used.
[reference]
# sp500_total_cap = { value = 5.7e13, as_of = 2025-11-21, source = "S&P Dow Jones Indices" }
"""


def default_path() -> Path:
    return config_dir() / CONFIG_NAME


def write_default(path: Path) -> None:
    """Write the commented defaults atomically, only where no file is (one that appeared meanwhile is kept)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, DEFAULT_TEXT, expect=None)


def _number(key: str, value: Any, lo: float, hi: float, problems: list[str], default: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        problems.append(f"{key}: expected a number from {lo:g} to {hi:g}, got {value!r}; using {default:g}")
        return default
    if not lo <= value <= hi:
        problems.append(f"{key}: {value!r} is outside {lo:g}-{hi:g}; using {default:g}")
        return default
    return float(value)


def _string(key: str, value: Any, problems: list[str], default: str) -> str:
    if not isinstance(value, str):
        problems.append(f"{key}: expected a string, got {value!r}; using {default!r}")
        return default
    return value


def _bool(key: str, value: Any, problems: list[str], default: bool) -> bool:
    if not isinstance(value, bool):
        problems.append(f"{key}: expected true or false, got {value!r}; using {str(default).lower()}")
        return default
    return value


def _check_alerts(value: Any, problems: list[str]) -> tuple[dict, ...]:
    if not isinstance(value, list):
        problems.append(f"alerts: expected a list of [[alerts]] tables, got {value!r}; no alert rules used")
        return ()
    rules = []
    for n, rule in enumerate(value, 1):
        where = f"alerts[{n}]"
        if not isinstance(rule, dict):
            problems.append(f"{where}: expected a table, got {rule!r}; rule ignored")
            continue
        try:
            from tui.alerts import parse_rule
        except ImportError:  # pragma: no cover
            parse_rule = None
        if parse_rule is not None:
            try:
                parse_rule(rule)
            except ValueError as exc:
                problems.append(f"{where}: {exc}; rule ignored")
                continue
        elif rule.get("kind") not in ALERT_KINDS:
            problems.append(f"{where}.kind: expected one of {', '.join(ALERT_KINDS)}, got {rule.get('kind')!r};"
                            " rule ignored")
            continue
        rules.append(dict(rule))
    return tuple(rules)


def _check_reference(value: Any, problems: list[str]) -> dict[str, dict]:
    if not isinstance(value, dict):
        problems.append(f"reference: expected a table, got {value!r}; no overrides used")
        return {}
    out: dict[str, dict] = {}
    for name, entry in value.items():
        where = f"reference.{name}"
        if not isinstance(entry, dict):
            problems.append(f"{where}: expected a table {{ value = ..., as_of = YYYY-MM-DD }}, got {entry!r};"
                            " ignored")
            continue
        v = entry.get("value")
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            problems.append(f"{where}.value: expected a number, got {v!r}; override ignored")
            continue
        as_of = entry.get("as_of")
        if isinstance(as_of, datetime):
            as_of = as_of.date()
        if not isinstance(as_of, date):
            problems.append(f"{where}.as_of: expected a date like 2025-11-21 (a dated fact needs its date), "
                            f"got {as_of!r}; override ignored")
            continue
        clean = dict(entry)
        clean["value"] = float(v)
        clean["as_of"] = as_of
        out[str(name)] = clean
    return out


def _check_sources(value: Any, problems: list[str]) -> dict[str, str]:
    out = dict(SOURCE_DEFAULTS)
    if not isinstance(value, dict):
        problems.append(f"sources: expected a table (hk = \"tencent\", cn = \"tencent\"), got {value!r}; "
                        "using the defaults")
        return out
    for key, choice in value.items():
        if key not in SOURCE_GROUPS:
            problems.append(f"sources.{key}: unknown market group (known: {', '.join(SOURCE_GROUPS)}); ignored")
            continue
        if not isinstance(choice, str) or choice.strip().lower() not in SOURCE_CHOICES:
            problems.append(f"sources.{key}: expected one of {', '.join(SOURCE_CHOICES)}, got {choice!r}; "
                            f"using {SOURCE_DEFAULTS[key]!r}")
            continue
        out[key] = choice.strip().lower()
    return out


def _check_keys(value: Any, problems: list[str]) -> dict[str, str]:
    if not isinstance(value, dict):
        problems.append(f"keys: expected a table of binding id = key, got {value!r}; no remaps used")
        return {}
    out: dict[str, str] = {}
    for action, key in value.items():
        if not isinstance(key, str) or not key.strip():
            problems.append(f"keys.{action}: expected a key name such as \"ctrl+q\", got {key!r}; remap ignored")
            continue
        binding_id = action if "." in action else f"app.{action}"
        out[binding_id] = key.strip()
    return out


def _cleaned(value: Any) -> Any:
    """`value` with every string in it (keys of tables too) cleaned."""
    if isinstance(value, str):
        return clean(value, None)
    if isinstance(value, dict):
        return {clean(k, None) if isinstance(k, str) else k: _cleaned(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_cleaned(v) for v in value]
    return value


def parse_config(data: dict[str, Any], path: Path | None = None) -> tuple[Config, list[str]]:
    """Settings from a parsed TOML document; problems name the key and say which default is used."""
    command = data.get("alert_command") if isinstance(data, dict) else None
    data = _cleaned(data)
    if "alert_command" in data:
        data["alert_command"] = command  # run through the shell, never shown: kept as written
    problems: list[str] = []
    d = DEFAULTS
    kw: dict[str, Any] = {"path": path}
    known = {f.name for f in fields(Config)} - {"path"}
    for key in data:
        if key not in known:
            problems.append(f"{key}: unknown setting (known: {', '.join(sorted(known))}); ignored")
    if "default_watchlist" in data:
        v = _string("default_watchlist", data["default_watchlist"], problems, d.default_watchlist)
        kw["default_watchlist"] = v.strip() or d.default_watchlist
    if "fps" in data:
        kw["fps"] = _number("fps", data["fps"], 1, 30, problems, d.fps)
    if "stale_after" in data:
        kw["stale_after"] = _number("stale_after", data["stale_after"], 0, 86_400, problems, d.stale_after)
    if "theme" in data:
        # whether Textual knows the name is checked by the app when it applies it (this module is Textual-free)
        kw["theme"] = _string("theme", data["theme"], problems, d.theme).strip() or d.theme
    if "log_level" in data:
        v = _string("log_level", data["log_level"], problems, d.log_level).upper()
        if v not in LOG_LEVELS:
            problems.append(f"log_level: expected one of {', '.join(LOG_LEVELS)}, got {data['log_level']!r}; "
                            f"using {d.log_level!r}")
            v = d.log_level
        kw["log_level"] = v
    if "proxy" in data:
        v = _string("proxy", data["proxy"], problems, d.proxy).strip()
        if v and "://" not in v:
            problems.append(f"proxy: expected a URL like http://host:port, got {v!r}; using no proxy")
            v = d.proxy
        kw["proxy"] = v
    if "hub" in data:
        v = _string("hub", data["hub"], problems, d.hub).strip()
        if v:
            from tui.hub.connect import check_url

            why = check_url(v)
            if why:
                problems.append(f"hub: {why}; using no hub")
                v = d.hub
        kw["hub"] = v
    if "hub_fallback" in data:
        v = _string("hub_fallback", data["hub_fallback"], problems, d.hub_fallback).strip().lower()
        if v not in HUB_FALLBACKS:
            problems.append(f"hub_fallback: expected one of {', '.join(HUB_FALLBACKS)}, got {data['hub_fallback']!r}; "
                            f"using {d.hub_fallback!r}")
            v = d.hub_fallback
        kw["hub_fallback"] = v
    if "hub_prefix" in data:
        v = _string("hub_prefix", data["hub_prefix"], problems, d.hub_prefix)
        if not HUB_PREFIX.match(v):
            problems.append(f"hub_prefix: expected letters, digits and : _ - . (at most 64), got {v!r}; "
                            f"using {d.hub_prefix!r}")
            v = d.hub_prefix
        kw["hub_prefix"] = v
    if "alert_command" in data:
        kw["alert_command"] = _string("alert_command", data["alert_command"], problems, d.alert_command).strip()
    for key in ("alert_bell", "alert_command_in_demo", "clock_seconds"):
        if key in data:
            kw[key] = _bool(key, data[key], problems, getattr(d, key))
    if "keys" in data:
        kw["keys"] = MappingProxyType(_check_keys(data["keys"], problems))
    if "alerts" in data:
        kw["alerts"] = _check_alerts(data["alerts"], problems)
    if "reference" in data:
        kw["reference"] = MappingProxyType(_check_reference(data["reference"], problems))
    if "sources" in data:
        kw["sources"] = MappingProxyType(_check_sources(data["sources"], problems))
    where = clean(str(path), None) if path else "config"
    return Config(**kw), [clean_message(f"{where}: {p}") for p in problems]


def load_config(path: Path | None = None) -> tuple[Config, list[str]]:
    """Load `path` (or the default config.toml, written with commented defaults when absent).

    Never raises for a bad or unreadable file: the problems come back as messages, the defaults are used."""
    config, problems = _load_config(path)
    return config, [clean_message(p) for p in problems]


def _load_config(path: Path | None) -> tuple[Config, list[str]]:
    explicit = path is not None
    p = Path(path).expanduser() if explicit else default_path()
    if not p.exists():
        if explicit:
            return Config(), [f"{p}: no such config file; using the defaults"]
        try:
            write_default(p)
            log.info("wrote the default config to %s", p)
        except NotOverwritten:
            pass  # another aiwatch wrote it in the meantime: read that one
        except OSError as exc:
            log.warning("could not write the default config to %s: %s", p, exc)
            return Config(), []
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return Config(path=p), [f"{p}: cannot read ({exc}); using the defaults"]
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return Config(path=p), [f"{p}: not valid TOML ({exc}); using the defaults"]
    return parse_config(data, p)


def append_alert(table: dict, path: Path | None = None) -> Path:
    """Add an [[alerts]] rule to the config file (comments kept, written atomically); returns the file.

    Only ever on top of the file as read: a config.toml that cannot be read or parsed is left exactly as it is
    and ValueError says which file to fix (the rule still works for this session); one written by someone else
    in the meantime is not replaced (tui.atomic.NotOverwritten)."""
    import tomlkit

    p = Path(path) if path is not None else default_path()
    try:
        data = read_bytes_or_none(p)
    except OSError as exc:
        raise ValueError(f"cannot read {p} ({exc.strerror or exc}); it is left as it is") from None
    try:
        doc = tomlkit.parse(DEFAULT_TEXT if data is None else data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:  # tomlkit's ParseError is a ValueError
        raise ValueError(f"{p} is not valid TOML ({exc}): fix it to save rules there; it is left as it is") from None
    aot = doc.get("alerts")
    if aot is None:
        aot = tomlkit.aot()
        doc.append("alerts", aot)
    elif not isinstance(aot, tomlkit.items.AoT):
        raise ValueError(f"{p}: `alerts` is not a list of [[alerts]] tables; fix it by hand to save rules there")
    item = tomlkit.table()
    for k, v in table.items():
        item.add(k, v)
    aot.append(item)
    atomic_write_text(p, tomlkit.dumps(doc), expect=data)
    return p


def update_alert(table: dict, path: Path | None = None, *, enabled: bool | None = None,
                 delete: bool = False) -> Path | None:
    """Switch the [[alerts]] rule `table` on or off (`enabled`), or `delete` it, in the config file: the first
    table there that holds the same condition, switched on or off (comments kept, written atomically). Returns the
    file, or None when none of its tables holds that rule (a rule kept for the session only, or edited by hand)."""
    import tomlkit

    from tui.alerts import parse_rule

    p = Path(path) if path is not None else default_path()
    if not p.exists():
        return None
    doc = tomlkit.parse(p.read_text(encoding="utf-8"))
    aot = doc.get("alerts")
    if not isinstance(aot, tomlkit.items.AoT):
        return None
    wanted = parse_rule(table)
    for n, item in enumerate(aot):
        try:
            held = parse_rule(item.unwrap())
        except ValueError:
            continue
        if not held.same_rule(wanted):
            continue
        if delete and len(aot) == 1:
            del doc["alerts"]  # an empty array of tables would be written as `alerts = []` at the top
        elif delete:
            del aot[n]
        elif enabled is not None:
            if enabled:
                item.pop("enabled", None)
            else:
                item["enabled"] = False
        atomic_write_text(p, tomlkit.dumps(doc))
        return p
    return None
