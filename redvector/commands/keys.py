"""Generic key commands: DEL UNLINK EXISTS TYPE KEYS RENAME EXPIRE* TTL PTTL PERSIST ..."""

from __future__ import annotations

from typing import Any

from redvector.commands.args import ArgCursor, parse_int
from redvector.commands.context import CommandContext
from redvector.commands.spec import CommandGroup, Flag, KeySpec
from redvector.errors import INVALID_EXPIRE_MSG, NoSuchKey, RedVectorError
from redvector.keyspace.glob import glob_match
from redvector.keyspace.types import type_name
from redvector.replies import OK, SimpleString

group = CommandGroup("generic")

_K1 = KeySpec(1, 1, 1)
_ALL = KeySpec(1, -1, 1)


@group.command("DEL", -2, Flag.WRITE, _ALL, summary="Deletes one or more keys.")
def del_(ctx: CommandContext, argv: list[bytes]) -> Any:
    db, now = ctx.db, ctx.now_ms
    count = 0
    for key in argv[1:]:
        if db.get(key, now) is not None and db.delete(key):
            db.touched(key, "del")
            count += 1
    return count


@group.command("UNLINK", -2, Flag.WRITE | Flag.FAST, _ALL, summary="Asynchronously deletes one or more keys.",
               since="4.0.0")
def unlink(ctx: CommandContext, argv: list[bytes]) -> Any:
    return del_(ctx, argv)


@group.command("EXISTS", -2, Flag.READONLY | Flag.FAST, _ALL,
               summary="Determines whether one or more keys exist.")
def exists(ctx: CommandContext, argv: list[bytes]) -> Any:
    db, now = ctx.db, ctx.now_ms
    return sum(1 for key in argv[1:] if db.get(key, now) is not None)


@group.command("TYPE", 2, Flag.READONLY | Flag.FAST, _K1,
               summary="Determines the type of value stored at a key.")
def type_(ctx: CommandContext, argv: list[bytes]) -> Any:
    return SimpleString(type_name(ctx.db.get(argv[1], ctx.now_ms)).encode())


@group.command("KEYS", 2, Flag.READONLY, summary="Returns all key names that match a pattern.")
def keys(ctx: CommandContext, argv: list[bytes]) -> Any:
    db, now, pattern = ctx.db, ctx.now_ms, argv[1]
    return [k for k in db.snapshot_keys() if glob_match(pattern, k) and db.get(k, now) is not None]


def _rename(ctx: CommandContext, argv: list[bytes], nx: bool) -> Any:
    db, now = ctx.db, ctx.now_ms
    src, dst = argv[1], argv[2]
    value = db.get(src, now)
    if value is None:
        raise NoSuchKey()
    if src == dst:
        return 0 if nx else OK
    if nx and db.get(dst, now) is not None:
        return 0
    ttl_at = db.expires.get(src)
    field_ttls = db.field_ttls.take(src)
    if db.get(dst, now) is not None:
        db.delete(dst)
        db.touched(dst, "del")
    db.delete(src)
    db.touched(src, "rename_from")
    db.set(dst, value, ttl_at)
    if field_ttls:
        db.field_ttls.set_all(dst, value, field_ttls)
    db.touched(dst, "rename_to")
    return 1 if nx else OK


@group.command("RENAME", 3, Flag.WRITE, KeySpec(1, 2, 1),
               summary="Renames a key and overwrites the destination.")
def rename(ctx: CommandContext, argv: list[bytes]) -> Any:
    return _rename(ctx, argv, nx=False)


@group.command("RENAMENX", 3, Flag.WRITE | Flag.FAST, KeySpec(1, 2, 1),
               summary="Renames a key only when the target key name doesn't exist.")
def renamenx(ctx: CommandContext, argv: list[bytes]) -> Any:
    return _rename(ctx, argv, nx=True)


def expire_generic(ctx: CommandContext, argv: list[bytes], unit_ms: int, absolute: bool) -> int:
    key = argv[1]
    command = argv[0].decode().lower()
    try:
        when = parse_int(argv[2])
    except RedVectorError:
        raise
    args = ArgCursor(argv, 3)
    nx = xx = gt = lt = False
    while args:
        token = args.next_token()
        if token == "NX":
            nx = True
        elif token == "XX":
            xx = True
        elif token == "GT":
            gt = True
        elif token == "LT":
            lt = True
        else:
            raise RedVectorError(f"Unsupported option {token}")
    if nx and (xx or gt or lt):
        raise RedVectorError("NX and XX, GT or LT options at the same time are not compatible")
    if gt and lt:
        raise RedVectorError("GT and LT options at the same time are not compatible")
    try:
        at = when * unit_ms + (0 if absolute else ctx.now_ms)
        if abs(when) > (2**63 - 1) // unit_ms or not -(2**63) <= at <= 2**63 - 1:
            raise OverflowError
    except OverflowError:
        raise RedVectorError(INVALID_EXPIRE_MSG.format(command))
    db = ctx.db
    if db.get(key, ctx.now_ms) is None:
        return 0
    current = db.expires.get(key)
    if nx and current is not None:
        return 0
    if xx and current is None:
        return 0
    if gt and (current is None or at <= current):
        return 0
    if lt and current is not None and at >= current:
        return 0
    if at <= ctx.now_ms:
        db.delete(key)
        db.touched(key, "del")
        ctx.propagate_as([b"DEL", key])
        return 1
    db.set_expire(key, at)
    db.touched(key, "expire")
    ctx.propagate_as([b"PEXPIREAT", key, b"%d" % at])
    return 1


@group.command("EXPIRE", -3, Flag.WRITE | Flag.FAST, _K1,
               summary="Sets the expiration time of a key in seconds.")
def expire(ctx: CommandContext, argv: list[bytes]) -> Any:
    return expire_generic(ctx, argv, 1000, absolute=False)


@group.command("PEXPIRE", -3, Flag.WRITE | Flag.FAST, _K1,
               summary="Sets the expiration time of a key in milliseconds.",
               since="2.6.0")
def pexpire(ctx: CommandContext, argv: list[bytes]) -> Any:
    return expire_generic(ctx, argv, 1, absolute=False)


@group.command("EXPIREAT", -3, Flag.WRITE | Flag.FAST, _K1,
               summary="Sets the expiration time of a key to a Unix timestamp.",
               since="1.2.0")
def expireat(ctx: CommandContext, argv: list[bytes]) -> Any:
    return expire_generic(ctx, argv, 1000, absolute=True)


@group.command("PEXPIREAT", -3, Flag.WRITE | Flag.FAST, _K1,
               summary="Sets the expiration time of a key to a Unix milliseconds timestamp.", since="2.6.0")
def pexpireat(ctx: CommandContext, argv: list[bytes]) -> Any:
    return expire_generic(ctx, argv, 1, absolute=True)


def _ttl(ctx: CommandContext, key: bytes, unit_ms: int, absolute: bool) -> int:
    db = ctx.db
    if db.get(key, ctx.now_ms) is None:
        return -2
    at = db.expires.get(key)
    if at is None:
        return -1
    if absolute:  # EXPIRETIME rounds to the nearest second, as TTL does
        return (at + 500) // 1000 if unit_ms == 1000 else at
    remaining = max(at - ctx.now_ms, 0)
    return (remaining + 500) // 1000 if unit_ms == 1000 else remaining


@group.command("TTL", 2, Flag.READONLY | Flag.FAST, _K1,
               summary="Returns the expiration time in seconds of a key.")
def ttl(ctx: CommandContext, argv: list[bytes]) -> Any:
    return _ttl(ctx, argv[1], 1000, absolute=False)


@group.command("PTTL", 2, Flag.READONLY | Flag.FAST, _K1,
               summary="Returns the expiration time in milliseconds of a key.",
               since="2.6.0")
def pttl(ctx: CommandContext, argv: list[bytes]) -> Any:
    return _ttl(ctx, argv[1], 1, absolute=False)


@group.command("EXPIRETIME", 2, Flag.READONLY | Flag.FAST, _K1,
               summary="Returns the expiration time of a key as a Unix timestamp.", since="7.0.0")
def expiretime(ctx: CommandContext, argv: list[bytes]) -> Any:
    return _ttl(ctx, argv[1], 1000, absolute=True)


@group.command("PEXPIRETIME", 2, Flag.READONLY | Flag.FAST, _K1,
               summary="Returns the expiration time of a key as a Unix milliseconds timestamp.",
               since="7.0.0")
def pexpiretime(ctx: CommandContext, argv: list[bytes]) -> Any:
    return _ttl(ctx, argv[1], 1, absolute=True)


@group.command("PERSIST", 2, Flag.WRITE | Flag.FAST, _K1,
               summary="Removes the expiration time of a key.", since="2.2.0")
def persist(ctx: CommandContext, argv: list[bytes]) -> Any:
    db = ctx.db
    if db.get(argv[1], ctx.now_ms) is None or not db.persist(argv[1]):
        return 0
    db.touched(argv[1], "persist")
    return 1
