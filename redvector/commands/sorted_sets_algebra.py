"""Sorted set algebra: ZUNION ZINTER ZDIFF, their STORE forms (WEIGHTS, AGGREGATE) and ZINTERCARD.

Inputs may be sorted sets or plain sets (members score 1), as in Redis's zunionInterDiffGenericCommand:
keys are looked up (WRONGTYPE first), then options are parsed.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from redvector.commands.args import parse_int
from redvector.commands.context import CommandContext
from redvector.commands.sorted_sets import parse_score, store_zset, with_scores
from redvector.commands.spec import CommandGroup, Flag, KeySpec
from redvector.errors import RedVectorError, SyntaxErr, WrongType
from redvector.keyspace.types.sorted_set import ZSet

group = CommandGroup("sorted-set")

UNION, INTER, DIFF = "union", "inter", "diff"

Source = dict[bytes, float]


def _source(ctx: CommandContext, key: bytes) -> Source:
    value = ctx.db.get(key, ctx.now_ms)
    if value is None:
        return {}
    if type(value) is ZSet:
        return value.scores
    if type(value) is set:
        return dict.fromkeys(value, 1.0)
    raise WrongType()


def _aggregate_sum(a: float, b: float) -> float:
    total = a + b
    return 0.0 if math.isnan(total) else total  # Redis: inf + -inf aggregates to 0


AGGREGATES: dict[bytes, Callable[[float, float], float]] = {b"SUM": _aggregate_sum, b"MIN": min, b"MAX": max}


def _numkeys_keys(argv: list[bytes], pos: int) -> list[bytes]:
    try:
        n = parse_int(argv[pos])
    except RedVectorError:
        return []
    return argv[pos + 1 : pos + 1 + n] if n > 0 else []


def _store_keys(argv: list[bytes]) -> list[bytes]:
    return [argv[1], *_numkeys_keys(argv, 2)]


def algebra(ctx: CommandContext, argv: list[bytes], numkeys_pos: int, op: str, store: bool,
            cardinality: bool = False) -> Any:
    name = argv[0].decode("latin-1").lower()
    numkeys = parse_int(argv[numkeys_pos])
    if numkeys < 1:
        raise RedVectorError(f"at least 1 input key is needed for '{name}' command")
    if numkeys > len(argv) - numkeys_pos - 1:
        raise SyntaxErr()
    keys = argv[numkeys_pos + 1 : numkeys_pos + 1 + numkeys]
    sources = [_source(ctx, key) for key in keys]
    weights = [1.0] * numkeys
    aggregate: Callable[[float, float], float] = _aggregate_sum
    withscores = False
    limit = 0
    j = numkeys_pos + 1 + numkeys
    while j < len(argv):
        token = argv[j].upper()
        left = len(argv) - j - 1
        if token == b"WEIGHTS" and op != DIFF and not cardinality and left >= numkeys:
            weights = [parse_score(w, RedVectorError("weight value is not a float"))
                       for w in argv[j + 1 : j + 1 + numkeys]]
            j += numkeys
        elif token == b"AGGREGATE" and op != DIFF and not cardinality and left >= 1:
            fn = AGGREGATES.get(argv[j + 1].upper())
            if fn is None:
                raise SyntaxErr()
            aggregate = fn
            j += 1
        elif token == b"WITHSCORES" and not store and not cardinality:
            withscores = True
        elif token == b"LIMIT" and cardinality and left >= 1:
            limit = parse_int(argv[j + 1], RedVectorError("LIMIT can't be negative"))
            if limit < 0:
                raise RedVectorError("LIMIT can't be negative")
            j += 1
        else:
            raise SyntaxErr()
        j += 1
    if cardinality:
        return _intercard(sources, limit)
    result = _combine(op, sources, weights, aggregate)
    if store:
        event = {UNION: "zunionstore", INTER: "zinterstore", DIFF: "zdiffstore"}[op]
        return store_zset(ctx, argv[1], ZSet.from_scores(result), event)
    entries = sorted((score, member) for member, score in result.items())
    if withscores:
        return with_scores(entries)
    return [member for _score, member in entries]


def _weighted(score: float, weight: float) -> float:
    value = score * weight
    return 0.0 if math.isnan(value) else value  # Redis: 0 * inf counts as 0


def _combine(op: str, sources: list[Source], weights: list[float],
             aggregate: Callable[[float, float], float]) -> dict[bytes, float]:
    if op == DIFF:
        first, rest = sources[0], sources[1:]
        return {m: s for m, s in first.items() if not any(m in other for other in rest)}
    if op == UNION:
        out: dict[bytes, float] = {}
        for source, weight in zip(sources, weights, strict=True):
            for member, score in source.items():
                value = _weighted(score, weight)
                current = out.get(member)
                out[member] = value if current is None else aggregate(current, value)
        return out
    # INTER: walk the smallest input, probe the others in the order given (aggregation order matters).
    if any(not s for s in sources):
        return {}
    smallest = min(range(len(sources)), key=lambda i: len(sources[i]))
    out = {}
    for member in sources[smallest]:
        if all(member in s for s in sources):
            value = _weighted(sources[0][member], weights[0])
            for source, weight in zip(sources[1:], weights[1:], strict=True):
                value = aggregate(value, _weighted(source[member], weight))
            out[member] = value
    return out


def _intercard(sources: list[Source], limit: int) -> int:
    if any(not s for s in sources):
        return 0
    ordered = sorted(sources, key=len)
    count = 0
    for member in ordered[0]:
        if all(member in s for s in ordered[1:]):
            count += 1
            if limit and count >= limit:
                break
    return count


@group.command("ZUNION", -3, Flag.READONLY, getkeys=lambda argv: _numkeys_keys(argv, 1),
               summary="Returns the union of multiple sorted sets.", since="6.2.0")
def zunion(ctx: CommandContext, argv: list[bytes]) -> Any:
    return algebra(ctx, argv, 1, UNION, store=False)


@group.command("ZINTER", -3, Flag.READONLY, getkeys=lambda argv: _numkeys_keys(argv, 1),
               summary="Returns the intersect of multiple sorted sets.", since="6.2.0")
def zinter(ctx: CommandContext, argv: list[bytes]) -> Any:
    return algebra(ctx, argv, 1, INTER, store=False)


@group.command("ZDIFF", -3, Flag.READONLY, getkeys=lambda argv: _numkeys_keys(argv, 1),
               summary="Returns the difference between multiple sorted sets.", since="6.2.0")
def zdiff(ctx: CommandContext, argv: list[bytes]) -> Any:
    return algebra(ctx, argv, 1, DIFF, store=False)


@group.command("ZUNIONSTORE", -4, Flag.WRITE | Flag.DENYOOM, KeySpec(1, 1, 1), getkeys=_store_keys,
               summary="Stores the union of multiple sorted sets in a key.", since="2.0.0")
def zunionstore(ctx: CommandContext, argv: list[bytes]) -> Any:
    return algebra(ctx, argv, 2, UNION, store=True)


@group.command("ZINTERSTORE", -4, Flag.WRITE | Flag.DENYOOM, KeySpec(1, 1, 1), getkeys=_store_keys,
               summary="Stores the intersect of multiple sorted sets in a key.", since="2.0.0")
def zinterstore(ctx: CommandContext, argv: list[bytes]) -> Any:
    return algebra(ctx, argv, 2, INTER, store=True)


@group.command("ZDIFFSTORE", -4, Flag.WRITE | Flag.DENYOOM, KeySpec(1, 1, 1), getkeys=_store_keys,
               summary="Stores the difference of multiple sorted sets in a key.", since="6.2.0")
def zdiffstore(ctx: CommandContext, argv: list[bytes]) -> Any:
    return algebra(ctx, argv, 2, DIFF, store=True)


@group.command("ZINTERCARD", -3, Flag.READONLY, getkeys=lambda argv: _numkeys_keys(argv, 1),
               summary="Returns the number of members of the intersect of multiple sorted sets.",
               since="7.0.0")
def zintercard(ctx: CommandContext, argv: list[bytes]) -> Any:
    return algebra(ctx, argv, 1, INTER, store=False, cardinality=True)
