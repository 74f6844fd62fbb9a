"""Memory accounting and maxmemory eviction (Redis's used_memory, performEvictions, LRU/LFU clocks).

**The estimate.** ``used_memory`` is the dataset's estimated footprint, kept incrementally: a
KeyspaceObserver re-estimates a key after every change (``Database.touched``) and adjusts a running total.
A key costs its slot in the database dict, its key and value objects (CPython sizes, rounded to pymalloc's
16-byte classes), and for containers their table as allocated (``sys.getsizeof`` of a dict/set/deque, a
calibrated per-member cost for sorted sets) plus ``len * mean element size``, the mean taken from the first 4
elements, so re-estimating a 1M-member set after one ZADD is O(1). Constants are checked against RSS
growth by bench/memory_bench.py. The running total is kept only while ``maxmemory`` is set (eviction
needs it; tracking starts with one full pass and then costs a re-estimate per write). Without it INFO and
MEMORY STATS get the same estimate computed on demand: exact for small databases, from a random sample
of keys scaled to the database's size for big ones, so reading INFO never slows the writes down.

**Eviction.** Before a DENYOOM command, if ``maxmemory`` is set and the estimate exceeds it, keys are
evicted per ``maxmemory-policy`` with Redis's sampled approximation: ``maxmemory-samples`` random keys
(all keys, or only those with a TTL for volatile-*), the best victim among them by idle time (LRU), by
logarithmic access counter (LFU, ``lfu-log-factor``/``lfu-decay-time``), by nearest expiry (volatile-ttl)
or at random. Each eviction is a "evicted" key event, counts in INFO evicted_keys and is logged as DEL.
Still over the limit (or noeviction): the command gets -OOM. Access clocks are kept only while an LRU/LFU
policy is active, per key touched by a command.
"""

from __future__ import annotations

import random
import sys
import time
from collections import deque
from collections.abc import Callable
from itertools import islice
from typing import Any

from redvector.keyspace.database import Database
from redvector.keyspace.events import ignore_activity
from redvector.keyspace.shared import is_shared
from redvector.keyspace.types import ZSet
from redvector.server.client import ClientState
from redvector.server.server import Server

# Calibrated per-object costs in bytes (CPython 3.11, 64-bit; see bench/memory_bench.py).
KEY_SLOT = 80  # a db dict entry (amortized table + index) plus this tracker's own entry
BYTES_HEADER = 33
ZSET_BASE = 400  # ZSet, its dict and SortedList headers
ZSET_ENTRY = 165  # dict entry + float + (score, member) tuple + SortedList slot
EXPIRE_ENTRY = 80  # the expires dict entry and its int
ACCESS_ENTRY = 80  # an LRU/LFU clock entry
SAMPLE = 4
ESTIMATE_SAMPLE = 512  # keys measured per database by an on-demand estimate (INFO without maxmemory)

LFU_INIT = 5
NO_TOUCH_COMMANDS = frozenset({"OBJECT", "RESTORE"})  # RESTORE sets the clock itself (set_access)


def alloc(n: int) -> int:
    """pymalloc's size class for an n-byte object (16-byte alignment)."""
    return (n + 15) & ~15


def bytes_cost(value: bytes) -> int:
    return alloc(BYTES_HEADER + len(value))


def _mean_bytes_cost(items: Any, n: int) -> int:
    """pymalloc cost of a bytes object of the mean length of the first few of ``n`` elements."""
    k = min(SAMPLE, n)
    if not k:
        return 0
    try:
        total = sum(map(len, islice(items, k)))
    except TypeError:  # elements that are not bytes: measure them one by one
        return sum(_cost_any(x) for x in islice(items, k)) // k
    return alloc(BYTES_HEADER + total // k)


def _mean_own_cost(items: Any, n: int) -> int:
    """_mean_bytes_cost where the shared objects among the first few elements count 0."""
    k = min(SAMPLE, n)
    if not k:
        return 0
    try:
        return sum(0 if is_shared(x) else bytes_cost(x) for x in islice(items, k)) // k
    except TypeError:  # elements that are not bytes: measure them one by one
        return sum(_cost_any(x) for x in islice(items, k)) // k


def estimate_value(value: Any) -> int:
    """Bytes used by one value (not its key). O(1): containers are measured on a few elements."""
    t = type(value)
    if t is bytes:
        return alloc(BYTES_HEADER + len(value))
    if t is ZSet:
        n = len(value)
        return ZSET_BASE + n * (ZSET_ENTRY + _mean_bytes_cost(iter(value.scores), n))
    if t is dict:
        # getsizeof includes the hash table as allocated, over-allocation included. A field name or
        # value shared between hashes (keyspace/shared.py) costs them nothing each.
        n = len(value)
        per_entry = _mean_own_cost(iter(value), n) + _mean_own_cost(iter(value.values()), n)
        return alloc(sys.getsizeof(value)) + n * per_entry
    if t is set or t is deque:
        n = len(value)
        return alloc(sys.getsizeof(value)) + n * _mean_bytes_cost(iter(value), n)
    return _cost_any(value)


def _cost_any(value: Any) -> int:
    if type(value) is bytes:
        return bytes_cost(value)
    size = getattr(value, "memory_usage", None)
    if callable(size):  # types of later issues (streams, JSON) may report their own size
        return int(size())
    return alloc(sys.getsizeof(value))


class MemoryManager:
    """The used_memory estimate, the LRU/LFU clocks and the eviction loop. A KeyspaceObserver."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.config = server.config
        self.keyspace = server.keyspace
        self.tracking = False
        self.on_activity_change: Callable[[], None] = ignore_activity
        self.total = 0
        # per db: key -> estimated bytes in 16-byte units (small ints are shared objects in CPython)
        self.sizes: list[dict[bytes, int]] = [{} for _ in self.keyspace.databases]
        # per db: key -> LRU clock (ms since start) or LFU word ((minutes << 8) | counter)
        self.access: list[dict[bytes, int]] = [{} for _ in self.keyspace.databases]
        self._sample_pool: list[list[bytes]] = [[] for _ in self.keyspace.databases]
        self._pool_volatile: list[bool] = [False for _ in self.keyspace.databases]
        self._started = time.monotonic()
        self.policy = str(self.config["maxmemory-policy"])
        self.dispatcher: Any = None
        self.keyspace.add_observer(self)
        self.config.on_change(self._config_changed)
        server.extensions["used_memory"] = self.used_memory
        server.extensions["memory"] = self

    def wants_changes(self) -> bool:
        return self.tracking

    # -- wiring --------------------------------------------------------------------------------------------
    def attach(self, dispatcher: Any) -> None:
        """Install the dispatcher hooks: the OOM guard always, the access hook while LRU/LFU is active."""
        self.dispatcher = dispatcher
        self._update_oom_guard()
        self._update_access_hook()
        if int(self.config["maxmemory"]):
            self.start_tracking()

    def _config_changed(self, name: str, value: Any) -> None:
        if name == "maxmemory-policy":
            self.policy = str(value)
            for clocks in self.access:
                clocks.clear()
            self._update_access_hook()
        elif name == "maxmemory":
            if int(value):
                self.start_tracking()
            else:
                self.stop_tracking()
            self._update_oom_guard()

    def _update_oom_guard(self) -> None:
        # Without maxmemory no command can be refused for memory: the dispatcher then skips the check.
        if self.dispatcher is not None:
            self.dispatcher.over_memory_limit = self.over_limit if int(self.config["maxmemory"]) else None

    def _update_access_hook(self) -> None:
        if self.dispatcher is not None:
            needs = self.policy.endswith(("-lru", "-lfu"))
            self.dispatcher.key_access = self.key_access if needs else None

    # -- the estimate ---------------------------------------------------------------------------------------
    def start_tracking(self) -> None:
        if self.tracking:
            return
        self.tracking = True
        self.on_activity_change()
        self.recount()

    def stop_tracking(self) -> None:
        """maxmemory back to 0: drop the running total (INFO estimates on demand again)."""
        if not self.tracking:
            return
        self.tracking = False
        self.on_activity_change()
        self.total = 0
        self.sizes = [{} for _ in self.keyspace.databases]

    def recount(self) -> None:
        """One full pass: every key's estimate (start of tracking, FLUSH, SWAPDB)."""
        self.total = 0
        for db in self.keyspace.databases:
            sizes = self.sizes[db.index] = {}
            for key, value in db.data.items():
                units = self._key_units(db, key, value)
                sizes[key] = units
                self.total += units

    def _key_units(self, db: Database, key: bytes, value: Any) -> int:
        size = KEY_SLOT + bytes_cost(key) + estimate_value(value)
        if db.expires and key in db.expires:
            size += EXPIRE_ENTRY
        return (size + 15) >> 4

    def used_memory(self) -> int:
        overhead = sum(len(a) for a in self.access) * ACCESS_ENTRY
        if not self.tracking:
            return self._sampled_units() * 16 + overhead
        return (self.total << 4) + overhead

    def _sampled_units(self) -> int:
        """The estimate without the running total: every key of a small database, a random sample of
        ESTIMATE_SAMPLE keys scaled to the size of a big one (O(sample) per call)."""
        units = 0
        for db in self.keyspace.databases:
            data = db.data
            n = len(data)
            if n <= ESTIMATE_SAMPLE:
                units += sum(self._key_units(db, key, value) for key, value in data.items())
                continue
            sampled = 0
            picked = 0
            for _ in range(ESTIMATE_SAMPLE):
                key = db.key_order.random_key()
                value = data.get(key) if key is not None else None
                if value is not None and key is not None:
                    sampled += self._key_units(db, key, value)
                    picked += 1
            if picked:
                units += sampled * n // picked
        return units

    # -- KeyspaceObserver ------------------------------------------------------------------------------------
    def key_changed(self, db_index: int, key: bytes, event: str) -> None:
        if not self.tracking:
            return
        db = self.keyspace.databases[db_index]
        sizes = self.sizes[db_index]
        old = sizes.get(key, 0)
        value = db.data.get(key)
        if value is None:
            if old:
                del sizes[key]
            self.access[db_index].pop(key, None)
            self.total -= old
            return
        new = self._key_units(db, key, value)
        sizes[key] = new
        self.total += new - old

    def db_flushed(self, db_index: int | None) -> None:
        for i in (range(len(self.sizes)) if db_index is None else [db_index]):
            self.access[i].clear()
            self._sample_pool[i] = []
        if self.tracking:
            self.recount()

    def dbs_swapped(self, a: int, b: int) -> None:
        self.access[a], self.access[b] = self.access[b], self.access[a]
        self._sample_pool[a] = []
        self._sample_pool[b] = []
        if self.tracking:
            self.recount()

    # -- LRU / LFU clocks -------------------------------------------------------------------------------------
    def _now_ms(self) -> int:
        return int((time.monotonic() - self._started) * 1000)

    def key_access(self, client: ClientState, db_index: int, spec: Any, argv: list[bytes]) -> None:
        """After a command: refresh the clocks of the keys it named (only existing keys are recorded).

        As Redis's LOOKUP_NOTOUCH: OBJECT never touches, nor does a CLIENT NO-TOUCH client (but TOUCH does).
        """
        name = spec.name
        if name in NO_TOUCH_COMMANDS or (client.no_touch and name != "TOUCH"):
            return
        self.touch_keys(db_index, spec.key_args(argv))

    def touch_keys(self, db_index: int, keys: list[bytes]) -> None:
        data = self.keyspace.databases[db_index].data
        clocks = self.access[db_index]
        if self.policy.endswith("-lru"):
            now = self._now_ms()
            for key in keys:
                if key in data:
                    clocks[key] = now
        else:
            minutes = self._now_ms() // 60000
            log_factor = int(self.config["lfu-log-factor"])
            decay = int(self.config["lfu-decay-time"])
            for key in keys:
                if key in data:
                    word = clocks.get(key)
                    if word is None:  # as a new Redis object: LFU_INIT_VAL, no increment yet
                        clocks[key] = (minutes << 8) | LFU_INIT
                    else:
                        counter = _lfu_incr(self._lfu_decayed(word, minutes, decay), log_factor)
                        clocks[key] = (minutes << 8) | counter

    def set_access(self, db_index: int, key: bytes, idle_ms: int | None, freq: int | None) -> None:
        """RESTORE's IDLETIME / FREQ (objectSetLRUOrLFU): the clock of a restored key; without them
        the key starts as a new one."""
        clocks = self.access[db_index]
        if self.policy.endswith("-lru"):
            clocks[key] = self._now_ms() - (idle_ms or 0)
        elif self.policy.endswith("-lfu"):
            clocks[key] = ((self._now_ms() // 60000) << 8) | (LFU_INIT if freq is None else freq)

    # -- OBJECT IDLETIME / FREQ (commands/objects.py) ----------------------------------------------------------
    def idle_ms(self, db_index: int, key: bytes, now_ms: int) -> int | None:
        """Milliseconds since the key was last named by a command (LRU policies only; None: untracked)."""
        if not self.policy.endswith("-lru"):
            return None
        clock = self.access[db_index].get(key)
        return None if clock is None else max(self._now_ms() - clock, 0)

    def frequency(self, db_index: int, key: bytes) -> int | None:
        """The key's logarithmic access counter, decayed (LFU policies only; None: untracked)."""
        if not self.policy.endswith("-lfu"):
            return None
        word = self.access[db_index].get(key)
        if word is None:
            return None
        return self._lfu_decayed(word, self._now_ms() // 60000, int(self.config["lfu-decay-time"]))

    @staticmethod
    def _lfu_decayed(word: int, minutes: int, decay: int) -> int:
        counter = word & 0xFF
        if decay <= 0:
            return counter
        periods = (minutes - (word >> 8)) // decay
        return max(0, counter - periods)

    # -- eviction -------------------------------------------------------------------------------------------
    def over_limit(self) -> bool:
        """The dispatcher's OOM guard for DENYOOM commands: evict if the policy allows, True if still over."""
        maxmemory = int(self.config["maxmemory"])
        if not maxmemory:
            return False
        self.start_tracking()
        if self.used_memory() <= maxmemory:
            return False
        if self.policy == "noeviction":
            return True
        deadline = time.perf_counter() + 0.05
        while self.used_memory() > maxmemory:
            if not self.evict_one() or time.perf_counter() > deadline:
                break
        return self.used_memory() > maxmemory

    def evict_one(self) -> bool:
        victim = self._pick()
        if victim is None:
            return False
        db, key = victim
        db.delete(key)
        db.touched(key, "evicted")
        self.server.stats.evicted_keys += 1
        self.server.propagate(db.index, [b"DEL", key])
        return True

    def _pick(self) -> tuple[Database, bytes] | None:
        policy = self.policy
        volatile = policy.startswith("volatile-")
        samples = max(1, int(self.config["maxmemory-samples"]))
        best: tuple[float, Database, bytes] | None = None
        for db in self.keyspace.databases:
            source = db.expires if volatile else db.data
            if not source:
                continue
            for key in self._sample(db, volatile, samples):
                rank = self._victim_rank(db, key, policy)
                if best is None or rank > best[0]:
                    best = (rank, db, key)
        return None if best is None else (best[1], best[2])

    def _victim_rank(self, db: Database, key: bytes, policy: str) -> float:
        """Higher is a better victim (Redis's idle score)."""
        if policy.endswith("-random"):
            return random.random()
        if policy == "volatile-ttl":
            return -float(db.expires.get(key, 0))
        word = self.access[db.index].get(key)
        if policy.endswith("-lru"):
            return float(self._now_ms() - (word if word is not None else 0))
        counter = LFU_INIT if word is None else self._lfu_decayed(
            word, self._now_ms() // 60000, int(self.config["lfu-decay-time"]))
        return float(255 - counter)

    def _sample(self, db: Database, volatile: bool, count: int) -> list[bytes]:
        """Up to ``count`` random live keys. Dicts have no random access, so keys are drawn from a snapshot
        of the key list, refreshed when it has gone stale (too many misses or a much larger keyspace)."""
        source: dict[bytes, Any] = db.expires if volatile else db.data
        pool = self._sample_pool[db.index]
        if self._pool_volatile[db.index] != volatile or not pool or len(source) > 2 * len(pool):
            pool = self._refresh_pool(db, volatile)
        picked: list[bytes] = []
        misses = 0
        for _ in range(count * 2):
            if not pool:
                break
            i = random.randrange(len(pool))
            key = pool[i]
            if key in source:
                picked.append(key)
                if len(picked) >= count:
                    break
            else:
                misses += 1
                pool[i] = pool[-1]  # swap-remove a dead key from the snapshot
                pool.pop()
        if misses > count and len(pool) < len(source) // 2:
            self._refresh_pool(db, volatile)
        return picked

    def _refresh_pool(self, db: Database, volatile: bool) -> list[bytes]:
        pool = list(db.expires if volatile else db.data)
        self._sample_pool[db.index] = pool
        self._pool_volatile[db.index] = volatile
        return pool


def _lfu_incr(counter: int, log_factor: int) -> int:
    """Redis's LFULogIncr: the counter grows with probability 1 / ((counter - 5) * factor + 1)."""
    if counter >= 255:
        return 255
    base = max(0, counter - LFU_INIT)
    if random.random() < 1.0 / (base * log_factor + 1):
        return counter + 1
    return counter
