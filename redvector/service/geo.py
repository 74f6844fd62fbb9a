"""Qdrant's geo conditions (``geo_radius``, ``geo_bounding_box``, ``geo_polygon``), compiled once per request.

Matching follows qdrant-client 1.20's local mode (``qdrant_client/local/geo.py`` and ``payload_filters.py``),
operation for operation so that results agree to the last bit: a payload value is a geo point when it is an
object whose ``lat`` and ``lon`` are finite JSON numbers (not bools; out-of-range values included, as local
mode has it); the radius is a haversine distance on a 6371008.8 m sphere and strictly less than ``radius``;
a bounding box is open on every side and wraps the antimeridian when ``top_left.lon > bottom_right.lon``; a
polygon excludes its exterior boundary and the inside and boundary of its holes. The condition itself is
validated as Qdrant's server does (coordinates in range, rings of at least 4 points that close).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from math import asin, cos, radians, sin, sqrt
from typing import Any

from redvector.errors import BadRequest

# Radius of the earth in meters (IUGG mean radius), as local mode's geo.py.
MEAN_EARTH_RADIUS = 6371008.8
_EPSILON = 2.220446049250313e-16  # Rust's f64::EPSILON: Qdrant's tolerance for a ring's closing point

ValueCheck = Callable[[Any], bool]
# A ring edge as local mode's in_ring reads it: (xi, yi, xj, yj), x = lat and y = lon.
Edge = tuple[float, float, float, float]


def _finite(value: Any) -> bool:
    try:
        return (type(value) is int or type(value) is float) and math.isfinite(value)
    except OverflowError:  # an int beyond float range
        return False


def is_geo_point(value: Any) -> bool:
    """A payload value usable as a geo point (local mode's ``_is_geo_point``)."""
    return isinstance(value, dict) and _finite(value.get("lat")) and _finite(value.get("lon"))


def _number(raw: Any, where: str) -> float:
    if isinstance(raw, bool) or not isinstance(raw, (int, float)):
        raise BadRequest(f"Format error in JSON body: {where} must be a number")
    try:
        number = float(raw)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        raise BadRequest(f"Format error in JSON body: {where} must be a finite number")
    return number


def _fields(raw: Any, where: str, required: tuple[str, ...], optional: tuple[str, ...] = ()) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise BadRequest(f"Format error in JSON body: {where} must be an object")
    unknown = sorted(set(raw) - set(required) - set(optional))
    if unknown:
        raise BadRequest(f"Format error in JSON body: {where}: unknown field `{unknown[0]}`")
    missing = [name for name in required if raw.get(name) is None]
    if missing:
        raise BadRequest(f"Format error in JSON body: {where}: missing field `{missing[0]}`")
    return raw


def _show(number: float) -> str:
    return str(int(number)) if number.is_integer() else repr(number)


def parse_point(raw: Any, where: str) -> tuple[float, float]:
    """A condition's GeoPoint -> (lon, lat), with Qdrant's range check."""
    spec = _fields(raw, where, ("lon", "lat"))
    lon = _number(spec["lon"], f"{where}.lon")
    lat = _number(spec["lat"], f"{where}.lat")
    if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
        raise BadRequest(
            f"Format error in JSON body: {where}: Wrong format of GeoPoint payload: expected `lat` = {_show(lat)} "
            f"within [-90;90] and `lon` = {_show(lon)} within [-180;180]"
        )
    return lon, lat


def radius_check(raw: Any, where: str) -> ValueCheck:
    spec = _fields(raw, where, ("center", "radius"))
    lon_c, lat_c = parse_point(spec["center"], f"{where}.center")
    radius = _number(spec["radius"], f"{where}.radius")
    lon2, lat2 = radians(lon_c), radians(lat_c)
    cos_lat2 = cos(lat2)

    def check(value: Any) -> bool:
        if not is_geo_point(value):
            return False
        lon1, lat1 = radians(value["lon"]), radians(value["lat"])
        a = sin((lat2 - lat1) / 2) ** 2 + cos(lat1) * cos_lat2 * sin((lon2 - lon1) / 2) ** 2
        # Rounding (or a payload latitude beyond +-90) can take `a` out of [0, 1], where local mode's
        # asin/sqrt raise; the distance is then the nearest one defined.
        a = min(max(a, 0.0), 1.0)
        return MEAN_EARTH_RADIUS * (2 * asin(sqrt(a))) < radius

    return check


def bounding_box_check(raw: Any, where: str) -> ValueCheck:
    spec = _fields(raw, where, ("top_left", "bottom_right"))
    left, top = parse_point(spec["top_left"], f"{where}.top_left")
    right, bottom = parse_point(spec["bottom_right"], f"{where}.bottom_right")
    wraps = left > right  # the box crosses the antimeridian

    def check(value: Any) -> bool:
        if not is_geo_point(value):
            return False
        lon, lat = value["lon"], value["lat"]
        if not top > lat > bottom:
            return False
        return bool(lon > left or lon < right) if wraps else bool(left < lon < right)

    return check


def _ring(raw: Any, where: str) -> list[tuple[float, float]]:
    """A GeoLineString -> its points as (lat, lon), validated as Qdrant's GeoPolygon::validate_line_string."""
    spec = _fields(raw, where, ("points",))
    points = spec["points"]
    if not isinstance(points, list):
        raise BadRequest(f"Format error in JSON body: {where}.points must be a list of geo points")
    parsed = [parse_point(p, f"{where}.points[{i}]") for i, p in enumerate(points)]
    if len(parsed) <= 3:
        raise BadRequest(f"Format error in JSON body: {where}: polygon invalid, the size must be at least 4, "
                         f"got {len(parsed)}")
    (first_lon, first_lat), (last_lon, last_lat) = parsed[0], parsed[-1]
    if abs(first_lat - last_lat) > _EPSILON or abs(first_lon - last_lon) > _EPSILON:
        raise BadRequest(f"Format error in JSON body: {where}: polygon invalid, the first and the last points "
                         "should be the same to form a closed line")
    return [(lat, lon) for lon, lat in parsed]


def _edges(ring: list[tuple[float, float]]) -> list[Edge]:
    # local mode drops the closing point only when it repeats the first one exactly
    if ring[0] == ring[-1]:
        ring = ring[:-1]
    return [(*ring[i], *ring[i - 1]) for i in range(len(ring))]


def _in_ring(px: float, py: float, edges: list[Edge], ignore_boundary: bool) -> bool:
    """Local mode's in_ring (ray casting; a point on an edge is inside unless ignore_boundary)."""
    inside = False
    for xi, yi, xj, yj in edges:
        if (
            (py * (xi - xj) + yi * (xj - px) + yj * (px - xi) == 0)
            and ((xi - px) * (xj - px) <= 0)
            and ((yi - py) * (yj - py) <= 0)
        ):
            return not ignore_boundary
        if ((yi > py) != (yj > py)) and (px < (xj - xi) * (py - yi) / (yj - yi) + xi):
            inside = not inside
    return inside


def polygon_check(raw: Any, where: str) -> ValueCheck:
    spec = _fields(raw, where, ("exterior",), ("interiors",))
    exterior = _edges(_ring(spec["exterior"], f"{where}.exterior"))
    holes_raw = spec.get("interiors")
    if holes_raw is not None and not isinstance(holes_raw, list):
        raise BadRequest(f"Format error in JSON body: {where}.interiors must be a list of line strings")
    holes = [_edges(_ring(h, f"{where}.interiors[{i}]")) for i, h in enumerate(holes_raw or [])]
    # A longitude clearly outside the exterior's range meets no edge, so in_ring is exactly False there (the
    # margin keeps the products of its boundary test from underflowing to 0).
    lon_min = min(min(yi, yj) for _, yi, _, yj in exterior) - 1e-9
    lon_max = max(max(yi, yj) for _, yi, _, yj in exterior) + 1e-9

    def check(value: Any) -> bool:
        if not is_geo_point(value):
            return False
        lat, lon = value["lat"], value["lon"]
        if lon < lon_min or lon > lon_max or not _in_ring(lat, lon, exterior, True):
            return False
        return not any(_in_ring(lat, lon, hole, False) for hole in holes)

    return check


GEO_CONDITIONS: dict[str, Callable[[Any, str], ValueCheck]] = {
    "geo_radius": radius_check,
    "geo_bounding_box": bounding_box_check,
    "geo_polygon": polygon_check,
}

__all__ = ["GEO_CONDITIONS", "MEAN_EARTH_RADIUS", "is_geo_point", "parse_point"]
