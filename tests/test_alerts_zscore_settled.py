"""A z-score rule is evaluated only on the z-score the pairs panel settles on: once every input of the pair is in
(each listing's and each FX rate's daily history, each live price), never on a side with members still missing or
on closes converted at today's rate while the FX history is on its way. On the demo at a pinned clock, where the
OpenAI-exposed vs DeepSeek-linked baskets settle at z +1.80 and partial histories read anything from +1.6 to +1.9."""

from __future__ import annotations

import pytest
from e2e_support import demo_app, demo_runtime, until_ready, wait_for

from tui.alerts import AlertEngine, parse_rule
from tui.config import append_alert, load_config
from tui.core.history import history_symbols, pair_inputs_pending, relative_performance
from tui.feeds.yahoo_parse import YahooError
from tui.watchlists import load_all

pytestmark = pytest.mark.usefixtures("user_dirs")

AT = "2026-11-24T22:00:00Z"  # Tuesday evening in New York: every market shut, the prices still
PAIR = "OpenAI-exposed vs DeepSeek-linked"
SETTLED = 1.8046  # the pairs panel's z for PAIR at AT, with every history in (checked below, not assumed)
LOW, HIGH = 1.5, 1.85  # one threshold under the settled z, one over it


class RecordingEngine(AlertEngine):
    """An engine that keeps every z-score a zscore rule was compared on."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.z_seen: list[float] = []

    def _edge(self, rule, subject, value, threshold, **kwargs):
        if rule.kind == "zscore":
            self.z_seen.append(value)
        return super()._edge(rule, subject, value, threshold, **kwargs)


def _rules() -> list:
    return [parse_rule({"kind": "zscore", "pair": PAIR, "beyond": b}) for b in (LOW, HIGH)]


async def test_a_zscore_rule_waits_for_every_history_of_the_pair_loaded_one_by_one():
    """The feed's histories come in one at a time (here in a fixed order, each followed by a check, as the app
    checks at each refresh): the rule is evaluated once, on the settled z, and never fires under HIGH."""
    wl = load_all().watchlists["ai-rivals"]
    pair = next(p for p in wl.pairs if p.name == PAIR)
    runtime = demo_runtime(AT)
    runtime.set_symbols(wl.symbols)
    await runtime.start()
    try:
        assert not await runtime.wait_until_quoted(wl.symbols, 30)
        store, feed, now = runtime.store, runtime.feed, runtime.clock.now()
        engine = RecordingEngine(_rules(), simulated=True)
        engine.history_settled = feed.history_settled
        needed = history_symbols(wl, pair, store)
        # a member of each side first, the rest of the sides, the FX rates last: every partial state on the way
        order = sorted(needed, key=lambda s: (s.endswith("=X"), s not in (pair.us[0], pair.cn[0])))
        fired = []
        for n, sym in enumerate(order):
            fired += engine.check(store, wl, now)
            if n == len(order) - 1:  # all in but one: it is what the rule waits for, unless the source has no more
                assert pair_inputs_pending(store, wl, pair, feed.history_settled) == [f"{sym} history"]
                assert pair_inputs_pending(store, wl, pair, lambda s, last=sym: s == last) == []
            await feed.fetch_history(sym, "1y", "1d")
        fired += engine.check(store, wl, now)
        assert pair_inputs_pending(store, wl, pair, feed.history_settled) == []
        settled = relative_performance(store, wl, pair, now=now).z
        assert settled == pytest.approx(SETTLED, abs=1e-4)
        assert engine.z_seen == [pytest.approx(abs(settled), rel=1e-12)] * 2  # each rule once, on the settled z
        assert [a.threshold for a in fired] == [LOW]
        assert fired[0].message.endswith(f"already beyond ±1.5: {settled:+.2f}")
    finally:
        await runtime.stop()


async def test_a_refused_history_is_settled_and_does_not_silence_the_pair():
    """A chart the source refuses (no such listing) will not come: the feed says it is settled."""
    runtime = demo_runtime(AT)
    runtime.set_symbols(["NVDA"])
    await runtime.start()
    try:
        feed = runtime.feed
        assert not feed.history_settled("NOSUCH.HK")
        with pytest.raises(YahooError):
            await feed.fetch_history("NOSUCH.HK", "1y", "1d")
        assert feed.history_settled("NOSUCH.HK") and "NOSUCH.HK" not in runtime.store.history
        await feed.fetch_history("NVDA", "1y", "1d")
        assert feed.history_settled("NVDA")
    finally:
        await runtime.stop()


async def test_the_app_evaluates_a_zscore_rule_only_on_the_settled_z(monkeypatch):
    """The app as `aiwatch --demo --at AT` runs it (a year of history per symbol, fetched in the background while
    the refresh checks the rules): every z the rule sees is the one the pairs panel settles on."""
    seen: list[float] = []
    edge = AlertEngine._edge

    def recording(self, rule, subject, value, threshold, **kwargs):
        if rule.kind == "zscore":
            seen.append(value)
        return edge(self, rule, subject, value, threshold, **kwargs)

    monkeypatch.setattr(AlertEngine, "_edge", recording)
    for rule in _rules():
        append_alert(rule.to_table())
    config, problems = load_config()
    assert problems == []
    app = demo_app("ai-rivals", config=config, at=AT, history=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await until_ready(app)
        wl, store = app.watchlist, app.runtime.store
        pair = next(p for p in wl.pairs if p.name == PAIR)
        await wait_for(lambda: not pair_inputs_pending(store, wl, pair, app.runtime.feed.history_settled),
                       timeout=60)
        await wait_for(lambda: len(app.alerts_fired) >= 1)
        start = app.refreshes
        await wait_for(lambda: app.refreshes >= start + 3)
        settled = relative_performance(store, wl, pair, now=app.runtime.clock.now()).z
        assert settled == pytest.approx(SETTLED, abs=1e-4)
        assert seen and all(z == pytest.approx(abs(settled), rel=1e-9) for z in seen), sorted(set(seen))
        assert [a.threshold for a in app.alerts_fired] == [LOW]
        assert app.alerts_fired[0].message.endswith(f"already beyond ±1.5: {settled:+.2f}")
        await pilot.press("q")
