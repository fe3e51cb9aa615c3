"""Fault switches: spec parsing, REST 429/500, dropped and closed sockets, malformed frames."""

import asyncio
import base64
import binascii
import json
import math

import aiohttp
import pytest
from google.protobuf.message import DecodeError

from tui.core.clock import Clock, parse_instant
from tui.feeds.pricing import PricingData
from tui.sim.faults import GARBAGE_KINDS, make_garbage, parse_faults
from tui.sim.server import Simulator

NOW = "2026-11-24T15:00:00Z"


def test_parse_spec():
    f = parse_faults("drop=10s,close=25s,http429=3,http500=0.1,slow=0.05,garbage=0.01")
    assert (f.drop_every, f.close_every, f.http429_first, f.http500, f.slow, f.garbage) == (
        10.0, 25.0, 3, 0.1, 0.05, 0.01)
    assert parse_faults("drop=500ms").drop_every == 0.5
    assert parse_faults("close=2m").close_every == 120.0
    assert not parse_faults(None).any


@pytest.mark.parametrize("spec, named", [
    ("drop=ten", "drop=ten"), ("http500=2", "http500=2"), ("bogus=1", "bogus"), ("http429", "http429"),
    ("garbage=-0.1", "garbage=-0.1"), ("http429=1.5", "http429=1.5"),
])
def test_bad_spec_names_the_item(spec, named):
    with pytest.raises(ValueError, match=named.replace(".", r"\.").replace("-", r"\-")):
        parse_faults(spec)


def test_rest_faults_are_seeded():
    a, b = parse_faults("http429=2,http500=0.3,slow=0.2", seed=3), parse_faults("http429=2,http500=0.3,slow=0.2", seed=3)
    seq_a = [a.rest_fault() for _ in range(50)]
    assert seq_a == [b.rest_fault() for _ in range(50)]
    assert seq_a[:2] == [(429, 0.0), (429, 0.0)]
    assert any(s == 500 for s, _ in seq_a[2:]) and any(d > 0 for _, d in seq_a[2:])


def _good_message() -> str:
    msg = PricingData()
    msg.id, msg.price, msg.time = "NVDA", 180.5, 1795532400000
    return base64.b64encode(msg.SerializeToString()).decode()


@pytest.mark.parametrize("kind", GARBAGE_KINDS)
def test_each_garbage_kind_is_malformed(kind):
    now = 1795532400.0
    text = make_garbage(kind, _good_message(), now)
    try:
        frame = json.loads(text)
        msg = PricingData()
        msg.ParseFromString(base64.b64decode(frame["message"], validate=True))
    except (ValueError, binascii.Error, DecodeError):
        assert kind in ("bad_json", "bad_base64", "bad_protobuf")
        return
    assert kind not in ("bad_json", "bad_base64", "bad_protobuf")
    assert (math.isnan(msg.price) or msg.price < 0 or msg.id == "NOSUCH.ZZ" or msg.time > (now + 3600) * 1000)


async def test_http429_then_normal_service():
    sim = Simulator(Clock(at=parse_instant(NOW), speed=0), faults="http429=2")
    await sim.start()
    try:
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as s:
            statuses = []
            for _ in range(3):
                async with s.get(sim.base_url + "/") as r:
                    statuses.append(r.status)
        assert statuses == [429, 429, 404]
    finally:
        await sim.stop()


async def test_stream_drop_and_close():
    sim = Simulator(Clock(at=parse_instant(NOW), speed=0), rate=100, faults="drop=300ms")
    await sim.start()
    try:
        async with aiohttp.ClientSession() as s, s.ws_connect(sim.stream_url) as ws:
            await ws.send_str(json.dumps({"subscribe": ["NVDA"]}))
            kinds = set()
            while True:
                m = await asyncio.wait_for(ws.receive(), timeout=5)
                kinds.add(m.type)
                if m.type != aiohttp.WSMsgType.TEXT:
                    break
        assert aiohttp.WSMsgType.TEXT in kinds
        assert m.type in (aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR, aiohttp.WSMsgType.CLOSE)
    finally:
        await sim.stop()
    sim = Simulator(Clock(at=parse_instant(NOW), speed=0), rate=100, faults="close=300ms")
    await sim.start()
    try:
        async with aiohttp.ClientSession() as s, s.ws_connect(sim.stream_url) as ws:
            await ws.send_str(json.dumps({"subscribe": ["NVDA"]}))
            while (m := await asyncio.wait_for(ws.receive(), timeout=5)).type == aiohttp.WSMsgType.TEXT:
                pass
            assert m.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
            assert ws.close_code == 1000
    finally:
        await sim.stop()


async def test_garbage_frames_reach_the_client():
    sim = Simulator(Clock(at=parse_instant(NOW), speed=0), rate=1000, faults="garbage=0.5")
    await sim.start()
    try:
        async with aiohttp.ClientSession() as s, s.ws_connect(sim.stream_url) as ws:
            await ws.send_str(json.dumps({"subscribe": ["NVDA", "MSFT"]}))
            bad = 0
            for _ in range(200):
                m = await asyncio.wait_for(ws.receive(), timeout=5)
                try:
                    frame = json.loads(m.data)
                    msg = PricingData()
                    msg.ParseFromString(base64.b64decode(frame["message"], validate=True))
                    if msg.id not in ("NVDA", "MSFT") or not msg.price > 0 or msg.time > 1795532400000 + 3600e3:
                        bad += 1
                except (ValueError, binascii.Error, DecodeError):
                    bad += 1
        assert 40 < bad < 160
    finally:
        await sim.stop()
