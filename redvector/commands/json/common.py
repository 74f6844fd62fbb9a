"""Shared pieces of the JSON.* commands: key lookup, path/value parsing, RedisJSON's error texts."""

from __future__ import annotations

from array import array
from typing import Any

from redvector.commands.context import CommandContext
from redvector.errors import JsonError, WrongType
from redvector.keyspace.types.json_path import JsonPath, Node, compile_path
from redvector.keyspace.types.json_value import ARRAYS, JsonValue, loads, pack, type_name
from redvector.replies import SimpleString

WRONG_REDIS_TYPE = "Existing key has wrong Redis type"
NO_KEY = "ERR could not perform this operation on a key that doesn't exist"
NEW_AT_ROOT = "ERR new objects must be created at the root"
WRONG_STATIC_PATH = "Err wrong static path"
NOT_INTEGER = "Couldn't parse as integer"
ROOT = b"."


def get_doc(ctx: CommandContext, key: bytes) -> JsonValue | None:
    """The JSON document at key, None when missing; RedisJSON's own error for another type."""
    try:
        return ctx.db.lookup(key, JsonValue, ctx)
    except WrongType:
        raise JsonError(WRONG_REDIS_TYPE) from None


def need_doc(ctx: CommandContext, key: bytes) -> JsonValue:
    doc = get_doc(ctx, key)
    if doc is None:
        raise JsonError(NO_KEY)
    return doc


def path_arg(argv: list[bytes], index: int) -> JsonPath:
    """The path at argv[index], the legacy root ``.`` when absent."""
    return compile_path(argv[index] if index < len(argv) else ROOT)


def parse_value(arg: bytes, err_prefix: str = "") -> Any:
    """A JSON value from the command line, its float arrays packed (json_value.pack) to be stored."""
    try:
        return pack(loads(arg))
    except JsonError as e:
        if err_prefix:
            raise JsonError(err_prefix + e.message) from None
        raise


def parse_int(arg: bytes) -> int:
    try:
        value = int(arg)
    except ValueError:
        raise JsonError(NOT_INTEGER) from None
    if not -(2**63) <= value < 2**63:
        raise JsonError(NOT_INTEGER)
    return value


def wrong_type(expected: str, value: Any) -> JsonError:
    return JsonError(f"WRONGTYPE wrong type of path value - expected {expected} but found {type_name(value)}")


def writable(doc: JsonValue, path: JsonPath, float_only: bool, into_matches: bool = False) -> list[Node]:
    """The nodes ``path`` matches, for a write: when the write may put something other than a float
    (``float_only`` False) into a packed array (the match's parent; with ``into_matches``, the match
    itself, as ARRAPPEND and ARRINSERT write into it), the document's packed arrays are turned back into
    lists first (json_value.JsonValue.unpack)."""
    nodes = path.locate(doc.root)
    at = 2 if into_matches else 0
    if not float_only and any(type(node[at]) is array for node in nodes):
        doc.unpack()
        nodes = path.locate(doc.root)
    return nodes


def match_paths(root: Any, nodes: list[Node]) -> list[tuple[Any, ...]]:
    """Each matched node's steps (member names and indexes) from the root: where RedisJSON, which finds
    a command's matches before it writes, writes each of them once earlier writes have moved things."""
    where: dict[int, tuple[Any, ...]] = {id(root): ()}
    stack = [root]
    while stack:
        value = stack.pop()
        base = where[id(value)]
        items = value.items() if type(value) is dict else enumerate(value) if type(value) in ARRAYS else ()
        for k, child in items:
            if type(child) is dict or type(child) in ARRAYS:
                where[id(child)] = (*base, k)
                stack.append(child)
    return [() if parent is None else (*where[id(parent)], key) for parent, key, _ in nodes]


def resolve(root: Any, steps: tuple[Any, ...]) -> Node | None:
    """The node at ``steps`` in the document as it is now, None if it is no longer there."""
    if not steps:
        return (None, None, root)
    parent: Any = root
    for step in steps[:-1]:
        parent = _child(parent, step)
        if parent is _GONE:
            return None
    value = _child(parent, steps[-1])
    return None if value is _GONE else (parent, steps[-1], value)


_GONE = object()


def _child(value: Any, step: Any) -> Any:
    """The member or element ``step`` of ``value``, _GONE where there is none."""
    if type(value) is dict:
        return value.get(step, _GONE) if type(step) is str else _GONE
    if type(value) in ARRAYS and type(step) is int and step < len(value):
        return value[step]
    return _GONE


def set_node(doc: JsonValue, node: Node, value: Any) -> None:
    """Store ``value`` at the node (a float into a packed array stays packed: see ``writable``)."""
    parent, key, _ = node
    if parent is None:
        doc.root = value
    else:
        parent[key] = value


def container_ids(value: Any, out: set[int]) -> None:
    """id() of every container inside value (itself included): nodes below a removed one are gone."""
    stack = [value]
    while stack:
        v = stack.pop()
        if type(v) is dict:
            out.add(id(v))
            stack.extend(v.values())
        elif type(v) is list:
            out.add(id(v))
            stack.extend(v)
        elif type(v) is array:  # packed: floats only
            out.add(id(v))


def to_resp(value: Any) -> Any:
    """JSON.RESP's form: objects as ["{", k, v, ...], arrays as ["[", ...], true/false as +true/+false."""
    kind = type(value)
    if kind is dict:
        out: list[Any] = [SimpleString(b"{")]
        for k, v in value.items():
            out.append(k.encode())
            out.append(to_resp(v))
        return out
    if kind is list or kind is array:
        return [SimpleString(b"["), *(to_resp(v) for v in value)]
    if kind is bool:
        return SimpleString(b"true" if value else b"false")
    if kind is str:
        return value.encode()
    if kind is int and value > 2**63 - 1:  # a u64 leaves RedisJSON as a double (and RESP integers are i64)
        return float(value)
    return value  # int, float, None
