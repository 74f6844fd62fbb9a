"""The ``struct`` and ``cmsgpack`` libraries scripts get (commands/lua_libs.py): every reply and error of
EVAL compared byte for byte with Redis Stack 7.4's (lua_struct.c and lua_cmsgpack.c), in RESP2 and RESP3;
their place in FUNCTION libraries (not at load time, in the callbacks); and Lua numbers out of the int64
range replied as Redis does (INT64_MIN)."""

from __future__ import annotations

import pytest
import redis

from tests.serverutil import ThreadedServer, assert_same_raw_replies

# Scripts written as Lua source: escapes such as '\255' are Lua's own.
STRUCT = [
    "return struct.pack('i', 1, 2)",
    "return struct.pack('q', 1)",
    "return {pcall(struct.pack, 'q', 1)}",
    "return struct.pack('i99999999999', 1)",
    "return struct.pack('i33', 1)",
    "return struct.pack('!3i', 1)",
    "return struct.pack('<i16', -1)",
    "return struct.pack('>I8', 2^64)",
    "return struct.pack('>I8', 2^70)",
    "return struct.pack('>I8', 2^63 + 2^20)",
    "return struct.pack('>i8', -2^70)",
    "return struct.pack('>I8', 0/0)",
    "return struct.pack('>i4', 2^40+5)",
    "return struct.pack('>i')",
    "return struct.pack('ii', 1)",
    "return struct.pack('>i', 'x')",
    "return struct.pack('>i', '12')",
    "return struct.pack('>i', '0x10')",
    "return struct.pack('>i', ' 7 ')",
    "return struct.pack('c3', 'ab')",
    "return struct.pack('s', 5)",
    "return struct.pack('s', 1.5)",
    "return struct.pack('s', 1e20)",
    "return struct.pack('c0', 'hello')",
    "return struct.pack('>!4bi', 1, 2)",
    "return struct.pack('<!8bdbhbl', 1, 2.5, 3, 4, 5, 6)",
    "return struct.pack('f', 0.1)",
    "return struct.pack('>f', 1e39)",
    "return struct.pack('>f', -1e39)",
    "return struct.pack('>d', 0.1)",
    "return struct.pack('>d', 1/0)",
    "return struct.pack('>Bb', 255, -1)",
    "return struct.pack('>Hh', 65535, -2)",
    "return struct.pack('>LlT', 1, -1, 7)",
    "return struct.pack('>i3', -2)",
    "return struct.pack('<I5', 2^33 + 1)",
    "return struct.pack('xx>xi', 9)",
    "return struct.pack('i0', 5)",
    "return struct.pack('!5i', 1)",
    "return struct.pack('!i', 1)",
    'return struct.pack()',
    'return struct.pack(5, 1)',
    'return struct.pack({}, 1)',
    "return struct:pack('i')",
    "return {struct.unpack('>i2i2', '\\0\\1\\255\\255')}",
    "return {struct.unpack('>I', '\\0\\1')}",
    "return {struct.unpack('>I', '\\0\\1\\0\\0', 5)}",
    "return {struct.unpack('>I', '\\0\\1\\0\\0', 6)}",
    "return {struct.unpack('>I', '\\0\\1\\0\\0', 0)}",
    "return {struct.unpack('>I', '\\0\\1\\0\\0', -1)}",
    "return {struct.unpack('>I', '\\0\\1\\0\\0', 1.9)}",
    "return {struct.unpack('>I', '\\0\\1\\0\\0', '1')}",
    "return {struct.unpack('>I', '\\0\\1\\0\\0', 'x')}",
    "return {struct.unpack('', 'abc', 9)}",
    "return {struct.unpack('bc0', '\\3abcd')}",
    "return {struct.unpack('c1c0', '3abcd')}",
    "return {struct.unpack('c0', '2abcd')}",
    "return {struct.unpack('bc0', '\\255abcd')}",
    "return {struct.unpack('c0', 'abcd')}",
    "return {struct.unpack('s', 'abcd')}",
    "return {struct.unpack('ss', 'ab\\0cd\\0')}",
    "return {struct.unpack('>i16', string.rep('\\255', 16))}",
    "return {struct.unpack('>i12', string.rep('\\255', 12))}",
    "return {struct.unpack('<i3', '\\255\\255\\255')}",
    "return {struct.unpack('>I8', string.rep('\\255', 8))}",
    "return {struct.unpack('!4bxi', '\\1\\0\\0\\0\\0\\0\\0\\9\\0\\0\\0')}",
    "return {struct.unpack('>b', 5)}",
    "return {struct.unpack('i')}",
    "return struct.size('!4bid')",
    "return struct.size('s')",
    "return struct.size('c0')",
    "return struct.size('q')",
    "return struct.size('bc5')",
    "return struct.size('!d')",
    "return struct.size('!bd')",
    "return struct.size('!bhx')",
    "return struct.size('<>!2 i')",
    'return struct.size()',
    "return tostring(struct.unpack('>d', struct.pack('>d', 0.1)))",
    "return {struct.unpack('f', struct.pack('f', 0.1))}",
    "return tostring(struct.unpack('f', struct.pack('f', 0.1)))",
    "local ok, e = pcall(function() return struct.pack('>i') end) return e",
    "return {xpcall(function() struct.pack('q') end, function(e) return e end)}",
    "return {xpcall(function() return struct.pack('>i', 1) end, function(e) return e end)}",
    "local co = coroutine.create(function() struct.pack('q') end) return {coroutine.resume(co)}",
    "local co = coroutine.create(function() coroutine.yield(1) struct.pack('q') end) local a = {coroutine.resume(co)} local b = {coroutine.resume(co)} return {a[1], a[2], b[1], b[2], coroutine.status(co)}",
    "local co = coroutine.create(function(x) return struct.pack('>h', x) end) return {coroutine.resume(co, 5)}",
    "local co = coroutine.create(function() error('plain') end) return {coroutine.resume(co)}",
    "local co = coroutine.create(function() local ok, e = pcall(struct.pack, 'q') return e end) return {coroutine.resume(co)}",
]

CMSGPACK = [
    'return cmsgpack.pack()',
    'return {pcall(cmsgpack.pack)}',
    'return cmsgpack.pack(nil)',
    'return cmsgpack.pack({1,2,nil,4})',
    'return cmsgpack.pack({[1]=1,[3]=3})',
    'return cmsgpack.pack({a=1})',
    'return cmsgpack.pack({[1.5]=1})',
    'return cmsgpack.pack({})',
    'return cmsgpack.pack(-0.0, 1/0, -1/0, 0/0, 3.5, 1e40, 2^53, -2^63, 2^31, -2^31-1, 127, 128, -32, -33, 255, 256, 65535, 65536)',
    'return cmsgpack.pack(2^63, 2^64, -2^64, 1e300, 1e-300, 0.1, -0.5, 2^32, -2^32, -2^15, -2^15-1, -129, 4294967295)',
    "return cmsgpack.pack(string.rep('x', 65536)):sub(1,6)",
    "return cmsgpack.pack(string.rep('x', 31), string.rep('y', 32), string.rep('z', 255), string.rep('w', 256))",
    'return cmsgpack.pack(true, false, function() end)',
    'return cmsgpack.pack({1, 2, [2^40]=3})',
    'return cmsgpack.pack({[-1]=1})',
    'return cmsgpack.pack({[1]=1, [2]=2, x=3})',
    'return cmsgpack.pack({[true]=1})',
    "return cmsgpack.pack({a=1, b={c=2, d={1,2,3}}, e='x', f=true, g=1.5})",
    'return cmsgpack.pack({{{{{{{{{{{{{{{{{{1}}}}}}}}}}}}}}}}}})',
    'return cmsgpack.pack({{{{{{{{{{{{{{{1}}}}}}}}}}}}}}})',
    'local t = {} t[t] = t return #cmsgpack.pack(t)',
    'local t = {} t[t] = t return redis.sha1hex(cmsgpack.pack(t))',
    'return cmsgpack.pack(setmetatable({}, {__index=function(t,k) return k end}))',
    'local t = {} for i=1,20 do t[i] = i end return cmsgpack.pack(t)',
    'local t = {} for i=1,70000 do t[i] = i % 7 end return redis.sha1hex(cmsgpack.pack(t))',
    "local t = {} for i=1,20 do t['k'..i] = i end return cmsgpack.pack(t)",
    "local t = {} for i=1,70000 do t['k'..i] = i end return redis.sha1hex(cmsgpack.pack(t))",
    'return {cmsgpack.unpack(cmsgpack.pack(1,2,3))}',
    "return {cmsgpack.unpack('')}",
    'return {cmsgpack.unpack()}',
    'return {cmsgpack.unpack(5)}',
    "return {cmsgpack.unpack('\\145')}",
    "return {cmsgpack.unpack('\\129\\192\\1')}",
    "return {pcall(cmsgpack.unpack, '\\129\\192\\1')}",
    "return {cmsgpack.unpack('\\129\\1\\192')}",
    "return {cmsgpack.unpack('\\147\\1\\192\\3')}",
    "return {cmsgpack.unpack('\\207\\255\\255\\255\\255\\255\\255\\255\\255')}",
    "return {cmsgpack.unpack('\\207\\127\\255\\255\\255\\255\\255\\255\\255')}",
    "return {cmsgpack.unpack('\\211\\128\\0\\0\\0\\0\\0\\0\\0')}",
    "return {cmsgpack.unpack('\\202\\63\\128\\0\\0')}",
    "return {cmsgpack.unpack('\\196\\3abc')}",
    "return {cmsgpack.unpack('\\193')}",
    "return {cmsgpack.unpack('\\218\\0')}",
    "return {cmsgpack.unpack('\\219\\0\\0\\0\\5ab')}",
    "return {cmsgpack.unpack('\\220\\0\\2\\1\\2\\222\\0\\1\\161a\\1')}",
    "return cmsgpack.unpack('\\203\\63\\185\\153\\153\\153\\153\\153\\154') * 10",
    "return tostring(cmsgpack.unpack('\\203\\63\\185\\153\\153\\153\\153\\153\\154'))",
    "return type(cmsgpack.unpack('\\192'))",
    "return cmsgpack.unpack('\\1', 2)",
    "return {cmsgpack.unpack('\\130\\1\\2\\1\\3')}",
    "return {cmsgpack.unpack('\\145\\1\\2')}",
    "return {cmsgpack.unpack('\\1\\2\\3')}",
    "return #{cmsgpack.unpack(string.rep('\\1', 9000))}",
    "return #{cmsgpack.unpack(string.rep('\\1', 7999))}",
    "return #{cmsgpack.unpack(string.rep('\\1', 8000))}",
    "return #{cmsgpack.unpack(string.rep('\\1', 7000))}",
    'return {cmsgpack.unpack_one(cmsgpack.pack(1,2,3))}',
    'return {cmsgpack.unpack_one(cmsgpack.pack(1,2,3), 1)}',
    'return {cmsgpack.unpack_one(cmsgpack.pack(1,2,3), 2)}',
    'return {cmsgpack.unpack_one(cmsgpack.pack(1,2,3), 3)}',
    'return {cmsgpack.unpack_one(cmsgpack.pack(1,2,3), 4)}',
    'return {cmsgpack.unpack_one(cmsgpack.pack(1,2,3), -1)}',
    'return {cmsgpack.unpack_limit(cmsgpack.pack(1,2,3), 2)}',
    'return {cmsgpack.unpack_limit(cmsgpack.pack(1,2,3), 0)}',
    'return {cmsgpack.unpack_limit(cmsgpack.pack(1,2,3), 0, 1)}',
    'return {cmsgpack.unpack_limit(cmsgpack.pack(1,2,3), -1)}',
    'return {cmsgpack.unpack_limit(cmsgpack.pack(1,2,3))}',
    "return {cmsgpack.unpack_limit(cmsgpack.pack(1,2,3), 'x')}",
    'return {cmsgpack.unpack_one(cmsgpack.pack(1,2,3), 1.7)}',
    'return {cmsgpack.unpack_one(5)}',
    "return {cmsgpack.unpack_one('')}",
    'return {cmsgpack.unpack_one()}',
    'return cmsgpack.unpack(cmsgpack.pack({a={b={c={1,2}}}})).a.b.c[2]',
    "return {cmsgpack.unpack(cmsgpack.pack({1,2,{3,'x'}}))}",
    'local t = cmsgpack.unpack(cmsgpack.pack({x=1, y=2, z={1,2}})) return {t.x, t.y, t.z[2]}',
    'return {cmsgpack._VERSION, cmsgpack._NAME, cmsgpack._COPYRIGHT, cmsgpack._DESCRIPTION}',
    'return {type(struct.pack), type(cmsgpack.unpack), type(struct), type(cmsgpack)}',
    'return cmsgpack.pack(-2^53, -2^53 - 2, 2^53, 2^53 + 2, -2^62, 2^62, -2^31, -2^31 - 1, -2^32, 2^32 - 1, -65536, -32769, -32768, -129, -(2^53 - 1), 2^53 - 1, -3e15, 3e15)',
    'return {cmsgpack.unpack(cmsgpack.pack(-2^53, -2^53 - 2, 2^53, 2^53 + 2, -2^62, 2^62, -2^31, -2^31 - 1, -2^32, 2^32 - 1, -65536, -32769, -32768, -129))}',
    "return cmsgpack.pack(string.rep('a', 65535)):sub(1, 4)",
    "return cmsgpack.pack(string.rep('a', 65536)):sub(1, 6)",
    'local t = {} for i = 1, 65536 do t[i] = i end return cmsgpack.pack(t):sub(1, 8)',
    "local t = {} for i = 1, 65536 do t['k'..i] = 1 end return cmsgpack.pack(t):sub(1, 8)",
    "local t = {} for i = 1, 65535 do t['k'..i] = 1 end return redis.sha1hex(cmsgpack.pack(t))",
    "return {cmsgpack.unpack('\\221\\0\\0\\0\\2\\1\\2\\223\\0\\0\\0\\1\\1\\2')}",
    "return {cmsgpack.unpack('\\205\\255\\255\\206\\255\\255\\255\\255\\210\\128\\0\\0\\0\\209\\128\\0')}",
    "return {cmsgpack.unpack_one('\\1\\2', 2)}",
    "return {cmsgpack.unpack_limit('\\1\\2\\3', 1, 1)}",
    "return {cmsgpack.unpack_limit('\\1\\2\\3', 5, 1)}",
    "return {pcall(cmsgpack.unpack, '\\129\\192\\1')}",
    'local t = {} for i=1,20000 do t[i] = i + 0.25 end return redis.sha1hex(cmsgpack.pack(t))',
    'local t = {} for i=1,20000 do t[i] = 1/i end return redis.sha1hex(cmsgpack.pack(t))',
    'local t = {} for i=1,2000 do t[i] = 1/i end local u = cmsgpack.unpack(cmsgpack.pack(t)) local s = 0 for i=1,#u do s = s + u[i] end return tostring(s)',
    'return cmsgpack.pack(1e-45, 1.4e-45, 2^-149, 2^-150, 3.4028234663852886e38, 3.4028235677973366e38, 2^128, -2^-126)',
]

NUMBERS = [
    'return 0/0',
    'return 1/0',
    'return 2^63',
    'return 2^64',
    'return -2^63',
    'return -2^63 - 4096',
    'return {2^63, 1e300, -1/0, 2^62}',
]


def _eval(scripts: list[str]) -> list[list[bytes]]:
    return [[b"EVAL", script.encode(), b"0"] for script in scripts]


# Another module's test may have lowered the shared server's script time limit.
SETUP = [[b"FLUSHALL"], [b"CONFIG", b"SET", b"busy-reply-threshold", b"5000"]]


@pytest.mark.parametrize("protocol", [2, 3])
def test_struct_matches_redis_stack(server: ThreadedServer, stack_port: int, protocol: int) -> None:
    assert_same_raw_replies(server.port, stack_port, protocol, _eval(STRUCT), SETUP)


@pytest.mark.parametrize("protocol", [2, 3])
def test_cmsgpack_matches_redis_stack(server: ThreadedServer, stack_port: int, protocol: int) -> None:
    assert_same_raw_replies(server.port, stack_port, protocol, _eval(CMSGPACK), SETUP)


@pytest.mark.parametrize("protocol", [2, 3])
def test_lua_numbers_reply_as_redis_does(server: ThreadedServer, stack_port: int, protocol: int) -> None:
    assert_same_raw_replies(server.port, stack_port, protocol, _eval(NUMBERS), SETUP)


def test_functions_see_the_libraries_in_callbacks_only(server: ThreadedServer, stack_port: int) -> None:
    """Redis 7.4 gives a library's load-time code only ``redis``; its callbacks get struct and cmsgpack."""
    commands = [
        [b"FUNCTION", b"LOAD", b"#!lua name=atload\nlocal p = struct.pack\n"
                               b"redis.register_function('f', function() return 1 end)"],
        [b"FUNCTION", b"LOAD", b"#!lua name=atload2\nlocal p = cmsgpack\n"
                               b"redis.register_function('f', function() return 1 end)"],
        [b"FUNCTION", b"LOAD", b"#!lua name=libs\nredis.register_function('packs', function(keys, args) return "
                               b"{struct.pack('>hs', 7, args[1]), cmsgpack.pack({args[1], 1.5, {k=true}}), "
                               b"cmsgpack.unpack(cmsgpack.pack(args[1])), struct.size('!4bd')} end)\n"
                               b"redis.register_function('fails', function() return struct.unpack('>i', 'ab') end)"],
        [b"FCALL", b"packs", b"0", b"hello"],
        [b"FCALL", b"fails", b"0"],
    ]
    assert_same_raw_replies(server.port, stack_port, 2, commands, [[b"FUNCTION", b"FLUSH"]])


def test_a_runaway_script_inside_cmsgpack_is_still_stopped(r: redis.Redis) -> None:
    """The codec's own error catching lets the busy deadline's kill through."""
    r.config_set("busy-reply-threshold", 200)
    try:
        with pytest.raises(redis.ResponseError, match=r"^Script killed: it ran longer than busy-reply-threshold"):
            r.eval("local s = cmsgpack.pack({1, 2, {3}}) while true do cmsgpack.unpack(s) end", 0)
        with pytest.raises(redis.ResponseError, match=r"^Script killed: it ran longer than busy-reply-threshold"):
            r.eval("local t = {} for i = 1, 20 do t[i] = i end while true do cmsgpack.pack(t, t, t) end", 0)
    finally:
        r.config_set("busy-reply-threshold", 5000)
    assert r.eval("return cmsgpack.unpack(cmsgpack.pack(7))", 0) == 7
