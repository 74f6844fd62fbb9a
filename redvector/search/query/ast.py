"""Query AST: frozen dataclasses produced by the parser, read by the executor and FT.EXPLAIN."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Node:
    pass


@dataclass(frozen=True, slots=True)
class Wildcard(Node):
    pass


@dataclass(frozen=True, slots=True)
class Empty(Node):
    """Matches nothing (a query made only of stop words)."""


@dataclass(frozen=True, slots=True)
class Term(Node):
    text: str
    fields: tuple[bytes, ...] | None = None
    kind: str = "exact"  # exact | prefix | suffix | infix | fuzzy | wildcard
    fuzz: int = 0
    weight: float = 1.0
    verbatim: bool = False


@dataclass(frozen=True, slots=True)
class Phrase(Node):
    # (offset, term): offsets keep room for dropped stop words so adjacency is checked exactly.
    terms: tuple[tuple[int, str], ...]
    fields: tuple[bytes, ...] | None = None
    slop: int | None = None
    inorder: bool = True
    weight: float = 1.0
    verbatim: bool = False


@dataclass(frozen=True, slots=True)
class TagValue:
    text: bytes
    prefix: bool = False
    suffix: bool = False
    wildcard: bool = False


@dataclass(frozen=True, slots=True)
class Tag(Node):
    field: bytes
    values: tuple[TagValue, ...]


@dataclass(frozen=True, slots=True)
class NumericRange(Node):
    field: bytes
    lo: float
    hi: float
    lo_excl: bool = False
    hi_excl: bool = False


@dataclass(frozen=True, slots=True)
class GeoRadius(Node):
    field: bytes
    lon: float
    lat: float
    radius: float
    unit: str


@dataclass(frozen=True, slots=True)
class Missing(Node):
    """``ismissing(@field)``: documents without the field."""

    field: bytes


@dataclass(frozen=True, slots=True)
class VectorRange(Node):
    field: bytes
    radius: float
    blob: bytes
    yield_as: str | None = None
    epsilon: float | None = None


@dataclass(frozen=True, slots=True)
class Union(Node):
    children: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Intersect(Node):
    children: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Not(Node):
    child: Node


@dataclass(frozen=True, slots=True)
class Optional(Node):
    child: Node


@dataclass(frozen=True, slots=True)
class Knn(Node):
    filter: Node
    k: int
    field: bytes
    blob: bytes
    score_as: str
    ef_runtime: int | None = None
    hybrid_policy: str | None = None
    batch_size: int | None = None


def explain(node: Node, depth: int = 0) -> str:
    """FT.EXPLAIN's text form (RediSearch style: nested blocks with two-space indentation)."""
    pad = "  " * depth
    match node:
        case Wildcard():
            return f"{pad}<WILDCARD>\n"
        case Empty():
            return f"{pad}<EMPTY>\n"
        case Term(text=text, fields=fields, kind=kind, fuzz=fuzz):
            prefix = _fields(fields)
            shown = {"prefix": f"PREFIX{{{text}*}}", "suffix": f"SUFFIX{{*{text}}}",
                     "infix": f"INFIX{{*{text}*}}", "fuzzy": f"FUZZY{{{text}}}",
                     "wildcard": f"WILDCARD{{{text}}}"}.get(kind, text)
            _ = fuzz
            return f"{pad}{prefix}{shown}\n"
        case Phrase(terms=terms, fields=fields):
            inner = "".join(f"{pad}  {_fields(fields)}{t}\n" for _, t in terms)
            return f"{pad}EXACT {{\n{inner}{pad}}}\n"
        case Tag(field=field, values=values):
            inner = "".join(f"{pad}  {v.text.decode('utf-8', 'replace')}{'*' if v.prefix else ''}\n" for v in values)
            return f"{pad}TAG:@{field.decode('utf-8', 'replace')} {{\n{inner}{pad}}}\n"
        case NumericRange(field=field, lo=lo, hi=hi, lo_excl=lx, hi_excl=hx):
            return (f"{pad}NUMERIC {{{lo:f} {'<' if lx else '<='} @{field.decode('utf-8', 'replace')} "
                    f"{'<' if hx else '<='} {hi:f}}}\n")
        case GeoRadius(field=field, lon=lon, lat=lat, radius=radius, unit=unit):
            return f"{pad}GEO {field.decode('utf-8', 'replace')}:{{{lon:f},{lat:f} --> {radius:f} {unit}}}\n"
        case Missing(field=field):
            return f"{pad}ISMISSING{{{field.decode('utf-8', 'replace')}}}\n"
        case VectorRange(field=field, radius=radius):
            return f"{pad}VECTOR {{@{field.decode('utf-8', 'replace')}: RANGE {radius:g}}}\n"
        case Union(children=children):
            return f"{pad}UNION {{\n" + "".join(explain(c, depth + 1) for c in children) + f"{pad}}}\n"
        case Intersect(children=children):
            return f"{pad}INTERSECT {{\n" + "".join(explain(c, depth + 1) for c in children) + f"{pad}}}\n"
        case Not(child=child):
            return f"{pad}NOT{{\n" + explain(child, depth + 1) + f"{pad}}}\n"
        case Optional(child=child):
            return f"{pad}OPTIONAL{{\n" + explain(child, depth + 1) + f"{pad}}}\n"
        case Knn(filter=flt, k=k, field=field, score_as=score_as):
            head = f"{pad}VECTOR {{K={k} nearest vectors to `$BLOB` in @{field.decode('utf-8', 'replace')}, AS `{score_as}`}}\n"
            if isinstance(flt, Wildcard):
                return head
            return f"{pad}VECTOR {{\n" + explain(flt, depth + 1) + f"{pad}}} => {{K={k} nearest vectors to `$BLOB` in @{field.decode('utf-8', 'replace')}, AS `{score_as}`}}\n"
    return f"{pad}{node!r}\n"


def _fields(fields: tuple[bytes, ...] | None) -> str:
    if not fields:
        return ""
    return "@" + "|".join(f.decode("utf-8", "replace") for f in fields) + ":"
