"""EVAL EVALSHA EVAL_RO EVALSHA_RO SCRIPT: Lua scripts, run atomically (commands/lua.py holds the VM).

A script's redis.call runs a command as its client would (same database, same checks of arity and
flags, errors as values), except that a blocking command does not block and a deferred search runs at
once. Its writes reach WATCH, keyspace events, search indexes and the AOF through the usual change hook;
the AOF gets them (not the script) as one MULTI/EXEC block, Redis 7's effects replication, so a script
using TIME or random picks replays to the same data.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from redvector.commands.acl import check as acl_check
from redvector.commands.client import client_info
from redvector.commands.context import CommandContext
from redvector.commands.spec import CommandGroup, Flag, KeySpec, Sub
from redvector.errors import (
    CodedError,
    NotInteger,
    OutOfMemory,
    RedVectorError,
    UnknownSubcommand,
)
from redvector.replies import OK
from redvector.server.server import Server

group = CommandGroup("scripting")

_SCRIPT_FLAGS = Flag.NOSCRIPT | Flag.STALE | Flag.MAY_REPLICATE
_NOT_FROM_SCRIPT = "ERR This Redis command is not allowed from script"


def script_keys(argv: list[bytes]) -> list[bytes]:
    try:
        n = int(argv[2])
    except (ValueError, IndexError):
        return []
    return argv[3:3 + n] if 0 <= n <= len(argv) - 3 else []


def lua_vm(ctx: CommandContext) -> Any:
    """The server's Lua VM, made on first use (lupa is imported then)."""
    return vm_of(ctx.server)


def vm_of(server: Server) -> Any:
    vm = server.extensions.get("lua")
    if vm is None:
        from redvector.commands.lua import LuaScripting

        config = server.config
        vm = server.extensions["lua"] = LuaScripting(lambda: int(config["busy-reply-threshold"]))
    return vm


def split_keys_and_args(argv: list[bytes]) -> tuple[list[bytes], list[bytes]]:
    """(KEYS, ARGV) of an EVAL-style command, with Redis's errors for a bad numkeys."""
    try:
        n = int(argv[2])
    except ValueError:
        raise NotInteger() from None
    if n < 0:
        raise RedVectorError("Number of keys can't be negative")
    if n > len(argv) - 3:
        raise RedVectorError("Number of keys can't be greater than number of args")
    return argv[3:3 + n], argv[3 + n:]


def script_caller(ctx: CommandContext) -> Any:
    """redis.call for scripts run by ``ctx``'s client: (argv, read_only, protocol) -> the reply as a client
    of that RESP protocol reads it (2, or 3 after the script's redis.setresp(3))."""
    dispatcher, client = ctx.dispatcher, ctx.client
    as_values = ctx.server.extensions["reply_values"]

    def call(argv: list[bytes], read_only: bool, protocol: int) -> Any:
        spec = dispatcher.table.lookup(argv[0])
        if spec is None:
            return ("err", b"ERR Unknown Redis command called from script")
        if not spec.arity_ok(len(argv)):
            return ("err", b"ERR Wrong number of args calling Redis command from script")
        if spec.flags & Flag.NOSCRIPT:
            return ("err", _NOT_FROM_SCRIPT.encode())
        if read_only and spec.write:
            return ("err", b"ERR Write commands are not allowed from read-only scripts.")
        if spec.write and dispatcher.write_refusal is not None and not client.replicated:
            refusal = dispatcher.write_refusal
            return ("err", f"{refusal.code} {refusal.message}".encode())
        if client.acl is not None:  # a restricted user's script: each command is checked (ACL LOG "lua")
            denied = acl_check(ctx.server, client, spec, argv, client_info, context="lua")
            if denied is not None:
                return ("err", f"ERR ACL failure in script: {denied.message}".encode())
        return as_values(dispatcher.call_now(client, spec, argv, from_script=True), protocol)

    return call


def run_mode(ctx: CommandContext, flags: Collection[bytes] | None, read_only: bool) -> bool:
    """Redis's scriptPrepareForRun for a script that declares its flags (a shebang, or a function):
    refuse it before it runs when it may write where writes are not allowed; whether it runs read-only.
    A legacy script (``flags`` None) is checked command by command instead."""
    if flags is None:
        return read_only
    no_writes = b"no-writes" in flags
    if not no_writes:
        over_limit = ctx.dispatcher.over_memory_limit
        if b"allow-oom" not in flags and over_limit is not None and over_limit():
            raise OutOfMemory()
        if ctx.dispatcher.write_refusal is not None and not ctx.client.replicated:
            raise ctx.dispatcher.write_refusal
        if read_only:
            raise RedVectorError("Can not execute a script with write flag using *_ro command.")
    return read_only or no_writes


def _run(ctx: CommandContext, sha: str, argv: list[bytes], read_only: bool) -> Any:
    keys, args = split_keys_and_args(argv)
    vm = lua_vm(ctx)
    read_only = run_mode(ctx, vm.script_flags.get(sha), read_only)
    ctx.aof_argv = []  # the script's writes are propagated one by one (writes_together), not the script
    client = ctx.client
    db_index = client.db_index
    try:
        with ctx.dispatcher.writes_together():
            reply = vm.run(sha, keys, args, script_caller(ctx), read_only)
    finally:
        client.db_index = db_index  # a SELECT inside the script does not outlive it
    return reply


@group.command("EVAL", -3, _SCRIPT_FLAGS, KeySpec(0, 0, 0), since="2.6.0", getkeys=script_keys,
               summary="Executes a server-side Lua script.")
def eval_(ctx: CommandContext, argv: list[bytes]) -> Any:
    return _run(ctx, lua_vm(ctx).load(argv[1], by_eval=True), argv, read_only=False)


@group.command("EVAL_RO", -3, _SCRIPT_FLAGS | Flag.READONLY, KeySpec(0, 0, 0), since="7.0.0",
               getkeys=script_keys, summary="Executes a read-only server-side Lua script.")
def eval_ro(ctx: CommandContext, argv: list[bytes]) -> Any:
    return _run(ctx, lua_vm(ctx).load(argv[1], by_eval=True), argv, read_only=True)


def _known(ctx: CommandContext, sha: bytes) -> str:
    name = sha.decode("latin-1").lower()
    if name not in lua_vm(ctx).scripts:
        raise CodedError("NOSCRIPT", "No matching script. Please use EVAL.")
    return name


@group.command("EVALSHA", -3, _SCRIPT_FLAGS, KeySpec(0, 0, 0), since="2.6.0", getkeys=script_keys,
               summary="Executes a server-side Lua script by SHA1 digest.")
def evalsha(ctx: CommandContext, argv: list[bytes]) -> Any:
    return _run(ctx, _known(ctx, argv[1]), argv, read_only=False)


@group.command("EVALSHA_RO", -3, _SCRIPT_FLAGS | Flag.READONLY, KeySpec(0, 0, 0), since="7.0.0",
               getkeys=script_keys, summary="Executes a read-only server-side Lua script by SHA1 digest.")
def evalsha_ro(ctx: CommandContext, argv: list[bytes]) -> Any:
    return _run(ctx, _known(ctx, argv[1]), argv, read_only=True)


_SCRIPT_HELP = [
    b"SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    b"DEBUG (YES|SYNC|NO)",
    b"    Set the debug mode for subsequent scripts executed.",
    b"EXISTS <sha1> [<sha1> ...]",
    b"    Return information about the existence of the scripts in the script cache.",
    b"FLUSH [ASYNC|SYNC]",
    b"    Flush the Lua scripts cache. Very dangerous on replicas.",
    b"    When called without the optional mode argument, the behavior is determined by the",
    b"    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
    b"    * ASYNC: Asynchronously flush the scripts cache.",
    b"    * SYNC: Synchronously flush the scripts cache.",
    b"KILL",
    b"    Kill the currently executing Lua script.",
    b"LOAD <script>",
    b"    Load a script into the scripts cache without executing it.",
    b"HELP",
    b"    Print this help.",
]


# SCRIPT's subcommands as Redis 7.4 declares them (COMMAND INFO script|<sub>).
_SCRIPT_SUBS = (
    Sub("LOAD", 3, Flag.NOSCRIPT | Flag.STALE, since="2.6.0",
        summary="Loads a server-side Lua script to the script cache."),
    Sub("EXISTS", -3, Flag.NOSCRIPT, since="2.6.0",
        summary="Determines whether server-side Lua scripts exist in the script cache."),
    Sub("FLUSH", -2, Flag.NOSCRIPT, since="2.6.0",
        summary="Removes all server-side Lua scripts from the script cache."),
    Sub("KILL", 2, Flag.NOSCRIPT | Flag.ALLOW_BUSY, since="2.6.0",
        summary="Terminates a server-side Lua script during execution."),
    Sub("HELP", 2, Flag.LOADING | Flag.STALE, since="5.0.0",
        summary="Returns helpful text about the different subcommands."),
)


@group.command("SCRIPT", -2, Flag.NOSCRIPT, since="2.6.0", subcommands=_SCRIPT_SUBS,
               summary="A container for Lua scripts management commands.")
def script(ctx: CommandContext, argv: list[bytes]) -> Any:
    sub = argv[1].upper()
    if sub == b"LOAD" and len(argv) == 3:
        return lua_vm(ctx).load(argv[2]).encode()
    if sub == b"EXISTS" and len(argv) >= 3:
        scripts = lua_vm(ctx).scripts
        return [int(sha.decode("latin-1").lower() in scripts) for sha in argv[2:]]
    if sub == b"FLUSH" and len(argv) <= 3:
        if len(argv) == 3 and argv[2].upper() not in (b"ASYNC", b"SYNC"):
            raise RedVectorError("SCRIPT FLUSH only support SYNC|ASYNC option")
        lua_vm(ctx).flush()
        return OK
    if sub == b"KILL" and len(argv) == 2:
        raise CodedError("NOTBUSY", "No scripts in execution right now.")
    if sub == b"HELP" and len(argv) == 2:
        return list(_SCRIPT_HELP)
    raise UnknownSubcommand("SCRIPT", argv[1])
