"""Parsed-query cache of one index: clients send the same query text on every call and only the KNN
vector changes (``*=>[KNN 10 @v $vec]`` with ``PARAMS 2 vec <blob>``), so the AST is parsed once and
the vector parameter is a slot filled per call.

An entry is keyed by the query text and everything else the parse depends on (dialect, VERBATIM,
NOSTOPWORDS); it is used only when every other parameter the query read has the value it had at parse
time, so ``$k``, ``$ef`` or a tag parameter with a new value parse afresh. The index definition is the
remaining input: FT.ALTER clears the cache (SearchIndex.add_fields), FT.DROPINDEX / FT.CREATE / FLUSHALL
make a new SearchIndex with an empty cache. Failed parses are never cached (each call reports its error).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from redvector.search.query.ast import Knn, Node
from redvector.search.query.parser import parse_query_uses
from redvector.search.schema import IndexDefinition

# Distinct query shapes kept per index (oldest dropped first); real clients send a handful.
QUERY_CACHE_SIZE = 256
# Longer query texts are not cached (a text query per user search would only churn the cache).
QUERY_CACHE_MAX_TEXT = 4096

CacheKey = tuple[str, int, bool, frozenset[str] | None]


@dataclass(frozen=True, slots=True)
class _Entry:
    node: Node
    # The KNN clause's vector parameter (None: the node is used as is) and its blob length.
    blob_param: str | None
    blob_size: int
    # (name, value) of every other parameter the parse read.
    values: tuple[tuple[str, bytes], ...]


class QueryCache:
    """Query text (+ parse options) -> AST, with the top-level KNN vector as a per-call slot."""

    def __init__(self) -> None:
        self._entries: dict[CacheKey, _Entry] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        self._entries.clear()

    def parse(self, text: str, definition: IndexDefinition, params: dict[str, bytes], dialect: int,
              verbatim: bool = False, stopwords: frozenset[str] | None = None) -> Node:
        """parse_query's result, from the cache when this text was parsed before with the same inputs."""
        if len(text) > QUERY_CACHE_MAX_TEXT:
            return parse_query_uses(text, definition, params, dialect, verbatim, stopwords)[0]
        key: CacheKey = (text, dialect, verbatim, stopwords)
        entry = self._entries.get(key)
        if entry is not None:
            node = _fill(entry, params)
            if node is not None:
                return node
        node, uses = parse_query_uses(text, definition, params, dialect, verbatim, stopwords)
        self._store(key, node, uses, params)
        return node

    def _store(self, key: CacheKey, node: Node, uses: dict[str, str], params: dict[str, bytes]) -> None:
        blob_param = next((name for name, use in uses.items() if use == "blob"), None)
        if blob_param is not None and not (isinstance(node, Knn) and node.blob is params[blob_param]):
            blob_param = None  # only a top-level KNN's vector is a slot; anything else keys the entry
        values = tuple(sorted((name, params[name]) for name in uses if name != blob_param))
        size = len(params[blob_param]) if blob_param is not None else 0
        entries = self._entries
        entries.pop(key, None)
        if len(entries) >= QUERY_CACHE_SIZE:
            entries.pop(next(iter(entries)))
        entries[key] = _Entry(node, blob_param, size, values)


def _fill(entry: _Entry, params: dict[str, bytes]) -> Node | None:
    """The cached AST for these parameters, or None when they differ from the parse's in a way the slot
    does not cover (then the caller parses afresh)."""
    for name, value in entry.values:
        if params.get(name) != value:
            return None
    if entry.blob_param is None:
        return entry.node
    blob = params.get(entry.blob_param)
    if blob is None or len(blob) != entry.blob_size:
        return None  # a missing or wrong-size vector: the parser reports it
    node = entry.node
    assert isinstance(node, Knn)
    return replace(node, blob=blob)
