"""Legacy document commands still registered by RediSearch 2.x: FT.ADD, FT.DEL, FT.GET, FT.MGET, FT.DROP.

FT.ADD writes a hash (as HSET would) and the indexer picks it up through the keyspace hook, so a
document is indexed only where PREFIX/FILTER match. Together with ``VECTOR(n)`` fields this is the
product's short syntax (``FT.ADD idx doc 1.0 FIELDS embedding "0.1,0.2,..."``).
"""

from __future__ import annotations

from typing import Any

from redvector.commands.context import CommandContext
from redvector.commands.search.common import get_index, group
from redvector.commands.search.indexes import drop_index
from redvector.commands.spec import Flag, KeySpec
from redvector.errors import NoSuchIndex, SearchError, WrongType
from redvector.replies import OK
from redvector.search.fields.numeric import parse_number

FT = Flag.MODULE


@group.command("FT.ADD", -5, Flag.WRITE | Flag.DENYOOM | FT, KeySpec(2, 2, 1), summary="Add a document (legacy)")
def ft_add(ctx: CommandContext, argv: list[bytes]) -> Any:
    index = ctx.server.search.get(argv[1])
    if index is None:
        raise NoSuchIndex("Unknown index name")
    key = argv[2]
    score = parse_number(argv[3])
    if score is None:
        raise SearchError("Could not parse document score")
    if not 0 <= score <= 1:
        raise SearchError("Score must be between 0 and 1")
    replace = partial = nocreate = False
    language: bytes | None = None
    payload: bytes | None = None
    i = 4
    n = len(argv)
    while i < n:
        tok = argv[i].decode("latin-1").upper()
        if tok == "FIELDS":
            i += 1
            break
        if tok == "NOSAVE":
            i += 1
        elif tok == "REPLACE":
            replace = True
            i += 1
            while i < n and argv[i].upper() in (b"PARTIAL", b"NOCREATE"):
                if argv[i].upper() == b"PARTIAL":
                    partial = True
                else:
                    nocreate = True
                i += 1
        elif tok == "LANGUAGE" and i + 1 < n:
            language = argv[i + 1]
            i += 2
        elif tok == "PAYLOAD" and i + 1 < n:
            payload = argv[i + 1]
            i += 2
        elif tok == "IF" and i + 1 < n:
            i += 2
        else:
            raise SearchError(f"Unknown keyword `{argv[i].decode('utf-8', 'replace')}` provided")
    else:
        raise SearchError("No field list found")
    pairs = argv[i:]
    if not pairs or len(pairs) % 2:
        raise SearchError("Fields must be specified in FIELD VALUE pairs")
    db = ctx.db
    existing = db.get(key, ctx.now_ms)
    if existing is not None and not isinstance(existing, dict):
        raise WrongType()
    if existing is not None and not replace:
        raise SearchError("Document already exists")
    if existing is None and nocreate:
        raise SearchError("Document does not exist")
    value: dict[bytes, bytes] = dict(existing) if (existing is not None and partial) else {}
    for j in range(0, len(pairs), 2):
        value[pairs[j]] = pairs[j + 1]
    if score != 1.0:
        value[b"__score"] = argv[3]
    if language is not None:
        value[b"__language"] = language
    if payload is not None:
        value[b"__payload"] = payload
    db.set(key, value, keep_ttl=partial)
    ctx.touched(key, "hset")
    return OK


@group.command("FT.DEL", -3, Flag.WRITE | FT, KeySpec(2, 2, 1), summary="Delete a document (legacy)")
def ft_del(ctx: CommandContext, argv: list[bytes]) -> Any:
    get_index(ctx, argv[1], "info")
    if len(argv) > 4 or (len(argv) == 4 and argv[3].upper() != b"DD"):
        raise SearchError("wrong number of arguments")
    key = argv[2]
    if ctx.db.get(key, ctx.now_ms) is None:
        return 0
    ctx.db.delete(key)
    ctx.touched(key, "del")
    return 1


@group.command("FT.DROP", -2, Flag.WRITE | FT, KeySpec(0, 0, 0), summary="Drop an index and its documents (legacy)")
def ft_drop(ctx: CommandContext, argv: list[bytes]) -> Any:
    index = get_index(ctx, argv[1], "info")
    keep = len(argv) > 2 and argv[2].upper() == b"KEEPDOCS"
    if len(argv) > 2 and not keep:
        raise SearchError(f"Unknown argument `{argv[2].decode('utf-8', 'replace')}`")
    drop_index(ctx, index, delete_docs=not keep)
    return OK


def _doc(ctx: CommandContext, key: bytes) -> list[bytes] | None:
    value = ctx.db.get(key, ctx.now_ms)
    if not isinstance(value, dict):
        return None
    return [x for kv in value.items() for x in kv]


@group.command("FT.GET", 3, Flag.READONLY | FT, KeySpec(2, 2, 1), summary="A document's fields (legacy)")
def ft_get(ctx: CommandContext, argv: list[bytes]) -> Any:
    get_index(ctx, argv[1], "info")
    return _doc(ctx, argv[2])


@group.command("FT.MGET", -3, Flag.READONLY | FT, KeySpec(2, -1, 1), summary="Several documents' fields (legacy)")
def ft_mget(ctx: CommandContext, argv: list[bytes]) -> Any:
    get_index(ctx, argv[1], "info")
    return [_doc(ctx, k) for k in argv[2:]]
