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


# A sorted set this small is a listpack in Redis (zset-max-listpack-entries' default): lex ranges walk it.
LISTPACK_WALK_MAX = 128


def _lex_range_empty(low: LexBound, high: LexBound) -> bool:
    """Redis's test for lex ranges that are always empty: min above max, or equal with an exclusive end
    (sdscmplex: '-' below everything, '+' above)."""
    if low.kind and low.kind == high.kind:
        cmp = 0
    elif low.kind < 0 or high.kind > 0:
        cmp = -1
    elif low.kind > 0 or high.kind < 0:
        cmp = 1
    else:
        cmp = (low.value > high.value) - (low.value < high.value)
    return cmp > 0 or (cmp == 0 and (low.exclusive or high.exclusive))


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

    def lex_span(self, low: LexBound, high: LexBound, reverse: bool = False) -> tuple[int, int]:
        """Positions [start, stop) of members within [low, high], as Redis walks them.

        Lex ranges assume all scores are equal (Redis's rule). A range that can hold nothing, or that
        lies past either end, is empty, as Redis's zslIsInLexRange says. A small set (listpack in
        Redis) is walked as Redis walks it: from the first member >= min while members are <= max (from
        the last member <= max, backwards, when ``reverse``), which also gives Redis's answer when scores
        differ; a large one by binary search on positions, O(log^2 n), Redis's answer for equal scores.
        """
        order = self.order
        n = len(order)
        if n == 0 or _lex_range_empty(low, high) or not low.above_min(order[n - 1][1]) \
                or not high.below_max(order[0][1]):
            return 0, 0
        if n > LISTPACK_WALK_MAX:
            start = self._first(lambda m: low.above_min(m), 0, n)
            return start, self._first(lambda m: not high.below_max(m), start, n)
        members = [member for _, member in order]
        if reverse:
            last = next(i for i in range(n - 1, -1, -1) if high.below_max(members[i]))
            if not low.above_min(members[last]):
                return 0, 0
            start = last
            while start > 0 and low.above_min(members[start - 1]):
                start -= 1
            return start, last + 1
        start = next(i for i in range(n) if low.above_min(members[i]))
        if not high.below_max(members[start]):
            return 0, 0
        stop = start + 1
        while stop < n and high.below_max(members[stop]):
            stop += 1
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
