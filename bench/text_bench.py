"""Full-text FT.SEARCH benchmark: RedVector against Redis Stack 7.4 (RediSearch 2.10) in the same run.

    python bench/text_bench.py              # 100k documents
    python bench/text_bench.py --n 20000

Both servers get the same hashes (a TEXT field of 1-7 words from a 10-word vocabulary, a NUMERIC field)
through pipelined HSETs, then the same queries with SCORER BM25STD (--scorer), NOCONTENT, LIMIT 0 10. For RedVector
the first run of a query is shown apart: a word's arrays are derived from its occurrence arrays once and
kept until a document with the word changes (TextIndex._cached); "after a write" times each run right
after one HSET of a document holding every word. Times are the median of --repeat runs through redis-py, in ms. Nothing here asserts: it
prints. Redis Stack is skipped with a message when it cannot start.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.search_bench import STACK_SCRIPT, free_port, redvector_server

WORDS = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa"]
QUERIES = ["*", "alpha", "zeta", "alpha beta", "alpha | zeta", "@n:[0 5000]", '"alpha beta"']


def load(client: Any, n: int) -> float:
    client.execute_command("FT.CREATE", "txt", "PREFIX", "1", "t:", "SCHEMA", "t", "TEXT", "n", "NUMERIC")
    start = time.perf_counter()
    pipe = client.pipeline(transaction=False)
    for i in range(n):
        pipe.hset(f"t:{i}", mapping={"t": " ".join(WORDS[:(i % 7) + 1]), "n": i})
        if i % 2000 == 1999:
            pipe.execute()
    pipe.execute()
    return time.perf_counter() - start


def timed(client: Any, query: str, scorer: str) -> float:
    start = time.perf_counter()
    client.execute_command("FT.SEARCH", "txt", query, "NOCONTENT", "LIMIT", "0", "10", "SCORER", scorer,
                           "DIALECT", "2")
    return (time.perf_counter() - start) * 1000


def measure(client: Any, repeat: int, scorer: str) -> dict[str, tuple[float, float, float]]:
    """query -> (first run, median of the repeats, median of runs each right after one HSET of a document
    holding every word) in ms."""
    out = {}
    for i, query in enumerate(QUERIES):
        first = timed(client, query, scorer)
        median = statistics.median(timed(client, query, scorer) for _ in range(repeat))
        after = []
        for j in range(repeat):
            client.hset(f"t:w{i}-{j}", mapping={"t": " ".join(WORDS), "n": j})
            after.append(timed(client, query, scorer))
        out[query] = (first, median, statistics.median(after))
    return out


def stack(n: int, repeat: int, scorer: str) -> dict[str, tuple[float, float, float]] | None:
    import redis

    if not STACK_SCRIPT.exists():
        print(f"Redis Stack skipped: {STACK_SCRIPT} not found")
        return None
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="stack-text") as d:
        started = subprocess.run(["bash", str(STACK_SCRIPT), "start", str(port), d], capture_output=True, text=True)
        if started.returncode != 0:
            print(f"Redis Stack skipped: it did not start ({started.stderr.strip()[-300:]})")
            return None
        try:
            client = redis.Redis(port=port, protocol=2)
            print(f"Redis Stack: {n} documents loaded in {load(client, n):.1f} s")
            return measure(client, repeat, scorer)
        finally:
            subprocess.run(["bash", str(STACK_SCRIPT), "stop", str(port), d], capture_output=True)


def main() -> None:
    import redis

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--scorer", default="BM25STD", help="SCORER for every query (TFIDF: Redis Stack 7.4's default)")
    args = parser.parse_args()
    with redvector_server() as (port, _proc):
        client = redis.Redis(port=port, protocol=2)
        print(f"RedVector: {args.n} documents loaded in {load(client, args.n):.1f} s")
        ours = measure(client, args.repeat, args.scorer)
    peer = stack(args.n, args.repeat, args.scorer)
    print("\n| query | RedVector first ms | RedVector ms | after a write | Redis Stack ms | after a write "
          "| RedVector / Redis Stack |")
    print("|---|---|---|---|---|---|---|")
    for query in QUERIES:
        first, median, after = ours[query]
        ref = (f"{peer[query][1]:.1f} | {peer[query][2]:.1f} | {median / peer[query][1]:.1f}x" if peer
               else "- | - | -")
        print(f"| `{query}` | {first:.1f} | {median:.1f} | {after:.1f} | {ref} |")


if __name__ == "__main__":
    main()
