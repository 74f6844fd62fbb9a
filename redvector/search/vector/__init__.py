"""Vector indexes behind one small interface: FLAT (exact, numpy) and HNSW (a native ANN library)."""

from redvector.search.vector.base import Metric, VectorIndex, VectorOptions, create_vector_index

__all__ = ["Metric", "VectorIndex", "VectorOptions", "create_vector_index"]
