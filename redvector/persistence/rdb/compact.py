"""Decoders for Redis's compact blobs inside RDB values: listpack, ziplist, intset and zipmap.

Redis stores small hashes, sets, sorted sets and list nodes as one string holding one of these
encodings; each decoder returns the elements in order as bytes (integers as their decimal text).
"""

from __future__ import annotations

import struct

_U16 = struct.Struct("<H").unpack_from
_U32 = struct.Struct("<I").unpack_from
_I16 = struct.Struct("<h").unpack_from
_I32 = struct.Struct("<i").unpack_from
_I64 = struct.Struct("<q").unpack_from
_U32_BE = struct.Struct(">I").unpack_from


class CompactError(ValueError):
    pass


def _i24(blob: bytes, p: int) -> int:
    return int.from_bytes(blob[p:p + 3], "little", signed=True)


def listpack_entries(blob: bytes) -> list[bytes]:
    """All elements of a listpack (header: total bytes u32, count u16; 0xFF terminator)."""
    if len(blob) < 7:
        raise CompactError("listpack too short")
    (total,) = _U32(blob, 0)
    if total != len(blob):
        raise CompactError("listpack size mismatch")
    out: list[bytes] = []
    append = out.append
    p = 6
    end = total - 1
    while p < end:
        b = blob[p]
        if b < 0x80:  # 7-bit unsigned int
            append(b"%d" % b)
            entry_len = 1
        elif b < 0xC0:  # 6-bit string length
            n = b & 0x3F
            append(blob[p + 1:p + 1 + n])
            entry_len = 1 + n
        elif b < 0xE0:  # 13-bit signed int
            v = ((b & 0x1F) << 8) | blob[p + 1]
            if v >= 4096:
                v -= 8192
            append(b"%d" % v)
            entry_len = 2
        elif b < 0xF0:  # 12-bit string length
            n = ((b & 0x0F) << 8) | blob[p + 1]
            append(blob[p + 2:p + 2 + n])
            entry_len = 2 + n
        elif b == 0xF0:  # 32-bit string length
            (n,) = _U32(blob, p + 1)
            append(blob[p + 5:p + 5 + n])
            entry_len = 5 + n
        elif b == 0xF1:
            append(b"%d" % _I16(blob, p + 1)[0])
            entry_len = 3
        elif b == 0xF2:
            append(b"%d" % _i24(blob, p + 1))
            entry_len = 4
        elif b == 0xF3:
            append(b"%d" % _I32(blob, p + 1)[0])
            entry_len = 5
        elif b == 0xF4:
            append(b"%d" % _I64(blob, p + 1)[0])
            entry_len = 9
        else:
            raise CompactError(f"bad listpack entry encoding 0x{b:02x}")
        # The backlen that follows each entry takes 1..5 bytes depending on entry_len.
        if entry_len < 128:
            backlen = 1
        elif entry_len < 16384:
            backlen = 2
        elif entry_len < 2097152:
            backlen = 3
        elif entry_len < 268435456:
            backlen = 4
        else:
            backlen = 5
        p += entry_len + backlen
    if p != end or blob[end] != 0xFF:
        raise CompactError("listpack not terminated")
    return out


def ziplist_entries(blob: bytes) -> list[bytes]:
    """All elements of a ziplist (header: bytes u32, tail offset u32, count u16; 0xFF terminator)."""
    if len(blob) < 11:
        raise CompactError("ziplist too short")
    out: list[bytes] = []
    append = out.append
    p = 10
    n_blob = len(blob)
    while p < n_blob and blob[p] != 0xFF:
        p += 5 if blob[p] == 0xFE else 1  # prevlen
        b = blob[p]
        top = b >> 6
        if top == 0:
            n = b & 0x3F
            append(blob[p + 1:p + 1 + n])
            p += 1 + n
        elif top == 1:
            n = ((b & 0x3F) << 8) | blob[p + 1]
            append(blob[p + 2:p + 2 + n])
            p += 2 + n
        elif top == 2:
            (n,) = _U32_BE(blob, p + 1)
            append(blob[p + 5:p + 5 + n])
            p += 5 + n
        elif b == 0xC0:
            append(b"%d" % _I16(blob, p + 1)[0])
            p += 3
        elif b == 0xD0:
            append(b"%d" % _I32(blob, p + 1)[0])
            p += 5
        elif b == 0xE0:
            append(b"%d" % _I64(blob, p + 1)[0])
            p += 9
        elif b == 0xF0:
            append(b"%d" % _i24(blob, p + 1))
            p += 4
        elif b == 0xFE:
            v = blob[p + 1]
            append(b"%d" % (v - 256 if v > 127 else v))
            p += 2
        elif 0xF1 <= b <= 0xFD:  # immediate 0..12
            append(b"%d" % ((b & 0x0F) - 1))
            p += 1
        else:
            raise CompactError(f"bad ziplist entry encoding 0x{b:02x}")
    if p >= n_blob:
        raise CompactError("ziplist not terminated")
    return out


def intset_members(blob: bytes) -> list[bytes]:
    """An intset: encoding u32 (2, 4 or 8 bytes per integer), length u32, sorted little-endian ints."""
    if len(blob) < 8:
        raise CompactError("intset too short")
    width, count = _U32(blob, 0)[0], _U32(blob, 4)[0]
    fmt = {2: "h", 4: "i", 8: "q"}.get(width)
    if fmt is None or len(blob) != 8 + width * count:
        raise CompactError("bad intset header")
    return [b"%d" % v for v in struct.unpack_from(f"<{count}{fmt}", blob, 8)]


def zipmap_pairs(blob: bytes) -> list[bytes]:
    """A zipmap (Redis < 2.6 hashes): alternating field and value, as a flat list."""
    out: list[bytes] = []
    p = 1

    def length() -> int:
        nonlocal p
        b = blob[p]
        if b < 254:
            p += 1
            return b
        if b == 254:
            (n,) = _U32(blob, p + 1)
            p += 5
            return int(n)
        raise CompactError("zipmap end inside an entry")

    while blob[p] != 0xFF:
        n = length()
        out.append(blob[p:p + n])
        p += n
        n = length()
        free = blob[p]
        p += 1
        out.append(blob[p:p + n])
        p += n + free
    return out
