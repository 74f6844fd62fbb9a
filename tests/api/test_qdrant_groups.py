"""Qdrant groups through qdrant-client (REST and gRPC): query_points_groups (with prefetches and fusion too)
and the legacy points/search/groups (REST) / SearchGroups (gRPC), compared with QdrantClient(":memory:");
group ids of several types, array values, missing keys and ungroupable values, group_size, limit,
with_lookup; errors."""

from __future__ import annotations

import random
import uuid
from typing import Any

import grpc
import httpx
import pytest
from qdrant_client import QdrantClient, models
from qdrant_client import grpc as qgrpc
from qdrant_client.conversions.conversion import GrpcToRest, RestToGrpc
from qdrant_client.http.exceptions import UnexpectedResponse

from tests.api.test_qdrant_query_pipeline import (
    CONFIG,
    DIMS,
    ERRORS,
    RRF,
    city,
    load,
    points,
    same_points,
    vec,
)
from tests.serverutil import ThreadedServer

LOOKUP = "lk"


def load_lookup(c: QdrantClient) -> None:
    """Points whose ids are some of the int group ids of `grp` (0..5) and `arr` (0..4)."""
    c.create_collection(LOOKUP, vectors_config=models.VectorParams(size=2, distance=models.Distance.DOT))
    c.upsert(LOOKUP, points=[models.PointStruct(id=i, vector=[1.0, float(i)], payload={"label": f"L{i}", "i": i})
                             for i in (0, 2, 3, 5)], wait=True)


@pytest.fixture
def pair(client: QdrantClient) -> tuple[QdrantClient, QdrantClient]:
    oracle = QdrantClient(":memory:")
    for c in (client, oracle):
        load(c)
        load_lookup(c)
    return client, oracle


def same_groups(got: list[models.PointGroup], want: list[models.PointGroup], what: Any = "") -> None:
    assert [g.id for g in got] == [g.id for g in want], what
    for g, w in zip(got, want, strict=True):
        same_points(g.hits, w.hits, (what, g.id))
        if w.lookup is None:
            assert g.lookup is None, (what, g.id)
        else:
            # gRPC's RetrievedPoint cannot tell no payload from an empty one: the client reads {} for both.
            assert g.lookup is not None and g.lookup.id == w.lookup.id
            assert (g.lookup.payload or None) == (w.lookup.payload or None)
            assert g.lookup.vector == w.lookup.vector


def compare(pair: tuple[QdrantClient, QdrantClient], what: Any = "", **kwargs: Any) -> list[models.PointGroup]:
    client, oracle = pair
    got = client.query_points_groups("hy", **kwargs).groups
    want = oracle.query_points_groups("hy", **kwargs).groups
    same_groups(got, want, what or kwargs)
    return got


def test_query_groups_match_local_mode(pair: tuple[QdrantClient, QdrantClient]) -> None:
    rng = random.Random(21)
    seen_types: set[type] = set()
    for group_by in ("city", "grp", "tags", "arr"):
        for group_size, limit in ((1, 3), (2, 5), (4, 100), (3, 2)):
            using = rng.choice(sorted(DIMS))
            got = compare(pair, (group_by, group_size, limit), query=vec(rng, DIMS[using]), using=using,
                          group_by=group_by, group_size=group_size, limit=limit)
            assert got and all(1 <= len(g.hits) <= group_size for g in got)
            seen_types |= {type(g.id) for g in got}
    assert seen_types == {int, str}
    assert any(g.id == -3 for g in compare(pair, query=vec(rng, 4), using="a", group_by="grp", limit=50))
    # Filters, score_threshold, payload selection and vectors; a key most points lack; no query (by id).
    flt = models.Filter(must_not=[city("Rome")])
    compare(pair, query=vec(rng, 3), using="b", group_by="grp", query_filter=flt, score_threshold=1.5, group_size=3,
            limit=4, with_payload=["n"], with_vectors=["b"])
    compare(pair, query=vec(rng, 5), using="c", group_by="tags", with_payload=False, group_size=5)
    compare(pair, query=vec(rng, 4), using="a", group_by="missing.key")
    compare(pair, group_by="city", group_size=4, limit=3, query_filter=flt)
    # The query by id leaves its point out; recommend.
    compare(pair, query=12, using="a", group_by="arr", group_size=2)
    recommend = models.RecommendQuery(recommend=models.RecommendInput(positive=[4, 5], negative=[6]))
    compare(pair, query=recommend, using="b", group_by="city", group_size=2, limit=3)
    # Prefetches and fusion: every prefetch limit is raised to the collection's size.
    prefetch = [models.Prefetch(query=vec(rng, 4), using="a", limit=5),
                models.Prefetch(query=vec(rng, 3), using="b", limit=5, filter=models.Filter(must=[city("Paris")]))]
    for query in (RRF, models.FusionQuery(fusion=models.Fusion.DBSF), vec(rng, 5)):
        compare(pair, query, prefetch=prefetch, query=query, using="c" if isinstance(query, list) else None,
                group_by="grp", group_size=3, limit=4)
    # with_lookup: the point of the group id in another collection (None for string ids and missing ones).
    for with_lookup in (LOOKUP, models.WithLookup(collection=LOOKUP, with_payload=["label"], with_vectors=True),
                        models.WithLookup(collection=LOOKUP, with_payload=False)):
        for group_by in ("grp", "city"):
            got = compare(pair, (with_lookup, group_by), query=vec(rng, 4), using="a", group_by=group_by,
                          with_lookup=with_lookup, group_size=2, limit=10)
            assert group_by == "city" or any(g.lookup is not None for g in got)


def local_search_groups(oracle: QdrantClient, using: str, vector: list[float], **kwargs: Any) -> list[models.PointGroup]:
    """The oracle of the legacy search_groups (qdrant-client 1.20 no longer has the method)."""
    local = oracle._client  # QdrantLocal
    lookup = kwargs.get("with_lookup")
    if lookup is not None:
        kwargs["with_lookup_collection"] = local.collections[lookup if isinstance(lookup, str) else lookup.collection]
    groups: list[models.PointGroup] = local.collections["hy"].search_groups(query_vector=(using, vector),
                                                                             **kwargs).groups
    return groups


def test_legacy_search_groups(qrest: httpx.Client, server: ThreadedServer, clean: Any) -> None:
    oracle = QdrantClient(":memory:")
    load(oracle)
    load_lookup(oracle)
    ports = server.ports()
    client = QdrantClient(url=f"http://127.0.0.1:{ports['qdrant']}", timeout=30, check_compatibility=False)
    load(client)
    load_lookup(client)
    rng = random.Random(22)
    flt = models.Filter(must=[models.FieldCondition(key="n", range=models.Range(gte=30))])
    cases: list[dict[str, Any]] = [
        {"group_by": "city", "group_size": 1, "limit": 3},
        {"group_by": "grp", "group_size": 3, "limit": 10, "score_threshold": 1.25, "query_filter": flt},
        {"group_by": "tags", "group_size": 2, "limit": 2, "with_payload": ["n", "tags"], "with_lookup": LOOKUP},
        {"group_by": "arr", "group_size": 5, "limit": 4, "with_payload": False, "with_vectors": True,
         "with_lookup": models.WithLookup(collection=LOOKUP, with_payload=["label"])},
    ]
    with grpc.insecure_channel(f"127.0.0.1:{ports['qdrant-grpc']}") as channel:
        stub = qgrpc.PointsStub(channel)
        for case in cases:
            for using in ("a", "b"):
                vector = vec(rng, DIMS[using])
                want = local_search_groups(oracle, using, vector, **case)
                body: dict[str, Any] = {"vector": {"name": using, "vector": vector},
                                        "group_by": case["group_by"], "group_size": case["group_size"],
                                        "limit": case["limit"], "with_payload": case.get("with_payload", True)}
                for key in ("score_threshold", "with_vectors"):
                    if key in case:
                        body[key] = case[key]
                if "query_filter" in case:
                    body["filter"] = case["query_filter"].model_dump(mode="json", exclude_none=True)
                lookup = case.get("with_lookup")
                if lookup is not None:
                    body["with_lookup"] = lookup if isinstance(lookup, str) else lookup.model_dump(exclude_none=True)
                reply = qrest.post("/collections/hy/points/search/groups", json=body)
                assert reply.status_code == 200, reply.text
                got = models.GroupsResult.model_validate(reply.json()["result"]).groups
                same_groups(got, want, ("rest", case))

                request = qgrpc.SearchPointGroups(
                    collection_name="hy", vector=vector, vector_name=using, group_by=case["group_by"],
                    group_size=case["group_size"], limit=case["limit"],
                    with_payload=qgrpc.WithPayloadSelector(enable=True))
                if case.get("with_payload") is False:
                    request.with_payload.CopyFrom(qgrpc.WithPayloadSelector(enable=False))
                elif isinstance(case.get("with_payload"), list):
                    request.with_payload.CopyFrom(qgrpc.WithPayloadSelector(
                        include=qgrpc.PayloadIncludeSelector(fields=case["with_payload"])))
                if "score_threshold" in case:
                    request.score_threshold = case["score_threshold"]
                if case.get("with_vectors"):
                    request.with_vectors.CopyFrom(qgrpc.WithVectorsSelector(enable=True))
                if "query_filter" in case:
                    request.filter.CopyFrom(RestToGrpc.convert_filter(case["query_filter"]))
                if lookup is not None:
                    request.with_lookup.CopyFrom(qgrpc.WithLookup(collection=LOOKUP) if isinstance(lookup, str) else
                                                 qgrpc.WithLookup(collection=LOOKUP, with_payload=qgrpc.WithPayloadSelector(
                                                     include=qgrpc.PayloadIncludeSelector(fields=["label"]))))
                result = stub.SearchGroups(request, timeout=10).result
                same_groups(GrpcToRest.convert_groups_result(result).groups, want, ("grpc", case))
        with pytest.raises(grpc.RpcError) as err:
            stub.SearchGroups(qgrpc.SearchPointGroups(collection_name="hy", vector=[0.1] * 4, vector_name="a",
                                                      group_by="city", group_size=0, limit=3), timeout=10)
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    client.close()


def test_bad_group_requests(pair: tuple[QdrantClient, QdrantClient]) -> None:
    client, _ = pair
    query = [0.1, 0.2, 0.3, 0.4]
    bad: list[dict[str, Any]] = [
        {"group_by": "city", "group_size": 0},
        {"group_by": "city", "limit": 0},
        {"group_by": ""},
        {"group_by": "city", "with_lookup": "nope"},
        {"group_by": "city", "using": "zz"},
        {"group_by": "city", "prefetch": models.Prefetch(query=query, using="a"), "using": "a"},  # no query
    ]
    for kwargs in bad:
        kwargs = {"query": query, "using": "a", **kwargs}
        if "prefetch" in kwargs:
            del kwargs["query"]
        with pytest.raises(ERRORS) as err:
            client.query_points_groups("hy", **kwargs)
        if isinstance(err.value, UnexpectedResponse):
            assert 400 <= err.value.status_code < 500, kwargs
        else:
            assert err.value.code() in (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.NOT_FOUND), kwargs
    assert client.query_points_groups("hy", query=query, using="a", group_by="city", limit=2).groups


def test_rest_group_messages(qrest: httpx.Client, clean: Any) -> None:
    body = {"vectors": {name: {"size": p.size, "distance": p.distance.value} for name, p in CONFIG.items()}}
    assert qrest.put("/collections/hy", json=body).status_code == 200
    upsert = {"points": [p.model_dump(mode="json", exclude_none=True) for p in points()]}
    assert qrest.put("/collections/hy/points?wait=true", json=upsert).status_code == 200
    nearest = {"query": [0.1, 0.2, 0.3, 0.4], "using": "a"}
    cases: list[tuple[str, dict[str, Any], int, str]] = [
        ("query", nearest, 400, "Format error in JSON body: missing field `group_by`"),
        ("query", {**nearest, "group_by": 3}, 400, "group_by must be a non-empty string"),
        ("query", {**nearest, "group_by": "a", "group_size": 0}, 422, "group_size: value 0 invalid"),
        ("query", {**nearest, "group_by": "a", "with_lookup": {"with_payload": True}}, 400, "with_lookup needs"),
        ("query", {**nearest, "group_by": "a", "with_lookup": "zz"}, 404, "Not found: Collection `zz`"),
        ("search", {"vector": {"name": "a", "vector": [0.1, 0.2, 0.3, 0.4]}, "group_by": "city", "limit": 2}, 400,
         "missing field `group_size`"),
        ("search", {"vector": [0.1, 0.2, 0.3, 0.4], "group_by": "city", "limit": 2, "group_size": 2}, 400,
         "Not existing vector name"),
        ("search", {"vector": {"name": "a", "vector": [0.1]}, "group_by": "city", "limit": 2, "group_size": 2}, 400,
         "Vector dimension error"),
    ]
    for kind, request, status, text in cases:
        reply = qrest.post(f"/collections/hy/points/{kind}/groups", json=request)
        assert reply.status_code == status, (request, reply.text)
        assert text in reply.json()["status"]["error"], (request, reply.text)
    reply = qrest.post("/collections/hy/points/query/groups", json={**nearest, "group_by": "city", "limit": 2})
    groups = reply.json()["result"]["groups"]
    assert [len(g["hits"]) for g in groups] == [3, 3] and "lookup" not in groups[0]
    assert all("payload" not in h for g in groups for h in g["hits"])  # the server's default: no payload
    assert qrest.post("/collections/hy/points/recommend/groups", json={}).status_code == 400


def test_uuid_group_ids_look_up_points(client: QdrantClient) -> None:
    """A string group id that is a UUID finds the point with that id in the lookup collection."""
    oracle = QdrantClient(":memory:")
    refs = [str(uuid.UUID(int=7 + i)) for i in range(3)] + ["not-a-uuid"]
    for c in (client, oracle):
        c.create_collection("u", vectors_config=models.VectorParams(size=2, distance=models.Distance.EUCLID))
        c.create_collection("ul", vectors_config=models.VectorParams(size=2, distance=models.Distance.COSINE))
        c.upsert("u", points=[models.PointStruct(id=i, vector=[i * 0.37, 1.0 - i * 0.11],
                                                 payload={"ref": refs[i % 4], "refs": refs[i % 3:i % 3 + 2]})
                              for i in range(12)])
        c.upsert("ul", points=[models.PointStruct(id=refs[i], vector=[1.0, float(i)], payload={"k": i}) for i in (0, 2)])
    for group_by in ("ref", "refs"):
        kwargs: dict[str, Any] = {"query": [0.5, 0.5], "group_by": group_by, "group_size": 2, "with_lookup": "ul"}
        got = client.query_points_groups("u", **kwargs).groups
        want = oracle.query_points_groups("u", **kwargs).groups
        same_groups(got, want, group_by)
        assert sum(g.lookup is not None for g in got) == 2
