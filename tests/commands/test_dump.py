"""DUMP / RESTORE through a real server, and payloads exchanged with a real Redis in both directions."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
import redis

from tests.serverutil import ThreadedServer, reference_redis

Filler = Callable[[redis.Redis, str], None]

# One filler per type and encoding Redis uses for it (small values are listpacks/intsets in Redis 7.0).
FILLERS: dict[str, Filler] = {
    "string": lambda c, k: c.set(k, b"hello \x00 world"),
    "int-string": lambda c, k: c.set(k, 12345),
    "big-string": lambda c, k: c.set(k, b"x" * 100_000),
    "list": lambda c, k: c.rpush(k, "a", "b", 3, ""),
    "big-list": lambda c, k: c.rpush(k, *[f"item-{i}" * 3 for i in range(2000)]),
    "intset": lambda c, k: c.sadd(k, 1, 2, 3, -7),
    "set": lambda c, k: c.sadd(k, "x", "y", "z"),
    "big-set": lambda c, k: c.sadd(k, *[f"m{i}" for i in range(1000)]),
    "hash": lambda c, k: c.hset(k, mapping={"f1": "v1", "f2": "2", "f3": ""}),
    "big-hash": lambda c, k: c.hset(k, mapping={f"f{i}": "v" * 100 for i in range(600)}),
    "zset": lambda c, k: c.zadd(k, {"a": 1.5, "b": -2, "c": 1e300}),
    "big-zset": lambda c, k: c.zadd(k, {f"m{i}": i / 3 for i in range(1000)}),
}


def ok(reply: object) -> bool:
    """redis-py has no reply callback for RESTORE: the raw +OK."""
    return reply in (True, b"OK", "OK")


def snapshot(c: redis.Redis, key: str) -> object:
    kind = c.type(key)
    kind = kind.decode() if isinstance(kind, bytes) else kind
    if kind == "string":
        return c.get(key)
    if kind == "list":
        return c.lrange(key, 0, -1)
    if kind == "set":
        return sorted(c.smembers(key))
    if kind == "hash":
        return sorted(c.hgetall(key).items())
    if kind == "zset":
        return c.zrange(key, 0, -1, withscores=True)
    return kind


@pytest.mark.parametrize("name", sorted(FILLERS))
def test_dump_restore_roundtrip(r: redis.Redis, name: str) -> None:
    FILLERS[name](r, "src")
    payload = r.dump("src")
    assert isinstance(payload, bytes)
    assert ok(r.restore("dst", 0, payload))
    assert snapshot(r, "dst") == snapshot(r, "src")
    assert r.ttl("dst") == -1


def test_dump_missing_key_is_nil(r: redis.Redis) -> None:
    assert r.dump("nope") is None


def test_restore_ttl_absttl_and_replace(r: redis.Redis) -> None:
    r.set("k", "v1")
    first = r.dump("k")
    r.set("k", "v2")
    second = r.dump("k")
    r.delete("k")
    assert ok(r.restore("k", 5000, first))
    assert 3000 <= r.pttl("k") <= 5000
    with pytest.raises(redis.ResponseError, match=r"^BUSYKEY Target key name already exists\.$"):
        r.restore("k", 0, second)
    assert ok(r.restore("k", 0, second, replace=True))
    assert r.get("k") == b"v2" and r.ttl("k") == -1
    at_ms = int(time.time() * 1000) + 60_000
    assert ok(r.restore("abs", at_ms, first, absttl=True))
    assert 55_000 <= r.pttl("abs") <= 60_000
    # a TTL already in the past creates nothing, and REPLACE still removes the old key
    assert ok(r.restore("k", 1, second, replace=True, absttl=True))
    assert r.exists("k") == 0
    assert ok(r.restore("gone", 1, second, absttl=True))
    assert r.exists("gone") == 0


def test_restore_errors(r: redis.Redis) -> None:
    r.set("k", "v")
    payload = r.dump("k")
    assert payload is not None
    cases = [
        (["RESTORE", "new", 0, payload, "BOGUS"], "syntax error"),
        (["RESTORE", "new", -1, payload], "Invalid TTL value, must be >= 0"),
        (["RESTORE", "new", "x", payload], "value is not an integer or out of range"),
        (["RESTORE", "new", 0, payload[:-1] + bytes([payload[-1] ^ 1])], "DUMP payload version or checksum are wrong"),
        (["RESTORE", "new", 0, b"short"], "DUMP payload version or checksum are wrong"),
        (["RESTORE", "new", 0, payload, "IDLETIME", -1], "Invalid IDLETIME value, must be >= 0"),
        (["RESTORE", "new", 0, payload, "FREQ", 256], "Invalid FREQ value, must be >= 0 and <= 255"),
        (["RESTORE", "new", 0, payload, "IDLETIME", 1, "FREQ", 1], "syntax error"),
        (["RESTORE", "k", 0, payload], "BUSYKEY Target key name already exists."),
    ]
    for argv, message in cases:
        with pytest.raises(redis.ResponseError) as info:
            r.execute_command(*argv)
        assert str(info.value) == message, argv
    # a payload with a valid footer around a malformed body
    from redvector.persistence.rdb.crc64 import crc64

    body = b"\x63\x05ab" + (10).to_bytes(2, "little")  # an unknown value type
    bad = body + crc64(body).to_bytes(8, "little")
    with pytest.raises(redis.ResponseError, match=r"^Bad data format$"):
        r.execute_command("RESTORE", "new", 0, bad)
    empty_set = b"\x02\x00" + (10).to_bytes(2, "little")  # Redis treats an empty container as corrupt
    with pytest.raises(redis.ResponseError, match=r"^Bad data format$"):
        r.execute_command("RESTORE", "new", 0, empty_set + crc64(empty_set).to_bytes(8, "little"))
    assert r.exists("new") == 0


def test_restore_idletime_sets_the_lru_clock(server: ThreadedServer) -> None:
    client = redis.Redis(port=server.port)
    client.flushall()
    client.config_set("maxmemory-policy", "allkeys-lru")
    try:
        client.set("k", "v")
        payload = client.dump("k")
        client.delete("k")
        assert ok(client.restore("k", 0, payload, idletime=1000))
        assert client.object("idletime", "k") >= 999
        client.config_set("maxmemory-policy", "allkeys-lfu")
        assert ok(client.restore("f", 0, payload, frequency=77))
        assert client.object("freq", "f") == 77
    finally:
        client.config_set("maxmemory-policy", "noeviction")
        client.close()


def test_payloads_move_between_redis_and_redvector(server: ThreadedServer) -> None:
    ours = redis.Redis(port=server.port)
    ours.flushall()
    with reference_redis() as port:
        theirs = redis.Redis(port=port)
        for name, fill in FILLERS.items():
            fill(theirs, name)
            assert ok(ours.restore(name, 0, theirs.dump(name))), name
            assert snapshot(ours, name) == snapshot(theirs, name), name
            fill(ours, "mine-" + name)
            assert ok(theirs.restore("mine-" + name, 0, ours.dump("mine-" + name))), name
            assert snapshot(theirs, "mine-" + name) == snapshot(ours, "mine-" + name), name
        theirs.close()
    ours.close()
