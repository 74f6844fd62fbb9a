"""Collections: create / list / describe / drop, as FT.CREATE / FT._LIST / FT.DROPINDEX through the dispatcher.

A collection ``c`` is the search index ``c`` over hashes with prefix ``c:`` whose schema holds the vector
field ``vector`` (HNSW, FLOAT32, the collection's dimension and metric); with Qdrant named vectors, one
field ``vector:<name>`` (attribute ``<name>``) per name instead. Any index created over RESP with a VECTOR
field is listed as a collection too (its first prefix and first vector field; named when every vector field
is spelled ``vector:<name>``).
Payload indexes (Qdrant's ``PUT /collections/c/index``) become FT.ALTER SCHEMA ADD fields.
"""

from __future__ import annotations

import re
from typing import Any

from redvector.errors import AlreadyExists, BadRequest, NotFound, RedVectorError
from redvector.service import engine
from redvector.service.engine import NAMED_VECTOR_PREFIX, IndexView
from redvector.service.models import DISTANCE_METRIC, CollectionInfo, UpdateResult, parse_distance
from redvector.service.sparse import schema_args
from redvector.service.store import Store

_BAD_NAME = re.compile(r'[<>:"/\\|?*\x00\x1f]')

# Qdrant payload-index types -> RediSearch field types.
PAYLOAD_INDEX_TYPES: dict[str, str] = {
    "keyword": "TAG", "bool": "TAG", "uuid": "TAG",
    "integer": "NUMERIC", "float": "NUMERIC", "datetime": "NUMERIC",
    "text": "TEXT", "geo": "GEO",
}
_DATA_TYPES = {"TAG": "keyword", "NUMERIC": "float", "TEXT": "text", "GEO": "geo"}
VECTOR_FIELD = b"vector"
MAX_DIMENSION = 65536


def not_found(name: str) -> NotFound:
    return NotFound(f"Not found: Collection `{name}` doesn't exist!")


def validate_name(name: Any) -> str:
    if not isinstance(name, str) or not 1 <= len(name) <= 255:
        raise BadRequest("Wrong input: collection name must be 1 to 255 characters")
    if _BAD_NAME.search(name) or name in (".", ".."):
        raise BadRequest(
            f'Wrong input: collection name {name!r} cannot contain < > : " / \\ | ? * or control characters'
        )
    return name


def validate_size(size: Any, where: str = "vector_size") -> int:
    if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= MAX_DIMENSION:
        raise BadRequest(f"Wrong input: {where} must be an integer between 1 and {MAX_DIMENSION}, got {size!r}")
    return size


def _vector_schema(algorithm: str, size: int, distance: str) -> list[bytes]:
    """``VECTOR <algorithm> <n> <params>`` of one vector field (float32, the canonical distance's metric)."""
    params = [b"TYPE", b"FLOAT32", b"DIM", str(size).encode(), b"DISTANCE_METRIC", DISTANCE_METRIC[distance].encode()]
    if algorithm == "HNSW":
        params += [b"M", b"16", b"EF_CONSTRUCTION", b"200"]
    return [b"VECTOR", algorithm.encode(), str(len(params)).encode(), *params]


def _check_vector_name(vector_name: Any) -> None:
    if not isinstance(vector_name, str) or not vector_name or "\x00" in vector_name:
        raise BadRequest(f"Wrong input: vector name {vector_name!r} must be a non-empty string")


def _sparse_schema(sparse: dict[str, bool] | None) -> list[bytes]:
    out: list[bytes] = []
    for vector_name, idf in (sparse or {}).items():
        _check_vector_name(vector_name)
        out += schema_args(vector_name, idf)
    return out


class Collections:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.server = store.server
        # Qdrant payload indexes that FT.ALTER could not add (kept so payload_schema still lists them).
        self.soft_indexes: dict[str, dict[str, str]] = {}

    def get(self, name: str) -> IndexView:
        iv = engine.view(self.server, name)
        if iv is None:
            raise not_found(name)
        return iv

    def get_unnamed(self, name: str) -> IndexView:
        """get, for the product API (one unnamed vector per point): a collection with named vectors is a 400."""
        iv = self.get(name)
        if iv.named is not None:
            raise BadRequest(f"Bad request: collection `{name}` has named vectors ({', '.join(iv.named)}): "
                             "use the Qdrant-compatible API for it")
        return iv

    def exists(self, name: str) -> bool:
        return engine.view(self.server, name) is not None

    def names(self) -> list[str]:
        return sorted(n for n in engine.index_names(self.server) if engine.view(self.server, n) is not None)

    def create(self, name: Any, size: Any, distance: Any, algorithm: str = "HNSW",
               exist_ok: bool = False, sparse: dict[str, bool] | None = None) -> bool:
        """Create; False when it exists with the same size and distance and ``exist_ok``. ``sparse``: Qdrant
        sparse vectors beside the unnamed vector (name -> IDF modifier)."""
        name = validate_name(name)
        size = validate_size(size)
        canonical = parse_distance(distance if distance is not None else "Cosine")
        algorithm = str(algorithm).upper()
        if algorithm not in ("HNSW", "FLAT"):
            raise BadRequest(f"Wrong input: unknown index algorithm {algorithm!r}: expected HNSW or FLAT")
        existing = engine.view(self.server, name)
        if existing is not None:
            if (exist_ok and existing.named is None and existing.dim == size and existing.distance == canonical
                    and not sparse):
                return False
            raise AlreadyExists(f"Wrong input: Collection `{name}` already exists!")
        if name.encode() in {n.encode() for n in engine.index_names(self.server)}:
            raise AlreadyExists(f"Wrong input: Collection `{name}` already exists! (an index without a vector field)")
        self._create(name, [VECTOR_FIELD, *_vector_schema(algorithm, size, canonical), *_sparse_schema(sparse)])
        return True

    def create_named(self, name: Any, vectors: dict[str, tuple[Any, Any]],
                     sparse: dict[str, bool] | None = None) -> bool:
        """A collection with Qdrant named vectors (name -> (size, distance)): one VECTOR field per name, hash
        field ``vector:<name>`` AS ``<name>`` (engine.NAMED_VECTOR_PREFIX), in the order given; then the
        sparse vectors (name -> IDF modifier; sparse.schema_args). Sparse vectors alone are allowed."""
        name = validate_name(name)
        if not vectors and not sparse:
            raise BadRequest("Wrong input: a collection needs at least one vector")
        schema: list[bytes] = []
        for vector_name in sparse or {}:
            _check_vector_name(vector_name)
            if vector_name in vectors:
                raise BadRequest(f"Wrong input: vector name {vector_name!r} is both a dense and a sparse vector")
        for vector_name, (size, distance) in vectors.items():
            _check_vector_name(vector_name)
            size = validate_size(size, f"vectors.{vector_name}.size")
            canonical = parse_distance(distance if distance is not None else "Cosine")
            schema += [NAMED_VECTOR_PREFIX + vector_name.encode(), b"AS", vector_name.encode(),
                       *_vector_schema("HNSW", size, canonical)]
        schema += _sparse_schema(sparse)
        if engine.view(self.server, name) is not None or name in engine.index_names(self.server):
            raise AlreadyExists(f"Wrong input: Collection `{name}` already exists!")
        self._create(name, schema)
        return True

    def _create(self, name: str, schema: list[bytes]) -> None:
        self.store.execute([b"FT.CREATE", name.encode(), b"ON", b"HASH", b"PREFIX", b"1", name.encode() + b":",
                            b"SCHEMA", *schema])
        self.soft_indexes.pop(name, None)

    def delete(self, name: str) -> bool:
        """Drop the index and every point (hash) under its prefix; False when it did not exist."""
        iv = engine.view(self.server, name)
        if iv is None or name not in engine.index_names(self.server):  # an alias is not dropped by its name
            return False
        keys = list(self.store.keys(iv))
        self.store.execute([b"FT.DROPINDEX", name.encode()])
        for i in range(0, len(keys), 512):
            self.store.execute([b"DEL", *keys[i:i + 512]])
        self.soft_indexes.pop(name, None)
        return True

    def info(self, name: str) -> CollectionInfo:
        iv = self.get(name)
        try:
            count = engine.num_docs(iv)
        except Exception:
            count = sum(1 for _ in self.store.keys(iv))
        return CollectionInfo(
            name=name, vector_size=iv.dim, distance=iv.distance, points_count=count,
            indexed_vectors_count=count if iv.options.algorithm == "HNSW" else 0,
            payload_schema=self.payload_schema(iv), vector_field=iv.vector_field.decode(),
            prefix=iv.prefix.decode("utf-8", "replace"),
            named=None if iv.named is None else {n: (v.dim, v.distance) for n, v in iv.named.items()},
            sparse={n: s.params_json() for n, s in iv.sparse.items()} or None,
        )

    def payload_schema(self, iv: IndexView) -> dict[str, dict[str, Any]]:
        schema: dict[str, dict[str, Any]] = {}
        for field_name, kind in engine.indexed_fields(iv).items():
            schema[field_name] = {"data_type": _DATA_TYPES.get(kind, "keyword")}
        for field_name, data_type in self.soft_indexes.get(iv.name, {}).items():
            schema.setdefault(field_name, {"data_type": data_type})
        return schema

    def create_payload_index(self, name: str, field_name: Any, field_schema: Any) -> UpdateResult:
        iv = self.get(name)
        if not isinstance(field_name, str) or not field_name:
            raise BadRequest("Format error in JSON body: field_name must be a non-empty string")
        if isinstance(field_schema, dict):
            field_schema = field_schema.get("type")
        if field_schema is None:
            field_schema = "keyword"
        if not isinstance(field_schema, str) or field_schema.lower() not in PAYLOAD_INDEX_TYPES:
            raise BadRequest(f"Format error in JSON body: unknown field_schema {field_schema!r}")
        data_type = field_schema.lower()
        kind = PAYLOAD_INDEX_TYPES[data_type]
        if field_name not in engine.indexed_fields(iv) and "." not in field_name and kind != "GEO":
            try:
                self.store.execute([b"FT.ALTER", name.encode(), b"SCHEMA", b"ADD", field_name.encode(),
                                    kind.encode()])
            except RedVectorError:
                # FT.ALTER unavailable or refused: record it; payload indexes never change results.
                self.soft_indexes.setdefault(name, {})[field_name] = data_type
        else:
            self.soft_indexes.setdefault(name, {})[field_name] = data_type
        return UpdateResult(self.store.next_operation_id())

    def delete_payload_index(self, name: str, field_name: str) -> UpdateResult:
        self.get(name)
        # RediSearch cannot drop a schema field; only the recorded (soft) index is forgotten.
        self.soft_indexes.get(name, {}).pop(field_name, None)
        return UpdateResult(self.store.next_operation_id())
