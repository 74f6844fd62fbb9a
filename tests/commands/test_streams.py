"""Streams through redis-py: generated ids, blocking XREAD / XREADGROUP with two clients, a consumer-group
worker workflow, transactions, key commands and memory accounting. (Reply texts and shapes are compared
with Redis Stack in test_streams_differential.py.)"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import redis

from tests.serverutil import ThreadedServer


@pytest.fixture
def other(server: ThreadedServer) -> Iterator[redis.Redis]:
    client = redis.Redis(port=server.port)
    yield client
    client.close()


@pytest.fixture
def when_blocked(other: redis.Redis) -> Iterator[Callable[..., None]]:
    """``when_blocked(fn, n=1)``: run ``fn(other)`` in a thread once ``n`` more clients are blocked than now
    (so the write never comes before the blocking read); the threads are joined after the test."""
    threads: list[threading.Thread] = []

    def schedule(fn: Callable[[redis.Redis], Any], n: int = 1) -> None:
        baseline = int(other.info("clients")["blocked_clients"])

        def run() -> None:
            deadline = time.time() + 5
            while int(other.info("clients")["blocked_clients"]) < baseline + n and time.time() < deadline:
                time.sleep(0.01)
            fn(other)

        thread = threading.Thread(target=run)
        thread.start()
        threads.append(thread)

    yield schedule
    for thread in threads:
        thread.join(10)


def _parse(entry_id: bytes) -> tuple[int, int]:
    ms, seq = entry_id.split(b"-")
    return int(ms), int(seq)


# -- ids -----------------------------------------------------------------------------------------------
def test_star_ids_follow_the_clock_and_increase(r: redis.Redis) -> None:
    before = int(time.time() * 1000)
    ids = [_parse(r.xadd("s", {"n": i})) for i in range(200)]
    after = int(time.time() * 1000)
    assert all(before - 5 <= ms <= after + 5 for ms, _ in ids)
    assert ids == sorted(set(ids))
    same_ms = [seq for ms, seq in ids if ms == ids[-1][0]]
    assert same_ms == list(range(same_ms[0], same_ms[0] + len(same_ms)))  # seq counts up within a ms


def test_star_after_a_future_id_keeps_increasing(r: redis.Redis) -> None:
    future = int(time.time() * 1000) + 10_000_000
    r.xadd("s", {"a": 1}, id=f"{future}-5")
    assert _parse(r.xadd("s", {"a": 2})) == (future, 6)
    r.xadd("s", {"a": 3}, id=f"{future}-18446744073709551615")
    assert _parse(r.xadd("s", {"a": 4})) == (future + 1, 0)


def test_ms_star_ids(r: redis.Redis) -> None:
    assert r.xadd("s", {"a": 1}, id="5-*") == b"5-0"
    assert r.xadd("s", {"a": 1}, id="5-*") == b"5-1"
    assert r.xadd("s", {"a": 1}, id="7-*") == b"7-0"
    with pytest.raises(redis.ResponseError, match="equal or smaller"):
        r.xadd("s", {"a": 1}, id="6-*")


# -- blocking ------------------------------------------------------------------------------------------
def test_xread_dollar_is_woken_by_xadd_from_another_client(r: redis.Redis, when_blocked: Any) -> None:
    r.xadd("s", {"old": 1}, id="1-1")
    when_blocked(lambda o: o.xadd("s", {"new": 2}, id="2-1"))
    started = time.time()
    reply = r.xread({"s": "$"}, block=5000)
    assert time.time() - started < 4
    assert _entries(reply, "s") == [(b"2-1", {b"new": b"2"})]


def _entries(reply: Any, key: str) -> list[Any]:
    """XREAD's entries for one key (RESP2 list of pairs or RESP3 map)."""
    if isinstance(reply, dict):
        return list(reply[key.encode()][0]) if key.encode() in reply else []
    for name, entries in reply:
        if name == key.encode():
            return list(entries)
    return []


def test_xread_block_times_out_with_a_null_reply(r: redis.Redis) -> None:
    started = time.time()
    assert not r.xread({"s": "$"}, block=200)
    assert 0.15 <= time.time() - started < 2


def test_xread_block_on_several_streams_serves_the_one_written(r: redis.Redis, when_blocked: Any) -> None:
    when_blocked(lambda o: o.xadd("b", {"x": 1}, id="3-3"))
    reply = r.xread({"a": "$", "b": "$"}, block=5000)
    assert _entries(reply, "b") == [(b"3-3", {b"x": b"1"})]
    assert _entries(reply, "a") == []


def test_blocked_readers_on_different_ids_do_not_hold_each_other(server: ThreadedServer, r: redis.Redis,
                                                                 other: redis.Redis, when_blocked: Any) -> None:
    r.xadd("s", {"a": 1}, id="10-1")
    waiting_far = redis.Redis(port=server.port)
    result: dict[str, Any] = {}

    def far() -> None:
        result["far"] = waiting_far.xread({"s": "1000-0"}, block=1500)

    baseline = int(other.info("clients")["blocked_clients"])
    thread = threading.Thread(target=far)
    thread.start()
    while int(other.info("clients")["blocked_clients"]) <= baseline:  # parked first
        time.sleep(0.01)
    when_blocked(lambda o: o.xadd("s", {"b": 2}, id="50-1"))
    near = r.xread({"s": "$"}, block=3000)
    thread.join()
    waiting_far.close()
    assert _entries(near, "s") == [(b"50-1", {b"b": b"2"})]
    assert not result["far"]


def test_xreadgroup_block_is_woken_by_a_transaction(r: redis.Redis, when_blocked: Any) -> None:
    r.xgroup_create("s", "g", "$", mkstream=True)

    def transaction(other: redis.Redis) -> None:
        pipe = other.pipeline(transaction=True)
        pipe.xadd("s", {"a": 1}, id="1-1")
        pipe.xadd("s", {"b": 2}, id="2-1")
        pipe.execute()

    when_blocked(transaction)
    reply = r.xreadgroup("g", "worker", {"s": ">"}, block=0)
    assert [e[0] for e in _entries(reply, "s")] == [b"1-1", b"2-1"]
    assert r.xpending("s", "g")["pending"] == 2


@pytest.mark.parametrize("change, error", [
    (lambda c: c.delete("s"), "NOGROUP"),
    (lambda c: c.xgroup_destroy("s", "g"), "NOGROUP"),
    (lambda c: c.set("s", "now a string"), "WRONGTYPE"),
    (lambda c: c.flushall(), "NOGROUP"),
    (lambda c: c.flushdb(), "NOGROUP"),
])
def test_blocked_xreadgroup_fails_when_its_stream_or_group_goes(r: redis.Redis, when_blocked: Any,
                                                               change: Callable[[redis.Redis], Any],
                                                               error: str) -> None:
    r.xadd("s", {"a": 1}, id="1-1")
    r.xgroup_create("s", "g", "$")
    when_blocked(change)
    with pytest.raises(redis.ResponseError, match=error):
        r.xreadgroup("g", "worker", {"s": ">"}, block=0)


def test_blocked_xread_keeps_waiting_while_its_key_holds_another_type(r: redis.Redis, when_blocked: Any) -> None:
    """Redis wakes a plain XREAD only for a stream (XREADGROUP fails instead, see above)."""
    def replace_then_add(other: redis.Redis) -> None:
        other.set("s", "a string")
        time.sleep(0.1)
        other.delete("s")
        other.xadd("s", {"a": 1}, id="7-7")

    when_blocked(replace_then_add)
    reply = r.xread({"s": "$"}, block=5000)
    assert _entries(reply, "s") == [(b"7-7", {b"a": b"1"})]


def test_block_inside_multi_answers_at_once(r: redis.Redis) -> None:
    pipe = r.pipeline(transaction=True)
    pipe.xread({"s": "$"}, block=0)
    pipe.xadd("s", {"a": 1}, id="1-1")
    started = time.time()
    first, added = pipe.execute()
    assert time.time() - started < 1
    assert not first and added == b"1-1"


def test_requests_pipelined_behind_a_blocked_xread_wait_for_it(r: redis.Redis, when_blocked: Any) -> None:
    when_blocked(lambda o: o.xadd("s", {"a": 1}, id="5-5"))
    pipe = r.pipeline(transaction=False)
    pipe.xread({"s": "$"}, block=5000)
    pipe.xlen("s")
    reply, length = pipe.execute()
    assert _entries(reply, "s")[0][0] == b"5-5" and length == 1


# -- consumer groups -----------------------------------------------------------------------------------
def test_worker_workflow_with_ack_and_claim_of_a_dead_consumer(r: redis.Redis) -> None:
    """Producers add jobs; two workers read through a group, one acks, the other dies; a third claims its
    jobs once they have been idle long enough."""
    for i in range(10):
        r.xadd("jobs", {"job": i})
    r.xgroup_create("jobs", "workers", "0")
    first = _entries(r.xreadgroup("workers", "w1", {"jobs": ">"}, count=4), "jobs")
    second = _entries(r.xreadgroup("workers", "w2", {"jobs": ">"}, count=4), "jobs")
    assert {e[0] for e in first}.isdisjoint(e[0] for e in second)
    assert r.xack("jobs", "workers", *[e[0] for e in first]) == 4
    summary = r.xpending("jobs", "workers")
    assert summary["pending"] == 4 and summary["consumers"] == [{"name": b"w2", "pending": 4}]
    assert r.xautoclaim("jobs", "workers", "w3", 60_000, "0-0")[1] == []  # not idle long enough
    time.sleep(0.05)
    cursor, claimed, deleted = r.xautoclaim("jobs", "workers", "w3", 20, "0-0", count=10)
    assert [e[0] for e in claimed] == [e[0] for e in second] and deleted == [] and cursor == b"0-0"
    rows = r.xpending_range("jobs", "workers", "-", "+", 10)
    assert {row["consumer"] for row in rows} == {b"w3"} and all(row["times_delivered"] == 2 for row in rows)
    rest = _entries(r.xreadgroup("workers", "w3", {"jobs": ">"}), "jobs")
    assert len(rest) == 2
    groups = r.xinfo_groups("jobs")
    assert groups[0]["lag"] == 0 and groups[0]["entries-read"] == 10


def test_history_read_returns_own_pending_and_deleted_entries_as_null(r: redis.Redis) -> None:
    r.xadd("s", {"a": 1}, id="1-1")
    r.xadd("s", {"b": 2}, id="2-1")
    r.xgroup_create("s", "g", "0")
    r.xreadgroup("g", "c", {"s": ">"})
    r.xdel("s", "1-1")
    history = _entries(r.xreadgroup("g", "c", {"s": "0"}), "s")
    assert history[0][0] == b"1-1" and not history[0][1]
    assert history[1] == (b"2-1", {b"b": b"2"})
    assert r.xpending_range("s", "g", "-", "+", 10)[1]["times_delivered"] == 2


# -- keys, memory, introspection -----------------------------------------------------------------------
def test_generic_key_commands_on_streams(r: redis.Redis) -> None:
    r.xadd("s", {"a": 1}, id="1-1")
    r.xgroup_create("s", "g", "0")
    r.xreadgroup("g", "c", {"s": ">"})
    assert r.type("s") == b"stream"
    assert r.object("encoding", "s") == b"stream"
    assert r.copy("s", "t")
    r.xack("t", "g", "1-1")
    assert r.xpending("s", "g")["pending"] == 1  # the copy shares no state
    r.rename("t", "u")
    assert r.xrange("u") == r.xrange("s")
    assert r.expire("u", 100) and 0 < r.ttl("u") <= 100
    assert list(r.scan_iter(_type="stream")) in ([b"s", b"u"], [b"u", b"s"])
    r.set("str", "x")
    with pytest.raises(redis.ResponseError, match="WRONGTYPE"):
        r.xadd("str", {"a": 1})
    assert r.delete("s", "u") == 2


def test_memory_usage_grows_with_entries(r: redis.Redis) -> None:
    r.xadd("s", {"a": 1}, id="1-1")
    small = r.memory_usage("s")
    for i in range(2, 2000):
        r.xadd("s", {"field": "value" * 10, "n": i}, id=f"{i}-0")
    large = r.memory_usage("s")
    assert small and large and large > small * 50


def test_command_getkeys_for_xread_and_xreadgroup(r2: redis.Redis) -> None:
    r = r2
    assert r.command_getkeys("XREAD", "COUNT", "1", "STREAMS", "a", "b", "0", "0") == ["a", "b"]
    assert r.command_getkeys("XREADGROUP", "GROUP", "g", "c", "STREAMS", "k", ">") == ["k"]
    assert r.command_getkeys("XGROUP", "CREATE", "k", "g", "$") == ["k"]


def test_approximate_trimming_bounds_a_capped_stream(r: redis.Redis) -> None:
    for i in range(5000):
        r.xadd("capped", {"n": i}, maxlen=1000, approximate=True)
    before = r.xlen("capped")
    assert 1000 <= before < 1100  # whole 100-entry nodes go
    assert r.xtrim("capped", maxlen=1000, approximate=False) == before - 1000
    assert r.xlen("capped") == 1000
