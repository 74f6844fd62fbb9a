"""Memory estimates for MEMORY USAGE and INFO: what a key and its value take in this process.

Like Redis's objectComputeSize it measures containers by sampling: the average size of ``samples``
elements times the number of elements (``samples`` 0 measures all of them). Sizes are CPython object
sizes (sys.getsizeof) plus the main dict's per-entry cost, so they track real RSS growth.
"""

from __future__ import annotations

import sys
from collections import deque
from itertools import islice
from typing import Any

from redvector.keyspace.shared import is_shared
from redvector.keyspace.types.json_value import JsonValue, json_size
from redvector.keyspace.types.stream import Stream
from redvector.keyspace.types.suggestions import SuggestionTrie

# One entry of the database dict (hash, key pointer, value pointer) plus its index slot, amortised
# over the dict's 2/3 maximum load, plus the key's pointer in the SCAN order index.
DICT_ENTRY_BYTES = 24 + 8 + 8 + 8
EXPIRE_ENTRY_BYTES = DICT_ENTRY_BYTES + 32  # the dict entry plus the int holding the timestamp


def _sampled(items: Any, length: int, samples: int, size_of: Any) -> int:
    if length == 0:
        return 0
    taken = list(islice(items, samples if samples > 0 else length))
    if not taken:
        return 0
    return sum(size_of(item) for item in taken) * length // len(taken)


def _own_size(obj: bytes) -> int:
    """A hash field's or value's bytes, 0 for an object many hashes share (counted nowhere, as small)."""
    return 0 if is_shared(obj) else sys.getsizeof(obj)


def _pair_size(pair: tuple[bytes, bytes]) -> int:
    return _own_size(pair[0]) + _own_size(pair[1])


def value_size(value: Any, samples: int = 5) -> int:
    """Estimated bytes held by a value (its container and its elements)."""
    getsizeof = sys.getsizeof
    kind = type(value)
    if kind is bytes:
        return getsizeof(value)
    if kind is dict:
        return getsizeof(value) + _sampled(
            iter(value.items()), len(value), samples, _pair_size)
    if kind is set or kind is deque:
        return getsizeof(value) + _sampled(iter(value), len(value), samples, getsizeof)
    if kind is JsonValue:
        return getsizeof(value) + json_size(value.root)
    if kind is Stream:
        return value.memory_usage()
    if kind is SuggestionTrie:  # per entry: its node (slots), its label and child list, its payload
        per_entry = lambda e: 136 + getsizeof(e[0]) + (getsizeof(e[2]) if e[2] else 0)  # noqa: E731
        return getsizeof(value) + _sampled(value.entries(), value.size, samples, per_entry)
    scores = getattr(value, "scores", None)
    if type(scores) is dict:  # a sorted set: member -> score dict plus the ordered (score, member) list
        per_member = lambda kv: getsizeof(kv[0]) + getsizeof(kv[1]) + 8 + 64  # noqa: E731
        return getsizeof(scores) + _sampled(iter(scores.items()), len(scores), samples, per_member)
    return getsizeof(value)


def key_size(key: bytes, value: Any, has_ttl: bool, samples: int = 5) -> int:
    """MEMORY USAGE: the key, its value and its entries in the database's tables."""
    return (sys.getsizeof(key) + value_size(value, samples) + DICT_ENTRY_BYTES
            + (EXPIRE_ENTRY_BYTES if has_ttl else 0))
