"""The concentration panel: HHI with the 2010 guideline thresholds, effective N, largest share, US/CN split."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from tui.core.concentration import HHI_THRESHOLDS_2010, Concentration, concentration, hhi_label
from tui.core.store import MarketStore
from tui.format import fmt_int, fmt_share
from tui.model import Watchlist

Part = tuple[str, str] | str
HHI_MAX = 10_000.0
LABEL_W = 9


def bar(fraction: float, width: int, style: str, marks: tuple[float, ...] = ()) -> list[Part]:
    """A bar `width` cells long, filled to `fraction` (0–1), with `marks` (0–1) drawn as ┃."""
    fraction = max(0.0, min(1.0, fraction))
    mark_cells = {min(width - 1, int(m * width)) for m in marks}
    filled = round(fraction * width)
    parts: list[Part] = []
    for i in range(width):
        if i in mark_cells:
            parts.append(("┃", "bold $warning"))
        elif i < filled:
            parts.append(("█", style))
        else:
            parts.append(("░", "$text-muted"))
    return parts


def split_bar(us: float, cn: float, width: int) -> list[Part]:
    total = us + cn
    us_cells = round(us / total * width) if total > 0 else 0
    return [("█" * us_cells, "$primary"), ("█" * (width - us_cells), "$secondary")]


def concentration_title(conc: Concentration | None) -> str:
    if conc is None:
        return "Concentration"
    title = f"Concentration · {conc.n_companies} companies by USD market cap"
    if conc.missing:
        title += f" · {len(conc.missing)} listing(s) without a cap yet"
    return title


def concentration_lines(conc: Concentration, watchlist: Watchlist, width: int, compact: bool = False) -> list[Content]:
    """Five lines (HHI, its thresholds, effective N, largest, US/CN split), or three when `compact`."""
    bar_w = max(10, min(40, width - LABEL_W - 36))
    (moderate, _), (high, _) = HHI_THRESHOLDS_2010
    top = watchlist.instrument(conc.top1_symbol)
    top_name = f"{top.name if top is not None else conc.top1_company} ({conc.top1_symbol})"
    eff_fraction = conc.effective_n / conc.n_companies if conc.n_companies else 0.0
    hhi_bar = bar(conc.hhi / HHI_MAX, bar_w, "$accent", (moderate / HHI_MAX, high / HHI_MAX))
    split = Content.assemble("US | CN".ljust(LABEL_W), *split_bar(conc.us_share, conc.cn_share, bar_w),
                             (f" US {fmt_share(conc.us_share)}", "bold $primary"), " · ",
                             (f"CN {fmt_share(conc.cn_share)}", "bold $secondary"))
    if compact:
        return [
            Content.assemble("HHI".ljust(LABEL_W), *hhi_bar, (f" {fmt_int(conc.hhi)}", "bold"),
                             f" {hhi_label(conc.hhi)}"),
            Content.assemble(" " * LABEL_W, ("┃", "bold $warning"),
                             (f" {fmt_int(moderate)} / {fmt_int(high)}: 2010 US merger guidelines", "$text-muted"),
                             (" · eff. N ", "$text-muted"), (f"{conc.effective_n:.1f}", "bold"),
                             f" of {conc.n_companies}"),
            Content.assemble("Largest".ljust(LABEL_W), *bar(conc.top1_share, bar_w, "$accent"),
                             (f" {fmt_share(conc.top1_share)}", "bold"), f" {top_name}"),
            split,
        ]
    return [
        Content.assemble("HHI".ljust(LABEL_W), *hhi_bar, (f" {fmt_int(conc.hhi)}", "bold"), f" {hhi_label(conc.hhi)}"),
        Content.assemble(" " * LABEL_W, ("┃", "bold $warning"),
                         ((f" {fmt_int(moderate)} moderately · {fmt_int(high)} highly concentrated"
                           " (2010 US merger guidelines)"), "$text-muted")),
        Content.assemble("Eff. N".ljust(LABEL_W), *bar(eff_fraction, bar_w, "$accent"),
                         (f" {conc.effective_n:.1f}", "bold"), f" of {conc.n_companies} companies"),
        Content.assemble("Largest".ljust(LABEL_W), *bar(conc.top1_share, bar_w, "$accent"),
                         (f" {fmt_share(conc.top1_share)}", "bold"), f" {top_name}",
                         (f" · top 3 {fmt_share(conc.top3_share)}", "$text-muted")),
        split,
    ]


def concentration_content(conc: Concentration | None, watchlist: Watchlist, width: int,
                          compact: bool = False) -> Content:
    if conc is None:
        return Content.assemble(("waiting for market caps", "$text-muted"))
    return Content("\n").join(concentration_lines(conc, watchlist, width, compact))


class ConcentrationPanel(Static):
    """Recomputed by the app only when a symbol of the watchlist (or FX) changed."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id)
        self.plain = ""
        self.value: Concentration | None = None
        self.border_title = concentration_title(None)

    def show(self, store: MarketStore, watchlist: Watchlist, *, compact: bool = False) -> None:
        self.value = concentration(store, watchlist)
        self.border_title = concentration_title(self.value)
        content = concentration_content(self.value, watchlist, self.size.width or 80, compact)
        if content.plain != self.plain:
            self.plain = content.plain
            self.update(content)
