"""KV benchmark: redis-benchmark against Debian's redis-server and RedVector in the same run.

    python bench/kv_bench.py            # full run (a few minutes)
    python bench/kv_bench.py --quick    # fewer requests, 200k keys for the memory and latency phases

Prints, per test and pipeline depth, ops/s for both servers and the ratio RedVector/Redis; the RSS of
both after loading N small string keys; and p50/p99/max latency of GET/SET on RedVector (and Redis) with
those keys loaded while another client keeps writing, for each garbage-collector setting compared.
Server and client are pinned to different cores with taskset when there are at least two.
Figures on a shared machine are noisy: compare the ratios, and rerun.
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
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# redis-benchmark -t name -> the row title it prints in --csv mode.
TESTS: dict[str, str] = {
    "get": "GET", "set": "SET", "incr": "INCR", "mset": "MSET (10 keys)", "lpush": "LPUSH", "lpop": "LPOP",
    "sadd": "SADD", "hset": "HSET", "zadd": "ZADD", "lrange_100": "LRANGE_100 (first 100 elements)",
}
# The command each test needs; a test whose command the server lacks prints "n/a".
NEEDS: dict[str, str] = {"lrange_100": "lrange", "mset": "mset"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pin(cpu: str | None) -> list[str]:
    return ["taskset", "-c", cpu] if cpu is not None and shutil.which("taskset") else []


def wait_ready(port: int, proc: subprocess.Popen[bytes], timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server on port {port} exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(b"PING\r\n")
                if s.recv(16).startswith(b"+PONG"):
                    return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"server on port {port} did not start")


@dataclass
class Server:
    name: str
    port: int
    proc: subprocess.Popen[bytes]

    def rss_bytes(self) -> int:
        with open(f"/proc/{self.proc.pid}/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        return 0

    def call(self, *args: bytes) -> bytes:
        with socket.create_connection(("127.0.0.1", self.port), timeout=30) as s:
            s.sendall(encode_command(list(args)))
            return read_reply(s)

    def has_command(self, name: str) -> bool:
        return not self.call(b"COMMAND", b"INFO", name.encode()).startswith((b"*1\r\n*-1", b"*1\r\n_", b"*1\r\n$-1"))


def encode_command(argv: list[bytes]) -> bytes:
    out = [b"*%d\r\n" % len(argv)]
    for a in argv:
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


def read_reply(s: socket.socket) -> bytes:
    """One reply: a bulk/verbatim string read to its declared length, anything else to its first line."""
    s.settimeout(30)
    data = b""
    while b"\r\n" not in data:
        chunk = s.recv(65536)
        if not chunk:
            return data
        data += chunk
    if data[:1] in (b"$", b"="):
        size = int(data[1 : data.index(b"\r\n")])
        need = data.index(b"\r\n") + 2 + max(size, 0) + 2
        while len(data) < need:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    elif data[:1] == b"*":
        s.settimeout(0.2)  # arrays: short replies (COMMAND INFO), read what arrives
        try:
            while chunk := s.recv(65536):
                data += chunk
        except TimeoutError:
            pass
    return data


@contextmanager
def start_server(name: str, cpu: str | None, extra: list[str]) -> Iterator[Server]:
    port = free_port()
    workdir = tempfile.mkdtemp(prefix=f"kvbench-{name}-")
    if name == "redis":
        cmd = [*pin(cpu), "redis-server", "--port", str(port), "--save", "", "--appendonly", "no",
               "--dir", workdir, *extra]
    else:
        cmd = [*pin(cpu), sys.executable, "-m", "redvector", "--port", str(port), "--appendonly", "no",
               "--save", "", "--dir", workdir, "--rest-port", "0", "--grpc-port", "0", "--qdrant-port", "0",
               "--qdrant-grpc-port", "0", *extra]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen(cmd, cwd=workdir, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_ready(port, proc)
        yield Server(name, port, proc)
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(workdir, ignore_errors=True)


def redis_benchmark(port: int, cpu: str | None, test: str, requests: int, clients: int, pipeline: int,
                    keyspace: int = 0) -> dict[str, float]:
    """One redis-benchmark test; returns rps and latency percentiles (ms) from its CSV output."""
    cmd = [*pin(cpu), "redis-benchmark", "-p", str(port), "-c", str(clients), "-n", str(requests),
           "-P", str(pipeline), "-t", test, "--csv"]
    if keyspace:
        cmd += ["-r", str(keyspace)]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=600).stdout
    title = TESTS.get(test, test.upper())
    for row in csv.DictReader(io.StringIO(out)):
        if row.get("test") == title:
            return {k: float(v) for k, v in row.items() if k != "test"}
    raise RuntimeError(f"no result for {test} in: {out!r}")


def load_keys(server: Server, count: int, kind: str = "strings", batch: int = 1000) -> float:
    """Load count small keys: strings (key:NNNNNNN -> value-NNNN, pipelined MSETs) or hashes (one HSET
    of two fields per key, pipelined); returns seconds."""
    start = time.perf_counter()
    with socket.create_connection(("127.0.0.1", server.port), timeout=300) as s:
        pending = 0
        for base in range(0, count, batch):
            end = min(base + batch, count)
            if kind == "strings":
                argv = [b"MSET"]
                for i in range(base, end):
                    argv += [b"key:%07d" % i, b"value-%d" % (i % 10000)]
                s.sendall(encode_command(argv))
                pending += 1
            else:
                s.sendall(b"".join(encode_command([b"HSET", b"hkey:%07d" % i, b"f1", b"%d" % i, b"f2", b"v"])
                                   for i in range(base, end)))
                pending += end - base
            if pending >= 32 * (1 if kind == "strings" else batch):
                _drain(s, pending)
                pending = 0
        _drain(s, pending)
    return time.perf_counter() - start


def _drain(s: socket.socket, replies: int) -> None:
    """Read ``replies`` one-line replies (+OK or :N)."""
    s.settimeout(300)
    seen = 0
    while seen < replies:
        seen += s.recv(1 << 20).count(b"\r\n")


def throughput(args: argparse.Namespace) -> None:
    print(f"\n== Throughput: redis-benchmark -c {args.clients}, {args.requests} requests per test; "
          f"server on cpu {args.server_cpu}, client on cpu {args.client_cpu}")
    print(f"{'test':<12}{'-P':>4}{'redis ops/s':>14}{'redvector ops/s':>18}{'ratio':>8}")
    with start_server("redis", args.server_cpu, []) as redis_srv, \
            start_server("redvector", args.server_cpu, []) as rv_srv:
        for test in args.tests:
            supported = rv_srv.has_command(NEEDS.get(test, test))
            for pipeline in args.pipelines:
                base = redis_benchmark(redis_srv.port, args.client_cpu, test, args.requests, args.clients, pipeline)
                if not supported:
                    print(f"{test:<12}{pipeline:>4}{base['rps']:>14,.0f}{'n/a':>18}{'n/a':>8}", flush=True)
                    continue
                mine = redis_benchmark(rv_srv.port, args.client_cpu, test, args.requests, args.clients, pipeline)
                ratio = mine["rps"] / base["rps"]
                print(f"{test:<12}{pipeline:>4}{base['rps']:>14,.0f}{mine['rps']:>18,.0f}{ratio:>8.2f}", flush=True)


def memory(args: argparse.Namespace) -> None:
    print(f"\n== Memory: RSS after loading {args.keys:,} small string keys")
    results = {}
    for name in ("redis", "redvector"):
        with start_server(name, args.server_cpu, []) as srv:
            before = srv.rss_bytes()
            seconds = load_keys(srv, args.keys)
            time.sleep(0.5)
            results[name] = srv.rss_bytes()
            print(f"{name:<10} RSS {results[name] / 2**20:8.1f} MiB (empty {before / 2**20:.1f} MiB), "
                  f"loaded in {seconds:.1f}s", flush=True)
    print(f"ratio redvector/redis: {results['redvector'] / results['redis']:.2f}")


def latency(args: argparse.Namespace) -> None:
    with start_server("redvector", args.server_cpu, []) as probe:
        kind = "hashes" if probe.has_command("hset") and args.latency_values == "hashes" else "strings"
    print(f"\n== Latency: GET/SET -c {args.clients} -P 1 with {args.keys:,} {kind} loaded while a second "
          f"client keeps creating keys (2 clients, -P 1)")
    print(f"{'server':<28}{'test':<6}{'ops/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}")
    variants = [("redis", [])] + [(f"redvector gc={mode}", ["--gc-mode", mode]) for mode in args.gc_modes]
    for label, extra in variants:
        name = "redis" if label == "redis" else "redvector"
        with start_server(name, args.server_cpu, extra) as srv:
            load_keys(srv, args.keys, kind)
            # The writer creates new keys of the loaded kind all along (new containers are what the
            # cyclic collector has to track), over a key range ten times the loaded one.
            write = ["HSET", "wkey:__rand_int__", "f", "v"] if kind == "hashes" else ["SET", "wkey:__rand_int__", "v"]
            writer = subprocess.Popen(
                [*pin(args.client_cpu), "redis-benchmark", "-p", str(srv.port), "-c", "2", "-n", "100000000",
                 "-P", "1", "-r", str(10 * args.keys), "-q", *write],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                time.sleep(1.5)  # past the first second: gc-mode tuned has frozen the loaded data
                srv.call(b"CONFIG", b"RESETSTAT")  # RedVector: gc pauses counted from here
                for test in ("get", "set"):
                    res = redis_benchmark(srv.port, args.client_cpu, test, args.latency_requests, args.clients, 1,
                                          keyspace=args.keys)
                    print(f"{label:<28}{test.upper():<6}{res['rps']:>10,.0f}{res['p50_latency_ms']:>9.3f}"
                          f"{res['p99_latency_ms']:>9.3f}{res['max_latency_ms']:>9.3f}", flush=True)
                if name == "redvector":
                    info = dict(line.split(":", 1) for line in srv.call(b"INFO", b"memory").decode().split("\r\n")
                                if ":" in line)
                    print(f"{'':<28}gc: {info.get('gc_collections')} collections, max pause "
                          f"{info.get('gc_pause_max_ms')} ms, total {info.get('gc_pause_total_ms')} ms, "
                          f"{info.get('gc_frozen_objects')} objects frozen", flush=True)
            finally:
                writer.terminate()
                writer.wait()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer requests and keys (about a minute)")
    parser.add_argument("--requests", type=int, default=None, help="requests per throughput test")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--pipelines", type=int, nargs="+", default=[1, 16])
    parser.add_argument("--tests", nargs="+", default=list(TESTS), choices=list(TESTS))
    parser.add_argument("--keys", type=int, default=None, help="keys for the memory and latency phases")
    parser.add_argument("--latency-values", choices=["strings", "hashes"], default="hashes",
                        help="what the latency phase loads (hashes are GC-tracked containers)")
    parser.add_argument("--gc-modes", nargs="+", default=["default", "tuned"],
                        help="RedVector gc-mode values compared in the latency phase")
    parser.add_argument("--server-cpu", default=None, help="cpu for the servers (default: 0)")
    parser.add_argument("--client-cpu", default=None, help="cpu for redis-benchmark (default: 1)")
    parser.add_argument("--only", nargs="+", choices=["throughput", "memory", "latency"],
                        default=["throughput", "memory", "latency"])
    args = parser.parse_args()
    for tool in ("redis-server", "redis-benchmark"):
        if shutil.which(tool) is None:
            print(f"{tool} not found: apt-get install redis-server redis-tools", file=sys.stderr)
            return 1
    cpus = os.cpu_count() or 1
    if cpus >= 2:
        args.server_cpu = args.server_cpu or "0"
        args.client_cpu = args.client_cpu or "1"
    args.requests = args.requests or (100_000 if args.quick else 300_000)
    args.keys = args.keys or (200_000 if args.quick else 1_000_000)
    args.latency_requests = 50_000 if args.quick else 200_000
    print(f"RedVector KV benchmark ({'quick' if args.quick else 'full'}), {cpus} cpus, "
          f"load average {os.getloadavg()[0]:.2f} (figures are noisy on a shared machine)")
    if "throughput" in args.only:
        throughput(args)
    if "memory" in args.only:
        memory(args)
    if "latency" in args.only:
        latency(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
