"""FT.AGGREGATE (LOAD, APPLY, FILTER, GROUPBY/REDUCE, SORTBY [MAX], LIMIT, ADDSCORES, WITHCURSOR, KNN
queries) and FT.CURSOR READ/DEL: a pipeline of steps over rows (dicts) in the order given.

The steps run a list at a time; where one fails, the pipeline runs again a row at a time, as RediSearch's
result processors do (aggregate_stream.py), for the error that wins and the rows that went out first."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from operator import methodcaller
from typing import Any, cast

import numpy as np

from redvector.commands.context import CommandContext
from redvector.commands.search.aggregate_stream import (
    DOC,
    POS,
    SV,
    emit_rows,
    page_reply,
    stream,
)
from redvector.commands.search.aggregate_terms import MatchedTerms
from redvector.commands.search.aggregate_values import REFERENCE, sort_rows
from redvector.commands.search.common import get_index, group, registry
from redvector.commands.search.json_rows import json_value
from redvector.commands.search.queries import (
    MAX_SEARCH_RESULTS,
    build_query,
    parse_dialect,
    parse_limit,
    parse_params,
    query_dialect,
    query_options,
)
from redvector.commands.search.reducers import (
    REDUCERS,
    Reducer,
    build_reducer,
    group_rows,
    reducer_alias,
    strip_at,
)
from redvector.commands.search.tracing import SearchTrace
from redvector.commands.spec import Flag, KeySpec
from redvector.errors import SearchError
from redvector.keyspace.types.json_value import JsonValue
from redvector.replies import OK
from redvector.search.index import SearchIndex
from redvector.search.json_documents import whole_document
from redvector.search.query.ast import Knn, Node, VectorRange, walk
from redvector.search.query.executor import SCORERS, Executor
from redvector.search.query.expr import (
    NULL,
    TERMS,
    Expr,
    is_reference,
    parse_expr,
    to_num,
    truthy,
    vectorised,
)
from redvector.search.schema import FieldType

Row = dict[str, Any]
_COLUMN_READ_MIN = 64  # rows from which a NUMERIC attribute is read from its column at once
_DOC = DOC  # hidden: the row's doc id (for implicit loads)
_NUMBER_TYPES = frozenset((float, int))
_FLOAT_ONLY = {float}
_DICT_ONLY = {dict}


@dataclass(slots=True)
class Step:
    kind: str
    run: Callable[[list[Row]], list[Row]]
    # What FT.PROFILE shows of it: the properties it reads (LOAD: the ones it loads, None for LOAD *;
    # GROUPBY: keys and reducer arguments; SORTBY: its keys), an APPLY's or FILTER's expression, a LIMIT's
    # offset.
    reads: tuple[str, ...] | None = ()
    expr: Expr | None = None
    offset: int = 0
    # What the top-k plan (_top_docs) reads of the step: a LOAD's (property, row name) pairs (None: LOAD
    # *), an APPLY's row name.
    pairs: list[tuple[str, str]] | None = None
    alias: str | None = None


class _Loader:
    def __init__(self, index: SearchIndex) -> None:
        self.index = index
        self.json_dialect = 2  # ON JSON: the query's dialect (3 loads every match of a path as an array)
        # RediSearch's lookup keys in the order it makes them (its rows' fields come out in that order):
        # those the pipeline names, then those LOAD * meets in the documents
        self.keys: dict[str, None] = {}
        # (name, loading) -> (sort-value slot attribute or None, the hash field / JSON path, NUMERIC)
        self._resolved: dict[tuple[str, bool], tuple[bytes | None, bytes, bool]] = {}
        self._readers: dict[tuple[str, bool], Callable[[int | None], tuple[Any, bool]]] = {}
        self._vectors: dict[str, Any] = {}  # an expression's text -> vectorised(expr) (None: row by row)
        # the names a row's value may have been read from the sorting vector under (SORTABLE attributes)
        self._sortable = frozenset(f.name_str for f in index.definition.fields if f.sortable)

    def _resolve(self, name: str, loading: bool) -> tuple[bytes | None, bytes, bool]:
        """Where ``name`` is read from: the sorting vector's attribute (sortable fields, numbers normalised,
        text case-folded unless UNF; an explicit LOAD of text reads the hash), the field in the document,
        and whether it is NUMERIC (RediSearch loads it as a number)."""
        key = (name, loading)
        found = self._resolved.get(key)
        if found is None:
            spec = self.index.definition.field(name.encode())
            normalised = (FieldType.NUMERIC,) if loading else (FieldType.NUMERIC, FieldType.TAG, FieldType.TEXT)
            sortable = spec.name if spec is not None and spec.sortable and spec.type in normalised else None
            ident = spec.identifier if spec is not None else name.encode()
            found = self._resolved[key] = (sortable, ident, spec is not None and spec.type is FieldType.NUMERIC)
        return found

    def get(self, row: Row, name: str, loading: bool = False) -> Any:
        """The row's value of ``name``, loaded from its document when the row lacks it: NULL for a property
        that is there with no value, None for one that is not there."""
        if name in row:
            return row[name]
        return self._document_value(row, name, loading)[0]

    def _read_many(self, rows: list[Row], name: str, loading: bool) -> tuple[list[Any], list[bool]]:
        """_document_value of ``name`` for each row's document, as (values, whether each is the sorting
        vector's)."""
        try:
            doc_ids = [r[_DOC] for r in rows]
        except KeyError:
            doc_ids = [r.get(_DOC) for r in rows]
        return self.read_ids(doc_ids, name, loading)

    def read_ids(self, doc_ids: list[Any], name: str, loading: bool) -> tuple[list[Any], list[bool]]:
        """_read_many by doc id: a sortable NUMERIC attribute of a hash index straight from its column (a
        document without a value there read as usual), a plain hash field mapped over the column,
        anything else through the attribute's reader."""
        read = self._reader(name, loading)
        sortable, ident, numeric = self._resolve(name, loading)
        if sortable is None and len(doc_ids) >= _COLUMN_READ_MIN and not self.index.on_json and name != "__key":
            values = self._hash_fields(doc_ids, ident, numeric)
            if values is not None:
                return values, [False] * len(values)
        nums = self.index.numeric.get(sortable) if sortable is not None and numeric and not self.index.on_json \
            and name != "__key" else None
        if nums is None or len(doc_ids) < _COLUMN_READ_MIN or None in doc_ids:
            pairs = [read(d) for d in doc_ids]
            return [v for v, _ in pairs], [from_sv for _, from_sv in pairs]
        column = nums.sort_column(np.array(doc_ids, dtype=np.int64))
        values = column.tolist()
        from_sv = [True] * len(values)
        for at in np.flatnonzero(np.isnan(column)).tolist():  # no value in the column: read as usual
            values[at], from_sv[at] = read(doc_ids[at])
        return values, from_sv

    def _hash_fields(self, doc_ids: list[Any], ident: bytes, numeric: bool) -> list[Any] | None:
        """The hash field ``ident`` of each document (what _reader's read gives for an attribute without
        a sorting vector slot), the lookups mapped in C over the whole column; None when some document
        is gone or not a hash (read one at a time then)."""
        if None in doc_ids:
            return None
        keys = self.index.docs.keys_of(doc_ids)
        if None in keys:
            return None
        hashes = list(map(self.index.db.data.get, cast("list[bytes]", keys)))  # (no None left)
        if set(map(type, hashes)) != _DICT_ONLY:
            return None
        values = list(map(methodcaller("get", ident), hashes))
        if numeric:  # RediSearch loads a NUMERIC attribute as a number
            return [raw if raw is None or (number := to_num(raw)) is None else number for raw in values]
        return values

    def column(self, rows: list[Row], name: str) -> list[Any]:
        """``get(row, name)`` of every row, the documents read a column at a time."""
        missing = [r for r in rows if name not in r]
        if not missing:
            return [r[name] for r in rows]
        values = self._read_many(missing, name, False)[0]
        if len(missing) == len(rows):
            return values
        read = iter(values)
        return [r[name] if name in r else next(read) for r in rows]

    def fill_column(self, rows: list[Row], name: str) -> None:
        """``fill(row, name)`` for every row without ``name``."""
        missing = [r for r in rows if name not in r]
        if missing:
            values, from_sv = self._read_many(missing, name, False)
            for r, v, sortable in zip(missing, values, from_sv, strict=True):
                if v is not None:
                    r[name] = v
                    if sortable:
                        sv = r.get(SV)
                        if sv is None:
                            r[SV] = {name}
                        else:
                            sv.add(name)

    def load_rows(self, rows: list[Row], pairs: list[tuple[str, str]] | None,
                  applied: frozenset[str] = frozenset()) -> None:
        """LOAD: each (property, row name) pair, a column at a time; None: every field (LOAD *), over
        everything but what the APPLYs before it (``applied``) wrote."""
        if pairs is None:
            for r in rows:
                self._load_all(r, applied)
            return
        for name, alias in pairs:
            # a value an expression or SORTBY read from the sorting vector (a SORTABLE attribute's) is
            # replaced by what LOAD reads
            sortable = alias in self._sortable
            loading = [r for r in rows if alias not in r or (sortable and alias == name and alias in r.get(SV, ()))]
            for r, v in zip(loading, self._read_many(loading, name, True)[0], strict=True):
                if v is not None:
                    r[alias] = v
                    if sortable and (sv := r.get(SV)):
                        sv.discard(alias)

    def evaluate_rows(self, rows: list[Row], expr: Expr, nameless: set[str]) -> list[Any]:
        """An APPLY / FILTER expression over every row, the properties it reads loaded into the rows first
        (RediSearch emits the properties its expressions loaded); with numpy where it is arithmetic over
        numbers alone (expr.vectorised)."""
        for p in expr.ordered:
            self.fill_column(rows, p)
        if rows and expr.ordered:
            vector = self._vectors.get(expr.text, False)
            if vector is False:
                vector = self._vectors[expr.text] = vectorised(expr)
            if vector is not None:
                columns = {}
                for p in expr.ordered:
                    values = [r.get(p) for r in rows]
                    if not set(map(type, values)) <= _NUMBER_TYPES:
                        break
                    columns[p] = np.array(values, dtype=np.float64)
                else:
                    with np.errstate(all="ignore"):
                        out = np.broadcast_to(vector(columns), (len(rows),))
                    return out.tolist()
        return [_evaluate(expr, r, nameless) for r in rows]

    def _reader(self, name: str, loading: bool) -> Callable[[int | None], tuple[Any, bool]]:
        """_document_value of ``name`` as a function of the doc id, its lookups done once: the hash-index
        case inline, the others through _document_value."""
        key = (name, loading)
        found = self._readers.get(key)
        if found is not None:
            return found
        index = self.index
        if index.on_json or name == "__key":
            def read(doc_id: int | None) -> tuple[Any, bool]:
                return self._json_or_key_value(doc_id, name, loading)
        else:
            docs_get, data_get, sort_values = index.docs.get, index.db.data.get, index.docs.sort_values
            sortable, ident, numeric = self._resolve(name, loading)
            slot = index.sort_slot(sortable) if sortable is not None else None

            def read(doc_id: int | None) -> tuple[Any, bool]:
                doc_key = docs_get(doc_id) if doc_id is not None else None
                if doc_key is None:
                    return None, False
                h = data_get(doc_key)
                if type(h) is not dict:
                    return None, False
                if slot is not None:
                    assert doc_id is not None
                    values = sort_values(doc_id)
                    if slot < len(values) and values[slot] is not None:
                        return values[slot], True
                raw = h.get(ident)
                if raw is not None and numeric:
                    number = to_num(raw)  # RediSearch loads a NUMERIC attribute as a number
                    return (raw if number is None else number), False
                return raw, False
        self._readers[key] = read
        return read

    def _document_value(self, row: Row, name: str, loading: bool) -> tuple[Any, bool]:
        """(value, whether it is the sorting vector's) of ``name`` in the row's document."""
        return self._reader(name, loading)(row.get(_DOC))

    def _json_or_key_value(self, doc_id: int | None, name: str, loading: bool) -> tuple[Any, bool]:
        """_document_value where _reader has no inline case: ``__key``, and ON JSON (read by path)."""
        key = self.index.docs.get(doc_id) if doc_id is not None else None
        if key is None:
            return None, False
        if name == "__key":
            return key, False
        h = self.index.db.data.get(key)
        if not isinstance(h, JsonValue):
            return None, False
        sortable, ident, _ = self._resolve(name, loading)
        if sortable is not None:
            assert doc_id is not None
            value = self.index.sort_value(doc_id, sortable)
            if value is not None:
                return value, True
        spec = self.index.definition.field(name.encode())
        # (an attribute by its name: json_value gives a SORTABLE one's single value plainly under DIALECT 3)
        return json_value(self.index, spec.name if spec is not None else ident, h.root, self.json_dialect), False

    def _load_all(self, row: Row, applied: frozenset[str]) -> None:
        """LOAD * into one row: every field of the document as stored, over what was loaded or read from
        the sorting vector before (an APPLY's value stays)."""
        doc_id = row.get(_DOC)
        key = self.index.docs.get(doc_id) if doc_id is not None else None
        if key is None:
            return
        h = self.index.db.data.get(key)
        if isinstance(h, dict):
            from_sv: set[str] = row.get(SV, set())
            for k, v in h.items():
                name = k.decode("utf-8", "replace")
                self.keys.setdefault(name)
                if name not in applied:
                    row[name] = v
                    from_sv.discard(name)
        elif self.index.on_json and isinstance(h, JsonValue):
            row.setdefault("$", whole_document(h.root, self.json_dialect))


def _prop(raw: bytes) -> str:
    text = raw.decode("utf-8", "replace")
    return text[1:] if text.startswith("@") else text


class _Arrange:
    """SORTBY (keys, MAX) and LIMIT (offset, num) as one step: sorted, a SORTBY keeps ``offset + num`` rows
    (10 when neither LIMIT nor MAX says), then the page."""

    def __init__(self, loader: _Loader) -> None:
        self.loader = loader
        self.fields: list[tuple[str, bool]] = []
        self.offset = 0
        self.num: int | None = None
        self.limited = False  # a LIMIT was given
        self.filled: Row | None = None  # the row that filled a LIMIT's page (streaming stops there)
        # The properties an APPLY of a bare property last wrote where this step stands (every row passes
        # every step, so what the rows hold there is known when the pipeline is built).
        self.references: frozenset[str] = frozenset()

    @property
    def pager(self) -> bool:
        """Whether RediSearch pages with a pager of its own (a LIMIT without SORTBY, or with an offset)."""
        return self.limited and (not self.fields or self.offset > 0)

    def _sort_column(self, rows: list[Row], name: str) -> list[Any]:
        """Each row's value of a key (a reference where an APPLY of a bare property made it)."""
        column = self.loader.column(rows, name)
        if name not in self.references:
            return column
        return [REFERENCE if v is not None else v for v in column]

    def run(self, rows: list[Row]) -> list[Row]:
        if self.fields:
            num = _DEFAULT_SORT_MAX if self.num is None else self.num
            rows = sort_rows(rows, self.fields, [self._sort_column(rows, name) for name, _ in self.fields],
                             self.offset + num)
            rows = rows[self.offset:self.offset + num]
            for name, _ in self.fields:  # the sort keys become part of the rows, as RediSearch loads them
                self.loader.fill_column(rows, name)
            for r in rows:
                r.pop(TERMS, None)  # the sorter keeps no index results: matched_terms() is null after it
            return rows
        if self.num is None:
            return rows
        end = self.offset + self.num
        self.filled = rows[end - 1] if self.num and len(rows) >= end else None
        return rows[self.offset:end]


_DEFAULT_SORT_MAX = 10


def parse_pipeline(argv: list[bytes], i: int, loader: _Loader, opts: dict[str, Any]) -> list[Step]:
    steps: list[Step] = []
    n = len(argv)

    def count(at: int, what: str) -> int:
        try:
            c = int(argv[at])
        except (ValueError, IndexError):
            raise SearchError(f"Bad arguments for {what}: Could not convert argument to expected type")
        if c < 0 or at + c >= n + (0 if c else 1):
            raise SearchError(f"Bad arguments for {what}: Expected an argument, but none provided")
        return c

    schema = {f.name_str for f in loader.index.definition.fields}
    # Properties an APPLY / FILTER may read (RediSearch checks them when it builds the pipeline): SORTABLE
    # attributes (its sorting vector), what LOAD, APPLY and SORTBY brought in, a GROUPBY's output; LOAD *
    # adds the schema's attributes (a field outside the schema is only known once a document has it).
    # Names read before they are known are checked after the query is parsed (its KNN and VECTOR_RANGE
    # yields, ``__score`` with ADDSCORES): see ``check_properties``.
    known: set[str] = {f.name_str for f in loader.index.definition.fields if f.sortable}
    sortable = frozenset(known)  # the names a row's value may have come from the sorting vector under
    # What the rows hold where each step stands (every row passes every step): the properties APPLYs
    # wrote (LOAD * leaves them), and those an APPLY of a bare property last wrote (see REFERENCE).
    applied: set[str] = set()
    references: set[str] = set()
    # What RediSearch finds wrong while it builds the pipeline, in step order, once the whole command and
    # the query have parsed: (property, error) for a property a step reads that the pipeline does not
    # know (the query may yield it), (None, error) for an error of its own (a reducer's arguments, an
    # alias given twice). See check_properties.
    unknown: list[tuple[str | None, str]] = opts.setdefault("unknown", [])
    arrange: _Arrange | None = None
    arranged_at: tuple[set[str], int] = (set(), 0)
    grouped = False
    evaluated: list[tuple[Expr, set[str]]] = []  # APPLY / FILTER expressions, and their unnamed properties
    created: dict[int, list[str]] = {}  # the lookup keys each step makes, by its place (see _Loader.keys)

    def makes(at: int, names: Iterator[str] | list[str]) -> None:
        created.setdefault(at, []).extend(names)

    def loadable(name: str) -> bool:
        """Whether a GROUPBY or SORTBY can read ``name``: in the pipeline or the schema (loaded for it)."""
        return name in known or (not grouped and name in schema)

    def arrange_at(current: _Arrange) -> int:
        return next(k for k, st in enumerate(steps) if getattr(st.run, "__self__", None) is current)

    def reads(expr: Expr) -> None:
        unknown.extend((p, f"Property `{p}` not loaded nor in pipeline") for p in expr.ordered if p not in known)

    while i < n:
        tok = argv[i].decode("latin-1").upper()
        i += 1
        if tok == "LOAD":
            if grouped:
                raise SearchError("LOAD cannot be applied after projectors or reducers")
            if i < n and argv[i] == b"*":
                names = None
                i += 1
            else:
                c = count(i, "LOAD")
                names = [_prop(a) for a in argv[i + 1:i + 1 + c]]
                i += 1 + c
            # LOAD x AS y: (property, row name) pairs
            pairs: list[tuple[str, str]] | None = None
            if names is not None:
                pairs = []
                j = 0
                while j < len(names):
                    aliased = j + 2 < len(names) and names[j + 1].upper() == "AS"
                    pairs.append((names[j], names[j + 2] if aliased else names[j]))
                    j += 3 if aliased else 1
                known.update(alias for _, alias in pairs)
                for name, alias in pairs:
                    attr = loader.index.definition.field(name.encode())
                    if alias == name and attr is not None and attr.sortable and \
                            attr.type in (FieldType.TEXT, FieldType.TAG):
                        # the expressions before that read it read a key RediSearch's LOAD unnamed
                        for earlier, unnamed_props in evaluated:
                            if name in earlier.properties:
                                unnamed_props.add(name)
            else:
                known.update(schema)

            def load(rows: list[Row], pairs: list[tuple[str, str]] | None = pairs,
                     applied_before: frozenset[str] = frozenset(applied)) -> list[Row]:
                loader.load_rows(rows, pairs, applied_before)
                return rows
            makes(len(steps), [alias for _, alias in pairs or ()])
            steps.append(Step("LOAD", load, None if pairs is None else tuple(name for name, _ in pairs), pairs=pairs))
        elif tok == "APPLY":
            if i >= n:
                raise SearchError("Bad arguments for APPLY/FILTER: Expected an argument, but none provided")
            expr = _parse_at_build(argv[i].decode("utf-8", "replace"), unknown)
            i += 1
            alias = expr.text
            if i + 1 < n and argv[i].upper() == b"AS":
                alias = argv[i + 1].decode("utf-8", "replace")
                i += 2
            reads(expr)
            known.add(alias)

            unnamed: set[str] = set()
            evaluated.append((expr, unnamed))

            applied.add(alias)
            if is_reference(expr):
                references.add(alias)
            else:
                references.discard(alias)

            def apply(rows: list[Row], expr: Expr = expr, alias: str = alias, nameless: set[str] = unnamed,
                      from_sv: bool = alias in sortable) -> list[Row]:
                for r, value in zip(rows, loader.evaluate_rows(rows, expr, nameless), strict=True):
                    r[alias] = NULL if value is None else value  # a null result is replied as nil
                if from_sv:  # the value the row read from the sorting vector is replaced
                    for r in rows:
                        sv = r.get(SV)
                        if sv:
                            sv.discard(alias)
                return rows
            makes(len(steps), [*expr.ordered, alias])
            steps.append(Step("APPLY", apply, tuple(expr.properties), expr, alias=alias))
        elif tok == "FILTER":
            if i >= n:
                raise SearchError("Bad arguments for APPLY/FILTER: Expected an argument, but none provided")
            fexpr = _parse_at_build(argv[i].decode("utf-8", "replace"), unknown)
            i += 1
            reads(fexpr)

            unnamed = set()
            evaluated.append((fexpr, unnamed))

            def filt(rows: list[Row], expr: Expr = fexpr, nameless: set[str] = unnamed) -> list[Row]:
                return [r for r, v in zip(rows, loader.evaluate_rows(rows, expr, nameless), strict=True) if truthy(v)]
            makes(len(steps), list(fexpr.ordered))
            steps.append(Step("FILTER", filt, tuple(fexpr.properties), fexpr))
        elif tok == "GROUPBY":
            c = count(i, "GROUPBY")
            for a in argv[i + 1:i + 1 + c]:
                if not a.startswith(b"@"):
                    name = a.decode("utf-8", "replace")
                    raise SearchError(f"Bad arguments for GROUPBY: Unknown property `{name}`. Did you mean `@{name}`?")
            keys = [_prop(a) for a in argv[i + 1:i + 1 + c]]
            unknown.extend((key, f"No such property `{key}`") for key in keys if not loadable(key))
            i += 1 + c
            reducers: list[tuple[str, Reducer, list[str]]] = []
            while i < n and argv[i].upper() == b"REDUCE":
                if i + 2 >= n + 1:
                    raise SearchError("Bad arguments for REDUCE: Expected an argument, but none provided")
                func = argv[i + 1].decode("latin-1").upper()
                c = count(i + 2, "REDUCE")
                raw_args = [a.decode("utf-8", "replace") for a in argv[i + 3:i + 3 + c]]
                i += 3 + c
                alias = reducer_alias(func.lower(), raw_args)
                if i + 1 < n and argv[i].upper() == b"AS":
                    alias = argv[i + 1].decode("utf-8", "replace")
                    i += 2
                reducers.append((alias, *_reducer(func, raw_args, loadable, unknown)))
                if alias in keys or any(alias == other for other, _, _ in reducers[:-1]):
                    unknown.append((None, f"Property `{alias}` specified more than once"))
            known = set(keys) | {alias for alias, _, _ in reducers}
            grouped = True
            applied, references = set(), set()  # the GROUPBY's rows are new
            arrange = None  # a SORTBY or LIMIT after a GROUPBY is a step of its own
            def groupby(rows: list[Row], keys: list[str] = keys,
                        reducers: list[tuple[str, Reducer, list[str]]] = reducers) -> list[Row]:
                return group_rows(rows, keys, reducers, loader.column)
            steps.append(Step("GROUPBY", groupby,
                              (*keys, *(p for _, _, props in reducers for p in props))))
        elif tok in ("SORTBY", "LIMIT"):
            # RediSearch arranges once between GROUPBYs: a SORTBY and the LIMITs (the last one counts) make
            # one step, where the first of them stands.
            if arrange is None:
                arrange = _Arrange(loader)
                arrange.references = frozenset(references)
                opts.setdefault("arranges", []).append(arrange)
                steps.append(Step("LIMIT", arrange.run))
                # what the pipeline knows there, and where its errors go among the others
                arranged_at = (set(known), len(unknown))
            step = steps[arrange_at(arrange)]
            if tok == "LIMIT":
                arrange.offset, arrange.num = _parse_limit(argv, i, opts.get("max_results"))
                arrange.limited = True
                i += 2
                if arrange.num == 0:
                    opts["norows"] = True  # a LIMIT of 0 rows counts the results and replies none
                step.offset = arrange.offset
                continue
            if arrange.fields:
                raise SearchError("Multiple SORTBY steps are not allowed. Sort multiple fields in a single step")
            c = count(i, "SORTBY")
            spec = argv[i + 1:i + 1 + c]
            i += 1 + c
            # RediSearch's parseSortby: an @property opens a key, ASC / DESC sets the last key's direction
            # (before any key it is ignored), anything else is refused
            fields: list[tuple[str, bool]] = []
            for token in spec:
                text = token.decode("utf-8", "replace")
                if text.startswith("@"):
                    fields.append((text[1:], True))
                elif text.upper() in ("ASC", "DESC"):
                    if fields:
                        fields[-1] = (fields[-1][0], text.upper() == "ASC")
                else:
                    raise SearchError(f"MISSING ASC or DESC after sort field ({text})")
            # the SORTBY's keys are looked up where its step stands: known there, or not at all for the
            # steps that came between (which then read them from it)
            known_then, at = arranged_at
            sorted_by = {name for name, _ in fields}
            unknown[at:] = [(name, f"Property `{name}` not loaded nor in schema") for name, _ in fields
                            if name not in known_then and (grouped or name not in schema)] + \
                [(p, error) for p, error in unknown[at:] if p not in sorted_by]
            known.update(sorted_by)
            if i + 1 < n and argv[i].upper() == b"MAX":
                try:
                    max_n = int(argv[i + 1])
                except ValueError:
                    max_n = -1
                if max_n < 0:
                    raise SearchError("Bad arguments for MAX: Could not convert argument to expected type")
                arrange.num = max_n or None
                i += 2
            arrange.fields = fields
            makes(arrange_at(arrange), [name for name, _ in fields])
            step.kind, step.reads = "SORTBY", tuple(name for name, _ in fields)
        elif tok == "WITHCURSOR":
            opts["cursor"] = True
            while i + 1 < n and argv[i].upper() in (b"COUNT", b"MAXIDLE"):
                try:
                    opts[argv[i].decode().upper()] = int(argv[i + 1])
                except ValueError:
                    raise SearchError(f"Bad arguments for {argv[i].decode().upper()}: Could not convert argument to expected type")
                i += 2
        elif tok == "PARAMS":
            i = parse_params(argv, i, opts["params"])
        elif tok == "DIALECT":
            opts["dialect"] = parse_dialect(argv, i)
            i += 1
        elif tok in ("SCORER", "ADDSCORES", "VERBATIM") and any(st.kind not in ("SORTBY", "LIMIT") for st in steps):
            raise SearchError(f"Unknown argument `{argv[i - 1].decode('utf-8', 'replace')}` at position {i - 3} for <main>")
        elif tok == "SCORER":
            if i >= n or argv[i].decode("latin-1").upper() not in SCORERS:
                raise SearchError(f"No such scorer {argv[i].decode('utf-8', 'replace') if i < n else ''}")
            opts["scorer"] = argv[i].decode("latin-1").upper()
            i += 1
        elif tok == "ADDSCORES":
            opts["addscores"] = True
        elif tok == "VERBATIM":
            opts["verbatim"] = True
        elif tok == "TIMEOUT":
            i += 1
        elif tok in ("INKEYS", "INFIELDS"):
            i += 1 + count(i, tok)
        else:
            raise SearchError(f"Unknown argument `{argv[i - 1].decode('utf-8', 'replace')}` at position {i - 3} for <main>")
    for at in sorted(created):
        for name in created[at]:
            loader.keys.setdefault(name)
    return steps


def _parse_limit(argv: list[bytes], i: int, most: int | None) -> tuple[int, int]:
    """LIMIT offset num as FT.SEARCH's (parse_limit, any offset with 0 rows), its num bounded by
    MAXAGGREGATERESULTS (``most``; None: unlimited, RediSearch's default) rather than MAXSEARCHRESULTS."""
    try:
        num = int(argv[i + 1])
    except (ValueError, IndexError):
        num = 0
    if num > MAX_SEARCH_RESULTS:
        offset, _ = parse_limit([argv[i], b"0"], 0, empty_page_anywhere=True)
    else:
        offset, num = parse_limit(argv, i, empty_page_anywhere=True)
    if most is not None and num > most:
        raise SearchError(f"LIMIT exceeds maximum of {most}")
    return offset, num


def _parse_at_build(text: str, unknown: list[tuple[str | None, str]]) -> Expr:
    """An APPLY / FILTER expression; RediSearch parses it as it builds the pipeline, so its syntax error
    is replied in step order, after the query's (a placeholder stands in)."""
    try:
        return parse_expr(text, arity_when_called=True)
    except SearchError as exc:
        unknown.append((None, str(exc)))
        return Expr(lambda row: None, frozenset(), text)


_NO_VALUE = ": has no value, consider using EXISTS if applicable"


def _evaluate(expr: Expr, row: Row, nameless: set[str]) -> Any:
    """An APPLY / FILTER expression over a row; a property a later LOAD took over is missing as "(null)",
    as RediSearch names it."""
    try:
        return expr.evaluate(row)
    except SearchError as exc:
        name = str(exc).removesuffix(_NO_VALUE)
        if name in nameless and str(exc).endswith(_NO_VALUE):
            raise SearchError("(null)" + _NO_VALUE) from None
        raise


def _reducer(func: str, args: list[str], loadable: Callable[[str], bool],
             unknown: list[tuple[str | None, str]]) -> tuple[Reducer, list[str]]:
    """A REDUCE's function and the properties it reads; what RediSearch finds wrong with it when it builds
    the pipeline goes to ``unknown`` in its order: an unknown reducer, then the property, then its other
    arguments."""
    try:
        fn, props = build_reducer(func, args)
    except SearchError as exc:
        if func in REDUCERS and args and not loadable(strip_at(args[0])):
            unknown.append((strip_at(args[0]), f"Property `{strip_at(args[0])}` not present in document or pipeline"))
        unknown.append((None, str(exc)))
        return (lambda cols: None), []
    unknown.extend((p, f"Property `{p}` not present in document or pipeline") for p in props if not loadable(p))
    return fn, props


def check_properties(unknown: list[tuple[str | None, str]], node: Node, addscores: bool) -> None:
    """RediSearch's pipeline build, after the query parsed: an APPLY / FILTER property that is not loaded
    (nor SORTABLE, nor yielded by the query, nor ``__score`` with ADDSCORES) is an error, whether or not
    any row has it, as are a reducer's bad arguments; the first in step order is the one replied."""
    if not unknown:
        return
    available = set(_yields(node))
    if addscores:
        available.add("__score")
    for name, error in unknown:
        if name is None or name not in available:
            raise SearchError(error)


def _yields(node: Node) -> Iterator[str]:
    """The names a query yields values under: KNN distances and VECTOR_RANGE's $YIELD_DISTANCE_AS."""
    for n in walk(node):
        if isinstance(n, Knn):
            yield n.score_as
        elif isinstance(n, VectorRange) and n.yield_as:
            yield n.yield_as


@group.command("FT.AGGREGATE", -2, Flag.READONLY | Flag.MODULE, KeySpec(0, 0, 0), summary="Run an aggregation")
def ft_aggregate(ctx: CommandContext, argv: list[bytes]) -> Any:
    if len(argv) < 3:
        raise SearchError("No query string provided")
    return run_aggregate(ctx, argv)


def run_aggregate(ctx: CommandContext, argv: list[bytes], trace: SearchTrace | None = None) -> Any:
    """FT.AGGREGATE ``argv`` (index, query, pipeline); ``trace``: FT.PROFILE's hooks (tracing.py)."""
    index = get_index(ctx, argv[1])
    loader = _Loader(index)
    most = registry(ctx).config.get("MAXAGGREGATERESULTS", "unlimited")
    opts: dict[str, Any] = {"params": {}, "dialect": None, "scorer": "BM25STD",  # as FT.SEARCH's
                            "max_results": int(most) if most.isdigit() else None}
    steps = parse_pipeline(argv, 3, loader, opts)
    plain = steps
    if trace is not None:
        steps = trace.pipeline(steps, opts, loader)
    node, _ = build_query(ctx, index, argv[2], opts["params"], opts["dialect"], bool(opts.get("verbatim")))
    loader.json_dialect = max(query_dialect(ctx, opts["dialect"]), 2)
    check_properties(opts["unknown"], node, bool(opts.get("addscores")))
    index.number_of_uses += 1
    query_opts = query_options(ctx, index, bool(opts.get("verbatim")), None, None, opts["scorer"])
    executor = Executor(index, query_opts) if trace is None else trace.executor(index, query_opts)
    hits = executor.run(node)
    order = hits.knn_order if hits.knn_order is not None else sorted(hits.scores)

    terms = None
    if any(st.expr is not None and "matched_terms" in st.expr.text.lower() for st in plain):
        terms = MatchedTerms(index, Executor(index, query_opts), node, bool(opts.get("verbatim")))
    plain_rows = terms is None and not hits.yields and not opts.get("addscores")
    chosen = _top_docs(plain, order, loader) if plain_rows and trace is None and len(order) >= _TOP_K_MIN else None

    def matched_rows(docs: list[int] = order) -> list[Row]:
        if plain_rows:
            return [{_DOC: doc_id} for doc_id in docs]
        rows: list[Row] = []
        for doc_id in docs:
            row: Row = {_DOC: doc_id}
            if terms is not None:
                row[TERMS] = terms.of(doc_id)
            for name, values in hits.yields.items():
                if doc_id in values:
                    row[name] = values[doc_id]
            if opts.get("addscores"):
                row["__score"] = hits.scores.get(doc_id, 0.0)
            rows.append(row)
        return rows

    matched = matched_rows(chosen if chosen is not None else order)

    # total_results: the documents RediSearch had read when it wrote the reply's header. A GROUPBY reads
    # every document and gives the groups; a SORTBY (without a GROUPBY) reads every document the query
    # matched (FILTER, LIMIT and MAX notwithstanding); a pipeline with neither streams, and the header
    # goes out with the first row through it: the documents read up to that one (all when none passes,
    # or up to the one that filled a LIMIT's page).
    blocking = any(step.kind in ("SORTBY", "GROUPBY") for step in steps)
    warning: str | None = None
    try:
        rows, total = _run_steps(steps, matched)
        if chosen is not None and not any(step.kind == "GROUPBY" for step in steps):
            total = len(order)  # a SORTBY reads every document the query matched
        filled = next((a.filled for a in opts.get("arranges", ()) if a.filled), None)
        read = next((n for n, r in enumerate(matched, 1) if r is filled), len(order))
    except SearchError:
        # RediSearch runs a row at a time: the first row to fail decides the error, and one failing after
        # rows went out (past the last GROUPBY or SORTBY) ends the reply there, the error as its warning.
        matched = matched_rows(order)  # afresh (all of them): the failed run changed the rows it went over
        rows, total, error, read = stream(plain, matched, _arrange_of)
        if error is not None:
            if not rows:
                raise error
            warning = str(error)
    if not blocking:
        if rows:
            first = rows[0]
            total = next(n for n, r in enumerate(matched, 1) if r is first)
        else:
            total = read
        for n, r in enumerate(matched, 1):
            r[POS] = n
    if opts.get("norows"):
        rows = []
        total = total if blocking else len(matched)
    if opts.get("cursor"):
        count = opts.get("COUNT") or 1000
        max_idle = opts.get("MAXIDLE") or int(registry(ctx).config.get("CURSOR_MAX_IDLE", "300000"))
        final = next((a for a in reversed(opts.get("arranges", ())) if a.pager and a.num), None)
        return _cursor_reply(ctx, index, _in_key_order(rows, loader, plain), count, max_idle, total, warning,
                             {"cap": final.num if final is not None and _last_arrange(plain, final) else None,
                              "blocking": blocking, "matched": len(order)})
    return page_reply(total, emit_rows(_in_key_order(rows, loader, plain)), warning)


# From this many matches, a pipeline that sorts on a number works out its sort key with numpy first and
# runs its steps on the rows that can reach the page only (_top_docs).
_TOP_K_MIN = 2048


def _top_docs(steps: list[Step], order: list[int], loader: _Loader) -> list[int] | None:
    """The documents whose rows can reach the first SORTBY's page, when the steps before it are LOADs of
    numbers and arithmetic APPLYs over numbers and it sorts on one of those numbers: the sort key is
    worked out for every document with numpy (the values the rows would hold, through the same readers
    and expr.vectorised), and the rows that sort within the first offset+num (ties included) are kept.
    Every step is row-local up to the sort, so running the pipeline on those rows alone answers the same.
    None where that does not hold (another step first, text, a missing value, NaN, a reference)."""
    arrange: _Arrange | None = None
    before: list[Step] = []
    for step in steps:
        arrange = _arrange_of(step)
        if arrange is not None:
            break
        if step.kind not in ("LOAD", "APPLY"):
            return None
        before.append(step)
    if arrange is None or len(arrange.fields) != 1:
        return None
    need = arrange.offset + (_DEFAULT_SORT_MAX if arrange.num is None else arrange.num)
    name, asc = arrange.fields[0]
    if need <= 0 or 4 * need > len(order) or name in arrange.references:
        return None

    def numbers(prop: str, loading: bool) -> np.ndarray | None:
        values = loader.read_ids(order, prop, loading)[0]
        if set(map(type, values)) != _FLOAT_ONLY:
            return None
        return np.array(values, dtype=np.float64)

    columns: dict[str, np.ndarray] = {}
    for step in before:
        if step.kind == "LOAD":
            if step.pairs is None:
                return None
            for prop, alias in step.pairs:
                column = numbers(prop, True) if alias not in columns else None
                if column is None:
                    return None
                columns[alias] = column
            continue
        expr, applied_as = step.expr, step.alias
        if expr is None or applied_as is None or is_reference(expr):
            return None
        vector = vectorised(expr)
        if vector is None:
            return None
        for prop in expr.ordered:  # a property not in the rows yet is read as the rows read it
            if prop not in columns:
                column = numbers(prop, False)
                if column is None:
                    return None
                columns[prop] = column
        with np.errstate(all="ignore"):
            columns[applied_as] = np.array(
                np.broadcast_to(vector({p: columns[p] for p in expr.ordered}), (len(order),)), dtype=np.float64)
    keys = columns.get(name)
    if keys is None:
        keys = numbers(name, False)
        if keys is None:
            return None
    if np.isnan(keys).any():
        return None
    ranked = keys if asc else -keys
    kth = np.partition(ranked, need - 1)[need - 1]
    return np.asarray(order, dtype=np.int64)[ranked <= kth].tolist()


def _in_key_order(rows: list[Row], loader: _Loader, steps: list[Step]) -> list[Row]:
    """Rows' fields in the order RediSearch made its lookup keys (the order it replies them in): those
    the pipeline names in step order, then the documents' fields as LOAD * first met them; what the
    query yields (a KNN distance, ``__score``) first. A GROUPBY's rows have keys of their own, made in
    the order the rows already have."""
    if any(st.kind == "GROUPBY" for st in steps):
        return rows
    rank = {name: n for n, name in enumerate(loader.keys)}
    return [dict(sorted(r.items(), key=lambda kv: rank.get(kv[0], -1))) for r in rows]


def _arrange_of(step: Step) -> _Arrange | None:
    arrange = getattr(step.run, "__self__", None)
    return arrange if isinstance(arrange, _Arrange) else None


def _last_arrange(steps: list[Step], arrange: _Arrange) -> bool:
    """Whether ``arrange`` pages the reply (no GROUPBY after it)."""
    at = next(k for k, st in enumerate(steps) if _arrange_of(st) is arrange)
    return not any(st.kind == "GROUPBY" for st in steps[at + 1:])


# Rows a pipeline without SORTBY or GROUPBY takes at a time until its LIMIT's page is full.
_PAGE_CHUNK = 256


def _run_steps(steps: list[Step], rows: list[Row]) -> tuple[list[Row], int]:
    """The pipeline over ``rows``: its rows and the total_results a blocking step leaves (the rows read
    when there is none). Without a blocking step, the steps before a LIMIT take the rows a chunk at a time
    until the page is full, as RediSearch streams them (LOAD @f LIMIT 0 10 loads tens of documents, not
    every match)."""
    total = len(rows)
    if not any(step.kind in ("SORTBY", "GROUPBY") for step in steps):
        at = next((k for k, step in enumerate(steps) if step.kind == "LIMIT"), None)
        arrange = _arrange_of(steps[at]) if at is not None else None
        if at is not None and arrange is not None and arrange.num is not None and at > 0:
            need = arrange.offset + arrange.num
            chunk = max(need, _PAGE_CHUNK)
            out: list[Row] = []
            for start in range(0, len(rows), chunk):
                part = rows[start:start + chunk]
                for step in steps[:at]:
                    part = step.run(part)
                out.extend(part)
                if len(out) >= need:
                    break
            rows = out
            steps = steps[at:]
    for step in steps:
        rows = step.run(rows)
        if step.kind == "GROUPBY":
            total = len(rows)
    return rows, total


def _cursor_reply(ctx: CommandContext, index: SearchIndex, rows: list[Row], count: int, max_idle: int,
                  total: int, warning: str | None, state: dict[str, Any]) -> Any:
    """WITHCURSOR's first page. RediSearch reads a page of ``count`` rows (fewer where the reply's LIMIT
    pages fewer) and keeps the cursor unless it read to the end: a full page keeps it, and the read after
    it may be empty. A row that fails is met by the read that gets to it: a page that ends there carries
    the error as its warning, a read that gets nothing before it fails."""
    reg = registry(ctx)
    reg.expire_cursors(ctx.now_ms)
    cap = state["cap"]
    size = count if cap is None else min(count, cap)
    batch, rest = rows[:size], rows[size:]
    cid = 0
    if len(batch) == size and size:
        cursor = reg.new_cursor(index.name, rest, count, max_idle, ctx.now_ms)
        cursor.extra.update(state, last=batch[-1].get(POS, 0), error=warning, sent=len(batch))
        cid = cursor.id
        warning = None
    return [page_reply(total, emit_rows(batch), warning), cid]


@group.command("FT.CURSOR", -4, Flag.READONLY | Flag.MODULE, KeySpec(0, 0, 0), summary="Read or delete an aggregate cursor")
def ft_cursor(ctx: CommandContext, argv: list[bytes]) -> Any:
    reg = registry(ctx)
    sub = argv[1].decode("latin-1").upper()
    try:
        cid = int(argv[3])
    except ValueError:
        raise SearchError("Bad cursor ID")
    reg.expire_cursors(ctx.now_ms)
    cursor = reg.cursors.get(cid)
    if sub == "DEL":
        if cursor is None:
            raise SearchError("Cursor does not exist")
        del reg.cursors[cid]
        return OK
    if sub != "READ":
        raise SearchError("Unknown subcommand")
    if cursor is None or cursor.index_name != (reg.get(argv[2]) or get_index(ctx, argv[2])).name:
        raise SearchError("Cursor not found")
    count = cursor.count
    if len(argv) >= 6 and argv[4].upper() == b"COUNT":
        count = int(argv[5])
    cap = cursor.extra.get("cap")
    size = count if cap is None else min(count, cap)
    batch, cursor.rows = cursor.rows[:size], cursor.rows[size:]
    cursor.last_used_ms = ctx.now_ms
    # Each page's total_results counts afresh: nothing after a GROUPBY or SORTBY (read before the first
    # page), else the documents read since the previous page up to this page's first row.
    last = cursor.extra.get("last", 0)
    sent = cursor.extra.get("sent", 0)
    if cursor.extra.get("blocking", False) or (not batch and cap is not None and sent >= cap):
        total = 0  # read before the first page, or the LIMIT's page is full: nothing more is read
    elif batch:
        total = batch[0].get(POS, last) - last
    else:
        total = cursor.extra.get("matched", last) - last
    if batch:
        cursor.extra["last"] = batch[-1].get(POS, last)
        cursor.extra["sent"] = sent + len(batch)
    next_id = cid
    error = cursor.extra.get("error")
    if len(batch) < size or not size:
        del reg.cursors[cid]
        next_id = 0
        if error is not None and not batch:
            raise SearchError(error)
    else:
        error = None
    return [page_reply(total, emit_rows(batch), error), next_id]


__all__ = ["Row", "Step", "run_aggregate", "sort_rows"]
