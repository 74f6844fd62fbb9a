"""Hash commands through redis-py (RESP2 and RESP3), including errors, HRANDFIELD shapes and HSCAN."""

from __future__ import annotations

import pytest
import redis

from tests.serverutil import ThreadedServer

WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"


def err(r: redis.Redis, *args: object) -> str:
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command(*args)
    return str(e.value)


def test_hset_hget_hgetall(r: redis.Redis) -> None:
    assert r.hset("h", mapping={"a": "1", "b": "2"}) == 2
    assert r.hset("h", mapping={"a": "10", "c": "3"}) == 1
    assert r.hget("h", "a") == b"10" and r.hget("h", "zz") is None and r.hget("nope", "a") is None
    assert r.hgetall("h") == {b"a": b"10", b"b": b"2", b"c": b"3"}
    assert r.hgetall("nope") == {}
    assert r.hmget("h", "a", "zz", "c") == [b"10", None, b"3"]
    assert r.hmget("nope", "a") == [None]
    assert sorted(r.hkeys("h")) == [b"a", b"b", b"c"]
    assert sorted(r.hvals("h")) == [b"10", b"2", b"3"]
    assert r.hlen("h") == 3 and r.hlen("nope") == 0
    assert r.hkeys("nope") == [] and r.hvals("nope") == []


def test_hmset_hsetnx(r: redis.Redis) -> None:
    assert r.execute_command("HMSET", "h", "a", "1", "b", "2") in (b"OK", "OK", True)
    assert r.hsetnx("h", "a", "x") == 0
    assert r.hsetnx("h", "c", "3") == 1
    assert r.hsetnx("new", "f", "v") == 1
    assert r.hgetall("h") == {b"a": b"1", b"b": b"2", b"c": b"3"}


def test_hgetall_resp3_is_a_map(server: ThreadedServer) -> None:
    import socket

    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as s:
        s.sendall(b"HELLO 3\r\n")
        s.recv(4096)
        s.sendall(b"HSET rawh f v\r\nHGETALL rawh\r\nHGETALL missing\r\nDEL rawh\r\n")
        data = b""
        while data.count(b"\r\n") < 7:
            data += s.recv(4096)
    assert data == b":1\r\n%1\r\n$1\r\nf\r\n$1\r\nv\r\n%0\r\n:1\r\n"


def test_hdel_hexists_hstrlen(r: redis.Redis) -> None:
    r.hset("h", mapping={"a": "hello", "b": "x"})
    assert r.hexists("h", "a") is True and r.hexists("h", "zz") is False and r.hexists("nope", "a") is False
    assert r.hstrlen("h", "a") == 5 and r.hstrlen("h", "zz") == 0 and r.hstrlen("nope", "a") == 0
    assert r.hdel("h", "a", "zz") == 1
    assert r.hdel("nope", "a") == 0
    assert r.hdel("h", "b") == 1
    assert r.exists("h") == 0


def test_hincrby(r: redis.Redis) -> None:
    assert r.hincrby("h", "n", 5) == 5
    assert r.hincrby("h", "n", -7) == -2
    r.hset("h", "s", "abc")
    assert err(r, "HINCRBY", "h", "s", "1") == "hash value is not an integer"
    assert err(r, "HINCRBY", "h", "n", "x") == "value is not an integer or out of range"
    r.hset("h", "big", str(2**63 - 1))
    assert err(r, "HINCRBY", "h", "big", "1") == "increment or decrement would overflow"
    assert r.hget("h", "big") == str(2**63 - 1).encode()


def test_hincrbyfloat(r: redis.Redis) -> None:
    assert r.hincrbyfloat("h", "f", 10.5) == 10.5
    assert r.hincrbyfloat("h", "f", 0.1) == pytest.approx(10.6)
    assert r.hget("h", "f") == b"10.6"
    assert r.hincrbyfloat("h", "f", -10.6) == 0
    assert r.hget("h", "f") == b"0"
    r.hset("h", "e", "5.0e3")
    assert r.hincrbyfloat("h", "e", 1) == 5001
    r.hset("h", "s", "abc")
    assert err(r, "HINCRBYFLOAT", "h", "s", "1") == "hash value is not a float"
    assert err(r, "HINCRBYFLOAT", "h", "f", "nan") == "value is not a valid float"
    # Redis adds as C long doubles: past a double's range, and %.17Lf digits (its float text)
    r.hset("h", "m", "1.7e308")
    assert r.hincrbyfloat("h", "m", 1.7e308) == pytest.approx(3.4e308)
    assert r.hget("h", "m").startswith(b"34000000000000000000627355605039519")
    r.hset("h", "m", "1e4932")
    assert err(r, "HINCRBYFLOAT", "h", "m", "1e4932") == "increment would produce NaN or Infinity"
    r.hset("h", "d", "12345678.9")
    r.hincrbyfloat("h", "d", 0)
    assert r.hget("h", "d") == b"12345678.8999999999996362"


def test_hset_arity(r: redis.Redis) -> None:
    assert err(r, "HSET", "h", "a") == "wrong number of arguments for 'hset' command"
    assert err(r, "HSET", "h", "a", "1", "b") == "wrong number of arguments for 'hset' command"
    assert err(r, "HMSET", "h", "a", "1", "b") == "wrong number of arguments for 'hmset' command"


def test_wrongtype(r: redis.Redis) -> None:
    r.rpush("l", "x")
    for args in (("HSET", "l", "a", "1"), ("HGET", "l", "a"), ("HGETALL", "l"), ("HDEL", "l", "a"),
                 ("HLEN", "l"), ("HINCRBY", "l", "a", "1"), ("HRANDFIELD", "l"), ("HSCAN", "l", "0"),
                 ("HKEYS", "l"), ("HMGET", "l", "a"), ("HSETNX", "l", "a", "b"), ("HEXISTS", "l", "a")):
        assert err(r, *args) == WRONGTYPE
    r.hset("h", "a", "1")
    assert err(r, "GET", "h") == WRONGTYPE
    assert r.type("h") == b"hash"


def test_hrandfield(r: redis.Redis) -> None:
    fields = {f"f{i}".encode(): f"v{i}".encode() for i in range(5)}
    r.hset("h", mapping=fields)
    assert r.hrandfield("h") in fields
    assert r.hrandfield("nope") is None
    got = r.hrandfield("h", 3)
    assert len(got) == 3 and len(set(got)) == 3 and set(got) <= set(fields)
    assert sorted(r.hrandfield("h", 10)) == sorted(fields)
    many = r.hrandfield("h", -20)
    assert len(many) == 20 and set(many) <= set(fields)
    assert r.hrandfield("h", 0) == []
    assert r.hrandfield("nope", 3) == []
    with_values = r.hrandfield("h", -4, withvalues=True)
    # RESP2: a flat list; RESP3: a list of [field, value] pairs.
    pairs = with_values if with_values and isinstance(with_values[0], list) else [
        list(with_values[i : i + 2]) for i in range(0, len(with_values), 2)]
    assert len(pairs) == 4
    assert all(fields[f] == v for f, v in pairs)
    assert err(r, "HRANDFIELD", "h", "1", "WITHVALUE") == "syntax error"
    assert err(r, "HRANDFIELD", "h", "x") == "value is not an integer or out of range"
    assert err(r, "HRANDFIELD", "h", str(-(2**63 - 1)), "WITHVALUES") == "value is out of range"


def test_hscan_small_returns_all(r: redis.Redis) -> None:
    r.hset("h", mapping={"a": "1", "b": "2", "c": "3"})
    cursor, data = r.hscan("h", 0, count=1)
    assert cursor == 0 and data == {b"a": b"1", b"b": b"2", b"c": b"3"}
    cursor, data = r.hscan("h", 0, match="[ab]")
    assert cursor == 0 and data == {b"a": b"1", b"b": b"2"}
    assert r.hscan("nope", 0) == (0, {})
    assert err(r, "HSCAN", "h", "x") == "invalid cursor"
    assert err(r, "HSCAN", "h", "0", "COUNT", "0") == "syntax error"
    assert err(r, "HSCAN", "h", "0", "TYPE", "string") == "syntax error"
    assert r.execute_command("HSCAN", "h", "0", "NOVALUES")[1] is not None


def test_hscan_large_walks_everything_once(r: redis.Redis) -> None:
    fields = {f"field:{i}": str(i) for i in range(600)}
    r.hset("big", mapping=fields)
    assert r.object("encoding", "big") == b"hashtable"
    seen: dict[bytes, bytes] = {}
    cursor, steps = 0, 0
    while True:
        cursor, data = r.hscan("big", cursor, count=50)
        steps += 1
        for f, v in data.items():
            assert f not in seen
            seen[f] = v
        if cursor == 0:
            break
        if steps == 3:
            # Changes during the walk: fields present throughout must still be returned.
            r.hdel("big", "field:0", "field:1")
            r.hset("big", mapping={f"extra:{i}": "x" for i in range(20)})
    assert steps > 5
    survivors = {f.encode() for f in fields} - {b"field:0", b"field:1"}
    assert survivors <= set(seen)
    keys = r.execute_command("HSCAN", "big", "0", "COUNT", "1000", "NOVALUES")[1]
    assert all(not k.isdigit() for k in keys)


def test_encoding_by_size(r: redis.Redis) -> None:
    r.hset("h", "a", "1")
    assert r.object("encoding", "h") == b"listpack"
    r.hset("h", "long", "x" * 65)
    assert r.object("encoding", "h") == b"hashtable"


class _Recorder:
    """A KeyspaceObserver that records (key, event) pairs (what search indexes and WATCH see)."""

    def __init__(self) -> None:
        self.events: list[tuple[bytes, str]] = []

    def key_changed(self, db_index: int, key: bytes, event: str) -> None:
        self.events.append((key, event))

    def db_flushed(self, db_index: int | None) -> None:
        return None

    def dbs_swapped(self, a: int, b: int) -> None:
        return None


def test_writes_signal_hash_events(server: ThreadedServer, r: redis.Redis) -> None:
    assert server.app is not None
    keyspace = server.app.server.keyspace
    recorder = _Recorder()
    server.call(keyspace.add_observer, recorder)
    try:
        r.hset("doc", mapping={"a": "1", "b": "2"})
        r.hsetnx("doc", "c", "3")
        r.hsetnx("doc", "c", "3")  # no change, no event
        r.hincrby("doc", "a", 1)
        r.hincrbyfloat("doc", "a", 1.5)
        r.hdel("doc", "zz")  # no change, no event
        r.hdel("doc", "a", "b", "c")
    finally:
        server.call(keyspace.remove_observer, recorder)
    assert recorder.events == [(b"doc", "hset"), (b"doc", "hset"), (b"doc", "hincrby"),
                               (b"doc", "hincrbyfloat"), (b"doc", "hdel"), (b"doc", "del")]


def test_hrandfield_large_hash_never_returns_removed_fields(r: redis.Redis) -> None:
    r.hset("big", mapping={f"f{i}": str(i) for i in range(5000)})
    assert r.hrandfield("big") is not None  # builds the sampling snapshot
    r.hdel("big", *[f"f{i}" for i in range(0, 5000, 2)])
    r.hset("big", mapping={f"new{i}": "n" for i in range(2500)})  # same size, different fields
    current = r.hgetall("big")
    picks = [r.hrandfield("big") for _ in range(30)] + r.hrandfield("big", 200) + r.hrandfield("big", -300)
    assert all(p in current for p in picks)
    values = r.hrandfield("big", -50, withvalues=True)
    flat = [x for pair in values for x in pair] if values and isinstance(values[0], list) else values
    assert all(current[flat[i]] == flat[i + 1] for i in range(0, len(flat), 2))
