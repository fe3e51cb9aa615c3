"""Tencent's and Sina's quote records, filled from the simulated market: the layouts of the recorded real replies
in `../shared/asia-recorded/` (Tencent's 78-field Hong Kong and 88-field A-share records, the Hang Seng's 47,
the FX record; Sina's 33-field A-share and 19+-field Hong Kong records), GBK-encoded by the server.

Both serve the market in real time: `SimMarket.view(symbol, t, delay=lag)` with `lag` 0 unless a fault makes the
source fall behind. Yahoo's copy of the same listing is `view(symbol, t)`, 15 minutes earlier: at one instant
every protocol has one price (the same rounding: Yahoo's price hint of 3 decimals for Hong Kong, 2 for A-shares).
"""

from __future__ import annotations

import datetime as dt

from tui.feeds.china_keys import sina_key, tencent_key
from tui.sim.baseline import Listing
from tui.sim.market import SimMarket, View
from tui.sim.payloads import price_hint

TENCENT_MARKET_ID = {"HK": "100", "SS": "1", "SZ": "51"}
CHINA_TIME = dt.timezone(dt.timedelta(hours=8))  # Tencent stamps FX in Beijing time (no daylight saving)
FX_NAMES = {"USDCNY": "美元人民币", "HKDCNY": "港币人民币"}


def _p(x: float, li: Listing) -> str:
    return f"{x:.{price_hint(li)}f}"


def _local(t: float, li: Listing, fmt: str) -> str:
    return dt.datetime.fromtimestamp(t, li.market.tz).strftime(fmt)


def _field(text: str) -> str:
    """A name as a field: neither protocol escapes its separators (`~`, `,`) or quotes."""
    return text.replace("~", " ").replace(",", " ").replace('"', "'")


def _name(li: Listing) -> str:
    return _field(li.local_name or li.name)


def _english(li: Listing) -> str:
    return _field(li.name.upper() if li.quote_type == "EQUITY" else li.long_name)


def _rounded(v: View, li: Listing) -> tuple[float, float, float, float, float]:
    d = price_hint(li)
    return round(v.price, d), round(v.previous_close, d), round(v.open, d), round(v.high, d), round(v.low, d)


def tencent_record(market: SimMarket, symbol: str, t: float, lag: float = 0.0) -> str | None:
    """`v_KEY="…";` for one listing at t (None when it has no key or is not listed yet)."""
    key = tencent_key(symbol)
    if key is None or not market.knows(symbol) or not market.is_listed(symbol, t - lag):
        return None
    li = market.listing(symbol)
    v = market.view(symbol, t, delay=lag)
    price, prev, open_, high, low = _rounded(v, li)
    change = price - prev
    pct = change / prev * 100.0 if prev else 0.0
    code = key.removeprefix("r_hk").removeprefix("sh").removeprefix("sz")
    hk = li.market.code == "HK"
    index = li.quote_type == "INDEX"
    if hk:
        volume = float(v.volume)
        turnover = v.volume * (high + low + price) / 3.0
        stamp = _local(v.time, li, "%Y/%m/%d %H:%M:%S")
        n = 47 if index else 78
    else:
        volume = float(v.volume // 100)  # lots of 100 shares
        turnover = v.volume * (high + low + price) / 3.0 / 10_000  # units of 10,000 CNY
        stamp = _local(v.time, li, "%Y%m%d%H%M%S")
        n = 88
    f = ["0"] * n
    f[0] = TENCENT_MARKET_ID[li.market.code]
    f[1] = _name(li)
    f[2] = code
    f[3], f[4], f[5] = _p(price, li), _p(prev, li), _p(open_, li)
    f[6] = f"{volume:.1f}" if hk else f"{volume:.0f}"
    f[9] = f[19] = _p(price, li)
    f[29] = "" if not hk else f"{volume:.1f}"
    f[30] = stamp
    f[31], f[32] = f"{change:.{price_hint(li)}f}", f"{pct:.2f}"
    f[33], f[34] = _p(high, li), _p(low, li)
    f[35] = _p(price, li) if hk else f"{_p(price, li)}/{volume:.0f}/{v.volume * price:.0f}"
    f[36] = f"{volume:.1f}" if hk else f"{volume:.0f}"
    f[37] = f"{turnover:.3f}"
    f[40] = ""
    if hk:
        f[46] = _english(li) if not index else "Hang Seng Index"
        if not index:
            if li.shares:
                cap = price * li.shares / 1e8
                f[44] = f[45] = f"{cap:.4f}"
            f[60] = "100"  # board lot: not modelled, a round figure
            f[75] = "HKD"
    else:
        if li.shares and not index:
            cap = price * li.shares / 1e8
            f[44] = f[45] = f"{cap:.2f}"
        f[82] = "CNY"
    return f'v_{key}="{"~".join(f)}";'


def tencent_fx_record(market: SimMarket, pair: str, t: float) -> str | None:
    """`v_whUSDCNY` (CNY per USD) or `v_whHKDCNY` (CNY per HKD), from the FX listings CNY=X and HKD=X."""
    cny, hkd = market.view("CNY=X", t, delay=0), market.view("HKD=X", t, delay=0)
    if pair == "USDCNY":
        price, prev = cny.price, cny.previous_close
    elif pair == "HKDCNY":
        price, prev = cny.price / hkd.price, cny.previous_close / hkd.previous_close
    else:
        return None
    when = min(cny.time, hkd.time)
    stamp = dt.datetime.fromtimestamp(when, CHINA_TIME).strftime("%Y%m%d%H%M%S")
    change = price - prev
    f = ["0"] * 22
    f[0], f[1], f[2] = "310", FX_NAMES[pair], pair
    f[3], f[5], f[6] = f"{price:.4f}", stamp, f"{prev:.4f}"
    f[7] = f[8] = f[9] = f[10] = f[11] = f"{price:.4f}"
    f[12], f[13] = f"{change:.4f}", f"{change / prev * 100.0:.2f}"
    f[21] = stamp[:4] + "-" + stamp[4:6] + "-" + stamp[6:8]
    return f'v_wh{pair}="{"~".join(f)}";'


def sina_record(market: SimMarket, symbol: str, t: float, lag: float = 0.0) -> str | None:
    """`var hq_str_KEY="…";` for one listing at t: an empty record for a listing Sina would not know."""
    key = sina_key(symbol)
    if key is None:
        return None
    if not market.knows(symbol) or not market.is_listed(symbol, t - lag):
        return f'var hq_str_{key}="";'
    li = market.listing(symbol)
    v = market.view(symbol, t, delay=lag)
    price, prev, open_, high, low = _rounded(v, li)
    d = price_hint(li)
    if li.market.code == "HK":
        change = price - prev
        f = [_english(li) if li.quote_type == "EQUITY" else "HSI", _name(li), _p(open_, li), _p(prev, li),
             _p(high, li), _p(low, li), _p(price, li), f"{change:.{d}f}", f"{change / prev * 100.0:.3f}",
             _p(price, li), _p(price, li), f"{v.volume * price:.3f}", str(int(v.volume)), "0.000", "0.000",
             _p(high, li), _p(low, li), _local(v.time, li, "%Y/%m/%d"), _local(v.time, li, "%H:%M:%S")]
        return f'var hq_str_{key}="{",".join(f)}";'
    f = [_name(li), _p(open_, li), _p(prev, li), _p(price, li), _p(high, li), _p(low, li), _p(price, li),
         _p(price, li), str(int(v.volume)), f"{v.volume * price:.3f}"]
    f += ["0", _p(price, li)] * 10  # five bids and five asks: not modelled
    f += [_local(v.time, li, "%Y-%m-%d"), _local(v.time, li, "%H:%M:%S"), "00", ""]
    return f'var hq_str_{key}="{",".join(f)}";'
