"""FT.SEARCH rows of ON JSON indexes: a document is read by JSONPath (json_documents.returned_json).

Without RETURN a row holds the yielded distances, the SORTBY attribute (RediSearch loads it) and ``$``,
the whole document as JSON; RETURN names attributes or JSONPaths (``$.a.b``); DIALECT 3 returns every
match of a path as one JSON array.
"""

from __future__ import annotations

from typing import Any

from redvector.commands.search.common import number_text
from redvector.errors import RedVectorError
from redvector.keyspace.types.json_path import compile_path
from redvector.search.index import SearchIndex
from redvector.search.json_documents import returned_json, whole_document
from redvector.search.query.executor import Hits
from redvector.search.query.expr import Null


def json_row_fields(index: SearchIndex, return_fields: list[tuple[bytes, bytes]] | None, root: Any, hits: Hits,
                     doc_id: int, yield_names: list[str], dialect: int,
                     sort_names: tuple[bytes, ...]) -> list[tuple[bytes, bytes | None]]:
    """A JSON document's row: without RETURN the distances, the SORTBY attribute and ``$`` (the whole
    document); with RETURN each attribute or JSONPath read by json_documents.returned_json."""
    out: list[tuple[bytes, bytes | None]] = []
    if return_fields is None:
        for name in yield_names:
            dist = hits.yields[name].get(doc_id)
            if dist is not None:
                out.append((name.encode(), number_text(dist)))
        if sort_names and sort_names[0].decode("utf-8", "replace") not in hits.yields:
            v = json_value(index, sort_names[0], root, dialect)
            if v is not None:
                out.append((sort_names[0], v if isinstance(v, bytes) else None))
        out.append((b"$", whole_document(root)))
        return out
    rest: list[tuple[bytes, bytes | None]] = []
    for ident, alias in return_fields:
        name = ident.decode("utf-8", "replace")
        if name in hits.yields:
            dist = hits.yields[name].get(doc_id)
            if dist is not None:
                out.append((alias, number_text(dist)))
            continue
        v = json_value(index, ident, root, dialect)
        if v is not None:
            rest.append((alias, v if isinstance(v, bytes) else None))
    return out + rest


def json_value(index: SearchIndex, name: bytes, root: Any, dialect: int) -> bytes | Null | None:
    """RETURN / LOAD ``name`` (an attribute, or a JSONPath) of a JSON document: None when the path
    matches nothing, NULL when it matches a JSON null (replied as nil)."""
    if name == b"$":
        return whole_document(root)
    spec = index.definition.field(name)
    try:
        path = index.json_paths[spec.identifier] if spec is not None else compile_path(name)
    except RedVectorError:
        return None
    return returned_json(root, path, dialect, spec)
