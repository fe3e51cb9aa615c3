"""The simulator over loopback with aiohttp's client: cookie, crumb, quotes, fundamentals, charts, stream."""

import asyncio
import base64
import json

import aiohttp
import pytest

from tui.core.clock import Clock, parse_instant
from tui.feeds.pricing import PricingData
from tui.sim.server import Simulator

NOW = "2026-11-24T15:00:00Z"  # Tuesday 10:00 New York, 23:00 Hong Kong


@pytest.fixture
async def sim():
    s = Simulator(Clock(at=parse_instant(NOW), speed=0), seed=7, rate=400)
    await s.start()
    yield s
    await s.stop()


@pytest.fixture
async def session():
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as s:
        yield s


async def crumb_for(sim, session) -> str:
    async with session.get(sim.base_url + "/") as r:
        assert r.status == 404
        assert "A3=" in r.headers["Set-Cookie"]
    async with session.get(sim.base_url + "/v1/test/getcrumb") as r:
        assert r.status == 200
        return await r.text()


async def test_crumb_needs_the_cookie(sim, session):
    async with session.get(sim.base_url + "/v1/test/getcrumb") as r:
        assert r.status == 401
    crumb = await crumb_for(sim, session)
    assert crumb and len(crumb) == 11


async def test_quote_many_symbols_unknown_left_out(sim, session):
    crumb = await crumb_for(sim, session)
    params = {"symbols": "NVDA,0981.HK,NOSUCH,HKD=X,^GSPC,CRWV", "crumb": crumb}
    async with session.get(sim.base_url + "/v7/finance/quote", params=params) as r:
        assert r.status == 200
        assert r.headers["Content-Type"].startswith("application/json")
        body = await r.json()
    result = {q["symbol"]: q for q in body["quoteResponse"]["result"]}
    assert list(result) == ["NVDA", "0981.HK", "HKD=X", "^GSPC", "CRWV"]
    assert body["quoteResponse"]["error"] is None
    nvda = result["NVDA"]
    assert nvda["marketState"] == "REGULAR" and nvda["exchangeDataDelayedBy"] == 0
    assert nvda["trailingPE"] == pytest.approx(nvda["regularMarketPrice"] / nvda["epsTrailingTwelveMonths"])
    assert nvda["marketCap"] == pytest.approx(nvda["regularMarketPrice"] * nvda["sharesOutstanding"], rel=1e-9)
    assert isinstance(nvda["marketCap"], int) and isinstance(nvda["regularMarketTime"], int)
    smic = result["0981.HK"]
    assert smic["exchangeDataDelayedBy"] == 15 and smic["currency"] == "HKD" and smic["financialCurrency"] == "USD"
    assert smic["marketState"] == "POSTPOST" and smic["exchangeTimezoneName"] == "Asia/Hong_Kong"
    assert "trailingPE" not in result["CRWV"] and result["CRWV"]["epsTrailingTwelveMonths"] < 0
    assert result["HKD=X"]["quoteType"] == "CURRENCY" and result["^GSPC"]["quoteType"] == "INDEX"


async def test_bad_crumb_is_yahoos_401(sim, session):
    await crumb_for(sim, session)
    async with session.get(sim.base_url + "/v7/finance/quote", params={"symbols": "NVDA", "crumb": "x"}) as r:
        assert r.status == 401
        assert await r.json() == {"finance": {"result": None, "error": {"code": "Unauthorized",
                                                                         "description": "Invalid Crumb"}}}


async def test_quote_summary_raw_and_formatted(sim, session):
    crumb = await crumb_for(sim, session)
    modules = "price,summaryDetail,defaultKeyStatistics,financialData"
    url = sim.base_url + "/v10/finance/quoteSummary/BABA"
    async with session.get(url, params={"modules": modules, "crumb": crumb, "formatted": "false"}) as r:
        raw = (await r.json())["quoteSummary"]["result"][0]
    async with session.get(url, params={"modules": modules, "crumb": crumb}) as r:
        fmt = (await r.json())["quoteSummary"]["result"][0]
    assert set(raw) == set(modules.split(","))
    assert raw["financialData"]["financialCurrency"] == "CNY" and raw["price"]["currency"] == "USD"
    assert isinstance(raw["financialData"]["totalRevenue"], int)
    assert fmt["financialData"]["totalRevenue"]["raw"] == raw["financialData"]["totalRevenue"]
    assert fmt["financialData"]["totalRevenue"]["fmt"].endswith("T")
    assert fmt["summaryDetail"]["marketCap"]["raw"] == raw["summaryDetail"]["marketCap"]
    stats = raw["defaultKeyStatistics"]
    assert stats["trailingEps"] == pytest.approx(
        stats["netIncomeToCommon"] / 7.11 / stats["sharesOutstanding"], abs=1e-4)
    async with session.get(sim.base_url + "/v10/finance/quoteSummary/NOSUCH",
                           params={"modules": modules, "crumb": crumb}) as r:
        assert r.status == 404
        assert (await r.json())["quoteSummary"]["error"]["description"] == "Quote not found for symbol: NOSUCH"


async def test_chart_one_year_daily(sim, session):
    async with session.get(sim.base_url + "/v8/finance/chart/MSFT", params={"range": "1y", "interval": "1d"}) as r:
        assert r.status == 200
        res = (await r.json())["chart"]["result"][0]
    n = len(res["timestamp"])
    assert 245 <= n <= 256
    q = res["indicators"]["quote"][0]
    assert all(len(q[k]) == n for k in ("open", "high", "low", "close", "volume"))
    assert all(lo <= c <= hi for lo, c, hi in zip(q["low"], q["close"], q["high"], strict=True))
    assert res["timestamp"] == sorted(res["timestamp"])
    assert res["meta"]["regularMarketPrice"] == pytest.approx(q["close"][-1], rel=1e-6)
    assert res["indicators"]["adjclose"][0]["adjclose"] == q["close"]
    async with session.get(sim.base_url + "/v8/finance/chart/0700.HK",
                           params={"range": "1d", "interval": "5m"}) as r:
        intraday = (await r.json())["chart"]["result"][0]
    assert len(intraday["timestamp"]) == 66  # 5.5 trading hours, lunch excluded
    async with session.get(sim.base_url + "/v8/finance/chart/NOSUCH", params={"range": "1y"}) as r:
        assert r.status == 404


def decode(text: str):
    frame = json.loads(text)
    assert frame["type"] == "pricing"
    msg = PricingData()
    msg.ParseFromString(base64.b64decode(frame["message"]))
    return msg


async def receive_frames(ws, n: int):
    out = []
    for _ in range(n):
        m = await asyncio.wait_for(ws.receive(), timeout=5)
        assert m.type == aiohttp.WSMsgType.TEXT
        out.append(decode(m.data))
    return out


async def test_stream_subscribe_and_unsubscribe(sim, session):
    async with session.ws_connect(sim.stream_url) as ws:
        await ws.send_str(json.dumps({"subscribe": ["NVDA", "0700.HK", "NOSUCH"]}))
        frames = await receive_frames(ws, 40)
        assert {f.id for f in frames} == {"NVDA"}  # Hong Kong is closed; unknown symbols say nothing
        f = frames[0]
        assert f.quote_type == 8 and f.market_hours == 1 and f.exchange == "NMS"
        assert "currency" not in {field.name for field, _ in f.ListFields()}  # as Yahoo's equity frames
        assert f.time == int(parse_instant(NOW).timestamp()) * 1000
        await ws.send_str(json.dumps({"unsubscribe": ["NVDA"]}))
        await ws.send_str(json.dumps({"subscribe": ["MSFT"]}))
        # frames already on the wire may still be NVDA's; from MSFT's first frame on, only MSFT
        while (await receive_frames(ws, 1))[0].id != "MSFT":
            pass
        assert {f.id for f in await receive_frames(ws, 40)} == {"MSFT"}


async def test_stream_rate_is_per_second_across_symbols():
    s = Simulator(Clock(at=parse_instant(NOW), speed=0), seed=7, rate=1000)
    await s.start()
    try:
        async with aiohttp.ClientSession() as session, session.ws_connect(s.stream_url) as ws:
            await ws.send_str(json.dumps({"subscribe": ["NVDA", "AMD", "MSFT", "TSLA"]}))
            loop = asyncio.get_running_loop()
            t0 = loop.time()
            frames = await receive_frames(ws, 500)
            elapsed = loop.time() - t0
        assert {f.id for f in frames} == {"NVDA", "AMD", "MSFT", "TSLA"}
        assert elapsed < 3.0  # 500 frames at 1000/s
    finally:
        await s.stop()
