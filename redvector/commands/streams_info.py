"""XINFO STREAM [FULL [COUNT n]] / GROUPS / CONSUMERS / HELP: field names and order as Redis 7.4 replies them."""

from __future__ import annotations

from typing import Any

from redvector.commands.args import parse_int, subcommand
from redvector.commands.context import CommandContext
from redvector.commands.spec import CommandGroup, Flag, KeySpec, Sub
from redvector.commands.streams import entries_reply, entry_reply, get_stream
from redvector.errors import CodedError, NoSuchKey, RedVectorError
from redvector.keyspace.types.stream import INVALID_ENTRIES_READ, Group, Stream, format_id
from redvector.replies import Map, SimpleString

group = CommandGroup("stream")

XINFO_HELP = [
    "XINFO <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "CONSUMERS <key> <groupname>",
    "    Show consumers of <groupname>.",
    "GROUPS <key>",
    "    Show the stream consumer groups.",
    "STREAM <key> [FULL [COUNT <count>]",
    "    Show information about the stream.",
    "HELP",
    "    Print this help.",
]

_ARITY = {b"STREAM": -3, b"GROUPS": 3, b"CONSUMERS": 4, b"HELP": 2}


def rax_nodes(keys: list[int]) -> int:
    """The nodes of a radix tree holding these 16-byte big-endian keys (Redis's radix-tree-nodes): one per
    compressed run or branching point, plus one per key."""
    if not keys:
        return 1
    encoded = sorted(k.to_bytes(16, "big") for k in keys)

    def count(items: list[bytes], depth: int) -> int:
        if depth == 16:
            return 1
        first, last = items[0], items[-1]
        common = depth
        while common < 16 and first[common] == last[common]:
            common += 1
        if common > depth:
            return 1 + count(items, common)
        total = 1
        start = 0
        for i in range(1, len(items) + 1):
            if i == len(items) or items[i][depth] != items[start][depth]:
                total += count(items[start:i], depth + 1)
                start = i
        return total

    return count(encoded, 0)


def _entries_read(grp: Group) -> int | None:
    return None if grp.entries_read == INVALID_ENTRIES_READ else grp.entries_read


def _stream_head(stream: Stream) -> list[tuple[Any, Any]]:
    return [
        (b"length", len(stream)),
        (b"radix-tree-keys", len(stream.nodes)),
        (b"radix-tree-nodes", rax_nodes(stream.node_starts)),
        (b"last-generated-id", format_id(stream.last_id)),
        (b"max-deleted-entry-id", format_id(stream.max_deleted_id)),
        (b"entries-added", stream.entries_added),
        (b"recorded-first-entry-id", format_id(stream.first_id)),
    ]


def _info_stream(ctx: CommandContext, argv: list[bytes]) -> Any:
    full = False
    count = 10
    if len(argv) > 3:
        if argv[3].upper() != b"FULL" or len(argv) not in (4, 6):
            raise _syntax(argv[1])
        full = True
        if len(argv) == 6:
            if argv[4].upper() != b"COUNT":
                raise _syntax(argv[1])
            count = max(parse_int(argv[5]), 0)
    stream = _stream(ctx, argv[2])
    head = _stream_head(stream)
    if not full:
        first, last = stream.first_entry(), stream.last_entry()
        return Map([*head, (b"groups", len(stream.groups)),
                    (b"first-entry", None if first is None else entry_reply(*first)),
                    (b"last-entry", None if last is None else entry_reply(*last))])
    groups = []
    for name in sorted(stream.groups):
        grp = stream.groups[name]
        pending = [[format_id(i), n.consumer.name, n.delivery_time, n.delivery_count]
                   for i, n in _limited(grp.pel.items(), count)]
        consumers = []
        for consumer in grp.sorted_consumers():
            consumers.append(Map([
                (b"name", consumer.name), (b"seen-time", consumer.seen_time),
                (b"active-time", consumer.active_time), (b"pel-count", len(consumer.pel)),
                (b"pending", [[format_id(i), n.delivery_time, n.delivery_count]
                              for i, n in _limited(consumer.pel.items(), count)]),
            ]))
        groups.append(Map([
            (b"name", name), (b"last-delivered-id", format_id(grp.last_id)), (b"entries-read", _entries_read(grp)),
            (b"lag", stream.group_lag(grp)), (b"pel-count", len(grp.pel)), (b"pending", pending),
            (b"consumers", consumers),
        ]))
    entries = stream.range(0, (1 << 128) - 1, count)
    return Map([*head, (b"entries", entries_reply(entries)), (b"groups", groups)])


def _limited(items: Any, count: int) -> list[Any]:
    out = []
    for item in items:
        out.append(item)
        if len(out) == count:
            break
    return out


def _syntax(sub: bytes) -> RedVectorError:
    return RedVectorError(f"unknown subcommand or wrong number of arguments for "
                          f"'{sub.decode('utf-8', 'replace').lower()}'. Try XINFO HELP.")


def _stream(ctx: CommandContext, key: bytes) -> Stream:
    stream = get_stream(ctx, key)
    if stream is None:
        raise NoSuchKey()
    return stream


def _xinfo_keys(argv: list[bytes]) -> list[bytes]:
    return [argv[2]] if len(argv) > 2 and argv[1].upper() != b"HELP" else []


# XINFO's subcommands as Redis 7.4 declares them (COMMAND INFO xinfo|<sub>).
_XINFO_SUBS = (
    Sub("STREAM", -3, Flag.READONLY, KeySpec(2, 2, 1), since="5.0.0",
        summary="Returns information about a stream."),
    Sub("GROUPS", 3, Flag.READONLY, KeySpec(2, 2, 1), since="5.0.0",
        summary="Returns a list of the consumer groups of a stream."),
    Sub("CONSUMERS", 4, Flag.READONLY, KeySpec(2, 2, 1), since="5.0.0",
        summary="Returns a list of the consumers in a consumer group."),
    Sub("HELP", 2, Flag.LOADING | Flag.STALE, since="5.0.0",
        summary="Returns helpful text about the different subcommands."),
)


@group.command("XINFO", -2, Flag.READONLY, KeySpec(2, 2, 1), since="5.0.0", getkeys=_xinfo_keys,
               subcommands=_XINFO_SUBS,
               summary="A container for stream introspection commands.")
def xinfo(ctx: CommandContext, argv: list[bytes]) -> Any:
    sub = subcommand(argv, _ARITY, "XINFO")
    if sub == b"HELP":
        return [SimpleString(line.encode()) for line in XINFO_HELP]
    if sub == b"STREAM":
        return _info_stream(ctx, argv)
    stream = _stream(ctx, argv[2])
    if sub == b"GROUPS":
        return [Map([
            (b"name", name), (b"consumers", len(grp.consumers)), (b"pending", len(grp.pel)),
            (b"last-delivered-id", format_id(grp.last_id)), (b"entries-read", _entries_read(grp)),
            (b"lag", stream.group_lag(grp)),
        ]) for name, grp in sorted(stream.groups.items())]
    grp = stream.groups.get(argv[3])
    if grp is None:
        key, name = argv[2].decode("utf-8", "replace"), argv[3].decode("utf-8", "replace")
        raise CodedError("NOGROUP", f"No such consumer group '{name}' for key name '{key}'")
    now = ctx.now_ms
    return [Map([
        (b"name", c.name), (b"pending", len(c.pel)), (b"idle", max(now - c.seen_time, 0)),
        (b"inactive", -1 if c.active_time == -1 else max(now - c.active_time, 0)),
    ]) for c in grp.sorted_consumers()]
