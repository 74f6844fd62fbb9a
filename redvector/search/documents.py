"""Hash -> Document (JSON documents: json_documents.py): the typed values an index stores for one key, or the indexing failure RediSearch reports.

Vector blobs are decoded with ``decode_blob``; a wrong size makes the whole document fail (not indexed,
counted in FT.INFO ``hash_indexing_failures``), as do unparsable NUMERIC and GEO values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from redvector.search.fields.geo import Point, parse_point
from redvector.search.fields.geoshape import Shape, ShapeError, parse_shape
from redvector.search.fields.numeric import parse_number
from redvector.search.schema import FieldSpec, FieldType, IndexDefinition
from redvector.search.vector.base import FloatArray, decode_blob

_CSV_FLOATS_RE = re.compile(rb"^\s*[-+]?[\d.eE+-]+(\s*,\s*[-+]?[\d.eE+-]+)*\s*$")


@dataclass(slots=True)
class Document:
    key: bytes
    score: float = 1.0
    language: str | None = None
    payload: bytes | None = None
    text: list[tuple[FieldSpec, str]] = field(default_factory=list)
    # A hash field gives one value per field; a JSON path may give several (a tuple).
    tags: list[tuple[FieldSpec, bytes | tuple[bytes, ...]]] = field(default_factory=list)
    numeric: list[tuple[FieldSpec, float | tuple[float, ...]]] = field(default_factory=list)
    geo: list[tuple[FieldSpec, Point | tuple[Point, ...]]] = field(default_factory=list)
    geoshapes: list[tuple[FieldSpec, Shape]] = field(default_factory=list)
    vectors: list[tuple[FieldSpec, FloatArray]] = field(default_factory=list)
    # Fields whose value could not be indexed while the document still is (a GEOSHAPE's invalid WKT):
    # counted in FT.INFO's indexing failures with their message.
    failures: list[tuple[FieldSpec, str]] = field(default_factory=list)
    # The raw values of ``vectors``: the hash's blobs; for JSON, the array's numbers in the field's type.
    vector_values: list[bytes] = field(default_factory=list)
    # SORTBY value (numbers as float, text as bytes) of each schema field, by schema position; () if none.
    # Hash documents keep SORTABLE fields' only (the index reads the others from the hash); JSON, all.
    sort_values: tuple[float | bytes | None, ...] = ()


@dataclass(frozen=True, slots=True)
class IndexingFailure:
    field: FieldSpec
    message: str
    # Counted in the field's own FT.INFO statistics too (JSON type errors count for the index only).
    per_field: bool = True


def parse_csv_vector(raw: bytes, dim: int) -> FloatArray | None:
    """The short syntax's text vectors: ``"0.1,0.2,..."`` with exactly ``dim`` numbers."""
    if not _CSV_FLOATS_RE.match(raw):
        return None
    try:
        values = [float(p) for p in raw.split(b",")]
    except ValueError:
        return None
    if len(values) != dim:
        return None
    return np.asarray(values, dtype=np.float32)


def vector_value(spec: FieldSpec, raw: bytes) -> FloatArray | None:
    """A field value as a float32 vector: the binary blob, or CSV text on VECTOR(n) fields."""
    assert spec.vector is not None
    if spec.csv_vectors:
        v = parse_csv_vector(raw, spec.vector.dim)
        if v is not None:
            return v
    return decode_blob(raw, spec.vector)


def sortable_text(spec: FieldSpec, raw: bytes) -> bytes:
    """SORTABLE text is normalised (case-folded) for sorting unless UNF, as RediSearch stores it."""
    if spec.sortable and not spec.unf:
        return raw.decode("utf-8", "replace").lower().encode()
    return raw


def add_geoshape(doc: Document, spec: FieldSpec, wkt: str) -> None:
    """Index a GEOSHAPE value, or record its failure (the rest of the document is still indexed)."""
    try:
        doc.geoshapes.append((spec, parse_shape(wkt, spec.coord_system == "SPHERICAL")))
    except ShapeError as exc:
        doc.failures.append((spec, f"Error indexing geoshape: {exc}"))


def build_document(definition: IndexDefinition, key: bytes, value: dict[bytes, bytes]) -> Document | IndexingFailure:
    doc = Document(key, score=definition.score, language=definition.language)
    if definition.score_field is not None and definition.score_field in value:
        s = parse_number(value[definition.score_field])
        if s is not None and 0 <= s <= 1:
            doc.score = s
    if definition.language_field is not None and definition.language_field in value:
        doc.language = value[definition.language_field].decode("latin-1").lower()
    if definition.payload_field is not None:
        doc.payload = value.get(definition.payload_field)
    # Only SORTABLE fields keep a sort value (as RediSearch's sorting vector): the others' are read back
    # from the hash when a query needs them (SearchIndex.sort_value), which saves a tuple per document.
    sort_values: list[float | bytes | None] = [None] * len(definition.fields)
    for pos, spec in enumerate(definition.fields):
        raw = value.get(spec.identifier)
        if raw is None:
            continue
        t = spec.type
        if t is FieldType.TEXT:
            text = raw.decode("utf-8", "replace")
            if spec.sortable:
                sort_values[pos] = sortable_text(spec, raw)
            if not spec.noindex:
                doc.text.append((spec, text))
        elif t is FieldType.TAG:
            if spec.sortable:
                sort_values[pos] = sortable_text(spec, raw)
            if not spec.noindex:
                doc.tags.append((spec, raw))
        elif t is FieldType.NUMERIC:
            num = parse_number(raw)
            if num is None:
                return IndexingFailure(spec, f"Invalid numeric value: '{raw.decode('utf-8', 'replace')}'")
            if spec.sortable:
                sort_values[pos] = num
            if not spec.noindex:
                doc.numeric.append((spec, num))
        elif t is FieldType.GEO:
            point = parse_point(raw)
            if point is None:
                return IndexingFailure(spec, f"Invalid geo coordinates: {raw.decode('utf-8', 'replace')}")
            if spec.sortable:
                sort_values[pos] = raw
            if not spec.noindex:
                doc.geo.append((spec, point))
        elif t is FieldType.GEOSHAPE:
            if spec.sortable:
                sort_values[pos] = raw
            if not spec.noindex:
                add_geoshape(doc, spec, raw.decode("utf-8", "replace"))
        elif t is FieldType.VECTOR:
            assert spec.vector is not None
            vec = vector_value(spec, raw)
            if vec is None:
                return IndexingFailure(
                    spec, f"Could not add vector with blob size {len(raw)} (expected size {spec.vector.blob_size})")
            doc.vectors.append((spec, vec))
            doc.vector_values.append(raw)
    if any(v is not None for v in sort_values):
        doc.sort_values = tuple(sort_values)
    return doc
