"""How a point is a hash, and how the vector API writes: commands through the dispatcher as an internal client.

Hash layout of point X in collection ``c`` (key ``c:X``, see ids.py):

* ``vector`` (the index's vector field): the float32 little-endian blob, normalized for Cosine;
  in a collection with Qdrant named vectors, ``vector:<name>`` per name instead (attribute ``<name>``; a
  point without that vector has no such field), see engine.NAMED_VECTOR_PREFIX;
* ``sparse:<name>`` per Qdrant sparse vector the point has (binary indices + values, see sparse.py);
* ``payload``: the whole payload as compact JSON (the source of truth for typed values);
* every top-level payload key whose value is a string, number or bool, mirrored as its own field
  (text; bools as ``true``/``false``), so FT.SEARCH filters and HGETALL see it. Keys named like the vector
  field (any vector field of the index) or ``payload`` are only in the JSON.

A hash written by another client under the prefix is a point too: its payload is the JSON field (if it
holds an object) plus every other field, as a UTF-8 string, that the JSON does not already hold.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Iterator
from typing import Any

import numpy as np

from redvector.commands.dispatcher import Dispatcher
from redvector.errors import BadRequest, RedVectorError
from redvector.search.vector.base import BLOB_DTYPES, FloatArray, decode_blob
from redvector.server.client import ClientState
from redvector.server.server import Server
from redvector.service.engine import IndexView
from redvector.service.sparse import SparseVector
from redvector.service.sparse import encode as encode_sparse

# A point's vectors as written: the unnamed vector, or by name (dense arrays, and sparse vectors).
PointVectors = FloatArray | dict[str, FloatArray | SparseVector]

PAYLOAD_FIELD = b"payload"
_NUMBER_TYPES = frozenset({int, float})


class Store:
    """Reads the keyspace directly and writes through the dispatcher (AOF, events and indexes follow)."""

    def __init__(self, server: Server, dispatcher: Dispatcher) -> None:
        self.server = server
        self.dispatcher = dispatcher
        self.client = ClientState(addr="internal:vector-api", internal=True)
        self.client.name = b"vector-api"
        self._operation_ids = itertools.count(1)

    def next_operation_id(self) -> int:
        return next(self._operation_ids)

    @property
    def db(self) -> Any:
        return self.server.databases[0]

    def execute(self, argv: list[bytes]) -> Any:
        """Run one command as the internal client; an error reply is raised."""
        self.client.db_index = 0
        reply = self.dispatcher.resolve(self.dispatcher.execute(self.client, argv))
        if isinstance(reply, RedVectorError):
            raise reply
        return reply

    # -- reads -------------------------------------------------------------------------------------------
    def keys(self, iv: IndexView) -> Iterator[bytes]:
        """Every live hash key under the collection's prefix (the index's documents when it lists them)."""
        return (key for key, _ in self.hashes(iv))

    def hashes(self, iv: IndexView) -> Iterator[tuple[bytes, dict[bytes, bytes]]]:
        """Every live hash under the collection's prefix with its key (the index's documents when it lists
        them), each read once."""
        prefix = iv.prefix
        db = self.db
        now_ms = self.server.now_ms()
        candidates = iv.index.keys() if hasattr(iv.index, "keys") else db.snapshot_keys()
        for key in candidates:
            if key.startswith(prefix) and len(key) > len(prefix):
                value = db.get(key, now_ms)
                if type(value) is dict:
                    yield key, value

    def hash(self, key: bytes) -> dict[bytes, bytes] | None:
        value = self.db.get(key, self.server.now_ms())
        return value if type(value) is dict else None

    def key_type_ok(self, key: bytes) -> bool:
        """False when the key holds something other than a hash (the point cannot be written)."""
        value = self.db.get(key, self.server.now_ms())
        return value is None or type(value) is dict


def suffix(iv: IndexView, key: bytes) -> str:
    return key[len(iv.prefix):].decode("utf-8", "replace")


def read_payload(iv: IndexView, fields: dict[bytes, bytes]) -> dict[str, Any]:
    payload: dict[str, Any] = {}
    raw = fields.get(PAYLOAD_FIELD)
    if raw is not None:
        try:
            parsed = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            parsed = None
        if isinstance(parsed, dict):
            payload = parsed
        else:
            payload["payload"] = raw.decode("utf-8", "replace")
    skip = iv.vector_fields
    for name, value in fields.items():
        if name == PAYLOAD_FIELD or name in skip:
            continue
        text = name.decode("utf-8", "replace")
        if text not in payload:
            payload[text] = value.decode("utf-8", "replace")
    return payload


def read_vector(iv: IndexView, fields: dict[bytes, bytes]) -> FloatArray | None:
    blob = fields.get(iv.vector_field)
    if blob is None:
        return None
    vector = decode_blob(blob, iv.options)
    if vector is None:
        # The product's VECTOR(n) short form also accepts "0.1,0.2,..." text.
        try:
            parts = [float(x) for x in blob.decode().split(",")]
        except (UnicodeDecodeError, ValueError):
            return None
        if len(parts) != iv.dim:
            return None
        vector = np.asarray(parts, dtype=np.float32)
    return vector


def mirror_value(value: Any) -> bytes | None:
    """The hash-field text of a top-level scalar payload value (None: not mirrored)."""
    if isinstance(value, bool):
        return b"true" if value else b"false"
    if isinstance(value, int):
        return str(value).encode()
    if isinstance(value, float):
        return repr(value).encode() if math.isfinite(value) else None
    if isinstance(value, str):
        return value.encode()
    return None


def encode_vector(iv: IndexView, vector: FloatArray) -> bytes:
    return np.asarray(vector).astype(BLOB_DTYPES.get(iv.options.dtype, np.dtype("<f4"))).tobytes()


def encode_point(iv: IndexView, vector: PointVectors, payload: dict[str, Any]) -> dict[bytes, bytes]:
    """The hash of a point: its vector (or named vectors, by name: iv.named must hold them) and payload."""
    fields = encode_vectors(iv, vector)
    fields.update(encode_payload(iv, payload))
    return fields


def encode_vectors(iv: IndexView, vector: PointVectors) -> dict[bytes, bytes]:
    """The vector hash fields of a point: the collection's vector, or the named (and sparse) vectors given
    (by name; "" is the unnamed vector of a collection that has sparse vectors beside it)."""
    if not isinstance(vector, dict):
        return {iv.vector_field: encode_vector(iv, vector)}
    out: dict[bytes, bytes] = {}
    for n, v in vector.items():
        if isinstance(v, SparseVector):
            out[iv.sparse[n].field] = encode_sparse(v)
        elif iv.named is None:
            out[iv.vector_field] = encode_vector(iv, v)
        else:
            out[iv.named[n].vector_field] = encode_vector(iv.named[n], v)
    return out


def encode_payload(iv: IndexView, payload: dict[str, Any]) -> dict[bytes, bytes]:
    """The payload's hash fields: the JSON and the mirrored top-level scalars."""
    fields: dict[bytes, bytes] = {}
    try:
        text = json.dumps(payload, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except ValueError:
        raise BadRequest("Format error in JSON body: payload numbers must be finite (no NaN or Infinity)")
    fields[PAYLOAD_FIELD] = text.encode()
    for name, value in payload.items():
        encoded_name = name.encode()
        if encoded_name == PAYLOAD_FIELD or encoded_name in iv.vector_fields or not name:
            continue
        mirrored = mirror_value(value)
        if mirrored is not None:
            fields[encoded_name] = mirrored
    return fields


def prepare_vector(iv: IndexView, values: Any, where: str) -> FloatArray:
    """Validate a JSON vector (list of numbers, the collection's dimension) -> float32, Cosine-normalized.
    A float32 array (a gRPC ``repeated float``, read with np.array) takes prepare_array's shorter way."""
    if type(values) is np.ndarray and values.dtype == np.float32 and values.ndim == 1:
        return prepare_array(iv, values, where)
    if not isinstance(values, list):
        raise BadRequest(f"Format error in JSON body: {where} must be a list of numbers")
    if len(values) != iv.dim:
        raise dimension_error(iv, len(values))
    # Fast path: only ints and floats (a bool is an int to numpy, so types are checked first), then one
    # conversion; a bad element is located by the slow loop below, which names it.
    ok = set(map(type, values)) <= _NUMBER_TYPES
    if ok:
        try:
            wide = np.asarray(values, dtype=np.float64)
            ok = bool(np.isfinite(wide).all())
        except OverflowError:
            ok = False
    if ok:
        # Values beyond float32's range would become inf when stored.
        ok = bool((np.abs(wide) <= 3.4028234663852886e38).all())
        if ok:
            vector = wide.astype(np.float32)
    if not ok:
        for i, x in enumerate(values):
            if isinstance(x, bool) or not isinstance(x, (int, float)) or not _finite_f32(x):
                raise BadRequest(f"Format error in JSON body: {where}[{i}] must be a finite number, got {x!r}")
        vector = np.asarray(values, dtype=np.float32)
    if iv.distance == "Cosine":
        vector = normalize(vector)
    return vector


def dimension_error(iv: IndexView, got: int) -> BadRequest:
    named = f" for vector '{iv.vector_name}'" if iv.vector_name else ""
    return BadRequest(f"Wrong input: Vector dimension error: expected dim: {iv.dim}, got {got}{named}")


def _finite_f32(x: float) -> bool:
    try:
        return math.isfinite(x) and abs(float(x)) <= 3.4028234663852886e38
    except OverflowError:
        return False


def prepare_array(iv: IndexView, vector: FloatArray, where: str) -> FloatArray:
    """prepare_vector for a float32 array (a protobuf ``repeated float`` read with np.array): the same
    checks and messages without the per-element type checks a JSON list needs."""
    if vector.shape[0] != iv.dim:
        raise dimension_error(iv, int(vector.shape[0]))
    finite = np.isfinite(vector)
    if not finite.all():
        i = int(np.argmin(finite))
        raise BadRequest(f"Format error in JSON body: {where}[{i}] must be a finite number, got {float(vector[i])!r}")
    if iv.distance == "Cosine":
        vector = normalize(vector)
    return vector


def normalize(vector: FloatArray) -> FloatArray:
    # sqrt(v.v) rather than np.linalg.norm: the same value for a 1-d vector, without its Python wrapper.
    norm = math.sqrt(float(np.dot(vector, vector)))
    if norm == 0.0 or not math.isfinite(norm):
        return vector
    return (vector / norm).astype(np.float32)
