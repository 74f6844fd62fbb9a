"""Index lifecycle: FT.CREATE, FT.DROPINDEX, FT._LIST, FT.ALTER, FT.TAGVALS, FT.ALIAS*, FT.CONFIG.

Index definitions are not keys, so these handlers bump the keyspace's dirty counter themselves: the
dispatcher then logs them to the AOF like any write.
"""

from __future__ import annotations

import asyncio
from typing import Any

from redvector.commands.context import CommandContext
from redvector.commands.search.common import S, get_index, group, registry
from redvector.commands.spec import Flag, KeySpec
from redvector.errors import RedVectorError, SearchError, WrongArity
from redvector.replies import OK, ByProtocol, Map, SetReply
from redvector.search.index import SearchIndex
from redvector.search.schema import FieldType, parse_alter, parse_create

FT = Flag.MODULE


def _mark_dirty(ctx: CommandContext) -> None:
    ctx.server.keyspace.dirty += 1


def drive_scan(ctx: CommandContext, index: SearchIndex) -> None:
    """Finish an initial scan in chunks on the event loop (FT.INFO shows ``indexing`` meanwhile); without
    a running loop (loading, internal callers) finish it now."""
    reg = registry(ctx)
    if index.scan is None:
        return
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        while not reg.indexer.scan_step(index):
            pass
        return

    def step() -> None:
        if reg.get(index.name) is not index:
            return
        if not reg.indexer.scan_step(index):
            loop.call_soon(step)

    loop.call_soon(step)


@group.command("FT.CREATE", -2, Flag.WRITE | Flag.DENYOOM | FT, KeySpec(0, 0, 0), summary="Create an index")
def ft_create(ctx: CommandContext, argv: list[bytes]) -> Any:
    if len(argv) < 5:  # RediSearch's own check: an index name and at least SCHEMA <field> <type>
        raise WrongArity("FT.CREATE", exact=True)
    reg = registry(ctx)
    if reg.get(argv[1]) is not None and argv[1] in reg.indexes:
        raise SearchError("Index already exists")
    definition = parse_create(argv)
    index = reg.create(definition, ctx.client.db_index)
    drive_scan(ctx, index)
    _mark_dirty(ctx)
    return OK


@group.command("FT.DROPINDEX", -2, Flag.WRITE | FT, KeySpec(0, 0, 0), summary="Drop an index [and its documents]")
def ft_dropindex(ctx: CommandContext, argv: list[bytes]) -> Any:
    if len(argv) > 3:
        raise RedVectorError("wrong number of arguments for 'FT.DROPINDEX' command")
    delete_docs = False
    if len(argv) == 3:
        if argv[2].upper() != b"DD":
            raise SearchError(f"Unknown argument `{argv[2].decode('utf-8', 'replace')}`")
        delete_docs = True
    index = get_index(ctx, argv[1], "drop")
    drop_index(ctx, index, delete_docs)
    return OK


def drop_index(ctx: CommandContext, index: SearchIndex, delete_docs: bool) -> None:
    reg = registry(ctx)
    reg.drop(index.name)
    if delete_docs:
        db = index.db
        for key in list(index.key_to_id):
            if db.delete(key):
                db.touched(key, "del")
    _mark_dirty(ctx)


@group.command("FT._LIST", 1, Flag.READONLY | FT, KeySpec(0, 0, 0), summary="List the indexes")
def ft_list(ctx: CommandContext, argv: list[bytes]) -> Any:
    return SetReply([S(n) if b"\r" not in n and b"\n" not in n else n for n in registry(ctx).names()])


@group.command("FT.ALTER", -3, Flag.WRITE | FT, KeySpec(0, 0, 0), summary="Add fields to an index schema")
def ft_alter(ctx: CommandContext, argv: list[bytes]) -> Any:
    index = get_index(ctx, argv[1], "info")
    fields = parse_alter(index.definition, argv)
    index.add_fields(fields, argv)
    skip = len(argv) > 2 and argv[2].upper() == b"SKIPINITIALSCAN"
    if not skip:
        reg = registry(ctx)
        reg.indexer.start_scan(index, force=True)
        scan = index.scan
        if scan is not None and len(scan.keys) <= 10000:
            reg.indexer.scan_step(index, len(scan.keys) + 1)
        drive_scan(ctx, index)
    _mark_dirty(ctx)
    return OK


@group.command("FT.TAGVALS", 3, Flag.READONLY | FT, KeySpec(0, 0, 0), summary="Distinct values of a TAG field")
def ft_tagvals(ctx: CommandContext, argv: list[bytes]) -> Any:
    index = get_index(ctx, argv[1])
    spec = index.definition.field(argv[2])
    if spec is None:
        raise SearchError("No such field")
    if spec.type is not FieldType.TAG:
        raise SearchError("Not a tag field")
    return SetReply(sorted(index.tags[spec.name].tag_values()))


@group.command("FT.ALIASADD", 3, Flag.WRITE | FT, KeySpec(0, 0, 0), summary="Add an alias to an index")
def ft_aliasadd(ctx: CommandContext, argv: list[bytes]) -> Any:
    reg = registry(ctx)
    if argv[1] in reg.aliases or argv[1] in reg.indexes:
        raise SearchError("Alias already exists")
    index = reg.indexes.get(argv[2])
    if index is None:
        raise SearchError("Unknown index name (or name is an alias itself)")
    reg.aliases[argv[1]] = index.name
    _mark_dirty(ctx)
    return OK


@group.command("FT.ALIASUPDATE", 3, Flag.WRITE | FT, KeySpec(0, 0, 0), summary="Point an alias at an index")
def ft_aliasupdate(ctx: CommandContext, argv: list[bytes]) -> Any:
    reg = registry(ctx)
    index = reg.indexes.get(argv[2])
    if index is None:
        raise SearchError("Unknown index name (or name is an alias itself)")
    if argv[1] in reg.indexes:
        raise SearchError("Alias already exists")
    reg.aliases[argv[1]] = index.name
    _mark_dirty(ctx)
    return OK


@group.command("FT.ALIASDEL", 2, Flag.WRITE | FT, KeySpec(0, 0, 0), summary="Remove an alias")
def ft_aliasdel(ctx: CommandContext, argv: list[bytes]) -> Any:
    reg = registry(ctx)
    if argv[1] not in reg.aliases:
        raise SearchError("Alias does not exist")
    del reg.aliases[argv[1]]
    _mark_dirty(ctx)
    return OK


_SAME_OPTION = {"MAXEXPANSIONS": "MAXPREFIXEXPANSIONS", "MAXPREFIXEXPANSIONS": "MAXEXPANSIONS"}


@group.command("FT.CONFIG", -3, Flag.ADMIN | FT, KeySpec(0, 0, 0), summary="Get or set search options")
def ft_config(ctx: CommandContext, argv: list[bytes]) -> Any:
    reg = registry(ctx)
    sub = argv[1].decode("latin-1").upper()
    name = argv[2].decode("utf-8", "replace").upper()
    if sub == "GET":
        if len(argv) != 3:
            raise SearchError("wrong number of arguments for 'FT.CONFIG' command")
        if name == "*":
            items = list(reg.config.items())
        elif name in reg.config:
            items = [(name, reg.config[name])]
        else:
            items = []
        resp2 = [[k.encode(), v.encode() if v else None] for k, v in items]
        resp3 = Map([(S(k.encode()), v.encode() if v else None) for k, v in items])
        return ByProtocol(resp2, resp3)
    if sub == "SET":
        if len(argv) < 4:
            raise SearchError("wrong number of arguments for 'FT.CONFIG' command")
        if name not in reg.config:
            raise SearchError("Invalid option")
        value = argv[3].decode("utf-8", "replace")
        if name in ("DEFAULT_DIALECT",):
            if value not in ("1", "2", "3", "4"):
                raise SearchError("Invalid option")
        elif name in ("TIMEOUT", "MAXSEARCHRESULTS", "MINPREFIX", "MAXEXPANSIONS", "MAXPREFIXEXPANSIONS",
                      "WORKERS"):
            if not value.isdigit():
                raise SearchError("Could not convert argument to expected type")
        if name in _SAME_OPTION:  # MAXEXPANSIONS is the old name of MAXPREFIXEXPANSIONS: one setting
            reg.config[_SAME_OPTION[name]] = value
        reg.config[name] = value
        return OK
    if sub == "HELP":
        return [[k.encode(), b"Description", b"", b"Value", v.encode()] for k, v in reg.config.items() if k == name]
    raise SearchError("Unknown subcommand")
