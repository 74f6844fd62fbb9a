"""Persistence benchmark: write throughput per appendfsync policy against redis-server, and restart time.

    python bench/persistence_bench.py [--requests 100000] [--clients 50] [--restart-vectors 100000]

Throughput: redis-benchmark SET and LPUSH against RedVector with persistence off and with the AOF at
appendfsync no / everysec / always, and against Debian's redis-server with the same settings, in the same
run. Restart: minilm-100k vectors (../shared/data/minilm-100k) as hashes; time from process start to the
first PONG when loading from the AOF and from an RDB snapshot; with an FT.CREATE ... HNSW index when the
server has FT.* (snapshot with and without the saved graph). Figures on a shared machine are noisy.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import redis

ROOT = Path(__file__).resolve().parent.parent
# shared/ sits beside the repository (CI) or beside the worktrees' folder (developers).
DATASET = next((p / "shared" / "data" / "minilm-100k" for p in (ROOT.parent, ROOT.parent.parent)
                if (p / "shared" / "data" / "minilm-100k").exists()), ROOT.parent / "shared" / "data" / "minilm-100k")
MODES = {
    "off": ["--appendonly", "no", "--save", ""],
    "no": ["--appendonly", "yes", "--appendfsync", "no", "--save", ""],
    "everysec": ["--appendonly", "yes", "--appendfsync", "everysec", "--save", ""],
    "always": ["--appendonly", "yes", "--appendfsync", "always", "--save", ""],
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_ping(port: int, proc: subprocess.Popen[bytes], timeout: float = 600) -> float:
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {proc.stdout.read().decode() if proc.stdout else ''}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(b"PING\r\n")
                if s.recv(64).startswith(b"+PONG"):
                    return time.monotonic() - start
        except OSError:
            pass
        time.sleep(0.02)
    raise RuntimeError("no PONG")


def start(kind: str, args: list[str], data_dir: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    data_dir.mkdir(parents=True, exist_ok=True)
    if kind == "redvector":
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        cmd = [sys.executable, "-m", "redvector", "--port", str(port), "--rest-port", "0", "--grpc-port", "0",
               "--qdrant-port", "0", "--qdrant-grpc-port", "0", "--dir", str(data_dir), *args]
    else:
        env = dict(os.environ)
        cmd = ["redis-server", "--port", str(port), "--dir", str(data_dir), "--bind", "127.0.0.1", *args]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    wait_ping(port, proc)
    return proc, port


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(120)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def benchmark(port: int, tests: str, requests: int, clients: int) -> dict[str, float]:
    out = subprocess.run(
        ["redis-benchmark", "-p", str(port), "-t", tests, "-n", str(requests), "-c", str(clients), "-q", "--csv"],
        capture_output=True, text=True, timeout=900,
    ).stdout
    rows = [r for r in csv.reader(io.StringIO(out)) if r and r[0] != "test"]
    return {r[0]: float(r[1]) for r in rows}


def throughput(requests: int, clients: int, rounds: int) -> None:
    print(f"== write throughput (redis-benchmark -n {requests} -c {clients}), requests/s, "
          f"best of {rounds} interleaved rounds")
    have_redis = shutil.which("redis-server") is not None and shutil.which("redis-benchmark") is not None
    if shutil.which("redis-benchmark") is None:
        print("redis-benchmark is not installed: skipped")
        return
    results: dict[tuple[str, str], dict[str, float]] = {}
    runs = [(mode, args, kind) for _ in range(rounds) for mode, args in MODES.items()
            for kind in (("redvector", "redis") if have_redis else ("redvector",))]
    for mode, args, kind in runs:
        with tempfile.TemporaryDirectory() as tmp:
            proc, port = start(kind, args, Path(tmp) / "data")
            try:
                tests = "set,lpush"
                client = redis.Redis(port=port)
                try:
                    client.lpush("probe", "x")
                except redis.ResponseError:
                    tests = "set"  # LPUSH not available in this build yet
                client.close()
                best = results.setdefault((kind, mode), {})
                for test, rps in benchmark(port, tests, requests, clients).items():
                    best[test] = max(best.get(test, 0.0), rps)
            finally:
                stop(proc)
    print(f"{'mode':10} {'test':6} {'RedVector':>11} {'Redis':>11} {'RV/Redis':>9} {'RV/RV-off':>10}")
    for mode in MODES:
        for test in ("SET", "LPUSH"):
            rv = results.get(("redvector", mode), {}).get(test)
            rd = results.get(("redis", mode), {}).get(test)
            off = results.get(("redvector", "off"), {}).get(test)
            if rv is None:
                continue
            ratio_redis = f"{rv / rd:9.2f}" if rd else f"{'-':>9}"
            ratio_off = f"{rv / off:10.2f}" if off else f"{'-':>10}"
            rd_text = f"{rd:11.0f}" if rd else f"{'-':>11}"
            print(f"{mode:10} {test:6} {rv:11.0f} {rd_text} {ratio_redis} {ratio_off}")
    every = results.get(("redvector", "everysec"), {}).get("SET")
    off = results.get(("redvector", "off"), {}).get("SET")
    if every and off:
        verdict = "meets" if every >= 0.8 * off else "MISSES"
        print(f"target everysec >= 0.8x persistence off (SET): {every / off:.2f}x ({verdict})")


def wait_indexed(client: redis.Redis) -> dict[bytes, bytes]:
    while True:
        info = client.execute_command("FT.INFO", "idx")
        fields = dict(zip(info[::2], info[1::2], strict=False))
        if float(fields.get(b"percent_indexed", b"1")) >= 1.0 and int(fields.get(b"indexing", 0)) == 0:
            return fields
        time.sleep(0.05)


def load_vectors(client: redis.Redis, count: int, with_index: bool) -> None:
    """HSET every vector, then FT.CREATE (one scan builds the graph), and wait until it is indexed."""
    vectors = np.load(DATASET / "base.f16.npy", mmap_mode="r")[:count].astype(np.float32)
    pipe = client.pipeline(transaction=False)
    for i, vec in enumerate(vectors):
        pipe.hset(f"doc:{i}", mapping={"vec": vec.tobytes(), "n": i})
        if i % 1000 == 999:
            pipe.execute()
    pipe.execute()
    if with_index:
        client.execute_command("FT.CREATE", "idx", "ON", "HASH", "PREFIX", "1", "doc:", "SCHEMA", "n", "NUMERIC",
                               "vec", "VECTOR", "HNSW", "6", "TYPE", "FLOAT32", "DIM", str(vectors.shape[1]),
                               "DISTANCE_METRIC", "COSINE")
        wait_indexed(client)


def timed_restart(args: list[str], data_dir: Path, probe_key: str, with_index: bool) -> str:
    """Seconds to the first PONG, and (with an index) until FT.INFO says it is fully indexed."""
    started = time.monotonic()
    proc, port = start("redvector", args, data_dir)
    pong = time.monotonic() - started
    client = redis.Redis(port=port, protocol=2, socket_timeout=600)
    assert client.exists(probe_key), "data missing after restart"
    text = f"{pong:6.1f} s to PONG"
    if with_index:
        fields = wait_indexed(client)
        text += f", {time.monotonic() - started:6.1f} s until fully indexed ({fields.get(b'num_docs')} docs)"
    client.close()
    stop(proc)
    return text


def restart(count: int) -> None:
    print(f"\n== restart time with {count} x 384 float32 vectors (process start to first PONG)")
    if not (DATASET / "base.f16.npy").exists():
        print(f"{DATASET} not found: skipped")
        return
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        proc, port = start("redvector", MODES["everysec"], data)
        client = redis.Redis(port=port, protocol=2, socket_timeout=600)
        try:
            client.execute_command("FT._LIST")
            with_index = True
        except redis.ResponseError:
            with_index = False
        t0 = time.monotonic()
        load_vectors(client, count, with_index)
        print(f"loaded in {time.monotonic() - t0:.1f} s ({'with' if with_index else 'without'} an HNSW index)")
        client.save()
        client.close()
        stop(proc)
        probe = f"doc:{count - 1}"
        rdb_only = MODES["off"][:2]
        print(f"from AOF (replaying the commands):  {timed_restart(MODES['everysec'], data, probe, with_index)}")
        print(f"from RDB with saved graphs:         {timed_restart(rdb_only, data, probe, with_index)}")
        if with_index:
            sidecars = [p for p in data.iterdir() if p.name.startswith("dump.rdb.")]
            for p in sidecars:
                p.unlink()
            print(f"from RDB without saved graphs:      {timed_restart(rdb_only, data, probe, with_index)}")
        else:
            print("FT.* not available in this build: index restart figures skipped")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--restart-vectors", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds; the best of each is kept")
    parser.add_argument("--skip-throughput", action="store_true")
    parser.add_argument("--skip-restart", action="store_true")
    args = parser.parse_args()
    if not args.skip_throughput:
        throughput(args.requests, args.clients, args.rounds)
    if not args.skip_restart:
        restart(args.restart_vectors)


if __name__ == "__main__":
    main()
