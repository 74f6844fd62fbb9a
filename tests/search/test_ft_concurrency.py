"""Searches that run off the event loop (Deferred FLAT scans) and indexes built in the background."""

from __future__ import annotations

import time

import numpy as np
import pytest
import redis

from redvector.commands.search import queries
from redvector.search import indexer as indexer_module
from redvector.search import registry as registry_module
from tests.search.helpers import blob, hset, search


def test_deferred_flat_knn_matches_and_works_in_multi(r: redis.Redis, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(queries, "DEFER_MIN_FLOATS", 1)
    r.execute_command("FT.CREATE", "idx", "SCHEMA", "v", "VECTOR", "FLAT", "6", "TYPE", "FLOAT32", "DIM", "3",
                      "DISTANCE_METRIC", "L2")
    rng = np.random.default_rng(0)
    data = rng.normal(size=(50, 3)).astype(np.float32)
    for i, v in enumerate(data):
        hset(r, f"k{i}", {"v": v.tobytes()})
    q = data[7] + 0.001
    expected = [f"k{i}" for i in np.argsort(((data - q) ** 2).sum(axis=1))[:4]]
    args = ("idx", "*=>[KNN 4 @v $q AS d]", "SORTBY", "d", "PARAMS", "2", "q", q.tobytes(), "DIALECT", "2")
    assert [doc for doc, _ in search(r, *args)[1]] == expected
    pipe = r.pipeline(transaction=True)
    pipe.execute_command("FT.SEARCH", *args)
    pipe.ping()
    reply, pong = pipe.execute()
    assert pong is True and reply  # resolved synchronously inside EXEC
    # A write right after the search (same connection, pipelined) is seen by the next search.
    pipe = r.pipeline(transaction=False)
    pipe.execute_command("FT.SEARCH", *args)
    pipe.delete(expected[0])
    pipe.execute_command("FT.SEARCH", *args)
    first, _, second = pipe.execute()
    ids_first = [s for s in (first[1::2] if isinstance(first, list) else [x[b"id"] for x in first[b"results"]])]
    ids_second = [s for s in (second[1::2] if isinstance(second, list) else [x[b"id"] for x in second[b"results"]])]
    assert ids_first[0] == expected[0].encode() and expected[0].encode() not in ids_second


def test_large_create_indexes_in_background(r: redis.Redis, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry_module, "SYNC_SCAN_LIMIT", 10)
    monkeypatch.setattr(indexer_module, "SCAN_CHUNK_KEYS", 7)
    for i in range(300):
        hset(r, f"doc:{i}", {"t": "hello", "v": blob([i, 1])})
    r.execute_command("FT.CREATE", "idx", "PREFIX", "1", "doc:", "SCHEMA", "t", "TEXT")
    deadline = time.time() + 10
    while True:
        raw = r.execute_command("FT.INFO", "idx")
        info = raw if isinstance(raw, dict) else dict(zip(raw[::2], raw[1::2], strict=True))
        if info[b"indexing"] == 0:
            break
        assert float(info[b"percent_indexed"]) < 1
        assert time.time() < deadline
        time.sleep(0.01)
    assert info[b"num_docs"] == 300 and float(info[b"percent_indexed"]) == 1
    assert search(r, "idx", "hello", "LIMIT", "0", "0")[0] == 300
