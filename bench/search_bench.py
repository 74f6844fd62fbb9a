"""Vector search benchmark on minilm-100k: RedVector (FT.SEARCH over the Redis protocol) against the raw
ANN library in-process (hnswlib), exact FLAT (numpy), and pgvector (PostgreSQL via pgserver) as a peer.

    python bench/search_bench.py            # 100k vectors, 1000 queries
    python bench/search_bench.py --quick    # 20k vectors, 300 queries
    python bench/search_bench.py --n 50000 --efs 10,40,64,128 --no-pg

Everything is measured in the same run on the same machine, so compare ratios within a run; on a
shared machine absolute figures are noisy. Recall@10 is against the data set's exact ground truth
(recomputed exactly when --n takes a subset). Nothing here asserts: it prints.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import multiprocessing as mp
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _find_data() -> Path:
    """``../shared/data/minilm-100k`` from the project root (one level further up from a worktree)."""
    env = os.environ.get("MINILM_DATA")
    candidates = [Path(env)] if env else []
    candidates += [up / "shared" / "data" / "minilm-100k" for up in (ROOT, ROOT.parent, ROOT.parent.parent)]
    return next((c for c in candidates if (c / "base.f16.npy").exists()), candidates[-1])


DATA = _find_data()
K = 10
FILTERS = {  # name in the ground-truth files -> (column, value)
    "lex_noun_artifact": ("lexname", "noun.artifact"),
    "pos_verb": ("pos", "verb"),
    "kind_example": ("kind", "example"),
}


# -- data -------------------------------------------------------------------------------------------------
@dataclass
class Dataset:
    base: np.ndarray  # (n, 384) float32
    queries: np.ndarray  # (q, 384) float32
    gt: np.ndarray  # (q, 10) exact cosine top-10 ids
    meta: dict[str, list[str]]  # column -> value per base row
    filter_gt: dict[str, np.ndarray]  # filter name -> (q, 10)

    @property
    def dim(self) -> int:
        return int(self.base.shape[1])


def exact_topk(base: np.ndarray, queries: np.ndarray, k: int, rows: np.ndarray | None = None) -> np.ndarray:
    """Exact cosine top-k ids (ties by id), batched numpy: the ground truth for subsets."""
    ids = np.arange(len(base)) if rows is None else rows
    data = base[ids]
    data = data / np.linalg.norm(data, axis=1, keepdims=True)
    out = np.zeros((len(queries), k), dtype=np.int64)
    for s in range(0, len(queries), 100):
        q = queries[s:s + 100]
        q = q / np.linalg.norm(q, axis=1, keepdims=True)
        dist = 1.0 - (q.astype(np.float64) @ data.T.astype(np.float64))
        for i, row in enumerate(dist):
            part = np.argpartition(row, k)[: k + 1] if len(row) > k else np.arange(len(row))
            order = np.lexsort((ids[part], row[part]))[:k]
            out[s + i, : len(order)] = ids[part][order]
    return out


def load_dataset(n: int, nq: int) -> Dataset:
    base = np.load(DATA / "base.f16.npy", mmap_mode="r")[:n].astype(np.float32)
    queries = np.load(DATA / "queries.f16.npy")[:nq].astype(np.float32)
    meta: dict[str, list[str]] = {"pos": [], "lexname": [], "kind": []}
    with open(DATA / "base.tsv", newline="") as f:
        for i, row in enumerate(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)):
            if i >= n:
                break
            for col in meta:
                meta[col].append(row[col])
    full = n == 100_000
    gt = np.load(DATA / "gt_cosine_ids.npy")[:nq, :K] if full else exact_topk(base, queries, K)
    filter_gt = {}
    for name, (col, value) in FILTERS.items():
        if full:
            filter_gt[name] = np.load(DATA / f"gt_cosine_filter_{name}_ids.npy")[:nq, :K]
        else:
            rows = np.flatnonzero(np.array(meta[col]) == value)
            filter_gt[name] = exact_topk(base, queries, K, rows)
    return Dataset(base, queries, gt, meta, filter_gt)


def recall(found: list[list[int]], gt: np.ndarray) -> float:
    return float(np.mean([len(set(f[:K]) & set(g.tolist())) / K for f, g in zip(found, gt, strict=True)]))


def rss_mb(pid: int | None = None) -> float:
    path = f"/proc/{pid or os.getpid()}/status"
    with open(path) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def cpu_s() -> float:
    return time.process_time()


def proc_cpu_s(pid: int) -> float:
    """CPU seconds (user + system, every thread) a process has used so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Row:
    engine: str
    setting: str
    recall: float
    qps: float
    p50_ms: float
    p99_ms: float
    note: str = ""


def timed_queries(run: Callable[[np.ndarray], list[int]], queries: np.ndarray) -> tuple[list[list[int]], np.ndarray]:
    found, lat = [], []
    for q in queries:
        t = time.perf_counter()
        found.append(run(q))
        lat.append(time.perf_counter() - t)
    return found, np.array(lat)


def row(engine: str, setting: str, found: list[list[int]], lat: np.ndarray, gt: np.ndarray,
        wall_s: float | None = None, note: str = "") -> Row:
    qps = len(lat) / (wall_s if wall_s is not None else float(lat.sum()))
    return Row(engine, setting, recall(found, gt), qps, 1e3 * float(np.percentile(lat, 50)),
               1e3 * float(np.percentile(lat, 99)), note)


def print_rows(title: str, rows: list[Row]) -> None:
    print(f"\n## {title}")
    print(f"| {'engine':<28} | {'setting':<22} | recall@10 | {'QPS':>8} | p50 ms | p99 ms | note")
    print(f"|{'-' * 30}|{'-' * 24}|-----------|{'-' * 10}|--------|--------|-----")
    for r in rows:
        print(f"| {r.engine:<28} | {r.setting:<22} | {r.recall:9.3f} | {r.qps:8.1f} | {r.p50_ms:6.2f} | "
              f"{r.p99_ms:6.2f} | {r.note}")
    sys.stdout.flush()


# -- raw hnswlib ------------------------------------------------------------------------------------------
def bench_raw(ds: Dataset, efs: list[int], threads: int) -> tuple[dict[str, float], list[Row], Any]:
    import hnswlib

    index = hnswlib.Index(space="cosine", dim=ds.dim)
    index.init_index(max_elements=len(ds.base), M=16, ef_construction=200, allow_replace_deleted=True)
    t, c = time.perf_counter(), cpu_s()
    index.add_items(ds.base, np.arange(len(ds.base)), num_threads=threads)
    # index_file_size: the vectors plus every level's links, i.e. what the index holds in memory.
    stats = {"build_s": time.perf_counter() - t, "build_cpu_s": cpu_s() - c,
             "mem_mb": index.index_file_size() / 2**20}
    print(f"raw hnswlib build: {stats['build_s']:.1f} s wall ({stats['build_cpu_s']:.1f} s CPU, {threads} threads), "
          f"index memory {stats['mem_mb']:.0f} MB", flush=True)
    rows = []
    for ef in efs:
        index.set_ef(ef)

        def run(q: np.ndarray) -> list[int]:
            labels, _ = index.knn_query(q, k=K, num_threads=1)
            return [int(x) for x in labels[0]]

        found, lat = timed_queries(run, ds.queries)
        rows.append(row("hnswlib (in-process)", f"ef={ef}", found, lat, ds.gt))
    return stats, rows, index


def bench_raw_filtered(ds: Dataset, index: Any, ef: int, exact_queries: int) -> list[Row]:
    """The two hybrid strategies on the raw graph, per filter: what the ADHOC_BF / BATCHES threshold is
    measured from (exact over the subset with the graph's vectors, vs the filter callback)."""
    from redvector.search.vector.hybrid import adhoc_threshold

    rows = []
    n = len(ds.base)
    for name, (col, value) in FILTERS.items():
        allowed = np.flatnonzero(np.array(ds.meta[col]) == value).astype(np.int64)
        gt = ds.filter_gt[name]
        mask = np.zeros(n, dtype=np.bool_)
        mask[allowed] = True
        allow = mask.tobytes()
        chosen = "ADHOC_BF" if len(allowed) <= adhoc_threshold(n, K) else "BATCHES"
        label = f"{name} {100 * len(allowed) / n:.1f}%"

        def exact(q: np.ndarray, allowed: np.ndarray = allowed) -> list[int]:
            vecs = np.asarray(index.get_items(allowed), dtype=np.float32)
            dist = 1.0 - vecs @ (q / np.linalg.norm(q))
            part = np.argpartition(dist, K)[:K]
            return [int(allowed[i]) for i in part[np.argsort(dist[part])]]

        def filtered(q: np.ndarray, allowed: np.ndarray = allowed, allow: bytes = allow) -> list[int]:
            want = min(max(ef, K), len(allowed))
            labels, _ = index.knn_query(q, k=want, num_threads=1, filter=allow.__getitem__)
            return [int(x) for x in labels[0][:K]]

        m = min(exact_queries, len(ds.queries))
        found, lat = timed_queries(exact, ds.queries[:m])
        rows.append(row("hnswlib ADHOC_BF (get_items)", label, found, lat, gt[:m],
                        note="chosen" if chosen == "ADHOC_BF" else ""))
        found, lat = timed_queries(filtered, ds.queries)
        rows.append(row(f"hnswlib BATCHES ef={ef}", label, found, lat, gt,
                        note="chosen" if chosen == "BATCHES" else ""))
    print(f"(hybrid policy threshold at n={n}: ADHOC_BF up to {adhoc_threshold(n, K)} allowed docs)")
    return rows


# -- FLAT ---------------------------------------------------------------------------------------------------
def bench_flat(ds: Dataset, nq: int) -> Row:
    from redvector.search.vector.base import Metric, VectorOptions
    from redvector.search.vector.flat import FlatIndex

    flat = FlatIndex(VectorOptions("FLAT", ds.dim, Metric.COSINE, initial_cap=len(ds.base)))
    for i, v in enumerate(ds.base):
        flat.add(i, v)
    m = min(nq, len(ds.queries))
    found, lat = timed_queries(lambda q: [d for d, _ in flat.knn(q, K)], ds.queries[:m])
    return row("FLAT (numpy, in-process)", "exact", found, lat, ds.gt[:m], note=f"{m} queries")


# -- RedVector HnswIndex in-process (the library behind FT.SEARCH) -------------------------------------------
def bench_library(ds: Dataset, efs: list[int]) -> tuple[float, list[Row]]:
    from redvector.search.vector.base import Metric, VectorOptions
    from redvector.search.vector.hnsw import HnswIndex

    index = HnswIndex(VectorOptions("HNSW", ds.dim, Metric.COSINE, m=16, ef_construction=200))
    t = time.perf_counter()
    for i, v in enumerate(ds.base):
        index.add(i, v)
    index.flush()
    build_s = time.perf_counter() - t
    print(f"RedVector HnswIndex in-process build (add + background batches): {build_s:.1f} s", flush=True)
    rows = []
    for ef in efs:
        def run(q: np.ndarray, ef: int = ef) -> list[int]:
            return [d for d, _ in index.knn(q, K, ef)]

        found, lat = timed_queries(run, ds.queries)
        rows.append(row("HnswIndex (in-process)", f"ef={ef}", found, lat, ds.gt))
    index.close()
    return build_s, rows


# -- RedVector server ------------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def redvector_server() -> Iterator[tuple[int, subprocess.Popen[bytes]]]:
    import redis

    port = free_port()
    with tempfile.TemporaryDirectory(prefix="rv-bench") as d:
        # Only the RESP listener: the REST/gRPC/Qdrant ports stay off so nothing else on the host collides.
        proc = subprocess.Popen([sys.executable, "-m", "redvector", "--port", str(port), "--appendonly", "no",
                                 "--save", "", "--dir", d, "--rest-port", "0", "--grpc-port", "0",
                                 "--qdrant-port", "0", "--qdrant-grpc-port", "0"], cwd=ROOT,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            client = redis.Redis(port=port)
            for _ in range(200):
                try:
                    client.ping()
                    break
                except redis.ConnectionError:
                    if proc.poll() is not None:
                        err = proc.stderr.read().decode()[-500:] if proc.stderr else ""
                        raise RuntimeError(f"server exited: {err}") from None
                    time.sleep(0.05)
            yield port, proc
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()


def knn_command(ef: int | None, blob: bytes, prefilter: str = "*") -> list[Any]:
    attrs = f" EF_RUNTIME {ef}" if ef is not None else ""
    return ["FT.SEARCH", "idx", f"{prefilter}=>[KNN {K} @embedding $vec{attrs} AS score]",
            "PARAMS", "2", "vec", blob, "SORTBY", "score", "RETURN", "1", "score",
            "LIMIT", "0", str(K), "DIALECT", "2"]


def parse_ids(reply: list[Any]) -> list[int]:
    return [int(key.split(b":")[1]) for key in reply[1::2]]


def encode_command(args: list[Any]) -> bytes:
    """A command in RESP (what redis-py writes for execute_command, bytes for bytes)."""
    parts = [a if isinstance(a, bytes) else str(a).encode() for a in args]
    return b"*%d\r\n" % len(parts) + b"".join(b"$%d\r\n%b\r\n" % (len(p), p) for p in parts)


class LeanClient:
    """A raw socket with hiredis's reply parser: the same wire bytes as redis-py's execute_command
    without redis-py's per-call Python work (connection pool, argument encoding, response callbacks), so
    the 1-client figure shows the server's own cost per query."""

    def __init__(self, port: int) -> None:
        import hiredis

        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.reader = hiredis.Reader()

    def call(self, wire: bytes) -> Any:
        self.sock.sendall(wire)
        while True:
            reply = self.reader.gets()
            if reply is not False:
                return reply
            self.reader.feed(self.sock.recv(1 << 16))

    def close(self) -> None:
        self.sock.close()


class PollingClient(LeanClient):
    """The lean client on a non-blocking socket that polls for the reply instead of sleeping in recv.

    On a virtual machine a vCPU that went idle (halted) during a long request is expensive to wake: the
    reply's send pays for it, tens of microseconds per round trip that neither the server nor the library
    spends. Polling keeps the client's CPU awake, so this figure shows the server's own per-query cost
    more closely (the blocking client's figure is the one a normal client sees)."""

    def __init__(self, port: int) -> None:
        super().__init__(port)
        self.sock.setblocking(False)

    def call(self, wire: bytes) -> Any:
        view = memoryview(wire)
        while view:
            try:
                view = view[self.sock.send(view):]
            except BlockingIOError:
                pass
        while True:
            reply = self.reader.gets()
            if reply is not False:
                return reply
            try:
                self.reader.feed(self.sock.recv(1 << 16))
            except BlockingIOError:
                pass


def _client_worker(port: int, share: int, commands: list[list[Any]], start: Any, out: Any, lean: bool) -> None:
    import redis

    call: Callable[[Any], Any]
    items: list[Any]
    if lean:
        call, items = LeanClient(port).call, [encode_command(cmd) for cmd in commands]
    else:
        rclient = redis.Redis(port=port, protocol=2)
        rclient.ping()
        call, items = (lambda cmd: rclient.execute_command(*cmd)), commands
    start.wait()
    found, lat = [], []
    for item in items:
        t = time.perf_counter()
        found.append(parse_ids(call(item)))
        lat.append(time.perf_counter() - t)
    out.put((share, found, lat))


def concurrent_queries(port: int, commands: list[list[Any]], clients: int,
                       lean: bool = False) -> tuple[list[list[int]], np.ndarray, float]:
    """Run ``commands`` split over ``clients`` processes (redis-py, or the lean client with the commands
    encoded beforehand): (results in command order, latencies, wall s)."""
    ctx = mp.get_context("fork")
    start, out = ctx.Barrier(clients + 1), ctx.Queue()
    shares = [list(range(i, len(commands), clients)) for i in range(clients)]
    procs = [ctx.Process(target=_client_worker, args=(port, i, [commands[j] for j in share], start, out, lean))
             for i, share in enumerate(shares)]
    for proc in procs:
        proc.start()
    start.wait()
    t = time.perf_counter()
    results = [out.get() for _ in procs]
    wall = time.perf_counter() - t
    for proc in procs:
        proc.join()
    found: list[list[int]] = [[] for _ in commands]
    lat: list[float] = []
    for share, share_found, share_lat in results:
        for j, ids in zip(shares[share], share_found, strict=True):
            found[j] = ids
        lat.extend(share_lat)
    return found, np.array(lat), wall


PAIR_BLOCK = 25


def paired_ratio(raw_index: Any, ef: int, queries: np.ndarray, call: Callable[[bytes], Any],
                 wires: list[bytes]) -> float:
    """Server QPS / raw QPS with the two alternating in blocks of PAIR_BLOCK queries (raw first, then
    server first, ...), so a machine that speeds up or slows down over the run (a shared VM does, by tens
    of percent between phases minutes apart) moves both sides alike. Both get their queries ready-made:
    numpy rows in-process, commands already encoded for the server."""
    raw_s = server_s = 0.0
    pc = time.perf_counter
    for b, start in enumerate(range(0, len(queries), PAIR_BLOCK)):
        stop = start + PAIR_BLOCK
        for side in ((0, 1) if b % 2 == 0 else (1, 0)):
            if side == 0:
                raw_index.set_ef(ef)
                t = pc()
                for q in queries[start:stop]:
                    raw_index.knn_query(q, k=K, num_threads=1)
                raw_s += pc() - t
            else:
                t = pc()
                for wire in wires[start:stop]:
                    call(wire)
                server_s += pc() - t
    return raw_s / server_s


def paired_ratios(raw_index: Any, ef: int, queries: np.ndarray, port: int, lean: LeanClient,
                  wires: list[bytes]) -> dict[str, float]:
    """paired_ratio with the blocking lean client and with a polling one: ``paired_<ef>`` and
    ``paired_polling_<ef>``."""
    polling = PollingClient(port)
    try:
        return {f"paired_{ef}": paired_ratio(raw_index, ef, queries, lean.call, wires),
                f"paired_polling_{ef}": paired_ratio(raw_index, ef, queries, polling.call, wires)}
    finally:
        polling.close()


def create_index(client: Any, dim: int) -> None:
    """The benchmark's index (the same FT.CREATE for RedVector and Redis Stack)."""
    client.execute_command(
        "FT.CREATE", "idx", "ON", "HASH", "PREFIX", "1", "doc:", "SCHEMA",
        "embedding", "VECTOR", "HNSW", "10", "TYPE", "FLOAT32", "DIM", str(dim),
        "DISTANCE_METRIC", "COSINE", "M", "16", "EF_CONSTRUCTION", "200",
        "pos", "TAG", "lexname", "TAG", "kind", "TAG")


def hset_pipelined(client: Any, hashes: Iterable[tuple[str, dict[str, Any]]], batch: int = 500) -> None:
    """HSET each (key, mapping) through a non-transactional redis-py pipeline, ``batch`` at a time."""
    pipe = client.pipeline(transaction=False)
    for key, mapping in hashes:
        pipe.hset(key, mapping=mapping)
        if len(pipe) == batch:
            pipe.execute()
    pipe.execute()


def load_hashes(client: Any, ds: Dataset) -> None:
    """Every base vector as a hash (blob + the three filter columns), pipelined 500 at a time."""
    hset_pipelined(client, ((f"doc:{i}", {"embedding": v.tobytes(), "pos": ds.meta["pos"][i],
                                          "lexname": ds.meta["lexname"][i], "kind": ds.meta["kind"][i]})
                            for i, v in enumerate(ds.base)))


def wait_indexed(client: Any, timeout_s: float = 3600) -> None:
    """Until FT.INFO says the index is built (``indexing`` 0: initial scan and HNSW batches done)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        info = client.execute_command("FT.INFO", "idx")
        fields = dict(zip(info[::2], info[1::2], strict=False))
        if int(fields.get(b"indexing", 0)) == 0:
            return
        time.sleep(0.05)


def bench_server(ds: Dataset, efs: list[int], clients: int, raw_build_s: float,
                 raw_index: Any = None) -> tuple[dict[str, float], list[Row]]:
    import redis

    stats: dict[str, float] = {}
    rows: list[Row] = []
    with redvector_server() as (port, proc):
        client = redis.Redis(port=port, protocol=2)
        stats["rss_empty_mb"] = rss_mb(proc.pid)
        try:
            create_index(client, ds.dim)
        except redis.ResponseError as exc:
            print(f"\nRedVector server part skipped: FT.CREATE failed ({exc}); the FT.* commands are not in "
                  "this build yet (they come from the search-ft branch).", flush=True)
            return stats, rows
        t = time.perf_counter()
        load_hashes(client, ds)
        stats["hset_s"] = time.perf_counter() - t
        wait_indexed(client)
        stats["load_s"] = time.perf_counter() - t
        stats["rss_mb"] = rss_mb(proc.pid)
        print(f"RedVector load: {len(ds.base)} pipelined HSETs in {stats['hset_s']:.1f} s, index built after "
              f"{stats['load_s']:.1f} s ({stats['load_s'] / raw_build_s:.2f}x raw hnswlib build); server RSS "
              f"{stats['rss_mb']:.0f} MB", flush=True)
        blobs = [q.tobytes() for q in ds.queries]
        settings: list[int | None] = [None, *efs]
        for ef in settings:
            label = "default ef" if ef is None else f"ef={ef}"
            commands = [knn_command(ef, b) for b in blobs]
            def one(q: np.ndarray, ef: int | None = ef) -> list[int]:
                return parse_ids(client.execute_command(*knn_command(ef, q.tobytes())))

            found, lat = timed_queries(one, ds.queries)
            rows.append(row("RedVector FT.SEARCH 1 client", label, found, lat, ds.gt, note="redis-py"))
            lean = LeanClient(port)

            def lean_one(q: np.ndarray, ef: int | None = ef, lean: LeanClient = lean) -> list[int]:
                return parse_ids(lean.call(encode_command(knn_command(ef, q.tobytes()))))

            found, lat = timed_queries(lean_one, ds.queries)
            if raw_index is not None and ef is not None:
                wires = [encode_command(c) for c in commands]
                stats.update(paired_ratios(raw_index, ef, ds.queries, port, lean, wires))
            lean.close()
            rows.append(row("RedVector FT.SEARCH 1 client", label, found, lat, ds.gt,
                            note="lean client (socket + hiredis)"))
            for lean_clients in (False, True):
                server_cpu = proc_cpu_s(proc.pid)
                found, lat, wall = concurrent_queries(port, commands, clients, lean_clients)
                busy = (proc_cpu_s(proc.pid) - server_cpu) / wall
                rows.append(row(f"RedVector FT.SEARCH {clients} clients", label, found, lat, ds.gt, wall_s=wall,
                                note=f"{'lean clients' if lean_clients else 'redis-py'}; server busy {busy:.2f} "
                                     "cores (client processes share the CPUs)"))
        # The same 8-client load with every search on the event loop (FT.CONFIG SET WORKERS 0), for
        # comparison with the default (worker threads when several connections search).
        workers = client.execute_command("FT.CONFIG", "GET", "WORKERS")[0][1]
        client.execute_command("FT.CONFIG", "SET", "WORKERS", "0")
        server_cpu = proc_cpu_s(proc.pid)
        found, lat, wall = concurrent_queries(port, [knn_command(None, b) for b in blobs], clients, True)
        busy = (proc_cpu_s(proc.pid) - server_cpu) / wall
        client.execute_command("FT.CONFIG", "SET", "WORKERS", workers)
        rows.append(row(f"RedVector FT.SEARCH {clients} clients", "default ef", found, lat, ds.gt, wall_s=wall,
                        note=f"WORKERS 0, lean clients; server busy {busy:.2f} cores"))
        for name, (col, value) in FILTERS.items():
            prefilter = f"@{col}:{{{value.replace('.', chr(92) + '.')}}}"
            def filtered(q: np.ndarray, prefilter: str = prefilter) -> list[int]:
                return parse_ids(client.execute_command(*knn_command(None, q.tobytes(), prefilter)))

            found, lat = timed_queries(filtered, ds.queries)
            share = 100 * sum(1 for x in ds.meta[col] if x == value) / len(ds.base)
            rows.append(row("RedVector FT.SEARCH filtered", f"{name} {share:.1f}%", found, lat, ds.filter_gt[name]))
        stats["rss_after_mb"] = rss_mb(proc.pid)
    return stats, rows


# -- pgvector ------------------------------------------------------------------------------------------------------
def bench_pgvector(ds: Dataset, efs: list[int]) -> tuple[dict[str, float], list[Row]]:
    try:
        import pgserver
        import psycopg
    except ImportError as exc:
        print(f"\npgvector skipped: {exc} (pip install pgserver 'psycopg[binary]')", flush=True)
        return {}, []
    stats: dict[str, float] = {}
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="pg-bench") as d:
        os.chmod(d, 0o777)  # pgserver runs postgres as an unprivileged user when started as root
        try:
            server = pgserver.get_server(d, cleanup_mode="stop")
        except Exception as exc:
            print(f"\npgvector skipped: pgserver did not start ({exc})", flush=True)
            return {}, []
        try:
            with psycopg.connect(server.get_uri(), autocommit=True) as conn:
                conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
                conn.execute(f"CREATE TABLE items (id int PRIMARY KEY, emb vector({ds.dim}), pos text, "
                             "lexname text, kind text)")
                t = time.perf_counter()
                with conn.cursor().copy("COPY items (id, emb, pos, lexname, kind) FROM STDIN") as copy:
                    for i, v in enumerate(ds.base):
                        copy.write_row((i, "[" + ",".join(map(repr, v.tolist())) + "]", ds.meta["pos"][i],
                                        ds.meta["lexname"][i], ds.meta["kind"][i]))
                stats["copy_s"] = time.perf_counter() - t
                conn.execute("SET maintenance_work_mem = '1GB'")
                conn.execute(f"SET max_parallel_maintenance_workers = {max(0, (os.cpu_count() or 1) - 1)}")
                t = time.perf_counter()
                conn.execute("CREATE INDEX ON items USING hnsw (emb vector_cosine_ops) "
                             "WITH (m = 16, ef_construction = 200)")
                stats["build_s"] = time.perf_counter() - t
                size = conn.execute("SELECT pg_relation_size('items_emb_idx'), pg_total_relation_size('items')"
                                    ).fetchone()
                assert size is not None
                stats["index_mb"], stats["table_mb"] = size[0] / 2**20, size[1] / 2**20
                print(f"pgvector: COPY {stats['copy_s']:.1f} s, HNSW build {stats['build_s']:.1f} s, index "
                      f"{stats['index_mb']:.0f} MB, table+index {stats['table_mb']:.0f} MB", flush=True)
                texts = ["[" + ",".join(map(repr, q.tolist())) + "]" for q in ds.queries]
                for ef in efs:
                    conn.execute(f"SET hnsw.ef_search = {ef}")
                    found, lat = _pg_queries(conn, texts, "")
                    rows.append(row("pgvector HNSW (psycopg)", f"ef_search={ef}", found, lat, ds.gt))
                conn.execute("SET hnsw.ef_search = 64")
                for name, (col, value) in FILTERS.items():
                    found, lat = _pg_queries(conn, texts, f"WHERE {col} = '{value}'")
                    rows.append(row("pgvector filtered ef_search=64", name, found, lat, ds.filter_gt[name]))
        finally:
            server.cleanup()
    return stats, rows


# -- Redis Stack (RediSearch 2.10) ----------------------------------------------------------------------------------
STACK_SCRIPT = ROOT.parent / "shared" / "tools" / "redis-stack.sh"


class StackPeer(NamedTuple):
    port: int
    data_dir: str

    @property
    def pid(self) -> int:
        return int(Path(self.data_dir, "redis.pid").read_text().strip())


@contextlib.contextmanager
def stack_peer(prefix: str) -> Iterator[StackPeer | None]:
    """A Redis Stack (the benchmarks' peer) started on a free port in a temporary directory and stopped
    after; None, with a message, when its script is missing or it does not start. A data directory the
    stopping server still writes (its shutdown save) does not fail the run."""
    if not STACK_SCRIPT.exists():
        print(f"\nRedis Stack skipped: {STACK_SCRIPT} not found", flush=True)
        yield None
        return
    port = free_port()
    with tempfile.TemporaryDirectory(prefix=prefix, ignore_cleanup_errors=True) as d:
        started = subprocess.run(["bash", str(STACK_SCRIPT), "start", str(port), d], capture_output=True, text=True)
        if started.returncode != 0:
            print(f"\nRedis Stack skipped: it did not start ({started.stderr.strip()[-300:]})", flush=True)
            yield None
            return
        try:
            yield StackPeer(port, d)
        finally:
            subprocess.run(["bash", str(STACK_SCRIPT), "stop", str(port), d], capture_output=True)


def bench_redis_stack(ds: Dataset, efs: list[int], raw_index: Any = None) -> tuple[dict[str, float], list[Row]]:
    """The same load and queries against Redis Stack 7.4 (RediSearch's own HNSW, C), the product RedVector
    replaces: the peer for RSS and per-query cost. Skipped when its script or server is unavailable."""
    import redis

    stats: dict[str, float] = {}
    rows: list[Row] = []
    with stack_peer("stack-bench") as peer:
        if peer is None:
            return {}, []
        port, pid = peer.port, peer.pid
        client = redis.Redis(port=port, protocol=2)
        stats["rss_empty_mb"] = rss_mb(pid)
        create_index(client, ds.dim)
        t = time.perf_counter()
        load_hashes(client, ds)
        wait_indexed(client)
        stats["load_s"] = time.perf_counter() - t
        stats["rss_mb"] = rss_mb(pid)
        print(f"Redis Stack load: {len(ds.base)} pipelined HSETs + index built in {stats['load_s']:.1f} s; "
              f"RSS {stats['rss_mb']:.0f} MB", flush=True)
        lean = LeanClient(port)
        for ef in efs:
            def lean_one(q: np.ndarray, ef: int = ef, lean: LeanClient = lean) -> list[int]:
                return parse_ids(lean.call(encode_command(knn_command(ef, q.tobytes()))))

            found, lat = timed_queries(lean_one, ds.queries)
            rows.append(row("Redis Stack FT.SEARCH 1 client", f"ef={ef}", found, lat, ds.gt,
                            note="lean client (socket + hiredis)"))
            if raw_index is not None:
                wires = [encode_command(knn_command(ef, q.tobytes())) for q in ds.queries]
                stats.update(paired_ratios(raw_index, ef, ds.queries, port, lean, wires))
        for name, (col, value) in FILTERS.items():
            prefilter = f"@{col}:{{{value.replace('.', chr(92) + '.')}}}"

            def filtered(q: np.ndarray, prefilter: str = prefilter, lean: LeanClient = lean) -> list[int]:
                return parse_ids(lean.call(encode_command(knn_command(64, q.tobytes(), prefilter))))

            found, lat = timed_queries(filtered, ds.queries)
            rows.append(row("Redis Stack filtered ef=64", name, found, lat, ds.filter_gt[name]))
        lean.close()
    return stats, rows


def _pg_queries(conn: Any, texts: list[str], where: str) -> tuple[list[list[int]], np.ndarray]:
    sql = f"SELECT id FROM items {where} ORDER BY emb <=> %s::vector LIMIT {K}"
    found, lat = [], []
    for text in texts:
        t = time.perf_counter()
        found.append([r[0] for r in conn.execute(sql, (text,), prepare=True).fetchall()])
        lat.append(time.perf_counter() - t)
    return found, np.array(lat)


# -- main -----------------------------------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="20k vectors, 300 queries")
    parser.add_argument("--n", type=int, help="vectors to load (default 100000)")
    parser.add_argument("--queries", type=int, help="queries (default 1000; 300 with --quick)")
    parser.add_argument("--efs", default="10,20,40,64,100,200", help="EF_RUNTIME values")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1, help="raw hnswlib build threads")
    parser.add_argument("--flat-queries", type=int, default=100)
    parser.add_argument("--exact-queries", type=int, default=10,
                        help="queries for the slow exact-over-subset strategy of the filtered raw bench")
    parser.add_argument("--library", action="store_true", help="also RedVector's HnswIndex in-process")
    parser.add_argument("--no-server", action="store_true")
    parser.add_argument("--no-pg", action="store_true")
    parser.add_argument("--no-stack", action="store_true", help="skip the Redis Stack peer")
    args = parser.parse_args()
    n = args.n or (20_000 if args.quick else 100_000)
    nq = args.queries or (300 if args.quick else 1000)
    efs = [int(x) for x in args.efs.split(",")]

    print(f"# search_bench: minilm {n} x 384 cosine, {nq} queries, k={K}, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f} at start (shared machine: figures are noisy)", flush=True)
    ds = load_dataset(n, nq)
    raw_data_mb = ds.base.nbytes / 2**20

    raw_stats, raw_rows, raw_index = bench_raw(ds, efs, args.threads)
    filtered_rows = bench_raw_filtered(ds, raw_index, 64, args.exact_queries)
    flat_row = bench_flat(ds, args.flat_queries)
    print_rows("unfiltered KNN, in-process", [*raw_rows, flat_row])
    print_rows("filtered KNN strategies on the raw graph (hybrid policy threshold)", filtered_rows)

    lib_rows: list[Row] = []
    if args.library:
        _, lib_rows = bench_library(ds, efs)
        print_rows("RedVector HnswIndex in-process", lib_rows)

    server_stats: dict[str, float] = {}
    server_rows: list[Row] = []
    if not args.no_server:
        server_stats, server_rows = bench_server(ds, efs, args.clients, raw_stats["build_s"], raw_index)
        if server_rows:
            print_rows("RedVector server (FT.SEARCH over RESP, redis-py)", server_rows)

    pg_rows: list[Row] = []
    if not args.no_pg:
        _, pg_rows = bench_pgvector(ds, efs)
        if pg_rows:
            print_rows("pgvector (PostgreSQL via pgserver)", pg_rows)

    stack_stats: dict[str, float] = {}
    stack_rows: list[Row] = []
    if not args.no_stack:
        stack_stats, stack_rows = bench_redis_stack(ds, efs, raw_index)
        if stack_rows:
            print_rows("Redis Stack 7.4 (RediSearch 2.10, same load and queries)", stack_rows)

    print("\n## summary (ratios within this run)")
    raw_by_ef = {r.setting: r for r in raw_rows}
    graph_mb = max(raw_stats["mem_mb"] - raw_data_mb, 0.0)
    print(f"raw float32 data {raw_data_mb:.0f} MB; hnswlib index (vectors + graph) {raw_stats['mem_mb']:.0f} MB "
          f"(graph links ~{graph_mb:.0f} MB); raw build {raw_stats['build_s']:.1f} s")
    if server_rows:
        default = next(r for r in server_rows if r.setting == "default ef" and "1 client" in r.engine)
        print(f"recall@10 at the default EF_RUNTIME: {default.recall:.3f} (target >= 0.95)")
        for r in server_rows:
            raw = raw_by_ef.get(r.setting)
            if raw is not None and "1 client" in r.engine:
                print(f"  {r.setting}: server 1-client QPS {r.qps:.0f} / raw {raw.qps:.0f} = {r.qps / raw.qps:.2f}x "
                      f"(recall {r.recall:.3f} vs {raw.recall:.3f}; target >= 0.6x; by p50 latency "
                      f"{raw.p50_ms / r.p50_ms:.2f}x, less sensitive to a busy machine) [{r.note}]")
        print(f"  paired, raw and server alternating in blocks of {PAIR_BLOCK} queries (lean client, commands "
              "encoded beforehand; drift of the machine cancels out):")
        for ef in efs:
            for kind, label in (("paired", "blocking client"), ("paired_polling", "polling client")):
                key = f"{kind}_{ef}"
                if key in server_stats:
                    peer = f"; Redis Stack {stack_stats[key]:.2f}x raw" if key in stack_stats else ""
                    print(f"    ef={ef}, {label}: RedVector {server_stats[key]:.2f}x raw (target >= 0.6x){peer}")
        for client_kind in ("redis-py", "lean"):
            many = [r for r in server_rows if "clients" in r.engine and r.note.startswith(client_kind)]
            one = [r for r in server_rows if "1 client" in r.engine and r.note.startswith(client_kind)]
            for a, b in zip(one, many, strict=False):
                print(f"  {a.setting}: {args.clients} clients {b.qps:.0f} QPS = {b.qps / a.qps:.2f}x one client "
                      f"({client_kind}; {b.note.split('; ')[1].split(' (')[0]})")
        for r in server_rows:
            if r.note.startswith("WORKERS 0"):
                print(f"  default ef: {args.clients} lean clients with every search on the event loop (WORKERS 0): "
                      f"{r.qps:.0f} QPS ({r.note.split('; ')[1]})")
        print(f"load (HSET + index built) {server_stats['load_s']:.1f} s = "
              f"{server_stats['load_s'] / raw_stats['build_s']:.2f}x raw build (target <= 1.5x)")
        rss, empty = server_stats["rss_mb"], server_stats["rss_empty_mb"]
        print(f"server RSS {rss:.0f} MB (empty server {empty:.0f} MB, growth {rss - empty:.0f} MB); target <= 2.5x:\n"
              f"  vs raw float32 data + graph links ({raw_data_mb + graph_mb:.0f} MB): "
              f"{rss / (raw_data_mb + graph_mb):.2f}x (growth {(rss - empty) / (raw_data_mb + graph_mb):.2f}x)\n"
              f"  vs raw float32 data + hnswlib index ({raw_data_mb + raw_stats['mem_mb']:.0f} MB): "
              f"{rss / (raw_data_mb + raw_stats['mem_mb']):.2f}x")
        print(f"  after every query above: {server_stats['rss_after_mb']:.0f} MB (filter caches and the gathered "
              "vectors of repeated filters included)")
        if stack_stats:
            print(f"  vs Redis Stack's RSS with the same data and index ({stack_stats['rss_mb']:.0f} MB): "
                  f"{rss / stack_stats['rss_mb']:.2f}x; Redis Stack load {stack_stats['load_s']:.1f} s")
        stack_by_key = {(r.engine.split()[-1], r.setting): r for r in stack_rows}
        for r in server_rows:
            if "filtered" in r.engine:
                print(f"  filtered {r.setting}: recall {r.recall:.3f} at {r.qps:.0f} QPS")
        for r in server_rows:
            peer = stack_by_key.get(("client", r.setting))
            if peer is not None and "1 client" in r.engine and "lean" in r.note:
                print(f"  {r.setting}: RedVector lean-client QPS {r.qps:.0f} vs Redis Stack {peer.qps:.0f} = "
                      f"{r.qps / peer.qps:.2f}x (recall {r.recall:.3f} vs {peer.recall:.3f})")
    elif not args.no_server:
        print("server: skipped (see above)")


if __name__ == "__main__":
    main()
