"""RediSearch's internal and deprecated commands: the ``FT._*IFNX`` / ``FT._*IFX`` forms (replica-of
support: OK when there is nothing to do, else the public command), FT.SAFEADD (FT.ADD) and FT.SYNADD
(no longer supported)."""

from __future__ import annotations

from typing import Any

from redvector.commands.context import CommandContext
from redvector.commands.search.common import group, registry
from redvector.commands.search.indexes import ft_aliasadd, ft_aliasdel, ft_alter, ft_create, ft_dropindex
from redvector.commands.search.legacy import ft_add, ft_drop
from redvector.commands.spec import Flag, KeySpec
from redvector.errors import SearchError, WrongArity
from redvector.replies import OK

FT = Flag.MODULE
_NO_KEYS = KeySpec(0, 0, 0)


@group.command("FT._CREATEIFNX", -2, Flag.WRITE | Flag.DENYOOM | FT, _NO_KEYS,
               summary="Create an index unless one has that name")
def ft_createifnx(ctx: CommandContext, argv: list[bytes]) -> Any:
    if len(argv) < 5:
        raise WrongArity("FT._CREATEIFNX", exact=True)
    if argv[1] in registry(ctx).indexes:
        return OK
    return ft_create(ctx, argv)


def _added_field(argv: list[bytes]) -> bytes | None:
    """The field FT.ALTER ... SCHEMA ADD <field> ... adds."""
    for i, arg in enumerate(argv[2:-1], 2):
        if arg.upper() == b"ADD":
            return argv[i + 1]
    return None


@group.command("FT._ALTERIFNX", -3, Flag.WRITE | FT, _NO_KEYS, summary="Add a field unless the index has it")
def ft_alterifnx(ctx: CommandContext, argv: list[bytes]) -> Any:
    if len(argv) < 5:
        raise WrongArity("FT._ALTERIFNX", exact=True)
    index = registry(ctx).get(argv[1])
    field = _added_field(argv)
    if index is not None and field is not None and index.definition.field(field) is not None:
        return OK
    return ft_alter(ctx, argv)


@group.command("FT._ALIASADDIFNX", 3, Flag.WRITE | FT, _NO_KEYS,
               summary="Add an alias unless it already names that index")
def ft_aliasaddifnx(ctx: CommandContext, argv: list[bytes]) -> Any:
    if registry(ctx).aliases.get(argv[1]) == argv[2]:
        return OK
    return ft_aliasadd(ctx, argv)


@group.command("FT._ALIASDELIFX", 2, Flag.WRITE | FT, _NO_KEYS, summary="Remove an alias if it exists")
def ft_aliasdelifx(ctx: CommandContext, argv: list[bytes]) -> Any:
    if argv[1] not in registry(ctx).aliases:
        return OK
    return ft_aliasdel(ctx, argv)


@group.command("FT._DROPINDEXIFX", -2, Flag.WRITE | FT, _NO_KEYS, summary="Drop an index if it exists")
def ft_dropindexifx(ctx: CommandContext, argv: list[bytes]) -> Any:
    if registry(ctx).get(argv[1]) is None:
        return OK
    return ft_dropindex(ctx, argv)


@group.command("FT._DROPIFX", -2, Flag.WRITE | FT, _NO_KEYS, summary="Drop an index (legacy) if it exists")
def ft_dropifx(ctx: CommandContext, argv: list[bytes]) -> Any:
    if registry(ctx).get(argv[1]) is None:
        return OK
    return ft_drop(ctx, argv)


@group.command("FT.SAFEADD", -5, Flag.WRITE | Flag.DENYOOM | FT, KeySpec(2, 2, 1),
               summary="Add a document (legacy), as FT.ADD")
def ft_safeadd(ctx: CommandContext, argv: list[bytes]) -> Any:
    return ft_add(ctx, argv)


@group.command("FT.SYNADD", -1, Flag.WRITE | FT, _NO_KEYS, summary="No longer supported: FT.SYNUPDATE")
def ft_synadd(ctx: CommandContext, argv: list[bytes]) -> Any:
    raise SearchError("No longer suppoted, use FT.SYNUPDATE")  # sic, RediSearch's text
