"""Property test: random list command sequences through the real server agree with a Python list model."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import redis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.serverutil import ThreadedServer

values = st.sampled_from([b"a", b"b", b"c", b"1", b""])
indices = st.integers(min_value=-8, max_value=8)
keys = st.sampled_from([b"k1", b"k2"])

commands = st.one_of(
    st.tuples(st.just("LPUSH"), keys, st.lists(values, min_size=1, max_size=4)),
    st.tuples(st.just("RPUSH"), keys, st.lists(values, min_size=1, max_size=4)),
    st.tuples(st.just("LPUSHX"), keys, st.lists(values, min_size=1, max_size=2)),
    st.tuples(st.just("LPOP"), keys, st.none() | st.integers(0, 4)),
    st.tuples(st.just("RPOP"), keys, st.none() | st.integers(0, 4)),
    st.tuples(st.just("LRANGE"), keys, indices, indices),
    st.tuples(st.just("LINDEX"), keys, indices),
    st.tuples(st.just("LSET"), keys, indices, values),
    st.tuples(st.just("LTRIM"), keys, indices, indices),
    st.tuples(st.just("LINSERT"), keys, st.sampled_from([b"BEFORE", b"AFTER"]), values, values),
    st.tuples(st.just("LREM"), keys, st.integers(-3, 3), values),
    st.tuples(st.just("LPOS"), keys, values, st.sampled_from([1, 2, -1, -2]), st.none() | st.integers(0, 3)),
    st.tuples(st.just("LMOVE"), keys, keys, st.sampled_from([b"LEFT", b"RIGHT"]),
              st.sampled_from([b"LEFT", b"RIGHT"])),
    st.tuples(st.just("LLEN"), keys),
)


def _range(n: int, start: int, end: int) -> tuple[int, int] | None:
    if start < 0:
        start += n
    if end < 0:
        end += n
    start = max(start, 0)
    if start > end or start >= n:
        return None
    return start, min(end, n - 1)


class Model:
    """The expected behaviour of Redis lists, written as plainly as possible."""

    def __init__(self) -> None:
        self.data: dict[bytes, list[bytes]] = {}

    def get(self, key: bytes) -> list[bytes]:
        return self.data.get(key, [])

    def put(self, key: bytes, lst: list[bytes]) -> None:
        if lst:
            self.data[key] = lst
        else:
            self.data.pop(key, None)

    def apply(self, cmd: tuple[Any, ...]) -> Any:
        name, key = cmd[0], cmd[1]
        lst = list(self.get(key))
        if name in ("LPUSH", "RPUSH", "LPUSHX"):
            if name == "LPUSHX" and not lst:
                return 0
            for v in cmd[2]:
                if name == "RPUSH":
                    lst.append(v)
                else:
                    lst.insert(0, v)
            self.put(key, lst)
            return len(lst)
        if name in ("LPOP", "RPOP"):
            count = cmd[2]
            if key not in self.data:
                return None
            n = min(1 if count is None else count, len(lst))
            if name == "LPOP":
                out, rest = lst[:n], lst[n:]
            else:
                out = list(reversed(lst[len(lst) - n:])) if n else []
                rest = lst[: len(lst) - n]
            self.put(key, rest)
            return out[0] if count is None else out
        if name == "LRANGE":
            r = _range(len(lst), cmd[2], cmd[3])
            return [] if r is None else lst[r[0] : r[1] + 1]
        if name == "LINDEX":
            i = cmd[2] + len(lst) if cmd[2] < 0 else cmd[2]
            return lst[i] if 0 <= i < len(lst) else None
        if name == "LSET":
            if not lst:
                return "ERR no such key"
            i = cmd[2] + len(lst) if cmd[2] < 0 else cmd[2]
            if not 0 <= i < len(lst):
                return "ERR index out of range"
            lst[i] = cmd[3]
            self.put(key, lst)
            return True
        if name == "LTRIM":
            r = _range(len(lst), cmd[2], cmd[3])
            self.put(key, [] if r is None else lst[r[0] : r[1] + 1])
            return True
        if name == "LINSERT":
            if not lst:
                return 0
            if cmd[3] not in lst:
                return -1
            i = lst.index(cmd[3])
            lst.insert(i if cmd[2] == b"BEFORE" else i + 1, cmd[4])
            self.put(key, lst)
            return len(lst)
        if name == "LREM":
            count, element = cmd[2], cmd[3]
            order = list(range(len(lst))) if count >= 0 else list(reversed(range(len(lst))))
            limit = abs(count) or len(lst)
            drop = [i for i in order if lst[i] == element][:limit]
            self.put(key, [v for i, v in enumerate(lst) if i not in drop])
            return len(drop)
        if name == "LPOS":
            element, rank, count = cmd[2], cmd[3], cmd[4]
            found = [i for i, v in enumerate(lst) if v == element]
            if rank < 0:
                found.reverse()
            found = found[abs(rank) - 1 :]
            if count is None:
                return found[0] if found else None
            return found[: count or len(found)]
        if name == "LMOVE":
            dst, where_from, where_to = cmd[2], cmd[3], cmd[4]
            if not lst:
                return None
            value = lst.pop(0 if where_from == b"LEFT" else -1)
            self.put(key, lst)
            target = list(self.get(dst))
            target.insert(0 if where_to == b"LEFT" else len(target), value)
            self.put(dst, target)
            return value
        if name == "LLEN":
            return len(lst)
        raise AssertionError(name)


def to_argv(cmd: tuple[Any, ...]) -> list[Any]:
    name = cmd[0]
    if name in ("LPUSH", "RPUSH", "LPUSHX"):
        return [name, cmd[1], *cmd[2]]
    if name in ("LPOP", "RPOP"):
        return [name, cmd[1]] + ([] if cmd[2] is None else [cmd[2]])
    if name == "LPOS":
        return [name, cmd[1], cmd[2], "RANK", cmd[3]] + ([] if cmd[4] is None else ["COUNT", cmd[4]])
    return list(cmd)


@pytest.fixture(scope="module")
def model_client(server: ThreadedServer) -> Iterator[redis.Redis]:
    client = redis.Redis(port=server.port, protocol=2)
    yield client
    client.close()


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(commands, min_size=1, max_size=25))
def test_lists_match_model(model_client: redis.Redis, program: list[tuple[Any, ...]]) -> None:
    r = model_client
    r.delete("k1", "k2")
    model = Model()
    for cmd in program:
        expected = model.apply(cmd)
        try:
            got: Any = r.execute_command(*to_argv(cmd))
        except redis.ResponseError as exc:
            got = f"ERR {exc}"
        if isinstance(got, tuple):
            got = list(got)
        if cmd[0] in ("LSET", "LTRIM") and got in (b"OK", "OK"):
            got = True
        assert got == expected, (cmd, program)
    for key in (b"k1", b"k2"):
        assert r.lrange(key, 0, -1) == model.get(key)
        assert r.exists(key) == (1 if model.get(key) else 0)
