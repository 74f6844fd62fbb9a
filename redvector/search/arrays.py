"""Sorted-array helpers for the search indexes' numpy paths.

numpy 2's ``np.unique`` without ``return_inverse`` hashes, which on the doc id arrays here (mostly sorted
already) is ~10x slower than sorting; these sort and compare neighbours instead.
"""

from __future__ import annotations

import numpy as np


def _edges(ordered: np.ndarray) -> np.ndarray:
    """Where a sorted array's runs of equal values start, as a mask."""
    edges = np.empty(len(ordered), dtype=bool)
    if len(ordered):
        edges[0] = True
        np.not_equal(ordered[1:], ordered[:-1], out=edges[1:])
    return edges


def run_starts(ordered: np.ndarray) -> np.ndarray:
    """The index where each run of equal values starts in a sorted array."""
    return np.flatnonzero(_edges(ordered))


def distinct(values: np.ndarray) -> np.ndarray:
    """The distinct values, ascending (np.unique)."""
    ordered = np.sort(values)
    return ordered[run_starts(ordered)]


def grouped_sums(values: np.ndarray, figures: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(the distinct values ascending, the sum of ``figures`` over each value's entries, added in their
    order in ``values``)."""
    if not len(values):
        return values, np.zeros(0)
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    edges = _edges(ordered)
    groups = np.cumsum(edges) - 1
    distinct_values = ordered[edges]
    # bincount adds one entry at a time, in order (reduceat would sum long runs pairwise)
    return distinct_values, np.bincount(groups, weights=figures[order], minlength=len(distinct_values))


def grouped_counts(ordered: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(the distinct values of a sorted array, how many times each occurs)."""
    starts = run_starts(ordered)
    return ordered[starts], np.diff(np.append(starts, len(ordered)))


def _dense(values: int, ordered: int, top: int) -> bool:
    """Whether a mask or table over the ids 0..top (a scatter of ``ordered`` ids, a gather of ``values``)
    beats a binary search of ``values`` in ``ordered`` ids (a few steps a level, each a likely cache miss)."""
    return ordered + values + (top >> 4) < 2 * values * max(ordered.bit_length(), 1)


def members(values: np.ndarray, ordered: np.ndarray) -> np.ndarray:
    """Whether each of ``values`` (non-negative ids) is in ``ordered`` (ascending, unique), as a mask."""
    if not len(values) or not len(ordered):
        return np.zeros(len(values), dtype=bool)
    top = int(ordered[-1])
    if _dense(len(values), len(ordered), top):
        mask = np.zeros(top + 2, dtype=bool)
        mask[ordered] = True
        return mask[np.minimum(values, top + 1)]
    at = np.searchsorted(ordered, values)
    return ordered[np.minimum(at, len(ordered) - 1)] == values


def intersect_sorted(arrays: list[np.ndarray]) -> np.ndarray:
    """The ids in every one of ``arrays`` (each ascending and unique), ascending."""
    ordered = sorted(arrays, key=len)
    out = ordered[0]
    for ids in ordered[1:]:
        if not len(out):
            break
        out = out[members(out, ids)]
    return out


def values_at(ids: np.ndarray, values: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """``values`` (one per id of ``ids``, ascending and unique) at the ids ``wanted``, each of which is
    in ``ids``."""
    if len(wanted) == len(ids):  # (all of them, then)
        return values
    if _dense(len(wanted), len(ids), int(ids[-1])):
        table = np.empty(int(ids[-1]) + 1, dtype=values.dtype)
        table[ids] = values
        return table[wanted]
    return values[np.searchsorted(ids, wanted)]
