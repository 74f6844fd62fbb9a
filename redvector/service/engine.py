"""The one place the vector API touches the search engine's Python API (the FT.* registry).

A collection is a search index with a VECTOR field over hashes under one key prefix. Everything the
service layer needs from an index goes through the functions here, so a change in the engine's API is
absorbed in one module.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from redvector.search.vector.base import FloatArray, Metric, VectorOptions
from redvector.server.server import Server
from redvector.service.models import METRIC_DISTANCE
from redvector.service.sparse import SPARSE_FIELD_PREFIX, SparseSpec, spec_of


@dataclass(frozen=True, slots=True)
class IndexView:
    """What a collection needs to know about its index."""

    name: str
    prefix: bytes
    vector_field: bytes
    options: VectorOptions
    index: Any
    distance: str  # canonical Qdrant name of the metric: Cosine | Euclid | Dot
    attribute: bytes = b""  # the vector field's attribute name (what knn is asked for)
    vector_fields: frozenset[bytes] = frozenset()  # every vector hash field of the index (never payload)
    # Named vectors (a collection whose vector fields all are ``vector:<name>``): name -> the view of that
    # vector (its field, options, distance; ``vector_name`` set). None for an unnamed-vector collection.
    named: Mapping[str, IndexView] | None = None
    vector_name: str = ""  # the Qdrant name of this view's vector ("" unnamed, and for a named collection itself)
    # Qdrant sparse vectors by name (service/sparse.py); their hash fields are in vector_fields too.
    sparse: Mapping[str, SparseSpec] = field(default_factory=dict)

    @property
    def dim(self) -> int:
        return int(self.options.dim)

    def space(self, name: str) -> IndexView | None:
        """The view of vector ``name`` ("" is the unnamed vector), or None when the collection has no such vector."""
        if self.named is None:
            return self if not name or name == self.vector_field.decode("utf-8", "replace") else None
        return self.named.get(name)


# The hash field of the Qdrant named vector ``img`` is ``vector:img`` (its attribute ``img``); an index whose
# vector fields are all spelled so is a named-vector collection, which survives a restart with the schema.
NAMED_VECTOR_PREFIX = b"vector:"


def registry(server: Server) -> Any | None:
    """The search registry, attached by the FT.* subsystem (None when search is not loaded)."""
    return server.extensions.get("search")


def index_names(server: Server) -> list[str]:
    reg = registry(server)
    if reg is None:
        return []
    return [_text(n) for n in reg.names()]


def aliases(server: Server) -> dict[str, str]:
    """Index aliases (FT.ALIASADD/ALIASUPDATE): alias -> index name."""
    reg = registry(server)
    if reg is None:
        return {}
    return {_text(a): _text(t) for a, t in getattr(reg, "aliases", {}).items()}


def definition(index: Any) -> Any:
    return getattr(index, "definition", None) or index.definitions


def view(server: Server, name: str) -> IndexView | None:
    """The index named ``name`` as a collection, or None when it is missing or has no vector field."""
    reg = registry(server)
    if reg is None:
        return None
    try:
        index = reg.get(name.encode())
    except Exception:  # a registry that raises on a missing name
        return None
    if index is None:
        return None
    d = definition(index)
    vector_fields = d.vector_fields()
    sparse = _sparse_specs(d)
    prefixes = list(d.prefixes) or [b""]
    if (not vector_fields or vector_fields[0].vector is None) and sparse:
        # Sparse vectors only: a named-vector collection without dense names.
        return IndexView(name=name, prefix=bytes(prefixes[0]), vector_field=b"", options=_NO_DENSE, index=index,
                         distance="Dot", vector_fields=frozenset(s.field for s in sparse.values()), named={},
                         sparse=sparse)
    if not vector_fields or vector_fields[0].vector is None:
        return None
    vf = vector_fields[0]
    identifiers = frozenset(bytes(f.identifier) for f in vector_fields)
    if sparse:
        identifiers |= {s.field for s in sparse.values()}
    base = IndexView(name=name, prefix=bytes(prefixes[0]), vector_field=bytes(vf.identifier),
                     options=vf.vector, index=index,
                     distance=METRIC_DISTANCE.get(vf.vector.metric.value, "Cosine"), attribute=bytes(vf.name),
                     vector_fields=identifiers, sparse=sparse)
    if not vf.identifier.startswith(NAMED_VECTOR_PREFIX) or not all(
        f.identifier.startswith(NAMED_VECTOR_PREFIX) and f.vector is not None for f in vector_fields
    ):
        return base
    named = {}
    for f in vector_fields:
        vector_name = bytes(f.identifier[len(NAMED_VECTOR_PREFIX):]).decode("utf-8", "replace")
        named[vector_name] = replace(base, vector_field=bytes(f.identifier), options=f.vector,
                                     distance=METRIC_DISTANCE.get(f.vector.metric.value, "Cosine"),
                                     attribute=bytes(f.name), vector_name=vector_name)
    return replace(base, named=named)


# The options a sparse-only collection reports for its (absent) dense vector.
_NO_DENSE = VectorOptions(algorithm="FLAT", dim=0, metric=Metric.IP)


def _sparse_specs(d: Any) -> dict[str, SparseSpec]:
    """The sparse vectors an index definition declares (sparse.schema_args), in schema order."""
    out: dict[str, SparseSpec] = {}
    for f in d.fields:
        if f.noindex and f.identifier.startswith(SPARSE_FIELD_PREFIX):  # cheap test first: views are hot
            kind = f.type.value if hasattr(f.type, "value") else str(f.type)
            spec = spec_of(bytes(f.identifier), bytes(f.name), kind, True)
            if spec is not None:
                out[spec.name] = spec
    return out


def num_docs(iv: IndexView) -> int:
    value = iv.index.num_docs
    return int(value() if callable(value) else value)


def knn(iv: IndexView, query: FloatArray, k: int, ef_runtime: int | None,
        allowed_keys: list[bytes] | None) -> list[tuple[bytes, float]]:
    """The k nearest documents as (key, engine distance): COSINE 1-cos, IP 1-dot, L2 squared distance."""
    result = iv.index.knn(iv.attribute or iv.vector_field, np.asarray(query, dtype=np.float32), k, ef_runtime,
                          allowed_keys)
    return [(bytes(key), float(dist)) for key, dist in result]


def indexed_fields(iv: IndexView) -> dict[str, str]:
    """Non-vector schema fields (attribute -> TEXT/TAG/NUMERIC/GEO): the collection's payload indexes."""
    d = definition(iv.index)
    out: dict[str, str] = {}
    sparse_fields = {s.field for s in iv.sparse.values()}
    for f in d.fields:
        kind = f.type.value if hasattr(f.type, "value") else str(f.type)
        if kind != "VECTOR" and bytes(f.identifier) not in sparse_fields:
            out[_text(f.name)] = kind
    return out


def _text(value: Any) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, (bytes, bytearray)) else str(value)
