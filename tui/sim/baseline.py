"""The simulator's dated fundamentals baseline (`tui/data/baseline.toml`), loaded into `Listing`s."""

from __future__ import annotations

import datetime as dt
import tomllib
import zlib
from dataclasses import dataclass
from pathlib import Path

from tui.core.sessions import Market, market_of
from tui.paths import data_dir

QUOTE_TYPES = ("EQUITY", "INDEX", "CURRENCY")


@dataclass(frozen=True, slots=True)
class Listing:
    """One simulated symbol: what Yahoo would describe, plus the simulator's model parameters."""

    symbol: str
    name: str
    long_name: str
    exchange: str
    quote_type: str
    currency: str
    company: str
    price: float  # at the anchor day's close, in `currency`
    market: Market
    stream_key: int  # stable hash of the symbol: seeds its random streams
    beta: float
    daily_vol: float
    ai: float
    region: str
    region_beta: float
    reversion: float
    avg_volume: float
    first_trade: dt.date
    listed: dt.date | None = None
    financial_currency: str | None = None
    shares: float | None = None
    revenue_ttm: float | None = None
    net_income_ttm: float | None = None
    ebitda: float | None = None
    debt: float | None = None
    cash: float | None = None  # Yahoo's totalCash: cash, equivalents and short-term investments
    quarter: dt.date | None = None  # the quarter end the TTM and balance-sheet figures are to; None: not known
    equity: float | None = None
    eps_forward: float | None = None
    dividend_rate: float = 0.0
    earnings: dt.date | None = None
    local_name: str | None = None  # as Tencent and Sina show it (Chinese), for Hong Kong and mainland listings

    @property
    def is_equity(self) -> bool:
        return self.quote_type == "EQUITY"


@dataclass(frozen=True, slots=True)
class Baseline:
    as_of: dt.date
    listings: dict[str, Listing]
    path: Path

    def fx_rate(self, currency: str) -> float:
        """Baseline units of `currency` per USD (1.0 for USD)."""
        if currency == "USD":
            return 1.0
        listing = self.listings.get(f"{currency}=X")
        if listing is None:
            raise KeyError(f"no baseline FX rate for {currency}")
        return listing.price

    def convert(self, amount: float, from_ccy: str, to_ccy: str) -> float:
        return amount / self.fx_rate(from_ccy) * self.fx_rate(to_ccy)


def stable_hash(text: str) -> int:
    return zlib.crc32(text.encode("utf-8"))


_REQUIRED = ("name", "long_name", "exchange", "quote_type", "currency", "company", "price", "beta", "daily_vol")
_EQUITY_REQUIRED = ("financial_currency", "shares", "revenue_ttm", "net_income_ttm", "ebitda", "debt", "cash",
                    "eps_forward")


def load_baseline(path: Path | None = None) -> Baseline:
    path = path or data_dir() / "baseline.toml"
    with open(path, "rb") as fh:
        doc = tomllib.load(fh)
    as_of = doc["as_of"]
    if not isinstance(as_of, dt.date):
        raise TypeError(f"{path}: as_of must be a date")
    listings: dict[str, Listing] = {}
    for symbol, row in doc.get("symbols", {}).items():
        missing = [k for k in _REQUIRED if k not in row]
        if row.get("quote_type") == "EQUITY":
            missing += [k for k in _EQUITY_REQUIRED if k not in row]
        if missing:
            raise ValueError(f"{path}: {symbol} lacks {', '.join(missing)}")
        if "quarter" in row and not isinstance(row["quarter"], dt.date):
            raise TypeError(f"{path}: {symbol}: quarter must be a date")
        if row["quote_type"] not in QUOTE_TYPES:
            raise ValueError(f"{path}: {symbol} has unknown quote_type {row['quote_type']!r}")
        fields = {k: row[k] for k in row if k in Listing.__slots__}  # type: ignore[attr-defined]
        fields.setdefault("reversion", 0.01)
        fields.setdefault("ai", 0.0)
        fields.setdefault("region", "us")
        fields.setdefault("region_beta", 0.0)
        fields.setdefault("avg_volume", 0.0)
        fields.setdefault("first_trade", dt.date(2000, 1, 3))
        listings[symbol] = Listing(symbol=symbol, market=market_of(symbol), stream_key=stable_hash(symbol),
                                   **{k: (float(v) if isinstance(v, int) and not isinstance(v, bool) else v)
                                      for k, v in fields.items()})
    return Baseline(as_of=as_of, listings=listings, path=path)
