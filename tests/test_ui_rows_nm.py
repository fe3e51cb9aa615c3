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
