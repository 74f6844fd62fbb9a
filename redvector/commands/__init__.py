"""The command layer: one spec + one handler per command, grouped by family, listed explicitly here."""

from __future__ import annotations

from redvector.commands import (
    connection,
    hashes,
    hyperloglog,
    info,
    introspection,
    keys,
    lists,
    lists_blocking,
    objects,
    pubsub,
    server_admin,
    sets,
    sort,
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
    lists.group,
    lists_blocking.group,
    hashes.group,
    sets.group,
    hyperloglog.group,
    sort.group,
    objects.group,
    sorted_sets.group,
    sorted_sets_range.group,
    sorted_sets_pop.group,
    sorted_sets_algebra.group,
    pubsub.group,
]


def build_table(groups: list[CommandGroup] | None = None) -> CommandTable:
    return CommandTable.of(*(groups if groups is not None else GROUPS))
