"""Hot-path micro-benchmark: RESP parse -> dispatch -> encode for one connection, without sockets.

    python bench/hotpath.py              # ns per command for GET/SET/INCR/MSET, pipelines of 1 and 16
    python bench/hotpath.py --profile    # the same under cProfile, top functions by own time

It drives a real RespConnection (the server's protocol object) through a stub transport, so the figures
are the server's per-command CPU cost with the kernel and the benchmark client taken out: the ceiling
for what redis-benchmark can measure on one core.
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

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from redvector.app import App
from redvector.config import Config
from redvector.protocol.resp.connection import RespConnection


class StubTransport:
    """Collects written bytes; enough of asyncio.Transport for RespConnection."""

    def __init__(self) -> None:
        self.written = 0

    def write(self, data: Any) -> None:
        self.written += len(data)

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"peername": ("127.0.0.1", 50000), "sockname": ("127.0.0.1", 6379)}.get(name, default)

    def get_write_buffer_size(self) -> int:
        return 0

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        return None

    def close(self) -> None:
        return None

    def pause_reading(self) -> None:
        return None

    def resume_reading(self) -> None:
        return None


def command(*args: bytes) -> bytes:
    return b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in args)


WORKLOADS = {
    "GET": command(b"GET", b"key:__rand_int__"),
    "SET": command(b"SET", b"key:__rand_int__", b"xxx"),
    "INCR": command(b"INCR", b"counter:__rand_int__"),
    "MSET": command(b"MSET", *[b"key:__rand_int__", b"xxx"] * 10),
    "HSET": command(b"HSET", b"hash:__rand_int__", b"title", b"a short title", b"tag", b"blue", b"n", b"42",
                    b"kind", b"example"),
}


def run(app: App, workload: str, pipeline: int, total: int, repeat: int = 3) -> float:
    """CPU seconds per command (best of ``repeat``) for ``total`` commands in chunks of ``pipeline``.

    CPU time, not wall time, so other processes on a shared machine disturb the figure less.
    """
    return min(_run_once(app, workload, pipeline, total) for _ in range(repeat))


def _run_once(app: App, workload: str, pipeline: int, total: int) -> float:
    conn = RespConnection(app.server, app.dispatcher)
    conn.connection_made(StubTransport())  # type: ignore[arg-type]
    conn.data_received(WORKLOADS["SET"])  # so GET finds its key
    chunk = WORKLOADS[workload] * pipeline
    rounds = total // pipeline
    start = time.process_time()
    for _ in range(rounds):
        conn.data_received(chunk)
    return (time.process_time() - start) / (rounds * pipeline)


def bench_app() -> App:
    """The whole application (every keyspace observer, the AOF wiring...), with listeners on OS-picked
    ports and no persistence files, so the per-command cost is the one a client sees; not started."""
    config = Config({"appendonly": "no", "save": "", "dir": "/tmp/redvector-hotpath", "rest-port": "0",
                     "grpc-port": "0", "qdrant-port": "0", "qdrant-grpc-port": "0"})
    return App(config, ephemeral_ports=True)


async def _main(args: argparse.Namespace) -> None:
    app = bench_app()
    await app.start()
    try:
        print(f"{'command':<8}{'-P':>4}{'ns/cmd':>10}{'cmds/s':>12}")
        for name in args.workloads:
            for pipeline in args.pipelines:
                per = run(app, name, pipeline, args.total, args.repeat)
                print(f"{name:<8}{pipeline:>4}{per * 1e9:>10.0f}{1 / per:>12,.0f}")
    finally:
        await app.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--total", type=int, default=200_000)
    parser.add_argument("--pipelines", type=int, nargs="+", default=[1, 16])
    parser.add_argument("--workloads", nargs="+", default=list(WORKLOADS), choices=list(WORKLOADS))
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (the best is kept)")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        asyncio.run(_main(args))
        profiler.disable()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(18)
    else:
        asyncio.run(_main(args))


if __name__ == "__main__":
    main()
