"""Shared pieces of the FT.* commands: the command group, index lookup with RediSearch's error texts,
number formatting and RESP2/RESP3 result shapes."""

from __future__ import annotations

from typing import Any

from redvector.commands.context import CommandContext
from redvector.commands.spec import CommandGroup
from redvector.errors import (
    NO_SUCH_INDEX_MSG,
    UNKNOWN_INDEX_CAP_MSG,
    UNKNOWN_INDEX_MSG,
    NoSuchIndex,
)
from redvector.replies import ByProtocol, Map, SimpleString
from redvector.search.index import SearchIndex
from redvector.search.query.expr import format_number
from redvector.search.registry import SearchRegistry

group = CommandGroup("search")

S = SimpleString


def registry(ctx: CommandContext) -> SearchRegistry:
    return ctx.server.search


def get_index(ctx: CommandContext, name: bytes, style: str = "search") -> SearchIndex:
    """The index (or alias target). Missing-index texts differ per command in RediSearch 2.10:
    FT.SEARCH/AGGREGATE/EXPLAIN ``<idx>: no such index``, FT.INFO ``Unknown index name``, FT.DROPINDEX
    ``Unknown Index name``."""
    index = registry(ctx).get(name)
    if index is None:
        text = name.decode("utf-8", "replace")
        if style == "info":
            raise NoSuchIndex(UNKNOWN_INDEX_MSG)
        if style == "drop":
            raise NoSuchIndex(UNKNOWN_INDEX_CAP_MSG)
        raise NoSuchIndex(NO_SUCH_INDEX_MSG.format(text))
    return index


def number_text(value: float) -> bytes:
    return format_number(value).encode()


def value_bytes(value: Any) -> bytes | None:
    """A row value on the wire: bytes as is, numbers as RediSearch prints them."""
    if value is None:
        return None
    if isinstance(value, bytes):
        return value
    if isinstance(value, float | int):
        return number_text(float(value))
    return str(value).encode()


RESP3_ID = S(b"id")
_SCORE = S(b"score")
_PAYLOAD = S(b"payload")
_SORTKEY = S(b"sortkey")
RESP3_EXTRA = S(b"extra_attributes")
RESP3_VALUES = S(b"values")
_ATTRIBUTES = S(b"attributes")
_TOTAL = S(b"total_results")
_FORMAT = S(b"format")
_STRING = S(b"STRING")
_RESULTS = S(b"results")
_WARNING = S(b"warning")


def result_reply(total: int, rows: list[dict[str, Any]], include_id: bool = True) -> ByProtocol:
    """FT.SEARCH / FT.AGGREGATE reply. Each row: ``id`` (bytes), optional ``score`` (float), ``payload``,
    ``sortkey``, and ``fields`` (list of (name, value) pairs, None for a key gone mid-query, absent with
    NOCONTENT)."""
    resp2: list[Any] = [total]
    resp3_rows: list[Any] = []
    for row in rows:
        r3: list[tuple[Any, Any]] = []
        if include_id:
            resp2.append(row["id"])
            r3.append((RESP3_ID, row["id"]))
        if "score" in row:
            resp2.append(row["score"])
            r3.append((_SCORE, row["score"]))
        if "payload" in row:
            resp2.append(row["payload"])
            r3.append((_PAYLOAD, row["payload"]))
        if "sortkey" in row:
            resp2.append(row["sortkey"])
            r3.append((_SORTKEY, row["sortkey"]))
        if "fields" in row:
            fields = row["fields"]
            if fields is None:
                resp2.append(None)
                r3.append((RESP3_EXTRA, None))
            else:
                resp2.append([x for pair in fields for x in pair])
                r3.append((RESP3_EXTRA, Map(fields)))
        r3.append((RESP3_VALUES, []))
        resp3_rows.append(Map(r3))
    return search_reply(resp2, resp3_rows)


def search_reply(resp2: list[Any], resp3_rows: list[Any]) -> ByProtocol:
    """The reply from its RESP2 array (total first) and its RESP3 result maps."""
    resp3 = Map([
        (_ATTRIBUTES, []),
        (_TOTAL, resp2[0]),
        (_FORMAT, _STRING),
        (_RESULTS, resp3_rows),
        (_WARNING, []),
    ])
    return ByProtocol(resp2, resp3)
