"""HHI, effective number of names, and concentration of a watchlist by company."""

from __future__ import annotations

import pytest
from analytics_support import fundamentals, inst, quote, store_with, watchlist
from hypothesis import given
from hypothesis import strategies as st

from tui.core.concentration import concentration, effective_n, hhi, hhi_label
from tui.model import Side


def test_hhi_of_known_shares():
    assert hhi([0.5, 0.3, 0.2]) == pytest.approx(3800.0)  # 2500 + 900 + 400
    assert effective_n([0.5, 0.3, 0.2]) == pytest.approx(2.631579, rel=1e-6)  # 1 / 0.38
    assert hhi([5, 3, 2]) == pytest.approx(3800.0)  # normalised
    assert hhi([1.0]) == pytest.approx(10_000.0)
    with pytest.raises(ValueError):
        hhi([])
    with pytest.raises(ValueError):
        hhi([0.0, 0.0])


def test_hhi_labels_2010_guidelines():
    assert hhi_label(1499) == "unconcentrated"
    assert hhi_label(1500) == "moderately concentrated"
    assert hhi_label(2500) == "moderately concentrated"
    assert hhi_label(2501) == "highly concentrated"


@given(st.lists(st.floats(min_value=1e-6, max_value=1e6, allow_nan=False), min_size=1, max_size=50))
def test_hhi_and_effective_n_bounds(ws):
    n = len(ws)
    h = hhi(ws)
    assert 10_000 / n * (1 - 1e-9) <= h <= 10_000 * (1 + 1e-9)
    e = effective_n(ws)
    assert 1 - 1e-9 <= e <= n * (1 + 1e-9)
    assert e == pytest.approx(10_000 / h)


def test_watchlist_concentration_by_company():
    # NVDA 200 x 25e9 = 5,000e9; Alibaba 368e9 via BABA (9988.HK the same company, not added again);
    # Tencent 624 HKD x 9.2e9 / 7.8 = 736e9; SMIC has no quote -> missing; ^GSPC is an index -> ignored.
    store = store_with(
        [
            quote("NVDA", 200.0),
            quote("BABA", 160.0),
            quote("9988.HK", 156.0, "HKD"),
            quote("0700.HK", 624.0, "HKD"),
            quote("^GSPC", 6000.0),
        ],
        [
            fundamentals("NVDA", shares_outstanding=25e9),
            fundamentals("BABA", "USD", "CNY", shares_outstanding=2.3e9),
            fundamentals("9988.HK", "HKD", "CNY", shares_outstanding=18.4e9),
            fundamentals("0700.HK", "HKD", "CNY", shares_outstanding=9.2e9),
        ],
        fx={"HKD": 7.8},
    )
    wl = watchlist(
        [
            inst("NVDA", Side.US, "Nvidia"),
            inst("^GSPC", Side.US, kind="index"),
            inst("BABA", Side.CN, "Alibaba"),
            inst("9988.HK", Side.CN, "Alibaba"),
            inst("0700.HK", Side.CN, "Tencent"),
            inst("0981.HK", Side.CN, "SMIC"),
        ]
    )
    c = concentration(store, wl)
    total = 5000e9 + 368e9 + 736e9  # 6,104e9
    assert c.n_companies == 3
    assert [w[0] for w in c.weights] == ["Nvidia", "Tencent", "Alibaba"]
    assert c.top1_symbol == "NVDA" and c.top1_share == pytest.approx(5000 / 6104)
    assert c.top3_share == pytest.approx(1.0)
    assert c.us_share == pytest.approx(5000e9 / total)
    assert c.cn_share == pytest.approx(1104e9 / total)
    # HHI = 10,000 x (0.819135^2 + 0.120577^2 + 0.060288^2)
    #     = 10,000 x (0.670982 + 0.014539 + 0.003635) = 6,891.6
    assert c.hhi == pytest.approx(6891.6, rel=1e-4)
    assert c.effective_n == pytest.approx(1.45105, rel=1e-4)  # 1 / 0.689156
    assert c.missing == ("0981.HK",)
    assert c.label == "highly concentrated"


def test_no_caps_no_concentration():
    store = store_with([quote("A", 10.0)])
    assert concentration(store, watchlist([inst("A", Side.US)])) is None
