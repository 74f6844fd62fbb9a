"""RediSearch's position checks (search/query/positions.py), quirks included, on hand-made lists; the
vectorised offset walk against the scalar one."""

from __future__ import annotations

import random

import numpy as np

from redvector.search.query.positions import (
    offset_delta,
    offset_deltas,
    within_range_in_order,
    within_range_unordered,
)


def test_in_order_takes_each_next_word_at_or_after_the_previous() -> None:
    assert within_range_in_order([[1], [2]], 0)  # adjacent
    assert not within_range_in_order([[2], [1]], 0)  # out of order
    assert within_range_in_order([[1, 5], [5]], 0)  # the second start (5) meets 5: an equal position, gap -1
    assert within_range_in_order([[3], [3]], 0)  # one occurrence serves two equal words
    assert not within_range_in_order([[1], [4]], 1) and within_range_in_order([[1], [4]], 2)
    # the sum is checked at every step: a gap of 2 fails slop 1 even if a later equal position (-1) would fix it
    assert not within_range_in_order([[1], [4], [4]], 1)
    assert not within_range_in_order([[1], []], 5)  # a list without positions reads EOF


def test_unordered_needs_distinct_min_and_max() -> None:
    assert within_range_unordered([[4], [3]], 0)
    assert not within_range_unordered([[3], [3]], 0)  # min == max never passes
    assert not within_range_unordered([[7]], 3)  # so one list alone never does
    assert within_range_unordered([[1, 9], [10]], 0)  # the smaller list advances until they meet
    assert within_range_unordered([[5], []], 0)  # an empty list reads EOF, which (int) makes -1


def test_offset_delta_stops_at_one() -> None:
    assert offset_delta([1], [2]) == 1
    assert offset_delta([4, 10], [3, 9]) == 1
    assert offset_delta([10, 12], [4, 8]) == 2
    assert offset_delta([5], [5]) == 0


def test_offset_deltas_match_the_walk_document_by_document() -> None:
    rng = random.Random(2)
    a_lists: dict[int, list[int]] = {}
    b_lists: dict[int, list[int]] = {}
    for doc in range(1, 400):
        span = rng.choice([3, 6, 20])
        if rng.random() < 0.8:
            a_lists[doc] = sorted(rng.sample(range(1, span + 1), rng.randint(1, min(4, span))))
        if rng.random() < 0.8:
            b_lists[doc] = sorted(rng.sample(range(1, span + 1), rng.randint(1, min(4, span))))

    def keys(lists: dict[int, list[int]]) -> np.ndarray:
        return np.array([(d << 32) | p for d in sorted(lists) for p in lists[d]], dtype=np.int64)

    docs, deltas = offset_deltas(keys(a_lists), keys(b_lists))
    both = sorted(set(a_lists) & set(b_lists))
    assert docs.tolist() == both
    assert deltas.tolist() == [offset_delta(a_lists[d], b_lists[d]) for d in both]
    assert any(delta == 0 for delta in deltas.tolist()) and any(delta > 1 for delta in deltas.tolist())
