"""RedisJSON paths: JSONPath (``$...``, every match) and the legacy dotted path (``.a.b``, one value).

``compile_path`` turns a path argument into a ``JsonPath`` once (cached). As in RedisJSON 2.8, a legacy
path is rewritten to JSONPath first (``.a`` -> ``$.a``, ``a`` -> ``$.a``, ``.`` -> ``$``) and evaluated by
the same engine; only the reply shape differs (one value, an error when nothing matches).

Supported: ``$``, ``.key``, ``['key']``/``["key"]`` and unions of them, ``[n]`` (negative from the end),
``[n,m]`` unions, ``[*]``/``.*``, ``..key``/``..*``/``..[...]`` (recursive descent, pre-order as
RedisJSON), slices ``[a:b:step]``, and filters ``[?(@.x > 1 && @.y == "s")]`` with ``== != < <= > >= =~``,
``&&``, ``||``, parentheses, ``@``/``$`` relative and absolute operands. Matches come in document order.

Evaluation yields ``Node`` triples ``(parent, key, value)`` (``parent`` None for the root) so the write
commands can change what they matched in place.
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from redvector.errors import JsonError
from redvector.keyspace.types.json_value import ARRAYS

Node = tuple[Any, Any, Any]  # (parent container or None for the root, key or index, value)
Step = Callable[[list[Node]], list[Node]]

_LITERAL = re.compile(r"[A-Za-z0-9_\-$@]+")
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_INT = re.compile(r"-?[0-9]+")
_BRACKET_EXPECTED = (
    "'<string>[,<string>,...]', '<number>', ['start:end:steps'], '*'"
)
_CACHE_SIZE = 4096


class JsonPath:
    """A compiled path. ``values(root)`` is what search indexing and reads use."""

    __slots__ = ("_filterable", "is_legacy", "is_static", "last_key", "normalized", "steps", "text")

    def __init__(self, text: str, normalized: str, is_legacy: bool, steps: list[_StepSpec]) -> None:
        self.text = text  # the argument as given
        self.normalized = normalized  # the JSONPath form ('$.a' for legacy 'a'), used in error texts
        self.is_legacy = is_legacy
        self.steps = steps
        # A "static" path names one place (no wildcard, descent, slice, union or filter).
        self.is_static = all(s.static for s in steps)
        last = steps[-1] if steps else None
        self.last_key: str | None = last.key if last is not None and last.kind == "key" else None

    def __repr__(self) -> str:
        return f"JsonPath({self.text!r})"

    @property
    def is_root(self) -> bool:
        return not self.steps

    def locate(self, root: Any) -> list[Node]:
        nodes: list[Node] = [(None, None, root)]
        for step in self.steps:
            if not nodes:
                break
            nodes = step.apply(nodes, root)
        return nodes

    def locate_parents(self, root: Any) -> list[Node]:
        """Where the last step would be applied (for creating a missing key)."""
        nodes: list[Node] = [(None, None, root)]
        for step in self.steps[:-1]:
            if not nodes:
                break
            nodes = step.apply(nodes, root)
        return nodes

    def values(self, root: Any) -> list[Any]:
        """The matched values in document order (a legacy path: at most one)."""
        values = [node[2] for node in self.locate(root)]
        return values[:1] if self.is_legacy else values


@dataclass(slots=True)
class _StepSpec:
    kind: str  # key | keys | index | indexes | wildcard | slice | filter | descend
    key: str | None = None
    keys: tuple[str, ...] = ()
    indexes: tuple[int, ...] = ()
    slice_: tuple[int | None, int | None, int] = (None, None, 1)
    predicate: Callable[[Any, Any], bool] | None = None
    inner: _StepSpec | None = None  # for descend

    @property
    def static(self) -> bool:
        return self.kind in ("key", "index")

    def select(self, node: Node, root: Any, out: list[Node]) -> None:
        value = node[2]
        kind = self.kind
        if kind == "key":
            if type(value) is dict and self.key in value:
                out.append((value, self.key, value[self.key]))
        elif kind == "keys":
            if type(value) is dict:
                for k in self.keys:
                    if k in value:
                        out.append((value, k, value[k]))
        elif kind in ("index", "indexes"):
            if type(value) in ARRAYS:
                n = len(value)
                for i in self.indexes:
                    j = i + n if i < 0 else i
                    if 0 <= j < n:
                        out.append((value, j, value[j]))
        elif kind == "wildcard":
            if type(value) is dict:
                out.extend((value, k, v) for k, v in value.items())
            elif type(value) in ARRAYS:
                out.extend((value, i, v) for i, v in enumerate(value))
        elif kind == "slice":
            if type(value) in ARRAYS:
                start, stop, step = self.slice_
                for j in range(*slice(start, stop, step).indices(len(value))):
                    out.append((value, j, value[j]))
        elif kind == "filter":
            pred = self.predicate
            assert pred is not None
            if type(value) in ARRAYS:
                out.extend((value, i, v) for i, v in enumerate(value) if pred(v, root))
            elif type(value) is dict:
                out.extend((value, k, v) for k, v in value.items() if pred(v, root))
            elif pred(value, root):  # RedisJSON tests a scalar itself
                out.append(node)
        elif kind == "descend":
            inner = self.inner
            assert inner is not None
            # Pre-order: a node's own matches, then each child's subtree (RedisJSON's order).
            stack = [node]
            while stack:
                current = stack.pop()
                inner.select(current, root, out)
                v = current[2]
                if type(v) is dict:
                    stack.extend(reversed([(v, k, c) for k, c in v.items()]))
                elif type(v) in ARRAYS:
                    stack.extend(reversed([(v, i, c) for i, c in enumerate(v)]))

    def apply(self, nodes: list[Node], root: Any) -> list[Node]:
        out: list[Node] = []
        for node in nodes:
            self.select(node, root, out)
        return out


# -- compiling ----------------------------------------------------------------------------------------
_cache: dict[bytes | str, JsonPath] = {}


def compile_path(path: bytes | str) -> JsonPath:
    """The compiled path (cached). Raises ``JsonError`` with RedisJSON's text for a bad path."""
    compiled = _cache.get(path)
    if compiled is not None:
        return compiled
    text = path.decode("utf-8", "replace") if isinstance(path, bytes) else path
    normalized, legacy = normalize(text)
    compiled = JsonPath(text, normalized, legacy, _Compiler(normalized).parse())
    if len(_cache) >= _CACHE_SIZE:
        _cache.clear()
    _cache[path] = compiled
    return compiled


def normalize(text: str) -> tuple[str, bool]:
    """(the JSONPath form of a path, whether it was a legacy path); nothing is parsed yet."""
    # RedisJSON: a JSONPath is '$' alone or '$' followed by '.' or '['; anything else is a legacy path.
    if text.startswith("$") and (len(text) == 1 or text[1] in ".["):
        return text, False
    if text == ".":
        return "$", True
    if text.startswith("."):
        return "$" + text, True
    return "$." + text, True


def is_legacy_path(path: bytes) -> bool:
    return not (path == b"$" or path.startswith((b"$.", b"$[")))


def is_root_path(path: bytes) -> bool:
    """'$' or '.', told from the text alone (RedisJSON checks this before parsing the path)."""
    return path in (b"$", b".")


class _Compiler:
    """Recursive descent over the JSONPath text; errors in the JSONPath parser's words."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    # -- errors ---------------------------------------------------------------------------------------
    def error(self, expected: str, pos: int | None = None) -> JsonError:
        at = self.pos if pos is None else pos
        text = self.text
        shown = f"{text[:at]} <<<<----" if at >= len(text) else f"{text[:at]} ---->>>> {text[at:]}"
        return JsonError(
            f'Error occurred on position {at}, "{shown}", expected one of the following: {expected}.'
        )

    # -- lexing helpers -------------------------------------------------------------------------------
    def skip_ws(self) -> None:
        text = self.text
        while self.pos < len(text) and text[self.pos] in " \t\r\n":
            self.pos += 1

    def peek(self, token: str) -> bool:
        self.skip_ws()
        return self.text.startswith(token, self.pos)

    def take(self, token: str) -> bool:
        if self.peek(token):
            self.pos += len(token)
            return True
        return False

    def at_end(self) -> bool:
        self.skip_ws()
        return self.pos >= len(self.text)

    # -- grammar --------------------------------------------------------------------------------------
    def parse(self) -> list[_StepSpec]:
        if not self.take("$"):
            raise self.error("'$'")
        steps = self.steps(top=True)
        if not self.at_end():
            raise self.error("EOI, '..'")
        return steps

    def steps(self, top: bool) -> list[_StepSpec]:
        steps: list[_StepSpec] = []
        while True:
            self.skip_ws()
            if self.take(".."):
                steps.append(_StepSpec("descend", inner=self.after_descend()))
            elif self.take("."):
                if self.peek("["):  # legacy '.c.[0]' is accepted
                    self.pos += 1
                    steps.append(self.bracket())
                else:
                    steps.append(self.name_or_star())
            elif self.take("["):
                steps.append(self.bracket())
            else:
                return steps

    def after_descend(self) -> _StepSpec:
        if self.take("["):
            return self.bracket()
        return self.name_or_star()

    def name_or_star(self) -> _StepSpec:
        self.skip_ws()
        if self.take("*"):
            return _StepSpec("wildcard")
        match = _LITERAL.match(self.text, self.pos)
        if not match:
            raise self.error("<string>, '*'")
        self.pos = match.end()
        return _StepSpec("key", key=match.group())

    def quoted(self) -> str | None:
        self.skip_ws()
        text = self.text
        if self.pos >= len(text) or text[self.pos] not in "'\"":
            return None
        quote = text[self.pos]
        i = self.pos + 1
        out: list[str] = []
        while i < len(text):
            c = text[i]
            if c == "\\" and i + 1 < len(text):
                out.append(text[i + 1])
                i += 2
                continue
            if c == quote:
                self.pos = i + 1
                return "".join(out)
            out.append(c)
            i += 1
        raise self.error(_BRACKET_EXPECTED)

    def int_(self) -> int | None:
        self.skip_ws()
        match = _INT.match(self.text, self.pos)
        if not match:
            return None
        self.pos = match.end()
        return int(match.group())

    def bracket(self) -> _StepSpec:
        start = self.pos
        self.skip_ws()
        if self.take("*"):
            self.close(start)
            return _StepSpec("wildcard")
        if self.take("?"):
            predicate = self.filter()
            self.close(start)
            return _StepSpec("filter", predicate=predicate)
        first_key = self.quoted()
        if first_key is not None:
            keys = [first_key]
            while self.take(","):
                key = self.quoted()
                if key is None:
                    raise self.error(_BRACKET_EXPECTED)
                keys.append(key)
            self.close(start)
            if len(keys) == 1:
                return _StepSpec("key", key=keys[0])
            return _StepSpec("keys", keys=tuple(keys))
        first = self.int_()
        if self.peek(":"):
            return self.slice_rest(first, start)
        if first is None:
            raise self.error(_BRACKET_EXPECTED)
        indexes = [first]
        while self.take(","):
            n = self.int_()
            if n is None:
                raise self.error("'<number>'")
            indexes.append(n)
        self.close(start)
        if len(indexes) == 1:
            return _StepSpec("index", indexes=(first,))
        return _StepSpec("indexes", indexes=tuple(indexes))

    def slice_rest(self, first: int | None, start: int) -> _StepSpec:
        self.take(":")
        stop = self.int_()
        step = 1
        if self.take(":"):
            self.skip_ws()
            match = re.compile(r"[1-9][0-9]*").match(self.text, self.pos)
            if match:
                self.pos = match.end()
                step = int(match.group())
            elif not self.peek("]"):
                raise self.error("pos_number")
        self.close(start)
        return _StepSpec("slice", slice_=(first, stop, step))

    def close(self, start: int) -> None:
        if not self.take("]"):
            raise self.error(_BRACKET_EXPECTED if self.pos == start else "']'")

    # -- filters --------------------------------------------------------------------------------------
    def filter(self) -> Callable[[Any, Any], bool]:
        if self.take("("):
            expr = self.or_expr()
            if not self.take(")"):
                raise self.error("ge, gt, le, lt, eq, ne, re, and, or, '..'")
            return expr
        return self.or_expr()

    def or_expr(self) -> Callable[[Any, Any], bool]:
        terms = [self.and_expr()]
        while self.take("||"):
            terms.append(self.and_expr())
        if len(terms) == 1:
            return terms[0]
        return lambda v, root: any(t(v, root) for t in terms)

    def and_expr(self) -> Callable[[Any, Any], bool]:
        terms = [self.atom()]
        while self.take("&&"):
            terms.append(self.atom())
        if len(terms) == 1:
            return terms[0]
        return lambda v, root: all(t(v, root) for t in terms)

    def atom(self) -> Callable[[Any, Any], bool]:
        if self.take("("):
            expr = self.or_expr()
            if not self.take(")"):
                raise self.error("')'")
            return expr
        left = self.operand("single_filter")
        for op in ("==", "!=", "<=", ">=", "=~", "<", ">"):
            if self.take(op):
                right = self.operand("decimal, from_current, from_root, boolean_true, boolean_false, null")
                return _comparison(left, op, right)
        return lambda v, root: bool(left(v, root))

    def operand(self, expected: str) -> Callable[[Any, Any], list[Any]]:
        self.skip_ws()
        if self.take("@"):
            steps = self.steps(top=False)
            return lambda v, root: _eval_steps(steps, v, root)
        if self.take("$"):
            steps = self.steps(top=False)
            return lambda v, root: _eval_steps(steps, root, root)
        key = self.quoted()
        if key is not None:
            return lambda v, root: [key]
        for word, literal in (("true", True), ("false", False), ("null", None)):
            if self.text.startswith(word, self.pos):
                self.pos += len(word)
                return lambda v, root, lit=literal: [lit]  # type: ignore[misc]
        match = _NUMBER.match(self.text, self.pos)
        if match:
            self.pos = match.end()
            token = match.group()
            number: int | float = float(token) if any(c in token for c in ".eE") else int(token)
            return lambda v, root: [number]
        raise self.error(expected)


def _eval_steps(steps: list[_StepSpec], start: Any, root: Any) -> list[Any]:
    nodes: list[Node] = [(None, None, start)]
    for step in steps:
        if not nodes:
            return []
        nodes = step.apply(nodes, root)
    return [n[2] for n in nodes]


def _is_number(x: Any) -> bool:
    return type(x) is int or type(x) is float


_MISSING = object()


def _compare(a: Any, op: str, b: Any) -> bool:
    if a is _MISSING or b is _MISSING:
        return op == "!="
    if type(a) is array:
        a = a.tolist()
    if type(b) is array:
        b = b.tolist()
    if op == "=~":
        if type(a) is str and type(b) is str:
            try:
                return re.search(b, a) is not None
            except re.error:
                return False
        return False
    if _is_number(a) and _is_number(b):
        pass
    elif type(a) is not type(b):
        return op == "!="
    if op == "==":
        return bool(a == b)
    if op == "!=":
        return bool(a != b)
    if type(a) in (dict, list, bool) or a is None:
        return False
    try:
        if op == "<":
            return bool(a < b)
        if op == "<=":
            return bool(a <= b)
        if op == ">":
            return bool(a > b)
        return bool(a >= b)
    except TypeError:
        return False


def _comparison(
    left: Callable[[Any, Any], list[Any]], op: str, right: Callable[[Any, Any], list[Any]]
) -> Callable[[Any, Any], bool]:
    def test(v: Any, root: Any) -> bool:
        # A path operand that matches nothing is unequal to everything and in no order (RedisJSON).
        lefts = left(v, root) or [_MISSING]
        rights = right(v, root) or [_MISSING]
        return any(_compare(a, op, b) for a in lefts for b in rights)

    return test


__all__ = ["JsonPath", "Node", "compile_path", "is_legacy_path", "is_root_path", "normalize"]
