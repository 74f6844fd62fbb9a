"""Consumer groups: XGROUP (CREATE SETID DESTROY CREATECONSUMER DELCONSUMER HELP) XACK XPENDING XCLAIM XAUTOCLAIM.

XCLAIM and XAUTOCLAIM are logged as Redis propagates them: one ``XCLAIM key group consumer 0 id TIME t
RETRYCOUNT n FORCE JUSTID LASTID last`` per entry claimed (or dropped from the PEL because the entry is
gone), so a replay rebuilds the same pending entries whatever the clock says then.
"""

from __future__ import annotations

import time
from typing import Any

from redvector.commands.args import parse_int, subcommand
from redvector.commands.context import CommandContext
from redvector.commands.spec import CommandGroup, Flag, KeySpec, Sub
from redvector.commands.stream_ids import parse_id, parse_range, parse_strict_id
from redvector.commands.streams import get_stream
from redvector.errors import CodedError, RedVectorError, SyntaxErr
from redvector.keyspace.types.stream import INVALID_ENTRIES_READ, Consumer, Group, Nack, Stream, format_id
from redvector.replies import NULL_ARRAY, OK, SimpleString

group = CommandGroup("stream")

_K1 = KeySpec(1, 1, 1)
_KEY_REQUIRED = ("The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the "
                 "MKSTREAM option to create an empty stream automatically.")

XGROUP_HELP = [
    "XGROUP <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "CREATE <key> <groupname> <id|$> [option]",
    "    Create a new consumer group. Options are:",
    "    * MKSTREAM",
    "      Create the empty stream if it does not exist.",
    "    * ENTRIESREAD entries_read",
    "      Set the group's entries_read counter (internal use).",
    "CREATECONSUMER <key> <groupname> <consumer>",
    "    Create a new consumer in the specified group.",
    "DELCONSUMER <key> <groupname> <consumer>",
    "    Remove the specified consumer.",
    "DESTROY <key> <groupname>",
    "    Remove the specified group.",
    "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
    "    Set the current group ID and entries_read counter.",
    "HELP",
    "    Print this help.",
]

# Subcommand -> Redis's arity (counting XGROUP and the subcommand).
_ARITY = {b"CREATE": -5, b"SETID": -5, b"DESTROY": 4, b"CREATECONSUMER": 5, b"DELCONSUMER": 5, b"HELP": 2}


def stream_now(ctx: CommandContext) -> int:
    """The command's clock; the wall clock while the AOF is replayed (its clock is frozen at 0), so consumers
    created by a replay are not idle since 1970."""
    return ctx.now_ms or int(time.time() * 1000)


def _text(value: bytes) -> str:
    return value.decode("utf-8", "replace")


def _no_group(key: bytes, name: bytes) -> CodedError:
    return CodedError("NOGROUP", f"No such key '{_text(key)}' or consumer group '{_text(name)}'")


def _subcommand_syntax(sub: bytes) -> RedVectorError:
    return RedVectorError(f"unknown subcommand or wrong number of arguments for '{_text(sub).lower()}'. "
                          "Try XGROUP HELP.")


def _entries_read(arg: bytes) -> int:
    value = parse_int(arg)
    if value < 0 and value != INVALID_ENTRIES_READ:
        raise RedVectorError("value for ENTRIESREAD must be positive or -1")
    return value


def _xgroup_keys(argv: list[bytes]) -> list[bytes]:
    return [argv[2]] if len(argv) > 2 and argv[1].upper() != b"HELP" else []


# XGROUP's subcommands as Redis 7.4 declares them (COMMAND INFO xgroup|<sub>).
_XGROUP_SUBS = (
    Sub("CREATE", -5, Flag.WRITE | Flag.DENYOOM, KeySpec(2, 2, 1), since="5.0.0",
        summary="Creates a consumer group."),
    Sub("SETID", -5, Flag.WRITE, KeySpec(2, 2, 1), since="5.0.0",
        summary="Sets the last-delivered ID of a consumer group."),
    Sub("DESTROY", 4, Flag.WRITE, KeySpec(2, 2, 1), since="5.0.0", summary="Destroys a consumer group."),
    Sub("CREATECONSUMER", 5, Flag.WRITE | Flag.DENYOOM, KeySpec(2, 2, 1), since="6.2.0",
        summary="Creates a consumer in a consumer group."),
    Sub("DELCONSUMER", 5, Flag.WRITE, KeySpec(2, 2, 1), since="5.0.0",
        summary="Deletes a consumer from a consumer group."),
    Sub("HELP", 2, Flag.LOADING | Flag.STALE, since="5.0.0",
        summary="Returns helpful text about the different subcommands."),
)


@group.command("XGROUP", -2, Flag.WRITE | Flag.DENYOOM, KeySpec(2, 2, 1), since="5.0.0", getkeys=_xgroup_keys,
               subcommands=_XGROUP_SUBS,
               summary="A container for consumer groups commands.")
def xgroup(ctx: CommandContext, argv: list[bytes]) -> Any:
    sub = subcommand(argv, _ARITY, "XGROUP")
    if sub == b"HELP":
        return [SimpleString(line.encode()) for line in XGROUP_HELP]
    key, name = argv[2], argv[3]
    mkstream = False
    entries_read = INVALID_ENTRIES_READ
    if sub == b"CREATE":
        i = 5
        while i < len(argv):
            word = argv[i].upper()
            if word == b"MKSTREAM":
                mkstream = True
                i += 1
            elif word == b"ENTRIESREAD" and i + 1 < len(argv):
                entries_read = _entries_read(argv[i + 1])
                i += 2
            else:
                raise _subcommand_syntax(argv[1])
    stream = get_stream(ctx, key)
    if stream is None and (sub != b"CREATE" or not mkstream):
        raise RedVectorError(_KEY_REQUIRED)
    grp = stream.groups.get(name) if stream is not None else None
    if grp is None and sub in (b"SETID", b"CREATECONSUMER", b"DELCONSUMER"):
        raise CodedError("NOGROUP", f"No such consumer group '{_text(name)}' for key name '{_text(key)}'")
    if sub == b"CREATE":
        if len(argv) > 8:
            raise _subcommand_syntax(argv[1])
        last = (stream.last_id if stream is not None else 0) if argv[4] == b"$" else parse_strict_id(argv[4])
        if stream is None:
            stream = Stream()
            ctx.db.set(key, stream)
        if name in stream.groups:
            raise CodedError("BUSYGROUP", "Consumer Group name already exists")
        stream.groups[name] = Group(name, last, entries_read)
        ctx.db.touched(key, "xgroup-create")
        return OK
    assert stream is not None
    if sub == b"SETID":
        if len(argv) not in (5, 7):
            raise _subcommand_syntax(argv[1])
        assert grp is not None
        last = stream.last_id if argv[4] == b"$" else parse_id(argv[4])[0]
        if len(argv) == 7:
            if argv[5].upper() != b"ENTRIESREAD":
                raise _subcommand_syntax(argv[1])
            entries_read = _entries_read(argv[6])
        grp.last_id = last
        grp.entries_read = entries_read
        ctx.db.touched(key, "xgroup-setid")
        return OK
    if sub == b"DESTROY":
        if stream.groups.pop(name, None) is None:
            return 0
        ctx.db.touched(key, "xgroup-destroy")
        return 1
    assert grp is not None
    if sub == b"CREATECONSUMER":
        _, created = grp.consumer(argv[4], stream_now(ctx))
        if created:
            ctx.db.touched(key, "xgroup-createconsumer")
        return int(created)
    # DELCONSUMER
    if argv[4] not in grp.consumers:
        return 0
    pending = grp.delete_consumer(argv[4])
    ctx.db.touched(key, "xgroup-delconsumer")
    return pending


def _group_of(ctx: CommandContext, key: bytes, name: bytes) -> tuple[Stream, Group]:
    stream = get_stream(ctx, key)
    grp = stream.groups.get(name) if stream is not None else None
    if stream is None or grp is None:
        raise _no_group(key, name)
    return stream, grp


@group.command("XACK", -4, Flag.WRITE | Flag.FAST, _K1, since="5.0.0",
               summary="Returns the number of messages that were successfully acknowledged by the consumer "
                       "group member of a stream.")
def xack(ctx: CommandContext, argv: list[bytes]) -> Any:
    stream = get_stream(ctx, argv[1])
    grp = stream.groups.get(argv[2]) if stream is not None else None
    if grp is None:
        return 0
    ids = [parse_strict_id(arg) for arg in argv[3:]]
    acked = 0
    for entry_id in ids:
        nack = grp.pel.pop(entry_id, None)
        if nack is not None:
            del nack.consumer.pel[entry_id]
            acked += 1
    if acked:
        ctx.db.keyspace.dirty += 1  # logged as sent; Redis signals no key event for an XACK
    return acked


@group.command("XPENDING", -3, Flag.READONLY, _K1, since="5.0.0",
               summary="Returns the information and entries from a stream consumer group's pending entries list.")
def xpending(ctx: CommandContext, argv: list[bytes]) -> Any:
    argc = len(argv)
    if argc != 3 and not 6 <= argc <= 9:
        raise SyntaxErr()
    min_idle = 0
    consumer_name: bytes | None = None
    start = end = count = 0
    if argc >= 6:
        at = 3
        if argv[3].upper() == b"IDLE":
            min_idle = parse_int(argv[4])
            if argc < 8:
                raise SyntaxErr()
            at = 5
        count = max(parse_int(argv[at + 2]), 0)
        start, end = parse_range(argv[at], argv[at + 1])
        if at + 3 < argc:
            consumer_name = argv[at + 3]
    _, grp = _group_of(ctx, argv[1], argv[2])
    if argc == 3:
        if not grp.pel:
            return [0, None, None, NULL_ARRAY]
        ids = grp.pel.keys()
        owners = [[c.name, b"%d" % len(c.pel)] for c in grp.sorted_consumers() if c.pel]
        return [len(grp.pel), format_id(ids[0]), format_id(ids[-1]), owners]
    pel = grp.pel
    if consumer_name is not None:
        consumer = grp.consumers.get(consumer_name)
        if consumer is None:
            return []
        pel = consumer.pel
    now = ctx.now_ms
    out: list[Any] = []
    if not count or start > end:
        return out
    for entry_id in pel.irange(start, end):
        nack = pel[entry_id]
        if min_idle and now - nack.delivery_time < min_idle:
            continue
        out.append([format_id(entry_id), nack.consumer.name, max(now - nack.delivery_time, 0), nack.delivery_count])
        if len(out) == count:
            break
    return out


def claim_argv(key: bytes, group_name: bytes, grp: Group, entry_id: int, nack: Nack) -> list[bytes]:
    """How Redis propagates a claim (streamPropagateXCLAIM)."""
    return [b"XCLAIM", key, group_name, nack.consumer.name, b"0", format_id(entry_id), b"TIME",
            b"%d" % nack.delivery_time, b"RETRYCOUNT", b"%d" % nack.delivery_count, b"FORCE", b"JUSTID",
            b"LASTID", format_id(grp.last_id)]


def _claimer(ctx: CommandContext, key: bytes, grp: Group, name: bytes, logged: list[list[bytes]]) -> Consumer:
    consumer, created = grp.consumer(name, stream_now(ctx))
    if created:
        ctx.db.touched(key, "xgroup-createconsumer")
        logged.append([b"XGROUP", b"CREATECONSUMER", key, grp.name, name])
    consumer.seen_time = stream_now(ctx)
    return consumer


def _move(grp: Group, nack: Nack, consumer: Consumer, entry_id: int) -> None:
    if nack.consumer is not consumer:
        nack.consumer.pel.pop(entry_id, None)
        consumer.pel[entry_id] = nack
        nack.consumer = consumer


def _drop(grp: Group, nack: Nack, entry_id: int) -> None:
    del grp.pel[entry_id]
    nack.consumer.pel.pop(entry_id, None)


def _int_option(arg: bytes, what: str, command: str = "XCLAIM") -> int:
    return parse_int(arg, RedVectorError(f"Invalid {what} argument for {command}"))


@group.command("XCLAIM", -6, Flag.WRITE | Flag.FAST, _K1, since="5.0.0",
               summary="Changes, or acquires, ownership of a message in a consumer group, as if the message "
                       "was delivered a consumer group member.")
def xclaim(ctx: CommandContext, argv: list[bytes]) -> Any:
    key, group_name = argv[1], argv[2]
    stream, grp = _group_of(ctx, key, group_name)
    min_idle = max(_int_option(argv[4], "min-idle-time"), 0)
    ids: list[int] = []
    j = 5
    while j < len(argv):
        try:
            ids.append(parse_strict_id(argv[j]))
        except RedVectorError:
            break
        j += 1
    now = stream_now(ctx)
    force = justid = False
    retrycount = -1
    delivery = -1
    last_id = 0
    while j < len(argv):
        more = len(argv) - 1 - j
        word = argv[j].upper()
        if word == b"FORCE":
            force = True
        elif word == b"JUSTID":
            justid = True
        elif word == b"IDLE" and more:
            j += 1
            delivery = now - _int_option(argv[j], "IDLE option")
        elif word == b"TIME" and more:
            j += 1
            delivery = _int_option(argv[j], "TIME option")
        elif word == b"RETRYCOUNT" and more:
            j += 1
            retrycount = _int_option(argv[j], "RETRYCOUNT option")
        elif word == b"LASTID" and more:
            j += 1
            last_id = parse_strict_id(argv[j])
        else:
            raise RedVectorError(f"Unrecognized XCLAIM option '{_text(argv[j])}'")
        j += 1
    logged: list[list[bytes]] = []
    propagate_last_id = False
    if last_id > grp.last_id:
        grp.last_id = last_id
        propagate_last_id = True
    if delivery == -1 or delivery < 0 or (delivery > now and ctx.now_ms):
        delivery = now  # (no clamp while the AOF replays: its clock is frozen)
    consumer = _claimer(ctx, key, grp, argv[3], logged)
    out: list[Any] = []
    changed = bool(logged)
    for entry_id in ids:
        nack = grp.pel.get(entry_id)
        fields = stream.entries.get(entry_id)
        if fields is None:
            if nack is not None:
                logged.append(claim_argv(key, group_name, grp, entry_id, nack))
                _drop(grp, nack, entry_id)
                propagate_last_id = False
                changed = True
            continue
        created = False
        if force and nack is None:
            nack = grp.pel[entry_id] = Nack(consumer, now)  # delivery count 1, then counted as claimed
            consumer.pel[entry_id] = nack
            created = True
        if nack is None:
            continue
        if not created and min_idle and now - nack.delivery_time < min_idle:
            continue
        _move(grp, nack, consumer, entry_id)
        nack.delivery_time = delivery
        if retrycount >= 0:
            nack.delivery_count = retrycount
        elif not justid:
            nack.delivery_count += 1
        out.append(format_id(entry_id) if justid else [format_id(entry_id), fields])
        consumer.active_time = stream_now(ctx)
        logged.append(claim_argv(key, group_name, grp, entry_id, nack))
        propagate_last_id = False
        changed = True
    if propagate_last_id:
        logged.append([b"XGROUP", b"SETID", key, group_name, format_id(grp.last_id), b"ENTRIESREAD",
                       b"%d" % grp.entries_read])
        changed = True
    if changed:
        ctx.db.keyspace.dirty += 1
    ctx.propagate_as(*logged)
    return out


@group.command("XAUTOCLAIM", -6, Flag.WRITE | Flag.FAST, _K1, since="6.2.0",
               summary="Changes, or acquires, ownership of messages in a consumer group, as if the messages "
                       "were delivered to as consumer group member.")
def xautoclaim(ctx: CommandContext, argv: list[bytes]) -> Any:
    key, group_name = argv[1], argv[2]
    min_idle = max(_int_option(argv[4], "min-idle-time", "XAUTOCLAIM"), 0)
    start, _ = parse_range(argv[5], b"+")
    count = 100
    justid = False
    j = 6
    while j < len(argv):
        word = argv[j].upper()
        if word == b"COUNT" and j + 1 < len(argv):
            count = parse_int(argv[j + 1], RedVectorError("COUNT must be > 0"))
            if not 1 <= count <= (2**63 - 1) // 16:
                raise RedVectorError("COUNT must be > 0")
            j += 1
        elif word == b"JUSTID":
            justid = True
        else:
            raise SyntaxErr()
        j += 1
    stream, grp = _group_of(ctx, key, group_name)
    logged: list[list[bytes]] = []
    consumer = _claimer(ctx, key, grp, argv[3], logged)
    now = stream_now(ctx)
    attempts = count * 10
    claimed: list[Any] = []
    deleted: list[bytes] = []
    candidates = iter(list(grp.pel.irange(start, None)))
    cursor = 0
    for entry_id in candidates:
        if not attempts or not count:
            cursor = entry_id
            break
        attempts -= 1
        nack = grp.pel[entry_id]
        fields = stream.entries.get(entry_id)
        if fields is None:
            logged.append(claim_argv(key, group_name, grp, entry_id, nack))
            _drop(grp, nack, entry_id)
            deleted.append(format_id(entry_id))
            count -= 1
            continue
        if min_idle and now - nack.delivery_time < min_idle:
            continue
        _move(grp, nack, consumer, entry_id)
        nack.delivery_time = now
        if not justid:
            nack.delivery_count += 1
        claimed.append(format_id(entry_id) if justid else [format_id(entry_id), fields])
        count -= 1
        consumer.active_time = stream_now(ctx)
        logged.append(claim_argv(key, group_name, grp, entry_id, nack))
    else:
        cursor = 0
    if logged:
        ctx.db.keyspace.dirty += 1
    ctx.propagate_as(*logged)
    return [format_id(cursor), claimed, deleted]
