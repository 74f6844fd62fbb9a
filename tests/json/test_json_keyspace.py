"""JSON keys in the keyspace: TYPE, generic key commands, keyspace notifications, expiry, DUMP/RESTORE."""

from __future__ import annotations

import time

import pytest
import redis


def test_generic_key_commands(r: redis.Redis) -> None:
    j = r.json()
    j.set("j", "$", {"a": [1, 2], "s": "x"})
    assert r.type("j") == b"ReJSON-RL"
    assert r.object("encoding", "j") == b"raw"
    assert r.memory_usage("j") > 0
    assert r.scan(0, _type="ReJSON-RL")[1] == [b"j"]
    assert r.scan(0, _type="rejson-rl")[1] == [b"j"]
    assert r.scan(0, _type="string")[1] == []
    assert r.copy("j", "j2")
    j.set("j2", "$.a[0]", 100)
    assert j.get("j", "$.a[0]") == [1]  # the copy shares nothing
    assert r.rename("j2", "j3")
    assert j.get("j3", "$.a") == [[100, 2]]
    payload = r.dump("j")
    assert payload is not None
    assert r.restore("j4", 0, payload)
    assert j.get("j4") == {"a": [1, 2], "s": "x"}
    assert r.expire("j4", 100)
    j.set("j4", "$.s", "y")  # an update in place keeps the TTL, as in RedisJSON
    assert 0 < r.ttl("j4") <= 100
    assert r.delete("j", "j3", "j4") == 3
    assert r.dbsize() == 0
    with pytest.raises(redis.ResponseError, match="WRONGTYPE"):
        j.set("j", "$", [3, 1, 2])
        r.sort("j")
    r.execute_command("DEBUG", "OBJECT", "j")


def test_expiry(r: redis.Redis) -> None:
    r.json().set("j", "$", {"a": 1})
    r.pexpire("j", 50)
    time.sleep(0.12)
    assert r.json().get("j") is None
    assert r.exists("j") == 0


def test_keyspace_notifications(server: object, r2: redis.Redis) -> None:
    r2.config_set("notify-keyspace-events", "KEd")
    try:
        sub = r2.pubsub()
        sub.psubscribe("__keyevent@0__:*")
        assert sub.get_message(timeout=1)["type"] == "psubscribe"
        j = r2.json()
        j.set("n", "$", {"a": [1], "b": 1, "t": True})
        j.numincrby("n", "$.b", 1)
        j.arrappend("n", "$.a", 2)
        j.toggle("n", "$.t")
        j.set("n", "$.zz.q", 1)  # nothing changed: no event
        j.delete("n", "$.a")
        j.delete("n")
        events = []
        while True:
            message = sub.get_message(timeout=0.5)
            if message is None:
                break
            events.append(message["channel"].split(b":", 1)[1])
        assert events == [b"json.set", b"json.numincrby", b"json.arrappend", b"json.toggle", b"json.del",
                          b"json.del"]
        sub.close()
    finally:
        r2.config_set("notify-keyspace-events", "")


def test_bad_input_never_breaks_the_connection(r: redis.Redis) -> None:
    r.json().set("j", "$", {"a": [1]})
    for args in (("JSON.GET", "j", "$[?(@.a=="), ("JSON.GET", "j", "$[\"a"), ("JSON.SET", "j", "$", "[" * 5000),
                 ("JSON.ARRINSERT", "j", "$.a", "99999999999999999999999", "1"),
                 ("JSON.NUMINCRBY", "j", "$.a[0]", "1e999"), ("JSON.GET", "j", "\xff\xfe"),
                 ("JSON.SET", "j", "$", b"\xff\xfe"), ("JSON.DEBUG", "MEMORY"), ("JSON.ARRPOP", "j", "$.a", "1e3"),
                 ("JSON.MSET", "j", "$", "1", "k"), ("JSON.GET", "j", "$.a[1:2:-1]"),
                 ("JSON.GET", "j", "$.a[?(@ =~ \"(\")]")):
        try:
            r.execute_command(*args)
        except redis.ResponseError as exc:
            assert "internal error" not in str(exc)
    assert r.ping()
