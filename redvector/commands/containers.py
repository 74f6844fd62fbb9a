"""Helpers shared by the container families: the HSCAN/SSCAN cursor.

Cursor scheme. A small container (Redis's listpack or intset encodings) is returned whole with cursor 0,
as Redis does. A large one is walked in the order of a 63-bit hash of each element: the cursor is the
lowest hash not yet returned, so an element present for the whole iteration is returned at least once
whatever is added or removed meanwhile (elements sharing a hash value are always returned together).
The hash-ordered list is built once per iteration and cached per server (a few entries, keyed by the
container's identity); a fresh list is built when the cache misses, which costs time, not correctness.
Elements removed since the snapshot are filtered out; elements added since may be missed, which SCAN's
contract allows. Cursors are meaningful within one server process only (the hash is Python's).
"""

from __future__ import annotations

from bisect import bisect_left
from collections import OrderedDict
from collections.abc import Collection

from redvector.commands.args import ArgCursor
from redvector.commands.context import CommandContext
from redvector.errors import RedVectorError, SyntaxErr
from redvector.keyspace.glob import glob_match

_HASH_MASK = (1 << 63) - 1
_CACHE_ENTRIES = 8
_CACHE_NAME = "container_scan_snapshots"


def parse_cursor(arg: bytes) -> int:
    """A SCAN cursor: an unsigned 64-bit integer (Redis's "invalid cursor" otherwise)."""
    if not arg or not arg.isdigit():
        raise RedVectorError("invalid cursor")
    value = int(arg)
    if value >= 1 << 64:
        raise RedVectorError("invalid cursor")
    return value


def _ordered(ctx: CommandContext, key: bytes, container: Collection[bytes], fresh: bool) -> tuple[list[int], list[bytes]]:
    cache: OrderedDict[tuple[int, bytes], tuple[int, list[int], list[bytes]]] = ctx.server.extensions.setdefault(
        _CACHE_NAME, OrderedDict()
    )
    ref = (ctx.client.db_index, key)
    entry = cache.get(ref)
    if entry is not None and not fresh and entry[0] == id(container):
        cache.move_to_end(ref)
        return entry[1], entry[2]
    pairs = sorted((hash(x) & _HASH_MASK, x) for x in container)
    hashes = [h for h, _ in pairs]
    items = [x for _, x in pairs]
    cache[ref] = (id(container), hashes, items)
    cache.move_to_end(ref)
    while len(cache) > _CACHE_ENTRIES:
        cache.popitem(last=False)
    return hashes, items


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
        hashes, items = _ordered(ctx, argv[1], container, fresh=cursor == 0)
        i = bisect_left(hashes, cursor)
        j = min(i + count, len(items))
        while 0 < j < len(items) and hashes[j] == hashes[j - 1]:
            j += 1  # never split elements sharing a hash across two steps
        chosen = [x for x in items[i:j] if x in container]
        next_cursor = hashes[j - 1] + 1 if j < len(items) else 0
    if pattern is not None and pattern != b"*":
        chosen = [x for x in chosen if glob_match(pattern, x)]
    return b"%d" % next_cursor, chosen, novalues


__all__ = ["parse_cursor", "scan_container"]
