"""Search indexes across restarts: definitions come back (RDB aux fields / AOF replay), HNSW graphs are
reloaded from the sidecar saved with the dump when they match it and rebuilt when they do not."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import redis

from tests.persistence.helpers import redvector, stop

DIM = 8


def _create_and_fill(r: redis.Redis, count: int = 60) -> None:
    r.execute_command("FT.CREATE", "idx", "ON", "HASH", "PREFIX", "1", "doc:", "SCHEMA", "title", "TEXT",
                      "tag", "TAG", "vec", "VECTOR", "HNSW", "6", "TYPE", "FLOAT32", "DIM", str(DIM),
                      "DISTANCE_METRIC", "L2")
    rng = np.random.default_rng(7)
    pipe = r.pipeline(transaction=False)
    for i in range(count):
        pipe.hset(f"doc:{i}", mapping={"title": f"document number {i}", "tag": "even" if i % 2 == 0 else "odd",
                                       "vec": rng.random(DIM, dtype=np.float32).tobytes()})
    pipe.execute()
    r.execute_command("FT.ALIASADD", "idx-alias", "idx")


def _knn(r: redis.Redis, index: str = "idx") -> list[tuple[bytes, float]]:
    """The 5 nearest with their distances to 6 decimals: right after a restart a vector may still sit in
    the exact buffer rather than the graph, and the two compute float32 distances ~1e-8 apart."""
    query = np.full(DIM, 0.5, dtype=np.float32).tobytes()
    reply = r.execute_command("FT.SEARCH", index, "*=>[KNN 5 @vec $q AS d]", "PARAMS", "2", "q", query,
                              "SORTBY", "d", "RETURN", "1", "d", "DIALECT", "2")
    return [(row[b"id"], round(float(row[b"extra_attributes"][b"d"]), 6)) for row in reply[b"results"]]  # RESP3


def _state(r: redis.Redis) -> tuple[object, ...]:
    text = r.execute_command("FT.SEARCH", "idx", "@tag:{even} number", "NOCONTENT", "LIMIT", "0", "100")
    return (_knn(r), _knn(r, "idx-alias"), sorted(row[b"id"] for row in text[b"results"]),
            r.execute_command("FT._LIST"))


def test_index_and_graph_come_back_from_a_snapshot(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with redvector(data, "--appendonly", "no", "--save", "") as (_, r):
        _create_and_fill(r)
        r.delete("doc:3")
        r.hset("doc:4", "title", "changed title")
        expected = _state(r)
        r.save()
    graphs = list(data.glob("dump.rdb.ft-*.hnsw"))
    assert len(graphs) == 1
    with redvector(data, "--appendonly", "no", "--save", "") as (proc, r):
        assert _state(r) == expected
        assert r.ft("idx").info()["num_docs"] in (59, "59")
    assert "restored with 1 saved graph" in stop(proc)
    graphs[0].write_bytes(graphs[0].read_bytes()[:-10])  # a damaged graph: rebuilt from the hashes
    with redvector(data, "--appendonly", "no", "--save", "") as (proc, r):
        assert _state(r) == expected
    assert "rebuilding it" in stop(proc) or "restored with 0 saved graph" in stop(proc)


def test_index_comes_back_from_the_aof_and_its_rewrite(tmp_path: Path) -> None:
    data = tmp_path / "data"
    args = ("--appendonly", "yes", "--save", "")
    with redvector(data, *args) as (_, r):
        _create_and_fill(r)
        expected = _state(r)
    with redvector(data, *args) as (_, r):  # FT.CREATE replayed from the incr file
        assert _state(r) == expected
        r.bgrewriteaof()
        from tests.persistence.helpers import wait_until

        wait_until(lambda: r.info("persistence")["aof_rewrites"] == 1)
    assert list((data / "appendonlydir").glob("*.base.rdb.ft-*.hnsw"))
    with redvector(data, *args) as (proc, r):  # from the new base: aux fields and the saved graph
        assert _state(r) == expected
    assert "restored with 1 saved graph" in stop(proc)
