"""Yahoo Finance's JSON bodies (v7 quote, v10 quoteSummary, v8 chart), filled from the simulated market.

Field names, order, JSON types and envelopes follow the recorded real responses in
`../shared/yahoo-recorded/`. Like Yahoo, a few ratios mix currencies (priceToBook, priceToSales on a
listing priced in one currency and reporting in another): clients must compute their own from raw parts.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any
from zoneinfo import ZoneInfo

from tui.core import sessions
from tui.model import MarketState
from tui.sim.baseline import Listing, stable_hash
from tui.sim.market import DayBar, SimMarket, View

# Yahoo's protocol constants per exchange code: full name, market, quote source
EXCHANGES = {
    "NMS": ("NasdaqGS", "us_market", "Nasdaq Real Time Price"),
    "NYQ": ("NYSE", "us_market", "Nasdaq Real Time Price"),
    "PNK": ("Other OTC", "us_market", "Delayed Quote"),
    "SNP": ("SNP", "us_market", "Delayed Quote"),
    "HKG": ("HKSE", "hk_market", "HKSE"),
    "SHH": ("Shanghai", "cn_market", "Shanghai"),
    "SHZ": ("Shenzhen", "cn_market", "Shenzhen"),
    "JPX": ("Tokyo", "jp_market", "Delayed Quote"),
    "CCY": ("CCY", "ccy_market", "Delayed Quote"),
}
DISPLAY_TZ = {"FX": ZoneInfo("Europe/London")}  # Yahoo labels currency pairs with London time
TYPE_DISP = {"EQUITY": "Equity", "INDEX": "Index", "CURRENCY": "Currency"}
CURRENCY_SYMBOL = {"USD": "$", "HKD": "HK$", "CNY": "¥", "JPY": "¥"}
RATINGS = ("1.4 - Strong Buy", "1.8 - Buy", "2.1 - Buy", "2.4 - Buy", "2.8 - Hold")


def price_hint(li: Listing) -> int:
    if li.quote_type == "CURRENCY":
        return 4
    return {"HK": 3, "JP": 1}.get(li.market.code, 2)


def rnd(x: float, li: Listing) -> float:
    """A price as Yahoo serves it: rounded to the listing's price hint."""
    return float(round(x, price_hint(li)))


def f32(x: float) -> float:
    """Yahoo's chart arrays hold 32-bit floats printed as doubles (490.3999938964844)."""
    import struct

    return struct.unpack("f", struct.pack("f", x))[0]


def tz_of(li: Listing) -> ZoneInfo:
    return DISPLAY_TZ.get(li.market.code, li.market.tz)


def tz_fields(li: Listing, t: float) -> tuple[str, str, int]:
    """(exchangeTimezoneName, short name, UTC offset in seconds) at t."""
    tz = tz_of(li)
    local = dt.datetime.fromtimestamp(t, tz)
    offset = local.utcoffset() or dt.timedelta(0)
    return tz.key, local.tzname() or "", int(offset.total_seconds())


def market_state(li: Listing, t: float) -> str:
    """Yahoo's marketState: PREPRE, PRE, REGULAR, POST, POSTPOST, CLOSED (a lunch break counts as REGULAR)."""
    market = li.market
    state = sessions.state_at(market, t)
    if market.code == "FX":
        return "REGULAR" if state == MarketState.REGULAR else "CLOSED"
    day = sessions.local_date(market, t)
    if not sessions.is_trading_day(market, day):
        return "CLOSED"
    if state == MarketState.PRE:
        return "PRE"
    if state in (MarketState.REGULAR, MarketState.BREAK):
        return "REGULAR"
    if state == MarketState.POST:
        return "POST"
    segs = sessions.regular_segments(market, day)
    return "PREPRE" if t < segs[0][0] else "POSTPOST"


def _date_ts(day: dt.date) -> int:
    return int(dt.datetime.combine(day, dt.time(0), tzinfo=dt.UTC).timestamp())


def _at_local(li: Listing, day: dt.date, hour: int, minute: int = 0) -> int:
    return int(dt.datetime.combine(day, dt.time(hour, minute), tzinfo=li.market.tz).timestamp())


def _synthetic(li: Listing, name: str, lo: float, hi: float) -> float:
    """A stable made-up figure for fields the simulator does not model (analyst targets, ratios)."""
    u = (stable_hash(li.symbol + ":" + name) % 10_000) / 10_000
    return lo + (hi - lo) * u


class Figures:
    """Everything one symbol's payloads need at one instant, computed once."""

    def __init__(self, market: SimMarket, symbol: str, t: float) -> None:
        self.li = li = market.listing(symbol)
        self.t = t
        self.view: View = market.view(symbol, t)
        v = self.view
        self.price = rnd(v.price, li)
        self.prev = rnd(v.previous_close, li)
        self.open = rnd(v.open, li)
        self.high = rnd(v.high, li)
        self.low = rnd(v.low, li)
        self.change = float(round(self.price - self.prev, 6))
        self.change_pct = (self.price / self.prev - 1.0) * 100.0 if self.prev else 0.0
        lo, hi = market.fifty_two_week(symbol, t)
        self.low52, self.high52 = rnd(lo, li), rnd(hi, li)
        self.avg = market.averages(symbol, t)
        self.state = market_state(li, t)
        self.delay = li.market.delay_minutes
        self.eps = market.eps_ttm(symbol)
        self.next_earnings = market.next_earnings(symbol, t)
        self.shares = int(li.shares) if li.shares else None
        self.market_cap = round(self.price * li.shares) if li.shares else None
        fin = li.financial_currency or li.currency
        self.cap_fin = market.baseline.convert(self.price * li.shares, li.currency, fin) if li.shares else None
        self.ev = (round(self.cap_fin + (li.debt or 0.0) - (li.cash or 0.0))
                   if self.cap_fin is not None else None)
        self.hint = price_hint(li)
        self.pre = (rnd(v.pre_price, li), int(v.pre_time)) if v.pre_price is not None else None
        self.post = (rnd(v.post_price, li), int(v.post_time)) if v.post_price is not None else None

    @property
    def trailing_pe(self) -> float | None:
        return self.price / self.eps if self.eps is not None and self.eps > 0 else None

    @property
    def forward_pe(self) -> float | None:
        f = self.li.eps_forward
        return self.price / f if f is not None and f > 0 else None

    @property
    def book_value(self) -> float | None:
        li = self.li
        return round(li.equity / li.shares, 3) if li.equity and li.shares else None


def _range(lo: float, hi: float) -> str:
    return f"{lo:g} - {hi:g}"


def v7_quote(market: SimMarket, symbol: str, t: float) -> dict[str, Any]:
    """One element of `quoteResponse.result`."""
    f = Figures(market, symbol, t)
    li, v = f.li, f.view
    full_name, market_name, source = EXCHANGES.get(li.exchange, (li.exchange, "us_market", "Delayed Quote"))
    tz_name, tz_short, offset = tz_fields(li, t)
    is_us = li.market.code == "US"
    q: dict[str, Any] = {
        "language": "en-US",
        "region": "US",
        "quoteType": li.quote_type,
        "typeDisp": TYPE_DISP[li.quote_type],
        "quoteSourceName": source,
        "triggerable": True,
        "customPriceAlertConfidence": "HIGH",
        "currency": li.currency,
    }
    if li.quote_type == "CURRENCY":
        q["shortName"] = li.name
    q["longName"] = li.long_name
    q["hasPrePostMarketData"] = is_us and li.quote_type == "EQUITY"
    q["firstTradeDateMilliseconds"] = _date_ts(li.first_trade) * 1000
    q["priceHint"] = f.hint
    pre = f.pre if li.quote_type == "EQUITY" else None
    post = f.post if li.quote_type == "EQUITY" else None
    if post is not None:
        q["postMarketChangePercent"] = (post[0] / f.price - 1.0) * 100.0
        q["postMarketPrice"] = post[0]
        q["postMarketChange"] = float(round(post[0] - f.price, 6))
    if pre is not None:
        q["preMarketChangePercent"] = (pre[0] / f.price - 1.0) * 100.0
        q["preMarketPrice"] = pre[0]
        q["preMarketChange"] = float(round(pre[0] - f.price, 6))
    tick = 10 ** -f.hint
    q.update({
        "regularMarketChange": f.change,
        "regularMarketDayHigh": f.high,
        "regularMarketDayRange": _range(f.low, f.high),
        "regularMarketDayLow": f.low,
        "regularMarketVolume": int(v.volume),
        "regularMarketPreviousClose": f.prev,
        "bid": rnd(f.price - tick, li),
        "ask": rnd(f.price + tick, li),
        "bidSize": 0 if li.quote_type != "EQUITY" else 1 + stable_hash(symbol + "b") % 20,
        "askSize": 0 if li.quote_type != "EQUITY" else 1 + stable_hash(symbol + "a") % 20,
        "fullExchangeName": full_name,
    })
    if li.quote_type == "EQUITY":
        q["financialCurrency"] = li.financial_currency
    q.update({
        "regularMarketOpen": f.open,
        "averageDailyVolume3Month": int(f.avg["volume_3m"]),
        "averageDailyVolume10Day": int(f.avg["volume_10d"]),
        "fiftyTwoWeekLowChange": f.price - f.low52,
        "fiftyTwoWeekLowChangePercent": (f.price - f.low52) / f.low52,
        "fiftyTwoWeekRange": _range(f.low52, f.high52),
        "fiftyTwoWeekHighChange": f.price - f.high52,
        "fiftyTwoWeekHighChangePercent": (f.price - f.high52) / f.high52,
        "fiftyTwoWeekLow": f.low52,
        "fiftyTwoWeekHigh": f.high52,
        "fiftyTwoWeekChangePercent": f.avg["change_52w"] * 100.0,
    })
    if li.quote_type == "EQUITY":
        if li.dividend_rate > 0 and f.next_earnings is not None:
            q["dividendDate"] = _date_ts(f.next_earnings + dt.timedelta(days=42))
        if f.next_earnings is not None:
            ets = _at_local(li, f.next_earnings, 16, 0)
            q.update({
                "earningsTimestamp": ets,
                "earningsTimestampStart": ets,
                "earningsTimestampEnd": ets,
                "earningsCallTimestampStart": ets + 5400,
                "earningsCallTimestampEnd": ets + 5400,
                "isEarningsDateEstimate": f.next_earnings > market.as_of,
            })
        if li.dividend_rate > 0:
            q["trailingAnnualDividendRate"] = float(li.dividend_rate)
        if f.trailing_pe is not None:
            q["trailingPE"] = f.trailing_pe
        if li.dividend_rate > 0:
            q["dividendRate"] = float(li.dividend_rate)
            q["trailingAnnualDividendYield"] = li.dividend_rate / f.price
            q["dividendYield"] = round(li.dividend_rate / f.price * 100.0, 2)
        if f.eps is not None:
            q["epsTrailingTwelveMonths"] = f.eps
        if li.eps_forward is not None:
            q["epsForward"] = float(li.eps_forward)
            eps_cy = round(((f.eps or 0.0) + li.eps_forward) / 2.0, 4)
            q["epsCurrentYear"] = eps_cy
            if eps_cy:
                q["priceEpsCurrentYear"] = f.price / eps_cy
        q["sharesOutstanding"] = f.shares
        if f.book_value is not None:
            q["bookValue"] = f.book_value
    q.update({
        "fiftyDayAverage": f.avg["fifty_day"],
        "fiftyDayAverageChange": f.price - f.avg["fifty_day"],
        "fiftyDayAverageChangePercent": (f.price - f.avg["fifty_day"]) / f.avg["fifty_day"],
        "twoHundredDayAverage": f.avg["two_hundred_day"],
        "twoHundredDayAverageChange": f.price - f.avg["two_hundred_day"],
        "twoHundredDayAverageChangePercent": (f.price - f.avg["two_hundred_day"]) / f.avg["two_hundred_day"],
    })
    if li.quote_type == "EQUITY":
        q["marketCap"] = f.market_cap
        if f.forward_pe is not None:
            q["forwardPE"] = f.forward_pe
        if f.book_value:
            q["priceToBook"] = f.price / f.book_value  # mixes currencies when they differ, as Yahoo does
    q["sourceInterval"] = 15
    q["exchangeDataDelayedBy"] = f.delay
    if li.quote_type == "EQUITY":
        q["averageAnalystRating"] = RATINGS[stable_hash(symbol) % len(RATINGS)]
    q["tradeable"] = False
    q["cryptoTradeable"] = False
    q["corporateActions"] = []
    if post is not None:
        q["postMarketTime"] = post[1]
    if pre is not None:
        q["preMarketTime"] = pre[1]
    q.update({
        "regularMarketTime": int(v.time),
        "exchange": li.exchange,
        "messageBoardId": f"finmb_{stable_hash(symbol) % 100_000_000}",
        "exchangeTimezoneName": tz_name,
        "exchangeTimezoneShortName": tz_short,
        "gmtOffSetMilliseconds": offset * 1000,
        "market": market_name,
        "esgPopulated": False,
        "regularMarketChangePercent": f.change_pct,
        "regularMarketPrice": f.price,
    })
    if li.quote_type != "CURRENCY":
        q["shortName"] = li.long_name if li.quote_type == "EQUITY" else li.name
    q["marketState"] = f.state
    if li.quote_type == "EQUITY":
        q["displayName"] = li.name
    q["symbol"] = symbol
    return q


# -- v10 quoteSummary --------------------------------------------------------------------------------
def summary_modules(market: SimMarket, symbol: str, t: float, modules: list[str]) -> dict[str, Any]:
    f = Figures(market, symbol, t)
    builders = {"price": _price_module, "summaryDetail": _summary_detail,
                "defaultKeyStatistics": _key_statistics, "financialData": _financial_data}
    out: dict[str, Any] = {}
    for name in modules:
        build = builders.get(name)
        if build is None:
            continue
        if name in ("defaultKeyStatistics", "financialData") and f.li.quote_type != "EQUITY":
            continue
        out[name] = build(market, f)
    return out


def _price_module(market: SimMarket, f: Figures) -> dict[str, Any]:
    li, v = f.li, f.view
    m: dict[str, Any] = {"maxAge": 1}
    if f.pre is not None and li.is_equity:
        price, when = f.pre
        m.update({"preMarketChangePercent": price / f.price - 1.0,
                  "preMarketChange": float(round(price - f.price, 6)), "preMarketTime": when,
                  "preMarketPrice": price, "preMarketSource": "FREE_REALTIME"})
    if f.post is not None and li.is_equity:
        price, when = f.post
        m.update({"postMarketChangePercent": price / f.price - 1.0,
                  "postMarketChange": float(round(price - f.price, 6)), "postMarketTime": when,
                  "postMarketPrice": price, "postMarketSource": "FREE_REALTIME"})
    full_name = EXCHANGES.get(li.exchange, (li.exchange, "", ""))[0]
    m.update({
        "regularMarketChangePercent": f.change_pct / 100.0,
        "regularMarketChange": f.change,
        "regularMarketTime": int(v.time),
        "priceHint": f.hint,
        "regularMarketPrice": f.price,
        "regularMarketDayHigh": f.high,
        "regularMarketDayLow": f.low,
        "regularMarketVolume": int(v.volume),
        "regularMarketPreviousClose": f.prev,
        "regularMarketSource": "FREE_REALTIME" if f.delay == 0 else "DELAYED",
        "regularMarketOpen": f.open,
        "exchange": li.exchange,
        "exchangeName": full_name,
        "exchangeDataDelayedBy": f.delay,
        "marketState": f.state,
        "quoteType": li.quote_type,
        "symbol": li.symbol,
        "underlyingSymbol": None,
        "shortName": li.long_name if li.quote_type == "EQUITY" else li.name,
        "longName": li.long_name,
        "currency": li.currency,
        "quoteSourceName": EXCHANGES.get(li.exchange, ("", "", "Delayed Quote"))[2],
        "currencySymbol": CURRENCY_SYMBOL.get(li.currency, li.currency),
        "fromCurrency": None,
        "toCurrency": None,
        "lastMarket": None,
    })
    if f.market_cap is not None:
        m["marketCap"] = f.market_cap
    return m


def _summary_detail(market: SimMarket, f: Figures) -> dict[str, Any]:
    li, v = f.li, f.view
    m: dict[str, Any] = {
        "maxAge": 1, "priceHint": f.hint, "previousClose": f.prev, "open": f.open, "dayLow": f.low,
        "dayHigh": f.high, "regularMarketPreviousClose": f.prev, "regularMarketOpen": f.open,
        "regularMarketDayLow": f.low, "regularMarketDayHigh": f.high,
    }
    if li.quote_type == "EQUITY":
        if li.dividend_rate > 0:
            m["dividendRate"] = float(li.dividend_rate)
            m["dividendYield"] = round(li.dividend_rate / f.price, 4)
            if f.next_earnings is not None:
                m["exDividendDate"] = _date_ts(f.next_earnings + dt.timedelta(days=21))
            if f.eps and f.eps > 0:
                m["payoutRatio"] = round(li.dividend_rate / f.eps, 4)
        m["beta"] = float(li.beta)
        if f.trailing_pe is not None:
            m["trailingPE"] = f.trailing_pe
        if f.forward_pe is not None:
            m["forwardPE"] = f.forward_pe
    tick = 10 ** -f.hint
    m.update({
        "volume": int(v.volume), "regularMarketVolume": int(v.volume),
        "averageVolume": int(f.avg["volume_3m"]), "averageVolume10days": int(f.avg["volume_10d"]),
        "averageDailyVolume10Day": int(f.avg["volume_10d"]),
        "bid": rnd(f.price - tick, li), "ask": rnd(f.price + tick, li),
        "bidSize": 100 * (1 + stable_hash(li.symbol + "b") % 20),
        "askSize": 100 * (1 + stable_hash(li.symbol + "a") % 20),
    })
    if f.market_cap is not None:
        m["marketCap"] = f.market_cap
    m.update({"fiftyTwoWeekLow": f.low52, "fiftyTwoWeekHigh": f.high52})
    if li.quote_type == "EQUITY" and li.revenue_ttm:
        m["priceToSalesTrailing12Months"] = f.market_cap / li.revenue_ttm  # mixed currencies, as Yahoo
    m.update({"fiftyDayAverage": f.avg["fifty_day"], "twoHundredDayAverage": f.avg["two_hundred_day"]})
    if li.quote_type == "EQUITY" and li.dividend_rate > 0:
        m["trailingAnnualDividendRate"] = float(li.dividend_rate)
        m["trailingAnnualDividendYield"] = li.dividend_rate / f.price
    m.update({"currency": li.currency, "fromCurrency": None, "toCurrency": None, "lastMarket": None,
              "coinMarketCapLink": None, "algorithm": None, "tradeable": False})
    return m


def _key_statistics(market: SimMarket, f: Figures) -> dict[str, Any]:
    li = f.li
    shares = f.shares or 0
    revenue = li.revenue_ttm or 0.0
    ni = li.net_income_ttm or 0.0
    today = sessions.local_date(li.market, f.t)
    fy_end = dt.date(today.year - 1, 12, 31)
    quarter_end = dt.date(today.year, ((today.month - 1) // 3) * 3 + 1, 1) - dt.timedelta(days=1)
    m: dict[str, Any] = {
        "maxAge": 1, "priceHint": f.hint, "enterpriseValue": f.ev,
    }
    if f.forward_pe is not None:
        m["forwardPE"] = f.forward_pe
    m.update({
        "profitMargins": round(ni / revenue, 5) if revenue else 0.0,
        "floatShares": int(shares * 0.85),
        "sharesOutstanding": shares,
        "sharesShort": int(shares * _synthetic(li, "short", 0.005, 0.03)),
        "sharesShortPriorMonth": int(shares * _synthetic(li, "short0", 0.005, 0.03)),
        "sharesShortPreviousMonthDate": _date_ts(quarter_end),
        "dateShortInterest": _date_ts(quarter_end + dt.timedelta(days=31)),
        "sharesPercentSharesOut": round(_synthetic(li, "short", 0.005, 0.03), 4),
        "heldPercentInsiders": round(_synthetic(li, "insiders", 0.0005, 0.1), 5),
        "heldPercentInstitutions": round(_synthetic(li, "institutions", 0.1, 0.8), 5),
        "shortRatio": round(_synthetic(li, "shortratio", 1.0, 4.0), 2),
        "shortPercentOfFloat": round(_synthetic(li, "short", 0.005, 0.03) / 0.85, 4),
        "beta": float(li.beta),
        "impliedSharesOutstanding": shares,
        "category": None,
    })
    if f.book_value is not None:
        m["bookValue"] = f.book_value
        m["priceToBook"] = f.price / f.book_value
    m.update({
        "fundFamily": None, "legalType": None,
        "lastFiscalYearEnd": _date_ts(fy_end), "nextFiscalYearEnd": _date_ts(fy_end.replace(year=fy_end.year + 1)),
        # the quarter the TTM and balance figures are to (the baseline's, dated); left out where not known, as
        # Yahoo leaves out what it has not: never the calendar quarter before today, which the figures are not
        **({"mostRecentQuarter": _date_ts(li.quarter)} if li.quarter is not None else {}),
        "earningsQuarterlyGrowth": round(_synthetic(li, "eqg", -0.3, 0.8), 3),
        "netIncomeToCommon": int(ni),
        "trailingEps": f.eps,
        "forwardEps": float(li.eps_forward) if li.eps_forward is not None else None,
        "lastSplitFactor": None,
    })
    if f.ev is not None and revenue:
        m["enterpriseToRevenue"] = round(f.ev / revenue, 3)
    if f.ev is not None and li.ebitda:
        m["enterpriseToEbitda"] = round(f.ev / li.ebitda, 3)
    gspc = market.averages("^GSPC", f.t)["change_52w"] if market.knows("^GSPC") else 0.0
    m.update({"52WeekChange": f.avg["change_52w"], "SandP52WeekChange": gspc})
    if li.dividend_rate > 0:
        m["lastDividendValue"] = round(li.dividend_rate / 4, 4)
        if f.next_earnings is not None:
            m["lastDividendDate"] = _date_ts(f.next_earnings - dt.timedelta(days=70))
    m.update({"latestShareClass": None, "leadInvestor": None})
    return m


def _financial_data(market: SimMarket, f: Figures) -> dict[str, Any]:
    li = f.li
    shares = li.shares or 1.0
    revenue = li.revenue_ttm or 0.0
    ni = li.net_income_ttm or 0.0
    ebitda = li.ebitda or 0.0
    target = f.price * _synthetic(li, "target", 0.95, 1.35)
    rec = round(_synthetic(li, "rec", 1.3, 2.8), 5)
    m: dict[str, Any] = {
        "maxAge": 86400,
        "currentPrice": f.price,
        "targetHighPrice": round(target * 1.3, f.hint),
        "targetLowPrice": round(target * 0.65, f.hint),
        "targetMeanPrice": round(target, f.hint),
        "targetMedianPrice": round(target * 1.02, f.hint),
        "recommendationMean": rec,
        "recommendationKey": "strong_buy" if rec < 1.5 else "buy" if rec < 2.5 else "hold",
        "numberOfAnalystOpinions": 5 + stable_hash(li.symbol + "n") % 50,
        "totalCash": int(li.cash or 0),
        "totalCashPerShare": round((li.cash or 0.0) / shares, 3),
        "ebitda": int(ebitda),
        "totalDebt": int(li.debt or 0),
        "quickRatio": round(_synthetic(li, "quick", 0.6, 3.0), 3),
        "currentRatio": round(_synthetic(li, "current", 0.9, 4.0), 3),
        "totalRevenue": int(revenue),
        "debtToEquity": round((li.debt or 0.0) / li.equity * 100.0, 3) if li.equity else None,
        "revenuePerShare": round(revenue / shares, 3),
        "returnOnAssets": round(ni / revenue * 0.4, 5) if revenue else 0.0,
        "returnOnEquity": round(ni / li.equity, 5) if li.equity else 0.0,
        "grossProfits": int(revenue * _synthetic(li, "gross", 0.2, 0.75)),
        "freeCashflow": int(ebitda * 0.45),
        "operatingCashflow": int(ebitda * 0.8),
        "earningsGrowth": round(_synthetic(li, "eg", -0.3, 1.0), 3),
        "revenueGrowth": round(_synthetic(li, "rg", -0.05, 0.6), 3),
        "grossMargins": round(_synthetic(li, "gross", 0.2, 0.75), 5),
        "ebitdaMargins": round(ebitda / revenue, 5) if revenue else 0.0,
        "operatingMargins": round(ebitda / revenue * 0.8, 5) if revenue else 0.0,
        "profitMargins": round(ni / revenue, 5) if revenue else 0.0,
        "financialCurrency": li.financial_currency,
    }
    return m


# Yahoo's formatted values ({"raw": x, "fmt": "..."}) -----------------------------------------------
_PERCENT = {"profitMargins", "grossMargins", "ebitdaMargins", "operatingMargins", "returnOnAssets",
            "returnOnEquity", "revenueGrowth", "earningsGrowth", "earningsQuarterlyGrowth", "dividendYield",
            "trailingAnnualDividendYield", "payoutRatio", "heldPercentInsiders", "heldPercentInstitutions",
            "sharesPercentSharesOut", "shortPercentOfFloat", "52WeekChange", "SandP52WeekChange",
            "regularMarketChangePercent", "preMarketChangePercent", "postMarketChangePercent"}
_DATES = {"exDividendDate", "sharesShortPreviousMonthDate", "dateShortInterest", "lastFiscalYearEnd",
          "nextFiscalYearEnd", "mostRecentQuarter", "lastDividendDate"}
_PLAIN = {"maxAge", "priceHint", "exchangeDataDelayedBy", "regularMarketTime", "preMarketTime",
          "postMarketTime", "numberOfAnalystOpinions"}


def _large(x: float) -> str:
    for div, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(x) >= div:
            return f"{x / div:.2f}{suffix}"
    return f"{x:.2f}"


def format_value(key: str, value: Any) -> Any:
    if value is None:
        return {}
    if isinstance(value, (bool, str)) or key in _PLAIN:
        return value
    if not isinstance(value, int | float) or (isinstance(value, float) and not math.isfinite(value)):
        return value
    if key in _DATES:
        return {"raw": value, "fmt": dt.datetime.fromtimestamp(value, dt.UTC).strftime("%Y-%m-%d")}
    if key in _PERCENT:
        return {"raw": value, "fmt": f"{value * 100:.2f}%"}
    if isinstance(value, int) or abs(value) >= 1e6:
        return {"raw": value, "fmt": _large(value), "longFmt": f"{value:,.0f}"}
    return {"raw": value, "fmt": f"{value:.2f}"}


def format_module(module: dict[str, Any]) -> dict[str, Any]:
    return {k: format_value(k, v) for k, v in module.items()}


# -- v8 chart ----------------------------------------------------------------------------------------
VALID_RANGES = ["1d", "5d", "1mo", "3mo", "6mo", "1y", "2y", "5y", "10y", "ytd", "max"]


def _period(li: Listing, tz_name: str, start: float, end: float) -> dict[str, Any]:
    local = dt.datetime.fromtimestamp(start, tz_of(li))
    offset = int((local.utcoffset() or dt.timedelta(0)).total_seconds())
    return {"timezone": local.tzname(), "start": int(start), "end": int(end), "gmtoffset": offset}


def chart_meta(market: SimMarket, symbol: str, t: float, *, granularity: str, range_: str,
               previous_close: float | None) -> dict[str, Any]:
    f = Figures(market, symbol, t)
    li, v = f.li, f.view
    tz_name, tz_short, offset = tz_fields(li, t)
    full_name = EXCHANGES.get(li.exchange, (li.exchange, "", ""))[0]
    meta: dict[str, Any] = {
        "currency": li.currency, "symbol": symbol, "exchangeName": li.exchange, "fullExchangeName": full_name,
        "instrumentType": li.quote_type, "firstTradeDate": _date_ts(li.first_trade),
        "regularMarketTime": int(v.time), "hasPrePostMarketData": li.market.code == "US" and li.is_equity,
        "gmtoffset": offset, "timezone": tz_short, "exchangeTimezoneName": tz_name,
        "regularMarketPrice": f.price, "fiftyTwoWeekHigh": f.high52, "fiftyTwoWeekLow": f.low52,
        "regularMarketDayHigh": f.high, "regularMarketDayLow": f.low, "regularMarketVolume": int(v.volume),
        "longName": li.long_name, "shortName": li.long_name if li.is_equity else li.name,
        "chartPreviousClose": rnd(previous_close, li) if previous_close is not None else f.prev,
        "priceHint": f.hint,
    }
    segs = sessions.regular_segments(li.market, v.day)
    if segs:
        reg = (segs[0][0], segs[-1][1])
        pre = post = reg
        if li.market.code == "US" and li.market.pre_open and li.market.post_close:
            pre = (dt.datetime.combine(v.day, li.market.pre_open, tzinfo=li.market.tz).timestamp(), reg[0])
            post = (reg[1], dt.datetime.combine(v.day, li.market.post_close, tzinfo=li.market.tz).timestamp())
        else:
            pre, post = (reg[0], reg[0]), (reg[1], reg[1])
        meta["currentTradingPeriod"] = {"pre": _period(li, tz_name, *pre), "regular": _period(li, tz_name, *reg),
                                        "post": _period(li, tz_name, *post)}
    meta["dataGranularity"] = granularity
    meta["range"] = range_
    meta["validRanges"] = list(VALID_RANGES)
    return meta


def chart_result(market: SimMarket, symbol: str, t: float, bars: list[DayBar], *, granularity: str,
                 range_: str, daily: bool, previous_close: float | None) -> dict[str, Any]:
    li = market.listing(symbol)
    view = market.view(symbol, t)
    stamps = []
    for b in bars:
        # Yahoo stamps the running day's daily bar with its last trade time
        stamps.append(int(view.time) if daily and b.day == view.day and view.in_session else int(b.start))
    quote = {
        "open": [f32(rnd(b.open, li)) for b in bars],
        "high": [f32(rnd(b.high, li)) for b in bars],
        "low": [f32(rnd(b.low, li)) for b in bars],
        "close": [f32(rnd(b.close, li)) for b in bars],
        "volume": [int(b.volume) for b in bars],
    }
    result: dict[str, Any] = {
        "meta": chart_meta(market, symbol, t, granularity=granularity, range_=range_,
                           previous_close=previous_close),
        "timestamp": stamps,
        "indicators": {"quote": [quote]},
    }
    if daily:
        result["indicators"]["adjclose"] = [{"adjclose": list(quote["close"])}]
    return result
