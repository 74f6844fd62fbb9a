"""COMMAND INFO / DOCS / GETKEYS on container subcommands (``config|get``), and a container's entry with
its subcommands, against Redis Stack 7.4. RedVector keeps no command tips, key-spec maps or DOCS
complexity/arguments yet, so the structured checks compare the rest; the byte-for-byte ones use
subcommands that have none of those."""

from __future__ import annotations

from typing import Any

import pytest
import redis

from tests.serverutil import ThreadedServer, assert_same_raw_replies

REPRESENTATIVE = ["config|get", "client|list", "object|encoding", "xinfo|stream", "function|load", "acl|setuser",
                  "memory|usage", "script|load", "xgroup|create", "pubsub|help", "command|docs", "cluster|slots"]
CONTAINERS = ["config", "client", "object", "xinfo", "xgroup", "function", "acl", "memory", "script", "command",
              "cluster", "latency", "slowlog", "module", "pubsub"]
LACKING = {"script|debug"}  # subcommands RedVector does not implement


def _c(*args: str) -> list[bytes]:
    return [a.encode() for a in args]


def _raw(port: int, *args: str) -> Any:
    """A reply as RESP2 sends it (redis-py would parse any COMMAND reply as COMMAND's)."""
    conn = redis.Connection(port=port, decode_responses=True)
    try:
        conn.send_command(*args)
        return conn.read_response()
    finally:
        conn.disconnect()


def _entry(info: list[Any]) -> tuple[Any, ...]:
    """name, arity, flags, first/last/step, ACL categories (in order), and the subcommands' entries (any
    order: Redis walks a hash table with a per-process seed), less those RedVector lacks."""
    subs = frozenset(_entry(sub) for sub in info[9] if sub[0] not in LACKING)
    return (info[0], info[1], tuple(info[2]), info[3], info[4], info[5], tuple(info[6]), subs)


@pytest.mark.parametrize("name", REPRESENTATIVE + CONTAINERS)
def test_info_entry_is_redis_stacks(server: ThreadedServer, stack_port: int, name: str) -> None:
    ours = _raw(server.port, "COMMAND", "INFO", name)
    theirs = _raw(stack_port, "COMMAND", "INFO", name)
    assert ours[0] is not None
    assert _entry(ours[0]) == _entry(theirs[0])


def test_every_subcommand_entry_is_redis_stacks(server: ThreadedServer, stack_port: int) -> None:
    names = [n for n in _raw(server.port, "COMMAND", "LIST") if "|" in n]
    assert len(names) > 100
    ours = _raw(server.port, "COMMAND", "INFO", *names)
    theirs = _raw(stack_port, "COMMAND", "INFO", *names)
    assert [_entry(e) for e in ours] == [_entry(e) for e in theirs]


def _as_dict(reply: Any) -> dict[str, Any]:
    """A map reply (redis-py gives COMMAND DOCS's as a dict, or as a flat list)."""
    return reply if isinstance(reply, dict) else dict(zip(reply[::2], reply[1::2], strict=True))


def _docs(port: int, *names: str) -> dict[str, tuple[str, str, str]]:
    docs = {name: _as_dict(doc) for name, doc in _as_dict(_raw(port, "COMMAND", "DOCS", *names)).items()}
    return {name: (doc["summary"], doc["since"], doc["group"]) for name, doc in docs.items()}


def test_docs_of_subcommands_are_redis_stacks(server: ThreadedServer, stack_port: int) -> None:
    ours = _docs(server.port, *REPRESENTATIVE, "nosuch|x", "config|nosuch")
    assert set(ours) == set(REPRESENTATIVE)
    assert ours == _docs(stack_port, *REPRESENTATIVE)


def test_container_docs_list_their_subcommands(server: ThreadedServer, stack_port: int) -> None:
    def subcommands(port: int) -> set[str]:
        doc = _as_dict(_as_dict(_raw(port, "COMMAND", "DOCS", "config"))["config"])
        return set(_as_dict(doc["subcommands"]))

    assert subcommands(server.port) == subcommands(stack_port) == {
        "config|get", "config|set", "config|resetstat", "config|rewrite", "config|help"}


COMMANDS = [
    _c("COMMAND", "INFO", "config|get", "CONFIG|GET", "Config|Get", "config|get|x", "config|", "|get"),
    _c("COMMAND", "INFO", "get|x", "nosuch|get", "acl|whoami", "memory|help"),
    _c("COMMAND", "DOCS", "get|x", "config|", "|get"),
    _c("COMMAND", "GETKEYS", "object", "encoding", "k"),
    _c("COMMAND", "GETKEYS", "OBJECT", "FREQ", "k"),
    _c("COMMAND", "GETKEYS", "object", "encoding"),
    _c("COMMAND", "GETKEYS", "object", "encoding", "k", "extra"),
    _c("COMMAND", "GETKEYS", "object", "nosuch", "k"),
    _c("COMMAND", "GETKEYS", "object|encoding", "k"),
    _c("COMMAND", "GETKEYS", "object"),
    _c("COMMAND", "GETKEYS", "config"),
    _c("COMMAND", "GETKEYS", "config", "get", "x"),
    _c("COMMAND", "GETKEYS", "memory", "usage", "k", "SAMPLES", "5"),
    _c("COMMAND", "GETKEYS", "xinfo", "stream", "s", "FULL"),
    _c("COMMAND", "GETKEYS", "xgroup", "create", "s", "g", "$", "MKSTREAM"),
    _c("COMMAND", "GETKEYS", "xgroup", "help"),
    _c("COMMAND", "GETKEYS", "ping"),
    _c("COMMAND", "GETKEYS", "get"),
    _c("COMMAND", "GETKEYSANDFLAGS", "config", "get", "x"),
]


@pytest.mark.parametrize("protocol", [2, 3])
def test_raw_replies_match_redis_stack(server: ThreadedServer, stack_port: int, protocol: int) -> None:
    assert_same_raw_replies(server.port, stack_port, protocol, COMMANDS)


def test_count_is_top_level_only(server: ThreadedServer) -> None:
    names = _raw(server.port, "COMMAND", "LIST")
    assert _raw(server.port, "COMMAND", "COUNT") == len([n for n in names if "|" not in n])
    assert len(_raw(server.port, "COMMAND")) == _raw(server.port, "COMMAND", "COUNT")


# Documented by Redis in another group than the one whose ACL categories RedVector gives them.
GROUP_DIFFERS = {"swapdb", "monitor", "slowlog", "readonly", "readwrite", "asking", "wait", "waitaof"}


def test_docs_of_every_command_are_redis_stacks(server: ThreadedServer, stack_port: int) -> None:
    """summary, since and group of every core command; RedVector has no complexity/history/arguments."""
    names = [n for n in _raw(server.port, "COMMAND", "LIST") if "|" not in n and not n.startswith(("FT.", "json."))]
    assert len(names) > 200
    ours, theirs = _docs(server.port, *names), _docs(stack_port, *names)
    for name in GROUP_DIFFERS:
        ours[name], theirs[name] = ours[name][:2], theirs[name][:2]
    assert {n: d for n, d in ours.items() if d != theirs[n]} == {}


@pytest.mark.parametrize("protocol", [2, 3])
def test_module_docs_match_redis_stack(server: ThreadedServer, stack_port: int, protocol: int) -> None:
    """RediSearch and RedisJSON register no docs: group and module only."""
    assert_same_raw_replies(server.port, stack_port, protocol,
                            [_c("COMMAND", "DOCS", "FT.SEARCH", "ft.create", "json.get", "JSON.SET", "FT._LIST")])
