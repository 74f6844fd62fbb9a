"""Shared fixtures: one real server per test session (threaded, OS-picked ports) and redis-py clients
for RESP2 and RESP3. Each test starts from an empty keyspace."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from tests.redis_stack import redis_stack
from tests.serverutil import ThreadedServer


@pytest.fixture(scope="session")
def server() -> Iterator[ThreadedServer]:
    srv = ThreadedServer().start()
    yield srv
    srv.stop()


@pytest.fixture(params=[2, 3], ids=["resp2", "resp3"])
def r(server: ThreadedServer, request: pytest.FixtureRequest) -> Iterator[redis.Redis]:
    client = redis.Redis(port=server.port, protocol=request.param)
    client.flushall()
    yield client
    client.close()


@pytest.fixture
def r2(server: ThreadedServer) -> Iterator[redis.Redis]:
    """A RESP2 client (for tests about RESP2-only shapes)."""
    client = redis.Redis(port=server.port, protocol=2)
    client.flushall()
    yield client
    client.close()


@pytest.fixture
def r3(server: ThreadedServer) -> Iterator[redis.Redis]:
    client = redis.Redis(port=server.port, protocol=3)
    client.flushall()
    yield client
    client.close()


@pytest.fixture(scope="module")
def stack_port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """A Redis Stack 7.4.1 (Redis 7.4 with RediSearch and RedisJSON) for one test module's differential
    tests, on a free port; the tests using it are skipped when it cannot start."""
    with redis_stack(Path(tmp_path_factory.mktemp("stack")), json=True) as port:
        yield port
