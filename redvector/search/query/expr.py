"""Aggregation expressions (FT.AGGREGATE APPLY/FILTER, FT.CREATE FILTER): parse once, evaluate per row.

Values are float, str or None. ``@name`` reads the row; arithmetic ``+ - * / % ^``, comparisons
``== != < <= > >=``, ``&& || !``, string literals, and a subset of RediSearch's functions.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from redvector.errors import SearchError

Value = float | str | None

_TOKEN_RE = re.compile(
    r"\s*(?:(?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)|(?P<str>\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*')"
    r"|(?P<prop>@[A-Za-z0-9_.$\-:]+)|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<op>==|!=|<=|>=|&&|\|\||[-+*/%^()<>!,]))"
)


@dataclass(frozen=True, slots=True)
class Expr:
    """A parsed expression: ``evaluate(row)`` and the properties it reads."""

    fn: Callable[[Mapping[str, Any]], Value]
    properties: frozenset[str]
    text: str

    def evaluate(self, row: Mapping[str, Any]) -> Value:
        return self.fn(row)


def to_num(v: Any) -> float | None:
    if v is None:
        return None
    if isinstance(v, float | int):
        return float(v)
    if isinstance(v, bytes):
        v = v.decode("utf-8", "replace")
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def to_str(v: Any) -> str | None:
    if v is None:
        return None
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    if isinstance(v, float):
        return format_number(v)
    return str(v)


def format_number(v: float) -> str:
    """RediSearch RSValue_NumToString: integers as %lld, otherwise %.12g."""
    if v != 0.0 and -1e11 < v < 1e11:
        # The common case (a distance, a score) in one step: below 1e11 an integer-valued double has at
        # most 11 digits, which %.12g prints exactly as %lld would.
        return "%.12g" % v
    return _special_number(v)


def format_number_bytes(v: float) -> bytes:
    """format_number as bytes, the common case formatted straight to bytes (a reply's distances)."""
    if v != 0.0 and -1e11 < v < 1e11:
        return b"%.12g" % v
    return _special_number(v).encode()


def _special_number(v: float) -> str:
    if math.isfinite(v) and v == int(v) and abs(v) < 2**63:
        return str(int(v))
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return "%.12g" % v


def truthy(v: Value) -> bool:
    if v is None:
        return False
    if isinstance(v, float):
        return v != 0
    return v != ""


def _num_or_err(v: Any) -> float:
    n = to_num(v)
    return math.nan if n is None else n


def _text_arg(name: str, v: Any) -> Any:
    """RediSearch's string functions refuse a number (a SORTABLE NUMERIC reads as one)."""
    if isinstance(v, float):
        if name == "substr":
            raise SearchError("Invalid type for substr. Expected string")
        raise SearchError(f"Invalid type (1) for argument 0 in function '{name}'. VALIDATE_ARG__STRING(v, 0) was false.")
    return v


_FUNCS: dict[str, Callable[..., Value]] = {
    # upper/lower of a number is null in RediSearch; the other string functions fail the query.
    "lower": lambda s: None if isinstance(s, float) or to_str(s) is None else to_str(s).lower(),  # type: ignore[union-attr]
    "upper": lambda s: None if isinstance(s, float) or to_str(s) is None else to_str(s).upper(),  # type: ignore[union-attr]
    "strlen": lambda s: float(len(to_str(_text_arg("strlen", s)) or "")),
    "startswith": lambda s, p: float((to_str(_text_arg("startswith", s)) or "").startswith(to_str(p) or "")),
    "contains": lambda s, p: float((to_str(_text_arg("contains", s)) or "").count(to_str(p) or "")) if to_str(p) else 0.0,
    "substr": lambda s, a, n: (to_str(_text_arg("substr", s)) or "")[int(_num_or_err(a)):int(_num_or_err(a)) + int(_num_or_err(n))]
    if _num_or_err(n) >= 0 else (to_str(_text_arg("substr", s)) or "")[int(_num_or_err(a)):],
    "format": lambda fmt, *a: (to_str(fmt) or "").replace("%s", "{}").format(*(to_str(x) for x in a)),
    "to_number": lambda s: to_num(s),
    "to_str": lambda s: to_str(s),
    "exists": lambda s: float(s is not None),
    "abs": lambda x: abs(_num_or_err(x)),
    "ceil": lambda x: float(math.ceil(_num_or_err(x))),
    "floor": lambda x: float(math.floor(_num_or_err(x))),
    "sqrt": lambda x: math.sqrt(_num_or_err(x)) if _num_or_err(x) >= 0 else math.nan,
    "log": lambda x: math.log(_num_or_err(x)) if _num_or_err(x) > 0 else math.nan,
    "log2": lambda x: math.log2(_num_or_err(x)) if _num_or_err(x) > 0 else math.nan,
    "exp": lambda x: math.exp(_num_or_err(x)),
}


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens: list[tuple[str, str]] = []
        pos = 0
        while pos < len(text):
            if text[pos:].strip() == "":
                break
            m = _TOKEN_RE.match(text, pos)
            if not m or m.end() == pos:
                raise SearchError(f"Syntax error at offset {pos} near {text[pos:pos + 10]}")
            kind = m.lastgroup or ""
            self.tokens.append((kind, m.group(kind)))
            pos = m.end()
        self.i = 0
        self.props: set[str] = set()

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def accept(self, op: str) -> bool:
        t = self.peek()
        if t is not None and t[0] == "op" and t[1] == op:
            self.i += 1
            return True
        return False

    def error(self) -> SearchError:
        near = self.tokens[self.i][1] if self.i < len(self.tokens) else ""
        return SearchError(f"Syntax error at offset {self.i} near {near}")

    def parse(self) -> Callable[[Mapping[str, Any]], Value]:
        fn = self.or_()
        if self.i != len(self.tokens):
            raise self.error()
        return fn

    def or_(self) -> Callable[[Mapping[str, Any]], Value]:
        left = self.and_()
        while self.accept("||"):
            right = self.and_()
            left = (lambda a, b: lambda r: float(truthy(a(r)) or truthy(b(r))))(left, right)
        return left

    def and_(self) -> Callable[[Mapping[str, Any]], Value]:
        left = self.cmp()
        while self.accept("&&"):
            right = self.cmp()
            left = (lambda a, b: lambda r: float(truthy(a(r)) and truthy(b(r))))(left, right)
        return left

    def cmp(self) -> Callable[[Mapping[str, Any]], Value]:
        left = self.add()
        for op in ("==", "!=", "<=", ">=", "<", ">"):
            if self.accept(op):
                right = self.add()
                return _compare(op, left, right)
        return left

    def add(self) -> Callable[[Mapping[str, Any]], Value]:
        left = self.mul()
        while True:
            if self.accept("+"):
                left = _arith(lambda a, b: a + b, left, self.mul())
            elif self.accept("-"):
                left = _arith(lambda a, b: a - b, left, self.mul())
            else:
                return left

    def mul(self) -> Callable[[Mapping[str, Any]], Value]:
        left = self.pow()
        while True:
            if self.accept("*"):
                left = _arith(lambda a, b: a * b, left, self.pow())
            elif self.accept("/"):
                left = _arith(lambda a, b: a / b if b else math.nan, left, self.pow())
            elif self.accept("%"):
                left = _arith(lambda a, b: float(int(a) % int(b)) if int(b) else math.nan, left, self.pow())
            else:
                return left

    def pow(self) -> Callable[[Mapping[str, Any]], Value]:
        left = self.unary()
        if self.accept("^"):
            left = _arith(lambda a, b: a**b, left, self.pow())
        return left

    def unary(self) -> Callable[[Mapping[str, Any]], Value]:
        if self.accept("!"):
            inner = self.unary()
            return lambda r: float(not truthy(inner(r)))
        if self.accept("-"):
            inner = self.unary()
            return lambda r: -_num_or_err(inner(r))
        if self.accept("+"):
            return self.unary()
        return self.primary()

    def primary(self) -> Callable[[Mapping[str, Any]], Value]:
        t = self.peek()
        if t is None:
            raise self.error()
        kind, text = t
        self.i += 1
        if kind == "num":
            n = float(text)
            return lambda r: n
        if kind == "str":
            s = re.sub(r"\\(.)", r"\1", text[1:-1])
            return lambda r: s
        if kind == "prop":
            name = text[1:]
            self.props.add(name)
            return _Prop(name)
        if kind == "name":
            fname = text.lower()
            if fname in ("inf", "infinity"):
                return lambda r: math.inf
            if fname not in _FUNCS or not self.accept("("):
                raise SearchError(f"Unknown function name '{text}'" if fname not in _FUNCS else
                                  f"Syntax error at offset {self.i} near {text}")
            args = []
            if not self.accept(")"):
                args.append(self.or_())
                while self.accept(","):
                    args.append(self.or_())
                if not self.accept(")"):
                    raise self.error()
            if fname == "exists" and len(args) == 1 and isinstance(args[0], _Prop):
                prop = args[0].name  # the one place a missing property is not an error; a null one exists
                return lambda r: float(r.get(prop) is not None)
            func = _FUNCS[fname]
            code = func.__code__
            required = code.co_argcount - len(func.__defaults__ or ())
            if len(args) < required or (not code.co_flags & 0x04 and len(args) > code.co_argcount):
                raise SearchError(f"Invalid arguments for function '{text}'")
            return lambda r: func(*(a(r) for a in args))
        if kind == "op" and text == "(":
            inner = self.or_()
            if not self.accept(")"):
                raise self.error()
            return inner
        self.i -= 1
        raise self.error()


class _Prop:
    """``@name`` in an expression: a property the row must have (RediSearch fails the query on a row
    without it, pointing at EXISTS; a null value reads as missing)."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __call__(self, row: Mapping[str, Any]) -> Value:
        if self.name not in row:
            raise SearchError(f"{self.name}: has no value, consider using EXISTS if applicable")
        return _row_value(row, self.name)


class _Null:
    """A property that is there with no value (RediSearch's null, e.g. ``upper`` of a number): replied as
    nil, read by expressions as missing."""

    def __repr__(self) -> str:
        return "NULL"


NULL = _Null()
Null = _Null  # its type, for annotations


def _row_value(row: Mapping[str, Any], name: str) -> Value:
    v = row.get(name)
    if v is NULL:
        return None
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    if isinstance(v, int):
        return float(v)
    return v  # type: ignore[no-any-return,unused-ignore]


def _arith(op: Callable[[float, float], float], a: Callable[[Mapping[str, Any]], Value],
           b: Callable[[Mapping[str, Any]], Value]) -> Callable[[Mapping[str, Any]], Value]:
    def run(r: Mapping[str, Any]) -> Value:
        x, y = to_num(a(r)), to_num(b(r))
        if x is None or y is None:
            return math.nan
        try:
            return op(x, y)
        except (OverflowError, ZeroDivisionError, ValueError):
            return math.nan
    return run


def _compare(op: str, a: Callable[[Mapping[str, Any]], Value],
             b: Callable[[Mapping[str, Any]], Value]) -> Callable[[Mapping[str, Any]], Value]:
    def run(r: Mapping[str, Any]) -> Value:
        x, y = a(r), b(r)
        nx, ny = to_num(x), to_num(y)
        left: Any
        right: Any
        if nx is not None and ny is not None:
            left, right = nx, ny
        else:
            left, right = to_str(x) or "", to_str(y) or ""
        if op == "==":
            return float(left == right)
        if op == "!=":
            return float(left != right)
        if op == "<":
            return float(left < right)
        if op == "<=":
            return float(left <= right)
        if op == ">":
            return float(left > right)
        return float(left >= right)
    return run


def parse_expr(text: str) -> Expr:
    p = _Parser(text)
    fn = p.parse()
    return Expr(fn, frozenset(p.props), text)
