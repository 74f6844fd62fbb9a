"""redis-cli against RedVector: the inline and RESP2/RESP3 paths a real CLI uses (skipped without it)."""

from __future__ import annotations

import shutil
import subprocess

import pytest
import redis

from tests.serverutil import ThreadedServer

pytestmark = pytest.mark.skipif(shutil.which("redis-cli") is None, reason="redis-cli is not installed")


def cli(server: ThreadedServer, *args: str, stdin: str | None = None) -> str:
    done = subprocess.run(["redis-cli", "-p", str(server.port), *args], input=stdin, capture_output=True,
                          text=True, timeout=30)
    return done.stdout


def test_cli_basic_commands(server: ThreadedServer, r: redis.Redis) -> None:
    assert cli(server, "PING") == "PONG\n"
    assert cli(server, "SET", "cli:k", "hello world") == "OK\n"
    assert cli(server, "GET", "cli:k") == "hello world\n"
    assert cli(server, "INCR", "cli:n") == "1\n"
    assert cli(server, "GET", "missing") == "\n"
    assert "unknown command 'NOPE'" in cli(server, "NOPE")
    assert "redis_version:7." in cli(server, "INFO", "server")


def test_cli_resp3_and_pipe(server: ThreadedServer, r: redis.Redis) -> None:
    hello = cli(server, "-3", "HELLO", "3").splitlines()
    assert hello[:2] == ["server redis", "version 7.4.1"] and "proto 3" in hello
    out = cli(server, stdin="SET a 1\nGET a\nECHO \"x y\"\n")
    assert out.splitlines() == ["OK", "1", "x y"]


def test_cli_scan_and_client_list(server: ThreadedServer, r: redis.Redis) -> None:
    r.mset({f"scan:{i}": i for i in range(50)})
    keys = cli(server, "--scan", "--pattern", "scan:*").split()
    assert sorted(keys) == sorted(f"scan:{i}" for i in range(50))
    assert "cmd=client" in cli(server, "CLIENT", "LIST")
