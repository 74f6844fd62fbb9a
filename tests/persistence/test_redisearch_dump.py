"""RediSearch's index definitions in a Redis Stack dump (module aux data) come back in RedVector.

Redis Stack 7.4.1 (RediSearch 2.10.5) builds indexes covering the schema options, aliases, synonyms,
dictionaries and a suggestion key, then SAVEs. The reference is a Redis Stack started from that dump (what
RediSearch itself makes of it: SKIPINITIALSCAN no longer holds, EPSILON is not saved); RedVector is started
from a copy of the same dump, or made a replica of that Stack (its full sync is the dump). FT._LIST,
FT.INFO and search results must be the same. A damaged RediSearch section is skipped with a warning.
"""

from __future__ import annotations

import shutil
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

from redvector.persistence.rdb import constants as c
from redvector.persistence.rdb.reader import RdbReader
from redvector.persistence.rdb.redisearch_aux import DICT_MODULE_ID, INDEX_MODULE_ID, read_module_aux
from tests.persistence.helpers import redvector, stop, wait_until
from tests.redis_stack import redis_stack

INDEXES = ["idx_hash", "idx_json", "idx_nohl", "idx_opts"]


def _vec(*xs: float) -> bytes:
    return struct.pack(f"<{len(xs)}f", *xs)


def build(r: redis.Redis) -> None:
    """Indexes over every schema option RediSearch saves, and their data (hashes and JSON)."""
    cmd = r.execute_command
    cmd("FT.CREATE", "idx_hash", "ON", "HASH", "PREFIX", "2", "doc:", "item:", "FILTER", "@price > 0",
        "LANGUAGE", "english", "LANGUAGE_FIELD", "lang", "SCORE", "0.5", "SCORE_FIELD", "sc", "PAYLOAD_FIELD", "pl",
        "STOPWORDS", "3", "foo", "bar", "baz", "SCHEMA",
        "title", "TEXT", "WEIGHT", "2.5", "SORTABLE", "UNF",
        "body", "AS", "content", "TEXT", "NOSTEM", "WITHSUFFIXTRIE", "PHONETIC", "dm:en",
        "secret", "TEXT", "NOINDEX", "SORTABLE",
        "tags", "TAG", "SEPARATOR", ";", "CASESENSITIVE", "WITHSUFFIXTRIE", "SORTABLE",
        "price", "NUMERIC", "SORTABLE",
        "loc", "GEO",
        "shape", "GEOSHAPE", "FLAT",
        "v", "VECTOR", "FLAT", "10", "TYPE", "FLOAT32", "DIM", "4", "DISTANCE_METRIC", "L2",
        "INITIAL_CAP", "100", "BLOCK_SIZE", "50",
        "vh", "VECTOR", "HNSW", "14", "TYPE", "FLOAT64", "DIM", "2", "DISTANCE_METRIC", "COSINE",
        "M", "8", "EF_CONSTRUCTION", "100", "EF_RUNTIME", "20", "EPSILON", "0.02")
    r.hset("o:pre", mapping={"t": "pre existing", "n": 100})  # before a SKIPINITIALSCAN index
    # (NOOFFSETS NOFIELDS with NOFREQS or MAXTEXTFIELDS crashes RediSearch 2.10.5 on the first HSET.)
    cmd("FT.CREATE", "idx_opts", "ON", "HASH", "PREFIX", "1", "o:", "NOOFFSETS", "NOFIELDS",
        "STOPWORDS", "0", "SKIPINITIALSCAN", "SCHEMA", "t", "TEXT", "n", "NUMERIC", "g", "GEOSHAPE", "SPHERICAL",
        "vi", "VECTOR", "HNSW", "6", "TYPE", "FLOAT32", "DIM", "3", "DISTANCE_METRIC", "IP")
    cmd("FT.CREATE", "idx_nohl", "NOHL", "NOFREQS", "MAXTEXTFIELDS", "SCHEMA", "x", "TEXT",
        "e", "TAG", "INDEXEMPTY", "INDEXMISSING")
    cmd("FT.CREATE", "idx_json", "ON", "JSON", "PREFIX", "1", "j:", "SCHEMA",
        "$.title", "AS", "title", "TEXT", "$.tags[*]", "AS", "tags", "TAG", "$.n", "AS", "n", "NUMERIC",
        "$.emb", "AS", "emb", "VECTOR", "FLAT", "6", "TYPE", "FLOAT32", "DIM", "2", "DISTANCE_METRIC", "L2")
    cmd("FT.ALIASADD", "ah1", "idx_hash")
    cmd("FT.ALIASADD", "ah2", "idx_hash")
    cmd("FT.ALIASADD", "aj", "idx_json")
    cmd("FT.SYNUPDATE", "idx_hash", "g1", "hello", "hi", "hey")
    cmd("FT.SYNUPDATE", "idx_hash", "g2", "world", "earth")
    cmd("FT.DICTADD", "dict1", "alpha", "beta")
    cmd("FT.DICTADD", "dict2", "gamma")
    cmd("FT.SUGADD", "sug", "hello world", "2", "PAYLOAD", "p1")
    for i in range(12):
        r.hset(f"doc:{i}", mapping={
            "title": f"hello title {i}", "body": f"world body number {i} smith foo", "secret": f"s{i}",
            "tags": f"t{i % 3};T{i % 2}", "price": i + 1, "loc": f"{-122 + i * 0.01},{37 + i * 0.01}",
            "shape": f"POINT ({i} {i})", "v": _vec(i, 1, 0, 0), "vh": struct.pack("<2d", 1.0, i + 1),
            "sc": "0.7", "pl": f"payload{i}", "lang": "english"})
    r.hset("doc:zero", mapping={"title": "free thing", "price": 0})  # FILTER @price > 0 leaves it out
    r.hset("item:1", mapping={"title": "earth item", "price": 5.5, "tags": "x"})  # no SORTBY ties
    for i in range(5):
        r.hset(f"o:{i}", mapping={"t": f"the opt text {i}", "n": i, "vi": _vec(i, 0, 1)})
    r.hset("k1", mapping={"x": "some text", "e": ""})
    r.hset("k2", mapping={"x": "other text"})
    for i in range(6):
        cmd("JSON.SET", f"j:{i}", "$", '{"title":"json hello %d","tags":["a%d","b"],"n":%d,"emb":[%d.0,1.0]}'
            % (i, i % 2, i, i))


def _indexed(r: redis.Redis, names: list[str]) -> bool:
    return all(int(_info(r, n)[b"indexing"]) == 0 for n in names)


def _total(reply: Any) -> int:
    return int(reply[b"total_results"] if isinstance(reply, dict) else reply[0])


def _info(r: redis.Redis, name: str) -> dict[bytes, Any]:
    raw = r.execute_command("FT.INFO", name)
    items = raw.items() if isinstance(raw, dict) else zip(raw[::2], raw[1::2], strict=True)
    return {(k.encode() if isinstance(k, str) else k): v for k, v in items}


@pytest.fixture(scope="module")
def stack_dump(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The dump.rdb of a Redis Stack holding the indexes and data of ``build``."""
    directory = tmp_path_factory.mktemp("stack-build")
    with redis_stack(directory, json=True) as port:
        r = redis.Redis(port=port)
        build(r)
        r.save()
        r.close()
        return (directory / "dump.rdb").read_bytes()


@pytest.fixture(scope="module")
def stack(stack_dump: bytes, tmp_path_factory: pytest.TempPathFactory) -> Iterator[redis.Redis]:
    """The reference: a Redis Stack started from the dump, its indexes rebuilt."""
    directory = tmp_path_factory.mktemp("stack-ref")
    (directory / "dump.rdb").write_bytes(stack_dump)
    with redis_stack(directory, json=True) as port:
        r = redis.Redis(port=port, socket_timeout=20)
        wait_until(lambda: _indexed(r, INDEXES))
        yield r
        r.close()


@pytest.fixture(scope="module")
def loaded(stack_dump: bytes, tmp_path_factory: pytest.TempPathFactory) -> Iterator[redis.Redis]:
    """RedVector started with a copy of Redis Stack's dump.rdb in its --dir."""
    directory = tmp_path_factory.mktemp("rv-load")
    (directory / "dump.rdb").write_bytes(stack_dump)
    with redvector(directory, "--appendonly", "no", "--save", "") as (_, r):
        wait_until(lambda: _indexed(r, INDEXES))
        yield r


INFO_KEYS = (b"index_name", b"index_options", b"index_definition", b"attributes", b"num_docs", b"stopwords_list")


def assert_same_indexes(rv: redis.Redis, stack: redis.Redis) -> None:
    assert sorted(rv.execute_command("FT._LIST")) == sorted(stack.execute_command("FT._LIST")) == \
        [n.encode() for n in INDEXES]
    for name in INDEXES:
        mine, theirs = _info(rv, name), _info(stack, name)
        assert {k: mine.get(k) for k in INFO_KEYS} == {k: theirs.get(k) for k in INFO_KEYS}, name


def test_ft_list_and_ft_info_match_stack(loaded: redis.Redis, stack: redis.Redis) -> None:
    assert_same_indexes(loaded, stack)
    assert loaded.dbsize() == stack.dbsize() == 29


SEARCHES: list[tuple[Any, ...]] = [
    ("idx_hash", "hello", "SORTBY", "price"),  # TEXT
    ("idx_hash", "hi", "SORTBY", "price"),  # a synonym of hello (FT.SYNUPDATE)
    ("idx_hash", "earth", "SORTBY", "price"),  # item:1, and world's synonym
    ("idx_hash", "@content:smith", "SORTBY", "price"),  # an AS alias
    ("ah1", "@tags:{t1}", "SORTBY", "price"),  # an alias (FT.ALIASADD); TAG with SEPARATOR ;
    ("ah2", "@tags:{T1}", "SORTBY", "price"),  # CASESENSITIVE
    ("idx_hash", "@price:[3 5]", "SORTBY", "price"),  # NUMERIC
    ("idx_hash", "@loc:[-122 37 10 km]", "SORTBY", "price"),  # GEO
    ("idx_hash", "@secret:s1", "SORTBY", "price"),  # NOINDEX: nothing
    ("idx_hash", "foo"),  # a custom stop word
    ("idx_opts", "*", "SORTBY", "n"),  # SKIPINITIALSCAN does not survive a load: o:pre is indexed
    ("idx_opts", "@n:[100 100]"),
    ("idx_opts", "the"),  # STOPWORDS 0: "the" is a term
    ("idx_nohl", "text", "SORTBY", "x"),
    ("idx_nohl", "ismissing(@e)", "DIALECT", "2"),  # INDEXMISSING
    ("aj", "@tags:{a1}", "SORTBY", "n"),  # JSON, an alias, $.tags[*]
    ("idx_json", "json", "SORTBY", "n"),
    ("idx_json", "@n:[2 4]", "SORTBY", "n"),
]


@pytest.mark.parametrize("query", SEARCHES, ids=lambda q: " ".join(map(str, q[:2])))
def test_search_results_match_stack(loaded: redis.Redis, stack: redis.Redis, query: tuple[Any, ...]) -> None:
    argv = ("FT.SEARCH", *query, "NOCONTENT", "LIMIT", "0", "100")
    assert loaded.execute_command(*argv) == stack.execute_command(*argv)


# Query vectors with no two documents at the same distance: a tie's order follows doc ids, which differ
# between a server loaded from the dump and Redis Stack reloading it (its key order is its dict's).
KNN: list[tuple[str, str, bytes]] = [
    ("idx_hash", "v", _vec(3.2, 1, 0, 0)),  # FLAT FLOAT32 L2
    ("idx_hash", "vh", struct.pack("<2d", 1, 3)),  # HNSW FLOAT64 COSINE
    ("idx_opts", "vi", _vec(1, 0, 1)),  # HNSW FLOAT32 IP
    ("idx_json", "emb", _vec(2.2, 1)),  # JSON FLAT
]


@pytest.mark.parametrize(("index", "field", "blob"), KNN, ids=[f"{k[0]}.{k[1]}" for k in KNN])
def test_knn_results_match_stack(loaded: redis.Redis, stack: redis.Redis, index: str, field: str,
                                 blob: bytes) -> None:
    argv = ("FT.SEARCH", index, f"*=>[KNN 4 @{field} $b AS d]", "PARAMS", "2", "b", blob, "SORTBY", "d",
            "RETURN", "1", "d", "DIALECT", "2")

    def hits(r: redis.Redis) -> list[tuple[bytes, float]]:
        reply = r.execute_command(*argv)
        if isinstance(reply, dict):
            return [(h[b"id"], float(h[b"extra_attributes"][b"d"])) for h in reply[b"results"]]
        return [(reply[i], float(reply[i + 1][1])) for i in range(1, len(reply), 2)]

    mine, theirs = hits(loaded), hits(stack)
    assert len(mine) == 4
    assert [k for k, _ in mine] == [k for k, _ in theirs]
    assert [d for _, d in mine] == pytest.approx([d for _, d in theirs], abs=1e-6)


def test_synonyms_dictionaries_and_suggestions_match_stack(loaded: redis.Redis, stack: redis.Redis) -> None:
    def groups(r: redis.Redis) -> list[tuple[Any, list[Any]]]:
        raw = r.execute_command("FT.SYNDUMP", "idx_hash")
        items = raw.items() if isinstance(raw, dict) else zip(raw[::2], raw[1::2], strict=True)
        return sorted((term, sorted(ids)) for term, ids in items)

    assert groups(loaded) == groups(stack) != []
    for name in ("dict1", "dict2"):
        assert loaded.execute_command("FT.DICTDUMP", name) == stack.execute_command("FT.DICTDUMP", name) != []
    argv = ("FT.SUGGET", "sug", "hel", "WITHSCORES", "WITHPAYLOADS")
    assert loaded.execute_command(*argv) == stack.execute_command(*argv) != []


def test_a_replica_of_a_stack_master_gets_its_indexes(stack: redis.Redis, tmp_path: Path) -> None:
    stack.config_set("repl-diskless-sync-delay", "0")
    port = int(stack.connection_pool.connection_kwargs["port"])
    with redvector(tmp_path, "--appendonly", "no", "--save", "") as (_, replica):
        assert replica.execute_command("REPLICAOF", "127.0.0.1", port) == b"OK"
        wait_until(lambda: replica.info("replication").get("master_link_status") == "up", timeout=30)
        wait_until(lambda: len(replica.execute_command("FT._LIST")) == len(INDEXES) and _indexed(replica, INDEXES))
        assert_same_indexes(replica, stack)
        for query in SEARCHES[:8]:
            argv = ("FT.SEARCH", *query, "NOCONTENT", "LIMIT", "0", "100")
            assert replica.execute_command(*argv) == stack.execute_command(*argv)
        assert replica.execute_command("FT.DICTDUMP", "dict1") == [b"alpha", b"beta"]
        # The stream goes on: a new document on the master is in the replica's index.
        stack.hset("doc:new", mapping={"title": "hello streamed", "price": 50})
        wait_until(lambda: _total(replica.execute_command("FT.SEARCH", "idx_hash", "streamed", "NOCONTENT")) == 1)
        replica.execute_command("REPLICAOF", "NO", "ONE")
    stack.delete("doc:new")


# -- damaged RediSearch sections -----------------------------------------------------------------------
def _aux_records(dump: bytes) -> list[tuple[int, int, int]]:
    """(start, end, module id) of RediSearch's module aux records (before the keys and after them)."""
    records = []
    pos = dump.find(b"\xf7\x81")
    while pos >= 0:
        module_id = int.from_bytes(dump[pos + 2:pos + 10], "big")
        if module_id >> 10 in (INDEX_MODULE_ID, DICT_MODULE_ID):
            reader = RdbReader(dump)
            reader.pos = pos + 1
            reader.skip_module_aux()
            assert dump[reader.pos] in (c.OP_MODULE_AUX, c.OP_SELECTDB, c.OP_EOF)
            records.append((pos, reader.pos, module_id))
        pos = dump.find(b"\xf7\x81", pos + 1)
    return records


def _damaged(dump: bytes, how: str) -> bytes:
    start, end, module_id = next(r for r in _aux_records(dump) if r[2] >> 10 == INDEX_MODULE_ID)
    id_len = 9  # 0x81 and the 64-bit module id
    body = dump[start + 1 + id_len:end]
    assert body[:4] == b"\x02\x01\x02\x04"  # when = 1 (before the keys), 4 indexes
    if how == "count":  # one index more than the record holds: the decoder meets the EOF opcode
        body = b"\x02\x01\x02\x05" + body[4:]
    elif how == "truncated":  # the record ends right after the first index's name
        name_end = body.index(b"idx_", 4) + body[body.index(b"idx_", 4):].index(b"\0") + 1
        body = body[:name_end] + b"\x00"
    elif how == "newer":  # an encoding version this decoder does not know
        module_id = (module_id & ~0x3FF) | 30
    new_id = b"\x81" + module_id.to_bytes(8, "big")
    out = dump[:start + 1] + new_id + body + dump[end:]
    return out[:-8] + b"\0" * 8  # checksum 0: not checked


@pytest.mark.parametrize("how", ["count", "truncated", "newer"])
def test_a_damaged_redisearch_section_is_skipped_and_the_keys_load(stack_dump: bytes, tmp_path: Path,
                                                                   how: str) -> None:
    (tmp_path / "dump.rdb").write_bytes(_damaged(stack_dump, how))
    with redvector(tmp_path, "--appendonly", "no", "--save", "") as (proc, r):
        assert r.dbsize() == 29
        assert r.hget("doc:3", "title") == b"hello title 3"
        assert r.execute_command("FT._LIST") == []
        assert r.execute_command("FT.DICTDUMP", "dict1") == [b"alpha", b"beta"]  # its own section is intact
        assert r.execute_command("FT.SUGGET", "sug", "hel") == [b"hello world"]
    output = stop(proc)
    assert "RediSearch indexes in the dump could not be read" in output, output[-2000:]


def test_the_decoder_reads_every_record_of_the_dump(stack_dump: bytes) -> None:
    """In process: the RediSearch records decode, and the reader ends where the generic skip ends."""
    kinds = []
    for start, end, _ in _aux_records(stack_dump):
        reader = RdbReader(stack_dump)
        reader.pos = start + 1
        result = read_module_aux(reader)
        assert reader.pos == end
        if result is not None and result[1]:
            kinds.append(result[0])
            assert all(argv[0].startswith(b"FT.") for argv in result[1])
    assert sorted(kinds) == [b"dictionaries", b"indexes"]


def test_copying_the_dump_dir_keeps_working_after_a_redvector_save(loaded: redis.Redis, tmp_path: Path) -> None:
    """Once loaded, the indexes are RedVector's own: its SAVE keeps them (its aux fields) for a restart."""
    directory = Path(loaded.config_get("dir")["dir"])
    loaded.save()
    shutil.copy(directory / "dump.rdb", tmp_path / "dump.rdb")
    with redvector(tmp_path, "--appendonly", "no", "--save", "") as (_, r):
        wait_until(lambda: _indexed(r, INDEXES))
        assert_same_indexes(r, loaded)
