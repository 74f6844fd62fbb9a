"""XREAD and XREADGROUP, blocking or not (Redis's xreadCommand).

With BLOCK and nothing to serve, the handler returns ``Blocked``: the connection parks the client and re-runs
the command whenever one of its streams is written (XADD; a delete, flush or type change, which XREADGROUP
answers with its error while XREAD keeps waiting, as in Redis), as the blocking list commands do. ``$`` is resolved to the stream's last id
before parking, so the re-run waits for entries added after the call. Each stream's waiters are tried
independently (a waiter that cannot be served does not hold back the next one, unlike list pops).

XREADGROUP is logged as its effects, as Redis propagates it: XGROUP CREATECONSUMER for a new consumer,
one ``XCLAIM ... FORCE JUSTID LASTID`` per delivered entry, and XGROUP SETID for the group's new last id.
"""

from __future__ import annotations

from typing import Any

from redvector.commands.args import parse_int
from redvector.commands.context import CommandContext
from redvector.commands.spec import NO_KEYS, CommandGroup, Flag
from redvector.commands.stream_ids import parse_strict_id
from redvector.commands.streams import get_stream
from redvector.errors import CodedError, RedVectorError, SyntaxErr, WrongType
from redvector.keyspace.types.stream import MAX_ID, Consumer, Group, Nack, Stream, format_id
from redvector.replies import NULL_ARRAY, Blocked, ByProtocol, Map

group = CommandGroup("stream")

_GREATER = MAX_ID  # ">" in XREADGROUP


def no_group_error(key: bytes, name: bytes, command: str = "XREADGROUP") -> CodedError:
    return CodedError("NOGROUP", f"No such key '{key.decode('utf-8', 'replace')}' or consumer group "
                                 f"'{name.decode('utf-8', 'replace')}' in {command} with GROUP option")


def parse_block_timeout(arg: bytes) -> int:
    try:
        timeout = parse_int(arg)
    except RedVectorError:
        raise RedVectorError("timeout is not an integer or out of range") from None
    if timeout < 0:
        raise RedVectorError("timeout is negative")
    return timeout


def _keys_of(argv: list[bytes]) -> list[bytes]:
    """COMMAND GETKEYS: the keys after STREAMS (the first half of what follows)."""
    for i in range(1, len(argv)):
        if argv[i].upper() == b"STREAMS":
            rest = argv[i + 1:]
            return rest[: len(rest) // 2]
    return []


def streams_reply(served: list[tuple[bytes, list[Any]]]) -> Any:
    if not served:
        return NULL_ARRAY
    return ByProtocol([[key, entries] for key, entries in served], Map(served))


def _read(ctx: CommandContext, argv: list[bytes], xreadgroup: bool) -> Any:
    name = "xreadgroup" if xreadgroup else "xread"
    timeout = -1
    count = 0
    noack = False
    group_name: bytes | None = None
    consumer_name = b""
    streams_arg = 0
    argc = len(argv)
    i = 1
    while i < argc:
        more = argc - i - 1
        word = argv[i].upper()
        if word == b"BLOCK" and more:
            i += 1
            timeout = parse_block_timeout(argv[i])
        elif word == b"COUNT" and more:
            i += 1
            count = max(parse_int(argv[i]), 0)
        elif word == b"STREAMS" and more:
            streams_arg = i + 1
            if (argc - streams_arg) % 2:
                symbol = ">" if xreadgroup else "$"
                raise RedVectorError(f"Unbalanced '{name}' list of streams: for each stream key an ID or "
                                     f"'{symbol}' must be specified.")
            break
        elif word == b"GROUP" and more >= 2:
            if not xreadgroup:
                raise RedVectorError("The GROUP option is only supported by XREADGROUP. You called XREAD instead.")
            group_name, consumer_name = argv[i + 1], argv[i + 2]
            i += 2
        elif word == b"NOACK":
            if not xreadgroup:
                raise RedVectorError("The NOACK option is only supported by XREADGROUP. You called XREAD instead.")
            noack = True
        else:
            raise SyntaxErr()
        i += 1
    if not streams_arg:
        raise SyntaxErr()
    if xreadgroup and group_name is None:
        raise RedVectorError("Missing GROUP option for XREADGROUP")
    nstreams = (argc - streams_arg) // 2
    keys = argv[streams_arg:streams_arg + nstreams]
    id_args = argv[streams_arg + nstreams:]
    ids: list[int] = []
    groups: list[Group | None] = []
    streams: list[Stream | None] = []
    rerun = bool(ctx.client.blocked_on)  # a parked client re-running its command
    for key, id_arg in zip(keys, id_args, strict=True):
        try:
            stream = get_stream(ctx, key)
        except WrongType:
            if xreadgroup or not rerun:
                raise
            stream = None  # a blocked XREAD keeps waiting while its key holds another type, as in Redis
        streams.append(stream)
        grp = None
        if group_name is not None:
            grp = stream.groups.get(group_name) if stream is not None else None
            if grp is None:
                raise no_group_error(key, group_name)
        groups.append(grp)
        if id_arg == b"$" or id_arg == b"+":
            if xreadgroup:
                raise RedVectorError(
                    f"The {id_arg.decode()} ID is meaningless in the context of XREADGROUP: you want to read the "
                    "history of this consumer by specifying a proper ID, or use the > ID to get new messages. "
                    f"The {id_arg.decode()} ID would just return an empty result set.")
            last_id = stream.last_id if stream is not None else 0
            if id_arg == b"+" and stream is not None:
                if not last_id:
                    raise RedVectorError("the stream last element ID is 0-0")
                last_id -= 1  # served from the last id: the last entry, if it is still there
            ids.append(last_id)
        elif id_arg == b">":
            if not xreadgroup:
                raise RedVectorError("The > ID can be specified only when calling XREADGROUP using the GROUP "
                                     "<group> <consumer> option.")
            ids.append(_GREATER)
        else:
            ids.append(parse_strict_id(id_arg))
    served: list[tuple[bytes, list[Any]]] = []
    for key, stream, grp, after in zip(keys, streams, groups, ids, strict=True):
        if stream is None:
            continue
        if grp is not None:
            assert group_name is not None
            entries = _serve_group(ctx, key, stream, grp, group_name, consumer_name, after, count, noack)
            if entries is not None:
                served.append((key, entries))
            continue
        top = stream.last_entry()
        if top is not None and top[0] > after:
            served.append((key, [[format_id(i), stream.entries[i]]
                                 for i in _take(stream.ids_after(after), count)]))
    if served or timeout == -1:
        return streams_reply(served)
    rerun_argv = None
    if not xreadgroup:
        rerun_argv = list(argv)
        for n, id_arg in enumerate(id_args):
            if id_arg == b"$":
                rerun_argv[streams_arg + nstreams + n] = format_id(ids[n])
    return Blocked(keys, timeout, NULL_ARRAY, rerun_argv=rerun_argv, independent=True)


def _take(ids: Any, count: int) -> list[int]:
    out = []
    for entry_id in ids:
        out.append(entry_id)
        if len(out) == count:
            break
    return out


def _serve_group(ctx: CommandContext, key: bytes, stream: Stream, grp: Group, group_name: bytes,
                 consumer_name: bytes, after: int, count: int, noack: bool) -> list[Any] | None:
    """One stream of an XREADGROUP: the entries served, or None when there is nothing to serve."""
    now = ctx.now_ms
    logged: list[list[bytes]] = []
    history = after != _GREATER
    serve = history
    if not history:
        top = stream.last_entry()
        if top is not None and top[0] > grp.last_id:
            serve = True
            after = grp.last_id
    consumer, created = grp.consumer(consumer_name, now)
    if created:
        ctx.db.touched(key, "xgroup-createconsumer")
        logged.append([b"XGROUP", b"CREATECONSUMER", key, group_name, consumer_name])
    consumer.seen_time = now
    if not serve:
        if logged:
            ctx.propagate_as(*logged)
        return None
    ctx.db.keyspace.dirty += 1
    if history:
        out = _serve_history(stream, consumer, after, count, now)
        ctx.propagate_as(*logged)
        return out
    out = []
    advanced = False
    entries = stream.entries
    for entry_id in _take(stream.ids_after(after), count):
        if entry_id > grp.last_id:
            stream.advance_group(grp, entry_id)
            advanced = True
        out.append([format_id(entry_id), entries[entry_id]])
        if not noack:
            _deliver(grp, consumer, entry_id, now)
            consumer.active_time = now
            logged.append([b"XCLAIM", key, group_name, consumer_name, b"0", format_id(entry_id), b"TIME",
                           b"%d" % now, b"RETRYCOUNT", b"1", b"FORCE", b"JUSTID", b"LASTID",
                           format_id(grp.last_id)])
    if advanced:
        logged.append([b"XGROUP", b"SETID", key, group_name, format_id(grp.last_id), b"ENTRIESREAD",
                       b"%d" % grp.entries_read])
    ctx.propagate_as(*logged)
    return out


def _deliver(grp: Group, consumer: Consumer, entry_id: int, now: int) -> None:
    nack = grp.pel.get(entry_id)
    if nack is None:
        nack = grp.pel[entry_id] = Nack(consumer, now)
    else:
        del nack.consumer.pel[entry_id]
        nack.consumer = consumer
        nack.delivery_time = now
        nack.delivery_count = 1
    consumer.pel[entry_id] = nack


def _serve_history(stream: Stream, consumer: Consumer, after: int, count: int, now: int) -> list[Any]:
    """The consumer's own pending entries above ``after``; a deleted one as [id, null]."""
    out: list[Any] = []
    entries = stream.entries
    for entry_id in consumer.pel.irange(after, None, inclusive=(False, True)):
        fields = entries.get(entry_id)
        if fields is None:
            out.append([format_id(entry_id), NULL_ARRAY])
        else:
            nack = consumer.pel[entry_id]
            nack.delivery_time = now
            nack.delivery_count += 1
            out.append([format_id(entry_id), fields])
        if len(out) == count:
            break
    return out


@group.command("XREAD", -4, Flag.READONLY | Flag.BLOCKING, NO_KEYS, since="5.0.0", getkeys=_keys_of,
               summary="Returns messages from multiple streams with IDs greater than the ones requested. "
                       "Blocks until a message is available otherwise.")
def xread(ctx: CommandContext, argv: list[bytes]) -> Any:
    return _read(ctx, argv, xreadgroup=False)


@group.command("XREADGROUP", -7, Flag.WRITE | Flag.BLOCKING, NO_KEYS, since="5.0.0", getkeys=_keys_of,
               summary="Returns new or historical messages from a stream for a consumer in a group. "
                       "Blocks until a message is available otherwise.")
def xreadgroup(ctx: CommandContext, argv: list[bytes]) -> Any:
    return _read(ctx, argv, xreadgroup=True)
