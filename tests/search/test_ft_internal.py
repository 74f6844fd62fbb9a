"""RediSearch's internal FT._*IFNX / FT._*IFX commands, FT.SAFEADD and the retired FT.SYNADD: Redis
Stack's replies byte for byte."""

from __future__ import annotations

import pytest

from tests.serverutil import ThreadedServer, assert_same_raw_replies


def _c(*args: str) -> list[bytes]:
    return [a.encode() for a in args]


COMMANDS = [
    _c("FT._CREATEIFNX", "idx", "SCHEMA", "t", "TEXT"),
    _c("FT._CREATEIFNX", "idx", "SCHEMA", "bad", "BAD"),
    _c("FT._CREATEIFNX", "idx2", "SCHEMA", "bad", "BAD"),
    _c("FT._CREATEIFNX", "idx2"),
    _c("FT._CREATEIFNX", "idx", "SCHEMA", "t"),
    _c("FT._ALTERIFNX", "nosuch", "SCHEMA", "ADD", "u", "TEXT"),
    _c("FT._ALTERIFNX", "idx", "SCHEMA", "ADD", "t", "NUMERIC"),
    _c("FT._ALTERIFNX", "idx", "SCHEMA", "ADD", "u", "NUMERIC"),
    _c("FT._ALTERIFNX", "idx", "SCHEMA", "ADD", "u", "TEXT"),
    _c("FT._ALTERIFNX", "idx", "SKIPINITIALSCAN", "SCHEMA", "ADD", "t", "TEXT"),
    _c("FT._ALTERIFNX", "idx", "SCHEMA", "ADD"),
    _c("FT._ALTERIFNX", "idx"),
    _c("FT.CREATE", "other", "SCHEMA", "x", "TEXT"),
    _c("FT._ALIASADDIFNX", "al", "idx"),
    _c("FT._ALIASADDIFNX", "al", "idx"),
    _c("FT._ALIASADDIFNX", "al", "other"),
    _c("FT._ALIASADDIFNX", "al2", "nosuch"),
    _c("FT._ALIASADDIFNX", "al"),
    _c("FT._ALIASDELIFX", "nosuch"),
    _c("FT._ALIASDELIFX", "al"),
    _c("FT._ALIASDELIFX", "al"),
    _c("FT._ALIASDELIFX"),
    _c("HSET", "d1", "x", "hello"),
    _c("FT._DROPINDEXIFX", "nosuch"),
    _c("FT._DROPINDEXIFX", "nosuch", "DD"),
    _c("FT._DROPINDEXIFX", "other", "DD"),
    _c("EXISTS", "d1"),
    _c("FT._DROPINDEXIFX"),
    _c("FT._DROPIFX", "nosuch"),
    _c("FT._DROPIFX", "idx", "KEEPDOCS"),
    _c("FT._DROPIFX"),
    _c("FT._LIST"),
    _c("FT.SAFEADD", "idx", "doc", "1.0", "FIELDS", "f", "v"),
    _c("FT.SAFEADD", "idx", "doc"),
    _c("FT.SYNADD"),
    _c("FT.SYNADD", "idx", "a", "b"),
]


@pytest.mark.parametrize("protocol", [2, 3])
def test_replies_match_redis_stack(server: ThreadedServer, stack_port: int, protocol: int) -> None:
    assert_same_raw_replies(server.port, stack_port, protocol, COMMANDS)
