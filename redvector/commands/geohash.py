"""Redis's geohash arithmetic (geohash.c, geohash_helper.c): the 52-bit interleaved score a GEOADD stores,
its decoding to the cell's centre, the standard 11-character geohash, and the haversine distances on
Redis's earth radius, all as Redis computes them (same constants, same order of operations)."""

from __future__ import annotations

import math

LONG_MIN, LONG_MAX = -180.0, 180.0
LAT_MIN, LAT_MAX = -85.05112878, 85.05112878
STEP = 26  # bits per coordinate: 52-bit scores, exact in a double
EARTH_RADIUS_M = 6372797.560856
_ALPHABET = b"0123456789bcdefghjkmnpqrstuvwxyz"
UNITS = {b"m": 1.0, b"km": 1000.0, b"ft": 0.3048, b"mi": 1609.34}


def _spread(v: int) -> int:
    """The 32 bits of v into the even bits of a 64-bit word (interleave64's half)."""
    v &= 0xFFFFFFFF
    v = (v | (v << 16)) & 0x0000FFFF0000FFFF
    v = (v | (v << 8)) & 0x00FF00FF00FF00FF
    v = (v | (v << 4)) & 0x0F0F0F0F0F0F0F0F
    v = (v | (v << 2)) & 0x3333333333333333
    return (v | (v << 1)) & 0x5555555555555555


def _squash(v: int) -> int:
    """The even bits of v packed into 32 bits (deinterleave64's half)."""
    v &= 0x5555555555555555
    v = (v | (v >> 1)) & 0x3333333333333333
    v = (v | (v >> 2)) & 0x0F0F0F0F0F0F0F0F
    v = (v | (v >> 4)) & 0x00FF00FF00FF00FF
    v = (v | (v >> 8)) & 0x0000FFFF0000FFFF
    return (v | (v >> 16)) & 0x00000000FFFFFFFF


def in_range(lon: float, lat: float) -> bool:
    return LONG_MIN <= lon <= LONG_MAX and LAT_MIN <= lat <= LAT_MAX


def encode(lon: float, lat: float, lat_min: float = LAT_MIN, lat_max: float = LAT_MAX, step: int = STEP) -> int:
    """geohashEncode: latitude in the even bits, longitude in the odd ones (step bits each)."""
    lat_offset = (lat - lat_min) / (lat_max - lat_min) * (1 << step)
    lon_offset = (lon - LONG_MIN) / (LONG_MAX - LONG_MIN) * (1 << step)
    return _spread(int(lat_offset)) | (_spread(int(lon_offset)) << 1)


def decode(bits: int) -> tuple[float, float]:
    """(longitude, latitude) of the centre of the score's cell, clamped to the valid ranges."""
    lon_lo, lon_hi, lat_lo, lat_hi = _area(bits, STEP)
    lon = min(max((lon_lo + lon_hi) / 2, LONG_MIN), LONG_MAX)
    lat = min(max((lat_lo + lat_hi) / 2, LAT_MIN), LAT_MAX)
    return lon, lat


def standard_geohash(bits: int) -> bytes:
    """GEOHASH's 11 characters: the cell's centre re-encoded over the standard -90..90 latitudes (the
    eleventh character from bits Redis does not have: 0)."""
    lon, lat = decode(bits)
    standard = encode(lon, lat, -90.0, 90.0)
    out = bytearray()
    for i in range(11):
        idx = 0 if i == 10 else (standard >> (52 - (i + 1) * 5)) & 0x1F
        out.append(_ALPHABET[idx])
    return bytes(out)


def _rad(deg: float) -> float:
    return deg * (math.pi / 180.0)


def _deg(rad: float) -> float:
    return rad / (math.pi / 180.0)


def lat_distance(lat1: float, lat2: float) -> float:
    return EARTH_RADIUS_M * abs(_rad(lat2) - _rad(lat1))


def distance(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """geohashGetDistance: haversine, in meters."""
    lon1r, lon2r = _rad(lon1), _rad(lon2)
    v = math.sin((lon2r - lon1r) / 2)
    if v == 0.0:
        return lat_distance(lat1, lat2)
    lat1r, lat2r = _rad(lat1), _rad(lat2)
    u = math.sin((lat2r - lat1r) / 2)
    a = u * u + math.cos(lat1r) * math.cos(lat2r) * v * v
    return 2.0 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def within_radius(lon: float, lat: float, plon: float, plat: float, radius_m: float) -> float | None:
    """The point's distance from the centre when within ``radius_m``, else None."""
    d = distance(lon, lat, plon, plat)
    return None if d > radius_m else d


def within_box(lon: float, lat: float, plon: float, plat: float, width_m: float, height_m: float) -> float | None:
    """geohashGetDistanceIfInRectangle: the point's distance from the box's centre when inside it."""
    if lat_distance(lat, plat) > height_m / 2:
        return None
    if distance(plon, plat, lon, plat) > width_m / 2:
        return None
    return distance(lon, lat, plon, plat)


def distance_text(meters: float, to_meters: float) -> bytes:
    """A distance in the reply's unit, as Redis writes it (four decimals)."""
    return b"%.4f" % (meters / to_meters)


# -- the boxes a search scans (geohash_helper.c: geohashGetAreasByShapeWGS84, geo.c: membersOfAllNeighbors)
MERCATOR_MAX = 20037726.37
_EVEN = 0x5555555555555555  # latitude bits
_ODD = 0xAAAAAAAAAAAAAAAA  # longitude bits
_MASK64 = (1 << 64) - 1
Box = tuple[int, int]  # (bits, step); (0, 0) is a box left out


def _area(bits: int, step: int) -> tuple[float, float, float, float]:
    """(lon_min, lon_max, lat_min, lat_max) of a box."""
    ilat, ilon = _squash(bits), _squash(bits >> 1)
    scale = float(1 << step)
    return (LONG_MIN + (ilon * 1.0 / scale) * (LONG_MAX - LONG_MIN),
            LONG_MIN + ((ilon + 1) * 1.0 / scale) * (LONG_MAX - LONG_MIN),
            LAT_MIN + (ilat * 1.0 / scale) * (LAT_MAX - LAT_MIN),
            LAT_MIN + ((ilat + 1) * 1.0 / scale) * (LAT_MAX - LAT_MIN))


def _move(bits: int, step: int, dx: int, dy: int) -> int:
    """geohash_move_x / geohash_move_y: the neighbouring box east/west (dx) and north/south (dy)."""
    x, y = bits & _ODD, bits & _EVEN
    if dx:
        zz = _EVEN >> (64 - step * 2)
        x = (x + (zz + 1)) if dx > 0 else ((x | zz) - (zz + 1))
        x &= _ODD >> (64 - step * 2)
    if dy:
        zz = _ODD >> (64 - step * 2)
        y = (y + (zz + 1)) if dy > 0 else ((y | zz) - (zz + 1))
        y &= _EVEN >> (64 - step * 2)
    return (x | y) & _MASK64


def _steps_for(radius_m: float, lat: float) -> int:
    if radius_m == 0:
        return 26
    step = 1
    while radius_m < MERCATOR_MAX:
        radius_m *= 2
        step += 1
    step -= 2
    if lat > 66 or lat < -66:
        step -= 1
        if lat > 80 or lat < -80:
            step -= 1
    return min(max(step, 1), 26)


def search_boxes(lon: float, lat: float, radius_m: float | None, box: tuple[float, float] | None) -> list[Box]:
    """The boxes Redis scans for a search around (lon, lat), in its order: the centre box, then north,
    south, east, west, north-east, north-west, south-east, south-west; (0, 0) for one left out."""
    if box is not None:
        half_w, half_h = box[0] / 2, box[1] / 2
        reach = math.sqrt(half_w * half_w + half_h * half_h)
    else:
        assert radius_m is not None
        half_w = half_h = reach = radius_m
    lat_delta = _deg(half_h / EARTH_RADIUS_M)
    top = _deg(half_w / EARTH_RADIUS_M / math.cos(_rad(lat + lat_delta)))
    bottom = _deg(half_w / EARTH_RADIUS_M / math.cos(_rad(lat - lat_delta)))
    southern = lat < 0
    min_lon = lon - bottom if southern else lon - top
    max_lon = lon + bottom if southern else lon + top
    min_lat, max_lat = lat - lat_delta, lat + lat_delta

    step = _steps_for(reach, lat)
    bits = encode(lon, lat, step=step)
    directions = ((0, 1), (0, -1), (1, 0), (-1, 0), (1, 1), (-1, 1), (1, -1), (-1, -1))  # N S E W NE NW SE SW
    near = [_move(bits, step, dx, dy) for dx, dy in directions]
    north, south, east, west = (_area(near[i], step) for i in range(4))
    if step > 1 and (north[3] < max_lat or south[2] > min_lat or east[1] < max_lon or west[0] > min_lon):
        step -= 1
        bits = encode(lon, lat, step=step)
        near = [_move(bits, step, dx, dy) for dx, dy in directions]
    boxes: list[Box] = [(bits, step), *((b, step) for b in near)]
    if step >= 2:
        lon_lo, lon_hi, lat_lo, lat_hi = _area(bits, step)
        gone: set[int] = set()
        if lat_lo < min_lat:
            gone |= {2, 7, 8}  # south, south-east, south-west
        if lat_hi > max_lat:
            gone |= {1, 5, 6}  # north, north-east, north-west
        if lon_lo < min_lon:
            gone |= {4, 8, 6}  # west, south-west, north-west
        if lon_hi > max_lon:
            gone |= {3, 7, 5}  # east, south-east, north-east
        boxes = [(0, 0) if i in gone else b for i, b in enumerate(boxes)]
    return boxes


def score_range(box: Box) -> tuple[int, int]:
    """[low, high) of the scores (52-bit geohashes) inside a box."""
    bits, step = box
    return bits << (52 - step * 2), (bits + 1) << (52 - step * 2)
