"""Differential: FT.* over JSON documents against Redis Stack 7.4 (RediSearch 2.10 + RedisJSON 2.8), replies
compared exactly in RESP2 and RESP3. Skipped when Redis Stack cannot start."""

from __future__ import annotations

import json
import struct
from collections.abc import Iterator
from typing import Any

import pytest
import redis

from tests.serverutil import ThreadedServer

SCHEMA = ["$.name", "AS", "name", "TEXT", "SORTABLE", "$.tags[*]", "AS", "tags", "TAG", "$.price", "AS", "price",
          "NUMERIC", "SORTABLE", "$.vec", "AS", "vec", "VECTOR", "FLAT", "6", "TYPE", "FLOAT32", "DIM", "2",
          "DISTANCE_METRIC", "L2", "$.loc", "AS", "loc", "GEO", "$.nums[*]", "AS", "nums", "NUMERIC",
          "$.meta.kind", "AS", "kind", "TAG", "SEPARATOR", ";"]

DOCS: dict[str, Any] = {
    f"d:{i}": {"name": f"item {i} {'red apple' if i % 2 else 'green pear'}", "tags": ["fruit", f"T{i % 3}"],
               "price": i * 1.5, "vec": [float(i), 1.0], "loc": f"{i / 10},{i / 10}", "nums": [i, i + 10],
               "meta": {"kind": "a;b" if i % 2 else "c", "deep": {"x": [1, {"y": None}]}}}
    for i in range(6)
}
DOCS["d:nulls"] = {"name": None, "price": None, "tags": ["z", None], "vec": [9.0, 9.0]}
DOCS["d:bad"] = {"name": "bad", "price": "cheap"}
DOCS["d:arr"] = {"name": ["Two Words", "x"], "price": 100, "vec": [0.0, 0.0], "nums": 3.0, "meta": {"kind": None}}

Q = struct.pack("<2f", 2.2, 1)
SAME = [
    ("FT.SEARCH", "j", "@tags:{t1}", "SORTBY", "price", "NOCONTENT"),
    ("FT.SEARCH", "j", "@kind:{b}", "SORTBY", "price", "RETURN", "2", "kind", "price"),
    ("FT.SEARCH", "j", "@nums:[12 13]", "SORTBY", "price", "RETURN", "1", "nums"),
    ("FT.SEARCH", "j", "apple", "SORTBY", "price", "DESC"),
    ("FT.SEARCH", "j", "@price:[3 6]", "SORTBY", "price", "RETURN", "4", "name", "tags", "$.meta", "$.meta.deep.x[*]"),
    ("FT.SEARCH", "j", "@price:[3 6]", "SORTBY", "price", "RETURN", "3", "name", "tags", "$.nums", "DIALECT", "3"),
    ("FT.SEARCH", "j", "@loc:[0.3 0.3 20 km]", "SORTBY", "price", "NOCONTENT"),
    ("FT.SEARCH", "j", "*=>[KNN 3 @vec $q]", "PARAMS", "2", "q", Q, "DIALECT", "2"),
    ("FT.SEARCH", "j", "*=>[KNN 2 @vec $q AS d]", "PARAMS", "2", "q", Q, "SORTBY", "d", "RETURN", "3", "d", "name",
     "$.tags", "DIALECT", "2"),
    ("FT.SEARCH", "j", "@tags:{fruit}=>[KNN 2 @vec $q AS d]", "PARAMS", "2", "q", Q, "SORTBY", "d", "RETURN", "1",
     "tags", "DIALECT", "2"),
    ("FT.SEARCH", "j", "@tags:{z}", "RETURN", "3", "name", "price", "tags"),
    ("FT.SEARCH", "j", "@tags:{z}", "RETURN", "1", "$"),
    ("FT.AGGREGATE", "j", "@price:[0 4]", "LOAD", "3", "@name", "@price", "@tags", "SORTBY", "2", "@price", "ASC"),
    ("FT.AGGREGATE", "j", "*", "LOAD", "3", "$.meta.kind", "AS", "k", "GROUPBY", "1", "@k", "REDUCE", "COUNT", "0",
     "AS", "n", "SORTBY", "2", "@n", "DESC"),
    ("FT.AGGREGATE", "j", "@tags:{z}", "LOAD", "2", "@name", "@price"),
    ("FT.SEARCH", "j", "*", "RETURN", "5", "name", "price", "tags", "kind", "$.meta.deep", "SORTBY", "price",
     "LIMIT", "0", "20", "DIALECT", "3"),
    ("FT.SEARCH", "j", "*", "RETURN", "5", "name", "price", "tags", "kind", "$.nums", "SORTBY", "price", "DESC",
     "LIMIT", "0", "3", "DIALECT", "2"),
    ("FT.SEARCH", "j", "two", "RETURN", "2", "$.name", "$.price", "DIALECT", "3"),
    ("FT.TAGVALS", "j", "tags"),
    ("FT.TAGVALS", "j", "kind"),
]


@pytest.fixture(params=[2, 3], ids=["resp2", "resp3"])
def pair(stack_port: int, server: ThreadedServer, request: pytest.FixtureRequest) -> Iterator[tuple[redis.Redis, redis.Redis]]:
    ref = redis.Redis(port=stack_port, protocol=request.param)
    ours = redis.Redis(port=server.port, protocol=request.param)
    for c in (ref, ours):
        c.flushall()
        c.execute_command("FT.CREATE", "j", "ON", "JSON", "PREFIX", "1", "d:", "SCHEMA", *SCHEMA)
        for key, doc in DOCS.items():
            c.execute_command("JSON.SET", key, "$", json.dumps(doc))
    yield ref, ours
    ref.close()
    ours.close()


def _normal(reply: Any) -> Any:
    """RESP3 FT.TAGVALS is a set; compare it sorted."""
    if isinstance(reply, set):
        return sorted(reply)
    return reply


@pytest.mark.parametrize("command", SAME, ids=[" ".join(str(a) for a in c[:3]) + f" #{i}" for i, c in enumerate(SAME)])
def test_same_reply(pair: tuple[redis.Redis, redis.Redis], command: tuple[Any, ...]) -> None:
    ref, ours = pair
    assert _normal(ours.execute_command(*command)) == _normal(ref.execute_command(*command))


def test_same_info_and_failures(pair: tuple[redis.Redis, redis.Redis]) -> None:
    ref, ours = pair

    def fields(c: redis.Redis) -> dict[bytes, Any]:
        raw = c.execute_command("FT.INFO", "j")
        return raw if isinstance(raw, dict) else dict(zip(raw[::2], raw[1::2], strict=True))
    a, b = fields(ref), fields(ours)
    for key in (b"index_definition", b"attributes", b"num_docs", b"hash_indexing_failures", b"Index Errors"):
        assert b[key] == a[key], key
