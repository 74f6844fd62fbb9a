"""redis.setresp(3) in scripts: command replies reach Lua as Redis's RESP3 conversion makes them (maps,
sets, doubles, nulls as nil, booleans), and a script's return value of ``{map=...}``, ``{set=...}``,
``{double=...}``, ``{big_number=...}``, ``{verbatim_string=...}`` or a boolean goes to RESP3 clients with
those types and to RESP2 clients as Redis writes them down; every reply byte for byte Redis Stack's."""

from __future__ import annotations

import pytest

from tests.serverutil import ThreadedServer, assert_same_raw_replies

SCRIPTS = [
    "redis.setresp(3) return redis.call('HGETALL', 'h')",
    "redis.setresp(3) local t = redis.call('HGETALL', 'h') return {t.map.f, t.map.g, type(t.map)}",
    "redis.setresp(3) local t = redis.call('SMEMBERS', 's') return {tostring(t.set.a), type(t.set)}",
    "redis.setresp(3) return redis.call('SMEMBERS', 's')",
    "redis.setresp(3) return redis.call('ZSCORE', 'z', 'm')",
    "redis.setresp(3) local t = redis.call('ZSCORE', 'z', 'm') return {tostring(t.double), type(t.double)}",
    "redis.setresp(3) return type(redis.call('GET', 'nokey'))",
    "redis.setresp(2) return type(redis.call('GET', 'nokey'))",
    "return type(redis.call('GET', 'nokey'))",
    "redis.setresp(3) return type(redis.call('ZSCORE', 'z', 'nomember'))",
    "redis.setresp(3) return redis.call('ZRANGE', 'z', 0, -1, 'WITHSCORES')",
    "redis.setresp(3) return redis.call('ZRANGE', 'z', 0, -1, 'WITHSCORES')[1][2].double",
    "redis.setresp(3) local t = redis.call('INFO', 'server') return type(t)",
    "redis.setresp(3) return {redis.call('SISMEMBER', 's', 'a'), redis.call('EXISTS', 's')}",
    "redis.setresp(3) return redis.call('LPOS', 'nolist', 'x')",
    "redis.setresp(3) return redis.call('BLPOP', 'nolist', 0)",
    "redis.setresp(3) return {redis.call('GET', 'nokey'), 5}",
    "redis.setresp(3) return redis.call('PING')",
    "redis.setresp(3) return redis.pcall('INCR', 'h')",
    "redis.setresp(3) return redis.call('XINFO', 'STREAM', 'nostream')",
    "redis.setresp(3) return redis.call('TYPE', 'h')",
    "return {map={a=1, b='x'}}",
    'return {map={}}',
    'return {set={a=true, b=true}}',
    'return {double=3.5}',
    'return {double=0/0}',
    'return {double=1/0}',
    'return {double=-0.0}',
    'return {double=1e300}',
    "return {double='3.5'}",
    "return {double='x'}",
    "return {big_number='123456789012345678901234567890'}",
    'return {big_number=5}',
    "return {verbatim_string={format='txt', string='hello'}}",
    "return {verbatim_string={format='markdown', string='hello'}}",
    "return {verbatim_string={format='tx', string='hello'}}",
    "return {verbatim_string={format=1, string='hello'}}",
    "return {verbatim_string='x'}",
    'return {map={a={set={x=true}}}, b={double=2}}',
    "return {map={[1]='one'}}",
    'return {map={a=true, b=false}}',
    'return true',
    'return false',
    'redis.setresp(3) return true',
    'redis.setresp(3) return false',
    'redis.setresp(3) return {true, false, 1}',
    'redis.setresp(3) return nil',
    'redis.setresp(3) return {1, nil, 3}',
    'redis.setresp(3) return {map={x=false}}',
    'return {map={x=false}}',
    'redis.setresp(3) return {set={x=false}}',
    "return {set={x=1, y='z'}}",
    "return {err='x', map={a=1}}",
    "return {ok='fine', double=1}",
    "return {double=1, big_number='2'}",
    "return {big_number='2', map={a=1}}",
    "return {map='notatable'}",
    "return {set='notatable', 'array'}",
    "redis.setresp(3) local t = redis.call('HGETALL', 'h') return t",
    "redis.setresp(3) redis.setresp(2) return redis.call('HGETALL', 'h')",
    'redis.setresp(4)',
    'redis.setresp()',
    "redis.setresp('3') return redis.call('HGETALL', 'h')",
    "redis.setresp(3.0) return redis.call('HGETALL', 'h')",
    "redis.setresp(3) return redis.call('ZPOPMIN', 'nozset')",
    "redis.setresp(3) return redis.call('SMISMEMBER', 's', 'a', 'b')",
    "redis.setresp(3) return redis.call('MEMORY', 'STATS')[1]",
    "redis.setresp(3) return redis.call('FT._LIST')",
    "redis.setresp(3) return redis.call('XRANGE', 'st', '-', '+')",
    "redis.setresp(3) return redis.call('XINFO', 'STREAM', 'st')['map']['length']",
    "redis.setresp(3) return redis.call('ZRANGE', 'z', 0, -1, 'WITHSCORES')",
    "redis.setresp(3) return {redis.call('ZINCRBY', 'z', 1, 'm'), redis.call('ZSCORE', 'z', 'm').double}",
    "redis.setresp(3) return redis.call('HGETALL', 'nohash')",
    "redis.setresp(3) return redis.call('SMEMBERS', 'noset')",
    "redis.setresp(3) return redis.call('MGET', 'nokey', 'h')",
    "redis.setresp(3) return {redis.call('SET', 'k', 'v'), redis.call('GET', 'k')}",
    "redis.setresp(3) local r = redis.pcall('GET', 'h') return {type(r), r.err}",
    "redis.setresp(3) return redis.call('GET', 'h')",
    'redis.setresp(3) return redis.call(\'JSON.SET\', \'j\', \'$\', \'{"a":1}\')',
    "redis.setresp(3) return redis.call('JSON.GET', 'j', '$.a')",
    "redis.setresp(3) return redis.call('XREAD', 'STREAMS', 'st', '0')",
    'return {double=-1.5e-7}',
    'return {double=123456789012345678}',
    "return {verbatim_string={format='txt\\0x', string='a'}}",
    'redis.setresp(3) return {map={[1.5]={double=2}, k={true, false}}}',
]

SETUP = [[b"FLUSHALL"], [b"HSET", b"h", b"f", b"v", b"g", b"w"], [b"SADD", b"s", b"a"], [b"ZADD", b"z", b"1.5", b"m"],
         [b"XADD", b"st", b"1-1", b"f", b"v"]]


@pytest.mark.parametrize("protocol", [2, 3])
def test_setresp_conversions_match_redis_stack(server: ThreadedServer, stack_port: int, protocol: int) -> None:
    commands = [[b"EVAL", script.encode(), b"0"] for script in SCRIPTS]
    assert_same_raw_replies(server.port, stack_port, protocol, commands, SETUP)


@pytest.mark.parametrize("protocol", [2, 3])
def test_functions_choose_resp3_too(server: ThreadedServer, stack_port: int, protocol: int) -> None:
    library = (b"#!lua name=resp\n"
               b"redis.register_function('r3', function(keys) redis.setresp(3) return redis.call('HGETALL', keys[1]) end)\n"
               b"redis.register_function('r2', function(keys) return {type(redis.call('GET', 'nokey')), "
               b"redis.call('HGETALL', keys[1])} end)\n"
               b"redis.register_function('bools', function() redis.setresp(3) return {true, false, {double=0.5}} end)")
    commands = [[b"FUNCTION", b"LOAD", library], [b"FCALL", b"r3", b"1", b"h"], [b"FCALL", b"r2", b"1", b"h"],
                [b"FCALL", b"bools", b"0"]]
    assert_same_raw_replies(server.port, stack_port, protocol, commands, [*SETUP, [b"FUNCTION", b"FLUSH"]])
