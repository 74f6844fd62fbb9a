"""COMMAND LIST (container subcommands as ``acl|cat``, RediSearch's commands upper case, FILTERBY),
COMMAND COUNT, HELP and the subcommand checks, against Redis Stack."""

from __future__ import annotations

import pytest
import redis

from tests.serverutil import RawClient, ThreadedServer, assert_same_raw_replies


def _c(*args: str) -> list[bytes]:
    return [a.encode() for a in args]


COMMANDS = [
    _c("COMMAND", "HELP"),
    _c("COMMAND", "HELP", "x"),
    _c("COMMAND", "FOO"),
    _c("COMMAND", "COUNT", "x"),
    _c("COMMAND", "GETKEYS"),
    _c("COMMAND", "GETKEYS", "GET"),
    _c("COMMAND", "LIST", "x"),
    _c("COMMAND", "LIST", "FILTERBY"),
    _c("COMMAND", "LIST", "FILTERBY", "PATTERN"),
    _c("COMMAND", "LIST", "FILTERBY", "PATTERN", "a", "extra"),
    _c("COMMAND", "LIST", "FILTERBY", "FOO", "x"),
    _c("COMMAND", "LIST", "FILTERBY", "PATTERN", "a*", "FILTERBY", "PATTERN", "b*"),
    _c("COMMAND", "LIST", "filterby", "pattern", "CLIENT|K*"),
    _c("COMMAND", "LIST", "FILTERBY", "PATTERN", "ft.sea*"),
    _c("COMMAND", "LIST", "FILTERBY", "PATTERN", "FT.SEARC?"),
    _c("COMMAND", "LIST", "FILTERBY", "PATTERN", "json.ge?"),
    _c("COMMAND", "LIST", "FILTERBY", "PATTERN", "nosuch*"),
    _c("COMMAND", "LIST", "FILTERBY", "MODULE", "nosuch"),
    _c("COMMAND", "LIST", "FILTERBY", "ACLCAT", "nosuch"),
    _c("COMMAND", "LIST", "FILTERBY", "ACLCAT", "@hyperloglog"),
    _c("COMMAND", "LIST", "FILTERBY", "ACLCAT", "search"),
    _c("COMMAND", "DOCS", "nosuch"),
    _c("COMMAND", "INFO", "nosuch", "client|nosuch|x", "|"),
]


@pytest.mark.parametrize("protocol", [2, 3])
def test_replies_match_redis_stack(server: ThreadedServer, stack_port: int, protocol: int) -> None:
    assert_same_raw_replies(server.port, stack_port, protocol, COMMANDS)


def _list(port: int, *args: str) -> list[str]:
    """COMMAND LIST's reply as sent (redis-py would parse any COMMAND reply as COMMAND's)."""
    conn = redis.Connection(port=port, decode_responses=True)
    try:
        conn.send_command("COMMAND", "LIST", *args)
        return list(conn.read_response())
    finally:
        conn.disconnect()


def _names(port: int, *args: str) -> set[str]:
    return set(_list(port, *args))


@pytest.mark.parametrize("args", [
    (), ("FILTERBY", "PATTERN", "acl*"), ("FILTERBY", "PATTERN", "*|*l"), ("FILTERBY", "ACLCAT", "HyperLogLog"),
    ("FILTERBY", "MODULE", "search"), ("FILTERBY", "MODULE", "REJSON"),
])
def test_lists_are_redis_stacks(server: ThreadedServer, stack_port: int, args: tuple[str, ...]) -> None:
    """The same names as Redis Stack's (in another order: Redis walks a hash table), less the commands
    RedVector lacks: FT.DEBUG, SCRIPT DEBUG."""
    ours, theirs = _names(server.port, *args), _names(stack_port, *args)
    assert ours <= theirs, ours - theirs
    lacking = {"script|debug"}
    assert {n for n in theirs - ours if not n.startswith("FT.DEBUG")} <= lacking


def test_count_is_top_level_commands(server: ThreadedServer) -> None:
    names = _list(server.port)
    assert {"acl|cat", "client|list", "config|get", "FT.SEARCH", "json.get"} <= set(names)
    assert len(names) == len(set(names))
    r = redis.Redis(port=server.port)
    try:
        assert r.command_count() == len([n for n in names if "|" not in n])
    finally:
        r.close()
    assert all(n.startswith("FT.") for n in _list(server.port, "FILTERBY", "MODULE", "search"))


def test_module_commands_keep_their_case_in_info_and_docs(server: ThreadedServer) -> None:
    client = RawClient(server.port, 2)
    try:
        info = client.call([b"COMMAND", b"INFO", b"ft.search", b"JSON.GET", b"get"])
        assert b"$9\r\nFT.SEARCH\r\n" in info and b"$8\r\njson.get\r\n" in info and b"$3\r\nget\r\n" in info
        docs = client.call([b"COMMAND", b"DOCS", b"ft.search"])
        assert docs.startswith(b"*2\r\n$9\r\nFT.SEARCH\r\n") and b"$5\r\ngroup\r\n$6\r\nmodule\r\n" in docs
    finally:
        client.close()


def test_cluster_connection_commands_are_in_connection_category(server: ThreadedServer, stack_port: int) -> None:
    wanted = {"readonly", "readwrite", "asking", "cluster"}
    ours = _names(server.port, "FILTERBY", "ACLCAT", "connection") & wanted
    assert ours == _names(stack_port, "FILTERBY", "ACLCAT", "connection") & wanted == wanted - {"cluster"}
