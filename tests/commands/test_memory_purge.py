"""MEMORY PURGE gives the heap's free pages back to the kernel (glibc's malloc_trim), as Redis's asks
jemalloc to: after large values between small ones are deleted, the RSS falls only on PURGE."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import redis

from tests.serverutil import subprocess_server


def rss_mb(pid: int) -> float:
    return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * 4096 / 1e6


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_memory_purge_returns_freed_heap_pages() -> None:
    with subprocess_server(["--appendonly", "no", "--save", ""]) as (proc, port):
        r = redis.Redis(port=port, protocol=2)
        pipe = r.pipeline(transaction=False)
        for i in range(5000):  # 100 MB of 20 KB values, each followed by a small key that stays
            pipe.set(f"big:{i}", b"x" * 20_000)
            pipe.set(f"small:{i}", b"y" * 40)
        pipe.execute()
        r.delete(*[f"big:{i}" for i in range(5000)])
        before = rss_mb(proc.pid)
        assert r.execute_command("MEMORY", "PURGE") == b"OK"
        after = rss_mb(proc.pid)
        assert before - after > 25, (before, after)
        assert r.dbsize() == 5000 and r.get("small:4999") == b"y" * 40
