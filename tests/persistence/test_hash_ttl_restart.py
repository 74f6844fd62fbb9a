"""Hash field TTLs (HEXPIRE ...) survive restarts through the AOF and through RDB snapshots, and
Redis can load the snapshot."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

from tests.persistence.helpers import REDIS_CHECK_RDB, redvector, wait_until

FAR = 4102444800


def _write(r) -> dict[str, list[int]]:  # type: ignore[no-untyped-def]
    r.hset("h", mapping={"a": "1", "b": "2", "c": "3", "soon": "x"})
    r.hexpireat("h", FAR, "a")
    r.hexpire("h", 1000, "b")
    r.hpexpire("h", 150, "soon")
    r.hset("big", mapping={f"f{i}": "v" * 100 for i in range(200)})
    r.hexpireat("big", FAR, "f3")
    r.hset("gone", "only", "1")
    r.hpexpire("gone", 150, "only")
    r.hset("persisted", mapping={"p": "1"})
    r.hexpire("persisted", 1000, "p")
    r.hpersist("persisted", "p")
    return {key: r.hpexpiretime(key, *fields) for key, fields in
            (("h", ("a", "b", "c")), ("big", ("f3", "f4")), ("persisted", ("p",)))}


def _check(r, expected: dict[str, list[int]]) -> None:  # type: ignore[no-untyped-def]
    for key, fields in (("h", ("a", "b", "c")), ("big", ("f3", "f4")), ("persisted", ("p",))):
        assert r.hpexpiretime(key, *fields) == expected[key], key
    assert r.hgetall("h") == {b"a": b"1", b"b": b"2", b"c": b"3"}  # "soon" expired meanwhile
    assert not r.exists("gone")
    assert r.hlen("big") == 200


def test_aof_replays_field_ttls_as_absolute_times_and_expired_fields_as_hdel(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with redvector(data, "--appendonly", "yes", "--save", "") as (_, r):
        expected = _write(r)
        time.sleep(0.3)
        assert r.hget("h", "soon") is None  # expired: logged as HDEL
        r.execute_command("WAITAOF", 1, 0, 0)
    logged = b"".join(p.read_bytes() for p in (data / "appendonlydir").glob("*.incr.aof"))
    assert b"HPEXPIREAT" in logged and b"HEXPIRE\r\n" not in logged
    assert b"$4\r\nHDEL\r\n$1\r\nh\r\n$4\r\nsoon\r\n" in logged
    with redvector(data, "--appendonly", "yes", "--save", "") as (_, r):
        _check(r, expected)
        r.bgrewriteaof()  # the rewritten base is an RDB image: the TTLs go into it
        wait_until(lambda: r.info("persistence")["aof_rewrite_in_progress"] == 0)
        assert any(p.read_bytes()[:9] == b"REDIS0012" for p in (data / "appendonlydir").glob("*.base.rdb"))
    with redvector(data, "--appendonly", "yes", "--save", "") as (_, r):
        _check(r, expected)


def test_snapshot_keeps_field_ttls_and_redis_reads_it(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with redvector(data, "--appendonly", "no", "--save", "") as (_, r):
        expected = _write(r)
        r.save()
    time.sleep(0.3)  # "soon" and "gone" pass their deadline while the server is down
    rdb = data / "dump.rdb"
    assert rdb.read_bytes()[:9] == b"REDIS0012"  # field TTLs need Redis 7.4's RDB 12
    with redvector(data, "--appendonly", "no", "--save", "") as (_, r):
        _check(r, expected)
        r.hpersist("h", "a", "b")
        r.hpersist("big", "f3")
        r.save()
    assert rdb.read_bytes()[:9] == b"REDIS0010"  # none left: the file Redis 7.0 reads
    if REDIS_CHECK_RDB is None:
        pytest.skip("redis-check-rdb is not installed")
    check = subprocess.run([REDIS_CHECK_RDB, str(rdb)], capture_output=True, text=True, timeout=60)
    assert check.returncode == 0, check.stdout + check.stderr
