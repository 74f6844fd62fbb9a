"""Helpers for persistence tests: RedVector subprocesses in a temporary data directory."""

from __future__ import annotations

import math
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import redis

from redvector.keyspace.types import ZSet
from redvector.persistence.rdb import load_rdb
from tests.serverutil import free_port, subprocess_server

REDIS_SERVER = shutil.which("redis-server")
REDIS_CHECK_RDB = shutil.which("redis-check-rdb")


@contextmanager
def redvector(data_dir: Path, *args: str) -> Iterator[tuple[subprocess.Popen[bytes], redis.Redis]]:
    """A RedVector subprocess with ``--dir data_dir``; stopped with SIGTERM (final save) on exit."""
    with subprocess_server(["--dir", str(data_dir), *args], cwd=data_dir.parent) as (proc, port):
        client = redis.Redis(port=port, socket_timeout=20)
        try:
            yield proc, client
        finally:
            client.close()
            stop(proc)


_outputs: dict[int, str] = {}


def stop(proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> str:
    """Stop the server (SIGTERM: clean shutdown; SIGKILL: crash) and return all its output."""
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    if proc.stdout and not proc.stdout.closed:
        _outputs[proc.pid] = _outputs.get(proc.pid, "") + proc.stdout.read().decode(errors="replace")
    return _outputs.get(proc.pid, "")


def run_to_exit(data_dir: Path, *args: str, timeout: float = 30) -> tuple[int, str]:
    """Start RedVector expecting it to fail at startup: (exit code, output)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2]) + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.run(
        [sys.executable, "-m", "redvector", "--port", str(free_port()), "--rest-port", "0", "--grpc-port", "0",
         "--qdrant-port", "0", "--qdrant-grpc-port", "0", "--dir", str(data_dir), *args],
        env=env, capture_output=True, timeout=timeout, cwd=data_dir.parent,
    )
    return proc.returncode, (proc.stdout + proc.stderr).decode(errors="replace")


def aof_files(data_dir: Path) -> dict[str, Path]:
    """The AOF directory's files by kind: 'manifest', 'base', 'incr' (the last incr file)."""
    aof_dir = data_dir / "appendonlydir"
    out: dict[str, Path] = {"manifest": aof_dir / "appendonly.aof.manifest"}
    for line in out["manifest"].read_text().splitlines():
        parts = line.split()
        kind = {"b": "base", "i": "incr"}.get(parts[5])
        if kind:
            out[kind] = aof_dir / parts[1]
    return out


def wait_until(predicate: object, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(predicate) and predicate():
            return
        time.sleep(0.05)
    raise AssertionError("condition not reached in time")


def redis_contents(r: redis.Redis) -> dict[tuple[int, bytes], tuple[Any, int]]:
    """Every key of every non-empty db as (value, pexpiretime) read with type-specific commands."""
    out: dict[tuple[int, bytes], tuple[Any, int]] = {}
    for db in range(16):
        r.execute_command("SELECT", db)
        for key in r.keys("*"):
            kind = r.type(key)
            value: Any
            if kind == b"string":
                value = r.get(key)
            elif kind == b"list":
                value = r.lrange(key, 0, -1)
            elif kind == b"hash":
                value = r.hgetall(key)
            elif kind == b"set":
                value = r.smembers(key)
            else:
                value = [(m, float(s)) for m, s in r.zrange(key, 0, -1, withscores=True)]
            out[(db, key)] = (value, r.pexpiretime(key))
    r.execute_command("SELECT", 0)
    return out


def rdb_contents(path: Path) -> dict[tuple[int, bytes], tuple[Any, int]]:
    out: dict[tuple[int, bytes], tuple[Any, int]] = {}

    def on_entry(db: int, key: bytes, value: Any, expire_at_ms: int | None) -> None:
        if isinstance(value, ZSet):
            value = [(m, s) for s, m in value]
        elif not isinstance(value, (bytes, dict, set)):
            value = list(value)
        out[(db, key)] = (value, -1 if expire_at_ms is None else expire_at_ms)

    load_rdb(path.read_bytes(), on_entry)
    return out


def fill_with_every_encoding(r: redis.Redis) -> None:
    """Small values (listpack/intset) and large ones (quicklist/hashtable/skiplist), LZF strings."""
    p = r.pipeline(transaction=False)
    p.set("s", "hello").set("int", 123456).set("neg", -7).set("i64", 1234567890123)
    p.set("lzf", "abcd" * 5000).set("ttl", "t", px=10_000_000)
    p.rpush("lsmall", *[1, "x", -2]).rpush("lbig", *[f"item{i}" for i in range(3000)])
    p.rpush("lplain", "z" * 20000, "a")
    p.sadd("sint", *[i * 1000 for i in range(5)]).sadd("sstr", *["m1", "m2"])
    p.sadd("sbig", *[f"member{i}" for i in range(1000)])
    p.hset("hsmall", mapping={"f1": 1, "f2": "two"}).hset("hbig", mapping={f"f{i}": "v" * 80 for i in range(300)})
    p.zadd("zsmall", {"a": 1.5, "b": -2}).zadd("zbig", {f"m{i}": i / 7 for i in range(500)})
    p.zadd("zinf", {"lo": -math.inf, "hi": math.inf})
    p.execute_command("SELECT", 2).set("db2", "two").execute_command("SELECT", 0)
    p.execute()
