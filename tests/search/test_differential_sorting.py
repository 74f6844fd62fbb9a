"""SORTBY over many hits (past the 2,048 from which RedVector orders with numpy) and numeric ranges against
Redis Stack 7.4.1: the same 3,000 documents (a NUMERIC SORTABLE field with ties, negatives and documents
without it, a plain NUMERIC, a SORTABLE TAG and TEXT) and the same queries on both servers, the
reply's ids in order compared for each page. Skipped when Redis Stack cannot start. A test through
redis-py alone runs without it, with infinities among the values too (not in the differential: past a few
hundred documents holding both, Redis Stack's numeric range tree answers no range at all)."""

from __future__ import annotations

import random
from typing import Any

import pytest
import redis

from tests.search.test_differential import _call
from tests.serverutil import ThreadedServer

N = 3000
SORTS = [("n", "ASC"), ("n", "DESC"), ("p", "ASC"), ("p", "DESC"), ("t", "ASC"), ("t", "DESC"), ("s", "ASC"),
         ("s", "DESC")]
PAGES = [(0, 10), (5, 7), (2990, 20), (0, 3000), (1200, 1)]
QUERIES = ["*", "@n:[-50 50]", "@n:[(0 +inf]", "@p:[-inf (10]", "-@t:{a}", "@t:{a|b|c}", "word*", "@n:[-inf inf]"]


def _documents(infinities: bool) -> list[dict[str, Any]]:
    rng = random.Random(11)
    docs = []
    extremes = ["inf", "-inf"] if infinities else [1e300, -1e300]
    for i in range(N):
        doc: dict[str, Any] = {"s": f"word{rng.randrange(40)} text", "t": rng.choice("abcdefgh")}
        if i % 13:  # some documents have no n
            doc["n"] = rng.choice([rng.randrange(-100, 100), rng.randrange(5), *extremes, rng.random() * 10])
        doc["p"] = rng.randrange(-30, 30)
        docs.append(doc)
    return docs


def _load(c: redis.Redis, infinities: bool = False) -> None:
    c.flushall()
    c.execute_command("FT.CREATE", "s", "ON", "HASH", "PREFIX", "1", "s:", "SCHEMA", "n", "NUMERIC", "SORTABLE", "p",
                      "NUMERIC", "t", "TAG", "SORTABLE", "s", "TEXT", "SORTABLE")
    pipe = c.pipeline(transaction=False)
    for i, doc in enumerate(_documents(infinities)):
        pipe.hset(f"s:{i}", mapping=doc)
    pipe.execute()


def _ids(reply: Any) -> Any:
    return reply if isinstance(reply, str) else [reply[0], *reply[1:]]


def test_sorted_pages_match_redis_stack(stack_port: int, server: ThreadedServer) -> None:
    ref, ours = redis.Redis(port=stack_port, protocol=2), redis.Redis(port=server.port, protocol=2)
    try:
        for c in (ref, ours):
            _load(c)
        for query in QUERIES:
            for field, direction in SORTS:
                for offset, num in PAGES:
                    args = ("FT.SEARCH", "s", query, "NOCONTENT", "SORTBY", field, direction, "LIMIT", offset, num,
                            "DIALECT", "2")
                    assert _ids(_call(ours, args)) == _ids(_call(ref, args)), args
    finally:
        ref.close()
        ours.close()


@pytest.mark.parametrize("args", [
    ("*", "LOAD", "2", "@s", "@n", "LIMIT", "0", "10"),
    ("*", "LOAD", "1", "@t", "FILTER", "@t == 'a'", "LIMIT", "3", "300"),
    ("@p:[0 10]", "APPLY", "@p*2", "AS", "x", "LIMIT", "290", "20"),
    ("*", "APPLY", "@n*2", "AS", "x", "LIMIT", "1", "5"),
    ("@p:[5 10]", "APPLY", "@n*2", "AS", "x", "LIMIT", "0", "3"),
    ("*", "LOAD", "*", "LIMIT", "0", "3"),
    ("*", "FILTER", "@n > 90", "LOAD", "1", "@s", "LIMIT", "0", "40"),
    ("*", "GROUPBY", "1", "@n", "REDUCE", "COUNT", "0", "AS", "c"),
    ("*", "GROUPBY", "1", "@n", "REDUCE", "COUNT", "0", "AS", "c", "LIMIT", "100", "30"),
    ("*", "GROUPBY", "2", "@t", "@p", "REDUCE", "SUM", "1", "@n", "AS", "s"),
    ("*", "GROUPBY", "1", "@s", "REDUCE", "MAX", "1", "@p", "AS", "m", "LIMIT", "0", "7"),
    ("@p:[0 10]", "GROUPBY", "1", "@p", "REDUCE", "AVG", "1", "@n", "AS", "a"),
    # a SORTBY on a number worked out with numpy for every match, the rows built for the page only
    ("*", "LOAD", "1", "@p", "APPLY", "@p*2", "AS", "x", "SORTBY", "2", "@x", "DESC", "LIMIT", "0", "10"),
    ("*", "APPLY", "@p+1", "AS", "x", "SORTBY", "2", "@x", "ASC", "LIMIT", "5", "20"),
    ("*", "LOAD", "1", "@p", "SORTBY", "2", "@p", "ASC", "MAX", "15"),
    ("*", "SORTBY", "2", "@p", "DESC", "LIMIT", "0", "12"),
    ("*", "APPLY", "@p*2", "AS", "x", "SORTBY", "2", "@x", "ASC"),
    ("*", "APPLY", "@p*2", "AS", "x", "APPLY", "@x-@p", "AS", "x", "SORTBY", "2", "@x", "DESC", "LIMIT", "3", "9"),
    ("@p:[0 29]", "APPLY", "@p*3", "AS", "x", "SORTBY", "2", "@x", "DESC", "LIMIT", "0", "10", "APPLY", "@x+1",
     "AS", "y"),
    ("*", "SORTBY", "2", "@n", "DESC", "LIMIT", "0", "10"),
    ("*", "APPLY", "@n*2", "AS", "x", "SORTBY", "1", "@x", "LIMIT", "0", "10"),  # documents without n
    ("*", "APPLY", "@p/0", "AS", "x", "SORTBY", "1", "@x", "LIMIT", "0", "5"),  # NaN for p = 0
    ("*", "APPLY", "@p", "AS", "x", "SORTBY", "1", "@x", "LIMIT", "0", "5"),  # a reference
    ("*", "SORTBY", "2", "@p", "LIMIT", "0", "5"),  # RediSearch's "MISSING ASC or DESC after sort field"
    ("*", "SORTBY", "3", "ASC", "@p", "DESC", "LIMIT", "0", "5"),
    ("*", "APPLY", "@p*@p", "AS", "sq", "SORTBY", "4", "@sq", "DESC", "@p", "ASC", "LIMIT", "0", "10"),
    ("*", "LOAD", "1", "@s", "APPLY", "@p*2", "AS", "x", "SORTBY", "2", "@x", "DESC", "LIMIT", "0", "4"),
])
def test_aggregate_pages_and_groups_match_redis_stack(stack_port: int, server: ThreadedServer,
                                                      args: tuple[str, ...]) -> None:
    """Pipelines that stream to a LIMIT over thousands of rows (RedVector takes them a chunk at a time until
    the page is full: the same rows, total and errors), and hundreds of groups (the grouper's hash table
    grown several times): the rows in the same order, so a LIMIT after a GROUPBY picks the same groups."""
    ref, ours = redis.Redis(port=stack_port, protocol=2), redis.Redis(port=server.port, protocol=2)
    try:
        for c in (ref, ours):
            _load(c)
        want = _call(ref, ("FT.AGGREGATE", "s", *args))
        assert _call(ours, ("FT.AGGREGATE", "s", *args)) == want
    finally:
        ref.close()
        ours.close()


def test_sortby_many_hits_through_redis_py(server: ThreadedServer) -> None:
    """The numpy ordering against the order Python's sort gives the same documents: numbers by value then
    key's doc id (reversed for DESC), documents without a value last."""
    from redis.commands.search.query import Query

    c = redis.Redis(port=server.port, protocol=2)
    try:
        _load(c, infinities=True)
        docs = _documents(infinities=True)
        with_n = [(float(d["n"]), i) for i, d in enumerate(docs) if "n" in d]
        without = [i for i, d in enumerate(docs) if "n" not in d]
        ascending = [f"s:{i}" for _, i in sorted(with_n)] + [f"s:{i}" for i in without]
        descending = [f"s:{i}" for _, i in sorted(with_n, reverse=True)] + [f"s:{i}" for i in reversed(without)]
        ft = c.ft("s")
        for asc, expected in ((True, ascending), (False, descending)):
            found = ft.search(Query("*").no_content().sort_by("n", asc=asc).paging(0, N))
            assert found.total == N
            assert [d.id for d in found.docs] == expected
            page = ft.search(Query("*").no_content().sort_by("n", asc=asc).paging(100, 25))
            assert [d.id for d in page.docs] == expected[100:125]
        inside = ft.search(Query("@n:[0 (5]").no_content().sort_by("n").paging(0, N).dialect(2))
        want = sorted((v, i) for v, i in with_n if 0 <= v < 5)
        assert [d.id for d in inside.docs] == [f"s:{i}" for _, i in want]
    finally:
        c.close()
