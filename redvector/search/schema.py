"""Index definitions: FT.CREATE / FT.ALTER argument grammar -> IndexDefinition and FieldSpec (RediSearch 2.10).

The definition keeps the original FT.CREATE argv and every FT.ALTER argv, so persistence can re-create it
exactly. Options before SCHEMA are accepted in any order, as ``AC_ParseArgSpec`` does; per-field options
too (RedisVL and redis-py emit different orders).
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field

from redvector.errors import RedVectorError, SearchError
from redvector.keyspace.types.json_path import compile_path
from redvector.search.vector.base import Metric, VectorOptions

# The product's short form ``VECTOR(384)``: a FLAT FLOAT32 field of that dimension, with this metric,
# that also accepts comma-separated floats as values (see README "FT.* short syntax").
SHORT_VECTOR_RE = re.compile(rb"^VECTOR\((\d+)\)$", re.IGNORECASE)
SHORT_VECTOR_METRIC = Metric.COSINE

LANGUAGES = {
    "arabic", "armenian", "basque", "catalan", "danish", "dutch", "english", "finnish", "french",
    "german", "greek", "hindi", "hungarian", "indonesian", "irish", "italian", "lithuanian", "nepali",
    "norwegian", "portuguese", "romanian", "russian", "serbian", "spanish", "swedish", "tamil",
    "turkish", "yiddish", "chinese",
}

DEFAULT_STOPWORDS: tuple[str, ...] = (
    "a", "is", "the", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "it",
    "no", "not", "of", "on", "or", "such", "that", "their", "then", "there", "these", "they", "this", "to",
    "was", "will", "with",
)


class FieldType(enum.Enum):
    TEXT = "TEXT"
    TAG = "TAG"
    NUMERIC = "NUMERIC"
    GEO = "GEO"
    GEOSHAPE = "GEOSHAPE"
    VECTOR = "VECTOR"


# RediSearch's limits on TEXT fields: a narrow index's field mask holds 32, a wide one (MAXTEXTFIELDS, or
# created with more than 32) 128, and no index more.
NARROW_TEXT_FIELDS = 32
MAX_TEXT_FIELDS = 128


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One SCHEMA entry. ``name`` is the attribute (alias) queries use; ``identifier`` the hash field."""

    identifier: bytes
    name: bytes
    type: FieldType
    sortable: bool = False
    unf: bool = False
    noindex: bool = False
    weight: float = 1.0
    nostem: bool = False
    phonetic: str | None = None
    separator: bytes = b","
    casesensitive: bool = False
    withsuffixtrie: bool = False
    indexempty: bool = False
    indexmissing: bool = False
    vector: VectorOptions | None = None
    # Created with the short form VECTOR(n): values may also be comma-separated floats.
    csv_vectors: bool = False
    coord_system: str = "SPHERICAL"  # GEOSHAPE: FLAT or SPHERICAL

    @property
    def name_str(self) -> str:
        return self.name.decode("utf-8", "replace")

    def flags(self) -> list[str]:
        """FT.INFO flags in RediSearch's order."""
        out = []
        if self.casesensitive:
            out.append("CASESENSITIVE")
        if self.sortable:
            out.append("SORTABLE")
        if self.unf:
            out.append("UNF")
        if self.nostem:
            out.append("NOSTEM")
        if self.noindex:
            out.append("NOINDEX")
        if self.withsuffixtrie:
            out.append("WITHSUFFIXTRIE")
        if self.indexempty:
            out.append("INDEXEMPTY")
        if self.indexmissing:
            out.append("INDEXMISSING")
        return out


@dataclass(slots=True)
class IndexDefinition:
    """Everything FT.CREATE (and FT.ALTER) said about an index."""

    name: bytes
    fields: list[FieldSpec]
    on: str = "HASH"
    prefixes: list[bytes] = field(default_factory=lambda: [b""])
    filter: bytes | None = None
    language: str | None = None
    language_field: bytes | None = None
    score: float = 1.0
    score_field: bytes | None = None
    payload_field: bytes | None = None
    stopwords: list[str] | None = None  # None: the default list
    options: list[str] = field(default_factory=list)  # NOOFFSETS NOHL NOFIELDS NOFREQS MAXTEXTFIELDS
    skip_initial_scan: bool = False
    # Field masks wide enough for FT.ALTER to add TEXT fields past NARROW_TEXT_FIELDS (set by parse_create)
    wide_text: bool = False
    temporary_s: int | None = None
    # The commands that built it, for persistence (re-run in order to re-create the index).
    create_argv: list[bytes] = field(default_factory=list)
    alter_argvs: list[list[bytes]] = field(default_factory=list)

    def field(self, name: bytes) -> FieldSpec | None:
        for f in self.fields:
            if f.name == name:
                return f
        return None

    def field_ci(self, name: bytes) -> FieldSpec | None:
        """Look up by attribute name; RediSearch field names are case-sensitive, so this is exact first."""
        return self.field(name)

    @property
    def stopword_set(self) -> frozenset[str]:
        return frozenset(DEFAULT_STOPWORDS if self.stopwords is None else self.stopwords)

    def vector_fields(self) -> list[FieldSpec]:
        return [f for f in self.fields if f.type is FieldType.VECTOR]

    def argvs(self) -> list[list[bytes]]:
        """The commands that re-create this index: FT.CREATE then each FT.ALTER."""
        return [list(self.create_argv), *(list(a) for a in self.alter_argvs)]


class _Args:
    """A small cursor over FT.CREATE arguments (RediSearch's ArgsCursor)."""

    __slots__ = ("args", "pos")

    def __init__(self, args: list[bytes], pos: int = 0) -> None:
        self.args = args
        self.pos = pos

    def more(self) -> bool:
        return self.pos < len(self.args)

    def peek(self) -> bytes | None:
        return self.args[self.pos] if self.pos < len(self.args) else None

    def peek_upper(self) -> str:
        p = self.peek()
        return p.decode("latin-1").upper() if p is not None else ""

    def next(self, what: str = "") -> bytes:
        if self.pos >= len(self.args):
            raise SearchError(f"{what}: Expected an argument, but none provided" if what else
                              "Expected an argument, but none provided")
        a = self.args[self.pos]
        self.pos += 1
        return a

    def next_upper(self, what: str = "") -> str:
        return self.next(what).decode("latin-1").upper()


def _int(arg: bytes) -> int | None:
    try:
        text = arg.decode()
        if not re.fullmatch(r"[+-]?\d+", text):
            return None
        return int(text)
    except UnicodeDecodeError:
        return None


def _float(arg: bytes) -> float | None:
    try:
        return float(arg)
    except ValueError:
        return None


def parse_create(argv: list[bytes]) -> IndexDefinition:
    """FT.CREATE <index> [options] SCHEMA <field> ... (argv includes the command name)."""
    args = _Args(argv, 2)
    d = IndexDefinition(name=argv[1], fields=[], create_argv=list(argv))
    saw_prefix = False
    while True:
        if not args.more():
            raise SearchError("No schema found")
        tok = args.next_upper()
        if tok == "SCHEMA":
            break
        if tok == "ON":
            kind = args.next_upper("Bad arguments for ON")
            if kind not in ("HASH", "JSON"):
                raise SearchError(f"Invalid index type `{kind}`" if kind else "Invalid index type")
            d.on = kind
        elif tok == "PREFIX":
            n = _int(args.next("Bad arguments for PREFIX"))
            if n is None or n < 0:
                raise SearchError("Bad arguments for PREFIX: Could not convert argument to expected type")
            prefixes = []
            for _ in range(n):
                if not args.more():
                    raise SearchError("Bad arguments for PREFIX: Expected an argument, but none provided")
                prefixes.append(args.next())
            d.prefixes = (d.prefixes if saw_prefix and d.prefixes != [b""] else []) + prefixes or [b""]
            saw_prefix = True
        elif tok == "FILTER":
            d.filter = args.next("Bad arguments for FILTER")
        elif tok == "LANGUAGE":
            lang = args.next("Bad arguments for LANGUAGE").decode("latin-1").lower()
            if lang not in LANGUAGES:
                raise SearchError("Invalid language")
            d.language = lang
        elif tok == "LANGUAGE_FIELD":
            d.language_field = args.next("Bad arguments for LANGUAGE_FIELD")
        elif tok == "SCORE":
            score = _float(args.next("Bad arguments for SCORE"))
            if score is None or not 0 <= score <= 1:
                raise SearchError("Invalid score")
            d.score = score
        elif tok == "SCORE_FIELD":
            d.score_field = args.next("Bad arguments for SCORE_FIELD")
        elif tok == "PAYLOAD_FIELD":
            d.payload_field = args.next("Bad arguments for PAYLOAD_FIELD")
        elif tok == "STOPWORDS":
            n = _int(args.next("Bad arguments for STOPWORDS"))
            if n is None or n < 0:
                raise SearchError("Bad arguments for STOPWORDS: Could not convert argument to expected type")
            words = []
            for _ in range(n):
                if not args.more():
                    raise SearchError("Bad arguments for STOPWORDS: Expected an argument, but none provided")
                words.append(args.next().decode("utf-8", "replace").lower())
            d.stopwords = words
        elif tok == "TEMPORARY":
            t = _int(args.next("Bad arguments for TEMPORARY"))
            if t is None or t < 0:
                raise SearchError("Bad arguments for TEMPORARY: Could not convert argument to expected type")
            d.temporary_s = t
        elif tok in ("NOOFFSETS", "NOHL", "NOFIELDS", "NOFREQS", "MAXTEXTFIELDS"):
            if tok not in d.options:
                d.options.append(tok)
        elif tok == "SKIPINITIALSCAN":
            d.skip_initial_scan = True
        elif tok == "INDEXALL":
            v = args.next_upper("Bad arguments for INDEXALL")
            if v not in ("ENABLE", "DISABLE"):
                raise SearchError("Invalid argument for `INDEXALL`, use ENABLE/DISABLE")
        else:
            raise SearchError(f"Unknown argument `{argv[args.pos - 1].decode('utf-8', 'replace')}`")
    if not args.more():
        raise SearchError("Fields arguments are missing")
    d.fields = parse_fields(args, [], json=d.on == "JSON")
    check_json_paths(d, d.fields)
    # RediSearch widens an index's field masks when it is created with more TEXT fields than a narrow
    # mask holds, or asked to (MAXTEXTFIELDS); FT.ALTER may then add TEXT fields up to the hard limit.
    d.wide_text = "MAXTEXTFIELDS" in d.options or _text_count(d.fields) > NARROW_TEXT_FIELDS
    return d


def check_json_paths(definition: IndexDefinition, fields: list[FieldSpec]) -> None:
    """ON JSON: every field identifier must be a JSONPath (``$.a.b``, or the legacy ``a.b``)."""
    if definition.on != "JSON":
        return
    for f in fields:
        try:
            compile_path(f.identifier)
        except RedVectorError:
            raise SearchError(
                f"Invalid JSONPath '{f.identifier.decode('utf-8', 'replace')}' in attribute '{f.name_str}' in "
                f"index '{definition.name.decode('utf-8', 'replace')}'") from None


def parse_alter(definition: IndexDefinition, argv: list[bytes]) -> list[FieldSpec]:
    """FT.ALTER <index> [SKIPINITIALSCAN] SCHEMA ADD <field> ... -> the new fields (validated)."""
    args = _Args(argv, 2)
    if args.peek_upper() == "SKIPINITIALSCAN":
        args.next()
    if args.peek_upper() != "SCHEMA":
        raise SearchError("ALTER must be followed by SCHEMA")
    args.next()
    if args.peek_upper() != "ADD":
        raise SearchError("Unknown action passed to ALTER SCHEMA")
    args.next()
    if not args.more():
        raise SearchError("No fields provided")
    fields = parse_fields(args, definition.fields, json=definition.on == "JSON")
    check_json_paths(definition, fields)
    if not definition.wide_text and _text_count(definition.fields) + _text_count(fields) > NARROW_TEXT_FIELDS:
        raise SearchError("Cannot add more fields. Declare index with wide fields to allow adding unlimited fields")
    return fields


def _text_count(fields: list[FieldSpec]) -> int:
    return sum(1 for f in fields if f.type is FieldType.TEXT)


def parse_fields(args: _Args, existing: list[FieldSpec], json: bool = False) -> list[FieldSpec]:
    out: list[FieldSpec] = []
    names = {f.name for f in existing}
    texts = _text_count(existing)
    while args.more():
        f = _parse_field(args, json)
        if f.name in names:
            raise SearchError(f"Duplicate field in schema - {f.name_str}")
        names.add(f.name)
        if f.type is FieldType.TEXT:
            texts += 1
            if texts > MAX_TEXT_FIELDS:
                raise SearchError(f"Schema is limited to {MAX_TEXT_FIELDS} TEXT fields")
        out.append(f)
    return out


def _parse_field(args: _Args, json: bool = False) -> FieldSpec:
    """One SCHEMA entry. On JSON a TAG splits on a SEPARATOR only when one is given (each string of the
    document is one tag; FT.INFO shows the separator as empty)."""
    identifier = args.next()
    name = identifier
    if args.peek_upper() == "AS":
        args.next()
        if not args.more():
            raise SearchError("AS requires an argument")
        name = args.next()
    ident_text = identifier.decode("utf-8", "replace")
    if not args.more():
        raise SearchError(f"Field `{ident_text}` does not have a type")
    type_arg = args.next()
    short = SHORT_VECTOR_RE.match(type_arg)
    kw: dict[str, object] = {"separator": b""} if json else {}
    if short:
        dim = int(short.group(1))
        if dim < 1:
            raise SearchError("Bad arguments for vector similarity FLAT index dim: Value is outside acceptable bounds")
        kw["vector"] = VectorOptions("FLAT", dim, SHORT_VECTOR_METRIC, "FLOAT32")
        kw["csv_vectors"] = True
        ftype = FieldType.VECTOR
    else:
        try:
            ftype = FieldType(type_arg.decode("latin-1").upper())
        except ValueError:
            raise SearchError(f"Invalid field type for field `{ident_text}`")
        if ftype is FieldType.VECTOR:
            kw["vector"] = _parse_vector(args)
        elif ftype is FieldType.GEOSHAPE and args.peek_upper() in ("FLAT", "SPHERICAL"):
            kw["coord_system"] = args.next().decode().upper()
    # Type options and the common options, in any order; the first unknown token starts the next field.
    while args.more():
        tok = args.peek_upper()
        if tok == "SORTABLE" and ftype is not FieldType.VECTOR:
            args.next()
            kw["sortable"] = True
            if args.peek_upper() == "UNF":
                args.next()
                kw["unf"] = True
        elif tok == "UNF" and kw.get("sortable"):
            args.next()
            kw["unf"] = True
        elif tok == "NOINDEX" and ftype is not FieldType.VECTOR:
            args.next()
            kw["noindex"] = True
        elif tok == "INDEXMISSING":
            args.next()
            kw["indexmissing"] = True
        elif tok == "INDEXEMPTY" and ftype in (FieldType.TEXT, FieldType.TAG):
            args.next()
            kw["indexempty"] = True
        elif tok == "WITHSUFFIXTRIE" and ftype in (FieldType.TEXT, FieldType.TAG):
            args.next()
            kw["withsuffixtrie"] = True
        elif ftype is FieldType.TEXT and tok == "NOSTEM":
            args.next()
            kw["nostem"] = True
        elif ftype is FieldType.TEXT and tok == "WEIGHT":
            args.next()
            w = _float(args.next("Bad arguments for weight"))
            if w is None or w < 0:
                raise SearchError("Bad arguments for weight: Could not convert argument to expected type")
            kw["weight"] = w
        elif ftype is FieldType.TEXT and tok == "PHONETIC":
            args.next()
            m = args.next("Bad arguments for PHONETIC").decode("latin-1")
            if m.lower() not in ("dm:en", "dm:fr", "dm:pt", "dm:es"):
                raise SearchError(
                    "Matcher Format: <2 chars algorithm>:<2 chars language>. Support algorithms: double "
                    "metaphone (dm). Supported languages: English (en), French (fr), Portuguese (pt) and "
                    "Spanish (es)")
            kw["phonetic"] = m
        elif ftype is FieldType.TAG and tok == "SEPARATOR":
            args.next()
            sep = args.next("Bad arguments for SEPARATOR")
            if len(sep) != 1:
                raise SearchError(
                    f"Tag separator must be a single character. Got `{sep.decode('utf-8', 'replace')}`")
            kw["separator"] = sep
        elif ftype is FieldType.TAG and tok == "CASESENSITIVE":
            args.next()
            kw["casesensitive"] = True
        else:
            break
    if kw.get("noindex") and kw.get("indexmissing"):
        raise SearchError(
            f"'Field cannot be defined with both `NOINDEX` and `INDEXMISSING` `{ident_text}` '")
    # SORTABLE on NUMERIC and on CASESENSITIVE TAG implies UNF (RediSearch field_spec.c); on JSON, always.
    if kw.get("sortable") and (json or ftype is FieldType.NUMERIC or (ftype is FieldType.TAG and kw.get("casesensitive"))):
        kw["unf"] = True
    return FieldSpec(identifier, name, ftype, **kw)  # type: ignore[arg-type]


_VECTOR_ATTRS = {
    "FLAT": ("TYPE", "DIM", "DISTANCE_METRIC", "INITIAL_CAP", "BLOCK_SIZE"),
    "HNSW": ("TYPE", "DIM", "DISTANCE_METRIC", "INITIAL_CAP", "M", "EF_CONSTRUCTION", "EF_RUNTIME", "EPSILON"),
}
_VECTOR_TYPES = ("FLOAT32", "FLOAT64", "FLOAT16", "BFLOAT16")


def _parse_vector(args: _Args) -> VectorOptions:
    if not args.more():
        raise SearchError("Bad arguments for vector similarity algorithm: Expected an argument, but none provided")
    algo = args.next().decode("latin-1").upper()
    if algo not in _VECTOR_ATTRS:
        raise SearchError("Bad arguments for vector similarity algorithm: Unknown argument")
    if not args.more():
        raise SearchError(
            "Bad arguments for vector similarity number of parameters: Expected an argument, but none provided")
    nargs = _int(args.next())
    if nargs is None or nargs < 0:
        raise SearchError(
            "Bad arguments for vector similarity number of parameters: Could not convert argument to expected type")
    if nargs % 2:
        raise SearchError(
            f"Bad number of arguments for vector similarity index: got {nargs} but expected even number "
            "(as algorithm parameters should be submitted as named arguments)")
    available = len(args.args) - args.pos
    if available < nargs:
        raise SearchError(f"Expected {nargs} parameters but got {available}")
    values: dict[str, object] = {}
    for _ in range(nargs // 2):
        attr = args.next().decode("latin-1").upper()
        raw = args.next()
        if attr not in _VECTOR_ATTRS[algo]:
            raise SearchError(f"Bad arguments for algorithm {algo}: {raw_name(args.args[args.pos - 2])}")
        prefix = f"Bad arguments for vector similarity {algo} index {attr.lower() if attr != 'DISTANCE_METRIC' else 'metric'}"
        if attr == "TYPE":
            t = raw.decode("latin-1").upper()
            if t not in _VECTOR_TYPES:
                raise SearchError(f"{prefix}: Unknown argument" if t not in ("INT8", "UINT8") else
                                  f"{prefix}: data type {t} is not supported by RedVector")
            values["dtype"] = t
        elif attr == "DISTANCE_METRIC":
            m = raw.decode("latin-1").upper()
            if m not in ("L2", "IP", "COSINE"):
                raise SearchError(f"{prefix}: Unknown argument")
            values["metric"] = Metric(m)
        elif attr == "EPSILON":
            e = _float(raw)
            if e is None:
                raise SearchError(f"{prefix}: Could not convert argument to expected type")
            if e <= 0:
                raise SearchError(f"{prefix}: Value is outside acceptable bounds")
            values["epsilon"] = e
        else:
            n = _int(raw)
            if n is None:
                raise SearchError(f"{prefix}: Could not convert argument to expected type")
            low = 0 if attr in ("INITIAL_CAP", "BLOCK_SIZE") else 1
            if n < low or n > 2**31:
                raise SearchError(f"{prefix}: Value is outside acceptable bounds")
            values[{"DIM": "dim", "INITIAL_CAP": "initial_cap", "BLOCK_SIZE": "block_size", "M": "m",
                    "EF_CONSTRUCTION": "ef_construction", "EF_RUNTIME": "ef_runtime"}[attr]] = n
    for required, key in (("TYPE", "dtype"), ("DIM", "dim"), ("DISTANCE_METRIC", "metric")):
        if key not in values:
            raise SearchError(
                f"Missing mandatory parameter: cannot create {algo} index without specifying {required} argument")
    return VectorOptions(algorithm=algo, **values)  # type: ignore[arg-type]


def raw_name(arg: bytes) -> str:
    return arg.decode("utf-8", "replace")
