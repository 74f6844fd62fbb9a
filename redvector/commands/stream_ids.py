"""Stream id arguments as Redis parses them (streamGenericParseIDOrReply): ``ms-seq``, ``ms`` (the missing
seq filled in), ``-`` / ``+`` where allowed, ``ms-*`` for XADD, and XRANGE's exclusive ``(`` bounds.

Each half is read as Redis's string2ull reads it: a canonical integer, or else strtoull's grammar
(leading spaces, a sign, leading zeros: ``" 21"`` and ``01`` are accepted, as in Redis).
"""

from __future__ import annotations

from redvector.commands.args import INT64_MAX, INT64_MIN
from redvector.errors import RedVectorError
from redvector.keyspace.types.stream import MAX_ID, U64, format_id

INVALID_ID_MSG = "Invalid stream ID specified as stream command argument"


class InvalidStreamId(RedVectorError):
    def __init__(self) -> None:
        super().__init__(INVALID_ID_MSG)


_SPACES = b" \t\n\v\f\r"


def _string2ll(text: bytes) -> int | None:
    digits = text[1:] if text[:1] == b"-" else text
    if not digits.isdigit() or len(digits) > 19 or (digits[0] == 48 and (len(digits) > 1 or len(text) > 1)):
        return None
    value = int(text)
    return value if INT64_MIN <= value <= INT64_MAX else None


def string2ull(text: bytes) -> int | None:
    """Redis's string2ull: an unsigned 64-bit integer, or None."""
    if text.isdigit() and len(text) < 20 and (text[0] != 48 or len(text) == 1):
        return int(text)  # the common case: canonical digits that fit
    value = _string2ll(text)
    if value is not None:
        return None if value < 0 else value
    body = text.lstrip(_SPACES)
    negative = body[:1] == b"-"
    if body[:1] in (b"-", b"+"):
        body = body[1:]
    if not body or not body.isdigit():
        return None
    number = int(body)
    if number > U64:
        return None  # ERANGE
    return (-number) & U64 if negative else number


def parse_id(arg: bytes, missing_seq: int = 0, strict: bool = False, allow_auto_seq: bool = False) -> tuple[int, bool]:
    """(id, seq_given). ``strict`` refuses ``-`` and ``+``; ``allow_auto_seq`` accepts XADD's ``ms-*``
    (seq_given False, the id's seq 0)."""
    nul = arg.find(b"\0")
    if nul >= 0:
        arg = arg[:nul]  # a C string ends there
    if len(arg) > 127:
        raise InvalidStreamId()
    if arg == b"-" or arg == b"+":
        if strict:
            raise InvalidStreamId()
        return (0 if arg == b"-" else MAX_ID), True
    ms_text, dash, seq_text = arg.partition(b"-")
    ms = string2ull(ms_text)
    if ms is None:
        raise InvalidStreamId()
    if not dash:
        return (ms << 64) | missing_seq, True
    if allow_auto_seq and seq_text == b"*":
        return ms << 64, False
    seq = string2ull(seq_text)
    if seq is None:
        raise InvalidStreamId()
    return (ms << 64) | seq, True


def parse_strict_id(arg: bytes, missing_seq: int = 0) -> int:
    return parse_id(arg, missing_seq, strict=True)[0]


def parse_interval_id(arg: bytes, missing_seq: int) -> tuple[int, bool]:
    """An XRANGE bound: (id, exclusive). ``(`` makes it exclusive (then ``-``/``+`` are invalid)."""
    if len(arg) > 1 and arg[:1] == b"(":
        return parse_id(arg[1:], missing_seq, strict=True)[0], True
    return parse_id(arg, missing_seq)[0], False


def parse_range(start_arg: bytes, end_arg: bytes) -> tuple[int, int]:
    """XRANGE's start and end ids (exclusive bounds moved inward), with Redis's errors."""
    start, start_ex = parse_interval_id(start_arg, 0)
    if start_ex:
        if start == MAX_ID:
            raise RedVectorError("invalid start ID for the interval")
        start += 1
    end, end_ex = parse_interval_id(end_arg, U64)
    if end_ex:
        if end == 0:
            raise RedVectorError("invalid end ID for the interval")
        end -= 1
    return start, end


__all__ = ["INVALID_ID_MSG", "InvalidStreamId", "format_id", "parse_id", "parse_interval_id", "parse_range",
           "parse_strict_id", "string2ull"]
