"""JSON.NUMINCRBY/NUMMULTBY/NUMPOWBY, STR*, ARR*, OBJKEYS/OBJLEN, TOGGLE, CLEAR: commands on values at a path.

JSONPath (``$...``) forms answer one entry per match (null where the match has the wrong type); legacy
paths answer one value and fail when nothing fits, with RedisJSON 2.8's texts. Writes signal
``json.<command>`` through the keyspace's change hook, only when something changed.
"""

from __future__ import annotations

import math
from array import array
from typing import Any

from redvector.commands.context import CommandContext
from redvector.commands.json.common import (
    NO_KEY,
    container_ids,
    get_doc,
    match_paths,
    need_doc,
    parse_int,
    parse_value,
    path_arg,
    resolve,
    set_node,
    writable,
    wrong_type,
)
from redvector.commands.json.documents import group
from redvector.commands.spec import Flag, KeySpec
from redvector.errors import JsonError
from redvector.keyspace.types.json_path import compile_path, is_legacy_path, normalize
from redvector.keyspace.types.json_value import ARRAYS, JsonValue, dumps, json_equal
from redvector.replies import ByProtocol

_R = Flag.READONLY
_W = Flag.WRITE | Flag.DENYOOM
_K1 = KeySpec(1, 1, 1)
I64_MIN, I64_MAX = -(2**63), 2**63 - 1


def need(doc: JsonValue | None) -> JsonValue:
    if doc is None:
        raise JsonError(NO_KEY)
    return doc


def _legacy(argv: list[bytes], index: int) -> bool:
    return index >= len(argv) or is_legacy_path(argv[index])


def _not_exist(path_text: str, what: str) -> JsonError:
    return JsonError(f"ERR Path '{path_text}' does not exist or {what}")


# -- numbers ------------------------------------------------------------------------------------------
def _int_op(op: str, old: int, number: int) -> int:
    """i64 arithmetic as RedisJSON does it: wrapping; a power's exponent is cast to u32 (wrapping_pow)."""
    if op == "incr":
        new = old + number
    elif op == "mult":
        new = old * number
    else:
        new = pow(old, number & 0xFFFFFFFF, 2**64)
    return (new - I64_MIN) % 2**64 + I64_MIN


def _float_op(op: str, old: float, number: float) -> float:
    try:
        new = old + number if op == "incr" else old * number if op == "mult" else math.pow(old, number)
    except (OverflowError, ValueError):  # powf's inf or NaN
        new = math.nan
    if not math.isfinite(new):
        raise JsonError("ERR result is not a number")
    return new


def _arith(ctx: CommandContext, argv: list[bytes], op: str) -> Any:
    key = argv[1]
    doc = need(get_doc(ctx, key))
    path = compile_path(argv[2])
    results: list[Any] = []
    changed = False
    number: Any = None
    for node in path.locate(doc.root):
        old = node[2]
        if type(old) not in (int, float):
            results.append(None)
            continue
        if number is None:  # RedisJSON reads the number only once it has a number to apply it to
            number = parse_value(argv[3], "ERR ")
            if type(number) not in (int, float):
                raise JsonError("bad input number")
        if type(old) is int and type(number) is int and old <= I64_MAX and number <= I64_MAX:
            new: int | float = _int_op(op, old, number)
        else:
            new = _float_op(op, float(old), float(number))
        set_node(doc, node, new)
        results.append(new)
        changed = True
    if changed:
        ctx.touched(key, f"json.num{op}by")
    if path.is_legacy:  # RESP3 answers every match, as for a JSONPath
        numbers = [r for r in results if r is not None]
        if not numbers:
            return ByProtocol(_not_exist(path.normalized, "does not contains a number"), results)
        return ByProtocol(dumps(numbers[-1]), results)
    return ByProtocol(dumps(results), results)


@group.command("JSON.NUMINCRBY", 4, _W, _K1, summary="Increments the numeric value at a path.")
def json_numincrby(ctx: CommandContext, argv: list[bytes]) -> Any:
    return _arith(ctx, argv, "incr")


@group.command("JSON.NUMMULTBY", 4, _W, _K1, summary="Multiplies the numeric value at a path.")
def json_nummultby(ctx: CommandContext, argv: list[bytes]) -> Any:
    return _arith(ctx, argv, "mult")


@group.command("JSON.NUMPOWBY", 4, _W, _K1, summary="Raises the numeric value at a path to a power.")
def json_numpowby(ctx: CommandContext, argv: list[bytes]) -> Any:
    return _arith(ctx, argv, "pow")


# -- strings ------------------------------------------------------------------------------------------
@group.command("JSON.STRAPPEND", -3, _W, _K1, summary="Appends a string to the JSON strings at a path.")
def json_strappend(ctx: CommandContext, argv: list[bytes]) -> Any:
    key = argv[1]
    raw_path, raw = (b".", argv[2]) if len(argv) == 3 else (argv[2], argv[3])
    doc = need_doc(ctx, key)
    path = compile_path(raw_path)
    suffix = parse_value(raw, "ERR ")
    if type(suffix) is not str:
        raise JsonError(
            f"WRONGTYPE wrong type of path value - expected string but found {raw.decode('utf-8', 'replace')}"
        )
    results: list[Any] = []
    for node in path.locate(doc.root):
        if type(node[2]) is not str:
            results.append(None)
            continue
        new = node[2] + suffix
        set_node(doc, node, new)
        results.append(len(new.encode()))
    if any(r is not None for r in results):
        ctx.touched(key, "json.strappend")
    if path.is_legacy:
        lengths = [r for r in results if r is not None]
        if not lengths:
            raise _not_exist(path.normalized, "not a string")
        return lengths[-1]
    return results


@group.command("JSON.STRLEN", -2, _R, _K1, summary="Returns the length of the JSON strings at a path.")
def json_strlen(ctx: CommandContext, argv: list[bytes]) -> Any:
    doc = get_doc(ctx, argv[1])
    if doc is None:
        if _legacy(argv, 2):
            return None
        raise JsonError(NO_KEY)
    path = path_arg(argv, 2)
    values = path.values(doc.root)
    if path.is_legacy:
        if not values:
            raise JsonError(f"ERR Path '{path.normalized}' does not exist")
        if type(values[0]) is not str:
            raise wrong_type("string", values[0])
        return len(values[0].encode())
    return [len(v.encode()) if type(v) is str else None for v in values]


# -- arrays -------------------------------------------------------------------------------------------
def _array_results(
    ctx: CommandContext, key: bytes, path_text: str, legacy: bool, results: list[Any], event: str | None
) -> Any:
    if event is not None and any(r is not None for r in results):
        ctx.touched(key, event)
    if legacy:
        found = [r for r in results if r is not None]
        if not found:
            raise _not_exist(path_text, "not an array")
        return found[-1]
    return results


@group.command("JSON.ARRAPPEND", -4, _W, _K1, summary="Appends JSON values to the arrays at a path.")
def json_arrappend(ctx: CommandContext, argv: list[bytes]) -> Any:
    key = argv[1]
    values = [parse_value(a) for a in argv[3:]]  # RedisJSON reads the values before it opens the key
    doc = need(get_doc(ctx, key))
    path = compile_path(argv[2])
    results: list[Any] = []
    first = True
    for _, _, arr in writable(doc, path, _floats(values), into_matches=True):
        if type(arr) not in ARRAYS:
            results.append(None)
            continue
        arr.extend(values if first else [_copy(v) for v in values])
        first = False
        results.append(len(arr))
    return _array_results(ctx, key, path.text, path.is_legacy, results, "json.arrappend")


def _floats(values: list[Any]) -> bool:
    """Whether every value is a float (a packed array can take them as they are)."""
    return all(type(v) is float for v in values)


def _copy(value: Any) -> Any:
    if type(value) in (dict, list, array):
        import copy

        return copy.deepcopy(value)
    return value


@group.command("JSON.ARRINSERT", -5, _W, _K1, summary="Inserts JSON values into the arrays at a path.")
def json_arrinsert(ctx: CommandContext, argv: list[bytes]) -> Any:
    key = argv[1]
    index = parse_int(argv[3])  # RedisJSON reads the index and the values before it opens the key
    values = [parse_value(a) for a in argv[4:]]
    doc = need(get_doc(ctx, key))
    path = compile_path(argv[2])
    nodes = writable(doc, path, _floats(values), into_matches=True)
    for _, _, arr in nodes:  # check every target first: an out-of-range index changes nothing
        if type(arr) in ARRAYS:
            at = index + len(arr) if index < 0 else index
            if not 0 <= at <= len(arr):
                raise JsonError("ERR index out of bounds")
    results: list[Any] = []
    first = True
    for _, _, arr in nodes:
        if type(arr) not in ARRAYS:
            results.append(None)
            continue
        at = index + len(arr) if index < 0 else index
        inserted = values if first else [_copy(v) for v in values]
        arr[at:at] = inserted if type(arr) is list else array("d", inserted)
        first = False
        results.append(len(arr))
    # RedisJSON names a legacy path normalised here ('$.a' for 'a'), unlike JSON.ARRAPPEND's
    shown = path.normalized if path.is_legacy else path.text
    return _array_results(ctx, key, shown, path.is_legacy, results, "json.arrinsert")


@group.command("JSON.ARRLEN", -2, _R, _K1, summary="Returns the length of the arrays at a path.")
def json_arrlen(ctx: CommandContext, argv: list[bytes]) -> Any:
    doc = get_doc(ctx, argv[1])
    if doc is None:
        if _legacy(argv, 2):
            return None
        raise JsonError(NO_KEY)
    path = path_arg(argv, 2)
    values = path.values(doc.root)
    if path.is_legacy:
        if not values:
            raise JsonError(f"ERR Path '{path.text}' does not exist")
        if type(values[0]) not in ARRAYS:
            raise _not_exist(path.text, "not an array")
        return len(values[0])
    return [len(v) if type(v) in ARRAYS else None for v in values]


@group.command("JSON.ARRPOP", -2, _W, _K1, summary="Removes and returns an element of the arrays at a path.")
def json_arrpop(ctx: CommandContext, argv: list[bytes]) -> Any:
    key = argv[1]
    index = -1
    if len(argv) > 3:
        try:
            index = int(argv[3])
        except ValueError:
            index = -1  # RedisJSON 2.8 falls back to the default (the last element)
    doc = need_doc(ctx, key)
    path = path_arg(argv, 2)
    results: list[Any] = []
    arrays = 0
    popped = False
    for _, _, arr in path.locate(doc.root):
        if type(arr) not in ARRAYS:
            results.append(None)
            continue
        arrays += 1
        if not arr:
            results.append(None)
            continue
        at = index + len(arr) if index < 0 else index
        at = min(max(at, 0), len(arr) - 1)
        results.append(dumps(arr.pop(at)))
        popped = True
    if popped:
        ctx.touched(key, "json.arrpop")
    if path.is_legacy:
        if not arrays:
            raise _not_exist(path.normalized, "not an array")
        found = [r for r in results if r is not None]
        return found[-1] if found else None
    return results


@group.command("JSON.ARRTRIM", 5, _W, _K1, summary="Trims the arrays at a path to a range.")
def json_arrtrim(ctx: CommandContext, argv: list[bytes]) -> Any:
    key = argv[1]
    found = get_doc(ctx, key)
    start, stop = parse_int(argv[3]), parse_int(argv[4])
    doc = need(found)
    path = compile_path(argv[2])
    results: list[Any] = []
    nodes = path.locate(doc.root)
    # RedisJSON trims at each match's place as it was found: once an outer array is trimmed, a match
    # inside it may have moved or gone (WRONGTYPE or "Path does not exist", the trims before it kept)
    places = match_paths(doc.root, nodes) if len(nodes) > 1 else None
    for i, (_, _, arr) in enumerate(nodes):
        if type(arr) not in ARRAYS:
            results.append(None)
            continue
        if places is not None:
            now = resolve(doc.root, places[i])
            problem = JsonError("ERR Path does not exist") if now is None else \
                wrong_type("array", now[2]) if type(now[2]) not in ARRAYS else None
            if problem is not None:
                if any(r is not None for r in results):
                    ctx.touched(key, "json.arrtrim")
                raise problem
            arr = now[2]  # type: ignore[index]
        n = len(arr)
        lo = max(start + n if start < 0 else start, 0)
        hi = min(stop + n if stop < 0 else stop, n - 1)
        if lo > hi or lo >= n:
            del arr[:]
        else:
            del arr[hi + 1 :]
            del arr[:lo]
        results.append(len(arr))
    return _array_results(ctx, key, path.normalized, path.is_legacy, results, "json.arrtrim")


@group.command("JSON.ARRINDEX", -4, _R, _K1, summary="Returns the index of a JSON value in the arrays at a path.")
def json_arrindex(ctx: CommandContext, argv: list[bytes]) -> Any:
    key = argv[1]
    needle = parse_value(argv[3], "ERR ")  # RedisJSON reads the value and the range first, then the key
    start = parse_int(argv[4]) if len(argv) > 4 else 0
    stop = parse_int(argv[5]) if len(argv) > 5 else 0
    doc = get_doc(ctx, key)
    if doc is None:
        raise JsonError(f"ERR Path '{argv[2].decode('utf-8', 'replace')}' does not exist")  # as given
    path = compile_path(argv[2])
    values = path.values(doc.root)
    if path.is_legacy:
        if not values:
            raise JsonError(f"ERR Path '{path.normalized}' does not exist")
        if type(values[0]) not in ARRAYS:
            raise wrong_type("array", values[0])
    return _index_results(values, needle, start, stop, path.is_legacy)


def _index_results(values: list[Any], needle: Any, start: int, stop: int, legacy: bool) -> Any:
    results: list[Any] = []
    for arr in values:
        if type(arr) not in ARRAYS:
            results.append(None)
            continue
        n = len(arr)
        lo = max(start + n if start < 0 else start, 0)
        hi = n if stop == 0 else (stop + n if stop < 0 else min(stop, n))
        found = -1
        for i in range(lo, hi):
            if json_equal(arr[i], needle):
                found = i
                break
        results.append(found)
    return results[0] if legacy else results


# -- objects ------------------------------------------------------------------------------------------
@group.command("JSON.OBJKEYS", -2, _R, _K1, summary="Returns the keys of the objects at a path.")
def json_objkeys(ctx: CommandContext, argv: list[bytes]) -> Any:
    doc = get_doc(ctx, argv[1])
    if doc is None:
        if _legacy(argv, 2):
            return None
        raise JsonError(NO_KEY)
    path = path_arg(argv, 2)
    values = path.values(doc.root)
    if path.is_legacy:
        if not values:
            return None
        if type(values[0]) is not dict:
            raise _not_exist(path.normalized, "not an object")
        return [k.encode() for k in values[0]]
    return [[k.encode() for k in v] if type(v) is dict else None for v in values]


@group.command("JSON.OBJLEN", -2, _R, _K1, summary="Returns the number of keys of the objects at a path.")
def json_objlen(ctx: CommandContext, argv: list[bytes]) -> Any:
    doc = get_doc(ctx, argv[1])
    if doc is None:
        if _legacy(argv, 2):
            return None
        raise _not_exist(normalize(argv[2].decode("utf-8", "replace"))[0], "not an object")
    path = path_arg(argv, 2)
    values = path.values(doc.root)
    if path.is_legacy:
        if not values:
            return None
        if type(values[0]) is not dict:
            raise wrong_type("object", values[0])
        return len(values[0])
    return [len(v) if type(v) is dict else None for v in values]


# -- booleans, clearing -------------------------------------------------------------------------------
@group.command("JSON.TOGGLE", 3, _W, _K1, summary="Toggles the boolean values at a path.")
def json_toggle(ctx: CommandContext, argv: list[bytes]) -> Any:
    key = argv[1]
    doc = need_doc(ctx, key)
    path = compile_path(argv[2])
    results: list[Any] = []
    for node in path.locate(doc.root):
        if type(node[2]) is not bool:
            results.append(None)
            continue
        set_node(doc, node, not node[2])
        results.append(int(not node[2]))
    if any(r is not None for r in results):
        ctx.touched(key, "json.toggle")
    if path.is_legacy:
        found = [r for r in results if r is not None]
        if not found:
            raise _not_exist(path.normalized, "not a bool")
        return b"true" if found[-1] else b"false"
    return results


@group.command("JSON.CLEAR", -2, _W, _K1, summary="Empties arrays and objects, sets numbers to 0, at a path.")
def json_clear(ctx: CommandContext, argv: list[bytes]) -> Any:
    key = argv[1]
    doc = need_doc(ctx, key)
    path = path_arg(argv, 2)
    dead: set[int] = set()
    cleared = 0
    for node in writable(doc, path, float_only=False):  # numbers become the integer 0
        parent, _, value = node
        if parent is not None and id(parent) in dead:
            continue
        kind = type(value)
        if kind is dict or kind is list or kind is array:
            if not value:
                continue
            container_ids(value, dead)
            if kind is dict:
                value.clear()
            else:
                del value[:]
        elif (kind is int or kind is float) and value != 0:
            set_node(doc, node, 0)
        else:
            continue
        cleared += 1
    if cleared:
        ctx.touched(key, "json.clear")
    return cleared
