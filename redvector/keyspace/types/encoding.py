"""OBJECT ENCODING names: which internal representation Redis 7.2 would use for a value of this size.

RedVector keeps one Python container per type, but tools (and HSCAN/SSCAN's "small container" rule)
look at Redis's encoding names, so they are derived from the size limits in the config:
``list-max-listpack-size``, ``hash-max-listpack-*``, ``set-max-intset-entries``,
``set-max-listpack-*`` and ``zset-max-listpack-*``. Unlike Redis, the name is computed from the current
contents, so a container that shrinks back under the limits reports the compact encoding again (Redis
converts lists back with hysteresis and never converts hashes, sets or sorted sets back).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from typing import Any

from redvector.keyspace.types.int64 import as_int64
from redvector.keyspace.types.json_value import JsonValue
from redvector.keyspace.types.sorted_set import ZSet
from redvector.keyspace.types.stream import Stream
from redvector.keyspace.types.suggestions import SuggestionTrie

# Redis's OBJ_ENCODING_EMBSTR_SIZE_LIMIT: strings up to 44 bytes are embedded in the object header.
EMBSTR_SIZE_LIMIT = 44
# The header of a HyperLogLog string (PFADD's sparse form is shorter than the embstr limit).
HLL_MAGIC = b"HYLL"
# list-max-listpack-size < 0 selects a byte limit per node: -1 = 4 KiB ... -5 = 64 KiB.
_LIST_BYTES = {-1: 4096, -2: 8192, -3: 16384, -4: 32768, -5: 65536}


def _all_short(items: Iterable[bytes], limit: int) -> bool:
    return all(len(x) <= limit for x in items)


def string_encoding(value: bytes) -> str:
    if as_int64(value) is not None:
        return "int"
    if len(value) <= EMBSTR_SIZE_LIMIT and not value.startswith(HLL_MAGIC):
        return "embstr"
    return "raw"  # long, or a HyperLogLog (Redis creates those as raw strings, whatever their size)


def list_encoding(lst: deque[bytes], config: Any) -> str:
    size = int(config["list-max-listpack-size"])
    if size >= 0:
        return "listpack" if len(lst) <= max(size, 1) else "quicklist"
    limit = _LIST_BYTES.get(size, 65536)
    if len(lst) * 2 > limit:  # every entry costs at least two bytes: no need to sum
        return "quicklist"
    # A listpack entry: the bytes plus about two of header and back-length; plus the 7-byte list header.
    total = 7 + sum(len(x) + 2 for x in lst)
    return "listpack" if total <= limit else "quicklist"


def hash_encoding(h: dict[bytes, bytes], config: Any) -> str:
    entries = int(config["hash-max-listpack-entries"])
    if len(h) > entries:
        return "hashtable"
    limit = int(config["hash-max-listpack-value"])
    return "listpack" if _all_short(h, limit) and _all_short(h.values(), limit) else "hashtable"


def set_encoding(s: set[bytes], config: Any) -> str:
    n = len(s)
    if n <= int(config["set-max-intset-entries"]) and all(as_int64(m) is not None for m in s):
        return "intset"
    if n <= int(config["set-max-listpack-entries"]) and _all_short(s, int(config["set-max-listpack-value"])):
        return "listpack"
    return "hashtable"


def zset_encoding(z: ZSet, config: Any) -> str:
    if len(z) <= int(config["zset-max-listpack-entries"]) and _all_short(
        z.scores, int(config["zset-max-listpack-value"])
    ):
        return "listpack"
    return "skiplist"


def object_encoding(value: Any, config: Any) -> str | None:
    """Redis's encoding name for a keyspace value (None for an unknown type)."""
    t = type(value)
    if t is bytes:
        return string_encoding(value)
    if t is deque:
        return list_encoding(value, config)
    if t is dict:
        return hash_encoding(value, config)
    if t is set:
        return set_encoding(value, config)
    if t is ZSet:
        return zset_encoding(value, config)
    if t is Stream:
        return "stream"
    if t is JsonValue or t is SuggestionTrie:
        return "raw"  # what Redis reports for a module type's value
    return None


def is_small_hash(h: dict[bytes, bytes], config: Any) -> bool:
    return hash_encoding(h, config) == "listpack"


def is_small_set(s: set[bytes], config: Any) -> bool:
    return set_encoding(s, config) != "hashtable"


def is_small_zset(z: ZSet, config: Any) -> bool:
    return zset_encoding(z, config) == "listpack"
