"""cmsgpack's codec (lua_cmsgpack.c 0.4.0) as Lua code on the scripting VM, for commands/lua_libs.py.

The walk over Lua values runs in Lua (a table's elements never cross into Python one by one, which made
large payloads many times slower than Redis); what Lua 5.1 cannot compute exactly is done by the Python
helpers here: IEEE float32 / float64 bytes, and integers of 2^53 and past.

Encoding: a number equal to an int64 as the smallest integer format, else float32 (0xca) when the
number survives the round trip, else float64 (0xcb); strings as fixstr / str8 / str16 / str32; a table
whose keys are exactly 1..n (each an int) as an array of ``#t`` items, any other as a map in ``next``
order; a table nested 16 deep, and functions, userdata and nil, as nil (0xc0). Decoding as
mp_decode_to_lua_type: uint64 wraps to int64 (lua_pushunsigned is lua_pushinteger on Lua 5.1), bin and ext
types are "Bad data format", and luaL_checkstack's limit applies to the values a call returns.
"""

from __future__ import annotations

import math
import struct
from typing import Any

CODEC = r"""
local py_number, py_int64, py_float = ...
local char, byte, sub, concat, floor, type, next, select, pcall, error, tostring =
      string.char, string.byte, string.sub, table.concat, math.floor, type, next, select, pcall, error, tostring
local MAX_NESTING, MAX_STACK, INT_MAX, TWO53 = 16, 8000, 2147483647, 2^53

local function be2(n) return char(floor(n / 256), n % 256) end
local function be4(n)  -- 0 <= n < 2^32, integral
  return char(floor(n / 16777216), floor(n / 65536) % 256, floor(n / 256) % 256, n % 256)
end
local function be8(n)  -- an integral |n| < 2^53, two's complement when negative (exact: no sum past 2^53)
  local high = floor(n / 4294967296)
  local low = n - high * 4294967296
  if high < 0 then high = high + 4294967296 end
  return be4(high) .. be4(low)
end

local function integer(n)  -- |n| < 2^53
  if n >= 0 then
    if n <= 127 then return char(n) end
    if n <= 0xff then return char(0xcc, n) end
    if n <= 0xffff then return '\205' .. be2(n) end
    if n <= 0xffffffff then return '\206' .. be4(n) end
    return '\207' .. be8(n)
  end
  if n >= -32 then return char(n + 256) end
  if n >= -128 then return char(0xd0, n + 256) end
  if n >= -32768 then return '\209' .. be2(n + 65536) end
  if n >= -2147483648 then return '\210' .. be4(n + 4294967296) end
  return '\211' .. be8(n)
end

local function header(n, fix, wide)
  if n <= 15 then return char(fix + n) end
  if n <= 0xffff then return char(wide) .. be2(n) end
  return char(wide + 1) .. be4(n % 4294967296)
end

local function is_array(t)  -- table_is_an_array: keys exactly 1..n, each an int
  local count, max = 0, 0
  for k in next, t do
    if type(k) ~= 'number' or k <= 0 or k ~= floor(k) or k > INT_MAX then return false end
    if k > max then max = k end
    count = count + 1
  end
  return max == count
end

local encode
encode = function(buf, v, level)
  local t = type(v)
  if t == 'table' and level == MAX_NESTING then t = 'nil' end
  if t == 'string' then
    local n = #v
    if n < 32 then buf[#buf + 1] = char(0xa0 + n)
    elseif n <= 0xff then buf[#buf + 1] = char(0xd9, n)
    elseif n <= 0xffff then buf[#buf + 1] = '\218' .. be2(n)
    else buf[#buf + 1] = '\219' .. be4(n % 4294967296) end
    buf[#buf + 1] = v
  elseif t == 'boolean' then
    buf[#buf + 1] = v and '\195' or '\194'
  elseif t == 'number' then
    if v == floor(v) and v > -TWO53 and v < TWO53 then buf[#buf + 1] = integer(v)
    else buf[#buf + 1] = py_number(v) end
  elseif t == 'table' then
    if is_array(v) then
      local n = #v
      buf[#buf + 1] = header(n, 0x90, 0xdc)
      for j = 1, n do encode(buf, v[j], level + 1) end
    else
      local n = 0
      for _ in next, v do n = n + 1 end
      buf[#buf + 1] = header(n, 0x80, 0xde)
      for key, value in next, v do
        encode(buf, key, level + 1)
        encode(buf, value, level + 1)
      end
    end
  else
    buf[#buf + 1] = '\192'
  end
end

local function pack(...)
  local buf, args = {}, {...}
  for i = 1, select('#', ...) do encode(buf, args[i], 0) end
  return concat(buf)
end

local EOF, BAD = {}, {}
local decode

local function array(s, pos, n, stack)
  local t = {}
  if stack + 2 > MAX_STACK then error('stack overflow (in function mp_decode_to_lua_array)', 0) end
  for i = 1, n do
    local v
    v, pos = decode(s, pos, stack + 2)
    t[i] = v
  end
  return t, pos
end

local function map(s, pos, n, stack)
  local t = {}
  for _ = 1, n do
    local k, v
    k, pos = decode(s, pos, stack + 1)
    v, pos = decode(s, pos, stack + 2)
    if k == nil then error({'table index is nil', settable = true}, 0) end
    if k ~= k then error({'table index is NaN', settable = true}, 0) end
    t[k] = v
  end
  return t, pos
end

-- One value at byte pos of s: the value, and the position past it. stack: the Lua stack slots in use.
decode = function(s, pos, stack)
  local left = #s - pos + 1
  if left < 1 then error(EOF, 0) end
  if stack + 1 > MAX_STACK then
    error('stack overflow (too many return values at once; use unpack_one or unpack_limit instead.)', 0)
  end
  local c = byte(s, pos)
  if c < 0x80 then return c, pos + 1 end
  if c >= 0xe0 then return c - 256, pos + 1 end
  if c >= 0xa0 and c <= 0xbf then
    local l = c - 0xa0
    if left < 1 + l then error(EOF, 0) end
    return sub(s, pos + 1, pos + l), pos + 1 + l
  end
  if c >= 0x90 and c <= 0x9f then return array(s, pos + 1, c - 0x90, stack) end
  if c >= 0x80 and c <= 0x8f then return map(s, pos + 1, c - 0x80, stack) end
  if c == 0xc0 then return nil, pos + 1 end
  if c == 0xc2 then return false, pos + 1 end
  if c == 0xc3 then return true, pos + 1 end
  local b1, b2, b3, b4 = byte(s, pos + 1, pos + 4)
  if c == 0xcc or c == 0xd0 or c == 0xd9 then
    if left < 2 then error(EOF, 0) end
    if c == 0xcc then return b1, pos + 2 end
    if c == 0xd0 then return b1 >= 128 and b1 - 256 or b1, pos + 2 end
    if left < 2 + b1 then error(EOF, 0) end
    return sub(s, pos + 2, pos + 1 + b1), pos + 2 + b1
  end
  if c == 0xcd or c == 0xd1 or c == 0xda or c == 0xdc or c == 0xde then
    if left < 3 then error(EOF, 0) end
    local n = b1 * 256 + b2
    if c == 0xcd then return n, pos + 3 end
    if c == 0xd1 then return n >= 32768 and n - 65536 or n, pos + 3 end
    if c == 0xdc then return array(s, pos + 3, n, stack) end
    if c == 0xde then return map(s, pos + 3, n, stack) end
    if left < 3 + n then error(EOF, 0) end
    return sub(s, pos + 3, pos + 2 + n), pos + 3 + n
  end
  if c == 0xce or c == 0xd2 or c == 0xdb or c == 0xdd or c == 0xdf or c == 0xca then
    if left < 5 then error(EOF, 0) end
    local n = ((b1 * 256 + b2) * 256 + b3) * 256 + b4
    if c == 0xce then return n, pos + 5 end
    if c == 0xd2 then return n >= 2147483648 and n - 4294967296 or n, pos + 5 end
    if c == 0xca then return py_float(sub(s, pos + 1, pos + 4)), pos + 5 end
    if c == 0xdd then return array(s, pos + 5, n, stack) end
    if c == 0xdf then return map(s, pos + 5, n, stack) end
    if left < 5 + n then error(EOF, 0) end
    return sub(s, pos + 5, pos + 4 + n), pos + 5 + n
  end
  if c == 0xcf or c == 0xd3 or c == 0xcb then
    if left < 9 then error(EOF, 0) end
    if c == 0xcb then return py_float(sub(s, pos + 1, pos + 8)), pos + 9 end
    return py_int64(sub(s, pos + 1, pos + 8), c == 0xd3), pos + 9
  end
  error(BAD, 0)
end

-- Up to limit values from byte offset (0-based): the values (a table), their count and the offset past them.
local function unpack_values(s, limit, offset)
  local values, count, pos, len = {}, 0, offset + 1, #s
  while pos <= len and count < limit do
    local v
    v, pos = decode(s, pos, 1 + count)
    count = count + 1
    values[count] = v
  end
  return values, count, pos - 1
end

-- f(...) for Python: true and its results; or false, 'lib', the error text and whether it takes the
-- caller's position; or false, 'abort' and the error line of a foreign error (the busy deadline's kill),
-- which must stop the script.
local function guarded(f)
  local function outcome(ok, ...)
    if ok then return true, ... end
    local err = ...
    if err == EOF then return false, 'lib', 'Missing bytes in input.', true end
    if err == BAD then return false, 'lib', 'Bad data format in input.', true end
    if type(err) == 'table' and err.settable then return false, 'lib', err[1], false end  -- no position
    if type(err) == 'table' and type(err.err) == 'string' then return false, 'abort', err.err end
    local text = tostring(err)
    return false, 'lib', text, text:sub(1, 14) == 'stack overflow'
  end
  return function(...) return outcome(pcall(f, ...)) end
end

return guarded(pack), guarded(unpack_values)
"""


def encode_number(n: float) -> bytes:
    """A number the Lua side leaves to Python: an int64 of 2^53 or past, or a non-integer (float32 when
    exact, else float64)."""
    if isinstance(n, int) and -(2**63) <= n < 2**63:
        return _integer(n)
    single = float32_bytes(n)
    if struct.unpack(">f", single)[0] == n:
        return b"\xca" + single
    return b"\xcb" + struct.pack(">d", n)


def float32_bytes(d: float) -> bytes:
    """The 4 bytes (big-endian) of C's ``(float)d``: rounded to nearest, inf past the float range."""
    try:
        return struct.pack(">f", d)
    except OverflowError:
        return struct.pack(">f", math.copysign(math.inf, d))


def _integer(n: int) -> bytes:
    if n >= 0:
        return b"\xcf" + n.to_bytes(8, "big") if n > 0xFFFFFFFF else b"\xce" + n.to_bytes(4, "big")
    return b"\xd3" + n.to_bytes(8, "big", signed=True)


def decode_int64(data: bytes, signed: bool) -> int:
    """0xcf / 0xd3's 8 bytes as the number Lua gets: a uint64 wraps to int64 (lua_pushunsigned)."""
    return int.from_bytes(data, "big", signed=True) if signed or data[0] >= 0x80 else int.from_bytes(data, "big")


def decode_float(data: bytes) -> float:
    return float(struct.unpack(">f" if len(data) == 4 else ">d", data)[0])


def install(lua: Any) -> tuple[Any, Any]:
    """The codec's (pack, unpack_values) Lua functions in ``lua``."""
    pack, unpack_values = lua.execute(CODEC.encode(), encode_number, decode_int64, decode_float)
    return pack, unpack_values
