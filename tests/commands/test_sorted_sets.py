"""Sorted set commands through redis-py (RESP2 and RESP3): scores, ranges, pops, blocking, algebra."""

from __future__ import annotations

import math
import threading
import time
from typing import Any

import pytest
import redis

from tests.serverutil import ThreadedServer


def pairs(reply: Any) -> list[tuple[bytes, float]]:
    """WITHSCORES replies as (member, score) tuples whatever the protocol's shape."""
    if reply and not isinstance(reply[0], (list, tuple)):  # a flat RESP2 array redis-py left as is
        reply = list(zip(reply[::2], reply[1::2], strict=True))
    return [(m, float(s)) for m, s in reply]


def raw(r: redis.Redis, *args: Any) -> Any:
    return r.execute_command(*args)


def test_zadd_options(r: redis.Redis) -> None:
    assert r.zadd("z", {"a": 1, "b": 2, "c": 3}) == 3
    assert r.zadd("z", {"a": 10, "d": 4}, nx=True) == 1
    assert r.zscore("z", "a") == 1.0
    assert r.zadd("z", {"a": 5, "e": 5}, xx=True, ch=True) == 1
    assert r.zscore("z", "e") is None
    assert r.zadd("z", {"a": 1, "b": 20}, gt=True, ch=True) == 1
    assert r.zscore("z", "a") == 5.0 and r.zscore("z", "b") == 20.0
    assert r.zadd("z", {"a": 100, "b": 0.5}, lt=True, ch=True) == 1
    assert r.zadd("z", {"c": 1.5}, incr=True) == 4.5
    assert r.zadd("z", {"c": -1}, incr=True, gt=True) is None
    assert r.zadd("missing", {"a": 1}, xx=True) == 0
    assert r.exists("missing") == 0
    assert r.zadd("z", {"inf": "inf", "ninf": "-inf"}) == 2
    assert r.zscore("z", "inf") == math.inf and r.zscore("z", "ninf") == -math.inf


def test_zadd_errors(r: redis.Redis) -> None:
    r.set("str", "x")
    cases = [
        (("ZADD", "z", "NX", "XX", 1, "a"), "XX and NX options at the same time are not compatible"),
        (("ZADD", "z", "GT", "LT", 1, "a"), "GT, LT, and/or NX options at the same time are not compatible"),
        (("ZADD", "z", "NX", "GT", 1, "a"), "GT, LT, and/or NX options at the same time are not compatible"),
        (("ZADD", "z", "INCR", 1, "a", 2, "b"), "INCR option supports a single increment-element pair"),
        (("ZADD", "z", 1, "a", 2), "syntax error"),
        (("ZADD", "z", "nan", "a"), "value is not a valid float"),
        (("ZADD", "z", "1_0", "a"), "value is not a valid float"),
        (("ZADD", "str", 1, "a"), "WRONGTYPE Operation against a key holding the wrong kind of value"),
        (("ZINCRBY", "z", "x", "a"), "value is not a valid float"),
    ]
    for args, message in cases:
        with pytest.raises(redis.ResponseError) as e:
            raw(r, *args)
        assert str(e.value) == message, args
    r.zadd("z", {"a": "inf"})
    with pytest.raises(redis.ResponseError, match=r"resulting score is not a number \(NaN\)"):
        r.zincrby("z", float("-inf"), "a")
    assert r.zscore("z", "a") == math.inf


def test_scores_and_ranks(r: redis.Redis) -> None:
    r.zadd("z", {"a": 1, "b": 2.5, "c": 2.5, "d": -1})
    assert r.zcard("z") == 4 and r.zcard("nope") == 0
    assert r.zmscore("z", ["a", "nope", "c"]) == [1.0, None, 2.5]
    assert r.zmscore("nope", ["a"]) == [None]
    assert r.zrank("z", "d") == 0 and r.zrank("z", "c") == 3
    assert r.zrevrank("z", "d") == 3 and r.zrank("z", "nope") is None
    rank, score = raw(r, "ZRANK", "z", "b", "WITHSCORE")
    assert (rank, float(score)) == (2, 2.5)
    assert raw(r, "ZRANK", "z", "nope", "WITHSCORE") is None
    with pytest.raises(redis.ResponseError, match="syntax error"):
        raw(r, "ZRANK", "z", "a", "FOO")
    assert r.zincrby("z", 0.5, "a") == 1.5
    assert r.zincrby("z", 3, "new") == 3.0
    # Scores keep 17 significant digits of precision.
    r.zadd("p", {"x": 0.1})
    assert r.zincrby("p", 0.2, "x") == 0.1 + 0.2


def test_zrange_forms(r: redis.Redis) -> None:
    r.zadd("z", {"a": 1, "b": 2, "c": 3, "d": 4, "e": 5})
    assert r.zrange("z", 0, -1) == [b"a", b"b", b"c", b"d", b"e"]
    assert r.zrange("z", -2, -1) == [b"d", b"e"]
    assert r.zrange("z", 3, 1) == [] and r.zrange("z", 10, 20) == []
    assert r.zrange("z", 0, 1, desc=True) == [b"e", b"d"]
    assert pairs(r.zrange("z", 0, 1, withscores=True)) == [(b"a", 1.0), (b"b", 2.0)]
    assert r.zrange("z", "(1", 4, byscore=True) == [b"b", b"c", b"d"]
    assert r.zrange("z", "-inf", "+inf", byscore=True, offset=1, num=2) == [b"b", b"c"]
    assert r.zrange("z", 4, "(1", byscore=True, desc=True, offset=1, num=10) == [b"c", b"b"]
    assert r.zrangebyscore("z", "(2", "(5") == [b"c", b"d"]
    assert pairs(r.zrangebyscore("z", 2, 3, withscores=True)) == [(b"b", 2.0), (b"c", 3.0)]
    assert r.zrangebyscore("z", "-inf", "+inf", start=-1, num=2) == []
    assert r.zrangebyscore("z", "-inf", "+inf", start=3, num=-1) == [b"d", b"e"]
    assert r.zrevrangebyscore("z", "+inf", 3, start=0, num=2) == [b"e", b"d"]
    assert r.zrevrange("z", 0, 1) == [b"e", b"d"]
    assert pairs(r.zrevrange("z", 0, 0, withscores=True)) == [(b"e", 5.0)]
    assert r.zcount("z", "(1", 3) == 2 and r.zcount("z", "-inf", "+inf") == 5 and r.zcount("nope", 0, 1) == 0


def test_zrange_errors(r: redis.Redis) -> None:
    r.zadd("z", {"a": 1})
    r.set("str", "x")
    cases = [
        (("ZRANGE", "z", 0, 1, "LIMIT", 0, 1),
         "syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX"),
        (("ZRANGE", "z", "[a", "[b", "BYLEX", "WITHSCORES"),
         "syntax error, WITHSCORES not supported in combination with BYLEX"),
        (("ZRANGE", "z", "x", 1), "value is not an integer or out of range"),
        (("ZRANGE", "z", 0, 1, "FOO"), "syntax error"),
        (("ZRANGEBYSCORE", "z", "a", 1), "min or max is not a float"),
        (("ZRANGEBYSCORE", "z", 0, 1, "REV"), "syntax error"),
        (("ZCOUNT", "z", "(x", 1), "min or max is not a float"),
        (("ZRANGEBYLEX", "z", "a", "+"), "min or max not valid string range item"),
        (("ZLEXCOUNT", "z", "-x", "+"), "min or max not valid string range item"),
        (("ZRANGE", "str", 0, 1), "WRONGTYPE Operation against a key holding the wrong kind of value"),
        (("ZRANGESTORE", "d", "z", 0, -1, "WITHSCORES"), "syntax error"),
    ]
    for args, message in cases:
        with pytest.raises(redis.ResponseError) as e:
            raw(r, *args)
        assert str(e.value) == message, args


def test_lex_ranges(r: redis.Redis) -> None:
    r.zadd("l", dict.fromkeys(["a", "b", "c", "d", "e", "f"], 0))
    assert r.zrangebylex("l", "-", "+") == [b"a", b"b", b"c", b"d", b"e", b"f"]
    assert r.zrangebylex("l", "[b", "(e") == [b"b", b"c", b"d"]
    assert r.zrangebylex("l", "(b", "+", start=1, num=2) == [b"d", b"e"]
    assert r.zrevrangebylex("l", "[e", "(b") == [b"e", b"d", b"c"]
    assert r.zrange("l", "[c", "[a", bylex=True, desc=True) == [b"c", b"b", b"a"]
    assert r.zlexcount("l", "(a", "[c") == 2
    assert r.zremrangebylex("l", "[a", "(c") == 2
    assert r.zrange("l", 0, -1) == [b"c", b"d", b"e", b"f"]


def test_remrange_and_zrem(r: redis.Redis) -> None:
    r.zadd("z", {"a": 1, "b": 2, "c": 3, "d": 4, "e": 5})
    assert r.zremrangebyrank("z", 0, 0) == 1
    assert r.zremrangebyrank("z", -1, -1) == 1
    assert r.zremrangebyrank("z", 10, 20) == 0
    assert r.zremrangebyscore("z", "(2", 3) == 1
    assert r.zrange("z", 0, -1) == [b"b", b"d"]
    assert r.zrem("z", "b", "nope") == 1
    assert r.zrem("z", "d") == 1
    assert r.exists("z") == 0  # containers never stay empty
    assert r.zrem("z", "x") == 0
    with pytest.raises(redis.ResponseError, match="value is not an integer or out of range"):
        r.zremrangebyrank("z", "x", 1)


def test_zrangestore(r: redis.Redis) -> None:
    r.zadd("src", {"a": 1, "b": 2, "c": 3})
    assert r.zrangestore("dst", "src", 0, 1) == 2
    assert pairs(r.zrange("dst", 0, -1, withscores=True)) == [(b"a", 1.0), (b"b", 2.0)]
    assert r.zrangestore("dst", "src", "(1", "+inf", byscore=True, offset=0, num=1) == 1
    assert r.zrange("dst", 0, -1) == [b"b"]
    assert r.zrangestore("dst", "nope", 0, -1) == 0
    assert r.exists("dst") == 0


def test_pops(r: redis.Redis) -> None:
    r.zadd("z", {"a": 1, "b": 2, "c": 3, "d": 4})
    # Without COUNT Redis answers one flat [member, score]; redis-py wraps it in a list for RESP2 only.
    one = r.zpopmin("z")
    member, score = one[0] if isinstance(one[0], tuple) else one
    assert (member, float(score)) == (b"a", 1.0)
    assert pairs(r.zpopmax("z", 2)) == [(b"d", 4.0), (b"c", 3.0)]
    assert r.zpopmin("nope") == []
    assert r.zpopmin("z", 0) == []
    with pytest.raises(redis.ResponseError, match="value is out of range, must be positive"):
        r.zpopmin("z", -1)
    assert pairs(r.zpopmin("z", 5)) == [(b"b", 2.0)]
    assert r.exists("z") == 0
    r.zadd("y", {"x": 1, "y": 2, "z": 3})
    key, popped = r.zmpop(2, ["nope", "y"], max=True, count=2)
    assert key == b"y" and pairs(popped) == [(b"z", 3.0), (b"y", 2.0)]
    assert r.zmpop(1, ["nope"], min=True) is None
    for args, message in [
        (("ZMPOP", 0, "y", "MIN"), "numkeys should be greater than 0"),
        (("ZMPOP", 2, "y", "MIN"), "syntax error"),
        (("ZMPOP", 1, "y", "MID"), "syntax error"),
        (("ZMPOP", 1, "y", "MIN", "COUNT", 0), "count should be greater than 0"),
    ]:
        with pytest.raises(redis.ResponseError) as e:
            raw(r, *args)
        assert str(e.value) == message


def test_blocking_pop_wakes_across_clients(server: ThreadedServer, r: redis.Redis) -> None:
    other = redis.Redis(port=server.port)
    try:
        def push() -> None:
            time.sleep(0.2)
            other.zadd("bz", {"m": 7})

        t = threading.Thread(target=push)
        t.start()
        started = time.monotonic()
        reply = r.bzpopmin(["empty", "bz"], timeout=5)
        t.join()
        assert reply is not None
        key, member, score = reply
        assert (key, member, float(score)) == (b"bz", b"m", 7.0)
        assert time.monotonic() - started < 4
        assert r.exists("bz") == 0
        # Sub-second timeout answers nil.
        assert r.bzpopmax("bz", timeout=0.1) is None
        other.zadd("bz2", {"x": 1, "y": 2})
        key, popped = r.bzmpop(1, 1, ["bz2"], max=True)
        assert key == b"bz2" and pairs(popped) == [(b"y", 2.0)]
    finally:
        other.close()


def test_blocking_pop_errors_and_multi(r: redis.Redis) -> None:
    with pytest.raises(redis.ResponseError, match="timeout is negative"):
        r.bzpopmin("z", timeout=-1)
    with pytest.raises(redis.ResponseError, match="timeout is not a float or out of range"):
        raw(r, "BZPOPMIN", "z", "x")
    pipe = r.pipeline(transaction=True)
    pipe.bzpopmin("z", timeout=0)  # inside MULTI a blocking command never blocks
    assert pipe.execute() == [None]


def test_algebra(r: redis.Redis) -> None:
    r.zadd("s1", {"a": 1, "b": 2, "c": 3})
    r.zadd("s2", {"b": 10, "c": 20, "d": 30})
    assert pairs(r.zunion(["s1", "s2"], withscores=True)) == [
        (b"a", 1.0), (b"b", 12.0), (b"c", 23.0), (b"d", 30.0)]
    assert pairs(r.zunion({"s1": 2, "s2": 0.5}, withscores=True)) == [
        (b"a", 2.0), (b"b", 9.0), (b"d", 15.0), (b"c", 16.0)]
    assert pairs(r.zinter(["s1", "s2"], aggregate="MIN", withscores=True)) == [(b"b", 2.0), (b"c", 3.0)]
    assert pairs(r.zinter(["s1", "s2"], aggregate="MAX", withscores=True)) == [(b"b", 10.0), (b"c", 20.0)]
    assert r.zdiff(["s1", "s2"]) == [b"a"]
    assert r.zunionstore("out", {"s1": 1, "s2": 2}) == 4
    assert r.zscore("out", "c") == 43.0
    assert r.zinterstore("out", ["s1", "s2"]) == 2
    assert r.zdiffstore("out", ["s1", "s1"]) == 0
    assert r.exists("out") == 0
    assert r.zintercard(2, ["s1", "s2"]) == 2
    assert r.zintercard(2, ["s1", "s2"], limit=1) == 1
    # inf * 0 and inf + -inf aggregate to 0, as in Redis.
    r.zadd("i", {"x": "inf"})
    assert r.zunionstore("o2", {"i": 1, "s1": 1}) == 4
    r.zadd("j", {"x": "-inf"})
    r.zunionstore("o3", ["i", "j"])
    assert r.zscore("o3", "x") == 0.0
    r.set("str", "v")
    for args, message in [
        (("ZUNION", 0, "s1"), "at least 1 input key is needed for 'zunion' command"),
        (("ZUNIONSTORE", "d", 0, "s1"), "at least 1 input key is needed for 'zunionstore' command"),
        (("ZINTER", 3, "s1"), "syntax error"),
        (("ZUNION", 2, "s1", "s2", "WEIGHTS", 1, "x"), "weight value is not a float"),
        (("ZUNION", 2, "s1", "s2", "AGGREGATE", "AVG"), "syntax error"),
        (("ZDIFF", 1, "s1", "WEIGHTS", 1), "syntax error"),
        (("ZUNIONSTORE", "d", 1, "s1", "WITHSCORES"), "syntax error"),
        (("ZINTERCARD", 1, "s1", "LIMIT", -1), "LIMIT can't be negative"),
        (("ZUNION", 2, "s1", "str"), "WRONGTYPE Operation against a key holding the wrong kind of value"),
    ]:
        with pytest.raises(redis.ResponseError) as e:
            raw(r, *args)
        assert str(e.value) == message, args


def test_zrandmember(r: redis.Redis) -> None:
    assert r.zrandmember("nope") is None
    assert r.zrandmember("nope", 3) == []
    members = {b"a": 1.0, b"b": 2.0, b"c": 3.0}
    r.zadd("z", members)
    assert r.zrandmember("z") in members
    assert sorted(r.zrandmember("z", 2)) != [] and len(set(r.zrandmember("z", 2))) == 2
    assert sorted(r.zrandmember("z", 10)) == [b"a", b"b", b"c"]
    many = r.zrandmember("z", -20)
    assert len(many) == 20 and set(many) <= set(members)
    for member, score in pairs(r.zrandmember("z", 2, withscores=True)):
        assert members[member] == score
    with pytest.raises(redis.ResponseError, match="value is out of range"):
        raw(r, "ZRANDMEMBER", "z", -(2**63) + 1, "WITHSCORES")
    with pytest.raises(redis.ResponseError, match="syntax error"):
        raw(r, "ZRANDMEMBER", "z", 1, "FOO")


def test_zscan(r: redis.Redis) -> None:
    assert r.zscan("nope") == (0, [])
    members = {f"m{i}".encode(): float(i) for i in range(300)}
    r.zadd("z", members)
    seen: dict[bytes, float] = {}
    cursor = 0
    while True:
        cursor, page = r.zscan("z", cursor, count=50)
        seen.update(dict(page))
        if cursor == 0:
            break
    assert seen == members
    _, page = r.zscan("z", 0, match="m1?", count=1000)
    assert sorted(dict(page)) == sorted(m for m in members if len(m) == 3 and m.startswith(b"m1"))
    with pytest.raises(redis.ResponseError, match="invalid cursor"):
        raw(r, "ZSCAN", "z", "x")
    with pytest.raises(redis.ResponseError, match="syntax error"):
        raw(r, "ZSCAN", "z", 0, "COUNT", 0)


def test_wrongtype_everywhere(r: redis.Redis) -> None:
    r.set("s", "x")
    for args in [("ZCARD", "s"), ("ZSCORE", "s", "a"), ("ZRANK", "s", "a"), ("ZREM", "s", "a"),
                 ("ZPOPMIN", "s"), ("ZRANGEBYLEX", "s", "-", "+"), ("ZINCRBY", "s", 1, "a"),
                 ("ZRANDMEMBER", "s"), ("ZSCAN", "s", 0), ("BZPOPMIN", "s", 0.1)]:
        with pytest.raises(redis.ResponseError, match="WRONGTYPE"):
            raw(r, *args)


def test_blocked_clients_served_in_arrival_order(server: ThreadedServer, r: redis.Redis) -> None:
    first, second = redis.Redis(port=server.port), redis.Redis(port=server.port)
    results: dict[str, Any] = {}
    try:
        def wait(name: str, client: redis.Redis) -> None:
            results[name] = client.bzpopmax("order", timeout=5)

        t1 = threading.Thread(target=wait, args=("first", first))
        t1.start()
        deadline = time.monotonic() + 5
        while int(r.info("clients")["blocked_clients"]) < 1 and time.monotonic() < deadline:
            time.sleep(0.01)
        t2 = threading.Thread(target=wait, args=("second", second))
        t2.start()
        while int(r.info("clients")["blocked_clients"]) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        r.zadd("order", {"a": 1})
        t1.join(5)
        assert results["first"][1] == b"a" and "second" not in results
        r.zadd("order", {"b": 2})
        t2.join(5)
        assert results["second"][1] == b"b"
    finally:
        first.close()
        second.close()


def test_blocking_pop_is_logged_as_the_pop_it_became(server: ThreadedServer, r: redis.Redis) -> None:
    logged: list[list[bytes]] = []

    def sink(db_index: int, argv: list[bytes]) -> None:
        logged.append(argv)

    assert server.app is not None
    sinks = server.app.server.propagate_sinks
    server.call(sinks.append, sink)
    other = redis.Redis(port=server.port)
    try:
        def push() -> None:
            time.sleep(0.2)
            other.zadd("bz", {"m": 1, "n": 2})

        t = threading.Thread(target=push)
        t.start()
        assert r.bzpopmin("bz", timeout=5) is not None
        t.join()
        r.bzmpop(1, 1, ["bz"], max=True, count=5)
        assert logged == [[b"ZADD", b"bz", b"1", b"m", b"2", b"n"], [b"ZPOPMIN", b"bz"], [b"ZPOPMAX", b"bz", b"1"]]
    finally:
        server.call(sinks.remove, sink)
        other.close()


def test_zscan_returns_members_present_throughout(r: redis.Redis) -> None:
    r.zadd("z", {f"m{i}".encode(): i for i in range(400)})
    stable = {f"m{i}".encode() for i in range(0, 400, 2)}
    seen: set[bytes] = set()
    cursor, step = 0, 0
    while True:
        cursor, page = r.zscan("z", cursor, count=25)
        seen.update(dict(page))
        # Churn between steps: drop odd members (already returned or not) and add new ones.
        r.zrem("z", *[f"m{i}" for i in range(1 + 2 * step, 400, 40)])
        r.zadd("z", {f"new{step}-{j}": -j for j in range(5)})
        step += 1
        if cursor == 0:
            break
    assert stable <= seen
