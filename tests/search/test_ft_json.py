"""FT.CREATE ... ON JSON: JSON documents (JSON.SET) indexed by JSONPath, searched and returned as Redis
Stack 7.4 (RediSearch 2.10 + RedisJSON 2.8) does; RedisVL's JSON storage end to end."""

from __future__ import annotations

import json
import struct
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import redis

from tests.serverutil import ThreadedServer, subprocess_server

SCHEMA = ["$.name", "AS", "name", "TEXT", "$.tags[*]", "AS", "tags", "TAG", "$.tag1", "AS", "tag1", "TAG",
          "$.price", "AS", "price", "NUMERIC", "SORTABLE", "$.vec", "AS", "vec", "VECTOR", "FLAT", "6", "TYPE",
          "FLOAT32", "DIM", "3", "DISTANCE_METRIC", "L2", "$.loc", "AS", "loc", "GEO", "$.nums[*]", "AS", "nums",
          "NUMERIC", "$.sep", "AS", "sep", "TAG", "SEPARATOR", ","]


@pytest.fixture
def r(server: ThreadedServer) -> Any:
    c = redis.Redis(port=server.port, protocol=2)
    c.flushall()
    c.execute_command("FT.CREATE", "j", "ON", "JSON", "PREFIX", "1", "d:", "SCHEMA", *SCHEMA)
    yield c
    c.close()


def jset(r: redis.Redis, key: str, doc: Any, path: str = "$") -> None:
    r.execute_command("JSON.SET", key, path, json.dumps(doc))


def info(r: redis.Redis, name: str = "j") -> dict[bytes, Any]:
    raw = r.execute_command("FT.INFO", name)
    return dict(zip(raw[::2], raw[1::2], strict=True))


def ids(reply: list[Any]) -> list[bytes]:
    return sorted(reply[1:]) if reply and isinstance(reply[0], int) else []


def test_info_shows_json_definition(r: redis.Redis) -> None:
    i = info(r)
    definition = i[b"index_definition"]
    assert definition[:2] == [b"key_type", b"JSON"]
    attrs = i[b"attributes"]
    assert attrs[0][:6] == [b"identifier", b"$.name", b"attribute", b"name", b"type", b"TEXT"]
    tags = attrs[1]
    assert tags[:6] == [b"identifier", b"$.tags[*]", b"attribute", b"tags", b"type", b"TAG"]
    assert tags[tags.index(b"SEPARATOR") + 1] == b""  # no separator unless one is given
    sep = attrs[-1]
    assert sep[sep.index(b"SEPARATOR") + 1] == b","


def test_values_indexed_by_path(r: redis.Redis) -> None:
    jset(r, "d:1", {"name": "red apple", "tags": ["fruit", "Red"], "tag1": "a,b", "price": 1.5, "vec": [1, 0, 0],
                    "loc": "1.5,2.5", "nums": [1, 2, 3], "sep": "x,y"})
    jset(r, "d:2", {"name": ["green pear", "yellow"], "price": 3, "nums": 5})
    r.hset("d:3", mapping={"name": "hash apple"})  # not JSON: an ON JSON index ignores it
    assert ids(r.execute_command("FT.SEARCH", "j", "apple", "NOCONTENT")) == [b"d:1"]
    assert ids(r.execute_command("FT.SEARCH", "j", "@tags:{red}", "NOCONTENT")) == [b"d:1"]  # each element, folded
    assert ids(r.execute_command("FT.SEARCH", "j", "@tag1:{a}", "NOCONTENT")) == []  # no separator: one tag
    assert ids(r.execute_command("FT.SEARCH", "j", r"@tag1:{a\,b}", "NOCONTENT")) == [b"d:1"]
    assert ids(r.execute_command("FT.SEARCH", "j", "@sep:{y}", "NOCONTENT")) == [b"d:1"]  # SEPARATOR given
    assert ids(r.execute_command("FT.SEARCH", "j", "@nums:[2 2]", "NOCONTENT")) == [b"d:1"]  # any element
    assert ids(r.execute_command("FT.SEARCH", "j", "@nums:[5 5]", "NOCONTENT")) == []  # $.nums[*] of a number
    assert ids(r.execute_command("FT.SEARCH", "j", "yellow", "NOCONTENT")) == [b"d:2"]  # an array of texts
    assert ids(r.execute_command("FT.SEARCH", "j", "@loc:[1.5 2.5 10 km]", "NOCONTENT")) == [b"d:1"]
    assert ids(r.execute_command("FT.SEARCH", "j", "@price:[2 4]", "NOCONTENT")) == [b"d:2"]
    assert int(info(r)[b"num_docs"]) == 2


@pytest.mark.parametrize("doc, error", [
    ({"price": "3"}, "Invalid JSON type: String type can represent only TEXT, TAG, GEO or GEOMETRY field"),
    ({"vec": [1, 2]}, "Invalid vector length. Expected 3, got 2"),
    ({"vec": [1, "a", 2]}, "Invalid vector element at index 1"),
    ({"tag1": 5}, "Invalid JSON type: Numeric type can represent only NUMERIC field"),
    ({"name": {"a": 1}}, "Invalid JSON type: Object type can represent only GEOMETRY fields"),
    ({"tags": [1, "z"]}, "TEXT/TAG fields can only contain strings or nulls"),
    ({"price": True}, "Invalid JSON type: Boolean type can be represent only TAG field"),
    ({"loc": "abc"}, "Invalid geo string"),
    ({"loc": "200,100"}, "Invalid geo coordinates: 200.000000, 100.000000"),
])
def test_wrong_json_types_are_indexing_failures(r: redis.Redis, doc: dict[str, Any], error: str) -> None:
    jset(r, "d:bad", doc)
    i = info(r)
    assert int(i[b"num_docs"]) == 0
    errors = dict(zip(i[b"Index Errors"][::2], i[b"Index Errors"][1::2], strict=True))
    assert errors[b"indexing failures"] == 1
    assert errors[b"last indexing error"] == error.encode()
    assert errors[b"last indexing error key"] == b"d:bad"


def test_nulls_and_booleans_are_accepted(r: redis.Redis) -> None:
    jset(r, "d:1", {"price": None, "name": None, "tag1": True, "tags": ["a", None]})
    assert int(info(r)[b"num_docs"]) == 1
    assert ids(r.execute_command("FT.SEARCH", "j", "@tags:{a}", "NOCONTENT")) == [b"d:1"]


def test_rows_return_the_document_and_paths(r: redis.Redis) -> None:
    doc = {"name": ["green pear", "yellow"], "tags": ["fruit", "Red"], "price": 1.5, "x": {"y": [1, {"z": 2}]}}
    jset(r, "d:1", doc)
    res = r.execute_command("FT.SEARCH", "j", "*")
    assert res[1] == b"d:1" and res[2][0] == b"$"
    assert json.loads(res[2][1]) == doc
    res = r.execute_command("FT.SEARCH", "j", "*", "RETURN", "6", "name", "tags", "price", "$.x.y", "$.x.y[*]", "$.nope")
    assert res[2] == [b"name", b'["green pear","yellow"]', b"tags", b"fruit", b"price", b"1.5",
                      b"$.x.y", b'[1,{"z":2}]', b"$.x.y[*]", b"1"]
    res = r.execute_command("FT.SEARCH", "j", "*", "RETURN", "2", "name", "tags", "DIALECT", "3")
    assert res[2] == [b"name", b'[["green pear","yellow"]]', b"tags", b'["fruit","Red"]']
    res = r.execute_command("FT.SEARCH", "j", "*", "SORTBY", "price")  # the sort key leads the row
    assert res[2][:2] == [b"price", b"1.5"] and res[2][2] == b"$"


def test_knn_over_json_vectors(r: redis.Redis) -> None:
    vecs = np.array([[1, 0, 0], [0, 1, 0], [0.5, 0.5, 0.1], [3, 1, 2]], dtype=np.float32)
    for i, v in enumerate(vecs):
        jset(r, f"d:{i}", {"vec": v.tolist(), "name": f"doc {i}"})
    q = np.array([0.9, 0.2, 0], dtype=np.float32)
    res = r.execute_command("FT.SEARCH", "j", "*=>[KNN 3 @vec $q AS s]", "PARAMS", "2", "q", q.tobytes(),
                            "SORTBY", "s", "RETURN", "2", "s", "name", "DIALECT", "2")
    l2 = ((vecs - q) ** 2).sum(axis=1)
    order = np.argsort(l2)[:3]
    assert res[0] == 3
    assert [res[1 + 2 * n] for n in range(3)] == [f"d:{i}".encode() for i in order]
    assert float(res[2][1]) == pytest.approx(l2[order[0]], rel=1e-5)
    assert res[2][2:] == [b"name", f"doc {order[0]}".encode()]
    # The default row: the distance, then the document.
    res = r.execute_command("FT.SEARCH", "j", "*=>[KNN 1 @vec $q]", "PARAMS", "2", "q", q.tobytes(), "DIALECT", "2")
    assert res[2][0] == b"__vec_score" and res[2][2] == b"$"


def test_json_writes_update_the_index(r: redis.Redis) -> None:
    jset(r, "d:1", {"tags": ["fruit"], "price": 1})
    jset(r, "d:1", 9, "$.price")
    assert ids(r.execute_command("FT.SEARCH", "j", "@price:[9 9]", "NOCONTENT")) == [b"d:1"]
    r.execute_command("JSON.DEL", "d:1", "$.tags")
    assert ids(r.execute_command("FT.SEARCH", "j", "@tags:{fruit}", "NOCONTENT")) == []
    jset(r, "d:1", ["a"], "$.tags")
    r.execute_command("JSON.ARRAPPEND", "d:1", "$.tags", '"veg"')
    assert ids(r.execute_command("FT.SEARCH", "j", "@tags:{veg}", "NOCONTENT")) == [b"d:1"]
    r.delete("d:1")
    assert int(info(r)[b"num_docs"]) == 0


def test_existing_json_keys_indexed_at_creation_and_hash_index_ignores_json(server: ThreadedServer) -> None:
    c = redis.Redis(port=server.port, protocol=2)
    c.flushall()
    jset(c, "p:1", {"name": "before"})
    c.hset("p:2", mapping={"name": "before"})
    c.execute_command("FT.CREATE", "jj", "ON", "JSON", "PREFIX", "1", "p:", "SCHEMA", "$.name", "AS", "name", "TEXT")
    c.execute_command("FT.CREATE", "hh", "ON", "HASH", "PREFIX", "1", "p:", "SCHEMA", "name", "TEXT")
    assert ids(c.execute_command("FT.SEARCH", "jj", "before", "NOCONTENT")) == [b"p:1"]
    assert ids(c.execute_command("FT.SEARCH", "hh", "before", "NOCONTENT")) == [b"p:2"]
    c.close()


def test_bad_path_is_refused(server: ThreadedServer) -> None:
    c = redis.Redis(port=server.port, protocol=2)
    with pytest.raises(redis.ResponseError, match=r"Invalid JSONPath '\$.a\[' in attribute 'v' in index 'bad'"):
        c.execute_command("FT.CREATE", "bad", "ON", "JSON", "SCHEMA", "$.a[", "AS", "v", "TEXT")
    c.close()


def test_aggregate_loads_by_attribute_and_path(r: redis.Redis) -> None:
    jset(r, "d:1", {"name": "red apple", "tags": ["fruit", "Red"], "price": 1.5})
    jset(r, "d:2", {"name": ["green pear", "yellow"], "price": None})
    res = r.execute_command("FT.AGGREGATE", "j", "*", "LOAD", "2", "@name", "@price", "SORTBY", "1", "@name")
    rows = [dict(zip(row[::2], row[1::2], strict=True)) for row in res[1:]]
    assert {b"name": b"red apple", b"price": b"1.5"} in rows
    assert {b"name": b'["green pear","yellow"]', b"price": None} in rows  # JSON null is nil
    res = r.execute_command("FT.AGGREGATE", "j", "*", "LOAD", "3", "$.name", "AS", "nm", "GROUPBY", "1", "@nm")
    assert sorted(row[1] for row in res[1:]) == [b'["green pear","yellow"]', b"red apple"]


def test_redisvl_json_storage(server: ThreadedServer) -> None:
    pytest.importorskip("redisvl")
    from redisvl.index import SearchIndex
    from redisvl.query import FilterQuery, VectorQuery
    from redisvl.query.filter import Num, Tag

    url = f"redis://127.0.0.1:{server.port}"
    redis.Redis(port=server.port).flushall()
    schema = {
        "index": {"name": "rvj", "prefix": "jdoc", "storage_type": "json"},
        "fields": [
            {"name": "content", "type": "text"},
            {"name": "genre", "type": "tag", "path": "$.meta.genre"},
            {"name": "year", "type": "numeric"},
            {"name": "embedding", "type": "vector",
             "attrs": {"dims": 4, "algorithm": "hnsw", "distance_metric": "cosine", "datatype": "float32"}},
        ],
    }
    index = SearchIndex.from_dict(schema, redis_url=url)
    index.create(overwrite=True, drop=True)
    rng = np.random.default_rng(9)
    vecs = rng.normal(size=(10, 4)).astype(np.float32)
    data = [{"id": str(i), "content": f"story {i}", "meta": {"genre": ["drama", "comedy"][i % 2]},
             "year": 2000 + i, "embedding": vecs[i].tolist()} for i in range(10)]
    assert len(index.load(data, id_field="id")) == 10
    q = vecs[3] + 0.01
    res = index.query(VectorQuery(vector=q.tolist(), vector_field_name="embedding",
                                  return_fields=["content", "genre", "year"], num_results=3))
    cos = 1 - (vecs @ q) / (np.linalg.norm(vecs, axis=1) * np.linalg.norm(q))
    assert [x["id"] for x in res] == [f"jdoc:{i}" for i in np.argsort(cos)[:3]]
    assert res[0]["content"] == "story 3" and res[0]["genre"] == "comedy"
    assert float(res[0]["vector_distance"]) == pytest.approx(cos[3], abs=1e-5)
    res = index.query(FilterQuery(filter_expression=(Tag("genre") == "drama") & (Num("year") >= 2004),
                                  return_fields=["year"], num_results=10))
    assert sorted(int(x["year"]) for x in res) == [2004, 2006, 2008]
    assert index.info()["num_docs"] == 10
    assert index.fetch("5")["year"] == 2005
    index.delete(drop=True)


def test_blob_vectors_in_queries_match_numpy(r: redis.Redis) -> None:
    # The query vector is a float32 blob as for hashes; stored JSON numbers are converted to float32.
    jset(r, "d:1", {"vec": [0.1, 0.2, 0.3]})
    res = r.execute_command("FT.SEARCH", "j", "*=>[KNN 1 @vec $q AS s]", "PARAMS", "2", "q",
                            struct.pack("<3f", 0.1, 0.2, 0.3), "RETURN", "1", "s", "DIALECT", "2")
    assert res == [1, b"d:1", [b"s", b"0"]]


@pytest.mark.parametrize("mode", ["aof", "rdb"])
def test_json_index_survives_restart(tmp_path: Path, mode: str) -> None:
    args = ["--appendonly", "yes" if mode == "aof" else "no", "--save", "", "--dir", str(tmp_path)]
    with subprocess_server(args) as (_, port):
        c = redis.Redis(port=port, protocol=2)
        c.execute_command("FT.CREATE", "j", "ON", "JSON", "PREFIX", "1", "d:", "SCHEMA", *SCHEMA)
        jset(c, "d:1", {"name": "kept apple", "tags": ["fruit"], "vec": [1, 0, 0], "price": 2})
        jset(c, "d:2", {"name": "dropped", "vec": [0, 1, 0]})
        c.delete("d:2")
        jset(c, "d:1", 5, "$.price")
        if mode == "rdb":
            c.save()
        c.close()
    with subprocess_server(args) as (_, port):
        c = redis.Redis(port=port, protocol=2)
        assert ids(c.execute_command("FT.SEARCH", "j", "apple", "NOCONTENT")) == [b"d:1"]
        assert ids(c.execute_command("FT.SEARCH", "j", "@price:[5 5]", "NOCONTENT")) == [b"d:1"]
        res = c.execute_command("FT.SEARCH", "j", "*=>[KNN 2 @vec $q]", "PARAMS", "2", "q",
                                struct.pack("<3f", 0, 1, 0), "NOCONTENT", "DIALECT", "2")
        assert res == [1, b"d:1"]
        c.close()


def test_filter_alter_and_score_field_on_json(server: ThreadedServer) -> None:
    c = redis.Redis(port=server.port, protocol=2)
    c.flushall()
    c.execute_command("FT.CREATE", "f", "ON", "JSON", "PREFIX", "1", "f:", "FILTER", "@price > 2", "SCORE_FIELD",
                      "$.rank", "SCHEMA", "$.price", "AS", "price", "NUMERIC", "$.name", "AS", "name", "TEXT")
    jset(c, "f:1", {"price": 1, "name": "cheap thing", "rank": 0.5})
    jset(c, "f:2", {"price": 5, "name": "dear thing", "rank": 0.25, "color": "blue"})
    jset(c, "f:3", {"price": 9, "name": "dearer thing", "rank": 1})
    assert ids(c.execute_command("FT.SEARCH", "f", "thing", "NOCONTENT")) == [b"f:2", b"f:3"]
    res = c.execute_command("FT.SEARCH", "f", "*", "SCORER", "DOCSCORE", "WITHSCORES", "NOCONTENT", "SORTBY", "price")
    assert res[1:] == [b"f:2", b"0.25", b"f:3", b"1"]
    c.execute_command("FT.ALTER", "f", "SCHEMA", "ADD", "$.color", "AS", "color", "TAG")
    assert ids(c.execute_command("FT.SEARCH", "f", "@color:{blue}", "NOCONTENT")) == [b"f:2"]
    assert c.execute_command("FT.INFO", "f")[c.execute_command("FT.INFO", "f").index(b"attributes") + 1][-1][:4] == \
        [b"identifier", b"$.color", b"attribute", b"color"]
    c.close()


def test_repeated_knn_rows_read_json(r: redis.Redis) -> None:
    """A KNN repeated with only the vector changing (compiled, lean replies) returns JSON rows as the
    first call does: the distance and ``$``, or the RETURNed attributes and paths."""
    vecs = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 0]], dtype=np.float32)
    docs = [{"vec": v.tolist(), "name": f"doc {i}", "price": i + 0.5, "tags": ["a", f"t{i}"]} for i, v in enumerate(vecs)]
    for i, doc in enumerate(docs):
        jset(r, f"d:{i}", doc)
    for q in (np.array([1, 0.1, 0], np.float32), np.array([0, 0.2, 1], np.float32), np.array([0, 1, 0.1], np.float32)):
        best = int(np.argmin(((vecs - q) ** 2).sum(axis=1)))
        res = r.execute_command("FT.SEARCH", "j", "*=>[KNN 1 @vec $q AS s]", "PARAMS", "2", "q", q.tobytes(),
                                "SORTBY", "s", "RETURN", "5", "s", "name", "price", "tags", "$.tags", "DIALECT", "2")
        assert res[1] == f"d:{best}".encode()
        row = dict(zip(res[2][::2], res[2][1::2], strict=True))
        assert row[b"name"] == f"doc {best}".encode() and row[b"price"] == f"{best + 0.5:g}".encode()
        assert row[b"tags"] == b"a" and json.loads(row[b"$.tags"]) == ["a", f"t{best}"]
        res = r.execute_command("FT.SEARCH", "j", "*=>[KNN 1 @vec $q]", "PARAMS", "2", "q", q.tobytes(), "DIALECT", "2")
        assert res[2][0] == b"__vec_score" and json.loads(res[2][3]) == docs[best]
        res = r.execute_command("FT.SEARCH", "j", "*=>[KNN 1 @vec $q]", "PARAMS", "2", "q", q.tobytes(), "RETURN", "1",
                                "tags", "DIALECT", "3")
        assert json.loads(res[2][1]) == ["a", f"t{best}"]
