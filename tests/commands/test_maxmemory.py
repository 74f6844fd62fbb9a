"""maxmemory and maxmemory-policy on a dedicated server: OOM under noeviction, sampled LRU/LFU/TTL/random
eviction, "evicted" events, INFO counters and the used_memory estimate."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from tests.persistence.helpers import redvector
from tests.serverutil import ThreadedServer

OOM = "command not allowed when used memory > 'maxmemory'."
VALUE = b"v" * 200


@pytest.fixture(scope="module")
def mem_server() -> Iterator[ThreadedServer]:
    srv = ThreadedServer({"maxmemory": "256kb"}).start()
    yield srv
    srv.stop()


@pytest.fixture
def m(mem_server: ThreadedServer) -> Iterator[redis.Redis]:
    client = redis.Redis(port=mem_server.port)
    client.config_set("maxmemory", "0")
    client.flushall()
    client.config_resetstat()
    client.config_set("maxmemory-policy", "noeviction")
    client.config_set("maxmemory", "256kb")
    yield client
    client.config_set("maxmemory", "0")
    client.close()


def used(r: redis.Redis) -> int:
    return int(r.info("memory")["used_memory"])


def fill(r: redis.Redis, prefix: str, count: int, ttl: int | None = None) -> None:
    for i in range(count):
        r.set(f"{prefix}{i}", VALUE, ex=ttl)


def test_used_memory_tracks_writes_and_deletes(m: redis.Redis) -> None:
    base = used(m)
    m.set("big", b"x" * 100_000)
    grown = used(m)
    assert 100_000 <= grown - base <= 110_000
    m.zadd("z", {f"member{i}": i for i in range(1000)})
    assert used(m) - grown > 1000 * 50
    m.delete("big", "z")
    assert used(m) == base


def test_noeviction_refuses_writes_keeps_reads(m: redis.Redis) -> None:
    with pytest.raises(redis.exceptions.OutOfMemoryError) as e:
        fill(m, "k", 100_000)
    assert str(e.value) == OOM
    assert used(m) > 256 * 1024
    assert m.get("k0") == VALUE  # reads keep working
    with pytest.raises(redis.exceptions.OutOfMemoryError):
        m.zadd("z", {"a": 1})
    count = m.dbsize()
    assert m.delete(*[f"k{i}" for i in range(count // 2)]) > 0  # DEL is not DENYOOM
    assert m.set("again", "ok") is True
    assert int(m.info("stats")["evicted_keys"]) == 0


@pytest.mark.parametrize("policy", ["allkeys-lru", "allkeys-lfu", "allkeys-random"])
def test_allkeys_policies_evict_and_stay_under_limit(m: redis.Redis, policy: str) -> None:
    m.config_set("maxmemory-policy", policy)
    m.config_set("maxmemory-samples", "10")
    fill(m, "hot", 20)
    for i in range(1500):
        m.set(f"k{i}", VALUE)
        if i % 10 == 0:
            for h in range(20):
                m.get(f"hot{h}")
    assert used(m) <= 256 * 1024 + 2048
    evicted = int(m.info("stats")["evicted_keys"])
    assert evicted > 300
    assert m.dbsize() + evicted == 1520
    hot_alive = sum(m.exists(f"hot{h}") for h in range(20))
    if policy != "allkeys-random":
        # Sampled LRU/LFU keeps the keys read all along (Redis's approximation: nearly all of them).
        assert hot_alive >= 15, hot_alive


def test_volatile_policies_only_touch_keys_with_ttl(m: redis.Redis) -> None:
    for policy in ("volatile-ttl", "volatile-lru", "volatile-random", "volatile-lfu"):
        m.flushall()
        m.config_set("maxmemory-policy", policy)
        fill(m, "keep", 250)
        fill(m, "temp", 400, ttl=1000)
        assert all(m.exists(f"keep{i}") for i in range(0, 250, 10)), policy
        # Once no key has a TTL left to evict, writes are refused.
        with pytest.raises(redis.exceptions.OutOfMemoryError):
            fill(m, "more", 10_000)
        assert all(m.exists(f"keep{i}") for i in range(0, 250, 10)), policy


def test_volatile_ttl_evicts_nearest_expiry_first(m: redis.Redis) -> None:
    m.config_set("maxmemory-policy", "volatile-ttl")
    m.config_set("maxmemory-samples", "10")
    for i in range(800):
        m.set(f"t{i}", VALUE, ex=10_000 + i)  # later keys expire later
    survivors = [i for i in range(800) if m.exists(f"t{i}")]
    assert survivors and sum(survivors) / len(survivors) > 400


def test_evicted_events(mem_server: ThreadedServer, m: redis.Redis) -> None:
    m.config_set("maxmemory-policy", "allkeys-random")
    m.config_set("notify-keyspace-events", "Ee")
    sub_client = redis.Redis(port=mem_server.port)
    p = sub_client.pubsub()
    try:
        p.subscribe("__keyevent@0__:evicted")
        assert p.get_message(timeout=2)["type"] == "subscribe"
        fill(m, "k", 1500)
        msg = p.get_message(timeout=2)
        assert msg is not None and msg["type"] == "message" and msg["data"].startswith(b"k")
    finally:
        m.config_set("notify-keyspace-events", "")
        p.close()
        sub_client.close()


def test_aof_replay_loads_everything_past_maxmemory(tmp_path: Path) -> None:
    """Redis loads the whole dataset at startup whatever maxmemory says; only later writes are refused."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    with redvector(data_dir, "--appendonly", "yes", "--save", "") as (_proc, client):
        for i in range(400):
            client.set(f"k{i}", VALUE)
    with redvector(data_dir, "--appendonly", "yes", "--save", "", "--maxmemory", "64kb",
                   "--maxmemory-policy", "allkeys-lru") as (_proc, client):
        assert client.dbsize() == 400
        assert int(client.info("stats")["evicted_keys"]) == 0
        assert used(client) > 64 * 1024
        client.set("one-more", VALUE)  # the first write evicts down to the limit
        assert used(client) <= 64 * 1024 + 2048
        assert int(client.info("stats")["evicted_keys"]) > 0


def test_used_memory_without_maxmemory_is_estimated_on_demand(m: redis.Redis) -> None:
    # With maxmemory set the server keeps a running total; without it INFO samples the keys. Both must
    # tell the same story: the on-demand figure within 15% of the tracked one, and growing with the data.
    m.config_set("maxmemory", "0")
    pipe = m.pipeline(transaction=False)
    for i in range(5000):  # over the 512-key sample, so the big-database path is taken
        pipe.set(f"key:{i}", VALUE)
        if i % 10 == 0:
            pipe.hset(f"hash:{i}", mapping={"a": VALUE, "b": "1"})
    pipe.execute()
    sampled = used(m)
    m.config_set("maxmemory", "1gb")  # starts the running total (one full pass)
    tracked = used(m)
    m.config_set("maxmemory", "0")
    assert tracked > 5000 * len(VALUE)
    assert abs(sampled - tracked) <= 0.15 * tracked, (sampled, tracked)
    m.flushall()
    assert used(m) < tracked // 10
