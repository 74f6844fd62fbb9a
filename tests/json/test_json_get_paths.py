"""JSON.GET with several paths against Redis Stack 7.4.1 (RedisJSON 2.8): which members the reply object
has (a repeated path once, legacy and ``$`` paths mixed, missing and unparsable paths), compared member
for member, duplicates counted. RedisJSON builds the object in a Rust HashMap with a random seed, so its
member order changes from one reply to the next (checked below); RedVector answers in request order."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest
import redis

from tests.serverutil import ThreadedServer, assert_same_raw_replies

DOCS = {
    "d": '{"a":1,"b":{"a":2,"c":3},"c":[1,2],"d":"x","e":null,"f":true,"g":{"h":{"i":1}}}',
    "arr": '[1,{"a":5},[2,3]]',
    "s": '"str"',
    "e": '{"i":1,"f":1.5,"s":"x\\"y","t":true,"n":null,"a":[1,{"b":2}],"o":{"x":[1]},"big":12345678901234567890,'
         '"neg":-12345678901234567890,"e":1e30,"m":-0.0}',
}
SETUP = [[b"FLUSHALL"], *[[b"JSON.SET", k.encode(), b"$", v.encode()] for k, v in DOCS.items()]]

PATHS = [
    (".a", ".a"), (".a", "a", "$.a"), ("$.a", "$.a"), (".a", "$.a"), ("$.a", ".a"), ("a", ".a"),
    ("$.a", "$.b", "$.a"), (".a", ".b", ".a", ".b"), (".", "."), ("$", "$"), (".", "$"),
    (".nosuch", ".a"), (".a", ".nosuch"), ("$.nosuch", "$.a"), (".a", "$.nosuch"), ("$.nosuch", "$.nosuch"),
    ("$..a", ".b.a"), ("$..a", "$..a"), ("..a", ".a"), ("$.c[*]", ".c[0]"), ("$.c[5]", ".c[1]"), (".c[5]", ".a"),
    ("[0]", "$[1].a"), ("$.g.h", ".g.h.i", "g"), ("$.e", ".e"), (".d", "d", "['d']", '$["d"]'),
    # a path that does not parse is left out of a multi-path reply (alone, it is an error)
    ("$.a", "bad["), ("bad[", "$.a"), (".a", "bad["), ("bad[", ".a"), ("bad[", "$.nosuch"), ("bad[", "bad["),
    ("$bad[", ".nosuch"), (".nosuch", "bad["), (".a", ".nosuch", "bad["), ("bad[",), ("$.a[",),
]


def _call(port: int, protocol: int, *args: str) -> Any:
    client = redis.Redis(port=port, protocol=protocol)
    try:
        client.execute_command(*SETUP[0])
        for cmd in SETUP[1:]:
            client.execute_command(*cmd)
        return client.execute_command(*args)
    except redis.ResponseError as exc:
        return ("error", str(exc))
    finally:
        client.close()


def _members(reply: Any) -> Any:
    """An object reply as its members, counted (a member sent twice counts twice); anything else as is."""
    if isinstance(reply, bytes) and reply.startswith(b"{"):
        pairs = json.loads(reply, object_pairs_hook=lambda items: items)
        return Counter((key, json.dumps(value, sort_keys=True)) for key, value in pairs)
    return reply


@pytest.mark.parametrize("protocol", [2, 3])
@pytest.mark.parametrize("key", ["d", "arr", "s", "nokey"])
def test_members_are_redis_stacks(server: ThreadedServer, stack_port: int, key: str, protocol: int) -> None:
    mismatches = []
    for paths in PATHS:
        ours = _members(_call(server.port, protocol, "JSON.GET", key, *paths))
        theirs = _members(_call(stack_port, protocol, "JSON.GET", key, *paths))
        if ours != theirs:
            mismatches.append(f"{paths}: ours {ours!r} != redis-stack {theirs!r}")
    assert not mismatches, "\n".join(mismatches)


def test_ours_follow_the_request(server: ThreadedServer) -> None:
    paths = ("$.g", "$.a", "$.e", "$.b", "$.a")
    reply = _call(server.port, 2, "JSON.GET", "d", *paths)
    assert [k for k, _ in json.loads(reply, object_pairs_hook=lambda items: items)] == ["$.g", "$.a", "$.e", "$.b"]


def test_redis_stack_member_order_is_not_stable(stack_port: int) -> None:
    """Why no order is compared: the same command gives Redis Stack's members in several orders."""
    paths = (".a", ".b", ".c", ".d", ".e", ".f", ".g")
    orders = {tuple(json.loads(_call(stack_port, 2, "JSON.GET", "d", *paths))) for _ in range(20)}
    assert len(orders) > 1


FORMATTED = [
    # one member each (so no order to differ), or arrays in request order
    [b"JSON.GET", b"d", b"INDENT", b"  ", b".a", b"bad["],
    [b"JSON.GET", b"d", b"INDENT", b"\t", b"NEWLINE", b"\n", b"$.a", b"$.a"],
    [b"JSON.GET", b"d", b"$.a", b"bad[", b"bad["],
    [b"JSON.GET", b"d", b"bad[", b"bad["],
    [b"JSON.GET", b"nokey", b"bad[", b"bad["],
    [b"JSON.GET", b"d", b"FORMAT", b"STRING", b"$.a", b"bad["],
]
FORMATTED_RESP3 = [
    [b"JSON.GET", b"d", b"FORMAT", b"EXPAND", b"$.a", b"$.c", b"$.a"],  # a map of 2+ members: hash order
    [b"JSON.GET", b"d", b"FORMAT", b"EXPAND1", b"$.a", b"bad["],
    [b"JSON.GET", b"d", b"FORMAT", b"EXPAND", b"bad["],
    [b"JSON.GET", b"d", b"FORMAT", b"EXPAND", b".a", b".nosuch"],
    [b"JSON.GET", b"d", b"FORMAT", b"EXPAND1", b"$..a", b"bad[", b".c"],
    # EXPAND1: numbers, booleans and null as RESP3 values, the rest as JSON text; a u64 as a double
    [b"JSON.GET", b"e", b"FORMAT", b"EXPAND1", b"$.*"],
    [b"JSON.GET", b"e", b"FORMAT", b"EXPAND1", b"$..*", b"$.s"],
    [b"JSON.GET", b"e", b"FORMAT", b"EXPAND", b"$..*", b".big"],
]


@pytest.mark.parametrize("protocol", [2, 3])
def test_raw_replies_match_redis_stack(server: ThreadedServer, stack_port: int, protocol: int) -> None:
    commands = FORMATTED + (FORMATTED_RESP3 if protocol == 3 else [])
    assert_same_raw_replies(server.port, stack_port, protocol, commands, SETUP)
