"""Number formatting for the screen."""

from __future__ import annotations

import math

import pytest

from tui.format import (
    clip,
    clip_words,
    fit_parts,
    fmt_cap,
    fmt_change,
    fmt_int,
    fmt_multiple,
    fmt_pct,
    fmt_pp,
    fmt_premium,
    fmt_price,
    fmt_ratio,
    fmt_share,
)


@pytest.mark.parametrize(("price", "ccy", "text"), [
    (181.234, "USD", "181.23 USD"),
    (1234.5, "HKD", "1,234.50 HKD"),
    (0.12834, "CNY", "0.1283 CNY"),
    (123456.0, "JPY", "123,456 JPY"),
    (None, "USD", "—"),
    (math.nan, "USD", "—"),
    (7.8, None, "7.80"),
])
def test_price_keeps_its_currency(price, ccy, text):
    assert fmt_price(price, ccy) == text


@pytest.mark.parametrize(("usd", "text"), [
    (4.52e12, "4.52T"), (650.12e9, "650.1B"), (12.34e6, "12.3M"), (950e3, "950K"), (None, "—"),
])
def test_cap(usd, text):
    assert fmt_cap(usd) == text


def test_multiples_distinguish_not_meaningful_from_missing():
    assert fmt_multiple(None, meaningful_data=True) == "n/m"
    assert fmt_multiple(None, meaningful_data=False) == "—"
    assert fmt_multiple(52.14) == "52.1"
    assert fmt_multiple(123.4) == "123"
    assert fmt_multiple(1234.0) == "1,234"


def test_signed_figures():
    assert fmt_pct(1.234) == "+1.23%"
    assert fmt_pct(-0.51) == "-0.51%"
    assert fmt_pct(0.001) == "0.00%"
    assert fmt_change(2.0) == "+2.00"
    assert fmt_change(-0.1) == "-0.100"
    assert fmt_pp(-1.26) == "-1.3pp"
    assert fmt_premium(115.2) == "+115%"
    assert fmt_premium(-3.21) == "-3.2%"
    assert fmt_premium(None) == "n/m"


def test_ratio_share_int_clip():
    assert fmt_ratio(2.154) == "×2.15"
    assert fmt_ratio(None) == "n/m"
    assert fmt_ratio(-1.0) == "n/m"
    assert fmt_share(0.3842) == "38.4%"
    assert fmt_int(2314.4) == "2,314"
    assert clip("Advanced Micro Devices", 8) == "Advance…"
    assert clip("AMD", 8) == "AMD"


def test_words_and_phrases_give_way_whole():
    heading = "By company (listings folded in; ADRs by their ratio)"
    assert clip_words(heading, 60) == heading
    assert clip_words(heading, 39) == "By company (listings folded in; ADRs…"  # whole words, then "…"
    assert clip_words("DEMO book (made up)", 16) == "DEMO book (made…"
    assert clip_words("Supercalifragilistic", 6) == "Super…"  # one word longer than the line: cut as `clip`
    parts = ["AI rivals", "TTM, reported", "USD at live FX rates", "each company once", "↑↓ company"]
    assert fit_parts(parts, 200) == " · ".join(parts)
    assert fit_parts(parts, 56) == "AI rivals · TTM, reported · USD at live FX rates · …"
    assert fit_parts(parts, 8) == "AI…"  # the first part alone too long: its whole words, then "…"
    for width in range(13, 90):
        text = fit_parts(parts, width)
        assert len(text) <= width and (text == " · ".join(parts) or text.endswith(" · …")), (width, text)
