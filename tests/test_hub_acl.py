"""The ACL docs/hub.md gives viewers: a client can run with it (read every key, follow the channels, write its own
lease), and is refused when it tries to write a quote."""

from __future__ import annotations

import pytest
import redis
from hub_support import US, RunningHub, clients, wait_until
from redis_support import redis_server  # noqa: F401 - the fixture

# exactly the rule of docs/hub.md (the test reads it there too)
VIEWER_RULE = ("on >viewer-pw resetkeys %R~aiwatch:* %RW~aiwatch:lease:* resetchannels &aiwatch:ticks "
               "&aiwatch:updates -@all +@connection +get +mget +set +del +subscribe +unsubscribe")


def test_the_documented_rule_is_the_one_tested():
    from pathlib import Path

    doc = (Path(__file__).resolve().parent.parent / "docs" / "hub.md").read_text()
    assert f"ACL SETUSER viewer {VIEWER_RULE.replace('viewer-pw', 'CHANGE-ME')}" in doc


async def test_a_viewer_runs_a_client_and_cannot_write_a_quote(redis_server):  # noqa: F811
    redis_server.cli("ACL", "SETUSER", "viewer", *VIEWER_RULE.split())
    url = redis_server.url_for("viewer", "viewer-pw")
    async with RunningHub(redis_server.url) as hub:  # the hub as the default user (its own ACL user in production)
        async with clients(url, 1, symbols=US) as [rt]:
            await wait_until(lambda: all(s in rt.store.quotes for s in US), what="quotes for the viewer")
            await wait_until(lambda: hub.hub.clients == 1, what="the viewer's lease")
            assert rt.feed.hub_live() and rt.feed.rejects.count == 0
            assert rt.feed.status().sources[0].base_url == f"redis://127.0.0.1:{redis_server.port}"  # no password
    r = redis.Redis.from_url(url)
    try:
        with pytest.raises(redis.exceptions.NoPermissionError):
            r.set("aiwatch:q:NVDA", b"[]")
        with pytest.raises(redis.exceptions.NoPermissionError):
            r.publish("aiwatch:ticks", b"{}")
        with pytest.raises(redis.exceptions.NoPermissionError):
            r.get("other:secret")
        r.set("aiwatch:lease:mine", b"[]", px=1000)  # its own lease it may write
    finally:
        r.close()
