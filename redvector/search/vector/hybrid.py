"""Hybrid (filtered) KNN: the k nearest among the documents a filter allows, choosing the strategy by
the filter's selectivity as RediSearch does with HYBRID_POLICY ADHOC_BF / BATCHES.

- ADHOC_BF: exact distances to every allowed vector (no recall loss). Its cost grows with the number of
  allowed documents.
- BATCHES: the HNSW search itself skips documents the filter rejects (hnswlib's filter callback), with
  the query's EF_RUNTIME as the search width. Its cost grows as the filter narrows (the search walks
  past rejected nodes), and recall stays that of an unfiltered search (0.99+ at ef 64 on minilm-100k's
  7.6%, 15.8% and 29.4% filters).

Measured on minilm-100k at the default EF_RUNTIME, in-process (single queries, 2-core machine): BATCHES
costs ~0.7-0.9 ms x (N / n) (7,629 allowed: ~10 ms; 15,791: ~4-6 ms; 29,396: ~2.5-4 ms: the walk past
rejected nodes, with a GIL round trip per visited node for hnswlib's filter callback). Exact search reads
the allowed documents' own vector blobs (hnswlib's get_items would cost ~50 us per vector): gathering
costs ~1.5-4 us per document and scoring ~0.2 us, so ADHOC_BF wins below ``adhoc_threshold(N)`` ~
sqrt(300 N) (~5,500 at 100k). A filter seen again while the index is unchanged reuses its gathered
vectors (vector/subsets.py: 7,629 docs scored in ~1.3 ms), so then exact search wins up to ~sqrt(3000 N)
(~17,000 at 100k). FLAT indexes are always exact.
"""

from __future__ import annotations

import enum
import math

from redvector.search.vector.base import FloatArray, IdArray, VectorIndex

# Exact-cost per vector / filtered-search cost per (N / n), from the measurements above.
ADHOC_COST_RATIO = 300.0
REUSED_COST_RATIO = 3000.0
ADHOC_MIN = 64


class HybridPolicy(enum.Enum):
    ADHOC_BF = "ADHOC_BF"
    BATCHES = "BATCHES"


def adhoc_threshold(n_total: int, k: int, reused: bool = False) -> int:
    """The most allowed documents for which exact (ADHOC_BF) search is chosen over filtered HNSW;
    ``reused``: the filter's vectors are (or will be kept) gathered, so exact search only scores them."""
    ratio = REUSED_COST_RATIO if reused else ADHOC_COST_RATIO
    return max(ADHOC_MIN, 4 * k, int(math.sqrt(ratio * max(n_total, 1))))


def choose_policy(n_allowed: int, n_total: int, k: int, reused: bool = False) -> HybridPolicy:
    """RediSearch-style automatic choice: brute force for selective filters, filtered HNSW otherwise."""
    return HybridPolicy.ADHOC_BF if n_allowed <= adhoc_threshold(n_total, k, reused) else HybridPolicy.BATCHES


def hybrid_knn(index: VectorIndex, query: FloatArray, k: int, allowed: IdArray | None,
               ef_runtime: int | None = None, policy: HybridPolicy | None = None) -> list[tuple[int, float]]:
    """The ``k`` nearest among ``allowed`` (all documents when None), closest first.

    ``policy`` forces a strategy (HYBRID_POLICY); None chooses by selectivity. Indexes without a filtered
    graph search (FLAT) answer exactly whatever the policy.
    """
    if allowed is None:
        return index.knn(query, k, ef_runtime)
    knn_filtered = getattr(index, "knn_filtered", None)
    if knn_filtered is None:
        return index.knn(query, k, ef_runtime, allowed)
    result: list[tuple[int, float]] = knn_filtered(query, k, allowed, ef_runtime, policy)
    return result
