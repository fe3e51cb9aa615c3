"""Number formatting for the screen: prices with their currency, compact USD caps, n/m, signed percents.

Every function returns a plain string and never raises on None: a missing figure is "—", a figure that
exists but means nothing (P/E on losses) is "n/m".
"""

from __future__ import annotations

import math
from pathlib import Path

NO_DATA = "—"
NOT_MEANINGFUL = "n/m"


def _bad(value: float | None) -> bool:
    return value is None or not math.isfinite(value)


def fmt_price(price: float | None, currency: str | None = None) -> str:
    """181.23 USD, 1,234.50 HKD, 0.1283 CNY; decimals shrink as the price grows."""
    if _bad(price):
        return NO_DATA
    assert price is not None
    a = abs(price)
    if a >= 100_000:
        text = f"{price:,.0f}"
    elif a >= 1:
        text = f"{price:,.2f}"
    elif a == 0:
        text = "0.00"
    else:
        text = f"{price:.4f}"
    return f"{text} {currency}" if currency else text


def fmt_change(change: float | None) -> str:
    """Signed absolute change: +1.23, -0.45, +1,234.5."""
    if _bad(change):
        return NO_DATA
    assert change is not None
    a = abs(change)
    if a >= 10_000:
        return f"{change:+,.0f}"
    if a >= 1:
        return f"{change:+,.2f}"
    if a == 0:
        return "0.00"
    return f"{change:+.3f}"


def fmt_pct(pct: float | None, decimals: int = 2) -> str:
    """A percent already in percent units, signed: +1.23%, -0.51%."""
    if _bad(pct):
        return NO_DATA
    assert pct is not None
    if round(pct, decimals) == 0:
        return f"{0:.{decimals}f}%"
    return f"{pct:+.{decimals}f}%"


EXT_SHORT = {"pre": "pre", "post": "post", "overnight": "night"}  # the board's labels of extended-hours trades


def fmt_extended(session: str | None, price: float | None, pct: float | None, *, with_price: bool = True) -> str:
    """An extended-hours trade and its move against the last close, labelled: `post 168.92 +0.15%`, or
    `post +0.15%` without the price; "" when there is none."""
    if session is None or _bad(price):
        return ""
    label = EXT_SHORT.get(session, session)
    move = fmt_pct(pct)
    if with_price:
        return f"{label} {fmt_price(price)} {move}"
    if len(label) + 1 + len(move) > EXT_SHORT_WIDTH:  # a move of 10 % or more: one decimal keeps it whole
        move = fmt_pct(pct, 1)
    return f"{label} {move}"


EXT_SHORT_WIDTH = 12  # `night -10.2%`: the narrow form is never wider


def fmt_share(share: float | None, decimals: int = 1) -> str:
    """A fraction 0–1 shown as a percent without sign: 0.384 -> 38.4%."""
    if _bad(share):
        return NO_DATA
    assert share is not None
    return f"{share * 100:.{decimals}f}%"


def fmt_cap(usd: float | None) -> str:
    """A market cap in USD, compact: 4.52T, 650.1B, 12.3M, 950K."""
    if _bad(usd):
        return NO_DATA
    assert usd is not None
    a = abs(usd)
    if a >= 1e12:
        return f"{usd / 1e12:.2f}T"
    if a >= 1e9:
        return f"{usd / 1e9:.1f}B"
    if a >= 1e6:
        return f"{usd / 1e6:.1f}M"
    if a >= 1e3:
        return f"{usd / 1e3:.0f}K"
    return f"{usd:.0f}"


def fmt_multiple(value: float | None, *, meaningful_data: bool = True) -> str:
    """A valuation multiple (P/E, P/S): 52.1, 123, 1,234; None is "n/m" when data exists, else "—"."""
    if _bad(value):
        return NOT_MEANINGFUL if meaningful_data else NO_DATA
    assert value is not None
    a = abs(value)
    if a >= 1000:
        return f"{value:,.0f}"
    if a >= 100:
        return f"{value:.0f}"
    return f"{value:.1f}"


def fmt_ratio(ratio: float | None) -> str:
    """A ratio of two multiples: ×2.15, ×0.42; n/m when it cannot be formed."""
    if _bad(ratio) or ratio is None or ratio <= 0:
        return NOT_MEANINGFUL
    if ratio >= 100:
        return f"×{ratio:.0f}"
    return f"×{ratio:.2f}"


def fmt_premium(premium_pct: float | None) -> str:
    """A premium in percent, signed, no decimals beyond ±10 %: +115%, -58%, +3.2%."""
    if _bad(premium_pct):
        return NOT_MEANINGFUL
    assert premium_pct is not None
    if abs(premium_pct) >= 10:
        return f"{premium_pct:+.0f}%"
    return f"{premium_pct:+.1f}%"


def fmt_pp(pp: float | None) -> str:
    """A difference in percentage points: +1.3pp, -0.4pp."""
    if _bad(pp):
        return NO_DATA
    assert pp is not None
    if round(pp, 1) == 0:
        return "0.0pp"
    return f"{pp:+.1f}pp"


def fmt_int(value: float | None) -> str:
    """A grouped integer: 2,314."""
    if _bad(value):
        return NO_DATA
    assert value is not None
    return f"{value:,.0f}"


def clip(text: str, width: int) -> str:
    """`text` cut to `width` cells with an ellipsis when it does not fit."""
    if width <= 0:
        return ""
    if len(text) <= width:
        return text
    if width == 1:
        return text[:1]
    return text[: width - 1] + "…"


def clip_words(text: str, width: int) -> str:
    """`text` in `width` cells: whole when it fits, else as many whole words as fit and an ellipsis (a word, and
    a number, is never cut; a first word longer than the line is clipped by `clip`)."""
    if len(text) <= width:
        return text
    words = text.split(" ")
    out = ""
    for word in words:
        candidate = f"{out} {word}" if out else word
        if len(candidate) + 1 > width:
            break
        out = candidate
    if not out:
        return clip(text, width)
    return out.rstrip(" ,;:·(") + "…"


def fit_parts(parts: list[str], width: int, sep: str = " · ") -> str:
    """`parts` joined by `sep` in `width` cells: as many whole parts as fit, in order, then "…" for the rest (a
    phrase is never cut in the middle); a first part too long alone drops whole words (`clip_words`)."""
    text = sep.join(parts)
    if len(text) <= width:
        return text
    kept = ""
    for part in parts:
        candidate = f"{kept}{sep}{part}" if kept else part
        if len(candidate) + len(sep) + 1 > width:
            break
        kept = candidate
    if not kept:
        return clip_words(parts[0], width) if parts else ""
    return f"{kept}{sep}…"


def flow(fields: list[str], width: int, sep: str = "   ", indent: str = "") -> list[str]:
    """`fields` joined by `sep` into lines of at most `width` cells, broken only between fields (a label stays with
    its number); later lines start with `indent`. A field longer than a line gets a line of its own."""
    lines: list[str] = []
    line = ""
    for field in fields:
        if not line:
            line = (indent if lines else "") + field
        elif len(line) + len(sep) + len(field) <= width:
            line += sep + field
        else:
            lines.append(line)
            line = indent + field
    if line:
        lines.append(line)
    return lines


def short_path(path, width: int = 44) -> str:
    """A path as a toast can show it on one line: the home dir as ~, then cut from the left (`…/exports/x.csv`),
    never broken in the middle of a word."""
    text = str(path)
    home = str(Path.home())
    if home not in ("", "/") and text.startswith(home + "/"):
        text = "~" + text[len(home):]
    if len(text) <= width:
        return text
    parts = text.split("/")
    kept = parts[-1]
    for part in reversed(parts[:-1]):
        if len(part) + 1 + len(kept) + 2 > width:
            break
        kept = f"{part}/{kept}"
    return f"…/{kept}"


def fmt_periods(quarter_end) -> tuple[str, str]:
    """The words that date quoteSummary's statement figures (`Fundamentals.quarter_end`): ("TTM to 2025-07-31",
    "at 2025-07-31") for the flows and the balance sheet, or words that say the source gave no date. The fundamentals
    time series (the capex screen) can run to another quarter: a figure shown without its period could read as the
    other one."""
    if quarter_end is None:
        return "TTM, period not given", "date not given"
    return f"TTM to {quarter_end.isoformat()}", f"at {quarter_end.isoformat()}"
