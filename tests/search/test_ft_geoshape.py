"""GEOSHAPE fields through redis-py's search API against a real server: FT.CREATE with GeoShapeField,
WKT points and polygons in hashes, the four predicates with PARAMS, combined with other clauses, writes
and deletes reflected at once, indexing failures that leave the document indexed, FT.INFO, FT.EXPLAIN,
FT.PROFILE, and the index surviving a restart from the AOF."""

from __future__ import annotations

import struct
import time
from pathlib import Path
from typing import Any

import pytest
import redis
from redis.commands.search.field import GeoShapeField, NumericField, TextField
from redis.commands.search.index_definition import IndexDefinition
from redis.commands.search.query import Query

from tests.serverutil import subprocess_server

SQUARE = "POLYGON ((0 0, 0 4, 4 4, 4 0, 0 0))"
SHAPES = {
    "shop:1": "POINT (2 2)",
    "shop:2": "POINT (3 3)",
    "shop:3": "POINT (10 10)",
    "area:1": "POLYGON ((1 1, 1 3, 3 3, 3 1, 1 1))",
    "area:2": "POLYGON ((-1 -1, -1 5, 5 5, 5 -1, -1 -1))",
    "area:3": "POLYGON ((3 3, 3 6, 6 6, 6 3, 3 3))",
}


def ids(result: Any) -> list[str]:
    return sorted(d.id for d in result.docs)


def search(client: redis.Redis, query: str, shape: str, **extra: Any) -> list[str]:
    q = Query(query).dialect(2).no_content().paging(0, 100)
    return ids(client.ft("geo").search(q, query_params={"shape": shape, **extra}))


@pytest.fixture
def geo(client: redis.Redis) -> redis.Redis:
    client.ft("geo").create_index(
        [GeoShapeField("geom", coord_system=GeoShapeField.FLAT), TextField("name"), NumericField("rank")],
        definition=IndexDefinition(prefix=["shop:", "area:"]))
    for i, (key, wkt) in enumerate(SHAPES.items()):
        client.hset(key, mapping={"geom": wkt, "name": key.split(":")[0], "rank": i})
    return client


def test_predicates(geo: redis.Redis) -> None:
    assert search(geo, "@geom:[WITHIN $shape]", SQUARE) == ["area:1", "shop:1", "shop:2"]
    assert search(geo, "@geom:[CONTAINS $shape]", "POINT (2 2)") == ["area:1", "area:2"]
    assert search(geo, "@geom:[CONTAINS $shape]", SQUARE) == ["area:2"]
    # area:3 and shop:2 only touch the query square's corner (3 3): they intersect it.
    assert search(geo, "@geom:[INTERSECTS $shape]", "POLYGON ((1 1, 1 3, 3 3, 3 1, 1 1))") == \
        ["area:1", "area:2", "area:3", "shop:1", "shop:2"]
    assert search(geo, "@geom:[DISJOINT $shape]", SQUARE) == ["shop:3"]
    assert search(geo, "@geom:[WITHIN $shape]", "POINT (2 2)") == []  # nothing is within a point
    # A point on the polygon's boundary intersects it but is not within it.
    assert "shop:2" not in search(geo, "@geom:[WITHIN $shape]", "POLYGON ((1 1, 1 3, 3 3, 3 1, 1 1))")


def test_combined_with_other_clauses(geo: redis.Redis) -> None:
    assert search(geo, "@geom:[WITHIN $shape] @name:shop", SQUARE) == ["shop:1", "shop:2"]
    assert search(geo, "@geom:[WITHIN $shape] -@rank:[1 1]", SQUARE) == ["area:1", "shop:1"]
    assert search(geo, "@geom:[WITHIN $shape] | @rank:[2 2]", SQUARE) == ["area:1", "shop:1", "shop:2", "shop:3"]
    assert search(geo, "-@geom:[WITHIN $shape]", SQUARE) == ["area:2", "area:3", "shop:3"]


def test_filters_a_knn(client: redis.Redis) -> None:
    client.execute_command("FT.CREATE", "v", "ON", "HASH", "PREFIX", "1", "v:", "SCHEMA", "geom", "GEOSHAPE", "FLAT",
                           "vec", "VECTOR", "FLAT", "6", "TYPE", "FLOAT32", "DIM", "2", "DISTANCE_METRIC", "L2")
    for i in range(20):
        client.hset(f"v:{i}", mapping={"geom": f"POINT ({i} {i})", "vec": struct.pack("<2f", i, 0)})
    q = Query("(@geom:[WITHIN $s])=>[KNN 3 @vec $q AS d]").sort_by("d").no_content().dialect(2)
    found = client.ft("v").search(q, query_params={"s": "POLYGON ((4.5 4.5, 4.5 30, 30 30, 30 4.5, 4.5 4.5))",
                                                   "q": struct.pack("<2f", 0, 0)})
    assert [d.id for d in found.docs] == ["v:5", "v:6", "v:7"]


def test_writes_and_deletes_reflected(geo: redis.Redis) -> None:
    geo.hset("shop:3", "geom", "POINT (1.5 1.5)")
    assert search(geo, "@geom:[WITHIN $shape]", SQUARE) == ["area:1", "shop:1", "shop:2", "shop:3"]
    geo.delete("shop:1")
    geo.hdel("shop:2", "geom")
    assert search(geo, "@geom:[WITHIN $shape]", SQUARE) == ["area:1", "shop:3"]
    geo.pexpire("area:1", 1)
    time.sleep(0.05)
    assert search(geo, "@geom:[WITHIN $shape]", SQUARE) == ["shop:3"]


def test_invalid_values_are_counted_and_the_document_stays(geo: redis.Redis) -> None:
    geo.hset("shop:9", mapping={"geom": "POLYGON ((0 0, 2 2, 2 0, 0 2, 0 0))", "name": "bowtie"})
    info = geo.ft("geo").info()
    assert int(info["hash_indexing_failures"]) == 1
    errors = _pairs(info["Index Errors"])
    assert _text(errors["last indexing error"]) == \
        "Error indexing geoshape: invalid geometry: Geometry has wrong orientation"
    assert ids(geo.ft("geo").search(Query("@name:bowtie").no_content())) == ["shop:9"]
    assert "shop:9" not in search(geo, "@geom:[DISJOINT $shape]", SQUARE)


def test_query_errors(geo: redis.Redis) -> None:
    with pytest.raises(redis.ResponseError, match=r"^Error querying geoshape index: unknown geometry type$"):
        search(geo, "@geom:[WITHIN $shape]", "LINESTRING (0 0, 1 1)")
    with pytest.raises(redis.ResponseError, match=r"^Error querying geoshape index: Too many tokens at 'x' in"):
        search(geo, "@geom:[WITHIN $shape]", "POINT (1 1) x")
    with pytest.raises(redis.ResponseError, match="Expecting a geoshape predicate"):
        search(geo, "@geom:[NEAR $shape]", SQUARE)
    assert search(geo, "@name:[WITHIN $shape]", "garbage") == []  # not a GEOSHAPE field: matches nothing


def test_info_explain_profile(geo: redis.Redis) -> None:
    attrs = [_pairs(a) for a in geo.ft("geo").info()["attributes"]]
    geom = next(a for a in attrs if _text(a["attribute"]) == "geom")
    assert _text(geom["type"]) == "GEOSHAPE" and _text(geom["coord_system"]) == "FLAT"
    explained = geo.execute_command("FT.EXPLAIN", "geo", "@geom:[CONTAINS $s]", "PARAMS", "2", "s", "POINT (1 1)",
                                    "DIALECT", "2")
    assert _text(explained).strip() == "GEOSHAPE{1 POINT (1 1)}"
    profile = geo.execute_command("FT.PROFILE", "geo", "SEARCH", "QUERY", "@geom:[WITHIN $s]", "PARAMS", "2", "s",
                                  SQUARE, "NOCONTENT", "DIALECT", "2")
    assert "ID-LIST" in str(profile)


def test_spherical_is_the_default_and_follows_great_circles(client: redis.Redis) -> None:
    client.ft("sph").create_index([GeoShapeField("geom")], definition=IndexDefinition(prefix=["p:"]))
    # The edge from (-60 60) to (60 60) is a great circle reaching latitude 73.9 at longitude 0.
    for key, wkt in (("p:1", "POINT (0 73.5)"), ("p:2", "POINT (0 74.5)"), ("p:3", "POINT (0 30)")):
        client.hset(key, "geom", wkt)
    q = Query("@geom:[WITHIN $shape]").dialect(2).no_content()
    found = client.ft("sph").search(q, query_params={"shape": "POLYGON ((-60 0, -60 60, 60 60, 60 0, -60 0))"})
    assert ids(found) == ["p:1", "p:3"]
    attrs = _pairs(client.ft("sph").info()["attributes"][0])
    assert _text(attrs["coord_system"]) == "SPHERICAL"


def test_survives_a_restart(tmp_path: Path) -> None:
    args = ["--dir", str(tmp_path), "--appendonly", "yes", "--save", ""]
    with subprocess_server(args) as (_, port):
        c = redis.Redis(port=port, protocol=2)
        c.execute_command("FT.CREATE", "geo", "ON", "HASH", "PREFIX", "1", "s:", "SCHEMA", "geom", "GEOSHAPE", "FLAT")
        c.hset("s:1", "geom", "POINT (1 1)")
        c.hset("s:2", "geom", "POINT (9 9)")
        c.hset("s:3", "geom", "nonsense")
        c.close()
    with subprocess_server(args) as (_, port):
        c = redis.Redis(port=port, protocol=2)
        found = c.execute_command("FT.SEARCH", "geo", "@geom:[WITHIN $s]", "PARAMS", "2", "s", SQUARE, "NOCONTENT",
                                  "DIALECT", "2")
        assert found == [1, b"s:1"]
        info = c.ft("geo").info()
        assert int(info["num_docs"]) == 3 and int(info["hash_indexing_failures"]) == 1
        c.close()


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _pairs(value: Any) -> dict[str, Any]:
    """An FT.INFO entry (a flat RESP2 list or a RESP3 map) by its text keys."""
    items = value.items() if isinstance(value, dict) else zip(value[::2], value[1::2], strict=False)
    return {_text(k): v for k, v in items}
