"""MULTI EXEC DISCARD WATCH UNWATCH. Queueing and EXEC live in the dispatcher (EXEC re-enters call)."""

from __future__ import annotations

from typing import Any

from redvector.commands.context import CommandContext
from redvector.commands.spec import CommandGroup, Flag, KeySpec
from redvector.errors import RedVectorError
from redvector.replies import OK

group = CommandGroup("transactions")

_TX = Flag.NOSCRIPT | Flag.LOADING | Flag.STALE | Flag.FAST | Flag.TX_CONTROL


@group.command("MULTI", 1, _TX | Flag.ALLOW_BUSY, summary="Starts a transaction.", since="1.2.0")
def multi(ctx: CommandContext, argv: list[bytes]) -> Any:
    if ctx.client.multi is not None:
        raise RedVectorError("MULTI calls can not be nested")
    ctx.dispatcher.begin_multi(ctx.client)
    return OK


@group.command("EXEC", 1, Flag.NOSCRIPT | Flag.LOADING | Flag.STALE | Flag.SKIP_SLOWLOG | Flag.TX_CONTROL,
               summary="Executes all commands in a transaction.", since="1.2.0")
def exec_(ctx: CommandContext, argv: list[bytes]) -> Any:
    if ctx.client.multi is None:
        raise RedVectorError("EXEC without MULTI")
    ctx.aof_argv = []  # exec_multi propagates the transaction's writes itself, wrapped in MULTI/EXEC
    return ctx.dispatcher.exec_multi(ctx.client)


@group.command("DISCARD", 1, _TX | Flag.ALLOW_BUSY, summary="Discards a transaction.", since="2.0.0")
def discard(ctx: CommandContext, argv: list[bytes]) -> Any:
    if ctx.client.multi is None:
        raise RedVectorError("DISCARD without MULTI")
    ctx.client.multi = None
    ctx.server.watches.unwatch_all(ctx.client)
    return OK


@group.command("WATCH", -2, _TX | Flag.ALLOW_BUSY, KeySpec(1, -1, 1),
               summary="Monitors changes to keys to determine the execution of a transaction.", since="2.2.0")
def watch(ctx: CommandContext, argv: list[bytes]) -> Any:
    if ctx.client.multi is not None:
        raise RedVectorError("WATCH inside MULTI is not allowed")
    for key in argv[1:]:
        # A key that is already logically expired counts as changed if it disappears later (Redis 7).
        ctx.db.get(key, ctx.now_ms)
        ctx.server.watches.watch(ctx.client, ctx.client.db_index, key)
    return OK


# Not TX_CONTROL: inside MULTI, Redis queues UNWATCH like any command (EXEC has unwatched already).
@group.command("UNWATCH", 1, Flag.NOSCRIPT | Flag.LOADING | Flag.STALE | Flag.FAST | Flag.ALLOW_BUSY,
               summary="Forgets about watched keys of a transaction.", since="2.2.0")
def unwatch(ctx: CommandContext, argv: list[bytes]) -> Any:
    ctx.server.watches.unwatch_all(ctx.client)
    return OK
