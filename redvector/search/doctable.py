"""DocMeta, what a search index keeps per document besides its postings, and DocTable, doc id -> DocMeta.

Doc ids are small integers handed out in increasing order (SearchIndex.max_doc_id), so DocTable is a list
indexed by doc id: 8 bytes per id instead of a dict's ~44 bytes per document. Every re-index of a key takes
a new id and leaves a hole (None) behind, 8 bytes per id ever used, as the index's other by-doc-id columns
(numeric values, tag codes, text lengths) already cost.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import compress, count


@dataclass(slots=True)
class DocMeta:
    """What an index keeps per document besides its postings (one per indexed key: kept small). The
    document's score and payload, which most documents lack, are in SearchIndex.doc_scores/payloads."""

    key: bytes
    # The SORTBY value of each schema field, by the field's position in the schema (None: absent); a
    # tuple, not a dict, and shorter than the schema for documents indexed before an FT.ALTER. ON HASH
    # only SORTABLE fields have one here (the others are read from the hash: SearchIndex.sort_value),
    # and a document with none shares the empty tuple.
    sort_values: tuple[float | bytes | None, ...]
    vector_fields: tuple[bytes, ...] = ()  # attributes of the vectors this document has (a shared tuple)
    # The hash's own value objects for those vectors (references, no copies): the one value itself when
    # there is one vector field, else a tuple in ``vector_fields`` order. Exact search over a filtered
    # subset reads them (hnswlib hands its stored vectors back slowly).
    vector_values: bytes | tuple[bytes, ...] | None = None


class DocTable:
    """doc id -> DocMeta of the indexed documents, with the part of a dict's interface the index's readers
    use (get, in, len, iteration in ascending doc-id order, items, pop). May be read from a worker thread
    while the event loop writes: a list grows in place and its reads need no lock."""

    __slots__ = ("_metas", "_count")

    def __init__(self) -> None:
        self._metas: list[DocMeta | None] = []
        self._count = 0

    def get(self, doc_id: int) -> DocMeta | None:
        metas = self._metas
        return metas[doc_id] if 0 <= doc_id < len(metas) else None

    def keys_of(self, doc_ids: Iterable[int]) -> list[bytes | None]:
        """The key of each of ``doc_ids`` (None for one not in the table) in one pass, for readers of many
        documents (a get call per document costs more)."""
        metas = self._metas
        n = len(metas)
        return [meta.key if 0 <= d < n and (meta := metas[d]) is not None else None for d in doc_ids]

    def __contains__(self, doc_id: int) -> bool:
        return self.get(doc_id) is not None

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[int]:
        """The doc ids, ascending (compress keeps the ids whose entry is a DocMeta, always true, and
        drops the holes' None, in C)."""
        return compress(count(), self._metas)

    def items(self) -> Iterator[tuple[int, DocMeta]]:
        return ((doc_id, meta) for doc_id, meta in enumerate(self._metas) if meta is not None)

    def __setitem__(self, doc_id: int, meta: DocMeta) -> None:
        metas = self._metas
        if doc_id >= len(metas):
            if doc_id > len(metas):  # (a restore's saved ids may come in any order)
                metas.extend([None] * (doc_id - len(metas)))
            metas.append(meta)
        else:
            if metas[doc_id] is not None:
                self._count -= 1
            metas[doc_id] = meta
        self._count += 1

    def pop(self, doc_id: int) -> DocMeta | None:
        """Remove ``doc_id``'s entry; the one it had (None: none)."""
        meta = self.get(doc_id)
        if meta is not None:
            self._metas[doc_id] = None
            self._count -= 1
        return meta

    def clear(self) -> None:
        self._metas = []
        self._count = 0
