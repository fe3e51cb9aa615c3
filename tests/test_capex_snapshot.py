"""`aiwatch snapshot --capex` as a user runs it, on the simulator: the `capex` object's keys, figures that follow
from the simulator's dated statements, null (never 0) where nothing is known, each company once, the deals."""

from __future__ import annotations

import json
import math
import tomllib

import pytest
from e2e_support import US_OPEN, aiwatch

from tui.paths import data_dir

PINNED = ("--demo", "--at", US_OPEN, "--speed", "0")
COMPANY_KEYS = {"symbol", "company", "side", "statement_currency", "latest_quarter", "ttm", "capex_growth",
                "revenue_growth", "net_debt_usd", "net_debt_to_ebitda", "interest_coverage", "quarters"}
TTM_KEYS = {"capex_usd", "revenue_usd", "ocf_usd", "fcf_usd", "ebitda_usd", "capex_to_revenue", "fcf_margin"}
QUARTER_KEYS = {"as_of", "capex", "ocf", "fcf", "revenue"}
SIDE_KEYS = {"capex_usd", "revenue_usd", "ocf_usd", "fcf_usd", "capex_to_revenue"}


@pytest.fixture(scope="module")
def capex_doc() -> dict:
    run = aiwatch("snapshot", *PINNED, "--capex", "--format", "json", "--watchlist", "openai-vs-deepseek",
                  env={"AIWATCH_CONFIG_DIR": "/nonexistent-aiwatch"})
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def _sim_statements() -> dict:
    return tomllib.loads((data_dir() / "statements.toml").read_text(encoding="utf-8"))


def test_capex_snapshot_has_the_documented_object(capex_doc: dict) -> None:
    cx = capex_doc["capex"]
    assert {"companies", "sides", "deals"} <= set(cx)
    for c in cx["companies"]:
        assert COMPANY_KEYS <= set(c), c["symbol"]
        assert TTM_KEYS <= set(c["ttm"])
        assert all(QUARTER_KEYS <= set(q) for q in c["quarters"])
        assert c["side"] in ("us", "cn")
    assert set(cx["sides"]) == {"us", "cn"}
    for side in cx["sides"].values():
        assert SIDE_KEYS <= set(side)
    for d in cx["deals"]:
        assert d["date"] and d["status"] in ("announced", "reported", "confirmed", "stalled") and d["source"]
    assert cx["deals_as_of"] == "2026-01-31" and cx["missing"] == []


def test_capex_snapshot_figures_follow_the_dated_statements(capex_doc: dict) -> None:
    cx = capex_doc["capex"]
    by = {c["symbol"]: c for c in cx["companies"]}
    ms = _sim_statements()["company"]["microsoft"]
    msft = by["MSFT"]
    assert msft["statement_currency"] == "USD" and msft["latest_quarter"] == "2025-09-30"
    assert msft["ttm"]["capex_usd"] == pytest.approx(sum(ms["capex"][-4:]) * 1e9)
    assert msft["ttm"]["revenue_usd"] == pytest.approx(sum(ms["revenue"][-4:]) * 1e9)
    fcf = sum(ms["ocf"][-4:]) - sum(ms["capex"][-4:])
    assert msft["ttm"]["fcf_usd"] == pytest.approx(fcf * 1e9)
    assert msft["capex_growth"] == pytest.approx(sum(ms["capex"][-4:]) / sum(ms["capex"][:4]) - 1)
    assert msft["net_debt_usd"] == pytest.approx((ms["total_debt"][-1] - ms["cash"][-1]) * 1e9)
    assert [q["as_of"] for q in msft["quarters"]] == [d.isoformat() for d in ms["quarters"]]
    assert msft["quarters"][-1]["capex"] == pytest.approx(ms["capex"][-1] * 1e9)  # spent: positive
    # Alibaba reports in CNY: statement-currency quarters, USD TTM at the snapshot's own CNY rate; counted once
    ali = _sim_statements()["company"]["alibaba"]
    alibaba = [c for c in cx["companies"] if c["company"] == "alibaba"]
    assert len(alibaba) == 1 and alibaba[0]["statement_currency"] == "CNY"
    usd_per_cny = capex_doc["fx"]["CNY"]
    assert alibaba[0]["ttm"]["capex_usd"] == pytest.approx(sum(ali["capex"][-4:]) * 1e9 * usd_per_cny)
    assert alibaba[0]["quarters"][-1]["revenue"] == pytest.approx(ali["revenue"][-1] * 1e9)
    assert alibaba[0]["ttm"]["capex_to_revenue"] == pytest.approx(sum(ali["capex"][-4:]) / sum(ali["revenue"][-4:]))


def test_capex_snapshot_unknowns_are_null_never_zero(capex_doc: dict) -> None:
    cx = capex_doc["capex"]
    cambricon = next(c for c in cx["companies"] if c["company"] == "cambricon")
    assert cambricon["latest_quarter"] is None and cambricon["quarters"] == []
    assert all(v is None for v in cambricon["ttm"].values())
    assert cambricon["net_debt_usd"] is None and cambricon["interest_coverage"] is None
    # no number anywhere in the capex object is NaN or infinite
    def walk(x):
        if isinstance(x, float):
            assert math.isfinite(x)
        elif isinstance(x, dict):
            for v in x.values():
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)
    walk(cx)


def test_capex_snapshot_sides_sum_the_companies_counted(capex_doc: dict) -> None:
    cx = capex_doc["capex"]
    for side, totals in cx["sides"].items():
        counted = [c for c in cx["companies"] if c["side"] == side and all(
            c["ttm"][k] is not None for k in ("capex_usd", "revenue_usd", "ocf_usd"))]
        assert totals["with_data"] == len(counted) > 0
        assert totals["capex_usd"] == pytest.approx(sum(c["ttm"]["capex_usd"] for c in counted))
        assert totals["revenue_usd"] == pytest.approx(sum(c["ttm"]["revenue_usd"] for c in counted))
        assert totals["fcf_usd"] == pytest.approx(sum(c["ttm"]["fcf_usd"] for c in counted))
        assert totals["capex_to_revenue"] == pytest.approx(totals["capex_usd"] / totals["revenue_usd"])
    assert cx["openai_circle"]["commitments_to_revenue"] == pytest.approx(610.4 / 8.6)
    oracle = next(c for c in cx["companies"] if c["company"] == "oracle")
    assert "openai-oracle-cloud" in oracle["deals"] and oracle["money_in"]["low_usd"] == pytest.approx(300e9)
    warrant = next(d for d in cx["deals"] if d["id"] == "amd-openai-warrant")
    amd_price = next(q["price_usd"] for q in capex_doc["quotes"] if q["symbol"] == "AMD")
    assert warrant["value_usd"] == pytest.approx(160e6 * amd_price)  # valued at the live price


def test_capex_snapshot_table_and_plain_snapshot() -> None:
    table = aiwatch("snapshot", *PINNED, "--capex", "--watchlist", "mag7",
                    env={"AIWATCH_CONFIG_DIR": "/nonexistent-aiwatch"})
    assert table.returncode == 0, table.stderr
    assert "capex, cash flow and debt" in table.stdout and "US side: capex $" in table.stdout
    assert "OpenAI's commitments: at least $610.4B" in table.stdout
    assert all(len(line) <= 100 for line in table.stdout.splitlines())
    section = table.stdout.split("capex, cash flow and debt")[1]
    aapl = next(line for line in section.splitlines() if line.startswith("AAPL "))
    assert aapl.rstrip().endswith("n/a")  # Apple's interest expense is not reported: coverage n/a
    plain = aiwatch("snapshot", *PINNED, "--format", "json", "--watchlist", "mag7",
                    env={"AIWATCH_CONFIG_DIR": "/nonexistent-aiwatch"})
    assert plain.returncode == 0 and "capex" not in json.loads(plain.stdout)
