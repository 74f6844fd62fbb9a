"""Keyspace notifications through a subscriber: channels, class letters, live CONFIG SET, expiry."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
import redis

from tests.serverutil import ThreadedServer


@pytest.fixture
def events(server: ThreadedServer, r: redis.Redis) -> Iterator[Any]:
    sub_client = redis.Redis(port=server.port)
    p = sub_client.pubsub()
    p.psubscribe("__key*__:*")
    assert p.get_message(timeout=2)["type"] == "psubscribe"
    yield p
    r.config_set("notify-keyspace-events", "")
    p.close()
    sub_client.close()


def drain(p: Any, quiet: float = 0.2) -> list[tuple[bytes, bytes]]:
    out = []
    while True:
        msg = p.get_message(timeout=quiet)
        if msg is None:
            return out
        out.append((msg["channel"], msg["data"]))


def test_keyspace_and_keyevent_channels(r: redis.Redis, events: Any) -> None:
    r.config_set("notify-keyspace-events", "KEA")
    assert r.config_get("notify-keyspace-events")["notify-keyspace-events"] == "AKE"
    r.set("k", "v")
    r.zadd("z", {"m": 1})
    r.zincrby("z", 1, "m")
    r.zrem("z", "m")
    assert drain(events) == [
        (b"__keyspace@0__:k", b"set"), (b"__keyevent@0__:set", b"k"),
        (b"__keyspace@0__:z", b"zadd"), (b"__keyevent@0__:zadd", b"z"),
        (b"__keyspace@0__:z", b"zincr"), (b"__keyevent@0__:zincr", b"z"),
        (b"__keyspace@0__:z", b"zrem"), (b"__keyevent@0__:zrem", b"z"),
        (b"__keyspace@0__:z", b"del"), (b"__keyevent@0__:del", b"z"),
    ]


def test_class_filter_and_live_changes(r: redis.Redis, events: Any) -> None:
    r.config_set("notify-keyspace-events", "Ez")  # sorted-set events, keyevent channel only
    r.set("s", "1")
    r.zadd("z", {"a": 1, "b": 2})
    r.zpopmin("z")
    assert drain(events) == [(b"__keyevent@0__:zadd", b"z"), (b"__keyevent@0__:zpopmin", b"z")]
    r.config_set("notify-keyspace-events", "K$")
    r.set("s", "2")
    r.zadd("z", {"c": 3})
    assert drain(events) == [(b"__keyspace@0__:s", b"set")]
    r.config_set("notify-keyspace-events", "")
    r.set("s", "3")
    assert drain(events) == []


def test_generic_and_expired_events(r: redis.Redis, events: Any) -> None:
    r.config_set("notify-keyspace-events", "Egx")
    r.set("a", 1)
    r.expire("a", 100)
    r.rename("a", "b")
    r.delete("b")
    r.set("t", 1, px=30)
    time.sleep(0.1)
    assert r.get("t") is None  # lazy expiry fires "expired"
    got = drain(events)
    assert got[:5] == [
        (b"__keyevent@0__:expire", b"a"), (b"__keyevent@0__:rename_from", b"a"),
        (b"__keyevent@0__:rename_to", b"b"), (b"__keyevent@0__:del", b"b"),
        (b"__keyevent@0__:expire", b"t"),
    ]
    assert (b"__keyevent@0__:expired", b"t") in got[5:]


def test_bad_flags(r: redis.Redis) -> None:
    with pytest.raises(redis.ResponseError, match="Invalid event class character"):
        r.config_set("notify-keyspace-events", "KQ")
