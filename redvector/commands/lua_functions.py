"""Redis 7 functions on the scripting VM (commands/lua.py): libraries loaded by FUNCTION LOAD, called by
FCALL / FCALL_RO.

A library is Lua source whose first line is ``#!lua name=<library>``. Its code runs once, at load, in an
environment holding nothing but ``redis.register_function`` (with ``redis.log`` and the version and log
constants): any other global is Redis's "nonexistent global variable" error, and a library that registers
nothing is refused. The callbacks it registers run later with the scripts' globals (read-only, no
``KEYS``/``ARGV``: they get ``keys`` and ``args`` as arguments), in chunk ``@user_function``, so errors
read ``... script: <function>, on @user_function:<line>.``. The shebang line stays in the code as an
empty line, so line numbers are the source's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from redvector.commands.lua import LuaScripting, _text
from redvector.errors import RedVectorError

_FUNCTIONS_CHUNK = r"""
local internals = ...
local sandbox, err_handler, is_bytecode = internals.sandbox, internals.err_handler, internals.is_bytecode
local BYTECODE, runtime_redis, clock, deadline = internals.BYTECODE, internals.redis, internals.clock, internals.deadline
local loadstring, setfenv, setmetatable, rawget, error, type, tostring, pairs, xpcall, select =
      loadstring, setfenv, setmetatable, rawget, error, type, tostring, pairs, xpcall, select
local sethook = internals.sethook

local function missing(_, name)
  error("Script attempted to access nonexistent global variable '" .. tostring(name) .. "'", 2)
end
local function readonly() error('Attempt to modify a readonly table', 2) end

-- The callbacks' globals: the scripts' own, without KEYS and ARGV.
local globals = {}
for name, value in pairs(sandbox) do
  if name ~= 'KEYS' and name ~= 'ARGV' then globals[name] = value end
end

local FLAGS = {['no-writes'] = true, ['allow-oom'] = true, ['allow-stale'] = true, ['no-cluster'] = true,
               ['allow-cross-slot-keys'] = true}
local registered  -- the library being loaded: its functions, in registration order
local function fail(message) error({err = 'ERR ' .. message}, 0) end
local function valid_name(name)
  return type(name) == 'string' and #name > 0 and not name:find('[^%w_]')
end
local NAME_RULE = 'Library names can only contain letters, numbers, or underscores(_) and must be at least one character long'

local function register_function(...)
  local n = select('#', ...)
  local name, callback, flags, description
  if n == 1 then
    local spec = ...
    if type(spec) ~= 'table' then
      fail('calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments).')
    end
    for key, value in pairs(spec) do
      if key == 'function_name' then name = value
      elseif key == 'callback' then callback = value
      elseif key == 'flags' then flags = value
      elseif key == 'description' then description = value
      else fail('unknown argument given to redis.register_function') end
    end
    if name == nil then fail('redis.register_function must get a function name argument') end
    if type(name) == 'number' then name = tostring(name) end  -- lua_isstring: numbers are strings
    if type(description) == 'number' then description = tostring(description) end
    if type(name) ~= 'string' then fail('function_name argument given to redis.register_function must be a string') end
    if callback == nil then fail('redis.register_function must get a callback argument') end
    if type(callback) ~= 'function' then fail('callback argument given to redis.register_function must be a function') end
    if description ~= nil and type(description) ~= 'string' then
      fail('description argument given to redis.register_function must be a string')
    end
    if flags ~= nil then
      if type(flags) ~= 'table' then fail('flags argument to redis.register_function must be a table representing function flags') end
      for _, flag in pairs(flags) do
        if type(flag) ~= 'string' or not FLAGS[flag] then fail('unknown flag given') end
      end
    end
  elseif n == 2 then
    name, callback = ...
    if type(name) == 'number' then name = tostring(name) end
    if type(name) ~= 'string' then fail('first argument to redis.register_function must be a string') end
    if type(callback) ~= 'function' then fail('second argument to redis.register_function must be a function') end
  else
    fail('wrong number of arguments to redis.register_function')
  end
  if not valid_name(name) then fail(NAME_RULE) end
  for _, known in pairs(registered) do
    if known[1] == name then fail('Function already exists in the library') end
  end
  local flag_list = {}
  if flags ~= nil then for _, flag in pairs(flags) do flag_list[#flag_list + 1] = flag end end
  registered[#registered + 1] = {name, callback, flag_list, description}
end

local load_redis = setmetatable({
  register_function = register_function, log = runtime_redis.log,
  LOG_DEBUG = 0, LOG_VERBOSE = 1, LOG_NOTICE = 2, LOG_WARNING = 3,
  REDIS_VERSION = runtime_redis.REDIS_VERSION, REDIS_VERSION_NUM = runtime_redis.REDIS_VERSION_NUM,
}, {__index = missing, __newindex = readonly})

-- One environment for every library's code and callbacks: only ``redis`` (the load API) while loading,
-- the callbacks' globals afterwards.
local loading = false
local env = setmetatable({}, {
  __index = function(_, name)
    local value
    if loading then
      if name == 'redis' then value = load_redis end
    else
      value = rawget(globals, name)
    end
    if value == nil then
      error("Script attempted to access nonexistent global variable '" .. tostring(name) .. "'", 2)
    end
    return value
  end,
  __newindex = readonly,
})
globals._G = env

local function compile(code)
  if is_bytecode(code) then return nil, BYTECODE end
  local f, message = loadstring(code, '@user_function')
  if not f then return nil, message end
  setfenv(f, env)
  return f
end

-- Run a library's code: 'ok' and its functions, or 'err' and the error table.
local function load(f)
  registered = {}
  loading = true
  sethook(function()
    if clock() > deadline() then error({err = 'ERR FUNCTION LOAD timeout'}, 0) end
  end, '', 100000)
  local ok, result = xpcall(f, err_handler)
  sethook()
  loading = false
  local functions = registered
  registered = nil
  if ok then return 'ok', functions end
  return 'err', result
end

local function run(callback, keys, args)
  sethook(function()
    if clock() > deadline() then error({err = 'ERR Script killed: it ran longer than busy-reply-threshold'}, 0) end
  end, '', 100000)
  local ok, result = xpcall(function() return callback(keys, args) end, err_handler)
  sethook()
  if ok then return 'ok', result end
  return 'err', result
end

return compile, load, run
"""

FLAG_ORDER = (b"no-writes", b"allow-oom", b"allow-stale", b"no-cluster", b"allow-cross-slot-keys")
_NAME = re.compile(rb"[A-Za-z0-9_]+")


@dataclass(slots=True)
class LibraryFunction:
    name: bytes
    callback: Any
    flags: tuple[bytes, ...]
    description: bytes | None

    @property
    def no_writes(self) -> bool:
        return b"no-writes" in self.flags


@dataclass(slots=True)
class Library:
    name: bytes
    code: bytes
    functions: dict[bytes, LibraryFunction] = field(default_factory=dict)


class FunctionLibraries:
    """The server's function libraries and the functions they registered."""

    def __init__(self, vm: LuaScripting) -> None:
        self.vm = vm
        self._compile, self._load, self._run = vm.lua.execute(_FUNCTIONS_CHUNK.encode(), vm.internals)
        self.libraries: dict[bytes, Library] = {}
        self.functions: dict[bytes, LibraryFunction] = {}

    def create(self, code: bytes, replace: bool = False) -> Library:
        """Redis's functionsCreateWithLibraryCtx: parse, compile and run ``code``; the new library (not
        installed yet: ``install`` does). Raises Redis's error."""
        name, engine, body = parse_metadata(code)
        if not _NAME.fullmatch(name):
            raise RedVectorError("Library names can only contain letters, numbers, or underscores(_) and must be at "
                                 "least one character long")
        if engine.upper() != b"LUA":
            raise RedVectorError(f"Engine '{_text(engine)}' not found")
        if name in self.libraries and not replace:
            raise RedVectorError(f"Library '{_text(name)}' already exists")
        compiled = self._compile(body)
        if isinstance(compiled, tuple):  # (nil, message)
            raise RedVectorError(f"Error compiling function: {_text(compiled[1])}")
        with self.vm.busy_deadline():
            kind, result = self._load(compiled)
        if kind == b"err":
            err = result[b"err"] if not isinstance(result, bytes) else result
            raise RedVectorError(f"Error registering functions: {_text(err)}")
        library = Library(name, code)
        i = 1
        while (entry := result[i]) is not None:
            fname, callback, flags, description = entry[1], entry[2], entry[3], entry[4]
            given = {flags[j] for j in range(1, len(flags) + 1)}
            library.functions[fname] = LibraryFunction(fname, callback, tuple(f for f in FLAG_ORDER if f in given),
                                                       description)
            i += 1
        if not library.functions:
            raise RedVectorError("No functions registered")
        return library

    def install(self, library: Library, replace: bool = False) -> None:
        """Add ``library`` (replacing the one of the same name when ``replace``); a function name another
        library already registered is Redis's error."""
        old = self.libraries.get(library.name) if replace else None
        for fname in sorted(library.functions):
            owner = self.functions.get(fname)
            if owner is not None and (old is None or fname not in old.functions):
                raise RedVectorError(f"Function {_text(fname)} already exists")
        if old is not None:
            self.delete(library.name)
        self.libraries[library.name] = library
        self.functions.update(library.functions)

    def load(self, code: bytes, replace: bool = False) -> bytes:
        library = self.create(code, replace)
        self.install(library, replace)
        return library.name

    def delete(self, name: bytes) -> None:
        library = self.libraries.pop(name)
        for fname in library.functions:
            self.functions.pop(fname, None)

    def flush(self) -> None:
        self.libraries.clear()
        self.functions.clear()

    def call(self, function: LibraryFunction, keys: list[bytes], args: list[bytes], caller: Any,
             read_only: bool) -> Any:
        return self.vm.invoke(self._run, function.callback, keys, args, caller, read_only,
                              _text(function.name))


def parse_metadata(code: bytes) -> tuple[bytes, bytes, bytes]:
    """(library name, engine, the code with its shebang line left empty), as Redis's
    functionExtractLibMetaData reads ``#!<engine> name=<name>``."""
    if not code.startswith(b"#!"):
        raise RedVectorError("Missing library metadata")
    end = code.find(b"\n")
    if end < 0:
        raise RedVectorError("Invalid library metadata")
    parts = code[:end].split()
    if not parts:
        raise RedVectorError("Invalid library metadata")
    engine = parts[0][2:]
    name: bytes | None = None
    for part in parts[1:]:
        if part[:5].lower() == b"name=":
            if name is not None:
                raise RedVectorError("Invalid metadata value, name argument was given multiple times")
            name = part[5:]
            continue
        raise RedVectorError(f"Invalid metadata value given: {_text(part)}")
    if name is None:
        raise RedVectorError("Library name was not given")
    return name, engine, code[end:]

