"""String commands through redis-py, RESP2 and RESP3."""

from __future__ import annotations

import time

import pytest
import redis


def test_set_get(r: redis.Redis) -> None:
    assert r.set("a", "1") is True
    assert r.get("a") == b"1"
    assert r.get("missing") is None


def test_set_options(r: redis.Redis) -> None:
    assert r.set("k", "v", nx=True) is True
    assert r.set("k", "w", nx=True) is None
    assert r.set("k", "w", xx=True) is True
    assert r.set("nope", "w", xx=True) is None
    assert r.set("k", "x", get=True) == b"w"
    r.set("t", "v", ex=100)
    assert 99 <= r.ttl("t") <= 100
    r.set("t", "v2", keepttl=True)
    assert r.ttl("t") > 0
    r.set("t", "v3")
    assert r.ttl("t") == -1


def test_set_syntax_errors(r: redis.Redis) -> None:
    with pytest.raises(redis.ResponseError, match="syntax error"):
        r.execute_command("SET", "k", "v", "NX", "XX")
    with pytest.raises(redis.ResponseError, match="invalid expire time in 'set' command"):
        r.execute_command("SET", "k", "v", "EX", "0")
    with pytest.raises(redis.ResponseError, match="value is not an integer or out of range"):
        r.execute_command("SET", "k", "v", "EX", "abc")


def test_px_expiry(r: redis.Redis) -> None:
    r.set("p", "v", px=50)
    assert r.get("p") == b"v"
    time.sleep(0.08)
    assert r.get("p") is None
    assert r.exists("p") == 0


def test_incr_family(r: redis.Redis) -> None:
    assert r.incr("n") == 1
    assert r.incrby("n", 10) == 11
    assert r.decr("n") == 10
    assert r.decrby("n", 5) == 5
    assert r.incrbyfloat("f", 1.5) == 1.5
    assert r.incrbyfloat("f", 0.1) == pytest.approx(1.6)
    r.set("s", "abc")
    with pytest.raises(redis.ResponseError, match="value is not an integer or out of range"):
        r.incr("s")
    r.set("big", str(2**63 - 1))
    with pytest.raises(redis.ResponseError, match="increment or decrement would overflow"):
        r.incr("big")


def test_mget_mset_append_strlen_ranges(r: redis.Redis) -> None:
    assert r.mset({"a": "1", "b": "2"}) is True
    assert r.mget("a", "b", "c") == [b"1", b"2", None]
    assert r.msetnx({"a": "x", "z": "y"}) is False
    assert r.append("a", "23") == 3
    assert r.strlen("a") == 3
    r.set("s", "Hello World")
    assert r.getrange("s", 0, 4) == b"Hello"
    assert r.getrange("s", -5, -1) == b"World"
    assert r.setrange("s", 6, "Redis") == 11
    assert r.get("s") == b"Hello Redis"
    assert r.setrange("pad", 3, "x") == 4
    assert r.get("pad") == b"\x00\x00\x00x"


def test_getdel_getex(r: redis.Redis) -> None:
    r.set("g", "v")
    assert r.getex("g", ex=50) == b"v"
    assert 49 <= r.ttl("g") <= 50
    assert r.getex("g", persist=True) == b"v"
    assert r.ttl("g") == -1
    assert r.getdel("g") == b"v"
    assert r.exists("g") == 0
