"""Indexer: the KeyspaceObserver that keeps every search index in step with the keyspace, synchronously.

RediSearch's notifications.c: a write to a hash (hset, hdel, hincrby, ...) or, for ON JSON indexes, to a
JSON key (json.set, json.del, ...) re-indexes it in every index
whose rules match; del / expired / evicted / a string overwrite remove it; rename_from + rename_to move
it; FLUSHALL and FLUSHDB drop the index definitions of the flushed database(s) (Redis drops every index on
a flush; RedVector binds an index to the database it was created in, so FLUSHDB of another database keeps
it). The initial scan of existing keys (FT.CREATE, FT.ALTER) runs in chunks (``scan_step``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from redvector.keyspace.events import ignore_activity
from redvector.search.index import ScanState, SearchIndex

if TYPE_CHECKING:
    from redvector.keyspace.database import Keyspace

# Events that change only the TTL: an indexed key stays as it is (no new doc id).
_TTL_EVENTS = frozenset({"expire", "persist", "pexpire"})

SCAN_CHUNK_KEYS = 2000
# At most this many keys are indexed synchronously by FT.CREATE; larger keyspaces are scanned in chunks.
SYNC_SCAN_LIMIT = 10000


class Indexer:
    """Routes key events of each database to the indexes bound to it."""

    def __init__(self, keyspace: Keyspace) -> None:
        self.keyspace = keyspace
        self.by_db: dict[int, list[SearchIndex]] = {}
        # Called with the dropped indexes when a flush removes definitions (the registry forgets them).
        self.on_flush: Callable[[list[SearchIndex]], None] | None = None
        self.on_activity_change: Callable[[], None] = ignore_activity

    def wants_changes(self) -> bool:
        return bool(self.by_db)

    def attach(self, index: SearchIndex) -> None:
        first = not self.by_db
        self.by_db.setdefault(index.db.index, []).append(index)
        if first:
            self.on_activity_change()

    def detach(self, index: SearchIndex) -> None:
        lst = self.by_db.get(index.db.index)
        if lst is not None and index in lst:
            lst.remove(index)
            if not lst:
                del self.by_db[index.db.index]
                if not self.by_db:
                    self.on_activity_change()

    # -- KeyspaceObserver ------------------------------------------------------------------------------
    def key_changed(self, db_index: int, key: bytes, event: str) -> None:
        indexes = self.by_db.get(db_index)
        if not indexes:
            return
        value = self.keyspace.databases[db_index].data.get(key)
        for index in indexes:
            if not index.rule.key_matches(key):
                continue
            if event in _TTL_EVENTS and key in index and isinstance(value, index.value_type):
                continue
            if value is None or not isinstance(value, index.value_type):
                index.remove_key(key)
            else:
                index.index_key(key, value)

    def db_flushed(self, db_index: int | None) -> None:
        if db_index is None:
            dropped = [i for lst in self.by_db.values() for i in lst]
            self.by_db = {}
        else:
            dropped = self.by_db.pop(db_index, [])
        if not self.by_db:
            self.on_activity_change()
        if self.on_flush is not None:  # also without dropped indexes: any flush empties FT.DICT* dictionaries
            self.on_flush(dropped)

    def dbs_swapped(self, a: int, b: int) -> None:
        # The data moved under the indexes: rebuild those bound to either database from their new contents.
        for db_index in (a, b):
            for index in self.by_db.get(db_index, []):
                index.clear()
                self.start_scan(index)
                while not self.scan_step(index, 1 << 62):
                    pass

    # -- initial scan ----------------------------------------------------------------------------------
    def start_scan(self, index: SearchIndex, force: bool = False) -> ScanState:
        """Begin indexing the existing keys of the index's database that match its prefixes."""
        keys = [k for k in index.db.snapshot_keys() if index.rule.key_matches(k)]
        index.scan = ScanState(keys, 0, force)
        return index.scan

    def scan_step(self, index: SearchIndex, budget_keys: int | None = None) -> bool:
        """Index the next chunk; True when the scan is complete. Keys written since the scan began are
        already current (the observer indexed them) and are skipped."""
        scan = index.scan
        if scan is None:
            return True
        data = index.db.data
        end = min(len(scan.keys), scan.pos + (budget_keys or SCAN_CHUNK_KEYS))
        for key in scan.keys[scan.pos:end]:
            if key in index and not scan.force:
                continue
            value = data.get(key)
            if isinstance(value, index.value_type):
                index.index_key(key, value)
        scan.pos = end
        if scan.done:
            index.scan = None
            return True
        return False
