"""redvector.VectorService: convert protobuf -> call service.product -> convert back (qdrant.md §9.2)."""

from __future__ import annotations

import json
import time
from typing import Any

import numpy as np
from google.protobuf import json_format, struct_pb2

from redvector.errors import BadRequest
from redvector.protocol.grpc.errors import rpc
from redvector.protocol.grpc.generated import redvector_pb2 as pb
from redvector.protocol.grpc.generated import redvector_pb2_grpc as pb_grpc
from redvector.service import VectorAPI
from redvector.service.filters import Predicate, compile_filter, simple_equality_filter
from redvector.service.ids import parse_product_id
from redvector.service.models import PointId, Record, VectorOut
from redvector.service.points import ALL_PAYLOAD, NO_PAYLOAD, PRODUCT
from redvector.service.product import parse_limit
from redvector.service.store import prepare_array


def struct_to_dict(message: struct_pb2.Struct) -> dict[str, Any]:
    """A Struct as JSON values; integral doubles become ints (Struct numbers are all doubles)."""
    return dict(_ints(json_format.MessageToDict(message)))


def _ints(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**63:
        return int(value)
    if isinstance(value, dict):
        return {k: _ints(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_ints(v) for v in value]
    return value


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value, separators=(",", ":"))


def _name(request: Any) -> str:
    name = request.collection_name or request.name
    if not name:
        raise BadRequest("collection_name (or name) is required")
    return str(name)


def _scored(point_id: PointId, score: float, payload: dict[str, Any] | None,
            vector: VectorOut | None) -> pb.ScoredPoint:
    out = pb.ScoredPoint(id=point_id, score=score) if type(point_id) is int else \
        pb.ScoredPoint(uuid=str(point_id), score=score)
    if payload is not None:
        for k, v in payload.items():
            out.payload[k] = _text(v)
        out.payload_json.update(payload)
    if isinstance(vector, list):  # always (the product API refuses collections with named vectors)
        out.vector.extend(vector)
    return out


def _ids(request: Any) -> list[PointId]:
    return [*(int(i) for i in request.ids), *(parse_product_id(u) for u in request.uuids)]




class VectorService(pb_grpc.VectorServiceServicer):
    def __init__(self, api: VectorAPI) -> None:
        self.api = api
        self.product = api.product

    def _create(self, request: pb.CreateCollectionRequest) -> pb.CreateCollectionResponse:
        name = _name(request)
        _, created = self.product.create(name, {"vector_size": request.vector_size,
                                                "distance": request.distance or "Cosine"})
        if created:
            return pb.CreateCollectionResponse(success=True, message=f"Collection '{name}' created successfully")
        return pb.CreateCollectionResponse(success=True, message=f"Collection '{name}' already exists")

    def _upsert(self, request: pb.UpsertRequest) -> pb.UpsertResponse:
        name = _name(request)
        points = []
        for p in request.points:
            payload: dict[str, Any] = dict(p.payload)
            if p.HasField("payload_json"):
                payload.update(struct_to_dict(p.payload_json))
            points.append({"id": p.uuid if p.uuid else p.id, "vector": list(p.vector), "payload": payload})
        result = self.product.upsert(name, {"points": points})
        return pb.UpsertResponse(success=True, upserted_count=result["upserted"],
                                 operation_id=result["operation_id"])

    def _predicate(self, request: Any) -> Predicate | None:
        if request.HasField("qdrant_filter"):
            return compile_filter(struct_to_dict(request.qdrant_filter))
        if len(request.filter):
            return simple_equality_filter(dict(request.filter))
        return None

    def _search(self, request: pb.SearchRequest) -> pb.SearchResponse:
        started = time.perf_counter()
        name = _name(request)
        iv = self.api.collections.get_unnamed(name)
        # The repeated float read straight into float32 (no Python list of 384 floats).
        raw = request.vector if len(request.vector) else request.query_vector
        query = prepare_array(iv, np.array(raw, dtype=np.float32), "vector")
        hits = self.api.points.search(
            name, query, parse_limit(request.limit or request.top or 10), predicate=self._predicate(request),
            offset=request.offset,
            score_threshold=request.score_threshold if request.HasField("score_threshold") else None,
            with_payload=ALL_PAYLOAD if not request.HasField("with_payload") or request.with_payload else NO_PAYLOAD,
            with_vector=request.with_vector, style=PRODUCT, iv=iv,
        )
        result = [_scored(h.id, h.score, h.payload, h.vector) for h in hits]
        elapsed = time.perf_counter() - started
        self.api.metrics.observe_search("grpc", elapsed)
        return pb.SearchResponse(result=result, time=elapsed)

    def _info(self, request: pb.GetCollectionInfoRequest) -> pb.GetCollectionInfoResponse:
        info = self.api.collections.info(_name(request))
        return pb.GetCollectionInfoResponse(
            collection_name=info.name, vector_size=info.vector_size, points_count=info.points_count,
            distance=info.distance, status="green", indexed_vectors_count=info.indexed_vectors_count,
        )

    def _delete_collection(self, request: pb.DeleteCollectionRequest) -> pb.DeleteCollectionResponse:
        self.product.delete(_name(request))
        return pb.DeleteCollectionResponse(success=True)

    def _list(self, request: pb.ListCollectionsRequest) -> pb.ListCollectionsResponse:
        return pb.ListCollectionsResponse(collections=self.api.collections.names())

    def _get(self, request: pb.GetPointsRequest) -> pb.GetPointsResponse:
        records: list[Record] = self.product.get_points(_name(request), _ids(request), request.with_vector)
        return pb.GetPointsResponse(result=[_scored(r.id, 0.0, r.payload, r.vector) for r in records])

    def _delete(self, request: pb.DeletePointsRequest) -> pb.DeletePointsResponse:
        name = _name(request)
        if request.HasField("qdrant_filter"):
            result = self.api.points.delete(name, None, compile_filter(struct_to_dict(request.qdrant_filter)), PRODUCT)
        else:
            ids = _ids(request)
            if not ids:
                raise BadRequest("give ids, uuids or qdrant_filter")
            result = self.api.points.delete(name, ids, None, PRODUCT)
        return pb.DeletePointsResponse(success=True, operation_id=result.operation_id, deleted=result.affected)

    def _count(self, request: pb.CountRequest) -> pb.CountResponse:
        return pb.CountResponse(count=self.product.count(_name(request), self._predicate(request)))

    CreateCollection = rpc(_create)
    Upsert = rpc(_upsert)
    Search = rpc(_search)
    GetCollectionInfo = rpc(_info)
    DeleteCollection = rpc(_delete_collection)
    ListCollections = rpc(_list)
    Get = rpc(_get)
    Delete = rpc(_delete)
    Count = rpc(_count)


__all__ = ["VectorService", "struct_to_dict"]
