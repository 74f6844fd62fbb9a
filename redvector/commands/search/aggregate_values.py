"""FT.AGGREGATE's values as RediSearch compares and hashes them: SORTBY's order (the sorter's cmpByFields
over RSValue_Cmp) and the 64-bit hash (RSValue_Hash, FNV-1a) that GROUPBY and COUNT_DISTINCT tell values
apart by, collisions included."""

from __future__ import annotations

import struct
from collections.abc import Hashable
from functools import cmp_to_key
from typing import Any

import numpy as np

from redvector.search.query.expr import NULL, compare_values

Row = dict[str, Any]
DOC = "\x00doc"  # hidden: the row's doc id (for implicit loads)


def _comparable(v: Any) -> Any:
    """A row value as RSValue_Cmp compares it: text as str, a null as None, arrays element by element."""
    if v is NULL or v is REFERENCE:
        return None if v is NULL else v
        return None
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    if isinstance(v, int):
        return float(v)
    if isinstance(v, list):
        return [_comparable(x) for x in v]
    return v


_MISSING = object()
_FLOAT = {float}


class _Reference:
    """An APPLY of a bare property (``APPLY @n AS x``) stores a reference to the value, and RediSearch's
    sorter (RSValue_Cmp of two references) finds any two equal: SORTBY @x orders by the keys after it and
    the documents alone."""

    def __repr__(self) -> str:
        return "REFERENCE"


REFERENCE = _Reference()
_Keyed = tuple[list[Any], Any, Row]  # a row's sort values, its document, the row


def sort_rows(rows: list[Row], fields: list[tuple[str, bool]], columns: list[list[Any]],
              need: int | None = None) -> list[Row]:
    """SORTBY as RediSearch's sorter orders rows (cmpByFields): key by key, a row without the key after
    one with it whatever the direction, a null before any value, numbers by value, text bytewise; ties
    by document id in the last key's direction. Rows without a document (after a GROUPBY) keep their
    order where RediSearch's heap makes it depend on its own layout. ``columns``: each key's value in
    every row (None: the row has none); ``need``: only the first ones are wanted (more may come)."""
    if len(fields) == 1:
        fast_order = _numbers_in_order(rows, columns[0], fields[0][1], need)
        if fast_order is not None:
            return fast_order
    keyed = [([_MISSING if v is None else _comparable(v) for v in values], r.get(DOC), r)
             for r, *values in zip(rows, *columns, strict=True)]
    fast = _sorted_by_passes(keyed, fields)
    if fast is not None:
        return fast

    def cmp(a: _Keyed, b: _Keyed) -> int:
        asc = True
        for i, (_, asc) in enumerate(fields):
            x, y = a[0][i], b[0][i]
            if x is _MISSING or y is _MISSING:
                if x is not _MISSING:
                    return 1
                if y is not _MISSING:
                    return -1
                continue
            rc = 0 if x is REFERENCE or y is REFERENCE else compare_values(x, y, strict=False)
            if rc:
                return -rc if asc else rc
        if a[1] is None or b[1] is None or a[1] == b[1]:
            return 0
        rc = -1 if a[1] < b[1] else 1
        return -rc if asc else rc

    def first(a: _Keyed, b: _Keyed) -> int:
        return -cmp(a, b)  # the sorter yields its heap's largest first

    keyed.sort(key=cmp_to_key(first))
    return [r for _, _, r in keyed]



def _numbers_in_order(rows: list[Row], values: list[Any], asc: bool, need: int | None) -> list[Row] | None:
    """One key whose values are all numbers (no NaN) in rows that all have a document: by value, then doc
    id, in the key's direction, with numpy (a partition first when only ``need`` rows are wanted); None
    for anything else (sort_rows' general order decides)."""
    if not rows or set(map(type, values)) != _FLOAT:
        return None
    try:
        docs = [r[DOC] for r in rows]
    except KeyError:
        return None
    if None in docs:
        return None
    keys = np.array(values, dtype=np.float64)
    if np.isnan(keys).any():
        return None
    ids = np.array(docs, dtype=np.int64)
    positions = np.arange(len(rows))
    if not asc:
        keys, ids = -keys, -ids
    if need is not None and need < len(keys):
        kth = np.partition(keys, need - 1)[need - 1]
        keep = keys <= kth  # with every row tied with the need-th one, so doc ids settle the ties
        keys, ids, positions = keys[keep], ids[keep], positions[keep]
    order = np.lexsort((ids, keys))
    return [rows[i] for i in positions[order].tolist()]


def _sorted_by_passes(keyed: list[_Keyed], fields: list[tuple[str, bool]]) -> list[Row] | None:
    """sort_rows' order by stable sorts, last key first (as fast as Python sorts), where every key's
    values are of one kind (numbers, or text; nulls beside either) so RSValue_Cmp orders them as Python
    does: the document ids in the last key's direction, then each key's rows with it, in its direction,
    ahead of those without. None where a key mixes kinds (the comparator decides those)."""
    for i in range(len(fields)):
        kinds = {type(k[0][i]) for k in keyed} - {type(None), object}
        if len(kinds) > 1 or kinds - {float, str}:
            return None
    last_asc = fields[-1][1]
    if all(k[1] is not None for k in keyed):
        keyed = sorted(keyed, key=lambda k: k[1], reverse=not last_asc)
    for i in range(len(fields) - 1, -1, -1):
        asc = fields[i][1]
        present = [k for k in keyed if k[0][i] is not _MISSING]
        nulls = [k for k in present if k[0][i] is None]
        values = [k for k in present if k[0][i] is not None]
        values.sort(key=lambda k: k[0][i], reverse=not asc)
        missing = [k for k in keyed if k[0][i] is _MISSING]
        keyed = (nulls + values if asc else values + nulls) + missing
    return [r for _, _, r in keyed]


def identity(v: Any) -> Hashable:
    """A value as a dict key, equal where RediSearch's values are equal by type and content: a number by
    its bits (-0 is not 0, 5 is not "5"), text by its bytes, an array by its elements, null as null."""
    if v is None or v is NULL:
        return ("null",)
    if isinstance(v, float | int):
        return ("n", struct.pack("<d", float(v)))
    if isinstance(v, bytes):
        return ("s", v.decode("utf-8", "replace"))
    if isinstance(v, list | tuple):
        return ("a", tuple(identity(x) for x in v))
    return ("s", str(v))


_FNV_PRIME = 0x100000001B3
_MASK = (1 << 64) - 1


def rs_hash(v: Any, h: int = 0) -> int:
    """RSValue_Hash(v, h): FNV-1a 64 over a number's bytes or a string's, chained through an array's
    elements; a null adds 1."""
    if v is None or v is NULL:
        return (h + 1) & _MASK
    if isinstance(v, list | tuple):
        for x in v:
            h = rs_hash(x, h)
        return h
    if isinstance(v, float | int):
        data = struct.pack("<d", float(v))
    elif isinstance(v, bytes):
        data = v
    else:
        data = str(v).encode()
    for byte in data:
        h = ((h ^ byte) * _FNV_PRIME) & _MASK
    return h
