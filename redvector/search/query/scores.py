"""Query results held as arrays: a large result that is ranked, not combined, skips the dict.

The executor combines clauses as ``doc id -> score`` dicts. A query that is ``*`` or a single word over a
large index has nothing to combine: its scores come out of numpy (TextIndex.record_arrays, the documents'
lengths) and only the best few are read, so building and then re-reading a 100k-entry dict would be most
of its cost. ``ArrayScores`` is a read-only mapping over (doc ids ascending, scores) that orders itself
(``best``) and answers the few lookups a reply makes (WITHSCORES) by binary search.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import numpy as np

LOOKUPS_BEFORE_DICT = 256


class ArrayScores(Mapping[int, float]):
    __slots__ = ("_as_dict", "_lookups", "ids", "scores")

    def __init__(self, ids: np.ndarray, scores: np.ndarray) -> None:
        self.ids = ids  # int64, ascending, unique
        self.scores = scores  # float64, one per id
        self._lookups = 0
        self._as_dict: dict[int, float] | None = None  # built once lookups outnumber a page's

    def __len__(self) -> int:
        return len(self.ids)

    def __iter__(self) -> Iterator[int]:
        return iter(self.ids.tolist())

    def __getitem__(self, doc_id: int) -> float:
        if self._as_dict is not None:
            return self._as_dict[doc_id]
        self._lookups += 1
        if self._lookups > LOOKUPS_BEFORE_DICT:  # e.g. FT.AGGREGATE ... ADDSCORES reading every row
            self._as_dict = dict(zip(self.ids.tolist(), self.scores.tolist(), strict=True))
            return self._as_dict[doc_id]
        at = int(np.searchsorted(self.ids, doc_id))
        if at < len(self.ids) and self.ids[at] == doc_id:
            return float(self.scores[at])
        raise KeyError(doc_id)

    def best(self, need: int | None) -> list[int]:
        """best_order over these scores."""
        return best_order(self.ids, self.scores, need)


def best_order(ids: np.ndarray, values: np.ndarray, need: int | None) -> list[int]:
    """Doc ids by score descending, then id ascending (nan after every number); the first ``need``."""
    neg = -values
    neg[np.isnan(neg)] = np.inf
    if need is not None and need < len(ids):
        kth = np.partition(neg, need - 1)[need - 1]
        keep = neg <= kth  # every document tied with the need-th one, so ids settle the ties
        ids, neg = ids[keep], neg[keep]
    order = np.lexsort((ids, neg))
    if need is not None:
        order = order[:need]
    return list(ids[order].tolist())
