"""NUMERIC fields: each document's value in a column indexed by doc id (numpy), scanned for ranges."""

from __future__ import annotations

import numpy as np

from redvector.floats import string2d
from redvector.search.fields.postings import NO_IDS


def parse_number(raw: bytes) -> float | None:
    """A double as RediSearch accepts it (Redis's string2d: strtod's decimal and hexadecimal forms, inf;
    no spaces around it, no NaN, no overflow); None when it does not parse."""
    return string2d(raw)


class NumericIndex:
    """A document has one value (a hash field) or several (a JSON array: it matches a range when any
    of them is inside).

    ``first`` holds every document's (first) value at its doc id, NaN where it has none (a value is never
    NaN: parse_number refuses it), so a range is one vectorised comparison over the column and SORTBY
    reads the values it sorts by with one gather. 8 bytes per doc id instead of a sorted list's
    (value, doc) tuple and a dict entry per document (~200 bytes); a scan of 1M documents takes ~1-2 ms.
    Documents with several values keep them in ``multi`` as well.
    """

    def __init__(self) -> None:
        self.first = np.full(0, np.nan)
        self.multi: dict[int, tuple[float, ...]] = {}
        self._multi_flat: tuple[np.ndarray, np.ndarray] | None = None  # multi's (values, doc ids), built on need
        self._docs = 0

    def __len__(self) -> int:
        return self._docs

    def get(self, doc_id: int) -> float | tuple[float, ...] | None:
        held = self.multi.get(doc_id)
        if held is not None:
            return held
        if doc_id < len(self.first):
            value = float(self.first[doc_id])
            if value == value:
                return value
        return None

    def add(self, doc_id: int, value: float | tuple[float, ...]) -> None:
        self.remove(doc_id)
        if doc_id >= len(self.first):
            grown = np.full(max(doc_id + 1, 2 * len(self.first), 1024), np.nan)
            grown[:len(self.first)] = self.first
            self.first = grown
        if isinstance(value, tuple):
            self.multi[doc_id] = value
            self._multi_flat = None
            self.first[doc_id] = value[0] if value else np.nan
        else:
            self.first[doc_id] = value
        self._docs += 1

    def remove(self, doc_id: int) -> None:
        if self.multi.pop(doc_id, None) is None:
            if doc_id >= len(self.first) or self.first[doc_id] != self.first[doc_id]:
                return
        else:
            self._multi_flat = None
        self.first[doc_id] = np.nan
        self._docs -= 1

    def range_ids(self, lo: float, hi: float, lo_excl: bool = False, hi_excl: bool = False) -> np.ndarray:
        """The doc ids (ascending, int64) with a value in the range."""
        if lo > hi:
            return NO_IDS
        col = self.first
        with np.errstate(invalid="ignore"):  # NaN compares False: no value, no match
            inside = (col > lo) if lo_excl else (col >= lo)
            inside &= (col < hi) if hi_excl else (col <= hi)
        ids = np.flatnonzero(inside)
        if not self.multi:
            return ids
        if self._multi_flat is None:  # every value of the documents with several, flat (rebuilt after a change)
            held = [(v, d) for d, values in self.multi.items() for v in values]
            self._multi_flat = (np.array([v for v, _ in held], dtype=np.float64),
                                np.array([d for _, d in held], dtype=np.int64))
        values, owners = self._multi_flat
        hit = (values > lo) if lo_excl else (values >= lo)
        hit &= (values < hi) if hi_excl else (values <= hi)
        return np.union1d(ids, owners[hit]) if hit.any() else ids

    def sort_column(self, doc_ids: np.ndarray) -> np.ndarray:
        """Each doc's (first) value, NaN for one without a value."""
        col = self.first
        out = np.full(len(doc_ids), np.nan)
        inside = doc_ids < len(col)
        out[inside] = col[doc_ids[inside]]
        return out

    def bounds(self) -> tuple[float, float, int] | None:
        """(lowest value, highest value, entries: each document's distinct values count) or None."""
        col = self.first
        single = col[~np.isnan(col)]
        values = single.tolist() if len(single) else []
        entries = len(single) - sum(1 for held in self.multi.values() if held)
        for held in self.multi.values():
            distinct = set(held)
            entries += len(distinct)
            values.extend(distinct)
        if not entries:
            return None
        return min(values), max(values), entries

    def memory_bytes(self) -> int:
        return int(self.first.nbytes) + len(self.multi) * 120
