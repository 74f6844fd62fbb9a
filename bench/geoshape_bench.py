"""GEOSHAPE benchmark: RedVector against Redis Stack 7.4 (RediSearch 2.10) in the same run.

    python bench/geoshape_bench.py              # 100k shapes, FLAT and SPHERICAL
    python bench/geoshape_bench.py --n 20000

Both servers get the same hashes through pipelined HSETs: nine in ten a random POINT, one in ten a small
square POLYGON, over [-50, 50] x [-50, 50] (seeded). Then each predicate runs against a 10 x 10 square
(CONTAINS: a point inside one of the squares) with NOCONTENT LIMIT 0 10, as redis-py sends it. It prints
load time and the median of --repeat runs in ms, alone and right after one HSET (a write-interleaved
workload, such as moving vehicles), and the ratio to Redis Stack. Nothing here asserts.
Redis Stack is skipped with a message when it cannot start.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.search_bench import hset_pipelined, redvector_server, stack_peer

AREA = "POLYGON ((0 0, 0 10, 10 10, 10 0, 0 0))"
PREDICATES = ("WITHIN", "CONTAINS", "INTERSECTS", "DISJOINT")


def shapes(n: int) -> list[str]:
    rng = random.Random(1)
    out = []
    for i in range(n):
        if i % 10 == 0:
            x, y = rng.uniform(-50, 50), rng.uniform(-50, 50)
            out.append(f"POLYGON (({x} {y}, {x} {y + 0.1}, {x + 0.1} {y + 0.1}, {x + 0.1} {y}, {x} {y}))")
        else:
            out.append(f"POINT ({rng.uniform(-50, 50)} {rng.uniform(-50, 50)})")
    return out


def run(client: Any, values: list[str], coord: str, repeat: int) -> tuple[float, dict[str, tuple[int, float, float]]]:
    """(load seconds, predicate -> (matches, median ms, median ms of runs each right after one HSET))."""
    client.flushall()
    client.execute_command("FT.CREATE", "g", "ON", "HASH", "PREFIX", "1", "s:", "SCHEMA", "geom", "GEOSHAPE", coord)
    start = time.perf_counter()
    hset_pipelined(client, ((f"s:{i}", {"geom": wkt}) for i, wkt in enumerate(values)), 2000)
    loaded = time.perf_counter() - start
    inside = values[0].split("((")[1].split(",")[0]  # the first square's corner, nudged inside below
    x, y = (float(v) + 0.05 for v in inside.split())
    out = {}
    for predicate in PREDICATES:
        shape = f"POINT ({x} {y})" if predicate == "CONTAINS" else AREA
        argv = ["FT.SEARCH", "g", f"@geom:[{predicate} $s]", "PARAMS", "2", "s", shape, "NOCONTENT", "LIMIT", "0",
                "10", "DIALECT", "2"]
        total = client.execute_command(*argv)[0]
        times, after = [], []
        for i in range(repeat):
            t = time.perf_counter()
            client.execute_command(*argv)
            times.append((time.perf_counter() - t) * 1000)
            client.hset(f"s:{i + 1}", "geom", values[i + 1])  # the same value: the matches stay as they are
            t = time.perf_counter()
            client.execute_command(*argv)
            after.append((time.perf_counter() - t) * 1000)
        out[predicate] = (int(total), statistics.median(times), statistics.median(after))
    return loaded, out


def main() -> None:
    import redis

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()
    values = shapes(args.n)
    results: dict[str, dict[str, tuple[float, dict[str, tuple[int, float, float]]]]] = {}
    with redvector_server() as (port, _proc):
        client = redis.Redis(port=port, protocol=2)
        results["RedVector"] = {coord: run(client, values, coord, args.repeat) for coord in ("FLAT", "SPHERICAL")}
    with stack_peer("stack-geoshape") as peer:
        if peer is not None:
            client = redis.Redis(port=peer.port, protocol=2)
            results["Redis Stack"] = {coord: run(client, values, coord, args.repeat) for coord in ("FLAT", "SPHERICAL")}
    print(f"{args.n} shapes (90% points, 10% small squares); median of {args.repeat} runs, ms "
          "(in brackets: each run right after one HSET)")
    print("| coords | server | load s | " + " | ".join(f"{p} (matches)" for p in PREDICATES) + " |")
    print("|---" * (3 + len(PREDICATES)) + "|")
    for coord in ("FLAT", "SPHERICAL"):
        for name, by_coord in results.items():
            loaded, times = by_coord[coord]
            print(f"| {coord} | {name} | {loaded:.1f} | "
                  + " | ".join(f"{times[p][1]:.2f} [{times[p][2]:.2f}] ({times[p][0]})" for p in PREDICATES) + " |")
    if "Redis Stack" in results:
        for coord in ("FLAT", "SPHERICAL"):
            ours, ref = results["RedVector"][coord][1], results["Redis Stack"][coord][1]
            print(f"{coord}: RedVector / Redis Stack per query: "
                  + ", ".join(f"{p} {ours[p][1] / ref[p][1]:.1f}x" for p in PREDICATES)
                  + ("" if all(ours[p][0] == ref[p][0] for p in PREDICATES) else "  (match counts differ)"))


if __name__ == "__main__":
    main()
