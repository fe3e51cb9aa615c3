"""The circle of AI deals and the bonds that fund the build-out: a dated data file (`tui/data/deals.toml`, plus the
user's own `deals.toml` in the config dir), loaded and checked like a watchlist, and the sums drawn from it.

Each deal has a date, a status ("announced", "reported", "confirmed", "stalled") and a source; a row missing one of
them, or with a bad value, is reported with its file and line and left out, and the other rows still load. Every
text field passes through the sanitizer. Sizes are in USD: exact (`size_usd`), a range (`size_usd_min` /
`size_usd_max`; "up to" is a max alone) or undisclosed; `money = false` marks a size that is a value (a stake's
worth) rather than money changing hands, and warrants carry a share count valued at the live price.

Money in and out of a company, and OpenAI's commitments, are summed over rows that are money and not stalled, as
a low and a high bound: an "up to" row adds nothing to the low bound, an undisclosed row is counted, not guessed.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from tui.sanitize import MESSAGE_MAX, clean, clean_name
from tui.toml_problems import Locator, Problem, decode_error_line

log = logging.getLogger(__name__)

KINDS = ("equity", "compute contract", "chip purchase", "warrant", "bond")
STATUSES = ("announced", "reported", "confirmed", "stalled")
COMMITMENT_KINDS = ("compute contract", "chip purchase")  # what a buyer commits to spend
DEAL_KEYS = ("id", "date", "parties", "payer", "payee", "kind", "size_usd", "size_usd_min", "size_usd_max", "money",
             "shares", "share_symbol", "status", "source", "what", "note")
FIGURE_KEYS = ("company", "metric", "amount_usd", "amount_usd_min", "amount_usd_max", "amount", "amount_min",
               "amount_max", "currency", "period", "months", "date", "status", "source", "what")
TOP_KEYS = ("as_of", "deal", "figure")
_MONTH = re.compile(r"^\d{4}-\d{2}$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")


@dataclass(frozen=True, slots=True)
class Deal:
    id: str
    date: dt.date  # the first of the month when only the month is known (`date_text` says so)
    date_text: str  # as written: "2025-09-22" or "2025-03"
    parties: tuple[str, ...]
    payer: str
    payee: str
    kind: str
    status: str
    source: str
    size_usd: float | None = None
    size_usd_min: float | None = None
    size_usd_max: float | None = None
    money: bool = True
    shares: float | None = None
    share_symbol: str | None = None
    what: str = ""
    note: str = ""
    origin: str = ""  # "path:line" of the row

    @property
    def low(self) -> float | None:
        """The size's low bound (None: undisclosed or "up to" only)."""
        return self.size_usd if self.size_usd is not None else self.size_usd_min

    @property
    def high(self) -> float | None:
        return self.size_usd if self.size_usd is not None else self.size_usd_max

    @property
    def disclosed(self) -> bool:
        return self.low is not None or self.high is not None

    def involves(self, company: str) -> bool:
        return company in self.parties or company in (self.payer, self.payee)


@dataclass(frozen=True, slots=True)
class Figure:
    """A dated figure a deal is measured against: OpenAI's reported revenue, Oracle's backlog, capex guidance."""

    company: str
    metric: str
    date: dt.date
    date_text: str
    status: str
    source: str
    amount_min: float | None  # in `currency`; equal to amount_max for an exact figure
    amount_max: float | None
    currency: str = "USD"
    period: str = ""
    months: int | None = None
    what: str = ""
    origin: str = ""


@dataclass(slots=True)
class DealsData:
    as_of: dt.date | None = None  # the shipped file's date (a user file's, when later)
    deals: tuple[Deal, ...] = ()
    figures: tuple[Figure, ...] = ()
    problems: list[Problem] = field(default_factory=list)
    paths: tuple[Path, ...] = ()

    def of(self, company: str) -> list[Deal]:
        """The deals `company` is party to, newest first."""
        return sorted((d for d in self.deals if d.involves(company)), key=lambda d: (d.date, d.id), reverse=True)

    def figures_of(self, company: str, metric: str | None = None) -> list[Figure]:
        return sorted((f for f in self.figures if f.company == company and (metric is None or f.metric == metric)),
                      key=lambda f: f.date, reverse=True)


# -- loading --------------------------------------------------------------------------------------------------


def shipped_deals_path() -> Path:
    from tui.paths import data_dir

    return data_dir() / "deals.toml"


def user_deals_path() -> Path:
    from tui.paths import config_dir

    return config_dir() / "deals.toml"


def load_deals(paths: Iterable[Path] | None = None) -> DealsData:
    """The shipped file, then the user's (if there): a later file's row replaces an earlier one with the same id.
    A file that cannot be read or parsed is one problem; a bad row is one problem and is left out."""
    if paths is None:
        paths = [shipped_deals_path()]
        if user_deals_path().is_file():
            paths.append(user_deals_path())
    out = DealsData()
    deals: dict[str, Deal] = {}
    figures: list[Figure] = []
    read: list[Path] = []
    for path in paths:
        loader = _FileLoader(Path(path))
        loader.run()
        out.problems.extend(loader.problems)
        if loader.loaded:
            read.append(Path(path))
        for deal in loader.deals:
            deals[deal.id] = deal
        figures.extend(loader.figures)
        if loader.as_of is not None and (out.as_of is None or loader.as_of > out.as_of):
            out.as_of = loader.as_of
    out.deals = tuple(sorted(deals.values(), key=lambda d: (d.date, d.id)))
    out.figures = tuple(figures)
    out.paths = tuple(read)
    for p in out.problems:
        log.warning("deals: %s", p)
    return out


class _FileLoader:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.problems: list[Problem] = []
        self.deals: list[Deal] = []
        self.figures: list[Figure] = []
        self.as_of: dt.date | None = None
        self.loaded = False
        self.at: Locator | None = None

    def problem(self, line: int | None, message: str) -> None:
        self.problems.append(Problem(self.path, line, clean(message, MESSAGE_MAX)))

    def run(self) -> None:
        try:
            text = self.path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            self.problem(None, f"cannot read the deals file: {exc}")
            return
        try:
            doc = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            self.problem(decode_error_line(exc), f"not valid TOML: {exc}")
            return
        self.loaded = True
        self.at = Locator(text)
        for key in doc:
            if key not in TOP_KEYS:
                self.problem(self.at.top(key), f"unknown key {key!r} (keys: {', '.join(TOP_KEYS)})")
        if "as_of" in doc:
            as_of = doc["as_of"]
            if isinstance(as_of, dt.date) and not isinstance(as_of, dt.datetime):
                self.as_of = as_of
            else:
                self.problem(self.at.top("as_of"), f"as_of must be a date (2026-01-31), not {as_of!r}")
        for name, keys, build, sink in (("deal", DEAL_KEYS, self._deal, self.deals),
                                        ("figure", FIGURE_KEYS, self._figure, self.figures)):
            rows = doc.get(name, [])
            if not isinstance(rows, list):
                self.problem(self.at.top(name), f"{name} must be a list of [[{name}]] tables")
                continue
            seen: set[str] = set()
            for i, row in enumerate(rows):
                line = self.at.item(name, i)
                if not isinstance(row, dict):
                    self.problem(line, f"{name} {i + 1} is not a table")
                    continue
                for key in row:
                    if key not in keys:
                        self.problem(self.at.item(name, i, key), f"{name} {i + 1}: unknown key {key!r}")
                try:
                    item = build(row, i)
                except ValueError as exc:
                    self.problem(self._line_of(name, i, exc), f"{name} {i + 1}: {exc.args[0]}; row left out")
                    continue
                if isinstance(item, Deal):
                    if item.id in seen:
                        self.problem(line, f"deal {i + 1}: duplicate id {item.id!r}; row left out")
                        continue
                    seen.add(item.id)
                sink.append(item)  # type: ignore[arg-type]

    def _line_of(self, table: str, i: int, exc: ValueError) -> int | None:
        assert self.at is not None
        key = exc.args[1] if len(exc.args) > 1 else None
        return self.at.item(table, i, key)

    # -- fields ------------------------------------------------------------------------------------------------
    @staticmethod
    def _text(row: dict, key: str, *, required: bool = False, limit: int = MESSAGE_MAX) -> str:
        if key not in row:
            if required:
                raise ValueError(f"missing {key!r}", key)
            return ""
        value = row[key]
        if not isinstance(value, str):
            raise ValueError(f"{key} must be a string, not {value!r}", key)  # noqa: TRY004 - a file message
        text = clean(value.strip(), limit).strip()
        if required and not text:
            raise ValueError(f"{key} is empty", key)
        return text

    @staticmethod
    def _date(row: dict, key: str = "date") -> tuple[dt.date, str]:
        if key not in row:
            raise ValueError(f"missing {key!r}", key)
        value = row[key]
        if isinstance(value, dt.datetime):
            raise ValueError(f"{key} must be a date, not a date and time", key)  # noqa: TRY004
        if isinstance(value, dt.date):
            return value, value.isoformat()
        if isinstance(value, str):
            text = value.strip()
            try:
                if _MONTH.match(text):
                    return dt.date.fromisoformat(text + "-01"), text
                day = dt.date.fromisoformat(text)
                return day, day.isoformat()
            except ValueError:
                pass
        raise ValueError(f"{key} must be a date (2025-09-22) or a month (\"2025-03\"), not {value!r}", key)

    @staticmethod
    def _amount(row: dict, key: str) -> float | None:
        if key not in row:
            return None
        value = row[key]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
            raise ValueError(f"{key} must be a number of at least 0, not {value!r}", key)
        return float(value)

    @staticmethod
    def _choice(row: dict, key: str, choices: tuple[str, ...]) -> str:
        text = _FileLoader._text(row, key, required=True)
        if text not in choices:
            raise ValueError(f"{key} must be one of {', '.join(choices)}, not {text!r}", key)
        return text

    def _range(self, row: dict, exact: str, low: str, high: str) -> tuple[float | None, float | None, float | None]:
        size, lo, hi = self._amount(row, exact), self._amount(row, low), self._amount(row, high)
        if size is not None and (lo is not None or hi is not None):
            raise ValueError(f"give {exact}, or {low} / {high}, not both", exact)
        if lo is not None and hi is not None and lo > hi:
            raise ValueError(f"{low} is more than {high}", low)
        return size, lo, hi

    def _deal(self, row: dict, i: int) -> Deal:
        ident = clean_name(self._text(row, "id", required=True))
        day, day_text = self._date(row)
        parties_raw = row.get("parties")
        if (not isinstance(parties_raw, list) or not parties_raw
                or not all(isinstance(p, str) and p.strip() for p in parties_raw)):
            raise ValueError("parties must be a non-empty list of company keys", "parties")
        parties = tuple(clean_name(p).lower() for p in parties_raw)
        payer = self._text(row, "payer").lower() or parties[0]
        payee = self._text(row, "payee").lower() or (parties[1] if len(parties) > 1 else "")
        kind = self._choice(row, "kind", KINDS)
        status = self._choice(row, "status", STATUSES)
        source = self._text(row, "source", required=True)
        size, lo, hi = self._range(row, "size_usd", "size_usd_min", "size_usd_max")
        money = row.get("money", True)
        if not isinstance(money, bool):
            raise ValueError(f"money must be true or false, not {money!r}", "money")  # noqa: TRY004
        shares = self._amount(row, "shares")
        share_symbol = clean_name(self._text(row, "share_symbol")).upper() or None
        if shares is not None and share_symbol is None:
            raise ValueError("shares needs share_symbol (the listing they are shares of)", "share_symbol")
        return Deal(ident, day, day_text, parties, payer, payee, kind, status, source, size, lo, hi, money, shares,
                    share_symbol, self._text(row, "what"), self._text(row, "note"),
                    f"{self.path}:{self.at.item('deal', i) if self.at else '?'}")

    def _figure(self, row: dict, i: int) -> Figure:
        company = clean_name(self._text(row, "company", required=True)).lower()
        metric = clean_name(self._text(row, "metric", required=True)).lower()
        day, day_text = self._date(row)
        status = self._choice(row, "status", STATUSES)
        source = self._text(row, "source", required=True)
        usd = self._range(row, "amount_usd", "amount_usd_min", "amount_usd_max")
        other = self._range(row, "amount", "amount_min", "amount_max")
        if any(v is not None for v in usd) and any(v is not None for v in other):
            raise ValueError("give amount_usd… or amount… with a currency, not both", "amount")
        if any(v is not None for v in other):
            currency = clean_name(self._text(row, "currency", required=True)).upper()
            if not _CURRENCY.match(currency):
                raise ValueError(f"currency must be a three-letter code, not {currency!r}", "currency")
            size, lo, hi = other
        else:
            if "currency" in row and str(row["currency"]).upper() != "USD":
                raise ValueError("amount_usd… is in USD: use amount… with this currency", "currency")
            currency = "USD"
            size, lo, hi = usd
        if size is None and lo is None and hi is None:
            raise ValueError("no amount", "amount_usd")
        months = row.get("months")
        if months is not None and (isinstance(months, bool) or not isinstance(months, int) or months <= 0):
            raise ValueError(f"months must be a whole number above 0, not {months!r}", "months")
        return Figure(company, metric, day, day_text, status, source,
                      size if size is not None else lo, size if size is not None else hi, currency,
                      self._text(row, "period", limit=80), months, self._text(row, "what"),
                      f"{self.path}:{self.at.item('figure', i) if self.at else '?'}")


# -- sums -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Flow:
    """Money in or out of a company over its deals that are money and not stalled: low and high bounds."""

    low: float = 0.0
    high: float = 0.0
    undisclosed: int = 0  # rows with no size
    rows: int = 0


def _flow(deals: Iterable[Deal]) -> Flow:
    low = high = 0.0
    undisclosed = rows = 0
    for d in deals:
        rows += 1
        if not d.disclosed:
            undisclosed += 1
            continue
        low += d.low or 0.0
        high += d.high if d.high is not None else (d.low or 0.0)
    return Flow(low, high, undisclosed, rows)


def counts_as_money(deal: Deal) -> bool:
    return deal.money and deal.status != "stalled"


def money_in(data: DealsData, company: str) -> Flow:
    """Money the deals bring `company` (contracts it sells, investments it receives); bonds apart (`bonds`)."""
    return _flow(d for d in data.deals if d.payee == company and d.kind != "bond" and counts_as_money(d))


def money_out(data: DealsData, company: str) -> Flow:
    """Money `company` pays or commits through its deals (contracts it buys, investments it makes)."""
    return _flow(d for d in data.deals if d.payer == company and d.kind != "bond" and counts_as_money(d))


def bonds(data: DealsData, company: str) -> Flow:
    """Bonds `company` issued (money in, and debt)."""
    return _flow(d for d in data.deals if d.payee == company and d.kind == "bond" and counts_as_money(d))


@dataclass(frozen=True, slots=True)
class Commitments:
    """What a company has committed to buy (compute contracts and chip purchases it pays, not stalled) against its
    latest reported revenue, annualised from the period it covers (an estimate, labelled so)."""

    company: str
    flow: Flow
    deals: tuple[Deal, ...]
    revenue: Figure | None
    revenue_annualised_usd: float | None
    ratio: float | None  # flow.low / annualised revenue: "at least this many years of revenue"


def commitments(data: DealsData, company: str = "openai") -> Commitments:
    rows = tuple(d for d in data.deals
                 if d.payer == company and d.kind in COMMITMENT_KINDS and counts_as_money(d))
    flow = _flow(rows)
    revenue = next((f for f in data.figures_of(company, "revenue") if f.currency == "USD"), None)
    annual = None
    if revenue is not None and revenue.amount_min is not None and revenue.months:
        annual = revenue.amount_min * 12.0 / revenue.months
    ratio = flow.low / annual if annual and flow.low > 0 else None
    return Commitments(company, flow, rows, revenue, annual, ratio)


def warrant_value_usd(deal: Deal, price_usd: float | None) -> float | None:
    """A warrant's shares at `price_usd` (the listing's live price in USD), or None."""
    if deal.shares is None or price_usd is None or not math.isfinite(price_usd):
        return None
    return deal.shares * price_usd
