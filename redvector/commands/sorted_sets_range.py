"""Sorted set ranges: ZRANGE (BYSCORE BYLEX REV LIMIT WITHSCORES) and its older forms, ZRANGESTORE and
ZREMRANGEBYRANK/BYSCORE/BYLEX. One generic range walker, as Redis's zrangeGenericCommand.

Every range is located with O(log n) bisection on the ZSet's order, then walked for the entries returned.
"""

from __future__ import annotations

from typing import Any

from redvector.commands.args import parse_int
from redvector.commands.context import CommandContext
from redvector.commands.sorted_sets import (
    drop_if_empty,
    get_zset,
    parse_lex_bound,
    parse_score_bound,
    store_zset,
    with_scores,
)
from redvector.commands.spec import CommandGroup, Flag, KeySpec
from redvector.errors import RedVectorError, SyntaxErr
from redvector.keyspace.types.sorted_set import ZSet

group = CommandGroup("sorted-set")

_K1 = KeySpec(1, 1, 1)

RANK, SCORE, LEX = "rank", "score", "lex"


def rank_span(start: int, end: int, length: int) -> tuple[int, int] | None:
    """Redis's rank normalization: negative indexes count from the end; None when the range is empty."""
    if start < 0:
        start += length
    if end < 0:
        end += length
    start = max(start, 0)
    if start > end or start >= length:
        return None
    return start, min(end, length - 1) + 1


def collect(zset: ZSet, kind: str, low_arg: bytes, high_arg: bytes, reverse: bool,
            offset: int, limit: int) -> list[tuple[float, bytes]]:
    """The entries of a parsed range, in reply order. For BYSCORE/BYLEX ``low_arg`` is the minimum."""
    n = len(zset)
    if kind == RANK:
        span = rank_span(parse_int(low_arg), parse_int(high_arg), n)
        if span is None:
            return []
        start, stop = span
        if reverse:
            return zset.slice(n - stop, n - start, reverse=True)
        return zset.slice(start, stop)
    if kind == SCORE:
        start, stop = zset.score_span(parse_score_bound(low_arg), parse_score_bound(high_arg))
    else:
        start, stop = zset.lex_span(parse_lex_bound(low_arg), parse_lex_bound(high_arg), reverse=reverse)
    if offset < 0:
        return []
    if reverse:
        stop -= offset
    else:
        start += offset
    if limit >= 0:
        if reverse:
            start = max(start, stop - limit)
        else:
            stop = min(stop, start + limit)
    return zset.slice(start, stop, reverse=reverse)


def range_generic(ctx: CommandContext, argv: list[bytes], key_pos: int, kind: str | None, reverse: bool | None,
                  store: bool = False) -> Any:
    """ZRANGE and friends. ``kind``/``reverse`` None: chosen by the BYSCORE/BYLEX/REV options (ZRANGE)."""
    withscores = False
    offset, limit = 0, -1
    limit_given = False
    explicit_kind, explicit_rev = kind is not None, reverse is not None
    chosen_kind = kind or RANK
    chosen_rev = bool(reverse)
    j = key_pos + 3
    while j < len(argv):
        token = argv[j].upper()
        left = len(argv) - j - 1
        if token == b"WITHSCORES" and not store:
            withscores = True
        elif token == b"LIMIT" and left >= 2:
            offset, limit = parse_int(argv[j + 1]), parse_int(argv[j + 2])
            limit_given = True
            j += 2
        elif token == b"REV" and not explicit_rev:
            chosen_rev = True
            explicit_rev = True
        elif token == b"BYLEX" and not explicit_kind:
            chosen_kind, explicit_kind = LEX, True
        elif token == b"BYSCORE" and not explicit_kind:
            chosen_kind, explicit_kind = SCORE, True
        else:
            raise SyntaxErr()
        j += 1
    if limit_given and chosen_kind == RANK:
        raise RedVectorError("syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX")
    if withscores and chosen_kind == LEX:
        raise RedVectorError("syntax error, WITHSCORES not supported in combination with BYLEX")
    low_arg, high_arg = argv[key_pos + 1], argv[key_pos + 2]
    if chosen_rev and chosen_kind != RANK:
        low_arg, high_arg = high_arg, low_arg
    # Parse the range before the lookup, so a bad range is an error even on a missing key (Redis).
    if chosen_kind == RANK:
        parse_int(low_arg), parse_int(high_arg)
    elif chosen_kind == SCORE:
        parse_score_bound(low_arg), parse_score_bound(high_arg)
    else:
        parse_lex_bound(low_arg), parse_lex_bound(high_arg)
    zset = get_zset(ctx, argv[key_pos])
    entries = [] if zset is None else collect(zset, chosen_kind, low_arg, high_arg, chosen_rev, offset, limit)
    if store:
        out = ZSet()
        for score, member in entries:
            out.add(member, score)
        return store_zset(ctx, argv[1], out, "zrangestore")
    if withscores:
        return with_scores(entries)
    return [member for _score, member in entries]


@group.command("ZRANGE", -4, Flag.READONLY, _K1,
               summary="Returns members in a sorted set within a range of indexes.",
               since="1.2.0")
def zrange(ctx: CommandContext, argv: list[bytes]) -> Any:
    return range_generic(ctx, argv, 1, None, None)


@group.command("ZREVRANGE", -4, Flag.READONLY, _K1,
               summary="Returns members in a sorted set within a range of indexes in reverse order.",
               since="1.2.0")
def zrevrange(ctx: CommandContext, argv: list[bytes]) -> Any:
    return range_generic(ctx, argv, 1, RANK, True)


@group.command("ZRANGEBYSCORE", -4, Flag.READONLY, _K1,
               summary="Returns members in a sorted set within a range of scores.", since="1.0.5")
def zrangebyscore(ctx: CommandContext, argv: list[bytes]) -> Any:
    return range_generic(ctx, argv, 1, SCORE, False)


@group.command("ZREVRANGEBYSCORE", -4, Flag.READONLY, _K1,
               summary="Returns members in a sorted set within a range of scores in reverse order.",
               since="2.2.0")
def zrevrangebyscore(ctx: CommandContext, argv: list[bytes]) -> Any:
    return range_generic(ctx, argv, 1, SCORE, True)


@group.command("ZRANGEBYLEX", -4, Flag.READONLY, _K1,
               summary="Returns members in a sorted set within a lexicographical range.", since="2.8.9")
def zrangebylex(ctx: CommandContext, argv: list[bytes]) -> Any:
    return range_generic(ctx, argv, 1, LEX, False)


@group.command("ZREVRANGEBYLEX", -4, Flag.READONLY, _K1,
               summary="Returns members in a sorted set within a lexicographical range in reverse order.",
               since="2.8.9")
def zrevrangebylex(ctx: CommandContext, argv: list[bytes]) -> Any:
    return range_generic(ctx, argv, 1, LEX, True)


@group.command("ZRANGESTORE", -5, Flag.WRITE | Flag.DENYOOM, KeySpec(1, 2, 1),
               summary="Stores a range of members from sorted set in a key.", since="6.2.0")
def zrangestore(ctx: CommandContext, argv: list[bytes]) -> Any:
    return range_generic(ctx, argv, 2, None, None, store=True)


# -- ZREMRANGEBY* ----------------------------------------------------------------------------------------------
def _remrange(ctx: CommandContext, argv: list[bytes], kind: str, event: str) -> int:
    key = argv[1]
    if kind == RANK:
        start, end = parse_int(argv[2]), parse_int(argv[3])
    elif kind == SCORE:
        low, high = parse_score_bound(argv[2]), parse_score_bound(argv[3])
    else:
        lex_low, lex_high = parse_lex_bound(argv[2]), parse_lex_bound(argv[3])
    zset = get_zset(ctx, key)
    if zset is None:
        return 0
    if kind == RANK:
        span = rank_span(start, end, len(zset))
        if span is None:
            return 0
    elif kind == SCORE:
        span = zset.score_span(low, high)
    else:
        span = zset.lex_span(lex_low, lex_high)
    removed = zset.remove_span(*span)
    if removed:
        ctx.db.touched(key, event)
        drop_if_empty(ctx, key, zset)
    return removed


@group.command("ZREMRANGEBYRANK", 4, Flag.WRITE, _K1,
               summary="Removes members in a sorted set within a range of indexes. Deletes the sorted set if all members were removed.",
               since="2.0.0")
def zremrangebyrank(ctx: CommandContext, argv: list[bytes]) -> Any:
    return _remrange(ctx, argv, RANK, "zremrangebyrank")


@group.command("ZREMRANGEBYSCORE", 4, Flag.WRITE, _K1,
               summary="Removes members in a sorted set within a range of scores. Deletes the sorted set if all members were removed.",
               since="1.2.0")
def zremrangebyscore(ctx: CommandContext, argv: list[bytes]) -> Any:
    return _remrange(ctx, argv, SCORE, "zremrangebyscore")


@group.command("ZREMRANGEBYLEX", 4, Flag.WRITE, _K1,
               summary="Removes members in a sorted set within a lexicographical range. Deletes the sorted set if all members were removed.",
               since="2.8.9")
def zremrangebylex(ctx: CommandContext, argv: list[bytes]) -> Any:
    return _remrange(ctx, argv, LEX, "zremrangebylex")
