"""Full-text FT.SEARCH benchmark: RedVector against Redis Stack 7.4 (RediSearch 2.10) in the same run.

    python bench/text_bench.py              # 100k documents
    python bench/text_bench.py --n 20000
    python bench/text_bench.py --chunks 10000   # memory and load of document chunks instead

Both servers get the same hashes (a TEXT field of 1-7 words from a 10-word vocabulary, a NUMERIC field)
through pipelined HSETs, then the same queries with SCORER BM25STD (--scorer), NOCONTENT, LIMIT 0 10. For RedVector
the first run of a query is shown apart: a word's arrays are derived from its occurrence arrays once and
kept until a document with the word changes (TextIndex._cached); "after a write" times each run right
after one HSET of a document holding every word. Times are the median of --repeat runs through redis-py, in ms. Nothing here asserts: it
prints. Redis Stack is skipped with a message when it cannot start.

``--chunks N`` measures what a LangChain/RedisVL chunk store costs instead: N hashes whose TEXT field holds
150 words drawn from a 20k-word Zipf vocabulary (seeded), loaded the same way into both servers; it prints
the load time, the growth of used_memory_rss (as a multiple of the raw text), and a few queries in the forms
RedisVL's TextQuery sends.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.search_bench import hset_pipelined, redvector_server, stack_peer

WORDS = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa"]
QUERIES = ["*", "alpha", "zeta", "alpha beta", "alpha | zeta", "@n:[0 5000]", '"alpha beta"',
           # phrases and proximity over frequent words (alpha is in every document, beta in 6/7, gamma in 5/7)
           '"alpha beta" zeta', '-"alpha beta"', "(alpha gamma)=>{$slop:1}", "(alpha gamma)=>{$slop:1; $inorder:true}",
           "(alpha beta)=>{$inorder:true}", "(alpha beta gamma)=>{$slop:2}"]


def load(client: Any, n: int) -> float:
    client.execute_command("FT.CREATE", "txt", "PREFIX", "1", "t:", "SCHEMA", "t", "TEXT", "n", "NUMERIC")
    start = time.perf_counter()
    hset_pipelined(client, ((f"t:{i}", {"t": " ".join(WORDS[:(i % 7) + 1]), "n": i}) for i in range(n)), 2000)
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

    with stack_peer("stack-text") as peer:
        if peer is None:
            return None
        client = redis.Redis(port=peer.port, protocol=2)
        print(f"Redis Stack: {n} documents loaded in {load(client, n):.1f} s")
        return measure(client, repeat, scorer)


def chunk_texts(n: int) -> list[str]:
    import numpy as np

    rng = np.random.default_rng(0)
    vocab = [f"w{i:x}" + "abcdefghij"[i % 10] * (i % 5) for i in range(20_000)]
    weights = 1.0 / np.arange(1, len(vocab) + 1) ** 1.05
    picks = rng.choice(len(vocab), size=(n, 150), p=weights / weights.sum())
    return [" ".join(vocab[j] for j in row) for row in picks]


CHUNK_QUERIES = ["@content:(w0 | w1b | w2cc)", "w0", "@content:(w1b w2cc)", '"w0 w1b"', "w1*"]


def chunk_run(client: Any, texts: list[str], repeat: int) -> tuple[float, float, dict[str, float]]:
    """(load s, RSS growth MB, query -> median ms) of the chunk store in one server."""
    client.execute_command("FT.CREATE", "chunks", "PREFIX", "1", "c:", "SCHEMA", "content", "TEXT")
    before = int(client.info("memory")["used_memory_rss"])
    start = time.perf_counter()
    hset_pipelined(client, ((f"c:{i}", {"content": text}) for i, text in enumerate(texts)))
    # a first text query: RedVector sorts the batch's occurrences into the words' arrays on the first read
    client.execute_command("FT.SEARCH", "chunks", "w0", "LIMIT", "0", "0")
    elapsed = time.perf_counter() - start
    grown = (int(client.info("memory")["used_memory_rss"]) - before) / 2**20
    times = {}
    for query in CHUNK_QUERIES:
        runs = []
        for _ in range(repeat):
            t = time.perf_counter()
            client.execute_command("FT.SEARCH", "chunks", query, "NOCONTENT", "LIMIT", "0", "10", "DIALECT", "2")
            runs.append((time.perf_counter() - t) * 1000)
        times[query] = statistics.median(runs)
    return elapsed, grown, times


def chunks_main(n: int, repeat: int) -> None:
    import redis

    texts = chunk_texts(n)
    raw = sum(len(t) for t in texts) / 2**20
    results = {}
    with redvector_server() as (port, _proc):
        results["RedVector"] = chunk_run(redis.Redis(port=port, protocol=2), texts, repeat)
    with stack_peer("stack-chunks") as peer:
        if peer is not None:
            results["Redis Stack"] = chunk_run(redis.Redis(port=peer.port, protocol=2), texts, repeat)
    print(f"{n} chunks of 150 words, {raw:.1f} MB of text")
    print("| server | load s | RSS growth MB | x raw text | " + " | ".join(f"`{q}` ms" for q in CHUNK_QUERIES) + " |")
    print("|---" * (4 + len(CHUNK_QUERIES)) + "|")
    for name, (elapsed, grown, times) in results.items():
        print(f"| {name} | {elapsed:.1f} | {grown:.1f} | {grown / raw:.1f}x | "
              + " | ".join(f"{times[q]:.2f}" for q in CHUNK_QUERIES) + " |")


def main() -> None:
    import redis

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--scorer", default="BM25STD", help="SCORER for every query (TFIDF: Redis Stack 7.4's default)")
    parser.add_argument("--chunks", type=int, default=0, help="measure a chunk store of this many documents instead")
    args = parser.parse_args()
    if args.chunks:
        chunks_main(args.chunks, args.repeat)
        return
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
