"""Query AST: frozen dataclasses produced by the parser, read by the executor and FT.EXPLAIN."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field


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
    phonetic: bool | None = None  # ``$phonetic``: None leaves it to the fields (fields/phonetic.py)


@dataclass(frozen=True, slots=True)
class Phrase(Node):
    """A quoted phrase: its words in order, adjacent (RediSearch's exact phrase: slop 0, in order, and
    neither ``$slop`` nor ``$inorder`` changes that)."""

    # (offset, term): each term's place in the phrase (stop words take none, as in the index).
    terms: tuple[tuple[int, str], ...]
    fields: tuple[bytes, ...] | None = None
    weight: float = 1.0
    verbatim: bool = False


@dataclass(frozen=True, slots=True)
class TagValue:
    text: bytes
    prefix: bool = False
    suffix: bool = False
    wildcard: bool = False
    shown: bytes | None = field(default=None, compare=False)  # the text as written, before case folding


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
class GeoShape(Node):
    """``@field:[WITHIN|CONTAINS|INTERSECTS|DISJOINT $shape]`` on a GEOSHAPE field (the WKT already
    checked by the parser)."""

    field: bytes
    predicate: str
    wkt: str


# RediSearch's geometry QueryType numbers, which FT.EXPLAIN prints.
GEOSHAPE_EXPLAIN_CODES = {"CONTAINS": 1, "WITHIN": 2, "DISJOINT": 3, "INTERSECTS": 4}


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
    blob_param: str = "BLOB"  # the $parameter the vector came from (FT.EXPLAIN shows it)


@dataclass(frozen=True, slots=True)
class Union(Node):
    children: tuple[Node, ...]
    weight: float = 1.0  # ``(a | b)=>{$weight: 2}``: the children's figures times it
    fields: tuple[bytes, ...] | None = None  # ``@f:(a | b)``: the modifier the group carries (FT.EXPLAIN)


@dataclass(frozen=True, slots=True)
class Intersect(Node):
    children: tuple[Node, ...]
    # ``(a b)=>{$slop: n; $inorder: true}``: how far apart (and whether in order) the children's words
    # may be; None: the query's SLOP (FT.SEARCH's option)
    slop: int | None = None
    inorder: bool = False
    weight: float = 1.0
    fields: tuple[bytes, ...] | None = None  # ``@f:(a b)``: the modifier the group carries (FT.EXPLAIN)


@dataclass(frozen=True, slots=True)
class Not(Node):
    child: Node
    # ``@f:-clause``: the modifier written before the NOT (FT.EXPLAIN shows it; its child carries the fields)
    fields: tuple[bytes, ...] | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class Optional(Node):
    child: Node
    fields: tuple[bytes, ...] | None = field(default=None, compare=False)  # as Not's


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
    blob_param: str = "BLOB"  # the $parameter the vector came from (FT.EXPLAIN shows it)


def walk(node: Node) -> Iterator[Node]:
    """Every node of a query, pre-order: through unions, intersections, NOT, OPTIONAL and a KNN's filter."""
    yield node
    if isinstance(node, (Union, Intersect)):
        for child in node.children:
            yield from walk(child)
    elif isinstance(node, (Not, Optional)):
        yield from walk(node.child)
    elif isinstance(node, Knn):
        yield from walk(node.filter)


def clause_leaves(node: Node, negated: bool = False) -> Iterator[Node]:
    """The clauses of a query that carry words (Term, Phrase, Tag), in query order, through unions,
    intersections, OPTIONAL and a KNN's filter; through NOT only with ``negated``."""
    if isinstance(node, (Term, Phrase, Tag)):
        yield node
    elif isinstance(node, (Union, Intersect)):
        for child in node.children:
            yield from clause_leaves(child, negated)
    elif isinstance(node, Optional) or (negated and isinstance(node, Not)):
        yield from clause_leaves(node.child, negated)
    elif isinstance(node, Knn):
        yield from clause_leaves(node.filter, negated)


def explain(node: Node, depth: int = 0, stem: Callable[[str], str] | None = None,
            synonyms: Callable[[str], list[str]] | None = None,
            phonetic: Callable[[Term], str | None] | None = None) -> str:
    """FT.EXPLAIN's text form (RediSearch style: nested blocks with two-space indentation). With
    ``stem``, a plain word shows the union it expands to, as RediSearch's default expander builds it:
    the word, its synonym groups ``~id`` (``synonyms``), its phonetic term ``<CODE`` (``phonetic``), its
    stem record ``+stem`` and, where the stem differs, the stem itself."""
    pad = "  " * depth
    match node:
        case Wildcard():
            return f"{pad}<WILDCARD>\n"
        case Empty():
            return f"{pad}<empty>\n"
        case Term(text=text, fields=fields, kind=kind):
            prefix = _fields(fields)
            if kind == "exact" and stem is not None and not node.verbatim:
                root = stem(text)
                groups = "".join(f"{pad}  {prefix}{g}(expanded)\n" for g in synonyms(text)) if synonyms else ""
                sound = phonetic(node) if phonetic is not None else None
                if sound is not None:
                    groups += f"{pad}  {prefix}{sound}(expanded)\n"
                own = f" => {{$weight: {node.weight:g};}}" if node.weight != 1.0 else ""
                inner = f"{pad}  {prefix}{text}{own}\n{groups}{pad}  {prefix}+{root}(expanded)\n"
                if root != text:
                    inner += f"{pad}  {prefix}{root}(expanded)\n"
                return f"{pad}{prefix}UNION {{\n{inner}{pad}}}\n"
            shown = {"prefix": f"PREFIX{{{text}*}}", "suffix": f"SUFFIX{{*{text}}}",
                     "infix": f"INFIX{{*{text}*}}", "fuzzy": f"FUZZY{{{text}}}",
                     "wildcard": f"WILDCARD{{{text}}}"}.get(kind, text or '""')  # "": the empty string
            return f"{pad}{prefix}{shown}{_attrs(node.weight)}\n"
        case Phrase(terms=terms, fields=fields):
            inner = "".join(f"{pad}  {_fields(fields)}{t}\n" for _, t in terms)
            return f"{pad}{_fields(fields)}EXACT {{\n{inner}{pad}}}{_attrs(node.weight)}\n"
        case Tag(field=field, values=values):
            inner = "".join(f"{pad}  {_tag_shown(v)}\n" for v in values)
            return f"{pad}TAG:@{field.decode('utf-8', 'replace')} {{\n{inner}{pad}}}\n"
        case NumericRange(field=field, lo=lo, hi=hi, lo_excl=lx, hi_excl=hx):
            return (f"{pad}NUMERIC {{{lo:f} {'<' if lx else '<='} @{field.decode('utf-8', 'replace')} "
                    f"{'<' if hx else '<='} {hi:f}}}\n")
        case GeoRadius(field=field, lon=lon, lat=lat, radius=radius, unit=unit):
            return f"{pad}GEO {field.decode('utf-8', 'replace')}:{{{lon:f},{lat:f} --> {radius:f} {unit}}}\n"
        case GeoShape(predicate=predicate, wkt=wkt):
            return f"{pad}GEOSHAPE{{{GEOSHAPE_EXPLAIN_CODES[predicate]} {wkt}}}\n"
        case Missing(field=field):
            return f"{pad}ISMISSING{{{field.decode('utf-8', 'replace')}}}\n"
        case VectorRange(field=field, radius=radius, blob_param=param):
            return (f"{pad}VECTOR {{Vectors that are within {radius:g} distance radius from `${param}` in vector "
                    f"index associated with field @{field.decode('utf-8', 'replace')}}}\n")
        case Union():
            inner = "".join(explain(c, depth + 1, stem, synonyms, phonetic) for c in _flattened(node))
            return f"{pad}{_fields(node.fields)}UNION {{\n{inner}{pad}}}{_attrs(node.weight)}\n"
        case Intersect():
            inner = "".join(explain(c, depth + 1, stem, synonyms, phonetic) for c in _flattened(node))
            attrs = _attrs(node.weight, node.slop, node.inorder)
            return f"{pad}{_fields(node.fields)}INTERSECT {{\n{inner}{pad}}}{attrs}\n"
        # The parser marks words under NOT, OPTIONAL and in a KNN's filter verbatim (parser.unexpanded).
        case Not(child=child):
            return (f"{pad}{_fields(node.fields)}NOT{{\n" + explain(child, depth + 1, stem, synonyms, phonetic)
                    + f"{pad}}}\n")
        case Optional(child=child):
            return (f"{pad}{_fields(node.fields)}OPTIONAL{{\n" + explain(child, depth + 1, stem, synonyms, phonetic)
                    + f"{pad}}}\n")
        case Knn(filter=flt, k=k, field=field, score_as=score_as, blob_param=param, ef_runtime=ef):
            tail = (f"K={k} nearest vectors to `${param}` in vector index associated with field "
                    f"@{field.decode('utf-8', 'replace')}, {f'EF_RUNTIME = {ef}, ' if ef else ''}"
                    f"yields distance as `{score_as}`")
            if isinstance(flt, Wildcard):
                return f"{pad}VECTOR {{{tail}}}\n"
            return f"{pad}VECTOR {{\n" + explain(flt, depth + 1, stem, synonyms, phonetic) + f"{pad}}} => {{{tail}}}\n"
    return f"{pad}{node!r}\n"


def _attrs(weight: float, slop: int | None = None, inorder: bool = False) -> str:
    """A clause's attributes as FT.EXPLAIN shows them after its block (RediSearch's QueryNode_DumpSds)."""
    shown = (f" $weight: {weight:g};" if weight != 1.0 else "") + (f" $slop: {slop};" if slop is not None else "")
    if inorder or slop is not None:
        shown += f" $inorder: {'true' if inorder else 'false'};"
    return f" => {{{shown} }}" if shown else ""


def _tag_shown(v: TagValue) -> str:
    text = (v.text if v.shown is None else v.shown).decode("utf-8", "replace")
    if v.wildcard:
        return f"WILDCARD{{{text}}}"
    if v.prefix and v.suffix:
        return f"INFIX{{*{text}*}}"
    if v.prefix:
        return f"PREFIX{{{text}*}}"
    return f"SUFFIX{{*{text}}}" if v.suffix else text


def _flattened(node: Union | Intersect) -> list[Node]:
    """A block's children, a first child of the same kind without a field restriction of its own merged
    in, as RediSearch's left-recursive parser merges ``(a b) c`` (but not ``a (b c)``) into one block."""
    first, *rest = node.children
    if isinstance(first, (Union, Intersect)) and type(first) is type(node) and first.fields is None:
        return [*_flattened(first), *rest]
    return [first, *rest]


def _fields(fields: tuple[bytes, ...] | None) -> str:
    if not fields:
        return ""
    return "@" + "|".join(f.decode("utf-8", "replace") for f in fields) + ":"
