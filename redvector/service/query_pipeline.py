"""Qdrant's universal query with prefetches: multi-stage retrieval, fusion and re-scoring (qdrant.md §3.2).

A request is a tree of stages. A stage without prefetches is a leaf: one query against the collection (a
LeafQuery: nearest by a dense vector name today; any source of scored points can plug in) or, without a
query, points by id with score 1.0. A stage with prefetches runs them first, then either fuses their
ranked lists (``{"fusion": "rrf" | "dbsf"}``, ``{"rrf": {"k", "weights"}}``; fusion.py) or re-scores the
union of their points with its own query. The semantics are qdrant-client's local mode (the test oracle):

* a stage's filter is merged into the filters of its prefetches, down to the leaves, so every limit
  applies to filtered candidates; the merge concatenates clauses field by field (Qdrant's
  ``Filter::merge_opts``: two ``should`` lists become one);
* a point given by id as a query is left out of its stage and of the stages below it;
* a prefetch's limit defaults to 10; a leaf and a re-score keep scores better than score_threshold; a
  fusion keeps fused scores >= score_threshold, and fuses limit + offset points before skipping offset;
* a stage with prefetches needs a query; a fusion needs prefetches and takes no ``using``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeGuard

from redvector.errors import BadRequest
from redvector.service.engine import IndexView
from redvector.service.filters import Predicate
from redvector.service.fusion import Hit, distribution_based_score_fusion, reciprocal_rank_fusion
from redvector.service.models import PointId, format_id
from redvector.service.points import NO_PAYLOAD, QDRANT, Points
from redvector.service.qdrant_body import integer, number, obj, qdrant_filter
from redvector.service.sparse import SparseSpec, SparseVector

MAX_DEPTH = 32  # nested prefetch levels (a guard against pathological bodies)
_PREFETCH_FIELDS = frozenset({"prefetch", "query", "using", "filter", "params", "score_threshold", "limit",
                              "lookup_from"})


class LeafQuery(Protocol):
    """One query against the collection: its ``limit`` best hits after ``offset`` among the points
    ``predicate`` accepts (only among the keys ``candidates`` when given), best first."""

    def run(self, points: Points, iv: IndexView, limit: int, offset: int, predicate: Predicate | None,
            candidates: list[bytes] | None, score_threshold: float | None) -> list[Hit]: ...


# (collection view, query JSON, using, params JSON, where) -> the leaf query and the point ids it names
# (excluded from its stage). service.qdrant provides it.
LeafParser = Callable[[IndexView, Any, Any, Any, str], tuple[LeafQuery, list[PointId]]]


@dataclass(frozen=True, slots=True)
class NearestQuery:
    """Nearest points by one dense vector (``space``: the named vector's view), through Points.search."""

    space: IndexView
    vector: Any
    ef: int | None = None

    def run(self, points: Points, iv: IndexView, limit: int, offset: int, predicate: Predicate | None,
            candidates: list[bytes] | None, score_threshold: float | None) -> list[Hit]:
        return points.search_hits(iv, self.space, self.vector, limit, predicate=predicate, offset=offset,
                                  score_threshold=score_threshold, ef_runtime=self.ef, candidates=candidates)


@dataclass(frozen=True, slots=True)
class SparseNearestQuery:
    """Nearest points by one sparse vector (``spec``: the collection's sparse vector), through
    Points.sparse_hits (exact dot product)."""

    spec: SparseSpec
    vector: SparseVector

    def run(self, points: Points, iv: IndexView, limit: int, offset: int, predicate: Predicate | None,
            candidates: list[bytes] | None, score_threshold: float | None) -> list[Hit]:
        return points.sparse_hits(iv, self.spec, self.vector, limit, predicate=predicate, offset=offset,
                                  score_threshold=score_threshold, candidates=candidates)


@dataclass(frozen=True, slots=True)
class Fusion:
    method: str  # rrf | dbsf
    k: int | None = None
    weights: list[float] | None = None

    def fuse(self, sources: list[list[Hit]], limit: int) -> list[Hit]:
        if self.method == "dbsf":
            return distribution_based_score_fusion(sources, limit)
        return reciprocal_rank_fusion(sources, limit, self.k, self.weights)


@dataclass(slots=True)
class Stage:
    query: LeafQuery | Fusion | None
    predicate: Predicate | None
    limit: int
    score_threshold: float | None = None
    prefetches: list[Stage] = field(default_factory=list)


def is_fusion(query: Any) -> TypeGuard[dict[str, Any]]:
    return isinstance(query, dict) and ("fusion" in query or "rrf" in query)


def has_prefetch(body: dict[str, Any]) -> bool:
    raw = body.get("prefetch")
    return raw is not None and not (isinstance(raw, list) and not raw)


def parse_fusion(query: dict[str, Any], where: str) -> Fusion:
    if len(query) != 1:
        raise BadRequest(f"Format error in JSON body: {where} must hold one query kind, got {sorted(query)}")
    if "fusion" in query:
        method = query["fusion"]
        if method not in ("rrf", "dbsf"):
            raise BadRequest(f"Format error in JSON body: {where}.fusion: unknown variant {method!r}, "
                             f"expected `rrf` or `dbsf`")
        return Fusion(method)
    spec = obj(query["rrf"], f"{where}.rrf")
    unknown = set(spec) - {"k", "weights"}
    if unknown:
        raise BadRequest(f"Format error in JSON body: {where}.rrf: unknown field `{sorted(unknown)[0]}`")
    k = integer(spec.get("k"), f"{where}.rrf.k", 0, 1) if spec.get("k") is not None else None
    weights = spec.get("weights")
    if weights is not None:
        if not isinstance(weights, list):
            raise BadRequest(f"Format error in JSON body: {where}.rrf.weights must be a list of numbers")
        weights = [number(w, f"{where}.rrf.weights[{i}]") for i, w in enumerate(weights)]
    return Fusion("rrf", k, weights)


def merge_filters(outer: dict[str, Any] | None, inner: dict[str, Any] | None) -> dict[str, Any] | None:
    """A propagated filter combined with a stage's own (both already validated): clauses concatenated."""
    if outer is None:
        return inner
    if inner is None:
        return outer
    merged: dict[str, Any] = {}
    for clause in ("must", "must_not", "should"):
        a, b = outer.get(clause), inner.get(clause)
        if a is None and b is None:
            continue
        merged[clause] = [*_as_list(a), *_as_list(b)]
    a_min, b_min = outer.get("min_should"), inner.get("min_should")
    if a_min is not None and b_min is not None:
        merged["min_should"] = {"conditions": [*_as_list(a_min["conditions"]), *_as_list(b_min["conditions"])],
                                "min_count": max(a_min["min_count"], b_min["min_count"])}
    elif a_min is not None or b_min is not None:
        merged["min_should"] = a_min if a_min is not None else b_min
    return merged


def _as_list(clause: Any) -> list[Any]:
    if clause is None:
        return []
    return clause if isinstance(clause, list) else [clause]


def _excluding(raw: dict[str, Any] | None, ids: list[PointId]) -> dict[str, Any] | None:
    if not ids:
        return raw
    out = dict(raw or {})
    out["must_not"] = [*_as_list(out.get("must_not")), {"has_id": [format_id(i) for i in ids]}]
    return out


class QueryPipeline:
    """Parses a query body with prefetches into a Stage tree and runs it over ``points``."""

    def __init__(self, points: Points, leaf: LeafParser) -> None:
        self.points = points
        self.leaf = leaf

    # -- parsing -----------------------------------------------------------------------------------------
    def parse(self, iv: IndexView, body: dict[str, Any], prefetch_limit: int | None = None) -> Stage:
        """The top stage of a query request (its limit: the request's, default 10). ``prefetch_limit``
        replaces every prefetch's limit (groups rank all the points)."""
        return self._stage(iv, body, None, "", 0, prefetch_limit)

    def _stage(self, iv: IndexView, raw: dict[str, Any], propagated: dict[str, Any] | None, where: str,
               depth: int, prefetch_limit: int | None) -> Stage:
        if depth > MAX_DEPTH:
            raise BadRequest(f"Bad request: prefetches nested deeper than {MAX_DEPTH} levels")
        if raw.get("lookup_from") is not None:
            raise BadRequest("Bad request: lookup_from is not supported by RedVector")
        query, using = raw.get("query"), raw.get("using")
        children = self._prefetch_list(raw.get("prefetch"), f"{where}prefetch")
        threshold = number(raw.get("score_threshold"), f"{where}score_threshold")
        if children and query is None:
            raise BadRequest(f"Bad request: {where}query is needed to merge the prefetches")
        if threshold is not None and query is None:
            raise BadRequest(f"Bad request: {where}query is needed to use a score_threshold")
        excluded: list[PointId] = []
        stage_query: LeafQuery | Fusion | None = None
        if is_fusion(query):
            if using:
                raise BadRequest("Bad request: a fusion query cannot be combined with `using`")
            if not children:
                raise BadRequest("Bad request: cannot apply Fusion without prefetches")
            stage_query = parse_fusion(query, f"{where}query")
            if stage_query.weights is not None and len(stage_query.weights) != len(children):
                raise BadRequest(f"Bad request: {where}query.rrf.weights has {len(stage_query.weights)} "
                                 f"weights for {len(children)} prefetches: give one per prefetch")
        elif query is not None:
            stage_query, excluded = self.leaf(iv, query, using, raw.get("params"), f"{where}query")
        own = raw.get("filter")
        qdrant_filter(own)  # validated on its own first: the errors name the stage's filter
        merged = merge_filters(propagated, _excluding(own, excluded))
        if depth == 0:
            limit = integer(raw.get("limit"), "limit", 10, 1)
        else:
            limit = integer(raw.get("limit"), f"{where}limit", 10, 1)
            if prefetch_limit is not None:
                limit = prefetch_limit
        stage = Stage(stage_query, qdrant_filter(merged), limit, threshold)
        stage.prefetches = [self._stage(iv, obj(child, f"{where}prefetch[{i}]"), merged, f"{where}prefetch[{i}].",
                                        depth + 1, prefetch_limit) for i, child in enumerate(children)]
        return stage

    @staticmethod
    def _prefetch_list(raw: Any, where: str) -> list[dict[str, Any]]:
        if raw is None:
            return []
        items = raw if isinstance(raw, list) else [raw]
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                raise BadRequest(f"Format error in JSON body: {where}[{i}] must be an object")
            unknown = set(item) - _PREFETCH_FIELDS
            if unknown:
                raise BadRequest(f"Format error in JSON body: {where}[{i}]: unknown field `{sorted(unknown)[0]}`")
        return items

    # -- running -----------------------------------------------------------------------------------------
    def run(self, iv: IndexView, stage: Stage, limit: int | None = None, offset: int = 0) -> list[Hit]:
        """The stage's hits, best first: ``limit`` (default: the stage's) after ``offset``."""
        limit = stage.limit if limit is None else limit
        if not stage.prefetches:
            if stage.query is None:
                page, _ = self.points.scroll(iv.name, stage.predicate, limit + offset, None, NO_PAYLOAD, False,
                                             QDRANT)
                return [(1.0, r.key, r.id) for r in page[offset:]]
            assert not isinstance(stage.query, Fusion)  # parse refuses a fusion without prefetches
            return stage.query.run(self.points, iv, limit, offset, stage.predicate, None, stage.score_threshold)
        sources = [self.run(iv, child) for child in stage.prefetches]
        if isinstance(stage.query, Fusion):
            fused = stage.query.fuse(sources, limit + offset)
            if stage.score_threshold is not None:
                fused = [hit for hit in fused if hit[0] >= stage.score_threshold]
            return fused[offset:]
        keys = [hit[1] for source in sources for hit in source]
        if not keys:
            return []
        assert stage.query is not None  # parse refuses prefetches without a query
        return stage.query.run(self.points, iv, limit, offset, stage.predicate, keys, stage.score_threshold)


__all__ = ["Fusion", "LeafParser", "LeafQuery", "NearestQuery", "QueryPipeline", "SparseNearestQuery", "Stage",
           "has_prefetch",
           "is_fusion", "merge_filters", "parse_fusion"]
