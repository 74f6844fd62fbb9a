"""Hash field expiration (Redis 7.4: HEXPIRE HPEXPIRE HEXPIREAT HPEXPIREAT HTTL HPTTL HEXPIRETIME
HPEXPIRETIME HPERSIST): replies against Redis Stack, expiry through every path, search indexes, moves
and DUMP/RESTORE payloads exchanged with Redis Stack."""

from __future__ import annotations

import time

import numpy as np
import pytest
import redis

from tests.serverutil import ThreadedServer, assert_same_raw_replies

FAR = 4102444800  # 2100-01-01, seconds: deadlines whose replies do not depend on the clock


def _cmds(*lines: str) -> list[list[bytes]]:
    return [line.encode().split() for line in lines]


SETUP = _cmds("FLUSHALL", "HSET h a 1 b 2 c 3 d 4", "SET s x", "HSET one only 1")

COMMANDS = _cmds(
    # set, conditions, missing fields and keys
    f"HEXPIREAT h {FAR} FIELDS 2 a zz",
    f"HEXPIREAT h {FAR} NX FIELDS 2 a b",
    f"HEXPIREAT h {FAR - 10} GT FIELDS 2 a c",
    f"HEXPIREAT h {FAR + 10} GT FIELDS 2 a c",
    f"HEXPIREAT h {FAR - 10} LT FIELDS 3 a c d",
    f"HPEXPIREAT h {FAR * 1000 + 7} XX FIELDS 3 a b zz",
    f"HPEXPIREAT h {FAR * 1000 + 7} xx fields 1 a",
    "HEXPIRETIME h FIELDS 5 a b c d zz",
    "HPEXPIRETIME h FIELDS 5 a b c d zz",
    "HEXPIRE h 1000 FIELDS 1 d",
    "HTTL h FIELDS 2 d zz",
    "HPERSIST h FIELDS 3 a zz c",
    "HPERSIST h FIELDS 1 a",
    "HEXPIRETIME h FIELDS 3 a b c",
    # HINCRBY / HINCRBYFLOAT keep a field's TTL, HSET clears it
    "HSET h n 5",
    f"HEXPIREAT h {FAR} FIELDS 1 n",
    "HINCRBY h n 2",
    "HINCRBYFLOAT h n 0.5",
    "HEXPIRETIME h FIELDS 1 n",
    "HSET h n 9",
    "HEXPIRETIME h FIELDS 1 n",
    "HSETNX h b 99",
    "HEXPIRETIME h FIELDS 1 b",
    # a deadline in the past deletes the fields; the last one deletes the key
    "HEXPIRE h 0 FIELDS 2 c zz",
    "HEXISTS h c",
    "HEXPIREAT one 1 FIELDS 1 only",
    "EXISTS one",
    # missing keys, wrong types
    "HEXPIRE nokey 10 FIELDS 2 a b",
    "HTTL nokey FIELDS 2 a b",
    "HPERSIST nokey FIELDS 1 a",
    "HEXPIRE s 10 FIELDS 1 a",
    "HTTL s FIELDS 1 a",
    "HPERSIST s FIELDS 1 a",
    # argument errors
    "HEXPIRE h -1 FIELDS 1 a",
    "HEXPIRE h abc FIELDS 1 a",
    "HEXPIRE h 99999999999999999 FIELDS 1 a",
    "HPEXPIREAT h 70368744177664 FIELDS 1 a",
    "HPEXPIRE h 70368744177663 FIELDS 1 a",
    "HEXPIRE h 10 FIELDX 1 a",
    "HEXPIRE h 10 XX NX FIELDS 1 a",
    "HEXPIRE h 10 FIELDS 0 a",
    "HEXPIRE h 10 FIELDS -1 a",
    "HEXPIRE h 10 FIELDS x a",
    "HEXPIRE h 10 FIELDS 3 a",
    "HEXPIRE h 10",
    "HTTL h FIELDS 0 a",
    "HTTL h FIELDX 1 a",
    "HTTL h FIELDS 2 a",
    "HTTL h FIELDS",
    "HPERSIST h FIELDS x a",
    # the TTL travels with the key
    "RENAME h h2",
    "HEXPIRETIME h2 FIELDS 2 a b",
    "COPY h2 h3",
    "HEXPIRETIME h3 FIELDS 2 a b",
    "OBJECT ENCODING h3",
    "MOVE h3 1",
    "SELECT 1",
    "HEXPIRETIME h3 FIELDS 2 a b",
    "SELECT 0",
    "HGETALL h2",
    # a small hash keeps Redis's listpackex order: fields by deadline (ties: the later set after), then
    # the fields without a TTL; a field that loses its TTL (HPERSIST, HSET) goes to the end
    "HSET o a 1 b 2 c 3 d 4 e 5",
    f"HEXPIREAT o {FAR + 500} FIELDS 1 c",
    f"HEXPIREAT o {FAR + 300} FIELDS 1 e",
    f"HEXPIREAT o {FAR + 300} FIELDS 1 a",
    "HKEYS o",
    "HPERSIST o FIELDS 1 e",
    "HKEYS o",
    "HSET o a 9",
    "HSET o z 1",
    f"HEXPIREAT o {FAR + 100} FIELDS 1 z",
    "HINCRBY o c 1",
    "HKEYS o",
    f"HEXPIREAT o {FAR + 600} FIELDS 1 z",
    "HKEYS o",
    "HPERSIST o FIELDS 2 c z",
    "HGETALL o",
    "OBJECT ENCODING o",
)


@pytest.mark.parametrize("protocol", [2, 3])
def test_replies_match_redis_stack(server: ThreadedServer, stack_port: int, protocol: int) -> None:
    assert_same_raw_replies(server.port, stack_port, protocol, COMMANDS, SETUP)


def _events(pubsub: redis.client.PubSub, wait: float = 0.05) -> list[tuple[str, bytes]]:
    time.sleep(wait)
    out = []
    while (msg := pubsub.get_message()) is not None:
        if msg["type"] == "pmessage":
            out.append((msg["channel"].decode().rsplit(":", 1)[1], msg["data"]))
    return out


def test_fields_expire_lazily_and_actively_with_events(r2: redis.Redis) -> None:
    r2.config_set("notify-keyspace-events", "KEA")
    pubsub = r2.pubsub()
    pubsub.psubscribe("__keyevent@0__:*")
    try:
        _events(pubsub)
        before = r2.info("stats")["expired_subkeys"]
        r2.hset("lazy", mapping={"a": "1", "b": "2"})
        assert r2.hpexpire("lazy", 60, "a") == [1]
        assert r2.info("keyspace")["db0"]["subexpiry"] >= 1
        assert r2.hget("lazy", "a") == b"1"
        time.sleep(0.08)
        assert r2.hget("lazy", "a") is None  # gone on access, whatever the cron did
        assert r2.hgetall("lazy") == {b"b": b"2"}
        assert r2.httl("lazy", "a", "b") == [-2, -1]
        # active expiry: nobody reads the key, yet it goes (and with its last field, the key)
        r2.hset("active", "only", "1")
        r2.hpexpire("active", 30, "only")
        deadline = time.monotonic() + 3
        while r2.exists("active") and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not r2.exists("active")
        events = _events(pubsub)
        assert ("hexpire", b"lazy") in events and ("hexpired", b"lazy") in events
        assert events.index(("hexpired", b"active")) < events.index(("del", b"active"))
        assert r2.info("stats")["expired_subkeys"] - before == 2
    finally:
        pubsub.close()
        r2.config_set("notify-keyspace-events", "")


def test_overwriting_or_deleting_the_hash_forgets_field_ttls(r2: redis.Redis) -> None:
    r2.hset("k", mapping={"a": "1", "b": "2"})
    r2.hexpire("k", 1000, "a", "b")
    r2.delete("k")
    r2.hset("k", mapping={"a": "1", "b": "2"})
    assert r2.httl("k", "a", "b") == [-1, -1]
    r2.hexpire("k", 1000, "a")
    r2.set("k", "string now")
    r2.delete("k")
    r2.hset("k", "a", "1")
    assert r2.httl("k", "a") == [-1]
    r2.hexpire("k", 1000, "a")
    r2.hdel("k", "a")
    r2.hset("k", "a", "again")
    assert r2.httl("k", "a") == [-1]


def test_search_never_returns_an_expired_field(r2: redis.Redis) -> None:
    r2.execute_command("FT.CREATE", "hfe", "ON", "HASH", "PREFIX", "1", "hfe:", "SCHEMA", "tag", "TAG",
                       "v", "VECTOR", "FLAT", "6", "TYPE", "FLOAT32", "DIM", "2", "DISTANCE_METRIC", "L2")
    try:
        for i in range(3):
            r2.hset(f"hfe:{i}", mapping={"tag": "x", "v": np.array([i, 0], dtype=np.float32).tobytes()})
        r2.hpexpire("hfe:0", 40, "tag")
        r2.hpexpire("hfe:1", 40, "v")
        knn = ["FT.SEARCH", "hfe", "*=>[KNN 3 @v $q]", "PARAMS", "2", "q",
               np.zeros(2, dtype=np.float32).tobytes(), "NOCONTENT", "DIALECT", "2"]
        assert r2.execute_command("FT.SEARCH", "hfe", "@tag:{x}", "NOCONTENT")[0] == 3
        assert r2.execute_command(*knn)[0] == 3
        time.sleep(0.06)  # past the deadlines; the search purges them before it runs, cron or not
        assert sorted(r2.execute_command("FT.SEARCH", "hfe", "@tag:{x}", "NOCONTENT")[1:]) == [b"hfe:1", b"hfe:2"]
        assert sorted(r2.execute_command(*knn)[1:]) == [b"hfe:0", b"hfe:2"]
    finally:
        r2.execute_command("FT.DROPINDEX", "hfe", "DD")


def test_dump_restore_payloads_move_both_ways_with_redis_stack(r2: redis.Redis, stack_port: int) -> None:
    stack = redis.Redis(port=stack_port)
    stack.flushall()
    try:
        for src, dst in ((stack, r2), (r2, stack)):
            src.delete("small", "big")
            dst.delete("small", "big")
            src.hset("small", mapping={"a": "1", "b": "2", "c": "3"})  # listpackex in Redis
            src.hexpireat("small", FAR, "a")
            src.hpexpire("small", 10**9, "b")
            src.hset("big", mapping={f"f{i}": "v" * 80 for i in range(300)})  # hashtable in Redis
            src.hexpireat("big", FAR, "f1", "f7")
            for key, fields in (("small", ("a", "b", "c")), ("big", ("f1", "f7", "f8"))):
                dst.restore(key, 0, src.dump(key))
                assert dst.hpexpiretime(key, *fields) == src.hpexpiretime(key, *fields)
                assert dst.hgetall(key) == src.hgetall(key)
        # a payload whose fields all expired: RESTORE keeps them (as Redis 7.4 does) but none is seen,
        # and looking one up deletes it, and the hash with it
        stack.hset("gone", "a", "1")
        stack.hpexpire("gone", 1, "a")
        payload = stack.dump("gone")
        if payload is not None:
            time.sleep(0.01)
            for client in (r2, stack):
                client.delete("copy")
                assert client.restore("copy", 0, payload)
                assert client.hgetall("copy") == {}
                assert client.hget("copy", "a") is None
                assert not client.exists("copy")
    finally:
        stack.flushall()
        stack.close()
