"""RDB snapshots: SAVE/BGSAVE/LASTSAVE, save rules, the final save on SIGTERM, and interoperability with
Debian's redis-server in both directions (skipped with a message when it is not installed)."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
import redis

from tests.persistence.helpers import (
    REDIS_CHECK_RDB,
    REDIS_SERVER,
    fill_with_every_encoding,
    rdb_contents,
    redis_contents,
    redvector,
    stop,
    wait_until,
)
from tests.serverutil import free_port, wait_for_ping

RDB_ONLY = ("--appendonly", "no")
needs_redis = pytest.mark.skipif(REDIS_SERVER is None, reason="redis-server is not installed (CI installs it)")


def test_save_lastsave_and_restart(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with redvector(data, *RDB_ONLY, "--save", "") as (_, r):
        r.set("k", "v")
        r.set("ttl", "t", ex=500)
        r.execute_command("SELECT", 5)
        r.set("db5", "five")
        r.execute_command("SELECT", 0)
        before = r.info("persistence")["rdb_last_save_time"]
        time.sleep(1.05)
        assert r.save() is True
        after = r.info("persistence")["rdb_last_save_time"]
        assert after > before
        try:
            assert r.lastsave().timestamp() == after  # LASTSAVE lives in commands/server_extra.py
        except redis.ResponseError as exc:
            assert "unknown command" in str(exc)
        assert r.info("persistence")["rdb_changes_since_last_save"] == 0
        r.set("after-save", "lost")  # no save rules, no AOF: not persisted
    with redvector(data, *RDB_ONLY, "--save", "") as (_, r):
        assert r.get("k") == b"v"
        assert 0 < r.ttl("ttl") <= 500
        assert r.get("after-save") is None
        r.execute_command("SELECT", 5)
        assert r.get("db5") == b"five"


def test_bgsave_reports_progress_and_writes_a_checkable_dump(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with redvector(data, *RDB_ONLY, "--save", "") as (_, r):
        r.mset({f"key:{i}": f"value:{i}" * 10 for i in range(2000)})
        assert r.bgsave() is True
        wait_until(lambda: r.info("persistence")["rdb_bgsave_in_progress"] == 0)
        info = r.info("persistence")
        assert info["rdb_last_bgsave_status"] == "ok" and info["rdb_saves"] == 1
    dump = data / "dump.rdb"
    assert dump.exists() and not list(data.glob("temp-*"))
    if REDIS_CHECK_RDB is None:
        pytest.skip("redis-check-rdb is not installed (CI installs it)")
    check = subprocess.run([REDIS_CHECK_RDB, str(dump)], capture_output=True, text=True, timeout=60)
    assert "RDB looks OK" in check.stdout, check.stdout


def test_save_rule_triggers_a_background_save(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with redvector(data, *RDB_ONLY, "--save", "1 2") as (_, r):
        r.set("a", "1")
        r.set("b", "2")
        wait_until(lambda: r.info("persistence")["rdb_saves"] >= 1, timeout=10)
        assert (data / "dump.rdb").exists()


def test_sigterm_saves_when_save_rules_are_set_and_shutdown_nosave_semantics(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with redvector(data, *RDB_ONLY, "--save", "3600 1") as (proc, r):
        r.set("final", "saved on SIGTERM")
    assert "Saving the final RDB snapshot" in stop(proc)
    with redvector(data, *RDB_ONLY, "--save", "") as (_, r):
        assert r.get("final") == b"saved on SIGTERM"
        r.set("final", "changed")
    with redvector(data, *RDB_ONLY, "--save", "") as (_, r):  # no rules: no final save
        assert r.get("final") == b"saved on SIGTERM"


def test_bgsave_errors_and_scheduling(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with redvector(data, *RDB_ONLY, "--save", "") as (_, r):
        with pytest.raises(redis.ResponseError, match="syntax error"):
            r.execute_command("BGSAVE", "NOW")
        r.set("k", "v")
        assert r.execute_command("BGSAVE", "SCHEDULE") is True  # redis-py maps "+Background saving started"
        wait_until(lambda: r.info("persistence")["rdb_bgsave_in_progress"] == 0)
        with pytest.raises(redis.ResponseError, match="not allowed"), r.pipeline(transaction=True) as pipe:
            pipe.execute_command("SAVE")
            pipe.execute()


# -- interoperability with redis-server ------------------------------------------------------------------
def _start_redis(directory: Path) -> tuple[subprocess.Popen[bytes], redis.Redis]:
    assert REDIS_SERVER is not None
    port = free_port()
    proc = subprocess.Popen(
        [REDIS_SERVER, "--port", str(port), "--dir", str(directory), "--save", "", "--appendonly", "no",
         "--bind", "127.0.0.1"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    wait_for_ping(port, 15, proc)
    return proc, redis.Redis(port=port)


def _stop_redis(proc: subprocess.Popen[bytes], client: redis.Redis) -> None:
    client.close()
    proc.terminate()
    proc.wait(15)


@needs_redis
def test_rdb_written_by_redis_loads_into_redvector(tmp_path: Path) -> None:
    redis_dir = tmp_path / "redis"
    redis_dir.mkdir()
    proc, rr = _start_redis(redis_dir)
    try:
        fill_with_every_encoding(rr)
        assert rr.object("encoding", "lsmall") == b"listpack" or rr.object("encoding", "lsmall") == b"quicklist"
        assert rr.object("encoding", "sint") == b"intset"
        assert rr.object("encoding", "zbig") == b"skiplist"
        expected = redis_contents(rr)
        rr.save()
    finally:
        _stop_redis(proc, rr)
    assert rdb_contents(redis_dir / "dump.rdb") == expected
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(redis_dir / "dump.rdb", data / "dump.rdb")
    with redvector(data, *RDB_ONLY, "--save", "") as (_, r):
        assert r.dbsize() == sum(1 for db, _ in expected if db == 0)
        assert r.get("lzf") == b"abcd" * 5000 and r.get("i64") == b"1234567890123"
        assert r.pexpiretime("ttl") == expected[(0, b"ttl")][1]
        for (db, key), _ in expected.items():
            r.execute_command("SELECT", db)
            assert r.type(key) == rr_type(expected[(db, key)][0])


def rr_type(value: Any) -> bytes:
    """The Redis type name of a value as _redis_contents reads it."""
    if isinstance(value, (bytes, dict, set)):
        return {bytes: b"string", dict: b"hash", set: b"set"}[type(value)]
    return b"zset" if isinstance(value[0], tuple) else b"list"


@needs_redis
def test_rdb_written_by_redvector_loads_into_redis(tmp_path: Path) -> None:
    # Fill Redis, load its dump into RedVector, SAVE from RedVector, load that into a fresh Redis.
    redis_dir = tmp_path / "redis"
    redis_dir.mkdir()
    proc, rr = _start_redis(redis_dir)
    try:
        fill_with_every_encoding(rr)
        expected = redis_contents(rr)
        rr.save()
    finally:
        _stop_redis(proc, rr)
    data = tmp_path / "data"
    data.mkdir()
    shutil.move(str(redis_dir / "dump.rdb"), data / "dump.rdb")
    with redvector(data, *RDB_ONLY, "--save", "") as (_, r):
        r.set("from-redvector", "yes")
        r.save()
    expected[(0, b"from-redvector")] = (b"yes", -1)
    if REDIS_CHECK_RDB is not None:
        check = subprocess.run([REDIS_CHECK_RDB, str(data / "dump.rdb")], capture_output=True, text=True, timeout=60)
        assert "RDB looks OK" in check.stdout, check.stdout
    back_dir = tmp_path / "back"
    back_dir.mkdir()
    shutil.copy(data / "dump.rdb", back_dir / "dump.rdb")
    proc, rr = _start_redis(back_dir)
    try:
        assert redis_contents(rr) == expected
    finally:
        _stop_redis(proc, rr)


# shared/ sits beside the repository (CI) or beside the worktrees' folder (developers).
STACK_TOOL = next((p / "shared" / "tools" / "redis-stack.sh" for p in Path(__file__).resolve().parents[3:5]
                   if (p / "shared" / "tools" / "redis-stack.sh").exists()), Path("/nonexistent"))
STACK_VENV = Path(os.environ.get("REDIS_STACK_VENV", Path(os.environ.get("TMPDIR", "/tmp")) / "redis-stack-venv"))


@pytest.mark.skipif(not STACK_TOOL.exists() or not (STACK_VENV / "bin" / "python").exists(),
                    reason="Redis Stack 7.4 is not installed (../shared/tools/redis-stack.sh start installs it)")
def test_rdb_v12_from_redis_stack_with_search_module_aux_loads(tmp_path: Path) -> None:
    port = free_port()
    stack_dir = tmp_path / "stack"
    subprocess.run([str(STACK_TOOL), "start", str(port), str(stack_dir)], check=True, capture_output=True,
                   timeout=120)
    rr = redis.Redis(port=port)
    try:
        fill_with_every_encoding(rr)
        rr.execute_command("FT.CREATE", "idx", "ON", "HASH", "PREFIX", "1", "h", "SCHEMA", "f1", "TEXT")
        expected = redis_contents(rr)
        rr.save()
    finally:
        rr.close()
        subprocess.run([str(STACK_TOOL), "stop", str(port), str(stack_dir)], capture_output=True, timeout=60)
    assert (stack_dir / "dump.rdb").read_bytes()[:9] == b"REDIS0012"
    assert rdb_contents(stack_dir / "dump.rdb") == expected  # RediSearch's module aux data holds no keys


@pytest.mark.parametrize("mode", ["rdb", "aof-base"])
def test_scan_and_randomkey_see_the_keys_a_dump_loaded(tmp_path: Path, mode: str) -> None:
    """Keys loaded from a dump (dump.rdb, or the AOF's RDB base after a rewrite) are in the key order
    SCAN and RANDOMKEY walk, and keys added later join them (the bug: SCAN returned none of them)."""
    data = tmp_path / "data"
    args = [*RDB_ONLY, "--save", ""] if mode == "rdb" else ["--appendonly", "yes", "--save", ""]
    keys = {f"k{i}".encode() for i in range(300)}
    with redvector(data, *args) as (_, r):
        r.mset({k: b"v" for k in keys})
        if mode == "rdb":
            assert r.save() is True
        else:
            r.bgrewriteaof()
            wait_until(lambda: r.info("persistence")["aof_rewrite_in_progress"] == 0
                       and r.info("persistence")["aof_rewrite_scheduled"] == 0)
    with redvector(data, *args) as (_, r):
        assert set(r.scan_iter(count=50)) == keys
        assert r.randomkey() in keys
        r.set("later", 1)
        r.delete("k0")
        assert set(r.scan_iter(count=50)) == (keys - {b"k0"}) | {b"later"}
