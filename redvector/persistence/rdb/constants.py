"""RDB opcodes, value type codes and string encodings (Redis's rdb.h)."""

from __future__ import annotations

# The version we write: Redis 7.0 writes (and reads up to) 10; 7.2 writes 11 and 7.4 writes 12.
RDB_VERSION = 10
RDB_VERSION_FIELD_TTLS = 12  # what we write when a hash has field TTLs (its type 24 is Redis 7.4's)
RDB_VERSION_STREAMS_3 = 11  # what we write when there is a stream (its type 21 came with Redis 7.2)
MAX_READ_VERSION = 12

# Opcodes.
OP_FUNCTION2 = 0xF5
# The aux "key" under which a function library's code travels between the snapshot participants and the
# RDB writer/reader, which store it as an OP_FUNCTION2 record (not an aux field).
FUNCTION_LIBRARY = b"\x00function-library"
# The aux "keys" under which RediSearch's index definitions and dictionaries, read from a Redis Stack dump's
# module aux data, reach the search participant: RESP-framed commands that re-create them.
REDISEARCH_INDEXES = b"\x00redisearch-indexes"
REDISEARCH_DICTIONARIES = b"\x00redisearch-dictionaries"
OP_FUNCTION_PRE_GA = 0xF6
OP_MODULE_AUX = 0xF7
OP_IDLE = 0xF8
OP_FREQ = 0xF9
OP_AUX = 0xFA
OP_RESIZEDB = 0xFB
OP_EXPIRETIME_MS = 0xFC
OP_EXPIRETIME = 0xFD
OP_SELECTDB = 0xFE
OP_EOF = 0xFF
OP_SLOT_INFO = 0xF4

# Value types.
TYPE_STRING = 0
TYPE_LIST = 1
TYPE_SET = 2
TYPE_ZSET = 3
TYPE_HASH = 4
TYPE_ZSET_2 = 5
TYPE_MODULE_PRE_GA = 6
TYPE_MODULE_2 = 7
TYPE_HASH_ZIPMAP = 9
TYPE_LIST_ZIPLIST = 10
TYPE_SET_INTSET = 11
TYPE_ZSET_ZIPLIST = 12
TYPE_HASH_ZIPLIST = 13
TYPE_LIST_QUICKLIST = 14
TYPE_STREAM_LISTPACKS = 15
TYPE_HASH_LISTPACK = 16
TYPE_ZSET_LISTPACK = 17
TYPE_LIST_QUICKLIST_2 = 18
TYPE_STREAM_LISTPACKS_2 = 19
TYPE_SET_LISTPACK = 20
TYPE_STREAM_LISTPACKS_3 = 21
TYPE_HASH_METADATA_PRE_GA = 22
TYPE_HASH_LISTPACK_EX_PRE_GA = 23
TYPE_HASH_METADATA = 24
TYPE_HASH_LISTPACK_EX = 25

# Length prefixes (the two top bits of the first byte).
LEN_6BIT = 0
LEN_14BIT = 1
LEN_32BIT = 0x80
LEN_64BIT = 0x81
LEN_ENCVAL = 3

# Special string encodings (after a LEN_ENCVAL prefix).
ENC_INT8 = 0
ENC_INT16 = 1
ENC_INT32 = 2
ENC_LZF = 3

# Module serialization opcodes (for skipping module aux data we cannot interpret).
MODULE_OP_EOF = 0
MODULE_OP_SINT = 1
MODULE_OP_UINT = 2
MODULE_OP_FLOAT = 3
MODULE_OP_DOUBLE = 4
MODULE_OP_STRING = 5

# Quicklist 2 node containers.
QUICKLIST_NODE_PLAIN = 1
QUICKLIST_NODE_PACKED = 2

# RedisJSON's module type: the 64-bit module id of the 9-character name "ReJSON-RL" (6 bits per
# character) and its encoding version (10 bits). Encoding version 3 (RedisJSON 2.x) stores the document
# as one MODULE_OP_STRING holding its compact JSON text.
MODULE_ID_CHARSET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def module_type_id(name: str, encver: int) -> int:
    value = 0
    for ch in name:
        value = (value << 6) | MODULE_ID_CHARSET.index(ch)
    return (value << 10) | encver


JSON_MODULE_NAME = "ReJSON-RL"
JSON_ENCVER = 3
JSON_MODULE_ID = module_type_id(JSON_MODULE_NAME, JSON_ENCVER)
