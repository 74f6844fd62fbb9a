"""JSON.* through redis-py's ``r.json()`` API (what a Redis Stack user's code calls), RESP2 and RESP3."""

from __future__ import annotations

import pytest
import redis
from redis.commands.json.path import Path

DOC = {"name": "Ada", "age": 36, "score": 1.5, "tags": ["a", "b"], "addr": {"city": "London", "zip": None},
       "active": True}


def test_set_get_roundtrip(r: redis.Redis) -> None:
    j = r.json()
    assert j.set("doc", Path.root_path(), DOC)
    assert j.get("doc") == DOC
    assert j.get("doc", "$.name") == ["Ada"]
    assert j.get("doc", ".name") == "Ada"
    assert j.get("doc", "$..city", "$.age") == {"$..city": ["London"], "$.age": [36]}
    assert j.get("missing") is None
    assert j.type("doc") in (b"object", [b"object"])
    assert r.type("doc") == b"ReJSON-RL"


def test_set_conditions_and_nested_paths(r: redis.Redis) -> None:
    j = r.json()
    assert j.set("doc", "$", DOC)
    assert j.set("doc", "$.age", 37, xx=True)
    assert j.set("doc", "$.age", 1, nx=True) is None
    assert j.set("doc", "$.new", {"x": [1]}, nx=True)
    assert j.get("doc", "$.new.x[0]") == [1]
    assert j.set("doc", "$.no.such", 1) is None
    with pytest.raises(redis.ResponseError, match="new objects must be created at the root"):
        j.set("other", "$.a", 1)
    with pytest.raises(redis.ResponseError, match="key must be a string at line 1 column 2"):
        r.execute_command("JSON.SET", "doc", "$", "{nope")


def test_numbers_strings_arrays(r: redis.Redis) -> None:
    j = r.json()
    j.set("doc", "$", DOC)
    assert j.numincrby("doc", "$.age", 2) == [38]
    assert r.execute_command("JSON.NUMMULTBY", "doc", "$.score", 2) in (b"[3.0]", [3.0])
    assert j.strappend("doc", "!", "$.name") == [4]
    assert j.strlen("doc", "$.name") == [4]
    assert j.arrappend("doc", "$.tags", "c", "d") == [4]
    assert j.arrinsert("doc", "$.tags", 0, "z") == [5]
    assert j.arrindex("doc", "$.tags", "c") == [3]
    assert j.arrlen("doc", "$.tags") == [5]
    assert j.arrpop("doc", "$.tags") == ['"d"']  # redis-py leaves ARRPOP's JSON text as is
    assert j.arrtrim("doc", "$.tags", 1, 2) == [2]
    assert j.get("doc", "$.tags") == [["a", "b"]]
    assert j.objkeys("doc", "$.addr") == [[b"city", b"zip"]]
    assert j.objlen("doc", "$.addr") == [2]
    assert j.toggle("doc", "$.active") == [0]
    assert j.clear("doc", "$.tags") == 1
    assert j.get("doc", "$.tags") == [[]]


def test_delete_forget_mget_mset_merge(r: redis.Redis) -> None:
    j = r.json()
    j.set("a", "$", {"x": 1, "y": {"x": 2}})
    j.set("b", "$", {"x": 3})
    assert j.mget(["a", "b", "nope"], "$..x") == [[1, 2], [3], None]
    assert j.delete("a", "$..x") == 2
    assert j.get("a") == {"y": {}}
    assert j.forget("a", "$.y") == 1
    assert j.mset([("a", "$.z", 5), ("c", "$", [1, 2])])
    assert j.get("a") == {"z": 5}
    assert j.get("c") == [1, 2]
    assert j.merge("a", "$", {"z": None, "w": {"k": "v"}})
    assert j.get("a") == {"w": {"k": "v"}}
    assert j.delete("c") == 1
    assert r.exists("c") == 0


def test_resp_and_debug(r: redis.Redis) -> None:
    j = r.json()
    j.set("doc", "$", {"a": [1, "x", None, True, 1.5]})
    reply = j.resp("doc", "$.a")
    assert reply[0][0] in (b"[", "[")
    assert j.debug("MEMORY", "doc", "$") [0] > 0
    assert r.execute_command("JSON.DEBUG", "HELP")


def test_legacy_path_errors(r: redis.Redis) -> None:
    j = r.json()
    j.set("doc", "$", DOC)
    with pytest.raises(redis.ResponseError, match=r"Path '\$.nope' does not exist"):
        r.execute_command("JSON.GET", "doc", ".nope")
    with pytest.raises(redis.ResponseError, match="does not exist or not an array"):
        r.execute_command("JSON.ARRAPPEND", "doc", ".name", "1")
    with pytest.raises(redis.ResponseError, match="expected one of the following"):
        r.execute_command("JSON.GET", "doc", "$..")
    assert j.get("doc", "$.nope") == []


def test_formatting_and_unicode(r2: redis.Redis) -> None:
    r2.execute_command("JSON.SET", "k", "$", '{"s":"h\\u00e9llo \\ud83d\\ude00","f":[1e30,0.1,1.0,-0.0,1e-7]}')
    assert r2.execute_command("JSON.GET", "k") == '{"s":"héllo 😀","f":[1e30,0.1,1.0,-0.0,1e-7]}'.encode()
    assert r2.execute_command("JSON.GET", "k", "INDENT", "  ", "NEWLINE", "\n", "SPACE", " ", "$.f") == (
        b'[\n  [\n    1e30,\n    0.1,\n    1.0,\n    -0.0,\n    1e-7\n  ]\n]')


def test_wrongtype_both_ways(r: redis.Redis) -> None:
    r.set("s", "v")
    with pytest.raises(redis.ResponseError, match="Existing key has wrong Redis type"):
        r.json().get("s")
    with pytest.raises(redis.ResponseError, match="Existing key has wrong Redis type"):
        r.json().set("s", "$", 1)
    r.json().set("j", "$", 1)
    with pytest.raises(redis.ResponseError, match="WRONGTYPE"):
        r.get("j")
    with pytest.raises(redis.ResponseError, match="WRONGTYPE"):
        r.hset("j", "f", "v")
    assert r.json().mget(["s", "j"], "$") == [None, [1]]


def test_transactions_and_watch(r: redis.Redis) -> None:
    r.json().set("j", "$", {"n": 1})
    with r.pipeline() as pipe:
        pipe.watch("j")
        other = redis.Redis(port=r.connection_pool.connection_kwargs["port"])
        other.json().numincrby("j", "$.n", 1)
        other.close()
        pipe.multi()
        pipe.json().set("j", "$.n", 100)
        with pytest.raises(redis.WatchError):
            pipe.execute()
    assert r.json().get("j", "$.n") == [2]
    with r.pipeline() as pipe:
        pipe.json().set("j", "$.n", 5)
        pipe.json().get("j", "$.n")
        assert pipe.execute()[1] == [5]


def test_float_arrays_are_held_packed(r: redis.Redis) -> None:
    """An array of 8 floats or more (an embedding) is held as 8 bytes a float: the same JSON everywhere,
    a fraction of the memory, and a plain array again once something else is put in it."""
    vec = [((i * 7919) % 1000) / 997 - 0.5 for i in range(384)]
    r.json().set("v", "$", {"embedding": vec, "n": 1})
    r.json().set("l", "$", {"embedding": [*vec[:-1], 1], "n": 1})  # one integer: a plain list
    packed, plain = r.memory_usage("v", samples=0), r.memory_usage("l", samples=0)
    assert packed < 5000 < 10000 < plain
    assert r.json().get("v", "$.embedding")[0] == vec
    assert r.json().get("v", "$.embedding[1:3]") == vec[1:3]
    assert r.json().type("v", "$.embedding") in ([b"array"], [[b"array"]])  # RESP3 nests it
    r.json().arrappend("v", "$.embedding", 0.25)
    r.json().set("v", "$.embedding[0]", 2.5)
    assert r.memory_usage("v", samples=0) < 5000  # floats in: still packed
    r.json().set("v", "$.embedding[1]", "x")  # a string in: a plain array
    assert r.memory_usage("v", samples=0) > 10000
    assert r.json().get("v", "$.embedding")[0] == [2.5, "x", *vec[2:], 0.25]
    r.json().set("w", "$", {"embedding": vec})
    r.execute_command("COPY", "w", "w2")
    r.json().arrappend("w2", "$.embedding", "tail")
    assert r.json().get("w", "$.embedding")[0] == vec  # the copy shares nothing
    r.restore("w3", 0, r.dump("w"))
    assert r.json().get("w3") == {"embedding": vec}
