"""CLUSTER, READONLY, READWRITE, ASKING on a server that is not a cluster node: Redis Stack's replies with
cluster support disabled, byte for byte."""

from __future__ import annotations

import pytest

from redvector.commands.cluster import _ARITIES
from tests.serverutil import ThreadedServer, assert_same_raw_replies


def _c(*args: str) -> list[bytes]:
    return [a.encode() for a in args]


def _valid_call(sub: str, arity: int) -> list[bytes]:
    """The subcommand with as many arguments as it takes (at least)."""
    return _c("CLUSTER", sub, *["1"] * (abs(arity) - 2))


COMMANDS = [
    _c("CLUSTER"),
    _c("CLUSTER", "FOO"),
    _c("CLUSTER", "help"),
    _c("CLUSTER", "HELP", "x"),
    _c("CLUSTER", "KEYSLOT"),
    _c("CLUSTER", "MYID", "x"),
    _c("CLUSTER", "SETSLOT", "1", "2"),
    *(_valid_call(sub.decode(), arity) for sub, arity in _ARITIES.items()),
    *(_c("CLUSTER", sub.decode(), *["1"] * (abs(arity) - 1)) for sub, arity in _ARITIES.items()),
    _c("READONLY"),
    _c("READONLY", "x"),
    _c("READWRITE"),
    _c("readwrite", "x"),
    _c("ASKING"),
    _c("ASKING", "x"),
]


@pytest.mark.parametrize("protocol", [2, 3])
def test_replies_match_redis_stack(server: ThreadedServer, stack_port: int, protocol: int) -> None:
    assert_same_raw_replies(server.port, stack_port, protocol, COMMANDS)
