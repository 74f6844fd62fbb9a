"""String commands: GET SET (and its relatives) MGET MSET INCR* APPEND STRLEN GETRANGE SETRANGE."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from redvector.commands.args import INT64_MAX, INT64_MIN, ArgCursor, parse_int
from redvector.commands.context import CommandContext
from redvector.commands.long_double import ZERO, add, long_double_text, parse_long_double
from redvector.commands.spec import CommandGroup, Flag, KeySpec
from redvector.errors import (
    INVALID_EXPIRE_MSG,
    OVERFLOW_MSG,
    STRING_TOO_LONG_MSG,
    RedVectorError,
    SyntaxErr,
    WrongArity,
)
from redvector.replies import OK

group = CommandGroup("string")

_R = Flag.READONLY | Flag.FAST
_W = Flag.WRITE | Flag.DENYOOM
_K1 = KeySpec(1, 1, 1)


def get_string(ctx: CommandContext, key: bytes) -> bytes | None:
    return ctx.db.lookup(key, bytes, ctx)


@group.command("GET", 2, _R, _K1, summary="Returns the string value of a key.")
def get(ctx: CommandContext, argv: list[bytes]) -> Any:
    value = ctx.db.lookup(argv[1], bytes, ctx)
    # INFO keyspace_hits/keyspace_misses, counted where it is cheap (GET and MGET).
    if value is None:
        ctx.server.stats.keyspace_misses += 1
    else:
        ctx.server.stats.keyspace_hits += 1
    return value


@dataclass(slots=True)
class SetOptions:
    condition: str | None = None  # "NX" | "XX"
    get: bool = False
    expire_at_ms: int | None = None
    keep_ttl: bool = False


def _expire_at(ctx: CommandContext, unit: str, value: int, command: str) -> int:
    if value <= 0 or (unit in ("EX", "EXAT") and value > INT64_MAX // 1000):
        raise RedVectorError(INVALID_EXPIRE_MSG.format(command))
    match unit:
        case "EX":
            return ctx.now_ms + value * 1000
        case "PX":
            return ctx.now_ms + value
        case "EXAT":
            return value * 1000
        case _:
            return value


def parse_set_options(ctx: CommandContext, args: ArgCursor) -> SetOptions:
    o = SetOptions()
    expiry_seen = False
    while args:
        match args.next_token():
            case "NX" | "XX" as c if o.condition is None:
                o.condition = c
            case "GET":
                o.get = True
            case "EX" | "PX" | "EXAT" | "PXAT" as unit if not expiry_seen and args:
                expiry_seen = True
                o.expire_at_ms = _expire_at(ctx, unit, args.next_int(), "set")
            case "KEEPTTL" if not expiry_seen:
                expiry_seen = True
                o.keep_ttl = True
            case _:
                raise SyntaxErr()
    return o


def set_generic(ctx: CommandContext, key: bytes, value: bytes, o: SetOptions) -> Any:
    db = ctx.db
    old: Any = None
    if o.get:
        old = db.get_typed(key, bytes, ctx.now_ms)
        exists = old is not None
    elif o.condition is not None:
        exists = db.get(key, ctx.now_ms) is not None
    else:
        exists = False
    if (o.condition == "NX" and exists) or (o.condition == "XX" and not exists):
        return old if o.get else None
    db.set(key, value, o.expire_at_ms, o.keep_ttl)
    db.touched(key, "set")
    if o.expire_at_ms is not None:
        # The AOF logs an absolute time so replay is exact.
        ctx.propagate_as([b"SET", key, value, b"PXAT", b"%d" % o.expire_at_ms])
        db.touched(key, "expire")
    return old if o.get else OK


@group.command("SET", -3, _W, _K1,
               summary="Sets the string value of a key, ignoring its type. The key is created if it doesn't exist.")
def set_(ctx: CommandContext, argv: list[bytes]) -> Any:
    if len(argv) == 3:  # the common case, without option parsing
        db = ctx.db
        key = argv[1]
        db.data[key] = argv[2]
        if db.expires:
            db.expires.pop(key, None)
        db.touched(key, "set")
        return OK
    return set_generic(ctx, argv[1], argv[2], parse_set_options(ctx, ArgCursor(argv, 3)))


@group.command("SETNX", 3, _W | Flag.FAST, _K1,
               summary="Set the string value of a key only when the key doesn't exist.")
def setnx(ctx: CommandContext, argv: list[bytes]) -> Any:
    return 1 if set_generic(ctx, argv[1], argv[2], SetOptions(condition="NX")) is OK else 0


def _setex(ctx: CommandContext, argv: list[bytes], unit: str, command: str) -> Any:
    seconds = parse_int(argv[2])
    at = _expire_at(ctx, unit, seconds, command)
    return set_generic(ctx, argv[1], argv[3], SetOptions(expire_at_ms=at))


@group.command("SETEX", 4, _W, _K1,
               summary="Sets the string value and expiration time of a key. Creates the key if it doesn't exist.",
               since="2.0.0")
def setex(ctx: CommandContext, argv: list[bytes]) -> Any:
    return _setex(ctx, argv, "EX", "setex")


@group.command("PSETEX", 4, _W, _K1,
               summary="Sets both string value and expiration time in milliseconds of a key. The key is created if it doesn't exist.",
               since="2.6.0")
def psetex(ctx: CommandContext, argv: list[bytes]) -> Any:
    return _setex(ctx, argv, "PX", "psetex")


@group.command("GETSET", 3, _W | Flag.FAST, _K1,
               summary="Returns the previous string value of a key after setting it to a new value.")
def getset(ctx: CommandContext, argv: list[bytes]) -> Any:
    return set_generic(ctx, argv[1], argv[2], SetOptions(get=True))


@group.command("GETDEL", 2, Flag.WRITE | Flag.FAST, _K1,
               summary="Returns the string value of a key after deleting the key.",
               since="6.2.0")
def getdel(ctx: CommandContext, argv: list[bytes]) -> Any:
    value = get_string(ctx, argv[1])
    if value is not None:
        ctx.db.delete(argv[1])
        ctx.db.touched(argv[1], "del")
    return value


@group.command("GETEX", -2, Flag.WRITE | Flag.FAST, _K1,
               summary="Returns the string value of a key after setting its expiration time.",
               since="6.2.0")
def getex(ctx: CommandContext, argv: list[bytes]) -> Any:
    key = argv[1]
    args = ArgCursor(argv, 2)
    at: int | None = None
    persist = False
    unit, amount = "", None
    if args:
        match args.next_token():
            case "EX" | "PX" | "EXAT" | "PXAT" as unit if args.remaining() == 1:
                amount = args.next()
            case "PERSIST" if not args:
                persist = True
            case _:
                raise SyntaxErr()
    value = get_string(ctx, key)
    if value is None:
        return None
    if amount is not None:  # Redis reads the time only once the key is known to be a string
        at = _expire_at(ctx, unit, parse_int(amount), "getex")
    db = ctx.db
    if at is not None:
        if at <= ctx.now_ms:
            db.delete(key)
            db.touched(key, "del")
            ctx.propagate_as([b"DEL", key])
        else:
            db.set_expire(key, at)
            db.touched(key, "expire")
            ctx.propagate_as([b"PEXPIREAT", key, b"%d" % at])
    elif persist and db.persist(key):
        db.touched(key, "persist")
        ctx.propagate_as([b"PERSIST", key])
    return value


@group.command("MGET", -2, _R, KeySpec(1, -1, 1),
               summary="Atomically returns the string values of one or more keys.")
def mget(ctx: CommandContext, argv: list[bytes]) -> Any:
    db, now = ctx.db, ctx.now_ms
    out: list[Any] = []
    for key in argv[1:]:
        value = db.get(key, now)
        out.append(value if type(value) is bytes else None)
    hits = sum(1 for v in out if v is not None)
    stats = ctx.server.stats
    stats.keyspace_hits += hits
    stats.keyspace_misses += len(out) - hits
    return out


@group.command("MSET", -3, _W, KeySpec(1, -1, 2),
               summary="Atomically creates or modifies the string values of one or more keys.",
               since="1.0.1")
def mset(ctx: CommandContext, argv: list[bytes]) -> Any:
    if len(argv) % 2 == 0:
        raise WrongArity("mset")
    db = ctx.db
    data = db.data
    expires = db.expires
    for i in range(1, len(argv), 2):
        key = argv[i]
        # As SET's fast path: a plain dict store per pair (a call per key is a tenth of MSET's cost);
        # touched() adds a new key to the key order (Database documents this repair).
        data[key] = argv[i + 1]
        if expires:
            expires.pop(key, None)
        db.touched(key, "set")
    return OK


@group.command("MSETNX", -3, _W, KeySpec(1, -1, 2),
               summary="Atomically modifies the string values of one or more keys only when all keys don't exist.",
               since="1.0.1")
def msetnx(ctx: CommandContext, argv: list[bytes]) -> Any:
    if len(argv) % 2 == 0:
        raise WrongArity("msetnx")
    db = ctx.db
    if any(db.get(argv[i], ctx.now_ms) is not None for i in range(1, len(argv), 2)):
        return 0
    for i in range(1, len(argv), 2):
        db.set(argv[i], argv[i + 1])
        db.touched(argv[i], "set")
    return 1


@group.command("APPEND", 3, _W | Flag.FAST, _K1,
               summary="Appends a string to the value of a key. Creates the key if it doesn't exist.",
               since="2.0.0")
def append(ctx: CommandContext, argv: list[bytes]) -> Any:
    key = argv[1]
    old = get_string(ctx, key)
    value = argv[2] if old is None else old + argv[2]
    _check_size(ctx, len(value))
    ctx.db.set(key, value, keep_ttl=True)
    ctx.db.touched(key, "append")
    return len(value)


def _check_size(ctx: CommandContext, size: int) -> None:
    if size > int(ctx.server.config["proto-max-bulk-len"]):
        raise RedVectorError(STRING_TOO_LONG_MSG)


@group.command("STRLEN", 2, _R, _K1, summary="Returns the length of a string value.", since="2.2.0")
def strlen(ctx: CommandContext, argv: list[bytes]) -> Any:
    value = get_string(ctx, argv[1])
    return 0 if value is None else len(value)


def incr_by(ctx: CommandContext, key: bytes, delta: int) -> int:
    db = ctx.db
    old = db.lookup(key, bytes, ctx)
    current = 0 if old is None else parse_int(old)
    new = current + delta
    if not INT64_MIN <= new <= INT64_MAX:
        raise RedVectorError(OVERFLOW_MSG)
    db.set(key, b"%d" % new, keep_ttl=True)
    db.touched(key, "incrby")
    return new


@group.command("INCR", 2, _W | Flag.FAST, _K1,
               summary="Increments the integer value of a key by one. Uses 0 as initial value if the key doesn't exist.")
def incr(ctx: CommandContext, argv: list[bytes]) -> Any:
    return incr_by(ctx, argv[1], 1)


@group.command("DECR", 2, _W | Flag.FAST, _K1,
               summary="Decrements the integer value of a key by one. Uses 0 as initial value if the key doesn't exist.")
def decr(ctx: CommandContext, argv: list[bytes]) -> Any:
    return incr_by(ctx, argv[1], -1)


@group.command("INCRBY", 3, _W | Flag.FAST, _K1,
               summary="Increments the integer value of a key by a number. Uses 0 as initial value if the key doesn't exist.")
def incrby(ctx: CommandContext, argv: list[bytes]) -> Any:
    return incr_by(ctx, argv[1], parse_int(argv[2]))


@group.command("DECRBY", 3, _W | Flag.FAST, _K1,
               summary="Decrements a number from the integer value of a key. Uses 0 as initial value if the key doesn't exist.")
def decrby(ctx: CommandContext, argv: list[bytes]) -> Any:
    delta = parse_int(argv[2])
    if delta == INT64_MIN:
        raise RedVectorError("decrement would overflow")
    return incr_by(ctx, argv[1], -delta)


@group.command("INCRBYFLOAT", 3, _W | Flag.FAST, _K1,
               summary="Increment the floating point value of a key by a number. Uses 0 as initial value if the key doesn't exist.",
               since="2.6.0")
def incrbyfloat(ctx: CommandContext, argv: list[bytes]) -> Any:
    key = argv[1]
    db = ctx.db
    old = db.get_typed(key, bytes, ctx.now_ms)
    current = ZERO if old is None else parse_long_double(old)
    new = add(current, parse_long_double(argv[2]))
    if new is None:
        raise RedVectorError("increment would produce NaN or Infinity")
    text = long_double_text(new)
    db.set(key, text, keep_ttl=True)
    db.touched(key, "incrbyfloat")
    # Redis propagates INCRBYFLOAT as SET ... KEEPTTL so float formatting cannot drift on replay.
    ctx.propagate_as([b"SET", key, text, b"KEEPTTL"])
    return text


def _range(start: int, end: int, length: int) -> tuple[int, int] | None:
    if start < 0:
        start = max(length + start, 0)
    if end < 0:
        end = max(length + end, 0)  # Redis clamps a negative end to 0: GETRANGE "-3" 0 -3 is "-"
    end = min(end, length - 1)
    if start > end or length == 0:
        return None
    return start, end


@group.command("GETRANGE", 4, Flag.READONLY, _K1,
               summary="Returns a substring of the string stored at a key.",
               since="2.4.0")
def getrange(ctx: CommandContext, argv: list[bytes]) -> Any:
    start, end = parse_int(argv[2]), parse_int(argv[3])
    value = get_string(ctx, argv[1]) or b""
    if start < 0 and end < 0 and start > end:
        return b""
    r = _range(start, end, len(value))
    return b"" if r is None else value[r[0] : r[1] + 1]


@group.command("SUBSTR", 4, Flag.READONLY, _K1, summary="Returns a substring from a string value.")
def substr(ctx: CommandContext, argv: list[bytes]) -> Any:
    return getrange(ctx, argv)


@group.command("SETRANGE", 4, _W, _K1,
               summary="Overwrites a part of a string value with another by an offset. Creates the key if it doesn't exist.",
               since="2.2.0")
def setrange(ctx: CommandContext, argv: list[bytes]) -> Any:
    key = argv[1]
    offset = parse_int(argv[2])
    if offset < 0:
        raise RedVectorError("offset is out of range")
    patch = argv[3]
    old = get_string(ctx, key)
    if old is None:
        if not patch:
            return 0
        old = b""
    if not patch:
        return len(old)
    _check_size(ctx, offset + len(patch))
    buf = bytearray(old)
    if len(buf) < offset:
        buf += b"\x00" * (offset - len(buf))
    buf[offset : offset + len(patch)] = patch
    ctx.db.set(key, bytes(buf), keep_ttl=True)
    ctx.db.touched(key, "setrange")
    return len(buf)
