"""FT.SEARCH rows of ON JSON indexes: a document is read by JSONPath (json_documents.returned_json).

Without RETURN a row holds the yielded distances, the SORTBY attribute (RediSearch loads it) and ``$``,
the whole document as JSON; RETURN names attributes or JSONPaths (``$.a.b``); DIALECT 3 returns every
match of a path as one JSON array.
"""

from __future__ import annotations

from typing import Any

from redvector.commands.search.common import row_fields
from redvector.errors import RedVectorError
from redvector.keyspace.types.json_path import compile_path
from redvector.search.index import SearchIndex
from redvector.search.json_documents import returned_json, whole_document
from redvector.search.query.executor import Hits
from redvector.search.query.expr import Null


def json_row_fields(index: SearchIndex, return_fields: list[tuple[bytes, bytes]] | None, root: Any, hits: Hits,
                    doc_id: int, dialect: int, sort_names: tuple[bytes, ...],
                    highlighted: tuple[bytes, ...] = (), marking: bool = False) -> list[tuple[bytes, Any]]:
    """A JSON document's row (common.row_fields): without RETURN the SORTBY attribute, the SORTABLE
    attributes HIGHLIGHT / SUMMARIZE name (``highlighted``) and ``$`` after the distances; with RETURN each
    attribute or JSONPath as json_value reads it. With ``marking`` (HIGHLIGHT / SUMMARIZE asked for), the
    values that are not JSON strings come as JsonText, which they leave alone."""

    def whole() -> list[tuple[bytes, Any]]:
        out: list[tuple[bytes, Any]] = []
        leading = sort_names[:1] if sort_names and sort_names[0].decode("utf-8", "replace") not in hits.yields \
            else ()
        for name in (*leading, *highlighted):
            v = _sort_field_value(index, name, root, dialect)
            if marking and type(v) is bytes and not _plain_string(index, name, root, dialect):
                v = JsonText(v)
            if v is not None:
                out.append((name, v if isinstance(v, bytes) else None))
        document = whole_document(root, dialect)  # (DIALECT 3's is a list of matches, not a string)
        out.append((b"$", JsonText(document) if marking and dialect >= 3 else document))
        return out

    def returned(name: bytes) -> bytes | Null | None:
        v = json_value(index, name, root, dialect)
        return JsonText(v) if type(v) is bytes and not _plain_string(index, name, root, dialect) else v

    return row_fields(return_fields, hits.yields, doc_id, whole,
                      returned if marking else lambda name: json_value(index, name, root, dialect))


class JsonText(bytes):
    """A row value read from JSON that is not a string (an array or object, DIALECT 3's list of matches, ``$``
    under DIALECT 3, a SORTABLE array's first element): RediSearch holds no string there, and HIGHLIGHT /
    SUMMARIZE leave it as it is (``$`` under DIALECT 1 and 2 is a string)."""

    __slots__ = ()


def _plain_string(index: SearchIndex, name: bytes, root: Any, dialect: int) -> bool:
    """Whether RETURN ``name`` reads one JSON string (the first match under DIALECT 1 and 2; under DIALECT 3
    a SORTABLE attribute's single string)."""
    if name == b"$":
        return False
    spec = index.definition.field(name)
    try:
        path = index.json_paths[spec.identifier] if spec is not None else compile_path(name)
    except RedVectorError:
        return False
    matches = path.values(root)
    if dialect >= 3:
        return spec is not None and spec.sortable and len(matches) == 1 and isinstance(matches[0], str)
    return bool(matches) and isinstance(matches[0], str)


def _sort_field_value(index: SearchIndex, name: bytes, root: Any, dialect: int) -> bytes | Null | None:
    """The SORTBY attribute leading a row: RediSearch loads a SORTABLE one from its sorting vector, which
    holds an array's first element (``["blue", "red"]`` shows ``blue``, ``[3, 1]`` ``3``) under DIALECT 1
    and 2; anything else as json_value reads it."""
    spec = index.definition.field(name)
    if dialect < 3 and spec is not None and spec.sortable:
        path = index.json_paths.get(spec.identifier)
        matches = path.values(root) if path is not None else []
        if len(matches) == 1 and isinstance(matches[0], list) and matches[0]:
            first = matches[0][0]
            if first is not None and not isinstance(first, list | dict):
                value = returned_json(first, compile_path(b"$"), dialect, None)
                return JsonText(value) if type(value) is bytes else value
    return json_value(index, name, root, dialect)


def json_value(index: SearchIndex, name: bytes, root: Any, dialect: int) -> bytes | Null | None:
    """RETURN / LOAD ``name`` (an attribute, or a JSONPath) of a JSON document: None when the path
    matches nothing, NULL when it matches a JSON null (replied as nil)."""
    if name == b"$":
        return whole_document(root, dialect)
    spec = index.definition.field(name)
    try:
        path = index.json_paths[spec.identifier] if spec is not None else compile_path(name)
    except RedVectorError:
        return None
    return returned_json(root, path, dialect, spec)
