"""Redis Stack 7.4.1 as the reference server of differential tests (../shared/tools/redis-stack.sh).

``redis_stack(dir)`` starts it on a free loopback port with RediSearch (the script's own start), or with
RediSearch and RedisJSON (``json=True``: the script installs it, the server is started here with both
modules), and stops it afterwards. A test skips when the reference is not available or does not start;
REDVECTOR_NO_DIFFERENTIAL=1 skips them all.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis

# shared/ sits beside the repository (CI) or beside the worktrees' folder (developers); a clone made
# elsewhere finds the workplace's copy.
STACK_TOOL = next((p / "shared" / "tools" / "redis-stack.sh"
                   for p in [*Path(__file__).resolve().parents[1:4], Path("/work")]
                   if (p / "shared" / "tools" / "redis-stack.sh").exists()), Path("/nonexistent"))
SSL_LIB = Path(os.environ.get("REDIS_STACK_SSL", Path(os.environ.get("TMPDIR", "/tmp")) / "redis-stack-ssl11")) / "lib"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def redis_stack(directory: Path, json: bool = False, extra_args: tuple[str, ...] = ()) -> Iterator[int]:
    """The port of a running Redis Stack (RediSearch, plus RedisJSON with ``json``; ``extra_args``, such
    as ``--enable-debug-command yes``, need ``json``)."""
    if os.environ.get("REDVECTOR_NO_DIFFERENTIAL") or not STACK_TOOL.exists():
        pytest.skip("Redis Stack reference not available")
    port = free_port()
    directory.mkdir(parents=True, exist_ok=True)
    if not json:
        try:
            subprocess.run([str(STACK_TOOL), "start", str(port), str(directory)], check=True, capture_output=True,
                           timeout=180)
        except (subprocess.SubprocessError, OSError) as exc:
            pytest.skip(f"Redis Stack did not start: {exc}")
        try:
            yield port
        finally:
            subprocess.run([str(STACK_TOOL), "stop", str(port), str(directory)], capture_output=True, timeout=60)
        return
    try:
        stack = Path(subprocess.run([str(STACK_TOOL), "path"], check=True, capture_output=True, text=True,
                                    timeout=180).stdout.strip())
        proc = subprocess.Popen(
            [str(stack / "bin" / "redis-server"), "--bind", "127.0.0.1", "--port", str(port), "--save", "",
             "--appendonly", "no", "--dir", str(directory), "--loadmodule", str(stack / "lib" / "redisearch.so"),
             "MAXSEARCHRESULTS", "10000", "MAXAGGREGATERESULTS", "10000",
             "--loadmodule", str(stack / "lib" / "rejson.so"), *extra_args],
            env=dict(os.environ, LD_LIBRARY_PATH=str(SSL_LIB)), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except (subprocess.SubprocessError, OSError) as exc:
        pytest.skip(f"Redis Stack did not start: {exc}")
    try:
        client = redis.Redis(port=port)
        for _ in range(100):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if proc.poll() is not None:
                    pytest.skip("Redis Stack with RedisJSON exited at start")
                time.sleep(0.1)
        else:
            pytest.skip("Redis Stack with RedisJSON did not answer")
        client.close()
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=30)
