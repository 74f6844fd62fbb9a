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
                    doc_id: int, dialect: int, sort_names: tuple[bytes, ...]) -> list[tuple[bytes, Any]]:
    """A JSON document's row (common.row_fields): without RETURN the SORTBY attribute and ``$`` after the
    distances; with RETURN each attribute or JSONPath as json_value reads it."""

    def whole() -> list[tuple[bytes, Any]]:
        out: list[tuple[bytes, Any]] = []
        if sort_names and sort_names[0].decode("utf-8", "replace") not in hits.yields:
            v = _sort_field_value(index, sort_names[0], root, dialect)
            if v is not None:
                out.append((sort_names[0], v if isinstance(v, bytes) else None))
        out.append((b"$", whole_document(root, dialect)))
        return out

    return row_fields(return_fields, hits.yields, doc_id, whole,
                      lambda name: json_value(index, name, root, dialect))


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
                return returned_json(first, compile_path(b"$"), dialect, None)
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
