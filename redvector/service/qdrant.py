"""The Qdrant API over JSON values (qdrant.md §3): request bodies in, ``result`` values out.

REST routes call these with the parsed body; the Qdrant gRPC servicers convert protobuf to the same JSON
with qdrant-client's converters and call them too, so both transports share one implementation.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from redvector.errors import BadRequest, NotFound
from redvector.search.vector.base import FloatArray
from redvector.service.collections import Collections, validate_size
from redvector.service.engine import IndexView
from redvector.service.groups import Group, GroupRequest, group_by_path, group_ranked
from redvector.service.ids import parse_json_id
from redvector.service.models import CollectionInfo, PointId, Record, ScoredPoint, UpdateResult, format_id
from redvector.service.ordering import ordered_page, parse_order_by
from redvector.service.points import (
    ALL_PAYLOAD,
    NO_PAYLOAD,
    QDRANT,
    PayloadSelector,
    Points,
    PointWrite,
    VectorSelector,
)
from redvector.service.qdrant_body import integer as _int
from redvector.service.qdrant_body import number as _number
from redvector.service.qdrant_body import obj as _obj
from redvector.service.qdrant_body import qdrant_filter as _filter
from redvector.service.query_pipeline import (
    LeafQuery,
    NearestQuery,
    QueryPipeline,
    SparseNearestQuery,
    has_prefetch,
    is_fusion,
)
from redvector.service.sparse import SparseSpec, SparseVector, is_sparse_json, parse_params
from redvector.service.sparse import parse as parse_sparse
from redvector.service.store import PointVectors, normalize, prepare_vector

QDRANT_VERSION = "1.19.0"

_UNSUPPORTED_QUERY = ("discover", "context", "formula", "mmr", "sample", "order_by", "document", "image", "object")


def version_document(version: str = QDRANT_VERSION) -> dict[str, Any]:
    return {"title": "qdrant - vector search engine", "version": version}


def no_vector_name(name: Any, iv: IndexView) -> BadRequest:
    hint = ""
    if name in (None, "") and iv.named is not None:
        hint = f"(this collection's vectors are named: {', '.join([*iv.named, *iv.sparse])})"
    return BadRequest(f"Wrong input: Not existing vector name error: {'' if name is None else name}{hint}")


def sparse_mismatch(name: str) -> BadRequest:
    return BadRequest(f"Wrong input: Conversion between sparse and regular vectors failed for vector '{name}'")


def payload_selector(value: Any, default: bool) -> PayloadSelector:
    if value is None:
        return ALL_PAYLOAD if default else NO_PAYLOAD
    if isinstance(value, bool):
        return ALL_PAYLOAD if value else NO_PAYLOAD
    if isinstance(value, list) and all(isinstance(k, str) for k in value):
        return PayloadSelector("include", tuple(value))
    if isinstance(value, dict):
        if isinstance(value.get("include"), list):
            return PayloadSelector("include", tuple(str(k) for k in value["include"]))
        if isinstance(value.get("exclude"), list):
            return PayloadSelector("exclude", tuple(str(k) for k in value["exclude"]))
    raise BadRequest(f"Format error in JSON body: with_payload must be a bool, a list of keys, "
                     f"or {{include|exclude: [...]}}, got {value!r}")


def with_vector_flag(body: dict[str, Any]) -> VectorSelector:
    """False, True, or the names asked for (a collection with an unnamed vector returns it for any name)."""
    value = body.get("with_vector", body.get("with_vectors"))
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, list) and all(isinstance(n, str) for n in value):
        return tuple(value) if value else False
    raise BadRequest(f"Format error in JSON body: with_vector must be a bool or a list of names, got {value!r}")


# -- JSON shapes ----------------------------------------------------------------------------------------
def record_json(r: Record) -> dict[str, Any]:
    out: dict[str, Any] = {"id": format_id(r.id)}
    if r.payload is not None:
        out["payload"] = r.payload
    if r.vector is not None:
        out["vector"] = r.vector
    if r.order_value is not None:
        out["order_value"] = r.order_value
    return out


def scored_json(p: ScoredPoint) -> dict[str, Any]:
    out: dict[str, Any] = {"id": format_id(p.id), "version": p.version, "score": p.score}
    if p.payload is not None:
        out["payload"] = p.payload
    if p.vector is not None:
        out["vector"] = p.vector
    return out


def update_json(u: UpdateResult, wait: bool = True) -> dict[str, Any]:
    return {"operation_id": u.operation_id, "status": "completed" if wait else "acknowledged"}


def collection_info_json(info: CollectionInfo) -> dict[str, Any]:
    vectors: dict[str, Any] = {"size": info.vector_size, "distance": info.distance}
    if info.named is not None:
        vectors = {n: {"size": size, "distance": distance} for n, (size, distance) in info.named.items()}
    params: dict[str, Any] = {"vectors": vectors}
    if info.sparse:
        params["sparse_vectors"] = info.sparse
    return {
        "status": "green",
        "optimizer_status": "ok",
        "indexed_vectors_count": info.indexed_vectors_count,
        "points_count": info.points_count,
        "segments_count": 1,
        "config": {
            "params": {
                **params,
                "shard_number": 1, "replication_factor": 1, "write_consistency_factor": 1,
                "on_disk_payload": False,
            },
            "hnsw_config": {"m": 16, "ef_construct": 200, "full_scan_threshold": 10000,
                            "max_indexing_threads": 0, "on_disk": False},
            "optimizer_config": {"deleted_threshold": 0.2, "vacuum_min_vector_number": 1000,
                                 "default_segment_number": 0, "max_segment_size": None,
                                 "memmap_threshold": None, "indexing_threshold": 10000,
                                 "flush_interval_sec": 5, "max_optimization_threads": None},
            "wal_config": {"wal_capacity_mb": 32, "wal_segments_ahead": 0},
            "quantization_config": None,
        },
        "payload_schema": {
            name: {"data_type": entry["data_type"], "points": info.points_count}
            for name, entry in info.payload_schema.items()
        },
    }


class QdrantAPI:
    """Each method is one Qdrant REST route's behaviour (body -> result)."""

    def __init__(self, collections: Collections, points: Points) -> None:
        self.collections = collections
        self.points = points
        self.pipeline = QueryPipeline(points, self._leaf)

    # -- collections -------------------------------------------------------------------------------------
    def list_collections(self) -> dict[str, Any]:
        return {"collections": [{"name": n} for n in self.collections.names()]}

    def get_collection(self, name: str) -> dict[str, Any]:
        return collection_info_json(self.collections.info(name))

    def collection_exists(self, name: str) -> dict[str, Any]:
        return {"exists": self.collections.exists(name)}

    def create_collection(self, name: str, body: Any) -> bool:
        body = _obj(body)
        sparse = self._sparse_config(body.get("sparse_vectors"))
        vectors = body.get("vectors")
        if vectors is None and sparse:
            vectors = {}
        if not isinstance(vectors, dict):
            raise BadRequest("Format error in JSON body: `vectors` must be an object {size, distance}")
        if "size" not in vectors:
            if all(isinstance(v, dict) for v in vectors.values()) and (vectors or sparse):
                return self._create_named(name, vectors, sparse)
            raise BadRequest("Format error in JSON body: missing field `size` in vectors")
        if vectors.get("multivector_config"):
            raise BadRequest("Bad request: multivectors are not supported by RedVector")
        size = validate_size(vectors.get("size"), "vectors.size")
        self.collections.create(name, size, vectors.get("distance"), sparse=sparse)
        return True

    @staticmethod
    def _sparse_config(raw: Any) -> dict[str, bool]:
        """``sparse_vectors``: name -> SparseVectorParams ({} or {"modifier": "idf"}) -> name -> IDF."""
        if raw is None:
            return {}
        if not isinstance(raw, dict):
            raise BadRequest("Format error in JSON body: sparse_vectors must be an object {name: {}}")
        out: dict[str, bool] = {}
        for vector_name, params in raw.items():
            if not vector_name:
                raise BadRequest("Wrong input: sparse vector name cannot be empty")
            out[vector_name] = parse_params(params, f"sparse_vectors.{vector_name}")
        return out

    def _create_named(self, name: str, vectors: dict[str, Any], sparse: dict[str, bool] | None = None) -> bool:
        spec: dict[str, tuple[Any, Any]] = {}
        for vector_name, params in vectors.items():
            if "size" not in params:
                raise BadRequest(f"Format error in JSON body: missing field `size` in vectors.{vector_name}")
            if params.get("multivector_config"):
                raise BadRequest("Bad request: multivectors are not supported by RedVector")
            spec[vector_name] = (params.get("size"), params.get("distance"))
        return self.collections.create_named(name, spec, sparse)

    def delete_collection(self, name: str) -> bool:
        return self.collections.delete(name)

    def create_index(self, name: str, body: Any, wait: bool) -> dict[str, Any]:
        body = _obj(body)
        return update_json(self.collections.create_payload_index(name, body.get("field_name"),
                                                                 body.get("field_schema")), wait)

    def delete_index(self, name: str, field_name: str, wait: bool) -> dict[str, Any]:
        return update_json(self.collections.delete_payload_index(name, field_name), wait)

    # -- points: writes ----------------------------------------------------------------------------------
    def _vector(self, iv: IndexView, value: Any, where: str) -> FloatArray:
        """One dense vector for ``iv`` (a collection's unnamed vector, or a named vector's view)."""
        if isinstance(value, dict):
            if len(value) == 1 and isinstance(next(iter(value.values())), list):
                name, inner = next(iter(value.items()))
                if iv.named is None and (name == iv.vector_name or (not iv.vector_name and name in (
                        "", iv.vector_field.decode()))):
                    return prepare_vector(iv, inner, where)
                raise no_vector_name(name, iv)
            if is_sparse_json(value):
                raise sparse_mismatch(iv.vector_name)
            raise BadRequest(f"Bad request: {where}: multi vectors are not supported by RedVector")
        if iv.named is not None:
            raise no_vector_name("", iv)
        return prepare_vector(iv, value, where)

    def _point_vector(self, iv: IndexView, value: Any, where: str) -> PointVectors:
        """A point's vector: the collection's vector, or for named (or sparse) vectors {name: vector} (some
        names may be missing: the point has no such vector)."""
        if iv.named is None and not (iv.sparse and isinstance(value, dict)):
            return self._vector(iv, value, where)
        if not isinstance(value, dict):
            raise no_vector_name("", iv)
        out: dict[str, FloatArray | SparseVector] = {}
        for vector_name, inner in value.items():
            if vector_name in iv.sparse:
                if not isinstance(inner, dict):
                    raise sparse_mismatch(vector_name)
                out[vector_name] = parse_sparse(inner, f"{where}.{vector_name}")
                continue
            space = iv.space(vector_name) if iv.named is None else iv.named.get(vector_name)
            if space is None:
                raise no_vector_name(vector_name, iv)
            if isinstance(inner, dict):
                if is_sparse_json(inner):
                    raise sparse_mismatch(vector_name)
                raise BadRequest(f"Bad request: {where}.{vector_name}: multi vectors are not supported by RedVector")
            out[vector_name] = prepare_vector(space, inner, f"{where}.{vector_name}")
        return out

    def _space(self, iv: IndexView, using: Any) -> IndexView:
        """The vector a search uses: ``using`` names it ("" or absent: the unnamed vector)."""
        if using is None:
            using = ""
        if not isinstance(using, str):
            raise BadRequest("Format error in JSON body: using must be a string")
        if using in iv.sparse:
            raise BadRequest(f"Bad request: '{using}' is a sparse vector: only a nearest query by a sparse "
                             "vector (or a point id) is supported for it")
        space = iv.space(using)
        if space is None:
            raise no_vector_name(using, iv)
        return space

    def _payload(self, value: Any, where: str) -> dict[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise BadRequest(f"Format error in JSON body: {where} must be an object or null")
        return value

    def upsert(self, name: str, body: Any, wait: bool) -> dict[str, Any]:
        body = _obj(body)
        iv = self.collections.get(name)
        writes: list[PointWrite] = []
        if "points" in body:
            items = body["points"]
            if not isinstance(items, list):
                raise BadRequest("Format error in JSON body: points must be a list")
            for i, item in enumerate(items):
                if not isinstance(item, dict):
                    raise BadRequest(f"Format error in JSON body: points[{i}] must be an object")
                if "id" not in item:
                    raise BadRequest(f"Format error in JSON body: points[{i}]: missing field `id`")
                pid = parse_json_id(item["id"])
                vector_value = item.get("vector", item.get("vectors"))
                if vector_value is None:
                    raise BadRequest(f"Format error in JSON body: points[{i}]: missing field `vector`")
                writes.append(PointWrite(pid, self._point_vector(iv, vector_value, f"points[{i}].vector"),
                                         self._payload(item.get("payload"), f"points[{i}].payload")))
        elif "batch" in body:
            batch = _obj(body["batch"], "batch")
            ids = batch.get("ids")
            vectors = batch.get("vectors")
            payloads = batch.get("payloads")
            if isinstance(vectors, dict) and isinstance(ids, list):
                vectors = self._named_batch(vectors, len(ids))
            if not isinstance(ids, list) or not isinstance(vectors, list):
                raise BadRequest("Format error in JSON body: batch needs `ids` and `vectors` lists")
            if len(ids) != len(vectors) or (payloads is not None and len(payloads) != len(ids)):
                raise BadRequest("Wrong input: batch ids, vectors and payloads must have the same length")
            for i, raw_id in enumerate(ids):
                pid = parse_json_id(raw_id)
                payload = self._payload(payloads[i] if payloads is not None else None, f"batch.payloads[{i}]")
                writes.append(PointWrite(pid, self._point_vector(iv, vectors[i], f"batch.vectors[{i}]"), payload))
        else:
            raise BadRequest("Format error in JSON body: expected `points` or `batch`")
        mode = body.get("update_mode") or "upsert"
        if mode not in ("upsert", "insert_only", "update_only"):
            raise BadRequest(f"Format error in JSON body: unknown update_mode {mode!r}")
        return update_json(self.points.upsert(name, writes, mode), wait)

    @staticmethod
    def _named_batch(vectors: dict[str, Any], count: int) -> list[dict[str, Any]]:
        """A named batch {"img": [[..], ..], ...} as one {name: vector} per point."""
        per_point: list[dict[str, Any]] = [{} for _ in range(count)]
        for vector_name, column in vectors.items():
            if not isinstance(column, list) or len(column) != count:
                raise BadRequest(f"Wrong input: batch.vectors.{vector_name} must be a list with one vector per id")
            for i, vector in enumerate(column):
                per_point[i][vector_name] = vector
        return per_point

    def _selector(self, body: dict[str, Any], ids_field: str = "points") -> tuple[list[PointId] | None, Any]:
        ids = body.get(ids_field)
        if ids is not None:
            if not isinstance(ids, list):
                raise BadRequest(f"Format error in JSON body: {ids_field} must be a list of ids")
            return [parse_json_id(v) for v in ids], None
        if body.get("filter") is not None:
            return None, _filter(body["filter"])
        raise BadRequest(f"Format error in JSON body: expected `{ids_field}` or `filter`")

    def update_vectors(self, name: str, body: Any, wait: bool) -> dict[str, Any]:
        """PUT points/vectors: replace only the given (named) vectors of existing points."""
        body = _obj(body)
        iv = self.collections.get(name)
        items = body.get("points")
        if not isinstance(items, list) or not items:
            raise BadRequest("Format error in JSON body: points must be a non-empty list of {id, vector}")
        updates: list[PointWrite] = []
        for i, item in enumerate(items):
            if not isinstance(item, dict) or "id" not in item or item.get("vector") is None:
                raise BadRequest(f"Format error in JSON body: points[{i}] must be an object with `id` and `vector`")
            pid = parse_json_id(item["id"])
            updates.append(PointWrite(pid, self._point_vector(iv, item["vector"], f"points[{i}].vector"), {}))
        predicate = _filter(body.get("update_filter"))
        return update_json(self.points.update_vectors(name, updates, predicate, QDRANT), wait)

    def delete_vectors(self, name: str, body: Any, wait: bool) -> dict[str, Any]:
        """POST points/vectors/delete: remove the named vectors (by ids or filter) from points."""
        body = _obj(body)
        iv = self.collections.get(name)
        names = body.get("vector", body.get("vectors"))
        if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
            raise BadRequest("Format error in JSON body: vector must be a non-empty list of vector names")
        ids, predicate = self._selector(body)
        fields = []
        for vector_name in names:
            if vector_name in iv.sparse:
                fields.append(iv.sparse[vector_name].field)
                continue
            space = iv.space(vector_name)
            if space is None:
                raise no_vector_name(vector_name, iv)
            fields.append(space.vector_field)
        return update_json(self.points.delete_vectors(name, ids, predicate, fields, QDRANT), wait)

    def delete_points(self, name: str, body: Any, wait: bool) -> dict[str, Any]:
        body = _obj(body)
        self.collections.get(name)
        ids, predicate = self._selector(body)
        return update_json(self.points.delete(name, ids, predicate, QDRANT), wait)

    def set_payload(self, name: str, body: Any, wait: bool, overwrite: bool = False) -> dict[str, Any]:
        body = _obj(body)
        self.collections.get(name)
        payload = body.get("payload")
        if not isinstance(payload, dict):
            raise BadRequest("Format error in JSON body: payload must be an object")
        ids, predicate = self._selector(body)
        key = body.get("key")
        if key is not None and not isinstance(key, str):
            raise BadRequest("Format error in JSON body: key must be a string")
        if overwrite:
            result = self.points.update_payload(name, ids, predicate, QDRANT, overwrite=payload)
        else:
            result = self.points.update_payload(name, ids, predicate, QDRANT, set_=payload, key_path=key)
        return update_json(result, wait)

    def delete_payload(self, name: str, body: Any, wait: bool) -> dict[str, Any]:
        body = _obj(body)
        self.collections.get(name)
        keys = body.get("keys")
        if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
            raise BadRequest("Format error in JSON body: keys must be a list of strings")
        ids, predicate = self._selector(body)
        return update_json(self.points.update_payload(name, ids, predicate, QDRANT, delete_keys=keys), wait)

    def clear_payload(self, name: str, body: Any, wait: bool) -> dict[str, Any]:
        body = _obj(body)
        self.collections.get(name)
        ids, predicate = self._selector(body)
        return update_json(self.points.update_payload(name, ids, predicate, QDRANT, clear=True), wait)

    # -- points: reads -----------------------------------------------------------------------------------
    def retrieve(self, name: str, body: Any) -> list[dict[str, Any]]:
        body = _obj(body)
        ids = body.get("ids")
        if not isinstance(ids, list):
            raise BadRequest("Format error in JSON body: ids must be a list")
        parsed: list[PointId] = [parse_json_id(v) for v in ids]
        records = self.points.retrieve(name, parsed, payload_selector(body.get("with_payload"), True),
                                       with_vector_flag(body), QDRANT)
        return [record_json(r) for r in records]

    def get_point(self, name: str, point_id: PointId) -> dict[str, Any]:
        records = self.points.retrieve(name, [point_id], ALL_PAYLOAD, True, QDRANT)
        if not records:
            raise NotFound(f"Not found: Point with id {format_id(point_id)} does not exists!")
        return record_json(records[0])

    def scroll(self, name: str, body: Any) -> dict[str, Any]:
        body = _obj(body)
        predicate = _filter(body.get("filter"))
        limit = _int(body.get("limit"), "limit", 10, 1)
        if body.get("order_by") is not None:
            if body.get("offset") is not None:
                raise BadRequest("Bad request: offset cannot be used with order_by (use order_by.start_from)")
            order = parse_order_by(body["order_by"])
            self.collections.get(name)
            page = ordered_page(self.points, name, predicate, order, limit,
                                payload_selector(body.get("with_payload"), True), with_vector_flag(body), QDRANT)
            return {"points": [record_json(r) for r in page], "next_page_offset": None}
        offset = parse_json_id(body["offset"]) if body.get("offset") is not None else None
        page, next_offset = self.points.scroll(name, predicate, limit, offset,
                                               payload_selector(body.get("with_payload"), True),
                                               with_vector_flag(body), QDRANT)
        return {"points": [record_json(r) for r in page],
                "next_page_offset": None if next_offset is None else format_id(next_offset)}

    def count(self, name: str, body: Any) -> dict[str, Any]:
        body = _obj(body)
        predicate = _filter(body.get("filter"))
        return {"count": self.points.count(name, predicate, QDRANT)}

    # -- search ------------------------------------------------------------------------------------------
    def _query_vector(self, iv: IndexView, value: Any, where: str) -> tuple[FloatArray, list[PointId]]:
        """A query given as a vector, or as a point id (whose stored vector is used and excluded)."""
        if isinstance(value, (int, str)) and not isinstance(value, bool):
            pid = parse_json_id(value)
            return self.points.vector_of(iv, pid, QDRANT), [pid]
        return self._vector(iv, value, where), []

    def _search_params(self, body: dict[str, Any]) -> int | None:
        params = body.get("params")
        if isinstance(params, dict) and isinstance(params.get("hnsw_ef"), int):
            return int(params["hnsw_ef"])
        return None

    def _run_search(self, name: str, iv: IndexView, space: IndexView, body: dict[str, Any], vector: FloatArray,
                    exclude: list[PointId], payload_default: bool) -> list[dict[str, Any]]:
        limit = _int(body.get("limit", body.get("top")), "limit", 10, 0)
        offset = _int(body.get("offset"), "offset", 0, 0)
        hits = self.points.search(
            name, vector, limit, predicate=_filter(body.get("filter")), offset=offset,
            score_threshold=_number(body.get("score_threshold"), "score_threshold"),
            with_payload=payload_selector(body.get("with_payload"), payload_default),
            with_vector=with_vector_flag(body), exclude=exclude, ef_runtime=self._search_params(body),
            style=QDRANT, iv=iv, space=space,
        )
        return [scored_json(h) for h in hits]

    def _query_input(self, space: IndexView, query: Any, where: str) -> tuple[FloatArray, list[PointId]]:
        """A query (nearest, recommend, or a bare vector or id) as a vector, and the point ids it names."""
        if isinstance(query, dict):
            if "nearest" in query:
                return self._query_vector(space, query["nearest"], f"{where}.nearest")
            if "recommend" in query:
                return self._recommend_vector(space, _obj(query["recommend"], f"{where}.recommend"))
            kind = next(iter(query), "?")
            raise BadRequest(f"Bad request: query `{kind}` is not supported by RedVector")
        return self._query_vector(space, query, where)

    def _leaf(self, iv: IndexView, query: Any, using: Any, params: Any, where: str) -> tuple[LeafQuery, list[PointId]]:
        """A prefetch's (or re-scoring) query as a source of scored points (query_pipeline.LeafParser): a
        dense nearest query, or a sparse one ``using`` a sparse vector (a vector or a point's)."""
        if isinstance(using, str) and using in iv.sparse:
            spec = iv.sparse[using]
            if isinstance(query, dict) and "nearest" in query:
                query = query["nearest"]
            if isinstance(query, (int, str)) and not isinstance(query, bool):
                pid = parse_json_id(query)
                return SparseNearestQuery(spec, self.points.sparse_vector_of(iv, spec, pid, QDRANT)), [pid]
            if is_sparse_json(query):
                return SparseNearestQuery(spec, parse_sparse(query, where)), []
            if isinstance(query, dict) and query and not isinstance(next(iter(query.values())), list):
                kind = next(iter(query), "?")
                raise BadRequest(f"Bad request: query `{kind}` is not supported for sparse vectors by RedVector")
            raise sparse_mismatch(using)
        space = self._space(iv, using)
        vector, exclude = self._query_input(space, query, where)
        return NearestQuery(space, vector, self._search_params({"params": params})), exclude

    def query(self, name: str, body: Any) -> dict[str, Any]:
        body = _obj(body)
        iv = self.collections.get(name)
        if body.get("lookup_from") is not None:
            raise BadRequest("Bad request: lookup_from is not supported by RedVector")
        query = body.get("query")
        if has_prefetch(body) or is_fusion(query):
            return {"points": self._query_with_prefetch(iv, body)}
        using = body.get("using")
        if query is not None and isinstance(using, str) and using in iv.sparse:
            if isinstance(query, dict) and "nearest" in query:
                query = query["nearest"]
            elif isinstance(query, dict) and not is_sparse_json(query):
                kind = next(iter(query), "?")
                raise BadRequest(f"Bad request: query `{kind}` is not supported for sparse vectors by RedVector")
            return {"points": [scored_json(h) for h in self.sparse_nearest(iv, iv.sparse[using], query, body)]}
        scrolls = query is None and (using is None or (isinstance(using, str) and using in iv.sparse))
        space = iv if scrolls else self._space(iv, using)
        if query is None:
            limit = _int(body.get("limit"), "limit", 10, 0)
            offset = _int(body.get("offset"), "offset", 0, 0)
            page, _ = self.points.scroll(name, _filter(body.get("filter")), limit + offset, None,
                                         payload_selector(body.get("with_payload"), False),
                                         with_vector_flag(body), QDRANT)
            return {"points": [{**record_json(r), "version": 0, "score": 1.0} for r in page[offset:]]}
        vector, exclude = self._query_input(space, query, "query")
        return {"points": self._run_search(name, iv, space, body, vector, exclude, payload_default=False)}

    def sparse_nearest(self, iv: IndexView, spec: SparseSpec, nearest: Any, body: dict[str, Any],
                       payload_default: bool = False) -> list[ScoredPoint]:
        """One nearest query by sparse vector ``spec``: ``nearest`` is a sparse vector {indices, values} or a
        point id (its stored sparse vector; the point is left out); limit, offset, filter, score_threshold,
        with_payload and with_vector(s) come from ``body``. Scored points, best first."""
        exclude: list[PointId] = []
        if isinstance(nearest, (int, str)) and not isinstance(nearest, bool):
            pid = parse_json_id(nearest)
            vector = self.points.sparse_vector_of(iv, spec, pid, QDRANT)
            exclude.append(pid)
        elif is_sparse_json(nearest):
            vector = parse_sparse(nearest, "query")
        else:
            raise sparse_mismatch(spec.name)
        return self.points.sparse_search(
            iv, spec, vector, _int(body.get("limit", body.get("top")), "limit", 10, 0),
            predicate=_filter(body.get("filter")), offset=_int(body.get("offset"), "offset", 0, 0),
            score_threshold=_number(body.get("score_threshold"), "score_threshold"),
            with_payload=payload_selector(body.get("with_payload"), payload_default),
            with_vector=with_vector_flag(body), exclude=exclude, style=QDRANT)

    def _query_with_prefetch(self, iv: IndexView, body: dict[str, Any]) -> list[dict[str, Any]]:
        stage = self.pipeline.parse(iv, body)
        hits = self.pipeline.run(iv, stage, offset=_int(body.get("offset"), "offset", 0, 0))
        points = self.points.scored_points(iv, hits, payload_selector(body.get("with_payload"), False),
                                           with_vector_flag(body))
        return [scored_json(p) for p in points]

    def query_batch(self, name: str, body: Any) -> list[dict[str, Any]]:
        searches = _obj(body).get("searches")
        if not isinstance(searches, list):
            raise BadRequest("Format error in JSON body: searches must be a list")
        return [self.query(name, s) for s in searches]

    def _search_vector(self, iv: IndexView, body: dict[str, Any]) -> tuple[IndexView, FloatArray]:
        """A legacy search's vector (a list, or a NamedVector {"name", "vector"}) and the vector it searches."""
        raw = body.get("vector")
        using = None
        if isinstance(raw, dict) and "vector" in raw:  # NamedVector {"name": ..., "vector": [...]}
            using = raw.get("name")
            raw = raw["vector"]
        if raw is None:
            raise BadRequest("Format error in JSON body: missing field `vector`")
        if isinstance(using, str) and using in iv.sparse:  # (search() serves a NamedSparseVector)
            raise BadRequest("Bad request: sparse vectors in search groups are not supported by RedVector")
        space = self._space(iv, using)
        return space, self._vector(space, raw, "vector")

    def search(self, name: str, body: Any) -> list[dict[str, Any]]:
        body = _obj(body)
        iv = self.collections.get(name)
        if body.get("limit", body.get("top")) is None:
            raise BadRequest("Format error in JSON body: missing field `limit`")
        raw = body.get("vector")
        if isinstance(raw, dict) and "vector" in raw and isinstance(raw.get("name"), str) \
                and raw["name"] in iv.sparse:  # NamedSparseVector
            if not is_sparse_json(raw["vector"]):
                raise sparse_mismatch(raw["name"])
            return [scored_json(h) for h in self.sparse_nearest(iv, iv.sparse[raw["name"]], raw["vector"], body)]
        space, vector = self._search_vector(iv, body)
        return self._run_search(name, iv, space, body, vector, [], payload_default=False)

    def search_batch(self, name: str, body: Any) -> list[list[dict[str, Any]]]:
        searches = _obj(body).get("searches")
        if not isinstance(searches, list):
            raise BadRequest("Format error in JSON body: searches must be a list")
        return [self.search(name, s) for s in searches]

    def _recommend_vector(self, iv: IndexView, body: dict[str, Any]) -> tuple[FloatArray, list[PointId]]:
        strategy = body.get("strategy") or "average_vector"
        if strategy != "average_vector":
            raise BadRequest(f"Bad request: recommend strategy {strategy!r} is not supported by RedVector")
        vectors: dict[str, list[FloatArray]] = {"positive": [], "negative": []}
        exclude: list[PointId] = []
        for side in ("positive", "negative"):
            items = body.get(side) or []
            if not isinstance(items, list):
                raise BadRequest(f"Format error in JSON body: {side} must be a list")
            for i, item in enumerate(items):
                vector, ids = self._query_vector(iv, item, f"{side}[{i}]")
                vectors[side].append(vector)
                exclude.extend(ids)
        if not vectors["positive"]:
            raise BadRequest("Bad request: recommend needs at least one positive example")
        avg_pos = np.mean(np.stack(vectors["positive"]), axis=0)
        if vectors["negative"]:
            avg_neg = np.mean(np.stack(vectors["negative"]), axis=0)
            query = 2 * avg_pos - avg_neg
        else:
            query = avg_pos
        query = np.asarray(query, dtype=np.float32)
        if iv.distance == "Cosine":
            query = normalize(query)
        return query, exclude

    def recommend(self, name: str, body: Any) -> list[dict[str, Any]]:
        body = _obj(body)
        iv = self.collections.get(name)
        space = self._space(iv, body.get("using"))
        vector, exclude = self._recommend_vector(space, body)
        return self._run_search(name, iv, space, body, vector, exclude, payload_default=False)

    def recommend_batch(self, name: str, body: Any) -> list[list[dict[str, Any]]]:
        searches = _obj(body).get("searches")
        if not isinstance(searches, list):
            raise BadRequest("Format error in JSON body: searches must be a list")
        return [self.recommend(name, s) for s in searches]

    # -- groups ------------------------------------------------------------------------------------------
    def _group_request(self, body: dict[str, Any], size_default: int | None,
                       limit_default: int | None) -> GroupRequest:
        for key, default in (("group_by", None), ("group_size", size_default), ("limit", limit_default)):
            if body.get(key) is None and default is None:
                raise BadRequest(f"Format error in JSON body: missing field `{key}`")
        return GroupRequest(group_by=group_by_path(body["group_by"]),
                            group_size=_int(body.get("group_size"), "group_size", size_default or 0, 1),
                            limit=_int(body.get("limit"), "limit", limit_default or 0, 1),
                            with_payload=payload_selector(body.get("with_payload"), False),
                            with_vector=with_vector_flag(body))

    def _lookup_spec(self, with_lookup: Any) -> dict[str, Any] | None:
        """with_lookup (a collection name, or {collection, with_payload, with_vectors}), checked up front."""
        if with_lookup is None:
            return None
        spec = {"collection": with_lookup} if isinstance(with_lookup, str) else _obj(with_lookup, "with_lookup")
        if not isinstance(spec.get("collection"), str):
            raise BadRequest("Format error in JSON body: with_lookup needs a `collection` name")
        self.collections.get(spec["collection"])
        payload_selector(spec.get("with_payload"), True)
        with_vector_flag(spec)
        return spec

    def _groups_json(self, groups: list[Group], lookup: dict[str, Any] | None) -> dict[str, Any]:
        out = []
        for group in groups:
            item: dict[str, Any] = {"id": group.id, "hits": [scored_json(p) for p in group.hits]}
            if lookup is not None:
                item["lookup"] = self._lookup(lookup, group.id)
            out.append(item)
        return {"groups": out}

    def _lookup(self, spec: dict[str, Any], group_id: int | str) -> dict[str, Any] | None:
        """The point of the group's id in the lookup collection (None: no such point, or no point id)."""
        try:
            pid = parse_json_id(group_id)
        except BadRequest:  # a negative int, a string that is no UUID
            return None
        records = self.points.retrieve(spec["collection"], [pid], payload_selector(spec.get("with_payload"), True),
                                       with_vector_flag(spec), QDRANT)
        return record_json(records[0]) if records else None

    def query_groups(self, name: str, body: Any) -> dict[str, Any]:
        """POST points/query/groups: a query (prefetches and fusion included) with its hits grouped."""
        body = _obj(body)
        iv = self.collections.get(name)
        request = self._group_request(body, 3, 10)
        lookup = self._lookup_spec(body.get("with_lookup"))
        # With prefetches every point is ranked (their limits raised to the collection's size), else the
        # ranking is read in growing prefixes.
        total = self.points.count(name, None, QDRANT) if has_prefetch(body) else None
        stage = self.pipeline.parse(iv, {**body, "limit": None}, prefetch_limit=max(total or 0, 1))
        groups = group_ranked(self.points, iv, lambda n: self.pipeline.run(iv, stage, limit=n), request, total)
        return self._groups_json(groups, lookup)

    def search_groups(self, name: str, body: Any) -> dict[str, Any]:
        """POST points/search/groups (legacy): a vector search with its hits grouped."""
        body = _obj(body)
        iv = self.collections.get(name)
        request = self._group_request(body, None, None)
        lookup = self._lookup_spec(body.get("with_lookup"))
        space, vector = self._search_vector(iv, body)
        predicate = _filter(body.get("filter"))
        threshold = _number(body.get("score_threshold"), "score_threshold")
        ef = self._search_params(body)

        def ranked(n: int) -> list[Any]:
            return self.points.search_hits(iv, space, vector, n, predicate=predicate, score_threshold=threshold,
                                           ef_runtime=ef)

        groups = group_ranked(self.points, iv, ranked, request)
        return self._groups_json(groups, lookup)
