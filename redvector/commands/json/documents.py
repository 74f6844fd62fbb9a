"""JSON.SET JSON.GET JSON.MGET JSON.MSET JSON.MERGE JSON.DEL JSON.FORGET JSON.TYPE JSON.RESP JSON.DEBUG.

Every write ends in ``touched(key, "json.<command>")`` (RedisJSON's module event names), so WATCH,
keyspace notifications (class ``d``), search indexes and the AOF see it. Commands are logged as sent:
each is deterministic given the document, so replaying the AOF rebuilds the same data.
"""

from __future__ import annotations

import copy
from array import array
from collections import Counter
from typing import Any

from redvector.commands.context import CommandContext
from redvector.commands.json.common import (
    NEW_AT_ROOT,
    WRONG_STATIC_PATH,
    container_ids,
    get_doc,
    match_paths,
    parse_value,
    path_arg,
    resolve,
    set_node,
    to_resp,
    writable,
)
from redvector.commands.spec import CommandGroup, Flag, KeySpec
from redvector.errors import JsonError, SyntaxErr, WrongArity
from redvector.keyspace.types.json_path import JsonPath, Node, compile_path, is_legacy_path, is_root_path
from redvector.keyspace.types.json_value import (
    DELETE_MEMBER,
    JsonValue,
    dumps,
    dumps_formatted,
    json_size,
    merge_into,
    remove_members,
    type_name,
)
from redvector.replies import OK, ByProtocol, Map

group = CommandGroup("json")

ARRAY_INDEX_OUT_OF_RANGE = "ERR array index out of range"

_R = Flag.READONLY
_W = Flag.WRITE | Flag.DENYOOM
_K1 = KeySpec(1, 1, 1)


# -- writing a value at a path (JSON.SET, JSON.MSET, JSON.MERGE) ----------------------------------------
def _place(doc: JsonValue | None, raw_path: bytes, value: Any, cond: str | None, merge: bool) -> JsonValue | None:
    """Apply a SET (or MERGE) of ``value`` at the path. Returns the document to store, None when nothing
    was done (NX/XX not met, or no place to put it)."""
    if doc is None:
        if cond == "XX":  # nothing to update: nil, whatever the path
            return None
        if not is_root_path(raw_path):  # checked on the text, before the path is parsed (RedisJSON)
            raise JsonError(NEW_AT_ROOT)
        return JsonValue(value)
    path = compile_path(raw_path)
    if cond == "NX" and not path.is_static:  # NX only adds, and only a static path names where
        raise JsonError(WRONG_STATIC_PATH)
    nodes = writable(doc, path, float_only=type(value) is float)
    if nodes:
        if cond == "NX":
            return None
        for i, node in enumerate(nodes):
            new = value if i == 0 else copy.deepcopy(value)
            set_node(doc, node, merge_patch(node[2], new) if merge else new)
        return doc
    if cond == "XX":
        return None
    if not path.is_static:
        raise JsonError(WRONG_STATIC_PATH)
    key = path.last_key
    if key is None:
        raise JsonError(ARRAY_INDEX_OUT_OF_RANGE)
    placed = False
    for _, _, parent in path.locate_parents(doc.root):
        if type(parent) is dict:
            parent[key] = value if not placed else copy.deepcopy(value)
            placed = True
    return doc if placed else None


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396 JSON Merge Patch, as JSON.MERGE applies it (a null member deletes)."""
    if type(patch) is not dict:
        return patch
    if type(target) is not dict:
        target = {}
    # In the patch's order; a removed member's place goes to the last one (RedisJSON's swap_remove).
    merge_into(target, [(k, DELETE_MEMBER) if v is None else (k, merge_patch(target.get(k), v))
                        for k, v in patch.items()])
    return target


def _store(ctx: CommandContext, key: bytes, doc: JsonValue, event: str) -> None:
    if ctx.db.data.get(key) is not doc:
        ctx.db.set(key, doc)
    ctx.touched(key, event)


@group.command("JSON.SET", -4, _W, _K1, summary="Sets or updates the JSON value at a path.")
def json_set(ctx: CommandContext, argv: list[bytes]) -> Any:
    key = argv[1]
    cond: str | None = None
    i = 4
    while i < len(argv):
        token = argv[i].upper()
        if token in (b"NX", b"XX") and cond is None:
            cond = token.decode()
        elif token == b"FORMAT" and i + 1 < len(argv) and argv[i + 1].upper() == b"STRING":
            i += 1
        else:
            raise SyntaxErr()
        i += 1
    current = get_doc(ctx, key)
    value = parse_value(argv[3])
    doc = _place(current, argv[2], value, cond, merge=False)
    if doc is None:
        return None
    _store(ctx, key, doc, "json.set")
    return OK


@group.command("JSON.MSET", -4, _W, KeySpec(1, -1, 3), summary="Sets or updates JSON values of keys.")
def json_mset(ctx: CommandContext, argv: list[bytes]) -> Any:
    if (len(argv) - 1) % 3:
        raise WrongArity("json.mset")
    triples = []
    for i in range(1, len(argv), 3):
        key, path = argv[i], argv[i + 1]
        doc = get_doc(ctx, key)
        if doc is None and not is_root_path(path):
            raise JsonError(NEW_AT_ROOT)
        if doc is not None:  # RedisJSON checks each triple in turn: a path that can place nothing fails,
            compiled = compile_path(path)  # before the value is read
            if not compiled.locate(doc.root):  # (a write there would place nothing)
                if not compiled.is_static:
                    raise JsonError(WRONG_STATIC_PATH)
                if compiled.last_key is None:  # a static index that is not there
                    raise JsonError(ARRAY_INDEX_OUT_OF_RANGE)
        triples.append((key, path, parse_value(argv[i + 2])))
    # RedisJSON finds every triple's matches before it writes any: a later triple on the same document
    # writes where its path matched the document as it was (``j $.x 1 j $..* 2`` leaves x 1).
    repeated = {key for key, count in Counter(t[0] for t in triples).items() if count > 1}
    planned: dict[int, list[tuple[Any, ...]]] = {}
    for n, (key, path, _) in enumerate(triples):
        doc = get_doc(ctx, key) if key in repeated else None
        if doc is not None:
            nodes = writable(doc, compile_path(path), float_only=False)  # (packed arrays unpacked)
            if nodes:
                planned[n] = match_paths(doc.root, nodes)
    for n, (key, path, value) in enumerate(triples):  # all checked first: all or nothing
        if n in planned:
            doc = get_doc(ctx, key)
            assert doc is not None
            placed = 0
            for steps in planned[n]:
                node = resolve(doc.root, steps)
                if node is not None:  # (gone if an earlier triple replaced what held it)
                    set_node(doc, node, value if not placed else copy.deepcopy(value))
                    placed += 1
            if placed:
                _store(ctx, key, doc, "json.mset")
            continue
        try:
            doc = _place(get_doc(ctx, key), path, value, None, merge=False)
        except JsonError:  # an earlier triple changed this document: RedisJSON applies what still fits
            continue
        if doc is not None:
            _store(ctx, key, doc, "json.mset")
    return OK


@group.command("JSON.MERGE", 4, _W, _K1, summary="Merges a JSON value into the value at a path.")
def json_merge(ctx: CommandContext, argv: list[bytes]) -> Any:
    key = argv[1]
    current = get_doc(ctx, key)
    value = parse_value(argv[3])
    doc = _place(current, argv[2], value, None, merge=True)
    if doc is None:
        return None
    _store(ctx, key, doc, "json.merge")
    return OK


# -- reads --------------------------------------------------------------------------------------------
def _get_one(root: Any, path: JsonPath, shown: str) -> Any:
    values = path.values(root)
    if path.is_legacy:
        if not values:
            raise JsonError(f"ERR Path '{shown}' does not exist")
        return values[0]
    return values


def _compiled_or_none(path: bytes) -> JsonPath | None:
    try:
        return compile_path(path)
    except JsonError:
        return None


@group.command("JSON.GET", -2, _R, _K1, summary="Gets the value at one or more paths in JSON serialized form.")
def json_get(ctx: CommandContext, argv: list[bytes]) -> Any:
    fmt = {b"INDENT": b"", b"NEWLINE": b"", b"SPACE": b""}
    reply_format: bytes | None = None
    paths: list[bytes] = []
    i = 2
    while i < len(argv):
        token = argv[i].upper()
        if token in fmt:
            if i + 1 >= len(argv):
                raise WrongArity("json.get")
            fmt[token] = argv[i + 1]
            i += 2
        elif token == b"NOESCAPE":
            i += 1
        elif token == b"FORMAT":
            if i + 1 >= len(argv):
                raise WrongArity("json.get")
            reply_format = argv[i + 1].upper()
            i += 2
        else:
            paths.append(argv[i])
            i += 1
    if reply_format is not None:
        # RedisJSON 2.8: FORMAT is RESP3 only; EXPAND answers native RESP3 values, EXPAND1 JSON texts.
        resp3 = _get_formatted(ctx, argv[1], paths, reply_format, any(fmt.values()))
        return ByProtocol(JsonError("ERR FORMAT argument is not supported on RESP2"), resp3)
    doc = get_doc(ctx, argv[1])
    if doc is None:
        return None
    root = doc.root
    if len(paths) <= 1:
        path = compile_path(paths[0] if paths else b".")
        result = _get_one(root, path, path.normalized)
    else:
        # RedisJSON leaves a path that does not parse out of a multi-path reply (and out of the legacy test)
        compiled = [c for c in map(_compiled_or_none, paths) if c is not None]
        legacy = all(p.is_legacy for p in compiled)
        result = {}
        for p in compiled:
            result[p.text] = _get_one(root, p, p.text) if legacy else p.values(root)
    return dumps_formatted(result, fmt[b"INDENT"], fmt[b"NEWLINE"], fmt[b"SPACE"])


def _get_formatted(ctx: CommandContext, key: bytes, paths: list[bytes], reply_format: bytes, styled: bool) -> Any:
    try:
        if reply_format not in (b"STRING", b"EXPAND1", b"EXPAND") or (styled and reply_format != b"STRING"):
            raise JsonError("ERR wrong reply format")
        doc = get_doc(ctx, key)
        if doc is None:
            return None
    except JsonError as e:
        return e
    if reply_format == b"STRING":
        return json_get(ctx, [b"JSON.GET", key, *paths])
    encode = to_native if reply_format == b"EXPAND" else to_native_top
    compiled = [_compiled_or_none(p) for p in paths or [b"."]]  # one that does not parse: no values
    return [[encode(v) for v in p.values(doc.root)] if p is not None else [] for p in compiled]


def to_native(value: Any) -> Any:
    """A JSON value as RESP3 values (FORMAT EXPAND): objects as maps, numbers, booleans, null."""
    kind = type(value)
    if kind is dict:
        return Map([(k.encode(), to_native(v)) for k, v in value.items()])
    if kind is list or kind is array:
        return [to_native(v) for v in value]
    if kind is str:
        return value.encode()
    if kind is int and not -(1 << 63) <= value < 1 << 63:
        return float(value)  # a RESP3 integer is 64-bit signed: RedisJSON sends a u64 as a double
    return value


def to_native_top(value: Any) -> Any:
    """FORMAT EXPAND1: numbers, booleans and null as RESP3 values; strings, arrays and objects as JSON text."""
    kind = type(value)
    if kind is dict or kind is list or kind is array or kind is str:
        return dumps(value)
    return to_native(value)


@group.command("JSON.MGET", -3, _R, KeySpec(1, -2, 1), summary="Returns the values at a path from keys.")
def json_mget(ctx: CommandContext, argv: list[bytes]) -> Any:
    out: list[Any] = []
    for key in argv[1:-1]:
        value = ctx.db.get(key, ctx.now_ms)
        if type(value) is not JsonValue:
            out.append(None)
            continue
        path = compile_path(argv[-1])  # parsed only once a document is there (RedisJSON)
        values = path.values(value.root)
        if path.is_legacy:
            out.append(dumps(values[0]) if values else None)
        else:
            out.append(dumps(values))
    return out


@group.command("JSON.TYPE", -2, _R, _K1, summary="Returns the type of the JSON value at a path.")
def json_type(ctx: CommandContext, argv: list[bytes]) -> Any:
    doc = get_doc(ctx, argv[1])
    if doc is None:
        return ByProtocol(None, [None])
    path = path_arg(argv, 2)
    names = [type_name(v) for v in path.values(doc.root)]
    if path.is_legacy:
        name = names[0] if names else None
        return ByProtocol(name, [name])
    return ByProtocol(names, [names])


@group.command("JSON.RESP", -2, _R, _K1, summary="Returns the JSON value at a path in RESP form.")
def json_resp(ctx: CommandContext, argv: list[bytes]) -> Any:
    doc = get_doc(ctx, argv[1])
    if doc is None:
        return None
    path = path_arg(argv, 2)
    result = _get_one(doc.root, path, path.normalized)
    if path.is_legacy:
        return to_resp(result)
    return [to_resp(v) for v in result]


# -- deleting -----------------------------------------------------------------------------------------
def delete_nodes(nodes: list[Node]) -> int:
    """Delete matched nodes (not the root); nodes below one already deleted do not count."""
    dead: set[int] = set()
    dict_keys: list[tuple[dict[str, Any], str]] = []
    list_idx: dict[int, tuple[list[Any], set[int]]] = {}
    # RedisJSON drops every path that has another matched path as a prefix: a node matched twice
    # ($.a[0,0]) is dropped altogether, and so is everything below a deleted node.
    counts: dict[tuple[int, Any], int] = {}
    for parent, k, _ in nodes:
        counts[(id(parent), k)] = counts.get((id(parent), k), 0) + 1
    for parent, k, value in nodes:
        if id(parent) in dead or counts[(id(parent), k)] > 1:
            continue
        container_ids(value, dead)
        if type(parent) is dict:
            dict_keys.append((parent, k))
        else:
            list_idx.setdefault(id(parent), (parent, set()))[1].add(k)
    by_object: dict[int, tuple[dict[str, Any], list[str]]] = {}
    for d, k in dict_keys:
        by_object.setdefault(id(d), (d, []))[1].append(k)
    for d, names in by_object.values():
        # RedisJSON deletes an object's members in path order, each by swap_remove (remove_members)
        remove_members(d, sorted(names))
    for lst, indexes in list_idx.values():
        for j in sorted(indexes, reverse=True):
            del lst[j]
    return len(dict_keys) + sum(len(ix) for _, ix in list_idx.values())


def _del(ctx: CommandContext, argv: list[bytes]) -> Any:
    key = argv[1]
    doc = get_doc(ctx, key)
    if doc is None:
        return 0
    path = path_arg(argv, 2)
    if path.is_root:
        ctx.db.delete(key)
        ctx.touched(key, "json.del")
        return 1
    count = delete_nodes(path.locate(doc.root))
    if count:
        ctx.touched(key, "json.del")
    return count


@group.command("JSON.DEL", -2, Flag.WRITE, _K1, summary="Deletes values at a path.")
def json_del(ctx: CommandContext, argv: list[bytes]) -> Any:
    return _del(ctx, argv)


@group.command("JSON.FORGET", -2, Flag.WRITE, _K1, summary="Deletes values at a path (alias of JSON.DEL).")
def json_forget(ctx: CommandContext, argv: list[bytes]) -> Any:
    return _del(ctx, argv)


# -- JSON.DEBUG ---------------------------------------------------------------------------------------
_DEBUG_HELP = [
    b"MEMORY <key> [path] - reports memory usage",
    b"HELP                - this message",
]


# RedisJSON registers JSON.DEBUG as one command (COMMAND LIST shows no json.debug|memory).
@group.command("JSON.DEBUG", -2, _R, KeySpec(2, 2, 1), summary="Debugging container command.")
def json_debug(ctx: CommandContext, argv: list[bytes]) -> Any:
    sub = argv[1].upper()
    if sub == b"HELP":
        return list(_DEBUG_HELP)
    if sub == b"MEMORY":
        if len(argv) < 3:
            raise WrongArity("json.debug")
        doc = get_doc(ctx, argv[2])
        if doc is None:
            return 0 if len(argv) < 4 or is_legacy_path(argv[3]) else []
        path = path_arg(argv, 3)
        # Sizes are CPython's (an estimate), not RedisJSON's Rust allocations.
        sizes = [json_size(v) for v in path.values(doc.root)]
        if path.is_legacy:
            return sizes[0] if sizes else 0
        return sizes
    raise JsonError("ERR unknown subcommand - try `JSON.DEBUG HELP`")
