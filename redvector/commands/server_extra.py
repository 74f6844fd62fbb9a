"""Server commands beyond the basics: MODULE MEMORY DEBUG LOLWUT SHUTDOWN LASTSAVE."""

from __future__ import annotations

import time
from typing import Any

from redvector import REDIS_COMPAT_VERSION, __version__
from redvector.commands.args import ArgCursor, parse_float, parse_int
from redvector.commands.context import CommandContext
from redvector.commands.info import rss_bytes, used_memory
from redvector.commands.spec import CommandGroup, Flag, KeySpec, Sub
from redvector.errors import RedVectorError, SyntaxErr, UnknownSubcommand, WrongArity
from redvector.keyspace.memory import key_size
from redvector.replies import NO_REPLY, OK, Map, SimpleString, Verbatim
from redvector.server.allocator import release_free_memory

group = CommandGroup("server")

SEARCH_MODULE = Map([("name", "search"), ("ver", 21005), ("path", ""), ("args", [])])
JSON_MODULE = Map([("name", "ReJSON"), ("ver", 20803), ("path", ""), ("args", [])])  # RedisJSON 2.8.3


def _subcommand_syntax(argv: list[bytes]) -> RedVectorError:
    """Redis's addReplySubcommandSyntaxError."""
    return RedVectorError(
        f"unknown subcommand or wrong number of arguments for '{argv[1][:128].decode('latin-1')}'. "
        f"Try {argv[0].decode('latin-1').upper()} HELP.")


@group.command("LASTSAVE", 1, Flag.LOADING | Flag.STALE | Flag.FAST,
               summary="Returns the Unix timestamp of the last successful save to disk.")
def lastsave(ctx: CommandContext, argv: list[bytes]) -> Any:
    return int(ctx.server.stats.last_save_time)


# MODULE's subcommands as Redis 7.4 declares them (COMMAND INFO module|<sub>).
_MODULE_SUBS = (
    Sub("LIST", 2, Flag.ADMIN | Flag.NOSCRIPT, since="4.0.0", summary="Returns all loaded modules."),
    Sub("LOAD", -3, Flag.ADMIN | Flag.NOSCRIPT | Flag.NO_ASYNC_LOADING, since="4.0.0",
        summary="Loads a module."),
    Sub("LOADEX", -3, Flag.ADMIN | Flag.NOSCRIPT | Flag.NO_ASYNC_LOADING, since="7.0.0",
        summary="Loads a module using extended parameters."),
    Sub("UNLOAD", 3, Flag.ADMIN | Flag.NOSCRIPT | Flag.NO_ASYNC_LOADING, since="4.0.0",
        summary="Unloads a module."),
    Sub("HELP", 2, Flag.LOADING | Flag.STALE, since="5.0.0",
        summary="Returns helpful text about the different subcommands."),
)


@group.command("MODULE", -2, Flag.ADMIN | Flag.NOSCRIPT, subcommands=_MODULE_SUBS,
               summary="A container for module commands.", since="4.0.0")
def module(ctx: CommandContext, argv: list[bytes]) -> Any:
    sub = argv[1].upper()
    if sub == b"LIST":
        if len(argv) != 2:
            raise WrongArity("module|list")
        # RediSearch 2.10 and RedisJSON 2.8 as in Redis Stack 7.4: RedisVL and redis-py check for them.
        return [SEARCH_MODULE, JSON_MODULE]
    if sub in (b"LOAD", b"LOADEX"):
        raise RedVectorError("Error loading the extension. Please check the server logs.")
    if sub == b"UNLOAD":
        raise RedVectorError("Error unloading module: no such module with that name")
    if sub == b"HELP":
        return [b"MODULE <subcommand> [<arg> [value] [opt] ...]. Subcommands are:", b"LIST",
                b"    Return a list of loaded modules.", b"HELP", b"    Print this help."]
    raise UnknownSubcommand("module", argv[1])


MEMORY_DOCTOR_EMPTY = (
    "Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in "
    "these conditions. Please, leave for your mission on Earth and fill it with some data. The new Sam and "
    "I will be back to our programming as soon as I finished rebooting."
)
MEMORY_DOCTOR_OK = (
    "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base."
)


def _memory_stats(ctx: CommandContext) -> Map:
    used = used_memory(ctx)
    rss = rss_bytes()
    keys = sum(len(db) for db in ctx.server.databases)
    items: list[tuple[Any, Any]] = [
        ("peak.allocated", max(used, rss)), ("total.allocated", used), ("startup.allocated", 0),
        ("replication.backlog", 0), ("clients.slaves", 0), ("clients.normal", 0), ("aof.buffer", 0),
    ]
    for db in ctx.server.databases:
        if len(db):
            items.append((f"db.{db.index}", Map([("overhead.hashtable.main", 48 * len(db)),
                                                 ("overhead.hashtable.expires", 80 * len(db.expires))])))
    items += [
        ("keys.count", keys), ("keys.bytes-per-key", used // keys if keys else 0),
        ("dataset.bytes", used), ("allocator.resident", rss),
    ]
    return Map(items)


# MEMORY's subcommands as Redis 7.4 declares them (COMMAND INFO memory|<sub>).
_MEMORY_SUBS = (
    Sub("USAGE", -3, Flag.READONLY, KeySpec(2, 2, 1), since="4.0.0",
        summary="Estimates the memory usage of a key."),
    Sub("DOCTOR", 2, Flag(0), since="4.0.0", summary="Outputs a memory problems report."),
    Sub("STATS", 2, Flag(0), since="4.0.0", summary="Returns details about memory usage."),
    Sub("MALLOC-STATS", 2, Flag(0), since="4.0.0", summary="Returns the allocator statistics."),
    Sub("PURGE", 2, Flag(0), since="4.0.0", summary="Asks the allocator to release memory."),
    Sub("HELP", 2, Flag.LOADING | Flag.STALE, since="4.0.0",
        summary="Returns helpful text about the different subcommands."),
)


@group.command("MEMORY", -2, Flag.READONLY, subcommands=_MEMORY_SUBS,
               getkeys=lambda argv: [argv[2]] if len(argv) > 2 and argv[1].upper() == b"USAGE" else [],
               summary="A container for memory diagnostics commands.", since="4.0.0")
def memory(ctx: CommandContext, argv: list[bytes]) -> Any:
    sub = argv[1].upper()
    if sub == b"USAGE":
        if len(argv) < 3:
            raise WrongArity("memory|usage")
        samples = 5
        args = ArgCursor(argv, 3)
        while args:
            if args.next_token() == "SAMPLES" and args:
                samples = args.next_int()
                if samples < 0:
                    raise SyntaxErr()
            else:
                raise SyntaxErr()
        key = argv[2]
        value = ctx.db.get(key, ctx.now_ms)
        if value is None:
            return None
        return key_size(key, value, key in ctx.db.expires, samples)
    if sub == b"DOCTOR":
        empty = sum(len(db) for db in ctx.server.databases) == 0
        return Verbatim((MEMORY_DOCTOR_EMPTY if empty else MEMORY_DOCTOR_OK).encode())
    if sub == b"STATS":
        return _memory_stats(ctx)
    if sub == b"MALLOC-STATS":
        return Verbatim(b"Stats not supported for the current allocator")
    if sub == b"PURGE":  # Redis asks jemalloc to purge its dirty pages; glibc's malloc_trim is the same
        release_free_memory()
        return OK
    if sub == b"HELP":
        return [b"MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
                b"DOCTOR", b"STATS", b"USAGE <key> [SAMPLES <count>]", b"MALLOC-STATS", b"PURGE"]
    raise UnknownSubcommand("memory", argv[1])


@group.command("DEBUG", -2, Flag.ADMIN | Flag.NOSCRIPT | Flag.LOADING | Flag.STALE,
               summary="A container for debugging commands.")
def debug(ctx: CommandContext, argv: list[bytes]) -> Any:
    sub = argv[1].upper()
    if sub == b"SLEEP" and len(argv) == 3:
        # Like Redis, DEBUG SLEEP blocks the whole server (the event loop), not just this client.
        seconds = parse_float(argv[2])
        time.sleep(max(seconds, 0.0))
        return OK
    if sub == b"SET-ACTIVE-EXPIRE" and len(argv) == 3:
        ctx.server.extensions["active_expire_enabled"] = parse_int(argv[2]) != 0
        return OK
    if sub == b"OBJECT" and len(argv) == 3:
        value = ctx.db.get(argv[2], ctx.now_ms)
        if value is None:
            raise RedVectorError("no such key")
        size = key_size(argv[2], value, argv[2] in ctx.db.expires)
        return SimpleString(
            b"Value at:0x%x refcount:1 encoding:raw serializedlength:%d lru:0 lru_seconds_idle:0"
            % (id(value), size))
    if sub == b"CHANGE-REPL-ID" and len(argv) == 2:
        return OK
    if sub == b"HELP" and len(argv) == 2:
        return [b"DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
                b"SLEEP <seconds>", b"    Stop the server for <seconds>. Decimals allowed.",
                b"SET-ACTIVE-EXPIRE <0|1>", b"    Switch active expiry off or on.",
                b"OBJECT <key>", b"    Show low level info about the key.", b"CHANGE-REPL-ID"]
    raise _subcommand_syntax(argv)


@group.command("LOLWUT", -1, Flag.READONLY | Flag.FAST, since="5.0.0",
               summary="Displays computer art and the Redis version")
def lolwut(ctx: CommandContext, argv: list[bytes]) -> Any:
    args = ArgCursor(argv, 1)
    while args:
        if args.next_token() == "VERSION" and args:
            args.next_int()
        else:
            raise SyntaxErr()
    art = "\n".join(["  ____          ___     __        _", " |  _ \\ ___  __| \\ \\   / /__  ___| |_ ___  _ __",
                     " | |_) / _ \\/ _` |\\ \\ / / _ \\/ __| __/ _ \\| '__|",
                     " |  _ <  __/ (_| | \\ V /  __/ (__| || (_) | |",
                     " |_| \\_\\___|\\__,_|  \\_/ \\___|\\___|\\__\\___/|_|"])
    return Verbatim(f"{art}\n\nRedVector ver. {__version__} (Redis ver. {REDIS_COMPAT_VERSION})\n".encode())


@group.command("SHUTDOWN", -1, Flag.ADMIN | Flag.NOSCRIPT | Flag.LOADING | Flag.STALE | Flag.NO_MULTI
               | Flag.ALLOW_BUSY, summary="Synchronously saves the database(s) to disk and shuts down the Redis server.")
def shutdown(ctx: CommandContext, argv: list[bytes]) -> Any:
    save: bool | None = None
    abort = False
    for arg in argv[1:]:
        match arg.upper():
            case b"NOSAVE" if save is None:
                save = False
            case b"SAVE" if save is None:
                save = True
            case b"NOW" | b"FORCE":
                pass  # no replicas to wait for; saving errors are the persistence layer's to force
            case b"ABORT":
                abort = True
            case _:
                raise SyntaxErr()
    if abort:
        if len(argv) != 2:
            raise SyntaxErr()
        raise RedVectorError("No shutdown in progress.")
    request = ctx.server.shutdown_requested
    if request is None:
        raise RedVectorError("Errors trying to SHUTDOWN. Check logs.")
    request(save)
    ctx.client.closing = True
    return NO_REPLY


__all__ = ["group"]
