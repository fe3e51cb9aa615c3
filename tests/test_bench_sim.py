"""The benchmark's simulator (bench/sim.py) sends the 60 symbols' trades out of step, as a real feed
does, so that frames/s measures the app and not the simulator's half-second grid and round-robin order."""

from __future__ import annotations

import asyncio
import json

import aiohttp
import pytest

from bench.sim import GRID_SECONDS, PhasedSimulator, Scrambled
from bench.universe import bench_baseline, symbols
from tui.core.clock import Clock, parse_instant
from tui.sim.market import SimMarket
from tui.sim.server import Simulator

NOW = "2026-11-24T15:00:00Z"  # Tuesday 10:00 New York: every US listing trades
US = [s for s in symbols() if not s.endswith("=X")]


@pytest.fixture(scope="module")
def market():
    return SimMarket(seed=7, baseline=bench_baseline())


def change_instants(sim: Simulator, symbol: str, t0: float) -> list[float]:
    """Offsets (10 ms steps, over one second from t0) at which `symbol`'s frame differs from the one before."""
    out, last = [], sim._message(symbol, t0)
    for k in range(1, 101):
        msg = sim._message(symbol, t0 + k / 100)
        if msg != last:
            out.append(round(k / 100, 2))
        last = msg
    return out


def grid_instants(sim_cls, market) -> dict[str, list[float]]:
    sim = sim_cls(Clock(at=parse_instant(NOW), speed=0), seed=7, rate=200)
    sim.market = market
    t0 = parse_instant(NOW).timestamp() + 0.001
    return {s: change_instants(sim, s, t0) for s in US}


def test_each_symbol_trades_twice_a_second_at_a_phase_of_its_own(market):
    phased = grid_instants(PhasedSimulator, market)
    assert all(len(v) == round(1 / GRID_SECONDS) for v in phased.values()), phased  # every grid step, no more
    firsts = {v[0] for v in phased.values()}
    assert len(firsts) >= len(US) // 2  # spread over the half second, not all on one instant
    # the shipped simulator, for contrast: every symbol moves on the same instants
    plain = grid_instants(Simulator, market)
    assert len({tuple(v) for v in plain.values()}) == 1


def test_scrambled_is_a_live_view_in_a_fixed_order_that_is_not_the_board_order():
    subscribed = dict.fromkeys(symbols())
    view = Scrambled(subscribed)
    order = list(view)
    assert sorted(order) == sorted(subscribed) and order != list(subscribed)
    assert list(view) == order  # the same order every batch
    del subscribed[order[0]]
    assert order[0] not in view and len(view) == len(subscribed) and list(view) == order[1:]


async def test_the_stream_sends_the_board_out_of_order(market):
    sim = PhasedSimulator(Clock(at=parse_instant(NOW), speed=0), seed=7, rate=1000)
    sim.market = market
    await sim.start()
    try:
        async with aiohttp.ClientSession() as session, session.ws_connect(sim.stream_url) as ws:
            await ws.send_str(json.dumps({"subscribe": US}))
            from tests.test_sim_server import receive_frames

            # on subscribing, one frame per symbol at once (as Yahoo does); then the batches, two rounds
            frames = await asyncio.wait_for(receive_frames(ws, 3 * len(US)), timeout=10)
    finally:
        await sim.stop()
    ids = [f.id for f in frames[len(US):]]
    assert set(ids) == set(US)
    first_screen = set(US[:20])  # the board's first rows: spread through each round, never sent together
    most = max(len(first_screen & set(ids[i:i + 20])) for i in range(len(ids) - 20))
    assert most <= 12, most
