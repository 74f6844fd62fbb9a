"""Property tests: random set and hash command sequences through the real server agree with Python models."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import redis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.serverutil import ThreadedServer

members = st.sampled_from([b"a", b"b", b"c", b"1", b"2"])
skeys = st.sampled_from([b"s1", b"s2", b"s3"])
set_commands = st.one_of(
    st.tuples(st.just("SADD"), skeys, st.lists(members, min_size=1, max_size=4)),
    st.tuples(st.just("SREM"), skeys, st.lists(members, min_size=1, max_size=3)),
    st.tuples(st.just("SISMEMBER"), skeys, members),
    st.tuples(st.just("SCARD"), skeys),
    st.tuples(st.just("SMOVE"), skeys, skeys, members),
    st.tuples(st.sampled_from(["SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"]), skeys,
              st.lists(skeys, min_size=1, max_size=3)),
    st.tuples(st.just("SINTERCARD"), st.lists(skeys, min_size=1, max_size=3), st.integers(0, 3)),
)


class SetModel:
    def __init__(self) -> None:
        self.data: dict[bytes, set[bytes]] = {}

    def put(self, key: bytes, value: set[bytes]) -> None:
        if value:
            self.data[key] = value
        else:
            self.data.pop(key, None)

    def apply(self, cmd: tuple[Any, ...]) -> tuple[list[Any], Any]:
        name = cmd[0]
        get = self.data.get
        if name == "SADD":
            s = set(get(cmd[1], set()))
            before = len(s)
            s.update(cmd[2])
            self.put(cmd[1], s)
            return [name, cmd[1], *cmd[2]], len(s) - before
        if name == "SREM":
            s = set(get(cmd[1], set()))
            before = len(s)
            s.difference_update(cmd[2])
            self.put(cmd[1], s)
            return [name, cmd[1], *cmd[2]], before - len(s)
        if name == "SISMEMBER":
            return list(cmd), int(cmd[2] in get(cmd[1], set()))
        if name == "SCARD":
            return list(cmd), len(get(cmd[1], set()))
        if name == "SMOVE":
            src, dst, m = cmd[1], cmd[2], cmd[3]
            if m not in get(src, set()):
                return list(cmd), 0
            if src != dst:
                self.put(src, get(src, set()) - {m})
                self.put(dst, get(dst, set()) | {m})
            return list(cmd), 1
        if name == "SINTERCARD":
            sets = [get(k, set()) for k in cmd[1]]
            inter = set.intersection(*sets)
            n = len(inter) if not cmd[2] else min(len(inter), cmd[2])
            return [name, len(cmd[1]), *cmd[1], "LIMIT", cmd[2]], n
        sets = [get(k, set()) for k in cmd[2]]
        if name == "SINTERSTORE":
            result = set.intersection(*sets)
        elif name == "SUNIONSTORE":
            result = set.union(*sets)
        else:
            result = sets[0].difference(*sets[1:])
        self.put(cmd[1], set(result))
        return [name, cmd[1], *cmd[2]], len(result)


fields = st.sampled_from([b"f1", b"f2", b"f3"])
hkeys = st.sampled_from([b"h1", b"h2"])
hash_commands = st.one_of(
    st.tuples(st.just("HSET"), hkeys, st.lists(st.tuples(fields, st.sampled_from([b"x", b"7", b""])),
                                               min_size=1, max_size=3)),
    st.tuples(st.just("HSETNX"), hkeys, fields, st.sampled_from([b"y", b"3"])),
    st.tuples(st.just("HDEL"), hkeys, st.lists(fields, min_size=1, max_size=3)),
    st.tuples(st.just("HGET"), hkeys, fields),
    st.tuples(st.just("HLEN"), hkeys),
    st.tuples(st.just("HEXISTS"), hkeys, fields),
    st.tuples(st.just("HSTRLEN"), hkeys, fields),
    st.tuples(st.just("HINCRBY"), hkeys, fields, st.integers(-5, 5)),
)


class HashModel:
    def __init__(self) -> None:
        self.data: dict[bytes, dict[bytes, bytes]] = {}

    def apply(self, cmd: tuple[Any, ...]) -> tuple[list[Any], Any]:
        name, key = cmd[0], cmd[1]
        h = dict(self.data.get(key, {}))
        result: Any
        if name == "HSET":
            flat = [x for pair in cmd[2] for x in pair]
            before = len(h)
            h.update(dict(cmd[2]))
            argv, result = [name, key, *flat], len(h) - before
        elif name == "HSETNX":
            argv, result = list(cmd), int(cmd[2] not in h)
            h.setdefault(cmd[2], cmd[3])
        elif name == "HDEL":
            argv, result = [name, key, *cmd[2]], sum(1 for f in set(cmd[2]) if h.pop(f, None) is not None)
        elif name == "HGET":
            argv, result = list(cmd), h.get(cmd[2])
        elif name == "HLEN":
            argv, result = list(cmd), len(h)
        elif name == "HEXISTS":
            argv, result = list(cmd), int(cmd[2] in h)
        elif name == "HSTRLEN":
            argv, result = list(cmd), len(h.get(cmd[2], b""))
        else:
            argv = list(cmd)
            old = h.get(cmd[2], b"0")
            if old.lstrip(b"-").isdigit() and old != b"" and old != b"-":
                h[cmd[2]] = b"%d" % (int(old) + cmd[3])
                result = int(h[cmd[2]])
            else:
                result = "ERR hash value is not an integer"
        if h:
            self.data[key] = h
        else:
            self.data.pop(key, None)
        return argv, result


@pytest.fixture(scope="module")
def model_client(server: ThreadedServer) -> Iterator[redis.Redis]:
    client = redis.Redis(port=server.port, protocol=2)
    yield client
    client.close()


def _run(r: redis.Redis, argv: list[Any]) -> Any:
    try:
        got = r.execute_command(*argv)
    except redis.ResponseError as exc:
        return f"ERR {exc}"
    return int(got) if isinstance(got, bool) else got


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(set_commands, min_size=1, max_size=20))
def test_sets_match_model(model_client: redis.Redis, program: list[tuple[Any, ...]]) -> None:
    r = model_client
    r.delete("s1", "s2", "s3")
    model = SetModel()
    for cmd in program:
        argv, expected = model.apply(cmd)
        assert _run(r, argv) == expected, (cmd, program)
    for key in (b"s1", b"s2", b"s3"):
        assert r.smembers(key) == model.data.get(key, set())


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(hash_commands, min_size=1, max_size=20))
def test_hashes_match_model(model_client: redis.Redis, program: list[tuple[Any, ...]]) -> None:
    r = model_client
    r.delete("h1", "h2")
    model = HashModel()
    for cmd in program:
        argv, expected = model.apply(cmd)
        assert _run(r, argv) == expected, (cmd, program)
    for key in (b"h1", b"h2"):
        assert r.hgetall(key) == model.data.get(key, {})
