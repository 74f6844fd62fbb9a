"""Reading RDB files (versions 1..12, as written by Redis 7.0, 7.2 and 7.4, and by RedVector).

Values come out as RedVector's keyspace types: bytes, deque, dict, set, ZSet, JsonValue (RedisJSON 2.x's
module type ReJSON-RL), Stream. Aux fields are handed to a callback (RedVector keeps its search index definitions
there); RediSearch's module aux data (its index definitions and dictionaries) goes to the same callback
as commands that re-create it (redisearch_aux.py); other module aux data is skipped safely. Other
modules' values are reported with a clear error.
"""

from __future__ import annotations

import math
import struct
from collections import deque
from collections.abc import Callable
from typing import Any

from redvector.errors import JsonError
from redvector.keyspace.field_expiry import HashWithTtls
from redvector.keyspace.types import ZSet
from redvector.keyspace.types.json_value import JsonValue, loads
from redvector.persistence.rdb import constants as c
from redvector.persistence.rdb.compact import (
    CompactError,
    intset_members,
    listpack_entries,
    ziplist_entries,
    zipmap_pairs,
)
from redvector.persistence.rdb.crc64 import crc64
from redvector.persistence.rdb.lzf import LzfError, lzf_decompress
from redvector.persistence.rdb.redisearch_aux import encode_commands, read_module_aux
from redvector.persistence.rdb.stream_codec import StreamFormatError, decode_stream
from redvector.persistence.rdb.trie_codec import TrieFormatError, decode_trie, is_trie_module

_U32_BE = struct.Struct(">I").unpack_from
_U64_BE = struct.Struct(">Q").unpack_from
_I8 = struct.Struct("<b").unpack_from
_I16 = struct.Struct("<h").unpack_from
_I32 = struct.Struct("<i").unpack_from
_I64 = struct.Struct("<q").unpack_from
_U64 = struct.Struct("<Q").unpack_from
# INT8-encoded strings by their unsigned byte: the decimal text of the signed value.
_SMALL_INT_TEXT = [b"%d" % (v - 256 if v > 127 else v) for v in range(256)]
_DOUBLE = struct.Struct("<d").unpack_from

EntryCallback = Callable[[int, bytes, Any, "int | None"], None]
AuxCallback = Callable[[bytes, bytes], None]


class RdbError(Exception):
    """A dump that cannot be read; ``offset`` is where the problem was found."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(f"{message} (at byte offset {offset})")
        self.offset = offset


class RdbReader:
    """A cursor over one RDB image held in memory."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0
        self.version = 0

    # -- primitives --------------------------------------------------------------------------------------
    def read(self, n: int) -> bytes:
        p = self.pos
        end = p + n
        if end > len(self.data):
            raise RdbError("unexpected end of file", p)
        self.pos = end
        return self.data[p:end]

    def byte(self) -> int:
        p = self.pos
        if p >= len(self.data):
            raise RdbError("unexpected end of file", p)
        self.pos = p + 1
        return self.data[p]

    def length_or_encoding(self) -> tuple[int, bool]:
        """(value, is_special_encoding): a length, or the code of an integer/LZF string encoding."""
        b = self.byte()
        kind = b >> 6
        if kind == 0:
            return b & 0x3F, False
        if kind == 1:
            return ((b & 0x3F) << 8) | self.byte(), False
        if b == c.LEN_32BIT:
            return _U32_BE(self.read(4))[0], False
        if b == c.LEN_64BIT:
            return _U64_BE(self.read(8))[0], False
        if kind == c.LEN_ENCVAL:
            return b & 0x3F, True
        raise RdbError(f"unknown length encoding 0x{b:02x}", self.pos - 1)

    def length(self) -> int:
        value, special = self.length_or_encoding()
        if special:
            raise RdbError("unexpected encoded value where a length was expected", self.pos - 1)
        return value

    def string(self) -> bytes:
        # The hot path of loading: plain length-prefixed strings, decoded inline.
        data = self.data
        p = self.pos
        if p < len(data):
            b = data[p]
            kind = b >> 6
            if kind == 0:
                start = p + 1
                end = start + (b & 0x3F)
            elif kind == 1 and p + 1 < len(data):
                start = p + 2
                end = start + (((b & 0x3F) << 8) | data[p + 1])
            elif b == c.LEN_32BIT and p + 5 <= len(data):
                start = p + 5
                end = start + _U32_BE(data, p + 1)[0]
            elif b == 0xC0 and p + 1 < len(data):  # an 8-bit integer (small numeric fields)
                self.pos = p + 2
                v = data[p + 1]
                return _SMALL_INT_TEXT[v]
            else:
                return self._special_string()
            if end <= len(data):
                self.pos = end
                return data[start:end]
        raise RdbError("unexpected end of file", p)

    def _special_string(self) -> bytes:
        value, special = self.length_or_encoding()
        if not special:
            return self.read(value)
        if value == c.ENC_INT8:
            return b"%d" % _I8(self.read(1))[0]
        if value == c.ENC_INT16:
            return b"%d" % _I16(self.read(2))[0]
        if value == c.ENC_INT32:
            return b"%d" % _I32(self.read(4))[0]
        if value == c.ENC_LZF:
            compressed_len = self.length()
            expanded_len = self.length()
            at = self.pos
            try:
                return lzf_decompress(self.read(compressed_len), expanded_len)
            except LzfError as exc:
                raise RdbError(f"bad LZF string: {exc}", at)
        raise RdbError(f"unknown string encoding {value}", self.pos - 1)

    def text_double(self) -> float:
        """The old ZSET score encoding: a length byte (253 nan, 254 +inf, 255 -inf) then ASCII."""
        n = self.byte()
        if n == 253:
            return math.nan
        if n == 254:
            return math.inf
        if n == 255:
            return -math.inf
        return float(self.read(n))

    def binary_double(self) -> float:
        return float(_DOUBLE(self.read(8))[0])

    def ms(self) -> int:
        return int(_I64(self.read(8))[0])

    # -- values ------------------------------------------------------------------------------------------
    def value(self, rdb_type: int) -> Any:
        at = self.pos
        try:
            return self._value(rdb_type)
        except CompactError as exc:
            raise RdbError(f"bad encoded value of type {rdb_type}: {exc}", at)
        except (IndexError, struct.error, ValueError) as exc:
            if isinstance(exc, RdbError):
                raise
            raise RdbError(f"bad value of type {rdb_type}: {exc}", at)

    def _value(self, t: int) -> Any:
        if t == c.TYPE_STRING:
            return self.string()
        if t == c.TYPE_LIST:
            return deque(self.string() for _ in range(self.length()))
        if t == c.TYPE_SET:
            return {self.string() for _ in range(self.length())}
        if t in (c.TYPE_ZSET, c.TYPE_ZSET_2):
            zset = ZSet()
            read_score = self.binary_double if t == c.TYPE_ZSET_2 else self.text_double
            for _ in range(self.length()):
                member = self.string()
                zset.add(member, read_score())
            return zset
        if t == c.TYPE_HASH:
            out: dict[bytes, bytes] = {}
            for _ in range(self.length()):
                field = self.string()
                out[field] = self.string()
            return out
        if t == c.TYPE_LIST_QUICKLIST:
            items: deque[bytes] = deque()
            for _ in range(self.length()):
                items.extend(ziplist_entries(self.string()))
            return items
        if t == c.TYPE_LIST_QUICKLIST_2:
            items = deque()
            for _ in range(self.length()):
                container = self.length()
                blob = self.string()
                if container == c.QUICKLIST_NODE_PLAIN:
                    items.append(blob)
                else:
                    items.extend(listpack_entries(blob))
            return items
        if t == c.TYPE_LIST_ZIPLIST:
            return deque(ziplist_entries(self.string()))
        if t == c.TYPE_SET_INTSET:
            return set(intset_members(self.string()))
        if t == c.TYPE_SET_LISTPACK:
            return set(listpack_entries(self.string()))
        if t in (c.TYPE_HASH_ZIPLIST, c.TYPE_HASH_LISTPACK, c.TYPE_HASH_ZIPMAP):
            blob = self.string()
            if t == c.TYPE_HASH_ZIPMAP:
                flat = zipmap_pairs(blob)
            elif t == c.TYPE_HASH_ZIPLIST:
                flat = ziplist_entries(blob)
            else:
                flat = listpack_entries(blob)
            return dict(zip(flat[::2], flat[1::2], strict=True))
        if t in (c.TYPE_ZSET_ZIPLIST, c.TYPE_ZSET_LISTPACK):
            blob = self.string()
            flat = ziplist_entries(blob) if t == c.TYPE_ZSET_ZIPLIST else listpack_entries(blob)
            zset = ZSet()
            for member, score in zip(flat[::2], flat[1::2], strict=True):
                zset.add(member, float(score))
            return zset
        if t in (c.TYPE_STREAM_LISTPACKS, c.TYPE_STREAM_LISTPACKS_2, c.TYPE_STREAM_LISTPACKS_3):
            try:
                return decode_stream(self, t, c.TYPE_STREAM_LISTPACKS_2, c.TYPE_STREAM_LISTPACKS_3)
            except StreamFormatError as exc:
                raise RdbError(f"bad stream value: {exc}", self.pos) from None
        if t == c.TYPE_MODULE_2:
            return self._module_value()
        if t == c.TYPE_MODULE_PRE_GA:
            raise RdbError("module values (a Redis module's own data type) cannot be loaded", self.pos)
        if t in (c.TYPE_HASH_METADATA, c.TYPE_HASH_METADATA_PRE_GA):
            return self._hash_metadata(t == c.TYPE_HASH_METADATA)
        if t in (c.TYPE_HASH_LISTPACK_EX, c.TYPE_HASH_LISTPACK_EX_PRE_GA):
            if t == c.TYPE_HASH_LISTPACK_EX:
                self.ms()  # the hash's earliest deadline, also in the triplets
            flat = listpack_entries(self.string())
            fields = dict(zip(flat[::3], flat[1::3], strict=True))
            deadlines = {f: int(at) for f, at in zip(flat[::3], flat[2::3], strict=True) if int(at) != 0}
            return HashWithTtls(fields, deadlines)
        raise RdbError(f"unknown value type {t}", self.pos - 1)

    def _hash_metadata(self, relative: bool) -> HashWithTtls:
        """RDB_TYPE_HASH_METADATA (24): the earliest deadline, then per field its TTL (0: none, else
        deadline - earliest + 1) before the field and value; PRE_GA (22): absolute deadlines, no header."""
        base = self.ms() - 1 if relative else 0
        fields: dict[bytes, bytes] = {}
        deadlines: dict[bytes, int] = {}
        for _ in range(self.length()):
            ttl = self.length()
            field = self.string()
            fields[field] = self.string()
            if ttl:
                deadlines[field] = ttl + base
        return HashWithTtls(fields, deadlines)

    def _module_value(self) -> Any:
        """A module type's value: only RedisJSON 2.x documents (ReJSON-RL, encoding version 3) are known."""
        at = self.pos
        module_id = self.length()
        if is_trie_module(module_id):  # RediSearch's suggestion dictionaries (FT.SUGADD)
            try:
                return decode_trie(self, module_id & 0x3FF)
            except TrieFormatError as e:
                raise RdbError(str(e), at) from None
        if module_id >> 10 != c.JSON_MODULE_ID >> 10:
            raise RdbError("module values (a Redis module's own data type) cannot be loaded", at)
        if module_id & 0x3FF != c.JSON_ENCVER:
            raise RdbError(f"RedisJSON encoding version {module_id & 0x3FF} is not supported (only 3)", at)
        if self.length() != c.MODULE_OP_STRING:
            raise RdbError("RedisJSON value: expected a string", self.pos)
        text = self.string()
        if self.length() != c.MODULE_OP_EOF:
            raise RdbError("RedisJSON value: expected the module EOF marker", self.pos)
        try:
            return JsonValue(loads(text))
        except JsonError as e:
            raise RdbError(f"RedisJSON value: {e.message}", at) from None

    def skip_module_aux(self) -> None:
        """Module aux data is a typed sequence ending in MODULE_OP_EOF: skip it without the module."""
        self.length()  # module id
        self.length()  # when opcode
        self.length()  # when
        while True:
            opcode = self.length()
            if opcode == c.MODULE_OP_EOF:
                return
            if opcode in (c.MODULE_OP_SINT, c.MODULE_OP_UINT):
                self.length()
            elif opcode == c.MODULE_OP_FLOAT:
                self.read(4)
            elif opcode == c.MODULE_OP_DOUBLE:
                self.read(8)
            elif opcode == c.MODULE_OP_STRING:
                self.string()
            else:
                raise RdbError(f"unknown module opcode {opcode}", self.pos)


def load_rdb(data: bytes, on_entry: EntryCallback, on_aux: AuxCallback | None = None,
             verify_checksum: bool = True) -> int:
    """Parse a whole RDB image, calling ``on_entry(db, key, value, expire_at_ms)`` per key.

    Returns the RDB version. Raises RdbError (with the offset) on anything malformed.
    """
    reader = RdbReader(data)
    if data[:5] != b"REDIS" or len(data) < 9 or not data[5:9].isdigit():
        raise RdbError("not an RDB file (bad magic)", 0)
    version = int(data[5:9])
    if version < 1 or version > c.MAX_READ_VERSION:
        raise RdbError(f"can't handle RDB format version {version}", 5)
    reader.version = version
    reader.pos = 9
    db = 0
    expire_at_ms: int | None = None
    while True:
        at = reader.pos
        op = reader.byte()
        if op == c.OP_EOF:
            break
        if op == c.OP_SELECTDB:
            db = reader.length()
        elif op == c.OP_RESIZEDB:
            reader.length()
            reader.length()
        elif op == c.OP_EXPIRETIME_MS:
            expire_at_ms = reader.ms()
        elif op == c.OP_EXPIRETIME:
            expire_at_ms = int(_I32(reader.read(4))[0]) * 1000
        elif op == c.OP_AUX:
            key = reader.string()
            value = reader.string()
            if on_aux is not None:
                on_aux(key, value)
        elif op == c.OP_MODULE_AUX:
            redisearch = read_module_aux(reader)  # None: another module's data, skipped
            if redisearch is not None and redisearch[1] and on_aux is not None:
                kind, commands = redisearch
                on_aux(c.REDISEARCH_INDEXES if kind == b"indexes" else c.REDISEARCH_DICTIONARIES,
                       encode_commands(commands))
        elif op == c.OP_FUNCTION2:
            code = reader.string()  # a function library's code (FUNCTION LOAD)
            if on_aux is not None:
                on_aux(c.FUNCTION_LIBRARY, code)
        elif op == c.OP_FUNCTION_PRE_GA:
            raise RdbError("pre-GA function libraries are not supported", at)
        elif op == c.OP_IDLE:
            reader.length()
        elif op == c.OP_FREQ:
            reader.byte()
        elif op == c.OP_SLOT_INFO:
            reader.length()
            reader.length()
            reader.length()
        else:
            key = reader.string()
            value = reader.value(op)
            on_entry(db, key, value, expire_at_ms)
            expire_at_ms = None
    if version >= 5 and verify_checksum:
        end = reader.pos
        if len(data) < end + 8:
            raise RdbError("missing checksum", end)
        (expected,) = _U64(data, end)
        if expected != 0:  # 0: written with rdbchecksum no
            actual = crc64(memoryview(data)[:end])
            if actual != expected:
                raise RdbError(f"wrong checksum (expected {expected:016x}, got {actual:016x})", end)
    return version
