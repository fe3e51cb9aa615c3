"""Fault switches for the simulator: the ways Yahoo (and networks) misbehave, on demand and seeded.

Spec: comma-separated `name=value` items, e.g. `drop=10s,close=25s,http429=3,http500=0.1,slow=0.05,garbage=0.01`:
- drop=DURATION   abort the websocket (no close frame) every DURATION of wall time
- close=DURATION  close the websocket cleanly (code 1000) every DURATION
- http429=N       answer 429 Too Many Requests to the first N REST requests
- http500=P       answer 500 to a fraction P of REST requests
- slow=P          delay a fraction P of REST requests by `slow_delay` seconds (default 3)
- slow_delay=DURATION
- garbage=P       replace a fraction P of stream frames with a malformed one
- hostile=1       a hostile data source: every name the simulator sends (stream frames' short names, v7 quote's
                  and quoteSummary's names, chart meta) carries escape sequences (OSC 0 title, OSC 52 clipboard,
                  CSI clear / report / move), C1 controls, NUL, bidi overrides or 10,000 characters, and starts like
                  a spreadsheet formula; the one-year daily chart answers an error whose description does the same
- hostile_errors=P  answer a fraction P of v7 quote requests with an error envelope carrying HOSTILE_MESSAGE
- tencent=MODE    Tencent's quote page (`/q=…`): `down` (HTTP 502 to every request), `empty` (an empty body, its
                  way of refusing a burst) or `ok`
- tencent_lag=DURATION  Tencent serves the market as it was DURATION ago, stamped so (a source that falls behind)
- sina=MODE, sina_lag=DURATION  the same for Sina's (`/list=…`)
Durations: `10s`, `500ms`, `2m` or a plain number of seconds. The yahoo faults (http429, http500, slow) touch
Yahoo's REST paths only. Tests switch the China ones while a simulator runs: `sim.faults.tencent = "down"`.
"""

from __future__ import annotations

import base64
import json
import random
import zlib
from dataclasses import dataclass, field

CHINA_MODES = ("ok", "down", "empty")
GARBAGE_KINDS = ("bad_json", "bad_base64", "bad_protobuf", "nan_price", "negative_price", "unknown_symbol",
                 "future_time")

# What a hostile source puts in names. Each starts like a formula (=, +, -, @; some after a tab or a CR) and holds
# what a terminal would act on: an OSC 0 retitling it, OSC 52 writing its clipboard, CSI clearing the screen,
# asking for the cursor position and moving the cursor, CSI and OSC as C1 code points, NUL, bidi overrides and
# isolates; the last is 10,000 characters long. The words inside the escape sequences ("PWNED", the base64
# payload) can only reach an output if a sequence was not removed whole: tests look for them.
HOSTILE_NAMES = (
    '=HYPERLINK("http://evil.example/","NVDA")\x1b]0;PWNED-TITLE\x07 Corp',
    "+Evil\x1b]52;c;cHduZWQtY2xpcGJvYXJk\x07 Clipboard Inc",
    "-Evil\x1b[2J\x1b[6n\x1b[9;9;9H Cleared Ltd",
    "@Evil\x9b31m\x9d0;PWNED-C1\x9c\x00Nul plc",
    "\t=1+1 Evil \u202eSREDAEL\u202c \u2066isolated\u2069 SA\r",
    "-" + "W" * 9_999,
)
HOSTILE_MESSAGE = ("Bad symbol\x1b]0;PWNED-TITLE\x07\x1b[2J\x9b6n \u202ereversed\u202c\x00 "
                   "\x1b]52;c;cHduZWQtY2xpcGJvYXJk\x1b\\" + "M" * 10_000)


def hostile_name(symbol: str) -> str:
    """The hostile name the simulator gives `symbol` (always the same one)."""
    return HOSTILE_NAMES[zlib.crc32(symbol.encode()) % len(HOSTILE_NAMES)]


def _duration(name: str, text: str) -> float:
    t = text.strip().lower()
    try:
        if t.endswith("ms"):
            value = float(t[:-2]) / 1000.0
        elif t.endswith("s"):
            value = float(t[:-1])
        elif t.endswith("m"):
            value = float(t[:-1]) * 60.0
        else:
            value = float(t)
    except ValueError:
        raise ValueError(f"fault {name}={text}: not a duration (try 10s, 500ms, 2m)") from None
    if value <= 0:
        raise ValueError(f"fault {name}={text}: must be positive")
    return value


def _fraction(name: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"fault {name}={text}: not a fraction between 0 and 1") from None
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"fault {name}={text}: must be between 0 and 1")
    return value


def _count(name: str, text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise ValueError(f"fault {name}={text}: not a whole number") from None
    if value < 0:
        raise ValueError(f"fault {name}={text}: must not be negative")
    return value


@dataclass
class Faults:
    drop_every: float | None = None
    close_every: float | None = None
    http429_first: int = 0
    http500: float = 0.0
    slow: float = 0.0
    slow_delay: float = 3.0
    garbage: float = 0.0
    hostile: bool = False
    hostile_errors: float = 0.0
    seed: int = 7
    rng: random.Random = field(default_factory=random.Random, repr=False)
    rest_requests: int = 0
    tencent: str = "ok"
    tencent_lag: float = 0.0
    sina: str = "ok"
    sina_lag: float = 0.0

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    @property
    def any(self) -> bool:
        return bool(self.drop_every or self.close_every or self.http429_first or self.http500 or self.slow
                    or self.garbage or self.hostile or self.hostile_errors)

    def china(self, source: str) -> tuple[str, float]:
        """(mode, lag in seconds) of the simulated Tencent or Sina quote page."""
        if source == "tencent":
            return self.tencent, self.tencent_lag
        return self.sina, self.sina_lag

    # -- REST --------------------------------------------------------------------------------
    def rest_fault(self) -> tuple[int | None, float]:
        """For one REST request: (status to answer instead, or None; seconds to wait first)."""
        self.rest_requests += 1
        if self.rest_requests <= self.http429_first:
            return 429, 0.0
        status = 500 if self.http500 and self.rng.random() < self.http500 else None
        delay = self.slow_delay if self.slow and self.rng.random() < self.slow else 0.0
        return status, delay

    def hostile_error(self) -> bool:
        """Whether this v7 quote request gets a hostile error envelope (fraction `hostile_errors`)."""
        return bool(self.hostile_errors) and self.rng.random() < self.hostile_errors

    # -- stream ------------------------------------------------------------------------------
    def garbage_frame(self, good_message: str, now: float) -> str | None:
        """A malformed frame instead of a good one (fraction `garbage`), else None."""
        if not self.garbage or self.rng.random() >= self.garbage:
            return None
        kind = self.rng.choice(GARBAGE_KINDS)
        return make_garbage(kind, good_message, now)


def make_garbage(kind: str, good_message: str, now: float) -> str:
    """One malformed streamer frame of the given kind."""
    from tui.sim.frames import PricingData

    if kind == "bad_json":
        return '{"type":"pricing","message":'
    if kind == "bad_base64":
        return json.dumps({"type": "pricing", "message": "!!not*base64!!"})
    if kind == "bad_protobuf":
        return json.dumps({"type": "pricing", "message": base64.b64encode(b"\xff\xff\xff\xff\x0f").decode()})
    msg = PricingData()
    msg.ParseFromString(base64.b64decode(good_message))
    if kind == "nan_price":
        msg.price = float("nan")
    elif kind == "negative_price":
        msg.price = -abs(msg.price or 1.0)
    elif kind == "unknown_symbol":
        msg.id = "NOSUCH.ZZ"
    elif kind == "future_time":
        msg.time = int((now + 86400.0 * 3) * 1000)
    return json.dumps({"type": "pricing", "message": base64.b64encode(msg.SerializeToString()).decode()},
                      separators=(",", ":"))


_KEYS = {"drop", "close", "http429", "http500", "slow", "slow_delay", "garbage", "hostile", "hostile_errors",
         "tencent", "tencent_lag", "sina", "sina_lag"}


def _mode(name: str, text: str) -> str:
    value = text.strip().lower()
    if value not in CHINA_MODES:
        raise ValueError(f"fault {name}={text}: expected one of {', '.join(CHINA_MODES)}")
    return value


def parse_faults(spec: str | None, seed: int = 7) -> Faults:
    """Parse a fault spec; a ValueError names the bad item."""
    faults = Faults(seed=seed)
    if not spec or not spec.strip():
        return faults
    for item in spec.split(","):
        item = item.strip()
        if not item:
            continue
        name, sep, value = item.partition("=")
        name = name.strip().lower()
        if not sep or not value.strip():
            raise ValueError(f"fault item {item!r}: expected name=value")
        if name not in _KEYS:
            raise ValueError(f"fault item {item!r}: unknown fault {name!r} (known: {', '.join(sorted(_KEYS))})")
        value = value.strip()
        if name == "drop":
            faults.drop_every = _duration(name, value)
        elif name == "close":
            faults.close_every = _duration(name, value)
        elif name == "http429":
            faults.http429_first = _count(name, value)
        elif name == "http500":
            faults.http500 = _fraction(name, value)
        elif name == "slow":
            faults.slow = _fraction(name, value)
        elif name == "slow_delay":
            faults.slow_delay = _duration(name, value)
        elif name == "garbage":
            faults.garbage = _fraction(name, value)
        elif name == "hostile":
            if value not in ("0", "1"):
                raise ValueError(f"fault {name}={value}: 1 (on) or 0 (off)")
            faults.hostile = value == "1"
        elif name == "hostile_errors":
            faults.hostile_errors = _fraction(name, value)
        elif name in ("tencent", "sina"):
            setattr(faults, name, _mode(name, value))
        elif name in ("tencent_lag", "sina_lag"):
            setattr(faults, name, _duration(name, value))
    return faults
