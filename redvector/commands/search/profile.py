"""FT.PROFILE <index> SEARCH|AGGREGATE [LIMITED] QUERY <query> [FT.SEARCH / FT.AGGREGATE arguments]: runs
the query through FT.SEARCH's and FT.AGGREGATE's own code (run_search, run_aggregate, with the hooks of
tracing.py) and replies ``[<their reply>, <profile>]`` (RESP2) or their reply's map with a ``profile`` entry
(RESP3), shaped as RediSearch 2.10 prints it.

The profile describes RedVector's executor in RediSearch's terms:

- Iterators profile: the query's clauses as RediSearch's iterators (TEXT, TAG, NUMERIC, GEO, UNION,
  INTERSECT, NOT, OPTIONAL, WILDCARD, EMPTY, VECTOR, METRIC - VECTOR DISTANCE, ID-LIST for INKEYS). Our
  executor evaluates a clause as a whole set, so a clause's Counter is the number of documents it matched
  (RediSearch counts its iterator's reads, which differ inside intersections and unions), 0 for a clause it
  never evaluated (an intersection stops at its first empty clause); a NOT or OPTIONAL inside an
  intersection counts the candidates it was checked against. A KNN's filter is evaluated anew (not taken
  from the filter cache). ``*`` answered from the first doc ids (queries.run_search, an index without text)
  reads only the page: its WILDCARD counts the page's rows. Time is the clause's own evaluation, its
  children included. A word's records (the word, ``+stem``, the stem,
  ``~group``) and the words a prefix, suffix, infix, fuzzy or wildcard term expands to, and the values of a
  tag clause, are the leaves; their Counter and Time are measured by reading them while profiling. Size is
  the number of documents in the record (TEXT, TAG), or the entries of the field (NUMERIC, GEO: our numeric
  and geo indexes are one range, whose bounds are the Term).
- Result processors profile: the stages of FT.SEARCH (Index, Metrics Applier, Scorer, Sorter,
  Pager/Limiter, Loader, Highlighter, Counter) or the aggregation's steps (Loader, Projector, Filter,
  Grouper, Sorter, Pager/Limiter), each with the rows it passed on. Matching and scoring are one pass here:
  the Index has their time and the Scorer and Metrics Applier none of their own; the Loader's time covers
  the highlighting, and Pager/Limiter has none of its own. As RediSearch does, the profile loads the
  document fields an aggregation's GROUPBY or SORTBY reads (not SORTABLE, not loaded yet) in a Loader step
  before it, and shows no Loader for a LOAD of SORTABLE numbers (its time goes to the step before).
- Times are milliseconds measured here; Parsing time is the query's parsing, Pipeline creation time the
  arguments' (FT.SEARCH's options, FT.AGGREGATE's steps).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from redvector.commands.context import CommandContext
from redvector.commands.search.aggregate import Row, Step, run_aggregate
from redvector.commands.search.common import get_index, group
from redvector.commands.search.queries import SearchRequest, parse_search_args, run_search
from redvector.commands.search.tracing import SearchTrace
from redvector.commands.spec import Flag, KeySpec
from redvector.errors import SearchError
from redvector.replies import NO_FIELDS, ByProtocol, Map, SearchRows, SimpleString, resolve_sync
from redvector.search.fields.tokens import stem
from redvector.search.index import SearchIndex
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
    walk,
)
from redvector.search.query.executor import Executor, Hits, KnnPlan, QueryOptions, Scores
from redvector.search.schema import FieldType

S = SimpleString
_SEARCH, _AGGREGATE = b"SEARCH", b"AGGREGATE"


# -- the iterator tree ----------------------------------------------------------------------------------
@dataclass(slots=True)
class _It:
    """One iterator of the profile: its entries in RediSearch's order. A value is a str (a simple
    string), an int (a counter), a float (milliseconds), an _It (``Child iterator``) or a list of them
    (``Child iterators``, written inline in RESP2 as RediSearch does)."""

    entries: list[tuple[str, Any]]


def _leaf(kind: str, ms: float, counter: int, term: str | None = None, size: int | None = None) -> _It:
    entries: list[tuple[str, Any]] = [("Type", kind)]
    if term is not None:
        entries.append(("Term", term))
    entries += [("Time", ms), ("Counter", counter)]
    if size is not None:
        entries.append(("Size", size))
    return _It(entries)


def _text_reply(text: str) -> bytes:
    """A text of the profile as a simple string, or as a bulk string where it holds a line break (a tag
    value, a query's words, an expression's literal come from the user)."""
    data = text.encode("utf-8", "replace")
    return data if b"\r" in data or b"\n" in data else S(data)


def _resp3(value: Any) -> Any:
    if isinstance(value, _It):
        return Map([(S(k.encode()), _resp3(v)) for k, v in value.entries])
    if isinstance(value, list):
        return [_resp3(v) for v in value]
    if isinstance(value, str):
        return _text_reply(value)
    return value


def _resp2(it: _It) -> list[Any]:
    out: list[Any] = []
    for key, value in it.entries:
        out.append(S(key.encode()))
        if isinstance(value, list):
            out.extend(_resp2(child) for child in value)
        elif isinstance(value, _It):
            out.append(_resp2(value))
        else:
            out.append(_resp3(value))
    return out


@dataclass(slots=True)
class _Record:
    node: Node  # kept so that its id() stays its own
    seconds: float = 0.0
    result: Scores | None = None


class _ProfilingExecutor(Executor):
    """The executor FT.PROFILE runs the query on: it records each clause's result and time, the query's
    root, how many documents matched and the time spent in the executor."""

    def __init__(self, index: SearchIndex, opts: QueryOptions) -> None:
        super().__init__(index, opts)
        self.records: dict[int, _Record] = {}
        self.root: Node | None = None
        self.matched: int | None = None
        self.allowed: int | None = None  # a KNN's filtered candidates (INKEYS)
        self.busy = 0.0
        self.done_at: float | None = None
        self._depth = 0

    def _timed(self, node: Node, call: Callable[[], Any]) -> tuple[Any, float]:
        if self.root is None:
            self.root = node
        self._depth += 1
        start = time.perf_counter()
        try:
            return call(), time.perf_counter() - start
        finally:
            self._depth -= 1
            if not self._depth:
                now = time.perf_counter()
                self.busy += now - start
                self.done_at = now

    def _record(self, node: Node) -> _Record:
        rec = self.records.get(id(node))
        if rec is None:
            rec = self.records[id(node)] = _Record(node)
        return rec

    def array_scores(self, node: Node) -> None:
        return None  # every clause through eval(), which records it

    def run(self, node: Node) -> Hits:
        hits, _ = self._timed(node, lambda: super(_ProfilingExecutor, self).run(node))
        self.matched = len(hits.scores)
        return hits

    def eval(self, node: Node) -> Scores:
        result, seconds = self._timed(node, lambda: super(_ProfilingExecutor, self).eval(node))
        rec = self._record(node)
        rec.seconds += seconds
        rec.result = result
        return result

    def plan_knn(self, node: Knn) -> KnnPlan:
        # A profile shows the filter's work: a cached evaluation of it is dropped (and cached again).
        self.index.filter_cache.pop((node.filter, self.opts.verbatim, self.opts.scorer), None)
        plan, seconds = self._timed(node, lambda: super(_ProfilingExecutor, self).plan_knn(node))
        self._record(node).seconds += seconds
        if plan.allowed is not None:
            self.allowed = len(plan.allowed)
        return plan

    def run_knn(self, plan: KnnPlan) -> list[tuple[int, float]]:
        found, seconds = self._timed(plan.node, lambda: super(_ProfilingExecutor, self).run_knn(plan))
        rec = self._record(plan.node)
        rec.seconds += seconds
        rec.result = dict.fromkeys((d for d, _ in found), 0.0)
        self.matched = len(found)
        return found

    def finish_knn(self, plan: KnnPlan, hits: list[tuple[int, float]]) -> Hits:
        out, seconds = self._timed(plan.node, lambda: super(_ProfilingExecutor, self).finish_knn(plan, hits))
        rec = self._record(plan.node)
        rec.seconds += seconds
        rec.result = out.scores
        self.matched = len(out.scores)
        return out


class _Iterators:
    """The iterator tree of a query the _ProfilingExecutor ran."""

    def __init__(self, index: SearchIndex, executor: _ProfilingExecutor, limited: bool) -> None:
        self.index = index
        self.ex = executor
        self.limited = limited
        self.passed: dict[int, int] = {}  # NOT / OPTIONAL inside an intersection: candidates checked

    def _ms(self, node: Node) -> float:
        rec = self.ex.records.get(id(node))
        return _ms(rec.seconds) if rec is not None else 0.0

    def _count(self, node: Node) -> int:
        if id(node) in self.passed:
            return self.passed[id(node)]
        rec = self.ex.records.get(id(node))
        return len(rec.result) if rec is not None and rec.result is not None else 0

    def tree(self, node: Node) -> _It:
        it = self._tree(node)
        if id(node) not in self.ex.records and id(node) not in self.passed:
            return _unread(it)  # never evaluated (after an empty clause of an intersection)
        return it

    def _tree(self, node: Node) -> _It:
        match node:
            case Wildcard():
                return _leaf("WILDCARD", self._ms(node), self._count(node))
            case Empty():
                return _leaf("EMPTY", self._ms(node), 0)
            case Term():
                return self._term(node)
            case Phrase():
                fields = self._fields(node.fields)
                use_stem = not (node.verbatim or self.ex.opts.verbatim)
                children = [self._records(*self._word_records(t, fields, use_stem), 0.0, None) for _, t in node.terms]
                return self._intersect(node, children)
            case Tag():
                return self._tag(node)
            case NumericRange(field=name):
                nums = self.index.numeric.get(name)
                bounds = nums.bounds() if nums is not None else None
                if bounds is None:
                    return _leaf("EMPTY", self._ms(node), 0)
                lo, hi, entries = bounds
                return _leaf("NUMERIC", self._ms(node), self._count(node), f"{_g(lo)} - {_g(hi)}", entries)
            case GeoRadius(field=name):
                geo = self.index.geo.get(name)
                points = [p for held in geo.points.values()
                          for p in (held if isinstance(held[0], tuple) else (held,))] if geo is not None else []
                if not points:
                    return _leaf("EMPTY", self._ms(node), 0)
                lons = [p[0] for p in points]
                lats = [p[1] for p in points]
                term = f"{_g(min(lons))},{_g(min(lats))} - {_g(max(lons))},{_g(max(lats))}"
                return _leaf("GEO", self._ms(node), self._count(node), term, len(points))
            case GeoShape():
                return _leaf("ID-LIST", self._ms(node), self._count(node))
            case Missing():
                return _leaf("MISSING", self._ms(node), self._count(node))
            case VectorRange():
                return _leaf("METRIC - VECTOR DISTANCE", self._ms(node), self._count(node))
            case Union(children=children):
                return _It([("Type", "UNION"), ("Query type", "UNION"), ("Time", self._ms(node)),
                            ("Counter", self._count(node)), ("Child iterators", [self.tree(c) for c in children])])
            case Intersect(children=children):
                self._let_through(node)
                return self._intersect(node, [self.tree(c) for c in children])
            case Not(child=child):
                return self._single("NOT", node, child)
            case Optional(child=child):
                return self._single("OPTIONAL", node, child)
            case Knn(filter=flt):
                if isinstance(flt, Wildcard) and self.ex.opts.inkeys is None:
                    return _leaf("VECTOR", self._ms(node), self._count(node))
                below = self.tree(flt)
                if self.ex.opts.inkeys is not None:
                    below = self.with_ids(below, self.ex.allowed or 0)
                return _It([("Type", "VECTOR"), ("Time", self._ms(node)), ("Counter", self._count(node)),
                            ("Child iterator", below)])
        return _leaf(type(node).__name__.upper(), self._ms(node), self._count(node))

    def with_ids(self, tree: _It, counter: int) -> _It:
        """INKEYS: an intersection of the keys' ids and the query (RediSearch's ID-LIST iterator)."""
        ids = len({k for k in self.ex.opts.inkeys or () if k in self.index.key_to_id})
        time_of = next((v for k, v in tree.entries if k == "Time"), 0.0)
        return _It([("Type", "INTERSECT"), ("Time", time_of), ("Counter", counter),
                    ("Child iterators", [_leaf("ID-LIST", 0.0, ids), tree])])

    def _single(self, kind: str, node: Not | Optional, child: Node) -> _It:
        ms = self._ms(node) if id(node) in self.ex.records else self._ms(child)
        return _It([("Type", kind), ("Time", ms), ("Counter", self._count(node)), ("Child iterator", self.tree(child))])

    def _intersect(self, node: Node, children: list[_It]) -> _It:
        return _It([("Type", "INTERSECT"), ("Time", self._ms(node)), ("Counter", self._count(node)),
                    ("Child iterators", children)])

    def _let_through(self, node: Intersect) -> None:
        """The candidates each NOT / OPTIONAL of an intersection was checked against, where the executor
        applied it to the intersection's candidates (Executor.intersect: positive clauses, then negations,
        then the optional ones) rather than evaluating it alone."""
        required = sorted((c for c in node.children if not isinstance(c, Optional)), key=lambda c: isinstance(c, Not))
        running: set[int] | None = None
        for c in required:
            if isinstance(c, Not) and running is not None:
                excluded = self.ex.records.get(id(c.child))
                if excluded is None or excluded.result is None:
                    return  # not reached: the intersection was empty before it
                self.passed[id(c)] = len(running)
                running = {d for d in running if d not in excluded.result}
            else:
                rec = self.ex.records.get(id(c))
                if rec is None or rec.result is None:
                    return
                running = set(rec.result) if running is None else {d for d in running if d in rec.result}
            if not running:
                return
        for c in node.children:
            if isinstance(c, Optional) and id(c) not in self.ex.records:
                self.passed[id(c)] = self._count(node)

    def _fields(self, fields: tuple[bytes, ...] | None) -> frozenset[bytes] | None:
        restrict = self.ex.opts.infields
        if fields is None:
            return restrict
        return frozenset(fields) & restrict if restrict is not None else frozenset(fields)

    def _term(self, node: Term) -> _It:
        fields = self._fields(node.fields)
        if node.kind == "exact":
            use_stem = not (node.verbatim or self.ex.opts.verbatim)
            leaves, matched = self._word_records(node.text, fields, use_stem,
                                                 self.ex.phonetic_term(node))
            return self._records(leaves, matched, self._ms(node), self._count(node) if id(node) in self.ex.records else None)
        words = self.ex.expanded_words(node)
        leaves = [leaf for word in words for leaf in self._word_records(word, fields, False)[0][:1]]
        if not leaves:
            return _leaf("EMPTY", self._ms(node), 0)
        kind = {"fuzzy": "FUZZY", "wildcard": "WILDCARD"}.get(node.kind, "PREFIX")
        return self._union(f"{kind} - {node.text}", node, leaves)

    def _word_records(self, word: str, fields: frozenset[bytes] | None, use_stem: bool,
                      phonetic: str | None = None) -> tuple[list[_It], int]:
        """The records a word reads (TextIndex.bm25std_records and the synonym groups): the word, its
        ``~group`` records, its phonetic term, ``+stem`` (the other words with its stem, none from NOSTEM
        fields) and the stem itself; each a TEXT leaf, timed as it is read here. Also: the documents they
        match together."""
        text = self.index.text
        out: list[_It] = []
        everything: set[int] = set()

        def record(label: str, words: list[str], skip: frozenset[bytes]) -> None:
            start = time.perf_counter()
            present, matched = text.docs_with(words, fields, skip)
            if len(present):
                out.append(_leaf("TEXT", _ms(time.perf_counter() - start), len(matched), label, len(present)))
                everything.update(matched.tolist())

        record(word, [word], frozenset())
        if use_stem:
            groups = self.index.synonyms
            for gid in groups.get(word.encode("utf-8", "surrogateescape"), []) if groups else []:
                members = [t.decode("utf-8", "surrogateescape") for t, ids in groups.items() if gid in ids]
                record("~" + gid.decode("utf-8", "surrogateescape"), members, frozenset())
        if phonetic is not None:
            record(phonetic, [phonetic], frozenset())
        if use_stem:
            root = stem(word, text.language)
            nostem = frozenset(f.name for f in self.index.definition.fields if f.type is FieldType.TEXT and f.nostem)
            record("+" + root, [t for t in text.stems.get(root, ()) if t != root], nostem)
            if root != word:
                record(root, [root], frozenset())
        return out, len(everything)

    @staticmethod
    def _records(leaves: list[_It], matched: int, ms: float, counter: int | None) -> _It:
        """A word as RediSearch reads it: nothing (EMPTY), one record (TEXT) or a union of its records.
        ``counter``/``ms``: the executor's figures for the word (None: it evaluated the word as part of a
        phrase, and ``matched``, the documents its records match, stands for it)."""
        if not leaves:
            return _leaf("EMPTY", ms, 0)
        if len(leaves) == 1:
            leaf = leaves[0]
            if counter is None:
                return leaf
            return _It([(k, ms if k == "Time" else counter if k == "Counter" else v) for k, v in leaf.entries])
        if counter is None:
            counter = matched
            ms = sum(v for leaf in leaves for k, v in leaf.entries if k == "Time")
        return _It([("Type", "UNION"), ("Query type", "UNION"), ("Time", ms), ("Counter", counter),
                    ("Child iterators", leaves)])

    def _union(self, query_type: str, node: Node, leaves: list[_It]) -> _It:
        """A union of what a clause expands to (RediSearch's PREFIX, FUZZY, WILDCARD, TAG unions)."""
        return self._union_of(query_type, self._ms(node), self._count(node), leaves)

    def _union_of(self, query_type: str, ms: float, counter: int, leaves: list[_It]) -> _It:
        """LIMITED shows how many children a union has rather than them."""
        children: Any = leaves
        if self.limited:
            children = _LimitedChildren(len(leaves))
        return _It([("Type", "UNION"), ("Query type", query_type), ("Time", ms), ("Counter", counter),
                    ("Child iterators", children)])

    def _tag(self, node: Tag) -> _It:
        """A tag clause as RediSearch 2.10 profiles it: a value is its TAG leaf; a pattern matching one
        tag is that leaf, one matching several a ``PREFIX - <text>`` or ``WILDCARD - <pattern>`` union of
        them (its first MAXPREFIXEXPANSIONS in byte order); several values, a TAG union of those."""
        tags = self.index.tags.get(node.field)
        children: list[_It] = []
        for v in node.values if tags is not None else ():
            assert tags is not None
            start = time.perf_counter()
            wanted = tags.fold(v.text)
            if not (v.prefix or v.suffix or v.wildcard):
                values = [wanted] if tags.count(wanted) else []
            elif v.wildcard or len(v.text) >= self.ex.opts.min_prefix:
                values = tags.expand(wanted, v.prefix, v.suffix, v.wildcard, self.ex.opts.max_expansions)
            else:
                values = []
            leaves: list[_It] = []
            for value in values:
                docs = tags.count(value)
                leaves.append(_leaf("TAG", _ms(time.perf_counter() - start), docs, value.decode("utf-8", "replace"),
                                    docs))
                start = time.perf_counter()
            if len(leaves) == 1:
                children.append(leaves[0])
            elif leaves:
                kind = "WILDCARD" if v.wildcard else "PREFIX"
                ms = sum(e for leaf in leaves for k, e in leaf.entries if k == "Time")
                children.append(self._union_of(f"{kind} - {v.text.decode('utf-8', 'replace')}", ms,
                                               len(tags.docs(values)), leaves))
        if not children:
            return _leaf("EMPTY", self._ms(node), 0)
        if len(children) == 1 and len(node.values) == 1:
            entries = children[0].entries
            return _It([(k, self._ms(node) if k == "Time" else v) for k, v in entries])
        return self._union("TAG", node, children)


class _LimitedChildren(int):
    """LIMITED's stand-in for a union's children: their number, written as RediSearch words it."""

    def text(self) -> str:
        return f"The number of iterators in the union is {int(self)}"


def _warn_full_unions(it: _It, max_expansions: int) -> _It:
    """RediSearch 2.10 warns "Max prefix expansion reached" on every union iterator (a prefix's, a tag
    clause's, a plain OR) with exactly MAXPREFIXEXPANSIONS children, whatever made them."""
    entries: list[tuple[str, Any]] = []
    for key, value in it.entries:
        if isinstance(value, _It):
            value = _warn_full_unions(value, max_expansions)
        elif isinstance(value, list):
            value = [_warn_full_unions(c, max_expansions) if isinstance(c, _It) else c for c in value]
        if key == "Child iterators" and it.entries[0] == ("Type", "UNION"):
            count = int(value) if isinstance(value, _LimitedChildren) else len(value)
            if count == max_expansions:
                entries.append(("Warning", "Max prefix expansion reached"))
        entries.append((key, value.text() if isinstance(value, _LimitedChildren) else value))
    return _It(entries)


def _unread(it: _It) -> _It:
    """An iterator that read nothing: its times and counters (its children's too) zero."""
    def value(key: str, v: Any) -> Any:
        if key == "Time":
            return 0.0
        if key == "Counter":
            return 0
        if isinstance(v, _It):
            return _unread(v)
        if isinstance(v, list):
            return [_unread(c) for c in v]
        return v

    return _It([(k, value(k, v)) for k, v in it.entries])


def _ms(seconds: float) -> float:
    return round(seconds * 1000.0, 6)


def _g(value: float) -> str:
    return "%g" % value


# -- expressions (Projector / Filter labels) ------------------------------------------------------------
_EXPR_TOKEN = re.compile(r"\s*(?:(?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)|(?P<str>\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*')"
                         r"|(?P<prop>@[A-Za-z0-9_.$\-:]+)|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
                         r"|(?P<op>==|!=|<=|>=|&&|\|\||[-+*/%^()<>!,]))")
_LEVELS = (("||",), ("&&",), ("==", "!=", "<=", ">=", "<", ">"), ("+", "-"), ("*", "/", "%"), ("^",))
_PREDICATES = frozenset(("||", "&&", "==", "!=", "<=", ">=", "<", ">"))


def expression_label(text: str) -> str:
    """What RediSearch's profile calls an APPLY / FILTER expression by its top node: ``Operator *``,
    ``Predicate >``, ``Function upper``, ``Property n``, ``Literal 5``, ``Inverted`` (the expression
    parsed already, so it is well formed)."""
    tokens: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text) and text[pos:].strip():
        m = _EXPR_TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            return "Expression"
        kind = m.lastgroup or ""
        tokens.append((kind, m.group(kind)))
        pos = m.end()
    while tokens and tokens[0] == ("op", "(") and _closing(tokens, 0) == len(tokens) - 1:
        tokens = tokens[1:-1]
    if not tokens:
        return "Expression"
    for level in _LEVELS:
        at = _top_level_binary(tokens, level)
        if at is not None:
            op = tokens[at][1]
            return ("Predicate " if op in _PREDICATES else "Operator ") + op
    kind, value = tokens[0]
    if (kind, value) == ("op", "!"):
        return "Inverted"
    if kind == "op" and value in "-+":
        return "Operator " + value
    if kind == "name" and len(tokens) > 1:
        return "Function " + value
    if kind == "prop":
        return "Property " + value[1:]
    if kind == "str":
        return "Literal " + re.sub(r"\\(.)", r"\1", value[1:-1])
    if kind == "num":
        number = float(value)
        return "Literal " + ("%d" % number if number.is_integer() and abs(number) < 1e15 else "%.12g" % number)
    return "Literal " + value


def _closing(tokens: list[tuple[str, str]], at: int) -> int:
    depth = 0
    for i in range(at, len(tokens)):
        if tokens[i] == ("op", "("):
            depth += 1
        elif tokens[i] == ("op", ")"):
            depth -= 1
            if not depth:
                return i
    return -1


def _top_level_binary(tokens: list[tuple[str, str]], ops: tuple[str, ...]) -> int | None:
    """The last operator of ``ops`` outside parentheses that has an operand before it (the root of a
    left-associative level), or None."""
    depth = 0
    found = None
    for i, (kind, value) in enumerate(tokens):
        if kind == "op" and value == "(":
            depth += 1
        elif kind == "op" and value == ")":
            depth -= 1
        elif depth == 0 and kind == "op" and value in ops and i > 0:
            before = tokens[i - 1]
            if before[0] != "op" or before[1] == ")":
                found = i
    return found


# -- result processors -------------------------------------------------------------------------------------
@dataclass(slots=True)
class _Stage:
    kind: str
    counter: int = 0
    seconds: float = 0.0
    shown: bool = True  # False: run, but shown as part of the stage before it


def _stages_resp3(stages: list[_Stage]) -> list[Map]:
    return [Map([(S(b"Type"), _text_reply(s.kind)), (S(b"Time"), _ms(s.seconds)), (S(b"Counter"), s.counter)])
            for s in stages]


def _stages_resp2(stages: list[_Stage]) -> list[list[Any]]:
    return [[S(b"Type"), _text_reply(s.kind), S(b"Time"), _ms(s.seconds), S(b"Counter"), s.counter] for s in stages]


def _merged(stages: list[_Stage]) -> list[_Stage]:
    """Hidden stages folded into the one shown before them (their time, and the rows they passed on)."""
    out: list[_Stage] = []
    for s in stages:
        if s.shown or not out:
            out.append(_Stage(s.kind, s.counter, s.seconds))
        else:
            out[-1].seconds += s.seconds
            out[-1].counter = s.counter
    return out


def _yields(node: Node | None) -> bool:
    return node is not None and any(isinstance(n, Knn) or (isinstance(n, VectorRange) and n.yield_as is not None)
                                    for n in walk(node))


# -- the profiler -------------------------------------------------------------------------------------------
@dataclass(slots=True)
class _Profiler(SearchTrace):
    limited: bool
    start: float = field(default_factory=time.perf_counter)
    arguments_done: float | None = None
    parsed: float | None = None
    ordered_at: float | None = None
    end: float = 0.0
    executor_used: _ProfilingExecutor | None = None
    steps: list[_Stage] = field(default_factory=list)
    first_step_at: float | None = None
    addscores: bool = False

    def executor(self, index: SearchIndex, opts: QueryOptions) -> Executor:
        self.parsed = time.perf_counter()
        self.executor_used = _ProfilingExecutor(index, opts)
        return self.executor_used

    def ordered(self) -> None:
        self.ordered_at = time.perf_counter()

    def pipeline(self, steps: list[Any], opts: dict[str, Any], loader: Any) -> list[Any]:
        self.addscores = bool(opts.get("addscores"))
        definition = loader.index.definition
        out: list[Step] = []
        available: set[str] | None = set()  # None: every field (LOAD *)
        grouped = False
        previous = ""
        for step in steps:
            if step.kind in ("GROUPBY", "SORTBY") and not grouped and available is not None:
                # RediSearch loads the document fields these read (not SORTABLE, not loaded) first.
                need = list(dict.fromkeys(
                    p for p in step.reads or () if p not in available
                    and (spec := definition.field(p.encode())) is not None and not spec.sortable))
                if need:
                    out.append(self._wrap(_load_step(loader, need), _Stage("Loader")))
                    available.update(need)
            stage = _Stage(_step_label(step))
            if step.kind == "LOAD":
                if step.reads is None:
                    available = None
                else:
                    if available is not None:
                        available.update(step.reads)
                    # A LOAD of SORTABLE numbers reads RediSearch's sorting vector: no Loader of its own.
                    stage.shown = not all((spec := definition.field(p.encode())) is not None and spec.sortable
                                          and spec.type is FieldType.NUMERIC for p in step.reads)
            elif step.kind == "SORTBY" and available is not None:
                available.update(step.reads or ())
            elif step.kind == "GROUPBY":
                grouped = True
            elif step.kind == "LIMIT" and previous == "SORTBY" and step.offset == 0:
                stage.shown = False  # RediSearch's sorter takes the LIMIT: one Sorter, of the rows kept
            out.append(self._wrap(step, stage))
            previous = step.kind
        self.arguments_done = time.perf_counter()
        return out

    def _wrap(self, step: Step, stage: _Stage) -> Step:
        self.steps.append(stage)
        inner = step.run

        def run(rows: list[Row]) -> list[Row]:
            start = time.perf_counter()
            if self.first_step_at is None:
                self.first_step_at = start
            out = inner(rows)
            stage.seconds += time.perf_counter() - start
            stage.counter = len(out)
            return out

        return Step(step.kind, run, step.reads, step.expr, step.offset)

    # -- the reply ---------------------------------------------------------------------------------------
    def _head(self) -> list[tuple[str, float]]:
        parsed = self.parsed if self.parsed is not None else self.end
        args = self.arguments_done if self.arguments_done is not None else self.start
        return [("Total profile time", _ms(self.end - self.start)), ("Parsing time", _ms(max(parsed - args, 0.0))),
                ("Pipeline creation time", _ms(args - self.start))]

    def reply(self, result: SearchRows, iterators: _It, stages: list[_Stage]) -> ByProtocol:
        head = self._head()
        profile3 = Map([*((S(k.encode()), v) for k, v in head), (S(b"Warning"), S(b"None")),
                        (S(b"Iterators profile"), [_resp3(iterators)]),
                        (S(b"Result processors profile"), _stages_resp3(stages))])
        profile2 = [*([S(k.encode()), v] for k, v in head), [S(b"Warning")],
                    [S(b"Iterators profile"), _resp2(iterators)],
                    [S(b"Result processors profile"), *_stages_resp2(stages)]]
        return ByProtocol([result, profile2], _resp3_result(result, profile3))

    def iterators(self, inkeys: bool, rows: int) -> tuple[_It, Node | None]:
        """The iterator tree and the query's root. Without a root, FT.SEARCH answered ``*`` by reading
        only its page (queries.run_search): a WILDCARD that read the page's rows."""
        ex = self.executor_used
        if ex is None or ex.root is None:
            return _leaf("WILDCARD", 0.0, rows), Wildcard()  # its time is the rows' (the Loader's)
        tree = _Iterators(ex.index, ex, self.limited)
        root = ex.root
        it = _warn_full_unions(tree.tree(root), ex.opts.max_expansions)
        if inkeys and not isinstance(root, Knn):
            it = tree.with_ids(it, ex.matched or 0)
        return it, root

    def search_stages(self, req: SearchRequest, result: SearchRows, root: Node | None) -> list[_Stage]:
        ex = self.executor_used
        rows = len(result.rows)
        total = ex.matched if ex is not None and ex.matched is not None else rows
        busy = ex.busy if ex is not None else 0.0
        done = ex.done_at if ex is not None and ex.done_at is not None else (self.parsed or self.start)
        stages = [_Stage("Index", total, busy)]
        if _yields(root):
            stages.append(_Stage("Metrics Applier", total))
        if not req.num:
            stages.append(_Stage("Counter", 1, self.end - done))
            return stages
        if req.sortby is None or req.withscores:
            stages.append(_Stage("Scorer", total))
        sorter = _Stage("Sorter", min(total, req.offset + req.num))
        stages.append(sorter)
        if req.offset:
            stages.append(_Stage("Pager/Limiter", rows))
        ordered = self.ordered_at if self.ordered_at is not None else done
        sorter.seconds = ordered - done
        rest = self.end - ordered
        if not req.nocontent and _loads(req, root, self.executor_used):
            stages.append(_Stage("Loader", rows, rest))
            if req.highlight is not None:
                stages.append(_Stage("Highlighter", rows))
        else:
            sorter.seconds += rest
        return stages

    def aggregate_stages(self, root: Node | None) -> list[_Stage]:
        ex = self.executor_used
        total = ex.matched if ex is not None and ex.matched is not None else 0
        busy = ex.busy if ex is not None else 0.0
        if ex is not None and ex.done_at is not None and self.first_step_at is not None:
            busy += self.first_step_at - ex.done_at  # the rows built from the matches
        stages = [_Stage("Index", total, busy)]
        if _yields(root):
            stages.append(_Stage("Metrics Applier", total))
        if self.addscores:
            stages.append(_Stage("Scorer", total))
        return _merged(stages + self.steps)


def _loads(req: SearchRequest, root: Node | None, ex: _ProfilingExecutor | None) -> bool:
    """Whether FT.SEARCH's rows read the documents (RediSearch's Loader): not when every RETURNed field is
    a yielded distance or a SORTABLE number (read from the sorting vector)."""
    if req.return_fields is None or ex is None:
        return True
    yields = {n.score_as if isinstance(n, Knn) else n.yield_as for n in walk(root) if isinstance(n, Knn)
              or (isinstance(n, VectorRange) and n.yield_as)} if root is not None else set()
    definition = ex.index.definition
    for ident, _ in req.return_fields:
        if ident.decode("utf-8", "replace") in yields:
            continue
        spec = definition.field(ident)
        if spec is None or not spec.sortable or spec.type is not FieldType.NUMERIC:
            return True
    return False


def _load_step(loader: Any, names: list[str]) -> Step:
    pairs = [(name, name) for name in names]

    def load(rows: list[Row]) -> list[Row]:
        loader.load_rows(rows, pairs)
        return rows

    return Step("LOAD", load, tuple(names))


def _step_label(step: Step) -> str:
    if step.kind in ("APPLY", "FILTER") and step.expr is not None:
        return ("Projector - " if step.kind == "APPLY" else "Filter - ") + expression_label(step.expr.text)
    return {"LOAD": "Loader", "GROUPBY": "Grouper", "SORTBY": "Sorter", "LIMIT": "Pager/Limiter"}.get(step.kind, step.kind)


def _resp3_result(result: SearchRows, profile: Map) -> Map:
    """FT.SEARCH / FT.AGGREGATE's RESP3 map (as the encoder writes SearchRows) with the ``profile`` entry
    after its ``warning``."""
    results: list[Map] = []
    for doc_id, extras, fields in result.rows:
        entries: list[tuple[Any, Any]] = []
        if doc_id is not None:
            entries.append((S(b"id"), doc_id))
        entries.extend(extras)
        if fields is None:
            entries.append((S(b"extra_attributes"), None))
        elif fields is not NO_FIELDS:
            entries.append((S(b"extra_attributes"), Map(list(fields))))  # type: ignore[arg-type]
        entries.append((S(b"values"), []))
        results.append(Map(entries))
    return Map([(S(b"attributes"), []), (S(b"total_results"), result.total), (S(b"format"), S(b"STRING")),
                (S(b"results"), results), (S(b"warning"), []), (S(b"profile"), profile)])


@group.command("FT.PROFILE", -5, Flag.READONLY | Flag.MODULE, KeySpec(0, 0, 0),
               summary="Run a search or aggregation and report how it ran")
def ft_profile(ctx: CommandContext, argv: list[bytes]) -> Any:
    kind = argv[2].upper()
    if kind not in (_SEARCH, _AGGREGATE):
        raise SearchError("No `SEARCH` or `AGGREGATE` provided")
    i = 3
    limited = argv[i].upper() == b"LIMITED"
    if limited:
        i += 1
    if i >= len(argv) or argv[i].upper() != b"QUERY":
        raise SearchError("The QUERY keyword is expected")
    if i + 1 >= len(argv):
        raise SearchError("No query string provided")
    if kind == _AGGREGATE and any(a.upper() == b"WITHCURSOR" for a in argv[i + 1:]):
        raise SearchError("FT.PROFILE does not support cursor")
    profiler = _Profiler(limited)
    if kind == _SEARCH:
        inner = [b"FT.SEARCH", argv[1], *argv[i + 1:]]
        req = parse_search_args(inner)
        index = get_index(ctx, argv[1])
        profiler.arguments_done = time.perf_counter()
        result = resolve_sync(run_search(ctx, index, req, inline=True, trace=profiler))
        profiler.end = time.perf_counter()
        if not isinstance(result, SearchRows):
            raise SearchError("FT.PROFILE: the search gave no result rows")
        iterators, root = profiler.iterators(req.inkeys is not None, len(result.rows))
        stages = profiler.search_stages(req, result, root)
    else:
        inner = [b"FT.AGGREGATE", argv[1], *argv[i + 1:]]
        result = resolve_sync(run_aggregate(ctx, inner, trace=profiler))
        profiler.end = time.perf_counter()
        if not isinstance(result, SearchRows):
            raise SearchError("FT.PROFILE: the aggregation gave no result rows")
        iterators, root = profiler.iterators(False, len(result.rows))
        stages = profiler.aggregate_stages(root)
    return profiler.reply(result, iterators, stages)
