"""SearchIndex: one FT index over one database: key <-> doc id, per-field indexes, failures, statistics.

Every (re)index of a key gives it a new, higher doc id, as RediSearch does (doc-id order is the tie
breaker in results). The index reads hashes from its ``Database`` only when told a key changed
(``index_key``) and when loading result rows; it never reads the clock.

Persistence hooks: ``definition.argvs()`` re-creates the index; ``doc_ids()`` is the key -> doc id map,
and ``restore(doc_ids, vector_indexes)`` re-installs a saved map and saved vector indexes (e.g. an HNSW
graph) so the keyspace scan that follows re-indexes text/tag/numeric fields without re-adding vectors.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from redvector.errors import SearchError
from redvector.keyspace.types.json_path import JsonPath, compile_path
from redvector.keyspace.types.json_value import JsonValue
from redvector.search.doctable import DocTable
from redvector.search.documents import Document, IndexingFailure, build_document, vector_value
from redvector.search.fields.geo import GeoIndex
from redvector.search.fields.geoshape import GeoShapeIndex
from redvector.search.fields.numeric import NumericIndex, parse_number
from redvector.search.fields.tag import TagIndex
from redvector.search.fields.text import TextIndex
from redvector.search.json_documents import build_json_document
from redvector.search.query.cache import QueryCache
from redvector.search.rules import IndexRule
from redvector.search.schema import FieldSpec, FieldType, IndexDefinition
from redvector.search.vector.base import (
    FloatArray,
    IdArray,
    ReadsDocumentVectors,
    VectorIndex,
    VectorSource,
    create_vector_index,
)

if TYPE_CHECKING:
    from redvector.keyspace.database import Database


@dataclass(slots=True)
class ErrorStats:
    failures: int = 0
    last_error: str | None = None
    last_key: bytes | None = None

    def record(self, message: str, key: bytes) -> None:
        self.failures += 1
        self.last_error = message
        self.last_key = key


@dataclass(slots=True)
class ScanState:
    """Initial indexing of existing keys (FT.CREATE / FT.ALTER): FT.INFO ``indexing``/``percent_indexed``."""

    keys: list[bytes] = field(default_factory=list)
    pos: int = 0
    force: bool = False  # FT.ALTER: re-index keys already indexed (new fields)

    @property
    def done(self) -> bool:
        return self.pos >= len(self.keys)

    @property
    def percent(self) -> float:
        return 1.0 if not self.keys else self.pos / len(self.keys)


class SearchIndex:
    """The Python API other layers (commands, REST/gRPC service, persistence) use for one index."""

    def __init__(self, definition: IndexDefinition, db: Database) -> None:
        self.definition = definition
        self.db = db
        self.rule = IndexRule(definition)
        # ON HASH indexes hash keys (dict values); ON JSON, JSON keys, reading fields by JSONPath.
        self.on_json = definition.on == "JSON"
        self.value_type: type[JsonValue] | type[dict[Any, Any]] = JsonValue if self.on_json else dict
        self.json_paths: dict[bytes, JsonPath] = {}
        self.key_to_id: dict[bytes, int] = {}
        self.docs = DocTable()  # doc id -> key (and sort values, vectors); iterates in doc-id order
        # By doc id, only for the documents that have them (most have neither, so DocTable has no column
        # for them): the document's own score where it is not 1 (SCORE field, FT.ADD), its PAYLOAD_FIELD value.
        self.doc_scores: dict[int, float] = {}
        self.payloads: dict[int, bytes] = {}
        self.max_doc_id = 0
        self._present = np.zeros(1024, dtype=bool)  # by doc id: indexed now (doc_id_array)
        self.text = TextIndex(definition.stopword_set, definition.language)
        self.tags: dict[bytes, TagIndex] = {}
        self.numeric: dict[bytes, NumericIndex] = {}
        self.geo: dict[bytes, GeoIndex] = {}
        self.geoshapes: dict[bytes, GeoShapeIndex] = {}
        self.vectors: dict[bytes, VectorIndex] = {}
        self._slots: dict[bytes, int] = {}  # attribute -> its position in DocTable.sort_values
        # By slot: (hash field, NUMERIC) for an attribute whose sort value is read from the hash instead
        # of DocTable.sort_values (ON HASH, not SORTABLE); None where DocTable.sort_values holds it.
        self._read_back: list[tuple[bytes, bool] | None] = []
        self._vector_sets: dict[tuple[bytes, ...], tuple[bytes, ...]] = {}  # one tuple per combination
        self._install_fields(definition.fields)
        self.errors = ErrorStats()
        self.field_errors: dict[bytes, ErrorStats] = {f.name: ErrorStats() for f in definition.fields}
        # Bumped on every change: a query computed off the loop is only kept if this did not move.
        self.generation = 0
        # KNN prefilter results: (filter node, options) -> (generation, allowed ids, scores).
        self.filter_cache: dict[Any, tuple[int, np.ndarray, dict[int, float]]] = {}
        # Parsed query texts (FT.SEARCH / FT.AGGREGATE); depends on the definition, cleared by FT.ALTER.
        self.query_cache = QueryCache()
        # FT.SEARCH's compiled repeat queries (commands/search/knn_plans.py); cleared with the query cache.
        self.search_plans: dict[Any, Any] = {}
        # Batched concurrent KNN searches per vector field (commands/search/knn_batches.py).
        self.knn_batchers: dict[bytes, Any] = {}
        # FT.SYNUPDATE groups: lower-cased term -> group ids (search/synonyms.py expands query words).
        self.synonyms: dict[bytes, list[bytes]] = {}
        self.scan: ScanState | None = None
        self.total_indexing_time_ms = 0.0
        self.number_of_uses = 0
        self.dialect_stats = [0, 0, 0, 0]
        # RedVector's default EF_RUNTIME (config search-default-ef-runtime), set by the registry.
        self.default_ef_runtime: Callable[[], int] | None = None
        self._preassigned: dict[bytes, int] = {}
        self._restored_vectors: set[bytes] = set()  # keys whose saved vectors are in restored indexes
        self._restored_fields: set[bytes] = set()  # vector fields whose saved index was installed

    # -- schema ------------------------------------------------------------------------------------------
    def _install_fields(self, fields: Iterable[FieldSpec]) -> None:
        self._slots = {f.name: i for i, f in enumerate(self.definition.fields)}
        self._read_back = [None if self.on_json or f.sortable or f.type is FieldType.VECTOR
                           else (f.identifier, f.type is FieldType.NUMERIC) for f in self.definition.fields]
        for f in fields:
            if self.on_json:
                self.json_paths[f.identifier] = compile_path(f.identifier)
            if f.type is FieldType.TAG:
                self.tags[f.name] = TagIndex(f.separator, f.casesensitive)
            elif f.type is FieldType.NUMERIC:
                self.numeric[f.name] = NumericIndex()
            elif f.type is FieldType.GEO:
                self.geo[f.name] = GeoIndex()
            elif f.type is FieldType.GEOSHAPE:
                self.geoshapes[f.name] = GeoShapeIndex(f.coord_system == "SPHERICAL")
            elif f.type is FieldType.VECTOR:
                assert f.vector is not None
                self.vectors[f.name] = create_vector_index(f.vector)
                self._attach_blob_reader(f)

    def _attach_blob_reader(self, spec: FieldSpec) -> None:
        """Let the vector index read documents' vectors from their hash values (its exact search does)."""
        vindex = self.vectors[spec.name]
        if isinstance(vindex, ReadsDocumentVectors):
            vindex.vector_source = self._blob_reader(spec)

    def _blob_reader(self, spec: FieldSpec) -> VectorSource:
        options = spec.vector
        assert options is not None
        name = spec.name
        contiguous = options.dtype == "FLOAT32" and not spec.csv_vectors
        dim, blob_size = options.dim, options.blob_size

        def read(doc_ids: IdArray) -> tuple[IdArray, FloatArray]:
            # May run on a worker thread: reads only; a write racing with it moves the index's generation
            # and the query is recomputed (see the search commands).
            fields_of, values_of = self.docs.vector_columns()
            n = len(values_of)
            found: list[int] = []
            blobs: list[bytes] = []
            for d in doc_ids.tolist():
                held = values_of[d] if d < n else None
                if held is None:
                    continue
                fields = fields_of[d]  # () if the document was removed since (a racing write)
                if isinstance(held, bytes):
                    if not fields or fields[0] != name:
                        continue
                    raw = held
                elif name in fields:
                    raw = held[fields.index(name)]
                else:
                    continue
                found.append(d)
                blobs.append(raw)
            ids = np.asarray(found, dtype=np.int64)
            if contiguous and all(len(b) == blob_size for b in blobs):
                return ids, np.frombuffer(b"".join(blobs), dtype="<f4").reshape(-1, dim)
            keep: list[int] = []
            rows: list[FloatArray] = []
            for i, b in enumerate(blobs):
                row = vector_value(spec, b)
                if row is not None:
                    keep.append(i)
                    rows.append(row)
            matrix = np.stack(rows) if rows else np.zeros((0, dim), np.float32)
            return ids[keep], matrix.astype(np.float32, copy=False)

        return read

    def add_fields(self, fields: list[FieldSpec], argv: list[bytes]) -> None:
        """FT.ALTER SCHEMA ADD: extend the schema; the caller re-scans the keys."""
        self.definition.fields.extend(fields)
        self.definition.alter_argvs.append(list(argv))
        self.query_cache.clear()
        self.search_plans.clear()
        self.rule = IndexRule(self.definition)
        self._install_fields(fields)
        for f in fields:
            self.field_errors[f.name] = ErrorStats()

    @property
    def name(self) -> bytes:
        return self.definition.name

    @property
    def scored_docs(self) -> int:
        """How many documents have a score other than 1."""
        return len(self.doc_scores)

    @property
    def num_docs(self) -> int:
        return len(self.docs)

    # -- keys ---------------------------------------------------------------------------------------------
    def __contains__(self, key: bytes) -> bool:
        return key in self.key_to_id

    def __len__(self) -> int:
        return len(self.docs)

    def __iter__(self) -> Iterator[bytes]:
        return self.keys()

    def keys(self) -> Iterator[bytes]:
        """Every indexed key (a snapshot: safe while the index changes)."""
        return iter(list(self.key_to_id))

    def doc_ids(self) -> dict[bytes, int]:
        """key -> doc id (a copy), for persistence of vector graphs."""
        return dict(self.key_to_id)

    def sort_value(self, doc_id: int, name: bytes) -> float | bytes | None:
        """The document's SORTBY value of attribute ``name`` (None: it has none, or the index lacks it)."""
        slot = self._slots.get(name)
        if slot is None:
            return None
        read_back = self._read_back[slot]
        if read_back is not None:
            key = self.docs.get(doc_id)
            return self._hash_sort_value(key, *read_back) if key is not None else None
        values = self.docs.sort_values(doc_id)
        return values[slot] if slot < len(values) else None

    def _hash_sort_value(self, key: bytes, ident: bytes, numeric: bool) -> float | bytes | None:
        """The sort value of a field that is not SORTABLE, from the hash (what build_document would have
        kept): the stored bytes, a NUMERIC field's as a number. The index follows every write to the
        key, so the hash holds what was indexed."""
        h = self.db.data.get(key)
        raw = h.get(ident) if type(h) is dict else None
        return parse_number(raw) if raw is not None and numeric else raw

    def unsortable_field(self, name: bytes) -> bytes | None:
        """The hash field of attribute ``name`` when its sort values are read back from the hash (ON HASH,
        not SORTABLE), else None."""
        slot = self._slots.get(name)
        read_back = self._read_back[slot] if slot is not None else None
        return read_back[0] if read_back is not None else None

    def sort_slot(self, name: bytes) -> int | None:
        """Attribute ``name``'s position in DocTable.sort_values (None: not in the schema)."""
        return self._slots.get(name)

    def sort_values_of(self, doc_ids: list[int], name: bytes) -> list[float | bytes | None]:
        """sort_value of attribute ``name`` for each of ``doc_ids`` (None for a doc the index lacks)."""
        slot = self._slots.get(name)
        if slot is None:
            return [None] * len(doc_ids)
        read_back = self._read_back[slot]
        if read_back is not None:  # _hash_sort_value for each document, its lookups mapped in C
            ident, numeric = read_back
            # (a None key, a document gone, finds no hash)
            hashes = map(self.db.data.get, cast("list[bytes]", self.docs.keys_of(doc_ids)))
            raws = [h.get(ident) if type(h) is dict else None for h in hashes]
            return [raw if raw is None else parse_number(raw) for raw in raws] if numeric else raws
        sort_values = self.docs.sort_values
        return [values[slot] if slot < len(values := sort_values(d)) else None for d in doc_ids]

    def key_of(self, doc_id: int) -> bytes | None:
        return self.docs.get(doc_id)

    def covers(self, key: bytes) -> bool:
        return self.rule.key_matches(key)

    # -- indexing -----------------------------------------------------------------------------------------
    def index_key(self, key: bytes, value: Any) -> bool:
        """(Re)index ``key`` from its current value (a hash dict, or a JsonValue ON JSON; anything else or
        None removes it). Returns whether the key is indexed afterwards."""
        if not isinstance(value, self.value_type) or not self.rule.key_matches(key) or \
                not self.rule.value_matches(key, value):
            self.remove_key(key)
            return False
        doc: Document | IndexingFailure
        if isinstance(value, JsonValue):
            doc = build_json_document(self.definition, key, value.root, self.json_paths)
        else:
            doc = build_document(self.definition, key, value)
        if isinstance(doc, IndexingFailure):
            self.remove_key(key)
            self.errors.record(doc.message, key)
            if doc.per_field:
                self.field_errors.setdefault(doc.field.name, ErrorStats()).record(doc.message, key)
            return False
        self._add(doc)
        for spec, message in doc.failures:
            self.errors.record(message, key)
            self.field_errors.setdefault(spec.name, ErrorStats()).record(message, key)
        return True

    def _add(self, doc: Document) -> None:
        key = doc.key
        restoring = False
        pre = self._preassigned.pop(key, None) if self._preassigned else None
        if pre is not None:
            restoring = key in self._restored_vectors
            self._remove_postings(key, keep_vectors=restoring)
            doc_id = pre
            self.max_doc_id = max(self.max_doc_id, doc_id)
        else:
            self.remove_key(key)
            self.max_doc_id += 1
            doc_id = self.max_doc_id
        self.generation += 1
        self.key_to_id[key] = doc_id
        if doc_id >= len(self._present):
            grown = np.zeros(max(doc_id + 1, 2 * len(self._present)), dtype=bool)
            grown[:len(self._present)] = self._present
            self._present = grown
        self._present[doc_id] = True
        names = tuple(spec.name for spec, _ in doc.vectors)
        names = self._vector_sets.setdefault(names, names)
        values = doc.vector_values
        self.docs.add(doc_id, key, doc.sort_values, names,
                      values[0] if len(values) == 1 else tuple(values) if values else None)
        if doc.score != 1.0:
            self.doc_scores[doc_id] = doc.score
        if doc.payload is not None:
            self.payloads[doc_id] = doc.payload
        pos = 0
        for spec, text in doc.text:
            # Positions run on across fields in schema order, as in RediSearch: a phrase or SLOP 0 may span
            # the end of one field and the start of the next ("alpha" | "beta" matches "alpha beta").
            pos = self.text.add(doc_id, spec.name, text, pos, spec.weight, spec.phonetic is not None, spec.nostem)
        for spec, raw in doc.tags:
            self.tags[spec.name].add(doc_id, raw)
        for spec, num in doc.numeric:
            self.numeric[spec.name].add(doc_id, num)
        for spec, point in doc.geo:
            self.geo[spec.name].add(doc_id, point)
        for spec, shape in doc.geoshapes:
            self.geoshapes[spec.name].add(doc_id, shape)
        for spec, vec in doc.vectors:
            if not (restoring and spec.name in self._restored_fields):
                self.vectors[spec.name].add(doc_id, vec)

    def doc_id_array(self) -> np.ndarray:
        """Every indexed document's id, ascending."""
        return np.flatnonzero(self._present)

    def remove_key(self, key: bytes) -> bool:
        return self._remove_postings(key, keep_vectors=False)

    def _remove_postings(self, key: bytes, keep_vectors: bool) -> bool:
        doc_id = self.key_to_id.pop(key, None)
        if doc_id is None:
            return False
        self.generation += 1
        self._present[doc_id] = False
        self.docs.pop(doc_id)
        self.doc_scores.pop(doc_id, None)
        self.payloads.pop(doc_id, None)
        self.text.remove(doc_id)
        for tags in self.tags.values():
            tags.remove(doc_id)
        for nums in self.numeric.values():
            nums.remove(doc_id)
        for geo in self.geo.values():
            geo.remove(doc_id)
        for shapes in self.geoshapes.values():
            shapes.remove(doc_id)
        if not keep_vectors:
            for vec in self.vectors.values():
                vec.remove(doc_id)
        return True

    def clear(self) -> None:
        """Forget every document (the definition stays)."""
        self.key_to_id.clear()
        self.docs.clear()
        self._present[:] = False
        self.doc_scores.clear()
        self.payloads.clear()
        close_vectors(self)
        self.filter_cache.clear()
        self.text = TextIndex(self.definition.stopword_set, self.definition.language)
        self.tags, self.numeric, self.geo, self.geoshapes, self.vectors = {}, {}, {}, {}, {}
        self._install_fields(self.definition.fields)
        self.generation += 1

    # -- persistence hook -------------------------------------------------------------------------------
    def restore(self, doc_ids: Mapping[bytes, int], vector_indexes: Mapping[bytes, VectorIndex] | None = None) -> None:
        """Before the keyspace scan of a load: reuse saved doc ids (and saved vector indexes, keyed by
        attribute name, already holding those doc ids' vectors). Keys indexed afterwards get their saved
        id; their vectors are not re-added to a restored vector index. Call on an empty index."""
        self._preassigned = dict(doc_ids)
        if vector_indexes:
            for name, vindex in vector_indexes.items():
                if name in self.vectors:
                    close = getattr(self.vectors[name], "close", None)
                    if close is not None:
                        close()
                    self.vectors[name] = vindex
                    self._restored_fields.add(name)
                    spec = self.definition.field(name)
                    if spec is not None:
                        self._attach_blob_reader(spec)
            self._restored_vectors = set(doc_ids)
        if doc_ids:
            self.max_doc_id = max(self.max_doc_id, max(doc_ids.values()))

    def finish_restore(self) -> None:
        """After the load scan: drop saved vectors of keys that did not come back."""
        for key, doc_id in self._preassigned.items():
            if key in self._restored_vectors:
                for name in self._restored_fields:
                    self.vectors[name].remove(doc_id)
        self._preassigned = {}
        self._restored_vectors = set()
        self._restored_fields = set()

    # -- vector API (REST/gRPC service) -----------------------------------------------------------------
    def vector_field(self, name: bytes | str | None = None) -> FieldSpec:
        fields = self.definition.vector_fields()
        if name is None:
            if len(fields) != 1:
                raise SearchError("the index has no single vector field")
            return fields[0]
        n = name.encode() if isinstance(name, str) else name
        for f in fields:
            if f.name == n:
                return f
        raise SearchError(f"Unknown vector field `{n.decode('utf-8', 'replace')}`")

    def allowed_ids(self, keys: Iterable[bytes]) -> np.ndarray:
        ids = [self.key_to_id[k] for k in keys if k in self.key_to_id]
        return np.asarray(sorted(ids), dtype=np.int64)

    def knn(self, field: bytes | str | None, query: FloatArray, k: int, ef_runtime: int | None = None,
            allowed_keys: Iterable[bytes] | None = None) -> list[tuple[bytes, float]]:
        """The k nearest indexed keys to ``query`` in vector field ``field`` (None: the only one):
        ``[(key, distance)]`` closest first, distances as RediSearch reports them (COSINE 1-cos,
        L2 squared, IP 1-dot). ``allowed_keys`` restricts the candidates (hybrid search)."""
        spec = self.vector_field(field)
        assert spec.vector is not None
        q = np.asarray(query, dtype=np.float32).reshape(-1)
        if q.shape[0] != spec.vector.dim:
            raise SearchError(f"query vector has dimension {q.shape[0]}, expected {spec.vector.dim}")
        allowed = None if allowed_keys is None else self.allowed_ids(allowed_keys)
        ef = ef_runtime if ef_runtime is not None else self.effective_ef_runtime(spec)
        hits = vector_knn(self.vectors[spec.name], q, k, ef, allowed)
        out = []
        for doc_id, dist in hits:
            key = self.docs.get(doc_id)
            if key is not None:
                out.append((key, dist))
        return out

    def effective_ef_runtime(self, spec: FieldSpec) -> int | None:
        """The EF_RUNTIME a query without one uses: max(the field's, search-default-ef-runtime); None on FLAT."""
        assert spec.vector is not None
        if spec.vector.algorithm != "HNSW":
            return None
        default = self.default_ef_runtime() if self.default_ef_runtime is not None else 0
        return max(spec.vector.ef_runtime, default)

    # -- statistics -------------------------------------------------------------------------------------
    def memory_bytes(self) -> dict[str, int]:
        return {
            "inverted": self.text.memory_bytes(),
            "vector": sum(v.memory_bytes() for v in self.vectors.values()),
            "tag": sum(t.memory_bytes() for t in self.tags.values()),
            "numeric": sum(n.memory_bytes() for n in self.numeric.values()),
            "doc_table": len(self.docs) * 36,  # DocTable's (up to) four columns
            "key_table": sum(len(k) + 48 for k in self.key_to_id),
        }


def vector_knn(index: VectorIndex, query: FloatArray, k: int, ef_runtime: int | None,
               allowed: np.ndarray | None, policy: str | None = None) -> list[tuple[int, float]]:
    """KNN through the hybrid planner when the HNSW backend provides one (it picks ADHOC_BF or BATCHES by
    the filter's selectivity unless the query forces HYBRID_POLICY), else the index's own knn."""
    if allowed is None:
        return index.knn(query, k, ef_runtime)  # what hybrid_knn does for an unfiltered KNN
    try:
        hybrid: Any = importlib.import_module("redvector.search.vector.hybrid")
    except ImportError:
        return index.knn(query, k, ef_runtime, allowed)
    forced = getattr(hybrid, "HybridPolicy", None)
    chosen = forced(policy) if (forced is not None and policy is not None) else None
    if chosen is None:
        return hybrid.hybrid_knn(index, query, k, allowed, ef_runtime)
    return hybrid.hybrid_knn(index, query, k, allowed, ef_runtime, chosen)


def close_vectors(index: SearchIndex, wait: float = 0.0) -> None:
    """Stop background work of the vector indexes (HNSW batch inserts) when an index is dropped, or the
    server stops (``wait``: seconds each may take to finish the batch it is inserting)."""
    for vindex in index.vectors.values():
        close = getattr(vindex, "close", None)
        if close is not None:
            close(wait)


def pending_vectors(index: SearchIndex) -> int:
    """Vectors accepted but not yet in an HNSW graph (FT.INFO ``indexing``)."""
    total = 0
    for vindex in index.vectors.values():
        pending = getattr(vindex, "pending_count", None)
        if pending is not None:
            total += int(pending())
    return total
