"""One word's occurrences in a text index, as packed records in one array (TextIndex's storage).

A record per occurrence: the doc id, the position and the field code, each as narrow as the word's values
allow: doc ids in 2 bytes while every one is below 65536, else 4; positions in 1 byte below 256, 2 below
65536, else 4; field codes not at all while every occurrence is in the same field (an index with one TEXT
field: ``code`` holds it), else 1 byte, 4 past 255. A value that does not fit widens the word's records (a
copy, once), never wraps. One array a word, not three: a Zipf vocabulary has many rare words, and an array
costs ~80 bytes before its first record. A chunk store's word (150-token documents, fewer than 65536 of
them) costs 3 bytes an occurrence, where three 4/4/2-byte arrays cost 10.
"""

from __future__ import annotations

from array import array
from typing import Any

import numpy as np

NEVER, ALIVE, REMOVED = 0, 1, 2  # TextIndex._state of a doc id
NO_IDS = np.zeros(0, dtype=np.int64)
_NUMPY_TYPES = {"i": np.int32, "H": np.uint16, "B": np.uint8}
_LIMITS = {"B": 1 << 8, "H": 1 << 16}  # a value below this fits the typecode
_WIDER = {"B": "H", "H": "i"}  # the next typecode up ("i": 4 bytes, signed, as doc ids and positions are)
_WIDEST_CODE = {"B": "i"}  # field codes skip 2 bytes: past 255 codes is far past 128 TEXT fields
_LAYOUTS: dict[str, np.dtype[Any]] = {}  # a record layout (typecodes of doc id, position[, code]) -> dtype


def record_type(layout: str) -> np.dtype[Any]:
    """The packed numpy record type of a layout ("HB": 2-byte doc id, 1-byte position, no code)."""
    dtype = _LAYOUTS.get(layout)
    if dtype is None:
        dtype = _LAYOUTS[layout] = np.dtype([(name, _NUMPY_TYPES[t]) for name, t in zip("dpc", layout, strict=False)])
    return dtype


def wide_enough(typecode: str, top: int, wider: dict[str, str] = _WIDER) -> str:
    """The typecode, widened until ``top`` (non-negative) fits."""
    while typecode in _LIMITS and top >= _LIMITS[typecode]:
        typecode = wider[typecode]
    return typecode


def as_numpy(values: array[int], dtype: Any, out: Any = np.int64) -> np.ndarray:
    """A copy of an array.array as a numpy array of ``out`` (the buffer is released at once, so that the
    array.array may grow again)."""
    if not len(values):
        return np.zeros(0, dtype=out)
    return np.frombuffer(values, dtype=dtype).astype(out)


class WordPostings:
    """One word's occurrences, appended as documents are indexed: packed records (doc id, position[, field
    code]; see the module's docstring for their widths). A removed document's occurrences stay until they
    outnumber the live ones, then are compacted away; readers see the live ones through
    TextIndex.occurrences."""

    __slots__ = ("changed", "code", "compactions", "dead", "last", "layout", "ndocs", "ordered", "records",
                 "root")

    def __init__(self, root: str | None = None) -> None:
        self.root = root  # the word's stem where it differs from the word (a +stem record's), else None
        # TextIndex._changes when a document with the word was last added or removed: arrays derived from
        # its occurrences stay valid until then (a write leaves other words' arrays alone)
        self.changed = 0
        self.records = array("B")  # the records' bytes
        self.layout = "HB"  # their typecodes: doc id, position, and field code when not all ``code``
        self.code = -1  # the field code of every occurrence while the layout has none (-1: none yet)
        self.ndocs = 0  # live documents holding the word
        self.dead = 0  # occurrences of removed documents still held
        self.ordered = True  # doc ids never decrease along the records
        self.last = 0  # the doc id appended last
        self.compactions = 0  # times compact() rewrote the records (entries appended since are a tail)

    def __len__(self) -> int:
        return self.ndocs

    @property
    def entries(self) -> int:
        """The occurrences held, live or not."""
        return len(self.records) // record_type(self.layout).itemsize

    def extend(self, docs: np.ndarray, positions: np.ndarray, code: int, codes: np.ndarray | None,
               top_doc: int | None = None, top_position: int | None = None) -> None:
        """Add occurrences at the end: doc ids and positions (non-negative integer arrays; their maxima
        ``top_doc`` and ``top_position`` when known), and their field ``code`` when they all are in one
        field, else ``codes``. Records a value does not fit are widened."""
        if not len(docs):
            return
        if codes is None and len(self.layout) == 2 and self.code in (-1, code):
            self.code, top_code = code, -1  # still one field: no code column
        else:
            if codes is None:
                codes = np.full(len(docs), code, dtype=np.int32)
            top_code = int(codes.max())
        old = self.layout
        layout = wide_enough(old[0], int(docs.max()) if top_doc is None else top_doc)
        layout += wide_enough(old[1], int(positions.max()) if top_position is None else top_position)
        if len(old) == 3 or top_code >= 0:
            layout += wide_enough(old[2] if len(old) == 3 else "B", max(top_code, self.code), _WIDEST_CODE)
        if layout != old:
            self._relayout(layout)
        added = np.empty(len(docs), dtype=record_type(layout))
        added["d"], added["p"] = docs, positions
        if len(layout) == 3:
            added["c"] = code if codes is None else codes
        self.records.frombytes(added.view(np.uint8).data)

    def extend_packed(self, layout: str, code: int, packed: np.ndarray) -> bool:
        """Append occurrences already packed as records of a two-column ``layout`` (uint8 ``packed``), all
        in field ``code``, when this word's records take them as they are (or it has none yet: it takes
        the layout); False, nothing appended, otherwise (extend() then)."""
        if len(self.layout) == 3 or self.code not in (-1, code):
            return False
        if self.layout != layout:
            if self.records:
                return False
            self.layout = layout
        self.code = code
        self.records.frombytes(packed.data)
        return True

    def _relayout(self, layout: str) -> None:
        """Rewrite the records in a wider layout (a code column's first values: ``code``)."""
        held = np.frombuffer(self.records, dtype=record_type(self.layout)) if self.records else None
        wider = np.empty(0 if held is None else len(held), dtype=record_type(layout))
        if held is not None:
            wider["d"], wider["p"] = held["d"], held["p"]
            if len(layout) == 3:
                wider["c"] = held["c"] if len(self.layout) == 3 else max(self.code, 0)
        del held  # (the buffer is released: the array may be replaced)
        self.records = array("B", wider.view(np.uint8).tobytes())
        self.layout = layout

    def _column(self, name: str, start: int, out: Any) -> np.ndarray:
        """One field of the records from entry ``start`` on, as a numpy array of ``out`` (a copy)."""
        dtype = record_type(self.layout)
        if len(self.records) <= start * dtype.itemsize:
            return np.zeros(0, dtype=out)
        return np.frombuffer(self.records, dtype=dtype, offset=start * dtype.itemsize)[name].astype(out)

    def doc_ids(self, start: int = 0, out: Any = np.int64) -> np.ndarray:
        """The doc id of every occurrence from entry ``start`` on, live or not."""
        return self._column("d", start, out)

    def codes(self, start: int = 0) -> np.ndarray:
        """The field code (int32) of every occurrence from entry ``start`` on, live or not."""
        if len(self.layout) == 2:
            return np.full(max(self.entries - start, 0), self.code, dtype=np.int32)
        return self._column("c", start, np.int32)

    def live(self, state: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(doc ids, positions, field codes) of the live documents' occurrences, ordered by doc id then
        position; ``state``: TextIndex._state."""
        docs = self.doc_ids()
        positions = self._column("p", 0, np.int64)
        codes = self.codes()
        if self.dead:
            keep = state[docs] == ALIVE
            docs, positions, codes = docs[keep], positions[keep], codes[keep]
        if not self.ordered:
            order = np.lexsort((positions, docs))
            docs, positions, codes = docs[order], positions[order], codes[order]
        return docs, positions, codes

    def compact(self, state: np.ndarray) -> int:
        """Drop the removed documents' occurrences and restore doc id order; returns the entries dropped."""
        before = self.entries
        docs, positions, codes = self.live(state)
        self.records, self.layout, self.code = array("B"), "HB", -1
        if len(docs):
            several = int(codes.min()) != int(codes.max())
            self.extend(docs, positions, int(codes[0]), codes if several else None)
        self.dead, self.ordered = 0, True
        self.last = int(docs[-1]) if len(docs) else 0
        self.compactions += 1
        return before - self.entries
