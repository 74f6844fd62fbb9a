"""Replication benchmark: a master and a replica of RedVector, and of Debian's Redis 7.0, in the same run.

    python bench/replication_bench.py            # 200k keys, 100k streamed writes
    python bench/replication_bench.py --quick    # 50k keys, 20k writes

For each pair it prints:
- full sync: time from REPLICAOF until the replica's link is up and its offset equals the master's, and
  the slowest PING another client saw on the master meanwhile (the master must keep serving);
- the stream: pipelined SET throughput on the master with the replica attached and without it, and how
  long after the last write the replica had applied everything (its lag at the end);
- RSS of both processes after the sync.
Ratios are RedVector / Redis. Figures on a shared machine are noisy: compare the ratios, and rerun.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import redis

from bench.kv_bench import Server, start_server

VALUE = b"v" * 64


def client(server: Server) -> redis.Redis:
    return redis.Redis(port=server.port, socket_timeout=120)


def load(r: redis.Redis, n: int, prefix: str, batch: int = 1000) -> float:
    started = time.perf_counter()
    pipe = r.pipeline(transaction=False)
    for i in range(n):
        pipe.set(f"{prefix}{i}", VALUE)
        if len(pipe) == batch:
            pipe.execute()
    pipe.execute()
    return time.perf_counter() - started


def cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process so far."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def offset(r: redis.Redis) -> int:
    return int(r.info("replication")["master_repl_offset"])


def caught_up(master: redis.Redis, replica: redis.Redis) -> bool:
    info = replica.info("replication")
    return info.get("master_link_status") == "up" and int(info["master_repl_offset"]) == offset(master)


def wait(check: Any, timeout_s: float = 600) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            raise RuntimeError("timed out")
        time.sleep(0.002)


def measure(kind: str, keys: int, writes: int) -> dict[str, float]:
    # Redis 7.0 waits repl-diskless-sync-delay (5 s) for more replicas before a sync; not here.
    extra = ["--repl-diskless-sync-delay", "0"] if kind == "redis" else []
    with start_server(kind, None, extra) as master_srv, start_server(kind, None, []) as replica_srv:
        master, replica = client(master_srv), client(replica_srv)
        load(master, keys, "key:")
        cpu = cpu_s(master_srv.proc.pid)
        out: dict[str, float] = {"alone_s": load(master, writes, "alone:")}
        out["alone_cpu_us"] = (cpu_s(master_srv.proc.pid) - cpu) / writes * 1e6

        worst = [0.0]
        done = threading.Event()

        def ping_loop() -> None:
            pinger = client(master_srv)
            while not done.is_set():
                t = time.perf_counter()
                pinger.ping()
                worst[0] = max(worst[0], time.perf_counter() - t)
                time.sleep(0.005)

        pinger = threading.Thread(target=ping_loop, daemon=True)
        pinger.start()
        started = time.perf_counter()
        replica.execute_command("REPLICAOF", "127.0.0.1", master_srv.port)
        wait(lambda: caught_up(master, replica))
        out["sync_s"] = time.perf_counter() - started
        done.set()
        pinger.join()
        out["worst_ping_ms"] = worst[0] * 1000
        out["master_rss_mb"] = master_srv.rss_bytes() / 2**20
        out["replica_rss_mb"] = replica_srv.rss_bytes() / 2**20

        cpu = cpu_s(master_srv.proc.pid)
        out["attached_s"] = load(master, writes, "streamed:")
        out["attached_cpu_us"] = (cpu_s(master_srv.proc.pid) - cpu) / writes * 1e6
        last = time.perf_counter()
        wait(lambda: caught_up(master, replica))
        out["lag_s"] = time.perf_counter() - last
        assert replica.dbsize() == master.dbsize(), (replica.dbsize(), master.dbsize())
        return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    keys, writes = (50_000, 20_000) if args.quick else (200_000, 100_000)
    kinds = ["redvector"] + (["redis"] if shutil.which("redis-server") else [])
    results = {kind: measure(kind, keys, writes) for kind in kinds}
    print(f"\n{keys} keys of {len(VALUE)} B, then {writes} pipelined SETs (batches of 1000)")
    rows = [
        ("full sync (s)", "sync_s", 1), ("slowest master PING during it (ms)", "worst_ping_ms", 1),
        ("SET throughput, no replica (ops/s)", "alone_ops", 0), ("SET throughput, replica attached (ops/s)",
                                                                 "attached_ops", 0),
        ("master CPU per SET, no replica (us)", "alone_cpu_us", 1),
        ("master CPU per SET, replica attached (us)", "attached_cpu_us", 1),
        ("replica caught up after the last write (s)", "lag_s", 3),
        ("master RSS (MB)", "master_rss_mb", 0), ("replica RSS (MB)", "replica_rss_mb", 0),
    ]
    for r in results.values():
        r["alone_ops"] = writes / r["alone_s"]
        r["attached_ops"] = writes / r["attached_s"]
    header = f"| {'':<45} | {'RedVector':>10} |" + (f" {'Redis 7.0':>10} | {'ratio':>6} |" if "redis" in results else "")
    print(header)
    print("|" + "-" * 47 + "|" + "-" * 12 + "|" + ("-" * 12 + "|" + "-" * 8 + "|" if "redis" in results else ""))
    for label, key, digits in rows:
        ours = results["redvector"][key]
        line = f"| {label:<45} | {ours:>10.{digits}f} |"
        if "redis" in results:
            theirs = results["redis"][key]
            ratio = ours / theirs if theirs else float("inf")
            line += f" {theirs:>10.{digits}f} | {ratio:>6.2f} |"
        print(line)
    for kind, r in results.items():
        change = r["attached_ops"] / r["alone_ops"] - 1
        cpu = r["attached_cpu_us"] / r["alone_cpu_us"] - 1
        print(f"{kind}: with a replica attached, write throughput {change:+.0%} and master CPU per write "
              f"{cpu:+.0%} (the replica shares the machine's cores with the master and the client)")


if __name__ == "__main__":
    main()
