"""Legacy Qdrant routes (points/search, search/batch, recommend) used by clients <= 1.15, compared with the
equivalent query_points calls of QdrantClient(":memory:"), plus metrics after searches."""

from __future__ import annotations

import random
from typing import Any

import httpx
import pytest
import redis
from qdrant_client import QdrantClient, models

from tests.api.test_qdrant_client import dataset


@pytest.fixture
def loaded(rest: httpx.Client, clean: redis.Redis) -> QdrantClient:
    oracle = QdrantClient(":memory:")
    points = dataset(dim=6, count=30, seed=11)
    oracle.create_collection("leg", vectors_config=models.VectorParams(size=6, distance=models.Distance.COSINE))
    oracle.upsert("leg", points=points)
    assert rest.put("/collections/leg", json={"vectors": {"size": 6, "distance": "Cosine"}}).status_code == 200
    body = {"points": [p.model_dump(mode="json", exclude_none=True) for p in points]}
    assert rest.put("/collections/leg/points?wait=true", json=body).status_code == 200
    return oracle


def _pairs(hits: list[dict[str, Any]]) -> list[tuple[Any, float]]:
    return [(h["id"], round(h["score"], 4)) for h in hits]


def _oracle(points: list[models.ScoredPoint]) -> list[tuple[Any, float]]:
    return [(p.id, round(p.score, 4)) for p in points]


def test_legacy_search_and_batch(rest: httpx.Client, loaded: QdrantClient) -> None:
    rng = random.Random(5)
    vector = [rng.uniform(-1, 1) for _ in range(6)]
    flt = {"must": [{"key": "city", "match": {"any": ["Paris", "Rome"]}}]}
    got = rest.post("/collections/leg/points/search", json={"vector": vector, "top": 4, "filter": flt,
                                                             "with_payload": True}).json()["result"]
    want = loaded.query_points("leg", query=vector, limit=4, with_payload=True,
                               query_filter=models.Filter.model_validate(flt)).points
    assert _pairs(got) == _oracle(want)
    assert [h["payload"] for h in got] == [p.payload for p in want]
    assert "payload" not in rest.post("/collections/leg/points/search",
                                      json={"vector": vector, "limit": 1}).json()["result"][0]
    batch = rest.post("/collections/leg/points/search/batch",
                      json={"searches": [{"vector": vector, "limit": 2}, {"vector": [1] * 6, "limit": 3}]})
    assert [_pairs(r) for r in batch.json()["result"]] == [
        _oracle(loaded.query_points("leg", query=vector, limit=2).points),
        _oracle(loaded.query_points("leg", query=[1] * 6, limit=3).points)]
    assert rest.post("/collections/leg/points/search", json={"vector": vector}).status_code == 400


def test_recommend_matches_recommend_query(rest: httpx.Client, loaded: QdrantClient) -> None:
    body = {"positive": [1, 2], "negative": [3], "limit": 5}
    got = rest.post("/collections/leg/points/recommend", json=body).json()["result"]
    want = loaded.query_points("leg", query=models.RecommendQuery(
        recommend=models.RecommendInput(positive=[1, 2], negative=[3])), limit=5).points
    assert _pairs(got) == _oracle(want)
    via_query = rest.post("/collections/leg/points/query",
                          json={"query": {"recommend": {"positive": [1, 2], "negative": [3]}}, "limit": 5})
    assert _pairs(via_query.json()["result"]["points"]) == _oracle(want)
    batch = rest.post("/collections/leg/points/recommend/batch", json={"searches": [body]}).json()["result"]
    assert [_pairs(r) for r in batch] == [_oracle(want)]
    assert rest.post("/collections/leg/points/recommend", json={"positive": [999], "limit": 1}).status_code == 404


def test_metrics_after_searches(rest: httpx.Client, loaded: QdrantClient) -> None:
    rest.post("/collections/leg/points/query", json={"query": [1] * 6, "limit": 1})
    text = rest.get("/metrics").text
    assert 'redvector_index_documents{index="leg"} 30.0' in text
    assert 'redvector_search_latency_seconds_count{protocol="rest"}' in text
    assert 'redvector_commands_processed_total{command="hset"}' in text
