"""Helpers shared by the container families: the HSCAN/SSCAN cursor and random picks from large containers.

Cursor scheme. A small container (Redis's listpack or intset encodings) is returned whole with cursor 0,
as Redis does. A large one is walked in the order of a 63-bit hash of each element: the cursor is the
lowest hash not yet returned, so an element present for the whole iteration is returned at least once
whatever is added or removed meanwhile (elements sharing a hash value are always returned together).
The hash-ordered arrays are built once per iteration and cached per server (at most 8 containers and
2M elements, keyed by the container's identity); a fresh snapshot is built when the cache misses, which
costs time, not correctness.
Elements removed since the snapshot are filtered out; elements added since may be missed, which SCAN's
contract allows. Cursors are meaningful within one server process only (the hash is Python's).
"""

from __future__ import annotations

import random
from collections import OrderedDict
from collections.abc import Collection

import numpy as np
import numpy.typing as npt

from redvector.commands.args import ArgCursor
from redvector.commands.context import CommandContext
from redvector.errors import RedVectorError, SyntaxErr
from redvector.keyspace.glob import glob_match

_HASH_MASK = (1 << 63) - 1
_CACHE_ENTRIES = 8
_CACHE_ELEMENTS = 2_000_000
_CACHE_NAME = "container_scan_snapshots"


def parse_cursor(arg: bytes) -> int:
    """A SCAN cursor: an unsigned 64-bit integer (Redis's "invalid cursor" otherwise)."""
    if not arg or not arg.isdigit():
        raise RedVectorError("invalid cursor")
    value = int(arg)
    if value >= 1 << 64:
        raise RedVectorError("invalid cursor")
    return value


class _Snapshot:
    """One container's elements in hash order: parallel numpy arrays (8 bytes per element each)."""

    __slots__ = ("container_id", "hashes", "items")

    def __init__(self, container: Collection[bytes]) -> None:
        items = np.empty(len(container), dtype=object)
        items[:] = list(container)
        hashes = np.fromiter((hash(x) & _HASH_MASK for x in items), dtype=np.int64, count=len(items))
        order = np.argsort(hashes, kind="stable")
        self.container_id = id(container)
        self.hashes: npt.NDArray[np.int64] = hashes[order]
        self.items: npt.NDArray[np.object_] = items[order]


def _snapshot(ctx: CommandContext, key: bytes, container: Collection[bytes], fresh: bool) -> _Snapshot:
    cache: OrderedDict[tuple[int, bytes], _Snapshot] = ctx.server.extensions.setdefault(
        _CACHE_NAME, OrderedDict()
    )
    ref = (ctx.client.db_index, key)
    snap = cache.get(ref)
    if snap is None or fresh or snap.container_id != id(container):
        snap = _Snapshot(container)
        cache[ref] = snap
    cache.move_to_end(ref)
    # Bounded by entries and by elements held (the newest snapshot always stays).
    while len(cache) > 1 and (
        len(cache) > _CACHE_ENTRIES or sum(len(s.items) for s in cache.values()) > _CACHE_ELEMENTS
    ):
        cache.popitem(last=False)
    return snap


def scan_container(
    ctx: CommandContext, argv: list[bytes], container: Collection[bytes] | None, small: bool,
    allow_novalues: bool = False,
) -> tuple[bytes, list[bytes], bool]:
    """HSCAN/SSCAN (and ZSCAN-style) work: (next cursor, the elements of this step, NOVALUES given)."""
    cursor = parse_cursor(argv[2])
    pattern: bytes | None = None
    count = 10
    novalues = False
    args = ArgCursor(argv, 3)
    while args:
        token = args.next_token()
        if token == "MATCH" and args:
            pattern = args.next()
        elif token == "COUNT" and args:
            count = args.next_int()
            if count < 1:
                raise SyntaxErr()
        elif token == "NOVALUES" and allow_novalues:
            novalues = True
        else:
            raise SyntaxErr()
    if not container:
        return b"0", [], novalues
    if small:
        chosen = list(container)
        next_cursor = 0
    else:
        snap = _snapshot(ctx, argv[1], container, fresh=cursor == 0)
        hashes, n = snap.hashes, len(snap.items)
        i = int(np.searchsorted(hashes, cursor)) if cursor <= _HASH_MASK else n
        j = min(i + count, n)
        while 0 < j < n and hashes[j] == hashes[j - 1]:
            j += 1  # never split elements sharing a hash across two steps
        chosen = [x for x in snap.items[i:j] if x in container]
        next_cursor = int(hashes[j - 1]) + 1 if j < n else 0
    if pattern is not None and pattern != b"*":
        chosen = [x for x in chosen if glob_match(pattern, x)]
    return b"%d" % next_cursor, chosen, novalues


# Random picks (SRANDMEMBER, HRANDFIELD). Python sets and dicts have no random access, so a container
# larger than this draws from a cached tuple of its elements (O(1) per pick), rebuilt when the size
# changed or a drawn element has gone: uniform over a snapshot that may lag a container whose elements
# were swapped without changing its size. Smaller ones are copied per call.
SMALL_PICK_LIMIT = 4096
_POOL_CACHE = "container_sample_pools"


def _sample_pool(ctx: CommandContext, key: bytes, container: Collection[bytes], fresh: bool) -> tuple[bytes, ...]:
    cache: OrderedDict[tuple[int, bytes], tuple[int, tuple[bytes, ...]]] = ctx.server.extensions.setdefault(
        _POOL_CACHE, OrderedDict()
    )
    ref = (ctx.client.db_index, key)
    entry = cache.get(ref)
    if fresh or entry is None or entry[0] != id(container) or len(entry[1]) != len(container):
        entry = (id(container), tuple(container))
        cache[ref] = entry
    cache.move_to_end(ref)
    while len(cache) > 1 and (
        len(cache) > _CACHE_ENTRIES or sum(len(e[1]) for e in cache.values()) > _CACHE_ELEMENTS
    ):
        cache.popitem(last=False)
    return entry[1]


def random_picks(ctx: CommandContext, key: bytes, container: Collection[bytes], count: int) -> list[bytes]:
    """``count`` distinct elements (count > 0, at most all) or -count elements with repeats (count < 0)."""
    if len(container) <= SMALL_PICK_LIMIT:
        elements: tuple[bytes, ...] = tuple(container)
    else:
        elements = _sample_pool(ctx, key, container, fresh=False)
    picks: list[bytes] = []
    for attempt in range(2):
        if count < 0:
            picks = random.choices(elements, k=-count)
        else:
            picks = list(elements) if count >= len(elements) else random.sample(elements, count)
        if attempt or len(container) <= SMALL_PICK_LIMIT or all(x in container for x in picks):
            break
        elements = _sample_pool(ctx, key, container, fresh=True)
    return picks


__all__ = ["SMALL_PICK_LIMIT", "parse_cursor", "random_picks", "scan_container"]
