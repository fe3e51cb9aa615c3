"""The simulator speaks Tencent's and Sina's quote pages on its port, from the model behind its Yahoo endpoints: at
one instant the three protocols give one price (Yahoo's copy 15 minutes behind, as in reality), in each
protocol's own layout and encoding; and its fault switches make a quote page fail, lag or answer empty."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import aiohttp
import pytest
from ui_support import ManualClock

from tui.feeds import sina, tencent
from tui.feeds.pricing import PricingData
from tui.feeds.yahoo_parse import parse_v7_quote
from tui.sim.server import Simulator

# Wednesday 2026-11-25 02:30 UTC: Hong Kong and Shanghai 10:30, both in session
T = datetime(2026, 11, 25, 2, 30, tzinfo=UTC)
SYMBOLS = ["0981.HK", "1211.HK", "^HSI", "688981.SS", "000001.SS", "002594.SZ"]
REFERER = {"Referer": sina.REFERER}


@pytest.fixture
async def sim():
    clock = ManualClock(T)
    server = Simulator(clock, seed=7, rate=0)
    await server.start()
    yield server
    await server.stop()


async def get(url: str, headers: dict | None = None) -> tuple[int, bytes, str]:
    async with aiohttp.ClientSession() as session, session.get(url, headers=headers) as resp:
        return resp.status, await resp.read(), resp.headers.get("Content-Type", "")


async def yahoo_v7(sim: Simulator, symbols: list[str]) -> dict:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        async with session.get(sim.base_url + "/"):
            pass
        async with session.get(sim.base_url + "/v1/test/getcrumb") as resp:
            crumb = await resp.text()
        async with session.get(sim.base_url + "/v7/finance/quote",
                               params={"symbols": ",".join(symbols), "crumb": crumb}) as resp:
            doc = await resp.json()
    quotes, _funds = parse_v7_quote(doc, sim.clock.now())
    return {q.symbol: q for q in quotes}


def keys(fn, symbols):
    return {fn(s): s for s in symbols}


async def test_sim_china_three_protocols_agree_at_one_instant(sim):
    from tui.feeds.china_keys import sina_key, tencent_key

    t_keys, s_keys = keys(tencent_key, SYMBOLS), keys(sina_key, SYMBOLS)
    status, body, ctype = await get(tencent.quote_url(sim.base_url, list(t_keys)))
    assert status == 200 and "GBK" in ctype.upper()
    tq = {q.symbol: q for q in tencent.parse_reply(body, sim.clock.now(), t_keys).quotes}
    status, body, _ = await get(sina.quote_url(sim.base_url, list(s_keys)), REFERER)
    assert status == 200
    sq = {q.symbol: q for q in sina.parse_reply(body, sim.clock.now(), s_keys).quotes}
    assert set(tq) == set(sq) == set(SYMBOLS)
    now_yahoo = await yahoo_v7(sim, SYMBOLS)
    sim.clock.advance(15 * 60)  # Yahoo shows this instant of Hong Kong and Shanghai 15 minutes later
    later_yahoo = await yahoo_v7(sim, SYMBOLS)
    for s in SYMBOLS:
        t, n, y = tq[s], sq[s], later_yahoo[s]
        assert t.price == n.price == y.price, s  # one instant, one price, whichever protocol
        assert t.time == n.time == y.time, s
        assert t.previous_close == n.previous_close == y.previous_close, s
        assert t.time == T.timestamp()  # real time: the quote page shows now
        assert now_yahoo[s].time <= T.timestamp() - 15 * 60  # Yahoo now: the market of 15 minutes ago
    # Yahoo's stream at that later instant carries the same trade
    msg = sim._message("0981.HK", sim.clock.now())
    frame = PricingData()
    frame.ParseFromString(base64.b64decode(msg))
    assert round(frame.price, 3) == tq["0981.HK"].price and frame.time // 1000 == int(tq["0981.HK"].time)


async def test_sim_china_records_follow_the_recorded_layouts(sim):
    status, body, _ = await get(tencent.quote_url(sim.base_url, ["r_hk00981", "sh688981", "r_hkHSI", "whUSDCNY"]))
    assert status == 200
    records = dict(tencent.split_records(body.decode("gb18030")))
    hk, a, hsi = (records[k].split("~") for k in ("r_hk00981", "sh688981", "r_hkHSI"))
    assert (len(hk), len(a), len(hsi)) == (78, 88, 47)
    assert (hk[0], hk[1], hk[2], hk[75]) == ("100", "中芯国际", "00981", "HKD")
    assert hk[30] == "2026/11/25 10:30:00" and a[30] == "20261125103000"
    assert (a[0], a[82]) == ("1", "CNY") and hsi[46] == "Hang Seng Index"
    assert records["whUSDCNY"].split("~")[2] == "USDCNY"
    status, body, _ = await get(sina.quote_url(sim.base_url, ["rt_hk00981", "sh688981"]), REFERER)
    assert status == 200
    s_records = dict(sina.split_records(body.decode("gb18030")))
    assert len(s_records["rt_hk00981"].split(",")) == 19 and len(s_records["sh688981"].split(",")) == 34
    assert s_records["sh688981"].split(",")[30:32] == ["2026-11-25", "10:30:00"]


async def test_sim_china_unknown_keys_sina_referer_and_utf8_page(sim):
    status, body, _ = await get(tencent.quote_url(sim.base_url, ["r_hk00981", "r_hk99999", "usAAPL"]))
    reply = tencent.parse_reply(body, 0.0)
    assert [q.symbol for q in reply.quotes] == ["0981.HK"] and reply.none_match
    status, body, _ = await get(sina.quote_url(sim.base_url, ["rt_hk00981"]))
    assert status == 403 and body == b"Kinsoku jikou desu!"  # no Referer, as Sina since 2022
    status, body, _ = await get(sina.quote_url(sim.base_url, ["rt_hk99999"]), REFERER)
    assert body.strip() == b'var hq_str_rt_hk99999="";'
    status, body, ctype = await get(sim.base_url + "/utf8/q=r_hk00981")
    assert "utf-8" in ctype.lower() and "中芯国际" in body.decode("utf-8")


async def test_sim_china_fault_switches(sim):
    url = tencent.quote_url(sim.base_url, ["r_hk00981"])
    sim.faults.tencent = "down"
    assert (await get(url))[0] == 502
    sim.faults.tencent = "empty"
    status, body, _ = await get(url)
    assert status == 200 and body == b""
    sim.faults.tencent, sim.faults.tencent_lag = "ok", 15 * 60.0
    lagging = tencent.parse_reply((await get(url))[1], 0.0).quotes[0]
    assert lagging.time <= T.timestamp() - 15 * 60  # the market as it was 15 minutes ago, stamped so
    sim.faults.sina = "down"
    assert (await get(sina.quote_url(sim.base_url, ["rt_hk00981"]), REFERER))[0] == 502
    assert sim.china_requests == {"tencent": 3, "sina": 1}
    assert sim.requests == 0  # Yahoo's REST faults and counters are not touched by the quote pages


def test_sim_china_fault_spec_parses_and_names_bad_items():
    from tui.sim.faults import parse_faults

    f = parse_faults("tencent=empty,tencent_lag=15m,sina=down,sina_lag=30s")
    assert (f.tencent, f.tencent_lag, f.sina, f.sina_lag) == ("empty", 900.0, "down", 30.0)
    assert not f.any  # Yahoo's faults are off
    with pytest.raises(ValueError, match="tencent=sleepy"):
        parse_faults("tencent=sleepy")
    assert json.dumps(f.china("tencent")) == '["empty", 900.0]'
