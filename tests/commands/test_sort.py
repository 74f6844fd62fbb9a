"""SORT and SORT_RO through redis-py: numeric/ALPHA, BY (keys, hash fields, nosort), LIMIT, GET, STORE,
plus a differential run against Debian's redis-server when it is installed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import redis

from redvector.keyspace.types import ZSet
from tests.serverutil import ThreadedServer, reference_redis


def err(r: redis.Redis, *args: object) -> str:
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command(*args)
    return str(e.value)


def put_zset(server: ThreadedServer, key: bytes, scores: dict[bytes, float]) -> None:
    """Store a sorted set directly (the ZADD family is another module; SORT only reads ZSet values)."""
    assert server.app is not None
    db = server.app.server.keyspace.databases[0]
    zset = ZSet()
    for member, score in scores.items():
        zset.add(member, score)

    def store() -> None:
        db.set(key, zset)
        db.touched(key, "zadd")

    server.call(store)


def load(r: redis.Redis, server: ThreadedServer | None = None) -> None:
    r.rpush("l", "3", "10", "1", "2.5", "-4")
    r.sadd("s", "b", "a", "c")
    if server is None:
        r.zadd("z", {"x": 3, "y": 1, "w": 2})
    else:
        put_zset(server, b"z", {b"x": 3, b"y": 1, b"w": 2})
    for i, (weight, name) in enumerate([("30", "three"), ("5", "five"), ("20", "twenty")]):
        r.rpush("ids", str(i))
        r.set(f"w_{i}", weight)
        r.hset(f"obj:{i}", mapping={"name": name, "rank": str(3 - i)})


def test_numeric_and_alpha(server: ThreadedServer, r: redis.Redis) -> None:
    load(r, server)
    assert r.sort("l") == [b"-4", b"1", b"2.5", b"3", b"10"]
    assert r.sort("l", desc=True) == [b"10", b"3", b"2.5", b"1", b"-4"]
    assert r.sort("l", alpha=True) == [b"-4", b"1", b"10", b"2.5", b"3"]
    assert r.sort("s", alpha=True) == [b"a", b"b", b"c"]
    assert r.sort("s", alpha=True, desc=True) == [b"c", b"b", b"a"]
    assert r.sort("z", alpha=True) == [b"w", b"x", b"y"]
    assert r.sort("nope") == []
    assert err(r, "SORT", "s") == "One or more scores can't be converted into double"


def test_equal_scores_compare_elements(r: redis.Redis) -> None:
    r.rpush("t", "b", "a", "c")
    r.mset({"k_a": "1", "k_b": "1", "k_c": "0"})
    assert r.sort("t", by="k_*") == [b"c", b"a", b"b"]
    assert r.sort("t", by="k_*", desc=True) == [b"b", b"a", b"c"]


def test_limit(server: ThreadedServer, r: redis.Redis) -> None:
    load(r, server)
    assert r.sort("l", start=1, num=2) == [b"1", b"2.5"]
    assert r.sort("l", start=3, num=10) == [b"3", b"10"]
    assert r.sort("l", start=10, num=2) == []
    assert r.sort("l", start=-5, num=1) == [b"-4"]
    assert r.execute_command("SORT", "l", "LIMIT", "1", "-1") == [b"1", b"2.5", b"3", b"10"]
    assert err(r, "SORT", "l", "LIMIT", "0") == "syntax error"
    assert err(r, "SORT", "l", "LIMIT", "a", "1") == "value is not an integer or out of range"


def test_by_and_get(server: ThreadedServer, r: redis.Redis) -> None:
    load(r, server)
    assert r.sort("ids", by="w_*") == [b"1", b"2", b"0"]
    assert r.sort("ids", by="obj:*->rank") == [b"2", b"1", b"0"]
    assert r.sort("ids", by="obj:*->name", alpha=True) == [b"1", b"0", b"2"]
    assert r.sort("ids", by="w_*", get=["#", "obj:*->name", "w_*", "missing_*", "nostar"]) == [
        b"1", b"five", b"5", None, None,
        b"2", b"twenty", b"20", None, None,
        b"0", b"three", b"30", None, None,
    ]
    # a missing BY weight sorts as 0 (numeric) or first (ALPHA)
    r.rpush("ids", "9")
    assert r.sort("ids", by="w_*")[0] == b"9"
    assert r.sort("ids", by="obj:*->name", alpha=True)[0] == b"9"
    # GET through a key of the wrong type answers nil
    assert r.sort("ids", by="nosort", get="obj:*") == [None, None, None, None]


def test_nosort_keeps_container_order(server: ThreadedServer, r: redis.Redis) -> None:
    load(r, server)
    assert r.sort("l", by="nosort") == [b"3", b"10", b"1", b"2.5", b"-4"]
    assert r.sort("l", by="nosort", desc=True) == [b"-4", b"2.5", b"1", b"10", b"3"]
    assert r.sort("l", by="nosort", start=1, num=2) == [b"10", b"1"]
    assert r.sort("z", by="nosort") == [b"y", b"w", b"x"]
    assert r.sort("z", by="nosort", desc=True, start=0, num=2) == [b"x", b"w"]
    assert sorted(r.sort("s", by="nosort")) == [b"a", b"b", b"c"]


def test_store(server: ThreadedServer, r: redis.Redis) -> None:
    load(r, server)
    assert r.sort("l", store="out") == 5
    assert r.lrange("out", 0, -1) == [b"-4", b"1", b"2.5", b"3", b"10"]
    assert r.sort("ids", by="w_*", get=["obj:*->name", "missing_*"], store="out") == 6
    assert r.lrange("out", 0, -1) == [b"five", b"", b"twenty", b"", b"three", b""]
    # a set sorted with BY nosort is sorted anyway when stored (deterministic replication)
    assert r.sort("s", by="nosort", store="out") == 3
    assert r.lrange("out", 0, -1) == [b"a", b"b", b"c"]
    assert r.sort("nope", store="out") == 0
    assert r.exists("out") == 0
    r.set("str", "x")
    assert r.sort("l", store="str") == 5 and r.type("str") == b"list"


def test_sort_ro(server: ThreadedServer, r: redis.Redis) -> None:
    load(r, server)
    assert r.sort_ro("l") == [b"-4", b"1", b"2.5", b"3", b"10"]
    assert r.sort_ro("ids", by="w_*", get="obj:*->name") == [b"five", b"twenty", b"three"]
    assert err(r, "SORT_RO", "l", "STORE", "x") == "syntax error"


def test_errors(r: redis.Redis) -> None:
    r.set("str", "x")
    r.hset("h", "a", "1")
    assert err(r, "SORT", "str").startswith("WRONGTYPE")
    assert err(r, "SORT", "h").startswith("WRONGTYPE")
    r.rpush("l", "1")
    assert err(r, "SORT", "l", "FOO") == "syntax error"
    assert err(r, "SORT", "l", "BY") == "syntax error"
    assert err(r, "SORT", "l", "GET") == "syntax error"
    r.rpush("bad", "1", "x")
    assert err(r, "SORT", "bad") == "One or more scores can't be converted into double"
    r.rpush("odd", "", "1", "-1", "inf", " 2", "-inf")
    assert r.sort("odd") == [b"-inf", b"-1", b"", b"1", b" 2", b"inf"]
    r.rpush("huge", "1e500")
    assert err(r, "SORT", "huge") == "One or more scores can't be converted into double"
    r.set("wx", "abc")
    r.rpush("byl", "x")
    assert err(r, "SORT", "byl", "BY", "w*") == "One or more scores can't be converted into double"


# -- differential check against a real Redis --------------------------------------------------------------
@pytest.fixture(scope="module")
def reference() -> Iterator[redis.Redis]:
    with reference_redis() as port:
        client = redis.Redis(port=port)
        yield client
        client.close()


CASES: list[tuple[Any, ...]] = [
    ("SORT", "l"), ("SORT", "l", "DESC"), ("SORT", "l", "ALPHA"), ("SORT", "l", "LIMIT", "1", "3"),
    ("SORT", "l", "LIMIT", "-2", "2"), ("SORT", "l", "LIMIT", "4", "-1"), ("SORT", "l", "LIMIT", "9", "1"),
    ("SORT", "l", "BY", "nosort", "DESC", "LIMIT", "1", "2"), ("SORT", "s", "ALPHA", "DESC"),
    ("SORT", "z", "BY", "nosort"), ("SORT", "z", "BY", "nosort", "DESC", "LIMIT", "1", "5"),
    ("SORT", "z", "ALPHA", "LIMIT", "0", "2"),
    ("SORT", "ids", "BY", "w_*", "GET", "#", "GET", "obj:*->name", "GET", "nothing_*"),
    ("SORT", "ids", "BY", "obj:*->rank", "DESC"), ("SORT", "ids", "BY", "obj:*->name", "ALPHA"),
    ("SORT", "ids", "BY", "obj:*->nofield"), ("SORT", "ids", "GET", "obj:*->"),
    ("SORT", "s"), ("SORT", "l", "STORE", "dst"), ("LRANGE", "dst", "0", "-1"),
    ("SORT", "ids", "BY", "w_*", "GET", "obj:*->name", "GET", "x_*", "STORE", "dst"),
    ("LRANGE", "dst", "0", "-1"), ("SORT", "nope", "STORE", "dst"), ("EXISTS", "dst"),
    ("SORT_RO", "l", "STORE", "dst"), ("SORT", "h"),
]


def test_same_as_redis(reference: redis.Redis, server: ThreadedServer, r: redis.Redis) -> None:
    if int(r.connection_pool.connection_kwargs.get("protocol") or 2) != 2:
        pytest.skip("the reference comparison runs once, over RESP2")
    reference.flushall()
    load(reference)
    load(r, server)
    for client in (reference, r):
        client.hset("h", "a", "1")
    for case in CASES:
        outcomes = []
        for client in (reference, r):
            try:
                outcomes.append(client.execute_command(*case))
            except redis.ResponseError as exc:
                outcomes.append(f"error: {exc}")
        assert outcomes[0] == outcomes[1], case
    reference.flushall()
