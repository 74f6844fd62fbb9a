"""The minilm-100k search workload through RESP (FT.SEARCH), REST and gRPC in the same run.

Starts ``python -m redvector`` as a subprocess, creates the collection over REST (an HNSW index over the
prefix ``bench:``), loads the base vectors over RESP with pipelined HSET, then runs the same queries
through each protocol from one sequential client each and prints QPS, p50/p99 latency and recall@10
against the exact ground truth, plus the REST/RESP and gRPC/RESP QPS ratios (targets 0.5x and 0.7x).

    python bench/api_bench.py            # 100k base vectors, 1000 queries
    python bench/api_bench.py --quick    # 10k base vectors, 200 queries (ground truth by brute force)

Figures on shared machines are noisy; compare ratios from one run, not absolute numbers across runs.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import grpc
import httpx
import numpy as np
import redis

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from redvector.protocol.grpc.generated import redvector_pb2 as pb  # noqa: E402
from redvector.protocol.grpc.generated import redvector_pb2_grpc as pb_grpc  # noqa: E402
from tests.serverutil import free_port, wait_for_ping  # noqa: E402

DATA = Path(os.environ.get("MINILM_DIR", ROOT.parent / "shared" / "data" / "minilm-100k"))
if not DATA.exists():
    DATA = Path("/work/shared/data/minilm-100k")
K = 10


def load(quick: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    base = np.load(DATA / "base.f16.npy").astype(np.float32)
    queries = np.load(DATA / "queries.f16.npy").astype(np.float32)
    if quick:
        base, queries = base[:10_000], queries[:200]
        normed = base / np.linalg.norm(base, axis=1, keepdims=True)
        qn = queries / np.linalg.norm(queries, axis=1, keepdims=True)
        truth = np.argsort(-(qn @ normed.T), axis=1)[:, :K]
    else:
        truth = np.load(DATA / "gt_cosine_ids.npy")[:, :K]
    return base, queries, truth


def recall(found: list[list[int]], truth: np.ndarray) -> float:
    return float(np.mean([len(set(f) & set(t.tolist())) / K for f, t in zip(found, truth, strict=True)]))


def measure(name: str, queries: np.ndarray, truth: np.ndarray, search: Callable[[np.ndarray], list[int]],
            warmup: int = 20) -> dict[str, Any]:
    for q in queries[:warmup]:
        search(q)
    latencies = []
    found = []
    started = time.perf_counter()
    for q in queries:
        t0 = time.perf_counter()
        found.append(search(q))
        latencies.append(time.perf_counter() - t0)
    total = time.perf_counter() - started
    latencies.sort()
    return {
        "name": name, "qps": len(queries) / total,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
        "recall": recall(found, truth),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="10k vectors, 200 queries")
    parser.add_argument("--ef", type=int, default=64, help="EF_RUNTIME for every protocol (default 64)")
    args = parser.parse_args()

    base, queries, truth = load(args.quick)
    ports = {name: free_port() for name in ("resp", "rest", "grpc")}
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen(
        [sys.executable, "-m", "redvector", "--port", str(ports["resp"]), "--rest-port", str(ports["rest"]),
         "--grpc-port", str(ports["grpc"]), "--qdrant-port", "0", "--qdrant-grpc-port", "0",
         "--appendonly", "no", "--save", "", "--search-default-ef-runtime", str(args.ef)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, cwd=ROOT,
    )
    try:
        wait_for_ping(ports["resp"], 30, proc)
        r = redis.Redis(port=ports["resp"], protocol=2)
        rest = httpx.Client(base_url=f"http://127.0.0.1:{ports['rest']}", timeout=60)
        channel = grpc.insecure_channel(f"127.0.0.1:{ports['grpc']}")
        stub = pb_grpc.VectorServiceStub(channel)

        created = rest.post("/api/collections/bench", json={"vector_size": base.shape[1], "distance": "Cosine"})
        created.raise_for_status()
        t0 = time.perf_counter()
        pipe = r.pipeline(transaction=False)
        for i, v in enumerate(base):
            pipe.hset(f"bench:{i}", mapping={"vector": v.tobytes()})
            if i % 1000 == 999:
                pipe.execute()
        pipe.execute()
        # Wait for the documents and for the HNSW graph: vectors wait in an exact buffer until the
        # background builder has inserted them (FT.INFO percent_indexed < 1 meanwhile).
        while True:
            info = r.execute_command("FT.INFO", "bench")
            fields = dict(zip(info[::2], info[1::2], strict=False))
            if int(fields[b"num_docs"]) >= len(base) and float(fields.get(b"percent_indexed", 1)) >= 1.0:
                break
            time.sleep(0.5)
        print(f"loaded {len(base)} vectors (HNSW build included) in {time.perf_counter() - t0:.1f}s; "
              f"{len(queries)} queries, k={K}, EF_RUNTIME={args.ef}")

        def resp_search(q: np.ndarray) -> list[int]:
            reply = r.execute_command(
                "FT.SEARCH", "bench", f"*=>[KNN {K} @vector $q EF_RUNTIME {args.ef} AS score]",
                "PARAMS", "2", "q", q.tobytes(), "RETURN", "1", "score", "SORTBY", "score",
                "LIMIT", "0", str(K), "DIALECT", "2")
            return [int(reply[i].split(b":")[1]) for i in range(1, len(reply), 2)]

        # A keep-alive stdlib connection: httpx's own per-request overhead would dominate the timing.
        conn = http.client.HTTPConnection("127.0.0.1", ports["rest"])

        def rest_search(q: np.ndarray) -> list[int]:
            body = json.dumps({"vector": q.tolist(), "limit": K, "with_payload": False})
            conn.request("POST", "/api/collections/bench/search", body, {"Content-Type": "application/json"})
            hits = json.loads(conn.getresponse().read())["results"]
            return [int(h["id"]) for h in hits]

        def grpc_search(q: np.ndarray) -> list[int]:
            reply = stub.Search(pb.SearchRequest(name="bench", vector=q.tolist(), limit=K, with_payload=False))
            return [h.id for h in reply.result]

        results = [measure("RESP FT.SEARCH", queries, truth, resp_search),
                   measure("REST /api search", queries, truth, rest_search),
                   measure("gRPC VectorService.Search", queries, truth, grpc_search)]
        print(f"{'path':28} {'QPS':>8} {'p50 ms':>8} {'p99 ms':>8} {'recall@10':>10}")
        for row in results:
            print(f"{row['name']:28} {row['qps']:8.0f} {row['p50_ms']:8.2f} {row['p99_ms']:8.2f} {row['recall']:10.3f}")
        resp_qps = results[0]["qps"]
        print(f"REST/RESP QPS ratio {results[1]['qps'] / resp_qps:.2f} (target >= 0.5); "
              f"gRPC/RESP {results[2]['qps'] / resp_qps:.2f} (target >= 0.7)")
        channel.close()
        conn.close()
        rest.close()
        r.close()
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
