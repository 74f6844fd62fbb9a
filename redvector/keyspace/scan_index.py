"""KeyOrder: every key of a database kept in hash order, so SCAN cursors stay valid while keys change.

Redis's SCAN walks hash-table buckets with a reverse-binary cursor, which guarantees that a full
iteration returns every key present from start to end even while the table grows or shrinks. Python's
dict cannot be entered at a position, so each database keeps this side index: the keys sorted by their
(process-stable) ``hash()``, stored in chunks of a few hundred like sortedcontainers' SortedList. The
cursor is the hash of the next key to visit (offset to be unsigned), so:

- a key present throughout an iteration has a fixed hash >= the cursor until it is visited: it is
  returned exactly once (twice only if its hash collides with a key at a batch boundary: allowed);
- inserts and deletes elsewhere never shift the cursor, whatever the database size;
- one call costs O(log n + COUNT): a bisect over chunk maxima, a bisect in one chunk, then a slice.

Memory: one pointer per key (the key object is shared with the dict) plus one int per chunk.
"""

from __future__ import annotations

import random
from bisect import bisect_left, bisect_right

# Cursors are unsigned 64-bit like Redis's; hash() is a signed 64-bit value.
HASH_OFFSET = 1 << 63
CURSOR_LIMIT = 1 << 64
_LOAD = 512  # a chunk splits at twice this many keys


class KeyOrder:
    """A set of keys ordered by hash(key); supports resumable hash-order scans and random picks."""

    __slots__ = ("_chunks", "_maxes", "size")

    def __init__(self) -> None:
        self._chunks: list[list[bytes]] = []
        self._maxes: list[int] = []  # hash of the last key of each chunk
        self.size = 0

    def __len__(self) -> int:
        return self.size

    def add(self, key: bytes) -> None:
        """Insert a key known to be absent."""
        h = hash(key)
        maxes = self._maxes
        if not maxes:
            self._chunks.append([key])
            maxes.append(h)
            self.size = 1
            return
        i = bisect_left(maxes, h)
        if i == len(maxes):
            i -= 1
            maxes[i] = h
        chunk = self._chunks[i]
        chunk.insert(bisect_right(chunk, h, key=hash), key)
        self.size += 1
        if len(chunk) > 2 * _LOAD:
            tail = chunk[_LOAD:]
            del chunk[_LOAD:]
            self._chunks.insert(i + 1, tail)
            maxes[i] = hash(chunk[-1])
            maxes.insert(i + 1, hash(tail[-1]))

    def _find(self, key: bytes) -> tuple[int, int]:
        """(chunk, position) of key, or (-1, -1)."""
        h = hash(key)
        maxes, chunks = self._maxes, self._chunks
        i = bisect_left(maxes, h)
        while i < len(maxes):
            chunk = chunks[i]
            j = bisect_left(chunk, h, key=hash)
            while j < len(chunk) and hash(chunk[j]) == h:
                if chunk[j] == key:
                    return i, j
                j += 1
            if maxes[i] != h:  # a run of equal hashes may continue in the next chunk
                break
            i += 1
        return -1, -1

    def __contains__(self, key: bytes) -> bool:
        return self._find(key)[0] >= 0

    def discard(self, key: bytes) -> bool:
        i, j = self._find(key)
        if i < 0:
            return False
        chunk = self._chunks[i]
        del chunk[j]
        self.size -= 1
        if not chunk:
            del self._chunks[i]
            del self._maxes[i]
        elif j == len(chunk):
            self._maxes[i] = hash(chunk[-1])
        return True

    def scan(self, cursor: int, count: int) -> tuple[list[bytes], int]:
        """Up to ~count keys from ``cursor`` in hash order, and the next cursor (0 when done)."""
        start = cursor - HASH_OFFSET
        maxes, chunks = self._maxes, self._chunks
        i = bisect_left(maxes, start)
        if i == len(maxes):
            return [], 0
        j = bisect_left(chunks[i], start, key=hash)
        out: list[bytes] = []
        while i < len(chunks):
            chunk = chunks[i]
            take = chunk[j : j + count - len(out)]
            out += take
            j += len(take)
            if len(out) >= count:
                break
            i += 1
            j = 0
        # Never stop inside a run of equal hashes: the next cursor could not point into it.
        while i < len(chunks):
            chunk = chunks[i]
            if j >= len(chunk):
                i += 1
                j = 0
                continue
            if not out or hash(chunk[j]) != hash(out[-1]):
                return out, hash(chunk[j]) + HASH_OFFSET
            out.append(chunk[j])
            j += 1
        return out, 0

    def random_key(self) -> bytes | None:
        if not self._chunks:
            return None
        chunk = random.choice(self._chunks)
        return random.choice(chunk)

    def clear(self) -> None:
        self._chunks = []
        self._maxes = []
        self.size = 0


def parse_cursor(text: bytes) -> int | None:
    """Redis's cursor parsing (strtoull): decimal, negative values wrap; None when invalid."""
    try:
        value = int(text)
    except ValueError:
        return None
    if not text.strip(b"-").isdigit() or value >= CURSOR_LIMIT or value < -(1 << 63):
        return None
    return value % CURSOR_LIMIT
