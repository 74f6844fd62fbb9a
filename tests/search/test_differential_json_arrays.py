"""ON JSON indexes with arrays under SORTABLE attributes, and DIALECT 3's whole documents, against Redis
Stack 7.4.1 (RediSearch 2.10 with RedisJSON), replies compared exactly in RESP2 and RESP3:

* a SORTABLE TAG or TEXT attribute holding an array keeps the array in the sorting vector: its sort key
  and the SORTBY field leading a row are the first element, and SORTBY puts such documents before those
  holding a string (after them DESC); a NUMERIC array sorts by its first number;
* an empty array under a SORTABLE attribute fails the document (not indexed);
* an attribute's JSONPath in RETURN keeps its place in the row after a SORTBY on the attribute;
* DIALECT 3 returns ``$`` as an array of the one root (FT.SEARCH rows, RETURN ``$``, KNN rows,
  FT.AGGREGATE LOAD), and an FT.AGGREGATE LOAD of a SORTABLE attribute's single value plainly.

Skipped when Redis Stack cannot start."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.serverutil import ThreadedServer, assert_same_raw_replies

DOCS = [{"tg": ["blue", "Yellow"], "tx": ["b b", "a"], "n": [3, 1], "v": [1, 0]}, {"tg": "Yellow", "tx": "Zed", "v": [0, 1]},
        {"tg": ["Yellow"], "tx": ["zed"], "t": "hello"}, {"tg": "blue,green", "tx": "c", "t": ["world", "x"]},
        {"tg": ["green", "ant"], "n": 2, "t": "hello world"}, {"tg": "apple", "n": 7}, {"tg": []}, {"n": 5},
        {"tx": [], "n": 1}]
SETUP = [[b"FLUSHALL"],
         [b"FT.CREATE", b"jt", b"ON", b"JSON", b"PREFIX", b"1", b"jt:", b"SCHEMA", b"$.tg", b"AS", b"tg", b"TAG", b"SORTABLE",
          b"$.tx", b"AS", b"tx", b"TEXT", b"SORTABLE", b"$.n", b"AS", b"n", b"NUMERIC", b"SORTABLE", b"$.t", b"AS", b"t",
          b"TEXT", b"$.v", b"AS", b"v", b"VECTOR", b"FLAT", b"6", b"TYPE", b"FLOAT32", b"DIM", b"2", b"DISTANCE_METRIC",
          b"L2"]]
SETUP += [[b"JSON.SET", b"jt:%d" % i, b"$", json.dumps(d).encode()] for i, d in enumerate(DOCS)]
QUERY_VECTOR = np.array([1, 0], dtype=np.float32).tobytes()


@pytest.mark.parametrize("proto", [2, 3])
def test_json_arrays_and_dialect_3_as_redis_stack(server: ThreadedServer, stack_port: int, proto: int) -> None:
    commands = [[b"FT.SEARCH", b"jt", b"*", b"NOCONTENT", b"SORTBY", b"n", b"LIMIT", b"0", b"20"]]
    for field in (b"tg", b"tx", b"n"):
        for order in (b"ASC", b"DESC"):
            commands.append([b"FT.SEARCH", b"jt", b"*", b"WITHSORTKEYS", b"SORTBY", field, order, b"LIMIT", b"0", b"20"])
            commands.append([b"FT.SEARCH", b"jt", b"*", b"NOCONTENT", b"SORTBY", field, order, b"LIMIT", b"2", b"5"])
    # ON JSON an attribute's JSONPath is a lookup key of its own: RETURN keeps its order after SORTBY
    commands += [[b"FT.SEARCH", b"jt", b"*", b"RETURN", b"3", b"n", b"$.tx", b"tx", b"SORTBY", b"tx", b"LIMIT", b"0", b"20"],
                 [b"FT.SEARCH", b"jt", b"*", b"RETURN", b"2", b"n", b"$.tx", b"SORTBY", b"$.tx", b"LIMIT", b"0", b"20"]]
    for dialect in (b"2", b"3"):
        commands += [
            [b"FT.SEARCH", b"jt", b"@n:[1 10]", b"SORTBY", b"n", b"DIALECT", dialect],
            [b"FT.SEARCH", b"jt", b"@n:[1 10]", b"RETURN", b"1", b"$", b"SORTBY", b"n", b"DIALECT", dialect],
            [b"FT.SEARCH", b"jt", b"hello", b"RETURN", b"3", b"t", b"tg", b"n", b"SORTBY", b"n", b"DIALECT", dialect],
            [b"FT.SEARCH", b"jt", b"*=>[KNN 2 @v $q AS s]", b"PARAMS", b"2", b"q", QUERY_VECTOR, b"DIALECT", dialect],
            [b"FT.AGGREGATE", b"jt", b"@tg:{green|blue|apple|Yellow}", b"LOAD", b"1", b"$", b"DIALECT", dialect],
            [b"FT.AGGREGATE", b"jt", b"@tg:{green|blue|apple|Yellow}", b"LOAD", b"2", b"@t", b"@tg", b"DIALECT", dialect],
            [b"FT.AGGREGATE", b"jt", b"@tg:{green|blue|apple|Yellow}", b"LOAD", b"*", b"DIALECT", dialect],
        ]
    assert_same_raw_replies(server.port, stack_port, proto, commands, setup=SETUP)


HIGHLIGHT_SETUP = [[b"FLUSHALL"],
                   [b"FT.CREATE", b"jh", b"ON", b"JSON", b"PREFIX", b"1", b"jh:", b"SCHEMA", b"$.t", b"AS", b"t", b"TEXT",
                    b"$.s", b"AS", b"s", b"TAG", b"SORTABLE", b"$.u", b"AS", b"u", b"TEXT", b"SORTABLE", b"$.n", b"AS", b"n",
                    b"NUMERIC"]]
HIGHLIGHT_DOCS = [{"t": "red apples and green pears", "s": "Yellow,blue", "u": "apple pie", "n": 3},
                  {"t": "apple tree", "s": "red", "u": "fresh apples", "n": 10},
                  {"t": "pears only", "u": "apple", "n": -1}, {"s": "apple", "u": "no fruit here at all", "n": 2}]
HIGHLIGHT_SETUP += [[b"JSON.SET", b"jh:%d" % i, b"$", json.dumps(d).encode()] for i, d in enumerate(HIGHLIGHT_DOCS)]


@pytest.mark.parametrize("proto", [2, 3])
def test_json_highlight_and_summarize_as_redis_stack(server: ThreadedServer, stack_port: int, proto: int) -> None:
    """ON JSON HIGHLIGHT / SUMMARIZE: only strings are marked (``$`` is one under DIALECT 1 and 2, a list
    under 3, as every DIALECT 3 value but a SORTABLE attribute's single string; a number is not; arrays are
    left out here: Redis Stack summarizes their JSON text with bytes it should not read); without RETURN a named attribute must come from
    the sorting vector (a SORTABLE one joins the row) or the query fails with "No such property"; a plain
    SORTBY attribute's WITHSORTKEYS shows the marked text."""
    commands = []
    for dialect in (b"1", b"3"):
        for marks in ([b"HIGHLIGHT"], [b"SUMMARIZE", b"LEN", b"2"], [b"HIGHLIGHT", b"FIELDS", b"1", b"t"],
                      [b"SUMMARIZE", b"FIELDS", b"1", b"s"], [b"HIGHLIGHT", b"FIELDS", b"2", b"u", b"s"]):
            for tail in ([b"SORTBY", b"n"], [b"SORTBY", b"t", b"WITHSORTKEYS"], [b"SORTBY", b"u"],
                         [b"RETURN", b"3", b"t", b"u", b"s", b"SORTBY", b"n"], [b"SORTBY", b"n", b"LIMIT", b"0", b"0"],
                         [b"@n:[1000 2000]", b"SORTBY", b"n"]):
                query = b"apple|apples"
                if tail[0].startswith(b"@"):  # no document matches: still "No such property" (not under LIMIT 0 0)
                    query, tail = b"apple " + tail[0], tail[1:]
                commands.append([b"FT.SEARCH", b"jh", query, *marks, *tail, b"DIALECT", dialect])
    assert_same_raw_replies(server.port, stack_port, proto, commands, setup=HIGHLIGHT_SETUP)
