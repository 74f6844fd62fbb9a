"""Random JSON.* command sequences over two keys, sent to RedVector and to Redis Stack (RedisJSON 2.8): every
reply byte for byte the same in RESP2 and RESP3, and both documents the same after every command (a write
that answers alike but stores differently shows up at once). Seeded, so a failure replays; skipped when
Redis Stack cannot start. The generators mix legacy and JSONPath paths (recursive descent, filters, slices),
invalid values and numbers, missing keys and a key of another type, so the order of RedisJSON's checks is
exercised too. JSON.GET with several paths is left out: RedisJSON builds that reply in a hash map of random
seed (tests/json/test_json_get_paths.py)."""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest

from tests.serverutil import RawClient, ThreadedServer, assert_same_raw_replies

KEYS = [b"j1", b"j2"]
PATHS = [b"$", b".", b"$.a", b".a", b"$.a[0]", b"$..a", b"$.b", b".b.c", b"$.b.c", b"$[*]", b"$.a[-1]", b"$.a[1:3]",
         b"$..*", b"$.b.*", b"$.x", b".x", b"$.a[?(@>1)]", b"$.b[?(@.c==2)]", b"a", b"$.a[5]"]
VALUES = [b"1", b"-2.5", b'"s"', b"true", b"null", b"[1,2,3]", b'{"c":2}', b'{"a":[1,"x",{"a":3}],"b":{"c":1}}', b"[]",
          b"{}", b"1e400", b"bad", b'""', b"[[1],[2,3]]", b"12345678901234567890"]
Gen = Callable[[random.Random], list[bytes]]


def _k(r: random.Random) -> bytes:
    return r.choice(KEYS)


def _p(r: random.Random) -> bytes:
    return r.choice(PATHS)


def _v(r: random.Random) -> bytes:
    return r.choice(VALUES)


GENERATORS: list[Gen] = [
    lambda r: [b"JSON.SET", _k(r), _p(r), _v(r), *r.choice([[], [b"NX"], [b"XX"]])],
    lambda r: [b"JSON.SET", _k(r), b"$", r.choice(VALUES[5:8])],
    lambda r: [b"JSON.GET", _k(r), _p(r)], lambda r: [b"JSON.DEL", _k(r), _p(r)], lambda r: [b"JSON.FORGET", _k(r), _p(r)],
    lambda r: [b"JSON.TYPE", _k(r), _p(r)], lambda r: [b"JSON.STRLEN", _k(r), _p(r)],
    lambda r: [b"JSON.STRAPPEND", _k(r), _p(r), b'"zz"'],
    lambda r: [b"JSON.NUMINCRBY", _k(r), _p(r), r.choice([b"1", b"-1.5", b"1e308", b"x", b'"1"'])],
    lambda r: [b"JSON.NUMMULTBY", _k(r), _p(r), r.choice([b"2", b"0.5"])],
    lambda r: [b"JSON.ARRAPPEND", _k(r), _p(r), _v(r), _v(r)],
    lambda r: [b"JSON.ARRINSERT", _k(r), _p(r), r.choice([b"0", b"-1", b"9", b"-9", b"x"]), _v(r)],
    lambda r: [b"JSON.ARRPOP", _k(r), *r.choice([[], [_p(r)], [_p(r), r.choice([b"0", b"-1", b"7"])]])],
    lambda r: [b"JSON.ARRTRIM", _k(r), _p(r), r.choice([b"0", b"1", b"-1"]), r.choice([b"0", b"2", b"-1", b"10"])],
    lambda r: [b"JSON.ARRINDEX", _k(r), _p(r), _v(r), *r.choice([[], [b"1"], [b"0", b"-1"]])],
    lambda r: [b"JSON.ARRLEN", _k(r), _p(r)], lambda r: [b"JSON.OBJKEYS", _k(r), _p(r)],
    lambda r: [b"JSON.OBJLEN", _k(r), _p(r)], lambda r: [b"JSON.TOGGLE", _k(r), _p(r)],
    lambda r: [b"JSON.CLEAR", _k(r), _p(r)], lambda r: [b"JSON.MERGE", _k(r), _p(r), _v(r)],
    # (two keys: RedisJSON 2.8 crashes on some MSETs that write twice into one document, see below)
    lambda r: [b"JSON.MGET", b"j1", b"j2", _p(r)], lambda r: [b"JSON.MSET", b"j1", _p(r), _v(r), b"j2", _p(r), _v(r)],
    lambda r: [b"JSON.RESP", _k(r), _p(r)], lambda r: [b"DEL", _k(r)], lambda r: [b"SET", _k(r), b"str"],
]


def _run(ours_port: int, ref_port: int, protocol: int, seed: int, steps: int) -> list[str]:
    rnd = random.Random(seed)
    ours, theirs = RawClient(ours_port, protocol), RawClient(ref_port, protocol)
    mismatches: list[str] = []
    try:
        for client in (ours, theirs):
            client.call([b"FLUSHALL"])
        for step in range(steps):
            cmd = rnd.choice(GENERATORS)(rnd)
            mine, ref = ours.call(cmd), theirs.call(cmd)
            if mine == ref:
                mine = b"".join(ours.call([b"JSON.GET", key]) for key in KEYS)
                ref = b"".join(theirs.call([b"JSON.GET", key]) for key in KEYS)
                cmd = [b"(documents after)", *cmd]
            if mine != ref:
                mismatches.append(f"seed {seed} step {step}: {cmd!r}: ours {mine!r} != Redis {ref!r}")
                for client in (ours, theirs):  # start again from the same (empty) state
                    client.call([b"FLUSHALL"])
    finally:
        ours.close()
        theirs.close()
    return mismatches


@pytest.mark.parametrize("protocol", [2, 3])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_json_commands_answer_as_redis_stack(server: ThreadedServer, stack_port: int, protocol: int,
                                                    seed: int) -> None:
    mismatches = _run(server.port, stack_port, protocol, seed, 600)
    assert not mismatches, "\n".join(mismatches[:10])


def test_mset_twice_into_one_document_as_redis_stack(server: ThreadedServer, stack_port: int) -> None:
    """RedisJSON finds every triple's matches before it writes any, then writes each where its match is
    in the document as it has become (a match that is gone is skipped). Only cases Redis Stack survives:
    it crashes when a later triple's matches were inside what an earlier one replaced by an array."""
    setup = [[b"FLUSHALL"], [b"JSON.SET", b"j", b"$", b'{"b":{"c":1},"a":[1,2]}'],
             [b"JSON.SET", b"k", b"$", b'{"b":{"c":1}}'], [b"JSON.SET", b"m", b"$", b'{"a":[1,{"x":2}],"n":3}']]
    commands = [[b"JSON.MSET", b"j", b"$.x", b'"s"', b"j", b"$..*", b'{"q":1}'], [b"JSON.GET", b"j"],
                [b"JSON.MSET", b"k", b"$.b", b'{"c":5}', b"k", b"$.b.c", b"7"], [b"JSON.GET", b"k"],
                [b"JSON.MSET", b"m", b"$..x", b"9", b"m", b"$.a[*]", b'"e"', b"m", b"$.n", b"[]"], [b"JSON.GET", b"m"]]
    for protocol in (2, 3):
        assert_same_raw_replies(server.port, stack_port, protocol, commands, setup)
