"""How close is RedVector's used_memory estimate to the process's real memory growth?

For each data set a fresh server (subprocess) is started, INFO memory is read, the data is loaded through
pipelines, and INFO is read again: the growth of used_memory (the estimate) is compared with the growth of
used_memory_rss (the process's resident set). The target is agreement within 20%.

    python bench/memory_bench.py [--scale 1.0]
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import redis

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(datadir: str) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen(
        [sys.executable, "-m", "redvector", "--port", str(port), "--appendonly", "no", "--save", "",
         "--dir", datadir],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if redis.Redis(port=port).ping():
                return proc, port
        except redis.ConnectionError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("server did not start")


def memory(r: redis.Redis) -> tuple[int, int]:
    info = r.info("memory")
    return int(info["used_memory"]), int(info["used_memory_rss"])


def load_strings(r: redis.Redis, n: int) -> None:
    pipe = r.pipeline(transaction=False)
    for i in range(n):
        pipe.set(f"key:{i:08d}", b"v" * 100)
        if i % 5000 == 4999:
            pipe.execute()
    pipe.execute()


def load_strings_ttl(r: redis.Redis, n: int) -> None:
    pipe = r.pipeline(transaction=False)
    for i in range(n):
        pipe.set(f"key:{i:08d}", b"v" * 40, ex=3600)
        if i % 5000 == 4999:
            pipe.execute()
    pipe.execute()


def load_zsets(r: redis.Redis, n: int) -> None:
    pipe = r.pipeline(transaction=False)
    for k in range(4):
        for i in range(0, n // 4, 500):
            pipe.zadd(f"z{k}", {f"member:{j:09d}": j * 1.5 for j in range(i, i + 500)})
            if i % 10000 == 0:
                pipe.execute()
    pipe.execute()


def load_many_small_zsets(r: redis.Redis, n: int) -> None:
    pipe = r.pipeline(transaction=False)
    for k in range(n // 10):
        pipe.zadd(f"zs{k}", {f"m{j}": j for j in range(10)})
        if k % 2000 == 0:
            pipe.execute()
    pipe.execute()


def raw_load(command: str) -> Callable[[redis.Redis, int], None]:
    """Hashes, sets, lists: loaded only when the server has the command (they land with another branch)."""
    def load(r: redis.Redis, n: int) -> None:
        pipe = r.pipeline(transaction=False)
        for k in range(n // 20):
            key = f"{command.lower()}:{k}"
            args: list[object] = []
            for j in range(20):
                args += [f"field:{j:04d}", b"x" * 30] if command == "HSET" else [f"element:{k}:{j:04d}"]
            pipe.execute_command(command, key, *args)
            if k % 1000 == 0:
                pipe.execute()
        pipe.execute()
    return load


DATASETS: list[tuple[str, Callable[[redis.Redis, int], None], int]] = [
    ("strings 100B", load_strings, 300_000),
    ("strings 40B + TTL", load_strings_ttl, 300_000),
    ("4 large zsets", load_zsets, 800_000),
    ("small zsets (10 members)", load_many_small_zsets, 600_000),
    ("hashes (20 fields)", raw_load("HSET"), 1_000_000),
    ("sets (20 members)", raw_load("SADD"), 1_000_000),
    ("lists (20 items)", raw_load("RPUSH"), 1_000_000),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    print(f"{'data set':28} {'estimate MB':>12} {'RSS growth MB':>14} {'ratio':>7}")
    with tempfile.TemporaryDirectory() as datadir:
        for name, load, n in DATASETS:
            proc, port = start_server(datadir)
            try:
                r = redis.Redis(port=port)
                try:
                    r.execute_command("COMMAND", "INFO", "GET")
                    used0, rss0 = memory(r)
                    load(r, int(n * args.scale))
                except redis.ResponseError as exc:
                    print(f"{name:28} skipped: {exc}")
                    continue
                used1, rss1 = memory(r)
                est, rss = (used1 - used0) / 2**20, (rss1 - rss0) / 2**20
                print(f"{name:28} {est:12.1f} {rss:14.1f} {est / rss if rss else float('nan'):7.2f}")
            finally:
                proc.terminate()
                proc.wait(10)


if __name__ == "__main__":
    main()
