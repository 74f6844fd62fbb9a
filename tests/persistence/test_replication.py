"""Replication: RedVector masters and replicas (PSYNC, the stream, WAIT, promotion), and with Redis 7.0.

Every server is a real subprocess; the checks read the replica through redis-py.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import redis

from tests.persistence.helpers import REDIS_SERVER, redvector
from tests.serverutil import free_port, wait_for_ping


def wait_until(check: Callable[[], Any], timeout: float = 15.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = check()
            if value:
                return value
        except (redis.ConnectionError, redis.ResponseError):
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"not true within {timeout}s: {check}")
        time.sleep(0.05)


def info(client: redis.Redis, section: str = "replication") -> dict[str, Any]:
    return client.info(section)


def port_of(client: redis.Redis) -> int:
    return int(client.connection_pool.connection_kwargs["port"])


def synced(master: redis.Redis, replica: redis.Redis) -> bool:
    """The replica is connected and has applied everything the master has written."""
    r = info(replica)
    return r.get("master_link_status") == "up" and r["master_repl_offset"] == info(master)["master_repl_offset"]


@contextmanager
def pair(tmp_path: Path, *replica_args: str) -> Iterator[tuple[redis.Redis, redis.Redis]]:
    (tmp_path / "m").mkdir()
    (tmp_path / "r").mkdir()
    with redvector(tmp_path / "m", "--appendonly", "no", "--save", "") as (_, master), \
            redvector(tmp_path / "r", "--appendonly", "no", "--save", "", *replica_args) as (_, replica):
        yield master, replica


def fill(client: redis.Redis, stream: bool = True) -> None:
    """One key of each type (no stream for Redis 7.0: RedVector writes streams as Redis 7.4 does, in
    RDB 11, which 7.0 cannot read), and one in database 2."""
    client.set("s", "v")
    client.set("ttl", "v", ex=1000)
    client.rpush("l", *range(5))
    client.hset("h", mapping={"a": 1, "b": 2})
    client.sadd("set", "x", "y")
    client.zadd("z", {"a": 1.5, "b": 2})
    if stream:
        client.xadd("stream", {"f": "v"}, id="1-1")
    client.pfadd("hll", "a", "b", "c")
    db2 = redis.Redis(port=port_of(client), db=2)
    db2.set("in-db-2", "yes")


def value_of(client: redis.Redis, key: bytes) -> Any:
    kind = client.type(key)
    readers: dict[bytes, Callable[[], Any]] = {
        b"string": lambda: client.get(key), b"list": lambda: client.lrange(key, 0, -1),
        b"hash": lambda: client.hgetall(key), b"set": lambda: sorted(client.smembers(key)),
        b"zset": lambda: client.zrange(key, 0, -1, withscores=True), b"stream": lambda: client.xrange(key),
    }
    return kind, readers[kind]()


def same_data(master: redis.Redis, replica: redis.Redis, dbs: tuple[int, ...] = (0, 2)) -> None:
    for db in dbs:
        m = redis.Redis(port=port_of(master), db=db)
        r = redis.Redis(port=port_of(replica), db=db)
        keys = sorted(m.keys("*"))
        assert sorted(r.keys("*")) == keys
        assert sorted(r.scan_iter(count=100)) == keys  # the loaded image's keys are in SCAN's order too
        for key in keys:
            assert value_of(r, key) == value_of(m, key), key
            assert abs(r.pttl(key) - m.pttl(key)) < 2000


def test_full_sync_then_stream(tmp_path: Path) -> None:
    with pair(tmp_path) as (master, replica):
        fill(master)
        assert replica.execute_command("REPLICAOF", "127.0.0.1", port_of(master)) == b"OK"
        wait_until(lambda: synced(master, replica))
        same_data(master, replica)
        # the stream: writes in several databases, a transaction, a script, an expiry, deletes
        master.incr("counter")
        redis.Redis(port=port_of(master), db=2).lpush("l2", "a", "b")
        with master.pipeline(transaction=True) as tx:
            tx.set("tx1", 1).incrby("tx2", 5).execute()
        master.eval("redis.call('set', KEYS[1], ARGV[1]); redis.call('del', 's')", 1, "from-lua", "x")
        master.set("short", "v", px=100)
        master.spop("set")  # a random effect, propagated as what happened
        wait_until(lambda: synced(master, replica))
        same_data(master, replica)
        time.sleep(0.3)  # the master expires "short" (active expiry) and propagates a DEL
        wait_until(lambda: master.exists("short") == 0 and synced(master, replica))
        assert replica.exists("short") == 0
        same_data(master, replica)

        assert replica.get("counter") == b"1"
        assert replica.get("from-lua") == b"x"
        role = replica.execute_command("ROLE")
        assert role[0] == b"slave" and role[2] == port_of(master) and role[3] == b"connected"
        master_role = master.execute_command("ROLE")
        assert master_role[0] == b"master" and len(master_role[2]) == 1
        assert int(master_role[2][0][1]) == port_of(replica)
        m_info = info(master)
        assert m_info["connected_slaves"] == 1 and m_info["repl_backlog_active"] == 1
        assert info(master, "stats")["sync_full"] == 1
        r_info = info(replica)
        assert r_info["role"] == "slave" and r_info["master_host"] == "127.0.0.1"
        assert r_info["master_replid"] == m_info["master_replid"]
        assert b"flags=S" in master.execute_command("CLIENT", "LIST")


def test_replica_is_read_only_and_promotes(tmp_path: Path) -> None:
    with pair(tmp_path) as (master, replica):
        master.set("k", "v")
        replica.execute_command("REPLICAOF", "127.0.0.1", port_of(master))
        wait_until(lambda: synced(master, replica))
        with pytest.raises(redis.ResponseError, match=r"^You can't write against a read only replica\.$"):
            replica.set("x", 1)
        with pytest.raises(redis.ResponseError, match="read only replica"), \
                replica.pipeline(transaction=True) as tx:
            tx.set("x", 1).execute()
        assert replica.get("k") == b"v"  # reads are served
        assert replica.execute_command("REPLICAOF", "127.0.0.1", port_of(master)) == \
            b"OK Already connected to specified master"
        with pytest.raises(redis.ResponseError, match="WAIT cannot be used with replica instances"):
            replica.execute_command("WAIT", 1, 0)
        # scripts: a legacy one fails at its write, a shebang one without no-writes before it runs
        with pytest.raises(redis.ResponseError, match=r"^You can't write against a read only replica\. script: "):
            replica.eval("return redis.call('set', 'x', 1)", 0)
        with pytest.raises(redis.ResponseError, match=r"^You can't write against a read only replica\.$"):
            replica.eval("#!lua\nreturn 1", 0)
        assert replica.eval("#!lua flags=no-writes\nreturn redis.call('get', 'k')", 0) == b"v"
        master.function_load("#!lua name=lib\nredis.register_function('w', function() "
                             "return redis.call('set', 'x', 1) end)")
        wait_until(lambda: synced(master, replica))
        with pytest.raises(redis.ResponseError, match=r"^You can't write against a read only replica\.$"):
            replica.fcall("w", 0)
        assert replica.exists("x") == 0
        replica.config_set("replica-read-only", "no")
        replica.set("local", 1)  # a writable replica
        replica.config_set("replica-read-only", "yes")

        old_id = info(replica)["master_replid"]
        assert replica.execute_command("REPLICAOF", "NO", "ONE") == b"OK"
        r = info(replica)
        assert r["role"] == "master" and r["master_replid2"] == old_id
        assert r["second_repl_offset"] == r["master_repl_offset"] + 1
        replica.set("x", 1)  # a master again: writes are accepted
        master.set("k", "changed")
        time.sleep(0.2)
        assert replica.get("k") == b"v"
        assert info(master)["connected_slaves"] == 0


def test_wait_counts_acknowledgements(tmp_path: Path) -> None:
    with pair(tmp_path) as (master, replica):
        assert master.execute_command("WAIT", 0, 0) == 0
        started = time.monotonic()
        assert master.execute_command("WAIT", 1, 200) == 0  # no replica: the timeout's count
        assert time.monotonic() - started >= 0.18
        replica.execute_command("REPLICAOF", "127.0.0.1", port_of(master))
        wait_until(lambda: synced(master, replica))
        master.set("a", 1)
        assert master.execute_command("WAIT", 1, 5000) == 1
        assert master.execute_command("WAIT", 2, 100) == 1
        with master.pipeline(transaction=True) as tx:  # inside MULTI: answered at once
            assert tx.set("b", 2).execute_command("WAIT", 5, 0).execute()[1] in (0, 1)


def test_partial_resync_after_a_lost_link(tmp_path: Path) -> None:
    with pair(tmp_path) as (master, replica):
        master.set("before", 1)
        replica.execute_command("REPLICAOF", "127.0.0.1", port_of(master))
        wait_until(lambda: synced(master, replica))
        replica_conn = next(c for c in master.client_list() if "S" in c["flags"])
        master.execute_command("CLIENT", "KILL", "ID", replica_conn["id"])
        master.set("while-down", 2)
        wait_until(lambda: synced(master, replica) and replica.get("while-down") == b"2")
        stats = info(master, "stats")
        assert stats["sync_full"] == 1 and stats["sync_partial_ok"] == 1
        # the replica's side: its master is a client (flags M); killing it drops the link, which resumes
        masters = replica.client_list(_type="master")
        assert [c["flags"] for c in masters] == ["M"]
        assert masters[0]["addr"] == f"127.0.0.1:{port_of(master)}"
        replica.execute_command("CLIENT", "KILL", "TYPE", "master")
        master.set("after-kill", 3)
        wait_until(lambda: synced(master, replica) and replica.get("after-kill") == b"3")
        assert info(master, "stats")["sync_partial_ok"] == 2
        assert [c["flags"] for c in master.client_list(_type="replica")] == ["S"]


def test_min_replicas_to_write(tmp_path: Path) -> None:
    with pair(tmp_path) as (master, replica):
        master.config_set("min-replicas-to-write", 1)
        with pytest.raises(redis.ResponseError, match=r"^NOREPLICAS Not enough good replicas to write\.$"):
            master.set("k", 1)
        with pytest.raises(redis.ResponseError, match="Not enough good replicas"):
            master.eval("return redis.call('set', 'k', 1)", 0)
        assert master.get("k") is None  # reads are served
        replica.execute_command("REPLICAOF", "127.0.0.1", port_of(master))
        wait_until(lambda: synced(master, replica))
        wait_until(lambda: master.set("k", 1))
        master.config_set("min-replicas-to-write", 2)
        with pytest.raises(redis.ResponseError, match="Not enough good replicas"):
            master.set("k", 2)
        master.config_set("min-replicas-to-write", 0)
        assert master.set("k", 3)


def test_chained_replica_and_promotion_keep_offsets(tmp_path: Path) -> None:
    """A <- B <- C: C gets A's writes through B; when B is promoted, C continues with B (no full sync)."""
    (tmp_path / "c").mkdir()
    with pair(tmp_path) as (a, b), redvector(tmp_path / "c", "--appendonly", "no", "--save", "") as (_, c):
        a.set("k", 1)
        b.execute_command("REPLICAOF", "127.0.0.1", port_of(a))
        wait_until(lambda: synced(a, b))
        c.execute_command("REPLICAOF", "127.0.0.1", port_of(b))
        wait_until(lambda: synced(b, c))
        a.set("k", 2)
        wait_until(lambda: c.get("k") == b"2")
        assert info(c)["master_replid"] == info(a)["master_replid"]
        b.execute_command("REPLICAOF", "NO", "ONE")
        b.set("after-promotion", 1)
        wait_until(lambda: c.get("after-promotion") == b"1")
        assert info(c)["master_replid"] == info(b)["master_replid"]
        assert info(b, "stats")["sync_partial_ok"] >= 1


def total(reply: Any) -> int:
    """FT.SEARCH's total, whether redis-py left the reply a list or parsed it into a dict."""
    return int(reply[0] if isinstance(reply, list) else reply[b"total_results"])


def test_search_indexes_follow_the_master(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    vectors = rng.random((50, 8), dtype=np.float32)
    with pair(tmp_path) as (master, replica):
        master.execute_command("FT.CREATE", "before", "ON", "HASH", "PREFIX", "1", "doc:", "SCHEMA",
                               "v", "VECTOR", "HNSW", "6", "TYPE", "FLOAT32", "DIM", "8", "DISTANCE_METRIC", "L2",
                               "tag", "TAG")
        for i in range(25):
            master.hset(f"doc:{i}", mapping={"v": vectors[i].tobytes(), "tag": "a" if i % 2 else "b"})
        replica.execute_command("REPLICAOF", "127.0.0.1", port_of(master))
        wait_until(lambda: synced(master, replica))
        master.execute_command("FT.CREATE", "after", "ON", "HASH", "PREFIX", "1", "doc:", "SCHEMA", "tag", "TAG")
        for i in range(25, 50):
            master.hset(f"doc:{i}", mapping={"v": vectors[i].tobytes(), "tag": "a" if i % 2 else "b"})
        master.delete("doc:3")
        wait_until(lambda: synced(master, replica))
        assert sorted(replica.execute_command("FT._LIST")) == [b"after", b"before"]
        query = ["FT.SEARCH", "before", "(@tag:{a})=>[KNN 5 @v $q AS d]", "PARAMS", "2", "q", vectors[0].tobytes(),
                 "SORTBY", "d", "RETURN", "1", "d", "DIALECT", "2"]
        wait_until(lambda: replica.execute_command(*query) == master.execute_command(*query))
        assert total(master.execute_command(*query)) == 5
        count = ["FT.SEARCH", "after", "@tag:{b}", "LIMIT", "0", "0"]
        assert total(replica.execute_command(*count)) == total(master.execute_command(*count)) == 25


def test_replicaof_at_startup_and_bad_arguments(tmp_path: Path) -> None:
    (tmp_path / "m").mkdir()
    (tmp_path / "r").mkdir()
    with redvector(tmp_path / "m", "--appendonly", "no", "--save", "") as (_, master):
        master.set("k", "v")
        with redvector(tmp_path / "r", "--appendonly", "no", "--save", "",
                       "--replicaof", "127.0.0.1", str(port_of(master))) as (_, replica):
            wait_until(lambda: replica.get("k") == b"v")
            assert replica.config_get("replicaof") == {"replicaof": f"127.0.0.1 {port_of(master)}"}
            with pytest.raises(redis.ResponseError, match="value is not an integer"):
                replica.execute_command("REPLICAOF", "127.0.0.1", "port")
            with pytest.raises(redis.ResponseError, match="Unrecognized REPLCONF option: bogus"):
                replica.execute_command("REPLCONF", "bogus", "1")
            with pytest.raises(redis.ResponseError, match="syntax error"):
                replica.execute_command("REPLCONF", "listening-port")


@contextmanager
def debian_redis(tmp_path: Path, *args: str) -> Iterator[redis.Redis]:
    if REDIS_SERVER is None:
        pytest.skip("redis-server (Debian's Redis 7.0) is not installed")
    port = free_port()
    proc = subprocess.Popen([REDIS_SERVER, "--port", str(port), "--save", "", "--appendonly", "no",
                             "--dir", str(tmp_path), "--repl-diskless-sync-delay", "0", *args],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_ping(port, 15)
        yield redis.Redis(port=port)
    finally:
        proc.terminate()
        proc.wait(15)


def test_redis_7_replica_of_redvector(tmp_path: Path) -> None:
    (tmp_path / "m").mkdir()
    with redvector(tmp_path / "m", "--appendonly", "no", "--save", "") as (_, master):
        fill(master, stream=False)
        with debian_redis(tmp_path, "--replicaof", "127.0.0.1", str(port_of(master))) as replica:
            wait_until(lambda: synced(master, replica))
            same_data(master, replica)
            master.hincrby("h", "a", 10)
            master.zincrby("z", 1, "c")
            master.delete("l")
            wait_until(lambda: synced(master, replica))
            same_data(master, replica)
            assert info(master)["connected_slaves"] == 1


def test_redvector_replica_of_redis_7(tmp_path: Path) -> None:
    (tmp_path / "r").mkdir()
    with debian_redis(tmp_path) as master, \
            redvector(tmp_path / "r", "--appendonly", "no", "--save", "") as (_, replica):
        fill(master)
        master.function_load("#!lua name=lib\nredis.register_function{function_name='one', "
                             "callback=function() return 1 end, flags={'no-writes'}}")
        replica.execute_command("REPLICAOF", "127.0.0.1", port_of(master))
        wait_until(lambda: synced(master, replica), timeout=30)
        same_data(master, replica)
        assert replica.fcall_ro("one", 0) == 1
        master.eval("redis.call('incr', 'n'); redis.call('rpush', 'l', 'from-lua')", 0)
        master.set("px", "v", px=100)
        wait_until(lambda: synced(master, replica))
        same_data(master, replica)
        wait_until(lambda: master.exists("px") == 0 and synced(master, replica) and replica.exists("px") == 0)
        assert master.execute_command("WAIT", 1, 5000) == 1  # our ACKs count on a real Redis master


def test_writes_during_a_full_sync_follow_the_image(tmp_path: Path) -> None:
    """The image is written by a forked child: the master keeps serving, and what it applies meanwhile
    reaches the replica after the image, in order."""
    with pair(tmp_path) as (master, replica):
        with master.pipeline(transaction=False) as pipe:
            for i in range(20000):
                pipe.set(f"k{i}", "x" * 100)
            pipe.execute()
        replica.execute_command("REPLICAOF", "127.0.0.1", port_of(master))
        for i in range(300):  # while the child writes the image
            master.incr("during")
            master.set(f"k{i}", "changed")
        wait_until(lambda: synced(master, replica), timeout=60)
        assert replica.get("during") == b"300"
        assert replica.get("k0") == b"changed" and replica.get("k19999") == b"x" * 100
        assert replica.dbsize() == master.dbsize()


@pytest.mark.parametrize("prefer_grpc", [False, True])
def test_qdrant_api_on_a_replica_reads_and_refuses_writes(tmp_path: Path, prefer_grpc: bool) -> None:
    """Collections written on the master through qdrant-client are searchable on the replica's Qdrant API;
    a write there is refused (REST 403, gRPC FAILED_PRECONDITION) with Redis's READONLY text."""
    from qdrant_client import QdrantClient, models

    ports = {name: free_port() for name in ("qdrant", "qdrant-grpc")}
    api_args = [arg for name, port in ports.items() for arg in (f"--{name}-port", str(port))]
    (tmp_path / "m").mkdir()
    (tmp_path / "r").mkdir()
    master_ports = {name: free_port() for name in ("qdrant", "qdrant-grpc")}
    master_args = [arg for name, port in master_ports.items() for arg in (f"--{name}-port", str(port))]
    with redvector(tmp_path / "m", "--appendonly", "no", "--save", "", *master_args) as (_, master), \
            redvector(tmp_path / "r", "--appendonly", "no", "--save", "", *api_args) as (_, replica):
        on_master = QdrantClient(url=f"http://127.0.0.1:{master_ports['qdrant']}", check_compatibility=False,
                                 grpc_port=master_ports["qdrant-grpc"], prefer_grpc=prefer_grpc)
        on_replica = QdrantClient(url=f"http://127.0.0.1:{ports['qdrant']}", check_compatibility=False,
                                  grpc_port=ports["qdrant-grpc"], prefer_grpc=prefer_grpc)
        try:
            on_master.create_collection("docs", vectors_config=models.VectorParams(size=2, distance=models.Distance.DOT))
            on_master.upsert("docs", [models.PointStruct(id=i, vector=[1.0, float(i)], payload={"i": i})
                                      for i in range(1, 6)])
            replica.execute_command("REPLICAOF", "127.0.0.1", port_of(master))
            wait_until(lambda: synced(master, replica))
            query = [1.0, 1.0]
            expected = [(h.id, h.score) for h in on_master.query_points("docs", query=query, limit=3).points]
            assert expected == [(5, 6.0), (4, 5.0), (3, 4.0)]
            wait_until(lambda: [(h.id, h.score) for h in
                                on_replica.query_points("docs", query=query, limit=3).points] == expected)
            with pytest.raises(Exception, match="read only replica") as refused:
                on_replica.upsert("docs", [models.PointStruct(id=9, vector=[1.0, 9.0])])
            status = getattr(refused.value, "status_code", None) or refused.value.code()  # type: ignore[attr-defined]
            assert status in (403, grpc_failed_precondition())
            assert on_replica.count("docs").count == 5
        finally:
            on_master.close()
            on_replica.close()


def grpc_failed_precondition() -> Any:
    import grpc

    return grpc.StatusCode.FAILED_PRECONDITION


def test_failover_hands_over_to_the_replica(tmp_path: Path) -> None:
    """FAILOVER: writes pause, the replica catches up, the master becomes its replica and asks it to
    take over (PSYNC ... FAILOVER); both keep their data and the new pair continues without a full copy."""
    with pair(tmp_path) as (a, b):
        with pytest.raises(redis.ResponseError, match=r"^FAILOVER requires connected replicas\.$"):
            a.execute_command("FAILOVER")
        with pytest.raises(redis.ResponseError, match=r"^No failover in progress\.$"):
            a.execute_command("FAILOVER", "ABORT")
        with pytest.raises(redis.ResponseError, match=r"^FAILOVER timeout must be greater than 0$"):
            a.execute_command("FAILOVER", "TIMEOUT", 0)
        with pytest.raises(redis.ResponseError, match=r"^syntax error$"):
            a.execute_command("FAILOVER", "TO", "127.0.0.1")
        a.set("k", 1)
        b.execute_command("REPLICAOF", "127.0.0.1", port_of(a))
        wait_until(lambda: synced(a, b))
        with pytest.raises(redis.ResponseError, match=r"^FAILOVER target HOST and PORT is not a replica\.$"):
            a.execute_command("FAILOVER", "TO", "127.0.0.1", 1)
        with pytest.raises(redis.ResponseError, match=r"^FAILOVER with force option requires both"):
            a.execute_command("FAILOVER", "TO", "127.0.0.1", port_of(b), "FORCE")
        with pytest.raises(redis.ResponseError, match=r"^FAILOVER is not valid when server is a replica\.$"):
            b.execute_command("FAILOVER")
        a.set("k", 2)
        assert a.execute_command("FAILOVER", "TO", "127.0.0.1", port_of(b), "TIMEOUT", 10000) == b"OK"
        wait_until(lambda: info(b)["role"] == "master" and info(a)["role"] == "slave")
        wait_until(lambda: info(a)["master_link_status"] == "up" and info(a)["master_failover_state"] == "no-failover")
        assert info(a)["master_port"] == port_of(b)
        assert b.get("k") == b"2"
        with pytest.raises(redis.ReadOnlyError):
            a.set("k", 3)
        b.set("k", 4)
        wait_until(lambda: a.get("k") == b"4")
        assert info(b, "stats")["sync_partial_ok"] == 1 and info(b, "stats")["sync_full"] == 0


def test_failover_times_out_when_the_replica_does_not_catch_up(tmp_path: Path) -> None:
    import signal

    (tmp_path / "m").mkdir()
    (tmp_path / "r").mkdir()
    with redvector(tmp_path / "m", "--appendonly", "no", "--save", "") as (_, a), \
            redvector(tmp_path / "r", "--appendonly", "no", "--save", "") as (b_proc, b):
        b.execute_command("REPLICAOF", "127.0.0.1", port_of(a))
        wait_until(lambda: synced(a, b))
        b_proc.send_signal(signal.SIGSTOP)  # the replica stops acknowledging
        try:
            a.set("k", "unacknowledged")
            assert a.execute_command("FAILOVER", "TIMEOUT", 300) == b"OK"
            assert info(a)["master_failover_state"] == "waiting-for-sync"
            with pytest.raises(redis.ResponseError, match=r"^FAILOVER already in progress\.$"):
                a.execute_command("FAILOVER")
            writer = redis.Redis(port=port_of(a), socket_timeout=10)
            started = time.monotonic()
            assert writer.set("held", 1)  # paused until the failover gives up
            assert time.monotonic() - started > 0.15
            assert info(a)["master_failover_state"] == "no-failover" and info(a)["role"] == "master"
            writer.close()
        finally:
            b_proc.send_signal(signal.SIGCONT)
        wait_until(lambda: synced(a, b))  # the replica resumes and gets what was written meanwhile
        assert b.get("k") == b"unacknowledged" and b.get("held") == b"1"


def test_failover_between_redvector_and_redis_7(tmp_path: Path) -> None:
    """Redis 7.0 takes over from a RedVector master, then hands back with its own FAILOVER."""
    (tmp_path / "m").mkdir()
    with redvector(tmp_path / "m", "--appendonly", "no", "--save", "") as (_, ours), \
            debian_redis(tmp_path) as theirs:
        fill(ours, stream=False)
        theirs.execute_command("REPLICAOF", "127.0.0.1", port_of(ours))
        wait_until(lambda: synced(ours, theirs))
        assert ours.execute_command("FAILOVER") == b"OK"
        wait_until(lambda: info(theirs)["role"] == "master" and info(ours).get("master_link_status") == "up")
        theirs.set("from-redis", 1)
        wait_until(lambda: ours.get("from-redis") == b"1")
        same_data(theirs, ours)
        assert theirs.execute_command("FAILOVER") == b"OK"
        wait_until(lambda: info(ours)["role"] == "master" and info(theirs).get("master_link_status") == "up")
        ours.set("from-redvector", 1)
        wait_until(lambda: theirs.get("from-redvector") == b"1")
        same_data(ours, theirs)


def test_a_replica_persists_what_it_replicated(tmp_path: Path) -> None:
    """A replica with the AOF on keeps the master's data across its restart: the AOF is rewritten from
    the loaded image, and the stream's writes follow it."""
    (tmp_path / "m").mkdir()
    (tmp_path / "r").mkdir()
    with redvector(tmp_path / "m", "--appendonly", "no", "--save", "") as (_, master):
        master.set("from-image", 1)
        master.hset("h", mapping={"a": 1})
        with redvector(tmp_path / "r", "--appendonly", "yes") as (_, replica):
            replica.set("stale", 1)  # replaced by the master's data
            replica.execute_command("REPLICAOF", "127.0.0.1", port_of(master))
            wait_until(lambda: synced(master, replica))
            master.set("from-stream", 2)
            master.hincrby("h", "a", 5)
            wait_until(lambda: synced(master, replica))
            wait_until(lambda: info(replica, "persistence")["aof_rewrite_in_progress"] == 0)
        with redvector(tmp_path / "r", "--appendonly", "yes") as (_, restarted):
            assert sorted(restarted.keys("*")) == [b"from-image", b"from-stream", b"h"]
            assert restarted.hget("h", "a") == b"6"


def test_redis_sentinel_fails_over_a_redvector_master(tmp_path: Path) -> None:
    """Redis Sentinel (Debian's redis-server --sentinel) monitors a RedVector master and its replica,
    and promotes the replica when the master dies; redis-py's Sentinel client follows it."""
    from redis.sentinel import Sentinel

    if REDIS_SERVER is None:
        pytest.skip("redis-server (Debian's Redis 7.0) is not installed")
    (tmp_path / "m").mkdir()
    (tmp_path / "r").mkdir()
    with redvector(tmp_path / "m", "--appendonly", "no", "--save", "") as (master_proc, master), \
            redvector(tmp_path / "r", "--appendonly", "no", "--save", "") as (_, replica):
        replica.execute_command("REPLICAOF", "127.0.0.1", port_of(master))
        wait_until(lambda: synced(master, replica))
        sentinel_port = free_port()
        conf = tmp_path / "sentinel.conf"
        conf.write_text(f"port {sentinel_port}\ndir {tmp_path}\n"
                        f"sentinel monitor mymaster 127.0.0.1 {port_of(master)} 1\n"
                        "sentinel down-after-milliseconds mymaster 1000\nsentinel failover-timeout mymaster 10000\n")
        proc = subprocess.Popen([REDIS_SERVER, str(conf), "--sentinel"], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        try:
            wait_for_ping(sentinel_port, 15)
            sentinel = Sentinel([("127.0.0.1", sentinel_port)], socket_timeout=5)
            wait_until(lambda: sentinel.discover_slaves("mymaster") == [("127.0.0.1", port_of(replica))])
            writer = sentinel.master_for("mymaster", socket_timeout=5)
            writer.set("before", 1)
            wait_until(lambda: replica.get("before") == b"1")
            master_proc.kill()
            wait_until(lambda: sentinel.discover_master("mymaster") == ("127.0.0.1", port_of(replica)),
                       timeout=30)
            assert info(replica)["role"] == "master"
            wait_until(lambda: writer.set("after", 2))  # the client reconnects to the promoted replica
            assert replica.get("after") == b"2" and replica.get("before") == b"1"
        finally:
            proc.terminate()
            proc.wait(15)


def test_a_cut_off_replica_can_refuse_stale_reads(tmp_path: Path) -> None:
    """replica-serve-stale-data no: while the link is down only stale-flagged commands run (INFO,
    REPLICAOF...), the others answer MASTERDOWN, as Redis does (PING included)."""
    (tmp_path / "r").mkdir()
    with redvector(tmp_path / "r", "--appendonly", "no", "--save", "", "--replica-serve-stale-data", "no") \
            as (_, replica):
        replica.set("k", 1)
        replica.execute_command("REPLICAOF", "127.0.0.1", free_port())  # nobody there
        for command in (["GET", "k"], ["PING"], ["FT._LIST"]):
            with pytest.raises(redis.exceptions.MasterDownError, match=r"^Link with MASTER is down"):
                replica.execute_command(*command)
        with pytest.raises(redis.ReadOnlyError):
            replica.set("k", 2)
        assert info(replica)["master_link_status"] == "down"
        replica.config_set("replica-serve-stale-data", "yes")
        assert replica.get("k") == b"1"
        replica.config_set("replica-serve-stale-data", "no")
        replica.execute_command("REPLICAOF", "NO", "ONE")
        assert replica.get("k") == b"1"


def test_a_replica_that_fell_behind_the_backlog_copies_everything_again(tmp_path: Path) -> None:
    """With repl-backlog-size 16kb, a replica away while 100 KB were written cannot continue: PSYNC is
    refused (sync_partial_err) and it gets a full copy; one away for a few bytes continues."""
    with pair(tmp_path) as (master, replica):
        master.config_set("repl-backlog-size", "16kb")
        replica.execute_command("REPLICAOF", "127.0.0.1", port_of(master))
        wait_until(lambda: synced(master, replica))

        def drop_link() -> None:
            ids = [c["id"] for c in master.client_list(_type="replica")]
            master.execute_command("CLIENT", "KILL", "ID", ids[0])

        drop_link()
        master.set("small", 1)
        wait_until(lambda: synced(master, replica) and replica.get("small") == b"1")
        drop_link()
        with master.pipeline(transaction=False) as pipe:
            for i in range(1000):
                pipe.set(f"big:{i}", "x" * 100)
            pipe.execute()
        wait_until(lambda: synced(master, replica) and replica.dbsize() == master.dbsize())
        stats, repl = info(master, "stats"), info(master)
        # partial errors: the first PSYNC (the replica's own id, as a Redis 7 master turned replica sends)
        # and the one that fell behind
        assert (stats["sync_full"], stats["sync_partial_ok"], stats["sync_partial_err"]) == (2, 1, 2)
        assert 16384 <= repl["repl_backlog_histlen"] < 16384 + 200
        assert repl["repl_backlog_first_byte_offset"] + repl["repl_backlog_histlen"] == repl["master_repl_offset"] + 1
        assert replica.get("big:999") == b"x" * 100


def test_random_writes_leave_replicas_identical(tmp_path: Path) -> None:
    """Seeded random commands (the random differential test's, plus random picks, short expiries,
    transactions and scripts) on a RedVector master; a RedVector replica and a Redis 7.0 replica end with
    the master's data, key by key."""
    import random

    from tests.commands.test_random_differential import GENERATORS

    extra = [
        lambda rnd: [b"SPOP", rnd.choice([b"k1", b"k2", b"k3"])],
        lambda rnd: [b"PEXPIRE", rnd.choice([b"k1", b"k2", b"k3"]), rnd.choice([b"5", b"50", b"100000"])],
        lambda rnd: [b"SET", b"tmp%d" % rnd.randrange(5), b"v", b"PX", rnd.choice([b"5", b"20"])],
        lambda rnd: [b"EVAL", b"return redis.call('SPOP', KEYS[1])", b"1", rnd.choice([b"k1", b"k2", b"k3"])],
        lambda rnd: [b"SRANDMEMBER", rnd.choice([b"k1", b"k2"]), b"2"],
    ]
    rnd = random.Random(7)
    (tmp_path / "m").mkdir()
    (tmp_path / "r").mkdir()
    with redvector(tmp_path / "m", "--appendonly", "no", "--save", "") as (_, master), \
            redvector(tmp_path / "r", "--appendonly", "no", "--save", "") as (_, replica), \
            debian_redis(tmp_path) as redis_replica:
        replica.execute_command("REPLICAOF", "127.0.0.1", port_of(master))
        wait_until(lambda: synced(master, replica))
        redis_replica.execute_command("REPLICAOF", "127.0.0.1", port_of(master))
        wait_until(lambda: synced(master, redis_replica))
        for step in range(3000):
            commands = [rnd.choice(GENERATORS + extra)(rnd) for _ in range(rnd.choice([1, 1, 1, 3]))]
            if len(commands) > 1:
                commands = [[b"MULTI"], *commands, [b"EXEC"]]
            for command in commands:
                try:
                    master.execute_command(*command)
                except redis.ResponseError:
                    pass
            if step % 500 == 0:
                redis.Redis(port=port_of(master), db=rnd.randrange(3)).set(b"db-key", step)
        time.sleep(0.1)  # the short expiries happen (and reach the replicas as DEL)
        master.execute_command("PING")
        wait_until(lambda: synced(master, replica) and synced(master, redis_replica))
        same_data(master, replica, dbs=(0, 1, 2))
        same_data(master, redis_replica, dbs=(0, 1, 2))
