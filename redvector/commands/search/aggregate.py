"""FT.AGGREGATE (LOAD, APPLY, FILTER, GROUPBY/REDUCE, SORTBY [MAX], LIMIT, ADDSCORES, WITHCURSOR, KNN
queries) and FT.CURSOR READ/DEL: a pipeline of steps over rows (dicts) in the order given."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from redvector.commands.context import CommandContext
from redvector.commands.search.common import get_index, group, registry, result_reply, value_bytes
from redvector.commands.search.json_rows import json_value
from redvector.commands.search.queries import (
    build_query,
    parse_dialect,
    parse_limit,
    parse_params,
    query_options,
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
from redvector.search.query.expr import NULL, Expr, parse_expr, to_num, to_str
from redvector.search.schema import FieldType

Row = dict[str, Any]
_DOC = "\x00doc"  # hidden: the row's doc id (for implicit loads)


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


class _Loader:
    def __init__(self, index: SearchIndex) -> None:
        self.index = index

    def value(self, row: Row, name: str, loading: bool = False) -> Any:
        if name in row:
            v = row[name]
            return None if v is NULL else v
        doc_id = row.get(_DOC)
        if doc_id is None:
            return None
        meta = self.index.docs.get(doc_id)
        if meta is None:
            return None
        if name == "__key":
            return meta.key
        h = self.index.db.data.get(meta.key)
        if self.index.on_json:
            if not isinstance(h, JsonValue):
                return None
        elif not isinstance(h, dict):
            return None
        spec = self.index.definition.field(name.encode())
        normalised = (FieldType.NUMERIC,) if loading else (FieldType.NUMERIC, FieldType.TAG, FieldType.TEXT)
        if spec is not None and spec.sortable and spec.type in normalised:
            # RediSearch reads sortable fields from its sorting vector: numbers normalised, text
            # case-folded unless UNF (an explicit LOAD of text reads the hash).
            value = self.index.sort_value(meta, spec.name)
            if value is not None:
                return value
        ident = spec.identifier if spec is not None else name.encode()
        if isinstance(h, JsonValue):
            return json_value(self.index, ident, h.root, 2)
        return h.get(ident)

    def load(self, row: Row, names: list[tuple[str, str]] | None) -> None:
        """LOAD: each (property, row name) pair; None: every field (LOAD *)."""
        doc_id = row.get(_DOC)
        meta = self.index.docs.get(doc_id) if doc_id is not None else None
        if meta is None:
            return
        h = self.index.db.data.get(meta.key)
        if names is None:
            if isinstance(h, dict):
                for k, v in h.items():
                    row.setdefault(k.decode("utf-8", "replace"), v)
            elif self.index.on_json and isinstance(h, JsonValue):
                row.setdefault("$", whole_document(h.root))
            return
        for name, alias in names:
            if alias not in row:
                v = self.value(row, name, loading=True)
                if v is not None:
                    row[alias] = v

    def expr_row(self, row: Row, expr: Expr) -> Row:
        """``row`` with the properties an APPLY or FILTER expression reads loaded into it (RediSearch
        emits the properties its expressions loaded)."""
        for p in expr.properties:
            if p not in row:
                v = self.value(row, p)
                if v is not None:
                    row[p] = v
        return row


def _prop(raw: bytes) -> str:
    text = raw.decode("utf-8", "replace")
    return text[1:] if text.startswith("@") else text


def _reducer(name: str, args: list[str]) -> Callable[[list[Any]], Any]:
    def nums(values: list[Any]) -> list[float]:
        return [n for n in (to_num(v) for v in values) if n is not None]

    if name == "COUNT":
        return lambda vals: float(len(vals))
    if name in ("COUNT_DISTINCT", "COUNT_DISTINCTISH"):
        return lambda vals: float(len({to_str(v) for v in vals if v is not None}))
    if name == "SUM":
        return lambda vals: float(sum(nums(vals)))
    if name == "AVG":
        return lambda vals: (sum(nums(vals)) / len(nums(vals))) if nums(vals) else math.nan
    if name == "MIN":
        return lambda vals: min(nums(vals)) if nums(vals) else math.inf
    if name == "MAX":
        return lambda vals: max(nums(vals)) if nums(vals) else -math.inf
    if name == "TOLIST":
        return lambda vals: list(dict.fromkeys(to_str(v) for v in vals if v is not None))
    if name == "FIRST_VALUE":
        return lambda vals: next((v for v in vals if v is not None), None)
    if name == "STDDEV":
        def stddev(vals: list[Any]) -> float:
            xs = nums(vals)
            if len(xs) < 2:
                return 0.0
            mean = sum(xs) / len(xs)
            return math.sqrt(sum((x - mean) ** 2 for x in xs) / (len(xs) - 1))
        return stddev
    raise SearchError(f"No such reducer: {name}")


def _sort_key(v: Any) -> tuple[int, Any]:
    n = to_num(v) if not isinstance(v, bytes | str) or _numeric_text(v) else None
    if n is not None:
        return (0, n)
    return (1, to_str(v) or "")


def _numeric_text(v: bytes | str) -> bool:
    try:
        float(v)
        return True
    except ValueError:
        return False


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

    # Properties an APPLY / FILTER may read (RediSearch checks them when it builds the pipeline): SORTABLE
    # attributes (its sorting vector), what LOAD, APPLY and SORTBY brought in, a GROUPBY's output; None
    # after LOAD *. Names read before they are known are checked after the query is parsed (its KNN and
    # VECTOR_RANGE yields, ``__score`` with ADDSCORES): see ``check_properties``.
    known: set[str] | None = {f.name_str for f in loader.index.definition.fields if f.sortable}
    unknown: list[str] = opts.setdefault("unknown", [])

    def reads(expr: Expr) -> None:
        if known is not None:
            text = expr.text
            unknown.extend(sorted((p for p in expr.properties if p not in known), key=lambda p: text.find(p)))

    while i < n:
        tok = argv[i].decode("latin-1").upper()
        i += 1
        if tok == "LOAD":
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
                if known is not None:
                    known.update(alias for _, alias in pairs)
            else:
                known = None

            def load(rows: list[Row], pairs: list[tuple[str, str]] | None = pairs) -> list[Row]:
                for r in rows:
                    loader.load(r, pairs)
                return rows
            steps.append(Step("LOAD", load, None if pairs is None else tuple(name for name, _ in pairs)))
        elif tok == "APPLY":
            if i >= n:
                raise SearchError("Bad arguments for APPLY/FILTER: Expected an argument, but none provided")
            expr = parse_expr(argv[i].decode("utf-8", "replace"))
            i += 1
            alias = expr.text
            if i + 1 < n and argv[i].upper() == b"AS":
                alias = argv[i + 1].decode("utf-8", "replace")
                i += 2
            reads(expr)
            if known is not None:
                known.add(alias)

            def apply(rows: list[Row], expr: Expr = expr, alias: str = alias) -> list[Row]:
                for r in rows:
                    value = expr.evaluate(loader.expr_row(r, expr))
                    r[alias] = NULL if value is None else value  # a null result is replied as nil
                return rows
            steps.append(Step("APPLY", apply, tuple(expr.properties), expr))
        elif tok == "FILTER":
            if i >= n:
                raise SearchError("Bad arguments for APPLY/FILTER: Expected an argument, but none provided")
            fexpr = parse_expr(argv[i].decode("utf-8", "replace"))
            i += 1
            reads(fexpr)

            def filt(rows: list[Row], expr: Expr = fexpr) -> list[Row]:
                out = []
                for r in rows:
                    v = expr.evaluate(loader.expr_row(r, expr))
                    if v is not None and (v != 0 if isinstance(v, float) else v != ""):
                        out.append(r)
                return out
            steps.append(Step("FILTER", filt, tuple(fexpr.properties), fexpr))
        elif tok == "GROUPBY":
            c = count(i, "GROUPBY")
            for a in argv[i + 1:i + 1 + c]:
                if not a.startswith(b"@"):
                    name = a.decode("utf-8", "replace")
                    raise SearchError(f"Bad arguments for GROUPBY: Unknown property `{name}`. Did you mean `@{name}`?")
            keys = [_prop(a) for a in argv[i + 1:i + 1 + c]]
            i += 1 + c
            reducers: list[tuple[str, Callable[[list[Any]], Any], list[str]]] = []
            while i < n and argv[i].upper() == b"REDUCE":
                if i + 2 >= n + 1:
                    raise SearchError("Bad arguments for REDUCE: Expected an argument, but none provided")
                func = argv[i + 1].decode("latin-1").upper()
                c = count(i + 2, "REDUCE")
                args = [_prop(a) for a in argv[i + 3:i + 3 + c]]
                i += 3 + c
                alias = "__generated_alias" + func.lower() + "".join(a for a in args)
                if i + 1 < n and argv[i].upper() == b"AS":
                    alias = argv[i + 1].decode("utf-8", "replace")
                    i += 2
                reducers.append((alias, _reducer(func, args), args))
            known = set(keys) | {alias for alias, _, _ in reducers}

            def groupby(rows: list[Row], keys: list[str] = keys,
                        reducers: list[tuple[str, Callable[[list[Any]], Any], list[str]]] = reducers) -> list[Row]:
                groups: dict[tuple[Any, ...], list[Row]] = {}
                for r in rows:
                    kv = tuple(_hashable(loader.value(r, k), NULL) for k in keys)
                    groups.setdefault(kv, []).append(r)
                out: list[Row] = []
                for kv, members in groups.items():
                    row: Row = dict(zip(keys, kv, strict=True))
                    for alias, fn, args in reducers:
                        values = [loader.value(m, args[0]) for m in members] if args else [None] * len(members)
                        row[alias] = fn(values)
                    out.append(row)
                return out
            steps.append(Step("GROUPBY", groupby, (*keys, *(a for _, _, args in reducers for a in args))))
        elif tok == "SORTBY":
            c = count(i, "SORTBY")
            spec = argv[i + 1:i + 1 + c]
            i += 1 + c
            fields: list[tuple[str, bool]] = []
            j = 0
            while j < len(spec):
                name = _prop(spec[j])
                asc = True
                if j + 1 < len(spec) and spec[j + 1].upper() in (b"ASC", b"DESC"):
                    asc = spec[j + 1].upper() == b"ASC"
                    j += 1
                fields.append((name, asc))
                j += 1
            if known is not None:
                known.update(name for name, _ in fields)
            max_n: int | None = None
            if i + 1 < n and argv[i].upper() == b"MAX":
                try:
                    max_n = int(argv[i + 1])
                except ValueError:
                    raise SearchError("Bad arguments for MAX: Could not convert argument to expected type")
                i += 2

            def sortby(rows: list[Row], fields: list[tuple[str, bool]] = fields, max_n: int | None = max_n) -> list[Row]:
                for name, asc in reversed(fields):
                    present = [r for r in rows if loader.value(r, name) is not None]
                    missing = [r for r in rows if loader.value(r, name) is None]
                    keyed = [(_sort_key(loader.value(r, name)), r) for r in present]
                    keyed.sort(key=lambda kr: kr[0], reverse=not asc)
                    present = [r for _, r in keyed]
                    rows = present + missing
                rows = rows[:max_n] if max_n else rows
                for r in rows:  # the sort keys become part of the rows, as RediSearch loads them
                    for name, _ in fields:
                        if name not in r and (v := loader.value(r, name)) is not None:
                            r[name] = v
                return rows
            steps.append(Step("SORTBY", sortby, tuple(name for name, _ in fields)))
        elif tok == "LIMIT":
            off, num = parse_limit(argv, i)
            i += 2

            def limit(rows: list[Row], off: int = off, num: int = num) -> list[Row]:
                return rows[off:off + num]
            steps.append(Step("LIMIT", limit, offset=off))
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
    return steps


def check_properties(unknown: list[str], node: Node, addscores: bool) -> None:
    """RediSearch's pipeline check: an APPLY / FILTER property that is not loaded (nor SORTABLE, nor
    yielded by the query, nor ``__score`` with ADDSCORES) is an error, whether or not any row has it."""
    if not unknown:
        return
    available = set(_yields(node))
    if addscores:
        available.add("__score")
    for name in unknown:
        if name not in available:
            raise SearchError(f"Property `{name}` not loaded nor in pipeline")


def _yields(node: Node) -> Iterator[str]:
    """The names a query yields values under: KNN distances and VECTOR_RANGE's $YIELD_DISTANCE_AS."""
    for n in walk(node):
        if isinstance(n, Knn):
            yield n.score_as
        elif isinstance(n, VectorRange) and n.yield_as:
            yield n.yield_as


def _hashable(v: Any, missing: Any = None) -> Any:
    if v is None:
        return missing
    if isinstance(v, list):
        return tuple(v)
    return v


def _emit(rows: list[Row]) -> list[dict[str, Any]]:
    out = []
    for r in rows:
        fields: list[tuple[bytes, Any]] = []
        for k, v in r.items():
            if k == _DOC or v is None:
                continue
            if v is NULL:
                fields.append((k.encode(), None))
                continue
            if isinstance(v, list | tuple):
                fields.append((k.encode(), [value_bytes(x) for x in v]))
            else:
                fields.append((k.encode(), value_bytes(v)))
        out.append({"fields": fields})
    return out


@group.command("FT.AGGREGATE", -2, Flag.READONLY | Flag.MODULE, KeySpec(0, 0, 0), summary="Run an aggregation")
def ft_aggregate(ctx: CommandContext, argv: list[bytes]) -> Any:
    if len(argv) < 3:
        raise SearchError("No query string provided")
    return run_aggregate(ctx, argv)


def run_aggregate(ctx: CommandContext, argv: list[bytes], trace: SearchTrace | None = None) -> Any:
    """FT.AGGREGATE ``argv`` (index, query, pipeline); ``trace``: FT.PROFILE's hooks (tracing.py)."""
    index = get_index(ctx, argv[1])
    loader = _Loader(index)
    opts: dict[str, Any] = {"params": {}, "dialect": None, "scorer": "BM25STD"}
    steps = parse_pipeline(argv, 3, loader, opts)
    if trace is not None:
        steps = trace.pipeline(steps, opts, loader)
    node, _ = build_query(ctx, index, argv[2], opts["params"], opts["dialect"], bool(opts.get("verbatim")))
    check_properties(opts["unknown"], node, bool(opts.get("addscores")))
    index.number_of_uses += 1
    query_opts = query_options(ctx, index, bool(opts.get("verbatim")), None, None, opts["scorer"])
    executor = Executor(index, query_opts) if trace is None else trace.executor(index, query_opts)
    hits = executor.run(node)
    order = hits.knn_order if hits.knn_order is not None else sorted(hits.scores)
    rows: list[Row] = []
    for doc_id in order:
        row: Row = {_DOC: doc_id}
        for name, values in hits.yields.items():
            if doc_id in values:
                row[name] = values[doc_id]
        if opts.get("addscores"):
            row["__score"] = hits.scores.get(doc_id, 0.0)
        rows.append(row)
    # total_results: RediSearch counts the rows its blocking steps read. A GROUPBY reads every document
    # and gives the groups; a SORTBY (without a GROUPBY) reads every document the query matched (FILTER,
    # LIMIT and MAX notwithstanding); a pipeline with neither stops reading at the page, and the rows
    # returned are given (Redis Stack's own figure there depends on its reply chunking).
    total: int | None = len(rows) if any(step.kind == "SORTBY" for step in steps) else None
    for step in steps:
        rows = step.run(rows)
        if step.kind == "GROUPBY":
            total = len(rows)
    if opts.get("cursor"):
        count = opts.get("COUNT") or 1000
        max_idle = opts.get("MAXIDLE") or int(registry(ctx).config.get("CURSOR_MAX_IDLE", "300000"))
        return _cursor_reply(ctx, index, rows, count, max_idle)
    return result_reply(len(rows) if total is None else total, _emit(rows), include_id=False)


def _cursor_reply(ctx: CommandContext, index: SearchIndex, rows: list[Row], count: int, max_idle: int) -> Any:
    reg = registry(ctx)
    reg.expire_cursors(ctx.now_ms)
    batch, rest = rows[:count], rows[count:]
    cid = 0
    if rest:
        cursor = reg.new_cursor(index.name, rest, count, max_idle, ctx.now_ms)
        cid = cursor.id
    page = result_reply(len(rows), _emit(batch), include_id=False)
    return [page, cid]


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
    batch, cursor.rows = cursor.rows[:count], cursor.rows[count:]
    cursor.last_used_ms = ctx.now_ms
    next_id = cid
    if not cursor.rows:
        del reg.cursors[cid]
        next_id = 0
    page = result_reply(len(batch), _emit(batch), include_id=False)
    return [page, next_id]
