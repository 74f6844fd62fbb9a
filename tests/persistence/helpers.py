"""Helpers for persistence tests: RedVector subprocesses in a temporary data directory."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import redis

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
        [sys.executable, "-m", "redvector", "--port", str(free_port()), "--dir", str(data_dir), *args],
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
