"""Set commands through redis-py (RESP2 and RESP3): membership, SPOP/SRANDMEMBER, algebra, SSCAN, errors."""

from __future__ import annotations

import socket

import pytest
import redis

from tests.serverutil import ThreadedServer

WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"


def err(r: redis.Redis, *args: object) -> str:
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command(*args)
    return str(e.value)


def test_sadd_srem_members(r: redis.Redis) -> None:
    assert r.sadd("s", "a", "b", "a") == 2
    assert r.sadd("s", "b", "c") == 1
    assert r.smembers("s") == {b"a", b"b", b"c"}
    assert r.scard("s") == 3 and r.scard("nope") == 0
    assert r.sismember("s", "a") in (1, True) and r.sismember("s", "z") in (0, False)
    assert r.smismember("s", "a", "z", "c") in ([1, 0, 1], [True, False, True])
    assert r.smismember("nope", "a") in ([0], [False])
    assert r.srem("s", "a", "z") == 1
    assert r.srem("nope", "a") == 0
    assert r.srem("s", "b", "c") == 2
    assert r.exists("s") == 0
    assert r.smembers("nope") == set()


def test_resp3_set_reply(server: ThreadedServer) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as s:
        s.sendall(b"HELLO 3\r\n")
        s.recv(4096)
        s.sendall(b"SADD rs x\r\nSMEMBERS rs\r\nSINTER nope\r\nSPOP nope 2\r\nDEL rs\r\n")
        data = b""
        while data.count(b"\r\n") < 6:
            data += s.recv(4096)
    assert data == b":1\r\n~1\r\n$1\r\nx\r\n~0\r\n~0\r\n:1\r\n"


def test_spop(r: redis.Redis) -> None:
    members = {b"a", b"b", b"c", b"d", b"e"}
    r.sadd("s", *members)
    one = r.spop("s")
    assert one in members and r.scard("s") == 4
    two = r.spop("s", 2)
    assert len(two) == 2 and set(two) <= members and one not in two
    assert r.spop("s", 0) in ([], set())
    rest = r.spop("s", 10)
    assert set(rest) | set(two) | {one} == members
    assert r.exists("s") == 0
    assert r.spop("s") is None
    assert r.spop("s", 3) in ([], set())
    assert err(r, "SPOP", "s", "-1") == "value is out of range, must be positive"
    assert err(r, "SPOP", "s", "1", "2") == "syntax error"


def test_spop_propagates_as_srem(server: ThreadedServer, r: redis.Redis) -> None:
    assert server.app is not None
    srv = server.app.server
    logged: list[list[bytes]] = []

    def sink(db_index: int, argv: list[bytes]) -> None:
        logged.append(list(argv))

    server.call(srv.propagate_sinks.append, sink)
    try:
        r.sadd("s", "a", "b", "c")
        popped = r.spop("s")
        many = r.spop("s", 5)
    finally:
        server.call(srv.propagate_sinks.remove, sink)
    assert [b"SREM", b"s", popped] in logged
    assert any(a[:2] == [b"SREM", b"s"] and set(a[2:]) == set(many) for a in logged)
    assert not any(a[0].upper() == b"SPOP" for a in logged)


def test_srandmember(r: redis.Redis) -> None:
    members = {b"1", b"2", b"3"}
    r.sadd("s", *members)
    assert r.srandmember("s") in members
    assert r.srandmember("nope") is None
    two = r.srandmember("s", 2)
    assert len(two) == 2 and len(set(two)) == 2 and set(two) <= members
    assert sorted(r.srandmember("s", 10)) == sorted(members)
    repeated = r.srandmember("s", -10)
    assert len(repeated) == 10 and set(repeated) <= members
    assert r.srandmember("s", 0) == [] and r.srandmember("nope", 5) == []
    assert r.scard("s") == 3
    assert err(r, "SRANDMEMBER", "s", "x") == "value is not an integer or out of range"


def test_smove(r: redis.Redis) -> None:
    r.sadd("a", "x", "y")
    assert r.smove("a", "b", "x") in (1, True)
    assert r.smove("a", "b", "zz") in (0, False)
    assert r.smove("nope", "b", "x") in (0, False)
    assert r.smove("a", "a", "y") in (1, True)
    assert r.smove("a", "b", "y") in (1, True)
    assert r.exists("a") == 0 and r.smembers("b") == {b"x", b"y"}
    r.set("str", "v")
    assert err(r, "SMOVE", "b", "str", "x") == WRONGTYPE
    assert err(r, "SMOVE", "str", "b", "x") == WRONGTYPE


def test_algebra(r: redis.Redis) -> None:
    r.sadd("a", "1", "2", "3", "4")
    r.sadd("b", "3", "4", "5")
    r.sadd("c", "4", "6")
    assert r.sinter("a", "b") == {b"3", b"4"}
    assert r.sinter("a", "b", "c") == {b"4"}
    assert r.sinter("a", "nope") == set()
    assert r.sunion("a", "c", "nope") == {b"1", b"2", b"3", b"4", b"6"}
    assert r.sdiff("a", "b") == {b"1", b"2"}
    assert r.sdiff("a", "b", "c") == {b"1", b"2"}
    assert r.sdiff("nope", "a") == set()
    assert r.sintercard(2, ["a", "b"]) == 2
    assert r.sintercard(2, ["a", "b"], limit=1) == 1
    assert r.sintercard(2, ["a", "nope"]) == 0
    assert r.sinterstore("d", "a", "b") == 2 and r.smembers("d") == {b"3", b"4"}
    assert r.sunionstore("d", "b", "c") == 4 and r.smembers("d") == {b"3", b"4", b"5", b"6"}
    assert r.sdiffstore("d", "a", "b") == 2 and r.smembers("d") == {b"1", b"2"}
    assert r.sinterstore("d", "a", "nope") == 0 and r.exists("d") == 0
    r.expire("a", 100)
    assert r.sunionstore("a", "a", "c") == 5 and r.ttl("a") == -1  # the destination is replaced
    assert r.sdiffstore("b", "b") == 3  # destination may also be a source


def test_algebra_errors(r: redis.Redis) -> None:
    r.sadd("a", "1")
    r.set("str", "v")
    # every key is type-checked, even after a missing one
    assert err(r, "SINTER", "nope", "str") == WRONGTYPE
    assert err(r, "SUNION", "a", "str") == WRONGTYPE
    assert err(r, "SDIFF", "nope", "str") == WRONGTYPE
    assert err(r, "SINTERSTORE", "d", "a", "str") == WRONGTYPE
    assert err(r, "SINTERCARD", "0", "a") == "numkeys should be greater than 0"
    assert err(r, "SINTERCARD", "3", "a") == "Number of keys can't be greater than number of args"
    assert err(r, "SINTERCARD", "1", "a", "LIMIT", "-1") == "LIMIT can't be negative"
    assert err(r, "SINTERCARD", "1", "a", "FOO", "1") == "syntax error"
    # a string destination is simply replaced
    assert r.sunionstore("str", "a") == 1 and r.type("str") == b"set"


def test_wrongtype(r: redis.Redis) -> None:
    r.rpush("l", "x")
    for args in (("SADD", "l", "a"), ("SREM", "l", "a"), ("SMEMBERS", "l"), ("SISMEMBER", "l", "a"),
                 ("SMISMEMBER", "l", "a"), ("SCARD", "l"), ("SPOP", "l"), ("SRANDMEMBER", "l"),
                 ("SSCAN", "l", "0")):
        assert err(r, *args) == WRONGTYPE


def test_sscan(r: redis.Redis) -> None:
    r.sadd("small", "a", "b", "c")
    cursor, members = r.sscan("small", 0, count=1)
    assert cursor == 0 and sorted(members) == [b"a", b"b", b"c"]
    assert r.sscan("small", 0, match="a*") == (0, [b"a"])
    assert r.sscan("nope", 0) == (0, [])
    r.sadd("big", *[f"m{i}" for i in range(700)])
    assert r.object("encoding", "big") == b"hashtable"
    seen: list[bytes] = []
    cursor = 0
    while True:
        cursor, members = r.sscan("big", cursor, count=64)
        seen.extend(members)
        if cursor == 0:
            break
    assert len(seen) == 700 and len(set(seen)) == 700
    assert err(r, "SSCAN", "big", "-1") == "invalid cursor"
    assert err(r, "SSCAN", "big", "0", "NOVALUES") == "syntax error"


def test_encodings(r: redis.Redis) -> None:
    r.sadd("ints", *range(10))
    assert r.object("encoding", "ints") == b"intset"
    r.sadd("ints", "x")
    assert r.object("encoding", "ints") == b"listpack"
    r.sadd("ints", *range(200))
    assert r.object("encoding", "ints") == b"hashtable"
    r.sadd("many", *range(600))
    assert r.object("encoding", "many") == b"hashtable"  # over set-max-intset-entries (512)


def test_spop_large_set_pops_every_member_once(r: redis.Redis) -> None:
    members = {f"m{i}".encode() for i in range(5000)}  # over the uniform-draw limit: O(1) pops
    r.sadd("big", *members)
    pipe = r.pipeline(transaction=False)
    for _ in range(len(members)):
        pipe.spop("big")
    popped = pipe.execute()
    assert len(popped) == len(set(popped)) == len(members) and set(popped) == members
    assert r.exists("big") == 0


def test_srandmember_large_set_never_returns_removed_members(r: redis.Redis) -> None:
    r.sadd("big", *[f"m{i}" for i in range(5000)])
    assert r.srandmember("big") is not None  # builds the sampling snapshot
    removed = [f"m{i}" for i in range(0, 5000, 2)]
    r.srem("big", *removed)
    r.sadd("big", *[f"new{i}" for i in range(len(removed))])  # same size, different members
    current = r.smembers("big")
    pipe = r.pipeline(transaction=False)
    for _ in range(50):
        pipe.srandmember("big")
    picks = [*pipe.execute(), *r.srandmember("big", 100), *r.srandmember("big", -300)]
    assert all(p in current for p in picks)
    assert len(set(r.srandmember("big", 100))) == 100
