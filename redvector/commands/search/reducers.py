"""FT.AGGREGATE's GROUPBY reducers as RediSearch 2.10 computes them (src/aggregate/reducers/*.c), the
identity of values that GROUPBY, COUNT_DISTINCT and TOLIST use, and RediSearch's streaming quantile.

A reducer gets a group's columns: one list per property it reads, an entry per row of the group: the
row's value, ``NULL`` for a property that is there with no value, None for one the row lacks."""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterator
from typing import Any

from redvector.commands.search.aggregate_values import identity, rs_hash
from redvector.commands.search.khash_order import khash_order
from redvector.errors import SearchError
from redvector.search.query.expr import NULL, compare_values, to_num

Reducer = Callable[[list[list[Any]]], Any]  # the columns of a group -> its value (None: null)
Row = dict[str, Any]

REDUCERS = frozenset({"COUNT", "COUNT_DISTINCT", "COUNT_DISTINCTISH", "SUM", "AVG", "MIN", "MAX", "TOLIST",
                      "FIRST_VALUE", "STDDEV", "QUANTILE", "RANDOM_SAMPLE"})


def strip_at(text: str) -> str:
    return text[1:] if text.startswith("@") else text


def reducer_alias(func: str, args: list[str]) -> str:
    """The name of a REDUCE without AS: ``__generated_alias<func><args, comma separated>``, lower case."""
    return ("__generated_alias" + func + ",".join(strip_at(a) for a in args)).lower()


def _list_key(v: Any) -> Hashable:
    """TOLIST's sameness: RediSearch's dict compares values in a bucket with RSValue_Equal, and 0 and -0
    share one (their hashes differ only in high bits), so they are one value; otherwise as identity."""
    if isinstance(v, float | int) and v == 0:
        return identity(0.0)
    return identity(v)


_HLL_BITS = 8  # count_distinct.c's HyperLogLog precision: 256 registers
_HLL_SEED = 0x5F61767A


def _distinctish(values: list[Any]) -> float:
    """COUNT_DISTINCTISH: RediSearch's HyperLogLog estimate (hll.c) over each value's RSValue_Hash (seeded,
    folded to 32 bits), so two values whose registers collide count once among few."""
    size = 1 << _HLL_BITS
    registers = [0] * size
    for v in values:
        if v is None or v is NULL:
            continue
        h = rs_hash(v, _HLL_SEED)
        h32 = (h & 0xFFFFFFFF) ^ (h >> 32)
        index = h32 >> (32 - _HLL_BITS)
        rank = 1
        while rank <= 32 - _HLL_BITS and not h32 & 1:
            rank += 1
            h32 >>= 1
        registers[index] = max(registers[index], rank)
    alpha_mm = 0.7213 / (1.0 + 1.079 / size) * size * size
    estimate = alpha_mm / sum(1.0 / (1 << r) for r in registers)
    if estimate <= 5.0 / 2.0 * size:
        zeros = registers.count(0)
        if zeros:
            estimate = size * math.log(size / zeros)
    elif estimate > (1.0 / 30.0) * 4294967296.0:
        estimate = -4294967296.0 * math.log(1.0 - estimate / 4294967296.0)
    return float(int(estimate))


def _number(v: Any) -> float | None:
    """RSValue_ToNumber of a row value: numbers, and text strtod reads; null, arrays and other text: None."""
    return None if v is NULL else to_num(v)


def _numbers(values: list[Any]) -> list[float]:
    """The numbers of a column, arrays read element by element (STDDEV, QUANTILE)."""
    out: list[float] = []
    for v in values:
        for x in (v if isinstance(v, list) else (v,)):
            n = _number(x)
            if n is not None:
                out.append(n)
    return out


def _sum(values: list[Any]) -> float:
    total = 0.0
    for v in values:
        n = _number(v)
        if n is not None:
            total += n
    return total


def build_reducer(name: str, args: list[str]) -> tuple[Reducer, list[str]]:
    """A REDUCE function and the properties whose columns it reads."""
    def need(n: int) -> None:
        if len(args) < n:
            raise SearchError(f"Bad arguments for {name}: Expected an argument, but none provided")

    if name not in REDUCERS:
        raise SearchError(f"No such reducer: {name}")
    if name == "COUNT":
        return (lambda cols: float(len(cols[0]))), []
    need(1)
    prop = [strip_at(args[0])]
    if name == "COUNT_DISTINCTISH":
        return (lambda cols: _distinctish(cols[0])), prop
    if name == "COUNT_DISTINCT":
        def distinct(cols: list[list[Any]]) -> float:
            # RediSearch counts distinct hashes (RSValue_Hash): colliding values count once
            values = {identity(v): v for v in cols[0] if v is not None and v is not NULL}
            return float(len({rs_hash(v) for v in values.values()}))
        return distinct, prop
    if name == "SUM":
        return (lambda cols: _sum(cols[0])), prop
    if name == "AVG":
        def avg(cols: list[list[Any]]) -> float:
            # every row counts, those without a number too (sum.c counts before it converts)
            return _sum(cols[0]) / len(cols[0]) if cols[0] else 0.0
        return avg, prop
    if name in ("MIN", "MAX"):
        pick = min if name == "MIN" else max
        return (lambda cols: pick((n for v in cols[0] if (n := _number(v)) is not None), default=0.0)), prop
    if name == "TOLIST":
        def tolist(cols: list[list[Any]]) -> list[Any]:
            seen: dict[Hashable, Any] = {}
            for v in cols[0]:
                if v is None:
                    continue  # a row without the property adds nothing; a null one adds a null
                for x in (v if isinstance(v, list) else (v,)):
                    seen.setdefault(_list_key(x), x)
            return list(seen.values())
        return tolist, prop
    if name == "FIRST_VALUE":
        return _first_value(args)
    if name == "STDDEV":
        return (lambda cols: _stddev(_numbers(cols[0]))), prop
    if name == "QUANTILE":
        need(2)
        q = to_num(args[1])
        if q is None:
            raise SearchError("Could not parse quantile")
        if not 0 <= q <= 1:
            raise SearchError("Percentage must be between 0.0 and 1.0")
        if len(args) > 2:  # QUANTILE prop pct resolution: the stream's buffer
            try:
                capacity = int(args[2])
            except ValueError:
                raise SearchError("Bad arguments for <resolution>: Could not convert argument to expected type") from None
            if not 1 <= capacity <= _MAX_SAMPLE_SIZE:
                raise SearchError("Invalid resolution")
        if len(args) > 3:
            raise SearchError("Bad arguments for QUANTILE: Unknown argument")
        return (lambda cols: quantile(_numbers(cols[0]), q)), prop
    if name == "RANDOM_SAMPLE":
        need(2)
        size = to_num(args[1])
        if size is None or size < 1 or size != int(size):
            raise SearchError("Bad arguments for RANDOM_SAMPLE: Could not convert argument to expected type")

        def sample(cols: list[list[Any]]) -> list[Any]:
            present = [v for v in cols[0] if v is not None]
            return random.sample(present, min(len(present), int(size)))
        return sample, prop
    raise SearchError(f"No such reducer: {name}")


def _first_value(args: list[str]) -> tuple[Reducer, list[str]]:
    """FIRST_VALUE prop [BY prop [ASC|DESC]]: without BY the first row's value (null when it has none).
    With BY, over the rows that have the value (first_value.c in RediSearch 2.10): the first one's,
    replaced by a later row's whose sort value compares lower (DESC: higher) than the kept one; while
    the kept sort value is null (below any value), ASC takes the next row with a sort value, DESC none."""
    if len(args) == 1:
        return (lambda cols: NULL if cols[0][0] is None else cols[0][0]), [strip_at(args[0])]
    if args[1].upper() != "BY" or len(args) > 4:
        raise SearchError("Bad arguments for FIRST_VALUE: Unknown argument")
    if len(args) < 3:
        raise SearchError("Bad arguments for FIRST_VALUE: Expected an argument, but none provided")
    if len(args) == 4 and args[3].upper() not in ("ASC", "DESC"):
        raise SearchError("Bad arguments for FIRST_VALUE: Unknown argument")
    asc = len(args) < 4 or args[3].upper() != "DESC"

    def first_by(cols: list[list[Any]]) -> Any:
        value: Any = None
        best: Any = None
        for v, k in zip(cols[0], cols[1], strict=True):
            if v is None:
                continue  # a row without the value is passed over
            k = NULL if k is None else k
            if value is None:
                value, best = v, k
                continue
            rc = (-1 if asc else 1) * compare_values(_comparable(k), _comparable(best), strict=False)
            if (rc > 0) if best is not NULL else (rc < 0):
                value, best = v, k
        return value
    return first_by, [strip_at(args[0]), strip_at(args[2])]


def _comparable(v: Any) -> Any:
    """A row value as the expression values RSValue_Cmp compares: text as str, null as None."""
    if v is NULL:
        return None
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    if isinstance(v, int):
        return float(v)
    return v


def _stddev(xs: list[float]) -> float:
    """deviation.c: the running (Welford) sample variance's square root; 0 below two numbers."""
    n = 0
    old_m = new_m = old_s = new_s = 0.0
    for x in xs:
        n += 1
        if n == 1:
            old_m = new_m = x
            old_s = 0.0
        else:
            new_m = old_m + (x - old_m) / n
            new_s = old_s + (x - old_m) * (x - new_m)
            old_m, old_s = new_m, new_s
    variance = new_s / (n - 1) if n > 1 else 0.0
    return math.sqrt(variance) if variance >= 0 else -math.nan


_BUFFER = 500  # QUANTILE's default resolution
_MAX_SAMPLE_SIZE = 1000


def quantile(values: list[float], q: float) -> float:
    """The value at rank ceil(q * n) (the first for q = 0), 0 for none: what RediSearch's quantile stream
    answers while it holds every value (fewer than its resolution; a larger group gets an estimate)."""
    if not values:
        return 0.0
    xs = sorted(values)
    return xs[min(len(xs) - 1, max(0, math.ceil(q * len(xs)) - 1))]


def group_rows(rows: list[Row], keys: list[str], reducers: list[tuple[str, Reducer, list[str]]],
               column: Callable[[list[Row], str], list[Any]]) -> list[Row]:
    """GROUPBY as RediSearch's grouper: a group per hash of the keys' values (RSValue_Hash chained over
    them, so values whose hashes collide share a group, shown with the first one's values); an array
    key puts the row in a group per element (an empty one in the null group); each reducer over its
    group's rows in the order they came; the groups in the order RediSearch's hash table of them
    (khash, keyed by that hash) yields them. ``column(rows, name)``: each row's value of ``name``."""
    key_columns = [column(rows, k) for k in keys]
    # (values, row numbers ascending, hash) per distinct identity, in the order the groups first appear
    distinct: dict[tuple[Any, ...], tuple[list[Any], list[int], int]] = {}
    if len(keys) == 1 and set(map(type, key_columns[0])) == _BYTES_ONLY:
        # One key whose values are all strings (a tag, a text field): each distinct string's identity and
        # hash worked out once.
        for v, numbers in _rows_by_string(key_columns[0]):
            ident, values, h = next(_group_keys([v], 0))
            found = distinct.get(ident)
            if found is None:
                distinct[ident] = (values, numbers, h)
            else:  # text whose identity is another's (invalid UTF-8 read alike): one group, in row order
                found[1].extend(numbers)
                found[1].sort()
    else:
        for n in range(len(rows)):
            for ident, values, h in _group_keys([col[n] for col in key_columns], 0):
                found = distinct.get(ident)
                if found is None:
                    distinct[ident] = (values, [n], h)
                else:
                    found[1].append(n)
    by_hash: dict[int, tuple[list[Any], list[int]]] = {}
    for values, numbers, h in distinct.values():
        found_hash = by_hash.get(h)
        if found_hash is None:
            by_hash[h] = (values, numbers)
        else:  # a collision: one group, in the rows' order
            found_hash[1].extend(numbers)
            found_hash[1].sort()
    out: list[Row] = []
    hashes = list(by_hash)  # the grouper's hash table yields its groups bucket by bucket
    for values, numbers in (by_hash[hashes[i]] for i in khash_order(hashes)):
        group = list(map(rows.__getitem__, numbers))
        row: Row = dict(zip(keys, values, strict=True))
        for alias, fn, props in reducers:
            value = fn([column(group, p) for p in props] or [group])
            row[alias] = NULL if value is None else value
        out.append(row)
    return out


_BYTES_ONLY = {bytes}


def _rows_by_string(column: list[bytes]) -> list[tuple[bytes, list[int]]]:
    """Each distinct string of ``column`` with the numbers of its rows (ascending), in the order the
    strings first appear."""
    held: defaultdict[bytes, list[int]] = defaultdict(list)
    for n, v in enumerate(column):
        held[v].append(n)
    return list(held.items())


def _group_keys(values: list[Any], h: int) -> Iterator[tuple[tuple[Any, ...], list[Any], int]]:
    """(identity, row values, RediSearch's hash) of each group a row's key values put it in: the
    cartesian product of its arrays' elements (hashed twice, as extractGroups does, so an element of an
    array groups apart from the same value outside one)."""
    if not values:
        yield (), [], h
        return
    head, rest = values[0], values[1:]
    options: list[tuple[Hashable, Any, int]]
    if isinstance(head, list):
        elements = head or [None]
        options = [(("array", identity(x)), NULL if x is None else x, rs_hash(x, rs_hash(x, h))) for x in elements]
    else:
        options = [(identity(head), NULL if head is None else head, rs_hash(head, h))]
    for ident, value, hashed in options:
        for tail_ident, tail_values, tail_hash in _group_keys(rest, hashed):
            yield (ident, *tail_ident), [value, *tail_values], tail_hash
