"""service.filters' geo, text_any/phrase/prefix/substring and slice conditions against qdrant-client 1.20's
local-mode filter engine, over seeded random payloads and conditions (boundaries, poles, antimeridian)."""

from __future__ import annotations

import math
import random
import uuid
from typing import Any

import pytest
from qdrant_client.http import models
from qdrant_client.local.payload_filters import check_filter
from qdrant_client.local.siphash import point_id_slice
from qdrant_client.local.siphash import siphash24 as reference_siphash

from redvector.errors import BadRequest, Unprocessable
from redvector.service.filters import compile_filter
from redvector.service.slices import id_hash, siphash24


def random_point(rng: random.Random) -> dict[str, Any]:
    r = rng.random()
    if r < 0.1:  # on or near the antimeridian
        return {"lon": rng.choice([-180, 180, 179.9999, -179.9999, 180.0]), "lat": rng.uniform(-90, 90)}
    if r < 0.2:  # on or near a pole
        return {"lon": rng.uniform(-180, 180), "lat": rng.choice([90, -90, 89.999, -89.9999])}
    if r < 0.35:  # integers: exactly on box and polygon edges
        return {"lon": rng.randint(-6, 6), "lat": rng.randint(-6, 6)}
    return {"lon": rng.uniform(-180, 180), "lat": rng.uniform(-90, 90)}


INVALID_LOCATIONS: list[Any] = [
    None, "52.5,13.4", 5, [], {"lat": 1}, {"lon": "1", "lat": 2}, {"lon": True, "lat": 1},
    {"lon": 1, "lat": 10**400}, {"lon": 1, "lat": None}, [[{"lon": 1, "lat": 1}]], {"lon": 1, "lat": 95},
]


def random_payload(rng: random.Random) -> dict[str, Any]:
    r = rng.random()
    if r < 0.45:
        return {"loc": random_point(rng)}
    if r < 0.65:
        return {"loc": [random_point(rng) for _ in range(rng.randint(0, 3))]}
    if r < 0.8:
        return {"loc": rng.choice(INVALID_LOCATIONS)}
    if r < 0.9:
        return {"shop": {"loc": random_point(rng)}, "stores": [{"loc": random_point(rng)}]}
    return {}


def ring(rng: random.Random, lon: float, lat: float, size: float, corners: int) -> list[dict[str, float]]:
    points = []
    for i in range(corners):
        angle = 2 * math.pi * i / corners
        scale = rng.uniform(0.5, 1)
        points.append({"lon": max(-180.0, min(180.0, lon + size * math.cos(angle) * scale)),
                       "lat": max(-90.0, min(90.0, lat + size * math.sin(angle) * scale))})
    return [*points, dict(points[0])]


def random_geo(rng: random.Random, key: str = "loc") -> dict[str, Any]:
    kind = rng.random()
    if kind < 0.33:
        radius = rng.choice([0, 1000, 1e5, 1e6, 5e6, 2e7, 3e7, -1, rng.uniform(0, 2e7)])
        return {"key": key, "geo_radius": {"center": random_point(rng), "radius": radius}}
    if kind < 0.66:
        a, b = random_point(rng), random_point(rng)  # a.lon > b.lon crosses the antimeridian
        return {"key": key, "geo_bounding_box": {"top_left": {"lon": a["lon"], "lat": max(a["lat"], b["lat"])},
                                                 "bottom_right": {"lon": b["lon"], "lat": min(a["lat"], b["lat"])}}}
    if rng.random() < 0.3:  # integer corners: points on the edges and corners of the ring and the hole
        outer = [(0, 0), (4, 0), (4, 4), (0, 4), (0, 0)]
        hole = [(1, 1), (2, 1), (2, 2), (1, 2), (1, 1)]
        return {"key": key, "geo_polygon": {
            "exterior": {"points": [{"lon": x, "lat": y} for x, y in outer]},
            "interiors": [{"points": [{"lon": x, "lat": y} for x, y in hole]}]}}
    lon, lat = rng.choice([(0.0, 0.0), (rng.uniform(-170, 170), rng.uniform(-80, 80))])
    size = rng.choice([5, 20, 60, 200])
    polygon: dict[str, Any] = {"exterior": {"points": ring(rng, lon, lat, size, rng.randint(3, 9))}}
    if rng.random() < 0.5:
        polygon["interiors"] = [{"points": ring(rng, lon, lat, size / 3, rng.randint(3, 6))}]
    return {"key": key, "geo_polygon": polygon}


def random_filter(rng: random.Random) -> dict[str, Any]:
    geo = random_geo(rng, rng.choice(["loc", "loc", "loc", "shop.loc", "stores[].loc"]))
    return rng.choice([
        {"must": [geo]},
        {"must_not": [geo]},
        {"should": [geo, random_geo(rng)]},
        {"must": [geo], "must_not": [random_geo(rng)]},
        {"min_should": {"conditions": [geo, random_geo(rng), random_geo(rng)], "min_count": 2}},
        {"must": [{"nested": {"key": "stores", "filter": {"must": [random_geo(rng)]}}}]},
    ])


def assert_same_as_local_mode(raw: dict[str, Any], ids: list[Any], payloads: list[dict[str, Any]]) -> int:
    """Assert RedVector's predicate agrees with local mode on every payload; the number of matches."""
    predicate = compile_filter(raw)
    oracle = models.Filter.model_validate(raw)
    matched = 0
    for pid, payload in zip(ids, payloads, strict=True):
        oracle_id = str(pid) if isinstance(pid, uuid.UUID) else pid
        expected = check_filter(oracle, payload, oracle_id, has_vector={})
        assert predicate(pid, payload) == expected, (raw, pid, payload)
        matched += expected
    return matched


def test_random_geo_filters_match_local_mode() -> None:
    rng = random.Random(20261128)
    payloads = [random_payload(rng) for _ in range(150)]
    payloads += [{"loc": {"lon": x, "lat": y}} for x in range(-1, 6) for y in range(-1, 6)]
    ids = list(range(len(payloads)))
    counts = [assert_same_as_local_mode(random_filter(rng), ids, payloads) for _ in range(250)]
    # the conditions select something, and not everything
    assert sum(0 < c < len(payloads) for c in counts) > 100


def test_polygon_and_box_boundaries() -> None:
    grid = [{"loc": {"lon": x / 2, "lat": y / 2}} for x in range(-2, 11) for y in range(-2, 11)]
    ids = list(range(len(grid)))
    square = [{"lon": 0, "lat": 0}, {"lon": 4, "lat": 0}, {"lon": 4, "lat": 4}, {"lon": 0, "lat": 4},
              {"lon": 0, "lat": 0}]
    hole = [{"lon": 1, "lat": 1}, {"lon": 3, "lat": 1}, {"lon": 2, "lat": 3}, {"lon": 1, "lat": 1}]
    cases: list[dict[str, Any]] = [
        {"geo_polygon": {"exterior": {"points": square}}},
        {"geo_polygon": {"exterior": {"points": square}, "interiors": [{"points": hole}]}},
        {"geo_bounding_box": {"top_left": {"lon": 0, "lat": 4}, "bottom_right": {"lon": 4, "lat": 0}}},
        {"geo_bounding_box": {"top_left": {"lon": 4, "lat": 4}, "bottom_right": {"lon": 1, "lat": 0}}},
        {"geo_radius": {"center": {"lon": 2, "lat": 2}, "radius": 111194.9}},
    ]
    for case in cases:
        raw = {"must": [{"key": "loc", **case}]}
        assert_same_as_local_mode(raw, ids, grid)
    inside = compile_filter({"must": [{"key": "loc", **cases[1]}]})
    assert inside(0, {"loc": {"lon": 0.5, "lat": 0.5}})
    assert not inside(0, {"loc": {"lon": 0, "lat": 2}})  # on the exterior: out
    assert not inside(0, {"loc": {"lon": 2, "lat": 1}})  # on a hole's edge: out


def test_antimeridian_box_and_radius() -> None:
    box = compile_filter({"must": [{"key": "loc", "geo_bounding_box": {
        "top_left": {"lon": 170, "lat": 10}, "bottom_right": {"lon": -170, "lat": -10}}}]})
    assert box(0, {"loc": {"lon": 175, "lat": 0}}) and box(0, {"loc": {"lon": -175, "lat": 0}})
    assert not box(0, {"loc": {"lon": 0, "lat": 0}}) and not box(0, {"loc": {"lon": 170, "lat": 0}})
    near = compile_filter({"must": [{"key": "loc", "geo_radius": {
        "center": {"lon": 179.9, "lat": 0}, "radius": 50_000}}]})
    assert near(0, {"loc": {"lon": -179.9, "lat": 0}})  # ~22 km across the antimeridian
    assert not near(0, {"loc": {"lon": 179.0, "lat": 0}})  # ~100 km


TEXTS = ["The quick brown fox", "quick-brown", "Brown FOX jumps", "fox_brown", "", "über straße", "a b c a b",
         42, None, ["lazy dog", "quick fox"], {"t": "quick"}]
TEXT_QUERIES = ["quick brown", "brown quick", "fox", "FOX", "", "  ", "a b", "b a", "straße", "zebra quick",
                "quick fox", "c a b", "The", "qu", "Brown"]


@pytest.mark.parametrize("kind", ["text_any", "phrase", "prefix", "substring", "text"])
def test_string_matches_match_local_mode(kind: str) -> None:
    payloads = [{"t": t} for t in TEXTS] + [{}]
    ids = list(range(len(payloads)))
    for query in TEXT_QUERIES:
        assert_same_as_local_mode({"must": [{"key": "t", "match": {kind: query}}]}, ids, payloads)
        assert_same_as_local_mode({"must_not": [{"key": "t", "match": {kind: query}}]}, ids, payloads)


def test_phrase_and_text_any_semantics() -> None:
    phrase = compile_filter({"must": [{"key": "t", "match": {"phrase": "Quick Brown"}}]})
    assert phrase(0, {"t": "the quick, brown fox"}) and not phrase(0, {"t": "brown quick"})
    any_word = compile_filter({"must": [{"key": "t", "match": {"text_any": "zebra fox"}}]})
    assert any_word(0, {"t": "a fox"}) and not any_word(0, {"t": "a dog"})


def test_siphash_and_slices_match_local_mode() -> None:
    rng = random.Random(5)
    for length in range(0, 40):  # every tail length, against local mode's SipHash-2-4
        data = rng.randbytes(length)
        assert siphash24(data) == reference_siphash(data)
    ids: list[Any] = [0, 1, 2, 255, 2**32, 2**64 - 1, *range(3, 60)]
    ids += [uuid.UUID(int=rng.getrandbits(128)) for _ in range(30)]
    payloads: list[dict[str, Any]] = [{} for _ in ids]
    for total in (1, 2, 3, 7, 64):
        for index in sorted({0, total - 1, total // 2}):
            assert_same_as_local_mode({"must": [{"slice": {"total": total, "index": index}}]}, ids, payloads)
        for pid in ids:
            assert id_hash(pid) % total == point_id_slice(str(pid) if isinstance(pid, uuid.UUID) else pid, total)
    halves = [compile_filter({"must": [{"slice": {"total": 2, "index": i}}]}) for i in (0, 1)]
    assert all(halves[0](pid, {}) != halves[1](pid, {}) for pid in ids)
    nested = compile_filter({"must": [{"nested": {"key": "a", "filter": {"must": [{"slice": {"total": 1, "index": 0}}]}}}]})
    assert not nested(1, {"a": [{"x": 1}]})  # local mode: no slice holds inside nested


POINT = {"lon": 1, "lat": 2}
SQUARE = [{"lon": 0, "lat": 0}, {"lon": 1, "lat": 0}, {"lon": 1, "lat": 1}, {"lon": 0, "lat": 0}]


@pytest.mark.parametrize("condition, text", [
    ({"geo_radius": {"center": POINT}}, "missing field `radius`"),
    ({"geo_radius": {"center": {"lon": 1}, "radius": 1}}, "missing field `lat`"),
    ({"geo_radius": {"center": {"lon": 1, "lat": 91}, "radius": 1}}, "`lat` = 91 within [-90;90]"),
    ({"geo_radius": {"center": {"lon": -180.5, "lat": 0}, "radius": 1}}, "`lon` = -180.5 within [-180;180]"),
    ({"geo_radius": {"center": {"lon": "1", "lat": 0}, "radius": 1}}, "center.lon must be a number"),
    ({"geo_radius": {"center": POINT, "radius": True}}, "radius must be a number"),
    ({"geo_radius": {"center": POINT, "radius": 10**400}}, "radius must be a finite number"),
    ({"geo_radius": {"center": POINT, "radius": 1, "unit": "km"}}, "unknown field `unit`"),
    ({"geo_radius": [1, 2]}, "geo_radius must be an object"),
    ({"geo_bounding_box": {"top_left": POINT}}, "missing field `bottom_right`"),
    ({"geo_polygon": {"exterior": {"points": SQUARE[:3]}}}, "the size must be at least 4, got 3"),
    ({"geo_polygon": {"exterior": {"points": [*SQUARE[:3], POINT]}}}, "first and the last points should be the same"),
    ({"geo_polygon": {"exterior": {"points": SQUARE}, "interiors": [{"points": []}]}}, "interiors[0]"),
    ({"geo_polygon": {"exterior": {"points": SQUARE}, "interiors": {"points": SQUARE}}}, "interiors must be a list"),
    ({"geo_polygon": {"exterior": SQUARE}}, "exterior must be an object"),
    ({"match": {"phrase": 5}}, "match.phrase must be a string"),
    ({"match": {"text_any": None}}, "match.text_any must be a string"),
    ({"match": {"prefix": ["a"]}}, "match.prefix must be a string"),
])
def test_malformed_conditions_are_400(condition: dict[str, Any], text: str) -> None:
    with pytest.raises(BadRequest) as caught:
        compile_filter({"must": [{"key": "loc", **condition}]})
    assert text in str(caught.value)


@pytest.mark.parametrize("slice_, text", [
    ({"total": 0, "index": 0}, "Slice total must be >= 1, got 0"),
    ({"total": 3, "index": 3}, "Slice index must be in [0;2], got 3"),
    ({"total": 3, "index": -1}, "index must be an unsigned 32-bit integer"),
    ({"total": "3", "index": 0}, "total must be an unsigned 32-bit integer"),
    ({"total": 3}, "needs exactly `total` and `index`"),
])
def test_malformed_slices_are_400(slice_: dict[str, Any], text: str) -> None:
    with pytest.raises(BadRequest) as caught:
        compile_filter({"must": [{"slice": slice_}]})
    assert text in str(caught.value)


def test_key_without_condition_is_still_422() -> None:
    with pytest.raises(Unprocessable):
        compile_filter({"must": [{"key": "loc", "geo_radius": None}]})
