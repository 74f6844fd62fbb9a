"""How Redis 7.4's config.c reads directive values, for ``redvector.config``'s table.

The readers here are Redis's: ``string2ll`` (strict integers), ``memtoull`` (memory values), ``strtoll`` (the
lenient one ``save`` and ``client-output-buffer-limit`` use), ``string2d`` (percentiles), and the multi-word
values (``save``, ``client-output-buffer-limit``, ``latency-tracking-info-percentiles``,
``notify-keyspace-events``). Each raises ValueError with the text Redis puts after "CONFIG SET failed
(possibly related to argument '...') - ".
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

LLONG_MIN, LLONG_MAX = -(2**63), 2**63 - 1
INT_MIN, INT_MAX = -(2**31), 2**31 - 1
ULLONG = 2**64

_UNITS = {
    "": 1, "b": 1, "k": 1000, "kb": 1024, "m": 1000**2, "mb": 1024**2, "g": 1000**3, "gb": 1024**3,
}
_STRING2LL = re.compile(r"0|-?[1-9][0-9]*")
_STRTOLL = re.compile(r"[ \t\n\v\f\r]*([+-]?[0-9]+)")
_DECIMAL = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")
_HEX = re.compile(r"[+-]?0[xX]([0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)([pP][+-]?[0-9]+)?")
_INF = re.compile(r"[+-]?(inf|infinity)", re.IGNORECASE)


def string2ll(text: str) -> int | None:
    """Redis's string2ll: '0' or an optional '-' and digits without a leading zero, fewer than 21
    characters, within a signed 64-bit integer; no '+', spaces or other forms. None when not."""
    if len(text) >= 21 or not _STRING2LL.fullmatch(text):
        return None
    value = int(text)
    return value if LLONG_MIN <= value <= LLONG_MAX else None


def strtoll(text: str) -> int | None:
    """strtoll(s, &end, 10) with ``*end == '\\0'`` required: leading whitespace and a sign allowed, the
    value saturated to the 64-bit range; the empty string reads 0 (as the C call does). None when not."""
    if text == "":
        return 0
    m = _STRTOLL.fullmatch(text)
    if m is None:
        return None
    return max(LLONG_MIN, min(LLONG_MAX, int(m.group(1))))


def parse_memory(text: str) -> int:
    """Redis's memtoull: ASCII digits (none reads 0) and an optional unit (b, k, kb, m, mb, g, gb, any
    case); no sign or spaces; past 2^64-1 the digits read as 2^64-1 (strtoull) and the unit's product wraps."""
    end = 0
    while end < len(text) and "0" <= text[end] <= "9":
        end += 1
    mul = _UNITS.get(text[end:].lower())
    if mul is None or text[:1] == "-":
        raise ValueError("argument must be a memory value")
    value = min(int(text[:end]) if end else 0, ULLONG - 1)
    return value * mul % ULLONG


def string2d(text: str) -> float | None:
    """Redis's string2d (strtod of the whole string): decimal, hexadecimal or infinity; no leading
    whitespace, no NaN, no overflow to infinity or underflow to zero. None when not."""
    if _DECIMAL.fullmatch(text):
        value = float(text)
        digits = text.lower().split("e")[0]
        if math.isinf(value) or (value == 0 and any(c in "123456789" for c in digits)):
            return None  # ERANGE
        return value
    if _HEX.fullmatch(text):
        sign = -1.0 if text[0] == "-" else 1.0
        body = text.lstrip("+-")[2:]
        try:
            value = sign * float.fromhex("0x" + (body if "p" in body.lower() else body + "p0"))
        except OverflowError:
            return None
        return value
    if _INF.fullmatch(text):
        return float(text)
    return None


def words(text: str) -> list[str]:
    """A multi-argument value as CONFIG SET splits it: on every single space (two spaces make an empty
    word); the empty string is no words."""
    return text.split(" ") if text else []


def parse_save(text: str) -> list[tuple[int, int]]:
    """``save``: pairs of seconds (at least 1) and changes (at least 0); "" is no rules."""
    parts = words(text)
    values = [strtoll(p) for p in parts]
    if len(parts) % 2 or any(v is None or v < (0 if i % 2 else 1) for i, v in enumerate(values)):
        raise ValueError("Invalid save parameters")
    return [(int(values[i] or 0), _c_int(int(values[i + 1] or 0))) for i in range(0, len(values), 2)]


def render_save(rules: list[tuple[int, int]]) -> str:
    return " ".join(f"{s} {c}" for s, c in rules)


def _c_int(value: int) -> int:
    """A 64-bit value stored in a C int (the low 32 bits, signed)."""
    return (value + 2**31) % 2**32 - 2**31


# client-output-buffer-limit: class name as written -> the class Redis reports it under
_OBUF_CLASSES = {"normal": "normal", "slave": "slave", "replica": "slave", "pubsub": "pubsub"}
ObufLimits = dict[str, tuple[int, int, int]]  # class -> (hard bytes, soft bytes, soft seconds)


def parse_obuf_limits(text: str) -> ObufLimits:
    """``client-output-buffer-limit``: ``<class> <hard> <soft> <soft seconds>`` groups; the classes given."""
    parts = words(text)
    if len(parts) % 4:
        raise ValueError("Wrong number of arguments in buffer limit configuration.")
    out: ObufLimits = {}
    for i in range(0, len(parts), 4):
        cls = _OBUF_CLASSES.get(parts[i].lower())
        if cls is None:
            raise ValueError("Invalid client class specified in buffer limit configuration.")
        seconds = strtoll(parts[i + 3])
        try:
            hard, soft = parse_memory(parts[i + 1]), parse_memory(parts[i + 2])
        except ValueError:
            seconds = None
        if seconds is None or _c_int(seconds) < 0:
            raise ValueError("Error in hard, soft or soft_seconds setting in buffer limit configuration.")
        out[cls] = (hard, soft, _c_int(seconds))
    return out


def merge_obuf_limits(current: ObufLimits | None, given: ObufLimits) -> ObufLimits:
    """The classes given replace theirs; the others keep their limits (as Redis updates them)."""
    return {**(current or {}), **given}


def render_obuf_limits(limits: ObufLimits) -> str:
    return " ".join(f"{cls} {h} {s} {sec}" for cls in ("normal", "slave", "pubsub")
                    for h, s, sec in [limits.get(cls, (0, 0, 0))])


def parse_percentiles(text: str) -> list[float]:
    """``latency-tracking-info-percentiles``: numbers between 0 and 100 ("" is none)."""
    values = []
    for word in words(text):
        value = string2d(word)
        if value is None:
            raise ValueError("Invalid latency-tracking-info-percentiles parameters")
        if not 0.0 <= value <= 100.0:
            raise ValueError("latency-tracking-info-percentiles parameters should sit between [0.0,100.0]")
        values.append(value)
    return values


def render_percentile(value: float) -> str:
    """A percentile as Redis writes it (%f, trailing zeros and point trimmed)."""
    return ("%f" % value).rstrip("0").rstrip(".")


def render_percentiles(values: list[float]) -> str:
    return " ".join(render_percentile(v) for v in values)


_EVERY_CLASS = "g$lshzxetd"  # what 'A' stands for (neither 'n' nor 'm')


def parse_notify(text: str) -> str:
    """``notify-keyspace-events``, kept as ``A`` or the type classes in Redis's order, then ``n``, ``K``, ``E``,
    ``m`` (the flags Redis keeps; ``render_notify`` gives what CONFIG GET shows)."""
    if not set(text) <= set("KEg$lshzxetdmnA"):
        raise ValueError("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.")
    classes = set(_EVERY_CLASS) if "A" in text else set(text)
    out = "A" if classes >= set(_EVERY_CLASS) else "".join(c for c in _EVERY_CLASS if c in classes)
    return out + "".join(c for c in "nKEm" if c in text)


def render_notify(value: str) -> str:
    """keyspaceEventsFlagsToString: with every class on ('A'), the 'n' flag is not shown."""
    return value.replace("n", "") if value.startswith("A") else value


def enum(*choices: str) -> Callable[[str], str]:
    """One of ``choices`` (any case), kept in lower case; the error lists them in the given order."""
    error = "argument(s) must be one of the following: " + ", ".join(choices)

    def parse(text: str) -> str:
        t = text.lower()
        if t not in choices:
            raise ValueError(error)
        return t

    return parse


def parse_bool(text: str) -> bool:
    t = text.lower()
    if t == "yes":
        return True
    if t == "no":
        return False
    raise ValueError("argument must be 'yes' or 'no'")


def render_bool(value: bool) -> str:
    return "yes" if value else "no"
