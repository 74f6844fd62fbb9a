"""One word's occurrences in a text index, as compact parallel arrays (TextIndex's storage)."""

from __future__ import annotations

from array import array
from typing import Any

import numpy as np

NEVER, ALIVE, REMOVED = 0, 1, 2  # TextIndex._state of a doc id
NO_IDS = np.zeros(0, dtype=np.int64)


def as_numpy(values: array[int], dtype: Any, out: Any = np.int64) -> np.ndarray:
    """A copy of an array.array as a numpy array of ``out`` (the buffer is released at once, so that the
    array.array may grow again)."""
    if not len(values):
        return np.zeros(0, dtype=out)
    return np.frombuffer(values, dtype=dtype).astype(out)


class WordPostings:
    """One word's occurrences, appended as documents are indexed: three parallel compact arrays (doc id,
    position, field code: 10 bytes an occurrence, where a dict per document cost ~400). A removed
    document's occurrences stay until they outnumber the live ones, then are compacted away; readers see
    the live ones through TextIndex.occurrences."""

    __slots__ = ("changed", "compactions", "dead", "docs", "fields", "last", "ndocs", "ordered", "positions", "wid")

    def __init__(self, wid: int) -> None:
        self.wid = wid  # the word's number in the forward arrays
        # TextIndex._changes when a document with the word was last added or removed: arrays derived from
        # its occurrences stay valid until then (a write leaves other words' arrays alone)
        self.changed = 0
        self.docs = array("i")
        self.positions = array("i")
        self.fields = array("H")
        self.ndocs = 0  # live documents holding the word
        self.dead = 0  # occurrences of removed documents still held
        self.ordered = True  # doc ids never decrease along the arrays
        self.last = 0  # the doc id appended last
        self.compactions = 0  # times compact() rewrote the arrays (entries appended since are a tail)

    def __len__(self) -> int:
        return self.ndocs

    def live(self, state: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(doc ids, positions, field codes) of the live documents' occurrences, ordered by doc id then
        position; ``state``: TextIndex._state."""
        docs = as_numpy(self.docs, np.int32)
        positions = as_numpy(self.positions, np.int32)
        codes = as_numpy(self.fields, np.uint16, np.int32)
        if self.dead:
            keep = state[docs] == ALIVE
            docs, positions, codes = docs[keep], positions[keep], codes[keep]
        if not self.ordered:
            order = np.lexsort((positions, docs))
            docs, positions, codes = docs[order], positions[order], codes[order]
        return docs, positions, codes

    def compact(self, state: np.ndarray) -> int:
        """Drop the removed documents' occurrences and restore doc id order; returns the entries dropped."""
        before = len(self.docs)
        docs, positions, codes = self.live(state)
        self.docs = array("i", docs.astype(np.int32).tobytes())
        self.positions = array("i", positions.astype(np.int32).tobytes())
        self.fields = array("H", codes.astype(np.uint16).tobytes())
        self.dead, self.ordered = 0, True
        self.last = int(docs[-1]) if len(docs) else 0
        self.compactions += 1
        return before - len(self.docs)
