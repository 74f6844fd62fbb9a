"""The stream value: entries ordered by id, consumer groups with their pending entries, and Redis's node layout.

An id ``ms-seq`` (two unsigned 64-bit integers) is kept as one int, ``ms << 64 | seq``, so ids compare as
ints. Entries live in a SortedDict id -> flat [field, value, ...] list: XADD appends to the last chunk of
its sorted key list (a bisect over chunk maxima, then an append: O(log n) with a tiny constant, about 1.5x
from 10k to 1M entries in bench/stream_bench.py), XDEL is O(log n) and a range read O(log n + count).

Redis keeps entries in listpack nodes of a radix tree, and approximate trimming (``MAXLEN ~``, ``MINID ~``)
only drops whole nodes. ``nodes`` mirrors that layout (when a node is full: stream-node-max-entries
entries, deleted ones included, or stream-node-max-bytes of listpack) so ``~`` trims what Redis trims.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator
from itertools import islice
from typing import Any

from sortedcontainers import SortedDict

from redvector.keyspace.types.int64 import as_int64

U64 = (1 << 64) - 1
MAX_ID = (1 << 128) - 1
INVALID_ENTRIES_READ = -1  # Redis's SCG_INVALID_ENTRIES_READ: a group's read counter is unknown


def make_id(ms: int, seq: int) -> int:
    return (ms << 64) | seq


def format_id(stream_id: int) -> bytes:
    return b"%d-%d" % (stream_id >> 64, stream_id & U64)


class StreamIdError(Exception):
    """XADD's id is not above the stream's top item (Redis's EDOM)."""


def _lp_int_size(value: int) -> int:
    """Bytes of a listpack integer element, its back-length included."""
    if 0 <= value <= 127:
        return 2
    if -4096 <= value <= 4095:
        return 3
    if -32768 <= value <= 32767:
        return 4
    if -8388608 <= value <= 8388607:
        return 5
    if -2147483648 <= value <= 2147483647:
        return 6
    return 10


def lp_element_size(value: bytes) -> int:
    """Bytes of one listpack element (header, data, back-length) as Redis encodes ``value``."""
    n = len(value)
    number = as_int64(value)
    if number is not None:
        return _lp_int_size(number)
    size = 1 + n if n < 64 else 2 + n if n < 4096 else 5 + n
    return size + (1 if size < 128 else 2 if size < 16384 else 3 if size < 2097152 else 4 if size < 268435456 else 5)


class Node:
    """One listpack node of Redis's layout: its master id, last id, live and total entry counts, its size,
    and its master fields (entries with the same field names store only their values)."""

    __slots__ = ("fields", "last", "live", "nbytes", "start", "total")

    def __init__(self, start: int, fields: list[bytes]) -> None:
        self.start = start
        self.last = start
        self.live = 0
        self.total = 0
        self.fields = fields[0::2]
        # header (6) + end (1) + master entry: count, deleted, num-fields, fields, terminating 0
        self.nbytes = 7 + 2 + 2 + _lp_int_size(len(self.fields)) + sum(map(lp_element_size, self.fields)) + 2


class Nack:
    """A pending entry: delivered to ``consumer``, not acknowledged yet."""

    __slots__ = ("consumer", "delivery_count", "delivery_time")

    def __init__(self, consumer: Consumer, delivery_time: int, delivery_count: int = 1) -> None:
        self.consumer = consumer
        self.delivery_time = delivery_time
        self.delivery_count = delivery_count


class Consumer:
    __slots__ = ("active_time", "name", "pel", "seen_time")

    def __init__(self, name: bytes, now_ms: int) -> None:
        self.name = name
        self.seen_time = now_ms
        self.active_time = -1  # never read or claimed anything yet
        self.pel: SortedDict = SortedDict()  # id -> Nack (the same objects as the group's PEL)


class Group:
    __slots__ = ("consumers", "entries_read", "last_id", "name", "pel")

    def __init__(self, name: bytes, last_id: int, entries_read: int) -> None:
        self.name = name
        self.last_id = last_id
        self.entries_read = entries_read
        self.pel: SortedDict = SortedDict()  # id -> Nack
        self.consumers: dict[bytes, Consumer] = {}

    def consumer(self, name: bytes, now_ms: int) -> tuple[Consumer, bool]:
        """The named consumer, created if missing; (consumer, created)."""
        found = self.consumers.get(name)
        if found is not None:
            return found, False
        created = self.consumers[name] = Consumer(name, now_ms)
        return created, True

    def sorted_consumers(self) -> list[Consumer]:
        return [self.consumers[name] for name in sorted(self.consumers)]

    def delete_consumer(self, name: bytes) -> int:
        """Drop a consumer and its pending entries; the number of entries it had pending."""
        consumer = self.consumers.pop(name)
        for entry_id in consumer.pel:
            del self.pel[entry_id]
        return len(consumer.pel)


class Stream:
    """A Redis stream. ``entries`` maps id -> [field, value, ...]."""

    __slots__ = ("entries", "entries_added", "groups", "last_id", "max_deleted_id", "node_starts", "nodes")

    def __init__(self) -> None:
        self.entries: SortedDict = SortedDict()
        self.last_id = 0
        self.max_deleted_id = 0
        self.entries_added = 0
        self.groups: dict[bytes, Group] = {}
        self.nodes: list[Node] = []
        self.node_starts: list[int] = []

    def __len__(self) -> int:
        return len(self.entries)

    def __bool__(self) -> bool:
        return True  # an empty stream is still a key (Redis never deletes it for being empty)

    @property
    def first_id(self) -> int:
        entries = self.entries
        return entries.keys()[0] if entries else 0

    # -- adding ------------------------------------------------------------------------------------------
    def next_id(self, now_ms: int, ms: int | None = None, seq: int | None = None) -> int:
        """The id XADD would give: ``*`` (both None), ``ms-*`` (seq None) or explicit; StreamIdError when
        it would not be above the top item."""
        last = self.last_id
        if ms is None:
            last_ms = last >> 64
            if now_ms > last_ms:
                new = now_ms << 64
            elif last & U64 == U64:
                new = (last_ms + 1) << 64
            else:
                new = last + 1
        elif seq is None:
            if ms == last >> 64:
                if last & U64 == U64:
                    raise StreamIdError()
                new = last + 1
            else:
                new = ms << 64
        else:
            new = (ms << 64) | seq
        if new <= last:
            raise StreamIdError()
        return new

    def append(self, entry_id: int, fields: list[bytes], max_entries: int = 100, max_bytes: int = 4096) -> None:
        """Add an entry whose id is above ``last_id`` (next_id checked it)."""
        self.entries[entry_id] = fields
        self.last_id = entry_id
        self.entries_added += 1
        nodes = self.nodes
        node = nodes[-1] if nodes else None
        if max_bytes <= 0 or max_bytes > 1 << 30:
            max_bytes = 1 << 30
        if node is not None:
            size = sum(map(len, fields))
            if node.nbytes + size >= max_bytes or (max_entries and node.total >= max_entries):
                node = None
        if node is None:
            node = Node(entry_id, fields)
            nodes.append(node)
            self.node_starts.append(entry_id)
        node.live += 1
        node.total += 1
        node.last = entry_id
        node.nbytes += self._entry_bytes(node, entry_id, fields)

    @staticmethod
    def _entry_bytes(node: Node, entry_id: int, fields: list[bytes]) -> int:
        ms_diff = (entry_id >> 64) - (node.start >> 64)
        seq_diff = (entry_id & U64) - (node.start & U64)
        size = 2 + _lp_int_size(ms_diff) + _lp_int_size(seq_diff)  # flags, id
        names = fields[0::2]
        values = fields[1::2]
        if names == node.fields:
            size += sum(map(lp_element_size, values)) + _lp_int_size(len(values) + 3)
        else:
            size += _lp_int_size(len(names)) + sum(map(lp_element_size, fields)) + _lp_int_size(len(fields) + 4)
        return size

    # -- removing ----------------------------------------------------------------------------------------
    def _node_index(self, entry_id: int) -> int:
        return bisect_right(self.node_starts, entry_id) - 1

    def _drop_node(self, index: int) -> None:
        del self.nodes[index]
        del self.node_starts[index]

    def delete(self, entry_id: int) -> bool:
        """XDEL one entry (the caller updates max_deleted_id); False when there is no such entry."""
        if self.entries.pop(entry_id, None) is None:
            return False
        index = self._node_index(entry_id)
        if index >= 0:
            node = self.nodes[index]
            node.live -= 1
            if node.live <= 0:
                self._drop_node(index)
        return True

    def trim(self, maxlen: int | None, minid: int | None, approx: bool, limit: int) -> int:
        """Redis's streamTrim: drop the oldest entries beyond ``maxlen`` or below ``minid``; with
        ``approx`` only whole nodes go; ``limit`` (0 = none) caps the entries dropped. The count dropped."""
        entries = self.entries
        deleted = 0
        while self.nodes:
            if maxlen is not None and len(entries) <= maxlen:
                break
            node = self.nodes[0]
            if limit and deleted + node.live > limit:
                break
            if maxlen is not None:
                remove_node = len(entries) - node.live >= maxlen
            else:
                assert minid is not None
                remove_node = node.last < minid
            if remove_node:
                end = self.node_starts[1] if len(self.nodes) > 1 else MAX_ID + 1
                for entry_id in list(entries.irange(node.start, end, inclusive=(True, False))):
                    del entries[entry_id]
                deleted += node.live
                self._drop_node(0)
                continue
            if approx:
                break
            # Exact: delete entries inside this node (it stays, with its deleted ones marked).
            for entry_id in list(entries.irange(node.start, node.last)):
                if maxlen is not None:
                    if len(entries) <= maxlen:
                        break
                elif entry_id >= minid:
                    break
                del entries[entry_id]
                node.live -= 1
                deleted += 1
            break
        return deleted

    # -- reading -----------------------------------------------------------------------------------------
    def range(self, start: int, end: int, count: int = 0, reverse: bool = False) -> list[tuple[int, list[bytes]]]:
        """Entries with start <= id <= end, up to ``count`` (0 = all), newest first with ``reverse``."""
        if start > end:
            return []
        entries = self.entries
        out = []
        for entry_id in entries.irange(start, end, reverse=reverse):
            out.append((entry_id, entries[entry_id]))
            if len(out) == count:
                break
        return out

    def ids_after(self, after: int) -> Iterator[int]:
        return self.entries.irange(after, None, inclusive=(False, True))

    def last_entry(self) -> tuple[int, list[bytes]] | None:
        if not self.entries:
            return None
        return self.entries.peekitem(-1)

    def first_entry(self) -> tuple[int, list[bytes]] | None:
        if not self.entries:
            return None
        return self.entries.peekitem(0)

    # -- consumer groups' bookkeeping (Redis's t_stream.c helpers) ---------------------------------------
    def has_tombstones(self, start: int | None) -> bool:
        """streamRangeHasTombstones(start, +): a deleted entry may lie at or after ``start``."""
        if not self.entries or not self.max_deleted_id:
            return False
        if self.first_id > self.max_deleted_id:
            return False
        return (start or 0) <= self.max_deleted_id

    def estimate_read_counter(self, entry_id: int) -> int:
        """streamEstimateDistanceFromFirstEverEntry: the logical read counter of ``entry_id``, or
        INVALID_ENTRIES_READ when it cannot be known."""
        if not self.entries_added:
            return 0
        length = len(self.entries)
        if not length and entry_id <= self.last_id:
            return self.entries_added
        if entry_id == self.last_id:
            return self.entries_added
        if entry_id > self.last_id:
            return INVALID_ENTRIES_READ
        first = self.first_id
        if not self.max_deleted_id or self.max_deleted_id < first:
            if entry_id < first:
                return self.entries_added - length
            if entry_id == first:
                return self.entries_added - length + 1
        return INVALID_ENTRIES_READ

    def group_lag(self, group: Group) -> int | None:
        """XINFO GROUPS' lag: entries not yet delivered to the group, None when unknown."""
        if not self.entries_added:
            return 0
        if group.entries_read != INVALID_ENTRIES_READ and not self.has_tombstones(group.last_id):
            return self.entries_added - group.entries_read
        entries_read = self.estimate_read_counter(group.last_id)
        if entries_read != INVALID_ENTRIES_READ:
            return self.entries_added - entries_read
        return None

    def advance_group(self, group: Group, entry_id: int) -> None:
        """A group read ``entry_id`` past its last id: move the last id and the read counter."""
        if entry_id <= group.last_id:
            return
        if group.entries_read != INVALID_ENTRIES_READ and not self.has_tombstones(entry_id):
            group.entries_read += 1
        elif self.entries_added:
            group.entries_read = self.estimate_read_counter(entry_id)
        group.last_id = entry_id

    # -- copies and sizes --------------------------------------------------------------------------------
    def __deepcopy__(self, memo: dict[int, Any]) -> Stream:
        import copy

        new = Stream()
        new.entries = SortedDict((k, list(v)) for k, v in self.entries.items())
        new.last_id = self.last_id
        new.max_deleted_id = self.max_deleted_id
        new.entries_added = self.entries_added
        new.nodes = copy.deepcopy(self.nodes, memo)
        new.node_starts = list(self.node_starts)
        for name, group in self.groups.items():
            g = new.groups[name] = Group(name, group.last_id, group.entries_read)
            for cname, consumer in group.consumers.items():
                c = g.consumers[cname] = Consumer(cname, consumer.seen_time)
                c.active_time = consumer.active_time
            for entry_id, nack in group.pel.items():
                owner = g.consumers[nack.consumer.name]
                copied = Nack(owner, nack.delivery_time, nack.delivery_count)
                g.pel[entry_id] = copied
                owner.pel[entry_id] = copied
        return new

    def memory_usage(self) -> int:
        """Estimated bytes, as allocated (16-byte granules): per entry its field list and strings (the mean of
        the first 16), its id int, its dict entry and sorted-list slot; pending entries; nodes."""
        import sys

        def alloc(size: int) -> int:
            return (size + 15) & ~15

        n = len(self.entries)
        per_entry = 0
        if n:
            # islice, not a positional slice: that would build (then keep updating) the sorted list's index
            sample = list(islice(self.entries.values(), 16))
            per_entry = sum(alloc(sys.getsizeof(v)) + sum(alloc(sys.getsizeof(x)) for x in v)
                            for v in sample) // len(sample)
            per_entry += 48 + 64 + 16  # the id int; the dict entry at 2/3 load and its index; the sorted slot
        pending = sum(len(g.pel) for g in self.groups.values())
        return 256 + n * per_entry + pending * 250 + len(self.groups) * 300 + len(self.nodes) * 120
