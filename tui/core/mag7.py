"""The Magnificent Seven's share of the S&P 500: a live estimate from a dated reference total.

    S&P 500 total now (est.) = reference total x ^GSPC now / ^GSPC at the reference date
    Mag-7 share (est.)       = sum of the seven live USD market caps / that total

The reference (tui/data/reference.toml, `[sp500_total_cap]`) is a figure true on one date; the user can
replace it in config.toml under `[reference]` (`value`, `as_of`, and `gspc`, ^GSPC's close that day; without
`gspc` the close is looked up in ^GSPC's daily history). The result is always labelled "est." with the
reference's date. The seven are counted at full market caps; the reference total's basis is whatever its source
used (see docs/SOURCES.md); the S&P 500's own index weights are float-adjusted, so published weights differ a little.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tui.core.history import daily_closes
from tui.core.store import MarketStore
from tui.core.valuation import valuation
from tui.paths import data_dir

log = logging.getLogger(__name__)

INDEX = "^GSPC"
REFERENCE_NAME = "sp500_total_cap"
DEFAULT_MAG7 = ("AAPL", "MSFT", "NVDA", "AMZN", "GOOGL", "META", "TSLA")


@dataclass(frozen=True, slots=True)
class Reference:
    total_cap_usd: float
    as_of: dt.date
    gspc: float | None  # ^GSPC's close on `as_of`
    source: str
    from_config: bool


@dataclass(frozen=True, slots=True)
class Mag7Share:
    share: float | None  # 0-1; None when a cap or ^GSPC is missing
    mag7_cap_usd: float | None
    total_est_usd: float | None
    gspc_now: float | None
    reference: Reference
    members: tuple[str, ...]
    missing: tuple[str, ...]  # members without a USD market cap
    note: str = ""  # why there is no number, when there is none

    @property
    def label(self) -> str:
        return f"est., ref. {self.reference.as_of.isoformat()}"


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def load_reference_file(path: Path | None = None) -> dict[str, Any]:
    """The reference data file, parsed once per version of the file (the concentration panel asks every
    second). The answer is shared: read it, never change it."""
    path = Path(path or data_dir() / "reference.toml")
    return _parsed(str(path), path.stat().st_mtime_ns)


@functools.lru_cache(maxsize=8)
def _parsed(path: str, _mtime_ns: int) -> dict[str, Any]:
    with open(path, "rb") as fh:
        return tomllib.load(fh)


def _reference_from(entry: Mapping[str, Any], *, from_config: bool) -> Reference | None:
    value, as_of = entry.get("value"), _date(entry.get("as_of"))
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0 or as_of is None:
        return None
    gspc = entry.get("gspc")
    gspc = float(gspc) if isinstance(gspc, (int, float)) and not isinstance(gspc, bool) and gspc > 0 else None
    return Reference(float(value), as_of, gspc, str(entry.get("source", "")), from_config)


def reference(overrides: Mapping[str, Any] | None = None, path: Path | None = None) -> Reference:
    """The S&P 500 total-cap reference: the config's override when valid, else the shipped data file's."""
    entry = (overrides or {}).get(REFERENCE_NAME)
    if entry is not None:
        ref = _reference_from(entry, from_config=True)
        if ref is not None:
            return ref
        log.warning("[reference].%s in the config is not usable: using the shipped figure", REFERENCE_NAME)
    ref = _reference_from(load_reference_file(path)[REFERENCE_NAME], from_config=False)
    assert ref is not None, "tui/data/reference.toml: sp500_total_cap needs value and as_of"
    return ref


def mag7_symbols(path: Path | None = None) -> tuple[str, ...]:
    syms = load_reference_file(path).get("mag7", {}).get("symbols")
    return tuple(syms) if syms else DEFAULT_MAG7


def gspc_on(store: MarketStore, day: dt.date) -> float | None:
    """^GSPC's close on `day` (or the last close before it), from the daily history held."""
    closes = daily_closes(store, INDEX)
    if closes is None:
        return None
    before = closes.loc[:day.isoformat()]
    return float(before.iloc[-1]) if len(before) else None


def mag7_share(
    store: MarketStore,
    *,
    ref: Reference | None = None,
    members: tuple[str, ...] | None = None,
) -> Mag7Share:
    ref = ref or reference()
    members = members or mag7_symbols()
    caps = {}
    for sym in members:
        v = valuation(store, sym)
        if v is not None and v.market_cap_usd is not None and v.market_cap_usd > 0:
            caps[sym] = v.market_cap_usd
    missing = tuple(s for s in members if s not in caps)
    gspc_now = store.price(INDEX)
    gspc_ref = ref.gspc if ref.gspc is not None else gspc_on(store, ref.as_of)
    total = ref.total_cap_usd * gspc_now / gspc_ref if gspc_now and gspc_ref else None
    mag7_cap = sum(caps.values()) if caps else None
    note = ""
    if missing:
        note = f"no market cap yet for {', '.join(missing)}"
    elif gspc_now is None:
        note = f"no {INDEX} quote"
    elif gspc_ref is None:
        note = f"no {INDEX} close for {ref.as_of.isoformat()} (add gspc to the reference)"
    share = mag7_cap / total if not missing and mag7_cap is not None and total else None
    return Mag7Share(share, mag7_cap, total, gspc_now, ref, tuple(members), missing, note)


def mag7_for_watchlist(store: MarketStore, symbols: tuple[str, ...], overrides: Mapping[str, Any] | None = None):
    """The estimate when the watchlist holds all seven and ^GSPC (the feed quotes only what is on screen).

    `overrides`: the [reference] table of the config the app or snapshot runs with (None or {} for none)."""
    members = mag7_symbols()
    if not set(members) <= set(symbols):
        return None
    ref = reference(overrides)
    return mag7_share(store, ref=ref, members=members)
