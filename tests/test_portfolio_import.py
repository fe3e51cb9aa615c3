"""`aiwatch portfolio import`: a broker's CSV export becomes a portfolio file that loads, every unreadable row is
reported with its line, and nothing is overwritten."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from tui.portfolio.actions import load_actions
from tui.portfolio.importer import ImportFailed, import_file, yahoo_symbol
from tui.portfolio.ledger import build_ledger
from tui.portfolio.loader import load_file

ROOT = Path(__file__).resolve().parents[1]

GENERIC = """\
Date,Symbol,Action,Quantity,Price,Commission,Currency,Note
2025-01-06,NVDA,buy,100,140.10,1.00,USD,first buy
2025-02-03,700.HK,buy,200,400,50,HKD,
2025-03-03,NVDA,sell,40,150,1,USD,
2025-03-04,TSLA,short,50,300,2,USD,
2025-03-05,TSLA,cover,20,280,1,USD,
2025-13-01,AAPL,buy,1,100,0,USD,bad date
2025-03-06,AAPL,buy,ten,100,0,USD,not a number
2025-03-07,AAPL,buy,1,100,0,USD,too,many,fields
2025-03-08,,buy,1,100,0,USD,no symbol
2025-03-09,NVDA,sell,80,160,2,USD,more than held: 60 sold and 20 sold short

2025-03-10,9988.HK,buy,100,120.5,10,HKD,after a blank line
"""

IBKR = """\
Statement,Header,Field Name,Field Value
Statement,Data,BrokerName,Interactive Brokers
Account Information,Header,Field Name,Field Value
Account Information,Data,Base Currency,USD
Trades,Header,DataDiscriminator,Asset Category,Currency,Symbol,Date/Time,Quantity,T. Price,C. Price,Proceeds,\
Comm/Fee,Basis,Realized P/L,MTM P/L,Code
Trades,Data,Order,Stocks,USD,NVDA,"2025-01-06, 09:35:00",100,140.10,140.2,-14010,-1,14011,0,0,O
Trades,Data,Order,Stocks,HKD,700,"2025-02-03, 10:01:00",200,400,401,-80000,-50,80050,0,0,O
Trades,Data,Order,Stocks,USD,NVDA,"2025-05-01, 11:00:00",-40,110,110,4400,-1,-5604.4,0,0,C
Trades,Data,Order,Stocks,USD,TSLA,"2025-04-01, 10:00:00",-50,300,300,15000,-2,-14998,0,0,O
Trades,Data,Order,Stocks,USD,AAPL,"2025-04-02, 10:00:00",-10,200,200,2000,-1,-1999,0,0,C
Trades,SubTotal,,Stocks,USD,NVDA,,60,,,,,,,,
Trades,Data,Order,Forex,USD,USD.HKD,"2025-02-03, 10:00:00",10000,7.8,7.8,-78000,0,0,0,0,
Trades,Data,Order,Stocks,CNH,600519,"2025-03-03, 10:00:00",100,1500,1500,-150000,-30,150030,0,0,O
Trades,Data,Order,Stocks,USD,BRK B,"2025-03-04, 10:00:00",2,480,480,-960,-1,961,0,0,O
Trades,Data,Order,Stocks,USD,NVDA,"not a date",1,1,1,-1,0,1,0,0,O
Trades,Total,,,USD,,,,,,,,,,,
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_portfolio_import_generic_csv(tmp_path):
    source = write(tmp_path, "My Broker 2025.csv", GENERIC)
    target, result = import_file(source, "generic", out_dir=tmp_path / "portfolios")
    assert target == tmp_path / "portfolios" / "my-broker-2025.toml"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600  # a book is its owner's alone
    # each row that could not be read, by its line in the CSV (the header is line 1)
    assert result.problems == [
        f"{source}:7: date '2025-13-01': month must be in 1..12",
        f"{source}:8: quantity 'ten' is not a number",
        f"{source}:9: more fields than the header has",
        f"{source}:10: symbol is empty",
    ]
    book, problems = load_file(target)
    assert not problems
    lots = [(t.symbol, t.date.isoformat(), t.quantity, t.price, t.fees) for t in book.lots]
    assert lots == [
        ("NVDA", "2025-01-06", 100, Decimal("140.10"), Decimal("1.00")),
        ("0700.HK", "2025-02-03", 200, 400, 50),  # Hong Kong's code padded to Yahoo's four digits
        ("TSLA", "2025-03-04", -50, 300, 2),  # "short": a short sale
        ("NVDA", "2025-03-09", -20, 160, Decimal("0.5")),  # the 20 sold beyond the 60 held, with 20/80 of the fee
        ("9988.HK", "2025-03-10", 100, Decimal("120.5"), 10),
    ]
    closes = [(c.symbol, c.date.isoformat(), c.quantity, c.price, c.fees) for c in book.closes]
    assert closes == [("NVDA", "2025-03-03", 40, 150, 1), ("TSLA", "2025-03-05", 20, 280, 1),
                      ("NVDA", "2025-03-09", 60, 160, Decimal("1.5"))]
    # each close names the lot it closes: the sale of 80 closes NVDA-1 and opens NVDA-2 short on the same day
    assert [c.lot for c in book.closes] == ["NVDA-1", "TSLA-1", "NVDA-1"]
    assert [t.id for t in book.lots if t.symbol == "NVDA"] == ["NVDA-1", "NVDA-2"]
    assert book.lots[0].note == "first buy"
    ledger = build_ledger(book, load_actions())
    assert not ledger.problems
    assert {h.lot.symbol: h.open for h in ledger.held if h.open} == {"0700.HK": 200, "TSLA": -30, "NVDA": -20,
                                                                    "9988.HK": 100}


def test_portfolio_import_interactive_brokers_statement(tmp_path):
    source = write(tmp_path, "U1234567_2025.csv", IBKR)
    target, result = import_file(source, "ibkr", "ib", out_dir=tmp_path / "portfolios")
    assert result.problems == [
        (f"{source}:10: closes 10 AAPL but 0 are open from earlier rows: the lots it closes are not in this file "
        "(add them by hand)"),
        f"{source}:15: date 'not a date': write dates as YYYY-MM-DD (or YYYYMMDD)",
    ]
    assert result.skipped == 3  # the forex trade, the subtotal, the total: not share trades, not problems
    book, problems = load_file(target)
    assert not problems and book.base_currency == "USD"
    by_symbol = {t.symbol: t for t in book.lots}
    assert set(by_symbol) == {"NVDA", "0700.HK", "TSLA", "600519.SS", "BRK-B"}
    assert by_symbol["600519.SS"].currency == "CNY" and by_symbol["600519.SS"].fees == 30  # CNH: Stock Connect
    assert by_symbol["NVDA"].fees == 1  # IBKR's Comm/Fee is negative: a fee paid
    assert by_symbol["TSLA"].quantity == -50
    (close,) = book.closes
    assert (close.symbol, close.quantity, close.price, close.fees) == ("NVDA", 40, 110, 1)


def test_portfolio_import_refuses_what_it_cannot_do(tmp_path):
    folder = tmp_path / "portfolios"
    source = write(tmp_path, "t.csv", GENERIC)
    import_file(source, out_dir=folder)
    with pytest.raises(ImportFailed, match="exists already"):
        import_file(source, out_dir=folder)  # never overwrites a book
    with pytest.raises(ImportFailed, match="no symbol, quantity column"):
        import_file(write(tmp_path, "x.csv", "date,price\n2025-01-02,1\n"), out_dir=folder)
    with pytest.raises(ImportFailed, match="no Trades section"):
        import_file(source, "ibkr", "other", out_dir=folder)
    with pytest.raises(ImportFailed, match="lower case letters"):
        import_file(source, name="My Book", out_dir=folder)
    with pytest.raises(ImportFailed, match="no such file"):
        import_file(tmp_path / "missing.csv", name="m", out_dir=folder)


def test_portfolio_import_symbols_become_yahoo_symbols():
    assert yahoo_symbol("700", "HKD") == "0700.HK"
    assert yahoo_symbol("00700.HK") == "0700.HK"
    assert yahoo_symbol("600519", "CNH") == "600519.SS"
    assert yahoo_symbol("002594", "CNY") == "002594.SZ"
    assert yahoo_symbol("9984", "JPY") == "9984.T"
    assert yahoo_symbol("brk b", "USD") == "BRK-B"


def test_portfolio_import_command_line(tmp_path):
    env = {**os.environ, "AIWATCH_CONFIG_DIR": str(tmp_path / "config"), "PYTHONPATH": str(ROOT)}
    source = write(tmp_path, "trades.csv", GENERIC)

    def run(*args):
        return subprocess.run([sys.executable, "-m", "tui", "portfolio", "import", *args], env=env,
                              capture_output=True, text=True, timeout=120, check=False)

    first = run(str(source), "--name", "main")
    assert first.returncode == 1, first.stderr  # written, but four rows were not imported
    target = tmp_path / "config" / "portfolios" / "main.toml"
    assert first.stdout.strip() == f"wrote {target}: 5 lots, 3 closes from 11 trade rows; 4 not imported (above)"
    assert f"{source}:7: date '2025-13-01'" in first.stderr
    again = run(str(source), "--name", "main")
    assert again.returncode == 2 and "exists already" in again.stderr
    clean = write(tmp_path, "clean.csv", "\n".join(GENERIC.splitlines()[:6]) + "\n")
    ok = run(str(clean))
    assert ok.returncode == 0 and ok.stderr == ""
    check = subprocess.run([sys.executable, "-m", "tui", "check"], env=env, capture_output=True, text=True,
                           timeout=120, check=False)
    assert check.returncode == 0, check.stdout  # what the import writes, `aiwatch check` accepts
    assert f"ok: {target}" in check.stdout
