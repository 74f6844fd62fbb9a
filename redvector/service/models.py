"""Transport-neutral vector API values: distances, point ids, points, scored points, collection info.

REST and gRPC both convert to and from these; nothing here knows HTTP, protobuf or RESP.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from redvector.errors import BadRequest

# A stored vector as read back: a list, or by name for a collection with named (or sparse) vectors; a
# sparse vector reads back as {"indices": [...], "values": [...]}.
VectorOut = list[float] | dict[str, Any]

# A point id: an unsigned 64-bit int, a UUID, or (product API and keys written over RESP) any string.
PointId = int | uuid.UUID | str

# Fixed namespace for keys written over RESP that are neither uint nor UUID (qdrant.md §4.1).
KEY_NAMESPACE = uuid.UUID("6f1c5c0e-6e0b-4a59-9d3c-52656456656b")

U64_MAX = 2**64 - 1

# Canonical (Qdrant) distance name -> RediSearch DISTANCE_METRIC.
DISTANCE_METRIC: dict[str, str] = {"Cosine": "COSINE", "Euclid": "L2", "Dot": "IP"}
METRIC_DISTANCE: dict[str, str] = {v: k for k, v in DISTANCE_METRIC.items()}
# The product API's spelling of each canonical distance (README: Cosine, Euclidean, InnerProduct).
PRODUCT_DISTANCE: dict[str, str] = {"Cosine": "Cosine", "Euclid": "Euclidean", "Dot": "InnerProduct"}

_DISTANCE_ALIASES: dict[str, str] = {
    "cosine": "Cosine", "cos": "Cosine",
    "euclid": "Euclid", "euclidean": "Euclid", "l2": "Euclid",
    "dot": "Dot", "innerproduct": "Dot", "inner_product": "Dot", "ip": "Dot", "dotproduct": "Dot",
}


def parse_distance(text: Any) -> str:
    """Lenient distance spelling -> canonical Qdrant name (qdrant.md §6). Manhattan is not supported."""
    if not isinstance(text, str):
        raise BadRequest(f"distance must be a string, got {text!r}")
    canonical = _DISTANCE_ALIASES.get(text.strip().lower())
    if canonical is None:
        if text.strip().lower() in ("manhattan", "l1"):
            raise BadRequest("Bad request: Manhattan distance is not supported by RedVector")
        raise BadRequest(
            f"unknown distance {text!r}: expected Cosine, Euclid (Euclidean, L2) or Dot (InnerProduct, IP)"
        )
    return canonical


def higher_is_better(distance: str) -> bool:
    """Cosine and Dot scores are similarities (descending); Euclid scores are distances (ascending)."""
    return distance != "Euclid"


def format_id(point_id: PointId) -> int | str:
    """JSON form of an id: ints as numbers, UUIDs hyphenated lowercase, strings as they are."""
    if isinstance(point_id, uuid.UUID):
        return str(point_id)
    return point_id


def id_sort_key(point_id: PointId) -> tuple[int, Any]:
    """Scroll order: numeric ids ascending, then UUIDs ascending (qdrant.md §4.1), then other strings."""
    if isinstance(point_id, int):
        return (0, point_id)
    if isinstance(point_id, uuid.UUID):
        return (1, point_id.int)
    return (2, point_id)


@dataclass(frozen=True, slots=True)
class CollectionInfo:
    name: str
    vector_size: int
    distance: str  # canonical: Cosine | Euclid | Dot
    points_count: int
    indexed_vectors_count: int
    payload_schema: dict[str, dict[str, Any]] = field(default_factory=dict)
    vector_field: str = "vector"
    prefix: str = ""
    named: dict[str, tuple[int, str]] | None = None  # named vectors: name -> (size, canonical distance)
    sparse: dict[str, dict[str, Any]] | None = None  # sparse vectors: name -> Qdrant SparseVectorParams JSON


@dataclass(slots=True)
class Record:
    """A stored point as read back: id, payload (None when not requested) and vector (None likewise)."""

    id: PointId
    payload: dict[str, Any] | None = None
    vector: VectorOut | None = None
    key: bytes = b""
    order_value: int | float | None = None  # scroll with order_by: the value this record is ordered by


@dataclass(slots=True)
class ScoredPoint:
    id: PointId
    score: float
    payload: dict[str, Any] | None = None
    vector: VectorOut | None = None
    version: int = 0


@dataclass(frozen=True, slots=True)
class UpdateResult:
    operation_id: int
    status: str = "completed"  # acknowledged | completed
    affected: int = 0
