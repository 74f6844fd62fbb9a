"""FT.SEARCH hot-path micro-benchmark: the server's own CPU per KNN query, without sockets.

    python bench/search_hotpath.py               # 20k minilm vectors, ef 10/64/128, RESP2 and RESP3
    python bench/search_hotpath.py --profile     # the same under cProfile, top functions by own time

It loads vectors through a real RespConnection (pipelined HSETs into an HNSW index, M=16,
EF_CONSTRUCTION=200), then drives FT.SEARCH ``*=>[KNN 10 @v $vec]`` as redis-py sends it through the same
stub transport, and times the same query on the index's own hnswlib graph in-process (the peer: what the
search itself costs). The difference is the server's per-query overhead: parse, dispatch, plan, reply
building, encoding. Process CPU time, best of ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.hotpath import StubTransport, bench_app, command
from bench.search_bench import load_dataset
from redvector.app import App
from redvector.protocol.resp.connection import RespConnection


def connect(app: App, protocol: int = 2) -> tuple[RespConnection, StubTransport]:
    conn = RespConnection(app.server, app.dispatcher)
    transport = StubTransport()
    conn.connection_made(transport)  # type: ignore[arg-type]
    if protocol == 3:
        conn.data_received(command(b"HELLO", b"3"))
    return conn, transport


def load(app: App, base: np.ndarray) -> None:
    conn, _ = connect(app)
    conn.data_received(command(b"FT.CREATE", b"idx", b"ON", b"HASH", b"PREFIX", b"1", b"doc:", b"SCHEMA",
                               b"v", b"VECTOR", b"HNSW", b"10", b"TYPE", b"FLOAT32", b"DIM", b"%d" % base.shape[1],
                               b"DISTANCE_METRIC", b"COSINE", b"M", b"16", b"EF_CONSTRUCTION", b"200"))
    chunk: list[bytes] = []
    for i, vec in enumerate(base):
        chunk.append(command(b"HSET", b"doc:%d" % i, b"v", vec.astype(np.float32).tobytes(), b"n", b"%d" % i))
        if len(chunk) == 500:
            conn.data_received(b"".join(chunk))
            chunk = []
    conn.data_received(b"".join(chunk))
    index = app.server.search.get(b"idx")
    assert index is not None
    index.vectors[b"v"].flush()  # type: ignore[attr-defined]


def search_wire(blob: bytes, ef: int) -> bytes:
    return command(b"FT.SEARCH", b"idx", b"*=>[KNN 10 @v $vec EF_RUNTIME %d AS score]" % ef,
                   b"RETURN", b"1", b"score", b"SORTBY", b"score", b"LIMIT", b"0", b"10",
                   b"PARAMS", b"2", b"vec", blob, b"DIALECT", b"2")


PROFILER: cProfile.Profile | None = None


def server_cpu(conn: RespConnection, transport: StubTransport, wires: list[bytes]) -> float:
    # One connection per protocol, and a pause first: a KNN while another connection searched within the
    # last few ms runs in a worker thread (a Deferred), which this synchronous driver does not await.
    time.sleep(0.05)
    before = transport.written
    if PROFILER is not None:
        PROFILER.enable()
    start = time.process_time()
    for wire in wires:
        conn.data_received(wire)
    per = (time.process_time() - start) / len(wires)
    if PROFILER is not None:
        PROFILER.disable()
    assert transport.written > before, "the search was deferred to a worker thread"
    return per


def raw_cpu(graph: Any, queries: np.ndarray, ef: int) -> float:
    """hnswlib's own single-query cost on the server's graph (its ef set back to the server's 1 after)."""
    graph.set_ef(ef)
    try:
        start = time.process_time()
        for q in queries:
            graph.knn_query(q, k=10, num_threads=1)
        return (time.process_time() - start) / len(queries)
    finally:
        graph.set_ef(1)


async def _main(args: argparse.Namespace) -> None:
    app = bench_app()
    await app.start()
    try:
        ds = load_dataset(args.n, args.queries)
        t0 = time.perf_counter()
        load(app, ds.base)
        print(f"loaded {args.n} vectors in {time.perf_counter() - t0:.1f} s")
        index = app.server.search.get(b"idx")
        assert index is not None
        graph = index.vectors[b"v"]._graph  # type: ignore[attr-defined]
        queries = ds.queries.astype(np.float32)
        conns = {protocol: connect(app, protocol) for protocol in (2, 3)}
        print(f"{'ef':>5}{'RESP':>6}{'server us':>11}{'raw us':>9}{'overhead us':>13}{'ratio':>8}")
        for ef in args.efs:
            wires = [search_wire(q.tobytes(), ef) for q in queries]
            raw = min(raw_cpu(graph, queries, ef) for _ in range(args.repeat))
            for protocol in (2, 3):
                srv = min(server_cpu(*conns[protocol], wires) for _ in range(args.repeat))
                print(f"{ef:>5}{protocol:>6}{srv * 1e6:>11.1f}{raw * 1e6:>9.1f}{(srv - raw) * 1e6:>13.1f}"
                      f"{raw / srv:>8.2f}")
    finally:
        await app.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--efs", type=lambda s: [int(x) for x in s.split(",")], default=[10, 64, 128])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    if args.profile:  # only the FT.SEARCH calls are profiled
        global PROFILER
        PROFILER = cProfile.Profile()
    asyncio.run(_main(args))
    if PROFILER is not None:
        pstats.Stats(PROFILER).sort_stats("tottime").print_stats(30)


if __name__ == "__main__":
    main()
