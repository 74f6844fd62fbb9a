"""RediSearch's RDB encoding of a suggestion dictionary (module type ``trietype0``, encoding version 1), so
FT.SUGADD keys move between Redis Stack and RedVector through dump files and DUMP/RESTORE.

After the module id: the entry count (MODULE_OP_UINT), then per entry its text (MODULE_OP_STRING, with a
trailing NUL byte), its score (MODULE_OP_DOUBLE) and, from version 1, its payload (MODULE_OP_STRING,
payload plus one byte; length 1 = no payload); then MODULE_OP_EOF.
"""

from __future__ import annotations

from typing import Any

from redvector.keyspace.types.suggestions import SuggestionTrie
from redvector.persistence.rdb import constants as c
from redvector.persistence.rdb.encoding import encode_binary_double, encode_length, encode_string

TRIE_MODULE_NAME = "trietype0"
TRIE_ENCVER = 1
TRIE_MODULE_ID = c.module_type_id(TRIE_MODULE_NAME, TRIE_ENCVER)

_UINT = encode_length(c.MODULE_OP_UINT)
_DOUBLE = encode_length(c.MODULE_OP_DOUBLE)
_STRING = encode_length(c.MODULE_OP_STRING)


def is_trie_module(module_id: int) -> bool:
    return module_id >> 10 == TRIE_MODULE_ID >> 10


def encode_trie(trie: SuggestionTrie) -> bytes:
    """The module value after the RDB type byte: module id, entries, EOF."""
    parts = [encode_length(TRIE_MODULE_ID), _UINT, encode_length(trie.size)]
    for text, score, payload in trie.entries():
        parts += [_STRING, encode_string(text.encode("utf-8", "surrogateescape") + b"\0"), _DOUBLE, encode_binary_double(score),
                  _STRING, encode_string((payload or b"") + b"\0")]
    parts.append(encode_length(c.MODULE_OP_EOF))
    return b"".join(parts)


class TrieFormatError(ValueError):
    pass


def decode_trie(reader: Any, encver: int) -> SuggestionTrie:
    """Read the entries (the module id already read) with an RdbReader."""
    if encver > TRIE_ENCVER:
        raise TrieFormatError(f"suggestion dictionary encoding version {encver} is not supported (0 or 1)")

    def expect(opcode: int) -> None:
        if reader.length() != opcode:
            raise TrieFormatError("suggestion dictionary: unexpected module opcode")

    trie = SuggestionTrie()
    expect(c.MODULE_OP_UINT)
    for _ in range(reader.length()):
        expect(c.MODULE_OP_STRING)
        text = reader.string()[:-1]
        expect(c.MODULE_OP_DOUBLE)
        score = reader.binary_double()
        payload = b""
        if encver >= 1:
            expect(c.MODULE_OP_STRING)
            payload = reader.string()[:-1]
        trie.add(text.decode("utf-8", "surrogateescape"), score, payload=payload or None)
    expect(c.MODULE_OP_EOF)
    return trie
