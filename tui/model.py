"""The plain data the whole program passes around.

Nothing here imports Textual, aiohttp or pandas: feeds, analytics, the simulator, the CLI and the UI all
share these types. Times are POSIX seconds (float, UTC) unless a name says otherwise.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path


class Side(StrEnum):
    US = "us"
    CN = "cn"


class MarketState(StrEnum):
    """A market's session state, with the names `aiwatch snapshot` prints."""

    PRE = "PRE"
    REGULAR = "REGULAR"
    BREAK = "BREAK"  # the lunch break in Hong Kong, Shanghai, Shenzhen and Tokyo
    POST = "POST"
    CLOSED = "CLOSED"

    @property
    def label(self) -> str:
        return _STATE_LABELS[self]


_STATE_LABELS = {
    MarketState.PRE: "pre-market",
    MarketState.REGULAR: "open",
    MarketState.BREAK: "lunch break",
    MarketState.POST: "post-market",
    MarketState.CLOSED: "closed",
}


class QuoteSource(StrEnum):
    """The path a quote came by (which provider: `Quote.source_name`)."""

    STREAM = "stream"  # a websocket frame
    REST = "rest"  # the batched /v7/finance/quote poll
    POLL = "poll"  # a batched poll of a quote page (Tencent's qt.gtimg.cn, Sina's hq.sinajs.cn)


# The providers a quote can come from (`Quote.source_name`): Yahoo for everything; Tencent and Sina for the
# Hong Kong, Shanghai and Shenzhen listings, in real time where Yahoo is 15 minutes late.
SOURCE_YAHOO = "yahoo"
SOURCE_TENCENT = "tencent"
SOURCE_SINA = "sina"
SOURCE_NAMES = (SOURCE_YAHOO, SOURCE_TENCENT, SOURCE_SINA)


@dataclass(frozen=True, slots=True)
class Instrument:
    symbol: str  # Yahoo's symbol: NVDA, 0981.HK, 688981.SS, 002594.SZ, 9984.T, ^GSPC
    name: str  # display name
    side: Side
    company: str  # company key: several listings of one company share it (SMIC H and A share)
    note: str = ""  # one line on why it is on the list
    kind: str = "equity"  # "equity" | "index" | "fx": only equities count in valuation and concentration


@dataclass(frozen=True, slots=True)
class Pair:
    name: str
    us: tuple[str, ...]  # one symbol, or a basket
    cn: tuple[str, ...]
    note: str = ""

    @property
    def is_basket(self) -> bool:
        return len(self.us) > 1 or len(self.cn) > 1


@dataclass(frozen=True, slots=True)
class Watchlist:
    name: str  # the file's stem: ai-rivals
    title: str
    instruments: tuple[Instrument, ...]
    pairs: tuple[Pair, ...] = ()
    description: str = ""
    path: Path | None = None
    shipped: bool = True  # False when it came from the user's config dir

    @property
    def symbols(self) -> tuple[str, ...]:
        return tuple(i.symbol for i in self.instruments)

    def instrument(self, symbol: str) -> Instrument | None:
        for inst in self.instruments:
            if inst.symbol == symbol:
                return inst
        return None


@dataclass(frozen=True, slots=True)
class Quote:
    """The latest trade of one symbol, from a stream frame, a REST quote or a quote-page poll.

    `source_name` is the provider (yahoo, tencent, sina), `source` the path (stream, rest, poll). `delay_minutes`
    is what the quote is late by: as the source declares it (Yahoo's exchangeDataDelayedBy; 0 for Tencent's and
    Sina's real-time keys) until the store has measured it against the clock in session (`delay_measured`: then
    it is the measured lag of that source in that market, whatever the source promised)."""

    symbol: str
    price: float  # in `currency`
    time: float  # exchange time of the price (POSIX seconds)
    source: QuoteSource
    received: float  # when it reached us, on the app's clock (POSIX seconds)
    currency: str | None = None  # stream frames may lack it; the REST quote has it
    change: float | None = None  # vs the previous close, in `currency`
    change_pct: float | None = None  # percent: -1.96 means -1.96 %
    previous_close: float | None = None
    open: float | None = None
    day_high: float | None = None
    day_low: float | None = None
    volume: int | None = None
    exchange: str | None = None  # Yahoo's exchange code: NMS, NYQ, HKG, SHH, SHZ, JPX, CCY
    market_state: MarketState | None = None  # as the source reported it
    short_name: str | None = None
    delay_minutes: int = 0  # declared (Yahoo's exchangeDataDelayedBy), or measured when `delay_measured`
    source_name: str = SOURCE_YAHOO  # the provider: yahoo, tencent, sina
    delay_measured: bool = False  # delay_minutes was measured in session (tui/core/delay.py), not declared
    no_trade: bool = False  # no trade today or halted: `price` is the previous close, not a trade
    # The latest trade outside the regular session (US pre- and post-market, overnight), kept apart from the
    # regular figures above: `price`, `change` and `change_pct` stay the last regular session's (the day's change
    # against the previous session's close) from the open until the next session begins. The extended move is
    # against the last regular close (`price` once that session is over), as Yahoo measures it.
    ext_session: str | None = None  # EXT_PRE, EXT_POST or EXT_OVERNIGHT; None: no extended trade since the close
    ext_price: float | None = None
    ext_change: float | None = None
    ext_change_pct: float | None = None
    ext_time: float | None = None
    # True for a stream frame sent outside the regular session: only its ext_* fields are reported; its regular
    # fields are derived (price = the trade less its move) and give way to any regular figures the store holds
    extended_only: bool = False


EXT_PRE = "pre"
EXT_POST = "post"
EXT_OVERNIGHT = "overnight"


def change_pct_of(quote: Quote, *, from_price: bool = False) -> float | None:
    """The day's change in percent (the last regular session's, against the close before it): the source's own,
    else change / previous close; with `from_price`, else price / previous close (for a quote that carries
    neither). None when it cannot be told. Never the extended-hours move (`quote.ext_change_pct`)."""
    if quote.change_pct is not None:
        return quote.change_pct
    if quote.change is not None and quote.previous_close:
        return quote.change / quote.previous_close * 100.0
    if from_price and quote.previous_close:
        return (quote.price / quote.previous_close - 1.0) * 100.0
    return None


@dataclass(frozen=True, slots=True)
class Fundamentals:
    """What the stream does not carry: shares and the income statement, from REST.

    Per-share and price-denominated figures (eps_*, market_cap) are in `currency`, the price currency,
    as Yahoo gives them; statement figures (revenue, net income, EBITDA, debt, cash) are in
    `financial_currency`, the reporting currency. Analytics converts each part to USD itself.
    """

    symbol: str
    as_of: float  # when these figures were fetched (POSIX seconds)
    currency: str | None = None
    financial_currency: str | None = None
    shares_outstanding: float | None = None
    market_cap: float | None = None  # Yahoo's, in `currency`, at fetch time
    eps_ttm: float | None = None
    eps_forward: float | None = None
    net_income_ttm: float | None = None
    revenue_ttm: float | None = None
    ebitda: float | None = None
    total_debt: float | None = None
    total_cash: float | None = None
    long_name: str | None = None
    exchange: str | None = None
    delay_minutes: int = 0
    extra: dict[str, float | str | None] = field(default_factory=dict)

    @property
    def quarter_end(self) -> dt.date | None:
        """The quarter end the TTM figures (revenue, net income, EBITDA) and the balance-sheet ones (debt, cash) are
        to: Yahoo's mostRecentQuarter (a UTC midnight), or None when the source did not say. The fundamentals time
        series (the capex screen) may run to another quarter: each figure is shown with its own."""
        t = self.extra.get("most_recent_quarter")
        if isinstance(t, bool) or not isinstance(t, (int, float)) or not math.isfinite(t):
            return None
        try:
            return dt.datetime.fromtimestamp(t, dt.UTC).date()
        except (OverflowError, OSError, ValueError):
            return None


@dataclass(frozen=True, slots=True)
class Bar:
    """One daily (or intraday) bar from /v8/finance/chart."""

    time: float
    open: float | None
    high: float | None
    low: float | None
    close: float | None
    volume: int | None = None
