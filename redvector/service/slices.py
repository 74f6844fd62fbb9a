"""Qdrant's ``slice`` condition: SipHash-2-4 (zero key) over a point id's canonical bytes, modulo ``total``.

Numeric ids hash their 8 little-endian bytes and UUIDs their 16 RFC 4122 bytes (Qdrant's ``Slice`` model and
qdrant-client 1.20's local mode). A product-API string id that is not a UUID hashes its UTF-8 bytes.
"""

from __future__ import annotations

import uuid
from functools import lru_cache

from redvector.service.models import PointId

_MASK = (1 << 64) - 1


def _rotl(x: int, b: int) -> int:
    return ((x << b) | (x >> (64 - b))) & _MASK


def _rounds(v0: int, v1: int, v2: int, v3: int, count: int) -> tuple[int, int, int, int]:
    for _ in range(count):
        v0 = (v0 + v1) & _MASK
        v1 = _rotl(v1, 13) ^ v0
        v0 = _rotl(v0, 32)
        v2 = (v2 + v3) & _MASK
        v3 = _rotl(v3, 16) ^ v2
        v0 = (v0 + v3) & _MASK
        v3 = _rotl(v3, 21) ^ v0
        v2 = (v2 + v1) & _MASK
        v1 = _rotl(v1, 17) ^ v2
        v2 = _rotl(v2, 32)
    return v0, v1, v2, v3


def siphash24(data: bytes) -> int:
    """SipHash-2-4 with a zero key (k0 = k1 = 0)."""
    v0, v1, v2, v3 = 0x736F6D6570736575, 0x646F72616E646F6D, 0x6C7967656E657261, 0x7465646279746573
    tail_start = len(data) - len(data) % 8
    for offset in range(0, tail_start, 8):
        block = int.from_bytes(data[offset:offset + 8], "little")
        v3 ^= block
        v0, v1, v2, v3 = _rounds(v0, v1, v2, v3, 2)
        v0 ^= block
    # the last block: the remaining bytes, zero-padded, with the length in the most significant byte
    block = int.from_bytes(data[tail_start:], "little") | ((len(data) & 0xFF) << 56)
    v3 ^= block
    v0, v1, v2, v3 = _rounds(v0, v1, v2, v3, 2)
    v0 ^= block
    v2 ^= 0xFF
    v0, v1, v2, v3 = _rounds(v0, v1, v2, v3, 4)
    return v0 ^ v1 ^ v2 ^ v3


def _id_bytes(point_id: PointId) -> bytes:
    if isinstance(point_id, int):
        return point_id.to_bytes(8, "little")
    if isinstance(point_id, uuid.UUID):
        return point_id.bytes
    try:
        return uuid.UUID(point_id).bytes
    except ValueError:
        return point_id.encode()


@lru_cache(maxsize=65536)
def id_hash(point_id: PointId) -> int:
    """The SipHash of a point id (cached: a scan with a slice condition hashes every id)."""
    return siphash24(_id_bytes(point_id))


__all__ = ["id_hash", "siphash24"]
