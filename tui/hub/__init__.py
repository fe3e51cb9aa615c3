"""The hub: one upstream for every aiwatch on a server, shared through Redis.

`aiwatch hub` (server.py, `Hub`) runs the sources once (tui/feeds/upstream.py, through tui/runtime.py) and
publishes the store's changes; every `aiwatch --hub URL` (client.py, `HubFeed`) fills its own store from Redis and
never opens an upstream connection. keys.py names every key and channel, codec.py turns the model's objects into
compact JSON and back (the way back is a parser of outside data), connect.py reads Redis URLs. docs/hub.md.

Only this package imports `redis`: an aiwatch without a hub never loads it.
"""
