"""Portfolio files as users write them: every problem names the file, the line and what is wrong; a broken book
does not stop the others loading; `aiwatch check` checks books beside watchlists and exits 1 on any problem."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from portfolio_support import HAND_BOOK, write_book

from tui.portfolio.actions import load_actions
from tui.portfolio.loader import DEMO_NAME, load_all, load_file, looks_like_portfolio

ROOT = Path(__file__).resolve().parents[1]
TODAY = dt.date(2026, 11, 24)


def problems_of(tmp_path: Path, text: str) -> list[str]:
    book, problems = load_file(write_book(tmp_path, text, "broken"), today=TODAY)
    assert book is None
    return [str(p) for p in problems]


def lot(**fields) -> str:
    body = {"symbol": '"NVDA"', "date": "2025-01-02", "quantity": "10", "price": "100", **fields}
    return "[[lot]]\n" + "".join(f"{k} = {v}\n" for k, v in body.items() if v is not None)


def test_portfolio_file_bad_date_is_named_with_its_line(tmp_path):
    path = tmp_path / "broken.toml"
    (got,) = problems_of(tmp_path, 'title = "t"\n' + lot(date="2025-13-01"))
    assert got == f"{path}:4: bad date 2025-13-01: month must be in 1..12"
    (got,) = problems_of(tmp_path, 'title = "t"\n' + lot(date='"2024-02-30"'))
    assert got.startswith(f"{path}:4: lot 1 (NVDA): 'date': bad date '2024-02-30'") and "day is out of range" in got
    (got,) = problems_of(tmp_path, 'title = "t"\n' + lot(date="2027-01-04"))
    assert got == f"{path}:4: lot 1 (NVDA): 'date': bad date 2027-01-04: it is in the future"


@pytest.mark.parametrize(("symbol", "why"), [
    ('"700.HK"', "Yahoo wants Hong Kong codes as four digits with leading zeros: write 0700.HK"),
    ('"600519.SH"', "Yahoo writes Shanghai as .SS: 600519.SS"),
    ('"nvda"', "must be upper case: NVDA"),
    ('"^GSPC"', "is an index, an FX rate or a future: a book holds shares"),
    ('"HKD=X"', "is an index, an FX rate or a future"),
])
def test_portfolio_file_unknown_symbol_format(tmp_path, symbol, why):
    (got,) = problems_of(tmp_path, 'title = "t"\n' + lot(symbol=symbol))
    assert got.startswith(f"{tmp_path / 'broken.toml'}:3: unknown symbol format: ") and why in got


def test_portfolio_file_close_larger_than_the_open_quantity(tmp_path):
    text = 'title = "t"\n' + lot(quantity="10") + lot(date="2025-02-03", quantity="5") + """\
[[close]]
symbol = "NVDA"
date = 2025-03-03
quantity = 16
price = 120
"""
    (got,) = problems_of(tmp_path, text)
    assert got == f"{tmp_path / 'broken.toml'}:15: close of 16 NVDA on 2025-03-03 is larger than the open quantity, 15"


def test_portfolio_file_close_of_a_split_lot_counts_todays_shares(tmp_path):
    # 10 shares bought before the 10-for-1 split are 100 today: a close of 100 is fine, of 101 is not
    text = 'title = "t"\n' + lot(date="2024-03-01") + """\
[[close]]
symbol = "NVDA"
date = 2024-07-01
quantity = 101
price = 120
"""
    (got,) = problems_of(tmp_path, text)
    assert "larger than the open quantity, 100 (in today's shares, after the NVDA 10-for-1 split from 2024-06-10)" \
        in got
    book, problems = load_file(write_book(tmp_path, text.replace("101", "100"), "fine"), today=TODAY)
    assert book is not None and not problems


def test_portfolio_file_closes_a_named_lot_and_reports_a_wrong_one(tmp_path):
    text = 'title = "t"\n' + lot(id='"first"') + lot(id='"second"', date="2025-02-03") + """\
[[close]]
symbol = "NVDA"
date = 2025-01-20
quantity = 5
price = 120
lot = "second"
"""
    (got,) = problems_of(tmp_path, text)
    assert got.endswith("close of 5 NVDA on 2025-01-20: lot 'second' was traded later, on 2025-02-03")
    (got,) = problems_of(tmp_path, text.replace('lot = "second"', 'lot = "secnd"'))
    assert "no lot with id 'secnd' (did you mean 'second'?)" in got


def test_portfolio_file_every_problem_of_a_file_at_once(tmp_path):
    text = """\
title = "t"
base_currency = "EURO"
colour = "red"
[[lot]]
symbol = "0700.HK"
date = 2025-01-02
quantity = 0
price = -1
currency = "USD"
fees = "a lot"
[[cash]]
currency = "HKD"
"""
    got = problems_of(tmp_path, text)
    path = tmp_path / "broken.toml"
    assert f"{path}:2: 'base_currency': unknown currency 'EURO' (known: USD, HKD, CNY, JPY, EUR, GBP, TWD) " \
           "(did you mean 'EUR'?)" in got
    assert f"{path}:3: unknown key 'colour' at the top level" in got
    assert f"{path}:7: lot 1 (0700.HK): 'quantity' must not be 0" in got
    assert f"{path}:8: lot 1 (0700.HK): 'price' must be more than 0, not -1" in got
    assert f"{path}:9: lot 1 (0700.HK): currency USD but 0700.HK trades in HKD: write its price and fees in HKD" \
        in got
    assert f"{path}:10: lot 1 (0700.HK): 'fees' must be a number, not 'a lot'" in got
    assert f"{path}:11: cash 1: missing required key 'amount'" in got
    assert [int(p.split(":")[1]) for p in got] == sorted(int(p.split(":")[1]) for p in got)


def test_portfolio_file_numbers_are_exact_decimals_and_text_is_sanitized(tmp_path):
    text = """\
title = "Mine \\u001b]0;pwned\\u0007 \\u202eevil"
[[lot]]
symbol = "0700.HK"
date = 2025-01-02
quantity = 100
price = 0.1
fees = 0.2
fx = 7.8
note = "bought \\u001b[2J on a dip"
"""
    book, problems = load_file(write_book(tmp_path, text), today=TODAY)
    assert not problems
    assert book.title == "Mine  evil"
    assert book.lots[0].note == "bought  on a dip"
    (only,) = book.lots
    assert only.price == Decimal("0.1") and only.fees == Decimal("0.2") and only.fx == Decimal("7.8")
    assert only.price + only.fees == Decimal("0.3")  # exact, as written (never 0.30000000000000004)


def test_portfolio_a_broken_book_leaves_the_others_loaded(tmp_path):
    folder = tmp_path / "portfolios"
    write_book(folder, HAND_BOOK, "good")
    write_book(folder, 'title = "bad"\n' + lot(date="2025-13-01"), "bad")
    write_book(folder, "not = [toml", "garbage")
    result = load_all(folder, today=TODAY)
    assert list(result.books) == ["good"]
    assert {p.path.name for p in result.problems} == {"bad.toml", "garbage.toml"}
    assert all(p.line is not None for p in result.problems)


def test_portfolio_demo_book_loads_only_on_demo_and_is_marked(tmp_path):
    assert DEMO_NAME not in load_all(tmp_path, today=TODAY).books
    demo = load_all(tmp_path, demo=True, today=TODAY).books[DEMO_NAME]
    assert demo.demo and "DEMO" in demo.title
    # it exercises what the screen has to show: a short, a split lot, an unverified bonus issue, pairs, an ADR
    assert any(lot.quantity < 0 for lot in demo.lots)
    assert {lot.symbol for lot in demo.lots} >= {"NVDA", "1211.HK", "BABA", "9988.HK", "688981.SS"}
    assert {lot.pair for lot in demo.lots} - {""}


def test_portfolio_corporate_actions_are_dated_sourced_and_the_unconfirmed_marked():
    actions = list(load_actions())
    nvda = [a for a in actions if a.symbol == "NVDA"]
    assert [(a.shares_before, a.shares_after, a.effective.isoformat(), a.verified) for a in nvda] == \
        [(1, 10, "2024-06-10", True)]
    byd = {a.symbol: a for a in actions if a.company == "byd"}
    assert byd["1211.HK"].shares_after == 3 and not byd["1211.HK"].verified
    assert all(a.source.strip() for a in actions)


def test_portfolio_looks_like_portfolio_by_folder_or_tables(tmp_path):
    assert looks_like_portfolio(write_book(tmp_path / "portfolios", 'title = "x"', "a"))
    assert looks_like_portfolio(write_book(tmp_path, HAND_BOOK, "b"))
    assert not looks_like_portfolio(ROOT / "watchlists" / "ai-rivals.toml")


def run_aiwatch(*args: str, config: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "AIWATCH_CONFIG_DIR": str(config), "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "tui", *args], env=env, capture_output=True, text=True,
                          timeout=120, cwd=config.parent, check=False)


def test_portfolio_aiwatch_check_names_file_line_and_problem(tmp_path):
    config = tmp_path / "config"
    write_book(config / "portfolios", HAND_BOOK, "good")
    bad = write_book(config / "portfolios", 'title = "t"\n' + lot(symbol='"700.HK"') + lot(date="2025-13-01"),
                     "bad")
    os.chmod(bad, 0o600)
    run = run_aiwatch("check", config=config)
    assert run.returncode == 1, run.stdout + run.stderr
    lines = run.stdout.splitlines()
    assert f"{bad}:9: bad date 2025-13-01: month must be in 1..12" in lines  # the TOML parser stops there
    assert f"ok: {config / 'portfolios' / 'good.toml'}" in lines
    assert any(line.startswith("ok: ") and line.endswith("ai-rivals.toml") for line in lines)  # watchlists too
    bad_only = run_aiwatch("check", str(bad), config=config)
    assert bad_only.returncode == 1 and f"{bad}:9: bad date" in bad_only.stdout
    fixed = write_book(config / "portfolios", 'title = "t"\n' + lot(symbol='"700.HK"'), "bad")
    run = run_aiwatch("check", str(fixed), config=config)
    assert run.returncode == 1
    assert f"{fixed}:3: unknown symbol format: symbol '700.HK': Yahoo wants Hong Kong codes as four digits" \
        in run.stdout
    # a book readable by others is pointed out: a note, not a problem
    good = config / "portfolios" / "good.toml"
    os.chmod(good, 0o644)
    run = run_aiwatch("check", str(good), config=config)
    assert run.returncode == 0 and "readable by other users (mode 644)" in run.stdout
    os.chmod(good, 0o600)
    run = run_aiwatch("check", str(good), config=config)
    assert run.returncode == 0 and run.stdout.strip().splitlines() == [f"ok: {good}", "ok: 1 portfolio"]


# -- one listing, one side at a time ------------------------------------------------------------------------

SHORT_AGAINST_LONG = 'title = "t"\n' + lot(quantity="100", price="150", date="2025-01-06") \
    + lot(quantity="-50", price="160", date="2025-02-03")


def test_portfolio_file_short_sale_against_shares_held_asks_for_a_close(tmp_path):
    # never netted into "NVDA 50 at an average cost of 140", a price nobody traded at
    (got,) = problems_of(tmp_path, SHORT_AGAINST_LONG)
    assert got == (f"{tmp_path / 'broken.toml'}:7: lot 2 (NVDA) on 2025-02-03: a short sale of 50 while 100 NVDA "
                   "are held long: one listing is held on one side at a time and a sale of shares held is a "
                   "[[close]]: write it as a [[close]] of 50 dated 2025-02-03 (first in, first out, or name the lot)")


def test_portfolio_file_a_lot_larger_than_the_position_asks_for_a_close_and_a_lot_of_the_rest(tmp_path):
    text = 'title = "t"\n' + lot(quantity="-100", price="150") + lot(quantity="150", price="140", date="2025-02-03")
    (got,) = problems_of(tmp_path, text)
    assert got.endswith("lot 2 (NVDA) on 2025-02-03: a purchase of 150 while 100 NVDA are sold short: one listing "
                        "is held on one side at a time and a purchase covering a short is a [[close]]: write a "
                        "[[close]] of 100 and a [[lot]] of quantity = 50 for the rest, both dated 2025-02-03")


def test_portfolio_file_both_sides_counted_in_todays_shares(tmp_path):
    # 10 bought before NVIDIA's 10-for-1 split are 100 long today: a short sale of 30 after it is against them
    text = 'title = "t"\n' + lot(date="2024-03-01", quantity="10", price="800") \
        + lot(date="2024-07-01", quantity="-30", price="120")
    (got,) = problems_of(tmp_path, text)
    assert "a short sale of 30 while 100 NVDA are held long" in got


def test_portfolio_file_a_flip_written_as_a_close_and_a_lot_loads(tmp_path):
    # the sale of 150 against 100 held, as the file format wants it: a close of the 100 (no lot named: it takes
    # the side held before that day) and a short lot of the 50 left, on one date; and a short opened after a
    # long was closed out
    text = 'title = "t"\n' + lot(quantity="100", price="150", date="2025-01-06") + """\
[[close]]
symbol = "NVDA"
date = 2025-02-03
quantity = 100
price = 160
""" + lot(quantity="-50", price="160", date="2025-02-03")
    book, problems = load_file(write_book(tmp_path, text, "flip"), today=TODAY)
    assert book is not None and not problems, problems
    # a short sold and covered the same day while a long is held is a day trade of its own: allowed
    text = SHORT_AGAINST_LONG + """\
[[close]]
symbol = "NVDA"
date = 2025-02-03
quantity = 50
price = 158
lot = "#2"
"""
    book, problems = load_file(write_book(tmp_path, text, "day-trade"), today=TODAY)
    assert book is not None and not problems, problems


def test_portfolio_aiwatch_check_refuses_a_short_lot_against_a_long(tmp_path):
    config = tmp_path / "config"
    bad = write_book(config / "portfolios", SHORT_AGAINST_LONG, "netted")
    os.chmod(bad, 0o600)
    run = run_aiwatch("check", str(bad), config=config)
    assert run.returncode == 1, run.stdout + run.stderr
    assert f"{bad}:7: lot 2 (NVDA) on 2025-02-03: a short sale of 50 while 100 NVDA are held long" in run.stdout
    assert "write it as a [[close]] of 50 dated 2025-02-03" in run.stdout
