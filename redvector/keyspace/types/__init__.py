"""Value types held by the keyspace, and their Redis type names.

A value's Python type is its Redis type: ``bytes`` string, ``collections.deque`` list, ``dict`` hash,
``set`` set, ``ZSet`` sorted set. Built-in containers keep per-key overhead and dispatch cost low.
"""

from __future__ import annotations

from collections import deque

from redvector.keyspace.types.json_value import JsonValue
from redvector.keyspace.types.sorted_set import ZSet
from redvector.keyspace.types.stream import Stream
from redvector.keyspace.types.suggestions import SuggestionTrie

TYPE_NAMES: dict[type, str] = {
    bytes: "string", deque: "list", dict: "hash", set: "set", ZSet: "zset", JsonValue: "ReJSON-RL",
    SuggestionTrie: "trietype0", Stream: "stream",
}


def type_name(value: object) -> str:
    return TYPE_NAMES.get(type(value), "none")


__all__ = ["TYPE_NAMES", "JsonValue", "Stream", "SuggestionTrie", "ZSet", "type_name"]
