"""Fixtures shared by the test modules (helpers that are not fixtures live in the *_support.py and feeds_*.py
modules next to this file, importable because tests/ is on pytest's pythonpath)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from feeds_fake_yahoo import FakeYahoo, need_recorded, recorded_summary_baba, recorded_v7_results


@pytest.fixture
async def fake() -> AsyncIterator[FakeYahoo]:
    """A fake Yahoo on loopback serving the recorded v7 quotes and BABA's quoteSummary (tests/test_feeds_*.py);
    skips the test when ../shared/yahoo-recorded is absent. A module may define its own `fake` to serve less."""
    need_recorded()
    server = FakeYahoo(v7=recorded_v7_results(), summaries={"BABA": recorded_summary_baba()})
    await server.start()
    yield server
    await server.stop()
