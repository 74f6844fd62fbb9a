"""Fixtures for the REST/gRPC tests: base URLs and clients against the session server, and a guard that
skips tests needing the search engine (FT.CREATE) or hashes (HSET) when those command groups are absent."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import redis
from qdrant_client import QdrantClient

from tests.serverutil import ThreadedServer


def has_commands(server: ThreadedServer) -> bool:
    """True when FT.* and the hash commands exist (an unknown command fails with 'unknown command')."""
    client = redis.Redis(port=server.port)
    try:
        client.execute_command("FT._LIST")
        client.execute_command("HDEL", "__probe__", "f")
        return True
    except redis.ResponseError as exc:
        if "unknown command" in str(exc):
            return False
        raise
    finally:
        client.close()


@pytest.fixture(scope="session")
def vector_ready(server: ThreadedServer) -> bool:
    return has_commands(server)


@pytest.fixture
def needs_vectors(vector_ready: bool) -> None:
    if not vector_ready:
        pytest.skip("needs the FT.* search engine and hashes (HSET/HDEL) merged")


@pytest.fixture
def rest(server: ThreadedServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"http://127.0.0.1:{server.ports()['rest']}", timeout=30) as client:
        yield client


@pytest.fixture
def qrest(server: ThreadedServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"http://127.0.0.1:{server.ports()['qdrant']}", timeout=30) as client:
        yield client


@pytest.fixture
def clean(server: ThreadedServer, needs_vectors: None) -> Iterator[redis.Redis]:
    """A RESP client on an empty keyspace with no indexes left from another test."""
    client = redis.Redis(port=server.port, protocol=2)
    for name in client.execute_command("FT._LIST"):
        client.execute_command("FT.DROPINDEX", name)
    client.flushall()
    yield client
    client.close()


@pytest.fixture(params=["rest", "grpc"])
def client(request: pytest.FixtureRequest, server: ThreadedServer, clean: Any) -> Iterator[QdrantClient]:
    """qdrant-client against the session server, once over REST and once over gRPC (prefer_grpc).
    test_qdrant_client.py overrides it with one that also asserts the version check stays silent."""
    ports = server.ports()
    c = QdrantClient(url=f"http://127.0.0.1:{ports['qdrant']}", grpc_port=ports["qdrant-grpc"],
                     prefer_grpc=request.param == "grpc", timeout=30, check_compatibility=False)
    yield c
    c.close()
