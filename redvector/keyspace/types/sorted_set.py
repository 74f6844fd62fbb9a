"""The sorted set value: member -> score dict plus a SortedList of (score, member) for ordered access.

Order is Redis's: by score, then by member bytes (memcmp). Every positional operation is O(log n) (plus
the number of elements returned): rank, range by rank, the positions bounding a score or lex range, pops.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sortedcontainers import SortedList

Entry = tuple[float, bytes]


@dataclass(frozen=True, slots=True)
class ScoreBound:
    """One end of a score range: ``value`` with ``exclusive`` for Redis's ``(`` prefix."""

    value: float
    exclusive: bool = False


@dataclass(frozen=True, slots=True)
class LexBound:
    """One end of a lex range: ``-`` (kind -1), ``+`` (kind 1), or ``[value`` / ``(value`` (kind 0)."""

    kind: int
    value: bytes = b""
    exclusive: bool = False

    def above_min(self, member: bytes) -> bool:
        """member >= this bound used as a minimum."""
        if self.kind:
            return self.kind < 0
        return member > self.value if self.exclusive else member >= self.value

    def below_max(self, member: bytes) -> bool:
        """member <= this bound used as a maximum."""
        if self.kind:
            return self.kind > 0
        return member < self.value if self.exclusive else member <= self.value


class ZSet:
    """A Redis sorted set. Ordered by (score, member); O(log n) insert, delete, rank and range."""

    __slots__ = ("order", "scores")

    def __init__(self) -> None:
        self.scores: dict[bytes, float] = {}
        self.order: SortedList = SortedList()

    def __len__(self) -> int:
        return len(self.scores)

    def __contains__(self, member: object) -> bool:
        return member in self.scores

    def __iter__(self) -> Iterator[Entry]:
        return iter(self.order)

    def add(self, member: bytes, score: float) -> bool:
        """Set member's score. Returns True when the member is new."""
        old = self.scores.get(member)
        if old is not None:
            if old == score:
                return False
            self.order.remove((old, member))
            self.order.add((score, member))
            self.scores[member] = score
            return False
        self.scores[member] = score
        self.order.add((score, member))
        return True

    def remove(self, member: bytes) -> bool:
        score = self.scores.pop(member, None)
        if score is None:
            return False
        self.order.remove((score, member))
        return True

    def score(self, member: bytes) -> float | None:
        return self.scores.get(member)

    def rank(self, member: bytes, reverse: bool = False) -> int | None:
        score = self.scores.get(member)
        if score is None:
            return None
        index = int(self.order.bisect_left((score, member)))
        return len(self.scores) - 1 - index if reverse else index

    # -- positions -----------------------------------------------------------------------------------------
    def at(self, index: int) -> Entry:
        entry: Entry = self.order[index]
        return entry

    def slice(self, start: int, stop: int, reverse: bool = False) -> list[Entry]:
        """Entries at positions [start, stop) in ascending order, or walked from stop-1 down when reverse."""
        if start >= stop:
            return []
        return list(self.order.islice(start, stop, reverse=reverse))

    def score_span(self, low: ScoreBound, high: ScoreBound) -> tuple[int, int]:
        """Positions [start, stop) of the entries with low <= score <= high (bounds may be exclusive)."""
        order = self.order
        if low.exclusive:
            if low.value == math.inf:
                return 0, 0
            start = order.bisect_left((math.nextafter(low.value, math.inf),))
        else:
            start = order.bisect_left((low.value,))
        if high.value == math.inf and not high.exclusive:
            stop = len(order)
        elif high.exclusive:
            stop = order.bisect_left((high.value,))
        else:
            stop = order.bisect_left((math.nextafter(high.value, math.inf),))
        return int(start), max(int(start), int(stop))

    def lex_span(self, low: LexBound, high: LexBound) -> tuple[int, int]:
        """Positions [start, stop) of members within [low, high], as Redis walks them.

        Lex ranges assume all scores are equal (Redis's rule); members are compared in (score, member)
        order by binary search on positions, which gives Redis's answer for that case in O(log^2 n).
        """
        n = len(self.order)
        start = self._first(lambda m: low.above_min(m), 0, n)
        stop = self._first(lambda m: not high.below_max(m), start, n)
        return start, stop

    def _first(self, pred: Callable[[bytes], bool], lo: int, hi: int) -> int:
        order = self.order
        while lo < hi:
            mid = (lo + hi) // 2
            if pred(order[mid][1]):
                hi = mid
            else:
                lo = mid + 1
        return lo

    # -- removal -------------------------------------------------------------------------------------------
    def pop(self, count: int, from_max: bool) -> list[Entry]:
        """Remove and return up to ``count`` entries from the low (or high) end, in pop order."""
        count = min(count, len(self.order))
        if count <= 0:
            return []
        if from_max:
            entries = list(self.order.islice(len(self.order) - count, len(self.order), reverse=True))
            del self.order[len(self.order) - count :]
        else:
            entries = list(self.order.islice(0, count))
            del self.order[:count]
        for _score, member in entries:
            del self.scores[member]
        return entries

    def remove_span(self, start: int, stop: int) -> int:
        """Remove the entries at positions [start, stop); returns how many."""
        if start >= stop:
            return 0
        for _score, member in self.order.islice(start, stop):
            del self.scores[member]
        del self.order[start:stop]
        return stop - start

    def copy(self) -> ZSet:
        out = ZSet()
        out.scores = dict(self.scores)
        out.order = SortedList(self.order)
        return out

    @classmethod
    def from_scores(cls, scores: dict[bytes, float]) -> ZSet:
        out = cls()
        out.scores = scores
        out.order = SortedList((score, member) for member, score in scores.items())
        return out
