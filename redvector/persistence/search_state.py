"""Search indexes in snapshots: definitions and doc ids as RDB aux fields, HNSW graphs as sidecar files.

Aux fields (Redis skips aux fields it does not know, so the dump still loads into redis-server):

- ``redvector-ft-definitions``: the commands that re-create every index, RESP-framed like the AOF
  (``SELECT db``, the original ``FT.CREATE`` argv, each ``FT.ALTER``, one ``FT.SYNUPDATE ... SKIPINITIALSCAN``
  per synonym group, ``FT.ALIASADD``);
- ``redvector-ft-dictionaries``: one ``FT.DICTADD`` per custom dictionary (``FT.DICTDEL name ""`` for an
  empty one);
- ``redvector-ft-doc-ids``: per index with vector fields, ``DOCIDS name key id key id ...``;
- ``redvector-ft-token``: the snapshot's token; each graph sidecar is tagged with it.

A Redis Stack dump carries RediSearch's own definitions instead (module aux data, decoded by
rdb/redisearch_aux.py into the same commands), which are re-created the same way.

Graphs are saved at the instant of the snapshot (in the server process, right after the fork), so a
graph covers exactly the doc ids of the dump. On load an index whose graphs all load (same token, same
options, intact) gets them back with its doc ids (``SearchIndex.restore``) and only its non-vector
fields are re-indexed; any graph that does not load is rebuilt from the hashes.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from redvector.persistence.aof import encode_command
from redvector.persistence.aof_load import Execute, iter_commands
from redvector.persistence.rdb.constants import REDISEARCH_DICTIONARIES, REDISEARCH_INDEXES

log = logging.getLogger("redvector.search.persistence")

AUX_DEFINITIONS = b"redvector-ft-definitions"
AUX_DOC_IDS = b"redvector-ft-doc-ids"
AUX_TOKEN = b"redvector-ft-token"
AUX_DICTIONARIES = b"redvector-ft-dictionaries"


def sidecar_path(rdb_path: str, index_name: bytes, field: bytes) -> str:
    return f"{rdb_path}.ft-{index_name.hex()}-{field.hex()}.hnsw"


class SearchSnapshot:
    """A SnapshotParticipant for ``server.search`` (a SearchRegistry)."""

    def __init__(self, registry: Any, execute: Execute) -> None:
        self.registry = registry
        self.execute = execute
        self._aux: dict[bytes, bytes] = {}

    # -- saving --------------------------------------------------------------------------------------------
    def aux_fields(self, token: bytes) -> list[tuple[bytes, bytes]]:
        registry = self.registry
        # FT.DICTDEL of nothing re-creates an emptied dictionary.
        dictionaries = b"".join(encode_command([b"FT.DICTADD", name, *sorted(terms)] if terms else [b"FT.DICTDEL", name, b""])
                                for name, terms in list(getattr(registry, "dictionaries", {}).items()))
        dict_aux = [(AUX_DICTIONARIES, dictionaries)] if dictionaries else []
        if not registry.indexes:
            return dict_aux
        definitions = bytearray()
        doc_ids = bytearray()
        for name, index in list(registry.indexes.items()):
            definitions += encode_command([b"SELECT", b"%d" % index.db.index])
            for argv in index.definition.argvs():
                definitions += encode_command(list(argv))
            for argv in _synonym_commands(name, getattr(index, "synonyms", {})):
                definitions += encode_command(argv)
            if index.vectors:
                flat = [b"DOCIDS", name]
                for key, doc_id in index.doc_ids().items():
                    flat.append(key)
                    flat.append(b"%d" % doc_id)
                doc_ids += encode_command(flat)
        for alias, target in list(registry.aliases.items()):
            definitions += encode_command([b"FT.ALIASADD", alias, target])
        return [(AUX_TOKEN, token), (AUX_DEFINITIONS, bytes(definitions)), (AUX_DOC_IDS, bytes(doc_ids)), *dict_aux]

    def save_sidecars(self, rdb_path: str, token: bytes) -> None:
        for name, index in list(self.registry.indexes.items()):
            for field, vector_index in list(index.vectors.items()):
                save = getattr(vector_index, "save_graph", None)
                if save is not None:
                    save(sidecar_path(rdb_path, name, field), tag=token)

    # -- loading -------------------------------------------------------------------------------------------
    def load_aux(self, key: bytes, value: bytes) -> bool:
        if key in (AUX_DEFINITIONS, AUX_DOC_IDS, AUX_TOKEN, AUX_DICTIONARIES):
            self._aux[key] = value
            return True
        # RediSearch's own definitions and dictionaries (a Redis Stack dump), decoded into the same commands:
        # they run after the keys are loaded, like ours (RediSearch indexes live in database 0).
        if key == REDISEARCH_INDEXES:
            self._aux[AUX_DEFINITIONS] = self._aux.get(AUX_DEFINITIONS, b"") + encode_command([b"SELECT", b"0"]) + value
            return True
        if key == REDISEARCH_DICTIONARIES:
            self._aux[AUX_DICTIONARIES] = self._aux.get(AUX_DICTIONARIES, b"") + value
            return True
        return False

    def after_load(self, rdb_path: str | None) -> None:
        aux, self._aux = self._aux, {}
        for argv, _, _ in iter_commands(aux.get(AUX_DICTIONARIES, b"")):
            reply = self.execute(argv)
            if isinstance(reply, Exception):
                log.warning("re-creating a dictionary: %s -> %s", argv[:2], reply)
        definitions = aux.get(AUX_DEFINITIONS)
        if not definitions:
            return
        token = aux.get(AUX_TOKEN, b"")
        saved_ids: dict[bytes, dict[bytes, int]] = {}
        for argv, _, _ in iter_commands(aux.get(AUX_DOC_IDS, b"")):
            saved_ids[argv[1]] = {argv[i]: int(argv[i + 1]) for i in range(2, len(argv) - 1, 2)}
        db_index = 0
        for argv, _, _ in iter_commands(definitions):
            command = argv[0].upper()
            if command == b"SELECT":
                db_index = int(argv[1])
            elif command == b"FT.CREATE" and rdb_path and argv[1] in saved_ids:
                if self._create_with_graphs(argv, db_index, saved_ids[argv[1]], rdb_path, token):
                    continue
            reply = self.execute(argv)
            if isinstance(reply, Exception):
                log.warning("re-creating a search index: %s -> %s", argv[:2], reply)

    def _create_with_graphs(self, argv: list[bytes], db_index: int, doc_ids: dict[bytes, int],
                            rdb_path: str, token: bytes) -> bool:
        """FT.CREATE with the saved graphs in place before the keyspace scan. False: not possible
        (no graph file, or a search engine without the restore hooks): the caller runs FT.CREATE."""
        paths = {}
        for field in _vector_fields(argv):
            path = sidecar_path(rdb_path, argv[1], field)
            if not os.path.exists(path):
                return False
            paths[field] = path
        try:
            from redvector.search.schema import parse_create
        except ImportError:
            return False
        registry = self.registry
        definition = parse_create(argv)
        skip_scan = definition.skip_initial_scan
        definition.skip_initial_scan = True
        index = registry.create(definition, db_index)
        definition.skip_initial_scan = skip_scan
        restored = {}
        for field, vector_index in index.vectors.items():
            load = getattr(vector_index, "load_graph", None)
            graph_path = paths.get(field)
            if load is not None and graph_path is not None and load(graph_path, tag=token):
                restored[field] = vector_index
            else:
                log.warning("the saved graph of %s.%s does not match the data: rebuilding it",
                            argv[1].decode(errors="replace"), field.decode(errors="replace"))
        index.restore(doc_ids, restored)
        if not skip_scan:
            scan = registry.indexer.start_scan(index)
            registry.indexer.scan_step(index, len(scan.keys) + 1)
        index.finish_restore()
        log.info("index %s restored with %d saved graph(s)", argv[1].decode(errors="replace"), len(restored))
        return True


def _synonym_commands(index_name: bytes, groups: dict[bytes, list[bytes]]) -> list[list[bytes]]:
    """FT.SYNUPDATE commands re-creating an index's synonym groups (term -> group ids), group by group."""
    by_group: dict[bytes, list[bytes]] = {}
    for term, ids in list(groups.items()):
        for gid in ids:
            by_group.setdefault(gid, []).append(term)
    return [[b"FT.SYNUPDATE", index_name, gid, b"SKIPINITIALSCAN", *terms] for gid, terms in by_group.items()]


def _vector_fields(create_argv: list[bytes]) -> list[bytes]:
    """Attribute names of the VECTOR fields in an FT.CREATE argv (``name [AS alias] VECTOR ...``)."""
    upper = [a.upper() for a in create_argv]
    try:
        schema = upper.index(b"SCHEMA")
    except ValueError:
        return []
    # The token before VECTOR is the attribute name: the field's own name, or its alias after AS.
    return [create_argv[i - 1] for i in range(schema + 2, len(create_argv)) if upper[i] == b"VECTOR"]
