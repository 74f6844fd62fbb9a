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

import numpy as np

from redvector.errors import SearchError

Value = float | str | None

# RediSearch's expression lexer (src/aggregate/expr/lexer.rl): a number may carry its minus sign ("1-1" is
# two numbers), names start with a letter, properties are @ and word characters, strings take either
# quote; any other character is skipped.
_TOKEN_RE = re.compile(
    r"(?P<num>-?[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?|-inf)|(?P<str>\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*')"
    r"|(?P<prop>@[A-Za-z0-9_]+)|(?P<name>[A-Za-z][A-Za-z0-9_]*)"
    r"|(?P<op>==|!=|<=|>=|&&|\|\||[-+*/%^()<>!,])"
)


@dataclass(frozen=True, slots=True)
class Expr:
    """A parsed expression: ``evaluate(row)`` and the properties it reads."""

    fn: Callable[[Mapping[str, Any]], Value]
    properties: frozenset[str]
    text: str
    ordered: tuple[str, ...] = ()  # the properties in the order the expression names them

    def evaluate(self, row: Mapping[str, Any]) -> Value:
        return self.fn(row)


def to_num(v: Any) -> float | None:
    """RediSearch's RSValue_ToNumber: a number, or text that C's strtod reads whole (None otherwise)."""
    if v is None:
        return None
    if isinstance(v, float | int):
        return float(v)
    if isinstance(v, bytes):
        v = v.decode("utf-8", "replace")
    if isinstance(v, str):
        return parse_number(v)
    return None


# What C's strtod reads: leading white space, then a decimal or hexadecimal number, inf[inity] or nan[(...)]
_STRTOD_RE = re.compile(
    r"[ \t\n\v\f\r]*(?P<num>[-+]?(?:(?P<dec>(?:[0-9]+\.?[0-9]*|\.[0-9]+))(?:[eE][-+]?[0-9]+)?"
    r"|0[xX](?P<hex>[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)(?:[pP][-+]?[0-9]+)?"
    r"|(?P<inf>inf(?:inity)?)|nan(?:\([0-9A-Za-z_]*\))?))",
    re.IGNORECASE | re.ASCII)


def parse_number(text: str) -> float | None:
    """``text`` as RediSearch reads a number from a string (strtod, the whole string, no range error):
    "" is 0, " 1" and "0x10" are numbers, "1 ", "1_0" and "1e400" are not."""
    if not text:
        return 0.0
    m = _STRTOD_RE.fullmatch(text)
    if m is None:
        return None
    num = m.group("num")
    hexa = m.group("hex")
    try:
        value = float.fromhex(num) if hexa is not None else float(num)
    except (ValueError, OverflowError):
        return None  # a hexadecimal number out of range
    if math.isinf(value) and m.group("inf") is None:
        return None  # ERANGE: overflow
    if value == 0.0 and any(c not in "0." for c in (hexa if hexa is not None else m.group("dec") or "")):
        return None  # ERANGE: underflow to zero
    return value


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


def truthy(v: Any) -> bool:
    """RSValue_BoolTest: a number not 0, a string or array not empty; null is false."""
    if v is None or v is NULL:
        return False
    if isinstance(v, float | int):
        return v != 0
    return len(v) != 0


NEG_NAN = -math.nan  # what C's sqrt, log and pow give out of their domain (printed "-nan")


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
    if not isinstance(s, str):
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
    """RSValue_ToString: text as it is, a number as RediSearch prints it, anything else (null, an
    array) empty."""
    if isinstance(v, str):
        return v
    if isinstance(v, float | int):
        return format_number(float(v))
    return ""


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
        raise SearchError(f"to_number: cannot convert string '{v if isinstance(v, str) else '(null)'}'")
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


def _strtod_prefix(text: str) -> tuple[float, str]:
    """C's strtod: the number at the start of ``text`` (0 when there is none) and what follows it."""
    m = _STRTOD_RE.match(text)
    if m is None:
        return 0.0, text
    num = m.group("num")
    try:
        value = float.fromhex(num) if m.group("hex") is not None else float(num)
    except (ValueError, OverflowError):
        value = math.inf
    return value, text[m.end():]


def _parse_geo(v: Any) -> tuple[float, float]:
    """RediSearch's parseGeo of a "lon,lat" (or "lon lat") string: split at the first space or comma,
    each side read whole by strtod (an empty side is 0); anything else fails the query."""
    text = v
    cut = min((i for i in (text.find(" "), text.find(",")) if i >= 0), default=-1)
    if cut < 0 or len(text.encode()) > 128:
        raise SearchError("Invalid geo string")
    lon, rest1 = _strtod_prefix(text[:cut])
    lat, rest2 = _strtod_prefix(text[cut + 1:])
    if rest1 or rest2:
        raise SearchError("Invalid geo string")
    return lon, lat


def _geo_field(v: Any) -> tuple[float, float] | None:
    """A point argument: a geo string (one that does not parse fails the query); anything else (null, a
    number, an array) makes the distance NaN."""
    return _parse_geo(v) if isinstance(v, str) else None


def _lon_lat(x: Any, y: Any) -> tuple[float, float] | None:
    a, b = to_num(x), to_num(y)
    return None if a is None or b is None else (a, b)


def _geodistance(*args: Any) -> Value:
    """geodistance(a, b): two points, each a "lon,lat" string or (three or four arguments) a lon and a lat;
    the distance in metres rounded to centimetres, NaN where an argument is no point (geo.c)."""
    first: tuple[float, float] | None
    second: tuple[float, float] | None
    if len(args) == 2:
        first = _geo_field(args[0])
        second = _geo_field(args[1]) if first is not None else None
    elif len(args) == 4:
        first = _lon_lat(args[0], args[1])
        second = _lon_lat(args[2], args[3]) if first is not None else None
    elif to_num(args[0]) is not None:  # lon, lat, "lon,lat"
        first = _lon_lat(args[0], args[1])
        second = _geo_field(args[2]) if first is not None else None
    else:  # "lon,lat", lon, lat
        first = _geo_field(args[0])
        second = _lon_lat(args[1], args[2]) if first is not None else None
    if first is None or second is None:
        return math.nan
    try:
        lon1, lat1, lon2, lat2 = map(math.radians, (*first, *second))
        u = math.sin((lat2 - lat1) / 2)
        w = math.sin((lon2 - lon1) / 2)
        d = 2.0 * _EARTH_RADIUS_M * math.asin(math.sqrt(u * u + math.cos(lat1) * math.cos(lat2) * w * w))
    except ValueError:
        return math.nan
    if not math.isfinite(d):
        return math.nan
    cents = d * 100
    whole = math.floor(cents)
    return (whole + 1 if cents - whole >= 0.5 else whole) / 100  # C's round(): half away from zero


def _case_fold(fn: Callable[[str], str]) -> Callable[[Any], Value]:
    """upper/lower: ASCII only, as C's toupper/tolower byte by byte; a number is null."""
    def run(s: Any) -> Value:
        if not isinstance(s, str):
            return None
        return fn(s)
    return run


_ASCII_UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")

def _math(fn: Callable[[float], float]) -> Callable[[Any], Value]:
    """A one-number math function (math.c): what is no number gives NaN."""
    def run(x: Any) -> Value:
        n = to_num(x)
        return math.nan if n is None else fn(n)
    return run


def _log(fn: Callable[[float], float], n: float) -> float:
    if n > 0:
        return fn(n)
    if math.isnan(n):
        return n
    return -math.inf if n == 0 else NEG_NAN


def _exp(n: float) -> float:
    try:
        return math.exp(n)
    except OverflowError:
        return math.inf


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
    "to_str": (_plain_str, 1, 1),
    "exists": (lambda s: 1.0, 1, 1),  # what evaluated exists, a null too; a missing property: see _call
    "abs": (_math(abs), 1, 1),
    "ceil": (_math(lambda n: n if not math.isfinite(n) else float(math.ceil(n))), 1, 1),
    "floor": (_math(lambda n: n if not math.isfinite(n) else float(math.floor(n))), 1, 1),
    "sqrt": (_math(lambda n: math.sqrt(n) if n >= 0 else NEG_NAN if not math.isnan(n) else n), 1, 1),
    "log": (_math(lambda n: _log(math.log, n)), 1, 1),
    "log2": (_math(lambda n: _log(math.log2, n)), 1, 1),
    "exp": (_math(lambda n: _exp(n)), 1, 1),
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


class _Parser:
    """RediSearch's expression grammar (src/aggregate/expr/parser.y): ``||`` and ``&&`` alike, left to
    right; ``!`` below comparisons and arithmetic (``!a == b`` is ``!(a == b)``); comparisons left to
    right; ``+ -``; ``* / % ^`` alike, left to right; a minus only before a number."""

    def __init__(self, text: str, arity_when_called: bool = False) -> None:
        self.text = text
        self.arity_when_called = arity_when_called
        # (kind, text, offset, the text of the last token with a value up to here: a syntax error's "near")
        self.tokens: list[tuple[str, str, int, str]] = []
        near = ""
        pos = 0
        while pos < len(text):
            m = _TOKEN_RE.match(text, pos)
            if m is None:
                pos += 1  # a character the lexer has no rule for
                continue
            kind = m.lastgroup or ""
            value = m.group(kind)
            if kind != "op":
                near = value[1:] if kind == "prop" else value
            self.tokens.append((kind, value, m.start(), near))
            pos = m.end()
        self.i = 0
        self.props: dict[str, None] = {}

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.i][:2] if self.i < len(self.tokens) else None

    def accept(self, op: str) -> bool:
        t = self.peek()
        if t is not None and t[0] == "op" and t[1] == op:
            self.i += 1
            return True
        return False

    def error(self) -> SearchError:
        """A syntax error at the current token (at the end: the last one), near the last token with a
        value, as RediSearch's lexer reports it."""
        if not self.tokens:
            return SearchError("Syntax error at offset 0 near ''")
        _, _, offset, near = self.tokens[min(self.i, len(self.tokens) - 1)]
        return SearchError(f"Syntax error at offset {offset} near '{near}'")

    def parse(self) -> Callable[[Mapping[str, Any]], Value]:
        fn = self.logic()
        if self.i != len(self.tokens):
            raise self.error()
        return fn

    def logic(self) -> Callable[[Mapping[str, Any]], Value]:
        left = self.inverted()
        while True:
            if self.accept("||"):
                left = (lambda a, b: lambda r: float(truthy(a(r)) or truthy(b(r))))(left, self.inverted())
            elif self.accept("&&"):
                left = (lambda a, b: lambda r: float(truthy(a(r)) and truthy(b(r))))(left, self.inverted())
            else:
                return left

    def inverted(self) -> Callable[[Mapping[str, Any]], Value]:
        if self.accept("!"):
            inner = self.inverted()
            return lambda r: float(not truthy(inner(r)))
        return self.cmp()

    def cmp(self) -> Callable[[Mapping[str, Any]], Value]:
        left = self.add()
        while True:
            for op in ("==", "!=", "<=", ">=", "<", ">"):
                if self.accept(op):
                    left = _compare(op, left, self.add())
                    break
            else:
                return left

    def add(self) -> Callable[[Mapping[str, Any]], Value]:
        left = self.mul()
        while True:
            if self.accept("+"):
                left = _Arith("+", lambda a, b: a + b, left, self.mul())
            elif self.accept("-"):
                left = _Arith("-", lambda a, b: a - b, left, self.mul())
            else:
                return left

    def mul(self) -> Callable[[Mapping[str, Any]], Value]:
        left = self.operand()
        while True:
            if self.accept("*"):
                left = _Arith("*", lambda a, b: a * b, left, self.operand())
            elif self.accept("/"):
                left = _Arith("/", lambda a, b: a / b if b else math.nan, left, self.operand())
            elif self.accept("%"):
                left = _Arith("%", _modulo, left, self.operand())
            elif self.accept("^"):
                left = _Arith("^", _power, left, self.operand())
            else:
                return left

    def operand(self) -> Callable[[Mapping[str, Any]], Value]:
        if self.peek() == ("op", "!"):
            # "a * !b + c" is "a * !(b + c)": the ! takes what a comparison would
            self.i += 1
            inner = self.cmp()
            return lambda r: float(not truthy(inner(r)))
        return self.primary()

    def number(self) -> float:
        """A number literal, after any number of minus signs."""
        t = self.peek()
        if t is None:
            raise self.error()
        if t == ("op", "-"):
            self.i += 1
            return -self.number()
        if t[0] != "num":
            raise self.error()
        self.i += 1
        return float(t[1])

    def primary(self) -> Callable[[Mapping[str, Any]], Value]:
        t = self.peek()
        if t is None:
            raise self.error()
        kind, text = t
        if kind == "num" or t == ("op", "-"):
            return _Const(self.number())
        self.i += 1
        if kind == "str":
            s = re.sub(r"\\(.)", r"\1", text[1:-1])
            return lambda r: s
        if kind == "prop":
            name = text[1:]
            self.props.setdefault(name)
            return _Prop(name)
        if kind == "name":
            if not self.accept("("):
                raise SearchError(f"Unknown symbol '{text}'")
            args: list[Callable[[Mapping[str, Any]], Value]] = []
            if not self.accept(")"):
                args.append(self.logic())
                while self.accept(","):
                    args.append(self.logic())
                if not self.accept(")"):
                    raise self.error()
            return _call(text, args, self.arity_when_called)
        if kind == "op" and text == "(":
            inner = self.logic()
            if not self.accept(")"):
                raise self.error()
            return inner
        self.i -= 1
        raise self.error()


TERMS = "\x00terms"  # hidden row entry: the query terms the row's document matched (matched_terms())


def _call(name: str, args: list[Callable[[Mapping[str, Any]], Value]],
          arity_when_called: bool) -> Callable[[Mapping[str, Any]], Value]:
    """A function call: its arguments evaluated first, then its number of them checked. FT.AGGREGATE checks
    when it calls, as RediSearch does (so an empty result never fails); otherwise when it parses."""
    fname = name.lower()
    if fname == "matched_terms":
        def matched(r: Mapping[str, Any]) -> Value:
            most = 100
            if args:
                n = to_num(args[0](r))
                if n is not None and n > 0:
                    most = int(n)
            terms = r.get(TERMS)
            return list(terms[:most]) if terms else None  # type: ignore[return-value]
        return matched
    if fname not in _FUNCS:
        raise SearchError(f"Unknown function name '{name}'")
    if fname == "exists" and len(args) == 1 and isinstance(args[0], _Prop):
        prop = args[0].name  # the one place a missing property is not an error; a null one exists
        return lambda r: float(r.get(prop) is not None)
    func, fewest, most = _FUNCS[fname]
    if not arity_when_called and (len(args) < fewest or (most >= 0 and len(args) > most)):
        raise SearchError(_ARITY_ERRORS.get(fname, f"Invalid arguments for function '{fname}'"))
    if fname == "to_str" and len(args) == 1 and getattr(args[0], "makes_string", False):
        # RediSearch 2.10's to_str of another function's new string (upper, substr, format, to_str ...)
        # hands back a reference to a value its evaluator then frees: the result is null
        inner = args[0]

        def freed(r: Mapping[str, Any]) -> Value:
            made = inner(r)
            return None if isinstance(made, str) else _plain_str(made)
        return freed

    def run(r: Mapping[str, Any]) -> Value:
        values = [a(r) for a in args]
        if len(values) < fewest or (most >= 0 and len(values) > most):
            raise SearchError(_ARITY_ERRORS.get(fname, f"Invalid arguments for function '{fname}'"))
        return func(*values)
    run.makes_string = fname in _NEW_STRINGS  # type: ignore[attr-defined]
    return run


# The functions whose result is a string they make (what to_str then loses).
_NEW_STRINGS = frozenset({"lower", "upper", "to_str", "substr", "format", "timefmt"})


# What RediSearch says when a function gets too few or too many arguments (its C function's name for the
# math ones); the rest say "Invalid arguments for function '<name>'".
_ARITY_ERRORS = {
    **{f: f"Invalid number of arguments for {c}" for f, c in
       (("abs", "fabs"), ("ceil", "ceil"), ("floor", "floor"), ("sqrt", "sqrt"), ("log", "log"),
        ("log2", "log2"), ("exp", "exp"), ("split", "split"))},
    "format": "Need at least one argument for format",
    "timefmt": "Invalid arguments for function 'time'",
}


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
    """C's ``%`` on the operands as long long (a NaN or infinity or one out of range becomes LLONG_MIN,
    as x86 converts it): the remainder takes the dividend's sign; by 0 it is NaN."""
    x, y = _long_long(a), _long_long(b)
    if y == 0:
        return math.nan
    r = abs(x) % abs(y)
    return float(-r if x < 0 else r)


def _long_long(v: float) -> int:
    if not math.isfinite(v) or not -2.0**63 <= v < 2.0**63:
        return -2**63
    return int(v)


def _power(a: float, b: float) -> float:
    """C's pow: out of range gives an infinity, a negative base to a fractional power -nan."""
    odd = b.is_integer() and int(b) % 2 == 1
    try:
        return math.pow(a, b)
    except OverflowError:
        return -math.inf if a < 0 and odd else math.inf
    except ValueError:
        if a == 0:  # 0 to a negative power
            return math.copysign(math.inf, a) if odd else math.inf
        return NEG_NAN


def _operand(v: Value) -> float:
    """An arithmetic operand: a number or text strtod reads ("" is 0); anything else (other text, null, an
    array) fails the query, as RediSearch's evalOp."""
    n = to_num(v)
    if n is None:
        raise SearchError("Could not convert value to a number")
    return n


class _Arith:
    """``a op b``: both operands as numbers (an error where one is no number), the result of C's arithmetic
    (NaN where Python would raise)."""

    __slots__ = ("a", "b", "op", "symbol")

    def __init__(self, symbol: str, op: Callable[[float, float], float], a: Callable[[Mapping[str, Any]], Value],
                 b: Callable[[Mapping[str, Any]], Value]) -> None:
        self.symbol, self.op, self.a, self.b = symbol, op, a, b

    def __call__(self, r: Mapping[str, Any]) -> Value:
        left, right = self.a(r), self.b(r)  # (both read before either converts: the first error wins)
        x, y = _operand(left), _operand(right)
        try:
            return self.op(x, y)
        except (OverflowError, ZeroDivisionError, ValueError):
            return math.nan


class _Const:
    """A number literal."""

    __slots__ = ("value",)

    def __init__(self, value: float) -> None:
        self.value = value

    def __call__(self, r: Mapping[str, Any]) -> Value:
        return self.value


def vectorised(expr: Expr) -> Callable[[Mapping[str, np.ndarray]], np.ndarray] | None:
    """The expression over columns, when it is ``+ - * /`` of properties and numbers alone: a function of
    each property's values (float64 arrays, every row a number) giving what evaluate() gives row by row;
    None for any other expression."""
    def build(node: Any) -> Callable[[Mapping[str, np.ndarray]], np.ndarray] | None:
        if isinstance(node, _Const):
            value = np.float64(node.value)
            return lambda cols: value  # type: ignore[return-value]
        if isinstance(node, _Prop):
            name = node.name
            return lambda cols: cols[name]
        if isinstance(node, _Arith) and node.symbol in "+-*/":
            a, b = build(node.a), build(node.b)
            if a is None or b is None:
                return None
            if node.symbol == "+":
                return lambda cols: np.add(a(cols), b(cols))
            if node.symbol == "-":
                return lambda cols: np.subtract(a(cols), b(cols))
            if node.symbol == "*":
                return lambda cols: np.multiply(a(cols), b(cols))

            def divide(cols: Mapping[str, np.ndarray]) -> np.ndarray:
                x, y = np.broadcast_arrays(a(cols), b(cols))
                out = np.full(x.shape, np.nan)
                np.divide(x, y, out=out, where=y != 0)  # C's a / b, NaN by 0 as evaluate() has it
                return out
            return divide
        return None

    if isinstance(expr.fn, _Prop | _Const):  # a bare property is a reference, a bare number no column work
        return None
    return build(expr.fn)


def compare_values(x: Any, y: Any, strict: bool = True) -> int:
    """RediSearch's RSValue_Cmp of two expression values (float, str, list, None for null): numbers by
    value (NaN equal to anything), strings bytewise, a null below anything else, a number against a
    string by the string's number; text that is no number fails (``strict``, an expression) or compares
    as text (a sorter without an error to set)."""
    if type(x) is type(y) or (isinstance(x, str) and isinstance(y, str)):
        if isinstance(x, float):
            return 1 if x > y else (-1 if x < y else 0)
        if isinstance(x, str):
            return 1 if x > y else (-1 if x < y else 0)
        if isinstance(x, list):
            return compare_values(x[0], y[0], strict) if x and y else len(x) - len(y)
        return 0
    if x is None:
        return -1
    if y is None:
        return 1
    if isinstance(x, float) or isinstance(y, float):
        other = y if isinstance(x, float) else x
        n = to_num(other)
        if n is not None:
            return compare_values(x, n) if isinstance(x, float) else compare_values(n, y)
        if strict:
            raise SearchError(f"Error converting string '{other if isinstance(other, str) else '(null)'}' to number")
    sx, sy = _cmp_text(x), _cmp_text(y)
    return 1 if sx > sy else (-1 if sx < sy else 0)


def _cmp_text(v: Any) -> str:
    """RSValue_ConvertStringPtrLen: strings as they are, numbers as %f, anything else empty."""
    if isinstance(v, str):
        return v
    if isinstance(v, float):
        return "%f" % v
    return ""


def values_equal(x: Any, y: Any) -> bool:
    """RSValue_Equal: as compare_values, except that a null equals only a null and text that is no number
    is not equal to a number (no error)."""
    if type(x) is type(y) or (isinstance(x, str) and isinstance(y, str)):
        return compare_values(x, y, strict=False) == 0
    if x is None or y is None:
        return False
    if isinstance(x, float) or isinstance(y, float):
        n = to_num(y if isinstance(x, float) else x)
        if n is None:
            return False
        return compare_values(x, n) == 0 if isinstance(x, float) else compare_values(n, y) == 0
    return _cmp_text(x) == _cmp_text(y)


def _compare(op: str, a: Callable[[Mapping[str, Any]], Value],
             b: Callable[[Mapping[str, Any]], Value]) -> Callable[[Mapping[str, Any]], Value]:
    def run(r: Mapping[str, Any]) -> Value:
        x, y = a(r), b(r)
        if op == "==":
            return float(values_equal(x, y))
        if op == "!=":
            return float(not values_equal(x, y))
        c = compare_values(x, y)
        if op == "<":
            return float(c < 0)
        if op == "<=":
            return float(c <= 0)
        if op == ">":
            return float(c > 0)
        return float(c >= 0)
    return run


def is_reference(expr: Expr) -> bool:
    """Whether the expression is a bare property (``@n``): RediSearch's value for it is a reference."""
    return isinstance(expr.fn, _Prop)


def parse_expr(text: str, arity_when_called: bool = False) -> Expr:
    """``text`` parsed; ``arity_when_called``: a function's number of arguments is checked when it is called
    (FT.AGGREGATE, as RediSearch), not when it is parsed."""
    p = _Parser(text, arity_when_called)
    fn = p.parse()
    return Expr(fn, frozenset(p.props), text, tuple(p.props))
