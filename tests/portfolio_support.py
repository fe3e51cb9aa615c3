"""Builders shared by the portfolio tests (no tests here): the hand-computed book and the market it is valued in."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from tui.core.store import MarketStore
from tui.model import Quote, QuoteSource
from tui.portfolio.loader import load_file
from tui.portfolio.model import Book

# Tuesday 2026-11-24, 15:00 UTC: New York open (10:00); Hong Kong and Shanghai closed for the day (23:00)
NOW = dt.datetime(2026, 11, 24, 15, 0, tzinfo=dt.UTC).timestamp()
ASIA_CLOSE = dt.datetime(2026, 11, 24, 8, 0, tzinfo=dt.UTC).timestamp()  # 16:00 Hong Kong, the day's last price

# A book with lots in USD, HKD and CNY; a short; a lot from before NVIDIA's 10-for-1 split (2024-06-10); a close
# matched first in, first out across two lots; fees everywhere; cash in two currencies. The HKD lot's rate comes
# from the FX daily close of its date (7.80), the CNY lot's is written in the file (7.25); FX has moved since.
HAND_BOOK = """\
title = "Hand-computed book"

[[lot]]
symbol = "NVDA"
date = 2024-03-01          # before the split: 10 at 800 is 100 at 80 today
quantity = 10
price = 800
fees = 1

[[lot]]
id = "tencent"
symbol = "0700.HK"
date = 2025-02-03
quantity = 200
price = 400
fees = 50
pair = "Tencent vs Tesla"

[[lot]]
symbol = "688981.SS"
date = 2025-03-03
quantity = 1000
price = 90
fees = 27
fx = 7.25

[[lot]]
symbol = "TSLA"
date = 2025-04-01
quantity = -50             # a short sale
price = 300
fees = 2
pair = "Tencent vs Tesla"

[[lot]]
symbol = "NVDA"
date = 2025-01-10
quantity = 50
price = 140
fees = 1

[[close]]                  # first in, first out: the 100 split-adjusted shares, then 20 of the second lot
symbol = "NVDA"
date = 2025-05-01
quantity = 120
price = 110
fees = 2

[[cash]]
currency = "USD"
amount = 10000

[[cash]]
currency = "HKD"
amount = 78000
"""


def write_book(directory: Path, text: str, name: str = "hand") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def load_book(directory: Path, text: str, name: str = "hand") -> Book:
    book, problems = load_file(write_book(directory, text, name))
    assert book is not None and not problems, problems
    return book


def quote(symbol: str, price: float, previous_close: float | None, currency: str, time: float = NOW) -> Quote:
    return Quote(symbol=symbol, price=price, time=time, source=QuoteSource.REST, received=time, currency=currency,
                 previous_close=previous_close)


def hand_market() -> MarketStore:
    """NVDA 180 (previous close 175), TSLA 320 (330), Tencent HKD 500 (490), SMIC A CNY 100 (98);
    HKD=X 7.75 (previous close 7.76), CNY=X 7.10 (7.12)."""
    store = MarketStore()
    for q in (quote("NVDA", 180.0, 175.0, "USD"), quote("TSLA", 320.0, 330.0, "USD"),
              quote("0700.HK", 500.0, 490.0, "HKD", ASIA_CLOSE), quote("688981.SS", 100.0, 98.0, "CNY", ASIA_CLOSE),
              quote("HKD=X", 7.75, 7.76, "HKD"), quote("CNY=X", 7.10, 7.12, "CNY")):
        store.apply_quote(q)
    return store


def hand_fx_history():
    """The FX daily close the HKD lot's cost is converted at: HKD=X 7.80 on 2025-02-03."""
    from tui.portfolio.rates import FxHistory

    history = FxHistory()
    history.add("HKD", {dt.date(2025, 1, 31): Decimal("7.79"), dt.date(2025, 2, 3): Decimal("7.80")})
    return history
