"""List commands through redis-py (RESP2 and RESP3): pushes, pops, ranges, LPOS, LMOVE, LMPOP, errors."""

from __future__ import annotations

import pytest
import redis


def err(r: redis.Redis, *args: object) -> str:
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command(*args)
    return str(e.value)


def test_push_and_range(r: redis.Redis) -> None:
    assert r.rpush("l", "a", "b", "c") == 3
    assert r.lpush("l", "y", "z") == 5
    assert r.lrange("l", 0, -1) == [b"z", b"y", b"a", b"b", b"c"]
    assert r.lrange("l", -2, -1) == [b"b", b"c"]
    assert r.lrange("l", 3, 100) == [b"b", b"c"]
    assert r.lrange("l", -100, 1) == [b"z", b"y"]
    assert r.lrange("l", 3, 2) == []
    assert r.lrange("l", 5, 10) == []
    assert r.lrange("missing", 0, -1) == []
    assert r.llen("l") == 5 and r.llen("missing") == 0


def test_pushx(r: redis.Redis) -> None:
    assert r.lpushx("l", "a") == 0 and r.rpushx("l", "a") == 0
    assert r.exists("l") == 0
    r.rpush("l", "m")
    assert r.lpushx("l", "a", "b") == 3
    assert r.rpushx("l", "z") == 4
    assert r.lrange("l", 0, -1) == [b"b", b"a", b"m", b"z"]


def test_pop_with_count(r: redis.Redis) -> None:
    r.rpush("l", *"abcde")
    assert r.lpop("l") == b"a"
    assert r.rpop("l") == b"e"
    assert r.lpop("l", 2) == [b"b", b"c"]
    assert r.lpop("l", 0) == []
    assert r.rpop("l", 10) == [b"d"]
    assert r.exists("l") == 0  # emptied lists are deleted
    assert r.lpop("l") is None
    assert r.lpop("l", 3) is None
    assert err(r, "LPOP", "l", "-1") == "value is out of range, must be positive"
    assert err(r, "RPOP", "l", "x") == "value is out of range, must be positive"
    assert err(r, "LPOP", "l", "1", "2") == "wrong number of arguments for 'lpop' command"


def test_lindex_lset(r: redis.Redis) -> None:
    r.rpush("l", "a", "b", "c")
    assert r.lindex("l", 0) == b"a" and r.lindex("l", -1) == b"c"
    assert r.lindex("l", 3) is None and r.lindex("l", -4) is None
    assert r.lindex("missing", 0) is None
    assert r.lset("l", -1, "C") is True
    assert r.lset("l", 1, "B") is True
    assert r.lrange("l", 0, -1) == [b"a", b"B", b"C"]
    assert err(r, "LSET", "l", "3", "x") == "index out of range"
    assert err(r, "LSET", "missing", "0", "x") == "no such key"
    assert err(r, "LINDEX", "l", "abc") == "value is not an integer or out of range"


def test_ltrim(r: redis.Redis) -> None:
    r.rpush("l", *"abcdef")
    assert r.ltrim("l", 1, -2) is True
    assert r.lrange("l", 0, -1) == [b"b", b"c", b"d", b"e"]
    r.ltrim("l", -2, 100)
    assert r.lrange("l", 0, -1) == [b"d", b"e"]
    r.ltrim("l", 5, 10)
    assert r.exists("l") == 0
    assert r.ltrim("missing", 0, 1) is True


def test_linsert(r: redis.Redis) -> None:
    r.rpush("l", "a", "c")
    assert r.linsert("l", "before", "c", "b") == 3
    assert r.linsert("l", "AFTER", "c", "d") == 4
    assert r.linsert("l", "after", "zz", "x") == -1
    assert r.linsert("missing", "after", "a", "x") == 0
    assert r.lrange("l", 0, -1) == [b"a", b"b", b"c", b"d"]
    assert err(r, "LINSERT", "l", "middle", "a", "x") == "syntax error"


def test_lrem(r: redis.Redis) -> None:
    r.rpush("l", *"axbxcxd")
    assert r.lrem("l", 2, "x") == 2
    assert r.lrange("l", 0, -1) == [b"a", b"b", b"c", b"x", b"d"]
    r.rpush("l", "x", "x")
    assert r.lrem("l", -2, "x") == 2
    assert r.lrange("l", 0, -1) == [b"a", b"b", b"c", b"x", b"d"]
    assert r.lrem("l", 0, "x") == 1
    assert r.lrem("l", 0, "nope") == 0
    assert r.lrem("missing", 0, "x") == 0
    r.delete("l")
    r.rpush("l", "x", "x")
    assert r.lrem("l", 0, "x") == 2 and r.exists("l") == 0


def test_lpos(r: redis.Redis) -> None:
    r.rpush("l", *"abcdcc")  # a b c d c c
    assert r.lpos("l", "c") == 2
    assert r.lpos("l", "c", rank=2) == 4
    assert r.lpos("l", "c", rank=-1) == 5
    assert r.lpos("l", "c", rank=-2) == 4
    assert r.lpos("l", "c", count=0) == [2, 4, 5]
    assert r.lpos("l", "c", count=2) == [2, 4]
    assert r.lpos("l", "c", count=2, rank=-1) == [5, 4]
    assert r.lpos("l", "c", count=0, maxlen=5) == [2, 4]
    assert r.lpos("l", "c", rank=-1, maxlen=2) == 5
    assert r.lpos("l", "z") is None
    assert r.lpos("l", "z", count=1) == []
    assert r.lpos("missing", "a") is None
    assert r.lpos("missing", "a", count=0) == []
    assert err(r, "LPOS", "l", "a", "RANK", "0").startswith("RANK can't be zero")
    assert err(r, "LPOS", "l", "a", "COUNT", "-1") == "COUNT can't be negative"
    assert err(r, "LPOS", "l", "a", "MAXLEN", "-1") == "MAXLEN can't be negative"
    assert err(r, "LPOS", "l", "a", "FOO") == "syntax error"
    assert err(r, "LPOS", "l", "a", "RANK") == "syntax error"


def test_lmove_rpoplpush(r: redis.Redis) -> None:
    r.rpush("src", "a", "b", "c")
    assert r.lmove("src", "dst", "LEFT", "RIGHT") == b"a"
    assert r.lmove("src", "dst", "RIGHT", "LEFT") == b"c"
    assert r.lrange("dst", 0, -1) == [b"c", b"a"]
    assert r.rpoplpush("src", "dst") == b"b"
    assert r.exists("src") == 0
    assert r.lrange("dst", 0, -1) == [b"b", b"c", b"a"]
    assert r.rpoplpush("src", "dst") is None
    # rotation of a single list, including a one-element list
    assert r.lmove("dst", "dst", "LEFT", "RIGHT") == b"b"
    assert r.lrange("dst", 0, -1) == [b"c", b"a", b"b"]
    r.rpush("one", "x")
    assert r.rpoplpush("one", "one") == b"x" and r.lrange("one", 0, -1) == [b"x"]
    assert err(r, "LMOVE", "dst", "x", "UP", "LEFT") == "syntax error"


def test_lmpop(r: redis.Redis) -> None:
    r.rpush("b", "1", "2", "3")
    assert r.execute_command("LMPOP", 2, "a", "b", "LEFT") in ([b"b", [b"1"]], (b"b", [b"1"]))
    assert list(r.execute_command("LMPOP", 2, "a", "b", "RIGHT", "COUNT", 5)) == [b"b", [b"3", b"2"]]
    assert r.execute_command("LMPOP", 1, "a", "LEFT") is None
    assert r.exists("b") == 0
    assert err(r, "LMPOP", 0, "a", "LEFT") == "numkeys should be greater than 0"
    assert err(r, "LMPOP", "x", "a", "LEFT") == "numkeys should be greater than 0"
    assert err(r, "LMPOP", 1, "a", "UP") == "syntax error"
    assert err(r, "LMPOP", 5, "a", "LEFT") == "syntax error"
    assert err(r, "LMPOP", 1, "a", "LEFT", "COUNT", 0) == "count should be greater than 0"
    assert err(r, "LMPOP", 1, "a", "LEFT", "COUNT", 1, "COUNT", 1) == "syntax error"


def test_wrongtype(r: redis.Redis) -> None:
    r.set("s", "v")
    wrongtype = "WRONGTYPE Operation against a key holding the wrong kind of value"
    for args in (("LPUSH", "s", "a"), ("RPUSHX", "s", "a"), ("LPOP", "s"), ("LRANGE", "s", 0, 1),
                 ("LLEN", "s"), ("LINDEX", "s", 0), ("LSET", "s", 0, "a"), ("LTRIM", "s", 0, 1),
                 ("LINSERT", "s", "BEFORE", "a", "b"), ("LREM", "s", 0, "a"), ("LPOS", "s", "a"),
                 ("LMPOP", 1, "s", "LEFT"), ("BLPOP", "s", 1)):
        assert err(r, *args) == wrongtype
    r.rpush("l", "a")
    assert err(r, "LMOVE", "l", "s", "LEFT", "LEFT") == wrongtype
    assert r.lrange("l", 0, -1) == [b"a"]  # nothing moved
    assert r.lmove("missing", "s", "LEFT", "LEFT") is None  # a missing source answers first


def test_arity(r: redis.Redis) -> None:
    assert err(r, "LPUSH", "l") == "wrong number of arguments for 'lpush' command"
    assert err(r, "LRANGE", "l", 0) == "wrong number of arguments for 'lrange' command"


def test_type_and_ttl_kept(r: redis.Redis) -> None:
    r.rpush("l", "a", "b")
    r.expire("l", 100)
    r.rpush("l", "c")
    r.lpop("l")
    assert r.type("l") == b"list"
    assert 0 < r.ttl("l") <= 100


def test_large_list_ends(r: redis.Redis) -> None:
    r.rpush("big", *range(2000))
    assert r.lrange("big", -3, -1) == [b"1997", b"1998", b"1999"]
    assert r.lrange("big", 1000, 1002) == [b"1000", b"1001", b"1002"]
    assert r.lindex("big", -2000) == b"0"
    assert r.object("encoding", "big") == b"quicklist"
    r.ltrim("big", 0, 2)
    assert r.object("encoding", "big") == b"listpack"
