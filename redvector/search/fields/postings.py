"""One word's occurrences in a text index, as compact parallel arrays (TextIndex's storage).

Per occurrence: the doc id, the position and the field code, each array as narrow as its values allow:
doc ids in 2 bytes while every one is below 65536, else 4; positions in 1 byte below 256, 2 below 65536,
else 4; field codes not at all while every occurrence is in the same field (an index with one TEXT field:
``code`` holds it), else 1 byte, 4 past 255. A value that does not fit widens its array (a copy, once),
never wraps. A chunk store's word (150-token documents, fewer than 65536 of them) costs 3 bytes an
occurrence, where three 4/4/2-byte arrays cost 10.
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


def as_numpy(values: array[int], dtype: Any, out: Any = np.int64) -> np.ndarray:
    """A copy of an array.array as a numpy array of ``out`` (the buffer is released at once, so that the
    array.array may grow again)."""
    if not len(values):
        return np.zeros(0, dtype=out)
    return np.frombuffer(values, dtype=dtype).astype(out)


def read(values: array[int], out: Any = np.int64) -> np.ndarray:
    """as_numpy, the buffer's type taken from the array's typecode."""
    return as_numpy(values, _NUMPY_TYPES[values.typecode], out)


def _raw(values: np.ndarray) -> memoryview:
    """A contiguous numpy array's buffer as bytes, without a copy (array.frombytes reads it)."""
    return memoryview(np.ascontiguousarray(values)).cast("B")  # type: ignore[arg-type]


def _fitted(held: array[int], values: np.ndarray, top: int | None = None,
            wider: dict[str, str] = _WIDER) -> tuple[array[int], np.ndarray]:
    """(``held``, widened as far as ``values``, non-negative, need: their maximum is ``top`` when given;
    ``values`` in its numpy type)."""
    typecode: Any = held.typecode
    if typecode in _LIMITS and len(values):
        top = int(values.max()) if top is None else top
        while typecode in _LIMITS and top >= _LIMITS[typecode]:
            typecode = wider[typecode]
        if typecode != held.typecode:
            held = array(typecode, read(held, _NUMPY_TYPES[typecode]).tobytes())
    return held, values.astype(_NUMPY_TYPES[typecode], copy=False)


class WordPostings:
    """One word's occurrences, appended as documents are indexed: parallel compact arrays (doc id, position,
    field code; see the module's docstring for their widths). A removed document's occurrences stay until
    they outnumber the live ones, then are compacted away; readers see the live ones through
    TextIndex.occurrences."""

    __slots__ = ("changed", "code", "compactions", "dead", "docs", "fields", "last", "ndocs", "ordered",
                 "positions", "root", "wid")

    def __init__(self, wid: int, root: str | None = None) -> None:
        self.wid = wid  # the word's number in the forward arrays
        self.root = root  # the word's stem where it differs from the word (a +stem record's), else None
        # TextIndex._changes when a document with the word was last added or removed: arrays derived from
        # its occurrences stay valid until then (a write leaves other words' arrays alone)
        self.changed = 0
        self.docs = array("H")  # widened as values need ("H", then "i"; see the module's docstring)
        self.positions = array("B")  # ("B", "H", then "i")
        # every occurrence's field code ("B", then "i"), or None while they all are ``code``
        self.fields: array[int] | None = None
        self.code = -1  # the field code of every occurrence while ``fields`` is None (-1: none yet)
        self.ndocs = 0  # live documents holding the word
        self.dead = 0  # occurrences of removed documents still held
        self.ordered = True  # doc ids never decrease along the arrays
        self.last = 0  # the doc id appended last
        self.compactions = 0  # times compact() rewrote the arrays (entries appended since are a tail)

    def __len__(self) -> int:
        return self.ndocs

    def extend(self, docs: np.ndarray, positions: np.ndarray, code: int, codes: np.ndarray | None,
               top_doc: int | None = None, top_position: int | None = None) -> None:
        """Add occurrences at the end: doc ids and positions (non-negative integer arrays; their maxima
        ``top_doc`` and ``top_position`` when known), and their field ``code`` when they all are in one
        field, else ``codes``. An array a value does not fit is widened."""
        self.docs, docs = _fitted(self.docs, docs, top_doc)
        self.positions, positions = _fitted(self.positions, positions, top_position)
        self.docs.frombytes(_raw(docs))
        self.positions.frombytes(_raw(positions))
        if codes is None:
            if self.fields is None and self.code in (-1, code):
                self.code = code
                return
            codes = np.full(len(docs), code, dtype=np.int32)
        if self.fields is None:  # the first occurrence in another field: every code is written from now on
            self.fields = array("B", [max(self.code, 0)]) if self.code < _LIMITS["B"] else array("i", [self.code])
            self.fields *= len(self.docs) - len(docs)
        self.fields, codes = _fitted(self.fields, codes, wider=_WIDEST_CODE)
        self.fields.frombytes(_raw(codes))

    def doc_ids(self, start: int = 0, out: Any = np.int64) -> np.ndarray:
        """The doc id of every occurrence from entry ``start`` on, live or not."""
        return read(self.docs[start:] if start else self.docs, out)

    def codes(self, start: int = 0) -> np.ndarray:
        """The field code (int32) of every occurrence from entry ``start`` on, live or not."""
        if self.fields is None:
            return np.full(max(len(self.docs) - start, 0), self.code, dtype=np.int32)
        return read(self.fields[start:] if start else self.fields, np.int32)

    def live(self, state: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(doc ids, positions, field codes) of the live documents' occurrences, ordered by doc id then
        position; ``state``: TextIndex._state."""
        docs = self.doc_ids()
        positions = read(self.positions)
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
        before = len(self.docs)
        docs, positions, codes = self.live(state)
        self.docs, self.positions, self.fields, self.code = array("H"), array("B"), None, -1
        if len(docs):
            several = int(codes.min()) != int(codes.max())
            self.extend(docs, positions, int(codes[0]), codes if several else None)
        self.dead, self.ordered = 0, True
        self.last = int(docs[-1]) if len(docs) else 0
        self.compactions += 1
        return before - len(self.docs)
