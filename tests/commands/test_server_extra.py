"""Server commands: INFO sections, ROLE, MODULE, MEMORY, DEBUG, LOLWUT, FUNCTION, LASTSAVE, SHUTDOWN and
a clean exit on SIGTERM (the last two through a subprocess server)."""

from __future__ import annotations

import signal
import socket
import threading
import time

import pytest
import redis

from tests.serverutil import ThreadedServer, subprocess_server


def test_info_sections_and_fields(r: redis.Redis) -> None:
    r.set("a", 1, ex=100)
    r.get("a")
    r.get("missing")
    info = r.info("everything")
    for field in ("redis_version", "redvector_version", "process_id", "tcp_port", "uptime_in_seconds",
                  "connected_clients", "blocked_clients", "used_memory", "used_memory_rss", "maxmemory_policy",
                  "rdb_changes_since_last_save", "aof_enabled", "total_commands_processed",
                  "instantaneous_ops_per_sec", "keyspace_hits", "keyspace_misses", "role", "master_replid",
                  "used_cpu_sys", "used_cpu_user", "cluster_enabled"):
        assert field in info, field
    assert str(info["redis_version"]).startswith("7.")
    assert info["db0"]["keys"] == 1 and info["db0"]["expires"] == 1
    assert info["keyspace_hits"] >= 1 and info["keyspace_misses"] >= 1
    assert info["modules"][0]["name"] == "search" and info["modules"][0]["ver"] == 21005
    assert set(r.info("keyspace")) == {"db0"}
    assert "role" in r.info("replication") and "used_memory" not in r.info("replication")


def test_info_keyspace_avg_ttl(r: redis.Redis) -> None:
    """avg_ttl is Redis's running estimate of the TTLs active expiry samples (ms): near the keys' TTL once
    the cycle has sampled them, 0 again once no key is volatile, and it follows its database on SWAPDB."""
    for i in range(50):
        r.set(f"k{i}", 1, px=100_000 + i)
    r.set("plain", 1)
    deadline = time.monotonic() + 5
    while r.info("keyspace")["db0"]["avg_ttl"] == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    avg = r.info("keyspace")["db0"]["avg_ttl"]
    assert 90_000 < avg <= 100_049, avg
    r.swapdb(0, 1)
    keyspace = r.info("keyspace")
    assert keyspace["db1"]["avg_ttl"] == avg or 90_000 < keyspace["db1"]["avg_ttl"] <= avg
    assert "db0" not in keyspace
    r.swapdb(0, 1)
    for i in range(50):
        r.persist(f"k{i}")
    deadline = time.monotonic() + 5
    while r.info("keyspace")["db0"]["avg_ttl"] != 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert r.info("keyspace")["db0"] == {"keys": 51, "expires": 0, "avg_ttl": 0, "subexpiry": 0}


def test_info_errorstats(r: redis.Redis) -> None:
    r.config_resetstat()
    with pytest.raises(redis.ResponseError):
        r.execute_command("NOSUCHCOMMAND")
    assert r.info("errorstats")["errorstat_ERR"] == {"count": 1}


def test_role_module_lastsave(r: redis.Redis) -> None:
    assert r.execute_command("ROLE") == [b"master", 0, []]
    modules = r.module_list()
    assert modules[0][b"name"] == b"search" and modules[0][b"ver"] == 21005
    assert abs(r.lastsave().timestamp() - time.time()) < 7 * 86400 * 1000
    with pytest.raises(redis.ResponseError, match=r"unknown subcommand 'FOO'\. Try MODULE HELP\."):
        r.execute_command("MODULE", "FOO")


def test_memory_commands(r: redis.Redis) -> None:
    r.set("small", "x")
    r.set("big", "x" * 10_000)
    small, big = r.memory_usage("small"), r.memory_usage("big")
    assert 0 < small < big and big >= 10_000
    assert r.memory_usage("missing") is None
    with pytest.raises(redis.ResponseError, match="value is not an integer"):
        r.execute_command("MEMORY", "USAGE", "small", "SAMPLES", "x")
    with pytest.raises(redis.ResponseError, match="syntax error"):
        r.execute_command("MEMORY", "USAGE", "small", "FOO", "1")
    assert "Sam" in str(r.execute_command("MEMORY", "DOCTOR"))
    stats = r.memory_stats()
    assert stats["keys.count"] == 2
    with pytest.raises(redis.ResponseError, match=r"unknown subcommand 'FOO'\. Try MEMORY HELP\."):
        r.execute_command("MEMORY", "FOO")


def test_memory_usage_counts_shared_hash_values_once(r: redis.Redis) -> None:
    """Short values repeated across hashes are one shared object (keyspace/shared.py): a hash of ten
    such values is estimated well below the same hash with values too long to share, while INFO's
    used_memory follows the same estimate."""
    fields = [f"field{i}" for i in range(10)]
    for n in range(3):
        r.hset(f"short:{n}", mapping={f: "blue" for f in fields})
        r.hset(f"long:{n}", mapping={f: f"{'y' * 30}{n}{f}" for f in fields})
    short, long_ = r.memory_usage("short:2", samples=0), r.memory_usage("long:2", samples=0)
    assert short + 10 * 40 <= long_
    assert r.hgetall("short:2") == {f.encode(): b"blue" for f in fields}
    r.hset("short:2", "field0", "green")  # a value changed in one hash leaves the others alone
    assert r.hget("short:1", "field0") == b"blue" and r.hget("short:2", "field0") == b"green"


def test_debug_sleep_blocks_the_server(server: ThreadedServer, r: redis.Redis) -> None:
    other = redis.Redis(port=server.port)
    other.ping()
    t = threading.Thread(target=lambda: r.execute_command("DEBUG", "SLEEP", "0.3"))
    t.start()
    time.sleep(0.05)
    start = time.monotonic()
    assert other.ping()
    assert time.monotonic() - start >= 0.15  # the other client waited for the sleep to end
    t.join()
    other.close()
    with pytest.raises(redis.ResponseError,
                       match=r"unknown subcommand or wrong number of arguments for 'FOO'\. Try DEBUG HELP\."):
        r.execute_command("DEBUG", "FOO")


def test_lolwut_function_flush(r: redis.Redis) -> None:
    art = r.execute_command("LOLWUT")
    assert "ver. 7." in (art.decode() if isinstance(art, bytes) else str(art))
    assert r.function_flush() in (True, b"OK", "OK")
    assert r.function_list() == []
    with pytest.raises(redis.ResponseError, match=r"FUNCTION FLUSH only supports SYNC\|ASYNC option"):
        r.execute_command("FUNCTION", "FLUSH", "NOW")


def test_shutdown_errors(r: redis.Redis) -> None:
    with pytest.raises(redis.ResponseError, match=r"No shutdown in progress\."):
        r.execute_command("SHUTDOWN", "ABORT")
    with pytest.raises(redis.ResponseError, match="syntax error"):
        r.execute_command("SHUTDOWN", "NOSAVE", "SAVE")
    with pytest.raises(redis.ResponseError, match="syntax error"):
        r.execute_command("SHUTDOWN", "FOO")


def test_shutdown_command_stops_the_server() -> None:
    with subprocess_server(["--appendonly", "no", "--save", ""]) as (proc, port):
        client = redis.Redis(port=port)
        client.set("a", 1)
        with pytest.raises(redis.ConnectionError):
            client.execute_command("SHUTDOWN", "NOSAVE")
        assert proc.wait(15) == 0


def test_sigterm_clean_shutdown() -> None:
    with subprocess_server(["--appendonly", "no", "--save", ""]) as (proc, port):
        idle = socket.create_connection(("127.0.0.1", port), timeout=5)
        client = redis.Redis(port=port)
        # A pipelined batch is answered completely before the process exits.
        pipe = client.pipeline(transaction=False)
        for i in range(2000):
            pipe.set(f"k{i}", i)
        assert len(pipe.execute()) == 2000
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(15) == 0
        assert idle.recv(64) == b""  # clients are closed, not left hanging
        idle.close()
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", port), timeout=1)
        out = proc.stdout.read().decode() if proc.stdout else ""
        assert "ready" in out
