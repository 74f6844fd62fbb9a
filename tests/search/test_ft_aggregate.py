"""FT.AGGREGATE: LOAD, APPLY, FILTER, GROUPBY/REDUCE, SORTBY MAX, LIMIT, ADDSCORES, KNN in distance order,
WITHCURSOR + FT.CURSOR, through redis-py's aggregation API and raw replies."""

from __future__ import annotations

import numpy as np
import pytest
import redis
from redis.commands.search import reducers
from redis.commands.search.aggregation import AggregateRequest, Asc, Desc

from tests.search.helpers import blob, hset


def setup(r: redis.Redis) -> None:
    r.execute_command("FT.CREATE", "idx", "PREFIX", "1", "p:", "SCHEMA", "name", "TEXT", "cat", "TAG",
                      "price", "NUMERIC", "SORTABLE", "v", "VECTOR", "FLAT", "6", "TYPE", "FLOAT32", "DIM", "2",
                      "DISTANCE_METRIC", "L2")
    for i in range(9):
        hset(r, f"p:{i}", {"name": f"item {i}", "cat": ["a", "b", "c"][i % 3], "price": i * 10,
                           "v": blob([i, 0])})


def rows(reply: object) -> list[dict[str, str]]:
    out = []
    for row in reply.rows:  # type: ignore[attr-defined]
        out.append({row[i].decode(): row[i + 1].decode() if isinstance(row[i + 1], bytes) else row[i + 1]
                    for i in range(0, len(row), 2)})
    return out


def test_groupby_reducers_sortby(client: redis.Redis) -> None:
    setup(client)
    req = AggregateRequest("*").group_by("@cat", reducers.count().alias("n"), reducers.sum("@price").alias("total"),
                                         reducers.avg("@price").alias("avg"), reducers.max("@price").alias("mx"),
                                         reducers.min("@price").alias("mn"),
                                         reducers.tolist("@name").alias("names")).sort_by(Desc("@total"))
    got = rows(client.ft("idx").aggregate(req))
    assert [(g["cat"], g["n"], g["total"], g["avg"], g["mx"], g["mn"]) for g in got] == [
        ("c", "3", "150", "50", "80", "20"), ("b", "3", "120", "40", "70", "10"), ("a", "3", "90", "30", "60", "0")]
    assert sorted(x.decode() for x in got[0]["names"]) == ["item 2", "item 5", "item 8"]  # type: ignore[attr-defined]


def test_load_apply_filter_limit(client: redis.Redis) -> None:
    setup(client)
    req = AggregateRequest("@cat:{a|b}").load("@price").apply(double="@price * 2").filter("@double > 50") \
        .sort_by(Asc("@price")).limit(0, 2).dialect(2)
    got = rows(client.ft("idx").aggregate(req))
    assert [(g["price"], g["double"]) for g in got] == [("30", "60"), ("40", "80")]


def test_knn_aggregate_in_distance_order_with_scores(r: redis.Redis) -> None:
    setup(r)
    reply = r.execute_command("FT.AGGREGATE", "idx", "*=>[KNN 3 @v $q AS d]", "ADDSCORES", "LOAD", "1", "@name",
                              "APPLY", "@d + 1", "AS", "d1", "PARAMS", "2", "q", blob([6.2, 0]), "DIALECT", "2")
    if isinstance(reply, dict):
        got = [{k.decode(): v for k, v in row[b"extra_attributes"].items()} for row in reply[b"results"]]
    else:
        got = [{reply_row[i].decode(): reply_row[i + 1] for i in range(0, len(reply_row), 2)} for reply_row in reply[1:]]
    assert [g["name"] for g in got] == [b"item 6", b"item 7", b"item 5"]
    assert float(got[0]["d1"]) == np.float32(0.2) ** 2 + 1 or abs(float(got[0]["d1"]) - 1.04) < 1e-5
    assert "__score" in got[0]


def test_cursor(r: redis.Redis) -> None:
    setup(r)
    reply = r.execute_command("FT.AGGREGATE", "idx", "*", "LOAD", "1", "@__key", "WITHCURSOR", "COUNT", "4")
    page, cid = reply
    assert cid != 0
    seen = len(page[b"results"]) if isinstance(page, dict) else len(page) - 1
    while cid:
        page, cid = r.execute_command("FT.CURSOR", "READ", "idx", cid)
        seen += len(page[b"results"]) if isinstance(page, dict) else len(page) - 1
    assert seen == 9


def _aggregate(client: redis.Redis, *args: str) -> tuple[int, list[dict[str, str]]]:
    reply = client.execute_command("FT.AGGREGATE", "idx", *args)
    if isinstance(reply, dict):
        return reply[b"total_results"], [{k.decode(): v.decode() for k, v in r[b"extra_attributes"].items()}
                                         for r in reply[b"results"]]
    return reply[0], [{r[i].decode(): r[i + 1].decode() for i in range(0, len(r), 2)} for r in reply[1:]]


def test_total_results_and_sort_keys_in_rows(client: redis.Redis) -> None:
    """As Redis Stack 7.4: a SORTBY reports every matched document in total_results, a GROUPBY its groups
    (FILTER, LIMIT and MAX notwithstanding); SORTBY's keys come back in the rows; GROUPBY wants ``@``."""
    setup(client)
    assert _aggregate(client, "*", "LOAD", "1", "@price", "FILTER", "@price > 40", "SORTBY", "2", "@price", "ASC",
                      "LIMIT", "0", "2") == (9, [{"price": "50"}, {"price": "60"}])
    assert _aggregate(client, "*", "GROUPBY", "1", "@cat", "REDUCE", "COUNT", "0", "AS", "n",
                      "FILTER", "@n > 5") == (3, [])
    assert _aggregate(client, "@cat:{a}", "SORTBY", "2", "@price", "DESC", "MAX", "2") == (
        3, [{"price": "60"}, {"price": "30"}])
    try:
        client.execute_command("FT.AGGREGATE", "idx", "*", "GROUPBY", "1", "cat")
    except redis.ResponseError as exc:
        assert str(exc) == "Bad arguments for GROUPBY: Unknown property `cat`. Did you mean `@cat`?"
    else:
        raise AssertionError("GROUPBY without @ was accepted")


def test_expression_nulls_missing_properties_and_string_functions(client: redis.Redis) -> None:
    """As Redis Stack 7.4: upper/lower of a number is null (nil in the row, and it exists); the other string
    functions refuse a number; a property a row lacks fails the query unless read through exists()."""
    setup(client)
    raw = client.execute_command("FT.AGGREGATE", "idx", "@cat:{a}", "APPLY", "upper(@price)", "AS", "u",
                                 "APPLY", "exists(@u)", "AS", "e", "SORTBY", "2", "@price", "ASC", "LIMIT", "0", "1")
    row = raw[b"results"][0][b"extra_attributes"] if isinstance(raw, dict) else dict(zip(raw[1][::2], raw[1][1::2], strict=True))
    assert b"u" in row and row[b"u"] is None and row[b"e"] == b"1"
    with pytest.raises(redis.ResponseError, match=r"Invalid type for substr\. Expected string"):
        client.execute_command("FT.AGGREGATE", "idx", "*", "APPLY", "substr(@price, 0, 1)", "AS", "s",
                               "SORTBY", "2", "@price", "ASC")
    with pytest.raises(redis.ResponseError, match="nosuch: has no value, consider using EXISTS if applicable"):
        client.execute_command("FT.AGGREGATE", "idx", "*", "LOAD", "1", "@nosuch", "FILTER", "@nosuch > 1")
    assert _aggregate(client, "@cat:{a}", "LOAD", "1", "@nosuch", "APPLY", "exists(@nosuch)", "AS", "e",
                      "SORTBY", "2", "@price", "ASC", "LIMIT", "0", "1")[1] == [{"price": "0", "e": "0"}]
