"""Fixtures for FT.* tests: redis-py clients in RESP2 and in redis-py 8's default mode (RESP3 wire,
legacy result objects), each starting from an empty server (FLUSHALL also drops indexes)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from tests.redis_stack import redis_stack
from tests.serverutil import ThreadedServer


@pytest.fixture(params=[2, None], ids=["resp2", "default-resp3"])
def client(server: ThreadedServer, request: pytest.FixtureRequest) -> Iterator[redis.Redis]:
    c = redis.Redis(port=server.port, protocol=request.param)
    c.flushall()
    yield c
    c.close()


@pytest.fixture(scope="module")
def stack_port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """A Redis Stack 7.4.1 (RediSearch and RedisJSON) for one test module's differential tests, on a free
    port; the tests using it are skipped when it cannot start."""
    with redis_stack(Path(tmp_path_factory.mktemp("stack")), json=True) as port:
        yield port
