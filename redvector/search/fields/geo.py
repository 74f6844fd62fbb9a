"""GEO fields: "lon,lat" points and radius queries with Redis GEO's haversine distance."""

from __future__ import annotations

import math

EARTH_RADIUS_M = 6372797.560856  # Redis geohash_helper.c
UNIT_M = {"m": 1.0, "km": 1000.0, "mi": 1609.34, "ft": 0.3048}


def parse_point(raw: bytes) -> tuple[float, float] | None:
    """``"lon,lat"`` (or ``"lon lat"``) within Redis's GEO limits; None when invalid."""
    text = raw.decode("latin-1").replace(" ", ",")
    parts = [p for p in text.split(",") if p]
    if len(parts) != 2:
        return None
    try:
        lon, lat = float(parts[0]), float(parts[1])
    except ValueError:
        return None
    if not (-180 <= lon <= 180 and -85.05112878 <= lat <= 85.05112878):
        return None
    return lon, lat


def haversine_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    lat1r, lat2r = math.radians(lat1), math.radians(lat2)
    u = math.sin((lat2r - lat1r) / 2)
    v = math.sin(math.radians(lon2 - lon1) / 2)
    return 2.0 * EARTH_RADIUS_M * math.asin(math.sqrt(u * u + math.cos(lat1r) * math.cos(lat2r) * v * v))


class GeoIndex:
    def __init__(self) -> None:
        self.points: dict[int, tuple[float, float]] = {}

    def __len__(self) -> int:
        return len(self.points)

    def add(self, doc_id: int, point: tuple[float, float]) -> None:
        self.points[doc_id] = point

    def remove(self, doc_id: int) -> None:
        self.points.pop(doc_id, None)

    def radius(self, lon: float, lat: float, radius_m: float) -> set[int]:
        return {d for d, (x, y) in self.points.items() if haversine_m(lon, lat, x, y) <= radius_m}

    def memory_bytes(self) -> int:
        return len(self.points) * 100
