"""The command layer: one spec + one handler per command, grouped by family, listed explicitly here."""

from __future__ import annotations

from redvector.commands import (
    bits,
    client,
    connection,
    dump,
    geo,
    hashes,
    hyperloglog,
    info,
    introspection,
    json,
    keys,
    keys_extra,
    lcs,
    lists,
    lists_blocking,
    objects,
    persistence,
    pubsub,
    scripting,
    search,
    server_admin,
    server_extra,
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
    client.group,
    strings.group,
    bits.group,
    lcs.group,
    keys.group,
    keys_extra.group,
    dump.group,
    server_admin.group,
    server_extra.group,
    info.group,
    introspection.group,
    transactions.group,
    scripting.group,
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
    geo.group,
    pubsub.group,
    search.group,
    json.group,
    persistence.group,
]


def build_table(groups: list[CommandGroup] | None = None) -> CommandTable:
    return CommandTable.of(*(groups if groups is not None else GROUPS))
