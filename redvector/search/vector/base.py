"""The VectorIndex protocol, the options of a VECTOR field and distance conventions.

Distances follow RediSearch (VecSim): COSINE = 1 - cos(q, x), L2 = squared Euclidean distance,
IP = 1 - q.x. Smaller is closer for every metric. Document ids are the search index's integer doc ids.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float32]
IdArray = npt.NDArray[np.int64]


class Metric(enum.Enum):
    L2 = "L2"
    IP = "IP"
    COSINE = "COSINE"


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
    ef_runtime: int = 10
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
