"""Set commands (value = set[bytes]): SADD SREM SPOP SRANDMEMBER SMOVE, the algebra (SINTER/SUNION/SDIFF and
their STORE forms, SINTERCARD) and SSCAN. RESP3 replies sets as sets (SetReply)."""

from __future__ import annotations

import random
from collections.abc import Iterable
from itertools import islice
from typing import Any

from redvector.commands.args import INT64_MAX, ArgCursor, parse_int
from redvector.commands.containers import random_picks, scan_container
from redvector.commands.context import CommandContext
from redvector.commands.lists import POSITIVE_MSG, parse_numkeys
from redvector.commands.spec import CommandGroup, Flag, KeySpec
from redvector.errors import RedVectorError, SyntaxErr
from redvector.keyspace.types.encoding import is_small_set
from redvector.replies import SetReply

group = CommandGroup("set")

_R = Flag.READONLY
_RF = Flag.READONLY | Flag.FAST
_WF = Flag.WRITE | Flag.DENYOOM | Flag.FAST
_K1 = KeySpec(1, 1, 1)
_ALL = KeySpec(1, -1, 1)
# SREM batches when SPOP is propagated (Redis also splits large SPOP propagation).
_PROPAGATE_BATCH = 1024
# Up to this size a single SPOP draws uniformly (an O(n) walk); larger sets pop in O(1) (see spop).
_UNIFORM_POP_LIMIT = 4096


def get_set(ctx: CommandContext, key: bytes) -> set[bytes] | None:
    return ctx.db.lookup(key, set, ctx)


def _drop_if_empty(ctx: CommandContext, key: bytes, s: set[bytes]) -> None:
    if not s:
        ctx.db.delete(key)
        ctx.db.touched(key, "del")


@group.command("SADD", -3, _WF, _K1,
               summary="Adds one or more members to a set. Creates the key if it doesn't exist.")
def sadd(ctx: CommandContext, argv: list[bytes]) -> Any:
    key = argv[1]
    s = get_set(ctx, key)
    if s is None:
        s = set()
        ctx.db.set(key, s)
    before = len(s)
    s.update(argv[2:])
    added = len(s) - before
    if added:
        ctx.db.touched(key, "sadd")
    return added


@group.command("SREM", -3, Flag.WRITE | Flag.FAST, _K1,
               summary="Removes one or more members from a set. Deletes the set if the last member was removed.")
def srem(ctx: CommandContext, argv: list[bytes]) -> Any:
    key = argv[1]
    s = get_set(ctx, key)
    if s is None:
        return 0
    before = len(s)
    s.difference_update(argv[2:])
    removed = before - len(s)
    if removed:
        ctx.db.touched(key, "srem")
        _drop_if_empty(ctx, key, s)
    return removed


@group.command("SMEMBERS", 2, _R, _K1, summary="Returns all members of a set.")
def smembers(ctx: CommandContext, argv: list[bytes]) -> Any:
    return SetReply(list(get_set(ctx, argv[1]) or ()))


@group.command("SISMEMBER", 3, _RF, _K1, summary="Determines whether a member belongs to a set.")
def sismember(ctx: CommandContext, argv: list[bytes]) -> Any:
    s = get_set(ctx, argv[1])
    return 1 if s is not None and argv[2] in s else 0


@group.command("SMISMEMBER", -3, _RF, _K1,
               summary="Determines whether multiple members belong to a set.", since="6.2.0")
def smismember(ctx: CommandContext, argv: list[bytes]) -> Any:
    s = get_set(ctx, argv[1]) or set()
    return [1 if m in s else 0 for m in argv[2:]]


@group.command("SCARD", 2, _RF, _K1, summary="Returns the number of members in a set.")
def scard(ctx: CommandContext, argv: list[bytes]) -> Any:
    return len(get_set(ctx, argv[1]) or ())


@group.command("SPOP", -2, Flag.WRITE | Flag.FAST, _K1,
               summary="Returns one or more random members from a set after removing them. Deletes the set if the last member was popped.")
def spop(ctx: CommandContext, argv: list[bytes]) -> Any:
    if len(argv) > 3:
        raise SyntaxErr()
    key = argv[1]
    count: int | None = None
    if len(argv) == 3:
        count = parse_int(argv[2], RedVectorError(POSITIVE_MSG))
        if count < 0:
            raise RedVectorError(POSITIVE_MSG)
    s = get_set(ctx, key)
    if s is None:
        return None if count is None else SetReply([])
    if count is None:
        if len(s) <= _UNIFORM_POP_LIMIT:
            member = _any_member(s)
            s.discard(member)
        else:
            # O(1): the set's own next slot. Slots follow bytes' per-process keyed hash, so the order is
            # a random permutation, though successive pops are not independent draws as in Redis.
            member = s.pop()
        popped = [member]
    elif count == 0:
        return SetReply([])
    elif count >= len(s):
        popped = list(s)
        s.clear()
    else:
        popped = random.sample(tuple(s), count)
        s.difference_update(popped)
    # Random choices are logged as their effect so the AOF replays exactly.
    ctx.propagate_as(*([b"SREM", key, *popped[i : i + _PROPAGATE_BATCH]]
                       for i in range(0, len(popped), _PROPAGATE_BATCH)))
    ctx.db.touched(key, "spop")
    _drop_if_empty(ctx, key, s)
    return popped[0] if count is None else SetReply(popped)


def _any_member(s: set[bytes]) -> bytes:
    # A set has no random access: skip a random number of members at C speed (islice), O(n) worst case.
    return next(islice(s, random.randrange(len(s)), None))


@group.command("SRANDMEMBER", -2, _R, _K1, summary="Get one or multiple random members from a set")
def srandmember(ctx: CommandContext, argv: list[bytes]) -> Any:
    if len(argv) > 3:
        raise SyntaxErr()
    if len(argv) == 2:
        s = get_set(ctx, argv[1])
        if not s:
            return None
        return random_picks(ctx, argv[1], s, 1)[0]
    count = parse_int(argv[2])
    if count < -INT64_MAX:
        raise RedVectorError("value is out of range")
    s = get_set(ctx, argv[1])
    if not s or count == 0:
        return []
    return random_picks(ctx, argv[1], s, count)


@group.command("SMOVE", 4, Flag.WRITE | Flag.FAST, KeySpec(1, 2, 1),
               summary="Moves a member from one set to another.")
def smove(ctx: CommandContext, argv: list[bytes]) -> Any:
    src, dst, member = argv[1], argv[2], argv[3]
    source = get_set(ctx, src)
    if source is None:  # Redis answers 0 before it looks at the destination's type
        return 0
    target = get_set(ctx, dst)
    if member not in source:
        return 0
    if src == dst:
        return 1
    source.discard(member)
    ctx.db.touched(src, "srem")
    _drop_if_empty(ctx, src, source)
    if target is None:
        target = set()
        ctx.db.set(dst, target)
    target.add(member)
    ctx.db.touched(dst, "sadd")
    return 1


def _sets(ctx: CommandContext, keys: Iterable[bytes]) -> list[set[bytes] | None]:
    # Every key is type-checked (WRONGTYPE) even when an earlier one is missing, as Redis does.
    return [get_set(ctx, k) for k in keys]


def _inter(sets: list[set[bytes] | None], limit: int = 0) -> set[bytes]:
    present = [s for s in sets if s]
    if len(present) < len(sets):
        return set()
    present.sort(key=len)
    smallest, rest = present[0], present[1:]
    out: set[bytes] = set()
    for member in smallest:
        if all(member in s for s in rest):
            out.add(member)
            if limit and len(out) >= limit:
                break
    return out


def _union(sets: list[set[bytes] | None]) -> set[bytes]:
    out: set[bytes] = set()
    for s in sets:
        if s:
            out |= s
    return out


def _diff(sets: list[set[bytes] | None]) -> set[bytes]:
    first = sets[0]
    if not first:
        return set()
    out = set(first)
    for s in sets[1:]:
        if s:
            out -= s
            if not out:
                break
    return out


def _store(ctx: CommandContext, dst: bytes, result: set[bytes], event: str) -> int:
    db = ctx.db
    if result:
        db.set(dst, result)
        db.touched(dst, event)
    elif db.get(dst, ctx.now_ms) is not None:
        db.delete(dst)
        db.touched(dst, "del")
    return len(result)


@group.command("SINTER", -2, _R, _ALL, summary="Returns the intersect of multiple sets.")
def sinter(ctx: CommandContext, argv: list[bytes]) -> Any:
    return SetReply(list(_inter(_sets(ctx, argv[1:]))))


@group.command("SUNION", -2, _R, _ALL, summary="Returns the union of multiple sets.")
def sunion(ctx: CommandContext, argv: list[bytes]) -> Any:
    return SetReply(list(_union(_sets(ctx, argv[1:]))))


@group.command("SDIFF", -2, _R, _ALL, summary="Returns the difference of multiple sets.")
def sdiff(ctx: CommandContext, argv: list[bytes]) -> Any:
    return SetReply(list(_diff(_sets(ctx, argv[1:]))))


@group.command("SINTERSTORE", -3, Flag.WRITE | Flag.DENYOOM, _ALL,
               summary="Stores the intersect of multiple sets in a key.")
def sinterstore(ctx: CommandContext, argv: list[bytes]) -> Any:
    return _store(ctx, argv[1], _inter(_sets(ctx, argv[2:])), "sinterstore")


@group.command("SUNIONSTORE", -3, Flag.WRITE | Flag.DENYOOM, _ALL,
               summary="Stores the union of multiple sets in a key.")
def sunionstore(ctx: CommandContext, argv: list[bytes]) -> Any:
    return _store(ctx, argv[1], _union(_sets(ctx, argv[2:])), "sunionstore")


@group.command("SDIFFSTORE", -3, Flag.WRITE | Flag.DENYOOM, _ALL,
               summary="Stores the difference of multiple sets in a key.")
def sdiffstore(ctx: CommandContext, argv: list[bytes]) -> Any:
    return _store(ctx, argv[1], _diff(_sets(ctx, argv[2:])), "sdiffstore")


def _sintercard_keys(argv: list[bytes]) -> list[bytes]:
    try:
        return parse_numkeys(argv, 1)
    except RedVectorError:
        return []


@group.command("SINTERCARD", -3, _R, KeySpec(2, -1, 1), getkeys=_sintercard_keys,
               summary="Returns the number of members of the intersect of multiple sets.", since="7.0.0")
def sintercard(ctx: CommandContext, argv: list[bytes]) -> Any:
    keys = parse_numkeys(argv, 1)
    limit = 0
    args = ArgCursor(argv, 2 + len(keys))
    while args:
        if args.next_token() == "LIMIT" and args:
            limit = args.next_int(RedVectorError("LIMIT can't be negative"))
            if limit < 0:
                raise RedVectorError("LIMIT can't be negative")
        else:
            raise SyntaxErr()
    return len(_inter(_sets(ctx, keys), limit))


@group.command("SSCAN", -3, _R, _K1, summary="Iterates over members of a set.", since="2.8.0")
def sscan(ctx: CommandContext, argv: list[bytes]) -> Any:
    s = get_set(ctx, argv[1])
    small = s is not None and is_small_set(s, ctx.server.config)
    cursor, members, _ = scan_container(ctx, argv, s, small=small)
    return [cursor, members]
