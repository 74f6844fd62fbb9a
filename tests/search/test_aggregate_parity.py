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
    assert rows[0]["__generated_aliascount_distinctishg"] == b"2"
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
