"""GEO fields: "lon,lat" points and radius queries with Redis GEO's haversine distance."""

from __future__ import annotations

import math

EARTH_RADIUS_M = 6372797.560856  # Redis geohash_helper.c
UNIT_M = {"m": 1.0, "km": 1000.0, "mi": 1609.34, "ft": 0.3048}


def split_point(text: str) -> tuple[float, float] | None:
    """``"lon,lat"`` (or ``"lon lat"``) as two numbers, not range-checked; None when it is not that."""
    parts = [p for p in text.replace(" ", ",").split(",") if p]
    if len(parts) != 2:
        return None
    try:
        return float(parts[0]), float(parts[1])
    except ValueError:
        return None


def in_range(lon: float, lat: float) -> bool:
    """Within Redis's GEO limits."""
    return -180 <= lon <= 180 and -85.05112878 <= lat <= 85.05112878


def parse_point(raw: bytes) -> tuple[float, float] | None:
    """``"lon,lat"`` (or ``"lon lat"``) within Redis's GEO limits; None when invalid."""
    point = split_point(raw.decode("latin-1"))
    return point if point is not None and in_range(*point) else None


def haversine_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    lat1r, lat2r = math.radians(lat1), math.radians(lat2)
    u = math.sin((lat2r - lat1r) / 2)
    v = math.sin(math.radians(lon2 - lon1) / 2)
    return 2.0 * EARTH_RADIUS_M * math.asin(math.sqrt(u * u + math.cos(lat1r) * math.cos(lat2r) * v * v))


Point = tuple[float, float]


class GeoIndex:
    """doc -> its point, or its points (a JSON array of "lon,lat" strings: any of them may match)."""

    def __init__(self) -> None:
        self.points: dict[int, Point | tuple[Point, ...]] = {}

    def __len__(self) -> int:
        return len(self.points)

    def add(self, doc_id: int, point: Point | tuple[Point, ...]) -> None:
        self.points[doc_id] = point

    def remove(self, doc_id: int) -> None:
        self.points.pop(doc_id, None)

    def radius(self, lon: float, lat: float, radius_m: float) -> set[int]:
        out = set()
        for d, held in self.points.items():
            many: tuple[Point, ...] = held if isinstance(held[0], tuple) else (held,)
            if any(haversine_m(lon, lat, x, y) <= radius_m for x, y in many):
                out.add(d)
        return out

    def memory_bytes(self) -> int:
        return len(self.points) * 100
