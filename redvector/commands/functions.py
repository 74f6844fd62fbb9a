"""FUNCTION (LOAD DELETE FLUSH LIST DUMP RESTORE STATS KILL HELP), FCALL and FCALL_RO: Redis 7 functions
(commands/lua_functions.py holds the libraries).

Libraries change the dataset as Redis sees it: LOAD, DELETE, FLUSH and RESTORE count as writes, so the
AOF logs them as sent, and snapshots carry every library (RDB's function opcode, which Redis reads too).
FCALL runs like EVAL: its writes reach the AOF as their effects in one MULTI/EXEC block.
"""

from __future__ import annotations

from typing import Any

from redvector.commands.args import subcommand
from redvector.commands.context import CommandContext
from redvector.commands.lua_functions import FunctionLibraries, Library, LibraryFunction
from redvector.commands.scripting import lua_vm, run_mode, script_caller, script_keys, split_keys_and_args
from redvector.commands.spec import CommandGroup, Flag, KeySpec, Sub
from redvector.errors import CodedError, RedVectorError
from redvector.keyspace.glob import glob_match
from redvector.persistence.rdb import constants as c
from redvector.persistence.rdb.crc64 import crc64
from redvector.persistence.rdb.encoding import encode_string
from redvector.persistence.rdb.reader import RdbError, RdbReader
from redvector.replies import OK, Map, SetReply, SimpleString
from redvector.server.server import Server

group = CommandGroup("scripting")

_FOOTER = 10  # RDB version (2 bytes) + CRC-64 (8)


def libraries_of(server: Server) -> FunctionLibraries:
    """The server's function libraries, made on first use (with the Lua VM)."""
    libs: FunctionLibraries | None = server.extensions.get("functions")
    if libs is None:
        from redvector.commands.scripting import vm_of

        libs = server.extensions["functions"] = FunctionLibraries(vm_of(server))
    return libs


def _libraries(ctx: CommandContext) -> FunctionLibraries:
    lua_vm(ctx)
    return libraries_of(ctx.server)


def _changed(ctx: CommandContext) -> None:
    """The libraries changed: a write for the AOF and the save counters (Redis's server.dirty++)."""
    ctx.server.keyspace.dirty += 1


def _fcall(ctx: CommandContext, argv: list[bytes], read_only: bool) -> Any:
    libs = _libraries(ctx)
    function = libs.functions.get(argv[1])
    if function is None:
        raise RedVectorError("Function not found")
    try:
        int(argv[2])
    except ValueError:
        raise RedVectorError("Bad number of keys provided") from None
    keys, args = split_keys_and_args(argv)
    read_only = run_mode(ctx, function.flags, read_only)
    ctx.aof_argv = []  # the function's writes are propagated one by one (writes_together)
    client = ctx.client
    db_index = client.db_index
    try:
        with ctx.dispatcher.writes_together():
            return libs.call(function, keys, args, script_caller(ctx), read_only)
    finally:
        client.db_index = db_index


_FCALL_FLAGS = Flag.NOSCRIPT | Flag.STALE | Flag.MAY_REPLICATE


@group.command("FCALL", -3, _FCALL_FLAGS, KeySpec(0, 0, 0), since="7.0.0", getkeys=script_keys,
               summary="Invokes a function.")
def fcall(ctx: CommandContext, argv: list[bytes]) -> Any:
    return _fcall(ctx, argv, read_only=False)


@group.command("FCALL_RO", -3, _FCALL_FLAGS | Flag.READONLY, KeySpec(0, 0, 0), since="7.0.0",
               getkeys=script_keys, summary="Invokes a read-only function.")
def fcall_ro(ctx: CommandContext, argv: list[bytes]) -> Any:
    return _fcall(ctx, argv, read_only=True)


HELP = [
    b"FUNCTION <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    b"LOAD [REPLACE] <FUNCTION CODE>",
    b"    Create a new library with the given library name and code.",
    b"DELETE <LIBRARY NAME>",
    b"    Delete the given library.",
    b"LIST [LIBRARYNAME PATTERN] [WITHCODE]",
    b"    Return general information on all the libraries:",
    b"    * Library name",
    b"    * The engine used to run the Library",
    b"    * Functions list",
    b"    * Library code (if WITHCODE is given)",
    b"    It also possible to get only function that matches a pattern using LIBRARYNAME argument.",
    b"STATS",
    b"    Return information about the current function running:",
    b"    * Function name",
    b"    * Command used to run the function",
    b"    * Duration in MS that the function is running",
    b"    If no function is running, return nil",
    b"    In addition, returns a list of available engines.",
    b"KILL",
    b"    Kill the current running function.",
    b"FLUSH [ASYNC|SYNC]",
    b"    Delete all the libraries.",
    b"    When called without the optional mode argument, the behavior is determined by the",
    b"    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
    b"    * ASYNC: Asynchronously flush the libraries.",
    b"    * SYNC: Synchronously flush the libraries.",
    b"DUMP",
    b"    Return a serialized payload representing the current libraries, can be restored using FUNCTION "
    b"RESTORE command",
    b"RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
    b"    Restore the libraries represented by the given payload, it is possible to give a restore policy to",
    b"    control how to handle existing libraries (default APPEND):",
    b"    * FLUSH: delete all existing libraries.",
    b"    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.",
    b"    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old",
    b"      libraries with the new libraries (notice that even on this option there is a chance of failure",
    b"      in case of functions name collision with another library).",
    b"HELP",
    b"    Print this help.",
]

# FUNCTION's subcommands and their arities (negative: at least), as Redis's command table has them.
_ARITY = {b"LOAD": -3, b"DELETE": 3, b"FLUSH": -2, b"LIST": -2, b"DUMP": 2, b"RESTORE": -3, b"STATS": 2,
          b"KILL": 2, b"HELP": 2}


# FUNCTION's subcommands as Redis 7.4 declares them (COMMAND INFO function|<sub>).
_FUNCTION_SUBS = (
    Sub("LOAD", -3, Flag.WRITE | Flag.DENYOOM | Flag.NOSCRIPT, since="7.0.0", summary="Creates a library."),
    Sub("DELETE", 3, Flag.WRITE | Flag.NOSCRIPT, since="7.0.0",
        summary="Deletes a library and its functions."),
    Sub("FLUSH", -2, Flag.WRITE | Flag.NOSCRIPT, since="7.0.0",
        summary="Deletes all libraries and functions."),
    Sub("LIST", -2, Flag.NOSCRIPT, since="7.0.0", summary="Returns information about all libraries."),
    Sub("DUMP", 2, Flag.NOSCRIPT, since="7.0.0",
        summary="Dumps all libraries into a serialized binary payload."),
    Sub("RESTORE", -3, Flag.WRITE | Flag.DENYOOM | Flag.NOSCRIPT, since="7.0.0",
        summary="Restores all libraries from a payload."),
    Sub("STATS", 2, Flag.NOSCRIPT | Flag.ALLOW_BUSY, since="7.0.0",
        summary="Returns information about a function during execution."),
    Sub("KILL", 2, Flag.NOSCRIPT | Flag.ALLOW_BUSY, since="7.0.0",
        summary="Terminates a function during execution."),
    Sub("HELP", 2, Flag.LOADING | Flag.STALE, since="7.0.0",
        summary="Returns helpful text about the different subcommands."),
)


@group.command("FUNCTION", -2, Flag.NOSCRIPT,
               subcommands=_FUNCTION_SUBS,
               since="7.0.0", summary="A container for function commands.")
def function(ctx: CommandContext, argv: list[bytes]) -> Any:
    sub = subcommand(argv, _ARITY, "FUNCTION")
    if sub == b"LOAD":
        return _load(ctx, argv)
    if sub == b"DELETE":
        libs = _libraries(ctx)
        if argv[2] not in libs.libraries:
            raise RedVectorError("Library not found")
        libs.delete(argv[2])
        _changed(ctx)
        return OK
    if sub == b"FLUSH":
        if len(argv) > 3 or (len(argv) == 3 and argv[2].upper() not in (b"ASYNC", b"SYNC")):
            raise RedVectorError("FUNCTION FLUSH only supports SYNC|ASYNC option")
        _libraries(ctx).flush()
        _changed(ctx)
        return OK
    if sub == b"LIST":
        return _list(ctx, argv)
    if sub == b"DUMP":
        return dump_payload(_libraries(ctx).libraries.values())
    if sub == b"RESTORE":
        return _restore(ctx, argv)
    if sub == b"STATS":
        libs = _libraries(ctx)
        return Map([(b"running_script", None), (b"engines", Map([(b"LUA", Map([
            (b"libraries_count", len(libs.libraries)), (b"functions_count", len(libs.functions))]))]))])
    if sub == b"KILL":
        raise CodedError("NOTBUSY", "No scripts in execution right now.")
    return [SimpleString(line) for line in HELP]


def _load(ctx: CommandContext, argv: list[bytes]) -> Any:
    replace = False
    for option in argv[2:-1]:
        if option.upper() == b"REPLACE":
            replace = True
        else:
            raise RedVectorError(f"Unknown option given: {option.decode('utf-8', 'replace')}")
    name = _libraries(ctx).load(argv[-1], replace)
    _changed(ctx)
    return name


def _list(ctx: CommandContext, argv: list[bytes]) -> Any:
    pattern: bytes | None = None
    with_code = False
    i = 2
    while i < len(argv):
        option = argv[i].upper()
        if option == b"WITHCODE" and not with_code:
            with_code = True
        elif option == b"LIBRARYNAME" and pattern is None:
            if i + 1 >= len(argv):
                raise RedVectorError("library name argument was not given")
            i += 1
            pattern = argv[i]
        else:
            raise RedVectorError(f"Unknown argument {argv[i].decode('utf-8', 'replace')}")
        i += 1
    out = []
    for library in sorted(_libraries(ctx).libraries.values(), key=lambda lib: lib.name):
        if pattern is not None and not glob_match(pattern, library.name):
            continue
        entry: list[tuple[Any, Any]] = [(b"library_name", library.name), (b"engine", b"LUA"),
                                         (b"functions", [_function_info(f) for _, f in sorted(library.functions.items())])]
        if with_code:
            entry.append((b"library_code", library.code))
        out.append(Map(entry))
    return out


def _function_info(function: LibraryFunction) -> Map:
    return Map([(b"name", function.name), (b"description", function.description),
                (b"flags", SetReply([SimpleString(flag) for flag in function.flags]))])


def dump_payload(libraries: Any) -> bytes:
    """FUNCTION DUMP: each library's code after RDB's function opcode, then the RDB version and CRC-64."""
    out = bytearray()
    for library in libraries:
        out.append(c.OP_FUNCTION2)
        out += encode_string(library.code)
    out += c.RDB_VERSION.to_bytes(2, "little")
    out += crc64(out).to_bytes(8, "little")
    return bytes(out)


def _payload_codes(payload: bytes) -> list[bytes]:
    bad = RedVectorError("DUMP payload version or checksum are wrong")
    if len(payload) < _FOOTER:
        raise bad
    version = int.from_bytes(payload[-_FOOTER:-8], "little")
    if version > c.MAX_READ_VERSION or crc64(memoryview(payload)[:-8]) != int.from_bytes(payload[-8:], "little"):
        raise bad
    reader = RdbReader(payload[:-_FOOTER])
    codes = []
    try:
        while reader.pos < len(payload) - _FOOTER:
            if reader.byte() != c.OP_FUNCTION2:
                raise RedVectorError("given type is not a function")
            codes.append(reader.string())
    except (RdbError, IndexError):
        raise RedVectorError("payload is corrupted") from None
    return codes


def _restore(ctx: CommandContext, argv: list[bytes]) -> Any:
    if len(argv) > 4:
        raise RedVectorError("Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.")
    policy = argv[3].upper() if len(argv) == 4 else b"APPEND"
    if policy not in (b"FLUSH", b"APPEND", b"REPLACE"):
        raise RedVectorError("Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.")
    libs = _libraries(ctx)
    codes = _payload_codes(argv[2])
    created: list[Library] = [libs.create(code, replace=True) for code in codes]
    if policy == b"APPEND":
        for library in created:
            if library.name in libs.libraries:
                raise RedVectorError(f"Library {library.name.decode('utf-8', 'replace')} already exists")
    saved = (dict(libs.libraries), dict(libs.functions))
    try:
        if policy == b"FLUSH":
            libs.flush()
        for library in created:
            libs.install(library, replace=True)
    except RedVectorError:
        libs.libraries, libs.functions = saved  # all or nothing
        raise
    _changed(ctx)
    return OK


class FunctionSnapshot:
    """Snapshots carry the libraries as RDB function records (rdb/writer.py writes an aux field keyed
    FUNCTION_LIBRARY as one), and loading a dump loads them back."""

    def __init__(self, server: Server) -> None:
        self.server = server

    def aux_fields(self, token: bytes) -> list[tuple[bytes, bytes]]:
        libs: FunctionLibraries | None = self.server.extensions.get("functions")
        if libs is None:
            return []
        return [(c.FUNCTION_LIBRARY, library.code) for library in libs.libraries.values()]

    def save_sidecars(self, rdb_path: str, token: bytes) -> None:
        return None

    def load_aux(self, key: bytes, value: bytes) -> bool:
        if key != c.FUNCTION_LIBRARY:
            return False
        libraries_of(self.server).load(value, replace=True)
        return True

    def after_load(self, rdb_path: str | None) -> None:
        return None
