"""khash_order against what khash's layout gives by hand for small tables, and as a permutation for large
ones (the differential tests check it against Redis Stack's GROUPBY order)."""

from __future__ import annotations

import random

from redvector.commands.search.khash_order import _hash, khash_order


def test_small_table_is_bucket_order() -> None:
    # Three keys fit the first table (4 buckets, grown at the 4th): each in bucket hash & 3, a collision
    # probing to the next free bucket (+1).
    keys = [3, 1, 2]  # buckets 3, 1, 2: iterated 1, 2, 3
    assert [_hash(k) & 3 for k in keys] == [3, 1, 2]
    assert khash_order(keys) == [1, 2, 0]
    keys = [5, 9, 1000]  # buckets 1, 1 (probes to 2), 0: iterated 1000, 5, 9
    assert [_hash(k) & 3 for k in keys] == [1, 1, 0]
    assert khash_order(keys) == [2, 0, 1]


def test_hash_function() -> None:
    key = 0x0123456789ABCDEF
    assert _hash(key) == ((key >> 33) ^ key ^ (key << 11)) & 0xFFFFFFFF
    assert _hash(1) == (1 ^ (1 << 11))


def test_large_tables_are_permutations() -> None:
    rng = random.Random(7)
    for n in (0, 1, 4, 5, 7, 100, 1000):
        keys = list({rng.getrandbits(64) for _ in range(n)})
        order = khash_order(keys)
        assert sorted(order) == list(range(len(keys)))
