"""GEOSHAPE fields: WKT points and polygons, queried with WITHIN / CONTAINS / INTERSECTS / DISJOINT.

Values are read as RediSearch 2.10 reads them (boost::geometry's WKT reader behind a check of the first
three letters), with its error texts: ``POINT (x y)``, ``POLYGON ((x y, ...), (hole ...))``, ``EMPTY``;
rings are closed and their orientation fixed, then checked for validity in boost's order (invalid
coordinates, too few points, a ring of fewer than three distinct points, spikes, a ring of zero area,
then the polygon as a whole). An invalid value is an indexing failure of that field only: the document
stays indexed by its other fields, as in RediSearch.

The predicates are shapely's (GEOS, the same DE-9IM relations as boost), with RediSearch's rules around
them (geometry/rtree.cpp): nothing is WITHIN a point, a point CONTAINS nothing, DISJOINT is the
complement of INTERSECTS among the documents with a shape. A query first narrows the documents by their
bounding boxes (numpy over every shape's bounds), then runs the predicate over the candidates at once.
Shapes sit in slot arrays that a write updates in place (GeoShapeIndex), points as coordinates only.

FLAT treats coordinates as the plane. SPHERICAL (the default) treats them as longitude and latitude in
degrees with polygon edges along great circles, as boost's spherical_equatorial system does: each edge
is densified along its great circle (a vertex every DENSIFY_STEP_DEG degrees, so a straight line in the
plane deviates from the arc by under 3 cm on Earth; edges over 10 degrees long get a wider step) before
the planar predicate runs. Shapes that touch the query's boundary exactly may fall on either side, and
edges that cross the antimeridian or pass over a pole are not unwrapped.
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import shapely

DENSIFY_STEP_DEG = 0.01
# Dead slots left by removed shapes before the arrays are compacted (and at least as many as live ones).
COMPACT_MIN_DEAD = 1024
# At most this many vertices are added to one edge (an edge longer than 10 degrees gets a wider step).
DENSIFY_MAX_PER_EDGE = 1000

_TOKEN_RE = re.compile(r"[(),]|[^ \n\t\r(),]+")
# The common form, ``POINT (x y)`` with plain decimals, read in one step (anything else: the reader).
_PLAIN_POINT = re.compile(r"POINT[ \n\t\r]*\([ \n\t\r]*([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)[ \n\t\r]+"
                          r"([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)[ \n\t\r]*\)[ \n\t\r]*")
# What boost::lexical_cast<double> accepts: a decimal with an optional sign and exponent, nan, inf.
_NUMBER_RE = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|[+-]?(nan|inf|infinity)", re.IGNORECASE)


class ShapeError(ValueError):
    """A WKT value RediSearch would not index (the message is its text)."""


@dataclass(frozen=True, slots=True)
class Shape:
    """One parsed value: a point's coordinates, or a polygon (densified when spherical). An index keeps
    points as coordinates only (no geometry object per document)."""

    x: float = 0.0
    y: float = 0.0
    polygon: shapely.Polygon | None = None

    @property
    def is_point(self) -> bool:
        return self.polygon is None

    @property
    def geometry(self) -> shapely.Geometry:
        return self.polygon if self.polygon is not None else shapely.Point(self.x, self.y)


# -- reading WKT ---------------------------------------------------------------------------------------


def _where(msg: str, tokens: list[str], i: int, wkt: str) -> ShapeError:
    at = f" at '{tokens[i]}'" if i < len(tokens) else ""
    return ShapeError(f"{msg}{at} in '{wkt[:100]}'")


class _Reader:
    """boost::geometry::read_wkt for one POINT or POLYGON (2-d, missing coordinates read as 0)."""

    def __init__(self, wkt: str) -> None:
        self.wkt = wkt
        self.tokens = _TOKEN_RE.findall(wkt)
        self.i = 0

    def peek(self) -> str | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def start(self, name: str) -> bool:
        """The geometry name and EMPTY / Z / M; True for EMPTY."""
        tok = self.peek()
        if tok is None or tok.upper() != name:
            raise ShapeError(f"Should start with '{name}'' in ({self.wkt[:100]})")
        self.i += 1
        tok = (self.peek() or "").upper()
        if tok in ("Z", "ZM"):
            raise ShapeError(f"Z only allowed for 3 or more dimensions' in ({self.wkt[:100]})")
        if tok == "M":
            self.i += 1
            tok = (self.peek() or "").upper()
        if tok == "EMPTY":
            self.i += 1
            self.end()
            return True
        return False

    def open(self) -> None:
        if self.peek() != "(":
            raise _where("Expected '('", self.tokens, self.i, self.wkt)
        self.i += 1

    def close(self) -> None:
        if self.peek() != ")":
            raise _where("Expected ')'", self.tokens, self.i, self.wkt)
        self.i += 1

    def end(self) -> None:
        if self.i < len(self.tokens):
            raise _where("Too many tokens", self.tokens, self.i, self.wkt)

    def coordinates(self) -> tuple[float, float]:
        xy = [0.0, 0.0]
        for d in range(2):
            tok = self.peek()
            if tok is None or tok in (",", ")"):
                break
            # lexical_cast rejects what overflows a double ("1e400"), not a written inf.
            if not _NUMBER_RE.fullmatch(tok) or (math.isinf(value := float(tok)) and "inf" not in tok.lower()):
                raise _where("bad lexical cast: source type value could not be interpreted as target",
                             self.tokens, self.i, self.wkt)
            xy[d] = value
            self.i += 1
        return xy[0], xy[1]

    def point(self) -> tuple[float, float]:
        if self.start("POINT"):
            return 0.0, 0.0
        self.open()
        xy = self.coordinates()
        self.close()
        self.end()
        return xy

    def polygon(self) -> list[list[tuple[float, float]]]:
        if self.start("POLYGON"):
            return []
        self.open()
        rings = []
        while self.peek() not in (None, ")"):
            self.open()
            ring = []
            while self.peek() not in (None, ")"):
                ring.append(self.coordinates())
                if self.peek() == ",":
                    self.i += 1
            self.close()
            rings.append(ring)
            if self.peek() == ",":
                self.i += 1
        self.close()
        self.end()
        return rings


# -- validity (boost::geometry::is_valid's checks and texts) ----------------------------------------------


def _invalid(reason: str) -> ShapeError:
    return ShapeError(f"invalid geometry: {reason}")


def _signed_area(ring: list[tuple[float, float]]) -> float:
    return sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in itertools.pairwise(ring)) / 2


def _spike_apex(ring: list[tuple[float, float]]) -> tuple[float, float] | None:
    """The first point where a closed ring turns straight back on itself."""
    pts = [p for i, p in enumerate(ring[:-1]) if i == 0 or p != ring[i - 1]]
    if len(pts) > 1 and pts[-1] == pts[0]:
        pts.pop()
    n = len(pts)
    for i in [*range(1, n), 0]:  # the closing point last, as boost walks the ring
        (ax, ay), (bx, by), (cx, cy) = pts[i - 1], pts[i], pts[(i + 1) % n]
        ux, uy, vx, vy = bx - ax, by - ay, cx - bx, cy - by
        if ux * vy - uy * vx == 0 and ux * vx + uy * vy < 0:
            return bx, by
    return None


def _number_text(v: float) -> str:
    """A coordinate as a C++ stream prints it (6 significant digits)."""
    return f"{v:.6g}"


def _check_ring(ring: list[tuple[float, float]]) -> None:
    if len(ring) < 4:
        raise _invalid("Geometry has too few points")
    distinct = sum(1 for i, p in enumerate(ring) if i == 0 or p != ring[i - 1])
    if ring[-1] == ring[0]:
        distinct -= 1
    if distinct < 3:
        raise _invalid("Geometry has wrong topological dimension")
    apex = _spike_apex(ring)
    if apex is not None:
        raise _invalid(f"Geometry has spikes. A spike point was found with apex at "
                       f"({_number_text(apex[0])}, {_number_text(apex[1])})")
    if _signed_area(ring) == 0:
        raise _invalid("Geometry has wrong orientation")


_GEOS_REASONS = (
    ("Hole lies outside shell", "Geometry has interior rings defined outside the outer boundary"),
    ("Holes are nested", "Geometry has nested interior rings"),
    ("Interior is disconnected", "Geometry has disconnected interior"),
)


def _check_polygon(polygon: shapely.Polygon) -> None:
    if shapely.is_valid(polygon):
        return
    reason = shapely.is_valid_reason(polygon)
    for geos, boost in _GEOS_REASONS:
        if reason.startswith(geos):
            raise _invalid(boost)
    where = re.search(r"\[([^ \]]+) ([^ \]]+)\]", reason)
    at = f" A self-intersection point was found at ({_number_text(float(where[1]))}, " \
         f"{_number_text(float(where[2]))})" if where else ""
    raise _invalid(f"Geometry has invalid self-intersections.{at}")


# -- parsing ------------------------------------------------------------------------------------------------


def _densify(ring: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """The ring with vertices added along each edge's great circle (lon/lat degrees)."""
    out: list[tuple[float, float]] = []
    for (lon1, lat1), (lon2, lat2) in itertools.pairwise(ring):
        out.append((lon1, lat1))
        a, b = _unit(lon1, lat1), _unit(lon2, lat2)
        angle = math.degrees(math.acos(max(-1.0, min(1.0, float(a @ b)))))
        steps = min(int(angle / DENSIFY_STEP_DEG), DENSIFY_MAX_PER_EDGE)
        if steps < 2 or angle >= 179.999:
            continue
        theta = math.radians(angle)
        t = np.arange(1, steps)[:, None] / steps
        v = (np.sin((1 - t) * theta) * a + np.sin(t * theta) * b) / math.sin(theta)
        lons = np.degrees(np.arctan2(v[:, 1], v[:, 0]))
        lats = np.degrees(np.arctan2(v[:, 2], np.hypot(v[:, 0], v[:, 1])))
        out.extend(zip(lons.tolist(), lats.tolist(), strict=True))
    out.append(ring[-1])
    return out


def _unit(lon: float, lat: float) -> np.ndarray:
    lo, la = math.radians(lon), math.radians(lat)
    return np.array([math.cos(la) * math.cos(lo), math.cos(la) * math.sin(lo), math.sin(la)])


@lru_cache(maxsize=256)
def parse_shape(wkt: str, spherical: bool) -> Shape:
    """A value as RediSearch reads it, or ShapeError with its text (without the caller's prefix)."""
    if wkt.startswith("POI"):
        fast = _PLAIN_POINT.fullmatch(wkt)
        x, y = (float(fast[1]), float(fast[2])) if fast else _Reader(wkt).point()
        if not (math.isfinite(x) and math.isfinite(y)):
            if fast:  # plain digits that overflow a double: the reader's "bad lexical cast"
                _Reader(wkt).point()
            raise _invalid("Geometry has point(s) with invalid coordinate(s)")
        return Shape(x, y)
    if not wkt.startswith("POL"):
        raise ShapeError("unknown geometry type")
    rings = _Reader(wkt).polygon()
    if any(not (math.isfinite(x) and math.isfinite(y)) for ring in rings for x, y in ring):
        raise _invalid("Geometry has point(s) with invalid coordinate(s)")
    if not rings:
        raise _invalid("Geometry has too few points")
    for ring in rings:  # bg::correct closes rings of three or more points
        if len(ring) > 2 and ring[0] != ring[-1]:
            ring.append(ring[0])
        _check_ring(ring)
    polygon = shapely.Polygon(rings[0], rings[1:])
    _check_polygon(polygon)
    if spherical:
        polygon = shapely.Polygon(_densify(rings[0]), [_densify(r) for r in rings[1:]])
    return Shape(polygon=polygon)


# -- the index -------------------------------------------------------------------------------------------------


class GeoShapeIndex:
    """doc id -> its shape, kept in slot arrays (doc id, polygon or None for a point, is-point, bounds:
    a point's are its coordinates twice) that a write updates in place, so a query right after a write
    costs no rebuild. A document keeps its slot while it has a shape; a removed one leaves a dead slot (id
    -1, NaN bounds that no comparison selects) until dead slots outnumber live ones and the arrays are
    compacted. Points are tested straight from their coordinates (shapely's contains_xy/intersects_xy)."""

    def __init__(self, spherical: bool) -> None:
        self.spherical = spherical
        self._slot: dict[int, int] = {}
        self._n = 0  # slots in use, dead ones included
        self._ids = np.zeros(0, dtype=np.int64)
        self._polygons = np.empty(0, dtype=object)
        self._points = np.zeros(0, dtype=bool)
        self._bounds = np.zeros((4, 0))  # x0, y0, x1, y1 rows: each a contiguous column to compare

    def __len__(self) -> int:
        return len(self._slot)

    def add(self, doc_id: int, shape: Shape) -> None:
        slot = self._slot.get(doc_id)
        if slot is None:
            if self._n == len(self._ids):
                self._resize(max(16, 2 * self._n))
            slot = self._slot[doc_id] = self._n
            self._n += 1
            self._ids[slot] = doc_id
        polygon = shape.polygon
        self._polygons[slot] = polygon
        self._points[slot] = polygon is None
        self._bounds[:, slot] = (shape.x, shape.y, shape.x, shape.y) if polygon is None else polygon.bounds

    def remove(self, doc_id: int) -> None:
        slot = self._slot.pop(doc_id, None)
        if slot is None:
            return
        self._ids[slot] = -1
        self._polygons[slot] = None
        self._points[slot] = False
        self._bounds[:, slot] = np.nan
        if self._n - len(self._slot) > max(COMPACT_MIN_DEAD, len(self._slot)):
            self._compact()

    def _resize(self, capacity: int) -> None:
        n = self._n
        ids, polygons = np.full(capacity, -1, dtype=np.int64), np.empty(capacity, dtype=object)
        points, bounds = np.zeros(capacity, dtype=bool), np.full((4, capacity), np.nan)
        ids[:n], polygons[:n], points[:n], bounds[:, :n] = \
            self._ids[:n], self._polygons[:n], self._points[:n], self._bounds[:, :n]
        self._ids, self._polygons, self._points, self._bounds = ids, polygons, points, bounds

    def _compact(self) -> None:
        n, live = self._n, np.flatnonzero(self._ids[:self._n] >= 0)
        k = len(live)
        for column in (self._ids, self._polygons, self._points):
            column[:k] = column[live]
        self._bounds[:, :k] = self._bounds[:, live]
        self._ids[k:n], self._polygons[k:n], self._points[k:n], self._bounds[:, k:n] = -1, None, False, np.nan
        self._n = k
        self._slot = {d: i for i, d in enumerate(self._ids[:k].tolist())}

    def query(self, predicate: str, wkt: str) -> np.ndarray:
        """The ascending doc ids whose shape satisfies ``predicate`` against the WKT (ShapeError if the
        WKT is not a valid shape)."""
        shape = parse_shape(wkt, self.spherical)
        n = self._n
        ids, polygons, points = self._ids[:n], self._polygons[:n], self._points[:n]
        x0, y0, x1, y1 = self._bounds[:, :n]
        query = shape.polygon
        qx0, qy0, qx1, qy1 = query.bounds if query is not None else (shape.x, shape.y, shape.x, shape.y)
        if predicate == "CONTAINS":  # polygons holding the query shape (points hold nothing)
            near = ~points & (x0 <= qx0) & (y0 <= qy0) & (x1 >= qx1) & (y1 >= qy1)
            return _ascending(ids[near][shapely.contains(polygons[near], shape.geometry)])
        if predicate == "WITHIN":
            if query is None:  # nothing is within a point
                return ids[:0]
            near = (x0 >= qx0) & (y0 >= qy0) & (x1 <= qx1) & (y1 <= qy1)
        else:
            near = (x0 <= qx1) & (x1 >= qx0) & (y0 <= qy1) & (y1 >= qy0)
        near_points, near_polygons = near & points, near & ~points
        x, y = x0[near_points], y0[near_points]
        hits = np.zeros(n, dtype=bool)
        if predicate == "WITHIN":  # within(doc, query) == contains(query, doc), the prepared query first
            hits[near_points] = shapely.contains_xy(_prepared(query), x, y)
            hits[near_polygons] = shapely.contains(query, polygons[near_polygons])
        elif query is None:  # a point intersects a point it equals, and the polygons holding it
            hits[near_points] = (x == shape.x) & (y == shape.y)
            hits[near_polygons] = shapely.intersects_xy(polygons[near_polygons], shape.x, shape.y)
        else:
            hits[near_points] = shapely.intersects_xy(_prepared(query), x, y)
            hits[near_polygons] = shapely.intersects(query, polygons[near_polygons])
        return _ascending(ids[(ids >= 0) & ~hits] if predicate == "DISJOINT" else ids[hits])

    def memory_bytes(self) -> int:
        polygons = self._polygons[:self._n][~self._points[:self._n] & (self._ids[:self._n] >= 0)]
        return 49 * self._n + 100 * len(self._slot) + 16 * int(shapely.get_num_coordinates(polygons).sum())


def _prepared(geometry: shapely.Geometry) -> shapely.Geometry:
    """The query shape prepared (GEOS indexes its edges once; only a prepared first argument uses that)."""
    shapely.prepare(geometry)
    return geometry


def _ascending(ids: np.ndarray) -> np.ndarray:
    """Slots are mostly in id order (documents come with rising ids): sort only when they are not."""
    if len(ids) > 1 and not bool(np.all(ids[1:] > ids[:-1])):
        return np.sort(ids)
    return ids
