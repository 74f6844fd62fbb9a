"""Fixtures for FT.* tests: redis-py clients in RESP2 and in redis-py 8's default mode (RESP3 wire,
legacy result objects), each starting from an empty server (FLUSHALL also drops indexes)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis

from tests.serverutil import ThreadedServer


@pytest.fixture(params=[2, None], ids=["resp2", "default-resp3"])
def client(server: ThreadedServer, request: pytest.FixtureRequest) -> Iterator[redis.Redis]:
    c = redis.Redis(port=server.port, protocol=request.param)
    c.flushall()
    yield c
    c.close()
