"""Argument parsing helpers with Redis's exact error messages: integers, floats, tokens, a cursor."""

from __future__ import annotations

import math

from redvector.errors import (
    NOT_FLOAT_MSG,
    NotFloat,
    NotInteger,
    RedVectorError,
    SyntaxErr,
    UnknownSubcommand,
    WrongArity,
)
from redvector.floats import hex_float
from redvector.replies import format_double

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def parse_int(arg: bytes, error: RedVectorError | None = None) -> int:
    """A strict Redis integer (string2ll): optional '-', digits, no spaces or '+', within int64."""
    digits = arg[1:] if arg[:1] == b"-" else arg
    # Only ASCII digits, no leading zero, no "-0" (Python's int() would accept " 1", "+1", "1_000").
    if not digits.isdigit() or len(digits) > 19 or (digits[0] == 48 and (len(digits) > 1 or len(arg) > 1)):
        raise error or NotInteger()
    value = int(arg)
    if not INT64_MIN <= value <= INT64_MAX:
        raise error or NotInteger()
    return value


def parse_float(arg: bytes, error: RedVectorError | None = None, allow_nan: bool = False) -> float:
    """A Redis double (strtod): accepts inf/-inf/+inf and hexadecimal floats, rejects NaN and empty or
    space-padded text."""
    try:
        # strtod accepts neither surrounding spaces nor Python's digit separators.
        if not arg or arg[0] in b" \t\r\n" or arg[-1] in b" \t\r\n" or b"_" in arg:
            raise ValueError
        value = float(arg)
    except ValueError:
        hexadecimal = hex_float(arg)
        if hexadecimal is None:
            raise error or NotFloat()
        value = hexadecimal
    if math.isnan(value) and not allow_nan:
        raise error or NotFloat()
    return value


def parse_timeout_ms(arg: bytes, in_seconds: bool = True) -> int:
    """Blocking commands' timeout: seconds as a double (sub-second precision), 0 = forever."""
    try:
        # Redis (strtold) rejects surrounding spaces; Python's float() would also take "1_0".
        if not arg or arg[0] in b" \t\r\n" or arg[-1] in b" \t\r\n" or b"_" in arg:
            raise ValueError
        value = float(arg)
    except ValueError:
        hexadecimal = hex_float(arg)
        if hexadecimal is None:
            raise RedVectorError("timeout is not a float or out of range")
        value = hexadecimal
    if math.isnan(value) or math.isinf(value):
        raise RedVectorError("timeout is not a float or out of range")
    if value < 0:
        raise RedVectorError("timeout is negative")
    return int(value * 1000) if in_seconds else int(value)


class ArgCursor:
    """Walks the arguments of a command: typed reads, upper-cased tokens, Redis errors."""

    __slots__ = ("args", "pos")

    def __init__(self, args: list[bytes], pos: int = 0) -> None:
        self.args = args
        self.pos = pos

    def __bool__(self) -> bool:
        return self.pos < len(self.args)

    def remaining(self) -> int:
        return len(self.args) - self.pos

    def peek_token(self) -> str | None:
        if self.pos >= len(self.args):
            return None
        return self.args[self.pos].decode("latin-1").upper()

    def next(self) -> bytes:
        if self.pos >= len(self.args):
            raise SyntaxErr()
        arg = self.args[self.pos]
        self.pos += 1
        return arg

    def next_token(self) -> str:
        return self.next().decode("latin-1").upper()

    def next_int(self, error: RedVectorError | None = None) -> int:
        return parse_int(self.next(), error)

    def next_float(self, error: RedVectorError | None = None) -> float:
        return parse_float(self.next(), error)

    def take_rest(self) -> list[bytes]:
        rest = self.args[self.pos :]
        self.pos = len(self.args)
        return rest


__all__ = [
    "INT64_MAX", "INT64_MIN", "NOT_FLOAT_MSG", "ArgCursor", "format_double", "hex_float", "parse_float", "parse_int",
    "parse_timeout_ms",
]


def subcommand(argv: list[bytes], arities: dict[bytes, int], container: str) -> bytes:
    """A container command's subcommand (upper case), checked against its arity (negative: at least),
    with Redis's errors: unknown subcommand, then ``wrong number of arguments for 'container|sub'``."""
    sub = argv[1].upper()
    arity = arities.get(sub)
    if arity is None:
        raise UnknownSubcommand(container, argv[1])
    if len(argv) != arity and (arity >= 0 or len(argv) < -arity):
        raise WrongArity(f"{container.lower()}|{sub.decode().lower()}")
    return sub
