"""The Lua VM behind EVAL, EVALSHA and SCRIPT: Redis's scripting environment on Lua 5.1 (lupa).

One VM per server, as in Redis. A script is compiled once (chunk ``@user_script``, so Lua's messages say
``user_script:1: ...``) and cached by its SHA1. It sees Redis 7.4's globals: ``KEYS`` and ``ARGV`` (byte
strings), the ``redis`` library (call, pcall, error_reply, status_reply, sha1hex, log, setresp,
set_repl, replicate_commands and the LOG_* / REPL_* constants), ``cjson``, ``bit``, ``os.clock`` and the
Lua base, string, table, math and coroutine libraries, and ``struct`` and ``cmsgpack`` (lua_libs.py);
reading an undefined global or writing any global is an error (``_G`` is read-only, and so are the
library tables), and ``io``, ``debug``, ``require``, ``dofile`` and ``loadfile`` are gone.

Values cross as Redis converts them: a command's reply reaches Lua as its RESP2 form (integer -> number,
bulk -> string, array -> table, nil -> false, status -> ``{ok=...}``, error -> ``{err=...}``, raised by
``redis.call``), or after ``redis.setresp(3)`` as its RESP3 form (also map -> ``{map={k=v}}``, set ->
``{set={member=true}}``, double -> ``{double=n}``, null -> nil, booleans, big number -> ``{big_number=s}``,
verbatim -> ``{verbatim_string={format=f, string=s}}``); each script starts in RESP2. The script's
return value goes back as a reply (number -> integer, truncated, INT64_MIN out of range; string -> bulk;
true -> 1 and false -> nil, or RESP3 booleans after ``setresp(3)``; nil -> nil; ``{ok=...}`` -> status;
``{err=...}`` -> error; ``{double=n}``, ``{big_number=s}``, ``{verbatim_string=...}``, ``{map=t}``,
``{set=t}`` -> those RESP3 types, which the RESP layer writes down for a RESP2 client as Redis does; a
table -> array up to its first nil). An error raised in the script replies ``<error> script: <sha>, on
@user_script:<line>.`` as Redis 7.4 writes it. A script runs to completion on the event loop (atomic, as
in Redis); one that runs past ``busy-reply-threshold`` ms is stopped with an error (Redis would answer
other clients BUSY meanwhile; RedVector serves one command at a time, so it stops the script instead).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import math
import time
from collections.abc import Callable, Iterator
from typing import Any

from lupa import lua51

from redvector.commands.lua_libs import LuaLibError, LuaLibraries, bitop
from redvector.errors import RedVectorError, ScriptError
from redvector.replies import BigNumber, Map, SetReply, SimpleString, Verbatim, format_double

log = logging.getLogger("redvector.lua")

# Reply values as a script's redis.call sees them (protocol/resp/values.py): ("ok", status text) and
# ("err", error line) stand for status and error replies; RESP3's ("double", float), ("big_number", digits),
# ("verbatim", format, text), ("map", [(key, value)]), ("set", [members]) and bools; anything else is
# bytes, an int, None or a list of them. A caller gets (argv, read_only, RESP protocol).
CallReply = Any
Caller = Callable[[list[bytes], bool, int], CallReply]
EVAL_SCRIPTS_KEPT = 500
SCRIPT_KILLED = "ERR Script killed: it ran longer than busy-reply-threshold"
LUA_MAX_MEMORY = 512 << 20  # a script allocating past this fails ("not enough memory"), the server goes on

_PRELUDE = r"""
local py_call, py_pcall, py_log, py_sha1, py_json_encode, py_json_decode, py_bitop, py_clock, py_deadline, py_rawset,
      py_lib_error, py_setresp, SCRIPT_KILLED = ...
local getinfo, sethook = debug.getinfo, debug.sethook
local rawset, rawget, error, type, tostring, setmetatable, xpcall = rawset, rawget, error, type, tostring, setmetatable, xpcall
local loadstring, load, setfenv, getfenv, pairs, select = loadstring, load, setfenv, getfenv, pairs, select

-- redis.call and redis.pcall are the Python callables themselves: C functions to Lua, so a script's
-- ``return redis.call(...)`` keeps its own frame and an error is placed on its line.
redis = {
  call = py_call,
  pcall = py_pcall,
  error_reply = function(msg)
    if type(msg) ~= 'string' then error('wrong number or type of arguments', 2) end
    return {err = msg}
  end,
  status_reply = function(msg)
    if type(msg) ~= 'string' then error('wrong number or type of arguments', 2) end
    return {ok = msg}
  end,
  sha1hex = function(s)
    if type(s) ~= 'string' and type(s) ~= 'number' then error('wrong number of arguments', 2) end
    return py_sha1(tostring(s))
  end,
  log = function(level, ...)
    local parts = {...}
    for i = 1, select('#', ...) do parts[i] = tostring(parts[i]) end
    py_log(level, table.concat(parts, ' '))
  end,
  setresp = function(...)
    if select('#', ...) ~= 1 then error({err = 'ERR redis.setresp() requires one argument.'}, 0) end
    local n = tonumber((...)) or 0  -- lua_tonumber, then (int)
    n = n >= 0 and math.floor(n) or math.ceil(n)
    if n ~= 2 and n ~= 3 then error({err = 'ERR RESP version must be 2 or 3.'}, 0) end
    py_setresp(n)
  end,
  set_repl = function(flags) end,
  replicate_commands = function() return true end,
  breakpoint = function() return false end,
  debug = function(...) end,
  acl_check_cmd = function(...) return true end,
  LOG_DEBUG = 0, LOG_VERBOSE = 1, LOG_NOTICE = 2, LOG_WARNING = 3,
  REPL_NONE = 0, REPL_AOF = 1, REPL_SLAVE = 2, REPL_REPLICA = 2, REPL_ALL = 3,
  REDIS_VERSION = '7.4.1', REDIS_VERSION_NUM = 0x070401,
}

local null = setmetatable({}, {__tostring = function() return 'null' end})
cjson = {
  encode = function(v) return py_json_encode(v) end,
  decode = function(s) return py_json_decode(s, null) end,
  null = null,
}

bit = {}
for _, name in pairs({'tobit', 'tohex', 'bnot', 'band', 'bor', 'bxor', 'lshift', 'rshift', 'arshift', 'rol', 'ror', 'bswap'}) do
  bit[name] = function(...) return py_bitop(name, ...) end
end

-- The scripts' globals: a table of their own (Redis 7.4's set), read-only, undefined names an error.
-- The VM's real globals keep nothing a script could escape through (no io, os, debug, require).
local real = _G
local sandbox = {}
for _, name in pairs({'assert', 'collectgarbage', 'coroutine', 'error', 'gcinfo', 'getmetatable', 'ipairs',
                      'math', 'newproxy', 'next', 'pairs', 'pcall', 'rawequal', 'rawget', 'rawset', 'select',
                      'setmetatable', 'string', 'table', 'tonumber', 'tostring', 'type', 'unpack', 'xpcall',
                      '_VERSION', 'redis', 'cjson', 'bit', 'struct', 'cmsgpack'}) do
  sandbox[name] = real[name]
end
sandbox.os = {clock = py_clock}
sandbox.rawset = py_rawset  -- refuses the sandbox itself (a C function to Lua, as redis.call)
-- The Python callables above are userdata to Lua; scripts see them as the functions they are in Redis.
local python_functions = {[py_call] = true, [py_pcall] = true, [py_clock] = true, [py_rawset] = true}
for _, lib in pairs({struct, cmsgpack}) do
  for _, f in pairs(lib) do
    if type(f) == 'userdata' then python_functions[f] = true end
  end
end
-- A struct / cmsgpack error crosses Python as an object: scripts' pcall and xpcall see its text, the
-- string the C library raises in Redis.
local function lib_error_text(e)
  if type(e) == 'userdata' then
    local text = py_lib_error(e)
    if text then return text end
  end
  return e
end
local function caught(ok, ...)
  if ok then return ok, ... end
  return false, lib_error_text((...))
end
sandbox.pcall = function(f, ...) return caught(pcall(f, ...)) end
local resume = coroutine.resume
coroutine.resume = function(co, ...) return caught(resume(co, ...)) end
sandbox.xpcall = function(f, handler)
  return xpcall(f, function(e) return handler(lib_error_text(e)) end)
end
sandbox.type = function(value)
  local kind = type(value)
  if kind == 'userdata' and python_functions[value] then return 'function' end
  return kind
end
sandbox._G = sandbox
-- The library tables are read-only too (Redis 7.4 protects every table its globals reach): scripts get an
-- empty proxy of each, reading through to it; writing raises Redis's error, and its metatable is hidden.
-- (So pairs, next and rawget see nothing in a library table, where Redis's would list its functions.)
local protected = {[sandbox] = true}
local function readonly_table() error('Attempt to modify a readonly table', 2) end
for _, name in pairs({'coroutine', 'math', 'string', 'table', 'os', 'redis', 'cjson', 'bit', 'struct', 'cmsgpack'}) do
  local proxy = setmetatable({}, {__index = sandbox[name], __newindex = readonly_table, __metatable = false})
  protected[proxy] = true
  sandbox[name] = proxy
end
getmetatable('').__index = sandbox.string  -- the strings' methods table is the string library
local function contained(f)
  if type(f) == 'function' then setfenv(f, sandbox) end
  return f
end
-- Source text only: Lua 5.1 does not verify bytecode, so a crafted binary chunk could corrupt memory.
local BYTECODE = 'bytecode loading is disabled'
local function is_bytecode(code)
  return type(code) == 'string' and code:sub(1, 1) == '\27'
end
sandbox.loadstring = function(code, name)
  if is_bytecode(code) then return nil, BYTECODE end
  local f, message = loadstring(code, name)
  return contained(f), message
end
sandbox.load = function(reader, name)
  if type(reader) == 'function' then
    local first = true
    local inner = reader
    reader = function()
      local piece = inner()
      if first then
        first = false
        if is_bytecode(piece) then error(BYTECODE, 0) end
      end
      return piece
    end
  elseif is_bytecode(reader) then
    return nil, BYTECODE
  end
  local f, message = load(reader, name)
  return contained(f), message
end
sandbox.getfenv = function(f)
  local env = getfenv(type(f) == 'number' and f > 0 and f + 1 or f or 2)
  if env == real then return sandbox end
  return env
end
sandbox.setfenv = function(f, env)
  if type(f) == 'number' and f > 0 then f = f + 1 end
  return setfenv(f, env)
end
for _, name in pairs({'io', 'os', 'debug', 'require', 'dofile', 'loadfile', 'module', 'package', 'print'}) do
  real[name] = nil
end

-- Redis's error handler: an error becomes a table {err=..., source=..., line=...}, the place being the
-- script's own line that raised it (a library function's frames are skipped).
local function err_handler(e)
  e = lib_error_text(e)
  if type(e) == 'userdata' then  -- redis.call's error (a Python exception): its text is the error line
    e = {err = tostring(e)}
  elseif type(e) ~= 'table' then
    e = {err = 'ERR ' .. tostring(e)}
  end
  for level = 2, 40 do
    local info = getinfo(level, 'Sl')
    if not info then break end
    if info.source == '@user_script' or info.source == '@user_function' then
      rawset(e, 'source', info.source)
      rawset(e, 'line', info.currentline)
      break
    end
  end
  return e
end

local function compile(code)
  if is_bytecode(code) then return nil, BYTECODE end
  local f, message = loadstring(code, '@user_script')
  if not f then return nil, message end
  return contained(f)
end

local function run(f, keys, argv)
  rawset(sandbox, 'KEYS', keys)
  rawset(sandbox, 'ARGV', argv)
  sethook(function()
    if py_clock() > py_deadline() then error({err = SCRIPT_KILLED}, 0) end
  end, '', 100000)
  local ok, result = xpcall(f, err_handler)
  sethook()
  if ok then return 'ok', result end
  return 'err', result
end

setmetatable(sandbox, {
  __index = function(_, name)
    error("Script attempted to access nonexistent global variable '" .. tostring(name) .. "'", 2)
  end,
  __newindex = function() error('Attempt to modify a readonly table', 2) end,
})

-- What the function libraries' chunk (lua_functions.py) builds on.
local internals = {sandbox = sandbox, err_handler = err_handler, is_bytecode = is_bytecode, BYTECODE = BYTECODE,
                   redis = redis, clock = py_clock, deadline = py_deadline, sethook = sethook}

-- A table a script returns, as luaReplyToRedisReply reads it (raw fields, in its order): the kind of reply
-- and its parts, or nothing for an array. One call instead of a lookup per field from Python.
local function reply_kind(t)
  local v = rawget(t, 'err')
  if type(v) == 'string' then return 'err', v end
  v = rawget(t, 'ok')
  if type(v) == 'string' then return 'ok', v end
  v = rawget(t, 'double')
  if type(v) == 'number' then return 'double', v, v == 0 and 1 / v < 0 end  -- lupa hands -0 over as 0
  v = rawget(t, 'big_number')
  if type(v) == 'string' then return 'big_number', v end
  v = rawget(t, 'verbatim_string')
  if type(v) == 'table' and type(rawget(v, 'format')) == 'string' and type(rawget(v, 'string')) == 'string' then
    return 'verbatim', rawget(v, 'format'), rawget(v, 'string')
  end
  v = rawget(t, 'map')
  if type(v) == 'table' then return 'map', v end
  v = rawget(t, 'set')
  if type(v) == 'table' then return 'set', v end
end

-- lupa compares tables by their Python wrappers, not by identity: these two ask Lua
return compile, run, function(t) return protected[t] ~= nil end, rawset, function(t) return t == null end, internals,
       reply_kind
"""


SCRIPT_FLAGS = frozenset((b"no-writes", b"allow-oom", b"allow-stale", b"no-cluster", b"allow-cross-slot-keys"))


def parse_shebang(body: bytes) -> frozenset[bytes]:
    """The flags of ``#!lua [flags=a,b]`` (evalExtractShebangFlags), with Redis's errors."""
    end = body.find(b"\n")
    if end < 0:
        raise RedVectorError("Invalid script shebang")
    parts = body[:end].split()
    if not parts or parts[0] != b"#!lua":
        engine = parts[0].decode("latin-1") if parts else "#!"
        raise RedVectorError(f"Unexpected engine in script shebang: {engine}")
    flags: set[bytes] = set()
    for option in parts[1:]:
        if not option.startswith(b"flags="):
            raise RedVectorError(f"Unknown lua shebang option: {option.decode('latin-1')}")
        for flag in option[6:].split(b","):
            if flag and flag not in SCRIPT_FLAGS:
                raise RedVectorError(f"Unexpected flag in script shebang: {flag.decode('latin-1')}")
            if flag:
                flags.add(flag)
    return frozenset(flags)


class LuaScripting:
    """The server's Lua VM and script cache; ``run`` executes one EVAL/EVALSHA."""

    def __init__(self, busy_ms: Callable[[], int]) -> None:
        self._busy_ms = busy_ms
        self._deadline = math.inf
        self.lua = lua51.LuaRuntime(encoding=None, unpack_returned_tuples=True, register_eval=False,
                                    register_builtins=False, max_memory=LUA_MAX_MEMORY)
        self._caller: Caller | None = None
        self._read_only = False
        self._resp = 2  # the running script's RESP protocol (redis.setresp)
        LuaLibraries(self.lua, SCRIPT_KILLED)  # struct and cmsgpack, in the globals the prelude's sandbox copies
        prelude = self.lua.execute(_PRELUDE.encode(), self._call, self._pcall, self._log, self._sha1, self._json_encode,
                                   self._json_decode, bitop, time.monotonic, lambda: self._deadline,
                                   self._rawset, _lib_error_text, self._set_resp, SCRIPT_KILLED.encode())
        (self._compile, self._run, self._is_protected, self._real_rawset, self._is_null, self.internals,
         self._reply_kind) = prelude
        self.scripts: dict[str, Any] = {}  # sha1 -> compiled function
        # Scripts EVAL brought in (not SCRIPT LOAD), least recently used first: Redis 7.4 keeps the last
        # EVAL_SCRIPTS_KEPT of them, so scripts generated per call do not grow the cache for ever.
        self._evaluated: dict[str, None] = {}
        # The flags of scripts with a shebang line (none: a legacy script, which may write and is
        # checked command by command).
        self.script_flags: dict[str, frozenset[bytes]] = {}

    # -- the cache -------------------------------------------------------------------------------------
    @staticmethod
    def sha1(body: bytes) -> str:
        return hashlib.sha1(body).hexdigest()

    def load(self, body: bytes, by_eval: bool = False) -> str:
        """Compile and cache ``body``; its SHA1. A script that does not compile raises Redis's error.
        ``by_eval``: brought in by EVAL (evictable) rather than SCRIPT LOAD (kept until SCRIPT FLUSH)."""
        sha = self.sha1(body)
        if sha in self.scripts:
            if sha in self._evaluated:
                if by_eval:
                    self._evaluated.pop(sha)
                    self._evaluated[sha] = None  # most recently used
                else:
                    del self._evaluated[sha]  # SCRIPT LOAD makes it permanent
            return sha
        flags: frozenset[bytes] | None = None
        source = body
        if body.startswith(b"#!"):  # Redis 7's shebang: ``#!lua [flags=no-writes,...]``
            flags = parse_shebang(body)
            source = body[body.index(b"\n"):]  # the line goes, its newline stays: line numbers hold
        compiled = self._compile(source)
        if isinstance(compiled, tuple):  # (nil, message)
            raise RedVectorError(f"Error compiling script (new function): {_text(compiled[1])}")
        self.scripts[sha] = compiled
        if flags is not None:
            self.script_flags[sha] = flags
        if by_eval:
            self._evaluated[sha] = None
            while len(self._evaluated) > EVAL_SCRIPTS_KEPT:
                oldest = next(iter(self._evaluated))
                del self._evaluated[oldest]
                del self.scripts[oldest]
                self.script_flags.pop(oldest, None)
        return sha

    def flush(self) -> None:
        self.scripts.clear()
        self._evaluated.clear()
        self.script_flags.clear()

    def memory_bytes(self) -> int:
        """The Lua VM's own allocations (INFO used_memory_lua)."""
        return int(self.lua.get_memory_used() or 0)

    # -- running ---------------------------------------------------------------------------------------
    def run(self, sha: str, keys: list[bytes], args: list[bytes], caller: Caller, read_only: bool) -> Any:
        """Run the cached script ``sha`` with ``caller(argv, read_only)`` executing its redis.call."""
        return self.invoke(self._run, self.scripts[sha], keys, args, caller, read_only, sha)

    @contextlib.contextmanager
    def busy_deadline(self) -> Iterator[None]:
        """Lua code run inside stops with an error past ``busy-reply-threshold`` (the prelude's hook)."""
        outer = self._deadline
        self._deadline = time.monotonic() + max(self._busy_ms(), 1) / 1000
        try:
            yield
        finally:
            self._deadline = outer

    def invoke(self, runner: Any, function: Any, keys: list[bytes], args: list[bytes], caller: Caller,
               read_only: bool, label: str) -> Any:
        """``runner(function, KEYS, ARGV)`` (a script, or a library function for FCALL) under the busy
        deadline; its result as a reply, its error raised as Redis words it (``script: <label>, on ...``)."""
        outer = (self._caller, self._read_only, self._resp)
        self._caller, self._read_only, self._resp = caller, read_only, 2
        try:
            with self.busy_deadline():
                kind, value = runner(function, self.lua.table_from(keys), self.lua.table_from(args))
            if kind != b"err":
                return self._to_reply(value)
        finally:
            self._caller, self._read_only, self._resp = outer
            if self.memory_bytes() > LUA_MAX_MEMORY // 2:
                # Lua 5.1 has no emergency collection: garbage a big script left (one that ran out of
                # memory, say) would make every later allocation fail, even lupa's unprotected ones.
                self.lua.gccollect()
        if isinstance(value, bytes):  # an error the handler did not see (Lua's out-of-memory)
            raise ScriptError(f"ERR {_text(value)}")
        message = _text(value[b"err"]) if _is_table(value) and value[b"err"] is not None else "ERR unknown error"
        line, source = (value[b"line"], value[b"source"]) if _is_table(value) else (None, None)
        if line is not None and source is not None:
            message = f"{message} script: {label}, on {_text(source)}:{int(line)}."
        raise ScriptError(message)

    def _call(self, *args: Any) -> Any:
        """redis.call: the command's reply, or its error raised (the script stops there)."""
        reply = self._command(args)
        if isinstance(reply, tuple) and reply[0] == "err":
            raise CallError(_text(reply[1]))
        return self._to_lua(reply)

    def _rawset(self, table: Any, key: Any, value: Any) -> Any:
        """The scripts' rawset: any table but their globals and libraries (read-only even to it in Redis
        7.4; the error has no position, and pcall gets its text)."""
        if self._is_protected(table):
            raise LuaLibError("Attempt to modify a readonly table")
        return self._real_rawset(table, key, value)

    def _pcall(self, *args: Any) -> Any:
        """redis.pcall: the command's reply, an error as a ``{err=...}`` table."""
        return self._to_lua(self._command(args))

    def _command(self, args: tuple[Any, ...]) -> Any:
        if not args:
            return ("err", b"ERR Please specify at least one argument for this redis lib call")
        if not all(isinstance(a, bytes | int | float) and not isinstance(a, bool) for a in args):
            return ("err", b"ERR Lua redis lib command arguments must be strings or integers")
        caller = self._caller
        if caller is None:
            return ("err", b"ERR redis.call is only available inside a script")
        return caller([_argument(a) for a in args], self._read_only, self._resp)

    def _set_resp(self, protocol: int) -> None:
        self._resp = protocol

    # -- conversions -----------------------------------------------------------------------------------
    def _to_lua(self, reply: Any) -> Any:
        """A command's reply (values.py's form) as Redis's script reply parser hands it to Lua."""
        if reply is None:  # RESP2's null bulk / array: false; RESP3's null: nil
            return None if self._resp == 3 else False
        if isinstance(reply, list):
            return self.lua.table_from([self._to_lua(x) for x in reply])
        if not isinstance(reply, tuple):
            return reply  # bytes, int, bool
        kind = reply[0]
        if kind in ("ok", "err", "double", "big_number"):
            # an error inside an array is a table with err (at the top, call raised it)
            return self.lua.table_from({kind.encode(): reply[1]})
        if kind == "verbatim":
            return self.lua.table_from({b"verbatim_string": self.lua.table_from({b"format": reply[1],
                                                                                 b"string": reply[2]})})
        table = self.lua.table()
        if kind == "map":
            for key, value in reply[1]:
                table[self._to_lua(key)] = self._to_lua(value)
        else:  # a set: its members are the keys
            for member in reply[1]:
                table[self._to_lua(member)] = True
        return self.lua.table_from({kind.encode(): table})

    def _to_reply(self, value: Any) -> Any:
        """A script's return value as the reply Redis makes of it (see the module doc): typed values
        (replies.py) that the RESP layer writes for the client's protocol."""
        if value is None:
            return None
        if isinstance(value, bool):  # RESP3 booleans once the script chose RESP3 (addReplyBool)
            return value if self._resp == 3 else (1 if value else None)
        if isinstance(value, bytes):
            return value
        if isinstance(value, int | float):
            return _lua_integer(value)
        if _is_table(value):
            return self._table_reply(value)
        return None  # functions, userdata: nil

    def _table_reply(self, value: Any) -> Any:
        """luaReplyToRedisReply's table cases, in its order: err, ok, double, big_number, verbatim_string,
        map, set, else an array."""
        kind = self._reply_kind(value)
        if isinstance(kind, tuple):
            name, part = kind[0], kind[1]
            if name == b"err":
                return ScriptError(_text(part.removeprefix(b"-")))
            if name == b"ok":
                return SimpleString(part)
            if name == b"double":
                return -0.0 if kind[2] else float(part)
            if name == b"big_number":
                return BigNumber(part)
            if name == b"verbatim":
                return Verbatim(kind[2], part.split(b"\0")[0][:3].ljust(3))  # addReplyVerbatim's 3 bytes
            if name == b"map":
                return Map([(self._to_reply(k), self._to_reply(v)) for k, v in part.items()])
            return SetReply([self._to_reply(k) for k in part])
        out = []
        i = 1
        while (item := value[i]) is not None:
            out.append(self._to_reply(item))
            i += 1
        return out

    # -- helpers the prelude calls ---------------------------------------------------------------------
    @staticmethod
    def _log(level: Any, text: bytes) -> None:
        levels = {0: logging.DEBUG, 1: logging.DEBUG, 2: logging.INFO, 3: logging.WARNING}
        log.log(levels.get(int(level) if isinstance(level, int | float) else 2, logging.INFO), "%s",
                _text(text))

    @staticmethod
    def _sha1(text: bytes) -> bytes:
        return hashlib.sha1(text).hexdigest().encode()

    def _json_encode(self, value: Any) -> bytes:
        return json.dumps(self._to_json(value, 0), separators=(",", ":"), ensure_ascii=False,
                          allow_nan=False).replace("/", "\\/").encode()

    def _to_json(self, value: Any, depth: int) -> Any:
        if depth > 1000:
            raise RedVectorError("Cannot serialise, excessive nesting (1001)")
        if isinstance(value, bytes):
            return _text(value)
        if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
            return int(value)
        if value is None or value is True or value is False or isinstance(value, int | float):
            return value
        if _is_table(value):
            if self._is_null(value):  # cjson.null
                return None
            items = list(value.items())
            if not items:
                return {}
            keys = [k for k, _ in items]
            if all(isinstance(k, int) and k > 0 for k in keys) and max(keys) <= 2 * len(keys):
                return [self._to_json(value[i], depth + 1) for i in range(1, max(keys) + 1)]
            return {_text(k) if isinstance(k, bytes) else str(k): self._to_json(v, depth + 1) for k, v in items}
        raise RedVectorError(f"Cannot serialise {type(value).__name__}: type not supported")

    def _json_decode(self, text: Any, null: Any) -> Any:
        try:
            data = json.loads(text)
        except (ValueError, TypeError) as exc:
            raise RedVectorError(f"Expected value but found invalid token: {exc}") from None
        return self._from_json(data, null)

    def _from_json(self, data: Any, null: Any) -> Any:
        if data is None:
            return null
        if isinstance(data, str):
            return data.encode()
        if isinstance(data, list):
            return self.lua.table_from([self._from_json(x, null) for x in data])
        if isinstance(data, dict):
            return self.lua.table_from({k.encode(): self._from_json(v, null) for k, v in data.items()})
        return data


def _lib_error_text(error: Any) -> bytes | None:
    """The text of a struct / cmsgpack error (what the C library raises in Redis); None for others."""
    return str(error).encode() if isinstance(error, LuaLibError) else None


class CallError(Exception):
    """redis.call's failure, raised into Lua; its text is the error line the script's error carries."""


def _is_table(value: Any) -> bool:
    return lua51.lua_type(value) == "table"


def _text(value: Any) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _lua_integer(value: float) -> int:
    """A Lua number as Redis replies it, ``(long long)`` of the double: truncated, and INT64_MIN (x86-64's
    answer) when it is out of range or not a number."""
    if value != value or not -_TWO_63 <= value < _TWO_63:
        return -_TWO_63
    return int(value)


_TWO_63 = 2**63


def _argument(value: Any) -> bytes:
    """A redis.call argument as Redis converts it: strings as they are, numbers as a double reply is
    written (an integer when it is one: 1e9 is ``1000000000``), -0 as ``0``."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, int):
        return b"%d" % value
    return b"0" if value == 0 else format_double(value)
