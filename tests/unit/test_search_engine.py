"""The search engine without sockets: tokenizer, query parser, expressions, rules, the indexer's
reaction to key events, initial scans in chunks, and the persistence hooks (doc ids, restore)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from redvector.errors import SearchError
from redvector.keyspace.database import Keyspace
from redvector.search.fields.tokens import tokenize
from redvector.search.query.ast import (
    Empty,
    Intersect,
    Knn,
    Not,
    NumericRange,
    Optional,
    Phrase,
    Tag,
    Term,
    Union,
)
from redvector.search.query.executor import Executor, QueryOptions
from redvector.search.query.expr import format_number, parse_expr
from redvector.search.query.parser import parse_query
from redvector.search.registry import SearchRegistry
from redvector.search.schema import IndexDefinition, parse_create
from redvector.search.vector.flat import FlatIndex

CREATE = [b"FT.CREATE", b"idx", b"PREFIX", b"1", b"d:", b"SCHEMA", b"t", b"TEXT", b"g", b"TAG", b"n", b"NUMERIC",
          b"v", b"VECTOR", b"FLAT", b"6", b"TYPE", b"FLOAT32", b"DIM", b"2", b"DISTANCE_METRIC", b"L2"]


def definition() -> IndexDefinition:
    return parse_create(CREATE)


def setup() -> tuple[Keyspace, SearchRegistry]:
    ks = Keyspace(2)
    return ks, SearchRegistry(ks)


def put(ks: Keyspace, key: bytes, value: dict[bytes, bytes], db: int = 0) -> None:
    d = ks.databases[db]
    d.data.setdefault(key, {}).update(value)
    d.touched(key, "hset")


def test_tokenizer() -> None:
    assert tokenize("Hello, World! foo_bar hello\\-world a.b") == ["hello", "world", "foo_bar", "hello-world", "a", "b"]


def test_parser_precedence_and_nodes() -> None:
    d = definition()
    node = parse_query("@t:hello world | -@g:{a\\ b|c*} @n:[(1 +inf]", d, {})
    assert isinstance(node, Union)
    left, right = node.children
    assert left == Intersect((Term("hello", (b"t",)), Term("world")))
    assert isinstance(right, Intersect)
    neg, num = right.children
    assert isinstance(neg, Not) and isinstance(neg.child, Tag)
    assert [(v.text, v.prefix) for v in neg.child.values] == [(b"a b", False), (b"c", True)]
    assert num == NumericRange(b"n", 1.0, math.inf, lo_excl=True)
    # A quoted stop word stays a term in DIALECT 2 (it matches nothing: stop words are not indexed)...
    assert parse_query('"the quick fox"', d, {}) == Phrase(((0, "the"), (1, "quick"), (2, "fox")), verbatim=True)
    # ...DIALECT 1 refuses one among the first two words and skips those after.
    with pytest.raises(SearchError, match="Syntax error at offset 1 near the"):
        parse_query('"the quick fox"', d, {}, dialect=1)
    assert parse_query('"quick fox the"', d, {}, dialect=1) == Phrase(((0, "quick"), (1, "fox")), verbatim=True)
    assert isinstance(parse_query("~foo bar", d, {}), Intersect)
    assert isinstance(parse_query("~foo", d, {}), Optional)
    knn = parse_query("(@g:{x})=>[KNN $k @v $b HYBRID_POLICY BATCHES]=>{$yield_distance_as: dist}", d,
                      {"k": b"3", "b": b"\x00" * 8})
    assert isinstance(knn, Knn) and knn.k == 3 and knn.score_as == "dist" and isinstance(knn.filter, Tag)


@pytest.mark.parametrize(("query", "message"), [
    ("@g:{a", "Syntax error"),
    ("(foo", "Syntax error"),
    ("*=>[KNN 2 @v $nope]", "No such parameter `nope`"),
    ("*=>[KNN 2 @v $b HYBRID_POLICY ADHOC_BF]", "hybrid query attributes were sent for a non-hybrid query"),
    ("*=>[KNN 2 @v $b EPSILON 0.1]", "range query attributes were sent for a non-range query"),
    ("*=>[KNN 2 @v $b EF_RUNTIME 4]", "Invalid option"),  # EF_RUNTIME on a FLAT field
    ("@v:[VECTOR_RANGE -1 $b]", "negative radius"),
])
def test_parser_errors(query: str, message: str) -> None:
    with pytest.raises(SearchError) as e:
        parse_query(query, definition(), {"b": b"\x00" * 8})
    assert message in e.value.message


def test_knn_on_a_field_that_is_not_a_vector_field_finds_nothing() -> None:
    # Redis Stack 7.4 answers such a KNN (or VECTOR_RANGE) with no results, not an error.
    assert parse_query("*=>[KNN 2 @t $b]", definition(), {"b": b"\x00" * 8}) == Empty()
    assert parse_query("*=>[KNN 2 @nosuch $b]", definition(), {"b": b"\x00" * 8}) == Empty()
    assert parse_query("@t:[VECTOR_RANGE 1 $b]", definition(), {"b": b"\x00" * 8}) == Empty()


def test_expressions() -> None:
    e = parse_expr("(2 - @d)/2 + startswith(@name, 'ab') * 10")
    assert e.evaluate({"d": "1", "name": "abc"}) == pytest.approx(10.5)
    assert parse_expr("@a > 3 && @b == 'x'").evaluate({"a": b"4", "b": b"x"}) == 1.0
    assert parse_expr("!exists(@zz)").evaluate({}) == 1.0
    assert format_number(3.0) == "3" and format_number(0.1 + 0.2) == "0.3" and format_number(1 / 3) == "0.333333333333"


def test_indexer_events_rename_flush_and_filter() -> None:
    ks, reg = setup()
    argv = [*CREATE[:5], b"FILTER", b"@n > 1", *CREATE[5:]]
    index = reg.create(parse_create(argv), 0)
    put(ks, b"d:1", {b"n": b"5", b"g": b"x"})
    put(ks, b"d:2", {b"n": b"0"})  # filtered out
    put(ks, b"other", {b"n": b"5"})  # prefix mismatch
    assert sorted(index.keys()) == [b"d:1"]
    first_id = index.key_to_id[b"d:1"]
    put(ks, b"d:1", {b"g": b"y"})
    assert index.key_to_id[b"d:1"] > first_id  # re-index: a new, higher doc id
    db = ks.databases[0]
    db.data[b"d:9"] = db.data.pop(b"d:1")
    db.touched(b"d:1", "rename_from")
    db.touched(b"d:9", "rename_to")
    assert list(index.keys()) == [b"d:9"]
    db.data[b"d:9"] = b"a string now"
    db.touched(b"d:9", "set")
    assert index.num_docs == 0
    put(ks, b"d:3", {b"n": b"7"}, db=1)  # another database
    assert index.num_docs == 0
    ks.databases[1].clear()
    assert reg.names() == [b"idx"]  # FLUSHDB of another database keeps it
    ks.flush_all()
    assert reg.names() == []


def test_initial_scan_in_chunks_skips_keys_written_meanwhile() -> None:
    ks, reg = setup()
    for i in range(10):
        put(ks, b"d:%d" % i, {b"t": b"hello"})
    d = definition()
    d.skip_initial_scan = True
    index = reg.create(d, 0)
    assert index.num_docs == 0
    reg.indexer.start_scan(index)
    assert not reg.indexer.scan_step(index, 4)
    assert index.num_docs == 4 and index.scan is not None and 0 < index.scan.percent < 1
    put(ks, b"d:9", {b"t": b"changed"})  # indexed now by the observer
    changed_id = index.key_to_id[b"d:9"]
    while not reg.indexer.scan_step(index, 4):
        pass
    assert index.num_docs == 10 and index.key_to_id[b"d:9"] == changed_id and index.scan is None


def test_restore_reuses_doc_ids_and_vectors() -> None:
    ks, reg = setup()
    for i in range(4):
        put(ks, b"d:%d" % i, {b"v": np.array([i, 0], np.float32).tobytes()})
    d = definition()
    d.skip_initial_scan = True
    saved_ids = {b"d:0": 7, b"d:1": 8, b"d:2": 9, b"d:3": 10}
    saved = FlatIndex(d.fields[3].vector)  # type: ignore[arg-type]
    for key, doc_id in saved_ids.items():
        if key != b"d:3":
            saved.add(doc_id, np.array([int(key[2:]), 0], np.float32))
    index = reg.create(d, 0)
    index.restore({k: v for k, v in saved_ids.items() if k != b"d:3"} | {b"gone": 11}, {b"v": saved})
    saved.add(11, np.array([100, 0], np.float32))
    reg.indexer.start_scan(index)
    while not reg.indexer.scan_step(index):
        pass
    index.finish_restore()
    assert index.doc_ids() == {b"d:0": 7, b"d:1": 8, b"d:2": 9, b"d:3": 12}
    assert len(index.vectors[b"v"]) == 4  # d:3 added, "gone" removed
    assert index.knn(b"v", np.array([2.9, 0], np.float32), 2) == [(b"d:3", pytest.approx(0.01, abs=1e-5)),
                                                                  (b"d:2", pytest.approx(0.81, abs=1e-5))]


def test_executor_bm25_prefers_rarer_terms_and_shorter_docs() -> None:
    ks, reg = setup()
    index = reg.create(definition(), 0)
    put(ks, b"d:1", {b"t": b"apple banana"})
    put(ks, b"d:2", {b"t": b"apple banana cherry date elderberry fig"})
    put(ks, b"d:3", {b"t": b"banana"})
    scores = Executor(index, QueryOptions()).run(parse_query("apple", index.definition, {})).scores
    assert scores[1] > scores[2] > 0 and 3 not in scores
    both = Executor(index, QueryOptions()).run(parse_query("apple | banana", index.definition, {})).scores
    assert both[1] > both[3]


def test_knn_skips_expired_documents_and_still_returns_k() -> None:
    ks, reg = setup()
    index = reg.create(definition(), 0)
    for i in range(6):
        put(ks, b"d:%d" % i, {b"v": np.array([i, 0], np.float32).tobytes(), b"g": b"x"})
    gone = {index.key_to_id[b"d:0"], index.key_to_id[b"d:1"]}
    opts = QueryOptions(expired=lambda d: d in gone)
    q = {"b": np.array([0, 0], np.float32).tobytes()}
    for text in ("*=>[KNN 2 @v $b]", "@g:{x}=>[KNN 2 @v $b]"):
        hits = Executor(index, opts).run(parse_query(text, index.definition, q))
        assert sorted(index.key_of(d) for d in hits.scores) == [b"d:2", b"d:3"]
    assert sorted(Executor(index, opts).run(parse_query("@g:{x}", index.definition, {})).scores) == \
        sorted(set(index.docs) - gone)


def test_default_ef_runtime_is_at_least_the_configured_one() -> None:
    ks = Keyspace(1)
    reg = SearchRegistry(ks, lambda: 64)
    argv = [b"FT.CREATE", b"i", b"SCHEMA", b"h", b"VECTOR", b"HNSW", b"8", b"TYPE", b"FLOAT32", b"DIM", b"2",
            b"DISTANCE_METRIC", b"L2", b"EF_RUNTIME", b"10", b"f", b"VECTOR", b"FLAT", b"6", b"TYPE", b"FLOAT32",
            b"DIM", b"2", b"DISTANCE_METRIC", b"L2"]
    index = reg.create(parse_create(argv), 0)
    h, f = index.definition.fields
    assert index.effective_ef_runtime(h) == 64 and index.effective_ef_runtime(f) is None
    argv[argv.index(b"10")] = b"200"
    assert SearchRegistry(Keyspace(1), lambda: 64).create(parse_create(argv), 0).effective_ef_runtime(h) == 64
    index2 = SearchRegistry(Keyspace(1), lambda: 64).create(parse_create(argv), 0)
    assert index2.effective_ef_runtime(index2.definition.fields[0]) == 200


def test_swapdb_rebuilds_and_flushdb_drops() -> None:
    ks, reg = setup()
    index = reg.create(definition(), 0)
    put(ks, b"d:1", {b"t": b"zero"})
    put(ks, b"d:2", {b"t": b"one"}, db=1)
    put(ks, b"d:3", {b"t": b"one"}, db=1)
    ks.swap(0, 1)
    assert sorted(index) == [b"d:2", b"d:3"] and len(index) == 2
    ks.databases[0].clear()
    assert reg.get(b"idx") is None


def test_expression_function_arity_checked() -> None:
    with pytest.raises(SearchError, match="Invalid arguments for function 'startswith'"):
        parse_expr("startswith()")
    assert parse_expr("format('%s-%s', @a, 1)").evaluate({"a": "x"}) == "x-1"


def test_vectorised_slops_match_the_per_document_walk() -> None:
    """Executor._slop_arrays (all documents at once: words with stem records, phrases, intersections
    with tags, unions of up to three words) gives what _slop computes document by document."""
    import random

    rng = random.Random(9)
    ks, reg = setup()
    index = reg.create(definition(), 0)
    words = ["run", "runs", "running", "runner", "apple", "apples", "red", "sky"]
    for i in range(300):
        put(ks, b"d:%d" % i, {b"t": " ".join(rng.choices(words, k=rng.randint(1, 9))).encode(),
                              b"g": rng.choice([b"x", b"y"])})
    queries = ["running", "run", "apples", "run apple", "apple run red", "running | red", "run | apples | sky",
               "apple @g:{x} red", '"run apple"', '"red sky"', "runs running", "(apple red)=>{$inorder: true}",
               "@t:running", "@t:(run | apple)", '@t:"run apple"', "@t:apple red"]
    seen: set[int] = set()
    for scorer in ("TFIDF", "BM25"):
        for query in queries:
            executor = Executor(index, QueryOptions(scorer=scorer))
            node = parse_query(query, index.definition, {})
            found = executor._slop_arrays(node)
            assert found is not None, query
            docs = sorted(executor.run(node).scores)
            by_walk = [executor._slop(node, d) for d in docs]
            assert executor._slop_array(node, np.array(docs, dtype=np.int64)).tolist() == by_walk, query
            slop_of = executor._slop_function(node)
            assert [slop_of(d) for d in docs] == by_walk, query
            seen.update(by_walk)
    assert {1, 2, 3} <= seen  # documents far apart as well as near


def test_vectorised_in_order_check_matches_the_per_document_walk() -> None:
    """INORDER (with and without SLOP) is checked for every document at once; it keeps exactly the
    documents RediSearch's in-order walk keeps when run document by document."""
    import random

    from redvector.search.query.positions import within_range_in_order

    rng = random.Random(4)
    ks, reg = setup()
    index = reg.create(definition(), 0)
    words = ["run", "runs", "running", "apple", "apples", "red", "sky"]
    for i in range(300):
        put(ks, b"d:%d" % i, {b"t": " ".join(rng.choices(words, k=rng.randint(1, 9))).encode(),
                              b"g": rng.choice([b"x", b"y"])})
    kept_some = dropped_some = False
    for query in ["run apple", "apple red sky", "running apple", '"red sky" apple', "apple @g:{x} red", "red red"]:
        for slop in (None, 0, 1, 3):
            plain = Executor(index, QueryOptions(scorer="TFIDF"))
            node = parse_query(query, index.definition, {})
            candidates = sorted(plain.run(node).scores)
            children = [c for c in node.children if not isinstance(c, Tag)] if isinstance(node, Intersect) else [node]
            expected = [d for d in candidates
                        if within_range_in_order([plain._offsets(c, d) for c in children], 1 << 31 if slop is None else slop)]
            found = sorted(Executor(index, QueryOptions(scorer="TFIDF", slop=slop, inorder=True)).run(node).scores)
            assert found == expected, (query, slop)
            kept_some |= bool(found)
            dropped_some |= len(found) < len(candidates)
    assert kept_some and dropped_some
