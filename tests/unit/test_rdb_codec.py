"""RDB codec units: CRC-64/Jones, LZF, compact encodings and a keyspace round trip through the writer
and the reader (every value type, expiry, several databases)."""

from __future__ import annotations

import math
import os
import struct
from collections import deque

import pytest

from redvector.keyspace.database import Keyspace
from redvector.keyspace.types import ZSet
from redvector.persistence.rdb import RdbError, dump_keyspace, load_rdb
from redvector.persistence.rdb.compact import intset_members, listpack_entries, ziplist_entries
from redvector.persistence.rdb.crc64 import crc64, crc64_py
from redvector.persistence.rdb.lzf import LzfError, lzf_decompress


def test_crc64_matches_redis_test_vector() -> None:
    assert crc64(b"123456789") == 0xE9C6D914C4B8D9CA  # Redis's crc64.c self-test value


@pytest.mark.parametrize("size", [0, 1, 65535, 65536, 200_003, 1_000_000])
def test_parallel_crc64_equals_bytewise(size: int) -> None:
    data = os.urandom(size)
    assert crc64(data) == crc64_py(0, data)


def test_lzf_literals_and_overlapping_back_references() -> None:
    # "abcabcabcabc": 3 literals, then a back reference of length 9 at distance 3 (overlapping)
    compressed = bytes([2]) + b"abc" + bytes([(7 << 5) | 0, 9 - 2 - 7, 2])
    assert lzf_decompress(compressed, 12) == b"abcabcabcabc"
    with pytest.raises(LzfError):
        lzf_decompress(compressed, 13)


def _listpack(entries: list[bytes]) -> bytes:
    body = b""
    for e in entries:
        enc = bytes([0x80 | len(e)]) + e
        body += enc + bytes([len(enc)])
    total = 6 + len(body) + 1
    return struct.pack("<IH", total, len(entries)) + body + b"\xff"


def test_listpack_strings_and_small_ints() -> None:
    blob = _listpack([b"a", b"hello"])
    # a 7-bit uint (5) and a 13-bit negative int (-100)
    extra = bytes([5, 1]) + bytes([0xC0 | ((-100 + 8192) >> 8), (-100 + 8192) & 0xFF, 2])
    blob = struct.pack("<IH", len(blob) + len(extra), 4) + blob[6:-1] + extra + b"\xff"
    assert listpack_entries(blob) == [b"a", b"hello", b"5", b"-100"]


def test_ziplist_and_intset() -> None:
    entries = bytes([0, 2]) + b"hi" + bytes([4, 0xF1 + 7]) + bytes([2, 0xC0]) + struct.pack("<h", -300)
    blob = struct.pack("<IIH", 11 + len(entries), 0, 3) + entries + b"\xff"
    assert ziplist_entries(blob) == [b"hi", b"7", b"-300"]
    assert intset_members(struct.pack("<II", 2, 3) + struct.pack("<3h", -1, 5, 300)) == [b"-1", b"5", b"300"]


def _sample_keyspace() -> Keyspace:
    ks = Keyspace(4)
    db0 = ks.databases[0]
    db0.data[b"str"] = b"hello"
    db0.data[b"int"] = b"-123456"
    db0.data[b"not-int"] = b"007"
    db0.data[b"big"] = os.urandom(70000)
    db0.data[b"list"] = deque([b"a", b"1", b"", b"x" * 20000])
    db0.data[b"hash"] = {b"f": b"v", b"n": b"12"}
    db0.data[b"set"] = {b"1", b"two", b"3"}
    z = ZSet()
    for member, score in [(b"a", 1.5), (b"b", -math.inf), (b"c", math.inf), (b"d", 1e-300)]:
        z.add(member, score)
    db0.data[b"zset"] = z
    db0.expires[b"str"] = 4102444800123
    ks.databases[3].data[b"db3"] = b"three"
    return ks


def _load(image: bytes) -> dict[tuple[int, bytes], tuple[object, int | None]]:
    out: dict[tuple[int, bytes], tuple[object, int | None]] = {}

    def on_entry(db: int, key: bytes, value: object, expire_at_ms: int | None) -> None:
        if isinstance(value, ZSet):
            value = list(value)
        out[(db, key)] = (value, expire_at_ms)

    load_rdb(image, on_entry)
    return out


def test_writer_reader_round_trip() -> None:
    ks = _sample_keyspace()
    image = dump_keyspace(ks, [(b"redvector-test", b"aux value")])
    assert image.startswith(b"REDIS0010")
    loaded = _load(image)
    expected = {}
    for db in ks.databases:
        for key, value in db.data.items():
            expected[(db.index, key)] = (list(value) if isinstance(value, ZSet) else value, db.expires.get(key))
    assert loaded == expected


def test_reader_reports_bad_checksum_and_truncation_with_offsets() -> None:
    image = bytearray(dump_keyspace(_sample_keyspace()))
    image[20] ^= 0xFF
    with pytest.raises(RdbError, match=r"checksum|offset"):
        _load(bytes(image))
    with pytest.raises(RdbError, match="unexpected end of file"):
        _load(bytes(dump_keyspace(_sample_keyspace())[:-200]))
    with pytest.raises(RdbError, match="bad magic"):
        _load(b"NOTRDB0010")
