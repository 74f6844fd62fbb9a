"""RediSearch's checks over term positions (index_result.c), as the executor applies them per document.

- ``within_range_in_order`` / ``within_range_unordered``: IndexResult_IsWithinRange, which decides whether
  an intersection's clauses lie within its slop (a phrase: slop 0, in order);
- ``in_order_docs`` / ``unordered_docs``: the same checks for every document at once, from each clause's
  positions as sorted doc << 32 | position keys (numpy; no Python step per document or position);
- ``offset_delta``: one neighbour pair's term of IndexResult_MinOffsetDelta, the "slop" TFIDF and BM25
  divide a document's score by; ``offset_deltas`` computes it for every document at once.

Positions are 1-based and sorted per list; the quirks of the C code are kept on purpose (an equal position
passes the in-order check, the unordered one needs min != max), since Redis Stack's results show them.
"""

from __future__ import annotations

import numpy as np

from redvector.search.arrays import intersect_sorted, members, run_starts

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


def in_order_docs(keys: list[np.ndarray], slop: int, candidates: np.ndarray | None = None) -> np.ndarray:
    """The documents (ascending) within_range_in_order passes, from each clause's positions as sorted
    doc << 32 | position keys, the walk run for every first-clause position at once: from a position p of
    the first clause, each next clause at its first position >= the previous one, the gaps (q - p - 1)
    adding up to at most ``slop`` at each step. Only ``candidates`` (ascending doc ids) are checked when
    given: the first clause's other positions are left out before the walk."""
    starts = keys[0]
    if candidates is not None and len(starts):
        starts = starts[members(starts >> 32, candidates)]
    if not len(starts) or any(not len(later) for later in keys[1:]):
        return np.zeros(0, dtype=np.int64)
    if len(keys) == 2 and len(keys[1]) < len(starts):
        # two clauses: some p passes when some q >= p of the second is within reach, so when the last
        # p <= q of some q is: the fewer positions searched in the more
        ends = keys[1]
        at = np.searchsorted(starts, ends, side="right") - 1
        before = starts[np.maximum(at, 0)]
        holders = ends[(at >= 0) & ((before >> 32) == (ends >> 32)) & (ends - before - 1 <= slop)] >> 32
        return holders[run_starts(holders)]
    prev = starts
    ok = np.ones(len(starts), dtype=bool)
    span = np.zeros(len(starts), dtype=np.int64)
    for later in keys[1:]:
        at = np.searchsorted(later, prev)
        nxt = later[np.minimum(at, len(later) - 1)]
        ok &= (at < len(later)) & ((nxt >> 32) == (prev >> 32))
        span += nxt - prev - 1
        ok &= span <= slop
        prev = nxt
    holders = starts[ok] >> 32  # ascending (the keys are)
    return holders[run_starts(holders)]


def unordered_docs(keys: list[np.ndarray], slop: int,
                   candidates: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """within_range_unordered for every document that each of ``keys`` (sorted doc << 32 | position keys,
    one array per clause) holds, of ``candidates`` (ascending doc ids) alone when given: (those documents,
    the ones among them that pass), ascending.

    The walk consumes the clauses' positions in merged order (position, then clause: ``index(low)`` takes
    the first clause at a tie), and before each step checks the state: the position p about to be
    consumed is the lowest current one, and each other clause's current one is its first not consumed
    yet, which is its first > p for an earlier clause (consumed first at a tie), >= p for a later one.
    The state passes when the highest of those less p, less n - 1, is within ``slop`` and not 0. The
    walk ends after consuming a clause's last position in the document: a state whose other clause has
    no position left in the document is never reached. So every position of every clause is checked at
    once, by a binary search in each other clause."""
    n = len(keys)
    if candidates is not None:
        keys = [k[members(k >> 32, candidates)] for k in keys]
    held = intersect_sorted([k[run_starts(k >> 32)] >> 32 for k in keys]) if n else np.zeros(0, dtype=np.int64)
    if n < 2 or not len(held):  # one clause: its min is its max, never within range
        return held, np.zeros(0, dtype=np.int64)
    found = []
    for i, low in enumerate(keys):
        reached = np.ones(len(low), dtype=bool)
        high = low
        for j, other in enumerate(keys):
            if j == i:
                continue
            at = np.searchsorted(other, low, side="right" if j < i else "left")
            current = other[np.minimum(at, len(other) - 1)]
            reached &= (at < len(other)) & ((current >> 32) == (low >> 32))
            high = np.maximum(high, current)
        spread = high - low
        found.append(low[reached & (spread != 0) & (spread - (n - 1) <= slop)] >> 32)
    passing = np.concatenate(found)
    passing.sort()
    return held, passing[run_starts(passing)]


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
