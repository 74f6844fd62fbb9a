"""GeoShapeIndex against a plain model (each shape tested one by one with shapely, RediSearch's rules
applied by hand): the bounding-box narrowing must never drop or add a match; and the great-circle
densifying of SPHERICAL edges."""

from __future__ import annotations

import math
import random

import pytest
import shapely

from redvector.search.fields import geoshape
from redvector.search.fields.geoshape import GeoShapeIndex, ShapeError, parse_shape


def _random_wkt(rng: random.Random) -> str:
    x, y = rng.randint(-5, 5), rng.randint(-5, 5)
    if rng.random() < 0.4:
        return f"POINT ({x} {y})"
    w, h = rng.randint(1, 4), rng.randint(1, 4)
    if rng.random() < 0.5:
        return f"POLYGON (({x} {y}, {x} {y + h}, {x + w} {y + h}, {x + w} {y}, {x} {y}))"
    return f"POLYGON (({x} {y}, {x + w} {y}, {x} {y + h}, {x} {y}))"  # a triangle


def _model(shapes: dict[int, str], predicate: str, wkt: str) -> list[int]:
    q = shapely.from_wkt(wkt)
    out = []
    for doc, text in sorted(shapes.items()):
        g = shapely.from_wkt(text)
        if predicate == "WITHIN":
            hit = q.geom_type != "Point" and g.within(q)
        elif predicate == "CONTAINS":
            hit = g.geom_type != "Point" and q.within(g)
        elif predicate == "INTERSECTS":
            hit = g.intersects(q)
        else:
            hit = not g.intersects(q)
        if hit:
            out.append(doc)
    return out


@pytest.mark.parametrize("compact_at", [1024, 3], ids=["no-compaction", "compacting"])
def test_queries_match_the_shape_by_shape_model(monkeypatch: pytest.MonkeyPatch, compact_at: int) -> None:
    monkeypatch.setattr(geoshape, "COMPACT_MIN_DEAD", compact_at)
    rng = random.Random(7)
    index = GeoShapeIndex(spherical=False)
    shapes: dict[int, str] = {}
    for step in range(600):
        doc = rng.randint(0, 80)
        if rng.random() < (0.2 if step < 300 else 0.6):
            index.remove(doc)
            shapes.pop(doc, None)
        else:
            wkt = _random_wkt(rng)
            index.add(doc, parse_shape(wkt, False))
            shapes[doc] = wkt
        if step % 10 == 0:
            for predicate in ("WITHIN", "CONTAINS", "INTERSECTS", "DISJOINT"):
                wkt = _random_wkt(rng)
                assert index.query(predicate, wkt).tolist() == _model(shapes, predicate, wkt), (predicate, wkt)


@pytest.mark.parametrize(("wkt", "message"), [
    ("point (1 1)", "unknown geometry type"),
    ("POINTZ (1 1)", "Should start with 'POINT'' in (POINTZ (1 1))"),
    ("POINT (1 1", "Expected ')' in 'POINT (1 1'"),
    ("POINT (1, 1)", "Expected ')' at ',' in 'POINT (1, 1)'"),
    ("POINT (0x10 1)", "bad lexical cast: source type value could not be interpreted as target at '0x10' in "
                       "'POINT (0x10 1)'"),
    ("POLYGON ((0 0, 1 0, 1 1, 0 0)) x", "Too many tokens at 'x' in 'POLYGON ((0 0, 1 0, 1 1, 0 0)) x'"),
    ("POLYGON ((0 0, 1 1, 0 0))", "invalid geometry: Geometry has too few points"),
    ("POLYGON ((1 1, 1 1, 1 1, 1 1))", "invalid geometry: Geometry has wrong topological dimension"),
    ("POLYGON ((0 0, 1 0, 2 0, 0 0))", "invalid geometry: Geometry has spikes. A spike point was found with apex at (2, 0)"),
    ("POLYGON ((0 0, 2 2, 2 0, 0 2, 0 0))", "invalid geometry: Geometry has wrong orientation"),
    ("POINT (nan 1)", "invalid geometry: Geometry has point(s) with invalid coordinate(s)"),
])
def test_reader_errors(wkt: str, message: str) -> None:
    with pytest.raises(ShapeError) as err:
        parse_shape(wkt, False)
    assert str(err.value) == message


def test_lenient_forms_read_as_boost_reads_them() -> None:
    assert parse_shape("POINT (1)", False).geometry.equals(shapely.Point(1, 0))
    assert parse_shape("POINT EMPTY", False).geometry.equals(shapely.Point(0, 0))
    assert parse_shape("POLYGON ((0 0, 1 0, 0 1))", False).geometry.equals(shapely.from_wkt("POLYGON ((0 0, 1 0, 0 1, 0 0))"))


def test_spherical_edges_are_densified_along_great_circles() -> None:
    polygon = parse_shape("POLYGON ((-60 0, -60 60, 60 60, 60 0, -60 0))", True).geometry
    top = max(y for x, y in polygon.exterior.coords if abs(x) < 0.05)
    # The great circle through (-60 60) and (60 60) at longitude 0: tan(lat) = tan(60) / cos(60).
    assert top == pytest.approx(math.degrees(math.atan(math.tan(math.radians(60)) / 0.5)), abs=1e-4)
    flat = parse_shape("POLYGON ((-60 0, -60 60, 60 60, 60 0, -60 0))", False).geometry
    assert len(flat.exterior.coords) == 5
