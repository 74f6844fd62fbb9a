"""Key iteration and relocation: SCAN RANDOMKEY COPY MOVE TOUCH."""

from __future__ import annotations

from typing import Any

from redvector.commands.args import ArgCursor, parse_int
from redvector.commands.context import CommandContext
from redvector.commands.spec import CommandGroup, Flag, KeySpec
from redvector.errors import DB_INDEX_MSG, RedVectorError, SyntaxErr
from redvector.keyspace.database import Database
from redvector.keyspace.glob import compile_glob
from redvector.keyspace.scan_index import parse_cursor
from redvector.keyspace.types import type_name
from redvector.keyspace.values import copy_value

group = CommandGroup("generic")

SAME_OBJECT_MSG = "source and destination objects are the same"


@group.command("SCAN", -2, Flag.READONLY, since="2.8.0",
               summary="Iterates over the key names in the database.")
def scan(ctx: CommandContext, argv: list[bytes]) -> Any:
    cursor = parse_cursor(argv[1])
    if cursor is None:
        raise RedVectorError("invalid cursor")
    args = ArgCursor(argv, 2)
    count = 10
    pattern: bytes | None = None
    type_filter: str | None = None
    while args:
        token = args.next_token()
        if not args:
            raise SyntaxErr()
        if token == "COUNT":
            count = args.next_int()
            if count < 1:
                raise SyntaxErr()
        elif token == "MATCH":
            pattern = args.next()
        elif token == "TYPE":
            type_filter = args.next().decode("latin-1").lower()
        else:
            raise SyntaxErr()
    db, now = ctx.db, ctx.now_ms
    candidates, next_cursor = db.scan(cursor, count)
    matcher = None if pattern is None or pattern == b"*" else compile_glob(pattern).match
    keys: list[bytes] = []
    for key in candidates:
        if matcher is not None and matcher(key) is None:
            continue
        value = db.get(key, now)  # expires the key lazily, as Redis's scan does
        if value is None:
            continue
        if type_filter is not None and type_name(value).lower() != type_filter:  # ReJSON-RL: any case
            continue
        keys.append(key)
    return [b"%d" % next_cursor, keys]


@group.command("RANDOMKEY", 1, Flag.READONLY, summary="Returns a random key name from the database.")
def randomkey(ctx: CommandContext, argv: list[bytes]) -> Any:
    return ctx.db.random_key(ctx.now_ms)


@group.command("TOUCH", -2, Flag.READONLY | Flag.FAST, KeySpec(1, -1, 1), since="3.2.1",
               summary="Returns the number of existing keys out of those specified after updating the time they were last accessed.")
def touch(ctx: CommandContext, argv: list[bytes]) -> Any:
    db, now = ctx.db, ctx.now_ms
    return sum(1 for key in argv[1:] if db.get(key, now) is not None)


def _target_db(ctx: CommandContext, arg: bytes) -> Database:
    index = parse_int(arg)
    if not 0 <= index < len(ctx.server.databases):
        raise RedVectorError(DB_INDEX_MSG)
    return ctx.server.db(index)


@group.command("COPY", -3, Flag.WRITE | Flag.DENYOOM, KeySpec(1, 2, 1), since="6.2.0",
               summary="Copies the value of a key to a new key.")
def copy(ctx: CommandContext, argv: list[bytes]) -> Any:
    src, dst = argv[1], argv[2]
    target = ctx.db
    replace = False
    args = ArgCursor(argv, 3)
    while args:
        token = args.next_token()
        if token == "REPLACE":
            replace = True
        elif token == "DB" and args:
            target = _target_db(ctx, args.next())
        else:
            raise SyntaxErr()
    if src == dst and target is ctx.db:
        raise RedVectorError(SAME_OBJECT_MSG)
    value = ctx.db.get(src, ctx.now_ms)
    if value is None:
        return 0
    if target.get(dst, ctx.now_ms) is not None:
        if not replace:
            return 0
        target.delete(dst)
    copied = copy_value(value)
    target.set(dst, copied, ctx.db.expires.get(src))
    field_ttls = ctx.db.field_ttls.of(src)
    if field_ttls:
        target.field_ttls.set_all(dst, copied, field_ttls)
    target.touched(dst, "copy_to")
    return 1


@group.command("MOVE", 3, Flag.WRITE | Flag.FAST, KeySpec(1, 1, 1),
               summary="Moves a key to another database.")
def move(ctx: CommandContext, argv: list[bytes]) -> Any:
    key = argv[1]
    target = _target_db(ctx, argv[2])
    source = ctx.db
    if target is source:
        raise RedVectorError(SAME_OBJECT_MSG)
    value = source.get(key, ctx.now_ms)
    if value is None or target.get(key, ctx.now_ms) is not None:
        return 0
    expire_at_ms = source.expires.get(key)
    field_ttls = source.field_ttls.take(key)
    source.delete(key)
    source.touched(key, "move_from")
    target.set(key, value, expire_at_ms)
    if field_ttls:
        target.field_ttls.set_all(key, value, field_ttls)
    target.touched(key, "move_to")
    return 1
