"""A book valued by hand: every figure below was worked out on paper from the formulas in docs/portfolio.md, and
is written here as the arithmetic that gives it (exact fractions) next to the rounded result."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction as F

import pytest
from portfolio_support import (
    ASIA_CLOSE,
    HAND_BOOK,
    NOW,
    hand_fx_history,
    hand_market,
    load_book,
    quote,
    write_book,
)

from tui.core.store import MarketStore
from tui.model import Bar
from tui.portfolio.exposure import exposure
from tui.portfolio.listings import Listings
from tui.portfolio.money import exact, round_money
from tui.portfolio.pairs import pair_trades
from tui.portfolio.rates import FxHistory
from tui.portfolio.valuation import value_book
from tui.watchlists import load_all


def cents(x) -> Decimal:
    """An exact fraction (or Decimal) rounded half-even to cents, the way the book rounds."""
    return round_money(Decimal(x.numerator) / Decimal(x.denominator) if isinstance(x, F) else Decimal(x))


def near(value: Decimal, expected: F) -> bool:
    """`value` equals the exact `expected` to 1e-20 (reciprocals of rates carry 34 digits)."""
    return abs(F(value) - expected) < F(1, 10**20)


@pytest.fixture
def valued(tmp_path):
    book = load_book(tmp_path, HAND_BOOK)
    store = hand_market()
    return value_book(book, store, now=NOW, history=hand_fx_history()), store


def test_portfolio_usd_positions_a_split_lot_closed_first_in_first_out(valued):
    bv, _ = valued
    nvda = bv.position("NVDA")
    # the 10 shares of 2024-03-01 read as 100 at 80 (10-for-1 from 2024-06-10); the close of 120 takes those 100
    # and 20 of the 50 bought at 140: 30 remain, with 30/50 of that lot's fee of 1
    assert nvda.quantity == 30
    assert nvda.avg_cost == Decimal("140.02")  # (30 x 140 + 0.6) / 30
    assert nvda.value == 30 * 180
    assert nvda.unrealized == Decimal("1199.4")  # 5,400 - 4,200.6
    assert (nvda.pnl_price, nvda.pnl_fx) == (Decimal("1199.4"), 0)
    assert nvda.day_pnl == 30 * (180 - 175)
    # realized: proceeds 120 x 110 less the close's fee 2, less the cost of what it closed: 100 x 80 + 1 and
    # 20 x 140 + 1 x 20/50
    assert nvda.realized == 120 * 110 - 2 - (100 * 80 + 1) - (20 * 140 + Decimal("0.4"))
    assert nvda.realized == Decimal("2396.6")
    parts = sorted((rv.match.lot.date, rv.match.quantity, rv.realized) for rv in nvda.closed)
    assert [(d.isoformat(), q) for d, q, _ in parts] == [("2024-03-01", 100), ("2025-01-10", 20)]
    # the close's fee of 2 is split 100/120 and 20/120, and the parts add up to it exactly
    with exact():
        assert sum(rv.match.close_fees for rv in nvda.closed) == 2


def test_portfolio_short_sale_costs_its_proceeds_less_fees(valued):
    tsla = valued[0].position("TSLA")
    assert tsla.quantity == -50
    assert tsla.cost == -50 * 300 + 2  # a short's cost is negative: the proceeds less the fees
    assert tsla.avg_cost == Decimal("299.96")
    assert tsla.value == -50 * 320
    assert tsla.unrealized == -50 * (320 - 300) - 2 == -1002
    assert tsla.day_pnl == -50 * (320 - 330) == 500  # the price fell today: a short gains


def test_portfolio_hkd_lot_cost_at_the_trade_date_close_and_the_fx_split(valued):
    hk = valued[0].position("0700.HK")
    x0, x1, xp = F("7.80"), F("7.75"), F("7.76")  # HKD per USD: trade date's close, now, previous close
    cost = (200 * 400 + 50) / x0
    value = F(200 * 500) / x1
    fx_effect = 200 * 400 * (1 / x1 - 1 / x0)
    price_effect = 200 * (500 - 400) / x1 - 50 / x0
    assert near(hk.cost, cost) and near(hk.value, value)
    assert near(hk.pnl_fx, fx_effect) and near(hk.pnl_price, price_effect)
    assert near(hk.unrealized, value - cost)
    assert near(hk.day_pnl, 200 * (F(500) / x1 - F(490) / xp))
    assert cents(value - cost) == Decimal("2640.41") and cents(fx_effect) == Decimal("66.17")
    assert cents(price_effect) == Decimal("2574.23")  # rounded on its own: 2574.23 + 66.17 = 2640.40
    with exact():
        assert hk.pnl_price + hk.pnl_fx == hk.unrealized  # exactly, not to a tolerance
    assert hk.lots[0].rate.basis == "daily" and not hk.approximate


def test_portfolio_cny_lot_at_the_rate_written_in_the_file(valued):
    a = valued[0].position("688981.SS")
    x0, x1 = F("7.25"), F("7.10")
    assert near(a.cost, (1000 * 90 + 27) / x0)
    assert near(a.unrealized, 1000 * 100 / x1 - (1000 * 90 + 27) / x0)
    assert near(a.pnl_fx, 1000 * 90 * (1 / x1 - 1 / x0))
    assert cents(F(a.unrealized)) == Decimal("1666.99") and cents(F(a.pnl_fx)) == Decimal("262.26")
    assert near(a.day_pnl, 1000 * (100 / x1 - 98 / F("7.12")))
    assert a.lots[0].rate.basis == "file"
    with exact():
        assert a.pnl_price + a.pnl_fx == a.unrealized


def test_portfolio_nav_gross_net_and_signed_weights(valued):
    bv, _ = valued
    hkd, cny = F("7.75"), F("7.10")
    values = {"NVDA": F(5400), "TSLA": F(-16000), "0700.HK": 100000 / hkd, "688981.SS": 100000 / cny}
    cash = 10000 + 78000 / hkd
    nav = sum(values.values()) + cash
    long, short = values["NVDA"] + values["0700.HK"] + values["688981.SS"], F(16000)
    assert near(bv.cash, cash) and near(bv.nav, nav)
    assert cents(nav) == Decimal("36452.25") and cents(cash) == Decimal("20064.52")
    assert near(bv.long_value, long) and bv.short_value == 16000  # a positive magnitude
    assert near(bv.gross, long + short) and near(bv.net, long - short)
    assert abs(F(bv.gross_ratio) - (long + short) / nav) < F(1, 10**20)
    # weights are value / NAV, signed: the short weighs -43.9 %, not a share of long minus short
    for symbol, value in values.items():
        assert abs(F(bv.position(symbol).weight) - value / nav) < F(1, 10**20)
    assert round(float(bv.position("TSLA").weight), 4) == -0.4389
    day = 150 + 500 + 200 * (500 / hkd - F(490) / F("7.76")) + 1000 * (100 / cny - F(98) / F("7.12"))
    assert near(bv.day_pnl, day) and cents(day) == Decimal("1244.82")
    with exact():
        assert bv.unrealized == sum(p.unrealized for p in bv.open_positions)
        assert bv.pnl_price + bv.pnl_fx == bv.unrealized
        assert bv.total_pnl == bv.unrealized + bv.realized + bv.dividends
    assert not bv.missing and not bv.approximate


def test_portfolio_exposure_by_side_currency_company_and_hhi(tmp_path):
    listings = Listings(load_all().watchlists.values())
    store = hand_market()
    bv = value_book(load_book(tmp_path, HAND_BOOK), store, now=NOW, history=hand_fx_history(), listings=listings)
    e = exposure(bv, store, listings)
    hkd, cny = F("7.75"), F("7.10")
    assert e.by_side["us"] == 5400 - 16000
    assert near(e.by_side["cn"], 100000 / hkd + 100000 / cny)
    assert near(e.by_currency["HKD"], 100000 / hkd) and e.by_currency["USD"] == -10600
    companies = {c.company: c for c in e.by_company}
    assert set(companies) == {"nvidia", "tesla", "tencent", "smic"}  # the watchlists' company keys
    weights = [F(16000), 100000 / cny, 100000 / hkd, F(5400)]
    total = sum(weights)
    expected_hhi = 10000 * sum((w / total) ** 2 for w in weights)
    assert e.hhi == pytest.approx(float(expected_hhi), rel=1e-12)
    assert e.effective_n == pytest.approx(float(10000 / expected_hhi), rel=1e-12)
    # no daily history: only NVDA has a beta (1.0, itself); the others are named, not counted as 0
    assert e.beta_dollars == 5400 and e.nvda_down_10 == -540
    assert set(e.beta_missing) == {"TSLA", "0700.HK", "688981.SS"}


def _weekly_bars(closes: list[float], start: dt.date) -> list[Bar]:
    """One bar a week (Fridays, 16:00 New York): the last close of each ISO week is all a weekly beta uses."""
    out = []
    for i, close in enumerate(closes):
        day = start + dt.timedelta(weeks=i)
        t = dt.datetime.combine(day, dt.time(21, 0), tzinfo=dt.UTC).timestamp()
        out.append(Bar(t, close, close, close, close))
    return out


def test_portfolio_beta_dollars_from_weekly_betas_to_nvda(valued):
    bv, store = valued
    # TSLA's weekly returns are exactly twice NVDA's over 30 weeks: its beta to NVDA is 2
    returns = [0.03, -0.02, 0.05, -0.04, 0.01, 0.02, -0.03, 0.04, -0.01, 0.02] * 3
    nvda, tsla = [100.0], [100.0]
    for r in returns:
        nvda.append(nvda[-1] * (1 + r))
        tsla.append(tsla[-1] * (1 + 2 * r))
    start = dt.date(2026, 4, 3)
    store.apply_history("NVDA", _weekly_bars(nvda, start))
    store.apply_history("TSLA", _weekly_bars(tsla, start))
    e = exposure(bv, store)
    assert e.betas["TSLA"] == pytest.approx(2.0, rel=1e-9)
    assert float(e.beta_dollars) == pytest.approx(5400 * 1.0 + (-16000) * 2.0, rel=1e-9)
    assert float(e.nvda_down_10) == pytest.approx(-0.10 * (5400 - 32000), rel=1e-9)  # a short gains when NVDA falls


def test_portfolio_pair_trade_legs_spread_and_hedge_drift(valued):
    (pair,) = pair_trades(valued[0])
    assert pair.name == "Tencent vs Tesla"
    legs = {leg.symbol: leg for leg in pair.legs}
    hkd = F("7.75")
    assert legs["TSLA"].pnl == -1002 and near(legs["0700.HK"].pnl, 100000 / hkd - 80050 / F("7.80"))
    with exact():
        assert pair.pnl == legs["TSLA"].pnl + legs["0700.HK"].pnl
    assert near(pair.gross, 16000 + 100000 / hkd) and near(pair.net, 100000 / hkd - 16000)
    entry = F(15000) / (F(80000) / F("7.80"))  # short notional / long notional at trade prices and rates
    now = F(16000) / (100000 / hkd)
    assert abs(F(pair.hedge_entry) - entry) < F(1, 10**20) and abs(F(pair.hedge_now) - now) < F(1, 10**20)
    assert abs(F(pair.drift) - (now / entry - 1)) < F(1, 10**20)
    assert round(float(pair.drift), 4) == -0.1521


def test_portfolio_adr_and_h_share_fold_into_one_company_through_the_dated_ratio(tmp_path):
    book = load_book(tmp_path, """\
title = "ADR hedge"
[[lot]]
symbol = "BABA"
date = 2025-05-12
quantity = 100
price = 120
[[lot]]
symbol = "9988.HK"
date = 2025-05-12
quantity = -800
price = 118
fx = 7.8
""")
    store = MarketStore()
    for q in (quote("BABA", 125.0, 124.0, "USD"), quote("9988.HK", 120.0, 119.0, "HKD", ASIA_CLOSE),
              quote("HKD=X", 7.8, 7.8, "HKD")):
        store.apply_quote(q)
    listings = Listings(load_all().watchlists.values())
    bv = value_book(book, store, now=NOW, listings=listings)
    e = exposure(bv, store, listings)
    (alibaba,) = e.by_company
    assert alibaba.company == "alibaba" and set(alibaba.symbols) == {"BABA", "9988.HK"}
    assert alibaba.shares == 0  # 100 ADS x 8 shares each (since 2019-07-30) against 800 H shares short
    assert alibaba.local_symbol == "9988.HK"
    assert near(alibaba.net, 100 * 125 - F(800 * 120) / F("7.8"))
    assert e.hhi == pytest.approx(10000.0)  # one company


def test_portfolio_trade_date_rate_from_the_store_history_and_an_approximation_flagged(tmp_path):
    book = load_book(tmp_path, """\
title = "Rates"
[[lot]]
symbol = "0700.HK"
date = 2025-02-03
quantity = 100
price = 400
[[lot]]
symbol = "0981.HK"
date = 2020-01-02              # older than any FX history held: today's rate stands in, flagged
quantity = 1000
price = 20
""")
    store = hand_market()
    store.apply_quote(quote("0981.HK", 60.0, 59.0, "HKD", ASIA_CLOSE))
    # Yahoo stamps an FX daily bar 00:00 London, the start of its day
    bars = [Bar(dt.datetime(2025, m, d, tzinfo=dt.UTC).timestamp(), None, None, None, c)
            for m, d, c in ((1, 30, 7.81), (1, 31, 7.79), (2, 3, 7.8))]
    store.apply_history("HKD=X", bars)
    history = FxHistory()
    assert history.update(store)
    bv = value_book(book, store, now=NOW, history=history)
    tencent, smic = bv.position("0700.HK"), bv.position("0981.HK")
    assert tencent.lots[0].rate.basis == "daily" and tencent.lots[0].rate.value == Decimal("7.8")
    assert not tencent.approximate
    assert smic.lots[0].rate.basis == "current" and smic.approximate
    assert any("0981.HK" in a and "today's HKD rate" in a for a in bv.approximate)
    # the store's one-year refresh replacing those bars does not lose the closes already seen
    store.apply_history("HKD=X", bars[-1:])
    history.update(store)
    assert history.per_usd("HKD", dt.date(2025, 1, 30)) == Decimal("7.81")


def test_portfolio_fx_daily_closes_dated_as_yahoo_stamps_them():
    """Yahoo's EURUSD=X bars (recorded) are stamped 00:00 London: each is the close of that day, not of the day
    before (as a New York reading of the stamp would have it); a bar stamped 23:00 UTC in British summer time is
    the next day's."""
    import json

    from feeds_fake_yahoo import need_recorded

    from tui.core.history import fx_bar_date
    from tui.feeds.yahoo_parse import parse_chart

    need_recorded()
    from analytics_support import RECORDED

    doc = json.loads((RECORDED / "chart-EURUSD=X-2020-01-01-to-2020-01-03.json").read_text())
    _meta, bars = parse_chart(doc["body"])
    assert [fx_bar_date(b.time).isoformat() for b in bars] == ["2020-01-01", "2020-01-02", "2020-01-03"]
    assert fx_bar_date(dt.datetime(2025, 6, 1, 23, tzinfo=dt.UTC).timestamp()) == dt.date(2025, 6, 2)
    # the simulator opens the FX week on Sunday 17:00 New York and stamps Monday's bar with it
    sunday_evening = dt.datetime(2025, 2, 2, 17, tzinfo=dt.timezone(dt.timedelta(hours=-5))).timestamp()
    assert fx_bar_date(sunday_evening) == dt.date(2025, 2, 3)


def test_portfolio_lot_opened_today_and_shares_closed_today(tmp_path):
    book = load_book(tmp_path, """\
title = "Today"
[[lot]]
symbol = "NVDA"
date = 2026-11-20
quantity = 100
price = 170
fees = 1
[[lot]]
symbol = "NVDA"
date = 2026-11-24             # today: its day P&L runs from its trade price, fees included
quantity = 10
price = 178
fees = 1
[[close]]
symbol = "NVDA"
date = 2026-11-24             # 40 of the old lot sold today at 182: from the previous close 175, less the fee
quantity = 40
price = 182
fees = 2
""")
    bv = value_book(book, hand_market(), now=NOW)
    nvda = bv.position("NVDA")
    assert nvda.quantity == 70
    assert nvda.day_pnl == 60 * (180 - 175) + (10 * (180 - 178) - 1) + (40 * (182 - 175) - 2)
    assert nvda.realized == 40 * 182 - 2 - (40 * 170 + Decimal("0.4"))


def test_portfolio_in_a_hkd_base_converts_usd_lots_the_other_way(tmp_path):
    book = load_book(tmp_path, """\
title = "Hong Kong based"
base_currency = "HKD"
[[lot]]
symbol = "NVDA"
date = 2025-02-03
quantity = 10
price = 100
fx = 0.128                     # USD per HKD on the trade date
[[lot]]
symbol = "0700.HK"
date = 2025-02-03
quantity = 100
price = 400
[[cash]]
currency = "HKD"
amount = 1000
""")
    bv = value_book(book, hand_market(), now=NOW)
    nvda, tencent = bv.position("NVDA"), bv.position("0700.HK")
    assert near(nvda.value, 10 * 180 * F("7.75"))  # USD per HKD now is 1 / 7.75
    assert near(nvda.cost, 10 * 100 / F("0.128"))
    with exact():
        assert nvda.pnl_price + nvda.pnl_fx == nvda.unrealized
    assert tencent.value == 100 * 500 and tencent.pnl_fx == 0  # the base currency: no FX effect
    assert bv.cash == 1000


def test_portfolio_missing_price_leaves_totals_unknown_never_zero(tmp_path):
    book = load_book(tmp_path, HAND_BOOK)
    store = hand_market()
    del store.quotes["688981.SS"]
    bv = value_book(book, store, now=NOW, history=hand_fx_history())
    smic = bv.position("688981.SS")
    assert smic.value is None and smic.missing == "no price yet"
    assert bv.nav is None and bv.unrealized is None and bv.long_value is None and bv.day_pnl is None
    assert bv.realized == Decimal("2396.6")  # what does not depend on the missing price is still known
    assert any("688981.SS" in m for m in bv.missing)
    assert exposure(bv, store) is None


def test_portfolio_dividends_count_in_total_pnl_at_their_date_rate(tmp_path):
    book = load_book(tmp_path, """\
title = "Dividends"
[[lot]]
symbol = "0700.HK"
date = 2025-02-03
quantity = 100
price = 400
fx = 7.8
[[dividend]]
symbol = "0700.HK"
date = 2025-05-30
amount = 390                   # HKD, after withholding
fx = 7.8
""")
    bv = value_book(book, hand_market(), now=NOW)
    assert near(bv.dividends, F(390) / F("7.8")) and round_money(bv.position("0700.HK").dividends) == 50
    with exact():
        assert bv.total_pnl == bv.unrealized + bv.dividends


def test_portfolio_a_clock_in_the_past_leaves_later_trades_out(tmp_path):
    path = write_book(tmp_path, HAND_BOOK)
    from tui.portfolio.loader import load_file

    book, _ = load_file(path)
    then = dt.datetime(2025, 2, 10, 15, tzinfo=dt.UTC).timestamp()
    bv = value_book(book, hand_market(), now=then, history=hand_fx_history())
    assert {p.symbol for p in bv.positions} == {"NVDA", "0700.HK"}
    assert bv.position("NVDA").quantity == 100 + 50 and bv.position("NVDA").realized == 0


# -- one listing, one side at a time: a sale of shares held is a close, a flip a close and a lot ---------------
# (tests/test_portfolio_files.py: a short lot against a long is refused by the loader and `aiwatch check`)

SOLD_AS_A_CLOSE = """\
title = "Sold as a close"
[[lot]]
symbol = "NVDA"
date = 2025-01-06             # after the 2024 split: no adjustment
quantity = 100
price = 150
pair = "NVDA vs TSLA"
[[lot]]
symbol = "TSLA"
date = 2025-01-06
quantity = -20
price = 300
pair = "NVDA vs TSLA"
[[close]]                     # the sale the user first wrote as a lot of -50 at 160
symbol = "NVDA"
date = 2025-02-03
quantity = 50
price = 160
"""


def test_portfolio_a_sale_of_shares_held_in_every_view(tmp_path):
    from tui.portfolio.document import portfolio_doc

    store = hand_market()  # NVDA 180 (previous close 175), TSLA 320 (330)
    bv = value_book(load_book(tmp_path, SOLD_AS_A_CLOSE), store, now=NOW)
    nvda = bv.position("NVDA")
    # 100 bought at 150, 50 of them sold at 160: 50 left at 150, realized 50 x (160 - 150)
    assert (nvda.quantity, nvda.avg_cost, nvda.realized) == (50, 150, 500)
    assert (nvda.value, nvda.unrealized, nvda.day_pnl) == (50 * 180, 50 * (180 - 150), 50 * (180 - 175))
    assert (bv.long_value, bv.short_value) == (9000, 20 * 320)
    assert bv.realized == 500 and bv.unrealized == 1500 + (-20 * (320 - 300))
    (pair,) = pair_trades(bv)
    legs = {leg.symbol: leg for leg in pair.legs}
    assert (legs["NVDA"].quantity, legs["NVDA"].realized, legs["NVDA"].pnl) == (50, 500, 500 + 1500)
    assert (legs["TSLA"].quantity, legs["TSLA"].pnl) == (-20, -400)
    e = exposure(bv, store, Listings(load_all().watchlists.values()))
    assert {c.company: c.net for c in e.by_company}["NVDA"] == 9000
    doc = portfolio_doc(bv, e, pair_trades(bv), simulated=False)
    row = next(p for p in doc["positions"] if p["symbol"] == "NVDA")
    assert (row["quantity"], row["avg_cost"], row["realized_pnl"], row["value"]) == (50, 150.0, 500.0, 9000.0)
    assert (doc["long_value"], doc["short_value"], doc["realized_pnl"]) == (9000.0, 6400.0, 500.0)
    assert doc["pairs"][0]["legs"][0]["quantity"] == 50


def test_portfolio_a_flip_from_long_to_short_written_as_a_close_and_a_lot(tmp_path):
    # the sale of 150 with 100 held: a close of the 100 at 160 and a short lot of the other 50 at 160
    book = load_book(tmp_path, SOLD_AS_A_CLOSE.replace("quantity = 50\n", "quantity = 100\n") + """\
[[lot]]
symbol = "NVDA"
date = 2025-02-03
quantity = -50
price = 160
""")
    bv = value_book(book, hand_market(), now=NOW)
    nvda = bv.position("NVDA")
    assert (nvda.quantity, nvda.avg_cost, nvda.realized) == (-50, 160, 100 * (160 - 150))
    assert (nvda.value, nvda.unrealized, nvda.day_pnl) == (-50 * 180, -50 * (180 - 160), -50 * (180 - 175))
    assert (bv.long_value, bv.short_value) == (0, 50 * 180 + 20 * 320)
    # the pair keeps its closed NVDA leg's realized P&L; the new short is not a leg of it
    (pair,) = pair_trades(bv)
    legs = {leg.symbol: leg for leg in pair.legs}
    assert (legs["NVDA"].quantity, legs["NVDA"].realized) == (0, 1000)


def test_portfolio_a_book_holding_both_sides_built_outside_the_loader_shows_no_netted_figures():
    from tui.portfolio.model import Book, Lot

    lots = (Lot("NVDA", dt.date(2025, 1, 6), Decimal(100), Decimal(150), "USD", Decimal(0), id="a", index=0),
            Lot("NVDA", dt.date(2025, 2, 3), Decimal(-50), Decimal(160), "USD", Decimal(0), id="b", index=1))
    bv = value_book(Book("x", "x", "USD", lots=lots), hand_market(), now=NOW)
    nvda = bv.position("NVDA")
    assert nvda.avg_cost is None and nvda.value is None and "long and short lots open at once" in nvda.missing
    assert bv.nav is None and bv.short_value is None
