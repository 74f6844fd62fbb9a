"""Hash field expiration, Redis 7.4: HEXPIRE HPEXPIRE HEXPIREAT HPEXPIREAT HTTL HPTTL HEXPIRETIME
HPEXPIRETIME HPERSIST (``key ... FIELDS numfields field ...``).

Deadlines live in the database's FieldExpiry (keyspace/field_expiry.py). As in Redis 7.4, a field past
its deadline is deleted when a command looks it up (hashes.get_hash_for: HGET, HEXISTS, SORT's
``h_*->f`` ...), by HRANDFIELD (all of its hash's) or by the server cron. Until then reads that walk the
hash skip it (hashes.live), HTTL and HPERSIST see no such field, HLEN and DUMP count it, and HEXPIRE & co.
give it the new TTL, as Redis does.
Search commands purge every due field of the index's database first. The effects reach the
AOF as Redis logs them: HPEXPIREAT with the absolute time and only the fields whose TTL was set, HDEL for
fields a deadline in the past deleted.
"""

from __future__ import annotations

from typing import Any

from redvector.commands.args import parse_int
from redvector.commands.context import CommandContext
from redvector.commands.hashes import get_hash
from redvector.commands.spec import CommandGroup, Flag, KeySpec
from redvector.errors import RedVectorError
from redvector.keyspace.types.encoding import is_small_hash

group = CommandGroup("hash")

_K1 = KeySpec(1, 1, 1)
_WRITE = Flag.WRITE | Flag.DENYOOM | Flag.FAST
_READ = Flag.READONLY | Flag.FAST

# Redis keeps two bits of the 48-bit expiry time for itself: EB_EXPIRE_TIME_MAX >> 2.
MAX_DEADLINE_MS = ((1 << 48) - 1) >> 2

NO_FIELD = -2
NO_TTL = -1
CONDITION_NOT_MET = 0
SET = 1
DELETED = 2

_FIELDS_MISSING = "Mandatory argument FIELDS is missing or not at the right position"
_NUMFIELDS_MISMATCH = "The `numfields` parameter must match the number of arguments"


def _fields(argv: list[bytes], at: int, positive_msg: str) -> list[bytes]:
    """The fields after ``FIELDS numfields`` (FIELDS at argv[at - 1])."""
    if argv[at - 1].upper() != b"FIELDS":
        raise RedVectorError(_FIELDS_MISSING)
    count = parse_int(argv[at], RedVectorError(positive_msg))
    if count < 1:
        raise RedVectorError(positive_msg)
    if count != len(argv) - at - 1:
        raise RedVectorError(_NUMFIELDS_MISMATCH)
    return argv[at + 1:]


def _expire(ctx: CommandContext, argv: list[bytes], relative: bool, unit_ms: int) -> Any:
    key = argv[1]
    h = get_hash(ctx, key)  # as Redis 7.4 does, a field past its TTL not deleted yet takes the new TTL
    amount = parse_int(argv[2])
    if amount < 0:
        raise RedVectorError("invalid expire time, must be >= 0")
    name = argv[0].decode("latin-1").lower()
    invalid = RedVectorError(f"invalid expire time in '{name}' command")
    if unit_ms == 1000:
        if amount > MAX_DEADLINE_MS // 1000:
            raise invalid
        amount *= 1000
    base = ctx.now_ms if relative else 0
    if amount > MAX_DEADLINE_MS - base:
        raise invalid
    at = amount + base
    condition = argv[3].upper()
    fields_at = 5 if condition in (b"NX", b"XX", b"GT", b"LT") else 4
    fields = _fields(argv, fields_at, "Parameter `numFields` should be greater than 0")
    if h is None:
        return [NO_FIELD] * len(fields)
    db = ctx.db
    ttls = db.field_ttls
    now = ctx.now_ms
    small = is_small_hash(h, ctx.server.config)
    replies: list[int] = []
    updated: list[bytes] = []
    deleted: list[bytes] = []
    for field in fields:
        if field not in h:
            replies.append(NO_FIELD)
            continue
        current = ttls.deadline(key, field)
        if (condition == b"NX" and current is not None) or (condition == b"XX" and current is None) \
                or (condition == b"GT" and (current is None or at <= current)) \
                or (condition == b"LT" and current is not None and at >= current):
            replies.append(CONDITION_NOT_MET)
            continue
        if at <= now:  # a deadline in the past deletes the field now
            h.pop(field, None)
            ttls.discard(key, (field,))
            deleted.append(field)
            replies.append(DELETED)
        else:
            ttls.set(key, h, field, at)
            if small:
                _place_by_deadline(h, ttls.of(key), field)
            if field not in updated:
                updated.append(field)
            replies.append(SET)
    logged: list[list[bytes]] = []
    if deleted:
        logged.append([b"HDEL", key, *deleted])
    if updated:
        logged.append([b"HPEXPIREAT", key, b"%d" % at, b"FIELDS", b"%d" % len(updated), *updated])
    if logged:
        ctx.propagate_as(*logged)
    if deleted:
        db.touched(key, "hdel")
        if not h:
            db.delete(key)
            db.touched(key, "del")
    elif updated:
        db.touched(key, "hexpire")
    return replies


def _place_by_deadline(h: dict[bytes, bytes], deadlines: dict[bytes, int], field: bytes) -> None:
    """Order a small hash as Redis's listpackex does: fields with a TTL first, by deadline (a field set
    later goes before others with the same deadline), then the fields without one; ``field`` just got its TTL."""
    at = deadlines[field]
    value = h.pop(field)
    items = list(h.items())
    place = 0
    while place < len(items) and (d := deadlines.get(items[place][0])) is not None and d < at:
        place += 1
    h.clear()
    h.update(items[:place])
    h[field] = value
    h.update(items[place:])


def _ttl(ctx: CommandContext, argv: list[bytes], relative: bool, unit_ms: int) -> Any:
    key = argv[1]
    h = get_hash(ctx, key)  # a field past its TTL is absent, and stays until deleted (Redis 7.4)
    fields = _fields(argv, 3, "Number of fields must be a positive integer")
    if h is None:
        return [NO_FIELD] * len(fields)
    ttls = ctx.db.field_ttls
    base = ctx.now_ms if relative else 0
    expired = ttls.expired(key, ctx.now_ms)
    replies: list[int] = []
    for field in fields:
        if field not in h or field in expired:
            replies.append(NO_FIELD)
            continue
        at = ttls.deadline(key, field)
        if at is None:
            replies.append(NO_TTL)
        elif unit_ms == 1000:
            replies.append((at + 999 - base) // 1000)
        else:
            replies.append(at - base)
    return replies


@group.command("HEXPIRE", -6, _WRITE, _K1,
               summary="Set expiry for hash field using relative time to expire (seconds)",
               since="7.4.0")
def hexpire(ctx: CommandContext, argv: list[bytes]) -> Any:
    return _expire(ctx, argv, True, 1000)


@group.command("HPEXPIRE", -6, _WRITE, _K1,
               summary="Set expiry for hash field using relative time to expire (milliseconds)",
               since="7.4.0")
def hpexpire(ctx: CommandContext, argv: list[bytes]) -> Any:
    return _expire(ctx, argv, True, 1)


@group.command("HEXPIREAT", -6, _WRITE, _K1,
               summary="Set expiry for hash field using an absolute Unix timestamp (seconds)", since="7.4.0")
def hexpireat(ctx: CommandContext, argv: list[bytes]) -> Any:
    return _expire(ctx, argv, False, 1000)


@group.command("HPEXPIREAT", -6, _WRITE, _K1,
               summary="Set expiry for hash field using an absolute Unix timestamp (milliseconds)",
               since="7.4.0")
def hpexpireat(ctx: CommandContext, argv: list[bytes]) -> Any:
    return _expire(ctx, argv, False, 1)


@group.command("HTTL", -5, _READ, _K1, summary="Returns the TTL in seconds of a hash field.", since="7.4.0")
def httl(ctx: CommandContext, argv: list[bytes]) -> Any:
    return _ttl(ctx, argv, True, 1000)


@group.command("HPTTL", -5, _READ, _K1,
               summary="Returns the TTL in milliseconds of a hash field.", since="7.4.0")
def hpttl(ctx: CommandContext, argv: list[bytes]) -> Any:
    return _ttl(ctx, argv, True, 1)


@group.command("HEXPIRETIME", -5, _READ, _K1,
               summary="Returns the expiration time of a hash field as a Unix timestamp, in seconds.",
               since="7.4.0")
def hexpiretime(ctx: CommandContext, argv: list[bytes]) -> Any:
    return _ttl(ctx, argv, False, 1000)


@group.command("HPEXPIRETIME", -5, _READ, _K1,
               summary="Returns the expiration time of a hash field as a Unix timestamp, in msec.",
               since="7.4.0")
def hpexpiretime(ctx: CommandContext, argv: list[bytes]) -> Any:
    return _ttl(ctx, argv, False, 1)


@group.command("HPERSIST", -5, Flag.WRITE | Flag.FAST, _K1,
               summary="Removes the expiration time for each specified field",
               since="7.4.0")
def hpersist(ctx: CommandContext, argv: list[bytes]) -> Any:
    key = argv[1]
    h = get_hash(ctx, key)  # a field past its TTL is absent, and stays until deleted (Redis 7.4)
    fields = _fields(argv, 3, "Number of fields must be a positive integer")
    if h is None:
        return [NO_FIELD] * len(fields)
    ttls = ctx.db.field_ttls
    expired = ttls.expired(key, ctx.now_ms)
    replies: list[int] = []
    persisted = False
    for field in fields:
        if field not in h or field in expired:
            replies.append(NO_FIELD)
        elif ttls.discard(key, (field,)):
            h[field] = h.pop(field)  # as in Redis's listpackex, a field without TTL goes to the end
            replies.append(SET)
            persisted = True
        else:
            replies.append(NO_TTL)
    if persisted:
        ctx.db.touched(key, "hpersist")
    return replies

