"""RediSearch's checks over term positions (index_result.c), as the executor applies them per document.

- ``within_range_in_order`` / ``within_range_unordered``: IndexResult_IsWithinRange, which decides whether
  an intersection's clauses lie within its slop (a phrase: slop 0, in order);
- ``offset_delta``: one neighbour pair's term of IndexResult_MinOffsetDelta, the "slop" TFIDF and BM25
  divide a document's score by; ``offset_deltas`` computes it for every document at once.

Positions are 1-based and sorted per list; the quirks of the C code are kept on purpose (an equal position
passes the in-order check, the unordered one needs min != max), since Redis Stack's results show them.
"""

from __future__ import annotations

import numpy as np

from redvector.search.arrays import run_starts

_EOF = 0xFFFFFFFF  # RS_OFFSETVECTOR_EOF


def within_range_in_order(positions: list[list[int]], slop: int) -> bool:
    """RediSearch's __indexResult_withinRangeInOrder over sorted position lists: for each position of
    the first list in turn, each next list at its first position >= the previous one (an equal position
    counts: gap -1), the gaps (q - p - 1) adding up to at most ``slop`` at every step."""
    n = len(positions)
    read = [0] * n  # how far each list has been read
    current = [0] * n
    while True:
        span = 0
        for i in range(n):
            if i == 0:
                if read[0] >= len(positions[0]):
                    return False
                pos, last = positions[0][read[0]], 0
                read[0] += 1
            else:
                pos, last = current[i], current[i - 1]
                while pos < last:
                    if read[i] >= len(positions[i]):
                        return False
                    pos = positions[i][read[i]]
                    read[i] += 1
            current[i] = pos
            if i:
                span += pos - last - 1
                if span > slop:
                    break
        if span <= slop:
            return True


def within_range_unordered(positions: list[list[int]], slop: int) -> bool:
    """RediSearch's __indexResult_withinRangeUnordered: the lists' current positions, the smallest
    advanced until max - min - (n - 1) <= ``slop`` with min != max; an empty list reads EOF (2^32 - 1),
    which C's (int) cast makes -1 there."""
    n = len(positions)
    read = [1] * n
    current = [ps[0] if ps else _EOF for ps in positions]
    high = max(current)
    while True:
        low = min(current)
        at = current.index(low)
        if low != high:
            span = _as_int(high) - _as_int(low) - (n - 1)
            if span <= slop:
                return True
        nxt = positions[at][read[at]] if read[at] < len(positions[at]) else _EOF
        read[at] += 1
        current[at] = nxt
        if nxt == _EOF:
            return False
        high = max(high, nxt)


def _as_int(position: int) -> int:
    return -1 if position == _EOF else position


def offset_delta(a: list[int], b: list[int]) -> int:
    """One neighbour pair's distance in RediSearch's IndexResult_MinOffsetDelta (both lists sorted, not
    empty): from the first positions, the smallest |p - q| walking both lists while it exceeds 1 (so two
    records at one position, a word and its +stem record, are 0 apart)."""
    i = j = 0
    cd = abs(b[0] - a[0])
    while cd > 1 and i < len(a) and j < len(b):
        cd = min(abs(b[j] - a[i]), cd)
        if b[j] > a[i]:
            i += 1
        else:
            j += 1
    return cd


def offset_deltas(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """offset_delta for every document at once: (the documents with positions in both, ascending, their
    distance) from two sorted, unique doc << 32 | position key arrays. The walk consumes the two lists in
    merged order (b first at equal positions) and compares each consumed position with the other list's
    next one; it stops at the first distance of at most 1, else gives the smallest."""
    # each a position's next b one (an equal b comes before it), and each b position's next a one; a step
    # counts when both are in the same document, and steps run in merged order
    after_a = np.searchsorted(b, a, side="right")
    after_b = np.searchsorted(a, b, side="left")
    from_a = np.flatnonzero(after_a < len(b))
    from_a = from_a[(b[after_a[from_a]] >> 32) == (a[from_a] >> 32)]
    from_b = np.flatnonzero(after_b < len(a))
    from_b = from_b[(a[after_b[from_b]] >> 32) == (b[from_b] >> 32)]
    if not len(from_a) and not len(from_b):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    order = np.argsort(np.concatenate([from_a + after_a[from_a], from_b + after_b[from_b]]))
    gaps = np.concatenate([b[after_a[from_a]] - a[from_a], a[after_b[from_b]] - b[from_b]])[order]
    owners = np.concatenate([a[from_a], b[from_b]])[order] >> 32  # ascending, as the steps are
    starts = run_starts(owners)
    out = np.minimum.reduceat(gaps, starts)
    close = np.flatnonzero(gaps <= 1)
    if len(close):  # the walk stops at its first distance <= 1
        group = np.searchsorted(starts, close, side="right") - 1
        first = run_starts(group)
        out[group[first]] = gaps[close[first]]
    return owners[starts], out
