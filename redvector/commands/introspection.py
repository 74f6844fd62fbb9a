"""COMMAND, COMMAND COUNT/INFO/DOCS/LIST/GETKEYS: rendered from the command table."""

from __future__ import annotations

from typing import Any

from redvector.commands.context import CommandContext
from redvector.commands.spec import FLAG_NAMES, CommandGroup, CommandSpec, Flag
from redvector.errors import RedVectorError, UnknownSubcommand
from redvector.keyspace.glob import glob_match
from redvector.replies import NULL_ARRAY, Map, SetReply, SimpleString

group = CommandGroup("server")


def command_info(spec: CommandSpec) -> list[Any]:
    flags = [SimpleString(name.encode()) for flag, name in FLAG_NAMES.items() if spec.flags & flag]
    keys = spec.keys
    return [
        spec.name.lower().encode(), spec.arity, SetReply(flags), keys.first, keys.last, keys.step,
        SetReply([]), [], [], [],
    ]


@group.command("COMMAND", -1, Flag.LOADING | Flag.STALE,
               subcommands=("COUNT", "INFO", "DOCS", "LIST", "GETKEYS", "HELP"),
               summary="Returns detailed information about all commands.")
def command(ctx: CommandContext, argv: list[bytes]) -> Any:
    table = ctx.dispatcher.table
    if len(argv) == 1:
        return [command_info(spec) for spec in table]
    sub = argv[1].upper()
    if sub == b"COUNT":
        return len(table)
    if sub == b"INFO":
        if len(argv) == 2:
            return [command_info(spec) for spec in table]
        return [command_info(s) if (s := table.lookup(name)) else NULL_ARRAY for name in argv[2:]]
    if sub == b"DOCS":
        names = argv[2:] or [s.name.encode() for s in table]
        out: list[tuple[Any, Any]] = []
        for name in names:
            spec = table.lookup(name)
            if spec is not None:
                out.append((spec.name.lower().encode(), Map([
                    ("summary", spec.summary or spec.name), ("since", spec.since), ("group", spec.group),
                ])))
        return Map(out)
    if sub == b"LIST":
        names = [s.name.lower().encode() for s in table]
        if len(argv) >= 5 and argv[2].upper() == b"FILTERBY":
            kind, value = argv[3].upper(), argv[4]
            if kind == b"PATTERN":
                names = [n for n in names if glob_match(value.lower(), n)]
            elif kind == b"ACLCAT":
                names = [s.name.lower().encode() for s in table if s.group.encode() == value.lower()]
            elif kind == b"MODULE":
                names = [s.name.lower().encode() for s in table if s.flags & Flag.MODULE] if value == b"search" else []
        return names
    if sub == b"GETKEYS" or sub == b"GETKEYSANDFLAGS":
        if len(argv) < 3:
            raise RedVectorError("wrong number of arguments for 'command|getkeys' command")
        spec = table.lookup(argv[2])
        if spec is None:
            raise RedVectorError("Invalid command specified")
        if not spec.arity_ok(len(argv) - 2):
            raise RedVectorError("Invalid number of arguments specified for command")
        keys = spec.key_args(argv[2:])
        if not keys:
            raise RedVectorError("The command has no key arguments")
        return keys
    if sub == b"HELP":
        return [b"COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
                b"(no subcommand)", b"COUNT", b"DOCS [<command-name> ...]", b"GETKEYS <full-command>",
                b"INFO [<command-name> ...]", b"LIST [FILTERBY (MODULE <module-name>|ACLCAT <category>|PATTERN <pattern>)]"]
    raise UnknownSubcommand("command", argv[1])
