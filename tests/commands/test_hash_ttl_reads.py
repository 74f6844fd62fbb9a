"""Hash fields past their TTL but not deleted yet (active expiry off on both servers), seen through SORT
(BY and GET ``h_*->field``), HLEN, HGETALL, HKEYS, HVALS, HRANDFIELD, HSCAN, HEXISTS, HSTRLEN, HMGET and
DUMP/RESTORE, against Redis Stack 7.4. Redis treats such a field as absent, deletes only the field a
lookup finds expired (HRANDFIELD: all of them), and counts the others in HLEN until they are deleted.
Not compared: DUMP's bytes (RedVector writes another RDB encoding) and the order of a large hash."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from tests.redis_stack import redis_stack
from tests.serverutil import RawClient, ThreadedServer


@pytest.fixture(scope="module")
def debug_stack_port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """Redis Stack with DEBUG allowed (DEBUG SET-ACTIVE-EXPIRE 0 keeps expired fields in place)."""
    with redis_stack(Path(tmp_path_factory.mktemp("stack")), json=True,
                     extra_args=("--enable-debug-command", "yes")) as port:
        yield port


@pytest.fixture(scope="module")
def ours() -> Iterator[ThreadedServer]:
    """A server of this module's own: active expiry is switched off in it."""
    srv = ThreadedServer().start()
    yield srv
    srv.stop()


def _c(line: str) -> list[bytes]:
    return [part.encode() for part in line.split()]


TTL_MS = 20
SETUP = [_c(line) for line in (
    "FLUSHALL", "DEBUG SET-ACTIVE-EXPIRE 0", "RPUSH l 1 2 3", "SADD s 1 2 3",
    "HSET h_1 w 3 name c keep k1", "HSET h_2 w 1 name a keep k2", "HSET h_3 w 2 name b keep k3",
    "HSET gone a 1",
    "HSET big " + " ".join(f"f{i} {'v' * 70}" for i in range(200)),  # a hashtable in Redis
    f"HPEXPIRE h_1 {TTL_MS} FIELDS 2 w name", f"HPEXPIRE h_3 {TTL_MS} FIELDS 1 w",
    f"HPEXPIRE gone {TTL_MS} FIELDS 1 a", f"HPEXPIRE big {TTL_MS} FIELDS 3 f1 f2 f3",
)]

# Each sequence runs on a fresh copy of SETUP, once the TTLs have passed.
SEQUENCES = [
    # SORT: an expired field is absent; the lookup deletes it (only it: HLEN counts the others)
    "SORT l BY h_*->w; HLEN h_1; HLEN h_3; HGETALL h_1",
    "SORT l BY h_*->w DESC",
    "SORT l BY h_*->name ALPHA; HLEN h_1",
    "SORT l BY h_*->w GET h_*->name GET # GET h_*->keep; HLEN h_1; HLEN h_3",
    "SORT l BY nosort GET h_*->w; HLEN h_1; HLEN h_2; HLEN h_3",
    "SORT_RO s BY h_*->w GET h_*->name; HLEN h_1",
    "SORT l BY h_*->w GET h_*->w STORE dst; LRANGE dst 0 -1; HLEN h_1",
    "SORT l BY h_*->keep GET h_*->name; HLEN h_1",
    "SORT l BY h_*->w LIMIT 0 2 GET h_*->name",
    "SORT l BY gone->a GET gone->a; EXISTS gone",
    "SORT l BY big->f1 GET big->f2 GET big->f4; HLEN big",
    # HLEN counts fields not deleted yet; walking reads skip them and delete nothing
    "HLEN h_1; HLEN gone; HLEN big; HLEN h_2",
    "HGETALL h_1; HLEN h_1", "HKEYS h_3; HLEN h_3", "HVALS h_1; HLEN h_1", "HVALS big; HLEN big",
    "HSCAN h_1 0; HLEN h_1", "HSCAN h_3 0 MATCH * COUNT 100", "HSCAN gone 0; HLEN gone",
    "HGETALL gone; EXISTS gone; HLEN gone; TYPE gone",
    # a lookup deletes the fields it finds expired (the hash with its last one)
    "HGET h_1 keep; HLEN h_1", "HGET h_1 w; HLEN h_1", "HMGET h_1 w name keep; HLEN h_1",
    "HEXISTS h_1 w; HLEN h_1; HEXISTS h_1 keep", "HSTRLEN h_1 name; HLEN h_1; HSTRLEN h_1 keep",
    "HEXISTS gone a; EXISTS gone", "HSTRLEN gone a", "HGET gone a; EXISTS gone",
    "HEXISTS big f1; HLEN big; HSTRLEN big f2; HGET big f3; HLEN big; HMGET big f1 f4",
    # HRANDFIELD deletes all of the hash's expired fields first
    "HRANDFIELD h_1; HLEN h_1; HRANDFIELD h_1 -3; HRANDFIELD h_1 5 WITHVALUES; HRANDFIELD h_3 5; HLEN h_3",
    "HRANDFIELD gone; HLEN gone; EXISTS gone", "HRANDFIELD gone 3", "HRANDFIELD gone -3 WITHVALUES",
    # writes: HDEL and HSET see the field as there, HSETNX and HINCRBY* as gone
    "HDEL h_1 w; HLEN h_1", "HSET h_1 w 5; HLEN h_1; HGETALL h_1", "HSETNX h_1 name z; HLEN h_1",
    "HINCRBY h_1 w 1; HLEN h_1", "HINCRBYFLOAT h_3 w 1.5; HLEN h_3; HGETALL h_3",
    # the field TTL commands: HTTL and HPERSIST see no field, HPEXPIRE gives it a new TTL
    "HTTL h_1 FIELDS 3 w name keep; HLEN h_1", "HPTTL h_3 FIELDS 1 w; HPERSIST h_3 FIELDS 2 w keep; HLEN h_3",
    "HPEXPIRE h_1 100000 FIELDS 2 w keep; HLEN h_1; HTTL h_1 FIELDS 2 w keep",
    "HPEXPIRE h_1 0 FIELDS 2 w keep; HLEN h_1", "HPEXPIRE gone 1000 FIELDS 1 a; EXISTS gone; HGETALL gone",
]


def _fresh(ours_port: int, stack_port: int, protocol: int) -> tuple[RawClient, RawClient]:
    clients = RawClient(ours_port, protocol), RawClient(stack_port, protocol)
    for client in clients:
        for cmd in SETUP:
            client.call(cmd)
    time.sleep(3 * TTL_MS / 1000)
    return clients


@pytest.mark.parametrize("protocol", [2, 3])
def test_reads_match_redis_stack(ours: ThreadedServer, debug_stack_port: int, protocol: int) -> None:
    mismatches = []
    for sequence in SEQUENCES:
        mine, theirs = _fresh(ours.port, debug_stack_port, protocol)
        try:
            for line in sequence.split(";"):
                cmd = _c(line)
                a, b = mine.call(cmd), theirs.call(cmd)
                if a != b:
                    mismatches.append(f"{sequence} -> {line.strip()}: ours {a!r} != redis-stack {b!r}")
        finally:
            mine.close()
            theirs.close()
    assert not mismatches, "\n".join(mismatches)


def test_dump_and_restore_keep_expired_fields(ours: ThreadedServer, debug_stack_port: int) -> None:
    """DUMP sends the fields not deleted yet and RESTORE keeps them (Redis does, for expiry to delete):
    each server restores the other's payloads to the same HLEN and HGETALL; DUMP deletes nothing."""
    mine, theirs = _fresh(ours.port, debug_stack_port, 2)
    mine.close()
    theirs.close()
    a, b = redis.Redis(port=ours.port), redis.Redis(port=debug_stack_port)
    try:
        for src, dst in ((a, b), (b, a)):
            for key in ("h_1", "gone", "big"):
                payload = src.dump(key)
                assert payload is not None
                dst.delete("copy")
                assert dst.restore("copy", 0, payload)
                assert (dst.hlen("copy"), dst.hgetall("copy")) == (src.hlen(key), src.hgetall(key))
        assert a.hlen("h_1") == b.hlen("h_1") == 3
        assert a.hlen("gone") == b.hlen("gone") == 1
    finally:
        a.close()
        b.close()
