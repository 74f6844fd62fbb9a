"""Differential: query syntax against Redis Stack 7.4.1 (RediSearch 2.10.5). A corpus of malformed and
edge-case queries (unbalanced brackets, stray operators, bad ranges, tags, geo and KNN clauses, missing
parameters, query attributes, affixes, fuzzy terms, escapes, quotes, unicode, empty and stop-word-only
queries, deep nesting) goes to both servers as FT.EXPLAIN and FT.SEARCH in DIALECT 1 and 2: each query is
accepted by both or refused by both with the same error text. Case folding of non-ASCII letters is
compared as well (FT.EXPLAIN's terms, FT.SEARCH's matches, FT.TAGVALS). Skipped when Redis Stack cannot
start."""

from __future__ import annotations

import struct
from collections.abc import Iterator
from typing import Any

import pytest
import redis

from tests.search.test_differential import stack_port  # noqa: F401  (the fixture starting Redis Stack)
from tests.serverutil import ThreadedServer

SCHEMA = ("PREFIX", "1", "d:", "SCHEMA", "t", "TEXT", "t2", "TEXT", "g", "TAG", "n", "NUMERIC", "loc", "GEO",
          "v", "VECTOR", "FLAT", "6", "TYPE", "FLOAT32", "DIM", "2", "DISTANCE_METRIC", "L2")
VEC = struct.pack("<2f", 1, 2)
PARAMS = ("PARAMS", "4", "p", "hello", "vec", VEC)

CORPUS = [
    "'cat'", "'cat", "cat'", "w'cat'", "w'ca*'", "w'", '"cat', 'cat"', '""', '" "', '"hello world"', '"the"',
    '"the cat"', "'hello world'", "@t:'cat'", "@g:{'a'}", '"hello" "world"', 'stop *', 'the *', 'the |',
    'the | cat', 'cat | the', '| cat', 'cat |', 'cat | | dog', 'the', 'the a an', 'a', '-the', '~the', 'the*',
    '*', '* *', '(*)', '((*))', '* cat', 'cat *', '-*', '~*', '*|cat', 'cat|*', '(', ')', '()', '(cat', 'cat)',
    '((cat)', '(cat))', '( )', '(cat) (dog', 'cat (dog | ', '(-)', '(|)', '[', ']', '{', '}', '[1 2]', '{a}',
    'cat [', 'cat ]', 'cat {', 'cat }', '|', '-', '~', '%', '=>', '-cat', '--cat', '~~cat', '- cat', '~ cat',
    'cat -', 'cat ~', 'cat %', '%cat', 'cat%', '%cat%', '%%cat%%', '%%%cat%%%', '%%%%cat%%%%', '%%cat%',
    '%cat%%', '%%%a%%%', '% cat %', 'cat => dog', '=>[', '=>{', '@n:[1 2]', '@n:[a b]', '@n:[1', '@n:[1 2',
    '@n:[]', '@n:[1 2 3]', '@n:[(1 (2]', '@n:[-inf +inf]', '@n:[inf -inf]', '@n:[1e5 2e5]', '@n:[$p 2]',
    '@n:[1 $missing]', '@n:[1,2]', '@n:[ 1 2 ]', '@n:1', '@n:[1 2]]', '@n:[[1 2]', '@n:[1]', '@n:[1 2 3 4 5]',
    '@g:{', '@g:{a', '@g:{a|}', '@g:{|a}', '@g:{}', '@g:{a b}', '@g:{a|b}', '@g:{a*}', '@g:{*a}', '@g:{*a*}',
    '@g:{$p}', '@g:{$missing}', '@g:{a}}', '@g:{{a}', '@g:{a\\ b}', '@g:a', '@g:{a|b|}', '@g:{ | }',
    "@g:{w'a*'}", '@g:{-a}', '@loc:[1 2 3 km]', '@loc:[1 2 3]', '@loc:[1 2 3 parsec]', '@loc:[a b c km]',
    '@loc:[1 2 3 km', '@loc:[1 2 -3 km]', '@loc:[200 100 3 km]', '*=>[KNN 3 @v $vec]', '*=>[KNN x @v $vec]',
    '*=>[KNN 3 @v $missing]', '*=>[KNN 3 @v]', '*=>[KNN 3 v $vec]', '*=>[KNN @v $vec]', '*=>[KNN 3 @v $vec',
    '*=>[KNN 3 @nosuch $vec]', '*=>[KNN 3 @t $vec]', '*=>[KNN -1 @v $vec]', '*=>[KNN 3 @v $vec AS]',
    '*=>[KNN 3 @v $vec FOO 1]', '*=>[knn 3 @v $vec]', '*=>[KNN 3 @v $vec]=>{$yield_distance_as: d}',
    'cat=>[KNN 3 @v $vec]', '*=>[KNN 3 @v $vec] cat', '@v:[VECTOR_RANGE 1 $vec]', '@v:[VECTOR_RANGE x $vec]',
    '@v:[VECTOR_RANGE 1]', '*=>[]', '*=>[KNN]', '$p', '$missing', '@t:$p', 'cat $missing', '$', '@', '@t',
    '@t:', '@:cat', '@t:(', '@t:()', '@nosuch:cat', '@t|t2:cat', '@t|:cat', 'cat=>{$weight: 2}',
    'cat=>{$weight: x}', 'cat=>{$weight 2}', 'cat=>{weight: 2}', 'cat=>{$weight: 2', 'cat=>{}',
    'cat=>{$slop: 1}', 'cat=>{$inorder: true}', 'cat=>{$nosuch: 1}', '(cat dog)=>{$slop: 1; $inorder: true}',
    'cat=>{$weight: 2;}', 'cat=>{$weight: $p}', '*ab*', '*ab', 'ab*', '**ab', 'ab**', '*a', 'a*', '*', '***',
    '*1*', '*$p*', '$p*', '*$p', 'cat\\', '\\', '\\-cat', 'cat\\-dog', '\\*', '\\|', 'ÜNÏCÖDÉ', 'ΑΒΓ', 'ДОМ',
    '日本語', 'ñandú', 'cat\xa0dog', '', ' ', '   ', '.', ',', '!', '#', '&', '^', ';', ':', 'cat:', 'cat:dog',
    'cat;dog', 'ismissing(@t)', 'ismissing(@nosuch)', 'ismissing(t)', 'ismissing(@t', 'isempty(@t)', '@n>1',
    '@n==1', '1 2 3', '-1', '1.5', '1e5', 'inf', '-inf', 'as', 'cat as dog', "w'cat'*", '@n > @n < 2',
    '(@n > 1', 'cat (@n > 1', '*=>[KNNX 3 @v $vec]', '@v:[VECTOR_RNG 1 $vec]', '@loc:[FOO $p]', '"a"*"',
    '@tx\\ ykm', 'cat=>{$slop: -2}', 'cat=>{$inorder: yes}', '@n == $p', '@n > $p)', '"cat dog" )', '"" )',
    "'' )", "@t|'':cat", 'ÜNÏCÖDÉ )', 'cat é )', '"cat"*', '*"cat"*', '-$p', '@n:[-$p 5]', '@n:[(1 ($p]',
    'infthe', "'infthe )", '+1inf )', '_ )', '_x', 'the=>{$weight: x}', '"the"=>{$weight: x}',
    'x as => {$inorder: tre}', '@v:[VECTOR_RANGE 1 $vec]=>{$yield_distance_as: d}',
    '*=>[KNN 3 @v $vec AS d]=>{$yield_distance_as: e}', '*=>[KNN 3 @v $vec]=>{$foo: 1}', '@loc:[1 2 3 5] *',
    '*=>[KNN $p @v $missing]',
    # Nesting deeper than the parsers' stacks: DIALECT 2 reports the overflow, DIALECT 1 starts afresh.
    "(" * 99 + "cat" + ")" * 99, "(" * 100, "(" * 101, "-" * 150 + "cat", "-(" * 130 + "x" + ")" * 130,
    "(" * 300 + "x" + ")" * 300,
]


@pytest.fixture(scope="module")
def pair(stack_port: int, server: ThreadedServer) -> Iterator[tuple[redis.Redis, redis.Redis]]:  # noqa: F811
    ref = redis.Redis(port=stack_port, protocol=2)
    ours = redis.Redis(port=server.port, protocol=2)
    for c in (ref, ours):
        c.flushall()
        c.execute_command("FT.CREATE", "idx", *SCHEMA)
        c.hset("d:1", mapping={"t": "hello world cat", "g": "a,b", "n": 1, "loc": "1,1", "v": VEC})
    yield ref, ours
    ref.close()
    ours.close()


def _outcome(c: redis.Redis, *args: Any) -> str:
    """"ok", or the error's text."""
    try:
        c.execute_command(*args)
    except redis.ResponseError as e:
        return str(e)
    return "ok"


@pytest.mark.parametrize("dialect", [1, 2])
def test_query_errors_match_redis_stack(pair: tuple[redis.Redis, redis.Redis], dialect: int) -> None:
    ref, ours = pair
    differences = []
    for query in CORPUS:
        for command in (("FT.EXPLAIN", "idx", query), ("FT.SEARCH", "idx", query, "NOCONTENT")):
            args = (*command, *PARAMS, "DIALECT", dialect)
            expected, got = _outcome(ref, *args), _outcome(ours, *args)
            if expected != got:
                differences.append(f"{command[0]} {query!r}: Redis Stack {expected!r}, RedVector {got!r}")
    assert not differences, "\n".join(differences)
    assert ours.ping()


WORDS = ["ÜNÏCÖDÉ", "ΑΒΓ", "ДОМ", "STRASSE", "Straße", "İstanbul", "ǅemal", "ΣΊΣΥΦΟΣ", "ÆØÅ", "ＡＢＣ",  # noqa: RUF001
         "Ⅻ", "ß", "ẞ", "Ω", "Ǆ", "MiXeD Ünïcode", "MiXeD\\ Ünïcode"]


def test_unicode_case_folding_matches_redis_stack(stack_port: int, server: ThreadedServer) -> None:  # noqa: F811
    """RediSearch 2.10 folds A-Z only, in TEXT and TAG fields alike: "ÜNÏCÖDÉ" is the term "ÜnÏcÖdÉ", and
    "ünïcödé" does not find it."""
    ref = redis.Redis(port=stack_port, protocol=2)
    ours = redis.Redis(port=server.port, protocol=2)
    try:
        for c in (ref, ours):
            c.flushall()
            c.execute_command("FT.CREATE", "u", "PREFIX", "1", "u:", "SCHEMA", "t", "TEXT", "g", "TAG",
                              "gc", "TAG", "CASESENSITIVE")
            for i, word in enumerate(WORDS):
                c.hset(f"u:{i}", mapping={"t": word, "g": word, "gc": word})
        for c in (ref, ours):
            assert c.execute_command("FT.TAGVALS", "u", "g")  # the index is built
        for field in ("g", "gc"):
            assert sorted(ref.execute_command("FT.TAGVALS", "u", field)) == \
                sorted(ours.execute_command("FT.TAGVALS", "u", field))
        for word in WORDS:
            for query in (word, word.lower(), f"@t:({word})", f"@g:{{{word}}}", f"@g:{{{word.lower()}}}",
                          f"@gc:{{{word}}}", f"@gc:{{{word.lower()}}}"):
                for dialect in (1, 2):
                    search = ("FT.SEARCH", "u", query, "NOCONTENT", "VERBATIM", "DIALECT", dialect)
                    assert sorted(ref.execute_command(*search)[1:]) == sorted(ours.execute_command(*search)[1:]), query
                    if not query.startswith("@g"):  # (FT.EXPLAIN of a tag shows the field's folding too)
                        explain = ("FT.EXPLAIN", "u", query, "VERBATIM", "DIALECT", dialect)
                        assert ref.execute_command(*explain) == ours.execute_command(*explain), query
    finally:
        ref.close()
        ours.close()
