"""Query execution: AST -> matching doc ids with scores (BM25STD/TFIDF) and yielded vector distances.

Set-at-a-time evaluation over the field indexes. A top-level KNN evaluates its filter first, then asks the
vector index for the k nearest among the allowed doc ids (``plan_knn`` / ``run_knn`` are split so the
vector part can run in a worker thread; ``SearchIndex.generation`` tells whether writes happened meanwhile).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from redvector.errors import SearchError
from redvector.search.arrays import distinct, grouped_sums, intersect_sorted, members, run_starts, values_at
from redvector.search.documents import vector_value
from redvector.search.fields.geo import UNIT_M
from redvector.search.fields.phonetic import query_term as phonetic_query_term
from redvector.search.fields.postings import NO_IDS
from redvector.search.fields.text import BM25_B, BM25_K1
from redvector.search.index import SearchIndex, vector_knn
from redvector.search.query.ast import (
    Empty,
    GeoRadius,
    GeoShape,
    Intersect,
    Knn,
    Missing,
    Node,
    Not,
    NumericRange,
    Optional,
    Phrase,
    Tag,
    Term,
    Union,
    VectorRange,
    Wildcard,
)
from redvector.search.query.positions import (
    in_order_docs,
    offset_delta,
    offset_deltas,
    unordered_docs,
    within_range_in_order,
    within_range_unordered,
)
from redvector.search.query.scores import ArrayScores
from redvector.search.schema import FieldType
from redvector.search.synonyms import group_records, synonyms_of

Scores = dict[int, float]

# Score of a document matched by a tag, numeric, geo or vector-range clause (RediSearch scores such a
# record as one occurrence: 1 with the default scorer); text clauses add their BM25/TF-IDF score.
FILTER_SCORE = 1.0
# Evaluated KNN prefilters kept per index (valid while the index's generation is unchanged).
FILTER_CACHE_SIZE = 16

SCORERS = ("TFIDF", "TFIDF.DOCNORM", "BM25", "BM25STD", "BM25STD.TANH", "BM25STD.NORM", "DISMAX", "DOCSCORE",
           "HAMMING")


@dataclass(slots=True)
class QueryOptions:
    verbatim: bool = False
    infields: frozenset[bytes] | None = None
    inkeys: list[bytes] | None = None
    scorer: str = "BM25STD"
    default_ef_runtime: int | None = None
    # Whether a doc's key has expired but expiry has not removed it yet (never returned); None: no TTLs.
    expired: Callable[[int], bool] | None = None
    # FT.SEARCH SLOP / INORDER: how far apart (and whether in query order) an intersection's words may be.
    slop: int | None = None
    inorder: bool = False
    # FT.CONFIG MINPREFIX: a prefix, suffix or infix (text or tag) shorter than this many bytes matches nothing
    min_prefix: int = 2
    # FT.CONFIG MAXPREFIXEXPANSIONS: a prefix, suffix, infix, fuzzy or wildcard word or tag stands for at
    # most this many indexed terms, the first in lexicographic order (RediSearch's trie walk)
    max_expansions: int = 200


@dataclass(slots=True)
class Hits:
    scores: Mapping[int, float]  # a dict, or ArrayScores for ``*`` or one word (Executor.array_scores)
    # yielded attribute (distance) name -> doc id -> value
    yields: dict[str, dict[int, float]] = field(default_factory=dict)
    knn_order: list[int] | None = None  # KNN results in distance order (FT.AGGREGATE without SORTBY)


@dataclass(slots=True)
class KnnPlan:
    """A KNN whose filter is evaluated: everything needed to run the vector search (thread-safe part)."""

    node: Knn
    query: np.ndarray
    allowed: np.ndarray | None
    filter_scores: Scores | None
    ef_runtime: int | None
    generation: int


class Executor:
    def __init__(self, index: SearchIndex, options: QueryOptions) -> None:
        self.index = index
        self.opts = options
        self.yields: dict[str, dict[int, float]] = {}
        self._all: Scores | None = None
        self._estimates: dict[int, int] = {}
        self._phrase_matches: dict[int, set[int]] = {}
        self._optional_matches: dict[int, Scores] = {}  # an OPTIONAL clause's child's documents
        # a word's phonetic_term, asked per document; keyed by what it depends on, not by id(): the walks
        # over a phrase's words make throwaway Terms, whose ids the next one may reuse
        self._phonetic_terms: dict[tuple[str, tuple[bytes, ...] | None, bool | None], str | None] = {}
        self._single_records: dict[int, bool] = {}
        self._tag_unions: dict[int, bool] = {}  # a tag pattern clause read as a union (_tag_union)
        self._position_maps: dict[tuple[Any, ...], dict[int, list[int]]] = {}
        self._expanded: dict[tuple[str, str, int], list[tuple[str, bool]]] = {}
        self._inkeys: set[int] | None = None
        if options.inkeys is not None:
            self._inkeys = {index.key_to_id[k] for k in options.inkeys if k in index.key_to_id}

    # -- entry points ---------------------------------------------------------------------------------
    def run(self, node: Node) -> Hits:
        if isinstance(node, Knn):
            plan = self.plan_knn(node)
            return self.finish_knn(plan, self.run_knn(plan))
        ranked = self.array_scores(node)
        if ranked is not None:
            return Hits(ranked, self.yields)
        scores = self._restrict(self.eval(node))
        if self._inkeys is not None and (self.opts.slop is not None or self.opts.inorder) and \
                not isinstance(node, Intersect | Phrase):
            scores = self._inkeys_in_range(node, scores)
        if self.opts.scorer.startswith("TFIDF"):
            scores = self.tfidf_final(node, scores)
        if self.opts.scorer == "DOCSCORE":  # the document's own score, whatever the query's clauses
            doc_score = self.index.doc_scores.get
            scores = {d: doc_score(d, 1.0) for d in scores}
        elif self.opts.scorer == "BM25":  # the clauses' figures x the document's score / the slop (as TFIDF)
            doc_score = self.index.doc_scores.get
            slop_of = self._slop_function(node)
            scores = {d: s * doc_score(d, 1.0) / slop_of(d) for d, s in scores.items()}
        return Hits(scores, self.yields)

    def array_scores(self, node: Node) -> ArrayScores | None:
        """A query numpy scores whole (_arrays) with no key restriction: its scores as arrays
        (search/query/scores.py), TFIDF's final step included (_tfidf_final_arrays); None for any other
        query."""
        if self._inkeys is not None or self.opts.expired is not None or not self._arrays_apply():
            return None
        found = self._arrays(node)
        if found is None:
            return None
        ids, scores = found
        if self.opts.scorer.startswith("TFIDF"):
            scores = self._tfidf_final_arrays(node, ids, scores)
        return ArrayScores(ids, scores)

    def _arrays_apply(self) -> bool:
        """Whether _arrays may score clauses: BM25STD (with text indexed) or TFIDF / TFIDF.DOCNORM, over
        every field, no document scores."""
        index, scorer = self.index, self.opts.scorer
        if index.scored_docs or self.opts.infields is not None:
            return False
        if scorer == "BM25STD":
            return index.text.bm25std_terms(len(index.docs)) is not None
        return scorer in ("TFIDF", "TFIDF.DOCNORM")

    def _arrays(self, node: Node) -> tuple[np.ndarray, np.ndarray] | None:
        """(doc ids ascending, scores) of ``*``, a plain word, a phrase of such words, a
        tag, numeric or geo clause, the negation of one, or an intersection (with or without SLOP /
        INORDER: _intersect_arrays) or union of such clauses,
        computed with numpy: the figures the dict path gives (eval), added in the same order, before
        TFIDF's final step; None for any other clause. Only when _arrays_apply()."""
        index = self.index
        bm25std = self.opts.scorer == "BM25STD"
        if isinstance(node, Wildcard):
            ids = self._all_ids()
            if not bm25std:  # TFIDF: a wildcard record of frequency 1, IDF 1
                return ids, np.ones(len(ids))
            terms = index.text.bm25std_terms(len(index.docs))
            assert terms is not None
            return ids, self._bm25std_length_scores(ids, 1.0, terms)
        if isinstance(node, Term):
            if node.kind != "exact":
                return self._expanded_arrays(node, self._text_fields(node.fields))
            if index.synonyms:
                return None
            return self._bm25std_record_scores(node) if bm25std else self._tfidf_record_scores(node)
        if isinstance(node, Phrase):
            return self._phrase_arrays(node)
        if isinstance(node, Empty):
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        if isinstance(node, Tag):
            return self._tag_arrays(node)
        if isinstance(node, GeoShape):
            ids = self._geoshape(node)
            return ids, np.zeros(len(ids))
        if isinstance(node, NumericRange | GeoRadius):
            if isinstance(node, NumericRange):
                nums = index.numeric.get(node.field)
                ids = nums.range_ids(node.lo, node.hi, node.lo_excl, node.hi_excl) if nums is not None else NO_IDS
            else:
                geo = index.geo.get(node.field)
                found = geo.radius(node.lon, node.lat, node.radius * UNIT_M[node.unit]) if geo is not None else ()
                ids = distinct(np.fromiter(found, dtype=np.int64))
            return ids, np.full(len(ids), self._range_score())
        if isinstance(node, Not):
            # Everything else, scored 0 (in an intersection: a filter). BM25STD only: under TFIDF the final
            # step makes the textless documents' 0 a nan, which RediSearch leaves among equal scores in
            # doc-id order where ArrayScores.best would put it last.
            if not bm25std:
                return None
            part = self._arrays(node.child)
            if part is None:
                return None
            ids = np.setdiff1d(self._all_ids(), part[0], assume_unique=True)
            return ids, np.zeros(len(ids))
        if isinstance(node, Intersect):
            return self._intersect_arrays(node)
        if isinstance(node, Union):
            parts = []
            for child in node.children:
                part = self._arrays(child)
                if part is None:
                    return None
                parts.append(part)
            ids, total = _summed(parts)
            return ids, (total * node.weight if node.weight != 1.0 else total)
        return None

    def _intersect_arrays(self, node: Intersect) -> tuple[np.ndarray, np.ndarray] | None:
        """_arrays of an intersection: the documents in every clause, their figures added in the clauses'
        order; a phrase among them checks its positions only in the other clauses' documents; under SLOP
        / INORDER, the documents whose clauses pass RediSearch's range check (_near); None when a clause,
        or that check, needs the dict path."""
        slop, inorder = self._slop_and_order(node)
        ranged = slop is not None and len(node.children) > 1
        clauses = [c for c in self._clause_order(node) if not isinstance(c, Not)] if ranged else []
        keys = self._positional_keys(clauses) if ranged else None
        if ranged and (keys is None or not self._keys_serve(clauses, inorder)):
            return None
        found: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        # the other clauses first, so that each phrase walks the positions of their documents alone
        for i in sorted(range(len(node.children)), key=lambda i: isinstance(node.children[i], Phrase)):
            child = node.children[i]
            within = intersect_sorted([ids for ids, _ in found.values()]) if found else None
            part = self._phrase_arrays(child, within) if isinstance(child, Phrase) else self._arrays(child)
            if part is None:
                return None
            found[i] = part
        parts = [found[i] for i in range(len(node.children))]
        ids = intersect_sorted([i for i, _ in parts])
        if keys is not None and slop is not None and len(ids):
            ids = ids[self._near(clauses, keys, ids, slop, inorder)]
        total = values_at(*parts[0], ids)
        for part_ids, scores in parts[1:]:
            total = total + values_at(part_ids, scores, ids)
        return ids, (total * node.weight if node.weight != 1.0 else total)

    def _tag_arrays(self, node: Tag) -> tuple[np.ndarray, np.ndarray]:
        """eval() of a tag clause under BM25STD (_bm25std_tags) or TFIDF (_idf_tags) as arrays."""
        text, n = self.index.text, len(self.index.docs)
        parts = []
        for ids in (self._tag_matches(node) if node.field in self.index.tags else []):
            if not len(ids):
                continue
            if self.opts.scorer == "BM25STD":
                terms = text.bm25std_terms(n)
                assert terms is not None
                parts.append((ids, self._bm25std_length_scores(ids, text.idf(n, len(ids)), terms)))
            else:
                parts.append((ids, np.full(len(ids), text.tfidf_idf(n, len(ids)))))
        return _summed(parts)

    def _tfidf_final_arrays(self, node: Node, ids: np.ndarray, raw: np.ndarray,
                            scale: np.ndarray | None = None) -> np.ndarray:
        """tfidf_final over arrays (``ids`` ascending): the raw TF-IDF (x ``scale``, the document scores) /
        (maxFreq + the document's vectors, as RediSearch counts them in) (DOCNORM: / the weighted length)
        / the slop; inf for a document without text, nan for 0 / 0, as C's division gives."""
        index, text = self.index, self.index.text
        if self.opts.scorer == "TFIDF.DOCNORM":
            by_id = text.doc_len_array()
        else:
            by_id = text.max_freq_array(self._weights(), self._nostem())
        norm = np.zeros(len(ids))
        inside = ids < len(by_id)
        norm[inside] = by_id[ids[inside]]
        if index.vectors and self.opts.scorer == "TFIDF":
            vector_fields = index.docs.vector_fields
            norm += np.fromiter((len(vector_fields(d)) for d in ids.tolist()), dtype=np.float64, count=len(ids))
        slop = self._slop_array(node, ids)
        scaled = raw if scale is None else scale * raw
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(norm == 0, np.where(raw > 0, np.inf, np.nan),
                            np.where(raw == 0, 0.0, scaled / norm / slop))

    def plan_knn(self, node: Knn) -> KnnPlan:
        spec = self.index.definition.field(node.field)
        assert spec is not None and spec.vector is not None
        query = vector_value(spec, node.blob)
        if query is None:
            raise SearchError(
                f"Error parsing vector similarity query: query vector blob size ({len(node.blob)}) does not match "
                f"index's expected size ({spec.vector.blob_size}).")
        allowed: np.ndarray | None = None
        filter_scores: Scores | None = None
        if not isinstance(node.filter, Wildcard) or self._inkeys is not None:
            # Hybrid queries repeat their filters: the evaluated set is cached until the index changes.
            cacheable = self._inkeys is None and self.opts.expired is None and self.opts.infields is None
            cache = self.index.filter_cache
            key = (node.filter, self.opts.verbatim, self.opts.scorer)
            hit = cache.get(key) if cacheable else None
            if hit is not None and hit[0] == self.index.generation:
                _, allowed, filter_scores = hit
            else:
                filter_scores = self._restrict(self.eval(node.filter))
                allowed = np.fromiter(sorted(filter_scores), dtype=np.int64, count=len(filter_scores))
                if cacheable:
                    if len(cache) >= FILTER_CACHE_SIZE:
                        cache.pop(next(iter(cache)))
                    cache[key] = (self.index.generation, allowed, filter_scores)
        ef = node.ef_runtime
        if ef is None and spec.vector.algorithm == "HNSW":
            ef = max(spec.vector.ef_runtime, self.opts.default_ef_runtime or 0)
        return KnnPlan(node, query, allowed, filter_scores, ef, self.index.generation)

    def run_knn(self, plan: KnnPlan) -> list[tuple[int, float]]:
        """The vector search itself (safe to run off the event loop)."""
        if plan.node.k == 0 or (plan.allowed is not None and len(plan.allowed) == 0):
            return []
        vindex = self.index.vectors[plan.node.field]
        return vector_knn(vindex, plan.query, plan.node.k, plan.ef_runtime, plan.allowed, plan.node.hybrid_policy)

    def finish_knn(self, plan: KnnPlan, hits: list[tuple[int, float]]) -> Hits:
        expired = self.opts.expired
        if expired is not None and any(expired(d) for d, _ in hits):
            # Expired documents among the nearest: search again among the live ones only (rare).
            live = [d for d in (self.index.docs if plan.allowed is None else plan.allowed.tolist()) if not expired(d)]
            plan.allowed = np.asarray(sorted(live), dtype=np.int64)
            hits = self.run_knn(plan)
        docs = self.index.docs
        distances = {d: dist for d, dist in hits if d in docs}
        base = plan.filter_scores or {}
        scores = {d: base.get(d, 0.0) for d in distances}
        self.yields.setdefault(plan.node.score_as, {}).update(distances)
        order = [d for d, _ in hits if d in distances]
        return Hits(scores, self.yields, order)

    # -- evaluation -------------------------------------------------------------------------------------
    def _restrict(self, scores: Scores) -> Scores:
        if self._inkeys is not None:
            scores = {d: s for d, s in scores.items() if d in self._inkeys}
        expired = self.opts.expired
        if expired is not None:
            scores = {d: s for d, s in scores.items() if not expired(d)}
        return scores

    def _inkeys_in_range(self, node: Node, scores: Scores) -> Scores:
        """INKEYS under SLOP / INORDER with a query that is not an intersection or a phrase (whose clauses
        the keys' id list joins): RediSearch intersects the query's iterator with the id list under the query's SLOP and
        INORDER, so the query's result is the one clause with positions of that range check (the id list has
        none): unordered, a word or a union (of words, or of tags reading EOF) never passes alone; a single
        tag or range, or ``*``, holds no positions and passes."""
        inorder = self.opts.inorder
        slop = self.opts.slop if self.opts.slop is not None else 1 << 31  # (INORDER alone: any distance)
        return {d: s for d, s in scores.items() if self._near_one([node], d, slop, inorder)}

    def _all_ids(self) -> np.ndarray:
        """Every document's id, ascending."""
        return self.index.doc_id_array()

    def _tag_matches(self, node: Tag) -> list[np.ndarray]:
        """The documents of each value of a tag clause (a prefix, suffix or infix shorter than MINPREFIX
        matches none, as in RediSearch; a wildcard pattern is not bound by it)."""
        tags = self.index.tags.get(node.field)
        if tags is None:
            return []
        return [tags.match(v.text, v.prefix, v.suffix, v.wildcard, self.opts.max_expansions)
                if v.wildcard or not (v.prefix or v.suffix) or len(v.text) >= self.opts.min_prefix else NO_IDS
                for v in node.values]

    def all_docs(self) -> Scores:
        if self._all is None:
            self._all = dict.fromkeys(self.index.docs, 1.0)
        return self._all

    def eval(self, node: Node) -> Scores:
        match node:
            case Wildcard():
                return self.wildcard()
            case Empty():
                return {}
            case Term():
                return self.term(node)
            case Phrase():
                return self.phrase(node)
            case Tag():
                if node.field not in self.index.tags:
                    return {}
                matched = self._tag_matches(node)
                if self.opts.scorer.startswith("BM25STD"):
                    return self._bm25std_tags(matched)
                if self.opts.scorer.startswith("TFIDF") or self.opts.scorer == "BM25":
                    return self._idf_tags(matched)
                docs = distinct(np.concatenate(matched)) if len(matched) > 1 else matched[0] if matched else NO_IDS
                return dict.fromkeys(docs.tolist(), self._range_score())
            case NumericRange(field=fname, lo=lo, hi=hi, lo_excl=lx, hi_excl=hx):
                nums = self.index.numeric.get(fname)
                if nums is None:
                    return {}
                return dict.fromkeys(nums.range_ids(lo, hi, lx, hx).tolist(), self._range_score())
            case GeoRadius(field=fname, lon=lon, lat=lat, radius=radius, unit=unit):
                geo = self.index.geo.get(fname)
                if geo is None:
                    return {}
                return dict.fromkeys(geo.radius(lon, lat, radius * UNIT_M[unit]), self._range_score())
            case GeoShape():
                return dict.fromkeys(self._geoshape(node).tolist(), 0.0)
            case VectorRange():
                return self.vector_range(node)
            case Missing(field=fname):
                return self.missing(fname)
            case Union(children=children):
                out: Scores = {}
                if self.opts.scorer == "DISMAX":  # a union scores its best clause (RediSearch's DISMAX)
                    for c in children:
                        for d, s in self.eval(c).items():
                            out[d] = max(out.get(d, s), s)
                    return _weighted(out, node.weight)
                for c in children:
                    for d, s in self.eval(c).items():
                        out[d] = out.get(d, 0.0) + s
                return _weighted(out, node.weight)
            case Intersect():
                return _weighted(self.intersect(node), node.weight)
            case Not(child=child):
                excluded = self.eval(child)
                return {d: 0.0 for d in self.all_docs() if d not in excluded}
            case Optional(child=child):
                # Alone, an optional clause matches everything and only adds to scores.
                opt = self.eval(child)
                return {d: opt.get(d, 0.0) for d in self.all_docs()}
            case Knn():
                raise SearchError("KNN must be at the top level of the query")
        raise SearchError("Syntax error")

    def intersect(self, node: Intersect) -> Scores:
        children = node.children
        required = [c for c in children if not isinstance(c, Optional)]
        optional = [c for c in children if isinstance(c, Optional)]
        result: Scores | None = None
        # Evaluate the non-negated clauses first (smaller sets), negations filter afterwards.
        for c in sorted(required, key=lambda n: isinstance(n, Not)):
            if result is not None and isinstance(c, Not):
                excluded = self.eval(c.child)
                result = {d: s for d, s in result.items() if d not in excluded}
            else:
                scores = self.eval(c)
                if result is None:
                    result = scores
                else:
                    result = {d: s + scores[d] for d, s in result.items() if d in scores}
            if not result:
                return {}
        slop, inorder = self._slop_and_order(node)
        if result is None:
            result = dict(self.all_docs())
        elif slop is not None:
            # An optional clause takes part with its positions where it matched (RediSearch's optional
            # iterator yields its child's result there, a virtual one without offsets elsewhere).
            clauses = [c for c in self._clause_order(node) if not isinstance(c, Not)]
            if len(children) > 1:
                near = self._within_slop(clauses, result, slop, inorder)
                result = {d: s for d, s in result.items() if d in near}
        for c in optional:
            opt = self._optional_docs(c)
            for d in result:
                if d in opt:
                    result[d] += opt[d]
        return result

    def _optional_docs(self, node: Optional) -> Scores:
        """An OPTIONAL clause's own matches and scores, evaluated once per query (its intersection adds the
        scores and, under SLOP / INORDER, reads its positions where it matched)."""
        known = self._optional_matches.get(id(node))
        if known is None:
            known = self._optional_matches[id(node)] = self.eval(node.child)
        return known

    def _slop_and_order(self, node: Intersect) -> tuple[int | None, bool]:
        """RediSearch's intersection: the clause's $slop, else the query's SLOP; $inorder or INORDER (in
        order without a slop: any distance). (None, False): no range check."""
        slop = node.slop if node.slop is not None else self.opts.slop
        inorder = node.inorder or self.opts.inorder
        if inorder and slop is None:
            slop = 1 << 31
        return slop, inorder

    def _within_slop(self, children: list[Node], docs: Iterable[int], slop: int, inorder: bool) -> set[int]:
        """The docs whose clauses of this intersection lie within ``slop`` positions of each other (with
        ``inorder``, in the query's order), as RediSearch's intersect iterator checks its children's
        offsets (IndexResult_IsWithinRange); clauses without positions (tags, ranges, ...) take no part,
        and one clause with positions alone passes in order but never unordered (min == max there)."""
        keys = self._positional_keys(children)
        if keys is not None and self._keys_serve(children, inorder):  # for every document at once
            ids = np.fromiter(docs, dtype=np.int64)
            ids.sort()
            return set(ids[self._near(children, keys, ids, slop, inorder)].tolist())
        return {d for d in docs if self._near_one(children, d, slop, inorder)}

    def _near(self, children: list[Node], keys: list[np.ndarray], ids: np.ndarray, slop: int,
              inorder: bool) -> np.ndarray:
        """_within_slop as a mask over ``ids`` (ascending), from the clauses' positions as keys
        (_positional_keys): the walks of positions.in_order_docs / unordered_docs, and _near_one for a
        document some clause holds no positions of (an empty list reads EOF: unordered, it may pass)."""
        if not keys:  # no clause with positions: nothing to check
            return np.ones(len(ids), dtype=bool)
        if inorder:
            return members(ids, in_order_docs(keys, slop, ids))
        held, passing = unordered_docs(keys, slop, ids)
        near = members(ids, passing)
        for at in np.flatnonzero(~members(ids, held)).tolist():
            near[at] = self._near_one(children, int(ids[at]), slop, inorder)
        return near

    def _near_one(self, children: list[Node], d: int, slop: int, inorder: bool) -> bool:
        """_within_slop for one document, from the clauses' _offsets."""
        lists = [o for o in (self._offsets(c, d) for c in children) if o is not None]
        return not lists or (within_range_in_order if inorder else within_range_unordered)(lists, slop)

    def _keys_serve(self, children: list[Node], inorder: bool) -> bool:
        """Whether _positional_keys give the positions _offsets does: not for a phrase unordered on a
        PHONETIC field (_offsets counts its words' phonetic records there, which a phrase's keys leave
        out; in order, the keys are what is checked)."""
        return inorder or not any(isinstance(c, Phrase) for c in children) or not any(
            f.type is FieldType.TEXT and f.phonetic for f in self.index.definition.fields)

    def _clause_order(self, node: Intersect) -> list[Node]:
        """An intersection's clauses in the order RediSearch's intersect iterator holds them (which its
        slop figures follow): as written when in order, else by estimated documents, fewest first (a
        stable sort)."""
        if node.inorder or self.opts.inorder:
            return list(node.children)
        return sorted(node.children, key=self._estimate)

    def _estimate(self, node: Node) -> int:
        """A clause's estimated documents, as its RediSearch iterator gives it (NumEstimated): a word's
        records' documents added up, an intersection's smallest, a union's sum; kept for the query."""
        known = self._estimates.get(id(node))
        if known is not None:
            return known
        text = self.index.text
        if isinstance(node, Term):
            if node.kind == "exact":
                use_stem = not (node.verbatim or self.opts.verbatim)
                specs = text.record_specs(node.text, use_stem, self._nostem(), self.phonetic_term(node))
                found = sum(text.doc_count(words) for words, _, _ in specs)
            else:
                found = sum(len(text.terms.get(w, ())) for w, _ in self._expansions(node))
        elif isinstance(node, Phrase):
            found = min(len(text.terms.get(t, ())) for _, t in node.terms)
        elif isinstance(node, Intersect):
            found = min(self._estimate(c) for c in node.children)
        elif isinstance(node, Union):
            found = sum(self._estimate(c) for c in node.children)
        elif isinstance(node, Tag):
            found = sum(len(docs) for docs in self._tag_matches(node))
        else:
            found = len(self.index.docs)
        self._estimates[id(node)] = found
        return found

    # -- text -------------------------------------------------------------------------------------------
    def _text_fields(self, fields: tuple[bytes, ...] | None) -> frozenset[bytes] | None:
        restrict = self.opts.infields
        if fields is None:
            return restrict
        chosen = frozenset(fields)
        return chosen & restrict if restrict is not None else chosen

    def _nostem(self) -> frozenset[bytes]:
        return frozenset(f.name for f in self.index.definition.fields if f.type is FieldType.TEXT and f.nostem)

    def _weights(self) -> dict[bytes, float]:
        return {f.name: f.weight for f in self.index.definition.fields if f.type is FieldType.TEXT}

    def _expansions(self, node: Term) -> list[tuple[str, bool]]:
        text = self.index.text
        if node.kind == "exact":
            expand = not (node.verbatim or self.opts.verbatim)
            words = text.expand(node.text, expand)
            sound = self.phonetic_term(node)
            if sound is not None and sound in text.terms:
                words.append((sound, True))
            if expand and self.index.synonyms:  # FT.SYNUPDATE groups: the group's other words too
                words += [(w, True) for w in synonyms_of(self.index.synonyms, node.text) if w in text.terms]
            return words
        if node.kind in ("prefix", "suffix", "infix") and len(node.text.encode()) < self.opts.min_prefix:
            return []  # shorter than MINPREFIX: nothing, as in RediSearch
        key = (node.kind, node.text, node.fuzz)
        known = self._expanded.get(key)
        if known is None:  # (per-document checks ask again and again: a fuzzy match scans the vocabulary)
            known = self._expanded[key] = self._expand(node)
        return known

    def phonetic_term(self, node: Term) -> str | None:
        """The phonetic term a plain word expands to on a PHONETIC field (fields/phonetic.py): None
        without one, under VERBATIM, and for prefixes, fuzzy words and the like."""
        if node.kind != "exact" or node.verbatim or self.opts.verbatim:
            return None
        key = (node.text, node.fields, node.phonetic)
        known = self._phonetic_terms.get(key, "")
        if known == "":
            known = self._phonetic_terms[key] = phonetic_query_term(
                self.index.definition, node.fields, node.phonetic, node.text)
        return known

    def _expand(self, node: Term) -> list[tuple[str, bool]]:
        text = self.index.text
        if node.kind == "prefix":
            found = text.prefix(node.text, self.opts.max_expansions)
        elif node.kind == "suffix":
            found = text.suffix(node.text)
        elif node.kind == "infix":
            found = text.contains(node.text)
        elif node.kind == "fuzzy":
            found = text.fuzzy(node.text, node.fuzz)
        else:
            found = text.wildcard(node.text)
        return [(t, True) for t in sorted(found)[:self.opts.max_expansions]]

    def expanded_words(self, node: Term) -> list[str]:
        """The indexed words a prefix, suffix, infix, fuzzy or wildcard word stands for."""
        return [w for w, _ in self._expansions(node)]

    def _range_score(self) -> float:
        """A numeric range's or geo radius's share of a document's score (and a tag's, but under BM25STD):
        none under BM25STD (RediSearch gives those records no frequency), BM25's figure for a record of
        frequency 1 without a term, the filter constant otherwise (TFIDF divides it by maxFreq)."""
        scorer = self.opts.scorer
        if scorer.startswith("BM25STD"):
            return 0.0
        if scorer == "BM25":
            return self.index.text.bm25_classic(1.0, 1.0, len(self.index.docs))
        return FILTER_SCORE

    def wildcard(self) -> Scores:
        """``*``: every document, each scored as RediSearch scores a wildcard record (frequency 1, IDF 1):
        BM25STD by the document's length, BM25 one figure for all, TFIDF 1 before tfidf_final divides it
        by maxFreq (DOCNORM: by the length), so short documents and those without text come first."""
        if self.opts.scorer.startswith("BM25STD"):
            return self._bm25std_by_length(self.all_docs(), 1.0)
        if self.opts.scorer == "BM25":
            return dict.fromkeys(self.all_docs(), self._range_score())
        return dict(self.all_docs())

    def uniform_wildcard_score(self) -> float | None:
        """The score every document gets from ``*`` when it is the same for all (an index without text,
        scored by BM25STD, BM25 or DISMAX), else None."""
        if len(self.index.text) or self.opts.scorer.startswith(("TFIDF", "DOCSCORE", "HAMMING")):
            return None
        if self.opts.scorer.startswith("BM25STD"):
            return self.index.text.bm25_for_length(1.0, 0.0, 1.0, len(self.index.docs))
        return self._range_score() if self.opts.scorer == "BM25" else 1.0

    def _bm25std_by_length(self, docs: Iterable[int], idf: float) -> Scores:
        """BM25STD of a record of frequency 1 in each of ``docs``, computed with numpy from the documents'
        text lengths (nan for all when the index has no text: hybrid filters and ``*`` over vector-only
        indexes stay cheap)."""
        text, n = self.index.text, len(self.index.docs)
        terms = text.bm25std_terms(n)
        if terms is None:  # no text in the index: every figure is nan (bm25_for_length)
            return dict.fromkeys(docs, math.nan)
        ids = np.fromiter(docs, dtype=np.int64)
        scores = self._bm25std_length_scores(ids, idf, terms)
        return dict(zip(ids.tolist(), scores.tolist(), strict=True))

    def _bm25std_length_scores(self, ids: np.ndarray, idf: float, terms: tuple[float, float]) -> np.ndarray:
        """BM25STD of a record of frequency 1 in each of ``ids`` by its text length."""
        by_id = self.index.text.doc_len_array()
        lengths = np.zeros(len(ids))
        inside = ids < len(by_id)  # documents past the last one with text have none
        lengths[inside] = by_id[ids[inside]]
        base, slope = terms
        return idf * (BM25_K1 + 1) / (1.0 + base + slope * lengths)

    def _bm25std_tags(self, matched: list[np.ndarray]) -> Scores:
        """A tag clause under BM25STD, as RediSearch scores its tag records: frequency 1, the value's IDF
        among the documents, the document's text length; the values a document matches add up."""
        text, n = self.index.text, len(self.index.docs)
        out: Scores = {}
        for docs in matched:
            if not len(docs):
                continue
            part = self._bm25std_by_length(docs.tolist(), text.idf(n, len(docs)))
            if not out:
                out = part
            else:
                for d, s in part.items():
                    out[d] = out.get(d, 0.0) + s
        return out

    def _idf_tags(self, matched: list[np.ndarray]) -> Scores:
        """A tag clause under TFIDF or BM25: each value a record of frequency 1 with the term IDF,
        logb(1 + N / n) (BM25: through its formula), the values a document matches adding up (TFIDF's
        tfidf_final divides by maxFreq)."""
        text, n = self.index.text, len(self.index.docs)
        classic = self.opts.scorer == "BM25"
        out: Scores = {}
        for docs in matched:
            if len(docs):
                idf = text.tfidf_idf(n, len(docs))
                figure = text.bm25_classic(1.0, idf, n) if classic else idf
                for d in docs.tolist():
                    out[d] = out.get(d, 0.0) + figure
        return out

    def term(self, node: Term) -> Scores:
        text = self.index.text
        fields = self._text_fields(node.fields)
        if node.kind != "exact" and self.opts.scorer.startswith(("BM25", "TFIDF", "DISMAX")):
            return self._expanded_term(node, fields)
        if node.kind == "exact" and self.opts.scorer.startswith("BM25STD"):
            return self._bm25std_term(node, fields)
        if node.kind == "exact" and self.opts.scorer == "BM25":
            return self._bm25_term(node, fields)
        if node.kind == "exact" and self.opts.scorer.startswith("TFIDF"):
            return self._tfidf_term(node, fields)
        if node.kind == "exact" and self.opts.scorer == "DISMAX":
            # The word and its stem record are a union: DISMAX takes the larger frequency.
            best: Scores = {}
            for i, (freq, _) in enumerate(self._records(node, fields)):
                weight = self._own_weight(node, i)
                for d, f in freq.items():
                    best[d] = max(best.get(d, 0.0), f * weight)
            return best
        tf = text.term_docs(self._expansions(node), fields, self._nostem(), self._weights())
        return self._score(tf, node.weight)

    def _expanded_term(self, node: Term, fields: frozenset[bytes] | None) -> Scores:
        """_expanded_arrays as a dict."""
        ids, scores = self._expanded_arrays(node, fields)
        return dict(zip(ids.tolist(), scores.tolist(), strict=True))

    def _expanded_arrays(self, node: Term, fields: frozenset[bytes] | None) -> tuple[np.ndarray, np.ndarray]:
        """A prefix, suffix, infix, fuzzy or wildcard word: RediSearch's union of the words it expands to
        stops at the first one a document holds (its quick-exit union, words in lexical order), so a
        document scores by that word's record alone (its frequency in the clause's fields): (doc ids
        ascending, scores), BM25STD with document scores."""
        text, n = self.index.text, len(self.index.docs)
        weights, scorer = self._weights(), self.opts.scorer
        left_out = frozenset(text.field_names) - fields if fields is not None else frozenset()
        words = sorted(w for w, _ in self._expansions(node))
        ids, ranks, tf, holders = text.first_word_frequencies(words, left_out, weights)
        if scorer.startswith("BM25STD"):
            terms = text.bm25std_terms(n)
            if terms is None:
                figures = np.full(len(ids), math.nan)
            else:
                base, slope = terms
                idf = np.array([text.idf(n, int(h)) for h in holders.tolist()])[ranks] if len(ids) else np.zeros(0)
                figures = idf * tf * (BM25_K1 + 1) / (tf + base + slope * text.doc_len_array()[ids])
            if self.index.scored_docs:
                figures = figures * self._doc_scores(ids)
            return ids, figures * node.weight
        tfidf_idf = np.array([text.tfidf_idf(n, int(h)) for h in holders.tolist()])[ranks] if len(ids) else np.zeros(0)
        if scorer == "BM25":
            denom = tf + BM25_K1 * (1 - BM25_B + BM25_B * text.avg_doc_len(n))
            with np.errstate(divide="ignore", invalid="ignore"):
                return ids, np.where(denom != 0, tfidf_idf * tf / denom, 0.0) * node.weight
        if scorer.startswith("TFIDF"):
            return ids, tf * tfidf_idf * node.weight
        return ids, tf * node.weight  # DISMAX

    def _records(self, node: Term, fields: frozenset[bytes] | None) -> list[tuple[dict[int, float], int]]:
        """The inverted-index records a plain word is scored by (TextIndex.bm25std_records)."""
        use_stem = not (node.verbatim or self.opts.verbatim)
        records = self.index.text.bm25std_records(node.text, use_stem, fields, self._nostem(), self._weights(),
                                                  self.phonetic_term(node))
        if use_stem and self.index.synonyms:  # one ~<group id> record per synonym group of the word
            records += group_records(self.index.text, self.index.synonyms, node.text, fields, self._weights())
        return records

    def _bm25std_term(self, node: Term, fields: frozenset[bytes] | None) -> Scores:
        """RediSearch's BM25STD for a word: the sum over the records it expands to (the word, its stem
        record; TextIndex.bm25std_records), each with its own frequency and IDF."""
        text = self.index.text
        docs = self.index.docs
        n = len(docs)
        terms = text.bm25std_terms(n)
        if terms is not None and not self.index.synonyms:
            return self._bm25std_term_arrays(node)
        out: Scores = {}
        doc_len = text.doc_len_array().item  # (a Python float per document)
        for freq, with_term in self._records(node, fields):
            if terms is None:  # no text in the index (bm25_for_length: nan)
                part = dict.fromkeys(freq, math.nan)
            else:  # TextIndex.bm25_for_length, inlined: this loop runs once per matching document
                top, (base, slope) = text.idf(n, with_term) * (BM25_K1 + 1), terms
                part = {d: top * f / (f + base + slope * doc_len(d)) for d, f in freq.items()}
            if not out:
                out = part
            else:
                for d, s in part.items():
                    out[d] = out.get(d, 0.0) + s
        if self.index.scored_docs:
            doc_score = self.index.doc_scores.get
            for d, score in out.items():
                factor = doc_score(d)
                if factor is not None:
                    out[d] = score * factor
        return out

    def _bm25std_record_scores(self, node: Term) -> tuple[np.ndarray, np.ndarray]:
        """_bm25std_term vectorised, before document scores: (doc ids ascending, scores)
        from the word's records as arrays (TextIndex.record_arrays), kept from query to query until a
        document with one of the records' words changes or the document count or average length does
        (TextIndex.kept: a frequent word's figures are not computed again for every query)."""
        text = self.index.text
        n = len(self.index.docs)
        terms = text.bm25std_terms(n)
        assert terms is not None
        use_stem = not (node.verbatim or self.opts.verbatim)
        sound, fields, weights = self.phonetic_term(node), self._text_fields(node.fields), self._weights()
        words = [w for ws, _, _ in text.record_specs(node.text, use_stem, self._nostem(), sound) for w in ws]
        key = ("bm25std scores", node.text, use_stem, self._nostem(), sound, fields, tuple(sorted(weights.items())),
               tuple(words))

        def build() -> tuple[np.ndarray, ...]:
            lengths = text.doc_len_array()
            base, slope = terms
            parts = []
            for ids, freqs, with_term in self._record_arrays(node):
                top = text.idf(n, with_term) * (BM25_K1 + 1)
                parts.append((ids, top * freqs / (freqs + base + slope * lengths[ids])))
            return _summed(parts)

        ids, scores = text.kept(key, words, (n, terms), build)
        return ids, scores

    def _tfidf_record_scores(self, node: Term) -> tuple[np.ndarray, np.ndarray]:
        """_tfidf_term vectorised: (doc ids ascending, raw TF-IDF)."""
        text, n = self.index.text, len(self.index.docs)
        parts = [(ids, freqs * (text.tfidf_idf(n, with_term) * self._own_weight(node, i)))
                 for i, (ids, freqs, with_term) in enumerate(self._record_arrays(node))]
        return _summed(parts)

    def _record_arrays(self, node: Term) -> list[tuple[np.ndarray, np.ndarray, int]]:
        """A plain word's records as arrays (TextIndex.record_arrays), in the clause's fields."""
        use_stem = not (node.verbatim or self.opts.verbatim)
        return self.index.text.record_arrays(node.text, use_stem, self._nostem(), self._weights(),
                                             self._text_fields(node.fields), self.phonetic_term(node))

    def _bm25std_term_arrays(self, node: Term) -> Scores:
        """_bm25std_record_scores as a dict, document scores applied."""
        index = self.index
        ids, scores = self._bm25std_record_scores(node)
        out = dict(zip(ids.tolist(), scores.tolist(), strict=True))
        if index.scored_docs:
            doc_score = index.doc_scores.get
            for d, score in out.items():
                factor = doc_score(d)
                if factor is not None:
                    out[d] = score * factor
        return out

    def _bm25_term(self, node: Term, fields: frozenset[bytes] | None) -> Scores:
        """SCORER BM25 for a word: over its records (the word, its stem record), BM25's figure with the
        record's frequency and TFIDF's IDF (RediSearch's term idf); the document score comes in run()."""
        text = self.index.text
        n = len(self.index.docs)
        out: Scores = {}
        for freq, with_term in self._records(node, fields):
            idf = text.tfidf_idf(n, with_term)
            for d, f in freq.items():
                out[d] = out.get(d, 0.0) + text.bm25_classic(f, idf, n)
        return out

    def _tfidf_term(self, node: Term, fields: frozenset[bytes] | None) -> Scores:
        """RediSearch's TF-IDF of a word before normalisation: over its records (the word, its stem
        record), frequency x IDF, where IDF = logb(1 + N / n), the binary exponent (default.c)."""
        n = len(self.index.docs)
        out: Scores = {}
        for i, (freq, with_term) in enumerate(self._records(node, fields)):
            idf, weight = self.index.text.tfidf_idf(n, with_term), self._own_weight(node, i)
            for d, f in freq.items():
                out[d] = out.get(d, 0.0) + f * idf * weight
        return out

    def _own_weight(self, node: Term, record: int) -> float:
        """A word's ``$weight`` for its ``record``-th record (_records): RediSearch gives it to the word's
        own record alone, not to the stem records it expands to, and only TFIDF and DISMAX read it (the
        BM25 scorers leave a term's weight out)."""
        return node.weight if record == 0 and node.text in self.index.text.terms else 1.0

    def tfidf_final(self, node: Node, scores: Scores) -> Scores:
        """TFIDF / TFIDF.DOCNORM: the summed TF-IDF x document score, divided by the document's maxFreq
        (DOCNORM: its weighted length) and by the query's slop (an intersection's words far apart score
        less: the root of the summed squared distances of its neighbouring clauses, RediSearch's
        IndexResult_MinOffsetDelta); _tfidf_final_arrays over the documents at hand."""
        if not scores:
            return {}
        ids = np.fromiter(scores.keys(), dtype=np.int64, count=len(scores))
        raw = np.fromiter(scores.values(), dtype=np.float64, count=len(scores))
        order = np.argsort(ids)
        ids, raw = ids[order], raw[order]
        scale = self._doc_scores(ids) if self.index.scored_docs else None
        return dict(zip(ids.tolist(), self._tfidf_final_arrays(node, ids, raw, scale).tolist(), strict=True))

    def _doc_scores(self, ids: np.ndarray) -> np.ndarray:
        """The documents' own scores (SCORE field, FT.ADD), 1 for a document gone."""
        doc_score = self.index.doc_scores.get
        return np.fromiter((doc_score(d, 1.0) for d in ids.tolist()), dtype=np.float64, count=len(ids))

    def _record_offsets(self, node: Term, d: int) -> list[list[int]]:
        """A word's positions in document ``d`` record by record, as RediSearch's union of them holds them:
        the records (TextIndex.record_specs: the word, the +stem record's words outside NOSTEM fields, the
        stem) that hold the document in the clause's fields, each with its positions in every field."""
        fields = self._text_fields(node.fields)
        use_stem = not (node.verbatim or self.opts.verbatim)
        out = []
        for words, skip_fields, _weighted in self.index.text.record_specs(node.text, use_stem, self._nostem(),
                                                                          self.phonetic_term(node)):
            found = self._positions_by_doc(words, skip_fields, fields).get(d)
            if found is not None:
                out.append(found)
        return out

    def _positions_by_doc(self, words: list[str], skip_fields: frozenset[bytes],
                          fields: frozenset[bytes] | None) -> dict[int, list[int]]:
        """doc id -> the sorted positions of ``words`` outside ``skip_fields``, for the documents holding
        one of them in ``fields``: built once per query for the per-document checks (SLOP, INORDER,
        the slop of what numpy does not compute whole)."""
        key = (tuple(words), skip_fields, fields)
        known = self._position_maps.get(key)
        if known is None:
            keys = self.index.text.record_keys(words, skip_fields, fields)
            docs = keys >> 32
            starts = run_starts(docs)
            bounds = [*starts.tolist(), len(keys)]
            positions = (keys & 0xFFFFFFFF).tolist()
            known = {d: positions[a:b] for d, a, b in zip(docs[starts].tolist(), bounds, bounds[1:], strict=False)}
            self._position_maps[key] = known
        return known

    def _term_offsets(self, node: Term, d: int) -> list[int]:
        """A word's positions in document ``d`` (sorted): its records' (_record_offsets); for a prefix,
        suffix, fuzzy or wildcard word, those of the first word (lexical order) the document holds in the
        clause's fields (_expanded_term), in every field."""
        if node.kind == "exact":
            records = self._record_offsets(node, d)
            if len(records) == 1:
                return records[0]
            return sorted({p for record in records for p in record})
        fields = self._text_fields(node.fields)
        for word, _ in sorted(self._expansions(node)):
            found = self._positions_by_doc([word], frozenset(), None).get(d)
            if found is not None and (fields is None or d in self._positions_by_doc([word], frozenset(), fields)):
                return found
        return []

    def _offsets(self, node: Node, d: int) -> list[int] | None:
        """A clause's positions in document ``d`` (None: a clause without positions, e.g. a tag). A union
        without positions (several tag values, a union of ranges) is an empty list: RediSearch's aggregate
        result reads EOF there, which passes its unordered slop check and fails the in-order one."""
        if isinstance(node, Tag):
            return [] if self._tag_union(node) else None
        if isinstance(node, Term):
            return self._term_offsets(node, d)
        if isinstance(node, Phrase):
            words = [self._term_offsets(Term(t, node.fields, verbatim=node.verbatim), d) for _, t in node.terms]
            return sorted({p for word in words for p in word})
        if isinstance(node, Optional):  # where its clause did not match, RediSearch holds no positions
            return self._offsets(node.child, d) if d in self._optional_docs(node) else None
        if isinstance(node, Union | Intersect):
            parts = [self._offsets(c, d) for c in node.children]
            merged = sorted({p for part in parts if part for p in part})
            return merged if any(part is not None for part in parts) or isinstance(node, Union) else None
        return None

    def _tag_union(self, node: Tag) -> bool:
        """Whether RediSearch reads a tag clause as a union (several values, or a pattern standing for
        several tags) rather than one tag's record; worked out once per query (_offsets asks per document)."""
        if len(node.values) > 1:
            return True
        value = node.values[0]
        if not (value.prefix or value.suffix or value.wildcard):
            return False
        known = self._tag_unions.get(id(node))
        if known is None:
            tags = self.index.tags.get(node.field)
            known = self._tag_unions[id(node)] = tags is not None and len(tags.expand(
                tags.fold(value.text), value.prefix, value.suffix, value.wildcard, self.opts.max_expansions)) > 1
        return known

    def _slop(self, node: Node, d: int) -> int:
        """RediSearch's IndexResult_MinOffsetDelta of the query's result for ``d``: over the clauses that
        matched (an intersection's all, a union's those holding the document), the root of the summed
        squared distances between neighbours' nearest positions; 1 for a single clause."""
        if isinstance(node, Term) and node.kind == "exact" and not (node.verbatim or self.opts.verbatim):
            # A word alone is a union of its records (the word, +stem, the stem): those that hold the
            # document are its clauses ("runs" in "runs apples run": 0 to +run, 2 to run: slop 2).
            if self._single_record(node):
                return 1
            offsets: list[list[int] | None] = [o for o in self._record_offsets(node, d) if o]
            matched = len(offsets)
        else:
            if isinstance(node, Phrase):
                children: list[Node] = [Term(t, node.fields, verbatim=True) for _, t in node.terms]
            elif isinstance(node, Intersect):
                children = self._clause_order(node)
            elif isinstance(node, Union) and all(isinstance(c, Term | Phrase) for c in node.children):
                # a union's result holds the clauses that matched: a phrase only where its words are in order
                children = [c for c in node.children if not isinstance(c, Phrase) or d in self._phrase_docs(c)]
            else:
                return 1
            offsets = [self._offsets(c, d) for c in children]
            matched = len(children)
        if isinstance(node, Union):  # a union's result holds the clauses that matched the document
            offsets = [o for o in offsets if o]
            matched = len(offsets)
        if matched <= 1:
            return 1
        # Clauses without positions (tags, ranges) are left out: RediSearch reads EOF for them, which
        # sometimes adds (p + 1)^2 and sometimes nothing (a score fuzz matched more often this way).
        lists = [o for o in offsets if o]
        dist = sum(offset_delta(a, b) ** 2 for a, b in itertools.pairwise(lists))
        return int(math.sqrt(dist)) if dist else matched - 1

    def _slop_function(self, node: Node) -> Callable[[int], int]:
        """doc id -> _slop(node, doc), from _slop_arrays where it applies, else document by document."""
        found = self._slop_arrays(node)
        if found is None:
            return lambda d: self._slop(node, d)
        ids, slops, default = found
        by_doc = dict(zip(ids.tolist(), slops.tolist(), strict=True))
        return lambda d: by_doc.get(d, default)

    def _slop_array(self, node: Node, ids: np.ndarray) -> np.ndarray:
        """_slop(node, d) for each of ``ids``: 1 where the node's slop is 1 in every document, from
        _slop_arrays where that applies, else document by document."""
        if self._slop_is_one(node):
            return np.ones(len(ids))
        found = self._slop_arrays(node)
        if found is None:
            return np.fromiter((self._slop(node, d) for d in ids.tolist()), dtype=np.float64, count=len(ids))
        held, slops, default = found
        out = np.full(len(ids), float(default))
        if len(held):
            at = np.minimum(np.searchsorted(held, ids), len(held) - 1)
            hit = held[at] == ids
            out[hit] = slops[at[hit]]
        return out

    def _slop_is_one(self, node: Node) -> bool:
        """Whether _slop(node, d) is 1 for every document (one clause, or none with positions)."""
        if isinstance(node, Term):
            verbatim = node.verbatim or self.opts.verbatim
            return node.kind != "exact" or verbatim or self._single_record(node)
        if isinstance(node, Phrase):
            return len(node.terms) <= 1
        if isinstance(node, Intersect):
            return len(node.children) <= 1
        if isinstance(node, Union):
            return len(node.children) <= 1 or not all(isinstance(c, Term | Phrase) for c in node.children)
        return True

    def _slop_arrays(self, node: Node) -> tuple[np.ndarray, np.ndarray, int] | None:
        """_slop for all documents at once with numpy: (doc ids ascending, their slop, the slop of any
        other document), from each clause's positions as doc << 32 | position keys and RediSearch's offset
        walk over neighbouring clauses (positions.offset_deltas). For a word with stem records (its records
        are its clauses), a phrase, an intersection of words and phrases (tags and ranges take no part), or
        a union of up to three words; None for anything else."""
        if self.opts.infields is not None:
            return None
        text = self.index.text
        if isinstance(node, Term):
            if node.kind != "exact" or node.verbatim or self.opts.verbatim:
                return None
            fields = self._text_fields(node.fields)
            specs = text.record_specs(node.text, True, self._nostem(), self.phonetic_term(node))
            return _neighbour_slops([text.record_keys(words, skip, fields) for words, skip, _ in specs], None)
        if isinstance(node, Phrase):
            fields = self._text_fields(node.fields)
            lists = [text.record_keys([t], frozenset(), fields) for _, t in node.terms]
            return _neighbour_slops(lists, len(node.terms))
        if isinstance(node, Intersect):
            clauses = self._positional_keys(self._clause_order(node))
            return _neighbour_slops(clauses, len(node.children)) if clauses is not None else None
        if isinstance(node, Union) and len(node.children) <= 3:
            lists = []
            for child in node.children:
                keys = self._clause_keys(child) if isinstance(child, Term) else None
                if keys is None:
                    return None
                lists.append(keys)
            return _neighbour_slops(lists, None)
        return None

    def _positional_keys(self, clauses: list[Node]) -> list[np.ndarray] | None:
        """An intersection's clauses' _clause_keys in order, clauses without positions (tags, ranges, ...)
        left out; None when one is anything else (a negation, an optional clause, a group, an expanding
        word): those are checked document by document."""
        lists = []
        for clause in clauses:
            if isinstance(clause, Term | Phrase):
                keys = self._clause_keys(clause)
                if keys is None:
                    return None
                lists.append(keys)
            elif isinstance(clause, Tag) and self._tag_union(clause):
                return None  # (a union without positions: checked document by document, see _offsets)
            elif not isinstance(clause, Tag | NumericRange | GeoRadius | GeoShape | VectorRange | Missing):
                return None
        return lists

    def _clause_keys(self, node: Term | Phrase) -> np.ndarray | None:
        """_offsets of a word or a phrase for every document, as sorted doc << 32 | position keys; None
        for an expanding word."""
        if isinstance(node, Term) and node.kind != "exact":
            return None
        text, fields = self.index.text, self._text_fields(node.fields)
        words = [node.text] if isinstance(node, Term) else [t for _, t in node.terms]
        use_stem = not (node.verbatim or self.opts.verbatim)
        sound = self.phonetic_term(node) if isinstance(node, Term) else None
        lists = [keys for word in words for ws, skip, _ in text.record_specs(word, use_stem, self._nostem(), sound)
                 if len(keys := text.record_keys(ws, skip, fields))]
        if not lists:
            return np.zeros(0, dtype=np.int64)
        return lists[0] if len(lists) == 1 else distinct(np.concatenate(lists))

    def _single_record(self, node: Term) -> bool:
        """Whether at most one of a word's records has documents (no stem variants indexed): then every
        document's slop for it is 1. Kept for the query."""
        known = self._single_records.get(id(node))
        if known is None:
            text = self.index.text
            specs = text.record_specs(node.text, True, self._nostem(), self.phonetic_term(node))
            known = sum(any(w in text.terms for w in words) for words, _, _ in specs) <= 1
            self._single_records[id(node)] = known
        return known

    def _phrase_docs(self, node: Phrase) -> set[int]:
        """The documents a phrase matches, kept for the query (the slop of a union holding it asks per document)."""
        known = self._phrase_matches.get(id(node))
        if known is None:
            known = self._phrase_matches[id(node)] = set(self._phrase_arrays(node)[0].tolist())
        return known

    def _score(self, tf: dict[int, float], weight: float) -> Scores:
        if not tf:
            return {}
        text = self.index.text
        n = len(self.index.docs)
        doc_scores = self.index.doc_scores
        idf = text.idf(n, len(tf))
        scorer = self.opts.scorer
        out: Scores = {}
        for d, f in tf.items():
            doc_score = doc_scores.get(d, 1.0)
            if scorer.startswith("TFIDF"):
                s = text.tfidf(f, d, idf)
            elif scorer == "DOCSCORE":
                s = 1.0
            elif scorer == "DISMAX":  # the weighted term frequency alone (no document score)
                out[d] = f * weight
                continue
            else:
                s = text.bm25(f, d, idf, n)
            out[d] = s * doc_score * weight
        return out

    def phrase(self, node: Phrase) -> Scores:
        """A quoted phrase as RediSearch evaluates it: an intersection of its words with slop 0, in order
        (IndexResult_IsWithinRange over the words' positions in every field, where one occurrence may
        serve two equal words: "apple apple" matches one apple), scored as the sum of its words' scores."""
        ids, scores = self._phrase_arrays(node)
        return dict(zip(ids.tolist(), scores.tolist(), strict=True))

    def _phrase_arrays(self, node: Phrase, within: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """phrase() as (doc ids ascending, scores); only of the documents ``within`` (ascending) when
        given (the other clauses of an intersection: positions are walked in those alone)."""
        words = [Term(t, node.fields, verbatim=node.verbatim) for _, t in node.terms]
        parts = []
        for word in words:
            part = self._arrays(word) if self._arrays_apply() else None
            if part is None:
                found = self.term(word)
                ids = np.fromiter(found.keys(), dtype=np.int64, count=len(found))
                order = np.argsort(ids)
                part = ids[order], np.fromiter(found.values(), dtype=np.float64, count=len(found))[order]
            parts.append(part)
        if len(parts) == 1:  # a quoted word: RediSearch evaluates the word itself (the phrase's weight unused)
            ids, scores = parts[0]
            if within is None:
                return ids, scores
            keep = members(ids, within)
            return ids[keep], scores[keep]
        candidates = intersect_sorted([ids for ids, _ in parts] + ([within] if within is not None else []))
        # slop 0, in order (positions.in_order_docs), over the candidates' positions
        matched = in_order_docs([self._word_keys(w) for w in words], 0, candidates) if len(candidates) else candidates
        total = np.zeros(len(matched))
        for ids, scores in parts:
            total += values_at(ids, scores, matched)
        return matched, total * node.weight

    def _word_keys(self, word: Term) -> np.ndarray:
        """A phrase word's positions as sorted doc << 32 | position keys: the positions, in every field,
        of each of its records (_record_offsets) that holds the document in the clause's fields
        (TextIndex.record_keys, kept; of more documents than the phrase's candidates, which are left out
        later)."""
        text, fields = self.index.text, self._text_fields(word.fields)
        use_stem = not (word.verbatim or self.opts.verbatim)
        lists = [keys for words, skip_fields, _ in text.record_specs(word.text, use_stem, self._nostem())
                 if len(keys := text.record_keys(words, skip_fields, fields))]
        if not lists:
            return np.zeros(0, dtype=np.int64)
        return lists[0] if len(lists) == 1 else distinct(np.concatenate(lists))

    def _geoshape(self, node: GeoShape) -> np.ndarray:
        """The ascending ids of the documents whose shape satisfies the clause (scored 0, as RediSearch's
        geometry iterator scores them)."""
        shapes = self.index.geoshapes.get(node.field)
        if shapes is None:
            return np.zeros(0, dtype=np.int64)
        return shapes.query(node.predicate, node.wkt)

    def missing(self, name: bytes) -> Scores:
        spec = self.index.definition.field(name)
        if spec is None:
            return {}
        docs = self.index.docs
        if spec.type is FieldType.VECTOR:
            vector_fields = docs.vector_fields
            return {d: 0.0 for d in docs if name not in vector_fields(d)}
        sort_value = self.index.sort_value
        return {d: 0.0 for d in docs if sort_value(d, name) is None}

    # -- vectors ----------------------------------------------------------------------------------------
    def vector_range(self, node: VectorRange) -> Scores:
        spec = self.index.definition.field(node.field)
        assert spec is not None and spec.vector is not None
        query = vector_value(spec, node.blob)
        if query is None:
            raise SearchError(
                f"Error parsing vector similarity query: query vector blob size ({len(node.blob)}) does not match "
                f"index's expected size ({spec.vector.blob_size}).")
        hits = self.index.vectors[node.field].range(query, node.radius, None, node.epsilon)
        if node.yield_as is not None:
            target = self.yields.setdefault(node.yield_as, {})
            for d, dist in hits:
                target[d] = dist
        return {d: FILTER_SCORE for d, _ in hits}


def _weighted(scores: Scores, weight: float) -> Scores:
    """A clause's figures times its ``$weight`` (RediSearch's aggregate results multiply their sum)."""
    if weight == 1.0:
        return scores
    return {d: s * weight for d, s in scores.items()}


def _summed(parts: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """(ids, scores) parts (ids unique in each) as one: ids ascending, a document's figures added up in
    the parts' order."""
    if not parts:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    if len(parts) == 1:
        ids, scores = parts[0]
        order = np.argsort(ids, kind="stable")
        return ids[order], scores[order]
    return grouped_sums(np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]))


def _neighbour_slops(lists: list[np.ndarray], clauses: int | None) -> tuple[np.ndarray, np.ndarray, int]:
    """RediSearch's IndexResult_MinOffsetDelta for every document at once from its clauses' position keys
    (``lists``, in the result's order): the root of the summed squared offset_deltas of neighbouring
    clauses that hold the document, or, when that sum is 0, the clauses matched less one (``clauses``:
    an intersection's children, all matched; None: those holding the document, as a union's result
    counts them), 1 with at most one. Returns (doc ids, slops, the slop of any other document)."""
    if clauses is not None:  # an intersection or a phrase: each list holds every document of the result
        default = clauses - 1 if clauses > 1 else 1
        if len(lists) < 2:
            return np.zeros(0, dtype=np.int64), np.zeros(0), default
        ids, squares = _summed([_squared(offset_deltas(a, b)) for a, b in itertools.pairwise(lists)])
        return ids, np.where(squares == 0, clauses - 1, np.floor(np.sqrt(squares))), default
    holders = [distinct(keys >> 32) for keys in lists]
    parts = []
    for i, j in itertools.combinations(range(len(lists)), 2):
        ids, squares = _squared(offset_deltas(lists[i], lists[j]))
        for between in holders[i + 1:j]:  # neighbours only: no list between them holds the document
            keep = ~np.isin(ids, between)
            ids, squares = ids[keep], squares[keep]
        parts.append((ids, squares))
    ids, squares = _summed(parts)
    matched = sum(np.isin(ids, held).astype(np.int64) for held in holders)
    return ids, np.where(squares == 0, matched - 1, np.floor(np.sqrt(squares))), 1


def _squared(found: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    return found[0], found[1].astype(np.float64) ** 2
