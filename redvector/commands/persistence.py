"""SAVE BGSAVE BGREWRITEAOF: the persistence commands (the work is in redvector/persistence).

LASTSAVE (commands/server_extra.py) reads server.stats.last_save_time, which persistence updates.
"""

from __future__ import annotations

from typing import Any

from redvector.commands.context import CommandContext
from redvector.commands.spec import CommandGroup, Flag
from redvector.errors import RedVectorError, SyntaxErr
from redvector.persistence.manager import Persistence
from redvector.replies import OK, SimpleString

group = CommandGroup("server")

_ADMIN = Flag.ADMIN | Flag.NOSCRIPT


def persistence_of(ctx: CommandContext) -> Persistence:
    manager = ctx.server.extensions.get("persistence")
    if manager is None:
        raise RedVectorError("persistence is not available in this server")
    assert isinstance(manager, Persistence)
    return manager


@group.command("SAVE", 1, _ADMIN | Flag.NO_MULTI, summary="Synchronously saves the database(s) to disk.")
def save(ctx: CommandContext, argv: list[bytes]) -> Any:
    persistence_of(ctx).save()
    return OK


@group.command("BGSAVE", -1, _ADMIN, summary="Asynchronously saves the database(s) to disk.")
def bgsave(ctx: CommandContext, argv: list[bytes]) -> Any:
    schedule = False
    if len(argv) == 2 and argv[1].upper() == b"SCHEDULE":
        schedule = True
    elif len(argv) > 1:
        raise SyntaxErr()
    return SimpleString(persistence_of(ctx).bgsave(schedule).encode())


@group.command("BGREWRITEAOF", 1, _ADMIN, summary="Asynchronously rewrites the append-only file to disk.")
def bgrewriteaof(ctx: CommandContext, argv: list[bytes]) -> Any:
    return SimpleString(persistence_of(ctx).bgrewriteaof().encode())

