"""GEO commands: replies compared byte for byte with Redis Stack 7.4's (RESP2 and RESP3), and the geo set
being a sorted set to every other command."""

from __future__ import annotations

import pytest
import redis

from tests.serverutil import ThreadedServer, assert_same_raw_replies

PLACES = ("13.361389 38.115556 Palermo 15.087269 37.502669 Catania 2.349014 48.864716 Paris "
          "-0.127758 51.507351 London -74.005974 40.712776 NewYork 139.691706 35.689487 Tokyo "
          "12.496366 41.902783 Rome 14.268124 40.851775 Naples -179.99 -85.05 Edge 180 85.05112878 Corner")

SCRIPT = f"""
GEOADD Sicily {PLACES}
GEOADD Sicily NX 13.361389 38.115556 Palermo 1 1 New
GEOADD Sicily XX CH 13.4 38.1 Palermo 2 2 Other
GEOADD Sicily NX XX 1 1 a
GEOADD Sicily 200 100 bad
GEOADD Sicily 1 x bad
GEOADD Sicily 1 2
GEOPOS Sicily Palermo Catania Nowhere Edge Corner
GEOPOS nokey a
GEODIST Sicily Palermo Catania
GEODIST Sicily Palermo Catania km
GEODIST Sicily Palermo Catania MI
GEODIST Sicily Palermo Catania ft
GEODIST Sicily Palermo Catania yards
GEODIST Sicily Palermo Nowhere
GEODIST Sicily Paris Tokyo km
GEOHASH Sicily Palermo Catania Nowhere Paris Edge Corner
ZSCORE Sicily Palermo
ZRANGE Sicily 0 -1 WITHSCORES
GEORADIUS Sicily 15 37 200 km
GEORADIUS Sicily 15 37 200 km ASC
GEORADIUS Sicily 15 37 200 km DESC WITHDIST
GEORADIUS Sicily 15 37 200 km WITHCOORD WITHDIST WITHHASH ASC
GEORADIUS Sicily 15 37 2000 km COUNT 3
GEORADIUS Sicily 15 37 2000 km COUNT 3 DESC WITHDIST
GEORADIUS Sicily 15 37 2000 km COUNT 0
GEORADIUS Sicily 15 37 2000 km ANY
GEORADIUS Sicily 15 37 -1 km
GEORADIUS Sicily 15 37 x km
GEORADIUS Sicily 15 37 100 parsec
GEORADIUS Sicily 15 37 2000 km STORE dst ASC
ZRANGE dst 0 -1 WITHSCORES
GEORADIUS Sicily 15 37 2000 km STOREDIST dst2 ASC COUNT 2
ZRANGE dst2 0 -1 WITHSCORES
GEORADIUS Sicily 15 37 2000 km STORE dst WITHDIST
GEORADIUS Sicily 15 37 1 m STORE dst
EXISTS dst
GEORADIUS_RO Sicily 15 37 200 km ASC WITHDIST
GEORADIUS_RO Sicily 15 37 200 km STORE x
GEORADIUSBYMEMBER Sicily Palermo 300 km ASC WITHDIST
GEORADIUSBYMEMBER Sicily Nowhere 300 km
GEORADIUSBYMEMBER_RO Sicily Rome 250 km DESC WITHCOORD
GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km ASC
GEOSEARCH Sicily FROMMEMBER Palermo BYRADIUS 1000 km ASC WITHDIST WITHHASH
GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 400 400 km ASC WITHCOORD
GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 4000 4000 km DESC COUNT 4 WITHDIST
GEOSEARCH Sicily FROMMEMBER Rome BYBOX 2000 600 mi ASC
GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km COUNT 1 ANY ASC
GEOSEARCH Sicily BYRADIUS 200 km
GEOSEARCH Sicily FROMLONLAT 15 37 ASC
GEOSEARCH Sicily FROMLONLAT 15 37 FROMMEMBER Rome BYRADIUS 1 km
GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 1 km BYBOX 1 1 km
GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 1 km STORE x
GEOSEARCH Sicily FROMMEMBER Nowhere BYRADIUS 1 km
GEOSEARCH nokey FROMMEMBER Nowhere BYRADIUS 1 km
GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX -1 1 km
GEOSEARCHSTORE gdst Sicily FROMLONLAT 15 37 BYRADIUS 500 km ASC COUNT 3
ZRANGE gdst 0 -1 WITHSCORES
GEOSEARCHSTORE gdst Sicily FROMLONLAT 15 37 BYRADIUS 500 km ASC COUNT 3 STOREDIST
ZRANGE gdst 0 -1 WITHSCORES
GEOSEARCHSTORE gdst Sicily FROMLONLAT 15 37 BYRADIUS 500 km WITHDIST
SET str x
GEOADD str 1 1 a
GEOPOS str a
GEOSEARCH str FROMLONLAT 1 1 BYRADIUS 1 km
"""


@pytest.mark.parametrize("protocol", [2, 3])
def test_replies_match_redis_stack(server: ThreadedServer, stack_port: int, protocol: int) -> None:
    commands = [[part.encode() for part in line.split()] for line in SCRIPT.strip().splitlines()]
    assert_same_raw_replies(server.port, stack_port, protocol, commands)


def test_geo_sets_work_through_redis_py(r: redis.Redis) -> None:
    assert r.geoadd("g", [13.361389, 38.115556, "Palermo", 15.087269, 37.502669, "Catania"]) == 2
    assert r.geodist("g", "Palermo", "Catania", unit="km") == pytest.approx(166.2742, abs=1e-4)
    assert r.geosearch("g", longitude=15, latitude=37, radius=200, unit="km", sort="ASC") == [b"Catania", b"Palermo"]
    assert r.type("g") == b"zset" and r.zcard("g") == 2
    assert r.zrem("g", "Palermo") == 1
    assert r.geopos("g", "Palermo") == [None]


def test_unsorted_searches_list_members_in_redis_order(server: ThreadedServer, stack_port: int) -> None:
    """Without ASC/DESC (and with ANY), Redis lists matches in the order it scans its geohash boxes:
    random points and searches, the same lists on both."""
    import random

    rng = random.Random(3)
    ours, theirs = redis.Redis(port=server.port), redis.Redis(port=stack_port)
    points: list[object] = []
    for i in range(200):
        points += [rng.uniform(-10, 30), rng.uniform(30, 60), f"p{i}"]
    for i in range(60):
        points += [rng.uniform(-180, 180), rng.uniform(-85, 85), f"w{i}"]
    try:
        for client in (ours, theirs):
            client.delete("places")
            client.geoadd("places", points)
        for t in range(120):
            wide = t % 4 == 0
            lon = rng.uniform(-180, 180) if wide else rng.uniform(-10, 30)
            lat = rng.uniform(-85, 85) if wide else rng.uniform(30, 60)
            r = rng.choice([1, 50, 200, 800, 3000, 8000])
            for args in (("FROMLONLAT", lon, lat, "BYRADIUS", r, "km"), ("FROMLONLAT", lon, lat, "BYBOX", r, r / 3, "km"),
                         ("FROMLONLAT", lon, lat, "BYRADIUS", r, "km", "COUNT", 3, "ANY")):
                command = ("GEOSEARCH", "places", *args)
                assert ours.execute_command(*command) == theirs.execute_command(*command), command
    finally:
        ours.close()
        theirs.close()
