"""Streamer frames as Yahoo sends them: `{"type":"pricing","message":"<base64 PricingData>"}`."""

from __future__ import annotations

import base64
import json
import math

from tui.feeds.pricing import PricingData
from tui.sim.baseline import Listing
from tui.sim.market import SESSION_POST, SESSION_PRE, Tick
from tui.sim.payloads import price_hint, rnd

# Yahoo's QuoteType and MarketHoursType enums (protobuf drops zero values: pre-market arrives without the field)
QUOTE_TYPE_CODES = {"EQUITY": 8, "INDEX": 9, "CURRENCY": 14}
MARKET_HOURS = {SESSION_PRE: 0, "regular": 1, SESSION_POST: 2}

__all__ = ["MARKET_HOURS", "QUOTE_TYPE_CODES", "PricingData", "frame_text", "pricing_message"]


def pricing_message(li: Listing, tick: Tick, *, short_name: str | None = None) -> str:
    """The base64 protobuf of one tick. Equities carry no currency field (as DKNG's real frame); a short name only
    when given (the hostile fault switch: tui/sim/faults.py)."""
    msg = PricingData()
    msg.id = li.symbol
    if short_name is not None:
        msg.short_name = short_name
    msg.price = rnd(tick.price, li)
    msg.time = int(tick.time) * 1000
    if li.quote_type == "CURRENCY":
        msg.currency = li.currency
    msg.exchange = li.exchange
    msg.quote_type = QUOTE_TYPE_CODES[li.quote_type]
    msg.market_hours = MARKET_HOURS[tick.session]
    # from the prices as served (rounded to the price hint), as the v7 answer's regularMarketChangePercent is
    price, base = rnd(tick.price, li), rnd(tick.previous_close, li)
    msg.change_percent = (price / base - 1.0) * 100.0 if base else tick.change_pct
    msg.change = price - base
    if tick.volume:
        msg.day_volume = int(tick.volume)
    if tick.high is not None and math.isfinite(tick.high):
        msg.day_high = rnd(tick.high, li)
    if tick.low is not None and math.isfinite(tick.low):
        msg.day_low = rnd(tick.low, li)
    if tick.open is not None:
        msg.open_price = rnd(tick.open, li)
    msg.previous_close = rnd(tick.previous_close, li)
    msg.price_hint = price_hint(li)
    return base64.b64encode(msg.SerializeToString()).decode("ascii")


def frame_text(message: str) -> str:
    return json.dumps({"type": "pricing", "message": message}, separators=(",", ":"))
