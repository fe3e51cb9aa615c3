"""How late each source really is, measured against the clock while its market trades.

A source's promise is not a measurement: Yahoo says 15 minutes for Hong Kong, Tencent's `r_hk` keys are said to be
real-time, and either can be wrong (a proxy that caches, a source that falls behind). While a market is in its
regular session, every quote a source delivers is a sample: the time it arrived minus the exchange time it
carries. The smallest lag over the last minute is what the source shows at best (an illiquid listing's last
trade is older than its source is late; the freshest listing of that market says how late the source is). A
source whose best lag is more than two minutes is delayed by that many minutes (`+15m`); at or under two
minutes it is real-time (0).

Only samples that can tell are taken: the market in its regular session at arrival, and the quote's own time
inside the same run of trading (after the open or the end of the lunch break). Just after the bell a delayed
source still shows the minutes before it, which say nothing of its delay. Outside the session the last
measurement holds (a source that lagged this afternoon is still labelled so tonight); a source never measured
keeps its promise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from tui.core.sessions import Market, market_of, segment_start
from tui.model import SOURCE_YAHOO, Quote

REALTIME_WITHIN = 120.0  # seconds of lag still called real-time
WINDOW = 60.0  # seconds of arrivals the best (smallest) lag is taken over
_BUCKET = 10.0  # seconds per bucket of that window


@dataclass(slots=True)
class _Track:
    buckets: dict[int, float]  # bucket number (arrival time / _BUCKET) -> smallest lag seen in it
    minutes: int  # the measured delay, in whole minutes


def effective_delay(quote: Quote) -> int:
    """How late the quote is, in minutes: its source's delay as measured in session once it was, else what the
    source declared. Yahoo declares it in REST quotes only (stream frames say nothing): a Yahoo quote that
    declares none is taken to be as late as Yahoo usually is in its market. Tencent and Sina declare every
    quote's delay (0 for the real-time keys aiwatch asks for)."""
    if quote.delay_measured or quote.delay_minutes > 0 or quote.source_name != SOURCE_YAHOO:
        return quote.delay_minutes
    return market_of(quote.symbol).delay_minutes


def minutes_of(lag: float) -> int:
    """A lag in seconds as a delay in whole minutes: 0 up to REALTIME_WITHIN, else rounded to the minute."""
    return 0 if lag <= REALTIME_WITHIN else round(lag / 60.0)


class DelayMeter:
    """Measured delay per (source, market): fed every quote by the store, asked for the delay to stamp on it."""

    def __init__(self) -> None:
        self._tracks: dict[tuple[str, str], _Track] = {}

    def sample(self, source: str, market: Market, quote_time: float, received: float) -> int | None:
        """Take one quote into account; return the source's measured delay in that market (None: never measured)."""
        key = (source, market.code)
        track = self._tracks.get(key)
        if math.isfinite(quote_time) and math.isfinite(received):
            start = segment_start(market, received)  # None unless the market is in its regular session
            if start is not None and quote_time >= start:
                lag = max(0.0, received - quote_time)
                bucket = int(received // _BUCKET)
                if track is None:
                    track = self._tracks[key] = _Track({}, 0)
                best = track.buckets.get(bucket)
                if best is None or lag < best:
                    track.buckets[bucket] = lag
                    if len(track.buckets) > WINDOW / _BUCKET + 1:
                        oldest = bucket - int(WINDOW / _BUCKET)
                        for b in [b for b in track.buckets if b < oldest]:
                            del track.buckets[b]
                    recent = [v for b, v in track.buckets.items() if b >= bucket - int(WINDOW / _BUCKET)]
                    track.minutes = minutes_of(min(recent))
        return track.minutes if track is not None else None

    def measured(self, source: str, symbol_or_market: str | Market) -> int | None:
        """The measured delay of `source` in a market (given as a market or one of its symbols); None if never."""
        market = symbol_or_market if isinstance(symbol_or_market, Market) else market_of(symbol_or_market)
        track = self._tracks.get((source, market.code))
        return track.minutes if track is not None else None

    def all(self) -> dict[tuple[str, str], int]:
        """Every measurement: (source, market code) -> minutes."""
        return {key: track.minutes for key, track in self._tracks.items()}
