"""Query parser: RediSearch 2.10's grammars (query/syntax.py: its scanners, and Lemon's tables for its
parser.y files) with actions that build the AST (ast.py), in DIALECT 1 and in DIALECT 2 and later.

_Builder's actions build the AST; where it fails, syntax.check_syntax() reads the query again for the
error RediSearch reports first (the offset and text of the token its parser stopped at, or the failure
of a check RediSearch makes while it parses), before the builder's (those of the values RediSearch
looks at after parsing: parameters, numbers, fields). The clause structure is the grammar's:
``|`` binds loosest in DIALECT 2, plain words join before ``|`` in DIALECT 1, a prefix ``-``/``~``/``@f:``
takes what the grammar's precedences give it; a clause of stop words only is NULL (None here) and drops
out of its intersection or union, as in RediSearch. Parameters are substituted here; errors about their
values follow RediSearch's texts.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from typing import Any

from redvector.errors import SearchError
from redvector.search.fields.geoshape import ShapeError, parse_shape
from redvector.search.fields.tokens import fold_case, tokenize
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
    TagValue,
    Term,
    Union,
    VectorRange,
    Wildcard,
    walk,
)
from redvector.search.query.syntax import (
    GEOSHAPE_PREDICATES,
    Tok,
    c_double,
    c_integer,
    check_attribute,
    check_geo,
    check_syntax,
    number_value,
    parse,
    reported,
)
from redvector.search.schema import FieldType, IndexDefinition

_ESCAPE_RE = re.compile(rb"\\([!-/:-@\[-`{-~\t-\r ])")
_AFFIX_KINDS = {"PREFIX": "prefix", "SUFFIX": "suffix", "CONTAINS": "infix", "WILDCARD": "wildcard"}
_VECTOR_OPTIONS = ("EF_RUNTIME", "EPSILON", "HYBRID_POLICY", "BATCH_SIZE", "SHARD_K_RATIO")
_SPACES = frozenset(bytes([c]) for c in b" \t\n\v\f\r")
_EMPTY_STRING_MSG = "Use `INDEXEMPTY` in field creation in order to index and query for empty strings"


def _unescape(text: bytes) -> bytes:
    """A backslash before punctuation or space goes (RediSearch's unescape)."""
    return _ESCAPE_RE.sub(rb"\1", text)


@dataclass(frozen=True, slots=True)
class _Affix:
    """``word*``, ``*word``, ``*word*`` or ``w'pattern'``: a text term or a tag value, by where it stands."""

    kind: str  # prefix | suffix | infix | wildcard
    tok: Tok


@dataclass(frozen=True, slots=True)
class _Bound:
    """A number in a range, a geo filter or a comparison: a value or a $parameter (maybe negated)."""

    value: float = 0.0
    param: str | None = None
    negate: bool = False
    inclusive: bool = True


@dataclass(frozen=True, slots=True)
class _KnnClause:
    """A KNN clause as written; its parameters are read when the clause is built, in RediSearch's order
    (the vector, K, then the options and the AS name)."""

    k: Tok
    field: bytes
    blob: Tok
    options: tuple[tuple[Tok, Tok], ...] = ()
    score_as: Tok | None = None


class _Open:
    """An intersection or a union a following AND / OR extends in place (RediSearch appends to a phrase
    or union node that no field modifier restricted), until an action takes it as a clause (_closed)."""

    __slots__ = ("attrs", "children", "kind")

    def __init__(self, kind: type[Intersect] | type[Union], children: list[Node],
                 attrs: dict[str, Any] | None = None) -> None:
        self.kind = kind
        self.children = children
        self.attrs: dict[str, Any] = attrs or {}  # slop / inorder / weight from ``=>{...}``


def _closed(node: Node | _Open) -> Node:
    if not isinstance(node, _Open):
        return node
    if node.kind is Union:
        return Union(tuple(node.children), weight=node.attrs.get("weight", 1.0))
    return Intersect(tuple(node.children), **node.attrs)


def _reopened(node: Intersect | Union) -> _Open:
    """A closed intersection or union opened again (to extend it, or to take attributes), keeping its own."""
    attrs: dict[str, Any] = {"weight": node.weight} if node.weight != 1.0 else {}
    if isinstance(node, Intersect):
        if node.slop is not None:
            attrs["slop"] = node.slop
        if node.inorder:
            attrs["inorder"] = True
    return _Open(type(node), list(node.children), attrs)


class _Builder:
    """The grammar's actions (by rule name, see syntax.py) building the AST. Values: a Node or None
    (NULL: stop words only), tokens, and the intermediate values above."""

    def __init__(self, definition: IndexDefinition, params: dict[str, bytes], stopwords: frozenset[str],
                 verbatim: bool, dialect: int) -> None:
        self.definition = definition
        self.params = params
        self.stopwords = stopwords
        self.verbatim = verbatim
        self.dialect = 1 if dialect == 1 else 2
        # Every parameter the query read -> how: "blob" (only as the KNN clause's vector) or "value".
        # The query cache (query/cache.py) keys on the values and leaves the KNN vector as a slot.
        self.param_uses: dict[str, str] = {}
        # The Empty() standing for a vector clause on a field that is no vector field (it takes the
        # attributes of a vector clause): id -> node.
        self._vector_empty: dict[int, Node] = {}

    # -- parameters and words ----------------------------------------------------------------------------
    def param(self, name: str, use: str = "value") -> bytes:
        if name not in self.params:
            raise SearchError(f"No such parameter `{name}`")
        seen = self.param_uses.get(name)
        self.param_uses[name] = use if seen is None or seen == use else "value"
        return self.params[name]

    def _param_text(self, t: Tok) -> str:
        """A $parameter's value as text (RediSearch reads it as a C string: up to a NUL byte)."""
        value = self.param(t.text.decode("utf-8", "replace"))
        return value.split(b"\0", 1)[0].decode("utf-8", "replace")

    def _number(self, name: str, negate: bool = False, range_end: str | None = None) -> tuple[float, bool]:
        """A numeric parameter's value (and, for a range's end, whether a leading '(' excludes it)."""
        raw = self.param(name)
        text = raw
        inclusive = True
        if range_end is not None and text.startswith(b"("):
            text, inclusive = text[1:], False
        value = c_double(text) if text else None
        if value is None:
            shown = raw.decode("utf-8", "replace")
            if range_end is not None:
                raise SearchError(f"Bad {range_end} range: {shown}")
            raise SearchError(f"Invalid numeric value ({shown}) for parameter `{name}`")
        return (-value if negate else value), inclusive

    def _bound(self, b: _Bound, range_end: str | None = None) -> tuple[float, bool]:
        if b.param is None:
            return b.value, b.inclusive
        value, inclusive = self._number(b.param, b.negate, range_end)
        return value, inclusive and b.inclusive

    def _words(self, text: str, whole: bool = False) -> Node | None:
        """A word of the query (backslash escapes keep a separator inside one term: ``sci\\-fi`` is the
        term "sci-fi"), or a parameter's text; ``whole``: one term as it is (a number). None for a stop word."""
        tokens = [fold_case(text)] if whole else tokenize(text)
        if not tokens:
            return None
        if len(tokens) > 1:
            return self._phrase(tokens)
        if tokens[0] in self.stopwords:
            return None
        return Term(tokens[0], verbatim=self.verbatim)

    def _phrase(self, tokens: list[str], exact: bool = False) -> Node:
        # Stop words take no position in the index (TextIndex.add), so the others are adjacent.
        terms = tuple(enumerate(t for t in tokens if t not in self.stopwords))
        if not terms:
            return Empty()
        if len(terms) == 1 and not exact:
            return Term(terms[0][1], verbatim=self.verbatim)
        # A quoted phrase is exact: its terms are not stemmed (RediSearch); a quoted word stays a phrase of
        # one word (FT.EXPLAIN shows EXACT, and its $weight counts for nothing, as there)
        return Phrase(terms, verbatim=self.verbatim or exact)

    def _quoted(self, t: Tok) -> Node:
        """A "quoted string" (DIALECT 2): an exact phrase. A quoted stop word stays a term (it matches
        nothing: stop words are not indexed); an empty string is the empty term."""
        if not t.n:
            return Term("", verbatim=True)
        tokens = tokenize(t.text.decode("utf-8", "replace"))
        if not tokens:
            return Empty()  # only separators: an exact phrase of nothing, which matches nothing
        if any(tok in self.stopwords for tok in tokens):
            return Phrase(tuple(enumerate(tokens)), verbatim=True)
        return self._phrase(tokens, exact=True)

    def _term_of(self, t: Tok) -> Node | None:
        """A word token as a text clause."""
        if t.kind == "ATTRIBUTE":
            text = self._param_text(t)
            # a parameter is one word as it is ("a b" or "a.b" matches no document), as in RediSearch
            return self._words(text, whole=True) if text else Term("", verbatim=True)
        if t.quoted:
            return self._quoted(t)
        text = t.text.decode("utf-8", "replace")
        if t.kind in ("NUMBER", "SIZE"):
            if self.dialect == 2:  # RediSearch's second grammar neither stems nor expands a number
                return Term(fold_case(text), verbatim=True)
            return self._words(text, whole=True)
        return self._words(text)

    # -- the clause structure ----------------------------------------------------------------------------
    def query(self, node: Node | _Open | None) -> Node:
        return _closed(node) if node is not None else Empty()

    def query_empty(self) -> Node:
        return Empty()

    def query_star(self, star: Any) -> Node:
        return Wildcard()

    def _extend(self, kind: type[Intersect] | type[Union], b: Node | _Open | None, c: Node | _Open | None,
                always: bool = False) -> Node | _Open | None:
        """An intersection or a union of ``b`` and ``c``: the other when one is NULL, ``b`` extended when
        it is an open one of the kind (``always``: whenever it is one of the kind, open or not)."""
        if b is None:
            return c
        if c is None:
            return b
        if isinstance(b, _Open) and b.kind is kind:
            b.children.append(_closed(c))
            return b
        if always and isinstance(b, kind):
            opened = _reopened(b)
            opened.children.append(_closed(c))
            return opened
        return _Open(kind, [_closed(b), _closed(c)])

    def both(self, b: Node | _Open | None, *rest: Any) -> Node | _Open | None:
        return self._extend(Intersect, b, rest[-1])

    def either(self, b: Node | _Open | None, op: Tok, c: Node | _Open | None) -> Node | _Open | None:
        return self._extend(Union, b, c)

    def either_more(self, b: Node | _Open | None, op: Tok, c: Node | _Open | None) -> Node | _Open | None:
        if b is None or c is None or isinstance(b, Union) or (isinstance(b, _Open) and b.kind is Union):
            return self._extend(Union, b, c, always=True)
        return _adopted(b, c)

    def group(self, lp: Tok, b: Node | _Open | None, rp: Tok) -> Node | _Open | None:
        return b

    def negate(self, op: Tok, b: Node | _Open | None) -> Node | None:
        return Not(unexpanded(_closed(b))) if b is not None else None

    def optional(self, op: Tok, b: Node | _Open | None) -> Node | None:
        return Optional(unexpanded(_closed(b))) if b is not None else None

    def stopword(self, t: Tok) -> None:
        return None

    def word(self, t: Tok) -> Node | None:
        return self._term_of(t)

    def quoted_param(self, q: Tok, t: Tok, q2: Tok) -> Node:
        return Term("$" + fold_case(t.text.decode("utf-8", "replace")), verbatim=True)

    def termlist(self, a: Tok, b: Tok) -> list[Tok]:
        return [a, b]

    def termlist_more(self, words: list[Tok], t: Tok) -> list[Tok]:
        words.append(t)  # (a list value belongs to one parse stack entry: it grows in place)
        return words

    def termlist_stopword(self, words: list[Tok], t: Tok) -> list[Tok]:
        return words

    def words(self, words: list[Tok]) -> Node | _Open | None:
        """DIALECT 1's run of plain words: their intersection."""
        node: Node | _Open | None = None
        for t in words:
            node = self._extend(Intersect, node, self._term_of(t))
        return node

    def quoted_phrase(self, q: Tok, words: list[Tok], q2: Tok) -> Node:
        tokens = [w for t in words for w in tokenize(t.text.decode("utf-8", "replace"))]
        return self._phrase(tokens, exact=True)

    def quoted_word(self, q: Tok, t: Tok, q2: Tok) -> Node:
        return self._phrase(tokenize(t.text.decode("utf-8", "replace")), exact=True)

    def affix(self, t: Tok) -> _Affix:
        return _Affix(_AFFIX_KINDS[t.kind], t)

    def _affix_text(self, a: _Affix) -> bytes:
        if a.tok.qtype == "param":
            return self.param(a.tok.text.decode("utf-8", "replace"))
        return _unescape(a.tok.text)

    def text_affix(self, a: _Affix) -> Node:
        text = fold_case(self._affix_text(a).decode("utf-8", "replace"))
        return Term(text, kind=a.kind, verbatim=self.verbatim)

    def fuzzy(self, *values: Tok) -> Node:
        t = next(v for v in values if v.kind != "PERCENT")
        level = (len(values) - 1) // 2
        text = self._param_text(t) if t.kind == "ATTRIBUTE" else _unescape(t.text).decode("utf-8", "replace")
        return Term(fold_case(text), kind="fuzzy", fuzz=level)

    # -- field modifiers ---------------------------------------------------------------------------------
    def modifier(self, t: Tok) -> tuple[bytes, ...]:
        return (_unescape(t.text),)

    def modifier_list(self, head: tuple[bytes, ...] | list[bytes], op: Tok, t: Tok) -> list[bytes]:
        if not t.n:
            raise SearchError(f"Syntax error at offset {t.pos} near ")  # an empty field name
        names = head if isinstance(head, list) else list(head)
        names.append(_unescape(t.text))
        return names

    def fielded(self, names: tuple[bytes, ...] | list[bytes], colon: Tok, node: Node | _Open | None) -> Node | None:
        if node is None:
            return None
        fields = tuple(names)
        out = _with_fields(_closed(node), fields)
        if any(isinstance(n, Term) and not n.text and n.kind == "exact" for n in walk(out)):
            self._empty_string(fields)
        return out

    def _empty_string(self, fields: tuple[bytes, ...], ftype: FieldType = FieldType.TEXT) -> None:
        """An empty string searched in a TEXT field (or a TAG field's ``{""}``) needs its INDEXEMPTY."""
        for name in fields:
            spec = self.definition.field(name)
            if spec is not None and spec.type is ftype and not spec.indexempty:
                raise SearchError(_EMPTY_STRING_MSG)

    def ismissing(self, kw: Tok, lp: Tok, fields: tuple[bytes, ...], rp: Tok) -> Node:
        spec = self.definition.field(fields[0])
        if spec is not None and not spec.indexmissing:
            raise SearchError(f"'ismissing' requires field '{spec.name_str}' to be defined with 'INDEXMISSING'")
        return Missing(fields[0])

    # -- tags --------------------------------------------------------------------------------------------
    def _tag_value(self, x: Any) -> TagValue:
        if isinstance(x, _Affix):
            text = self._affix_text(x)
            if x.kind == "wildcard":
                return TagValue(text, wildcard=True)
            return TagValue(text, prefix=x.kind in ("prefix", "infix"), suffix=x.kind in ("suffix", "infix"))
        if isinstance(x, list):
            # Words: one tag of several words, each folded as a term is (A-Z), even in a CASESENSITIVE
            # field (RediSearch reads them as terms); an empty word makes an empty tag.
            words = [self._tag_value(t).text.lower() for t in x]
            return TagValue(b" ".join(words) if all(words) else b"")
        if x.kind == "ATTRIBUTE":
            return TagValue(self.param(x.text.decode("utf-8", "replace")))
        return TagValue(_unescape(x.text))

    def tag_list(self, x: Any) -> list[TagValue]:
        return [self._tag_value(x)]

    def v1_tag_list(self, lb: Tok, x: Any) -> list[TagValue]:
        return [self._tag_value(x)]

    def tag_list_more(self, values: list[TagValue], op: Tok, x: Any) -> list[TagValue]:
        values.append(self._tag_value(x))
        return values

    def _tag(self, fields: tuple[bytes, ...], values: list[TagValue]) -> Node:
        field = fields[0]
        if any(not v.text and not (v.prefix or v.suffix or v.wildcard) for v in values):
            self._empty_string(fields, FieldType.TAG)
        spec = self.definition.field(field)
        if spec is not None and spec.type is FieldType.TAG and not spec.casesensitive:
            values = [replace(v, text=v.text.lower(), shown=v.text) for v in values]  # A-Z only, as the index folds
        return Tag(field, tuple(v for v in values if v.text or v.prefix))

    def tag(self, fields: tuple[bytes, ...], colon: Tok, lb: Tok, values: list[TagValue], rb: Tok) -> Node:
        return self._tag(fields, values)

    def v1_tag(self, fields: tuple[bytes, ...], colon: Tok, values: list[TagValue]) -> Node:
        return self._tag(fields, values)

    # -- numbers, ranges, geo ----------------------------------------------------------------------------
    def num(self, t: Tok) -> _Bound:
        return _Bound(number_value(t.text))

    def num_negate(self, op: Tok, b: _Bound) -> _Bound:
        return replace(b, value=-b.value, negate=not b.negate)

    def num_param(self, t: Tok) -> _Bound:
        return _Bound(param=t.text.decode("utf-8", "replace"))

    def num_param_negate(self, op: Tok, t: Tok) -> _Bound:
        return _Bound(param=t.text.decode("utf-8", "replace"), negate=True)

    def exclusive(self, lp: Tok, b: _Bound) -> _Bound:
        return replace(b, inclusive=False)

    v1_exclusive = exclusive

    def exclusive_param(self, lp: Tok, t: Tok) -> _Bound:
        return _Bound(param=t.text.decode("utf-8", "replace"), inclusive=False)

    def exclusive_param_negate(self, lp: Tok, op: Tok, t: Tok) -> _Bound:
        return _Bound(param=t.text.decode("utf-8", "replace"), negate=True, inclusive=False)

    def numeric_range(self, lsqb: Tok, lo: _Bound, hi: _Bound, rsqb: Tok) -> tuple[float, float, bool, bool]:
        lo_v, lo_in = self._bound(lo, "lower")
        hi_v, hi_in = self._bound(hi, "upper")
        return lo_v, hi_v, not lo_in, not hi_in

    def numeric_value(self, lsqb: Tok, b: _Bound, rsqb: Tok) -> tuple[float, float, bool, bool]:
        v, _ = self._bound(b)
        return v, v, False, False

    def numeric(self, fields: tuple[bytes, ...], colon: Tok, r: tuple[float, float, bool, bool]) -> Node:
        return NumericRange(fields[0], *r)

    def compare(self, fields: tuple[bytes, ...], op: Tok, value: Tok) -> Node:
        text = value.text
        if b"$" in text:
            # RediSearch 2.10 reads the parameter's name one character too far, unless that is a space
            # or the end (``@n > $p)`` looks up "p)").
            name = text.lstrip(b"-$")
            following = bytes(value.buf[value.s + value.n:value.s + value.n + 1])
            if following and following not in _SPACES:
                name += following
            num, _ = self._number(name.decode("utf-8", "replace"), text.startswith(b"-"))
        else:
            num = number_value(text)
        return _compare(fields[0], op.text.decode(), num)

    def geo_filter(self, lsqb: Tok, lon: _Bound, lat: _Bound, radius: _Bound, unit: Tok, rsqb: Tok) -> tuple:
        values = [self._bound(b)[0] for b in (lon, lat, radius)]
        unit_text = self.param(unit.text.decode("utf-8", "replace")) if unit.kind == "ATTRIBUTE" else unit.text
        check_geo(values[0], values[1], values[2], unit_text)
        return (*values, unit_text.decode().lower())

    v1_geo_filter = geo_filter

    def geo(self, fields: tuple[bytes, ...], colon: Tok, g: tuple) -> Node:
        return GeoRadius(fields[0], *g)

    def geometry_query(self, lsqb: Tok, t: Tok, attr: Tok, rsqb: Tok) -> tuple[str, str]:
        if t.text.upper() not in GEOSHAPE_PREDICATES:
            raise reported("Syntax error: Expecting a geoshape predicate", replace(attr, qtype="param"))
        return t.text.decode().upper(), self.param(attr.text.decode("utf-8", "replace")).decode("utf-8", "replace")

    def geometry(self, fields: tuple[bytes, ...], colon: Tok, q: tuple[str, str]) -> Node:
        spec = self.definition.field(fields[0])
        if spec is None or spec.type is not FieldType.GEOSHAPE:
            return Empty()  # not a GEOSHAPE field: nothing matches (as in RediSearch)
        predicate, wkt = q
        try:
            parse_shape(wkt, spec.coord_system == "SPHERICAL")
        except ShapeError as exc:
            raise SearchError(f"Error querying geoshape index: {exc}") from None
        return GeoShape(spec.name, predicate, wkt)

    # -- attributes --------------------------------------------------------------------------------------
    def attribute(self, name: Tok, colon: Tok, value: Tok) -> tuple[bytes, bytes]:
        if value.kind == "ATTRIBUTE":
            return name.text, self.param(value.text.decode("utf-8", "replace"))
        return name.text, value.text

    def attribute_list(self, *values: Any) -> list[tuple[bytes, bytes]]:
        if not values:
            return []
        head = values[0]
        if isinstance(head, tuple):
            return [head]
        if len(values) == 3:
            head.append(values[2])
        return head

    def attributes(self, node: Node | _Open | None, arrow: Tok, lb: Tok, attrs: list[tuple[bytes, bytes]],
                   rb: Tok) -> Node | _Open | None:
        if node is None or not attrs:
            return node
        if isinstance(node, _Open):  # ``(a b)=>{$slop: 1; $inorder: true}``, ``(a | b)=>{$weight: 2}``
            for name, value in attrs:
                check_attribute(False, name, value)
            for key, text in _decoded(attrs).items():
                if key.lower() == "weight":
                    node.attrs["weight"] = c_double(text.encode())
                elif key.lower() == "slop" and node.kind is Intersect:
                    slop = c_integer(text.encode())
                    node.attrs["slop"] = slop if slop is not None and slop >= 0 else None
                elif key.lower() == "inorder" and node.kind is Intersect:
                    node.attrs["inorder"] = text.lower() in ("true", "1")
            return node
        vector = isinstance(node, VectorRange) or self._vector_empty.get(id(node)) is node
        for name, value in attrs:
            check_attribute(vector, name, value)
        if isinstance(node, Intersect | Union):  # ``@f:(a b)=>{$slop: 1}``: a closed one
            reopened = _reopened(node)
            self.attributes(reopened, arrow, lb, attrs, rb)
            return _closed(reopened)
        if not isinstance(node, (VectorRange, Term, Phrase)):
            return node
        return self._apply_attrs(node, _decoded(attrs))

    def _apply_attrs(self, node: Node, attrs: dict[str, str]) -> Node:
        if isinstance(node, VectorRange):
            yield_as = node.yield_as
            epsilon = node.epsilon
            for key, value in attrs.items():
                lk = key.lower()
                if lk == "yield_distance_as":
                    yield_as = value
                elif lk == "epsilon":
                    spec = self.definition.field(node.field)
                    if spec is not None and spec.vector is not None and spec.vector.algorithm != "HNSW":
                        raise SearchError("Error parsing vector similarity parameters: Invalid option")
                    try:
                        epsilon = float(value)
                    except ValueError:
                        raise SearchError("Error parsing vector similarity parameters: Invalid value was given")
                    if epsilon <= 0:
                        raise SearchError("Error parsing vector similarity parameters: Invalid value was given")
                elif lk in ("hybrid_policy", "batch_size"):
                    raise SearchError(
                        "Error parsing vector similarity parameters: hybrid query attributes were sent for a "
                        "non-hybrid query")
                else:
                    raise SearchError("Error parsing vector similarity parameters: Invalid option")
            return VectorRange(node.field, node.radius, node.blob, yield_as, epsilon, node.blob_param)
        weight = None
        phonetic = None
        for key, value in attrs.items():
            if key.lower() == "weight":
                weight = float(value)  # checked as RediSearch checks it (syntax.check_attribute)
            elif key.lower() == "phonetic":
                phonetic = value.lower() in ("true", "1")
        if isinstance(node, Term) and (weight is not None or phonetic is not None):
            return replace(node, weight=node.weight if weight is None else weight,
                           phonetic=node.phonetic if phonetic is None else phonetic)
        if weight is not None and isinstance(node, Phrase):
            return replace(node, weight=weight)
        return node

    # -- vectors -----------------------------------------------------------------------------------------
    def vector_range_command(self, t: Tok, radius: _Bound, blob: Tok) -> tuple[_Bound, Tok]:
        if t.text.upper() != b"VECTOR_RANGE":
            raise reported("Syntax error: expecting vector similarity range command", t)
        return radius, blob

    def vector_range(self, fields: tuple[bytes, ...], colon: Tok, lsqb: Tok, cmd: tuple[_Bound, Tok],
                     rsqb: Tok) -> Node:
        radius_b, blob_tok = cmd
        radius, _ = self._bound(radius_b)
        name = blob_tok.text.decode("utf-8", "replace")
        blob = self.param(name)
        spec = self.definition.field(fields[0])
        if spec is None or spec.type is not FieldType.VECTOR:
            empty = Empty()  # RediSearch finds nothing (no error) for a field that is not a vector field
            self._vector_empty[id(empty)] = empty
            return empty
        if radius < 0:
            raise SearchError(f"Error parsing vector similarity query: negative radius ({radius:g}) given in a "
                              "range query")
        return VectorRange(fields[0], radius, blob, blob_param=name)

    def vector_command(self, t: Tok, k: Tok, fields: tuple[bytes, ...], blob: Tok) -> _KnnClause:
        if t.text.upper() != b"KNN":
            raise reported("Syntax error: Expecting Vector Similarity command", t)
        return _KnnClause(k, fields[0], blob)

    def vector_attribute(self, name: Tok, value: Tok) -> tuple[Tok, Tok]:
        return name, value

    def vector_attribute_list(self, *values: Any) -> list[tuple[Tok, Tok]]:
        if len(values) == 1:
            return [values[0]]
        values[0].append(values[1])
        return values[0]

    def score_field(self, as_tok: Tok, t: Tok) -> Tok:
        return t

    def vector_query(self, cmd: _KnnClause, options: list[tuple[Tok, Tok]] | None = None,
                     score_as: Tok | None = None) -> _KnnClause:
        return replace(cmd, options=tuple(options or ()), score_as=score_as)

    def vector_query_as(self, cmd: _KnnClause, score_as: Tok) -> _KnnClause:
        return replace(cmd, score_as=score_as)

    def _value(self, t: Tok) -> str:
        return self._param_text(t) if t.kind == "ATTRIBUTE" else t.text.decode("utf-8", "replace")

    def knn(self, flt: Any, arrow: Tok, lsqb: Tok, vq: _KnnClause, rsqb: Tok, yield_as: str | None = None) -> Node:
        # The filter: a clause, or `*` (a token) or only stop words (NULL): none.
        node_filter = _closed(flt) if isinstance(flt, (Node, _Open)) else Wildcard()
        blob_name = vq.blob.text.decode("utf-8", "replace")
        blob = self.param(blob_name, "blob")  # RediSearch resolves the vector before K
        k_tok = vq.k
        if k_tok.kind == "ATTRIBUTE":
            name = k_tok.text.decode("utf-8", "replace")
            raw = self.param(name)
            if not raw.isdigit():
                raise SearchError(f"Invalid numeric value ({raw.decode('utf-8', 'replace')}) for parameter `{name}`")
            k = int(raw)
        else:
            k = int(k_tok.text)
        if k >= 2**59:
            raise SearchError("KNN K parameter is too large")
        spec = self.definition.field(vq.field)
        if spec is None or spec.vector is None:
            return Empty()  # RediSearch finds nothing (no error) for a field that is not a vector field
        opts: dict[str, str] = {}
        options = [(n.text.decode("utf-8", "replace").upper(), self._value(v)) for n, v in vq.options]
        score_as = self._value(vq.score_as) if vq.score_as is not None else None
        if score_as is not None and yield_as is not None:
            raise SearchError(f"Distance field was specified twice for vector query: {score_as} and {yield_as}")
        for name, value in options:
            if name not in _VECTOR_OPTIONS:
                raise SearchError("Error parsing vector similarity parameters: Invalid option")
            if name in opts:
                raise SearchError("Error parsing vector similarity parameters: Parameter was specified twice")
            opts[name] = value
        return replace(self._make_knn(node_filter, k, vq.field, blob, score_as, opts), blob_param=blob_name)

    def knn_attributes(self, flt: Any, arrow: Tok, lsqb: Tok, vq: _KnnClause, rsqb: Tok, arrow2: Tok, lb: Tok,
                       raw_attrs: list[tuple[bytes, bytes]], rb: Tok) -> Node:
        for name, value in raw_attrs:
            check_attribute(True, name, value)
        attrs = _decoded(raw_attrs)
        yield_as = next((v for k, v in attrs.items() if k.lower() == "yield_distance_as"), None)
        node = self.knn(flt, arrow, lsqb, vq, rsqb, yield_as)
        if not isinstance(node, Knn) or not attrs:
            return node
        return self._knn_attrs(node, attrs)

    def _make_knn(self, flt: Node, k: int, field: bytes, blob: bytes, score_as: str | None,
                  opts: dict[str, str]) -> Knn:
        spec = self.definition.field(field)
        assert spec is not None and spec.vector is not None
        if "EPSILON" in opts:
            raise SearchError(
                "Error parsing vector similarity parameters: range query attributes were sent for a non-range query")
        hybrid = isinstance(flt, Wildcard)
        policy = opts.get("HYBRID_POLICY")
        batch = opts.get("BATCH_SIZE")
        if (policy is not None or batch is not None) and hybrid:
            raise SearchError(
                "Error parsing vector similarity parameters: hybrid query attributes were sent for a non-hybrid query")
        if policy is not None:
            policy = policy.upper()
            if policy not in ("BATCHES", "ADHOC_BF"):
                raise SearchError("Error parsing vector similarity parameters: invalid hybrid policy was given")
            if policy == "ADHOC_BF" and batch is not None:
                raise SearchError(
                    "Error parsing vector similarity parameters: 'batch size' is irrelevant for 'ADHOC_BF' policy")
            if policy == "ADHOC_BF" and "EF_RUNTIME" in opts:
                raise SearchError(
                    "Error parsing vector similarity parameters: 'EF_RUNTIME' is irrelevant for 'ADHOC_BF' policy")
        ef: int | None = None
        if "EF_RUNTIME" in opts:
            if spec.vector.algorithm != "HNSW":
                raise SearchError("Error parsing vector similarity parameters: Invalid option")
            if not opts["EF_RUNTIME"].isdigit() or int(opts["EF_RUNTIME"]) < 1:
                raise SearchError("Error parsing vector similarity parameters: Invalid value was given")
            ef = int(opts["EF_RUNTIME"])
        batch_size: int | None = None
        if batch is not None:
            if not batch.isdigit() or int(batch) < 1:
                raise SearchError("Error parsing vector similarity parameters: Invalid value was given")
            batch_size = int(batch)
        if len(blob) != spec.vector.blob_size and not spec.csv_vectors:
            raise SearchError(
                f"Error parsing vector similarity query: query vector blob size ({len(blob)}) does not match "
                f"index's expected size ({spec.vector.blob_size}).")
        name = score_as or f"__{field.decode('utf-8', 'replace')}_score"
        if score_as is not None and self.definition.field(score_as.encode()) is not None:
            raise SearchError(f"Property `{score_as}` already exists in schema")
        return Knn(unexpanded(flt), k, field, blob, name, ef, policy, batch_size)

    def _knn_attrs(self, node: Knn, attrs: dict[str, str]) -> Node:
        opts: dict[str, str] = {}
        score_as = None
        for key, value in attrs.items():
            lk = key.lower()
            if lk == "yield_distance_as":
                score_as = value
            elif lk in ("ef_runtime", "epsilon", "hybrid_policy", "batch_size", "shard_k_ratio"):
                opts[lk.upper()] = value
            else:
                raise SearchError("Error parsing vector similarity parameters: Invalid option")
        if score_as is not None and not node.score_as.startswith("__"):
            raise SearchError(
                f"Distance field was specified twice for vector query: {node.score_as} and {score_as}")
        if "EF_RUNTIME" in opts and node.ef_runtime is not None:
            raise SearchError("Error parsing vector similarity parameters: Parameter was specified twice")
        merged = {k: v for k, v in (("EF_RUNTIME", str(node.ef_runtime) if node.ef_runtime else None),
                                    ("HYBRID_POLICY", node.hybrid_policy),
                                    ("BATCH_SIZE", str(node.batch_size) if node.batch_size else None)) if v}
        merged.update(opts)
        made = self._make_knn(node.filter, node.k, node.field, node.blob,
                              score_as or (None if node.score_as.startswith("__") else node.score_as), merged)
        return replace(made, blob_param=node.blob_param)


def _decoded(attrs: list[tuple[bytes, bytes]]) -> dict[str, str]:
    """Query attributes by name (a later one replaces an earlier one of the same name)."""
    return {k.decode("utf-8", "replace"): v.decode("utf-8", "replace") for k, v in attrs}


def _compare(field: bytes, op: str, num: float) -> Node:
    if op == "==":
        return NumericRange(field, num, num)
    if op == "!=":
        return Not(NumericRange(field, num, num))
    if op == ">":
        return NumericRange(field, num, math.inf, lo_excl=True)
    if op == ">=":
        return NumericRange(field, num, math.inf)
    if op == "<":
        return NumericRange(field, -math.inf, num, hi_excl=True)
    return NumericRange(field, -math.inf, num)


def _adopted(b: Node | _Open, c: Node | _Open) -> Node | _Open:
    """RediSearch's ``union ::= union OR expr`` adds C to B's children whatever B is. B is not a union when
    the first ``expr OR expr`` had a stop word on one side (``the | x | y``, ``x | the | y``: B is x), and
    then C joins x: an intersection or a phrase gets one more clause or word, a tag clause one more value
    (a word, prefix, suffix or infix, folded as a term is), and any other clause ignores it. The union is
    gone: ``the | (a b) | c`` is ``a b c``, ``the | @t:{x} | y`` is ``@t:{x|y}``, ``the | a | b`` is ``a``."""
    c = _closed(c)
    if isinstance(b, (_Open, Intersect)):
        opened = b if isinstance(b, _Open) else _reopened(b)
        fields = b.fields if isinstance(b, Intersect) else None
        opened.children.append(_with_fields(c, fields) if fields is not None else c)
        return opened
    if isinstance(b, Phrase):
        if isinstance(c, Term) and c.kind == "exact":
            return replace(b, terms=(*b.terms, (len(b.terms), c.text)))
        return Empty()  # an exact phrase with a clause that has no word positions
    if isinstance(b, Tag) and isinstance(c, Term) and c.kind in _TAG_KINDS:
        value = c.text.lower().encode("utf-8")
        kind = c.kind
        return replace(b, values=(*b.values, TagValue(value, prefix=kind in ("prefix", "infix"),
                                                      suffix=kind in ("suffix", "infix"),
                                                      wildcard=kind == "wildcard")))
    return b


_TAG_KINDS = ("exact", "prefix", "suffix", "infix", "wildcard")


def _with_fields(node: Node, fields: tuple[bytes, ...]) -> Node:
    """``@f:clause``: the clause's words searched in ``fields`` only. A field modifier inside another
    keeps the fields both name, as RediSearch's field masks intersect (none: the words match nothing)."""
    if isinstance(node, (Term, Phrase)):
        own = node.fields
        return replace(node, fields=fields if own is None else tuple(f for f in own if f in fields))
    if isinstance(node, (Union, Intersect)):
        own = node.fields
        return replace(node, children=tuple(_with_fields(c, fields) for c in node.children),
                       fields=fields if own is None else tuple(f for f in own if f in fields))
    if isinstance(node, (Not, Optional)):
        own = node.fields
        return replace(node, child=_with_fields(node.child, fields),
                       fields=fields if own is None else tuple(f for f in own if f in fields))
    return node


def unexpanded(node: Node) -> Node:
    """``node`` with its words matched as written: RediSearch does not run its stemming expander under NOT
    or OPTIONAL, nor in a KNN's filter (``(run)=>[KNN ...]`` matches no "running"; ``-run`` keeps it)."""
    if isinstance(node, Term):
        return node if node.verbatim or node.kind != "exact" else replace(node, verbatim=True)
    if isinstance(node, (Union, Intersect)):
        return replace(node, children=tuple(unexpanded(c) for c in node.children))
    if isinstance(node, (Not, Optional)):
        return replace(node, child=unexpanded(node.child))
    return node


def parse_query(text: str, definition: IndexDefinition, params: dict[str, bytes], dialect: int = 2,
                verbatim: bool = False, stopwords: frozenset[str] | None = None) -> Node:
    """Parse a query string in DIALECT 1, or in DIALECT 2 (and later: they share its grammar)."""
    return parse_query_uses(text, definition, params, dialect, verbatim, stopwords)[0]


def parse_query_uses(text: str, definition: IndexDefinition, params: dict[str, bytes], dialect: int = 2,
                     verbatim: bool = False, stopwords: frozenset[str] | None = None) -> tuple[Node, dict[str, str]]:
    """parse_query, and how each parameter it read was used (_Builder.param_uses). A malformed query fails
    with the error RediSearch gives for it (query/syntax.py) before anything else is looked at."""
    stop = definition.stopword_set if stopwords is None else stopwords
    builder = _Builder(definition, params, stop, verbatim, dialect)
    try:
        node = parse(text, dialect, stop, builder)
    except SearchError:
        # The builder stops at the first error it meets, where RediSearch reports a syntax error (or the
        # failure of a check it makes while parsing) before anything it looks at afterwards: the
        # syntax check raises that error if there is one.
        check_syntax(text, dialect, stop, params)
        raise
    return node, builder.param_uses
