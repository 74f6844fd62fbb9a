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
