"""The Magnificent Seven's share of the S&P 500: an estimate from a dated reference total."""

from __future__ import annotations

import datetime as dt

import pytest
from analytics_support import fundamentals, quote, store_with

from tui.core.mag7 import DEFAULT_MAG7, load_reference_file, mag7_for_watchlist, mag7_share, reference
from tui.model import Bar

SEVEN = DEFAULT_MAG7


def _store(gspc: float | None = 7000.0, skip: str | None = None):
    # each of the seven: 100 USD x 3e10 shares = 3e12 -> 21e12 in all
    quotes = [quote(s, 100.0) for s in SEVEN if s != skip]
    if gspc is not None:
        quotes.append(quote("^GSPC", gspc))
    return store_with(quotes, [fundamentals(s, shares_outstanding=3e10) for s in SEVEN])


def test_shipped_reference_is_dated_with_its_index_level():
    doc = load_reference_file()
    ref = reference({})
    assert ref.as_of == doc["sp500_total_cap"]["as_of"] and ref.gspc and ref.total_cap_usd > 1e13
    assert not ref.from_config
    assert tuple(doc["mag7"]["symbols"]) == SEVEN


def test_share_scaled_by_the_index_move_since_the_reference_date():
    # reference: 60e12 at ^GSPC 6000; now ^GSPC 7000 -> total est. 70e12; share 21 / 70 = 30 %
    ref = reference({"sp500_total_cap": {"value": 60e12, "as_of": dt.date(2025, 12, 1), "gspc": 6000.0}})
    assert ref.from_config
    m = mag7_share(_store(), ref=ref, members=SEVEN)
    assert m.total_est_usd == pytest.approx(70e12)
    assert m.mag7_cap_usd == pytest.approx(21e12)
    assert m.share == pytest.approx(0.30)
    assert m.label == "est., ref. 2025-12-01"


def test_reference_level_from_history_when_the_override_has_none():
    store = _store()
    t = dt.datetime(2025, 12, 1, 15, tzinfo=dt.UTC).timestamp()
    store.apply_history("^GSPC", [Bar(t - 86400 * 3, 5000, 5000, 5000, 5000), Bar(t, 5600, 5600, 5600, 5600)])
    ref = reference({"sp500_total_cap": {"value": 56e12, "as_of": dt.date(2025, 12, 1)}})
    m = mag7_share(store, ref=ref, members=SEVEN)
    assert m.total_est_usd == pytest.approx(70e12) and m.share == pytest.approx(0.30)


def test_no_number_without_every_cap_or_the_index():
    ref = reference({"sp500_total_cap": {"value": 60e12, "as_of": dt.date(2025, 12, 1), "gspc": 6000.0}})
    m = mag7_share(_store(skip="META"), ref=ref, members=SEVEN)
    assert m.share is None and m.missing == ("META",) and "META" in m.note
    m = mag7_share(_store(gspc=None), ref=ref, members=SEVEN)
    assert m.share is None and "^GSPC" in m.note


def test_bad_override_falls_back_to_the_shipped_figure():
    ref = reference({"sp500_total_cap": {"value": "lots", "as_of": dt.date(2025, 12, 1)}})
    assert not ref.from_config and ref == reference({})


def test_only_for_a_watchlist_holding_all_seven():
    store = _store()
    assert mag7_for_watchlist(store, ("NVDA", "MSFT"), overrides={}) is None
    m = mag7_for_watchlist(store, (*SEVEN, "^GSPC"), overrides={})
    assert m is not None and m.share is not None and m.label.startswith("est., ref. ")


# -- review finding: the [reference] override of the config given with --config, not only the default file's ----

DEFAULT_FILE_REF = ('[reference]\nsp500_total_cap = { value = 5.0e13, as_of = 2025-06-30, gspc = 6200.0, '
                    'source = "default file" }\n')
GIVEN_FILE_REF = ('[reference]\nsp500_total_cap = { value = 6.5e13, as_of = 2026-01-02, gspc = 6900.0, '
                  'source = "given file" }\n')


@pytest.fixture
def two_configs(tmp_path, monkeypatch):
    """A default config dir whose config.toml has one [reference] and a --config file with another."""
    default_dir = tmp_path / "default-config"
    default_dir.mkdir()
    (default_dir / "config.toml").write_text(DEFAULT_FILE_REF)
    given = tmp_path / "given.toml"
    given.write_text(GIVEN_FILE_REF)
    monkeypatch.setenv("AIWATCH_CONFIG_DIR", str(default_dir))
    return default_dir, given


def test_snapshot_takes_the_reference_of_the_config_given(two_configs):
    import json

    from e2e_support import US_OPEN, aiwatch

    default_dir, given = two_configs
    base = ("snapshot", "--demo", "--at", US_OPEN, "--speed", "0", "--watchlist", "mag7", "--format", "json")
    run = aiwatch(*base, "--config", str(given), env={"AIWATCH_CONFIG_DIR": str(default_dir)})
    assert run.returncode == 0, run.stderr
    ref = json.loads(run.stdout)["mag7"]["reference"]
    assert ref == {"total_cap_usd": 6.5e13, "as_of": "2026-01-02", "gspc": 6900.0, "source": "given file",
                   "from_config": True}
    # without --config, the default file's override, as before
    run = aiwatch(*base, env={"AIWATCH_CONFIG_DIR": str(default_dir)})
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["mag7"]["reference"]["source"] == "default file"


async def test_app_takes_the_reference_of_the_config_given(two_configs):
    from ui_support import INSTRUMENTS, LoadResult, StaticRuntime, wait_for

    from tui.app import AiwatchApp
    from tui.cli import _apply_config, build_parser
    from tui.model import Instrument, Side, Watchlist
    from tui.widgets.concentration import ConcentrationPanel

    _default_dir, given = two_configs
    args = build_parser().parse_args(["--demo", "--config", str(given)])
    _apply_config(args)  # what `aiwatch --config PATH` does before it builds the app
    insts = tuple(INSTRUMENTS.get(s) or Instrument(s, s, Side.US, s.lower()) for s in (*SEVEN, "^GSPC"))
    wl = Watchlist(name="mag7", title="Magnificent Seven", instruments=insts)
    app = AiwatchApp(StaticRuntime(), LoadResult({"mag7": wl}), config=args.config_obj)
    async with app.run_test(size=(120, 40)) as pilot:
        panel = app.query_one(ConcentrationPanel)
        await wait_for(pilot, lambda: panel.mag7 is not None)
        assert panel.mag7.reference.source == "given file" and panel.mag7.reference.from_config
        assert panel.mag7.reference.as_of == dt.date(2026, 1, 2)
