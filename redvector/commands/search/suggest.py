"""FT.SUGADD, FT.SUGGET, FT.SUGDEL, FT.SUGLEN: auto-complete dictionaries, as Redis Stack 7.4 answers them.

A dictionary is a key holding a SuggestionTrie (TYPE ``trietype0``), so DEL, EXPIRE, RENAME, FLUSHALL,
SCAN TYPE, DUMP/RESTORE and the RDB treat it like any value; every write goes through ``touched`` and the
AOF logs the command as given. Ranking: ``redvector/search/suggestions.py``.
"""

from __future__ import annotations

import math
from typing import Any

from redvector.commands.context import CommandContext
from redvector.commands.search.common import group
from redvector.commands.spec import Flag, KeySpec
from redvector.errors import RedVectorError, SearchError, WrongArity
from redvector.keyspace.types.suggestions import SuggestionTrie
from redvector.search.suggestions import suggest

FT = Flag.MODULE
DEFAULT_MAX = 5
# RediSearch's prefix limits: 200 bytes (checked first, whether or not the key exists), then 100 characters.
MAX_PREFIX_BYTES = 200
MAX_PREFIX_CHARS = 100


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")


def _score(raw: bytes) -> float:
    """RedisModule_StringToDouble (strtod, the whole string): decimal or hexadecimal, an explicit infinity;
    NaN, overflow and surrounding spaces refused."""
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
        if raw.lower().lstrip(b"+-").startswith(b"0x"):
            try:
                value = float.fromhex(raw.decode("ascii"))
            except (ValueError, UnicodeDecodeError):
                pass
    if math.isnan(value) or (math.isinf(value) and b"inf" not in raw.lower()) or raw != raw.strip():
        raise RedVectorError("invalid score")
    return value


@group.command("FT.SUGADD", -4, Flag.WRITE | Flag.DENYOOM | FT, KeySpec(1, 1, 1),
               summary="Add a suggestion string to an auto-complete dictionary")
def ft_sugadd(ctx: CommandContext, argv: list[bytes]) -> Any:
    if len(argv) > 7:
        raise WrongArity("FT.SUGADD", exact=True)
    key = argv[1]
    incr = False
    payload: bytes | None = None
    i = 4
    while i < len(argv):
        token = argv[i].upper()
        if token == b"INCR":
            incr = True
        elif token == b"PAYLOAD":
            if i + 1 >= len(argv):
                raise SearchError("Invalid payload: Expected an argument, but none provided")
            i += 1
            payload = argv[i]
        else:
            raise SearchError(f"Unknown argument `{argv[i].decode('utf-8', 'replace')}`")
        i += 1
    db = ctx.db
    trie = db.lookup(key, SuggestionTrie, ctx)  # Redis Stack: options, then the key's type, then the score
    score = _score(argv[3])
    if trie is None:
        trie = SuggestionTrie()
        db.set(key, trie)
    trie.add(_text(argv[2]), score, incr, payload)
    ctx.touched(key, "ft.sugadd")
    return trie.size


@group.command("FT.SUGGET", -3, Flag.READONLY | FT, KeySpec(1, 1, 1),
               summary="Get completion suggestions for a prefix")
def ft_sugget(ctx: CommandContext, argv: list[bytes]) -> Any:
    if len(argv[2]) >= MAX_PREFIX_BYTES:
        raise SearchError("Invalid query length")
    fuzzy = with_scores = with_payloads = False
    num = DEFAULT_MAX
    i = 3
    while i < len(argv):
        token = argv[i].upper()
        if token == b"FUZZY":
            fuzzy = True
        elif token == b"WITHSCORES":
            with_scores = True
        elif token == b"WITHPAYLOADS":
            with_payloads = True
        elif token == b"MAX":
            if i + 1 >= len(argv):
                raise SearchError("MAX: Expected an argument, but none provided")
            i += 1
            try:
                num = int(argv[i])
            except ValueError:
                raise SearchError("MAX: Could not convert argument to expected type") from None
            if num <= 0:
                raise SearchError("MAX: Value is outside acceptable bounds")
        else:
            raise SearchError(f"Unrecognized argument: {argv[i].decode('utf-8', 'replace')}")
        i += 1
    trie = ctx.db.lookup(argv[1], SuggestionTrie, ctx)
    if trie is None:
        return None
    if len(_text(argv[2])) >= MAX_PREFIX_CHARS:
        raise SearchError("Invalid query")
    out: list[Any] = []
    for found in suggest(trie, argv[2], num, fuzzy):
        out.append(found.text.encode("utf-8", "surrogateescape"))
        if with_scores:
            out.append(found.score)
        if with_payloads:
            out.append(found.payload)
    return out


@group.command("FT.SUGDEL", 3, Flag.WRITE | FT, KeySpec(1, 1, 1), summary="Delete a string from a suggestion index")
def ft_sugdel(ctx: CommandContext, argv: list[bytes]) -> Any:
    trie = ctx.db.lookup(argv[1], SuggestionTrie, ctx)
    if trie is None or not trie.delete(_text(argv[2])):
        return 0
    ctx.touched(argv[1], "ft.sugdel")
    return 1


@group.command("FT.SUGLEN", 2, Flag.READONLY | FT, KeySpec(1, 1, 1), summary="Size of an auto-complete dictionary")
def ft_suglen(ctx: CommandContext, argv: list[bytes]) -> Any:
    trie = ctx.db.lookup(argv[1], SuggestionTrie, ctx)
    return 0 if trie is None else trie.size
