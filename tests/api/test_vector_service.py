"""redvector.VectorService through a grpcio client, and grpcurl's flow: descriptors from server reflection
only, the README's JSON parsed with the protobuf JSON mapping."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import grpc
import pytest
from google.protobuf import descriptor_pool, json_format, message_factory
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import ProtoReflectionDescriptorDatabase

from redvector.protocol.grpc.generated import redvector_pb2 as pb
from redvector.protocol.grpc.generated import redvector_pb2_grpc as pb_grpc
from tests.serverutil import ThreadedServer


@pytest.fixture
def channel(server: ThreadedServer) -> Iterator[grpc.Channel]:
    with grpc.insecure_channel(f"127.0.0.1:{server.ports()['grpc']}") as ch:
        yield ch


def test_reflection_lists_every_service(channel: grpc.Channel) -> None:
    services = set(ProtoReflectionDescriptorDatabase(channel).get_services())
    assert {"redvector.VectorService", "qdrant.Collections", "qdrant.Points", "qdrant.Qdrant",
            "grpc.health.v1.Health"} <= services


def test_health_service(channel: grpc.Channel) -> None:
    stub = health_pb2_grpc.HealthStub(channel)
    for service in ("", "redvector.VectorService", "qdrant.Points"):
        reply = stub.Check(health_pb2.HealthCheckRequest(service=service))
        assert reply.status == health_pb2.HealthCheckResponse.SERVING


def grpcurl(channel: grpc.Channel, method: str, body: str) -> dict[str, Any]:
    """What `grpcurl -plaintext HOST redvector.VectorService/<method> -d '<body>'` does."""
    pool = descriptor_pool.DescriptorPool(ProtoReflectionDescriptorDatabase(channel))
    service = pool.FindServiceByName("redvector.VectorService")
    desc = service.FindMethodByName(method)
    request = json_format.Parse(body, message_factory.GetMessageClass(desc.input_type)())
    response_cls = message_factory.GetMessageClass(desc.output_type)
    call = channel.unary_unary(f"/redvector.VectorService/{method}",
                               request_serializer=lambda m: m.SerializeToString(),
                               response_deserializer=response_cls.FromString)
    return json_format.MessageToDict(call(request))


def test_readme_grpcurl_examples(channel: grpc.Channel, clean: Any) -> None:
    created = grpcurl(channel, "CreateCollection",
                      '{"name": "my_vectors", "vector_size": 384, "distance": "Cosine"}')
    assert created == {"success": True, "message": "Collection 'my_vectors' created successfully"}
    again = grpcurl(channel, "CreateCollection", '{"collectionName": "my_vectors", "vectorSize": 384}')
    assert again == {"success": True, "message": "Collection 'my_vectors' already exists"}
    vector = ", ".join(["0.1"] * 384)
    upserted = grpcurl(channel, "Upsert", '{"collection_name": "my_vectors", "points": [{"id": 1, '
                       f'"vector": [{vector}], "payload": {{"genre": "rock"}}}}]}}')
    assert upserted["upsertedCount"] == 1
    found = grpcurl(channel, "Search", f'{{"collection_name": "my_vectors", "query_vector": [{vector}], "top": 3}}')
    assert found["result"][0]["id"] == "1" and found["result"][0]["payload"] == {"genre": "rock"}
    info = grpcurl(channel, "GetCollectionInfo", '{"collection_name": "my_vectors"}')
    assert info["vectorSize"] == 384 and info["pointsCount"] == "1" and info["distance"] == "Cosine"


def test_vector_service_calls(channel: grpc.Channel, clean: Any) -> None:
    stub = pb_grpc.VectorServiceStub(channel)
    assert stub.CreateCollection(pb.CreateCollectionRequest(collection_name="v", vector_size=3,
                                                            distance="Euclidean")).success
    with pytest.raises(grpc.RpcError) as err:
        stub.CreateCollection(pb.CreateCollectionRequest(name="v", vector_size=4, distance="Cosine"))
    assert err.value.code() == grpc.StatusCode.ALREADY_EXISTS
    points = [pb.Point(id=1, vector=[0, 0, 1], payload={"kind": "a"}),
              pb.Point(uuid="doc-7", vector=[0, 1, 0], payload={"kind": "b"}),
              pb.Point(id=3, vector=[1, 0, 0])]
    points[2].payload_json.update({"kind": "a", "n": 10})
    reply = stub.Upsert(pb.UpsertRequest(name="v", points=points))
    assert reply.success and reply.upserted_count == 3
    hits = stub.Search(pb.SearchRequest(name="v", vector=[0, 0, 1], limit=2)).result
    assert [(h.id, h.uuid) for h in hits] == [(1, ""), (0, "doc-7")]
    assert hits[0].score == 0.0  # Euclid: a distance
    filtered = stub.Search(pb.SearchRequest(name="v", vector=[0, 0, 1], filter={"kind": "a"})).result
    assert [h.id for h in filtered] == [1, 3]
    typed = pb.SearchRequest(name="v", vector=[0, 0, 1])
    typed.qdrant_filter.update({"must": [{"key": "n", "match": {"value": 10}}]})
    assert [h.id for h in stub.Search(typed).result] == [3]
    assert dict(stub.Search(typed).result[0].payload) == {"kind": "a", "n": "10"}
    info = stub.GetCollectionInfo(pb.GetCollectionInfoRequest(name="v"))
    assert (info.vector_size, info.points_count, info.distance) == (3, 3, "Euclid")
    got = stub.Get(pb.GetPointsRequest(name="v", ids=[1, 99], uuids=["doc-7"], with_vector=True)).result
    assert [(p.id, p.uuid, list(p.vector)) for p in got] == [(1, "", [0, 0, 1]), (0, "doc-7", [0, 1, 0])]
    assert stub.Count(pb.CountRequest(name="v", filter={"kind": "a"})).count == 2
    assert list(stub.ListCollections(pb.ListCollectionsRequest()).collections) == ["v"]
    assert stub.Delete(pb.DeletePointsRequest(name="v", uuids=["doc-7"])).deleted == 1
    assert stub.Count(pb.CountRequest(name="v")).count == 2
    with pytest.raises(grpc.RpcError) as err:
        stub.Search(pb.SearchRequest(name="v", vector=[1, 2]))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "expected dim: 3, got 2" in (err.value.details() or "")
    with pytest.raises(grpc.RpcError) as err:
        stub.Search(pb.SearchRequest(vector=[1, 2, 3]))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert stub.DeleteCollection(pb.DeleteCollectionRequest(name="v")).success
    with pytest.raises(grpc.RpcError) as err:
        stub.GetCollectionInfo(pb.GetCollectionInfoRequest(name="v"))
    assert err.value.code() == grpc.StatusCode.NOT_FOUND
