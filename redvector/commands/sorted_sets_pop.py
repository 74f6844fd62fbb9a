"""Sorted set pops: ZPOPMIN ZPOPMAX ZMPOP and the blocking BZPOPMIN BZPOPMAX BZMPOP.

A blocking pop that finds nothing returns ``Blocked``; the connection parks the client and re-runs the
command when a "zadd"-like event touches one of its keys. Served blocking pops are logged as the pop
they became (BZPOPMIN -> ZPOPMIN key, BZMPOP -> ZPOPMIN/ZPOPMAX key count), as Redis propagates them.
"""

from __future__ import annotations

from typing import Any

from redvector.commands.args import parse_int, parse_timeout_ms
from redvector.commands.context import CommandContext
from redvector.commands.sorted_sets import drop_if_empty, get_zset, with_scores
from redvector.commands.spec import CommandGroup, Flag, KeySpec
from redvector.errors import RedVectorError, SyntaxErr
from redvector.keyspace.types.sorted_set import ZSet
from redvector.replies import NULL_ARRAY, Blocked

group = CommandGroup("sorted-set")

_K1 = KeySpec(1, 1, 1)


def pop_from(ctx: CommandContext, key: bytes, zset: ZSet, count: int, from_max: bool) -> list[tuple[float, bytes]]:
    entries = zset.pop(count, from_max)
    if entries:
        ctx.db.touched(key, "zpopmax" if from_max else "zpopmin")
        drop_if_empty(ctx, key, zset)
    return entries


def _zpop(ctx: CommandContext, argv: list[bytes], from_max: bool) -> Any:
    if len(argv) > 3:
        raise SyntaxErr()
    count = 1
    if len(argv) == 3:
        # Redis's getPositiveLongFromObjectOrReply: one message for non-numbers and negatives.
        error = RedVectorError("value is out of range, must be positive")
        count = parse_int(argv[2], error)
        if count < 0:
            raise error
    zset = get_zset(ctx, argv[1])
    if zset is None or count == 0:
        return []
    entries = pop_from(ctx, argv[1], zset, count, from_max)
    if len(argv) == 3:
        return with_scores(entries)
    # Without COUNT the reply is one flat [member, score] in both protocols (Redis).
    score, member = entries[0]
    return [member, score]


@group.command("ZPOPMIN", -2, Flag.WRITE | Flag.FAST, _K1,
               summary="Returns the lowest-scoring members from a sorted set after removing them. Deletes the sorted set if the last member was popped.",
               since="5.0.0")
def zpopmin(ctx: CommandContext, argv: list[bytes]) -> Any:
    return _zpop(ctx, argv, from_max=False)


@group.command("ZPOPMAX", -2, Flag.WRITE | Flag.FAST, _K1,
               summary="Returns the highest-scoring members from a sorted set after removing them. Deletes the sorted set if the last member was popped.",
               since="5.0.0")
def zpopmax(ctx: CommandContext, argv: list[bytes]) -> Any:
    return _zpop(ctx, argv, from_max=True)


def _bzpop(ctx: CommandContext, argv: list[bytes], from_max: bool) -> Any:
    timeout_ms = parse_timeout_ms(argv[-1])
    keys = argv[1:-1]
    for key in keys:
        zset = get_zset(ctx, key)
        if zset:
            score, member = pop_from(ctx, key, zset, 1, from_max)[0]
            ctx.propagate_as([b"ZPOPMAX" if from_max else b"ZPOPMIN", key])
            return [key, member, score]
    return Blocked(keys, timeout_ms, NULL_ARRAY)


@group.command("BZPOPMIN", -3, Flag.WRITE | Flag.NOSCRIPT | Flag.FAST | Flag.BLOCKING, KeySpec(1, -2, 1),
               summary="Removes and returns the member with the lowest score from one or more sorted sets. Blocks until a member is available otherwise. Deletes the sorted set if the last element was popped.",
               since="5.0.0")
def bzpopmin(ctx: CommandContext, argv: list[bytes]) -> Any:
    return _bzpop(ctx, argv, from_max=False)


@group.command("BZPOPMAX", -3, Flag.WRITE | Flag.NOSCRIPT | Flag.FAST | Flag.BLOCKING, KeySpec(1, -2, 1),
               summary="Removes and returns the member with the highest score from one or more sorted sets. Blocks until a member available otherwise.  Deletes the sorted set if the last element was popped.",
               since="5.0.0")
def bzpopmax(ctx: CommandContext, argv: list[bytes]) -> Any:
    return _bzpop(ctx, argv, from_max=True)


def _numkeys(argv: list[bytes], pos: int) -> list[bytes]:
    """The keys of a numkeys-prefixed command (ZMPOP at 1, BZMPOP at 2), for COMMAND GETKEYS."""
    try:
        n = parse_int(argv[pos])
    except RedVectorError:
        return []
    return argv[pos + 1 : pos + 1 + n] if n > 0 else []


def _mpop(ctx: CommandContext, argv: list[bytes], numkeys_pos: int, timeout_ms: int | None) -> Any:
    numkeys = parse_int(argv[numkeys_pos], RedVectorError("numkeys should be greater than 0"))
    if numkeys <= 0:
        raise RedVectorError("numkeys should be greater than 0")
    where_pos = numkeys_pos + 1 + numkeys
    if where_pos >= len(argv):
        raise SyntaxErr()
    keys = argv[numkeys_pos + 1 : where_pos]
    where = argv[where_pos].upper()
    if where not in (b"MIN", b"MAX"):
        raise SyntaxErr()
    from_max = where == b"MAX"
    count = 0
    j = where_pos + 1
    while j < len(argv):
        if argv[j].upper() == b"COUNT" and j + 1 < len(argv) and not count:
            count = parse_int(argv[j + 1], RedVectorError("count should be greater than 0"))
            if count <= 0:
                raise RedVectorError("count should be greater than 0")
            j += 2
        else:
            raise SyntaxErr()
    count = count or 1
    for key in keys:
        zset = get_zset(ctx, key)
        if zset:
            entries = pop_from(ctx, key, zset, count, from_max)
            if timeout_ms is not None:
                ctx.propagate_as([b"ZPOPMAX" if from_max else b"ZPOPMIN", key, b"%d" % len(entries)])
            # Nested [member, score] pairs in RESP2 as well (Redis).
            return [key, [[member, score] for score, member in entries]]
    if timeout_ms is None:
        return NULL_ARRAY
    return Blocked(keys, timeout_ms, NULL_ARRAY)


@group.command("ZMPOP", -4, Flag.WRITE, getkeys=lambda argv: _numkeys(argv, 1),
               summary="Returns the highest- or lowest-scoring members from one or more sorted sets after "
                       "removing them. Deletes the sorted set if the last member was popped.", since="7.0.0")
def zmpop(ctx: CommandContext, argv: list[bytes]) -> Any:
    return _mpop(ctx, argv, 1, None)


@group.command("BZMPOP", -5, Flag.WRITE | Flag.BLOCKING, getkeys=lambda argv: _numkeys(argv, 2),
               summary="Removes and returns a member by score from one or more sorted sets. Blocks until a member is available otherwise. Deletes the sorted set if the last element was popped.",
               since="7.0.0")
def bzmpop(ctx: CommandContext, argv: list[bytes]) -> Any:
    return _mpop(ctx, argv, 2, parse_timeout_ms(argv[1]))

