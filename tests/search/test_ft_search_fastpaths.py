"""FT.SEARCH's fast paths for repeated KNN queries: the per-index parsed-query cache (the vector
parameter is a slot), the lean KNN reply, and KNN searches run on the event loop for one searching
connection but in worker threads when several search at once (consistent with concurrent writes)."""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
import pytest
import redis

from redvector.commands.search import queries
from tests.search.helpers import blob, hset, ids, search
from tests.serverutil import ThreadedServer

DIM = 4


def _create(r: redis.Redis, algorithm: str = "FLAT", extra: tuple[str, ...] = ()) -> None:
    attrs = ["TYPE", "FLOAT32", "DIM", str(DIM), "DISTANCE_METRIC", "L2"]
    r.execute_command("FT.CREATE", "idx", "PREFIX", "1", "doc:", "SCHEMA", "v", "VECTOR", algorithm,
                      str(len(attrs)), *attrs, "t", "TAG", *extra)


def _load(r: redis.Redis, n: int = 40, seed: int = 0) -> np.ndarray:
    data = np.random.default_rng(seed).normal(size=(n, DIM)).astype(np.float32)
    pipe = r.pipeline(transaction=False)
    for i, v in enumerate(data):
        pipe.hset(f"doc:{i}", mapping={"v": v.tobytes(), "t": "even" if i % 2 == 0 else "odd", "n": str(i)})
    pipe.execute()
    return data


def _nearest(data: np.ndarray, q: np.ndarray, k: int) -> list[str]:
    dist = ((data - q) ** 2).sum(axis=1)
    return [f"doc:{i}" for i in np.lexsort((np.arange(len(data)), dist))[:k]]


KNN = "*=>[KNN 3 @v $vec AS dist]"


def test_same_query_text_with_other_vectors_gives_their_results(client: redis.Redis) -> None:
    _create(client)
    data = _load(client)
    for i in (3, 17, 29, 3):
        q = data[i] + 0.01
        got = ids(client, "idx", KNN, "PARAMS", "2", "vec", q.tobytes(), "SORTBY", "dist", "DIALECT", "2")
        assert got == _nearest(data, q, 3)
        assert got[0] == f"doc:{i}"


def test_other_params_are_part_of_the_cached_query(client: redis.Redis) -> None:
    _create(client)
    data = _load(client)
    q = data[5].tobytes()
    text = "@t:{$tag}=>[KNN $k @v $vec AS dist]"
    for k, tag in (("2", "even"), ("4", "even"), ("4", "odd"), ("2", "even")):
        total, rows = search(client, "idx", text, "PARAMS", "6", "k", k, "tag", tag, "vec", q,
                             "SORTBY", "dist", "DIALECT", "2")
        assert total == int(k)
        parity = 0 if tag == "even" else 1
        assert all(int(doc.split(":")[1]) % 2 == parity for doc, _ in rows)
    # A parameter the cached parse read is missing now: the parser's error, not a stale answer.
    with pytest.raises(redis.ResponseError, match="No such parameter `tag`"):
        client.execute_command("FT.SEARCH", "idx", text, "PARAMS", "4", "k", "2", "vec", q, "DIALECT", "2")


def test_wrong_vector_size_after_a_cached_parse_is_an_error(client: redis.Redis) -> None:
    _create(client)
    data = _load(client)
    search(client, "idx", KNN, "PARAMS", "2", "vec", data[0].tobytes(), "DIALECT", "2")
    with pytest.raises(redis.ResponseError, match="query vector blob size"):
        client.execute_command("FT.SEARCH", "idx", KNN, "PARAMS", "2", "vec", b"\x00" * 8, "DIALECT", "2")
    with pytest.raises(redis.ResponseError, match="No such parameter `vec`"):
        client.execute_command("FT.SEARCH", "idx", KNN, "PARAMS", "2", "other", data[0].tobytes(), "DIALECT", "2")


def test_dialect_1_still_refuses_a_cached_dialect_2_query(client: redis.Redis) -> None:
    _create(client)
    data = _load(client)
    search(client, "idx", KNN, "PARAMS", "2", "vec", data[0].tobytes(), "DIALECT", "2")
    with pytest.raises(redis.ResponseError, match="Syntax error"):
        client.execute_command("FT.SEARCH", "idx", KNN, "PARAMS", "2", "vec", data[0].tobytes(), "DIALECT", "1")


def test_cache_follows_ft_alter(client: redis.Redis) -> None:
    _create(client)
    data = _load(client)
    q = data[0].tobytes()
    assert search(client, "idx", KNN, "PARAMS", "2", "vec", q, "DIALECT", "2")[0] == 3
    # After FT.ALTER adds an attribute named like the KNN's AS alias, the same text is refused.
    client.execute_command("FT.ALTER", "idx", "SCHEMA", "ADD", "dist", "NUMERIC")
    with pytest.raises(redis.ResponseError, match="Property `dist` already exists in schema"):
        client.execute_command("FT.SEARCH", "idx", KNN, "PARAMS", "2", "vec", q, "DIALECT", "2")
    # A text query parsed before FT.ALTER sees the new field afterwards.
    try:
        before: int | None = search(client, "idx", "@n:[0 5]", "DIALECT", "2")[0]
    except redis.ResponseError:
        before = None
    assert before in (0, None)
    client.execute_command("FT.ALTER", "idx", "SCHEMA", "ADD", "n", "NUMERIC")
    assert search(client, "idx", "@n:[0 5]", "DIALECT", "2")[0] == 6


def test_cache_follows_dropindex_and_create(client: redis.Redis) -> None:
    _create(client)
    data = _load(client)
    assert search(client, "idx", KNN, "PARAMS", "2", "vec", data[0].tobytes(), "DIALECT", "2")[0] == 3
    client.execute_command("FT.DROPINDEX", "idx")
    # The same name over another schema: the vector field is 8-dimensional now.
    client.execute_command("FT.CREATE", "idx", "PREFIX", "1", "big:", "SCHEMA", "v", "VECTOR", "FLAT", "6",
                           "TYPE", "FLOAT32", "DIM", "8", "DISTANCE_METRIC", "L2")
    with pytest.raises(redis.ResponseError, match="query vector blob size"):
        client.execute_command("FT.SEARCH", "idx", KNN, "PARAMS", "2", "vec", data[0].tobytes(), "DIALECT", "2")
    hset(client, "big:1", {"v": blob(range(8))})
    assert ids(client, "idx", KNN, "PARAMS", "2", "vec", blob(range(8)), "DIALECT", "2") == ["big:1"]


@pytest.mark.parametrize("options", [
    ("SORTBY", "dist"),
    ("SORTBY", "dist", "ASC", "LIMIT", "1", "2"),
    ("SORTBY", "dist", "DESC"),
    (),
    ("RETURN", "1", "dist"),
    ("RETURN", "1", "dist", "LIMIT", "2", "3"),
    ("RETURN", "1", "dist", "SORTBY", "dist", "LIMIT", "1", "4"),
    ("RETURN", "3", "dist", "AS", "d"),
    ("RETURN", "2", "t", "n", "SORTBY", "dist"),
    ("RETURN", "4", "n", "AS", "num", "dist", "SORTBY", "dist"),
    ("NOCONTENT", "SORTBY", "dist"),
    ("RETURN", "0",),
    ("LIMIT", "0", "0"),
    ("WITHSCORES", "SORTBY", "dist"),
])
def test_lean_knn_reply_matches_the_general_path(client: redis.Redis, monkeypatch: pytest.MonkeyPatch,
                                                 options: tuple[str, ...]) -> None:
    _create(client)
    data = _load(client)
    client.hset("doc:7", "v", b"bad size")  # not indexed
    client.delete("doc:8")
    args = ("FT.SEARCH", "idx", "*=>[KNN 6 @v $vec AS dist]", "PARAMS", "2", "vec", data[9].tobytes(),
            *options, "DIALECT", "2")
    lean = client.execute_command(*args)
    assert client.execute_command(*args) == lean  # the compiled repeat
    monkeypatch.setattr(queries, "lean_request", lambda req, knn: False)
    monkeypatch.setattr(queries, "find_compiled", lambda index, argv, default_dialect: None)
    assert client.execute_command(*args) == lean


@pytest.fixture
def hnsw_defers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Small HNSW indexes take the inline-or-thread decision (normally from 5,000 vectors)."""
    monkeypatch.setattr(queries, "DEFER_MIN_HNSW", 1)


def test_concurrent_searchers_go_to_threads_and_stay_correct(server: ThreadedServer, hnsw_defers: None) -> None:
    r = redis.Redis(port=server.port, protocol=2)
    r.flushall()
    _create(r, "HNSW")
    data = _load(r, 200)
    errors: list[BaseException] = []
    stop = threading.Event()

    def searcher(seed: int) -> None:
        c = redis.Redis(port=server.port, protocol=2)
        rng = np.random.default_rng(seed)
        try:
            for _ in range(60):
                i = int(rng.integers(0, 100))  # docs 0..99 are never rewritten
                got = ids(c, "idx", KNN, "PARAMS", "2", "vec", data[i].tobytes(), "SORTBY", "dist", "DIALECT", "2")
                assert got[0] == f"doc:{i}"
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            c.close()

    def writer() -> None:
        c = redis.Redis(port=server.port, protocol=2)
        rng = np.random.default_rng(99)
        while not stop.is_set():
            j = int(rng.integers(100, 200))
            c.hset(f"doc:{j}", "v", (rng.normal(size=DIM) * 10).astype(np.float32).tobytes())
        c.close()

    threads = [threading.Thread(target=searcher, args=(s,)) for s in range(3)]
    w = threading.Thread(target=writer)
    w.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stop.set()
    w.join()
    assert not errors, errors[0]
    r.close()


def test_search_racing_a_write_sees_a_consistent_index(server: ThreadedServer, hnsw_defers: None,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """A deferred KNN whose index changed while it ran is recomputed on the loop: a key deleted by
    another client in the meantime is never in the reply."""
    r = redis.Redis(port=server.port, protocol=2)
    r.flushall()
    _create(r, "HNSW")
    data = _load(r, 50)
    other = redis.Redis(port=server.port, protocol=2)
    # Make every search look concurrent, and delete the nearest doc while the vector search runs.
    monkeypatch.setattr(queries, "CONCURRENT_WINDOW_MS", 10**9)
    ids(other, "idx", KNN, "PARAMS", "2", "vec", data[0].tobytes(), "DIALECT", "2")
    original = queries.Executor.run_knn
    deleted = threading.Event()

    def racing(self: Any, plan: Any) -> Any:
        result = original(self, plan)
        # Only in a worker thread (the loop is free to run the DEL); inline, the test fails below.
        if not deleted.is_set() and threading.current_thread().name not in ("redvector-test-server", "MainThread"):
            deleted.set()
            other.delete("doc:3")
        return result

    monkeypatch.setattr(queries.Executor, "run_knn", racing)
    got = ids(r, "idx", KNN, "PARAMS", "2", "vec", data[3].tobytes(), "SORTBY", "dist", "DIALECT", "2")
    assert deleted.is_set()
    assert "doc:3" not in got and len(got) == 3
    other.close()
    r.close()


def test_one_searcher_runs_on_the_loop_several_in_threads(server: ThreadedServer, hnsw_defers: None,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    deferred: list[int] = []
    real = queries.Deferred

    def counting(*args: Any) -> Any:
        deferred.append(1)
        return real(*args)

    monkeypatch.setattr(queries, "Deferred", counting)
    monkeypatch.setattr(queries, "CONCURRENT_WINDOW_MS", 60_000)
    r = redis.Redis(port=server.port, protocol=2)
    r.flushall()
    _create(r, "HNSW")
    data = _load(r, 30)
    assert server.app is not None
    monkeypatch.setattr(server.app.server.search, "_searchers", {})
    knn = ("idx", KNN, "PARAMS", "2", "vec", data[1].tobytes(), "SORTBY", "dist", "DIALECT", "2")
    for _ in range(3):
        assert ids(r, *knn)[0] == "doc:1"
    assert deferred == []  # the only connection searching: on the loop
    # A filtered KNN goes to a thread all the same (its filter callback is slow), as does a wide one.
    assert ids(r, "idx", "@t:{odd}=>[KNN 3 @v $vec AS dist]", "PARAMS", "2", "vec", data[1].tobytes(),
               "SORTBY", "dist", "DIALECT", "2")[0] == "doc:1"
    assert ids(r, "idx", "*=>[KNN 3 @v $vec EF_RUNTIME 600 AS dist]", "PARAMS", "2", "vec", data[1].tobytes(),
               "SORTBY", "dist", "DIALECT", "2")[0] == "doc:1"
    assert len(deferred) == 2
    other = redis.Redis(port=server.port, protocol=2)
    assert ids(other, *knn)[0] == "doc:1"
    assert ids(r, *knn)[0] == "doc:1"
    assert len(deferred) == 4  # two connections searching: worker threads
    other.close()
    r.close()


# -- compiled repeats (knn_plans.py): the same arguments with another vector skip parsing ---------------
def _knn_args(q: np.ndarray, *options: str) -> tuple[Any, ...]:
    return ("idx", KNN, "PARAMS", "2", "vec", q.tobytes(), *options, "DIALECT", "2")


def test_compiled_repeat_gives_each_vector_its_own_neighbours_and_options(client: redis.Redis) -> None:
    _create(client)
    data = _load(client)
    for i in (4, 11, 4, 23, 11):
        got = ids(client, *_knn_args(data[i] + 0.01, "SORTBY", "dist"))
        assert got == _nearest(data, data[i] + 0.01, 3)
    # Only the vector is a slot: another LIMIT or RETURN is another search.
    q = data[4] + 0.01
    assert ids(client, *_knn_args(q, "SORTBY", "dist", "LIMIT", "1", "1")) == _nearest(data, q, 3)[1:2]
    total, rows = search(client, *_knn_args(q, "SORTBY", "dist", "RETURN", "1", "n"))
    assert total == 3 and [r[1] for r in rows] == [{"n": d.split(":")[1].encode()} for d in _nearest(data, q, 3)]


def test_compiled_repeat_counts_uses_and_dialects_in_ft_info(client: redis.Redis) -> None:
    _create(client)
    data = _load(client)
    for i in range(5):
        search(client, *_knn_args(data[i]))
    info = client.ft("idx").info()
    assert int(info["number_of_uses"]) == 5
    stats = info["dialect_stats"]
    stats = dict(zip(stats[::2], stats[1::2], strict=True)) if isinstance(stats, list) else stats
    # RediSearch reports whether a dialect was used, not how often.
    assert int(stats.get("dialect_2", stats.get(b"dialect_2", 0))) == 1
    assert int(stats.get("dialect_1", stats.get(b"dialect_1", 0))) == 0


def test_compiled_repeat_follows_ft_alter_of_returned_attributes(client: redis.Redis) -> None:
    _create(client)
    data = _load(client)
    args = _knn_args(data[2], "SORTBY", "dist", "RETURN", "1", "num")
    for _ in range(2):
        assert all(fields == {} for _, fields in search(client, *args)[1])  # no attribute `num` yet
    client.execute_command("FT.ALTER", "idx", "SCHEMA", "ADD", "n", "AS", "num", "NUMERIC")
    rows = search(client, *args)[1]
    assert [fields for _, fields in rows] == [{"num": doc.split(":")[1].encode()} for doc, _ in rows]


def test_compiled_repeat_follows_default_dialect(client: redis.Redis) -> None:
    _create(client)
    data = _load(client)
    args = ("idx", KNN, "PARAMS", "2", "vec", data[0].tobytes())  # no DIALECT: the configured default
    client.execute_command("FT.CONFIG", "SET", "DEFAULT_DIALECT", "2")
    try:
        assert search(client, *args)[0] == 3
        assert search(client, *args)[0] == 3
        client.execute_command("FT.CONFIG", "SET", "DEFAULT_DIALECT", "1")
        with pytest.raises(redis.ResponseError, match="Syntax error"):
            client.execute_command("FT.SEARCH", *args)
    finally:
        client.execute_command("FT.CONFIG", "SET", "DEFAULT_DIALECT", "1")


def test_compiled_repeat_never_returns_an_expired_document(client: redis.Redis) -> None:
    _create(client)
    data = _load(client)
    args = _knn_args(data[6], "SORTBY", "dist")
    assert ids(client, *args)[0] == "doc:6"
    client.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "0")
    try:
        client.pexpire("doc:6", 1)
        import time

        time.sleep(0.02)
        got = ids(client, *args)
        assert "doc:6" not in got and len(got) == 3
    finally:
        client.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "1")


# -- batched concurrent searches (knn_batches.py) -----------------------------------------------------------
def test_concurrent_knn_searches_are_batched_and_each_gets_its_own_hits(server: ThreadedServer, hnsw_defers: None,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from redvector.commands.search import knn_batches

    sizes: list[int] = []
    real_run = knn_batches.KnnBatcher._run

    def recording(self: Any, batch: list[Any]) -> Any:
        sizes.append(len(batch))
        return real_run(self, batch)

    monkeypatch.setattr(knn_batches.KnnBatcher, "_run", recording)
    monkeypatch.setattr(queries, "CONCURRENT_WINDOW_MS", 60_000)
    r = redis.Redis(port=server.port, protocol=2)
    r.flushall()
    _create(r, "HNSW")
    data = _load(r, 120)
    errors: list[BaseException] = []

    def searcher(seed: int) -> None:
        c = redis.Redis(port=server.port, protocol=3 if seed % 2 else 2)
        try:
            for i in range(seed, 120, 4):
                q = data[i] + 0.001
                ef = "EF_RUNTIME 50 " if i % 3 == 0 else ""  # two (k, ef) groups in a batch
                got = ids(c, "idx", f"*=>[KNN 3 @v $vec {ef}AS dist]", "PARAMS", "2", "vec", q.tobytes(),
                          "SORTBY", "dist", "DIALECT", "2")
                assert got == _nearest(data, q, 3), (i, got)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            c.close()

    threads = [threading.Thread(target=searcher, args=(s,)) for s in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[0]
    assert sum(sizes) >= 100  # the concurrent searches went through the batcher (a few ran alone at first)
    r.close()


def test_hnsw_knn_batch_matches_knn_per_query() -> None:
    from redvector.search.vector.base import Metric, VectorOptions
    from redvector.search.vector.hnsw import HnswIndex

    rng = np.random.default_rng(3)
    index = HnswIndex(VectorOptions("HNSW", 8, Metric.L2, "FLOAT32"), background=False)
    data = rng.normal(size=(300, 8)).astype(np.float32)
    for i, v in enumerate(data):
        index.add(i, v)
    index.flush()
    for i in range(0, 300, 7):  # deleted and replaced docs: dead graph labels
        index.remove(i)
    for i in range(0, 300, 11):
        index.add(i, data[i] + 5)  # some only in the exact front buffer
    queries = [rng.normal(size=8).astype(np.float32) for _ in range(20)]
    batch = index.knn_batch(queries, 5, 40)
    assert batch == [index.knn(q, 5, 40) for q in queries]
    assert index.knn_batch([], 5, 40) == []
    index.close()



def test_compiled_knn_inside_multi_exec_while_others_search(server: ThreadedServer, hnsw_defers: None,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """A search that would be batched into a worker thread runs inline inside EXEC (Deferred.work)."""
    monkeypatch.setattr(queries, "CONCURRENT_WINDOW_MS", 60_000)
    r = redis.Redis(port=server.port, protocol=2)
    r.flushall()
    _create(r, "HNSW")
    data = _load(r, 60)
    other = redis.Redis(port=server.port, protocol=2)
    args = _knn_args(data[5], "SORTBY", "dist")
    assert ids(other, *args)[0] == "doc:5"  # compiles it; a second connection is searching
    pipe = r.pipeline(transaction=True)
    for i in (5, 9, 5):
        pipe.execute_command("FT.SEARCH", *_knn_args(data[i], "SORTBY", "dist"))
    replies = pipe.execute()
    assert [reply[1] for reply in replies] == [b"doc:5", b"doc:9", b"doc:5"]
    other.close()
    r.close()


def test_cached_word_arrays_follow_writes_like_a_fresh_index(client: redis.Redis) -> None:
    """Text queries keep each word's postings as arrays until a document with that word changes: after
    random adds, updates, deletes and expiries interleaved with the queries, an index that saw them all
    answers as one built afterwards over the same documents, under BM25STD and TFIDF (the same keys with the
    same scores; equal scores may come in another order, as documents re-added get new internal ids)."""
    import random

    rng = random.Random(3)
    words = ["alpha", "beta", "gamma", "runs", "running", "run", "delta"]
    queries = ["*", "alpha", "run", "running", "alpha beta", "alpha | gamma", '"alpha beta"', "(run | delta) gamma"]
    client.execute_command("FT.CREATE", "live", "PREFIX", "1", "w:", "SCHEMA", "t", "TEXT", "u", "TEXT", "WEIGHT", "2")
    for step in range(300):
        key = f"w:{rng.randrange(60)}"
        roll = rng.random()
        if roll < 0.7:
            client.hset(key, mapping={"t": " ".join(rng.choices(words, k=rng.randint(1, 6))),
                                      "u": " ".join(rng.choices(words, k=rng.randint(0, 3)))})
        elif roll < 0.9:
            client.delete(key)
        else:
            client.hdel(key, "u")
        if step % 7 == 0:
            client.execute_command("FT.SEARCH", "live", rng.choice(queries), "NOCONTENT", "DIALECT", "2", "SCORER",
                                   rng.choice(["BM25STD", "TFIDF"]))
    client.execute_command("FT.CREATE", "fresh", "PREFIX", "1", "w:", "SCHEMA", "t", "TEXT", "u", "TEXT", "WEIGHT", "2")

    def scored(index: str, query: str, scorer: str) -> dict[Any, Any]:
        reply = client.execute_command("FT.SEARCH", index, query, "WITHSCORES", "NOCONTENT", "LIMIT", "0", "100",
                                       "SCORER", scorer, "DIALECT", "2")
        if isinstance(reply, dict):
            return {r[b"id"]: r[b"score"] for r in reply[b"results"]}
        return dict(zip(reply[1::2], reply[2::2], strict=True))

    for scorer in ("BM25STD", "TFIDF", "TFIDF.DOCNORM"):  # (TFIDF: the maxFreq array follows the writes too)
        for query in queries:
            live = scored("live", query, scorer)
            assert live == scored("fresh", query, scorer), (query, scorer)
            assert len(live) > 0


@pytest.mark.parametrize("with_vectors", [False, True])
def test_array_scoring_matches_the_per_document_path(client: redis.Redis, with_vectors: bool) -> None:
    """The numpy scoring of whole queries (words, phrases, tags, ranges, their intersections and unions,
    TFIDF's final division by maxFreq and slop included) gives the per-document path's keys, order and
    scores: INKEYS naming every key takes the per-document path, so each query is asked both ways."""
    import random

    rng = random.Random(11)
    words = ["alpha", "beta", "gamma", "runs", "running", "run", "delta", "omega"]
    vector = ("v", "VECTOR", "FLAT", "6", "TYPE", "FLOAT32", "DIM", "2", "DISTANCE_METRIC", "L2") if with_vectors else ()
    client.execute_command("FT.CREATE", "ix", "PREFIX", "1", "d:", "SCHEMA", "t", "TEXT", "u", "TEXT", "WEIGHT", "2",
                           "g", "TAG", "n", "NUMERIC", *vector)
    keys = []
    for i in range(120):
        fields: dict[str, Any] = {"t": " ".join(rng.choices(words, k=rng.randint(1, 8))), "n": rng.randint(0, 50),
                                  "g": rng.choice(["x", "y", "x,y", "z"])}
        if rng.random() < 0.5:
            fields["u"] = " ".join(rng.choices(words, k=rng.randint(1, 3)))
        if with_vectors and rng.random() < 0.7:
            fields["v"] = np.array([i, 1], dtype=np.float32).tobytes()
        if rng.random() < 0.1:
            fields = {"n": i}  # no text at all
        client.hset(f"d:{i}", mapping=fields)
        keys.append(f"d:{i}")
    for i, line in enumerate(["beta gamma delta run alpha", "omega beta gamma delta", "run alpha beta"]):
        client.hset(f"d:p{i}", mapping={"t": line, "n": i})
        keys.append(f"d:p{i}")
    queries = ["*", "alpha", "run", "alpha beta", "beta alpha gamma", "alpha | gamma", "alpha | omega | delta",
               '"alpha beta"', '"beta gamma delta"', '"run alpha"', "@n:[10 30]", "alpha @n:[10 30]",
               "@g:{x}", "@g:{x|y}", "alpha @g:{y}", "(alpha | beta) @n:[0 20]", "(alpha beta) | gamma",
               "alpha=>{$weight: 2}", "(alpha beta)=>{$weight: 0.5}", "@n:[0 5] | omega", "nothing", "alpha nothing",
               "@u:alpha", "@t:(alpha | run)", '@t:"alpha beta"', "@u:run @t:beta", "@t|u:running",
               "nothing | nowhere", "@u:(nothing | nowhere)", "al*", "ru* beta", "@u:ru*", "%alpho%", "*ing | omega"]

    def scored(query: str, scorer: str, inkeys: bool) -> list[tuple[Any, Any]]:
        extra = ["INKEYS", str(len(keys)), *keys] if inkeys else []
        reply = client.execute_command("FT.SEARCH", "ix", query, "WITHSCORES", "NOCONTENT", "LIMIT", "0", "200",
                                       *extra, "SCORER", scorer, "DIALECT", "2")
        if isinstance(reply, dict):
            return [(r[b"id"], r[b"score"]) for r in reply[b"results"]]
        return list(zip(reply[1::2], reply[2::2], strict=True))

    for scorer in ("BM25STD", "TFIDF", "TFIDF.DOCNORM"):
        for query in queries:
            fast = scored(query, scorer, False)
            assert fast == scored(query, scorer, True), (query, scorer)
            assert len(fast) > 0 or "nothing" in query
