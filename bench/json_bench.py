"""JSON documents with embeddings (RedisVL's JSON storage): RedVector against Redis Stack 7.4 (RedisJSON 2.8
and RediSearch 2.10) in one run.

    python bench/json_bench.py                  # 10k documents of a 384-float vector, a tag and a text
    python bench/json_bench.py --n 20000 --dim 768

Both servers get the same FT.CREATE ... ON JSON (HNSW over ``$.embedding``, TAG, TEXT) and the same
documents through pipelined JSON.SETs (the vectors are minilm-100k's when the data set is there, seeded
random otherwise). Printed: load time, RSS growth per document, and median latencies of JSON.GET of the
whole document, of the vector alone, and of a KNN query (redis-py, RESP2). Nothing here asserts: it
prints. Redis Stack is skipped with a message when it cannot start.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.search_bench import DATA, STACK_SCRIPT, free_port, redvector_server


def vectors(n: int, dim: int) -> np.ndarray:
    base = DATA / "base.f16.npy"
    if dim == 384 and base.exists():
        return np.load(base)[:n].astype(np.float32)
    return np.random.default_rng(1).standard_normal((n, dim)).astype(np.float32)


@contextmanager
def stack_with_json() -> Iterator[int | None]:
    """Redis Stack's redis-server with RediSearch and RedisJSON on a free port; None when unavailable."""
    if not STACK_SCRIPT.exists():
        print(f"Redis Stack skipped: {STACK_SCRIPT} not found")
        yield None
        return
    try:
        stack = Path(subprocess.run(["bash", str(STACK_SCRIPT), "path"], check=True, capture_output=True, text=True,
                                    timeout=300).stdout.strip())
    except (subprocess.SubprocessError, OSError) as exc:
        print(f"Redis Stack skipped: {exc}")
        yield None
        return
    ssl = Path(os.environ.get("REDIS_STACK_SSL", Path(os.environ.get("TMPDIR", "/tmp")) / "redis-stack-ssl11")) / "lib"
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="stack-json") as d:
        proc = subprocess.Popen(
            [str(stack / "bin" / "redis-server"), "--bind", "127.0.0.1", "--port", str(port), "--save", "",
             "--appendonly", "no", "--dir", d, "--loadmodule", str(stack / "lib" / "redisearch.so"),
             "--loadmodule", str(stack / "lib" / "rejson.so")],
            env=dict(os.environ, LD_LIBRARY_PATH=str(ssl)), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            import redis

            for _ in range(100):
                try:
                    redis.Redis(port=port).ping()
                    break
                except redis.ConnectionError:
                    time.sleep(0.1)
            else:
                print("Redis Stack skipped: it did not answer")
                yield None
                return
            yield port
        finally:
            proc.terminate()
            proc.wait(30)


def rss(client: Any) -> int:
    return int(client.info("memory")["used_memory_rss"])


def run(port: int, vecs: np.ndarray, repeat: int) -> dict[str, float]:
    import redis

    client = redis.Redis(port=port, protocol=2)
    dim = vecs.shape[1]
    client.execute_command("FT.CREATE", "j", "ON", "JSON", "PREFIX", "1", "j:", "SCHEMA",
                           "$.embedding", "AS", "embedding", "VECTOR", "HNSW", "6", "TYPE", "FLOAT32", "DIM", str(dim),
                           "DISTANCE_METRIC", "COSINE", "$.tag", "AS", "tag", "TAG", "$.text", "AS", "text", "TEXT")
    time.sleep(0.5)
    before = rss(client)
    start = time.perf_counter()
    pipe = client.pipeline(transaction=False)
    for i, v in enumerate(vecs):
        doc = {"embedding": [float(x) for x in v], "tag": "abcdefghij"[i % 10], "text": f"document number {i}"}
        pipe.execute_command("JSON.SET", f"j:{i}", "$", json.dumps(doc))
        if len(pipe) == 500:
            pipe.execute()
    pipe.execute()
    while True:
        info = client.execute_command("FT.INFO", "j")
        if not int(dict(zip(info[::2], info[1::2], strict=False)).get(b"indexing", 0)):
            break
        time.sleep(0.05)
    load_s = time.perf_counter() - start
    time.sleep(1)
    per_doc = (rss(client) - before) / len(vecs)

    def median_ms(args_of: Any) -> float:
        times = []
        for i in range(repeat):
            args = args_of(i)
            t = time.perf_counter()
            client.execute_command(*args)
            times.append((time.perf_counter() - t) * 1000)
        return statistics.median(times)

    n = len(vecs)
    return {
        "load s": load_s,
        "RSS per doc KB": per_doc / 1024,
        "JSON.GET doc ms": median_ms(lambda i: ["JSON.GET", f"j:{i * 7919 % n}"]),
        "JSON.GET $.embedding ms": median_ms(lambda i: ["JSON.GET", f"j:{i * 7919 % n}", "$.embedding"]),
        "KNN 10 ms": median_ms(lambda i: ["FT.SEARCH", "j", "*=>[KNN 10 @embedding $v]", "PARAMS", "2", "v",
                                          vecs[i * 7919 % n].tobytes(), "RETURN", "1", "tag", "DIALECT", "2"]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--dim", type=int, default=384)
    parser.add_argument("--repeat", type=int, default=300)
    args = parser.parse_args()
    vecs = vectors(args.n, args.dim)
    print(f"# json_bench: {args.n} JSON documents, a {args.dim}-float vector each (HNSW ON JSON), redis-py RESP2")
    with redvector_server() as (port, _proc):
        ours = run(port, vecs, args.repeat)
    with stack_with_json() as stack_port:
        theirs = run(stack_port, vecs, args.repeat) if stack_port is not None else None
    print(f"{'':26}{'RedVector':>12}{'Redis Stack':>13}{'ratio':>8}")
    for name, value in ours.items():
        other = theirs[name] if theirs else float("nan")
        print(f"{name:26}{value:>12.3f}{other:>13.3f}{value / other:>8.2f}")


if __name__ == "__main__":
    main()
