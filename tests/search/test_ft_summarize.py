"""FT.SEARCH SUMMARIZE (alone and with HIGHLIGHT) through redis-py's Query.summarize() and raw commands, as
RediSearch 2.10 cuts the fields; then a differential test against Redis Stack 7.4.1 (skipped when it cannot
start)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import redis
from redis.commands.search.field import NumericField, TagField, TextField
from redis.commands.search.index_definition import IndexDefinition, IndexType
from redis.commands.search.query import Query

from tests.search.helpers import hset, search
from tests.search.test_differential import stack_port  # noqa: F401  (the fixture starting Redis Stack)
from tests.serverutil import ThreadedServer

LONG = ("alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigma tau upsilon "
        "phi chi psi omega foo one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
        "fifteen sixteen seventeen eighteen nineteen twenty foo")
PROSE = "Hello,   world!\n\nThis is... a test;  of the   summarizer (really) - okay? Yes: it is. End of\tstory."
STOPS = "one the two a three of four is five and six to seven in eight it nine be ten eleven twelve"
FILLER = " ".join(f"w{i}" for i in range(10))
SPREAD = f"rare {FILLER} common {FILLER} common {FILLER} mid {FILLER} common {FILLER} rare {FILLER} mid"
UNICODE = "Ünïcödé wörds: naïve café — résumé; the café is naïve, cafés are many. Straße!"
STEMS = "He runs; they ran. Running is fun, the runner runs and running runners run again"
# Every document has the same fields in the same order: RediSearch orders a row's fields by their first
# appearance among the rows of a reply, which then is each document's own order.
DOCS: list[tuple[str, str, str, str, float]] = [  # t, b, tag, n; k (SORTABLE) is the doc's number
    ("hello world foo", LONG, "fast,slow", "12345", 1),
    ("Running, running; RUN!", PROSE, "x", "3.5", 2),
    (STOPS, "nothing to see", "y", "7", 3),
    (SPREAD, "common ground", "z", "1", 4),
    ("common mid", "filler", "f", "0", 5),
    ("common mid", "filler", "f", "0", 6),
    ("common", "filler", "f", "0", 7),
    (UNICODE, STEMS, "u", "9", 8),
]


def load(c: redis.Redis) -> None:
    c.ft("idx").create_index(
        [TextField("t"), TextField("b"), TagField("tag"), NumericField("n"), NumericField("k", sortable=True)],
        definition=IndexDefinition(prefix=["d:"], index_type=IndexType.HASH))
    for i, (t, b, tag, n, k) in enumerate(DOCS, 1):
        hset(c, f"d:{i}", {"t": t, "b": b, "tag": tag, "n": n, "k": k})
    c.execute_command("FT.CREATE", "alias", "PREFIX", "1", "a:", "SCHEMA", "title", "AS", "t", "TEXT", "body", "TEXT")
    hset(c, "a:1", {"title": "the quick brown fox jumps", "body": "x"})


@pytest.fixture
def docs(client: redis.Redis) -> redis.Redis:
    load(client)
    return client


def _rows(client: redis.Redis, *args: object) -> dict[str, dict[str, str]]:
    return {doc: {k: v.decode() if isinstance(v, bytes) else v for k, v in fields.items()}
            for doc, fields in search(client, "idx", *args)[1]}


def _one(client: redis.Redis, key: str, query: str, field: str, *args: object) -> str:
    """``field`` of document ``key`` as ``query`` finds it."""
    return _rows(client, query, *args, "INKEYS", "1", key)[key][field]


# -- fragments ----------------------------------------------------------------------------------------------
def test_query_summarize_defaults(docs: redis.Redis) -> None:
    res = docs.ft("idx").search(Query("foo").summarize(fields=["b", "t"]))
    doc = res.docs[0]
    # Each match with LEN 20 words of context (10 a side, 6 bytes a word, cut to whole words); the second
    # fragment's context stops at the first one's end; every fragment ends with the separator "... ".
    assert doc.b == ("nu xi omicron pi rho sigma tau upsilon phi chi psi omega foo one two three four five six seven "
                     "eight nine ten eleven... fifteen sixteen seventeen eighteen nineteen twenty foo... ")
    # A word the context edge lands on is dropped, even the field's first word.
    assert doc.t == "world foo... "
    assert doc.tag == "fast,slow" and doc.n == "12345"  # not named in FIELDS


def test_len_frags_and_separator(docs: redis.Redis) -> None:
    q = Query("foo").summarize(fields=["b"], context_len=4, num_frags=1, sep=" | ")
    assert docs.ft("idx").search(q).docs[0].b == "psi omega foo one two | "
    assert _one(docs, "d:1", "foo", "b", "SUMMARIZE", "FIELDS", "1", "b", "LEN", "4") == (
        "psi omega foo one two... twenty foo... ")
    assert _one(docs, "d:1", "foo", "b", "SUMMARIZE", "FIELDS", "1", "b", "LEN", "4", "SEPARATOR", "") == (
        "psi omega foo one twotwenty foo")
    assert _one(docs, "d:1", "foo", "t", "SUMMARIZE", "LEN", "0") == "foo... "  # no context
    assert _one(docs, "d:1", "foo", "t", "SUMMARIZE", "FRAGS", "0") == ""
    # FRAGS, LEN and SEPARATOR in any order, the last of a kind counting; numbers as C's strtod reads them.
    args = ("SUMMARIZE", "FIELDS", "1", "b", "SEPARATOR", "|", "LEN", "9", "FRAGS", "0x1", "LEN", "4e0")
    assert _one(docs, "d:1", "foo", "b", *args) == "psi omega foo one two|"


def test_matches_within_8_positions_make_one_fragment(docs: redis.Redis) -> None:
    # Stop words have no position: "one" and "nine" are 8 apart, "ten" 9.
    assert _one(docs, "d:3", "one|nine", "t", "SUMMARIZE", "LEN", "0") == (
        "one the two a three of four is five and six to seven in eight it nine... ")
    assert _one(docs, "d:3", "one|ten", "t", "SUMMARIZE", "LEN", "0") == "one... ten... "


def test_best_fragments_by_idf_in_document_order(docs: redis.Redis) -> None:
    # rare (1 doc) outscores mid (4 docs), which outscores common; ties go to the earlier fragment.
    def frags(query: str, n: int) -> str:
        return _one(docs, "d:4", query, "t", "SUMMARIZE", "LEN", "0", "FRAGS", str(n))

    assert frags("rare|common|mid", 1) == "rare... "
    assert frags("rare|common|mid", 3) == "rare... mid... rare... "
    assert frags("rare|common|mid", 4) == "rare... mid... rare... mid... "
    assert frags("common|mid", 3) == "common... mid... mid... "


def test_context_edges_and_whitespace(docs: redis.Redis) -> None:
    def ctx(length: int) -> str:
        return _one(docs, "d:2", "test", "b", "SUMMARIZE", "FIELDS", "1", "b", "LEN", str(length))

    assert ctx(1) == "test;... "  # half a word of context: one byte
    assert ctx(2) == "a test; of... "
    assert ctx(4) == "is... a test; of the... "
    # A newline is no separator in RediSearch: the edge stops before it, and whitespace runs become a space.
    assert ctx(6) == " This is... a test; of the... "
    assert ctx(8) == "world! This is... a test; of the summarizer... "
    assert _one(docs, "d:2", "hello|story", "b", "SUMMARIZE", "FIELDS", "1", "b", "LEN", "30") == (
        "Hello, world! This is... a test; of the summarizer (really) - okay? Yes: it is. End of story.... ")


def test_stems_and_unicode(docs: redis.Redis) -> None:
    args = ("SUMMARIZE", "FIELDS", "1", "b", "LEN", "0", "FRAGS", "1", "HIGHLIGHT")
    assert _one(docs, "d:8", "running", "b", *args) == (
        "<b>runs</b>; they ran. <b>Running</b> is fun, the runner <b>runs</b> and <b>running</b> runners "
        "<b>run</b>... ")
    # Byte offsets in UTF-8 text; "cafés" stems to "café".
    assert _one(docs, "d:8", "café", "t", "SUMMARIZE", "LEN", "3", "HIGHLIGHT") == (
        "<b>café</b> — résumé; the <b>café</b> is naïve, <b>cafés</b>... ")
    assert _one(docs, "d:8", "naïve", "t", "SUMMARIZE", "LEN", "4", "HIGHLIGHT") == (
        "<b>naïve</b> café — résumé; the café is <b>naïve</b>... ")
    assert _one(docs, "d:8", "straße", "t", "SUMMARIZE", "LEN", "1") == "Straße!... "


# -- fields without a match ----------------------------------------------------------------------------------
def test_no_match_gives_the_head_of_the_field(docs: redis.Redis) -> None:
    # 6 x (LEN x FRAGS + 1) bytes, cut back to the last separator: every loaded hash field, TEXT or not.
    row = _rows(docs, "foo", "SUMMARIZE", "LEN", "2")["d:1"]
    assert row == {"t": "foo... ", "b": "foo one... foo... ", "tag": "fast,", "n": "1", "k": "1"}
    assert _one(docs, "d:3", "@k:[3 3]", "t", "SUMMARIZE", "LEN", "1") == "one the two a three of"
    # A RETURNed NUMERIC attribute is a number, left alone; a TAG is text.
    assert _rows(docs, "foo", "RETURN", "2", "n", "tag", "SUMMARIZE", "LEN", "0") == {
        "d:1": {"n": "12345", "tag": "fast,"}}
    # With HIGHLIGHT as well, a field without a match comes back whole.
    assert _rows(docs, "foo", "RETURN", "2", "tag", "t", "SUMMARIZE", "LEN", "0", "HIGHLIGHT") == {
        "d:1": {"tag": "fast,slow", "t": "<b>foo</b>... "}}


def test_only_text_attributes_by_their_row_name(docs: redis.Redis) -> None:
    # A hash field behind an AS name is not the attribute (cut as text without a match, never highlighted);
    # RETURNed under the attribute's name it is.
    rows = search(docs, "alias", "fox", "SUMMARIZE", "LEN", "2")[1]
    assert rows == [("a:1", {"title": b"the quick brown fox", "body": b"x"})]
    assert search(docs, "alias", "fox", "HIGHLIGHT")[1][0][1]["title"] == b"the quick brown fox jumps"
    assert search(docs, "alias", "fox", "RETURN", "1", "t", "SUMMARIZE", "LEN", "2")[1] == [("a:1", {"t": b"fox ... "})]
    # A RETURN alias is no attribute either.
    assert _rows(docs, "foo", "RETURN", "3", "t", "AS", "x", "SUMMARIZE", "LEN", "3") == {"d:1": {"x": "hello world"}}


# -- with HIGHLIGHT, FIELDS and RETURN -----------------------------------------------------------------------
def test_highlight_and_summarize_fields(docs: redis.Redis) -> None:
    row = _rows(docs, "foo", "HIGHLIGHT", "TAGS", "[", "]", "SUMMARIZE", "FIELDS", "1", "t", "LEN", "5")["d:1"]
    # With FIELDS (and no RETURN) only the named fields are marked up; those come first.
    assert list(row) == ["t", "b", "tag", "n", "k"]
    assert row["t"] == "world [foo]... " and row["b"] == LONG
    row = _rows(docs, "foo", "HIGHLIGHT", "FIELDS", "1", "t", "SUMMARIZE", "FIELDS", "1", "b", "LEN", "4")["d:1"]
    assert row["t"] == "hello world <b>foo</b>" and row["b"] == "psi omega foo one two... twenty foo... "
    # A clause per field: each keeps its own settings.
    row = _rows(docs, "foo", "SUMMARIZE", "FIELDS", "1", "b", "LEN", "4", "SUMMARIZE", "FIELDS", "1", "t", "LEN", "3")
    assert list(row["d:1"].items())[:2] == [("b", "psi omega foo one two... twenty foo... "), ("t", "foo... ")]
    # The default applies to every returned field, and to the kind a named field does not set itself.
    row = _rows(docs, "foo", "RETURN", "2", "t", "b", "SUMMARIZE", "LEN", "3", "HIGHLIGHT", "FIELDS", "1", "b")
    assert row == {"d:1": {"b": "<b>foo</b> one... <b>foo</b>... ", "t": "foo... "}}


def test_return_decides_the_fields(docs: redis.Redis) -> None:
    assert _rows(docs, "foo", "RETURN", "1", "b", "SUMMARIZE", "FIELDS", "1", "t") == {"d:1": {"b": LONG}}
    # FIELDS naming a RETURN alias makes that field read the attribute of the alias's name.
    assert _rows(docs, "foo", "RETURN", "3", "b", "AS", "t", "SUMMARIZE", "FIELDS", "1", "t", "LEN", "3") == {
        "d:1": {"t": "foo... "}}
    assert search(docs, "idx", "foo", "NOCONTENT", "SUMMARIZE") == (1, [("d:1", {})])
    assert _rows(docs, "foo", "SUMMARIZE", "DIALECT", "2", "RETURN", "1", "t") == {"d:1": {"t": "world foo... "}}


def test_json_returned_text_attribute(client: redis.Redis) -> None:
    client.execute_command("FT.CREATE", "j", "ON", "JSON", "PREFIX", "1", "j:", "SCHEMA",
                           "$.title", "AS", "title", "TEXT", "$.n", "AS", "n", "NUMERIC")
    client.json().set("j:1", "$", {"title": "the quick brown fox jumps over the lazy dog", "n": 12345})
    res = client.ft("j").search(Query("fox").summarize(context_len=2).highlight().return_fields("title", "n"))
    assert (res.docs[0].title, res.docs[0].n) == ("<b>fox</b> jumps... ", "12345")


# -- errors ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("args, message", [
    (("LEN",), "Bad arguments for SUMMARIZE"),
    (("LEN", "-1"), "Bad arguments for SUMMARIZE"),
    (("LEN", "1.5"), "Bad arguments for SUMMARIZE"),
    (("LEN", "5 "), "Bad arguments for SUMMARIZE"),
    (("FRAGS", "4294967296"), "Bad arguments for SUMMARIZE"),
    (("SEPARATOR",), "Bad arguments for SUMMARIZE"),
    (("FIELDS", "3", "t"), "Bad arguments for SUMMARIZE"),
    (("FIELDS", "x"), "Bad arguments for SUMMARIZE"),
    (("FOO",), "Unknown argument `FOO` at position 2 for <main>"),
    (("LEN", "3", "FIELDS", "1", "t"), "Unknown argument `FIELDS` at position 4 for <main>"),
    (("FIELDS", "1", "nosuch"), "No such property `nosuch`"),
    (("FIELDS", "1", "T"), "No such property `T`"),
    (("RETURN", "2", "t", "nosuch"), "Property `nosuch` is not in schema"),
    (("RETURN", "3", "t", "AS", "x", "FIELDS", "1", "x"), "Unknown argument `FIELDS` at position 7 for <main>"),
])
def test_bad_arguments(docs: redis.Redis, args: tuple[str, ...], message: str) -> None:
    with pytest.raises(redis.ResponseError) as exc:
        docs.execute_command("FT.SEARCH", "idx", "foo", "SUMMARIZE", *args)
    assert str(exc.value) == message


def test_property_errors(docs: redis.Redis) -> None:
    def error(*args: str) -> str:
        with pytest.raises(redis.ResponseError) as exc:
            docs.execute_command("FT.SEARCH", "idx", *args)
        return str(exc.value)

    assert error("foo", "RETURN", "3", "t", "AS", "x", "SUMMARIZE", "FIELDS", "1", "x") == (
        "Property `x` is not in schema")
    assert error("nomatch", "HIGHLIGHT", "FIELDS", "1", "nosuch") == "No such property `nosuch`"
    assert error("foo(", "SUMMARIZE", "FIELDS", "1", "nosuch").startswith("Syntax error")
    # Not checked without rows to mark up; a FIELDS name RETURN leaves out is ignored.
    assert search(docs, "idx", "foo", "SUMMARIZE", "FIELDS", "1", "nosuch", "LIMIT", "0", "0") == (1, [])
    assert search(docs, "idx", "foo", "NOCONTENT", "HIGHLIGHT", "FIELDS", "1", "nosuch") == (1, [("d:1", {})])
    assert _rows(docs, "foo", "RETURN", "1", "n", "SUMMARIZE", "FIELDS", "1", "nosuch") == {"d:1": {"n": "12345"}}
    docs.execute_command("FT.CREATE", "nohl", "NOHL", "PREFIX", "1", "d:", "SCHEMA", "t", "TEXT")
    with pytest.raises(redis.ResponseError) as exc:
        docs.execute_command("FT.SEARCH", "nohl", "foo(", "NOCONTENT", "SUMMARIZE")
    assert str(exc.value) == "Cannot use highlight/summarize because NOOFSETS was specified at index level"


# -- differential: Redis Stack 7.4.1 ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def loaded(stack_port: int, server: ThreadedServer) -> Iterator[tuple[int, int]]:  # noqa: F811
    """Both servers with the corpus (loaded once: the cases only read)."""
    ref, ours = redis.Redis(port=stack_port), redis.Redis(port=server.port)
    # Long values keep a Redis hash in insertion order (a listpack), as RedVector keeps every hash.
    ref.config_set("hash-max-listpack-value", 100000)
    for c in (ref, ours):
        c.flushall()
        load(c)
        c.execute_command("FT.CREATE", "nohl", "NOHL", "PREFIX", "1", "d:", "SCHEMA", "t", "TEXT")
        c.close()
    yield stack_port, server.port
    redis.Redis(port=server.port).flushall()


@pytest.fixture(params=[2, 3], ids=["resp2", "resp3"])
def pair(loaded: tuple[int, int], request: pytest.FixtureRequest) -> Iterator[tuple[redis.Redis, redis.Redis]]:
    ref, ours = (redis.Redis(port=port, protocol=request.param) for port in loaded)
    yield ref, ours
    ref.close()
    ours.close()


# Queries that find one document, or SORTBY k: the scorers' ranking is not what these compare. (A KNN with
# SUMMARIZE and no RETURN crashes Redis Stack 7.4.1, so none here.)
S = ("SORTBY", "k")
CASES: list[tuple[str, ...]] = [
    ("foo", "SUMMARIZE"),
    ("foo", "SUMMARIZE", "FIELDS", "1", "t", "LEN", "2"),
    ("foo", "SUMMARIZE", "FIELDS", "2", "b", "t", "LEN", "3"),
    ("foo", "SUMMARIZE", "FIELDS", "0", "FRAGS", "1"),
    ("foo", "SUMMARIZE", "FIELDS", "1", "b", "LEN", "4", "FRAGS", "2", "SEPARATOR", " | "),
    ("foo", "SUMMARIZE", "FIELDS", "1", "t", "FRAGS", "0"),
    ("foo", "SUMMARIZE", "HIGHLIGHT"),
    ("foo", "SUMMARIZE", "LEN", "4", "HIGHLIGHT", "FIELDS", "1", "t"),
    ("foo", "HIGHLIGHT", "FIELDS", "1", "t", "SUMMARIZE", "FIELDS", "1", "b", "LEN", "4"),
    ("foo", "HIGHLIGHT", "TAGS", " <  ", "  >", "SUMMARIZE", "FIELDS", "1", "b", "LEN", "1"),
    ("foo", "SUMMARIZE", "FIELDS", "1", "t", "LEN", "3", "SUMMARIZE", "FIELDS", "1", "b", "LEN", "4"),
    ("foo", "RETURN", "3", "t", "b", "tag", "SUMMARIZE", "FIELDS", "2", "tag", "b", "LEN", "1"),
    ("foo", "RETURN", "3", "n", "tag", "k", "SUMMARIZE"),
    ("foo", "RETURN", "3", "b", "AS", "t", "SUMMARIZE", "LEN", "3"),
    ("foo", "SUMMARIZE", "FIELDS", "1", "t", "LEN", "1", "RETURN", "3", "b", "AS", "t"),
    ("foo", "RETURN", "3", "t", "AS", "x", "HIGHLIGHT"),
    ("foo", "NOCONTENT", "SUMMARIZE"),
    ("foo", "SUMMARIZE", "DIALECT", "2", "RETURN", "1", "t"),
    ("foo", "SUMMARIZE", "LEN", "2", "WITHSORTKEYS", *S),
    ("hello", "SUMMARIZE", "LEN", "5", *S),
    ("hello", "SUMMARIZE", "FIELDS", "1", "b", "FRAGS", "1", "LEN", "1", "HIGHLIGHT", *S),
    ("test", "SUMMARIZE", "FIELDS", "1", "b", "LEN", "6"),
    ("hello|story", "SUMMARIZE", "LEN", "8", "RETURN", "1", "b", *S),
    ("one|nine|ten", "SUMMARIZE", "LEN", "0", "RETURN", "1", "t"),
    ("rare|common|mid", "SUMMARIZE", "LEN", "0", "FRAGS", "3", "INKEYS", "1", "d:4"),
    ("common", "SUMMARIZE", "LEN", "40", "FRAGS", "2", "HIGHLIGHT", "RETURN", "1", "t", "INKEYS", "1", "d:4"),
    ("common", "SUMMARIZE", "FRAGS", "1", "LEN", "2", *S, "LIMIT", "0", "5"),
    ("running", "SUMMARIZE", "FIELDS", "1", "b", "LEN", "2", "HIGHLIGHT"),
    ("runner", "VERBATIM", "SUMMARIZE", "LEN", "2", "HIGHLIGHT", "RETURN", "1", "b"),
    ('"running runners"', "SUMMARIZE", "LEN", "2", "HIGHLIGHT", "RETURN", "1", "b"),
    ("café|straße", "SUMMARIZE", "LEN", "3", "HIGHLIGHT", "RETURN", "1", "t"),
    ("@b:fun -again", "SUMMARIZE", "LEN", "4"),
    ("@tag:{x}", "SUMMARIZE", "LEN", "1"),
    ("@k:[2 3]", "SUMMARIZE", "FRAGS", "1", "LEN", "2", "HIGHLIGHT", *S),
    ("foo", "SUMMARIZE", "LEN", "0x10", "FRAGS", "1e0", "RETURN", "1", "b"),
    ("foo", "SUMMARIZE", "LEN", "-1"),
    ("foo", "SUMMARIZE", "FRAGS", "1", "FIELDS", "1", "b"),
    ("foo", "SUMMARIZE", "SEPARATOR"),
    ("foo", "SUMMARIZE", "FIELDS", "2", "t"),
    ("foo", "SUMMARIZE", "FIELDS", "1", "nosuch"),
    ("foo", "RETURN", "1", "b", "SUMMARIZE", "FIELDS", "1", "nosuch"),
    ("foo", "RETURN", "3", "t", "AS", "x", "SUMMARIZE", "FIELDS", "1", "x"),
    ("foo", "SUMMARIZE", "FIELDS", "1", "nosuch", "LIMIT", "0", "0"),
    # a prefix, fuzzy, suffix or wildcard word marks, per document, the first word (lexically) it holds
    ("run*", "HIGHLIGHT", *S),
    ("runn*", "HIGHLIGHT", "SUMMARIZE", "LEN", "3", *S),
    ("%runer%", "HIGHLIGHT", *S),
    ("*ers", "HIGHLIGHT", *S),
    ("w'r?n*'", "HIGHLIGHT", "DIALECT", "2", *S),
]


def _call(c: redis.Redis, index: str, args: tuple[str, ...]) -> Any:
    try:
        return c.execute_command("FT.SEARCH", index, *args)
    except redis.ResponseError as e:
        return f"error: {e}"


@pytest.mark.parametrize("args", CASES, ids=[" ".join(c) for c in CASES])
def test_same_reply_as_redis_stack(pair: tuple[redis.Redis, redis.Redis], args: tuple[str, ...]) -> None:
    ref, ours = pair
    assert _call(ours, "idx", args) == _call(ref, "idx", args)


@pytest.mark.parametrize("index, args", [
    ("alias", ("fox", "SUMMARIZE", "LEN", "2")),
    ("alias", ("fox", "RETURN", "1", "t", "SUMMARIZE", "LEN", "2", "HIGHLIGHT")),
    ("alias", ("fox", "RETURN", "1", "title", "SUMMARIZE")),
    ("nohl", ("foo(", "SUMMARIZE")),
])
def test_same_reply_other_indexes(pair: tuple[redis.Redis, redis.Redis], index: str, args: tuple[str, ...]) -> None:
    ref, ours = pair
    assert _call(ours, index, args) == _call(ref, index, args)
