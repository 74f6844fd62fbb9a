"""The RedisJSON value type (``ReJSON-RL``): a document held as plain Python data, and its JSON text.

A JSON key's value in the keyspace is a ``JsonValue`` whose ``root`` is the document: ``dict`` (insertion
order kept), ``list``, ``str``, ``int``, ``float``, ``bool`` or ``None``. Search indexing (FT.CREATE ... ON
JSON) reads ``root`` through ``json_path.compile_path(...).values(root)``.

**Packed arrays.** An array of PACK_MIN or more numbers that are all floats (an embedding) is held as an
``array.array("d")``: 8 bytes a number instead of a list slot and a float object (32 bytes), so a
384-dimension vector takes 3 KB instead of 12 KB. It is the same JSON array: readers accept both kinds
(``ARRAYS``); a write keeps it packed while it stays all floats, and ``JsonValue.unpack``
turns the document's packed arrays back into lists before a write that would put anything else in one.
New values are packed as they are stored (``pack``).

Text in and out follows RedisJSON 2.8 (serde_json): the compact form has no spaces, floats print in Rust's
shortest round-trip form (``1e30``, ``0.1``, ``1.0``, ``1.5e-7``), non-ASCII text is written as UTF-8
(only control characters are escaped), integers outside u64/i64 become floats, anything after the first
value is ignored, and bad input is refused with serde_json's message (``expected value at line 1 column
6``). orjson does the work; a small parser that reproduces serde_json's messages runs only when orjson
refuses the text (or accepts something serde_json would not).
"""

from __future__ import annotations

import json
import math
import sys
from array import array
from itertools import islice
from typing import Any

import orjson

from redvector.errors import JsonError

# serde_json's recursion limit: the 128th nested array/object is refused.
MAX_DEPTH = 128
U64_MAX = 2**64 - 1
I64_MIN = -(2**63)


PACK_MIN = 8  # floats from which an array is held packed
ARRAYS = (list, array)  # the kinds of a JSON array (type(v) in ARRAYS)


def pack(value: Any) -> Any:
    """``value`` with its arrays of PACK_MIN or more floats packed (in place inside containers; the
    value itself returned packed when it is such an array)."""
    kind = type(value)
    if kind is list:
        if len(value) >= PACK_MIN and type(value[0]) is float and set(map(type, value)) == _FLOAT_ONLY:
            return array("d", value)
        for i, v in enumerate(value):
            if type(v) is list or type(v) is dict:
                value[i] = pack(v)
    elif kind is dict:
        for k, v in value.items():
            if type(v) is list or type(v) is dict:
                value[k] = pack(v)  # an existing key: the dict's size does not change
    return value


_FLOAT_ONLY = {float}


def unpack(value: Any) -> Any:
    """``value`` with every packed array turned back into a list (in place inside containers)."""
    kind = type(value)
    if kind is array:
        return value.tolist()
    if kind is list:
        for i, v in enumerate(value):
            if type(v) in _CONTAINERS:
                value[i] = unpack(v)
    elif kind is dict:
        for k, v in value.items():
            if type(v) in _CONTAINERS:
                value[k] = unpack(v)
    return value


_CONTAINERS = (list, dict, array)


def remove_members(obj: dict[str, Any], names: list[str]) -> None:
    """Delete ``names`` from an object one after another as RedisJSON does (its objects are IndexMaps and
    it removes with swap_remove): each time the last member takes the removed one's place, so
    ``{"a","b","c","d"}`` without ``a`` is ``{"d","b","c"}``. Names it lacks are skipped."""
    merge_into(obj, [(name, DELETE_MEMBER) for name in names])


DELETE_MEMBER = object()  # merge_into's value for a member to remove


def merge_into(obj: dict[str, Any], changes: list[tuple[str, Any]]) -> None:
    """Apply (name, value) changes in order, as RedisJSON's IndexMap does: a present name keeps its place
    and takes the value, a new one goes last, ``DELETE_MEMBER`` swap-removes (see remove_members). One pass
    over the object, whatever the number of changes."""
    if all(value is not DELETE_MEMBER for _, value in changes):
        for name, value in changes:
            obj[name] = value
        return
    order = list(obj)
    at = {name: i for i, name in enumerate(order)}
    values = dict(obj)
    for name, value in changes:
        i = at.get(name)
        if value is DELETE_MEMBER:
            if i is None:
                continue
            del at[name]
            del values[name]
            last = order.pop()
            if last != name:
                order[i] = last
                at[last] = i
        elif i is None:
            at[name] = len(order)
            order.append(name)
            values[name] = value
        else:
            values[name] = value
    obj.clear()
    obj.update((name, values[name]) for name in order)


class JsonValue:
    """A JSON document stored at a key (Redis type name ``ReJSON-RL``)."""

    __slots__ = ("root",)

    def __init__(self, root: Any) -> None:
        self.root = pack(root)

    def unpack(self) -> None:
        """Every packed array back to a list: before a write that puts other values in one."""
        self.root = unpack(self.root)

    def __repr__(self) -> str:
        return f"JsonValue({self.root!r})"

    def memory_usage(self) -> int:
        """A sampled estimate of the bytes held (INFO used_memory, maxmemory): cheap on every write."""
        return sys.getsizeof(self) + _sampled_size(self.root, 3)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, JsonValue) and _strict_equal(self.root, other.root)

    __hash__ = None  # type: ignore[assignment]


def _strict_equal(a: Any, b: Any) -> bool:
    """JSON equality: ``1`` == ``1.0`` is false, ``True`` != ``1`` (Python's == says otherwise)."""
    ta, tb = type(a), type(b)
    if ta is array:
        ta = list
    if tb is array:
        tb = list
    if ta is not tb:
        return False
    if ta is dict:
        return a.keys() == b.keys() and all(_strict_equal(a[k], b[k]) for k in a)
    if ta is list:
        return len(a) == len(b) and all(_strict_equal(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


json_equal = _strict_equal


# -- serialization ------------------------------------------------------------------------------------
def dumps(value: Any) -> bytes:
    """RedisJSON's compact serialization of a document or a part of one."""
    try:
        out = orjson.dumps(value, default=_packed_as_list)
    except TypeError:  # an int beyond 64 bits cannot reach here through JSON.*; be safe anyway
        return _dumps_slow(value)
    if b"e+" in out:  # orjson writes 1e+30 where Rust writes 1e30; fix numbers, never string contents
        return _dumps_slow(value)
    return out


def _packed_as_list(value: Any) -> list[float]:
    """orjson's fallback for the one type it does not know: a packed array, written as the list it is."""
    if type(value) is array:
        return value.tolist()
    raise TypeError


def _float_text(x: float) -> bytes:
    return orjson.dumps(x).replace(b"e+", b"e")


def _int_text(x: int) -> bytes:
    if I64_MIN <= x <= U64_MAX:
        return b"%d" % x
    return _float_text(float(x))


def _dumps_slow(value: Any) -> bytes:
    kind = type(value)
    if kind is dict:
        return b"{" + b",".join(orjson.dumps(k) + b":" + _dumps_slow(v) for k, v in value.items()) + b"}"
    if kind is list or kind is array:
        return b"[" + b",".join(_dumps_slow(v) for v in value) + b"]"
    if kind is float:
        return _float_text(value)
    if kind is int:
        return _int_text(value)
    return orjson.dumps(value)


def dumps_formatted(value: Any, indent: bytes = b"", newline: bytes = b"", space: bytes = b"") -> bytes:
    """JSON.GET's INDENT/NEWLINE/SPACE form (RedisJSON's pretty formatter with these strings)."""
    if not indent and not newline and not space:
        return dumps(value)
    out: list[bytes] = []
    _format(value, 0, indent, newline, space, out)
    return b"".join(out)


def _format(value: Any, level: int, indent: bytes, newline: bytes, space: bytes, out: list[bytes]) -> None:
    kind = type(value)
    if kind is dict:
        if not value:
            out.append(b"{}")
            return
        out.append(b"{")
        first = True
        for k, v in value.items():
            out.append(newline if first else b"," + newline)
            first = False
            out.append(indent * (level + 1))
            out.append(orjson.dumps(k))
            out.append(b":" + space)
            _format(v, level + 1, indent, newline, space, out)
        out.append(newline + indent * level + b"}")
    elif kind is list or kind is array:
        if not value:
            out.append(b"[]")
            return
        out.append(b"[")
        for i, v in enumerate(value):
            out.append(newline if i == 0 else b"," + newline)
            out.append(indent * (level + 1))
            _format(v, level + 1, indent, newline, space, out)
        out.append(newline + indent * level + b"]")
    else:
        out.append(dumps(value))


# -- parsing ------------------------------------------------------------------------------------------
def loads(text: bytes | str) -> Any:
    """Parse JSON text as RedisJSON does; raises ``JsonError`` with serde_json's message."""
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError:
        return _Parser(data).parse()
    if b"-0" in data:  # serde_json reads the integer -0 as the float -0.0; orjson as the integer 0
        value = json.loads(data, parse_int=_int_or_negative_zero)
    if (data.count(b"[") + data.count(b"{") >= MAX_DEPTH and _depth(value) >= MAX_DEPTH) or (
        type(value) is float and not math.isfinite(value)
    ):
        return _Parser(data).parse()
    return value


def _int_or_negative_zero(text: str) -> int | float:
    """json.loads' integer hook: serde_json's -0.0 for ``-0``, a float beyond 64 bits (as _Parser)."""
    if text == "-0":
        return -0.0
    number = int(text)
    return number if I64_MIN <= number <= U64_MAX else float(text)


def _depth(value: Any) -> int:
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        kind = type(node)
        if kind is dict:
            deepest = max(deepest, depth)
            stack.extend((v, depth + 1) for v in node.values())
        elif kind is list:
            deepest = max(deepest, depth)
            stack.extend((v, depth + 1) for v in node)
    return deepest


_WS = b" \t\n\r"
_ESCAPES = {
    ord('"'): '"', ord("\\"): "\\", ord("/"): "/", ord("b"): "\b",
    ord("f"): "\f", ord("n"): "\n", ord("r"): "\r", ord("t"): "\t",
}  # fmt: skip


class _Parser:
    """A serde_json-compatible recursive-descent parser: same results, same error messages.

    Used only when orjson refused the text (or its result needs checking), so speed does not matter.
    """

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0
        self.depth = MAX_DEPTH

    # Positions: serde reports the 1-based column of the byte it failed on (after consuming it);
    # at the end of input, the column of the last byte.
    def error(self, message: str, at: int | None = None) -> JsonError:
        pos = self.pos if at is None else at
        line = self.data.count(b"\n", 0, pos) + 1
        start = self.data.rfind(b"\n", 0, pos) + 1
        return JsonError(f"{message} at line {line} column {pos - start}")

    def fail_here(self, message: str) -> JsonError:
        """Error on the byte at pos (consumed), or at EOF."""
        if self.pos < len(self.data):
            return self.error(message, self.pos + 1)
        return self.error(message)

    def eof(self, what: str) -> JsonError:
        return self.error(f"EOF while parsing {what}", len(self.data))

    def peek(self) -> int | None:
        data, pos = self.data, self.pos
        while pos < len(data) and data[pos] in _WS:
            pos += 1
        self.pos = pos
        return data[pos] if pos < len(data) else None

    def parse(self) -> Any:
        value = self.value()
        return value  # serde's from_str without end(): RedisJSON ignores what follows the value

    def value(self) -> Any:
        c = self.peek()
        if c is None:
            raise self.eof("a value")
        if c == ord("{"):
            return self.obj()
        if c == ord("["):
            return self.arr()
        if c == ord('"'):
            self.pos += 1
            return self.string()
        if c == ord("-") or ord("0") <= c <= ord("9"):
            return self.number()
        for word, result in ((b"true", True), (b"false", False), (b"null", None)):
            if c == word[0]:
                self.pos += 1
                for expected in word[1:]:
                    if self.pos >= len(self.data):
                        raise self.eof("a value")
                    if self.data[self.pos] != expected:
                        raise self.error("expected ident", self.pos + 1)
                    self.pos += 1
                return result
        raise self.error("expected value", self.pos + 1)

    def enter(self) -> None:
        self.depth -= 1
        if self.depth == 0:
            raise self.error("recursion limit exceeded", self.pos + 1)
        self.pos += 1

    def arr(self) -> list[Any]:
        self.enter()
        out: list[Any] = []
        c = self.peek()
        if c == ord("]"):
            self.pos += 1
            self.depth += 1
            return out
        while True:
            if c is None:
                raise self.eof("a list")
            out.append(self.value())
            c = self.peek()
            if c is None:
                raise self.eof("a list")
            if c == ord("]"):
                self.pos += 1
                self.depth += 1
                return out
            if c != ord(","):
                raise self.fail_here("expected `,` or `]`")
            self.pos += 1
            c = self.peek()
            if c == ord("]"):
                raise self.fail_here("trailing comma")

    def obj(self) -> dict[str, Any]:
        self.enter()
        out: dict[str, Any] = {}
        c = self.peek()
        if c == ord("}"):
            self.pos += 1
            self.depth += 1
            return out
        while True:
            if c is None:
                raise self.eof("an object")
            if c != ord('"'):
                raise self.fail_here("key must be a string")
            self.pos += 1
            key = self.string()
            c = self.peek()
            if c is None:
                raise self.eof("an object")
            if c != ord(":"):
                raise self.fail_here("expected `:`")
            self.pos += 1
            out[key] = self.value()
            c = self.peek()
            if c is None:
                raise self.eof("an object")
            if c == ord("}"):
                self.pos += 1
                self.depth += 1
                return out
            if c != ord(","):
                raise self.fail_here("expected `,` or `}`")
            self.pos += 1
            c = self.peek()
            if c == ord("}"):
                raise self.fail_here("trailing comma")
            if c is None:
                raise self.eof("a value")

    def hex4(self) -> int:
        data = self.data
        if self.pos + 4 > len(data):
            self.pos = len(data)
            raise self.eof("a string")
        digits = data[self.pos : self.pos + 4]
        for i, d in enumerate(digits):
            if chr(d) not in "0123456789abcdefABCDEF":
                raise self.error("invalid escape", self.pos + i + 1)
        self.pos += 4
        return int(digits, 16)

    def string(self) -> str:
        data = self.data
        parts: list[str] = []
        start = self.pos
        while True:
            if self.pos >= len(data):
                raise self.eof("a string")
            c = data[self.pos]
            if c == ord('"'):
                parts.append(data[start : self.pos].decode("utf-8", "replace"))
                self.pos += 1
                return "".join(parts)
            if c < 0x20:
                raise self.error("control character (\\u0000-\\u001F) found while parsing a string", self.pos + 1)
            if c != ord("\\"):
                self.pos += 1
                continue
            parts.append(data[start : self.pos].decode("utf-8", "replace"))
            self.pos += 1
            if self.pos >= len(data):
                raise self.eof("a string")
            esc = data[self.pos]
            self.pos += 1
            if esc in _ESCAPES:
                parts.append(_ESCAPES[esc])
            elif esc == ord("u"):
                parts.append(self.unicode_escape())
            else:
                raise self.error("invalid escape", self.pos)
            start = self.pos

    def unicode_escape(self) -> str:
        code = self.hex4()
        if 0xDC00 <= code <= 0xDFFF:
            raise self.error("lone leading surrogate in hex escape", self.pos)
        if 0xD800 <= code <= 0xDBFF:
            data = self.data
            if self.pos + 2 > len(data) or data[self.pos : self.pos + 2] != b"\\u":
                if self.pos + 2 > len(data):
                    self.pos = len(data)
                    raise self.error("unexpected end of hex escape", self.pos)
                raise self.error("unexpected end of hex escape", self.pos + 1)
            self.pos += 2
            low = self.hex4()
            if not 0xDC00 <= low <= 0xDFFF:
                raise self.error("lone leading surrogate in hex escape", self.pos)
            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
        return chr(code)

    def number(self) -> int | float:
        data, start = self.data, self.pos
        n = len(data)
        pos = start
        if data[pos] == ord("-"):
            pos += 1
            if pos >= n:
                self.pos = pos
                raise self.eof("a value")
        if not chr(data[pos]).isdigit():
            raise self.error("invalid number", pos + 1)
        if data[pos] == ord("0"):
            pos += 1
            if pos < n and chr(data[pos]).isdigit():
                raise self.error("invalid number", pos + 1)
        else:
            while pos < n and chr(data[pos]).isdigit():
                pos += 1
        is_float = False
        if pos < n and data[pos] == ord("."):
            is_float = True
            pos += 1
            if pos >= n:
                raise self.error("EOF while parsing a value", n)
            if not chr(data[pos]).isdigit():
                raise self.error("invalid number", pos + 1)
            while pos < n and chr(data[pos]).isdigit():
                pos += 1
        if pos < n and data[pos] in b"eE":
            is_float = True
            pos += 1
            if pos < n and data[pos] in b"+-":
                pos += 1
            if pos >= n:
                raise self.error("EOF while parsing a value", n)
            if not chr(data[pos]).isdigit():
                raise self.error("invalid number", pos + 1)
            while pos < n and chr(data[pos]).isdigit():
                pos += 1
        self.pos = pos
        text = data[start:pos]
        if not is_float:
            if text == b"-0":
                return -0.0  # serde_json keeps the sign of an integer -0 as a float
            number = int(text)
            if I64_MIN <= number <= U64_MAX:
                return number
        result = float(text)
        if math.isinf(result):
            raise self.error("number out of range", pos)
        return result


def _sampled_size(value: Any, depth: int) -> int:
    size = sys.getsizeof(value)
    kind = type(value)
    if kind is dict or kind is list:
        n = len(value)
        if n and depth > 0:
            items = list(islice(value.values(), 5)) if kind is dict else value[:5]
            per_item = sum(_sampled_size(v, depth - 1) for v in items) // len(items)
            size += n * (per_item + (50 if kind is dict else 0))
    return size


def json_size(value: Any) -> int:
    """CPython bytes held by a document (every node counted: MEMORY USAGE, JSON.DEBUG MEMORY)."""
    getsizeof = sys.getsizeof
    total = 0
    stack = [value]
    while stack:
        v = stack.pop()
        total += getsizeof(v)
        kind = type(v)
        if kind is dict:
            total += sum(getsizeof(k) for k in v)
            stack.extend(v.values())
        elif kind is list:
            stack.extend(v)
    return total


def type_name(value: Any) -> str:
    """JSON.TYPE's name for a value (RedisJSON: integer and number are told apart)."""
    kind = type(value)
    if kind is dict:
        return "object"
    if kind is list or kind is array:
        return "array"
    if kind is str:
        return "string"
    if kind is bool:
        return "boolean"
    if kind is int:
        return "integer"
    if kind is float:
        return "number"
    return "null"


__all__ = ["JsonValue", "dumps", "dumps_formatted", "json_equal", "json_size", "loads", "type_name"]
