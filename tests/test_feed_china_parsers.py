"""Tencent's and Sina's quote pages parsed: every recorded real sample in ../shared/asia-recorded/ (Hong Kong real-time
and delayed keys, the 2018 60-field and 2026 78-field Hong Kong layouts, A-shares, indexes, FX, the no-match
marker, empty records), sent through as GBK bytes the way the servers send them, plus generated records: a field
is read by index with bounds checks, each market's time in its own zone, and a missing price is never 0."""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui.feeds import sina, tencent
from tui.feeds.china_fields import Fields, ParseError, decode_body
from tui.feeds.china_keys import group_of, is_china_listing, sina_key, symbol_of, tencent_key
from tui.model import QuoteSource

ASIA = Path(__file__).resolve().parents[1].parent / "shared" / "asia-recorded"
HKT, CST = ZoneInfo("Asia/Hong_Kong"), ZoneInfo("Asia/Shanghai")
RECEIVED = dt.datetime(2026, 12, 1, tzinfo=dt.UTC).timestamp()


def sample_text(name: str) -> str:
    path = ASIA / name
    if not path.is_file():
        pytest.skip(f"recorded Tencent/Sina responses not found at {ASIA} (needs ../shared/asia-recorded)")
    return path.read_text(encoding="utf-8")


def blocks(name: str) -> dict[str, str]:
    """The sample file cut at its `[T1]`, `[S10]` … headings: tag -> that block's text."""
    text = sample_text(name)
    parts = re.split(r"^\[([TS]\d+)\]", text, flags=re.MULTILINE)
    return {parts[i]: parts[i + 1] for i in range(1, len(parts) - 1, 2)}


def gbk(text: str) -> bytes:
    """As the servers send it: GBK bytes (the samples are stored as UTF-8 text)."""
    return text.encode("gb18030")


def at(zone: ZoneInfo, *args: int) -> float:
    return dt.datetime(*args, tzinfo=zone).timestamp()


def by_symbol(quotes) -> dict:
    return {q.symbol: q for q in quotes}


# -- keys --------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("symbol", "tencent_k", "sina_k"), [
    ("0981.HK", "r_hk00981", "rt_hk00981"),
    ("0700.HK", "r_hk00700", "rt_hk00700"),
    ("9988.HK", "r_hk09988", "rt_hk09988"),
    ("^HSI", "r_hkHSI", "rt_hkHSI"),
    ("688981.SS", "sh688981", "sh688981"),
    ("000001.SS", "sh000001", "sh000001"),
    ("002594.SZ", "sz002594", "sz002594"),
])
def test_feed_china_keys_map_yahoo_symbols_both_ways(symbol, tencent_k, sina_k):
    assert tencent_key(symbol) == tencent_k and sina_key(symbol) == sina_k
    assert symbol_of(tencent_k) == symbol and symbol_of(sina_k) == symbol
    assert is_china_listing(symbol) and group_of(symbol) == ("hk" if symbol.endswith("HK") or symbol == "^HSI"
                                                             else "cn")


@pytest.mark.parametrize("symbol", ["NVDA", "BABA", "9984.T", "^GSPC", "HKD=X", "1234.SS", "ABCD.HK"])
def test_feed_china_keys_leave_other_markets_to_yahoo(symbol):
    assert tencent_key(symbol) is None and sina_key(symbol) is None and not is_china_listing(symbol)
    assert group_of(symbol) is None


def test_feed_china_keys_read_the_delayed_forms_and_fx():
    assert symbol_of("hk00700") == "0700.HK" and symbol_of("hkHSI") == "^HSI"
    assert symbol_of("whUSDCNY") == "CNY=X"
    assert symbol_of("usAAPL") is None and symbol_of("s_sz000936") is None and symbol_of("pv_none_match") is None


# -- Tencent ----------------------------------------------------------------------------------------------------

def test_feed_china_tencent_2018_hong_kong_layout_of_60_fields():
    reply = tencent.parse_reply(gbk(blocks("tencent-samples.txt")["T1"]), RECEIVED)
    q = by_symbol(reply.quotes)
    assert set(q) == {"0700.HK", "0980.HK"} and not reply.rejected
    t = q["0700.HK"]
    assert (t.price, t.previous_close, t.open, t.day_high, t.day_low) == (409.6, 412.2, 414.0, 417.0, 405.2)
    assert (t.change, t.change_pct, t.volume, t.currency, t.exchange) == (-2.6, -0.63, 41115421, "HKD", "HKG")
    assert t.time == at(HKT, 2018, 3, 29, 16, 8, 11)  # Hong Kong's own format, in Hong Kong time
    assert t.short_name == "TENCENT"  # the English short name (field 46) where the record has it
    assert (t.source, t.source_name, t.delay_minutes, t.no_trade) == (QuoteSource.POLL, "tencent", 0, False)
    assert t.received == RECEIVED and q["0980.HK"].short_name == "LIANHUA"


def test_feed_china_tencent_2026_hong_kong_layout_of_78_fields_on_the_delayed_key():
    reply = tencent.parse_reply(gbk(blocks("tencent-samples.txt")["T2"]), RECEIVED)
    q = by_symbol(reply.quotes)
    t, baba = q["0700.HK"], q["9988.HK"]
    assert (t.price, t.volume, t.currency) == (478.8, 16319939, "HKD")  # field 75 says HKD
    assert t.time == at(HKT, 2026, 8, 7, 16, 8, 23)
    assert t.delay_minutes == 15 and baba.delay_minutes == 15  # plain `hk` keys are 15 minutes late
    assert baba.short_name == "BABA-W" and baba.change_pct == -0.48


def test_feed_china_tencent_trimmed_records_the_no_match_marker_and_other_markets():
    reply = tencent.parse_reply(gbk(blocks("tencent-samples.txt")["T3"]), RECEIVED)
    q = by_symbol(reply.quotes)
    assert set(q) == {"0700.HK"}  # the US lines are not ours; the A-share is cut to 33 fields
    assert reply.rejected == {"sh600519": "33 fields, at least 35 needed"}
    assert reply.none_match
    t = q["0700.HK"]
    assert t.short_name == "腾讯控股" and t.price == 421.2  # a 35-field record: the Chinese name, field 1
    assert t.day_low == 419.8


def test_feed_china_tencent_a_share_of_88_fields():
    reply = tencent.parse_reply(gbk(blocks("tencent-samples.txt")["T4"]), RECEIVED)
    m = by_symbol(reply.quotes)["600519.SS"]
    assert (m.price, m.previous_close, m.open, m.day_high, m.day_low) == (1459.88, 1459.44, 1459.44, 1464.88, 1452.1)
    assert m.volume == 21064 * 100  # lots of 100 shares
    assert m.time == at(CST, 2026, 4, 2, 16, 14, 1)  # YYYYMMDDHHMMSS, Shanghai time
    assert (m.currency, m.exchange, m.short_name) == ("CNY", "SHH", "贵州茅台")


def test_feed_china_tencent_json_arrays_of_the_kline_page_share_the_layout():
    """[T5]: the same 88 fields as a JSON array (a stock and the SSE Composite)."""
    text = blocks("tencent-samples.txt")["T5"]
    arrays = {m.group(1): json.loads(m.group(2)) for m in re.finditer(r'"(sh\d{6})":(\[.*?\])', text)}
    spdb = tencent.parse_stock("600000.SS", Fields("sh600000", arrays["sh600000"]), RECEIVED)
    assert (spdb.price, spdb.short_name, spdb.currency) == (9.48, "浦发银行", "CNY")
    assert spdb.time == at(CST, 2026, 9, 30, 16, 14, 54)
    index = tencent.parse_stock("000001.SS", Fields("sh000001", arrays["sh000001"]), RECEIVED)
    assert (index.price, index.previous_close, index.short_name) == (3842.19, 3830.45, "上证指数")


def test_feed_china_tencent_truncated_a_share_delayed_hang_seng_and_the_yuan():
    reply = tencent.parse_reply(gbk(blocks("tencent-samples.txt")["T6"]), RECEIVED)
    q = by_symbol(reply.quotes)
    assert q["600519.SS"].price == 1286.21 and q["600519.SS"].time == at(CST, 2026, 8, 18, 10, 37, 28)
    hsi = q["^HSI"]  # the plain hkHSI key: delayed, and its stamp 15 minutes older than the A-share's
    assert (hsi.price, hsi.delay_minutes, hsi.short_name) == (25318.22, 15, "Hang Seng Index")
    assert hsi.time == at(HKT, 2026, 8, 18, 10, 22, 29)
    cny = q["CNY=X"]  # whUSDCNY: price 3, time 5, previous close 6, change 12, change % 13
    assert (cny.price, cny.previous_close, cny.change, cny.change_pct) == (6.7434, 6.7399, 0.0035, 0.05)
    assert cny.time == at(CST, 2026, 8, 18, 10, 37, 1) and cny.source_name == "tencent"
    assert "HKD=X" not in q  # needs whHKDCNY too


def test_feed_china_tencent_hang_seng_records_real_time_and_delayed():
    t7 = by_symbol(tencent.parse_reply(gbk(blocks("tencent-samples.txt")["T7"]), RECEIVED).quotes)["^HSI"]
    assert t7.price == 25182.39 and t7.time == at(HKT, 2026, 5, 29, 18, 31, 24) and not t7.no_trade
    t8 = tencent.parse_reply(gbk(blocks("tencent-samples.txt")["T8"]), RECEIVED)
    q = by_symbol(t8.quotes)
    assert q["^HSI"].delay_minutes == 0 and q["^HSI"].price == 24761.13  # r_hkHSI: real time
    assert q["0001.HK"].price == 68.1 and t8.none_match


def test_feed_china_tencent_historic_record_and_the_bare_no_match_reply():
    old = by_symbol(tencent.parse_reply(gbk(blocks("tencent-samples.txt")["T10"]), RECEIVED).quotes)["600519.SS"]
    assert old.price == 358.74 and old.time == at(CST, 2017, 2, 21, 15, 5, 53)
    none = tencent.parse_reply(gbk(blocks("tencent-samples.txt")["T11"]), RECEIVED)
    assert none.none_match and not none.quotes and not none.rejected


def test_feed_china_tencent_short_forms_carry_no_time_and_are_not_used():
    reply = tencent.parse_reply(gbk(blocks("tencent-samples.txt")["T9"]), RECEIVED)
    assert not reply.quotes  # s_ keys have no time stamp: useless for freshness, never asked for


def test_feed_china_every_tencent_sample_is_gbk_and_no_price_is_zero():
    body = gbk(sample_text("tencent-samples.txt"))
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")  # GBK bytes, as the server sends them: a UTF-8 reader would fail
    reply = tencent.parse_reply(body, RECEIVED)
    assert len(reply.quotes) >= 13
    assert all(math.isfinite(q.price) and q.price > 0 for q in reply.quotes)
    assert "腾讯控股" in {q.short_name for q in reply.quotes}
    assert "贵州茅台" in decode_body(body)


# -- Sina ------------------------------------------------------------------------------------------------------

def test_feed_china_sina_a_shares_no_trade_and_the_empty_record():
    reply = sina.parse_reply(gbk(blocks("sina-samples.txt")["S1"]), RECEIVED)
    q = by_symbol(reply.quotes)
    fund = q["162411.SZ"]
    assert (fund.price, fund.previous_close, fund.open, fund.day_high, fund.day_low) == (0.491, 0.488, 0.489, 0.492,
                                                                                         0.488)
    assert fund.volume == 133819867 and fund.time == at(CST, 2019, 3, 12, 15, 0, 3)
    assert fund.change_pct == pytest.approx((0.491 / 0.488 - 1) * 100)
    idle = q["160922.SZ"]  # open, last, high and low 0.000, volume 0: before its first trade
    assert idle.no_trade and idle.price == 1.074 == idle.previous_close  # the previous close, never 0
    assert idle.change is None and idle.change_pct is None and idle.day_high is None
    assert reply.empty == {"sz160923"} and "sz160923" not in reply.keys


@pytest.mark.parametrize(("tag", "symbol", "price", "when"), [
    ("S2", "600030.SS", 21.09, (2019, 6, 11, 15, 0, 0)),
    ("S3", "600000.SS", 6.94, (2022, 11, 11, 15, 0, 0)),  # trailing comma
    ("S4", "600123.SS", 13.46, (2023, 2, 15, 15, 0, 1)),
    ("S6", "600519.SS", 1275.88, (2026, 6, 10, 15, 0, 1)),
    ("S7", "000001.SS", 3876.7774, (2026, 7, 23, 15, 30, 36)),  # the index's after-close stamp
])
def test_feed_china_sina_a_share_records(tag, symbol, price, when):
    q = by_symbol(sina.parse_reply(gbk(blocks("sina-samples.txt")[tag]), RECEIVED).quotes)[symbol]
    assert q.price == price and q.time == at(CST, *when) and q.source_name == "sina" and q.currency == "CNY"
    assert not q.no_trade and q.delay_minutes == 0


def test_feed_china_sina_both_record_endings_and_indexes():
    q = by_symbol(sina.parse_reply(gbk(blocks("sina-samples.txt")["S5"]), RECEIVED).quotes)
    assert q["600519.SS"].price == 1413.64 and q["000001.SZ"].price == 11.31  # "00," and "00" both read
    s8 = by_symbol(sina.parse_reply(gbk(blocks("sina-samples.txt")["S8"]), RECEIVED).quotes)
    assert s8["000300.SS"].price == 3801.387 and s8["510300.SS"].short_name == "沪深300ETF"


@pytest.mark.parametrize(("tag", "price", "when", "volume"), [
    ("S10", 432.0, (2026, 9, 29, 16, 8, 8), 18015236),
    ("S11", 455.8, (2026, 8, 28, 14, 4, 43), 16827718),
    ("S12", 432.4, (2026, 7, 3, 15, 43, 50), 22180745),  # the test it came from expects 07:43:50 UTC
    ("S13", 478.8, (2026, 8, 7, 16, 8, 22), 16319939),  # the same instant as Tencent's [T2]: the same figures
])
def test_feed_china_sina_hong_kong_real_time_records(tag, price, when, volume):
    q = by_symbol(sina.parse_reply(gbk(blocks("sina-samples.txt")[tag]), RECEIVED).quotes)["0700.HK"]
    assert (q.price, q.volume, q.short_name, q.delay_minutes) == (price, volume, "TENCENT", 0)
    assert q.time == at(HKT, *when) and q.currency == "HKD"


def test_feed_china_sina_delayed_hong_kong_keys_say_minutes_only():
    q = sina.parse_reply(gbk(blocks("sina-samples.txt")["S14"].replace("//", "")), RECEIVED).quotes
    meituan = by_symbol(q)["3690.HK"]
    assert meituan.time == at(HKT, 2019, 5, 14, 10, 3) and meituan.delay_minutes == 15
    assert meituan.short_name == "美团点评－Ｗ"  # "NULL" English name: the Chinese one
    s15 = by_symbol(sina.parse_reply(gbk(blocks("sina-samples.txt")["S15"]), RECEIVED).quotes)
    assert s15["0388.HK"].price == 374.0 and s15["0001.HK"].short_name == "CHEUNG KONG"
    s16 = by_symbol(sina.parse_reply(gbk(blocks("sina-samples.txt")["S16"]), RECEIVED).quotes)["0700.HK"]
    assert s16.price == 433.2 and s16.time == at(HKT, 2026, 7, 3, 15, 26)


def test_feed_china_sina_hang_seng():
    s17 = by_symbol(sina.parse_reply(gbk(blocks("sina-samples.txt")["S17"]), RECEIVED).quotes)["^HSI"]
    assert s17.price == 25584.791 and s17.previous_close == 25565.74 and not s17.no_trade  # index: volume 0 is fine
    s18 = by_symbol(sina.parse_reply(gbk(blocks("sina-samples.txt")["S18"]), RECEIVED).quotes)["^HSI"]
    assert s18.time == at(HKT, 2026, 7, 23, 16, 8, 28) and s18.change_pct == 1.28


def test_feed_china_every_sina_sample_is_gbk_and_no_price_is_zero():
    reply = sina.parse_reply(gbk(sample_text("sina-samples.txt")), RECEIVED)
    assert len(reply.quotes) >= 25 and not reply.rejected
    assert all(math.isfinite(q.price) and q.price > 0 for q in reply.quotes)


# -- the rules on made-up records --------------------------------------------------------------------------------

def _hk(**fields: str) -> str:
    f = ["0"] * 78
    f[0], f[1], f[2] = "100", "中芯国际", "00981"
    f[3], f[4], f[5], f[6] = "70.000", "69.000", "69.500", "1000.0"
    f[30], f[31], f[32], f[33], f[34] = "2026/11/25 10:30:00", "1.000", "1.45", "70.500", "69.100"
    f[46] = ""  # no English short name: the Chinese one (field 1) is used
    for k, v in fields.items():
        f[int(k[1:])] = v
    return f'v_r_hk00981="{"~".join(f)}";'


def test_feed_china_halted_or_untraded_shows_the_previous_close_never_zero():
    for last in ("0.000", "69.000"):  # no price, or the previous close, with no volume: no trade
        q = tencent.parse_reply(gbk(_hk(f3=last, f6="0.0")), RECEIVED).quotes[0]
        assert q.no_trade and q.price == 69.0 and q.change is None and q.change_pct is None
    traded = tencent.parse_reply(gbk(_hk()), RECEIVED).quotes[0]
    assert not traded.no_trade and traded.price == 70.0 and traded.change == 1.0


def test_feed_china_records_that_cannot_be_quotes_are_rejected_with_a_reason():
    for fields, why in (({"f30": "not a time"}, "no readable time"), ({"f3": "0", "f4": "0"}, "neither"),
                        ({"f4": "nan", "f3": "x"}, "neither")):
        reply = tencent.parse_reply(gbk(_hk(**fields)), RECEIVED)
        assert not reply.quotes and why in reply.rejected["r_hk00981"]


def test_feed_china_names_are_cleaned_of_control_characters():
    q = tencent.parse_reply(_hk(f1="SMIC\x1b]0;pwned\x07\u202e"), RECEIVED).quotes[0]
    assert q.short_name == "SMIC"
    q = tencent.parse_reply(_hk(f46="\x1b[2JSMIC\x9b31m (H)"), RECEIVED).quotes[0]
    assert q.short_name == "SMIC (H)"


def test_feed_china_the_yuan_pair_gives_hong_kong_dollars_per_us_dollar():
    usd = "310~美元人民币~USDCNY~7.2000~0~20261125103000~7.1000~0~0~0~0~0~0.1000~1.41"
    hkd = "310~港币人民币~HKDCNY~0.9200~0~20261125102959~0.9100~0~0~0~0~0~0.0100~1.10"
    q = by_symbol(tencent.parse_reply(f'v_whUSDCNY="{usd}";v_whHKDCNY="{hkd}";', RECEIVED).quotes)
    assert q["CNY=X"].price == 7.2
    assert q["HKD=X"].price == pytest.approx(7.2 / 0.92) and q["HKD=X"].previous_close == pytest.approx(7.1 / 0.91)
    assert q["HKD=X"].time == at(CST, 2026, 11, 25, 10, 29, 59)  # the older of the two stamps


_FIELD = st.one_of(st.sampled_from(["", "0", "0.000", "-1", "nan", "inf", "1e308", "~", "2026/11/25 10:30:00",
                                    "20261125103000", "100", "51"]),
                   st.text(max_size=12), st.floats(allow_nan=True, allow_infinity=True).map(str))


@settings(max_examples=300, deadline=None)
@given(st.lists(_FIELD, max_size=90), st.sampled_from(["r_hk00981", "sh688981", "sz002594", "r_hkHSI"]))
def test_feed_china_any_tencent_record_is_a_sane_quote_or_a_reason(fields, key):
    try:
        q = tencent.parse_stock(symbol_of(key), Fields(key, fields), RECEIVED)
    except ParseError:
        return
    assert math.isfinite(q.price) and q.price > 0 and math.isfinite(q.time)
    for v in (q.open, q.day_high, q.day_low, q.previous_close):
        assert v is None or (math.isfinite(v) and v > 0)


@settings(max_examples=300, deadline=None)
@given(st.lists(_FIELD, max_size=40), st.sampled_from(["rt_hk00981", "sh688981", "rt_hkHSI"]))
def test_feed_china_any_sina_record_is_a_sane_quote_or_a_reason(fields, key):
    body = f'var hq_str_{key}="{",".join(f.replace(",", "").replace(chr(34), "") for f in fields)}";'
    reply = sina.parse_reply(body, RECEIVED)
    for q in reply.quotes:
        assert math.isfinite(q.price) and q.price > 0 and math.isfinite(q.time)
