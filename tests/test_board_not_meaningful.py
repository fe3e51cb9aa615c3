"""The board says "n/m" only when a P/E is known not to be meaningful, never when it is merely unknown."""

from analytics_support import US_OPEN, fundamentals, inst, quote, store_with

from tui.model import Side
from tui.widgets.rows import row_view


def test_profitable_hong_kong_name_before_fx_arrives_reads_no_data_not_nm():
    f = fundamentals("0981.HK", "HKD", "USD", shares_outstanding=8e9, net_income_ttm=0.5e9)
    store = store_with([quote("0981.HK", 80.0, "HKD")], [f])  # no HKD=X yet: no USD cap
    view = row_view(store, inst("0981.HK", Side.CN), US_OPEN, 60.0)
    assert view.pe == "—" and view.cap.strip() == "—"
    # once the FX rate is in, the P/E is a number
    store = store_with([quote("0981.HK", 80.0, "HKD")], [f], fx={"HKD": 7.8})
    assert row_view(store, inst("0981.HK", Side.CN), US_OPEN, 60.0).pe not in ("—", "n/m")


def test_loss_maker_reads_nm():
    f = fundamentals("CRWV", shares_outstanding=0.5e9, net_income_ttm=-1e9)
    store = store_with([quote("CRWV", 60.0)], [f])
    assert row_view(store, inst("CRWV", Side.US), US_OPEN, 60.0).pe == "n/m"


def test_pairs_panel_side_before_fx_arrives_reads_no_data_not_nm():
    # SMIC reports in USD (earnings known in USD at once) but trades in HKD: no cap until HKD=X arrives
    from analytics_support import pair, watchlist

    from tui.core.spreads import pair_spread
    from tui.widgets.pairs import side_parts

    f = fundamentals("0981.HK", "HKD", "USD", shares_outstanding=8e9, net_income_ttm=0.5e9, revenue_ttm=9e9)
    store = store_with([quote("0981.HK", 80.0, "HKD"), quote("NVDA", 180.0)],
                       [f, fundamentals("NVDA", shares_outstanding=24e9, net_income_ttm=90e9, revenue_ttm=180e9)])
    wl = watchlist([inst("NVDA", Side.US), inst("0981.HK", Side.CN)], [pair("chips", ["NVDA"], ["0981.HK"])])
    spread = pair_spread(store, wl, wl.pairs[0])
    assert spread.cn.pe_ttm is None
    text = "".join(p if isinstance(p, str) else p[0] for p in side_parts("CN", spread.cn, basket=False))
    assert "P/E —" in text and "n/m" not in text
