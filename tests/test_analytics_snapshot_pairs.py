"""`aiwatch snapshot --format json`: every pair's numbers are what a hand calculation from the inputs and FX rates
it lists gives; relative performance, Nvidia dependency, listing premiums and the Mag-7 estimate are in it."""

from __future__ import annotations

import json
import math

import pytest
from e2e_support import US_OPEN, aiwatch

from tui.watchlists import load_all

PINNED = ("--demo", "--at", US_OPEN, "--speed", "0")
ENV = {"AIWATCH_CONFIG_DIR": "/nonexistent-aiwatch"}


@pytest.fixture(scope="module")
def chips():
    run = aiwatch("snapshot", *PINNED, "--watchlist", "chips", "--history", "--format", "json", env=ENV)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def _usd(doc, ccy):
    return 1.0 if ccy == "USD" else doc["fx"][ccy]


def _by_hand(doc, symbol):
    """Cap, earnings, revenue, EV and EBITDA in USD from the listed inputs and FX rates."""
    i = doc["inputs"][symbol]
    px, fin = _usd(doc, i["currency"]), _usd(doc, i["financial_currency"])
    cap = i["price"] * i["shares"] * px
    return {"cap": cap, "earnings": i["net_income_ttm"] * fin, "revenue": i["revenue_ttm"] * fin,
            "ev": cap + (i["total_debt"] - i["total_cash"]) * fin, "ebitda": i["ebitda"] * fin,
            "pe_fwd": i["price"] / i["eps_forward"] if i["eps_forward"] and i["eps_forward"] > 0 else None}


def _close(a, b):
    return (a is None and b is None) or (a is not None and b is not None and math.isclose(a, b, rel_tol=1e-9))


def test_every_pair_matches_a_hand_calculation(chips):
    for p in chips["pairs"]:
        sides = {}
        for side in ("us", "cn"):
            members = [_by_hand(chips, s) for s in p["members"][side]["symbols"]]
            tot = {k: sum(m[k] for m in members) for k in ("cap", "earnings", "revenue", "ev", "ebitda")}
            sides[side] = {
                "pe_ttm": tot["cap"] / tot["earnings"] if tot["earnings"] > 0 else None,
                "ps_ttm": tot["cap"] / tot["revenue"],
                "ev_sales": tot["ev"] / tot["revenue"],
                "ev_ebitda": tot["ev"] / tot["ebitda"] if tot["ebitda"] > 0 else None,
                "ey": tot["earnings"] / tot["cap"],
            }
            if len(members) == 1:
                sides[side]["pe_fwd"] = members[0]["pe_fwd"]
        m = p["metrics"]
        for key in ("pe_ttm", "ps_ttm", "ev_sales", "ev_ebitda", "pe_fwd"):
            if key not in sides["us"] or key not in sides["cn"]:
                continue
            us, cn = sides["us"][key], sides["cn"][key]
            assert _close(m[key]["us"], us) and _close(m[key]["cn"], cn), (p["name"], key)
            if us and cn:
                assert math.isclose(m[key]["premium_pct"], (us / cn - 1) * 100, rel_tol=1e-9)
                assert math.isclose(m[key]["log_ratio"], math.log(us / cn), rel_tol=1e-9)
        ey_pp = (sides["us"]["ey"] - sides["cn"]["ey"]) * 100
        assert math.isclose(m["pe_ttm"]["ey_spread_pp"], ey_pp, rel_tol=1e-9), p["name"]


def test_fx_rates_used_are_listed_with_their_quotes(chips):
    for ccy, fx in chips["fx_quotes"].items():
        assert fx["symbol"] == f"{ccy}=X" and fx["time"] and fx["source"]
        assert math.isclose(fx["usd_per"], 1 / fx["per_usd"], rel_tol=1e-12)
        assert math.isclose(chips["fx"][ccy], fx["usd_per"], rel_tol=1e-12)
    for i in chips["inputs"].values():
        if i["financial_currency"] and i["financial_currency"] != "USD":
            assert math.isclose(i["usd_per_financial_ccy"], chips["fx"][i["financial_currency"]], rel_tol=1e-12)


def test_relative_performance_and_its_z_score_from_the_series(chips):
    wl = load_all().watchlists["chips"]
    assert len(chips["pairs"]) == len(wl.pairs)
    for p in chips["pairs"]:
        h = p["history"]
        assert h is not None, p["name"]
        xs = [x for _, x in h["series"]]
        assert h["points"] == len(xs) >= 240 and h["live"] and h["fx_basis"] in ("daily", "usd")
        tail = xs[-h["z_window"]:]
        mean = sum(tail) / len(tail)
        std = math.sqrt(sum((x - mean) ** 2 for x in tail) / (len(tail) - 1))
        assert math.isclose(h["z"], (tail[-1] - mean) / std, rel_tol=1e-9)
        assert math.isclose(h["change_pct"], math.expm1(xs[-1] - xs[0]) * 100, rel_tol=1e-9)
    single = next(p for p in chips["pairs"] if p["us"] == ["NVDA"] and p["cn"] == ["0981.HK"])
    # the live point: ln(NVDA USD price / SMIC H price in USD) from the quotes and FX the document lists
    q = {x["symbol"]: x for x in chips["quotes"]}
    live = math.log(q["NVDA"]["price"] / (q["0981.HK"]["price"] * chips["fx"]["HKD"]))
    assert math.isclose(single["history"]["log_ratio"], live, rel_tol=1e-9)


def test_nvidia_dependency_and_listing_premiums(chips):
    dep = chips["dependency"]
    q = {x["symbol"]: x for x in chips["quotes"]}
    wl = load_all().watchlists["chips"]
    us_caps = {}
    for inst in wl.instruments:
        if inst.side == "us" and inst.kind == "equity" and q.get(inst.symbol, {}).get("market_cap_usd"):
            us_caps.setdefault(inst.company, q[inst.symbol]["market_cap_usd"])
    assert math.isclose(dep["weight_in_us_side"], q["NVDA"]["market_cap_usd"] / sum(us_caps.values()), rel_tol=1e-9)
    assert dep["names"] and all(n["weeks"] >= 40 for n in dep["names"])
    assert all(-1 <= n["corr"] <= 1 for n in dep["names"])
    ah = next(p for p in chips["listing_premiums"] if p["kind"] == "A/H")
    a, h = q[ah["symbol"]], q[ah["base"]]
    by_hand = a["price"] * chips["fx"]["CNY"] / (h["price"] * chips["fx"]["HKD"]) - 1
    assert math.isclose(ah["premium_pct"], by_hand * 100, rel_tol=1e-9)


def test_mag7_share_estimate_is_dated():
    run = aiwatch("snapshot", *PINNED, "--watchlist", "mag7", "--format", "json", env=ENV)
    assert run.returncode == 0, run.stderr
    doc = json.loads(run.stdout)
    m = doc["mag7"]
    ref = m["reference"]
    assert m["label"] == f"est., ref. {ref['as_of']}" and not ref["from_config"]
    total = ref["total_cap_usd"] * m["gspc_now"] / ref["gspc"]
    caps = sum(q["market_cap_usd"] for q in doc["quotes"] if q["kind"] == "equity")
    assert math.isclose(m["sp500_total_est_usd"], total, rel_tol=1e-9)
    assert math.isclose(m["share_est"], caps / total, rel_tol=1e-9)
    assert 0.2 < m["share_est"] < 0.5
