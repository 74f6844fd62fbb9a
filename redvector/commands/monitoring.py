"""MONITOR and SLOWLOG (the log itself is server/command_log.py; the dispatcher feeds it)."""

from __future__ import annotations

from typing import Any

from redvector.commands.args import parse_int
from redvector.commands.context import CommandContext
from redvector.commands.spec import CommandGroup, Flag, Sub
from redvector.errors import RedVectorError, UnknownSubcommand
from redvector.replies import OK

group = CommandGroup("monitoring")


@group.command("MONITOR", 1, Flag.ADMIN | Flag.NOSCRIPT | Flag.LOADING | Flag.STALE, since="1.0.0",
               summary="Listens for all requests received by the server in real-time.")
def monitor(ctx: CommandContext, argv: list[bytes]) -> Any:
    log = ctx.server.command_log
    client = ctx.client
    if client.internal:
        raise RedVectorError("MONITOR is only available on RESP connections")
    log.add_monitor(client)
    return OK


_SLOWLOG_HELP = [
    b"SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    b"GET [<count>]",
    b"    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
    b"    Entries are made of:",
    b"    id, timestamp, time in microseconds, arguments array, client IP and port,",
    b"    client name",
    b"LEN",
    b"    Return the length of the slowlog.",
    b"RESET",
    b"    Reset the slowlog.",
    b"HELP",
    b"    Print this help.",
]


# SLOWLOG's subcommands as Redis 7.4 declares them (COMMAND INFO slowlog|<sub>).
_SLOWLOG_SUBS = (
    Sub("GET", -2, Flag.ADMIN | Flag.LOADING | Flag.STALE, since="2.2.12",
        summary="Returns the slow log's entries."),
    Sub("LEN", 2, Flag.ADMIN | Flag.LOADING | Flag.STALE, since="2.2.12",
        summary="Returns the number of entries in the slow log."),
    Sub("RESET", 2, Flag.ADMIN | Flag.LOADING | Flag.STALE, since="2.2.12",
        summary="Clears all entries from the slow log."),
    Sub("HELP", 2, Flag.LOADING | Flag.STALE, since="6.2.0",
        summary="Show helpful text about the different subcommands"),
)


@group.command("SLOWLOG", -2, Flag.ADMIN | Flag.LOADING | Flag.STALE, since="2.2.12",
               subcommands=_SLOWLOG_SUBS, summary="A container for slow log commands.")
def slowlog(ctx: CommandContext, argv: list[bytes]) -> Any:
    log = ctx.server.command_log
    sub = argv[1].upper()
    if sub == b"GET" and len(argv) <= 3:
        count = 10
        if len(argv) == 3:
            count = parse_int(argv[2])
            if count < -1:
                raise RedVectorError("count should be greater than or equal to -1")
            if count == -1:
                count = len(log.slowlog)
        return [entry.reply() for entry in list(log.slowlog)[:count]]
    if sub == b"LEN" and len(argv) == 2:
        return len(log.slowlog)
    if sub == b"RESET" and len(argv) == 2:
        log.slowlog.clear()
        return OK
    if sub == b"HELP" and len(argv) == 2:
        return list(_SLOWLOG_HELP)
    raise UnknownSubcommand("SLOWLOG", argv[1])
