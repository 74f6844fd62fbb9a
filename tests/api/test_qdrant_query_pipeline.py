"""Qdrant's universal query with prefetches through qdrant-client (REST and gRPC), compared with
QdrantClient(":memory:") (local mode, the oracle) on the same data: RRF and DBSF fusion over several
prefetches, Rrf(k, weights), filters on every level, score_threshold, limit/offset, re-scoring with
another named vector, nested prefetches, queries by point id and recommend inside prefetches; errors."""

from __future__ import annotations

import random
import uuid
from typing import Any

import grpc
import httpx
import pytest
from qdrant_client import QdrantClient, models
from qdrant_client.http.exceptions import UnexpectedResponse

ERRORS = (UnexpectedResponse, grpc.RpcError)
# Three dense names: sizes and distances differ; Euclid ranks lower scores first.
CONFIG = {"a": models.VectorParams(size=4, distance=models.Distance.COSINE),
          "b": models.VectorParams(size=3, distance=models.Distance.EUCLID),
          "c": models.VectorParams(size=5, distance=models.Distance.DOT)}
DIMS = {"a": 4, "b": 3, "c": 5}
CITIES = ["Berlin", "Paris", "Rome", "Oslo"]
TAGS = ["red", "green", "blue", "gold"]
COUNT = 150


def vec(rng: random.Random, n: int) -> list[float]:
    return [rng.uniform(-1, 1) for _ in range(n)]


def point_id(i: int) -> int | str:
    return str(uuid.UUID(int=0xABC0000 + i)) if i >= COUNT - 10 else i  # the last ten have UUID ids


def points(seed: int = 3) -> list[models.PointStruct]:
    """Seeded points; some lack vector b (i % 7 == 0) or c (i % 11 == 0); payloads with string, int, array,
    missing and ungroupable values (for test_qdrant_groups.py too)."""
    rng = random.Random(seed)
    out = []
    for i in range(COUNT):
        vector = {name: vec(rng, dim) for name, dim in DIMS.items()}
        if i % 7 == 0:
            del vector["b"]
        if i % 11 == 0:
            del vector["c"]
        payload: dict[str, Any] = {"n": i, "grp": i % 6, "tags": rng.sample(TAGS, rng.randint(0, 3)),
                                   "arr": [i % 4, (i * 7) % 5]}
        if i % 9 != 0:
            payload["city"] = CITIES[i % 4]
        if i % 13 == 0:
            payload["grp"] = [i % 6, 2.5]  # a float: such a point joins no "grp" group
        if i % 17 == 0:
            payload["grp"] = -3  # a negative int group id
        if i % 19 == 0:
            payload["arr"] = [i % 4, True]  # a bool: no "arr" group either
        out.append(models.PointStruct(id=point_id(i), vector=vector, payload=payload))
    return out


def load(c: QdrantClient, name: str = "hy") -> None:
    c.create_collection(name, vectors_config=CONFIG)
    c.upsert(name, points=points(), wait=True)


@pytest.fixture
def pair(client: QdrantClient) -> tuple[QdrantClient, QdrantClient]:
    oracle = QdrantClient(":memory:")
    for c in (client, oracle):
        load(c)
    return client, oracle


def same_points(got: list[models.ScoredPoint], want: list[models.ScoredPoint], what: Any = "") -> None:
    assert [p.id for p in got] == [p.id for p in want], what
    for g, w in zip(got, want, strict=True):
        assert g.score == pytest.approx(w.score, abs=1e-6), (what, g.id)
        assert g.payload == w.payload, (what, g.id)
        if w.vector is None:
            assert g.vector is None
        else:
            assert isinstance(g.vector, dict) and isinstance(w.vector, dict)
            assert sorted(g.vector) == sorted(w.vector)
            for name in w.vector:
                assert g.vector[name] == pytest.approx(w.vector[name], abs=1e-5)


def compare(pair: tuple[QdrantClient, QdrantClient], what: Any = "", **kwargs: Any) -> list[models.ScoredPoint]:
    client, oracle = pair
    got = client.query_points("hy", **kwargs).points
    want = oracle.query_points("hy", **kwargs).points
    same_points(got, want, what or kwargs)
    return got


def city(name: str) -> models.FieldCondition:
    return models.FieldCondition(key="city", match=models.MatchValue(value=name))


def n_range(**bounds: int) -> models.FieldCondition:
    return models.FieldCondition(key="n", range=models.Range(**bounds))


RRF = models.FusionQuery(fusion=models.Fusion.RRF)
DBSF = models.FusionQuery(fusion=models.Fusion.DBSF)


def test_fusion_over_two_and_three_prefetches(pair: tuple[QdrantClient, QdrantClient]) -> None:
    rng = random.Random(11)
    for fusion in (RRF, DBSF, models.RrfQuery(rrf=models.Rrf(k=7)), models.RrfQuery(rrf=models.Rrf())):
        for names in (("a", "b"), ("a", "b", "c")):
            prefetch = [models.Prefetch(query=vec(rng, DIMS[n]), using=n, limit=25) for n in names]
            got = compare(pair, (fusion, names), prefetch=prefetch, query=fusion, limit=12)
            assert len(got) == 12
            compare(pair, prefetch=prefetch, query=fusion, limit=5, offset=4, with_payload=["city", "n"])
            compare(pair, prefetch=prefetch, query=fusion, limit=200, with_vectors=["b", "a"])
    # RRF weights (one per prefetch; a weight <= 0 adds nothing), and a prefetch without a limit (10).
    prefetch = [models.Prefetch(query=vec(rng, 4), using="a", limit=30), models.Prefetch(query=vec(rng, 3), using="b"),
                models.Prefetch(query=vec(rng, 5), using="c", limit=15)]
    for weights in ([2.0, 0.5, 1.0], [1.0, 0.0, 3.0], [1.0, -1.0, 1.0]):
        compare(pair, weights, prefetch=prefetch, query=models.RrfQuery(rrf=models.Rrf(k=3, weights=weights)),
                limit=20)
    # One prefetch only; one prefetch matching nothing; the same prefetch twice.
    compare(pair, prefetch=prefetch[:1], query=DBSF, limit=8)
    nothing = models.Prefetch(query=vec(rng, 3), using="b", filter=models.Filter(must=[city("Lima")]))
    for fusion in (RRF, DBSF):
        compare(pair, prefetch=[nothing, prefetch[2]], query=fusion, limit=8)
        compare(pair, prefetch=[nothing], query=fusion)
        compare(pair, prefetch=[prefetch[0], prefetch[0]], query=fusion, limit=40)


def test_filters_thresholds_and_offsets(pair: tuple[QdrantClient, QdrantClient]) -> None:
    rng = random.Random(12)
    outer_filters: list[models.Filter | None] = [
        None,
        models.Filter(must=[city("Paris")]),
        models.Filter(must_not=[n_range(lt=40)], should=[city("Rome"), city("Oslo")]),
        models.Filter(must=[models.HasVectorCondition(has_vector="c")]),
        models.Filter(min_should=models.MinShould(conditions=[city("Berlin"), n_range(gte=100),
                                                              models.FieldCondition(key="tags", match=models.MatchAny(
                                                                  any=["red"]))], min_count=2)),
    ]
    prefetch_filters: list[models.Filter | None] = [
        models.Filter(must=[n_range(gte=20)]),
        models.Filter(should=[n_range(lt=30), city("Berlin")]),  # `should`s of two levels become alternatives
        models.Filter(min_should=models.MinShould(conditions=[city("Rome"), n_range(lt=90)], min_count=1)),
        None,
    ]
    for i, outer in enumerate(outer_filters):
        for j, inner in enumerate(prefetch_filters):
            prefetch = [models.Prefetch(query=vec(rng, 4), using="a", filter=inner, limit=30),
                        models.Prefetch(query=vec(rng, 3), using="b", limit=20,
                                        filter=prefetch_filters[(j + 1) % len(prefetch_filters)]),
                        models.Prefetch(query=vec(rng, 5), using="c", limit=25, score_threshold=0.0)]
            for fusion in (RRF, DBSF):
                compare(pair, (i, j, fusion), prefetch=prefetch, query=fusion, query_filter=outer, limit=15)
            compare(pair, (i, j, "rescore"), prefetch=prefetch, query=vec(rng, 3), using="b", query_filter=outer,
                    limit=10, offset=2)
    # score_threshold: on a leaf (Cosine: better is higher; Euclid: lower), on a fusion (>=), on a re-score.
    prefetch = [models.Prefetch(query=vec(rng, 4), using="a", limit=40, score_threshold=0.25),
                models.Prefetch(query=vec(rng, 3), using="b", limit=40, score_threshold=1.5)]
    for threshold in (0.25, 0.5, 0.75, 1.0):
        compare(pair, prefetch=prefetch, query=DBSF, score_threshold=threshold, limit=30)
    for threshold in (0.0625, 0.25, 0.5):
        compare(pair, prefetch=prefetch, query=RRF, score_threshold=threshold, limit=30, offset=3)
    for threshold in (0.75, 1.25):
        compare(pair, prefetch=prefetch, query=vec(rng, 3), using="b", score_threshold=threshold, limit=30)
    compare(pair, prefetch=prefetch, query=vec(rng, 5), using="c", score_threshold=0.5, limit=30)
    # limit/offset past the end
    compare(pair, prefetch=prefetch, query=RRF, limit=10, offset=75)
    compare(pair, prefetch=prefetch, query=vec(rng, 4), using="a", limit=10, offset=75)


def test_rescoring_and_nested_prefetches(pair: tuple[QdrantClient, QdrantClient]) -> None:
    rng = random.Random(13)
    # Re-score a prefetch with another vector: the prefetch's points only, ranked by the outer query.
    small = models.Prefetch(query=vec(rng, 3), using="b", limit=40)
    got = compare(pair, prefetch=small, query=vec(rng, 4), using="a", limit=10, with_payload=True)
    client, oracle = pair
    candidates = {p.id for p in oracle.query_points("hy", query=small.query, using="b", limit=40).points}
    assert {p.id for p in got} <= candidates
    compare(pair, prefetch=[small, models.Prefetch(query=vec(rng, 5), using="c", limit=20)], query=vec(rng, 3),
            using="b", limit=50)  # union of two prefetches; points lacking b drop out
    # Nested: a fusion of two leaves, re-scored; a re-scored leaf fused with another; three levels.
    fused = models.Prefetch(prefetch=[models.Prefetch(query=vec(rng, 4), using="a", limit=30),
                                      models.Prefetch(query=vec(rng, 3), using="b", limit=30)],
                            query=RRF, limit=25)
    compare(pair, prefetch=fused, query=vec(rng, 5), using="c", limit=10)
    rescored = models.Prefetch(prefetch=models.Prefetch(query=vec(rng, 4), using="a", limit=60),
                               query=vec(rng, 3), using="b", limit=20, filter=models.Filter(must=[n_range(gte=10)]))
    for fusion in (RRF, DBSF):
        compare(pair, prefetch=[rescored, models.Prefetch(query=vec(rng, 5), using="c", limit=20)], query=fusion,
                limit=15)
    deep = models.Prefetch(prefetch=[fused, rescored], query=DBSF, limit=30, score_threshold=0.5)
    compare(pair, prefetch=[deep, small], query=RRF, limit=20,
            query_filter=models.Filter(must_not=[city("Oslo")]))
    compare(pair, prefetch=deep, query=vec(rng, 4), using="a", limit=20)
    # A prefetch without a query takes points by id (score 1.0).
    by_id = models.Prefetch(limit=30, filter=models.Filter(must=[city("Rome")]))
    for fusion in (RRF, DBSF):
        compare(pair, prefetch=[by_id, small], query=fusion, limit=20)
    compare(pair, prefetch=by_id, query=vec(rng, 3), using="b", limit=20)
    # query_batch_points with prefetches
    requests = [models.QueryRequest(prefetch=[small, fused], query=RRF, limit=7),
                models.QueryRequest(prefetch=small, query=vec(rng, 4), using="a", limit=5, with_payload=True)]
    got_batch = client.query_batch_points("hy", requests=requests)
    want_batch = oracle.query_batch_points("hy", requests=requests)
    for g, w in zip(got_batch, want_batch, strict=True):
        same_points(g.points, w.points)


def test_point_ids_and_recommend_inside_prefetches(pair: tuple[QdrantClient, QdrantClient]) -> None:
    uid = point_id(COUNT - 3)
    # A prefetch's query by id uses that point's vector (of the prefetch's `using`) and leaves the point out.
    for query_id in (5, uid):
        prefetch = [models.Prefetch(query=query_id, using="a", limit=20),
                    models.Prefetch(query=models.NearestQuery(nearest=8), using="b", limit=20)]
        got = compare(pair, query_id, prefetch=prefetch, query=RRF, limit=30)
        assert query_id not in [p.id for p in got] or query_id == 8
        # The outer query by id: left out of the prefetches too.
        got = compare(pair, prefetch=prefetch, query=query_id, using="c", limit=30)
        assert query_id not in [p.id for p in got]
    recommend = models.RecommendQuery(recommend=models.RecommendInput(positive=[1, 2], negative=[3]))
    compare(pair, prefetch=[models.Prefetch(query=recommend, using="a", limit=25),
                            models.Prefetch(query=[0.1, 0.2, 0.3], using="b", limit=25)], query=DBSF, limit=10)
    compare(pair, prefetch=models.Prefetch(query=[0.1, 0.2, 0.3], using="b", limit=50), query=recommend,
            using="c", limit=10)
    client, _ = pair
    with pytest.raises(ERRORS):  # a missing point
        client.query_points("hy", prefetch=models.Prefetch(query=99999, using="a"), query=RRF)
    with pytest.raises(ERRORS):  # point 0 has no vector b
        client.query_points("hy", prefetch=models.Prefetch(query=0, using="b"), query=RRF)


def test_bad_prefetch_requests_are_refused(client: QdrantClient) -> None:
    load(client)
    leaf = models.Prefetch(query=[0.1, 0.2, 0.3, 0.4], using="a")
    bad: list[dict[str, Any]] = [
        {"query": RRF},  # a fusion needs prefetches
        {"prefetch": leaf, "query": RRF, "using": "a"},  # a fusion takes no `using`
        {"prefetch": models.Prefetch(prefetch=leaf), "query": RRF},  # prefetches need a query
        {"prefetch": leaf},
        {"prefetch": models.Prefetch(query=[0.1, 0.2, 0.3, 0.4], using="a", limit=0), "query": RRF},
        {"prefetch": models.Prefetch(score_threshold=0.5), "query": RRF},
        {"prefetch": leaf, "query": models.RrfQuery(rrf=models.Rrf(k=0))},
        {"prefetch": [leaf, leaf], "query": models.RrfQuery(rrf=models.Rrf(weights=[1.0]))},
        {"prefetch": models.Prefetch(query=[0.1, 0.2, 0.3, 0.4], using="nope"), "query": RRF},
        {"prefetch": models.Prefetch(query=[0.1, 0.2, 0.3], using="a"), "query": RRF},  # dimension
        {"prefetch": leaf, "query": [0.1, 0.2], "using": "b"},
        {"prefetch": leaf, "query": RRF, "limit": 0},
        {"prefetch": models.Prefetch(query=models.OrderByQuery(order_by="n")), "query": RRF},
    ]
    for kwargs in bad:
        with pytest.raises(ERRORS) as err:
            client.query_points("hy", **kwargs)
        if isinstance(err.value, UnexpectedResponse):
            assert 400 <= err.value.status_code < 500, kwargs
        else:
            assert err.value.code() in (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.NOT_FOUND), kwargs
    assert len(client.query_points("hy", prefetch=leaf, query=RRF, limit=3).points) == 3


def error(reply: httpx.Response) -> str:
    return str(reply.json()["status"]["error"])


def test_rest_messages(qrest: httpx.Client, clean: Any) -> None:
    body = {"vectors": {name: {"size": p.size, "distance": p.distance.value} for name, p in CONFIG.items()}}
    assert qrest.put("/collections/hy", json=body).status_code == 200
    upsert = {"points": [p.model_dump(mode="json", exclude_none=True) for p in points()]}
    assert qrest.put("/collections/hy/points?wait=true", json=upsert).status_code == 200
    leaf = {"query": [0.1, 0.2, 0.3, 0.4], "using": "a"}
    cases: list[tuple[dict[str, Any], int, str]] = [
        ({"query": {"fusion": "rrf"}}, 400, "Bad request: cannot apply Fusion without prefetches"),
        ({"prefetch": leaf, "query": {"fusion": "max"}}, 400, "unknown variant 'max'"),
        ({"prefetch": leaf, "query": {"fusion": "rrf"}, "using": "a"}, 400, "cannot be combined with `using`"),
        ({"prefetch": {"prefetch": leaf}, "query": {"fusion": "rrf"}}, 400,
         "prefetch[0].query is needed to merge the prefetches"),
        ({"prefetch": [leaf, 3], "query": {"fusion": "rrf"}}, 400, "prefetch[1] must be an object"),
        ({"prefetch": {**leaf, "top": 3}, "query": {"fusion": "rrf"}}, 400, "unknown field `top`"),
        ({"prefetch": {**leaf, "limit": 0}, "query": {"fusion": "rrf"}}, 422,
         "Validation error in JSON body: [prefetch[0].limit: value 0 invalid, must be 1 or larger]"),
        ({"prefetch": leaf, "query": {"rrf": {"k": 0}}}, 422, "query.rrf.k: value 0 invalid"),
        ({"prefetch": leaf, "query": {"rrf": {"weights": [1, 2]}}}, 400, "2 weights for 1 prefetches"),
        ({"prefetch": leaf, "query": {"rrf": {"weights": ["x"]}}}, 400, "query.rrf.weights[0] must be a number"),
        ({"prefetch": leaf, "query": {"rrf": {"c": 1}}}, 400, "unknown field `c`"),
        ({"prefetch": {**leaf, "filter": {"must": [{"key": "n"}]}}, "query": {"fusion": "dbsf"}}, 422, "filter"),
        ({"prefetch": {**leaf, "using": "zz"}, "query": {"fusion": "dbsf"}}, 400,
         "Wrong input: Not existing vector name error: zz"),
        ({"prefetch": {**leaf, "lookup_from": {"collection": "x"}}, "query": {"fusion": "dbsf"}}, 400,
         "lookup_from is not supported"),
        ({"prefetch": {"query": 99999, "using": "a"}, "query": {"fusion": "dbsf"}}, 404,
         "Not found: No point with id 99999 found"),
        ({"prefetch": leaf, "query": {"formula": {"sum": []}}, "using": "a"}, 400, "query `formula` is not supported"),
    ]
    deep: dict[str, Any] = leaf
    for _ in range(40):
        deep = {"prefetch": deep, "query": {"fusion": "rrf"}}
    cases.append((deep, 400, "nested deeper than"))
    for body, status, text in cases:
        reply = qrest.post("/collections/hy/points/query", json=body)
        assert reply.status_code == status, (body, reply.text)
        assert text in error(reply), (body, error(reply))
    # An empty prefetch list is no prefetch: a plain query.
    reply = qrest.post("/collections/hy/points/query", json={"prefetch": [], **leaf, "limit": 2})
    assert reply.status_code == 200 and len(reply.json()["result"]["points"]) == 2
    reply = qrest.post("/collections/hy/points/query", json={"prefetch": leaf, "query": {"rrf": {}}, "limit": 2})
    assert reply.status_code == 200 and [p["score"] for p in reply.json()["result"]["points"]] == [1 / 2, 1 / 3]
