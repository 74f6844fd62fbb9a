"""FT.INFO: RediSearch 2.10's key order (RedisVL and LangChain read attribute entries by position).

RESP2 is a flat array (keys as simple strings, KVNUM values as doubles, which RESP2 sends as bulk
strings); RESP3 is a map whose attribute entries are maps with a ``flags`` list.
"""

from __future__ import annotations

import math
from typing import Any

from redvector.commands.context import CommandContext
from redvector.commands.search.common import S, get_index, group
from redvector.commands.spec import Flag, KeySpec
from redvector.replies import ByProtocol, Map
from redvector.search.index import ErrorStats, SearchIndex, pending_vectors
from redvector.search.schema import FieldSpec, FieldType

MB = 1024.0 * 1024.0
# index_options in RediSearch's order (one per storage flag it lacks); NOOFFSETS implies NOHL.
INDEX_OPTIONS_ORDER = ("NOFREQS", "NOFIELDS", "NOOFFSETS", "NOHL", "MAXTEXTFIELDS")


def _attribute(spec: FieldSpec) -> tuple[list[Any], Map]:
    pairs: list[tuple[Any, Any]] = [
        (S(b"identifier"), spec.identifier),
        (S(b"attribute"), spec.name),
        (S(b"type"), S(spec.type.value.encode())),
    ]
    if spec.type is FieldType.TEXT:
        pairs.append((S(b"WEIGHT"), float(spec.weight)))  # (RediSearch 2.10 shows no PHONETIC here)
    elif spec.type is FieldType.TAG:
        pairs.append((S(b"SEPARATOR"), S(spec.separator) if spec.separator not in (b"\r", b"\n") else spec.separator))
    elif spec.type is FieldType.GEOSHAPE:
        pairs.append((S(b"coord_system"), S(spec.coord_system.encode())))
    elif spec.type is FieldType.VECTOR:
        v = spec.vector
        assert v is not None
        pairs += [
            (S(b"algorithm"), S(v.algorithm.encode())),
            (S(b"data_type"), S(v.dtype.encode())),
            (S(b"dim"), v.dim),
            (S(b"distance_metric"), S(v.metric.value.encode())),
        ]
        if v.algorithm == "HNSW":
            pairs += [(S(b"M"), v.m), (S(b"ef_construction"), v.ef_construction)]
    flags = [S(f.encode()) for f in spec.flags()]
    flat: list[Any] = [x for kv in pairs for x in kv] + flags
    return flat, Map([*pairs, (S(b"flags"), flags)])


def _errors(stats: ErrorStats, background: bool) -> Map:
    items: list[tuple[Any, Any]] = [
        (S(b"indexing failures"), stats.failures),
        (S(b"last indexing error"), stats.last_error.encode() if stats.last_error else S(b"N/A")),
        (S(b"last indexing error key"), stats.last_key if stats.last_key is not None else b"N/A"),
    ]
    if background:
        items.append((S(b"background indexing status"), S(b"OK")))
    return Map(items)


def _avg(a: float, b: float) -> float:
    return a / b if b else math.nan


def info_reply(index: SearchIndex) -> ByProtocol:
    d = index.definition
    mem = index.memory_bytes()
    definition: list[tuple[Any, Any]] = [
        (S(b"key_type"), S(d.on.encode())),
        (S(b"prefixes"), [p for p in d.prefixes]),
    ]
    if d.filter is not None:
        definition.append((S(b"filter"), d.filter))
    if d.language is not None:
        definition.append((S(b"default_language"), S(d.language.encode())))
    if d.language_field is not None:
        definition.append((S(b"language_field"), d.language_field))
    definition.append((S(b"default_score"), float(d.score)))
    if d.score_field is not None:
        definition.append((S(b"score_field"), d.score_field))
    if d.payload_field is not None:
        definition.append((S(b"payload_field"), d.payload_field))

    attrs2, attrs3 = [], []
    for f in d.fields:
        flat, m = _attribute(f)
        attrs2.append(flat)
        attrs3.append(m)

    num_docs = index.num_docs
    stem_terms, stem_records = index.text.stem_records()
    num_records = index.text.num_records + stem_records + sum(len(t) for t in index.tags.values()) + \
        sum(len(n) for n in index.numeric.values()) + sum(len(g) for g in index.geo.values()) + \
        sum(len(v) for v in index.vectors.values())
    total_mem = sum(mem.values())
    scan = index.scan
    pending = pending_vectors(index)
    vector_count = sum(len(v) for v in index.vectors.values())
    percent = scan.percent if scan is not None else 1.0
    if pending and vector_count:
        percent = min(percent, 1.0 - pending / vector_count)

    def common(attrs: Any) -> list[tuple[Any, Any]]:
        items: list[tuple[Any, Any]] = [
            (S(b"index_name"), d.name),
            (S(b"index_options"), [S(o.encode()) for o in index_options(d.options)]),
            (S(b"index_definition"), Map(definition)),
            (S(b"attributes"), attrs),
            (S(b"num_docs"), num_docs),
            (S(b"max_doc_id"), index.max_doc_id),
            (S(b"num_terms"), len(index.text.terms) + stem_terms),
            (S(b"num_records"), num_records),
            (S(b"inverted_sz_mb"), mem["inverted"] / MB),
            (S(b"vector_index_sz_mb"), mem["vector"] / MB),
            (S(b"total_inverted_index_blocks"), len(index.text.terms)),
            (S(b"offset_vectors_sz_mb"), index.text.num_records * 2 / MB),
            (S(b"doc_table_size_mb"), mem["doc_table"] / MB),
            (S(b"sortable_values_size_mb"), 0.0),
            (S(b"key_table_size_mb"), mem["key_table"] / MB),
            (S(b"tag_overhead_sz_mb"), mem["tag"] / MB),
            (S(b"text_overhead_sz_mb"), len(index.text.terms) * 32 / MB),
            (S(b"total_index_memory_sz_mb"), total_mem / MB),
            (S(b"geoshapes_sz_mb"), sum(g.memory_bytes() for g in index.geoshapes.values()) / MB),
            (S(b"records_per_doc_avg"), _avg(num_records, num_docs)),
            (S(b"bytes_per_record_avg"), _avg(mem["inverted"], num_records)),
            (S(b"offsets_per_term_avg"), _avg(index.text.num_records, num_records)),
            (S(b"offset_bits_per_record_avg"), 8.0 if num_records else math.nan),
            (S(b"hash_indexing_failures"), index.errors.failures),
            (S(b"total_indexing_time"), float(index.total_indexing_time_ms)),
            (S(b"indexing"), 1 if scan is not None or pending else 0),
            (S(b"percent_indexed"), percent),
            (S(b"number_of_uses"), index.number_of_uses),
            (S(b"cleaning"), 0),
            (S(b"gc_stats"), Map([
                (S(b"bytes_collected"), 0.0), (S(b"total_ms_run"), 0.0), (S(b"total_cycles"), 0.0),
                (S(b"average_cycle_time_ms"), math.nan), (S(b"last_run_time_ms"), 0.0),
                (S(b"gc_numeric_trees_missed"), 0.0), (S(b"gc_blocks_denied"), 0.0)])),
            (S(b"cursor_stats"), Map([
                (S(b"global_idle"), 0), (S(b"global_total"), 0), (S(b"index_capacity"), 128),
                (S(b"index_total"), 0)])),
        ]
        if d.stopwords is not None:
            items.append((S(b"stopwords_list"), [w.encode() for w in d.stopwords]))
        items += [
            # Whether each dialect was ever used (RediSearch reports a flag, not a count).
            (S(b"dialect_stats"), Map([(S(b"dialect_%d" % (i + 1)), min(n, 1))
                                       for i, n in enumerate(index.dialect_stats)])),
            (S(b"Index Errors"), _errors(index.errors, False)),
            (S(b"field statistics"), [
                Map([(S(b"identifier"), f.identifier), (S(b"attribute"), f.name),
                     (S(b"Index Errors"), _errors(index.field_errors.get(f.name, ErrorStats()), False))])
                for f in d.fields]),
        ]
        return items

    return ByProtocol(Map(common(attrs2)), Map(common(attrs3)))


@group.command("FT.INFO", -2, Flag.READONLY | Flag.MODULE, KeySpec(0, 0, 0), summary="Index statistics and schema")
def ft_info(ctx: CommandContext, argv: list[bytes]) -> Any:
    return info_reply(get_index(ctx, argv[1], "info"))


def index_options(options: list[str]) -> list[str]:
    given = set(options) | ({"NOHL"} if "NOOFFSETS" in options else set())
    return [o for o in INDEX_OPTIONS_ORDER if o in given]
