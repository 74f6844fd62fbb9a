"""FT.PROFILE: the reply of the profiled FT.SEARCH / FT.AGGREGATE and RediSearch 2.10's profile of it
(iterator tree, result processors, counters, times), in RESP2 and RESP3, through redis-py's
``ft().profile()``, its errors, and a differential against Redis Stack 7.4 (times left out)."""

from __future__ import annotations

import struct
from typing import Any

import pytest
import redis
from redis.commands.search.aggregation import AggregateRequest, AggregateResult
from redis.commands.search.profile_information import ProfileInformation
from redis.commands.search.query import Query
from redis.commands.search.reducers import count
from redis.commands.search.result import Result

from tests.search.helpers import hset, load_small_corpus
from tests.serverutil import ThreadedServer

Q = struct.pack("<2f", 2.2, 1)
TIMES = ("Time", "Total profile time", "Parsing time", "Pipeline creation time")


def _load(c: redis.Redis) -> None:
    load_small_corpus(c)


@pytest.fixture
def c(client: redis.Redis) -> redis.Redis:
    _load(client)
    return client


def _s(v: Any) -> Any:
    return v.decode() if isinstance(v, bytes) else v


def _tree(value: Any) -> Any:
    """An iterator (RESP3 map or RESP2 flat list) as a dict; ``Child iterators`` as a list (or the LIMITED
    text), ``Child iterator`` as a dict."""
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            key = _s(k)
            if key == "Child iterators":
                out[key] = _s(v) if not isinstance(v, list) else [_tree(x) for x in v]
            elif key == "Child iterator":
                out[key] = _tree(v)
            else:
                out[key] = _s(v)
        return out
    out = {}
    i = 0
    while i < len(value):
        key = _s(value[i])
        if key == "Child iterators":  # RESP2 writes the children inline, after the key
            rest = value[i + 1:]
            out[key] = _s(rest[0]) if len(rest) == 1 and not isinstance(rest[0], list) else [_tree(x) for x in rest]
            break
        v = value[i + 1]
        out[key] = _tree(v) if key == "Child iterator" else _s(v)
        i += 2
    return out


def profile(c: redis.Redis, *args: Any) -> tuple[Any, dict[str, Any]]:
    """FT.PROFILE through execute_command: (the result part as the wire gave it, the profile as a dict with
    ``Iterators profile`` a dict and ``Result processors profile`` a list of dicts)."""
    reply = c.execute_command("FT.PROFILE", *args)
    prof: dict[str, Any] = {}
    if isinstance(reply, dict):
        result = {k: v for k, v in reply.items() if _s(k) != "profile"}
        raw = reply[b"profile"]
        for k, v in raw.items():
            key = _s(k)
            if key == "Iterators profile":
                assert isinstance(v, list) and len(v) == 1
                prof[key] = _tree(v[0])
            elif key == "Result processors profile":
                prof[key] = [_tree(x) for x in v]
            else:
                prof[key] = _s(v)
        return result, prof
    assert isinstance(reply, list) and len(reply) == 2
    result, raw = reply
    for entry in raw:
        key = _s(entry[0])
        if key == "Iterators profile":
            assert len(entry) == 2
            prof[key] = _tree(entry[1])
        elif key == "Result processors profile":
            prof[key] = [_tree(x) for x in entry[1:]]
        elif key == "Warning":
            prof[key] = _s(entry[1]) if len(entry) > 1 else None
        else:
            assert len(entry) == 2
            prof[key] = _s(entry[1])
    return result, prof


def _untimed(x: Any) -> Any:
    if isinstance(x, dict):
        return {k: _untimed(v) for k, v in x.items() if k not in TIMES}
    if isinstance(x, list):
        return [_untimed(v) for v in x]
    return x


def iterators(prof: dict[str, Any]) -> Any:
    return _untimed(prof["Iterators profile"])


def processors(prof: dict[str, Any]) -> list[tuple[str, int]]:
    return [(p["Type"], p["Counter"]) for p in prof["Result processors profile"]]


def _text(name: str, counter: int, size: int) -> dict[str, Any]:
    return {"Type": "TEXT", "Term": name, "Counter": counter, "Size": size}


# -- FT.SEARCH -------------------------------------------------------------------------------------------
def test_result_part_is_the_search_reply(c: redis.Redis) -> None:
    for args in (("hello", "LIMIT", "0", "3"), ("@g:{a}", "NOCONTENT", "SORTBY", "n", "DESC"),
                 ("*=>[KNN 3 @v $q AS d]", "PARAMS", "2", "q", Q, "DIALECT", "2", "SORTBY", "d", "RETURN", "1", "d"),
                 ("hello", "WITHSCORES", "HIGHLIGHT", "LIMIT", "1", "2")):
        result, _ = profile(c, "idx", "SEARCH", "QUERY", *args)
        assert result == c.execute_command("FT.SEARCH", "idx", *args)


def test_text_term(c: redis.Redis) -> None:
    _, prof = profile(c, "idx", "SEARCH", "QUERY", "hello", "NOCONTENT")
    assert iterators(prof) == _text("hello", 8, 8)
    assert processors(prof) == [("Index", 8), ("Scorer", 8), ("Sorter", 8)]
    assert prof["Warning"] in ("None", None)
    for key in TIMES[1:]:
        assert float(prof[key]) >= 0
    assert float(prof["Total profile time"]) >= float(prof["Parsing time"])
    assert all(float(p["Time"]) >= 0 for p in prof["Result processors profile"])


def test_intersection_union_not_optional(c: redis.Redis) -> None:
    _, prof = profile(c, "idx", "SEARCH", "QUERY", "hello -foo", "NOCONTENT")
    assert iterators(prof) == {"Type": "INTERSECT", "Counter": 4, "Child iterators": [
        _text("hello", 8, 8), {"Type": "NOT", "Counter": 8, "Child iterator": _text("foo", 4, 4)}]}
    _, prof = profile(c, "idx", "SEARCH", "QUERY", "hello | foo", "NOCONTENT")
    assert iterators(prof) == {"Type": "UNION", "Query type": "UNION", "Counter": 8,
                               "Child iterators": [_text("hello", 8, 8), _text("foo", 4, 4)]}
    _, prof = profile(c, "idx", "SEARCH", "QUERY", "hello ~foo", "NOCONTENT")
    assert iterators(prof)["Child iterators"][1] == {"Type": "OPTIONAL", "Counter": 8, "Child iterator": _text("foo", 4, 4)}
    # An intersection stops at its first empty clause: the ones after it were never read.
    _, prof = profile(c, "idx", "SEARCH", "QUERY", "nosuchword hello", "NOCONTENT")
    assert iterators(prof) == {"Type": "INTERSECT", "Counter": 0, "Child iterators": [
        {"Type": "EMPTY", "Counter": 0}, _text("hello", 0, 8)]}


def test_word_records_and_expansions(c: redis.Redis) -> None:
    hset(c, "d:10", {"t": "running"})
    hset(c, "d:11", {"t": "runs"})
    hset(c, "d:12", {"t": "run"})
    _, prof = profile(c, "idx", "SEARCH", "QUERY", "running", "NOCONTENT")
    assert iterators(prof) == {"Type": "UNION", "Query type": "UNION", "Counter": 3, "Child iterators": [
        _text("running", 1, 1), _text("+run", 2, 2), _text("run", 1, 1)]}
    _, prof = profile(c, "idx", "SEARCH", "QUERY", "hel*", "NOCONTENT")
    assert iterators(prof) == {"Type": "UNION", "Query type": "PREFIX - hel", "Counter": 8,
                               "Child iterators": [_text("hello", 8, 8)]}
    _, prof = profile(c, "idx", "SEARCH", "QUERY", "%runs%", "NOCONTENT")
    assert iterators(prof) == {"Type": "UNION", "Query type": "FUZZY - runs", "Counter": 2,
                               "Child iterators": [_text("run", 1, 1), _text("runs", 1, 1)]}
    # LIMITED: a union of expansions is summed up; a union of the query's own clauses is not.
    _, prof = profile(c, "idx", "SEARCH", "LIMITED", "QUERY", "hel*", "NOCONTENT")
    assert iterators(prof)["Child iterators"] == "The number of iterators in the union is 1"
    _, prof = profile(c, "idx", "SEARCH", "LIMITED", "QUERY", "running", "NOCONTENT")
    assert len(iterators(prof)["Child iterators"]) == 3


def test_tag(c: redis.Redis) -> None:
    _, prof = profile(c, "idx", "SEARCH", "QUERY", "@g:{a}", "NOCONTENT")
    assert iterators(prof) == {"Type": "TAG", "Term": "a", "Counter": 5, "Size": 5}
    _, prof = profile(c, "idx", "SEARCH", "QUERY", "@g:{A|c|zz}", "NOCONTENT")
    assert iterators(prof) == {"Type": "UNION", "Query type": "TAG", "Counter": 8, "Child iterators": [
        {"Type": "TAG", "Term": "a", "Counter": 5, "Size": 5}, {"Type": "TAG", "Term": "c", "Counter": 3, "Size": 3}]}
    _, prof = profile(c, "idx", "SEARCH", "LIMITED", "QUERY", "@g:{a|c}", "NOCONTENT")
    assert iterators(prof)["Child iterators"] == "The number of iterators in the union is 2"
    _, prof = profile(c, "idx", "SEARCH", "QUERY", "@g:{zz}", "NOCONTENT")
    assert iterators(prof) == {"Type": "EMPTY", "Counter": 0}


def test_numeric_and_geo(c: redis.Redis) -> None:
    _, prof = profile(c, "idx", "SEARCH", "QUERY", "@n:[3 9]", "NOCONTENT")
    assert iterators(prof) == {"Type": "NUMERIC", "Term": "0 - 10.5", "Counter": 5, "Size": 8}
    # FILTER is one more clause of an intersection
    _, prof = profile(c, "idx", "SEARCH", "QUERY", "foo", "FILTER", "n", "0", "5", "NOCONTENT")
    assert iterators(prof) == {"Type": "INTERSECT", "Counter": 2, "Child iterators": [
        _text("foo", 4, 4), {"Type": "NUMERIC", "Term": "0 - 10.5", "Counter": 4, "Size": 8}]}
    _, prof = profile(c, "idx", "SEARCH", "QUERY", "@loc:[0 0 30 km]", "NOCONTENT")
    assert iterators(prof) == {"Type": "GEO", "Term": "0,0 - 0.7,0.7", "Counter": 2, "Size": 8}


def test_wildcard_sort_and_pages(c: redis.Redis) -> None:
    result, prof = profile(c, "idx", "SEARCH", "QUERY", "*", "SORTBY", "n", "DESC", "LIMIT", "3", "2", "RETURN", "1", "t")
    assert result == c.execute_command("FT.SEARCH", "idx", "*", "SORTBY", "n", "DESC", "LIMIT", "3", "2", "RETURN", "1", "t")
    assert iterators(prof) == {"Type": "WILDCARD", "Counter": 8}
    assert processors(prof) == [("Index", 8), ("Sorter", 5), ("Pager/Limiter", 2), ("Loader", 2)]
    # a SORTABLE number is returned without loading the document; WITHSCORES keeps the Scorer
    _, prof = profile(c, "idx", "SEARCH", "QUERY", "*", "SORTBY", "n", "WITHSCORES", "RETURN", "1", "n")
    assert processors(prof) == [("Index", 8), ("Scorer", 8), ("Sorter", 8)]
    _, prof = profile(c, "idx", "SEARCH", "QUERY", "hello", "HIGHLIGHT", "LIMIT", "0", "3")
    assert processors(prof) == [("Index", 8), ("Scorer", 8), ("Sorter", 3), ("Loader", 3), ("Highlighter", 3)]
    _, prof = profile(c, "idx", "SEARCH", "QUERY", "hello", "LIMIT", "0", "0")
    assert processors(prof) == [("Index", 8), ("Counter", 1)]


def test_json_index(client: redis.Redis) -> None:
    client.execute_command("FT.CREATE", "j", "ON", "JSON", "PREFIX", "1", "j:", "SCHEMA", "$.t", "AS", "t", "TEXT",
                           "$.n", "AS", "n", "NUMERIC")
    for i in range(5):
        client.execute_command("JSON.SET", f"j:{i}", "$", f'{{"t": "hello {i}", "n": {i}}}')
    args = ("@n:[1 3]", "SORTBY", "n", "DESC", "LIMIT", "0", "2")
    result, prof = profile(client, "j", "SEARCH", "QUERY", *args)
    assert result == client.execute_command("FT.SEARCH", "j", *args)
    assert iterators(prof) == {"Type": "NUMERIC", "Term": "0 - 4", "Counter": 3, "Size": 5}
    assert processors(prof) == [("Index", 3), ("Sorter", 2), ("Loader", 2)]


def test_line_breaks_in_user_text(c: redis.Redis) -> None:
    # A tag value and an expression's literal with CR LF come back as bulk strings: the reply stays whole.
    # (Escaped: unescaped, the line break would separate two words, and the tag would be "x y".)
    hset(c, "d:20", {"g": "x\r\ny", "t": "hello"})
    _, prof = profile(c, "idx", "SEARCH", "QUERY", "@g:{x\\\r\\\ny}", "NOCONTENT")
    assert iterators(prof) == {"Type": "TAG", "Term": "x\r\ny", "Counter": 1, "Size": 1}
    _, prof = profile(c, "idx", "AGGREGATE", "QUERY", "@g:{c}", "APPLY", "'a\r\nb'", "AS", "s")
    assert processors(prof) == [("Index", 3), ("Projector - Literal a\r\nb", 3)]
    assert c.ping()


def test_wildcard_read_from_the_first_ids(client: redis.Redis) -> None:
    # Without text every document scores the same for *: FT.SEARCH reads only the page's doc ids.
    client.execute_command("FT.CREATE", "v", "PREFIX", "1", "v:", "SCHEMA", "g", "TAG", "n", "NUMERIC")
    for i in range(8):
        hset(client, f"v:{i}", {"g": "a", "n": i})
    result, prof = profile(client, "v", "SEARCH", "QUERY", "*", "LIMIT", "0", "2", "NOCONTENT")
    assert result == client.execute_command("FT.SEARCH", "v", "*", "LIMIT", "0", "2", "NOCONTENT")
    assert iterators(prof) == {"Type": "WILDCARD", "Counter": 2}
    assert processors(prof) == [("Index", 2), ("Scorer", 2), ("Sorter", 2)]
    _, prof = profile(client, "v", "SEARCH", "QUERY", "*", "SORTBY", "n", "LIMIT", "0", "2", "NOCONTENT")
    assert iterators(prof) == {"Type": "WILDCARD", "Counter": 8}


def test_vectors(c: redis.Redis) -> None:
    _, prof = profile(c, "idx", "SEARCH", "QUERY", "*=>[KNN 3 @v $q]", "PARAMS", "2", "q", Q, "DIALECT", "2")
    assert iterators(prof) == {"Type": "VECTOR", "Counter": 3}
    assert processors(prof) == [("Index", 3), ("Metrics Applier", 3), ("Scorer", 3), ("Sorter", 3), ("Loader", 3)]
    _, prof = profile(c, "idx", "SEARCH", "QUERY", "(@g:{a} -foo)=>[KNN 3 @v $q AS d]", "PARAMS", "2", "q", Q,
                      "DIALECT", "2", "SORTBY", "d", "RETURN", "1", "d")
    assert iterators(prof) == {"Type": "VECTOR", "Counter": 2, "Child iterator": {
        "Type": "INTERSECT", "Counter": 2, "Child iterators": [
            {"Type": "TAG", "Term": "a", "Counter": 5, "Size": 5},
            {"Type": "NOT", "Counter": 5, "Child iterator": _text("foo", 4, 4)}]}}
    assert processors(prof) == [("Index", 2), ("Metrics Applier", 2), ("Sorter", 2)]
    # the filter is evaluated again for the profile even when FT.SEARCH cached it
    again = profile(c, "idx", "SEARCH", "QUERY", "(@g:{a} -foo)=>[KNN 3 @v $q AS d]", "PARAMS", "2", "q", Q,
                    "DIALECT", "2", "SORTBY", "d", "RETURN", "1", "d")[1]
    assert iterators(again) == iterators(prof)
    _, prof = profile(c, "idx", "SEARCH", "QUERY", "@v:[VECTOR_RANGE 2 $q]", "PARAMS", "2", "q", Q, "DIALECT", "2",
                      "NOCONTENT")
    assert iterators(prof) == {"Type": "METRIC - VECTOR DISTANCE", "Counter": 3}
    _, prof = profile(c, "idx", "SEARCH", "QUERY", "foo", "INKEYS", "3", "d:1", "d:2", "d:3", "NOCONTENT")
    assert iterators(prof) == {"Type": "INTERSECT", "Counter": 2, "Child iterators": [
        {"Type": "ID-LIST", "Counter": 3}, _text("foo", 4, 4)]}


# -- FT.AGGREGATE -----------------------------------------------------------------------------------------
def test_aggregate(c: redis.Redis) -> None:
    args: tuple[Any, ...] = ("*", "GROUPBY", "1", "@g", "REDUCE", "COUNT", "0", "AS", "c", "SORTBY", "2", "@c", "DESC")
    result, prof = profile(c, "idx", "AGGREGATE", "QUERY", *args)
    assert result == c.execute_command("FT.AGGREGATE", "idx", *args)
    assert iterators(prof) == {"Type": "WILDCARD", "Counter": 8}
    # g is not SORTABLE: loaded from the documents before the GROUPBY
    assert processors(prof) == [("Index", 8), ("Loader", 8), ("Grouper", 2), ("Sorter", 2)]
    args = ("*", "LOAD", "1", "@n", "FILTER", "@n > 4", "APPLY", "@n * 2", "AS", "x", "APPLY", "upper(@t)", "AS", "u",
            "SORTBY", "2", "@x", "DESC", "LIMIT", "0", "2")
    result, prof = profile(c, "idx", "AGGREGATE", "QUERY", *args)
    assert result == c.execute_command("FT.AGGREGATE", "idx", *args)
    # LOAD of a SORTABLE number: no Loader; the LIMIT after a SORTBY is the Sorter's
    assert processors(prof) == [("Index", 8), ("Filter - Predicate >", 5), ("Projector - Operator *", 5),
                                ("Projector - Function upper", 5), ("Sorter", 2)]
    args = ("*", "SORTBY", "2", "@g", "DESC", "MAX", "3")
    result, prof = profile(c, "idx", "AGGREGATE", "QUERY", *args)
    assert result == c.execute_command("FT.AGGREGATE", "idx", *args)
    assert processors(prof) == [("Index", 8), ("Loader", 8), ("Sorter", 3)]
    _, prof = profile(c, "idx", "AGGREGATE", "QUERY", "hello", "ADDSCORES", "LOAD", "1", "@t", "LIMIT", "2", "3")
    assert iterators(prof) == _text("hello", 8, 8)
    assert processors(prof) == [("Index", 8), ("Scorer", 8), ("Loader", 8), ("Pager/Limiter", 3)]
    _, prof = profile(c, "idx", "AGGREGATE", "QUERY", "*=>[KNN 3 @v $q AS d]", "PARAMS", "2", "q", Q, "DIALECT", "2",
                      "APPLY", "!@d", "AS", "nd", "APPLY", "(@d)", "AS", "d2", "APPLY", "5", "AS", "five")
    assert processors(prof) == [("Index", 3), ("Metrics Applier", 3), ("Projector - Inverted", 3),
                                ("Projector - Property d", 3), ("Projector - Literal 5", 3)]


# -- redis-py ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("protocol", [2, None, 3], ids=["resp2", "default", "resp3"])
def test_redis_py_profile(server: ThreadedServer, protocol: int | None) -> None:
    c = redis.Redis(port=server.port, protocol=protocol)
    c.flushall()
    _load(c)
    ft = c.ft("idx")
    requests: list[tuple[Query | AggregateRequest, dict[str, Any] | None, list[str]]] = [
        (Query("@g:{a}").sort_by("n").paging(0, 2), None, ["d:1", "d:2"]),
        (Query("*=>[KNN 3 @v $q AS d]").sort_by("d").return_field("d").dialect(2), {"q": Q}, ["d:2", "d:3", "d:1"]),
        (AggregateRequest("*").group_by("@g", count().alias("c")), None, []),
    ]
    for request, query_params, expected in requests:
        reply = ft.profile(request, limited=True, query_params=query_params)
        if protocol == 3:  # redis-py hands RESP3's map over as it is
            assert isinstance(reply, ProfileInformation)
            info = reply.info
            assert {_s(k) for k in info} >= {"total_results", "results", "profile"}
            stages = [_s(p[b"Type"]) for p in info[b"profile"][b"Result processors profile"]]
        else:
            assert isinstance(reply, tuple)
            result, prof = reply
            assert isinstance(prof, ProfileInformation)
            if isinstance(request, Query):
                assert isinstance(result, Result)
                assert [d.id for d in result.docs] == expected
            else:
                assert isinstance(result, AggregateResult)
                assert sorted(result.rows) == [[b"g", b"a,b", b"c", b"5"], [b"g", b"c", b"c", b"3"]]
            assert [_s(entry[0]) for entry in prof.info] == [
                "Total profile time", "Parsing time", "Pipeline creation time", "Warning", "Iterators profile",
                "Result processors profile"]
            stages = [_s(p[1]) for p in prof.info[-1][1:]]
        assert stages[0] == "Index"
        c.close()
        c = redis.Redis(port=server.port, protocol=protocol)
        ft = c.ft("idx")
    c.close()


# -- errors ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("args, message", [
    (("idx", "SEARCH", "QUERY"), "wrong number of arguments for 'FT.PROFILE' command"),
    (("idx", "FIND", "QUERY", "hello"), "No `SEARCH` or `AGGREGATE` provided"),
    (("idx", "SEARCH", "LIMITED", "hello"), "The QUERY keyword is expected"),
    (("idx", "SEARCH", "LIMITED", "QUERY"), "No query string provided"),
    (("nosuch", "SEARCH", "QUERY", "hello"), "nosuch: no such index"),
    (("nosuch", "AGGREGATE", "QUERY", "hello"), "nosuch: no such index"),
    (("idx", "SEARCH", "QUERY", "hello", "BOGUS"), "Unknown argument `BOGUS` at position 1 for <main>"),
    (("idx", "SEARCH", "QUERY", "hello", "LIMIT", "0"), "LIMIT requires two arguments"),
    (("idx", "AGGREGATE", "QUERY", "*", "WITHCURSOR", "COUNT", "2"), "FT.PROFILE does not support cursor"),
    (("idx", "AGGREGATE", "QUERY", "*", "APPLY", "@zz+1", "AS", "x"), "Property `zz` not loaded nor in pipeline"),
    (("idx", "AGGREGATE", "QUERY", "*", "GROUPBY", "1", "@g", "REDUCE", "NOPE", "0"), "No such reducer: NOPE"),
    (("idx", "SEARCH", "QUERY", "*=>[KNN 3 @v $q]", "PARAMS", "2", "q", "abc", "DIALECT", "2"),
     "Error parsing vector similarity query: query vector blob size (3) does not match index's expected size (8)."),
])
def test_errors(c: redis.Redis, args: tuple[str, ...], message: str) -> None:
    with pytest.raises(redis.ResponseError) as info:
        c.execute_command("FT.PROFILE", *args)
    assert str(info.value) == message
    assert c.ping()


# -- differential ---------------------------------------------------------------------------------------
SAME = [
    ("SEARCH", "QUERY", "hello", "NOCONTENT", "SCORER", "TFIDF"),
    ("SEARCH", "QUERY", "hello | foo", "NOCONTENT", "SORTBY", "n", "DESC"),
    ("SEARCH", "QUERY", "hello -foo", "SORTBY", "n", "RETURN", "1", "n"),
    ("SEARCH", "QUERY", "hello ~foo", "NOCONTENT", "SORTBY", "n"),
    ("SEARCH", "QUERY", "-foo", "NOCONTENT", "SORTBY", "n"),
    ("SEARCH", "QUERY", "bar foo", "NOCONTENT"),
    ("SEARCH", "QUERY", "nosuchword"),
    ("SEARCH", "QUERY", "\"bar baz\"", "SORTBY", "n", "LIMIT", "0", "2", "RETURN", "1", "t"),
    ("SEARCH", "QUERY", "hel*", "NOCONTENT", "SORTBY", "n"),
    ("SEARCH", "LIMITED", "QUERY", "hel*", "NOCONTENT", "SORTBY", "n"),
    ("SEARCH", "QUERY", "@g:{a}", "SORTBY", "n", "DESC"),
    ("SEARCH", "QUERY", "@g:{a|c}", "NOCONTENT", "SORTBY", "n"),
    ("SEARCH", "LIMITED", "QUERY", "@g:{a|c|zz}", "NOCONTENT", "SORTBY", "n"),
    ("SEARCH", "QUERY", "@n:[3 9]", "NOCONTENT", "SORTBY", "n"),
    ("SEARCH", "QUERY", "@n:[3 9]", "SORTBY", "n", "WITHSCORES", "SCORER", "TFIDF", "RETURN", "1", "n"),
    ("SEARCH", "QUERY", "*", "SORTBY", "n", "DESC", "LIMIT", "0", "3", "RETURN", "1", "t"),
    ("SEARCH", "QUERY", "hello", "SORTBY", "n", "LIMIT", "0", "0"),
    ("SEARCH", "QUERY", "*=>[KNN 3 @v $q]", "PARAMS", "2", "q", Q, "DIALECT", "2"),
    ("SEARCH", "QUERY", "*=>[KNN 3 @v $q AS d]", "PARAMS", "2", "q", Q, "DIALECT", "2", "SORTBY", "d", "RETURN", "1", "d"),
    ("SEARCH", "QUERY", "@g:{a}=>[KNN 3 @v $q]", "PARAMS", "2", "q", Q, "DIALECT", "2", "NOCONTENT"),
    ("SEARCH", "QUERY", "@v:[VECTOR_RANGE 2 $q]=>{$YIELD_DISTANCE_AS: d}", "PARAMS", "2", "q", Q, "DIALECT", "2",
     "SORTBY", "d", "RETURN", "1", "d"),
    ("AGGREGATE", "QUERY", "*", "GROUPBY", "1", "@g", "REDUCE", "COUNT", "0", "AS", "c", "SORTBY", "2", "@c", "DESC"),
    ("AGGREGATE", "QUERY", "*", "LOAD", "1", "@n", "FILTER", "@n > 4", "SORTBY", "2", "@n", "ASC", "LIMIT", "0", "2"),
    ("AGGREGATE", "QUERY", "*", "APPLY", "@n*2", "AS", "x", "SORTBY", "2", "@x", "DESC", "LIMIT", "0", "3"),
    ("AGGREGATE", "QUERY", "hello", "ADDSCORES", "SCORER", "TFIDF", "SORTBY", "2", "@__score", "DESC", "LIMIT", "0", "1"),
    ("AGGREGATE", "QUERY", "*=>[KNN 3 @v $q AS d]", "PARAMS", "2", "q", Q, "DIALECT", "2", "SORTBY", "2", "@d", "ASC"),
    ("AGGREGATE", "LIMITED", "QUERY", "hel*", "GROUPBY", "0", "REDUCE", "COUNT", "0", "AS", "c"),
    ("AGGREGATE", "QUERY", "*", "GROUPBY", "1", "@g", "REDUCE", "COUNT", "0", "AS", "c", "APPLY", "@c*2", "AS", "d",
     "FILTER", "@d>6"),
]
# Same replies and profile structure, counters aside: RediSearch counts an iterator's reads, and an
# intersection's later clauses are only asked about its candidates (foo hello: hello 4 where our executor
# read its 8 documents); RediSearch's pager stops its sorter one read short of the page's end.
SAME_BUT_COUNTERS = [
    ("SEARCH", "QUERY", "foo hello", "NOCONTENT", "SORTBY", "n"),
    ("SEARCH", "QUERY", "foo", "INKEYS", "3", "d:1", "d:2", "d:3", "NOCONTENT"),
    ("SEARCH", "QUERY", "hello", "SCORER", "TFIDF", "LIMIT", "3", "2", "NOCONTENT"),
    ("SEARCH", "QUERY", "@g:{a} @n:[0 20]", "NOCONTENT", "SORTBY", "n", "LIMIT", "1", "2"),
]
ERRORS = [
    ("FIND", "QUERY", "hello"),
    ("SEARCH", "LIMITED", "hello"),
    ("SEARCH", "LIMITED", "QUERY"),
    ("SEARCH", "QUERY", "hello", "BOGUS"),
    ("AGGREGATE", "QUERY", "*", "WITHCURSOR"),
    ("AGGREGATE", "QUERY", "*", "APPLY", "@zz+1", "AS", "x"),
]


def _without_counters(reply: Any) -> Any:
    """A raw FT.PROFILE reply with the profile's counters left out (its results kept as they are)."""
    def strip(x: Any) -> Any:
        if isinstance(x, dict):
            return {k: strip(v) for k, v in x.items() if _s(k) != "Counter"}
        if isinstance(x, list):
            return [strip(v) for i, v in enumerate(x) if _s(v) != "Counter" and not (i and _s(x[i - 1]) == "Counter")]
        return x

    if isinstance(reply, dict):
        return {k: strip(v) if _s(k) == "profile" else v for k, v in reply.items()}
    return [reply[0], strip(reply[1])]


def _zero_times(x: Any) -> Any:
    """A raw reply with every time replaced by 0 (RESP3 maps, RESP2 key/value lists)."""
    if isinstance(x, dict):
        return {k: 0 if _s(k) in TIMES else _zero_times(v) for k, v in x.items()}
    if isinstance(x, list):
        out = []
        for i, v in enumerate(x):
            out.append(0 if i and isinstance(x[i - 1], bytes) and _s(x[i - 1]) in TIMES else _zero_times(v))
        return out
    return x


@pytest.mark.parametrize("protocol", [2, 3], ids=["resp2", "resp3"])
def test_same_as_redis_stack(stack_port: int, server: ThreadedServer, protocol: int) -> None:
    ref, ours = redis.Redis(port=stack_port, protocol=protocol), redis.Redis(port=server.port, protocol=protocol)
    for c in (ref, ours):
        c.flushall()
        _load(c)
    try:
        for args in SAME:
            assert _zero_times(ours.execute_command("FT.PROFILE", "idx", *args)) == \
                _zero_times(ref.execute_command("FT.PROFILE", "idx", *args)), args
        for args in SAME_BUT_COUNTERS:
            mine = _zero_times(ours.execute_command("FT.PROFILE", "idx", *args))
            theirs = _zero_times(ref.execute_command("FT.PROFILE", "idx", *args))
            assert mine != theirs, args  # else it belongs in SAME
            assert _without_counters(mine) == _without_counters(theirs), args
        for args in ERRORS:
            texts = []
            for c in (ours, ref):
                with pytest.raises(redis.ResponseError) as info:
                    c.execute_command("FT.PROFILE", "idx", *args)
                texts.append(str(info.value))
            assert texts[0] == texts[1], args
    finally:
        ref.close()
        ours.close()
