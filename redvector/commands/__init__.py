"""The command layer: one spec + one handler per command, grouped by family, listed explicitly here."""

from __future__ import annotations

from redvector.commands import (
    connection,
    info,
    introspection,
    keys,
    pubsub,
    server_admin,
    sorted_sets,
    sorted_sets_algebra,
    sorted_sets_pop,
    sorted_sets_range,
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
    sorted_sets.group,
    sorted_sets_range.group,
    sorted_sets_pop.group,
    sorted_sets_algebra.group,
    pubsub.group,
]


def build_table(groups: list[CommandGroup] | None = None) -> CommandTable:
    return CommandTable.of(*(groups if groups is not None else GROUPS))
