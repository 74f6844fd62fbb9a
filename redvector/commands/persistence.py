"""SAVE BGSAVE BGREWRITEAOF WAITAOF: the persistence commands (the work is in redvector/persistence).

LASTSAVE (commands/server_extra.py) reads server.stats.last_save_time, which persistence updates.
"""

from __future__ import annotations

from typing import Any

from redvector.commands.args import parse_int
from redvector.commands.context import CommandContext
from redvector.commands.spec import CommandGroup, Flag
from redvector.errors import RedVectorError, SyntaxErr
from redvector.persistence.manager import Persistence
from redvector.replies import OK, Blocked, SimpleString

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



def wait_timeout(arg: bytes) -> int:
    timeout = parse_int(arg)
    if timeout < 0:
        raise RedVectorError("timeout is negative")
    return timeout


@group.command("WAITAOF", 4, Flag.NOSCRIPT, since="7.2.0",
               summary="Blocks until all of the preceding write commands sent by the connection are written to the append-only file of the master and/or replicas.")
def waitaof(ctx: CommandContext, argv: list[bytes]) -> Any:
    """[local fsyncs, replica fsyncs]: the AOF is written and fsynced now when ``numlocal`` asks for it
    (so every write this client made is on disk); no replicas ever acknowledge."""
    numlocal, numreplicas = parse_int(argv[1]), parse_int(argv[2])
    timeout = wait_timeout(argv[3])
    local = 0
    if numlocal > 0:
        writer = persistence_of(ctx).writer if ctx.server.config["appendonly"] else None
        if writer is None:
            raise RedVectorError("WAITAOF cannot be used when numlocal is set but appendonly is disabled.")
        writer.sync_now()
        local = 1
    if numreplicas > 0:
        return Blocked((), timeout, [local, 0])
    return [local, 0]
