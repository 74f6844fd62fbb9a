"""Sorted set commands, core: ZADD ZINCRBY ZREM ZCARD ZSCORE ZMSCORE ZRANK ZREVRANK ZCOUNT ZLEXCOUNT
ZRANDMEMBER ZSCAN, plus the score/lex bound parsers the other sorted_sets_* modules share.

Ranges live in sorted_sets_range.py, pops (and the blocking pops) in sorted_sets_pop.py, the
multi-key algebra (ZUNION/ZINTER/ZDIFF...) in sorted_sets_algebra.py.
"""

from __future__ import annotations

import math
import random
from typing import Any

from redvector.commands.args import hex_float, parse_int
from redvector.commands.containers import parse_cursor, scan_container
from redvector.commands.context import CommandContext
from redvector.commands.spec import CommandGroup, Flag, KeySpec
from redvector.errors import (
    MIN_MAX_FLOAT_MSG,
    MIN_MAX_LEX_MSG,
    NAN_MSG,
    NotFloat,
    RedVectorError,
    SyntaxErr,
)
from redvector.keyspace.types.encoding import is_small_zset
from redvector.keyspace.types.sorted_set import LexBound, ScoreBound, ZSet
from redvector.replies import NULL_ARRAY, Pairs, format_double

group = CommandGroup("sorted-set")

_R = Flag.READONLY | Flag.FAST
_W = Flag.WRITE | Flag.DENYOOM | Flag.FAST
_K1 = KeySpec(1, 1, 1)


# -- shared helpers --------------------------------------------------------------------------------------------
def get_zset(ctx: CommandContext, key: bytes) -> ZSet | None:
    return ctx.db.lookup(key, ZSet, ctx)


def parse_score(arg: bytes, error: RedVectorError | None = None) -> float:
    """A score as strtod reads it (inf, -inf, +inf accepted; NaN, spaces around, and Python-only
    spellings such as "1_0" rejected; hexadecimal floats read). On the ZADD hot path, so float() goes
    first."""
    try:
        value = float(arg)
    except ValueError:
        hexadecimal = hex_float(arg)
        if hexadecimal is None:
            raise error or NotFloat()
        value = hexadecimal
    if value != value or b"_" in arg or arg[:1].isspace() or arg[-1:].isspace():
        raise error or NotFloat()
    return value


def parse_score_bound(arg: bytes) -> ScoreBound:
    """Redis's zslParseRange item: a float, optionally prefixed by '(' for an exclusive bound."""
    error = RedVectorError(MIN_MAX_FLOAT_MSG)
    if arg[:1] == b"(":
        return ScoreBound(parse_score(arg[1:], error), True)
    return ScoreBound(parse_score(arg, error), False)


def parse_lex_bound(arg: bytes) -> LexBound:
    """Redis's zslParseLexRangeItem: '-', '+', '[value' or '(value'."""
    if arg == b"-":
        return LexBound(-1)
    if arg == b"+":
        return LexBound(1)
    if arg[:1] == b"[":
        return LexBound(0, arg[1:], False)
    if arg[:1] == b"(":
        return LexBound(0, arg[1:], True)
    raise RedVectorError(MIN_MAX_LEX_MSG)


def store_zset(ctx: CommandContext, key: bytes, zset: ZSet, event: str) -> int:
    """Write a computed sorted set to ``key`` (the *STORE commands); an empty result deletes the key."""
    db = ctx.db
    if zset:
        db.set(key, zset)
        db.touched(key, event)
    elif db.get(key, ctx.now_ms) is not None:
        db.delete(key)
        db.touched(key, "del")
    return len(zset)


def drop_if_empty(ctx: CommandContext, key: bytes, zset: ZSet) -> None:
    if not zset:
        ctx.db.delete(key)
        ctx.db.touched(key, "del")


def with_scores(entries: list[tuple[float, bytes]]) -> Pairs:
    return Pairs([(member, score) for score, member in entries])


# -- ZADD / ZINCRBY ---------------------------------------------------------------------------------------------
def zadd_generic(ctx: CommandContext, argv: list[bytes], incr_only: bool = False) -> Any:
    key = argv[1]
    nx = xx = gt = lt = ch = incr = False
    pos = 2
    if incr_only:
        incr = True
    else:
        while pos < len(argv):
            token = argv[pos].upper()
            if token == b"NX":
                nx = True
            elif token == b"XX":
                xx = True
            elif token == b"GT":
                gt = True
            elif token == b"LT":
                lt = True
            elif token == b"CH":
                ch = True
            elif token == b"INCR":
                incr = True
            else:
                break
            pos += 1
    pairs = argv[pos:]
    if not pairs or len(pairs) % 2:
        raise SyntaxErr()
    if nx and xx:
        raise RedVectorError("XX and NX options at the same time are not compatible")
    if (gt and nx) or (lt and nx) or (gt and lt):
        raise RedVectorError("GT, LT, and/or NX options at the same time are not compatible")
    if incr and len(pairs) > 2:
        raise RedVectorError("INCR option supports a single increment-element pair")
    scores = [parse_score(pairs[i]) for i in range(0, len(pairs), 2)]
    db = ctx.db
    zset = get_zset(ctx, key)
    created = False
    if zset is None:
        if xx:
            return None if incr else 0
        zset = ZSet()
        created = True
    added = updated = 0
    result: float | None = None
    for i, score in enumerate(scores):
        member = pairs[2 * i + 1]
        current = zset.scores.get(member)
        if current is None:
            if xx:
                continue
            zset.add(member, score)
            added += 1
            result = score
            continue
        if nx:
            continue
        new = current + score if incr else score
        if math.isnan(new):
            raise RedVectorError(NAN_MSG)
        if (gt and new <= current) or (lt and new >= current):
            continue
        result = new
        if new != current:
            zset.add(member, new)
            updated += 1
    if created:
        if not zset:
            return None if incr else 0
        db.set(key, zset)
    if added or updated:
        db.touched(key, "zincr" if incr else "zadd")
    if incr:
        return result
    return added + updated if ch else added


def _zadd_one(ctx: CommandContext, argv: list[bytes]) -> int | None:
    """The common ``ZADD key score member`` without options; None when argv[2] is not a score (an option)."""
    try:
        score = parse_score(argv[2])
    except RedVectorError:
        return None
    key, member = argv[1], argv[3]
    db = ctx.db
    zset = db.lookup(key, ZSet, ctx)
    if zset is None:
        zset = ZSet()
        zset.add(member, score)
        db.set(key, zset)
        db.touched(key, "zadd")
        return 1
    current = zset.scores.get(member)
    if current == score:
        return 0
    zset.add(member, score)
    db.touched(key, "zadd")
    return 1 if current is None else 0


@group.command("ZADD", -4, _W, _K1,
               summary="Adds one or more members to a sorted set, or updates their scores. Creates the key if it doesn't exist.",
               since="1.2.0")
def zadd(ctx: CommandContext, argv: list[bytes]) -> Any:
    if len(argv) == 4:
        added = _zadd_one(ctx, argv)
        if added is not None:
            return added
    return zadd_generic(ctx, argv)


@group.command("ZINCRBY", 4, _W, _K1,
               summary="Increments the score of a member in a sorted set.", since="1.2.0")
def zincrby(ctx: CommandContext, argv: list[bytes]) -> Any:
    return zadd_generic(ctx, argv, incr_only=True)


# -- removal and single-member reads --------------------------------------------------------------------------
@group.command("ZREM", -3, Flag.WRITE | Flag.FAST, _K1,
               summary="Removes one or more members from a sorted set. Deletes the sorted set if all members were removed.",
               since="1.2.0")
def zrem(ctx: CommandContext, argv: list[bytes]) -> Any:
    key = argv[1]
    zset = get_zset(ctx, key)
    if zset is None:
        return 0
    removed = sum(1 for member in argv[2:] if zset.remove(member))
    if removed:
        ctx.db.touched(key, "zrem")
        drop_if_empty(ctx, key, zset)
    return removed


@group.command("ZCARD", 2, _R, _K1, summary="Returns the number of members in a sorted set.", since="1.2.0")
def zcard(ctx: CommandContext, argv: list[bytes]) -> Any:
    zset = get_zset(ctx, argv[1])
    return 0 if zset is None else len(zset)


@group.command("ZSCORE", 3, _R, _K1, summary="Returns the score of a member in a sorted set.", since="1.2.0")
def zscore(ctx: CommandContext, argv: list[bytes]) -> Any:
    zset = get_zset(ctx, argv[1])
    return None if zset is None else zset.scores.get(argv[2])


@group.command("ZMSCORE", -3, _R, _K1,
               summary="Returns the score of one or more members in a sorted set.", since="6.2.0")
def zmscore(ctx: CommandContext, argv: list[bytes]) -> Any:
    zset = get_zset(ctx, argv[1])
    if zset is None:
        return [None] * (len(argv) - 2)
    scores = zset.scores
    return [scores.get(member) for member in argv[2:]]


def _rank(ctx: CommandContext, argv: list[bytes], reverse: bool) -> Any:
    # Redis 7.2: an optional WITHSCORE answers [rank, score] (a null array when the member is missing).
    withscore = False
    if len(argv) > 4:
        raise SyntaxErr()
    if len(argv) == 4:
        if argv[3].upper() != b"WITHSCORE":
            raise SyntaxErr()
        withscore = True
    zset = get_zset(ctx, argv[1])
    rank = None if zset is None else zset.rank(argv[2], reverse)
    if rank is None:
        return NULL_ARRAY if withscore else None
    assert zset is not None
    return [rank, zset.scores[argv[2]]] if withscore else rank


@group.command("ZRANK", -3, _R, _K1,
               summary="Returns the index of a member in a sorted set ordered by ascending scores.",
               since="2.0.0")
def zrank(ctx: CommandContext, argv: list[bytes]) -> Any:
    return _rank(ctx, argv, reverse=False)


@group.command("ZREVRANK", -3, _R, _K1,
               summary="Returns the index of a member in a sorted set ordered by descending scores.",
               since="2.0.0")
def zrevrank(ctx: CommandContext, argv: list[bytes]) -> Any:
    return _rank(ctx, argv, reverse=True)


@group.command("ZCOUNT", 4, _R, _K1,
               summary="Returns the count of members in a sorted set that have scores within a range.",
               since="2.0.0")
def zcount(ctx: CommandContext, argv: list[bytes]) -> Any:
    low, high = parse_score_bound(argv[2]), parse_score_bound(argv[3])
    zset = get_zset(ctx, argv[1])
    if zset is None:
        return 0
    start, stop = zset.score_span(low, high)
    return stop - start


@group.command("ZLEXCOUNT", 4, _R, _K1,
               summary="Returns the number of members in a sorted set within a lexicographical range.",
               since="2.8.9")
def zlexcount(ctx: CommandContext, argv: list[bytes]) -> Any:
    low, high = parse_lex_bound(argv[2]), parse_lex_bound(argv[3])
    zset = get_zset(ctx, argv[1])
    if zset is None:
        return 0
    start, stop = zset.lex_span(low, high)
    return stop - start


# -- random members and scanning ----------------------------------------------------------------------------------
_COUNT_LIMIT = 2**63 - 1


@group.command("ZRANDMEMBER", -2, Flag.READONLY, _K1,
               summary="Returns one or more random members from a sorted set.",
               since="6.2.0")
def zrandmember(ctx: CommandContext, argv: list[bytes]) -> Any:
    if len(argv) == 2:
        zset = get_zset(ctx, argv[1])
        if zset is None:
            return None
        return zset.at(random.randrange(len(zset)))[1]
    count = parse_int(argv[2])
    withscores = False
    if len(argv) == 4:
        if argv[3].upper() != b"WITHSCORES":
            raise SyntaxErr()
        withscores = True
    elif len(argv) > 4:
        raise SyntaxErr()
    if withscores and not -_COUNT_LIMIT // 2 <= count <= _COUNT_LIMIT // 2:
        raise RedVectorError(f"value is out of range, value must between {-_COUNT_LIMIT} and {_COUNT_LIMIT}")
    zset = get_zset(ctx, argv[1])
    if zset is None or count == 0:
        return []
    n = len(zset)
    if count < 0:
        # Negative count: members may repeat, exactly |count| of them.
        picks = [zset.at(random.randrange(n)) for _ in range(-count)]
    elif count >= n:
        picks = list(zset)
        random.shuffle(picks)
    else:
        picks = [zset.at(i) for i in random.sample(range(n), count)]
    if withscores:
        return with_scores(picks)
    return [member for _score, member in picks]


@group.command("ZSCAN", -3, Flag.READONLY, _K1,
               summary="Iterates over members and scores of a sorted set.", since="2.8.0")
def zscan(ctx: CommandContext, argv: list[bytes]) -> Any:
    """A small (listpack-sized) set comes back whole, in score order; a large one is walked in member-hash
    order by the cursor scheme HSCAN/SSCAN share (commands/containers.py), so members present for the
    whole scan are returned. Scores are bulk strings in both protocols, as in Redis."""
    parse_cursor(argv[2])
    zset = get_zset(ctx, argv[1])
    if zset is None:
        return [b"0", []]  # Redis answers a missing key before looking at the options
    small = is_small_zset(zset, ctx.server.config)
    members: Any = [member for _score, member in zset] if small else zset.scores
    cursor, chosen, _ = scan_container(ctx, argv, members, small=small)
    scores = zset.scores
    out: list[bytes] = []
    for member in chosen:
        out += [member, format_double(scores[member])]
    return [cursor, out]
