"""Scroll with order_by over REST and gRPC (qdrant-client), compared with QdrantClient(":memory:")."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from qdrant_client import QdrantClient, models

PAYLOADS: list[dict[str, Any]] = [
    {"p": 5}, {"p": 1.5}, {"p": "not a date"}, {}, {"p": [7, 0]}, {"p": 5}, {"p": True},
    {"p": "2024-01-01T00:00:00Z"}, {"p": {"q": 1}}, {"p": 5.0}, {"p": -3, "tag": "x"}, {"p": 2, "tag": "x"},
]



@pytest.mark.parametrize("order_by, flt, limit", [
    ("p", None, 20),
    (models.OrderBy(key="p", direction=models.Direction.DESC), None, 20),
    (models.OrderBy(key="p", direction=models.Direction.DESC), None, 3),
    (models.OrderBy(key="p", start_from=2), None, 20),
    (models.OrderBy(key="p", direction=models.Direction.DESC, start_from=5), None, 4),
    ("p", models.Filter(must=[models.FieldCondition(key="tag", match=models.MatchValue(value="x"))]), 20),
])
def test_scroll_order_by_matches_local_mode(client: QdrantClient, order_by: Any, flt: models.Filter | None,
                                            limit: int) -> None:
    oracle = QdrantClient(":memory:")
    points = [models.PointStruct(id=i, vector=[1.0, float(i)], payload=p) for i, p in enumerate(PAYLOADS)]
    for c in (client, oracle):
        c.create_collection("o", vectors_config=models.VectorParams(size=2, distance=models.Distance.DOT))
        c.upsert("o", points=points)
    got, got_next = client.scroll("o", order_by=order_by, scroll_filter=flt, limit=limit)
    want, want_next = oracle.scroll("o", order_by=order_by, scroll_filter=flt, limit=limit)
    assert [(r.id, r.order_value, r.payload) for r in got] == [(r.id, r.order_value, r.payload) for r in want]
    assert got_next is None and want_next is None


def test_order_by_errors(rest: httpx.Client, clean: Any) -> None:
    assert rest.put("/collections/o", json={"vectors": {"size": 2, "distance": "Dot"}}).status_code == 200
    for body in ({"order_by": {"key": "p", "direction": "up"}}, {"order_by": {"key": "p", "start_from": "soon"}},
                 {"order_by": 5}, {"order_by": "p", "offset": 3}):
        r = rest.post("/collections/o/points/scroll", json=body)
        assert r.status_code == 400, body
    assert rest.post("/collections/nope/points/scroll", json={"order_by": "p"}).status_code == 404
