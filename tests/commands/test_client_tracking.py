"""CLIENT TRACKING (client-side caching): argument checks and TRACKINGINFO against Redis Stack, the
invalidation messages of every mode over raw sockets (the same expected frames from RedVector and from
Redis Stack), and redis-py's own client-side cache kept fresh by them."""

from __future__ import annotations

import socket
import time
from typing import Any

import hiredis
import pytest
import redis

from tests.serverutil import ThreadedServer, assert_same_raw_replies


def _cmds(*lines: str) -> list[list[bytes]]:
    return [line.encode().split() for line in lines]


COMMANDS = _cmds(
    "CLIENT TRACKING",
    "CLIENT TRACKING maybe",
    "CLIENT TRACKING on REDIRECT 999999",
    "CLIENT TRACKING on REDIRECT abc",
    "CLIENT TRACKING on optin optout",
    "CLIENT TRACKING on PREFIX a",
    "CLIENT TRACKING on BCAST PREFIX",
    "CLIENT TRACKING on foo",
    "CLIENT TRACKING on BCAST OPTIN",
    "CLIENT CACHING yes",
    "CLIENT GETREDIR",
    "CLIENT TRACKINGINFO",
    "CLIENT TRACKING off PREFIX p",
    "CLIENT TRACKING on",
    "CLIENT TRACKINGINFO",
    "CLIENT GETREDIR",
    "CLIENT CACHING yes",
    "CLIENT CACHING no",
    "CLIENT TRACKING on BCAST",
    "CLIENT TRACKING on OPTIN",
    "CLIENT TRACKING on OPTOUT",
    "CLIENT CACHING yes",
    "CLIENT CACHING maybe",
    "CLIENT CACHING no",
    "CLIENT TRACKINGINFO",
    "CLIENT TRACKINGINFO",
    "CLIENT TRACKING off",
    "CLIENT TRACKING on OPTOUT NOLOOP",
    "CLIENT CACHING no",
    "CLIENT TRACKINGINFO",
    "CLIENT TRACKING off",
    "CLIENT TRACKING on BCAST PREFIX ab PREFIX a",
    "CLIENT TRACKING on BCAST PREFIX ab PREFIX cd",
    "CLIENT TRACKING on BCAST PREFIX abc",
    "CLIENT TRACKING on BCAST PREFIX ef",
    "CLIENT TRACKINGINFO",
    "CLIENT TRACKING on",
    "CLIENT TRACKING off",
    "CLIENT TRACKING on BCAST",
    "CLIENT TRACKINGINFO",
    "CLIENT TRACKING off",
    "CLIENT TRACKINGINFO",
)


@pytest.mark.parametrize("protocol", [2, 3])
def test_replies_match_redis_stack(server: ThreadedServer, stack_port: int, protocol: int) -> None:
    assert_same_raw_replies(server.port, stack_port, protocol, COMMANDS, setup=[])


class Conn:
    def __init__(self, port: int, protocol: int = 2) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.reader = hiredis.Reader()
        if protocol == 3:
            self.call("HELLO", "3")

    def send(self, *args: Any) -> None:
        parts = [a if isinstance(a, bytes) else str(a).encode() for a in args]
        self.sock.sendall(b"*%d\r\n" % len(parts) + b"".join(b"$%d\r\n%b\r\n" % (len(p), p) for p in parts))

    def frame(self) -> Any:
        while (reply := self.reader.gets()) is False:
            self.reader.feed(self.sock.recv(65536))
        return reply

    def call(self, *args: Any) -> Any:
        self.send(*args)
        return self.frame()

    def pushes(self) -> list[Any]:
        """Everything delivered before a PING's reply (the pushes sent to this connection so far)."""
        self.send("PING")
        out = []
        while (reply := self.frame()) not in (b"PONG", [b"pong", b""]):
            out.append(reply)
        return out

    def close(self) -> None:
        self.sock.close()


def _scenario(port: int) -> list[Any]:
    a, w, sub, d = Conn(port, 3), Conn(port), Conn(port), Conn(port)
    seen: list[Any] = []
    try:
        w.call("FLUSHALL")
        a.call("CLIENT", "TRACKING", "on")
        a.call("GET", "k1")
        a.call("MGET", "k1", "k2")
        w.call("SET", "k1", "x")
        seen.append(a.pushes())  # k1
        w.call("SET", "k1", "y")
        seen.append(a.pushes())  # nothing: forgotten until read again
        w.call("MSET", "k2", "z", "k1", "z")
        seen.append(a.pushes())  # k2 (only k2 is still tracked)
        a.call("GET", "k3")
        seen.append(a.call("SET", "k3", "own"))  # the reply first, then its own invalidation
        seen.append(a.pushes())
        w.call("FLUSHDB")
        seen.append(a.pushes())  # null: everything
        # NOLOOP: its own writes are not reported
        a.call("CLIENT", "TRACKING", "off")
        a.call("CLIENT", "TRACKING", "on", "NOLOOP")
        a.call("GET", "k4")
        a.call("SET", "k4", "1")
        seen.append(a.pushes())
        a.call("GET", "k4")
        w.call("SET", "k4", "2")
        seen.append(a.pushes())
        # expiry invalidates too
        w.call("SET", "e", "1", "PX", "30")
        a.call("GET", "e")
        time.sleep(0.4)
        seen.append(a.pushes())
        # BCAST: every key under the prefixes, one message per prefix
        a.call("CLIENT", "TRACKING", "off")
        a.call("CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "p:", "PREFIX", "q")
        w.call("MSET", "p:1", "1", "q2", "2", "r", "3")
        seen.append(a.pushes())
        # OPTIN: only the read right after CLIENT CACHING yes
        a.call("CLIENT", "TRACKING", "off")
        a.call("CLIENT", "TRACKING", "on", "OPTIN")
        a.call("GET", "o1")
        a.call("CLIENT", "CACHING", "yes")
        a.call("GET", "o2")
        a.call("GET", "o3")
        w.call("MSET", "o1", "1", "o2", "2", "o3", "3")
        seen.append(a.pushes())
        # OPTOUT: every read but the one right after CLIENT CACHING no
        a.call("CLIENT", "TRACKING", "off")
        a.call("CLIENT", "TRACKING", "on", "OPTOUT")
        a.call("CLIENT", "CACHING", "no")
        a.call("GET", "o1")
        a.call("GET", "o2")
        w.call("MSET", "o1", "1", "o2", "2")
        seen.append(a.pushes())
        # RESP2 through REDIRECT to a subscriber of __redis__:invalidate
        sub_id = sub.call("CLIENT", "ID")
        sub.call("SUBSCRIBE", "__redis__:invalidate")
        seen.append(d.call("CLIENT", "TRACKING", "on", "REDIRECT", sub_id) == b"OK")
        d.call("GET", "x")
        w.call("SET", "x", "1")
        seen.append(sub.pushes())
        w.call("FLUSHALL")
        seen.append(sub.pushes())
        sub.close()
        time.sleep(0.1)
        d.call("GET", "x")
        w.call("SET", "x", "2")
        info = d.call("CLIENT", "TRACKINGINFO")
        seen.append(info[:4])  # flags (with broken_redirect), redirect id
        seen[-1][3] = seen[-1][3] == sub_id
    finally:
        for conn in (a, w, d):
            conn.close()
    return seen


EXPECTED = [
    [[b"invalidate", [b"k1"]]],
    [],
    [[b"invalidate", [b"k2"]]],
    b"OK",
    [[b"invalidate", [b"k3"]]],
    [[b"invalidate", None]],
    [],
    [[b"invalidate", [b"k4"]]],
    [[b"invalidate", [b"e"]]],
    [[b"invalidate", [b"p:1"]], [b"invalidate", [b"q2"]]],
    [[b"invalidate", [b"o2"]]],
    [[b"invalidate", [b"o2"]]],
    True,
    [[b"message", b"__redis__:invalidate", [b"x"]]],
    [[b"message", b"__redis__:invalidate", None]],
    [b"flags", [b"on", b"broken_redirect"], b"redirect", True],
]


def test_invalidation_messages(server: ThreadedServer) -> None:
    assert _scenario(server.port) == EXPECTED


def test_invalidation_messages_are_redis_stacks(stack_port: int) -> None:
    assert _scenario(stack_port) == EXPECTED  # the expectations above are what Redis Stack sends


def test_redis_py_client_side_cache_stays_fresh(server: ThreadedServer) -> None:
    from redis.cache import CacheConfig

    cached = redis.Redis(port=server.port, protocol=3, cache_config=CacheConfig())
    writer = redis.Redis(port=server.port)
    try:
        writer.set("cached", "1")
        writer.hset("cached:h", "f", "1")
        assert cached.get("cached") == b"1"
        assert cached.hget("cached:h", "f") == b"1"
        writer.set("cached", "2")
        writer.hset("cached:h", "f", "2")
        assert cached.get("cached") == b"2"
        assert cached.hget("cached:h", "f") == b"2"
        writer.delete("cached")
        assert cached.get("cached") is None
        info = writer.info()
        assert info["tracking_clients"] >= 1 and info["tracking_total_keys"] >= 1
        me = str(cached.client_id())
        assert "t" in next(c for c in writer.client_list() if c["id"] == me)["flags"]
    finally:
        cached.close()
        writer.close()
