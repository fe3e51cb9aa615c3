"""The pairs panel: each pair's move today, P/E and P/S per side, the US/CN ratio and the EY spread."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from tui.core.spreads import MetricSpread, PairSpread, SideAggregate, pair_spread
from tui.core.store import MarketStore
from tui.format import NO_DATA, NOT_MEANINGFUL, fmt_multiple, fmt_pct, fmt_pp, fmt_premium, fmt_ratio
from tui.model import Pair, Watchlist

Part = tuple[str, str] | str


def _move_style(pct: float | None) -> str:
    if pct is None or pct == 0:
        return ""
    return "$success" if pct > 0 else "$error"


def _sides_label(pair: Pair) -> str:
    if not pair.is_basket:
        return f"{pair.us[0]} vs {pair.cn[0]}"
    us = pair.us[0] if len(pair.us) == 1 else str(len(pair.us))
    cn = pair.cn[0] if len(pair.cn) == 1 else str(len(pair.cn))
    return f"{us} vs {cn} names"


def side_parts(tag: str, side: SideAggregate, basket: bool, wide: bool = True) -> list[Part]:
    """`US +1.23% P/E 52.1 P/S 25.3 3/7 with data`."""
    parts: list[Part] = [(tag, "bold"), " ", (fmt_pct(side.change_pct), _move_style(side.change_pct))]
    parts.append(f" P/E {fmt_multiple(side.pe_ttm, meaningful_data=side.earnings_usd is not None)}")
    parts.append(f" P/S {fmt_multiple(side.ps_ttm, meaningful_data=side.revenue_usd is not None)}")
    if basket:
        parts.append((f" {side.with_data}/{side.total}" + (" with data" if wide else ""), "$text-muted"))
    return parts


def _ratio_text(metric: MetricSpread | None, us_data: bool, cn_data: bool, premium: bool) -> str:
    """×2.15 (+115%); "—" while a side has no figures yet; "n/m" when they exist but make no ratio."""
    if metric is not None and metric.ratio is not None:
        return f"{fmt_ratio(metric.ratio)} ({fmt_premium(metric.premium_pct)})" if premium else fmt_ratio(metric.ratio)
    return NOT_MEANINGFUL if us_data and cn_data else NO_DATA


def pair_lines(spread: PairSpread, wide: bool = True, with_sides: bool = True) -> tuple[list[Part], list[Part]]:
    """Two lines per pair: the spread, then both sides; `wide` spells the labels out."""
    pair: Pair = spread.pair
    us, cn = spread.us, spread.cn
    pe = spread.metrics.get("pe_ttm")
    ps = spread.metrics.get("ps_ttm")
    first: list[Part] = [(pair.name, "bold"), f"  {_sides_label(pair)}  " if with_sides else "  "]
    first.append(("P/E US/CN " if wide else "P/E ", "$text-muted"))
    first.append((_ratio_text(pe, us.earnings_usd is not None, cn.earnings_usd is not None, True), "bold"))
    first.append((" · P/S ", "$text-muted"))
    first.append(_ratio_text(ps, us.revenue_usd is not None, cn.revenue_usd is not None, False))
    first.append((" · EY US−CN " if wide else " · EY ", "$text-muted"))
    first.append(fmt_pp(pe.ey_spread_pp if pe is not None else None))
    second: list[Part] = ["  "]
    second += side_parts("US", us, len(pair.us) > 1, wide)
    second.append(("  │  " if wide else " │ ", "$text-muted"))
    second += side_parts("CN", cn, len(pair.cn) > 1, wide)
    return first, second


PAIRS_TITLE = "Pairs · ratio = US / China · EY = earnings yield"


def pairs_content(store: MarketStore, watchlist: Watchlist, width: int = 120) -> Content:
    """Two lines per pair (the panel's title, on its border, says what the figures are)."""
    if not watchlist.pairs:
        return Content.assemble(("this watchlist has no pairs", "$text-muted"))
    wide = width >= 100
    lines: list[Content] = []
    for pair in watchlist.pairs:
        spread = pair_spread(store, watchlist, pair)
        first, second = pair_lines(spread, wide)
        line = Content.assemble(*first)
        if line.cell_length > width:  # too long for the room: the pair's name says enough
            line = Content.assemble(*pair_lines(spread, wide, with_sides=False)[0])
        lines.append(line)
        lines.append(Content.assemble(*second))
    return Content("\n").join(lines)


class PairsPanel(Static):
    """Recomputed by the app only when a symbol of the watchlist (or FX) changed."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id)
        self.plain = ""
        self.border_title = PAIRS_TITLE

    def show(self, store: MarketStore, watchlist: Watchlist) -> None:
        content = pairs_content(store, watchlist, self.size.width or 80)
        if content.plain != self.plain:
            self.plain = content.plain
            self.update(content)
