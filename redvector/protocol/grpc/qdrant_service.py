"""Qdrant's gRPC services (Collections, Points, Qdrant) over the same service.qdrant core as REST.

Each RPC converts the protobuf request to Qdrant's REST JSON with qdrant-client's ``GrpcToRest``
converters, calls the QdrantAPI method the REST route calls, and converts the JSON result back with
``RestToGrpc`` (qdrant.md §8.3 option A). RPCs not listed answer UNIMPLEMENTED (generated base classes).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import grpc
import numpy as np
from qdrant_client import grpc as qgrpc
from qdrant_client.conversions.conversion import GrpcToRest, RestToGrpc
from qdrant_client.http import models as rest

from redvector.errors import BadRequest
from redvector.protocol.grpc.errors import rpc
from redvector.service import VectorAPI

# qdrant.FieldType enum value -> Qdrant REST field_schema name.
FIELD_TYPES = {0: "keyword", 1: "integer", 2: "float", 3: "geo", 4: "text", 5: "bool", 6: "datetime", 7: "uuid"}


def dump(model: Any) -> Any:
    """A qdrant-client pydantic model (or a list/dict of them) as the JSON Qdrant's REST API receives."""
    if isinstance(model, list):
        return [dump(m) for m in model]
    if isinstance(model, dict):
        return {k: dump(v) for k, v in model.items()}
    if hasattr(model, "model_dump"):
        return model.model_dump(mode="json", by_alias=True, exclude_none=True)
    return model


def _selector(message: Any, body: dict[str, Any]) -> None:
    """A PointsSelector into the REST body: {"points": [...]} or {"filter": {...}}."""
    selector = dump(GrpcToRest.convert_points_selector(message))
    if "points" in selector:
        body["points"] = selector["points"]
    elif "filter" in selector:
        body["filter"] = selector["filter"]


def _payload_options(request: Any, body: dict[str, Any], default: bool) -> None:
    body["with_payload"] = (dump(GrpcToRest.convert_with_payload_selector(request.with_payload))
                            if request.HasField("with_payload") else default)
    if request.HasField("with_vectors"):
        body["with_vector"] = dump(GrpcToRest.convert_with_vectors_selector(request.with_vectors))


def _scored(points: list[dict[str, Any]]) -> list[Any]:
    """Search hits (service.qdrant's scored_json dicts) as qdrant.ScoredPoint, built directly: the pydantic
    round trip (model_validate + RestToGrpc) cost more than the search itself."""
    out = []
    for p in points:
        pid = p["id"]
        payload = p.get("payload")
        vector = p.get("vector")
        out.append(qgrpc.ScoredPoint(
            id=qgrpc.PointId(num=pid) if type(pid) is int else qgrpc.PointId(uuid=str(pid)),
            score=p["score"], version=p["version"],
            payload=RestToGrpc.convert_payload(payload) if payload else None,
            vectors=RestToGrpc.convert_vector_struct_output(_sparse_models(vector)) if vector is not None else None,
        ))
    return out


def _sparse_models(vector: Any) -> Any:
    """A with_vector value whose sparse vectors ({indices, values} dicts) become rest.SparseVector, the
    form RestToGrpc's converter reads; dense lists are left as they are."""
    if isinstance(vector, dict) and any(isinstance(v, dict) for v in vector.values()):
        return {k: rest.SparseVector(**v) if isinstance(v, dict) else v for k, v in vector.items()}
    return vector


def _dense(vector: Any) -> np.ndarray:
    """A ``repeated float`` as float32 without a Python list (service.store.prepare_vector accepts it)."""
    return np.array(vector, dtype=np.float32)


def _groups(result: dict[str, Any]) -> Any:
    """service.qdrant's {"groups": [...]} as qdrant.GroupsResult."""
    groups = []
    for group in result["groups"]:
        lookup = group.get("lookup")
        groups.append(qgrpc.PointGroup(
            id=RestToGrpc.convert_group_id(group["id"]), hits=_scored(group["hits"]),
            lookup=_retrieved(lookup) if lookup is not None else None))
    return qgrpc.GroupsResult(groups=groups)


def _point_id(pid: Any) -> Any:
    return qgrpc.PointId(num=pid) if type(pid) is int else qgrpc.PointId(uuid=str(pid))


def _retrieved(record: dict[str, Any]) -> Any:
    """A record_json dict as qdrant.RetrievedPoint (payload and vectors only when present)."""
    payload = record.get("payload")
    vector = record.get("vector")
    return qgrpc.RetrievedPoint(
        id=_point_id(record["id"]), payload=RestToGrpc.convert_payload(payload) if payload else None,
        vectors=RestToGrpc.convert_vector_struct_output(vector) if vector is not None else None)


def _with_lookup(request: Any, body: dict[str, Any]) -> None:
    if request.HasField("with_lookup"):
        body["with_lookup"] = dump(GrpcToRest.convert_with_lookup(request.with_lookup))


_CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "filter": GrpcToRest.convert_filter, "params": GrpcToRest.convert_search_params,
    "lookup_from": GrpcToRest.convert_lookup_location, "order_by": GrpcToRest.convert_order_by,
}


def _copy(request: Any, body: dict[str, Any], *fields: str) -> None:
    """The request's optional ``fields`` that are set, into a REST body under the same names: a filter,
    search params, lookup or order converted by qdrant-client's converters, scalars as they are."""
    for name in fields:
        if request.HasField(name):
            convert = _CONVERTERS.get(name)
            value = getattr(request, name)
            body[name] = dump(convert(value)) if convert is not None else value


def _converted(convert: Callable[[], Any]) -> Any:
    """A GrpcToRest conversion; a message it cannot convert (no query variant, ...) is a bad request."""
    try:
        return convert()
    except ValueError as exc:  # pydantic's ValidationError included
        raise BadRequest(f"Format error in request: {str(exc).splitlines()[0]}") from exc


def _records(points: list[dict[str, Any]]) -> list[Any]:
    return [RestToGrpc.convert_record(rest.Record.model_validate(p)) for p in points]


def _update(result: dict[str, Any]) -> Any:
    return RestToGrpc.convert_update_result(rest.UpdateResult.model_validate(result))




def _nearest_body(request: Any) -> dict[str, Any] | None:
    """The REST body of a plain nearest-vector QueryPoints (what query_points(query=[...]) sends), built
    field by field; None for anything else (prefetch, lookup_from, ids, other query kinds), which goes
    through qdrant-client's GrpcToRest converters. The keys are those convert_query_points would set."""
    if (not request.HasField("query") or len(request.prefetch) or request.HasField("lookup_from")
            or request.HasField("shard_key_selector")):
        return None
    query = request.query
    if query.WhichOneof("variant") != "nearest" or query.nearest.WhichOneof("variant") != "dense":
        return None
    body: dict[str, Any] = {"query": {"nearest": _dense(query.nearest.dense.data)}}
    _copy(request, body, "using", "filter", "params", "score_threshold", "limit", "offset")
    if request.HasField("with_vectors"):
        body["with_vector"] = dump(GrpcToRest.convert_with_vectors_selector(request.with_vectors))
    if request.HasField("with_payload"):
        body["with_payload"] = dump(GrpcToRest.convert_with_payload_interface(request.with_payload))
    return body


class QdrantHealth(qgrpc.QdrantServicer):
    def __init__(self, api: VectorAPI) -> None:
        self.api = api

    async def HealthCheck(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        return qgrpc.HealthCheckReply(title="qdrant - vector search engine", version=self.api.qdrant_version)


class QdrantCollections(qgrpc.CollectionsServicer):
    def __init__(self, api: VectorAPI) -> None:
        self.api = api
        self.q = api.qdrant

    def _get(self, request: Any) -> Any:
        started = time.perf_counter()
        info = rest.CollectionInfo.model_validate(self.q.get_collection(request.collection_name))
        return qgrpc.GetCollectionInfoResponse(result=RestToGrpc.convert_collection_info(info),
                                               time=time.perf_counter() - started)

    def _list(self, request: Any) -> Any:
        names = [c["name"] for c in self.q.list_collections()["collections"]]
        return qgrpc.ListCollectionsResponse(collections=[qgrpc.CollectionDescription(name=n) for n in names])

    def _create(self, request: Any) -> Any:
        body: dict[str, Any] = {}
        if request.HasField("sparse_vectors_config"):
            body["sparse_vectors"] = dump(GrpcToRest.convert_sparse_vector_config(request.sparse_vectors_config))
        if request.HasField("vectors_config"):
            body["vectors"] = dump(GrpcToRest.convert_vectors_config(request.vectors_config))
        elif not body:
            raise BadRequest("Wrong input: vectors_config is required")
        return qgrpc.CollectionOperationResponse(result=self.q.create_collection(request.collection_name, body))

    def _delete(self, request: Any) -> Any:
        return qgrpc.CollectionOperationResponse(result=self.q.delete_collection(request.collection_name))

    def _exists(self, request: Any) -> Any:
        exists = self.q.collection_exists(request.collection_name)["exists"]
        return qgrpc.CollectionExistsResponse(result=qgrpc.CollectionExists(exists=exists))

    def _update(self, request: Any) -> Any:
        self.q.get_collection(request.collection_name)
        return qgrpc.CollectionOperationResponse(result=True)

    def _update_aliases(self, request: Any) -> Any:
        started = time.perf_counter()
        actions = [dump(GrpcToRest.convert_alias_operations(a)) for a in request.actions]
        return qgrpc.CollectionOperationResponse(result=self.api.aliases.update({"actions": actions}),
                                                 time=time.perf_counter() - started)

    def _aliases_reply(self, aliases: list[dict[str, str]], started: float) -> Any:
        return qgrpc.ListAliasesResponse(aliases=[qgrpc.AliasDescription(**a) for a in aliases],
                                         time=time.perf_counter() - started)

    def _list_aliases(self, request: Any) -> Any:
        return self._aliases_reply(self.api.aliases.list(), time.perf_counter())

    def _list_collection_aliases(self, request: Any) -> Any:
        return self._aliases_reply(self.api.aliases.list(request.collection_name), time.perf_counter())

    Get = rpc(_get)
    List = rpc(_list)
    Create = rpc(_create)
    UpdateAliases = rpc(_update_aliases)
    ListAliases = rpc(_list_aliases)
    ListCollectionAliases = rpc(_list_collection_aliases)
    Delete = rpc(_delete)
    CollectionExists = rpc(_exists)
    Update = rpc(_update)


class QdrantPoints(qgrpc.PointsServicer):
    def __init__(self, api: VectorAPI) -> None:
        self.api = api
        self.q = api.qdrant

    def _upsert(self, request: Any) -> Any:
        points = [dump(GrpcToRest.convert_point_struct(p)) for p in request.points]
        body: dict[str, Any] = {"points": points}
        if request.HasField("update_mode"):
            body["update_mode"] = dump(GrpcToRest.convert_update_mode(request.update_mode))
        return qgrpc.PointsOperationResponse(result=_update(self.q.upsert(request.collection_name, body, True)))

    def _get(self, request: Any) -> Any:
        body: dict[str, Any] = {"ids": [dump(GrpcToRest.convert_point_id(i)) for i in request.ids]}
        _payload_options(request, body, default=False)
        return qgrpc.GetResponse(result=_records(self.q.retrieve(request.collection_name, body)))

    def _delete(self, request: Any) -> Any:
        body: dict[str, Any] = {}
        _selector(request.points, body)
        return qgrpc.PointsOperationResponse(result=_update(self.q.delete_points(request.collection_name, body, True)))

    def _payload_body(self, request: Any, selector: Any) -> dict[str, Any]:
        body: dict[str, Any] = {}
        if request.HasField(selector):
            _selector(getattr(request, selector), body)
        return body

    def _set_payload(self, request: Any, overwrite: bool = False) -> Any:
        body = self._payload_body(request, "points_selector")
        body["payload"] = dump(GrpcToRest.convert_payload(request.payload))
        if request.HasField("key"):
            body["key"] = request.key
        result = self.q.set_payload(request.collection_name, body, True, overwrite=overwrite)
        return qgrpc.PointsOperationResponse(result=_update(result))

    def _overwrite_payload(self, request: Any) -> Any:
        return self._set_payload(request, overwrite=True)

    def _delete_payload(self, request: Any) -> Any:
        body = self._payload_body(request, "points_selector")
        body["keys"] = list(request.keys)
        return qgrpc.PointsOperationResponse(result=_update(self.q.delete_payload(request.collection_name, body, True)))

    def _clear_payload(self, request: Any) -> Any:
        body = self._payload_body(request, "points")
        return qgrpc.PointsOperationResponse(result=_update(self.q.clear_payload(request.collection_name, body, True)))

    def _scroll(self, request: Any) -> Any:
        body: dict[str, Any] = {}
        _copy(request, body, "filter", "limit", "order_by")
        if request.HasField("offset"):
            body["offset"] = dump(GrpcToRest.convert_point_id(request.offset))
        _payload_options(request, body, default=True)
        result = self.q.scroll(request.collection_name, body)
        response = qgrpc.ScrollResponse(result=_records(result["points"]))
        if result["next_page_offset"] is not None:
            response.next_page_offset.CopyFrom(RestToGrpc.convert_extended_point_id(result["next_page_offset"]))
        return response

    def _count(self, request: Any) -> Any:
        body: dict[str, Any] = {}
        _copy(request, body, "filter")
        count = self.q.count(request.collection_name, body)["count"]
        return qgrpc.CountResponse(result=qgrpc.CountResult(count=count))

    def _query_body(self, request: Any) -> dict[str, Any]:
        fast = _nearest_body(request)
        if fast is not None:
            return fast
        body = _converted(lambda: dump(GrpcToRest.convert_query_points(request)))
        assert isinstance(body, dict)
        return body

    def _timed(self, started: float) -> float:
        elapsed = time.perf_counter() - started
        self.api.metrics.observe_search("grpc", elapsed)
        return elapsed

    def _query(self, request: Any) -> Any:
        started = time.perf_counter()
        result = self.q.query(request.collection_name, self._query_body(request))
        return qgrpc.QueryResponse(result=_scored(result["points"]), time=self._timed(started))

    def _query_batch(self, request: Any) -> Any:
        started = time.perf_counter()
        results = [self.q.query(request.collection_name, self._query_body(r)) for r in request.query_points]
        return qgrpc.QueryBatchResponse(result=[qgrpc.BatchResult(result=_scored(r["points"])) for r in results],
                                        time=self._timed(started))

    def _query_groups(self, request: Any) -> Any:
        started = time.perf_counter()
        body = _converted(lambda: self._query_groups_body(request))
        result = self.q.query_groups(request.collection_name, body)
        return qgrpc.QueryGroupsResponse(result=_groups(result), time=self._timed(started))

    @staticmethod
    def _query_groups_body(request: Any) -> dict[str, Any]:
        body: dict[str, Any] = {"group_by": request.group_by}
        if len(request.prefetch):
            body["prefetch"] = [dump(GrpcToRest.convert_prefetch_query(p)) for p in request.prefetch]
        if request.HasField("query"):
            body["query"] = dump(GrpcToRest.convert_query(request.query))
        _copy(request, body, "using", "filter", "params", "score_threshold", "limit", "group_size", "lookup_from")
        if request.HasField("with_vectors"):
            body["with_vector"] = dump(GrpcToRest.convert_with_vectors_selector(request.with_vectors))
        if request.HasField("with_payload"):
            body["with_payload"] = dump(GrpcToRest.convert_with_payload_selector(request.with_payload))
        _with_lookup(request, body)
        return body

    def _search_groups(self, request: Any) -> Any:
        started = time.perf_counter()
        if request.HasField("sparse_indices"):
            raise BadRequest("Bad request: sparse vectors are not supported by RedVector")
        body: dict[str, Any] = {"vector": _dense(request.vector), "limit": request.limit,
                                "group_by": request.group_by, "group_size": request.group_size}
        if request.HasField("vector_name") and request.vector_name:
            body["vector"] = {"name": request.vector_name, "vector": body["vector"]}
        _copy(request, body, "filter", "score_threshold")
        if request.HasField("params") and request.params.HasField("hnsw_ef"):
            body["params"] = {"hnsw_ef": request.params.hnsw_ef}
        _payload_options(request, body, default=False)
        _with_lookup(request, body)
        result = self.q.search_groups(request.collection_name, body)
        return qgrpc.SearchGroupsResponse(result=_groups(result), time=self._timed(started))

    def _search_body(self, request: Any) -> dict[str, Any]:
        body: dict[str, Any] = {"vector": _dense(request.vector), "limit": request.limit}
        if request.HasField("sparse_indices"):  # a NamedSparseVector: values in `vector`
            body["vector"] = {"indices": list(request.sparse_indices.data), "values": [float(v) for v in request.vector]}
        if request.HasField("vector_name") and request.vector_name:
            body["vector"] = {"name": request.vector_name, "vector": body["vector"]}
        _copy(request, body, "filter", "score_threshold", "offset")
        if request.HasField("params") and request.params.HasField("hnsw_ef"):
            body["params"] = {"hnsw_ef": request.params.hnsw_ef}
        _payload_options(request, body, default=False)
        return body

    def _search(self, request: Any) -> Any:
        started = time.perf_counter()
        result = self.q.search(request.collection_name, self._search_body(request))
        return qgrpc.SearchResponse(result=_scored(result), time=self._timed(started))

    def _search_batch(self, request: Any) -> Any:
        started = time.perf_counter()
        results = [self.q.search(request.collection_name, self._search_body(r)) for r in request.search_points]
        return qgrpc.SearchBatchResponse(result=[qgrpc.BatchResult(result=_scored(r)) for r in results],
                                         time=self._timed(started))

    def _recommend(self, request: Any) -> Any:
        started = time.perf_counter()
        body: dict[str, Any] = {
            "positive": [dump(GrpcToRest.convert_point_id(i)) for i in request.positive]
            + [list(GrpcToRest.convert_vector(v)) for v in request.positive_vectors],
            "negative": [dump(GrpcToRest.convert_point_id(i)) for i in request.negative]
            + [list(GrpcToRest.convert_vector(v)) for v in request.negative_vectors],
            "limit": request.limit,
        }
        _copy(request, body, "filter", "score_threshold", "offset")
        if request.HasField("using") and request.using:
            body["using"] = request.using
        _payload_options(request, body, default=False)
        result = self.q.recommend(request.collection_name, body)
        return qgrpc.RecommendResponse(result=_scored(result), time=self._timed(started))

    def _update_vectors(self, request: Any) -> Any:
        body: dict[str, Any] = {"points": [dump(GrpcToRest.convert_point_vectors(p)) for p in request.points]}
        if request.HasField("update_filter"):
            body["update_filter"] = dump(GrpcToRest.convert_filter(request.update_filter))
        return qgrpc.PointsOperationResponse(result=_update(self.q.update_vectors(request.collection_name, body, True)))

    def _delete_vectors(self, request: Any) -> Any:
        body = self._payload_body(request, "points_selector")
        body["vector"] = list(request.vectors.names)
        return qgrpc.PointsOperationResponse(result=_update(self.q.delete_vectors(request.collection_name, body, True)))

    def _create_index(self, request: Any) -> Any:
        body = {"field_name": request.field_name,
                "field_schema": FIELD_TYPES.get(request.field_type, "keyword") if request.HasField("field_type")
                else "keyword"}
        return qgrpc.PointsOperationResponse(result=_update(self.q.create_index(request.collection_name, body, True)))

    def _delete_index(self, request: Any) -> Any:
        result = self.q.delete_index(request.collection_name, request.field_name, True)
        return qgrpc.PointsOperationResponse(result=_update(result))

    Upsert = rpc(_upsert)
    Get = rpc(_get)
    Delete = rpc(_delete)
    SetPayload = rpc(_set_payload)
    OverwritePayload = rpc(_overwrite_payload)
    DeletePayload = rpc(_delete_payload)
    ClearPayload = rpc(_clear_payload)
    Scroll = rpc(_scroll)
    Count = rpc(_count)
    Query = rpc(_query)
    QueryBatch = rpc(_query_batch)
    Search = rpc(_search)
    SearchBatch = rpc(_search_batch)
    Recommend = rpc(_recommend)
    QueryGroups = rpc(_query_groups)
    SearchGroups = rpc(_search_groups)
    UpdateVectors = rpc(_update_vectors)
    DeleteVectors = rpc(_delete_vectors)
    CreateFieldIndex = rpc(_create_index)
    DeleteFieldIndex = rpc(_delete_index)


class _HandlerCollector:
    """Stands in for a grpc server to collect what qdrant-client's ``add_*Servicer_to_server`` register."""

    def __init__(self) -> None:
        self.handlers: list[grpc.GenericRpcHandler] = []

    def add_generic_rpc_handlers(self, handlers: Any) -> None:
        self.handlers.extend(handlers)

    def add_registered_method_handlers(self, service_name: str, method_handlers: dict[str, Any]) -> None:
        self.handlers.append(grpc.method_handlers_generic_handler(service_name, method_handlers))


def qdrant_handlers(api: VectorAPI) -> list[grpc.GenericRpcHandler]:
    """The generic handlers of qdrant.Collections, qdrant.Points and qdrant.Qdrant over ``api``."""
    collector = _HandlerCollector()
    qgrpc.add_CollectionsServicer_to_server(QdrantCollections(api), collector)
    qgrpc.add_PointsServicer_to_server(QdrantPoints(api), collector)
    qgrpc.add_QdrantServicer_to_server(QdrantHealth(api), collector)
    return collector.handlers
