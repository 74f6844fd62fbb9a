"""Redis 7 functions: FUNCTION LOAD/DELETE/FLUSH/LIST/DUMP/RESTORE/STATS/KILL/HELP, FCALL, FCALL_RO.
Replies and errors byte for byte against Redis Stack, payloads exchanged with it both ways, redis-py's
function API, and libraries surviving restarts through the AOF and through snapshots (which Redis
loads too)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import redis

from tests.persistence.helpers import REDIS_SERVER, redvector
from tests.serverutil import ThreadedServer, assert_same_raw_replies, free_port, wait_for_ping

ONE = b"#!lua name=one\nredis.register_function{function_name='only', callback=function() return 1 end, " \
      b"flags={'allow-stale', 'no-writes'}, description='the only one'}"
LIB = (b"#!lua name=mylib\n"
       b"redis.register_function('myfunc', function(keys, args) return redis.call('SET', keys[1], args[1]) end)\n"
       b"redis.register_function{function_name='ro', callback=function(keys, args) return redis.call('GET', keys[1]) "
       b"end, flags={'no-writes'}, description='reads'}\n"
       b"redis.register_function('shape', function(keys, args) return {1, 'two', {3, redis.status_reply('OK')}, "
       b"#keys, #args, type(redis.call), type(redis.pcall)} end)\n")


def _c(*args: bytes | str) -> list[bytes]:
    return [a if isinstance(a, bytes) else a.encode() for a in args]


def _lib(name: str, body: str) -> bytes:
    return f"#!lua name={name}\n{body}".encode()


COMMANDS = [
    _c("FUNCTION", "LOAD", LIB),
    _c("FUNCTION", "LOAD", LIB),
    _c("FUNCTION", "LOAD", "REPLACE", LIB),
    _c("FUNCTION", "LOAD", "BOGUS", LIB),
    _c("FCALL", "myfunc", "1", "k", "v"),
    _c("FCALL", "ro", "1", "k"),
    _c("FCALL_RO", "ro", "1", "k"),
    _c("FCALL_RO", "myfunc", "1", "k", "v"),
    _c("FCALL", "shape", "2", "a", "b", "c"),
    _c("FCALL", "nofunc", "0"),
    _c("FCALL", "myfunc", "2", "k"),
    _c("FCALL", "myfunc", "-1"),
    _c("FCALL", "myfunc", "x"),
    # (the order of a library's functions is Redis's hash order: listings compare one-function libraries)
    _c("FUNCTION", "LOAD", ONE),
    _c("FUNCTION", "LIST", "LIBRARYNAME", "on*"),
    _c("FUNCTION", "LIST", "WITHCODE", "LIBRARYNAME", "one"),
    _c("FUNCTION", "LIST", "LIBRARYNAME", "zz*"),
    _c("FUNCTION", "LIST", "LIBRARYNAME"),
    _c("FUNCTION", "LIST", "BOGUS"),
    _c("FUNCTION", "STATS"),
    _c("FUNCTION", "LOAD", "return 1"),
    _c("FUNCTION", "LOAD", "#!lua"),
    _c("FUNCTION", "LOAD", "#!lua\nreturn 1"),
    _c("FUNCTION", "LOAD", "#!lua name=x foo=bar\nreturn 1"),
    _c("FUNCTION", "LOAD", "#!lua name=x name=y\nreturn 1"),
    _c("FUNCTION", "LOAD", "#!python name=x\nreturn 1"),
    _c("FUNCTION", "LOAD", _lib("x", "return 1")),
    _c("FUNCTION", "LOAD", _lib("x-y", "redis.register_function('f', function() end)")),
    _c("FUNCTION", "LOAD", _lib("x", "redis.register_function('f-g', function() end)")),
    _c("FUNCTION", "LOAD", _lib("x", "redis.register_function('myfunc', function() end)")),
    _c("FUNCTION", "LOAD", _lib("x", "redis.register_function('f', function() end)\n"
                                     "redis.register_function('f', function() end)")),
    _c("FUNCTION", "LOAD", _lib("x", "redis.call('PING')")),
    _c("FUNCTION", "LOAD", _lib("x", "return type(1)")),
    _c("FUNCTION", "LOAD", _lib("x", "error('boom')")),
    _c("FUNCTION", "LOAD", _lib("x", "local a = ")),
    _c("FUNCTION", "LOAD", _lib("x", "redis.register_function{function_name='f', callback=function() end, "
                                     "flags={'bad'}}")),
    _c("FUNCTION", "LOAD", _lib("x", "redis.register_function{function_name='f', callback=function() end, foo=1}")),
    _c("FUNCTION", "LOAD", _lib("x", "redis.register_function{function_name='f', callback=function() end, "
                                     "flags='no-writes'}")),
    _c("FUNCTION", "LOAD", _lib("x", "redis.register_function{callback=function() end}")),
    _c("FUNCTION", "LOAD", _lib("x", "redis.register_function{function_name='f'}")),
    _c("FUNCTION", "LOAD", _lib("x", "redis.register_function{function_name='f', callback=1}")),
    _c("FUNCTION", "LOAD", _lib("x", "redis.register_function{function_name=1, callback=function() end}")),
    _c("FCALL", "1", "0"),
    _c("FUNCTION", "DELETE", "x"),
    _c("FUNCTION", "LOAD", _lib("x", "redis.register_function('f')")),
    _c("FUNCTION", "LOAD", _lib("x", "redis.register_function('f', 1)")),
    _c("FUNCTION", "LOAD", _lib("x", "redis.register_function(1, function() end)")),
    _c("FUNCTION", "DELETE", "x"),
    _c("FUNCTION", "LOAD", _lib("x", "redis.register_function({}, function() end)")),
    _c("FUNCTION", "LOAD", _lib("x", "redis.register_function('f', function() end, 3)")),
    _c("FUNCTION", "LOAD", _lib("x", "redis.register_function('f', function() end)\nfoo = 1")),
    _c("FUNCTION", "LOAD", _lib("x", "redis.register_function('f', function(k, a) error('inner') end)\n"
                                     "redis.register_function('g', function(k, a) return redis.call('nope') end)\n"
                                     "redis.register_function('h', function(k, a) return KEYS end)\n"
                                     "redis.register_function('w', function(k, a) x = 1 end)")),
    _c("FCALL", "f", "0"),
    _c("FCALL", "g", "0"),
    _c("FCALL", "h", "0"),
    _c("FCALL", "w", "0"),
    _c("FUNCTION", "LOAD", _lib("h", "redis.register_function{function_name='aw', callback=function(k, a) "
                                     "return redis.call('SET', 'a', 'b') end, flags={'no-writes'}}")),
    _c("FCALL", "aw", "0"),
    _c("FCALL_RO", "aw", "0"),
    _c("FUNCTION", "DELETE", "nolib"),
    _c("FUNCTION", "DELETE", "x"),
    _c("FUNCTION", "DELETE", "x"),
    _c("FUNCTION", "DELETE"),
    _c("FUNCTION", "RESTORE", "garbage"),
    _c("FUNCTION", "RESTORE", "garbage", "SOMETIMES"),
    _c("FUNCTION", "FLUSH", "NOW"),
    _c("FUNCTION", "KILL"),
    _c("FUNCTION", "HELP"),
    _c("FUNCTION", "FOO"),
    _c("FUNCTION", "DELETE", "mylib"),
    _c("FUNCTION", "DELETE", "h"),
    _c("FUNCTION", "DELETE", "x"),
    _c("FUNCTION", "LIST"),
    _c("FUNCTION", "FLUSH"),
    _c("FUNCTION", "LIST"),
    _c("FUNCTION", "STATS"),
    _c("FCALL", "myfunc", "0"),
]


@pytest.mark.parametrize("protocol", [2, 3])
def test_replies_match_redis_stack(server: ThreadedServer, stack_port: int, protocol: int) -> None:
    setup = [[b"FLUSHALL"], [b"FUNCTION", b"FLUSH"]]
    assert_same_raw_replies(server.port, stack_port, protocol, COMMANDS, setup)


def _listing(client: redis.Redis) -> list[Any]:
    """FUNCTION LIST WITHCODE with libraries and their functions in name order (Redis lists them in the
    order of its hash tables)."""
    out = []
    for lib in sorted(client.function_list(withcode=True), key=lambda lib: lib[1]):
        lib = list(lib)
        lib[5] = sorted(lib[5], key=lambda function: function[1])
        out.append(lib)
    return out


def test_dump_restore_payloads_move_both_ways_with_redis_stack(r2: redis.Redis, stack_port: int) -> None:
    stack = redis.Redis(port=stack_port)
    try:
        for src, dst in ((stack, r2), (r2, stack)):
            for client in (src, dst):
                client.function_flush()
            src.function_load(LIB.decode())
            src.function_load(_lib("other", "redis.register_function('o', function() return 7 end)").decode())
            payload = src.function_dump()
            with pytest.raises(redis.ResponseError, match="already exists"):
                src.function_restore(payload)
            assert dst.function_restore(payload)
            assert dst.fcall("o", 0) == 7
            assert dst.fcall("myfunc", 1, "k", "v") == b"OK" and dst.fcall_ro("ro", 1, "k") == b"v"
            assert _listing(dst) == _listing(src)
            # REPLACE swaps libraries of the same name; FLUSH starts afresh
            assert dst.function_restore(payload, "REPLACE")
            dst.function_load(_lib("extra", "redis.register_function('e', function() return 1 end)").decode())
            assert dst.function_restore(payload, "FLUSH")
            assert sorted(lib[1] for lib in dst.function_list()) == [b"mylib", b"other"]
    finally:
        stack.function_flush()
        r2.function_flush()
        stack.close()


def test_restore_is_all_or_nothing(r2: redis.Redis) -> None:
    r2.function_flush()
    r2.function_load(_lib("a", "redis.register_function('shared', function() return 1 end)").decode())
    r2.function_load(_lib("b", "redis.register_function('b1', function() return 2 end)").decode())
    payload = r2.function_dump()
    r2.function_flush()
    r2.function_load(_lib("c", "redis.register_function('shared', function() return 3 end)").decode())
    with pytest.raises(redis.ResponseError, match="Function shared already exists"):
        r2.function_restore(payload, "REPLACE")  # library b alone would fit: nothing is taken
    assert [lib[1] for lib in r2.function_list()] == [b"c"]
    assert r2.fcall("shared", 0) == 3
    r2.function_flush()


def test_functions_survive_restarts_and_redis_loads_the_snapshot(tmp_path: Path) -> None:
    data = tmp_path / "data"
    lib = _lib("keep", "redis.register_function('incr2', function(keys, args) "
                       "return redis.call('INCRBY', keys[1], 2) end)")
    with redvector(data, "--appendonly", "yes", "--save", "") as (_, r):
        r.function_load(lib.decode())
        r.function_load(_lib("gone", "redis.register_function('g', function() return 1 end)").decode())
        r.function_delete("gone")
        assert r.fcall("incr2", 1, "n") == 2
    with redvector(data, "--appendonly", "yes", "--save", "") as (_, r):  # AOF replay
        assert [lib[1] for lib in r.function_list()] == [b"keep"]
        assert r.fcall("incr2", 1, "n") == 4
        r.config_set("appendonly", "no")
        r.save()
    with redvector(data, "--appendonly", "no", "--save", "") as (_, r):  # the snapshot
        assert r.fcall("incr2", 1, "n") == 6
    if REDIS_SERVER is None:
        pytest.skip("redis-server is not installed")
    redis_dir = tmp_path / "redis"
    redis_dir.mkdir()
    shutil.copy(data / "dump.rdb", redis_dir / "dump.rdb")
    port = free_port()
    proc = subprocess.Popen([REDIS_SERVER, "--port", str(port), "--dir", str(redis_dir), "--save", "",
                             "--appendonly", "no", "--bind", "127.0.0.1"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        wait_for_ping(port, 15, proc)
        real = redis.Redis(port=port)
        assert real.fcall("incr2", 1, "n") == 6  # the snapshot held n = 4 and the library
        real.close()
    finally:
        proc.terminate()
        proc.wait(15)
