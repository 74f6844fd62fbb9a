"""FT.SUGGET's ranking, as RediSearch 2.10's Trie_Search computes it (measured against Redis Stack 7.4).

Entries are visited in the trie's order; an entry matches when its case-folded text starts with the
case-folded prefix (FUZZY: when some prefix of it is within Levenshtein distance 1 of the prefix). Its
score is the stored float32 score (``2^31`` when it "equals" the prefix, see ``_exact``), times
``exp(-2 * distance)`` with FUZZY, divided by ``sqrt(1 + |entry length in characters - prefix length in
bytes|)``. The best ``num`` go through RediSearch's binary heap (ties keep the heap's order, which is
why the visiting order matters) and come out best first.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from redvector.keyspace.types.suggestions import SuggestionTrie, f32

INT_MAX_SCORE = float(2**31)  # (float)INT_MAX


@dataclass(slots=True)
class Suggestion:
    text: str
    score: float
    payload: bytes | None


def fold(text: str) -> str:
    """Single-codepoint case folding, character by character."""
    out = []
    for ch in text:
        low = ch.lower()
        out.append(low if len(low) == 1 else ch)
    return "".join(out)


def _runes(text: str) -> bytes:
    """RediSearch's 16-bit runes, little-endian, as memcmp sees them."""
    return b"".join((ord(ch) & 0xFFFF).to_bytes(2, "little") for ch in text)


def _exact(query_runes: bytes, query_len: int, text: str) -> bool:
    # RediSearch compares the folded query with the stored entry by memcmp over ``length`` bytes of
    # 16-bit runes, i.e. about the first half of the characters; same length in characters required.
    return query_len > 0 and len(text) == query_len and _runes(text)[:query_len] == query_runes[:query_len]


def _prefix_distance(query: str, text: str, limit: int) -> int:
    """The smallest Levenshtein distance between ``query`` and a prefix of ``text`` (limit + 1 if over)."""
    row = list(range(len(query) + 1))
    best = row[-1]
    for ch in text:
        prev, row = row, [row[0] + 1]
        for j, q in enumerate(query, 1):
            row.append(min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (q != ch)))
        best = min(best, row[-1])
        if min(row) > limit:
            break
    return best if best <= limit else limit + 1


class _Heap:
    """RediSearch's util/heap.c with Trie_Search's comparator: the lowest score on top; equal scores swap
    upwards on insertion, which fixes the order of ties."""

    def __init__(self) -> None:
        self.items: list[Suggestion] = []

    @staticmethod
    def _cmp(a: Suggestion, b: Suggestion) -> int:
        return 1 if a.score < b.score else (-1 if a.score > b.score else 0)

    def offer(self, item: Suggestion) -> None:
        items = self.items
        items.append(item)
        i = len(items) - 1
        while i:
            parent = (i - 1) // 2
            if self._cmp(items[i], items[parent]) < 0:
                break
            items[i], items[parent] = items[parent], items[i]
            i = parent

    def poll(self) -> Suggestion:
        items = self.items
        top = items[0]
        items[0], items[-1] = items[-1], items[0]
        items.pop()
        n, i = len(items), 0
        while True:
            left, right = 2 * i + 1, 2 * i + 2
            if right >= n:
                if left >= n:
                    break
                child = left
            else:
                child = right if self._cmp(items[left], items[right]) < 0 else left
            if self._cmp(items[i], items[child]) < 0:
                items[i], items[child] = items[child], items[i]
                i = child
            else:
                break
        return top


def suggest(trie: SuggestionTrie, prefix: bytes, num: int, fuzzy: bool) -> list[Suggestion]:
    query = fold(prefix.decode("utf-8", "surrogateescape"))
    query_runes = _runes(query)
    prefix_bytes = len(prefix)
    max_dist = 1 if fuzzy else 0
    distance: Callable[[str], int]
    if fuzzy:
        def distance(folded: str) -> int:
            return _prefix_distance(query, folded, max_dist)
    else:
        def distance(folded: str) -> int:
            return 0 if folded.startswith(query) else 1
    heap = _Heap()
    min_score = 0.0
    for text, stored, payload in trie.entries():
        dist = distance(fold(text))
        if dist > max_dist or stored == -math.inf:  # Redis Stack never returns a -inf entry
            continue
        score = INT_MAX_SCORE if _exact(query_runes, len(query), text) else stored
        if max_dist:
            score = f32(score * math.exp(-2 * dist))
        score = f32(score / math.sqrt(1 + abs(len(text) - prefix_bytes)))
        entry = Suggestion(text, score, payload)
        if len(heap.items) < num:
            heap.offer(entry)
            if len(heap.items) == num:
                min_score = heap.items[0].score
        elif score > min_score:
            heap.poll()
            heap.offer(entry)
            min_score = max(min_score, heap.items[0].score)
    out = [heap.poll() for _ in range(len(heap.items))]
    out.reverse()
    return out
