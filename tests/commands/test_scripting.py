"""Lua scripting: EVAL, EVALSHA, EVAL_RO, SCRIPT. Replies compared byte for byte with Redis Stack 7.4's,
redis-py's Lock (Lua scripts) working, scripts' writes reaching WATCH, search indexes and the AOF (as
their effects, replayed to the same data), the sandbox, and the run-time limit."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
import redis

from tests.persistence.helpers import redvector
from tests.serverutil import ThreadedServer, assert_same_raw_replies

# (script, numkeys-and-args...) as redis-cli would send them: every reply and error text is Redis's.
SCRIPTS: list[tuple[str, ...]] = [
    ("return redis.call('INCR', KEYS[1])", "1", "counter"),
    ("return redis.call('INCR', KEYS[1])", "1", "text"),
    ("return redis.pcall('INCR', KEYS[1])", "1", "text"),
    ("return redis.call('nosuch')", "0"),
    ("return redis.call('GET')", "0"),
    ("return redis.pcall('nosuch')", "0"),
    ("return redis.call()", "0"),
    ("return redis.call('GET', {})", "0"),
    ("return x", "0"),
    ("x = 1", "0"),
    ("_G.y = 2", "0"),
    ("return (", "0"),
    ("error('boom')", "0"),
    ("local a = 1\nlocal b = 2\nerror({err='MY custom'})", "0"),
    ("return redis.error_reply('bad thing')", "0"),
    ("return redis.error_reply('-X bad')", "0"),
    ("return redis.status_reply('FINE')", "0"),
    ("return {1,2,3,nil,5}", "0"),
    ("return {1,'a',{2,false,true},3.99,-3.99,{err='inner'},{ok='fine'}}", "0"),
    ("return redis.call('SET','a','1')", "0"),
    ("return redis.call('GET','nokey')", "0"),
    ("return redis.call('HGETALL','h')", "0"),
    ("return redis.call('ZRANGE','z',0,-1,'WITHSCORES')", "0"),
    ("return redis.call('ZSCORE','z','m')", "0"),
    ("return redis.sha1hex('abc')", "0"),
    ("return KEYS[1]..ARGV[1]..#ARGV", "1", "k", "a", "b"),
    ("return #KEYS", "x"),
    ("return #KEYS", "-1"),
    ("return #KEYS", "3", "a"),
    ("return redis.call('FUNCTION','LIST')", "0"),
    ("return redis.call('EVAL','return 1','0')", "0"),
    ("return redis.call('BLPOP','nolist',0)", "0"),
    ("return type(os)..type(cjson)..type(bit)..type(io)", "0"),
    ("return cjson.encode({1,2,{a=1}})", "0"),
    ("return cjson.decode('[1,2,{\"a\":1}]')[3].a", "0"),
    ("return cjson.encode({a=cjson.null, b={1,cjson.null}})", "0"),
    ("return tostring(cjson.decode('[null]')[1] == cjson.null)", "0"),
    ("return {bit.band(7,3), bit.bor(1,2), bit.bxor(5,1), bit.lshift(1,4), bit.rshift(-1,28), bit.tohex(255)}", "0"),
    ("return tostring(3.0)..math.floor(2.5)..string.format('%d', 5)", "0"),
    ("return {redis.call('PING'), redis.call('TYPE','a')}", "0"),
    ("return {err='plain'}", "0"),
    ("return redis.call('SET', KEYS[1], 1.5)", "1", "f"),
    ("return redis.call('GET', KEYS[1])", "1", "f"),
    ("return redis.call('SET', KEYS[1], 1e9)", "1", "f"),
    ("return redis.call('GET', KEYS[1])", "1", "f"),
    ("return redis.LOG_WARNING + redis.REPL_ALL", "0"),
    ("local t = redis.call('TIME'); return #t", "0"),
    ("return redis.call('SELECT', 1)", "0"),
    ("return redis.call('DBSIZE')", "0"),
    ("return rawset(_G, 'z', 1)", "0"),
    ("return pcall(function() redis.call('nosuch') end)", "0"),
    # the library tables are read-only (and stay intact for the scripts that follow)
    ("string.foo = 1", "0"),
    ("cjson.encode = nil", "0"),
    ("local s = string; s.rep = nil", "0"),
    ("redis.call = function() return 1 end", "0"),
    ("struct.pack = 1", "0"),
    ("rawset(redis, 'call', 1)", "0"),
    ("return {pcall(rawset, cmsgpack, 'x', 1)}", "0"),
    ("return {pcall(function() math.pi = 3 end)}", "0"),
    ("getmetatable('').__index.upper = nil", "0"),
    ("return {string.rep('a', 2), ('b'):upper(), cjson.encode({1}), redis.call('PING'), math.floor(2.5)}", "0"),
    # Redis 7's shebang: flags, and the errors of a bad first line (line numbers keep counting it)
    ("#!lua\nreturn error_here(", "0"),
    ("#!lua flags=no-writes\nreturn redis.call('SET','x',1)", "0"),
    ("#!lua flags=no-writes,allow-stale\nreturn redis.call('GET','text')", "0"),
    ("#!lua\nreturn redis.call('SET','x',1)", "0"),
    ("#!lua   flags=no-writes\nreturn 3", "0"),
    ("#!lua flags=\nreturn 2", "0"),
    ("#!lua flags=bogus\nreturn 1", "0"),
    ("#!python\nreturn 1", "0"),
    ("#!  lua\nreturn 1", "0"),
    ("#!lua x=1\nreturn 1", "0"),
    ("#!lua name=x\nreturn 1", "0"),
    ("#!lua", "0"),
]


@pytest.mark.parametrize("protocol", [2, 3])
def test_replies_match_redis_stack(server: ThreadedServer, stack_port: int, protocol: int) -> None:
    setup = [[b"FLUSHALL"], [b"SCRIPT", b"FLUSH"], [b"SET", b"text", b"hello"], [b"HSET", b"h", b"f", b"v"],
             [b"ZADD", b"z", b"1.5", b"m", b"2", b"n"]]
    commands = [[b"EVAL", *(a.encode() for a in script)] for script in SCRIPTS]
    sha = b"e0e1f9fabfc9d4800c877a703b823ac0578ff8db"  # SHA1 of "return 1"
    commands += [[b"EVALSHA", sha, b"0"], [b"SCRIPT", b"LOAD", b"return 1"], [b"EVALSHA", sha, b"0"],
                 [b"EVALSHA", sha.upper(), b"0"], [b"SCRIPT", b"EXISTS", sha, b"0" * 40],
                 [b"EVAL_RO", b"return redis.call('SET','a','1')", b"0"], [b"EVAL_RO", b"return redis.call('GET','a')", b"0"],
                 [b"EVALSHA_RO", sha, b"0"], [b"EVAL_RO", b"#!lua\nreturn 1", b"0"],
                 [b"EVAL_RO", b"#!lua flags=no-writes\nreturn 1", b"0"], [b"SCRIPT", b"KILL"], [b"SCRIPT", b"FLUSH", b"BAD"],
                 [b"SCRIPT", b"FLUSH"], [b"SCRIPT", b"EXISTS", sha], [b"SCRIPT", b"NOPE"], [b"EVAL"]]
    assert_same_raw_replies(server.port, stack_port, protocol, commands, setup)


def test_redis_py_lock_and_registered_scripts(r: redis.Redis) -> None:
    """redis-py's Lock runs Lua scripts (EVALSHA, loading them on NOSCRIPT)."""
    lock = r.lock("resource", timeout=10)
    assert lock.acquire(blocking=False)
    assert not r.lock("resource", timeout=10).acquire(blocking=False)
    assert lock.extend(5)
    assert lock.reacquire()
    lock.release()
    assert r.get("resource") is None
    add = r.register_script("return redis.call('INCRBY', KEYS[1], ARGV[1])")
    assert add(keys=["n"], args=[5]) == 5
    r.script_flush()
    assert add(keys=["n"], args=[2]) == 7  # reloaded after NOSCRIPT


def test_script_writes_reach_watch_and_search(r: redis.Redis, server: ThreadedServer) -> None:
    other = redis.Redis(port=server.port)
    pipe = other.pipeline()
    pipe.watch("watched")
    r.eval("redis.call('SET', KEYS[1], 'by script')", 1, "watched")
    pipe.multi()
    pipe.set("watched", "by transaction")
    with pytest.raises(redis.WatchError):
        pipe.execute()
    assert r.get("watched") == b"by script"
    r.execute_command("FT.CREATE", "sidx", "ON", "HASH", "PREFIX", "1", "sdoc:", "SCHEMA", "t", "TAG")
    r.eval("for i = 1, 3 do redis.call('HSET', 'sdoc:' .. i, 't', ARGV[1]) end", 0, "red")
    found = r.execute_command("FT.SEARCH", "sidx", "@t:{red}", "NOCONTENT")
    assert (found[0] if isinstance(found, list) else found[b"total_results"]) == 3
    other.close()


def test_scripts_run_inside_transactions(r: redis.Redis) -> None:
    pipe = r.pipeline(transaction=True)
    pipe.eval("return redis.call('INCR', KEYS[1])", 1, "tx")
    pipe.eval("return redis.call('INCR', KEYS[1])", 1, "tx")
    assert pipe.execute() == [1, 2]


def test_the_sandbox_keeps_the_host_out(r: redis.Redis) -> None:
    assert r.eval("return {tostring(getfenv(0) == _G), tostring(getfenv(1) == _G), type(os.execute)}", 0) == \
        [b"true", b"true", b"nil"]
    with pytest.raises(redis.ResponseError, match="nonexistent global variable 'debug'"):
        r.eval("return getfenv(0).debug", 0)
    assert r.eval("return loadstring('return type(redis)')()", 0) == b"table"  # chunks see the scripts' globals
    with pytest.raises(redis.ResponseError, match="nonexistent global variable 'io'"):
        r.eval("return loadstring('return io')()", 0)
    with pytest.raises(redis.ResponseError, match="nonexistent global variable 'require'"):
        r.eval("return require('os')", 0)
    r.eval("local ok = pcall(rawset, _G, 'leak', 1)", 0)
    with pytest.raises(redis.ResponseError, match="nonexistent global variable 'leak'"):
        r.eval("return leak", 0)


def test_a_runaway_script_is_stopped_and_the_server_goes_on(r: redis.Redis) -> None:
    r.config_set("busy-reply-threshold", 200)
    started = time.monotonic()
    with pytest.raises(redis.ResponseError, match="busy-reply-threshold"):
        r.eval("local n = 0 while true do n = n + 1 end", 0)
    assert time.monotonic() - started < 5
    assert r.ping()
    assert r.eval("return 1", 0) == 1


def test_script_effects_replay_from_the_aof(tmp_path: Path) -> None:
    """The AOF holds what a script did (one MULTI/EXEC block), not the script: values drawn from TIME and
    SPOP replay to the same data."""
    data = tmp_path / "data"
    with redvector(data, "--appendonly", "yes", "--save", "") as (_, r):
        r.sadd("pool", *[str(i) for i in range(50)])
        r.eval("local t = redis.call('TIME'); redis.call('SET', KEYS[1], t[1] .. '.' .. t[2]);"
               "redis.call('SET', KEYS[2], redis.call('SPOP', KEYS[3]))", 3, "when", "picked", "pool")
        expected = (r.get("when"), r.get("picked"), sorted(r.smembers("pool")))
        r.eval("return redis.call('GET', KEYS[1])", 1, "when")  # a read-only script logs nothing
    with redvector(data, "--appendonly", "yes", "--save", "") as (_, r):
        assert (r.get("when"), r.get("picked"), sorted(r.smembers("pool"))) == expected
        aof = b"".join(p.read_bytes() for p in (data / "appendonlydir").glob("*.incr.aof"))
        assert b"EVAL" not in aof and b"MULTI" in aof


def test_concurrent_clients_see_a_script_as_one_step(server: ThreadedServer) -> None:
    """A script runs atomically: another client never sees its intermediate state."""
    writer = redis.Redis(port=server.port)
    reader = redis.Redis(port=server.port)
    writer.set("a", 0)
    writer.set("b", 0)
    stop = threading.Event()
    seen: list[tuple[bytes | None, bytes | None]] = []

    def read() -> None:
        while not stop.is_set():
            seen.append(tuple(reader.mget("a", "b")))  # type: ignore[arg-type]

    thread = threading.Thread(target=read)
    thread.start()
    for _ in range(200):
        writer.eval("redis.call('INCR', KEYS[1]); redis.call('INCR', KEYS[2])", 2, "a", "b")
    stop.set()
    thread.join()
    assert seen and all(a == b for a, b in seen)
    writer.close()
    reader.close()


def test_eval_keeps_its_last_500_scripts(r: redis.Redis) -> None:
    """As Redis 7.4: scripts brought in by EVAL are evicted least recently used first past 500; those
    SCRIPT LOAD brought in stay."""
    import hashlib

    def sha(body: str) -> str:
        return hashlib.sha1(body.encode()).hexdigest()

    r.script_flush()
    kept = r.script_load("return 'kept'")
    r.eval("return 'first'", 0)
    for i in range(600):
        r.eval(f"return {i}", 0)
    assert r.script_exists(sha("return 'first'"), kept, sha("return 599"), sha("return 99"), sha("return 100")) == \
        [False, True, True, False, True]
    assert r.eval("return 'first'", 0) == b"first"  # evicted scripts run again through EVAL
    memory = r.info("memory")
    assert memory["number_of_cached_scripts"] == 501 and memory["used_memory_lua"] > 0


def test_bytecode_and_memory_bombs_are_refused(r: redis.Redis) -> None:
    """Lua 5.1 does not verify bytecode: binary chunks are refused everywhere; a script that allocates
    without bound fails and the server goes on."""
    with pytest.raises(redis.ResponseError, match="bytecode loading is disabled"):
        r.eval("\x1bLua", 0)
    assert r.eval("local f, m = loadstring(string.dump(function() return 1 end)) return {tostring(f), m}", 0) == \
        [b"nil", b"bytecode loading is disabled"]
    with pytest.raises(redis.ResponseError, match="not enough memory"):
        r.eval("local t = {} for i = 1, 1000 do t[i] = string.rep('x', 10000000) .. i end", 0)
    assert r.eval("return 'still here'", 0) == b"still here"
