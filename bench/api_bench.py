"""The minilm-100k search workload through RESP (FT.SEARCH), REST and gRPC in the same run.

Starts ``python -m redvector`` as a subprocess, creates the collection over REST (an HNSW index over the
prefix ``bench:``), loads the base vectors over RESP with pipelined HSET, waits for the graph, then for each
EF_RUNTIME asked runs the same queries (k=10) through every path and prints QPS, p50/p99 latency and
recall@10 against the exact ground truth, plus each path's QPS ratio to RESP (targets: REST >= 0.5x,
gRPC >= 0.7x).

One sequential client per path, all in this process: RESP redis-py (RESP2, one connection), REST stdlib
http.client (one kept-alive connection, the product route and Qdrant's points/search), gRPC grpcio stubs on one
channel (redvector.VectorService/Search and qdrant.Points/Search). Every request is encoded before the timed
loop (RESP argv, JSON bodies, protobuf messages), so the clock covers the round trip and reading the reply.
The paths take turns query by query (RESP, REST, gRPC, RESP, ...), so a burst of load on a shared machine
falls on all of them alike; QPS is queries / the sum of that path's round trips. The server's EF_RUNTIME
default is set to the ef measured (CONFIG SET search-default-ef-runtime) for the paths that carry none.

    python bench/api_bench.py                 # 100k base vectors, 1000 queries, ef 64
    python bench/api_bench.py --quick         # 10k base vectors, 200 queries (ground truth by brute force)
    python bench/api_bench.py --ef 32,64,128  # one table and one set of ratios per ef

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

from qdrant_client import grpc as qgrpc  # noqa: E402

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


Search = Callable[[int], list[int]]


def measure(paths: dict[str, Search], n: int, truth: np.ndarray, warmup: int = 20) -> list[dict[str, Any]]:
    """Query i through every path in turn; per path: QPS (n / sum of round trips), p50, p99, recall@10."""
    for i in range(min(warmup, n)):
        for search in paths.values():
            search(i)
    latencies: dict[str, list[float]] = {name: [] for name in paths}
    found: dict[str, list[list[int]]] = {name: [] for name in paths}
    clock = time.perf_counter
    for i in range(n):
        for name, search in paths.items():
            t0 = clock()
            ids = search(i)
            latencies[name].append(clock() - t0)
            found[name].append(ids)
    rows = []
    for name in paths:
        lat = sorted(latencies[name])
        rows.append({
            "name": name, "qps": n / sum(lat), "p50_ms": statistics.median(lat) * 1000,
            "p99_ms": lat[min(n - 1, int(n * 0.99))] * 1000, "recall": recall(found[name], truth),
        })
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="10k vectors, 200 queries")
    parser.add_argument("--ef", default="64", help="EF_RUNTIME values, comma-separated (default 64)")
    args = parser.parse_args()
    efs = [int(x) for x in args.ef.split(",")]

    base, queries, truth = load(args.quick)
    ports = {name: free_port() for name in ("resp", "rest", "grpc")}
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen(
        [sys.executable, "-m", "redvector", "--port", str(ports["resp"]), "--rest-port", str(ports["rest"]),
         "--grpc-port", str(ports["grpc"]), "--qdrant-port", "0", "--qdrant-grpc-port", "0",
         "--appendonly", "no", "--save", "", "--search-default-ef-runtime", str(efs[0])],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, cwd=ROOT,
    )
    try:
        wait_for_ping(ports["resp"], 30, proc)
        r = redis.Redis(port=ports["resp"], protocol=2)
        rest = httpx.Client(base_url=f"http://127.0.0.1:{ports['rest']}", timeout=60)
        channel = grpc.insecure_channel(f"127.0.0.1:{ports['grpc']}")
        stub = pb_grpc.VectorServiceStub(channel)
        qstub = qgrpc.PointsStub(channel)

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
              f"{len(queries)} queries, k={K}")
        print("clients: RESP redis-py %s (RESP2); REST http.client keep-alive; gRPC grpcio %s stubs"
              % (redis.__version__, grpc.__version__))

        # A keep-alive stdlib connection: httpx's own per-request overhead would dominate the timing.
        conn = http.client.HTTPConnection("127.0.0.1", ports["rest"])
        headers = {"Content-Type": "application/json"}
        vectors = [q.tolist() for q in queries]
        blobs = [q.tobytes() for q in queries]
        product_bodies = [json.dumps({"vector": v, "limit": K, "with_payload": False}) for v in vectors]
        qdrant_bodies = [json.dumps({"vector": v, "limit": K}) for v in vectors]
        product_msgs = [pb.SearchRequest(name="bench", vector=v, limit=K, with_payload=False) for v in vectors]
        qdrant_msgs = [qgrpc.SearchPoints(collection_name="bench", vector=v, limit=K) for v in vectors]

        def rest_search(i: int) -> list[int]:
            conn.request("POST", "/api/collections/bench/search", product_bodies[i], headers)
            return [int(h["id"]) for h in json.loads(conn.getresponse().read())["results"]]

        def rest_qdrant_search(i: int) -> list[int]:
            conn.request("POST", "/collections/bench/points/search", qdrant_bodies[i], headers)
            return [int(h["id"]) for h in json.loads(conn.getresponse().read())["result"]]

        def grpc_search(i: int) -> list[int]:
            return [h.id for h in stub.Search(product_msgs[i]).result]

        def grpc_qdrant_search(i: int) -> list[int]:
            return [h.id.num for h in qstub.Search(qdrant_msgs[i]).result]

        for ef in efs:
            r.config_set("search-default-ef-runtime", ef)
            query_text = f"*=>[KNN {K} @vector $q EF_RUNTIME {ef} AS score]"

            def resp_search(i: int, query_text: str = query_text) -> list[int]:
                reply = r.execute_command(
                    "FT.SEARCH", "bench", query_text, "PARAMS", "2", "q", blobs[i], "RETURN", "1", "score",
                    "SORTBY", "score", "LIMIT", "0", str(K), "DIALECT", "2")
                return [int(reply[j].split(b":")[1]) for j in range(1, len(reply), 2)]

            paths: dict[str, Search] = {
                "RESP FT.SEARCH": resp_search,
                "REST /api search": rest_search,
                "REST Qdrant points/search": rest_qdrant_search,
                "gRPC VectorService.Search": grpc_search,
                "gRPC Qdrant Points.Search": grpc_qdrant_search,
            }
            results = measure(paths, len(queries), truth)
            print(f"\nEF_RUNTIME {ef}")
            print(f"{'path':28} {'QPS':>8} {'p50 ms':>8} {'p99 ms':>8} {'recall@10':>10} {'x RESP':>7}")
            resp_qps = results[0]["qps"]
            for row in results:
                print(f"{row['name']:28} {row['qps']:8.0f} {row['p50_ms']:8.2f} {row['p99_ms']:8.2f} "
                      f"{row['recall']:10.3f} {row['qps'] / resp_qps:7.2f}")
            print(f"REST/RESP QPS ratio {results[1]['qps'] / resp_qps:.2f} (target >= 0.5); "
                  f"gRPC/RESP {results[3]['qps'] / resp_qps:.2f} (target >= 0.7)")
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
