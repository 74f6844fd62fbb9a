"""Qdrant sparse vectors: how they are declared in a collection's schema, stored in a point's hash,
validated, and scored (exact dot product over the indices a query and a point share).

Schema: a sparse vector ``text`` is the schema entry ``sparse:text AS sparse:text TAG NOINDEX`` (with
``modifier: idf``, ``AS sparse-idf:text``). A NOINDEX TAG field costs the search engine nothing per
document, and the schema (FT.CREATE, kept by AOF and RDB) is what tells a restarted server which sparse
vectors a collection has. Over RESP the field is just a hash field; RediSearch has no sparse vector type.

Storage: the hash field ``sparse:<name>`` holds the vector as little-endian binary: the n indices as
uint32, sorted ascending and unique, then their n values as float32 (8n bytes; an empty vector is the
empty string). A value of another length is not a sparse vector (the point is treated as lacking it).
``sparse:`` cannot collide with ``vector:<name>`` (dense named vectors) nor with payload mirror fields:
every field of this kind is reserved like a vector field (store.encode_payload skips them).

Scoring is Qdrant's (and qdrant-client local mode's): the dot product over common indices, summed in
index order; a point sharing no index with the query is not a hit; a point without the vector is not
either. Searches score against a SparseMatrix of the collection's points read from the keyspace (the
source of truth); points.Points.sparse_rows keeps it while the index's generation (moved by every write
of a key under the prefix, through any protocol: RESP HSET/DEL included) stays the same.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from redvector.errors import BadRequest

SPARSE_FIELD_PREFIX = b"sparse:"
IDF_ATTRIBUTE_PREFIX = b"sparse-idf:"
U32_MAX = 2**32 - 1
_F32_MAX = 3.4028234663852886e38


@dataclass(frozen=True, slots=True)
class SparseSpec:
    """One sparse vector of a collection: its Qdrant name, hash field and modifier."""

    name: str
    field: bytes
    idf: bool = False

    def params_json(self) -> dict[str, Any]:
        return {"modifier": "idf"} if self.idf else {}


@dataclass(frozen=True, slots=True)
class SparseVector:
    """Indices sorted ascending and unique (uint32), values aligned with them (float32)."""

    indices: npt.NDArray[np.uint32]
    values: npt.NDArray[np.float32]

    def to_json(self) -> dict[str, list[Any]]:
        return {"indices": [int(i) for i in self.indices], "values": [float(v) for v in self.values]}


def schema_args(name: str, idf: bool) -> list[bytes]:
    """The FT.CREATE SCHEMA entry that declares sparse vector ``name``."""
    encoded = name.encode()
    attribute = (IDF_ATTRIBUTE_PREFIX if idf else SPARSE_FIELD_PREFIX) + encoded
    return [SPARSE_FIELD_PREFIX + encoded, b"AS", attribute, b"TAG", b"NOINDEX"]


def spec_of(identifier: bytes, attribute: bytes, kind: str, noindex: bool) -> SparseSpec | None:
    """The sparse vector a schema field declares, or None when it is not such a field."""
    if kind != "TAG" or not noindex or not identifier.startswith(SPARSE_FIELD_PREFIX):
        return None
    name = identifier[len(SPARSE_FIELD_PREFIX):]
    if not name:
        return None
    if attribute == identifier:
        idf = False
    elif attribute == IDF_ATTRIBUTE_PREFIX + name:
        idf = True
    else:
        return None
    return SparseSpec(name.decode("utf-8", "replace"), bytes(identifier), idf)


def parse_params(value: Any, where: str) -> bool:
    """A SparseVectorParams object ({}, {"modifier": "idf" | "none"}, an index config) -> whether IDF."""
    if value is None:
        return False
    if not isinstance(value, dict):
        raise BadRequest(f"Format error in JSON body: {where} must be an object")
    modifier = value.get("modifier")
    if modifier is None or (isinstance(modifier, str) and modifier.lower() == "none"):
        return False
    if isinstance(modifier, str) and modifier.lower() == "idf":
        return True
    raise BadRequest(f"Format error in JSON body: {where}.modifier must be \"idf\" or \"none\", got {modifier!r}")


def is_sparse_json(value: Any) -> bool:
    """A JSON value shaped like a sparse vector ({"indices": ..., "values": ...})."""
    return isinstance(value, dict) and "indices" in value and "values" in value


def parse(value: Any, where: str) -> SparseVector:
    """Validate a JSON sparse vector as Qdrant does -> sorted by index (the order it is stored and returned
    in). Errors name ``where`` (the point and vector)."""
    if not isinstance(value, dict) or "indices" not in value or "values" not in value:
        raise BadRequest(f"Format error in JSON body: {where} must be a sparse vector {{indices, values}}")
    indices, values = value["indices"], value["values"]
    if not isinstance(indices, (list, np.ndarray)) or not isinstance(values, (list, np.ndarray)):
        raise BadRequest(f"Format error in JSON body: {where}: indices and values must be lists")
    if len(indices) != len(values):
        raise BadRequest(f"Wrong input: {where}: indices and values must have the same length "
                         f"({len(indices)} != {len(values)})")
    for i, x in enumerate(indices):
        if isinstance(x, bool) or not isinstance(x, (int, np.integer)) or not 0 <= int(x) <= U32_MAX:
            raise BadRequest(f"Format error in JSON body: {where}.indices[{i}] must be an integer between 0 "
                             f"and {U32_MAX}, got {x!r}")
    for i, v in enumerate(values):
        if isinstance(v, bool) or not isinstance(v, (int, float, np.floating, np.integer)) or not _finite_f32(v):
            raise BadRequest(f"Format error in JSON body: {where}.values[{i}] must be a finite number, got {v!r}")
    idx = np.asarray(indices, dtype=np.int64)
    order = np.argsort(idx, kind="stable")
    idx = idx[order]
    if idx.size > 1 and bool((idx[1:] == idx[:-1]).any()):
        dup = int(idx[1:][idx[1:] == idx[:-1]][0])
        raise BadRequest(f"Wrong input: {where}: indices must be unique (index {dup} is repeated)")
    vals = np.asarray(values, dtype=np.float64)[order].astype(np.float32)
    return SparseVector(idx.astype(np.uint32), vals)


def _finite_f32(x: Any) -> bool:
    try:
        return math.isfinite(float(x)) and abs(float(x)) <= _F32_MAX
    except (OverflowError, ValueError):
        return False


def encode(vector: SparseVector) -> bytes:
    return vector.indices.astype("<u4").tobytes() + vector.values.astype("<f4").tobytes()


def decode(blob: bytes) -> SparseVector | None:
    """A stored sparse vector, or None when ``blob`` is not one (its length is not a multiple of 8)."""
    if len(blob) % 8:
        return None
    n = len(blob) // 8
    return SparseVector(np.frombuffer(blob, dtype="<u4", count=n),
                        np.frombuffer(blob, dtype="<f4", count=n, offset=4 * n))


class SparseMatrix:
    """The sparse vectors of one collection's points as an inverted index (every stored entry, ordered by
    index): a query reads only the entries of its own indices. Row i is stored[i]."""

    __slots__ = ("count", "indices", "owner", "values")

    def __init__(self, blobs: list[bytes]) -> None:
        """From stored sparse vectors (encode's bytes; each length a multiple of 8), decoded all at once."""
        self.count = len(blobs)
        lengths = np.fromiter(map(len, blobs), dtype=np.int64, count=self.count) // 8
        words = np.frombuffer(b"".join(blobs), dtype="<u4")
        # Each blob is n index words then n value words: tell them apart by the position within the blob.
        width = 2 * lengths
        within = np.arange(len(words)) - np.repeat(np.cumsum(width) - width, width)
        is_index = within < np.repeat(lengths, width)
        indices = words[is_index]
        values = words[~is_index].view("<f4")
        owner = np.repeat(np.arange(self.count, dtype=np.int32), lengths)
        # A row holds an index at most once, so the order among one index's entries does not matter.
        order = np.argsort(indices)
        self.indices: npt.NDArray[np.uint32] = indices[order]
        self.values: npt.NDArray[np.float64] = values[order].astype(np.float64)
        self.owner: npt.NDArray[np.int32] = owner[order]

    def _postings(self, query: SparseVector) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """Where each query index's entries start, and how many there are (its document frequency)."""
        lo = np.searchsorted(self.indices, query.indices, side="left")
        hi = np.searchsorted(self.indices, query.indices, side="right")
        return lo.astype(np.int64), (hi - lo).astype(np.int64)

    def idf_weighted(self, query: SparseVector) -> SparseVector:
        """The query with each value times its IDF over the rows (every point that has the vector), as
        Qdrant's ``modifier: idf``: ln((n - df + 0.5) / (df + 0.5) + 1), df the rows holding the index."""
        _, df = self._postings(query)
        weights = np.log((self.count - df + 0.5) / (df + 0.5) + 1.0)
        return SparseVector(query.indices, (query.values.astype(np.float64) * weights).astype(np.float32))

    def scores(self, query: SparseVector) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
        """(score, overlaps) per row: the dot product over common indices, summed in index order in float64
        (the query's indices are ascending, and bincount adds in entry order), and whether any index is
        common (a row sharing none is not a hit)."""
        lo, lengths = self._postings(query)
        total = int(lengths.sum())
        if total == 0:
            return np.zeros(self.count), np.zeros(self.count, dtype=bool)
        starts = np.repeat(lo - (np.cumsum(lengths) - lengths), lengths)
        positions = starts + np.arange(total)
        owners = self.owner[positions]
        products = self.values[positions] * np.repeat(query.values.astype(np.float64), lengths)
        scores = np.bincount(owners, weights=products, minlength=self.count).astype(np.float64)
        return scores, np.bincount(owners, minlength=self.count) > 0
