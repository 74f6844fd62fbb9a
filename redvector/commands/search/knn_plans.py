"""Pure KNN searches, the commonest FT.SEARCH: a lean reply recipe and compiled repeat queries.

``LeanKnn`` answers a KNN with no filter straight from the vector search's (doc id, distance) list: what
the general machinery (finish_knn, order_hits, build_rows, result_reply) gives for it, without it.

Clients send the same FT.SEARCH on every call with only the vector changing (redis-py, RedisVL and
LangChain build ``*=>[KNN k @v $vec ...]`` with ``PARAMS 2 vec <blob>``). ``CompiledKnn`` remembers
such a call once the general path has parsed it: every argument but the vector blob, the blob's position
and size, the lean recipe. A later call whose other arguments are byte-for-byte the same skips argument
parsing, query parsing and planning. Anything it does not cover (another DEFAULT_DIALECT than at compile
time, a wrong-size blob, an expired document among the hits) falls back to the general path, which
reports errors as usual. Compiled searches live on their SearchIndex: FT.ALTER clears them
(``SearchIndex.add_fields``), FT.DROPINDEX / FT.CREATE / FLUSHALL make a new index without any.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from redvector.commands.search.common import number_text, returned_value
from redvector.commands.search.json_rows import json_value
from redvector.keyspace.types.json_value import JsonValue
from redvector.replies import NO_FIELDS, SearchRow, SearchRows
from redvector.search.index import SearchIndex
from redvector.search.json_documents import whole_document
from redvector.search.query.ast import Knn, Wildcard
from redvector.search.schema import FieldSpec

if TYPE_CHECKING:
    from redvector.commands.search.queries import SearchRequest

# Compiled searches kept per index (oldest dropped first); an application sends a handful of shapes.
COMPILED_PER_INDEX = 64


_distance_then_id = operator.itemgetter(1, 0)


@dataclass(frozen=True, slots=True)
class LeanKnn:
    """How to reply to a pure KNN (see ``lean_request``) from its hits."""

    sort_by_distance: bool  # SORTBY the distance (ascending); otherwise doc-id order, as equal scores are
    offset: int
    num: int
    nocontent: bool
    score_name: bytes
    # RETURN: (alias, hash field; None for the distance, its FieldSpec), distances first as RediSearch
    # loads them; None: every hash field after the distance.
    returned: tuple[tuple[bytes, bytes | None, FieldSpec | None], ...] | None
    # ON JSON: the query's dialect (rows are read by JSONPath: commands/search/json_rows.py); 0 on HASH.
    json_dialect: int = 0

    @classmethod
    def of(cls, index: SearchIndex, req: SearchRequest, knn: Knn, dialect: int) -> LeanKnn:
        returned: tuple[tuple[bytes, bytes | None, FieldSpec | None], ...] | None = None
        if req.return_fields is not None:
            score = knn.score_as
            plan: list[tuple[bytes, bytes | None, FieldSpec | None]] = [
                (alias, None, None) for ident, alias in req.return_fields if ident.decode("utf-8", "replace") == score]
            for ident, alias in req.return_fields:
                if ident.decode("utf-8", "replace") != score:
                    spec = index.definition.field(ident)
                    plan.append((alias, spec.identifier if spec is not None else ident, spec))
            returned = tuple(plan)
        return cls(req.sortby is not None, req.offset, req.num, req.nocontent, knn.score_as.encode(), returned,
                   dialect if index.on_json else 0)

    def reply(self, index: SearchIndex, found: list[tuple[int, float]]) -> SearchRows:
        # One docs lookup per hit, and the hash itself only read when a hash field is returned: at 100k
        # documents each of these lookups is a cache (and TLB) miss, ~40% of this reply's time.
        get_key = index.docs.get
        # (doc id, distance, key) of the hits still indexed: a deferred search may race a delete.
        live = [(d, dist, key) for d, dist in found if (key := get_key(d)) is not None]
        if self.sort_by_distance:
            live.sort(key=_distance_then_id)
        else:
            live.sort()
        page = [(key, dist) for _, dist, key in live[self.offset:self.offset + self.num]] if self.num else []
        rows: list[SearchRow]
        if self.nocontent:
            rows = [(key, (), NO_FIELDS) for key, _ in page]
            return SearchRows(len(live), rows)
        returned = self.returned
        if returned is not None and len(returned) == 1 and returned[0][1] is None:  # RETURN 1 <distance>
            alias = returned[0][0]
            rows = [(key, (), [(alias, number_text(dist))]) for key, dist in page]
            return SearchRows(len(live), rows)
        if self.json_dialect:
            return SearchRows(len(live), self._json_rows(index, page))
        rows = []
        add = rows.append
        get = index.db.data.get
        name = self.score_name
        for key, dist in page:
            value = get(key)
            if type(value) is not dict:
                add((key, (), None))
            elif returned is None:
                add((key, (), [(name, number_text(dist)), *value.items()]))
            else:
                fields: list[tuple[bytes, bytes]] = []
                for alias, hash_field, spec in returned:
                    if hash_field is None:
                        fields.append((alias, number_text(dist)))
                    elif (v := value.get(hash_field)) is not None:
                        fields.append((alias, returned_value(spec, v)))
                add((key, (), fields))
        return SearchRows(len(live), rows)

    def _json_rows(self, index: SearchIndex, page: list[tuple[bytes, float]]) -> list[SearchRow]:
        """The rows of JSON documents: the distance and ``$`` without RETURN, else each returned
        attribute or JSONPath as json_rows reads it."""
        rows: list[SearchRow] = []
        get = index.db.data.get
        for key, dist in page:
            value = get(key)
            if not isinstance(value, JsonValue):
                rows.append((key, (), None))
            elif self.returned is None:
                rows.append((key, (), [(self.score_name, number_text(dist)), (b"$", whole_document(value.root, self.json_dialect))]))
            else:
                fields: list[tuple[bytes, bytes | None]] = []
                for alias, ident, spec in self.returned:
                    if ident is None:
                        fields.append((alias, number_text(dist)))
                    elif (v := json_value(index, spec.name if spec is not None else ident, value.root,
                                          self.json_dialect)) is not None:
                        fields.append((alias, v if isinstance(v, bytes) else None))
                rows.append((key, (), fields))
        return rows


def lean_request(req: SearchRequest, knn: Knn) -> bool:
    """Whether LeanKnn can answer: a pure KNN (no filter, no INKEYS) ordered by its distance ascending or
    unsorted, with plain rows (no WITHSCORES / WITHPAYLOADS / WITHSORTKEYS)."""
    if not isinstance(knn.filter, Wildcard) or req.inkeys is not None:
        return False
    if req.withscores or req.withpayloads or req.withsortkeys or req.highlight is not None:
        return False
    return req.sortby is None or (req.sortby[1] and req.sortby[0].decode("utf-8", "replace") == knn.score_as)


@dataclass(frozen=True, slots=True)
class CompiledKnn:
    """One FT.SEARCH argument list with its vector blob as a slot."""

    head: list[bytes]  # argv[3:blob_at]
    tail: list[bytes]  # argv[blob_at + 1:]
    blob_at: int
    blob_size: int
    # The DEFAULT_DIALECT the query was parsed under (None: it named its DIALECT).
    default_dialect: str | None
    dialect: int
    spec: FieldSpec
    k: int
    ef_runtime: int | None  # as the query gave it
    lean: LeanKnn


def compile_knn(index: SearchIndex, argv: list[bytes], req: SearchRequest, knn: Knn, lean: LeanKnn,
                default_dialect: str, dialect: int) -> None:
    """Remember a pure KNN FT.SEARCH the general path has just answered (see the module doc)."""
    blob_at = next((i for i in range(3, len(argv)) if argv[i] is knn.blob), None)
    spec = index.definition.field(knn.field)
    if blob_at is None or spec is None or spec.vector is None or spec.csv_vectors:
        return
    compiled = CompiledKnn(argv[3:blob_at], argv[blob_at + 1:], blob_at, len(knn.blob),
                           default_dialect if req.dialect is None else None, dialect, spec, knn.k,
                           knn.ef_runtime, lean)
    plans: dict[Any, CompiledKnn] = index.search_plans
    key = (argv[2], len(argv))
    plans.pop(key, None)
    if len(plans) >= COMPILED_PER_INDEX:
        plans.pop(next(iter(plans)))
    plans[key] = compiled


def find_compiled(index: SearchIndex, argv: list[bytes], default_dialect: str) -> CompiledKnn | None:
    """The compiled search this FT.SEARCH repeats (all arguments but the vector the same), or None."""
    compiled: CompiledKnn | None = index.search_plans.get((argv[2], len(argv)))
    if compiled is None:
        return None
    at = compiled.blob_at
    if len(argv[at]) != compiled.blob_size or argv[3:at] != compiled.head or argv[at + 1:] != compiled.tail:
        return None
    if compiled.default_dialect is not None and compiled.default_dialect != default_dialect:
        return None
    return compiled
