"""The product's short syntax: VECTOR(n) fields, FT.ADD with comma-separated floats, FT.SEARCH with a
vector literal (COSINE, sorted by distance), FT.GET/FT.DEL/FT.DROP."""

from __future__ import annotations

import numpy as np
import pytest
import redis

from tests.search.helpers import s, search


def csv(v: np.ndarray) -> str:
    return ",".join(f"{x:.6f}" for x in v)


def test_short_syntax_round_trip(r: redis.Redis) -> None:
    assert r.execute_command("FT.CREATE", "myindex", "SCHEMA", "embedding", "VECTOR(4)") == b"OK"
    rng = np.random.default_rng(3)
    data = rng.normal(size=(6, 4)).astype(np.float32)
    for i, v in enumerate(data):
        assert r.execute_command("FT.ADD", "myindex", f"doc{i}", "1.0", "FIELDS", "embedding", csv(v)) == b"OK"
    q = data[2] + 0.01
    total, rows = search(r, "myindex", csv(q), "LIMIT", "0", "3")
    cos = 1 - (data @ q) / (np.linalg.norm(data, axis=1) * np.linalg.norm(q))
    order = np.argsort(cos)[:3]
    assert total == 3
    assert [doc for doc, _ in rows] == [f"doc{i}" for i in order]
    assert float(rows[0][1]["__embedding_score"]) == pytest.approx(cos[order[0]], abs=1e-5)
    # FT.INFO reports a normal FLAT FLOAT32 COSINE attribute (RedisVL's from_existing reads it)
    raw = r.execute_command("FT.INFO", "myindex")
    attrs = raw[b"attributes"] if isinstance(raw, dict) else raw[raw.index(b"attributes") + 1]
    entry = attrs[0]
    flat = [x for kv in entry.items() for x in kv] if isinstance(entry, dict) else entry
    assert [s(x) for x in flat[:14]] == ["identifier", "embedding", "attribute", "embedding", "type", "VECTOR",
                                         "algorithm", "FLAT", "data_type", "FLOAT32", "dim", 4,
                                         "distance_metric", "COSINE"]
    got = r.execute_command("FT.GET", "myindex", "doc1")
    assert got[0] == b"embedding" and got[1] == csv(data[1]).encode()
    assert r.execute_command("FT.DEL", "myindex", "doc1") == 1
    assert r.execute_command("FT.DEL", "myindex", "doc1") == 0
    assert "doc1" not in [d for d, _ in search(r, "myindex", csv(q), "LIMIT", "0", "10")[1]]
    assert r.execute_command("FT.DROP", "myindex") == b"OK"
    assert r.exists("doc0") == 0 and list(r.execute_command("FT._LIST")) == []


def test_short_syntax_errors_and_binary_fields_stay_strict(r: redis.Redis) -> None:
    r.execute_command("FT.CREATE", "strict", "SCHEMA", "v", "VECTOR", "FLAT", "6", "TYPE", "FLOAT32", "DIM", "2",
                      "DISTANCE_METRIC", "L2")
    r.execute_command("FT.ADD", "strict", "a", "1.0", "FIELDS", "v", "0.1,0.2")
    raw = r.execute_command("FT.INFO", "strict")
    info = raw if isinstance(raw, dict) else dict(zip(raw[::2], raw[1::2], strict=True))
    assert info[b"num_docs"] == 0 and info[b"hash_indexing_failures"] == 1
    r.execute_command("FT.CREATE", "short", "SCHEMA", "v", "VECTOR(2)")
    with pytest.raises(redis.ResponseError, match="Document already exists"):
        r.execute_command("FT.ADD", "short", "a", "1.0", "FIELDS", "v", "0.1,0.2")
    with pytest.raises(redis.ResponseError, match="Score must be between 0 and 1"):
        r.execute_command("FT.ADD", "short", "b", "2", "FIELDS", "v", "0.1,0.2")
    with pytest.raises(redis.ResponseError, match="No field list found"):
        r.execute_command("FT.ADD", "short", "b", "1", "NOSAVE")
    with pytest.raises(redis.ResponseError, match="wrong dimension"):
        r.execute_command("FT.SEARCH", "short", "0.1,0.2,0.3")
    r.execute_command("FT.ADD", "short", "a", "1.0", "REPLACE", "FIELDS", "v", "1,0")
    total, rows = search(r, "short", "1,0")
    assert total == 1 and rows[0][0] == "a" and rows[0][1]["__v_score"] == b"0"


@pytest.mark.parametrize("dtype", ["FLOAT32", "FLOAT64", "FLOAT16", "BFLOAT16"])
def test_csv_query_on_a_binary_field(r: redis.Redis, dtype: str) -> None:
    r.execute_command("FT.CREATE", "b", "SCHEMA", "v", "VECTOR", "FLAT", "6", "TYPE", dtype, "DIM", "2",
                      "DISTANCE_METRIC", "L2")
    np_type = {"FLOAT32": "<f4", "FLOAT64": "<f8", "FLOAT16": "<f2"}.get(dtype)
    for name, vec in (("x", [1.0, 0.0]), ("y", [0.0, 1.0])):
        if np_type is None:
            raw = (np.asarray(vec, "<f4").view("<u4") >> 16).astype("<u2").tobytes()
        else:
            raw = np.asarray(vec, np_type).tobytes()
        r.hset(name, "v", raw)
    total, rows = search(r, "b", "0.9,0.1")
    assert total == 2 and [doc for doc, _ in rows] == ["x", "y"]
