"""Writing RDB version 10 (what Redis 7.0 writes): loadable by redis-server 7.0+ and redis-check-rdb.

Values use the plain (non-compact) encodings, which every Redis version reads and converts to its own
compact encodings on load. Strings that are the canonical text of a 32-bit integer use Redis's integer
encoding, as Redis does. The checksum is CRC-64/Jones over everything before it.
"""

from __future__ import annotations

import logging
import struct
from collections import deque
from collections.abc import Iterable
from typing import Any

from redvector.keyspace.database import Keyspace
from redvector.keyspace.types import ZSet
from redvector.keyspace.types.json_value import JsonValue, dumps
from redvector.keyspace.types.stream import Stream
from redvector.keyspace.types.suggestions import SuggestionTrie
from redvector.persistence.rdb import constants as c
from redvector.persistence.rdb.crc64 import crc64
from redvector.persistence.rdb.encoding import encode_length, encode_ms, encode_string
from redvector.persistence.rdb.stream_codec import encode_stream
from redvector.persistence.rdb.trie_codec import encode_trie

log = logging.getLogger("redvector.rdb")

_PACK_DOUBLE = struct.Struct("<d").pack
_OP_EXPIRE = bytes([c.OP_EXPIRETIME_MS])
_T_STRING = bytes([c.TYPE_STRING])
_T_LIST = bytes([c.TYPE_LIST])
_T_SET = bytes([c.TYPE_SET])
_T_HASH = bytes([c.TYPE_HASH])
_T_ZSET_2 = bytes([c.TYPE_ZSET_2])
_T_MODULE_2 = bytes([c.TYPE_MODULE_2])
_T_HASH_METADATA = bytes([c.TYPE_HASH_METADATA])
_T_STREAM_3 = bytes([c.TYPE_STREAM_LISTPACKS_3])
_JSON_HEADER = encode_length(c.JSON_MODULE_ID) + encode_length(c.MODULE_OP_STRING)
_MODULE_EOF = encode_length(c.MODULE_OP_EOF)


class RdbWriter:
    """Builds an RDB image in memory; ``finish`` appends EOF and the checksum."""

    def __init__(self, version: int = c.RDB_VERSION) -> None:
        self.out = bytearray(b"REDIS%04d" % version)
        self.version = version  # raised by ``entry`` for a type an older version lacks (see needed_version)
        self.skipped = 0

    def aux(self, key: bytes, value: bytes) -> None:
        if key == c.FUNCTION_LIBRARY:  # a function library: Redis's function record
            self.out += bytes([c.OP_FUNCTION2]) + encode_string(value)
            return
        self.out += bytes([c.OP_AUX]) + encode_string(key) + encode_string(value)

    def select_db(self, index: int, keys: int, expires: int) -> None:
        self.out += bytes([c.OP_SELECTDB]) + encode_length(index)
        self.out += bytes([c.OP_RESIZEDB]) + encode_length(keys) + encode_length(expires)

    def entry(self, key: bytes, value: Any, expire_at_ms: int | None,
              field_deadlines: dict[bytes, int] | None = None) -> None:
        encoded = encode_hash_with_ttls(value, field_deadlines) if field_deadlines else encode_value(value)
        if encoded is None:
            self.skipped += 1
            log.warning("key %r holds a %s, which RDB cannot store: skipped", key, type(value).__name__)
            return
        type_byte, body = encoded
        out = self.out
        needed = needed_version(type_byte)
        if needed > self.version:
            self.version = needed
            out[5:9] = b"%04d" % needed
        if expire_at_ms is not None:
            out += _OP_EXPIRE + encode_ms(expire_at_ms)
        out += type_byte
        out += encode_string(key)
        out += body

    def finish(self, checksum: bool = True) -> bytes:
        self.out.append(c.OP_EOF)
        value = crc64(self.out) if checksum else 0
        self.out += value.to_bytes(8, "little")
        return bytes(self.out)


def encode_value(value: Any) -> tuple[bytes, bytes] | None:
    """(type byte, serialized value) in RDB's plain encodings, or None for a type RDB cannot store."""
    kind = type(value)
    if kind is bytes:
        return _T_STRING, encode_string(value)
    if kind is dict:
        parts = [encode_length(len(value))]
        for field, item in value.items():
            parts.append(encode_string(field))
            parts.append(encode_string(item))
        return _T_HASH, b"".join(parts)
    if kind is set:
        parts = [encode_length(len(value))]
        parts.extend(encode_string(member) for member in value)
        return _T_SET, b"".join(parts)
    if kind is deque:
        parts = [encode_length(len(value))]
        parts.extend(encode_string(item) for item in value)
        return _T_LIST, b"".join(parts)
    if kind is ZSet:
        parts = [encode_length(len(value))]
        # Redis writes from the highest score down so that loading inserts at the skiplist head.
        for score, member in reversed(value.order):
            parts.append(encode_string(member))
            parts.append(_PACK_DOUBLE(score))
        return _T_ZSET_2, b"".join(parts)
    if kind is JsonValue:
        # RedisJSON 2.x's own encoding, so Redis Stack and RedVector read each other's JSON keys.
        return _T_MODULE_2, _JSON_HEADER + encode_string(dumps(value.root)) + _MODULE_EOF
    if kind is SuggestionTrie:  # RediSearch's trietype0 encoding (FT.SUGADD dictionaries)
        return _T_MODULE_2, encode_trie(value)
    if kind is Stream:  # Redis 7.2+'s stream layout (listpack nodes, consumer active times)
        return _T_STREAM_3, encode_stream(value)
    return None


def encode_hash_with_ttls(value: dict[bytes, bytes], deadlines: dict[bytes, int]) -> tuple[bytes, bytes]:
    """RDB_TYPE_HASH_METADATA (Redis 7.4, RDB 12): the earliest deadline, then per field its TTL as a
    length (0: none, else deadline - earliest + 1), the field and the value."""
    earliest = min(deadlines.values())
    parts = [encode_ms(earliest), encode_length(len(value))]
    for field, item in value.items():
        at = deadlines.get(field)
        parts.append(encode_length(0 if at is None else at - earliest + 1))
        parts.append(encode_string(field))
        parts.append(encode_string(item))
    return _T_HASH_METADATA, b"".join(parts)


def needed_version(type_byte: bytes) -> int:
    """The RDB version a value type needs: 10 (Redis 7.0) for the plain encodings, 11 (Redis 7.2) for
    streams' type 21, 12 (Redis 7.4) for hashes with field TTLs (type 24)."""
    if type_byte == _T_HASH_METADATA:
        return c.RDB_VERSION_FIELD_TTLS
    if type_byte == _T_STREAM_3:
        return c.RDB_VERSION_STREAMS_3
    return c.RDB_VERSION


def dump_keyspace(keyspace: Keyspace, aux: Iterable[tuple[bytes, bytes]] = (), checksum: bool = True) -> bytes:
    """The whole keyspace as one RDB image (the caller decides where and how it is written). Version 10
    (Redis 7.0 reads it) unless a value needs a newer one (``needed_version``)."""
    writer = RdbWriter()
    for key, value in aux:
        writer.aux(key, value)
    for db in keyspace.databases:
        if not db.data:
            continue
        writer.select_db(db.index, len(db.data), len(db.expires))
        expires = db.expires
        entry = writer.entry
        by_key = db.field_ttls.by_key
        for key, value in db.data.items():
            deadlines = by_key.get(key) if by_key else None
            entry(key, value, expires.get(key) if expires else None,
                  deadlines.at if deadlines is not None and deadlines.hash is value else None)
    return writer.finish(checksum)
