"""FT.SEARCH (options, DIALECT 2 queries, KNN and range vector clauses, the product's CSV-vector short form)
and FT.EXPLAIN / FT.EXPLAINCLI."""

from __future__ import annotations

import heapq
import itertools
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from redvector.commands.context import CommandContext
from redvector.commands.search.common import (
    get_index,
    group,
    number_text,
    registry,
    result_reply,
    returned_value,
    row_fields,
)
from redvector.commands.search.json_rows import JsonText, json_row_fields
from redvector.commands.search.knn_batches import batcher_for
from redvector.commands.search.knn_plans import CompiledKnn, LeanKnn, compile_knn, find_compiled, lean_request
from redvector.commands.search.tracing import SearchTrace
from redvector.commands.spec import Flag, KeySpec
from redvector.errors import NO_SUCH_INDEX_MSG, NoSuchIndex, SearchError
from redvector.keyspace.types.json_value import JsonValue
from redvector.replies import Deferred, SimpleString
from redvector.search.documents import parse_csv_vector
from redvector.search.fields.phonetic import query_term as phonetic_term
from redvector.search.fields.tokens import stem
from redvector.search.index import SearchIndex
from redvector.search.json_documents import ArraySortKey
from redvector.search.query.ast import (
    GeoRadius,
    Intersect,
    Knn,
    Node,
    NumericRange,
    Wildcard,
    explain,
)
from redvector.search.query.executor import SCORERS, Executor, Hits, QueryOptions
from redvector.search.query.highlight import HighlightSpec, HighlightTerms, highlight, query_terms
from redvector.search.query.scores import ArrayScores, best_order
from redvector.search.query.summarize import SummarizeSpec, field_tokens, head, mark_all, summarize
from redvector.search.query.syntax import c_double
from redvector.search.schema import FieldSpec, FieldType
from redvector.search.synonyms import expansion_labels
from redvector.search.vector.base import BLOB_DTYPES, VectorIndex, decode_blob

MAX_SEARCH_RESULTS = 1_000_000
# A KNN over a FLAT index at least this large (rows x dim) runs in a worker thread; so does one over an
# HNSW graph of at least DEFER_MIN_HNSW vectors (hnswlib releases the GIL: concurrent clients use the
# other core while the loop parses and replies) when other connections are searching too, or when it is
# a filtered or wide (max(EF_RUNTIME, k) > INLINE_MAX_EF) search. A narrow unfiltered HNSW search by the
# only connection searching runs on the loop: the thread hop costs about as much as the search itself.
DEFER_MIN_FLOATS = 2_000_000
DEFER_MIN_HNSW = 5_000
INLINE_MAX_EF = 512
# Connections that ran a KNN within this window count as searching concurrently.
CONCURRENT_WINDOW_MS = 20
_CSV_QUERY_RE = re.compile(rb"^\s*[-+]?[\d.eE+-]+(\s*,\s*[-+]?[\d.eE+-]+)+\s*$")

FT_MODULE = Flag.MODULE


@dataclass(slots=True)
class SearchRequest:
    query: bytes
    nocontent: bool = False
    verbatim: bool = False
    nostopwords: bool = False
    withscores: bool = False
    withpayloads: bool = False
    withsortkeys: bool = False
    explainscore: bool = False
    numeric_filters: list[NumericRange] = field(default_factory=list)
    geo_filters: list[GeoRadius] = field(default_factory=list)
    inkeys: list[bytes] | None = None
    infields: list[bytes] | None = None
    return_fields: list[tuple[bytes, bytes]] | None = None
    sortby: tuple[bytes, bool] | None = None  # (attribute, ascending)
    offset: int = 0
    num: int = 10
    params: dict[str, bytes] = field(default_factory=dict)
    dialect: int | None = None
    scorer: str = "BM25STD"
    timeout_ms: int | None = None
    slop: int | None = None
    inorder: bool = False
    highlight: Highlighter | None = None  # HIGHLIGHT and SUMMARIZE (RediSearch's highlighter step)
    highlight_terms: HighlightTerms | None = None  # the query's words, set once the query is parsed


def _count(argv: list[bytes], i: int, what: str) -> int:
    if i >= len(argv):
        raise SearchError(f"Bad arguments for {what}: Expected an argument, but none provided")
    try:
        n = int(argv[i])
    except ValueError:
        raise SearchError(f"Bad arguments for {what}: Could not convert argument to expected type")
    if n < 0:
        raise SearchError(f"Bad arguments for {what}: Value is outside acceptable bounds")
    return n


def parse_limit(argv: list[bytes], i: int, empty_page_anywhere: bool = False) -> tuple[int, int]:
    """LIMIT offset num. FT.SEARCH wants offset 0 with num 0 (a count); FT.AGGREGATE allows any offset
    there (``empty_page_anywhere``: no rows)."""
    if i + 1 >= len(argv):
        raise SearchError("LIMIT requires two arguments")
    try:
        offset, num = int(argv[i]), int(argv[i + 1])
    except ValueError:
        raise SearchError("LIMIT needs two numeric arguments")
    if offset < 0 or num < 0:
        raise SearchError("LIMIT needs two numeric arguments")
    if num == 0 and offset != 0 and not empty_page_anywhere:
        raise SearchError("The `offset` of the LIMIT must be 0 when `num` is 0")
    if num > MAX_SEARCH_RESULTS:
        raise SearchError(f"LIMIT exceeds maximum of {MAX_SEARCH_RESULTS}")
    return offset, num


def parse_params(argv: list[bytes], i: int, params: dict[str, bytes]) -> int:
    """PARAMS nargs name value ...; returns the index after them."""
    if params:
        raise SearchError("Multiple PARAMS are not allowed. Parameters can be defined only once")
    n = _count(argv, i, "PARAMS")
    if n % 2:
        raise SearchError("Parameters must be specified in PARAM VALUE pairs")
    if i + 1 + n > len(argv):
        raise SearchError("Bad arguments for PARAMS: Expected an argument, but none provided")
    for j in range(i + 1, i + 1 + n, 2):
        params[argv[j].decode("utf-8", "replace")] = argv[j + 1]
    return i + 1 + n


def parse_dialect(argv: list[bytes], i: int) -> int:
    if i >= len(argv):
        raise SearchError("Need an argument for DIALECT")
    try:
        d = int(argv[i])
    except (ValueError, IndexError):
        d = 0
    if not 1 <= d <= 4:
        raise SearchError("DIALECT requires a non negative integer >=1 and <= 4")
    return d


def _num_bound(raw: bytes) -> tuple[float, bool]:
    text = raw.decode("latin-1")
    excl = text.startswith("(")
    text = text.lstrip("(").lower()
    if text in ("inf", "+inf"):
        return math.inf, excl
    if text == "-inf":
        return -math.inf, excl
    try:
        return float(text), excl
    except ValueError:
        raise SearchError("Bad upper range: " + raw.decode("utf-8", "replace"))


def parse_highlight(argv: list[bytes], i: int) -> tuple[HighlightSpec, int]:
    """HIGHLIGHT [FIELDS n field ...] [TAGS open close] from ``argv[i]`` on: (spec, next position)."""
    fields: tuple[bytes, ...] | None = None
    open_tag, close_tag = b"<b>", b"</b>"
    n = len(argv)
    while i < n:
        sub = argv[i].upper()
        if sub == b"FIELDS":
            try:
                cnt = int(argv[i + 1])
            except (IndexError, ValueError):
                cnt = -1
            if cnt < 0 or i + 2 + cnt > n:
                raise SearchError("Bad arguments for HIGHLIGHT")
            fields = tuple(argv[i + 2:i + 2 + cnt]) or None  # FIELDS 0: every field, as without FIELDS
            i += 2 + cnt
        elif sub == b"TAGS":
            if i + 2 >= n:
                raise SearchError("Bad arguments for HIGHLIGHT")
            open_tag, close_tag = argv[i + 1], argv[i + 2]
            i += 3
        else:
            break
    return HighlightSpec(fields, open_tag, close_tag), i


def _summarize_number(raw: bytes) -> int:
    """A SUMMARIZE count (AC_GetUnsigned): what C's strtod reads whole ("" is 0, "0x10" and "1e2" count), an
    integer from 0 to 2^32 - 1."""
    value = c_double(raw) if raw else 0.0
    if value is None or value != value or not 0 <= value <= 0xFFFFFFFF or value != int(value):
        raise SearchError("Bad arguments for SUMMARIZE")
    return int(value)


def parse_summarize(argv: list[bytes], i: int) -> tuple[SummarizeSpec, int]:
    """SUMMARIZE [FIELDS n field ...] [FRAGS n] [LEN n] [SEPARATOR s] from ``argv[i]`` on: (spec, next
    position). As in RediSearch 2.10, FIELDS comes first or not at all (a later FIELDS is an unknown argument
    of the command); the others in any order, the last one of a kind counting."""
    fields: tuple[bytes, ...] | None = None
    frags, length, separator = 3, 20, b"... "
    n = len(argv)
    if i < n and argv[i].upper() == b"FIELDS":
        if i + 1 >= n:
            raise SearchError("Bad arguments for SUMMARIZE")
        cnt = _summarize_number(argv[i + 1])
        if i + 2 + cnt > n:
            raise SearchError("Bad arguments for SUMMARIZE")
        fields = tuple(argv[i + 2:i + 2 + cnt]) or None  # FIELDS 0: every field, as without FIELDS
        i += 2 + cnt
    while i < n and (sub := argv[i].upper()) in (b"FRAGS", b"LEN", b"SEPARATOR"):
        if i + 1 >= n:
            raise SearchError("Bad arguments for SUMMARIZE")
        if sub == b"SEPARATOR":
            separator = argv[i + 1]
        elif sub == b"FRAGS":
            frags = _summarize_number(argv[i + 1])
        else:
            length = _summarize_number(argv[i + 1])
        i += 2
    return SummarizeSpec(fields, frags, length, separator), i


@dataclass(slots=True)
class FieldMarkup:
    """What the highlighter does to one field: highlight it, summarize it, or both."""

    highlight: HighlightSpec | None = None
    summarize: SummarizeSpec | None = None


@dataclass(slots=True)
class Highlighter:
    """An FT.SEARCH's HIGHLIGHT and SUMMARIZE clauses, as RediSearch's field list keeps them: ``default`` from
    the clauses without FIELDS, ``named`` for the fields the others name (in the order first named; a later
    clause replaces an earlier one's settings of its kind). A named field takes the default for the kind it
    does not set itself; with FIELDS and no RETURN, only the named fields are marked up."""

    default: FieldMarkup = field(default_factory=FieldMarkup)
    named: dict[bytes, FieldMarkup] = field(default_factory=dict)

    def add(self, spec: HighlightSpec | SummarizeSpec) -> None:
        targets = [self.named.setdefault(f, FieldMarkup()) for f in spec.fields] if spec.fields else [self.default]
        for markup in targets:
            if isinstance(spec, HighlightSpec):
                markup.highlight = spec
            else:
                markup.summarize = spec

    def markup(self, name: bytes) -> FieldMarkup | None:
        """A field's settings (normalizeSettings); None: the field is left alone."""
        own, default = self.named.get(name), self.default
        if own is None:
            return default if default.highlight or default.summarize else None
        return FieldMarkup(own.highlight or default.highlight, own.summarize or default.summarize)


def _add_markup(req: SearchRequest, spec: HighlightSpec | SummarizeSpec) -> None:
    if req.highlight is None:
        req.highlight = Highlighter()
    req.highlight.add(spec)


def _named_return_fields(req: SearchRequest) -> None:
    """RediSearch reads RETURN after the HIGHLIGHT / SUMMARIZE clauses, wherever it stands, into the same field
    list: a RETURN alias that FIELDS named already has its entry, so that returned field reads the attribute
    of the alias's name, not the one RETURN gave."""
    if req.highlight is not None and req.highlight.named and req.return_fields:
        named = req.highlight.named
        req.return_fields = [(alias if alias in named else ident, alias) for ident, alias in req.return_fields]


def parse_search_args(argv: list[bytes]) -> SearchRequest:
    req = SearchRequest(argv[2])
    i = 3
    n = len(argv)
    while i < n:
        tok = argv[i].decode("latin-1").upper()
        i += 1
        if tok == "NOCONTENT":
            req.nocontent = True
        elif tok == "VERBATIM":
            req.verbatim = True
        elif tok == "NOSTOPWORDS":
            req.nostopwords = True
        elif tok == "WITHSCORES":
            req.withscores = True
        elif tok == "WITHPAYLOADS":
            req.withpayloads = True
        elif tok == "WITHSORTKEYS":
            req.withsortkeys = True
        elif tok == "EXPLAINSCORE":
            req.explainscore = True
        elif tok == "INORDER":
            req.inorder = True
        elif tok in ("WITHCOUNT", "WITHOUTCOUNT"):
            pass
        elif tok == "FILTER":
            if i + 3 > n:
                raise SearchError("Bad arguments for FILTER: Expected an argument, but none provided")
            lo, lx = _num_bound(argv[i + 1])
            hi, hx = _num_bound(argv[i + 2])
            req.numeric_filters.append(NumericRange(argv[i], lo, hi, lx, hx))
            i += 3
        elif tok == "GEOFILTER":
            if i + 5 > n:
                raise SearchError("Bad arguments for GEOFILTER: Expected an argument, but none provided")
            try:
                lon, lat, radius = float(argv[i + 1]), float(argv[i + 2]), float(argv[i + 3])
            except ValueError:
                raise SearchError("Bad arguments for GEOFILTER: Could not convert argument to expected type")
            unit = argv[i + 4].decode("latin-1").lower()
            if unit not in ("m", "km", "mi", "ft"):
                raise SearchError("Unknown distance unit " + unit)
            req.geo_filters.append(GeoRadius(argv[i], lon, lat, radius, unit))
            i += 5
        elif tok == "INKEYS":
            cnt = _count(argv, i, "INKEYS")
            if i + 1 + cnt > n:
                raise SearchError("Bad arguments for INKEYS: Expected an argument, but none provided")
            req.inkeys = (req.inkeys or []) + argv[i + 1:i + 1 + cnt]
            i += 1 + cnt
        elif tok == "INFIELDS":
            cnt = _count(argv, i, "INFIELDS")
            if i + 1 + cnt > n:
                raise SearchError("Bad arguments for INFIELDS: Expected an argument, but none provided")
            req.infields = (req.infields or []) + argv[i + 1:i + 1 + cnt]
            i += 1 + cnt
        elif tok == "RETURN":
            # The count covers every token, ``AS alias`` included (redis-py counts them so).
            cnt = _count(argv, i, "RETURN")
            tokens = argv[i + 1:i + 1 + cnt]
            if len(tokens) < cnt:
                raise SearchError("Bad arguments for RETURN: Expected an argument, but none provided")
            i += 1 + cnt
            fields: list[tuple[bytes, bytes]] = []
            j = 0
            while j < len(tokens):
                ident = tokens[j]
                alias = ident
                if j + 1 < len(tokens) and tokens[j + 1].upper() == b"AS":
                    if j + 2 >= len(tokens):
                        raise SearchError("AS requires an argument")
                    alias = tokens[j + 2]
                    j += 2
                j += 1
                if all(alias != known for _, known in fields):  # one field per name: the first one given
                    fields.append((ident, alias))
            if cnt == 0:
                req.nocontent = True
            req.return_fields = fields
        elif tok == "HIGHLIGHT":
            spec, i = parse_highlight(argv, i)
            _add_markup(req, spec)
        elif tok == "SUMMARIZE":
            summary, i = parse_summarize(argv, i)
            _add_markup(req, summary)
        elif tok == "SLOP":
            req.slop = _count(argv, i, "SLOP")
            i += 1
        elif tok == "TIMEOUT":
            try:
                req.timeout_ms = int(argv[i])
            except (ValueError, IndexError):
                req.timeout_ms = -1
            if req.timeout_ms < 0:
                raise SearchError("TIMEOUT requires a non negative integer")
            i += 1
        elif tok in ("LANGUAGE", "EXPANDER", "PAYLOAD"):
            if i >= n:
                raise SearchError(f"Bad arguments for {tok}: Expected an argument, but none provided")
            i += 1
        elif tok == "SCORER":
            if i >= n:
                raise SearchError("Bad arguments for SCORER: Expected an argument, but none provided")
            scorer = argv[i].decode("latin-1").upper()
            if scorer not in SCORERS:
                raise SearchError(f"No such scorer {argv[i].decode('utf-8', 'replace')}")
            req.scorer = scorer
            i += 1
        elif tok == "SORTBY":
            if i >= n:
                raise SearchError("Bad SORTBY arguments")
            name = argv[i].lstrip(b"@")
            i += 1
            asc = True
            if i < n and argv[i].upper() in (b"ASC", b"DESC"):
                asc = argv[i].upper() == b"ASC"
                i += 1
            if i < n and argv[i].upper() == b"WITHCOUNT":
                i += 1
            req.sortby = (name, asc)
        elif tok == "LIMIT":
            req.offset, req.num = parse_limit(argv, i)
            i += 2
        elif tok == "PARAMS":
            i = parse_params(argv, i, req.params)
        elif tok == "DIALECT":
            req.dialect = parse_dialect(argv, i)
            i += 1
        elif tok == "FORMAT":
            i += 1
        elif tok == "LOAD":
            i += 1 + _count(argv, i, "LOAD")
        elif tok == "ADDSCORES":
            raise SearchError("ADDSCORES is not supported on FT.SEARCH")
        else:
            raise SearchError(f"Unknown argument `{argv[i - 1].decode('utf-8', 'replace')}` at position {i - 3} for <main>")
    if req.explainscore and not req.withscores:
        raise SearchError("EXPLAINSCORE must be accompanied with WITHSCORES")
    _named_return_fields(req)
    return req


# -- query construction ----------------------------------------------------------------------------------
def query_dialect(ctx: CommandContext, requested: int | None) -> int:
    """The dialect a query is read in: its DIALECT, else FT.CONFIG's DEFAULT_DIALECT."""
    return requested or int(registry(ctx).config.get("DEFAULT_DIALECT", "1"))


def build_query(ctx: CommandContext, index: SearchIndex, text: bytes, params: dict[str, bytes], dialect: int | None,
                verbatim: bool = False, nostopwords: bool = False) -> tuple[Node, bool]:
    """The AST for a query string; the second value says it came from the CSV short form."""
    short = _short_form(index, text, params)
    if short is not None:
        return short, True
    d = query_dialect(ctx, dialect)
    index.dialect_stats[d - 1] += 1
    stop: frozenset[str] | None = frozenset() if nostopwords else None
    return index.query_cache.parse(text.decode("utf-8", "replace"), index.definition, params, d, verbatim, stop), False


def _short_form(index: SearchIndex, text: bytes, params: dict[str, bytes]) -> Node | None:
    """``FT.SEARCH idx "0.1,0.2,..."``: a KNN over the index's vector field when the query is only
    comma-separated floats of the right dimension (RedVector's short syntax, see README)."""
    if b"@" in text or b"=>" in text or b"(" in text or not _CSV_QUERY_RE.match(text):
        return None
    vectors = index.definition.vector_fields()
    csv_fields = [f for f in vectors if f.csv_vectors]
    candidates = csv_fields or vectors
    if len(candidates) != 1:
        return None
    spec = candidates[0]
    assert spec.vector is not None
    vec = parse_csv_vector(text, spec.vector.dim)
    if vec is None:
        raise SearchError(f"query vector has the wrong dimension (expected {spec.vector.dim})")
    return Knn(Wildcard(), 10, spec.name, encode_vector(vec, spec.vector.dtype),
               f"__{spec.name.decode('utf-8', 'replace')}_score")


def encode_vector(vec: np.ndarray, dtype: str) -> bytes:
    """A float vector as the field's little-endian blob (BFLOAT16: the high half of each float32)."""
    if dtype == "BFLOAT16":
        return (np.asarray(vec, dtype="<f4").view("<u4") >> 16).astype("<u2").tobytes()
    return np.asarray(vec, dtype=BLOB_DTYPES[dtype]).tobytes()


def with_filters(node: Node, extra: list[Node]) -> Node:
    if not extra:
        return node
    if isinstance(node, Knn):
        return Knn(with_filters(node.filter, extra), node.k, node.field, node.blob, node.score_as,
                   node.ef_runtime, node.hybrid_policy, node.batch_size)
    if isinstance(node, Wildcard):
        return extra[0] if len(extra) == 1 else Intersect(tuple(extra))
    return Intersect((node, *extra))


def expiry_check(ctx: CommandContext, index: SearchIndex) -> Callable[[int], bool] | None:
    """Docs whose key's TTL has passed but which expiry has not removed yet are never returned."""
    expires = index.db.expires
    if not expires:
        return None
    now = ctx.now_ms
    docs = index.docs

    def expired(doc_id: int) -> bool:
        key = docs.get(doc_id)
        if key is None:
            return False
        at = expires.get(key)
        return at is not None and at <= now

    return expired


def query_options(ctx: CommandContext, index: SearchIndex, verbatim: bool, infields: list[bytes] | None,
                  inkeys: list[bytes] | None, scorer: str, slop: int | None = None,
                  inorder: bool = False) -> QueryOptions:
    return QueryOptions(
        slop=slop,
        inorder=inorder,
        verbatim=verbatim,
        infields=frozenset(infields) if infields is not None else None,
        inkeys=inkeys,
        scorer=scorer,
        default_ef_runtime=registry(ctx).default_ef_runtime,
        expired=expiry_check(ctx, index),
        min_prefix=int(registry(ctx).config.get("MINPREFIX", "2")),
        max_expansions=int(registry(ctx).config.get("MAXPREFIXEXPANSIONS", "200")),
    )


# -- ordering -----------------------------------------------------------------------------------------
def _first(docs: Iterable[int], key: Callable[[int], Any], need: int | None) -> list[int]:
    if need is None:
        return sorted(docs, key=key)
    return heapq.nsmallest(need, docs, key=key)


# From this many hits, order by score with numpy (a partition, then a sort of the candidates): ``*``
# over 100k documents with text is ~4x faster than a heap with a Python key per document.
VECTORISED_ORDER_MIN = 2048


# From this many hits, SORTBY on a schema attribute orders with numpy (_order_by_sort_values).
SORTBY_VECTORISED_MIN = 32


def _best_scores(scores: Mapping[int, float], need: int | None) -> list[int]:
    """Doc ids by score descending, then id ascending (nan after every number); the first ``need``."""
    n = len(scores)
    ids = np.fromiter(scores.keys(), dtype=np.int64, count=n)
    return best_order(ids, np.fromiter(scores.values(), dtype=np.float64, count=n), need)


def sort_value(index: SearchIndex, hits: Hits, name: bytes, doc_id: int) -> float | bytes | None:
    key = name.decode("utf-8", "replace")
    if key in hits.yields:
        return hits.yields[key].get(doc_id)
    return index.sort_value(doc_id, name)


def order_hits(index: SearchIndex, hits: Hits, sortby: tuple[bytes, bool] | None,
               by_distance: str | None = None, need: int | None = None) -> list[int]:
    """Result doc ids in reply order; with ``need``, only the first ``need`` of them (a heap instead of a
    full sort: ``*`` over a large index with LIMIT 0 10 stays cheap)."""
    if need == 0:
        return []
    if by_distance is not None:
        dist = hits.yields.get(by_distance, {})
        return _first(hits.scores, lambda d: (dist.get(d, math.inf), d), need)
    if sortby is None:
        scores = hits.scores
        if isinstance(scores, ArrayScores):  # ``*`` or one word, ranked without a dict
            return scores.best(need)
        if scores and min(scores.values()) == max(scores.values()):
            # Equal scores (filters, wildcard without text, KNN): doc-id order; timsort is linear on ids
            # that are mostly in order already.
            ordered = sorted(scores)
            return ordered if need is None else ordered[:need]
        if len(scores) >= VECTORISED_ORDER_MIN:
            return _best_scores(scores, need)
        # Best score first, then doc id; a nan (TFIDF's 0 / 0) after every number.
        return _first(scores, lambda d: (-s if (s := scores[d]) == s else math.inf, d), need)
    name, asc = sortby
    name_text = name.decode("utf-8", "replace")
    if name_text not in hits.yields and index.definition.field(name) is None:
        raise SearchError(f"Property `{name_text}` not loaded nor in schema")
    if name_text not in hits.yields and len(hits.scores) >= SORTBY_VECTORISED_MIN:
        return _order_by_sort_values(index, hits.scores, name, asc, need)
    present: list[tuple[Any, int]] = []
    missing: list[int] = []
    for d in hits.scores:
        v = sort_value(index, hits, name, d)
        if v is None:
            missing.append(d)
        else:
            present.append((v, d))
    numeric = [p for p in present if isinstance(p[0], float)]
    strings = [p for p in present if not isinstance(p[0], float)]
    numeric.sort(reverse=not asc)
    strings.sort(key=_string_order if index.on_json else None, reverse=not asc)
    missing.sort(reverse=not asc)
    return [d for _, d in numeric] + [d for _, d in strings] + missing


def _string_order(entry: tuple[Any, int]) -> tuple[bool, Any, int]:
    """A (text sort value, doc id)'s place in SORTBY ON JSON: values from arrays first (json_documents.
    ArraySortKey), then by value, then by doc id (ON HASH the pairs sort as they are)."""
    value, doc_id = entry
    return type(value) is not ArraySortKey, value, doc_id


def _order_by_sort_values(index: SearchIndex, scores: Mapping[int, float], name: bytes, asc: bool,
                          need: int | None) -> list[int]:
    """order_hits' SORTBY on a schema attribute over many hits, in the same order: numbers (by value,
    then doc id), then strings, then documents without a value (by doc id), each reversed for DESC; the
    numbers ordered with numpy (a partition first when only ``need`` are wanted). A NUMERIC attribute's
    values come from its column (NumericIndex.sort_column), the others' from each document's sort values."""
    ids = scores.ids if isinstance(scores, ArrayScores) else np.fromiter(scores.keys(), np.int64, len(scores))
    spec = index.definition.field(name)
    nums = index.numeric.get(spec.name) if spec is not None and spec.type is FieldType.NUMERIC else None
    strings: list[tuple[Any, int]] = []
    if nums is not None:
        keys = nums.sort_column(ids)
        absent = np.isnan(keys)
        missing = ids[absent].tolist()
        num_ids, keys = ids[~absent], keys[~absent]
    else:
        id_list = ids.tolist()
        values = index.sort_values_of(id_list, name)
        numbers = [(d, v) for d, v in zip(id_list, values, strict=True) if type(v) is float]
        strings = [(v, d) for d, v in zip(id_list, values, strict=True) if v is not None and type(v) is not float]
        missing = [d for d, v in zip(id_list, values, strict=True) if v is None]
        num_ids = np.array([d for d, _ in numbers], dtype=np.int64)
        keys = np.array([v for _, v in numbers], dtype=np.float64)
    if not asc:
        keys = -keys
    if need is not None and need < len(keys):
        kth = np.partition(keys, need - 1)[need - 1]
        keep = keys <= kth  # with every document tied with the need-th one, so ids settle the ties
        num_ids, keys = num_ids[keep], keys[keep]
    order = np.lexsort((num_ids if asc else -num_ids, keys))
    out = num_ids[order].tolist()
    if need is not None and len(out) >= need:
        return out[:need]
    strings.sort(key=_string_order if index.on_json else None, reverse=not asc)
    missing.sort(reverse=not asc)
    out += [d for _, d in strings] + missing
    return out if need is None else out[:need]


# -- rows -----------------------------------------------------------------------------------------------
def build_rows(ctx: CommandContext, index: SearchIndex, req: SearchRequest, hits: Hits, page: list[int]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    data = index.db.data
    sort_names = _field_names(index, req.sortby[0]) if req.sortby is not None else ()
    # field name -> its place in every row: the sort key, the fields HIGHLIGHT/SUMMARIZE name, RETURN's, then
    # the others in the order the reply first meets them (RediSearch's one lookup table for all rows)
    seen: dict[bytes, int] = {}
    for name in (*sort_names, *(req.highlight.named if req.highlight is not None else ()),
                 *(alias for _, alias in req.return_fields or ())):
        seen.setdefault(name, len(seen))
    # ON JSON: rows read the document by path, and DIALECT 3 returns every match (0: a hash index).
    json_dialect = query_dialect(ctx, req.dialect) if index.on_json else 0
    loaded_sort_field = index.unsortable_field(req.sortby[0]) if req.withsortkeys and req.sortby is not None \
        and req.return_fields is None and not req.nocontent else None
    highlighted = _json_highlight_loads(index, req, sort_names) if json_dialect and req.num else ()
    language = index.definition.language

    def stem_of(word: str) -> str:
        return stem(word, language)

    for doc_id in page:
        key = index.docs.get(doc_id)
        if key is None:
            continue
        row: dict[str, Any] = {"id": key}
        if req.withscores:
            score = hits.scores.get(doc_id, 0.0)
            row["score"] = score
            if req.explainscore:
                # A one-line explanation tree in the EXPLAINSCORE shape ([score, [text, [children]]]).
                row["score"] = [score, [f"Final {req.scorer} : score {score:.2f}".encode(), []]]
        if req.withpayloads:
            row["payload"] = index.payloads.get(doc_id)
        value = None if req.nocontent else data.get(key)
        if req.withsortkeys:
            v = sort_value(index, hits, req.sortby[0], doc_id) if req.sortby else None
            if isinstance(v, float) and loaded_sort_field is not None and isinstance(value, dict):
                # RediSearch shows the hash's own text when it loaded the whole document and the
                # attribute is not SORTABLE (the order stays numeric)
                raw = value.get(loaded_sort_field)
                v = raw if raw is not None else v
            row["sortkey"] = None if v is None else (b"#" + number_text(v) if isinstance(v, float) else b"$" + v)
        if not req.nocontent:
            fields: list[tuple[bytes, Any]] | None
            if json_dialect and isinstance(value, JsonValue):
                fields = json_row_fields(index, req.return_fields, value.root, hits, doc_id, json_dialect,
                                         sort_names, highlighted, req.highlight is not None)
            elif not json_dialect and isinstance(value, dict):
                fields = _hash_row_fields(index, req.return_fields, value, hits, doc_id)
            else:
                fields = None  # the key went away (or changed type) while the query ran
            if fields is not None:
                if req.highlight is not None:
                    terms = req.highlight_terms.for_doc(index.text.doc_words(doc_id)) \
                        if req.highlight_terms is not None else None
                    if terms is not None and terms.restricted:
                        terms = terms.resolve(index.text.doc_words_by_field(doc_id), stem_of)
                    matched: set[bytes] = set()
                    fields = _highlighted(index, req, hits, fields, value if isinstance(value, dict) else None, terms,
                                          matched)
                    if req.withsortkeys and req.sortby is not None:
                        _marked_sort_key(index, req.sortby[0], row, fields, matched)
                for name, _ in fields:
                    seen.setdefault(name, len(seen))
                fields.sort(key=lambda pair: seen[pair[0]])
            row["fields"] = fields
        rows.append(row)
    return rows


def _marked_sort_key(index: SearchIndex, attribute: bytes, row: dict[str, Any], fields: list[tuple[bytes, Any]],
                     matched: set[bytes]) -> None:
    """WITHSORTKEYS of an attribute that is not SORTABLE: RediSearch reads the key from the row's loaded
    value, which HIGHLIGHT / SUMMARIZE have rewritten by then where the query's words were found in it
    (``$... <b>cherry</b>``)."""
    spec = index.definition.field(attribute)
    if spec is None or spec.sortable or attribute not in matched:
        return
    for name, value in fields:
        if name == attribute and isinstance(value, bytes):
            row["sortkey"] = b"$" + value
            return


def _hash_row_fields(index: SearchIndex, return_fields: list[tuple[bytes, bytes]] | None, value: dict[bytes, bytes],
                     hits: Hits, doc_id: int) -> list[tuple[bytes, Any]]:
    """A hash's row: every field without RETURN; a RETURNed attribute read from its hash field."""
    definition = index.definition

    def read(ident: bytes) -> bytes | None:
        spec = definition.field(ident)
        v = value.get(spec.identifier if spec is not None else ident)
        return None if v is None else returned_value(spec, v)

    return row_fields(return_fields, hits.yields, doc_id, value.items, read)


def _json_highlight_loads(index: SearchIndex, req: SearchRequest, sort_names: tuple[bytes, ...]) -> tuple[bytes, ...]:
    """ON JSON without RETURN RediSearch loads ``$`` alone: an attribute HIGHLIGHT / SUMMARIZE FIELDS names
    comes from the sorting vector (a SORTABLE one joins the row) or is "No such property"."""
    if req.highlight is None or req.return_fields is not None or req.nocontent:
        return ()
    out = []
    for name in req.highlight.named:
        spec = index.definition.field(name)
        if spec is None or name in sort_names:
            continue
        if not spec.sortable:
            raise SearchError(f"No such property `{name.decode('utf-8', 'replace')}`")
        out.append(name)
    return tuple(out)


def _field_names(index: SearchIndex, attribute: bytes) -> tuple[bytes, ...]:
    """The names a row shows ``attribute`` under without a RETURN alias: itself and its hash field (ON JSON
    its JSONPath is another lookup key: ``RETURN 1 $.t`` keeps its own place in the row)."""
    spec = index.definition.field(attribute)
    return (attribute, spec.identifier) if spec is not None and not index.on_json else (attribute,)


def _highlighted(index: SearchIndex, req: SearchRequest, hits: Hits, fields: list[tuple[bytes, Any]],
                 doc: dict[bytes, bytes] | None, terms: HighlightTerms | None,
                 matched: set[bytes] | None = None) -> list[tuple[bytes, Any]]:
    """HIGHLIGHT and SUMMARIZE applied to a row's fields as RediSearch's highlighter does (Highlighter says
    which fields and how). A field counts as text by its name in the row: a TEXT attribute of that name (not a
    RETURN alias, nor a hash field behind an ``AS`` name), whose matches come from the document's text of
    that attribute (``doc``: a hash document). A number (a RETURNed NUMERIC attribute, a distance) stays as
    it is."""
    plan = req.highlight  # terms: the query's words for this document (HighlightTerms.for_doc)
    assert plan is not None
    definition = index.definition
    language = definition.language
    paths = {alias: ident for ident, alias in req.return_fields} if req.return_fields is not None else None
    only_named = paths is None and bool(plan.named)
    idf = _idf_of_terms(index)
    out: list[tuple[bytes, Any]] = []
    for name, value in fields:
        markup = plan.markup(name) if not only_named or name in plan.named else None
        returned = definition.field(paths.get(name, name)) if paths is not None else None  # what RETURN reads
        if (markup is None or not isinstance(value, bytes) or name.decode("utf-8", "replace") in hits.yields
                or (returned is not None and returned.type is FieldType.NUMERIC)
                or (index.on_json and (isinstance(value, JsonText) or _is_numeric(definition.field(name))))):
            # (ON JSON only strings are marked: a number, an array or ``$`` stays as it is)
            out.append((name, value))
            continue
        attribute = definition.field(name)
        source: bytes | None = None
        if attribute is not None and attribute.type is FieldType.TEXT and terms:
            source = value if doc is None else doc.get(attribute.identifier)
        field_terms = terms.in_nostem_field() if terms and attribute is not None and attribute.nostem else terms
        tokens = field_tokens(source, field_terms, index.text.stopwords, idf, language) \
            if source and field_terms else []
        hl = markup.highlight
        if markup.summarize is not None:
            tags = (hl.open_tag, hl.close_tag) if hl is not None else None
            summary = summarize(value, tokens, markup.summarize, tags)
            if summary is not None:
                value = summary
                if matched is not None and any(t.term is not None for t in tokens):
                    matched.add(name)
            elif hl is None:
                value = head(value, markup.summarize)
        elif hl is not None and tokens:
            if source == value and field_terms:
                value = highlight(value, field_terms, hl, language)
            else:
                value = mark_all(value, tokens, (hl.open_tag, hl.close_tag))
            if matched is not None:
                matched.add(name)
        out.append((name, value))
    return out  # (build_rows puts the named fields first, in the reply's one field order)


def _is_numeric(spec: FieldSpec | None) -> bool:
    return spec is not None and spec.type is FieldType.NUMERIC


def _idf_of_terms(index: SearchIndex) -> Callable[[str], float]:
    """A matched term's IDF for the fragment scores (RediSearch's query term idf, logb(1 + N / n)); a
    ``+stem`` term counts the documents of its stem's record."""
    text = index.text
    num_docs = len(index.docs)
    cache: dict[str, float] = {}

    def idf(term: str) -> float:
        if term not in cache:
            if term.startswith("+"):
                docs = text.stem_record_docs().get(term[1:], 0)
            else:
                docs = len(text.terms.get(term, ()))
            cache[term] = text.tfidf_idf(num_docs, docs)
        return cache[term]

    return idf


def _check_highlighter(index: SearchIndex, req: SearchRequest) -> None:
    """RediSearch's checks when it sets up HIGHLIGHT / SUMMARIZE for the rows (none with NOCONTENT or
    LIMIT 0 0): without RETURN, every field FIELDS names must be an attribute; with it, every returned name
    must read an attribute (not a hash field outside the schema, nor a distance)."""
    plan = req.highlight
    if plan is None or req.nocontent or not req.num:
        return
    definition = index.definition
    if req.return_fields is None:
        for name in plan.named:
            if definition.field(name) is None:
                raise SearchError(f"No such property `{name.decode('utf-8', 'replace')}`")
        return
    first = {name: i for i, name in enumerate(plan.named)}  # the field list's order: named fields first
    for ident, alias in sorted(req.return_fields, key=lambda pair: first.get(pair[1], len(first))):
        if definition.field(ident) is None:
            raise SearchError(f"Property `{alias.decode('utf-8', 'replace')}` is not in schema")


# -- the command ------------------------------------------------------------------------------------------
def _knn_node(node: Node) -> Knn | None:
    return node if isinstance(node, Knn) else None


def run_search(ctx: CommandContext, index: SearchIndex, req: SearchRequest, argv: list[bytes] | None = None,
               inline: bool = False, trace: SearchTrace | None = None) -> Any:
    """The general FT.SEARCH path. ``argv``: the command, so that a pure KNN is compiled for its repeats
    (knn_plans.py); ``inline``: never defer the vector search to a worker thread; ``trace``: FT.PROFILE's
    hooks (tracing.py)."""
    if req.highlight is not None and {"NOHL", "NOOFFSETS"} & set(index.definition.options):
        raise SearchError("Cannot use highlight/summarize because NOOFSETS was specified at index level")
    node, short = build_query(ctx, index, req.query, req.params, req.dialect, req.verbatim, req.nostopwords)
    if short:
        assert isinstance(node, Knn)
        node = Knn(node.filter, max(req.offset + req.num, 1) if req.num else 10, node.field, node.blob,
                   node.score_as)
    node = with_filters(node, [*req.numeric_filters, *req.geo_filters])
    if req.highlight is not None:
        _check_highlighter(index, req)
        text_fields = {f.name: not f.nostem for f in index.definition.fields if f.type is FieldType.TEXT}
        req.highlight_terms = query_terms(node, index.definition.language, req.verbatim,
                                          Executor(index, QueryOptions()).expanded_words, text_fields, req.infields)
    index.number_of_uses += 1
    opts = query_options(ctx, index, req.verbatim, req.infields, req.inkeys, req.scorer, req.slop, req.inorder)
    executor = Executor(index, opts) if trace is None else trace.executor(index, opts)
    knn = _knn_node(node)

    def finish(hits: Hits) -> Any:
        by_distance = knn.score_as if (short and knn is not None and req.sortby is None) else None
        total = len(hits.scores)
        order = order_hits(index, hits, req.sortby, by_distance, req.offset + req.num)
        if trace is not None:
            trace.ordered()
        page = order[req.offset:req.offset + req.num] if req.num else []
        return result_reply(total, build_rows(ctx, index, req, hits, page))

    if knn is None:
        uniform = executor.uniform_wildcard_score() if isinstance(node, Wildcard) else None
        if uniform is None and isinstance(node, Wildcard) and not req.num:
            uniform = 1.0  # LIMIT 0 0 (a count): no page, so no scores to compute
        if uniform is not None and req.sortby is None and req.inkeys is None and opts.expired is None:
            # ``*`` with no sort where every doc scores the same (no text in the index): the page is the
            # first doc ids (no full scan).
            page = list(itertools.islice(index.docs, req.offset, req.offset + req.num)) if req.num else []
            hits = Hits(dict.fromkeys(page, uniform))
            return result_reply(len(index.docs), build_rows(ctx, index, req, hits, page))
        return finish(executor.run(node))
    plan = executor.plan_knn(knn)
    default_dialect = registry(ctx).config.get("DEFAULT_DIALECT", "1")
    dialect = req.dialect or int(default_dialect)
    lean = LeanKnn.of(index, req, knn, dialect) if not short and lean_request(req, knn) else None
    if lean is not None and argv is not None:
        compile_knn(index, argv, req, knn, lean, default_dialect, dialect)

    def finish_found(found: list[tuple[int, float]]) -> Any:
        if lean is not None and (opts.expired is None or not any(opts.expired(d) for d, _ in found)):
            return lean.reply(index, found)
        return finish(executor.finish_knn(plan, found))

    vindex = index.vectors[knn.field]
    if not inline and _defer_knn(ctx, vindex, plan.ef_runtime, knn.k, plan.allowed is not None):
        generation = index.generation

        def work() -> Any:
            try:
                return executor.run_knn(plan)
            except Exception:  # a write raced the scan: recomputed on the loop in done()
                return None

        def done(result: Any) -> Any:
            _check_still_registered(ctx, index)
            if result is None or index.generation != generation:
                # Writes landed while the scan ran: recompute on the loop so the reply is consistent.
                fresh = Executor(index, opts)
                return finish(fresh.run(node))
            return finish_found(result)

        return Deferred(work, done)
    return finish_found(executor.run_knn(plan))


def _check_still_registered(ctx: CommandContext, index: SearchIndex) -> None:
    if registry(ctx).get(index.name) is not index:
        raise NoSuchIndex(NO_SUCH_INDEX_MSG.format(index.name.decode("utf-8", "replace")))


def run_compiled(ctx: CommandContext, index: SearchIndex, compiled: CompiledKnn, argv: list[bytes]) -> Any:
    """A repeat of a compiled pure KNN (knn_plans.py): decode the vector, search, reply."""
    spec = compiled.spec
    options = spec.vector
    assert options is not None
    query = decode_blob(argv[compiled.blob_at], options)
    assert query is not None  # the size was checked
    ef = compiled.ef_runtime
    if ef is None and options.algorithm == "HNSW":
        ef = max(options.ef_runtime, registry(ctx).default_ef_runtime or 0)
    vindex = index.vectors[spec.name]
    k = compiled.k

    def search() -> list[tuple[int, float]]:
        return vindex.knn(query, k, ef) if k else []

    def finish(found: list[tuple[int, float]]) -> Any:
        expired = expiry_check(ctx, index)
        if expired is not None and any(expired(d) for d, _ in found):
            # Expired but not yet removed: the general path searches again among the live documents.
            return run_search(ctx, index, parse_search_args(argv), inline=True)
        index.number_of_uses += 1
        index.dialect_stats[compiled.dialect - 1] += 1
        return compiled.lean.reply(index, found)

    if _defer_knn(ctx, vindex, ef, k, False):
        generation = index.generation

        def work() -> Any:
            try:
                return search()
            except Exception:  # a write raced the search: recomputed on the loop in done()
                return None

        def done(result: Any) -> Any:
            _check_still_registered(ctx, index)
            if result is None or index.generation != generation:
                result = search()
            return finish(result)

        batcher = batcher_for(index, spec.name, vindex) if k else None
        if batcher is None:
            return Deferred(work, done)
        return Deferred(work, done, lambda: batcher.submit(query, k, ef))
    return finish(search())


def _defer_knn(ctx: CommandContext, vindex: VectorIndex, ef_runtime: int | None, k: int, filtered: bool) -> bool:
    """Whether the vector search runs in a worker thread (see DEFER_MIN_FLOATS / INLINE_MAX_EF)."""
    size = len(vindex)
    if vindex.options.algorithm == "FLAT":
        return size * vindex.options.dim >= DEFER_MIN_FLOATS
    reg = registry(ctx)
    if size < DEFER_MIN_HNSW or reg.config.get("WORKERS", "0") == "0":
        return False
    concurrent = reg.concurrent_searchers(ctx.client.id, ctx.now_ms, CONCURRENT_WINDOW_MS)
    return concurrent or filtered or max(ef_runtime or 0, k) > INLINE_MAX_EF


@group.command("FT.SEARCH", -2, Flag.READONLY | FT_MODULE, KeySpec(0, 0, 0), summary="Search an index")
def ft_search(ctx: CommandContext, argv: list[bytes]) -> Any:
    if len(argv) < 3:
        raise SearchError("No query string provided")
    index = get_index(ctx, argv[1])
    if index.search_plans:
        compiled = find_compiled(index, argv, registry(ctx).config.get("DEFAULT_DIALECT", "1"))
        if compiled is not None:
            return run_compiled(ctx, index, compiled, argv)
    req = parse_search_args(argv)
    return run_search(ctx, index, req, argv)


def _explain(ctx: CommandContext, argv: list[bytes]) -> str:
    index = get_index(ctx, argv[1])
    params: dict[str, bytes] = {}
    dialect = None
    verbatim = False
    i = 3
    while i < len(argv):
        tok = argv[i].upper()
        if tok == b"PARAMS":
            i = parse_params(argv, i + 1, params)
        elif tok == b"DIALECT":
            dialect = parse_dialect(argv, i + 1)
            i += 2
        elif tok == b"VERBATIM":
            verbatim = True
            i += 1
        else:
            raise SearchError(f"Unknown argument `{argv[i].decode('utf-8', 'replace')}` at position {i - 3} for <main>")
    node, _ = build_query(ctx, index, argv[2], params, dialect, verbatim)
    language = index.definition.language
    return explain(node, stem=None if verbatim else lambda word: stem(word, language),
                   synonyms=lambda word: expansion_labels(index.synonyms, word),
                   phonetic=lambda term: phonetic_term(index.definition, term.fields, term.phonetic, term.text))


@group.command("FT.EXPLAIN", -3, Flag.READONLY | FT_MODULE, KeySpec(0, 0, 0), summary="Explain a query plan")
def ft_explain(ctx: CommandContext, argv: list[bytes]) -> Any:
    return _explain(ctx, argv).encode()


@group.command("FT.EXPLAINCLI", -3, Flag.READONLY | FT_MODULE, KeySpec(0, 0, 0), summary="Explain a query plan as lines")
def ft_explaincli(ctx: CommandContext, argv: list[bytes]) -> Any:
    return [SimpleString(line.encode()) for line in _explain(ctx, argv).splitlines()] + [SimpleString(b"")]


def ensure_text_field(index: SearchIndex, name: bytes) -> None:
    spec = index.definition.field(name)
    if spec is None or spec.type is not FieldType.TEXT:
        raise SearchError("Unknown field")
