"""Property test: random XADD / XDEL / XTRIM / XRANGE / XREVRANGE sequences through the real server agree with a
plain model (a sorted list of (ms, seq) ids, the last id, the max deleted id and the entries-added counter).

Approximate trims (``~``) drop whole nodes, which the model does not lay out: there the count removed is
checked against its bounds (never below ``maxlen``, never an id at or above the MINID) and the model drops
that many oldest ids. (Exact ``~`` results are compared with Redis Stack in test_streams_differential.py.)
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import redis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.serverutil import ThreadedServer

MS = st.integers(0, 6)
SEQ = st.integers(0, 3)
IDS = st.tuples(MS, SEQ)
BOUND = st.one_of(st.just("-"), st.just("+"), st.tuples(IDS, st.booleans()), st.tuples(MS, st.booleans()))

OPS = st.one_of(
    st.tuples(st.just("xadd"), IDS),
    st.tuples(st.just("xadd_ms"), MS),
    st.tuples(st.just("xdel"), st.lists(IDS, min_size=1, max_size=3)),
    st.tuples(st.just("maxlen"), st.integers(0, 8), st.booleans()),
    st.tuples(st.just("minid"), IDS, st.booleans()),
    st.tuples(st.just("range"), BOUND, BOUND, st.integers(-1, 4), st.booleans()),
)

U64 = 2**64 - 1


class Model:
    def __init__(self) -> None:
        self.ids: list[tuple[int, int]] = []
        self.last = (0, 0)
        self.max_deleted = (0, 0)
        self.added = 0

    def next_ms(self, ms: int) -> tuple[int, int] | None:
        if ms == self.last[0]:
            return None if self.last[1] == U64 else (ms, self.last[1] + 1)
        return (ms, 0)


def _text(i: tuple[int, int]) -> str:
    return f"{i[0]}-{i[1]}"


def _bound(bound: Any, low: bool) -> tuple[str, tuple[int, int] | None]:
    """(argument, inclusive id limit or None when the bound excludes everything)."""
    if bound == "-":
        return "-", (0, 0)
    if bound == "+":
        return "+", (U64, U64)
    value, exclusive = bound
    if isinstance(value, int):  # ms only: seq 0 for a start, max for an end
        value = (value, 0 if low else U64)
        arg = str(bound[0])
    else:
        arg = _text(value)
    if not exclusive:
        return arg, value
    flat = (value[0] << 64) | value[1]
    flat = flat + 1 if low else flat - 1
    if flat < 0 or flat >= 1 << 128:
        return "(" + arg, None
    return "(" + arg, (flat >> 64, flat & U64)


@pytest.fixture
def client(server: ThreadedServer) -> Iterator[redis.Redis]:
    c = redis.Redis(port=server.port)
    yield c
    c.close()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(OPS, max_size=40))
def test_stream_matches_model(client: redis.Redis, ops: list[tuple[Any, ...]]) -> None:
    client.delete("s")
    m = Model()
    for op in ops:
        kind = op[0]
        if kind in ("xadd", "xadd_ms"):
            wanted = op[1] if kind == "xadd" else m.next_ms(op[1])
            arg = _text(op[1]) if kind == "xadd" else f"{op[1]}-*"
            try:
                got = client.execute_command("XADD", "s", arg, "f", "v")
            except redis.ResponseError as e:
                assert wanted is None or wanted <= m.last, (op, str(e))
                continue
            assert wanted is not None and wanted > m.last
            assert got == _text(wanted).encode()
            m.ids.append(wanted)
            m.last = wanted
            m.added += 1
        elif kind == "xdel":
            gone = [i for i in dict.fromkeys(op[1]) if i in m.ids]
            assert client.execute_command("XDEL", "s", *map(_text, op[1])) == len(gone)
            for i in gone:
                m.ids.remove(i)
                m.max_deleted = max(m.max_deleted, i)
        elif kind == "maxlen":
            n, approx = op[1], op[2]
            removed = client.execute_command("XTRIM", "s", "MAXLEN", "~" if approx else "=", n)
            if approx:
                assert len(m.ids) - removed >= n or removed == 0
            else:
                assert removed == max(len(m.ids) - n, 0)
            m.ids = m.ids[removed:]
        elif kind == "minid":
            floor, approx = op[1], op[2]
            removed = client.execute_command("XTRIM", "s", "MINID", "~" if approx else "=", _text(floor))
            below = sum(1 for i in m.ids if i < floor)
            assert removed <= below if approx else removed == below
            m.ids = m.ids[removed:]
        else:
            low_arg, low = _bound(op[1], True)
            high_arg, high = _bound(op[2], False)
            count, reverse = op[3], op[4]
            args = ["XREVRANGE", "s", high_arg, low_arg] if reverse else ["XRANGE", "s", low_arg, high_arg]
            if count >= 0:
                args += ["COUNT", count]
            if low is None or high is None:  # "(" before 0-0 or after the last possible id
                with pytest.raises(redis.ResponseError, match=r"invalid (start|end) ID for the interval"):
                    client.execute_command(*args)
                continue
            reply = client.execute_command(*args)
            expected = [i for i in m.ids if low <= i <= high]
            if reverse:
                expected.reverse()
            if count == 0:
                assert reply == [] if not client.exists("s") else reply is None
                continue
            if count > 0:
                expected = expected[:count]
            assert [e[0] for e in reply or []] == [_text(i).encode() for i in expected]
        assert client.xlen("s") == len(m.ids) if client.exists("s") else not m.ids
    if client.exists("s"):
        info = client.xinfo_stream("s")
        assert info["length"] == len(m.ids)
        assert info["last-generated-id"] == _text(m.last).encode()
        assert info["max-deleted-entry-id"] == _text(m.max_deleted).encode()
        assert info["entries-added"] == m.added
        assert info["recorded-first-entry-id"] == _text(m.ids[0] if m.ids else (0, 0)).encode()
