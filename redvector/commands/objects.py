"""OBJECT ENCODING / REFCOUNT / IDLETIME / FREQ / HELP.

ENCODING names Redis's representation for the value's current size (keyspace/types/encoding.py).
IDLETIME and FREQ come from the access tracker of the memory-limit subsystem: the first of
``server.extensions["key_access"]`` / ``server.extensions["memory"]`` that has ``idle_ms(db_index, key,
now_ms)`` and ``frequency(db_index, key)`` (each an int, or None for an untracked key). Without one they
answer 0. Redis's errors come first when the policy makes a figure meaningless (FREQ needs an LFU policy;
IDLETIME is refused under one).
"""

from __future__ import annotations

from typing import Any

from redvector.commands.context import CommandContext
from redvector.commands.spec import CommandGroup, Flag, KeySpec, Sub
from redvector.errors import RedVectorError, UnknownSubcommand, WrongArity
from redvector.keyspace.types.encoding import object_encoding
from redvector.keyspace.types.int64 import as_int64
from redvector.replies import SimpleString

group = CommandGroup("generic")

# Redis shares the integers 0..9999 between keys (OBJ_SHARED_INTEGERS) with an "infinite" refcount.
SHARED_INTEGERS = 10000
SHARED_REFCOUNT = 2**31 - 1
_POLICY_NOTE = (
    "Please note that when switching between policies at runtime LRU and LFU data will take some time "
    "to adjust."
)

HELP = [
    "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "ENCODING <key>",
    "    Return the kind of internal representation used in order to store the value",
    "    associated with a <key>.",
    "FREQ <key>",
    "    Return the access frequency index of the <key>. The returned integer is",
    "    proportional to the logarithm of the recent access frequency of the key.",
    "IDLETIME <key>",
    "    Return the idle time of the <key>, that is the approximated number of",
    "    seconds elapsed since the last access to the key.",
    "REFCOUNT <key>",
    "    Return the number of references of the value associated with the specified",
    "    <key>.",
    "HELP",
    "    Prints this help.",
]


# OBJECT's subcommands as Redis 7.4 declares them (COMMAND INFO object|<sub>).
_OBJECT_SUBS = (
    Sub("ENCODING", 3, Flag.READONLY, KeySpec(2, 2, 1), since="2.2.3",
        summary="Returns the internal encoding of a Redis object."),
    Sub("REFCOUNT", 3, Flag.READONLY, KeySpec(2, 2, 1), since="2.2.3",
        summary="Returns the reference count of a value of a key."),
    Sub("IDLETIME", 3, Flag.READONLY, KeySpec(2, 2, 1), since="2.2.3",
        summary="Returns the time since the last access to a Redis object."),
    Sub("FREQ", 3, Flag.READONLY, KeySpec(2, 2, 1), since="4.0.0",
        summary="Returns the logarithmic access frequency counter of a Redis object."),
    Sub("HELP", 2, Flag.LOADING | Flag.STALE, since="6.2.0",
        summary="Returns helpful text about the different subcommands."),
)


@group.command("OBJECT", -2, Flag.READONLY, KeySpec(2, 2, 1),
               subcommands=_OBJECT_SUBS,
               summary="A container for object introspection commands.", since="2.2.3")
def object_(ctx: CommandContext, argv: list[bytes]) -> Any:
    sub = argv[1].upper()
    if sub == b"HELP":
        if len(argv) != 2:
            raise WrongArity("object|help")
        return [SimpleString(line.encode()) for line in HELP]
    if sub not in (b"ENCODING", b"REFCOUNT", b"IDLETIME", b"FREQ"):
        raise UnknownSubcommand("object", argv[1])
    if len(argv) != 3:
        raise WrongArity("object|" + sub.decode().lower())
    key = argv[2]
    value = ctx.db.get(key, ctx.now_ms)
    if value is None:
        return None
    if sub == b"ENCODING":
        name = object_encoding(value, ctx.server.config)
        if name == "listpack" and type(value) is dict and ctx.db.field_ttls.had_deadlines(key, value):
            name = "listpackex"  # a small hash with field TTLs (Redis 7.4)
        return None if name is None else name.encode()
    if sub == b"REFCOUNT":
        if type(value) is bytes:
            number = as_int64(value)
            if number is not None and 0 <= number < SHARED_INTEGERS:
                return SHARED_REFCOUNT
        return 1
    policy = str(ctx.server.config.get("maxmemory-policy", "noeviction"))
    tracker = _tracker(ctx)
    if sub == b"IDLETIME":
        if "lfu" in policy:
            raise RedVectorError("An LFU maxmemory policy is selected, idle time not tracked. " + _POLICY_NOTE)
        idle_ms = None if tracker is None else tracker.idle_ms(ctx.client.db_index, key, ctx.now_ms)
        return 0 if idle_ms is None else max(int(idle_ms), 0) // 1000
    if "lfu" not in policy:
        raise RedVectorError("An LFU maxmemory policy is not selected, access frequency not tracked. " + _POLICY_NOTE)
    freq = None if tracker is None else tracker.frequency(ctx.client.db_index, key)
    return 0 if freq is None else int(freq)


def _tracker(ctx: CommandContext) -> Any:
    for name in ("key_access", "memory"):
        candidate = ctx.server.extensions.get(name)
        if hasattr(candidate, "idle_ms") and hasattr(candidate, "frequency"):
            return candidate
    return None
