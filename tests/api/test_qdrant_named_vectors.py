"""Qdrant named vectors through qdrant-client (REST and gRPC), compared with QdrantClient(":memory:") on the
same data; legacy search/recommend with a vector name; errors; what RESP sees; a restart keeps the names."""

from __future__ import annotations

import random
import signal
import struct
from pathlib import Path
from typing import Any

import grpc
import httpx
import pytest
import redis
from qdrant_client import QdrantClient, models
from qdrant_client import grpc as qgrpc

from redvector.protocol.grpc.generated import redvector_pb2 as pb
from redvector.protocol.grpc.generated import redvector_pb2_grpc as pb_grpc
from tests.serverutil import ThreadedServer, free_port, subprocess_server

CONFIG = {"img": models.VectorParams(size=2, distance=models.Distance.EUCLID),
          "txt": models.VectorParams(size=4, distance=models.Distance.COSINE)}
CITIES = ["Berlin", "Paris", "Rome"]


def _vec(rng: random.Random, n: int) -> list[float]:
    return [rng.uniform(-1, 1) for _ in range(n)]


def named_points(count: int, seed: int) -> list[models.PointStruct]:
    """Points with both vectors (id % 3 == 0), only ``img`` (1) or only ``txt`` (2)."""
    rng = random.Random(seed)
    points = []
    for i in range(count):
        vector: dict[str, Any] = {}
        if i % 3 in (0, 1):
            vector["img"] = _vec(rng, 2)
        if i % 3 in (0, 2):
            vector["txt"] = _vec(rng, 4)
        points.append(models.PointStruct(id=i, vector=vector, payload={"city": CITIES[i % 3], "n": i}))
    return points


def named_batch(first: int, count: int, seed: int) -> models.Batch:
    rng = random.Random(seed)
    ids = list(range(first, first + count))
    return models.Batch(ids=ids, vectors={"img": [_vec(rng, 2) for _ in ids], "txt": [_vec(rng, 4) for _ in ids]},
                        payloads=[{"city": CITIES[i % 3], "n": i} for i in ids])


def _scored(points: list[models.ScoredPoint]) -> list[tuple[Any, float]]:
    return [(p.id, round(p.score, 4)) for p in points]


def _same_vectors(got: Any, want: Any) -> None:
    assert isinstance(got, dict) and isinstance(want, dict)
    assert sorted(got) == sorted(want)
    for name in want:
        assert got[name] == pytest.approx(want[name], abs=1e-5)


def _same_records(got: list[models.Record], want: list[models.Record]) -> None:
    assert [r.id for r in got] == [r.id for r in want]
    for g, w in zip(got, want, strict=True):
        assert g.payload == w.payload
        if w.vector is None:
            assert g.vector is None
        else:
            _same_vectors(g.vector, w.vector)


def _load(c: QdrantClient, name: str = "nv") -> None:
    c.create_collection(name, vectors_config=CONFIG)
    c.upsert(name, points=named_points(30, seed=1), wait=True)
    c.upsert(name, points=named_batch(30, 10, seed=2), wait=True)


HAS_IMG = models.Filter(must=[models.HasVectorCondition(has_vector="img")])
FILTERS: list[models.Filter | None] = [
    None,
    models.Filter(must=[models.FieldCondition(key="city", match=models.MatchValue(value="Paris"))]),
    HAS_IMG,
    models.Filter(must_not=[models.HasVectorCondition(has_vector="txt")]),
    models.Filter(should=[models.HasVectorCondition(has_vector="txt"),
                          models.FieldCondition(key="n", range=models.Range(lt=5))]),
]


def test_named_collection_matches_local_mode(client: QdrantClient) -> None:
    oracle = QdrantClient(":memory:")
    for c in (client, oracle):
        _load(c)
    info = client.get_collection("nv")
    assert info.points_count == 40
    assert info.config.params.vectors == CONFIG

    rng = random.Random(9)
    for using, dim in (("img", 2), ("txt", 4)):
        for flt in FILTERS:
            query = _vec(rng, dim)
            kwargs: dict[str, Any] = {"using": using, "query_filter": flt, "limit": 7, "with_payload": True}
            got = client.query_points("nv", query=query, **kwargs).points
            want = oracle.query_points("nv", query=query, **kwargs).points
            assert _scored(got) == _scored(want), (using, flt)
            assert [p.payload for p in got] == [p.payload for p in want]
            assert flt is not None or len(got) == 7
        # A point lacking the vector is never a hit: only ids with it come back.
        has = {p.id for p in named_points(30, 1) if using in p.vector} | set(range(30, 40))  # type: ignore[operator]
        every = client.query_points("nv", query=_vec(rng, dim), using=using, limit=100).points
        assert {p.id for p in every} == has
        # query by id (that point's vector of this name), offset, with_vectors
        kwargs = {"using": using, "limit": 3, "offset": 1, "with_vectors": True}
        got = client.query_points("nv", query=30, **kwargs).points
        want = oracle.query_points("nv", query=30, **kwargs).points
        assert _scored(got) == _scored(want)
        for g, w in zip(got, want, strict=True):
            _same_vectors(g.vector, w.vector)
        requests = [models.QueryRequest(query=_vec(rng, dim), using=using, limit=4) for _ in range(2)]
        assert [_scored(r.points) for r in client.query_batch_points("nv", requests=requests)] == [
            _scored(r.points) for r in oracle.query_batch_points("nv", requests=requests)]
        recommend = models.RecommendQuery(recommend=models.RecommendInput(positive=[0, 3], negative=[30]))
        assert _scored(client.query_points("nv", query=recommend, using=using, limit=5).points) == _scored(
            oracle.query_points("nv", query=recommend, using=using, limit=5).points)

    ids = [0, 1, 2, 35, 999]
    for selector in (True, ["img"], ["txt", "img"], ["txt", "nope"]):
        _same_records(client.retrieve("nv", ids, with_vectors=selector),
                      oracle.retrieve("nv", ids, with_vectors=selector))
    for flt in FILTERS:
        got_page, got_next = client.scroll("nv", scroll_filter=flt, limit=6, with_vectors=["txt"])
        want_page, want_next = oracle.scroll("nv", scroll_filter=flt, limit=6, with_vectors=["txt"])
        _same_records(got_page, want_page)
        assert got_next == want_next
        assert client.count("nv", count_filter=flt).count == oracle.count("nv", count_filter=flt).count

    # Upsert replaces the whole point: a vector left out is gone; payload updates keep the vectors.
    for c in (client, oracle):
        c.upsert("nv", points=[models.PointStruct(id=0, vector={"txt": [1, 0, 0, 0]}, payload={"n": 0})])
        c.set_payload("nv", payload={"city": "Oslo"}, points=[0, 3])
        c.delete("nv", points_selector=models.PointIdsList(points=[6]))
    _same_records(client.retrieve("nv", [0, 3, 6], with_vectors=True), oracle.retrieve("nv", [0, 3, 6], with_vectors=True))
    assert client.count("nv", count_filter=HAS_IMG).count == oracle.count("nv", count_filter=HAS_IMG).count


def test_has_vector_on_an_unnamed_collection(client: QdrantClient) -> None:
    client.create_collection("plain", vectors_config=models.VectorParams(size=2, distance=models.Distance.DOT))
    client.upsert("plain", points=[models.PointStruct(id=i, vector=[1.0, float(i)]) for i in range(3)])
    unnamed = models.Filter(must=[models.HasVectorCondition(has_vector="")])
    assert client.count("plain", count_filter=unnamed).count == 3
    other = models.Filter(must=[models.HasVectorCondition(has_vector="img")])
    assert client.count("plain", count_filter=other).count == 0
    assert client.get_collection("plain").config.params.vectors == models.VectorParams(size=2, distance="Dot")


def test_named_errors_write_nothing(client: QdrantClient) -> None:
    from qdrant_client.http.exceptions import UnexpectedResponse

    errors = (UnexpectedResponse, grpc.RpcError)
    client.create_collection("bad", vectors_config=CONFIG)
    good = models.PointStruct(id=1, vector={"img": [1, 2], "txt": [1, 2, 3, 4]})
    for wrong in ({"aud": [1.0]}, {"txt": [1.0, 2.0]}, {"img": [1.0, 2.0, 3.0]}):
        with pytest.raises(errors):
            client.upsert("bad", points=[good, models.PointStruct(id=2, vector=wrong)])
    with pytest.raises(errors):
        client.upsert("bad", points=[good, models.PointStruct(id=2, vector=[1.0, 2.0])])  # an unnamed vector
    with pytest.raises(errors):
        client.upsert("bad", points=models.Batch(ids=[1, 2], vectors={"img": [[1, 2], [1, 2, 3]]}))
    assert client.count("bad").count == 0
    for using in ("nope", None):
        with pytest.raises(errors):
            client.query_points("bad", query=[1.0, 2.0], using=using)
    with pytest.raises(errors):
        client.query_points("bad", query=[1.0, 2.0, 3.0], using="img")


def test_rest_error_messages_name_the_vector(qrest: httpx.Client, clean: redis.Redis) -> None:
    body = {"vectors": {"img": {"size": 2, "distance": "Euclid"}, "txt": {"size": 4, "distance": "Cosine"}}}
    assert qrest.put("/collections/msg", json=body).json()["result"] is True
    assert qrest.put("/collections/msg", json=body).status_code == 409
    points = {"points": [{"id": 1, "vector": {"img": [1, 2]}}, {"id": 2, "vector": {"txt": [1, 2]}}]}
    reply = qrest.put("/collections/msg/points", json=points)
    assert reply.status_code == 400
    assert reply.json()["status"]["error"] == ("Wrong input: Vector dimension error: expected dim: 4, got 2 "
                                               "for vector 'txt'")
    reply = qrest.put("/collections/msg/points", json={"points": [{"id": 1, "vector": {"aud": [1]}}]})
    assert (reply.status_code, reply.json()["status"]["error"]) == (
        400, "Wrong input: Not existing vector name error: aud")
    reply = qrest.post("/collections/msg/points/query", json={"query": [1, 2], "using": "aud"})
    assert (reply.status_code, reply.json()["status"]["error"]) == (
        400, "Wrong input: Not existing vector name error: aud")
    reply = qrest.post("/collections/msg/points/query", json={"query": [1, 2]})
    assert reply.status_code == 400 and "img, txt" in reply.json()["status"]["error"]
    assert qrest.post("/collections/msg/points/query", json={"using": "aud"}).status_code == 400
    assert qrest.post("/collections/msg/points/query", json={"limit": 2}).json()["result"] == {"points": []}
    assert qrest.post("/collections/msg/points/count", json={}).json()["result"]["count"] == 0
    for bad in ({"img": {"size": 0}}, {"img": {"distance": "Dot"}}, {"img": {"size": 2, "distance": "Manhattan"}},
                {"": {"size": 2}}):
        assert qrest.put("/collections/bad2", json={"vectors": bad}).status_code in (400, 422), bad
    assert qrest.get("/collections/bad2/exists").json()["result"]["exists"] is False
    # A point without vectors is allowed; it is found by scroll, never by a search.
    assert qrest.put("/collections/msg/points", json={"points": [{"id": 7, "vector": {}}]}).status_code == 200
    hit = qrest.post("/collections/msg/points/scroll", json={"with_vector": True}).json()["result"]["points"]
    assert hit == [{"id": 7, "payload": {}, "vector": {}}]


def test_legacy_search_and_recommend_with_a_name(qrest: httpx.Client, server: ThreadedServer,
                                                 clean: redis.Redis) -> None:
    """Clients <= 1.15: search with a NamedVector (REST) or vector_name (gRPC), recommend with `using`."""
    oracle = QdrantClient(":memory:")
    _load(oracle, "leg")
    body = {"vectors": {"img": {"size": 2, "distance": "Euclid"}, "txt": {"size": 4, "distance": "Cosine"}}}
    assert qrest.put("/collections/leg", json=body).status_code == 200
    upsert = {"points": [p.model_dump(mode="json", exclude_none=True) for p in named_points(30, 1)]}
    assert qrest.put("/collections/leg/points", json=upsert).status_code == 200
    batch = {"batch": named_batch(30, 10, 2).model_dump(mode="json", exclude_none=True)}
    assert qrest.put("/collections/leg/points", json=batch).status_code == 200

    query = [0.3, -0.2, 0.5, 0.1]
    want = _scored(oracle.query_points("leg", query=query, using="txt", limit=4).points)
    got = qrest.post("/collections/leg/points/search",
                     json={"vector": {"name": "txt", "vector": query}, "limit": 4}).json()["result"]
    assert [(h["id"], round(h["score"], 4)) for h in got] == want
    with grpc.insecure_channel(f"127.0.0.1:{server.ports()['qdrant-grpc']}") as channel:
        reply = qgrpc.PointsStub(channel).Search(qgrpc.SearchPoints(
            collection_name="leg", vector=query, vector_name="txt", limit=4), timeout=10)
        assert [(p.id.num, round(p.score, 4)) for p in reply.result] == want
    recommend = models.RecommendQuery(recommend=models.RecommendInput(positive=[0, 4], negative=[33]))
    want = _scored(oracle.query_points("leg", query=recommend, using="img", limit=5).points)
    got = qrest.post("/collections/leg/points/recommend",
                     json={"positive": [0, 4], "negative": [33], "using": "img", "limit": 5}).json()["result"]
    assert [(h["id"], round(h["score"], 4)) for h in got] == want
    reply = qrest.post("/collections/leg/points/search", json={"vector": {"name": "aud", "vector": [1]}, "limit": 1})
    assert reply.status_code == 400
    assert qrest.post("/collections/leg/points/search", json={"vector": [1, 2], "limit": 1}).status_code == 400


def blob(*values: float) -> bytes:
    return struct.pack(f"<{len(values)}f", *values)


def test_resp_sees_named_vector_fields_and_back(qrest: httpx.Client, rest: httpx.Client, server: ThreadedServer,
                                                clean: redis.Redis) -> None:
    body = {"vectors": {"img": {"size": 2, "distance": "Euclid"}, "txt": {"size": 4, "distance": "Dot"}}}
    assert qrest.put("/collections/x", json=body).status_code == 200
    points = {"points": [
        {"id": 1, "vector": {"img": [1, 0], "txt": [1, 0, 0, 0]}, "payload": {"city": "Rome", "vector:img": "p"}},
        {"id": 2, "vector": {"img": [0, 1]}, "payload": {"city": "Oslo"}},
    ]}
    assert qrest.put("/collections/x/points", json=points).status_code == 200
    fields = clean.hgetall("x:1")
    assert fields[b"vector:img"] == blob(1, 0) and fields[b"vector:txt"] == blob(1, 0, 0, 0)
    assert fields[b"city"] == b"Rome" and b"vector" not in fields
    assert set(clean.hgetall("x:2")) == {b"vector:img", b"payload", b"city"}
    reply = clean.execute_command("FT.SEARCH", "x", "*=>[KNN 2 @img $q]", "PARAMS", "2", "q", blob(0, 0.9),
                                  "SORTBY", "__img_score", "RETURN", "1", "city", "DIALECT", "2")
    assert reply[0] == 2 and reply[1::2] == [b"x:2", b"x:1"]
    reply = clean.execute_command("FT.SEARCH", "x", "*=>[KNN 5 @txt $q]", "PARAMS", "2", "q", blob(0, 1, 0, 0),
                                  "DIALECT", "2")
    assert reply[0] == 1 and reply[1] == b"x:1"  # point 2 has no txt vector

    # A hash written over RESP with one named vector is a point of the collection.
    clean.hset("x:3", mapping={"vector:txt": blob(0, 0, 2, 0), "city": "Lima"})
    got = qrest.post("/collections/x/points/query",
                     json={"query": [0, 0, 1, 0], "using": "txt", "with_payload": True, "with_vector": True}).json()
    assert got["result"]["points"][0] == {"id": 3, "version": 0, "score": 2.0, "payload": {"city": "Lima"},
                                          "vector": {"txt": [0.0, 0.0, 2.0, 0.0]}}
    has_img = {"filter": {"must": [{"has_vector": "img"}]}}
    assert qrest.post("/collections/x/points/count", json=has_img).json()["result"]["count"] == 2
    # Payload updates keep every vector; the payload key spelled like a vector field stays in the JSON only.
    assert qrest.put("/collections/x/points/payload", json={"payload": {"a": 1}, "points": [1]}).status_code == 200
    assert clean.hget("x:1", "vector:img") == blob(1, 0) and clean.hget("x:1", "vector:txt") == blob(1, 0, 0, 0)
    # The product API and VectorService serve unnamed vectors only, and say so.
    reply = rest.get("/api/collections/x/points/1")
    assert reply.status_code == 400 and "named vectors" in reply.text
    reply = rest.post("/api/collections/x/points", json={"points": [{"id": 9, "vector": [1, 2]}]})
    assert reply.status_code == 400 and clean.exists("x:9") == 0
    with grpc.insecure_channel(f"127.0.0.1:{server.ports()['grpc']}") as channel:
        with pytest.raises(grpc.RpcError) as err:
            pb_grpc.VectorServiceStub(channel).Search(pb.SearchRequest(collection_name="x", vector=[1, 2], limit=3))
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT


def test_named_collection_survives_a_restart(tmp_path: Path) -> None:
    port = free_port()
    args = ["--dir", str(tmp_path), "--appendonly", "yes", "--appendfsync", "always", "--save", "",
            "--qdrant-port", str(port)]
    url = f"http://127.0.0.1:{port}"
    with subprocess_server(args) as (proc, _resp_port):
        c = QdrantClient(url=url, timeout=30, check_compatibility=False)
        c.create_collection("keep", vectors_config=CONFIG)
        c.upsert("keep", points=named_points(6, seed=4))
        before = c.query_points("keep", query=[0.1, 0.2], using="img", limit=3).points
        c.close()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(20) == 0
    with subprocess_server(args):
        c = QdrantClient(url=url, timeout=30, check_compatibility=False)
        assert c.get_collection("keep").config.params.vectors == CONFIG
        assert _scored(c.query_points("keep", query=[0.1, 0.2], using="img", limit=3).points) == _scored(before)
        record = c.retrieve("keep", [0], with_vectors=True)[0]
        assert isinstance(record.vector, dict) and sorted(record.vector) == ["img", "txt"]
        c.close()


def test_update_and_delete_vectors_match_local_mode(client: QdrantClient) -> None:
    from qdrant_client.http.exceptions import UnexpectedResponse

    errors = (UnexpectedResponse, grpc.RpcError)
    oracle = QdrantClient(":memory:")
    for c in (client, oracle):
        _load(c)
        c.update_vectors("nv", points=[models.PointVectors(id=1, vector={"txt": [0, 0, 3, 4]}),
                                       models.PointVectors(id=3, vector={"img": [5, 5]})])
        c.update_vectors("nv", points=[models.PointVectors(id=i, vector={"img": [1, 1]}) for i in (0, 2, 4)],
                         update_filter=models.Filter(must=[models.FieldCondition(
                             key="city", match=models.MatchValue(value="Berlin"))]))
        c.delete_vectors("nv", vectors=["img"], points=[5, 6, 7])
        c.delete_vectors("nv", vectors=["txt", "img"], points=models.Filter(must=[models.FieldCondition(
            key="n", range=models.Range(gte=37))]))
    ids = [*range(10), 37, 38, 39]
    _same_records(client.retrieve("nv", ids, with_vectors=True), oracle.retrieve("nv", ids, with_vectors=True))
    for flt in FILTERS:
        assert client.count("nv", count_filter=flt).count == oracle.count("nv", count_filter=flt).count
    for using in ("img", "txt"):
        query = [0.5, 0.5] if using == "img" else [0.1, 0.2, 0.3, 0.4]
        assert _scored(client.query_points("nv", query=query, using=using, limit=40).points) == _scored(
            oracle.query_points("nv", query=query, using=using, limit=40).points)

    before = client.retrieve("nv", [1, 2], with_vectors=True)
    with pytest.raises(errors):  # a missing id: nothing is written
        client.update_vectors("nv", points=[models.PointVectors(id=1, vector={"img": [9, 9]}),
                                            models.PointVectors(id=999, vector={"img": [9, 9]})])
    with pytest.raises(errors):  # a bad dimension
        client.update_vectors("nv", points=[models.PointVectors(id=1, vector={"img": [9, 9]}),
                                            models.PointVectors(id=2, vector={"img": [9]})])
    with pytest.raises(errors):
        client.delete_vectors("nv", vectors=["img", "aud"], points=[1, 2])
    with pytest.raises(errors):
        client.delete_vectors("nv", vectors=["img"], points=[1, 999])
    _same_records(client.retrieve("nv", [1, 2], with_vectors=True), before)
