"""The replication backlog (Redis's repl_backlog): the last ``repl-backlog-size`` bytes of the stream,
from which a replica that lost its link continues (PSYNC) instead of copying everything again."""

from __future__ import annotations

from collections import deque


class Backlog:
    """The stream's most recent bytes, kept as the chunks that were fed: appending is O(1), and the
    oldest whole chunks go once the others still hold ``size`` bytes (so it may hold a little more,
    never less, as Redis's may)."""

    def __init__(self, first_offset: int, size: int) -> None:
        self.chunks: deque[bytes] = deque()
        self.first = first_offset  # the replication offset of the first byte held
        self.length = 0
        self.size = size

    def append(self, data: bytes) -> None:
        chunks = self.chunks
        chunks.append(data)
        self.length += len(data)
        if self.length > self.size:
            while self.length - len(chunks[0]) >= self.size:
                dropped = len(chunks.popleft())
                self.length -= dropped
                self.first += dropped

    def holds(self, offset: int) -> bool:
        """Whether the stream from ``offset`` on (up to the present, possibly nothing) is here."""
        return self.first <= offset <= self.first + self.length

    def since(self, offset: int) -> bytes:
        """The bytes from ``offset`` to the end (``holds(offset)`` must be true)."""
        data = b"".join(self.chunks)
        self.chunks = deque([data]) if data else deque()
        return data[offset - self.first:]
