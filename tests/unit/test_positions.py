"""RediSearch's position checks (search/query/positions.py), quirks included, on hand-made lists; the
vectorised walks (offsets, in-order and unordered range checks) against the scalar ones."""

from __future__ import annotations

import random

import numpy as np

from redvector.search.query.positions import (
    in_order_docs,
    offset_delta,
    offset_deltas,
    unordered_docs,
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


def _random_lists(rng: random.Random, clauses: int, docs: int) -> list[dict[int, list[int]]]:
    """Per clause, doc -> sorted positions; some documents left out of some clauses, positions shared
    between clauses now and then (a word and its stem record)."""
    out: list[dict[int, list[int]]] = [{} for _ in range(clauses)]
    for doc in range(1, docs):
        span = rng.choice([2, 4, 9, 30])
        for lists in out:
            if rng.random() < 0.9:
                lists[doc] = sorted(rng.sample(range(1, span + 1), rng.randint(1, min(5, span))))
    return out


def _keys(lists: dict[int, list[int]]) -> np.ndarray:
    return np.array([(d << 32) | p for d in sorted(lists) for p in lists[d]], dtype=np.int64)


def test_unordered_docs_match_the_walk_document_by_document() -> None:
    rng = random.Random(5)
    for clauses in (1, 2, 3, 4):
        lists = _random_lists(rng, clauses, 500)
        held = sorted(set.intersection(*(set(c) for c in lists)))
        for slop in (0, 1, 2, 5, 1 << 31):
            docs, passing = unordered_docs([_keys(c) for c in lists], slop)
            assert docs.tolist() == held
            expected = [d for d in held if within_range_unordered([c[d] for c in lists], slop)]
            assert passing.tolist() == expected, (clauses, slop)
            if clauses > 1 and slop < 5:
                assert 0 < len(expected) < len(held)


def test_in_order_docs_match_the_walk_document_by_document() -> None:
    rng = random.Random(6)
    for clauses in (1, 2, 3):
        lists = _random_lists(rng, clauses, 500)
        everyone = sorted(set().union(*(set(c) for c in lists)))
        candidates = np.array(everyone[::3], dtype=np.int64)
        for slop in (0, 1, 3, 1 << 31):
            keys = [_keys(c) for c in lists]
            expected = [d for d in everyone if within_range_in_order([c.get(d, []) for c in lists], slop)]
            assert in_order_docs(keys, slop).tolist() == expected, (clauses, slop)
            kept = set(candidates.tolist())
            assert in_order_docs(keys, slop, candidates).tolist() == [d for d in expected if d in kept]
            if clauses > 1 and slop < 3:
                assert 0 < len(expected) < len(everyone)


def test_unordered_docs_of_candidates_only() -> None:
    rng = random.Random(8)
    lists = _random_lists(rng, 2, 300) + _random_lists(rng, 1, 300)
    candidates = np.arange(0, 300, 4, dtype=np.int64)
    for clauses in (lists[:2], lists):
        keys = [_keys(c) for c in clauses]
        held, passing = unordered_docs(keys, 1)
        kept_held, kept_passing = unordered_docs(keys, 1, candidates)
        assert kept_held.tolist() == [d for d in held.tolist() if d % 4 == 0]
        assert kept_passing.tolist() == [d for d in passing.tolist() if d % 4 == 0]
        assert len(kept_passing)


def test_in_order_docs_of_two_clauses_whichever_is_longer() -> None:
    """Two clauses: the walk from the first clause's positions, or the search from the second's when it
    holds fewer: the same documents as the scalar walk either way."""
    rng = random.Random(9)
    few, many = _random_lists(rng, 2, 400)
    for lists in ({d: p[:1] for d, p in few.items()}, many), (many, {d: p[:1] for d, p in few.items()}):
        keys = [_keys(c) for c in lists]
        assert len(keys[0]) != len(keys[1])
        everyone = sorted(set(lists[0]) | set(lists[1]))
        for slop in (0, 1, 4):
            expected = [d for d in everyone if within_range_in_order([c.get(d, []) for c in lists], slop)]
            assert in_order_docs(keys, slop).tolist() == expected
            assert 0 < len(expected) < len(everyone)
