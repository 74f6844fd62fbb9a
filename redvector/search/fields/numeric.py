"""NUMERIC fields: doc -> value, and a sorted list of (value, doc) for range queries."""

from __future__ import annotations

from sortedcontainers import SortedList


def parse_number(raw: bytes) -> float | None:
    """A double as RediSearch accepts it (strtod: inf, -inf, exponents); None when it does not parse."""
    try:
        value = float(raw)
    except ValueError:
        return None
    return None if value != value else value


class NumericIndex:
    """A document has one value (a hash field) or several (a JSON array: it matches a range when any
    of them is inside)."""

    def __init__(self) -> None:
        self.values: dict[int, float | tuple[float, ...]] = {}
        self.sorted: SortedList = SortedList()

    def __len__(self) -> int:
        return len(self.values)

    def add(self, doc_id: int, value: float | tuple[float, ...]) -> None:
        self.remove(doc_id)
        self.values[doc_id] = value
        if isinstance(value, tuple):
            self.sorted.update((v, doc_id) for v in set(value))
        else:
            self.sorted.add((value, doc_id))

    def remove(self, doc_id: int) -> None:
        old = self.values.pop(doc_id, None)
        if old is None:
            return
        if isinstance(old, tuple):
            for v in set(old):
                self.sorted.remove((v, doc_id))
        else:
            self.sorted.remove((old, doc_id))

    def range(self, lo: float, hi: float, lo_excl: bool = False, hi_excl: bool = False) -> set[int]:
        if lo > hi:
            return set()
        out = set()
        for value, doc_id in self.sorted.irange((lo, -1), (hi, float("inf"))):
            if (lo_excl and value == lo) or (hi_excl and value == hi):
                continue
            out.add(doc_id)
        return out

    def memory_bytes(self) -> int:
        return len(self.values) * 120
