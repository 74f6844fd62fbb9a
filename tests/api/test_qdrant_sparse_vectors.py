"""Qdrant sparse vectors through qdrant-client (REST and gRPC), compared with QdrantClient(":memory:") on the
same seeded data: collection config, upsert, query / legacy search / batch results (ids and scores), filters,
thresholds, offsets, with_vectors, retrieve / scroll, updates and deletes (over RESP too), validation errors
that write nothing, IDF, and a restart that keeps it all."""

from __future__ import annotations

import random
import signal
import struct
import time
from pathlib import Path
from typing import Any

import grpc
import httpx
import pytest
import redis
from qdrant_client import QdrantClient, models
from qdrant_client import grpc as qgrpc
from qdrant_client.http.exceptions import UnexpectedResponse

from tests.serverutil import ThreadedServer, free_port, subprocess_server

ERRORS = (UnexpectedResponse, grpc.RpcError)
CITIES = ["Berlin", "Paris", "Rome"]
SPARSE = {"text": models.SparseVectorParams()}
DENSE = {"img": models.VectorParams(size=3, distance=models.Distance.COSINE)}
UNNAMED = models.VectorParams(size=2, distance=models.Distance.DOT)


def sparse(rng: random.Random, vocab: int = 40, most: int = 8) -> models.SparseVector:
    """A random sparse vector, its indices in random (unsorted) order."""
    indices = rng.sample(range(vocab), rng.randint(1, most))
    return models.SparseVector(indices=indices, values=[round(rng.uniform(-1, 2), 6) for _ in indices])


def points(kind: str, count: int, seed: int) -> list[models.PointStruct]:
    """Points of a collection of ``kind`` (sparse | named | unnamed); every 5th point lacks the sparse vector."""
    rng = random.Random(seed)
    out = []
    for i in range(count):
        vector: dict[str, Any] = {}
        if i % 5 != 4:
            vector["text"] = sparse(rng)
        if kind == "named":
            vector["img"] = [rng.uniform(-1, 1) for _ in range(3)]
        elif kind == "unnamed" and i % 2 == 0:
            vector[""] = [rng.uniform(-1, 1) for _ in range(2)]
        out.append(models.PointStruct(id=i, vector=vector, payload={"city": CITIES[i % 3], "n": i}))
    return out


def create(c: QdrantClient, kind: str, name: str = "sp") -> None:
    if kind == "sparse":
        c.create_collection(name, vectors_config={}, sparse_vectors_config=SPARSE)
    elif kind == "named":
        c.create_collection(name, vectors_config=DENSE, sparse_vectors_config=SPARSE)
    else:
        c.create_collection(name, vectors_config=UNNAMED, sparse_vectors_config=SPARSE)


def load(c: QdrantClient, kind: str, name: str = "sp", count: int = 60, seed: int = 1) -> None:
    create(c, kind, name)
    c.upsert(name, points=points(kind, count, seed), wait=True)


def scored(hits: list[models.ScoredPoint]) -> list[tuple[Any, float]]:
    return [(p.id, p.score) for p in hits]


def same_scored(got: list[models.ScoredPoint], want: list[models.ScoredPoint]) -> None:
    assert [p.id for p in got] == [p.id for p in want]
    assert [p.score for p in got] == pytest.approx([p.score for p in want], rel=1e-5, abs=1e-6)


def plain(vector: Any) -> Any:
    """A with_vectors value as plain JSON-like data (sparse vectors as {indices, values})."""
    if isinstance(vector, dict):
        return {k: plain(v) for k, v in vector.items()}
    if isinstance(vector, models.SparseVector):
        return {"indices": list(vector.indices), "values": list(vector.values)}
    return vector


def same_vectors(got: Any, want: Any) -> None:
    got, want = plain(got), plain(want)
    if not isinstance(want, dict):
        assert got == pytest.approx(want, abs=1e-5)
        return
    assert isinstance(got, dict) and sorted(got) == sorted(want)
    for name, w in want.items():
        if isinstance(w, dict):
            assert got[name]["indices"] == w["indices"]
            assert got[name]["values"] == pytest.approx(w["values"], abs=1e-6)
        else:
            assert got[name] == pytest.approx(w, abs=1e-5)


def same_records(got: list[models.Record], want: list[models.Record]) -> None:
    assert [r.id for r in got] == [r.id for r in want]
    for g, w in zip(got, want, strict=True):
        assert g.payload == w.payload
        if w.vector is None:
            assert g.vector is None
        else:
            same_vectors(g.vector, w.vector)


PARIS = models.Filter(must=[models.FieldCondition(key="city", match=models.MatchValue(value="Paris"))])
FILTERS: list[models.Filter | None] = [
    None,
    PARIS,
    models.Filter(must=[models.FieldCondition(key="n", range=models.Range(gte=10, lt=40))]),
    models.Filter(must_not=[models.HasVectorCondition(has_vector="text")]),
    models.Filter(must=[models.HasVectorCondition(has_vector="text")]),
]


@pytest.mark.parametrize("kind", ["sparse", "named", "unnamed"])
def test_sparse_collection_matches_local_mode(client: QdrantClient, kind: str) -> None:
    oracle = QdrantClient(":memory:")
    for c in (client, oracle):
        load(c, kind)
    info, want_info = client.get_collection("sp"), oracle.get_collection("sp")
    assert info.config.params.sparse_vectors == want_info.config.params.sparse_vectors == SPARSE
    assert info.config.params.vectors == want_info.config.params.vectors
    assert info.points_count == 60

    rng = random.Random(7)
    lacking = {p.id for p in points(kind, 60, 1) if "text" not in p.vector}  # type: ignore[operator]
    for flt in FILTERS:
        for threshold in (None, 0.5):
            query = sparse(rng, most=12)
            kwargs: dict[str, Any] = {"using": "text", "query_filter": flt, "limit": 8, "with_payload": True,
                                      "score_threshold": threshold}
            got = client.query_points("sp", query=query, **kwargs).points
            want = oracle.query_points("sp", query=query, **kwargs).points
            same_scored(got, want)
            assert [p.payload for p in got] == [p.payload for p in want]
            assert not {p.id for p in got} & lacking
    # Every hit shares an index with the query; the points lacking the vector never come back.
    query = models.SparseVector(indices=list(range(40)), values=[1.0] * 40)
    every = client.query_points("sp", query=query, using="text", limit=100).points
    assert {p.id for p in every} == set(range(60)) - lacking
    same_scored(every, oracle.query_points("sp", query=query, using="text", limit=100).points)

    # offset, with_vectors (sorted by index, as stored), a NearestQuery, a point id as the query
    for with_vectors in (True, ["text"]):
        kwargs = {"using": "text", "limit": 4, "offset": 3, "with_vectors": with_vectors}
        query = sparse(rng, most=20)
        got = client.query_points("sp", query=models.NearestQuery(nearest=query), **kwargs).points
        want = oracle.query_points("sp", query=models.NearestQuery(nearest=query), **kwargs).points
        same_scored(got, want)
        for g, w in zip(got, want, strict=True):
            same_vectors(g.vector, w.vector)
    same_scored(client.query_points("sp", query=7, using="text", limit=5).points,
                oracle.query_points("sp", query=7, using="text", limit=5).points)

    requests = [models.QueryRequest(query=sparse(rng), using="text", limit=5, filter=flt)
                for flt in (None, PARIS)]
    for g, w in zip(client.query_batch_points("sp", requests=requests),
                    oracle.query_batch_points("sp", requests=requests), strict=True):
        same_scored(g.points, w.points)

    ids = [0, 1, 2, 4, 9, 999]
    for selector in (True, ["text"], ["text", "nope"]):
        same_records(client.retrieve("sp", ids, with_vectors=selector), oracle.retrieve("sp", ids, with_vectors=selector))
    for flt in FILTERS:
        got_page, got_next = client.scroll("sp", scroll_filter=flt, limit=7, with_vectors=True)
        want_page, want_next = oracle.scroll("sp", scroll_filter=flt, limit=7, with_vectors=True)
        same_records(got_page, want_page)
        assert got_next == want_next
        assert client.count("sp", count_filter=flt).count == oracle.count("sp", count_filter=flt).count


@pytest.mark.parametrize("kind", ["sparse", "named", "unnamed"])
def test_updates_and_deletes_match_local_mode(client: QdrantClient, kind: str) -> None:
    oracle = QdrantClient(":memory:")
    rng = random.Random(3)
    new_text, other_text, batch_texts = sparse(rng), sparse(rng), [sparse(rng), sparse(rng)]
    for c in (client, oracle):
        load(c, kind, count=30)
        # Upsert replaces the whole point: a sparse vector left out is gone; payload updates keep it.
        replacement = points(kind, 1, 5)[0].vector
        assert isinstance(replacement, dict)
        replacement.pop("text", None)
        c.upsert("sp", points=[models.PointStruct(id=0, vector=replacement, payload={"n": 0})])
        c.set_payload("sp", payload={"city": "Oslo"}, points=[1, 2])
        c.update_vectors("sp", points=[models.PointVectors(id=3, vector={"text": new_text}),
                                       models.PointVectors(id=4, vector={"text": other_text})])
        c.delete_vectors("sp", vectors=["text"], points=[5, 6])
        c.delete("sp", points_selector=models.PointIdsList(points=[7]))
        c.upsert("sp", points=models.Batch(ids=[100, 101], vectors={"text": batch_texts},
                                           payloads=[{"n": 100}, {"n": 101}]))
    ids = [*range(10), 100, 101]
    same_records(client.retrieve("sp", ids, with_vectors=True), oracle.retrieve("sp", ids, with_vectors=True))
    for _ in range(3):
        query = sparse(rng, most=20)
        same_scored(client.query_points("sp", query=query, using="text", limit=30).points,
                    oracle.query_points("sp", query=query, using="text", limit=30).points)
    has_text = models.Filter(must=[models.HasVectorCondition(has_vector="text")])
    assert client.count("sp", count_filter=has_text).count == oracle.count("sp", count_filter=has_text).count


def test_validation_errors_write_nothing(client: QdrantClient) -> None:
    load(client, "named", count=5)
    before = client.retrieve("sp", list(range(5)), with_vectors=True)
    good = models.PointStruct(id=100, vector={"text": models.SparseVector(indices=[1], values=[1.0])})
    # (qdrant-client's gRPC conversion itself refuses an index outside u32: a ValueError, nothing is sent)
    for wrong in ({"text": models.SparseVector(indices=[1, 1], values=[1.0, 2.0])},
                  {"text": models.SparseVector.model_construct(indices=[1, 2], values=[1.0])},
                  {"text": models.SparseVector.model_construct(indices=[-1], values=[1.0])},
                  {"text": models.SparseVector.model_construct(indices=[2**32], values=[1.0])},
                  {"img": models.SparseVector(indices=[1], values=[1.0])},
                  {"text": [1.0, 2.0, 3.0]},
                  {"nope": models.SparseVector(indices=[1], values=[1.0])}):
        with pytest.raises((*ERRORS, ValueError)):
            client.upsert("sp", points=[good, models.PointStruct(id=101, vector=wrong)])
        with pytest.raises((*ERRORS, ValueError)):
            client.update_vectors("sp", points=[models.PointVectors(id=1, vector={"text": good.vector["text"]}),  # type: ignore[index]
                                                models.PointVectors(id=2, vector=wrong)])
    assert client.count("sp").count == 5
    same_records(client.retrieve("sp", list(range(5)), with_vectors=True), before)
    with pytest.raises(ERRORS):  # a dense query for a sparse name, and the other way round
        client.query_points("sp", query=[1.0, 2.0, 3.0], using="text")
    with pytest.raises(ERRORS):
        client.query_points("sp", query=models.SparseVector(indices=[1], values=[1.0]), using="img")
    with pytest.raises(ERRORS):
        client.query_points("sp", query=models.SparseVector(indices=[1, 1], values=[1.0, 1.0]), using="text")
    with pytest.raises(ERRORS):
        client.create_collection("bad", vectors_config=DENSE, sparse_vectors_config={"img": models.SparseVectorParams()})
    assert not client.collection_exists("bad")


def test_rest_messages_name_the_point_and_vector(qrest: httpx.Client, clean: redis.Redis) -> None:
    body = {"vectors": {}, "sparse_vectors": {"text": {}}}
    assert qrest.put("/collections/msg", json=body).json()["result"] is True
    config = qrest.get("/collections/msg").json()["result"]["config"]["params"]
    assert config["vectors"] == {} and config["sparse_vectors"] == {"text": {}}
    ok = {"id": 1, "vector": {"text": {"indices": [5, 2], "values": [0.5, 1.5]}}}
    cases = [
        ({"indices": [1, 2], "values": [1.0]}, "points[1].vector.text: indices and values must have the same length"),
        ({"indices": [3, 3], "values": [1.0, 2.0]}, "points[1].vector.text: indices must be unique"),
        ({"indices": [-1], "values": [1.0]}, "points[1].vector.text.indices[0] must be an integer"),
        ({"indices": [1], "values": ["x"]}, "points[1].vector.text.values[0] must be a finite number"),
        ({"indices": [1]}, "points[1].vector.text must be a sparse vector"),
        ([1.0, 2.0], "Conversion between sparse and regular vectors failed for vector 'text'"),
    ]
    for bad, message in cases:
        reply = qrest.put("/collections/msg/points", json={"points": [ok, {"id": 2, "vector": {"text": bad}}]})
        assert reply.status_code == 400, bad
        assert message in reply.json()["status"]["error"], reply.json()
    assert clean.keys("msg:*") == []
    reply = qrest.post("/collections/msg/points/query",
                       json={"query": {"indices": [2], "values": [2.0]}, "using": "text", "with_vector": True})
    assert reply.json()["result"]["points"] == []
    assert qrest.put("/collections/msg/points", json={"points": [ok]}).status_code == 200
    reply = qrest.post("/collections/msg/points/query",
                       json={"query": {"indices": [2], "values": [2.0]}, "using": "text", "with_vector": True})
    assert reply.json()["result"]["points"] == [
        {"id": 1, "version": 0, "score": 3.0, "vector": {"text": {"indices": [2, 5], "values": [1.5, 0.5]}}}]
    # The legacy search route takes a NamedSparseVector.
    reply = qrest.post("/collections/msg/points/search",
                       json={"vector": {"name": "text", "vector": {"indices": [5], "values": [4]}}, "limit": 3})
    assert [(h["id"], h["score"]) for h in reply.json()["result"]] == [(1, 2.0)]
    reply = qrest.post("/collections/msg/points/query", json={"query": [1.0], "using": "text"})
    assert reply.status_code == 400 and "sparse" in reply.json()["status"]["error"]
    body = {"vectors": {"img": {"size": 2, "distance": "Dot"}}, "sparse_vectors": {"text": {}}}
    assert qrest.put("/collections/both", json=body).status_code == 200
    reply = qrest.put("/collections/both/points",
                      json={"points": [{"id": 1, "vector": {"img": {"indices": [1], "values": [1.0]}}}]})
    assert (reply.status_code, reply.json()["status"]["error"]) == (
        400, "Wrong input: Conversion between sparse and regular vectors failed for vector 'img'")


def test_grpc_legacy_search_with_sparse_indices(server: ThreadedServer, clean: redis.Redis) -> None:
    oracle = QdrantClient(":memory:")
    ports = server.ports()
    c = QdrantClient(url=f"http://127.0.0.1:{ports['qdrant']}", timeout=30, check_compatibility=False)
    for q in (c, oracle):
        load(q, "named", count=40)
    query = models.SparseVector(indices=[3, 1, 30, 17], values=[0.5, -1.0, 2.0, 1.0])
    want = oracle.query_points("sp", query=query, using="text", limit=6).points
    with grpc.insecure_channel(f"127.0.0.1:{ports['qdrant-grpc']}") as channel:
        reply = qgrpc.PointsStub(channel).Search(qgrpc.SearchPoints(
            collection_name="sp", vector=query.values, vector_name="text",
            sparse_indices=qgrpc.SparseIndices(data=query.indices), limit=6), timeout=10)
    assert [p.id.num for p in reply.result] == [p.id for p in want]
    assert [p.score for p in reply.result] == pytest.approx([p.score for p in want], rel=1e-5)
    c.close()


def sparse_blob(indices: list[int], values: list[float]) -> bytes:
    return struct.pack(f"<{len(indices)}I{len(values)}f", *indices, *values)


def test_resp_sees_sparse_fields_and_back(qrest: httpx.Client, clean: redis.Redis) -> None:
    body = {"vectors": {"img": {"size": 2, "distance": "Dot"}}, "sparse_vectors": {"text": {}}}
    assert qrest.put("/collections/x", json=body).status_code == 200
    upsert = {"points": [
        {"id": 1, "vector": {"img": [1, 0], "text": {"indices": [9, 4], "values": [1.0, 2.0]}},
         "payload": {"city": "Rome", "sparse:text": "p"}},
        {"id": 2, "vector": {"text": {"indices": [4], "values": [3.0]}}, "payload": {"city": "Oslo"}},
    ]}
    assert qrest.put("/collections/x/points", json=upsert).status_code == 200
    fields = clean.hgetall("x:1")
    assert fields[b"sparse:text"] == sparse_blob([4, 9], [2.0, 1.0])
    assert fields[b"city"] == b"Rome"  # the payload key spelled like the sparse field stays in the JSON only
    query = {"query": {"indices": [4], "values": [1.0]}, "using": "text", "with_payload": True}

    def hits() -> list[tuple[int, float]]:
        reply = qrest.post("/collections/x/points/query", json=query).json()
        return [(h["id"], h["score"]) for h in reply["result"]["points"]]

    assert hits() == [(2, 3.0), (1, 2.0)]
    # Written over RESP: a hash with the binary field is a point; HSET and DEL are seen by the next query.
    clean.hset("x:3", mapping={"sparse:text": sparse_blob([1, 4], [1.0, 5.0]), "city": "Lima"})
    assert hits() == [(3, 5.0), (2, 3.0), (1, 2.0)]
    clean.hset("x:2", "sparse:text", sparse_blob([4], [0.5]))
    assert hits() == [(3, 5.0), (1, 2.0), (2, 0.5)]
    clean.delete("x:3")
    clean.hdel("x:1", "sparse:text")
    assert hits() == [(2, 0.5)]
    # Payload updates keep the sparse vector; the payload key "sparse:text" is only in the JSON.
    assert qrest.put("/collections/x/points/payload", json={"payload": {"a": 1}, "points": [2]}).status_code == 200
    assert clean.hget("x:2", "sparse:text") == sparse_blob([4], [0.5])
    got = qrest.post("/collections/x/points", json={"ids": [1], "with_payload": True}).json()["result"]
    assert got[0]["payload"]["sparse:text"] == "p"
    # Not a payload index: the sparse field is not listed in payload_schema.
    assert qrest.get("/collections/x").json()["result"]["payload_schema"] == {}
    # A point whose key lapses (TTL, no write when it does) is gone from the next query.
    clean.hset("x:4", "sparse:text", sparse_blob([4], [9.0]))
    assert hits() == [(4, 9.0), (2, 0.5)]
    clean.pexpire("x:4", 150)
    time.sleep(0.3)
    assert hits() == [(2, 0.5)]
    # Dropped and created again under the same name: nothing of the old points is left.
    assert qrest.delete("/collections/x").status_code == 200
    assert qrest.put("/collections/x", json=body).status_code == 200
    assert hits() == []


def test_idf_modifier_matches_local_mode(client: QdrantClient) -> None:
    oracle = QdrantClient(":memory:")
    config = {"bm": models.SparseVectorParams(modifier=models.Modifier.IDF)}
    rng = random.Random(11)
    data = [models.PointStruct(id=i, vector={"bm": sparse(rng, vocab=15, most=5)} if i % 4 else {},
                               payload={"city": CITIES[i % 3]}) for i in range(40)]
    for c in (client, oracle):
        c.create_collection("idf", vectors_config={}, sparse_vectors_config=config)
        c.upsert("idf", points=data)
    assert client.get_collection("idf").config.params.sparse_vectors == config
    for flt in (None, PARIS):
        query = models.SparseVector(indices=[0, 3, 7, 11], values=[1.0, 1.0, 1.0, 1.0])
        same_scored(client.query_points("idf", query=query, using="bm", query_filter=flt, limit=10).points,
                    oracle.query_points("idf", query=query, using="bm", query_filter=flt, limit=10).points)


@pytest.mark.parametrize("persistence", ["aof", "rdb"])
def test_sparse_collection_survives_a_restart(tmp_path: Path, persistence: str) -> None:
    port = free_port()
    kept = ["--appendonly", "yes", "--appendfsync", "always"] if persistence == "aof" else ["--appendonly", "no"]
    args = ["--dir", str(tmp_path), *kept, "--save", "", "--qdrant-port", str(port)]
    url = f"http://127.0.0.1:{port}"
    query = models.SparseVector(indices=list(range(0, 40, 3)), values=[1.0] * 14)
    with subprocess_server(args) as (proc, resp_port):
        c = QdrantClient(url=url, timeout=30, check_compatibility=False)
        load(c, "sparse", "keep", count=20)
        c.create_collection("idf", vectors_config=UNNAMED,
                            sparse_vectors_config={"bm": models.SparseVectorParams(modifier=models.Modifier.IDF)})
        before = c.query_points("keep", query=query, using="text", limit=5, with_vectors=True).points
        c.close()
        if persistence == "rdb":
            with redis.Redis(port=resp_port) as r:
                assert r.save()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(20) == 0
    with subprocess_server(args):
        c = QdrantClient(url=url, timeout=30, check_compatibility=False)
        assert c.get_collection("keep").config.params.sparse_vectors == SPARSE
        assert c.get_collection("keep").config.params.vectors == {}
        assert c.get_collection("idf").config.params.sparse_vectors == {
            "bm": models.SparseVectorParams(modifier=models.Modifier.IDF)}
        assert c.get_collection("idf").config.params.vectors == UNNAMED
        after = c.query_points("keep", query=query, using="text", limit=5, with_vectors=True).points
        assert scored(after) == scored(before)
        for a, b in zip(after, before, strict=True):
            same_vectors(a.vector, b.vector)
        c.close()


def test_odd_values_over_resp_and_other_apis(qrest: httpx.Client, rest: httpx.Client, clean: redis.Redis) -> None:
    """A sparse-only collection is listed by the product API; values written over RESP that are not sparse
    vectors (a length not a multiple of 8) or score NaN are left out, never a server error."""
    assert qrest.put("/collections/odd", json={"sparse_vectors": {"text": {}}}).status_code == 200
    clean.hset("odd:1", "sparse:text", sparse_blob([1], [2.0]))
    clean.hset("odd:2", "sparse:text", b"abc")
    clean.hset("odd:3", "sparse:text", sparse_blob([1], [float("nan")]))
    reply = qrest.post("/collections/odd/points/query",
                       json={"query": {"indices": [1], "values": [1.0]}, "using": "text"})
    assert reply.status_code == 200
    assert [(h["id"], h["score"]) for h in reply.json()["result"]["points"]] == [(1, 2.0)]
    assert qrest.post("/collections/odd/points/count",
                      json={"filter": {"must": [{"has_vector": "text"}]}}).json()["result"]["count"] == 2
    listed = rest.get("/api/collections")
    assert listed.status_code == 200 and "odd" in listed.text
    assert rest.get("/api/collections/odd/points/1").status_code == 400  # not an unnamed-vector collection
    reply = qrest.post("/collections/odd/points/recommend", json={"positive": [1], "using": "text", "limit": 1})
    assert reply.status_code == 400 and "sparse" in reply.json()["status"]["error"]
