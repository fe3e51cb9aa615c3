"""How the main screen's height is shared between the quote board and the two panels below it.

The header, the status line and the footer always keep their rows. Of what is left, the board first gets its
border, its column titles and up to BOARD_MIN_ROWS rows; then each panel its smallest useful size (its border and
one pair; its border and the concentration's first three lines); then the pairs panel up to all its lines, then the
concentration panel up to all of its; the board takes every row that is still left. On a short terminal the panels
give way first, a line at a time, and go altogether before the board loses a row of its minimum.
Nothing here imports Textual.
"""

from __future__ import annotations

from dataclasses import dataclass

BOARD_MIN_ROWS = 5
BOARD_CHROME = 2  # the border carrying the board's state, and the column titles
PAIRS_MIN = 3  # the border and one pair (two lines)
CONCENTRATION_MIN = 4  # the border, the HHI, its thresholds and the largest company
PAIRS_MAX_TALL, PAIRS_MAX_SHORT = 13, 7  # the border and six pairs, or three on a terminal under 30 rows


@dataclass(frozen=True, slots=True)
class Fit:
    """Rows for each panel, their borders included (0: the panel is hidden); the board has the rest."""

    pairs: int
    concentration: int
    board: int


def fit(rows: int, board_rows: int, pairs_lines: int, concentration_lines: int, *, short: bool = False) -> Fit:
    """Share `rows` (the height between the header and the status line) between the board (`board_rows` quotes)
    and the panels (`pairs_lines` and `concentration_lines` of content, without their borders)."""
    left = max(0, rows - (BOARD_CHROME + min(board_rows, BOARD_MIN_ROWS)))
    pairs_full = min(1 + pairs_lines, PAIRS_MAX_SHORT if short else PAIRS_MAX_TALL) if pairs_lines else 0
    conc_full = 1 + concentration_lines if concentration_lines else 0
    pairs = conc = 0
    if pairs_full and left >= min(PAIRS_MIN, pairs_full):
        pairs = min(PAIRS_MIN, pairs_full)
        left -= pairs
    if conc_full and left >= min(CONCENTRATION_MIN, conc_full):
        conc = min(CONCENTRATION_MIN, conc_full)
        left -= conc
    if pairs:
        more = min(left, pairs_full - pairs)
        more -= more % 2 if pairs_full - pairs - more else 0  # whole pairs: two lines each, never half of one
        pairs += more
        left -= more
    if conc:
        more = min(left, conc_full - conc)
        conc += more
        left -= more
    return Fit(pairs, conc, max(0, rows - pairs - conc))
