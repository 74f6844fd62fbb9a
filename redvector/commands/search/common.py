"""Shared pieces of the FT.* commands: the command group, index lookup with RediSearch's error texts,
number formatting and RESP2/RESP3 result shapes."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from redvector.commands.context import CommandContext
from redvector.commands.spec import CommandGroup
from redvector.errors import (
    NO_SUCH_INDEX_MSG,
    UNKNOWN_INDEX_CAP_MSG,
    UNKNOWN_INDEX_MSG,
    NoSuchIndex,
)
from redvector.replies import NO_FIELDS, SearchRow, SearchRows, SimpleString
from redvector.search.fields.numeric import parse_number
from redvector.search.index import SearchIndex
from redvector.search.query.expr import NULL, format_number_bytes
from redvector.search.registry import SearchRegistry
from redvector.search.schema import FieldSpec, FieldType

group = CommandGroup("search")

S = SimpleString


def registry(ctx: CommandContext) -> SearchRegistry:
    return ctx.server.search


def get_index(ctx: CommandContext, name: bytes, style: str = "search") -> SearchIndex:
    """The index (or alias target). Missing-index texts differ per command in RediSearch 2.10:
    FT.SEARCH/AGGREGATE/EXPLAIN ``<idx>: no such index``, FT.INFO and FT.ALTER ``Unknown index name``
    (style "info"), FT.DROPINDEX and FT.SPELLCHECK ``Unknown Index name`` (style "drop")."""
    index = registry(ctx).get(name)
    if index is None:
        text = name.decode("utf-8", "replace")
        if style == "info":
            raise NoSuchIndex(UNKNOWN_INDEX_MSG)
        if style == "drop":
            raise NoSuchIndex(UNKNOWN_INDEX_CAP_MSG)
        raise NoSuchIndex(NO_SUCH_INDEX_MSG.format(text))
    db = index.db
    if db.field_ttls.heap and db.field_ttls.next_due() <= ctx.now_ms:
        db.expire_due_fields(ctx.now_ms)  # hash fields past their HEXPIRE deadline leave the index first
    return index


number_text = format_number_bytes


def returned_value(spec: FieldSpec | None, raw: bytes) -> bytes:
    """A hash field's value as RETURN gives it: a NUMERIC attribute's as the number it holds (RediSearch
    loads a named attribute as its schema type: ``1.50`` returns ``1.5``, ``0x10`` ``16``); anything else,
    and a value that is not a number, as stored."""
    if spec is not None and spec.type is FieldType.NUMERIC:
        number = parse_number(raw)
        return raw if number is None else number_text(number)
    return raw


def row_fields(return_fields: list[tuple[bytes, bytes]] | None, yields: Mapping[str, Mapping[int, float]],
               doc_id: int, whole: Callable[[], Iterable[tuple[bytes, Any]]],
               read: Callable[[bytes], Any]) -> list[tuple[bytes, Any]]:
    """A result row's fields. Without RETURN: the yielded distances, then ``whole()`` (a hash's fields, a JSON
    document's ``$``). With RETURN: the requested distances first (RediSearch loads them before the document),
    then each other name as ``read(name)`` gives it (None: the document has none; NULL: replied as nil)."""
    out: list[tuple[bytes, Any]] = []
    if return_fields is None:
        for name, dists in yields.items():
            dist = dists.get(doc_id)
            if dist is not None:
                out.append((name.encode(), number_text(dist)))
        out.extend(whole())
        return out
    rest: list[tuple[bytes, Any]] = []
    for ident, alias in return_fields:
        name = ident.decode("utf-8", "replace")
        if name in yields:
            dist = yields[name].get(doc_id)
            if dist is not None:
                out.append((alias, number_text(dist)))
            continue
        v = read(ident)
        if v is not None:
            rest.append((alias, None if v is NULL else v))
    return out + rest


def value_bytes(value: Any) -> bytes | None:
    """A row value on the wire: bytes as is, numbers as RediSearch prints them."""
    if value is None:
        return None
    if isinstance(value, bytes):
        return value
    if isinstance(value, float | int):
        return number_text(float(value))
    return str(value).encode()


_SCORE = S(b"score")
_PAYLOAD = S(b"payload")
_SORTKEY = S(b"sortkey")


def result_reply(total: int, rows: list[dict[str, Any]], include_id: bool = True) -> SearchRows:
    """FT.SEARCH / FT.AGGREGATE reply. Each row: ``id`` (bytes), optional ``score`` (float), ``payload``,
    ``sortkey``, and ``fields`` (list of (name, value) pairs, None for a key gone mid-query, absent with
    NOCONTENT)."""
    out: list[SearchRow] = []
    for row in rows:
        extras: list[tuple[SimpleString, Any]] = []
        if "score" in row:
            extras.append((_SCORE, row["score"]))
        if "payload" in row:
            extras.append((_PAYLOAD, row["payload"]))
        if "sortkey" in row:
            extras.append((_SORTKEY, row["sortkey"]))
        out.append((row["id"] if include_id else None, extras, row.get("fields", NO_FIELDS)))
    return SearchRows(total, out)
