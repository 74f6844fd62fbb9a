"""DocTable: what a search index keeps per document besides its postings, by doc id.

Doc ids are small integers handed out in increasing order (SearchIndex.max_doc_id), so the table is a few
lists indexed by doc id (columns) rather than a dict of per-document objects: 8 bytes per column per id
instead of ~44 bytes of dict entry and ~64 of object per document (and no sort-value column while no
document has one). Every re-index of a key takes a new id and leaves a hole behind (8 bytes per column
per id ever used), as the index's other by-doc-id columns (numeric values, tag codes, text lengths)
already cost. The document's score and payload, which most documents lack, are in
SearchIndex.doc_scores/payloads.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import compress, count, repeat
from operator import is_not

SortValues = tuple[float | bytes | None, ...]
VectorValues = bytes | tuple[bytes, ...] | None


class DocTable:
    """doc id -> the indexed document's key (a mapping with the part of a dict's interface the index's
    readers use: get, in, len, iteration in ascending doc-id order, items), and its other columns. Read
    from worker threads while the event loop writes: the lists grow in place and need no lock."""

    __slots__ = ("_keys", "_sort_values", "_vector_fields", "_vector_values", "_count")

    def __init__(self) -> None:
        self._keys: list[bytes | None] = []  # None: no document has this id (now)
        # The SORTBY value of each schema field, by the field's position in the schema (None: absent); a
        # tuple, shorter than the schema for documents indexed before an FT.ALTER. ON HASH only SORTABLE
        # fields have one here (the others are read from the hash: SearchIndex.sort_value), and a
        # document with none shares the empty tuple. The column only exists from the first document with
        # a sort value on (then as long as ``_keys``): an index without SORTABLE fields needs none.
        self._sort_values: list[SortValues] | None = None
        # The attributes of the vectors the document has (one shared tuple per combination), and the hash's
        # own value objects for them (references, no copies): the one value itself when there is one
        # vector field, else a tuple in ``vector_fields`` order. Exact search over a filtered subset reads
        # them (hnswlib hands its stored vectors back slowly).
        self._vector_fields: list[tuple[bytes, ...]] = []
        self._vector_values: list[VectorValues] = []
        self._count = 0

    # -- the mapping doc id -> key -------------------------------------------------------------------------
    def get(self, doc_id: int) -> bytes | None:
        """The document's key (None: no document has this id)."""
        keys = self._keys
        return keys[doc_id] if 0 <= doc_id < len(keys) else None

    def keys_of(self, doc_ids: list[int]) -> list[bytes | None]:
        """get for each of ``doc_ids`` in one pass, for readers of many documents (a call per document
        costs more); the lookups mapped in C when every id is in range, as they are but for a racing
        write."""
        keys = self._keys
        n = len(keys)
        if doc_ids and min(doc_ids) >= 0 and max(doc_ids) < n:
            return list(map(keys.__getitem__, doc_ids))
        return [keys[d] if 0 <= d < n else None for d in doc_ids]

    def __contains__(self, doc_id: int) -> bool:
        return self.get(doc_id) is not None

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[int]:
        """The doc ids, ascending (the ids whose key is not None, selected in C)."""
        return compress(count(), map(is_not, self._keys, repeat(None)))

    def items(self) -> Iterator[tuple[int, bytes]]:
        return ((doc_id, key) for doc_id, key in enumerate(self._keys) if key is not None)

    # -- the other columns (a document the table lacks has none) -------------------------------------------
    def sort_values(self, doc_id: int) -> SortValues:
        column = self._sort_values
        return column[doc_id] if column is not None and 0 <= doc_id < len(column) else ()

    def vector_fields(self, doc_id: int) -> tuple[bytes, ...]:
        column = self._vector_fields
        return column[doc_id] if 0 <= doc_id < len(column) else ()

    def vector_columns(self) -> tuple[list[tuple[bytes, ...]], list[VectorValues]]:
        """(vector_fields, vector_values) by doc id, for the exact search's loop over many documents. Take
        ``len`` of the values column as the bound: it grows last."""
        return self._vector_fields, self._vector_values

    # -- changes ---------------------------------------------------------------------------------------------
    def add(self, doc_id: int, key: bytes, sort_values: SortValues, vector_fields: tuple[bytes, ...],
            vector_values: VectorValues) -> None:
        keys = self._keys
        if self._sort_values is None and sort_values:
            self._sort_values = [()] * len(keys)  # the first sort value: the column starts
        sorts = self._sort_values
        if doc_id >= len(keys):
            gap = doc_id - len(keys)
            if gap:  # (a restore's saved ids may come in any order)
                keys.extend(repeat(None, gap))
                if sorts is not None:
                    sorts.extend(repeat((), gap))
                self._vector_fields.extend(repeat((), gap))
                self._vector_values.extend(repeat(None, gap))
            keys.append(key)
            if sorts is not None:
                sorts.append(sort_values)
            self._vector_fields.append(vector_fields)
            self._vector_values.append(vector_values)
            self._count += 1
            return
        if keys[doc_id] is None:
            self._count += 1
        keys[doc_id] = key
        if sorts is not None:
            sorts[doc_id] = sort_values
        self._vector_fields[doc_id] = vector_fields
        self._vector_values[doc_id] = vector_values

    def pop(self, doc_id: int) -> bool:
        """Remove ``doc_id``'s document; whether there was one."""
        if self.get(doc_id) is None:
            return False
        self._vector_values[doc_id] = None
        self._vector_fields[doc_id] = ()
        if self._sort_values is not None:
            self._sort_values[doc_id] = ()
        self._keys[doc_id] = None
        self._count -= 1
        return True

    def clear(self) -> None:
        self._keys, self._sort_values, self._vector_fields, self._vector_values = [], None, [], []
        self._count = 0
