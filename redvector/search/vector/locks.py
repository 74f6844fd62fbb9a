"""A reader/writer lock for vector indexes: many concurrent searches or one mutation at a time.

Searches run in worker threads (a ``Deferred`` reply) and release the GIL inside numpy and hnswlib, so
several may run at once; a mutation of the index structure (hnswlib add/delete/resize, rows of a FLAT
matrix moving) must not overlap any of them. Neither side starves: a waiting writer holds back readers
that arrive after it, and a writer leaving lets in the readers that waited for it before the next writer.
Uncontended, taking and releasing it costs two plain lock round trips (it sits on every search).
"""

from __future__ import annotations

import threading
from types import TracebackType


class ReadWriteLock:
    """Shared (read) / exclusive (write) lock; not reentrant. ``with lock.read:`` / ``with lock.write:``."""

    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._readers = 0
        self._writer = False
        self._writers_waiting = 0
        self._readers_waiting = 0
        # Readers that a leaving writer lets in ahead of the next writer (they waited for it).
        self._admit = 0
        self.read = _Guard(self.acquire_read, self.release_read)
        self.write = _Guard(self.acquire_write, self.release_write)

    def acquire_read(self) -> None:
        with self._cond:
            if self._writer or self._writers_waiting:
                self._readers_waiting += 1
                while self._writer or (self._writers_waiting and not self._admit):
                    self._cond.wait()
                self._readers_waiting -= 1
                if self._admit:
                    self._admit -= 1
            self._readers += 1

    def release_read(self) -> None:
        with self._cond:
            self._readers -= 1
            if not self._readers and self._writers_waiting:
                self._cond.notify_all()

    def acquire_write(self) -> None:
        with self._cond:
            self._writers_waiting += 1
            while self._writer or self._readers or self._admit:
                self._cond.wait()
            self._writers_waiting -= 1
            self._writer = True

    def release_write(self) -> None:
        with self._cond:
            self._writer = False
            self._admit = self._readers_waiting
            self._cond.notify_all()


class _Guard:
    """A reusable context manager calling ``acquire`` / ``release`` (no generator per use)."""

    __slots__ = ("_acquire", "_release")

    def __init__(self, acquire: object, release: object) -> None:
        self._acquire = acquire
        self._release = release

    def __enter__(self) -> None:
        self._acquire()  # type: ignore[operator]

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._release()  # type: ignore[operator]
