"""Random command sequences over a few keys, sent to RedVector and to Redis Stack: every reply byte for
byte the same (RESP2 and RESP3), seeded so a failure replays. The generators mix types on the same keys,
so WRONGTYPE paths, empty-container deletion, negative indexes and odd scores are exercised together.

Two things are left out on purpose: OBJECT ENCODING (Redis's depends on a value's history, e.g. APPEND
makes ``raw``) and the order of multi-member set replies (Redis's follows its encoding's memory layout:
an intset iterates in numeric order, a Python set does not); set replies are compared as sorted members,
and SORT BY nosort only runs on lists here.
"""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest

from tests.serverutil import RawClient, ThreadedServer

Gen = Callable[[random.Random], list[bytes]]

KEYS = [b"k1", b"k2", b"k3"]
MEMBERS = [b"a", b"b", b"c", b"d", b"1", b"2", b"-3", b"4.5", b""]
INTS = [b"-3", b"-2", b"-1", b"0", b"1", b"2", b"3", b"5", b"10", b"100"]
# (strtod reads hexadecimal floats: 0x10 is 16, 0x1p-2 is 0.25; "0x" alone is refused)
SCORES = [b"0", b"1.5", b"-2", b"inf", b"-inf", b"3e2", b"(1", b"(2", b"+inf", b"nan", b"abc", b"0x10", b"(0x1p-2",
          b"0x", b"-0X.8"]


def _gen(*parts: object) -> Gen:
    """A generator from a template: bytes as is, a list a random pick from it."""
    def make(rnd: random.Random) -> list[bytes]:
        return [rnd.choice(p) if isinstance(p, list) else p for p in parts]  # type: ignore[misc]
    return make


K, M, N, F = KEYS, MEMBERS, INTS, SCORES
SIDE = [b"LEFT", b"RIGHT"]
GENERATORS: list[Gen] = [
    _gen(b"SET", K, M), _gen(b"GET", K), _gen(b"APPEND", K, M), _gen(b"INCRBY", K, N), _gen(b"DECR", K),
    _gen(b"GETRANGE", K, N, N), _gen(b"SETRANGE", K, [b"0", b"2", b"5"], M), _gen(b"STRLEN", K),
    _gen(b"GETDEL", K), _gen(b"INCRBYFLOAT", K, F), _gen(b"MSETNX", K, M, K, M), _gen(b"LCS", K, K),
    _gen(b"SETBIT", K, N, [b"0", b"1"]), _gen(b"BITCOUNT", K, N, N), _gen(b"BITPOS", K, [b"0", b"1"], N),
    _gen(b"LPUSH", K, M, M), _gen(b"RPUSH", K, M), _gen(b"LPOP", K), _gen(b"RPOP", K, N),
    _gen(b"LRANGE", K, N, N), _gen(b"LINSERT", K, [b"BEFORE", b"AFTER"], M, M), _gen(b"LREM", K, N, M),
    _gen(b"LTRIM", K, N, N), _gen(b"LSET", K, N, M), _gen(b"LPOS", K, M, b"RANK", N), _gen(b"LINDEX", K, N),
    _gen(b"LMOVE", K, K, SIDE, SIDE), _gen(b"LMPOP", b"2", K, K, SIDE, b"COUNT", [b"1", b"2"]),
    _gen(b"HSET", K, M, M), _gen(b"HDEL", K, M), _gen(b"HGETALL", K), _gen(b"HINCRBY", K, M, N), _gen(b"HKEYS", K),
    _gen(b"HSTRLEN", K, M), _gen(b"HSETNX", K, M, M), _gen(b"HMGET", K, M, M), _gen(b"HINCRBYFLOAT", K, M, F),
    _gen(b"SADD", K, M, M), _gen(b"SREM", K, M), _gen(b"SMEMBERS", K), _gen(b"SINTER", K, K), _gen(b"SCARD", K),
    _gen(b"SUNIONSTORE", K, K, K), _gen(b"SDIFF", K, K), _gen(b"SMOVE", K, K, M), _gen(b"SISMEMBER", K, M),
    _gen(b"SINTERCARD", b"2", K, K, b"LIMIT", [b"0", b"1"]), _gen(b"SMISMEMBER", K, M, M),
    _gen(b"ZADD", K, F, M), _gen(b"ZADD", K, [b"NX", b"XX", b"GT", b"LT", b"CH"], F, M), _gen(b"ZINCRBY", K, F, M),
    _gen(b"ZRANGE", K, N, N, b"WITHSCORES"), _gen(b"ZRANGE", K, F, F, b"BYSCORE", b"LIMIT", N, N),
    _gen(b"ZRANGEBYLEX", K, [b"-", b"[a", b"(b"], [b"+", b"[c", b"(d"]), _gen(b"ZREM", K, M), _gen(b"ZSCORE", K, M),
    _gen(b"ZRANK", K, M, b"WITHSCORE"), _gen(b"ZCOUNT", K, F, F), _gen(b"ZINTER", b"2", K, K, b"WITHSCORES"),
    _gen(b"ZUNIONSTORE", K, b"2", K, K, b"WEIGHTS", N, F, b"AGGREGATE", [b"SUM", b"MIN", b"MAX"]),
    _gen(b"ZPOPMIN", K, N), _gen(b"ZREMRANGEBYSCORE", K, F, F), _gen(b"ZRANGESTORE", K, K, N, N),
    _gen(b"ZMSCORE", K, M, M), _gen(b"ZLEXCOUNT", K, b"-", b"+"), _gen(b"ZMPOP", b"1", K, [b"MIN", b"MAX"]),
    _gen(b"TYPE", K), _gen(b"DEL", K), _gen(b"EXISTS", K, K), _gen(b"RENAME", K, K), _gen(b"RENAMENX", K, K),
    _gen(b"COPY", K, K, b"REPLACE"), _gen(b"SORT", K, b"ALPHA", b"LIMIT", N, N), _gen(b"SORT", K),
    _gen(b"GETEX", K, b"PERSIST"), _gen(b"HRANDFIELD", K, b"0"),
    # transactions: inside MULTI every command but EXEC/DISCARD/MULTI/WATCH/QUIT/RESET is queued (UNWATCH too)
    _gen(b"MULTI"), _gen(b"EXEC"), _gen(b"DISCARD"), _gen(b"WATCH", K), _gen(b"UNWATCH"),
    _gen(b"PFADD", K, M, M), _gen(b"PFCOUNT", K), _gen(b"SORT", K, b"BY", b"nosort", b"GET", b"#"),
    _gen(b"XADD", K, [b"1-1", b"2-0", b"3-5", b"0-1"], b"f", M), _gen(b"XRANGE", K, b"-", b"+", b"COUNT", N),
    _gen(b"XDEL", K, [b"1-1", b"2-0"]), _gen(b"XLEN", K), _gen(b"XTRIM", K, b"MAXLEN", N),
    _gen(b"GEOADD", K, [b"13.36", b"0x1", b"-200"], [b"38.11", b"0x2", b"91"], M), _gen(b"GEODIST", K, M, M),
    _gen(b"EVAL", b"return redis.call('incrbyfloat', KEYS[1], ARGV[1])", b"1", K, F),
]
SET_REPLIES = {b"SMEMBERS", b"SINTER", b"SDIFF", b"SUNION"}


def _run(ours_port: int, ref_port: int, protocol: int, seed: int, steps: int) -> list[str]:
    rnd = random.Random(seed)
    ours, theirs = RawClient(ours_port, protocol), RawClient(ref_port, protocol)
    mismatches: list[str] = []
    try:
        for client in (ours, theirs):
            client.call([b"FLUSHALL"])
        in_multi = False
        for step in range(steps):
            cmd = rnd.choice(GENERATORS)(rnd)
            while in_multi and cmd[0] in SET_REPLIES:  # EXEC's reply would hold it unsorted
                cmd = rnd.choice(GENERATORS)(rnd)
            if cmd[0] in (b"MULTI", b"EXEC", b"DISCARD"):
                in_multi = cmd[0] == b"MULTI"
            mine, ref = ours.call(cmd), theirs.call(cmd)
            if cmd[0] in SET_REPLIES and mine != ref:
                mine, ref = sorted(mine.split(b"\r\n")), sorted(ref.split(b"\r\n"))  # type: ignore[assignment]
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
def test_random_commands_answer_as_redis_stack(server: ThreadedServer, stack_port: int, protocol: int,
                                               seed: int) -> None:
    mismatches = _run(server.port, stack_port, protocol, seed, 3000)
    assert not mismatches, "\n".join(mismatches[:10])
