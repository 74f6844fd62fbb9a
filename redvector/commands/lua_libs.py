"""The ``struct``, ``cmsgpack`` and ``bit`` libraries Redis ships to scripts, on the scripting VM (commands/lua.py).

Their functions are Python callables (C functions to Lua, as Redis's are, so ``return struct.pack(...)``
keeps the script's frame and its line for the error message) following Redis's lua_struct.c (struct.c
1.4: formats ``<>!xbBhHlLTiIfdsc``, alignment, an x86-64 build's sizes and integer conversions) and
lua_cmsgpack.c 0.4.0 (its codec is Lua code, commands/lua_msgpack.py, called from here) byte for byte. Their
errors read as the C library's do: ``user_script:1: bad argument #1 to 'pack' (...)`` (luaL_argerror)
or ``user_script:1: <message>`` (luaL_error); the scripts' pcall gets that text, as in Redis.

Known differences: lupa hands Python ``-0.0`` as the integer 0, so ``struct.pack('d', -0.0)`` packs +0;
an error inside a ``coroutine.wrap`` coroutine is placed on the main stack (only coroutine.resume is
followed), and crosses auxwrap as an object, without the position auxwrap prepends to a string.
"""

from __future__ import annotations

import struct as pystruct
from collections.abc import Callable
from typing import Any

from lupa import lua51

from redvector.commands import lua_msgpack
from redvector.errors import RedVectorError

INT_MAX = 2**31 - 1
_U64 = 2**64 - 1
_I64_MIN = -(2**63)
_SIGN64 = 2**63
MAXINTSIZE = 32  # lua_struct.c's limit for i/I sizes
MAXALIGN = 8  # offsetof(struct {char c; double d;}, d) on x86-64
_SIZES = {ord("b"): 1, ord("B"): 1, ord("h"): 2, ord("H"): 2, ord("l"): 8, ord("L"): 8, ord("T"): 8,
          ord("f"): 4, ord("d"): 8, ord("x"): 1}
_INTEGERS = frozenset(b"bBhHlLTiI")
LUA_MAX_STACK = 8000  # LUAI_MAXCSTACK: luaL_checkstack fails past it

_CHUNK = r"""
local getinfo = debug.getinfo
local py = ...
struct = {pack = py.struct_pack, unpack = py.struct_unpack, size = py.struct_size}
cmsgpack = {pack = py.msgpack_pack, unpack = py.msgpack_unpack, unpack_one = py.msgpack_unpack_one,
            unpack_limit = py.msgpack_unpack_limit, _NAME = 'cmsgpack', _VERSION = 'lua-cmsgpack 0.4.0',
            _COPYRIGHT = 'Copyright (C) 2012, Salvatore Sanfilippo',
            _DESCRIPTION = 'MessagePack C implementation for Lua'}
-- The coroutines scripts resumed, innermost last: a library function called in one runs on its stack.
local resume, running = coroutine.resume, {}
local function resumed(...)
  running[#running] = nil
  return ...
end
coroutine.resume = function(co, ...)
  running[#running + 1] = co
  return resumed(resume(co, ...))
end
-- Where a library function was called, as luaL_error and luaL_argerror see it. Called from Python while
-- that function (a C function to Lua) runs: level 2 on the main stack (its caller level 3), or level 0
-- of the coroutine running it.
local function context()
  local co, fn, caller = running[#running]
  if co then
    fn, caller = getinfo(co, 0, 'n'), getinfo(co, 1, 'Sl')
  else
    fn, caller = getinfo(2, 'n'), getinfo(3, 'Sl')
  end
  local where = ''
  if caller and caller.currentline > 0 then where = caller.short_src .. ':' .. caller.currentline .. ': ' end
  return where, fn and fn.name, fn and fn.namewhat
end
return context, tostring, tonumber
"""


class LibError(Exception):
    """luaL_error's failure: ``message`` gets the caller's position."""

    def __init__(self, message: str, narg: int | None = None, positioned: bool = True) -> None:
        super().__init__(message)
        self.message = message
        self.narg = narg  # luaL_argerror's argument number, None for luaL_error
        self.positioned = positioned  # False: an error the Lua core raises in C (no position)


class LuaLibError(Exception):
    """A library function's error as the script sees it (its full text), raised into Lua."""


class LuaAbort(Exception):
    """An error that is not the library's (the busy deadline's kill) met inside it: its text is the
    script's error line."""


def _outcome(result: tuple[Any, ...]) -> tuple[Any, ...]:
    """The results of a guarded Lua call (lua_msgpack.py), its error raised."""
    if result[0]:
        return result[1:]
    message = result[2].decode("utf-8", "replace")
    if result[1] == b"abort":
        raise LuaAbort(message)
    raise LibError(message, positioned=bool(result[3]))


def _arg_error(narg: int, message: str) -> LibError:
    return LibError(message, narg)


def _type_name(value: Any) -> str:
    if value is None:
        return "nil"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, bytes):
        return "string"
    return lua51.lua_type(value) or "userdata"


def _c_int64(n: float) -> int:
    """(int64_t)n as x86-64 converts it: out of range and NaN give INT64_MIN."""
    if isinstance(n, int):
        return n if _I64_MIN <= n < _SIGN64 else _I64_MIN
    if n != n or not -9.3e18 < n < 9.3e18:
        return _I64_MIN
    value = int(n)
    return value if _I64_MIN <= value < _SIGN64 else _I64_MIN


def _c_uint64(n: float) -> int:
    """(uint64_t)n for n >= 0 (or NaN) as gcc compiles it on x86-64."""
    if n >= _SIGN64:
        return (_c_int64(n - _SIGN64) ^ _SIGN64) & _U64 if n - _SIGN64 < _SIGN64 else 0
    return _c_int64(n) & _U64


def _c_int32(n: int) -> int:
    """A 64-bit integer cast to int (the low 32 bits, signed)."""
    n &= 0xFFFFFFFF
    return n - (1 << 32) if n & 0x80000000 else n


class LuaLibraries:
    """Installs ``struct`` and ``cmsgpack`` in a LuaRuntime's globals (before the scripts' sandbox is made)."""

    def __init__(self, lua: Any, killed: str) -> None:
        """``killed``: the error line of a script the busy deadline stops, which the deadline's hook may
        raise while Lua code this module calls runs (it reaches Python without its text)."""
        self.lua = lua
        self._killed = killed
        funcs = {
            b"struct_pack": self._entry(self.struct_pack), b"struct_unpack": self._entry(self.struct_unpack),
            b"struct_size": self._entry(self.struct_size), b"msgpack_pack": self._entry(self.msgpack_pack),
            b"msgpack_unpack": self._entry(self.msgpack_unpack),
            b"msgpack_unpack_one": self._entry(self.msgpack_unpack_one),
            b"msgpack_unpack_limit": self._entry(self.msgpack_unpack_limit),
        }
        self._context, self._tostring, self._tonumber = lua.execute(_CHUNK.encode(), lua.table_from(funcs))
        self._mp_pack, self._mp_unpack = lua_msgpack.install(lua)

    def _entry(self, function: Callable[..., Any]) -> Callable[..., Any]:
        """``function`` as Lua calls it: its LibError raised as the text luaL_error would give."""
        def call(*args: Any) -> Any:
            try:
                try:
                    return function(args)
                except LibError as exc:
                    raise LuaLibError(self._describe(exc)) from None
            except lua51.LuaError as exc:  # raised by Lua code called from here: the deadline's hook
                raise LuaAbort(str(exc) or self._killed) from None
        return call

    def _describe(self, exc: LibError) -> str:
        if not exc.positioned:
            return exc.message
        where, name, namewhat = self._context()
        where = where.decode("utf-8", "replace")
        if exc.narg is None:
            return where + exc.message
        narg = exc.narg
        fname = name.decode("utf-8", "replace") if isinstance(name, bytes) else None
        if namewhat == b"method":
            narg -= 1
            if narg == 0:
                return f"{where}calling '{fname}' on bad self ({exc.message})"
        return f"{where}bad argument #{narg} to '{fname or '?'}' ({exc.message})"

    # -- the lauxlib checks ----------------------------------------------------------------------------
    def _check_string(self, args: tuple[Any, ...], narg: int) -> bytes:
        value = args[narg - 1] if narg <= len(args) else None
        if isinstance(value, bytes):
            return value
        if isinstance(value, int | float) and not isinstance(value, bool):
            return bytes(self._tostring(value))
        raise _arg_error(narg, f"string expected, got {self._got(args, narg)}")

    def _check_number(self, args: tuple[Any, ...], narg: int) -> float | int:
        value = args[narg - 1] if narg <= len(args) else None
        if isinstance(value, int | float) and not isinstance(value, bool):
            return value
        if isinstance(value, bytes):
            number = self._tonumber(value)
            if number is not None:
                return number
        raise _arg_error(narg, f"number expected, got {self._got(args, narg)}")

    def _opt_integer(self, args: tuple[Any, ...], narg: int, default: int) -> int:
        if narg > len(args) or args[narg - 1] is None:
            return default
        return _c_int64(self._check_number(args, narg))

    @staticmethod
    def _got(args: tuple[Any, ...], narg: int) -> str:
        return "no value" if narg > len(args) else _type_name(args[narg - 1])

    # -- struct ------------------------------------------------------------------------------------------
    def struct_pack(self, args: tuple[Any, ...]) -> bytes:
        fmt = self._check_string(args, 1)
        args = (*args, None)  # b_pack pushes a nil mark after its arguments: one past them is "nil"
        out = bytearray()
        arg, total, little, align, i = 2, 0, True, 1, 0
        while i < len(fmt):
            opt = fmt[i]
            i += 1
            size, i = _optsize(opt, fmt, i)
            pad = _toalign(total, align, opt, size)
            total += pad
            out += b"\0" * pad
            if opt in _INTEGERS:
                n = self._check_number(args, arg)
                arg += 1
                value = _c_int64(n) & _U64 if n < 0 else _c_uint64(n)
                data = value.to_bytes(8, "little") + bytes(MAXINTSIZE)
                out += data[:size] if little else data[:size][::-1]
            elif opt == ord("x"):
                out += b"\0"
            elif opt == ord("f"):
                data = lua_msgpack.float32_bytes(float(self._check_number(args, arg)))
                arg += 1
                out += data[::-1] if little else data
            elif opt == ord("d"):
                out += pystruct.pack("<d" if little else ">d", float(self._check_number(args, arg)))
                arg += 1
            elif opt in (ord("c"), ord("s")):
                text = self._check_string(args, arg)
                arg += 1
                if size == 0:
                    size = len(text)
                if len(text) < size:
                    raise _arg_error(arg, "string too short")
                out += text[:size]
                if opt == ord("s"):
                    out += b"\0"
                    size += 1
            else:
                little, align, i = _control(opt, fmt, i, little, align)
            total += size
        return bytes(out)

    def struct_unpack(self, args: tuple[Any, ...]) -> tuple[Any, ...]:
        fmt = self._check_string(args, 1)
        data = self._check_string(args, 2)
        ld = len(data)
        pos = self._opt_integer(args, 3, 1) & _U64  # size_t
        if pos == 0:
            raise _arg_error(3, "offset must be 1 or greater")
        pos -= 1
        results: list[Any] = []
        little, align, i = True, 1, 0
        while i < len(fmt):
            opt = fmt[i]
            i += 1
            size, i = _optsize(opt, fmt, i)
            pos = (pos + _toalign(pos, align, opt, size)) & _U64
            if not (size <= ld and pos <= ld - size):
                raise _arg_error(2, "data string too short")
            if len(args) + len(results) + 2 > LUA_MAX_STACK:
                raise LibError("stack overflow (too many results)")
            if opt in _INTEGERS:
                results.append(_getinteger(data[pos:pos + size], little, opt in b"bhli", size))
            elif opt == ord("f"):
                results.append(pystruct.unpack("<f" if little else ">f", data[pos:pos + 4])[0])
            elif opt == ord("d"):
                results.append(pystruct.unpack("<d" if little else ">d", data[pos:pos + 8])[0])
            elif opt == ord("c"):
                if size == 0:
                    previous = results[-1] if results else None
                    if isinstance(previous, bytes):
                        previous = self._tonumber(previous)
                    if previous is None:
                        raise LibError("format 'c0' needs a previous size")
                    results.pop()
                    size = _c_int64(previous) & _U64
                    if not (size <= ld and pos <= ld - size):
                        raise _arg_error(2, "data string too short")
                results.append(data[pos:pos + size])
            elif opt == ord("s"):
                end = data.find(b"\0", pos)
                if end < 0:
                    raise LibError("unfinished string in data")
                size = end - pos + 1
                results.append(data[pos:end])
            elif opt != ord("x"):
                little, align, i = _control(opt, fmt, i, little, align)
            pos += size
        nxt = (pos + 1) & _U64
        results.append(nxt - (1 << 64) if nxt >= _SIGN64 else nxt)
        return tuple(results)

    def struct_size(self, args: tuple[Any, ...]) -> int:
        fmt = self._check_string(args, 1)
        pos, little, align, i = 0, True, 1, 0
        while i < len(fmt):
            opt = fmt[i]
            i += 1
            size, i = _optsize(opt, fmt, i)
            pos += _toalign(pos, align, opt, size)
            if opt == ord("s"):
                raise _arg_error(1, "option 's' has no fixed size")
            if opt == ord("c") and size == 0:
                raise _arg_error(1, "option 'c0' has no fixed size")
            if not (opt < 128 and chr(opt).isalnum()):
                little, align, i = _control(opt, fmt, i, little, align)
            pos += size
        return pos

    # -- cmsgpack ----------------------------------------------------------------------------------------
    def msgpack_pack(self, args: tuple[Any, ...]) -> bytes:
        if not args:
            raise _arg_error(0, "MessagePack pack needs input.")
        return bytes(_outcome(self._mp_pack(*args))[0])

    def msgpack_unpack(self, args: tuple[Any, ...]) -> tuple[Any, ...]:
        return self._unpack(self._check_string(args, 1), 0, 0)

    def msgpack_unpack_one(self, args: tuple[Any, ...]) -> tuple[Any, ...]:
        offset = self._opt_int(args, 2)
        return self._unpack(self._check_string(args[:1], 1), 1, offset)

    def msgpack_unpack_limit(self, args: tuple[Any, ...]) -> tuple[Any, ...]:
        limit = _c_int32(_c_int64(self._check_number(args, 2)))
        offset = self._opt_int(args, 3)
        return self._unpack(self._check_string(args[:1], 1), limit, offset)

    def _opt_int(self, args: tuple[Any, ...], narg: int) -> int:
        return _c_int32(self._opt_integer(args, narg, 0))

    def _unpack(self, data: bytes, limit: int, offset: int) -> tuple[Any, ...]:
        length = len(data)
        if offset < 0 or limit < 0:
            raise LibError(f"Invalid request to unpack with offset of {offset} and limit of {_c_int32(length)}.")
        if offset > length:
            raise LibError(f"Start offset {offset} greater than input length {_c_int32(length)}.")
        decode_all = not limit and not offset
        if decode_all:
            limit = INT_MAX
        found, count, end = _outcome(self._mp_unpack(data, limit, offset))
        values = tuple(found[i] for i in range(1, count + 1))
        if decode_all:
            return values
        return (-1 if end == length else end, *values)


def _optsize(opt: int, fmt: bytes, i: int) -> tuple[int, int]:
    """(the option's size, the index past its digits): lua_struct.c's optsize."""
    if opt in _SIZES:
        return _SIZES[opt], i
    if opt == ord("c"):
        return _getnum(fmt, i, 1)
    if opt in (ord("i"), ord("I")):
        size, i = _getnum(fmt, i, 4)
        if size > MAXINTSIZE:
            raise LibError(f"integral size {size} is larger than limit of {MAXINTSIZE}")
        return size, i
    return 0, i


def _getnum(fmt: bytes, i: int, default: int) -> tuple[int, int]:
    if i >= len(fmt) or not 48 <= fmt[i] <= 57:
        return default, i
    a = 0
    while i < len(fmt) and 48 <= fmt[i] <= 57:
        digit = fmt[i] - 48
        if a > INT_MAX // 10 or a * 10 > INT_MAX - digit:
            raise LibError("integral size overflow")
        a = a * 10 + digit
        i += 1
    return a, i


def _toalign(length: int, align: int, opt: int, size: int) -> int:
    if size == 0 or opt == ord("c"):
        return 0
    size = min(size, align)
    return (size - (length & (size - 1))) & (size - 1)


def _control(opt: int, fmt: bytes, i: int, little: bool, align: int) -> tuple[bool, int, int]:
    """The endianness and alignment options (controloptions); anything else is an invalid option."""
    if opt == ord(" "):
        return little, align, i
    if opt == ord(">"):
        return False, align, i
    if opt == ord("<"):
        return True, align, i
    if opt == ord("!"):
        a, i = _getnum(fmt, i, MAXALIGN)
        if a <= 0 or a & (a - 1):
            raise LibError(f"alignment {a} is not a power of 2")
        return little, a, i
    raise _arg_error(1, f"invalid format option '{chr(opt)}'")


def _getinteger(data: bytes, little: bool, signed: bool, size: int) -> float:
    value = 0
    for byte in (reversed(data) if little else data):
        value = ((value << 8) | byte) & _U64
    if not signed:
        return float(value)
    mask = (_U64 << ((size * 8 - 1) & 63)) & _U64  # x86 masks the shift count
    if value & mask:
        value |= mask
    return float(value - (1 << 64) if value >= _SIGN64 else value)


_BIT_MASK = 0xFFFFFFFF


def _tobit(x: Any) -> int:
    v = int(x) & _BIT_MASK
    return v - (1 << 32) if v & 0x80000000 else v


def bitop(name: bytes, *args: Any) -> Any:
    """LuaBitOp (the ``bit`` library Redis ships), 32-bit signed results."""
    op = name.decode()
    xs = [int(a) for a in args]
    if op == "tobit":
        return _tobit(xs[0])
    if op == "tohex":
        n = xs[1] if len(xs) > 1 else 8
        digits = f"{xs[0] & _BIT_MASK:08x}"[-abs(n):] if n else ""
        return (digits.upper() if n < 0 else digits).encode()
    if op == "bnot":
        return _tobit(~xs[0])
    if op in ("band", "bor", "bxor"):
        acc = xs[0]
        for x in xs[1:]:
            acc = acc & x if op == "band" else acc | x if op == "bor" else acc ^ x
        return _tobit(acc)
    value, shift = xs[0] & _BIT_MASK, xs[1] & 31
    if op == "lshift":
        return _tobit(value << shift)
    if op == "rshift":
        return _tobit(value >> shift)
    if op == "arshift":
        return _tobit(_tobit(value) >> shift)
    if op == "rol":
        return _tobit((value << shift) | (value >> (32 - shift)))
    if op == "ror":
        return _tobit((value >> shift) | (value << (32 - shift)))
    if op == "bswap":
        return _tobit(int.from_bytes(value.to_bytes(4, "little"), "big"))
    raise RedVectorError(f"unknown bit operation {op}")
