"""GEOADD GEOPOS GEODIST GEOHASH GEOSEARCH GEOSEARCHSTORE GEORADIUS[_RO] GEORADIUSBYMEMBER[_RO].

A geo set is a sorted set whose scores are 52-bit geohashes (commands/geohash.py), as in Redis: GEOADD is
ZADD of those scores (same keyspace event, same AOF form), and every sorted-set command works on it.
A search scans the geohash boxes Redis scans, in its order (the centre box, then its eight neighbours), and
tests each member with Redis's own distance functions: the same members in the same order, sorted or
not.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from redvector.commands import geohash
from redvector.commands.args import parse_float, parse_int
from redvector.commands.context import CommandContext
from redvector.commands.long_double import long_double_text
from redvector.commands.sorted_sets import get_zset, zadd_generic
from redvector.commands.spec import CommandGroup, Flag, KeySpec
from redvector.errors import RedVectorError, SyntaxErr, WrongArity
from redvector.keyspace.types import ZSet
from redvector.replies import NULL_ARRAY, DoubleText

group = CommandGroup("geo")

_W = Flag.WRITE | Flag.DENYOOM
_R = Flag.READONLY
_K1 = KeySpec(1, 1, 1)
_UNIT_ERROR = "unsupported unit provided. please use M, KM, FT, MI"


def _lon_lat(lon_arg: bytes, lat_arg: bytes) -> tuple[float, float]:
    lon, lat = parse_float(lon_arg), parse_float(lat_arg)
    if not geohash.in_range(lon, lat):
        raise RedVectorError(f"invalid longitude,latitude pair {lon:f},{lat:f}")
    return lon, lat


def _unit(arg: bytes) -> float:
    factor = geohash.UNITS.get(arg.lower())
    if factor is None:
        raise RedVectorError(_UNIT_ERROR)
    return factor


def _coordinate(value: float) -> DoubleText:
    """A coordinate as GEOPOS writes it (addReplyHumanLongDouble: %.17Lf, zeros cut)."""
    return DoubleText(long_double_text(np.longdouble(value)))


@group.command("GEOADD", -5, _W, _K1, since="3.2.0",
               summary="Adds one or more members to a geospatial index. The key is created if it doesn't exist.")
def geoadd(ctx: CommandContext, argv: list[bytes]) -> Any:
    options: list[bytes] = []
    at = 2
    while at < len(argv) and argv[at].upper() in (b"NX", b"XX", b"CH"):
        options.append(argv[at].upper())
        at += 1
    triples = argv[at:]
    if not triples or len(triples) % 3:
        raise WrongArity("geoadd")
    if b"NX" in options and b"XX" in options:
        raise SyntaxErr()
    pairs: list[bytes] = []
    for i in range(0, len(triples), 3):
        lon, lat = _lon_lat(triples[i], triples[i + 1])
        pairs += [b"%d" % geohash.encode(lon, lat), triples[i + 2]]
    return zadd_generic(ctx, [b"ZADD", argv[1], *options, *pairs])


@group.command("GEOPOS", -2, _R, _K1, since="3.2.0",
               summary="Returns the longitude and latitude of members from a geospatial index.")
def geopos(ctx: CommandContext, argv: list[bytes]) -> Any:
    zset = get_zset(ctx, argv[1])
    out: list[Any] = []
    for member in argv[2:]:
        score = zset.scores.get(member) if zset is not None else None
        if score is None:
            out.append(NULL_ARRAY)
            continue
        lon, lat = geohash.decode(int(score))
        out.append([_coordinate(lon), _coordinate(lat)])
    return out


@group.command("GEODIST", -4, _R, _K1, since="3.2.0",
               summary="Returns the distance between two members of a geospatial index.")
def geodist(ctx: CommandContext, argv: list[bytes]) -> Any:
    if len(argv) > 5:
        raise SyntaxErr()
    to_meters = _unit(argv[4]) if len(argv) == 5 else 1.0
    zset = get_zset(ctx, argv[1])
    if zset is None:
        return None
    a, b = zset.scores.get(argv[2]), zset.scores.get(argv[3])
    if a is None or b is None:
        return None
    return geohash.distance_text(geohash.distance(*geohash.decode(int(a)), *geohash.decode(int(b))), to_meters)


@group.command("GEOHASH", -2, _R, _K1, since="3.2.0",
               summary="Returns members from a geospatial index as geohash strings.")
def geohash_(ctx: CommandContext, argv: list[bytes]) -> Any:
    zset = get_zset(ctx, argv[1])
    out: list[Any] = []
    for member in argv[2:]:
        score = zset.scores.get(member) if zset is not None else None
        out.append(None if score is None else geohash.standard_geohash(int(score)))
    return out


# -- searches -------------------------------------------------------------------------------------------
@dataclass
class _Search:
    lon: float = 0.0
    lat: float = 0.0
    member: bytes | None = None
    radius: float | None = None  # meters
    box: tuple[float, float] | None = None  # width, height in meters
    to_meters: float = 1.0
    with_coord: bool = False
    with_dist: bool = False
    with_hash: bool = False
    count: int = 0
    any: bool = False
    order: str | None = None  # "ASC" | "DESC"
    store: bytes | None = None
    store_dist: bool = False


def _parse_options(argv: list[bytes], at: int, search: _Search, geosearch: bool, storing: bool) -> None:
    """The options after the shape: WITH*, COUNT [ANY], ASC|DESC, STORE/STOREDIST (GEORADIUS), and for
    GEOSEARCH the FROM* / BY* clauses."""
    n = len(argv)
    has_from = has_by = False
    while at < n:
        token = argv[at].upper()
        left = n - at - 1
        if token == b"WITHCOORD":
            search.with_coord = True
        elif token == b"WITHDIST":
            search.with_dist = True
        elif token == b"WITHHASH":
            search.with_hash = True
        elif token == b"ANY":
            search.any = True
        elif token in (b"ASC", b"DESC"):
            search.order = token.decode()
        elif token == b"COUNT" and left >= 1:
            search.count = parse_int(argv[at + 1])
            if search.count <= 0:
                raise RedVectorError("COUNT must be > 0")
            at += 1
        elif token in (b"STORE", b"STOREDIST") and left >= 1 and not geosearch:
            search.store, search.store_dist = argv[at + 1], token == b"STOREDIST"
            at += 1
        elif token == b"STOREDIST" and geosearch and storing:
            search.store_dist = True
        elif token == b"FROMMEMBER" and left >= 1 and geosearch:
            if has_from:
                raise SyntaxErr()
            search.member, has_from = argv[at + 1], True
            at += 1
        elif token == b"FROMLONLAT" and left >= 2 and geosearch:
            if has_from:
                raise SyntaxErr()
            search.lon, search.lat = _lon_lat(argv[at + 1], argv[at + 2])
            has_from = True
            at += 2
        elif token == b"BYRADIUS" and left >= 2 and geosearch:
            if has_by:
                raise SyntaxErr()
            radius = parse_float(argv[at + 1], RedVectorError("need numeric radius"))
            if radius < 0:
                raise RedVectorError("radius cannot be negative")
            search.to_meters = _unit(argv[at + 2])
            search.radius, has_by = radius * search.to_meters, True
            at += 2
        elif token == b"BYBOX" and left >= 3 and geosearch:
            if has_by:
                raise SyntaxErr()
            width = parse_float(argv[at + 1], RedVectorError("need numeric width"))
            height = parse_float(argv[at + 2], RedVectorError("need numeric height"))
            if width < 0 or height < 0:
                raise RedVectorError("height or width cannot be negative")
            search.to_meters = _unit(argv[at + 3])
            search.box, has_by = (width * search.to_meters, height * search.to_meters), True
            at += 3
        else:
            raise SyntaxErr()
        at += 1
    if geosearch and not has_from:
        raise RedVectorError("exactly one of FROMMEMBER or FROMLONLAT can be specified for GEOSEARCH")
    if geosearch and not has_by:
        raise RedVectorError("exactly one of BYRADIUS and BYBOX can be specified for GEOSEARCH")
    if search.any and not search.count:
        raise RedVectorError("the ANY argument requires COUNT argument")
    withs = search.with_coord or search.with_dist or search.with_hash
    if storing and withs:
        raise RedVectorError("GEOSEARCHSTORE is not compatible with WITHDIST, WITHHASH and WITHCOORD options")
    if search.store is not None and withs:
        raise RedVectorError(
            "STORE option in GEORADIUS is not compatible with WITHDIST, WITHHASH and WITHCOORD options")


def _matches(zset: ZSet, search: _Search) -> list[tuple[float, int, bytes]]:
    """(distance in meters, score, member) of the members inside the shape, in the order Redis finds
    them: box by box (geohash.search_boxes), each box's members in score order; with ANY, the first
    COUNT found."""
    found: list[tuple[float, int, bytes]] = []
    limit = search.count if search.any else 0
    last: geohash.Box | None = None
    for box in geohash.search_boxes(search.lon, search.lat, search.radius, search.box):
        if box == (0, 0) or box == last:
            continue
        if limit and len(found) >= limit:
            break
        low, high = geohash.score_range(box)
        for score, member in zset.order.irange((low, b""), (high, b""), inclusive=(True, False)):
            bits = int(score)
            lon, lat = geohash.decode(bits)
            if search.box is not None:
                d = geohash.within_box(search.lon, search.lat, lon, lat, *search.box)
            else:
                assert search.radius is not None
                d = geohash.within_radius(search.lon, search.lat, lon, lat, search.radius)
            if d is not None:
                found.append((d, bits, member))
                if limit and len(found) >= limit:
                    break
        last = box
    return found


def _search(ctx: CommandContext, key: bytes, search: _Search, destination: bytes | None,
            event: str = "georadiusstore") -> Any:
    zset = get_zset(ctx, key)
    if zset is not None and search.member is not None:
        score = zset.scores.get(search.member)
        if score is None:
            raise RedVectorError("could not decode requested zset member")
        search.lon, search.lat = geohash.decode(int(score))
    found = _matches(zset, search) if zset is not None else []
    order = search.order
    if search.count and order is None and not search.any:
        order = "ASC"  # COUNT picks the closest
    if order is not None:
        found.sort(key=lambda m: m[0], reverse=order == "DESC")
    if search.count:
        found = found[:search.count]
    if destination is not None:
        return _store(ctx, destination, found, search.store_dist, search.to_meters, event)
    if not (search.with_coord or search.with_dist or search.with_hash):
        return [member for _, _, member in found]
    rows: list[Any] = []
    for d, bits, member in found:
        row: list[Any] = [member]
        if search.with_dist:
            row.append(geohash.distance_text(d, search.to_meters))
        if search.with_hash:
            row.append(bits)
        if search.with_coord:
            lon, lat = geohash.decode(bits)
            row.append([_coordinate(lon), _coordinate(lat)])
        rows.append(row)
    return rows


def _store(ctx: CommandContext, destination: bytes, found: list[tuple[float, int, bytes]], store_dist: bool,
           to_meters: float, event: str) -> int:
    db = ctx.db
    if not found:
        if db.delete(destination):
            db.touched(destination, "del")
        return 0
    zset = ZSet()
    for d, bits, member in found:
        zset.add(member, d / to_meters if store_dist else float(bits))
    db.set(destination, zset)
    db.touched(destination, event)
    return len(found)


def _radius_command(ctx: CommandContext, argv: list[bytes], by_member: bool, read_only: bool) -> Any:
    search = _Search()
    if by_member:
        search.member = argv[2]
        radius_at = 3
    else:
        search.lon, search.lat = _lon_lat(argv[2], argv[3])
        radius_at = 4
    radius = parse_float(argv[radius_at], RedVectorError("need numeric radius"))
    if radius < 0:
        raise RedVectorError("radius cannot be negative")
    search.to_meters = _unit(argv[radius_at + 1])
    search.radius = radius * search.to_meters
    if read_only and any(a.upper() in (b"STORE", b"STOREDIST") for a in argv[radius_at + 2:]):
        raise SyntaxErr()
    _parse_options(argv, radius_at + 2, search, geosearch=False, storing=False)
    return _search(ctx, argv[1], search, search.store)


def _georadius_keys(argv: list[bytes]) -> list[bytes]:
    keys = [argv[1]] if len(argv) > 1 else []
    for i in range(2, len(argv) - 1):
        if argv[i].upper() in (b"STORE", b"STOREDIST"):
            keys.append(argv[i + 1])
    return keys


@group.command("GEORADIUS", -6, _W, KeySpec(1, 1, 1), since="3.2.0", getkeys=_georadius_keys,
               summary="Queries a geospatial index for members within a distance from a coordinate, optionally stores the result.")
def georadius(ctx: CommandContext, argv: list[bytes]) -> Any:
    return _radius_command(ctx, argv, by_member=False, read_only=False)


@group.command("GEORADIUS_RO", -6, _R, _K1, since="3.2.10",
               summary="Returns members from a geospatial index that are within a distance from a coordinate.")
def georadius_ro(ctx: CommandContext, argv: list[bytes]) -> Any:
    return _radius_command(ctx, argv, by_member=False, read_only=True)


@group.command("GEORADIUSBYMEMBER", -5, _W, KeySpec(1, 1, 1), since="3.2.0", getkeys=_georadius_keys,
               summary="Queries a geospatial index for members within a distance from a member, optionally stores the result.")
def georadiusbymember(ctx: CommandContext, argv: list[bytes]) -> Any:
    return _radius_command(ctx, argv, by_member=True, read_only=False)


@group.command("GEORADIUSBYMEMBER_RO", -5, _R, _K1, since="3.2.10",
               summary="Returns members from a geospatial index that are within a distance from a member.")
def georadiusbymember_ro(ctx: CommandContext, argv: list[bytes]) -> Any:
    return _radius_command(ctx, argv, by_member=True, read_only=True)


@group.command("GEOSEARCH", -7, _R, _K1, since="6.2.0",
               summary="Queries a geospatial index for members inside an area of a box or a circle.")
def geosearch(ctx: CommandContext, argv: list[bytes]) -> Any:
    search = _Search()
    _parse_options(argv, 2, search, geosearch=True, storing=False)
    return _search(ctx, argv[1], search, None)


@group.command("GEOSEARCHSTORE", -8, _W, KeySpec(1, 2, 1), since="6.2.0",
               summary="Queries a geospatial index for members inside an area of a box or a circle, optionally stores the result.")
def geosearchstore(ctx: CommandContext, argv: list[bytes]) -> Any:
    search = _Search()
    _parse_options(argv, 3, search, geosearch=True, storing=True)
    return _search(ctx, argv[2], search, argv[1], "geosearchstore")
