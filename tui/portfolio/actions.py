"""Corporate actions from tui/data/corporate_actions.toml: splits and bonus issues, each dated and sourced.

A lot (or a close) traded before an action's `effective` date is read in today's units: its quantity times
shares_after / shares_before, its price divided by the same, so its cost does not change. Actions after the
valuation date (a demo clock in the past) are not applied.
"""

from __future__ import annotations

import datetime as dt
import logging
import tomllib
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from tui.paths import data_dir
from tui.portfolio.money import ONE, divide, exact

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Action:
    symbol: str
    company: str
    kind: str  # "split" | "bonus"
    shares_before: int
    shares_after: int
    effective: dt.date  # first day of trading on the adjusted basis
    verified: bool
    source: str

    @property
    def ratio(self) -> Decimal:
        with exact():
            return Decimal(self.shares_after) / Decimal(self.shares_before)

    def describe(self) -> str:
        what = "split" if self.kind == "split" else "bonus issue"
        return f"{self.symbol} {self.shares_after}-for-{self.shares_before} {what} from {self.effective.isoformat()}"


@dataclass(frozen=True, slots=True)
class Adjustment:
    """How a trade of `symbol` on a date reads in the units of the valuation date."""

    factor: Decimal  # shares now per share traded
    actions: tuple[Action, ...]  # the actions applied

    @property
    def unverified(self) -> tuple[Action, ...]:
        return tuple(a for a in self.actions if not a.verified)

    def quantity(self, q: Decimal) -> Decimal:
        with exact():
            return q * self.factor

    def price(self, p: Decimal) -> Decimal:
        return p if self.factor == ONE else divide(p, self.factor)


NONE = Adjustment(ONE, ())


class Actions:
    """The actions of every listing, oldest first."""

    def __init__(self, actions: list[Action] | tuple[Action, ...] = ()) -> None:
        self.by_symbol: dict[str, list[Action]] = {}
        for a in sorted(actions, key=lambda a: a.effective):
            self.by_symbol.setdefault(a.symbol, []).append(a)

    def __iter__(self):
        return (a for acts in self.by_symbol.values() for a in acts)

    def adjustment(self, symbol: str, traded: dt.date, as_of: dt.date | None = None) -> Adjustment:
        """The actions effective after `traded` and on or before `as_of` (None: all of them)."""
        acts = tuple(a for a in self.by_symbol.get(symbol, ())
                     if a.effective > traded and (as_of is None or a.effective <= as_of))
        if not acts:
            return NONE
        factor = ONE
        with exact():
            for a in acts:
                factor *= a.ratio
        return Adjustment(factor, acts)


def parse_actions(doc: dict) -> list[Action]:
    """The [[action]] tables of a parsed corporate_actions.toml; ValueError naming the bad row."""
    out = []
    for n, row in enumerate(doc.get("action", []), 1):
        try:
            before, after = int(row["shares_before"]), int(row["shares_after"])
            effective = row["effective"]
            if not isinstance(effective, dt.date) or before <= 0 or after <= 0:
                raise ValueError("shares_before and shares_after must be positive and effective a date")
            if row.get("kind") not in ("split", "bonus"):
                raise ValueError(f"kind must be split or bonus, not {row.get('kind')!r}")
            if not str(row.get("source", "")).strip():
                raise ValueError("a dated fact needs its source")
            out.append(Action(str(row["symbol"]), str(row.get("company", "")), row["kind"], before, after,
                              effective, bool(row.get("verified", False)), str(row["source"])))
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"action {n}: {exc}") from None
    return out


@lru_cache(maxsize=4)
def _load(path: Path) -> Actions:
    with open(path, "rb") as fh:
        return Actions(parse_actions(tomllib.load(fh)))


def load_actions(path: Path | None = None) -> Actions:
    """The shipped corporate actions (cached: the file is package data)."""
    return _load(Path(path) if path is not None else data_dir() / "corporate_actions.toml")
