"""Yahoo symbols of Hong Kong, Shanghai and Shenzhen listings as Tencent's and Sina's quote keys, and back.

    0981.HK   -> Tencent r_hk00981 (real-time; plain hk00981 is 15 minutes late), Sina rt_hk00981
    ^HSI      -> Tencent r_hkHSI, Sina rt_hkHSI
    688981.SS -> sh688981 (both; 000001.SS, the SSE Composite, is sh000001)
    002594.SZ -> sz002594 (both)

Tencent also quotes the yuan: whUSDCNY (CNY per USD, Yahoo's CNY=X) and whHKDCNY (CNY per HKD), from which
HKD per USD (Yahoo's HKD=X) follows. Symbols of other markets have no key: Yahoo alone quotes them.
"""

from __future__ import annotations

import re

from tui.core.sessions import market_of

CHINA_MARKETS = ("HK", "SS", "SZ")
GROUPS = ("hk", "cn")  # the market groups a quote page is chosen for (config [sources])
CHOICES = ("tencent", "sina", "yahoo")
DEFAULT_CHOICE = {"hk": "tencent", "cn": "tencent"}
# the group each market's source is chosen for (config [sources] hk / cn)
GROUP_OF_MARKET = {"HK": "hk", "SS": "cn", "SZ": "cn"}

TENCENT_FX_KEYS = {"whUSDCNY": "CNY=X", "whHKDCNY": None}  # whHKDCNY only serves to derive HKD=X
FX_SYMBOLS = ("CNY=X", "HKD=X")

_HK = re.compile(r"^(\d{1,5})\.HK$")
_A = re.compile(r"^(\d{6})\.(SS|SZ)$")
_INDEX = {"^HSI": ("r_hkHSI", "rt_hkHSI")}


def is_china_listing(symbol: str) -> bool:
    """Whether `symbol` trades in Hong Kong, Shanghai or Shenzhen and has a Tencent / Sina key."""
    return tencent_key(symbol) is not None


def group_of(symbol: str) -> str | None:
    """"hk" or "cn" (the config's [sources] keys), None for a symbol of another market."""
    return GROUP_OF_MARKET.get(market_of(symbol).code) if is_china_listing(symbol) else None


def _hk_code(symbol: str) -> str | None:
    m = _HK.match(symbol.upper())
    return m.group(1).zfill(5) if m else None


def tencent_key(symbol: str) -> str | None:
    s = symbol.upper()
    if s in _INDEX:
        return _INDEX[s][0]
    code = _hk_code(s)
    if code is not None:
        return f"r_hk{code}"
    m = _A.match(s)
    if m:
        return ("sh" if m.group(2) == "SS" else "sz") + m.group(1)
    return None


def sina_key(symbol: str) -> str | None:
    s = symbol.upper()
    if s in _INDEX:
        return _INDEX[s][1]
    code = _hk_code(s)
    if code is not None:
        return f"rt_hk{code}"
    m = _A.match(s)
    if m:
        return ("sh" if m.group(2) == "SS" else "sz") + m.group(1)
    return None


def key_for(source: str, symbol: str) -> str | None:
    return tencent_key(symbol) if source == "tencent" else sina_key(symbol) if source == "sina" else None


def symbol_of(key: str) -> str | None:
    """The Yahoo symbol of a Tencent or Sina key (either prefix form, real-time or delayed); None if unknown."""
    k = key.strip()
    for prefix in ("r_hk", "rt_hk", "hk"):
        if k.startswith(prefix):
            code = k[len(prefix):]
            if code.upper() == "HSI":
                return "^HSI"
            if code.isdigit() and len(code) <= 5:
                return f"{int(code):04d}.HK"
            return None
    if len(k) == 8 and k[:2] in ("sh", "sz") and k[2:].isdigit():
        return f"{k[2:]}.{'SS' if k[:2] == 'sh' else 'SZ'}"
    if k in TENCENT_FX_KEYS:
        return TENCENT_FX_KEYS[k]
    return None


def chain_for(choice: str) -> tuple[str, ...]:
    """The quote pages tried for a market group, in order (Yahoo, always running beside them, comes after)."""
    if choice == "tencent":
        return ("tencent", "sina")
    if choice == "sina":
        return ("sina", "tencent")
    return ()
