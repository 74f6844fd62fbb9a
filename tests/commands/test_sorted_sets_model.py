"""Property test: random sorted-set command sequences through the real server agree with a plain model.

The model is a dict member -> score; every ordered answer is recomputed by sorting it (score, member).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import redis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.serverutil import ThreadedServer

MEMBERS = st.sampled_from([b"a", b"b", b"c", b"d", b"e", b"f", b"g"])
SCORES = st.sampled_from([-2.0, -1.0, 0.0, 0.5, 1.0, 2.0, 3.0, float("inf"), float("-inf")])
INDEXES = st.integers(min_value=-8, max_value=8)
BOUNDS = st.tuples(SCORES, st.booleans())

OPS = st.one_of(
    st.tuples(st.just("zadd"), MEMBERS, SCORES),
    st.tuples(st.just("zincrby"), MEMBERS, st.sampled_from([-1.0, 0.5, 2.0])),
    st.tuples(st.just("zrem"), MEMBERS),
    st.tuples(st.just("zrange"), INDEXES, INDEXES, st.booleans()),
    st.tuples(st.just("zrangebyscore"), BOUNDS, BOUNDS, st.booleans(),
              st.integers(0, 3), st.integers(-1, 4)),
    st.tuples(st.just("zrank"), MEMBERS, st.booleans()),
    st.tuples(st.just("zcount"), BOUNDS, BOUNDS),
    st.tuples(st.just("zpop"), st.booleans(), st.integers(1, 3)),
    st.tuples(st.just("zremrangebyrank"), INDEXES, INDEXES),
    st.tuples(st.just("zremrangebyscore"), BOUNDS, BOUNDS),
    st.tuples(st.just("zcard")),
)


def bound_text(bound: tuple[float, bool]) -> str:
    value, exclusive = bound
    text = "inf" if value == float("inf") else "-inf" if value == float("-inf") else repr(value)
    return ("(" if exclusive else "") + text


def in_low(score: float, bound: tuple[float, bool]) -> bool:
    return score > bound[0] if bound[1] else score >= bound[0]


def in_high(score: float, bound: tuple[float, bool]) -> bool:
    return score < bound[0] if bound[1] else score <= bound[0]


def rank_slice(n: int, start: int, stop: int) -> tuple[int, int]:
    if start < 0:
        start += n
    if stop < 0:
        stop += n
    start = max(start, 0)
    if start > stop or start >= n:
        return 0, 0
    return start, min(stop, n - 1) + 1


def apply(r: redis.Redis, model: dict[bytes, float], op: tuple[Any, ...]) -> tuple[Any, Any]:
    """Run one op on the server and on the model; return (server answer, model answer)."""
    ordered = sorted((s, m) for m, s in model.items())
    kind = op[0]
    if kind == "zadd":
        _, member, score = op
        new = member not in model
        model[member] = score
        return r.zadd("k", {member: score}), int(new)
    if kind == "zincrby":
        _, member, delta = op
        model[member] = model.get(member, 0.0) + delta  # finite deltas never make NaN
        return r.zincrby("k", delta, member), model[member]
    if kind == "zrem":
        return r.zrem("k", op[1]), int(model.pop(op[1], None) is not None)
    if kind == "zrange":
        _, start, stop, rev = op
        seq = ordered[::-1] if rev else ordered
        a, b = rank_slice(len(seq), start, stop)
        return r.zrange("k", start, stop, desc=rev), [m for _s, m in seq[a:b]]
    if kind == "zrangebyscore":
        _, low, high, rev, offset, count = op
        hits = [m for s, m in ordered if in_low(s, low) and in_high(s, high)]
        if rev:
            hits.reverse()
        expect = hits[offset:] if count < 0 else hits[offset : offset + count]
        if rev:
            got = r.zrevrangebyscore("k", bound_text(high), bound_text(low), start=offset, num=count)
        else:
            got = r.zrangebyscore("k", bound_text(low), bound_text(high), start=offset, num=count)
        return got, expect
    if kind == "zrank":
        _, member, rev = op
        members = [m for _s, m in (ordered[::-1] if rev else ordered)]
        expect_rank = members.index(member) if member in model else None
        return (r.zrevrank if rev else r.zrank)("k", member), expect_rank
    if kind == "zcount":
        _, low, high = op
        return r.zcount("k", bound_text(low), bound_text(high)), sum(
            1 for s, _m in ordered if in_low(s, low) and in_high(s, high))
    if kind == "zpop":
        _, from_max, count = op
        taken = (ordered[::-1] if from_max else ordered)[:count]
        for _s, m in taken:
            del model[m]
        got = (r.zpopmax if from_max else r.zpopmin)("k", count)
        return [(m, float(s)) for m, s in got], [(m, s) for s, m in taken]
    if kind == "zremrangebyrank":
        _, start, stop = op
        a, b = rank_slice(len(ordered), start, stop)
        for _s, m in ordered[a:b]:
            del model[m]
        return r.zremrangebyrank("k", start, stop), b - a
    if kind == "zremrangebyscore":
        _, low, high = op
        gone = [m for s, m in ordered if in_low(s, low) and in_high(s, high)]
        for m in gone:
            del model[m]
        return r.zremrangebyscore("k", bound_text(low), bound_text(high)), len(gone)
    return r.zcard("k"), len(model)


@pytest.fixture(scope="module")
def client(server: ThreadedServer) -> Iterator[redis.Redis]:
    c = redis.Redis(port=server.port, protocol=3)
    yield c
    c.close()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(OPS, min_size=1, max_size=40))
def test_random_sequences_match_model(client: redis.Redis, ops: list[tuple[Any, ...]]) -> None:
    client.delete("k")
    model: dict[bytes, float] = {}
    for op in ops:
        got, expect = apply(client, model, op)
        assert got == expect, op
        assert client.exists("k") == (1 if model else 0)
