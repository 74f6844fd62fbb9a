"""Streams survive restarts: the AOF replays XADD * / XREADGROUP / XCLAIM / XAUTOCLAIM to the same data (they
are logged as their effects), SAVE + restart reloads them from RDB, and DUMP payloads move between RedVector
and Redis Stack in both directions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import redis

from tests.persistence.helpers import aof_files, redvector
from tests.serverutil import ThreadedServer

AOF_ONLY = ("--appendonly", "yes", "--save", "")
SNAPSHOT_ONLY = ("--appendonly", "no", "--save", "")


def _workload(r: redis.Redis) -> None:
    """Every kind of stream write, the non-deterministic ones included."""
    for i in range(250):
        r.xadd("s", {"n": i, "kind": "even" if i % 2 == 0 else "odd"})
    r.xadd("s", {"x": 1}, maxlen=200, approximate=True)
    r.xadd("s", {"x": 2}, id="*")
    r.xdel("s", r.xrange("s", count=3)[2][0])
    r.xgroup_create("s", "workers", "0")
    r.xgroup_create("s", "late", "$")
    r.xreadgroup("workers", "alice", {"s": ">"}, count=10)
    r.xreadgroup("workers", "bob", {"s": ">"}, count=5)
    r.xreadgroup("workers", "carol", {"s": ">"}, count=3, noack=True)
    pending = r.xpending_range("s", "workers", "-", "+", 100)
    r.xack("s", "workers", pending[0]["message_id"], pending[1]["message_id"])
    r.xclaim("s", "workers", "bob", 0, [pending[2]["message_id"], pending[3]["message_id"]])
    r.xautoclaim("s", "workers", "dave", 0, "0-0", count=4)
    r.xdel("s", pending[12]["message_id"])
    r.xautoclaim("s", "workers", "dave", 0, "0-0", count=100)
    r.xgroup_createconsumer("s", "late", "erin")
    r.xgroup_delconsumer("s", "workers", "carol")
    r.xtrim("s", minid=r.xrange("s", count=5)[4][0])
    r.xadd("t", {"a": 1}, id="5-1")
    r.execute_command("XSETID", "t", "10-0", "ENTRIESADDED", "7", "MAXDELETEDID", "8-0")


def _state(r: redis.Redis) -> Any:
    """Everything observable but the clock-dependent consumer times."""
    info = r.execute_command("XINFO", "STREAM", "s", "FULL", "COUNT", "0")
    for group in info[b"groups"]:
        for consumer in group[b"consumers"]:
            consumer.pop(b"seen-time")
            consumer.pop(b"active-time")
    return (info, r.xrange("s"), r.xinfo_stream("t"), r.xpending("s", "workers"),
            r.xpending_range("s", "workers", "-", "+", 1000))


def _idle_free(rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [(row["message_id"], row["consumer"], row["times_delivered"]) for row in rows]


def test_aof_replays_streams_and_groups(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with redvector(data, *AOF_ONLY) as (_, r):
        _workload(r)
        before = _state(r)
    log = b"".join(path.read_bytes() for kind, path in aof_files(data).items() if kind != "manifest")
    assert b"XREADGROUP" not in log and b"XAUTOCLAIM" not in log  # logged as their effects
    assert b"XCLAIM" in log and b"$1\r\n*\r\n" not in log  # XADD * logged with the id it generated
    with redvector(data, *AOF_ONLY) as (_, r):
        after = _state(r)
    assert after[0] == before[0]
    assert after[1:4] == before[1:4]
    assert _idle_free(after[4]) == _idle_free(before[4])


def test_aof_rewrite_keeps_streams(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with redvector(data, *AOF_ONLY) as (_, r):
        _workload(r)
        before = _state(r)
        r.bgrewriteaof()
        import time

        deadline = time.time() + 20
        while r.info("persistence")["aof_rewrite_in_progress"] and time.time() < deadline:
            time.sleep(0.05)
        r.xadd("s", {"after": "rewrite"}, id="*")
        before_tail = r.xrange("s")
    with redvector(data, *AOF_ONLY) as (_, r):
        assert r.xrange("s") == before_tail
        assert _state(r)[2:4] == before[2:4]


def test_save_and_restart_reloads_streams(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with redvector(data, *SNAPSHOT_ONLY) as (_, r):
        _workload(r)
        before = r.execute_command("XINFO", "STREAM", "s", "FULL", "COUNT", "0")
        t_before = r.xinfo_stream("t")
        r.save()
    with redvector(data, *SNAPSHOT_ONLY) as (_, r):
        assert r.execute_command("XINFO", "STREAM", "s", "FULL", "COUNT", "0") == before  # times included
        assert r.xinfo_stream("t") == t_before
        assert r.type("s") == b"stream"


def test_dump_restore_both_ways_with_redis_stack(server: ThreadedServer, stack_port: int) -> None:
    ours, ref = redis.Redis(port=server.port), redis.Redis(port=stack_port)
    try:
        for client in (ours, ref):
            client.flushall()
            for i in range(1, 301):
                client.xadd("s", {f"f{i % 3}": f"v{i}", "n": i * 1000}, id=f"{i}-{i % 7}")
            client.xadd("s", {"big": "x" * 5000, "neg": -5, "i64": 2**62}, id="400-0")
            client.xdel("s", "5-5", "100-2")
            client.xgroup_create("s", "g1", "0")
            client.xgroup_create("s", "g2", "$")
            client.xreadgroup("g1", "alice", {"s": ">"}, count=5)
            client.xreadgroup("g1", "bob", {"s": ">"}, count=3)
            client.xack("s", "g1", "1-1")
            client.xadd("empty", {"a": 1}, id="1-1")
            client.xdel("empty", "1-1")
        ref.config_set("sanitize-dump-payload", "yes")  # Redis checks every listpack we write
        for src, dst in ((ours, ref), (ref, ours)):
            for key in ("s", "empty"):
                dst.restore("copy", 0, src.dump(key), replace=True)
                assert dst.xrange("copy") == src.xrange(key)
                full = ["XINFO", "STREAM"]
                assert dst.execute_command(*full, "copy", "FULL", "COUNT", "0") == \
                    src.execute_command(*full, key, "FULL", "COUNT", "0")
        ours.flushall()
        ref.config_set("sanitize-dump-payload", "no")
    finally:
        ours.close()
        ref.close()
