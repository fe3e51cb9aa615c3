"""Exports from the app: the board and the pair spreads of the watchlist on screen, as CSV files in the data dir.

Two files per export, `<watchlist>-board-<UTC stamp>.csv` and `<watchlist>-spreads-<UTC stamp>.csv`, each row
carrying `as_of` and `source` ("demo" for simulated data, so an export can never pass for real quotes; "other"
and the server's URL when Yahoo's hosts were pointed elsewhere, so it cannot pass for Yahoo's either).
Written atomically, and never over an earlier export: a second export in the same second gets `-2` after its
stamp (both files of one export share the number). Every cell passes `csv_cell` (tui/sanitize.py): a text
cell that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, carriage return first) gets a
leading `'`; numbers stay numbers. Nothing here imports Textual.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

from tui.atomic import NotOverwritten, atomic_write_text
from tui.core.snapshot import CSV_COLUMNS, build_snapshot, csv_cells, csv_row
from tui.core.store import MarketStore
from tui.model import Watchlist

SPREAD_COLUMNS = ("pair", "metric", "us", "cn", "ratio", "premium_pct", "ey_spread_pp", "us_with_data", "us_total",
                  "cn_with_data", "cn_total", "us_change_pct", "cn_change_pct")


def export_csv(store: MarketStore, watchlist: Watchlist, *, now: float, source: str, stale_after: float = 60.0,
               out_dir: Path | None = None, source_url: str | None = None,
               sources: list[dict] | None = None) -> tuple[Path, Path]:
    """Write the board and the spreads; returns (board path, spreads path). `sources`: the run's sources
    (tui.runtime.Runtime.sources_info), so that each board row names its own."""
    from tui.paths import user_data_dir

    out_dir = out_dir or user_data_dir() / "exports"
    doc = build_snapshot(store, watchlist, now=now, source=source, stale_after=stale_after, source_url=source_url,
                         sources=sources)
    stamp = datetime.fromtimestamp(now, UTC).strftime("%Y%m%dT%H%M%SZ")
    board = io.StringIO()
    w = csv.writer(board, lineterminator="\n")
    w.writerow([*CSV_COLUMNS, "as_of"])
    for q in doc["quotes"]:
        w.writerow(csv_cells([*csv_row(doc, q), doc["as_of"]]))

    spreads = io.StringIO()
    w = csv.writer(spreads, lineterminator="\n")
    w.writerow([*SPREAD_COLUMNS, "as_of", "data_source", "data_source_url"])
    for p in doc["pairs"]:
        m_us, m_cn = p["members"]["us"], p["members"]["cn"]
        for metric, m in p["metrics"].items():
            w.writerow(csv_cells([p["name"], metric, m["us"], m["cn"], m["ratio"], m["premium_pct"],
                                  m.get("ey_spread_pp"), m_us["with_data"], m_us["total"], m_cn["with_data"],
                                  m_cn["total"], p["us_change_pct"], p["cn_change_pct"], doc["as_of"], source,
                                  doc["source_url"]]))

    for n in range(1, 1000):
        tail = stamp if n == 1 else f"{stamp}-{n}"
        board_path = out_dir / f"{watchlist.name}-board-{tail}.csv"
        spreads_path = out_dir / f"{watchlist.name}-spreads-{tail}.csv"
        if spreads_path.exists():
            continue
        try:
            atomic_write_text(board_path, board.getvalue(), expect=None)  # an earlier export is never replaced
        except NotOverwritten:
            continue
        try:
            atomic_write_text(spreads_path, spreads.getvalue(), expect=None)
        except NotOverwritten:  # taken in the instant between: this export's pair under the next free number
            board_path.unlink()
            continue
        return board_path, spreads_path
    raise NotOverwritten(out_dir / f"{watchlist.name}-board-{stamp}.csv", "and 998 numbered exports after it exist")
