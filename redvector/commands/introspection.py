"""COMMAND, COMMAND COUNT/INFO/DOCS/LIST/GETKEYS: rendered from the command table."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from redvector.commands.acl import categories as acl_categories
from redvector.commands.args import subcommand
from redvector.commands.context import CommandContext
from redvector.commands.spec import (
    FLAG_NAMES,
    NO_KEYS,
    CommandGroup,
    CommandSpec,
    CommandTable,
    Flag,
    Sub,
    sub_arities,
)
from redvector.errors import RedVectorError, SyntaxErr
from redvector.keyspace.glob import glob_match
from redvector.replies import Map, SetReply, SimpleString
from redvector.server.acl import CATEGORIES

group = CommandGroup("server")

# MODULE LIST's names (any case) -> the prefix of their commands.
_MODULES = {"search": "FT.", "rejson": "JSON."}
# MODULE LIST's spelling of each module -> the prefix of its commands (COMMAND DOCS).
_MODULE_DOCS = {"search": "FT.", "ReJSON": "JSON."}


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
    """COMMAND INFO's entry. A container shows its own flags (``info_flags``), no keys, Redis's @slow and
    its subcommands' entries."""
    container = spec.info_flags is not None
    shown = spec.info_flags if spec.info_flags is not None else spec.flags
    flags = [SimpleString(name.encode()) for flag, name in FLAG_NAMES.items() if shown & flag]
    keys = NO_KEYS if container else spec.keys
    cats = _info_categories(spec)
    return [
        spec.display.encode(), spec.arity, SetReply(flags), keys.first, keys.last, keys.step,
        SetReply([SimpleString(b"@" + c.encode()) for c in CATEGORIES if c in cats]), SetReply([]), SetReply([]),
        SetReply([command_info(sub) for sub in spec.sub_specs]),
    ]


def _info_categories(spec: CommandSpec) -> frozenset[str] | set[str]:
    """The ACL categories COMMAND INFO shows. ACL checks go by the container's (``acl.categories``); Redis
    shows a container as @slow only (COMMAND: @connection too), and a subcommand by its own flags: @read
    when read-only, @pubsub only with the pubsub flag."""
    connection = spec.name.partition("|")[0] == "COMMAND"
    if spec.info_flags is not None:
        return {"slow", "connection"} if connection else {"slow"}
    cats = acl_categories(spec)
    if "|" not in spec.name:
        return cats
    out = set(cats)
    if spec.flags & Flag.READONLY:
        out.add("read")
    if not spec.flags & Flag.PUBSUB:
        out.discard("pubsub")
    if connection:
        out.add("connection")
    return out


def command_docs(spec: CommandSpec) -> Map:
    """COMMAND DOCS's entry: summary, since, group (and a container's subcommands); a module's command
    has its group and module only, as RediSearch and RedisJSON register no docs."""
    for module, prefix in _MODULE_DOCS.items():
        if spec.name.startswith(prefix):
            return Map([("group", "module"), ("module", module)])
    fields: list[tuple[Any, Any]] = [("summary", spec.summary or spec.name), ("since", spec.since),
                                     ("group", spec.group)]
    if spec.sub_specs:
        fields.append(("subcommands", Map([(sub.display.encode(), command_docs(sub)) for sub in spec.sub_specs])))
    return Map(fields)


def _full_names(table: CommandTable) -> Iterator[tuple[str, CommandSpec]]:
    """Every command and container subcommand by its full name (``acl``, ``acl|cat``), with its spec."""
    for spec in table:
        yield spec.display, spec
        for sub in spec.sub_specs:
            yield sub.display, spec


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


# COMMAND's subcommands as Redis 7.4 declares them (COMMAND INFO command|<sub>).
_COMMAND_SUBS = (
    Sub("COUNT", 2, Flag.LOADING | Flag.STALE, since="2.8.13", summary="Returns a count of commands."),
    Sub("INFO", -2, Flag.LOADING | Flag.STALE, since="2.8.13",
        summary="Returns information about one, multiple or all commands."),
    Sub("DOCS", -2, Flag.LOADING | Flag.STALE, since="7.0.0",
        summary="Returns documentary information about one, multiple or all commands."),
    Sub("LIST", -2, Flag.LOADING | Flag.STALE, since="7.0.0", summary="Returns a list of command names."),
    Sub("GETKEYS", -3, Flag.LOADING | Flag.STALE, since="2.8.13",
        summary="Extracts the key names from an arbitrary command."),
    Sub("GETKEYSANDFLAGS", -3, Flag.LOADING | Flag.STALE, since="7.0.0",
        summary="Extracts the key names and access flags for an arbitrary command."),
    Sub("HELP", 2, Flag.LOADING | Flag.STALE, since="5.0.0",
        summary="Returns helpful text about the different subcommands."),
)
_ARITIES = sub_arities(_COMMAND_SUBS)


@group.command("COMMAND", -1, Flag.LOADING | Flag.STALE,
               subcommands=_COMMAND_SUBS, container_flags=Flag.LOADING | Flag.STALE,
               summary="Returns detailed information about all commands.", since="2.8.13")
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
        return [command_info(s) if (s := table.lookup_full(name)) else None for name in argv[2:]]
    if sub == b"DOCS":
        specs = [table.lookup_full(name) for name in argv[2:]] if len(argv) > 2 else list(table)
        return Map([(spec.display.encode(), command_docs(spec)) for spec in specs if spec is not None])
    if sub == b"LIST":
        return command_list(table, argv[2:])
    if sub == b"GETKEYS" or sub == b"GETKEYSANDFLAGS":
        spec = table.lookup(argv[2])
        if spec is not None and spec.sub_specs:  # a container's keys are its subcommand's
            name = argv[2] + b"|" + argv[3] if len(argv) > 3 else b""
            spec = table.lookup_full(name) if name else spec
        if spec is None:
            raise RedVectorError("Invalid command specified")
        if spec.sub_specs or (spec.keys.first == 0 and spec.getkeys is None):  # Redis checks this first
            raise RedVectorError("The command has no key arguments")
        if not spec.arity_ok(len(argv) - 2):
            raise RedVectorError("Invalid number of arguments specified for command")
        keys = spec.key_args(argv[2:])
        if not keys:
            raise RedVectorError("The command has no key arguments")
        return keys
    return [SimpleString(line) for line in _HELP]
