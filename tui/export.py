"""Exports from the app: the board and the pair spreads of the watchlist on screen, as CSV files in the data dir.

Two files per export, `<watchlist>-board-<UTC stamp>.csv` and `<watchlist>-spreads-<UTC stamp>.csv`, each row
carrying `as_of` and `source` ("demo" for simulated data, so an export can never pass for real quotes; "other"
and the server's URL when Yahoo's hosts were pointed elsewhere, so it cannot pass for Yahoo's either).
Written atomically. Nothing here imports Textual.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

from tui.atomic import atomic_write_text
from tui.core.snapshot import CSV_COLUMNS, build_snapshot, csv_row
from tui.core.store import MarketStore
from tui.model import Watchlist

SPREAD_COLUMNS = ("pair", "metric", "us", "cn", "ratio", "premium_pct", "ey_spread_pp", "us_with_data", "us_total",
                  "cn_with_data", "cn_total", "us_change_pct", "cn_change_pct")


def _cell(v) -> object:
    return "" if v is None else v


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
        w.writerow([*(_cell(v) for v in csv_row(doc, q)), doc["as_of"]])

    spreads = io.StringIO()
    w = csv.writer(spreads, lineterminator="\n")
    w.writerow([*SPREAD_COLUMNS, "as_of", "data_source", "data_source_url"])
    for p in doc["pairs"]:
        m_us, m_cn = p["members"]["us"], p["members"]["cn"]
        for metric, m in p["metrics"].items():
            w.writerow([p["name"], metric, _cell(m["us"]), _cell(m["cn"]), _cell(m["ratio"]), _cell(m["premium_pct"]),
                        _cell(m.get("ey_spread_pp")), m_us["with_data"], m_us["total"], m_cn["with_data"],
                        m_cn["total"], _cell(p["us_change_pct"]), _cell(p["cn_change_pct"]), doc["as_of"], source,
                        _cell(doc["source_url"])])

    board_path = out_dir / f"{watchlist.name}-board-{stamp}.csv"
    spreads_path = out_dir / f"{watchlist.name}-spreads-{stamp}.csv"
    atomic_write_text(board_path, board.getvalue())
    atomic_write_text(spreads_path, spreads.getvalue())
    return board_path, spreads_path
