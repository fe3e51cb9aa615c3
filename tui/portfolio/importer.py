"""`aiwatch portfolio import FILE.csv [--format generic|ibkr] [--name NAME]`: a broker's trade export turned into
a portfolio file (`<config dir>/portfolios/<name>.toml`, mode 0600, written atomically and checked by the loader
before it replaces anything).

Formats (docs/portfolio.md has them in full):
- generic: one header row, then one trade a row. Columns (any case, any order): symbol, date, quantity, price;
  optional currency, fees (or commission), action (buy, sell, short, cover), fx, id, pair, note. Without an
  action a positive quantity buys and a negative one sells.
- ibkr: Interactive Brokers' Activity Statement as CSV: the "Trades" section's stock rows (Symbol, Date/Time,
  Quantity, T. Price, Comm/Fee, Currency, Code with O for opening and C for closing), its listing symbols
  turned into Yahoo's (700 in HKD is 0700.HK, 600519 in CNH is 600519.SS); the account's base currency from
  "Account Information".

Trades are taken in date order (file order within a date). A trade against an open position closes it (first in,
first out, as the loader reads it) and any rest opens a new lot the other way; an IBKR "C" trade that finds
fewer shares open than it closes is a row problem (the export began after those shares were bought). Every row
that cannot be read is reported as `file:line: problem` and left out; the others are imported. pandas is
imported here only, when a file is imported.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path

from tui.atomic import NotOverwritten, atomic_write_text
from tui.portfolio.ledger import qty_text
from tui.portfolio.loader import NAME_RE, load_file, user_portfolios_dir
from tui.portfolio.model import CURRENCIES, listing_currency
from tui.portfolio.money import MAX_DIGITS, MAX_MAGNITUDE, ZERO, exact
from tui.sanitize import clean_message, clean_name
from tui.watchlists import symbol_problem

FORMATS = ("generic", "ibkr")
_BAD_ROW = "\x00bad row"


class ImportFailed(ValueError):
    """The import cannot be done at all (nothing is written); the message says why."""


@dataclass(frozen=True, slots=True)
class Trade:
    symbol: str
    date: dt.date
    quantity: Decimal  # signed: + bought, - sold
    price: Decimal
    currency: str
    fees: Decimal  # >= 0
    line: int
    intent: str | None = None  # "open", "close", or None (decided by the position)
    fx: Decimal | None = None
    id: str = ""
    pair: str = ""
    note: str = ""


@dataclass(slots=True)
class Imported:
    lots: list[dict] = field(default_factory=list)
    closes: list[dict] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # "file:line: problem"
    skipped: int = 0  # rows that are not stock trades (subtotals, forex, options): not problems
    base_currency: str = "USD"
    rows: int = 0  # trade rows read


# -- values ------------------------------------------------------------------------------------------------


def _number(text: object, what: str) -> Decimal:
    raw = "" if text is None else str(text).strip()
    if raw in ("", "nan", "NaN"):
        raise ValueError(f"{what} is empty")
    cleaned = raw.replace(",", "") if re.fullmatch(r"[-+]?\d{1,3}(,\d{3})+(\.\d+)?", raw) else raw
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(f"{what} {raw!r} is not a number") from None
    if not value.is_finite() or abs(value) >= MAX_MAGNITUDE or len(value.as_tuple().digits) > MAX_DIGITS:
        raise ValueError(f"{what} {raw!r} is not a usable number")
    return value + 0


def _date(text: object) -> dt.date:
    raw = "" if text is None else str(text).strip()
    m = re.match(r"^(\d{4})-?(\d{2})-?(\d{2})(?:[ ,;T].*)?$", raw)
    if not m:
        raise ValueError(f"date {raw!r}: write dates as YYYY-MM-DD (or YYYYMMDD)")
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError as err:
        raise ValueError(f"date {raw!r}: {err}") from None


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return clean_name(str(value))


def yahoo_symbol(symbol: str, currency: str | None = None) -> str:
    """A Yahoo symbol from a broker's: Hong Kong codes padded to four digits, `BRK B` as `BRK-B`; with the
    currency, a bare HKD code gets .HK, a six-digit CNY (CNH) code .SS (6...) or .SZ (0... / 3...), a JPY code
    .T."""
    s = symbol.strip().upper().replace(" ", "-")
    m = re.fullmatch(r"0*(\d{1,4})\.HK", s)
    if m:
        return f"{int(m.group(1)):04d}.HK"
    if "." in s or currency is None:
        return s
    if currency == "HKD" and s.isdigit() and 0 < int(s) < 10000:
        return f"{int(s):04d}.HK"
    if currency in ("CNY", "CNH") and s.isdigit() and len(s) == 6:
        return f"{s}.SS" if s.startswith(("6", "9")) else f"{s}.SZ"
    if currency == "JPY" and len(s) == 4:
        return f"{s}.T"
    return s


def _currency(text: str, symbol: str) -> str:
    code = text.strip().upper()
    if code == "CNH":  # Stock Connect settles in offshore yuan; the A share is quoted in CNY on Yahoo
        code = "CNY"
    if not code:
        implied = listing_currency(symbol)
        if implied is None:
            raise ValueError(f"{symbol}: add a currency column (the symbol does not tell it)")
        return implied
    if code not in CURRENCIES:
        raise ValueError(f"unknown currency {text!r} (known: {', '.join(CURRENCIES)})")
    return code


def _symbol(text: str, currency: str | None = None) -> str:
    raw = _text(text)
    if not raw:
        raise ValueError("symbol is empty")
    symbol = yahoo_symbol(raw, currency)
    why = symbol_problem(symbol)
    if why:
        raise ValueError(why)
    if symbol.startswith("^") or symbol.endswith(("=X", "=F")):
        raise ValueError(f"{symbol} is not a stock listing")
    return symbol


# -- generic ---------------------------------------------------------------------------------------------

_ALIASES = {
    "symbol": ("symbol", "ticker", "instrument"),
    "date": ("date", "trade date", "tradedate", "trade_date"),
    "quantity": ("quantity", "qty", "shares", "units"),
    "price": ("price", "trade price", "tradeprice", "t. price"),
    "currency": ("currency", "ccy"),
    "fees": ("fees", "fee", "commission", "commissions", "comm/fee"),
    "action": ("action", "side", "type", "buy/sell"),
    "fx": ("fx",),
    "id": ("id",),
    "pair": ("pair",),
    "note": ("note", "notes", "description"),
}
_ACTIONS = {"buy": (1, "open?"), "b": (1, "open?"), "bot": (1, "open?"), "sell": (-1, "close?"), "s": (-1, "close?"),
            "sld": (-1, "close?"), "short": (-1, "open"), "sell short": (-1, "open"), "ss": (-1, "open"),
            "cover": (1, "close"), "buy to cover": (1, "close")}


def read_generic(path: Path, text: str) -> tuple[list[Trade], list[str], int]:
    import pandas as pd  # the one place pandas is needed: imported when a file is imported

    bad: list[list[str]] = []

    def on_bad_line(row: list[str]) -> list[str]:
        bad.append(row)
        return [_BAD_ROW]

    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, engine="python",
                            on_bad_lines=on_bad_line, skip_blank_lines=False, skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as err:
        raise ImportFailed(f"{path}: not a CSV file pandas can read: {clean_message(err)}") from None
    columns = {str(c).strip().lower(): c for c in frame.columns}
    found = {key: next((columns[a] for a in names if a in columns), None) for key, names in _ALIASES.items()}
    missing = [k for k in ("symbol", "date", "quantity", "price") if found[k] is None]
    if missing:
        raise ImportFailed(f"{path}:1: the header has no {', '.join(missing)} column (it has: "
                           f"{', '.join(map(str, frame.columns))})")
    trades: list[Trade] = []
    problems: list[str] = []
    rows = 0
    for i, record in enumerate(frame.to_dict("records")):
        line = i + 2  # the header is line 1 (a quoted field spanning lines would shift this)
        values = {k: (record.get(c) if c is not None else None) for k, c in found.items()}
        if all(_text(v) == "" for v in record.values()):
            continue  # a blank line
        rows += 1
        if record.get(frame.columns[0]) == _BAD_ROW:
            problems.append(f"{path}:{line}: more fields than the header has")
            continue
        try:
            trades.append(_generic_trade(values, line))
        except ValueError as err:
            problems.append(f"{path}:{line}: {clean_message(err)}")
    return trades, problems, rows


def _generic_trade(v: dict, line: int) -> Trade:
    quantity = _number(v["quantity"], "quantity")
    if quantity == 0:
        raise ValueError("quantity is 0")
    intent = None
    action = _text(v.get("action")).lower()
    if action:
        if action not in _ACTIONS:
            raise ValueError(f"action {action!r}: use buy, sell, short or cover")
        sign, kind = _ACTIONS[action]
        quantity = abs(quantity) * sign
        intent = {"open": "open", "close": "close"}.get(kind)
    currency_text = _text(v.get("currency"))
    symbol = _symbol(v["symbol"], currency_text.upper() or None)
    currency = _currency(currency_text, symbol)
    price = _number(v["price"], "price")
    if price <= 0:
        raise ValueError(f"price {price} must be more than 0")
    fees = abs(_number(v["fees"], "fees")) if _text(v.get("fees")) else ZERO
    fx = _number(v["fx"], "fx") if _text(v.get("fx")) else None
    if fx is not None and fx <= 0:
        raise ValueError("fx must be more than 0")
    return Trade(symbol, _date(v["date"]), quantity, price, currency, fees, line, intent, fx,
                 _text(v.get("id")), _text(v.get("pair")), _text(v.get("note")))


# -- Interactive Brokers ---------------------------------------------------------------------------------


def read_ibkr(path: Path, text: str) -> tuple[list[Trade], list[str], int, int, str | None]:
    """(trades, problems, trade rows, rows skipped as not stock trades, the account's base currency)."""
    import pandas as pd  # imported when a file is imported

    records: list[tuple[int, list[str]]] = []
    header: list[str] | None = None
    base = None
    reader = csv.reader(io.StringIO(text))
    frames = []
    skipped = 0
    for row in reader:
        line = reader.line_num
        if len(row) < 2:
            continue
        section, kind = row[0].strip(), row[1].strip()
        if section == "Account Information" and kind == "Data" and len(row) >= 4 and row[2].strip() == "Base Currency":
            base = row[3].strip().upper() or None
        if section != "Trades":
            continue
        if kind == "Header":
            if header is not None and records:
                frames.append((header, records))
            header, records = [c.strip() for c in row[2:]], []
        elif kind == "Data":
            if header is None:
                continue
            records.append((line, row[2:]))
        else:
            skipped += 1  # SubTotal, Total
    if header is not None and records:
        frames.append((header, records))
    if not frames:
        raise ImportFailed(f"{path}: no Trades section with a Header row: not an Interactive Brokers Activity "
                           "Statement CSV (use --format generic for a plain table)")
    trades: list[Trade] = []
    problems: list[str] = []
    rows = 0
    for head, recs in frames:
        frame = pd.DataFrame([r + [""] * (len(head) - len(r)) for _, r in recs], dtype=str)
        frame = frame.iloc[:, : len(head)]
        frame.columns = head
        frame["_line"] = [ln for ln, _ in recs]
        frame["_long"] = [len(r) > len(head) for _, r in recs]
        need = ["Symbol", "Date/Time", "Quantity", "T. Price", "Currency"]
        lacking = [c for c in need if c not in frame.columns]
        if lacking:
            raise ImportFailed(f"{path}:{recs[0][0]}: the Trades header has no {', '.join(lacking)} column")
        use_orders = "DataDiscriminator" in frame.columns and (frame["DataDiscriminator"] != "Execution").any()
        for rec in frame.to_dict("records"):
            line = rec["_line"]
            disc = _text(rec.get("DataDiscriminator"))
            if disc and disc not in ("Order", "Trade", "Execution"):
                skipped += 1  # ClosedLot and other detail rows
                continue
            if use_orders and disc == "Execution":
                skipped += 1  # the Order row above carries the trade
                continue
            category = _text(rec.get("Asset Category"))
            if category and category != "Stocks":
                skipped += 1  # forex, options, futures, bonds: not shares
                continue
            rows += 1
            if rec["_long"]:
                problems.append(f"{path}:{line}: more fields than the Trades header has")
                continue
            try:
                trades.append(_ibkr_trade(rec, line))
            except ValueError as err:
                problems.append(f"{path}:{line}: {clean_message(err)}")
    return trades, problems, rows, skipped, base


def _ibkr_trade(rec: dict, line: int) -> Trade:
    currency_text = _text(rec.get("Currency")).upper()
    symbol = _symbol(rec.get("Symbol", ""), currency_text or None)
    currency = _currency(currency_text, symbol)
    quantity = _number(rec.get("Quantity"), "Quantity")
    if quantity == 0:
        raise ValueError("Quantity is 0")
    price = _number(rec.get("T. Price"), "T. Price")
    if price <= 0:
        raise ValueError(f"T. Price {price} must be more than 0")
    fees = abs(_number(rec.get("Comm/Fee"), "Comm/Fee")) if _text(rec.get("Comm/Fee")) else ZERO
    codes = {c.strip().upper() for c in _text(rec.get("Code")).split(";") if c.strip()}
    intent = None
    if "O" in codes and "C" not in codes:
        intent = "open"
    elif "C" in codes and "O" not in codes:
        intent = "close"
    return Trade(symbol, _date(rec.get("Date/Time")), quantity, price, currency, fees, line, intent)


# -- trades to lots and closes -------------------------------------------------------------------------------


def to_book(trades: Iterable[Trade], path: Path) -> tuple[list[dict], list[dict], list[str]]:
    """Lots and closes (as TOML tables) from trades in date order, and the trades that could not be placed.

    Every lot gets an id and every close names the lot it closes (a close spanning several lots is written as one
    close a lot, its fee shared by quantity): a trade that closes a position and opens the other way on the same
    day leaves nothing for first in, first out to guess."""
    lots: list[dict] = []
    closes: list[dict] = []
    problems: list[str] = []
    open_lots: dict[str, list[list]] = {}  # symbol -> [[lot id, open quantity (signed)], ...], oldest first
    currency: dict[str, str] = {}
    ids: set[str] = set()
    for t in sorted(trades, key=lambda t: (t.date, t.line)):
        earlier = currency.setdefault(t.symbol, t.currency)
        if earlier != t.currency:
            problems.append(f"{path}:{t.line}: {t.symbol} in {t.currency}, but in {earlier} on earlier rows")
            continue
        queue = open_lots.setdefault(t.symbol, [])
        with exact():
            held = sum((q for _, q in queue), ZERO)
        opposite = held != 0 and (held > 0) != (t.quantity > 0)
        if t.intent == "open" and opposite:
            side = "long" if held > 0 else "short"
            problems.append(f"{path}:{t.line}: opens a {'short' if t.quantity < 0 else 'long'} lot of {t.symbol} "
                            f"while {qty_text(abs(held))} are held {side}: close those first")
            continue
        if t.intent == "close" and (not opposite or abs(t.quantity) > abs(held)):
            have = qty_text(abs(held)) if opposite else "0"
            problems.append(f"{path}:{t.line}: closes {qty_text(abs(t.quantity))} {t.symbol} but {have} are open "
                            "from earlier rows: the lots it closes are not in this file (add them by hand)")
            continue
        closing = min(abs(t.quantity), abs(held)) if opposite else ZERO
        opening = abs(t.quantity) - closing
        explicit = None if t.currency == listing_currency(t.symbol) else t.currency
        fees_left = t.fees
        left = closing
        while left > 0:
            entry = queue[0]
            take = min(abs(entry[1]), left)
            with exact():
                left -= take
                last = left == 0 and opening == 0
                fee = fees_left if last else _share(t.fees, take, abs(t.quantity))
                fees_left -= fee
                entry[1] += take if entry[1] < 0 else -take
            closes.append(_table(symbol=t.symbol, date=t.date, quantity=take, price=t.price, currency=explicit,
                                 fees=fee, fx=t.fx, lot=entry[0], note=t.note or f"row {t.line}"))
            if entry[1] == 0:
                queue.pop(0)
        if opening:
            sign = 1 if t.quantity > 0 else -1
            lot_id = t.id if t.id and t.id not in ids and not t.id.startswith("#") else _new_id(t.symbol, ids)
            ids.add(lot_id)
            lots.append(_table(id=lot_id, symbol=t.symbol, date=t.date, quantity=opening * sign, price=t.price,
                               currency=explicit, fees=fees_left, fx=t.fx, pair=t.pair or None,
                               note=t.note or f"row {t.line}"))
            queue.append([lot_id, opening * sign])
    return lots, closes, problems


def _share(fees: Decimal, part: Decimal, whole: Decimal) -> Decimal:
    with exact():
        return (fees * part / whole).quantize(Decimal("0.0001")) if part != whole else fees


def _new_id(symbol: str, taken: set[str]) -> str:
    n = 1
    while f"{symbol}-{n}" in taken:
        n += 1
    return f"{symbol}-{n}"


def _table(**values) -> dict:
    return {k: v for k, v in values.items() if v is not None and v != ""}


def _toml_value(v: object) -> str:
    if isinstance(v, Decimal):
        text = format(v.normalize() if v == v.to_integral_value() else v, "f")
        return text
    if isinstance(v, dt.date):
        return v.isoformat()
    return json.dumps(str(v), ensure_ascii=False)


def render_book(title: str, base: str, lots: list[dict], closes: list[dict], header: list[str]) -> str:
    out = [f"# {h}" for h in header]
    out += [f"title = {_toml_value(title)}", f"base_currency = {_toml_value(base)}", ""]
    for name, tables in (("lot", lots), ("close", closes)):
        for t in tables:
            out.append(f"[[{name}]]")
            out += [f"{k} = {_toml_value(v)}" for k, v in t.items()]
            out.append("")
    return "\n".join(out)


# -- the command ---------------------------------------------------------------------------------------------


def _count(n: int, what: str) -> str:
    return f"{n} {what}{'s' * (n != 1)}"


def _line_of(problem: str) -> int:
    m = re.search(r":(\d+): ", problem)
    return int(m.group(1)) if m else 0


def book_name(path: Path, name: str | None) -> str:
    if name is not None:
        if not NAME_RE.match(name):
            raise ImportFailed(f"--name {name!r}: a portfolio's name is lower case letters, digits, - or _ "
                               "(at most 40; it becomes the file's name)")
        return name
    slug = re.sub(r"[^a-z0-9_-]+", "-", path.stem.lower()).strip("-_")[:40] or "imported"
    return slug if NAME_RE.match(slug) else "imported"


def import_file(path: Path | str, fmt: str = "generic", name: str | None = None, *,
                out_dir: Path | None = None) -> tuple[Path, Imported]:
    """Read `path`, write `<out_dir>/<name>.toml` (out_dir: the user's portfolios folder). Raises ImportFailed
    when nothing can be written; row problems come back in `Imported.problems`."""
    path = Path(path)
    if fmt not in FORMATS:
        raise ImportFailed(f"unknown format {fmt!r}: use {' or '.join(FORMATS)}")
    name = book_name(path, name)
    out_dir = user_portfolios_dir() if out_dir is None else Path(out_dir)
    target = out_dir / f"{name}.toml"
    if target.exists():
        raise ImportFailed(f"{target} exists already: choose another --name, or move that file away first")
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise ImportFailed(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as err:
        raise ImportFailed(f"{path}: cannot read it: {clean_message(err)}") from None
    result = Imported()
    if fmt == "generic":
        trades, result.problems, result.rows = read_generic(path, text)
    else:
        trades, result.problems, result.rows, result.skipped, base = read_ibkr(path, text)
        if base:
            if base == "CNH":
                base = "CNY"
            if base in CURRENCIES:
                result.base_currency = base
    if not trades:
        raise ImportFailed(f"{path}: no trade could be read" + (
            "" if not result.problems else ":\n" + "\n".join(result.problems)))
    result.lots, result.closes, placed = to_book(trades, path)
    result.problems = sorted(result.problems + placed, key=_line_of)
    if not result.lots:
        raise ImportFailed(f"{path}: no lot to write (every trade closes shares bought before this file)")
    stamp = dt.date.today().isoformat()
    header = [f"Imported by `aiwatch portfolio import` from {clean_name(path.name)} ({fmt}) on {stamp}:",
              (f"{_count(len(result.lots), 'lot')} and {_count(len(result.closes), 'close')} from "
              f"{_count(result.rows, 'trade row')}.")]
    if result.problems:
        header.append(f"{len(result.problems)} rows were NOT imported (aiwatch printed why); add them by hand:")
        header += [f"  {clean_message(p)}" for p in result.problems]
    header.append("The format: docs/portfolio.md. Check this file with: aiwatch check " + str(target))
    title = f"Imported from {clean_name(path.name)}"
    text_out = render_book(title, result.base_currency, result.lots, result.closes, header)

    def must_load(tmp: Path) -> None:
        book, problems = load_file(tmp, name=name)
        if book is None:
            raise ImportFailed("the imported book does not check:\n" + "\n".join(
                str(replace(p, path=target)) for p in problems))

    out_dir.mkdir(parents=True, exist_ok=True, mode=0o700)  # a new folder is the user's alone
    try:  # a temp file from mkstemp (mode 0600), linked in only if no file took the name meanwhile
        atomic_write_text(target, text_out, check=must_load, expect=None)
    except NotOverwritten as exc:
        raise ImportFailed(f"{exc}: choose another --name, or move that file away first") from None
    return target, result
