"""The benchmark's 60 symbols, all trading at once, and the watchlist that shows them.

At any instant at most ~24 of the simulator's 44 shipped symbols trade (the US and the Asian sessions do not
overlap), so a 60-symbol board where every row ticks needs more US listings. Rather than touch the shipped
baseline (`tui/data/baseline.toml`), the benchmark's simulator adds **clones** of the shipped US equities with
symbols `BNAA`, `BNAB`, … and names "bench clone N of NVDA": the same model parameters, their own random paths
(their own stream keys). They exist only in the benchmark's simulator process and its watchlist.

The watchlist: the 19 shipped US-listed equities + ^GSPC, 37 clones, and the three FX rates (60 rows), with two
pairs (the US-listed Chinese ADRs are on the `cn` side), so the pairs and concentration panels work too.
"""

from __future__ import annotations

import dataclasses
import string
from pathlib import Path

N_SYMBOLS = 60
FX = ("HKD=X", "CNY=X", "JPY=X")
CN_ADRS = ("BABA", "BIDU", "NIO", "XPEV", "LI", "BYDDY")  # US-listed, "cn" side by theme
PAIRS = (
    ("Cloud AI", ("MSFT", "GOOGL", "AMZN"), ("BABA", "BIDU")),
    ("EVs", ("TSLA",), ("NIO", "XPEV", "LI", "BYDDY")),
)


def clone_symbols(n: int) -> list[str]:
    letters = string.ascii_uppercase
    return [f"BN{letters[i // 26]}{letters[i % 26]}" for i in range(n)]


def bench_baseline():
    """The shipped baseline plus the clones (imports numpy-free modules only; the market needs numpy)."""
    from tui.sim.baseline import load_baseline, stable_hash

    base = load_baseline()
    us = [li for li in base.listings.values() if li.market.code == "US" and li.is_equity]
    real = [li.symbol for li in base.listings.values() if li.market.code == "US"]
    n_clones = N_SYMBOLS - len(real) - len(FX)
    listings = dict(base.listings)
    for i, sym in enumerate(clone_symbols(n_clones)):
        src = us[i % len(us)]
        listings[sym] = dataclasses.replace(
            src, symbol=sym, name=f"bench clone {i + 1} of {src.symbol}",
            long_name=f"Bench clone {i + 1} of {src.long_name}", company=sym.lower(), stream_key=stable_hash(sym))
    return dataclasses.replace(base, listings=listings)


def watchlist_toml() -> str:
    """The `bench` watchlist: every US listing of the simulator, the clones and FX — 60 rows."""
    base = bench_baseline()
    rows = []
    for li in base.listings.values():
        if li.market.code == "US" or li.symbol in FX:
            side = "cn" if li.symbol in CN_ADRS else "us"
            rows.append((li.symbol, li.name, side))
    assert len(rows) == N_SYMBOLS, len(rows)
    out = ['title = "Benchmark: 60 symbols"', 'description = "python -m bench (simulated clones included)"',
           "order = 99", ""]
    for sym, name, side in rows:
        out += ["[[instrument]]", f'symbol = "{sym}"', f'name = "{name}"', f'side = "{side}"', ""]
    for name, us, cn in PAIRS:
        out += ["[[pair]]", f'name = "{name}"', f"us = {list(us)!r}".replace("'", '"'),
                f"cn = {list(cn)!r}".replace("'", '"'), ""]
    return "\n".join(out)


def write_config(config_dir: Path) -> Path:
    """Write the bench watchlist into `config_dir`/watchlists/bench.toml; returns its path."""
    d = config_dir / "watchlists"
    d.mkdir(parents=True, exist_ok=True)
    path = d / "bench.toml"
    path.write_text(watchlist_toml(), encoding="utf-8")
    return path


def symbols() -> list[str]:
    base = bench_baseline()
    return [li.symbol for li in base.listings.values() if li.market.code == "US" or li.symbol in FX]
