"""The one place the vector API touches the search engine's Python API (the FT.* registry).

A collection is a search index with a VECTOR field over hashes under one key prefix. Everything the
service layer needs from an index goes through the functions here, so a change in the engine's API is
absorbed in one module.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from redvector.search.vector.base import FloatArray, VectorOptions
from redvector.server.server import Server
from redvector.service.models import METRIC_DISTANCE


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

    @property
    def dim(self) -> int:
        return int(self.options.dim)


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
    if not vector_fields or vector_fields[0].vector is None:
        return None
    vf = vector_fields[0]
    prefixes = list(d.prefixes) or [b""]
    return IndexView(name=name, prefix=bytes(prefixes[0]), vector_field=bytes(vf.identifier),
                     options=vf.vector, index=index,
                     distance=METRIC_DISTANCE.get(vf.vector.metric.value, "Cosine"), attribute=bytes(vf.name))


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
    for f in d.fields:
        kind = f.type.value if hasattr(f.type, "value") else str(f.type)
        if kind != "VECTOR":
            out[_text(f.name)] = kind
    return out


def _text(value: Any) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, (bytes, bytearray)) else str(value)
