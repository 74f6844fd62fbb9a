"""Streams stay O(1) amortised per XADD and O(log n + count) per range read: per-operation times at 10k and
1,000,000 entries, and the memory an entry takes.

Two views:
  * in-process: the Stream value class alone (no protocol): append, a 10-entry range at a random id, XDEL;
  * through servers (``--ours PORT --peer PORT``, e.g. RedVector and Redis Stack started by hand): pipelined
    XADD of the same 1M entries to both, then XRANGE ... COUNT 10 at random ids, and MEMORY USAGE.
The 1M/10k ratio is what matters: near 1 for O(log n). Figures on a shared machine are noisy.

    python bench/stream_bench.py [--ops 20000] [--ours 7402 --peer 7401]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import redis

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from redvector.keyspace.types.stream import Stream  # noqa: E402

SIZES = (10_000, 1_000_000)
FIELDS = [b"sensor", b"42", b"temperature", b"21.5"]


def per_op_us(fn: Callable[[int], object], ops: int) -> float:
    start = time.perf_counter()
    for i in range(ops):
        fn(i)
    return (time.perf_counter() - start) / ops * 1e6


def filled(size: int) -> Stream:
    s = Stream()
    for i in range(1, size + 1):
        s.append((1_700_000_000_000 + i // 4) << 64 | (i % 4), FIELDS)
    return s


def measure(size: int, ops: int) -> dict[str, float]:
    start = time.perf_counter()
    stream = filled(size)
    fill_us = (time.perf_counter() - start) / size * 1e6
    ids = list(stream.entries)  # (iterated: positional access would build the sorted list's index)
    rnd = random.Random(size)
    picks = [ids[rnd.randrange(size - 20)] for _ in range(ops)]
    last = stream.last_id
    return {
        "append (fill)": fill_us,
        "append": per_op_us(lambda i: stream.append(last + 1 + i, FIELDS), ops),
        "range 10": per_op_us(lambda i: stream.range(picks[i], picks[i] + (1 << 80), 10), ops),
        "delete": per_op_us(lambda i: stream.delete(picks[i]), ops),
    }


def in_process(ops: int) -> None:
    print("in-process (us per operation)")
    rows = {size: measure(size, ops) for size in SIZES}
    for name in rows[SIZES[0]]:
        small, large = rows[SIZES[0]][name], rows[SIZES[1]][name]
        print(f"  {name:14s} 10k {small:7.2f}   1M {large:7.2f}   ratio {large / small:5.2f}")
    tracemalloc.start()
    stream = filled(100_000)
    current, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"  memory per entry (Python objects; the field list shared): {current / len(stream):.0f} bytes")


def through_servers(ours: int, peer: int, n: int, ops: int) -> None:
    print(f"through servers: {n} pipelined XADDs, then {ops} XRANGE COUNT 10 (one client, RESP2)")
    for label, port in (("RedVector", ours), ("peer", peer)):
        r = redis.Redis(port=port)
        r.delete("bench:s")
        start = time.perf_counter()
        pipe = r.pipeline(transaction=False)
        for i in range(1, n + 1):
            pipe.execute_command("XADD", "bench:s", f"{1_700_000_000_000 + i // 4}-{i % 4}", *FIELDS)
            if i % 10_000 == 0:
                pipe.execute()
        pipe.execute()
        add_s = time.perf_counter() - start
        rnd = random.Random(7)
        picks = [f"{1_700_000_000_000 + rnd.randrange(n // 4)}-0" for _ in range(ops)]
        start = time.perf_counter()
        pipe = r.pipeline(transaction=False)
        for i, pick in enumerate(picks):
            pipe.execute_command("XRANGE", "bench:s", pick, "+", "COUNT", "10")
            if i % 1000 == 999:
                pipe.execute()
        pipe.execute()
        range_s = time.perf_counter() - start
        memory = r.memory_usage("bench:s", samples=0)
        print(f"  {label:10s} XADD {n / add_s:9.0f}/s   XRANGE COUNT 10 {ops / range_s:8.0f}/s   "
              f"MEMORY USAGE {memory / n if memory else 0:6.0f} B/entry")
        r.delete("bench:s")
        r.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ops", type=int, default=20000)
    parser.add_argument("--ours", type=int)
    parser.add_argument("--peer", type=int)
    parser.add_argument("--n", type=int, default=1_000_000)
    args = parser.parse_args()
    in_process(args.ops)
    if args.ours and args.peer:
        through_servers(args.ours, args.peer, args.n, args.ops)


if __name__ == "__main__":
    main()
