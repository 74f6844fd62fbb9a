"""MULTI state (the queue and the EXECABORT flag) and WATCH bookkeeping (key -> watching clients)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from redvector.keyspace.events import ignore_activity

if TYPE_CHECKING:
    from redvector.server.client import ClientState


@dataclass(slots=True)
class MultiState:
    """Commands queued between MULTI and EXEC. ``aborted`` is set by an error while queueing."""

    queue: list[tuple[Any, list[bytes]]] = field(default_factory=list)
    aborted: bool = False


class WatchRegistry:
    """Which clients WATCH which keys. A KeyspaceObserver: any change to a watched key dirties them."""

    def __init__(self) -> None:
        self.watchers: dict[tuple[int, bytes], set[ClientState]] = {}
        self.on_activity_change: Callable[[], None] = ignore_activity

    def wants_changes(self) -> bool:
        return bool(self.watchers)

    def watch(self, client: ClientState, db_index: int, key: bytes) -> None:
        ref = (db_index, key)
        if ref in client.watched:
            return
        client.watched.add(ref)
        first = not self.watchers
        self.watchers.setdefault(ref, set()).add(client)
        if first:
            self.on_activity_change()

    def unwatch_all(self, client: ClientState) -> None:
        if client.watched and self.watchers:
            self._unwatch(client)
            if not self.watchers:
                self.on_activity_change()
        client.watched.clear()
        client.watch_dirty = False

    def _unwatch(self, client: ClientState) -> None:
        for ref in client.watched:
            clients = self.watchers.get(ref)
            if clients is not None:
                clients.discard(client)
                if not clients:
                    del self.watchers[ref]

    # -- KeyspaceObserver ----------------------------------------------------------------------------
    def key_changed(self, db_index: int, key: bytes, event: str) -> None:
        if not self.watchers:
            return
        clients = self.watchers.get((db_index, key))
        if clients:
            for client in clients:
                client.watch_dirty = True

    def db_flushed(self, db_index: int | None) -> None:
        for (db, _key), clients in self.watchers.items():
            if db_index is None or db == db_index:
                for client in clients:
                    client.watch_dirty = True

    def dbs_swapped(self, a: int, b: int) -> None:
        self.db_flushed(a)
        self.db_flushed(b)
