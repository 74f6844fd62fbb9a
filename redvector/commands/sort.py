"""SORT and SORT_RO over lists, sets and sorted sets: BY (keys and hash fields, ``nosort``), LIMIT,
GET (``#`` and ``key*->field``), ASC/DESC, ALPHA, STORE. Follows Redis's sort.c rules."""

from __future__ import annotations

import functools
import math
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from redvector.commands.args import ArgCursor, hex_float
from redvector.commands.context import CommandContext
from redvector.commands.pqsort import pqsort
from redvector.commands.spec import CommandGroup, Flag, KeySpec
from redvector.errors import RedVectorError, SyntaxErr, WrongType
from redvector.keyspace.types import ZSet

group = CommandGroup("generic")

NOT_DOUBLE_MSG = "One or more scores can't be converted into double"


@dataclass(slots=True)
class SortOptions:
    by: bytes | None = None
    dont_sort: bool = False
    offset: int = 0
    count: int = -1
    gets: list[bytes] = field(default_factory=list)
    desc: bool = False
    alpha: bool = False
    store: bytes | None = None


def parse_sort(argv: list[bytes], allow_store: bool) -> SortOptions:
    o = SortOptions()
    args = ArgCursor(argv, 2)
    while args:
        token = args.next_token()
        if token == "ASC":
            o.desc = False
        elif token == "DESC":
            o.desc = True
        elif token == "ALPHA":
            o.alpha = True
        elif token == "LIMIT" and args.remaining() >= 2:
            o.offset = args.next_int()
            o.count = args.next_int()
        elif token == "STORE" and allow_store and args:
            o.store = args.next()
        elif token == "BY" and args:
            o.by = args.next()
            # Redis: a BY pattern without '*' means "do not sort" (BY nosort).
            o.dont_sort = b"*" not in o.by
        elif token == "GET" and args:
            o.gets.append(args.next())
        else:
            raise SyntaxErr()
    return o


def lookup_pattern(ctx: CommandContext, pattern: bytes, subst: bytes) -> bytes | None:
    """Redis's lookupKeyByPattern: '#' is the element; 'pre*post' a string key; 'pre*post->f' a hash field."""
    if pattern == b"#":
        return subst
    star = pattern.find(b"*")
    if star < 0:
        return None
    arrow = pattern.find(b"->", star + 1)
    if arrow >= 0 and arrow + 2 < len(pattern):
        key_pattern, hash_field = pattern[:arrow], pattern[arrow + 2 :]
    else:
        key_pattern, hash_field = pattern, None
    key = key_pattern[:star] + subst + key_pattern[star + 1 :]
    db = ctx.db
    if hash_field is not None and key in db.field_ttls.by_key:
        db.expire_fields(key, ctx.now_ms, (hash_field,))  # a field past its TTL is absent (Redis 7.4)
    value = db.get(key, ctx.now_ms)
    if value is None:
        return None
    if hash_field is not None:
        return value.get(hash_field) if type(value) is dict else None
    return value if type(value) is bytes else None


def _to_double(text: bytes) -> float:
    # Redis uses strtod: leading spaces are allowed; trailing garbage, overflow and NaN are not; an
    # empty string converts nothing and counts as 0.
    if not text:
        return 0.0
    try:
        if b"_" in text or text[-1:].isspace():
            raise ValueError
        value = float(text)
    except ValueError:
        hexadecimal = hex_float(text.lstrip(b" \t\n\v\f\r"))
        if hexadecimal is None:
            raise RedVectorError(NOT_DOUBLE_MSG)
        value = hexadecimal
        text = b""  # (an overflowing one reads as inf: strtod's ERANGE)
    if math.isnan(value) or (math.isinf(value) and b"inf" not in text.lower()):
        raise RedVectorError(NOT_DOUBLE_MSG)
    return value


def _elements(ctx: CommandContext, value: Any, o: SortOptions) -> list[bytes]:
    """The elements to sort, in the order Redis loads them (the order kept when not sorting)."""
    if type(value) is deque:
        items = list(value)
        if o.dont_sort and o.desc:
            items.reverse()  # Redis 7: BY nosort DESC walks a list from the tail
        return items
    if type(value) is set:
        return list(value)
    assert type(value) is ZSet
    members = [m for _, m in value]
    if o.dont_sort and o.desc:
        members.reverse()  # a sorted set keeps its order, reversed for DESC
    return members


def _limit(n: int, offset: int, count: int) -> tuple[int, int]:
    start = min(max(offset, 0), n)
    count = min(max(count, -1), n)
    end = n - 1 if count < 0 else start + count - 1
    if start >= n:
        start, end = n - 1, n - 2
    end = min(end, n - 1)
    return start, end


def sort_generic(ctx: CommandContext, argv: list[bytes], allow_store: bool) -> Any:
    o = parse_sort(argv, allow_store)
    value = ctx.db.get(argv[1], ctx.now_ms)
    if value is not None and type(value) not in (deque, set, ZSet):
        raise WrongType()
    if o.dont_sort and type(value) is set and o.store is not None:
        # Redis sorts a set anyway when storing, so the stored list is deterministic.
        o.dont_sort, o.alpha, o.by = False, True, None
    items = [] if value is None else _elements(ctx, value, o)
    start, end = _limit(len(items), o.offset, o.count)
    if not o.dont_sort and items:
        items = _sorted(ctx, items, o, start, end)
    selected = items[start : end + 1] if end >= start else []
    if o.gets:
        out: list[bytes | None] = [lookup_pattern(ctx, p, e) for e in selected for p in o.gets]
    else:
        out = list(selected)
    if o.store is None:
        return out
    return _store(ctx, o.store, [b"" if x is None else x for x in out])


def _sorted(ctx: CommandContext, items: list[bytes], o: SortOptions, start: int, end: int) -> list[bytes]:
    by = o.by
    if o.alpha:
        if by is None:
            keyed: list[tuple[Any, bytes]] = [(e, e) for e in items]
            keyed.sort(key=lambda t: t[0], reverse=o.desc)
            return [e for _, e in keyed]
        # Missing BY values sort first (Redis compares a NULL as smaller).
        weights = [lookup_pattern(ctx, by, e) for e in items]

        def cmp_alpha(a: tuple[bytes | None, bytes], b: tuple[bytes | None, bytes]) -> int:
            x, y = a[0], b[0]
            if x is None or y is None:
                c = 0 if x is y else (-1 if x is None else 1)
            else:
                c = (x > y) - (x < y)
            return -c if o.desc else c

        pairs = list(zip(weights, items, strict=True))
        if start != 0 or end != len(items) - 1:
            # Redis sorts only the limited range, with its pqsort: equal weights come out in its order.
            pqsort(pairs, cmp_alpha, start, end)
        else:
            pairs.sort(key=functools.cmp_to_key(cmp_alpha))
        return [e for _, e in pairs]
    scores: list[float] = []
    for e in items:
        raw = e if by is None else lookup_pattern(ctx, by, e)
        scores.append(0.0 if raw is None else _to_double(raw))

    # Equal scores fall back to comparing the elements, so the result is deterministic (as Redis).
    ordered = sorted(zip(scores, items, strict=True), reverse=o.desc)
    return [e for _, e in ordered]


def _store(ctx: CommandContext, dest: bytes, values: list[bytes]) -> int:
    db = ctx.db
    if values:
        db.set(dest, deque(values))
        db.touched(dest, "sortstore")
    elif db.get(dest, ctx.now_ms) is not None:
        db.delete(dest)
        db.touched(dest, "del")
    return len(values)


def _sort_keys(argv: list[bytes]) -> list[bytes]:
    keys = [argv[1]]
    for i in range(2, len(argv) - 1):
        if argv[i].upper() == b"STORE":
            keys.append(argv[i + 1])
    return keys


@group.command("SORT", -2, Flag.WRITE | Flag.DENYOOM, KeySpec(1, 1, 1), getkeys=_sort_keys,
               summary="Sorts the elements in a list, a set, or a sorted set, optionally storing the result.")
def sort(ctx: CommandContext, argv: list[bytes]) -> Any:
    return sort_generic(ctx, argv, allow_store=True)


@group.command("SORT_RO", -2, Flag.READONLY, KeySpec(1, 1, 1),
               summary="Returns the sorted elements of a list, a set, or a sorted set.", since="7.0.0")
def sort_ro(ctx: CommandContext, argv: list[bytes]) -> Any:
    return sort_generic(ctx, argv, allow_store=False)
