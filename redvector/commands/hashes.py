"""Hash commands (value = dict[bytes, bytes]): HSET HGET HDEL HINCRBY* HRANDFIELD HSCAN and friends.

Every write ends in ``touched(key, "hset"/"hdel"/"hincrby"/"hincrbyfloat")``: the search engine re-indexes
hash documents from that hook, so nothing here knows about indexes.
"""

from __future__ import annotations

from typing import Any

from redvector.commands.args import INT64_MAX, INT64_MIN, parse_int
from redvector.commands.containers import random_picks, scan_container
from redvector.commands.context import CommandContext
from redvector.commands.long_double import ZERO, add, is_finite, long_double_text, parse_long_double
from redvector.commands.spec import CommandGroup, Flag, KeySpec
from redvector.errors import OVERFLOW_MSG, RedVectorError, SyntaxErr, WrongArity
from redvector.keyspace.shared import VALUE_MAX_LEN, share_value, shared_name, shared_name_of, trim_values
from redvector.keyspace.types.encoding import is_small_hash
from redvector.replies import OK, Map, Pairs

group = CommandGroup("hash")

_R = Flag.READONLY
_RF = Flag.READONLY | Flag.FAST
_WF = Flag.WRITE | Flag.DENYOOM | Flag.FAST
_K1 = KeySpec(1, 1, 1)


def get_hash(ctx: CommandContext, key: bytes) -> dict[bytes, bytes] | None:
    """The hash as stored: fields past their TTL and not deleted yet are still in it (HLEN counts them,
    HDEL deletes them as any field, HSET overwrites them), as in Redis 7.4."""
    return ctx.db.lookup(key, dict, ctx)


def get_hash_for(ctx: CommandContext, key: bytes,
                 fields: tuple[bytes, ...] | list[bytes]) -> dict[bytes, bytes] | None:
    """The hash, once those of ``fields`` past their TTL are deleted (Redis's lazy expiry deletes just
    the fields a command looks up; the hash goes with its last field)."""
    db = ctx.db
    if db.field_ttls.by_key and key in db.field_ttls.by_key:
        db.expire_fields(key, ctx.now_ms, tuple(fields))
    return db.lookup(key, dict, ctx)


def purged_hash(ctx: CommandContext, key: bytes) -> dict[bytes, bytes] | None:
    """The hash, once all its fields past their TTL are deleted (HRANDFIELD, as Redis 7.4 does)."""
    db = ctx.db
    if db.field_ttls.by_key and key in db.field_ttls.by_key:
        db.expire_fields(key, ctx.now_ms)
    return db.lookup(key, dict, ctx)


def live(ctx: CommandContext, key: bytes, h: dict[bytes, bytes]) -> dict[bytes, bytes]:
    """``h`` without its fields past their TTL, which stay in place (HGETALL, HKEYS, HVALS, HSCAN skip
    them without deleting them, as Redis 7.4 does); ``h`` itself when it has none."""
    ttls = ctx.db.field_ttls
    if not ttls.by_key or key not in ttls.by_key:
        return h
    expired = ttls.expired(key, ctx.now_ms)
    return {f: v for f, v in h.items() if f not in expired} if expired else h


def _hash_for_write(ctx: CommandContext, key: bytes) -> dict[bytes, bytes]:
    h = get_hash(ctx, key)
    if h is None:
        h = {}
        ctx.db.set(key, h)
    return h


def _set_pairs(ctx: CommandContext, argv: list[bytes]) -> int:
    if len(argv) % 2:
        raise WrongArity(argv[0].decode("latin-1"))
    key = argv[1]
    h = _hash_for_write(ctx, key)
    before = len(h)
    ttls = ctx.db.field_ttls
    if ttls.by_key and key in ttls.by_key:
        for name in argv[2::2]:
            if ttls.discard(key, (name,)):  # written anew, a field loses its TTL (HINCRBY* keep it) and,
                h.pop(name, None)  # as in Redis's listpackex, its place: it goes to the end
    for i in range(2, len(argv), 2):
        name = argv[i]
        value = argv[i + 1]
        if len(value) <= VALUE_MAX_LEN:
            value = share_value(value, value)
        h[shared_name_of(name) or shared_name(name)] = value
    trim_values()
    ctx.db.touched(key, "hset")
    return len(h) - before


@group.command("HSET", -4, _WF, _K1,
               summary="Creates or modifies the value of a field in a hash.", since="2.0.0")
def hset(ctx: CommandContext, argv: list[bytes]) -> Any:
    return _set_pairs(ctx, argv)


@group.command("HMSET", -4, _WF, _K1, summary="Sets the values of multiple fields.", since="2.0.0")
def hmset(ctx: CommandContext, argv: list[bytes]) -> Any:
    _set_pairs(ctx, argv)
    return OK


@group.command("HSETNX", 4, _WF, _K1,
               summary="Sets the value of a field in a hash only when the field doesn't exist.",
               since="2.0.0")
def hsetnx(ctx: CommandContext, argv: list[bytes]) -> Any:
    key, field = argv[1], argv[2]
    h = get_hash_for(ctx, key, (field,))
    if h is not None and field in h:
        return 0
    h = _hash_for_write(ctx, key)
    h[field] = argv[3]
    ctx.db.touched(key, "hset")
    return 1


@group.command("HGET", 3, _RF, _K1, summary="Returns the value of a field in a hash.", since="2.0.0")
def hget(ctx: CommandContext, argv: list[bytes]) -> Any:
    h = get_hash_for(ctx, argv[1], (argv[2],))
    return None if h is None else h.get(argv[2])


@group.command("HMGET", -3, _RF, _K1, summary="Returns the values of all fields in a hash.", since="2.0.0")
def hmget(ctx: CommandContext, argv: list[bytes]) -> Any:
    h = get_hash_for(ctx, argv[1], argv[2:]) or {}
    return [h.get(f) for f in argv[2:]]


@group.command("HGETALL", 2, _R, _K1, summary="Returns all fields and values in a hash.", since="2.0.0")
def hgetall(ctx: CommandContext, argv: list[bytes]) -> Any:
    h = get_hash(ctx, argv[1])
    return Map(list(live(ctx, argv[1], h).items()) if h else [])


@group.command("HKEYS", 2, _R, _K1, summary="Returns all fields in a hash.", since="2.0.0")
def hkeys(ctx: CommandContext, argv: list[bytes]) -> Any:
    h = get_hash(ctx, argv[1])
    return list(live(ctx, argv[1], h)) if h else []


@group.command("HVALS", 2, _R, _K1, summary="Returns all values in a hash.", since="2.0.0")
def hvals(ctx: CommandContext, argv: list[bytes]) -> Any:
    h = get_hash(ctx, argv[1])
    return list(live(ctx, argv[1], h).values()) if h else []


@group.command("HLEN", 2, _RF, _K1, summary="Returns the number of fields in a hash.", since="2.0.0")
def hlen(ctx: CommandContext, argv: list[bytes]) -> Any:
    # Redis 7.4 counts fields past their TTL that are not deleted yet (hashTypeLength without subtracting)
    return len(ctx.db.lookup(argv[1], dict, ctx) or ())


@group.command("HSTRLEN", 3, _RF, _K1, summary="Returns the length of the value of a field.", since="3.2.0")
def hstrlen(ctx: CommandContext, argv: list[bytes]) -> Any:
    h = get_hash_for(ctx, argv[1], (argv[2],)) or {}
    return len(h.get(argv[2], b""))


@group.command("HEXISTS", 3, _RF, _K1, summary="Determines whether a field exists in a hash.", since="2.0.0")
def hexists(ctx: CommandContext, argv: list[bytes]) -> Any:
    h = get_hash_for(ctx, argv[1], (argv[2],))
    return 1 if h is not None and argv[2] in h else 0


@group.command("HDEL", -3, Flag.WRITE | Flag.FAST, _K1,
               summary="Deletes one or more fields and their values from a hash. Deletes the hash if no fields remain.",
               since="2.0.0")
def hdel(ctx: CommandContext, argv: list[bytes]) -> Any:
    key = argv[1]
    h = get_hash(ctx, key)
    if h is None:
        return 0
    removed = 0
    for field in argv[2:]:
        if h.pop(field, None) is not None:
            removed += 1
    if removed:
        db = ctx.db
        db.touched(key, "hdel")
        if not h:
            db.delete(key)
            db.touched(key, "del")
    return removed


@group.command("HINCRBY", 4, _WF, _K1,
               summary="Increments the integer value of a field in a hash by a number. Uses 0 as initial value if the field doesn't exist.",
               since="2.0.0")
def hincrby(ctx: CommandContext, argv: list[bytes]) -> Any:
    key, field = argv[1], argv[2]
    increment = parse_int(argv[3])
    h = get_hash_for(ctx, key, (field,))
    old = None if h is None else h.get(field)
    current = 0 if old is None else parse_int(old, RedVectorError("hash value is not an integer"))
    new = current + increment
    if not INT64_MIN <= new <= INT64_MAX:
        raise RedVectorError(OVERFLOW_MSG)
    h = _hash_for_write(ctx, key)
    h[field] = b"%d" % new
    ctx.db.touched(key, "hincrby")
    return new


@group.command("HINCRBYFLOAT", 4, _WF, _K1,
               summary="Increments the floating point value of a field by a number. Uses 0 as initial value if the field doesn't exist.",
               since="2.6.0")
def hincrbyfloat(ctx: CommandContext, argv: list[bytes]) -> Any:
    key, field = argv[1], argv[2]
    increment = parse_long_double(argv[3])
    if not is_finite(increment):
        raise RedVectorError("value is NaN or Infinity")
    h = get_hash_for(ctx, key, (field,))
    old = None if h is None else h.get(field)
    current = ZERO if old is None else parse_long_double(old, RedVectorError("hash value is not a float"))
    new = add(current, increment)
    if new is None:
        raise RedVectorError("increment would produce NaN or Infinity")
    text = long_double_text(new)
    h = _hash_for_write(ctx, key)
    h[field] = text
    ctx.db.touched(key, "hincrbyfloat")
    # Redis propagates HINCRBYFLOAT as HSET so float formatting cannot drift on replay.
    ctx.propagate_as([b"HSET", key, field, text])
    return text


@group.command("HRANDFIELD", -2, _R, _K1,
               summary="Returns one or more random fields from a hash.", since="6.2.0")
def hrandfield(ctx: CommandContext, argv: list[bytes]) -> Any:
    if len(argv) > 4 or (len(argv) == 4 and argv[3].upper() != b"WITHVALUES"):
        raise SyntaxErr()
    with_values = len(argv) == 4
    if len(argv) == 2:
        h = purged_hash(ctx, argv[1])  # Redis 7.4 deletes the hash's expired fields first
        return random_picks(ctx, argv[1], h, 1)[0] if h else None
    count = parse_int(argv[2])
    # Redis: a negative count times 2 (WITHVALUES) must not overflow a long.
    if count < (-(INT64_MAX // 2) if with_values else -INT64_MAX):
        raise RedVectorError("value is out of range")
    h = purged_hash(ctx, argv[1])
    if not h or count == 0:
        return []
    chosen = random_picks(ctx, argv[1], h, count)
    if with_values:
        return Pairs([(f, h[f]) for f in chosen])
    return chosen


@group.command("HSCAN", -3, _R, _K1, summary="Iterates over fields and values of a hash.", since="2.8.0")
def hscan(ctx: CommandContext, argv: list[bytes]) -> Any:
    stored = get_hash(ctx, argv[1])
    h = live(ctx, argv[1], stored) if stored else stored
    cursor, fields, novalues = scan_container(ctx, argv, h, allow_novalues=True,
                                              small=stored is not None and is_small_hash(stored, ctx.server.config))
    if novalues or h is None:
        return [cursor, fields]
    flat: list[bytes] = []
    for f in fields:
        flat.append(f)
        flat.append(h[f])
    return [cursor, flat]


