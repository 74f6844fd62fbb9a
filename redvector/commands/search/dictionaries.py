"""FT.DICTADD, FT.DICTDEL, FT.DICTDUMP: RediSearch's global custom dictionaries (for FT.SPELLCHECK's TERMS).

Dictionaries are not keys: they live in ``registry.dictionaries``, go into snapshots as an RDB aux field
(``persistence/search_state.py``), and these handlers bump the dirty counter so the AOF logs them.
FLUSHALL and FLUSHDB (of any database) empty them, as in Redis Stack. Entries are case-sensitive; FT.DICTDUMP lists them in byte
order (an RESP3 set). FT.DICTADD and FT.DICTDEL create the dictionary when missing (an emptied one stays).
"""

from __future__ import annotations

from typing import Any

from redvector.commands.context import CommandContext
from redvector.commands.search.common import group, registry
from redvector.commands.spec import Flag, KeySpec
from redvector.errors import SearchError
from redvector.replies import SetReply

FT = Flag.MODULE


@group.command("FT.DICTADD", -3, Flag.WRITE | Flag.DENYOOM | FT, KeySpec(0, 0, 0),
               summary="Add terms to a dictionary")
def ft_dictadd(ctx: CommandContext, argv: list[bytes]) -> Any:
    dictionaries = registry(ctx).dictionaries
    created = argv[1] not in dictionaries
    terms = dictionaries.setdefault(argv[1], set())
    added = 0
    for term in argv[2:]:
        if term not in terms:
            terms.add(term)
            added += 1
    if added or created:
        ctx.server.keyspace.dirty += 1
    return added


@group.command("FT.DICTDEL", -3, Flag.WRITE | FT, KeySpec(0, 0, 0), summary="Delete terms from a dictionary")
def ft_dictdel(ctx: CommandContext, argv: list[bytes]) -> Any:
    dictionaries = registry(ctx).dictionaries
    created = argv[1] not in dictionaries  # RediSearch opens the dictionary for writing: it now exists
    terms = dictionaries.setdefault(argv[1], set())
    removed = 0
    for term in argv[2:]:
        if term in terms:
            terms.discard(term)
            removed += 1
    if removed or created:
        ctx.server.keyspace.dirty += 1
    return removed


@group.command("FT.DICTDUMP", 2, Flag.READONLY | FT, KeySpec(0, 0, 0), summary="Dump all terms in a dictionary")
def ft_dictdump(ctx: CommandContext, argv: list[bytes]) -> Any:
    terms = registry(ctx).dictionaries.get(argv[1])
    if terms is None:
        raise SearchError("could not open dict key")
    return SetReply(sorted(terms))
