"""`aiwatch snapshot --portfolio NAME`, as a user runs it, on the simulator at a frozen instant: the `portfolio`
object is checked against a hand calculation from the simulator's own model (its prices, previous closes and FX
daily closes, rounded as its Yahoo endpoints serve them), not against the app's arithmetic. With the default
China source (Tencent's quote page, which derives HKD=X from two CNY crosses), against the rates the snapshot
says it used."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import subprocess
import sys
from decimal import Decimal
from fractions import Fraction as F
from pathlib import Path

import pytest

from tui.core.clock import parse_instant
from tui.sim.payloads import f32, rnd

ROOT = Path(__file__).resolve().parents[1]
AT = "2026-11-24T15:00:00Z"  # New York open; Hong Kong and Shanghai closed for the day

BOOK = """\
title = "Snapshot book"

[[lot]]
symbol = "NVDA"
date = 2024-03-01            # 10 before the split: 100 at 80
quantity = 10
price = 800
fees = 1

[[lot]]
symbol = "NVDA"
date = 2025-06-02
quantity = 50
price = 150
fees = 1

[[close]]                    # the 100 split-adjusted shares, then 20 of the second lot
symbol = "NVDA"
date = 2025-08-01
quantity = 120
price = 180
fees = 2

[[lot]]
symbol = "0700.HK"           # no rate written: the FX daily close of 2025-02-03
date = 2025-02-03
quantity = 200
price = 600
fees = 50
pair = "Tencent vs Tesla"

[[lot]]
symbol = "TSLA"
date = 2025-04-01
quantity = -50
price = 400
fees = 2
pair = "Tencent vs Tesla"

[[lot]]
symbol = "688981.SS"
date = 2025-03-03
quantity = 1000
price = 100
fees = 27
fx = 7.25

[[cash]]
currency = "USD"
amount = 10000

[[cash]]
currency = "HKD"
amount = 78000
"""


def snapshot(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    config = tmp_path / "config"
    (config / "portfolios").mkdir(parents=True, exist_ok=True)
    (config / "portfolios" / "mine.toml").write_text(BOOK)
    env = {**os.environ, "AIWATCH_CONFIG_DIR": str(config), "AIWATCH_CACHE_DIR": str(tmp_path / "cache"),
           "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "tui", "snapshot", "--demo", "--at", AT, "--speed", "0",
                           "--timeout", "60", *args], env=env, capture_output=True, text=True, timeout=180,
                          cwd=tmp_path, check=False)


def money(x: F) -> float:
    """Rounded half-even to cents, as the document rounds."""
    return float((Decimal(x.numerator) / Decimal(x.denominator)).quantize(Decimal("0.01")))


@pytest.fixture(scope="module")
def doc(tmp_path_factory) -> dict:
    # every price and rate through Yahoo's endpoints, whose serving (rounding, 32-bit chart closes) is modelled here
    run = snapshot(tmp_path_factory.mktemp("snap"), "--portfolio", "mine", "--format", "json",
                   "--china-source", "yahoo")
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def test_portfolio_snapshot_object_matches_a_hand_calculation(doc, market):
    t = parse_instant(AT).timestamp()
    pf = doc["portfolio"]
    assert pf["name"] == "mine" and pf["base_currency"] == "USD" and pf["as_of"] == "2026-11-24T15:00:00Z"
    assert pf["simulated"] is True

    def served(symbol: str):
        """(price, previous close) as the simulator serves them at `t`."""
        li, view = market.listing(symbol), market.view(symbol, t)
        return F(rnd(view.price, li)), F(rnd(view.previous_close, li))

    nvda, nvda_prev = served("NVDA")
    tsla, tsla_prev = served("TSLA")
    tencent, tencent_prev = served("0700.HK")
    smic, smic_prev = served("688981.SS")
    hkd, hkd_prev = served("HKD=X")
    cny, cny_prev = served("CNY=X")
    # the HKD lot's rate: the simulator's daily close of 2025-02-03, as its chart serves it (a 32-bit float)
    hkd_trade = F(f32(rnd(market.close_on("HKD=X", dt.date(2025, 2, 3)), market.listing("HKD=X"))))

    rows = {p["symbol"]: p for p in pf["positions"]}
    assert set(rows) == {"NVDA", "0700.HK", "TSLA", "688981.SS"}
    expected = {
        "NVDA": {"quantity": 30, "value": 30 * nvda, "cost": 30 * 150 + F("0.6"), "day": 30 * (nvda - nvda_prev), "fx": F(0),
                     "realized": 120 * 180 - 2 - (100 * 80 + 1) - (20 * 150 + F("0.4"))},
        "TSLA": {"quantity": -50, "value": -50 * tsla, "cost": F(-50 * 400 + 2), "day": -50 * (tsla - tsla_prev), "fx": F(0),
                     "realized": F(0)},
        "0700.HK": {"quantity": 200, "value": 200 * tencent / hkd, "cost": (200 * 600 + 50) / hkd_trade,
                        "day": 200 * (tencent / hkd - tencent_prev / hkd_prev), "fx": 200 * 600 * (1 / hkd - 1 / hkd_trade),
                        "realized": F(0)},
        "688981.SS": {"quantity": 1000, "value": 1000 * smic / cny, "cost": (1000 * 100 + 27) / F("7.25"),
                          "day": 1000 * (smic / cny - smic_prev / cny_prev),
                          "fx": 1000 * 100 * (1 / cny - 1 / F("7.25")), "realized": F(0)},
    }
    cash = 10000 + 78000 / hkd
    nav = sum(e["value"] for e in expected.values()) + cash
    for symbol, e in expected.items():
        row = rows[symbol]
    for symbol, e in expected.items():
        row = rows[symbol]
        assert row["quantity"] == e["quantity"], symbol
        assert row["value"] == money(e["value"]), symbol
        assert row["unrealized_pnl"] == money(e["value"] - e["cost"]), symbol
        assert row["pnl_fx"] == money(e["fx"]), symbol
        # the two effects add up to the unrealized P&L in the document too, to the cent
        assert Decimal(str(row["pnl_price"])) + Decimal(str(row["pnl_fx"])) == Decimal(str(row["unrealized_pnl"]))
        assert row["day_pnl"] == money(e["day"]), symbol
        assert row["realized_pnl"] == money(e["realized"]), symbol
        assert row["weight"] == pytest.approx(float(e["value"] / nav), abs=1e-6)
    assert rows["NVDA"]["avg_cost"] == 150.02 and rows["TSLA"]["avg_cost"] == 399.96
    assert rows["0700.HK"]["currency"] == "HKD" and rows["0700.HK"]["company"] == "tencent"
    assert rows["0700.HK"]["side"] == "cn" and rows["TSLA"]["side"] == "us"
    assert pf["cash"] == money(cash) and pf["nav"] == money(nav)
    long = expected["NVDA"]["value"] + expected["0700.HK"]["value"] + expected["688981.SS"]["value"]
    short = -expected["TSLA"]["value"]
    assert pf["long_value"] == money(long) and pf["short_value"] == money(short)
    assert pf["gross"] == money(long + short) and pf["net"] == money(long - short)
    assert pf["day_pnl"] == money(sum(e["day"] for e in expected.values()))
    assert pf["unrealized_pnl"] == money(sum(e["value"] - e["cost"] for e in expected.values()))
    assert pf["realized_pnl"] == money(expected["NVDA"]["realized"])
    assert pf["missing"] == [] and pf["approximate"] == []

    e = pf["exposure"]
    assert e["by_side"]["us"] == money(expected["NVDA"]["value"] + expected["TSLA"]["value"])
    assert e["by_currency"]["HKD"] == money(expected["0700.HK"]["value"])
    assert set(e["by_company"]) == {"nvidia", "tesla", "tencent", "smic"}
    weights = [abs(x["value"]) for x in expected.values()]
    hhi = 10000 * sum((w / sum(weights)) ** 2 for w in weights)
    assert e["hhi"] == pytest.approx(float(hhi), abs=0.05)
    assert e["nvda_beta_dollars"] is not None  # the book's histories were fetched: a beta for each position
    assert e["beta_missing"] == []

    (pair,) = pf["pairs"]
    assert pair["name"] == "Tencent vs Tesla"
    entry = F(50 * 400) / (F(200 * 600) / hkd_trade)
    assert pair["hedge_ratio_entry"] == pytest.approx(float(entry), abs=1e-6)


def test_portfolio_snapshot_values_at_the_rates_it_reports(tmp_path):
    """The default China source quotes Hong Kong, Shanghai and HKD=X itself: each position's value is its quantity
    x its price at the FX rate the same document reports, and cash likewise."""
    run = snapshot(tmp_path, "--portfolio", "mine", "--format", "json")
    assert run.returncode == 0, run.stderr
    doc = json.loads(run.stdout)
    pf = doc["portfolio"]
    per_usd = {ccy: F(repr(q["per_usd"])) for ccy, q in doc["fx_quotes"].items()}
    per_usd["USD"] = F(1)
    for row in pf["positions"]:
        if row["quantity"]:
            expected = row["quantity"] * F(repr(row["price"])) / per_usd[row["currency"]]
            assert row["value"] == money(expected), row["symbol"]
        assert Decimal(str(row["pnl_price"])) + Decimal(str(row["pnl_fx"])) == Decimal(str(row["unrealized_pnl"]))
    assert pf["cash"] == money(10000 + 78000 / per_usd["HKD"])


def test_portfolio_snapshot_csv_and_table(tmp_path):
    run = snapshot(tmp_path, "--portfolio", "mine", "--format", "csv")
    assert run.returncode == 0, run.stderr
    rows = list(csv.DictReader(io.StringIO(run.stdout)))
    assert [r["symbol"] for r in rows][-2:] == ["CASH", "TOTAL"]
    assert {r["symbol"] for r in rows[:-2]} == {"NVDA", "0700.HK", "TSLA", "688981.SS"}
    assert all(r["data_source"] == "demo" and r["portfolio"] == "mine" for r in rows)
    run = snapshot(tmp_path, "--portfolio", "mine", "--format", "table")
    assert run.returncode == 0, run.stderr
    assert "portfolio mine (Snapshot book)" in run.stdout and "NAV " in run.stdout
    assert "pair Tencent vs Tesla" in run.stdout
    assert max(len(line) for line in run.stdout.splitlines()) <= 100


def test_portfolio_snapshot_unknown_book_is_an_error(tmp_path):
    run = snapshot(tmp_path, "--portfolio", "nope")
    assert run.returncode == 2
    assert "unknown portfolio 'nope'" in run.stderr and "known: demo, mine" in run.stderr
