"""FT.SEARCH through redis-py's search API: KNN per metric and type, hybrid filters, range queries,
RETURN/SORTBY/LIMIT, text/tag/numeric/geo queries, and index maintenance on writes, deletes and expiry."""

from __future__ import annotations

import time

import numpy as np
import pytest
import redis
from redis.commands.search.field import GeoField, NumericField, TagField, TextField, VectorField
from redis.commands.search.index_definition import IndexDefinition, IndexType
from redis.commands.search.query import Query

from tests.search.helpers import blob, hset, ids, search

DIM = 8


def make_index(r: redis.Redis, algo: str = "FLAT", metric: str = "L2", dtype: str = "FLOAT32",
               name: str = "idx", prefix: str = "doc:") -> None:
    r.ft(name).create_index(
        [
            TextField("title"),
            TagField("genre"),
            NumericField("year", sortable=True),
            GeoField("loc"),
            VectorField("vec", algo, {"TYPE": dtype, "DIM": DIM, "DISTANCE_METRIC": metric}),
        ],
        definition=IndexDefinition(prefix=[prefix], index_type=IndexType.HASH),
    )


def load(r: redis.Redis, n: int = 40, dtype: str = "float32", seed: int = 7) -> np.ndarray:
    rng = np.random.default_rng(seed)
    data = rng.normal(size=(n, DIM)).astype(dtype)
    genres = ["drama", "comedy", "action sci-fi"]
    for i in range(n):
        hset(r, f"doc:{i}", {
            "title": f"movie number {i} {'space' if i % 5 == 0 else 'earth'}",
            "genre": genres[i % 3],
            "year": 1990 + i,
            "loc": f"{i / 100},{i / 100}",
            "vec": data[i].tobytes(),
        })
    return data


def distances(data: np.ndarray, q: np.ndarray, metric: str) -> np.ndarray:
    d = data.astype(np.float64)
    qq = q.astype(np.float64)
    if metric == "L2":
        return ((d - qq) ** 2).sum(axis=1)
    if metric == "IP":
        return 1 - d @ qq
    return 1 - (d @ qq) / (np.linalg.norm(d, axis=1) * np.linalg.norm(qq))


@pytest.mark.parametrize("metric", ["L2", "IP", "COSINE"])
@pytest.mark.parametrize("dtype", ["FLOAT32", "FLOAT64"])
def test_knn_each_metric_and_type_matches_numpy(client: redis.Redis, metric: str, dtype: str) -> None:
    make_index(client, "FLAT", metric, dtype)
    data = load(client, 40, dtype.lower())
    q = np.random.default_rng(1).normal(size=DIM).astype(dtype.lower())
    res = client.ft("idx").search(
        Query("*=>[KNN 5 @vec $q AS dist]").sort_by("dist").return_fields("dist").dialect(2),
        {"q": q.tobytes()},
    )
    expected = distances(data, q, metric)
    order = np.argsort(expected, kind="stable")[:5]
    assert [d.id for d in res.docs] == [f"doc:{i}" for i in order]
    tol = 1e-4 if dtype == "FLOAT32" else 1e-6
    for doc, i in zip(res.docs, order, strict=True):
        assert float(doc.dist) == pytest.approx(expected[i], abs=tol)
    assert res.total == 5


def test_hnsw_knn_and_hybrid_filters(client: redis.Redis) -> None:
    make_index(client, "HNSW", "COSINE")
    data = load(client, 60)
    q = data[3] + 0.01
    res = client.ft("idx").search(
        Query("(@genre:{drama} @year:[1990 2020])=>[KNN 4 @vec $q AS dist]").sort_by("dist")
        .return_fields("dist", "genre", "year").dialect(2), {"q": q.tobytes()})
    assert res.docs[0].id == "doc:3"
    for d in res.docs:
        assert d.genre == "drama" and 1990 <= int(d.year) <= 2020
    # exact oracle over the filtered subset
    allowed = [i for i in range(60) if i % 3 == 0 and 1990 + i <= 2020]
    expected = distances(data[allowed], q, "COSINE")
    assert [d.id for d in res.docs] == [f"doc:{allowed[i]}" for i in np.argsort(expected)[:4]]


def test_knn_without_sortby_is_in_doc_id_order_and_default_score_name(client: redis.Redis) -> None:
    make_index(client)
    load(client, 10)
    q = blob(np.zeros(DIM))
    res = client.ft("idx").search(Query("*=>[KNN 3 @vec $q]").dialect(2), {"q": q})
    got = [d.id for d in res.docs]
    assert got == sorted(got, key=lambda k: int(k.split(":")[1]))
    assert all(hasattr(d, "__vec_score") for d in res.docs)


def test_range_query_with_yield_and_filter(client: redis.Redis) -> None:
    make_index(client, metric="L2")
    data = load(client, 30)
    q = data[0]
    radius = float(np.sort(distances(data, q, "L2"))[6])
    res = client.ft("idx").search(
        Query("@vec:[VECTOR_RANGE $r $q]=>{$YIELD_DISTANCE_AS: d}").sort_by("d").return_fields("d")
        .paging(0, 100).dialect(2), {"q": q.tobytes(), "r": radius})
    assert res.total == 7
    assert res.docs[0].id == "doc:0" and float(res.docs[0].d) == 0
    res2 = client.ft("idx").search(
        Query("@vec:[VECTOR_RANGE $r $q]=>{$YIELD_DISTANCE_AS: d} @genre:{drama}").sort_by("d")
        .return_fields("d", "genre").dialect(2), {"q": q.tobytes(), "r": radius})
    assert 0 < res2.total < 7 and all(d.genre == "drama" for d in res2.docs)


def test_return_sortby_limit_and_paging(client: redis.Redis) -> None:
    make_index(client)
    load(client, 25)
    res = client.ft("idx").search(Query("*").sort_by("year", asc=False).return_field("year", as_field="y")
                                  .paging(0, 3).dialect(2))
    assert res.total == 25
    assert [d.y for d in res.docs] == ["2014", "2013", "2012"]
    seen = []
    for off in range(0, 25, 10):
        page = client.ft("idx").search(Query("*").sort_by("year").no_content().paging(off, 10).dialect(2))
        seen += [d.id for d in page.docs]
    assert seen == [f"doc:{i}" for i in range(25)]
    count = client.ft("idx").search(Query("@genre:{comedy}").no_content().paging(0, 0).dialect(2))
    assert count.total == 8 and count.docs == []


def test_tag_numeric_geo_text_queries(client: redis.Redis) -> None:
    make_index(client)
    load(client, 30)
    ft = client.ft("idx")
    assert ft.search(Query("@genre:{action sci\\-fi}").paging(0, 0).dialect(2)).total == 10
    assert ft.search(Query("@genre:{drama | comedy}").paging(0, 0).dialect(2)).total == 20
    assert ft.search(Query("@genre:{dra*}").paging(0, 0).dialect(2)).total == 10
    assert ft.search(Query("-@genre:{drama}").paging(0, 0).dialect(2)).total == 20
    assert ft.search(Query("@year:[(1990 1995]").paging(0, 0).dialect(2)).total == 5
    assert ft.search(Query("@year:[-inf (1995]").paging(0, 0).dialect(2)).total == 5
    assert ft.search(Query("@year:[2010 +inf]").paging(0, 0).dialect(2)).total == 10
    # points (i/100, i/100): within 10 km of (0, 0) are i = 0..6 (6 -> 9.4 km, 7 -> 11 km)
    res = ft.search(Query("@loc:[0 0 10 km]").no_content().paging(0, 100).dialect(2))
    assert sorted(int(d.id.split(":")[1]) for d in res.docs) == list(range(7))
    assert ft.search(Query("space").paging(0, 0).dialect(2)).total == 6
    assert ft.search(Query("@title:(space | earth)").paging(0, 0).dialect(2)).total == 30
    assert ft.search(Query('"number 12"').no_content().dialect(2)).docs[0].id == "doc:12"
    assert ft.search(Query("spac*").paging(0, 0).dialect(2)).total == 6
    assert ft.search(Query("%sapce%").paging(0, 0).dialect(2)).total == 0  # a swap is two edits...
    assert ft.search(Query("%%sapce%%").paging(0, 0).dialect(2)).total == 6
    assert ft.search(Query("%spaec%").paging(0, 0).dialect(2)).total == 6  # ...but one at the end
    assert ft.search(Query("@year==1995").paging(0, 0).dialect(2)).total == 1


def test_text_ranking_and_stemming(client: redis.Redis) -> None:
    client.ft("t").create_index([TextField("body"), TextField("title", weight=5.0)],
                                definition=IndexDefinition(prefix=["p:"]))
    hset(client, "p:1", {"title": "cooking", "body": "a long text about many things and also running"})
    hset(client, "p:2", {"title": "running shoes", "body": "runners run when they are running"})
    hset(client, "p:3", {"title": "weather", "body": "rain and sun"})
    res = client.ft("t").search(Query("run").with_scores().dialect(2))
    assert [d.id for d in res.docs] == ["p:2", "p:1"]
    assert float(res.docs[0].score) > float(res.docs[1].score) > 0
    # the stop word "and" is dropped; VERBATIM disables stemming
    assert client.ft("t").search(Query("rain and sun").no_content().dialect(2)).docs[0].id == "p:3"
    assert client.ft("t").search(Query("run").verbatim().no_content().dialect(2)).total == 1


def test_writes_deletes_updates_reflected(client: redis.Redis) -> None:
    make_index(client)
    load(client, 5)
    q = blob(np.zeros(DIM))
    client.delete("doc:0")
    res = client.ft("idx").search(Query("*").no_content().paging(0, 10).dialect(2))
    assert res.total == 4 and "doc:0" not in [d.id for d in res.docs]
    hset(client, "doc:1", {"genre": "western"})
    assert ids(client, "idx", "@genre:{western}", "NOCONTENT", "DIALECT", "2") == ["doc:1"]
    hset(client, "doc:2", {"vec": blob(np.zeros(DIM))})
    res = client.ft("idx").search(Query("*=>[KNN 1 @vec $q AS d]").return_field("d").dialect(2), {"q": q})
    assert res.docs[0].id == "doc:2" and float(res.docs[0].d) == 0
    hset(client, "other:1", {"genre": "western"})  # outside the prefix
    assert client.ft("idx").info()["num_docs"] in (4, "4")


def test_expiry_reflected(client: redis.Redis) -> None:
    make_index(client)
    data = load(client, 6)
    for key in ("doc:1", "doc:2"):
        client.pexpire(key, 30)
    client.expire("doc:3", 1000)
    time.sleep(0.08)
    res = client.ft("idx").search(Query("*").no_content().dialect(2))
    assert sorted(d.id for d in res.docs) == ["doc:0", "doc:3", "doc:4", "doc:5"] and res.total == 4
    knn = client.ft("idx").search(Query("*=>[KNN 3 @vec $q AS d]").sort_by("d").no_content().dialect(2),
                                  {"q": data[1].tobytes()})
    expected = [i for i in np.argsort(distances(data, data[1], "L2")) if i not in (1, 2)][:3]
    assert [d.id for d in knn.docs] == [f"doc:{i}" for i in expected]


def test_wrong_size_blob_counted_as_failure(client: redis.Redis) -> None:
    make_index(client)
    load(client, 3)
    hset(client, "doc:bad", {"title": "bad", "vec": b"\x00" * 5})
    hset(client, "doc:1", {"vec": b"\x00" * 3})  # was indexed: now removed
    info = client.ft("idx").info()
    assert int(info["num_docs"]) == 2
    assert int(info["hash_indexing_failures"]) == 2
    errors = info["Index Errors"]
    errors = errors if isinstance(errors, dict) else dict(zip(errors[::2], errors[1::2], strict=True))
    text = {k.decode() if isinstance(k, bytes) else k: v for k, v in errors.items()}
    last = text["last indexing error"]
    assert (last.decode() if isinstance(last, bytes) else last) == \
        f"Could not add vector with blob size 3 (expected size {DIM * 4})"


def test_hdel_and_rename_reflected(client: redis.Redis) -> None:
    make_index(client)
    load(client, 3)
    client.hdel("doc:0", "genre")
    assert ids(client, "idx", "@genre:{drama}", "NOCONTENT", "DIALECT", "2") == []
    client.rename("doc:1", "other:1")
    assert "doc:1" not in ids(client, "idx", "*", "NOCONTENT")
    client.rename("other:1", "doc:9")
    assert "doc:9" in ids(client, "idx", "*", "NOCONTENT")


def test_query_errors(client: redis.Redis) -> None:
    make_index(client)
    load(client, 2)
    cases = [
        (["idx", "*", "LIMIT", "1"], "LIMIT requires two arguments"),
        (["idx", "*", "DIALECT", "9"], "DIALECT requires a non negative integer >=1 and <= 4"),
        (["idx", "*", "FOO"], "Unknown argument `FOO` at position 1 for <main>"),
        (["idx", "*=>[KNN 2 @vec $q]", "PARAMS", "2", "q", "abc", "DIALECT", "2"],
         "Error parsing vector similarity query: query vector blob size (3) does not match index's expected size (32)."),
        (["idx", "*=>[KNN 2 @vec $x]", "DIALECT", "2"], "No such parameter `x`"),
        (["idx", "* -@genre:{x}", "DIALECT", "2"], "Syntax error at offset 2 near "),
        (["nope", "*"], "nope: no such index"),
        (["idx", "*", "SORTBY", "zzz"], "Property `zzz` not loaded nor in schema"),
    ]
    for args, message in cases:
        with pytest.raises(redis.ResponseError) as e:
            client.execute_command("FT.SEARCH", *args)
        assert message in str(e.value)


def test_raw_resp3_reply_shape(r3: redis.Redis) -> None:
    make_index(r3)
    load(r3, 3)
    reply = r3.execute_command("FT.SEARCH", "idx", "*=>[KNN 2 @vec $q AS d]", "RETURN", "1", "d",
                               "PARAMS", "2", "q", blob(np.zeros(DIM)), "DIALECT", "2", "WITHSCORES")
    assert list(reply) == [b"attributes", b"total_results", b"format", b"results", b"warning"]
    row = reply[b"results"][0]
    assert list(row) == [b"id", b"score", b"extra_attributes", b"values"]
    assert isinstance(row[b"score"], float) and list(row[b"extra_attributes"]) == [b"d"]


def test_raw_resp2_reply_shape(r2: redis.Redis) -> None:
    make_index(r2)
    load(r2, 3)
    reply = r2.execute_command("FT.SEARCH", "idx", "@genre:{drama}", "RETURN", "1", "year", "WITHSCORES", "DIALECT", "2")
    assert reply[0] == 1 and reply[1] == b"doc:0" and isinstance(reply[2], bytes) and reply[3] == [b"year", b"1990"]
    assert r2.execute_command("FT.SEARCH", "idx", "*", "NOCONTENT", "SORTBY", "year") == [3, b"doc:0", b"doc:1", b"doc:2"]
    assert search(r2, "idx", "*", "INKEYS", "1", "doc:2")[1][0][0] == "doc:2"


def test_phrases_are_exact_and_sortable_text_sorts_case_folded(client: redis.Redis) -> None:
    client.execute_command("FT.CREATE", "p", "PREFIX", "1", "p:", "SCHEMA", "t", "TEXT", "g", "TAG", "SORTABLE")
    hset(client, "p:1", {"t": "lazy dogs sleeping", "g": "banana"})
    hset(client, "p:2", {"t": "the lazy dog", "g": "Apple"})
    hset(client, "p:3", {"t": "dog lazy", "g": "cherry"})
    assert ids(client, "p", '"lazy dog"', "NOCONTENT") == ["p:2"]
    assert sorted(ids(client, "p", "lazy dog", "NOCONTENT")) == ["p:1", "p:2", "p:3"]
    assert ids(client, "p", "*", "SORTBY", "g", "NOCONTENT") == ["p:2", "p:1", "p:3"]


def test_hnsw_recall_against_flat_through_ft_search(r: redis.Redis) -> None:
    r.execute_command("FT.CREATE", "rc", "PREFIX", "1", "rc:", "SCHEMA",
                      "h", "VECTOR", "HNSW", "10", "TYPE", "FLOAT32", "DIM", "16", "DISTANCE_METRIC", "COSINE",
                      "M", "8", "EF_CONSTRUCTION", "64",
                      "f", "VECTOR", "FLAT", "6", "TYPE", "FLOAT32", "DIM", "16", "DISTANCE_METRIC", "COSINE")
    rng = np.random.default_rng(11)
    data = rng.normal(size=(600, 16)).astype(np.float32)
    pipe = r.pipeline(transaction=False)
    for i, v in enumerate(data):
        pipe.hset(f"rc:{i}", mapping={"h": v.tobytes(), "f": v.tobytes()})
    pipe.execute()
    hits = total = 0
    for q in rng.normal(size=(20, 16)).astype(np.float32):
        args = ["PARAMS", "2", "q", q.tobytes(), "DIALECT", "2", "NOCONTENT"]
        approx = set(ids(r, "rc", "*=>[KNN 10 @h $q]", *args))
        exact = set(ids(r, "rc", "*=>[KNN 10 @f $q]", *args))
        hits += len(approx & exact)
        total += len(exact)
    assert hits / total >= 0.9


def test_ismissing(client: redis.Redis) -> None:
    client.execute_command("FT.CREATE", "idx", "PREFIX", "1", "doc:", "SCHEMA", "title", "TEXT", "genre", "TAG",
                           "INDEXMISSING", "vec", "VECTOR", "FLAT", "6", "TYPE", "FLOAT32", "DIM", "2",
                           "DISTANCE_METRIC", "L2", "INDEXMISSING", "plain", "TAG")
    for i in range(3):
        hset(client, f"doc:{i}", {"title": "t", "genre": "g", "vec": np.zeros(2, dtype=np.float32).tobytes()})
    hset(client, "doc:x", {"title": "no vector, no genre"})
    assert ids(client, "idx", "ismissing(@genre)", "NOCONTENT", "DIALECT", "2") == ["doc:x"]
    assert ids(client, "idx", "ismissing(@vec)", "NOCONTENT", "DIALECT", "2") == ["doc:x"]
    assert sorted(ids(client, "idx", "-ismissing(@vec)", "NOCONTENT", "DIALECT", "2")) == ["doc:0", "doc:1", "doc:2"]
    # As in RediSearch: only a field declared INDEXMISSING can be asked; an unknown name matches nothing.
    with pytest.raises(redis.ResponseError, match="'ismissing' requires field 'plain' to be defined with 'INDEXMISSING'"):
        ids(client, "idx", "ismissing(@plain)", "NOCONTENT", "DIALECT", "2")
    assert ids(client, "idx", "ismissing(@nosuch)", "NOCONTENT", "DIALECT", "2") == []


def test_repeated_hybrid_filter_sees_writes(client: redis.Redis) -> None:
    make_index(client, "HNSW", "L2")
    data = load(client, 30)
    q = data[0].tobytes()
    query = "(@genre:{drama})=>[KNN 3 @vec $q AS d]"
    first = ids(client, "idx", query, "SORTBY", "d", "NOCONTENT", "PARAMS", "2", "q", q, "DIALECT", "2")
    assert ids(client, "idx", query, "SORTBY", "d", "NOCONTENT", "PARAMS", "2", "q", q, "DIALECT", "2") == first
    assert first[0] == "doc:0"
    hset(client, "doc:0", {"genre": "comedy"})
    after = ids(client, "idx", query, "SORTBY", "d", "NOCONTENT", "PARAMS", "2", "q", q, "DIALECT", "2")
    assert "doc:0" not in after and len(after) == 3
    hset(client, "doc:1", {"genre": "drama", "vec": (data[0] + 0.001).tobytes()})
    assert ids(client, "idx", query, "SORTBY", "d", "NOCONTENT", "PARAMS", "2", "q", q, "DIALECT", "2")[0] == "doc:1"


def test_wildcard_pages_in_doc_id_order(client: redis.Redis) -> None:
    make_index(client)
    load(client, 6)
    hset(client, "doc:0", {"year": 1})  # re-indexed: a new, higher doc id
    client.delete("doc:3")
    expected = ["doc:1", "doc:2", "doc:4", "doc:5", "doc:0"]
    # Every document scores alike under DISMAX (BM25STD, the default, ranks * by text length: the
    # differential tests cover that), so the order is the doc ids'.
    assert ids(client, "idx", "*", "NOCONTENT", "SCORER", "DISMAX") == expected
    # (RediSearch takes `*` only alone: `* -@genre:{nothing}` is a syntax error there, and here.)
    assert ids(client, "idx", "-@genre:{nothing}", "NOCONTENT", "DIALECT", "2", "SCORER", "DISMAX") == expected
    assert ids(client, "idx", "*", "NOCONTENT", "LIMIT", "3", "2", "SCORER", "DISMAX") == expected[3:]
    assert search(client, "idx", "*", "LIMIT", "0", "0")[0] == 5


@pytest.mark.parametrize(("metric", "dtype"), [("COSINE", "FLOAT32"), ("COSINE", "FLOAT64"), ("IP", "FLOAT32")])
def test_exact_hybrid_distances_and_reuse(client: redis.Redis, metric: str, dtype: str) -> None:
    """A selective filter takes the exact (ADHOC_BF) path, which reads the documents' own blobs and keeps
    them gathered for the next query with the same filter: distances must be exact every time, and a
    vector rewritten between two identical queries must be seen."""
    make_index(client, "HNSW", metric, dtype)
    np_dtype = "float32" if dtype == "FLOAT32" else "float64"
    data = load(client, 120, np_dtype).astype(np.float64)
    drama = np.arange(0, 120, 3)
    query_vec = data[1] + 0.3 * data[2]

    def exact(vectors: np.ndarray) -> list[tuple[str, float]]:
        if metric == "COSINE":
            unit = vectors[drama] / np.linalg.norm(vectors[drama], axis=1, keepdims=True)
            dist = 1 - unit @ (query_vec / np.linalg.norm(query_vec))
        else:
            dist = 1 - vectors[drama] @ query_vec
        order = np.argsort(dist, kind="stable")[:5]
        return [(f"doc:{drama[i]}", float(dist[i])) for i in order]

    args = ["idx", "(@genre:{drama})=>[KNN 5 @vec $q AS d]", "SORTBY", "d", "RETURN", "1", "d",
            "PARAMS", "2", "q", query_vec.astype(np_dtype).tobytes(), "DIALECT", "2"]
    for _ in range(3):
        _, rows = search(client, *args)
        want = exact(data)
        assert [key for key, _ in rows] == [key for key, _ in want]
        assert np.allclose([float(f["d"]) for _, f in rows], [d for _, d in want], atol=1e-5)
    data[6] = query_vec * 2
    hset(client, "doc:6", {"vec": data[6].astype(np_dtype).tobytes()})
    for _ in range(2):
        _, rows = search(client, *args)
        assert [key for key, _ in rows] == [key for key, _ in exact(data)]
        assert rows[0][0] == "doc:6"


def test_return_of_a_sortable_number_and_sortby_field_order(client: redis.Redis) -> None:
    """As RediSearch: RETURN gives a NUMERIC attribute, SORTABLE or not, as the number it holds (not the
    stored text, Redis Stack 7.4 does the same); the SORTBY field leads each row; whole documents come back
    as stored."""
    client.execute_command("FT.CREATE", "nums", "PREFIX", "1", "p:", "SCHEMA", "title", "TEXT", "n", "NUMERIC",
                           "SORTABLE", "m", "NUMERIC", "v", "VECTOR", "FLAT", "6", "TYPE", "FLOAT32", "DIM", "2",
                           "DISTANCE_METRIC", "L2")
    hset(client, "p:1", {"title": "one", "n": "1.50", "m": "2.50", "v": np.array([1, 0], dtype=np.float32).tobytes()})
    assert search(client, "nums", "*", "RETURN", "2", "n", "m")[1] == [("p:1", {"n": b"1.5", "m": b"2.5"})]
    _, rows = search(client, "nums", "*", "SORTBY", "n")
    assert list(rows[0][1])[:2] == ["n", "title"] and rows[0][1]["n"] == b"1.50"
    knn = ("*=>[KNN 1 @v $q AS d]", "PARAMS", "2", "q", np.array([1, 0], dtype=np.float32).tobytes(),
           "RETURN", "3", "n", "d", "title", "DIALECT", "2")
    for _ in range(2):  # the general path, then the compiled repeat
        assert search(client, "nums", *knn)[1] == [("p:1", {"d": b"0", "n": b"1.5", "title": b"one"})]


def test_docscore_and_dismax_scorers(client: redis.Redis) -> None:
    """DOCSCORE: the document's score whatever the query; DISMAX: term frequencies, a union taking its best
    clause and an intersection the sum (values as Redis Stack 7.4 gives them)."""
    client.execute_command("FT.CREATE", "sidx", "PREFIX", "1", "s:", "SCORE_FIELD", "sc", "SCHEMA", "t", "TEXT")
    hset(client, "s:1", {"t": "alpha beta gamma", "sc": "0.5"})
    hset(client, "s:2", {"t": "beta beta delta"})
    hset(client, "s:3", {"t": "alpha alpha alpha beta", "sc": "0.25"})

    def scores(query: str, scorer: str) -> dict[str, float]:
        reply = client.execute_command("FT.SEARCH", "sidx", query, "WITHSCORES", "NOCONTENT", "SCORER", scorer)
        if isinstance(reply, dict):
            return {r[b"id"].decode(): float(r[b"score"]) for r in reply[b"results"]}
        return {reply[i].decode(): float(reply[i + 1]) for i in range(1, len(reply), 2)}

    assert scores("alpha | beta", "DOCSCORE") == {"s:1": 0.5, "s:2": 1.0, "s:3": 0.25}
    assert scores("alpha | beta", "DISMAX") == {"s:1": 1.0, "s:2": 2.0, "s:3": 3.0}
    assert scores("alpha beta", "DISMAX") == {"s:1": 2.0, "s:3": 4.0}


def test_bm25std_counts_records_as_redisearch_does(client: redis.Redis) -> None:
    """BM25STD scores a word by its inverted-index records: the word itself (field weights count) plus its
    stem record, so a field restriction filters documents without changing their scores."""
    client.execute_command("FT.CREATE", "bm", "PREFIX", "1", "b:", "SCHEMA", "title", "TEXT", "WEIGHT", "2",
                           "body", "TEXT")
    hset(client, "b:1", {"title": "python notes", "body": "learn python today"})
    hset(client, "b:2", {"title": "other notes", "body": "learn python today"})
    hset(client, "b:3", {"title": "lazy notes", "body": "nothing here today"})
    hset(client, "b:4", {"title": "calm notes", "body": "nothing here today"})

    def scores(query: str) -> dict[str, float]:
        reply = client.execute_command("FT.SEARCH", "bm", query, "WITHSCORES", "NOCONTENT", "SCORER", "BM25STD")
        if isinstance(reply, dict):
            return {r[b"id"].decode(): float(r[b"score"]) for r in reply[b"results"]}
        return {reply[i].decode(): float(reply[i + 1]) for i in range(1, len(reply), 2)}

    both = scores("python")
    assert set(both) == {"b:1", "b:2"} and both["b:1"] > both["b:2"]  # the title's weight counts
    assert scores("@body:python") == both  # restricted to body: same documents, same scores
    assert scores("@title:python") == {"b:1": both["b:1"]}
    # "lazy" stems to "lazi": b:3 matches the word and its stem record, and scores above a plain word
    # with the same frequency, length and document count ("calm" stems to itself).
    assert scores("lazy")["b:3"] > scores("calm")["b:4"]


def test_words_under_not_optional_and_knn_filters_are_not_stemmed(client: redis.Redis) -> None:
    """As RediSearch: the stemming expander runs on plain clauses only, so ``running`` finds "runs" but
    ``-running``, ``~running`` and a KNN filter ``(running)=>[...]`` match the word as written."""
    client.execute_command("FT.CREATE", "st", "PREFIX", "1", "s:", "SCHEMA", "t", "TEXT", "v", "VECTOR", "FLAT",
                           "6", "TYPE", "FLOAT32", "DIM", "2", "DISTANCE_METRIC", "L2")
    for i, text in enumerate(["running shoes", "he runs fast", "slow walk"]):
        hset(client, f"s:{i}", {"t": text, "v": np.array([i, 0], dtype=np.float32).tobytes()})
    q = np.array([0, 0], dtype=np.float32).tobytes()
    assert sorted(ids(client, "st", "running", "NOCONTENT")) == ["s:0", "s:1"]
    assert sorted(ids(client, "st", "-running", "NOCONTENT")) == ["s:1", "s:2"]
    assert sorted(ids(client, "st", "(running)=>[KNN 3 @v $q]", "PARAMS", "2", "q", q, "NOCONTENT",
                      "DIALECT", "2")) == ["s:0"]
    assert ids(client, "st", "(run)=>[KNN 3 @v $q]", "PARAMS", "2", "q", q, "NOCONTENT", "DIALECT", "2") == []


def test_dialect_1_groups_as_redisearch_first_grammar(client: redis.Redis) -> None:
    """DIALECT 1, the default: a prefix - takes everything up to the next prefix operator, and a tag or
    range next to words intersects with the words' union; DIALECT 2 groups these the other way."""
    client.execute_command("FT.CREATE", "d1", "PREFIX", "1", "d1:", "SCHEMA", "t", "TEXT", "g", "TAG")
    for i, (text, tag) in enumerate([("alpha", "x"), ("beta", "y"), ("gamma", "x"), ("alpha beta", "y")]):
        hset(client, f"d1:{i}", {"t": text, "g": tag})

    def found(query: str, dialect: str) -> list[str]:
        return sorted(ids(client, "d1", query, "NOCONTENT", "DIALECT", dialect))

    assert found("-alpha | beta", "1") == ["d1:2"]  # NOT(alpha | beta)
    assert found("-alpha | beta", "2") == ["d1:1", "d1:2", "d1:3"]  # (NOT alpha) | beta
    assert found("alpha | beta @g:{x}", "1") == ["d1:0"]  # (alpha | beta) AND @g:{x}
    assert found("alpha | beta @g:{x}", "2") == ["d1:0", "d1:3"]  # alpha | (beta AND @g:{x})
    assert found("alpha | beta gamma", "1") == ["d1:0", "d1:3"]  # words bind first: alpha | (beta gamma)


def test_fuzzy_counts_a_swap_of_the_last_two_letters_as_one_edit(client: redis.Redis) -> None:
    client.execute_command("FT.CREATE", "fz", "PREFIX", "1", "fz:", "SCHEMA", "t", "TEXT", "NOSTEM")
    for i, word in enumerate(["fox", "brown", "quick"]):
        hset(client, f"fz:{i}", {"t": word})
    assert ids(client, "fz", "%fxo%", "NOCONTENT") == ["fz:0"]  # x<->o at the end: one edit
    assert ids(client, "fz", "%bronw%", "NOCONTENT") == ["fz:1"]
    assert ids(client, "fz", "%ofx%", "NOCONTENT") == []  # a swap elsewhere: two edits
    assert ids(client, "fz", "%borwn%", "NOCONTENT") == []
    assert ids(client, "fz", "%%borwn%%", "NOCONTENT") == ["fz:1"]


def test_punctuation_between_words_is_skipped(client: redis.Redis) -> None:
    """RediSearch's query lexer skips punctuation that is no operator: "don't" is don AND t, "stop, books."
    is stop AND books, a query of punctuation only matches nothing (no syntax error)."""
    client.execute_command("FT.CREATE", "pn", "PREFIX", "1", "pn:", "SCHEMA", "t", "TEXT")
    hset(client, "pn:1", {"t": "don't stop O'Reilly books"})
    hset(client, "pn:2", {"t": "dont stop reilly"})
    for dialect in ("1", "2"):
        assert ids(client, "pn", "don't", "NOCONTENT", "DIALECT", dialect) == ["pn:1"]
        assert ids(client, "pn", "O'Reilly", "NOCONTENT", "DIALECT", dialect) == ["pn:1"]
        assert sorted(ids(client, "pn", "stop?", "NOCONTENT", "DIALECT", dialect)) == ["pn:1", "pn:2"]
        assert ids(client, "pn", "stop, books.", "NOCONTENT", "DIALECT", dialect) == ["pn:1"]
        assert ids(client, "pn", "stop = books", "NOCONTENT", "DIALECT", dialect) == ["pn:1"]
        assert ids(client, "pn", "!!!", "NOCONTENT", "DIALECT", dialect) == []
        assert sorted(ids(client, "pn", "stop @", "NOCONTENT", "DIALECT", dialect)) == ["pn:1", "pn:2"]
        with pytest.raises(redis.ResponseError, match="Syntax error"):
            client.execute_command("FT.SEARCH", "pn", "stop;", "DIALECT", dialect)


def test_stop_words_take_no_position_and_slop_limits_distance(client: redis.Redis) -> None:
    client.execute_command("FT.CREATE", "sl", "PREFIX", "1", "sl:", "SCHEMA", "t", "TEXT")
    for i, text in enumerate(["hello the world", "hello big world", "hello world", "world of hello"]):
        hset(client, f"sl:{i}", {"t": text})
    assert sorted(ids(client, "sl", '"hello world"', "NOCONTENT")) == ["sl:0", "sl:2"]  # "the" has no position
    assert ids(client, "sl", '"hello the world"', "NOCONTENT", "DIALECT", "2") == []  # a quoted stop word
    with pytest.raises(redis.ResponseError, match="Syntax error at offset 7 near the"):
        client.execute_command("FT.SEARCH", "sl", '"hello the world"', "DIALECT", "1")
    assert sorted(ids(client, "sl", "hello world", "NOCONTENT", "SLOP", "0")) == ["sl:0", "sl:2", "sl:3"]
    assert sorted(ids(client, "sl", "hello world", "NOCONTENT", "SLOP", "0", "INORDER")) == ["sl:0", "sl:2"]
    assert sorted(ids(client, "sl", "hello world", "NOCONTENT", "INORDER")) == ["sl:0", "sl:1", "sl:2"]
    assert len(ids(client, "sl", "hello world", "NOCONTENT", "SLOP", "1")) == 4


def test_phrase_and_group_slop_as_redisearch_checks_them(client: redis.Redis) -> None:
    """RediSearch's in-order check lets one occurrence serve two equal words (a phrase repeating a word
    matches a single one); a phrase's words are looked up in the clause's fields but their positions run
    over all of them; ``(a b)=>{$slop; $inorder}`` limit a group (an exact phrase ignores them); one
    clause with positions alone never passes an unordered slop check; a parameter is one word as is."""
    client.execute_command("FT.CREATE", "ps", "PREFIX", "1", "ps:", "SCHEMA", "a", "TEXT", "b", "TEXT", "g", "TAG")
    hset(client, "ps:0", {"a": "apple red fast", "g": "x"})
    hset(client, "ps:1", {"a": "fast apple", "b": "red"})
    hset(client, "ps:2", {"a": "red", "b": "apple"})
    assert sorted(ids(client, "ps", '"apple apple"', "NOCONTENT", "DIALECT", "2")) == ["ps:0", "ps:1", "ps:2"]
    assert sorted(ids(client, "ps", '"apple red"', "NOCONTENT", "DIALECT", "2")) == ["ps:0", "ps:1"]
    assert ids(client, "ps", '@a:"apple red"', "NOCONTENT", "DIALECT", "2") == ["ps:0"]  # red: only in b
    assert ids(client, "ps", '@b:"apple red"', "NOCONTENT", "DIALECT", "2") == []
    assert ids(client, "ps", '"apple fast"=>{$slop:1}', "NOCONTENT", "DIALECT", "2") == []
    assert sorted(ids(client, "ps", "(apple fast)=>{$slop:1}", "NOCONTENT", "DIALECT", "2")) == ["ps:0", "ps:1"]
    assert ids(client, "ps", "(apple fast)=>{$slop:1;$inorder:true}", "NOCONTENT", "DIALECT", "2") == ["ps:0"]
    assert ids(client, "ps", "(fast apple)=>{$slop:0}", "NOCONTENT", "DIALECT", "2") == ["ps:1"]
    assert ids(client, "ps", "(apple apple)=>{$slop:0}", "NOCONTENT", "DIALECT", "2") == []
    assert ids(client, "ps", "@g:{x} apple", "NOCONTENT", "SLOP", "0", "DIALECT", "2") == []
    assert ids(client, "ps", "@g:{x} apple", "NOCONTENT", "SLOP", "0", "INORDER", "DIALECT", "2") == ["ps:0"]
    assert ids(client, "ps", "$p", "NOCONTENT", "PARAMS", "2", "p", "fast apple", "DIALECT", "2") == []
    assert sorted(ids(client, "ps", "$p", "NOCONTENT", "PARAMS", "2", "p", "FAST", "DIALECT", "2")) == ["ps:0", "ps:1"]
    plan = client.execute_command("FT.EXPLAIN", "ps", "(apple fast)=>{$slop:1;$weight:2}", "DIALECT", "2")
    assert plan.endswith(b"} => { $weight: 2; $slop: 1; $inorder: false; }\n")


def test_weights_as_each_scorer_reads_them(client: redis.Redis) -> None:
    """A word's ``$weight`` scales its own record under TFIDF and DISMAX and is left out by the BM25
    scorers; a group's or a phrase's scales the whole clause under every scorer."""
    client.execute_command("FT.CREATE", "ws", "PREFIX", "1", "ws:", "SCHEMA", "t", "TEXT")
    hset(client, "ws:0", {"t": "red apple"})
    hset(client, "ws:1", {"t": "green pear"})

    def score(query: str, scorer: str) -> float:
        reply = client.execute_command("FT.SEARCH", "ws", query, "WITHSCORES", "NOCONTENT", "SCORER", scorer,
                                       "DIALECT", "2")
        if isinstance(reply, dict):
            return float(reply[b"results"][0][b"score"])
        return float(reply[2])

    for scorer in ("BM25STD", "BM25"):
        assert score("red=>{$weight:0.5}", scorer) == score("red", scorer)
    for scorer in ("TFIDF", "DISMAX"):
        assert score("red=>{$weight:0.5}", scorer) == pytest.approx(score("red", scorer) / 2)
    for scorer in ("BM25STD", "BM25", "TFIDF", "DISMAX"):
        assert score("(red apple)=>{$weight:2}", scorer) == pytest.approx(score("red apple", scorer) * 2)
        assert score('"red apple"=>{$weight:2}', scorer) == pytest.approx(score('"red apple"', scorer) * 2)


def test_sortby_fields_not_sortable_and_payloads(client: redis.Redis) -> None:
    """SORTBY and WITHSORTKEYS on fields that are not SORTABLE (their values are read from the hash, only
    SORTABLE ones are kept by the index): text and tags as stored (not case-folded), numbers as numbers,
    over few hits and over many (numpy); WITHPAYLOADS gives PAYLOAD_FIELD's value, WITHSCORES SCORE_FIELD's."""
    client.execute_command("FT.CREATE", "u", "PREFIX", "1", "u:", "SCORE_FIELD", "sc", "PAYLOAD_FIELD", "pl",
                           "SCHEMA", "t", "TEXT", "g", "TAG", "n", "NUMERIC", "s", "TEXT", "SORTABLE")
    hset(client, "u:1", {"t": "beta", "g": "Zed", "n": "10", "s": "B", "pl": "first"})
    hset(client, "u:2", {"t": "Alpha", "g": "abc", "n": "9", "sc": "0.5"})
    hset(client, "u:3", {"t": "gamma", "n": "-1", "s": "a"})
    few = "@t:(beta|alpha|gamma)"
    for i in range(40):  # past SORTBY_VECTORISED_MIN hits for "*"
        hset(client, f"u:f{i}", {"t": f"zz{i:02}", "n": str(100 + i)})
    fillers = [f"u:f{i}" for i in range(40)]
    for query in (few, "*"):
        rest = fillers if query == "*" else []
        assert ids(client, "u", query, "SORTBY", "t", "NOCONTENT", "LIMIT", "0", "50") == ["u:2", "u:1", "u:3", *rest]
        assert ids(client, "u", query, "SORTBY", "g", "NOCONTENT", "LIMIT", "0", "50") == ["u:1", "u:2", "u:3", *rest]
        assert ids(client, "u", query, "SORTBY", "n", "DESC", "NOCONTENT", "LIMIT", "0", "50") == \
            [*reversed(rest), "u:1", "u:2", "u:3"]
        assert ids(client, "u", query, "SORTBY", "s", "NOCONTENT", "LIMIT", "0", "3") == ["u:3", "u:1", "u:2"]
    reply = client.execute_command("FT.SEARCH", "u", few, "SORTBY", "t", "WITHSORTKEYS", "NOCONTENT")
    if isinstance(reply, dict):
        keys = [(r[b"id"], r[b"sortkey"]) for r in reply[b"results"]]
    else:
        keys = list(zip(reply[1::2], reply[2::2], strict=True))
    assert keys == [(b"u:2", b"$Alpha"), (b"u:1", b"$beta"), (b"u:3", b"$gamma")]
    reply = client.execute_command("FT.SEARCH", "u", few, "SORTBY", "n", "WITHPAYLOADS", "WITHSCORES", "NOCONTENT",
                                   "SCORER", "DOCSCORE")
    if isinstance(reply, dict):
        rows = [(r[b"id"], float(r[b"score"]), r.get(b"payload")) for r in reply[b"results"]]
    else:
        rows = [(reply[i], float(reply[i + 1]), reply[i + 2]) for i in range(1, len(reply), 3)]
    assert rows == [(b"u:3", 1.0, None), (b"u:2", 0.5, None), (b"u:1", 1.0, b"first")]
