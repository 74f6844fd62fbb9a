"""Points: upsert / retrieve / delete / payload updates / scroll / count / search over a collection's hashes.

Writes are HSET / HDEL / DEL through the dispatcher (store.py); every request is validated whole before
the first write, so a batch is never partially applied. Searches call the search engine's knn with the
filter evaluated here (filters.py) as the allowed key set.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from redvector.errors import BadRequest, NotFound
from redvector.search.vector.base import FloatArray
from redvector.service import engine
from redvector.service.collections import Collections
from redvector.service.engine import IndexView
from redvector.service.filters import PointPayload, Predicate
from redvector.service.ids import id_suffix, suffix_to_id, suffix_to_qdrant_id
from redvector.service.models import (
    PointId,
    Record,
    ScoredPoint,
    UpdateResult,
    VectorOut,
    format_id,
    higher_is_better,
    id_sort_key,
)
from redvector.service.sparse import SparseMatrix, SparseSpec, SparseVector
from redvector.service.sparse import decode as decode_sparse
from redvector.service.store import (
    PAYLOAD_FIELD,
    PointVectors,
    Store,
    encode_payload,
    encode_point,
    encode_vectors,
    read_payload,
    read_vector,
    suffix,
)

QDRANT = "qdrant"  # ids: uint or UUID (other keys -> uuid5)
PRODUCT = "product"  # ids: uint or any string

# with_vector: none, all, or (a collection with named vectors) the vectors of these names.
VectorSelector = bool | tuple[str, ...]


class VectorNamesFilter:
    """A filter predicate that reads which vectors a point has (a has_vector condition): the payload it is
    called with is a PointPayload carrying them. Other predicates get the plain payload (no extra work)."""

    __slots__ = ("predicate",)

    def __init__(self, predicate: Predicate) -> None:
        self.predicate = predicate

    def __call__(self, pid: PointId, payload: dict[str, Any]) -> bool:
        return self.predicate(pid, payload)


def filter_payload(iv: IndexView, fields: dict[bytes, bytes], predicate: Predicate | None) -> dict[str, Any]:
    """The payload ``predicate`` is evaluated on: with the point's vector names when it asks for them."""
    payload = read_payload(iv, fields)
    if type(predicate) is VectorNamesFilter:
        view = PointPayload(payload)
        if iv.named is None:
            names = {""} if iv.vector_field in fields else set()
        else:
            names = {n for n, sub in iv.named.items() if sub.vector_field in fields}
        names.update(n for n, s in iv.sparse.items() if s.field in fields and len(fields[s.field]) % 8 == 0)
        view.vector_names = frozenset(names)
        return view
    return payload


def read_vectors(iv: IndexView, fields: dict[bytes, bytes], selector: VectorSelector) -> VectorOut | None:
    """A point's vector(s) for with_vector: the list (unnamed; any selector picks it), or name -> list of
    the selected named vectors the point has (all for True, in the collection's order; else the order asked).
    With sparse vectors, name -> vector of those it has, as qdrant-client's local mode: dense, then sparse,
    ("" the unnamed one), and the bare list when only the unnamed vector is picked."""
    if iv.sparse:
        return _read_with_sparse(iv, fields, selector)
    if iv.named is None:
        v = read_vector(iv, fields)
        return None if v is None else [float(x) for x in v]
    names = iv.named if selector is True else [n for n in dict.fromkeys(selector or ()) if n in iv.named]
    out: dict[str, list[float]] = {}
    for n in names:
        v = read_vector(iv.named[n], fields)
        if v is not None:
            out[n] = [float(x) for x in v]
    return out


def _read_with_sparse(iv: IndexView, fields: dict[bytes, bytes], selector: VectorSelector) -> VectorOut | None:
    out: dict[str, Any] = {}
    if iv.named is None:
        dense = read_vector(iv, fields)
        if dense is not None:
            out[""] = [float(x) for x in dense]
    else:
        for n, sub in iv.named.items():
            v = read_vector(sub, fields)
            if v is not None:
                out[n] = [float(x) for x in v]
    for n, spec in iv.sparse.items():
        raw = fields.get(spec.field)
        sv = decode_sparse(raw) if raw is not None else None
        if sv is not None:
            out[n] = sv.to_json()
    if selector is not True:
        out = {n: out[n] for n in dict.fromkeys(selector or ()) if n in out}
    if iv.named is None and list(out) == [""]:
        return list(out[""])
    return out


@dataclass(frozen=True, slots=True)
class PayloadSelector:
    """with_payload: all, none, an include list or an exclude list of (possibly dotted) keys."""

    mode: str = "all"  # all | none | include | exclude
    keys: tuple[str, ...] = ()

    def apply(self, payload: dict[str, Any]) -> dict[str, Any] | None:
        if self.mode == "none":
            return None
        if self.mode == "all":
            return payload
        if self.mode == "include":
            out: dict[str, Any] = {}
            for key in self.keys:
                _copy_path(payload, out, key.split("."))
            return out
        result = dict(payload)
        for key in self.keys:
            _drop_path(result, key.split("."))
        return result


ALL_PAYLOAD = PayloadSelector("all")
NO_PAYLOAD = PayloadSelector("none")


def _copy_path(src: dict[str, Any], dst: dict[str, Any], parts: list[str]) -> None:
    head = parts[0]
    if head not in src:
        return
    if len(parts) == 1:
        dst[head] = src[head]
    elif isinstance(src[head], dict):
        sub = dst.setdefault(head, {})
        if isinstance(sub, dict):
            _copy_path(src[head], sub, parts[1:])


def _drop_path(d: dict[str, Any], parts: list[str]) -> None:
    head = parts[0]
    if head not in d:
        return
    if len(parts) == 1:
        del d[head]
    elif isinstance(d[head], dict):
        d[head] = dict(d[head])
        _drop_path(d[head], parts[1:])


@dataclass(frozen=True, slots=True)
class PointWrite:
    id: PointId
    vector: PointVectors  # by name for a collection with named or sparse vectors
    payload: dict[str, Any]


@dataclass(frozen=True, slots=True)
class SparseRows:
    """The points of a collection that have one sparse vector (key, hash) and those vectors as a matrix,
    valid while the collection's index (``index``) is at ``generation``."""

    index: Any
    generation: int
    rows: list[tuple[bytes, dict[bytes, bytes]]]
    matrix: SparseMatrix


_SPARSE_CACHE_SIZE = 8


class Points:
    def __init__(self, store: Store, collections: Collections) -> None:
        self.store = store
        self.collections = collections
        self.server = store.server
        # (collection, sparse field) -> its SparseRows: rebuilt when the index's generation moves (every
        # write of a key under the prefix, through any protocol, moves it) or the index is another one.
        self._sparse_rows: dict[tuple[str, bytes], SparseRows] = {}

    # -- ids and keys ------------------------------------------------------------------------------------
    @staticmethod
    def key_of(iv: IndexView, point_id: PointId) -> bytes:
        return iv.prefix + id_suffix(point_id).encode()

    @staticmethod
    def id_of(iv: IndexView, key: bytes, style: str) -> PointId:
        text = suffix(iv, key)
        return suffix_to_qdrant_id(text) if style == QDRANT else suffix_to_id(text)

    def find_key(self, iv: IndexView, point_id: PointId, style: str) -> bytes | None:
        """The hash key of a point, or None. A uuid5 id of a foreign key is found by a scan."""
        key = self.key_of(iv, point_id)
        if self.store.hash(key) is not None:
            return key
        if style == QDRANT and isinstance(point_id, uuid.UUID):
            for candidate in self.store.keys(iv):
                if self.id_of(iv, candidate, style) == point_id:
                    return candidate
        return None

    def iter_points(self, iv: IndexView, style: str) -> Iterator[tuple[bytes, PointId, dict[bytes, bytes]]]:
        for key in self.store.keys(iv):
            fields = self.store.hash(key)
            if fields is not None:
                yield key, self.id_of(iv, key, style), fields

    def matching(self, iv: IndexView, predicate: Predicate | None, style: str) -> list[tuple[bytes, PointId]]:
        out = []
        names = type(predicate) is VectorNamesFilter  # else the plain payload, without a call more per point
        for key, pid, fields in self.iter_points(iv, style):
            if predicate is None or predicate(pid, filter_payload(iv, fields, predicate) if names
                                              else read_payload(iv, fields)):
                out.append((key, pid))
        return out

    def record(self, iv: IndexView, key: bytes, pid: PointId, fields: dict[bytes, bytes],
                with_payload: PayloadSelector, with_vector: VectorSelector) -> Record:
        payload = with_payload.apply(read_payload(iv, fields)) if with_payload.mode != "none" else None
        vector = read_vectors(iv, fields, with_vector) if with_vector else None
        return Record(id=pid, payload=payload, vector=vector, key=key)

    # -- writes ------------------------------------------------------------------------------------------
    def upsert(self, name: str, points: list[PointWrite], mode: str = "upsert") -> UpdateResult:
        iv = self.collections.get(name)
        writes: list[tuple[bytes, dict[bytes, bytes], dict[bytes, bytes] | None]] = []
        seen: dict[bytes, int] = {}
        for p in points:
            key = self.key_of(iv, p.id)
            if not self.store.key_type_ok(key):
                raise BadRequest(f"Wrong input: key {key.decode('utf-8', 'replace')!r} holds a non-hash value")
            existing = self.store.hash(key)
            if mode == "insert_only" and existing is not None:
                continue
            if mode == "update_only" and existing is None:
                continue
            # A later point with the same id wins, as in Qdrant's batch.
            if key in seen:
                writes[seen[key]] = (key, encode_point(iv, p.vector, p.payload), existing)
                continue
            seen[key] = len(writes)
            writes.append((key, encode_point(iv, p.vector, p.payload), existing))
        for key, fields, existing in writes:
            self._write(key, fields, existing)
        return UpdateResult(self.store.next_operation_id(), affected=len(writes))

    def _write(self, key: bytes, fields: dict[bytes, bytes], existing: dict[bytes, bytes] | None) -> None:
        argv = [b"HSET", key]
        for f, v in fields.items():
            argv += [f, v]
        stale = [f for f in existing if f not in fields] if existing else []
        self.store.execute(argv)
        if stale:
            self.store.execute([b"HDEL", key, *stale])

    def delete_keys(self, keys: list[bytes]) -> int:
        deleted = 0
        for i in range(0, len(keys), 512):
            deleted += int(self.store.execute([b"DEL", *keys[i:i + 512]]))
        return deleted

    def delete(self, name: str, ids: list[PointId] | None, predicate: Predicate | None, style: str) -> UpdateResult:
        iv = self.collections.get(name)
        if ids is not None:
            keys = [k for k in (self.find_key(iv, pid, style) for pid in ids) if k is not None]
        else:
            keys = [k for k, _ in self.matching(iv, predicate, style)]
        deleted = self.delete_keys(list(dict.fromkeys(keys)))
        return UpdateResult(self.store.next_operation_id(), affected=deleted)

    def _targets(self, iv: IndexView, ids: list[PointId] | None, predicate: Predicate | None,
                 style: str) -> list[bytes]:
        if ids is None:
            return [k for k, _ in self.matching(iv, predicate, style)]
        keys = []
        for pid in ids:
            key = self.find_key(iv, pid, style)
            if key is None:
                raise NotFound(f"Not found: No point with id {pid} found")
            keys.append(key)
        return list(dict.fromkeys(keys))

    def update_payload(self, name: str, ids: list[PointId] | None, predicate: Predicate | None, style: str,
                       *, set_: dict[str, Any] | None = None, overwrite: dict[str, Any] | None = None,
                       delete_keys: list[str] | None = None, clear: bool = False,
                       key_path: str | None = None) -> UpdateResult:
        """Qdrant's set (merge, optionally under ``key_path``), overwrite, delete keys and clear."""
        iv = self.collections.get(name)
        targets = self._targets(iv, ids, predicate, style)
        for key in targets:
            fields = self.store.hash(key)
            if fields is None:
                continue
            payload = read_payload(iv, fields)
            if clear:
                payload = {}
            elif overwrite is not None:
                payload = dict(overwrite)
            elif set_ is not None:
                if key_path:
                    node = payload
                    for part in key_path.split("."):
                        child = node.get(part)
                        if not isinstance(child, dict):
                            child = {}
                            node[part] = child
                        node = child
                    node.update(set_)
                else:
                    payload.update(set_)
            elif delete_keys is not None:
                for k in delete_keys:
                    _drop_path(payload, k.split("."))
            new_fields = encode_payload(iv, payload)
            for field in iv.vector_fields:  # the vectors stay as they are
                if field in fields:
                    new_fields[field] = fields[field]
            self._write(key, new_fields, fields)
        return UpdateResult(self.store.next_operation_id(), affected=len(targets))

    def update_vectors(self, name: str, updates: list[PointWrite], predicate: Predicate | None,
                       style: str) -> UpdateResult:
        """Replace only the given vectors of existing points (their payload and other vectors stay); a
        missing id is a 404 before anything is written; ``predicate`` (update_filter) skips the points it
        rejects. The payload of each PointWrite is ignored."""
        iv = self.collections.get(name)
        writes: list[tuple[bytes, dict[bytes, bytes]]] = []
        for update in updates:
            key = self.find_key(iv, update.id, style)
            fields = self.store.hash(key) if key is not None else None
            if key is None or fields is None:
                raise NotFound(f"Not found: No point with id {format_id(update.id)} found")
            if predicate is not None and not predicate(update.id, filter_payload(iv, fields, predicate)):
                continue
            writes.append((key, encode_vectors(iv, update.vector)))
        for key, new_fields in writes:
            if new_fields:
                self.store.execute([b"HSET", key, *(x for item in new_fields.items() for x in item)])
        return UpdateResult(self.store.next_operation_id(), affected=len(writes))

    def delete_vectors(self, name: str, ids: list[PointId] | None, predicate: Predicate | None,
                       fields: list[bytes], style: str) -> UpdateResult:
        """Remove these vector hash fields from the selected points (a missing id: 404, nothing removed)."""
        iv = self.collections.get(name)
        targets = self._targets(iv, ids, predicate, style)
        for key in targets:
            self.store.execute([b"HDEL", key, *fields])
        return UpdateResult(self.store.next_operation_id(), affected=len(targets))

    # -- reads -------------------------------------------------------------------------------------------
    def retrieve(self, name: str, ids: list[PointId], with_payload: PayloadSelector, with_vector: VectorSelector,
                 style: str) -> list[Record]:
        iv = self.collections.get(name)
        out = []
        seen: set[bytes] = set()
        for pid in ids:
            key = self.find_key(iv, pid, style)
            if key is None or key in seen:
                continue
            seen.add(key)
            fields = self.store.hash(key)
            if fields is not None:
                out.append(self.record(iv, key, self.id_of(iv, key, style), fields, with_payload, with_vector))
        return out

    def vector_of(self, iv: IndexView, pid: PointId, style: str) -> FloatArray:
        """The stored vector of ``iv`` (a named vector's view reads that vector) of a point; 404 without it."""
        key = self.find_key(iv, pid, style)
        fields = self.store.hash(key) if key is not None else None
        vector = read_vector(iv, fields) if fields is not None else None
        if vector is None:
            raise NotFound(f"Not found: No point with id {pid} found")
        return vector

    def scroll(self, name: str, predicate: Predicate | None, limit: int, offset: PointId | None,
               with_payload: PayloadSelector, with_vector: VectorSelector,
               style: str) -> tuple[list[Record], PointId | None]:
        iv = self.collections.get(name)
        rows = [(pid, key, fields) for key, pid, fields in self.iter_points(iv, style)]
        rows.sort(key=lambda row: id_sort_key(row[0]))
        start_key = id_sort_key(offset) if offset is not None else None
        page: list[Record] = []
        next_offset: PointId | None = None
        for pid, key, fields in rows:
            if start_key is not None and id_sort_key(pid) < start_key:
                continue
            if predicate is not None and not predicate(pid, filter_payload(iv, fields, predicate)):
                continue
            if len(page) == limit:
                next_offset = pid
                break
            page.append(self.record(iv, key, pid, fields, with_payload, with_vector))
        return page, next_offset

    def count(self, name: str, predicate: Predicate | None, style: str) -> int:
        iv = self.collections.get(name)
        if predicate is None:
            return sum(1 for _ in self.store.keys(iv))
        return len(self.matching(iv, predicate, style))

    def search(self, name: str, query: FloatArray, limit: int, *, predicate: Predicate | None = None,
               offset: int = 0, score_threshold: float | None = None,
               with_payload: PayloadSelector = ALL_PAYLOAD, with_vector: VectorSelector = False,
               exclude: list[PointId] | None = None, ef_runtime: int | None = None,
               style: str = QDRANT, iv: IndexView | None = None,
               space: IndexView | None = None) -> list[ScoredPoint]:
        """The ``limit`` best points after ``offset`` (Cosine/Dot: highest score; Euclid: lowest), by the
        vector of ``space`` (a named vector's view, iv.space(name)) or the collection's vector."""
        if iv is None:
            iv = self.collections.get(name)
        hits = self.search_hits(iv, iv if space is None else space, query, limit, predicate=predicate,
                                offset=offset, score_threshold=score_threshold, exclude=exclude,
                                ef_runtime=ef_runtime, style=style)
        return self.scored_points(iv, hits, with_payload, with_vector)

    def search_hits(self, iv: IndexView, vspace: IndexView, query: FloatArray, limit: int, *,
                    predicate: Predicate | None = None, offset: int = 0, score_threshold: float | None = None,
                    exclude: list[PointId] | None = None, ef_runtime: int | None = None, style: str = QDRANT,
                    candidates: list[bytes] | None = None) -> list[tuple[float, bytes, PointId]]:
        """search's hits as (score, key, id), best first: among ``candidates`` (keys) only when given."""
        if limit <= 0:
            return []
        excluded: set[bytes] = set()
        for pid in exclude or []:
            key = self.find_key(iv, pid, style)
            if key is not None:
                excluded.add(key)
        allowed: list[bytes] | None = None
        if candidates is not None:
            allowed = [k for k in self.matching_keys(iv, candidates, predicate, style) if k not in excluded]
        elif predicate is not None:
            allowed = [k for k, _ in self.matching(iv, predicate, style) if k not in excluded]
        if allowed is not None and not allowed:
            return []
        k = offset + limit + (len(excluded) if allowed is None else 0)
        default_ef = int(self.server.config.get("search-default-ef-runtime", 64) or 64)
        ef = max(ef_runtime or default_ef, k)
        hits = engine.knn(vspace, query, k, ef, allowed)
        better_high = higher_is_better(vspace.distance)
        euclid = vspace.distance == "Euclid"
        to_id = suffix_to_qdrant_id if style == QDRANT else suffix_to_id
        cut = len(iv.prefix)
        scored: list[tuple[float, bytes, PointId]] = []
        for key, dist in hits:
            if excluded and key in excluded:
                continue
            # Qdrant scores: Euclid the distance (the engine's is squared), Cosine/Dot 1 - distance.
            score = math.sqrt(dist if dist > 0.0 else 0.0) if euclid else 1.0 - dist
            if score_threshold is not None and (
                score <= score_threshold if better_high else score >= score_threshold
            ):
                continue
            scored.append((score, key, to_id(key[cut:].decode("utf-8", "replace"))))
        # Deterministic tie-break: id ascending (qdrant.md §6).
        scored.sort(key=lambda t: ((-t[0] if better_high else t[0]), id_sort_key(t[2])))
        return scored[offset:offset + limit]

    def matching_keys(self, iv: IndexView, keys: list[bytes], predicate: Predicate | None,
                      style: str) -> list[bytes]:
        """Those of ``keys`` (deduplicated) that hold a point ``predicate`` accepts."""
        out = []
        for key in dict.fromkeys(keys):
            fields = self.store.hash(key)
            if fields is not None and (predicate is None or predicate(
                    self.id_of(iv, key, style), filter_payload(iv, fields, predicate))):
                out.append(key)
        return out

    def scored_points(self, iv: IndexView, hits: list[tuple[float, bytes, PointId]], with_payload: PayloadSelector,
                      with_vector: VectorSelector) -> list[ScoredPoint]:
        """Hits as ScoredPoints with the payload and vectors asked for (a key gone since is left out)."""
        out = []
        need_fields = with_payload.mode != "none" or with_vector
        for score, key, pid in hits:
            payload = vector = None
            if need_fields:
                fields = self.store.hash(key)
                if fields is None:
                    continue
                if with_payload.mode != "none":
                    payload = with_payload.apply(read_payload(iv, fields))
                if with_vector:
                    vector = read_vectors(iv, fields, with_vector)
            out.append(ScoredPoint(id=pid, score=score, payload=payload, vector=vector))
        return out

    def sparse_vector_of(self, iv: IndexView, spec: SparseSpec, pid: PointId, style: str) -> SparseVector:
        """The stored sparse vector ``spec`` of a point; 404 when the point or its vector is missing."""
        key = self.find_key(iv, pid, style)
        fields = self.store.hash(key) if key is not None else None
        raw = fields.get(spec.field) if fields is not None else None
        vector = decode_sparse(raw) if raw is not None else None
        if vector is None:
            raise NotFound(f"Not found: No point with id {format_id(pid)} found")
        return vector

    def sparse_search(self, iv: IndexView, spec: SparseSpec, query: SparseVector, limit: int, *,
                      predicate: Predicate | None = None, offset: int = 0, score_threshold: float | None = None,
                      with_payload: PayloadSelector = ALL_PAYLOAD, with_vector: VectorSelector = False,
                      exclude: list[PointId] | None = None, style: str = QDRANT) -> list[ScoredPoint]:
        """The ``limit`` best points after ``offset`` by sparse vector ``spec``: exact dot product over the
        points that have it and share an index with the query (sparse.py), highest first, ties by id; with
        ``modifier: idf`` the query is weighted by IDF over every point that has the vector. The vectors
        come from the keyspace (sparse_rows), so writes from every protocol are seen at once."""
        rows, ranked = self._sparse_ranked(iv, spec, query, limit, predicate, offset, score_threshold, exclude,
                                           style, None)
        out = []
        for score, pid, i in ranked:
            fields = rows[i][1]
            payload = with_payload.apply(read_payload(iv, fields)) if with_payload.mode != "none" else None
            vector_out = read_vectors(iv, fields, with_vector) if with_vector else None
            out.append(ScoredPoint(id=pid, score=score, payload=payload, vector=vector_out))
        return out

    def sparse_hits(self, iv: IndexView, spec: SparseSpec, query: SparseVector, limit: int, *,
                    predicate: Predicate | None = None, offset: int = 0, score_threshold: float | None = None,
                    exclude: list[PointId] | None = None, style: str = QDRANT,
                    candidates: list[bytes] | None = None) -> list[tuple[float, bytes, PointId]]:
        """sparse_search's hits as (score, key, id), best first (a query pipeline's leaf): among
        ``candidates`` (keys) only when given."""
        rows, ranked = self._sparse_ranked(iv, spec, query, limit, predicate, offset, score_threshold, exclude,
                                           style, None if candidates is None else set(candidates))
        return [(score, rows[i][0], pid) for score, pid, i in ranked]

    def _sparse_ranked(self, iv: IndexView, spec: SparseSpec, query: SparseVector, limit: int,
                       predicate: Predicate | None, offset: int, score_threshold: float | None,
                       exclude: list[PointId] | None, style: str, candidates: set[bytes] | None,
                       ) -> tuple[list[tuple[bytes, dict[bytes, bytes]]], list[tuple[float, PointId, int]]]:
        if limit <= 0:
            return [], []
        cached = self.sparse_rows(iv, spec)
        rows = cached.rows
        if spec.idf:
            query = cached.matrix.idf_weighted(query)
        scores, overlaps = cached.matrix.scores(query)
        excluded = {self.key_of(iv, pid) for pid in exclude or ()}
        hits: list[tuple[float, PointId, int]] = []
        names = type(predicate) is VectorNamesFilter
        for i in np.flatnonzero(overlaps).tolist():
            key, fields = rows[i]
            if candidates is not None and key not in candidates:
                continue
            # Qdrant's score is f32; the threshold compares it as local mode does (strictly better passes).
            score = float(np.float32(scores[i]))
            if not math.isfinite(score):  # a value written over RESP may be NaN or overflow float32
                continue
            if score_threshold is not None and score <= score_threshold:
                continue
            if key in excluded:
                continue
            pid = self.id_of(iv, key, style)
            if predicate is not None and not predicate(pid, filter_payload(iv, fields, predicate) if names
                                                       else read_payload(iv, fields)):
                continue
            hits.append((score, pid, i))
        hits.sort(key=lambda t: (-t[0], id_sort_key(t[1])))
        return rows, hits[offset:offset + limit]

    def sparse_rows(self, iv: IndexView, spec: SparseSpec) -> SparseRows:
        """The points having sparse vector ``spec``, from the cache while the index has not changed. Not
        cached while database 0 holds keys or hash fields with a TTL (one may lapse without a write)."""
        index = iv.index
        generation = getattr(index, "generation", None)
        db = self.store.db
        cacheable = generation is not None and not db.expires and not db.field_ttls.by_key
        slot = (iv.name, spec.field)
        cached = self._sparse_rows.get(slot)
        if cacheable and cached is not None and cached.index is index and cached.generation == generation:
            return cached
        rows: list[tuple[bytes, dict[bytes, bytes]]] = []
        blobs: list[bytes] = []
        field = spec.field
        for key, fields in self.store.hashes(iv):
            raw = fields.get(field)
            if raw is not None and not len(raw) % 8:  # else not a sparse vector (sparse.decode)
                rows.append((key, fields))
                blobs.append(raw)
        built = SparseRows(index, int(generation or 0), rows, SparseMatrix(blobs))
        if cacheable:
            if len(self._sparse_rows) >= _SPARSE_CACHE_SIZE and slot not in self._sparse_rows:
                self._sparse_rows.pop(next(iter(self._sparse_rows)))
            self._sparse_rows[slot] = built
        return built


__all__ = ["ALL_PAYLOAD", "NO_PAYLOAD", "PAYLOAD_FIELD", "PRODUCT", "QDRANT", "PayloadSelector", "PointWrite",
           "Points", "VectorNamesFilter", "VectorSelector", "filter_payload", "read_vectors"]
