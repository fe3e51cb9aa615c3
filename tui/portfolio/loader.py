"""Portfolio files: one TOML file per book in `<config dir>/portfolios/<name>.toml`, loaded and checked.

The format is in docs/portfolio.md. Every problem names the file and, wherever it can be found, the line. A file
with any problem is not loaded; the other books still are. Numbers are read as exact decimals (TOML floats
through `decimal.Decimal`, never a binary float). Every text field passes through the sanitizer. The shipped
demo book (tui/data/demo-portfolio.toml) is loaded only on simulated data (`--demo`).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import sys
import tomllib
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, TextIO

from tui import paths as _paths
from tui.portfolio.actions import Actions, load_actions
from tui.portfolio.ledger import build_ledger
from tui.portfolio.model import CURRENCIES, Book, Cash, Close, Dividend, Lot, listing_currency
from tui.portfolio.money import MAX_DIGITS, MAX_MAGNITUDE, ONE
from tui.sanitize import clean_message, clean_name
from tui.toml_problems import Locator, Problem, decode_error_line, did_you_mean, type_name
from tui.watchlists import symbol_problem

log = logging.getLogger(__name__)

DEMO_NAME = "demo"
TOP_KEYS = ("title", "description", "base_currency", "lot", "close", "cash", "dividend")
LOT_KEYS = ("id", "symbol", "date", "quantity", "price", "currency", "fees", "fx", "pair", "note")
CLOSE_KEYS = ("symbol", "date", "quantity", "price", "currency", "fees", "fx", "lot", "note")
CASH_KEYS = ("currency", "amount", "date", "note")
DIVIDEND_KEYS = ("symbol", "date", "amount", "currency", "fx", "note")
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9\-_]{0,39}$")  # a book's name: its file's stem


def latest_today() -> dt.date:
    """Today's date where the day turns first among the markets a book can trade on (Tokyo): a trade done in
    Asia this morning is not "in the future" for someone whose evening it still is in New York."""
    import time

    from tui.core.sessions import MARKETS, local_date

    return local_date(MARKETS["JP"], time.time())


def user_portfolios_dir() -> Path:
    return _paths.config_dir() / "portfolios"


def demo_book_path() -> Path:
    return _paths.data_dir() / "demo-portfolio.toml"


@dataclass(slots=True)
class BooksResult:
    """The books that loaded (the demo book first when loaded, then by name) and every problem found."""

    books: dict[str, Book] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


# -- one file ----------------------------------------------------------------------------------------------

_DATE_TOKEN = re.compile(r"(?<![\d.])(\d{4})-(\d{1,2})-(\d{1,2})(?![\d])")


def _bad_date(line: str) -> str | None:
    """Why a date on this line of TOML is not a date (tomllib only says it expected something else)."""
    for m in _DATE_TOKEN.finditer(line):
        token = m.group(0)
        if len(m.group(2)) != 2 or len(m.group(3)) != 2:
            return f"bad date {token}: write dates as YYYY-MM-DD ({m.group(1)}-{int(m.group(2)):02d}-" \
                   f"{int(m.group(3)):02d})"
        try:
            dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError as err:
            return f"bad date {token}: {err}"
    return None


def _symbol_of(table: dict) -> str:
    symbol = table.get("symbol")
    return symbol if isinstance(symbol, str) else ""


class _BookCheck:
    """Validates one parsed document and builds the Book when nothing is wrong."""

    def __init__(self, path: Path, text: str, doc: dict[str, Any], *, name: str, demo: bool, actions: Actions,
                 today: dt.date | None) -> None:
        self.path, self.doc, self.name, self.demo = path, doc, name, demo
        self.actions, self.today = actions, today
        self.at = Locator(text)
        self.problems: list[Problem] = []
        self.base = "USD"
        self.broken: set[str] = set()  # listings with a lot or a close that did not read
        self.ids_written: set[str] = set()  # every lot id in the file, of lots that read or not

    def problem(self, line: int | None, message: str) -> None:
        self.problems.append(Problem(self.path, line, clean_message(message)))

    # -- fields ---------------------------------------------------------------------------------------
    def _text(self, value: Any, what: str, line: int | None, *, allow_empty: bool = False) -> str | None:
        if not isinstance(value, str):
            self.problem(line, f"{what} must be a string, not {type_name(value)}")
            return None
        text = clean_name(value)
        if not allow_empty and not text:
            self.problem(line, f"{what} is empty")
            return None
        return text

    def _number(self, value: Any, what: str, line: int | None, *, sign: str = "") -> Decimal | None:
        """A Decimal from a TOML integer or float (read as a decimal) or a string of digits. `sign`: "+"
        (more than 0), "0+" (0 or more), "!0" (not 0), "" (any)."""
        if isinstance(value, bool):
            number = None
        elif isinstance(value, int):
            number = Decimal(value)
        elif isinstance(value, Decimal):
            number = value
        elif isinstance(value, str):
            try:
                number = Decimal(value.strip())
            except InvalidOperation:
                self.problem(line, f"{what} must be a number, not {value!r}")
                return None
        else:
            number = None
        if number is None:
            self.problem(line, f"{what} must be a number, not {type_name(value)}")
            return None
        if not number.is_finite():
            self.problem(line, f"{what} must be a finite number, not {value}")
            return None
        if abs(number) >= MAX_MAGNITUDE:
            self.problem(line, f"{what} is too large: {number}")
            return None
        if len(number.as_tuple().digits) > MAX_DIGITS:
            self.problem(line, f"{what} has more than {MAX_DIGITS} digits")
            return None
        if sign == "+" and number <= 0:
            self.problem(line, f"{what} must be more than 0, not {value}")
            return None
        if sign == "0+" and number < 0:
            self.problem(line, f"{what} must not be negative, not {value}")
            return None
        if sign == "!0" and number == 0:
            self.problem(line, f"{what} must not be 0")
            return None
        return number + 0  # a fresh Decimal without -0

    def _date(self, value: Any, what: str, line: int | None) -> dt.date | None:
        if isinstance(value, dt.datetime):
            value = value.date()
        elif isinstance(value, str):
            text = value.strip()
            try:
                if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
                    raise ValueError("not YYYY-MM-DD")
                value = dt.date.fromisoformat(text)
            except ValueError as err:
                why = str(err) if "YYYY" not in str(err) else "write it as YYYY-MM-DD"
                self.problem(line, f"{what}: bad date {text!r}: {why}")
                return None
        if not isinstance(value, dt.date):
            self.problem(line, f"{what}: bad date: a date is written like 2024-03-01, not {type_name(value)}")
            return None
        if self.today is not None and value > self.today:
            self.problem(line, f"{what}: bad date {value.isoformat()}: it is in the future")
            return None
        return value

    def _currency(self, value: Any, what: str, line: int | None) -> str | None:
        text = self._text(value, what, line)
        if text is None:
            return None
        code = text.upper()
        if code not in CURRENCIES:
            self.problem(line, f"{what}: unknown currency {text!r} (known: {', '.join(CURRENCIES)})"
                               f"{did_you_mean(code, CURRENCIES)}")
            return None
        return code

    def _symbol(self, value: Any, what: str, line_of) -> str | None:
        if not isinstance(value, str):
            self.problem(line_of("symbol"), f"{what}: 'symbol' must be a string, not {type_name(value)}")
            return None
        why = symbol_problem(value)
        if why is None and (value.startswith("^") or value.endswith(("=X", "=F"))):
            why = f"symbol {value!r} is an index, an FX rate or a future: a book holds shares (an equity listing)"
        if why:
            self.problem(line_of("symbol"), f"unknown symbol format: {why}")
            return None
        return value

    def _unknown_keys(self, table: dict[str, Any], known: tuple[str, ...], where: str, line_of) -> None:
        for key in table:
            if key not in known:
                self.problem(line_of(key), f"unknown key {key!r} {where}{did_you_mean(key, known)}")

    def _tables(self, key: str) -> list[Any]:
        raw = self.doc.get(key, [])
        if isinstance(raw, dict):
            self.problem(self.at.item(key, 0), f"write each {key} as [[{key}]] (an array of tables), not [{key}]")
            return []
        if not isinstance(raw, list):
            self.problem(self.at.top(key), f"'{key}' must be an array of tables ([[{key}]]), not {type_name(raw)}")
            return []
        out = []
        for i, table in enumerate(raw):
            if not isinstance(table, dict):
                self.problem(self.at.item(key, i), f"{key} {i + 1} must be a table, not {type_name(table)}")
            else:
                out.append((i, table))
        return out

    def _trade_currency(self, table: dict, label: str, symbol: str | None, line_of) -> str | None:
        implied = listing_currency(symbol) if symbol else None
        if "currency" not in table:
            if symbol and implied is None:
                self.problem(line_of(), f"{label}: set currency: aiwatch cannot tell the currency {symbol} trades "
                                        "in from its symbol")
            return implied
        code = self._currency(table["currency"], f"{label}: 'currency'", line_of("currency"))
        if code is not None and implied is not None and code != implied:
            self.problem(line_of("currency"), f"{label}: currency {code} but {symbol} trades in {implied}: write "
                                              f"its price and fees in {implied}")
            return None
        return code

    def _fx(self, table: dict, label: str, currency: str | None, line_of) -> Decimal | None:
        if "fx" not in table:
            return None
        fx = self._number(table["fx"], f"{label}: 'fx'", line_of("fx"), sign="+")
        if fx is not None and currency == self.base and fx != ONE:
            self.problem(line_of("fx"), f"{label}: 'fx' of a trade in the base currency ({self.base}) is 1: leave "
                                        "it out")
            return None
        return fx

    # -- the document ---------------------------------------------------------------------------------
    def run(self) -> Book | None:
        doc = self.doc
        self._unknown_keys(doc, TOP_KEYS, "at the top level", self.at.top)
        title = None
        if "title" not in doc:
            self.problem(1 if self.at.lines else None, "missing required key 'title' at the top level")
        else:
            title = self._text(doc["title"], "'title'", self.at.top("title"))
        description = ""
        if "description" in doc:
            description = self._text(doc["description"], "'description'", self.at.top("description"),
                                     allow_empty=True) or ""
        if "base_currency" in doc:
            base = self._currency(doc["base_currency"], "'base_currency'", self.at.top("base_currency"))
            self.base = base or self.base
        lots = self._lots()
        closes = self._closes(lots)
        cash = self._cash()
        dividends = self._dividends(lots)
        book = Book(name=self.name, title=title or "", base_currency=self.base, lots=tuple(lots),
                    closes=tuple(closes), cash=tuple(cash), dividends=tuple(dividends), description=description,
                    path=self.path, demo=self.demo)
        # closes are matched over the rows that read well, leaving out the listings with a broken row
        sound = replace(book, closes=tuple(c for c in closes if c.symbol not in self.broken))
        for line, message in build_ledger(sound, self.actions).problems:
            self.problem(line, message)
        return None if self.problems or title is None else book

    def _trade(self, kind: str, i: int, table: dict, keys, *, quantity_sign: str):
        """The fields a lot and a close share, each read and checked (problems recorded, None where unreadable):
        (line_of, symbol, label, date, quantity, price, fees, currency)."""
        n = i + 1

        def line_of(key: str | None = None) -> int | None:
            return self.at.item(kind, i, key)

        self._unknown_keys(table, keys, f"in {kind} {n}", line_of)
        for key in ("symbol", "date", "quantity", "price"):
            if key not in table:
                self.problem(line_of(), f"{kind} {n}: missing required key {key!r}")
        symbol = self._symbol(table["symbol"], f"{kind} {n}", line_of) if "symbol" in table else None
        label = f"{kind} {n} ({symbol})" if symbol else f"{kind} {n}"
        date = self._date(table["date"], f"{label}: 'date'", line_of("date")) if "date" in table else None
        quantity = (self._number(table["quantity"], f"{label}: 'quantity'", line_of("quantity"), sign=quantity_sign)
                    if "quantity" in table else None)
        price = (self._number(table["price"], f"{label}: 'price'", line_of("price"), sign="+")
                 if "price" in table else None)
        fees = (self._number(table["fees"], f"{label}: 'fees'", line_of("fees"), sign="0+")
                if "fees" in table else Decimal(0))
        currency = self._trade_currency(table, label, symbol, line_of)
        return line_of, symbol, label, date, quantity, price, fees, currency

    def _lots(self) -> list[Lot]:
        out: list[Lot] = []
        ids: dict[str, int] = {}
        currencies: dict[str, str] = {}
        for i, table in self._tables("lot"):
            n = i + 1
            before = len(self.problems)
            line_of, symbol, label, date, quantity, price, fees, currency = self._trade(
                "lot", i, table, LOT_KEYS, quantity_sign="!0")
            fx = self._fx(table, label, currency, line_of)
            lot_id = f"#{n}"
            if isinstance(table.get("id"), str):
                self.ids_written.add(clean_name(table["id"]))
            if "id" in table:
                given = self._text(table["id"], f"{label}: 'id'", line_of("id"))
                if given is not None:
                    if given.startswith("#"):
                        self.problem(line_of("id"), f"{label}: ids starting with # are aiwatch's own (#{n} is "
                                                    "this lot's): choose another")
                    elif given in ids:
                        self.problem(line_of("id"), f"{label}: duplicate id {given!r} (lot {ids[given]} has it)")
                    else:
                        ids[given] = n
                        lot_id = given
            pair = self._text(table["pair"], f"{label}: 'pair'", line_of("pair")) if "pair" in table else ""
            note = self._text(table["note"], f"{label}: 'note'", line_of("note"), allow_empty=True) \
                if "note" in table else ""
            if symbol and currency:
                earlier = currencies.setdefault(symbol, currency)
                if earlier != currency:
                    self.problem(line_of("currency"), f"{label}: {symbol} is in {earlier} in an earlier lot: one "
                                                      "listing trades in one currency")
            if len(self.problems) > before or None in (symbol, date, quantity, price, fees, currency):
                self.broken.add(_symbol_of(table))
                continue
            out.append(Lot(symbol=symbol, date=date, quantity=quantity, price=price, currency=currency, fees=fees,
                           fx=fx, id=lot_id, pair=pair or "", note=note or "", line=line_of(), index=i))
        return out

    def _closes(self, lots: list[Lot]) -> list[Close]:
        out: list[Close] = []
        lot_currency = {lot.symbol: lot.currency for lot in lots}
        lot_ids = {lot.id: lot for lot in lots}
        for i, table in self._tables("close"):
            before = len(self.problems)
            line_of, symbol, label, date, quantity, price, fees, currency = self._trade(
                "close", i, table, CLOSE_KEYS, quantity_sign="+")
            if symbol and currency and symbol in lot_currency and lot_currency[symbol] != currency:
                self.problem(line_of("currency"), f"{label}: its lots of {symbol} are in {lot_currency[symbol]}")
                currency = None
            fx = self._fx(table, label, currency, line_of)
            lot_id = ""
            if "lot" in table:
                lot_id = self._text(table["lot"], f"{label}: 'lot'", line_of("lot")) or ""
                if lot_id and lot_id not in lot_ids and lot_id not in self.ids_written:
                    self.problem(line_of("lot"), f"{label}: no lot with id {lot_id!r}"
                                                 f"{did_you_mean(lot_id, lot_ids)}")
            note = self._text(table["note"], f"{label}: 'note'", line_of("note"), allow_empty=True) \
                if "note" in table else ""
            if symbol and symbol not in lot_currency and len(self.problems) == before:
                self.problem(line_of("symbol"), f"{label}: the book has no lot of {symbol} to close")
            if len(self.problems) > before or None in (symbol, date, quantity, price, fees, currency):
                self.broken.add(_symbol_of(table))
                continue
            out.append(Close(symbol=symbol, date=date, quantity=quantity, price=price, currency=currency, fees=fees,
                             fx=fx, lot=lot_id, note=note or "", line=line_of("quantity"), index=i))
        return out

    def _cash(self) -> list[Cash]:
        out: list[Cash] = []
        for i, table in self._tables("cash"):
            n = i + 1

            def line_of(key: str | None = None, i: int = i) -> int | None:
                return self.at.item("cash", i, key)

            before = len(self.problems)
            self._unknown_keys(table, CASH_KEYS, f"in cash {n}", line_of)
            for key in ("currency", "amount"):
                if key not in table:
                    self.problem(line_of(), f"cash {n}: missing required key {key!r}")
            currency = self._currency(table["currency"], f"cash {n}: 'currency'", line_of("currency")) \
                if "currency" in table else None
            amount = self._number(table["amount"], f"cash {n}: 'amount'", line_of("amount")) \
                if "amount" in table else None
            date = self._date(table["date"], f"cash {n}: 'date'", line_of("date")) if "date" in table else None
            note = self._text(table["note"], f"cash {n}: 'note'", line_of("note"), allow_empty=True) \
                if "note" in table else ""
            if len(self.problems) > before or currency is None or amount is None:
                continue
            out.append(Cash(currency=currency, amount=amount, date=date, note=note or "", line=line_of()))
        return out

    def _dividends(self, lots: list[Lot]) -> list[Dividend]:
        out: list[Dividend] = []
        for i, table in self._tables("dividend"):
            n = i + 1

            def line_of(key: str | None = None, i: int = i) -> int | None:
                return self.at.item("dividend", i, key)

            before = len(self.problems)
            self._unknown_keys(table, DIVIDEND_KEYS, f"in dividend {n}", line_of)
            for key in ("symbol", "date", "amount"):
                if key not in table:
                    self.problem(line_of(), f"dividend {n}: missing required key {key!r}")
            symbol = self._symbol(table["symbol"], f"dividend {n}", line_of) if "symbol" in table else None
            label = f"dividend {n} ({symbol})" if symbol else f"dividend {n}"
            date = self._date(table["date"], f"{label}: 'date'", line_of("date")) if "date" in table else None
            amount = self._number(table["amount"], f"{label}: 'amount'", line_of("amount"), sign="!0") \
                if "amount" in table else None
            if "currency" in table:  # a dividend may be paid in another currency than the price (HK: often HKD)
                currency = self._currency(table["currency"], f"{label}: 'currency'", line_of("currency"))
            else:
                currency = listing_currency(symbol) if symbol else None
                if symbol and currency is None:
                    self.problem(line_of(), f"{label}: set currency: aiwatch cannot tell it from the symbol")
            fx = self._fx(table, label, currency, line_of)
            note = self._text(table["note"], f"{label}: 'note'", line_of("note"), allow_empty=True) \
                if "note" in table else ""
            if len(self.problems) > before or None in (symbol, date, amount, currency):
                continue
            out.append(Dividend(symbol=symbol, date=date, amount=amount, currency=currency, fx=fx, note=note or "",
                                line=line_of()))
        return out


def load_file(path: Path | str, *, name: str | None = None, demo: bool = False, actions: Actions | None = None,
              today: dt.date | None = None) -> tuple[Book | None, list[Problem]]:
    """Load one portfolio file. Never raises: anything wrong comes back as problems (and no book).

    `today`: dates after it are problems (None: not checked, as for the demo book on a pinned clock)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None, [Problem(path, None, "no such file")]
    except IsADirectoryError:
        return None, [Problem(path, None, "is a directory, not a portfolio file")]
    except OSError as err:
        return None, [Problem(path, None, f"cannot read: {err.strerror or err}")]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        return None, [Problem(path, data[: err.start].count(b"\n") + 1, "not UTF-8 text")]
    try:
        doc = tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as err:
        line = decode_error_line(err)
        source = text.splitlines()[line - 1] if line and line <= len(text.splitlines()) else ""
        message = _bad_date(source) or "bad TOML: " + (re.sub(r"\s*\(at line \d+, column \d+\)", "", str(err))
                                                       or "invalid TOML")
        return None, [Problem(path, line, clean_message(message))]
    except RecursionError:
        return None, [Problem(path, None, "bad TOML: nested too deeply")]
    try:
        check = _BookCheck(path, text, doc, name=name or path.stem, demo=demo,
                           actions=actions if actions is not None else load_actions(), today=today)
        book = check.run()
    except Exception:  # a bug here must not stop the other books loading
        log.exception("checking %s failed", path)
        return None, [Problem(path, None, "internal error while checking this file (see the log)")]
    return book, sorted(check.problems, key=lambda p: p.line or 0)


def _files(directory: Path) -> list[Path]:
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.glob("*.toml") if not p.name.startswith(".") and p.is_file())


def load_all(user_dir: Path | None = None, *, demo: bool = False, today: dt.date | None = None) -> BooksResult:
    """The user's books (and, with `demo`, the shipped demo book first; a user's `demo.toml` replaces it).

    `today` defaults to today's date in Tokyo (`latest_today`): a user's trade dated later is a problem."""
    user_dir = user_portfolios_dir() if user_dir is None else Path(user_dir)
    today = latest_today() if today is None else today
    result = BooksResult()
    loaded: dict[str, Book] = {}
    if demo:
        book, problems = load_file(demo_book_path(), name=DEMO_NAME, demo=True)
        result.problems += problems
        if book is not None:
            loaded[DEMO_NAME] = book
    for path in _files(user_dir):
        book, problems = load_file(path, today=today)
        result.problems += problems
        if book is not None:
            loaded[book.name] = book
    if DEMO_NAME in loaded:
        result.books[DEMO_NAME] = loaded.pop(DEMO_NAME)
    for name in sorted(loaded):
        result.books[name] = loaded[name]
    log.debug("loaded %d portfolios, %d problems", len(result.books), len(result.problems))
    return result


# -- check ---------------------------------------------------------------------------------------------------


def looks_like_portfolio(path: Path) -> bool:
    """Whether `aiwatch check PATH` should check `path` as a portfolio: it is in a `portfolios` folder, or its
    TOML has a book's tables ([[lot]], [[close]], [[cash]], [[dividend]]) or base_currency."""
    path = Path(path)
    if path.is_dir():
        return path.name == "portfolios"
    if path.parent.name == "portfolios":
        return True
    try:
        head = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return re.search(r"^\s*(\[\[\s*(lot|close|cash|dividend)\s*\]\]|base_currency\s*=)", head, re.MULTILINE) is not None


def _mode_note(path: Path) -> str | None:
    try:
        mode = path.stat().st_mode & 0o777
    except OSError:
        return None
    if mode & 0o077:
        return f"note: {path}: readable by other users (mode {mode:o}); `chmod 600 {path}` keeps your book to you"
    return None


def run_check(paths: list[str] | None, out: TextIO | None = None, *, today: dt.date | None = None) -> int:
    """Check portfolio files (none given: every book in the user's portfolios folder, and the demo book).
    Prints each problem as `path:line: problem`, an ok line per good file; returns 1 if there is any problem."""
    out = sys.stdout if out is None else out
    today = latest_today() if today is None else today
    files: list[tuple[Path, bool]] = []
    problems: list[Problem] = []
    if not paths:
        files = [(demo_book_path(), True)] + [(p, False) for p in _files(user_portfolios_dir())]
    else:
        for target in map(Path, paths):
            if target.is_dir():
                found = _files(target)
                if not found:
                    problems.append(Problem(target, None, "no portfolio files (*.toml) in this folder"))
                files += [(p, False) for p in found]
            elif not target.exists():
                problems.append(Problem(target, None, "no such file"))
            else:
                files.append((target, target.resolve() == demo_book_path().resolve()))
    for path, is_demo in files:
        problems += load_file(path, demo=is_demo, today=None if is_demo else today)[1]
    troubled = {p.path for p in problems}
    for problem in problems:
        print(problem, file=out)
    for path, is_demo in files:
        if path not in troubled:
            print(f"ok: {path}", file=out)
        note = None if is_demo else _mode_note(path)
        if note:
            print(note, file=out)
    good = sum(1 for path, _ in files if path not in troubled)
    if problems:
        print(f"{len(problems)} problem{'s' * (len(problems) != 1)}; {good} of {len(files)} portfolios ok", file=out)
        return 1
    print(f"ok: {good} portfolio{'s' * (good != 1)}", file=out)
    return 0
