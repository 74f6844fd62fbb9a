"""FT.AGGREGATE a row at a time, as RediSearch's result processors pull rows, for the pipelines whose
list-at-a-time run failed: which error wins (the first row to fail, at the first step it fails), where a
LIMIT stops reading, and which rows went out before a failure. Also the reply pages: rows on the wire
and the RESP3 ``warning`` a failure after some rows leaves."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

from redvector.commands.search.common import result_reply, value_bytes
from redvector.errors import SearchError
from redvector.replies import ByProtocol, Map, SimpleString
from redvector.search.query.expr import NULL

Row = dict[str, Any]
DOC = "\x00doc"  # hidden: the row's doc id (for implicit loads)
POS = "\x00pos"  # hidden: the row's place among the documents the query matched (cursor pages' totals)
SV = "\x00sv"  # hidden: the properties whose row value was read from the sorting vector
_HIDDEN = "\x00"


class _Pager(Protocol):
    offset: int
    num: int | None


def stream(steps: Sequence[Any], docs: list[Row],
           pager_of: Callable[[Any], _Pager | None]) -> tuple[list[Row], int, SearchError | None, int]:
    """The pipeline over ``docs`` a row at a time up to each GROUPBY or SORTBY (which take every row
    before them): (the rows out, total_results as the blocking steps leave it, the error that stopped the
    last stretch after its rows went out, the documents read before the first stretch stopped). An error
    before a GROUPBY or SORTBY fails the whole query and is raised."""
    rows = docs
    total = len(docs)
    read = len(docs)
    i = 0
    while True:
        j = i
        while j < len(steps) and steps[j].kind not in ("GROUPBY", "SORTBY"):
            j += 1
        out, error, stopped_at = _stretch(steps[i:j], rows, pager_of)
        if i == 0:
            read = stopped_at
        if error is not None and j < len(steps):
            raise error
        if error is not None or j == len(steps):
            return out, total, error, read
        rows = steps[j].run(out)
        if steps[j].kind == "GROUPBY":
            total = len(rows)
        i = j + 1


def _stretch(steps: Sequence[Any], rows: list[Row],
             pager_of: Callable[[Any], _Pager | None]) -> tuple[list[Row], SearchError | None, int]:
    """Non-blocking steps a row at a time: (rows out, the error that stopped them, rows read). A LIMIT
    (RediSearch's pager) skips its offset and stops the reading once its page is full."""
    seen = [0] * len(steps)
    pagers = [pager_of(st) for st in steps]
    out: list[Row] = []
    for n, row in enumerate(rows, 1):
        current = [row]
        full = False
        try:
            for k, st in enumerate(steps):
                pager = pagers[k]
                if pager is None:
                    current = st.run(current)
                    if not current:
                        break
                    continue
                seen[k] += 1
                if seen[k] <= pager.offset:
                    current = []
                    break
                if pager.num and seen[k] >= pager.offset + pager.num:
                    full = True
        except SearchError as exc:
            return out, exc, n
        out.extend(current)
        if full:
            return out, None, n
    return out, None, len(rows)


def _wire(value: Any) -> Any:
    if value is NULL or value is None:
        return None
    if isinstance(value, list | tuple):
        return [_wire(x) for x in value]
    return value_bytes(value)


def emit_rows(rows: list[Row]) -> list[dict[str, Any]]:
    """Rows as result_reply takes them: their properties in order (nil for a null one), hidden ones out."""
    out = []
    for r in rows:
        fields: list[tuple[bytes, Any]] = []
        for k, v in r.items():
            if v is None or k.startswith(_HIDDEN):
                continue
            fields.append((k.encode(), _wire(v)))
        out.append({"fields": fields})
    return out


def page_reply(total: int, rows: list[dict[str, Any]], warning: str | None) -> Any:
    """An FT.AGGREGATE page; with a ``warning`` (a row failed after others went out), RESP3's ``warning``
    list carries it (RESP2 has no place for it)."""
    page = result_reply(total, rows, include_id=False)
    if warning is None:
        return page
    s = SimpleString
    results = [Map([(s(b"extra_attributes"), Map(list(row["fields"]))), (s(b"values"), [])]) for row in rows]
    resp3 = Map([(s(b"attributes"), []), (s(b"total_results"), total), (s(b"format"), s(b"STRING")),
                 (s(b"results"), results), (s(b"warning"), [s(warning.encode())])])
    return ByProtocol(page, resp3)
