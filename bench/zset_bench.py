"""Sorted sets stay O(log n) per call: time per ZADD, ZRANGE (10 members), ZRANK and ZRANGEBYSCORE at
10k and 1,000,000 members.

Two views:
  * in-process: the ZSet value class alone (no protocol), per operation;
  * through the server: pipelined commands over a socket (client and protocol cost included), against a real
    Redis measured in the same run when ``redis-server`` is installed.
The 1M/10k ratio is what matters: O(log n) keeps it near 1 (log2 ratio 1.5); O(n) would make it ~100.
Figures on a shared machine are noisy.

    python bench/zset_bench.py [--ops 20000] [--no-server]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import redis

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from redvector.keyspace.types.sorted_set import ScoreBound, ZSet  # noqa: E402

SIZES = (10_000, 1_000_000)


def per_op_us(fn: Callable[[int], object], ops: int) -> float:
    start = time.perf_counter()
    for i in range(ops):
        fn(i)
    return (time.perf_counter() - start) / ops * 1e6


def in_process_size(size: int, ops: int) -> dict[tuple[str, int], float]:
    z = ZSet.from_scores({b"m%d" % i: float(i) for i in range(size)})
    rnd = random.Random(1)
    members = [b"m%d" % rnd.randrange(size) for _ in range(ops)]
    ranks = [rnd.randrange(size - 10) for _ in range(ops)]
    scores = [rnd.random() * size for _ in range(ops)]
    return {
        ("ZADD", size): per_op_us(lambda i: z.add(b"new%d" % i, scores[i]), ops),
        ("ZRANGE", size): per_op_us(lambda i: z.slice(ranks[i], ranks[i] + 10), ops),
        ("ZRANK", size): per_op_us(lambda i: z.rank(members[i]), ops),
        ("ZRANGEBYSCORE", size): per_op_us(
            lambda i: z.slice(*z.score_span(ScoreBound(ranks[i]), ScoreBound(ranks[i] + 10))), ops),
    }


def in_process(ops: int) -> dict[tuple[str, int], float]:
    out: dict[tuple[str, int], float] = {}
    for size in SIZES:
        out.update(in_process_size(size, ops))
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_ping(port: int) -> redis.Redis:
    r = redis.Redis(port=port)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            r.ping()
            return r
        except redis.ConnectionError:
            time.sleep(0.1)
    raise RuntimeError(f"no server on {port}")


def load(r: redis.Redis, key: str, size: int) -> None:
    pipe = r.pipeline(transaction=False)
    for start in range(0, size, 1000):
        pipe.zadd(key, {f"m{i}": i for i in range(start, min(size, start + 1000))})
        if start % 50_000 == 0:
            pipe.execute()
    pipe.execute()


def timed(r: redis.Redis, ops: int, add: Callable[[redis.client.Pipeline, int], object]) -> float:
    """Microseconds per command, pipelined 1000 commands per round trip."""
    pipe = r.pipeline(transaction=False)
    start = time.perf_counter()
    for i in range(ops):
        add(pipe, i)
        if i % 1000 == 999:
            pipe.execute()
    pipe.execute()
    return (time.perf_counter() - start) / ops * 1e6


def server_size(r: redis.Redis, size: int, ops: int) -> dict[tuple[str, int], float]:
    key = f"z{size}"
    r.delete(key)
    load(r, key, size)
    assert r.zcard(key) == size
    rnd = random.Random(2)
    starts = [rnd.randrange(size - 10) for _ in range(ops)]
    scores = [rnd.random() * size for _ in range(ops)]
    out = {
        ("ZADD", size): timed(r, ops, lambda p, i: p.zadd(key, {f"new{i}": scores[i]})),
        ("ZRANGE", size): timed(r, ops, lambda p, i: p.zrange(key, starts[i], starts[i] + 9)),
        ("ZRANK", size): timed(r, ops, lambda p, i: p.zrank(key, f"m{starts[i]}")),
        ("ZRANGEBYSCORE", size): timed(r, ops, lambda p, i: p.zrangebyscore(key, starts[i], starts[i] + 9)),
    }
    r.delete(key)
    return out


def through_server(r: redis.Redis, ops: int) -> dict[tuple[str, int], float]:
    out: dict[tuple[str, int], float] = {}
    for size in SIZES:
        out.update(server_size(r, size, ops))
    return out


def report(title: str, results: dict[tuple[str, int], float]) -> None:
    print(f"\n{title}")
    print(f"{'op':15} {'10k us/op':>10} {'1M us/op':>10} {'1M/10k':>8}")
    for op in ("ZADD", "ZRANGE", "ZRANK", "ZRANGEBYSCORE"):
        a, b = results[(op, SIZES[0])], results[(op, SIZES[1])]
        print(f"{op:15} {a:10.2f} {b:10.2f} {b / a:8.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ops", type=int, default=20_000)
    parser.add_argument("--no-server", action="store_true")
    args = parser.parse_args()
    report("in-process ZSet (no protocol)", in_process(args.ops))
    if args.no_server:
        return
    with tempfile.TemporaryDirectory() as datadir:
        port = free_port()
        proc = subprocess.Popen(
            [sys.executable, "-m", "redvector", "--port", str(port), "--appendonly", "no", "--save", "",
             "--dir", datadir],
            env=dict(os.environ, PYTHONPATH=str(ROOT)), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            ours = through_server(wait_ping(port), args.ops)
        finally:
            proc.terminate()
            proc.wait(10)
        report("RedVector through redis-py pipelines (1000 commands per round trip)", ours)
        if shutil.which("redis-server"):
            port = free_port()
            ref = subprocess.Popen(["redis-server", "--port", str(port), "--save", "", "--appendonly", "no"],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                theirs = through_server(wait_ping(port), args.ops)
            finally:
                ref.terminate()
                ref.wait(10)
            report("Redis (same client, same run)", theirs)
            print(f"\n{'op':15} {'RedVector/Redis time at 1M':>28}")
            for op in ("ZADD", "ZRANGE", "ZRANK", "ZRANGEBYSCORE"):
                print(f"{op:15} {ours[(op, SIZES[1])] / theirs[(op, SIZES[1])]:28.2f}")
        else:
            print("\nredis-server not installed: no reference run")


if __name__ == "__main__":
    main()
