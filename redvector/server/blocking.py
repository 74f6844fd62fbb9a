"""Clients blocked on keys (BLPOP, BZPOPMIN, ...): waiters per key in arrival order, woken by writes.

A KeyspaceObserver: a write event on a key someone waits for marks the key ready; after the command that
wrote it, ``serve_ready`` lets the waiters retry in arrival order (Redis's handleClientsBlockedOnKeys).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

from redvector.keyspace.events import ignore_activity
from redvector.server.client import ClientState

# Events that can make a blocked pop succeed.
WAKING_EVENTS = frozenset({
    "lpush", "rpush", "linsert", "lset", "lmove", "zadd", "zincr", "zunionstore", "zinterstore",
    "zdiffstore", "zrangestore", "set", "restore", "rename_to", "copy_to", "move_to", "sortstore",
    "sinterstore", "sunionstore", "sdiffstore", "sadd",
    # streams: new entries, and what makes a blocked XREADGROUP fail (key gone, group destroyed)
    "xadd", "del", "expired", "evicted", "rename_from", "move_from", "xgroup-destroy",
})


class Waiter:
    """One parked client. ``try_serve`` re-runs its command; True when it was served (or gone)."""

    __slots__ = ("client", "db_index", "independent", "keys", "try_serve")

    def __init__(self, client: ClientState, db_index: int, keys: tuple[bytes, ...],
                 try_serve: Callable[[], bool], independent: bool = False) -> None:
        self.client = client
        self.db_index = db_index
        self.keys = keys
        self.try_serve = try_serve
        self.independent = independent  # not served: the next waiter may still be (stream readers)


class BlockingRegistry:
    def __init__(self) -> None:
        self.waiters: dict[tuple[int, bytes], list[Waiter]] = {}
        self.ready: OrderedDict[tuple[int, bytes], None] = OrderedDict()
        self.on_activity_change: Callable[[], None] = ignore_activity

    def wants_changes(self) -> bool:
        return bool(self.waiters)

    def park(self, waiter: Waiter) -> None:
        first = not self.waiters
        for key in waiter.keys:
            self.waiters.setdefault((waiter.db_index, key), []).append(waiter)
        waiter.client.blocked_on = waiter.keys
        if first and self.waiters:
            self.on_activity_change()

    def unpark(self, waiter: Waiter) -> None:
        for key in waiter.keys:
            ref = (waiter.db_index, key)
            queue = self.waiters.get(ref)
            if queue is not None:
                try:
                    queue.remove(waiter)
                except ValueError:
                    pass
                if not queue:
                    del self.waiters[ref]
                    if not self.waiters:
                        self.on_activity_change()
        waiter.client.blocked_on = ()

    def serve_ready(self) -> None:
        """Let waiters on ready keys retry, oldest first, until one of a key's waiters is not served.

        A waiter stays parked (keeping its place in every queue it is in) while its command re-runs;
        it leaves the queues only once served. Re-runs that write (BLMOVE pushes) mark more keys ready,
        which this loop then serves too.
        """
        while self.ready:
            ref, _ = self.ready.popitem(last=False)
            queue = self.waiters.get(ref)
            if not queue:
                continue
            for waiter in list(queue):
                current = self.waiters.get(ref)
                if current is None or not any(w is waiter for w in current):
                    continue  # served or gone meanwhile (through another key)
                if not waiter.try_serve():
                    if waiter.independent:
                        continue
                    break  # the key is empty again: later waiters cannot be served either
                self.unpark(waiter)

    # -- KeyspaceObserver ----------------------------------------------------------------------------
    def key_changed(self, db_index: int, key: bytes, event: str) -> None:
        if self.waiters and event in WAKING_EVENTS and (db_index, key) in self.waiters:
            self.ready[(db_index, key)] = None

    def db_flushed(self, db_index: int | None) -> None:
        # Every waiter re-runs: a pop finds nothing and parks again, an XREADGROUP fails (NOGROUP), as in Redis.
        for ref in self.waiters:
            if db_index is None or ref[0] == db_index:
                self.ready[ref] = None

    def dbs_swapped(self, a: int, b: int) -> None:
        for ref in list(self.waiters):
            if ref[0] in (a, b):
                self.ready[ref] = None
