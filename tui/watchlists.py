"""Watchlists: loading and validating the TOML files in `watchlists/` and the user's config dir.

The format is documented in `docs/watchlists.md` and at the top of `watchlists/ai-rivals.toml`.
Every problem found carries the file and, wherever it can be found, the line. A file with any
problem is not loaded; the other files still are. Nothing here prints: `run_check` writes to the
stream it is given.

A watchlist file is outside text: every title, name, company, note and description is cleaned as it is read
(tui/sanitize.py: no control character, escape sequence or bidi override; names at most 200 characters, notes
500), and so is every problem message, which may quote the file.
"""

from __future__ import annotations

import logging
import re
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from tui import paths as _paths
from tui.model import Instrument, Pair, Side, Watchlist
from tui.sanitize import clean, clean_message, clean_name
from tui.toml_problems import Locator, Problem, decode_error_line, did_you_mean, type_name

log = logging.getLogger(__name__)

DEFAULT = "ai-rivals"
KINDS = ("equity", "index", "fx")
TOP_KEYS = ("title", "description", "order", "instrument", "pair")
INSTRUMENT_KEYS = ("symbol", "name", "side", "company", "note", "kind")
PAIR_KEYS = ("name", "us", "cn", "note")


@dataclass(slots=True)
class LoadResult:
    """The watchlists that loaded, in display order (keys 1–9 follow it), and every problem found."""

    watchlists: dict[str, Watchlist] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    orders: dict[str, int | None] = field(default_factory=dict)  # the `order` each file asked for

    @property
    def default(self) -> str | None:
        """The watchlist to show first: `ai-rivals` when it loaded, else the first in order."""
        if DEFAULT in self.watchlists:
            return DEFAULT
        return next(iter(self.watchlists), None)

    @property
    def ok(self) -> bool:
        return not self.problems


# -- symbols -------------------------------------------------------------------------------------

_PLAIN = re.compile(r"^[A-Z0-9][A-Z0-9\-]*$")  # NVDA, BRK-B, BYDDY
_SUFFIXED = re.compile(r"^([A-Za-z0-9\-]+)\.([A-Za-z]{1,4})$")  # 0981.HK, 688981.SS, 9984.T
_INDEX = re.compile(r"^\^[A-Z0-9][A-Z0-9.\-]*$")  # ^GSPC, ^HSI, ^N225
_FX = re.compile(r"^[A-Z]{3,6}=X$")  # HKD=X, EURUSD=X
_FUTURE = re.compile(r"^[A-Z0-9]{1,6}=F$")  # ES=F
_SUFFIX_NAMES = {"HK": "Hong Kong", "SS": "Shanghai", "SZ": "Shenzhen", "T": "Tokyo"}


def symbol_problem(symbol: str) -> str | None:
    """Why `symbol` is not a well-formed Yahoo symbol, or None when it is."""
    if not symbol:
        return "symbol is empty"
    if any(c.isspace() for c in symbol):
        return f"symbol {symbol!r} contains whitespace"
    if _INDEX.match(symbol) or _FX.match(symbol) or _FUTURE.match(symbol) or _PLAIN.match(symbol):
        return None
    m = _SUFFIXED.match(symbol)
    if m is None:
        if symbol.upper() != symbol and (_PLAIN.match(symbol.upper()) or _INDEX.match(symbol.upper())):
            return f"symbol {symbol!r} must be upper case: {symbol.upper()}"
        return f"symbol {symbol!r} is not a Yahoo symbol (like NVDA, 0981.HK, 688981.SS, ^GSPC, HKD=X)"
    base, suffix = m.groups()
    if suffix != suffix.upper():
        return f"symbol {symbol!r}: Yahoo's suffixes are upper case: {base.upper()}.{suffix.upper()}"
    if base != base.upper():
        return f"symbol {symbol!r} must be upper case: {base.upper()}.{suffix}"
    if suffix == "SH":
        return f"symbol {symbol!r}: Yahoo writes Shanghai as .SS: {base}.SS"
    if suffix == "HK":
        if not base.isdigit():
            return f"symbol {symbol!r}: Hong Kong codes are digits"
        if len(base) != 4:
            fixed = f"{int(base):04d}.HK" if 0 < int(base) < 10000 else None
            hint = f": write {fixed}" if fixed else ""
            return f"symbol {symbol!r}: Yahoo wants Hong Kong codes as four digits with leading zeros{hint}"
    if suffix in ("SS", "SZ") and not (base.isdigit() and len(base) == 6):
        return f"symbol {symbol!r}: {_SUFFIX_NAMES[suffix]} codes are six digits"
    if suffix == "T" and len(base) != 4:
        return f"symbol {symbol!r}: Tokyo codes are four characters (9984.T)"
    return None


def _kind_of_symbol(symbol: str) -> str:
    if symbol.startswith("^"):
        return "index"
    if symbol.endswith("=X"):
        return "fx"
    return "equity"


# -- where things are in the source text --------------------------------------------------------

# -- one file ------------------------------------------------------------------------------------


class _FileCheck:
    """Validates one parsed document and builds the Watchlist when nothing is wrong."""

    def __init__(self, path: Path, text: str, doc: dict[str, Any], shipped: bool) -> None:
        self.path = path
        self.doc = doc
        self.shipped = shipped
        self.at = Locator(text)
        self.problems: list[Problem] = []
        self.order: int | None = None
        self.named: set[str] = set()  # every string symbol an [[instrument]] names, valid or not

    def problem(self, line: int | None, message: str) -> None:
        self.problems.append(Problem(self.path, line, message))

    def _string(self, value: Any, what: str, line: int | None, *, allow_empty: bool = False) -> str | None:
        if not isinstance(value, str):
            self.problem(line, f"{what} must be a string, not {type_name(value)}")
            return None
        if not allow_empty and not value.strip():
            self.problem(line, f"{what} is empty")
            return None
        return value

    def _unknown_keys(self, table: dict[str, Any], known: tuple[str, ...], where: str, line_of) -> None:
        for key in table:
            if key not in known:
                self.problem(line_of(key), f"unknown key {key!r} {where}{did_you_mean(key, known)}")

    def _name(self, value: Any, what: str, line: int | None) -> str | None:
        """A required name (title, instrument name, company, pair name), cleaned."""
        text = self._string(value, what, line)
        if text is None:
            return None
        text = clean_name(text)
        if not text:
            self.problem(line, f"{what} holds nothing but control characters")
            return None
        return text

    def _note(self, value: Any, what: str, line: int | None) -> str:
        """An optional note or description, cleaned (line breaks become spaces)."""
        text = self._string(value, what, line, allow_empty=True)
        return clean_message(text).strip() if text else ""

    def run(self) -> Watchlist | None:
        doc = self.doc
        if clean_name(self.path.stem) != self.path.stem:
            self.problem(None, "the file name holds control characters or is too long: rename the file (its name "
                         "is the watchlist's, shown on screen)")
            return None
        self._unknown_keys(doc, TOP_KEYS, "at the top level", self.at.top)
        title = None
        if "title" not in doc:
            self.problem(1 if self.at.lines else None, "missing required key 'title' at the top level")
        else:
            title = self._name(doc["title"], "'title'", self.at.top("title"))
        description = ""
        if "description" in doc:
            description = self._note(doc["description"], "'description'", self.at.top("description"))
        if "order" in doc:
            order = doc["order"]
            if not isinstance(order, int) or isinstance(order, bool):
                self.problem(self.at.top("order"), f"'order' must be an integer, not {type_name(order)}")
            elif order < 1:
                self.problem(self.at.top("order"), f"'order' must be 1 or more, not {order}")
            else:
                self.order = order
        instruments = self._instruments()
        pairs = self._pairs(instruments)
        if self.problems or title is None or instruments is None or pairs is None:
            return None
        return Watchlist(
            name=self.path.stem,
            title=title,
            instruments=tuple(instruments.values()),
            pairs=tuple(pairs),
            description=description,
            path=self.path,
            shipped=self.shipped,
        )

    def _tables(self, key: str) -> list[Any] | None:
        raw = self.doc.get(key)
        if isinstance(raw, dict):
            self.problem(
                self.at.item(key, 0), f"write each {key} as [[{key}]] (an array of tables), not [{key}]"
            )
            return None
        if not isinstance(raw, list):
            self.problem(
                self.at.top(key), f"'{key}' must be an array of tables ([[{key}]]), not {type_name(raw)}"
            )
            return None
        return raw

    def _instruments(self) -> dict[str, Instrument] | None:
        if "instrument" not in self.doc:
            self.problem(1 if self.at.lines else None, "no instruments: add at least one [[instrument]]")
            return None
        tables = self._tables("instrument")
        if tables is None:
            return None
        if not tables:
            self.problem(self.at.top("instrument"), "no instruments: add at least one [[instrument]]")
            return None
        result: dict[str, Instrument] = {}
        seen: dict[str, int] = {}
        company_sides: dict[str, tuple[Side, str]] = {}
        ok = True
        for i, table in enumerate(tables):
            n = i + 1
            if not isinstance(table, dict):
                self.problem(
                    self.at.item("instrument", i), f"instrument {n} must be a table, not {type_name(table)}"
                )
                ok = False
                continue
            inst = self._instrument(i, table, seen)
            if inst is None:
                ok = False
                continue
            if inst.symbol in result:
                occurrence = seen[inst.symbol] - 1
                line = self.at.value("symbol", inst.symbol, occurrence) or self.at.item(
                    "instrument", i, "symbol"
                )
                self.problem(line, f"duplicate symbol {inst.symbol!r}: it is already on this list")
                ok = False
                continue
            earlier = company_sides.get(inst.company)
            if earlier is not None and earlier[0] != inst.side:
                self.problem(
                    self.at.item("instrument", i, "company"),
                    f"company {inst.company!r} is on side {inst.side.value!r} here but on side "
                    f"{earlier[0].value!r} for {earlier[1]}: listings of one company share a side",
                )
                ok = False
                continue
            company_sides.setdefault(inst.company, (inst.side, inst.symbol))
            result[inst.symbol] = inst
        return result if ok else None

    def _instrument(self, i: int, table: dict[str, Any], seen: dict[str, int]) -> Instrument | None:
        n = i + 1

        def line(key: str | None = None) -> int | None:
            return self.at.item("instrument", i, key)

        before = len(self.problems)
        self._unknown_keys(table, INSTRUMENT_KEYS, f"in instrument {n}", line)
        for key in ("symbol", "name", "side"):
            if key not in table:
                self.problem(line(), f"instrument {n}: missing required key {key!r}")
        symbol = None
        if "symbol" in table:
            symbol = self._string(
                table["symbol"], f"instrument {n}: 'symbol'", line("symbol"), allow_empty=True
            )
            if symbol is not None:
                self.named.add(symbol)
                seen[symbol] = seen.get(symbol, 0) + 1
                why = symbol_problem(symbol)
                if why:
                    self.problem(self.at.value("symbol", symbol, seen[symbol] - 1) or line("symbol"), why)
        label = f"instrument {symbol!r}" if symbol else f"instrument {n}"
        name = self._name(table["name"], f"{label}: 'name'", line("name")) if "name" in table else None
        side = None
        if "side" in table:
            raw = self._string(table["side"], f"{label}: 'side'", line("side"), allow_empty=True)
            if raw is not None:
                if raw in ("us", "cn"):
                    side = Side(raw)
                else:
                    self.problem(line("side"), f'{label}: side must be "us" or "cn", not {raw!r}')
        company = symbol or ""
        if "company" in table:
            company = self._name(table["company"], f"{label}: 'company'", line("company")) or ""
        note = ""
        if "note" in table:
            note = self._note(table["note"], f"{label}: 'note'", line("note"))
        kind = _kind_of_symbol(symbol) if symbol else "equity"
        if "kind" in table:
            raw = self._string(table["kind"], f"{label}: 'kind'", line("kind"), allow_empty=True)
            if raw is not None:
                if raw not in KINDS:
                    self.problem(
                        line("kind"),
                        f"{label}: unknown kind {raw!r}: use one of "
                        f"{', '.join(KINDS)}{did_you_mean(raw, KINDS)}",
                    )
                elif symbol and raw == "equity" and _kind_of_symbol(symbol) != "equity":
                    implied = _kind_of_symbol(symbol)
                    what = "an index" if implied == "index" else "an FX rate"
                    self.problem(line("kind"), f'{label} is {what}, not an equity: set kind = "{implied}"')
                else:
                    kind = raw
        if len(self.problems) > before or symbol is None or name is None or side is None:
            return None
        return Instrument(symbol=symbol, name=name, side=side, company=company, note=note, kind=kind)

    def _pairs(self, instruments: dict[str, Instrument] | None) -> list[Pair] | None:
        if "pair" not in self.doc:
            return []
        tables = self._tables("pair")
        if tables is None:
            return None
        result: list[Pair] = []
        names: set[str] = set()
        ok = True
        for i, table in enumerate(tables):
            if not isinstance(table, dict):
                self.problem(
                    self.at.item("pair", i), f"pair {i + 1} must be a table, not {type_name(table)}"
                )
                ok = False
                continue
            pair = self._pair(i, table, instruments)
            if pair is None:
                ok = False
                continue
            if pair.name in names:
                self.problem(self.at.item("pair", i, "name"), f"duplicate pair name {pair.name!r}")
                ok = False
                continue
            names.add(pair.name)
            result.append(pair)
        return result if ok else None

    def _pair(self, i: int, table: dict[str, Any], instruments: dict[str, Instrument] | None) -> Pair | None:
        n = i + 1

        def line(key: str | None = None) -> int | None:
            return self.at.item("pair", i, key)

        before = len(self.problems)
        self._unknown_keys(table, PAIR_KEYS, f"in pair {n}", line)
        for key in ("name", "us", "cn"):
            if key not in table:
                self.problem(line(), f"pair {n}: missing required key {key!r}")
        name = self._name(table["name"], f"pair {n}: 'name'", line("name")) if "name" in table else None
        label = f"pair {name!r}" if name else f"pair {n}"
        note = ""
        if "note" in table:
            note = self._note(table["note"], f"{label}: 'note'", line("note"))
        sides: dict[str, tuple[str, ...]] = {}
        for key in ("us", "cn"):
            if key not in table:
                continue
            symbols = self._pair_side(table[key], label, key, line(key), instruments)
            if symbols is not None:
                sides[key] = symbols
        if len(self.problems) > before or name is None or len(sides) != 2:
            return None
        return Pair(name=name, us=sides["us"], cn=sides["cn"], note=note)

    def _pair_side(
        self, raw: Any, label: str, key: str, line: int | None, instruments: dict[str, Instrument] | None
    ) -> tuple[str, ...] | None:
        if isinstance(raw, str):
            raw = [raw] if raw.strip() else []
        if not isinstance(raw, list):
            self.problem(
                line, f"{label}: {key!r} must be a symbol or a list of symbols, not {type_name(raw)}"
            )
            return None
        if not raw:
            self.problem(line, f"{label}: side {key!r} is empty: name at least one symbol")
            return None
        bad = [s for s in raw if not isinstance(s, str)]
        if bad:
            self.problem(line, f"{label}: {key!r} must list symbols as strings, not {type_name(bad[0])}")
            return None
        ok = True
        companies: dict[str, str] = {}
        for symbol in raw:
            if raw.count(symbol) > 1:
                self.problem(line, f"{label}: {symbol!r} is named twice on side {key!r}")
                ok = False
                break
        for symbol in raw:
            if symbol not in self.named:
                self.problem(
                    line,
                    f"{label}: {symbol!r} is not on this list: add an [[instrument]] for it"
                    f"{did_you_mean(symbol, self.named)}",
                )
                ok = False
                continue
            inst = instruments.get(symbol) if instruments is not None else None
            if inst is None:
                continue  # its [[instrument]] has problems of its own

            if inst.side.value != key:
                self.problem(
                    line,
                    f"{label}: {symbol!r} is a {inst.side.value!r} instrument but is named on side {key!r}",
                )
                ok = False
            if inst.company in companies:
                self.problem(
                    line,
                    f"{label}: {companies[inst.company]!r} and {symbol!r} are listings of one "
                    f"company ({inst.company!r}): a basket counts a company once",
                )
                ok = False
            companies.setdefault(inst.company, symbol)
        return tuple(raw) if ok else None


def load_file(path: Path | str, *, shipped: bool = False) -> tuple[Watchlist | None, list[Problem]]:
    """Load one watchlist file. Never raises: anything wrong comes back as problems (and no watchlist)."""
    watchlist, problems, _ = _load(Path(path), shipped)
    return watchlist, problems


def _load(path: Path, shipped: bool) -> tuple[Watchlist | None, list[Problem], int | None]:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None, [Problem(path, None, "no such file")], None
    except IsADirectoryError:
        return None, [Problem(path, None, "is a directory, not a watchlist file")], None
    except OSError as err:
        return None, [Problem(path, None, f"cannot read: {err.strerror or err}")], None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        return None, [Problem(path, line, "not UTF-8 text")], None
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(err)) or "invalid TOML"
        return None, [Problem(path, decode_error_line(err), f"bad TOML: {message}")], None
    except RecursionError:
        return None, [Problem(path, None, "bad TOML: nested too deeply")], None
    try:
        check = _FileCheck(path, text, doc, shipped)
        watchlist = check.run()
    except Exception:  # a bug here must not stop the other files loading
        log.exception("checking %s failed", path)
        return None, [Problem(path, None, "internal error while checking this file (see the log)")], None
    problems = sorted(check.problems, key=lambda p: p.line or 0)
    return watchlist, problems, check.order


# -- all files -----------------------------------------------------------------------------------


def _files(directory: Path) -> list[Path]:
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.glob("*.toml") if not p.name.startswith(".") and p.is_file())


def load_all(shipped_dir: Path | None = None, user_dir: Path | None = None) -> LoadResult:
    """Load the shipped watchlists, then the user's (a user file overrides the shipped one of its name)."""
    shipped_dir = _paths.shipped_watchlists_dir() if shipped_dir is None else Path(shipped_dir)
    user_dir = _paths.user_watchlists_dir() if user_dir is None else Path(user_dir)
    result = LoadResult()
    loaded: dict[str, tuple[Watchlist, int | None]] = {}
    if not shipped_dir.is_dir():
        result.problems.append(Problem(shipped_dir, None, "the shipped watchlists folder is missing"))
    for path in _files(shipped_dir):
        watchlist, problems, order = _load(path, True)
        result.problems.extend(problems)
        if watchlist is not None:
            loaded[watchlist.name] = (watchlist, order)
    if user_dir.resolve() != shipped_dir.resolve():
        for path in _files(user_dir):
            watchlist, problems, order = _load(path, False)
            result.problems.extend(problems)
            if watchlist is not None:
                loaded[watchlist.name] = (watchlist, order)
            elif path.stem in loaded:
                result.problems.append(
                    Problem(
                        path,
                        None,
                        f"not loaded because of its problems: keeping the shipped {path.stem!r} instead",
                    )
                )
    ranked = sorted(loaded.items(), key=lambda kv: (kv[1][1] is None, kv[1][1] or 0, kv[0]))
    for name, (watchlist, order) in ranked:
        result.watchlists[name] = watchlist
        result.orders[name] = order
    log.debug("loaded %d watchlists, %d problems", len(result.watchlists), len(result.problems))
    return result


# -- which list to open --------------------------------------------------------------------------


def _why_not_loaded(result: LoadResult, name: str) -> str:
    """Why no watchlist `name` is in `result`: its file did not load, or there is no such list."""
    paths = (getattr(p, "path", None) for p in result.problems)
    broken = sorted({str(p) for p in paths if isinstance(p, Path) and p.suffix == ".toml" and p.stem == name})
    if broken:
        return f"the watchlist {name!r} did not load: fix {', '.join(broken)} (its problems are listed with it)"
    known = ", ".join(result.watchlists) or "none"
    return f"unknown watchlist {name!r}{did_you_mean(name, result.watchlists)}; known: {known}"


def requested_watchlist_error(result: LoadResult, name: str) -> str | None:
    """For a list asked for by name on the command line (`--watchlist NAME`): None when it loaded, else the
    error to stop on. The user asked for that list: showing another instead would answer another question."""
    return None if name in result.watchlists else _why_not_loaded(result, name)


def configured_watchlist(result: LoadResult, name: str | None, where: str = "config") -> tuple[str | None, str | None]:
    """The list to open for the config's `default_watchlist` (`where`: the config file, for the message).

    Returns (name to open, problem). A bad setting never stops the app or a snapshot: when `name` is no loaded
    list (a typo, or a list of the user's that broke since), the problem names the file and the key, and the
    default list (`ai-rivals`, else the first that loaded) is opened instead, as for any bad value in the config.
    (None, problem) only when no list at all loaded."""
    lists = result.watchlists
    if name and name in lists:
        return name, None
    fallback = DEFAULT if DEFAULT in lists else next(iter(lists), None)
    if not name or name == DEFAULT:  # the built-in default itself: a missing shipped list is reported as such
        return fallback, None
    problem = f"{where}: default_watchlist: {_why_not_loaded(result, name)}; "
    problem += f"opening {fallback!r}" if fallback else "and no other watchlist could be loaded"
    return fallback, problem


# -- check ---------------------------------------------------------------------------------------


def _checked(targets: list[Path] | None) -> tuple[list[Path], list[Problem]]:
    """The files checked and the problems found."""
    if not targets:
        shipped_dir, user_dir = _paths.shipped_watchlists_dir(), _paths.user_watchlists_dir()
        files = _files(shipped_dir)
        if user_dir.resolve() != shipped_dir.resolve():
            files += _files(user_dir)
        return files, load_all(shipped_dir, user_dir).problems
    files: list[Path] = []
    problems: list[Problem] = []
    for target in targets:
        target = Path(target)
        if target.is_dir():
            found = _files(target)
            if not found:
                problems.append(Problem(target, None, "no watchlist files (*.toml) in this folder"))
            files += found
        elif not target.exists():
            problems.append(Problem(target, None, "no such file"))
        else:
            files.append(target)
    for path in files:
        problems += load_file(path)[1]
    return files, problems


def check(paths: list[Path] | None = None) -> list[Problem]:
    """Check the given files or folders; with none, every shipped and user watchlist."""
    return _checked(paths)[1]


def run_check(paths: list[str], out: TextIO | None = None) -> int:
    """`aiwatch check [PATH...]`: print each problem, or an ok line per file. Returns the exit code."""
    out = sys.stdout if out is None else out
    files, problems = _checked([Path(p) for p in paths] if paths else None)
    troubled = {p.path for p in problems}
    for problem in problems:
        print(problem, file=out)
    for path in files:
        if path not in troubled:
            print(f"ok: {clean(str(path), None)}", file=out)
    good = sum(1 for path in files if path not in troubled)
    if problems:
        print(
            f"{len(problems)} problem{'s' * (len(problems) != 1)}; {good} of {len(files)} watchlists ok",
            file=out,
        )
        return 1
    print(f"ok: {good} watchlist{'s' * (good != 1)}", file=out)
    return 0
