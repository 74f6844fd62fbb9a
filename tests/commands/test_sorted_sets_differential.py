"""Byte-for-byte RESP2/RESP3 replies of sorted-set and pub/sub commands compared with Debian's
redis-server (7.0), and their COMMAND INFO (arity, flags, key positions).

Skipped when redis-server is not installed. Scores are chosen to print the same in Redis 7.0 (%.17g) and
7.2+ (shortest round trip, which RedVector follows); replies that differ between 7.0 and 7.2 (ZRANK's
WITHSCORE, added in 7.2) and random replies are left out.
"""

from __future__ import annotations

import shlex

import pytest
import redis

from tests.commands.test_datatypes_differential import RawClient, _info, reference_port
from tests.serverutil import ThreadedServer

__all__ = ["reference_port"]  # the fixture, imported for this module's tests

SCRIPT = """
ZADD z 1 a 2 b 3 c 4 d 5 e
ZADD z nx 10 a 6 f
ZADD z xx ch 11 a 7 g
ZADD z gt ch 1 a 20 b
ZADD z lt ch 100 a 0.5 b
ZADD z incr 1.5 c
ZADD z incr gt -1 c
ZADD z incr lt -1 c
ZADD z ch incr 1 nope
ZADD nz xx 1 a
ZADD nz xx incr 1 a
ZADD z 1 a 2
ZADD z nan a
ZADD z 1_0 a
ZADD z inf i
ZINCRBY z -inf i
ZINCRBY z 1 newm
ZINCRBY z x newm
ZSCORE z a
ZSCORE z nope
ZSCORE nz a
ZMSCORE z a b nope
ZMSCORE nz a b
ZCARD z
ZCARD nz
ZRANK z a
ZREVRANK z a
ZRANK z nope
ZRANGE z 0 -1
ZRANGE z 0 -1 withscores
ZRANGE z -3 -1 withscores
ZRANGE z 2 1
ZRANGE z 5 100
ZRANGE z 0 -1 rev withscores
ZRANGE z (1 5 byscore
ZRANGE z (1 (5 byscore withscores
ZRANGE z 5 (1 byscore rev withscores
ZRANGE z -inf +inf byscore limit 1 2
ZRANGE z -inf +inf byscore limit -1 2
ZRANGE z -inf +inf byscore limit 2 -1
ZRANGE z +inf -inf byscore rev limit 1 3 withscores
ZRANGE z 0 -1 limit 1 2
ZRANGE z x 1
ZRANGE z 0 1 foo
ZRANGEBYSCORE z -inf +inf withscores limit 0 3
ZRANGEBYSCORE z (inf +inf
ZRANGEBYSCORE z -inf (-inf
ZRANGEBYSCORE z 1.1 1.1
ZRANGEBYSCORE z a b
ZREVRANGEBYSCORE z +inf -inf limit 0 2 withscores
ZREVRANGEBYSCORE z 5 1 withscores
ZREVRANGE z 0 2 withscores
ZREVRANGE z 0 -1
ZCOUNT z -inf +inf
ZCOUNT z (1 5
ZCOUNT z x 5
ZCOUNT nz 1 2
ZADD l 0 a 0 b 0 c 0 d 0 e 0 f 0 g
ZRANGEBYLEX l - +
ZRANGEBYLEX l [b (e
ZRANGEBYLEX l (b [e limit 1 2
ZREVRANGEBYLEX l + - limit 0 3
ZREVRANGEBYLEX l [e (b
ZRANGE l [a [c bylex
ZRANGE l [c [a bylex rev
ZRANGE l (a + bylex limit 0 2
ZRANGEBYLEX l a b
ZRANGEBYLEX l -a +
ZLEXCOUNT l - +
ZLEXCOUNT l [b [d
ZLEXCOUNT l (b (d
ZREMRANGEBYLEX l [a (c
ZRANGE l 0 -1
ZREMRANGEBYRANK l 0 1
ZREMRANGEBYRANK l -1 -1
ZRANGE l 0 -1
ZREMRANGEBYSCORE z -inf (2
ZREMRANGEBYSCORE z (100 +inf
ZRANGE z 0 -1 withscores
ZREMRANGEBYSCORE z a b
ZREMRANGEBYRANK z 10 20
ZREM z a b nope
ZREM nz a
ZRANGESTORE d z 0 -1
ZRANGE d 0 -1 withscores
ZRANGESTORE d z (3 +inf byscore limit 0 2
ZRANGE d 0 -1 withscores
ZRANGESTORE d nz 0 -1
EXISTS d
ZRANGESTORE d z 0 -1 withscores
ZPOPMIN z
ZPOPMAX z
ZPOPMIN z 2
ZPOPMAX z 2
ZPOPMIN z -1
ZPOPMIN z 1 2
ZPOPMIN z x
ZMPOP 1 z min
ZMPOP 2 nz z max count 10
ZMPOP 1 z min count 0
ZMPOP 0 z min
ZMPOP 2 z min
ZMPOP 1 nope max
ZADD s1 1 a 2 b 3 c
ZADD s2 10 b 20 c 30 d
SET str x
ZUNION 2 s1 s2 withscores
ZUNION 2 s1 s2 weights 2 0.5 withscores
ZUNION 2 s1 s2 aggregate min withscores
ZUNION 2 s1 s2 aggregate max withscores
ZINTER 2 s1 s2 withscores
ZINTER 2 s1 s2 aggregate max
ZINTER 2 s1 s2 weights 1 x
ZDIFF 2 s1 s2 withscores
ZDIFF 2 s2 s1
ZUNION 2 s1 str
ZUNION 1 s1 withscores foo
ZUNIONSTORE out 2 s1 s2 weights 1 2
ZRANGE out 0 -1 withscores
ZINTERSTORE out 2 s1 s2 aggregate min
ZRANGE out 0 -1 withscores
ZDIFFSTORE out 2 s1 s1
EXISTS out
ZUNIONSTORE out 2 s1 s2 withscores
ZINTERCARD 2 s1 s2
ZINTERCARD 2 s1 s2 limit 1
ZINTERCARD 2 s1 s2 limit -1
ZINTERCARD 0 s1
ZINTERCARD 2 s1 s2 weights 1 1
ZUNION 3 s1 s2
ZADD inf 1 a
ZUNIONSTORE o2 2 s1 s1 weights inf -inf
ZRANGE o2 0 -1 withscores
ZSCAN nope 0
ZSCAN s1 0 match a*
ZSCAN s1 x
ZSCAN s1 0 count 0
ZADD str 1 a
ZRANGE str 0 1
ZSCORE str a
ZINCRBY s1 inf a
ZINCRBY s1 -inf a
ZADD big 1 a
ZADD big incr 1 a 2 b
ZADD big xx nx 1 a
ZADD big gt lt 1 a
ZADD z 1.5 x 1e20 y -inf n +inf p
ZRANGE z 0 -1 WITHSCORES
PUBSUB NUMSUB a b
PUBSUB NUMPAT
PUBSUB CHANNELS
PUBSUB SHARDNUMSUB s
PUBLISH nobody hello
SPUBLISH nobody hello
PUBSUB HELP
PUBSUB NOPE
"""


@pytest.mark.parametrize("proto", [2, 3])
def test_replies_match_redis(server: ThreadedServer, reference_port: int, proto: int) -> None:
    theirs, ours = RawClient(reference_port, proto), RawClient(server.port, proto)
    try:
        for client in (theirs, ours):
            client.call([b"FLUSHALL"])
        for line in SCRIPT.strip().splitlines():
            args = [a.encode() for a in shlex.split(line)]
            assert ours.call(args) == theirs.call(args), line
    finally:
        theirs.close()
        ours.close()


def test_subscribe_frames_match_redis(server: ThreadedServer, reference_port: int) -> None:
    for proto in (2, 3):
        theirs, ours = RawClient(reference_port, proto), RawClient(server.port, proto)
        try:
            # Inside EXEC, a SUBSCRIBE of two channels writes both frames in its one slot (Redis's quirk).
            for args in ([b"MULTI"], [b"SUBSCRIBE", b"a", b"b"], [b"EXEC"], [b"UNSUBSCRIBE", b"a", b"b"],
                         [b"SUBSCRIBE", b"a"], [b"PSUBSCRIBE", b"p*"], [b"SSUBSCRIBE", b"s"],
                         [b"PUNSUBSCRIBE", b"p*"], [b"SUNSUBSCRIBE"], [b"UNSUBSCRIBE", b"a"], [b"UNSUBSCRIBE"]):
                assert ours.call(args) == theirs.call(args), (proto, args)
        finally:
            theirs.close()
            ours.close()


COMPARED_FLAGS = {"write", "readonly", "denyoom", "fast", "blocking", "pubsub", "noscript", "loading", "stale"}
NAMES = ["ZADD", "ZINCRBY", "ZREM", "ZCARD", "ZCOUNT", "ZSCORE", "ZMSCORE", "ZRANGE", "ZRANGEBYSCORE",
         "ZREVRANGEBYSCORE", "ZRANGEBYLEX", "ZREVRANGEBYLEX", "ZREVRANGE", "ZLEXCOUNT", "ZRANGESTORE", "ZPOPMIN",
         "ZPOPMAX", "BZPOPMIN", "BZPOPMAX", "ZMPOP", "BZMPOP", "ZUNION", "ZINTER", "ZDIFF", "ZUNIONSTORE",
         "ZINTERSTORE", "ZDIFFSTORE", "ZINTERCARD", "ZREMRANGEBYSCORE", "ZREMRANGEBYRANK", "ZREMRANGEBYLEX",
         "ZRANDMEMBER", "ZSCAN", "SUBSCRIBE", "UNSUBSCRIBE", "PSUBSCRIBE", "PUNSUBSCRIBE", "PUBLISH", "PUBSUB",
         "SSUBSCRIBE", "SUNSUBSCRIBE", "SPUBLISH"]
MOVABLE = {"ZMPOP", "BZMPOP", "ZUNION", "ZINTER", "ZDIFF", "ZINTERCARD"}


def _flags(info: dict[str, object]) -> set[str]:
    flags = info["flags"]
    assert isinstance(flags, list)
    return {f.decode() if isinstance(f, bytes) else str(f) for f in flags} & COMPARED_FLAGS


def test_command_table_matches_redis(server: ThreadedServer, reference_port: int) -> None:
    theirs = redis.Redis(port=reference_port)
    ours = redis.Redis(port=server.port)
    try:
        for name in NAMES:
            a, b = _info(theirs, name), _info(ours, name)
            assert a["arity"] == b["arity"], (name, "arity")
            assert _flags(a) == _flags(b), name
            if name not in MOVABLE:
                for field in ("first_key_pos", "last_key_pos", "step_count"):
                    assert a[field] == b[field], (name, field)
    finally:
        theirs.close()
        ours.close()
