"""Index lifecycle: FT.CREATE grammar and errors, FT.INFO layout, FT._LIST, FT.DROPINDEX [DD], FT.ALTER,
aliases, FT.TAGVALS, FT.CONFIG, FT.EXPLAIN, FLUSHALL dropping definitions, indexing existing keys."""

from __future__ import annotations

import pytest
import redis

from tests.search.helpers import blob, hset, ids, s

VEC = ["VECTOR", "HNSW", "10", "TYPE", "FLOAT32", "DIM", "2", "DISTANCE_METRIC", "COSINE", "M", "8",
       "EF_CONSTRUCTION", "100"]


def info_dict(r: redis.Redis, name: str) -> dict[str, object]:
    raw = r.execute_command("FT.INFO", name)
    if isinstance(raw, dict):
        return {s(k): v for k, v in raw.items()}
    return {s(raw[i]): raw[i + 1] for i in range(0, len(raw), 2)}


def test_create_info_and_list(r: redis.Redis) -> None:
    assert r.execute_command(
        "FT.CREATE", "idx", "ON", "HASH", "PREFIX", "2", "a:", "b:", "SCORE", "0.5", "STOPWORDS", "1", "foo",
        "SCHEMA", "title", "AS", "t", "TEXT", "WEIGHT", "2", "NOSTEM", "SORTABLE", "g", "TAG", "SEPARATOR", "|",
        "CASESENSITIVE", "n", "NUMERIC", "SORTABLE", "loc", "GEO", "v", *VEC) == b"OK"
    info = info_dict(r, "idx")
    assert list(info)[:4] == ["index_name", "index_options", "index_definition", "attributes"]
    assert s(info["index_name"]) == "idx"
    attrs = info["attributes"]
    assert isinstance(attrs, list) and len(attrs) == 5
    if isinstance(attrs[0], dict):  # RESP3: maps with a flags list
        first = {s(k): v for k, v in attrs[0].items()}
        assert s(first["identifier"]) == "title" and s(first["attribute"]) == "t" and first["WEIGHT"] == 2.0
        assert [s(f) for f in first["flags"]] == ["SORTABLE", "NOSTEM"]
        vec = {s(k): v for k, v in attrs[4].items()}
        assert (vec["algorithm"], vec["dim"], vec["M"], vec["ef_construction"]) == (b"HNSW", 2, 8, 100)
    else:  # RESP2: positional lists, flags last
        assert [s(x) for x in attrs[0]] == ["identifier", "title", "attribute", "t", "type", "TEXT", "WEIGHT", "2",
                                            "SORTABLE", "NOSTEM"]
        assert [s(x) for x in attrs[1]] == ["identifier", "g", "attribute", "g", "type", "TAG", "SEPARATOR", "|",
                                            "CASESENSITIVE"]
        assert [s(x) for x in attrs[2]][6:] == ["SORTABLE", "UNF"]
        assert [s(x) for x in attrs[4]] == ["identifier", "v", "attribute", "v", "type", "VECTOR", "algorithm",
                                            "HNSW", "data_type", "FLOAT32", "dim", 2, "distance_metric", "COSINE",
                                            "M", 8, "ef_construction", 100]
    assert [s(x) for x in info["stopwords_list"]] == ["foo"]  # type: ignore[union-attr]
    assert info["num_docs"] == 0 and info["indexing"] == 0
    assert [s(x) for x in r.execute_command("FT._LIST")] == ["idx"]


@pytest.mark.parametrize(("args", "message"), [
    (["SCHEMA"], "wrong number of arguments for 'FT.CREATE' command"),  # fewer than 5 arguments
    (["PREFIX", "1", "x", "SCHEMA"], "Fields arguments are missing"),
    (["PREFIX", "1", "x"], "No schema found"),
    (["FOO", "SCHEMA", "t", "TEXT"], "Unknown argument `FOO`"),
    (["PREFIX", "1", "x", "SCHEMA", "t"], "Field `t` does not have a type"),
    (["SCHEMA", "t", "BLOB"], "Invalid field type for field `t`"),
    (["SCHEMA", "t", "TEXT", "t", "TAG"], "Duplicate field in schema - t"),
    (["SCHEMA", "t", "TAG", "SEPARATOR", "ab"], "Tag separator must be a single character. Got `ab`"),
    (["SCORE", "10", "SCHEMA", "t", "TEXT"], "Invalid score"),
    (["LANGUAGE", "klingon", "SCHEMA", "t", "TEXT"], "Invalid language"),
    (["SCHEMA", "v", "VECTOR"], "Bad arguments for vector similarity algorithm: Expected an argument, but none provided"),
    (["SCHEMA", "v", "VECTOR", "REDIS", "6"], "Bad arguments for vector similarity algorithm: Unknown argument"),
    (["SCHEMA", "v", "VECTOR", "FLAT", "1"], "Bad number of arguments for vector similarity index: got 1 but expected even number"),
    (["SCHEMA", "v", "VECTOR", "FLAT", "6"], "Expected 6 parameters but got 0"),
    (["SCHEMA", "v", "VECTOR", "FLAT", "2", "SIZE", "100"], "Bad arguments for algorithm FLAT: SIZE"),
    (["SCHEMA", "v", "VECTOR", "FLAT", "4", "TYPE", "FLOAT32", "DIM", "2"],
     "Missing mandatory parameter: cannot create FLAT index without specifying DISTANCE_METRIC argument"),
    (["SCHEMA", "v", "VECTOR", "HNSW", "6", "TYPE", "FLOAT32", "DIM", "2", "DISTANCE_METRIC", "FOO"],
     "Bad arguments for vector similarity HNSW index metric: Unknown argument"),
])
def test_create_errors(r: redis.Redis, args: list[str], message: str) -> None:
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command("FT.CREATE", "bad", *args)
    assert message in str(e.value)


def test_duplicate_and_missing_index_errors(r: redis.Redis) -> None:
    r.execute_command("FT.CREATE", "idx", "SCHEMA", "t", "TEXT")
    with pytest.raises(redis.ResponseError, match="Index already exists"):
        r.execute_command("FT.CREATE", "idx", "SCHEMA", "t", "TEXT")
    with pytest.raises(redis.ResponseError, match="Unknown index name"):
        r.execute_command("FT.INFO", "nope")
    with pytest.raises(redis.ResponseError, match="Unknown Index name"):
        r.execute_command("FT.DROPINDEX", "nope")


def test_existing_keys_indexed_and_dropindex_dd(r: redis.Redis) -> None:
    for i in range(5):
        hset(r, f"k:{i}", {"t": f"hello {i}", "v": blob([1, i])})
    hset(r, "other", {"t": "hello"})
    r.execute_command("FT.CREATE", "idx", "PREFIX", "1", "k:", "SCHEMA", "t", "TEXT", "v", *VEC)
    assert info_dict(r, "idx")["num_docs"] == 5
    assert r.execute_command("FT.DROPINDEX", "idx") == b"OK"
    assert r.exists("k:0") == 1
    r.execute_command("FT.CREATE", "idx", "PREFIX", "1", "k:", "SCHEMA", "t", "TEXT")
    assert r.execute_command("FT.DROPINDEX", "idx", "DD") == b"OK"
    assert r.exists("k:0", "k:1") == 0 and r.exists("other") == 1
    assert list(r.execute_command("FT._LIST")) == []


def test_flushall_drops_definitions(r: redis.Redis) -> None:
    r.execute_command("FT.CREATE", "idx", "SCHEMA", "t", "TEXT")
    r.flushall()
    assert list(r.execute_command("FT._LIST")) == []
    assert r.execute_command("FT.CREATE", "idx", "SCHEMA", "t", "TEXT") == b"OK"


def test_alter_adds_field_and_rescans(r: redis.Redis) -> None:
    r.execute_command("FT.CREATE", "idx", "SCHEMA", "t", "TEXT")
    hset(r, "d1", {"t": "x", "n": "5"})
    assert r.execute_command("FT.ALTER", "idx", "SCHEMA", "ADD", "n", "NUMERIC") == b"OK"
    assert ids(r, "idx", "@n:[5 5]", "NOCONTENT", "DIALECT", "2") == ["d1"]
    with pytest.raises(redis.ResponseError, match="Duplicate field in schema - n"):
        r.execute_command("FT.ALTER", "idx", "SCHEMA", "ADD", "n", "TEXT")
    with pytest.raises(redis.ResponseError, match="ALTER must be followed by SCHEMA"):
        r.execute_command("FT.ALTER", "idx", "ADD", "n", "TEXT")


def test_aliases_tagvals_config_explain(r: redis.Redis) -> None:
    r.execute_command("FT.CREATE", "idx", "SCHEMA", "g", "TAG", "t", "TEXT")
    hset(r, "d1", {"g": "Red,blue"})
    hset(r, "d2", {"g": "green"})
    assert r.execute_command("FT.ALIASADD", "al", "idx") == b"OK"
    assert ids(r, "al", "@g:{red}", "DIALECT", "2") == ["d1"]
    with pytest.raises(redis.ResponseError, match="Alias already exists"):
        r.execute_command("FT.ALIASADD", "al", "idx")
    r.execute_command("FT.CREATE", "idx2", "SCHEMA", "t", "TEXT")
    assert r.execute_command("FT.ALIASUPDATE", "al", "idx2") == b"OK"
    assert r.execute_command("FT.ALIASDEL", "al") == b"OK"
    with pytest.raises(redis.ResponseError, match="Alias does not exist"):
        r.execute_command("FT.ALIASDEL", "al")
    assert sorted(s(v) for v in r.execute_command("FT.TAGVALS", "idx", "g")) == ["blue", "green", "red"]
    with pytest.raises(redis.ResponseError, match="Not a tag field"):
        r.execute_command("FT.TAGVALS", "idx", "t")
    assert r.execute_command("FT.CONFIG", "SET", "TIMEOUT", "42") == b"OK"
    got = r.execute_command("FT.CONFIG", "GET", "TIMEOUT")
    assert (got == {b"TIMEOUT": b"42"}) or (got == [[b"TIMEOUT", b"42"]])
    plan = r.execute_command("FT.EXPLAIN", "idx", "@g:{red} hello", "DIALECT", "2").decode()
    assert plan.startswith("INTERSECT {") and "TAG:@g" in plan and "hello" in plan
    # Words show the stemming expander's union, as RediSearch prints it; VERBATIM and NOT leave them bare.
    assert r.execute_command("FT.EXPLAIN", "idx", "@t:running", "DIALECT", "2").decode() == (
        "@t:UNION {\n  @t:running\n  @t:+run(expanded)\n  @t:run(expanded)\n}\n")
    assert r.execute_command("FT.EXPLAIN", "idx", "running", "VERBATIM").decode() == "running\n"
    assert r.execute_command("FT.EXPLAIN", "idx", "-running", "DIALECT", "2").decode() == "NOT{\n  running\n}\n"


def test_module_commands_listed(r: redis.Redis) -> None:
    names = {s(n).lower() for n in r.command_list(module="search")}  # FT.SEARCH: RediSearch's case
    assert {"ft.search", "ft.create", "ft.info", "ft.aggregate", "ft.dropindex"} <= names


@pytest.mark.parametrize(("args", "message"), [
    (("FT.SEARCH", "idx"), "No query string provided"),
    (("FT.AGGREGATE", "idx"), "No query string provided"),
    (("FT.SEARCH", "idx", "*", "SORTBY"), "Bad SORTBY arguments"),
    (("FT.SEARCH", "idx", "*", "DIALECT"), "Need an argument for DIALECT"),
    (("FT.SEARCH", "idx", "*", "INKEYS", "3", "a"), "Bad arguments for INKEYS: Expected an argument, but none provided"),
    (("FT.AGGREGATE", "idx", "*", "GROUPBY", "1", "@t", "REDUCE", "NOPE", "0"), "No such reducer: NOPE"),
    (("FT.AGGREGATE", "idx", "*", "FILTER"), "Bad arguments for APPLY/FILTER: Expected an argument, but none provided"),
    (("FT.CURSOR", "READ", "idx", "123"), "Cursor not found"),
    (("FT.ALTER", "nope", "SCHEMA", "ADD", "z", "TEXT"), "Unknown index name"),
    (("FT.CONFIG", "SET", "TIMEOUT", "x"), "Could not convert argument to expected type"),
    (("FT._LIST", "x"), "wrong number of arguments for 'FT._LIST' command"),
])
def test_search_command_errors_as_redisearch(r: redis.Redis, args: tuple[str, ...], message: str) -> None:
    r.execute_command("FT.CREATE", "idx", "SCHEMA", "t", "TEXT")
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command(*args)
    assert str(e.value) == message
