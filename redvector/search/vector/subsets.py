"""Gathered vectors of a filter's documents, kept for the next hybrid query with the same filter.

Exact (ADHOC_BF) search over the documents a filter allows first gathers their vectors into one matrix
(~1-2 us per document: the Python walk over the documents dominates), then scores it (~0.2 us per
document). Applications repeat their filters (one tenant, one category), and the search commands hand
the same ``allowed`` array back while the index is unchanged (their filter cache), so the matrix of a
filter seen twice is kept: later queries pay only the scoring, which makes exact search the better
strategy for much larger subsets.

An entry is valid for the same ``allowed`` object (held weakly: it dies with the caller's cache entry),
the same index write count and the same set of graph-resident ids. Bounded in bytes, oldest out first.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from redvector.search.vector.base import FloatArray, IdArray

SUBSET_CACHE_BYTES = 64 << 20


@dataclass(slots=True)
class _Entry:
    allowed: weakref.ref[IdArray]
    writes: int
    live: IdArray
    ids: IdArray | None = None  # None: seen once, nothing gathered yet
    matrix: FloatArray | None = None


class SubsetCache:
    """``allowed`` array -> (ids, prepared vector matrix); thread-safe."""

    def __init__(self, max_bytes: int = SUBSET_CACHE_BYTES) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[int, _Entry] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def lookup(self, allowed: IdArray, writes: int, live: IdArray) -> tuple[bool, tuple[IdArray, FloatArray] | None]:
        """(seen before with the same state, the gathered (ids, matrix) if kept). Records a first sighting."""
        with self._lock:
            entry = self._entries.get(id(allowed))
            if entry is not None and entry.allowed() is allowed and entry.writes == writes and \
                    np.array_equal(entry.live, live):
                self._entries.move_to_end(id(allowed))
                if entry.ids is None or entry.matrix is None:
                    return True, None
                return True, (entry.ids, entry.matrix)
            self._drop(id(allowed))
            self._prune()
            try:
                ref = weakref.ref(allowed)
            except TypeError:  # not weak-referenceable: never cached
                return False, None
            self._entries[id(allowed)] = _Entry(ref, writes, live)
            return False, None

    def store(self, allowed: IdArray, writes: int, live: IdArray, ids: IdArray, matrix: FloatArray) -> None:
        if matrix.nbytes > self.max_bytes // 2:
            return
        with self._lock:
            entry = self._entries.get(id(allowed))
            if entry is None or entry.allowed() is not allowed or entry.writes != writes or \
                    not np.array_equal(entry.live, live):
                return
            if entry.matrix is not None:
                self._bytes -= entry.matrix.nbytes
            entry.ids, entry.matrix = ids, matrix
            self._bytes += matrix.nbytes
            while self._bytes > self.max_bytes and self._entries:
                self._drop(next(iter(self._entries)))

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def nbytes(self) -> int:
        return self._bytes

    def _drop(self, key: int) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None and entry.matrix is not None:
            self._bytes -= entry.matrix.nbytes

    def _prune(self) -> None:
        """Entries whose ``allowed`` array is gone (its query cache moved on) free their matrix."""
        for key in [k for k, e in self._entries.items() if e.allowed() is None]:
            self._drop(key)
        while len(self._entries) > 256:
            self._drop(next(iter(self._entries)))
