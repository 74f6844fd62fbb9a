"""Differential through RedisVL: the same index, data and queries (VectorQuery, RangeQuery, FilterQuery,
CountQuery, TextQuery, AggregateHybridQuery, MultiVectorQuery) against Redis Stack 7.4 and RedVector, hash and
JSON storage; what a RedisVL user gets back must be the same. Skipped without RedisVL or Redis Stack."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
import redis

from tests.serverutil import ThreadedServer

DIM = 8
WORDS = ["red", "green", "blue", "apple", "pear", "running", "runs", "sky", "deep", "ocean", "don't", "it's"]


def _schema(storage: str) -> dict[str, Any]:
    return {
        "index": {"name": f"rvl_{storage}", "prefix": f"rvl_{storage}", "storage_type": storage},
        "fields": [
            {"name": "content", "type": "text"},
            {"name": "genre", "type": "tag"},
            {"name": "year", "type": "numeric", "attrs": {"sortable": True}},
            {"name": "loc", "type": "geo"},
            {"name": "embedding", "type": "vector",
             "attrs": {"dims": DIM, "algorithm": "flat", "distance_metric": "cosine", "datatype": "float32"}},
            {"name": "small", "type": "vector",
             "attrs": {"dims": 3, "algorithm": "hnsw", "distance_metric": "l2", "datatype": "float32"}},
        ],
    }


def _data(storage: str) -> list[dict[str, Any]]:
    rng = np.random.default_rng(11)
    vecs = rng.normal(size=(40, DIM)).astype(np.float32)
    small = rng.normal(size=(40, 3)).astype(np.float32)
    out = []
    for i in range(40):
        words = " ".join(rng.choice(WORDS, size=4))
        out.append({"id": str(i), "content": f"story {i} {words}", "genre": ["drama", "comedy", "horror"][i % 3],
                    "year": 1990 + i, "loc": f"{-122 + i / 100:.4f},{37 + i / 100:.4f}",
                    "embedding": vecs[i].tolist() if storage == "json" else vecs[i].tobytes(),
                    "small": small[i].tolist() if storage == "json" else small[i].tobytes()})
    return out


@pytest.fixture(params=["hash", "json"])
def pair(request: pytest.FixtureRequest, stack_port: int, server: ThreadedServer) -> Iterator[tuple[Any, Any]]:
    pytest.importorskip("redisvl")
    from redisvl.index import SearchIndex

    storage = request.param
    indexes = []
    for port in (stack_port, server.port):
        redis.Redis(port=port).flushall()
        index = SearchIndex.from_dict(_schema(storage), redis_url=f"redis://127.0.0.1:{port}")
        index.create(overwrite=True, drop=True)
        index.load(_data(storage), id_field="id")
        indexes.append(index)
    yield indexes[0], indexes[1]
    for index in indexes:
        index.delete(drop=True)


def _queries() -> list[Any]:
    from redisvl.query import CountQuery, FilterQuery, RangeQuery, TextQuery, VectorQuery
    from redisvl.query.filter import Geo, GeoRadius, Num, Tag, Text

    q = np.random.default_rng(3).normal(size=DIM).astype(np.float32).tolist()
    fields = ["content", "genre", "year"]
    return [
        VectorQuery(vector=q, vector_field_name="embedding", return_fields=fields, num_results=5),
        VectorQuery(vector=q, vector_field_name="embedding", return_fields=fields, num_results=5,
                    filter_expression=(Tag("genre") == "comedy") & (Num("year") > 2000)),
        VectorQuery(vector=q, vector_field_name="embedding", return_fields=["year"], num_results=3,
                    filter_expression=Text("content") % "runn*"),
        RangeQuery(vector=q, vector_field_name="embedding", return_fields=fields, distance_threshold=0.8,
                   num_results=40),
        FilterQuery(filter_expression=(Tag("genre") == ["drama", "horror"]) & (Num("year") < 2000),
                    return_fields=fields, num_results=40),
        FilterQuery(filter_expression=Text("content") == "apple", return_fields=["content"], num_results=40),
        FilterQuery(filter_expression=Geo("loc") == GeoRadius(-122.0, 37.0, 20, "km"), return_fields=["year"],
                    num_results=40),
        FilterQuery(filter_expression=Num("year").between(1995, 2005) & (Tag("genre") != "drama"),
                    return_fields=["year", "genre"], num_results=40, sort_by="year"),
        CountQuery(filter_expression=Tag("genre") == "horror"),
        TextQuery("running apple in the deep ocean", text_field_name="content", return_fields=["content"],
                  num_results=10),
        TextQuery("don't stop, it's blue!", text_field_name="content", return_fields=["content"], num_results=10),
        FilterQuery(filter_expression=(Text("content") % "%%stori%%") & (Text("content") != "apple"),
                    return_fields=["year"], num_results=40),
        FilterQuery(filter_expression=(Tag("genre") % "com*") | (Num("year") == 2001), return_fields=["year"],
                    num_results=40),
        FilterQuery(filter_expression=Geo("loc") != GeoRadius(-122.0, 37.0, 10, "km"), return_fields=["year"],
                    num_results=40),
        FilterQuery(filter_expression=Text("content") % "blue|sky", return_fields=["content", "year"],
                    num_results=40, sort_by=("year", "DESC")),
        CountQuery(filter_expression="*"),
    ]


def _normal(result: Any) -> Any:
    """Rows as sorted (id, fields) with numbers rounded: the order among equal scores is not compared."""
    if isinstance(result, int):
        return result
    rows = []
    for row in result:
        clean = {}
        for k, v in row.items():
            try:
                clean[k] = round(float(v), 4)
            except (TypeError, ValueError):
                clean[k] = v
        rows.append(clean)
    return sorted(rows, key=lambda r: (r.get("vector_distance", 0), str(r.get("id"))))


@pytest.mark.parametrize("n", range(16))
def test_same_results(pair: tuple[Any, Any], n: int) -> None:
    ref, ours = pair
    query = _queries()[n]
    want, got = _normal(ref.query(query)), _normal(ours.query(query))
    if isinstance(want, list) and want and "score" in want[0]:  # text scores: the same order and BM25 figures
        assert [r["id"] for r in got] == [r["id"] for r in want]
        for a, b in zip(got, want, strict=True):
            assert a["score"] == pytest.approx(b["score"], rel=1e-6)
        return
    assert got == want


def test_aggregate_hybrid_query(pair: tuple[Any, Any]) -> None:
    from redisvl.query import AggregateHybridQuery

    q = np.random.default_rng(4).normal(size=DIM).astype(np.float32).tolist()
    query = AggregateHybridQuery(text="apple ocean running", text_field_name="content", vector=q,
                                 vector_field_name="embedding", return_fields=["content", "year"], num_results=8)
    ref, ours = pair
    want, got = ref.query(query), ours.query(query)
    assert [r["year"] for r in got] == [r["year"] for r in want]
    for a, b in zip(got, want, strict=True):
        assert float(a["hybrid_score"]) == pytest.approx(float(b["hybrid_score"]), rel=1e-6)


def test_multi_vector_query(pair: tuple[Any, Any]) -> None:
    from redisvl.query import MultiVectorQuery
    from redisvl.query.aggregate import Vector

    rng = np.random.default_rng(5)
    query = MultiVectorQuery(vectors=[Vector(vector=rng.normal(size=DIM).tolist(), field_name="embedding", weight=0.7),
                                      Vector(vector=rng.normal(size=3).tolist(), field_name="small", weight=0.3)],
                             return_fields=["content", "year"], num_results=6)
    ref, ours = pair
    want, got = ref.query(query), ours.query(query)
    assert [r["year"] for r in got] == [r["year"] for r in want]
    for a, b in zip(got, want, strict=True):
        assert float(a["combined_score"]) == pytest.approx(float(b["combined_score"]), rel=1e-5)
