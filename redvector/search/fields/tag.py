"""TAG fields: exact-match values split on a separator, A-Z lower-cased unless CASESENSITIVE."""

from __future__ import annotations

import fnmatch

import numpy as np

from redvector.search.fields.numbering import Numbering
from redvector.search.fields.postings import NO_IDS


def split_tags(value: bytes, separator: bytes, casesensitive: bool) -> list[bytes]:
    """RediSearch: split on the separator (none: the value is one tag), trim whitespace, drop empty tags,
    fold case."""
    out = []
    for part in value.split(separator) if separator else (value,):
        tag = part.strip()
        if not tag:
            continue
        out.append(tag if casesensitive else _fold(tag))
    return out


def _fold(tag: bytes) -> bytes:
    """RediSearch 2.10 folds a tag's A-Z only (bytes.lower()): "ÜNÏCÖDÉ" is the tag "ÜnÏcÖdÉ", as
    Redis Stack 7.4.1's FT.TAGVALS shows."""
    return tag.lower()


_NONE = -1  # a document without a value of the field
_SEVERAL = -2  # a document with several (its codes in TagIndex._multi)


class TagIndex:
    """A TAG field's values and the documents with each.

    Memory per document matters (an index often covers every key): each distinct value gets a code, and
    a document with one value (the usual hash field) is its code at its doc id in a numpy column (4
    bytes), so the documents with a value are one vectorised comparison over the column. A document with
    several values (a separated list, a JSON array) keeps them in ``_multi``, and each value the set of
    such documents in ``_multi_docs``.
    """

    def __init__(self, separator: bytes = b",", casesensitive: bool = False) -> None:
        self.separator = separator
        self.casesensitive = casesensitive
        self._values: Numbering[bytes] = Numbering(b"")  # value <-> code
        self._codes = self._values.numbers
        self._counts: list[int] = []  # code -> documents with the value (0: a free code)
        self._col = np.full(0, _NONE, dtype=np.int32)  # doc id -> its value's code, _NONE or _SEVERAL
        self._multi: dict[int, tuple[int, ...]] = {}  # doc id -> its codes, for documents with several
        self._multi_docs: dict[int, set[int]] = {}  # code -> documents with several values, this one among them
        self._docs = 0

    def __len__(self) -> int:
        return self._docs

    def _code(self, tag: bytes) -> int:
        """``tag``'s code, one more document counted with it."""
        code = self._values.number(tag)
        if code == len(self._counts):
            self._counts.append(0)
        self._counts[code] += 1
        return code

    def _release(self, code: int) -> None:
        self._counts[code] -= 1
        if not self._counts[code]:
            self._values.release(self._values.values[code])

    def add(self, doc_id: int, raw: bytes | tuple[bytes, ...]) -> None:
        """Index a document's value: one string, or several (a JSON array), each split on the separator."""
        if isinstance(raw, bytes):
            tags = split_tags(raw, self.separator, self.casesensitive)
            if len(tags) > 1:
                tags = list(dict.fromkeys(tags))
        else:
            tags = list(dict.fromkeys(t for value in raw for t in split_tags(value, self.separator, self.casesensitive)))
        self.remove(doc_id)
        if not tags:
            return
        if doc_id >= len(self._col):
            grown = np.full(max(doc_id + 1, 2 * len(self._col), 1024), _NONE, dtype=np.int32)
            grown[:len(self._col)] = self._col
            self._col = grown
        self._docs += 1
        if len(tags) == 1:
            self._col[doc_id] = self._code(tags[0])
            return
        codes = tuple(self._code(t) for t in tags)
        self._col[doc_id] = _SEVERAL
        self._multi[doc_id] = codes
        for code in codes:
            self._multi_docs.setdefault(code, set()).add(doc_id)

    def remove(self, doc_id: int) -> None:
        if doc_id >= len(self._col):
            return
        code = int(self._col[doc_id])
        if code == _NONE:
            return
        self._col[doc_id] = _NONE
        self._docs -= 1
        if code != _SEVERAL:
            self._release(code)
            return
        for c in self._multi.pop(doc_id):
            holders = self._multi_docs[c]
            holders.discard(doc_id)
            if not holders:
                del self._multi_docs[c]
            self._release(c)

    def fold(self, tag: bytes) -> bytes:
        return tag if self.casesensitive else _fold(tag)

    def tag_values(self) -> list[bytes]:
        """Every value some document has (FT.TAGVALS)."""
        return list(self._codes)

    def count(self, value: bytes) -> int:
        """How many documents have ``value`` (as folded)."""
        code = self._codes.get(value)
        return self._counts[code] if code is not None else 0

    def docs(self, values: list[bytes]) -> np.ndarray:
        """The documents with any of ``values`` (as folded): doc ids ascending, int64."""
        codes = [c for v in values if (c := self._codes.get(v)) is not None]
        if not codes:
            return NO_IDS
        col = self._col
        inside = (col == codes[0]) if len(codes) == 1 else np.isin(col, codes)
        ids = np.flatnonzero(inside)
        several = [d for c in codes for d in self._multi_docs.get(c, ())]
        if several:
            ids = np.union1d(ids, np.array(several, dtype=np.int64))
        return ids

    def match(self, tag: bytes, prefix: bool = False, suffix: bool = False, wildcard: bool = False,
              limit: int | None = None) -> np.ndarray:
        """The documents (ids ascending) with ``tag``, or with the values a prefix, suffix, infix or
        wildcard pattern matches (at most ``limit`` of them, the first in byte order, as RediSearch's
        MAXPREFIXEXPANSIONS)."""
        t = self.fold(tag)
        if not prefix and not suffix and not wildcard:
            return self.docs([t])
        return self.docs(self.expand(t, prefix, suffix, wildcard, limit))

    def expand(self, folded: bytes, prefix: bool, suffix: bool, wildcard: bool,
               limit: int | None = None) -> list[bytes]:
        """The values a pattern matches, in byte order, the first ``limit`` of them."""
        if wildcard:
            pattern = folded.decode("utf-8", "replace")
            found = [v for v in self._codes if fnmatch.fnmatchcase(v.decode("utf-8", "replace"), pattern)]
        elif prefix and suffix:
            found = [v for v in self._codes if folded in v]
        elif prefix:
            found = [v for v in self._codes if v.startswith(folded)]
        else:
            found = [v for v in self._codes if v.endswith(folded)]
        found.sort()
        return found if limit is None else found[:limit]

    def memory_bytes(self) -> int:
        return int(self._col.nbytes) + 96 * len(self._codes) + 64 * len(self._multi) + \
            48 * sum(len(docs) for docs in self._multi_docs.values())
