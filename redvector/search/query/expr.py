"""Aggregation expressions (FT.AGGREGATE APPLY/FILTER, FT.CREATE FILTER): parse once, evaluate per row.

Values are float, str or None. ``@name`` reads the row; arithmetic ``+ - * / % ^``, comparisons
``== != < <= > >=``, ``&& || !``, string literals, and a subset of RediSearch's functions.
"""

from __future__ import annotations

import calendar
import math
import re
import time
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
        return "-nan" if math.copysign(1.0, v) < 0 else "nan"  # as C's printf shows the sign bit
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return "%.12g" % v


def truthy(v: Value) -> bool:
    if v is None:
        return False
    if isinstance(v, float):
        return v != 0
    return v != ""


NEG_NAN = -math.nan  # what C's sqrt, log and pow give out of their domain (printed "-nan")


def _num_or_err(v: Any) -> float:
    n = to_num(v)
    return math.nan if n is None else n


def _string_arg(name: str, v: Any, at: int = 0) -> str:
    """RediSearch's VALIDATE_ARG_ISSTRING: a number (or null) is refused."""
    if not isinstance(v, str):
        raise SearchError(f"Invalid type ({_type_code(v)}) for argument {at} in function '{name}'. "
                          f"VALIDATE_ARG__STRING(v, {at}) was false.")
    return v


def _type_code(v: Any) -> int:
    """RSValueType as RediSearch numbers it in its errors."""
    if v is None:
        return 4
    if isinstance(v, float):
        return 1
    if isinstance(v, list):
        return 6
    return 2


def _substr(s: Any, offset: Any, length: Any) -> Value:
    if not isinstance(offset, float) or not isinstance(length, float):
        bad = 1 if not isinstance(offset, float) else 2
        raise SearchError(f"Invalid type ({_type_code(offset if bad == 1 else length)}) for argument {bad} in "
                          f"function 'substr'. VALIDATE_ARG__TYPE(v, {bad}) was false.")
    if isinstance(s, float):
        raise SearchError("Invalid type for substr. Expected string")
    raw = (to_str(s) or "").encode()
    size = len(raw)
    off, n = int(offset), int(length)
    if off < 0:
        off += size
    off = max(0, min(off, size))
    if n < 0:
        n = max(0, size - off + n)
    n = min(n, size - off)
    return raw[off:off + n].decode("utf-8", "replace")


def _format(fmt: Any, *args: Any) -> Value:
    text = _string_arg("format", fmt)
    out: list[str] = []
    it = iter(args)
    i = 0
    while i < len(text):
        c = text[i]
        if c != "%":
            out.append(c)
            i += 1
            continue
        if i == len(text) - 1:
            raise SearchError("Bad format string!")
        kind = text[i + 1]
        i += 2
        if kind == "%":
            out.append("%")
            continue
        try:
            arg = next(it)
        except StopIteration:
            raise SearchError("Not enough arguments for format") from None
        if kind != "s":
            raise SearchError("Unknown format specifier passed")
        out.append("(null)" if arg is None else _plain_str(arg))
    return "".join(out)


def _plain_str(v: Any) -> str:
    if isinstance(v, list):
        return ",".join(_plain_str(x) for x in v)  # not reached by RediSearch's tests; kept total
    return to_str(v) or ""


def _split(s: Any, sep: Any = ",", strip: Any = " ") -> Value:
    text = _string_arg("split", s)
    seps = _string_arg("split", sep, 1)
    chars = _string_arg("split", strip, 2)
    parts = re.split("[" + re.escape(seps) + "]", text) if seps else [text]
    return [p.strip(chars) for p in parts if p.strip(chars)][:1024]  # type: ignore[return-value]


def _startswith(s: Any, prefix: Any) -> Value:
    return float(_string_arg("startswith", s).startswith(_string_arg("startswith", prefix, 1)))


def _contains(s: Any, sub: Any) -> Value:
    text, part = _string_arg("contains", s).encode(), _string_arg("contains", sub, 1).encode()
    if not part:
        return float(len(text) + 1)
    count, at = 0, text.find(part)
    while at >= 0:  # overlapping occurrences, as strstr from the next byte
        count += 1
        at = text.find(part, at + 1)
    return float(count)


def _to_number(v: Any) -> Value:
    n = to_num(v)
    if n is None:
        raise SearchError(f"to_number: cannot convert string '{to_str(v) or ''}'")
    return n


def _timestamp(v: Any) -> int | None:
    """A non-negative number of seconds (RediSearch's date functions give null otherwise)."""
    n = to_num(v)
    if n is None or n < 0 or not math.isfinite(n):
        return None
    return int(n)


def _gmtime(v: Any) -> time.struct_time | None:
    ts = _timestamp(v)
    if ts is None:
        return None
    try:
        return time.gmtime(ts)
    except (OverflowError, OSError, ValueError):
        return None


def _timefmt(v: Any, fmt: Any = "%FT%TZ") -> Value:
    text = _string_arg("timefmt", fmt, 1) if not isinstance(fmt, str) else fmt
    n = to_num(v)
    if n is None or not math.isfinite(n):
        return None
    try:
        out = time.strftime(text, time.gmtime(int(n)))
    except (OverflowError, OSError, ValueError):
        return None
    return out or None


def _parsetime(v: Any, fmt: Any) -> Value:
    text, pattern = _string_arg("parsetime", v), _string_arg("parsetime", fmt, 1)
    try:
        parsed = time.strptime(text, pattern)
    except ValueError as exc:
        # C's strptime stops where the format ends and ignores the rest
        rest = str(exc).partition("unconverted data remains: ")[2]
        if not rest:
            return None
        try:
            parsed = time.strptime(text[:-len(rest)], pattern)
        except ValueError:
            return None
    return float(calendar.timegm(parsed))


def _date_part(part: Callable[[time.struct_time, int], float]) -> Callable[[Any], Value]:
    def run(v: Any) -> Value:
        tm = _gmtime(v)
        return None if tm is None else float(part(tm, calendar.timegm(tm)))
    return run


def _minute(v: Any) -> Value:
    n = to_num(v)
    if n is None or n < 0:
        return None
    return float(math.floor(n - math.fmod(n, 60)))


_EARTH_RADIUS_M = 6372797.560856


def _geo_point(v: Any) -> tuple[float, float] | None:
    text = to_str(v)
    if text is None:
        return None
    lon, sep, lat = text.partition(",")
    if not sep:
        return None
    x, y = to_num(lon.strip()), to_num(lat.strip())
    return None if x is None or y is None else (x, y)


def _geodistance(*args: Any) -> Value:
    points: list[tuple[float, float] | None]
    if len(args) == 2:
        points = [_geo_point(a) for a in args]
    elif len(args) == 3:
        n0, n1 = to_num(args[0]), to_num(args[1])
        first = (n0, n1) if n0 is not None and n1 is not None else None
        points = [first, _geo_point(args[2])] if isinstance(args[0], float) else [_geo_point(args[0]), None]
        if not isinstance(args[0], float):
            n1, n2 = to_num(args[1]), to_num(args[2])
            points[1] = (n1, n2) if n1 is not None and n2 is not None else None
    elif len(args) == 4:
        nums = [to_num(a) for a in args]
        points = [None if nums[0] is None or nums[1] is None else (nums[0], nums[1]),
                  None if nums[2] is None or nums[3] is None else (nums[2], nums[3])]
    else:
        raise SearchError("Invalid arguments for function 'geodistance'")
    a, b = points
    if a is None or b is None:
        return -1.0
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    u = math.sin((lat2 - lat1) / 2)
    w = math.sin((lon2 - lon1) / 2)
    d = 2.0 * _EARTH_RADIUS_M * math.asin(math.sqrt(u * u + math.cos(lat1) * math.cos(lat2) * w * w))
    return round(d * 100) / 100


def _case_fold(fn: Callable[[str], str]) -> Callable[[Any], Value]:
    """upper/lower: ASCII only, as C's toupper/tolower byte by byte; a number is null."""
    def run(s: Any) -> Value:
        if not isinstance(s, str):
            return None
        return fn(s)
    return run


_ASCII_UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")

# name: (function, fewest arguments, most arguments or -1)
_FUNCS: dict[str, tuple[Callable[..., Value], int, int]] = {
    "lower": (_case_fold(lambda s: s.translate(_ASCII_LOWER)), 1, 1),
    "upper": (_case_fold(lambda s: s.translate(_ASCII_UPPER)), 1, 1),
    "strlen": (lambda s: float(len(_string_arg("strlen", s).encode())), 1, 1),
    "startswith": (_startswith, 2, 2),
    "contains": (_contains, 2, 2),
    "substr": (_substr, 3, 3),
    "format": (_format, 1, -1),
    "split": (_split, 1, 3),
    "to_number": (_to_number, 1, 1),
    "to_str": (lambda s: None if s is None else _plain_str(s), 1, 1),
    "exists": (lambda s: float(s is not None), 1, 1),
    "abs": (lambda x: abs(_num_or_err(x)), 1, 1),
    "ceil": (lambda x: _rounded(math.ceil, x), 1, 1),
    "floor": (lambda x: _rounded(math.floor, x), 1, 1),
    "sqrt": (lambda x: math.sqrt(_num_or_err(x)) if _num_or_err(x) >= 0 else NEG_NAN, 1, 1),
    "log": (lambda x: _log(math.log, x), 1, 1),
    "log2": (lambda x: _log(math.log2, x), 1, 1),
    "exp": (lambda x: _exp(_num_or_err(x)), 1, 1),
    "timefmt": (_timefmt, 1, 2),
    "parsetime": (_parsetime, 2, 2),
    "hour": (_date_part(lambda tm, ts: ts - tm.tm_min * 60 - tm.tm_sec), 1, 1),
    "minute": (_minute, 1, 1),
    "day": (_date_part(lambda tm, ts: ts - tm.tm_hour * 3600 - tm.tm_min * 60 - tm.tm_sec), 1, 1),
    "month": (_date_part(lambda tm, ts: ts - (tm.tm_mday - 1) * 86400 - tm.tm_hour * 3600 - tm.tm_min * 60
                         - tm.tm_sec), 1, 1),
    "monthofyear": (_date_part(lambda tm, ts: tm.tm_mon - 1), 1, 1),
    "year": (_date_part(lambda tm, ts: tm.tm_year), 1, 1),
    "dayofmonth": (_date_part(lambda tm, ts: tm.tm_mday), 1, 1),
    "dayofweek": (_date_part(lambda tm, ts: (tm.tm_wday + 1) % 7), 1, 1),
    "dayofyear": (_date_part(lambda tm, ts: tm.tm_yday - 1), 1, 1),
    "geodistance": (_geodistance, 2, 4),
}


def _rounded(fn: Callable[[float], int], x: Any) -> float:
    n = _num_or_err(x)
    return n if not math.isfinite(n) else float(fn(n))


def _log(fn: Callable[[float], float], x: Any) -> float:
    n = _num_or_err(x)
    if n > 0:
        return fn(n)
    return -math.inf if n == 0 else NEG_NAN


def _exp(n: float) -> float:
    try:
        return math.exp(n)
    except OverflowError:
        return math.inf


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
                left = _arith(_modulo, left, self.pow())
            else:
                return left

    def pow(self) -> Callable[[Mapping[str, Any]], Value]:
        left = self.unary()
        if self.accept("^"):
            left = _arith(_power, left, self.pow())
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
            func, fewest, most = _FUNCS[fname]
            if len(args) < fewest or (most >= 0 and len(args) > most):
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


def _modulo(a: float, b: float) -> float:
    """C's ``%`` on the operands as integers: the remainder takes the dividend's sign."""
    return float(math.fmod(int(a), int(b))) if int(b) else math.nan


def _power(a: float, b: float) -> float:
    result = a**b
    return NEG_NAN if isinstance(result, complex) else result


def _operand(v: Value) -> float | None:
    """An arithmetic operand: a number or numeric text; other text fails the query (RediSearch)."""
    n = to_num(v)
    if n is None and isinstance(v, str):
        raise SearchError("Could not convert value to a number")
    return n


def _arith(op: Callable[[float, float], float], a: Callable[[Mapping[str, Any]], Value],
           b: Callable[[Mapping[str, Any]], Value]) -> Callable[[Mapping[str, Any]], Value]:
    def run(r: Mapping[str, Any]) -> Value:
        x, y = _operand(a(r)), _operand(b(r))
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
