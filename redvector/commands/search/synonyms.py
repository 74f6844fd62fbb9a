"""FT.SYNUPDATE and FT.SYNDUMP: an index's synonym groups, as Redis Stack 7.4 answers them.

Groups live in ``index.synonyms`` (term -> group ids); terms are lower-cased, group ids
kept as given. A query word that belongs to groups also matches the other words of those groups
(``search/synonyms.py`` expands it). Snapshots re-run FT.SYNUPDATE after the index's definition
(``persistence/search_state.py``); the AOF logs the command (the handler bumps the dirty counter).
"""

from __future__ import annotations

from typing import Any

from redvector.commands.context import CommandContext
from redvector.commands.search.common import get_index, group
from redvector.commands.spec import Flag, KeySpec
from redvector.replies import OK, ByProtocol, Map
from redvector.search.synonyms import add_group

FT = Flag.MODULE


@group.command("FT.SYNUPDATE", -4, Flag.WRITE | FT, KeySpec(0, 0, 0), summary="Create or update a synonym group")
def ft_synupdate(ctx: CommandContext, argv: list[bytes]) -> Any:
    index = get_index(ctx, argv[1], "info")
    terms = argv[3:]
    if terms and terms[0].upper() == b"SKIPINITIALSCAN":
        terms = terms[1:]
    add_group(index.synonyms, argv[2], terms)
    index.generation += 1  # cached filter results may expand differently now
    ctx.server.keyspace.dirty += 1
    return OK


@group.command("FT.SYNDUMP", 2, Flag.READONLY | FT, KeySpec(0, 0, 0), summary="Dump the synonym groups of an index")
def ft_syndump(ctx: CommandContext, argv: list[bytes]) -> Any:
    index = get_index(ctx, argv[1], "info")
    items = [(term, list(ids)) for term, ids in reversed(index.synonyms.items())]  # RediSearch's map order
    return ByProtocol([x for pair in items for x in pair], Map(items))
