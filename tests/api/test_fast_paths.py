"""The search hot paths (REST routes served in front of Starlette, protobuf vectors read as float32, Qdrant
gRPC hits built directly) answer exactly what the general paths answer, errors included."""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from typing import Any

import grpc
import httpx
import pytest
import redis
from qdrant_client import QdrantClient, models

from redvector.protocol.grpc.generated import redvector_pb2 as pb
from redvector.protocol.grpc.generated import redvector_pb2_grpc as pb_grpc
from tests.serverutil import ThreadedServer

# Distinct directions (no ties in score: the page at the limit is the same for every search path).
VECTORS = {i: [math.cos(i), math.sin(i), math.cos(2.5 * i), math.sin(0.7 * i)] for i in range(30)}
QUERY = [0.3, -0.2, 0.1, 0.4]


@pytest.fixture
def coll(rest: httpx.Client, clean: redis.Redis) -> str:
    assert rest.put("/collections/f", json={"vectors": {"size": 4, "distance": "Cosine"}}).status_code == 200
    points = [{"id": i, "vector": v, "payload": {"n": i, "even": i % 2 == 0, "tag": f"t{i % 3}"}}
              for i, v in VECTORS.items()]
    assert rest.put("/collections/f/points", json={"points": points}).status_code == 200
    # Until the background builder has moved every vector into the HNSW graph, a search reads some of them
    # from the exact buffer, whose float rounding differs in the last bits: two searches either side of a
    # move could differ for reasons that are not the paths under test. Compare on a settled index.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        info = clean.execute_command("FT.INFO", "f")
        fields = info if isinstance(info, dict) else dict(zip(info[::2], info[1::2], strict=True))
        if int(fields.get(b"indexing", fields.get("indexing", 1))) == 0:
            break
        time.sleep(0.01)
    return "f"


@pytest.fixture
def channel(server: ThreadedServer) -> Iterator[grpc.Channel]:
    with grpc.insecure_channel(f"127.0.0.1:{server.ports()['grpc']}") as ch:
        yield ch


def test_product_post_search_equals_get_search(rest: httpx.Client, coll: str) -> None:
    csv = ",".join(str(x) for x in QUERY)
    by_get = rest.get(f"/api/collections/{coll}/search", params={"vector": csv, "limit": 5})
    by_post = rest.post(f"/api/collections/{coll}/search", json={"vector": QUERY, "limit": 5})
    assert by_get.status_code == by_post.status_code == 200
    assert by_post.headers["content-type"] == "application/json"
    assert by_post.json() == by_get.json()
    assert len(by_post.json()["results"]) == 5
    # Qdrant trims trailing slashes; the fast path does too.
    assert rest.post(f"/api/collections/{coll}/search/", json={"vector": QUERY, "limit": 5}).json() == by_get.json()


def test_qdrant_search_and_query_agree(rest: httpx.Client, qrest: httpx.Client, coll: str) -> None:
    flt = {"must": [{"key": "even", "match": {"value": True}}]}
    search = rest.post(f"/collections/{coll}/points/search",
                       json={"vector": QUERY, "limit": 4, "filter": flt, "with_payload": ["n"]}).json()
    query = qrest.post(f"/collections/{coll}/points/query/",
                       json={"query": QUERY, "limit": 4, "filter": flt, "with_payload": ["n"]}).json()
    assert search["status"] == query["status"] == "ok"
    assert search["result"] == query["result"]["points"]
    assert [p["payload"]["n"] % 2 for p in search["result"]] == [0, 0, 0, 0]
    assert set(search["result"][0]) == {"id", "version", "score", "payload"}


def test_fast_route_errors(rest: httpx.Client, qrest: httpx.Client, coll: str) -> None:
    missing = rest.post("/collections/nope/points/search", json={"vector": QUERY, "limit": 3})
    assert missing.status_code == 404
    assert missing.json()["status"]["error"] == "Not found: Collection `nope` doesn't exist!"
    assert rest.post("/api/collections/nope/search", json={"vector": QUERY}).json() == {
        "error": "Not found: Collection `nope` doesn't exist!"}
    bad_json = rest.post(f"/collections/{coll}/points/search", content=b'{"vector": [1, 2',
                         headers={"content-type": "application/json"})
    assert bad_json.status_code == 400 and bad_json.json()["status"]["error"].startswith("Format error in JSON body")
    # Integers beyond 64 bits are read as the stdlib reads them (orjson would make them floats).
    huge = rest.post(f"/api/collections/{coll}/search", content=b'{"vector": [1, 2, 3, 4], "limit": '
                     b'123456789012345678901234}', headers={"content-type": "application/json"})
    assert huge.status_code == 400
    assert huge.json()["error"] == "limit must be an integer between 1 and 10000, got 123456789012345678901234"
    nan = rest.post(f"/collections/{coll}/points/search", content=b'{"vector": [NaN, 1, 2, 3], "limit": 3}',
                    headers={"content-type": "application/json"})
    assert nan.status_code == 400 and "vector[0] must be a finite number" in nan.json()["status"]["error"]
    empty = rest.post(f"/collections/{coll}/points/query", content=b"")
    assert empty.status_code == 200 and len(empty.json()["result"]["points"]) == 10  # no query: a scroll
    # The Qdrant port has no product routes, fast or not.
    assert qrest.post(f"/api/collections/{coll}/search", json={"vector": QUERY}).status_code == 404
    # Other methods on the fast paths still reach Starlette's routing.
    assert rest.put(f"/collections/{coll}/points/search", json={}).status_code == 405


def test_grpc_vector_service_search_checks_the_vector(channel: grpc.Channel, coll: str) -> None:
    stub = pb_grpc.VectorServiceStub(channel)
    reply = stub.Search(pb.SearchRequest(collection_name=coll, vector=QUERY, limit=3, with_payload=False))
    assert len(reply.result) == 3 and all(not p.payload for p in reply.result)
    assert reply.result[0].score >= reply.result[1].score >= reply.result[2].score
    with pytest.raises(grpc.RpcError) as info:
        stub.Search(pb.SearchRequest(collection_name=coll, vector=[1.0, float("inf"), 0.0, 0.0], limit=3))
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "vector[1] must be a finite number, got inf" in str(info.value.details())
    with pytest.raises(grpc.RpcError) as info:
        stub.Search(pb.SearchRequest(collection_name=coll, vector=[1.0, 0.0], limit=3))
    assert "expected dim: 4, got 2" in str(info.value.details())


def test_qdrant_grpc_query_matches_rest(server: ThreadedServer, rest: httpx.Client, coll: str) -> None:
    client = QdrantClient(host="127.0.0.1", port=server.ports()["rest"], grpc_port=server.ports()["grpc"],
                          prefer_grpc=True, check_compatibility=False)
    try:
        flt = models.Filter(must=[models.FieldCondition(key="tag", match=models.MatchValue(value="t1"))])
        kwargs: dict[str, Any] = {"query_filter": flt, "limit": 3, "offset": 1, "with_payload": ["n", "tag"],
                                  "with_vectors": True, "search_params": models.SearchParams(hnsw_ef=32)}
        by_grpc = client.query_points(coll, query=QUERY, **kwargs).points
        body = {"query": QUERY, "filter": {"must": [{"key": "tag", "match": {"value": "t1"}}]}, "limit": 3,
                "offset": 1, "with_payload": ["n", "tag"], "with_vector": True, "params": {"hnsw_ef": 32}}
        by_rest = rest.post(f"/collections/{coll}/points/query", json=body).json()["result"]["points"]
        assert [(p.id, p.payload, p.version) for p in by_grpc] == [(p["id"], p["payload"], p["version"])
                                                                   for p in by_rest]
        assert [p.score for p in by_grpc] == pytest.approx([p["score"] for p in by_rest], abs=1e-6)
        for got, want in zip(by_grpc, by_rest, strict=True):
            assert got.vector == pytest.approx(want["vector"], abs=1e-6)
        # A query by point id takes the general converter path and excludes the point itself.
        by_id = client.query_points(coll, query=4, limit=3).points
        assert len(by_id) == 3 and 4 not in [p.id for p in by_id]
        legacy = client.query_points(coll, query=QUERY, limit=2, with_payload=True).points
        assert legacy[0].payload and set(legacy[0].payload) == {"n", "even", "tag"}
    finally:
        client.close()
