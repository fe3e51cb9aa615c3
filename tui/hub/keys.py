"""Every Redis key and channel of a hub, under one prefix (config `hub_prefix`, default `aiwatch:`).

    {p}q:{SYM}          the latest quote of each source of SYM (a JSON list), expires a day after its last write
    {p}f:{SYM}          fundamentals              {p}h:{SYM}  daily history      {p}s:{SYM}  statement lines
    {p}i:{SYM}          the hub's intraday line of SYM: the day's 5-minute closes, then a point a minute
    {p}u:{SYM}          the source says SYM does not exist (expires an hour after)
    {p}heartbeat        the hub's pulse, written every second with a TTL: missing = no hub
    {p}status           JSON: the hub's upstream sources, requests per minute, clients, symbols, simulated
    {p}lock             SET NX PX with the running hub's token, renewed; a second hub waits for it to lapse
    {p}lease:{client}   one key per client, with a TTL, listing (JSON) the symbols it wants; renewed by the client
    {p}ticks            channel: batches of quotes (one message per ~50 ms batch, not one per tick)
    {p}updates          channel: fundamentals, history, statements, intraday lines (when the hub seeds one) and
                        unknown symbols, one message each

FX rates are quotes (`HKD=X`). Quotes and the rest go on two channels so that a large history message never
queues in front of a batch of ticks on a client's connection, and a client can read them at their own pace.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_PREFIX = "aiwatch:"
QUOTE_TTL = 86_400  # seconds a quote key outlives its last write (a hub gone for a day leaves nothing stale behind)
UNKNOWN_TTL = 3_600


@dataclass(frozen=True)
class Keys:
    prefix: str = DEFAULT_PREFIX

    def quote(self, symbol: str) -> str:
        return f"{self.prefix}q:{symbol}"

    def fundamentals(self, symbol: str) -> str:
        return f"{self.prefix}f:{symbol}"

    def history(self, symbol: str) -> str:
        return f"{self.prefix}h:{symbol}"

    def statements(self, symbol: str) -> str:
        return f"{self.prefix}s:{symbol}"

    def intraday(self, symbol: str) -> str:
        return f"{self.prefix}i:{symbol}"

    def unknown(self, symbol: str) -> str:
        return f"{self.prefix}u:{symbol}"

    def lease(self, client_id: str) -> str:
        return f"{self.prefix}lease:{client_id}"

    @property
    def lease_pattern(self) -> str:
        return f"{self.prefix}lease:*"

    @property
    def heartbeat(self) -> str:
        return f"{self.prefix}heartbeat"

    @property
    def status(self) -> str:
        return f"{self.prefix}status"

    @property
    def lock(self) -> str:
        return f"{self.prefix}lock"

    @property
    def ticks(self) -> str:
        return f"{self.prefix}ticks"

    @property
    def updates(self) -> str:
        return f"{self.prefix}updates"
