"""Stream commands on entries: XADD XLEN XRANGE XREVRANGE XDEL XTRIM XSETID (value = keyspace Stream).

Writes end in ``touched(key, "xadd"/"xtrim"/"xdel"/"xsetid")``. XADD is logged as its effect: the id it
generated and, after an approximate trim, the exact MAXLEN / MINID it came to (Redis rewrites the same
arguments for the AOF and replicas).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from redvector.commands.args import parse_int
from redvector.commands.context import CommandContext
from redvector.commands.spec import CommandGroup, Flag, KeySpec
from redvector.commands.stream_ids import parse_id, parse_range, parse_strict_id
from redvector.errors import NoSuchKey, RedVectorError, SyntaxErr, WrongArity
from redvector.keyspace.types.stream import MAX_ID, U64, Stream, StreamIdError, format_id
from redvector.replies import NULL_ARRAY, OK

group = CommandGroup("stream")

_K1 = KeySpec(1, 1, 1)
_NOT_ABOVE_TOP = "The ID specified in XADD is equal or smaller than the target stream top item"


def get_stream(ctx: CommandContext, key: bytes) -> Stream | None:
    return ctx.db.lookup(key, Stream, ctx)


def entry_reply(entry_id: int, fields: list[bytes]) -> list[Any]:
    return [format_id(entry_id), fields]


def entries_reply(entries: list[tuple[int, list[bytes]]]) -> list[Any]:
    return [[format_id(i), f] for i, f in entries]


def node_limits(ctx: CommandContext) -> tuple[int, int]:
    config = ctx.server.config
    return int(config["stream-node-max-entries"]), int(config["stream-node-max-bytes"])


@dataclass(slots=True)
class TrimArgs:
    """XADD / XTRIM trimming options (streamAddTrimArgs)."""

    maxlen: int | None = None
    minid: int | None = None
    approx: bool = False
    limit: int = 0
    no_mkstream: bool = False
    id_arg: int = 0  # XADD: the position of the id argument

    @property
    def strategy(self) -> bool:
        return self.maxlen is not None or self.minid is not None


def parse_trim_args(argv: list[bytes], xadd: bool) -> TrimArgs:
    """Redis's streamParseAddOrTrimArgsOrReply: options from argv[2], up to XADD's id."""
    args = TrimArgs()
    limit_given = False
    i = 2
    argc = len(argv)
    while i < argc:
        more = argc - 1 - i
        opt = argv[i]
        word = opt.upper()
        if xadd and opt == b"*":
            break
        if (word == b"MAXLEN" or word == b"MINID") and more:
            if args.strategy:
                raise RedVectorError("syntax error, MAXLEN and MINID options at the same time are not compatible")
            args.approx = False
            nxt = argv[i + 1]
            if more >= 2 and nxt == b"~":
                args.approx = True
                i += 1
            elif more >= 2 and nxt == b"=":
                i += 1
            if word == b"MAXLEN":
                maxlen = parse_int(argv[i + 1])
                if maxlen < 0:
                    raise RedVectorError("The MAXLEN argument must be >= 0.")
                args.maxlen = maxlen
            else:
                args.minid = parse_strict_id(argv[i + 1])
            i += 1
        elif word == b"LIMIT" and more:
            limit = parse_int(argv[i + 1])
            if limit < 0:
                raise RedVectorError("The LIMIT argument must be >= 0.")
            args.limit = limit
            limit_given = True
            i += 1
        elif xadd and word == b"NOMKSTREAM":
            args.no_mkstream = True
        elif xadd:
            break  # the id (parsed by the caller)
        else:
            raise SyntaxErr()
        i += 1
    args.id_arg = i
    if args.limit and not args.strategy:
        raise RedVectorError("syntax error, LIMIT cannot be used without specifying a trimming strategy")
    if not xadd and not args.strategy:
        raise RedVectorError("syntax error, XTRIM must be called with a trimming strategy")
    if limit_given:
        if not args.approx:
            raise RedVectorError("syntax error, LIMIT cannot be used without the special ~ option")
    elif args.approx:
        args.limit = 10000  # 100 * stream-node-max-entries, Redis's default work bound
    return args


def trim(stream: Stream, args: TrimArgs) -> int:
    return stream.trim(args.maxlen, args.minid, args.approx, args.limit)


def exact_trim_argv(stream: Stream, args: TrimArgs) -> list[bytes]:
    """The trim an approximate one came to, as exact arguments (what the AOF replays)."""
    if not args.approx:
        if args.maxlen is not None:
            return [b"MAXLEN", b"=", b"%d" % args.maxlen]
        assert args.minid is not None
        return [b"MINID", b"=", format_id(args.minid)]
    if args.minid is not None and len(stream):
        return [b"MINID", b"=", format_id(stream.first_id)]
    return [b"MAXLEN", b"=", b"%d" % len(stream)]


@group.command("XADD", -5, Flag.WRITE | Flag.DENYOOM | Flag.FAST, _K1, since="5.0.0",
               summary="Appends a new message to a stream. Creates the key if it doesn't exist.")
def xadd(ctx: CommandContext, argv: list[bytes]) -> Any:
    args = parse_trim_args(argv, xadd=True)
    idpos = args.id_arg
    id_arg = argv[idpos] if idpos < len(argv) else b""
    ms: int | None = None
    seq: int | None = None
    if id_arg != b"*":
        given, seq_given = parse_id(id_arg, strict=True, allow_auto_seq=True)
        ms = given >> 64
        seq = given & U64 if seq_given else None
    nfields = len(argv) - idpos - 1
    if nfields < 2 or nfields % 2:
        raise WrongArity("xadd")
    if ms == 0 and seq == 0:
        raise RedVectorError("The ID specified in XADD must be greater than 0-0")
    key = argv[1]
    stream = get_stream(ctx, key)
    if stream is None:
        if args.no_mkstream:
            return None
        stream = Stream()
        ctx.db.set(key, stream)
    if stream.last_id == MAX_ID:
        raise RedVectorError("The stream has exhausted the last possible ID, unable to add more items")
    try:
        entry_id = stream.next_id(ctx.now_ms if ms is None else 0, ms, seq)  # the clock only for *
    except StreamIdError:
        raise RedVectorError(_NOT_ABOVE_TOP) from None
    fields = argv[idpos + 1:]
    max_entries, max_bytes = node_limits(ctx)
    stream.append(entry_id, fields, max_entries, max_bytes)
    ctx.db.touched(key, "xadd")
    if args.strategy and trim(stream, args):
        ctx.db.touched(key, "xtrim")
    reply = format_id(entry_id)
    if ctx.server.propagate_sinks:  # logged as its effect: the id it generated, the trim it came to
        trim_argv = exact_trim_argv(stream, args) if args.strategy else []
        ctx.propagate_as([b"XADD", key, *trim_argv, reply, *fields])
    return reply


@group.command("XLEN", 2, Flag.READONLY | Flag.FAST, _K1, since="5.0.0",
               summary="Return the number of messages in a stream.")
def xlen(ctx: CommandContext, argv: list[bytes]) -> Any:
    stream = get_stream(ctx, argv[1])
    return 0 if stream is None else len(stream)


def _range(ctx: CommandContext, argv: list[bytes], reverse: bool) -> Any:
    start_arg, end_arg = (argv[3], argv[2]) if reverse else (argv[2], argv[3])
    start, end = parse_range(start_arg, end_arg)
    count = -1
    i = 4
    while i < len(argv):
        if argv[i].upper() == b"COUNT" and i + 1 < len(argv):
            count = max(parse_int(argv[i + 1]), 0)
            i += 2
        else:
            raise SyntaxErr()
    stream = get_stream(ctx, argv[1])
    if stream is None:
        return []
    if count == 0:
        return NULL_ARRAY
    return entries_reply(stream.range(start, end, max(count, 0), reverse))


@group.command("XRANGE", -4, Flag.READONLY, _K1, since="5.0.0",
               summary="Returns the messages from a stream within a range of IDs.")
def xrange(ctx: CommandContext, argv: list[bytes]) -> Any:
    return _range(ctx, argv, reverse=False)


@group.command("XREVRANGE", -4, Flag.READONLY, _K1, since="5.0.0",
               summary="Returns the messages from a stream within a range of IDs in reverse order.")
def xrevrange(ctx: CommandContext, argv: list[bytes]) -> Any:
    return _range(ctx, argv, reverse=True)


@group.command("XDEL", -3, Flag.WRITE | Flag.FAST, _K1, since="5.0.0",
               summary="Returns the number of messages after removing them from a stream.")
def xdel(ctx: CommandContext, argv: list[bytes]) -> Any:
    stream = get_stream(ctx, argv[1])
    if stream is None:
        return 0  # (Redis looks the key up before it parses the ids)
    ids = [parse_strict_id(arg) for arg in argv[2:]]
    deleted = 0
    for entry_id in ids:
        if stream.delete(entry_id):
            if entry_id > stream.max_deleted_id:
                stream.max_deleted_id = entry_id
            deleted += 1
    if deleted:
        ctx.db.touched(argv[1], "xdel")
    return deleted


@group.command("XTRIM", -4, Flag.WRITE, _K1, since="5.0.0",
               summary="Deletes messages from the beginning of a stream.")
def xtrim(ctx: CommandContext, argv: list[bytes]) -> Any:
    args = parse_trim_args(argv, xadd=False)
    key = argv[1]
    stream = get_stream(ctx, key)
    if stream is None:
        return 0
    deleted = trim(stream, args)
    if deleted:
        ctx.db.touched(key, "xtrim")
        ctx.propagate_as([b"XTRIM", key, *exact_trim_argv(stream, args)])
    return deleted


@group.command("XSETID", -3, Flag.WRITE | Flag.DENYOOM | Flag.FAST, _K1, since="5.0.0",
               summary="An internal command for replicating stream values.")
def xsetid(ctx: CommandContext, argv: list[bytes]) -> Any:
    new_id = parse_strict_id(argv[2])
    entries_added = -1
    max_deleted = 0
    i = 3
    while i < len(argv):
        word = argv[i].upper()
        if word == b"ENTRIESADDED" and i + 1 < len(argv):
            entries_added = parse_int(argv[i + 1])
            if entries_added < 0:
                raise RedVectorError("entries_added must be positive")
        elif word == b"MAXDELETEDID" and i + 1 < len(argv):
            max_deleted = parse_strict_id(argv[i + 1])
            if new_id < max_deleted:
                raise RedVectorError("The ID specified in XSETID is smaller than the provided max_deleted_entry_id")
        else:
            raise SyntaxErr()
        i += 2
    key = argv[1]
    stream = get_stream(ctx, key)
    if stream is None:
        raise NoSuchKey()
    if new_id < stream.max_deleted_id:
        raise RedVectorError("The ID specified in XSETID is smaller than current max_deleted_entry_id")
    if len(stream):
        if new_id < stream.last_entry()[0]:  # type: ignore[index]
            raise RedVectorError("The ID specified in XSETID is smaller than the target stream top item")
        if entries_added != -1 and len(stream) > entries_added:
            raise RedVectorError("The entries_added specified in XSETID is smaller than the target stream length")
    stream.last_id = new_id
    if entries_added != -1:
        stream.entries_added = entries_added
    if max_deleted:
        stream.max_deleted_id = max_deleted
    ctx.db.touched(key, "xsetid")
    return OK
