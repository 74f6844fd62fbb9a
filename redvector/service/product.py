"""RedVector's own vector API (``/api/collections/...`` over REST, ``redvector.VectorService`` over gRPC).

Ids are any non-negative integer or any string; the distance is reported in the product's spelling of the
configured metric (Cosine, Euclidean, InnerProduct); filters use Qdrant's filter language.
"""

from __future__ import annotations

from typing import Any

from redvector.errors import AlreadyExists, BadRequest, NotFound
from redvector.service.collections import Collections
from redvector.service.filters import Predicate, optional_filter
from redvector.service.ids import parse_product_id
from redvector.service.models import PRODUCT_DISTANCE, CollectionInfo, PointId, Record, ScoredPoint, format_id
from redvector.service.points import ALL_PAYLOAD, NO_PAYLOAD, PRODUCT, Points, PointWrite
from redvector.service.store import prepare_vector

MAX_LIMIT = 10000


def info_json(info: CollectionInfo) -> dict[str, Any]:
    return {
        "name": info.name,
        "vector_size": info.vector_size,
        "distance": PRODUCT_DISTANCE[info.distance],
        "points_count": info.points_count,
        "indexed_fields": sorted(info.payload_schema),
    }


def point_json(r: Record) -> dict[str, Any]:
    out: dict[str, Any] = {"id": format_id(r.id)}
    if r.vector is not None:
        out["vector"] = r.vector
    if r.payload is not None:
        out["payload"] = r.payload
    return out


def hit_json(p: ScoredPoint) -> dict[str, Any]:
    out: dict[str, Any] = {"id": format_id(p.id), "score": p.score}
    if p.payload is not None:
        out["payload"] = p.payload
    if p.vector is not None:
        out["vector"] = p.vector
    return out


def parse_limit(value: Any, default: int = 10) -> int:
    if value is None:
        return default
    if isinstance(value, str):
        if not value.isdigit():
            raise BadRequest(f"limit must be a positive integer, got {value!r}")
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_LIMIT:
        raise BadRequest(f"limit must be an integer between 1 and {MAX_LIMIT}, got {value!r}")
    return value


def parse_csv_vector(text: str | None) -> list[float]:
    if not text:
        raise BadRequest("missing query parameter `vector` (comma-separated floats)")
    try:
        return [float(x) for x in text.split(",")]
    except ValueError:
        raise BadRequest("vector must be comma-separated numbers, e.g. vector=0.1,0.2,0.3")


class ProductAPI:
    def __init__(self, collections: Collections, points: Points) -> None:
        self.collections = collections
        self.points = points

    def create(self, name: str, body: Any) -> tuple[dict[str, Any], bool]:
        """(info, created). An existing collection with the same size and distance gives created=False."""
        if not isinstance(body, dict):
            raise BadRequest("body must be a JSON object like {\"vector_size\": 384, \"distance\": \"Cosine\"}")
        if "vector_size" not in body:
            raise BadRequest("missing field `vector_size`")
        created = self.collections.create(name, body.get("vector_size"), body.get("distance", "Cosine"),
                                          algorithm=str(body.get("algorithm", "HNSW")), exist_ok=True)
        return info_json(self.collections.info(name)), created

    def create_strict(self, name: str, body: Any) -> dict[str, Any]:
        info, created = self.create(name, body)
        if not created:
            raise AlreadyExists(f"Collection `{name}` already exists")
        return info

    def info(self, name: str) -> dict[str, Any]:
        return info_json(self.collections.info(name))

    def list_all(self) -> dict[str, Any]:
        return {"collections": [info_json(self.collections.info(n)) for n in self.collections.names()]}

    def delete(self, name: str) -> dict[str, Any]:
        if not self.collections.delete(name):
            raise NotFound(f"Not found: Collection `{name}` doesn't exist!")
        return {"deleted": True}

    def upsert(self, name: str, body: Any) -> dict[str, Any]:
        iv = self.collections.get_unnamed(name)
        items = body.get("points") if isinstance(body, dict) else body
        if not isinstance(items, list):
            raise BadRequest("body must be {\"points\": [{\"id\": ..., \"vector\": [...], \"payload\": {...}}]}")
        writes = []
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                raise BadRequest(f"points[{i}] must be an object")
            if "id" not in item:
                raise BadRequest(f"points[{i}]: missing field `id`")
            try:
                pid = parse_product_id(item["id"])
            except BadRequest as exc:
                raise BadRequest(f"points[{i}].id: {exc.message}")
            vector = prepare_vector(iv, item.get("vector"), f"points[{i}].vector")
            payload = item.get("payload")
            if payload is None:
                payload = {}
            if not isinstance(payload, dict):
                raise BadRequest(f"points[{i}].payload must be an object")
            writes.append(PointWrite(pid, vector, payload))
        result = self.points.upsert(name, writes)
        return {"upserted": len(writes), "operation_id": result.operation_id}

    def search(self, name: str, vector: Any, limit: Any, *, filter_: Any = None,
               predicate: Predicate | None = None, with_payload: bool = True, with_vector: bool = False,
               score_threshold: float | None = None, offset: int = 0) -> dict[str, Any]:
        iv = self.collections.get_unnamed(name)
        query = prepare_vector(iv, vector, "vector")
        if predicate is None:
            predicate = optional_filter(filter_)
        hits = self.points.search(name, query, parse_limit(limit), predicate=predicate, offset=offset,
                                  score_threshold=score_threshold,
                                  with_payload=ALL_PAYLOAD if with_payload else NO_PAYLOAD,
                                  with_vector=with_vector, style=PRODUCT, iv=iv)
        return {"results": [hit_json(h) for h in hits], "distance": PRODUCT_DISTANCE[iv.distance]}

    def search_body(self, name: str, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise BadRequest("body must be a JSON object like {\"vector\": [...], \"limit\": 10}")
        offset = body.get("offset", 0)
        if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
            raise BadRequest("offset must be a non-negative integer")
        threshold = body.get("score_threshold")
        if threshold is not None and (isinstance(threshold, bool) or not isinstance(threshold, (int, float))):
            raise BadRequest("score_threshold must be a number")
        with_payload = body.get("with_payload", True)
        with_vector = body.get("with_vector", False)
        if not isinstance(with_payload, bool) or not isinstance(with_vector, bool):
            raise BadRequest("with_payload and with_vector must be booleans")
        return self.search(name, body.get("vector"), body.get("limit"), filter_=body.get("filter"),
                           with_payload=with_payload, with_vector=with_vector,
                           score_threshold=None if threshold is None else float(threshold), offset=offset)

    def get_point(self, name: str, point_id: PointId) -> dict[str, Any]:
        self.collections.get_unnamed(name)
        records = self.points.retrieve(name, [point_id], ALL_PAYLOAD, True, PRODUCT)
        if not records:
            raise NotFound(f"Not found: Point with id {format_id(point_id)} does not exist")
        return point_json(records[0])

    def get_points(self, name: str, ids: list[PointId], with_vector: bool) -> list[Record]:
        self.collections.get_unnamed(name)
        return self.points.retrieve(name, ids, ALL_PAYLOAD, with_vector, PRODUCT)

    def delete_point(self, name: str, point_id: PointId) -> dict[str, Any]:
        result = self.points.delete(name, [point_id], None, PRODUCT)
        if not result.affected:
            raise NotFound(f"Not found: Point with id {format_id(point_id)} does not exist")
        return {"deleted": True}

    def count(self, name: str, predicate: Predicate | None = None) -> int:
        return self.points.count(name, predicate, PRODUCT)
