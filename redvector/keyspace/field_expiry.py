"""Hash field expiration (Redis 7.4's HEXPIRE family): the deadlines of one database's hash fields.

A hash stays a plain dict; its fields' deadlines (unix ms) live here, keyed by the hash's key, beside
the data as ``Database.expires`` is. Each entry remembers the dict it belongs to, so any change that
replaces or removes the hash (DEL, SET, RESTORE, expiry, FLUSHDB ...) is noticed by ``reconcile``, which
``Database.touched`` calls for keys that have deadlines: nothing outside needs to know about field TTLs
except the commands that move a key with its TTLs (RENAME, MOVE, COPY) and HSET, which clears the TTL of
the fields it overwrites (HINCRBY and HINCRBYFLOAT keep it, as in Redis).

Expiry is lazy (a hash command purges its key's due fields first: ``due_fields``) and active: a heap of
(earliest deadline, key) gives the hashes with fields due (``due_keys``) without scanning. Heap entries
are hints, checked against the current deadlines when popped, so changes never search the heap.
"""

from __future__ import annotations

import heapq
from typing import Any, NamedTuple

NEVER = 1 << 63


class FieldDeadlines:
    """One hash's field -> deadline (unix ms), and the earliest of them."""

    __slots__ = ("at", "hash", "next_at")

    def __init__(self, hash_value: dict[bytes, Any]) -> None:
        self.hash = hash_value  # the dict these deadlines belong to (identity checked by reconcile)
        self.at: dict[bytes, int] = {}
        self.next_at = NEVER

    def recompute(self) -> None:
        self.next_at = min(self.at.values(), default=NEVER)


class FieldExpiry:
    """The field deadlines of one database."""

    __slots__ = ("by_key", "heap")

    def __init__(self) -> None:
        self.by_key: dict[bytes, FieldDeadlines] = {}
        self.heap: list[tuple[int, bytes]] = []

    def __len__(self) -> int:
        """Hashes with at least one field deadline (INFO's subexpiry)."""
        return sum(1 for entry in self.by_key.values() if entry.at)

    def had_deadlines(self, key: bytes, value: Any) -> bool:
        """Whether this hash has had field deadlines (Redis's listpackex encoding stays once taken)."""
        entry = self.by_key.get(key)
        return entry is not None and entry.hash is value

    # -- reads -------------------------------------------------------------------------------------------
    def deadline(self, key: bytes, field: bytes) -> int | None:
        entry = self.by_key.get(key)
        return None if entry is None else entry.at.get(field)

    def of(self, key: bytes) -> dict[bytes, int]:
        """The key's field deadlines (a copy; empty when none)."""
        entry = self.by_key.get(key)
        return {} if entry is None else dict(entry.at)

    # -- writes ------------------------------------------------------------------------------------------
    def set(self, key: bytes, hash_value: dict[bytes, Any], field: bytes, at: int) -> None:
        entry = self.by_key.get(key)
        if entry is None or entry.hash is not hash_value:
            entry = self.by_key[key] = FieldDeadlines(hash_value)
        old = entry.at.get(field)
        entry.at[field] = at
        if at < entry.next_at:
            entry.next_at = at
            heapq.heappush(self.heap, (at, key))
        elif old == entry.next_at and at > old:
            entry.recompute()  # the earliest moved later: its heap hint re-pushes when popped

    def set_all(self, key: bytes, hash_value: dict[bytes, Any], deadlines: dict[bytes, int]) -> None:
        """Install a key's deadlines (RESTORE, loading, RENAME/MOVE/COPY), replacing any it had."""
        self.by_key.pop(key, None)
        for field, at in deadlines.items():
            self.set(key, hash_value, field, at)

    def discard(self, key: bytes, fields: list[bytes] | tuple[bytes, ...]) -> int:
        """Forget these fields' deadlines (HPERSIST, HSET overwriting them); how many had one."""
        entry = self.by_key.get(key)
        if entry is None:
            return 0
        removed = 0
        for field in fields:
            if entry.at.pop(field, None) is not None:
                removed += 1
        if removed:  # an emptied entry stays (had_deadlines) until the hash itself changes
            entry.recompute()  # a later deadline never needs a heap entry: due_keys re-pushes
        return removed

    def take(self, key: bytes) -> dict[bytes, int]:
        """Remove and return the key's deadlines (a key moving elsewhere)."""
        entry = self.by_key.pop(key, None)
        return {} if entry is None else entry.at

    def reconcile(self, key: bytes, value: Any) -> None:
        """After any change to ``key``: drop its deadlines if the hash was replaced or removed, and the
        deadlines of fields that are gone."""
        entry = self.by_key.get(key)
        if entry is None:
            return
        if value is not entry.hash:
            del self.by_key[key]
            return
        at = entry.at
        if len(at) > len(value) or any(f not in value for f in at):
            for field in [f for f in at if f not in value]:
                del at[field]
            entry.recompute()

    # -- expiry ------------------------------------------------------------------------------------------
    def due_fields(self, key: bytes, now_ms: int, only: tuple[bytes, ...] | None = None) -> list[bytes]:
        """Remove and return the key's fields whose deadline has passed (in field order), or those of
        ``only`` (the fields a command reads) whose deadline has passed."""
        entry = self.by_key.get(key)
        if entry is None or entry.next_at > now_ms:
            return []
        if only is None:
            due = [f for f, at in entry.at.items() if at <= now_ms]
        else:
            due = [f for f in dict.fromkeys(only) if entry.at.get(f, now_ms + 1) <= now_ms]
            if not due:
                return due
        for field in due:
            del entry.at[field]
        entry.recompute()
        if entry.at:
            heapq.heappush(self.heap, (entry.next_at, key))
        return due

    def expired(self, key: bytes, now_ms: int) -> frozenset[bytes]:
        """The key's fields whose deadline has passed, left in place (reads that skip them)."""
        entry = self.by_key.get(key)
        if entry is None or entry.next_at > now_ms:
            return frozenset()
        return frozenset(f for f, at in entry.at.items() if at <= now_ms)

    def next_due(self) -> int:
        """The earliest deadline the heap knows (NEVER when empty); may be a stale, earlier hint."""
        return self.heap[0][0] if self.heap else NEVER

    def due_keys(self, now_ms: int, limit: int) -> list[bytes]:
        """Up to ``limit`` keys with fields due at ``now_ms`` (popped from the heap; stale hints dropped
        or re-pushed at the key's current earliest deadline)."""
        heap, by_key = self.heap, self.by_key
        keys: list[bytes] = []
        while heap and heap[0][0] <= now_ms and len(keys) < limit:
            key = heapq.heappop(heap)[1]
            entry = by_key.get(key)
            if entry is None:
                continue
            if entry.next_at <= now_ms:
                if key not in keys:
                    keys.append(key)
            elif entry.next_at != NEVER:
                heapq.heappush(heap, (entry.next_at, key))
        return keys


class HashWithTtls(NamedTuple):
    """A hash with field deadlines as RDB stores it (types 24 and 25): what the reader returns for one,
    and what the loaders (snapshot, RESTORE) install with ``FieldExpiry.set_all``."""

    fields: dict[bytes, bytes]
    deadlines: dict[bytes, int]

    def live(self, now_ms: int) -> HashWithTtls:
        """Without the fields whose deadline has passed."""
        gone = [f for f, at in self.deadlines.items() if at <= now_ms]
        if not gone:
            return self
        fields = dict(self.fields)
        deadlines = dict(self.deadlines)
        for field in gone:
            fields.pop(field, None)
            del deadlines[field]
        return HashWithTtls(fields, deadlines)
