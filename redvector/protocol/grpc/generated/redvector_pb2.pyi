from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CreateCollectionRequest(_message.Message):
    __slots__ = ("collection_name", "vector_size", "distance", "name")
    COLLECTION_NAME_FIELD_NUMBER: _ClassVar[int]
    VECTOR_SIZE_FIELD_NUMBER: _ClassVar[int]
    DISTANCE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    collection_name: str
    vector_size: int
    distance: str
    name: str
    def __init__(self, collection_name: _Optional[str] = ..., vector_size: _Optional[int] = ..., distance: _Optional[str] = ..., name: _Optional[str] = ...) -> None: ...

class CreateCollectionResponse(_message.Message):
    __slots__ = ("success", "message")
    SUCCESS_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    success: bool
    message: str
    def __init__(self, success: _Optional[bool] = ..., message: _Optional[str] = ...) -> None: ...

class Point(_message.Message):
    __slots__ = ("id", "vector", "payload", "uuid", "payload_json")
    class PayloadEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    VECTOR_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    UUID_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_JSON_FIELD_NUMBER: _ClassVar[int]
    id: int
    vector: _containers.RepeatedScalarFieldContainer[float]
    payload: _containers.ScalarMap[str, str]
    uuid: str
    payload_json: _struct_pb2.Struct
    def __init__(self, id: _Optional[int] = ..., vector: _Optional[_Iterable[float]] = ..., payload: _Optional[_Mapping[str, str]] = ..., uuid: _Optional[str] = ..., payload_json: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class UpsertRequest(_message.Message):
    __slots__ = ("collection_name", "points", "name", "wait")
    COLLECTION_NAME_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    WAIT_FIELD_NUMBER: _ClassVar[int]
    collection_name: str
    points: _containers.RepeatedCompositeFieldContainer[Point]
    name: str
    wait: bool
    def __init__(self, collection_name: _Optional[str] = ..., points: _Optional[_Iterable[_Union[Point, _Mapping]]] = ..., name: _Optional[str] = ..., wait: _Optional[bool] = ...) -> None: ...

class UpsertResponse(_message.Message):
    __slots__ = ("success", "upserted_count", "operation_id")
    SUCCESS_FIELD_NUMBER: _ClassVar[int]
    UPSERTED_COUNT_FIELD_NUMBER: _ClassVar[int]
    OPERATION_ID_FIELD_NUMBER: _ClassVar[int]
    success: bool
    upserted_count: int
    operation_id: int
    def __init__(self, success: _Optional[bool] = ..., upserted_count: _Optional[int] = ..., operation_id: _Optional[int] = ...) -> None: ...

class SearchRequest(_message.Message):
    __slots__ = ("collection_name", "query_vector", "top", "filter", "name", "vector", "limit", "qdrant_filter", "score_threshold", "with_payload", "with_vector", "offset")
    class FilterEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    COLLECTION_NAME_FIELD_NUMBER: _ClassVar[int]
    QUERY_VECTOR_FIELD_NUMBER: _ClassVar[int]
    TOP_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    VECTOR_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    QDRANT_FILTER_FIELD_NUMBER: _ClassVar[int]
    SCORE_THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    WITH_PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    WITH_VECTOR_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    collection_name: str
    query_vector: _containers.RepeatedScalarFieldContainer[float]
    top: int
    filter: _containers.ScalarMap[str, str]
    name: str
    vector: _containers.RepeatedScalarFieldContainer[float]
    limit: int
    qdrant_filter: _struct_pb2.Struct
    score_threshold: float
    with_payload: bool
    with_vector: bool
    offset: int
    def __init__(self, collection_name: _Optional[str] = ..., query_vector: _Optional[_Iterable[float]] = ..., top: _Optional[int] = ..., filter: _Optional[_Mapping[str, str]] = ..., name: _Optional[str] = ..., vector: _Optional[_Iterable[float]] = ..., limit: _Optional[int] = ..., qdrant_filter: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., score_threshold: _Optional[float] = ..., with_payload: _Optional[bool] = ..., with_vector: _Optional[bool] = ..., offset: _Optional[int] = ...) -> None: ...

class ScoredPoint(_message.Message):
    __slots__ = ("id", "score", "payload", "uuid", "payload_json", "vector")
    class PayloadEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    UUID_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_JSON_FIELD_NUMBER: _ClassVar[int]
    VECTOR_FIELD_NUMBER: _ClassVar[int]
    id: int
    score: float
    payload: _containers.ScalarMap[str, str]
    uuid: str
    payload_json: _struct_pb2.Struct
    vector: _containers.RepeatedScalarFieldContainer[float]
    def __init__(self, id: _Optional[int] = ..., score: _Optional[float] = ..., payload: _Optional[_Mapping[str, str]] = ..., uuid: _Optional[str] = ..., payload_json: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., vector: _Optional[_Iterable[float]] = ...) -> None: ...

class SearchResponse(_message.Message):
    __slots__ = ("result", "time")
    RESULT_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    result: _containers.RepeatedCompositeFieldContainer[ScoredPoint]
    time: float
    def __init__(self, result: _Optional[_Iterable[_Union[ScoredPoint, _Mapping]]] = ..., time: _Optional[float] = ...) -> None: ...

class GetCollectionInfoRequest(_message.Message):
    __slots__ = ("collection_name", "name")
    COLLECTION_NAME_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    collection_name: str
    name: str
    def __init__(self, collection_name: _Optional[str] = ..., name: _Optional[str] = ...) -> None: ...

class GetCollectionInfoResponse(_message.Message):
    __slots__ = ("collection_name", "vector_size", "points_count", "distance", "status", "indexed_vectors_count")
    COLLECTION_NAME_FIELD_NUMBER: _ClassVar[int]
    VECTOR_SIZE_FIELD_NUMBER: _ClassVar[int]
    POINTS_COUNT_FIELD_NUMBER: _ClassVar[int]
    DISTANCE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    INDEXED_VECTORS_COUNT_FIELD_NUMBER: _ClassVar[int]
    collection_name: str
    vector_size: int
    points_count: int
    distance: str
    status: str
    indexed_vectors_count: int
    def __init__(self, collection_name: _Optional[str] = ..., vector_size: _Optional[int] = ..., points_count: _Optional[int] = ..., distance: _Optional[str] = ..., status: _Optional[str] = ..., indexed_vectors_count: _Optional[int] = ...) -> None: ...

class DeleteCollectionRequest(_message.Message):
    __slots__ = ("collection_name", "name")
    COLLECTION_NAME_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    collection_name: str
    name: str
    def __init__(self, collection_name: _Optional[str] = ..., name: _Optional[str] = ...) -> None: ...

class DeleteCollectionResponse(_message.Message):
    __slots__ = ("success",)
    SUCCESS_FIELD_NUMBER: _ClassVar[int]
    success: bool
    def __init__(self, success: _Optional[bool] = ...) -> None: ...

class ListCollectionsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListCollectionsResponse(_message.Message):
    __slots__ = ("collections",)
    COLLECTIONS_FIELD_NUMBER: _ClassVar[int]
    collections: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, collections: _Optional[_Iterable[str]] = ...) -> None: ...

class GetPointsRequest(_message.Message):
    __slots__ = ("collection_name", "ids", "uuids", "with_vector", "name")
    COLLECTION_NAME_FIELD_NUMBER: _ClassVar[int]
    IDS_FIELD_NUMBER: _ClassVar[int]
    UUIDS_FIELD_NUMBER: _ClassVar[int]
    WITH_VECTOR_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    collection_name: str
    ids: _containers.RepeatedScalarFieldContainer[int]
    uuids: _containers.RepeatedScalarFieldContainer[str]
    with_vector: bool
    name: str
    def __init__(self, collection_name: _Optional[str] = ..., ids: _Optional[_Iterable[int]] = ..., uuids: _Optional[_Iterable[str]] = ..., with_vector: _Optional[bool] = ..., name: _Optional[str] = ...) -> None: ...

class GetPointsResponse(_message.Message):
    __slots__ = ("result",)
    RESULT_FIELD_NUMBER: _ClassVar[int]
    result: _containers.RepeatedCompositeFieldContainer[ScoredPoint]
    def __init__(self, result: _Optional[_Iterable[_Union[ScoredPoint, _Mapping]]] = ...) -> None: ...

class DeletePointsRequest(_message.Message):
    __slots__ = ("collection_name", "ids", "uuids", "qdrant_filter", "name")
    COLLECTION_NAME_FIELD_NUMBER: _ClassVar[int]
    IDS_FIELD_NUMBER: _ClassVar[int]
    UUIDS_FIELD_NUMBER: _ClassVar[int]
    QDRANT_FILTER_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    collection_name: str
    ids: _containers.RepeatedScalarFieldContainer[int]
    uuids: _containers.RepeatedScalarFieldContainer[str]
    qdrant_filter: _struct_pb2.Struct
    name: str
    def __init__(self, collection_name: _Optional[str] = ..., ids: _Optional[_Iterable[int]] = ..., uuids: _Optional[_Iterable[str]] = ..., qdrant_filter: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., name: _Optional[str] = ...) -> None: ...

class DeletePointsResponse(_message.Message):
    __slots__ = ("success", "operation_id", "deleted")
    SUCCESS_FIELD_NUMBER: _ClassVar[int]
    OPERATION_ID_FIELD_NUMBER: _ClassVar[int]
    DELETED_FIELD_NUMBER: _ClassVar[int]
    success: bool
    operation_id: int
    deleted: int
    def __init__(self, success: _Optional[bool] = ..., operation_id: _Optional[int] = ..., deleted: _Optional[int] = ...) -> None: ...

class CountRequest(_message.Message):
    __slots__ = ("collection_name", "name", "qdrant_filter", "filter")
    class FilterEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    COLLECTION_NAME_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    QDRANT_FILTER_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    collection_name: str
    name: str
    qdrant_filter: _struct_pb2.Struct
    filter: _containers.ScalarMap[str, str]
    def __init__(self, collection_name: _Optional[str] = ..., name: _Optional[str] = ..., qdrant_filter: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., filter: _Optional[_Mapping[str, str]] = ...) -> None: ...

class CountResponse(_message.Message):
    __slots__ = ("count",)
    COUNT_FIELD_NUMBER: _ClassVar[int]
    count: int
    def __init__(self, count: _Optional[int] = ...) -> None: ...
