"""PFDEBUG (GETREG, DECODE, ENCODING, TODENSE) and PFSELFTEST: Redis Stack's replies byte for byte, the
sparse value written back dense where Redis converts it."""

from __future__ import annotations

import pytest
import redis

from tests.serverutil import ThreadedServer, assert_same_raw_replies


def _c(*args: str | bytes) -> list[bytes]:
    return [a if isinstance(a, bytes) else a.encode() for a in args]


# A sparse header whose one XZERO opcode covers 1 register of 16384: decodable, not convertible.
CORRUPT = b"HYLL\x01" + bytes(11) + b"\x40\x00"

SETUP = [
    _c("FLUSHALL"),
    _c("PFADD", "few", "a", "b", "c", "d", "e"),
    _c("PFADD", "many", *[f"e{i}" for i in range(300)]),
    _c("PFADD", "empty"),
    _c("SET", "str", "x"),
    _c("RPUSH", "list", "x"),
    _c("SET", "corrupt", CORRUPT),
]

COMMANDS = [
    _c("PFDEBUG"),
    _c("PFDEBUG", "DECODE"),
    _c("PFDEBUG", "DECODE", "few", "x"),
    _c("PFDEBUG", "FOO", "missing"),
    _c("PFDEBUG", "GETREG", "missing"),
    _c("PFDEBUG", "GETREG", "str"),
    _c("PFDEBUG", "ENCODING", "list"),
    _c("PFDEBUG", "foo", "few"),
    _c("PFDEBUG", "decode", "few"),
    _c("PFDEBUG", "DECODE", "many"),
    _c("PFDEBUG", "DECODE", "empty"),
    _c("PFDEBUG", "DECODE", "corrupt"),
    _c("PFDEBUG", "ENCODING", "few"),
    _c("PFDEBUG", "GETREG", "few"),
    _c("PFDEBUG", "ENCODING", "few"),
    _c("PFDEBUG", "DECODE", "few"),
    _c("GET", "few"),
    _c("PFDEBUG", "TODENSE", "few"),
    _c("PFDEBUG", "TODENSE", "many"),
    _c("GET", "many"),
    _c("PFCOUNT", "many"),
    _c("PFDEBUG", "GETREG", "corrupt"),
    _c("PFDEBUG", "TODENSE", "corrupt"),
    _c("PFDEBUG", "ENCODING", "corrupt"),
    _c("PFSELFTEST"),
    _c("PFSELFTEST", "x"),
]


@pytest.mark.parametrize("protocol", [2, 3])
def test_replies_match_redis_stack(server: ThreadedServer, stack_port: int, protocol: int) -> None:
    assert_same_raw_replies(server.port, stack_port, protocol, COMMANDS, SETUP)


def test_todense_keeps_the_ttl_and_the_count(r: redis.Redis) -> None:
    r.pfadd("h", *range(100))
    r.expire("h", 1000)
    count = r.pfcount("h")
    assert r.execute_command("PFDEBUG", "TODENSE", "h") == 1
    assert r.execute_command("PFDEBUG", "ENCODING", "h") in (b"dense", "dense")
    assert r.pfcount("h") == count and 0 < r.ttl("h") <= 1000
    registers = r.execute_command("PFDEBUG", "GETREG", "h")
    assert len(registers) == 16384 and sum(1 for v in registers if v) <= 100
