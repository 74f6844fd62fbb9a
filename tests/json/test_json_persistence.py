"""JSON keys survive restarts: AOF replay, RDB snapshots, and dump.rdb files shared with Redis Stack."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import redis

from tests.persistence.helpers import redvector
from tests.redis_stack import redis_stack

AOF_ONLY = ("--appendonly", "yes", "--save", "")
RDB_ONLY = ("--appendonly", "no", "--save", "")
DOC = {"name": "Ada", "n": 1, "f": 1.5, "big": 18446744073709551615, "tags": ["a"], "o": {"x": None, "t": True},
       "u": "h\u00e9 \U0001f600", "vec": [0.5 * i - 3.25 for i in range(16)]}  # vec: held packed


def _write_everything(r: redis.Redis) -> dict[str, object]:
    j = r.json()
    j.set("doc", "$", DOC)
    j.numincrby("doc", "$.n", 41)
    r.execute_command("JSON.NUMMULTBY", "doc", "$.f", 3)
    j.strappend("doc", "!", "$.name")
    j.arrappend("doc", "$.tags", "b", {"deep": [1, 2]})
    j.arrinsert("doc", "$.tags", 0, "first")
    j.arrpop("doc", "$.tags", 1)
    j.arrtrim("doc", "$.tags", 0, 1)
    j.toggle("doc", "$.o.t")
    j.numincrby("doc", "$.vec[0]", 1)
    j.arrappend("doc", "$.vec", 1.5)
    j.merge("doc", "$.o", {"x": 5, "y": {"z": None}})
    j.set("doc", "$.new", [1, 2, 3], nx=True)
    j.delete("doc", "$.new[0]")
    j.clear("doc", "$.new")
    j.mset([("m1", "$", 1), ("m2", "$", {"k": "v"})])
    j.set("gone", "$", 1)
    j.forget("gone")
    j.set("ttl", "$", {"t": 1})
    r.expire("ttl", 1000)
    return {"doc": j.get("doc"), "m1": j.get("m1"), "m2": j.get("m2"), "ttl": j.get("ttl")}


def _check(r: redis.Redis, expected: dict[str, object]) -> None:
    j = r.json()
    for key, value in expected.items():
        assert j.get(key) == value, key
        assert r.type(key) == b"ReJSON-RL"
    assert r.exists("gone") == 0
    assert 0 < r.ttl("ttl") <= 1000


def test_aof_replays_to_the_same_documents(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with redvector(data, *AOF_ONLY) as (_, r):
        expected = _write_everything(r)
    with redvector(data, *AOF_ONLY) as (_, r):
        _check(r, expected)
        r.bgrewriteaof()  # the rewritten base is an RDB image holding the JSON keys
        for _ in range(100):
            if r.info("persistence")["aof_rewrite_in_progress"] == 0:
                break
            time.sleep(0.1)
    with redvector(data, *AOF_ONLY) as (_, r):
        _check(r, expected)


def test_rdb_snapshot_roundtrip(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with redvector(data, *RDB_ONLY) as (_, r):
        expected = _write_everything(r)
        assert r.save()
    with redvector(data, *RDB_ONLY) as (_, r):
        _check(r, expected)


def test_dump_rdb_shared_with_redis_stack(tmp_path: Path) -> None:
    """Redis Stack (RedisJSON 2.8) loads RedVector's dump.rdb and RedVector loads Redis Stack's."""
    ours_dir, stack_dir = tmp_path / "ours", tmp_path / "stack"
    with redvector(ours_dir, *RDB_ONLY) as (_, r):
        expected = _write_everything(r)
        r.persist("ttl")
        assert r.save()
    stack_dir.mkdir()
    shutil.copy(ours_dir / "dump.rdb", stack_dir / "dump.rdb")
    with redis_stack(stack_dir, json=True) as port:
        stack = redis.Redis(port=port)
        for key, value in expected.items():
            assert stack.json().get(key) == value, key
        stack.json().set("from-stack", "$", {"a": [1, 2.5, None, "\u00e9"], "b": 12345678901234567890})
        assert stack.save()
        stack.close()
    back = tmp_path / "back"
    back.mkdir()
    shutil.copy(stack_dir / "dump.rdb", back / "dump.rdb")
    with redvector(back, *RDB_ONLY) as (_, r):
        assert r.json().get("from-stack") == {"a": [1, 2.5, None, "\u00e9"], "b": 12345678901234567890}
        assert r.json().get("doc") == expected["doc"]
