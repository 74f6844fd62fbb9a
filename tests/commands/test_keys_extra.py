"""SCAN RANDOMKEY COPY MOVE TOUCH through redis-py, RESP2 and RESP3."""

from __future__ import annotations

import pytest
import redis

from tests.serverutil import ThreadedServer


def test_scan_full_iteration_and_options(r: redis.Redis) -> None:
    r.mset({f"user:{i}": i for i in range(300)})
    r.mset({f"other:{i}": i for i in range(50)})
    seen: list[bytes] = []
    cursor = 0
    calls = 0
    while True:
        cursor, keys = r.scan(cursor, count=20)
        assert len(keys) <= 21
        seen += keys
        calls += 1
        if cursor == 0:
            break
    assert calls > 10
    assert len(set(seen)) == 350
    assert set(r.scan_iter(match="user:1?")) == {f"user:{i}".encode() for i in range(10, 20)}
    assert len(list(r.scan_iter(_type="string", count=100))) == 350
    assert list(r.scan_iter(_type="hash")) == []


def test_scan_returns_keys_present_throughout_despite_writes(r: redis.Redis) -> None:
    r.mset({f"stay:{i}": 1 for i in range(500)})
    r.mset({f"gone:{i}": 1 for i in range(500)})
    seen: set[bytes] = set()
    cursor, step = 0, 0
    while True:
        cursor, keys = r.scan(cursor, count=25)
        seen.update(keys)
        # Concurrent churn: delete some keys, add new ones, between calls.
        r.delete(*[f"gone:{step * 10 + j}" for j in range(10)])
        r.mset({f"new:{step}:{j}": 1 for j in range(30)})
        step += 1
        if cursor == 0:
            break
    assert {f"stay:{i}".encode() for i in range(500)} <= seen


def test_scan_skips_expired_keys(server: ThreadedServer, r: redis.Redis) -> None:
    r.set("live", 1)
    r.set("dead", 1, px=1)
    r.execute_command("DEBUG", "SLEEP", "0.01")
    assert sorted(r.scan_iter()) == [b"live"]


@pytest.mark.parametrize(("args", "message"), [
    (("SCAN", "x"), "invalid cursor"),
    (("SCAN", "18446744073709551616"), "invalid cursor"),
    (("SCAN", 0, "COUNT", 0), "syntax error"),
    (("SCAN", 0, "COUNT", "x"), "value is not an integer or out of range"),
    (("SCAN", 0, "FOO"), "syntax error"),
    (("SCAN", 0, "MATCH"), "syntax error"),
    (("COPY", "a", "a"), "source and destination objects are the same"),
    (("COPY", "a", "b", "DB", "x"), "value is not an integer or out of range"),
    (("COPY", "a", "b", "DB", 99), "DB index is out of range"),
    (("COPY", "a", "b", "FOO"), "syntax error"),
    (("MOVE", "a", "x"), "value is not an integer or out of range"),
    (("MOVE", "a", 99), "DB index is out of range"),
    (("MOVE", "a", 0), "source and destination objects are the same"),
])
def test_key_command_errors(r: redis.Redis, args: tuple[object, ...], message: str) -> None:
    r.set("a", 1)
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command(*args)
    assert str(e.value) == message


def test_randomkey_touch(r: redis.Redis) -> None:
    assert r.randomkey() is None
    r.mset({"a": 1, "b": 2, "c": 3})
    picks = {r.randomkey() for _ in range(60)}
    assert picks <= {b"a", b"b", b"c"} and len(picks) >= 2
    assert r.touch("a", "b", "zz") == 2


def test_copy_and_move(server: ThreadedServer, r: redis.Redis) -> None:
    r.set("a", "v", ex=100)
    assert r.copy("a", "b") == 1
    assert r.get("b") == b"v" and r.ttl("b") > 0
    assert r.copy("a", "b") == 0
    r.set("a", "w")
    assert r.copy("a", "b", replace=True) == 1
    assert r.get("b") == b"w" and r.ttl("b") == -1
    assert r.copy("missing", "x") == 0
    assert r.copy("a", "a", destination_db=1) == 1
    other = redis.Redis(port=server.port, db=1)
    assert other.get("a") == b"w"
    other.delete("a")
    assert r.move("b", 1) == 1
    assert r.exists("b") == 0 and other.get("b") == b"w"
    r.set("b", "again")
    assert r.move("b", 1) == 0  # exists in the target
    assert r.move("missing", 1) == 0
    other.flushdb()
    other.close()


def test_copy_is_independent(server: ThreadedServer, r: redis.Redis) -> None:
    assert server.app is not None
    db = server.app.server.db(0)
    server.call(lambda: (db.set(b"s", {b"x"}), db.touched(b"s", "sadd")))
    assert r.copy("s", "t") == 1
    server.call(lambda: db.data[b"s"].add(b"y"))
    assert server.call(lambda: db.data[b"t"]) == {b"x"}
