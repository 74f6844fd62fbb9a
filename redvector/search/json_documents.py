"""JSON document -> Document, and the values FT.SEARCH RETURN / FT.AGGREGATE LOAD read from JSON keys.

An ON JSON index names its fields by JSONPath (``$.tags[*] AS tags``). As RediSearch 2.10 does: every
value a path matches is indexed, and a matched array is taken element by element (TEXT, TAG, NUMERIC,
GEO) or as the vector itself (VECTOR); JSON null is skipped; a value of the wrong JSON type makes the
whole document fail with RediSearch's text (counted in FT.INFO's indexing failures). A JSON boolean is
accepted by a TAG field and indexes nothing (RediSearch matches no tag for it either).

RETURN and LOAD read the first value a path matches: a string as its text, a number as RediSearch prints
numbers, arrays and objects as JSON (``[1,2]``), null as nil; DIALECT 3 returns every match as one JSON
array (a SORTABLE attribute holding one value: that value). ``$`` is the whole document.
"""

from __future__ import annotations

from array import array
from typing import Any

import numpy as np

from redvector.errors import RedVectorError
from redvector.keyspace.types.json_path import JsonPath, compile_path
from redvector.keyspace.types.json_value import ARRAYS, dumps
from redvector.search.documents import Document, IndexingFailure, add_geoshape, sortable_text
from redvector.search.fields.geo import in_range, split_point
from redvector.search.query.expr import NULL, Null, format_number_bytes
from redvector.search.schema import FieldSpec, FieldType, IndexDefinition

_STRING_TYPE = "Invalid JSON type: String type can represent only TEXT, TAG, GEO or GEOMETRY field"
_NUMBER_TYPE = "Invalid JSON type: Numeric type can represent only NUMERIC field"
_BOOL_TYPE = "Invalid JSON type: Boolean type can be represent only TAG field"
_OBJECT_TYPE = "Invalid JSON type: Object type can represent only GEOMETRY fields"
_ARRAY_GEOMETRY = "Invalid JSON type: Array type cannot represent GEOMETRY field"
_STRINGS_ONLY = "TEXT/TAG fields can only contain strings or nulls"
_NUMBERS_ONLY = "NUMERIC fields can only contain numbers or nulls"
_MULTI_VECTOR = "multi-value VECTOR fields are not supported by RedVector"

_VECTOR_DTYPES = {"FLOAT32": "<f4", "FLOAT64": "<f8", "FLOAT16": "<f2"}


class Failed(Exception):
    """One field's value cannot be indexed (the document is not)."""


def _is_number(v: Any) -> bool:
    return type(v) is int or type(v) is float


def _type_error(v: Any) -> str:
    if isinstance(v, str):
        return _STRING_TYPE
    if isinstance(v, bool):
        return _BOOL_TYPE
    if isinstance(v, dict):
        return _OBJECT_TYPE
    return _NUMBER_TYPE


def _strings(spec: FieldSpec, matches: list[Any], allow_bool: bool = False) -> list[str]:
    """TEXT / TAG / GEO values: strings, arrays of strings (nulls skipped). Several matches are taken
    as one array."""
    if len(matches) > 1:
        matches = [matches]
    out: list[str] = []
    for v in matches:
        if v is None:
            continue
        if isinstance(v, str):
            out.append(v)
        elif isinstance(v, ARRAYS):
            for item in v:
                if isinstance(item, str):
                    out.append(item)
                elif item is not None:
                    raise Failed(_STRINGS_ONLY)
        elif isinstance(v, bool) and allow_bool:
            continue
        else:
            raise Failed(_type_error(v))
    return out


def _geoshape(matches: list[Any]) -> str | None:
    """A GEOSHAPE value: one WKT string (null: none). Several matches and objects fail without a message
    (RediSearch's FT.INFO shows N/A), an array with RediSearch's text."""
    if len(matches) > 1 or isinstance(matches[0], dict):
        raise Failed("")
    v = matches[0]
    if v is None or isinstance(v, str):
        return v
    raise Failed(_ARRAY_GEOMETRY if isinstance(v, ARRAYS) else _type_error(v))


def _numbers(matches: list[Any]) -> list[float]:
    """NUMERIC values: numbers, arrays of numbers (nulls skipped). Several matches are one array."""
    if len(matches) > 1:
        matches = [matches]
    out: list[float] = []
    for v in matches:
        if v is None:
            continue
        if _is_number(v):
            out.append(float(v))
        elif isinstance(v, ARRAYS):
            for item in v:
                if _is_number(item):
                    out.append(float(item))
                elif item is not None:
                    raise Failed(_NUMBERS_ONLY)
        else:
            raise Failed(_type_error(v))
    return out


def _geo(text: str) -> tuple[float, float]:
    point = split_point(text)
    if point is None:
        raise Failed("Invalid geo string")
    if not in_range(*point):
        raise Failed(f"Invalid geo coordinates: {point[0]:f}, {point[1]:f}")
    return point


def _vector(spec: FieldSpec, matches: list[Any]) -> tuple[np.ndarray, bytes] | None:
    """(float32 vector for the index, the values in the field's type as a blob) or None (no value)."""
    assert spec.vector is not None
    present = [v for v in matches if v is not None]
    if not present:
        return None
    if len(present) > 1:
        raise Failed(_MULTI_VECTOR)
    v = present[0]
    if not isinstance(v, ARRAYS):
        raise Failed(_type_error(v))
    dim = spec.vector.dim
    for i, item in enumerate(v if type(v) is list else ()):  # a packed array holds floats only
        if not _is_number(item):
            raise Failed("N/A" if isinstance(item, ARRAYS) else f"Invalid vector element at index {i}")
    if len(v) != dim:
        raise Failed(f"Invalid vector length. Expected {dim}, got {len(v)}")
    dtype = _VECTOR_DTYPES.get(spec.vector.dtype)
    if dtype is None:  # BFLOAT16: the blob decoder reads the float32 bytes' upper halves
        f32 = np.asarray(v, dtype="<f4")
        blob = (f32.view("<u4") >> 16).astype("<u2").tobytes()
        return f32.astype(np.float32), blob
    typed = np.asarray(v, dtype=dtype)
    return typed.astype(np.float32), typed.tobytes()


def build_json_document(definition: IndexDefinition, key: bytes, root: Any,
                        paths: dict[bytes, JsonPath]) -> Document | IndexingFailure:
    doc = Document(key, score=definition.score, language=definition.language)
    if definition.score_field is not None:
        s = filter_value(root, definition.score_field)
        if isinstance(s, float) and 0 <= s <= 1:
            doc.score = s
    if definition.language_field is not None:
        lang = filter_value(root, definition.language_field)
        if isinstance(lang, bytes):
            doc.language = lang.decode("utf-8", "replace").lower()
    if definition.payload_field is not None:
        payload = filter_value(root, definition.payload_field)
        doc.payload = payload if isinstance(payload, bytes) else None
    sort_values: list[float | bytes | None] = [None] * len(definition.fields)
    for pos, spec in enumerate(definition.fields):
        path = paths.get(spec.identifier)
        if path is None:
            continue
        matches = path.values(root)
        if not matches:
            continue
        t = spec.type
        many = len(matches) > 1 or isinstance(matches[0], ARRAYS)
        if spec.sortable and len(matches) == 1 and many and not matches[0]:
            # RediSearch cannot put an empty array in the sorting vector: the document fails (no message)
            return IndexingFailure(spec, "N/A", per_field=False)
        try:
            if t is FieldType.TEXT:
                texts = _strings(spec, matches)
                if texts:
                    sort_values[pos] = _sort_text(spec, texts[0], many)
                    if not spec.noindex:
                        doc.text.extend((spec, text) for text in texts)
            elif t is FieldType.TAG:
                tags = [s.encode() for s in _strings(spec, matches, allow_bool=True)]
                if tags:
                    sort_values[pos] = _sort_text(spec, tags[0].decode(), many)
                    if not spec.noindex:
                        doc.tags.append((spec, tags[0] if len(tags) == 1 else tuple(tags)))
            elif t is FieldType.NUMERIC:
                nums = _numbers(matches)
                if nums:
                    sort_values[pos] = nums[0]
                    if not spec.noindex:
                        doc.numeric.append((spec, nums[0] if len(nums) == 1 else tuple(nums)))
            elif t is FieldType.GEO:
                texts = _strings(spec, matches)
                points = [_geo(text) for text in texts]
                if points:
                    sort_values[pos] = texts[0].encode()
                    if not spec.noindex:
                        doc.geo.append((spec, points[0] if len(points) == 1 else tuple(points)))
            elif t is FieldType.GEOSHAPE:
                wkt = _geoshape(matches)
                if wkt is not None:
                    sort_values[pos] = wkt.encode()
                    if not spec.noindex:
                        add_geoshape(doc, spec, wkt)
            elif t is FieldType.VECTOR:
                found = _vector(spec, matches)
                if found is not None:
                    doc.vectors.append((spec, found[0]))
                    doc.vector_values.append(found[1])
        except Failed as exc:
            return IndexingFailure(spec, str(exc), per_field=False)
    if any(v is not None for v in sort_values):
        doc.sort_values = tuple(sort_values)
    return doc


class ArraySortKey(bytes):
    """A TEXT or TAG sort value taken from an array (its first string): RediSearch keeps the array in the
    sorting vector, and SORTBY compares an array with a string as an empty string, so documents holding
    arrays come before those holding strings (after them DESC); arrays among themselves by that string."""

    __slots__ = ()


def _sort_text(spec: FieldSpec, text: str, many: bool) -> bytes:
    value = sortable_text(spec, text.encode())
    return ArraySortKey(value) if many else value


def returned_json(root: Any, path: JsonPath, dialect: int, spec: FieldSpec | None = None) -> bytes | Null | None:
    """A RETURN / LOAD value of a JSON document: None when the path matches nothing, NULL for a JSON null
    (replied as nil). DIALECT 1 and 2 read the first match: a string as its text, a number as RediSearch
    prints numbers, anything else as JSON. DIALECT 3 returns every match as one JSON array, except that a
    SORTABLE attribute holding one string or number is read from the sorting vector (its plain text; a
    null is left out)."""
    matches = path.values(root)
    if not matches:
        return None
    if dialect >= 3:
        if spec is not None and spec.sortable and len(matches) == 1 and not isinstance(matches[0], list | dict | array):
            return None if matches[0] is None else _scalar_text(matches[0])
        return dumps(matches)
    first = matches[0]
    if first is None:
        return NULL
    if isinstance(first, list | dict | array):
        return dumps(first)
    return _scalar_text(first)


def _scalar_text(value: Any) -> bytes:
    if isinstance(value, str):
        return value.encode()
    if _is_number(value):
        return format_number_bytes(float(value))
    return dumps(value)


def whole_document(root: Any, dialect: int = 1) -> bytes:
    """``$``: the document as JSON; DIALECT 3 returns every match of a path, here the one root, as an array."""
    return dumps(root) if dialect < 3 else b"[" + dumps(root) + b"]"


def filter_value(root: Any, identifier: bytes) -> bytes | float | None:
    """An index FILTER's (and SCORE_FIELD's, LANGUAGE_FIELD's, PAYLOAD_FIELD's) view of a JSON document's
    field: its first value (strings as bytes, numbers as numbers); None when the path matches nothing or
    null, or is not a path."""
    try:
        matches = compile_path(identifier).values(root)
    except RedVectorError:
        return None
    if not matches or matches[0] is None:
        return None
    first = matches[0]
    if isinstance(first, str):
        return first.encode()
    if _is_number(first):
        return float(first)
    return dumps(first)
