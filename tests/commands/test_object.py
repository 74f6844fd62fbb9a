"""OBJECT ENCODING/REFCOUNT/IDLETIME/FREQ/HELP through redis-py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis


def err(r: redis.Redis, *args: object) -> str:
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command(*args)
    return str(e.value)


@pytest.fixture
def lfu(r: redis.Redis) -> Iterator[None]:
    r.config_set("maxmemory-policy", "allkeys-lfu")
    yield
    r.config_set("maxmemory-policy", "noeviction")


def test_string_encodings(r: redis.Redis) -> None:
    r.set("i", "12345")
    r.set("neg", "-7")
    r.set("notint", "012")
    r.set("short", "x" * 44)
    r.set("long", "x" * 45)
    assert r.object("encoding", "i") == b"int"
    assert r.object("encoding", "neg") == b"int"
    assert r.object("encoding", "notint") == b"embstr"
    assert r.object("encoding", "short") == b"embstr"
    assert r.object("encoding", "long") == b"raw"
    assert r.object("encoding", "nope") is None


def test_container_encodings_follow_config(r: redis.Redis) -> None:
    r.rpush("l", *range(10))
    assert r.object("encoding", "l") == b"listpack"
    r.config_set("list-max-listpack-size", 4)
    try:
        assert r.object("encoding", "l") == b"quicklist"
    finally:
        r.config_set("list-max-listpack-size", -2)
    r.rpush("biglist", "x" * 9000)
    assert r.object("encoding", "biglist") == b"quicklist"
    r.hset("h", mapping={str(i): "v" for i in range(129)})
    assert r.object("encoding", "h") == b"hashtable"
    r.config_set("hash-max-listpack-entries", 200)
    try:
        assert r.object("encoding", "h") == b"listpack"
    finally:
        r.config_set("hash-max-listpack-entries", 128)


def test_refcount(r: redis.Redis) -> None:
    r.set("shared", "100")
    r.set("big", "123456")
    r.rpush("l", "a")
    assert r.object("refcount", "shared") == 2**31 - 1
    assert r.object("refcount", "big") == 1
    assert r.object("refcount", "l") == 1
    assert r.object("refcount", "nope") is None


def test_idletime_and_freq(r: redis.Redis, lfu: None) -> None:
    r.set("k", "v")
    first = r.object("freq", "k")
    for _ in range(30):
        r.get("k")
    # Redis's LFU counter starts at 5 and its first increment is certain (probability 1 at the start).
    assert first >= 5 and r.object("freq", "k") > first
    assert r.object("freq", "nope") is None
    assert err(r, "OBJECT", "IDLETIME", "k").startswith("An LFU maxmemory policy is selected, idle time not tracked.")


def test_idletime_under_lru(r: redis.Redis) -> None:
    r.config_set("maxmemory-policy", "allkeys-lru")
    try:
        r.set("k", "v")
        assert r.object("idletime", "k") == 0
    finally:
        r.config_set("maxmemory-policy", "noeviction")


def test_freq_needs_lfu(r: redis.Redis) -> None:
    r.set("k", "v")
    assert r.object("idletime", "k") >= 0
    assert err(r, "OBJECT", "FREQ", "k").startswith("An LFU maxmemory policy is not selected")


def test_help_and_errors(r: redis.Redis) -> None:
    lines = r.execute_command("OBJECT", "HELP")
    assert lines[0] in (b"OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
                        "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:")
    assert err(r, "OBJECT", "FOO", "k") == "unknown subcommand 'FOO'. Try OBJECT HELP."
    assert err(r, "OBJECT", "ENCODING") == "wrong number of arguments for 'object|encoding' command"
    assert err(r, "OBJECT", "HELP", "x") == "wrong number of arguments for 'object|help' command"
