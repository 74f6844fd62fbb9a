"""Queries other than KNN over a large index: RedVector against Redis Stack 7.4 (RediSearch 2.10) in one run.

    python bench/query_bench.py                 # 100k documents
    python bench/query_bench.py --n 20000 --repeat 5
    python bench/query_bench.py --words 500000   # a large vocabulary (fuzzy and prefix words)

Both servers get the same hashes through pipelined HSETs: a TEXT field of 12 words drawn from a 20k-word
(``--words``) vocabulary, a NUMERIC SORTABLE field and a TAG field of 10 values (seeded). Then each query (SORTBY over
every document, prefix / fuzzy / negated words, tags, numeric ranges, FT.AGGREGATE GROUPBY and
LOAD/APPLY/SORTBY) runs once to warm up and ``--repeat`` times more through redis-py; the table shows the
median in ms on each server, the ratio RedVector / Redis Stack and the result counts (the same count on
both is a check that they answered the same question). Each query of RedVector blocks its event loop
for its time, as RediSearch's does without WORKERS. Nothing here asserts: it prints. Redis Stack is
skipped with a message when it cannot start.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.search_bench import hset_pipelined, redvector_server, stack_peer

QUERIES: list[tuple[str, list[str]]] = [
    ("* SORTBY num", ["FT.SEARCH", "q", "*", "SORTBY", "num", "LIMIT", "0", "10"]),
    ("* SORTBY num DESC, page 5000", ["FT.SEARCH", "q", "*", "SORTBY", "num", "DESC", "LIMIT", "5000", "10"]),
    ("range SORTBY num", ["FT.SEARCH", "q", "@num:[0 10]", "SORTBY", "num", "DESC", "LIMIT", "0", "10"]),
    ("numeric range (half)", ["FT.SEARCH", "q", "@num:[0 500]", "LIMIT", "0", "10"]),
    ("prefix w1*", ["FT.SEARCH", "q", "w1*", "LIMIT", "0", "10"]),
    ("fuzzy %%w12%%", ["FT.SEARCH", "q", "%%w12%%", "LIMIT", "0", "10"]),
    ("negated word", ["FT.SEARCH", "q", "-w1", "LIMIT", "0", "10"]),
    ("OR of 8 words", ["FT.SEARCH", "q", "w1|w2|w3|w4|w5|w6|w7|w8", "LIMIT", "0", "10"]),
    ("tag", ["FT.SEARCH", "q", "@tag:{a}", "LIMIT", "0", "10"]),
    ("tag OR", ["FT.SEARCH", "q", "@tag:{a|b|c}", "LIMIT", "0", "10"]),
    ("negated tag", ["FT.SEARCH", "q", "-@tag:{a}", "LIMIT", "0", "10"]),
    ("tag and range", ["FT.SEARCH", "q", "@tag:{a} @num:[0 100]", "LIMIT", "0", "10"]),
    ("AGGREGATE GROUPBY tag COUNT", ["FT.AGGREGATE", "q", "*", "GROUPBY", "1", "@tag", "REDUCE", "COUNT", "0",
                                     "AS", "c"]),
    ("AGGREGATE GROUPBY tag AVG num", ["FT.AGGREGATE", "q", "@tag:{a|b}", "GROUPBY", "1", "@tag", "REDUCE", "AVG",
                                       "1", "@num", "AS", "a"]),
    ("AGGREGATE LOAD APPLY SORTBY", ["FT.AGGREGATE", "q", "*", "LOAD", "1", "@num", "APPLY", "@num*2", "AS", "x",
                                     "SORTBY", "2", "@x", "DESC", "LIMIT", "0", "10"]),
]


def rss_mb(client: Any) -> float:
    return int(client.info("memory")["used_memory_rss"]) / 2**20


def load(client: Any, n: int, vocabulary: int = 20_000) -> tuple[float, float]:
    """(seconds to load, growth of the server's RSS in MB)."""
    before = rss_mb(client)
    client.execute_command("FT.CREATE", "q", "ON", "HASH", "PREFIX", "1", "q:", "SCHEMA", "title", "TEXT", "num",
                           "NUMERIC", "SORTABLE", "tag", "TAG")
    rng = random.Random(1)
    words = [f"w{i}" + "x" * (i % 5) for i in range(vocabulary)]
    start = time.perf_counter()
    hset_pipelined(client, ((f"q:{i}", {"title": " ".join(rng.choice(words) for _ in range(12)),
                                        "num": f"{rng.random() * 1000:.6f}", "tag": rng.choice("abcdefghij")})
                            for i in range(n)), batch=1000)
    return time.perf_counter() - start, rss_mb(client) - before


def count(reply: Any) -> int:
    return int(reply[0]) if isinstance(reply, list) and reply and isinstance(reply[0], int) else -1


def measure(client: Any, repeat: int) -> dict[str, tuple[float, int]]:
    out = {}
    for name, args in QUERIES:
        found = count(client.execute_command(*args))  # warm-up (RedVector settles new words' arrays once)
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            client.execute_command(*args)
            times.append((time.perf_counter() - start) * 1000)
        out[name] = (statistics.median(times), found)
    return out


def run_stack(n: int, repeat: int, vocabulary: int) -> tuple[tuple[float, float], dict[str, tuple[float, int]]] | None:
    import redis

    with stack_peer("stack-query") as peer:
        if peer is None:
            return None
        client = redis.Redis(port=peer.port, protocol=2)
        return load(client, n, vocabulary), measure(client, repeat)


def main() -> None:
    import redis

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--words", type=int, default=20_000,
                        help="vocabulary size (500000: the fuzzy and prefix shapes over a large vocabulary)")
    args = parser.parse_args()
    print(f"# query_bench: {args.n} documents, {args.words} words, median of {args.repeat} runs (ms), redis-py RESP2",
          flush=True)
    with redvector_server() as (port, _proc):
        client = redis.Redis(port=port, protocol=2)
        ours_load = load(client, args.n, args.words)
        ours = measure(client, args.repeat)
    stack = run_stack(args.n, args.repeat, args.words)
    print(f"load: RedVector {ours_load[0]:.1f} s, RSS +{ours_load[1]:.0f} MB" +
          (f"; Redis Stack {stack[0][0]:.1f} s, RSS +{stack[0][1]:.0f} MB" if stack else ""))
    print(f"{'query':34}{'RedVector':>11}{'Stack':>9}{'ratio':>8}{'results':>10}{'Stack':>8}")
    for name, _ in QUERIES:
        ms, found = ours[name]
        if stack is None:
            print(f"{name:34}{ms:>11.2f}{'-':>9}{'-':>8}{found:>10}{'-':>8}")
            continue
        peer_ms, peer_found = stack[1][name]
        print(f"{name:34}{ms:>11.2f}{peer_ms:>9.2f}{ms / peer_ms:>7.1f}x{found:>10}{peer_found:>8}")


if __name__ == "__main__":
    main()
