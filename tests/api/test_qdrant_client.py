"""The qdrant-client workflow against RedVector, in REST and gRPC mode, compared step by step with
QdrantClient(":memory:") (qdrant-client's own engine) on the same data."""

from __future__ import annotations

import random
import time
import warnings
from collections.abc import Iterator
from typing import Any

import pytest
from qdrant_client import QdrantClient, models

from tests.serverutil import ThreadedServer

CITIES = ["Berlin", "Paris", "London", "Rome"]
TAGS = ["red", "green", "blue"]
UUID_IDS = ["2eeca6a2-d1cc-4a64-8965-dba78b952d13", "0f0e0d0c-0b0a-4908-8706-050403020100"]


def dataset(dim: int, count: int, seed: int) -> list[models.PointStruct]:
    rng = random.Random(seed)
    points = []
    for i in range(count):
        payload: dict[str, Any] = {
            "city": CITIES[i % len(CITIES)],
            "price": rng.randint(1, 100),
            "rating": round(rng.uniform(0, 5), 2),
            "tags": rng.sample(TAGS, rng.randint(0, 2)),
            "address": {"zip": 10000 + i % 7, "street": f"street {i % 5}"},
            "desc": rng.choice(["quick brown fox", "lazy dog", "brown dog sleeps"]),
        }
        if i % 9 == 0:
            payload["note"] = None
        point_id: int | str = UUID_IDS[i - count + 2] if i >= count - 2 else i
        points.append(models.PointStruct(id=point_id, vector=[rng.uniform(-1, 1) for _ in range(dim)],
                                         payload=payload))
    return points


FILTERS: list[models.Filter | None] = [
    None,
    models.Filter(must=[models.FieldCondition(key="city", match=models.MatchValue(value="Paris"))]),
    models.Filter(must=[models.FieldCondition(key="price", range=models.Range(gte=20, lt=70))]),
    models.Filter(should=[models.FieldCondition(key="tags", match=models.MatchAny(any=["red"])),
                          models.FieldCondition(key="city", match=models.MatchValue(value="Rome"))]),
    models.Filter(must_not=[models.FieldCondition(key="city", match=models.MatchExcept(**{"except": ["Berlin"]}))]),
    models.Filter(must=[models.FieldCondition(key="address.zip", match=models.MatchValue(value=10003)),
                        models.FieldCondition(key="desc", match=models.MatchText(text="dog"))]),
    models.Filter(must=[models.IsEmptyCondition(is_empty=models.PayloadField(key="tags"))]),
    models.Filter(must=[models.IsNullCondition(is_null=models.PayloadField(key="note"))]),
    models.Filter(must=[models.HasIdCondition(has_id=[1, 2, 3, UUID_IDS[0]])]),
    models.Filter(min_should=models.MinShould(conditions=[
        models.FieldCondition(key="city", match=models.MatchValue(value="Berlin")),
        models.FieldCondition(key="rating", range=models.Range(gt=2.5)),
        models.FieldCondition(key="tags", match=models.MatchValue(value="blue"))], min_count=2)),
]


@pytest.fixture(params=["rest", "grpc"])
def client(request: pytest.FixtureRequest, server: ThreadedServer, clean: Any) -> Iterator[QdrantClient]:
    ports = server.ports()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        c = QdrantClient(url=f"http://127.0.0.1:{ports['qdrant']}", grpc_port=ports["qdrant-grpc"],
                         prefer_grpc=request.param == "grpc", timeout=30)
        time.sleep(0.3)  # the version check runs in a background thread
    # No warning: the version document is compatible with this client.
    assert [str(w.message) for w in caught] == []
    yield c
    c.close()


def _ids(points: list[Any]) -> list[Any]:
    return [p.id for p in points]


def _scored(points: list[models.ScoredPoint]) -> list[tuple[Any, float]]:
    return [(p.id, round(p.score, 4)) for p in points]


def _scroll_all(c: QdrantClient, name: str, flt: models.Filter | None, page: int) -> list[models.Record]:
    out: list[models.Record] = []
    offset = None
    while True:
        records, offset = c.scroll(name, scroll_filter=flt, limit=page, offset=offset, with_payload=True,
                                   with_vectors=True)
        out.extend(records)
        if offset is None:
            return out


def _same_records(got: list[models.Record], want: list[models.Record]) -> None:
    assert [r.id for r in got] == [r.id for r in want]
    for g, w in zip(got, want, strict=True):
        assert g.payload == w.payload
        assert g.vector == pytest.approx(w.vector, abs=1e-5)


@pytest.mark.parametrize("distance", [models.Distance.COSINE, models.Distance.DOT, models.Distance.EUCLID])
def test_workflow_matches_local_mode(client: QdrantClient, distance: models.Distance) -> None:
    oracle = QdrantClient(":memory:")
    name = "wf"
    points = dataset(dim=8, count=40, seed=7)
    for c in (client, oracle):
        c.create_collection(name, vectors_config=models.VectorParams(size=8, distance=distance))
        c.upsert(name, points=points, wait=True)
    assert client.collection_exists(name)
    info = client.get_collection(name)
    assert info.points_count == 40
    assert info.config.params.vectors.size == 8  # type: ignore[union-attr]
    assert info.config.params.vectors.distance == distance  # type: ignore[union-attr]
    assert [c.name for c in client.get_collections().collections] == [name]

    rng = random.Random(3)
    for flt in FILTERS:
        query = [rng.uniform(-1, 1) for _ in range(8)]
        got = client.query_points(name, query=query, query_filter=flt, limit=5, with_payload=True).points
        want = oracle.query_points(name, query=query, query_filter=flt, limit=5, with_payload=True).points
        assert _scored(got) == _scored(want), flt
        assert [p.payload for p in got] == [p.payload for p in want]
        assert client.count(name, count_filter=flt, exact=True).count == oracle.count(name, count_filter=flt).count
        _same_records(_scroll_all(client, name, flt, page=7), _scroll_all(oracle, name, flt, page=7))

    # offset, score threshold (strict), query by id, batch
    query = [0.5] * 8
    kwargs: dict[str, Any] = {"limit": 4, "offset": 2}
    assert _scored(client.query_points(name, query=query, **kwargs).points) == _scored(
        oracle.query_points(name, query=query, **kwargs).points)
    ranked = oracle.query_points(name, query=query, limit=10).points
    threshold = (ranked[4].score + ranked[5].score) / 2  # between two scores: float32 vs float64 safe
    got_t = client.query_points(name, query=query, limit=10, score_threshold=threshold).points
    want_t = oracle.query_points(name, query=query, limit=10, score_threshold=threshold).points
    assert _scored(got_t) == _scored(want_t)
    assert _scored(client.query_points(name, query=5, limit=3).points) == _scored(
        oracle.query_points(name, query=5, limit=3).points)
    requests = [models.QueryRequest(query=query, limit=3), models.QueryRequest(query=[0.1] * 8, limit=2)]
    got_b = client.query_batch_points(name, requests=requests)
    want_b = oracle.query_batch_points(name, requests=requests)
    assert [_scored(r.points) for r in got_b] == [_scored(r.points) for r in want_b]

    # retrieve (missing ids skipped)
    ids = [0, 3, UUID_IDS[1], 999]
    _same_records(client.retrieve(name, ids, with_vectors=True), oracle.retrieve(name, ids, with_vectors=True))

    # payload updates
    for c in (client, oracle):
        c.set_payload(name, payload={"color": "red", "price": 1}, points=[1, 2], wait=True)
        c.set_payload(name, payload={"zip": 1}, points=[4], key="address", wait=True)
        c.overwrite_payload(name, payload={"city": "Oslo"}, points=[3], wait=True)
        c.delete_payload(name, keys=["rating", "address.street"], points=[5, 6], wait=True)
        c.clear_payload(name, points_selector=models.PointIdsList(points=[7]), wait=True)
        c.set_payload(name, payload={"hot": True},
                      points=models.Filter(must=[models.FieldCondition(key="price", range=models.Range(gt=90))]))
    _same_records(_scroll_all(client, name, None, 100), _scroll_all(oracle, name, None, 100))

    # deletes by id and by filter
    by_city = models.Filter(must=[models.FieldCondition(key="city", match=models.MatchValue(value="London"))])
    for c in (client, oracle):
        c.delete(name, points_selector=models.PointIdsList(points=[0, 1, UUID_IDS[0]]), wait=True)
        c.delete(name, points_selector=models.FilterSelector(filter=by_city), wait=True)
    _same_records(_scroll_all(client, name, None, 10), _scroll_all(oracle, name, None, 10))
    assert client.count(name).count == oracle.count(name).count

    assert client.delete_collection(name) is True
    assert not client.collection_exists(name)


def test_score_threshold_is_strict(client: QdrantClient) -> None:
    client.create_collection("th", vectors_config=models.VectorParams(size=2, distance=models.Distance.DOT))
    client.upsert("th", points=[models.PointStruct(id=i, vector=[float(i), 0.0]) for i in (1, 2, 3)])
    hits = client.query_points("th", query=[1.0, 0.0], limit=10, score_threshold=2.0).points
    assert [(p.id, p.score) for p in hits] == [(3, 3.0)]
    client.create_collection("th2", vectors_config=models.VectorParams(size=2, distance=models.Distance.EUCLID))
    client.upsert("th2", points=[models.PointStruct(id=i, vector=[float(i), 0.0]) for i in (1, 2, 3)])
    hits = client.query_points("th2", query=[0.0, 0.0], limit=10, score_threshold=2.0).points
    assert [(p.id, p.score) for p in hits] == [(1, 1.0)]


def test_expected_errors(client: QdrantClient) -> None:
    from grpc import RpcError
    from qdrant_client.http.exceptions import UnexpectedResponse

    errors = (UnexpectedResponse, RpcError)
    client.create_collection("err", vectors_config=models.VectorParams(size=3, distance=models.Distance.COSINE))
    with pytest.raises(errors):
        client.create_collection("err", vectors_config=models.VectorParams(size=3, distance=models.Distance.COSINE))
    with pytest.raises(errors):
        client.upsert("err", points=[models.PointStruct(id=1, vector=[1.0, 2.0, 3.0]),
                                     models.PointStruct(id=2, vector=[1.0, 2.0])])
    assert client.count("err").count == 0  # the valid first point was not written either
    with pytest.raises(errors):
        client.get_collection("missing")
    with pytest.raises(errors):
        client.query_points("err", query=[1.0, 2.0], limit=1)
    client.create_payload_index("err", "city", models.PayloadSchemaType.KEYWORD)
    assert "city" in client.get_collection("err").payload_schema


@pytest.mark.parametrize("prefer_grpc", [False, True])
def test_client_on_the_product_ports(server: ThreadedServer, clean: Any, prefer_grpc: bool) -> None:
    """The Qdrant routes on rest-port and the Qdrant services on grpc-port, beside the product's own."""
    ports = server.ports()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        c = QdrantClient(url=f"http://127.0.0.1:{ports['rest']}", grpc_port=ports["grpc"], prefer_grpc=prefer_grpc)
        time.sleep(0.3)
    assert [str(w.message) for w in caught] == []
    c.create_collection("pp", vectors_config=models.VectorParams(size=2, distance=models.Distance.EUCLID))
    c.upsert("pp", points=[models.PointStruct(id=i, vector=[float(i), 0.0], payload={"i": i}) for i in range(5)])
    hits = c.query_points("pp", query=[2.2, 0.0], limit=2).points
    assert [(p.id, round(p.score, 4)) for p in hits] == [(2, 0.2), (3, 0.8)]
    assert c.info().version == "1.19.0"
    c.close()


def test_legacy_grpc_search_and_recommend(server: ThreadedServer, clean: Any) -> None:
    """qdrant.Points/Search, SearchBatch and Recommend (clients <= 1.15) through the raw stubs."""
    import grpc
    from qdrant_client import grpc as qgrpc

    c = QdrantClient(url=f"http://127.0.0.1:{server.ports()['qdrant']}")
    c.create_collection("lg", vectors_config=models.VectorParams(size=2, distance=models.Distance.DOT))
    c.upsert("lg", points=[models.PointStruct(id=i, vector=[float(i), 1.0]) for i in range(1, 6)])
    with grpc.insecure_channel(f"127.0.0.1:{server.ports()['qdrant-grpc']}") as channel:
        stub = qgrpc.PointsStub(channel)
        reply = stub.Search(qgrpc.SearchPoints(collection_name="lg", vector=[1.0, 0.0], limit=2))
        assert [(p.id.num, p.score) for p in reply.result] == [(5, 5.0), (4, 4.0)]
        batch = stub.SearchBatch(qgrpc.SearchBatchPoints(collection_name="lg", search_points=[
            qgrpc.SearchPoints(collection_name="lg", vector=[-1.0, 0.0], limit=1)]))
        assert [p.id.num for p in batch.result[0].result] == [1]
        rec = stub.Recommend(qgrpc.RecommendPoints(collection_name="lg", positive=[qgrpc.PointId(num=5)], limit=2))
        assert [p.id.num for p in rec.result] == [4, 3]
    c.close()
