"""A reader/writer lock for vector indexes: many concurrent searches or one mutation at a time.

Searches run in worker threads (a ``Deferred`` reply) and release the GIL inside numpy and hnswlib, so
several may run at once; a mutation of the index structure (hnswlib add/delete/resize, rows of a FLAT
matrix moving) must not overlap any of them. Neither side starves: a waiting writer holds back readers
that arrive after it, and a writer leaving lets in the readers that waited for it before the next writer.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class ReadWriteLock:
    """Shared (read) / exclusive (write) lock; not reentrant."""

    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._readers = 0
        self._writer = False
        self._writers_waiting = 0
        self._readers_waiting = 0
        # Readers that a leaving writer lets in ahead of the next writer (they waited for it).
        self._admit = 0

    def acquire_read(self) -> None:
        with self._cond:
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
            if not self._readers:
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

    @contextmanager
    def read(self) -> Iterator[None]:
        self.acquire_read()
        try:
            yield
        finally:
            self.release_read()

    @contextmanager
    def write(self) -> Iterator[None]:
        self.acquire_write()
        try:
            yield
        finally:
            self.release_write()
