"""The query parser's syntax errors and acceptances as Redis Stack 7.4.1 (RediSearch 2.10.5) gives them
(each expected text below was read off Redis Stack; tests/search/test_differential_query_errors.py
compares a larger corpus live), the Lemon-style LALR(1) tables behind them, and RediSearch's A-Z-only
case folding of terms and tags."""

from __future__ import annotations

import pytest

from redvector.errors import SearchError
from redvector.search.fields.tag import split_tags
from redvector.search.fields.tokens import fold_case, tokenize
from redvector.search.query.ast import Empty, Intersect, Not, NumericRange, Phrase, Tag, TagValue, Term, Union
from redvector.search.query.lalr import EOF, Grammar, ParseError, rule, run
from redvector.search.query.parser import parse_query
from redvector.search.query.syntax import check_syntax, lex_v2, tables
from redvector.search.schema import DEFAULT_STOPWORDS, parse_create

CREATE = [b"FT.CREATE", b"idx", b"PREFIX", b"1", b"d:", b"SCHEMA", b"t", b"TEXT", b"t2", b"TEXT", b"g", b"TAG",
          b"n", b"NUMERIC", b"loc", b"GEO", b"v", b"VECTOR", b"FLAT", b"6", b"TYPE", b"FLOAT32", b"DIM", b"2",
          b"DISTANCE_METRIC", b"L2"]
DEF = parse_create(CREATE)
PARAMS = {"p": b"hello", "vec": b"\x00\x00\x80?\x00\x00\x00@"}


def outcome(query: str, dialect: int) -> str:
    try:
        parse_query(query, DEF, PARAMS, dialect=dialect)
    except SearchError as e:
        return e.message
    return "ok"


# (query, DIALECT 1's outcome, DIALECT 2's outcome): Redis Stack's texts.
CASES = [
    # single quotes: a verbatim token no rule of DIALECT 2 takes; DIALECT 1 skips the quotes
    ("'cat'", "ok", "Syntax error at offset 0 near cat"),
    ("'hello world'", "ok", "Syntax error at offset 0 near hello world"),
    # an operator after a word or a stop word
    ("stop *", "Syntax error at offset 5 near stop", "Syntax error at offset 5 near stop"),
    ("the *", "Syntax error at offset 4 near the", "Syntax error at offset 4 near the"),
    ("the |", "Syntax error at offset 4 near the", "Syntax error at offset 4 near the"),
    ("cat |", "Syntax error at offset 4 near cat", "Syntax error at offset 4 near cat"),
    ("| cat", "Syntax error at offset 0 near ", "Syntax error at offset 0 near "),
    ("***", "Syntax error at offset 1 near ", "Syntax error at offset 1 near "),
    ("**ab", "Syntax error at offset 1 near ab", "Syntax error at offset 1 near ab"),
    ("ab**", "Syntax error at offset 3 near ab", "Syntax error at offset 3 near ab"),
    ("-", "Syntax error at offset 0 near ", "Syntax error at offset 0 near "),
    # brackets: a punctuation token shows the text of the last token that had one
    ("(", "Syntax error at offset 0 near ", "Syntax error at offset 0 near "),
    ("(cat", "Syntax error at offset 1 near cat", "Syntax error at offset 1 near cat"),
    ("cat)", "Syntax error at offset 3 near cat", "Syntax error at offset 3 near cat"),
    ("cat:", "Syntax error at offset 3 near cat", "Syntax error at offset 3 near cat"),
    (";", "Syntax error at offset 0 near ", "Syntax error at offset 0 near "),
    ("=>{", "Syntax error at offset 0 near >{", "Syntax error at offset 0 near >{"),
    # field modifiers, ranges, tags
    ("@t", "Syntax error at offset 0 near t", "Syntax error at offset 0 near t"),
    ("@t:", "Syntax error at offset 2 near t", "Syntax error at offset 2 near t"),
    ("@:cat", "Syntax error at offset 1 near ", "Syntax error at offset 1 near "),
    ("@t|:cat", "Syntax error at offset 3 near t", "Syntax error at offset 3 near t"),
    ("@n:[1", "Syntax error at offset 4 near 1", "Syntax error at offset 4 near 1"),
    ("@n:[a b]", "Syntax error at offset 4 near a", "Syntax error at offset 6 near b"),
    ("@n:[1 2 3]", "Syntax error at offset 9 near 3", "Syntax error at offset 9 near 3"),
    ("@g:{", "Syntax error at offset 3 near g", "Syntax error at offset 3 near g"),
    ("@g:{a|}", "Syntax error at offset 6 near a", "Syntax error at offset 6 near a"),
    ("@g:{}", "Syntax error at offset 4 near g", "Syntax error at offset 4 near g"),
    # a field name is unescaped in the query buffer itself: the bytes past its new end show
    ("@tx\\ ykm", "Syntax error at offset 0 near tx ykmm", "Syntax error at offset 0 near tx ykmm"),
    # numeric comparisons are DIALECT 2's, scanned as one piece with a token record of their own
    ("@n>1", "Syntax error at offset 3 near 1", "ok"),
    ("@n > @n < 2", "Syntax error at offset 5 near n", "Syntax error at offset 5 near n"),
    ("cat (@n > 1", "Syntax error at offset 10 near 1", "Syntax error at offset 4 near cat"),
    # vectors
    ("*=>[KNN x @v $vec]", "Syntax error at offset 1 near >[", "Syntax error at offset 8 near x"),
    ("*=>[]", "Syntax error at offset 1 near >[", "Syntax error at offset 4 near >["),
    ("*=>[KNN 3 @v $vec] cat", "Syntax error at offset 1 near >[", "Syntax error at offset 19 near cat"),
    ("*=>[KNNX 3 @v $vec]", "Syntax error at offset 1 near >[",
     "Syntax error: Expecting Vector Similarity command at offset 4 near KNNX"),
    ("@v:[VECTOR_RANGE x $vec]", "Syntax error at offset 4 near VECTOR_RANGE", "Syntax error at offset 17 near x"),
    ("@loc:[FOO $p]", "Syntax error at offset 6 near FOO", "Syntax error: Expecting a geoshape predicate at offset 10"),
    # parameters (DIALECT 1 has none) and query attributes
    ("$p", "Syntax error at offset 0 near p", "ok"),
    ("cat $missing", "Syntax error at offset 4 near missing", "No such parameter `missing`"),
    ("@n:[$p 2]", "Syntax error at offset 4 near p", "Bad lower range: hello"),
    ("@n == $p", "Syntax error at offset 6 near p", "Invalid numeric value (hello) for parameter `p`"),
    ("cat=>{$weight 2}", "Syntax error at offset 14 near 2", "Syntax error at offset 14 near 2"),
    ("cat=>{weight: 2}", "Syntax error at offset 6 near weight", "Syntax error at offset 6 near weight"),
    ("cat=>{$nosuch: 1}", "Invalid attribute nosuch", "Invalid attribute nosuch"),
    ("cat=>{$weight: x}", "Invalid value (x) for `weight`", "Invalid value (x) for `weight`"),
    ("cat=>{$slop: -2}", "Invalid value (-2) for `slop`", "Invalid value (-2) for `slop`"),
    ("the=>{$weight: x}", "ok", "ok"),  # attributes of a stop word go unchecked
    # fuzzy terms, quotes, escapes, unicode (offsets count bytes)
    ("%%%%cat%%%%", "Syntax error at offset 3 near ", "Syntax error at offset 3 near "),
    ("%cat%%", "Syntax error at offset 5 near cat", "Syntax error at offset 5 near cat"),
    ('"cat', "Syntax error at offset 1 near cat", "Syntax error at offset 1 near cat"),
    ('"cat dog" )', "Syntax error at offset 10 near dog", "Syntax error at offset 10 near cat dog"),
    ("cat é )", "Syntax error at offset 7 near é", "Syntax error at offset 7 near é"),
    ("ismissing(@t", "Syntax error at offset 10 near t", "Syntax error at offset 10 near t"),
    ("isempty(@t)", "Syntax error at offset 10 near t", "Syntax error at offset 10 near t"),
    # accepted by both
    ("", "ok", "ok"),
    ("   ", "ok", "ok"),
    ("\\|", "ok", "ok"),
    ("% cat %", "ok", "ok"),
    ("@n:[1,2]", "ok", "ok"),
    ("w'", "ok", "ok"),
    ("@g:{a", "ok", "Syntax error at offset 4 near a"),
    ("ismissing(t)", "ok", "Syntax error at offset 10 near t"),
    ("ismissing(@nosuch)", "Syntax error at offset 17 near nosuch", "ok"),
    # nesting past the parser's stack: an error in DIALECT 2, a fresh start in DIALECT 1
    ("(" * 100, "ok", "Syntax error at offset 99 near "),
    ("(" * 300 + "x" + ")" * 300, "Syntax error at offset 301 near x",
     "Parser stack overflow. Try moving nested parentheses more to the left"),
]


@pytest.mark.parametrize(("query", "d1", "d2"), CASES)
def test_errors_and_acceptances_as_redis_stack(query: str, d1: str, d2: str) -> None:
    assert outcome(query, 1) == d1
    assert outcome(query, 2) == d2


def test_the_syntax_check_alone() -> None:
    stop = frozenset(DEFAULT_STOPWORDS)
    assert check_syntax("hello world", 2, stop) is False
    with pytest.raises(SearchError) as e:
        check_syntax("'cat'", 2, stop)
    assert e.value.message == "Syntax error at offset 0 near cat"
    # A union whose first alternatives are stop words only: RediSearch 2.10.5 dereferences a NULL there
    # (the query crashes Redis Stack); here it parses, and the check says so.
    assert check_syntax("the | a | cat", 2, stop) is True
    assert parse_query("the | a | cat", DEF, {}) == Term("cat")


def test_clause_structure() -> None:
    # DIALECT 2: a field modifier takes one word; DIALECT 1: the words after it.
    assert parse_query("@t:hello world", DEF, {}) == Intersect((Term("hello", (b"t",)), Term("world")))
    assert parse_query("@t:hello world", DEF, {}, dialect=1) == \
        Intersect((Term("hello", (b"t",)), Term("world", (b"t",))), fields=(b"t",))
    # DIALECT 1: a prefix '-' takes what follows; DIALECT 2: one clause.
    assert parse_query("-foo bar", DEF, {}, dialect=1) == Not(Intersect((Term("foo", verbatim=True),
                                                                        Term("bar", verbatim=True))))
    assert parse_query("-foo bar", DEF, {}) == Intersect((Not(Term("foo", verbatim=True)), Term("bar")))
    # Stop words drop out of intersections and unions; only stop words: nothing matches.
    assert parse_query("the cat | a", DEF, {}) == Term("cat")
    assert parse_query("-the", DEF, {}) == Empty()
    # Words in a tag are one tag; a numeric comparison.
    assert parse_query("@g:{x  y|z}", DEF, {}) == Tag(b"g", (TagValue(b"x y"), TagValue(b"z")))
    assert parse_query("@n != 3", DEF, {}) == Not(NumericRange(b"n", 3.0, 3.0))
    assert parse_query('"quick fox"', DEF, {}) == Phrase(((0, "quick"), (1, "fox")), verbatim=True)
    # '|' binds loosest in DIALECT 2, after runs of words in DIALECT 1.
    assert parse_query("x|y z", DEF, {}) == Union((Term("x"), Intersect((Term("y"), Term("z")))))
    assert parse_query("x|y z", DEF, {}, dialect=1) == Union((Term("x"), Intersect((Term("y"), Term("z")))))
    assert parse_query("x|y @n:[1 2]", DEF, {}, dialect=1) == \
        Intersect((Union((Term("x"), Term("y"))), NumericRange(b"n", 1.0, 2.0)))


def test_escaped_line_break_stays_in_a_tag() -> None:
    assert parse_query("@g:{x\\\r\\\ny}", DEF, {}) == Tag(b"g", (TagValue(b"x\r\ny"),))
    assert parse_query("@g:{x\r\ny}", DEF, {}) == Tag(b"g", (TagValue(b"x y"),))


def test_scanner_tokens() -> None:
    kinds = [k for k, _ in lex_v2(b'@n >= 3 "a b"* w\'x?\' \'v\' as ismissing 1.5 12')]
    assert kinds == ["MODIFIER", "NUMOP", "NUMVAL", "PREFIX", "WILDCARD", "VERBATIM", "AS_T", "ISMISSING",
                     "NUMBER", "SIZE", EOF]


def test_case_folding_is_a_to_z_only() -> None:
    assert fold_case("ÜNÏCÖDÉ") == "ÜnÏcÖdÉ"
    assert fold_case("HELLO") == "hello"
    assert tokenize("ΑΒΓ ДОМ Straße") == ["ΑΒΓ", "ДОМ", "straße"]
    assert split_tags(b"\xc3\x9cX,ABC", b",", False) == [b"\xc3\x9cx", b"abc"]
    assert split_tags(b"\xc3\x9cX,ABC", b",", True) == [b"\xc3\x9cX", b"ABC"]
    assert parse_query("ÜNÏCÖDÉ", DEF, {}) == Term("ÜnÏcÖdÉ")
    assert parse_query("@g:{ÜX}", DEF, {}) == Tag(b"g", (TagValue("Üx".encode()),))


def test_lalr_tables_resolve_conflicts_as_lemon() -> None:
    """A toy expression grammar: precedence and associativity settle the conflicts, and the error names
    the first token no action takes."""
    g = Grammar(["NUM", "PLUS", "TIMES", "LP", "RP"], [("left", ["PLUS"]), ("left", ["TIMES"])], [
        rule("s ::= e"), rule("e ::= e PLUS e", "add"), rule("e ::= e TIMES e", "mul"), rule("e ::= LP e RP", "group"),
        rule("e ::= NUM", "num"),
    ])
    t = g.build()

    class Calc:
        def add(self, a: int, op: str, b: int) -> int:
            return a + b

        def mul(self, a: int, op: str, b: int) -> int:
            return a * b

        def group(self, lp: str, a: int, rp: str) -> int:
            return a

        def num(self, n: str) -> int:
            return int(n)

    handlers = [getattr(Calc, r.name) if r.name else None for r in t.rules]

    def calc(*toks: str) -> int:
        kinds = {"+": "PLUS", "*": "TIMES", "(": "LP", ")": "RP"}
        stream = [(kinds.get(x, "NUM"), x) for x in toks] + [(EOF, "$")]
        return int(run(t, stream, handlers, handler=Calc()))

    assert calc("2", "+", "3", "*", "4") == 14
    assert calc("(", "2", "+", "3", ")", "*", "4") == 20
    with pytest.raises(ParseError) as e:
        calc("2", "+", ")")
    assert e.value.token == ")"
    with pytest.raises(ParseError) as e:
        calc("(", "2")
    assert e.value.token == "$"


def test_tables_build_once() -> None:
    assert tables(2) is tables(2)
    assert tables(1) is not tables(2)
