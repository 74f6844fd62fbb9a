"""The command layer: one spec + one handler per command, grouped by family, listed explicitly here."""

from __future__ import annotations

from redvector.commands import (
    connection,
    info,
    introspection,
    keys,
    persistence,
    server_admin,
    strings,
    transactions,
)
from redvector.commands.spec import CommandGroup, CommandTable

GROUPS: list[CommandGroup] = [
    connection.group,
    strings.group,
    keys.group,
    server_admin.group,
    info.group,
    introspection.group,
    transactions.group,
    persistence.group,
]


def build_table(groups: list[CommandGroup] | None = None) -> CommandTable:
    return CommandTable.of(*(groups if groups is not None else GROUPS))
