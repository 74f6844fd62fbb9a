"""Fusion of ranked hit lists (Qdrant's `fusion: rrf | dbsf` and `rrf: {k, weights}`).

The formulas, defaults and tie order are qdrant-client's local mode (qdrant_client/hybrid/fusion.py, the
test oracle): RRF scores a point ``sum(1 / ((rank + 1) / weight + k - 1))`` over the lists it is in (k=2 by
default, a weight <= 0 adds nothing); DBSF normalises each list by its mean +- 3 sample standard deviations
(one point, or no spread: 0.5) and sums. Both sort by fused score, highest first; equal scores keep the
order in which the points were first met (list by list, best first).
"""

from __future__ import annotations

from redvector.service.models import PointId

# A scored point of a stage: (score, hash key, point id).
Hit = tuple[float, bytes, PointId]

DEFAULT_RRF_K = 2


def reciprocal_rank_fusion(sources: list[list[Hit]], limit: int, k: int | None = None,
                           weights: list[float] | None = None) -> list[Hit]:
    constant = DEFAULT_RRF_K if k is None else k
    scores: dict[bytes, float] = {}
    first: dict[bytes, Hit] = {}
    for index, source in enumerate(sources):
        weight = weights[index] if weights is not None else 1.0
        for rank, hit in enumerate(source):
            score = 0.0 if weight <= 0 else 1 / ((rank + 1.0) / weight + constant - 1.0)
            key = hit[1]
            if key in scores:
                scores[key] += score
            else:
                first[key] = hit
                scores[key] = score
    ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)
    return [(score, key, first[key][2]) for key, score in ranked[:limit]]


def _normalised(source: list[Hit]) -> list[float]:
    if len(source) == 1:
        return [0.5]
    total = sum(hit[0] for hit in source)
    mean = total / len(source)
    variance = sum((hit[0] - mean) ** 2 for hit in source) / (len(source) - 1)
    if variance == 0:
        return [0.5] * len(source)
    std_dev = variance**0.5
    low = mean - 3 * std_dev
    high = mean + 3 * std_dev
    return [(hit[0] - low) / (high - low) for hit in source]


def distribution_based_score_fusion(sources: list[list[Hit]], limit: int) -> list[Hit]:
    scores: dict[bytes, float] = {}
    ids: dict[bytes, PointId] = {}
    for source in sources:
        if not source:
            continue
        for hit, score in zip(source, _normalised(source), strict=True):
            key = hit[1]
            if key in scores:
                scores[key] += score
            else:
                scores[key] = score
                ids[key] = hit[2]
    ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)
    return [(score, key, ids[key]) for key, score in ranked[:limit]]


__all__ = ["DEFAULT_RRF_K", "Hit", "distribution_based_score_fusion", "reciprocal_rank_fusion"]
