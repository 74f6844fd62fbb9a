"""Geo filters (geo_radius, geo_bounding_box, geo_polygon with holes), match text_any/phrase/prefix/substring
and slice conditions through qdrant-client against RedVector, in REST and gRPC mode, compared with
QdrantClient(":memory:") on the same points: scroll, count, query with a filter and delete by filter."""

from __future__ import annotations

import random
import struct
from typing import Any

import httpx
import pytest
from qdrant_client import QdrantClient, models

from tests.unit.test_vector_geo_filters import random_geo, random_point

NAME = "geo"
DIM = 4
WORDS = ["quick", "brown", "fox", "lazy", "dog", "Berlin", "café", "straße"]


def f32(value: float) -> float:
    """The radius as gRPC carries it (a 32-bit float), so both sides compare the same number."""
    return float(struct.unpack("<f", struct.pack("<f", value))[0])


def location(rng: random.Random) -> Any:
    r = rng.random()
    if r < 0.5:
        return random_point(rng)
    if r < 0.7:  # several locations: any of them may match
        return [random_point(rng) for _ in range(rng.randint(0, 3))]
    # values that are no geo point (nothing beyond what JSON and protobuf both carry)
    return rng.choice([None, "52.5,13.4", 5, {"lat": 1}, {"lon": "1", "lat": 2}, {"lon": True, "lat": 1},
                       [[{"lon": 1, "lat": 1}]], {"lon": 1, "lat": 95}, {"lon": 1.5, "lat": 2, "alt": 30}])


def dataset(seed: int, count: int) -> list[models.PointStruct]:
    rng = random.Random(seed)
    points = []
    for i in range(count):
        payload: dict[str, Any] = {"text": " ".join(rng.choices(WORDS, k=rng.randint(0, 5)))}
        if rng.random() < 0.85:
            payload["loc"] = location(rng)
        if rng.random() < 0.4:
            payload["shop"] = {"loc": random_point(rng), "name": rng.choice(WORDS)}
        if rng.random() < 0.4:
            payload["stores"] = [{"loc": random_point(rng)} for _ in range(rng.randint(1, 3))]
        point_id: int | str = i if i % 10 else f"00000000-0000-4000-8000-{i:012d}"
        points.append(models.PointStruct(id=point_id, vector=[rng.uniform(-1, 1) for _ in range(DIM)],
                                         payload=payload))
    return points


def geo_condition(rng: random.Random) -> models.FieldCondition:
    raw = random_geo(rng, rng.choice(["loc", "loc", "loc", "shop.loc", "stores[].loc"]))
    if "geo_radius" in raw:
        raw["geo_radius"]["radius"] = f32(raw["geo_radius"]["radius"])
    return models.FieldCondition.model_validate(raw)


def random_filter(rng: random.Random) -> models.Filter:
    geo = geo_condition(rng)
    text = models.FieldCondition(key=rng.choice(["text", "shop.name"]), match=rng.choice([
        models.MatchTextAny(text_any=" ".join(rng.sample(WORDS, 2))),
        models.MatchPhrase(phrase=" ".join(rng.sample(WORDS, 2))),
        models.MatchPhrase(phrase=rng.choice(WORDS)),
        models.MatchPrefix(prefix=rng.choice(["qu", "Ber", "caf", "l"])),
        models.MatchSubstring(substring=rng.choice(["o", "ow", "aße", "x d"])),
    ]))
    nested = models.NestedCondition(nested=models.Nested(key="stores", filter=models.Filter(must=[geo_condition(rng)])))
    slice_ = models.SliceCondition(slice=models.Slice(total=3, index=rng.randrange(3)))
    return rng.choice([
        models.Filter(must=[geo]),
        models.Filter(must_not=[geo]),
        models.Filter(should=[geo, geo_condition(rng)]),
        models.Filter(must=[geo], must_not=[geo_condition(rng)]),
        models.Filter(min_should=models.MinShould(conditions=[geo, geo_condition(rng), text], min_count=2)),
        models.Filter(must=[nested]),
        models.Filter(must=[text]),
        models.Filter(should=[text, geo]),
        models.Filter(must=[slice_, geo]),
        models.Filter(must=[models.Filter(should=[geo, text])], must_not=[slice_]),
    ])


def scroll_ids(c: QdrantClient, flt: models.Filter | None) -> list[Any]:
    ids: list[Any] = []
    offset = None
    while True:
        records, offset = c.scroll(NAME, scroll_filter=flt, limit=64, offset=offset)
        ids.extend(r.id for r in records)
        if offset is None:
            return ids


def scored(c: QdrantClient, query: list[float], flt: models.Filter) -> list[tuple[Any, float]]:
    hits = c.query_points(NAME, query=query, query_filter=flt, limit=5).points
    return [(p.id, round(p.score, 4)) for p in hits]


def test_geo_and_text_filters_match_local_mode(client: QdrantClient) -> None:
    oracle = QdrantClient(":memory:")
    points = dataset(seed=11, count=160)
    for c in (client, oracle):
        c.create_collection(NAME, vectors_config=models.VectorParams(size=DIM, distance=models.Distance.COSINE))
        c.upsert(NAME, points=points, wait=True)
    client.create_payload_index(NAME, "loc", models.PayloadSchemaType.GEO)
    assert client.get_collection(NAME).payload_schema["loc"].data_type == models.PayloadSchemaType.GEO

    rng = random.Random(7)
    selective = 0
    for _ in range(70):
        flt = random_filter(rng)
        want = scroll_ids(oracle, flt)
        assert scroll_ids(client, flt) == want, flt
        assert client.count(NAME, count_filter=flt, exact=True).count == len(want), flt
        query = [rng.uniform(-1, 1) for _ in range(DIM)]
        assert scored(client, query, flt) == scored(oracle, query, flt), flt
        selective += 0 < len(want) < len(points)
    assert selective > 30  # most filters select some points, not all

    for _ in range(4):  # delete by filter, then the same points are left on both sides
        flt = models.Filter(must=[geo_condition(rng)])
        for c in (client, oracle):
            c.delete(NAME, points_selector=models.FilterSelector(filter=flt), wait=True)
        assert scroll_ids(client, None) == scroll_ids(oracle, None)
    assert client.count(NAME).count < len(points)


def test_stores_near_me(client: QdrantClient) -> None:
    """The README's example: stores within 5 km of a point, with and without the antimeridian and poles."""
    stores = {1: (13.4050, 52.5200), 2: (13.3777, 52.5163), 3: (2.3522, 48.8566), 4: (179.99, 0.0),
              5: (-179.99, 0.0), 6: (0.0, 89.99), 7: (180.0, 89.99)}
    client.create_collection(NAME, vectors_config=models.VectorParams(size=2, distance=models.Distance.DOT))
    client.upsert(NAME, points=[models.PointStruct(id=i, vector=[1.0, 0.0], payload={"location": {"lon": lon, "lat": lat}})
                                for i, (lon, lat) in stores.items()], wait=True)

    def near(lon: float, lat: float, meters: float) -> list[Any]:
        flt = models.Filter(must=[models.FieldCondition(key="location", geo_radius=models.GeoRadius(
            center=models.GeoPoint(lon=lon, lat=lat), radius=meters))])
        return sorted(scroll_ids(client, flt))

    assert near(13.40, 52.52, 5000) == [1, 2]
    assert near(13.40, 52.52, 500) == [1]
    assert near(180.0, 0.0, 5000) == [4, 5]  # 1.1 km each side of the antimeridian
    assert near(90.0, 89.99, 5000) == [6, 7]  # both ~1.6 km away, over the pole's side
    box = models.Filter(must=[models.FieldCondition(key="location", geo_bounding_box=models.GeoBoundingBox(
        top_left=models.GeoPoint(lon=179.0, lat=1.0), bottom_right=models.GeoPoint(lon=-179.0, lat=-1.0)))])
    assert sorted(scroll_ids(client, box)) == [4, 5]


@pytest.mark.parametrize("condition, text", [
    ({"key": "loc", "geo_radius": {"center": {"lon": 0, "lat": 91}, "radius": 10}}, "within [-90;90]"),
    ({"key": "loc", "geo_radius": {"center": {"lon": 0}, "radius": 10}}, "missing field `lat`"),
    ({"key": "loc", "geo_radius": {"center": {"lon": 0, "lat": 0}, "radius": "far"}}, "radius must be a number"),
    ({"key": "loc", "geo_bounding_box": {"top_left": {"lon": 0, "lat": 0}}}, "missing field `bottom_right`"),
    ({"key": "loc", "geo_polygon": {"exterior": {"points": [{"lon": 0, "lat": 0}]}}}, "at least 4, got 1"),
    ({"key": "loc", "geo_polygon": {"exterior": {"points": [{"lon": 0, "lat": 0}, {"lon": 1, "lat": 0},
                                                            {"lon": 1, "lat": 1}, {"lon": 0, "lat": 1}]}}},
     "closed line"),
    ({"key": "loc", "geo_polygon": {"exterior": "square"}}, "exterior must be an object"),
    ({"key": "text", "match": {"text_any": ["a"]}}, "match.text_any must be a string"),
    ({"slice": {"total": 0, "index": 0}}, "Slice total must be >= 1"),
])
def test_malformed_conditions_are_400_over_rest(qrest: httpx.Client, clean: Any, condition: dict[str, Any],
                                                text: str) -> None:
    assert qrest.put(f"/collections/{NAME}", json={"vectors": {"size": 2, "distance": "Dot"}}).status_code == 200
    flt = {"must": [condition]}
    for path, body in (("points/scroll", {}), ("points/count", {}), ("points/query", {"query": [1, 0]}),
                       ("points/delete", {})):
        r = qrest.post(f"/collections/{NAME}/{path}", json={**body, "filter": flt})
        assert r.status_code == 400, (path, r.text)
        assert text in r.json()["status"]["error"]


def test_out_of_range_condition_is_invalid_argument_over_grpc(client: QdrantClient) -> None:
    from grpc import RpcError, StatusCode
    from qdrant_client.http.exceptions import UnexpectedResponse

    client.create_collection(NAME, vectors_config=models.VectorParams(size=2, distance=models.Distance.DOT))
    client.upsert(NAME, points=[models.PointStruct(id=1, vector=[1.0, 0.0], payload={"loc": {"lon": 0, "lat": 0}})])
    bad = models.Filter(must=[models.FieldCondition(key="loc", geo_radius=models.GeoRadius(
        center=models.GeoPoint(lon=200, lat=0), radius=10))])
    with pytest.raises((UnexpectedResponse, RpcError)) as caught:
        client.count(NAME, count_filter=bad)
    if isinstance(caught.value, RpcError):
        assert caught.value.code() == StatusCode.INVALID_ARGUMENT
        assert "within [-180;180]" in str(caught.value.details())
    else:
        assert caught.value.status_code == 400
    assert client.count(NAME).count == 1  # the server still answers
