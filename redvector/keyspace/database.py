"""Databases: key -> value and key -> expire_at_ms, lazy expiry, type-checked lookups, the change hook."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from redvector.errors import WrongType
from redvector.keyspace.events import KeyspaceObserver, wants_changes
from redvector.keyspace.field_expiry import FieldExpiry
from redvector.keyspace.scan_index import KeyOrder

T = TypeVar("T")


class Clock(Protocol):
    """What ``Database.lookup`` reads the time from (a CommandContext): only for keys with a TTL."""

    @property
    def now_ms(self) -> int: ...


def _notifying(name: str) -> Any:
    """A list method that calls the list's ``_on_change`` after doing its work."""

    def method(self: ObserverList, *args: Any) -> Any:
        result = getattr(list, name)(self, *args)
        self._on_change()
        return result

    method.__name__ = name
    return method


class ObserverList(list[Any]):
    """A list that calls ``on_change`` after every mutation (it keeps Keyspace.change_hooks current)."""

    def __init__(self, on_change: Callable[[], None]) -> None:
        super().__init__()
        self._on_change = on_change

    append = _notifying("append")
    remove = _notifying("remove")
    insert = _notifying("insert")
    extend = _notifying("extend")
    pop = _notifying("pop")
    clear = _notifying("clear")
    __setitem__ = _notifying("__setitem__")
    __delitem__ = _notifying("__delitem__")
    __iadd__ = _notifying("__iadd__")


class Keyspace:
    """All databases, the write counter and the observers that see every key change."""

    def __init__(self, num_databases: int = 16) -> None:
        self.dirty = 0  # writes since the last save; the dispatcher compares it to decide propagation
        # The bound key_changed methods of the observers that want changes now, resolved once: touched()
        # runs on every write, and most observers are idle most of the time (nothing WATCHed, nobody
        # blocked, no index, notifications off). The list re-resolves them whenever it changes (append,
        # remove, ...), and an ActivityAware observer asks for it when its own answer changes.
        self.change_hooks: tuple[Callable[[int, bytes, str], None], ...] = ()
        self.observers: list[KeyspaceObserver] = ObserverList(self.refresh_hooks)
        # Called with (db index, key, fields) when hash fields expire, before the change hook runs: the
        # AOF logs them as HDEL (Redis's propagateHashFieldDeletion).
        self.field_expiry_hooks: list[Callable[[int, bytes, list[bytes]], None]] = []
        self.expired_fields = 0  # INFO's expired_subkeys
        self.databases = [Database(i, self) for i in range(num_databases)]

    def refresh_hooks(self) -> None:
        self.change_hooks = tuple(o.key_changed for o in self.observers if wants_changes(o))

    def add_observer(self, observer: KeyspaceObserver) -> None:
        if hasattr(observer, "wants_changes"):
            observer.on_activity_change = self.refresh_hooks  # type: ignore[attr-defined]
        self.observers.append(observer)

    def remove_observer(self, observer: KeyspaceObserver) -> None:
        self.observers.remove(observer)

    def flush_all(self) -> None:
        for db in self.databases:
            db.reset()
        self.dirty += 1
        for observer in self.observers:
            observer.db_flushed(None)

    def swap(self, a: int, b: int) -> None:
        da, db = self.databases[a], self.databases[b]
        da.data, db.data = db.data, da.data
        da.expires, db.expires = db.expires, da.expires
        da.key_order, db.key_order = db.key_order, da.key_order
        da.field_ttls, db.field_ttls = db.field_ttls, da.field_ttls
        da.avg_ttl, db.avg_ttl = db.avg_ttl, da.avg_ttl
        self.dirty += 1
        for observer in self.observers:
            observer.dbs_swapped(a, b)


class Database:
    """One numbered database. Every write, delete, expiry and flush ends in ``touched``."""

    __slots__ = ("_expire_cursor", "_expire_snapshot", "avg_ttl", "data", "expires", "field_ttls", "index",
                 "key_order", "keyspace")

    def __init__(self, index: int, keyspace: Keyspace) -> None:
        self.index = index
        self.keyspace = keyspace
        self.data: dict[bytes, Any] = {}
        self.expires: dict[bytes, int] = {}
        self.field_ttls = FieldExpiry()  # hash fields' deadlines (HEXPIRE ...): field_expiry.py
        # Every key in hash order, for SCAN cursors and RANDOMKEY (see scan_index.py). Database.set and
        # delete keep it exact; touched() repairs it for code that wrote ``data`` directly.
        self.key_order = KeyOrder()
        self._expire_snapshot: list[bytes] = []
        self._expire_cursor = 0
        # INFO keyspace's avg_ttl (ms): Redis's running estimate from the TTLs active expiry samples (each
        # sample's mean weighs 2%), 0 while the database has no volatile keys
        self.avg_ttl = 0

    def __len__(self) -> int:
        return len(self.data)

    # -- the change hook ----------------------------------------------------------------------------
    def touched(self, key: bytes, event: str) -> None:
        """Every key change ends here: WATCH, keyspace events, search indexes and the AOF counter."""
        if len(self.data) != self.key_order.size:
            self._sync_key_order(key)
        if self.field_ttls.by_key and key in self.field_ttls.by_key:
            self.field_ttls.reconcile(key, self.data.get(key))
        keyspace = self.keyspace
        keyspace.dirty += 1
        hooks = keyspace.change_hooks
        if hooks:
            index = self.index
            for hook in hooks:
                hook(index, key, event)

    def _sync_key_order(self, key: bytes) -> None:
        data, order = self.data, self.key_order
        if key in data:
            # One key changes per call: when the database grew by one, ``key`` is the new one and the
            # membership test (a bisect over hashes, most of a new key's cost) can be skipped.
            if len(data) == order.size + 1 or key not in order:
                order.add(key)
        else:
            order.discard(key)

    # -- reads (lazy expiry) --------------------------------------------------------------------------
    def get(self, key: bytes, now_ms: int) -> Any:
        """The live value at key, or None. Expires the key first if its time has passed."""
        if self.expires and key in self.expires and self.expires[key] <= now_ms:
            self.expire_now(key)
            return None
        return self.data.get(key)

    def get_typed(self, key: bytes, kind: type[T], now_ms: int) -> T | None:
        """The value if it is of ``kind``; None if missing; WRONGTYPE if it is another type."""
        value = self.get(key, now_ms)
        if value is None or type(value) is kind:
            return value
        raise WrongType()

    def lookup(self, key: bytes, kind: type[T], clock: Clock) -> T | None:
        """get_typed() for the command paths: one dict lookup for a key without a TTL, and the clock
        (``clock.now_ms``, which a command reads once, on first use) only for a key that has one."""
        expires = self.expires
        if expires and key in expires and expires[key] <= clock.now_ms:
            self.expire_now(key)
            return None
        value = self.data.get(key)
        if value is None or type(value) is kind:
            return value
        raise WrongType()

    def exists(self, key: bytes, now_ms: int) -> bool:
        return self.get(key, now_ms) is not None

    def expire_now(self, key: bytes) -> None:
        """Remove a key whose time has passed (lazy or active expiry) and signal ``expired``."""
        if self.data.pop(key, None) is not None:
            self.key_order.discard(key)
        self.expires.pop(key, None)
        self.touched(key, "expired")

    def expire_fields(self, key: bytes, now_ms: int, only: tuple[bytes, ...] | None = None) -> int:
        """Remove the hash fields of ``key`` whose deadline has passed (lazy or active field expiry), or
        only those of ``only`` (Redis 7.4 deletes just the field a lookup finds expired): ``hexpired``,
        then ``del`` when the hash emptied, as Redis 7.4 signals them."""
        fields = self.field_ttls.due_fields(key, now_ms, only)
        if not fields:
            return 0
        value = self.data.get(key)
        if type(value) is not dict:
            return 0
        for field in fields:
            value.pop(field, None)
        keyspace = self.keyspace
        keyspace.expired_fields += len(fields)
        for hook in keyspace.field_expiry_hooks:
            hook(self.index, key, fields)
        self.touched(key, "hexpired")
        if not value:
            self.delete(key)
            self.touched(key, "del")
        return len(fields)

    def expire_due_fields(self, now_ms: int, limit: int = 1 << 62) -> int:
        """Active field expiry: the due fields of up to ``limit`` hashes; how many fields expired."""
        if self.field_ttls.next_due() > now_ms:
            return 0
        return sum(self.expire_fields(key, now_ms) for key in self.field_ttls.due_keys(now_ms, limit))

    def ttl_ms(self, key: bytes, now_ms: int) -> int | None:
        at = self.expires.get(key)
        return None if at is None else at - now_ms

    # -- writes (callers signal with touched()) -----------------------------------------------------
    def set(self, key: bytes, value: Any, expire_at_ms: int | None = None, keep_ttl: bool = False) -> None:
        """Store ``value``; clears any TTL unless ``keep_ttl``, sets ``expire_at_ms`` when given."""
        data = self.data
        if key not in data:
            self.key_order.add(key)
        data[key] = value
        if expire_at_ms is not None:
            self.expires[key] = expire_at_ms
        elif not keep_ttl and self.expires:
            self.expires.pop(key, None)

    def delete(self, key: bytes) -> bool:
        """Remove key and its TTL. The caller signals ``del`` (or its own event)."""
        if self.data.pop(key, None) is None:
            return False
        self.key_order.discard(key)
        if self.expires:
            self.expires.pop(key, None)
        return True

    def delete_if_empty(self, key: bytes, value: Any) -> bool:
        """Containers never stay empty in Redis: drop the key when its container emptied."""
        if not value:
            self.delete(key)
            return True
        return False

    def set_expire(self, key: bytes, expire_at_ms: int) -> None:
        self.expires[key] = expire_at_ms

    def persist(self, key: bytes) -> bool:
        return self.expires.pop(key, None) is not None

    def reset(self) -> None:
        """Drop every key without signalling (callers signal db_flushed)."""
        self.data = {}
        self.expires = {}
        self.field_ttls = FieldExpiry()
        self.key_order = KeyOrder()
        self._expire_snapshot = []
        self._expire_cursor = 0
        self.avg_ttl = 0

    def clear(self) -> None:
        self.reset()
        self.keyspace.dirty += 1
        for observer in self.keyspace.observers:
            observer.db_flushed(self.index)

    # -- iteration --------------------------------------------------------------------------------------
    def snapshot_keys(self) -> list[bytes]:
        """A copy of the key list, safe to iterate while keys change."""
        return list(self.data)

    def random_key(self, now_ms: int, attempts: int = 100) -> bytes | None:
        """A random live key (O(1) per try through the key order), None when the database is empty."""
        while self.data and attempts > 0:
            attempts -= 1
            key = self.key_order.random_key()
            if key is None:
                return None
            if self.get(key, now_ms) is not None:
                return key
        return None

    def scan(self, cursor: int, count: int) -> tuple[list[bytes], int]:
        """Up to ~count keys from ``cursor`` (possibly expired: the caller checks) and the next cursor."""
        return self.key_order.scan(cursor, count)

    def active_expire(self, now_ms: int, sample: int = 20) -> tuple[int, int]:
        """One step of active expiry: test the next ``sample`` keys that carry a TTL, delete the expired.

        Like Redis's activeExpireCycle it walks the TTL table incrementally (a cursor over a snapshot of
        its keys, refreshed once per full pass), so every volatile key is visited without a full scan
        per call. Returns (tested, expired); the caller repeats while more than 25% were expired.
        """
        if not self.expires:
            self.avg_ttl = 0
            return 0, 0
        if self._expire_cursor >= len(self._expire_snapshot):
            self._expire_snapshot = list(self.expires)
            self._expire_cursor = 0
        batch = self._expire_snapshot[self._expire_cursor : self._expire_cursor + sample]
        self._expire_cursor += len(batch)
        expired = ttl_sum = ttl_samples = 0
        for key in batch:
            at = self.expires.get(key)
            if at is None:
                continue
            if at <= now_ms:
                self.expire_now(key)
                expired += 1
            else:
                ttl_sum += at - now_ms
                ttl_samples += 1
        if ttl_samples:  # Redis's running average, in C's integer arithmetic
            mean = ttl_sum // ttl_samples
            self.avg_ttl = mean if self.avg_ttl == 0 else (self.avg_ttl // 50) * 49 + mean // 50
        return len(batch), expired
