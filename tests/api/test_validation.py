"""Request validation: 400/404/409/422 with a message naming what is wrong, never a 500, never a partial batch."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import redis


@pytest.fixture
def coll(rest: httpx.Client, clean: redis.Redis) -> str:
    assert rest.put("/collections/v", json={"vectors": {"size": 3, "distance": "Cosine"}}).status_code == 200
    return "v"


def error(r: httpx.Response) -> str:
    body = r.json()
    return str(body["status"]["error"] if "status" in body else body["error"])


@pytest.mark.parametrize("body, status, text", [
    ({"points": [{"id": 1, "vector": [1, 2]}]}, 400, "expected dim: 3, got 2"),
    ({"points": [{"id": -1, "vector": [1, 2, 3]}]}, 400, "value -1 is not a valid point ID"),
    ({"points": [{"id": "123", "vector": [1, 2, 3]}]}, 400, 'value "123" is not a valid point ID'),
    ({"points": [{"id": 1.0, "vector": [1, 2, 3]}]}, 400, "not a valid point ID"),
    ({"points": [{"id": True, "vector": [1, 2, 3]}]}, 400, "not a valid point ID"),
    ({"points": [{"id": 1, "vector": [1, "x", 3]}]}, 400, "points[1].vector[1]"),
    ({"points": [{"id": 1}]}, 400, "missing field `vector`"),
    ({"points": [{"id": 1, "vector": [1, 1e39, 3]}]}, 400, "points[1].vector[1]"),
    ({"points": [{"id": 1, "vector": [1, 10**400, 3]}]}, 400, "points[1].vector[1]"),
    ({"points": [{"id": 1, "vector": [1, True, 3]}]}, 400, "points[1].vector[1]"),
    ({"points": [{"id": 1, "vector": [1, 2, 3], "payload": [1]}]}, 400, "points[1].payload"),
    ({"batch": {"ids": [1, 2], "vectors": [[1, 2, 3]]}}, 400, "same length"),
    ({"points": [{"id": 1, "vector": {"img": [1, 2, 3]}}]}, 400, "Not existing vector name error: img"),
    ({"nothing": 1}, 400, "expected `points` or `batch`"),
])
def test_bad_upserts_write_nothing(rest: httpx.Client, coll: str, body: dict[str, Any], status: int,
                                   text: str) -> None:
    good = {"id": 7, "vector": [1, 1, 1]}
    if "points" in body:
        body = {"points": [good, *body["points"]]}
    r = rest.put(f"/collections/{coll}/points?wait=true", json=body)
    assert r.status_code == status
    assert text in error(r)
    assert rest.post(f"/collections/{coll}/points/count", json={}).json()["result"]["count"] == 0


@pytest.mark.parametrize("flt, status, text", [
    ({"must": [{"key": "city"}]}, 422, "At least one field condition must be specified"),
    ({"must": [{"key": "city", "match": {"value": 1.5}}]}, 400, "filter.must[0].match.value"),
    ({"must": [{"key": "a", "range": {"gt": "x"}}]}, 400, "filter.must[0].range.gt"),
    ({"must": "nope"}, 400, "filter.must[0] must be an object"),
    ({"min_should": {"conditions": [], "min_count": 0}}, 400, "min_count"),
    ({"must": [{"key": "loc", "geo_radius": {"center": {"lat": 91, "lon": 2}, "radius": 3}}]}, 400, "within [-90;90]"),
    ({"must": [{"key": "loc", "geo_polygon": {"exterior": {"points": []}}}]}, 400, "at least 4, got 0"),
    ({"must": [{"key": "t", "match": {"phrase": 1}}]}, 400, "filter.must[0].match.phrase"),
    ({"must": [{"slice": {"total": 2, "index": 2}}]}, 400, "Slice index must be in [0;1], got 2"),
])
def test_bad_filters(rest: httpx.Client, coll: str, flt: dict[str, Any], status: int, text: str) -> None:
    for path, body in (("points/query", {"query": [1, 2, 3]}), ("points/scroll", {}), ("points/count", {})):
        r = rest.post(f"/collections/{coll}/{path}", json={**body, "filter": flt})
        assert r.status_code == status, path
        assert text in error(r)
    r = rest.post(f"/api/collections/{coll}/search", json={"vector": [1, 2, 3], "filter": flt})
    assert r.status_code == status and text in error(r)


def test_ids_in_paths_and_missing_points(rest: httpx.Client, coll: str) -> None:
    r = rest.get(f"/collections/{coll}/points/not-an-id")
    assert r.status_code == 400 and error(r) == 'Wrong input: Can not recognize "not-an-id" as point id'
    r = rest.get(f"/collections/{coll}/points/5")
    assert r.status_code == 404 and error(r) == "Not found: Point with id 5 does not exists!"
    r = rest.post(f"/collections/{coll}/points/payload", json={"payload": {"a": 1}, "points": [5]})
    assert r.status_code == 404 and error(r) == "Not found: No point with id 5 found"
    r = rest.post(f"/collections/{coll}/points/query", json={"query": 5})
    assert r.status_code == 404
    assert rest.get(f"/api/collections/{coll}/points/5").status_code == 404
    assert rest.delete(f"/api/collections/{coll}/points/5").status_code == 404


def test_product_api_validation(rest: httpx.Client, coll: str) -> None:
    assert rest.post(f"/api/collections/{coll}", json={"vector_size": 3}).status_code == 409
    r = rest.get(f"/api/collections/{coll}/search?vector=1,x,3")
    assert r.status_code == 400 and "comma-separated" in error(r)
    r = rest.get(f"/api/collections/{coll}/search?vector=1,2,3&limit=0")
    assert r.status_code == 400 and "limit" in error(r)
    r = rest.get(f"/api/collections/{coll}/search?vector=1,2")
    assert r.status_code == 400 and "expected dim: 3, got 2" in error(r)
    r = rest.post(f"/api/collections/{coll}/points", json={"points": [{"id": 1, "vector": [1, 2, 3]}, {"id": [1]}]})
    assert r.status_code == 400 and "points[1].id" in error(r)
    assert rest.get(f"/api/collections/{coll}").json()["points_count"] == 0
    r = rest.post(f"/collections/{coll}/points/query", json={"query": {"fusion": "rrf"}})
    assert r.status_code == 400 and error(r) == "Bad request: cannot apply Fusion without prefetches"
    r = rest.post(f"/collections/{coll}/points/query", json={"prefetch": {"limit": 0}, "query": {"fusion": "rrf"}})
    assert r.status_code == 422 and "prefetch[0].limit" in error(r)
    r = rest.post(f"/collections/{coll}/points/query", json={"query": {"discover": {}}})
    assert r.status_code == 400 and "not supported" in error(r)
    r = rest.put(f"/collections/{coll}/points", json={"points": [{"id": 1, "vector": [1, 2, 3]}],
                                                       "update_mode": "sometimes"})
    assert r.status_code == 400


def test_update_mode_and_uuid_ids(rest: httpx.Client, coll: str) -> None:
    uid = "2EECA6A2D1CC4A648965DBA78B952D13"  # simple form, upper case: stored hyphenated lowercase
    rest.put(f"/collections/{coll}/points", json={"points": [{"id": uid, "vector": [1, 0, 0], "payload": {"v": 1}}]})
    rest.put(f"/collections/{coll}/points", json={"points": [{"id": uid, "vector": [0, 1, 0], "payload": {"v": 2}}],
                                                   "update_mode": "insert_only"})
    rest.put(f"/collections/{coll}/points", json={"points": [{"id": 9, "vector": [0, 1, 0]}],
                                                   "update_mode": "update_only"})
    records = rest.post(f"/collections/{coll}/points/scroll", json={"with_vector": True}).json()["result"]["points"]
    assert records == [{"id": "2eeca6a2-d1cc-4a64-8965-dba78b952d13", "payload": {"v": 1}, "vector": [1.0, 0.0, 0.0]}]


def test_non_finite_numbers_are_rejected(rest: httpx.Client, coll: str) -> None:
    r = rest.put(f"/collections/{coll}/points", content=b'{"points": [{"id": 1, "vector": [1, 2, 3], '
                 b'"payload": {"x": NaN}}]}', headers={"content-type": "application/json"})
    assert r.status_code == 400 and "finite" in error(r)
    r = rest.put(f"/collections/{coll}/points", content=b'{"points": [{"id": 1, "vector": [1, Infinity, 3]}]}',
                 headers={"content-type": "application/json"})
    assert r.status_code == 400 and "points[0].vector[1]" in error(r)


def test_product_string_ids_that_look_numeric(rest: httpx.Client, coll: str, clean: redis.Redis) -> None:
    body = {"points": [{"id": "007", "vector": [1, 0, 0]}, {"id": 7, "vector": [0, 1, 0]}]}
    assert rest.post(f"/api/collections/{coll}/points", json=body).status_code == 200
    assert sorted(clean.keys(f"{coll}:*")) == [b"v:007", b"v:7"]
    assert rest.get(f"/api/collections/{coll}/points/007").json()["id"] == "007"
    assert rest.get(f"/api/collections/{coll}/points/7").json()["id"] == 7
