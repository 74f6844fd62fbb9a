"""FT.AGGREGATE behaviours matched to Redis Stack 7.4 (RediSearch 2.10) by differential fuzzing, checked on
RedVector alone: streaming totals, SORTBY + LIMIT as one step, the date / string / geo functions,
reducers, error texts and where the pipeline's options may stand."""

from __future__ import annotations

from typing import Any

import pytest
import redis


def setup(r: redis.Redis) -> None:
    r.execute_command("FT.CREATE", "idx", "PREFIX", "1", "d:", "SCHEMA", "t", "TEXT", "n", "NUMERIC", "SORTABLE",
                      "m", "NUMERIC", "g", "TAG")
    for i in range(12):
        doc: dict[str, Any] = {"t": f"word{i % 3} common", "g": "a" if i % 2 else "b"}
        if i % 4:
            doc["n"] = i
        doc["m"] = "0.3333333333333333" if i == 5 else str(i * 10)
        r.hset(f"d:{i:02d}", mapping=doc)


def agg(r: redis.Redis, *args: Any) -> tuple[int, list[dict[str, Any]]]:
    reply = r.execute_command("FT.AGGREGATE", "idx", *args)
    if isinstance(reply, dict):
        return reply[b"total_results"], [{k.decode(): v for k, v in row[b"extra_attributes"].items()}
                                         for row in reply[b"results"]]
    return reply[0], [{row[i].decode(): row[i + 1] for i in range(0, len(row), 2)} for row in reply[1:]]


def test_streaming_total_counts_documents_read(r: redis.Redis) -> None:
    setup(r)
    assert agg(r, "*", "LIMIT", "0", "3")[0] == 1  # the header goes out with the first row
    assert agg(r, "*", "LIMIT", "2", "3")[0] == 3
    assert agg(r, "*", "LOAD", "1", "@n", "FILTER", "exists(@n)", "LIMIT", "0", "2")[0] == 2  # d:00 fails
    total, rows = agg(r, "*", "LIMIT", "1", "0")  # allowed, no rows, every document counted
    assert (total, rows) == (12, [])
    assert agg(r, "*", "LIMIT", "2", "3", "FILTER", "0") == (5, [])  # stopped at the page


def test_sortby_defaults_to_ten_rows_and_merges_with_limit(r: redis.Redis) -> None:
    setup(r)
    total, rows = agg(r, "*", "SORTBY", "2", "@m", "ASC")
    assert total == 12 and len(rows) == 10 and rows[1]["m"] == b"0.333333333333"  # NUMERIC loads as a number
    assert len(agg(r, "*", "SORTBY", "2", "@m", "ASC", "MAX", "3", "LIMIT", "0", "11")[1]) == 11
    # the LIMIT joins the SORTBY before the FILTER: sorted, paged, then filtered
    assert agg(r, "*", "SORTBY", "2", "@m", "ASC", "FILTER", "@m > 30", "LIMIT", "0", "3")[1] == []
    with pytest.raises(redis.ResponseError, match=r"^Multiple SORTBY steps are not allowed"):
        agg(r, "*", "SORTBY", "1", "@n", "SORTBY", "1", "@m")


def test_failing_row_while_streaming_keeps_earlier_rows(r: redis.Redis) -> None:
    setup(r)
    with pytest.raises(redis.ResponseError, match="n: has no value"):
        agg(r, "*", "APPLY", "@n * 2", "AS", "x")  # d:00 has no n: nothing went out
    _, rows = agg(r, "@t:word1", "APPLY", "@n * 2", "AS", "x")  # d:01, d:04 (no n), ...
    assert [row["x"] for row in rows] == [b"2"]


def test_functions(r: redis.Redis) -> None:
    setup(r)
    _, rows = agg(r, "*", "APPLY", 'split(" a, b ,,c ")', "AS", "s", "APPLY", "timefmt(1700000000)", "AS", "tf",
                  "APPLY", "hour(1700000000.7)", "AS", "h", "APPLY", 'parsetime("2024-01-15", "%Y-%m-%d")', "AS", "p",
                  "APPLY", "dayofweek(1700000000)", "AS", "dw", "APPLY", "monthofyear(1700000000)", "AS", "mo",
                  "APPLY", 'geodistance("2.35,48.85", "-122.41,37.77")', "AS", "gd",
                  "APPLY", 'substr("hello", -3, -1)', "AS", "sub", "APPLY", 'format("%s-%%-%s", 1.5, "a")', "AS", "f",
                  "APPLY", "-7 % 3", "AS", "mod", "APPLY", "sqrt(-1)", "AS", "nan", "APPLY", 'contains("aaa", "aa")',
                  "AS", "c", "LIMIT", "0", "1")
    assert rows[0] == {"s": [b"a", b"b", b"c"], "tf": b"2023-11-14T22:13:20Z", "h": b"1699999200",
                       "p": b"1705276800", "dw": b"2", "mo": b"10", "gd": b"8956367", "sub": b"ll",
                       "f": b"1.5-%-a", "mod": b"-1", "nan": b"-nan", "c": b"2"}


@pytest.mark.parametrize(("expr", "error"), [
    ('format("%d", 1)', "Unknown format specifier passed"),
    ('format("%s")', "Not enough arguments for format"),
    ('to_number("abc")', "to_number: cannot convert string 'abc'"),
    ('"a" + 1', "Could not convert value to a number"),
    ("upper(1, 2)", "Invalid arguments for function 'upper'"),
    ("strlen(3)", "Invalid type (1) for argument 0 in function 'strlen'. VALIDATE_ARG__STRING(v, 0) was false."),
])
def test_expression_errors(r: redis.Redis, expr: str, error: str) -> None:
    setup(r)
    with pytest.raises(redis.ResponseError) as exc:
        agg(r, "*", "APPLY", expr, "AS", "x")
    assert str(exc.value) == error


def test_reducers(r: redis.Redis) -> None:
    setup(r)
    _, rows = agg(r, "*", "GROUPBY", "0", "REDUCE", "QUANTILE", "2", "@n", "0.5", "AS", "q",
                  "REDUCE", "FIRST_VALUE", "4", "@t", "BY", "@m", "DESC", "AS", "fv",
                  "REDUCE", "RANDOM_SAMPLE", "2", "@g", "3", "AS", "rs", "REDUCE", "MAX", "1", "@t", "AS", "mx",
                  "REDUCE", "COUNT_DISTINCTISH", "1", "@g")
    assert rows[0]["q"] == b"6" and rows[0]["fv"] == b"word2 common" and len(rows[0]["rs"]) == 3
    assert rows[0]["mx"] == b"0"  # text reads as 0
    assert rows[0]["__generated_aliascount_distinctishg"] == b"1"  # "a" and "b" share a HyperLogLog register
    with pytest.raises(redis.ResponseError, match=r"^Percentage must be between 0\.0 and 1\.0$"):
        agg(r, "*", "GROUPBY", "0", "REDUCE", "QUANTILE", "2", "@n", "2")
    with pytest.raises(redis.ResponseError, match=r"^Property `x` specified more than once$"):
        agg(r, "*", "GROUPBY", "0", "REDUCE", "SUM", "1", "@n", "AS", "x", "REDUCE", "MAX", "1", "@n", "AS", "x")


@pytest.mark.parametrize(("args", "error"), [
    (("GROUPBY", "1", "@nope"), "No such property `nope`"),
    (("GROUPBY", "1", "@n", "REDUCE", "SUM", "1", "@nope"), "Property `nope` not present in document or pipeline"),
    (("SORTBY", "1", "@nope"), "Property `nope` not loaded nor in schema"),
    (("GROUPBY", "1", "@n", "SORTBY", "1", "@t"), "Property `t` not loaded nor in schema"),
    (("GROUPBY", "1", "@n", "LOAD", "1", "@m"), "LOAD cannot be applied after projectors or reducers"),
    (("FILTER", "1", "ADDSCORES"), "Unknown argument `ADDSCORES` at position 3 for <main>"),
    (("LOAD", "1", "@n", "VERBATIM"), "Unknown argument `VERBATIM` at position 4 for <main>"),
    (("LOAD", "1", "@n", "SORTBY", "1", "@nope", "VERBATIM"), "Unknown argument `VERBATIM` at position 7 for <main>"),
])
def test_pipeline_errors(r: redis.Redis, args: tuple[str, ...], error: str) -> None:
    setup(r)
    with pytest.raises(redis.ResponseError) as exc:
        agg(r, "*", *args)
    assert str(exc.value) == error


def test_options_before_steps_and_default_scorer(r: redis.Redis) -> None:
    setup(r)
    assert len(agg(r, "*", "SORTBY", "1", "@n", "SCORER", "TFIDF", "LIMIT", "0", "1")[1]) == 1
    _, rows = agg(r, "word1", "ADDSCORES", "SORTBY", "2", "@__score", "DESC")
    default = [row["__score"] for row in rows]
    _, rows = agg(r, "word1", "ADDSCORES", "SCORER", "BM25STD", "SORTBY", "2", "@__score", "DESC")
    assert default == [row["__score"] for row in rows]  # FT.AGGREGATE's default is FT.SEARCH's, BM25STD
    _, rows = agg(r, "word1", "ADDSCORES", "SCORER", "TFIDF", "SORTBY", "2", "@__score", "DESC")
    assert default != [row["__score"] for row in rows]


# -- from the second differential fuzz: values RediSearch 2.10 computes, as Redis Stack 7.4.1 replied --------
def one(r: redis.Redis, *args: Any) -> dict[str, Any]:
    """The first row of ``FT.AGGREGATE idx * <args> LIMIT 0 1``."""
    return agg(r, "*", *args, "LIMIT", "0", "1")[1][0]


def assert_apply_errors(r: redis.Redis, cases: tuple[tuple[str, str], ...]) -> None:
    """Each APPLY expression fails with exactly its error text."""
    for text, error in cases:
        with pytest.raises(redis.ResponseError) as exc:
            one(r, "APPLY", text, "AS", "a")
        assert str(exc.value) == error


def test_numbers_read_as_strtod_reads_them(r: redis.Redis) -> None:
    setup(r)
    row = one(r, "APPLY", '"" + 1', "AS", "a", "APPLY", '" 1" + 1', "AS", "b", "APPLY", '"0x10" + 1', "AS", "c",
              "APPLY", '"5." + 1', "AS", "d", "APPLY", "to_number(\"\")", "AS", "e")
    assert row == {"a": b"1", "b": b"2", "c": b"17", "d": b"6", "e": b"0"}
    for text in ('"1 " + 1', '"1_0" + 1', '"1e400" + 1', "upper(1) + 1"):  # trailing text, range, null
        with pytest.raises(redis.ResponseError, match=r"^Could not convert value to a number$"):
            one(r, "APPLY", text, "AS", "a")


def test_comparisons_as_rsvalue_cmp(r: redis.Redis) -> None:
    setup(r)
    row = one(r, "APPLY", '"10" < "9"', "AS", "a", "APPLY", '10 < "9"', "AS", "b", "APPLY", '1 == "a"', "AS", "c",
              "APPLY", "(0/0) == 1", "AS", "d", "APPLY", "upper(1) < 1", "AS", "e", "APPLY", "upper(1) == 1", "AS", "f")
    assert row == {"a": b"1", "b": b"0", "c": b"0", "d": b"1", "e": b"1", "f": b"0"}  # text bytewise; NaN equal
    assert_apply_errors(r, (('1e3 <= "Apple"', "Error converting string 'Apple' to number"),
                            ('split("q") < 1', "Error converting string '(null)' to number")))


def test_expression_grammar(r: redis.Redis) -> None:
    setup(r)
    row = one(r, "APPLY", "2 * 3 ^ 2", "AS", "a", "APPLY", "2 ^ 3 ^ 2", "AS", "b", "APPLY", "!0 + 1", "AS", "c",
              "APPLY", "3 > 2 > 1", "AS", "d", "APPLY", "!1 < 2", "AS", "e", "APPLY", "1 || 0 && 0", "AS", "f",
              "APPLY", "1 + !0 * 5", "AS", "g", "APPLY", "--2", "AS", "h", "APPLY", "1--1", "AS", "i",
              "APPLY", ".5 + 1", "AS", "j")
    assert row == {"a": b"36", "b": b"64", "c": b"0", "d": b"0", "e": b"0", "f": b"0", "g": b"2", "h": b"2",
                   "i": b"2", "j": b"6"}
    assert_apply_errors(r, (("1-1", "Syntax error at offset 1 near '-1'"), ("-(1)", "Syntax error at offset 1 near ''"),
                            ("-@n", "Syntax error at offset 1 near 'n'"), ("(1, 2)", "Syntax error at offset 2 near '1'"),
                            ('upper("a",)', "Syntax error at offset 10 near '\"a\"'"),
                            ("(1", "Syntax error at offset 1 near '1'"), ("upper", "Unknown symbol 'upper'")))


def test_function_arguments_counted_when_called(r: redis.Redis) -> None:
    setup(r)
    assert agg(r, "nomatch", "APPLY", "abs(1, 2)", "AS", "a", "APPLY", "upper()", "AS", "b") == (0, [])
    assert_apply_errors(r, (("abs(1, 2)", "Invalid number of arguments for fabs"),
                            ("split()", "Invalid number of arguments for split"),
                            ("format()", "Need at least one argument for format"),
                            ("timefmt()", "Invalid arguments for function 'time'"),
                            ("upper(1, 2)", "Invalid arguments for function 'upper'")))


def test_functions_of_nulls_arrays_and_text(r: redis.Redis) -> None:
    setup(r)
    row = one(r, "APPLY", "log(upper(1))", "AS", "a", "APPLY", 'sqrt("4")', "AS", "b", "APPLY", "log(0 - 1)", "AS", "c",
              "APPLY", "exists(upper(1))", "AS", "d", "APPLY", "to_str(upper(1))", "AS", "e",
              "APPLY", 'format("%s", split("a"))', "AS", "f", "APPLY", "2 ^ 1000", "AS", "g",
              "APPLY", "5 % (1/0)", "AS", "h", "APPLY", "(1/0) % 5", "AS", "i",
              "APPLY", 'geodistance(5, "1,2")', "AS", "j", "APPLY", 'geodistance("1", 2, "3,4")', "AS", "k")
    assert row == {"a": b"nan", "b": b"2", "c": b"-nan", "d": b"1", "e": b"", "f": b"", "g": b"1.07150860719e+301",
                   "h": b"5", "i": b"-3", "j": b"nan", "k": b"314371.93"}
    assert_apply_errors(r, (("substr(upper(1), 0, 1)", "Invalid type for substr. Expected string"),
                            ('geodistance("1,2", "3 ,4")', "Invalid geo string")))


def test_matched_terms(r: redis.Redis) -> None:
    setup(r)
    r.hset("d:20", mapping={"t": "running word1", "g": "c"})
    _, rows = agg(r, "word1|running", "LOAD", "1", "@__key", "APPLY", "matched_terms()", "AS", "m")
    assert {row["__key"]: row["m"] for row in rows}[b"d:20"] == [b"word1", b"running", b"+run"]
    _, rows = agg(r, "@g:{c}", "APPLY", "matched_terms()", "AS", "m", "APPLY", "matched_terms(1)", "AS", "one")
    assert rows == [{"m": [b"c"], "one": [b"c"]}]
    _, rows = agg(r, "@g:{c}", "SORTBY", "1", "@n", "APPLY", "matched_terms()", "AS", "m")
    assert rows == [{"m": None}]  # the sorter keeps no index results
    assert agg(r, "*", "APPLY", "matched_terms()", "AS", "m", "LIMIT", "0", "1")[1] == [{"m": None}]


def test_first_row_to_fail_decides_and_rows_before_go_out(r: redis.Redis) -> None:
    setup(r)  # d:00 has no n; every document has m
    with pytest.raises(redis.ResponseError, match=r"^n: has no value"):  # d:00 fails at the second APPLY
        agg(r, "*", "LOAD", "1", "@m", "APPLY", "@m * 2", "AS", "x", "APPLY", "@n * 2", "AS", "y", "GROUPBY", "0")
    # past the last SORTBY, the rows before the failing one go out; RESP3 adds the error as the warning
    reply = r.execute_command("FT.AGGREGATE", "idx", "*", "SORTBY", "2", "@n", "DESC", "APPLY", "@n * 2", "AS", "x")
    if isinstance(reply, dict):
        assert reply[b"warning"] == [b"n: has no value, consider using EXISTS if applicable"]
        assert len(reply[b"results"]) == 9
    else:
        assert len(reply) == 1 + 9
    # a sortable text or tag an expression read, that a later LOAD takes over, fails without its name
    r.execute_command("FT.CREATE", "idx2", "PREFIX", "1", "e:", "SCHEMA", "t", "TEXT", "SORTABLE")
    r.hset("e:1", mapping={"g": "a"})  # no t
    with pytest.raises(redis.ResponseError, match=r"^\(null\): has no value"):
        r.execute_command("FT.AGGREGATE", "idx2", "*", "APPLY", "@t", "AS", "x", "LOAD", "1", "@t")


def test_pipeline_errors_in_step_order(r: redis.Redis) -> None:
    setup(r)
    for args, error in (
        (("GROUPBY", "1", "@nope", "REDUCE", "COUNT", "0", "AS", "c", "REDUCE", "COUNT", "0", "AS", "c"),
         "No such property `nope`"),
        (("GROUPBY", "0", "REDUCE", "SUM", "1", "@nope", "APPLY", "1 +", "AS", "x"),
         "Property `nope` not present in document or pipeline"),
        (("APPLY", "1 +", "AS", "x", "GROUPBY", "0", "REDUCE", "SUM", "1", "@nope"), "Syntax error at offset 2 near '1'"),
        (("LIMIT", "3", "5", "APPLY", "floor(@n)", "AS", "v", "SORTBY", "4", "@v", "ASC", "@nope", "DESC"),
         "Property `v` not loaded nor in schema"),  # the SORTBY joins the LIMIT's step, before the APPLY
        (("GROUPBY", "1", "@__key"), "No such property `__key`"),
        (("SORTBY", "1", "@__key"), "Property `__key` not loaded nor in schema"),
        (("LOAD", "*", "APPLY", "@nope", "AS", "x"), "Property `nope` not loaded nor in pipeline"),
    ):
        with pytest.raises(redis.ResponseError) as exc:
            agg(r, "*", *args)
        assert str(exc.value) == error


def test_reducers_as_redisearch_computes_them(r: redis.Redis) -> None:
    setup(r)  # n: missing on d:00, d:04, d:08; t: text
    _, rows = agg(r, "*", "GROUPBY", "0", "REDUCE", "AVG", "1", "@n", "AS", "avg", "REDUCE", "AVG", "1", "@t",
                  "AS", "text", "REDUCE", "QUANTILE", "2", "@t", "0.5", "AS", "q", "REDUCE", "STDDEV", "1", "@t", "AS", "sd",
                  "REDUCE", "FIRST_VALUE", "1", "@n", "AS", "first", "REDUCE", "COUNT_DISTINCTISH", "1", "@m", "AS", "cd")
    # AVG divides by every row (54 / 12); text is no number (AVG 0, no values for QUANTILE and STDDEV); the
    # first row's value, null where it has none; COUNT_DISTINCTISH's HyperLogLog estimate (these 12 numbers'
    # hashes fill only 4 of its registers)
    assert rows == [{"avg": b"4.5", "text": b"0", "q": b"0", "sd": b"0", "first": None, "cd": b"4"}]
    r.hset("d:20", mapping={"t": "x", "n": 5, "m": 1, "g": "c"})
    r.hset("d:21", mapping={"t": "y", "m": 2, "g": "c"})
    r.hset("d:22", mapping={"t": "z", "n": 3, "m": 3, "g": "c"})
    _, rows = agg(r, "@g:{c}", "GROUPBY", "0", "REDUCE", "FIRST_VALUE", "4", "@m", "BY", "@n", "ASC", "AS", "asc",
                  "REDUCE", "FIRST_VALUE", "4", "@m", "BY", "@n", "DESC", "AS", "desc")
    assert rows == [{"asc": b"3", "desc": b"1"}]


def test_tolist_keeps_nulls_and_groupby_expands_arrays(r: redis.Redis) -> None:
    setup(r)
    r.hset("d:20", mapping={"t": "x", "g": "c"})  # no n
    _, rows = agg(r, "@g:{c}", "GROUPBY", "2", "@n", "@g", "GROUPBY", "1", "@g", "REDUCE", "TOLIST", "1", "@n", "AS", "l")
    assert rows == [{"g": b"c", "l": [None]}]  # a null group key is a value TOLIST keeps
    _, rows = agg(r, "*", "GROUPBY", "1", "@g", "REDUCE", "TOLIST", "1", "@g", "AS", "l", "GROUPBY", "1", "@l",
                  "REDUCE", "COUNT", "0", "AS", "c")
    assert sorted(rows, key=repr) == [{"l": b"a", "c": b"1"}, {"l": b"b", "c": b"1"}, {"l": b"c", "c": b"1"}]


def test_groups_whose_hashes_collide_are_one(r: redis.Redis) -> None:
    """RediSearch's grouper keys groups by a 64-bit FNV hash of the values alone: (0, null) and (null, "")
    hash alike (0.0's bytes leave the hash at 0, "" too, a null adds 1)."""
    r.execute_command("FT.CREATE", "idx", "PREFIX", "1", "d:", "SCHEMA", "n", "NUMERIC", "SORTABLE", "s", "TAG", "SORTABLE")
    r.hset("d:1", mapping={"n": "0"})
    r.hset("d:2", mapping={"s": ""})
    _, rows = agg(r, "*", "GROUPBY", "2", "@n", "@s", "REDUCE", "COUNT", "0", "AS", "c")
    assert rows == [{"n": b"0", "s": None, "c": b"2"}]


def test_sortby_ties_and_missing_values(r: redis.Redis) -> None:
    setup(r)  # g: a on odd documents, b on even ones; n missing on d:00, d:04, d:08
    keys = [row["__key"] for row in agg(r, "*", "LOAD", "1", "@__key", "SORTBY", "2", "@g", "DESC", "MAX", "12")[1]]
    assert keys[:3] == [b"d:10", b"d:08", b"d:06"]  # ties by document, in the last key's direction
    keys = [row["__key"] for row in agg(r, "*", "LOAD", "1", "@__key", "SORTBY", "2", "@n", "DESC", "MAX", "12")[1]]
    assert keys[-3:] == [b"d:08", b"d:04", b"d:00"]  # without the key: last, whichever the direction
    _, rows = agg(r, "*", "GROUPBY", "1", "@n", "SORTBY", "2", "@n", "ASC", "LIMIT", "0", "2")
    assert rows == [{"n": None}, {"n": b"1"}]  # a null group key sorts first
    # an APPLY of a bare property stores a reference, and the sorter finds references equal: document order
    _, rows = agg(r, "@n:[1 20]", "LOAD", "1", "@m", "APPLY", "@m", "AS", "x", "SORTBY", "2", "@x", "ASC", "MAX", "3")
    assert [row["x"] for row in rows] == [b"10", b"20", b"30"]  # d:01, d:02, d:03 (d:05's m is 0.333...)
    _, rows = agg(r, "@n:[1 20]", "LOAD", "1", "@m", "APPLY", "@m + 0", "AS", "x", "SORTBY", "2", "@x", "ASC", "MAX", "3")
    assert [row["x"] for row in rows] == [b"0.333333333333", b"10", b"20"]


def test_cursor_pages(r: redis.Redis) -> None:
    setup(r)

    def pages(*args: Any) -> list[tuple[int, int, bool]]:
        page, cid = r.execute_command("FT.AGGREGATE", "idx", *args)
        out = []
        while True:
            total = page[b"total_results"] if isinstance(page, dict) else page[0]
            out.append((total, len(page[b"results"]) if isinstance(page, dict) else len(page) - 1, bool(cid)))
            if not cid:
                return out
            page, cid = r.execute_command("FT.CURSOR", "READ", "idx", cid)

    # a full page keeps the cursor (the read after it may be empty); a later page counts the documents read
    # since the one before
    assert pages("*", "WITHCURSOR", "COUNT", "6") == [(1, 6, True), (1, 6, True), (0, 0, False)]
    assert pages("*", "LIMIT", "0", "2", "WITHCURSOR", "COUNT", "3") == [(1, 2, True), (0, 0, False)]
    assert pages("*", "SORTBY", "1", "@n", "MAX", "2", "WITHCURSOR", "COUNT", "3") == [(12, 2, False)]
    assert pages("*", "GROUPBY", "1", "@g", "WITHCURSOR", "COUNT", "1") == [(2, 1, True), (0, 1, True), (0, 0, False)]
    # a failing row is met by the read that gets to it
    _, cid = r.execute_command("FT.AGGREGATE", "idx", "-@t:word0", "APPLY", "@n * 2", "AS", "x", "WITHCURSOR",
                               "COUNT", "1")  # d:01, d:02, then d:04 without n
    assert cid
    with pytest.raises(redis.ResponseError, match=r"^n: has no value"):
        while cid:
            _, cid = r.execute_command("FT.CURSOR", "READ", "idx", cid)


def test_load_star_field_order_and_values(r: redis.Redis) -> None:
    r.execute_command("FT.CREATE", "idx", "PREFIX", "1", "d:", "SCHEMA", "n", "NUMERIC", "SORTABLE", "t", "TEXT", "SORTABLE")
    r.hset("d:1", mapping={"x": "1", "t": "Hello", "n": "1e3"})
    r.hset("d:2", mapping={"y": "2", "n": "5"})
    _, rows = agg(r, "*", "SORTBY", "2", "@n", "DESC", "APPLY", "upper(@t)", "AS", "u", "LOAD", "*")
    # the pipeline's keys (n, t, u) first, then the documents' fields as first met; LOAD * reads what is
    # stored (over the sorting vector's "hello" and 1000), not over an APPLY's value
    assert rows == [{"n": b"1e3", "t": b"Hello", "u": b"HELLO", "x": b"1"}]
    _, rows = agg(r, "*", "APPLY", "7", "AS", "n", "LOAD", "*")
    assert rows == [{"n": b"7", "x": b"1", "t": b"Hello"}, {"n": b"7", "y": b"2"}]


def test_limit_bounded_by_maxaggregateresults(r: redis.Redis) -> None:
    setup(r)
    assert len(agg(r, "*", "LIMIT", "0", "100000000")[1]) == 12  # unlimited by default, as RediSearch
    r.execute_command("FT.CONFIG", "SET", "MAXAGGREGATERESULTS", "10")
    try:
        with pytest.raises(redis.ResponseError, match=r"^LIMIT exceeds maximum of 10$"):
            agg(r, "*", "LIMIT", "0", "11")
        assert len(agg(r, "*", "SORTBY", "1", "@n", "MAX", "11")[1]) == 11  # MAX is not bounded
    finally:
        r.execute_command("FT.CONFIG", "SET", "MAXAGGREGATERESULTS", "unlimited")
