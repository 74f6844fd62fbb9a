"""DUMP and RESTORE: a key's value as Redis's serialization format (RDB encoding + version + CRC-64).

Payloads are interchangeable with Redis: RESTORE reads what Redis 7.x DUMPs (listpack, intset, quicklist
encodings included) and Redis 7.0+ RESTOREs what RedVector DUMPs (RDB version 10, plain encodings).
The argument checks run in Redis's order (options, BUSYKEY, TTL, payload) with its error texts.
"""

from __future__ import annotations

from typing import Any

from redvector.commands.args import ArgCursor, parse_int
from redvector.commands.context import CommandContext
from redvector.commands.spec import CommandGroup, Flag, KeySpec
from redvector.errors import CodedError, RedVectorError, SyntaxErr
from redvector.keyspace.field_expiry import HashWithTtls
from redvector.persistence.rdb.dump import DumpPayloadError, dump_payload, load_payload, verify_payload
from redvector.persistence.rdb.reader import RdbError
from redvector.replies import OK

group = CommandGroup("generic")

BUSY_KEY = CodedError("BUSYKEY", "Target key name already exists.")
_K1 = KeySpec(1, 1, 1)


@group.command("DUMP", 2, Flag.READONLY, _K1, since="2.6.0",
               summary="Returns a serialized representation of the value stored at a key.")
def dump(ctx: CommandContext, argv: list[bytes]) -> Any:
    db, key = ctx.db, argv[1]
    value = db.get(key, ctx.now_ms)  # fields past their TTL and not deleted yet go too, as in Redis 7.4
    if value is None:
        return None
    payload = dump_payload(value, db.field_ttls.of(key) if type(value) is dict else None)
    if payload is None:
        raise RedVectorError("this value type cannot be serialized")
    return payload


@group.command("RESTORE", -4, Flag.WRITE | Flag.DENYOOM, _K1, since="2.6.0",
               summary="Creates a key from the serialized representation of a value.")
def restore(ctx: CommandContext, argv: list[bytes]) -> Any:
    key, payload = argv[1], argv[3]
    replace = absttl = False
    idle_s: int | None = None
    freq: int | None = None
    args = ArgCursor(argv, 4)
    while args:
        token = args.next_token()
        if token == "REPLACE":
            replace = True
        elif token == "ABSTTL":
            absttl = True
        elif token == "IDLETIME" and args and freq is None:
            idle_s = parse_int(args.next())
            if idle_s < 0:
                raise RedVectorError("Invalid IDLETIME value, must be >= 0")
        elif token == "FREQ" and args and idle_s is None:
            freq = parse_int(args.next())
            if not 0 <= freq <= 255:
                raise RedVectorError("Invalid FREQ value, must be >= 0 and <= 255")
        else:
            raise SyntaxErr()
    db = ctx.db
    if not replace and db.get(key, ctx.now_ms) is not None:
        raise BUSY_KEY
    ttl = parse_int(argv[2])
    if ttl < 0:
        raise RedVectorError("Invalid TTL value, must be >= 0")
    try:
        verify_payload(payload)
        value = load_payload(payload)
    except DumpPayloadError:
        raise RedVectorError("DUMP payload version or checksum are wrong")
    except RdbError:
        raise RedVectorError("Bad data format")
    deadlines: dict[bytes, int] = {}
    if isinstance(value, HashWithTtls):  # fields with TTLs, past ones too: Redis's RESTORE keeps them for
        if not value.fields:  # lazy or active expiry to delete (and HLEN counts them until then)
            raise RedVectorError("Bad data format")
        deadlines = value.deadlines
        value = value.fields
    elif type(value) is not bytes and not value:  # Redis refuses empty containers as corrupt
        raise RedVectorError("Bad data format")
    deleted = replace and db.delete(key)
    expire_at_ms = ttl if absttl or not ttl else ctx.now_ms + ttl
    if ttl and expire_at_ms <= ctx.now_ms:
        # Already expired: nothing is created; a replaced key is simply gone (logged as DEL).
        if deleted:
            db.touched(key, "del")
            ctx.propagate_as([b"DEL", key])
        return OK
    db.set(key, value, expire_at_ms if ttl else None)
    if deadlines:
        db.field_ttls.set_all(key, value, deadlines)
    db.touched(key, "restore")
    if ttl and not absttl:
        ctx.propagate_as([b"RESTORE", key, b"%d" % expire_at_ms, *argv[3:], b"ABSTTL"])
    _set_access_clock(ctx, key, idle_s, freq)
    return OK


def _set_access_clock(ctx: CommandContext, key: bytes, idle_s: int | None, freq: int | None) -> None:
    """IDLETIME / FREQ: the restored key's LRU idle time or LFU counter, when a policy tracks them."""
    tracker = ctx.server.extensions.get("memory")
    set_access = getattr(tracker, "set_access", None)
    if set_access is not None:
        set_access(ctx.client.db_index, key, None if idle_s is None else idle_s * 1000, freq)
