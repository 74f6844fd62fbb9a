"""The VectorIndex protocol, the options of a VECTOR field and distance conventions.

Distances follow RediSearch (VecSim): COSINE = 1 - cos(q, x), L2 = squared Euclidean distance,
IP = 1 - q.x. Smaller is closer for every metric. Document ids are the search index's integer doc ids:
non-negative and small (RediSearch's increasing doc ids; HNSW keeps one byte per id up to the largest).

Threads: ``knn``/``range``/``get_vectors``/``save_graph`` may run in worker threads (a ``Deferred`` reply)
while ``add``/``remove`` run on the event loop; every implementation is safe for that (reader/writer
locks), and a search sees each document either before or after a concurrent write, never torn.

Additions to the first interface (all additive; FlatIndex implements them too):
- ``pending_count()``: vectors accepted by ``add`` but not yet in the HNSW graph (HNSW inserts in
  background batches, like RediSearch's TIERED HNSW). Searches already see them (exactly), so this only
  feeds FT.INFO's ``indexing`` / ``percent_indexed``. ``flush()`` waits until it is 0.
- ``get_vectors(ids)``: the stored vectors of the indexed ones among ``ids`` (normalised for COSINE).
- ``save_graph(path, tag)`` / ``load_graph(path, expected_ids, tag) -> bool``: persist a built index so a
  restart need not rebuild the graph; ``load_graph`` loads only into an empty index and only if the file
  matches these options, the ``tag`` given at save time (e.g. the snapshot's checksum) and, when given,
  exactly the doc-id set ``expected_ids``; otherwise it returns False and the caller re-adds the vectors.
- ``close()``: stop background work (FT.DROPINDEX, FLUSHALL).
- Hybrid (filtered) KNN: ``knn(..., allowed=ids)``, or ``hybrid.hybrid_knn`` to force RediSearch's
  HYBRID_POLICY (ADHOC_BF / BATCHES).
- ``VectorOptions.ef_runtime`` defaults to DEFAULT_EF_RUNTIME (64, the ``search-default-ef-runtime``
  config default) rather than RediSearch's 10: FT.CREATE should fill it from EF_RUNTIME, else from
  that config directive. ``knn(ef_runtime=n)`` overrides it per query; the search width is max(ef, k).
"""

from __future__ import annotations

import enum
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float32]
IdArray = npt.NDArray[np.int64]


class Metric(enum.Enum):
    L2 = "L2"
    IP = "IP"
    COSINE = "COSINE"


# RedVector's default EF_RUNTIME (config ``search-default-ef-runtime``): recall@10 ~0.98 on
# minilm-100k with M=16, EF_CONSTRUCTION=200, where RediSearch's 10 gives ~0.84.
DEFAULT_EF_RUNTIME = 64

# Numpy dtype of a vector blob for each RediSearch TYPE (little-endian).
BLOB_DTYPES: dict[str, np.dtype[np.generic]] = {
    "FLOAT32": np.dtype("<f4"),
    "FLOAT64": np.dtype("<f8"),
    "FLOAT16": np.dtype("<f2"),
}


@dataclass(frozen=True, slots=True)
class VectorOptions:
    """A VECTOR field's attributes (FT.CREATE ... VECTOR FLAT|HNSW n attr value ...)."""

    algorithm: str  # "FLAT" | "HNSW"
    dim: int
    metric: Metric
    dtype: str = "FLOAT32"  # FLOAT32 | FLOAT64 | FLOAT16 | BFLOAT16
    initial_cap: int = 0
    block_size: int = 1024
    m: int = 16
    ef_construction: int = 200
    ef_runtime: int = 64  # DEFAULT_EF_RUNTIME
    epsilon: float = 0.01

    @property
    def blob_size(self) -> int:
        width = 8 if self.dtype == "FLOAT64" else 2 if self.dtype in ("FLOAT16", "BFLOAT16") else 4
        return self.dim * width


def decode_blob(blob: bytes, options: VectorOptions) -> FloatArray | None:
    """A little-endian vector blob -> float32 array of ``dim``; None when the size is wrong."""
    if len(blob) != options.blob_size:
        return None
    if options.dtype == "BFLOAT16":
        raw = np.frombuffer(blob, dtype="<u2").astype(np.uint32) << 16
        return raw.view(np.float32)
    return np.frombuffer(blob, dtype=BLOB_DTYPES[options.dtype]).astype(np.float32, copy=False)


def check_vector(vector: FloatArray, dim: int) -> FloatArray:
    """A contiguous float32 vector of length ``dim`` (any float dtype is converted); ValueError otherwise."""
    v = np.ascontiguousarray(vector, dtype=np.float32).reshape(-1)
    if v.shape[0] != dim:
        raise ValueError(f"vector has {v.shape[0]} elements, the index expects {dim}")
    return v


def same_ids(saved: IdArray, expected: IdArray) -> bool:
    """Whether two doc-id arrays hold the same set of ids."""
    a = np.unique(np.asarray(saved, dtype=np.int64))
    b = np.unique(np.asarray(expected, dtype=np.int64))
    return a.shape == b.shape and bool(np.array_equal(a, b))


# Reads the current vectors of some doc ids from where the documents live: (ids found, float32 rows, not
# normalised), for exact search over a subset without the vector index's own (maybe slow) copy.
VectorSource = Callable[[IdArray], tuple[IdArray, FloatArray]]


@runtime_checkable
class ReadsDocumentVectors(Protocol):
    """A vector index whose exact search can read vectors from the documents (HnswIndex)."""

    vector_source: VectorSource | None


class VectorIndex(Protocol):
    """What the search engine needs from a vector index. Implementations: FlatIndex, HnswIndex."""

    options: VectorOptions

    def __len__(self) -> int: ...

    def add(self, doc_id: int, vector: FloatArray) -> None:
        """Insert or replace the vector of ``doc_id`` (float32, length ``dim``)."""
        ...

    def remove(self, doc_id: int) -> bool: ...

    def knn(self, query: FloatArray, k: int, ef_runtime: int | None = None,
            allowed: IdArray | None = None) -> list[tuple[int, float]]:
        """The ``k`` nearest doc ids with their distances, closest first (ties by doc id).
        ``allowed``: when given, only these doc ids may be returned (hybrid queries)."""
        ...

    def range(self, query: FloatArray, radius: float, allowed: IdArray | None = None,
              epsilon: float | None = None) -> list[tuple[int, float]]:
        """Every doc within ``radius`` (distance <= radius), closest first."""
        ...

    def memory_bytes(self) -> int: ...

    def get_vectors(self, doc_ids: IdArray) -> tuple[IdArray, FloatArray]:
        """(ids found, their vectors): the indexed ones among ``doc_ids``, stored form."""
        ...

    def pending_count(self) -> int: ...

    def flush(self) -> None: ...

    def close(self, wait: float = 0.0) -> None: ...

    def save_graph(self, path: str | os.PathLike[str], tag: bytes = b"") -> None: ...

    def load_graph(self, path: str | os.PathLike[str], expected_ids: IdArray | None = None,
                   tag: bytes = b"") -> bool: ...


def create_vector_index(options: VectorOptions) -> VectorIndex:
    """FLAT -> FlatIndex (exact); HNSW -> the HNSW backend."""
    from redvector.search.vector.flat import FlatIndex

    if options.algorithm == "HNSW":
        try:
            from redvector.search.vector.hnsw import HnswIndex
        except ImportError:  # the HNSW backend is added beside this module
            return FlatIndex(options)
        return HnswIndex(options)
    return FlatIndex(options)
