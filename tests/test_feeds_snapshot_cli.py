"""`aiwatch snapshot --format json`, as a user runs it, against a small server that is not the simulator: it
serves recorded Yahoo responses (../shared/yahoo-recorded), and the snapshot must carry the recorded prices
and market caps converted to USD at the served FX rate."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from feeds_fake_yahoo import FakeYahoo, need_recorded, recorded_summary_baba, recorded_v7_results

ROOT = Path(__file__).resolve().parents[1]

WATCHLIST = """\
title = "Recorded responses"

[[instrument]]
symbol = "AAPL"
name = "Apple"
side = "us"

[[instrument]]
symbol = "BABA"
name = "Alibaba (ADS)"
side = "cn"

[[instrument]]
symbol = "GS2C.DE"
name = "A XETRA listing in EUR"
side = "us"

[[instrument]]
symbol = "EUR=X"
name = "EUR per USD"
side = "us"
kind = "fx"
"""


def _eur_per_usd(eurusd: dict) -> dict:
    """Yahoo's EUR=X (EUR per USD) from the recorded EURUSD=X (USD per EUR): the same rate, inverted.
    The app's FX table reads `<CCY>=X`; only EURUSD=X was recorded."""
    inverted = dict(eurusd)
    inverted.update(symbol="EUR=X", currency="EUR", regularMarketPrice=1.0 / eurusd["regularMarketPrice"])
    for key in ("regularMarketPreviousClose", "regularMarketOpen", "regularMarketDayHigh", "regularMarketDayLow",
                "regularMarketChange", "regularMarketChangePercent", "bid", "ask"):
        inverted.pop(key, None)
    return inverted


@pytest.fixture
async def recorded_yahoo() -> AsyncIterator[tuple[FakeYahoo, dict]]:
    need_recorded()
    v7 = recorded_v7_results()
    v7["EUR=X"] = _eur_per_usd(v7["EURUSD=X"])
    server = FakeYahoo(v7=v7, summaries={"BABA": recorded_summary_baba()})
    await server.start()
    yield server, v7
    await server.stop()


async def test_snapshot_json_from_recorded_responses(recorded_yahoo: tuple[FakeYahoo, dict], tmp_path: Path) -> None:
    fake, v7 = recorded_yahoo
    (tmp_path / "config" / "watchlists").mkdir(parents=True)
    (tmp_path / "config" / "watchlists" / "recorded.toml").write_text(WATCHLIST)
    env = {
        **os.environ,
        "AIWATCH_YAHOO_URL": fake.base_url,
        "AIWATCH_STREAM_URL": fake.stream_url,
        "AIWATCH_CONFIG_DIR": str(tmp_path / "config"),
        "AIWATCH_CACHE_DIR": str(tmp_path / "cache"),
        "AIWATCH_LOG_DIR": str(tmp_path / "log"),
        "AIWATCH_DATA_DIR": str(tmp_path / "data"),
        "PYTHONPATH": str(ROOT),
    }
    env.pop("AIWATCH_TRANSPORT", None)
    # the served symbols have no statements but BABA: the snapshot waits `--timeout` for them, then prints
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tui", "snapshot", "--watchlist", "recorded", "--format", "json", "--timeout", "3",
        cwd=tmp_path, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, err.decode()
    doc = json.loads(out)
    # this server is not Yahoo, whatever it serves: the document says so, as the app's header does
    assert doc["source"] == "other" and doc["source_url"] == fake.base_url.rstrip("/")
    assert doc["simulated"] is None and doc["missing"] == []
    rows = {q["symbol"]: q for q in doc["quotes"]}
    for symbol in ("AAPL", "BABA", "GS2C.DE"):
        assert rows[symbol]["price"] == pytest.approx(v7[symbol]["regularMarketPrice"], rel=1e-9), symbol
        assert rows[symbol]["currency"] == v7[symbol]["currency"]
        assert rows[symbol]["source"] == "rest"
    usd_per_eur = v7["EURUSD=X"]["regularMarketPrice"]
    assert doc["fx"]["EUR"] == pytest.approx(usd_per_eur, rel=1e-6)
    # market caps in USD: price x shares x USD per unit of the price currency
    for symbol, usd_per in (("AAPL", 1.0), ("BABA", 1.0), ("GS2C.DE", usd_per_eur)):
        expected = v7[symbol]["regularMarketPrice"] * v7[symbol]["sharesOutstanding"] * usd_per
        assert rows[symbol]["market_cap_usd"] == pytest.approx(expected, rel=1e-6), symbol
        assert rows[symbol]["price_usd"] == pytest.approx(v7[symbol]["regularMarketPrice"] * usd_per, rel=1e-6)
    # BABA reports in CNY (its statements need CNY=X, which this server does not serve): no mixed-currency P/S
    assert rows["BABA"]["ps_ttm"] is None
    # the cookie and crumb went with every data request, and nothing went anywhere but this server
    assert fake.paths()[:2] == ["/", "/v1/test/getcrumb"]
    assert all(q.get("crumb") == "crumbA" for _, p, q in fake.log if p.startswith(("/v7/", "/v10/")))
