"""One datastore, three protocols: what one protocol writes, the others read at once."""

from __future__ import annotations

import struct
from collections.abc import Iterator
from typing import Any

import grpc
import httpx
import pytest
import redis

from redvector.protocol.grpc.generated import redvector_pb2 as pb
from redvector.protocol.grpc.generated import redvector_pb2_grpc as pb_grpc
from tests.serverutil import ThreadedServer


@pytest.fixture
def stub(server: ThreadedServer) -> Iterator[pb_grpc.VectorServiceStub]:
    with grpc.insecure_channel(f"127.0.0.1:{server.ports()['grpc']}") as channel:
        yield pb_grpc.VectorServiceStub(channel)


def blob(*values: float) -> bytes:
    return struct.pack(f"<{len(values)}f", *values)


def test_rest_upsert_is_seen_by_ft_search_and_hgetall(rest: httpx.Client, clean: redis.Redis) -> None:
    assert rest.post("/api/collections/docs", json={"vector_size": 2, "distance": "InnerProduct"}).status_code == 201
    body = {"points": [{"id": 1, "vector": [1, 0], "payload": {"genre": "rock", "year": 1999, "tags": ["a"]}},
                       {"id": 2, "vector": [0, 1], "payload": {"genre": "jazz"}}]}
    assert rest.post("/api/collections/docs/points", json=body).status_code == 200
    fields = clean.hgetall("docs:1")
    assert fields[b"vector"] == blob(1, 0)
    assert fields[b"genre"] == b"rock" and fields[b"year"] == b"1999" and b"tags" not in fields
    reply = clean.execute_command("FT.SEARCH", "docs", "*=>[KNN 1 @vector $q]", "PARAMS", "2", "q", blob(0, 1),
                                  "RETURN", "1", "genre", "DIALECT", "2")
    assert reply[0] == 1 and reply[1] == b"docs:2" and reply[2] == [b"genre", b"jazz"]


def test_hset_over_resp_is_found_by_grpc_search(stub: pb_grpc.VectorServiceStub, rest: httpx.Client,
                                                clean: redis.Redis) -> None:
    stub.CreateCollection(pb.CreateCollectionRequest(name="songs", vector_size=3, distance="Cosine"))
    clean.hset("songs:42", mapping={"vector": blob(0, 0, 2), "title": "Blue", "year": "1959"})
    clean.hset("songs:track-9", mapping={"vector": blob(2, 0, 0), "title": "Red"})
    clean.hset("other:1", mapping={"vector": blob(0, 0, 2)})  # not under the prefix
    hits = stub.Search(pb.SearchRequest(name="songs", vector=[0, 0, 1], limit=5)).result
    assert [(h.id, h.uuid) for h in hits] == [(42, ""), (0, "track-9")]
    assert dict(hits[0].payload) == {"title": "Blue", "year": "1959"}
    assert round(hits[0].score, 5) == 1.0
    point = rest.get("/api/collections/songs/points/track-9").json()
    # A hash written over RESP keeps its vector as written (the API normalizes only what it writes).
    assert point["payload"] == {"title": "Red"} and point["vector"] == [2.0, 0.0, 0.0]


def test_grpc_delete_is_gone_over_rest_and_resp(stub: pb_grpc.VectorServiceStub, rest: httpx.Client,
                                                clean: redis.Redis) -> None:
    rest.post("/api/collections/c", json={"vector_size": 2})
    rest.post("/api/collections/c/points", json={"points": [{"id": 5, "vector": [1, 1]}]})
    assert rest.get("/api/collections/c/points/5").status_code == 200
    assert stub.Delete(pb.DeletePointsRequest(name="c", ids=[5])).deleted == 1
    assert rest.get("/api/collections/c/points/5").status_code == 404
    assert clean.exists("c:5") == 0
    assert rest.get("/api/collections/c").json()["points_count"] == 0


def test_qdrant_writes_fire_keyspace_events(qrest: httpx.Client, clean: redis.Redis, server: ThreadedServer) -> None:
    clean.config_set("notify-keyspace-events", "KEA")
    try:
        try:
            clean.execute_command("PUBSUB", "NUMPAT")
        except redis.ResponseError as exc:
            pytest.skip(f"pub/sub not available: {exc}")
        pubsub = clean.pubsub()
        pubsub.psubscribe("__keyspace@0__:q:*")
        assert pubsub.get_message(timeout=2) is not None  # psubscribe confirmation
        qrest.put("/collections/q", json={"vectors": {"size": 2, "distance": "Dot"}})
        qrest.put("/collections/q/points?wait=true", json={"points": [{"id": 1, "vector": [1, 2]}]})
        message: Any = pubsub.get_message(timeout=2)
        assert message is not None and message["channel"] == b"__keyspace@0__:q:1" and message["data"] == b"hset"
        pubsub.close()
    finally:
        clean.config_set("notify-keyspace-events", "")
