"""Byte-for-byte RESP2/RESP3 replies of list, hash and set commands compared with Debian's redis-server.

Skipped when redis-server is not installed. Only commands with deterministic replies are listed (no
random picks, no multi-member sets whose order is an implementation detail).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import redis

from tests.serverutil import RawClient, ThreadedServer, reference_redis

SCRIPT = """
RPUSH l a b c d e
LPUSH l z
LRANGE l 0 -1
LRANGE l -100 100
LRANGE l 4 2
LPOP l 2
RPOP l 0
RPOP nolist 2
LPOP nolist
LPOP l -1
LPOP l 1 2
LINDEX l -1
LINDEX l 99
LSET l 99 x
LSET nolist 0 x
LINSERT l BEFORE c c0
LINSERT l SIDEWAYS c c0
LINSERT l AFTER zz x
LREM l 0 c0
LPOS l d
LPOS l d COUNT 0
LPOS l zz COUNT 0
LPOS l d RANK 0
LPOS l d RANK -1 MAXLEN 1
LPOS nolist a
LMOVE l l2 LEFT RIGHT
LMOVE l l2 UP RIGHT
RPOPLPUSH nolist l2
LMPOP 2 nolist l RIGHT COUNT 10
LMPOP 2 nolist l RIGHT
LMPOP 0 l LEFT
LMPOP 1 l LEFT COUNT 0
LTRIM l2 0 0
LRANGE l2 0 -1
LLEN l2
BLPOP nolist l2 0
BLPOP nolist 0.01
BLPOP nolist abc
BLPOP nolist -1
BRPOPLPUSH nolist x 0.01
BLMOVE nolist x LEFT LEFT 0.01
BLMPOP 0.01 1 nolist LEFT
HSET h f1 v1 f2 v2
HSET h f1
HSETNX h f1 x
HGET h f1
HGET h nofield
HMGET h f1 nofield f2
HGETALL h
HGETALL noh
HKEYS h
HVALS h
HLEN h
HSTRLEN h f1
HEXISTS h f1
HDEL h f2 nofield
HINCRBY h n 5
HINCRBY h f1 1
HINCRBY h n notanumber
HINCRBYFLOAT h fl 2.5
HINCRBYFLOAT h fl 1e2
HINCRBYFLOAT h f1 1
HRANDFIELD noh
HRANDFIELD noh 3 WITHVALUES
HRANDFIELD h 1 WITHVALUE
HRANDFIELD h 0
HSCAN h 0
HSCAN h 0 MATCH f* COUNT 5
HSCAN h x
HSCAN h 0 COUNT 0
SADD s 5
SADD s 5
SMEMBERS s
SISMEMBER s 5
SMISMEMBER s 5 6
SCARD s
SPOP nos
SPOP nos 3
SPOP s -1
SPOP s 1 2
SRANDMEMBER s 1 2
SRANDMEMBER nos
SRANDMEMBER nos 5
SRANDMEMBER s 0
SINTER s nos
SUNION s nos
SDIFF s nos
SINTERSTORE d s nos
SUNIONSTORE d s nos
SMEMBERS d
SINTERCARD 1 s LIMIT 0
SINTERCARD 2 s
SINTERCARD 1 s LIMIT -1
SMOVE s s2 5
SMOVE s s2 5
SSCAN s2 0
SSCAN s2 0 MATCH x*
SET str v
LPUSH str a
HGET str f
SADD str a
SINTER s2 str
TYPE h
TYPE s2
TYPE l2
OBJECT ENCODING h
OBJECT ENCODING s2
OBJECT ENCODING str
OBJECT REFCOUNT str
OBJECT ENCODING nokey
PFADD hll a b c
PFADD hll a
PFCOUNT hll
PFCOUNT hll nokey
PFCOUNT str
PFMERGE hll2 hll
PFCOUNT hll2
SORT nolist
SORT str
RPUSH one only
HSET oneh f v
SADD ones m
HRANDFIELD oneh
HRANDFIELD oneh 1
HRANDFIELD oneh -3
HRANDFIELD oneh -2 WITHVALUES
HRANDFIELD oneh 5 WITHVALUES
SRANDMEMBER ones -2
SRANDMEMBER ones 3
SPOP ones 5
SPOP ones
LRANGE one a b
LINDEX one x
LTRIM one a 1
LPOS one only RANK 2
LPOS one only RANK -1 COUNT 3
LPOS one only COUNT 1 MAXLEN 0
LPOS one only RANK
LINSERT nolist BEFORE a b
LINSERT one BEFORE only a
LINSERT one AFTER only z
LRANGE one 0 -1
LREM one -1 a
LREM one x a
RPUSHX nolist a
LPUSHX one b
SINTERCARD 2 nos ones
SINTERCARD x nos
SDIFFSTORE d2 nos
EXISTS d2
SMISMEMBER nos a b
HINCRBYFLOAT fh f 10.50
HINCRBYFLOAT fh f 0.1
HINCRBYFLOAT fh f -10.6
HINCRBYFLOAT fh g 5.0e3
HINCRBYFLOAT fh g abc
HINCRBYFLOAT fh g inf
HGETALL fh
HMSET fh a 1 b 2
HSCAN fh 0 NOMATCH
BLPOP one str 0
BRPOP str 0
BLMOVE str one LEFT LEFT 0
BLMPOP 0 2 one str LEFT
LMPOP 1 str LEFT
LMOVE one str LEFT LEFT
SORT one ALPHA
SORT one BY nosort GET # GET one
SORT one LIMIT 0
COMMAND GETKEYS BLMPOP 0 2 a b LEFT
COMMAND GETKEYS LMPOP 2 a b LEFT COUNT 2
COMMAND GETKEYS SORT k BY w* STORE d
COMMAND GETKEYS SINTERCARD 2 a b LIMIT 1
COMMAND GETKEYS BLPOP a b 0
COMMAND GETKEYS BLMOVE a b LEFT LEFT 0
COMMAND GETKEYS OBJECT ENCODING k
SORT_RO nolist STORE x
SMOVE nosuchset str member
SADD oneset m
SMOVE oneset str absent
SET neg -3
GETRANGE neg 0 -3
GETRANGE neg -3 -2
GETRANGE neg -5 -9
SETRANGE padded 2 x
GETRANGE padded 0 -3
GETRANGE padded -1 -3
PEXPIREAT padded 4102444800600
EXPIRETIME padded
PEXPIREAT padded 4102444800499
EXPIRETIME padded
PEXPIRETIME padded
ZADD lexmix 2.5 1 0 c 0 10 1 a 3 b
ZRANGEBYLEX lexmix [a (a
ZRANGEBYLEX lexmix (c +
ZRANGEBYLEX lexmix - [b
ZREVRANGEBYLEX lexmix [c -
ZREVRANGEBYLEX lexmix + (1
ZLEXCOUNT lexmix [1 +
ZREMRANGEBYLEX lexmix (a [1
ZREMRANGEBYLEX lexmix [10 [c
ZRANGE lexmix 0 -1 WITHSCORES
RPUSH pq b a 10 1 c -5 10 x1 x2 x3 x4 x5 x6 x7 x8 x9 y1 y2 y3 y4 y5 y6 y7 y8 y9 z1 z2 z3 z4 z5 z6 z7 z8 z9 q1 q2 q3 q4 q5 q6 q7 q8 q9
SET w_a x
SET w_b 2
SET w_x5 2
SORT pq BY w_* ALPHA LIMIT 0 3
SORT pq BY w_* ALPHA DESC LIMIT 2 5
SORT pq BY w_* ALPHA LIMIT 10 20
SORT pq BY w_* ALPHA LIMIT 40 3
SORT pq BY w_* ALPHA
GETEX nosuchkey EX -1
GETEX pq EX abc
GETEX padded PX 0
GETEX padded EX notanumber
"""


@pytest.fixture(scope="module")
def reference_port() -> Iterator[int]:
    with reference_redis() as port:
        yield port


@pytest.mark.parametrize("proto", [2, 3])
def test_replies_match_redis(server: ThreadedServer, reference_port: int, proto: int) -> None:
    theirs, ours = RawClient(reference_port, proto), RawClient(server.port, proto)
    try:
        for client in (theirs, ours):
            client.call([b"FLUSHALL"])
        for line in SCRIPT.strip().splitlines():
            args = [a.encode() for a in line.split()]
            assert ours.call(args) == theirs.call(args), line
    finally:
        theirs.close()
        ours.close()


COMPARED_FLAGS = {"write", "readonly", "denyoom", "fast", "blocking"}
NAMES = ["LPUSH", "RPUSH", "LPUSHX", "RPUSHX", "LPOP", "RPOP", "LLEN", "LRANGE", "LINDEX", "LSET", "LTRIM",
         "LINSERT", "LREM", "LPOS", "LMOVE", "RPOPLPUSH", "LMPOP", "BLPOP", "BRPOP", "BLMOVE", "BRPOPLPUSH",
         "BLMPOP", "HSET", "HSETNX", "HGET", "HMSET", "HMGET", "HGETALL", "HDEL", "HEXISTS", "HKEYS", "HVALS",
         "HLEN", "HINCRBY", "HINCRBYFLOAT", "HSTRLEN", "HRANDFIELD", "HSCAN", "SADD", "SREM", "SMEMBERS",
         "SISMEMBER", "SMISMEMBER", "SCARD", "SPOP", "SRANDMEMBER", "SMOVE", "SINTER", "SINTERCARD",
         "SINTERSTORE", "SUNION", "SUNIONSTORE", "SDIFF", "SDIFFSTORE", "SSCAN", "PFADD", "PFCOUNT", "PFMERGE",
         "SORT", "SORT_RO", "OBJECT"]


def _info(client: redis.Redis, name: str) -> Any:
    # redis-py parses COMMAND INFO into {name: {"arity": ..., "flags": [...], "first_key_pos": ...}}
    reply = client.execute_command("COMMAND", "INFO", name)
    return next(iter(reply.values()))


def _flags(info: Any) -> set[str]:
    return {f.decode() if isinstance(f, bytes) else str(f) for f in info["flags"]} & COMPARED_FLAGS


def test_command_table_matches_redis(server: ThreadedServer, reference_port: int) -> None:
    theirs = redis.Redis(port=reference_port)
    ours = redis.Redis(port=server.port)
    try:
        for name in NAMES:
            a, b = _info(theirs, name), _info(ours, name)
            assert a["arity"] == b["arity"], (name, "arity")
            if name != "OBJECT":  # Redis flags OBJECT's subcommands, not the container
                assert _flags(a) == _flags(b), name
            if name not in ("LMPOP", "BLMPOP", "SINTERCARD", "OBJECT"):  # movable keys / a container command
                for field in ("first_key_pos", "last_key_pos", "step_count"):
                    assert a[field] == b[field], (name, field)
    finally:
        theirs.close()
        ours.close()
