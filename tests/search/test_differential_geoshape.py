"""Differential: GEOSHAPE fields (FT.CREATE, WKT values of hashes and JSON documents, the WITHIN /
CONTAINS / INTERSECTS / DISJOINT clauses, FT.EXPLAIN, FT.INFO's attributes and indexing errors) against
Redis Stack 7.4.1 with RedisJSON. The same script runs on both servers in RESP2 and RESP3; replies are
compared byte for byte (FT.INFO: its attributes, document count and error entries). Skipped when Redis
Stack cannot start."""

from __future__ import annotations

import json
import shlex
from collections.abc import Iterator
from typing import Any

import pytest

from tests.search.test_differential_aux import Raw, raw_pair
from tests.serverutil import ThreadedServer

SQUARE = "'POLYGON ((0 0, 0 4, 4 4, 4 0, 0 0))'"
INNER = "'POLYGON ((1 1, 1 3, 3 3, 3 1, 1 1))'"

# Values whose reading, validity check or error text the script exercises (each one a hash's geom).
VALUES = [
    "POINT (2 2)", "POINT(3 3)", "POINT (10 10)", "POLYGON ((1 1, 1 3, 3 3, 3 1, 1 1))",
    "POLYGON ((0 0, 0 5, 5 5, 5 0, 0 0))", "POLYGON ((0 0, 1 0, 1 1, 0 1, 0 0))", "POLYGON ((0 0, 0 1, 1 1, 1 0))",
    "POLYGON ((0 0, 1 0, 0 1))", "POLYGON ((0 0, 0 10, 10 10, 10 0, 0 0), (4 4, 6 4, 6 6, 4 6, 4 4))",
    "POLYGON ((0 0, 0 1, 0 1, 1 1, 1 0, 0 0))", "POLYGON (( 0 0 , 1 0 , 1 1 , 0 0 ))", "POLYGON((0 0,1 0,1 1,0 0))",
    "POINT (1 1)\t", "POINT\t(1 1)", "POINT ( 1 1 )", "POINT (+1 -1)", "POINT (.5 1.)", "POINT (1e1 -2.5E0)",
    "POINT ()", "POINT (1)", "POInt (7 7)", "POINT (200 100)",
    # failures
    "garbage", "point (1 1)", "  POINT (1 1)", "LINESTRING (0 0, 1 1)", "MULTIPOLYGON (((0 0, 0 1, 1 1, 0 0)))",
    "POINT 1 1", "POINT (a b)", "POINT", "POINT (1 1", "POINTZ (1 1)", "POINT Z (1 1 1)", "POINT (1e400 1)",
    "POINT (0x10 1)", "POINT (1 1) junk", "POINT (1, 1)", "POINT (1 1 1)", "POINT (nan 1)", "POINT (inf 1)",
    "POLYGON (0 0, 1 1)", "POLYGON ((0 0, 1 0, 1 1, 0 0)", "POLYGON ((0 0, 1 0, 1 1, 0 0)) x", "POLYGONS ((0 0, 1 0, 1 1, 0 0))",
    "POLYGON EMPTY", "POLYGON ((0 0, 1 1, 0 0))", "POLYGON ((0 0, 1 0))", "POLYGON (())",
    "POLYGON ((0 0, 2 2, 2 0, 0 2, 0 0))", "POLYGON ((1 1, 1 1, 1 1, 1 1))", "POLYGON ((0 0, 2 0, 1 0, 1 1, 0 0))",
    "POLYGON ((0 0, 1 0, 2 0, 0 0))", "POLYGON ((0 0, 0 2, 0 3, 0 2, 2 2, 2 0, 0 0))",
    "POLYGON ((0 0, 10 0, 10 10, 0 10, 0 0), (20 20, 21 20, 21 21, 20 20))",
    "POLYGON ((0 0, 10 0, 10 10, 0 10, 0 0), (2 2, 8 2, 8 8, 2 8, 2 2), (3 3, 4 3, 4 4, 3 3))",
    "POLYGON ((0 0, 1 0, nan 1, 0 0))", "POLYGON ((0 0, 1 0, 1 1, 0 1, 0 0) (2 2, 3 2, 3 3, 2 2))",
    "POLYGON ((0 0 0, 1 0 0, 1 1 0, 0 0 0))", "", "POI", "P",
]

SCRIPT = """
FT.CREATE flat ON HASH PREFIX 1 s: SCHEMA geom GEOSHAPE FLAT name TEXT
FT.CREATE sph ON HASH PREFIX 1 s: SCHEMA geom GEOSHAPE
FT.CREATE opts ON HASH PREFIX 1 o: SCHEMA g1 GEOSHAPE FLAT SORTABLE g2 GEOSHAPE NOINDEX g3 GEOSHAPE SPHERICAL INDEXMISSING
FT.CREATE bad SCHEMA geom GEOSHAPE FOO
FT.CREATE bad SCHEMA geom GEOSHAPE SPHERICAL FLAT
FT.INFO opts
FT.ALTER opts SCHEMA ADD g4 GEOSHAPE FLAT
FT.INFO opts
"""

QUERIES = """
FT.SEARCH {idx} "@geom:[{pred} $s]" PARAMS 2 s {shape} NOCONTENT DIALECT 2 LIMIT 0 100
"""

AFTER = f"""
FT.SEARCH flat "@geom:[WITHIN $s]" PARAMS 2 s {SQUARE} DIALECT 2 LIMIT 0 100
FT.SEARCH flat "@geom:[within $s] @name:v3" PARAMS 2 s {SQUARE} NOCONTENT DIALECT 2
FT.SEARCH flat "-@geom:[WITHIN $s]" PARAMS 2 s {SQUARE} NOCONTENT DIALECT 2 LIMIT 0 100
FT.SEARCH flat "@geom:[WITHIN $s] | @name:v5" PARAMS 2 s {SQUARE} WITHSCORES NOCONTENT DIALECT 2 SCORER BM25STD
FT.SEARCH flat "@geom:[WITHIN $s] | @name:v5" PARAMS 2 s {SQUARE} WITHSCORES NOCONTENT DIALECT 2 SCORER TFIDF
FT.SEARCH flat "@geom:[WITHIN $s]" PARAMS 2 s {SQUARE} WITHSCORES NOCONTENT DIALECT 2 SCORER TFIDF
FT.SEARCH flat "@geom:[WITHIN $s]" PARAMS 2 s {SQUARE} RETURN 1 geom SORTBY geom DESC DIALECT 2
FT.SEARCH flat "@name:[WITHIN $s]" PARAMS 2 s 'POINT (1 1)' DIALECT 2
FT.SEARCH flat "@name:[WITHIN $s]" PARAMS 2 s garbage DIALECT 2
FT.SEARCH flat "@nosuch:[WITHIN $s]" PARAMS 2 s 'POINT (1 1)' DIALECT 2
FT.SEARCH flat "@geom:[WITHIN $s]" DIALECT 2
FT.SEARCH flat "@geom:[NEAR $s]" PARAMS 2 s 'POINT (1 1)' DIALECT 2
FT.SEARCH flat "@geom:[WITHIN $s]" PARAMS 2 s 'POINT (1 1)' DIALECT 1
FT.SEARCH flat "@geom:[WITHIN POINT]" DIALECT 2
FT.SEARCH flat "@geom:[INTERSECTS $s]" PARAMS 2 s 'point (1 1)' DIALECT 2
FT.SEARCH flat "@geom:[INTERSECTS $s]" PARAMS 2 s 'POLYGON ((0 0, 2 2, 2 0, 0 2, 0 0))' DIALECT 2
FT.SEARCH flat "@geom:[INTERSECTS $s]" PARAMS 2 s 'POINT (1 1) junk' DIALECT 2
FT.SEARCH flat "@geom:[INTERSECTS $s]" PARAMS 2 s 'LINESTRING (0 0, 1 1)' DIALECT 2
FT.SEARCH flat "@geom:[INTERSECTS $s]" PARAMS 2 s 'POLYGON ((0 0, 1 1, 0 0))' DIALECT 2
FT.EXPLAIN flat "@geom:[WITHIN $s]" PARAMS 2 s 'POINT (1 1)' DIALECT 2
FT.EXPLAIN flat "@geom:[CONTAINS $s]" PARAMS 2 s 'POINT (1 1)' DIALECT 2
FT.EXPLAIN flat "@geom:[INTERSECTS $s] @name:x" PARAMS 2 s 'POINT (1 1)' DIALECT 2
FT.EXPLAIN flat "@geom:[DISJOINT $s]" PARAMS 2 s 'POINT (1 1)' DIALECT 2
FT.AGGREGATE flat "@geom:[CONTAINS $s]" PARAMS 2 s 'POINT (2 2)' LOAD 2 @geom @name SORTBY 2 @name ASC DIALECT 2
FT.SEARCH flat "ismissing(@geom)" NOCONTENT DIALECT 2
FT.INFO flat
FT.INFO sph
HSET s:3 geom 'POINT (9 9)'
HSET s:4 geom bogus
FT.SEARCH flat "@geom:[DISJOINT $s]" PARAMS 2 s {SQUARE} NOCONTENT DIALECT 2 LIMIT 0 100
DEL s:5
FT.SEARCH flat "@geom:[CONTAINS $s]" PARAMS 2 s 'POINT (2 2)' NOCONTENT DIALECT 2
FT.INFO flat
HSET o:1 g1 'POINT (1 1)' g2 'POINT (1 1)'
HSET o:2 g3 'POINT (1 1)'
FT.SEARCH opts "@g2:[INTERSECTS $s]" PARAMS 2 s {SQUARE} NOCONTENT DIALECT 2
FT.SEARCH opts "ismissing(@g3)" NOCONTENT DIALECT 2
FT.SEARCH opts "@g3:[INTERSECTS $s]" PARAMS 2 s {SQUARE} NOCONTENT DIALECT 2
"""

# SPHERICAL edges are great circles: the arc from (-60 60) to (60 60) passes latitude 73.9 at longitude 0.
# (RedVector follows the arcs by densifying them, to within centimetres: shapes whose boundaries touch or
# share vertices with the query's can land on either side, so this script keeps clear of them.)
SPHERICAL = """
FT.CREATE flat ON HASH PREFIX 1 p: SCHEMA geom GEOSHAPE FLAT
FT.CREATE sph ON HASH PREFIX 1 p: SCHEMA geom GEOSHAPE SPHERICAL
HSET p:1 geom 'POINT (0 61)'
HSET p:2 geom 'POINT (0 73.5)'
HSET p:3 geom 'POINT (0 74.5)'
HSET p:4 geom 'POINT (59 60.5)'
HSET p:5 geom 'POINT (10 10)'
HSET p:6 geom 'POLYGON ((-10 61, 10 61, 10 65, -10 65, -10 61))'
"""
ARC = "'POLYGON ((-60 0, -60 60, 60 60, 60 0, -60 0))'"

JSON_SCRIPT = """
FT.CREATE j ON JSON PREFIX 1 j: SCHEMA $.geom AS geom GEOSHAPE FLAT $.name AS name TEXT
FT.CREATE j2 ON JSON PREFIX 1 k: SCHEMA $.geoms[*] AS geom GEOSHAPE FLAT
"""
JSON_VALUES = [["POINT (2 2)", "POINT (3 3)"], ["POINT (2 2)"], "bogus", {"a": 1}, None, True, [], 5, "POINT (1 1)",
               "POLYGON ((1 1, 1 3, 3 3, 3 1, 1 1))"]


def _lines(script: str) -> list[list[str]]:
    return [shlex.split(line) for line in script.strip().splitlines() if line.strip()]


@pytest.fixture(params=[2, 3], ids=["resp2", "resp3"])
def pair(stack_port: int, server: ThreadedServer, request: pytest.FixtureRequest) -> Iterator[tuple[Raw, Raw]]:
    yield from raw_pair(stack_port, server.port, request.param)


def _info_parts(value: Any) -> list[Any]:
    """What of FT.INFO both servers give alike: attributes, document count, failures and error entries."""
    fields = dict(zip(value[::2], value[1::2], strict=True))
    return [fields[b"attributes"], fields[b"num_docs"], fields[b"hash_indexing_failures"], fields[b"Index Errors"],
            fields.get(b"field statistics")]


def _run(pair: tuple[Raw, Raw], argvs: list[list[str]]) -> None:
    ref, ours = pair
    for argv in argvs:
        (raw_ref, ref_value), (raw_ours, our_value) = ref.call(argv), ours.call(argv)
        if argv[0] == "FT.INFO" and isinstance(ref_value, list):
            assert _info_parts(our_value) == _info_parts(ref_value), argv
        else:
            assert raw_ours == raw_ref, argv


def _queries(idx: str, shapes: list[str]) -> list[list[str]]:
    return [line for pred in ("WITHIN", "CONTAINS", "INTERSECTS", "DISJOINT") for shape in shapes
            for line in _lines(QUERIES.format(idx=idx, pred=pred, shape=shape))]


def test_hash_values_queries_and_errors(pair: tuple[Raw, Raw]) -> None:
    argvs = _lines(SCRIPT)
    for i, value in enumerate(VALUES):
        argvs.append(["HSET", f"s:{i}", "geom", value, "name", f"v{i}"])
        argvs += [["FT.INFO", "flat"], ["FT.INFO", "sph"]]
    shapes = [SQUARE, INNER, "'POINT (2 2)'", "'POINT (0 0)'", "'POLYGON ((-1 -1, -1 5, 5 5, 5 -1, -1 -1))'"]
    argvs += _queries("flat", shapes) + _lines(AFTER)
    _run(pair, argvs)


def test_spherical_edges_follow_great_circles(pair: tuple[Raw, Raw]) -> None:
    _run(pair, _lines(SPHERICAL) + _queries("flat", [ARC]) + _queries("sph", [ARC]))
    ref, ours = pair
    within = ["FT.SEARCH", "sph", "@geom:[WITHIN $s]", "PARAMS", "2", "s", ARC.strip("'"), "NOCONTENT", "DIALECT", "2"]
    assert ours.call(within)[0] == ref.call(within)[0]
    found = ours.call(within)[1]
    assert b"p:2" in str(found).encode() and b"p:3" not in str(found).encode()


def test_json_values(pair: tuple[Raw, Raw]) -> None:
    argvs = _lines(JSON_SCRIPT)
    for i, value in enumerate(JSON_VALUES):
        argvs.append(["JSON.SET", f"j:{i}", "$", json.dumps({"geom": value, "name": f"n{i}"})])
        argvs += [["FT.INFO", "j"], ["FT.SEARCH", "j", f"@name:n{i}", "NOCONTENT"]]
    argvs += [["JSON.SET", "k:1", "$", json.dumps({"geoms": ["POINT (2 2)", "POINT (3 3)"]})],
              ["JSON.SET", "k:2", "$", json.dumps({"geoms": ["POINT (2 2)"]})], ["FT.INFO", "j2"]]
    argvs += _queries("j", [SQUARE, "'POINT (2 2)'"]) + _queries("j2", [SQUARE])
    argvs += _lines(f"""FT.SEARCH j "@geom:[WITHIN $s]" PARAMS 2 s {SQUARE} DIALECT 2
FT.SEARCH j "@geom:[WITHIN $s]" PARAMS 2 s {SQUARE} RETURN 1 geom DIALECT 3""")
    _run(pair, argvs)
