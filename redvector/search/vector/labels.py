"""LabelSet: a set of doc ids (small non-negative ints) as one byte per id.

An HNSW index remembers which labels hnswlib holds live; a Python ``set`` costs ~100 bytes per member
(hash table slot plus an int object), ~10 MB per 100k vectors. Doc ids are dense (an index hands them
out in sequence), so a byte array indexed by id holds the same set in ~1 byte per id.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator


class LabelSet:
    """The set operations HnswIndex uses (add, discard, in, len, iteration) over a growable bytearray."""

    __slots__ = ("_count", "_flags")

    def __init__(self, members: Iterable[int] = ()) -> None:
        self._flags = bytearray(1024)
        self._count = 0
        for m in members:
            self.add(m)

    def __contains__(self, label: object) -> bool:
        flags = self._flags
        return isinstance(label, int) and 0 <= label < len(flags) and flags[label] == 1

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[int]:
        return (i for i, flag in enumerate(self._flags) if flag)

    def add(self, label: int) -> None:
        if label < 0:
            raise ValueError(f"label {label} is negative")
        flags = self._flags
        if label >= len(flags):
            flags.extend(bytes(max(label + 1, 2 * len(flags)) - len(flags)))
        if not flags[label]:
            flags[label] = 1
            self._count += 1

    def discard(self, label: int) -> None:
        flags = self._flags
        if 0 <= label < len(flags) and flags[label]:
            flags[label] = 0
            self._count -= 1

    @property
    def nbytes(self) -> int:
        return len(self._flags)
