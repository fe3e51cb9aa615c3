"""The concentration panel: HHI with the 2010 guideline thresholds, effective N, largest share, US/CN split."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from textual.content import Content

from tui.core.capex import SideCapex, capex_view
from tui.core.concentration import HHI_THRESHOLDS_2010, Concentration, concentration, hhi_label
from tui.core.dependency import Dependency, Sensitivity, dependency, sensitivities
from tui.core.mag7 import Mag7Share, mag7_for_watchlist
from tui.core.store import MarketStore
from tui.format import fmt_cap, fmt_int, fmt_share
from tui.model import Side, Watchlist
from tui.widgets.lines import LinesView
from tui.widgets.repaint import set_border_title

Part = tuple[str, str] | str
HHI_MAX = 10_000.0
LABEL_W = 9


def bar(fraction: float, width: int, style: str, marks: tuple[float, ...] = ()) -> list[Part]:
    """A bar `width` cells long, filled to `fraction` (0–1), with `marks` (0–1) drawn as ┃."""
    fraction = max(0.0, min(1.0, fraction))
    mark_cells = {min(width - 1, int(m * width)) for m in marks}
    filled = round(fraction * width)
    parts: list[tuple[str, str]] = []
    for i in range(width):
        cell = ("┃", "bold $warning") if i in mark_cells else ("█", style) if i < filled else ("░", "$text-muted")
        if parts and parts[-1][1] == cell[1]:  # one run per style (every part is a span to draw)
            parts[-1] = (parts[-1][0] + cell[0], cell[1])
        else:
            parts.append(cell)
    return list(parts)


def split_bar(us: float, cn: float, width: int, *, glyphs: tuple[str, str] = ("█", "█")) -> list[Part]:
    """The US and China shares of `width` cells; `glyphs` (US, CN) tell them apart where colour cannot (NO_COLOR)."""
    total = us + cn
    us_cells = round(us / total * width) if total > 0 else 0
    return [(glyphs[0] * us_cells, "$primary"), (glyphs[1] * (width - us_cells), "$secondary")]


SPLIT_GLYPHS_NO_COLOR = ("█", "▒")  # without colour the two sides are two glyphs


def plural(n: int, word: str, words: str | None = None) -> str:
    """`1 company`, `19 companies`."""
    return f"{n} {word if n == 1 else (words or word + 's')}"


def fitting(width: int, *forms: list[Part]) -> Content:
    """The first of `forms` (widest first) that fits `width` cells; the last one when none does (a panel wraps it
    at a space, never in a number)."""
    for parts in forms:
        line = Content.assemble(*parts)
        if line.cell_length <= width:
            return line
    return line


def concentration_title(conc: Concentration | None, width: int | None = None) -> str:
    """`Concentration · 19 companies by USD market cap · 1 listing without a cap yet`, the words giving way to fit
    `width` cells (the counts stay)."""
    if conc is None:
        return "Concentration"
    companies = plural(conc.n_companies, "company", "companies")
    missing = f" · {plural(len(conc.missing), 'listing')} without a cap yet" if conc.missing else ""
    forms = (f"Concentration · {companies} by USD market cap{missing}", f"Concentration · {companies}{missing}",
             f"Concentration · {companies}" + (f" · {len(conc.missing)} without a cap" if conc.missing else ""))
    return next((t for t in forms if width is None or len(t) <= width), forms[-1])


def bar_width(width: int) -> int:
    return max(10, min(40, width - LABEL_W - 36))


def concentration_lines(conc: Concentration, watchlist: Watchlist, width: int, compact: bool = False,
                        no_color: bool = False) -> list[Content]:
    """Five lines (HHI, its thresholds, effective N, largest, US/CN split), or four when `compact`; each in the
    widest form that fits `width` (words go before numbers: a number is never cut)."""
    bar_w = bar_width(width)
    (moderate, _), (high, _) = HHI_THRESHOLDS_2010
    top = watchlist.instrument(conc.top1_symbol)
    top_name = f"{top.name if top is not None else conc.top1_company} ({conc.top1_symbol})"
    eff_fraction = conc.effective_n / conc.n_companies if conc.n_companies else 0.0
    hhi_bar = bar(conc.hhi / HHI_MAX, bar_w, "$accent", (moderate / HHI_MAX, high / HHI_MAX))
    glyphs = SPLIT_GLYPHS_NO_COLOR if no_color else ("█", "█")
    split = fitting(width, ["US | CN".ljust(LABEL_W), *split_bar(conc.us_share, conc.cn_share, bar_w, glyphs=glyphs),
                            (f" US {fmt_share(conc.us_share)}", "bold $primary"), " · ",
                            (f"CN {fmt_share(conc.cn_share)}", "bold $secondary")])
    hhi_line = fitting(width, ["HHI".ljust(LABEL_W), *hhi_bar, (f" {fmt_int(conc.hhi)}", "bold"), f" {hhi_label(conc.hhi)}"],
                       ["HHI".ljust(LABEL_W), *hhi_bar, (f" {fmt_int(conc.hhi)}", "bold")])
    largest_bar = bar(conc.top1_share, bar_w, "$accent")
    top3 = (f" · top 3 {fmt_share(conc.top3_share)}", "$text-muted")
    largest = fitting(width,
                      ["Largest".ljust(LABEL_W), *largest_bar, (f" {fmt_share(conc.top1_share)}", "bold"),
                       f" {top_name}", top3],
                      ["Largest".ljust(LABEL_W), *largest_bar, (f" {fmt_share(conc.top1_share)}", "bold"),
                       f" {conc.top1_symbol}", top3],
                      ["Largest".ljust(LABEL_W), *largest_bar, (f" {fmt_share(conc.top1_share)}", "bold"),
                       f" {conc.top1_symbol}"])
    eff_n: list[Part] = [(" · eff. N ", "$text-muted"), (f"{conc.effective_n:.1f}", "bold"),
                         f" of {conc.n_companies}"]
    if compact:
        return [
            hhi_line,
            fitting(width,
                    [" " * LABEL_W, ("┃", "bold $warning"),
                     (f" {fmt_int(moderate)} / {fmt_int(high)}: 2010 US merger guidelines", "$text-muted"), *eff_n],
                    [" " * LABEL_W, ("┃", "bold $warning"), (f" {fmt_int(moderate)} / {fmt_int(high)}", "$text-muted"),
                     *eff_n]),
            largest,
            split,
        ]
    return [
        hhi_line,
        fitting(width,
                [" " * LABEL_W, ("┃", "bold $warning"),
                 ((f" {fmt_int(moderate)} moderately · {fmt_int(high)} highly concentrated"
                   " (2010 US merger guidelines)"), "$text-muted")],
                [" " * LABEL_W, ("┃", "bold $warning"),
                 (f" {fmt_int(moderate)} moderately · {fmt_int(high)} highly concentrated", "$text-muted")],
                [" " * LABEL_W, ("┃", "bold $warning"), (f" {fmt_int(moderate)} / {fmt_int(high)}", "$text-muted")]),
        fitting(width,
                ["Eff. N".ljust(LABEL_W), *bar(eff_fraction, bar_w, "$accent"), (f" {conc.effective_n:.1f}", "bold"),
                 f" of {plural(conc.n_companies, 'company', 'companies')}"],
                ["Eff. N".ljust(LABEL_W), *bar(eff_fraction, bar_w, "$accent"), (f" {conc.effective_n:.1f}", "bold"),
                 f" of {conc.n_companies}"]),
        largest,
        split,
    ]


def _short(watchlist: Watchlist, symbol: str) -> str:
    inst = watchlist.instrument(symbol)
    name = inst.name if inst is not None else symbol
    return name.split(" (")[0] if len(name) <= 14 else symbol


def dependency_line(dep: Dependency, watchlist: Watchlist, width: int, bar_w: int, compact: bool) -> Content:
    """`NVDA dep. ████░░ 41.2% of US cap · β/ρ to NVDA (weekly, 1y): AMD 1.4/0.8 · SMIC 0.8/0.5`, as much of it as
    fits `width`: the betas that fit, the note on their wait only when it fits whole."""
    parts: list[Part] = ["NVDA dep".ljust(LABEL_W)]
    if dep.weight is not None:
        parts += [*bar(dep.weight, bar_w, "$accent"), (f" {fmt_share(dep.weight)}", "bold")]
        whole = f" of US side's cap ({dep.us_companies} co.)"
        parts.append(whole if Content.assemble(*parts, whole).cell_length <= width else " of US cap")
    else:
        parts.append(("NVDA has no market cap yet", "$text-muted"))
    with_beta: list[Sensitivity] = [s for s in dep.sensitivities if s.beta is not None]
    if not dep.sensitivities or not with_beta:
        return fitting(width, [*parts, (" · β to NVDA: waiting for a year of daily closes", "$text-muted")],
                       [*parts, (" · β: waiting for daily closes", "$text-muted")], parts)
    room = width - Content.assemble(*parts).cell_length - 20
    shown = []
    for s in with_beta:
        text = f"{_short(watchlist, s.symbol)} {s.beta:.2f}/{s.corr:.2f}" if s.corr is not None else (
            f"{_short(watchlist, s.symbol)} {s.beta:.2f}")
        if sum(len(t) + 3 for t in shown) + len(text) > room:
            break
        shown.append(text)
    if shown:  # no room for one: left out rather than shown as a dash that would read "no data"
        parts += [(" · β/ρ weekly 1y: ", "$text-muted"), " · ".join(shown)]
    return Content.assemble(*parts)


def mag7_line(m: Mag7Share, bar_w: int, width: int = 10_000) -> Content:
    """`Mag-7 ████░░ 35.7% of S&P 500 (est., ref. 2025-09-30)`, or why there is no number; the estimate's label is
    never left out (a narrower bar first)."""
    parts: list[Part] = ["Mag-7".ljust(LABEL_W)]
    if m.share is None:
        parts.append((f"share of the S&P 500: {m.note or 'not known yet'}", "$text-muted"))
        return Content.assemble(*parts)
    tail: list[Part] = [(f" {fmt_share(m.share)}", "bold"), " of S&P 500", (f" ({m.label})", "$warning")]
    return fitting(width, [*parts, *bar(m.share, bar_w, "$accent"), *tail],
                   [*parts, *bar(m.share, max(1, min(bar_w, 5)), "$accent"), *tail], [*parts, *tail])


CAPEX_SCALE = 0.5  # the capex gauge's bars run from 0 to 50 % of revenue


def _usd_short(x: float | None) -> str:
    if x is None:
        return NO_DATA_SHORT
    return ("-" if x < 0 else "") + "$" + fmt_cap(abs(x))


def capex_line(us: SideCapex, cn: SideCapex, width: int) -> Content | None:
    """`Capex    US ██░░░░ 17% of revenue · FCF after capex $171B │ CN █░░░░░ 12% · $28B`: each side's TTM capex
    intensity (Σ capex / Σ revenue) and free cash flow after capex, in USD; None while neither side has figures
    (the statements come after the quotes, fundamentals and history)."""
    if us.with_data == 0 and cn.with_data == 0:
        return None
    bar_w = 8 if width >= 100 else 5
    parts: list[Part] = ["Capex".ljust(LABEL_W)]
    for n, (tag, side, style) in enumerate((("US", us, "$primary"), ("CN", cn, "$secondary"))):
        if n:
            parts.append(("  │  ", "$text-muted"))
        parts.append((f"{tag} ", f"bold {style}"))
        if side.capex_to_revenue is None:
            parts.append(("no figures yet", "$text-muted"))
            continue
        parts += [*bar(side.capex_to_revenue / CAPEX_SCALE, bar_w, style),
                  (f" {fmt_share(side.capex_to_revenue, 0)}", "bold"),
                  " of revenue" if n == 0 else "", " · FCF after capex " if n == 0 else " · FCF ",
                  (_usd_short(side.fcf_usd), "bold")]
    tail: Part = ("  TTM, USD · c: details", "$text-muted")
    line = Content.assemble(*parts, tail)
    return line if line.cell_length <= width else Content.assemble(*parts)


NO_DATA_SHORT = "—"


def concentration_content(conc: Concentration | None, watchlist: Watchlist, width: int,
                          compact: bool = False, **kwargs) -> Content:
    """The panel's lines (`concentration_panel_lines`, same arguments) as one Content."""
    return Content("\n").join(concentration_panel_lines(conc, watchlist, width, compact, **kwargs))


def concentration_panel_lines(conc: Concentration | None, watchlist: Watchlist, width: int,
                              compact: bool = False, *, dep: Dependency | None = None,
                              mag7: Mag7Share | None = None, capex: Content | None = None,
                              no_color: bool = False) -> list[Content]:
    if conc is None:
        return [Content.assemble(("waiting for market caps", "$text-muted"))]
    lines = concentration_lines(conc, watchlist, width, compact, no_color)
    bar_w = bar_width(width)
    if dep is not None:
        lines.append(dependency_line(dep, watchlist, width, min(bar_w, 20) if compact else bar_w, compact))
    if mag7 is not None:
        lines.append(mag7_line(mag7, bar_w, width))
    if capex is not None and not compact:  # where it fits: not on a short screen
        lines.append(capex)
    return lines


class ConcentrationPanel(LinesView):
    """Recomputed by the app only when a symbol of the watchlist (or FX) changed."""

    def __init__(self, *, id: str | None = None, reference_overrides: Mapping[str, Any] | None = None) -> None:
        super().__init__(id=id)
        # the [reference] table of the config the app runs with (--config or the default file); None: the
        # default file's, read by tui.core.mag7
        self.reference_overrides = reference_overrides
        self.value: Concentration | None = None
        self.dependency: Dependency | None = None
        self.mag7: Mag7Share | None = None
        self._sens_key: tuple | None = None
        self._sens: tuple[Sensitivity, ...] = ()
        self.border_title = concentration_title(None)

    def _sensitivities(self, store: MarketStore, watchlist: Watchlist) -> tuple[Sensitivity, ...]:
        """Betas change only when the daily history does: recomputed then, not on every tick."""
        key = (id(watchlist), tuple((s, id(store.history.get(s))) for s in sorted(store.history)))
        if key != self._sens_key:
            self._sens_key, self._sens = key, sensitivities(store, watchlist)
        return self._sens

    def show(self, store: MarketStore, watchlist: Watchlist, *, compact: bool = False) -> None:
        self.value = concentration(store, watchlist)
        set_border_title(self, concentration_title(self.value, self.outer_size.width - 2 if self.outer_size.width
                                                    else None))
        self.dependency = (dependency(store, watchlist, sens=self._sensitivities(store, watchlist))
                           if watchlist.instrument("NVDA") is not None else None)
        self.mag7 = mag7_for_watchlist(store, watchlist.symbols, self.reference_overrides)
        width = self.size.width or 80
        capex = None
        if not compact and store.statements:
            sides = capex_view(store, watchlist).sides
            capex = capex_line(sides[Side.US], sides[Side.CN], width)
        lines = concentration_panel_lines(self.value, watchlist, width, compact,
                                          dep=self.dependency, mag7=self.mag7, capex=capex,
                                          no_color=bool(getattr(self.app, "no_color", False)))
        self.set_lines(lines)  # only the lines that changed are drawn again
