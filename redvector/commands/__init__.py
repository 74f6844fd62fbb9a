"""The command layer: one spec + one handler per command, grouped by family, listed explicitly here."""

from __future__ import annotations

from redvector.commands import (
    bits,
    client,
    connection,
    info,
    introspection,
    keys,
    keys_extra,
    lcs,
    server_admin,
    server_extra,
    strings,
    transactions,
)
from redvector.commands.spec import CommandGroup, CommandTable

GROUPS: list[CommandGroup] = [
    connection.group,
    client.group,
    strings.group,
    bits.group,
    lcs.group,
    keys.group,
    keys_extra.group,
    server_admin.group,
    server_extra.group,
    info.group,
    introspection.group,
    transactions.group,
]


def build_table(groups: list[CommandGroup] | None = None) -> CommandTable:
    return CommandTable.of(*(groups if groups is not None else GROUPS))
