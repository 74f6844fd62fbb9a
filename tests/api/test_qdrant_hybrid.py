"""Hybrid search (a dense and a sparse vector fused, as FastEmbed / LangChain's hybrid retrieval sends it)
through qdrant-client against RedVector, REST and gRPC, compared with QdrantClient(":memory:"): RRF and
DBSF over a dense and a sparse prefetch, re-scoring either by the other, a filtered sparse prefetch, a
sparse prefetch by point id."""

from __future__ import annotations

import random
from typing import Any

import pytest
from qdrant_client import QdrantClient, models


def load(c: QdrantClient) -> None:
    rng = random.Random(3)
    c.create_collection("hyb", vectors_config={"d": models.VectorParams(size=4, distance=models.Distance.COSINE)},
                        sparse_vectors_config={"s": models.SparseVectorParams()})
    points = []
    for i in range(80):
        indices = sorted(rng.sample(range(50), rng.randint(1, 6)))
        vector: dict[str, Any] = {"d": [rng.uniform(-1, 1) for _ in range(4)]}
        if i % 9:  # some points have no sparse vector
            vector["s"] = models.SparseVector(indices=indices, values=[round(rng.uniform(0.1, 2), 3) for _ in indices])
        points.append(models.PointStruct(id=i, vector=vector, payload={"g": i % 3}))
    c.upsert("hyb", points=points, wait=True)


DENSE = [0.3, -0.2, 0.5, 0.1]
SPARSE = models.SparseVector(indices=[1, 5, 7, 20, 33, 41], values=[1.0, 0.5, 2.0, 0.7, 1.1, 0.3])
GROUP1 = models.Filter(must=[models.FieldCondition(key="g", match=models.MatchValue(value=1))])
CASES: list[dict[str, Any]] = [
    dict(prefetch=[models.Prefetch(query=DENSE, using="d", limit=20), models.Prefetch(query=SPARSE, using="s", limit=20)],
         query=models.FusionQuery(fusion=models.Fusion.RRF), limit=10),
    dict(prefetch=[models.Prefetch(query=DENSE, using="d", limit=20), models.Prefetch(query=SPARSE, using="s", limit=20)],
         query=models.FusionQuery(fusion=models.Fusion.DBSF), limit=10, with_payload=True),
    dict(prefetch=models.Prefetch(query=SPARSE, using="s", limit=30), query=DENSE, using="d", limit=5),
    dict(prefetch=models.Prefetch(query=DENSE, using="d", limit=30), query=SPARSE, using="s", limit=5),
    dict(prefetch=[models.Prefetch(query=SPARSE, using="s", limit=20, filter=GROUP1),
                   models.Prefetch(query=DENSE, using="d", limit=20)],
         query=models.FusionQuery(fusion=models.Fusion.RRF), limit=8, offset=2),
    dict(prefetch=[models.Prefetch(query=4, using="s", limit=10), models.Prefetch(query=4, using="d", limit=10)],
         query=models.FusionQuery(fusion=models.Fusion.RRF), limit=10),
]


@pytest.mark.parametrize("case", range(len(CASES)))
def test_hybrid_dense_and_sparse_as_local_mode(client: QdrantClient, case: int) -> None:
    oracle = QdrantClient(":memory:")
    for c in (client, oracle):
        load(c)
    got = client.query_points("hyb", **CASES[case]).points
    want = oracle.query_points("hyb", **CASES[case]).points
    assert [p.id for p in got] == [p.id for p in want]
    assert [p.score for p in got] == pytest.approx([p.score for p in want], abs=1e-6)
    assert [p.payload for p in got] == [p.payload for p in want]
