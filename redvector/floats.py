"""Doubles read as Redis reads them (strtod behind string2d), for every layer: RediSearch's NUMERIC values
go through the same function as the commands' float arguments."""

from __future__ import annotations

import math
import re

# strtod's hexadecimal form (C99), which Python's float() does not read: 0x1p3, -0X.8, 0x10.
_HEX_FLOAT = re.compile(rb"[+-]?0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)(?:[pP][+-]?[0-9]+)?")
_SPACE = b" \t\n\r\v\f"


def hex_float(arg: bytes) -> float | None:
    """``arg`` read as strtod reads a hexadecimal float, None if it is not one (the rare path of the
    float parsers: they try float() first)."""
    if _HEX_FLOAT.fullmatch(arg) is None:
        return None
    try:
        return float.fromhex(arg.decode("ascii"))
    except OverflowError:  # strtod gives HUGE_VAL
        return -math.inf if arg[:1] == b"-" else math.inf


def string2d(raw: bytes) -> float | None:
    """Redis's string2d: the whole of ``raw`` read by strtod (decimal or hexadecimal, inf/infinity), None
    when it is empty, starts with a space, has anything after the number (Python's float() also takes
    surrounding spaces and ``1_000``), is NaN, or overflows or underflows to zero (ERANGE): ``1e400`` and
    ``1e-400`` are refused, ``inf`` is not."""
    value: float | None
    try:
        value = float(raw)
    except ValueError:
        value = hex_float(raw)  # (None for anything else; a hexadecimal's range is checked below)
        if value is None:
            return None
    else:
        if raw[0] in _SPACE or raw[-1] in _SPACE or b"_" in raw or value != value:
            return None
    if value in (math.inf, -math.inf):
        return value if raw.lstrip(b"+-")[:3].lower() == b"inf" else None
    if value == 0.0 and _nonzero_mantissa(raw):
        return None
    return value


def _nonzero_mantissa(raw: bytes) -> bool:
    """Whether a number that read as 0 has a nonzero digit before its exponent (so it underflowed)."""
    text = raw.lower()
    if text.lstrip(b"+-").startswith(b"0x"):
        mantissa = text.lstrip(b"+-")[2:].split(b"p")[0]
        return any(c not in b"0." for c in mantissa)
    mantissa = text.split(b"e")[0]
    return any(c in b"123456789" for c in mantissa)
