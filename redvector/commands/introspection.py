"""COMMAND, COMMAND COUNT/INFO/DOCS/LIST/GETKEYS: rendered from the command table."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from redvector.commands.acl import categories as acl_categories
from redvector.commands.args import subcommand
from redvector.commands.context import CommandContext
from redvector.commands.spec import FLAG_NAMES, CommandGroup, CommandSpec, CommandTable, Flag
from redvector.errors import RedVectorError, SyntaxErr
from redvector.keyspace.glob import glob_match
from redvector.replies import Map, SetReply, SimpleString

group = CommandGroup("server")

# MODULE LIST's names (any case) -> the prefix of their commands.
_MODULES = {"search": "FT.", "rejson": "JSON."}
_MODULE_PREFIXES = tuple(_MODULES.values())

_ARITIES = {b"COUNT": 2, b"INFO": -2, b"DOCS": -2, b"LIST": -2, b"GETKEYS": -3, b"GETKEYSANDFLAGS": -3, b"HELP": 2}

_HELP = [
    b"COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    b"(no subcommand)",
    b"    Return details about all Redis commands.",
    b"COUNT",
    b"    Return the total number of commands in this Redis server.",
    b"LIST",
    b"    Return a list of all commands in this Redis server.",
    b"INFO [<command-name> ...]",
    b"    Return details about multiple Redis commands.",
    b"    If no command names are given, documentation details for all",
    b"    commands are returned.",
    b"DOCS [<command-name> ...]",
    b"    Return documentation details about multiple Redis commands.",
    b"    If no command names are given, documentation details for all",
    b"    commands are returned.",
    b"GETKEYS <full-command>",
    b"    Return the keys from a full Redis command.",
    b"GETKEYSANDFLAGS <full-command>",
    b"    Return the keys and the access flags from a full Redis command.",
    b"HELP",
    b"    Print this help.",
]


def command_info(spec: CommandSpec) -> list[Any]:
    flags = [SimpleString(name.encode()) for flag, name in FLAG_NAMES.items() if spec.flags & flag]
    keys = spec.keys
    return [
        spec.display.encode(), spec.arity, SetReply(flags), keys.first, keys.last, keys.step,
        SetReply([]), [], [], [],
    ]


def _full_names(table: CommandTable) -> Iterator[tuple[str, CommandSpec]]:
    """Every command and container subcommand by its full name (``acl``, ``acl|cat``), with its spec."""
    for spec in table:
        yield spec.display, spec
        for sub in spec.subcommands:
            yield f"{spec.display}|{sub.lower()}", spec


def command_list(table: CommandTable, args: list[bytes]) -> list[bytes]:
    """COMMAND LIST [FILTERBY MODULE <name> | ACLCAT <category> | PATTERN <pattern>]: commands and
    container subcommands; a pattern matches the full name in any case. A subcommand is in the ACL categories of its container (the table keeps none per subcommand)."""
    kind, value = b"", b""
    for i in range(0, len(args), 3):
        if args[i].upper() != b"FILTERBY" or len(args) - i - 1 != 2 \
                or args[i + 1].upper() not in (b"MODULE", b"ACLCAT", b"PATTERN"):
            raise SyntaxErr()
        kind, value = args[i + 1].upper(), args[i + 2]
    text = value.decode("latin-1").lower()
    out = []
    for name, spec in _full_names(table):
        if kind == b"MODULE":
            prefix = _MODULES.get(text)
            keep = prefix is not None and spec.name.startswith(prefix)
        elif kind == b"ACLCAT":
            keep = text in acl_categories(spec)
        elif kind == b"PATTERN":
            keep = glob_match(value, name.encode(), nocase=True)
        else:
            keep = True
        if keep:
            out.append(name.encode())
    return out


@group.command("COMMAND", -1, Flag.LOADING | Flag.STALE,
               subcommands=tuple(sub.decode() for sub in _ARITIES),
               summary="Returns detailed information about all commands.")
def command(ctx: CommandContext, argv: list[bytes]) -> Any:
    table = ctx.dispatcher.table
    if len(argv) == 1:
        return [command_info(spec) for spec in table]
    sub = subcommand(argv, _ARITIES, "command")
    if sub == b"COUNT":
        return len(table)
    if sub == b"INFO":
        if len(argv) == 2:
            return [command_info(spec) for spec in table]
        return [command_info(s) if (s := table.lookup(name)) else None for name in argv[2:]]
    if sub == b"DOCS":
        names = argv[2:] or [s.name.encode() for s in table]
        out: list[tuple[Any, Any]] = []
        for name in names:
            spec = table.lookup(name)
            if spec is not None:
                out.append((spec.display.encode(), Map([
                    ("summary", spec.summary or spec.name), ("since", spec.since),
                    ("group", "module" if spec.name.startswith(_MODULE_PREFIXES) else spec.group),
                ])))
        return Map(out)
    if sub == b"LIST":
        return command_list(table, argv[2:])
    if sub == b"GETKEYS" or sub == b"GETKEYSANDFLAGS":
        spec = table.lookup(argv[2])
        if spec is None:
            raise RedVectorError("Invalid command specified")
        if not spec.arity_ok(len(argv) - 2):
            raise RedVectorError("Invalid number of arguments specified for command")
        keys = spec.key_args(argv[2:])
        if not keys:
            raise RedVectorError("The command has no key arguments")
        return keys
    return [SimpleString(line) for line in _HELP]
