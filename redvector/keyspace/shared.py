"""Shared bytes objects for hash field names and short values.

Each request brings fresh bytes objects, yet an application's hashes repeat the same field names (one
schema, many documents) and often the same short values (a category, a tag, a flag, a small count).
Hashes keep one shared object per common name or value instead: ~40 bytes saved for every field of
every hash that repeats one. MEMORY USAGE and INFO's estimates count a shared object once, not per hash.

Names: bounded, first come first kept, so random field names cannot grow the table without limit.
Values: a cache that starts afresh when it fills (the values already shared stay shared), so unique
values (ids, timestamps) cost it nothing lasting while repeated ones keep being found.
"""

from __future__ import annotations

_NAMES: dict[bytes, bytes] = {}
_NAMES_MAX = 4096
_NAME_MAX_LEN = 64

_VALUES: dict[bytes, bytes] = {}
_VALUES_MAX = 4096
VALUE_MAX_LEN = 24

shared_name_of = _NAMES.get  # the shared object of a name already kept (None otherwise)
share_value = _VALUES.setdefault  # share_value(v, v): the shared object of a short value (v kept if new)


def shared_name(name: bytes) -> bytes:
    """The shared object for field name ``name`` (kept from now on while the table has room)."""
    held = _NAMES.get(name)
    if held is not None:
        return held
    if len(_NAMES) < _NAMES_MAX and len(name) <= _NAME_MAX_LEN:
        _NAMES[name] = name
    return name


def trim_values() -> None:
    """After a batch of share_value calls: start the value cache afresh once it is full."""
    if len(_VALUES) > _VALUES_MAX:
        _VALUES.clear()


def is_shared(obj: bytes) -> bool:
    """Whether ``obj`` is (as far as the tables still know) one of the shared objects."""
    return _NAMES.get(obj) is obj or _VALUES.get(obj) is obj
