"""Differential: the same FT.* commands against Redis Stack 7.4 (RediSearch 2.10) and RedVector, replies
compared exactly for shapes and vector results. Skipped when Redis Stack cannot start."""

from __future__ import annotations

import math
import os
import socket
import struct
import subprocess
from collections.abc import Iterator
from typing import Any

import pytest
import redis

from tests.search.helpers import hset, load_small_corpus
from tests.serverutil import ThreadedServer

SCRIPT = "/work/shared/tools/redis-stack.sh"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def stack_port() -> Iterator[int]:
    if os.environ.get("REDVECTOR_NO_DIFFERENTIAL") or not os.path.exists(SCRIPT):
        pytest.skip("Redis Stack reference not available")
    port = _free_port()
    try:
        subprocess.run([SCRIPT, "start", str(port)], check=True, capture_output=True, timeout=120)
    except (subprocess.SubprocessError, OSError) as exc:
        pytest.skip(f"Redis Stack did not start: {exc}")
    try:
        yield port
    finally:
        subprocess.run([SCRIPT, "stop", str(port)], capture_output=True, timeout=60)


@pytest.fixture(params=[2, 3], ids=["resp2", "resp3"])
def pair(stack_port: int, server: ThreadedServer, request: pytest.FixtureRequest) -> Iterator[tuple[redis.Redis, redis.Redis]]:
    ref = redis.Redis(port=stack_port, protocol=request.param)
    ours = redis.Redis(port=server.port, protocol=request.param)
    for c in (ref, ours):
        c.flushall()
        load_small_corpus(c)
        hset(c, "d:bad", {"t": "x", "v": b"abc"})
    yield ref, ours
    ref.close()
    ours.close()


Q = struct.pack("<2f", 2.2, 1)
SAME = [
    ("FT.SEARCH", "idx", "*=>[KNN 3 @v $q]", "PARAMS", "2", "q", Q, "DIALECT", "2"),
    ("FT.SEARCH", "idx", "*=>[KNN 3 @v $q AS d]", "PARAMS", "2", "q", Q, "DIALECT", "2", "SORTBY", "d",
     "RETURN", "2", "t", "d"),
    ("FT.SEARCH", "idx", "@g:{a}=>[KNN 3 @v $q AS d]", "PARAMS", "2", "q", Q, "DIALECT", "2", "SORTBY", "d",
     "RETURN", "1", "d"),
    ("FT.SEARCH", "idx", "@v:[VECTOR_RANGE 2 $q]=>{$YIELD_DISTANCE_AS: d}", "PARAMS", "2", "q", Q, "DIALECT", "2",
     "RETURN", "1", "d"),
    ("FT.SEARCH", "idx", "@n:[3 (9]", "SORTBY", "n", "DESC", "NOCONTENT"),
    ("FT.SEARCH", "idx", "@loc:[0 0 30 km]", "NOCONTENT"),
    ("FT.SEARCH", "idx", "-@g:{c}", "NOCONTENT"),
    ("FT.SEARCH", "idx", "*", "SORTBY", "t", "LIMIT", "0", "3", "RETURN", "1", "t"),
    ("FT.SEARCH", "idx", '"bar baz"', "NOCONTENT"),
    ("FT.SEARCH", "idx", "hel*", "NOCONTENT", "LIMIT", "0", "0"),
    ("FT.SEARCH", "idx", "*=>[KNN 3 @v $q]", "PARAMS", "2", "q", "abc", "DIALECT", "2"),
    ("FT.SEARCH", "idx", "*=>[KNN 3 @v $q EF_RUNTIME 5]", "PARAMS", "2", "q", Q, "DIALECT", "2"),
    ("FT.AGGREGATE", "idx", "*", "GROUPBY", "1", "@g", "REDUCE", "COUNT", "0", "AS", "c", "SORTBY", "2", "@c", "DESC"),
    ("FT.TAGVALS", "idx", "g"),
    ("FT.SEARCH", "idx", "-worlds", "NOCONTENT", "SORTBY", "n"),
    ("FT.SEARCH", "idx", "(worlds)=>[KNN 3 @v $q]", "PARAMS", "2", "q", Q, "DIALECT", "2", "NOCONTENT"),
    ("FT.SEARCH", "idx", "(~bars)=>[KNN 3 @v $q]", "PARAMS", "2", "q", Q, "DIALECT", "2", "NOCONTENT"),
    ("FT.SPELLCHECK", "idx", "helo wrld -bax"),
    ("FT.SPELLCHECK", "idx", "hello @g:{bsz}"),
    ("FT.SPELLCHECK", "idx", "bax", "DISTANCE", "2"),
    ("FT.SPELLCHECK", "idx", "bax", "DISTANCE", "0"),
    ("FT.EXPLAIN", "idx", "@g:{a} hello", "DIALECT", "2"),
    ("FT.EXPLAIN", "idx", "(-foo ~bar) @t:(world|baz) worlds"),
    ("FT.EXPLAIN", "idx", "hello", "VERBATIM"),
    ("FT.EXPLAIN", "idx", "(@t:hello)=>[KNN 3 @v $q EF_RUNTIME 5 AS d]", "PARAMS", "2", "q", Q, "DIALECT", "2"),
    ("FT.EXPLAIN", "idx", "@v:[VECTOR_RANGE 0.5 $q]", "PARAMS", "2", "q", Q, "DIALECT", "2"),
    ("FT.AGGREGATE", "idx", "*", "LOAD", "1", "@n", "FILTER", "@n > 4", "SORTBY", "2", "@n", "ASC", "LIMIT", "0", "2"),
    ("FT.AGGREGATE", "idx", "@g:{a}", "GROUPBY", "1", "@g", "REDUCE", "COUNT", "0", "AS", "c", "FILTER", "@c > 100"),
    ("FT.AGGREGATE", "idx", "*", "SORTBY", "2", "@n", "DESC", "MAX", "3"),
    ("FT.AGGREGATE", "idx", "*", "GROUPBY", "1", "g"),
    ("FT.AGGREGATE", "idx", "*", "APPLY", "upper(@n)", "AS", "u", "APPLY", "exists(@u)", "AS", "e",
     "SORTBY", "2", "@n", "ASC", "LIMIT", "0", "2"),
    ("FT.AGGREGATE", "idx", "*", "APPLY", "strlen(@n)", "AS", "s", "SORTBY", "2", "@n", "ASC"),
    ("FT.AGGREGATE", "idx", "*", "LOAD", "1", "@nosuch", "APPLY", "@nosuch + 1", "AS", "x"),
    ("FT.AGGREGATE", "idx", "*", "APPLY", "@n*2", "AS", "x", "SORTBY", "2", "@x", "DESC", "LIMIT", "0", "3"),
    ("FT.AGGREGATE", "idx", "*", "FILTER", "@n > 3", "SORTBY", "2", "@n", "ASC", "LIMIT", "0", "3"),
    ("FT.SEARCH", "idx", "hello", "HIGHLIGHT", "SORTBY", "n", "LIMIT", "0", "2", "RETURN", "1", "t"),
    ("FT.SEARCH", "idx", "bar | world", "HIGHLIGHT", "FIELDS", "1", "t", "TAGS", "[", "]", "SORTBY", "n", "LIMIT", "0", "2"),
    ("FT.SEARCH", "idx", "hello", "HIGHLIGHT", "FIELDS", "2", "t"),
    ("FT.SEARCH", "idx", "*", "SORTBY", "n", "DESC", "LIMIT", "0", "2"),
    ("FT.SEARCH", "idx", "*", "SORTBY", "t", "LIMIT", "0", "2", "RETURN", "2", "n", "t"),
    ("FT.SEARCH", "idx", "*", "SORTBY", "n", "LIMIT", "0", "2", "RETURN", "4", "t", "n", "AS", "num"),
    ("FT._LIST",),
]


def _call(c: redis.Redis, args: tuple[Any, ...]) -> Any:
    try:
        return c.execute_command(*args)
    except redis.ResponseError as e:
        return f"error: {e}"


def _scored(c: redis.Redis, args: tuple[Any, ...]) -> list[tuple[bytes, float]]:
    """(id, score) of a WITHSCORES FT.SEARCH, RESP2 or RESP3."""
    reply = c.execute_command(*args)
    if isinstance(reply, dict):
        return [(r[b"id"], float(r[b"score"])) for r in reply[b"results"]]
    return [(reply[i], float(reply[i + 1])) for i in range(1, len(reply), 2)]


@pytest.mark.parametrize("args", SAME, ids=[" ".join(str(a) for a in c[:3]) for c in SAME])
def test_same_reply(pair: tuple[redis.Redis, redis.Redis], args: tuple[Any, ...]) -> None:
    ref, ours = pair
    assert _call(ours, args) == _call(ref, args)


def test_info_layout(pair: tuple[redis.Redis, redis.Redis]) -> None:
    ref, ours = pair
    a, b = ref.execute_command("FT.INFO", "idx"), ours.execute_command("FT.INFO", "idx")
    if isinstance(a, list):
        assert a[::2] == b[::2]
        a, b = dict(zip(a[::2], a[1::2], strict=True)), dict(zip(b[::2], b[1::2], strict=True))
    else:
        assert list(a) == list(b)
    for key in (b"index_definition", b"attributes", b"num_docs", b"max_doc_id", b"num_terms", b"num_records",
                b"hash_indexing_failures", b"indexing", b"percent_indexed", b"Index Errors", b"field statistics"):
        assert a[key] == b[key], key


DIALECT1_AND_ERRORS = [
    # Punctuation that is no operator separates words (RediSearch's lexer skips it).
    *[("FT.SEARCH", "idx", q, "NOCONTENT", "SORTBY", "n", "LIMIT", "0", "20", "DIALECT", d)
      for q in ("hello, world!", "world's", "'", "foo? bar.", "#baz", "hello/foo", "$ baz", "bar = baz")
      for d in ("1", "2")],
    # Numbers are one term (3.14, -5, 1e5); an escaped separator stays inside its term.
    *[("FT.EXPLAIN", "idx", q, "DIALECT", d) for q in ("3.14", "sci\\-fi", "v1.2.3", "-5", "foo -5 bar", "1e5",
                                                        "hello\\ world", "hel\\.lo*") for d in ("1", "2")],
    # A block shows a field modifier only where the modifier was written on it.
    *[("FT.EXPLAIN", "idx", q, "DIALECT", d)
      for q in ("@t:hello @t:world", "@t:hello | @t:world", "@t:(hello world)", "@t:(hello | world) @t:foo",
                "@t:(hello (world foo))", "(@t:hello @t:world) foo", "@t:(hello world) | @t:(foo bar)")
      for d in ("1", "2")],
    # Stop words take no position: a phrase spans them; quoted, they fail DIALECT 1 and match nothing in 2.
    *[("FT.SEARCH", "idx", q, "NOCONTENT", "SORTBY", "n", "DIALECT", d)
      for q in ('"hello the world"', '"world the"', '"the hello"', '"hello world"', '@t:"bar the baz"',
                '"hello world the"', '"world the foo"')
      for d in ("1", "2")],
    # SLOP / INORDER: how far apart, and in which order, an intersection's words may be.
    *[("FT.SEARCH", "idx", q, "NOCONTENT", "SORTBY", "n", *opts)
      for q in ("hello baz", "baz hello", "world foo", "hello world bar")
      for opts in (("SLOP", "0"), ("SLOP", "1"), ("SLOP", "2"), ("SLOP", "2", "INORDER"), ("INORDER",))],
    # Fuzzy matching: a swap of the query's last two letters is one edit, elsewhere two.
    *[("FT.SEARCH", "idx", q, "NOCONTENT", "SORTBY", "n", "LIMIT", "0", "20")
      for q in ("%helol%", "%hlelo%", "%wordl%", "%%ehlol%%", "%%ehllo%%", "%fo%", "%oof%", "%baz%")],
    # FT.AGGREGATE's pipeline check: APPLY / FILTER read only what is SORTABLE, loaded or yielded.
    ("FT.AGGREGATE", "idx", "*", "APPLY", "upper(@g)", "AS", "u"),
    ("FT.AGGREGATE", "idx", "nomatch", "FILTER", "exists(@g)"),
    ("FT.AGGREGATE", "idx", "*", "LOAD", "1", "@g", "APPLY", "upper(@g)", "AS", "u", "SORTBY", "2", "@u", "ASC",
     "LIMIT", "0", "3"),
    ("FT.AGGREGATE", "idx", "*", "APPLY", "@n * 2", "AS", "d", "SORTBY", "2", "@d", "DESC", "LIMIT", "0", "3"),
    ("FT.AGGREGATE", "idx", "*", "GROUPBY", "1", "@g", "REDUCE", "COUNT", "0", "AS", "c", "APPLY", "@n * 2", "AS",
     "d"),
    ("FT.AGGREGATE", "idx", "*", "APPLY", "@__key", "AS", "k"),
    ("FT.AGGREGATE", "idx", "*", "LOAD", "3", "@g", "AS", "gg", "APPLY", "upper(@gg)", "AS", "u", "SORTBY", "2", "@n",
     "ASC", "LIMIT", "0", "2"),
    ("FT.AGGREGATE", "idx", "*=>[KNN 3 @v $q AS dist]", "PARAMS", "2", "q", Q, "APPLY", "@dist * 2", "AS", "e",
     "SORTBY", "2", "@dist", "ASC", "DIALECT", "2"),
    ("FT.SEARCH", "idx", "*=>[KNN 2 @v $q]", "PARAMS", "2", "q", Q),
    ("FT.SEARCH", "idx", "@v:[VECTOR_RANGE 1 $q]", "PARAMS", "2", "q", Q),
    ("FT.DROPINDEX", "idx", "a", "b"),
    ("FT.SEARCH", "nope", "*"),
    ("FT.INFO", "nope"),
    ("FT.CREATE", "idx", "SCHEMA", "t", "TEXT"),
    ("FT.SEARCH", "idx", "*", "LIMIT", "1"),
    ("FT.SEARCH", "idx"),
    ("FT.AGGREGATE", "idx"),
    ("FT.SEARCH", "idx", "*", "SORTBY"),
    ("FT.SEARCH", "idx", "*", "DIALECT"),
    ("FT.SEARCH", "idx", "*", "INKEYS", "3", "a"),
    ("FT.SEARCH", "idx", "*", "INFIELDS", "2", "t"),
    ("FT.AGGREGATE", "idx", "*", "GROUPBY", "1", "@g", "REDUCE", "NOPE", "0"),
    ("FT.AGGREGATE", "idx", "*", "FILTER"),
    ("FT.AGGREGATE", "idx", "*", "APPLY"),
    ("FT.CURSOR", "READ", "idx", "123"),
    ("FT.CREATE", "x", "SCHEMA", "a"),
    ("FT.CREATE", "x", "SCHEMA", "a", "TEXT", "WEIGHT", "x"),
    ("FT.ALTER", "nope", "SCHEMA", "ADD", "z", "TEXT"),
    ("FT.CONFIG", "SET", "TIMEOUT", "x"),
    ("FT._LIST", "x"),
    ("FT.EXPLAIN", "idx"),
]


@pytest.mark.parametrize("args", DIALECT1_AND_ERRORS, ids=[" ".join(str(a) for a in c[:3]) for c in DIALECT1_AND_ERRORS])
def test_same_errors(pair: tuple[redis.Redis, redis.Redis], args: tuple[Any, ...]) -> None:
    ref, ours = pair
    assert _call(ours, args) == _call(ref, args)


DIALECT1_GROUPING = ["foo | bar hello", "-foo bar", "-foo | bar", "foo -bar | world", "foo | bar -baz",
                     "foo @n:[1 2] | bar", "foo | bar @n:[1 2]", "~foo bar | baz", "@t:foo bar | baz",
                     "foo -bar -baz | world", "@g:{a} foo | bar", "(foo bar) | baz", "-(foo | bar) baz"]


@pytest.mark.parametrize("query", DIALECT1_GROUPING)
def test_dialect1_grouping(pair: tuple[redis.Redis, redis.Redis], query: str) -> None:
    """DIALECT 1 (the server default) groups as RediSearch's first grammar does: the same plan and the
    same documents."""
    ref, ours = pair
    for args in (("FT.EXPLAIN", "idx", query, "DIALECT", "1"),
                 ("FT.SEARCH", "idx", query, "DIALECT", "1", "NOCONTENT", "SORTBY", "n", "LIMIT", "0", "20")):
        assert _call(ours, args) == _call(ref, args)


BM25_QUERIES = ["hello", "foo", "bar", "@t:baz", "hello | foo", "world bar", "worlds", "helloes | bars", '"hello world"',
                '"bar baz"']


@pytest.mark.parametrize("query", BM25_QUERIES)
def test_bm25std_scores_close(pair: tuple[redis.Redis, redis.Redis], query: str) -> None:
    """BM25STD (RedisVL's text scorer, RedVector's default): the same documents and scores as RediSearch's
    (the word and its stem record scored apart, weighted frequencies, b = 0.5)."""
    ref, ours = pair
    args = ("FT.SEARCH", "idx", query, "WITHSCORES", "NOCONTENT", "SCORER", "BM25STD", "LIMIT", "0", "20")

    want, got = _scored(ref, args), _scored(ours, args)
    assert sorted(d for d, _ in got) == sorted(d for d, _ in want)
    scores = dict(want)
    for doc, score in got:
        assert score == pytest.approx(scores[doc], rel=1e-6), doc


INDEX_FILTERS = ["@age > 10", "@age < 10", "@name == 'x'", "exists(@age)", "@age > 10 || @name == 'x'",
                 "!(@age > 10)", "upper(@name) == 'X'", "@nosuch"]


@pytest.mark.parametrize("expression", INDEX_FILTERS)
def test_index_filter_on_missing_fields(stack_port: int, server: ThreadedServer, expression: str) -> None:
    """An index FILTER that reads a field a hash lacks fails to evaluate, and RediSearch then indexes the
    hash (only a false result keeps it out)."""
    found = []
    for port in (stack_port, server.port):
        c = redis.Redis(port=port, protocol=2)
        c.flushall()
        c.execute_command("FT.CREATE", "f", "PREFIX", "1", "k:", "FILTER", expression, "SCHEMA", "age", "NUMERIC",
                          "name", "TAG")
        for key, fields in (("k:1", {"age": 5, "name": "x"}), ("k:2", {"age": 20}), ("k:3", {"name": "y"}),
                            ("k:4", {"other": 1})):
            c.hset(key, mapping=fields)
        found.append(sorted(c.execute_command("FT.SEARCH", "f", "*", "NOCONTENT")[1:]))
        c.close()
    assert found[1] == found[0]


@pytest.mark.parametrize("word", ["helol", "wordl", "hlelo", "bza"])
def test_spellcheck_counts_a_final_swap_as_one_edit(pair: tuple[redis.Redis, redis.Redis], word: str) -> None:
    ref, ours = pair
    assert _call(ours, ("FT.SPELLCHECK", "idx", word)) == _call(ref, ("FT.SPELLCHECK", "idx", word))


@pytest.mark.parametrize("scorer", ["TFIDF", "TFIDF.DOCNORM"])
@pytest.mark.parametrize("query", [*BM25_QUERIES, "hello world", "-foo hello", "hello | world | baz", '"world 3"',
                                   "@t:(hello | baz)"])
def test_tfidf_scores_equal(pair: tuple[redis.Redis, redis.Redis], query: str, scorer: str) -> None:
    """TFIDF (Redis Stack 7.4's default) and TFIDF.DOCNORM: RediSearch's figures (frequency x logb IDF over
    the word's records, / maxFreq or length, / the slop of an intersection)."""
    ref, ours = pair
    args = ("FT.SEARCH", "idx", query, "WITHSCORES", "NOCONTENT", "SCORER", scorer, "LIMIT", "0", "20")

    want, got = dict(_scored(ref, args)), dict(_scored(ours, args))
    assert got.keys() == want.keys()
    for doc, score in got.items():
        assert score == pytest.approx(want[doc], rel=1e-6), doc


@pytest.mark.parametrize("scorer", ["BM25STD", "TFIDF", "DISMAX"])
@pytest.mark.parametrize("query", ["@g:{a}", "@g:{a|c}", "@n:[1 5]", "@loc:[0 0 100 km]", "hello @n:[1 5]", "@g:{a} hello",
                                   "hel*", "ba*", "%helo%", "hel* foo", "~foo", "-hello", "*ar"])
def test_filter_and_expansion_scores_equal(pair: tuple[redis.Redis, redis.Redis], query: str, scorer: str) -> None:
    """Scores of clauses other than plain words, as RediSearch gives them: under BM25STD a tag is a record of
    frequency 1 with its own IDF, a numeric range or geo radius adds nothing; a prefix / fuzzy / suffix
    expansion counts the first word (in lexical order) a document holds."""
    ref, ours = pair
    args = ("FT.SEARCH", "idx", query, "WITHSCORES", "NOCONTENT", "SCORER", scorer, "LIMIT", "0", "20")

    want, got = _scored(ref, args), _scored(ours, args)
    assert [d for d, _ in got] == [d for d, _ in want]
    for (doc, score), (_, expected) in zip(got, want, strict=True):
        assert score == pytest.approx(expected, rel=1e-6), doc


TEXTLESS_QUERIES = ["*", "@n:[0 10]", "@g:{a}", "@g:{b}", "@g:{a|b}", "@g:{b} -@g:{a}", "-@n:[2 3]", "hello | @n:[0 10]", "-hello", "@n:[0 10] @g:{a}",
                    "hello", '"hello world"', "hel*", "hello world", "hello | x", "runs", "run", "running",
                    "runs fast"]


@pytest.fixture
def textless(pair: tuple[redis.Redis, redis.Redis]) -> tuple[redis.Redis, redis.Redis]:
    """An index where documents differ in text length and one has no text at all (alone: Redis Stack's
    BM25 figures here move with another index's documents, which we do not reproduce)."""
    for c in pair:
        c.flushall()
        c.execute_command("FT.CREATE", "tl", "PREFIX", "1", "t:", "SCHEMA", "t", "TEXT", "n", "NUMERIC", "g", "TAG")
        for key, text in (("t:1", "hello world"), ("t:2", "a b c d e f g h"), ("t:3", "one"),
                          ("t:4", "hello hello hello"), ("t:5", "x y"), ("t:7", "helloes worlds apart")):
            c.hset(key, mapping={"t": text, "n": 1, "g": "a"})
        c.hset("t:6", mapping={"n": 5, "g": "a"})
        c.hset("t:8", mapping={"t": "hello", "n": 2, "g": "b"})
        c.hset("t:9", mapping={"t": "runs apples run fast", "n": 3, "g": "a"})
        c.hset("t:10", mapping={"t": "apples fast green run fast apples running", "n": 4})
    return pair


def _same_scores(got: list[tuple[bytes, float]], want: list[tuple[bytes, float]]) -> None:
    assert [d for d, _ in got] == [d for d, _ in want]
    for (doc, score), (_, expected) in zip(got, want, strict=True):
        if math.isnan(expected):
            assert math.isnan(score), doc
        else:
            assert score == pytest.approx(expected, rel=1e-9), doc


@pytest.mark.parametrize("scorer", ["TFIDF", "TFIDF.DOCNORM", "BM25STD", "BM25", "DISMAX", "DOCSCORE"])
@pytest.mark.parametrize("query", TEXTLESS_QUERIES)
def test_scores_and_order_with_textless_documents(textless: tuple[redis.Redis, redis.Redis], query: str,
                                                  scorer: str) -> None:
    """``*`` ranks by its score as RediSearch does (BM25STD by text length, TFIDF by 1 / maxFreq), a
    document without text scores inf under TFIDF (nan for 0 / 0), BM25STD's average length counts every
    document, SCORER BM25 is RediSearch's own formula, and float32 constants give the same digits."""
    ref, ours = textless
    args = ("FT.SEARCH", "tl", query, "WITHSCORES", "NOCONTENT", "SCORER", scorer, "LIMIT", "0", "20")
    _same_scores(_scored(ours, args), _scored(ref, args))
    page = ("FT.SEARCH", "tl", query, "NOCONTENT", "SCORER", scorer, "LIMIT", "1", "3")
    assert _call(ours, page) == _call(ref, page)


def test_wildcard_pages_of_an_index_without_text(pair: tuple[redis.Redis, redis.Redis]) -> None:
    """``*`` over an index without TEXT fields: every document scores alike (doc-id order, the fast path)
    with the scorer's figure for a record of frequency 1."""
    ref, ours = pair
    for c in pair:
        c.flushall()  # alone, as in ``textless``
        c.execute_command("FT.CREATE", "nt", "PREFIX", "1", "n:", "SCHEMA", "n", "NUMERIC", "g", "TAG")
        for i in range(12):
            c.hset(f"n:{i}", mapping={"n": i, "g": "a" if i % 2 else "b"})
    for scorer in ("BM25", "DISMAX"):
        args = ("FT.SEARCH", "nt", "*", "WITHSCORES", "NOCONTENT", "SCORER", scorer, "LIMIT", "3", "5")
        _same_scores(_scored(ours, args), _scored(ref, args))
    # BM25STD divides by an average text length of 0: every score is nan, and Redis Stack's heap then
    # orders the page arbitrarily (it differs from run to run); RedVector keeps doc-id order.
    args = ("FT.SEARCH", "nt", "*", "WITHSCORES", "NOCONTENT", "SCORER", "BM25STD", "LIMIT", "0", "20")
    want, got = _scored(ref, args), _scored(ours, args)
    assert sorted(d for d, _ in got) == sorted(d for d, _ in want)
    assert all(math.isnan(s) for _, s in want + got)
    assert [d for d, _ in got] == [f"n:{i}".encode() for i in range(12)]


def test_text_field_limits(pair: tuple[redis.Redis, redis.Redis]) -> None:
    """128 TEXT fields at most; FT.ALTER may go past 32 only on a wide index (MAXTEXTFIELDS, or created
    with more than 32)."""
    ref, ours = pair

    def texts(n: int, prefix: str = "f") -> list[str]:
        return [x for i in range(n) for x in (f"{prefix}{i}", "TEXT")]

    script = [("FT.CREATE", "a", "SCHEMA", *texts(129)), ("FT.CREATE", "a", "SCHEMA", *texts(128), "x", "TAG"),
              ("FT.CREATE", "b", "SCHEMA", *texts(31)), ("FT.ALTER", "b", "SCHEMA", "ADD", "g", "TEXT"),
              ("FT.ALTER", "b", "SCHEMA", "ADD", "h", "TEXT"), ("FT.ALTER", "b", "SCHEMA", "ADD", "n", "NUMERIC"),
              ("FT.CREATE", "c", "SCHEMA", *texts(30)), ("FT.ALTER", "c", "SCHEMA", "ADD", *texts(3, "g")),
              ("FT.CREATE", "d", "MAXTEXTFIELDS", "SCHEMA", *texts(40)), ("FT.ALTER", "d", "SCHEMA", "ADD", "g", "TEXT"),
              ("FT.CREATE", "e", "SCHEMA", *texts(40)), ("FT.ALTER", "e", "SCHEMA", "ADD", *texts(88, "g")),
              ("FT.ALTER", "e", "SCHEMA", "ADD", "z", "TEXT")]
    for c in pair:
        c.flushall()
    for args in script:
        assert _call(ours, args) == _call(ref, args), args[:4]


def _same_documents(pair: tuple[redis.Redis, redis.Redis], create: tuple[str, ...],
                    docs: dict[str, dict[str, str]]) -> None:
    """Both servers emptied, then the same index (FT.CREATE ``create``) and hashes."""
    for c in pair:
        c.flushall()
        c.execute_command("FT.CREATE", *create)
        for key, mapping in docs.items():
            c.hset(key, mapping=mapping)


def test_phrases_and_slop_span_fields(pair: tuple[redis.Redis, redis.Redis]) -> None:
    """Positions run on across a document's fields in schema order (whatever the HSET order), so a phrase
    or SLOP 0 may join the end of one field to the start of the next, as in RediSearch."""
    ref, ours = pair
    _same_documents(pair, ("p", "SCHEMA", "t", "TEXT", "u", "TEXT"), {
        "p1": {"t": "alpha", "u": "beta"}, "p2": {"u": "beta gamma", "t": "delta alpha"},
        "p3": {"t": "alpha gamma", "u": "beta"}})
    for args in (("FT.SEARCH", "p", '"alpha beta"', "NOCONTENT"), ("FT.SEARCH", "p", '"beta alpha"', "NOCONTENT"),
                 ("FT.SEARCH", "p", "alpha beta", "SLOP", "0", "INORDER", "NOCONTENT"),
                 ("FT.SEARCH", "p", '"alpha beta"', "WITHSCORES", "NOCONTENT", "SCORER", "TFIDF"),
                 ("FT.SEARCH", "p", "alpha beta", "WITHSCORES", "NOCONTENT", "SCORER", "TFIDF")):
        assert _call(ours, args) == _call(ref, args), args


PHRASE_WORDS = ["run", "runs", "running", "apple", "apples", "red", "the", "fast", "runner", "of"]


def test_optional_clauses_take_part_in_slop_where_they_match(pair: tuple[redis.Redis, redis.Redis]) -> None:
    """SLOP / INORDER with ``~clause``: where the optional clause matched, its positions count (in its written
    place); where it did not, the intersection is checked without it. A clause restricted to one field
    still brings its positions in every field, as a record holds them."""
    ref, ours = pair
    _same_documents(pair, ("s", "SCHEMA", "t", "TEXT", "e", "TEXT"), {
        "d:1": {"t": "hello dog world", "e": "hello"}, "d:2": {"t": "cat", "e": "bye"},
        "d:3": {"t": "dog", "e": "hello"}, "d:4": {"t": "world x x x hello", "e": "z"}})
    for query in ("@e:hello ~dog", "~dog @e:hello", "hello ~dog", "hello ~world", "~world hello", "hello ~cat",
                  "hello ~(dog world)", "hello ~(dog | world)", '~"dog world" hello', "(hello ~dog)=>{$slop:0}",
                  "(hello ~world)=>{$inorder:true}"):
        for opts in ((), ("SLOP", "0"), ("SLOP", "2"), ("INORDER",), ("SLOP", "0", "INORDER")):
            args = ("FT.SEARCH", "s", query, "NOCONTENT", "DIALECT", "2", *opts)
            assert _found(ours.execute_command(*args)) == _found(ref.execute_command(*args)), (query, opts)


def _found(reply: Any) -> list[bytes]:
    """The documents of an FT.SEARCH NOCONTENT reply (RESP2 or RESP3), sorted."""
    if isinstance(reply, dict):
        return sorted(r[b"id"] for r in reply[b"results"])
    return sorted(reply[1:])


def test_phrase_fuzz_matches_and_scores(pair: tuple[redis.Redis, redis.Redis]) -> None:
    """Seeded random phrases (stem variants, stop words, a weighted field, a NOSTEM field, a field
    restriction, slop) over random documents: the same documents with the same scores under each scorer."""
    import random

    rng = random.Random(7)
    ref, ours = pair
    docs = [{"a": " ".join(rng.choices(PHRASE_WORDS, k=rng.randint(1, 9))),
             "b": " ".join(rng.choices(PHRASE_WORDS, k=rng.randint(0, 5)))} for _ in range(80)]
    for c in pair:
        c.flushall()
        c.execute_command("FT.CREATE", "ph", "PREFIX", "1", "h:", "SCHEMA", "a", "TEXT", "WEIGHT", "2",
                          "b", "TEXT", "NOSTEM")
        for i, doc in enumerate(docs):
            c.hset(f"h:{i}", mapping=doc)
    queries = []
    for _ in range(40):
        words = " ".join(rng.choices(PHRASE_WORDS, k=rng.randint(2, 3)))
        query = rng.choice([f'"{words}"', f'@a:"{words}"', f'@b:"{words}"', f'"{words}"=>{{$slop: 1}}'])
        queries.append(query)
    for query in queries:
        for scorer in ("BM25STD", "TFIDF", "BM25"):
            args = ("FT.SEARCH", "ph", query, "WITHSCORES", "NOCONTENT", "SCORER", scorer, "LIMIT", "0", "100",
                    "DIALECT", "2")
            want, got = _scores(ref, args), _scores(ours, args)
            assert got.keys() == want.keys(), (query, scorer)
            for key, score in want.items():
                assert got[key] == pytest.approx(score, rel=1e-6), (query, scorer, key)


def _scores(client: redis.Redis, args: tuple[Any, ...]) -> dict[bytes, float]:
    reply = client.execute_command(*args)
    if isinstance(reply, dict):  # RESP3
        return {r[b"id"]: float(r[b"score"]) for r in reply[b"results"]}
    return {reply[i]: float(reply[i + 1]) for i in range(1, len(reply), 2)}


SLOP_WORDS = ["alpha", "beta", "gamma", "delta", "zeta", "kappa", "the", "omega", "sigma", "of"]


def test_slop_and_clause_attributes_fuzz(pair: tuple[redis.Redis, redis.Redis]) -> None:
    """Seeded random intersections with SLOP / INORDER and ``=>{$slop; $inorder; $weight}`` on groups
    (words without stem variants, whose unions Redis Stack evaluates history-independently), with tags
    and stop words among them: the same documents with the same scores under each scorer."""
    import random

    rng = random.Random(11)
    ref, ours = pair
    docs = [{"a": " ".join(rng.choices(SLOP_WORDS, k=rng.randint(1, 9))),
             "b": " ".join(rng.choices(SLOP_WORDS, k=rng.randint(0, 5))), "g": rng.choice(["x", "y", "x,y"])}
            for _ in range(80)]
    for c in pair:
        c.flushall()
        c.execute_command("FT.CREATE", "ph", "PREFIX", "1", "h:", "SCHEMA", "a", "TEXT", "WEIGHT", "2",
                          "b", "TEXT", "NOSTEM", "g", "TAG")
        for i, doc in enumerate(docs):
            c.hset(f"h:{i}", mapping=doc)

    def w() -> str:
        return rng.choice(SLOP_WORDS)

    for _ in range(60):
        k = str(rng.randint(0, 3))
        query, extra = rng.choice([
            (f"({w()} {w()})=>{{$slop:{k}}}", ()),
            (f"({w()} {w()} {w()})=>{{$slop:{k};$inorder:true}}", ()),
            (f"({w()} {w()})=>{{$inorder:true}}", ()),
            (f"{w()} {w()}", ("SLOP", k)),
            (f"{w()} {w()} {w()}", ("SLOP", k, "INORDER")),
            (f"@a:({w()} {w()})=>{{$slop:{k}}}", ()),
            (f"({w()}|{w()})=>{{$weight:2}}", ()),
            (f"({w()} {w()})=>{{$weight:0.5}}", ()),
            (f"{w()}=>{{$weight:0.5}}", ()),
            (f'"{w()} {w()}" {w()}', ("SLOP", k)),
            (f"({w()} {w()})=>{{$slop:{k}}} {w()}", ()),
            (f"{w()} @g:{{x}} {w()}", ("SLOP", k)),
        ])
        for scorer in ("BM25STD", "TFIDF", "BM25", "DISMAX"):
            args = ("FT.SEARCH", "ph", query, "WITHSCORES", "NOCONTENT", "SCORER", scorer, "LIMIT", "0", "100",
                    "DIALECT", "2", *extra)
            want, got = _scores(ref, args), _scores(ours, args)
            assert got.keys() == want.keys(), (query, extra, scorer)
            for key, score in want.items():
                assert got[key] == pytest.approx(score, rel=1e-6), (query, extra, scorer, key)
        explain = ("FT.EXPLAIN", "ph", query, "DIALECT", "2")
        assert ours.execute_command(*explain) == ref.execute_command(*explain), query
    # a quoted word is a phrase of one word: EXACT in FT.EXPLAIN, its $weight unused
    for query in ['"alpha"', '"alpha"=>{$weight:2}', '@a:"alpha"', '@b:"beta gamma"', '@a:("beta gamma" | delta)',
                  '"beta gamma" | "gamma delta" | zeta']:
        for scorer in ("TFIDF", "DISMAX", "BM25STD"):
            args = ("FT.SEARCH", "ph", query, "WITHSCORES", "NOCONTENT", "SCORER", scorer, "LIMIT", "0", "100",
                    "DIALECT", "2")
            assert _scores(ours, args) == pytest.approx(_scores(ref, args)), (query, scorer)
        explain = ("FT.EXPLAIN", "ph", query, "DIALECT", "2")
        assert ours.execute_command(*explain) == ref.execute_command(*explain), query


def test_tokenizer_drops_control_characters_and_follows_escapes(pair: tuple[redis.Redis, redis.Redis]) -> None:
    """RediSearch's tokenizer splits at its separators only (a tab, not a newline), drops control
    characters inside a token ("hello\\nworld" is the word "helloworld"), lets a backslash escape the next
    character, and stops at a NUL byte: the same documents match the same words."""
    texts = ["hello\nworld", "foo\r\nbar baz\tqux", "x\\y back\\slash", "a8\\ b8 a9\\,b9", "f1\x00f2 f3",
             "tab\tsep new\nline", "ctl\x01char del\x7fete", "Mixed\nCase WORDS"]
    for c in pair:
        c.flushall()
        c.execute_command("FT.CREATE", "tk", "PREFIX", "1", "tk:", "SCHEMA", "t", "TEXT")
        for i, text in enumerate(texts):
            c.hset(f"tk:{i}", "t", text)
    words = ["hello", "world", "helloworld", "foobar", "foo", "bar", "baz", "qux", "xy", "x", "backslash", "f1",
             "f2", "f3", "tab", "sep", "newline", "line", "ctlchar", "delete", "mixedcase", "words", "mixed"]
    for word in words:
        args = ("FT.SEARCH", "tk", word, "NOCONTENT", "WITHSCORES", "SCORER", "BM25STD")
        want = sorted(_scored(pair[0], args))
        assert [d for d, _ in sorted(_scored(pair[1], args))] == [d for d, _ in want], word
        assert [s for _, s in sorted(_scored(pair[1], args))] == pytest.approx([s for _, s in want]), word


def test_row_fields_in_the_order_the_reply_first_meets_them(pair: tuple[redis.Redis, redis.Redis]) -> None:
    """RediSearch lists each row's fields in one order for the whole reply: the sort key, the fields
    HIGHLIGHT/SUMMARIZE name, RETURN's, then the others as the rows first show them, whatever each hash's
    own field order."""
    for c in pair:
        c.flushall()
        c.execute_command("FT.CREATE", "o", "PREFIX", "1", "o:", "SCHEMA", "a", "TEXT", "b", "TEXT", "n", "NUMERIC",
                          "SORTABLE")
        c.hset("o:1", mapping={"x": "1", "a": "hello", "n": 1})
        c.hset("o:2", mapping={"b": "hello", "a": "hello", "y": "2", "n": 2})
        c.hset("o:3", mapping={"y": "3", "b": "hello", "n": 3, "x": "9"})
    for extra in [("SORTBY", "n"), ("SORTBY", "n", "DESC"), ("SORTBY", "n", "HIGHLIGHT", "FIELDS", "1", "b"),
                  ("SORTBY", "n", "RETURN", "2", "b", "a"), ("SORTBY", "a", "RETURN", "2", "b", "n"),
                  ("SORTBY", "n", "RETURN", "2", "b", "a", "HIGHLIGHT", "FIELDS", "1", "a"),
                  ("SORTBY", "n", "RETURN", "3", "b", "n", "a"), ("SORTBY", "n", "SUMMARIZE", "FIELDS", "1", "b"),
                  ("SORTBY", "a", "INKEYS", "2", "o:2", "o:3"), ("SORTBY", "n", "RETURN", "2", "a", "a"),
                  ("SORTBY", "n", "RETURN", "4", "a", "AS", "y", "y"), ("SORTBY", "n", "RETURN", "4", "y", "a", "AS", "y")]:
        args = ("FT.SEARCH", "o", "hello", *extra)
        assert _call(pair[1], args) == _call(pair[0], args), extra


def test_affixes_shorter_than_minprefix_match_nothing(pair: tuple[redis.Redis, redis.Redis]) -> None:
    """FT.CONFIG MINPREFIX (2): a text or tag prefix, suffix or infix shorter than it matches nothing; a
    wildcard pattern is not bound by it."""
    for c in pair:
        c.flushall()
        c.execute_command("FT.CREATE", "m", "PREFIX", "1", "m:", "SCHEMA", "t", "TEXT", "g", "TAG")
        c.hset("m:1", mapping={"t": "apple ant", "g": "ab,a"})
        c.hset("m:2", mapping={"t": "banana", "g": "b"})
    for query in ["a*", "ap*", "@g:{a*}", "@g:{ab*}", "*e", "*le", "@g:{*b}", "w'a*'", "*p*", "@g:{*a*}",
                  "@g:{a*|ab*}", "a* | ban*"]:
        args = ("FT.SEARCH", "m", query, "NOCONTENT", "SORTBY", "t", "DIALECT", "2")
        assert _call(pair[1], args) == _call(pair[0], args), query
