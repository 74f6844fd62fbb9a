"""requirepass / api-key on REST and gRPC, and the request body limit (a server of its own)."""

from __future__ import annotations

from collections.abc import Iterator

import grpc
import httpx
import pytest

from redvector.protocol.grpc.generated import redvector_pb2 as pb
from redvector.protocol.grpc.generated import redvector_pb2_grpc as pb_grpc
from tests.serverutil import ThreadedServer


@pytest.fixture(scope="module")
def secured() -> Iterator[ThreadedServer]:
    srv = ThreadedServer({"requirepass": "s3cret", "api-key": "k3y", "max-request-body": "2048"}).start()
    yield srv
    srv.stop()


def test_rest_requires_a_key(secured: ThreadedServer) -> None:
    base = f"http://127.0.0.1:{secured.ports()['rest']}"
    assert httpx.get(f"{base}/health").status_code == 200  # probes stay open
    missing = httpx.get(f"{base}/collections")
    assert missing.status_code == 401
    assert httpx.get(f"{base}/api/collections", headers={"api-key": "wrong"}).status_code == 403
    assert httpx.get(f"{base}/collections", headers={"api-key": "k3y"}).status_code == 200
    assert httpx.get(f"{base}/collections", headers={"authorization": "Bearer s3cret"}).status_code == 200
    assert httpx.get(f"{base}/metrics").status_code == 401
    qbase = f"http://127.0.0.1:{secured.ports()['qdrant']}"
    assert httpx.get(f"{qbase}/collections").status_code == 401


def test_body_limit(secured: ThreadedServer) -> None:
    base = f"http://127.0.0.1:{secured.ports()['rest']}"
    big = {"points": [{"id": i, "vector": [0.5] * 16} for i in range(100)]}
    r = httpx.put(f"{base}/collections/c/points", json=big, headers={"api-key": "k3y"})
    assert r.status_code == 413
    assert "max-request-body" in r.json()["status"]["error"]


def test_grpc_requires_a_key(secured: ThreadedServer) -> None:
    with grpc.insecure_channel(f"127.0.0.1:{secured.ports()['grpc']}") as channel:
        stub = pb_grpc.VectorServiceStub(channel)
        with pytest.raises(grpc.RpcError) as info:
            stub.ListCollections(pb.ListCollectionsRequest())
        assert info.value.code() == grpc.StatusCode.UNAUTHENTICATED
        with pytest.raises(grpc.RpcError) as info:
            stub.ListCollections(pb.ListCollectionsRequest(), metadata=[("api-key", "nope")])
        assert info.value.code() == grpc.StatusCode.PERMISSION_DENIED
        reply = stub.ListCollections(pb.ListCollectionsRequest(), metadata=[("api-key", "k3y")])
        assert list(reply.collections) == []
        reply = stub.ListCollections(pb.ListCollectionsRequest(), metadata=[("authorization", "Bearer s3cret")])
        assert list(reply.collections) == []


def test_fast_search_routes_check_key_and_limit(secured: ThreadedServer) -> None:
    """The search routes served ahead of Starlette keep the key check and the body limit."""
    base = f"http://127.0.0.1:{secured.ports()['rest']}"
    body = {"vector": [0.1, 0.2], "limit": 3}
    missing = httpx.post(f"{base}/collections/c/points/search", json=body)
    assert missing.status_code == 401 and missing.headers["www-authenticate"] == "Bearer"
    assert httpx.post(f"{base}/api/collections/c/search", json=body, headers={"api-key": "no"}).status_code == 403
    found = httpx.post(f"{base}/collections/c/points/query", json=body, headers={"api-key": "k3y"})
    assert found.status_code == 404  # past the key check: the collection does not exist
    big = httpx.post(f"{base}/api/collections/c/search", json={"vector": [0.5] * 1000},
                     headers={"authorization": "Bearer s3cret"})
    assert big.status_code == 413 and "max-request-body" in big.json()["error"]
