"""SearchRegistry: every FT index of a server, its aliases, FT.CONFIG values and aggregate cursors.

The Python API for other layers (REST/gRPC service, persistence). ``Server.__init__`` creates one as
``server.search`` (also ``server.extensions["search"]``); ``search_registry(server)`` is the typed accessor.

    registry = server.search
    registry.names() -> list[bytes]                 # FT._LIST
    index = registry.get(b"myidx")                  # SearchIndex | None (aliases resolved)
    index.definition                                # IndexDefinition: .prefixes, .fields (FieldSpec:
                                                    #   .name, .type, .vector -> VectorOptions), .argvs()
    index.num_docs, index.keys(), key in index
    index.knn(b"embedding", np.ndarray, k, ef_runtime=None, allowed_keys=None) -> [(key, distance)]
    index.doc_ids() -> {key: doc_id};  index.restore(doc_ids, {field: VectorIndex}); index.finish_restore()
    registry.definitions() -> [[argv...], ...]      # FT.CREATE + FT.ALTER commands re-creating every index

Creating and dropping indexes from the service layer goes through the dispatcher (FT.CREATE /
FT.DROPINDEX) so the AOF logs them. Writes to documents go through HSET/DEL like any client.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from redvector.errors import INDEX_EXISTS_MSG, SearchError
from redvector.search.index import SearchIndex, close_vectors
from redvector.search.indexer import SYNC_SCAN_LIMIT, Indexer
from redvector.search.schema import IndexDefinition

if TYPE_CHECKING:
    from redvector.keyspace.database import Keyspace


# FT.CONFIG options: name -> default (RediSearch 2.10 names; values kept as text like the module does).
CONFIG_DEFAULTS: dict[str, str] = {
    "DEFAULT_DIALECT": "1",
    "TIMEOUT": "500",
    "ON_TIMEOUT": "return",
    "MAXSEARCHRESULTS": "1000000",
    "MAXAGGREGATERESULTS": "unlimited",
    "MINPREFIX": "2",
    "MAXEXPANSIONS": "200",
    "MAXPREFIXEXPANSIONS": "200",
    "MAXDOCTABLESIZE": "1000000",
    "CURSOR_MAX_IDLE": "300000",
    "UNION_ITERATOR_HEAP": "20",
    "GC_POLICY": "fork",
    "FORK_GC_RUN_INTERVAL": "30",
    "NOGC": "false",
    "CONCURRENT_WRITE_MODE": "false",
    "FRISOINI": "",
    "EXTLOAD": "",
    "SAFEMODE": "true",
    # RedVector: 0 runs vector searches on the event loop; otherwise large ones run in worker threads.
    "WORKERS": "4",
}


@dataclass(slots=True)
class Cursor:
    """A pending FT.AGGREGATE WITHCURSOR result."""

    id: int
    index_name: bytes
    rows: list[Any]
    count: int
    max_idle_ms: int
    last_used_ms: int
    extra: dict[str, Any] = field(default_factory=dict)


class SearchRegistry:
    def __init__(self, keyspace: Keyspace, default_ef_runtime: Callable[[], int] | None = None) -> None:
        self.keyspace = keyspace
        self.indexes: dict[bytes, SearchIndex] = {}
        self.aliases: dict[bytes, bytes] = {}
        self.config: dict[str, str] = dict(CONFIG_DEFAULTS)
        self.cursors: dict[int, Cursor] = {}
        # FT.DICTADD dictionaries (global, not keys; FLUSHALL and FLUSHDB empty them, as in Redis Stack).
        self.dictionaries: dict[bytes, set[bytes]] = {}
        self._cursor_ids = itertools.count(1)
        self.indexer = Indexer(keyspace)
        self.indexer.on_flush = self._flushed
        keyspace.add_observer(self.indexer)
        self._default_ef = default_ef_runtime
        # Connection id -> when it last ran a KNN search (ms): tells one searching client from several.
        self._searchers: dict[int, int] = {}

    def concurrent_searchers(self, client_id: int, now_ms: int, window_ms: int) -> bool:
        """Record that ``client_id`` searches now; whether another connection searched within the last
        ``window_ms`` too (then searches go to worker threads so concurrent clients use every core)."""
        searchers = self._searchers
        searchers[client_id] = now_ms
        if len(searchers) == 1:
            return False
        cutoff = now_ms - window_ms
        for cid in [c for c, at in searchers.items() if at < cutoff]:
            del searchers[cid]
        return len(searchers) > 1

    # -- lookup -------------------------------------------------------------------------------------------
    def get(self, name: bytes | str) -> SearchIndex | None:
        n = name.encode() if isinstance(name, str) else name
        index = self.indexes.get(n)
        if index is None and n in self.aliases:
            index = self.indexes.get(self.aliases[n])
        return index

    def names(self) -> list[bytes]:
        return list(self.indexes)

    def definitions(self) -> list[list[bytes]]:
        """Commands re-creating every index and alias, in order (persistence)."""
        out: list[list[bytes]] = []
        for index in self.indexes.values():
            out.extend(index.definition.argvs())
        for alias, target in self.aliases.items():
            out.append([b"FT.ALIASADD", alias, target])
        return out

    @property
    def default_ef_runtime(self) -> int:
        """The config directive ``search-default-ef-runtime`` (RedVector's default EF_RUNTIME, 64)."""
        if self._default_ef is not None:
            return self._default_ef()
        return 64

    # -- lifecycle ----------------------------------------------------------------------------------------
    def create(self, definition: IndexDefinition, db_index: int) -> SearchIndex:
        """Register a new index and start indexing existing keys: small keyspaces synchronously; for large
        ones ``index.scan`` stays set and the caller drives ``indexer.scan_step`` in chunks."""
        if definition.name in self.indexes:
            raise SearchError(INDEX_EXISTS_MSG)
        index = SearchIndex(definition, self.keyspace.databases[db_index])
        index.default_ef_runtime = lambda: self.default_ef_runtime
        self.indexes[definition.name] = index
        self.indexer.attach(index)
        if not definition.skip_initial_scan:
            scan = self.indexer.start_scan(index)
            if len(scan.keys) <= SYNC_SCAN_LIMIT:
                self.indexer.scan_step(index, len(scan.keys) + 1)
        return index

    def close(self, wait: float) -> None:
        """At shutdown: every index's background vector work stopped, waiting up to ``wait`` seconds for
        each batch in progress."""
        for index in list(self.indexes.values()):
            close_vectors(index, wait)

    def drop(self, name: bytes) -> SearchIndex | None:
        index = self.indexes.pop(name, None)
        if index is None:
            return None
        self.indexer.detach(index)
        close_vectors(index)
        for alias in [a for a, t in self.aliases.items() if t == name]:
            del self.aliases[alias]
        for cid in [c.id for c in self.cursors.values() if c.index_name == name]:
            del self.cursors[cid]
        return index

    def _flushed(self, dropped: list[SearchIndex]) -> None:
        self.dictionaries.clear()
        for index in dropped:
            self.indexes.pop(index.name, None)
            close_vectors(index)
            for alias in [a for a, t in self.aliases.items() if t == index.name]:
                del self.aliases[alias]
        if dropped:
            self.cursors.clear()

    # -- cursors ------------------------------------------------------------------------------------------
    def new_cursor(self, index_name: bytes, rows: list[Any], count: int, max_idle_ms: int, now_ms: int) -> Cursor:
        cursor = Cursor(next(self._cursor_ids), index_name, rows, count, max_idle_ms, now_ms)
        self.cursors[cursor.id] = cursor
        return cursor

    def expire_cursors(self, now_ms: int) -> None:
        for cid in [c.id for c in self.cursors.values() if now_ms - c.last_used_ms > c.max_idle_ms]:
            del self.cursors[cid]


def search_registry(server: Any) -> SearchRegistry:
    """The registry of a Server (typed accessor for layers that hold a Server)."""
    registry = server.extensions.get("search")
    if registry is None:
        raise RuntimeError("search is not attached to this server")
    assert isinstance(registry, SearchRegistry)
    return registry
