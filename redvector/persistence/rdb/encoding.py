"""RDB primitives for writing: lengths, strings (with Redis's integer encodings), doubles, opcodes."""

from __future__ import annotations

import struct

from redvector.persistence.rdb.constants import ENC_INT8, ENC_INT16, ENC_INT32, LEN_32BIT, LEN_64BIT

_PACK_U32_BE = struct.Struct(">I").pack
_PACK_U64_BE = struct.Struct(">Q").pack
_PACK_I16 = struct.Struct("<h").pack
_PACK_I32 = struct.Struct("<i").pack
_PACK_DOUBLE = struct.Struct("<d").pack
_PACK_MS = struct.Struct("<q").pack

# One-byte lengths are by far the most common: precompute them.
_SMALL_LEN = [bytes([n]) for n in range(64)]


def encode_length(n: int) -> bytes:
    if n < 64:
        return _SMALL_LEN[n]
    if n < 16384:
        return bytes([0x40 | (n >> 8), n & 0xFF])
    if n <= 0xFFFFFFFF:
        return b"\x80" + _PACK_U32_BE(n)
    return bytes([LEN_64BIT]) + _PACK_U64_BE(n)


def _int_encoding(value: bytes) -> bytes | None:
    """Redis stores a string that is the canonical text of a 32-bit integer as that integer."""
    if not value or len(value) > 11:
        return None
    first = value[0]
    if not (48 <= first <= 57 or first == 45):
        return None
    try:
        n = int(value)
    except ValueError:
        return None
    if b"%d" % n != value:  # "007", "+1", " 1" stay strings
        return None
    if -128 <= n <= 127:
        return bytes([0xC0 | ENC_INT8, n & 0xFF])
    if -32768 <= n <= 32767:
        return bytes([0xC0 | ENC_INT16]) + _PACK_I16(n)
    if -(2**31) <= n < 2**31:
        return bytes([0xC0 | ENC_INT32]) + _PACK_I32(n)
    return None


def encode_string(value: bytes) -> bytes:
    encoded = _int_encoding(value)
    if encoded is not None:
        return encoded
    n = len(value)
    if n < 64:
        return _SMALL_LEN[n] + value
    return encode_length(n) + value


def encode_binary_double(value: float) -> bytes:
    return _PACK_DOUBLE(value)


def encode_ms(value: int) -> bytes:
    return _PACK_MS(value)


__all__ = ["LEN_32BIT", "encode_binary_double", "encode_length", "encode_ms", "encode_string"]
