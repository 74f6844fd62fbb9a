"""The order klib's khash (uint64 keys) iterates its keys in: RediSearch's grouper keeps FT.AGGREGATE's
groups in such a table (``KHASH_MAP_INIT_INT64``) keyed by each group's 64-bit hash and yields them bucket
by bucket, so GROUPBY's rows come out in this order (Redis Stack 7.4 checked on groups of hundreds).

khash 0.2.8 as RediSearch vendors it: open addressing over a power-of-two table (4 buckets first), the
bucket ``hash & mask`` then quadratic probing (+1, +2, +3 ...), the hash of a key
``(uint32)(key >> 33 ^ key ^ key << 11)``, a table grown once 77% full (to the next power of two) by an
in-place rehash that walks the old buckets in order and kicks out keys it lands on.
"""

from __future__ import annotations

_UPPER = 0.77


def _hash(key: int) -> int:
    return ((key >> 33) ^ key ^ (key << 11)) & 0xFFFFFFFF


def _roundup32(x: int) -> int:
    x -= 1
    for shift in (1, 2, 4, 8, 16):
        x |= x >> shift
    return x + 1


class _Table:
    """The buckets of a khash into which only puts happen (no deletions): each holds a key's position in
    the insertion list, or nothing."""

    def __init__(self, keys: list[int]) -> None:
        self.keys = keys
        self.n_buckets = 0
        self.size = 0
        self.n_occupied = 0
        self.upper_bound = 0
        self.slots: list[int] = []  # bucket -> position in keys (where occupied)
        self.occupied: list[bool] = []

    def put(self, position: int) -> None:
        if self.n_occupied >= self.upper_bound:  # kh_put grows (or cleans) the table first
            self.resize(self.n_buckets - 1 if self.n_buckets > (self.size << 1) else self.n_buckets + 1)
        keys, slots, occupied = self.keys, self.slots, self.occupied
        key = keys[position]
        mask = self.n_buckets - 1
        i = _hash(key) & mask
        step = 0
        while occupied[i] and keys[slots[i]] != key:
            step += 1
            i = (i + step) & mask
        if not occupied[i]:
            occupied[i] = True
            slots[i] = position
            self.size += 1
            self.n_occupied += 1

    def resize(self, new_n_buckets: int) -> None:
        new_n = max(_roundup32(new_n_buckets), 4)
        if self.size >= int(new_n * _UPPER + 0.5):  # too small for what it holds: nothing changes
            return
        old_n = self.n_buckets
        slots = self.slots + [0] * (new_n - old_n)
        live = self.occupied + [False] * (new_n - old_n)  # old buckets not yet moved
        new_mask = new_n - 1
        taken = [False] * new_n
        keys = self.keys
        for j in range(old_n):
            if not live[j]:
                continue
            moving = slots[j]
            live[j] = False
            while True:  # kick-out: a key landing on an old bucket not moved yet takes it, and moves that one on
                i = _hash(keys[moving]) & new_mask
                step = 0
                while taken[i]:
                    step += 1
                    i = (i + step) & new_mask
                taken[i] = True
                if i < old_n and live[i]:
                    moving, slots[i] = slots[i], moving
                    live[i] = False
                else:
                    slots[i] = moving
                    break
        self.slots, self.occupied = slots, taken
        self.n_buckets = new_n
        self.n_occupied = self.size
        self.upper_bound = int(new_n * _UPPER + 0.5)


def khash_order(keys: list[int]) -> list[int]:
    """Positions in ``keys`` (distinct uint64 values, in the order they were put) in the order a khash
    holding them iterates them."""
    table = _Table(keys)
    for position in range(len(keys)):
        table.put(position)
    return [table.slots[i] for i in range(table.n_buckets) if table.occupied[i]]
