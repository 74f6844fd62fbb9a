"""RediSearch's own section of a Redis Stack dump: index definitions and spell-check dictionaries.

RediSearch 2.x keeps its definitions out of the keyspace, as module aux data (opcode 0xF7) of two module
types, both written before the keys (``when`` = 1) and/or after them (``when`` = 2):

- ``ft_index0`` (``Indexes_RdbSave``, encoding version 23 in RediSearch 2.10; 22 and 24 differ only as
  noted): the index count, then per index its name, flags, fields (``FieldSpec_RdbSave``), schema rule
  (``SchemaRule_RdbSave``), custom stop words, synonym map, timeout and aliases;
- ``scdtype00`` (``SpellCheckDictAuxSave``, after the keys): the FT.DICTADD dictionaries, each a name
  and a trie of terms (entry count, then per term its text and score).

Every value is typed (MODULE_OP_UINT / DOUBLE / STRING); strings are C strings saved with their NUL.
The decoder turns this into the commands that re-create the same state in RedVector (FT.CREATE,
FT.SYNUPDATE, FT.ALIASADD, FT.DICTADD), which the search participant runs after the keys are loaded, the
path RedVector's own saved definitions take. Anything unexpected raises AuxFormatError; the reader then
skips the section (see ``read_module_aux``), so an unknown or newer encoding never fails a load.
"""

from __future__ import annotations

import logging
import struct
from typing import Any

from redvector.persistence.rdb import constants as c

log = logging.getLogger("redvector.persistence")

INDEX_MODULE_ID = c.module_type_id("ft_index0", 0) >> 10
DICT_MODULE_ID = c.module_type_id("scdtype00", 0) >> 10
DICT_ENCVER = 1
INDEX_ENCVERS = range(22, 25)  # RediSearch 2.8 (tiered vectors: 22; GEOSHAPE: 23) to 2.10 / 8.0 INDEXALL (24)

# IndexFlags (spec.h)
_STORE_TERM_OFFSETS = 0x01
_STORE_FIELD_FLAGS = 0x02
_CUSTOM_STOPWORDS = 0x08
_STORE_FREQS = 0x10
_STORE_BYTE_OFFSETS = 0x40
_WIDE_SCHEMA = 0x80
_HAS_SYNONYMS = 0x100
_TEMPORARY = 0x200
# FieldType
_TEXT, _NUMERIC, _GEO, _TAG, _VECTOR, _GEOSHAPE = 0x01, 0x02, 0x04, 0x08, 0x10, 0x20
# FieldSpecOptions
_SORTABLE, _NOSTEM, _NOINDEX, _PHONETIC, _DYNAMIC = 0x01, 0x02, 0x04, 0x08, 0x10
_UNF, _SUFFIX_TRIE, _INDEX_EMPTY, _INDEX_MISSING = 0x20, 0x40, 0x100, 0x200
_TAG_CASE_SENSITIVE = 0x01
# VecSim enums
_ALGO_BF, _ALGO_HNSW, _ALGO_TIERED = 0, 1, 2
_VECTOR_TYPES = ["FLOAT32", "FLOAT64", "BFLOAT16", "FLOAT16", "INT8", "UINT8"]
_METRICS = ["L2", "IP", "COSINE"]
_GEOSHAPE_COORDS = ["FLAT", "SPHERICAL"]  # GEOMETRY_COORDS_Cartesian, GEOMETRY_COORDS_Geographic
# RSLanguage, in enum order.
_LANGUAGES = ["english", "arabic", "basque", "catalan", "chinese", "danish", "dutch", "finnish", "french",
              "german", "greek", "hindi", "hungarian", "italian", "indonesian", "irish", "lithuanian",
              "nepali", "norwegian", "portuguese", "romanian", "russian", "spanish", "swedish", "tamil",
              "turkish", "armenian", "serbian", "yiddish"]

_DOUBLE = struct.Struct("<d").unpack


class AuxFormatError(ValueError):
    pass


class _Typed:
    """Typed reads over an RdbReader (each value is preceded by its MODULE_OP_* opcode)."""

    def __init__(self, reader: Any) -> None:
        self.r = reader

    def _expect(self, opcode: int, what: str) -> None:
        got = self.r.length()
        if got != opcode:
            raise AuxFormatError(f"{what}: expected module opcode {opcode}, got {got}")

    def uint(self, what: str) -> int:
        self._expect(c.MODULE_OP_UINT, what)
        return int(self.r.length())

    def sint(self, what: str) -> int:
        v = self.uint(what)  # RM_SaveSigned stores the two's complement bits as an unsigned value
        return v - (1 << 64) if v >= 1 << 63 else v

    def double(self, what: str) -> float:
        self._expect(c.MODULE_OP_DOUBLE, what)
        return float(_DOUBLE(self.r.read(8))[0])

    def buffer(self, what: str) -> bytes:
        self._expect(c.MODULE_OP_STRING, what)
        return bytes(self.r.string())

    def cstr(self, what: str) -> bytes:
        """A string saved with its terminating NUL (RediSearch's names, paths, prefixes, terms)."""
        s = self.buffer(what)
        return s[:-1] if s.endswith(b"\0") else s

    def eof(self) -> None:
        self._expect(c.MODULE_OP_EOF, "end of the module aux data")


def read_module_aux(reader: Any) -> tuple[bytes, list[list[bytes]]] | None:
    """Read one module aux record (after its opcode). RediSearch's index definitions or dictionaries
    come back as ("indexes" | "dictionaries", commands); anything else, or a RediSearch record this
    decoder does not understand (logged), is skipped and gives None."""
    start = reader.pos
    module_id = reader.length()
    kind = {INDEX_MODULE_ID: b"indexes", DICT_MODULE_ID: b"dictionaries"}.get(module_id >> 10)
    if kind is None:
        reader.pos = start
        reader.skip_module_aux()
        return None
    encver = module_id & 0x3FF
    try:
        typed = _Typed(reader)
        when = typed.uint("when")
        if kind == b"indexes":
            if encver not in INDEX_ENCVERS:
                raise AuxFormatError(f"index definitions of encoding version {encver} are not known "
                                     f"(only {INDEX_ENCVERS.start}..{INDEX_ENCVERS.stop - 1})")
            commands = _indexes(typed, encver) if reader.pos < len(reader.data) and _peek_uint(reader) else []
        else:
            if encver != DICT_ENCVER:
                raise AuxFormatError(f"dictionaries of encoding version {encver} are not known (only 1)")
            commands = _dictionaries(typed) if when == 2 and not _peek_eof(reader) else []
        typed.eof()
        return kind, commands
    except AuxFormatError as e:
        problem = str(e)
    except Exception as e:  # a malformed record: truncated strings, bad lengths
        problem = f"{type(e).__name__}: {e}"
    log.warning("RediSearch %s in the dump could not be read (%s): skipped, create them again with FT.%s",
                kind.decode(), problem, "CREATE" if kind == b"indexes" else "DICTADD")
    reader.pos = start
    reader.skip_module_aux()
    return None


def _peek_uint(reader: Any) -> bool:
    """Whether a MODULE_OP_UINT follows (the index count; a 'before keys' record of old versions is empty)."""
    return bool(reader.data[reader.pos] == c.MODULE_OP_UINT)


def _peek_eof(reader: Any) -> bool:
    return bool(reader.data[reader.pos] == c.MODULE_OP_EOF)


def encode_commands(commands: list[list[bytes]]) -> bytes:
    """RESP arrays of bulk strings, as the AOF frames commands."""
    out = bytearray()
    for argv in commands:
        out += b"*%d\r\n" % len(argv)
        for arg in argv:
            out += b"$%d\r\n%s\r\n" % (len(arg), arg)
    return bytes(out)


# -- index definitions ---------------------------------------------------------------------------------
def _indexes(t: _Typed, encver: int) -> list[list[bytes]]:
    commands: list[list[bytes]] = []
    for _ in range(t.uint("index count")):
        commands += _index(t, encver)
    return commands


def _index(t: _Typed, encver: int) -> list[list[bytes]]:
    name = t.cstr("index name")
    flags = t.uint("index flags")
    fields = [_field(t, encver) for _ in range(t.uint("field count"))]
    rule = _rule(t, encver)
    stopwords = [t.cstr("stop word") for _ in range(t.uint("stop word count"))] if flags & _CUSTOM_STOPWORDS else None
    synonyms = _synonyms(t) if flags & _HAS_SYNONYMS else {}
    timeout = t.sint("timeout")
    aliases = [t.cstr("alias") for _ in range(t.uint("alias count"))]

    argv = [b"FT.CREATE", name, b"ON", rule["type"]]
    if rule["prefixes"] != [b""]:
        argv += [b"PREFIX", b"%d" % len(rule["prefixes"]), *rule["prefixes"]]
    if rule["filter"] is not None:
        argv += [b"FILTER", rule["filter"]]
    if rule["language"] != "english":
        argv += [b"LANGUAGE", rule["language"].encode()]
    if rule["language_field"] is not None:
        argv += [b"LANGUAGE_FIELD", rule["language_field"]]
    if rule["score"] != 1.0:
        argv += [b"SCORE", repr(rule["score"]).encode()]
    if rule["score_field"] is not None:
        argv += [b"SCORE_FIELD", rule["score_field"]]
    if rule["payload_field"] is not None:
        argv += [b"PAYLOAD_FIELD", rule["payload_field"]]
    if rule.get("index_all"):
        argv += [b"INDEXALL", b"ENABLE"]
    if not flags & _STORE_TERM_OFFSETS:
        argv.append(b"NOOFFSETS")
    elif not flags & _STORE_BYTE_OFFSETS:
        argv.append(b"NOHL")
    if not flags & _STORE_FIELD_FLAGS:
        argv.append(b"NOFIELDS")
    if not flags & _STORE_FREQS:
        argv.append(b"NOFREQS")
    if flags & _WIDE_SCHEMA:
        argv.append(b"MAXTEXTFIELDS")
    if flags & _TEMPORARY and timeout > 0:
        argv += [b"TEMPORARY", b"%d" % max(1, timeout // 1000)]
    if stopwords is not None:
        argv += [b"STOPWORDS", b"%d" % len(stopwords), *stopwords]
    # SKIPINITIALSCAN is not repeated: RediSearch indexes every loaded key after a load, whatever the flag.
    argv.append(b"SCHEMA")
    for f in fields:
        argv += f
    commands = [argv]
    by_group: dict[bytes, list[bytes]] = {}
    for term, groups in synonyms.items():
        for group in groups:
            by_group.setdefault(group, []).append(term)
    for group, terms in by_group.items():
        commands.append([b"FT.SYNUPDATE", name, group, b"SKIPINITIALSCAN", *terms])
    commands += [[b"FT.ALIASADD", alias, name] for alias in aliases]
    return commands


def _field(t: _Typed, encver: int) -> list[bytes]:
    name = t.cstr("field name")
    path = t.cstr("field path") if t.uint("field path flag") == 1 else name
    types = t.uint("field types")
    options = t.uint("field options")
    t.sint("sort index")
    out = [path, b"AS", name] if path != name else [name]
    if options & _DYNAMIC:
        raise AuxFormatError("dynamic fields are not supported")
    weight = 1.0
    if types & _TEXT:
        t.uint("text field id")
        weight = t.double("text weight")
    separator, tag_flags = b",", 0
    if types & _TAG:
        tag_flags = t.uint("tag flags")
        separator = t.buffer("tag separator")[:1]
    vector: list[bytes] = []
    if types & _VECTOR:
        t.uint("vector blob size")
        vector = _vector(t)
    coords = b"FLAT"  # before encoding 23 (RediSearch 2.8.1-2.8.3) the system was not saved: Cartesian
    if types & _GEOSHAPE and encver >= 23:
        system = t.uint("geoshape coordinates")
        if system >= len(_GEOSHAPE_COORDS):
            raise AuxFormatError(f"unknown GEOSHAPE coordinate system {system}")
        coords = _GEOSHAPE_COORDS[system].encode()
    kinds = [k for k in (_TEXT, _NUMERIC, _GEO, _TAG, _VECTOR, _GEOSHAPE) if types & k]
    if len(kinds) != 1:
        raise AuxFormatError(f"field {name!r} has field types 0x{types:x}")
    kind = kinds[0]
    if kind == _TEXT:
        out.append(b"TEXT")
        if weight != 1.0:
            out += [b"WEIGHT", repr(weight).encode()]
        if options & _NOSTEM:
            out.append(b"NOSTEM")
        if options & _PHONETIC:
            out += [b"PHONETIC", b"dm:en"]  # the matcher is not saved; double metaphone is the only one
    elif kind == _TAG:
        out.append(b"TAG")
        if separator not in (b",", b"\0"):  # the defaults (HASH, JSON: the array's elements)
            out += [b"SEPARATOR", separator]
        if tag_flags & _TAG_CASE_SENSITIVE:
            out.append(b"CASESENSITIVE")
    elif kind == _NUMERIC:
        out.append(b"NUMERIC")
    elif kind == _GEO:
        out.append(b"GEO")
    elif kind == _GEOSHAPE:
        out += [b"GEOSHAPE", coords]
    else:
        out += vector
    if options & _SUFFIX_TRIE and kind in (_TEXT, _TAG):
        out.append(b"WITHSUFFIXTRIE")
    if options & _INDEX_EMPTY:
        out.append(b"INDEXEMPTY")
    if options & _INDEX_MISSING:
        out.append(b"INDEXMISSING")
    if options & _SORTABLE:
        out.append(b"SORTABLE")
        if options & _UNF and kind in (_TEXT, _TAG):
            out.append(b"UNF")
    if options & _NOINDEX:
        out.append(b"NOINDEX")
    return out


def _vector(t: _Typed) -> list[bytes]:
    algo = t.uint("vector algorithm")
    if algo == _ALGO_TIERED:
        primary = t.uint("tiered primary algorithm")
        if primary != _ALGO_HNSW:
            raise AuxFormatError(f"tiered vector index over algorithm {primary}")
        t.uint("swap job threshold")
    elif algo != _ALGO_BF:
        raise AuxFormatError(f"unknown vector algorithm {algo}")
    vtype, dim, metric = t.uint("vector type"), t.uint("vector dim"), t.uint("vector metric")
    t.uint("vector multi")  # follows from the path ([*]); RedVector derives it the same way
    if vtype >= len(_VECTOR_TYPES) or metric >= len(_METRICS):
        raise AuxFormatError(f"unknown vector type {vtype} or metric {metric}")
    attrs = [b"TYPE", _VECTOR_TYPES[vtype].encode(), b"DIM", b"%d" % dim, b"DISTANCE_METRIC", _METRICS[metric].encode()]
    initial_cap = t.uint("vector initial capacity")
    if algo == _ALGO_BF:
        block_size = t.uint("vector block size")
        attrs += [b"INITIAL_CAP", b"%d" % initial_cap, b"BLOCK_SIZE", b"%d" % block_size]
        return [b"VECTOR", b"FLAT", b"%d" % len(attrs), *attrs]
    m, ef_construction, ef_runtime = t.uint("HNSW M"), t.uint("HNSW EF_CONSTRUCTION"), t.uint("HNSW EF_RUNTIME")
    # EPSILON is not saved: the loaded index has the default, as in RediSearch after the same load.
    attrs += [b"INITIAL_CAP", b"%d" % initial_cap, b"M", b"%d" % m, b"EF_CONSTRUCTION", b"%d" % ef_construction,
              b"EF_RUNTIME", b"%d" % ef_runtime]
    return [b"VECTOR", b"HNSW", b"%d" % len(attrs), *attrs]


def _rule(t: _Typed, encver: int) -> dict[str, Any]:
    on = t.cstr("rule type")
    if on not in (b"HASH", b"JSON"):
        raise AuxFormatError(f"unknown index type {on!r}")
    prefixes = [t.cstr("prefix") for _ in range(t.uint("prefix count"))]
    rule: dict[str, Any] = {"type": on, "prefixes": prefixes or [b""]}
    for key in ("filter", "language_field", "score_field", "payload_field"):
        rule[key] = t.cstr(key) if t.uint(f"{key} flag") else None
    rule["score"] = t.double("default score")
    language = t.uint("default language")
    if language >= len(_LANGUAGES):
        raise AuxFormatError(f"unknown language {language}")
    rule["language"] = _LANGUAGES[language]
    if encver >= 24:
        rule["index_all"] = bool(t.uint("index all"))
    return rule


def _synonyms(t: _Typed) -> dict[bytes, list[bytes]]:
    """term -> group ids (``SynonymMap_RdbSave``: per term its text and its group ids, each with a
    leading '~' that FT.SYNDUMP shows without)."""
    out: dict[bytes, list[bytes]] = {}
    for _ in range(t.uint("synonym term count")):
        term = t.cstr("synonym term")
        groups = [t.cstr("synonym group") for _ in range(t.uint("synonym group count"))]
        out[term] = [g[1:] if g.startswith(b"~") else g for g in groups]
    return out


# -- dictionaries --------------------------------------------------------------------------------------
def _dictionaries(t: _Typed) -> list[list[bytes]]:
    commands = []
    for _ in range(t.uint("dictionary count")):
        name = t.cstr("dictionary name")
        terms = []
        for _ in range(t.uint("dictionary size")):
            terms.append(t.cstr("dictionary term"))
            t.double("dictionary term score")
        if terms:
            commands.append([b"FT.DICTADD", name, *terms])
    return commands
